/* Matching evaluation and benchmark on synthetic data with planted true pairs.
 *
 *   matching eval  N...   recall@10 and MRR@10 of the planted pairs (demand -> its hidden supply)
 *   matching bench N...   build time, RSS, bytes/project, top-10 latency (index vs exhaustive),
 *                         speed-up and index == exhaustive agreement
 *   matching_ab ab NQ N...   (make bench-matching-ab) another commit's index and this one, same
 *                         corpus, NQ queries alternately: thread CPU p50/p99 of each, and agreement
 *   matching query N NQ [NCHECK [MODE]]   NQ top-10 queries only (thread CPU p50/p99, for a
 *                         profiler), then NCHECK of them compared with exhaustive scoring
 *                         (MODE 1: the shorter-range budget mode)
 *
 * N is the number of projects per side. Single thread. Reads /proc/self/status for RSS. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matching/exposure.h"
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

/* ---- the exposure evaluation (issue 17) ---- */

#define FLOOR_SLACK 0.05
#define M 50 /* candidates each query's re-ranking looks at */

struct meta {
    uint8_t tier, stage, budget; /* budget: 0 known, 1 wide (hi >= 20 x lo), 2 unknown */
    uint8_t broad;               /* six tags or more: a "one-stop" project */
};

static const char *const budget_class[] = {"known", "wide", "unknown"};

struct config_row {
    const char *name;
    enum match_budget_mode mode;
    double cap_factor;
    size_t floor;
};

static int cmp_size_desc(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x < y) - (x > y);
}

/* Gini of v[0..n) (sorted descending on return). */
static double gini(size_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_size_desc);
    double sum = 0, acc = 0;
    for (size_t i = 0; i < n; i++) {
        sum += (double)v[i];
        /* ascending rank r = n - i */
        acc += (double)(n - i) * (double)v[i];
    }
    if (sum == 0)
        return 0;
    return (2.0 * acc) / ((double)n * sum) - ((double)n + 1.0) / (double)n;
}

struct side_eval {
    /* per query (of the side whose lists these are) */
    struct match_result *cand; /* nq * M */
    size_t *ncand;
};

static void eval_exposure(size_t n, double cap_factor, size_t floor_k, double floor_min)
{
    struct synth_params sp = {SEED, n, TRUE_FRACTION};
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct synth_project *p = xmalloc(sizeof(*p));
    struct meta *meta = xcalloc(2 * n + 1, sizeof(*meta));
    int64_t *truth = xcalloc(n, sizeof(*truth)); /* demand j -> supply id */
    size_t *planted_on = xcalloc(n + 1, sizeof(*planted_on));
    double t0 = now_s();
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < n; i++) {
            int64_t t = 0;
            synth_project(&sp, (enum match_side)side, i, p, &t);
            if (match_index_upsert(idx, &p->p) != 0)
                abort();
            struct meta *m = &meta[p->p.id];
            m->tier = (uint8_t)synth_org_tier(&sp, p->p.org_id);
            m->stage = (uint8_t)p->p.stage;
            m->budget = p->p.budget_max == 0                           ? 2
                        : p->p.budget_max >= 20 * (p->p.budget_min + 1) ? 1
                                                                        : 0;
            m->broad = p->p.ntags >= 6;
            if (side == MATCH_DEMAND) {
                truth[i] = t;
                if (t)
                    planted_on[t]++;
            }
        }
    }
    match_index_compact(idx);
    printf("exposure eval N=%zu per side (skewed generator, seed %d; build %.1f s); lists of %d, "
           "re-ranking over the best %d; cap %.1fx the average, floor %zu lists at score >= %.2f\n",
           n, SEED, now_s() - t0, K, M, cap_factor, floor_k, floor_min);
    size_t nbroad = 0, nunk = 0, nwide = 0, ntier[SYNTH_TIER_COUNT] = {0};
    for (size_t id = 1; id <= 2 * n; id++) {
        nbroad += meta[id].broad;
        nunk += meta[id].budget == 2;
        nwide += meta[id].budget == 1;
        ntier[meta[id].tier]++;
    }
    printf("  data: %zu broad projects, %zu wide and %zu unknown budgets; tiers leader %zu, "
           "innovative %zu, seed %zu, other %zu (both sides)\n",
           nbroad, nwide, nunk, ntier[0], ntier[1], ntier[2], ntier[3]);

    const struct config_row rows[] = {
        {"before: old scorer, no control", MATCH_BUDGET_SHORTER, 0, 0},
        {"old scorer + cap/floor", MATCH_BUDGET_SHORTER, cap_factor, floor_k},
        {"new scorer, no control", MATCH_BUDGET_SYMMETRIC, 0, 0},
        {"after: new scorer + cap/floor", MATCH_BUDGET_SYMMETRIC, cap_factor, floor_k},
    };
    size_t nrows = sizeof(rows) / sizeof(rows[0]);
    struct match_result *cand = xmalloc(n * M * sizeof(*cand));
    struct exposure_query *qs = xmalloc(n * sizeof(*qs));
    size_t *expo = xmalloc((2 * n + 1) * sizeof(*expo));
    size_t *tmp = xmalloc(n * sizeof(*tmp));
    double tier_mean[8][2][SYNTH_TIER_COUNT], stage_mean[8][2][4], bud_mean[8][2][3],
        broad_mean[8][2];
    enum match_budget_mode cur = (enum match_budget_mode)-1;
    for (int qside = 1; qside >= 0; qside--) { /* demand lists (supply shown) first */
        int shown = 1 - qside;
        printf("\n  %s lists, %s projects shown:\n", qside ? "demand" : "supply",
               shown ? "demand" : "supply");
        printf("  %-32s %9s %7s %8s %7s %7s %6s %5s %6s %6s %8s\n", "", "recall@10", "MRR",
               "distinct", "top1%", "top10%", "Gini", "max", "never", "floor<", "score");
        for (size_t ri = 0; ri < nrows; ri++) {
            const struct config_row *row = &rows[ri];
            if (row->mode != cur) {
                match_index_set_budget_mode(idx, row->mode);
                cur = row->mode;
            }
            double tq = now_s();
            for (size_t i = 0; i < n; i++) {
                int64_t qid = (int64_t)(qside * n + i) + 1;
                size_t nr;
                if (match_index_topk(idx, qid, M, NULL, NULL, cand + i * M, &nr) != 0)
                    abort();
                qs[i] = (struct exposure_query){qid, cand + i * M, nr};
            }
            double tq1 = now_s();
            struct exposure_params ep = {K, row->cap_factor, row->floor, floor_min, FLOOR_SLACK,
                                         n};
            struct exposure_result er;
            exposure_assign(qs, n, &ep, &er);
            double ta = now_s() - tq1;
            (void)tq;
            memset(expo, 0, (2 * n + 1) * sizeof(*expo));
            size_t hits = 0, planted = 0;
            double rr = 0, sum_score = 0;
            for (size_t i = 0; i < n; i++) {
                const struct exposure_place *pl = &er.places[i * K];
                size_t np = row->cap_factor > 0 || row->floor ? er.nplaces[i]
                                                              : (qs[i].n < K ? qs[i].n : K);
                for (size_t r = 0; r < np; r++) {
                    int64_t id = row->cap_factor > 0 || row->floor ? pl[r].id : qs[i].cand[r].id;
                    expo[id]++;
                    sum_score += row->cap_factor > 0 || row->floor ? pl[r].score
                                                                   : qs[i].cand[r].score;
                }
                bool has_truth = qside ? truth[i] != 0 : planted_on[i + 1] != 0;
                if (!has_truth)
                    continue;
                planted++;
                for (size_t r = 0; r < np; r++) {
                    int64_t id = row->cap_factor > 0 || row->floor ? pl[r].id : qs[i].cand[r].id;
                    bool hit = qside ? id == truth[i]
                                     : (id > (int64_t)n && truth[id - (int64_t)n - 1] ==
                                                               (int64_t)i + 1);
                    if (hit) {
                        hits++;
                        rr += 1.0 / (double)(r + 1);
                        break;
                    }
                }
            }
            /* Exposure over the shown side's pool (every project, shown or not). */
            size_t base = (size_t)shown * n + 1, distinct = 0, mx = 0, never = 0, fmiss = 0;
            for (size_t i = 0; i < n; i++) {
                tmp[i] = expo[base + i];
                distinct += tmp[i] > 0;
                never += tmp[i] == 0;
                if (tmp[i] > mx)
                    mx = tmp[i];
            }
            /* floor misses: shown fewer than min(floor, plausible pairs) times, a plausible
             * pair scoring >= floor_min and within the slack of its query's k-th */
            {
                size_t *plaus = xcalloc(n, sizeof(*plaus));
                for (size_t i = 0; i < n; i++) {
                    double kth = qs[i].n >= K ? qs[i].cand[K - 1].score : 0;
                    for (size_t r = 0; r < qs[i].n; r++)
                        if (qs[i].cand[r].score >= floor_min &&
                            qs[i].cand[r].score + FLOOR_SLACK > kth)
                            plaus[qs[i].cand[r].id - (int64_t)base]++;
                }
                for (size_t i = 0; i < n; i++)
                    fmiss += expo[base + i] < (plaus[i] < floor_k ? plaus[i] : floor_k);
                free(plaus);
            }
            double tot = 0;
            for (size_t i = 0; i < n; i++)
                tot += (double)tmp[i];
            double g = gini(tmp, n); /* sorts tmp descending */
            double t1 = 0, t10 = 0;
            for (size_t i = 0; i < n; i++) {
                if (i < n / 100)
                    t1 += (double)tmp[i];
                if (i < n / 10)
                    t10 += (double)tmp[i];
            }
            printf("  %-32s %9.4f %7.4f %8zu %6.1f%% %6.1f%% %6.3f %5zu %6zu %6zu %8.1f\n",
                   row->name, planted ? (double)hits / (double)planted : 0,
                   planted ? rr / (double)planted : 0, distinct, 100 * t1 / tot, 100 * t10 / tot,
                   g, mx, never, fmiss, sum_score);
            double cnt_t[SYNTH_TIER_COUNT] = {0}, sum_t[SYNTH_TIER_COUNT] = {0};
            double cnt_s[4] = {0}, sum_s[4] = {0}, cnt_b[3] = {0}, sum_b[3] = {0};
            double cnt_br = 0, sum_br = 0;
            for (size_t i = 0; i < n; i++) {
                const struct meta *m = &meta[base + i];
                double x = (double)expo[base + i];
                cnt_t[m->tier]++;
                sum_t[m->tier] += x;
                cnt_s[m->stage]++;
                sum_s[m->stage] += x;
                cnt_b[m->budget]++;
                sum_b[m->budget] += x;
                if (m->broad) {
                    cnt_br++;
                    sum_br += x;
                }
            }
            for (int t = 0; t < SYNTH_TIER_COUNT; t++)
                tier_mean[ri][shown][t] = cnt_t[t] ? sum_t[t] / cnt_t[t] : 0;
            for (int t = 0; t < 4; t++)
                stage_mean[ri][shown][t] = cnt_s[t] ? sum_s[t] / cnt_s[t] : 0;
            for (int t = 0; t < 3; t++)
                bud_mean[ri][shown][t] = cnt_b[t] ? sum_b[t] / cnt_b[t] : 0;
            broad_mean[ri][shown] = cnt_br ? sum_br / cnt_br : 0;
            if (ri == nrows - 1 || ri == 1)
                printf("  %-32s (top-%d queries %.2f s, assignment %.3f s, cap %zu)\n", "", M,
                       tq1 - tq, ta, er.cap);
            exposure_result_free(&er);
            fflush(stdout);
        }
        printf("  mean exposure of the shown %s projects:\n  %-32s", shown ? "demand" : "supply",
               "");
        for (int t = 0; t < SYNTH_TIER_COUNT; t++)
            printf(" %10s", synth_tier_name((enum synth_tier)t));
        for (int t = 0; t < 4; t++)
            printf(" %10s", match_stage_name((enum match_stage)t));
        for (int t = 0; t < 3; t++)
            printf(" %8s", budget_class[t]);
        printf(" %6s\n", "broad");
        for (size_t ri = 0; ri < nrows; ri++) {
            printf("  %-32s", rows[ri].name);
            for (int t = 0; t < SYNTH_TIER_COUNT; t++)
                printf(" %10.1f", tier_mean[ri][shown][t]);
            for (int t = 0; t < 4; t++)
                printf(" %10.1f", stage_mean[ri][shown][t]);
            for (int t = 0; t < 3; t++)
                printf(" %8.1f", bud_mean[ri][shown][t]);
            printf(" %6.1f\n", broad_mean[ri][shown]);
        }
    }
    free(cand);
    free(qs);
    free(expo);
    free(tmp);
    free(meta);
    free(truth);
    free(planted_on);
    free(p);
    match_index_free(idx);
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

    /* Compaction (issue 18): prepared aside (the server holds the read lock meanwhile), then
     * swapped in under the write lock, with `nch` changes made in between (replayed by the swap);
     * the one-step match_index_compact() is what the write lock held before. */
    {
        size_t rounds = n >= 1000000 ? 5 : 10, nch = 1000;
        double *prep = xmalloc(rounds * sizeof(*prep)), *swp = xmalloc(rounds * sizeof(*swp));
        double *swc = xmalloc(rounds * sizeof(*swc));
        struct synth_params sp = {SEED, n, TRUE_FRACTION};
        struct synth_project *p = xmalloc(sizeof(*p));
        match_index_hold_idf(idx, true); /* as the server holds its shared snapshot */
        for (size_t r = 0; r < rounds; r++) {
            double t0 = now_s();
            struct match_compaction *c = match_index_compact_prepare(idx);
            prep[r] = now_s() - t0;
            for (size_t i = 0; i < nch; i++) {
                int side = (int)(splitmix(&rs) % 2);
                size_t from = splitmix(&rs) % n, to = splitmix(&rs) % n;
                synth_project(&sp, (enum match_side)side, from, p, NULL);
                p->p.id = (int64_t)to + 1 + (side ? (int64_t)n : 0);
                if (match_index_upsert(idx, &p->p) != 0)
                    abort();
            }
            t0 = now_s();
            double c0 = cpu_s();
            if (match_index_compact_swap(idx, c) != 0)
                abort();
            swc[r] = cpu_s() - c0;
            swp[r] = now_s() - t0;
            match_compaction_free(c);
        }
        double t0 = now_s(), c0 = cpu_s();
        match_index_compact(idx);
        double one = now_s() - t0, onec = cpu_s() - c0;
        size_t agree2 = 0, nchk = 50;
        for (size_t q = 0; q < nchk; q++) {
            int64_t qid = (int64_t)(splitmix(&rs) % nproj) + 1;
            if (match_index_topk(idx, qid, K, NULL, NULL, res, &nr) != 0 ||
                match_index_topk_exhaustive(idx, qid, K, NULL, NULL, ex, &ne) != 0)
                abort();
            agree2 += same_results(res, nr, ex, ne);
        }
        double pmed = pct(prep, rounds, 0.5), smed = pct(swp, rounds, 0.5);
        double s99 = pct(swp, rounds, 0.99), w50 = pct(swc, rounds, 0.5);
        double w99 = pct(swc, rounds, 0.99);
        printf("  compaction: prepared aside (read lock) p50 %.2f s; write-lock hold of the swap "
               "(IDF held, as the server does; %zu changes in between, replayed) p50 %.1f ms, p99 %.1f ms wall (thread CPU p50 "
               "%.1f ms, p99 %.1f ms) over %zu rounds; one-step match_index_compact (the write-lock "
               "hold before) %.2f s wall, %.2f s CPU; after the changes index == exhaustive on "
               "%zu/%zu queries\n",
               pmed, nch, smed * 1e3, s99 * 1e3, w50 * 1e3, w99 * 1e3, rounds, one, onec, agree2,
               nchk);
        fflush(stdout);
        free(prep);
        free(swp);
        free(swc);
        free(p);
    }

    /* Exposure control (issue 17): each list's re-ranking needs the query's best M instead of
     * its best 10, then one assignment over every list of a side. */
    size_t nm = 2000;
    double *mlat = xmalloc(nm * sizeof(*mlat));
    struct match_result *mc = xmalloc(nm * M * sizeof(*mc));
    size_t *mn = xmalloc(nm * sizeof(*mn));
    for (size_t q = 0; q < nm; q++) {
        int64_t qid = (int64_t)(splitmix(&rs) % n) + (int64_t)n + 1; /* demand queries */
        double t0 = now_s();
        if (match_index_topk(idx, qid, M, NULL, NULL, mc + q * M, &mn[q]) != 0)
            abort();
        mlat[q] = now_s() - t0;
    }
    double mmean = 0;
    for (size_t q = 0; q < nm; q++)
        mmean += mlat[q] / (double)nm;
    double m50 = pct(mlat, nm, 0.50) * 1e3, m99 = pct(mlat, nm, 0.99) * 1e3;
    /* The assignment over n lists: the nm measured ones, each standing for n / nm queries. */
    struct exposure_query *eq = xmalloc(n * sizeof(*eq));
    for (size_t q = 0; q < n; q++)
        eq[q] = (struct exposure_query){(int64_t)q + 1, mc + (q % nm) * M, mn[q % nm]};
    struct exposure_params ep = {K, 3.0, 3, 0.3, 0.05, n};
    struct exposure_result er;
    double ta0 = now_s();
    exposure_assign(eq, n, &ep, &er);
    double ta = now_s() - ta0;
    exposure_result_free(&er);
    printf("  exposure re-ranking: top-%d candidates p50 %.3f ms, p99 %.3f ms per query (plain "
           "top-10: p50 %.3f ms, p99 %.3f ms; ratio p99 %.2fx); assignment over %zu lists "
           "%.2f s (%.1f us per query)\n",
           M, m50, m99, p50, p99, m99 / p99, n, ta, ta * 1e6 / (double)n);
    printf("  a full recomputation of both sides at this size: about %.0f s of one core "
           "(2 x %zu top-%d queries + 2 assignments)\n",
           2.0 * (double)n * mmean + 2.0 * ta, n, M);
    fflush(stdout);
    free(mlat);
    free(mc);
    free(mn);
    free(eq);
    free(lat);
    free(cpu);
    free(elat);
    free(ilat);
    match_index_free(idx);
}

/* ---- issue 17: what a recomputation of the exposure assignment costs, and what one change
 * touches ---- */

/* Every query's best M of one side into cand (nq * M) / ncand; returns the seconds it took. */
static double all_lists(const struct match_index *idx, int64_t first_id, size_t nq,
                        struct match_result *cand, size_t *ncand)
{
    double t0 = now_s();
    for (size_t i = 0; i < nq; i++)
        if (match_index_topk(idx, first_id + (int64_t)i, M, NULL, NULL, cand + i * M,
                             &ncand[i]) != 0)
            ncand[i] = 0;
    return now_s() - t0;
}

static size_t lists_differ(const struct match_result *a, const size_t *na,
                           const struct match_result *b, const size_t *nb, size_t nq,
                           const int64_t *skip_q)
{
    size_t d = 0;
    for (size_t i = 0; i < nq; i++)
        if ((skip_q == NULL || (int64_t)i != *skip_q) &&
            !same_results(a + i * M, na[i], b + i * M, nb[i]))
            d++;
    return d;
}

static void count_query(void *arg, int64_t q, double score)
{
    (void)q;
    (void)score;
    (*(size_t *)arg)++;
}

/* Incremental upkeep with the IDF held: `nchanges` edits of random projects (another project's
 * content under the same id), each followed by exposure_lists_update and the greedy of both
 * sides. Prints medians and maxima. When `full` is false (too big to build every list), prints
 * the parts instead: one exhaustive pass (match_index_each_query) and the greedy over n lists. */
static void incremental(struct match_index *idx, size_t n, bool full, size_t nchanges)
{
    match_index_hold_idf(idx, true);
    struct synth_params sp = {SEED, n, TRUE_FRACTION};
    struct synth_project *p = xmalloc(sizeof(*p));
    uint64_t rs = SEED ^ 0x5bd1e995;
    if (!full) {
        size_t cnt = 0;
        double t0 = now_s();
        if (match_index_each_query(idx, 1, count_query, &cnt) != 0)
            abort();
        printf("  incremental parts at this size: scoring one changed project for all %zu "
               "queries of the other side %.1f ms\n",
               cnt, (now_s() - t0) * 1e3);
        free(p);
        return;
    }
    struct exposure_lists *l = exposure_lists_new(M);
    double t0 = now_s();
    exposure_lists_build(l, idx);
    double tb = now_s() - t0;
    double *tu = xmalloc(nchanges * sizeof(*tu)), *tg = xmalloc(nchanges * sizeof(*tg));
    double *nqs = xmalloc(nchanges * sizeof(*nqs));
    for (size_t c = 0; c < nchanges; c++) {
        int side = (int)(splitmix(&rs) % 2);
        size_t from = splitmix(&rs) % n, to = splitmix(&rs) % n;
        synth_project(&sp, (enum match_side)side, from, p, NULL);
        p->p.id = (int64_t)to + 1 + (side ? (int64_t)n : 0);
        if (match_index_upsert(idx, &p->p) != 0)
            abort();
        double t1 = now_s();
        nqs[c] = (double)exposure_lists_update(l, idx, &p->p.id, 1);
        double t2 = now_s();
        for (int sd = 0; sd < 2; sd++) {
            struct exposure_query *q;
            size_t nq = exposure_lists_queries(l, (enum match_side)sd, &q);
            struct exposure_params ep = {K, 3.0, 3, 0.3, 0.05, n};
            struct exposure_result er;
            exposure_assign(q, nq, &ep, &er);
            exposure_result_free(&er);
            free(q);
        }
        tu[c] = t2 - t1;
        tg[c] = now_s() - t2;
    }
    double q50 = pct(nqs, nchanges, 0.5), qmax = pct(nqs, nchanges, 1.0);
    double u50 = pct(tu, nchanges, 0.5), umax = pct(tu, nchanges, 1.0);
    double g50 = pct(tg, nchanges, 0.5), gmax = pct(tg, nchanges, 1.0);
    printf("  incremental, IDF held (lists built in %.1f s): %zu single-project edits: lists "
           "update median %.1f ms (max %.1f; %.0f top-%d queries, max %.0f) + greedy of both "
           "sides median %.0f ms (max %.0f) = change to new assignment median %.0f ms\n",
           tb, nchanges, u50 * 1e3, umax * 1e3, q50, M, qmax, g50 * 1e3, gmax * 1e3,
           (u50 + g50) * 1e3);
    fflush(stdout);
    free(tu);
    free(tg);
    free(nqs);
    free(p);
    exposure_lists_free(l);
}

static void recompute(size_t n, bool full)
{
    double secs;
    struct match_index *idx = build(n, NULL, &secs);
    printf("recompute N=%zu per side (build %.1f s)\n", n, secs);
    struct match_result *cand[2];
    size_t *ncand[2];
    double tq = 0, ta = 0;
    size_t nq = full ? n : (n < 2000 ? n : 2000); /* queries timed per side */
    for (int sd = 0; sd < 2; sd++) {
        cand[sd] = xmalloc(nq * M * sizeof(*cand[sd]));
        ncand[sd] = xmalloc(nq * sizeof(*ncand[sd]));
        tq += all_lists(idx, sd ? (int64_t)n + 1 : 1, nq, cand[sd], ncand[sd]) * (double)n /
              (double)nq;
        /* the assignment over n lists (when sampled, each measured list stands for n / nq) */
        struct exposure_query *eq = xmalloc(n * sizeof(*eq));
        for (size_t q = 0; q < n; q++)
            eq[q] = (struct exposure_query){(int64_t)q + 1, cand[sd] + (q % nq) * M,
                                            ncand[sd][q % nq]};
        struct exposure_params ep = {K, 3.0, 3, 0.3, 0.05, n};
        struct exposure_result er;
        double t0 = now_s();
        exposure_assign(eq, n, &ep, &er);
        ta += now_s() - t0;
        exposure_result_free(&er);
        free(eq);
    }
    printf("  full recomputation, both sides%s: %.2f s = top-%d lists %.2f s (%.3f ms per "
           "query) + greedy assignment %.3f s (%.1f us per query)\n",
           full ? "" : " (top-50 time extrapolated from 2 x 2000 queries)", tq + ta, M, tq,
           tq * 1e3 / (2.0 * (double)n), ta, ta * 1e6 / (2.0 * (double)n));
    fflush(stdout);
    if (!full)
        goto done;

    /* One change: a new supply project (a copy of supply 1's content from another org). Lists
     * that differ afterwards, with the index's IDF snapshot held and after a compaction (the
     * live system compacts before each computation so that every instance agrees). */
    struct synth_params sp = {SEED, n, TRUE_FRACTION};
    struct synth_project *p = xmalloc(sizeof(*p));
    synth_project(&sp, MATCH_SUPPLY, 0, p, NULL);
    p->p.id = 2 * (int64_t)n + 1;
    p->p.org_id = 999999999;
    if (match_index_upsert(idx, &p->p) != 0)
        abort();
    struct match_result *after = xmalloc(n * M * sizeof(*after));
    size_t *nafter = xmalloc(n * sizeof(*nafter));
    all_lists(idx, (int64_t)n + 1, n, after, nafter); /* demand lists: where the new one shows */
    size_t enter = 0, sym_bad = 0;
    for (size_t q = 0; q < n; q++) {
        int64_t qid = (int64_t)(n + q) + 1;
        struct match_reasons a, b;
        if (match_index_explain(idx, qid, p->p.id, &a) != 0 ||
            match_index_explain(idx, p->p.id, qid, &b) != 0)
            abort();
        sym_bad += a.score != b.score;
        size_t nb = ncand[1][q];
        const struct match_result *last = &cand[1][q * M + nb - 1];
        enter += nb < M || a.score > last->score ||
                 (a.score == last->score && p->p.id < last->id);
    }
    size_t held = lists_differ(cand[1], ncand[1], after, nafter, n, NULL);
    match_index_compact(idx);
    all_lists(idx, (int64_t)n + 1, n, after, nafter);
    size_t compacted = lists_differ(cand[1], ncand[1], after, nafter, n, NULL);
    printf("  one new supply project: demand lists that change %zu of %zu with the IDF snapshot "
           "held (it can enter %zu: score above the list's 50th; score asymmetric for %zu pairs), "
           "%zu after a compaction\n",
           held, n, enter, sym_bad, compacted);
    fflush(stdout);
    free(after);
    free(nafter);
    free(p);
done:
    incremental(idx, n, full, 20);
    for (int sd = 0; sd < 2; sd++) {
        free(cand[sd]);
        free(ncand[sd]);
    }
    match_index_free(idx);
}

/* Only top-10 queries (for a profiler): build N per side, run nq random queries; the first
 * ncheck of them (after the timing) are compared with exhaustive scoring (budget mode:
 * 0 symmetric, 1 shorter). */
static void query_only(size_t n, size_t nq, size_t ncheck, int mode)
{
    double secs;
    struct match_index *idx = build(n, NULL, &secs);
    if (mode)
        match_index_set_budget_mode(idx, MATCH_BUDGET_SHORTER);
    printf("query N=%zu per side (build %.1f s)\n", n, secs);
    fflush(stdout);
    uint64_t rs = SEED;
    struct match_result res[K];
    size_t nr;
    double *cpu = xmalloc(nq * sizeof(*cpu));
    for (size_t q = 0; q < nq; q++) {
        int64_t qid = (int64_t)(splitmix(&rs) % (2 * n)) + 1;
        double c0 = cpu_s();
        if (match_index_topk(idx, qid, K, NULL, NULL, res, &nr) != 0)
            abort();
        cpu[q] = cpu_s() - c0;
    }
    printf("  top-10 over %zu queries: CPU p50 %.3f ms, p99 %.3f ms\n", nq,
           pct(cpu, nq, 0.50) * 1e3, pct(cpu, nq, 0.99) * 1e3);
    rs = SEED;
    size_t agree = 0;
    for (size_t q = 0; q < ncheck; q++) {
        int64_t qid = (int64_t)(splitmix(&rs) % (2 * n)) + 1;
        struct match_result ex[K];
        size_t ne;
        if (match_index_topk(idx, qid, K, NULL, NULL, res, &nr) != 0 ||
            match_index_topk_exhaustive(idx, qid, K, NULL, NULL, ex, &ne) != 0)
            abort();
        bool same = nr == ne;
        for (size_t i = 0; same && i < nr; i++)
            same = res[i].id == ex[i].id && res[i].score == ex[i].score;
        agree += same;
    }
    if (ncheck)
        printf("  index == exhaustive on %zu/%zu queries\n", agree, ncheck);
    free(cpu);
    match_index_free(idx);
}

#ifdef MATCHING_AB
/* make bench-matching-ab: another commit's matching/index.c is linked in with its public names
 * prefixed old_ (matching.mk), so both indexes hold the same corpus in one process and answer the
 * same queries alternately: on a shared machine whose load moves a figure by a factor of two
 * between runs, only this compares two versions fairly. */
struct old_match_index;
struct old_match_index *old_match_index_new(const struct match_weights *w);
void old_match_index_free(struct old_match_index *idx);
int old_match_index_upsert(struct old_match_index *idx, const struct match_project *p);
void old_match_index_compact(struct old_match_index *idx);
size_t old_match_index_memory(const struct old_match_index *idx);
int old_match_index_topk(const struct old_match_index *idx, int64_t query_id, size_t k,
                         match_skip_fn skip, void *skip_arg, struct match_result *out,
                         size_t *nout);

static void ab(size_t n, size_t nq)
{
    struct match_weights w = match_weights_default();
    struct match_index *nw = match_index_new(&w);
    struct old_match_index *ol = old_match_index_new(&w);
    struct synth_params sp = {SEED, n, TRUE_FRACTION};
    struct synth_project *p = xmalloc(sizeof(*p));
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < n; i++) {
            synth_project(&sp, (enum match_side)side, i, p, NULL);
            if (match_index_upsert(nw, &p->p) != 0 || old_match_index_upsert(ol, &p->p) != 0)
                abort();
        }
    free(p);
    double c0 = cpu_s();
    old_match_index_compact(ol);
    double c1 = cpu_s();
    match_index_compact(nw);
    double c2 = cpu_s();
    printf("ab N=%zu per side: compaction CPU old %.2f s, new %.2f s; own accounting old %.0f, "
           "new %.0f B/project\n",
           n, c1 - c0, c2 - c1, (double)old_match_index_memory(ol) / (2.0 * (double)n),
           (double)match_index_memory(nw) / (2.0 * (double)n));
    double *to = xmalloc(nq * sizeof(*to)), *tn = xmalloc(nq * sizeof(*tn));
    uint64_t rs = SEED;
    struct match_result a[K], b[K];
    size_t na, nb, same = 0;
    for (size_t q = 0; q < nq; q++) {
        int64_t qid = (int64_t)(splitmix(&rs) % (2 * n)) + 1;
        double t0 = cpu_s();
        if (old_match_index_topk(ol, qid, K, NULL, NULL, a, &na) != 0)
            abort();
        double t1 = cpu_s();
        if (match_index_topk(nw, qid, K, NULL, NULL, b, &nb) != 0)
            abort();
        double t2 = cpu_s();
        to[q] = t1 - t0;
        tn[q] = t2 - t1;
        same += same_results(a, na, b, nb);
    }
    double o50 = pct(to, nq, 0.50) * 1e3, o99 = pct(to, nq, 0.99) * 1e3;
    double n50 = pct(tn, nq, 0.50) * 1e3, n99 = pct(tn, nq, 0.99) * 1e3;
    printf("  top-10 thread CPU, %zu queries alternately: old p50 %.3f ms, p99 %.3f ms; new p50 "
           "%.3f ms, p99 %.3f ms (old/new: p50 %.2fx, p99 %.2fx); new == old on %zu/%zu\n",
           nq, o50, o99, n50, n99, o50 / n50, o99 / n99, same, nq);
    fflush(stdout);
    free(to);
    free(tn);
    old_match_index_free(ol);
    match_index_free(nw);
}
#endif

int main(int argc, char **argv)
{
#ifdef MATCHING_AB
    if (argc >= 4 && strcmp(argv[1], "ab") == 0) {
        /* ab NQ N... */
        for (int i = 3; i < argc; i++)
            ab((size_t)strtoull(argv[i], NULL, 10), (size_t)strtoull(argv[2], NULL, 10));
        return 0;
    }
#endif
    if (argc >= 4 && strcmp(argv[1], "query") == 0) {
        query_only((size_t)strtoull(argv[2], NULL, 10), (size_t)strtoull(argv[3], NULL, 10),
                   argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 0, argc > 5 ? atoi(argv[5]) : 0);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "recompute") == 0) {
        /* recompute N... : full below 50,000 per side, sampled above */
        for (int i = 2; i < argc; i++) {
            size_t n = (size_t)strtoull(argv[i], NULL, 10);
            recompute(n, n < 50000);
        }
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "exposure") == 0) {
        /* exposure N [cap_factor floor floor_min] */
        double cap = argc > 3 ? strtod(argv[3], NULL) : 3.0;
        size_t fl = argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 3;
        double fmin = argc > 5 ? strtod(argv[5], NULL) : 0.3;
        eval_exposure((size_t)strtoull(argv[2], NULL, 10), cap, fl, fmin);
        return 0;
    }
    if (argc < 3 || (strcmp(argv[1], "eval") && strcmp(argv[1], "bench"))) {
        fprintf(stderr, "usage: %s eval|bench|exposure N...\n", argv[0]);
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
