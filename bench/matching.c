/* Matching evaluation and benchmark on synthetic data with planted true pairs.
 *
 *   matching eval  N...   recall@10 and MRR@10 of the planted pairs (demand -> its hidden supply)
 *   matching bench N...   build time, RSS, bytes/project, top-10 latency (index vs exhaustive),
 *                         speed-up and index == exhaustive agreement
 *
 * N is the number of projects per side. Single thread. Reads /proc/self/status for RSS. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matching/index.h"
#include "matching/synth.h"
#include "base/xalloc.h"

#define SEED 20190216
#define TRUE_FRACTION 0.3
#define K 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof(*v), cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

/* Builds the index for N per side; optionally records the planted truth per demand index. */
static struct match_index *build(size_t n, int64_t *truth, double *secs)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct synth_params sp = {SEED, n, TRUE_FRACTION};
    struct synth_project *p = xmalloc(sizeof(*p));
    double t0 = now_s();
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < n; i++) {
            int64_t t = 0;
            synth_project(&sp, (enum match_side)side, i, p, &t);
            if (match_index_upsert(idx, &p->p) != 0) {
                fprintf(stderr, "upsert %" PRId64 " failed\n", p->p.id);
                exit(1);
            }
            if (side == MATCH_DEMAND && truth)
                truth[i] = t;
        }
    }
    match_index_compact(idx);
    *secs = now_s() - t0;
    free(p);
    return idx;
}

static bool same_results(const struct match_result *a, size_t na, const struct match_result *b,
                         size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].id != b[i].id || a[i].score != b[i].score)
            return false;
    return true;
}

static void eval(size_t n)
{
    int64_t *truth = xcalloc(n, sizeof(*truth));
    double secs;
    struct match_index *idx = build(n, truth, &secs);
    size_t planted = 0, hits = 0, agree = 0, checked = 0;
    double rr = 0.0;
    struct match_result res[K], ex[K];
    for (size_t j = 0; j < n; j++) {
        if (!truth[j])
            continue;
        planted++;
        int64_t qid = (int64_t)(n + j) + 1;
        size_t nr;
        if (match_index_topk(idx, qid, K, NULL, NULL, res, &nr) != 0)
            abort();
        for (size_t r = 0; r < nr; r++) {
            if (res[r].id == truth[j]) {
                hits++;
                rr += 1.0 / (double)(r + 1);
                break;
            }
        }
        if (planted % 50 == 1) {
            size_t ne;
            if (match_index_topk_exhaustive(idx, qid, K, NULL, NULL, ex, &ne) != 0)
                abort();
            checked++;
            agree += same_results(res, nr, ex, ne);
        }
    }
    printf("eval N=%zu per side: planted pairs %zu, recall@10 %.4f, MRR@10 %.4f "
           "(index == exhaustive on %zu/%zu sampled queries; build %.1f s)\n",
           n, planted, planted ? (double)hits / (double)planted : 0.0,
           planted ? rr / (double)planted : 0.0, agree, checked, secs);
    fflush(stdout);
    match_index_free(idx);
    free(truth);
}

static void bench(size_t n)
{
    long rss0 = rss_kb();
    double secs;
    struct match_index *idx = build(n, NULL, &secs);
    long rss1 = rss_kb();
    size_t nproj = 2 * n;
    printf("bench N=%zu per side (%zu projects)\n", n, nproj);
    printf("  build (generate + upsert + compact): %.2f s\n", secs);
    printf("  RSS after build: %.1f MB (index: %.1f MB RSS delta, %.0f B/project; "
           "own accounting %.0f B/project)\n",
           (double)rss1 / 1024.0, (double)(rss1 - rss0) / 1024.0,
           (double)(rss1 - rss0) * 1024.0 / (double)nproj,
           (double)match_index_memory(idx) / (double)nproj);
    fflush(stdout);

    size_t nq = 2000, nex = n >= 1000000 ? 200 : 400;
    double *lat = xmalloc(nq * sizeof(*lat));
    double *cpu = xmalloc(nq * sizeof(*cpu));
    double *elat = xmalloc(nex * sizeof(*elat));
    double *ilat = xmalloc(nex * sizeof(*ilat));
    uint64_t rs = SEED;
    struct match_result res[K], ex[K];
    size_t nr, ne;
    for (size_t q = 0; q < nq; q++) {
        int64_t qid = (int64_t)(splitmix(&rs) % nproj) + 1;
        double t0 = now_s(), c0 = cpu_s();
        if (match_index_topk(idx, qid, K, NULL, NULL, res, &nr) != 0)
            abort();
        cpu[q] = cpu_s() - c0;
        lat[q] = now_s() - t0;
    }
    size_t agree = 0;
    for (size_t q = 0; q < nex; q++) {
        int64_t qid = (int64_t)(splitmix(&rs) % nproj) + 1;
        double t0 = now_s();
        if (match_index_topk(idx, qid, K, NULL, NULL, res, &nr) != 0)
            abort();
        double t1 = now_s();
        if (match_index_topk_exhaustive(idx, qid, K, NULL, NULL, ex, &ne) != 0)
            abort();
        double t2 = now_s();
        ilat[q] = t1 - t0;
        elat[q] = t2 - t1;
        agree += same_results(res, nr, ex, ne);
    }
    double mean_i = 0, mean_e = 0;
    for (size_t q = 0; q < nex; q++) {
        mean_i += ilat[q];
        mean_e += elat[q];
    }
    double p50 = pct(lat, nq, 0.50) * 1e3, p99 = pct(lat, nq, 0.99) * 1e3;
    double e50 = pct(elat, nex, 0.50) * 1e3, e99 = pct(elat, nex, 0.99) * 1e3;
    double i50 = pct(ilat, nex, 0.50) * 1e3;
    double c50 = pct(cpu, nq, 0.50) * 1e3, c99 = pct(cpu, nq, 0.99) * 1e3;
    printf("  top-10 index latency over %zu random queries: p50 %.3f ms, p99 %.3f ms wall "
           "(thread CPU time: p50 %.3f ms, p99 %.3f ms)\n",
           nq, p50, p99, c50, c99);
    printf("  top-10 exhaustive latency over %zu queries: p50 %.3f ms, p99 %.3f ms\n", nex, e50,
           e99);
    printf("  speed-up on the same %zu queries: %.1fx (mean), %.1fx (median %.3f ms vs %.3f ms)\n",
           nex, mean_e / mean_i, e50 / i50, e50, i50);
    printf("  index top-10 == exhaustive top-10: %zu/%zu = %.2f%%\n", agree, nex,
           100.0 * (double)agree / (double)nex);
    fflush(stdout);
    free(lat);
    free(cpu);
    free(elat);
    free(ilat);
    match_index_free(idx);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "eval") && strcmp(argv[1], "bench"))) {
        fprintf(stderr, "usage: %s eval|bench N...\n", argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        size_t n = (size_t)strtoull(argv[i], NULL, 10);
        if (n == 0) {
            fprintf(stderr, "bad N: %s\n", argv[i]);
            return 2;
        }
        if (argv[1][0] == 'e')
            eval(n);
        else
            bench(n);
    }
    return 0;
}
