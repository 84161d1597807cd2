#ifndef SUMMITD_TESTS_EV_FIXTURES_H
#define SUMMITD_TESTS_EV_FIXTURES_H

/* Fixtures shared by test_events.c and test_registrations.c: events and sessions made through
 * the API, registrations, and reading stored state straight from MariaDB (the mariadb CLI
 * against summitd_test), so tests check what was committed, not only what was answered. */

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

#define DAY (86400LL)

/* RFC 3339 text of now + off seconds (buf: 32 bytes). */
static inline char *ev_time(int64_t off, char *buf)
{
    time_t t = time(NULL) + (time_t)off;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* Creates an event from now + starts to now + ends (seconds) and publishes it when asked. */
static inline int64_t ev_event_at(const struct it_server *s, const char *org, const char *title,
                                  bool publish, int64_t starts, int64_t ends)
{
    char a[32], b[32], body[1024];
    snprintf(
        body, sizeof(body),
        "{\"title\":\"%s\",\"kind\":\"summit\",\"city\":\"成都\",\"venue\":\"天府国际会议中心\","
        "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"description\":\"test\"}",
        title, ev_time(starts, a), ev_time(ends, b));
    struct it_resp *r = it_http(s, "POST", "/api/v1/events", org, body, NULL);
    cr_assert_eq(r->status, 201, "create event: %d %s", r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    if (publish) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)id);
        r = it_http(s, "POST", path, org, NULL, NULL);
        cr_assert_eq(r->status, 200, "publish: %d %s", r->status, r->body);
        it_resp_free(r);
    }
    return id;
}

/* Creates an event (starts in 30 days, lasts 2 days) and publishes it when asked. */
static inline int64_t ev_event(const struct it_server *s, const char *org, const char *title,
                               bool publish)
{
    return ev_event_at(s, org, title, publish, 30 * DAY, 32 * DAY);
}

/* Adds a session from now + starts to now + ends (seconds) with extra JSON members (may be ""). */
static inline int64_t ev_session_at(const struct it_server *s, const char *org, int64_t event_id,
                                    int capacity, bool waitlist, int64_t starts, int64_t ends,
                                    const char *extra)
{
    char a[32], b[32], body[1024], path[64];
    snprintf(
        body, sizeof(body),
        "{\"title\":\"AI 论坛 session\",\"kind\":\"forum\",\"room\":\"A1\",\"starts_at\":\"%s\","
        "\"ends_at\":\"%s\",\"capacity\":%d,\"waitlist\":%s%s%s}",
        ev_time(starts, a), ev_time(ends, b), capacity, waitlist ? "true" : "false",
        extra && *extra ? "," : "", extra ? extra : "");
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)event_id);
    struct it_resp *r = it_http(s, "POST", path, org, body, NULL);
    cr_assert_eq(r->status, 201, "create session: %d %s", r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

/* Adds a session (day 1 of the event, 09:00–12:00 relative) with extra JSON members (may be ""). */
static inline int64_t ev_session(const struct it_server *s, const char *org, int64_t event_id,
                                 int capacity, bool waitlist, const char *extra)
{
    return ev_session_at(s, org, event_id, capacity, waitlist, 30 * DAY + 3600,
                         30 * DAY + 4 * 3600, extra);
}

static inline struct it_resp *ev_register(const struct it_server *s, const char *tok, int64_t sid,
                                          const char *headers)
{
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)sid);
    return it_http(s, "POST", path, tok, NULL, headers);
}

static inline struct it_resp *ev_get(const struct it_server *s, const char *tok, const char *fmt,
                                     ...) __attribute__((format(printf, 3, 4)));
static inline struct it_resp *ev_get(const struct it_server *s, const char *tok, const char *fmt,
                                     ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return it_http(s, "GET", path, tok, NULL, NULL);
}

/* Many users at once (signed up in parallel). tokens[i] and ids[i] are filled; caller frees. */
struct ev_users {
    const struct it_server *s;
    char **tokens;
    int64_t *ids;
};

static inline void ev_user_one(int i, void *arg)
{
    struct ev_users *u = arg;
    u->tokens[i] = it_user(u->s, "attendee", &u->ids[i]);
}

static inline void ev_users_make(struct ev_users *u, const struct it_server *s, int n)
{
    u->s = s;
    u->tokens = calloc((size_t)n, sizeof(char *));
    u->ids = calloc((size_t)n, sizeof(int64_t));
    for (int done = 0; done < n; done += 50) {
        int k = n - done < 50 ? n - done : 50;
        struct ev_users part = {s, u->tokens + done, u->ids + done};
        it_parallel(k, ev_user_one, &part);
    }
    for (int i = 0; i < n; i++)
        cr_assert_not_null(u->tokens[i]);
}

static inline void ev_users_free(struct ev_users *u, int n)
{
    for (int i = 0; i < n; i++)
        free(u->tokens[i]);
    free(u->tokens);
    free(u->ids);
}

#endif
