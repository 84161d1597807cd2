#include "handlers/health.h"

#include <cjson/cJSON.h>

#include "server/app.h"
#include "server/buf.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/query.h"
#include "server/rds.h"
#include "server/reqdb.h"
#include "server/server.h"

void health_live(struct req *r)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    reply_body(r, 200, "application/json; charset=utf-8", xstrdup(ok), sizeof(ok) - 1);
}

void health_ready(struct req *r)
{
    int dbrc = db_ping(r->w->db);
    int rdrc = rds_ping(r->w->rds);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "mysql", dbrc == 0 ? "up" : "down");
    cJSON_AddStringToObject(o, "redis", rdrc == 0 ? "up" : "down");
    char ep[96];
    if (dbrc == 0 && db_endpoint(r->w->db, ep, sizeof(ep))) {
        /* Which database endpoint this worker uses (mysql_hosts), and whether it is a Galera
         * node (then it was checked to be ready, primary and synced). */
        cJSON_AddStringToObject(o, "mysql_endpoint", ep);
        cJSON_AddBoolToObject(o, "galera", db_is_galera(r->w->db));
    }
    if (dbrc == 0 && rdrc == 0) {
        cJSON_AddStringToObject(o, "status", "ready");
        reply_json(r, 200, o);
        return;
    }
    cJSON_Delete(o);
    reply_error(r, SD_ERR_UNAVAILABLE, "not_ready", NULL, "mysql %s, redis %s",
                dbrc == 0 ? "up" : "down", rdrc == 0 ? "up" : "down");
}

void health_metrics(struct req *r)
{
    struct buf b;
    buf_init(&b);
    server_metrics(r->app->srv, &b);
    size_t len;
    char *s = buf_take(&b, &len);
    reply_body(r, 200, "text/plain; version=0.0.4; charset=utf-8", s, len);
}

void health_debug_sleep(struct req *r)
{
    int64_t ms = 1000;
    struct db_res res; /* read to the end: the reply waits for the sleep */
    if (req_query_int(r, "ms", false, 0, 10000, &ms) < 0 ||
        req_exec(r, &res, "SELECT SLEEP(?)", "d", (double)ms / 1000.0) < 0)
        return;
    db_res_clear(&res);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "slept_ms", (double)ms);
    reply_json(r, 200, o);
}
