#ifndef SUMMITD_SERVER_TIMEUTIL_H
#define SUMMITD_SERVER_TIMEUTIL_H

#include <stdint.h>

/* Times travel as int64 unix seconds (UTC) inside summitd, as RFC 3339 strings in JSON and as
 * "YYYY-MM-DD HH:MM:SS" UTC DATETIMEs in MySQL (connections run with time_zone '+00:00'). */

#define TIME_BUF 48

/* Accepts "YYYY-MM-DDTHH:MM:SS[.000…](Z|±HH:MM)" (an offset is converted to UTC); returns 0 or
 * -1. Times are whole seconds: a fraction other than zeros is refused (-1), never dropped. */
int time_parse_rfc3339(const char *s, int64_t *out);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" into buf (TIME_BUF bytes); returns buf. */
char *time_format_rfc3339(int64_t t, char *buf);
/* MySQL DATETIME text. */
char *time_format_sql(int64_t t, char *buf);
int time_parse_sql(const char *s, int64_t *out);
/* Wall clock, seconds and microseconds. */
/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12, d 1..31), negative
 * before it (H. Hinnant's days_from_civil). */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);
int64_t time_now(void);
int64_t time_now_us(void);
/* Monotonic microseconds. */
int64_t time_mono_us(void);

#endif
