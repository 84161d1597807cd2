#include "server/ics.h"

#include <stdio.h>
#include <string.h>

#include "server/buf.h"
#include "server/timeutil.h"
#include "server/tz.h"

void ics_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case ';':
            buf_puts(b, "\\;");
            break;
        case ',':
            buf_puts(b, "\\,");
            break;
        case '\r':
            if (s[1] == '\n')
                s++;
            buf_puts(b, "\\n");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        default:
            buf_append(b, s, 1);
        }
    }
}

static bool continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80; /* 10xxxxxx */
}

void ics_line(struct buf *b, const char *line, size_t len)
{
    size_t pos = 0, limit = ICS_LINE_MAX;
    while (len - pos > limit) {
        size_t cut = pos + limit, back = 0;
        /* line[cut] begins the next physical line: never a continuation byte. A UTF-8 sequence
         * has at most three of them; a longer run is not UTF-8, and backing off over all of it
         * would leave nothing to write (the old code looped forever there), so cut at the
         * limit. */
        while (back < 3 && continuation((unsigned char)line[cut - back]))
            back++;
        if (!continuation((unsigned char)line[cut - back]))
            cut -= back;
        buf_append(b, line + pos, cut - pos);
        buf_puts(b, "\r\n ");
        pos = cut;
        limit = ICS_LINE_MAX - 1; /* the leading space counts */
    }
    buf_append(b, line + pos, len - pos);
    buf_puts(b, "\r\n");
}

void ics_prop(struct buf *b, const char *name, const char *value, bool text)
{
    struct buf tmp;
    buf_init(&tmp);
    buf_puts(&tmp, name);
    buf_puts(&tmp, ":");
    if (text)
        ics_escape(&tmp, value);
    else
        buf_puts(&tmp, value);
    ics_line(b, tmp.p, tmp.len);
    buf_deinit(&tmp);
}

char *ics_time(int64_t t, char *buf)
{
    char r3339[TIME_BUF];
    time_format_rfc3339(t, r3339); /* YYYY-MM-DDTHH:MM:SSZ */
    snprintf(buf, ICS_TIME_BUF, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", r3339, r3339 + 5, r3339 + 8,
             r3339 + 11, r3339 + 14, r3339 + 17);
    return buf;
}

void ics_begin(struct buf *b, const char *prodid, const char *calname)
{
    ics_begin_method(b, prodid, calname, "PUBLISH");
}

void ics_begin_method(struct buf *b, const char *prodid, const char *calname, const char *method)
{
    ics_prop(b, "BEGIN", "VCALENDAR", false);
    ics_prop(b, "VERSION", "2.0", false);
    ics_prop(b, "PRODID", prodid, false);
    ics_prop(b, "CALSCALE", "GREGORIAN", false);
    ics_prop(b, "METHOD", method, false);
    ics_prop(b, "X-WR-CALNAME", calname, true);
}

void ics_end(struct buf *b)
{
    ics_prop(b, "END", "VCALENDAR", false);
}

void ics_date_time(struct buf *b, const char *name, const struct tz *tz, int64_t t)
{
    char v[ICS_TIME_BUF], line[TZ_NAME_MAX + 64];
    if (!tz) {
        ics_prop(b, name, ics_time(t, v), false);
        return;
    }
    /* A zone name is [A-Za-z0-9_+-/] (server/tz.h): a parameter value that needs no quotes. */
    int n = snprintf(line, sizeof(line), "%s;TZID=%s:%s", name, tz_name(tz), tz_format_ics(tz, t, v));
    ics_line(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void ics_vevent(struct buf *b, const struct ics_event *ev, int64_t stamp)
{
    char t[ICS_TIME_BUF];
    ics_prop(b, "BEGIN", "VEVENT", false);
    ics_prop(b, "UID", ev->uid, false);
    ics_prop(b, "DTSTAMP", ics_time(stamp, t), false);
    ics_date_time(b, "DTSTART", ev->tz, ev->starts_at);
    ics_date_time(b, "DTEND", ev->tz, ev->ends_at);
    ics_prop(b, "SUMMARY", ev->summary, true);
    if (ev->location)
        ics_prop(b, "LOCATION", ev->location, true);
    if (ev->description)
        ics_prop(b, "DESCRIPTION", ev->description, true);
    if (ev->categories)
        ics_prop(b, "CATEGORIES", ev->categories, true);
    if (ev->organizer)
        ics_prop(b, "ORGANIZER", ev->organizer, false);
    if (ev->sequence > 0) {
        char seq[24];
        snprintf(seq, sizeof(seq), "%lld", (long long)ev->sequence);
        ics_prop(b, "SEQUENCE", seq, false);
    }
    ics_prop(b, "STATUS", ev->status ? ev->status : "CONFIRMED", false);
    ics_prop(b, "END", "VEVENT", false);
}
