/* The exposure assignment (matching/exposure.h): caps, the floor, the global order. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "matching/exposure.h"

/* NQ demand queries (ids 1001..), each listing: its own planted supply (id 1..NQ, score 0.9),
 * three hubs (ids 501..503, 0.6, 0.59, 0.58), two fillers (601, 602: 0.4, 0.39), and a weak
 * supply 700 (0.35). */
#define NQ 12
#define NC 7

static struct match_result cands[NQ][NC];
static struct exposure_query qs[NQ];

static void make_lists(void)
{
    for (int i = 0; i < NQ; i++) {
        struct match_result l[NC] = {{1 + i, 0.9}, {501, 0.6}, {502, 0.59}, {503, 0.58},
                                     {601, 0.4},   {602, 0.39}, {700, 0.35}};
        memcpy(cands[i], l, sizeof(l));
        qs[i] = (struct exposure_query){1001 + i, cands[i], NC};
    }
}

static bool listed(const struct exposure_result *r, size_t qi, int64_t id, size_t *pos)
{
    for (size_t s = 0; s < r->nplaces[qi]; s++)
        if (r->places[qi * r->k + s].id == id) {
            if (pos)
                *pos = s;
            return true;
        }
    return false;
}

Test(exposure, without_control_every_list_is_its_plain_top_k)
{
    make_lists();
    struct exposure_params p = {.k = 3, .pool = 20};
    struct exposure_result r;
    exposure_assign(qs, NQ, &p, &r);
    cr_assert_eq(r.cap, SIZE_MAX);
    for (size_t i = 0; i < NQ; i++) {
        cr_assert_eq(r.nplaces[i], 3);
        cr_assert_eq(r.places[i * 3].id, (int64_t)i + 1);
        cr_assert_eq(r.places[i * 3 + 1].id, 501);
        cr_assert_eq(r.places[i * 3 + 2].id, 502);
    }
    size_t dem;
    cr_assert_eq(exposure_places_of(&r, 501, &dem), NQ);
    cr_assert_eq(dem, NQ);
    cr_assert_eq(exposure_places_of(&r, 999, &dem), 0);
    exposure_result_free(&r);
}

Test(exposure, the_cap_holds_and_the_true_pairs_stay_first)
{
    make_lists();
    /* 12 lists x 3 places over a pool of 20 projects: average 1.8; 2x -> cap ceil(3.6) = 4. */
    struct exposure_params p = {.k = 3, .cap_factor = 2.0, .pool = 20};
    struct exposure_result r;
    exposure_assign(qs, NQ, &p, &r);
    cr_assert_eq(r.cap, 4);
    for (size_t c = 0; c < r.ncand; c++)
        cr_assert_leq(r.cand_places[c], 4, "project %lld has %zu places",
                      (long long)r.cand_ids[c], r.cand_places[c]);
    for (size_t i = 0; i < NQ; i++) {
        cr_assert_eq(r.nplaces[i], 3, "every list stays full");
        cr_assert_eq(r.places[i * 3].id, (int64_t)i + 1, "the planted pair keeps place 1");
        for (size_t s = 1; s < 3; s++)
            cr_assert_geq(r.places[i * 3 + s - 1].score, r.places[i * 3 + s].score);
    }
    /* The hubs are served by the global order: the lower query ids get them (ties). */
    cr_assert_eq(exposure_places_of(&r, 501, NULL), 4);
    cr_assert_eq(exposure_places_of(&r, 502, NULL), 4);
    cr_assert(listed(&r, 0, 501, NULL));
    cr_assert(!listed(&r, NQ - 1, 501, NULL));
    size_t dem;
    exposure_places_of(&r, 501, &dem);
    cr_assert_eq(dem, NQ, "its uncontrolled demand is still known (for the reason shown)");
    exposure_result_free(&r);
}

Test(exposure, the_result_does_not_depend_on_the_order_of_queries)
{
    make_lists();
    struct exposure_params p = {.k = 3, .cap_factor = 2.0, .floor = 2, .floor_min_score = 0.3,
                                .floor_slack = 0.3, .pool = 20};
    struct exposure_result a, b;
    exposure_assign(qs, NQ, &p, &a);
    struct exposure_query rev[NQ];
    for (int i = 0; i < NQ; i++)
        rev[i] = qs[NQ - 1 - i];
    exposure_assign(rev, NQ, &p, &b);
    for (size_t i = 0; i < NQ; i++) {
        size_t j = NQ - 1 - i;
        cr_assert_eq(a.nplaces[i], b.nplaces[j]);
        for (size_t s = 0; s < a.nplaces[i]; s++)
            cr_assert_eq(a.places[i * 3 + s].id, b.places[j * 3 + s].id);
    }
    exposure_result_free(&a);
    exposure_result_free(&b);
}

Test(exposure, the_floor_shows_a_weak_but_plausible_project)
{
    make_lists();
    /* No cap: the hubs would fill every list; 700 is plausible (0.35 >= 0.3) in all 12. */
    struct exposure_params p = {.k = 3, .floor = 2, .floor_min_score = 0.3, .floor_slack = 0.3,
                                .pool = 20};
    struct exposure_result r;
    exposure_assign(qs, NQ, &p, &r);
    cr_assert_eq(exposure_places_of(&r, 700, NULL), 2);
    for (size_t i = 0; i < NQ; i++)
        cr_assert_eq(r.places[i * 3].id, (int64_t)i + 1, "a floor entry never displaces place 1 "
                                                          "here: it takes the lowest score");
    cr_assert_geq(exposure_places_of(&r, 502, NULL), 2, "the displaced keep their floor");
    /* Below floor_min_score there is no plausible match: no floor. */
    p.floor_min_score = 0.36;
    exposure_result_free(&r);
    exposure_assign(qs, NQ, &p, &r);
    cr_assert_eq(exposure_places_of(&r, 700, NULL), 0);
    /* Nor beyond the slack: 0.59 - 0.35 > 0.1. */
    p.floor_min_score = 0.3;
    p.floor_slack = 0.1;
    exposure_result_free(&r);
    exposure_assign(qs, NQ, &p, &r);
    cr_assert_eq(exposure_places_of(&r, 700, NULL), 0);
    exposure_result_free(&r);
}

Test(exposure, with_cap_and_floor_together_both_hold)
{
    make_lists();
    struct exposure_params p = {.k = 3, .cap_factor = 2.0, .floor = 2, .floor_min_score = 0.3,
                                .floor_slack = 0.3, .pool = 20};
    struct exposure_result r;
    exposure_assign(qs, NQ, &p, &r);
    for (size_t c = 0; c < r.ncand; c++) {
        /* a planted supply is plausible in one list only: its floor is 1 */
        size_t want = r.cand_ids[c] <= NQ ? 1 : 2;
        cr_assert_leq(r.cand_places[c], r.cap);
        cr_assert_geq(r.cand_places[c], want, "project %lld below the floor",
                      (long long)r.cand_ids[c]);
    }
    exposure_result_free(&r);
}

Test(exposure, a_floor_above_the_cap_is_held_to_the_cap)
{
    make_lists();
    /* 36 places over 20: average 1.8, x0.5 -> cap 1; a floor of 2 must not break it. */
    struct exposure_params p = {.k = 3, .cap_factor = 0.5, .floor = 2, .floor_min_score = 0.3,
                                .floor_slack = 1, .pool = 20};
    struct exposure_result r;
    exposure_assign(qs, NQ, &p, &r);
    cr_assert_eq(r.cap, 1);
    for (size_t c = 0; c < r.ncand; c++)
        cr_assert_leq(r.cand_places[c], 1, "project %lld", (long long)r.cand_ids[c]);
    exposure_result_free(&r);
}

/* ---- incremental lists (exposure_lists_update) ---- */

#include <stdio.h>

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A small vocabulary on purpose: scores tie often. */
static const char *const tags_v[] = {"机器视觉", "智能语音", "医学影像", "无人机", "车联网", "fpga"};
static const char *const words_v[] = {"医学影像分析", "表面缺陷检测", "智能工厂", "GPU inference",
                                      "边缘计算",     "语音交互",     "港口调度", "质检"};
static const char *const sectors_v[] = {"医疗健康", "交通物流", "智能制造", ""};

struct owned {
    struct match_project p;
    const char *tags[MATCH_TAGS_MAX];
    char title[128], desc[512];
};

static void random_project(uint64_t *s, int64_t id, struct owned *o)
{
    memset(o, 0, sizeof(*o));
    o->p.id = id;
    o->p.org_id = 1 + (int64_t)(rnd(s) % 40);
    o->p.side = (enum match_side)(rnd(s) % 2);
    o->p.stage = (enum match_stage)(rnd(s) % 4);
    o->p.sector = sectors_v[rnd(s) % 4];
    o->p.zone = rnd(s) % 2 ? "成都科学城" : "";
    size_t nt = rnd(s) % 4;
    for (size_t i = 0; i < nt; i++)
        o->tags[i] = tags_v[rnd(s) % 6];
    o->p.tags = o->tags;
    o->p.ntags = nt;
    if (rnd(s) % 5) {
        o->p.budget_min = (int64_t)(rnd(s) % 10) * 50000;
        o->p.budget_max = o->p.budget_min + (int64_t)(rnd(s) % 4) * 100000;
    }
    snprintf(o->title, sizeof(o->title), "%s%s", words_v[rnd(s) % 8],
             rnd(s) % 4 ? "" : "全新词汇"); /* sometimes a term the snapshot has not seen */
    size_t len = 0, nw = rnd(s) % 12;
    for (size_t i = 0; i < nw; i++)
        len += (size_t)snprintf(o->desc + len, sizeof(o->desc) - len, "%s，", words_v[rnd(s) % 8]);
    if (rnd(s) % 6 == 0)
        snprintf(o->desc + len, sizeof(o->desc) - len, "term%llu",
                 (unsigned long long)(rnd(s) % 1000));
    o->p.title = o->title;
    o->p.description = o->desc;
}

static void assert_same_lists(const struct exposure_lists *a, const struct exposure_lists *b,
                              int round)
{
    for (int sd = 0; sd < 2; sd++) {
        struct exposure_query *qa, *qb;
        size_t na = exposure_lists_queries(a, (enum match_side)sd, &qa);
        size_t nb = exposure_lists_queries(b, (enum match_side)sd, &qb);
        cr_assert_eq(na, nb, "round %d side %d: %zu vs %zu queries", round, sd, na, nb);
        for (size_t i = 0; i < na; i++) {
            cr_assert_eq(qa[i].id, qb[i].id, "round %d", round);
            cr_assert_eq(qa[i].n, qb[i].n, "round %d query %lld: %zu vs %zu candidates", round,
                         (long long)qa[i].id, qa[i].n, qb[i].n);
            for (size_t j = 0; j < qa[i].n; j++) {
                cr_assert_eq(qa[i].cand[j].id, qb[i].cand[j].id,
                             "round %d query %lld place %zu", round, (long long)qa[i].id, j);
                cr_assert_eq(qa[i].cand[j].score, qb[i].cand[j].score, "round %d", round);
            }
        }
        /* and therefore the same assignment */
        struct exposure_params p = {.k = 3, .cap_factor = 2, .floor = 2, .floor_min_score = 0.2,
                                    .floor_slack = 0.05, .pool = nb};
        struct exposure_result ra, rb;
        exposure_assign(qa, na, &p, &ra);
        exposure_assign(qb, nb, &p, &rb);
        for (size_t i = 0; i < na; i++) {
            cr_assert_eq(ra.nplaces[i], rb.nplaces[i]);
            for (size_t j = 0; j < ra.nplaces[i]; j++)
                cr_assert_eq(ra.places[i * 3 + j].id, rb.places[i * 3 + j].id);
        }
        exposure_result_free(&ra);
        exposure_result_free(&rb);
        free(qa);
        free(qb);
    }
}

static void incremental_equals_full(size_t m, uint64_t seed)
{
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    uint64_t s = seed;
    int64_t next = 1;
    struct owned o;
    for (int i = 0; i < 300; i++) {
        random_project(&s, next++, &o);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    match_index_hold_idf(idx, true);
    struct exposure_lists *inc = exposure_lists_new(m);
    exposure_lists_build(inc, idx);
    size_t queries = 0, changes = 0;
    for (int round = 0; round < 60; round++) {
        int64_t ch[8];
        size_t nch = 1 + rnd(&s) % 8;
        for (size_t c = 0; c < nch; c++) {
            uint64_t what = rnd(&s) % 4;
            if (what == 0) { /* a new project */
                ch[c] = next++;
                random_project(&s, ch[c], &o);
                cr_assert_eq(match_index_upsert(idx, &o.p), 0);
            } else if (what == 1) { /* closed (maybe closed already, or never existed) */
                ch[c] = 1 + (int64_t)(rnd(&s) % (uint64_t)next);
                if (match_index_remove(idx, ch[c]) != 0)
                    continue; /* not indexed: nothing changed, still a fine "change" */
            } else { /* edited: any field, the side too */
                ch[c] = 1 + (int64_t)(rnd(&s) % (uint64_t)(next - 1));
                random_project(&s, ch[c], &o);
                cr_assert_eq(match_index_upsert(idx, &o.p), 0);
            }
        }
        if (round % 17 == 5)
            match_index_compact(idx); /* with the IDF held, scores do not move */
        queries += exposure_lists_update(inc, idx, ch, nch);
        changes += nch;
        struct exposure_lists *full = exposure_lists_new(m);
        exposure_lists_build(full, idx);
        assert_same_lists(inc, full, round);
        exposure_lists_free(full);
    }
    size_t total = match_index_count(idx, MATCH_SUPPLY) + match_index_count(idx, MATCH_DEMAND);
    /* not a full recomputation each time (in so small a world a list of 50 holds a third of
     * the other side, so most lists hold a changed project) */
    cr_assert_lt(queries, m <= 10 ? 60 * total / 3 : 60 * total, "m %zu: %zu queries for %zu changes",
                 m, queries, changes);
    exposure_lists_free(inc);
    match_index_free(idx);
}

Test(exposure_lists, incremental_updates_equal_a_full_recomputation)
{
    incremental_equals_full(10, 0x9e3779b97f4a7c15ULL);
    incremental_equals_full(50, 12345);
    incremental_equals_full(3, 777);
}

Test(exposure_lists, releasing_the_idf_snapshot_moves_scores)
{
    /* why the IDF must be held: a compaction without it re-weighs every vector */
    struct match_weights w = match_weights_default();
    struct match_index *idx = match_index_new(&w);
    uint64_t s = 42;
    struct owned o;
    for (int i = 1; i <= 200; i++) {
        random_project(&s, i, &o);
        cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    }
    match_index_compact(idx);
    struct exposure_lists *a = exposure_lists_new(10), *b = exposure_lists_new(10);
    exposure_lists_build(a, idx);
    random_project(&s, 1000, &o);
    cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    cr_assert_eq(match_index_remove(idx, 1000), 0); /* back to the same projects */
    match_index_compact(idx);
    exposure_lists_build(b, idx);
    assert_same_lists(a, b, -1); /* same projects, same scores */
    random_project(&s, 1001, &o);
    cr_assert_eq(match_index_upsert(idx, &o.p), 0);
    match_index_compact(idx); /* n moved: every IDF moves */
    exposure_lists_build(b, idx);
    struct exposure_query *qa, *qb;
    size_t na = exposure_lists_queries(a, MATCH_DEMAND, &qa);
    exposure_lists_queries(b, MATCH_DEMAND, &qb);
    size_t moved = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < qa[i].n && j < qb[i].n; j++)
            moved += qa[i].cand[j].id == qb[i].cand[j].id &&
                     qa[i].cand[j].score != qb[i].cand[j].score;
    cr_assert_gt(moved, na, "a compaction after one new project moved %zu scores", moved);
    free(qa);
    free(qb);
    exposure_lists_free(a);
    exposure_lists_free(b);
    match_index_free(idx);
}
