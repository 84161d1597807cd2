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
