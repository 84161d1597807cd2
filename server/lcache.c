#include "server/lcache.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"
#include "server/rds.h"
#include "base/xalloc.h"

#define SLOTS 1024  /* entries per loop, direct-mapped by key */
#define EPOCHS 4096 /* tags share epochs by hash: a bump may expire a neighbour too */
/* A fill older than this no longer holds its key's readers back (a lost fill cannot park them
 * for ever): the next reader fills anew. */
#define FILL_STALE_US 2000000

static _Atomic uint64_t epochs[EPOCHS];

struct entry {
    char *key;
    struct lcache_body *body;
    uint32_t tag;
    uint64_t epoch;
    int64_t expires_us, refresh_us;
    /* The fill under way in this slot, if any (fill_id 0: none). */
    char *fill_key;
    uint64_t fill_id, fill_epoch;
    int64_t fill_started_us;
    void *waiters;
};

struct lcache {
    uint64_t next_fill;
    struct entry e[SLOTS];
};

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint32_t slot_of(const char *key)
{
    return (uint32_t)(fnv(key, 1469598103934665603ULL) % SLOTS);
}

void lcache_body_unref(struct lcache_body *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

void lcache_body_cleanup(const void *data, size_t len, void *extra)
{
    (void)data;
    (void)len;
    lcache_body_unref(extra);
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
        lcache_body_unref(c->e[i].body);
        free(c->e[i].fill_key);
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

/* Whether a fill of key is under way, began no earlier than the last change and is not lost. */
static bool filling(const struct entry *e, const char *key, uint32_t tag, int64_t now_us)
{
    return e->fill_id && strcmp(e->fill_key, key) == 0 && e->fill_epoch == lcache_epoch(tag) &&
           now_us - e->fill_started_us < FILL_STALE_US;
}

static void start_fill(struct lcache *c, struct entry *e, uint32_t slot, const char *key,
                       uint32_t tag, int64_t now_us, struct lcache_fill *fill)
{
    if (!e->fill_key || strcmp(e->fill_key, key) != 0) {
        free(e->fill_key);
        e->fill_key = xstrdup(key);
    }
    e->fill_id = ++c->next_fill;
    e->fill_epoch = lcache_epoch(tag);
    e->fill_started_us = now_us;
    fill->slot = slot;
    fill->id = e->fill_id;
}

enum lcache_result lcache_get(struct lcache *c, const char *key, uint32_t tag, int64_t now_us,
                              struct lcache_body **body, struct lcache_fill *fill)
{
    uint32_t slot = slot_of(key);
    struct entry *e = &c->e[slot];
    *body = NULL;
    fill->slot = slot;
    fill->id = 0;
    bool live = e->key && now_us < e->expires_us && e->tag == tag &&
                e->epoch == lcache_epoch(tag) && strcmp(e->key, key) == 0;
    if (live) {
        if (now_us >= e->refresh_us && !filling(e, key, tag, now_us)) {
            start_fill(c, e, slot, key, tag, now_us, fill);
            return LCACHE_FILL;
        }
        atomic_fetch_add_explicit(&e->body->refs, 1, memory_order_relaxed);
        *body = e->body;
        return LCACHE_HIT;
    }
    if (filling(e, key, tag, now_us))
        return LCACHE_WAIT;
    start_fill(c, e, slot, key, tag, now_us, fill);
    return LCACHE_FILL;
}

void **lcache_waiters(struct lcache *c, const char *key)
{
    return &c->e[slot_of(key)].waiters;
}

void lcache_put(struct lcache *c, const char *key, uint32_t tag, uint64_t epoch, int64_t now_us,
                int64_t ttl_us, const char *body, size_t len, const char *ctype)
{
    if (epoch != lcache_epoch(tag))
        return; /* a change came while it was read: stale at once */
    struct entry *e = &c->e[slot_of(key)];
    struct lcache_body *b = xmalloc(sizeof(*b) + len + 1);
    atomic_init(&b->refs, 1);
    b->len = len;
    b->ctype = ctype;
    memcpy(b->data, body, len);
    b->data[len] = '\0';
    if (!e->key || strcmp(e->key, key) != 0) {
        free(e->key);
        e->key = xstrdup(key);
    }
    lcache_body_unref(e->body);
    e->body = b;
    e->tag = tag;
    e->epoch = epoch;
    e->expires_us = now_us + ttl_us;
    e->refresh_us = now_us + ttl_us - ttl_us / 4;
}

void *lcache_fill_done(struct lcache *c, struct lcache_fill fill)
{
    if (!fill.id || fill.slot >= SLOTS)
        return NULL;
    struct entry *e = &c->e[fill.slot];
    if (e->fill_id != fill.id)
        return NULL; /* a newer fill of the slot took over (and its readers) */
    e->fill_id = 0;
    void *w = e->waiters;
    e->waiters = NULL;
    return w;
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
