#include "server/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Parses "YYYY-MM-DD?HH:MM:SS" where ? is sep; returns chars consumed or -1. */
static int parse_datetime(const char *s, char sep1, char sep2, int64_t *out)
{
    int y, mo, d, h, mi, se;
    if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != sep1 && s[10] != sep2) || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || se > 59)
        return -1;
    *out = time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    return 19;
}

int time_parse_rfc3339(const char *s, int64_t *out)
{
    int64_t t;
    int n = parse_datetime(s, 'T', 't', &t);
    if (n < 0)
        return -1;
    s += n;
    if (*s == '.') { /* whole seconds only: a fraction is refused, never dropped (".000" is 0) */
        s++;
        if (*s < '0' || *s > '9')
            return -1;
        for (; *s >= '0' && *s <= '9'; s++)
            if (*s != '0')
                return -1;
    }
    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
        *out = t;
        return 0;
    }
    int oh, om;
    if ((s[0] == '+' || s[0] == '-') && strlen(s) == 6 && !digits(s + 1, 2, &oh) && s[3] == ':' &&
        !digits(s + 4, 2, &om) && oh <= 23 && om <= 59) {
        int64_t off = oh * 3600 + om * 60;
        *out = s[0] == '+' ? t - off : t + off;
        return 0;
    }
    return -1;
}

int time_parse_sql(const char *s, int64_t *out)
{
    int64_t t;
    if (parse_datetime(s, ' ', 'T', &t) < 0)
        return -1;
    *out = t;
    return 0;
}

static char *format(int64_t t, char *buf, char sep, const char *zone)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(buf, TIME_BUF, "%04d-%02d-%02d%c%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
    return buf;
}

char *time_format_rfc3339(int64_t t, char *buf)
{
    return format(t, buf, 'T', "Z");
}

char *time_format_sql(int64_t t, char *buf)
{
    return format(t, buf, ' ', "");
}

int64_t time_now(void)
{
    return (int64_t)time(NULL);
}

int64_t time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
