#include "server/combine.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "base/xalloc.h"

/* One slot per key with members queued or a batch in flight; freed when idle. */
struct slot {
    int64_t key;
    bool busy; /* a leader is running a batch (or was handed leadership) */
    struct combine_member *head, *tail;
    size_t queued; /* members in the queue */
    size_t last;   /* members of the batch before (0: none since the slot was idle) */
    size_t want;   /* a leader waits for this many queued (0: nobody waits) */
    pthread_cond_t more;
    struct slot *next; /* in the bucket */
};

/* How long a leader handed a queue shorter than the batch before waits for it to fill up: the
 * requests the batch before answered are on their way back (a closed loop of clients), and a
 * batch costs the same round trips however many it carries. Only while the slot stays busy; the
 * first request after an idle moment leads at once. */
#define COMBINE_FILL_WAIT_US 1000

#define BUCKETS 1024
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot *buckets[BUCKETS];
static uint64_t arrivals;
static atomic_uint_fast64_t nbatches, nmembers;

static struct slot **find(int64_t key)
{
    struct slot **p = &buckets[(uint64_t)key % BUCKETS];
    while (*p && (*p)->key != key)
        p = &(*p)->next;
    return p;
}

/* Queues m under key (mu held). Returns true when m leads: the slot was idle. */
static bool join(int64_t key, struct combine_member *m)
{
    pthread_cond_init(&m->cv, NULL);
    m->done = m->lead = false;
    m->next = NULL;
    m->seq = ++arrivals;
    struct slot **pp = find(key), *s = *pp;
    if (!s) {
        s = xcalloc(1, sizeof(*s));
        s->key = key;
        pthread_cond_init(&s->more, NULL);
        *pp = s;
    }
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    s->queued++;
    if (s->want && s->queued >= s->want)
        pthread_cond_signal(&s->more);
    if (!s->busy) {
        s->busy = true;
        m->lead = true;
    }
    return m->lead;
}

/* Tells a member its outcome is decided, or that it leads now (mu held). Parked members are
 * collected in wake[] to be woken once mu is released. */
static void tell(struct combine_member *x, struct combine_member **wake, size_t *nwake)
{
    if (x->wake)
        wake[(*nwake)++] = x;
    else
        pthread_cond_signal(&x->cv);
}

/* Leads one batch: m is the head of key's queue (mu held on entry, released on return). */
static void lead(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx)
{
    if (max < 1 || max > COMBINE_MAX)
        max = COMBINE_MAX;
    struct slot *s = *find(key);
    SD_ASSERT(s && s->busy && s->head == m);
    /* Take m and those behind it, in arrival order. */
    size_t want = s->last < max ? s->last : max;
    if (s->queued < want) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += COMBINE_FILL_WAIT_US * 1000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        s->want = want;
        while (s->queued < want && pthread_cond_timedwait(&s->more, &mu, &until) == 0)
            ;
        s->want = 0;
    }
    struct combine_member *batch[COMBINE_MAX];
    size_t n = 0;
    while (s->head && n < max) {
        struct combine_member *x = s->head;
        s->head = x->next;
        x->next = NULL;
        batch[n++] = x;
    }
    if (!s->head)
        s->tail = NULL;
    s->queued -= n;
    s->last = n;
    pthread_mutex_unlock(&mu);

    fn(batch, n, ctx);
    atomic_fetch_add(&nbatches, 1);
    atomic_fetch_add(&nmembers, n);

    struct combine_member *wake[COMBINE_MAX + 1];
    size_t nwake = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 1; i < n; i++) {
        batch[i]->done = true;
        tell(batch[i], wake, &nwake);
    }
    if (s->head) {
        s->head->lead = true; /* hand over: the next batch is that member's to run */
        tell(s->head, wake, &nwake);
    } else {
        s->busy = false;
        *find(key) = s->next;
        pthread_cond_destroy(&s->more);
        free(s);
    }
    pthread_mutex_unlock(&mu);
    /* Once woken, a member may be resumed, answered and freed on another thread: not touched
     * here after its wake. */
    for (size_t i = 0; i < nwake; i++)
        wake[i]->wake(wake[i]);
}

void combine_run(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx)
{
    m->wake = NULL;
    pthread_mutex_lock(&mu);
    join(key, m);
    while (!m->done && !m->lead)
        pthread_cond_wait(&m->cv, &mu);
    if (m->done)
        pthread_mutex_unlock(&mu);
    else
        lead(key, m, max, fn, ctx);
    pthread_cond_destroy(&m->cv);
}

bool combine_enter(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx)
{
    SD_ASSERT(m->wake);
    pthread_mutex_lock(&mu);
    if (!join(key, m)) {
        pthread_mutex_unlock(&mu);
        return false;
    }
    lead(key, m, max, fn, ctx);
    pthread_cond_destroy(&m->cv);
    return true;
}

void combine_resume(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx)
{
    pthread_mutex_lock(&mu);
    if (m->done)
        pthread_mutex_unlock(&mu);
    else
        lead(key, m, max, fn, ctx);
    pthread_cond_destroy(&m->cv);
}

void combine_stats(uint64_t *batches, uint64_t *members)
{
    *batches = atomic_load(&nbatches);
    *members = atomic_load(&nmembers);
}
