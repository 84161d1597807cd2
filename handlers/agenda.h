#ifndef SUMMITD_HANDLERS_AGENDA_H
#define SUMMITD_HANDLERS_AGENDA_H

/* One person's agenda (issue 6, "one agenda, one conflict checker"): their confirmed
 * registrations (cancelled events left out), the placed pitches they present and the scheduled
 * 1:1 meetings of their organizations, in time order, with every overlap between two items
 * flagged on both (a pitch inside a session the presenter registered for is not an overlap).
 * Served as JSON and as an RFC 5545 calendar (one VEVENT per item, stable UIDs
 * "<kind>-<id>@summitd", UTC times, CRLF lines folded at 75 octets: server/ics.h). */

struct req;

void agenda_get(struct req *r); /* GET /api/v1/me/agenda */
void agenda_ics(struct req *r); /* GET /api/v1/me/agenda.ics */

#endif
