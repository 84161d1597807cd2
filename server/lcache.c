#include "server/lcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"
#include "server/rds.h"
#include "base/xalloc.h"

#define WAYS 4                 /* a key lives in one of the WAYS entries of its bucket */
#define BUCKETS 1024           /* (a direct-mapped table made two hot keys that collide evict */
#define SLOTS (BUCKETS * WAYS) /*  each other on every read) */
#define EPOCHS 4096 /* tags share epochs by hash: a bump may expire a neighbour too */
/* A fill older than this no longer holds its key's readers back (a lost fill cannot park them
 * for ever): the next reader fills anew. */
#define FILL_STALE_US 2000000

static _Atomic uint64_t epochs[EPOCHS];

/* One key's place: its stored reply (body NULL: none yet) and the fill under way (fill_id 0:
 * none) with the readers parked behind it. */
struct entry {
    char *key;
    struct lcache_body *body;
    uint32_t tag;
    uint64_t epoch;
    int64_t expires_us, refresh_us;
    uint64_t fill_id, fill_epoch;
    int64_t fill_started_us;
    void *waiters;
};

struct lcache {
    uint64_t next_fill;
    struct entry e[SLOTS];
};

/* The loops' latest replies, shared: a loop whose entry is due (or missing) first looks here for
 * a fresher one another loop stored, so that the loops of a process read a page once per
 * lifetime rather than once each. Touched only then and when a reply is stored (never on a
 * plain hit); a mutex per bucket. Its entries never have fills. */
static struct lcache shared;
static pthread_mutex_t shared_mu[BUCKETS];
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void shared_init(void)
{
    for (int i = 0; i < BUCKETS; i++)
        pthread_mutex_init(&shared_mu[i], NULL);
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The entry holding key, or (claim) one taken over for it: an empty one, else the one that
 * expires first among those nobody waits on. NULL when none is to be had. */
static uint32_t bucket_of(const char *key)
{
    return (uint32_t)(fnv(key, 1469598103934665603ULL) % BUCKETS);
}

static struct entry *find(struct lcache *c, const char *key, bool claim)
{
    struct entry *b = &c->e[bucket_of(key) * WAYS];
    for (int i = 0; i < WAYS; i++)
        if (b[i].key && strcmp(b[i].key, key) == 0)
            return &b[i];
    if (!claim)
        return NULL;
    struct entry *v = NULL;
    for (int i = 0; i < WAYS; i++) {
        if (!b[i].key) {
            v = &b[i];
            break;
        }
        if (!b[i].waiters && (!v || b[i].expires_us < v->expires_us))
            v = &b[i];
    }
    if (!v)
        return NULL;
    free(v->key);
    lcache_body_unref(v->body);
    memset(v, 0, sizeof(*v));
    v->key = xstrdup(key);
    return v;
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
    pthread_once(&shared_once, shared_init);
    return xcalloc(1, sizeof(struct lcache));
}

void lcache_free(struct lcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SLOTS; i++) {
        free(c->e[i].key);
        lcache_body_unref(c->e[i].body);
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

/* Whether a fill is under way, began no earlier than the last change and is not lost. */
static bool filling(const struct entry *e, uint32_t tag, int64_t now_us)
{
    return e->fill_id && e->fill_epoch == lcache_epoch(tag) &&
           now_us - e->fill_started_us < FILL_STALE_US;
}

static void start_fill(struct lcache *c, struct entry *e, uint32_t tag, int64_t now_us,
                       struct lcache_fill *fill)
{
    e->fill_id = ++c->next_fill;
    e->fill_epoch = lcache_epoch(tag);
    e->fill_started_us = now_us;
    fill->slot = (uint32_t)(e - c->e);
    fill->id = e->fill_id;
}

/* Takes a fresher reply for e's key that another loop stored (live, not yet due, read after
 * the last change). */
static bool adopt(struct entry *e, uint32_t tag, int64_t now_us)
{
    uint32_t bi = bucket_of(e->key);
    bool took = false;
    pthread_mutex_lock(&shared_mu[bi]);
    struct entry *s = find(&shared, e->key, false);
    if (s && s->body && s->tag == tag && s->epoch == lcache_epoch(tag) && now_us < s->refresh_us &&
        (!e->body || s->refresh_us > e->refresh_us)) {
        atomic_fetch_add_explicit(&s->body->refs, 1, memory_order_relaxed);
        lcache_body_unref(e->body);
        e->body = s->body;
        e->tag = tag;
        e->epoch = s->epoch;
        e->expires_us = s->expires_us;
        e->refresh_us = s->refresh_us;
        took = true;
    }
    pthread_mutex_unlock(&shared_mu[bi]);
    return took;
}

enum lcache_result lcache_get(struct lcache *c, const char *key, uint32_t tag, int64_t now_us,
                              struct lcache_body **body, struct lcache_fill *fill)
{
    *body = NULL;
    fill->slot = 0;
    fill->id = 0;
    struct entry *e = find(c, key, true);
    if (!e)
        return LCACHE_FILL; /* every place is waited on: read, uncached */
    bool live = e->body && now_us < e->expires_us && e->tag == tag &&
                e->epoch == lcache_epoch(tag);
    if ((!live || now_us >= e->refresh_us) && !filling(e, tag, now_us) && adopt(e, tag, now_us))
        live = true;
    if (live) {
        if (now_us >= e->refresh_us && !filling(e, tag, now_us)) {
            start_fill(c, e, tag, now_us, fill);
            return LCACHE_FILL;
        }
        atomic_fetch_add_explicit(&e->body->refs, 1, memory_order_relaxed);
        *body = e->body;
        return LCACHE_HIT;
    }
    if (filling(e, tag, now_us))
        return LCACHE_WAIT;
    start_fill(c, e, tag, now_us, fill);
    return LCACHE_FILL;
}

void **lcache_waiters(struct lcache *c, const char *key)
{
    struct entry *e = find(c, key, false);
    SD_ASSERT(e); /* lcache_get just said LCACHE_WAIT for it */
    return &e->waiters;
}

void lcache_put(struct lcache *c, const char *key, uint32_t tag, uint64_t epoch, int64_t now_us,
                int64_t ttl_us, const char *body, size_t len, const char *ctype)
{
    if (epoch != lcache_epoch(tag))
        return; /* a change came while it was read: stale at once */
    struct entry *e = find(c, key, true);
    if (!e)
        return;
    struct lcache_body *b = xmalloc(sizeof(*b) + len + 1);
    atomic_init(&b->refs, 1);
    b->len = len;
    b->ctype = ctype;
    memcpy(b->data, body, len);
    b->data[len] = '\0';
    lcache_body_unref(e->body);
    e->body = b;
    e->tag = tag;
    e->epoch = epoch;
    e->expires_us = now_us + ttl_us;
    e->refresh_us = now_us + ttl_us - ttl_us / 4;

    /* And for the other loops, unless one of them stored a fresher reply meanwhile. */
    uint32_t bi = bucket_of(key);
    pthread_mutex_lock(&shared_mu[bi]);
    struct entry *s = find(&shared, key, true);
    if (s && (!s->body || s->epoch != epoch || s->refresh_us < e->refresh_us)) {
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
        lcache_body_unref(s->body);
        s->body = b;
        s->tag = tag;
        s->epoch = epoch;
        s->expires_us = e->expires_us;
        s->refresh_us = e->refresh_us;
    }
    pthread_mutex_unlock(&shared_mu[bi]);
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
