#ifndef SUMMITD_HANDLERS_PITCHES_H
#define SUMMITD_HANDLERS_PITCHES_H

#include <stdbool.h>
#include <stdint.h>

/* Pitches in sessions of kind `pitch` (SPEC "Pitches", issue 5): adding, placing with clash
 * checks (one transaction under the event row's lock), the auto-scheduler (matching/pitch_sched)
 * and the event timetable. A presenter is busy with their placed pitches at ANY event and with
 * the scheduled 1:1 meetings of every organization they are a member of; placements, the
 * auto-scheduler and session changes (do_pitches_session_check) apply the same rules. */

#include "matching/pitch_sched.h"

struct req;
struct db;

void pitches_create(struct req *r);    /* POST /api/v1/sessions/{id}/pitches */
void pitches_place(struct req *r);     /* PUT /api/v1/pitches/{id}/slot */
void pitches_unplace(struct req *r);   /* DELETE /api/v1/pitches/{id}/slot */
void pitches_schedule(struct req *r);  /* POST /api/v1/sessions/{id}/pitches/schedule */
void pitches_timetable(struct req *r); /* GET /api/v1/events/{id}/timetable */

/* A session with what its event says about who manages it. Shared with handlers/competitions. */
struct pitches_session {
    int64_t id;
    int64_t event_id;
    int64_t organizer_id; /* the event's */
    int64_t starts_at, ends_at;
    bool results_published;
    bool event_draft; /* the event is not visible to the public */
    char kind[24];
    char room[408];
};

/* Loads session `id` (with FOR UPDATE on the session row when `lock`). 0, SD_ERR_NOT_FOUND or
 * another SD_ERR_*. */
int pitches_session_load(struct db *db, int64_t id, bool lock, struct pitches_session *out);

/* Whether the caller is the event's organizer or an admin. */
bool pitches_can_manage(const struct req *r, const struct pitches_session *s);

/* Loads session `id` and requires the caller to manage it and the session to be of `kind`.
 * Replies (404 unknown or a draft the caller cannot see, 403 not the organizer, 409
 * wrong_session_kind, 503 …) and returns -1 otherwise. */
int pitches_session_managed(struct req *r, int64_t id, const char *kind,
                            struct pitches_session *out);

/* Why a pitch cannot be (or stay) where it is. */
struct pitches_clash {
    enum pitch_sched_clash kind; /* PITCH_SCHED_CLASH_NONE: no clash */
    int64_t pitch_id;            /* the pitch that would clash (session checks), or 0 */
    int64_t starts_at;           /* its start (session checks) */
    int64_t clash_pitch_id;      /* the other pitch (room, or the presenter's elsewhere), or 0 */
    int64_t clash_meeting_id;    /* the presenter's 1:1 meeting, or 0 */
};

/* Replies 409 with the clash's code (room_clash, presenter_clash, outside_session,
 * outside_availability), a message, `field` (may be NULL) and the ids it names. */
void pitches_clash_reply(struct req *r, const struct pitches_clash *c, const char *field);

/* For a change of session `session_id` to `room` and [starts, ends): checks every placed pitch of
 * it where it is, by the rules of a placement (inside the session, room, presenter at any event
 * and in 1:1 meetings). The caller holds the event row's lock and has made no plain read in its
 * transaction yet (this locks the presenters, see handlers/pitches.c). 0, SD_ERR_CONFLICT with
 * *out filled, or another SD_ERR_*. */
int do_pitches_session_check(struct db *db, int64_t event_id, int64_t session_id, const char *room,
                             int64_t starts, int64_t ends, struct pitches_clash *out) SD_MUST_CHECK;

#endif
