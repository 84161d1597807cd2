/* Issue 18 point 4: top-k over the sorted slots run by run (tag-vector runs within each sector
 * and zone, a per-project bound on the common text terms, the rare terms' postings taken
 * exactly, the other sectors tag set by tag set), checked against the exhaustive scorer on a
 * corpus whose text has terms of every frequency: words nearly every project has, words of one
 * sector, and numbers and model codes only a few projects share (the rare terms). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/index.h"
#include "server/err.h"
#include "tests/unit/index_fixtures.h"

static const char *const tags_v[] = {"机器视觉", "智能语音", "医学影像", "无人机",   "车联网",
                                     "工业互联网", "fpga",   "5g",       "类脑计算", "智能芯片",
                                     "知识图谱", "数字孪生", "边缘计算", "大数据"};
static const char *const sectors_v[] = {"医疗健康", "交通物流", "智能制造", "电子信息", "金融", ""};
static const char *const zones_v[] = {"成都科学城", "天府国际生物城", "龙泉驿", "天府新区",
                                      "成都高新区", ""};
/* Per sector, words mostly its projects use. */
static const char *const sector_words[6][3] = {
    {"病理切片", "辅助诊断", "影像"}, {"物流配送", "港口调度", "车路协同"},
    {"表面缺陷", "智能工厂", "预测维护"}, {"芯片设计", "信号处理", "终端研发"},
    {"智能风控", "反欺诈", "票据识别"}, {"通用平台", "数据服务", "咨询"}};
static const char *const common_words[] = {"系统", "平台", "支持", "部署", "提供", "方案"};

/* When set, project() draws budgets next to the edges of the index's coarse budget codes (a
 * quarter of an octave wide: (4 + m) << (e - 2)), so that a bound taken from the codes is tested
 * where it is tightest. */
static bool edge_budgets;

static int64_t code_edge(uint64_t *s)
{
    unsigned e = 16 + (unsigned)(rnd(s) % 6), m = (unsigned)(rnd(s) % 4);
    return ((int64_t)(4 + m) << (e - 2)) + (int64_t)(rnd(s) % 3) - 1;
}

static void project(uint64_t *s, int64_t id, struct owned *o, int64_t norgs)
{
    memset(o, 0, sizeof(*o));
    o->p.id = id;
    o->p.org_id = 1 + (int64_t)(rnd(s) % (uint64_t)norgs);
    o->p.side = (enum match_side)(rnd(s) % 2);
    o->p.stage = (enum match_stage)(rnd(s) % 4);
    size_t sec = rnd(s) % 6;
    o->p.sector = sectors_v[sec];
    o->p.zone = zones_v[rnd(s) % 6];
    /* Tag sets repeat (runs of several projects) but not always. */
    size_t nt = rnd(s) % 4, first = rnd(s) % 3 + sec;
    for (size_t i = 0; i < nt; i++)
        o->tags[i] = tags_v[i == 0 ? first % 14 : rnd(s) % 14];
    if (rnd(s) % 40 == 0) /* a "one-stop" project: many tags */
        for (nt = 0; nt < 9; nt++)
            o->tags[nt] = tags_v[(sec + nt) % 14];
    o->p.tags = o->tags;
    o->p.ntags = nt;
    if (edge_budgets) {
        if (rnd(s) % 8) {
            int64_t a = code_edge(s), b = code_edge(s);
            o->p.budget_min = a < b ? a : b;
            o->p.budget_max = a < b ? b : a;
        }
    } else if (rnd(s) % 7) {
        o->p.budget_min = (int64_t)(rnd(s) % 20) * 50000;
        o->p.budget_max = o->p.budget_min + (int64_t)(rnd(s) % 4 + 1) * 100000;
    }
    size_t len = (size_t)snprintf(o->title, sizeof(o->title), "%s%s", sector_words[sec][rnd(s) % 3],
                                  common_words[rnd(s) % 6]);
    size_t nw = 3 + rnd(s) % 25;
    len = 0;
    for (size_t i = 0; i < nw && len + 64 < sizeof(o->desc); i++) {
        uint64_t u = rnd(s) % 10;
        if (u < 4)
            len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%s，",
                                    common_words[rnd(s) % 6]);
        else if (u < 7)
            len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%s，",
                                    sector_words[rnd(s) % 10 ? sec : rnd(s) % 6][rnd(s) % 3]);
        else if (u < 9) /* numbers: a few hundred distinct, rare each */
            len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%u路，",
                                    (unsigned)(rnd(s) % 400));
        else /* model codes: very rare */
            len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "型号x%u，",
                                    (unsigned)(rnd(s) % 5000));
    }
    o->p.title = o->title;
    o->p.description = o->desc;
}

static void queries(struct match_index *idx, uint64_t *s, int64_t n, int count)
{
    static const size_t ks[] = {1, 10, 10, 50};
    for (int q = 0; q < count; q++) {
        int64_t qid = 1 + (int64_t)(rnd(s) % (uint64_t)n);
        struct veto v = {qid, rnd(s) % 4 ? 0 : 3};
        topk_check(idx, qid, ks[rnd(s) % 4], &v, 0);
    }
}

/* Build, compact, query; then changes (dead slots in the runs, new ones in the tail), a
 * compaction prepared aside with more changes before its swap, and queries after each step. */
static void run(uint64_t seed, struct match_weights w, enum match_budget_mode mode, bool hold)
{
    struct match_index *idx = match_index_new(&w);
    match_index_set_budget_mode(idx, mode);
    match_index_set_auto_compact(idx, false);
    uint64_t s = seed;
    struct owned o;
    const int64_t n = 12000;
    for (int64_t id = 1; id <= n; id++) {
        project(&s, id, &o, 900);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    if (hold)
        match_index_hold_idf(idx, true);
    queries(idx, &s, n, 150);
    for (int round = 0; round < 2; round++) {
        struct match_compaction *c = round ? match_index_compact_prepare(idx) : NULL;
        for (int i = 0; i < 1200; i++) {
            int64_t id = 1 + (int64_t)(rnd(&s) % (uint64_t)n);
            if (rnd(&s) % 4 == 0) {
                int rc = match_index_remove(idx, id);
                cr_assert(rc == 0 || rc == SD_ERR_NOT_FOUND);
            } else {
                project(&s, id, &o, 900);
                cr_assert_eq(match_index_upsert(idx, &o.p), 0);
            }
        }
        queries(idx, &s, n, 100);
        if (c) {
            cr_assert_eq(match_index_compact_swap(idx, c), 0);
            match_compaction_free(c);
            queries(idx, &s, n, 100);
        }
    }
    match_index_free(idx);
}

Test(index_runs, topk_equals_exhaustive_with_terms_of_every_frequency)
{
    run(41, match_weights_default(), MATCH_BUDGET_SYMMETRIC, false);
    run(42, match_weights_default(), MATCH_BUDGET_SHORTER, true);
}

Test(index_runs, topk_equals_exhaustive_when_text_or_tags_decide)
{
    struct match_weights text_heavy = {0.05, 3, 0.05, 0.05, 0.1, 0.1};
    struct match_weights tag_heavy = {3, 0.2, 0.1, 0.1, 0.1, 0.1};
    struct match_weights no_text = {0.25, 0, 0.1, 0.05, 0.1, 0.05};
    run(43, text_heavy, MATCH_BUDGET_SYMMETRIC, false);
    run(44, tag_heavy, MATCH_BUDGET_SYMMETRIC, true);
    run(45, no_text, MATCH_BUDGET_SYMMETRIC, false);
}

Test(index_runs, topk_equals_exhaustive_when_budgets_decide_at_the_code_edges)
{
    struct match_weights budget_heavy = {0.05, 0.1, 0.05, 0.05, 3, 0.05};
    edge_budgets = true;
    run(46, budget_heavy, MATCH_BUDGET_SYMMETRIC, false);
    run(47, match_weights_default(), MATCH_BUDGET_SYMMETRIC, true);
    run(48, budget_heavy, MATCH_BUDGET_SHORTER, false);
    edge_budgets = false;
}

/* The sorted slots' runs change nothing a caller sees: the same answers after a compaction as
 * an index built in another order and compacted the same way. */
Test(index_runs, insertion_order_does_not_change_the_answers)
{
    struct match_weights w = match_weights_default();
    struct match_index *a = match_index_new(&w), *b = match_index_new(&w);
    uint64_t s = 7;
    struct owned o;
    const int64_t n = 4000;
    for (int64_t id = 1; id <= n; id++) {
        project(&s, id, &o, 300);
        cr_assert_eq(match_index_upsert(a, &o.p), 0);
    }
    s = 7;
    struct owned *all = malloc((size_t)n * sizeof(*all));
    for (int64_t id = 1; id <= n; id++)
        project(&s, id, &all[id - 1], 300);
    for (int64_t id = n; id >= 1; id--)
        cr_assert_eq(match_index_upsert(b, &all[id - 1].p), 0);
    match_index_compact(a);
    match_index_compact(b);
    for (int64_t q = 1; q <= n; q += 7) {
        struct match_result ra[10], rb[10];
        size_t na, nb;
        cr_assert_eq(match_index_topk(a, q, 10, NULL, NULL, ra, &na), 0);
        cr_assert_eq(match_index_topk(b, q, 10, NULL, NULL, rb, &nb), 0);
        cr_assert_eq(na, nb);
        for (size_t i = 0; i < na; i++) {
            cr_assert_eq(ra[i].id, rb[i].id);
            cr_assert_eq(ra[i].score, rb[i].score);
        }
    }
    free(all);
    match_index_free(a);
    match_index_free(b);
}
