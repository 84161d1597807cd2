/* matching/meeting_plan: candidates from matches, the stored plan laid over them, the
 * scheduler's input, and what each candidate's stored meeting must do after a run. */
#include "matching/meeting_plan.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

/* Slots 100, 101, … in time order (slot i has id 100 + i). */
static const int64_t slot_ids[] = {100, 101, 102, 103};
#define NSLOTS 4

static void plan_of(struct mplan *p, const struct mplan_match *m, size_t nm,
                    const struct mplan_meeting *mt, size_t nmt, const struct mplan_link *l,
                    size_t nl)
{
    struct mplan_input in = {.matches = m,
                             .n_matches = nm,
                             .meetings = mt,
                             .n_meetings = nmt,
                             .links = l,
                             .n_links = nl,
                             .slot_ids = slot_ids,
                             .n_slots = NSLOTS};
    mplan_init(p, &in);
}

Test(meeting_plan, matches_group_into_pairs_scored_by_their_best)
{
    struct mplan_match m[] = {
        {9, 2, 1, 0.4}, /* (1, 2) whichever side is which */
        {3, 1, 2, 0.7}, {5, 3, 1, NAN}, {4, 1, 3, 0.2}, {8, 4, 5, 0.5},
    };
    struct mplan p;
    plan_of(&p, m, 5, NULL, 0, NULL, 0);
    cr_assert_eq(p.n_pairs, 3);
    cr_assert_eq(p.n_removed, 0);
    struct mplan_pair *c = &p.pairs[0];
    cr_assert(c->org_a == 1 && c->org_b == 2);
    cr_assert_eq(c->nm, 2);
    cr_assert_eq(p.match_ids[c->m0], 3, "ascending match ids");
    cr_assert_eq(p.match_ids[c->m0 + 1], 9);
    cr_assert_float_eq(c->score, 0.7, 1e-12);
    c = &p.pairs[1];
    cr_assert(c->org_a == 1 && c->org_b == 3);
    cr_assert_float_eq(c->score, 0.2, 1e-12, "a NaN score never wins over a number");
    cr_assert(p.pairs[2].org_a == 4 && p.pairs[2].org_b == 5);
    cr_assert_eq(p.pairs[2].meeting_id, 0);
    cr_assert_eq(p.pairs[2].fixed_slot, MEET_SCHED_NONE);
    cr_assert_eq(mplan_find(&p, 1, 3), &p.pairs[1]);
    cr_assert_null(mplan_find(&p, 3, 1), "pairs are looked up as (smaller, larger)");
    cr_assert_null(mplan_find(&p, 2, 3));
    mplan_deinit(&p);
}

Test(meeting_plan, stored_meetings_are_fixed_removed_or_keep_their_pair_cancelled)
{
    struct mplan_match m[] = {{1, 1, 2, 0.9}, {2, 3, 4, 0.8}, {3, 5, 6, 0.7}, {4, 7, 8, 0.6}};
    struct mplan_meeting mt[] = {
        {50, 1, 2, false, 102, 3, 0.9},   /* kept where it is: slot 2, table 2 (0-based) */
        {40, 3, 4, true, 0, 0, 0.8},      /* cancelled: the pair stays out */
        {60, 9, 10, false, 100, 1, 0.5},  /* no longer a candidate: removed */
        {30, 11, 12, true, 0, 0, 0.5},    /* cancelled, no longer a candidate: nothing */
        {55, 5, 6, false, 999, 1, 0.7},   /* its slot is unknown: free to be placed again */
        {45, 13, 14, false, 101, 2, 0.1}, /* removed too (before 60: by id) */
    };
    struct mplan p;
    plan_of(&p, m, 4, mt, 6, NULL, 0);
    struct mplan_pair *c = mplan_find(&p, 1, 2);
    cr_assert_eq(c->meeting_id, 50);
    cr_assert_eq(c->fixed_slot, 2);
    cr_assert_eq(c->fixed_table, 2);
    cr_assert_float_eq(c->old_score, 0.9, 1e-12);
    c = mplan_find(&p, 3, 4);
    cr_assert_eq(c->cancelled_id, 40);
    cr_assert_eq(c->meeting_id, 0);
    c = mplan_find(&p, 5, 6);
    cr_assert_eq(c->meeting_id, 55);
    cr_assert_eq(c->fixed_slot, MEET_SCHED_NONE);
    cr_assert_eq(c->fixed_table, MEET_SCHED_NONE);
    cr_assert_eq(mplan_find(&p, 7, 8)->meeting_id, 0);
    cr_assert_eq(p.n_removed, 2);
    cr_assert_eq(p.removed[0].id, 45, "removed in id order");
    cr_assert(p.removed[0].org_a == 13 && p.removed[0].org_b == 14);
    cr_assert_eq(p.removed[1].id, 60);
    mplan_deinit(&p);
}

Test(meeting_plan, the_scheduler_sees_every_pair_but_cancelled_ones)
{
    struct mplan_match m[] = {{7, 1, 2, 0.9}, {3, 2, 1, 0.1}, {2, 3, 4, 0.8}, {5, 5, 6, 0.7}};
    struct mplan_meeting mt[] = {{40, 3, 4, true, 0, 0, 0.8}, {50, 5, 6, false, 103, 2, 0.7}};
    struct mplan p;
    plan_of(&p, m, 4, mt, 2, NULL, 0);
    struct meet_sched_meeting in[3];
    size_t n = mplan_sched_input(&p, in);
    cr_assert_eq(n, 2);
    cr_assert_eq(in[0].id, 3, "a pair's smallest match id");
    cr_assert(in[0].org_a == 1 && in[0].org_b == 2);
    cr_assert_float_eq(in[0].score, 0.9, 1e-12);
    cr_assert_eq(in[0].fixed_slot, MEET_SCHED_NONE);
    cr_assert_eq(in[0].fixed_table, MEET_SCHED_NONE);
    cr_assert_eq(in[1].id, 5);
    cr_assert_eq(in[1].fixed_slot, 3);
    cr_assert_eq(in[1].fixed_table, 1);
    cr_assert_eq(mplan_find(&p, 1, 2)->sched, 0);
    cr_assert_eq(mplan_find(&p, 3, 4)->sched, -1);
    cr_assert_eq(mplan_find(&p, 5, 6)->sched, 1);
    mplan_deinit(&p);
}

Test(meeting_plan, each_verdict_becomes_an_action)
{
    struct mplan_match m[] = {
        {1, 1, 2, 0.9},   /* stored, kept, same score */
        {2, 3, 4, 0.8},   /* stored, kept, new score */
        {3, 5, 6, 0.7},   /* stored, moved by the scheduler */
        {4, 7, 8, 0.6},   /* stored, at an unknown slot: placed again = moved */
        {5, 9, 10, 0.5},  /* stored, no slot left: dropped */
        {6, 11, 12, 0.4}, /* new, placed */
        {7, 13, 14, 0.3}, /* new, no slot */
        {8, 15, 16, 0.2}, /* cancelled */
    };
    struct mplan_meeting mt[] = {
        {21, 1, 2, false, 100, 1, 0.9},  {22, 3, 4, false, 100, 2, 0.5},
        {23, 5, 6, false, 101, 1, 0.7},  {24, 7, 8, false, 777, 1, 0.6},
        {25, 9, 10, false, 101, 2, 0.5}, {26, 15, 16, true, 0, 0, 0.2},
    };
    struct mplan p;
    plan_of(&p, m, 8, mt, 6, NULL, 0);
    struct meet_sched_meeting in[8];
    cr_assert_eq(mplan_sched_input(&p, in), 7);
    struct meet_sched_result res[7] = {
        {0, 0, MEET_SCHED_KEPT},
        {0, 1, MEET_SCHED_KEPT},
        {2, 0, MEET_SCHED_MOVED},
        {1, 1, MEET_SCHED_PLACED},
        {MEET_SCHED_NONE, MEET_SCHED_NONE, MEET_SCHED_NO_SLOT},
        {3, 1, MEET_SCHED_PLACED},
        {MEET_SCHED_NONE, MEET_SCHED_NONE, MEET_SCHED_BLOCKED},
    };
    mplan_reconcile(&p, res);
    static const struct {
        int64_t a;
        enum mplan_action action;
        int32_t slot, table;
        bool rescore;
    } want[] = {
        {1, MPLAN_KEEP, 0, 0, false},
        {3, MPLAN_KEEP, 0, 1, true},
        {5, MPLAN_MOVE, 2, 0, false},
        {7, MPLAN_MOVE, 1, 1, false},
        {9, MPLAN_DROP, MEET_SCHED_NONE, MEET_SCHED_NONE, false},
        {11, MPLAN_INSERT, 3, 1, false},
        {13, MPLAN_NONE, MEET_SCHED_NONE, MEET_SCHED_NONE, false},
        {15, MPLAN_CANCELLED, MEET_SCHED_NONE, MEET_SCHED_NONE, false},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct mplan_pair *c = mplan_find(&p, want[i].a, want[i].a + 1);
        cr_assert_not_null(c);
        cr_assert_eq(c->action, want[i].action, "pair %lld: action %d", (long long)want[i].a,
                     (int)c->action);
        cr_assert_eq(c->slot, want[i].slot, "pair %lld: slot", (long long)want[i].a);
        cr_assert_eq(c->table, want[i].table, "pair %lld: table", (long long)want[i].a);
        cr_assert_eq(c->rescore, want[i].rescore, "pair %lld: rescore", (long long)want[i].a);
        bool on = want[i].action == MPLAN_INSERT || want[i].action == MPLAN_KEEP ||
                  want[i].action == MPLAN_MOVE;
        cr_assert_eq(mplan_scheduled(c), on, "pair %lld", (long long)want[i].a);
    }
    cr_assert_eq(mplan_find(&p, 13, 14)->status, MEET_SCHED_BLOCKED, "the reason stays");
    mplan_deinit(&p);
}

Test(meeting_plan, a_meeting_is_relinked_only_when_its_matches_changed)
{
    struct mplan_match m[] = {
        {1, 1, 2, 0.9},   {2, 1, 2, 0.8}, /* stored with exactly these */
        {3, 3, 4, 0.9},   {4, 3, 4, 0.1}, /* stored with 3 only: one more now */
        {5, 5, 6, 0.9},                   /* stored with 5 and 6: one fewer now */
        {7, 7, 8, 0.9},                   /* stored with 9: another */
        {10, 9, 10, 0.9},                 /* new: nothing stored */
    };
    struct mplan_meeting mt[] = {
        {21, 1, 2, false, 100, 1, 0.9},
        {22, 3, 4, false, 100, 2, 0.9},
        {23, 5, 6, false, 101, 1, 0.9},
        {24, 7, 8, false, 101, 2, 0.9},
    };
    struct mplan_link l[] = {{22, 3}, {21, 2}, {23, 6}, {21, 1}, {24, 9}, {23, 5}};
    struct mplan p;
    plan_of(&p, m, 7, mt, 4, l, 6);
    cr_assert_not(mplan_find(&p, 1, 2)->relink, "same matches, stored in another order");
    cr_assert(mplan_find(&p, 3, 4)->relink);
    cr_assert(mplan_find(&p, 5, 6)->relink);
    cr_assert(mplan_find(&p, 7, 8)->relink);
    cr_assert_not(mplan_find(&p, 9, 10)->relink, "a new meeting is linked when inserted");
    mplan_deinit(&p);
}

/* A plan run from scratch, stored, and run again over the same matches: every meeting stays
 * where it is, nothing is rescored or relinked, nothing is removed. */
Test(meeting_plan, a_rerun_over_its_own_plan_keeps_everything)
{
    enum { N_ORGS = 12 };
    struct mplan_match m[64];
    size_t nm = 0;
    srand(7);
    for (int64_t a = 1; a <= N_ORGS / 2; a++)
        for (int64_t b = N_ORGS / 2 + 1; b <= N_ORGS; b++)
            if (rand() % 2 == 0 && nm < 64) {
                m[nm] = (struct mplan_match){(int64_t)nm + 1, a, b, (double)(rand() % 100) / 100};
                nm++;
            }
    cr_assert_gt(nm, 4);
    struct mplan p;
    plan_of(&p, m, nm, NULL, 0, NULL, 0);
    struct meet_sched_meeting *in = calloc(p.n_pairs, sizeof(*in));
    struct meet_sched_result *res = calloc(p.n_pairs, sizeof(*res));
    size_t n = mplan_sched_input(&p, in);
    struct meet_sched_input si = {.meetings = in, .n_meetings = n, .slots = NSLOTS, .tables = 3};
    meet_sched_run(&si, res, NULL);
    mplan_reconcile(&p, res);

    /* Store it as the handler would. */
    struct mplan_meeting *mt = calloc(p.n_pairs, sizeof(*mt));
    struct mplan_link *l = calloc(nm, sizeof(*l));
    size_t nmt = 0, nl = 0, inserted = 0;
    for (size_t i = 0; i < p.n_pairs; i++) {
        const struct mplan_pair *c = &p.pairs[i];
        if (c->action != MPLAN_INSERT)
            continue;
        inserted++;
        int64_t id = 1000 + (int64_t)i;
        mt[nmt++] = (struct mplan_meeting){
            id, c->org_a, c->org_b, false, slot_ids[c->slot], c->table + 1, c->score};
        for (size_t k = 0; k < c->nm; k++)
            l[nl++] = (struct mplan_link){id, p.match_ids[c->m0 + k]};
    }
    cr_assert_gt(inserted, 0);
    mplan_deinit(&p);

    plan_of(&p, m, nm, mt, nmt, l, nl);
    cr_assert_eq(p.n_removed, 0);
    n = mplan_sched_input(&p, in);
    si.n_meetings = n;
    meet_sched_run(&si, res, NULL);
    mplan_reconcile(&p, res);
    size_t kept = 0;
    for (size_t i = 0; i < p.n_pairs; i++) {
        const struct mplan_pair *c = &p.pairs[i];
        if (!c->meeting_id)
            continue; /* left out the first time (too few slots): may fit now */
        cr_assert_eq(c->action, MPLAN_KEEP, "meeting %lld", (long long)c->meeting_id);
        cr_assert_not(c->rescore);
        cr_assert_not(c->relink);
        cr_assert_eq(c->slot, c->fixed_slot, "meeting %lld stays in its slot",
                     (long long)c->meeting_id);
        cr_assert_eq(c->table, c->fixed_table, "and at its table");
        kept++;
    }
    cr_assert_eq(kept, inserted);
    mplan_deinit(&p);
    free(l);
    free(mt);
    free(res);
    free(in);
}

Test(meeting_plan, nothing_in_nothing_out)
{
    struct mplan p;
    plan_of(&p, NULL, 0, NULL, 0, NULL, 0);
    cr_assert_eq(p.n_pairs, 0);
    cr_assert_eq(p.n_removed, 0);
    cr_assert_null(mplan_find(&p, 1, 2));
    struct meet_sched_meeting in[1];
    cr_assert_eq(mplan_sched_input(&p, in), 0);
    mplan_reconcile(&p, NULL);
    mplan_deinit(&p);
    mplan_deinit(&p); /* twice is harmless */
}
