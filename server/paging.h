#ifndef SUMMITD_SERVER_PAGING_H
#define SUMMITD_SERVER_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pages of a list: `limit` and an opaque `cursor` in, `items` and `next_cursor` out.
 *
 * A cursor is the sort key of the last item of the previous page (keyset paging: one to three
 * numbers, e.g. (starts_at, id)), so a page is `WHERE (a, b) > (?, ?) ORDER BY a, b LIMIT n+1`
 * and a row inserted or deleted meanwhile never shifts the next page. On the wire it is
 * base64url of the numbers and a MAC over them and the route (a 96-bit HMAC-SHA256 under a key
 * every instance shares, from the database): opaque to clients, tamper-evident, and refused on
 * any list but the one that issued it. A bad cursor is a 400 naming `cursor`.
 *
 *     struct page pg;
 *     if (req_page(r, 20, 100, &pg) < 0) return;
 *     … "WHERE id > ? ORDER BY id LIMIT ?", page_key(&pg, 0), pg.limit + 1 …
 *     reply_page(r, items, more, PAGE_KEYS(last_id));   // more: a row beyond limit came back
 */

struct req;
struct cJSON;

#define PAGE_MAX_KEYS 3
#define PAGE_TOKEN_MAX 64 /* bytes of an encoded cursor, with its NUL */

struct page_cursor {
    size_t n; /* 0 = from the start */
    int64_t k[PAGE_MAX_KEYS];
};
#define PAGE_KEYS(...)                                                                             \
    (&(const struct page_cursor){sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), {__VA_ARGS__}})

struct page {
    int limit;
    struct page_cursor after; /* n == 0 on the first page */
};

/* Pure: the token of c for `scope` under key (32 bytes), into out (PAGE_TOKEN_MAX). */
void page_encode(const unsigned char *key, const char *scope, const struct page_cursor *c,
                 char *out);
/* Pure: 0 and *c, or -1 for a token not made by page_encode with this key and scope. */
int page_decode(const unsigned char *key, const char *scope, const char *token,
                struct page_cursor *c);

/* Reads `limit` (1..max, default def) and `cursor` (a next_cursor this route issued, with
 * `nkeys` numbers). On a bad value replies 400 naming the parameter and returns -1. */
int req_page(struct req *r, int def, int max, size_t nkeys, struct page *pg);
/* Key i of the cursor, or `dflt` on the first page (what sorts before every row). */
int64_t page_key(const struct page *pg, size_t i, int64_t dflt);
/* Adds "next_cursor" to obj: the token of `last` when more rows follow, else null. */
void page_add_next(struct req *r, struct cJSON *obj, bool more, const struct page_cursor *last);
/* Replies 200 {"items": items, "next_cursor": …}; takes ownership of items. */
void reply_page(struct req *r, struct cJSON *items, bool more, const struct page_cursor *last);

#endif
