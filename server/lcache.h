#ifndef SUMMITD_SERVER_LCACHE_H
#define SUMMITD_SERVER_LCACHE_H

/* Responses of anonymous GETs, cached on each event loop so that a hot public read (an event
 * page) is answered without a worker, MySQL or Redis.
 *
 *   - Only routes flagged ROUTE_LOOP_CACHE, only GETs without an Authorization header, only 200s.
 *     A signed-in client always reads fresh (so a user never sees their own registration's
 *     counts stale).
 *   - An entry lives loop_cache_ttl_ms (counts may be that old for anonymous readers).
 *   - A change to what a route shows calls lcache_invalidate(pattern, id): it bumps the epoch of
 *     the resource's tag at once in this process and PUBLISHes it, so every other instance bumps
 *     it too (server/sync.c). An entry filled from a read that began before a bump is stale at
 *     once: its epoch is taken when the request arrives, not when the reply is stored.
 *   - One read fills an entry at a time (per loop): while it runs, requests for the same key
 *     that find no live entry wait for it (lcache_get says LCACHE_WAIT) instead of each reading
 *     the database, and are answered from what it stores (when it stored a 200 that is still
 *     current; else each reads for itself). A live entry in the last quarter of its life is
 *     refreshed ahead: the first request to see it reads (LCACHE_FILL) while the others are
 *     still answered from it, so a steadily read page does not expire in front of its readers.
 *   - A body is stored once, immutable and reference-counted: a hit sends it without copying
 *     (evbuffer_add_reference with lcache_body_unref as the cleanup).
 * Each struct lcache belongs to one loop thread; the epochs are process-wide atomics. */

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct lcache;
struct rds;

/* An immutable reply body shared by the entry and the replies that send it. */
struct lcache_body {
    _Atomic long refs;
    size_t len;
    const char *ctype; /* static string */
    char data[];
};
void lcache_body_unref(struct lcache_body *b);
/* The signature of evbuffer_add_reference's cleanup (extra = the body). */
void lcache_body_cleanup(const void *data, size_t len, void *extra);

struct lcache *lcache_new(void);
void lcache_free(struct lcache *c);

/* The tag of a resource: the route pattern with its first path parameter as PARSED (the number
 * req_param_id() reads, 0 when it is not an id), so that every spelling of one id (/events/1,
 * /events/01, /events/%31) shares the tag that lcache_invalidate(pattern, id) bumps. */
uint32_t lcache_tag(const char *pattern, int64_t id);
uint64_t lcache_epoch(uint32_t tag);

enum lcache_result {
    LCACHE_HIT,  /* *body: a reference, the caller unrefs it */
    LCACHE_FILL, /* read it; *fill names the fill for lcache_put / lcache_fill_done */
    LCACHE_WAIT, /* a fill of this key is under way: park the request in *lcache_waiters() */
};
/* A fill under way: where it is and which one (an older fill of the slot no longer counts). */
struct lcache_fill {
    uint32_t slot;
    uint64_t id; /* 0: none */
};

/* Looks key up for a request that arrived at now_us. */
enum lcache_result lcache_get(struct lcache *c, const char *key, uint32_t tag, int64_t now_us,
                              struct lcache_body **body, struct lcache_fill *fill);
/* The list head under which requests waiting for the fill of key (LCACHE_WAIT) are parked. */
void **lcache_waiters(struct lcache *c, const char *key);
/* Stores a reply read at `epoch` (refused when a change came since), live for ttl_us from now_us
 * and refreshed ahead from three quarters of that; ctype must be a static string. */
void lcache_put(struct lcache *c, const char *key, uint32_t tag, uint64_t epoch, int64_t now_us,
                int64_t ttl_us, const char *body, size_t len, const char *ctype);
/* The fill is over (stored or not): returns the parked requests' list head (NULL when none, or
 * when a newer fill of the slot took over) and forgets the fill. */
void *lcache_fill_done(struct lcache *c, struct lcache_fill fill);

/* After a committed change to what `pattern` shows for `id`. Redis trouble only delays the other
 * instances until their entries expire. */
void lcache_invalidate(struct rds *rds, const char *pattern, long long id);
/* A message from the invalidation channel ("<pattern> <id>"). */
void lcache_apply_message(const char *msg);

#define LCACHE_CHANNEL "invalidate"

#endif
