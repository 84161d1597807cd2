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
 * Each struct lcache belongs to one loop thread; the epochs are process-wide atomics. */

#include <stddef.h>
#include <stdint.h>

struct lcache;
struct rds;

struct lcache *lcache_new(void);
void lcache_free(struct lcache *c);

/* The tag of a resource: the route pattern with its first path parameter as PARSED (the number
 * req_param_id() reads, 0 when it is not an id), so that every spelling of one id (/events/1,
 * /events/01, /events/%31) shares the tag that lcache_invalidate(pattern, id) bumps. */
uint32_t lcache_tag(const char *pattern, int64_t id);
uint64_t lcache_epoch(uint32_t tag);

/* A live entry for key (copied out: *body is malloc'd), or 0. */
int lcache_get(struct lcache *c, const char *key, uint32_t tag, int64_t now_us, char **body,
               size_t *len, const char **ctype);
/* Stores a reply read at `epoch`; ctype must be a static string. */
void lcache_put(struct lcache *c, const char *key, uint32_t tag, uint64_t epoch, int64_t expires_us,
                const char *body, size_t len, const char *ctype);

/* After a committed change to what `pattern` shows for `id`. Redis trouble only delays the other
 * instances until their entries expire. */
void lcache_invalidate(struct rds *rds, const char *pattern, long long id);
/* A message from the invalidation channel ("<pattern> <id>"). */
void lcache_apply_message(const char *msg);

#define LCACHE_CHANNEL "invalidate"

#endif
