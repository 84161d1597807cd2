#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/index.h"
#include "matching/score.h"
#include "server/err.h"

Test(score, default_weights_sum_to_one_and_validate)
{
    struct match_weights w = match_weights_default();
    cr_assert_float_eq(w.tag + w.text + w.sector + w.zone + w.budget + w.stage, 1.0, 1e-12);
    cr_assert_eq(match_weights_validate(&w, NULL), 0);
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++)
        cr_assert_not_null(match_weight_name(i));
    cr_assert_null(match_weight_name(MATCH_WEIGHT_COUNT));
}

Test(score, weights_set_by_name_and_reject_bad_values)
{
    struct match_weights w = match_weights_default();
    cr_assert_eq(match_weights_set(&w, "zone", 0.5), 0);
    cr_assert_float_eq(w.zone, 0.5, 1e-12);
    cr_assert_eq(match_weights_set(&w, "colour", 0.5), SD_ERR_INVALID);
    cr_assert_eq(match_weights_set(&w, "text", -0.1), SD_ERR_INVALID);
    cr_assert_eq(match_weights_set(&w, "text", NAN), SD_ERR_INVALID);
    cr_assert_eq(match_weights_set(&w, "text", MATCH_WEIGHT_MAX + 1), SD_ERR_INVALID);
    w.budget = INFINITY;
    const char *bad = NULL;
    cr_assert_eq(match_weights_validate(&w, &bad), SD_ERR_INVALID);
    cr_assert_str_eq(bad, "budget");
}

Test(score, enums_parse_and_name)
{
    enum match_side side;
    enum match_stage stage;
    cr_assert_eq(match_side_parse("demand", &side), 0);
    cr_assert_eq(side, MATCH_DEMAND);
    cr_assert_eq(match_side_parse("Demand", &side), SD_ERR_INVALID);
    cr_assert_eq(match_stage_parse("pilot", &stage), 0);
    cr_assert_eq(stage, MATCH_STAGE_PILOT);
    cr_assert_eq(match_stage_parse("", &stage), SD_ERR_INVALID);
    cr_assert_str_eq(match_stage_name(MATCH_STAGE_PROTOTYPE), "prototype");
    cr_assert_str_eq(match_side_name(MATCH_SUPPLY), "supply");
}

Test(score, budget_overlap)
{
    int64_t lo = -1, hi = -1;
    cr_assert_float_eq(match_budget_overlap(100, 200, 100, 200, &lo, &hi), 1.0, 1e-12);
    cr_assert_eq(lo, 100);
    cr_assert_eq(hi, 200);
    /* [500k, 2M] vs [1M, 3M]: intersection [1M, 2M] over the shorter range (1.5M). */
    double f = match_budget_overlap(500000, 2000000, 1000000, 3000000, &lo, &hi);
    cr_assert_float_eq(f, 1000001.0 / 1500001.0, 1e-12);
    cr_assert_eq(lo, 1000000);
    cr_assert_eq(hi, 2000000);
    cr_assert_float_eq(match_budget_overlap(1, 10, 11, 20, NULL, NULL), 0.0, 0);
    cr_assert_float_eq(match_budget_overlap(0, 0, 0, 100, NULL, NULL), 0.0, 0, "unknown");
    cr_assert_float_eq(match_budget_overlap(0, 100, 50, 50, NULL, NULL), 1.0, 1e-12, "point");
}

Test(score, stage_fit_decreases_with_distance)
{
    cr_assert_float_eq(match_stage_fit(MATCH_STAGE_PILOT, MATCH_STAGE_PILOT), 1.0, 1e-12);
    cr_assert_float_eq(match_stage_fit(MATCH_STAGE_PILOT, MATCH_STAGE_PROTOTYPE), 2.0 / 3, 1e-12);
    cr_assert_float_eq(match_stage_fit(MATCH_STAGE_IDEA, MATCH_STAGE_PRODUCTION), 0.0, 1e-12);
}

Test(score, cny_formatting)
{
    char b[32];
    match_format_cny(5000, b, sizeof(b));
    cr_assert_str_eq(b, "5000元");
    match_format_cny(500000, b, sizeof(b));
    cr_assert_str_eq(b, "50万");
    match_format_cny(125000, b, sizeof(b));
    cr_assert_str_eq(b, "12.5万");
    match_format_cny(150000000, b, sizeof(b));
    cr_assert_str_eq(b, "1.5亿");
    match_format_cny(10050, b, sizeof(b));
    cr_assert_str_eq(b, "1.01万");
}

static bool has_line(const struct match_reason_line *lines, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(lines[i].text, want) == 0)
            return true;
    return false;
}

/* The text of the reason with `code`, or "" when there is none. */
static const char *line_of(const struct match_reason_line *lines, size_t n,
                           enum match_reason_code code)
{
    for (size_t i = 0; i < n; i++)
        if (lines[i].code == code)
            return lines[i].text;
    return "";
}

Test(score, cny_formatting_in_english)
{
    char b[32];
    match_format_cny_en(950, b, sizeof(b));
    cr_assert_str_eq(b, "950");
    match_format_cny_en(5000, b, sizeof(b));
    cr_assert_str_eq(b, "5K");
    match_format_cny_en(500000, b, sizeof(b));
    cr_assert_str_eq(b, "500K");
    match_format_cny_en(1500000, b, sizeof(b));
    cr_assert_str_eq(b, "1.5M");
    match_format_cny_en(1250000, b, sizeof(b));
    cr_assert_str_eq(b, "1.25M");
    match_format_cny_en(2000000000, b, sizeof(b));
    cr_assert_str_eq(b, "2B");
}

Test(score, budget_fit_is_symmetric_and_neutral_on_unknown)
{
    int64_t lo = 0, hi = 0;
    /* Identical ranges fit 1 either way. */
    cr_assert_float_eq(match_budget_fit(100, 200, 100, 200, MATCH_BUDGET_SYMMETRIC, &lo, &hi), 1.0,
                       1e-12);
    cr_assert_eq(lo, 100);
    cr_assert_eq(hi, 200);
    /* 1万–1亿 against 100–200万: the old fit says 1 (overlap / shorter), the new one 0.01. */
    double old = match_budget_fit(10000, 100000000, 1000000, 2000000, MATCH_BUDGET_SHORTER, NULL,
                                  NULL);
    double sym = match_budget_fit(10000, 100000000, 1000000, 2000000, MATCH_BUDGET_SYMMETRIC,
                                  &lo, &hi);
    cr_assert_float_eq(old, 1.0, 1e-12);
    cr_assert_float_eq(sym, 1000001.0 / 99990001.0, 1e-12);
    cr_assert_eq(lo, 1000000);
    cr_assert_eq(hi, 2000000);
    /* Symmetric in its arguments. */
    cr_assert_eq(match_budget_fit(1000000, 2000000, 10000, 100000000, MATCH_BUDGET_SYMMETRIC, NULL,
                                  NULL),
                 sym);
    /* Half overlapping: 50–200万 vs 100–300万: 100万 of the longer 200万. */
    cr_assert_float_eq(match_budget_fit(500000, 2000000, 1000000, 3000000, MATCH_BUDGET_SYMMETRIC,
                                        NULL, NULL),
                       1000001.0 / 2000001.0, 1e-12);
    /* Unknown: neutral, not a mismatch (the old fit: 0); disjoint: 0 either way. */
    cr_assert_float_eq(match_budget_fit(0, 0, 0, 100, MATCH_BUDGET_SYMMETRIC, NULL, NULL),
                       MATCH_BUDGET_UNKNOWN_FIT, 0);
    cr_assert_float_eq(match_budget_fit(0, 0, 0, 100, MATCH_BUDGET_SHORTER, NULL, NULL), 0.0, 0);
    cr_assert_float_eq(match_budget_fit(1, 10, 11, 20, MATCH_BUDGET_SYMMETRIC, NULL, NULL), 0.0, 0);
    cr_assert_gt(MATCH_BUDGET_UNKNOWN_FIT, 0.0);
    cr_assert_lt(MATCH_BUDGET_UNKNOWN_FIT, 0.5);
}

Test(score, budget_ranges_in_both_languages)
{
    char b[64];
    match_format_cny_range(1000000, 2000000, MATCH_LANG_ZH, b, sizeof(b));
    cr_assert_str_eq(b, "100–200万");
    match_format_cny_range(5000, 20000, MATCH_LANG_ZH, b, sizeof(b));
    cr_assert_str_eq(b, "5000元–2万");
    /* One amount when both ends are equal (it read "200–200万"). */
    match_format_cny_range(2000000, 2000000, MATCH_LANG_ZH, b, sizeof(b));
    cr_assert_str_eq(b, "200万");
    match_format_cny_range(1000000, 2000000, MATCH_LANG_EN, b, sizeof(b));
    cr_assert_str_eq(b, "CNY 1M–2M");
    match_format_cny_range(500000, 2000000, MATCH_LANG_EN, b, sizeof(b));
    cr_assert_str_eq(b, "CNY 500K–2M");
    match_format_cny_range(2000000, 2000000, MATCH_LANG_EN, b, sizeof(b));
    cr_assert_str_eq(b, "CNY 2M");
    cr_assert_null(strstr(b, "万"));
}

Test(score, reason_codes_are_stable)
{
    cr_assert_str_eq(match_reason_code_name(MATCH_REASON_SHARED_TAGS), "shared_tags");
    cr_assert_str_eq(match_reason_code_name(MATCH_REASON_SAME_SECTOR), "same_sector");
    cr_assert_str_eq(match_reason_code_name(MATCH_REASON_BUDGET_OVERLAP), "budget_overlap");
    cr_assert_str_eq(match_reason_code_name(MATCH_REASON_SAME_ZONE), "same_zone");
    cr_assert_str_eq(match_reason_code_name(MATCH_REASON_STAGE_FIT), "stage_fit");
    cr_assert_str_eq(match_reason_code_name(MATCH_REASON_SIMILAR_TEXT), "similar_text");
}

Test(score, reasons_render_for_people)
{
    struct match_reasons r;
    memset(&r, 0, sizeof(r));
    r.nshared_tags = 2;
    r.shared_tags[0] = "机器视觉";
    r.shared_tags[1] = "医学影像";
    r.same_sector = true;
    r.sector = "healthcare";
    r.same_zone = true;
    r.zone = "science_city";
    r.budget_overlap = true;
    r.budget_lo = 500000;
    r.budget_hi = 2000000;
    r.stage_query = MATCH_STAGE_PILOT;
    r.stage_candidate = MATCH_STAGE_PROTOTYPE;
    r.stage_fit = 2.0 / 3;
    r.text_cos = 0.42;
    size_t n;
    struct match_names en_names = {"Healthcare", "Chengdu Science City"};
    struct match_reason_line *en = match_reasons_render(&r, MATCH_LANG_EN, &en_names, &n);
    cr_assert_eq(n, 6);
    cr_assert_eq(en[0].code, MATCH_REASON_SHARED_TAGS);
    cr_assert_str_eq(en[0].text, "shared tags: 机器视觉, 医学影像");
    cr_assert_str_eq(line_of(en, n, MATCH_REASON_SAME_SECTOR), "same sector: Healthcare");
    cr_assert_str_eq(line_of(en, n, MATCH_REASON_BUDGET_OVERLAP), "budget overlap CNY 500K–2M");
    cr_assert_str_eq(line_of(en, n, MATCH_REASON_SAME_ZONE), "same zone: Chengdu Science City");
    cr_assert_str_eq(line_of(en, n, MATCH_REASON_STAGE_FIT), "stage fit: pilot ↔ prototype");
    cr_assert_str_eq(line_of(en, n, MATCH_REASON_SIMILAR_TEXT), "similar wording (0.42)");
    for (size_t i = 0; i < n; i++)
        cr_assert_null(strstr(en[i].text, "万"), "no 万 in English: %s", en[i].text);
    match_reason_lines_free(en, n);

    struct match_names zh_names = {"医疗健康", "成都科学城"};
    struct match_reason_line *zh = match_reasons_render(&r, MATCH_LANG_ZH, &zh_names, &n);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(zh[0].text, "共同技术标签: 机器视觉, 医学影像");
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_SAME_SECTOR), "同一行业: 医疗健康");
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_BUDGET_OVERLAP), "预算重叠 50–200万");
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_SAME_ZONE), "同一园区: 成都科学城");
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_STAGE_FIT), "阶段匹配: 试点 ↔ 原型");
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_SIMILAR_TEXT), "文字相似度 0.42");
    match_reason_lines_free(zh, n);

    /* Without names the codes show as stored; equal budget ends are one amount. */
    r.budget_lo = r.budget_hi = 2000000;
    zh = match_reasons_render(&r, MATCH_LANG_ZH, NULL, &n);
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_SAME_SECTOR), "同一行业: healthcare");
    cr_assert_str_eq(line_of(zh, n, MATCH_REASON_BUDGET_OVERLAP), "预算重叠 200万");
    match_reason_lines_free(zh, n);
    en = match_reasons_render(&r, MATCH_LANG_EN, NULL, &n);
    cr_assert_str_eq(line_of(en, n, MATCH_REASON_BUDGET_OVERLAP), "budget overlap CNY 2M");
    match_reason_lines_free(en, n);

    memset(&r, 0, sizeof(r));
    r.stage_query = MATCH_STAGE_IDEA;
    r.stage_candidate = MATCH_STAGE_PRODUCTION;
    struct match_reason_line *none = match_reasons_render(&r, MATCH_LANG_EN, NULL, &n);
    cr_assert_eq(n, 0, "nothing worth saying");
    match_reason_lines_free(none, n);
}

/* ---- scorer properties, through the index (which owns the IDF statistics) ---- */

static const char *const vocab_tags[] = {"机器视觉", "智能语音", "自然语言处理", "医学影像",
                                         "智能芯片", "无人机",   "车联网",       "工业互联网"};
static const char *const vocab_words[] = {"医学影像分析", "缺陷检测", "智能工厂", "无人物流",
                                          "GPU推理",      "边缘计算", "语音交互", "5G网络",
                                          "病理切片",     "数据平台", "港口调度", "质检系统"};
static const char *const vocab_sectors[] = {"医疗健康", "交通物流", "智能制造"};
static const char *const vocab_zones[] = {"成都科学城", "天府国际生物城", "龙泉驿"};

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct owned {
    struct match_project p;
    const char *tags[MATCH_TAGS_MAX];
    char title[256], desc[512];
};

static void random_project(uint64_t *s, int64_t id, enum match_side side, struct owned *o)
{
    memset(o, 0, sizeof(*o));
    o->p.id = id;
    o->p.org_id = 1 + (int64_t)(rnd(s) % 20);
    o->p.side = side;
    o->p.stage = (enum match_stage)(rnd(s) % 4);
    o->p.sector = vocab_sectors[rnd(s) % 3];
    o->p.zone = vocab_zones[rnd(s) % 3];
    size_t nt = rnd(s) % 4;
    for (size_t i = 0; i < nt; i++)
        o->tags[i] = vocab_tags[rnd(s) % 8];
    o->p.tags = o->tags;
    o->p.ntags = nt;
    o->p.budget_min = (int64_t)(rnd(s) % 50) * 10000;
    o->p.budget_max = o->p.budget_min + (int64_t)(rnd(s) % 200) * 10000;
    snprintf(o->title, sizeof(o->title), "%s%s", vocab_words[rnd(s) % 12],
             vocab_words[rnd(s) % 12]);
    size_t nw = 1 + rnd(s) % 6, len = 0;
    for (size_t i = 0; i < nw; i++)
        len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%s，",
                                vocab_words[rnd(s) % 12]);
    o->p.title = o->title;
    o->p.description = o->desc;
}

static struct match_index *random_corpus(uint64_t seed, size_t n)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    uint64_t s = seed;
    struct owned o;
    for (size_t i = 0; i < 2 * n; i++) {
        random_project(&s, (int64_t)i + 1, i < n ? MATCH_SUPPLY : MATCH_DEMAND, &o);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    return idx;
}

static double pair_score(const struct match_index *idx, int64_t a, int64_t b)
{
    struct match_reasons r;
    cr_assert_eq(match_index_explain(idx, a, b, &r), 0);
    return r.score;
}

Test(score, identical_project_scores_highest_against_a_query)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct match_index *idx = random_corpus(seed * 7919, 150);
        uint64_t s = seed;
        int64_t qid = 150 + 1 + (int64_t)(rnd(&s) % 150); /* a demand project */
        /* A supply twin of the query from another organization. */
        struct match_project q;
        const char *tags[MATCH_TAGS_MAX];
        cr_assert_eq(match_index_get(idx, qid, &q, tags), 0);
        struct owned twin;
        memset(&twin, 0, sizeof(twin));
        uint64_t s2 = seed * 7919;
        for (int64_t i = 1; i <= qid; i++)
            random_project(&s2, i, i <= 150 ? MATCH_SUPPLY : MATCH_DEMAND, &twin);
        twin.p.id = 100000;
        twin.p.org_id = q.org_id + 1000;
        twin.p.side = MATCH_SUPPLY;
        cr_assert_eq(match_index_upsert(idx, &twin.p), 0);
        match_index_compact(idx);
        double best = pair_score(idx, qid, twin.p.id);
        for (int64_t c = 1; c <= 150; c++)
            cr_assert(pair_score(idx, qid, c) <= best, "seed %llu: %lld beats the twin",
                      (unsigned long long)seed, (long long)c);
        struct match_result res[1];
        size_t nr;
        cr_assert_eq(match_index_topk(idx, qid, 1, NULL, NULL, res, &nr), 0);
        cr_assert_eq(nr, 1);
        cr_assert_float_eq(res[0].score, best, 1e-12);
        match_index_free(idx);
    }
}

/* Re-upserts project `id` with one more tag. */
static void add_tag(struct match_index *idx, int64_t id, const char *tag, const char *title)
{
    struct match_project p;
    const char *tags[MATCH_TAGS_MAX + 1];
    cr_assert_eq(match_index_get(idx, id, &p, tags), 0);
    /* get() does not keep text: pass the same title both times so text stays equal. */
    p.title = title;
    tags[p.ntags++] = tag;
    p.tags = tags;
    cr_assert_eq(match_index_upsert(idx, &p), 0);
}

Test(score, adding_a_shared_rare_tag_never_lowers_a_score)
{
    uint64_t s = 99;
    struct match_index *idx = random_corpus(4242, 200);
    char tag[32];
    for (int round = 0; round < 300; round++) {
        int64_t a = 1 + (int64_t)(rnd(&s) % 200), b = 201 + (int64_t)(rnd(&s) % 200);
        /* Fix the text of both to known titles so only the tags change below. */
        add_tag(idx, a, "seed-a", "医学影像分析");
        add_tag(idx, b, "seed-b", "缺陷检测");
        match_index_compact(idx);
        double before = pair_score(idx, a, b);
        size_t shared_before;
        struct match_reasons r;
        cr_assert_eq(match_index_explain(idx, a, b, &r), 0);
        shared_before = r.nshared_tags;
        snprintf(tag, sizeof(tag), "rare-%d", round);
        if (r.nshared_tags + 1 >= MATCH_TAGS_MAX)
            continue;
        add_tag(idx, a, tag, "医学影像分析");
        add_tag(idx, b, tag, "缺陷检测");
        match_index_compact(idx);
        double after = pair_score(idx, a, b);
        cr_assert(after >= before, "round %d: %.9f < %.9f", round, after, before);
        cr_assert_eq(match_index_explain(idx, a, b, &r), 0);
        cr_assert_eq(r.nshared_tags, shared_before + 1);
        cr_assert_str_eq(r.shared_tags[0], tag, "the rarest shared tag comes first");
    }
    match_index_free(idx);
}

Test(score, reasons_list_the_shared_tags)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    const char *ta[] = {"机器视觉", "医学影像", "无人机"};
    const char *tb[] = {"医学影像", "机器视觉", "车联网"};
    struct match_project a = {.id = 1,
                              .org_id = 1,
                              .side = MATCH_SUPPLY,
                              .stage = MATCH_STAGE_PILOT,
                              .sector = "医疗健康",
                              .zone = "成都科学城",
                              .tags = ta,
                              .ntags = 3,
                              .budget_min = 500000,
                              .budget_max = 2000000,
                              .title = "医学影像辅助诊断系统",
                              .description = "基于机器视觉"};
    struct match_project b = a;
    b.id = 2;
    b.org_id = 2;
    b.side = MATCH_DEMAND;
    b.stage = MATCH_STAGE_PROTOTYPE;
    b.tags = tb;
    b.budget_min = 1000000;
    b.budget_max = 3000000;
    b.title = "寻求医学影像辅助诊断";
    cr_assert_eq(match_index_upsert(idx, &a), 0);
    cr_assert_eq(match_index_upsert(idx, &b), 0);
    /* A third project that has 机器视觉 makes 医学影像 the rarer of the two shared tags. */
    struct match_project c = a;
    c.id = 3;
    c.tags = ta;
    c.ntags = 1;
    cr_assert_eq(match_index_upsert(idx, &c), 0);
    match_index_compact(idx);
    struct match_reasons r;
    cr_assert_eq(match_index_explain(idx, 2, 1, &r), 0);
    cr_assert_eq(r.nshared_tags, 2);
    cr_assert_str_eq(r.shared_tags[0], "医学影像");
    cr_assert_str_eq(r.shared_tags[1], "机器视觉");
    cr_assert(r.same_sector);
    cr_assert_str_eq(r.sector, "医疗健康");
    cr_assert(r.same_zone);
    cr_assert(r.budget_overlap);
    cr_assert_eq(r.budget_lo, 1000000);
    cr_assert_eq(r.budget_hi, 2000000);
    cr_assert(r.text_cos > 0.05, "shared wording is noticed (%.3f)", r.text_cos);
    double sum =
        r.tag_part + r.text_part + r.sector_part + r.zone_part + r.budget_part + r.stage_part;
    cr_assert_float_eq(sum, r.score, 1e-9);
    size_t n;
    struct match_reason_line *lines = match_reasons_render(&r, MATCH_LANG_ZH, NULL, &n);
    cr_assert(n >= 5);
    cr_assert_str_eq(lines[0].text, "共同技术标签: 医学影像, 机器视觉");
    cr_assert(has_line(lines, n, "预算重叠 100–200万"));
    match_reason_lines_free(lines, n);
    match_index_free(idx);
}

/* ---- each factor's contribution: its share of the score ---- */

Test(score, factors_list_every_part_in_weight_order_and_lines_carry_theirs)
{
    struct match_reasons r;
    memset(&r, 0, sizeof(r));
    r.weights = match_weights_default();
    r.tag_part = 0.125;
    r.text_cos = 0.04; /* below the display threshold of similar_text (0.05): no line */
    r.text_part = 0.018;
    r.same_sector = true;
    r.sector = "healthcare";
    r.sector_part = 0.1;
    r.stage_query = r.stage_candidate = MATCH_STAGE_PILOT;
    r.stage_fit = 1.0;
    r.stage_part = 0.05;
    r.nshared_tags = 1;
    r.shared_tags[0] = "机器视觉";
    r.score = 0.125 + 0.018 + 0.1 + 0.05;
    struct match_factor f[MATCH_WEIGHT_COUNT];
    match_reasons_factors(&r, f);
    static const enum match_reason_code order[MATCH_WEIGHT_COUNT] = {
        MATCH_REASON_SHARED_TAGS, MATCH_REASON_SIMILAR_TEXT,    MATCH_REASON_SAME_SECTOR,
        MATCH_REASON_SAME_ZONE,   MATCH_REASON_BUDGET_OVERLAP, MATCH_REASON_STAGE_FIT};
    const double want[MATCH_WEIGHT_COUNT] = {0.125, 0.018, 0.1, 0, 0, 0.05};
    const double weight[MATCH_WEIGHT_COUNT] = {0.25, 0.45, 0.10, 0.05, 0.10, 0.05};
    double sum = 0;
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++) {
        cr_assert_eq(f[i].code, order[i], "factor %zu", i);
        cr_assert_eq(f[i].contribution, want[i], "factor %zu", i);
        cr_assert_eq(f[i].weight, weight[i], "factor %zu", i);
        sum += f[i].contribution;
    }
    cr_assert_float_eq(sum, r.score, 1e-12);
    size_t n;
    struct match_reason_line *lines = match_reasons_render(&r, MATCH_LANG_ZH, NULL, &n);
    cr_assert_eq(n, 3, "tags, sector, stage; the text part has no line");
    double explained = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(lines[i].contribution, match_reasons_contribution(&r, lines[i].code));
        explained += lines[i].contribution;
    }
    cr_assert_eq(lines[0].contribution, 0.125);
    cr_assert_float_eq(explained, r.score - 0.018, 1e-12, "the unexplained rest is the text");
    match_reason_lines_free(lines, n);
}

static struct match_index *random_corpus_w(uint64_t seed, size_t n, const struct match_weights *w)
{
    struct match_index *idx = match_index_new(w);
    uint64_t s = seed;
    struct owned o;
    for (size_t i = 0; i < 2 * n; i++) {
        random_project(&s, (int64_t)i + 1, i < n ? MATCH_SUPPLY : MATCH_DEMAND, &o);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    return idx;
}

/* Sum of the factors of (a, b), checking each against its weight and the score. */
static void check_factors(const struct match_index *idx, int64_t a, int64_t b,
                          struct match_reasons *r, struct match_factor f[MATCH_WEIGHT_COUNT])
{
    cr_assert_eq(match_index_explain(idx, a, b, r), 0);
    match_reasons_factors(r, f);
    double sum = 0;
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++) {
        cr_assert(f[i].contribution >= 0 && f[i].contribution <= f[i].weight,
                  "%lld/%lld factor %zu: %.17g of %.17g", (long long)a, (long long)b, i,
                  f[i].contribution, f[i].weight);
        sum += f[i].contribution;
    }
    cr_assert(fabs(sum - r->score) <= 1e-12, "%lld/%lld: factors sum to %.17g, score %.17g",
              (long long)a, (long long)b, sum, r->score);
}

Test(score, contributions_sum_to_the_score)
{
    const struct match_weights ws[] = {
        match_weights_default(),
        {.tag = 3.7, .text = 0.45, .sector = 100, .zone = 0.013, .budget = 1e-3, .stage = 42},
    };
    for (size_t k = 0; k < SD_ARRAY_LEN(ws); k++) {
        struct match_index *idx = random_corpus_w(777 + k, 120, &ws[k]);
        struct match_reasons r;
        struct match_factor f[MATCH_WEIGHT_COUNT];
        for (int64_t a = 121; a <= 240; a += 7) {
            /* The top 10 (every code path scores alike) and a sweep of the rest. */
            struct match_result res[10];
            size_t nr;
            cr_assert_eq(match_index_topk(idx, a, 10, NULL, NULL, res, &nr), 0);
            for (size_t i = 0; i < nr; i++) {
                check_factors(idx, a, res[i].id, &r, f);
                cr_assert_eq(r.score, res[i].score, "explain scores as top-k does");
            }
            for (int64_t b = 1; b <= 120; b += 3)
                check_factors(idx, a, b, &r, f);
            /* Each reason carries its own factor's contribution. */
            size_t n;
            struct match_reason_line *lines = match_reasons_render(&r, MATCH_LANG_EN, NULL, &n);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < MATCH_WEIGHT_COUNT; j++)
                    if (f[j].code == lines[i].code)
                        cr_assert_eq(lines[i].contribution, f[j].contribution);
            match_reason_lines_free(lines, n);
        }
        match_index_free(idx);
    }
}

Test(score, a_factor_weighted_zero_contributes_zero)
{
    struct match_weights w = match_weights_default();
    const char *tags[] = {"机器视觉"};
    struct match_project a = {.id = 1,
                              .org_id = 1,
                              .side = MATCH_SUPPLY,
                              .stage = MATCH_STAGE_PILOT,
                              .sector = "医疗健康",
                              .zone = "成都科学城",
                              .tags = tags,
                              .ntags = 1,
                              .budget_min = 500000,
                              .budget_max = 2000000,
                              .title = "医学影像辅助诊断系统",
                              .description = "基于机器视觉"};
    struct match_project b = a;
    b.id = 2;
    b.org_id = 2;
    b.side = MATCH_DEMAND;
    struct match_reasons r;
    struct match_factor f[MATCH_WEIGHT_COUNT];
    for (int zero = 0; zero < 2; zero++) {
        if (zero)
            cr_assert_eq(match_weights_set(&w, "sector", 0.0), 0);
        struct match_index *idx = match_index_new(&w);
        cr_assert_eq(match_index_upsert(idx, &a), 0);
        cr_assert_eq(match_index_upsert(idx, &b), 0);
        match_index_compact(idx);
        check_factors(idx, 2, 1, &r, f);
        cr_assert_eq(f[2].code, MATCH_REASON_SAME_SECTOR);
        cr_assert(r.same_sector);
        if (zero) {
            cr_assert_eq(f[2].weight, 0.0);
            cr_assert_eq(f[2].contribution, 0.0, "weight 0: %.17g", f[2].contribution);
            cr_assert_eq(match_reasons_contribution(&r, MATCH_REASON_SAME_SECTOR), 0.0);
        } else {
            cr_assert_float_eq(f[2].contribution, 0.1, 1e-4, "the same pair counts its sector");
        }
        match_index_free(idx);
    }
}
