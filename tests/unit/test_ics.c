/* The iCalendar writer: TEXT escaping, folding at 75 octets that never splits a UTF-8 sequence
 * and always terminates, UTC times, VCALENDAR and VEVENT framing. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/ics.h"
#include "server/tz.h"

static bool cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Checks the physical lines of one folded content line in b (CRLF each, at most 75 octets, a
 * continuation starts with one space and, when the input was UTF-8, never inside a sequence)
 * and returns the unfolded content (caller frees) and the number of physical lines. */
static char *unfold(const struct buf *b, bool utf8, size_t *nlines)
{
    char *out = malloc(b->len + 1);
    size_t olen = 0, pos = 0, n = 0;
    while (pos < b->len) {
        const char *eol = memmem(b->p + pos, b->len - pos, "\r\n", 2);
        cr_assert_not_null(eol, "every physical line ends with CRLF");
        size_t plen = (size_t)(eol - (b->p + pos));
        cr_assert_leq(plen, ICS_LINE_MAX, "a physical line of %zu octets", plen);
        const char *p = b->p + pos;
        if (n > 0) {
            cr_assert(plen >= 2 && p[0] == ' ', "a continuation starts with one space");
            if (utf8)
                cr_assert(!cont((unsigned char)p[1]), "a fold split a UTF-8 sequence");
            p++;
            plen--;
        }
        memcpy(out + olen, p, plen);
        olen += plen;
        pos = (size_t)(eol - b->p) + 2;
        n++;
    }
    out[olen] = '\0';
    *nlines = n;
    return out;
}

static void fold_roundtrip(const char *line, size_t len, bool utf8, size_t want_lines)
{
    struct buf b;
    buf_init(&b);
    ics_line(&b, line, len);
    size_t n;
    char *back = unfold(&b, utf8, &n);
    cr_assert_eq(strlen(back), len, "unfolding gives the line back (%zu of %zu octets)",
                 strlen(back), len);
    cr_assert_eq(memcmp(back, line, len), 0, "unfolding gives the same octets");
    if (want_lines)
        cr_assert_eq(n, want_lines, "%zu physical lines, want %zu", n, want_lines);
    free(back);
    buf_deinit(&b);
}

static char *repeat(const char *unit, size_t times)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    return s;
}

Test(ics, short_line_is_written_as_is_with_crlf)
{
    struct buf b;
    buf_init(&b);
    ics_line(&b, "VERSION:2.0", 11);
    cr_assert_str_eq(b.p, "VERSION:2.0\r\n");
    buf_deinit(&b);
}

Test(ics, seventy_five_octets_fit_seventy_six_fold)
{
    char *s = repeat("a", 76);
    fold_roundtrip(s, 75, true, 1);
    fold_roundtrip(s, 76, true, 2);
    struct buf b;
    buf_init(&b);
    ics_line(&b, s, 76);
    cr_assert_eq(b.len, 75 + 2 + 1 + 1 + 2);
    cr_assert_eq(memcmp(b.p + 75, "\r\n a\r\n", 6), 0, "the 76th octet moves to a continuation");
    buf_deinit(&b);
    free(s);
}

Test(ics, long_ascii_folds_every_74_octets_after_the_first_75)
{
    char *s = repeat("x", 75 + 74 * 3);
    fold_roundtrip(s, strlen(s), true, 4);
    free(s);
    s = repeat("y", 75 + 74 * 3 + 1);
    fold_roundtrip(s, strlen(s), true, 5);
    free(s);
}

Test(ics, cjk_and_emoji_are_never_split)
{
    for (size_t lead = 0; lead < 4; lead++) { /* shift the sequences against the fold points */
        char *cjk = repeat("智", 120), *emoji = repeat("😀", 90), *mix = repeat("a路演😀", 60);
        const char *texts[] = {cjk, emoji, mix};
        for (size_t i = 0; i < 3; i++) {
            size_t len = strlen(texts[i]) + lead;
            char *s = malloc(len + 1);
            memset(s, 'L', lead);
            memcpy(s + lead, texts[i], len - lead + 1);
            fold_roundtrip(s, len, true, 0);
            free(s);
        }
        free(cjk);
        free(emoji);
        free(mix);
    }
}

Test(ics, a_sequence_straddling_the_limit_moves_whole_to_the_next_line)
{
    /* 74 ASCII octets, then a 3-byte character at octets 75..77: the first line takes 74. */
    char *s = repeat("a", 74);
    char line[128];
    snprintf(line, sizeof(line), "%s智bc", s);
    struct buf b;
    buf_init(&b);
    ics_line(&b, line, strlen(line));
    cr_assert_eq(memcmp(b.p + 74, "\r\n 智bc\r\n", strlen("\r\n 智bc\r\n")), 0, "%s", b.p);
    buf_deinit(&b);
    free(s);
}

/* Regression (handler kit issue): folding backed off over continuation bytes without a bound, so
 * 75 or more of them in a row (not UTF-8: no sequence has more than three) left nothing to write
 * and agenda_ics_line looped forever, appending "\r\n " until memory ran out. */
Test(ics, fold_terminates_on_a_run_of_continuation_bytes, .timeout = 10)
{
    size_t lens[] = {75, 76, 149, 150, 300, 1000};
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        char *s = malloc(lens[k] + 1);
        memset(s, 0x80, lens[k]);
        s[lens[k]] = '\0';
        fold_roundtrip(s, lens[k], false, lens[k] <= 75 ? 1 : 1 + (lens[k] - 75 + 73) / 74);
        /* The same run after some valid text. */
        char *t = malloc(lens[k] + 11);
        memcpy(t, "SUMMARY:智", 11);
        memcpy(t + 11, s, lens[k]);
        fold_roundtrip(t, lens[k] + 11, false, 0);
        free(t);
        free(s);
    }
}

Test(ics, escape_text)
{
    struct buf b;
    buf_init(&b);
    ics_escape(&b, "a\\b;c,d:e\nf\r\ng\rh 路演");
    cr_assert_str_eq(b.p, "a\\\\b\\;c\\,d:e\\nf\\ng\\nh 路演");
    buf_deinit(&b);
}

Test(ics, prop_escapes_only_text)
{
    struct buf b;
    buf_init(&b);
    ics_prop(&b, "SUMMARY", "a,b", true);
    ics_prop(&b, "UID", "a,b", false);
    cr_assert_str_eq(b.p, "SUMMARY:a\\,b\r\nUID:a,b\r\n");
    buf_deinit(&b);
}

Test(ics, utc_time)
{
    char t[ICS_TIME_BUF];
    cr_assert_str_eq(ics_time(0, t), "19700101T000000Z");
    cr_assert_str_eq(ics_time(1779267600, t), "20260520T090000Z");
}

Test(ics, calendar_and_event_framing)
{
    struct buf b;
    buf_init(&b);
    ics_begin(&b, "-//summitd//agenda 1.0//EN", "summitd, agenda");
    struct ics_event ev = {
        .uid = "registration-12@summitd",
        .starts_at = 1779267600,
        .ends_at = 1779271200,
        .summary = "AI 论坛; 第一场",
        .location = "A1, 天府国际会议中心",
        .description = "line one\nline two",
        .categories = "registration",
    };
    ics_vevent(&b, &ev, 1779181200);
    ics_end(&b);
    const char *want = "BEGIN:VCALENDAR\r\n"
                       "VERSION:2.0\r\n"
                       "PRODID:-//summitd//agenda 1.0//EN\r\n"
                       "CALSCALE:GREGORIAN\r\n"
                       "METHOD:PUBLISH\r\n"
                       "X-WR-CALNAME:summitd\\, agenda\r\n"
                       "BEGIN:VEVENT\r\n"
                       "UID:registration-12@summitd\r\n"
                       "DTSTAMP:20260519T090000Z\r\n"
                       "DTSTART:20260520T090000Z\r\n"
                       "DTEND:20260520T100000Z\r\n"
                       "SUMMARY:AI 论坛\\; 第一场\r\n"
                       "LOCATION:A1\\, 天府国际会议中心\r\n"
                       "DESCRIPTION:line one\\nline two\r\n"
                       "CATEGORIES:registration\r\n"
                       "STATUS:CONFIRMED\r\n"
                       "END:VEVENT\r\n"
                       "END:VCALENDAR\r\n";
    cr_assert_str_eq(b.p, want);
    buf_deinit(&b);
}

Test(ics, optional_event_properties_are_left_out)
{
    struct buf b;
    buf_init(&b);
    struct ics_event ev = {.uid = "u", .starts_at = 0, .ends_at = 60, .summary = "s"};
    ics_vevent(&b, &ev, 0);
    cr_assert_null(strstr(b.p, "LOCATION"));
    cr_assert_null(strstr(b.p, "DESCRIPTION"));
    cr_assert_null(strstr(b.p, "CATEGORIES"));
    cr_assert_not_null(strstr(b.p, "SUMMARY:s\r\n"));
    buf_deinit(&b);
}

/* An event in a zone: DTSTART/DTEND as local times with TZID (01:00Z is 09:00 in Shanghai), the
 * calendar carrying that zone's VTIMEZONE; UTC still for tz NULL. */
Test(ics, zoned_event_times_are_local_with_tzid)
{
    const struct tz *sh = tz_get("Asia/Shanghai");
    cr_assert_not_null(sh);
    struct buf b;
    buf_init(&b);
    ics_begin(&b, "-//summitd//agenda 1.0//EN", "日程");
    tz_vtimezone(&b, sh, 1779238800, 1779242400);
    struct ics_event ev = {
        .uid = "registration-12@summitd",
        .starts_at = 1779238800, /* 2026-05-20T01:00:00Z */
        .ends_at = 1779242400,
        .tz = sh,
        .summary = "AI 论坛",
    };
    ics_vevent(&b, &ev, 1779181200);
    ics_end(&b);
    cr_assert_not_null(strstr(b.p, "\r\nDTSTART;TZID=Asia/Shanghai:20260520T090000\r\n"), "%s", b.p);
    cr_assert_not_null(strstr(b.p, "\r\nDTEND;TZID=Asia/Shanghai:20260520T100000\r\n"), "%s", b.p);
    cr_assert_not_null(strstr(b.p, "\r\nDTSTAMP:20260519T090000Z\r\n"), "DTSTAMP stays UTC");
    const char *vtz = strstr(b.p, "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\n");
    cr_assert_not_null(vtz, "%s", b.p);
    cr_assert(vtz < strstr(b.p, "BEGIN:VEVENT"), "the zone comes before the events using it");
    cr_assert_not_null(strstr(b.p, "TZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\n"));
    buf_deinit(&b);

    /* New York in winter: 2026-01-15T14:00:00Z is 09:00 EST. */
    buf_init(&b);
    ics_date_time(&b, "DTSTART", tz_get("America/New_York"), 1768485600);
    cr_assert_str_eq(b.p, "DTSTART;TZID=America/New_York:20260115T090000\r\n");
    buf_deinit(&b);
    buf_init(&b);
    ics_date_time(&b, "DTSTART", NULL, 1768485600);
    cr_assert_str_eq(b.p, "DTSTART:20260115T140000Z\r\n");
    buf_deinit(&b);
}
