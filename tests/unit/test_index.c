#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/index.h"
#include "server/err.h"
#include "tests/unit/index_fixtures.h"

/* A small vocabulary on purpose: many projects share features, so scores tie often. */
static const char *const tags_v[] = {"机器视觉",   "智能语音", "医学影像", "无人机",   "车联网",
                                     "工业互联网", "fpga",     "5g",       "类脑计算", "智能芯片"};
static const char *const words_v[] = {"医学影像分析",  "表面缺陷检测", "智能工厂", "无人物流配送",
                                      "GPU inference", "边缘计算",     "语音交互", "5G专网",
                                      "病理切片",      "数据平台",     "港口调度", "质检",
                                      "Vision AI",     "机器人",       "天府",     "成都"};
static const char *const sectors_v[] = {"医疗健康", "交通物流", "智能制造", "电子信息", ""};
static const char *const zones_v[] = {"成都科学城", "天府国际生物城", "龙泉驿", "天府新区", ""};

static void random_project(uint64_t *s, int64_t id, struct owned *o, int64_t norgs)
{
    memset(o, 0, sizeof(*o));
    o->p.id = id;
    o->p.org_id = 1 + (int64_t)(rnd(s) % (uint64_t)norgs);
    o->p.side = (enum match_side)(rnd(s) % 2);
    o->p.stage = (enum match_stage)(rnd(s) % 4);
    o->p.sector = sectors_v[rnd(s) % 5];
    o->p.zone = zones_v[rnd(s) % 5];
    size_t nt = rnd(s) % 5;
    for (size_t i = 0; i < nt; i++)
        o->tags[i] = tags_v[rnd(s) % 10]; /* duplicates allowed: counted once */
    o->p.tags = o->tags;
    o->p.ntags = nt;
    if (rnd(s) % 8) {
        o->p.budget_min = (int64_t)(rnd(s) % 20) * 50000;
        o->p.budget_max = o->p.budget_min + (int64_t)(rnd(s) % 4) * 100000;
        if (rnd(s) % 10 == 0) /* a "we do everything" range */
            o->p.budget_max = o->p.budget_min + 100000000;
    }
    size_t nw = rnd(s) % 3, len = 0;
    for (size_t i = 0; i < nw; i++)
        len += (size_t)snprintf(o->title + len, sizeof(o->title) - len, "%s", words_v[rnd(s) % 16]);
    nw = rnd(s) % 30;
    len = 0;
    for (size_t i = 0; i < nw; i++)
        len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%s，", words_v[rnd(s) % 16]);
    o->p.title = o->title;
    o->p.description = rnd(s) % 10 ? o->desc : NULL;
}

/* ---- basics ---- */

static struct match_project simple(int64_t id, int64_t org, enum match_side side)
{
    static const char *const tags[] = {"机器视觉", "医学影像"};
    struct match_project p = {.id = id,
                              .org_id = org,
                              .side = side,
                              .stage = MATCH_STAGE_PILOT,
                              .sector = "医疗健康",
                              .zone = "成都科学城",
                              .tags = tags,
                              .ntags = 2,
                              .budget_min = 100,
                              .budget_max = 200,
                              .title = "医学影像辅助诊断",
                              .description = "基于机器视觉的诊断系统"};
    return p;
}

Test(index, upsert_get_count_remove)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct match_project p = simple(7, 1, MATCH_SUPPLY);
    cr_assert_eq(match_index_upsert(idx, &p), 0);
    cr_assert_eq(match_index_count(idx, MATCH_SUPPLY), 1);
    cr_assert_eq(match_index_count(idx, MATCH_DEMAND), 0);
    struct match_project g;
    const char *tags[MATCH_TAGS_MAX];
    cr_assert_eq(match_index_get(idx, 7, &g, tags), 0);
    cr_assert_eq(g.org_id, 1);
    cr_assert_eq(g.side, MATCH_SUPPLY);
    cr_assert_eq(g.stage, MATCH_STAGE_PILOT);
    cr_assert_str_eq(g.sector, "医疗健康");
    cr_assert_str_eq(g.zone, "成都科学城");
    cr_assert_eq(g.ntags, 2);
    cr_assert_eq(g.budget_max, 200);
    cr_assert_null(g.title, "raw text is not kept");
    /* Replacing may change the side. */
    p.side = MATCH_DEMAND;
    cr_assert_eq(match_index_upsert(idx, &p), 0);
    cr_assert_eq(match_index_count(idx, MATCH_SUPPLY), 0);
    cr_assert_eq(match_index_count(idx, MATCH_DEMAND), 1);
    cr_assert_eq(match_index_remove(idx, 7), 0);
    cr_assert_eq(match_index_remove(idx, 7), SD_ERR_NOT_FOUND);
    cr_assert_eq(match_index_get(idx, 7, &g, tags), SD_ERR_NOT_FOUND);
    cr_assert_eq(match_index_count(idx, MATCH_DEMAND), 0);
    match_index_free(idx);
    match_index_free(NULL);
}

Test(index, invalid_projects_leave_the_index_unchanged)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct match_project ok = simple(1, 1, MATCH_SUPPLY);
    cr_assert_eq(match_index_upsert(idx, &ok), 0);
    struct match_project bad = ok;
    bad.budget_min = 300; /* > budget_max */
    cr_assert_eq(match_index_upsert(idx, &bad), SD_ERR_INVALID);
    bad = ok;
    bad.budget_min = -1;
    cr_assert_eq(match_index_upsert(idx, &bad), SD_ERR_INVALID);
    bad = ok;
    bad.side = (enum match_side)5;
    cr_assert_eq(match_index_upsert(idx, &bad), SD_ERR_INVALID);
    bad = ok;
    bad.stage = (enum match_stage)9;
    cr_assert_eq(match_index_upsert(idx, &bad), SD_ERR_INVALID);
    bad = ok;
    bad.ntags = MATCH_TAGS_MAX + 1;
    cr_assert_eq(match_index_upsert(idx, &bad), SD_ERR_INVALID);
    struct match_project g;
    const char *tags[MATCH_TAGS_MAX];
    cr_assert_eq(match_index_get(idx, 1, &g, tags), 0);
    cr_assert_eq(g.budget_min, 100, "the failed upserts did not replace project 1");
    cr_assert_eq(match_index_count(idx, MATCH_SUPPLY), 1);
    match_index_free(idx);
}

static bool skip_id(void *arg, int64_t id)
{
    return id == *(int64_t *)arg;
}

Test(index, topk_takes_the_other_side_other_orgs_and_honours_skip)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct match_project q = simple(1, 1, MATCH_DEMAND);
    struct match_project same_org = simple(2, 1, MATCH_SUPPLY);
    struct match_project same_side = simple(3, 2, MATCH_DEMAND);
    struct match_project a = simple(4, 3, MATCH_SUPPLY);
    struct match_project b = simple(5, 4, MATCH_SUPPLY);
    b.sector = "交通物流";
    struct match_project *all[] = {&q, &same_org, &same_side, &a, &b};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(match_index_upsert(idx, all[i]), 0);
    struct match_result r[10];
    size_t n;
    cr_assert_eq(match_index_topk(idx, 1, 10, NULL, NULL, r, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(r[0].id, 4);
    cr_assert_eq(r[1].id, 5);
    cr_assert(r[0].score > r[1].score);
    int64_t veto = 4;
    cr_assert_eq(match_index_topk(idx, 1, 10, skip_id, &veto, r, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(r[0].id, 5);
    cr_assert_eq(match_index_topk(idx, 99, 10, NULL, NULL, r, &n), SD_ERR_NOT_FOUND);
    cr_assert_eq(match_index_topk(idx, 1, 0, NULL, NULL, r, &n), 0);
    cr_assert_eq(n, 0);
    match_index_free(idx);
}

Test(index, equal_scores_are_ordered_by_lower_id)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    struct match_project q = simple(100, 1, MATCH_DEMAND);
    cr_assert_eq(match_index_upsert(idx, &q), 0);
    for (int64_t id = 50; id > 40; id--) {
        struct match_project c = simple(id, id, MATCH_SUPPLY);
        cr_assert_eq(match_index_upsert(idx, &c), 0);
    }
    struct match_result r[4];
    size_t n;
    cr_assert_eq(match_index_topk(idx, 100, 4, NULL, NULL, r, &n), 0);
    cr_assert_eq(n, 4);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(r[i].id, 41 + (int64_t)i);
        cr_assert_eq(r[i].score, r[0].score);
    }
    match_index_free(idx);
}

/* ---- property: index top-k == exhaustive top-k ---- */

static enum match_budget_mode g_budget_mode = MATCH_BUDGET_SYMMETRIC;

static void property_run(uint64_t seed, size_t n, int64_t norgs, struct match_weights w, int rounds,
                         int queries_per_round, int mutations_per_round)
{
    struct match_index *idx = match_index_new(&w);
    match_index_set_budget_mode(idx, g_budget_mode);
    uint64_t s = seed;
    int64_t next_id = 1;
    struct owned o;
    for (size_t i = 0; i < n; i++) {
        random_project(&s, next_id++, &o, norgs);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    static const size_t ks[] = {1, 3, 10, 25, 64};
    for (int round = 0; round < rounds; round++) {
        for (int qi = 0; qi < queries_per_round; qi++) {
            int64_t qid = 1 + (int64_t)(rnd(&s) % (uint64_t)(next_id - 1));
            struct veto v = {qid, rnd(&s) % 3 ? 0 : 2 + rnd(&s) % 4};
            size_t k = ks[rnd(&s) % 5];
            topk_check(idx, qid, k, &v, round);
        }
        /* Removals, replacements (possibly switching side) and new projects. */
        for (int mi = 0; mi < mutations_per_round; mi++) {
            uint64_t op = rnd(&s) % 10;
            int64_t id = 1 + (int64_t)(rnd(&s) % (uint64_t)(next_id - 1));
            if (op < 3) {
                int rc = match_index_remove(idx, id);
                cr_assert(rc == 0 || rc == SD_ERR_NOT_FOUND);
            } else {
                random_project(&s, op < 7 ? id : next_id++, &o, norgs);
                cr_assert_eq(match_index_upsert(idx, &o.p), 0);
            }
        }
        if (round % 7 == 6)
            match_index_compact(idx);
    }
    match_index_free(idx);
}

Test(index, topk_equals_exhaustive_on_random_corpora)
{
    struct match_weights def = match_weights_default();
    for (uint64_t seed = 1; seed <= 6; seed++)
        property_run(seed * 1000003, 100 + 150 * seed, 3 + (int64_t)seed * 10, def, 12, 60, 40);
}

Test(index, topk_equals_exhaustive_through_automatic_compactions)
{
    /* Enough changes to pass the automatic compaction threshold several times. */
    struct match_weights def = match_weights_default();
    property_run(77, 600, 50, def, 30, 40, 300);
}

Test(index, topk_equals_exhaustive_with_other_weights)
{
    struct match_weights text_only = {0, 1, 0, 0, 0, 0};
    struct match_weights free_heavy = {0.1, 0.1, 0.05, 0.05, 2.0, 1.5};
    struct match_weights cat_heavy = {3, 0.2, 2, 1, 0.3, 0.3};
    struct match_weights zero = {0, 0, 0, 0, 0, 0};
    property_run(11, 500, 40, text_only, 8, 60, 60);
    property_run(12, 500, 40, free_heavy, 8, 60, 60);
    property_run(13, 500, 40, cat_heavy, 8, 60, 60);
    property_run(14, 300, 40, zero, 4, 40, 40);
}

Test(index, topk_equals_exhaustive_under_the_old_budget_fit_too)
{
    struct match_weights free_heavy = {0.1, 0.1, 0.05, 0.05, 2.0, 1.5};
    g_budget_mode = MATCH_BUDGET_SHORTER;
    property_run(21, 400, 40, free_heavy, 6, 60, 60);
    property_run(22, 400, 40, match_weights_default(), 6, 60, 60);
    g_budget_mode = MATCH_BUDGET_SYMMETRIC;
}

/* Issue 18: a compacted corpus large enough for every (sector, zone) range to span hundreds of
 * slots, queried with the budget and stage weighted heavily (their bounds decide) and with the
 * defaults, in both budget modes; then slots die inside the sorted ranges and new ones follow
 * unsorted until the next compaction. */
static void large_run(uint64_t seed, struct match_weights w, enum match_budget_mode mode)
{
    struct match_index *idx = match_index_new(&w);
    match_index_set_budget_mode(idx, mode);
    match_index_set_auto_compact(idx, false);
    uint64_t s = seed;
    struct owned o;
    const int64_t n = 15000;
    for (int64_t id = 1; id <= n; id++) {
        random_project(&s, id, &o, 600);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    static const size_t ks[] = {1, 10, 50};
    for (int round = 0; round < 3; round++) {
        for (int qi = 0; qi < 120; qi++) {
            int64_t qid = 1 + (int64_t)(rnd(&s) % (uint64_t)n);
            struct veto v = {qid, rnd(&s) % 4 ? 0 : 3};
            topk_check(idx, qid, ks[rnd(&s) % 3], &v, round);
        }
        /* Removals and replacements: dead slots inside the sorted ranges, new ones after. */
        for (int mi = 0; mi < 1500; mi++) {
            int64_t id = 1 + (int64_t)(rnd(&s) % (uint64_t)n);
            if (rnd(&s) % 3 == 0) {
                int rc = match_index_remove(idx, id);
                cr_assert(rc == 0 || rc == SD_ERR_NOT_FOUND);
            } else {
                random_project(&s, id, &o, 600);
                cr_assert_eq(match_index_upsert(idx, &o.p), 0);
            }
        }
        if (round == 1)
            match_index_compact(idx);
    }
    match_index_free(idx);
}

Test(index, topk_equals_exhaustive_on_a_large_compacted_corpus)
{
    struct match_weights free_heavy = {0.1, 0.1, 0.05, 0.05, 2.0, 1.5};
    large_run(31, free_heavy, MATCH_BUDGET_SYMMETRIC);
    large_run(32, match_weights_default(), MATCH_BUDGET_SYMMETRIC);
    large_run(33, free_heavy, MATCH_BUDGET_SHORTER);
    struct match_weights stage_only = {0.01, 0, 0, 0, 0, 1};
    large_run(34, stage_only, MATCH_BUDGET_SYMMETRIC);
}

/* A wide budget no longer fits everything inside it, an unknown one is neutral, and the
 * generation moves with every change (the exposure assignment's cache key). */
Test(index, wide_budgets_do_not_win_and_the_generation_moves)
{
    struct match_weights w = {0, 0, 0, 0, 1, 0}; /* budget only */
    struct match_index *idx = match_index_new(&w);
    uint64_t g0 = match_index_generation(idx);
    struct match_project q = {.id = 1, .org_id = 1, .side = MATCH_DEMAND,
                              .budget_min = 1000000, .budget_max = 2000000};
    struct match_project exact = {.id = 2, .org_id = 2, .side = MATCH_SUPPLY,
                                  .budget_min = 1000000, .budget_max = 2000000};
    struct match_project wide = {.id = 3, .org_id = 3, .side = MATCH_SUPPLY,
                                 .budget_min = 10000, .budget_max = 100000000};
    struct match_project unknown = {.id = 4, .org_id = 4, .side = MATCH_SUPPLY};
    cr_assert_eq(match_index_upsert(idx, &q), 0);
    cr_assert_eq(match_index_upsert(idx, &exact), 0);
    cr_assert_eq(match_index_upsert(idx, &wide), 0);
    cr_assert_eq(match_index_upsert(idx, &unknown), 0);
    cr_assert_neq(match_index_generation(idx), g0);
    struct match_result r[3];
    size_t n;
    cr_assert_eq(match_index_topk(idx, 1, 3, NULL, NULL, r, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(r[0].id, 2);
    cr_assert_eq(r[1].id, 4, "unknown (0.2) above the 1万–1亿 range (0.01)");
    cr_assert_eq(r[2].id, 3);
    struct match_reasons why;
    cr_assert_eq(match_index_explain(idx, 1, 3, &why), 0);
    cr_assert(why.budget_overlap, "the ranges do intersect: the reason still says so");
    cr_assert_lt(why.budget_frac, 0.02);
    cr_assert_eq(match_index_explain(idx, 1, 4, &why), 0);
    cr_assert(!why.budget_overlap);
    cr_assert_float_eq(why.budget_frac, MATCH_BUDGET_UNKNOWN_FIT, 1e-12);
    /* Before issue 17 the wide range tied with the exact one and the unknown came last. */
    uint64_t g1 = match_index_generation(idx);
    match_index_set_budget_mode(idx, MATCH_BUDGET_SHORTER);
    cr_assert_neq(match_index_generation(idx), g1);
    cr_assert_eq(match_index_topk(idx, 1, 3, NULL, NULL, r, &n), 0);
    cr_assert_eq(r[0].id, 2);
    cr_assert_eq(r[1].id, 3);
    cr_assert_eq(r[0].score, r[1].score);
    cr_assert_eq(r[2].score, 0.0);
    int64_t ids[4];
    cr_assert_eq(match_index_ids(idx, MATCH_SUPPLY, ids), 3);
    match_index_free(idx);
}

Test(index, memory_stays_under_two_kilobytes_per_project)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    uint64_t s = 5;
    struct owned o;
    for (int64_t id = 1; id <= 20000; id++) {
        random_project(&s, id, &o, 1000);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    size_t per = match_index_memory(idx) / 20000;
    cr_assert(per <= 2048, "%zu bytes per project", per);
    match_index_free(idx);
}

/* ---- a shared IDF snapshot (issue 17: every instance ranks alike, incrementally) ---- */

static void same_topk_everywhere(struct match_index *a, struct match_index *b, int64_t maxid)
{
    for (int64_t q = 1; q <= maxid; q++) {
        struct match_result ra[20], rb[20];
        size_t na = 0, nb = 0;
        int ea = match_index_topk(a, q, 20, NULL, NULL, ra, &na);
        int eb = match_index_topk(b, q, 20, NULL, NULL, rb, &nb);
        cr_assert_eq(ea, eb, "query %lld", (long long)q);
        cr_assert_eq(na, nb, "query %lld", (long long)q);
        for (size_t i = 0; i < na; i++) {
            cr_assert_eq(ra[i].id, rb[i].id, "query %lld place %zu", (long long)q, i);
            cr_assert_eq(ra[i].score, rb[i].score, "query %lld place %zu", (long long)q, i);
        }
    }
}

Test(index, two_indexes_with_one_imported_snapshot_score_alike_whatever_the_order)
{
    struct match_weights w = match_weights_default();
    struct match_index *a = match_index_new(&w), *b = match_index_new(&w);
    struct owned o;
    uint64_t s = 99;
    for (int64_t id = 1; id <= 300; id++) { /* A: everything, then a compaction */
        random_project(&s, id, &o, 30);
        cr_assert_eq(match_index_upsert(a, &o.p), 0);
    }
    match_index_compact(a);
    size_t len;
    char *blob = match_index_idf_export(a, &len);
    cr_assert_eq(match_index_idf_import(a, blob, len), 0);
    /* B: a different history (other projects first, the same ones in reverse order, extras
     * removed), then the snapshot */
    uint64_t s2 = 5;
    for (int64_t id = 1001; id <= 1100; id++) {
        random_project(&s2, id, &o, 30);
        cr_assert_eq(match_index_upsert(b, &o.p), 0);
    }
    cr_assert_eq(match_index_idf_import(b, blob, len), 0);
    s = 99;
    struct owned *all = malloc(300 * sizeof(*all));
    for (int64_t id = 1; id <= 300; id++)
        random_project(&s, id, &all[id - 1], 30);
    for (int64_t id = 300; id >= 1; id--) {
        all[id - 1].p.tags = all[id - 1].tags;
        all[id - 1].p.title = all[id - 1].title;
        all[id - 1].p.description = all[id - 1].p.description ? all[id - 1].desc : NULL;
        cr_assert_eq(match_index_upsert(b, &all[id - 1].p), 0);
    }
    for (int64_t id = 1001; id <= 1100; id++)
        cr_assert_eq(match_index_remove(b, id), 0);
    same_topk_everywhere(a, b, 300);
    /* the same change on both: still alike, and a new term gets the same IDF on both */
    random_project(&s, 7, &o, 30);
    o.p.title = "前所未见的新词";
    cr_assert_eq(match_index_upsert(a, &o.p), 0);
    cr_assert_eq(match_index_upsert(b, &o.p), 0);
    match_index_compact(b); /* held: a compaction moves nothing */
    same_topk_everywhere(a, b, 300);
    /* malformed snapshots are refused and change nothing */
    uint64_t g = match_index_generation(b);
    cr_assert_eq(match_index_idf_import(b, blob, len - 1), SD_ERR_INVALID);
    cr_assert_eq(match_index_idf_import(b, "SDIDF0", 6), SD_ERR_INVALID);
    cr_assert_eq(match_index_generation(b), g);
    free(blob);
    free(all);
    match_index_free(a);
    match_index_free(b);
}
