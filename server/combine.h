#ifndef SUMMITD_SERVER_COMBINE_H
#define SUMMITD_SERVER_COMBINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Combining (leader/follower, "flat combining" per key): workers that want to run the same kind
 * of transaction for the same key (a session's registrations) queue up; the first becomes the
 * leader and runs one transaction for up to COMBINE_MAX queued members (itself first, then in
 * arrival order); the others block until the leader decided their outcome. When the leader is
 * done it hands leadership to the first member still queued (which then serves the next batch)
 * instead of serving forever, so that every worker is back to its own request after at most one
 * batch of others' work. A member either blocks its thread meanwhile (combine_run) or is parked
 * and woken (combine_enter/combine_resume, with the request parking of server/http.h). Requests that arrive while a batch is in flight are thus combined into
 * the next one. Process-wide; keys of different kinds must not collide (one table per user). */

#define COMBINE_MAX 64

struct combine_member {
    void *arg;     /* the caller's: what the batch function reads and writes */
    uint64_t seq;  /* arrival order in this process (assigned on joining) */
    /* Parked members (combine_enter): called, from the leader's thread and outside any lock, once
     * the member's outcome is decided or it is to lead the next batch; the caller then calls
     * combine_resume(). NULL: the member's thread blocks (combine_run). */
    void (*wake)(struct combine_member *m);
    /* private */
    struct combine_member *next;
    pthread_cond_t cv;
    bool done, lead;
};

/* Runs fn(members, n, ctx) for a batch that contains m (m is members[0] when this worker leads;
 * otherwise another worker ran it), and returns once m's outcome is decided. fn must decide every
 * member it is given; it runs on the leader's thread (its database connection). */
typedef void (*combine_fn)(struct combine_member *const *members, size_t n, void *ctx);
void combine_run(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx);

/* The same without blocking a thread while others' batches run (m->wake must be set). Returns
 * true when m's outcome is decided: it led a batch itself, here. Returns false when m is queued:
 * the caller lets go of its thread, and m->wake(m) is called later, possibly before
 * combine_enter() has returned; the woken caller then calls combine_resume(), which leads the
 * next batch if m was chosen to and returns once m's outcome is decided. */
bool combine_enter(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx);
void combine_resume(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx);

/* For /metrics and tests: batches run and members served since start. */
void combine_stats(uint64_t *batches, uint64_t *members);

#endif
