#include "server/paging.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "server/app.h"
#include "server/auth.h"
#include "server/crypto.h"
#include "server/err.h"
#include "server/http.h"

#define TOKEN_VERSION 1
#define MAC_BYTES 12 /* 96 bits: forging one needs 2^96 tries, and a try costs a request */
#define RAW_MAX (2 + 8 * PAGE_MAX_KEYS + MAC_BYTES)

static void mac_of(const unsigned char *key, const char *scope, const unsigned char *raw,
                   size_t len, unsigned char out[CRYPTO_HMAC_LEN])
{
    static const unsigned char sep = 0;
    const void *parts[] = {scope, &sep, raw};
    size_t lens[] = {strlen(scope), 1, len};
    crypto_hmac_sha256(key, 32, parts, lens, 3, out);
}

void page_encode(const unsigned char *key, const char *scope, const struct page_cursor *c,
                 char *out)
{
    unsigned char raw[RAW_MAX];
    size_t n = 0;
    raw[n++] = TOKEN_VERSION;
    raw[n++] = (unsigned char)c->n;
    for (size_t i = 0; i < c->n && i < PAGE_MAX_KEYS; i++) {
        uint64_t v = (uint64_t)c->k[i];
        for (int b = 7; b >= 0; b--)
            raw[n++] = (unsigned char)(v >> (8 * b));
    }
    unsigned char mac[CRYPTO_HMAC_LEN];
    mac_of(key, scope, raw, n, mac);
    memcpy(raw + n, mac, MAC_BYTES);
    n += MAC_BYTES;
    auth_base64url(raw, n, out);
}

int page_decode(const unsigned char *key, const char *scope, const char *token,
                struct page_cursor *c)
{
    unsigned char raw[RAW_MAX];
    size_t tl = strlen(token);
    if (tl >= PAGE_TOKEN_MAX)
        return -1;
    long n = crypto_b64url_decode(token, tl, raw, sizeof(raw));
    if (n < 2 + MAC_BYTES || raw[0] != TOKEN_VERSION || raw[1] > PAGE_MAX_KEYS ||
        (size_t)n != 2 + 8 * (size_t)raw[1] + MAC_BYTES)
        return -1;
    size_t body = (size_t)n - MAC_BYTES;
    unsigned char mac[CRYPTO_HMAC_LEN];
    mac_of(key, scope, raw, body, mac);
    if (!crypto_equal(mac, raw + body, MAC_BYTES))
        return -1;
    c->n = raw[1];
    for (size_t i = 0; i < c->n; i++) {
        uint64_t v = 0;
        for (size_t b = 0; b < 8; b++)
            v = v << 8 | raw[2 + 8 * i + b];
        c->k[i] = (int64_t)v;
    }
    return 0;
}

int req_page(struct req *r, int def, int max, size_t nkeys, struct page *pg)
{
    memset(pg, 0, sizeof(*pg));
    pg->limit = def;
    const char *l = req_query(r, "limit"), *c = req_query(r, "cursor");
    if (l) {
        /* Digits only: no sign, spaces or exponent. */
        long v = 0;
        size_t i = 0;
        for (; l[i] >= '0' && l[i] <= '9' && i < 9; i++)
            v = v * 10 + (l[i] - '0');
        if (i == 0 || l[i] != '\0' || v < 1 || v > max) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "limit",
                        "limit must be from 1 to %d", max);
            return -1;
        }
        pg->limit = (int)v;
    }
    if (c && *c) {
        if (page_decode(r->app->secret, r->path, c, &pg->after) != 0 || pg->after.n != nkeys) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "cursor",
                        "cursor must be the next_cursor of an earlier page of this list");
            return -1;
        }
    }
    return 0;
}

int64_t page_key(const struct page *pg, size_t i, int64_t dflt)
{
    return i < pg->after.n ? pg->after.k[i] : dflt;
}

void page_add_next(struct req *r, cJSON *obj, bool more, const struct page_cursor *last)
{
    if (!more || !last) {
        cJSON_AddNullToObject(obj, "next_cursor");
        return;
    }
    char tok[PAGE_TOKEN_MAX];
    page_encode(r->app->secret, r->path, last, tok);
    cJSON_AddStringToObject(obj, "next_cursor", tok);
}

void reply_page(struct req *r, cJSON *items, bool more, const struct page_cursor *last)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "items", items);
    page_add_next(r, o, more, last);
    reply_json(r, 200, o);
}
