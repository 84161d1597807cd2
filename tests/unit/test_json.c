/* Validation helpers and tokens: the pieces handlers trust for their 400s and 401s. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/config.h"
#include "server/http.h"
#include "matching/score.h"
#include "matching/tokenize.h"
#include "server/err.h"
#include "base/utf8.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

static struct req *mk(const char *body)
{
    struct req *r = xcalloc(1, sizeof(*r));
    r->body = xstrdup(body);
    r->body_len = strlen(body);
    return r;
}

static const char *field_of_reply(struct req *r)
{
    static char buf[64];
    cJSON *j = cJSON_ParseWithLength(r->resp, r->resp_len);
    cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "field");
    snprintf(buf, sizeof(buf), "%s", f ? f->valuestring : "");
    cJSON_Delete(j);
    return buf;
}

Test(json, typed_getters_name_the_field)
{
    json_init();
    struct req *r = mk("{\"n\":\"x\",\"cap\":-1,\"b\":1,\"t\":\"yesterday\",\"k\":\"pitch\"}");
    cJSON *o = json_body(r);
    cr_assert_not_null(o);
    int64_t v;
    cr_assert_eq(json_int(r, o, "cap", true, 1, 100, &v), -1);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(field_of_reply(r), "cap");
    req_free(r);
    cJSON_Delete(o);

    r = mk("{\"b\":1}");
    o = json_body(r);
    bool bv;
    cr_assert_eq(json_bool(r, o, "b", true, &bv), -1);
    cr_assert_str_eq(field_of_reply(r), "b");
    req_free(r);
    cJSON_Delete(o);

    r = mk("{\"t\":\"yesterday\"}");
    o = json_body(r);
    int64_t t;
    cr_assert_eq(json_time(r, o, "t", true, &t), -1);
    cr_assert_str_eq(field_of_reply(r), "t");
    req_free(r);
    cJSON_Delete(o);

    static const char *const kinds[] = {"forum", "pitch", NULL};
    r = mk("{\"k\":\"pitch\",\"missing\":null}");
    o = json_body(r);
    int k = -1;
    cr_assert_eq(json_enum(r, o, "k", true, kinds, &k), 0);
    cr_assert_eq(k, 1);
    const char *s = "unchanged";
    cr_assert_eq(json_str(r, o, "missing", false, 0, 10, false, &s), 1, "absent optional");
    cr_assert_str_eq(s, "unchanged");
    cr_assert_eq(json_str(r, o, "nope", true, 0, 10, false, &s), -1);
    cr_assert_str_eq(field_of_reply(r), "nope");
    req_free(r);
    cJSON_Delete(o);
}

Test(json, integers_reject_fractions_and_out_of_range)
{
    json_init();
    const char *bodies[] = {"{\"v\":1.5}", "{\"v\":\"3\"}", "{\"v\":1e300}", "{\"v\":true}"};
    for (size_t i = 0; i < 4; i++) {
        struct req *r = mk(bodies[i]);
        cJSON *o = json_body(r);
        int64_t v;
        cr_assert_eq(json_int(r, o, "v", true, 0, 1000000, &v), -1, "%s", bodies[i]);
        req_free(r);
        cJSON_Delete(o);
    }
    struct req *r = mk("{\"v\":1000000}");
    cJSON *o = json_body(r);
    int64_t v = 0;
    cr_assert_eq(json_int(r, o, "v", true, 0, 1000000, &v), 0);
    cr_assert_eq(v, 1000000);
    req_free(r);
    cJSON_Delete(o);
}

Test(json, bodies_that_are_not_one_object)
{
    json_init();
    const char *bodies[] = {"", "[]", "42", "{\"a\":", "{} {}", "{\"a\":1}x"};
    for (size_t i = 0; i < 6; i++) {
        struct req *r = mk(bodies[i]);
        cr_assert_null(json_body(r), "'%s'", bodies[i]);
        cr_assert_eq(r->status, 400);
        req_free(r);
    }
}

Test(json, utf8_validation)
{
    cr_assert_eq(utf8_chars("成都", strlen("成都"), false), 2);
    cr_assert_eq(utf8_chars("a🚀b", strlen("a🚀b"), false), 3);
    cr_assert_eq(utf8_chars("\xff", 1, false), -1);
    cr_assert_eq(utf8_chars("\xc0\xaf", 2, false), -1, "overlong");
    cr_assert_eq(utf8_chars("\xed\xa0\x80", 3, false), -1, "surrogate");
    cr_assert_eq(utf8_chars("\xe6\x88", 2, false), -1, "truncated");
    cr_assert_eq(utf8_chars("a\nb", 3, false), -1);
    cr_assert_eq(utf8_chars("a\nb", 3, true), 3);
}

Test(json, rfc3339_times)
{
    int64_t t;
    cr_assert_eq(time_parse_rfc3339("2026-05-20T09:00:00Z", &t), 0);
    char buf[TIME_BUF];
    cr_assert_str_eq(time_format_rfc3339(t, buf), "2026-05-20T09:00:00Z");
    int64_t t2;
    cr_assert_eq(time_parse_rfc3339("2026-05-20T17:00:00+08:00", &t2), 0);
    cr_assert_eq(t, t2, "offsets convert to UTC");
    cr_assert_eq(time_parse_rfc3339("2026-05-20T09:00:00.123Z", &t2), -1, "whole seconds only");
    cr_assert_eq(time_parse_rfc3339("2026-05-20T09:00:00.000Z", &t2), 0, "a zero fraction is whole");
    cr_assert_eq(t, t2);
    cr_assert_eq(time_parse_rfc3339("2026-05-20T17:00:00.0+08:00", &t2), 0);
    cr_assert_eq(t, t2);
    cr_assert_eq(time_parse_rfc3339("2026-05-20T09:00:00.Z", &t2), -1);
    cr_assert_eq(time_parse_rfc3339("2026-02-30T09:00:00Z", &t2), -1);
    cr_assert_eq(time_parse_rfc3339("2026-05-20 09:00:00", &t2), -1);
    cr_assert_eq(time_parse_rfc3339("2026-05-20T09:00:00", &t2), -1, "zone required");
    cr_assert_eq(time_parse_sql("2026-05-20 09:00:00", &t2), 0);
    cr_assert_eq(t, t2);
}

Test(tokens, random_base64url_and_hashed)
{
    char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
    auth_token_new(a);
    auth_token_new(b);
    cr_assert_eq(strlen(a), 43);
    cr_assert_str_neq(a, b);
    for (size_t i = 0; i < 43; i++)
        cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
    char hex[65];
    auth_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char enc[8];
    auth_base64url((const unsigned char *)"\xfb\xff", 2, enc);
    cr_assert_str_eq(enc, "-_8");
}

Test(tokens, password_hashes_are_yescrypt)
{
    struct config c;
    cfg_defaults(&c);
    c.password_cost = 1;
    char h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
    cr_assert_eq(auth_password_hash(&c, "密码 password", h1, sizeof(h1)), 0);
    cr_assert_eq(auth_password_hash(&c, "密码 password", h2, sizeof(h2)), 0);
    cr_assert(strncmp(h1, "$y$", 3) == 0, "%s", h1);
    cr_assert_str_neq(h1, h2, "salted");
    cr_assert(auth_password_verify("密码 password", h1));
    cr_assert(!auth_password_verify("密码 passwore", h1));
    cr_assert(!auth_password_verify("", h1));
    cfg_deinit(&c);
}

/* ---- text limits in characters and in bytes, NUL, UTF-8 edge cases ---- */

static struct req *mkn(const char *body, size_t len)
{
    struct req *r = xcalloc(1, sizeof(*r));
    r->body = xmalloc(len + 1);
    memcpy(r->body, body, len);
    r->body[len] = '\0';
    r->body_len = len;
    return r;
}

/* json_text on {"t": <value>} (value given as JSON text): its return, the field named. */
static int text_of(const char *json_value, const struct text_limit *lim, char *field, size_t flen)
{
    char body[4096];
    snprintf(body, sizeof(body), "{\"t\":%s}", json_value);
    struct req *r = mk(body);
    cJSON *o = json_body(r);
    cr_assert_not_null(o, "%s", body);
    const char *s = NULL;
    int rc = json_text(r, o, "t", true, lim, &s);
    snprintf(field, flen, "%s", rc < 0 ? field_of_reply(r) : "");
    if (rc < 0)
        cr_assert_eq(r->status, 400);
    req_free(r);
    cJSON_Delete(o);
    return rc;
}

static char *repeat(const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    char *s = xmalloc(ul * n + 3);
    s[0] = '"';
    for (size_t i = 0; i < n; i++)
        memcpy(s + 1 + i * ul, unit, ul);
    s[1 + ul * n] = '"';
    s[2 + ul * n] = '\0';
    return s;
}

Test(json, text_limits_count_bytes_as_well_as_characters)
{
    json_init();
    char f[64];
    /* 4 characters, 8 bytes: ASCII is bound by characters, CJK and emoji by bytes. */
    const struct text_limit *lim = LIMIT_TEXT(1, 4, 8, false);
    cr_assert_eq(text_of("\"abcd\"", lim, f, sizeof(f)), 0);
    cr_assert_eq(text_of("\"abcde\"", lim, f, sizeof(f)), -1, "5 characters");
    cr_assert_str_eq(f, "t");
    cr_assert_eq(text_of("\"🚀🚀\"", lim, f, sizeof(f)), 0, "2 emoji: 8 bytes, at the byte limit");
    cr_assert_eq(text_of("\"🚀🚀a\"", lim, f, sizeof(f)), -1, "3 characters but 9 bytes");
    cr_assert_str_eq(f, "t");
    cr_assert_eq(text_of("\"成都成\"", lim, f, sizeof(f)), -1, "3 CJK: 9 bytes");
    cr_assert_eq(text_of("\"成都\"", lim, f, sizeof(f)), 0);
    cr_assert_eq(text_of("\"\"", lim, f, sizeof(f)), -1, "below min_chars");

    /* 4-byte characters exactly at both limits, then one over each. */
    lim = LIMIT_TEXT(1, 50, 200, false);
    char *at = repeat("😀", 50), *over = repeat("😀", 51), *cjk = repeat("成", 67);
    cr_assert_eq(text_of(at, lim, f, sizeof(f)), 0, "50 emoji = 50 chars = 200 bytes");
    cr_assert_eq(text_of(over, lim, f, sizeof(f)), -1, "51 emoji");
    cr_assert_eq(text_of(cjk, lim, f, sizeof(f)), -1, "67 CJK: 201 bytes");
    free(at);
    free(over);
    free(cjk);

    cr_assert_eq(json_text_check("🚀🚀", 8, LIMIT_TEXT(1, 2, 8, false)), TEXT_OK);
    cr_assert_eq(json_text_check("🚀🚀", 8, LIMIT_TEXT(1, 2, 7, false)), TEXT_LONG_BYTES);
    cr_assert_eq(json_text_check("🚀🚀", 8, LIMIT_TEXT(1, 1, 8, false)), TEXT_LONG);
    cr_assert_eq(json_text_check("a\0b", 3, LIMIT_TEXT(0, 10, 10, true)), TEXT_BAD, "NUL");
    cr_assert_eq(json_text_check("a\nb", 3, LIMIT_TEXT(0, 10, 10, false)), TEXT_BAD);
    cr_assert_eq(json_text_check("a\nb", 3, LIMIT_TEXT(0, 10, 10, true)), TEXT_OK);
}

/* The login crash: 250 CJK characters pass a 254-character check but are 750 bytes. The e-mail
 * limit is in bytes too, so they are refused before anything copies them. */
Test(json, email_of_250_cjk_characters_is_over_its_byte_limit)
{
    json_init();
    char f[64];
    char *v = repeat("成", 250);
    cr_assert_eq(text_of(v, LIMIT_EMAIL, f, sizeof(f)), -1);
    cr_assert_str_eq(f, "t");
    cr_assert_eq(text_of(v, LIMIT_LOGIN_EMAIL, f, sizeof(f)), -1);
    free(v);
    v = repeat("a", 254);
    cr_assert_eq(text_of(v, LIMIT_EMAIL, f, sizeof(f)), 0, "254 ASCII bytes are fine");
    free(v);
}

/* The field a refused body names (json_body() returned NULL), or "" when it was accepted. */
static const char *refused_field(const char *body, size_t len, char *out, size_t outlen)
{
    struct req *r = mkn(body, len);
    cJSON *o = json_body(r);
    out[0] = '\0';
    if (!o) {
        cr_assert_eq(r->status, 400, "%.*s", (int)len, body);
        snprintf(out, outlen, "%s", field_of_reply(r));
    }
    cJSON_Delete(o);
    req_free(r);
    return out;
}

#define REFUSED(lit, buf) refused_field(lit, sizeof(lit) - 1, buf, sizeof(buf))

Test(json, text_with_an_embedded_nul_is_refused_naming_its_field)
{
    json_init();
    char f[128];
    cr_assert_str_eq(REFUSED("{\"title\":\"Keynote\\u0000rest\"}", f), "title");
    cr_assert_str_eq(REFUSED("{\"kind\":\"forum\",\"title\":\"\\u0000\"}", f), "title");
    cr_assert_str_eq(REFUSED("{\"tags\":[\"ok\",\"a\\u0000b\"]}", f), "tags",
                     "arrays are named as the handlers name them; the message has tags[1]");
    cr_assert_str_eq(REFUSED("{\"scores\":{\"12\":3,\"17\\u0000x\":5}}", f), "scores.17", "a key");
    cr_assert_str_eq(REFUSED("{\"a\":{\"b\":[1,{\"c\":\"x\\u0000\"}]}}", f), "a.b.c");
    cr_assert_str_eq(REFUSED("{\"kind\":\"forum\\u0000pitch\"}", f), "kind",
                     "enums would compare equal to forum");
    /* The message gives the whole path (in Chinese by default, server/i18n.h). */
    struct req *m = mk("{\"a\":{\"b\":[1,{\"c\":\"x\\u0000\"}]}}");
    cr_assert_null(json_body(m));
    cr_assert(strstr(m->resp, "\"a.b[1].c 必须是不含 NUL 字符的 UTF-8 文本\""), "%s", m->resp);
    req_free(m);
    /* A raw NUL byte inside a string. */
    cr_assert_str_eq(REFUSED("{\"title\":\"Key\0note\"}", f), "title");
    /* Not UTF-8 inside a string (raw bytes), anywhere. */
    cr_assert_str_eq(REFUSED("{\"venue\":\"\xff\"}", f), "venue");
    cr_assert_str_eq(REFUSED("{\"t\":[\"\xc0\xaf\"]}", f), "t", "overlong");
    cr_assert_str_eq(REFUSED("{\"t\":\"\xed\xa0\x80\"}", f), "t", "a surrogate, raw");
    /* An escaped backslash followed by u0000 is six characters of text, not a NUL. */
    cr_assert_str_eq(REFUSED("{\"t\":\"\\\\u0000\"}", f), "");
    struct req *r = mk("{\"t\":\"\\\\u0000\"}");
    cJSON *o = json_body(r);
    const char *s;
    cr_assert_eq(json_text(r, o, "t", true, LIMIT_TEXT(1, 10, 40, false), &s), 0);
    cr_assert_str_eq(s, "\\u0000");
    cJSON_Delete(o);
    req_free(r);
    /* Escaped surrogates: a pair is one emoji, a lone half is not JSON text. */
    cr_assert_str_eq(REFUSED("{\"t\":\"\\ud83d\\ude80\"}", f), "");
    cr_assert_null(json_body(r = mk("{\"t\":\"\\ud800\"}")));
    cr_assert_eq(r->status, 400);
    req_free(r);
    cr_assert_null(json_body(r = mk("{\"t\":\"\\udc00x\"}")));
    req_free(r);
}

Test(json, utf8_edge_cases)
{
    static const struct {
        const char *s;
        long want;
        const char *what;
    } cases[] = {
        {"\xc0\x80", -1, "overlong NUL"},
        {"\xc1\xbf", -1, "overlong 2-byte"},
        {"\xe0\x80\xaf", -1, "overlong 3-byte"},
        {"\xe0\x9f\xbf", -1, "overlong 3-byte, highest"},
        {"\xf0\x80\x80\xaf", -1, "overlong 4-byte"},
        {"\xf0\x8f\xbf\xbf", -1, "overlong 4-byte, highest"},
        {"\xed\xa0\x80", -1, "high surrogate"},
        {"\xed\xbf\xbf", -1, "low surrogate"},
        {"\xed\xa0\xbd\xed\xb8\x80", -1, "a surrogate pair in CESU-8"},
        {"\xf4\x90\x80\x80", -1, "above U+10FFFF"},
        {"\xf5\x80\x80\x80", -1, "lead byte F5"},
        {"\xff", -1, "FF"},
        {"\x80", -1, "lone continuation"},
        {"\xf0\x9f\x9a", -1, "truncated emoji"},
        {"a\xe6", -1, "truncated at the end"},
        {"\xed\x9f\xbf", 1, "U+D7FF"},
        {"\xee\x80\x80", 1, "U+E000"},
        {"\xef\xbf\xbf", 1, "U+FFFF"},
        {"\xf4\x8f\xbf\xbf", 1, "U+10FFFF"},
        {"\xc2\x80", 1, "U+0080: a C1 control, but valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_assert_eq(utf8_chars(cases[i].s, strlen(cases[i].s), false), cases[i].want, "%s",
                     cases[i].what);
    unsigned cp = 0;
    cr_assert_eq(utf8_next("\xf0\x9f\x9a\x80", 4, &cp), 4);
    cr_assert_eq(cp, 0x1f680);
    cr_assert_eq(utf8_next("\xf0\x9f\x9a\x80", 3, &cp), 0, "cut short by len");

    char s[] = "ok \xff\x01 \xe6\x88 成都\x7f";
    utf8_scrub(s);
    cr_assert_str_eq(s, "ok ?? ?? 成都?");
    cr_assert_geq(utf8_chars(s, strlen(s), false), 0);
}

/* Error replies stay valid UTF-8 JSON whatever they quote. */
Test(json, error_replies_never_echo_invalid_utf8)
{
    json_init();
    struct req *r = mk("{}");
    reply_error(r, SD_ERR_INVALID, "validation_failed", "sc\xffores", "'%s' is bad", "\xe6\x88");
    cr_assert_eq(utf8_chars(r->resp, r->resp_len, false), (long)r->resp_len);
    cJSON *j = cJSON_ParseWithLength(r->resp, r->resp_len);
    cr_assert_not_null(j);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "field")->valuestring,
                     "sc?ores");
    cJSON_Delete(j);
    req_free(r);
}

/* Every limit of server/limits.h against the column that stores the field: VARCHAR(n) holds n
 * characters, TEXT 65,535 bytes; and bytes never exceed what the characters can take. */
struct col_limit {
    const struct text_limit *lim;
    const char *table, *column; /* NULL table: not stored */
    const char *what;
};

/* "VARCHAR(n)" → n, "TEXT" → -1, 0 when the column is not found. */
static long column_size(const char *table, const char *column)
{
    static char *sql;
    if (!sql) {
        FILE *p = popen("cat sql/*.sql", "r");
        cr_assert_not_null(p);
        size_t cap = 1 << 20, n = 0;
        sql = xmalloc(cap);
        n = fread(sql, 1, cap - 1, p);
        sql[n] = '\0';
        pclose(p);
    }
    char head[128];
    snprintf(head, sizeof(head), "CREATE TABLE IF NOT EXISTS %s (", table);
    const char *t = strstr(sql, head);
    cr_assert_not_null(t, "no table %s in sql/", table);
    const char *end = strstr(t, ";");
    char col[128];
    snprintf(col, sizeof(col), "\n    %s ", column);
    const char *c = strstr(t, col);
    if (!c || c > end)
        return 0;
    c += strlen(col);
    long n;
    if (sscanf(c, "VARCHAR(%ld)", &n) == 1)
        return n;
    return strncmp(c, "TEXT", 4) == 0 ? -1 : 0;
}

Test(json, every_text_limit_fits_its_column)
{
    const struct col_limit cols[] = {
        {LIMIT_EMAIL, "users", "email", "email"},
        {LIMIT_LOGIN_EMAIL, "users", "email_lower", "login email"},
        {LIMIT_DISPLAY_NAME, "users", "display_name", "display_name"},
        {LIMIT_PASSWORD, NULL, NULL, "password"},
        {LIMIT_LOGIN_PASSWORD, NULL, NULL, "login password"},
        {LIMIT_ORG_NAME, "organizations", "name", "organization name"},
        {LIMIT_SECTOR, "organizations", "sector", "organization sector"},
        {LIMIT_ZONE, "organizations", "zone", "organization zone"},
        {LIMIT_ORG_DESCRIPTION, "organizations", "description", "organization description"},
        {LIMIT_EVENT_TITLE, "events", "title", "event title"},
        {LIMIT_CITY, "events", "city", "city"},
        {LIMIT_VENUE, "events", "venue", "venue"},
        {LIMIT_EVENT_DESCRIPTION, "events", "description", "event description"},
        {LIMIT_SESSION_TITLE, "sessions", "title", "session title"},
        {LIMIT_ROOM, "sessions", "room", "room"},
        {LIMIT_PROJECT_TITLE, "projects", "title", "project title"},
        {LIMIT_PROJECT_DESCRIPTION, "projects", "description", "project description"},
        {LIMIT_SECTOR, "projects", "sector", "project sector"},
        {LIMIT_ZONE, "projects", "zone", "project zone"},
        {LIMIT_CRITERION_NAME, "competition_criteria", "name", "criterion name"},
        {LIMIT_TAG_INPUT, NULL, NULL, "tag as sent"},
        {LIMIT_CHECKIN_CODE, NULL, NULL, "check-in code (looked up, not stored)"},
        {LIMIT_QUERY_Q, NULL, NULL, "q"},
        {LIMIT_QUERY_TAG, NULL, NULL, "tag query"},
        {LIMIT_QUERY_SECTOR, "projects", "sector", "sector query"},
        {LIMIT_QUERY_ZONE, "projects", "zone", "zone query"},
        {LIMIT_QUERY_CITY, "events", "city", "city query"},
        {LIMIT_QUERY_ID, NULL, NULL, "organization_id query"},
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
        const struct col_limit *c = &cols[i];
        cr_assert_leq(c->lim->min_chars, c->lim->max_chars, "%s", c->what);
        cr_assert_leq(c->lim->max_chars, c->lim->max_bytes, "%s", c->what);
        cr_assert_leq(c->lim->max_bytes, 4 * c->lim->max_chars, "%s", c->what);
        if (!c->table)
            continue;
        long size = column_size(c->table, c->column);
        cr_assert_neq(size, 0, "%s: no column %s.%s", c->what, c->table, c->column);
        if (size > 0)
            cr_assert_leq(c->lim->max_chars, (size_t)size, "%s: VARCHAR(%ld)", c->what, size);
        else
            cr_assert_leq(c->lim->max_bytes, 65535, "%s: TEXT", c->what);
    }
    /* Tags: stored normalized, as project_tags rows and as a JSON array in projects.tags. */
    cr_assert_leq(TOK_TAG_MAX_CHARS, column_size("project_tags", "tag"));
    cr_assert_eq(column_size("projects", "tags"), -1);
    cr_assert_leq(MATCH_TAGS_MAX * (2 * TOK_TAG_MAX_BYTES + 3) + 2, 65535);
}
