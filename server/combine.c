#include "server/combine.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "base/xalloc.h"

/* One slot per key with members queued or a batch in flight; freed when idle. */
struct slot {
    int64_t key;
    bool busy; /* a leader is running a batch (or was handed leadership) */
    struct combine_member *head, *tail;
    struct slot *next; /* in the bucket */
};

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

void combine_run(int64_t key, struct combine_member *m, size_t max, combine_fn fn, void *ctx)
{
    if (max < 1 || max > COMBINE_MAX)
        max = COMBINE_MAX;
    pthread_cond_init(&m->cv, NULL);
    m->done = m->lead = false;
    m->next = NULL;
    pthread_mutex_lock(&mu);
    m->seq = ++arrivals;
    struct slot **pp = find(key), *s = *pp;
    if (!s) {
        s = xcalloc(1, sizeof(*s));
        s->key = key;
        *pp = s;
    }
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    if (!s->busy) {
        s->busy = true;
        m->lead = true;
    }
    while (!m->done && !m->lead)
        pthread_cond_wait(&m->cv, &mu);
    if (m->done) {
        pthread_mutex_unlock(&mu);
        pthread_cond_destroy(&m->cv);
        return;
    }
    /* Leading: m is the head of the queue (it arrived first, or was handed leadership as the
     * first one left). Take it and those behind it, in arrival order. */
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
    pthread_mutex_unlock(&mu);

    fn(batch, n, ctx);
    atomic_fetch_add(&nbatches, 1);
    atomic_fetch_add(&nmembers, n);

    pthread_mutex_lock(&mu);
    for (size_t i = 1; i < n; i++) {
        batch[i]->done = true;
        pthread_cond_signal(&batch[i]->cv);
    }
    if (s->head) {
        s->head->lead = true; /* hand over: the next batch is that worker's to run */
        pthread_cond_signal(&s->head->cv);
    } else {
        s->busy = false;
        *find(key) = s->next;
        free(s);
    }
    pthread_mutex_unlock(&mu);
    pthread_cond_destroy(&m->cv);
}

void combine_stats(uint64_t *batches, uint64_t *members)
{
    *batches = atomic_load(&nbatches);
    *members = atomic_load(&nmembers);
}
