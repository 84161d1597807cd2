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

/* 2031-05-20T09:00:00Z: far enough ahead that nothing is in the past. */
static inline int64_t fx_t0(void)
{
    struct tm tm = {.tm_year = 2031 - 1900, .tm_mon = 4, .tm_mday = 20, .tm_hour = 9};
    return (int64_t)timegm(&tm);
}

#define MINS(m) ((int64_t)(m)*60)

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
                           it_rfc3339(fx_t0() - 3600, a), it_rfc3339(fx_t0() + 86400, b));
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
                     kind, kind, room, it_rfc3339(start, a), it_rfc3339(end, b));
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

#endif
