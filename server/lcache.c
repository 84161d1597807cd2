#include "server/lcache.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"
#include "server/rds.h"
#include "base/xalloc.h"

#define SLOTS 1024  /* entries per loop, direct-mapped by key */
#define EPOCHS 4096 /* tags share epochs by hash: a bump may expire a neighbour too */

static _Atomic uint64_t epochs[EPOCHS];

struct entry {
    char *key;
    char *body;
    size_t len;
    const char *ctype;
    uint32_t tag;
    uint64_t epoch;
    int64_t expires_us;
};

struct lcache {
    struct entry e[SLOTS];
};

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct lcache *lcache_new(void)
{
    return xcalloc(1, sizeof(struct lcache));
}

void lcache_free(struct lcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SLOTS; i++) {
        free(c->e[i].key);
        free(c->e[i].body);
    }
    free(c);
}

uint32_t lcache_tag(const char *pattern, int64_t id)
{
    char ids[24];
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    uint64_t h = fnv(pattern, 1469598103934665603ULL);
    h = fnv(" ", h);
    h = fnv(ids, h);
    return (uint32_t)(h % EPOCHS);
}

uint64_t lcache_epoch(uint32_t tag)
{
    return atomic_load_explicit(&epochs[tag % EPOCHS], memory_order_acquire);
}

static void bump(uint32_t tag)
{
    atomic_fetch_add_explicit(&epochs[tag % EPOCHS], 1, memory_order_release);
}

int lcache_get(struct lcache *c, const char *key, uint32_t tag, int64_t now_us, char **body,
               size_t *len, const char **ctype)
{
    struct entry *e = &c->e[fnv(key, 1469598103934665603ULL) % SLOTS];
    if (!e->key || strcmp(e->key, key) != 0 || now_us >= e->expires_us || e->tag != tag ||
        e->epoch != lcache_epoch(tag))
        return 0;
    *body = xmalloc(e->len + 1);
    memcpy(*body, e->body, e->len);
    (*body)[e->len] = '\0';
    *len = e->len;
    *ctype = e->ctype;
    return 1;
}

void lcache_put(struct lcache *c, const char *key, uint32_t tag, uint64_t epoch, int64_t expires_us,
                const char *body, size_t len, const char *ctype)
{
    struct entry *e = &c->e[fnv(key, 1469598103934665603ULL) % SLOTS];
    free(e->key);
    free(e->body);
    e->key = xstrdup(key);
    e->body = xmalloc(len + 1);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->len = len;
    e->ctype = ctype;
    e->tag = tag;
    e->epoch = epoch;
    e->expires_us = expires_us;
}

void lcache_invalidate(struct rds *rds, const char *pattern, long long id)
{
    char msg[256], chan[160];
    bump(lcache_tag(pattern, id));
    snprintf(msg, sizeof(msg), "%s %lld", pattern, id);
    rds_key(rds, chan, sizeof(chan), "%s", LCACHE_CHANNEL);
    if (rds_cmd(rds, NULL, "PUBLISH %s %s", chan, msg) != 0)
        log_warn("lcache: invalidation of %s not published; other instances wait for expiry", msg);
}

void lcache_apply_message(const char *msg)
{
    const char *sp = strrchr(msg, ' ');
    if (!sp)
        return;
    char pattern[200];
    snprintf(pattern, sizeof(pattern), "%.*s", (int)(sp - msg), msg);
    bump(lcache_tag(pattern, strtoll(sp + 1, NULL, 10)));
}
