#ifndef SUMMITD_SERVER_ICS_H
#define SUMMITD_SERVER_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An RFC 5545 iCalendar writer: pure functions appending to a struct buf (no I/O; the time of
 * DTSTAMP is passed in). Content lines end in CRLF and are folded so that no physical line
 * exceeds ICS_LINE_MAX octets; a fold never splits a UTF-8 sequence. TEXT values are escaped.
 * Times are UTC DATE-TIMEs ("20260520T090000Z") or local times with a TZID whose VTIMEZONE the
 * calendar carries (server/tz.h writes it).
 *
 *     ics_begin(&out, "-//summitd//agenda 1.0//EN", "summitd agenda");
 *     ics_vevent(&out, &(struct ics_event){.uid = "registration-12@summitd", …}, now);
 *     ics_end(&out);
 */

struct buf;

#define ICS_LINE_MAX 75 /* octets per physical line, CRLF excluded (RFC 5545 §3.1) */
#define ICS_TIME_BUF 20 /* "YYYYMMDDTHHMMSSZ" and its NUL */

/* Appends `s` as a TEXT value: \ ; , escaped with a backslash, newlines (LF, CRLF, CR) as \n. */
void ics_escape(struct buf *b, const char *s);
/* Appends one content line (`len` octets, no line break inside) folded at ICS_LINE_MAX octets
 * (continuations start with one space, which counts), then CRLF. A fold backs off over at most
 * three UTF-8 continuation bytes to a sequence's first byte; text that is not UTF-8 (a longer
 * run of continuation bytes) is cut at the limit, so every line still makes progress. */
void ics_line(struct buf *b, const char *line, size_t len);
/* Appends the content line NAME:value, escaping value when `text`. */
void ics_prop(struct buf *b, const char *name, const char *value, bool text);
/* t (unix seconds) as a UTC DATE-TIME into buf (ICS_TIME_BUF bytes); returns buf. */
char *ics_time(int64_t t, char *buf);

/* BEGIN:VCALENDAR with VERSION, PRODID, CALSCALE, METHOD:PUBLISH and X-WR-CALNAME. */
void ics_begin(struct buf *b, const char *prodid, const char *calname);
/* The same with another METHOD (RFC 5546): "REQUEST" for the invitation a notification e-mail
 * attaches, "CANCEL" for a cancellation. */
void ics_begin_method(struct buf *b, const char *prodid, const char *calname, const char *method);
void ics_end(struct buf *b);

/* NAME;TZID=<zone>:<local time> ("DTSTART;TZID=Asia/Shanghai:20260520T090000") for a zone (the
 * calendar must carry that zone's VTIMEZONE: tz_vtimezone in server/tz.h), or NAME:<UTC time>
 * when tz is NULL. */
struct tz;
void ics_date_time(struct buf *b, const char *name, const struct tz *tz, int64_t t);

/* One VEVENT. Strings are borrowed; summary, location, description and categories are TEXT
 * (escaped here); description and location may be NULL (left out). DTSTART/DTEND are local times
 * in `tz` with its TZID, or UTC when tz is NULL. */
struct ics_event {
    const char *uid;
    int64_t starts_at, ends_at;
    const struct tz *tz;
    const char *summary, *location, *description, *categories;
    /* Optional (zero: left out / the default): STATUS (default CONFIRMED; "CANCELLED" with
     * METHOD:CANCEL), SEQUENCE (an update of the same UID carries a higher one), ORGANIZER (a
     * mailto: URI, which METHOD:REQUEST wants). */
    const char *status;
    int64_t sequence;
    const char *organizer;
};
void ics_vevent(struct buf *b, const struct ics_event *ev, int64_t stamp);

#endif
