#ifndef SUMMITD_HANDLERS_AGENDA_H
#define SUMMITD_HANDLERS_AGENDA_H

#include <stddef.h>

/* One person's agenda (issue 6, "one agenda, one conflict checker"): their confirmed
 * registrations (cancelled events left out), the placed pitches they present and the scheduled
 * 1:1 meetings of their organizations, in time order, with every overlap between two items
 * flagged on both (a pitch inside a session the presenter registered for is not an overlap).
 * Served as JSON and as an RFC 5545 calendar (one VEVENT per item, stable UIDs
 * "<kind>-<id>@summitd", UTC times, CRLF lines folded at 75 octets). */

struct req;
struct buf;

void agenda_get(struct req *r); /* GET /api/v1/me/agenda */
void agenda_ics(struct req *r); /* GET /api/v1/me/agenda.ics */

/* RFC 5545 helpers, exposed for tests. */
/* Appends `s` as a TEXT value: \ ; , escaped with a backslash, newlines (LF, CRLF, CR) as \n. */
void agenda_ics_escape(struct buf *b, const char *s);
/* Appends one content line (len octets, no line break inside) folded so that no physical line
 * exceeds 75 octets (continuations start with one space and never split a UTF-8 sequence),
 * then CRLF. */
void agenda_ics_line(struct buf *b, const char *line, size_t len);

#endif
