#include "server/idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/app.h"
#include "server/auth.h"
#include "server/buf.h"
#include "server/config.h"
#include "server/err.h"
#include "server/http.h"
#include "server/log.h"
#include "server/rds.h"
#include "server/router.h"
#include "server/routes.h"

#define LEASE_S "120"
#define KEY_MAX 255

static void fingerprint(struct req *r)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%s %s\n", router_method_name(r->method), r->path);
    if (r->body_len)
        buf_append(&b, r->body, r->body_len);
    auth_sha256_hex(b.p, b.len, r->idem_fp);
    buf_deinit(&b);
}

/* Record: "P <fp>" while in flight; "D <fp> <status> <content-type>\n<body>" when done. */
static int replay(struct req *r, const struct rds_reply *rep)
{
    const char *s = rep->str;
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
    int status = 0;
    char ctype[80] = "";
    const char *nl = memchr(s, '\n', rep->len);
    if (!nl || sscanf(s + 67, "%d %79[^\n]", &status, ctype) < 1 || status < 200) {
        reply_error(r, SD_ERR_INTERNAL, NULL, NULL, "corrupt idempotency record");
        return -1;
    }
    size_t blen = rep->len - (size_t)(nl + 1 - s);
    char *body = xmalloc(blen + 1);
    memcpy(body, nl + 1, blen);
    body[blen] = '\0';
    reply_header(r, "Idempotent-Replayed", "true");
    reply_body(r, status, strstr(ctype, "json") ? "application/json; charset=utf-8" : NULL, body,
               blen);
    return -1;
}

int idem_begin(struct req *r)
{
    const char *key = req_header(r, "Idempotency-Key");
    size_t kl = strlen(key);
    if (kl == 0 || kl > KEY_MAX) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "Idempotency-Key",
                    "Idempotency-Key must have 1 to %d characters", KEY_MAX);
        return -1;
    }
    char khex[65], rkey[256], val[80];
    auth_sha256_hex(key, kl, khex);
    rds_key(r->w->rds, rkey, sizeof(rkey), "idem:%lld:%s", (long long)r->user.id, khex);
    fingerprint(r);
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
        buf_printf(&b, "D %s %d %s\n", r->idem_fp, s, r->resp_type ? r->resp_type : "-");
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
