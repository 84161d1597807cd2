#ifndef SUMMITD_SERVER_TZ_H
#define SUMMITD_SERVER_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA time zones from the system's zone database: a TZif reader (RFC 8536, versions 1-3; the
 * 64-bit section of v2+ files is read, the 32-bit one skipped), offsets and abbreviations at an
 * instant, local time text, and the RFC 5545 VTIMEZONE of a zone over a span.
 *
 * A zone is the file $TZDIR/<name> (default /usr/share/zoneinfo). Times after the file's last
 * transition follow its footer (a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"): its
 * rule's transitions are added up to the year 2100 when the zone is loaded, so "slim" files
 * (transitions only until the rule takes over) and "fat" ones answer alike. Files with leap
 * seconds ("right/…") are refused: summitd's times are POSIX times.
 *
 *     const struct tz *z = tz_get("Asia/Shanghai");   // cached, shared, never freed
 *     char b[TZ_LOCAL_BUF];
 *     tz_format_local(z, 1779238800, b);             // "2026-05-20 09:00"
 *
 * Loaded zones are cached for the life of the process (there are a few hundred at most, and only
 * names that exist as files get in); tz_get is thread-safe. Everything else is pure. */

struct buf;

#define TZ_NAME_MAX 64   /* bytes; events.time_zone is VARCHAR(64) */
#define TZ_ABBR_MAX 16   /* an abbreviation ("CEST", "+08") and its NUL */
#define TZ_LOCAL_BUF 64  /* tz_format_local / tz_format_text output */
#define TZ_DEFAULT "Asia/Shanghai"

struct tz;

/* A name that may be looked up as a file: 1..TZ_NAME_MAX bytes of [A-Za-z0-9_+-/], no leading,
 * trailing or doubled '/', no "." or ".." component (no '.' at all). */
bool tz_name_ok(const char *name);

/* The zone `name`, loaded once (thread-safe) and kept; NULL for an unsafe name, a missing or
 * unreadable file, or one the parser refuses. */
const struct tz *tz_get(const char *name);

/* Parses a TZif image (pure; for tests and tz_get). NULL when it is not a TZif file this reader
 * accepts. Free with tz_free. */
struct tz *tz_parse(const char *name, const unsigned char *data, size_t len);
void tz_free(struct tz *z);

const char *tz_name(const struct tz *z);

/* The UTC offset (seconds east) in effect at unix time t; *abbr (may be NULL) gets the
 * abbreviation (borrowed from z), *isdst (may be NULL) whether it is daylight time. */
int32_t tz_offset(const struct tz *z, int64_t t, const char **abbr, bool *isdst);

/* Local wall time at t. */
struct tz_local {
    int year, month, day, hour, minute, second, wday; /* month 1-12, wday 0 = Sunday */
    int32_t utoff;
};
void tz_local(const struct tz *z, int64_t t, struct tz_local *out);

/* "2026-05-20 09:00" (local time at t) into buf (TZ_LOCAL_BUF bytes); returns buf. */
char *tz_format_local(const struct tz *z, int64_t t, char *buf);
/* A form for people, in Chinese (`zh`) or English: "2026年5月20日 周三 09:00 (UTC+08:00)" /
 * "Wed 20 May 2026 09:00 (UTC+08:00)"; returns buf (TZ_LOCAL_BUF bytes). */
char *tz_format_text(const struct tz *z, int64_t t, bool zh, char *buf);
/* Local time as an iCalendar floating DATE-TIME "20260520T090000" (ICS_TIME_BUF bytes). */
char *tz_format_ics(const struct tz *z, int64_t t, char *buf);

/* Appends the VTIMEZONE of z (TZID = its name) valid over [from, to]: the observance in effect
 * at `from` (a STANDARD or DAYLIGHT with TZOFFSETFROM = TZOFFSETTO = its offset, from 1970), then
 * one observance per transition within (from, to], each with DTSTART in the local time before
 * it, TZOFFSETFROM, TZOFFSETTO and TZNAME. A zone without DST in the span (Asia/Shanghai) is a
 * single STANDARD +0800. */
void tz_vtimezone(struct buf *b, const struct tz *z, int64_t from, int64_t to);

#endif
