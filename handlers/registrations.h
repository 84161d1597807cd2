#ifndef SUMMITD_HANDLERS_REGISTRATIONS_H
#define SUMMITD_HANDLERS_REGISTRATIONS_H

#include <stdint.h>

#include "base/xalloc.h"

/* Registrations for sessions: confirmed or waitlisted (FIFO, positions dense 1..n), cancelled;
 * check-in codes; lists and the CSV export. Capacity is decided in one MySQL transaction under
 * the session row's lock; "one active registration per user and session" by the unique key
 * uq_reg_active (active_user_id = user_id while active, NULL once cancelled). */

struct req;
struct db;

void registrations_create(struct req *r);     /* POST /api/v1/sessions/{id}/registrations */
void registrations_get(struct req *r);        /* GET /api/v1/registrations/{id} */
void registrations_cancel(struct req *r);     /* DELETE /api/v1/registrations/{id} */
void registrations_mine(struct req *r);       /* GET /api/v1/me/registrations */
void registrations_of_session(struct req *r); /* GET /api/v1/sessions/{id}/registrations */
void registrations_checkin(struct req *r);    /* POST /api/v1/checkins */

/* The caller's live (confirmed or waitlisted) registrations, for the event and session views of
 * a signed-in reader: {id, session_id, status, waitlist_position (null unless waitlisted),
 * created_at}. registrations_add_mine adds "my_registrations" (an array, in session order) to
 * an event object; registrations_add_mine_session adds "my_registration" (that object or null)
 * to a session object. 0, or -1 after replying. Anonymous callers (r->user.id 0): nothing. */
struct cJSON;
int registrations_add_mine(struct req *r, int64_t event_id, struct cJSON *event) SD_MUST_CHECK;
int registrations_add_mine_session(struct req *r, int64_t session_id,
                                   struct cJSON *session) SD_MUST_CHECK;
/* Promotes the first `n` waitlisted registrations of a session (FIFO) and moves the rest up so
 * positions stay 1..m. The caller holds the session row's lock (SELECT … FOR UPDATE in the
 * same transaction) and updates the session's counters by *promoted. 0 or SD_ERR_*. */
int do_registrations_promote(struct db *db, int64_t session_id, int64_t n, int64_t now,
                             int64_t *promoted) SD_MUST_CHECK;

#endif
