#ifndef SUMMITD_MATCHING_EXPOSURE_H
#define SUMMITD_MATCHING_EXPOSURE_H

/* Exposure control (issue 17): re-ranks the recommendation lists of every query of one side
 * together, so that no project takes more than its exposure budget of list places and every
 * project with a plausible match gets at least a floor of them.
 *
 * Input: for each query, its best M candidates (match_index_topk, best first). Output: for each
 * query the first k places of its list. The assignment is a batch greedy over all (query,
 * candidate) pairs in one global order (score descending, then query id, then candidate id):
 *
 *   1. cap: a pair takes a place when its query still has fewer than k and its candidate has
 *      fewer than `cap` places (cap = max(1, ceil(cap_factor * places / pool)), the average
 *      being the places of all lists over the `pool` projects that could be shown);
 *   2. floor: a candidate with fewer than `floor` places, taken in id order, enters the lists
 *      where it is among the query's M best with a score >= floor_min_score, best score first:
 *      into a free place, else in place of the lowest-scored item whose candidate keeps at least
 *      `floor` places without it, and only while that item scores below it + floor_slack;
 *   3. every list is ordered by score (then id).
 *
 * Because the global order, not the order queries arrive in, decides, the high-scoring pairs
 * (the planted true ones) are served first wherever they are; and the result is a pure function
 * of the input, so every instance computing it from the same index gets the same lists. Cost:
 * O(E log E) for E = queries * M pairs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matching/index.h"

struct exposure_params {
    size_t k;               /* list places that count (the first page), >= 1 */
    double cap_factor;      /* budget = cap_factor x the average; <= 0: no cap */
    size_t floor;           /* places guaranteed to each plausible project; 0: none */
    double floor_min_score; /* a pair scoring below this is not a plausible match */
    double floor_slack;     /* a floor entry may displace an item scoring up to this much more */
    size_t pool;            /* projects that could be shown (the candidates' side) */
};

/* One query's candidates, best first (as match_index_topk gives them). */
struct exposure_query {
    int64_t id;
    const struct match_result *cand;
    size_t n;
};

struct exposure_place {
    int64_t id;
    double score;
};

struct exposure_result {
    size_t nq;
    /* Query i's places: places[i * k .. i * k + nplaces[i]), best first. */
    struct exposure_place *places;
    size_t *nplaces;
    size_t k;
    size_t cap; /* the budget applied (SIZE_MAX without a cap) */
    /* Places each distinct candidate got, ids ascending (for lookups and statistics). */
    int64_t *cand_ids;
    size_t *cand_places;
    size_t *cand_demand; /* places it would have had without control (in the plain top k) */
    size_t ncand;
};

/* Computes the assignment of `nq` queries (ids distinct). The result is the caller's
 * (exposure_result_free). */
void exposure_assign(const struct exposure_query *q, size_t nq, const struct exposure_params *p,
                     struct exposure_result *out);
void exposure_result_free(struct exposure_result *r);

/* Places project `id` got (0 when it is no candidate), and its uncontrolled demand. */
size_t exposure_places_of(const struct exposure_result *r, int64_t id, size_t *demand);

/* The best-M candidate lists of every indexed query of both sides, kept up to date
 * incrementally. With the index's IDF snapshot held (match_index_hold_idf), a change of project P
 * changes only the scores of the pairs involving P, so after changes to C only these lists can
 * differ: the lists of the queries in C, the lists holding a project of C, and the lists a
 * project of C now enters (its score for the query beats the list's M-th, or the list is short;
 * found by scoring every query of the other side once per changed project). Recomputing those
 * (and nothing else) gives exactly the lists a full computation gives. */
struct exposure_lists;

struct exposure_lists *exposure_lists_new(size_t m);
void exposure_lists_free(struct exposure_lists *l);

/* Computes every list from the index (one top-M query per indexed project). */
void exposure_lists_build(struct exposure_lists *l, const struct match_index *idx);

/* The same in steps, for a caller that must not hold the index for the whole computation: begin
 * takes the query ids, step computes the lists [from, from + count) of the
 * exposure_lists_build_size() in all. Lists computed at different times are made consistent by
 * an exposure_lists_update() with every project changed since begin. */
void exposure_lists_build_begin(struct exposure_lists *l, const struct match_index *idx);
size_t exposure_lists_build_size(const struct exposure_lists *l);
void exposure_lists_build_step(struct exposure_lists *l, const struct match_index *idx,
                               size_t from, size_t count);

/* After the projects changed[0..n) (ids, in any order, duplicates allowed) were upserted into or
 * removed from `idx`, with its IDF held since the lists were last built or updated: brings every
 * list up to date. Returns the number of top-M queries it ran. */
size_t exposure_lists_update(struct exposure_lists *l, const struct match_index *idx,
                             const int64_t *changed, size_t n);

/* The queries of one side, ids ascending, as exposure_assign takes them: *q is the caller's
 * (free()); its candidate arrays point into `l`, valid until its next update. Returns their
 * number. */
size_t exposure_lists_queries(const struct exposure_lists *l, enum match_side side,
                              struct exposure_query **q);

#endif
