#include "server/pwhash.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/config.h"
#include "server/err.h"
#include "server/log.h"

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

/* Lives on the caller's stack: the caller waits until it is done, or takes it out of the queue
 * itself (under the lock) when its wait runs out. */
struct job {
    void (*fn)(void *arg);
    void *arg;
    enum job_state state;
    struct job *next;
};

struct pwhash {
    const struct config *cfg;
    pthread_mutex_t mu;
    pthread_cond_t work; /* threads wait for a job */
    pthread_cond_t done; /* callers wait for their job (broadcast; each checks its own) */
    struct job *head, *tail;
    int nthreads, queue_max, wait_ms;
    int running, queued; /* guarded by mu */
    long ndone, refused; /* guarded by mu */
    bool stop;
    pthread_t *th;
    char dummy[AUTH_HASH_MAX];
};

static int cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static void *thread_main(void *arg)
{
    struct pwhash *p = arg;
    /* Below the workers and loops: when the CPUs are short, other routes go first. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), PWHASH_NICE) != 0)
        log_debug("pwhash: setpriority: %s", strerror(errno));
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->head)
            break; /* stopping, and every queued job has run */
        struct job *j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->running++;
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&p->mu);
        j->fn(j->arg);
        pthread_mutex_lock(&p->mu);
        j->state = JOB_DONE;
        p->running--;
        p->ndone++;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void unlink_job(struct pwhash *p, struct job *j)
{
    struct job **pp = &p->head, *prev = NULL;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    SD_ASSERT(*pp == j);
    *pp = j->next;
    if (p->tail == j)
        p->tail = prev;
    p->queued--;
}

int pwhash_run(struct pwhash *p, void (*fn)(void *arg), void *arg)
{
    struct job j = {.fn = fn, .arg = arg, .state = JOB_QUEUED};
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += p->wait_ms / 1000;
    deadline.tv_nsec += (long)(p->wait_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&p->mu);
    if (p->stop || p->running + p->queued >= p->nthreads + p->queue_max) {
        p->refused++;
        pthread_mutex_unlock(&p->mu);
        return SD_ERR_UNAVAILABLE;
    }
    /* With a thread idle the job is as good as started; only one queued behind busy threads
     * has a deadline. */
    bool behind = p->running + p->queued >= p->nthreads;
    if (p->tail)
        p->tail->next = &j;
    else
        p->head = &j;
    p->tail = &j;
    p->queued++;
    pthread_cond_signal(&p->work);
    while (j.state == JOB_QUEUED) {
        if (!behind) {
            pthread_cond_wait(&p->done, &p->mu);
        } else if (pthread_cond_timedwait(&p->done, &p->mu, &deadline) == ETIMEDOUT &&
                   j.state == JOB_QUEUED) {
            unlink_job(p, &j);
            p->refused++;
            pthread_mutex_unlock(&p->mu);
            return SD_ERR_UNAVAILABLE;
        }
    }
    while (j.state != JOB_DONE) /* started: it finishes in one hash's time */
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

struct hash_job {
    const struct config *cfg;
    const char *password, *hash;
    char *out;
    size_t outlen;
    int rc;
    bool ok;
};

static void do_make(void *arg)
{
    struct hash_job *h = arg;
    h->rc = auth_password_hash(h->cfg, h->password, h->out, h->outlen);
}

static void do_verify(void *arg)
{
    struct hash_job *h = arg;
    h->ok = auth_password_verify(h->password, h->hash);
}

int pwhash_make(struct pwhash *p, const char *password, char *out, size_t outlen)
{
    struct hash_job h = {.cfg = p->cfg, .password = password, .out = out, .outlen = outlen};
    int rc = pwhash_run(p, do_make, &h);
    return rc ? rc : h.rc;
}

int pwhash_verify(struct pwhash *p, const char *password, const char *hash, bool *ok)
{
    struct hash_job h = {.password = password, .hash = hash ? hash : p->dummy};
    *ok = false;
    int rc = pwhash_run(p, do_verify, &h);
    if (rc == 0)
        *ok = hash && h.ok;
    return rc;
}

struct pwhash *pwhash_new(const struct config *cfg)
{
    struct pwhash *p = xcalloc(1, sizeof(*p));
    p->cfg = cfg;
    int threads = cfg->hash_threads > 0 ? cfg->hash_threads : cpu_count();
    /* Hashing may hold at most half of the workers (threads running + jobs queued). */
    int cap = cfg->workers / 2 > 1 ? cfg->workers / 2 : 1;
    p->nthreads = threads < cap ? threads : cap;
    p->queue_max = p->nthreads < cap - p->nthreads ? p->nthreads : cap - p->nthreads;
    p->wait_ms = cfg->hash_wait_ms;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->done, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&p->work, NULL);
    if (auth_password_hash(cfg, "not-a-password", p->dummy, sizeof(p->dummy)) != 0)
        p->dummy[0] = '\0';
    p->th = xcalloc((size_t)p->nthreads, sizeof(*p->th));
    for (int i = 0; i < p->nthreads; i++)
        SD_ASSERT(pthread_create(&p->th[i], NULL, thread_main, p) == 0);
    log_info("pwhash: %d hashing threads, %d queued at most, %d ms wait", p->nthreads, p->queue_max,
             p->wait_ms);
    return p;
}

void pwhash_free(struct pwhash *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->th[i], NULL);
    free(p->th);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void pwhash_stats(struct pwhash *p, struct pwhash_stats *out)
{
    pthread_mutex_lock(&p->mu);
    *out = (struct pwhash_stats){.threads = p->nthreads,
                                 .queue_max = p->queue_max,
                                 .running = p->running,
                                 .queued = p->queued,
                                 .done = p->ndone,
                                 .refused = p->refused};
    pthread_mutex_unlock(&p->mu);
}
