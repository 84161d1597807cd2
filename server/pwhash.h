#ifndef SUMMITD_SERVER_PWHASH_H
#define SUMMITD_SERVER_PWHASH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/xalloc.h"

/* Password hashing with its own bounded capacity, so that a flood of signups or logins cannot
 * take the worker pool from every other route. yescrypt is pure CPU (tens of milliseconds at
 * the default cost): a few dedicated threads (hash_threads, default one per CPU) compute the
 * hashes at a lower scheduling priority (nice +PWHASH_NICE), and a job that finds them busy
 * waits in a short queue (as many places as threads) for at most hash_wait_ms. Beyond that
 * the caller is refused at once and answers 503 with Retry-After. The worker that asked waits
 * for its job (handlers stay straight-line code), so hashing holds at most threads + queue
 * workers; both are capped so that at least half of the workers never wait on a hash. */

struct config;
struct pwhash;

#define PWHASH_NICE 5

/* Starts the hashing threads for cfg (hash_threads, hash_wait_ms, password_cost, workers) and
 * makes the dummy hash. cfg is borrowed for the pool's life. Free with pwhash_free. */
struct pwhash *pwhash_new(const struct config *cfg);
/* Finishes queued jobs, stops the threads. NULL is a no-op. */
void pwhash_free(struct pwhash *p);

/* Runs fn(arg) on a hashing thread and waits until it has run. 0; or SD_ERR_UNAVAILABLE, and
 * fn did not run, when the threads and the queue are full or no thread became free within
 * hash_wait_ms. */
int pwhash_run(struct pwhash *p, void (*fn)(void *arg), void *arg) SD_MUST_CHECK;

/* A new yescrypt hash of password into out. 0, SD_ERR_UNAVAILABLE (busy), SD_ERR_INTERNAL. */
int pwhash_make(struct pwhash *p, const char *password, char *out, size_t outlen) SD_MUST_CHECK;
/* Checks password against hash; with hash NULL against a dummy hash of the same cost, so that an
 * unknown account takes as long as a known one (*ok is then false). 0 or SD_ERR_UNAVAILABLE. */
int pwhash_verify(struct pwhash *p, const char *password, const char *hash, bool *ok) SD_MUST_CHECK;

struct pwhash_stats {
    int threads, queue_max; /* as configured after the caps */
    int running, queued;    /* now */
    long done, refused;     /* since start */
};
void pwhash_stats(struct pwhash *p, struct pwhash_stats *out);

#endif
