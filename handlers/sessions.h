#ifndef SUMMITD_HANDLERS_SESSIONS_H
#define SUMMITD_HANDLERS_SESSIONS_H

#include <stdint.h>

#include "base/xalloc.h"

/* Sessions of an event (forum | pitch | competition | exhibition): added inside their event's
 * times, read with live counts (capacity, confirmed_count, waitlist_count, seats_left), changed
 * by the event's organizer or an admin. A change re-checks the pitches placed in the session
 * (handlers/pitches.h), promotes from the waitlist when capacity grows
 * (handlers/registrations.h) and drops the event's cached page (server/event_cache.h). A
 * session of a draft is 404 session_not_found to everyone but its organizer and admins. */

struct req;
struct cJSON;

void sessions_create(struct req *r); /* POST /api/v1/events/{id}/sessions */
void sessions_get(struct req *r);    /* GET /api/v1/sessions/{id} */
void sessions_update(struct req *r); /* PATCH /api/v1/sessions/{id} */

/* For the event page (handlers/events.c), which may show a cached copy: */
/* Appends the event's sessions, in time order with their live counts, to arr. 0, or -1 after
 * replying. */
int sessions_add_json(struct req *r, int64_t event_id, struct cJSON *arr) SD_MUST_CHECK;
/* Overwrites the counts of the sessions listed in arr (a cached event page) with the live ones:
 * 0; 1 when arr does not list the event's sessions as they are now (reload the page); -1 after
 * replying. */
int sessions_fill_counts(struct req *r, int64_t event_id, struct cJSON *arr) SD_MUST_CHECK;

#endif
