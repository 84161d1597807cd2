/* The combiner (server/combine.h): members queued while a batch runs go into the next one, in
 * arrival order, at most `max` a batch; each is decided exactly once; leadership passes on. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "server/combine.h"

#define N 24
#define MAX 5

struct rec {
    int decided;         /* times a batch decided it */
    int batch;           /* which batch */
    pthread_t leader;    /* the thread that ran its batch */
};

static struct rec recs[N];
static struct combine_member members[N];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int nbatches, sizes[N];
static uint64_t seqs[N][MAX];
static atomic_int started, arrived;

static void run_batch(struct combine_member *const *m, size_t n, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&mu);
    int b = nbatches++;
    sizes[b] = (int)n;
    for (size_t i = 0; i < n; i++) {
        struct rec *r = m[i]->arg;
        r->decided++;
        r->batch = b;
        r->leader = pthread_self();
        seqs[b][i] = m[i]->seq;
    }
    pthread_mutex_unlock(&mu);
    if (b == 0) { /* the first batch is slow: everyone else queues behind it */
        while (atomic_load(&arrived) < N - 1)
            usleep(1000);
        usleep(200000); /* from "about to call combine_run" to queued */
    }
}

/* Every batch has 1..max members, the batches carry all n, and arrival numbers (seq, max a
 * batch) grow within and across batches. */
static void check_batches(const int *size, const uint64_t *seq, int max, int nb, int n)
{
    int total = 0;
    uint64_t last = 0;
    for (int b = 0; b < nb; b++) {
        cr_assert(size[b] >= 1 && size[b] <= max, "batch %d has %d", b, size[b]);
        total += size[b];
        for (int i = 0; i < size[b]; i++) {
            cr_assert_gt(seq[b * max + i], last, "arrival order within and across batches");
            last = seq[b * max + i];
        }
    }
    cr_assert_eq(total, n);
}

static void *member(void *arg)
{
    long i = (long)arg;
    members[i].arg = &recs[i];
    if (i > 0)
        while (atomic_load(&started) == 0)
            usleep(100);
    else
        atomic_store(&started, 1);
    if (i > 0) {
        usleep(20000); /* after member 0 leads */
        atomic_fetch_add(&arrived, 1);
    }
    combine_run(42, &members[i], MAX, run_batch, NULL);
    cr_assert_eq(recs[i].decided, 1, "member %ld decided once before it returns", i);
    return NULL;
}

Test(combine, queued_members_share_batches_in_arrival_order)
{
    uint64_t batches0, served0;
    combine_stats(&batches0, &served0); /* (suites may run in one process: count from here) */
    pthread_t th[N];
    for (long i = 0; i < N; i++)
        pthread_create(&th[i], NULL, member, (void *)i);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    check_batches(sizes, &seqs[0][0], MAX, nbatches, N);
    cr_assert_eq(sizes[0], 1, "the first ran alone");
    cr_assert_lt(nbatches, N, "the others were combined (%d batches)", nbatches);
    cr_assert_eq(nbatches, 1 + (N - 1 + MAX - 1) / MAX, "full batches of %d behind the first", MAX);
    /* Leadership passed on: more than one thread ran batches. */
    int leaders = 0;
    for (int i = 0; i < N; i++)
        if (pthread_equal(recs[i].leader, th[i]))
            leaders++;
    cr_assert_eq(leaders, nbatches, "each batch was run by one of its own members");
    uint64_t batches, served;
    combine_stats(&batches, &served);
    cr_assert_eq(batches - batches0, (uint64_t)nbatches);
    cr_assert_eq(served - served0, (uint64_t)N);
}

static atomic_int key1_running;

static void slow_batch(struct combine_member *const *m, size_t n, void *ctx)
{
    (void)m;
    (void)n;
    (void)ctx;
    atomic_store(&key1_running, 1);
    while (atomic_load(&key1_running) == 1)
        usleep(1000); /* until key 2's batch has run */
}

static void other_batch(struct combine_member *const *m, size_t n, void *ctx)
{
    (void)m;
    (void)n;
    (void)ctx;
    cr_assert_eq(atomic_load(&key1_running), 1, "key 2 ran while key 1's batch was in flight");
    atomic_store(&key1_running, 2);
}

static void *key1(void *arg)
{
    combine_run(1001, arg, MAX, slow_batch, NULL);
    return NULL;
}

Test(combine, different_keys_do_not_wait_for_each_other)
{
    static struct combine_member a, b;
    pthread_t t;
    pthread_create(&t, NULL, key1, &a);
    while (atomic_load(&key1_running) == 0)
        usleep(1000);
    combine_run(1002, &b, MAX, other_batch, NULL);
    pthread_join(t, NULL);
    cr_assert_eq(atomic_load(&key1_running), 2);
}

/* Parked members (combine_enter/combine_resume): a thread does not wait for its member's batch,
 * so a batch can carry more members than there are threads. Three threads here enter 30
 * members; woken members go to a queue that the same threads serve. */
#define PN 30
#define PMAX 8
#define PTHREADS 3

static struct combine_member pm[PN];
static struct rec precs[PN];
static pthread_mutex_t pmu = PTHREAD_MUTEX_INITIALIZER;
static struct combine_member *woken[4 * PN];
static int nwoken, ntaken, pbatches, psizes[PN];
static uint64_t pseqs[PN][PMAX];
static atomic_int pentered, pdecided;

static void park_batch(struct combine_member *const *m, size_t n, void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&pmu);
    int b = pbatches++;
    psizes[b] = (int)n;
    for (size_t i = 0; i < n; i++) {
        struct rec *r = m[i]->arg;
        r->decided++;
        r->batch = b;
        pseqs[b][i] = m[i]->seq;
    }
    pthread_mutex_unlock(&pmu);
    atomic_fetch_add(&pdecided, (int)n);
    if (b == 0) { /* the first batch is slow: every other member queues behind it */
        /* Member 0 counts as entered only now that it leads: counted before its
         * combine_enter, member 1 could enter first and lead instead. */
        atomic_fetch_add(&pentered, 1);
        while (atomic_load(&pentered) < PN)
            usleep(1000);
    }
}

static void park_wake(struct combine_member *m)
{
    pthread_mutex_lock(&pmu);
    woken[nwoken++] = m;
    pthread_mutex_unlock(&pmu);
}

/* Thread 0 enters member 0, which leads the slow first batch; threads 1 and 2 enter the others
 * meanwhile, once it leads. Then all three serve the woken members until every member is
 * decided. */
static void *parker(void *arg)
{
    long t = (long)arg;
    if (t == 0) {
        pm[0].arg = &precs[0];
        pm[0].wake = park_wake;
        cr_assert(combine_enter(7, &pm[0], PMAX, park_batch, NULL), "the first leads");
    } else {
        while (atomic_load(&pentered) == 0)
            usleep(100);
        for (long i = t; i < PN; i += PTHREADS - 1) {
            pm[i].arg = &precs[i];
            pm[i].wake = park_wake;
            pthread_mutex_lock(&pmu); /* enter in index order, so that seq follows i */
            while (atomic_load(&pentered) != i) {
                pthread_mutex_unlock(&pmu);
                usleep(100);
                pthread_mutex_lock(&pmu);
            }
            bool led = combine_enter(7, &pm[i], PMAX, park_batch, NULL);
            atomic_fetch_add(&pentered, 1);
            pthread_mutex_unlock(&pmu);
            cr_assert(!led, "member %ld queued behind the first batch", i);
        }
    }
    for (;;) {
        struct combine_member *m = NULL;
        pthread_mutex_lock(&pmu);
        bool over = atomic_load(&pdecided) == PN && ntaken == nwoken;
        if (ntaken < nwoken)
            m = woken[ntaken++];
        pthread_mutex_unlock(&pmu);
        if (over)
            break;
        if (m)
            combine_resume(7, m, PMAX, park_batch, NULL);
        else
            usleep(500);
    }
    return NULL;
}

Test(combine, parked_members_fill_batches_beyond_the_threads, .timeout = 60)
{
    pthread_t th[PTHREADS];
    for (long t = 0; t < PTHREADS; t++)
        pthread_create(&th[t], NULL, parker, (void *)t);
    for (int t = 0; t < PTHREADS; t++)
        pthread_join(th[t], NULL);
    check_batches(psizes, &pseqs[0][0], PMAX, pbatches, PN);
    for (int i = 0; i < PN; i++)
        cr_assert_eq(precs[i].decided, 1, "member %d decided once", i);
    cr_assert_eq(psizes[0], 1, "the first ran alone");
    cr_assert_eq(psizes[1], PMAX, "the next batch took %d parked members, more than the %d threads",
                 PMAX, PTHREADS);
    cr_assert_eq(pbatches, 1 + (PN - 1 + PMAX - 1) / PMAX);
    /* Every member but the first was woken once: decided, or to lead (then decided by itself). */
    cr_assert_eq(nwoken, PN - 1);
}
