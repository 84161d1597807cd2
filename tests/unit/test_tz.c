/* The TZif reader against the system's real zoneinfo files (tzdata): offsets and abbreviations,
 * DST edges, local time text, footer rules, the VTIMEZONE writer, refused names and files. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/tz.h"

/* 2026-05-20T01:00:00Z */
#define T_0520_0100Z 1779238800LL
/* 2026-03-29T01:00:00Z: Europe's change to summer time (02:00 CET -> 03:00 CEST) */
#define T_EU_SPRING 1774746000LL
/* 2026-10-25T01:00:00Z: back (03:00 CEST -> 02:00 CET) */
#define T_EU_AUTUMN 1792890000LL
/* 2026-03-08T07:00:00Z: 02:00 EST -> 03:00 EDT; 2026-11-01T06:00:00Z: 02:00 EDT -> 01:00 EST */
#define T_US_SPRING 1772953200LL
#define T_US_AUTUMN 1793512800LL

static const struct tz *must(const char *name)
{
    const struct tz *z = tz_get(name);
    cr_assert_not_null(z, "%s loads from the zone database", name);
    return z;
}

Test(tz, shanghai_is_plus_eight_all_year)
{
    const struct tz *z = must("Asia/Shanghai");
    const char *abbr;
    bool dst = true;
    cr_assert_eq(tz_offset(z, T_0520_0100Z, &abbr, &dst), 8 * 3600);
    cr_assert_str_eq(abbr, "CST");
    cr_assert(!dst);
    cr_assert_eq(tz_offset(z, T_EU_AUTUMN + 86400 * 60, NULL, NULL), 8 * 3600, "in winter too");
    char b[TZ_LOCAL_BUF];
    cr_assert_str_eq(tz_format_local(z, T_0520_0100Z, b), "2026-05-20 09:00");
    cr_assert_str_eq(tz_format_ics(z, T_0520_0100Z, b), "20260520T090000");
    cr_assert_str_eq(tz_format_text(z, T_0520_0100Z, true, b), "2026年5月20日 周三 09:00 (UTC+08:00)");
    cr_assert_str_eq(tz_format_text(z, T_0520_0100Z, false, b), "Wed 20 May 2026 09:00 (UTC+08:00)");
    /* 16:00Z is past midnight local: the date moves. */
    cr_assert_str_eq(tz_format_local(z, T_0520_0100Z + 15 * 3600, b), "2026-05-21 00:00");
    cr_assert_eq(z, tz_get("Asia/Shanghai"), "the second lookup is the cached zone");
}

Test(tz, berlin_switches_at_the_last_sundays_of_march_and_october)
{
    const struct tz *z = must("Europe/Berlin");
    const char *abbr;
    bool dst;
    cr_assert_eq(tz_offset(z, T_EU_SPRING - 1, &abbr, &dst), 3600);
    cr_assert_str_eq(abbr, "CET");
    cr_assert(!dst);
    cr_assert_eq(tz_offset(z, T_EU_SPRING, &abbr, &dst), 7200);
    cr_assert_str_eq(abbr, "CEST");
    cr_assert(dst);
    cr_assert_eq(tz_offset(z, T_EU_AUTUMN - 1, NULL, NULL), 7200);
    cr_assert_eq(tz_offset(z, T_EU_AUTUMN, NULL, NULL), 3600);
    char b[TZ_LOCAL_BUF];
    cr_assert_str_eq(tz_format_local(z, T_EU_SPRING, b), "2026-03-29 03:00");
    cr_assert_str_eq(tz_format_local(z, T_EU_SPRING - 60, b), "2026-03-29 01:59");
    /* Far beyond a fat file's 2037 table: the footer rule answers (last Sunday of March 2090 is
     * the 26th: 01:00Z). */
    int64_t t2090 = 3794173200LL; /* 2090-03-26T01:00:00Z */
    cr_assert_eq(tz_offset(z, t2090 - 1, NULL, NULL), 3600);
    cr_assert_eq(tz_offset(z, t2090, NULL, NULL), 7200);
}

Test(tz, new_york_edges)
{
    const struct tz *z = must("America/New_York");
    const char *abbr;
    cr_assert_eq(tz_offset(z, T_US_SPRING - 1, &abbr, NULL), -5 * 3600);
    cr_assert_str_eq(abbr, "EST");
    cr_assert_eq(tz_offset(z, T_US_SPRING, &abbr, NULL), -4 * 3600);
    cr_assert_str_eq(abbr, "EDT");
    cr_assert_eq(tz_offset(z, T_US_AUTUMN - 1, NULL, NULL), -4 * 3600);
    cr_assert_eq(tz_offset(z, T_US_AUTUMN, NULL, NULL), -5 * 3600);
    char b[TZ_LOCAL_BUF];
    cr_assert_str_eq(tz_format_local(z, T_0520_0100Z, b), "2026-05-19 21:00");
    cr_assert_str_eq(tz_format_text(z, T_0520_0100Z, false, b), "Tue 19 May 2026 21:00 (UTC-04:00)");
}

Test(tz, utc_has_no_offset)
{
    const struct tz *z = must("UTC");
    const char *abbr;
    cr_assert_eq(tz_offset(z, T_0520_0100Z, &abbr, NULL), 0);
    cr_assert_str_eq(abbr, "UTC");
    char b[TZ_LOCAL_BUF];
    cr_assert_str_eq(tz_format_local(z, T_0520_0100Z, b), "2026-05-20 01:00");
}

Test(tz, unsafe_or_unknown_names_are_refused)
{
    const char *bad[] = {"",
                         "/etc/passwd",
                         "../../etc/passwd",
                         "Asia/../Asia/Shanghai",
                         "Asia/Shanghai/",
                         "Asia//Shanghai",
                         "Asia/Shanghai ",
                         "Asia/Shang hai",
                         "zone.tab",
                         "Asia",
                         "Mars/Olympus_Mons",
                         "right/UTC",
                         "Asia/Shanghai\n",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        cr_assert_null(tz_get(bad[i]), "\"%s\" is refused", bad[i]);
    cr_assert(tz_name_ok("America/Argentina/Buenos_Aires"));
    cr_assert(tz_name_ok("Etc/GMT+5"));
    cr_assert(!tz_name_ok("../x"));
    cr_assert(!tz_name_ok("/UTC"));
}

static void check_parse_refuses(const unsigned char *data, size_t len, const char *what)
{
    struct tz *z = tz_parse("X", data, len);
    cr_assert_null(z, "%s is refused", what);
}

Test(tz, truncated_and_foreign_images_are_refused)
{
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    cr_assert_not_null(f);
    unsigned char data[8192];
    size_t len = fread(data, 1, sizeof(data), f);
    fclose(f);
    struct tz *z = tz_parse("Europe/Berlin", data, len);
    cr_assert_not_null(z, "the whole file parses");
    tz_free(z);
    for (size_t cut = 0; cut < len - 40; cut += 37) /* truncated inside its blocks */
        check_parse_refuses(data, cut, "a truncated file");
    unsigned char copy[8192];
    memcpy(copy, data, len);
    copy[0] = 'X';
    check_parse_refuses(copy, len, "a file without the TZif magic");
    check_parse_refuses((const unsigned char *)"# tzdb\nZone X 0 - UTC\n", 24, "text");
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(tz, vtimezone_of_shanghai_is_one_standard_plus_0800)
{
    struct buf b;
    buf_init(&b);
    tz_vtimezone(&b, must("Asia/Shanghai"), T_0520_0100Z, T_0520_0100Z + 86400 * 3);
    cr_assert_str_eq(b.p, "BEGIN:VTIMEZONE\r\n"
                          "TZID:Asia/Shanghai\r\n"
                          "BEGIN:STANDARD\r\n"
                          "DTSTART:19700101T000000\r\n"
                          "TZOFFSETFROM:+0800\r\n"
                          "TZOFFSETTO:+0800\r\n"
                          "TZNAME:CST\r\n"
                          "END:STANDARD\r\n"
                          "END:VTIMEZONE\r\n");
    buf_deinit(&b);
}

Test(tz, vtimezone_of_berlin_over_a_year_has_both_changes)
{
    struct buf b;
    buf_init(&b);
    /* 2026-01-01 .. 2026-12-31: in CET at the start, then CEST in March, CET in October. */
    tz_vtimezone(&b, must("Europe/Berlin"), 1767225600LL, 1798675200LL);
    cr_assert_eq(count(b.p, "BEGIN:STANDARD"), 2, "%s", b.p);
    cr_assert_eq(count(b.p, "BEGIN:DAYLIGHT"), 1, "%s", b.p);
    cr_assert(strstr(b.p, "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\n"
                          "TZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"),
              "%s", b.p);
    cr_assert(strstr(b.p, "BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\n"
                          "TZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"),
              "%s", b.p);
    buf_deinit(&b);
    /* A summer span starts in DAYLIGHT and has nothing else. */
    buf_init(&b);
    tz_vtimezone(&b, must("Europe/Berlin"), T_0520_0100Z, T_0520_0100Z + 86400);
    cr_assert_eq(count(b.p, "BEGIN:DAYLIGHT"), 1, "%s", b.p);
    cr_assert_eq(count(b.p, "BEGIN:STANDARD"), 0, "%s", b.p);
    cr_assert(strstr(b.p, "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0200\r\n"), "%s", b.p);
    buf_deinit(&b);
}

/* Any thread may load a zone; all get the one cached copy. */
static void *load_many(void *arg)
{
    const char *const names[] = {"Europe/Paris", "Asia/Tokyo", "America/Chicago", "Asia/Shanghai"};
    const struct tz **out = arg;
    for (int i = 0; i < 4; i++)
        out[i] = tz_get(names[i]);
    return NULL;
}

Test(tz, concurrent_loads_share_one_copy)
{
    pthread_t th[4];
    const struct tz *got[4][4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, load_many, got[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int k = 0; k < 4; k++) {
        cr_assert_not_null(got[0][k]);
        for (int i = 1; i < 4; i++)
            cr_assert_eq(got[i][k], got[0][k], "one copy of each zone");
    }
}
