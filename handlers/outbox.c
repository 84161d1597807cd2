#include "handlers/outbox.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"

static const char *const statuses[] = {"dead", "pending", "sent", NULL};

/* One outbox row (OB_* columns). */
enum {
    OB_ID,
    OB_MSG,
    OB_CHANNEL,
    OB_TYPE,
    OB_USER,
    OB_ENDPOINT,
    OB_EVENT,
    OB_STATUS,
    OB_ATTEMPTS,
    OB_NEXT,
    OB_ERROR,
    OB_CREATED,
    OB_SENT,
    OB_PAYLOAD
};
#define OB_SELECT                                                                                  \
    "SELECT id, msg_id, channel, type, user_id, endpoint_id, event_id, status, attempts, next_at," \
    " last_error, created_at, sent_at, payload FROM outbox"

static void add_id_or_null(cJSON *o, const char *name, const struct db_res *res, size_t i,
                           size_t col)
{
    if (db_get(res, i, col))
        cJSON_AddNumberToObject(o, name, (double)db_get_i64(res, i, col));
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *row_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, OB_ID));
    cJSON_AddStringToObject(o, "msg_id", db_get(res, i, OB_MSG));
    cJSON_AddStringToObject(o, "channel", db_get(res, i, OB_CHANNEL));
    cJSON_AddStringToObject(o, "type", db_get(res, i, OB_TYPE));
    add_id_or_null(o, "user_id", res, i, OB_USER);
    add_id_or_null(o, "endpoint_id", res, i, OB_ENDPOINT);
    add_id_or_null(o, "event_id", res, i, OB_EVENT);
    cJSON_AddStringToObject(o, "status", db_get(res, i, OB_STATUS));
    cJSON_AddNumberToObject(o, "attempts", (double)db_get_i64(res, i, OB_ATTEMPTS));
    json_add_time(o, "next_at", db_get_time(res, i, OB_NEXT));
    const char *err = db_get(res, i, OB_ERROR);
    if (err)
        cJSON_AddStringToObject(o, "last_error", err);
    else
        cJSON_AddNullToObject(o, "last_error");
    json_add_time(o, "created_at", db_get_time(res, i, OB_CREATED));
    json_add_time(o, "sent_at", db_get_time(res, i, OB_SENT));
    cJSON *payload = cJSON_Parse(db_get(res, i, OB_PAYLOAD) ? db_get(res, i, OB_PAYLOAD) : "");
    if (!cJSON_IsObject(payload)) {
        cJSON_Delete(payload);
        payload = cJSON_CreateObject();
    }
    cJSON_AddItemToObject(o, "payload", payload);
    return o;
}

void outbox_list(struct req *r)
{
    int status = 0;
    struct page pg;
    struct db_res res;
    if (auth_require(r, ROLE_ADMIN) < 0 ||
        req_query_enum(r, "status", false, statuses, &status) < 0 ||
        req_page(r, 50, 500, 1, &pg) < 0)
        return;
    /* newest first */
    if (req_exec(r, &res, OB_SELECT " WHERE status = ? AND id < ? ORDER BY id DESC LIMIT ?", "sii",
                 statuses[status], page_key(&pg, 0, INT64_MAX), (int64_t)pg.limit + 1) < 0)
        return;
    cJSON *items = cJSON_CreateArray();
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, row_json(&res, i));
    int64_t last = n ? db_get_i64(&res, n - 1, OB_ID) : 0;
    db_res_clear(&res);
    reply_page(r, items, more, PAGE_KEYS(last));
}

void outbox_retry(struct req *r)
{
    int64_t id;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || auth_require(r, ROLE_ADMIN) < 0 ||
        req_exec(r, &res,
                 "UPDATE outbox SET status = 'pending', attempts = 0, last_error = NULL,"
                 " next_at = UTC_TIMESTAMP(3) WHERE id = ? AND status = 'dead'",
                 "i", id) < 0)
        return;
    bool changed = res.affected > 0;
    db_res_clear(&res);
    if (req_exec(r, &res, OB_SELECT " WHERE id = ?", "i", id) < 0)
        return;
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, "notification_not_found", NULL, "no notification %lld",
                    (long long)id);
        return;
    }
    if (!changed) {
        char status[16];
        snprintf(status, sizeof(status), "%s", db_get(&res, 0, OB_STATUS));
        db_res_clear(&res);
        reply_error(r, SD_ERR_CONFLICT, "notification_not_dead",
                    NULL, "only a dead notification can be retried (this one is %s)", status);
        return;
    }
    cJSON *o = row_json(&res, 0);
    db_res_clear(&res);
    reply_json(r, 200, o);
}
