#include "server/idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/app.h"
#include "server/auth.h"
#include "server/buf.h"
#include "server/config.h"
#include "server/err.h"
#include "server/http.h"
#include "server/limits.h"
#include "server/log.h"
#include "server/rds.h"
#include "server/router.h"
#include "server/routes.h"

#define LEASE_S "120"

static int cmp_pair(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c ? c : strcmp(x[1], y[1]);
}

/* What makes two requests "the same": method, route, path parameters, the query (decoded and
 * sorted, so ?a=1&b=2 equals ?b=2&a=1 but ?reset=true differs from none) and the body bytes.
 * Strings go in with their lengths, so no two different requests write the same text. */
void idem_fingerprint(struct req *r)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%s %s\n", router_method_name(r->method), r->app->routes[r->route].pattern);
    for (size_t i = 0; i < r->nparams; i++)
        buf_printf(&b, "p%zu:%s\n", strlen(r->params[i]), r->params[i]);
    if (r->nquery) {
        const char **kv = xcalloc(r->nquery * 2, sizeof(*kv));
        for (size_t i = 0; i < r->nquery; i++) {
            kv[2 * i] = r->qkey[i];
            kv[2 * i + 1] = r->qval[i];
        }
        qsort(kv, r->nquery, 2 * sizeof(*kv), cmp_pair);
        for (size_t i = 0; i < r->nquery; i++)
            buf_printf(&b, "q%zu:%s=%zu:%s\n", strlen(kv[2 * i]), kv[2 * i], strlen(kv[2 * i + 1]),
                       kv[2 * i + 1]);
        free(kv);
    }
    buf_printf(&b, "b%zu\n", r->body_len);
    if (r->body_len)
        buf_append(&b, r->body, r->body_len);
    auth_sha256_hex(b.p, b.len, r->idem_fp);
    buf_deinit(&b);
}

/* The content types a stored response may have, as the static strings reply_body() wants. */
static const char *static_type(const char *t)
{
    static const char *const known[] = {
        "application/json; charset=utf-8",
        "text/csv; charset=utf-8",
        "text/calendar; charset=utf-8",
        "text/plain; charset=utf-8",
        NULL,
    };
    for (size_t i = 0; known[i]; i++)
        if (strcmp(t, known[i]) == 0)
            return known[i];
    return strstr(t, "json") ? known[0] : NULL;
}

/* Response headers a replay must repeat: those the handler set (Location, Content-Disposition,
 * …), except per-attempt ones. Names and values with a line break are never stored. */
static bool stored_header(const char *name, const char *value)
{
    return strcasecmp(name, "Retry-After") != 0 && strcasecmp(name, "Idempotent-Replayed") != 0 &&
           !strpbrk(name, "\r\n:") && !strpbrk(value, "\r\n");
}

/* Records:
 *   "P <fp>"                                       while in flight;
 *   "R <fp> <status> <nheaders> <content-type>\n" then nheaders "<name>: <value>\n" lines, then
 *   the body                                       when done;
 *   "D <fp> <status> <content-type>\n<body>"       (older records, no headers: still replayed). */
static int replay(struct req *r, const struct rds_reply *rep)
{
    const char *s = rep->str, *end = rep->str + rep->len;
    if (rep->len < 66 || strncmp(s + 2, r->idem_fp, 64) != 0) {
        reply_error(r, SD_ERR_UNPROCESSABLE, "idempotency_key_reused", NULL,
                    "this Idempotency-Key was used for a different request");
        return -1;
    }
    if (s[0] == 'P') {
        reply_error(r, SD_ERR_CONFLICT, "request_in_progress", NULL,
                    "a request with this Idempotency-Key is still being processed");
        return -1;
    }
    int status = 0, nh = 0;
    char ctype[80] = "";
    const char *nl = memchr(s, '\n', rep->len);
    bool ok = nl && rep->len > 67;
    if (ok && s[0] == 'R')
        ok = sscanf(s + 67, "%d %d %79[^\n]", &status, &nh, ctype) >= 2 && nh >= 0 && nh <= 64;
    else if (ok)
        ok = s[0] == 'D' && sscanf(s + 67, "%d %79[^\n]", &status, ctype) >= 1;
    ok = ok && status >= 200 && status <= 599;
    const char *p = ok ? nl + 1 : NULL;
    for (int i = 0; ok && i < nh; i++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *colon = eol ? memchr(p, ':', (size_t)(eol - p)) : NULL;
        if (!colon || colon + 1 >= eol || colon[1] != ' ') {
            ok = false;
            break;
        }
        char *name = xstrndup(p, (size_t)(colon - p));
        char *value = xstrndup(colon + 2, (size_t)(eol - colon - 2));
        reply_header(r, name, value);
        free(name);
        free(value);
        p = eol + 1;
    }
    if (!ok) {
        reply_error(r, SD_ERR_INTERNAL, NULL, NULL, "corrupt idempotency record");
        return -1;
    }
    size_t blen = (size_t)(end - p);
    char *body = xmalloc(blen + 1);
    memcpy(body, p, blen);
    body[blen] = '\0';
    reply_header(r, "Idempotent-Replayed", "true");
    reply_body(r, status, static_type(ctype), body, blen);
    return -1;
}

int idem_begin(struct req *r)
{
    const char *key = req_header(r, "Idempotency-Key");
    size_t kl = strlen(key);
    bool printable = true;
    for (size_t i = 0; i < kl; i++)
        printable = printable && key[i] >= 0x20 && key[i] <= 0x7e;
    if (kl == 0 || kl > LIMIT_IDEMPOTENCY_KEY_BYTES || !printable) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "Idempotency-Key",
                    "Idempotency-Key must be 1 to %d printable ASCII characters",
                    LIMIT_IDEMPOTENCY_KEY_BYTES);
        return -1;
    }
    char khex[65], rkey[256], val[80];
    auth_sha256_hex(key, kl, khex);
    rds_key(r->w->rds, rkey, sizeof(rkey), "idem:%lld:%s", (long long)r->user.id, khex);
    idem_fingerprint(r);
    snprintf(val, sizeof(val), "P %s", r->idem_fp);
    for (int attempt = 0; attempt < 2; attempt++) {
        struct rds_reply rep;
        int rc = rds_cmd(r->w->rds, &rep, "SET %s %s NX EX %s", rkey, val, LEASE_S);
        if (rc) {
            reply_fail(r, rc);
            return -1;
        }
        bool claimed = rep.type == RDS_STATUS;
        rds_reply_clear(&rep);
        if (claimed) {
            r->idem_rkey = xstrdup(rkey);
            return 0;
        }
        rc = rds_cmd(r->w->rds, &rep, "GET %s", rkey);
        if (rc) {
            reply_fail(r, rc);
            return -1;
        }
        if (rep.type == RDS_STRING) {
            int out = replay(r, &rep);
            rds_reply_clear(&rep);
            return out;
        }
        rds_reply_clear(&rep); /* expired between SET and GET: try to claim again */
    }
    reply_error(r, SD_ERR_CONFLICT, "request_in_progress", NULL,
                "a request with this Idempotency-Key is still being processed");
    return -1;
}

void idem_end(struct req *r)
{
    if (!r->idem_rkey)
        return;
    int s = r->status;
    int rc;
    if (s >= 500 || s == 409 || s == 429) {
        rc = rds_cmd(r->w->rds, NULL, "DEL %s", r->idem_rkey);
    } else {
        struct buf b;
        buf_init(&b);
        int nh = 0;
        for (size_t i = 0; i < r->nrh; i++)
            nh += stored_header(r->rhkey[i], r->rhval[i]);
        buf_printf(&b, "R %s %d %d %s\n", r->idem_fp, s, nh, r->resp_type ? r->resp_type : "-");
        for (size_t i = 0; i < r->nrh; i++)
            if (stored_header(r->rhkey[i], r->rhval[i]))
                buf_printf(&b, "%s: %s\n", r->rhkey[i], r->rhval[i]);
        if (r->resp_len)
            buf_append(&b, r->resp, r->resp_len);
        char ttl[16];
        snprintf(ttl, sizeof(ttl), "%d", r->w->cfg->idempotency_ttl_s);
        rc = rds_cmd(r->w->rds, NULL, "SET %s %b EX %s", r->idem_rkey, b.p, b.len, ttl);
        buf_deinit(&b);
    }
    if (rc)
        rlog_warn(r->id, "idempotency record not saved (redis %d)", rc);
}
