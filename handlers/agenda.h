#ifndef SUMMITD_HANDLERS_AGENDA_H
#define SUMMITD_HANDLERS_AGENDA_H

/* One person's agenda (issue 6, "one agenda, one conflict checker"): their confirmed
 * registrations (cancelled events left out), the placed pitches they present and the scheduled
 * 1:1 meetings of their organizations, in time order, with every overlap between two items
 * flagged on both (a pitch inside a session the presenter registered for is not an overlap).
 * Served as JSON and as an RFC 5545 calendar (one VEVENT per item, stable UIDs
 * "<kind>-<id>@summitd", DTSTART/DTEND as local times of the event's zone with TZID and one
 * VTIMEZONE per zone used, CRLF lines folded at 75 octets: server/ics.h, server/tz.h).
 * The list is complete (no paging). Every server-written text (meeting titles, table numbers,
 * details) is in the reader's language (zh default, en); what people typed is shown as it is. */

#include <stdint.h>

#include "server/query.h"

struct req;

void agenda_get(struct req *r); /* GET /api/v1/me/agenda */
void agenda_ics(struct req *r); /* GET /api/v1/me/agenda.ics */
/* Replies the .ics of `user`'s agenda in `lang` (200 text/calendar, Content-Disposition with
 * filename), or the error of a failed load. The one renderer of /me/agenda.ics and the
 * subscribable feed (handlers/calendar.c). */
void agenda_render_ics(struct req *r, int64_t user, enum lang lang, const char *filename);
/* The stable UID of an agenda item, "<kind>-<id>@summitd" (kind "registration", "pitch" or
 * "meeting"), as the calendars carry it: also the UID of the .ics a notification e-mail attaches
 * (notify/email.c). Caller frees. */
char *agenda_uid(const char *kind, int64_t id);

#endif
