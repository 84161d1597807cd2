/* Scheduler benchmark (`make bench-sched`): the 1:1 meeting scheduler on 2,000 organizations and
 * 20,000 meetings (bipartite and not, uniform and skewed degrees, blocked slots and fixed
 * meetings), and the pitch auto-scheduler on a full day. Prints the median of several runs and
 * the slots used against the lower bound. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matching/meeting_sched.h"
#include "matching/pitch_sched.h"
#include "base/xalloc.h"

#define ORGS 2000
#define MEETINGS 20000
#define RUNS 7

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t rng_next(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

/* An organization index in [0, n): uniform, or skewed towards a few large exhibitors. */
static int pick(uint64_t *s, int n, bool skewed)
{
    double u = rng_unit(s);
    return (int)((skewed ? u * u : u) * n);
}

/* Distinct pairs: bipartite = supply 0..ORGS/2-1 meets demand ORGS/2..ORGS-1. */
static size_t make_meetings(struct meet_sched_meeting *mt, bool bipartite, bool skewed,
                            uint64_t seed)
{
    uint8_t *seen = xcalloc((size_t)ORGS * ORGS, 1);
    size_t m = 0;
    while (m < MEETINGS) {
        int a, b;
        if (bipartite) {
            a = pick(&seed, ORGS / 2, skewed);
            b = ORGS / 2 + pick(&seed, ORGS / 2, skewed);
        } else {
            a = pick(&seed, ORGS, skewed);
            b = pick(&seed, ORGS, skewed);
        }
        if (a == b || seen[(size_t)a * ORGS + (size_t)b])
            continue;
        seen[(size_t)a * ORGS + (size_t)b] = seen[(size_t)b * ORGS + (size_t)a] = 1;
        mt[m] = (struct meet_sched_meeting){(int64_t)m + 1,  100000 + a,      100000 + b,
                                            rng_unit(&seed), MEET_SCHED_NONE, MEET_SCHED_NONE};
        m++;
    }
    free(seen);
    return m;
}

struct scenario {
    const char *name;
    bool bipartite, skewed, constrained;
    int32_t slots, tables;
};

static void bench_meetings(const struct scenario *sc)
{
    struct meet_sched_meeting *mt = xmalloc(MEETINGS * sizeof(*mt));
    size_t m = make_meetings(mt, sc->bipartite, sc->skewed, 42);
    struct meet_sched_block *bl = NULL;
    size_t nb = 0;
    struct meet_sched_result *out = xmalloc(m * sizeof(*out));
    struct meet_sched_input in = {mt, m, NULL, 0, sc->slots, sc->tables};
    struct meet_sched_stats st;

    if (sc->constrained) {
        /* One org in ten presents a pitch in two slots; half the meetings were scheduled
         * before (by an unconstrained run) and are fixed. */
        meet_sched_run(&in, out, &st);
        for (size_t i = 0; i < m; i += 2) {
            mt[i].fixed_slot = out[i].slot;
            mt[i].fixed_table = out[i].table;
        }
        bl = xmalloc((ORGS / 10) * 2 * sizeof(*bl));
        uint64_t seed = 7;
        for (int v = 0; v < ORGS; v += 10) {
            bl[nb++] = (struct meet_sched_block){100000 + v, (int32_t)(rng_next(&seed) % 40)};
            bl[nb++] = (struct meet_sched_block){100000 + v, (int32_t)(rng_next(&seed) % 40)};
        }
        in.blocks = bl;
        in.n_blocks = nb;
    }

    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_ms();
        meet_sched_run(&in, out, &st);
        t[r] = now_ms() - t0;
    }
    qsort(t, RUNS, sizeof(t[0]), dbl_cmp);
    size_t kept = 0, moved = 0;
    for (size_t i = 0; i < m; i++) {
        kept += out[i].status == MEET_SCHED_KEPT;
        moved += out[i].status == MEET_SCHED_MOVED;
    }
    char diff[32];
    if (st.slots_used < st.lower_bound)
        snprintf(diff, sizeof(diff), "(short)");
    else
        snprintf(diff, sizeof(diff), "(+%d)", st.slots_used - st.lower_bound);
    printf("%-30s %9s  T=%-4d Δ=%-3d bound=%-3d used=%-3d %-7s scheduled=%zu/%zu", sc->name,
           st.bipartite ? "bipartite" : "general", sc->tables, st.max_degree, st.lower_bound,
           st.slots_used, diff, st.scheduled, m);
    if (sc->constrained)
        printf(" kept=%zu moved=%zu", kept, moved);
    printf("  median %.1f ms (min %.1f, max %.1f)\n", t[RUNS / 2], t[0], t[RUNS - 1]);
    free(bl);
    free(out);
    free(mt);
}

static void bench_pitches(int n, int minutes, bool mixed)
{
    const int64_t t0 = INT64_C(1700000040);
    struct pitch_sched_pitch *p = xmalloc((size_t)n * sizeof(*p));
    struct pitch_sched_busy *busy = xmalloc((size_t)n * sizeof(*busy));
    uint64_t seed = 3;
    for (int i = 0; i < n; i++) {
        int len = mixed ? 3 + (int)(rng_next(&seed) % 10) : minutes;
        p[i] = (struct pitch_sched_pitch){i + 1, i % (n / 4 + 1), len, INT64_MIN, INT64_MAX};
        if (i % 3 == 0) {
            p[i].available_from = t0 + (int64_t)(rng_next(&seed) % 600) * 60;
            p[i].available_until = p[i].available_from + 4 * 3600;
        }
        int64_t b = t0 + (int64_t)(rng_next(&seed) % 700) * 60;
        busy[i] = (struct pitch_sched_busy){i % (n / 4 + 1), b, b + 30 * 60, 1000 + i};
    }
    struct pitch_sched_ctx ctx = {t0, t0 + 12 * 3600, NULL, 0, busy, (size_t)n};
    struct pitch_sched_result *out = xmalloc((size_t)n * sizeof(*out));
    double t[RUNS];
    size_t placed = 0;
    for (int r = 0; r < RUNS; r++) {
        double s = now_ms();
        placed = pitch_sched_run(&ctx, p, (size_t)n, out);
        t[r] = now_ms() - s;
    }
    qsort(t, RUNS, sizeof(t[0]), dbl_cmp);
    printf("pitches: %d %s in a 12 h session         placed=%zu  median %.1f ms (min %.1f, max "
           "%.1f)\n",
           n, mixed ? "of 3-12 min" : "of equal length", placed, t[RUNS / 2], t[0], t[RUNS - 1]);
    free(out);
    free(busy);
    free(p);
}

int main(void)
{
    printf("1:1 meetings: %d organizations, %d meetings, median of %d runs\n", ORGS, MEETINGS,
           RUNS);
    static const struct scenario sc[] = {
        {"uniform, load-bound", true, false, false, 1000, 100},
        {"uniform, degree-bound", true, false, false, 1000, 2000},
        {"skewed (few big exhibitors)", true, true, false, 1000, 100},
        {"uniform, load-bound", false, false, false, 1000, 100},
        {"uniform, degree-bound", false, false, false, 1000, 2000},
        {"skewed (few big exhibitors)", false, true, false, 1000, 100},
        {"short of slots (30 slots)", true, false, false, 30, 500},
        {"short of slots (30 slots)", false, false, false, 30, 500},
        {"blocks + half fixed, re-run", true, false, true, 1000, 100},
        {"blocks + half fixed, re-run", false, false, true, 1000, 100},
    };
    for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
        bench_meetings(&sc[i]);
    bench_pitches(144, 5, false);
    bench_pitches(144, 5, true);
    return 0;
}
