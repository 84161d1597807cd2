#include "handlers/webhooks.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/channel.h"
#include "notify/webhook.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"

/* Endpoints one event or one organization may have. */
#define WEBHOOKS_PER_SCOPE 10

#define EP_SELECT                                                                                  \
    "SELECT w.id, w.event_id, w.org_id, w.url, w.types, w.enabled, w.failures,"                    \
    " w.disabled_reason, w.created_by, w.created_at, w.updated_at,"                                \
    " IF(w.prev_secret_until > UTC_TIMESTAMP(3), w.prev_secret_until, NULL), e.organizer_id"       \
    " FROM webhook_endpoints w LEFT JOIN events e ON e.id = w.event_id"
enum {
    EP_ID,
    EP_EVENT,
    EP_ORG,
    EP_URL,
    EP_TYPES,
    EP_ENABLED,
    EP_FAILURES,
    EP_REASON,
    EP_BY,
    EP_CREATED,
    EP_UPDATED,
    EP_PREV_UNTIL,
    EP_ORGANIZER
};

static void add_id_or_null(cJSON *o, const char *name, const struct db_res *res, size_t row,
                           size_t col)
{
    if (db_get(res, row, col))
        cJSON_AddNumberToObject(o, name, (double)db_get_i64(res, row, col));
    else
        cJSON_AddNullToObject(o, name);
}

/* The API form of an EP_SELECT row (never the secret). */
static cJSON *ep_json(const struct db_res *res, size_t row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, row, EP_ID));
    add_id_or_null(o, "event_id", res, row, EP_EVENT);
    add_id_or_null(o, "organization_id", res, row, EP_ORG);
    cJSON_AddStringToObject(o, "url", db_get(res, row, EP_URL));
    cJSON *types = cJSON_AddArrayToObject(o, "events");
    const char *t = db_get(res, row, EP_TYPES);
    while (t && *t) {
        size_t n = strcspn(t, ",");
        char one[48];
        snprintf(one, sizeof(one), "%.*s", (int)n, t);
        cJSON_AddItemToArray(types, cJSON_CreateString(one));
        t += n + (t[n] == ',');
    }
    cJSON_AddBoolToObject(o, "enabled", db_get_i64(res, row, EP_ENABLED) != 0);
    cJSON_AddNumberToObject(o, "failures", (double)db_get_i64(res, row, EP_FAILURES));
    json_add_str_or_null(o, "disabled_reason", db_get(res, row, EP_REASON));
    cJSON_AddNumberToObject(o, "created_by", (double)db_get_i64(res, row, EP_BY));
    json_add_time(o, "created_at", db_get_time(res, row, EP_CREATED));
    json_add_time(o, "updated_at", db_get_time(res, row, EP_UPDATED));
    json_add_time(o, "previous_secret_expires_at", db_get_time(res, row, EP_PREV_UNTIL));
    return o;
}

/* Endpoint `id` when the caller manages it (the event's organizer, a member of the
 * organization, an admin): 0 with its row in *res, or -1 after replying (404 webhook_not_found
 * to everyone else: an endpoint's existence is not disclosed). */
static int ep_access(struct req *r, int64_t id, struct db_res *res)
{
    if (req_exec(r, res, EP_SELECT " WHERE w.id = ?", "i", id) < 0)
        return -1;
    bool ok = false;
    if (res->nrows && db_get(res, 0, EP_EVENT)) {
        ok = access_event_manager(r, db_get_i64(res, 0, EP_ORGANIZER));
    } else if (res->nrows) {
        ok = (r->user.roles & ROLE_ADMIN) != 0;
        int rc = ok ? 0 : access_is_member(r->w->db, db_get_i64(res, 0, EP_ORG), r->user.id, &ok);
        if (rc) {
            db_res_clear(res);
            reply_fail(r, rc);
            return -1;
        }
    }
    if (ok)
        return 0;
    db_res_clear(res);
    reply_error(r, SD_ERR_NOT_FOUND, "webhook_not_found", NULL, "no webhook endpoint %lld",
                (long long)id);
    return -1;
}

/* Replies endpoint `id` as stored now, with `secret` ("whsec_...") when given. */
static void reply_ep(struct req *r, int64_t id, int status, const char *secret)
{
    struct db_res res;
    if (req_exec(r, &res, EP_SELECT " WHERE w.id = ?", "i", id) < 0)
        return;
    if (!res.nrows) { /* deleted meanwhile */
        reply_error(r, SD_ERR_NOT_FOUND, "webhook_not_found", NULL, "no webhook endpoint %lld",
                    (long long)id);
        return;
    }
    cJSON *o = ep_json(&res, 0);
    db_res_clear(&res);
    if (secret) {
        char s[WEBHOOK_SECRET_MAX];
        snprintf(s, sizeof(s), "whsec_%s", secret);
        cJSON_AddStringToObject(o, "secret", s);
    }
    if (status == 201)
        reply_created(r, o, "/api/v1/webhooks/%lld", (long long)id);
    else
        reply_json(r, status, o);
}

/* ---------------------------------------------------------------- body fields */

/* `url`: within LIMIT_WEBHOOK_URL, http(s), and not an address webhooks may not reach. */
static int body_url(struct req *r, const cJSON *body, bool required, const char **url)
{
    int rc = json_text(r, body, "url", required, LIMIT_WEBHOOK_URL, url);
    if (rc)
        return rc;
    const char *reason;
    char addr[64];
    rc = webhook_url_check(*url, r->w->cfg->webhook_allow_loopback, &reason, addr, sizeof(addr));
    if (rc == 0)
        return 0;
    if (rc == -2)
        reply_error(r, SD_ERR_INVALID, "url_not_allowed", "url",
                    "webhooks are not sent to %s addresses (%s)", reason, addr);
    else
        reply_error(r, SD_ERR_INVALID, "validation_failed", "url",
                    "url must be an absolute http or https URL, ASCII without spaces");
    return -1;
}

/* `events`: a non-empty array of known types; duplicates fold. Writes them comma-separated in
 * the order of webhook_types (what webhook_endpoints.types stores) into out. */
static int body_events(struct req *r, const cJSON *body, bool required, char *out, size_t outlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "events");
    if (!v || cJSON_IsNull(v)) {
        if (!required)
            return 1;
        reply_error(r, SD_ERR_INVALID, "validation_failed", "events", "%s is required", "events");
        return -1;
    }
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
    if (n < 1 || n > 32) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "events",
                    "events must be an array of 1 to 32 event types");
        return -1;
    }
    bool want[32] = {false};
    const cJSON *t;
    cJSON_ArrayForEach(t, v)
    {
        int k = cJSON_IsString(t) ? json_enum_index(webhook_types, t->valuestring) : -1;
        if (k < 0) {
            reply_error(
                r, SD_ERR_INVALID, "validation_failed", "events",
                "events: \"%.64s\" is not a known event type (docs/openapi.yaml lists them)",
                cJSON_IsString(t) ? t->valuestring : "?");
            return -1;
        }
        want[k] = true;
    }
    size_t len = 0;
    out[0] = 0;
    for (int k = 0; webhook_types[k]; k++)
        if (want[k])
            len +=
                (size_t)snprintf(out + len, outlen - len, "%s%s", len ? "," : "", webhook_types[k]);
    return 0;
}

/* ---------------------------------------------------------------- create */

struct create_args {
    struct req *r;
    int64_t event_id, org_id; /* one of them */
    const char *url;
    char types[400];
    char secret[WEBHOOK_SECRET_MAX];
    int64_t id;
};

static int create_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct create_args *a = arg;
    int rc;
    struct db_res res;
    if (a->event_id) {
        struct event_ref ev; /* under the event's lock: the count below cannot race */
        rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, f);
    } else {
        struct org_ref org;
        rc = access_org_tx(db, a->r, a->org_id, ACCESS_MANAGE | ACCESS_ADMIN_OK, &org, f);
        if (!rc)
            rc = db_exec(db, &res, "SELECT id FROM organizations WHERE id = ? FOR UPDATE", "i",
                         a->org_id);
        if (!rc)
            db_res_clear(&res);
    }
    if (rc)
        return rc;
    rc = db_exec(db, &res,
                 a->event_id ? "SELECT COUNT(*) FROM webhook_endpoints WHERE event_id = ?"
                             : "SELECT COUNT(*) FROM webhook_endpoints WHERE org_id = ?",
                 "i", a->event_id ? a->event_id : a->org_id);
    if (rc)
        return rc;
    int64_t count = db_get_i64(&res, 0, 0);
    db_res_clear(&res);
    if (count >= WEBHOOKS_PER_SCOPE)
        return tx_fail(f, SD_ERR_CONFLICT, "webhook_limit_reached", NULL,
                       "at most %d webhook endpoints each; delete one first", WEBHOOKS_PER_SCOPE);
    rc = db_exec(db, &res,
                 "INSERT INTO webhook_endpoints (event_id, org_id, url, types, secret, enabled,"
                 " failures, created_by, created_at, updated_at)"
                 " VALUES (?, ?, ?, ?, ?, 1, 0, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
                 "nnsssi", a->event_id, a->org_id, a->url, a->types, a->secret, a->r->user.id);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    char subject[64];
    snprintf(subject, sizeof(subject), "webhook %lld", (long long)a->id);
    return a->event_id ? audit_record(db, a->r, a->event_id, "webhook_create", subject, a->url) : 0;
}

static void create(struct req *r, bool event_scope)
{
    struct create_args a = {.r = r};
    int64_t id;
    if (req_param_id(r, 0, &id) < 0)
        return;
    if (event_scope) {
        struct event_ref ev;
        a.event_id = id;
        if (access_event(r, id, ACCESS_MANAGE, &ev) < 0)
            return;
    } else {
        struct org_ref org;
        a.org_id = id;
        if (access_org(r, id, ACCESS_MANAGE | ACCESS_ADMIN_OK, &org) < 0)
            return;
    }
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (body_url(r, body, true, &a.url) < 0 ||
        body_events(r, body, true, a.types, sizeof(a.types)) < 0)
        goto out;
    webhook_key_new(a.secret, sizeof(a.secret));
    if (req_tx(r, create_tx, &a) < 0)
        goto out;
    reply_ep(r, a.id, 201, a.secret);
out:
    cJSON_Delete(body);
}

void webhooks_create_event(struct req *r)
{
    create(r, true);
}

void webhooks_create_org(struct req *r)
{
    create(r, false);
}

/* ---------------------------------------------------------------- lists */

static void list(struct req *r, bool event_scope)
{
    int64_t id;
    if (req_param_id(r, 0, &id) < 0)
        return;
    if (event_scope) {
        struct event_ref ev;
        if (access_event(r, id, ACCESS_MANAGE, &ev) < 0)
            return;
    } else {
        struct org_ref org;
        if (access_org(r, id, ACCESS_MANAGE | ACCESS_ADMIN_OK, &org) < 0)
            return;
    }
    struct db_res res;
    if (req_exec(r, &res,
                 event_scope ? EP_SELECT " WHERE w.event_id = ? ORDER BY w.id"
                             : EP_SELECT " WHERE w.org_id = ? ORDER BY w.id",
                 "i", id) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < res.nrows; i++)
        cJSON_AddItemToArray(items, ep_json(&res, i));
    db_res_clear(&res);
    reply_json(r, 200, o);
}

void webhooks_list_event(struct req *r)
{
    list(r, true);
}

void webhooks_list_org(struct req *r)
{
    list(r, false);
}

/* ---------------------------------------------------------------- one endpoint */

void webhooks_get(struct req *r)
{
    int64_t id;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || ep_access(r, id, &res) < 0)
        return;
    cJSON *o = ep_json(&res, 0);
    db_res_clear(&res);
    reply_json(r, 200, o);
}

struct update_args {
    int64_t id;
    const char *url;   /* NULL: unchanged */
    const char *types; /* NULL: unchanged */
    int enabled;       /* -1: unchanged */
};

static int update_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct update_args *a = arg;
    (void)f;
    int rc = 0;
    if (a->url)
        rc = db_exec(db, NULL, "UPDATE webhook_endpoints SET url = ? WHERE id = ?", "si", a->url,
                     a->id);
    if (!rc && a->types)
        rc = db_exec(db, NULL, "UPDATE webhook_endpoints SET types = ? WHERE id = ?", "si",
                     a->types, a->id);
    /* Enabling starts the count of failures in a row afresh (and forgets why it stopped). */
    if (!rc && a->enabled == 1)
        rc =
            db_exec(db, NULL,
                    "UPDATE webhook_endpoints SET enabled = 1, failures = 0, disabled_reason = NULL"
                    " WHERE id = ? AND enabled = 0",
                    "i", a->id);
    if (!rc && a->enabled == 0)
        rc = db_exec(db, NULL,
                     "UPDATE webhook_endpoints SET enabled = 0,"
                     " disabled_reason = 'disabled through the API' WHERE id = ? AND enabled = 1",
                     "i", a->id);
    if (!rc)
        rc = db_exec(db, NULL,
                     "UPDATE webhook_endpoints SET updated_at = UTC_TIMESTAMP(3)"
                     " WHERE id = ?",
                     "i", a->id);
    return rc;
}

void webhooks_update(struct req *r)
{
    struct update_args a = {.enabled = -1};
    struct db_res res;
    if (req_param_id(r, 0, &a.id) < 0 || ep_access(r, a.id, &res) < 0)
        return;
    db_res_clear(&res);
    cJSON *body = json_body(r);
    if (!body)
        return;
    char types[400];
    bool enabled;
    int rc = body_url(r, body, false, &a.url);
    if (rc == 1)
        a.url = NULL;
    if (rc >= 0) {
        rc = body_events(r, body, false, types, sizeof(types));
        a.types = rc == 0 ? types : NULL;
    }
    if (rc >= 0) {
        rc = json_bool(r, body, "enabled", false, &enabled);
        if (rc == 0)
            a.enabled = enabled;
    }
    if (rc >= 0 && req_tx(r, update_tx, &a) == 0)
        reply_ep(r, a.id, 200, NULL);
    cJSON_Delete(body);
}

void webhooks_delete(struct req *r)
{
    int64_t id;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || ep_access(r, id, &res) < 0)
        return;
    db_res_clear(&res);
    /* Its rows still in the outbox give up at their next attempt (the endpoint is gone). */
    if (req_exec(r, NULL, "DELETE FROM webhook_endpoints WHERE id = ?", "i", id) < 0 ||
        req_exec(r, NULL, "DELETE FROM webhook_deliveries WHERE endpoint_id = ?", "i", id) < 0)
        return;
    reply_empty(r, 204);
}

void webhooks_rotate_secret(struct req *r)
{
    int64_t id;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || ep_access(r, id, &res) < 0)
        return;
    db_res_clear(&res);
    char secret[WEBHOOK_SECRET_MAX];
    webhook_key_new(secret, sizeof(secret));
    /* The old key keeps signing beside the new one for webhook_secret_grace_s (a second v1
     * signature): a receiver deploys the new key without losing deliveries meanwhile. Only the
     * last previous key is kept: rotating twice within the grace drops the older one. */
    if (req_exec(r, NULL,
                 "UPDATE webhook_endpoints SET prev_secret = secret,"
                 " prev_secret_until = UTC_TIMESTAMP(3) + INTERVAL ? SECOND, secret = ?,"
                 " updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
                 "isi", (int64_t)r->w->cfg->webhook_secret_grace_s, secret, id) < 0)
        return;
    reply_ep(r, id, 200, secret);
}

/* ---------------------------------------------------------------- the delivery log */

#define DL_SELECT                                                                                  \
    "SELECT d.id, d.outbox_id, o.msg_id, o.type, d.attempt, d.status_code, d.error,"               \
    " d.duration_ms, d.created_at FROM webhook_deliveries d LEFT JOIN outbox o ON o.id = "         \
    "d.outbox_id"
enum { DL_ID, DL_OUTBOX, DL_MSG, DL_TYPE, DL_ATTEMPT, DL_STATUS, DL_ERROR, DL_MS, DL_CREATED };

void webhooks_deliveries(struct req *r)
{
    int64_t id;
    struct page pg;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || req_page(r, 50, 200, 1, &pg) < 0 ||
        ep_access(r, id, &res) < 0)
        return;
    db_res_clear(&res);
    /* Newest first. */
    if (req_exec(r, &res,
                 DL_SELECT " WHERE d.endpoint_id = ? AND d.id < ? ORDER BY d.id DESC LIMIT ?",
                 "iii", id, page_key(&pg, 0, INT64_MAX), (int64_t)pg.limit + 1) < 0)
        return;
    cJSON *items = cJSON_CreateArray();
    size_t n = res.nrows > (size_t)pg.limit ? (size_t)pg.limit : res.nrows;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)db_get_i64(&res, i, DL_ID));
        cJSON_AddNumberToObject(o, "outbox_id", (double)db_get_i64(&res, i, DL_OUTBOX));
        json_add_str_or_null(o, "message_id", db_get(&res, i, DL_MSG));
        json_add_str_or_null(o, "type", db_get(&res, i, DL_TYPE));
        cJSON_AddNumberToObject(o, "attempt", (double)db_get_i64(&res, i, DL_ATTEMPT));
        add_id_or_null(o, "status_code", &res, i, DL_STATUS);
        cJSON_AddBoolToObject(o, "ok", !db_get(&res, i, DL_ERROR));
        json_add_str_or_null(o, "error", db_get(&res, i, DL_ERROR));
        cJSON_AddNumberToObject(o, "duration_ms", (double)db_get_i64(&res, i, DL_MS));
        json_add_time(o, "created_at", db_get_time(&res, i, DL_CREATED));
        cJSON_AddItemToArray(items, o);
    }
    bool more = res.nrows > (size_t)pg.limit;
    int64_t last = n ? db_get_i64(&res, n - 1, DL_ID) : 0;
    db_res_clear(&res);
    reply_page(r, items, more, PAGE_KEYS(last));
}

/* ---------------------------------------------------------------- debug */

enum { OB_ID, OB_MSG, OB_TYPE, OB_ENDPOINT, OB_EVENT, OB_PAYLOAD, OB_ATTEMPTS, OB_CREATED };

void webhooks_debug_deliver(struct req *r)
{
    int64_t id;
    struct db_res res;
    if (req_query_id(r, "outbox_id", true, &id) < 0 ||
        req_exec(r, &res,
                 "SELECT id, msg_id, type, endpoint_id, event_id, payload, attempts, created_at"
                 " FROM outbox WHERE id = ? AND channel = 'webhook'",
                 "i", id) < 0)
        return;
    if (!res.nrows) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no webhook outbox row %lld", (long long)id);
        return;
    }
    struct outbox_row row = {
        .id = id,
        .msg_id = db_get(&res, 0, OB_MSG),
        .channel = "webhook",
        .type = db_get(&res, 0, OB_TYPE),
        .endpoint_id = db_get_i64(&res, 0, OB_ENDPOINT),
        .event_id = db_get_i64(&res, 0, OB_EVENT),
        .payload = db_get(&res, 0, OB_PAYLOAD),
        .attempts = (int)db_get_i64(&res, 0, OB_ATTEMPTS),
        .created_at = db_get_time(&res, 0, OB_CREATED),
    };
    char err[300] = "";
    int rc = webhook_deliver_db(r->app, r->w->db, &row, err, sizeof(err));
    db_res_clear(&res);
    /* As a dispatcher would: one more attempt made. */
    if (req_exec(r, NULL, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", "i", id) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "result",
                            rc == DELIVER_OK      ? "ok"
                            : rc == DELIVER_RETRY ? "retry"
                                                  : "give_up");
    cJSON_AddStringToObject(o, "error", err);
    reply_json(r, 200, o);
}
