#ifndef SUMMITD_TESTS_MT_FIXTURES_H
#define SUMMITD_TESTS_MT_FIXTURES_H

/* Fixtures of test_meetings.c and test_agenda.c: events, sessions, organizations and exhibitors
 * through the API; projects and mutual matches in bulk through SQL (scores chosen by the test);
 * stored state read straight from MariaDB with the mariadb CLI. */

#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/it.h"

/* 2032-03-10T08:00:00Z. */
static inline int64_t mx_t0(void)
{
    struct tm tm = {.tm_year = 2032 - 1900, .tm_mon = 2, .tm_mday = 10, .tm_hour = 8};
    return (int64_t)timegm(&tm);
}

/* A request with a printf-formatted JSON body (NULL fmt: no body). */
static inline struct it_resp *mx_req(const struct it_server *srv, const char *method,
                                     const char *path, const char *tok, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static inline struct it_resp *mx_req(const struct it_server *srv, const char *method,
                                     const char *path, const char *tok, const char *fmt, ...)
{
    char *body = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        cr_assert_geq(vasprintf(&body, fmt, ap), 0);
        va_end(ap);
    }
    struct it_resp *r = it_http(srv, method, path, tok, body, NULL);
    free(body);
    return r;
}

/* An event (fair) of `hours` from t0, created by the organizer through the API; published. */
static inline int64_t mx_event(const struct it_server *srv, const char *org_tok, int64_t t0,
                               int hours, const char *title)
{
    char a[32], b[32];
    struct it_resp *r =
        mx_req(srv, "POST", "/api/v1/events", org_tok,
               "{\"title\":\"%s\",\"kind\":\"fair\",\"city\":\"成都\",\"venue\":\"世纪城\","
               "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"description\":\"\"}",
               title, it_rfc3339(t0, a), it_rfc3339(t0 + (int64_t)hours * 3600, b));
    cr_assert_eq(r->status, 201, "event: %s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)id);
    r = it_http(srv, "POST", path, org_tok, NULL, NULL);
    cr_assert(r->status == 200 || r->status == 204, "publish: %d %s", r->status, r->body);
    it_resp_free(r);
    return id;
}

static inline int64_t mx_org(const struct it_server *srv, const char *tok, const char *name)
{
    struct it_resp *r = mx_req(srv, "POST", "/api/v1/organizations", tok,
                               "{\"name\":\"%s\",\"tier\":\"seed\",\"sector\":\"智能制造\"}", name);
    cr_assert_eq(r->status, 201, "org: %s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

static inline void mx_exhibit(const struct it_server *srv, const char *org_tok, int64_t event,
                              int64_t org)
{
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)event);
    struct it_resp *r =
        mx_req(srv, "POST", path, org_tok, "{\"organization_id\":%lld}", (long long)org);
    cr_assert_eq(r->status, 201, "exhibitor: %s", r->body);
    it_resp_free(r);
}

/* Slots through the API; returns the response's total_slots. */
static inline int mx_slots(const struct it_server *srv, const char *org_tok, int64_t event,
                           int64_t starts_at, int minutes, int count, int tables)
{
    char path[64], a[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)event);
    struct it_resp *r = mx_req(srv, "POST", path, org_tok,
                               "{\"starts_at\":\"%s\",\"minutes\":%d,\"count\":%d,\"tables\":%d}",
                               it_rfc3339(starts_at, a), minutes, count, tables);
    cr_assert_eq(r->status, 201, "slots: %s", r->body);
    int n = (int)it_jnum(r, "total_slots");
    it_resp_free(r);
    return n;
}

/* SQL for a project of `org` (side supply|demand), leaving its id in @p. */
#define MX_PROJECT_SQL                                                                             \
    "INSERT INTO projects (org_id, side, title, description, sector, zone, tags, budget_min,"      \
    " budget_max, stage, status, created_by, created_at, updated_at) VALUES (%lld, '%s', '%s',"    \
    " '', '智能制造', '', '[]', 0, 0, 'pilot', 'open', 1, UTC_TIMESTAMP(), UTC_TIMESTAMP());"  \
    " SET @p = LAST_INSERT_ID();\n"

/* A mutual match between a new supply project of `s` and a new demand project of `d`; returns
 * the match id. */
static inline int64_t mx_match(int64_t s, int64_t d, double score, const char *title)
{
    return it_sql_i64(MX_PROJECT_SQL
                      "SET @s = @p;\n" MX_PROJECT_SQL
                      "INSERT INTO matches (supply_project_id, demand_project_id, score,"
                      " created_at) VALUES (@s, @p, %.6f, UTC_TIMESTAMP());"
                      " SELECT LAST_INSERT_ID();",
                      (long long)s, "supply", title, (long long)d, "demand", title, score);
}

/* Many matches at once: pairs[i] = {supply org, demand org}, scores[i]. One mariadb call. */
static inline void mx_matches(size_t n, const int64_t (*pairs)[2], const double *scores)
{
    size_t cap = n * 1400 + 16, len = 0;
    char *q = malloc(cap);
    q[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(
            q + len, cap - len,
            MX_PROJECT_SQL "SET @s = @p;\n" MX_PROJECT_SQL
                           "INSERT INTO matches (supply_project_id, demand_project_id,"
                           " score, created_at) VALUES (@s, @p, %.6f, UTC_TIMESTAMP());\n",
            (long long)pairs[i][0], "supply", "bulk 批量", (long long)pairs[i][1], "demand",
            "bulk 批量", scores ? scores[i] : 0.5);
        cr_assert_lt(len, cap);
    }
    free(it_sql("%s", q));
    free(q);
}

#endif
