#include "server/rds.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/err.h"
#include "server/log.h"
#include "server/timeutil.h"

#define RETRY_CONNECT_US 200000

struct rds {
    const struct config *cfg;
    redisContext *ctx;
    int64_t last_fail_us;
};

static atomic_bool g_rds_up = false;

bool rds_up(void)
{
    return atomic_load_explicit(&g_rds_up, memory_order_relaxed);
}

struct rds *rds_new(const struct config *cfg)
{
    struct rds *r = xcalloc(1, sizeof(*r));
    r->cfg = cfg;
    return r;
}

void rds_free(struct rds *r)
{
    if (!r)
        return;
    if (r->ctx)
        redisFree(r->ctx);
    free(r);
}

/* ---- where the master is: redis_host:redis_port, or (redis_sentinels) what the sentinels say.
 * hiredis 0.14 knows nothing of Sentinel: ask one with SENTINEL get-master-addr-by-name, then
 * check that the server named really is a master (ROLE): just after a failover a sentinel may
 * still name the old one. */

static pthread_mutex_t g_master_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_master[96];   /* the last master named, for the log */
static int g_sentinel_next; /* the sentinel that answered last is asked first */

static redisContext *connect_to(const char *host, int port, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK)
        return c;
    if (c)
        redisFree(c);
    return NULL;
}

static int ask_sentinels(const struct config *cfg, char *host, size_t hlen, int *port)
{
    struct cfg_host s[CFG_HOSTS_MAX];
    int n = cfg_hosts_parse(cfg->redis_sentinels, s, CFG_HOSTS_MAX);
    pthread_mutex_lock(&g_master_mu);
    int first = g_sentinel_next;
    pthread_mutex_unlock(&g_master_mu);
    for (int k = 0; k < n; k++) {
        int i = (first + k) % n;
        redisContext *c = connect_to(s[i].host, s[i].port, cfg->redis_timeout_ms);
        if (!c)
            continue;
        redisReply *rep =
            redisCommand(c, "SENTINEL get-master-addr-by-name %s", cfg->redis_master_name);
        bool ok = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
                  rep->element[0]->type == REDIS_REPLY_STRING &&
                  rep->element[1]->type == REDIS_REPLY_STRING;
        if (ok) {
            snprintf(host, hlen, "%s", rep->element[0]->str);
            *port = atoi(rep->element[1]->str);
            pthread_mutex_lock(&g_master_mu);
            g_sentinel_next = i;
            pthread_mutex_unlock(&g_master_mu);
        }
        if (rep)
            freeReplyObject(rep);
        redisFree(c);
        if (ok)
            return 0;
    }
    return SD_ERR_UNAVAILABLE;
}

static bool is_master(redisContext *c)
{
    redisReply *rep = redisCommand(c, "ROLE");
    bool ok = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 &&
              rep->element[0]->type == REDIS_REPLY_STRING &&
              strcmp(rep->element[0]->str, "master") == 0;
    if (rep)
        freeReplyObject(rep);
    return ok;
}

/* A connection to the master (NULL when none answers). */
static redisContext *connect_master(const struct config *cfg)
{
    if (!cfg->redis_sentinels[0])
        return connect_to(cfg->redis_host, cfg->redis_port, cfg->redis_timeout_ms);
    char host[64];
    int port;
    if (ask_sentinels(cfg, host, sizeof(host), &port) != 0)
        return NULL;
    redisContext *c = connect_to(host, port, cfg->redis_timeout_ms);
    if (c && !is_master(c)) {
        redisFree(c);
        return NULL;
    }
    if (c) {
        char name[96];
        snprintf(name, sizeof(name), "%s:%d", host, port);
        pthread_mutex_lock(&g_master_mu);
        bool changed = strcmp(name, g_master) != 0;
        if (changed)
            snprintf(g_master, sizeof(g_master), "%s", name);
        pthread_mutex_unlock(&g_master_mu);
        if (changed)
            log_info("redis: the sentinels name %s as master of %s", name, cfg->redis_master_name);
    }
    return c;
}

static void fail(struct rds *r, const char *what)
{
    if (!r->last_fail_us)
        log_warn("redis: %s (%s); will reconnect", what, r->ctx ? r->ctx->errstr : "no context");
    if (r->ctx)
        redisFree(r->ctx);
    r->ctx = NULL;
    r->last_fail_us = time_mono_us();
    atomic_store_explicit(&g_rds_up, false, memory_order_relaxed);
}

static int ensure(struct rds *r)
{
    if (r->ctx)
        return 0;
    if (r->last_fail_us && time_mono_us() - r->last_fail_us < RETRY_CONNECT_US)
        return SD_ERR_UNAVAILABLE;
    r->ctx = connect_master(r->cfg);
    if (!r->ctx) {
        fail(r, r->cfg->redis_sentinels[0] ? "no master (asked the sentinels)" : "cannot connect");
        return SD_ERR_UNAVAILABLE;
    }
    if (r->last_fail_us)
        log_info("redis: connected again");
    r->last_fail_us = 0;
    atomic_store_explicit(&g_rds_up, true, memory_order_relaxed);
    return 0;
}

static void copy_reply(struct rds_reply *out, const redisReply *rep)
{
    memset(out, 0, sizeof(*out));
    switch (rep->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        out->type = rep->type == REDIS_REPLY_STRING ? RDS_STRING : RDS_STATUS;
        out->str = xstrndup(rep->str, rep->len);
        out->len = rep->len;
        break;
    case REDIS_REPLY_INTEGER:
        out->type = RDS_INTEGER;
        out->integer = rep->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out->type = RDS_ARRAY;
        out->n = rep->elements;
        out->elem = xcalloc(rep->elements + 1, sizeof(struct rds_reply));
        for (size_t i = 0; i < rep->elements; i++)
            copy_reply(&out->elem[i], rep->element[i]);
        break;
    default:
        out->type = RDS_NIL;
    }
}

static int finish(struct rds *r, redisReply *rep, struct rds_reply *out)
{
    if (!rep) {
        fail(r, "command failed");
        return SD_ERR_UNAVAILABLE;
    }
    if (rep->type == REDIS_REPLY_ERROR &&
        (strncmp(rep->str, "READONLY", 8) == 0 || strncmp(rep->str, "LOADING", 7) == 0 ||
         strncmp(rep->str, "MASTERDOWN", 10) == 0)) {
        /* A master demoted by a failover (or one still loading): find the master again. */
        log_warn("redis: %.*s", (int)rep->len, rep->str);
        freeReplyObject(rep);
        fail(r, "the server is no longer a writable master");
        return SD_ERR_UNAVAILABLE;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        log_error("redis: %.*s", (int)rep->len, rep->str);
        freeReplyObject(rep);
        return SD_ERR_INTERNAL;
    }
    if (out)
        copy_reply(out, rep);
    freeReplyObject(rep);
    return 0;
}

int rds_cmd(struct rds *r, struct rds_reply *out, const char *fmt, ...)
{
    if (out)
        memset(out, 0, sizeof(*out));
    int rc = ensure(r);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(r->ctx, fmt, ap);
    va_end(ap);
    return finish(r, rep, out);
}

int rds_cmd_argv(struct rds *r, struct rds_reply *out, int argc, const char **argv,
                 const size_t *argvlen)
{
    if (out)
        memset(out, 0, sizeof(*out));
    int rc = ensure(r);
    if (rc)
        return rc;
    redisReply *rep = redisCommandArgv(r->ctx, argc, argv, argvlen);
    return finish(r, rep, out);
}

int rds_ping(struct rds *r)
{
    struct rds_reply rep;
    int rc = rds_cmd(r, &rep, "PING");
    rds_reply_clear(&rep);
    return rc;
}

void rds_reply_clear(struct rds_reply *rep)
{
    if (!rep)
        return;
    free(rep->str);
    for (size_t i = 0; i < rep->n; i++)
        rds_reply_clear(&rep->elem[i]);
    free(rep->elem);
    memset(rep, 0, sizeof(*rep));
}

char *rds_key(const struct rds *r, char *buf, size_t len, const char *fmt, ...)
{
    int n = snprintf(buf, len, "%s", r->cfg->redis_prefix);
    if (n < 0 || (size_t)n >= len)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return buf;
}

struct rds_sub {
    redisContext *ctx;
    size_t prefix_len;
};

struct rds_sub *rds_sub_open(const struct config *cfg, const char *const *channels)
{
    redisContext *c = connect_master(cfg);
    if (!c)
        return NULL;
    for (size_t i = 0; channels[i]; i++) {
        char name[256];
        snprintf(name, sizeof(name), "%s%s", cfg->redis_prefix, channels[i]);
        redisReply *rep = redisCommand(c, "SUBSCRIBE %s", name);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            if (rep)
                freeReplyObject(rep);
            redisFree(c);
            return NULL;
        }
        freeReplyObject(rep);
    }
    struct rds_sub *s = xcalloc(1, sizeof(*s));
    s->ctx = c;
    s->prefix_len = strlen(cfg->redis_prefix);
    return s;
}

/* The next message of a subscriber or tracking connection, waiting at most timeout_ms for it: 1
 * with *out set, 0 when none came (or only part of one: the rest comes with the next read), or
 * SD_ERR_UNAVAILABLE. A blocking read timeout would leave the context unusable, so this waits
 * with poll() first and only then lets hiredis read. */
static int next_message(struct rds_sub *s, int timeout_ms, void **out)
{
    *out = NULL;
    if (redisGetReplyFromReader(s->ctx, out) != REDIS_OK)
        return SD_ERR_UNAVAILABLE;
    if (*out)
        return 1;
    struct pollfd p = {.fd = s->ctx->fd, .events = POLLIN};
    int n = poll(&p, 1, timeout_ms);
    if (n == 0 || (n < 0 && errno == EINTR))
        return 0;
    if (n < 0 || redisBufferRead(s->ctx) != REDIS_OK ||
        redisGetReplyFromReader(s->ctx, out) != REDIS_OK)
        return SD_ERR_UNAVAILABLE;
    return *out != NULL;
}

/* A pushed ["message", channel, payload] (pub/sub, and tracking's invalidations). */
static bool is_message(const redisReply *rep)
{
    return rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 &&
           rep->element[0]->type == REDIS_REPLY_STRING &&
           strcmp(rep->element[0]->str, "message") == 0;
}

int rds_sub_read(struct rds_sub *s, int timeout_ms, char *chan, size_t chanlen, char *buf,
                 size_t len)
{
    void *out;
    int got = next_message(s, timeout_ms, &out);
    if (got <= 0)
        return got;
    redisReply *rep = out;
    int rc = 0;
    if (is_message(rep) && rep->element[2]->type == REDIS_REPLY_STRING) {
        const redisReply *ch = rep->element[1];
        size_t skip =
            ch->type == REDIS_REPLY_STRING && ch->len >= s->prefix_len ? s->prefix_len : 0;
        snprintf(chan, chanlen, "%.*s", ch->type == REDIS_REPLY_STRING ? (int)(ch->len - skip) : 0,
                 ch->type == REDIS_REPLY_STRING ? ch->str + skip : "");
        snprintf(buf, len, "%.*s", (int)rep->element[2]->len, rep->element[2]->str);
        rc = 1;
    }
    freeReplyObject(rep);
    return rc;
}

void rds_sub_free(struct rds_sub *s)
{
    if (!s)
        return;
    redisFree(s->ctx);
    free(s);
}

struct rds_sub *rds_track_open(const struct config *cfg, const char *key_prefix)
{
    redisContext *c = connect_master(cfg);
    if (!c)
        return NULL;
    char pfx[256];
    snprintf(pfx, sizeof(pfx), "%s%s", cfg->redis_prefix, key_prefix);
    redisReply *id = redisCommand(c, "CLIENT ID");
    bool ok = id && id->type == REDIS_REPLY_INTEGER;
    char ids[32];
    snprintf(ids, sizeof(ids), "%lld", ok ? id->integer : 0LL);
    if (id)
        freeReplyObject(id);
    /* Redirected to itself: this connection then only SUBSCRIBEs, and the tracking ends with it. */
    for (int step = 0; ok && step < 2; step++) {
        redisReply *rep =
            step == 0 ? redisCommand(c, "CLIENT TRACKING on REDIRECT %s BCAST PREFIX %s", ids, pfx)
                      : redisCommand(c, "SUBSCRIBE __redis__:invalidate");
        ok = rep && rep->type != REDIS_REPLY_ERROR;
        static atomic_bool told;
        if (rep && rep->type == REDIS_REPLY_ERROR && !atomic_exchange(&told, true))
            log_warn("redis refused client tracking (the token cache stays off): %s", rep->str);
        if (rep)
            freeReplyObject(rep);
    }
    if (!ok) {
        redisFree(c);
        return NULL;
    }
    struct rds_sub *s = xcalloc(1, sizeof(*s));
    s->ctx = c;
    s->prefix_len = strlen(cfg->redis_prefix);
    return s;
}

int rds_track_read(struct rds_sub *s, int timeout_ms,
                   void (*fn)(void *arg, const char *key, size_t len), void *arg)
{
    void *out;
    int got = next_message(s, timeout_ms, &out);
    if (got <= 0)
        return got;
    redisReply *rep = out;
    int rc = 0;
    if (is_message(rep)) {
        const redisReply *keys = rep->element[2];
        if (keys->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < keys->elements; i++)
                if (keys->element[i]->type == REDIS_REPLY_STRING)
                    fn(arg, keys->element[i]->str, keys->element[i]->len);
        } else {
            fn(arg, NULL, 0); /* nil: every key */
        }
        rc = 1;
    }
    freeReplyObject(rep);
    return rc;
}
