#include "matching/pitch_sched.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#define MIN 60
/* A unix time on a minute boundary (2023-11-14T22:14:00Z). */
#define T0 INT64_C(1700000040)

static struct pitch_sched_pitch pitch(int64_t id, int64_t presenter, int32_t minutes)
{
    return (struct pitch_sched_pitch){id, presenter, minutes, INT64_MIN, INT64_MAX};
}

/* ---- an independent model of the constraints, used by the random tests -------------------- */

struct inst {
    int64_t s0, s1;
    struct pitch_sched_placed placed[4];
    size_t n_placed;
    struct pitch_sched_busy busy[12];
    size_t n_busy;
    struct pitch_sched_pitch p[10];
    size_t n;
};

static struct pitch_sched_ctx ctx_of(const struct inst *in)
{
    return (struct pitch_sched_ctx){in->s0, in->s1, in->placed, in->n_placed, in->busy, in->n_busy};
}

static bool overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return a0 < b1 && b0 < a1;
}

/* Can pitch i start at t, ignoring the other pitches to place (and the placed ones unless
 * `room`)? */
static bool feasible_in(const struct inst *in, size_t i, int64_t t, bool room)
{
    const struct pitch_sched_pitch *p = &in->p[i];
    int64_t e = t + (int64_t)p->minutes * MIN;
    if (t < in->s0 || e > in->s1 || t < p->available_from || e > p->available_until)
        return false;
    for (size_t k = 0; room && k < in->n_placed; k++) {
        int64_t ps = in->placed[k].start;
        if (overlap(t, e, ps, ps + (int64_t)in->placed[k].minutes * MIN))
            return false;
    }
    for (size_t k = 0; k < in->n_busy; k++)
        if (in->busy[k].presenter_id == p->presenter_id && in->busy[k].ref_id != p->id &&
            overlap(t, e, in->busy[k].start, in->busy[k].end))
            return false;
    return true;
}

static bool feasible(const struct inst *in, size_t i, int64_t t)
{
    return feasible_in(in, i, t, true);
}

/* Every placement obeys every constraint and none overlap. */
static void assert_valid(const struct inst *in, const struct pitch_sched_result *r, size_t placed)
{
    size_t count = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (r[i].reason != PITCH_SCHED_PLACED)
            continue;
        count++;
        int64_t t = r[i].start;
        cr_assert_eq((t - in->s0) % MIN, 0, "pitch %zu off the minute grid", i);
        cr_assert(feasible(in, i, t), "pitch %zu placed at an infeasible start", i);
        for (size_t j = 0; j < i; j++)
            if (r[j].reason == PITCH_SCHED_PLACED)
                cr_assert(!overlap(t, t + in->p[i].minutes * MIN, r[j].start,
                                   r[j].start + in->p[j].minutes * MIN),
                          "pitches %zu and %zu overlap", i, j);
    }
    cr_assert_eq(count, placed);
}

/* Exact optimum over every schedule on the minute grid: memoized search over (minute, set of
 * pitches already placed); from minute t either stay idle one minute or start a pitch there. */
static int grid_opt_rec(const struct inst *in, int t, unsigned mask, int w, signed char *memo)
{
    if (t >= w)
        return __builtin_popcount(mask);
    signed char *m = &memo[(size_t)t * (1u << in->n) + mask];
    if (*m >= 0)
        return *m;
    int best = grid_opt_rec(in, t + 1, mask, w, memo);
    for (size_t i = 0; i < in->n; i++) {
        if (mask & (1u << i) || !feasible(in, i, in->s0 + (int64_t)t * MIN))
            continue;
        int v = grid_opt_rec(in, t + in->p[i].minutes, mask | (1u << i), w, memo);
        if (v > best)
            best = v;
    }
    *m = (signed char)best;
    return best;
}

static int grid_opt(const struct inst *in)
{
    int w = (int)((in->s1 - in->s0) / MIN);
    size_t sz = (size_t)(w + 1) << in->n;
    signed char *memo = malloc(sz);
    memset(memo, -1, sz);
    int v = grid_opt_rec(in, 0, 0, w, memo);
    free(memo);
    return v;
}

/* Optimum over the slot grid the header defines (free gaps cut into pieces of `len` from each
 * gap's first grid minute), by dynamic programming over slots and subsets of pitches. */
static int slot_opt(const struct inst *in, int64_t len)
{
    int64_t slots[64];
    size_t ns = 0;
    /* Free minutes of the room, scanned minute by minute: independent of the code under test. */
    int w = (int)((in->s1 - in->s0) / MIN);
    int m = 0;
    while (m < w) {
        int64_t t = in->s0 + (int64_t)m * MIN;
        bool busy = false;
        for (size_t k = 0; k < in->n_placed; k++)
            if (overlap(t, t + MIN, in->placed[k].start,
                        in->placed[k].start + in->placed[k].minutes * MIN))
                busy = true;
        if (busy) {
            m++;
            continue;
        }
        /* m starts a free gap: cut it. */
        int g = m;
        while (g < w) {
            int64_t u = in->s0 + (int64_t)g * MIN;
            bool b = false;
            for (size_t k = 0; k < in->n_placed; k++)
                if (overlap(u, u + MIN, in->placed[k].start,
                            in->placed[k].start + in->placed[k].minutes * MIN))
                    b = true;
            if (b)
                break;
            g++;
        }
        for (int64_t t2 = t; t2 + len <= in->s0 + (int64_t)g * MIN; t2 += len)
            slots[ns++] = t2;
        m = g;
    }
    unsigned full = 1u << in->n;
    int *f = malloc(full * sizeof(int)), *nf = malloc(full * sizeof(int));
    for (unsigned s = 0; s < full; s++)
        f[s] = s == 0 ? 0 : -1;
    for (size_t k = 0; k < ns; k++) {
        memcpy(nf, f, full * sizeof(int));
        for (unsigned s = 0; s < full; s++) {
            if (f[s] < 0)
                continue;
            for (size_t i = 0; i < in->n; i++)
                if (!(s & (1u << i)) && feasible(in, i, slots[k]))
                    nf[s | (1u << i)] = 1;
        }
        memcpy(f, nf, full * sizeof(int));
    }
    int best = 0;
    for (unsigned s = 0; s < full; s++)
        if (f[s] >= 0 && __builtin_popcount(s) > best)
            best = __builtin_popcount(s);
    free(f);
    free(nf);
    return best;
}

/* Random instance; `len` > 0 gives every pitch that many minutes; `aligned` puts every boundary
 * that matters on the len grid of the session. */
static void random_inst(struct inst *in, unsigned *seed, int len, bool aligned)
{
    memset(in, 0, sizeof(*in));
    int unit = aligned ? len : 1;
    int w = 20 + rand_r(seed) % 70;
    in->s0 = T0;
    in->s1 = T0 + (int64_t)w * MIN;
    in->n_placed = (size_t)(rand_r(seed) % 3);
    for (size_t k = 0; k < in->n_placed; k++) {
        int st = rand_r(seed) % w / unit * unit;
        int mins = aligned ? len : 1 + rand_r(seed) % 15;
        in->placed[k] = (struct pitch_sched_placed){100 + (int64_t)k, 50, in->s0 + st * MIN, mins};
    }
    in->n = 1 + (size_t)(rand_r(seed) % 7);
    for (size_t i = 0; i < in->n; i++) {
        int mins = len > 0 ? len : 3 + rand_r(seed) % 18;
        in->p[i] = pitch((int64_t)i + 1, 1 + rand_r(seed) % 3, mins);
        if (rand_r(seed) % 2) {
            int a = rand_r(seed) % w / unit * unit;
            int b = a + rand_r(seed) % (w + 10);
            in->p[i].available_from = in->s0 + (int64_t)a * MIN;
            in->p[i].available_until = in->s0 + (int64_t)b * MIN;
        }
    }
    in->n_busy = (size_t)(rand_r(seed) % 6);
    for (size_t k = 0; k < in->n_busy; k++) {
        int a = rand_r(seed) % (w + 10) - 5;
        int e = a + 1 + rand_r(seed) % 20;
        /* Only a busy interval's end matters for alignment (a start after it). */
        if (aligned)
            e = e >= 0 ? (e + len - 1) / len * len : -(-e / len * len);
        if (e <= a)
            e += len;
        in->busy[k] = (struct pitch_sched_busy){1 + rand_r(seed) % 3, in->s0 + (int64_t)a * MIN,
                                                in->s0 + (int64_t)e * MIN, 200 + (int64_t)k};
    }
}

/* ---- behaviour ----------------------------------------------------------------------------- */

Test(pitch_sched, packs_from_session_start)
{
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, NULL, 0, NULL, 0};
    struct pitch_sched_pitch p[3] = {pitch(1, 10, 10), pitch(2, 11, 10), pitch(3, 12, 10)};
    struct pitch_sched_result r[3];
    cr_assert_eq(pitch_sched_run(&ctx, p, 3, r), 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(r[i].reason, PITCH_SCHED_PLACED);
        cr_assert_eq(r[i].start, T0 + i * 10 * MIN, "input order kept when nothing forces else");
    }
}

Test(pitch_sched, keeps_placed_and_fills_around_them)
{
    struct pitch_sched_placed placed[1] = {{7, 20, T0 + 10 * MIN, 10}};
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, placed, 1, NULL, 0};
    struct pitch_sched_pitch p[3] = {pitch(1, 10, 10), pitch(2, 11, 10), pitch(3, 12, 10)};
    struct pitch_sched_result r[3];
    cr_assert_eq(pitch_sched_run(&ctx, p, 3, r), 3);
    cr_assert_eq(r[0].start, T0);
    cr_assert_eq(r[1].start, T0 + 20 * MIN);
    cr_assert_eq(r[2].start, T0 + 30 * MIN);
}

Test(pitch_sched, starts_on_the_minute_grid_after_an_odd_placed_pitch)
{
    /* A placed pitch ends 30 s past a minute: the next start is the following whole minute. */
    struct pitch_sched_placed placed[1] = {{7, 20, T0 + 30, 5}};
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, placed, 1, NULL, 0};
    struct pitch_sched_pitch p[2] = {pitch(1, 10, 5), pitch(2, 11, 7)};
    struct pitch_sched_result r[2];
    cr_assert_eq(pitch_sched_run(&ctx, p, 2, r), 2);
    cr_assert_eq(r[0].start, T0 + 6 * MIN);
    cr_assert_eq(r[1].start, T0 + 11 * MIN);
}

Test(pitch_sched, avoids_presenter_busy_elsewhere)
{
    struct pitch_sched_busy busy[1] = {{10, T0, T0 + 25 * MIN, 99}};
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, NULL, 0, busy, 1};
    struct pitch_sched_pitch p[2] = {pitch(1, 10, 10), pitch(2, 11, 10)};
    struct pitch_sched_result r[2];
    cr_assert_eq(pitch_sched_run(&ctx, p, 2, r), 2);
    cr_assert_eq(r[1].start, T0, "the free presenter takes the first slot");
    cr_assert_geq(r[0].start, T0 + 25 * MIN);
}

Test(pitch_sched, same_presenter_twice_never_overlaps)
{
    struct pitch_sched_ctx ctx = {T0, T0 + 30 * MIN, NULL, 0, NULL, 0};
    struct pitch_sched_pitch p[2] = {pitch(1, 10, 10), pitch(2, 10, 10)};
    struct pitch_sched_result r[2];
    cr_assert_eq(pitch_sched_run(&ctx, p, 2, r), 2);
    cr_assert_eq(r[0].start, T0);
    cr_assert_eq(r[1].start, T0 + 10 * MIN);
}

Test(pitch_sched, reports_each_reason)
{
    struct pitch_sched_placed placed[1] = {{7, 20, T0 + 30 * MIN, 30}};
    struct pitch_sched_busy busy[1] = {{13, T0, T0 + 30 * MIN, 99}};
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, placed, 1, busy, 1};
    struct pitch_sched_pitch p[7] = {
        pitch(1, 10, 0),  /* invalid length */
        pitch(2, 11, 61), /* longer than the session */
        pitch(3, 12, 10), /* availability ends before it fits */
        pitch(4, 13, 10), /* presenter busy whenever the session allows */
        pitch(5, 14, 30), /* takes the only free half hour */
        pitch(6, 15, 10), /* no room left */
        pitch(8, 16, 10), /* until < from */
    };
    p[2].available_from = T0 - 3600;
    p[2].available_until = T0 + 5 * MIN;
    p[3].available_until = T0 + 35 * MIN;
    p[6].available_from = T0 + 10 * MIN;
    p[6].available_until = T0;
    struct pitch_sched_result r[7];
    cr_assert_eq(pitch_sched_run(&ctx, p, 7, r), 1);
    cr_assert_eq(r[0].reason, PITCH_SCHED_INVALID);
    cr_assert_eq(r[1].reason, PITCH_SCHED_TOO_LONG);
    cr_assert_eq(r[2].reason, PITCH_SCHED_OUTSIDE_AVAILABILITY);
    cr_assert_eq(r[3].reason, PITCH_SCHED_PRESENTER_BUSY);
    cr_assert_eq(r[4].reason, PITCH_SCHED_PLACED);
    cr_assert_eq(r[4].start, T0);
    cr_assert_eq(r[5].reason, PITCH_SCHED_NO_FREE_SLOT);
    cr_assert_eq(r[6].reason, PITCH_SCHED_INVALID);
    cr_assert_str_eq(pitch_sched_reason_name(r[3].reason), "presenter_busy");
    cr_assert_str_eq(pitch_sched_reason_name(r[5].reason), "no_free_slot");
}

Test(pitch_sched, empty_input_places_nothing)
{
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, NULL, 0, NULL, 0};
    cr_assert_eq(pitch_sched_run(&ctx, NULL, 0, NULL), 0);
}

Test(pitch_sched, same_length_matching_beats_first_fit)
{
    /* Pitch 2's presenter is busy from minute 10: only [0,10) suits it. Every first-fit order
     * gives [0,10) to pitch 1 (ties broken by input order); the matching places both. */
    struct pitch_sched_busy busy[1] = {{11, T0 + 10 * MIN, T0 + 60 * MIN, 99}};
    struct pitch_sched_ctx ctx = {T0, T0 + 20 * MIN, NULL, 0, busy, 1};
    struct pitch_sched_pitch p[2] = {pitch(1, 10, 10), pitch(2, 11, 10)};
    struct pitch_sched_result r[2];
    cr_assert_eq(pitch_sched_run(&ctx, p, 2, r), 2);
    cr_assert_eq(r[1].start, T0);
    cr_assert_eq(r[0].start, T0 + 10 * MIN);
}

Test(pitch_sched, same_length_count_matches_brute_force)
{
    unsigned seed = 12345;
    int strict = 0;
    for (int it = 0; it < 3000; it++) {
        int len = 5 * (1 + rand_r(&seed) % 4);
        bool aligned = it % 2 == 0;
        struct inst in;
        random_inst(&in, &seed, len, aligned);
        struct pitch_sched_ctx ctx = ctx_of(&in);
        struct pitch_sched_result r[10];
        size_t got = pitch_sched_run(&ctx, in.p, in.n, r);
        assert_valid(&in, r, got);
        int gopt = grid_opt(&in);
        int sopt = slot_opt(&in, (int64_t)len * MIN);
        cr_assert_geq((int)got, sopt, "iteration %d: fewer than the slot optimum", it);
        cr_assert_leq((int)got, gopt, "iteration %d: more than possible", it);
        if (aligned)
            cr_assert_eq((int)got, gopt, "iteration %d: aligned instance not optimal", it);
        strict += sopt < gopt;
    }
    /* The random instances are not all trivial: some unaligned ones beat the slot grid. */
    cr_assert_gt(strict, 0);
}

Test(pitch_sched, mixed_lengths_keep_every_constraint)
{
    unsigned seed = 777;
    for (int it = 0; it < 3000; it++) {
        struct inst in;
        random_inst(&in, &seed, 0, false);
        struct pitch_sched_ctx ctx = ctx_of(&in);
        struct pitch_sched_result r[10];
        size_t got = pitch_sched_run(&ctx, in.p, in.n, r);
        assert_valid(&in, r, got);
        for (size_t i = 0; i < in.n; i++) {
            if (r[i].reason != PITCH_SCHED_PLACED)
                cr_assert_eq(r[i].start, 0);
            /* no_free_slot: it would have fitted in an empty room; the other reasons: never. */
            bool alone = false;
            for (int64_t t = in.s0; t < in.s1 && !alone; t += MIN)
                alone = feasible_in(&in, i, t, false);
            cr_assert_eq(
                alone, r[i].reason == PITCH_SCHED_PLACED || r[i].reason == PITCH_SCHED_NO_FREE_SLOT,
                "iteration %d pitch %zu: reason %d", it, i, r[i].reason);
            /* The checker agrees with the scheduler's placements. */
            if (r[i].reason == PITCH_SCHED_PLACED) {
                int64_t id;
                cr_assert_eq(pitch_sched_check(&ctx, &in.p[i], r[i].start, &id),
                             PITCH_SCHED_CLASH_NONE);
            }
        }
    }
}

Test(pitch_sched, many_pitches_fill_a_day)
{
    /* 200 five-minute pitches of 4 presenters, each busy in every other hour (presenters 0 and 2
     * in even hours, 1 and 3 in odd ones). Each pair of presenters has 100 pitches and 96 slots in
     * its eight hours before 16:00, so the earliest schedule ends with 4 pitches in hour 16 and 4
     * in hour 17: the last starts at 17:15. */
    enum { N = 200 };
    struct pitch_sched_busy busy[4 * 10];
    size_t nb = 0;
    for (int who = 0; who < 4; who++)
        for (int h = 0; h < 10; h++)
            busy[nb++] = (struct pitch_sched_busy){who, T0 + (2 * h + who % 2) * 3600,
                                                   T0 + (2 * h + who % 2 + 1) * 3600, 0};
    struct pitch_sched_ctx ctx = {T0, T0 + 20 * 3600, NULL, 0, busy, nb};
    struct pitch_sched_pitch p[N];
    for (int i = 0; i < N; i++)
        p[i] = pitch(i + 1, i % 4, 5);
    struct pitch_sched_result r[N];
    cr_assert_eq(pitch_sched_run(&ctx, p, N, r), N);
    int64_t last = 0;
    for (int i = 0; i < N; i++)
        last = r[i].start > last ? r[i].start : last;
    cr_assert_eq(last, T0 + 17 * 3600 + 15 * MIN, "packed as early as possible");
}

/* ---- clash checker ------------------------------------------------------------------------ */

Test(pitch_sched, check_names_each_clash)
{
    struct pitch_sched_placed placed[3] = {
        {7, 20, T0 + 20 * MIN, 10},
        {8, 21, T0 + 10 * MIN, 10},
        {1, 10, T0, 10}, /* the pitch itself, currently placed: ignored */
    };
    struct pitch_sched_busy busy[3] = {
        {10, T0 + 45 * MIN, T0 + 55 * MIN, 55},
        {10, T0 + 42 * MIN, T0 + 52 * MIN, 54},
        {10, T0, T0 + 10 * MIN, 1}, /* its own old time in the presenter's agenda: ignored */
    };
    struct pitch_sched_ctx ctx = {T0, T0 + 70 * MIN, placed, 3, busy, 3};
    struct pitch_sched_pitch p = pitch(1, 10, 10);
    int64_t id = -1;

    cr_assert_eq(pitch_sched_check(&ctx, &p, T0, &id), PITCH_SCHED_CLASH_NONE);
    cr_assert_eq(id, 0);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 30 * MIN, &id), PITCH_SCHED_CLASH_NONE);

    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 15 * MIN, &id), PITCH_SCHED_CLASH_ROOM);
    cr_assert_eq(id, 8, "the earliest clashing pitch is named");
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 25 * MIN, &id), PITCH_SCHED_CLASH_ROOM);
    cr_assert_eq(id, 7);

    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 38 * MIN, &id), PITCH_SCHED_CLASH_PRESENTER);
    cr_assert_eq(id, 54, "the earliest busy entry is named");
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 53 * MIN, &id), PITCH_SCHED_CLASH_PRESENTER);
    cr_assert_eq(id, 55);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 55 * MIN, &id), PITCH_SCHED_CLASH_NONE);

    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 - 60, &id), PITCH_SCHED_CLASH_OUTSIDE_SESSION);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 61 * MIN, &id),
                 PITCH_SCHED_CLASH_OUTSIDE_SESSION);
    cr_assert_eq(pitch_sched_check(&ctx, &p, INT64_MAX - 5, &id),
                 PITCH_SCHED_CLASH_OUTSIDE_SESSION);

    p.available_from = T0 + 31 * MIN;
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 30 * MIN, &id),
                 PITCH_SCHED_CLASH_OUTSIDE_AVAILABILITY);
    p.available_from = INT64_MIN;
    p.available_until = T0 + 39 * MIN;
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 30 * MIN, &id),
                 PITCH_SCHED_CLASH_OUTSIDE_AVAILABILITY);
    p.available_until = T0 + 40 * MIN;
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 30 * MIN, &id), PITCH_SCHED_CLASH_NONE,
                 "ending exactly at available_until is fine");

    p.minutes = 0;
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0, NULL), PITCH_SCHED_CLASH_INVALID);
    cr_assert_str_eq(pitch_sched_clash_name(PITCH_SCHED_CLASH_ROOM), "room_clash");
    cr_assert_str_eq(pitch_sched_clash_name(PITCH_SCHED_CLASH_PRESENTER), "presenter_clash");
}

Test(pitch_sched, check_allows_back_to_back)
{
    struct pitch_sched_placed placed[1] = {{7, 20, T0 + 10 * MIN, 10}};
    struct pitch_sched_busy busy[1] = {{10, T0 + 30 * MIN, T0 + 40 * MIN, 3}};
    struct pitch_sched_ctx ctx = {T0, T0 + 60 * MIN, placed, 1, busy, 1};
    struct pitch_sched_pitch p = pitch(1, 10, 10);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0, NULL), PITCH_SCHED_CLASH_NONE);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 20 * MIN, NULL), PITCH_SCHED_CLASH_NONE);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 21 * MIN, NULL), PITCH_SCHED_CLASH_PRESENTER);
    cr_assert_eq(pitch_sched_check(&ctx, &p, T0 + 50 * MIN, NULL), PITCH_SCHED_CLASH_NONE);
}
