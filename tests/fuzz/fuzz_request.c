/* libFuzzer target over what summitd does with hostile bytes before any database is involved:
 * request routing against the real route table (server/routes.c), request-body validation
 * (json_body and every typed getter, utf8_chars, time_parse_rfc3339) and the config parser
 * (cfg_set on every key). Built with clang -fsanitize=fuzzer,address,undefined by `make fuzz`
 * (bench/faults.mk); seeds in tests/fuzz/corpus/, dictionary tests/fuzz/request.dict.
 *
 * Input: byte 0 picks the target (mod 4), the rest is its input:
 *   0 route   byte 1 = method, rest = the path
 *   1 body    a request body; validated as an object with every getter on every member name
 *             found in it and on the field names handlers use
 *   2 config  byte 1 picks a key of the config table, rest = the value
 *   3 text    utf8_chars (both modes) and time_parse_rfc3339 with a format/parse round trip
 * Besides the sanitizers, the target checks invariants: a route match captures only inside the
 * path, a reply is always a 4xx with the SPEC error envelope, a parsed time formats back to the
 * same instant. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/http.h"
#include "server/json.h"
#include "server/router.h"
#include "server/routes.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_request: invariant broken at %s:%d: %s\n", __FILE__, __LINE__,   \
                    #c);                                                                           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static struct router *rt;
static char **cfg_keys;
static size_t ncfg_keys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_init();
    rt = router_new();
    for (size_t i = 0; i < routes_len; i++)
        CHECK(((routes[i].flags & ROUTE_TAIL) ? router_add_tail(rt, routes[i].method, routes[i].pattern)
                                               : router_add(rt, routes[i].method, routes[i].pattern)) == (int)i);
    /* The config keys, read from the commented example the key table writes. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cfg_write_example(f);
    fclose(f);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char key[64];
        if (sscanf(line, "# %63[a-z0-9_] =", key) == 1) {
            cfg_keys = xrealloc(cfg_keys, (ncfg_keys + 1) * sizeof(char *));
            cfg_keys[ncfg_keys++] = xstrdup(key);
        }
    }
    free(text);
    CHECK(ncfg_keys > 10);
    return 0;
}

static struct req *new_req(const uint8_t *body, size_t len)
{
    struct req *r = xcalloc(1, sizeof(*r));
    snprintf(r->id, sizeof(r->id), "fuzz");
    r->path = xstrdup("/fuzz");
    if (len) {
        r->body = xmalloc(len + 1);
        memcpy(r->body, body, len);
        r->body[len] = '\0';
        r->body_len = len;
    }
    return r;
}

/* Valid UTF-8 (DEL and control characters allowed: JSON may carry DEL raw, the others
 * escaped). */
static bool utf8_text(const char *s, size_t n)
{
    char *t = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
    bool ok = utf8_chars(t, n, false) >= 0;
    free(t);
    return ok;
}

/* A getter that answered must have answered 400 with the envelope and a field. */
static void check_reply(struct req *r, int rc, const char *field)
{
    if (rc >= 0) {
        CHECK(r->status == 0);
        return;
    }
    CHECK(r->status == 400);
    CHECK(r->resp && r->resp_len > 0);
    CHECK(utf8_text(r->resp, r->resp_len)); /* a JSON reply is UTF-8 */
    cJSON *o = cJSON_ParseWithLength(r->resp, r->resp_len);
    CHECK(o);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "code")));
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "message")));
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(e, "field");
    /* the field as given, as reply_error makes it safe to echo: cut to 255 bytes, then every
     * byte that is not UTF-8 and every control character replaced by '?' */
    char want[256];
    snprintf(want, sizeof(want), "%s", field);
    utf8_scrub(want);
    CHECK(cJSON_IsString(fl) && strcmp(fl->valuestring, want) == 0);
    cJSON_Delete(o);
}

static void fuzz_route(const uint8_t *d, size_t n)
{
    if (n < 1)
        return;
    static const unsigned methods[] = {HTTP_M_GET,    HTTP_M_POST, HTTP_M_PUT,     HTTP_M_PATCH,
                                       HTTP_M_DELETE, HTTP_M_HEAD, HTTP_M_OPTIONS, 0};
    unsigned m = methods[d[0] % 8];
    const char *path = (const char *)d + 1;
    size_t len = n - 1;
    struct route_match match;
    int rc = router_match(rt, m, path, len, &match);
    CHECK(rc == 0 || rc == -1 || rc == -2);
    if (rc == 0) {
        CHECK(match.index >= 0 && (size_t)match.index < routes_len);
        CHECK(match.nparams <= ROUTER_MAX_PARAMS);
        for (size_t i = 0; i < match.nparams; i++) {
            CHECK(match.param_len[i] > 0);
            CHECK(match.param[i] >= path && match.param[i] + match.param_len[i] <= path + len);
            /* A capture is one segment, but the last one of a ROUTE_TAIL route (/assets/{path})
             * takes the rest of the path: slashes, never an empty segment. */
            bool tail = (routes[match.index].flags & ROUTE_TAIL) && i + 1 == match.nparams;
            if (!tail)
                CHECK(memchr(match.param[i], '/', match.param_len[i]) == NULL);
            else
                CHECK(match.param[i][match.param_len[i] - 1] != '/' &&
                      memmem(match.param[i], match.param_len[i], "//", 2) == NULL);
        }
        CHECK(routes[match.index].method == m ||
              (m == HTTP_M_HEAD && routes[match.index].method == HTTP_M_GET));
    } else if (rc == -2) {
        CHECK(match.allowed != 0);
        char allow[96];
        router_methods_str(match.allowed, allow, sizeof(allow));
        CHECK(allow[0] != '\0');
    }
}

/* Field names the handlers validate, so that the getters meet them with every type. */
static const char *const fields[] = {"email",
                                     "password",
                                     "display_name",
                                     "role",
                                     "name",
                                     "tier",
                                     "sector",
                                     "zone",
                                     "description",
                                     "title",
                                     "kind",
                                     "city",
                                     "venue",
                                     "starts_at",
                                     "ends_at",
                                     "capacity",
                                     "waitlist",
                                     "registration_opens_at",
                                     "registration_closes_at",
                                     "room",
                                     "organization_id",
                                     "side",
                                     "tags",
                                     "budget_min",
                                     "budget_max",
                                     "stage",
                                     "target_project_id",
                                     "decision",
                                     "minutes",
                                     "available_from",
                                     "available_until",
                                     "presenter_user_id",
                                     "project_id",
                                     "weight",
                                     "max_score",
                                     "user_id",
                                     "scores",
                                     "code",
                                     "count",
                                     "tables",
                                     "limit",
                                     NULL};

static void getters(const uint8_t *d, size_t n, const cJSON *o, const char *field)
{
    static const char *const names[] = {"attendee", "enterprise", "organizer", "supply", "demand",
                                        "forum",    "pitch",      "",          NULL};
    const char *s;
    int64_t i;
    double x;
    bool b;
    int e;
    struct req *r;
#define RUN(call)                                                                                  \
    do {                                                                                           \
        r = new_req(d, n);                                                                         \
        int rc_ = (call);                                                                          \
        check_reply(r, rc_, field);                                                                \
        req_free(r);                                                                               \
    } while (0)
    RUN(json_str(r, o, field, true, 1, 200, false, &s));
    RUN(json_str(r, o, field, false, 0, 5000, true, &s));
    RUN(json_int(r, o, field, true, INT64_MIN, INT64_MAX, &i));
    RUN(json_int(r, o, field, false, 1, 1000000, &i));
    RUN(json_double(r, o, field, true, -1e308, 1e308, &x));
    RUN(json_double(r, o, field, false, 0, 100, &x));
    RUN(json_bool(r, o, field, true, &b));
    RUN(json_enum(r, o, field, true, names, &e));
    RUN(json_time(r, o, field, false, &i));
#undef RUN
    /* A string that passed validation is valid UTF-8 without control characters. */
    r = new_req(d, n);
    if (json_str(r, o, field, true, 0, 1000000, false, &s) == 0)
        CHECK(utf8_chars(s, strlen(s), false) >= 0);
    req_free(r);
}

static void fuzz_body(const uint8_t *d, size_t n)
{
    struct req *r = new_req(d, n);
    cJSON *o = json_body(r);
    if (!o) {
        CHECK(r->status == 400);
        req_free(r);
        return;
    }
    CHECK(r->status == 0 && cJSON_IsObject(o));
    req_free(r);
    size_t members = 0;
    for (const cJSON *c = o->child; c && members < 64; c = c->next, members++)
        if (c->string)
            getters(d, n, o, c->string);
    for (size_t k = 0; fields[k]; k++)
        getters(d, n, o, fields[k]);
    cJSON_Delete(o);
}

static void fuzz_config(const uint8_t *d, size_t n)
{
    if (n < 1)
        return;
    const char *key = cfg_keys[d[0] % ncfg_keys];
    char *value = xmalloc(n);
    memcpy(value, d + 1, n - 1);
    value[n - 1] = '\0';
    struct config cfg;
    cfg_defaults(&cfg);
    char err[256];
    err[0] = '\0';
    int rc = cfg_set(&cfg, key, value, err, sizeof(err));
    CHECK(rc == 0 || (rc == -1 && err[0] != '\0'));
    /* An unknown key is always refused. */
    CHECK(cfg_set(&cfg, "no_such_key", value, err, sizeof(err)) == -1);
    cfg_deinit(&cfg);
    free(value);
}

static void fuzz_text(const uint8_t *d, size_t n)
{
    long a = utf8_chars((const char *)d, n, false);
    long b = utf8_chars((const char *)d, n, true);
    CHECK(a <= (long)n && b <= (long)n);
    if (a >= 0)
        CHECK(b == a); /* what passes the strict mode passes the lenient one, same count */
    char *s = xmalloc(n + 1);
    memcpy(s, d, n);
    s[n] = '\0';
    int64_t t;
    if (time_parse_rfc3339(s, &t) == 0) {
        char buf[TIME_BUF];
        int64_t t2;
        time_format_rfc3339(t, buf);
        CHECK(time_parse_rfc3339(buf, &t2) == 0);
        CHECK(t2 == t);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    switch (data[0] % 4) {
    case 0:
        fuzz_route(data + 1, size - 1);
        break;
    case 1:
        fuzz_body(data + 1, size - 1);
        break;
    case 2:
        fuzz_config(data + 1, size - 1);
        break;
    default:
        fuzz_text(data + 1, size - 1);
        break;
    }
    return 0;
}
