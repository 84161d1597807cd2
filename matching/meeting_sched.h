#ifndef SUMMITD_MATCHING_MEETING_SCHED_H
#define SUMMITD_MATCHING_MEETING_SCHED_H

/* 1:1 meeting slot scheduling (SPEC "1:1 meetings", issue 6): give every meeting between two
 * organizations a slot and a table so that no organization is in two meetings of one slot, a slot
 * holds at most `tables` meetings, and tables are distinct within a slot, using as few slots as
 * possible.
 *
 * Pure: no I/O, no clock, no global state, safe from any thread.
 *
 * Let m be the number of valid meetings, Δ the largest number of meetings of one organization,
 * T = tables, S = slots, and LB = max(Δ, ⌈m/T⌉) (no schedule can use fewer slots).
 *
 * Guarantees without blocked slots and without fixed meetings:
 *   - bipartite meeting graph (organizations 2-colourable, e.g. supply side vs demand side):
 *     exactly LB slots, slots 0 .. LB-1 (König edge colouring by alternating-path swaps, then
 *     Kempe-chain balancing so that every slot holds ⌈m/LB⌉ or ⌊m/LB⌋ meetings);
 *   - otherwise: at most LB + 1 slots, slots 0 .. used-1 (Misra–Gries Δ+1 colouring, one attempt
 *     to empty a colour class, then the same balancing);
 *   - fewer than that many slots: meetings are taken by score, highest first (ties: smaller id),
 *     and a meeting is left out (MEET_SCHED_NO_SLOT) only when one of its organizations already
 *     has S (non-bipartite: S-1) higher-scored meetings or S*T higher-scored meetings exist, and,
 *     for non-bipartite graphs, a final colouring attempt with Kempe-chain repair failed.
 *
 * With blocked slots or fixed meetings (greedy + repair): fixed meetings are kept where they are,
 * best score first, unless they break a hard constraint (then they are placed again as MOVED).
 * The other meetings are placed by two strategies and the better result is kept (more meetings
 * placed, then fewer slots used):
 *   - map:  colour them as above, give each colour class the slot where it conflicts least, and
 *           re-insert the meetings that conflict (as in fill);
 *   - fill: by score, into a slot already in use if possible, else into the first free one, each
 *           time first-fit and then one Kempe-chain swap (kept meetings never move).
 * The hard constraints always hold. If at least as many slots as the guarantee above needs are
 * free of blocks and fixed meetings of these organizations (and have all T tables), the other
 * meetings fit in that many slots (map), so the guarantee holds on the slots left free; fill is
 * what keeps a re-run that adds a few meetings to a fixed plan compact. Beyond that the slot
 * count is best effort; `lower_bound` is still max(Δ, ⌈m/T⌉) and may not be reachable.
 *
 * Cost: bipartite O(m·(k + chain length)), non-bipartite O(m·Δ·k) worst case (Misra–Gries fans),
 * k = slots used; `make bench-sched` measures 12–80 ms for 2,000 organizations and 20,000
 * meetings. Memory: O(m) plus n·min(S+1, max(Δ+1, ⌈m/T⌉)) 32-bit words (n = organizations), and
 * with blocked slots or fixed meetings 2·n·S words and n·S bytes more. The caller bounds S (the
 * number of slots of an event, e.g. at most a few thousand). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEET_SCHED_NONE (-1)

/* One meeting between two organizations (several mutual matches of one pair already merged). */
struct meet_sched_meeting {
    int64_t id;    /* caller's id; breaks score ties (smaller first) */
    int64_t org_a; /* organization ids, any values, org_a != org_b */
    int64_t org_b;
    double score;        /* higher is scheduled first when slots run short; NaN counts as -inf */
    int32_t fixed_slot;  /* MEET_SCHED_NONE, or the slot (0 .. slots-1) it already has */
    int32_t fixed_table; /* with fixed_slot: its table (0 .. tables-1) */
};

/* Organization `org_id` cannot meet in slot `slot` (e.g. it presents a pitch then). Blocks of
 * unknown organizations or out-of-range slots are ignored. */
struct meet_sched_block {
    int64_t org_id;
    int32_t slot;
};

/* Borrowed for the duration of the call; arrays may be NULL when their count is 0. */
struct meet_sched_input {
    const struct meet_sched_meeting *meetings;
    size_t n_meetings;
    const struct meet_sched_block *blocks;
    size_t n_blocks;
    int32_t slots;  /* S >= 0: slots 0 .. S-1 */
    int32_t tables; /* T >= 0: tables 0 .. T-1 in every slot */
};

enum meet_sched_status {
    MEET_SCHED_PLACED = 0,    /* placed at (slot, table) */
    MEET_SCHED_KEPT = 1,      /* fixed meeting kept at its (slot, table) */
    MEET_SCHED_MOVED = 2,     /* fixed meeting that broke a constraint (slot or table out of
                               * range, organization blocked or already in a kept meeting then,
                               * table taken): placed again at (slot, table) */
    MEET_SCHED_NO_SLOT = 3,   /* unscheduled: not enough slots or tables; higher-scored meetings
                               * took them */
    MEET_SCHED_BLOCKED = 4,   /* unscheduled: in every slot one of the two organizations is
                               * blocked or in a kept fixed meeting */
    MEET_SCHED_SAME_ORG = 5,  /* unscheduled: org_a == org_b */
    MEET_SCHED_DUPLICATE = 6, /* unscheduled: same pair as an earlier meeting in the input (the
                               * caller should have merged them) */
};

struct meet_sched_result {
    int32_t slot;  /* MEET_SCHED_NONE when unscheduled */
    int32_t table; /* MEET_SCHED_NONE when unscheduled */
    enum meet_sched_status status;
};

struct meet_sched_stats {
    size_t meetings;     /* valid meetings (not SAME_ORG or DUPLICATE) */
    size_t scheduled;    /* PLACED + KEPT + MOVED */
    size_t unscheduled;  /* the rest, invalid ones included */
    int32_t max_degree;  /* Δ over the valid meetings */
    int32_t lower_bound; /* max(Δ, ⌈meetings/T⌉) over the valid meetings; 0 when T == 0 */
    int32_t slots_used;  /* distinct slots holding a meeting */
    int32_t slot_span;   /* highest slot used + 1 (== slots_used without blocks/fixed) */
    bool bipartite;      /* the valid meeting graph is 2-colourable */
};

/* Schedules in->meetings. `out` (caller-owned, in->n_meetings entries) receives out[i] for
 * meetings[i]; `stats` (caller-owned, may be NULL) the summary. Deterministic for a given
 * input. */
void meet_sched_run(const struct meet_sched_input *in, struct meet_sched_result *out,
                    struct meet_sched_stats *stats);

/* Stable snake_case name for the API ("placed", "kept", "moved", "no_slot", "blocked",
 * "same_organization", "duplicate"). Static string. */
const char *meet_sched_status_name(enum meet_sched_status s);

#endif
