#ifndef SUMMITD_MATCHING_INDEX_H
#define SUMMITD_MATCHING_INDEX_H

/* In-memory match index over supply and demand projects, with exact top-k retrieval.
 *
 * What it keeps per project: id, org, side, stage, budget, sector, zone, tags, and the title +
 * description as a TF-IDF vector of at most MATCH_TEXT_TERMS_MAX tokens (the highest weighted;
 * title tokens count twice). Raw title and description text are not kept.
 *
 * Scores (see matching/score.h) use the index's IDF table. IDF is a snapshot: it is recomputed
 * for every term, together with all stored vectors and posting lists, by match_index_compact(),
 * which upserts and removes run automatically once the number of changes since the last
 * compaction exceeds 1024 + half the live projects (unless match_index_set_auto_compact() turned
 * that off; amortized O(1) per change; a project upserted in between is weighted with the current
 * snapshot, new terms getting the IDF of a term seen once). Scores thus depend on the index contents and its snapshot, never on the code path:
 * match_index_topk() returns exactly what match_index_topk_exhaustive() returns.
 *
 * Slots: a compaction orders each side's projects by (sector, zone) and, within those, groups
 * the projects with the same tag vector into runs; projects upserted since follow, unsorted.
 * It also marks the text terms more than 1/32 of the live projects have as common, and stores
 * per project dc >= |its text vector restricted to the common terms| and a coarse code of its
 * budget (per run: their maxima and hull).
 *
 * Retrieval over the sorted slots: the query's common terms are bounded by Cauchy-Schwarz per
 * candidate (|q restricted to them| * dc); its rare terms' postings are gathered exactly (a few
 * per candidate), and a run's tag part is exact (one value per tag set, from (tag, set) pairs).
 * The query's zone in its sector first (the runs sharing most of its best tag part first, so the
 * threshold rises early), then the rest of its sector, run by run; the other sectors tag set by
 * tag set: a set, run or project whose bound (exact tag, sector and zone parts, stage and budget
 * at most their maxima or 0 when the budget codes cannot overlap, text at most qc * dc plus its
 * rare postings; a slot's budget part at most what the widest intersection and the shortest
 * range its codes allow can fit) is below the k-th score is skipped, the others are scored
 * exactly from their stored fields and vectors. The unsorted tail runs MaxScore over per-side posting lists (tags,
 * tokens, sector, zone): each list has an upper bound (weight * query component * list maximum),
 * the tag and text groups are further bounded by Cauchy-Schwarz, lists whose summed bound cannot
 * reach the k-th score are only probed. Pruning happens only when a bound is strictly below the
 * k-th score and scores are integers, so the top-k is exact; ties are broken by the lower id.
 *
 * Compaction can be prepared aside and swapped in (match_index_compact_prepare/_swap below), so
 * that a server holds its exclusive lock only for the swap.
 *
 * Thread safety: none inside. Functions taking a const index only read it (they allocate their
 * own scratch) and may run concurrently with each other; anything that changes the index needs
 * exclusive access (the server wraps the index in a rwlock). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matching/score.h"
#include "base/xalloc.h"

#define MATCH_TEXT_TERMS_MAX 64

struct match_index;

/* One recommendation: a project of the opposite side and its score (in [0, sum of weights]). */
struct match_result {
    int64_t id;
    double score;
};

/* Returns true to exclude `candidate_id` (e.g. a vetoed pair). Must be a pure function of its
 * arguments during one top-k call. Called only for candidates that would enter the top k. */
typedef bool (*match_skip_fn)(void *arg, int64_t candidate_id);

/* A new empty index scoring with a copy of `w` (which must pass match_weights_validate()).
 * Caller frees with match_index_free(). */
struct match_index *match_index_new(const struct match_weights *w);
void match_index_free(struct match_index *idx);

/* Adds `p`, or replaces the project with the same id (any side). Copies everything it keeps;
 * `p` stays the caller's. Returns 0, or SD_ERR_INVALID (index unchanged) when: side or stage is
 * out of range, more than MATCH_TAGS_MAX tags or a NULL tag, a negative budget, or
 * budget_max > 0 and budget_min > budget_max. Duplicate tags are counted once. */
int match_index_upsert(struct match_index *idx, const struct match_project *p) SD_MUST_CHECK;

/* Removes project `id`. Returns 0, or SD_ERR_NOT_FOUND if it is not indexed. */
int match_index_remove(struct match_index *idx, int64_t id) SD_MUST_CHECK;

/* Number of projects on one side. */
size_t match_index_count(const struct match_index *idx, enum match_side side);

/* Writes the ids of the projects of one side (match_index_count() of them, in no particular
 * order) to out; returns their number. */
size_t match_index_ids(const struct match_index *idx, enum match_side side, int64_t *out);

/* Fills `out` with the stored fields of project `id` (title and description are NULL: not
 * kept). out->tags points to `tags` (caller's array of MATCH_TAGS_MAX), which receives the tag
 * strings. Every string is borrowed from the index, valid until it next changes. Returns 0, or
 * SD_ERR_NOT_FOUND. */
int match_index_get(const struct match_index *idx, int64_t id, struct match_project *out,
                    const char *tags[MATCH_TAGS_MAX]) SD_MUST_CHECK;

/* The k best projects for query project `query_id` (which must be indexed): opposite side only,
 * never the same org_id, never the query, never a candidate for which `skip` (may be NULL)
 * returns true; best first, equal scores by lower id. Writes at most k results to `out`
 * (caller's array of k) and their number to *nout. Returns 0, or SD_ERR_NOT_FOUND. */
int match_index_topk(const struct match_index *idx, int64_t query_id, size_t k, match_skip_fn skip,
                     void *skip_arg, struct match_result *out, size_t *nout) SD_MUST_CHECK;

/* The same contract, computed by scoring every candidate (reference for tests and benchmarks). */
int match_index_topk_exhaustive(const struct match_index *idx, int64_t query_id, size_t k,
                                match_skip_fn skip, void *skip_arg, struct match_result *out,
                                size_t *nout) SD_MUST_CHECK;

/* Score of candidate `candidate_id` for query `query_id` and why (any two indexed projects, even
 * of the same side or org). Strings in `out` are borrowed, valid until the index next changes.
 * Render them with match_reasons_render(). Returns 0, or SD_ERR_NOT_FOUND. */
int match_index_explain(const struct match_index *idx, int64_t query_id, int64_t candidate_id,
                        struct match_reasons *out) SD_MUST_CHECK;

/* Recomputes IDF, re-weights every stored vector, rebuilds the posting lists without removed
 * projects. O(total postings). Upserts and removes call it automatically (see above); call it
 * after a bulk load to start from fresh statistics. */
void match_index_compact(struct match_index *idx);

/* A compaction in two steps, so that the exclusive hold is short (issue 18): prepare it from a
 * const index (it reads only: run it under the read lock, queries go on), then swap it in under
 * the exclusive lock. The swap replays onto the prepared structures the upserts and removes made
 * since the prepare (so it costs O(terms + those changes), not O(postings)), then exchanges
 * them; free the compaction after releasing the lock (it then holds the old structures).
 *   match_index_compact_prepare: what match_index_compact() does (IDF recomputed unless held).
 *   match_index_compact_prepare_fresh: IDF recomputed from the live projects even if held, then
 *     held (a term no live project has gets the IDF of a term seen once): hold_idf(false) +
 *     compact + hold_idf(true) + importing its own export, in one step.
 *   match_index_compact_prepare_import: what match_index_idf_import() does; SD_ERR_INVALID for a
 *     malformed buffer (*out NULL). `buf` must stay valid until the swap.
 * match_index_compact_swap returns 0, or SD_ERR_CONFLICT (index unchanged) when another
 * compaction or import was swapped in since the prepare, or c was swapped already. */
struct match_compaction;
struct match_compaction *match_index_compact_prepare(const struct match_index *idx);
struct match_compaction *match_index_compact_prepare_fresh(const struct match_index *idx);
int match_index_compact_prepare_import(const struct match_index *idx, const char *buf, size_t len,
                                       struct match_compaction **out) SD_MUST_CHECK;
int match_index_compact_swap(struct match_index *idx, struct match_compaction *c) SD_MUST_CHECK;
void match_compaction_free(struct match_compaction *c);

/* Automatic compaction inside upsert/remove (see above) is on by default. A caller that
 * compacts aside itself turns it off and compacts when match_index_compact_due() says so. */
void match_index_set_auto_compact(struct match_index *idx, bool on);
bool match_index_compact_due(const struct match_index *idx);

/* How budgets are compared (matching/score.h); MATCH_BUDGET_SYMMETRIC unless set. Set it before
 * the first query: it changes every score. */
void match_index_set_budget_mode(struct match_index *idx, enum match_budget_mode mode);

/* Holds (true) or releases (false) the IDF snapshot. While held, compaction (explicit or
 * automatic) keeps every term's IDF and a new term gets the IDF of a term seen once among the
 * projects live when it was held, so a project's vector is a function of its fields and the
 * snapshot alone: an upsert or remove of P changes the score of the pairs involving P and of no
 * other (what an incremental computation of everyone's top-k relies on: exposure_lists_update).
 * The next compaction after releasing recomputes every IDF. */
void match_index_hold_idf(struct match_index *idx, bool hold);

/* The IDF snapshot (every term a live project has, with its IDF, and the project count it was
 * taken over) as bytes, for other instances to import: malloc'd, *len bytes. */
char *match_index_idf_export(const struct match_index *idx, size_t *len);
/* Adopts an exported snapshot and holds it: every term gets the IDF it has there (a term it lacks:
 * that of a term seen once among its projects), every vector is re-weighted (a compaction). Two
 * indexes holding the same projects and the same snapshot then score every pair alike, whatever
 * order they heard of the changes in. Returns 0, or SD_ERR_INVALID (nothing changed). */
int match_index_idf_import(struct match_index *idx, const char *buf, size_t len) SD_MUST_CHECK;
/* The project count the IDF was taken over (the live count when it is not held). */
uint64_t match_index_idf_basis(const struct match_index *idx);

/* Calls fn(arg, q, score) with the score that candidate `candidate_id` has for every indexed
 * query q of the other side that may list it (not of its org): exhaustive, in no particular
 * order. The scores are those match_index_topk() ranks by. Returns 0, or SD_ERR_NOT_FOUND. */
int match_index_each_query(const struct match_index *idx, int64_t candidate_id,
                           void (*fn)(void *arg, int64_t query_id, double score), void *arg);

/* A number that changes whenever the index does (upsert, remove, compact, mode): a cache of
 * anything computed from the index is valid while it is unchanged. */
uint64_t match_index_generation(const struct match_index *idx);

/* Bytes of heap the index holds (its own accounting, excluding malloc overhead). */
size_t match_index_memory(const struct match_index *idx);

#endif
