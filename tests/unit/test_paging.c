/* Pages: cursors are opaque, tamper-evident and bound to the list that issued them; limits are
 * plain digits in range. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/app.h"
#include "server/http.h"
#include "server/json.h"
#include "server/paging.h"
#include "base/xalloc.h"

static struct app app = {.secret = "0123456789abcdef0123456789abcdef"};

static struct req *with_query(const char *path, const char *k1, const char *v1)
{
    struct req *r = xcalloc(1, sizeof(*r));
    r->app = &app;
    r->path = xstrdup(path);
    if (k1) {
        r->qkey = xcalloc(1, sizeof(char *));
        r->qval = xcalloc(1, sizeof(char *));
        r->qkey[0] = xstrdup(k1);
        r->qval[0] = xstrdup(v1);
        r->nquery = 1;
    }
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

Test(paging, a_cursor_round_trips_its_keys)
{
    const unsigned char *key = app.secret;
    struct page_cursor in = {3, {1893456000, -7, 9007199254740993LL}}, out;
    char tok[PAGE_TOKEN_MAX];
    page_encode(key, "/api/v1/events", &in, tok);
    cr_assert_lt(strlen(tok), PAGE_TOKEN_MAX);
    cr_assert_eq(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 strlen(tok), "url-safe: %s", tok);
    cr_assert_eq(page_decode(key, "/api/v1/events", tok, &out), 0);
    cr_assert_eq(out.n, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(out.k[i], in.k[i]);
    /* The id of the last row is not readable as digits in the token. */
    char digits[32];
    snprintf(digits, sizeof(digits), "%lld", (long long)in.k[0]);
    cr_assert_null(strstr(tok, digits));
}

Test(paging, a_changed_cursor_is_refused)
{
    const unsigned char *key = app.secret;
    struct page_cursor in = {1, {42}}, out;
    char tok[PAGE_TOKEN_MAX];
    page_encode(key, "/api/v1/projects", &in, tok);
    size_t n = strlen(tok);
    for (size_t i = 0; i < n; i++) {
        char t[PAGE_TOKEN_MAX];
        memcpy(t, tok, n + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        cr_assert_neq(page_decode(key, "/api/v1/projects", t, &out), 0, "flip at %zu", i);
    }
    /* Another list, another key, cut short, grown, empty, not base64. */
    cr_assert_neq(page_decode(key, "/api/v1/events", tok, &out), 0);
    cr_assert_neq(page_decode((const unsigned char *)"another key of thirty-two bytes!",
                              "/api/v1/projects", tok, &out),
                  0);
    tok[n - 1] = '\0';
    cr_assert_neq(page_decode(key, "/api/v1/projects", tok, &out), 0);
    cr_assert_neq(page_decode(key, "/api/v1/projects", "", &out), 0);
    cr_assert_neq(page_decode(key, "/api/v1/projects", "12345", &out), 0);
    cr_assert_neq(page_decode(key, "/api/v1/projects", "!!!!", &out), 0);
}

Test(paging, req_page_refuses_foreign_and_forged_cursors)
{
    static const char *const bad[] = {
        "-1", "+5", " 5", "0x10", "1e3", "9999999999999999999", "成", "AAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < SD_ARRAY_LEN(bad); i++) {
        struct req *r = with_query("/api/v1/events", "cursor", bad[i]);
        struct page pg;
        cr_assert_eq(req_page(r, 20, 100, 1, &pg), -1, "cursor '%s'", bad[i]);
        cr_assert_eq(r->status, 400);
        cr_assert_str_eq(field_of_reply(r), "cursor");
        req_free(r);
    }
    /* Issued by one list, refused by another; refused with the wrong number of keys. */
    char tok[PAGE_TOKEN_MAX];
    page_encode(app.secret, "/api/v1/events/1/meetings", PAGE_KEYS(1893456000, 4), tok);
    struct page pg;
    struct req *r = with_query("/api/v1/events/2/meetings", "cursor", tok);
    cr_assert_eq(req_page(r, 20, 100, 2, &pg), -1);
    req_free(r);
    r = with_query("/api/v1/events/1/meetings", "cursor", tok);
    cr_assert_eq(req_page(r, 20, 100, 1, &pg), -1);
    req_free(r);
    r = with_query("/api/v1/events/1/meetings", "cursor", tok);
    cr_assert_eq(req_page(r, 20, 100, 2, &pg), 0);
    cr_assert_eq(pg.limit, 20);
    cr_assert_eq(page_key(&pg, 0, 0), 1893456000);
    cr_assert_eq(page_key(&pg, 1, 0), 4);
    req_free(r);
}

Test(paging, limits_are_plain_digits_in_range)
{
    static const char *const bad[] = {" 7", "7 ", "-1", "0", "101", "1e2", "", "0x10", "七"};
    for (size_t i = 0; i < SD_ARRAY_LEN(bad); i++) {
        struct req *r = with_query("/api/v1/events", "limit", bad[i]);
        struct page pg;
        cr_assert_eq(req_page(r, 20, 100, 1, &pg), -1, "limit '%s'", bad[i]);
        cr_assert_str_eq(field_of_reply(r), "limit");
        req_free(r);
    }
    struct req *r = with_query("/api/v1/events", "limit", "100");
    struct page pg;
    cr_assert_eq(req_page(r, 20, 100, 1, &pg), 0);
    cr_assert_eq(pg.limit, 100);
    cr_assert_eq(pg.after.n, 0, "no cursor: the first page");
    cr_assert_eq(page_key(&pg, 0, -5), -5);
    req_free(r);
}

Test(paging, reply_page_ends_with_null_or_a_working_cursor)
{
    json_init();
    struct req *r = with_query("/api/v1/me/registrations", NULL, NULL);
    reply_page(r, cJSON_CreateArray(), true, PAGE_KEYS(77));
    cJSON *j = cJSON_ParseWithLength(r->resp, r->resp_len);
    const char *next = cJSON_GetStringValue(cJSON_GetObjectItem(j, "next_cursor"));
    cr_assert_not_null(next);
    struct req *r2 = with_query("/api/v1/me/registrations", "cursor", next);
    struct page pg;
    cr_assert_eq(req_page(r2, 20, 100, 1, &pg), 0);
    cr_assert_eq(page_key(&pg, 0, 0), 77);
    cJSON_Delete(j);
    req_free(r2);
    req_free(r);
    r = with_query("/api/v1/me/registrations", NULL, NULL);
    reply_page(r, cJSON_CreateArray(), false, PAGE_KEYS(77));
    j = cJSON_ParseWithLength(r->resp, r->resp_len);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "next_cursor")));
    cr_assert(cJSON_IsArray(cJSON_GetObjectItem(j, "items")));
    cJSON_Delete(j);
    req_free(r);
}
