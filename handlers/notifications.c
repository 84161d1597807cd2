#include "handlers/notifications.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "notify/notify.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/paging.h"
#include "server/reqdb.h"

/* The in-app feed (GET /api/v1/me/notifications) and the caller's read mark, and the choice per
 * kind and channel (GET/PATCH /api/v1/me/notification-preferences). The rows are written by
 * notify_emit() (notify/notify.c) in the transactions of the changes. */

#define PREFS_MAX_CHANGES 64 /* more than kinds x channels */

/* The caller's unread count: 0, or -1 after replying. */
static int unread_count(struct req *r, int64_t *out)
{
    enum { UC_N };
    struct db_res res;
    if (req_exec(r, &res,
                 "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id"
                 " WHERE n.user_id = ? AND n.id > u.notif_read_id",
                 "i", r->user.id) < 0)
        return -1;
    *out = res.nrows ? db_get_i64(&res, 0, UC_N) : 0;
    db_res_clear(&res);
    return 0;
}

enum { NT_ID, NT_TYPE, NT_CREATED, NT_DATA, NT_READ_ID };
#define NT_SELECT                                                                                  \
    "SELECT n.id, n.type, n.created_at, n.data, u.notif_read_id FROM notifications n"              \
    " JOIN users u ON u.id = n.user_id"

void notifications_list(struct req *r)
{
    struct page pg;
    struct db_res res;
    int64_t unread;
    if (req_page(r, 20, 100, 1, &pg) < 0 ||
        req_exec(r, &res, NT_SELECT " WHERE n.user_id = ? AND n.id < ? ORDER BY n.id DESC LIMIT ?",
                 "iii", r->user.id, page_key(&pg, 0, INT64_MAX), (int64_t)pg.limit + 1) < 0)
        return;
    if (unread_count(r, &unread) < 0) {
        db_res_clear(&res);
        return;
    }
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n; i++) {
        cJSON *it = cJSON_CreateObject();
        int64_t id = db_get_i64(&res, i, NT_ID);
        cJSON_AddNumberToObject(it, "id", (double)id);
        cJSON_AddStringToObject(it, "type", db_get(&res, i, NT_TYPE));
        json_add_time(it, "created_at", db_get_time(&res, i, NT_CREATED));
        cJSON_AddBoolToObject(it, "read", id <= db_get_i64(&res, i, NT_READ_ID));
        cJSON *data = cJSON_Parse(db_get(&res, i, NT_DATA));
        cJSON_AddItemToObject(it, "data", cJSON_IsObject(data) ? data : cJSON_CreateObject());
        if (data && !cJSON_IsObject(data))
            cJSON_Delete(data);
        cJSON_AddItemToArray(items, it);
    }
    int64_t last = n ? db_get_i64(&res, n - 1, NT_ID) : 0;
    db_res_clear(&res);
    cJSON_AddNumberToObject(o, "unread", (double)unread);
    page_add_next(r, o, more, PAGE_KEYS(last));
    reply_json(r, 200, o);
}

void notifications_read(struct req *r)
{
    int64_t up_to = INT64_MAX;
    if (r->body_len) {
        cJSON *body = json_body(r);
        if (!body)
            return;
        int got = json_int(r, body, "up_to", false, 0, INT64_MAX, &up_to);
        cJSON_Delete(body);
        if (got < 0)
            return;
    }
    /* Never backwards, never past the caller's newest row (a later one arrives unread). */
    struct db_res res;
    int64_t unread;
    if (req_exec(r, &res,
                 "UPDATE users SET notif_read_id = GREATEST(notif_read_id, LEAST(?,"
                 " COALESCE((SELECT MAX(n.id) FROM notifications n WHERE n.user_id = ?), 0)))"
                 " WHERE id = ?",
                 "iii", up_to, r->user.id, r->user.id) < 0)
        return;
    db_res_clear(&res);
    if (unread_count(r, &unread) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "unread", (double)unread);
    reply_json(r, 200, o);
}

/* ---- preferences ---- */

static size_t nkinds(void)
{
    size_t n = 0;
    while (notify_kinds[n])
        n++;
    return n;
}

enum { PF_KIND, PF_CHANNEL, PF_ENABLED };
#define PF_SELECT "SELECT kind, channel, enabled FROM notification_prefs WHERE user_id = ?"

/* {items:[{kind, transactional, channels:{inapp, email}}]} from PF_SELECT rows. */
static cJSON *prefs_json(const struct db_res *res)
{
    size_t nk = nkinds();
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t k = 0; k < nk; k++) {
        bool on[2] = {true, true};
        for (size_t i = 0; i < res->nrows; i++) {
            if (strcmp(db_get(res, i, PF_KIND), notify_kinds[k]) != 0)
                continue;
            int c = json_enum_index(notify_channels, db_get(res, i, PF_CHANNEL));
            if (c >= 0 && c < 2)
                on[c] = db_get_i64(res, i, PF_ENABLED) != 0;
        }
        cJSON *it = cJSON_CreateObject();
        cJSON_AddStringToObject(it, "kind", notify_kinds[k]);
        bool tx = notify_transactional(notify_kinds[k]);
        cJSON_AddBoolToObject(it, "transactional", tx);
        cJSON *ch = cJSON_AddObjectToObject(it, "channels");
        cJSON_AddBoolToObject(ch, "inapp", on[0] || (tx && !on[1]));
        cJSON_AddBoolToObject(ch, "email", on[1]);
        cJSON_AddItemToArray(items, it);
    }
    return o;
}

void notifications_prefs_get(struct req *r)
{
    struct db_res res;
    if (req_exec(r, &res, PF_SELECT, "i", r->user.id) < 0)
        return;
    cJSON *o = prefs_json(&res);
    db_res_clear(&res);
    reply_json(r, 200, o);
}

struct pref_change {
    int kind, channel;
    bool enabled;
};

struct prefs_patch {
    int64_t user_id;
    struct pref_change ch[PREFS_MAX_CHANGES];
    size_t n;
};

static int prefs_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct prefs_patch *a = arg;
    int rc = 0;
    for (size_t i = 0; !rc && i < a->n; i++)
        rc = db_exec(db, NULL,
                     "INSERT INTO notification_prefs (user_id, kind, channel, enabled)"
                     " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE enabled = ?",
                     "issii", a->user_id, notify_kinds[a->ch[i].kind],
                     notify_channels[a->ch[i].channel], (int64_t)a->ch[i].enabled,
                     (int64_t)a->ch[i].enabled);
    if (rc)
        return rc;
    /* A transactional kind keeps one channel at least. */
    enum { PO_KIND };
    struct db_res res;
    rc = db_exec(db, &res,
                 "SELECT kind FROM notification_prefs WHERE user_id = ? AND enabled = 0"
                 " GROUP BY kind HAVING COUNT(DISTINCT channel) = 2",
                 "i", a->user_id);
    if (rc)
        return rc;
    for (size_t i = 0; i < res.nrows; i++) {
        const char *kind = db_get(&res, i, PO_KIND);
        if (notify_transactional(kind)) {
            char k[48];
            snprintf(k, sizeof(k), "%s", kind);
            db_res_clear(&res);
            return tx_fail(f, SD_ERR_CONFLICT, "transactional_kind", "enabled",
                           "%s is transactional: it can move between channels but keeps one", k);
        }
    }
    db_res_clear(&res);
    return 0;
}

/* One {kind, channel, enabled} object into *c: 0, or -1 after replying 400 naming the field. */
static int pref_change_read(struct req *r, const cJSON *o, struct pref_change *c)
{
    if (!cJSON_IsObject(o)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "changes",
                    "changes must be a list of {kind, channel, enabled} objects");
        return -1;
    }
    return json_enum(r, o, "kind", true, notify_kinds, &c->kind) < 0 ||
                   json_enum(r, o, "channel", true, notify_channels, &c->channel) < 0 ||
                   json_bool(r, o, "enabled", true, &c->enabled) < 0
               ? -1
               : 0;
}

void notifications_prefs_update(struct req *r)
{
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct prefs_patch a = {.user_id = r->user.id};
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "changes");
    if (list) {
        if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
            cJSON_GetArraySize(list) > PREFS_MAX_CHANGES) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "changes",
                        "changes must be a list of 1 to %d {kind, channel, enabled} objects",
                        PREFS_MAX_CHANGES);
            goto out;
        }
        if (cJSON_GetObjectItemCaseSensitive(body, "kind") ||
            cJSON_GetObjectItemCaseSensitive(body, "channel") ||
            cJSON_GetObjectItemCaseSensitive(body, "enabled")) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "changes",
                        "give either changes or one kind, channel and enabled, not both");
            goto out;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, list)
        {
            if (pref_change_read(r, it, &a.ch[a.n]) < 0)
                goto out;
            a.n++;
        }
    } else {
        if (pref_change_read(r, body, &a.ch[0]) < 0)
            goto out;
        a.n = 1;
    }
    struct db_res res;
    if (req_tx(r, prefs_tx, &a) < 0 || req_exec(r, &res, PF_SELECT, "i", r->user.id) < 0)
        goto out;
    cJSON *o = prefs_json(&res);
    db_res_clear(&res);
    reply_json(r, 200, o);
out:
    cJSON_Delete(body);
}
