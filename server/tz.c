#include "server/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/buf.h"
#include "server/timeutil.h"
#include "server/ics.h"
#include "base/xalloc.h"

#define TZ_FILE_MAX (256 * 1024) /* the largest real TZif file is a few KiB */
#define TZ_RULE_LAST_YEAR 2100   /* footer rules are expanded up to this year */

struct tz_type {
    int32_t utoff;
    bool isdst;
    char abbr[TZ_ABBR_MAX];
};

struct tz {
    char *name;
    int64_t *at;        /* transition times, ascending */
    unsigned char *idx; /* the type that starts at at[i] */
    size_t n;
    struct tz_type *type;
    size_t ntype;
    struct tz *next; /* the cache's list */
};

/* ---- civil time ---- */

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dm[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* ---- names ---- */

bool tz_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > TZ_NAME_MAX || name[0] == '/' || name[len - 1] == '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '+' || c == '-' || c == '/';
        if (!ok || (c == '/' && name[i + 1] == '/'))
            return false;
    }
    return true; /* no '.' at all: no "." or ".." component */
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
    uint32_t isut, isstd, leap, time, type, chr;
};

/* Reads a 44-byte header at p; the size of the data block that follows for time size ts. */
static int header(const unsigned char *p, size_t avail, size_t ts, struct counts *c, size_t *size)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chr = be32(p + 40);
    if (c->type == 0 || c->type > 256 || c->chr == 0 || c->time > 100000 || c->leap > 100000 ||
        c->chr > 1000 || (c->isut && c->isut != c->type) || (c->isstd && c->isstd != c->type))
        return -1;
    *size = (size_t)c->time * (ts + 1) + (size_t)c->type * 6 + c->chr + (size_t)c->leap * (ts + 4) +
            c->isstd + c->isut;
    return avail - 44 < *size ? -1 : 0;
}

/* Finds or adds a type; its index, or -1 when there are 256 already. */
static int type_find_add(struct tz *z, int32_t utoff, bool isdst, const char *abbr)
{
    for (size_t i = 0; i < z->ntype; i++)
        if (z->type[i].utoff == utoff && z->type[i].isdst == isdst &&
            strcmp(z->type[i].abbr, abbr) == 0)
            return (int)i;
    if (z->ntype >= 256)
        return -1;
    z->type = xrealloc(z->type, (z->ntype + 1) * sizeof(*z->type));
    struct tz_type *t = &z->type[z->ntype];
    t->utoff = utoff;
    t->isdst = isdst;
    snprintf(t->abbr, sizeof(t->abbr), "%s", abbr);
    return (int)z->ntype++;
}

/* ---- the footer: a POSIX TZ string ---- */

struct rule_date {
    char kind; /* 'J' (Jn, 1-365, no Feb 29), 'D' (n, 0-365), 'M' (Mm.w.d) */
    int a, b, c;
    int32_t time; /* seconds after local midnight (may be negative or past 24 h) */
};

struct posix_tz {
    char std[TZ_ABBR_MAX], dst[TZ_ABBR_MAX];
    int32_t std_off, dst_off; /* seconds east */
    bool has_dst;
    struct rule_date start, end;
};

static bool p_abbr(const char **s, char *out)
{
    const char *p = *s;
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (n + 1 >= TZ_ABBR_MAX)
                return false;
            out[n++] = *p++;
        }
        if (*p != '>')
            return false;
        p++;
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
            if (n + 1 >= TZ_ABBR_MAX)
                return false;
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    *s = p;
    return n >= 3;
}

static bool p_num(const char **s, int min, int max, int *out)
{
    const char *p = *s;
    int v = 0, nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 4) {
        v = v * 10 + (*p++ - '0');
        nd++;
    }
    if (!nd || v < min || v > max)
        return false;
    *out = v;
    *s = p;
    return true;
}

/* [+-]hh[:mm[:ss]] in seconds (hours up to 167, as v3 allows in rule times). */
static bool p_time(const char **s, int32_t *out)
{
    int sign = 1, h, m = 0, sec = 0;
    if (**s == '+' || **s == '-')
        sign = *(*s)++ == '-' ? -1 : 1;
    if (!p_num(s, 0, 167, &h))
        return false;
    if (**s == ':') {
        (*s)++;
        if (!p_num(s, 0, 59, &m))
            return false;
        if (**s == ':') {
            (*s)++;
            if (!p_num(s, 0, 59, &sec))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
}

static bool p_date(const char **s, struct rule_date *d)
{
    d->time = 7200;
    if (**s == 'M') {
        (*s)++;
        d->kind = 'M';
        if (!p_num(s, 1, 12, &d->a) || *(*s)++ != '.' || !p_num(s, 1, 5, &d->b) || *(*s)++ != '.' ||
            !p_num(s, 0, 6, &d->c))
            return false;
    } else if (**s == 'J') {
        (*s)++;
        d->kind = 'J';
        if (!p_num(s, 1, 365, &d->a))
            return false;
    } else {
        d->kind = 'D';
        if (!p_num(s, 0, 365, &d->a))
            return false;
    }
    if (**s == '/') {
        (*s)++;
        if (!p_time(s, &d->time))
            return false;
    }
    return true;
}

static bool posix_parse(const char *s, struct posix_tz *p)
{
    memset(p, 0, sizeof(*p));
    if (!p_abbr(&s, p->std) || !p_time(&s, &p->std_off))
        return false;
    p->std_off = -p->std_off; /* POSIX offsets are west of Greenwich */
    if (!*s)
        return true;
    if (!p_abbr(&s, p->dst))
        return false;
    p->has_dst = true;
    p->dst_off = p->std_off + 3600;
    if (*s && *s != ',') {
        if (!p_time(&s, &p->dst_off))
            return false;
        p->dst_off = -p->dst_off;
    }
    if (*s++ != ',' || !p_date(&s, &p->start) || *s++ != ',' || !p_date(&s, &p->end))
        return false;
    return *s == '\0';
}

/* The day (days since 1970) a rule date falls on in year y. */
static int64_t rule_day(const struct rule_date *d, int y)
{
    int64_t jan1 = time_days_from_civil(y, 1, 1);
    if (d->kind == 'J')
        return jan1 + d->a - 1 + (leap(y) && d->a >= 60);
    if (d->kind == 'D')
        return jan1 + d->a;
    int64_t first = time_days_from_civil(y, (unsigned)d->a, 1);
    int wd1 = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int day = 1 + (d->c - wd1 + 7) % 7 + (d->b - 1) * 7;
    while (day > month_days(y, d->a))
        day -= 7;
    return first + day - 1;
}

static void add_transition(struct tz *z, size_t *cap, int64_t at, int type)
{
    if (z->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        z->at = xrealloc(z->at, *cap * sizeof(*z->at));
        z->idx = xrealloc(z->idx, *cap);
    }
    z->at[z->n] = at;
    z->idx[z->n++] = (unsigned char)type;
}

/* Appends the transitions of a footer rule after the last one of the file, up to 2100. */
static int expand_rule(struct tz *z, const struct posix_tz *p)
{
    int st = type_find_add(z, p->std_off, false, p->std);
    int dt = type_find_add(z, p->dst_off, true, p->dst);
    if (st < 0 || dt < 0)
        return -1;
    size_t cap = z->n;
    int64_t last = z->n ? z->at[z->n - 1] : INT64_MIN;
    int y0 = 1970;
    if (z->n) {
        int m, d;
        civil_from_days(floor_div(last, 86400), &y0, &m, &d);
        if (y0 < 1970)
            y0 = 1970;
    }
    for (int y = y0; y <= TZ_RULE_LAST_YEAR; y++) {
        /* The start is given in standard time, the end in daylight time. */
        int64_t on = rule_day(&p->start, y) * 86400 + p->start.time - p->std_off;
        int64_t off = rule_day(&p->end, y) * 86400 + p->end.time - p->dst_off;
        int64_t a = on < off ? on : off, b = on < off ? off : on;
        int ta = on < off ? dt : st, tb = on < off ? st : dt;
        if (a > last) {
            add_transition(z, &cap, a, ta);
            last = a;
        }
        if (b > last) {
            add_transition(z, &cap, b, tb);
            last = b;
        }
    }
    return 0;
}

void tz_free(struct tz *z)
{
    if (!z)
        return;
    free(z->name);
    free(z->at);
    free(z->idx);
    free(z->type);
    free(z);
}

struct tz *tz_parse(const char *name, const unsigned char *data, size_t len)
{
    struct counts c;
    size_t size;
    if (header(data, len, 4, &c, &size) < 0)
        return NULL;
    const unsigned char *p = data + 44;
    size_t ts = 4, avail = len - 44;
    if (data[4] >= '2') { /* skip the 32-bit block: the 64-bit header and block follow */
        p += size;
        avail -= size;
        if (header(p, avail, 8, &c, &size) < 0)
            return NULL;
        p += 44;
        avail -= 44;
        ts = 8;
    } else if (data[4] != '\0') {
        return NULL;
    }
    if (c.leap) /* "right/" zones count leap seconds; unix times do not */
        return NULL;
    struct tz *z = xcalloc(1, sizeof(*z));
    z->name = xstrdup(name);
    const unsigned char *times = p, *idx = p + (size_t)c.time * ts;
    const unsigned char *types = idx + c.time, *chars = types + (size_t)c.type * 6;
    for (uint32_t i = 0; i < c.type; i++) {
        const unsigned char *t = types + (size_t)i * 6;
        if (t[5] >= c.chr)
            goto bad;
        char abbr[TZ_ABBR_MAX];
        size_t k = 0;
        while (t[5] + k < c.chr && chars[t[5] + k] && k + 1 < sizeof(abbr)) {
            abbr[k] = (char)chars[t[5] + k];
            k++;
        }
        abbr[k] = '\0';
        z->type = xrealloc(z->type, (z->ntype + 1) * sizeof(*z->type));
        struct tz_type *tt = &z->type[z->ntype++];
        tt->utoff = (int32_t)be32(t);
        tt->isdst = t[4] != 0;
        memcpy(tt->abbr, abbr, k + 1);
        if (tt->utoff <= -25 * 3600 || tt->utoff >= 26 * 3600)
            goto bad;
    }
    size_t cap = 0;
    for (uint32_t i = 0; i < c.time; i++) {
        int64_t at = ts == 8 ? be64(times + (size_t)i * 8) : (int32_t)be32(times + (size_t)i * 4);
        if (idx[i] >= c.type || (z->n && at <= z->at[z->n - 1]))
            goto bad;
        add_transition(z, &cap, at, idx[i]);
    }
    if (ts == 8) { /* the footer: "\n<POSIX TZ>\n" */
        const unsigned char *f = p + size, *end = data + len;
        if (f < end && *f == '\n') {
            const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
            if (!nl)
                goto bad;
            char tzs[128];
            size_t n = (size_t)(nl - f - 1);
            if (n >= sizeof(tzs))
                goto bad;
            memcpy(tzs, f + 1, n);
            tzs[n] = '\0';
            struct posix_tz pt;
            if (n && (!posix_parse(tzs, &pt) || (pt.has_dst && expand_rule(z, &pt) < 0)))
                goto bad;
        }
    }
    return z;
bad:
    tz_free(z);
    return NULL;
}

/* ---- lookups ---- */

const char *tz_name(const struct tz *z)
{
    return z->name;
}

/* The type in effect at t: the last transition at or before t, else type 0. */
static const struct tz_type *type_at(const struct tz *z, int64_t t, size_t *pos)
{
    size_t lo = 0, hi = z->n; /* first transition > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos)
        *pos = lo;
    return lo ? &z->type[z->idx[lo - 1]] : &z->type[0];
}

int32_t tz_offset(const struct tz *z, int64_t t, const char **abbr, bool *isdst)
{
    const struct tz_type *ty = type_at(z, t, NULL);
    if (abbr)
        *abbr = ty->abbr;
    if (isdst)
        *isdst = ty->isdst;
    return ty->utoff;
}

static void fields(int64_t local, struct tz_local *out)
{
    int64_t days = floor_div(local, 86400), sec = local - days * 86400;
    civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(sec / 3600);
    out->minute = (int)(sec / 60 % 60);
    out->second = (int)(sec % 60);
    out->wday = (int)((days % 7 + 11) % 7);
}

void tz_local(const struct tz *z, int64_t t, struct tz_local *out)
{
    out->utoff = tz_offset(z, t, NULL, NULL);
    fields(t + out->utoff, out);
}

char *tz_format_local(const struct tz *z, int64_t t, char *buf)
{
    struct tz_local l;
    tz_local(z, t, &l);
    snprintf(buf, TZ_LOCAL_BUF, "%04d-%02d-%02d %02d:%02d", l.year, l.month, l.day, l.hour,
             l.minute);
    return buf;
}

char *tz_format_text(const struct tz *z, int64_t t, bool zh, char *buf)
{
    static const char *const zh_wd[] = {"日", "一", "二", "三", "四", "五", "六"};
    static const char *const en_wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const en_mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tz_local l;
    tz_local(z, t, &l);
    int32_t off = l.utoff < 0 ? -l.utoff : l.utoff;
    char sign = l.utoff < 0 ? '-' : '+';
    int oh = (int)(off / 3600), om = (int)(off / 60 % 60);
    if (zh)
        snprintf(buf, TZ_LOCAL_BUF, "%d年%d月%d日 周%s %02d:%02d (UTC%c%02d:%02d)", l.year, l.month,
                 l.day, zh_wd[l.wday], l.hour, l.minute, sign, oh, om);
    else
        snprintf(buf, TZ_LOCAL_BUF, "%s %d %s %d %02d:%02d (UTC%c%02d:%02d)", en_wd[l.wday], l.day,
                 en_mon[l.month - 1], l.year, l.hour, l.minute, sign, oh, om);
    return buf;
}

static char *ics_local(int64_t local, char *buf)
{
    struct tz_local l;
    fields(local, &l);
    snprintf(buf, ICS_TIME_BUF, "%04d%02d%02dT%02d%02d%02d", l.year, l.month, l.day, l.hour,
             l.minute, l.second);
    return buf;
}

char *tz_format_ics(const struct tz *z, int64_t t, char *buf)
{
    return ics_local(t + tz_offset(z, t, NULL, NULL), buf);
}

/* ---- VTIMEZONE ---- */

static void utc_offset(int32_t off, char *buf, size_t n)
{
    char sign = off < 0 ? '-' : '+';
    int32_t a = off < 0 ? -off : off;
    if (a % 60)
        snprintf(buf, n, "%c%02d%02d%02d", sign, (int)(a / 3600), (int)(a / 60 % 60),
                 (int)(a % 60));
    else
        snprintf(buf, n, "%c%02d%02d", sign, (int)(a / 3600), (int)(a / 60 % 60));
}

static void observance(struct buf *b, const struct tz_type *ty, int32_t from, int64_t local_start)
{
    char t[ICS_TIME_BUF], o[16];
    const char *kind = ty->isdst ? "DAYLIGHT" : "STANDARD";
    ics_prop(b, "BEGIN", kind, false);
    ics_prop(b, "DTSTART", ics_local(local_start, t), false);
    utc_offset(from, o, sizeof(o));
    ics_prop(b, "TZOFFSETFROM", o, false);
    utc_offset(ty->utoff, o, sizeof(o));
    ics_prop(b, "TZOFFSETTO", o, false);
    if (ty->abbr[0])
        ics_prop(b, "TZNAME", ty->abbr, true);
    ics_prop(b, "END", kind, false);
}

void tz_vtimezone(struct buf *b, const struct tz *z, int64_t from, int64_t to)
{
    size_t pos;
    const struct tz_type *cur = type_at(z, from, &pos);
    ics_prop(b, "BEGIN", "VTIMEZONE", false);
    ics_prop(b, "TZID", z->name, false);
    observance(b, cur, cur->utoff, 0); /* from 19700101T000000: before anything we show */
    for (size_t i = pos; i < z->n && z->at[i] <= to; i++) {
        const struct tz_type *next = &z->type[z->idx[i]];
        if (next->utoff != cur->utoff || next->isdst != cur->isdst ||
            strcmp(next->abbr, cur->abbr) != 0)
            observance(b, next, cur->utoff, z->at[i] + cur->utoff);
        cur = next;
    }
    ics_prop(b, "END", "VTIMEZONE", false);
}

/* ---- the cache ---- */

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache;

static struct tz *load_file(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    struct tz *z = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= TZ_FILE_MAX) {
        size_t len = (size_t)st.st_size, got = 0;
        unsigned char *data = xmalloc(len);
        while (got < len) {
            ssize_t k = read(fd, data + got, len - got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (got == len)
            z = tz_parse(name, data, len);
        free(data);
    }
    close(fd);
    return z;
}

const struct tz *tz_get(const char *name)
{
    if (!tz_name_ok(name))
        return NULL;
    pthread_mutex_lock(&cache_mu);
    struct tz *z;
    for (z = cache; z; z = z->next)
        if (strcmp(z->name, name) == 0)
            break;
    pthread_mutex_unlock(&cache_mu);
    if (z)
        return z;
    z = load_file(name); /* outside the lock: file I/O */
    if (!z)
        return NULL;
    pthread_mutex_lock(&cache_mu);
    struct tz *had;
    for (had = cache; had; had = had->next)
        if (strcmp(had->name, name) == 0)
            break;
    if (had) { /* another thread loaded it meanwhile */
        tz_free(z);
        z = had;
    } else {
        z->next = cache;
        cache = z;
    }
    pthread_mutex_unlock(&cache_mu);
    return z;
}
