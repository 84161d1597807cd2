/* Issue 18: the compaction prepared aside and swapped in (match_index_compact_prepare / _swap),
 * and top-k over the (sector, zone)-sorted slots, checked against the exhaustive scorer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/index.h"
#include "server/err.h"
#include "tests/unit/index_fixtures.h"

/* A small vocabulary on purpose: many projects share features, so scores tie often. */
static const char *const tags_v[] = {"机器视觉", "智能语音", "医学影像", "无人机", "车联网",
                                     "工业互联网", "fpga", "5g", "类脑计算", "智能芯片"};
static const char *const words_v[] = {"医学影像分析", "表面缺陷检测", "智能工厂", "无人物流配送",
                                      "GPU inference", "边缘计算", "语音交互", "5G专网",
                                      "病理切片", "数据平台", "港口调度", "质检"};
static const char *const sectors_v[] = {"医疗健康", "交通物流", "智能制造", "电子信息", ""};
static const char *const zones_v[] = {"成都科学城", "天府国际生物城", "龙泉驿", "天府新区", ""};

/* `fresh` > 0 puts a word never seen before into the title (a term interned after a prepare). */
static void random_project(uint64_t *s, int64_t id, struct owned *o, int fresh)
{
    memset(o, 0, sizeof(*o));
    o->p.id = id;
    o->p.org_id = 1 + (int64_t)(rnd(s) % 20);
    o->p.side = (enum match_side)(rnd(s) % 2);
    o->p.stage = (enum match_stage)(rnd(s) % 4);
    o->p.sector = sectors_v[rnd(s) % 5];
    o->p.zone = zones_v[rnd(s) % 5];
    size_t nt = rnd(s) % 5;
    for (size_t i = 0; i < nt; i++)
        o->tags[i] = tags_v[rnd(s) % 10];
    o->p.tags = o->tags;
    o->p.ntags = nt;
    if (rnd(s) % 6) {
        o->p.budget_min = (int64_t)(rnd(s) % 10) * 50000;
        o->p.budget_max = o->p.budget_min + (int64_t)(rnd(s) % 3) * 100000;
    }
    size_t len = 0;
    if (fresh)
        len += (size_t)snprintf(o->title, sizeof(o->title), "新词%d ", fresh);
    len += (size_t)snprintf(o->title + len, sizeof(o->title) - len, "%s", words_v[rnd(s) % 12]);
    size_t nw = rnd(s) % 20;
    len = 0;
    for (size_t i = 0; i < nw; i++)
        len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%s，", words_v[rnd(s) % 12]);
    o->p.title = o->title;
    o->p.description = o->desc;
}

/* One random change to both indexes: a remove, a replacement (maybe of the other side) or a
 * new project. */
static void mutate(uint64_t *s, struct match_index *a, struct match_index *b, int64_t *next_id,
                   int fresh)
{
    struct owned o;
    uint64_t op = rnd(s) % 10;
    int64_t id = 1 + (int64_t)(rnd(s) % (uint64_t)(*next_id - 1));
    if (op < 3) {
        int ra = match_index_remove(a, id), rb = match_index_remove(b, id);
        cr_assert_eq(ra, rb);
    } else {
        random_project(s, op < 7 ? id : (*next_id)++, &o, fresh);
        cr_assert_eq(match_index_upsert(a, &o.p), 0);
        cr_assert_eq(match_index_upsert(b, &o.p), 0);
    }
}

/* Both indexes: the same projects, the same top-k everywhere, each equal to exhaustive. */
static void same_everywhere(const struct match_index *a, const struct match_index *b,
                            int64_t maxid)
{
    cr_assert_eq(match_index_count(a, MATCH_SUPPLY), match_index_count(b, MATCH_SUPPLY));
    cr_assert_eq(match_index_count(a, MATCH_DEMAND), match_index_count(b, MATCH_DEMAND));
    for (int64_t q = 1; q < maxid; q++) {
        struct match_result ra[25], rb[25];
        size_t na = 0, nb = 0;
        int ea = match_index_topk(a, q, 25, NULL, NULL, ra, &na);
        int eb = match_index_topk(b, q, 25, NULL, NULL, rb, &nb);
        cr_assert_eq(ea, eb, "query %lld", (long long)q);
        cr_assert_eq(na, nb, "query %lld", (long long)q);
        for (size_t i = 0; i < na; i++) {
            cr_assert_eq(ra[i].id, rb[i].id, "query %lld place %zu", (long long)q, i);
            cr_assert_eq(ra[i].score, rb[i].score, "query %lld place %zu", (long long)q, i);
        }
        if (ea == 0 && q % 3 == 0)
            topk_check(a, q, 1 + (size_t)(q % 40), NULL, 0);
    }
}

static struct match_index *filled(uint64_t *s, int64_t n, int64_t *next_id)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct owned o;
    for (int64_t i = 0; i < n; i++) {
        random_project(s, (*next_id)++, &o, 0);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    return idx;
}

Test(index_compact, changes_made_between_prepare_and_swap_are_replayed)
{
    for (uint64_t seed = 1; seed <= 5; seed++) {
        /* A compacts in two steps with changes in between; B sees the same changes and then
         * compacts in one. With the IDF held both weigh every vector alike. */
        uint64_t sa = seed * 7919, sb = sa;
        int64_t na = 1, nb = 1;
        struct match_index *a = filled(&sa, 400, &na), *b = filled(&sb, 400, &nb);
        match_index_compact(a);
        match_index_compact(b);
        match_index_hold_idf(a, true);
        match_index_hold_idf(b, true);
        uint64_t s = seed;
        for (int round = 0; round < 4; round++) {
            struct match_compaction *c = match_index_compact_prepare(a);
            for (int i = 0; i < 60; i++)
                mutate(&s, a, b, &na, i % 17 == 0 ? round * 100 + i + 1 : 0);
            uint64_t g = match_index_generation(a);
            cr_assert_eq(match_index_compact_swap(a, c), 0);
            cr_assert_neq(match_index_generation(a), g);
            match_compaction_free(c);
            match_index_compact(b);
            same_everywhere(a, b, na);
            /* changes after the swap (slots appended to the sorted ones), then queries */
            for (int i = 0; i < 30; i++)
                mutate(&s, a, b, &na, 0);
            same_everywhere(a, b, na);
        }
        match_index_free(a);
        match_index_free(b);
    }
}

Test(index_compact, a_second_compaction_prepared_before_the_first_swap_is_refused)
{
    uint64_t s = 42;
    int64_t n = 1;
    struct match_index *a = filled(&s, 200, &n);
    struct match_compaction *c1 = match_index_compact_prepare(a);
    struct match_compaction *c2 = match_index_compact_prepare(a);
    cr_assert_eq(match_index_compact_swap(a, c1), 0);
    uint64_t g = match_index_generation(a);
    cr_assert_eq(match_index_compact_swap(a, c2), SD_ERR_CONFLICT);
    cr_assert_eq(match_index_compact_swap(a, c1), SD_ERR_CONFLICT); /* already swapped */
    cr_assert_eq(match_index_generation(a), g);
    match_compaction_free(c1);
    match_compaction_free(c2);
    for (int64_t q = 1; q < n; q += 5)
        topk_check(a, q, 10, NULL, 0);
    match_index_free(a);
}

Test(index_compact, an_import_prepared_aside_equals_a_direct_import)
{
    uint64_t s1 = 3, s2 = 3, s3 = 77;
    int64_t n1 = 1, n2 = 1, n3 = 1;
    struct match_index *a = filled(&s1, 300, &n1), *b = filled(&s2, 300, &n2);
    struct match_index *src = filled(&s3, 250, &n3); /* another corpus: other IDFs */
    match_index_compact(src);
    size_t len;
    char *blob = match_index_idf_export(src, &len);
    cr_assert_eq(match_index_idf_import(a, blob, len), 0);
    struct match_compaction *c = NULL;
    cr_assert_eq(match_index_compact_prepare_import(b, blob, len - 1, &c), SD_ERR_INVALID);
    cr_assert_null(c);
    cr_assert_eq(match_index_compact_prepare_import(b, blob, len, &c), 0);
    /* a change in between, on both (b's is replayed at the swap with the imported IDF) */
    uint64_t s = 5;
    for (int i = 0; i < 20; i++)
        mutate(&s, a, b, &n1, i == 3 ? 1 : 0);
    cr_assert_eq(match_index_compact_swap(b, c), 0);
    match_compaction_free(c);
    cr_assert_eq(match_index_idf_basis(a), match_index_idf_basis(b));
    same_everywhere(a, b, n1);
    free(blob);
    match_index_free(a);
    match_index_free(b);
    match_index_free(src);
}

Test(index_compact, a_fresh_compaction_equals_compacting_unheld_and_importing_its_own_export)
{
    uint64_t s1 = 11, s2 = 11;
    int64_t n1 = 1, n2 = 1;
    struct match_index *a = filled(&s1, 300, &n1), *b = filled(&s2, 300, &n2);
    match_index_hold_idf(a, true);
    match_index_hold_idf(b, true);
    uint64_t s = 9;
    for (int i = 0; i < 100; i++) /* the live set moves away from the held basis */
        mutate(&s, a, b, &n1, 0);
    /* the old way (server/recs.c before issue 18) */
    match_index_hold_idf(a, false);
    match_index_compact(a);
    match_index_hold_idf(a, true);
    size_t la, lb;
    char *ba = match_index_idf_export(a, &la);
    cr_assert_eq(match_index_idf_import(a, ba, la), 0);
    /* in one step */
    struct match_compaction *c = match_index_compact_prepare_fresh(b);
    cr_assert_eq(match_index_compact_swap(b, c), 0);
    match_compaction_free(c);
    char *bb = match_index_idf_export(b, &lb);
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(ba, bb, la), 0);
    same_everywhere(a, b, n1);
    /* both hold it: a new term gets the same IDF on both */
    for (int i = 0; i < 20; i++)
        mutate(&s, a, b, &n1, i + 1);
    same_everywhere(a, b, n1);
    free(ba);
    free(bb);
    match_index_free(a);
    match_index_free(b);
}

Test(index_compact, with_automatic_compaction_off_the_caller_compacts_when_due)
{
    struct match_weights w = match_weights_default();
    struct match_index *a = match_index_new(&w);
    match_index_set_auto_compact(a, false);
    uint64_t s = 1;
    struct owned o;
    int64_t id = 1;
    while (!match_index_compact_due(a)) {
        random_project(&s, id++, &o, 0);
        cr_assert_eq(match_index_upsert(a, &o.p), 0);
        cr_assert_lt(id, 5000, "never due");
    }
    uint64_t g = match_index_generation(a);
    random_project(&s, id++, &o, 0); /* past due: still no compaction inside the upsert */
    cr_assert_eq(match_index_upsert(a, &o.p), 0);
    cr_assert(match_index_compact_due(a));
    cr_assert_eq(match_index_generation(a), g + 1); /* the upsert's own change only */
    struct match_compaction *c = match_index_compact_prepare(a);
    cr_assert_eq(match_index_compact_swap(a, c), 0);
    match_compaction_free(c);
    cr_assert_not(match_index_compact_due(a));
    for (int64_t q = 1; q < id; q += 7)
        topk_check(a, q, 10, NULL, 0);
    match_index_free(a);
}
