#ifndef SUMMITD_MATCHING_LEADERBOARD_H
#define SUMMITD_MATCHING_LEADERBOARD_H

/* Competition leaderboard with per-judge normalization (SPEC "Competitions", issue 5 item 5).
 *
 * A judge's *weighted total* for an entry is the weighted mean of that judge's criterion scores,
 * each as a percentage of its criterion's max_score:  100 * sum(w_c * v_c / max_c) / sum(w_c).
 * For each judge, the totals over the entries that judge scored become z-scores
 * (x - mean) / stddev (population standard deviation); a judge with one entry, or with zero
 * spread, contributes 0 to each of those entries. An entry's score is the mean of its z-scores.
 * Rank: score descending, ties by raw weighted mean (the mean of its judges' totals) descending,
 * then entry id ascending. Entries nobody scored come last (by id) with score 0, raw mean 0.
 *
 * So a harsh judge (low totals) and a lenient one (high totals) count only through how they
 * order the entries they saw, not through their level or scale.
 *
 * Pure: no I/O, no globals, thread-safe. */

#include <stddef.h>
#include <stdint.h>

/* One judge's weighted total for one entry. */
struct lb_total {
    int64_t entry_id;
    int64_t judge_id;
    double total;
};

struct lb_row {
    int64_t entry_id;
    double score;    /* mean of the entry's z-scores */
    double raw_mean; /* mean of the entry's weighted totals */
    int judges;      /* how many judges scored it */
};

/* The weighted total of one judge's scores for one entry: 100 * sum(w*v/max) / sum(w).
 * n >= 1, weights > 0, max > 0 (validated by the caller); returns 0 when n == 0. */
double lb_weighted_total(const double *values, const double *weights, const double *max_scores,
                         size_t n);

/* A criterion of the competition (a row of competition_criteria). */
struct lb_criterion {
    int64_t id;
    double weight;
    double max_score;
};

/* One judge's score of one entry for one criterion (a row of competition_scores). */
struct lb_score {
    int64_t entry_id;
    int64_t judge_id;
    int64_t criterion_id;
    double value;
};

/* The weighted total (as lb_weighted_total) of every (entry, judge) pair in `scores` (any
 * order), over that judge's scores of that entry whose criterion is in `criteria` with a
 * max_score above 0; scores of other criteria are ignored, and a pair left without weight gets
 * no total. `out` (caller-owned, room for n_scores) receives the totals ordered by entry, then
 * judge; returns how many. */
size_t lb_totals(const struct lb_criterion *criteria, size_t n_criteria,
                 const struct lb_score *scores, size_t n_scores, struct lb_total *out);

/* Computes the ranked leaderboard. `entries` are all the entries of the session (distinct ids,
 * n_entries of them); `totals` (any order, at most one per entry and judge; totals of entries
 * not in `entries` are ignored). `out` (caller-owned, n_entries rows) receives the rows in rank
 * order. */
void lb_compute(const int64_t *entries, size_t n_entries, const struct lb_total *totals,
                size_t n_totals, struct lb_row *out);

/* Sorts rows into rank order (the order lb_compute produces). */
void lb_sort(struct lb_row *rows, size_t n);

#endif
