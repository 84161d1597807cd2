/* Validation helpers and tokens: the pieces handlers trust for their 400s and 401s. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <string.h>

#include "server/auth.h"
#include "server/config.h"
#include "server/http.h"
#include "server/json.h"
#include "server/timeutil.h"
#include "server/xalloc.h"

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
    cr_assert_eq(time_parse_rfc3339("2026-05-20T09:00:00.123Z", &t2), 0);
    cr_assert_eq(t, t2);
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
