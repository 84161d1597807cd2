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
 * batch of others' work. Requests that arrive while a batch is in flight are thus combined into
 * the next one. Process-wide; keys of different kinds must not collide (one table per user). */

#define COMBINE_MAX 64

struct combine_member {
    void *arg;     /* the caller's: what the batch function reads and writes */
    uint64_t seq;  /* arrival order in this process (assigned by combine_run) */
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

/* For /metrics and tests: batches run and members served since start. */
void combine_stats(uint64_t *batches, uint64_t *members);

#endif
