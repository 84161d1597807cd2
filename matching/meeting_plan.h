#ifndef SUMMITD_MATCHING_MEETING_PLAN_H
#define SUMMITD_MATCHING_MEETING_PLAN_H

/* What a run of the 1:1 meeting scheduler (matching/meeting_sched.h) changes in an event's
 * stored plan (SPEC "1:1 meetings", issue 6): which stored meetings stay, move, are dropped or
 * removed, and which are new.
 *
 * 1. mplan_init groups the mutual matches per pair of organizations (a candidate: the meeting
 *    to have, scored by its best match) and lays the stored meetings over them:
 *    - a cancelled meeting keeps its pair out of every later run (MPLAN_CANCELLED);
 *    - a scheduled meeting of a candidate pair goes to the scheduler as fixed where it is;
 *    - a scheduled meeting whose pair is no longer a candidate is removed (plan->removed).
 * 2. mplan_sched_input writes the scheduler's input: the candidates that are not cancelled.
 * 3. mplan_reconcile reads the scheduler's result and decides each candidate's action: a stored
 *    meeting is kept (perhaps with a new score), moved, or dropped when it found no place; a new
 *    pair is inserted, or left out. Kept and moved meetings whose matches changed are relinked.
 *
 * The caller writes the actions (removed and dropped meetings first, then the seats of moving
 * meetings, so the unique keys never see an intermediate clash) and learns the ids of inserted
 * meetings afterwards (mplan_find by pair).
 *
 * Pure: no I/O, no clock, no global state. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matching/meeting_sched.h"

/* A mutual match between two organizations of the event (its supply and demand side). */
struct mplan_match {
    int64_t id;
    int64_t org_x, org_y; /* any order; the pair is (min, max) */
    double score;
};

/* A meeting of the event as stored. */
struct mplan_meeting {
    int64_t id;
    int64_t org_a, org_b; /* org_a < org_b, as stored */
    bool cancelled;       /* status 'cancelled' (else 'scheduled') */
    int64_t slot_id;      /* its slot, or 0 */
    int32_t table;        /* its table, 1-based, or 0 */
    double score;
};

/* One row of a scheduled meeting's stored matches. */
struct mplan_link {
    int64_t meeting_id, match_id;
};

/* Borrowed for the duration of mplan_init; arrays may be NULL when their count is 0. */
struct mplan_input {
    const struct mplan_match *matches; /* any order */
    size_t n_matches;
    const struct mplan_meeting *meetings; /* any order */
    size_t n_meetings;
    const struct mplan_link *links; /* any order */
    size_t n_links;
    const int64_t *slot_ids; /* the event's slots in time order: slot i of the scheduler */
    size_t n_slots;
};

enum mplan_action {
    MPLAN_NONE = 0,  /* a new pair the scheduler left out: nothing is stored */
    MPLAN_CANCELLED, /* its meeting was cancelled: not given to the scheduler, nothing changes */
    MPLAN_INSERT,    /* a new meeting at (slot, table) */
    MPLAN_KEEP,      /* the stored meeting stays at (slot, table); rescore: its score changed */
    MPLAN_MOVE,      /* the stored meeting moves to (slot, table) (its score is rewritten) */
    MPLAN_DROP,      /* the stored meeting found no place: it is deleted */
};

/* A candidate: the meeting two organizations should have. */
struct mplan_pair {
    int64_t org_a, org_b; /* org_a < org_b */
    double score;         /* the best score of its matches (NaN only when all are NaN) */
    size_t m0, nm;        /* its matches: match_ids[m0 .. m0 + nm), ascending */
    int64_t meeting_id;   /* its stored scheduled meeting, or 0 (the caller sets it on insert) */
    double old_score;     /* that meeting's stored score */
    int64_t cancelled_id; /* its cancelled meeting, or 0 */
    int32_t fixed_slot;   /* where the stored meeting is (slot index), or MEET_SCHED_NONE */
    int32_t fixed_table;  /* its table, 0-based, or MEET_SCHED_NONE */
    long sched;           /* its index in the scheduler's input, -1 when not given */
    bool relink;          /* the stored meeting's matches differ from match_ids[m0 ..] */
    /* Set by mplan_reconcile: */
    enum mplan_action action;
    enum meet_sched_status status; /* the scheduler's verdict (not for MPLAN_CANCELLED) */
    int32_t slot, table;           /* INSERT, KEEP, MOVE: slot index and 0-based table */
    bool rescore;                  /* KEEP: the stored score differs from `score` */
};

/* A stored scheduled meeting whose pair is no longer a candidate. */
struct mplan_removed {
    int64_t id, org_a, org_b;
};

struct mplan {
    struct mplan_pair *pairs; /* by (org_a, org_b) */
    size_t n_pairs;
    int64_t *match_ids; /* grouped by pair */
    size_t n_matches;
    struct mplan_removed *removed; /* by id */
    size_t n_removed;
};

/* Builds the candidates from `in` (step 1). Release with mplan_deinit. */
void mplan_init(struct mplan *p, const struct mplan_input *in);
void mplan_deinit(struct mplan *p);

/* Step 2: the scheduler's input into `out` (room for p->n_pairs); sets each pair's `sched`.
 * Returns how many. A meeting's id is its pair's smallest match id. */
size_t mplan_sched_input(struct mplan *p, struct meet_sched_meeting *out);

/* Step 3: `res` is the scheduler's result for the input of mplan_sched_input. */
void mplan_reconcile(struct mplan *p, const struct meet_sched_result *res);

/* The candidate of a pair (org_a < org_b), or NULL. */
struct mplan_pair *mplan_find(const struct mplan *p, int64_t org_a, int64_t org_b);

/* Whether the pair ends up with a meeting (INSERT, KEEP or MOVE). */
bool mplan_scheduled(const struct mplan_pair *c);

#endif
