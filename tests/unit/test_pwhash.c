/* server/pwhash.c: bounded password hashing. Jobs that block on a gate the test opens stand in
 * for slow hashes, so every outcome below follows from the order of events, not from timing. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/config.h"
#include "server/err.h"
#include "server/pwhash.h"

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
    atomic_int ran;
};

static void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = false;
    atomic_store(&g->ran, 0);
}

static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void blocking_job(void *arg)
{
    struct gate *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    atomic_fetch_add(&g->ran, 1);
}

static void counting_job(void *arg)
{
    atomic_fetch_add((atomic_int *)arg, 1);
}

struct caller {
    struct pwhash *p;
    struct gate *g;
    int rc;
};

static void *call_blocking(void *arg)
{
    struct caller *c = arg;
    c->rc = pwhash_run(c->p, blocking_job, c->g);
    return NULL;
}

static void wait_for(struct pwhash *p, int running, int queued)
{
    for (int i = 0; i < 100000; i++) { /* polls a condition, bounded */
        struct pwhash_stats s;
        pwhash_stats(p, &s);
        if (s.running == running && s.queued == queued)
            return;
        usleep(1000);
    }
    cr_assert_fail("the pool never reached %d running, %d queued", running, queued);
}

/* A config for the pool (borrowed by it until pwhash_free; then cfg_deinit). */
static struct config *conf(struct config *c, int workers, int threads, int wait_ms)
{
    cfg_defaults(c);
    c->workers = workers;
    c->hash_threads = threads;
    c->hash_wait_ms = wait_ms;
    c->password_cost = 1;
    return c;
}

Test(pwhash, refuses_at_once_when_threads_and_queue_are_full)
{
    struct config cfg;
    struct pwhash *p = pwhash_new(conf(&cfg, 8, 1, 60000));
    struct pwhash_stats s;
    pwhash_stats(p, &s);
    cr_assert_eq(s.threads, 1);
    cr_assert_eq(s.queue_max, 1);
    struct gate g;
    gate_init(&g);
    struct caller a = {p, &g, 1}, b = {p, &g, 1};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, call_blocking, &a);
    wait_for(p, 1, 0);
    pthread_create(&tb, NULL, call_blocking, &b);
    wait_for(p, 1, 1);
    /* Thread busy, queue full: refused without waiting, and the job never runs. */
    atomic_int ran = 0;
    cr_assert_eq(pwhash_run(p, counting_job, &ran), SD_ERR_UNAVAILABLE);
    cr_assert_eq(atomic_load(&ran), 0);
    gate_open(&g);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a.rc, 0);
    cr_assert_eq(b.rc, 0, "the queued job ran once the thread was free");
    cr_assert_eq(atomic_load(&g.ran), 2);
    cr_assert_eq(pwhash_run(p, counting_job, &ran), 0, "free again");
    cr_assert_eq(atomic_load(&ran), 1);
    pwhash_stats(p, &s);
    cr_assert_eq(s.refused, 1);
    cr_assert_eq(s.done, 3);
    pwhash_free(p);
    cfg_deinit(&cfg);
}

Test(pwhash, a_queued_job_gives_up_when_its_wait_runs_out)
{
    struct config cfg;
    struct pwhash *p = pwhash_new(conf(&cfg, 8, 1, 20));
    struct gate g;
    gate_init(&g);
    struct caller a = {p, &g, 1};
    pthread_t ta;
    pthread_create(&ta, NULL, call_blocking, &a);
    wait_for(p, 1, 0);
    /* The only thread is held until the gate opens, which happens after this returns. */
    atomic_int ran = 0;
    cr_assert_eq(pwhash_run(p, counting_job, &ran), SD_ERR_UNAVAILABLE);
    wait_for(p, 1, 0); /* it left the queue */
    gate_open(&g);
    pthread_join(ta, NULL);
    cr_assert_eq(a.rc, 0);
    cr_assert_eq(atomic_load(&ran), 0, "a job that gave up never runs");
    pwhash_free(p);
    cfg_deinit(&cfg);
}

Test(pwhash, hashing_never_holds_more_than_half_the_workers)
{
    struct config cfg;
    struct pwhash_stats s;
    struct pwhash *p = pwhash_new(conf(&cfg, 4, 8, 100));
    pwhash_stats(p, &s);
    cr_assert_eq(s.threads + s.queue_max, 2, "%d + %d", s.threads, s.queue_max);
    cr_assert_eq(s.threads, 2);
    pwhash_free(p);
    cfg_deinit(&cfg);
    p = pwhash_new(conf(&cfg, 1, 4, 100));
    pwhash_stats(p, &s);
    cr_assert_eq(s.threads, 1, "one thread at least");
    cr_assert_eq(s.queue_max, 0);
    pwhash_free(p);
    cfg_deinit(&cfg);
    p = pwhash_new(conf(&cfg, 16, 0, 100));
    pwhash_stats(p, &s);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cr_assert_eq(s.threads, ncpu < 8 ? ncpu : 8, "0 means one per CPU");
    cr_assert_leq(s.threads + s.queue_max, 8);
    pwhash_free(p);
    cfg_deinit(&cfg);
}

Test(pwhash, makes_and_verifies_yescrypt_hashes)
{
    struct config cfg;
    struct pwhash *p = pwhash_new(conf(&cfg, 8, 2, 1000));
    char h[AUTH_HASH_MAX];
    cr_assert_eq(pwhash_make(p, "correct-horse-9", h, sizeof(h)), 0);
    cr_assert_eq(strncmp(h, "$y$", 3), 0, "%s", h);
    bool ok = false;
    cr_assert_eq(pwhash_verify(p, "correct-horse-9", h, &ok), 0);
    cr_assert(ok);
    cr_assert_eq(pwhash_verify(p, "correct-horse-8", h, &ok), 0);
    cr_assert_not(ok);
    ok = true;
    cr_assert_eq(pwhash_verify(p, "not-a-password", NULL, &ok), 0);
    cr_assert_not(ok, "the dummy hash never matches");
    pwhash_free(p);
    cfg_deinit(&cfg);
}
