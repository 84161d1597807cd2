#ifndef SUMMITD_SERVER_EVENT_CACHE_H
#define SUMMITD_SERVER_EVENT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

/* The Redis copy of an event page (cache:event:<id>, event_cache_ttl_s): the event and its
 * sessions as GET /events/{id} shows them, for published and cancelled events only. The live
 * counts inside are stale by design: a reader overwrites them from MySQL on every hit. Redis
 * trouble costs speed, never the request.
 *
 * A reader that misses loads the event from MySQL and writes it back; a writer commits and then
 * drops the copy. Without more, a reader that loaded the old row before the commit could write
 * it back after the drop and serve it for event_cache_ttl_s. So each event has a generation in
 * Redis (cache:event:<id>:gen, shared by every instance): event_cache_drop INCRs it with the
 * drop (one script); a reader takes it with event_cache_begin before loading MySQL, and
 * event_cache_put writes back only if it is unchanged (a script compares and sets). A reader
 * whose MySQL read predates the commit took the generation before the INCR: its write-back
 * either lands before the INCR and is dropped with it, or comes after and is refused. The
 * generation outlives any request by far (a day); Redis must not evict it early (summitd's Redis
 * runs without eviction).
 *
 *     cJSON *o = event_cache_get(r, id);              // hit: fill the counts, reply
 *     struct event_cache_ticket t;
 *     event_cache_begin(r, id, &t);                   // miss: BEFORE reading MySQL
 *     … load o from MySQL …
 *     event_cache_put(r, id, &t, o);
 *
 * and after every committed change of an event or its sessions: event_cache_drop(r, id). */

struct req;
struct cJSON;

/* The cached copy (the caller deletes it), or NULL: a miss, caching off, Redis away. */
struct cJSON *event_cache_get(struct req *r, int64_t id);

/* What a reader remembers between its begin and its put. */
struct event_cache_ticket {
    bool armed;   /* false: caching off or Redis away, nothing is written back */
    char gen[24]; /* the generation as Redis returned it ("0" when none) */
};
void event_cache_begin(struct req *r, int64_t id, struct event_cache_ticket *t);
/* Writes o back unless the event changed since event_cache_begin (o is borrowed). The debug
 * hook "event_cache_put" holds here (server/debug.h). */
void event_cache_put(struct req *r, int64_t id, const struct event_cache_ticket *t,
                     const struct cJSON *o);

/* After a committed change of event `id` or its sessions: bumps its generation, drops the Redis
 * copy and the loop caches of GET /events/{id} on every instance (server/lcache.h). A Redis
 * failure leaves a copy that expires after event_cache_ttl_s (logged). */
void event_cache_drop(struct req *r, int64_t id);

#endif
