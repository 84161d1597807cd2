#include "server/http.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/err.h"
#include "server/xalloc.h"

const char *req_query(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nquery; i++)
        if (strcmp(r->qkey[i], name) == 0)
            return r->qval[i];
    return NULL;
}

const char *req_header(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nhdr; i++)
        if (strcasecmp(r->hkey[i], name) == 0)
            return r->hval[i];
    return NULL;
}

int req_param_id(struct req *r, size_t i, int64_t *out)
{
    const char *s = i < r->nparams ? r->params[i] : NULL;
    int64_t v = 0;
    if (s && *s && strlen(s) <= 18) {
        const char *p = s;
        for (; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (*p - '0');
        if (*p == '\0' && v > 0) {
            *out = v;
            return 0;
        }
    }
    reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no such resource");
    return -1;
}

int req_page(struct req *r, int def, int max, int *limit, int64_t *cursor)
{
    const char *l = req_query(r, "limit"), *c = req_query(r, "cursor");
    *limit = def;
    *cursor = 0;
    if (l) {
        char *end;
        long v = strtol(l, &end, 10);
        if (!*l || *end || v < 1 || v > max) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "limit",
                        "limit must be from 1 to %d", max);
            return -1;
        }
        *limit = (int)v;
    }
    if (c && *c) {
        char *end;
        long long v = strtoll(c, &end, 10);
        if (*end || v < 0) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "cursor", "bad cursor");
            return -1;
        }
        *cursor = v;
    }
    return 0;
}

static void set_body(struct req *r, int status, const char *type, char *body, size_t len)
{
    SD_ASSERT(r->status == 0); /* exactly one reply */
    r->status = status;
    r->resp_type = type;
    r->resp = body;
    r->resp_len = len;
}

void reply_json(struct req *r, int status, cJSON *body)
{
    char *s = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    size_t len = strlen(s);
    /* cJSON allocates through our hooks (xmalloc), so free() releases it. */
    set_body(r, status, "application/json; charset=utf-8", s, len);
}

void reply_body(struct req *r, int status, const char *content_type, char *body, size_t len)
{
    set_body(r, status, content_type, body, len);
}

void reply_created(struct req *r, cJSON *body, const char *loc_fmt, ...)
{
    char loc[256];
    va_list ap;
    va_start(ap, loc_fmt);
    vsnprintf(loc, sizeof(loc), loc_fmt, ap);
    va_end(ap);
    reply_header(r, "Location", loc);
    reply_json(r, 201, body);
}

void reply_empty(struct req *r, int status)
{
    set_body(r, status, NULL, NULL, 0);
}

void reply_header(struct req *r, const char *name, const char *value)
{
    r->rhkey = xrealloc(r->rhkey, (r->nrh + 1) * sizeof(char *));
    r->rhval = xrealloc(r->rhval, (r->nrh + 1) * sizeof(char *));
    r->rhkey[r->nrh] = xstrdup(name);
    r->rhval[r->nrh] = xstrdup(value);
    r->nrh++;
}

static bool has_resp_header(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nrh; i++)
        if (strcasecmp(r->rhkey[i], name) == 0)
            return true;
    return false;
}

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t k;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        k = 1, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        k = 2, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        k = 3, cp = c & 0x07;
    else
        return 0;
    if (n <= k)
        return 0;
    for (size_t i = 1; i <= k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k + 1;
}

/* s as valid UTF-8 into out (cap bytes, NUL-terminated): each invalid byte becomes U+FFFD and
 * the text ends at a whole character. Messages and fields quote what clients sent (a raw path,
 * a JSON key) and get cut to size, and a JSON reply must be UTF-8 (cJSON checks nothing). */
static void utf8_clean(char *out, size_t cap, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0, i = 0;
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        const char *src = k ? s + i : "\xef\xbf\xbd";
        size_t len = k ? k : 3;
        if (o + len >= cap)
            break;
        memcpy(out + o, src, len);
        o += len;
        i += k ? k : 1;
    }
    out[o] = '\0';
}

void reply_error(struct req *r, int err, const char *code, const char *field, const char *fmt, ...)
{
    char raw[1024], msg[512], fld[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    utf8_clean(msg, sizeof(msg), raw);
    if (field) {
        utf8_clean(fld, sizeof(fld), field);
        field = fld;
    }
    int status = sd_err_status(err);
    if (!code)
        code = sd_err_code(err);
    cJSON *root = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", msg);
    if (field)
        cJSON_AddStringToObject(e, "field", field);
    if ((status == 503 || status == 429) && !has_resp_header(r, "Retry-After"))
        reply_header(r, "Retry-After", "1");
    r->err_code = code;
    reply_json(r, status, root);
}

void reply_fail(struct req *r, int err)
{
    switch (err) {
    case SD_ERR_UNAVAILABLE:
    case SD_ERR_RETRY:
        reply_error(r, SD_ERR_UNAVAILABLE, NULL, NULL,
                    "a dependency is unavailable; retry shortly");
        break;
    case SD_ERR_DUPLICATE:
        reply_error(r, SD_ERR_DUPLICATE, NULL, NULL, "it exists already");
        break;
    case SD_ERR_NOT_FOUND:
        reply_error(r, err, NULL, NULL, "no such resource");
        break;
    case SD_ERR_FORBIDDEN:
        reply_error(r, err, NULL, NULL, "not allowed");
        break;
    default:
        reply_error(r, SD_ERR_INTERNAL, NULL, NULL, "internal error (request %s)", r->id);
    }
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void req_free(struct req *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->body);
    free(r->idem_rkey);
    free(r->lc_key);
    for (size_t i = 0; i < r->nparams; i++)
        free(r->params[i]);
    free_strv(r->qkey, r->nquery);
    free_strv(r->qval, r->nquery);
    free_strv(r->hkey, r->nhdr);
    free_strv(r->hval, r->nhdr);
    free(r->resp);
    free_strv(r->rhkey, r->nrh);
    free_strv(r->rhval, r->nrh);
    free(r);
}
