#ifndef SUMMITD_HANDLERS_PITCHES_H
#define SUMMITD_HANDLERS_PITCHES_H

#include <stdint.h>

/* Pitches in sessions of kind `pitch` (SPEC "Pitches", issue 5): adding, placing with clash
 * checks (one transaction under the event row's lock), the auto-scheduler (matching/pitch_sched)
 * and the event timetable. A presenter is busy with their placed pitches at ANY event and with
 * the scheduled 1:1 meetings of every organization they are a member of; placements, the
 * auto-scheduler and session changes (do_pitches_session_check) apply the same rules. */

#include "matching/pitch_sched.h"

struct req;
struct db;
struct tx_fail;

void pitches_create(struct req *r);    /* POST /api/v1/sessions/{id}/pitches */
void pitches_list(struct req *r);      /* GET /api/v1/sessions/{id}/pitches */
void pitches_place(struct req *r);     /* PUT /api/v1/pitches/{id}/slot */
void pitches_unplace(struct req *r);   /* DELETE /api/v1/pitches/{id}/slot */
void pitches_schedule(struct req *r);  /* POST /api/v1/sessions/{id}/pitches/schedule */
void pitches_timetable(struct req *r); /* GET /api/v1/events/{id}/timetable */

/* Why a pitch cannot be (or stay) where it is. */
struct pitches_clash {
    enum pitch_sched_clash kind; /* PITCH_SCHED_CLASH_NONE: no clash */
    int64_t pitch_id;            /* the pitch that would clash (session checks), or 0 */
    int64_t starts_at;           /* its start (session checks) */
    int64_t clash_pitch_id;      /* the other pitch (room, or the presenter's elsewhere), or 0 */
    int64_t clash_meeting_id;    /* the presenter's 1:1 meeting, or 0 */
};

/* Records the clash for reply_tx (inside a transaction: `return pitches_clash_fail(f, &c, …)`):
 * 409 with the clash's code (room_clash, presenter_clash, outside_session,
 * outside_availability), a message, `field` (static or NULL) and the ids it names (pitch_id,
 * clash_pitch_id, clash_meeting_id). Returns SD_ERR_CONFLICT. */
int pitches_clash_fail(struct tx_fail *f, const struct pitches_clash *c, const char *field);
/* Replies that 409 at once. */
void pitches_clash_reply(struct req *r, const struct pitches_clash *c, const char *field);

/* For a change of session `session_id` to `room` and [starts, ends): checks every placed pitch of
 * it where it is, by the rules of a placement (inside the session, room, presenter at any event
 * and in 1:1 meetings). The caller holds the event row's lock and has made no plain read in its
 * transaction yet (this locks the presenters, see handlers/pitches.c). 0, SD_ERR_CONFLICT with
 * *out filled, or another SD_ERR_*. */
int do_pitches_session_check(struct db *db, int64_t event_id, int64_t session_id, const char *room,
                             int64_t starts, int64_t ends, struct pitches_clash *out) SD_MUST_CHECK;

#endif
