#ifndef SUMMITD_MATCHING_PITCH_SCHED_H
#define SUMMITD_MATCHING_PITCH_SCHED_H

/* Pitch timetabling for one session of kind `pitch` (SPEC "Pitches", issue 5):
 *   - pitch_sched_check: may this pitch start at this time? (for PUT /pitches/{id}/slot)
 *   - pitch_sched_run:   place every unplaced pitch (for POST /sessions/{id}/pitches/schedule).
 *
 * Pure: no I/O, no clock, no global state, safe from any thread. Times are unix seconds (int64);
 * an interval [start, end) is half-open; a pitch of `minutes` occupies [start, start + 60*minutes).
 *
 * Constraints a placement must meet:
 *   - inside the session:      session_start <= start and start + length <= session_end;
 *   - inside availability:     available_from <= start and start + length <= available_until
 *                              (pass INT64_MIN / INT64_MAX for "no limit");
 *   - room:                    no overlap with another pitch of this session (placed ones are kept
 *                              where they are; a pitch is never checked against itself: entries of
 *                              `placed` with the pitch's own id are ignored);
 *   - presenter:               no overlap with the presenter's busy intervals elsewhere in the
 * event (other sessions and parallel rooms). Two pitches of one presenter in this session cannot
 * overlap anyway (room constraint). Busy entries whose ref_id equals the pitch's id are ignored, so
 * the caller may pass the presenter's whole agenda including the pitch being moved.
 *
 * The auto-scheduler puts starts on the minute grid session_start + 60*k and packs from the
 * session start. Guarantee: when all pitches to place have the same length L, the number placed is
 * a maximum over the "slots" (each free gap of the room, cut into consecutive aligned pieces of
 * length L from the gap's first grid minute): a maximum bipartite matching pitch -> slot whose set
 * of used slots is the earliest possible. When session start/end, placed pitches, availabilities
 * and busy intervals all fall on that L-grid, this is the true maximum over every schedule. The
 * result is never worse than first-fit, which is also tried. With mixed lengths it is a heuristic
 * (best of several first-fit orders); the constraints above always hold.
 *
 * Inputs are assumed sane (what the handlers validated): |times| < 2^61, session_end >
 * session_start; anything else yields reasons, never undefined behaviour. */

#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

/* A pitch of this session that already has a start; kept as it is. */
struct pitch_sched_placed {
    int64_t id;
    int64_t presenter_id;
    int64_t start;
    int32_t minutes;
};

/* A pitch to place (or, for pitch_sched_check, the pitch being placed). */
struct pitch_sched_pitch {
    int64_t id;
    int64_t presenter_id;
    int32_t minutes;         /* > 0 */
    int64_t available_from;  /* INT64_MIN when unbounded */
    int64_t available_until; /* INT64_MAX when unbounded */
};

/* The presenter `presenter_id` is elsewhere during [start, end). `ref_id` is reported back as
 * the clashing id (typically the other pitch's id); 0 when there is nothing to name. */
struct pitch_sched_busy {
    int64_t presenter_id;
    int64_t start;
    int64_t end;
    int64_t ref_id;
};

/* What the session looks like. All pointers are borrowed for the duration of the call; the
 * arrays may be in any order and may be NULL when their count is 0. */
struct pitch_sched_ctx {
    int64_t session_start;
    int64_t session_end;
    const struct pitch_sched_placed *placed;
    size_t n_placed;
    const struct pitch_sched_busy *busy;
    size_t n_busy;
};

/* Outcome of one pitch in pitch_sched_run, from the first constraint that rules it out. */
enum pitch_sched_reason {
    PITCH_SCHED_PLACED = 0,               /* placed at `start` */
    PITCH_SCHED_INVALID = 1,              /* minutes <= 0 or available_until < available_from */
    PITCH_SCHED_TOO_LONG = 2,             /* longer than the session */
    PITCH_SCHED_OUTSIDE_AVAILABILITY = 3, /* availability and session overlap by less than
                                           * its length (on the minute grid) */
    PITCH_SCHED_PRESENTER_BUSY = 4,       /* every start in that overlap collides with the
                                           * presenter's busy intervals */
    PITCH_SCHED_NO_FREE_SLOT = 5,         /* starts exist for the presenter, but other pitches
                                           * of the session took them */
};

struct pitch_sched_result {
    int64_t start; /* valid when reason == PITCH_SCHED_PLACED, else 0 */
    enum pitch_sched_reason reason;
};

/* Places each of the `n` pitches (the session's unplaced pitches, distinct ids, none of them in
 * ctx->placed) or says why not. `out` (caller-owned, n entries) receives out[i] for pitches[i].
 * Returns how many were placed. The placements never overlap each other, ctx->placed or the
 * presenters' busy intervals, and lie inside session and availability. */
size_t pitch_sched_run(const struct pitch_sched_ctx *ctx, const struct pitch_sched_pitch *pitches,
                       size_t n, struct pitch_sched_result *out);

/* Which constraint a proposed start breaks, checked in this order. */
enum pitch_sched_clash {
    PITCH_SCHED_CLASH_NONE = 0,                 /* the start is fine */
    PITCH_SCHED_CLASH_INVALID = 1,              /* minutes <= 0 or until < from */
    PITCH_SCHED_CLASH_OUTSIDE_SESSION = 2,      /* not inside [session_start, session_end) */
    PITCH_SCHED_CLASH_OUTSIDE_AVAILABILITY = 3, /* not inside [available_from, available_until] */
    PITCH_SCHED_CLASH_ROOM = 4,                 /* overlaps another pitch of the session;
                                                 * *clash_id = that pitch's id */
    PITCH_SCHED_CLASH_PRESENTER = 5,            /* presenter busy elsewhere; *clash_id = the busy
                                                 * entry's ref_id */
};

/* Checks pitch `p` starting at `start` against ctx (no grid required: any second is allowed).
 * When several placed pitches or busy entries clash, names the earliest-starting one (then the
 * smallest id). `clash_id` (may be NULL) receives the clashing id, 0 when there is none. */
SD_MUST_CHECK enum pitch_sched_clash pitch_sched_check(const struct pitch_sched_ctx *ctx,
                                                       const struct pitch_sched_pitch *p,
                                                       int64_t start, int64_t *clash_id);

/* Stable snake_case names for API error codes and JSON ("placed", "presenter_busy", ...,
 * "room_clash", "presenter_clash"). Static strings. */
const char *pitch_sched_reason_name(enum pitch_sched_reason r);
const char *pitch_sched_clash_name(enum pitch_sched_clash c);

#endif
