/* `make fuzz-api`: a live-server API fuzzer. Beside the libFuzzer target (fuzz_request.c, which
 * covers routing and body validation in-process), this drives a real summitd — normally the
 * ASan+UBSan build — against its own private MariaDB and Redis (scripts/services.sh with
 * SD_VAR=var/fuzz-api and free ports, like tests/faults/faults.c) through every route of the
 * route table (server/routes.c, linked in: a new route is fuzzed without touching this file),
 * as each principal of the authorization matrix, with hostile values for every field and
 * parameter documented in docs/openapi.yaml (limits read from maxLength/minimum/maximum).
 *
 * First it builds a small fixture world through the API (users, two organizations with supply
 * and demand projects and a mutual match, a published event with pitch, competition and forum
 * sessions, a pitch, a criterion, an entry, a judge, a registration, meeting slots and a
 * meeting), so that valid ids exist and a valid body reaches the handler's deep paths; then
 * each request takes a valid request for its route and mutates it: one body field (text at the
 * documented limit in characters and in bytes and one over, long CJK and emoji, NUL, invalid
 * UTF-8, lone surrogates, huge/negative/fractional numbers, 1e309, wrong types), the body as a
 * whole (not an object, invalid JSON, deep nesting, duplicate keys, unknown fields, too large),
 * the path id (0, -1, 01, 9999999999999999999, %00, …), the query string, or the headers
 * (Idempotency-Key of 10 KB, non-ASCII, odd Authorization, Accept-Language, …).
 *
 * It FAILS on: a 5xx other than 503; a sanitizer report (or assertion) in the server's stderr;
 * the process dying or not answering; a 4xx/5xx outside the error envelope
 * {"error":{"code","message"[,"field"]}}; a JSON content type whose body is not JSON (or not
 * UTF-8); and, where the request was otherwise valid, a documented string field accepted with
 * \u0000 in it (it cannot have been stored intact), over its maxLength, with invalid UTF-8, a
 * number outside its documented range or of the wrong type, a value at the documented limit
 * refused, or an echo of a field truncated. After a crash it restarts summitd and goes on.
 *
 *   api_fuzz [--seconds N] [--seed S] [--skip CLASS]... [--keep] [--until N] [--clients N]
 *            [--sanitizer-only]
 *   api_fuzz --replay FILE...      re-send saved failing requests to a fresh server and world
 *   api_fuzz --schema              what it read from docs/openapi.yaml
 *
 * --clients N runs N clients at once (races for a TSan build: `make tsan` does that with
 * --sanitizer-only, which records only crashes, hangs and sanitizer reports); with more than
 * one client a run is no longer reproducible by seed.
 *
 * Environment: SUMMITD_BIN (the server to fuzz; `make fuzz-api` passes the ASan build),
 * FUZZ_API_SECONDS (default 120), SEED (default: time-based, always printed). The same seed
 * gives the same request sequence: `SEED=s api_fuzz --until N` stops after request N. Each
 * failure class is printed once with the exact request (also saved under var/fuzz-api/) and
 * counted; at the end a table of status counts per route. Exit status 1 on any failure. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/router.h"
#include "server/routes.h"

#define VAR "var/fuzz-api"
#define PASSWORD "fuzz-password-1"
#define ADMIN_EMAIL "admin@fuzz.example"
#define ADMIN_PASSWORD "fuzz-admin-password"
#define MAX_BODY 65536       /* the server's max_body_bytes (its default, set explicitly) */
#define REQ_TIMEOUT_MS 20000 /* ASan summitd, 1 MB bodies: generous, but a hang is a failure */
#define WORLD_EVERY 3000     /* requests between fixture worlds (state drifts under fuzzing) */

/* ---------------------------------------------------------------- utilities */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void stop_all(void);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "api_fuzz: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    stop_all();
    exit(2);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("bind: %s", strerror(errno));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

/* A growable byte buffer, always NUL-terminated. */
struct sb {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sb *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    sb_put(b, s, (size_t)n);
    free(s);
}

static void sb_rep(struct sb *b, const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    for (size_t i = 0; i < n; i++)
        sb_put(b, unit, ul);
}

static void sb_reset(struct sb *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

static char *sb_take(struct sb *b)
{
    if (!b->p)
        sb_puts(b, "");
    char *p = b->p;
    memset(b, 0, sizeof(*b));
    return p;
}

static char *xstrdup0(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

/* ---------------------------------------------------------------- seeded RNG (splitmix64) */

static uint64_t seed;
static _Thread_local uint64_t rng; /* one stream per client thread */

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t rn(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static bool chance(unsigned percent)
{
    return rn(100) < percent;
}

#define PICK(arr) ((arr)[rn(sizeof(arr) / sizeof((arr)[0]))])

/* ---------------------------------------------------------------- docs/openapi.yaml, the subset
 * it uses: per path and method, the request body's properties (flow-style schemas such as
 * `title: {type: string, minLength: 1, maxLength: 200}` or a block of `key: value` lines) and
 * the query parameters (`- {name: limit, in: query, schema: {...}}`). */

struct schema {
    char type[16];
    char format[24];
    long max_len, min_len; /* -1: absent */
    long max_bytes;        /* x-max-bytes, 0: absent */
    double minimum, maximum;
    bool has_min, has_max, excl_min;
    int nenum;
    char enums[12][32];
    long max_items;
    char items_type[16];
    long items_max_len;
    bool addl; /* an object of additionalProperties (scores) */
};

struct prop {
    char name[48];
    struct schema s;
};

struct op {
    unsigned method;
    char path[160];
    struct prop body[24];
    int nbody;
    bool body_doc; /* a requestBody exists (maybe without properties) */
    struct prop query[16];
    int nquery;
};

static struct op ops[160];
static int nops;

static void schema_init(struct schema *s)
{
    memset(s, 0, sizeof(*s));
    s->max_len = s->min_len = s->max_items = s->items_max_len = -1;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* One flow scalar (bare or quoted) into out; returns the end. */
static const char *flow_scalar(const char *p, char *out, size_t n)
{
    size_t k = 0;
    p = skip_ws(p);
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p && !(*p == q && p[1] != q)) {
            if (*p == q)
                p++; /* '' in a single-quoted string */
            if (k + 1 < n)
                out[k++] = *p;
            p++;
        }
        if (*p == q)
            p++;
    } else {
        while (*p && *p != ',' && *p != '}' && *p != ']') {
            if (k + 1 < n)
                out[k++] = *p;
            p++;
        }
        while (k && out[k - 1] == ' ')
            k--;
    }
    out[k] = '\0';
    return p;
}

/* Skips one flow value ({…}, […] or a scalar). */
static const char *flow_skip(const char *p)
{
    p = skip_ws(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        char q = 0;
        for (; *p; p++) {
            if (q) {
                if (*p == q)
                    q = 0;
            } else if (*p == '\'' || *p == '"') {
                q = *p;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return p;
    }
    char tmp[512];
    return flow_scalar(p, tmp, sizeof(tmp));
}

static const char *flow_schema(const char *p, struct schema *s);

/* Sets one schema key from a flow value at p; returns the end of the value. */
static const char *schema_key(struct schema *s, const char *key, const char *p)
{
    char v[256];
    p = skip_ws(p);
    if (strcmp(key, "enum") == 0 && *p == '[') {
        p++;
        while (*p && *p != ']') {
            p = flow_scalar(p, v, sizeof(v));
            if (s->nenum < 12)
                snprintf(s->enums[s->nenum++], sizeof(s->enums[0]), "%.31s", v);
            p = skip_ws(p);
            if (*p == ',')
                p++;
        }
        return *p ? p + 1 : p;
    }
    if (strcmp(key, "items") == 0 && *p == '{') {
        struct schema it;
        schema_init(&it);
        p = flow_schema(p, &it);
        snprintf(s->items_type, sizeof(s->items_type), "%s", it.type);
        s->items_max_len = it.max_len;
        return p;
    }
    if (strcmp(key, "additionalProperties") == 0) {
        s->addl = true;
        return flow_skip(p);
    }
    if (*p == '{' || *p == '[')
        return flow_skip(p);
    p = flow_scalar(p, v, sizeof(v));
    if (strcmp(key, "type") == 0)
        snprintf(s->type, sizeof(s->type), "%.15s", v);
    else if (strcmp(key, "format") == 0)
        snprintf(s->format, sizeof(s->format), "%.23s", v);
    else if (strcmp(key, "maxLength") == 0)
        s->max_len = atol(v);
    else if (strcmp(key, "x-max-bytes") == 0)
        s->max_bytes = atol(v);
    else if (strcmp(key, "minLength") == 0)
        s->min_len = atol(v);
    else if (strcmp(key, "maxItems") == 0)
        s->max_items = atol(v);
    else if (strcmp(key, "minimum") == 0)
        s->has_min = true, s->minimum = atof(v);
    else if (strcmp(key, "maximum") == 0)
        s->has_max = true, s->maximum = atof(v);
    else if (strcmp(key, "exclusiveMinimum") == 0)
        s->excl_min = strcmp(v, "true") == 0;
    return p;
}

/* A flow map {k: v, …} as a schema (keys it does not know are skipped). */
static const char *flow_schema(const char *p, struct schema *s)
{
    p = skip_ws(p);
    if (*p != '{')
        return flow_skip(p);
    p++;
    for (;;) {
        p = skip_ws(p);
        if (!*p || *p == '}')
            return *p ? p + 1 : p;
        char key[64];
        size_t k = 0;
        while (*p && *p != ':' && *p != '}' && k + 1 < sizeof(key))
            key[k++] = *p++;
        key[k] = '\0';
        if (*p != ':')
            return p;
        p = schema_key(s, key, p + 1);
        p = skip_ws(p);
        if (*p == ',')
            p++;
    }
}

/* A query parameter line "- {name: x, in: query, schema: {...}}". */
static void parse_param(struct op *op, const char *p)
{
    p = skip_ws(p);
    if (*p != '{')
        return;
    p++;
    char name[48] = "", in[16] = "";
    struct schema s;
    schema_init(&s);
    for (;;) {
        p = skip_ws(p);
        if (!*p || *p == '}')
            break;
        char key[64];
        size_t k = 0;
        while (*p && *p != ':' && *p != '}' && k + 1 < sizeof(key))
            key[k++] = *p++;
        key[k] = '\0';
        if (*p != ':')
            break;
        p++;
        if (strcmp(key, "name") == 0)
            p = flow_scalar(p, name, sizeof(name));
        else if (strcmp(key, "in") == 0)
            p = flow_scalar(p, in, sizeof(in));
        else if (strcmp(key, "schema") == 0)
            p = flow_schema(p, &s);
        else
            p = flow_skip(p);
        p = skip_ws(p);
        if (*p == ',')
            p++;
    }
    if (strcmp(in, "query") == 0 && name[0] && op->nquery < 16) {
        struct prop *q = &op->query[op->nquery++];
        snprintf(q->name, sizeof(q->name), "%s", name);
        q->s = s;
    }
}

static unsigned method_of(const char *s)
{
    static const struct {
        const char *name;
        unsigned m;
    } ms[] = {{"get:", HTTP_M_GET},
              {"post:", HTTP_M_POST},
              {"put:", HTTP_M_PUT},
              {"patch:", HTTP_M_PATCH},
              {"delete:", HTTP_M_DELETE}};
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
        if (strcmp(s, ms[i].name) == 0)
            return ms[i].m;
    return 0;
}

static void load_openapi(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f)
        die("cannot read %s: %s", file, strerror(errno));
    char line[4096], path[160] = "";
    bool in_paths = false;
    struct op *op = NULL;
    enum { NONE, PARAMS, BODY } state = NONE;
    int props_indent = -1;     /* indent of the body's `properties:`; -2 once done */
    struct prop *block = NULL; /* a property written as a block of lines */
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        int ind = 0;
        while (line[ind] == ' ')
            ind++;
        const char *c = line + ind;
        if (!*c || *c == '#')
            continue;
        if (ind == 0) {
            in_paths = strcmp(c, "paths:") == 0;
            op = NULL;
            continue;
        }
        if (!in_paths)
            continue;
        if (ind == 2 && *c == '/') {
            snprintf(path, sizeof(path), "%.*s", (int)(strlen(c) - 1), c);
            op = NULL;
            continue;
        }
        if (ind == 4) {
            unsigned m = method_of(c);
            op = NULL;
            if (m && nops < (int)(sizeof(ops) / sizeof(ops[0]))) {
                op = &ops[nops++];
                memset(op, 0, sizeof(*op));
                op->method = m;
                snprintf(op->path, sizeof(op->path), "%s", path);
                state = NONE;
                props_indent = -1;
                block = NULL;
            }
            continue;
        }
        if (!op)
            continue;
        if (ind == 6) {
            block = NULL;
            if (strncmp(c, "requestBody:", 12) == 0) {
                state = BODY;
                op->body_doc = true;
            } else if (strcmp(c, "parameters:") == 0) {
                state = PARAMS;
            } else {
                state = NONE;
            }
            continue;
        }
        if (state == PARAMS && c[0] == '-') {
            parse_param(op, c + 1);
            continue;
        }
        if (state != BODY || props_indent == -2)
            continue;
        if (props_indent < 0) {
            if (strcmp(c, "properties:") == 0)
                props_indent = ind;
            continue;
        }
        if (ind <= props_indent) {
            props_indent = -2;
            continue;
        }
        const char *colon = strchr(c, ':');
        if (!colon)
            continue;
        if (ind == props_indent + 2 && op->nbody < 24) {
            struct prop *pr = &op->body[op->nbody++];
            snprintf(pr->name, sizeof(pr->name), "%.*s", (int)(colon - c), c);
            schema_init(&pr->s);
            const char *v = skip_ws(colon + 1);
            block = NULL;
            if (*v)
                flow_schema(v, &pr->s);
            else
                block = pr;
        } else if (block && ind == props_indent + 4) {
            char key[64];
            snprintf(key, sizeof(key), "%.*s", (int)(colon - c), c);
            schema_key(&block->s, key, colon + 1);
        }
    }
    fclose(f);
}

static struct op *op_for(unsigned method, const char *pattern)
{
    for (int i = 0; i < nops; i++)
        if (ops[i].method == method && strcmp(ops[i].path, pattern) == 0)
            return &ops[i];
    return NULL;
}

/* The body properties of a route: its own, or for a PATCH documented as "any of the create
 * fields" (no properties), those of the POST that creates the resource (…/events for
 * PATCH /events/{id}, …/sessions for PATCH /sessions/{id}). */
static const struct op *body_op(const struct route_def *rd)
{
    const struct op *op = op_for(rd->method, rd->pattern);
    if (op && op->nbody)
        return op;
    if (rd->method != HTTP_M_PATCH)
        return op;
    const char *idp = strstr(rd->pattern, "/{id}");
    if (!idp)
        return op;
    const char *seg = idp;
    while (seg > rd->pattern && seg[-1] != '/')
        seg--;
    char suffix[64];
    snprintf(suffix, sizeof(suffix), "/%.*s", (int)(idp - seg), seg);
    for (int i = 0; i < nops; i++) {
        size_t pl = strlen(ops[i].path), sl = strlen(suffix);
        if (ops[i].method == HTTP_M_POST && ops[i].nbody && pl >= sl &&
            strcmp(ops[i].path + pl - sl, suffix) == 0)
            return &ops[i];
    }
    return op;
}

/* ---------------------------------------------------------------- HTTP client */

struct resp {
    int status; /* 0: no response (connection refused, reset, or timed out) */
    bool timed_out;
    char *head;
    char *body;
    size_t body_len;
    char ctype[128];
};

static void resp_free(struct resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static int http_port;

/* Sends raw bytes on a new connection and reads the response until the server closes. */
static struct resp http_raw(const char *data, size_t len, int timeout_ms)
{
    struct resp out = {0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)http_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return out;
    }
    int64_t deadline = now_ms() + timeout_ms;
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* the server may answer (413) and close before reading everything */
        off += (size_t)k;
    }
    struct sb buf = {0};
    sb_puts(&buf, "");
    for (;;) {
        int left = (int)(deadline - now_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0) {
            out.timed_out = true;
            break;
        }
        char chunk[16384];
        ssize_t k = recv(fd, chunk, sizeof(chunk), 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        sb_put(&buf, chunk, (size_t)k);
    }
    close(fd);
    char *sep = strstr(buf.p, "\r\n\r\n");
    if (!sep || sscanf(buf.p, "HTTP/1.%*d %d", &out.status) != 1) {
        out.status = 0;
        free(buf.p);
        return out;
    }
    out.head = strndup(buf.p, (size_t)(sep - buf.p));
    out.body_len = buf.len - (size_t)(sep + 4 - buf.p);
    out.body = malloc(out.body_len + 1);
    memcpy(out.body, sep + 4, out.body_len);
    out.body[out.body_len] = '\0';
    free(buf.p);
    for (const char *h = strstr(out.head, "\r\n"); h; h = strstr(h + 2, "\r\n"))
        if (strncasecmp(h + 2, "Content-Type:", 13) == 0) {
            const char *v = skip_ws(h + 15);
            size_t n = strcspn(v, "\r\n");
            snprintf(out.ctype, sizeof(out.ctype), "%.*s", (int)n, v);
        }
    return out;
}

/* A plain API call for the fixture world. */
static struct resp api(const char *method, const char *path, const char *token, const char *body)
{
    struct sb r = {0};
    size_t blen = body ? strlen(body) : 0;
    sb_printf(&r, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
    if (token)
        sb_printf(&r, "Authorization: Bearer %s\r\n", token);
    if (body)
        sb_puts(&r, "Content-Type: application/json\r\n");
    sb_printf(&r, "Content-Length: %zu\r\n\r\n", blen);
    if (body)
        sb_put(&r, body, blen);
    struct resp out = http_raw(r.p, r.len, REQ_TIMEOUT_MS);
    free(r.p);
    return out;
}

/* ---------------------------------------------------------------- the server and its services */

static char env_prefix[256];
static int mysql_port, redis_port;
static const char *bin;
static bool keep_state;
static pid_t srv_pid;
static char log_path[256];
static off_t log_off;
static int restarts;

static void srv_start(void)
{
    if (!http_port)
        http_port = free_port();
    snprintf(log_path, sizeof(log_path), VAR "/summitd-%d.log", restarts);
    char listen[32], mp[32], rp[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", http_port);
    snprintf(mp, sizeof(mp), "mysql_port=%d", mysql_port);
    snprintf(rp, sizeof(rp), "redis_port=%d", redis_port);
    const char *sets[] = {"mysql_host=127.0.0.1",
                          mp,
                          "mysql_user=summitd",
                          "mysql_password=summitd",
                          "mysql_database=summitd_test",
                          "redis_host=127.0.0.1",
                          rp,
                          "redis_prefix=fz:",
                          "password_cost=1",
                          "login_limit_ip=1000000",
                          "login_limit_account=1000000",
                          "admin_email=" ADMIN_EMAIL,
                          "admin_password=" ADMIN_PASSWORD,
                          "workers=4",
                          "threads=2",
                          "max_body_bytes=65536",
                          "access_log=false",
                          "log_level=warn",
                          "shutdown_timeout_s=5",
                          NULL};
    const char *argv[64];
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "--listen";
    argv[n++] = listen;
    for (int k = 0; sets[k]; k++) {
        argv[n++] = "--set";
        argv[n++] = sets[k];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:print_summary=1", 0);
        setenv("UBSAN_OPTIONS", "print_stacktrace=1", 0);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    srv_pid = pid;
    log_off = 0;
    int64_t deadline = now_ms() + 60000;
    for (;;) {
        struct resp r = api("GET", "/healthz", NULL, NULL);
        int st = r.status;
        resp_free(&r);
        if (st == 200)
            break;
        int ws;
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            srv_pid = 0;
            sh("tail -30 %s >&2", log_path);
            die("summitd exited at start; see %s", log_path);
        }
        if (now_ms() > deadline)
            die("summitd did not come up; see %s", log_path);
        sleep_ms(50);
    }
}

/* Returns the exit status (128+signal when killed by one), or -1 while it still runs. */
static int srv_exited(void)
{
    int st;
    if (srv_pid <= 0)
        return 0;
    pid_t w = waitpid(srv_pid, &st, WNOHANG);
    if (w != srv_pid)
        return -1;
    srv_pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int srv_stop(void)
{
    if (srv_pid <= 0)
        return 0;
    kill(srv_pid, SIGTERM);
    int64_t deadline = now_ms() + 20000;
    for (;;) {
        int code = srv_exited();
        if (code >= 0)
            return code;
        if (now_ms() > deadline) {
            kill(srv_pid, SIGKILL);
            waitpid(srv_pid, NULL, 0);
            srv_pid = 0;
            return -1;
        }
        sleep_ms(20);
    }
}

static void stop_all(void)
{
    srv_stop();
    if (env_prefix[0]) {
        sh("%s scripts/services.sh stop >/dev/null 2>&1", env_prefix);
        if (!keep_state)
            sh("rm -rf " VAR "/mysql " VAR "/redis");
        env_prefix[0] = '\0';
    }
}

static const char *const san_markers[] = {"AddressSanitizer", "LeakSanitizer",
                                          "runtime error:",   "ThreadSanitizer",
                                          "MemorySanitizer",  "UndefinedBehaviorSanitizer",
                                          "assertion failed", NULL};

/* New server output since the last look; returns the first sanitizer/assertion line found (in
 * *hit, malloc'd, with up to 40 following lines of the report) or NULL. */
static char *log_scan(void)
{
    struct stat st;
    if (stat(log_path, &st) != 0 || st.st_size <= log_off)
        return NULL;
    FILE *f = fopen(log_path, "r");
    if (!f)
        return NULL;
    fseeko(f, log_off, SEEK_SET);
    size_t n = (size_t)(st.st_size - log_off);
    char *text = malloc(n + 1);
    n = fread(text, 1, n, f);
    text[n] = '\0';
    fclose(f);
    log_off += (off_t)n;
    char *hit = NULL;
    for (int i = 0; san_markers[i] && !hit; i++) {
        char *m = strstr(text, san_markers[i]);
        if (!m)
            continue;
        char *b = m;
        while (b > text && b[-1] != '\n')
            b--;
        /* the report's first line (====…ERROR: …) may sit a line above */
        char *e = b;
        for (int k = 0; k < 40 && *e; k++) {
            char *nl = strchr(e, '\n');
            e = nl ? nl + 1 : e + strlen(e);
        }
        hit = strndup(b, (size_t)(e - b));
    }
    free(text);
    return hit;
}

/* ---------------------------------------------------------------- principals and the world */

enum { P_ANON, P_ATT, P_ENT, P_ORG, P_ORG2, P_JUDGE, P_ADMIN, NP };
static const char *const pname[NP] = {"anonymous",       "attendee", "enterprise", "organizer",
                                      "other-organizer", "judge",    "admin"};

static struct {
    char *tok[NP];
    char email[NP][96];
    int64_t uid[NP];
    int64_t dummy, ent2_uid;
    char dummy_email[96];
    char *ent2_tok;
    int64_t org_a, org_b, supply, demand, demand2;
    int64_t event, pitch_s, comp, forum, forum3;
    int64_t pitch, criterion, entry, reg, meeting;
    char code[96];
    int64_t t0;
    int gen;
} W;

static _Atomic int64_t seq; /* for unique names; deterministic per run with one client */

static void rfc(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t jint(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* fixture makers called while fuzzing: failures are not fatal, they ask for a new world */
static _Thread_local bool soft, world_broken;

/* A fixture call that must give one of the wanted statuses; returns the parsed body. */
static cJSON *must(int want1, int want2, const char *method, const char *path, const char *tok,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static cJSON *must(int want1, int want2, const char *method, const char *path, const char *tok,
                   const char *fmt, ...)
{
    char *body = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&body, fmt, ap) < 0)
            abort();
        va_end(ap);
    }
    struct resp r = api(method, path, tok, body);
    if (r.status != want1 && r.status != want2 && soft) {
        /* a maker during fuzzing: the world was disturbed (say, its event cancelled through a
         * hostile path); rebuild it before the next request */
        world_broken = true;
        free(body);
        resp_free(&r);
        return cJSON_CreateObject();
    }
    if (r.status != want1 && r.status != want2)
        die("fixture: %s %s %s: %d %s (server log %s)", method, path, body ? body : "", r.status,
            r.body ? r.body : "(no response)", log_path);
    cJSON *o = r.body ? cJSON_Parse(r.body) : NULL;
    free(body);
    resp_free(&r);
    return o ? o : cJSON_CreateObject();
}

static int64_t must_id(const char *path, const char *tok, const char *body)
{
    cJSON *o = must(201, 201, "POST", path, tok, "%s", body);
    int64_t id = jint(o, "id");
    cJSON_Delete(o);
    return id;
}

static char *login(const char *email, const char *password)
{
    cJSON *o = must(200, 200, "POST", "/api/v1/auth/login", NULL,
                    "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "token");
    char *tok = xstrdup0(cJSON_IsString(t) ? t->valuestring : "");
    cJSON_Delete(o);
    return tok;
}

static int64_t signup(const char *role, char *email, size_t n)
{
    snprintf(email, n, "fz%lld-%d@fuzz.example", (long long)++seq, W.gen);
    cJSON *o = must(201, 201, "POST", "/api/v1/users", NULL,
                    "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"display_name\":\"模糊测试 "
                    "%s\",\"role\":\"%s\"}",
                    email, role, role);
    int64_t id = jint(o, "id");
    cJSON_Delete(o);
    return id;
}

static void principal(int p, const char *role, bool organizer)
{
    W.uid[p] = signup(role, W.email[p], sizeof(W.email[p]));
    if (organizer) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/users/%lld/roles", (long long)W.uid[p]);
        cJSON_Delete(must(200, 200, "POST", path, W.tok[P_ADMIN], "{\"role\":\"organizer\"}"));
    }
    free(W.tok[p]);
    W.tok[p] = login(W.email[p], PASSWORD);
}

static int64_t new_session(int64_t event, const char *kind, const char *room, int64_t a, int64_t b)
{
    char path[64], s1[32], s2[32], body[512];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)event);
    rfc(a, s1);
    rfc(b, s2);
    snprintf(body, sizeof(body),
             "{\"title\":\"%s 场次 %lld\",\"kind\":\"%s\",\"room\":\"%s\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\",\"capacity\":1000,\"waitlist\":true}",
             kind, (long long)++seq, kind, room, s1, s2);
    return must_id(path, W.tok[P_ORG], body);
}

static int64_t new_event(bool publish)
{
    char s1[32], s2[32], body[512];
    rfc(W.t0 - 3600, s1);
    rfc(W.t0 + 86400, s2);
    snprintf(body, sizeof(body),
             "{\"title\":\"2033 人工智能高峰论坛 %lld\",\"kind\":\"summit\",\"city\":\"成都\","
             "\"venue\":\"天府国际会议中心\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
             "\"description\":\"fuzz\"}",
             (long long)++seq, s1, s2);
    int64_t id = must_id("/api/v1/events", W.tok[P_ORG], body);
    if (publish) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)id);
        cJSON_Delete(must(200, 200, "POST", path, W.tok[P_ORG], NULL));
    }
    return id;
}

static int64_t new_org(const char *tok)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"name\":\"模糊企业 %d-%lld\",\"tier\":\"innovative\",\"sector\":\"人工智能\","
             "\"zone\":\"高新区\"}",
             W.gen, (long long)++seq);
    return must_id("/api/v1/organizations", tok, body);
}

static int64_t new_project(const char *tok, int64_t org, const char *side)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"organization_id\":%lld,\"side\":\"%s\",\"title\":\"工业视觉质检 %lld\","
             "\"description\":\"基于深度学习的产线缺陷检测\",\"sector\":\"人工智能\","
             "\"tags\":[\"视觉\",\"质检\"],\"zone\":\"高新区\",\"budget_min\":100000,"
             "\"budget_max\":500000,\"stage\":\"pilot\"}",
             (long long)org, side, (long long)++seq);
    return must_id("/api/v1/projects", tok, body);
}

static void interest(const char *tok, int64_t from, int64_t to)
{
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)from);
    cJSON_Delete(must(201, 200, "POST", path, tok,
                      "{\"target_project_id\":%lld,\"decision\":\"interested\"}", (long long)to));
}

static void world(void)
{
    int64_t t_start = now_ms();
    W.gen++;
    struct tm tm = {.tm_year = 2033 - 1900, .tm_mon = 5, .tm_mday = 15, .tm_hour = 9};
    W.t0 = (int64_t)timegm(&tm);
    const int64_t H = 3600, T0 = W.t0;
    char path[128], body[512], s1[32];

    free(W.tok[P_ADMIN]);
    W.tok[P_ADMIN] = login(ADMIN_EMAIL, ADMIN_PASSWORD);
    snprintf(W.email[P_ADMIN], sizeof(W.email[P_ADMIN]), "%s", ADMIN_EMAIL);
    principal(P_ATT, "attendee", false);
    principal(P_ENT, "enterprise", false);
    principal(P_ORG, "attendee", true);
    principal(P_ORG2, "attendee", true);
    principal(P_JUDGE, "attendee", false);
    W.dummy = signup("attendee", W.dummy_email, sizeof(W.dummy_email));
    char ent2_email[96];
    W.ent2_uid = signup("enterprise", ent2_email, sizeof(ent2_email));
    free(W.ent2_tok);
    W.ent2_tok = login(ent2_email, PASSWORD);

    W.event = new_event(true);
    W.pitch_s = new_session(W.event, "pitch", "路演厅 A", T0, T0 + 3 * H);
    W.comp = new_session(W.event, "competition", "大赛厅", T0 + 6 * H, T0 + 8 * H);
    W.forum = new_session(W.event, "forum", "论坛 1", T0 + 8 * H, T0 + 10 * H);
    W.forum3 = new_session(W.event, "forum", "论坛 3", T0 + 8 * H, T0 + 10 * H);

    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)W.forum);
    cJSON *o = must(201, 201, "POST", path, W.tok[P_ATT], NULL);
    W.reg = jint(o, "id");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "checkin_code");
    snprintf(W.code, sizeof(W.code), "%s", cJSON_IsString(code) ? code->valuestring : "");
    cJSON_Delete(o);

    W.org_a = new_org(W.tok[P_ENT]);
    W.org_b = new_org(W.ent2_tok);
    W.supply = new_project(W.tok[P_ENT], W.org_a, "supply");
    W.demand = new_project(W.ent2_tok, W.org_b, "demand");
    W.demand2 = new_project(W.ent2_tok, W.org_b, "demand");
    interest(W.tok[P_ENT], W.supply, W.demand);
    interest(W.ent2_tok, W.demand, W.supply);

    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/pitches", (long long)W.pitch_s);
    snprintf(body, sizeof(body), "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
             (long long)W.supply, (long long)W.uid[P_ENT]);
    W.pitch = must_id(path, W.tok[P_ORG], body);

    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/criteria", (long long)W.comp);
    W.criterion =
        must_id(path, W.tok[P_ORG], "{\"name\":\"创新性\",\"weight\":1,\"max_score\":10}");
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/entries", (long long)W.comp);
    snprintf(body, sizeof(body), "{\"project_id\":%lld}", (long long)W.demand);
    W.entry = must_id(path, W.tok[P_ORG], body);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/judges", (long long)W.comp);
    cJSON_Delete(must(201, 201, "POST", path, W.tok[P_ORG], "{\"user_id\":%lld}",
                      (long long)W.uid[P_JUDGE]));

    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)W.event);
    cJSON_Delete(must(201, 201, "POST", path, W.tok[P_ORG], "{\"organization_id\":%lld}",
                      (long long)W.org_a));
    cJSON_Delete(must(201, 201, "POST", path, W.tok[P_ORG], "{\"organization_id\":%lld}",
                      (long long)W.org_b));
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)W.event);
    rfc(T0 + 12 * H, s1);
    cJSON_Delete(must(201, 201, "POST", path, W.tok[P_ORG],
                      "{\"starts_at\":\"%s\",\"minutes\":30,\"count\":4,\"tables\":10}", s1));
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)W.event);
    cJSON_Delete(must(200, 200, "POST", path, W.tok[P_ORG], NULL));
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings", (long long)W.event);
    o = must(200, 200, "GET", path, W.tok[P_ORG], NULL);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(o, "items");
    W.meeting = jint(cJSON_GetArrayItem(items, 0), "id");
    cJSON_Delete(o);
    if (!W.meeting)
        die("fixture: no meeting was scheduled");
    printf("api_fuzz: fixture world #%d built in %lld ms (event %lld, sessions %lld/%lld/%lld, "
           "projects %lld/%lld, meeting %lld)\n",
           W.gen, (long long)(now_ms() - t_start), (long long)W.event, (long long)W.pitch_s,
           (long long)W.comp, (long long)W.forum, (long long)W.supply, (long long)W.demand,
           (long long)W.meeting);
    fflush(stdout);
}

/* ---------------------------------------------------------------- ids for paths and bodies */

enum idkind {
    K_NONE,
    K_USER,
    K_ORG,
    K_PROJECT,
    K_EVENT,
    K_SESSION,
    K_PITCH,
    K_ENTRY,
    K_REG,
    K_MEETING
};

/* The kind of the first {id} of a pattern, from the segment before it. */
static enum idkind path_kind(const char *pattern)
{
    static const struct {
        const char *seg;
        enum idkind k;
    } segs[] = {
        {"/users/{id}", K_USER},    {"/organizations/{id}", K_ORG}, {"/projects/{id}", K_PROJECT},
        {"/events/{id}", K_EVENT},  {"/sessions/{id}", K_SESSION},  {"/pitches/{id}", K_PITCH},
        {"/entries/{id}", K_ENTRY}, {"/registrations/{id}", K_REG}, {"/meetings/{id}", K_MEETING}};
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
        if (strstr(pattern, segs[i].seg))
            return segs[i].k;
    return K_NONE;
}

/* Which session a /sessions/{id}/… route needs, by what follows the id. */
static int64_t session_for(const char *pattern)
{
    const char *rest = strstr(pattern, "/sessions/{id}") + strlen("/sessions/{id}");
    if (strncmp(rest, "/pitches", 8) == 0)
        return W.pitch_s;
    static const char *const comp[] = {"/criteria",    "/entries", "/judges",
                                       "/leaderboard", "/results", "/competition"};
    for (size_t i = 0; i < sizeof(comp) / sizeof(comp[0]); i++)
        if (strncmp(rest, comp[i], strlen(comp[i])) == 0)
            return W.comp;
    return W.forum;
}

/* A route that uses up what it acts on: it gets a fresh object when a cheap maker exists. */
static bool destructive(const struct route_def *rd)
{
    size_t n = strlen(rd->pattern);
    static const char *const ends[] = {"/cancel", "/publish", "/logout"};
    if (rd->method == HTTP_M_DELETE)
        return true;
    for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        size_t el = strlen(ends[i]);
        if (n >= el && strcmp(rd->pattern + n - el, ends[i]) == 0)
            return true;
    }
    return false;
}

static int64_t fresh_registration(void)
{
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)W.forum3);
    struct resp r = api("POST", path, W.tok[P_ATT], NULL);
    cJSON *o = r.body ? cJSON_Parse(r.body) : NULL;
    int64_t id = 0;
    if (r.status == 201)
        id = jint(o, "id");
    else if (r.status == 409)
        id = jint(cJSON_GetObjectItemCaseSensitive(o, "registration"), "id");
    cJSON_Delete(o);
    resp_free(&r);
    return id ? id : W.reg;
}

static int64_t path_id(const struct route_def *rd, bool fresh)
{
    enum idkind k = path_kind(rd->pattern);
    bool results = strstr(rd->pattern, "/results/") != NULL;
    switch (k) {
    case K_USER:
        return W.dummy;
    case K_ORG:
        return W.org_a;
    case K_PROJECT:
        return fresh ? new_project(W.tok[P_ENT], W.org_a, "supply") : W.supply;
    case K_EVENT:
        if (fresh)
            return new_event(strstr(rd->pattern, "/publish") == NULL);
        return W.event;
    case K_SESSION:
        if (fresh && results)
            return new_session(W.event, "competition", "大赛厅 2", W.t0 + 6 * 3600,
                               W.t0 + 8 * 3600);
        return session_for(rd->pattern);
    case K_PITCH:
        return W.pitch;
    case K_ENTRY:
        return W.entry;
    case K_REG:
        return fresh ? fresh_registration() : W.reg;
    case K_MEETING:
        return W.meeting;
    default:
        return 1;
    }
}

/* ---------------------------------------------------------------- the request being built */

enum vclass {
    V_VALID,
    V_AT_LIMIT,     /* a string exactly at maxLength: must not be refused for its length */
    V_OVER_LIMIT,   /* over maxLength: must not be accepted */
    V_NUL,          /* holds U+0000: must not be accepted (cJSON cuts the string there) */
    V_BAD_UTF8,     /* invalid UTF-8 bytes: must not be accepted */
    V_OUT_OF_RANGE, /* a number outside minimum/maximum: must not be accepted */
    V_WRONG_TYPE,   /* not null, not the documented type: must not be accepted */
    V_OTHER
};

static const char *const vclass_name[] = {"valid",    "at-limit",     "over-limit", "nul",
                                          "bad-utf8", "out-of-range", "wrong-type", "other"};

struct field {
    char *key;
    char *val; /* raw JSON text */
};

struct fzreq {
    const struct route_def *rd;
    size_t route;
    int p;
    char *token; /* borrowed or NULL; owned_token when a fresh login made it */
    char *owned_token;
    struct sb path;
    struct sb query;    /* "" or "?…" */
    struct sb hdrs;     /* extra "Name: value\r\n" lines */
    bool auth_override; /* hdrs carries its own Authorization */
    struct field f[64];
    int nf;
    bool body; /* send the field list as a JSON object */
    bool raw;  /* send raw_body instead */
    struct sb raw_body;
    bool chunked;
    bool no_ctype;
    bool idem; /* carries an Idempotency-Key */
    /* the oracle's view of the one mutated field */
    char ofield[48];
    enum vclass ocls;
    char *oexpect; /* the decoded value sent, when known (echo check) */
    char *oval;    /* the raw JSON sent for it (NULL: set by a raw-body mutation) */
    long num;      /* its number in the run */
    char what[768];
};

static void what(struct fzreq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void what(struct fzreq *q, const char *fmt, ...)
{
    size_t n = strlen(q->what);
    if (n + 3 >= sizeof(q->what))
        return;
    if (n)
        q->what[n++] = ';', q->what[n++] = ' ', q->what[n] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->what + n, sizeof(q->what) - n, fmt, ap);
    va_end(ap);
}

static void fz_free(struct fzreq *q)
{
    free(q->owned_token);
    free(q->path.p);
    free(q->query.p);
    free(q->hdrs.p);
    free(q->raw_body.p);
    for (int i = 0; i < q->nf; i++) {
        free(q->f[i].key);
        free(q->f[i].val);
    }
    free(q->oexpect);
    free(q->oval);
    memset(q, 0, sizeof(*q));
}

static void set_field(struct fzreq *q, const char *key, const char *val)
{
    for (int i = 0; i < q->nf; i++)
        if (strcmp(q->f[i].key, key) == 0) {
            free(q->f[i].val);
            q->f[i].val = xstrdup0(val);
            return;
        }
    if (q->nf < 64) {
        q->f[q->nf].key = xstrdup0(key);
        q->f[q->nf].val = xstrdup0(val);
        q->nf++;
    }
}

static void add_field(struct fzreq *q, const char *key, const char *val)
{
    if (q->nf < 64) {
        q->f[q->nf].key = xstrdup0(key);
        q->f[q->nf].val = xstrdup0(val);
        q->nf++;
    }
}

static void del_field(struct fzreq *q, const char *key)
{
    for (int i = 0; i < q->nf; i++)
        if (strcmp(q->f[i].key, key) == 0) {
            free(q->f[i].key);
            free(q->f[i].val);
            memmove(&q->f[i], &q->f[i + 1], (size_t)(q->nf - i - 1) * sizeof(q->f[0]));
            q->nf--;
            return;
        }
}

/* ---------------------------------------------------------------- valid values */

/* A valid value (raw JSON) for a documented body field of a route. */
static void valid_value(struct sb *out, const struct route_def *rd, const struct prop *pr)
{
    const struct schema *s = &pr->s;
    const char *n = pr->name;
    const char *pat = rd->pattern;
    const int64_t H = 3600;
    char t[32];
    if (strcmp(s->type, "integer") == 0) {
        int64_t v = 10;
        if (strcmp(n, "organization_id") == 0)
            v = W.org_a;
        else if (strcmp(n, "target_project_id") == 0)
            v = W.demand2;
        else if (strcmp(n, "project_id") == 0)
            v = strstr(pat, "/pitches") ? W.supply : W.demand;
        else if (strcmp(n, "presenter_user_id") == 0)
            v = W.uid[P_ENT];
        else if (strcmp(n, "user_id") == 0)
            v = W.dummy;
        else if (strlen(n) > 3 && strcmp(n + strlen(n) - 3, "_id") == 0)
            v = 1;
        else {
            if (s->has_min && v < (int64_t)s->minimum)
                v = (int64_t)s->minimum;
            if (s->has_max && v > (int64_t)s->maximum)
                v = (int64_t)s->maximum;
        }
        sb_printf(out, "%lld", (long long)v);
        return;
    }
    if (strcmp(s->type, "number") == 0) {
        double v = 10;
        if (s->has_max && v > s->maximum)
            v = s->maximum;
        sb_printf(out, "%g", v);
        return;
    }
    if (strcmp(s->type, "boolean") == 0) {
        sb_puts(out, "true");
        return;
    }
    if (strcmp(s->type, "array") == 0) {
        sb_puts(out, "[\"视觉\",\"AI\"]");
        return;
    }
    if (strcmp(s->type, "object") == 0) {
        if (s->addl)
            sb_printf(out, "{\"%lld\":7}", (long long)W.criterion);
        else
            sb_puts(out, "{}");
        return;
    }
    /* strings */
    if (s->nenum) {
        sb_printf(out, "\"%s\"", s->enums[0]);
        return;
    }
    if (strcmp(s->format, "date-time") == 0) {
        int64_t v = W.t0 + 20 * H;
        if (strstr(pat, "/pitches/{id}/slot"))
            v = W.t0 + 2 * H;
        else if (strstr(pat, "/meeting-slots"))
            v = W.t0 + 16 * H + (int64_t)rn(14) * 1800;
        else if (strcmp(n, "available_from") == 0 || strcmp(n, "registration_opens_at") == 0)
            v = W.t0 - 2 * H;
        else if (strcmp(n, "available_until") == 0)
            v = W.t0 + 23 * H;
        else if (strcmp(n, "registration_closes_at") == 0)
            v = W.t0 + 19 * H;
        else if (strcmp(n, "ends_at") == 0)
            v = strstr(pat, "/sessions") ? W.t0 + 21 * H : W.t0 + 30 * H;
        else if (strcmp(n, "starts_at") == 0 && !strstr(pat, "/sessions"))
            v = W.t0 - H;
        rfc(v, t);
        sb_printf(out, "\"%s\"", t);
        return;
    }
    if (strcmp(n, "email") == 0) {
        if (strstr(pat, "/auth/login"))
            sb_printf(out, "\"%s\"", W.dummy_email);
        else
            sb_printf(out, "\"fzv%lld-%d@fuzz.example\"", (long long)++seq, W.gen);
        return;
    }
    if (strcmp(n, "password") == 0) {
        sb_puts(out, "\"" PASSWORD "\"");
        return;
    }
    if (strcmp(n, "code") == 0) {
        sb_printf(out, "\"%s\"", W.code);
        return;
    }
    sb_printf(out, "\"模糊 %s %lld\"", n, (long long)++seq);
}

/* ---------------------------------------------------------------- hostile values */

/* JSON-escape raw bytes as a JSON string (non-ASCII bytes pass through as they are). */
static void json_quote(struct sb *out, const char *s, size_t n)
{
    sb_puts(out, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            sb_printf(out, "\\%c", c);
        else if (c < 0x20)
            sb_printf(out, "\\u%04x", c);
        else
            sb_put(out, &s[i], 1);
    }
    sb_puts(out, "\"");
}

static const char *const units[] = {"a", "é", "汉", "😀"};

/* Characters (code points) in valid UTF-8 text. */
static size_t u8_chars(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xc0) != 0x80;
    return c;
}

/* A value "at the limit" that a byte limit made shorter than minLength is below the minimum, not
 * at the maximum: the server must refuse it, so it is no longer evidence of anything. */
static enum vclass at_limit_or_short(const struct schema *s, const char *v, size_t n)
{
    return s->min_len > 0 && u8_chars(v, n) < (size_t)s->min_len ? V_OTHER : V_AT_LIMIT;
}

/* A hostile string value for a string field with maxLength L (or -1). */
static enum vclass hostile_string(struct sb *out, const struct schema *s, const char *name,
                                  char **expect, char *desc, size_t dn)
{
    /* an e-mail field keeps its shape: local part of the unit, "@fuzz.example" */
    bool email = strcmp(name, "email") == 0;
    const char *dom = "@fuzz.example";
    size_t dl = email ? strlen(dom) : 0;
    long L = s->max_len;
    /* The byte limit, when documented: a value at the limit respects both. */
    size_t B = s->max_bytes > 0 ? (size_t)s->max_bytes : SIZE_MAX;
    struct sb v = {0};
    sb_puts(&v, "");
    enum vclass cls = V_OTHER;
    unsigned pick = (unsigned)rn(L > 0 ? 16 : 11);
    if (L > 0 && pick >= 11) {
        const char *u = PICK(units);
        switch (pick) {
        case 11: { /* at the limit in characters, or in bytes when those come first */
            size_t n = (size_t)L - dl, ul = strlen(u);
            if (n * ul + dl > B)
                n = (B - dl) / ul;
            sb_rep(&v, u, n);
            sb_puts(&v, email ? dom : "");
            cls = at_limit_or_short(s, v.p, v.len);
            snprintf(desc, dn, "%zu x '%s' (at maxLength %ld / x-max-bytes, %zu bytes)", n, u, L,
                     v.len);
            break;
        }
        case 12: /* one over */
            sb_rep(&v, u, (size_t)L + 1 - dl);
            sb_puts(&v, email ? dom : "");
            cls = V_OVER_LIMIT;
            snprintf(desc, dn, "%ld x '%s' (maxLength %ld + 1, %zu bytes)", L + 1, u, L, v.len);
            break;
        case 13: { /* at the limit in bytes, mixed widths (fewer characters) */
            size_t lim = (size_t)L < B ? (size_t)L : B;
            if (B != SIZE_MAX && rn(2)) {
                /* one byte over x-max-bytes in 3-byte characters, still within maxLength */
                size_t n = B / 3 + 1;
                if (n <= (size_t)L && !email) {
                    sb_rep(&v, "汉", n);
                    cls = V_OVER_LIMIT;
                    snprintf(desc, dn, "%zu x '汉' (%zu bytes: over x-max-bytes %zu)", n, v.len, B);
                    break;
                }
            }
            while (v.len + 4 <= lim - dl)
                sb_puts(&v, units[rn(4)]);
            sb_rep(&v, "a", lim - dl - v.len);
            sb_puts(&v, email ? dom : "");
            cls = at_limit_or_short(s, v.p, v.len); /* at most L characters */
            snprintf(desc, dn, "mixed text of exactly %zu bytes (<= maxLength characters)", lim);
            break;
        }
        case 14: { /* at the limit as escaped surrogate pairs (valid, 4 bytes each decoded) */
            size_t n = (size_t)L - dl;
            if (n * 4 + dl > B)
                n = (B - dl) / 4;
            sb_puts(out, "\"");
            for (size_t i = 0; i < n; i++)
                sb_puts(out, "\\ud83d\\ude00");
            sb_puts(out, email ? dom : "");
            sb_puts(out, "\"");
            sb_rep(&v, "😀", n);
            sb_puts(&v, email ? dom : "");
            cls = at_limit_or_short(s, v.p, v.len);
            *expect = sb_take(&v);
            snprintf(desc, dn, "%zu escaped surrogate pairs \\ud83d\\ude00 (at the limit)", n);
            return cls;
        }
        default: /* a long way over */
            sb_rep(&v, u, (size_t)L * 10 + 1);
            cls = V_OVER_LIMIT;
            snprintf(desc, dn, "%ld x '%s' (10 x maxLength)", L * 10 + 1, u);
            break;
        }
        json_quote(out, v.p, v.len);
        *expect = sb_take(&v);
        return cls;
    }
    switch (pick) {
    case 0: { /* long CJK and emoji, no limit known */
        static const size_t lens[] = {64, 250, 255, 256, 1000, 5000};
        size_t n = PICK(lens);
        const char *u = units[2 + rn(2)];
        sb_rep(&v, u, n);
        snprintf(desc, dn, "%zu x '%s' (%zu bytes)", n, u, v.len);
        cls = L >= 0 && (long)n > L ? V_OVER_LIMIT : V_OTHER;
        json_quote(out, v.p, v.len);
        *expect = sb_take(&v);
        return cls;
    }
    case 1: { /* NUL */
        static const char *const nuls[] = {"\"\\u0000\"", "\"a\\u0000b\"", "\"汉字\\u0000后缀\"",
                                           "\"\\u0000attendee\"", "\"x\\u0000\\u0000\""};
        const char *x = PICK(nuls);
        sb_puts(out, x);
        snprintf(desc, dn, "NUL: %s", x);
        free(v.p);
        return V_NUL;
    }
    case 2: { /* lone and broken surrogates */
        static const char *const sur[] = {"\"\\ud800\"",        "\"x\\udc00y\"",
                                          "\"\\ud800\\ud800\"", "\"abc\\udbff\"",
                                          "\"\\udfff\\ud800\"", "\"\\ud83d\""};
        const char *x = PICK(sur);
        sb_puts(out, x);
        snprintf(desc, dn, "surrogate: %s", x);
        free(v.p);
        return V_OTHER;
    }
    case 3: { /* invalid UTF-8 bytes, raw */
        static const char *const bad[] = {
            "\xff",         "a\xc0\x80",        "\xed\xa0\x80",
            "汉\xe6\xb1",   "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
            "\x80\x80\x80", "\xfe\xfe"};
        const char *x = PICK(bad);
        json_quote(out, x, strlen(x));
        snprintf(desc, dn, "invalid UTF-8 (%zu raw bytes)", strlen(x));
        free(v.p);
        return V_BAD_UTF8;
    }
    case 4: { /* control and odd characters */
        static const char *const ctl[] = {"\"\\u0001\"", "\"a\\nb\"",       "\"\\t\"",
                                          "\"\\u001f\"", "\"\\u007f\"",     "\"\\u202e\\u202d\"",
                                          "\"\\u200b\"", "\"\\ufeff标题\"", "\"\\r\\n\""};
        const char *x = PICK(ctl);
        sb_puts(out, x);
        snprintf(desc, dn, "control/odd: %s", x);
        free(v.p);
        return V_OTHER;
    }
    case 5: { /* injection-looking text */
        static const char *const inj[] = {
            "%s%s%s%n%n",       "' OR '1'='1", "\\\";--", "<script>x</script>",
            "../../etc/passwd", "${jndi:x}",   "null",    "0",
            "😀\\u0000"};
        const char *x = PICK(inj);
        json_quote(out, x, strlen(x));
        snprintf(desc, dn, "text: %s", x);
        free(v.p);
        return V_OTHER;
    }
    case 6: { /* empty and blank */
        static const char *const blank[] = {"", " ", "   ", "\xe3\x80\x80" /* ideographic sp */};
        const char *x = PICK(blank);
        json_quote(out, x, strlen(x));
        snprintf(desc, dn, "blank (%zu bytes)", strlen(x));
        free(v.p);
        return V_OTHER;
    }
    case 7: { /* enum look-alikes */
        if (s->nenum) {
            const char *e = s->enums[rn((size_t)s->nenum)];
            char x[96];
            switch (rn(4)) {
            case 0:
                snprintf(x, sizeof(x), "%s ", e);
                break;
            case 1:
                snprintf(x, sizeof(x), "%s", e);
                for (char *c = x; *c; c++)
                    *c = (char)toupper((unsigned char)*c);
                break;
            case 2:
                snprintf(x, sizeof(x), "%s\\u0000x", e);
                sb_printf(out, "\"%s\"", x);
                snprintf(desc, dn, "enum + NUL: %s", x);
                free(v.p);
                return V_NUL;
            default:
                snprintf(x, sizeof(x), "%.*s", (int)strlen(e) / 2, e);
                break;
            }
            json_quote(out, x, strlen(x));
            snprintf(desc, dn, "enum look-alike '%s'", x);
            free(v.p);
            return V_OTHER;
        }
        /* fall through to dates */
    }
    /* fall through */
    case 8: { /* dates */
        static const char *const dates[] = {"2033-02-30T00:00:00Z",
                                            "0000-01-01T00:00:00Z",
                                            "9999-12-31T23:59:59Z",
                                            "2033-06-15T09:00:00+14:00",
                                            "2033-06-15T24:00:00Z",
                                            "2033-06-15T09:00:60Z",
                                            "2033-06-15",
                                            "1970-01-01T00:00:00Z",
                                            "2033-06-15T09:00:00.123456789Z",
                                            "2033-06-15T09:00:00-23:59",
                                            "+12033-06-15T09:00:00Z",
                                            "2033-13-01T00:00:00Z",
                                            "2033-06-15T09:00:00",
                                            "2033-06-15 09:00:00Z",
                                            "1900-01-01T00:00:00Z",
                                            "2033-06-15t09:00:00z",
                                            "2038-01-19T03:14:08Z",
                                            "2106-02-07T06:28:16Z",
                                            "2033-06-15T09:00:00.Z",
                                            "2033-06-15T09:00:00.00000000000000000000001Z"};
        const char *x = PICK(dates);
        json_quote(out, x, strlen(x));
        snprintf(desc, dn, "date '%s'", x);
        free(v.p);
        return V_OTHER;
    }
    case 9: { /* e-mail shaped */
        static const char *const em[] = {"a@b",
                                         "@",
                                         "a@",
                                         "@b",
                                         "a@b@c",
                                         "A@FUZZ.EXAMPLE",
                                         "用户@例子.公司",
                                         "a+b@fuzz.example",
                                         " a@b.c "};
        const char *x = PICK(em);
        json_quote(out, x, strlen(x));
        snprintf(desc, dn, "e-mail-ish '%s'", x);
        free(v.p);
        return V_OTHER;
    }
    default: { /* a very long CJK string regardless of the limit (the login overflow class) */
        size_t n = 250 + rn(4) * 250;
        sb_rep(&v, "汉", n);
        snprintf(desc, dn, "%zu CJK characters (%zu bytes)", n, v.len);
        cls = L >= 0 && (long)n > L ? V_OVER_LIMIT : V_OTHER;
        json_quote(out, v.p, v.len);
        *expect = sb_take(&v);
        return cls;
    }
    }
}

static const char *const int_pool[] = {"0",
                                       "-1",
                                       "1",
                                       "2147483647",
                                       "2147483648",
                                       "-2147483649",
                                       "4294967296",
                                       "9007199254740993",
                                       "9223372036854775807",
                                       "9223372036854775808",
                                       "-9223372036854775809",
                                       "18446744073709551616",
                                       "99999999999999999999999999999",
                                       "1e308",
                                       "1e309",
                                       "-1e309",
                                       "-0",
                                       "0.0",
                                       "1E2",
                                       "1e-400",
                                       "-9223372036854775808"};

static enum vclass hostile_number(struct sb *out, const struct schema *s, bool integer, char *desc,
                                  size_t dn)
{
    unsigned pick = (unsigned)rn(6);
    if (pick == 0 && (s->has_min || s->has_max)) { /* just outside the range */
        double v = s->has_max && (chance(50) || !s->has_min) ? s->maximum + (integer ? 1 : 0.001)
                                                             : s->minimum - (integer ? 1 : 0.001);
        if (s->has_min && s->excl_min && chance(50))
            v = s->minimum; /* exclusive: the minimum itself is out */
        sb_printf(out, integer ? "%.0f" : "%.17g", v);
        snprintf(desc, dn, "out of range %s", out->p);
        return V_OUT_OF_RANGE;
    }
    if (pick == 1 && (s->has_min || s->has_max)) { /* the boundaries themselves */
        double v = s->has_max && (chance(50) || !s->has_min) ? s->maximum : s->minimum;
        if (s->has_min && s->excl_min && v == s->minimum)
            v = s->minimum + (integer ? 1 : 1e-9);
        sb_printf(out, integer ? "%.0f" : "%.17g", v);
        snprintf(desc, dn, "boundary value");
        return V_OTHER;
    }
    if (pick == 2 && integer) {
        static const char *const frac[] = {"1.5", "-0.5", "10.000001", "0.1", "1e-7"};
        const char *x = PICK(frac);
        sb_puts(out, x);
        snprintf(desc, dn, "fraction %s for an integer", x);
        return V_WRONG_TYPE;
    }
    const char *x = PICK(int_pool);
    sb_puts(out, x);
    snprintf(desc, dn, "number %s", x);
    /* Outside a documented range: the pool's extremes are out for every bounded field. */
    double d = strtod(x, NULL);
    if ((s->has_min && (d < s->minimum || (s->excl_min && d == s->minimum))) ||
        (s->has_max && d > s->maximum) || !isfinite(d))
        return isfinite(d) ? V_OUT_OF_RANGE : V_OTHER;
    return V_OTHER;
}

static enum vclass wrong_type(struct sb *out, const struct schema *s, char *desc, size_t dn)
{
    static const char *const any[] = {"true",      "false",         "[]",       "{}",
                                      "[[\"x\"]]", "{\"a\":\"b\"}", "\"1\"",    "0",
                                      "\"\"",      "[1,2,3]",       "\"true\"", "-1.5"};
    for (int tries = 0; tries < 8; tries++) {
        const char *x = PICK(any);
        bool ok = true; /* of the documented type after all? */
        if (strcmp(s->type, "string") == 0)
            ok = x[0] == '"';
        else if (strcmp(s->type, "integer") == 0)
            ok = strcmp(x, "0") == 0;
        else if (strcmp(s->type, "number") == 0)
            ok = strcmp(x, "0") == 0 || strcmp(x, "-1.5") == 0;
        else if (strcmp(s->type, "boolean") == 0)
            ok = x[0] == 't' || x[0] == 'f';
        else if (strcmp(s->type, "array") == 0)
            ok = x[0] == '[';
        else if (strcmp(s->type, "object") == 0)
            ok = x[0] == '{';
        if (ok)
            continue;
        sb_puts(out, x);
        snprintf(desc, dn, "wrong type %s for %s", x, s->type);
        return V_WRONG_TYPE;
    }
    sb_puts(out, "null");
    snprintf(desc, dn, "null");
    return V_OTHER;
}

static void deep(struct sb *out, size_t depth, bool objects)
{
    for (size_t i = 0; i < depth; i++)
        sb_puts(out, objects ? "{\"a\":" : "[");
    sb_puts(out, "1");
    for (size_t i = 0; i < depth; i++)
        sb_puts(out, objects ? "}" : "]");
}

static enum vclass hostile_array(struct sb *out, const struct schema *s, char *desc, size_t dn)
{
    long L = s->items_max_len > 0 ? s->items_max_len : 32;
    long M = s->max_items > 0 ? s->max_items : 20;
    switch (rn(9)) {
    case 0:
        sb_puts(out, "[]");
        snprintf(desc, dn, "empty array");
        return V_OTHER;
    case 1:
        sb_puts(out, "[");
        for (long i = 0; i <= M; i++)
            sb_printf(out, "%s\"标签%ld\"", i ? "," : "", i);
        sb_puts(out, "]");
        snprintf(desc, dn, "%ld items (maxItems %ld + 1)", M + 1, M);
        return V_OVER_LIMIT;
    case 2: {
        size_t n = 1000 + rn(10000);
        sb_puts(out, "[");
        for (size_t i = 0; i < n; i++)
            sb_printf(out, "%s\"t%zu\"", i ? "," : "", i);
        sb_puts(out, "]");
        snprintf(desc, dn, "%zu items", n);
        return V_OVER_LIMIT;
    }
    case 3: {
        const char *u = PICK(units);
        bool over = chance(50);
        struct sb v = {0};
        sb_rep(&v, u, (size_t)L + over);
        sb_puts(out, "[");
        json_quote(out, v.p, v.len);
        sb_puts(out, "]");
        free(v.p);
        snprintf(desc, dn, "one item of %ld x '%s' (items maxLength %ld%s)", L + over, u, L,
                 over ? " + 1" : "");
        return over ? V_OVER_LIMIT : V_AT_LIMIT;
    }
    case 4: {
        static const char *const odd[] = {"[1]",    "[null]",       "[[\"a\"]]",
                                          "[{}]",   "[\"\"]",       "[\"a\",\"A\",\" a \",\"a\"]",
                                          "[true]", "[\"\\ud800\"]"};
        const char *x = PICK(odd);
        sb_puts(out, x);
        snprintf(desc, dn, "array %s", x);
        return V_OTHER;
    }
    case 5:
        sb_puts(out, "[\"a\\u0000b\"]");
        snprintf(desc, dn, "item with NUL");
        return V_NUL;
    case 6:
        sb_puts(out, "[\"\xff\xfe\"]");
        snprintf(desc, dn, "item with invalid UTF-8");
        return V_BAD_UTF8;
    case 7:
        deep(out, 2000, false);
        snprintf(desc, dn, "array nested 2000 deep");
        return V_OTHER;
    default:
        return wrong_type(out, s, desc, dn);
    }
}

static enum vclass hostile_object(struct sb *out, const struct schema *s, char *desc, size_t dn)
{
    long long c = (long long)W.criterion;
    switch (rn(8)) {
    case 0: {
        static const char *const vals[] = {"-1",   "1e309", "11", "1e308", "\"5\"",    "null",
                                           "true", "[7]",   "{}", "-0",    "0.0000001"};
        const char *x = PICK(vals);
        sb_printf(out, "{\"%lld\":%s}", c, x);
        snprintf(desc, dn, "score %s", x);
        return V_OTHER;
    }
    case 1: {
        static const char *const keys[] = {"abc",
                                           "0",
                                           "-1",
                                           "99999999999999999999",
                                           "",
                                           "1.5",
                                           " 1",
                                           "1e3",
                                           "\\u0000",
                                           "汉字",
                                           "01",
                                           "a汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉汉",
                                           "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀"};
        const char *x = PICK(keys);
        sb_printf(out, "{\"%s\":5}", x);
        snprintf(desc, dn, "key '%s'", x);
        return V_OTHER;
    }
    case 2:
        sb_printf(out, "{\"%lld\":5,\"%lld\":6}", c, c);
        snprintf(desc, dn, "duplicate key");
        return V_OTHER;
    case 3: {
        size_t n = 100 + rn(5000);
        sb_puts(out, "{");
        for (size_t i = 0; i < n; i++)
            sb_printf(out, "%s\"%zu\":1", i ? "," : "", i + 1);
        sb_puts(out, "}");
        snprintf(desc, dn, "%zu keys", n);
        return V_OTHER;
    }
    case 4:
        deep(out, 1500, true);
        snprintf(desc, dn, "object nested 1500 deep");
        return V_OTHER;
    case 5:
        sb_puts(out, "{}");
        snprintf(desc, dn, "empty object");
        return V_OTHER;
    default:
        return wrong_type(out, s, desc, dn);
    }
}

/* A hostile value for a documented field (or for an unknown one when pr->s.type is ""). */
static enum vclass hostile_value(struct sb *out, const struct prop *pr, char **expect, char *desc,
                                 size_t dn)
{
    const struct schema *s = &pr->s;
    if (chance(12))
        return wrong_type(out, s, desc, dn);
    if (strcmp(s->type, "integer") == 0 || strcmp(s->type, "number") == 0) {
        if (chance(15)) { /* ids: other kinds' ids, gone ids */
            int64_t ids[] = {W.event,   W.forum,        W.pitch,  W.entry,   W.reg,
                             W.meeting, W.uid[P_ADMIN], W.demand, 999999999, W.org_b};
            int64_t v = PICK(ids);
            sb_printf(out, "%lld", (long long)v);
            snprintf(desc, dn, "another id %lld", (long long)v);
            return V_OTHER;
        }
        return hostile_number(out, s, strcmp(s->type, "integer") == 0, desc, dn);
    }
    if (strcmp(s->type, "boolean") == 0) {
        static const char *const b[] = {"\"true\"", "1", "0", "\"yes\"", "[true]", "\"\""};
        const char *x = PICK(b);
        sb_puts(out, x);
        snprintf(desc, dn, "boolean-ish %s", x);
        return V_WRONG_TYPE;
    }
    if (strcmp(s->type, "array") == 0)
        return hostile_array(out, s, desc, dn);
    if (strcmp(s->type, "object") == 0)
        return hostile_object(out, s, desc, dn);
    return hostile_string(out, s, pr->name, expect, desc, dn);
}

/* ---------------------------------------------------------------- mutations */

static const char *const hostile_ids[] = {"\xff\xfe",
                                          "\xe6\xb1",
                                          "汉字",
                                          "0",
                                          "-1",
                                          "01",
                                          "9999999999999999999",
                                          "18446744073709551616",
                                          "%00",
                                          "1%00",
                                          "abc",
                                          "1.0",
                                          "+1",
                                          "0x10",
                                          "%2F",
                                          "%ff",
                                          "1e3",
                                          " 1",
                                          "%20",
                                          "-0",
                                          "%e6%b1%89",
                                          "..",
                                          "%",
                                          "%25",
                                          "9223372036854775807",
                                          "9223372036854775808",
                                          "２",
                                          "1;2",
                                          "1,2",
                                          "%0d%0a",
                                          "00000000000000000000000000000000000000000000001"};

static void mut_path(struct fzreq *q)
{
    const char *pat = q->rd->pattern;
    const char *idp = strstr(pat, "{id}");
    sb_reset(&q->path);
    if (idp && chance(85)) {
        const char *x;
        char longid[1100];
        if (chance(8)) {
            memset(longid, '9', 1000);
            longid[1000] = '\0';
            x = longid;
        } else if (chance(5)) { /* raw CJK, cut anywhere by whoever quotes it */
            size_t k = 1 + rn(3);
            memset(longid, 'a', k);
            longid[k] = '\0';
            for (int i = 0; i < 330; i++)
                strcat(longid, "汉");
            x = longid;
        } else {
            x = PICK(hostile_ids);
        }
        sb_put(&q->path, pat, (size_t)(idp - pat));
        sb_puts(&q->path, x);
        sb_puts(&q->path, idp + 4);
        what(q, "path id '%.40s%s'", x, strlen(x) > 40 ? "…" : "");
        return;
    }
    /* odd shapes of the path itself: expect 404/405 with the envelope */
    static const char *const tails[] = {"/", "//", "/..", "/%00", "/x", "%20", ";x", "/./"};
    const char *t = PICK(tails);
    char *copy = xstrdup0(pat);
    char *id = strstr(copy, "{id}");
    if (id) {
        char rest[200];
        snprintf(rest, sizeof(rest), "%s", id + 4);
        snprintf(id, strlen(id) + 1, "1%s", rest);
    }
    if (chance(30)) {
        for (char *c = copy; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        sb_puts(&q->path, copy);
        what(q, "path upper-cased");
    } else {
        sb_puts(&q->path, copy);
        sb_puts(&q->path, t);
        what(q, "path + '%s'", t);
    }
    free(copy);
}

static void pct(struct sb *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.')
            sb_put(out, &s[i], 1);
        else
            sb_printf(out, "%%%02X", c);
    }
}

static void mut_query(struct fzreq *q, const struct op *op)
{
    static const char *const generic[] = {"limit", "cursor", "lang",   "format",
                                          "reset", "q",      "status", "side"};
    static const char *const vals[] = {"",
                                       "0",
                                       "-1",
                                       "1e3",
                                       "101",
                                       "99999999999999999999",
                                       "abc",
                                       "%00",
                                       "%ff",
                                       "%",
                                       "%zz",
                                       "+",
                                       "1%20",
                                       "null",
                                       "true",
                                       "csv",
                                       "xml",
                                       "%E2%80%AE",
                                       "1.5",
                                       "-9223372036854775808",
                                       "%0d%0aX:%20y"};
    sb_reset(&q->query);
    int n = 1 + (int)rn(3);
    for (int i = 0; i < n; i++) {
        const struct prop *qp =
            op && op->nquery && chance(70) ? &op->query[rn((size_t)op->nquery)] : NULL;
        const char *name = qp ? qp->name : PICK(generic);
        sb_puts(&q->query, i ? "&" : "?");
        sb_puts(&q->query, name);
        sb_puts(&q->query, "=");
        if (qp && qp->s.max_len > 0 && chance(30)) { /* at and over the documented limit */
            struct sb v = {0};
            size_t k = (size_t)qp->s.max_len + rn(2);
            sb_rep(&v, PICK(units), k);
            pct(&q->query, v.p, v.len);
            free(v.p);
            what(q, "query %s = %zu characters (maxLength %ld)", name, k, qp->s.max_len);
            continue;
        }
        switch (rn(5)) {
        case 0: { /* long CJK, percent-encoded */
            struct sb v = {0};
            size_t k = 50 + rn(3000);
            sb_rep(&v, "汉", k);
            pct(&q->query, v.p, v.len);
            free(v.p);
            what(q, "query %s = %zu CJK", name, k);
            break;
        }
        case 1: { /* raw, un-encoded UTF-8 and spaces in the request line */
            static const char *const raw[] = {"汉字", "a b", "\xff", "😀", "<>", "\"", "#frag"};
            const char *x = PICK(raw);
            sb_puts(&q->query, x);
            what(q, "query %s raw '%s'", name, x);
            break;
        }
        default: {
            const char *x = PICK(vals);
            sb_puts(&q->query, x);
            what(q, "query %s='%s'", name, x);
            break;
        }
        }
    }
    if (chance(15)) {
        static const char *const shapes[] = {
            "?", "?&&&", "?=x", "?limit", "?limit=1&limit=2", "?a[]=1&a[]=2", "?%", "?;"};
        sb_reset(&q->query);
        const char *x = PICK(shapes);
        sb_puts(&q->query, x);
        what(q, "query shape '%s'", x);
    }
    if (chance(3)) {
        sb_reset(&q->query);
        sb_puts(&q->query, "?");
        for (int i = 0; i < 2000; i++)
            sb_printf(&q->query, "%sp%d=%d", i ? "&" : "", i, i);
        what(q, "2000 query parameters");
    }
}

static void mut_headers(struct fzreq *q)
{
    switch (rn(7)) {
    case 0:
    case 1: { /* Idempotency-Key */
        struct sb v = {0};
        switch (rn(7)) {
        case 0:
            sb_rep(&v, "k", 10240);
            break;
        case 1:
            sb_rep(&v, "k", 256);
            break;
        case 2:
            sb_rep(&v, "k", 255);
            break;
        case 3:
            sb_puts(&v, "幂等键-😀");
            break;
        case 4:
            sb_puts(&v, "\xff\xfe\x01");
            break;
        case 5:
            sb_puts(&v, "fz-fixed-key"); /* reused across bodies: replay or 422 */
            break;
        default:
            sb_puts(&v, " ");
            break;
        }
        sb_printf(&q->hdrs, "Idempotency-Key: %s\r\n", v.p);
        what(q, "Idempotency-Key of %zu bytes '%.16s%s'", v.len, v.p, v.len > 16 ? "…" : "");
        q->idem = true;
        free(v.p);
        break;
    }
    case 2: { /* Authorization */
        /* '@' stands for the principal's token */
        static const char *const au[] = {
            "Bearer",          "Bearer ",   "Bearer x",   "Basic Zm9vOmJhcg==",
            "bearer @",        "Bearer @x", "Bearer @ @", "Bearer 汉字令牌",
            "Bearer \xff\xfe", "Bearer  @", "Token @",    "Bearer @@"};
        const char *fmt = PICK(au);
        const char *t = q->token ? q->token : "AAAA";
        struct sb buf = {0};
        sb_puts(&buf, "");
        for (const char *c = fmt; *c; c++) {
            if (*c == '@')
                sb_puts(&buf, t);
            else
                sb_put(&buf, c, 1);
        }
        if (chance(10)) {
            struct sb v = {0};
            sb_puts(&v, "Bearer ");
            sb_rep(&v, "A", 12000);
            sb_printf(&q->hdrs, "Authorization: %s\r\n", v.p);
            free(v.p);
            what(q, "Authorization: Bearer + 12000 bytes");
        } else {
            sb_printf(&q->hdrs, "Authorization: %s\r\n", buf.p);
            what(q, "Authorization: '%.30s'", fmt);
        }
        free(buf.p);
        q->auth_override = true;
        break;
    }
    case 3: { /* Accept-Language (reasons) */
        static const char *const al[] = {
            "en", "zh-CN,zh;q=0.9,en;q=0.8", "en;q=abc", "\xff", "*", "xx-YY", ",,,;;;", "en-US"};
        if (chance(15)) {
            struct sb v = {0};
            sb_rep(&v, "en,", 4000);
            sb_printf(&q->hdrs, "Accept-Language: %s\r\n", v.p);
            free(v.p);
            what(q, "Accept-Language of 12000 bytes");
        } else {
            const char *x = PICK(al);
            sb_printf(&q->hdrs, "Accept-Language: %s\r\n", x);
            what(q, "Accept-Language '%s'", x);
        }
        break;
    }
    case 4: { /* Content-Type */
        static const char *const ct[] = {"text/plain", "application/json; charset=latin1",
                                         "multipart/form-data; boundary=x",
                                         "application/x-www-form-urlencoded"};
        const char *x = PICK(ct);
        sb_printf(&q->hdrs, "Content-Type: %s\r\n", x);
        q->no_ctype = true;
        what(q, "Content-Type '%s'", x);
        break;
    }
    case 5: { /* many or big headers */
        if (chance(50)) {
            for (int i = 0; i < 300; i++)
                sb_printf(&q->hdrs, "X-Fuzz-%d: %d\r\n", i, i);
            what(q, "300 extra headers");
        } else {
            struct sb v = {0};
            size_t n = chance(50) ? 15000 : 17000;
            sb_rep(&v, "h", n);
            sb_printf(&q->hdrs, "X-Big: %s\r\n", v.p);
            free(v.p);
            what(q, "one header of %zu bytes", n);
        }
        break;
    }
    default: { /* odd header shapes */
        static const char *const odd[] = {"X-Odd: \xe6\xb1\x89\xe5\xad\x97\r\n",
                                          "X-Empty:\r\n",
                                          "Expect: 100-continue\r\n",
                                          "X-Request-Id: injected\r\n",
                                          "Accept: text/csv\r\n",
                                          "X-Forwarded-For: 1.2.3.4, \xff\r\n"};
        const char *x = PICK(odd);
        sb_puts(&q->hdrs, x);
        what(q, "header '%.*s'", (int)strcspn(x, "\r"), x);
        break;
    }
    }
}

static const struct op *body_op(const struct route_def *rd);

/* Whether key is a documented body field of the request's route. */
static bool documented(const struct fzreq *q, const char *key)
{
    const struct op *op = body_op(q->rd);
    for (int i = 0; op && i < op->nbody; i++)
        if (strcmp(op->body[i].name, key) == 0)
            return true;
    return false;
}

/* The body as a whole. */
static void mut_body_whole(struct fzreq *q)
{
    /* A new whole body replaces the one an earlier mutation judged (its raw NUL, say): that
     * judgement no longer describes what is sent. */
    if (q->raw && q->ofield[0]) {
        q->ofield[0] = '\0';
        q->ocls = V_OTHER;
        free(q->oexpect);
        q->oexpect = NULL;
    }
    q->raw = true;
    sb_reset(&q->raw_body);
    struct sb *b = &q->raw_body;
    switch (rn(12)) {
    case 0: {
        static const char *const nonobj[] = {"null", "[]",   "\"str\"", "0",
                                             "true", "[{}]", "1e309",   "\"\\u0000\""};
        const char *x = PICK(nonobj);
        sb_puts(b, x);
        what(q, "body %s", x);
        break;
    }
    case 1: {
        static const char *const broken[] = {"{",
                                             "{\"a\":}",
                                             "{'a':1}",
                                             "{\"a\":1,}",
                                             "{} x",
                                             "{}{}",
                                             "{\"a\"",
                                             "{\"a\":\"b",
                                             "{\"a\":NaN}",
                                             "{\"a\":Infinity}",
                                             "{\"a\":01}",
                                             "{\"a\":.5}",
                                             "{\"a\":\"\\x41\"}",
                                             "{\"a\":\"\\u12\"}",
                                             "\xef\xbb\xbf{}"};
        const char *x = PICK(broken);
        sb_puts(b, x);
        what(q, "broken JSON '%s'", x);
        break;
    }
    case 2: {
        size_t d = chance(50) ? 100000 : 1200;
        bool obj = chance(50);
        if (obj) {
            deep(b, d, true);
        } else {
            sb_puts(b, "{\"a\":");
            deep(b, d, false);
            sb_puts(b, "}");
        }
        what(q, "%s nested %zu deep", obj ? "objects" : "arrays", d);
        break;
    }
    case 3: { /* too large: at, just over, far over the limit */
        static const size_t sizes[] = {MAX_BODY, MAX_BODY + 1, 4 * MAX_BODY + 1, 1048577, 3000000};
        size_t n = PICK(sizes);
        sb_puts(b, "{\"title\":\"");
        while (b->len + 2 < n)
            sb_puts(b, "a");
        sb_puts(b, "\"}");
        what(q, "body of %zu bytes (limit %d)", b->len, MAX_BODY);
        break;
    }
    case 4: { /* a raw NUL byte inside a string of a valid body */
        sb_puts(b, "{");
        for (int i = 0; i < q->nf; i++) {
            sb_printf(b, "%s\"%s\":", i ? "," : "", q->f[i].key);
            if (i == 0 && q->f[i].val[0] == '"') {
                sb_put(b, "\"x\0y\"", 5);
                if (!q->ofield[0] && documented(q, q->f[i].key)) {
                    snprintf(q->ofield, sizeof(q->ofield), "%s", q->f[i].key);
                    q->ocls = V_NUL;
                }
            } else {
                sb_puts(b, q->f[i].val);
            }
        }
        sb_puts(b, "}");
        what(q, "raw NUL byte in the first field");
        break;
    }
    case 5: { /* many unknown fields */
        size_t n = 100 + rn(8000);
        sb_puts(b, "{");
        for (size_t i = 0; i < n; i++)
            sb_printf(b, "%s\"f%zu\":%zu", i ? "," : "", i, i);
        sb_puts(b, "}");
        what(q, "%zu unknown fields", n);
        break;
    }
    case 6:
        sb_puts(b, "");
        what(q, "empty body");
        break;
    case 7: { /* whitespace around a valid object */
        sb_puts(b, " \n\t\r ");
        sb_puts(b, "{");
        for (int i = 0; i < q->nf; i++)
            sb_printf(b, "%s\n\"%s\" : %s", i ? "," : "", q->f[i].key, q->f[i].val);
        sb_puts(b, "}\n\n  ");
        what(q, "valid body in white space");
        break;
    }
    case 8: { /* a huge number or string value */
        sb_puts(b, "{\"x\":");
        sb_rep(b, "9", 5000);
        sb_puts(b, "}");
        what(q, "5000-digit number");
        break;
    }
    case 9: { /* control bytes outside strings, form-encoded, binary */
        static const char *const junk[] = {"a=1&b=2", "\x00\x01\x02", "\r\n\r\n", "<xml/>"};
        size_t k = rn(4);
        sb_put(b, junk[k], k == 1 ? 3 : strlen(junk[k]));
        what(q, "non-JSON body #%zu", k);
        break;
    }
    case 10: { /* the valid body with each string as escapes */
        sb_puts(b, "{");
        for (int i = 0; i < q->nf; i++) {
            sb_printf(b, "%s\"", i ? "," : "");
            for (const char *c = q->f[i].key; *c; c++)
                sb_printf(b, "\\u%04x", (unsigned char)*c);
            sb_printf(b, "\":%s", q->f[i].val);
        }
        sb_puts(b, "}");
        what(q, "keys as \\u escapes");
        break;
    }
    default: /* chunked transfer of the valid body */
        q->raw = false;
        q->chunked = true;
        what(q, "chunked body");
        break;
    }
}

static void mut_field(struct fzreq *q, const struct op *op)
{
    /* pick a documented field (or an unknown one) */
    struct prop unknown;
    const struct prop *pr;
    if (op && op->nbody && chance(88)) {
        pr = &op->body[rn((size_t)op->nbody)];
    } else {
        static const char *const names[] = {"zzz",  "__proto__",    "",       "id",     "user",
                                            "role", "organizer_id", "status", "汉字键", "\\u0000"};
        memset(&unknown, 0, sizeof(unknown));
        snprintf(unknown.name, sizeof(unknown.name), "%s", PICK(names));
        schema_init(&unknown.s);
        pr = &unknown;
    }
    struct sb v = {0};
    char desc[200] = "";
    char *expect = NULL;
    enum vclass cls = hostile_value(&v, pr, &expect, desc, sizeof(desc));
    switch (rn(10)) {
    case 0: /* as a duplicate key after a valid one */
        add_field(q, pr->name, v.p);
        what(q, "duplicate %s: %s", pr->name, desc);
        cls = V_OTHER;
        break;
    case 1: /* absent */
        del_field(q, pr->name);
        what(q, "%s removed", pr->name);
        cls = V_OTHER;
        free(expect);
        expect = NULL;
        break;
    default:
        set_field(q, pr->name, v.p);
        what(q, "%s = %s", pr->name[0] ? pr->name : "\"\"", desc);
        break;
    }
    if (pr != &unknown && !q->ofield[0]) {
        snprintf(q->ofield, sizeof(q->ofield), "%s", pr->name);
        q->ocls = cls;
        q->oexpect = expect;
        q->oval = xstrdup0(v.p);
        expect = NULL;
    }
    free(expect);
    free(v.p);
}

/* ---------------------------------------------------------------- documented-limit skips */

/* Response classes that are documented limits rather than defects (README, "Known limits"):
 * tolerated only when named with --skip (printed at start and in the summary). A defect being
 * fixed elsewhere may be added here for the time of its fix, never longer. */
struct skip_class {
    const char *name;
    const char *why;
    bool (*match)(const struct fzreq *q);
    bool on;
    long skipped;
};

static struct skip_class skips[] = {
    {"evhttp-error-page",
     "do not fail on libevent's own HTML error pages (oversized or malformed HTTP; README, Known"
     " limits)",
     NULL, false, 0},
};
#define NSKIPS (sizeof(skips) / sizeof(skips[0]))

static long skipped_pages; /* responses an oracle let pass under --skip */

static bool skip_on(const char *name)
{
    for (size_t k = 0; k < NSKIPS; k++)
        if (skips[k].on && strcmp(skips[k].name, name) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------------- one request */

static void build(struct fzreq *q, size_t route, int p)
{
    memset(q, 0, sizeof(*q));
    q->rd = &routes[route];
    q->route = route;
    q->p = p;
    q->token = W.tok[p];
    sb_puts(&q->query, "");
    sb_puts(&q->hdrs, "");
    const struct route_def *rd = q->rd;
    bool fresh = destructive(rd);
    if (fresh && strstr(rd->pattern, "/logout") && p != P_ANON) {
        /* logging out ends the token: a token of its own */
        q->owned_token = login(W.email[p], p == P_ADMIN ? ADMIN_PASSWORD : PASSWORD);
        q->token = q->owned_token;
    }
    const char *idp = strstr(rd->pattern, "{id}");
    if (idp) {
        int64_t id = path_id(rd, fresh);
        sb_put(&q->path, rd->pattern, (size_t)(idp - rd->pattern));
        sb_printf(&q->path, "%lld", (long long)id);
        sb_puts(&q->path, idp + 4);
    } else {
        sb_puts(&q->path, rd->pattern);
    }
    const struct op *bop = body_op(rd);
    if (bop && bop->nbody &&
        (rd->method == HTTP_M_POST || rd->method == HTTP_M_PUT || rd->method == HTTP_M_PATCH)) {
        q->body = true;
        for (int i = 0; i < bop->nbody; i++) {
            const struct prop *pr = &bop->body[i];
            /* a PATCH changes one plain text field; creates send every field */
            if (rd->method == HTTP_M_PATCH &&
                (strcmp(pr->s.type, "string") || pr->s.nenum || pr->s.format[0] || q->nf))
                continue;
            struct sb v = {0};
            valid_value(&v, rd, pr);
            add_field(q, pr->name, v.p);
            free(v.p);
        }
    } else if (rd->method == HTTP_M_POST && chance(30)) {
        q->body = true; /* a bodiless POST with an object anyway */
    }
}

static void mutate(struct fzreq *q)
{
    const struct op *bop = body_op(q->rd);
    const struct op *qop = op_for(q->rd->method, q->rd->pattern);
    int n = chance(25) ? 2 + (int)rn(2) : 1;
    if (chance(6)) {
        what(q, "unmutated");
        return;
    }
    bool has_body = q->body || (bop && bop->body_doc);
    for (int i = 0; i < n; i++) {
        unsigned k = (unsigned)rn(100);
        if (has_body) {
            if (k < 55)
                mut_field(q, bop);
            else if (k < 67)
                mut_body_whole(q);
            else if (k < 78)
                mut_path(q);
            else if (k < 89)
                mut_query(q, qop);
            else
                mut_headers(q);
        } else {
            if (k < 40)
                mut_path(q);
            else if (k < 80)
                mut_query(q, qop);
            else
                mut_headers(q);
        }
    }
    /* The field oracle holds only if the request still carries that one value as mutated. */
    if (q->ofield[0]) {
        int seen = 0;
        bool same = false;
        for (int i = 0; i < q->nf; i++)
            if (strcmp(q->f[i].key, q->ofield) == 0) {
                seen++;
                same = q->oval && strcmp(q->f[i].val, q->oval) == 0;
            }
        bool keep = q->raw ? q->oval == NULL : (seen == 1 && same && q->body);
        if (!keep) {
            q->ofield[0] = '\0';
            q->ocls = V_OTHER;
            free(q->oexpect);
            q->oexpect = NULL;
        }
    }
}

static char *serialize(const struct fzreq *q, size_t *len)
{
    struct sb body = {0};
    sb_puts(&body, "");
    if (q->raw) {
        sb_put(&body, q->raw_body.p ? q->raw_body.p : "", q->raw_body.len);
    } else if (q->body) {
        sb_puts(&body, "{");
        for (int i = 0; i < q->nf; i++)
            sb_printf(&body, "%s\"%s\":%s", i ? "," : "", q->f[i].key, q->f[i].val);
        sb_puts(&body, "}");
    }
    bool send = q->raw || q->body;
    struct sb r = {0};
    sb_printf(&r, "%s %s%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Fuzz-As: %s\r\n",
              router_method_name(q->rd->method), q->path.p, q->query.p, pname[q->p]);
    if (q->token && !q->auth_override)
        sb_printf(&r, "Authorization: Bearer %s\r\n", q->token);
    if (send && !q->no_ctype)
        sb_puts(&r, "Content-Type: application/json\r\n");
    sb_put(&r, q->hdrs.p, q->hdrs.len);
    if (q->chunked && send) {
        sb_puts(&r, "Transfer-Encoding: chunked\r\n\r\n");
        size_t off = 0;
        while (off < body.len) {
            size_t k = body.len - off < 7 ? body.len - off : 7;
            sb_printf(&r, "%zx\r\n", k);
            sb_put(&r, body.p + off, k);
            sb_puts(&r, "\r\n");
            off += k;
        }
        sb_puts(&r, "0\r\n\r\n");
    } else {
        sb_printf(&r, "Content-Length: %zu\r\n\r\n", send ? body.len : 0);
        if (send)
            sb_put(&r, body.p, body.len);
    }
    free(body.p);
    *len = r.len;
    return r.p;
}

/* ---------------------------------------------------------------- oracles and the report */

static bool valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + k >= n)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static bool snake_case(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* Why the response breaks the contract, or NULL. */
static const char *envelope_problem(const struct resp *r)
{
    if (r->status < 400)
        return NULL;
    if (strncasecmp(r->ctype, "application/json", 16) != 0)
        return "error response without a JSON content type";
    cJSON *o = cJSON_ParseWithLength(r->body, r->body_len);
    const char *why = NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(e, "field");
    if (!o)
        why = "error body is not JSON";
    else if (!cJSON_IsObject(e))
        why = "no \"error\" object";
    else if (!cJSON_IsString(code) || !snake_case(code->valuestring))
        why = "error.code missing or not snake_case";
    else if (!cJSON_IsString(msg) || !msg->valuestring[0])
        why = "error.message missing";
    else if (field && !cJSON_IsString(field))
        why = "error.field not a string";
    cJSON_Delete(o);
    return why;
}

struct failure {
    char kind[32];
    size_t route;
    char key[96]; /* the field, for field oracles */
    long count;
    int id;
};

static struct failure fails[512];
static int nfails;
static long total_failures;
static long counts[160][600];
static _Atomic long sent;
static long skipped_total;
/* Clients run in parallel (--clients): `mu` guards the counters, the failure list, the log
 * offset and the output; the world is read under world_lock and rebuilt (or the server
 * restarted) under its write side. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t world_lock = PTHREAD_RWLOCK_INITIALIZER;
static int nclients = 1;
static bool sanitizer_only; /* --sanitizer-only: crashes, hangs and sanitizer reports only */
static long per_class[8];

static bool record_failure(const char *kind, const struct fzreq *q, const char *key,
                           const struct resp *r, const char *detail, const char *raw,
                           size_t raw_len)
{
    total_failures++;
    bool any = strcmp(kind, "protocol-error-page") == 0; /* one class whatever the route */
    for (int i = 0; i < nfails; i++)
        if (strcmp(fails[i].kind, kind) == 0 && (any || fails[i].route == q->route) &&
            strcmp(fails[i].key, key ? key : "") == 0) {
            fails[i].count++;
            return false;
        }
    if (nfails >= (int)(sizeof(fails) / sizeof(fails[0])))
        return false;
    struct failure *f = &fails[nfails++];
    snprintf(f->kind, sizeof(f->kind), "%s", kind);
    f->route = q->route;
    snprintf(f->key, sizeof(f->key), "%s", key ? key : "");
    f->count = 1;
    f->id = nfails;
    char file[128];
    snprintf(file, sizeof(file), VAR "/fail-%d.http", f->id);
    FILE *out = fopen(file, "wb");
    if (out) {
        fwrite(raw, 1, raw_len, out);
        fclose(out);
    }
    printf("\nFAIL #%d [%s] %s %s as %s (request %ld): %s\n", f->id, kind,
           router_method_name(q->rd->method), q->rd->pattern, pname[q->p], q->num,
           detail ? detail : "");
    printf("  mutation: %s\n", q->what[0] ? q->what : "(none)");
    if (r && r->status)
        printf("  response: %d %.300s%s\n", r->status, r->body ? r->body : "",
               r->body && r->body_len > 300 ? "…" : "");
    printf("  request (%zu bytes, saved to %s): ", raw_len, file);
    size_t show = raw_len < 600 ? raw_len : 600;
    for (size_t i = 0; i < show; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\r')
            printf("\\r");
        else if (c == '\n')
            printf("\\n");
        else if (c < 0x20 || c == 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("%s\n", raw_len > show ? "…" : "");
    printf("  reproduce: build/tests/fuzz/api_fuzz --replay %s   (the whole run: SEED=%llu "
           "build/tests/fuzz/api_fuzz --until %ld)\n",
           file, (unsigned long long)seed, q->num);
    printf("  (ids are those of fixture world #%d of this run; --replay builds a fresh world, "
           "so an id may need re-pointing)\n",
           W.gen);
    if (nclients > 1)
        printf("  (%d clients in parallel: a crash or log report may come from another request "
               "in flight; the run is not reproducible by seed)\n",
               nclients);
    fflush(stdout);
    return true;
}

/* Checks one response; returns true when the server died (the caller restarts it). */
/* No response: the server died (record the crash and say so) or hung. Called with mu held. */
static bool check_dead(const struct fzreq *q, const struct resp *r, const char *raw, size_t raw_len)
{
    char detail[1200];
    bool died = false;
    int code = srv_exited();
    if (code < 0 && !r->timed_out) {
        sleep_ms(200); /* a crash closes the socket just before the process is gone */
        code = srv_exited();
    }
    char *rep = log_scan();
    if (code >= 0) {
        snprintf(detail, sizeof(detail), "summitd died (exit %d)%s%.900s", code,
                 rep ? ":\n" : "; no sanitizer report in its log", rep ? rep : "");
        record_failure("crash", q, NULL, r, detail, raw, raw_len);
        died = true;
    } else {
        snprintf(detail, sizeof(detail), "%s",
                 r->timed_out ? "no response within the timeout (hang?)"
                              : "connection closed without a response");
        record_failure(r->timed_out ? "hang" : "no-response", q, NULL, r, detail, raw, raw_len);
    }
    free(rep);
    return died;
}

/* Checks one response (status != 0). Called with mu held. */
static void check(const struct fzreq *q, const struct resp *r, const char *raw, size_t raw_len)
{
    char detail[1200];
    counts[q->route][r->status < 600 ? r->status : 599]++;
    char *rep = log_scan();
    if (rep) {
        snprintf(detail, sizeof(detail), "sanitizer/assertion report in the server log:\n%.900s",
                 rep);
        record_failure("sanitizer", q, NULL, r, detail, raw, raw_len);
        free(rep);
    }
    if (sanitizer_only)
        return;
    if (r->status >= 500 && r->status != 503) {
        snprintf(detail, sizeof(detail), "%d", r->status);
        record_failure("5xx", q, NULL, r, detail, raw, raw_len);
    }
    const char *env = envelope_problem(r);
    if (env && r->body && strncmp(r->body, "<HTML>", 6) == 0) {
        /* libevent's own error page for a request it would not parse (request line or
         * headers over the limit, a malformed request line, a body over its cap): no hook
         * to answer these in the envelope until libevent 2.2 (evhttp_set_errorcb). */
        char st[16];
        snprintf(st, sizeof(st), "%d", r->status);
        if (!skip_on("evhttp-error-page"))
            record_failure("protocol-error-page", q, st, r,
                           "libevent's HTML error page instead of the envelope", raw, raw_len);
        else
            skipped_pages++;
    } else if (env) {
        record_failure("envelope", q, NULL, r, env, raw, raw_len);
    }
    if (r->status >= 200 && r->status < 300 && strncasecmp(r->ctype, "application/json", 16) == 0) {
        cJSON *o = r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
        if (!o && r->status != 204)
            record_failure("bad-json", q, NULL, r, "JSON content type, body is not JSON", raw,
                           raw_len);
        cJSON_Delete(o);
    }
    if (r->status == 204 && r->body_len)
        record_failure("bad-json", q, NULL, r, "204 with a body", raw, raw_len);
    if (r->body_len && !valid_utf8((const unsigned char *)r->body, r->body_len))
        record_failure("bad-utf8-out", q, NULL, r, "response body is not valid UTF-8", raw,
                       raw_len);

    /* Field oracles: the mutated documented field decided the outcome. */
    if (!q->ofield[0] || q->idem)
        return;
    bool ok2xx = r->status >= 200 && r->status < 300;
    cJSON *o = r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    const cJSON *ef = cJSON_GetObjectItemCaseSensitive(e, "field");
    bool refused_field = r->status == 400 && cJSON_IsString(ef) &&
                         strncmp(ef->valuestring, q->ofield, strlen(q->ofield)) == 0;
    static const char *const accepted_kind[] = {[V_OVER_LIMIT] = "over-limit-accepted",
                                                [V_NUL] = "nul-accepted",
                                                [V_BAD_UTF8] = "bad-utf8-accepted",
                                                [V_OUT_OF_RANGE] = "out-of-range-accepted",
                                                [V_WRONG_TYPE] = "wrong-type-accepted"};
    if (ok2xx && q->ocls >= V_OVER_LIMIT && q->ocls <= V_WRONG_TYPE) {
        snprintf(detail, sizeof(detail), "%d for %s value in field %s", r->status,
                 vclass_name[q->ocls], q->ofield);
        record_failure(accepted_kind[q->ocls], q, q->ofield, r, detail, raw, raw_len);
    }
    const cJSON *em = cJSON_GetObjectItemCaseSensitive(e, "message");
    bool about_length = cJSON_IsString(em) &&
                        (strstr(em->valuestring, "character") || strstr(em->valuestring, "byte") ||
                         strstr(em->valuestring, "long") || strstr(em->valuestring, "length"));
    if (q->ocls == V_AT_LIMIT && refused_field && about_length) {
        snprintf(detail, sizeof(detail), "a value at the documented limit of %s was refused",
                 q->ofield);
        record_failure("at-limit-refused", q, q->ofield, r, detail, raw, raw_len);
    }
    if (ok2xx && q->oexpect && cJSON_IsObject(o)) {
        const cJSON *echo = cJSON_GetObjectItemCaseSensitive(o, q->ofield);
        if (cJSON_IsString(echo)) {
            size_t el = strlen(echo->valuestring), xl = strlen(q->oexpect);
            if (el < xl && strncmp(echo->valuestring, q->oexpect, el) == 0) {
                snprintf(detail, sizeof(detail), "field %s stored/echoed as %zu of %zu bytes",
                         q->ofield, el, xl);
                record_failure("truncated-echo", q, q->ofield, r, detail, raw, raw_len);
            }
        }
    }
    cJSON_Delete(o);
}

/* ---------------------------------------------------------------- the clients */

static size_t order0[160], nr_fz;
static int64_t deadline;
static long until;
static _Atomic long world_gen, since_world;

struct client {
    int idx;
    pthread_t th;
};

/* Rebuilds the world, or restarts a dead server, unless another client did since `gen`. */
static void maintain(long gen, const struct fzreq *dead_q, const struct resp *dead_r,
                     const char *raw, size_t raw_len)
{
    pthread_rwlock_wrlock(&world_lock);
    if (atomic_load(&world_gen) == gen) {
        bool died = false;
        if (dead_q) {
            pthread_mutex_lock(&mu);
            died = check_dead(dead_q, dead_r, raw, raw_len);
            pthread_mutex_unlock(&mu);
        }
        if (died) {
            restarts++;
            printf("api_fuzz: restarting summitd (restart %d) and rebuilding the world\n",
                   restarts);
            srv_start();
        }
        if (!dead_q || died) {
            world();
            atomic_store(&since_world, 0);
            atomic_fetch_add(&world_gen, 1);
        }
    }
    pthread_rwlock_unlock(&world_lock);
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    rng = seed + (uint64_t)c->idx * 0x5851f42d4c957f2dULL;
    size_t order[160], pos = nr_fz;
    memcpy(order, order0, sizeof(order));
    while (now_ms() < deadline && (!until || atomic_load(&sent) < until)) {
        if (pos == nr_fz) {
            for (size_t i = nr_fz - 1; i > 0; i--) {
                size_t j = rn(i + 1);
                size_t t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            pos = 0;
        }
        size_t route = order[pos++];
        int p = (int)rn(NP);
        pthread_rwlock_rdlock(&world_lock);
        long gen = atomic_load(&world_gen);
        struct fzreq q;
        soft = true;
        world_broken = false;
        build(&q, route, p);
        soft = false;
        if (world_broken) {
            pthread_rwlock_unlock(&world_lock);
            fz_free(&q);
            maintain(gen, NULL, NULL, NULL, 0);
            continue;
        }
        mutate(&q);
        bool skip = false;
        pthread_mutex_lock(&mu);
        for (size_t k = 0; k < NSKIPS; k++)
            if (skips[k].on && skips[k].match && skips[k].match(&q)) {
                skips[k].skipped++;
                skip = true;
            }
        if (skip)
            skipped_total++;
        else
            per_class[q.ocls]++;
        pthread_mutex_unlock(&mu);
        if (skip) {
            pthread_rwlock_unlock(&world_lock);
            fz_free(&q);
            continue;
        }
        size_t raw_len;
        char *raw = serialize(&q, &raw_len);
        q.num = atomic_fetch_add(&sent, 1) + 1;
        struct resp r = http_raw(raw, raw_len, REQ_TIMEOUT_MS);
        if (r.status) {
            pthread_mutex_lock(&mu);
            check(&q, &r, raw, raw_len);
            pthread_mutex_unlock(&mu);
        }
        pthread_rwlock_unlock(&world_lock);
        if (!r.status)
            maintain(gen, &q, &r, raw, raw_len);
        else if (atomic_fetch_add(&since_world, 1) + 1 >= WORLD_EVERY)
            maintain(gen, NULL, NULL, NULL, 0);
        resp_free(&r);
        free(raw);
        fz_free(&q);
    }
    return NULL;
}

/* ---------------------------------------------------------------- main */

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--seconds N] [--seed S] [--until N] [--clients N] [--skip CLASS]... "
            "[--keep] [--sanitizer-only]\n"
            "       %s --schema     (what it read from docs/openapi.yaml)\n"
            "       %s --replay FILE...\nknown-bug classes for --skip:\n",
            argv0, argv0, argv0);
    for (size_t i = 0; i < NSKIPS; i++)
        fprintf(stderr, "  %-24s %s\n", skips[i].name, skips[i].why);
    exit(2);
}

static void on_signal(int sig)
{
    (void)sig;
    stop_all();
    _exit(3);
}

static void start_services(bool replaying)
{
    mkdir("var", 0755);
    mkdir(VAR, 0755);
    if (!keep_state)
        sh("rm -rf " VAR "/mysql " VAR "/redis " VAR "/summitd-*.log");
    if (!replaying) /* the saved requests of the last run stay until the next one */
        sh("rm -f " VAR "/fail-*.http");
    mysql_port = free_port();
    redis_port = free_port();
    snprintf(env_prefix, sizeof(env_prefix), "SD_VAR=" VAR " SD_MYSQL_PORT=%d SD_REDIS_PORT=%d",
             mysql_port, redis_port);
    if (sh("%s scripts/services.sh start >/dev/null", env_prefix) != 0)
        die("cannot start the private services");
}

/* --replay: each saved request against a fresh server and world, its token replaced by a
 * fresh one of the principal named in X-Fuzz-As. */
static int replay(int argc, char **argv, int first)
{
    start_services(true);
    srv_start();
    world();
    int bad = 0;
    for (int i = first; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f)
            die("cannot read %s", argv[i]);
        struct sb raw = {0};
        char chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
            sb_put(&raw, chunk, k);
        fclose(f);
        /* substitute the token */
        const char *as = strstr(raw.p ? raw.p : "", "X-Fuzz-As: ");
        int p = P_ANON;
        for (int j = 0; as && j < NP; j++)
            if (strncmp(as + 11, pname[j], strlen(pname[j])) == 0 &&
                as[11 + strlen(pname[j])] == '\r')
                p = j;
        char *au = strstr(raw.p ? raw.p : "", "\r\nAuthorization: Bearer ");
        if (au && W.tok[p]) {
            char *b = au + strlen("\r\nAuthorization: Bearer ");
            char *e = strstr(b, "\r\n");
            struct sb nr = {0};
            sb_put(&nr, raw.p, (size_t)(b - raw.p));
            sb_puts(&nr, W.tok[p]);
            sb_put(&nr, e, raw.len - (size_t)(e - raw.p));
            free(raw.p);
            raw = nr;
        }
        struct resp r = http_raw(raw.p, raw.len, REQ_TIMEOUT_MS);
        int code = r.status ? -1 : (sleep_ms(300), srv_exited());
        char *rep = log_scan();
        printf("%s: %d %.500s\n", argv[i], r.status, r.body ? r.body : "(no response)");
        if (code >= 0)
            printf("  summitd died (exit %d)\n", code);
        if (rep)
            printf("  server log:\n%s\n", rep);
        bad += code >= 0 || rep || (r.status >= 500 && r.status != 503) ||
               envelope_problem(&r) != NULL;
        free(rep);
        resp_free(&r);
        free(raw.p);
        if (code >= 0) {
            restarts++;
            srv_start();
            world();
        }
    }
    int code = srv_stop();
    char *rep = log_scan();
    if (rep)
        printf("server log at exit:\n%s\n", rep);
    bad += rep != NULL || code != 0;
    free(rep);
    stop_all();
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    bin = getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd";
    double seconds = getenv("FUZZ_API_SECONDS") ? atof(getenv("FUZZ_API_SECONDS")) : 120;
    seed = getenv("SEED") && *getenv("SEED") ? strtoull(getenv("SEED"), NULL, 0) : 0;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    load_openapi("docs/openapi.yaml");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
            nclients = atoi(argv[++i]);
            if (nclients < 1 || nclients > 64)
                usage(argv[0]);
        } else if (strcmp(argv[i], "--sanitizer-only") == 0) {
            sanitizer_only = true;
        } else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc) {
            until = atol(argv[++i]);
        } else if (strcmp(argv[i], "--schema") == 0) {
            for (int k = 0; k < nops; k++) {
                printf("%s %s\n", router_method_name(ops[k].method), ops[k].path);
                for (int j = 0; j < ops[k].nbody; j++) {
                    const struct schema *sc = &ops[k].body[j].s;
                    printf("  body %s: %s%s%s maxLength=%ld min=%s%g max=%s%g enum=%d items=%s/%ld"
                           "%s\n",
                           ops[k].body[j].name, sc->type, sc->format[0] ? "/" : "", sc->format,
                           sc->max_len, sc->has_min ? "" : "-", sc->minimum, sc->has_max ? "" : "-",
                           sc->maximum, sc->nenum, sc->items_type, sc->items_max_len,
                           sc->addl ? " additionalProperties" : "");
                }
                for (int j = 0; j < ops[k].nquery; j++)
                    printf("  query %s: %s maxLength=%ld enum=%d\n", ops[k].query[j].name,
                           ops[k].query[j].s.type, ops[k].query[j].s.max_len,
                           ops[k].query[j].s.nenum);
            }
            return 0;
        } else if (strcmp(argv[i], "--keep") == 0) {
            keep_state = true;
        } else if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc) {
            const char *name = argv[++i];
            bool found = false;
            for (size_t k = 0; k < NSKIPS; k++)
                if (strcmp(skips[k].name, name) == 0)
                    skips[k].on = found = true;
            if (!found)
                usage(argv[0]);
        } else if (strcmp(argv[i], "--replay") == 0 && i + 1 < argc) {
            return replay(argc, argv, i + 1);
        } else {
            usage(argv[0]);
        }
    }
    if (!seed)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

    /* Every route must be documented: a route without an operation is fuzzed without a schema. */
    size_t undocumented = 0;
    for (size_t i = 0; i < routes_len; i++)
        if (!op_for(routes[i].method, routes[i].pattern) && !(routes[i].flags & ROUTE_DEBUG))
            undocumented++;
    printf("api_fuzz: seed %llu (reproduce: SEED=%llu), %.0f s, server %s, %zu routes, %d "
           "documented operations%s\n",
           (unsigned long long)seed, (unsigned long long)seed, seconds, bin, routes_len, nops,
           undocumented ? " (some routes undocumented!)" : "");
    for (size_t k = 0; k < NSKIPS; k++)
        if (skips[k].on)
            printf("api_fuzz: SKIPPING known-bug class %s (%s) -- remove once fixed\n",
                   skips[k].name, skips[k].why);
    fflush(stdout);

    start_services(false);
    srv_start();
    world();

    /* The routes to fuzz: all but ROUTE_DEBUG ones; each pass visits them in a new order. */
    for (size_t i = 0; i < routes_len && nr_fz < 160; i++)
        if (!(routes[i].flags & ROUTE_DEBUG))
            order0[nr_fz++] = i;
    int64_t t0 = now_ms();
    deadline = t0 + (int64_t)(seconds * 1000);
    struct client cl[64];
    for (int i = 0; i < nclients; i++) {
        cl[i].idx = i;
        if (pthread_create(&cl[i].th, NULL, client_main, &cl[i]) != 0)
            die("pthread_create failed");
    }
    for (int i = 0; i < nclients; i++)
        pthread_join(cl[i].th, NULL);
    double secs = (double)(now_ms() - t0) / 1000.0;

    /* Stop: a clean exit (LeakSanitizer runs at exit in the ASan build). */
    int code = srv_stop();
    char *rep = log_scan();
    if (rep || code != 0) {
        struct fzreq q = {0};
        q.rd = &routes[0];
        char detail[1100];
        snprintf(detail, sizeof(detail), "at shutdown: exit %d%s%.900s", code, rep ? "\n" : "",
                 rep ? rep : "");
        record_failure("shutdown", &q, NULL, NULL, detail, "", 0);
    }
    free(rep);

    printf("\napi_fuzz: requests per route and status (%ld requests in %.0f s, %.0f/s; %d "
           "restarts)\n",
           sent, secs, sent / (secs > 0 ? secs : 1), restarts);
    for (size_t ri = 0; ri < routes_len; ri++) {
        if (routes[ri].flags & ROUTE_DEBUG)
            continue;
        long tot = 0;
        for (int s = 0; s < 600; s++)
            tot += counts[ri][s];
        printf("  %-6s %-45s %6ld ", router_method_name(routes[ri].method), routes[ri].pattern,
               tot);
        for (int s = 0; s < 600; s++)
            if (counts[ri][s])
                printf(" %d:%ld", s, counts[ri][s]);
        printf("\n");
    }
    printf("api_fuzz: mutated-field classes:");
    for (int c = 0; c < 8; c++)
        printf(" %s=%ld", vclass_name[c], per_class[c]);
    printf("\n");
    for (size_t k = 0; k < NSKIPS; k++)
        if (skips[k].on)
            printf("api_fuzz: skipped %ld requests of known-bug class %s\n",
                   skips[k].match ? skips[k].skipped : skipped_pages, skips[k].name);
    if (nfails) {
        printf("\napi_fuzz: %d failure classes (%ld failing requests):\n", nfails, total_failures);
        for (int i = 0; i < nfails; i++)
            if (strcmp(fails[i].kind, "protocol-error-page") == 0)
                printf("  #%d %-22s (any route) status %s x%ld\n", fails[i].id, fails[i].kind,
                       fails[i].key, fails[i].count);
            else
                printf("  #%d %-22s %-6s %-45s %s%s x%ld\n", fails[i].id, fails[i].kind,
                       router_method_name(routes[fails[i].route].method),
                       routes[fails[i].route].pattern, fails[i].key[0] ? "field " : "",
                       fails[i].key, fails[i].count);
    }
    printf("api_fuzz: %s: %ld requests, %d failure classes, seed %llu (SEED=%llu make fuzz-api "
           "to repeat)\n",
           nfails ? "FAILED" : "passed", sent, nfails, (unsigned long long)seed,
           (unsigned long long)seed);
    stop_all();
    return nfails ? 1 : 0;
}
