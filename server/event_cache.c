#include "server/event_cache.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "server/app.h"
#include "server/config.h"
#include "server/debug.h"
#include "server/http.h"
#include "server/lcache.h"
#include "server/log.h"
#include "server/rds.h"

#define GEN_TTL_S "86400"

static const char drop_lua[] = "redis.call('INCR', KEYS[2])"
                               " redis.call('EXPIRE', KEYS[2], ARGV[1])"
                               " return redis.call('DEL', KEYS[1])";
static const char put_lua[] = "if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then"
                              " return 0 end"
                              " redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])"
                              " return 1";

static void entry_key(const struct req *r, char *buf, size_t len, int64_t id)
{
    rds_key(r->w->rds, buf, len, "cache:event:%lld", (long long)id);
}

static void gen_key(const struct req *r, char *buf, size_t len, int64_t id)
{
    rds_key(r->w->rds, buf, len, "cache:event:%lld:gen", (long long)id);
}

cJSON *event_cache_get(struct req *r, int64_t id)
{
    if (r->w->cfg->event_cache_ttl_s <= 0)
        return NULL;
    char key[128];
    entry_key(r, key, sizeof(key), id);
    struct rds_reply rep;
    if (rds_cmd(r->w->rds, &rep, "GET %s", key) != 0)
        return NULL;
    cJSON *o = NULL;
    if (rep.type == RDS_STRING)
        o = cJSON_ParseWithLength(rep.str, rep.len);
    rds_reply_clear(&rep);
    return o;
}

void event_cache_begin(struct req *r, int64_t id, struct event_cache_ticket *t)
{
    memset(t, 0, sizeof(*t));
    if (r->w->cfg->event_cache_ttl_s <= 0)
        return;
    char key[128];
    gen_key(r, key, sizeof(key), id);
    struct rds_reply rep;
    if (rds_cmd(r->w->rds, &rep, "GET %s", key) != 0)
        return;
    snprintf(t->gen, sizeof(t->gen), "%s", rep.type == RDS_STRING ? rep.str : "0");
    rds_reply_clear(&rep);
    t->armed = true;
}

void event_cache_put(struct req *r, int64_t id, const struct event_cache_ticket *t, const cJSON *o)
{
    int ttl = r->w->cfg->event_cache_ttl_s;
    if (!t->armed || ttl <= 0)
        return;
    debug_hold(r, "event_cache_put", id);
    char key[128], gkey[128], ttls[16];
    entry_key(r, key, sizeof(key), id);
    gen_key(r, gkey, sizeof(gkey), id);
    snprintf(ttls, sizeof(ttls), "%d", ttl);
    char *s = cJSON_PrintUnformatted(o);
    if (rds_cmd(r->w->rds, NULL, "EVAL %s 2 %s %s %s %b %s", put_lua, key, gkey, t->gen, s,
                strlen(s), ttls) != 0)
        rlog_info(r->id, "event cache unavailable");
    cJSON_free(s);
}

void event_cache_drop(struct req *r, int64_t id)
{
    char key[128], gen[128];
    entry_key(r, key, sizeof(key), id);
    gen_key(r, gen, sizeof(gen), id);
    if (rds_cmd(r->w->rds, NULL, "EVAL %s 2 %s %s %s", drop_lua, key, gen, GEN_TTL_S) != 0)
        rlog_warn(r->id, "event %lld cache entry not dropped", (long long)id);
    lcache_invalidate(r->w->rds, "/api/v1/events/{id}", (long long)id);
}
