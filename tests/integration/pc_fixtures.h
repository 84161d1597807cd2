#ifndef SUMMITD_TESTS_PC_FIXTURES_H
#define SUMMITD_TESTS_PC_FIXTURES_H

/* Fixtures shared by test_pitches.c and test_competitions.c: events, sessions and projects made
 * through the API, and a way to read stored state straight from MariaDB (the mariadb CLI against
 * summitd_test). */

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/it.h"

#define FX_MYSQL "mariadb --no-defaults -h127.0.0.1 -P3407 -usummitd -psummitd summitd_test -N -B"

/* 2031-05-20T09:00:00Z: far enough ahead that nothing is in the past. */
static inline int64_t fx_t0(void)
{
    struct tm tm = {.tm_year = 2031 - 1900, .tm_mon = 4, .tm_mday = 20, .tm_hour = 9};
    return (int64_t)timegm(&tm);
}

#define MINS(m) ((int64_t)(m)*60)

/* RFC 3339 and SQL text of a unix time; buf has 32 bytes. */
static inline char *fx_rfc(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static inline char *fx_sqlt(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

/* Runs SQL (through a file, so any quoting works) and returns the first line of output
 * (malloc'd, "" when none). */
static inline char *fx_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *fx_sql(const char *fmt, ...)
{
    char *q = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&q, fmt, ap), 0);
    va_end(ap);
    char path[] = "/tmp/summitd-fx-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, q, strlen(q)), (ssize_t)strlen(q));
    close(fd);
    free(q);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), FX_MYSQL " < %s", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *line = calloc(1, 4096);
    if (!fgets(line, 4096, p))
        line[0] = '\0';
    char drain[512];
    while (fgets(drain, sizeof(drain), p))
        ;
    int st = pclose(p);
    unlink(path);
    cr_assert_eq(st, 0, "mariadb failed");
    line[strcspn(line, "\n")] = '\0';
    return line;
}

static inline int64_t fx_sql_i64(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int64_t fx_sql_i64(const char *fmt, ...)
{
    char *q = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&q, fmt, ap), 0);
    va_end(ap);
    char *out = fx_sql("%s", q);
    int64_t v = strtoll(out, NULL, 10);
    free(out);
    free(q);
    return v;
}

/* it_http with a body built by printf; asserts `want` and returns the response's "id". */
static inline int64_t fx_create(const struct it_server *srv, const char *token, const char *path,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline int64_t fx_create(const struct it_server *srv, const char *token, const char *path,
                                const char *fmt, ...)
{
    char *body = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&body, fmt, ap), 0);
    va_end(ap);
    struct it_resp *r = it_http(srv, "POST", path, token, body, NULL);
    cr_assert_eq(r->status, 201, "POST %s %s: %d %s", path, body, r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    cr_assert_gt(id, 0);
    it_resp_free(r);
    free(body);
    return id;
}

static inline void fx_publish(const struct it_server *srv, const char *token, int64_t event_id)
{
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)event_id);
    struct it_resp *r = it_http(srv, "POST", path, token, NULL, NULL);
    cr_assert_eq(r->status, 200, "publish: %d %s", r->status, r->body);
    it_resp_free(r);
}

/* An event of the organizer `token` from T0 - 1h to T0 + 1 day, draft or published. */
static inline int64_t fx_event(const struct it_server *srv, const char *token, bool published)
{
    char a[32], b[32];
    int64_t id = fx_create(srv, token, "/api/v1/events",
                           "{\"title\":\"2031 人工智能项目路演\",\"kind\":\"roadshow\","
                           "\"city\":\"成都\",\"venue\":\"天府国际会议中心\","
                           "\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
                           fx_rfc(fx_t0() - 3600, a), fx_rfc(fx_t0() + 86400, b));
    if (published)
        fx_publish(srv, token, id);
    return id;
}

static inline int64_t fx_session(const struct it_server *srv, const char *token, int64_t event_id,
                                 const char *kind, const char *room, int64_t start, int64_t end)
{
    char a[32], b[32], path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)event_id);
    return fx_create(srv, token, path,
                     "{\"title\":\"%s 场次\",\"kind\":\"%s\",\"room\":\"%s\","
                     "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"capacity\":100}",
                     kind, kind, room, fx_rfc(start, a), fx_rfc(end, b));
}

/* An organization created by `owner` (who becomes a member), and a project of it. Returns the
 * project id; *org_id receives the organization. */
static inline int64_t fx_project(const struct it_server *srv, const char *owner, const char *title,
                                 int64_t *org_id)
{
    int64_t org = fx_create(srv, owner, "/api/v1/organizations",
                            "{\"name\":\"%s 科技有限公司\",\"tier\":\"innovative\","
                            "\"sector\":\"人工智能\"}",
                            title);
    if (org_id)
        *org_id = org;
    return fx_create(srv, owner, "/api/v1/projects",
                     "{\"organization_id\":%lld,\"side\":\"supply\",\"title\":\"%s\","
                     "\"sector\":\"人工智能\",\"stage\":\"prototype\",\"tags\":[\"AI\"]}",
                     (long long)org, title);
}

/* it_http with a printf path. */
static inline struct it_resp *fx_http(const struct it_server *srv, const char *method,
                                      const char *token, const char *body, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static inline struct it_resp *fx_http(const struct it_server *srv, const char *method,
                                      const char *token, const char *body, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return it_http(srv, method, path, token, body, NULL);
}

/* Asserts status (and error.field when `field` is not NULL), then frees. */
static inline void fx_expect(struct it_resp *r, int status, const char *field, const char *what)
{
    cr_assert_eq(r->status, status, "%s: got %d %s", what, r->status, r->body);
    if (status >= 400) {
        cr_assert_not_null(it_jstr(r, "error.code"), "%s: envelope", what);
        if (field) {
            const char *f = it_jstr(r, "error.field");
            cr_assert(f && strcmp(f, field) == 0, "%s: field %s, got %s", what, field,
                      f ? f : "(none)");
        }
    }
    it_resp_free(r);
}

#endif
