#include "server/http.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/err.h"
#include "server/i18n.h"
#include "server/json.h"
#include "server/lcache.h"
#include "base/xalloc.h"

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

bool req_parse_id(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (s && *s && strlen(s) <= 18) {
        const char *p = s;
        for (; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (*p - '0');
        if (*p == '\0' && v > 0) {
            *out = v;
            return true;
        }
    }
    return false;
}

int req_param_id(struct req *r, size_t i, int64_t *out)
{
    if (req_parse_id(i < r->nparams ? r->params[i] : NULL, out))
        return 0;
    reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no such resource");
    return -1;
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

static void reply_error_obj(struct req *r, int err, const char *code, const char *field, char *msg,
                            const struct tx_fail *extra)
{
    /* Messages and fields may quote what the client sent (or cut it mid-character): keep the
     * reply valid UTF-8 without control characters. */
    utf8_scrub(msg);
    int status = sd_err_status(err);
    if (!code)
        code = sd_err_code(err);
    cJSON *root = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", msg);
    if (field) {
        char f[256];
        snprintf(f, sizeof(f), "%s", field);
        utf8_scrub(f);
        cJSON_AddStringToObject(e, "field", f);
    }
    for (size_t i = 0; extra && i < extra->nextra; i++)
        cJSON_AddNumberToObject(e, extra->extra[i].name, (double)extra->extra[i].value);
    if ((status == 503 || status == 429) && !has_resp_header(r, "Retry-After"))
        reply_header(r, "Retry-After", "1");
    /* RFC 6750 3: every 401 names the scheme; a token that was sent and refused says so. */
    if (status == 401 && !has_resp_header(r, "WWW-Authenticate"))
        reply_header(r, "WWW-Authenticate",
                     strcmp(code, "invalid_token") == 0
                         ? "Bearer realm=\"summitd\", error=\"invalid_token\""
                         : "Bearer realm=\"summitd\"");
    r->err_code = code;
    reply_json(r, status, root);
}

void reply_error(struct req *r, int err, const char *code, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    i18n_vformat(req_lang_quiet(r), msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply_error_obj(r, err, code, field, msg, NULL);
}

int tx_fail(struct tx_fail *f, int err, const char *code, const char *field, const char *fmt, ...)
{
    f->err = err;
    f->code = code;
    f->field = field;
    f->nextra = 0;
    /* The caller's language is not known here: both, reply_tx() picks. */
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    i18n_vformat(LANG_EN, f->msg, sizeof(f->msg), fmt, ap);
    i18n_vformat(LANG_ZH, f->msg_zh, sizeof(f->msg_zh), fmt, ap2);
    va_end(ap2);
    va_end(ap);
    return err;
}

void tx_fail_extra(struct tx_fail *f, const char *name, int64_t value)
{
    if (f->nextra < TX_FAIL_EXTRA) {
        f->extra[f->nextra].name = name;
        f->extra[f->nextra].value = value;
        f->nextra++;
    }
}

void reply_tx(struct req *r, int rc, const struct tx_fail *f)
{
    if (f->err && (rc == f->err || rc == 0)) {
        char msg[sizeof(f->msg_zh)];
        bool zh = req_lang_quiet(r) == LANG_ZH;
        snprintf(msg, sizeof(msg), "%s", zh ? f->msg_zh : f->msg);
        reply_error_obj(r, f->err, f->code, f->field, msg, f);
    } else {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
    }
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
    lcache_body_unref(r->lc_body);
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
