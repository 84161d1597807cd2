#ifndef SUMMITD_HANDLERS_EVENTS_H
#define SUMMITD_HANDLERS_EVENTS_H

/* Events (summit | roadshow | fair): an event starts as a draft, visible only to its organizer
 * and admins (404 to everybody else); publish makes it public; cancel ends registration. Only
 * the event's organizer (events.organizer_id) or an admin changes it, adds exhibitors and reads
 * its audit log and numbers. GET /events/{id} shows the event with its sessions
 * (handlers/sessions.h); published event pages are cached in Redis without their live counts
 * (server/event_cache.h). */

struct req;

void events_create(struct req *r);        /* POST /api/v1/events */
void events_list(struct req *r);          /* GET /api/v1/events */
void events_list_mine(struct req *r);     /* GET /api/v1/me/events */
void events_get(struct req *r);           /* GET /api/v1/events/{id} */
void events_update(struct req *r);        /* PATCH /api/v1/events/{id} */
void events_publish(struct req *r);       /* POST /api/v1/events/{id}/publish */
void events_cancel(struct req *r);        /* POST /api/v1/events/{id}/cancel */
void events_add_exhibitor(struct req *r); /* POST /api/v1/events/{id}/exhibitors */
void events_audit(struct req *r);         /* GET /api/v1/events/{id}/audit */
void events_stats(struct req *r);         /* GET /api/v1/events/{id}/stats */

#endif
