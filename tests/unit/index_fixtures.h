/* What the match index's unit tests share (test_index.c, test_index_compact.c,
 * test_index_runs.c): a seeded generator, storage for a generated project, a veto that is a pure
 * function of the pair, and the check that the index's top-k is exactly the exhaustive scorer's.
 * Each test file keeps its own corpus (vocabulary, budgets, text), on purpose: they test
 * different things. */
#ifndef SUMMITD_TESTS_UNIT_INDEX_FIXTURES_H
#define SUMMITD_TESTS_UNIT_INDEX_FIXTURES_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>

#include "matching/index.h"

/* xorshift64: seeded, so a failing query can be replayed. */
static inline uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A generated project and the strings it points to. */
struct owned {
    struct match_project p;
    const char *tags[MATCH_TAGS_MAX];
    char title[256], desc[1024];
};

/* Vetoes one candidate in `mod` for query `query` (none when mod is 0): a pure function of the
 * pair, like a table of not_interested decisions. */
struct veto {
    int64_t query;
    uint64_t mod;
};

static inline bool veto_fn(void *arg, int64_t cand)
{
    const struct veto *v = arg;
    return v->mod && ((uint64_t)(v->query * 31 + cand) * 0x9e3779b97f4a7c15ULL >> 40) % v->mod == 0;
}

/* match_index_topk() == match_index_topk_exhaustive() for query qid (k <= 64), with veto v (may be
 * NULL): the same return code, the same ids and scores in the same order, best first and equal
 * scores by lower id. `round` only labels a failure. */
static inline void topk_check(const struct match_index *idx, int64_t qid, size_t k,
                              struct veto *v, int round)
{
    struct match_result a[64], b[64];
    size_t na = 0, nb = 0; /* a removed query answers NOT_FOUND and sets neither */
    match_skip_fn skip = v && v->mod ? veto_fn : NULL;
    cr_assert_leq(k, 64);
    int ra = match_index_topk(idx, qid, k, skip, v, a, &na);
    int rb = match_index_topk_exhaustive(idx, qid, k, skip, v, b, &nb);
    cr_assert_eq(ra, rb, "round %d query %lld", round, (long long)qid);
    if (ra != 0)
        return;
    cr_assert_eq(na, nb, "round %d query %lld k %zu: %zu vs %zu results", round, (long long)qid, k,
                 na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert_eq(a[i].id, b[i].id, "round %d query %lld k %zu rank %zu: %lld vs %lld", round,
                     (long long)qid, k, i, (long long)a[i].id, (long long)b[i].id);
        cr_assert_eq(a[i].score, b[i].score, "round %d query %lld k %zu rank %zu", round,
                     (long long)qid, k, i);
        if (i)
            cr_assert(a[i - 1].score > a[i].score ||
                      (a[i - 1].score == a[i].score && a[i - 1].id < a[i].id));
    }
}

#endif
