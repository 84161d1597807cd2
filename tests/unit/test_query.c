/* Typed query parameters: present, absent (default kept), or a 400 naming the parameter. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "base/xalloc.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/query.h"

static struct req *q1(const char *k, const char *v)
{
    struct req *r = xcalloc(1, sizeof(*r));
    r->qkey = xcalloc(1, sizeof(char *));
    r->qval = xcalloc(1, sizeof(char *));
    r->qkey[0] = xstrdup(k);
    r->qval[0] = xstrdup(v);
    r->nquery = 1;
    return r;
}

static void expect_400(struct req *r, const char *field)
{
    cr_assert_eq(r->status, 400);
    cJSON *j = cJSON_ParseWithLength(r->resp, r->resp_len);
    cJSON *e = cJSON_GetObjectItem(j, "error");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "field")), field);
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "code")), "validation_failed");
    cJSON_Delete(j);
}

Test(query, absent_keeps_the_default_required_does_not)
{
    json_init();
    struct req *r = q1("other", "1");
    int64_t n = 42;
    cr_assert_eq(req_query_int(r, "n", false, 0, 100, &n), 1);
    cr_assert_eq(n, 42);
    cr_assert_eq(r->status, 0, "no reply for an absent optional parameter");
    cr_assert_eq(req_query_int(r, "n", true, 0, 100, &n), -1);
    expect_400(r, "n");
    req_free(r);
}

Test(query, integers_ids_bools_enums_times)
{
    json_init();
    static const char *const kinds[] = {"summit", "roadshow", "fair", NULL};
    static const struct {
        const char *v;
        int ok;
    } ints[] = {{"5", 1},  {"-3", 1},  {"+5", 0}, {" 5", 0},
                {"5x", 0}, {"1e3", 0}, {"", 0},   {"1234567890123456789", 0},
                {"101", 0}};
    for (size_t i = 0; i < SD_ARRAY_LEN(ints); i++) {
        struct req *r = q1("n", ints[i].v);
        int64_t n = 0;
        int rc = req_query_int(r, "n", false, -10, 100, &n);
        cr_assert_eq(rc, ints[i].ok ? 0 : -1, "'%s'", ints[i].v);
        if (!ints[i].ok)
            expect_400(r, "n");
        req_free(r);
    }
    struct req *r = q1("id", "0");
    int64_t id;
    cr_assert_eq(req_query_id(r, "id", false, &id), -1);
    req_free(r);
    r = q1("b", "1");
    bool b = false;
    cr_assert_eq(req_query_bool(r, "b", false, &b), 0);
    cr_assert(b);
    req_free(r);
    r = q1("b", "yes");
    cr_assert_eq(req_query_bool(r, "b", false, &b), -1);
    expect_400(r, "b");
    req_free(r);
    r = q1("kind", "fair");
    int k = -1;
    cr_assert_eq(req_query_enum(r, "kind", false, kinds, &k), 0);
    cr_assert_eq(k, 2);
    req_free(r);
    r = q1("kind", "Fair");
    cr_assert_eq(req_query_enum(r, "kind", false, kinds, &k), -1);
    expect_400(r, "kind");
    req_free(r);
    r = q1("from", "2026-05-20T09:00:00Z");
    int64_t t = 0;
    cr_assert_eq(req_query_time(r, "from", false, &t), 0);
    cr_assert_eq(t, 1779267600);
    req_free(r);
}

Test(query, text_is_limited_in_characters_and_bytes)
{
    json_init();
    char s[1024] = "";
    for (int i = 0; i < 70; i++)
        strcat(s, "汉"); /* 70 characters, 210 bytes: over 64 characters */
    struct req *r = q1("city", s);
    const char *out = NULL;
    cr_assert_eq(req_query_text(r, "city", false, LIMIT_QUERY_CITY, &out), -1);
    expect_400(r, "city");
    req_free(r);
    r = q1("city", "成都");
    cr_assert_eq(req_query_text(r, "city", false, LIMIT_QUERY_CITY, &out), 0);
    cr_assert_str_eq(out, "成都");
    req_free(r);
}
