#include "matching/leaderboard.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#define EPS 1e-9

Test(leaderboard, weighted_total_is_percent_of_max)
{
    double v[] = {8, 50}, w[] = {1, 3}, mx[] = {10, 100};
    /* 100 * (1*0.8 + 3*0.5) / 4 = 57.5 */
    cr_assert_float_eq(lb_weighted_total(v, w, mx, 2), 57.5, EPS);
    cr_assert_float_eq(lb_weighted_total(NULL, NULL, NULL, 0), 0, EPS);
}

/* One harsh judge (low totals) and one lenient judge (high totals) who agree on the order
 * E1 > E2 > E3 > E4 of what they saw: H saw E1..E3, L saw E2..E4. Raw means put E4 first
 * (only the lenient judge saw it); normalized scores give back the judges' common order. */
Test(leaderboard, harsh_and_lenient_judge_do_not_decide_the_ranking)
{
    int64_t entries[] = {1, 2, 3, 4};
    struct lb_total t[] = {
        {1, 100, 40}, {2, 100, 20}, {3, 100, 10}, /* harsh */
        {2, 200, 95}, {3, 200, 90}, {4, 200, 85}, /* lenient */
    };
    struct lb_row out[4];
    lb_compute(entries, 4, t, 6, out);
    /* Raw order would be 4 (85), 2 (57.5), 3 (50), 1 (40). */
    cr_assert_eq(out[0].entry_id, 1);
    cr_assert_eq(out[1].entry_id, 2);
    cr_assert_eq(out[2].entry_id, 3);
    cr_assert_eq(out[3].entry_id, 4);
    double mh = 70.0 / 3,
           sh = sqrt(((40 - mh) * (40 - mh) + (20 - mh) * (20 - mh) + (10 - mh) * (10 - mh)) / 3);
    double sl = sqrt(50.0 / 3);
    cr_assert_float_eq(out[0].score, (40 - mh) / sh, 1e-12);
    cr_assert_float_eq(out[1].score, ((20 - mh) / sh + (95 - 90) / sl) / 2, 1e-12);
    cr_assert_float_eq(out[3].score, -5 / sl, 1e-12);
    cr_assert_float_eq(out[1].raw_mean, 57.5, EPS);
    cr_assert_eq(out[1].judges, 2);
    cr_assert_eq(out[0].judges, 1);
    cr_assert_float_eq(out[3].raw_mean, 85, EPS);
}

Test(leaderboard, single_entry_and_zero_spread_judges_contribute_zero)
{
    int64_t entries[] = {10, 11, 12};
    /* Judge 1 saw only entry 10; judge 2 gave identical totals that are not exact in binary
     * (0.1 + 0.2 style) — a rounding-sized spread must not turn into ±1 z-scores. Judge 3
     * separates 11 and 12. */
    double x = 0.1 + 0.2;
    struct lb_total t[] = {
        {10, 1, 99}, {10, 2, x}, {11, 2, x}, {12, 2, x}, {11, 3, 70}, {12, 3, 60},
    };
    struct lb_row out[3];
    lb_compute(entries, 3, t, 6, out);
    cr_assert_eq(out[0].entry_id, 11);
    cr_assert_float_eq(out[0].score, 0.5, 1e-12); /* (0 + 1) / 2 */
    /* 10 has z 0 from both judges; 12 has (0 + -1) / 2. */
    cr_assert_eq(out[1].entry_id, 10);
    cr_assert_float_eq(out[1].score, 0, 1e-12);
    cr_assert_eq(out[2].entry_id, 12);
    cr_assert_float_eq(out[2].score, -0.5, 1e-12);
}

Test(leaderboard, ties_by_raw_mean_then_id_and_unscored_last)
{
    int64_t entries[] = {7, 5, 6, 9, 8};
    /* Each judge saw one entry: every score is 0. Raw means 50, 80, 80; 9 and 8 unscored. */
    struct lb_total t[] = {{7, 1, 50}, {6, 2, 80}, {5, 3, 80}};
    struct lb_row out[5];
    lb_compute(entries, 5, t, 3, out);
    cr_assert_eq(out[0].entry_id, 5);
    cr_assert_eq(out[1].entry_id, 6);
    cr_assert_eq(out[2].entry_id, 7);
    cr_assert_eq(out[3].entry_id, 8);
    cr_assert_eq(out[3].judges, 0);
    cr_assert_eq(out[4].entry_id, 9);
}

Test(leaderboard, scale_and_shift_of_a_judge_change_nothing)
{
    /* Random instances: replacing one judge's totals by a*x+b (a > 0) keeps every score. */
    srand(42);
    for (int iter = 0; iter < 200; iter++) {
        int64_t entries[8];
        for (int i = 0; i < 8; i++)
            entries[i] = i + 1;
        struct lb_total t[24], u[24];
        size_t n = 0;
        for (int j = 1; j <= 3; j++)
            for (int e = 1; e <= 8; e++)
                if (rand() % 3) {
                    t[n] = (struct lb_total){e, j, (double)(rand() % 101)};
                    u[n] = t[n];
                    if (j == 2)
                        u[n].total = 0.25 * t[n].total + 3;
                    n++;
                }
        struct lb_row a[8], b[8];
        lb_compute(entries, 8, t, n, a);
        lb_compute(entries, 8, u, n, b);
        for (int i = 0; i < 8; i++) {
            struct lb_row *rb = NULL;
            for (int k = 0; k < 8; k++)
                if (b[k].entry_id == a[i].entry_id)
                    rb = &b[k];
            cr_assert_float_eq(a[i].score, rb->score, 1e-9, "iter %d entry %lld", iter,
                               (long long)a[i].entry_id);
            cr_assert_eq(a[i].judges, rb->judges);
        }
    }
}

Test(leaderboard, totals_of_unknown_entries_are_ignored)
{
    int64_t entries[] = {1, 2};
    struct lb_total t[] = {{1, 1, 10}, {2, 1, 20}, {99, 1, 1000}};
    struct lb_row out[2];
    lb_compute(entries, 2, t, 3, out);
    cr_assert_eq(out[0].entry_id, 2);
    cr_assert_float_eq(out[0].score, 1, 1e-12);
    cr_assert_float_eq(out[1].score, -1, 1e-12);
    lb_compute(entries, 0, t, 3, out); /* nothing to rank: no crash */
}

Test(leaderboard, totals_per_entry_and_judge_weigh_each_criterion_by_its_max)
{
    struct lb_criterion c[] = {{7, 3, 100}, {5, 1, 10}};
    /* Out of order on purpose: totals come back by entry, then judge. */
    struct lb_score s[] = {
        {2, 9, 5, 4}, {1, 8, 7, 50}, {2, 9, 7, 100}, {1, 8, 5, 8}, {1, 3, 5, 10}, {1, 3, 7, 0},
    };
    struct lb_total out[6];
    size_t n = lb_totals(c, 2, s, 6, out);
    cr_assert_eq(n, 3);
    cr_assert_eq(out[0].entry_id, 1);
    cr_assert_eq(out[0].judge_id, 3);
    cr_assert_float_eq(out[0].total, 25, EPS); /* 100 * (1 * 1.0 + 3 * 0) / 4 */
    cr_assert_eq(out[1].entry_id, 1);
    cr_assert_eq(out[1].judge_id, 8);
    double v[] = {8, 50}, w[] = {1, 3}, mx[] = {10, 100};
    cr_assert_float_eq(out[1].total, lb_weighted_total(v, w, mx, 2), EPS); /* 57.5 */
    cr_assert_eq(out[2].entry_id, 2);
    cr_assert_eq(out[2].judge_id, 9);
    cr_assert_float_eq(out[2].total, 100 * (1 * 0.4 + 3 * 1.0) / 4, EPS);
}

Test(leaderboard, totals_ignore_unknown_criteria_and_zero_max)
{
    struct lb_criterion c[] = {{1, 2, 10}, {2, 5, 0}};
    struct lb_score s[] = {
        {1, 1, 1, 5}, {1, 1, 2, 99}, {1, 1, 3, 99}, /* only criterion 1 counts: 50 */
        {2, 1, 2, 7}, {2, 1, 4, 7},                 /* nothing counts: no total */
    };
    struct lb_total out[5];
    size_t n = lb_totals(c, 2, s, 5, out);
    cr_assert_eq(n, 1);
    cr_assert_eq(out[0].entry_id, 1);
    cr_assert_float_eq(out[0].total, 50, EPS);
    cr_assert_eq(lb_totals(NULL, 0, s, 5, out), 0, "no criteria: no totals");
    cr_assert_eq(lb_totals(c, 2, NULL, 0, out), 0, "no scores: no totals");
}

/* The whole pipeline the leaderboard runs: scores -> totals -> normalized ranking. */
Test(leaderboard, totals_feed_the_ranking)
{
    struct lb_criterion c[] = {{1, 1, 10}};
    int64_t entries[] = {1, 2, 3};
    struct lb_score s[] = {
        {1, 100, 1, 4},  {2, 100, 1, 2},   {3, 100, 1, 1}, /* harsh */
        {1, 200, 1, 10}, {2, 200, 1, 9.5},                 /* lenient */
    };
    struct lb_total t[5];
    size_t n = lb_totals(c, 1, s, 5, t);
    cr_assert_eq(n, 5);
    struct lb_row out[3];
    lb_compute(entries, 3, t, n, out);
    cr_assert_eq(out[0].entry_id, 1);
    cr_assert_eq(out[1].entry_id, 2);
    cr_assert_eq(out[2].entry_id, 3);
    cr_assert_eq(out[0].judges, 2);
    cr_assert_float_eq(out[0].raw_mean, 70, EPS); /* (40 + 100) / 2 */
}
