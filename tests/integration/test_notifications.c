/* Notifications, the producer side and the feed (issue 13): every change a person must hear about
 * writes its feed row and outbox rows in its own transaction (notify/notify.c), read back through
 * GET /api/v1/me/notifications as each user, against a real summitd, MariaDB and Redis. Reminders
 * and digests (notify/jobs.c) with two instances running at once. */

#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/ev_fixtures.h"
#include "tests/integration/mt_fixtures.h"
#include "tests/integration/pc_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(notifications, 300);

/* How many items of `type` the user's feed holds (its first 100), and the first one's data. */
static int feed_count(const char *tok, const char *type, cJSON **data)
{
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/notifications?limit=100", tok, NULL, NULL);
    cr_assert_eq(r->status, 200, "feed: %d %s", r->status, r->body);
    cJSON *items = cJSON_GetObjectItemCaseSensitive(r->json, "items");
    cr_assert(cJSON_IsArray(items));
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
        if (!cJSON_IsString(t) || strcmp(t->valuestring, type) != 0)
            continue;
        if (n++ == 0 && data)
            *data = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(it, "data"), true);
    }
    it_resp_free(r);
    return n;
}

static int64_t outbox_email(int64_t user, const char *type)
{
    return it_sql_i64("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND user_id = %lld"
                      " AND type = '%s'",
                      (long long)user, type);
}

static int64_t feed_rows(int64_t user)
{
    return it_sql_i64("SELECT COUNT(*) FROM notifications WHERE user_id = %lld", (long long)user);
}

static int64_t outbox_rows(int64_t user)
{
    return it_sql_i64("SELECT COUNT(*) FROM outbox WHERE user_id = %lld", (long long)user);
}

static const char *jstr(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    const cJSON *y = x ? cJSON_GetObjectItemCaseSensitive(x, b) : NULL;
    return cJSON_IsString(y) ? y->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    const cJSON *y = x ? cJSON_GetObjectItemCaseSensitive(x, b) : NULL;
    return cJSON_IsNumber(y) ? y->valuedouble : -1;
}

static int64_t reg_id(struct it_resp *r, int status)
{
    cr_assert_eq(r->status, status, "register: %d %s", r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

Test(notifications, registration_confirmed_waitlisted_promoted_once_each)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id, b_id, c_id;
    char *a = it_user(srv, "attendee", &a_id), *b = it_user(srv, "attendee", &b_id);
    char *c = it_user(srv, "attendee", &c_id);
    int64_t ev = ev_event(srv, org, "通知峰会", true);
    int64_t sid = ev_session(srv, org, ev, 1, true, "");
    int64_t ra = reg_id(ev_register(srv, a, sid, NULL), 201);
    reg_id(ev_register(srv, b, sid, NULL), 201);

    cJSON *d = NULL;
    cr_assert_eq(feed_count(a, "registration.confirmed", &d), 1);
    cr_assert_eq(jnum(d, "registration", "id"), (double)ra);
    cr_assert_str_eq(jstr(d, "registration", "status"), "confirmed");
    cr_assert_str_eq(jstr(d, "session", "title"), "AI 论坛 session");
    cr_assert_str_eq(jstr(d, "session", "room"), "A1");
    cr_assert_str_eq(jstr(d, "event", "title"), "通知峰会");
    cr_assert_str_eq(jstr(d, "event", "time_zone"), "Asia/Shanghai");
    /* The times as the session's own page gives them (RFC 3339 UTC), no position yet. */
    char spath[64];
    snprintf(spath, sizeof(spath), "/api/v1/sessions/%lld", (long long)sid);
    struct it_resp *sr = it_http(srv, "GET", spath, NULL, NULL, NULL);
    cr_assert_eq(sr->status, 200, "%s", sr->body);
    cr_assert_str_eq(jstr(d, "session", "starts_at"), it_jstr(sr, "starts_at"));
    cr_assert_str_eq(jstr(d, "session", "ends_at"), it_jstr(sr, "ends_at"));
    it_resp_free(sr);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(d, "registration");
    cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(g, "waitlist_position")));
    cJSON_Delete(d);
    d = NULL;
    cr_assert_eq(feed_count(b, "registration.waitlisted", &d), 1);
    cr_assert_str_eq(jstr(d, "registration", "status"), "waitlisted");
    cr_assert_eq(jnum(d, "registration", "waitlist_position"), 1);
    cJSON_Delete(d);
    cr_assert_eq(feed_count(b, "registration.confirmed", NULL), 0);
    cr_assert_eq(feed_rows(c_id), 0, "a bystander hears nothing");
    cr_assert_eq(outbox_email(a_id, "registration.confirmed"), 1);
    cr_assert_eq(outbox_email(b_id, "registration.waitlisted"), 1);

    /* a cancels her own: b is promoted and told; a gets no registration.cancelled. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)ra);
    it_expect(it_http(srv, "DELETE", path, a, NULL, NULL), 200, NULL, "cancel own");
    cr_assert_eq(feed_count(b, "registration.promoted", NULL), 1);
    cr_assert_eq(outbox_email(b_id, "registration.promoted"), 1);
    cr_assert_eq(feed_count(a, "registration.cancelled", NULL), 0);
    cr_assert_eq(feed_count(a, "registration.promoted", NULL), 0);
    free(org);
    free(a);
    free(b);
    free(c);
}

/* notify_enabled=false (make bench's "without" run) registers as usual and writes no row. */
/* What a notice says is built in SQL for registrations: a title with quotes and a backslash
 * survives as the same string. */
Test(notifications, registration_notice_quotes_what_it_says)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id;
    char *a = it_user(srv, "attendee", &a_id);
    int64_t ev = ev_event(srv, org, "峰会 \\\"AI\\\" \\\\ 2027 终", true);
    int64_t sid = ev_session(srv, org, ev, 5, true, "");
    int64_t ra = reg_id(ev_register(srv, a, sid, NULL), 201);
    cJSON *d = NULL;
    cr_assert_eq(feed_count(a, "registration.confirmed", &d), 1);
    cr_assert_str_eq(jstr(d, "event", "title"), "峰会 \"AI\" \\ 2027 终");
    cr_assert_eq(jnum(d, "registration", "id"), (double)ra);
    cr_assert_str_eq(jstr(d, "session", "room"), "A1");
    cJSON_Delete(d);
    /* The e-mail's payload is the same notice, valid JSON with the event's title as stored. */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox o JOIN events e ON e.id = o.event_id"
                            " WHERE o.channel = 'email' AND o.user_id = %lld AND JSON_VALID(o.payload)"
                            " AND JSON_VALUE(o.payload, '$.data.event.title') = e.title"
                            " AND JSON_VALUE(o.payload, '$.type') = 'registration.confirmed'",
                            (long long)a_id),
                 1);
    free(org);
    free(a);
}

Test(notifications, notify_enabled_false_writes_nothing)
{
    static const char *const sets[] = {"notify_enabled=false", NULL};
    struct it_server *quiet = it_start(sets);
    char *org = it_organizer(srv, NULL);
    int64_t a_id;
    char *a = it_user(srv, "attendee", &a_id);
    int64_t ev = ev_event(srv, org, "静默", true);
    int64_t sid = ev_session(srv, org, ev, 5, true, "");
    struct it_resp *r = ev_register(quiet, a, sid, NULL);
    int st = r->status;
    it_resp_free(r);
    cr_assert_eq(it_stop(quiet), 0);
    cr_assert_eq(st, 201);
    cr_assert_eq(feed_rows(a_id), 0);
    cr_assert_eq(outbox_email(a_id, "registration.confirmed"), 0);
    free(org);
    free(a);
}

Test(notifications, organizer_cancelling_tells_the_holder)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id;
    char *a = it_user(srv, "attendee", &a_id);
    int64_t ev = ev_event(srv, org, "取消报名", true);
    int64_t sid = ev_session(srv, org, ev, 10, false, "");
    int64_t ra = reg_id(ev_register(srv, a, sid, NULL), 201);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)ra);
    it_expect(it_http(srv, "DELETE", path, org, NULL, NULL), 200, NULL, "organizer cancels");
    cJSON *d = NULL;
    cr_assert_eq(feed_count(a, "registration.cancelled", &d), 1);
    cr_assert_eq(jnum(d, "registration", "id"), (double)ra);
    cJSON_Delete(d);
    free(org);
    free(a);
}

Test(notifications, a_refused_change_leaves_no_row)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id, b_id;
    char *a = it_user(srv, "attendee", &a_id), *b = it_user(srv, "attendee", &b_id);
    char *c = it_user(srv, "attendee", NULL);
    int64_t ev = ev_event(srv, org, "满员", true);
    int64_t sid = ev_session(srv, org, ev, 2, false, "");
    reg_id(ev_register(srv, a, sid, NULL), 201);
    reg_id(ev_register(srv, c, sid, NULL), 201);
    struct it_resp *r = ev_register(srv, b, sid, NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(feed_rows(b_id), 0, "a refused registration writes no feed row");
    cr_assert_eq(outbox_rows(b_id), 0, "nor an outbox row");
    /* A capacity under the confirmed count with a new room: refused, no session.changed. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld", (long long)sid);
    it_expect(it_http(srv, "PATCH", path, org, "{\"room\":\"B2\",\"capacity\":1}", NULL), 409,
              "capacity", "capacity below confirmed");
    cr_assert_eq(feed_count(a, "session.changed", NULL), 0);
    cr_assert_eq(outbox_email(a_id, "session.changed"), 0);
    /* The same move alone goes through and is told once. */
    it_expect(it_http(srv, "PATCH", path, org, "{\"room\":\"B2\"}", NULL), 200, NULL, "move");
    cJSON *d = NULL;
    cr_assert_eq(feed_count(a, "session.changed", &d), 1);
    cr_assert_str_eq(jstr(d, "session", "room"), "B2");
    cr_assert_str_eq(jstr(d, "previous", "room"), "A1");
    cJSON_Delete(d);
    cr_assert_eq(feed_count(b, "session.changed", NULL), 0, "not registered: not told");
    /* A title change is no move: nothing more. */
    it_expect(it_http(srv, "PATCH", path, org, "{\"title\":\"新标题\"}", NULL), 200, NULL, "title");
    cr_assert_eq(feed_count(a, "session.changed", NULL), 1);
    free(org);
    free(a);
    free(b);
    free(c);
}

Test(notifications, event_cancelled_once_per_holder)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id, b_id;
    char *a = it_user(srv, "attendee", &a_id), *b = it_user(srv, "attendee", &b_id);
    int64_t ev = ev_event(srv, org, "取消活动", true);
    int64_t s1 = ev_session(srv, org, ev, 10, false, "");
    int64_t s2 = ev_session_at(srv, org, ev, 10, false, 31 * DAY, 31 * DAY + 3600, "");
    reg_id(ev_register(srv, a, s1, NULL), 201);
    reg_id(ev_register(srv, a, s2, NULL), 201);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/cancel", (long long)ev);
    it_expect(it_http(srv, "POST", path, org, NULL, NULL), 200, NULL, "cancel event");
    cJSON *d = NULL;
    cr_assert_eq(feed_count(a, "event.cancelled", &d), 1, "two registrations, one notice");
    cr_assert_str_eq(jstr(d, "event", "status"), "cancelled");
    cJSON_Delete(d);
    cr_assert_eq(feed_count(b, "event.cancelled", NULL), 0);
    free(org);
    free(a);
    free(b);
}

Test(notifications, preferences_are_honoured)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id;
    char *a = it_user(srv, "attendee", &a_id);
    const char *prefs = "/api/v1/me/notification-preferences";
    struct it_resp *r = it_http(srv, "GET", prefs, a, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "items.0.kind"), "registration.confirmed");
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "transactional")));
    it_resp_free(r);
    /* Transactional: both channels off is refused, and nothing changes. */
    it_expect(it_http(srv, "PATCH", prefs, a,
                      "{\"changes\":[{\"kind\":\"registration.confirmed\",\"channel\":\"inapp\","
                      "\"enabled\":false},{\"kind\":\"registration.confirmed\",\"channel\":"
                      "\"email\",\"enabled\":false}]}",
                      NULL),
              409, "enabled", "silence a transactional kind");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM notification_prefs WHERE user_id = %lld",
                            (long long)a_id),
                 0);
    /* Moved to e-mail only: no feed row, one e-mail. */
    it_expect(it_http(srv, "PATCH", prefs, a,
                      "{\"kind\":\"registration.confirmed\",\"channel\":\"inapp\","
                      "\"enabled\":false}",
                      NULL),
              200, NULL, "in-app off");
    int64_t ev = ev_event(srv, org, "偏好", true);
    int64_t s1 = ev_session(srv, org, ev, 10, false, "");
    reg_id(ev_register(srv, a, s1, NULL), 201);
    cr_assert_eq(feed_count(a, "registration.confirmed", NULL), 0);
    cr_assert_eq(outbox_email(a_id, "registration.confirmed"), 1);
    /* Back in-app, e-mail off: a feed row, no e-mail. */
    it_expect(it_http(srv, "PATCH", prefs, a,
                      "{\"changes\":[{\"kind\":\"registration.confirmed\",\"channel\":\"inapp\","
                      "\"enabled\":true},{\"kind\":\"registration.confirmed\",\"channel\":"
                      "\"email\",\"enabled\":false}]}",
                      NULL),
              200, NULL, "e-mail off");
    int64_t s2 = ev_session_at(srv, org, ev, 10, false, 31 * DAY, 31 * DAY + 3600, "");
    reg_id(ev_register(srv, a, s2, NULL), 201);
    cr_assert_eq(feed_count(a, "registration.confirmed", NULL), 1);
    cr_assert_eq(outbox_email(a_id, "registration.confirmed"), 1, "no second e-mail");
    /* Not transactional: may be silenced entirely. */
    it_expect(it_http(srv, "PATCH", prefs, a,
                      "{\"changes\":[{\"kind\":\"match.mutual\",\"channel\":\"inapp\","
                      "\"enabled\":false},{\"kind\":\"match.mutual\",\"channel\":\"email\","
                      "\"enabled\":false}]}",
                      NULL),
              200, NULL, "silence match.mutual");
    /* Bad input names the field. */
    it_expect(it_http(srv, "PATCH", prefs, a,
                      "{\"kind\":\"nope\",\"channel\":\"email\",\"enabled\":false}", NULL),
              400, "kind", "unknown kind");
    it_expect(it_http(srv, "PATCH", prefs, a,
                      "{\"kind\":\"reminder\",\"channel\":\"sms\",\"enabled\":false}", NULL),
              400, "channel", "unknown channel");
    it_expect(it_http(srv, "PATCH", prefs, a, "{\"changes\":[]}", NULL), 400, "changes",
              "empty changes");
    /* Both off stored behind the API's back (an older row): the in-app row is written anyway. */
    it_sql("INSERT INTO notification_prefs (user_id, kind, channel, enabled) VALUES"
           " (%lld, 'registration.confirmed', 'inapp', 0)"
           " ON DUPLICATE KEY UPDATE enabled = 0",
           (long long)a_id);
    int64_t s3 = ev_session_at(srv, org, ev, 10, false, 31 * DAY + 7200, 31 * DAY + 9000, "");
    reg_id(ev_register(srv, a, s3, NULL), 201);
    cr_assert_eq(feed_count(a, "registration.confirmed", NULL), 2, "transactional: not silenced");
    free(org);
    free(a);
}

static int64_t unread_of(const char *tok)
{
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/notifications", tok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    int64_t n = (int64_t)it_jnum(r, "unread");
    it_resp_free(r);
    return n;
}

static int64_t mark_read(const char *tok, const char *body)
{
    struct it_resp *r = it_http(srv, "POST", "/api/v1/me/notifications/read", tok, body, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    int64_t n = (int64_t)it_jnum(r, "unread");
    it_resp_free(r);
    return n;
}

Test(notifications, read_mark_unread_and_paging)
{
    char *org = it_organizer(srv, NULL);
    int64_t a_id;
    char *a = it_user(srv, "attendee", &a_id);
    int64_t ev = ev_event(srv, org, "分页", true);
    for (int i = 0; i < 3; i++) {
        int64_t s = ev_session_at(srv, org, ev, 10, false, 30 * DAY + i * 7200,
                                  30 * DAY + i * 7200 + 3600, "");
        reg_id(ev_register(srv, a, s, NULL), 201);
    }
    cr_assert_eq(unread_of(a), 3);
    struct it_resp *r =
        it_http(srv, "GET", "/api/v1/me/notifications?limit=2", a, NULL, NULL);
    cr_assert_eq(r->status, 200);
    int64_t newest = (int64_t)it_jnum(r, "items.0.id"), mid = (int64_t)it_jnum(r, "items.1.id");
    cr_assert_gt(newest, mid, "newest first");
    cr_assert(cJSON_IsFalse(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "read")));
    const char *cur = it_jstr(r, "next_cursor");
    cr_assert_not_null(cur);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/me/notifications?limit=2&cursor=%s", cur);
    it_resp_free(r);
    r = it_http(srv, "GET", path, a, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    int64_t oldest = (int64_t)it_jnum(r, "items.0.id");
    cr_assert_lt(oldest, mid);
    cr_assert_null(it_jstr(r, "next_cursor"));
    it_resp_free(r);
    it_expect(it_http(srv, "GET", "/api/v1/me/notifications?cursor=xyz", a, NULL, NULL), 400,
              "cursor", "bad cursor");

    char body[64];
    snprintf(body, sizeof(body), "{\"up_to\":%lld}", (long long)mid);
    cr_assert_eq(mark_read(a, body), 1, "up to the middle one");
    snprintf(body, sizeof(body), "{\"up_to\":%lld}", (long long)oldest);
    cr_assert_eq(mark_read(a, body), 1, "never backwards");
    r = it_http(srv, "GET", "/api/v1/me/notifications", a, NULL, NULL);
    cJSON *items = cJSON_GetObjectItem(r->json, "items");
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "read")));
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 1), "read")));
    it_resp_free(r);
    it_expect(it_http(srv, "POST", "/api/v1/me/notifications/read", a, "{\"up_to\":-1}", NULL),
              400, "up_to", "negative");
    cr_assert_eq(mark_read(a, NULL), 0, "all");
    /* The mark stops at the newest row: a later notice arrives unread. */
    int64_t s = ev_session_at(srv, org, ev, 10, false, 31 * DAY, 31 * DAY + 3600, "");
    reg_id(ev_register(srv, a, s, NULL), 201);
    cr_assert_eq(unread_of(a), 1);
    /* A row that commits after the marking with an id below it (ids are taken at INSERT, and
     * interleave per Galera node) is unread: a per-user id mark would have hidden it. The late
     * row is a row taken before the next notice and given to the user after the marking. */
    free(it_sql("INSERT INTO notifications (user_id, type, data, created_at)"
                " VALUES (0, 'reminder', '{}', UTC_TIMESTAMP(3))"));
    int64_t late = it_sql_i64("SELECT MAX(id) FROM notifications WHERE user_id = 0");
    s = ev_session_at(srv, org, ev, 10, false, 31 * DAY + 7200, 31 * DAY + 9000, "");
    reg_id(ev_register(srv, a, s, NULL), 201);
    cr_assert_eq(mark_read(a, NULL), 0);
    cr_assert_gt(it_sql_i64("SELECT MAX(id) FROM notifications WHERE user_id = %lld",
                            (long long)a_id),
                 late);
    free(it_sql("UPDATE notifications SET user_id = %lld WHERE id = %lld", (long long)a_id,
                (long long)late));
    cr_assert_eq(unread_of(a), 1, "a late row below the newest read one is unread");
    free(org);
    free(a);
}

Test(notifications, invitation_and_mutual_match)
{
    int64_t ent_id, other_id, inv_id;
    char *ent = it_user(srv, "enterprise", &ent_id), *other = it_user(srv, "enterprise", &other_id);
    char *invitee = it_user(srv, "enterprise", &inv_id);
    char t1[64], t2[64];
    it_unique(t1, sizeof(t1), "供给");
    it_unique(t2, sizeof(t2), "需求");
    int64_t org_s, org_d;
    int64_t ps = fx_project(srv, ent, t1, &org_s);
    int64_t org_d_id = fx_create(srv, other, "/api/v1/organizations",
                                 "{\"name\":\"%s 公司\",\"tier\":\"seed\",\"sector\":\"人工智能\"}",
                                 t2);
    org_d = org_d_id;
    int64_t pd = fx_create(srv, other, "/api/v1/projects",
                           "{\"organization_id\":%lld,\"side\":\"demand\",\"title\":\"%s\","
                           "\"sector\":\"人工智能\",\"stage\":\"prototype\",\"tags\":[\"AI\"]}",
                           (long long)org_d, t2);
    /* The invitation reaches the invited user. */
    it_join(srv, ent, org_s, invitee, inv_id);
    cJSON *d = NULL;
    cr_assert_eq(feed_count(invitee, "organization.invitation", &d), 1);
    cr_assert_eq(jnum(d, "organization", "id"), (double)org_s);
    cJSON_Delete(d);
    cr_assert_eq(feed_count(other, "organization.invitation", NULL), 0);
    /* One side's interest is no match; both sides' is, told to both organizations' members. */
    char path[80], body[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)ps);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"interested\"}",
             (long long)pd);
    struct it_resp *r = it_http(srv, "POST", path, ent, body, NULL);
    cr_assert(r->status == 200 || r->status == 201, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(feed_count(ent, "match.mutual", NULL), 0);
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)pd);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"interested\"}",
             (long long)ps);
    r = it_http(srv, "POST", path, other, body, NULL);
    cr_assert(r->status == 200 || r->status == 201, "%s", r->body);
    it_resp_free(r);
    /* Said again: still one match, one notice. */
    r = it_http(srv, "POST", path, other, body, NULL);
    cr_assert(r->status == 200 || r->status == 201, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(feed_count(ent, "match.mutual", &d), 1);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(d, "projects")), 2);
    cJSON_Delete(d);
    cr_assert_eq(feed_count(other, "match.mutual", NULL), 1);
    cr_assert_eq(feed_count(invitee, "match.mutual", NULL), 1, "a member since the invitation");
    free(ent);
    free(other);
    free(invitee);
}

Test(notifications, pitch_placed_to_the_presenter)
{
    char *org = it_organizer(srv, NULL);
    int64_t ent_id, x_id;
    char *ent = it_user(srv, "enterprise", &ent_id), *x = it_user(srv, "attendee", &x_id);
    int64_t ev = fx_event(srv, org, true);
    int64_t sid = fx_session(srv, org, ev, "pitch", "路演厅N", fx_t0(), fx_t0() + MINS(180));
    char title[64];
    it_unique(title, sizeof(title), "路演项目");
    int64_t project = fx_project(srv, ent, title, NULL);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/pitches", (long long)sid);
    int64_t pitch = fx_create(srv, org, path,
                              "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
                              (long long)project, (long long)ent_id);
    char body[96], a[32];
    snprintf(path, sizeof(path), "/api/v1/pitches/%lld/slot", (long long)pitch);
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(fx_t0() + MINS(20), a));
    it_expect(it_http(srv, "PUT", path, org, body, NULL), 200, NULL, "place");
    cJSON *d = NULL;
    cr_assert_eq(feed_count(ent, "pitch.placed", &d), 1);
    cr_assert_eq(jnum(d, "pitch", "id"), (double)pitch);
    cr_assert_str_eq(jstr(d, "pitch", "starts_at"), a);
    cJSON_Delete(d);
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(fx_t0() + MINS(40), a));
    it_expect(it_http(srv, "PUT", path, org, body, NULL), 200, NULL, "move");
    cr_assert_eq(feed_count(ent, "pitch.placed", NULL), 2, "moved: told again");
    cr_assert_eq(feed_count(x, "pitch.placed", NULL), 0);
    free(org);
    free(ent);
    free(x);
}

Test(notifications, meetings_scheduled_and_cancelled_to_both_organizations)
{
    char *otok = it_organizer(srv, NULL);
    int64_t ua_id, ub_id, x_id;
    char *ua = it_user(srv, "enterprise", &ua_id), *ub = it_user(srv, "enterprise", &ub_id);
    char *x = it_user(srv, "enterprise", &x_id);
    char name[64];
    int64_t ev = mx_event(srv, otok, mx_t0(), 10, "会谈通知");
    it_unique(name, sizeof(name), "会谈甲");
    int64_t A = mx_org(srv, ua, name);
    it_unique(name, sizeof(name), "会谈乙");
    int64_t B = mx_org(srv, ub, name);
    mx_exhibit(srv, otok, ev, A);
    mx_exhibit(srv, otok, ev, B);
    mx_match(A, B, 0.5, "会谈项目");
    mx_slots(srv, otok, ev, mx_t0() + 3600, 15, 2, 2);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)ev);
    it_expect(it_http(srv, "POST", path, otok, NULL, NULL), 200, NULL, "schedule");
    cJSON *d = NULL;
    cr_assert_eq(feed_count(ua, "meeting.scheduled", &d), 1);
    int64_t mid = (int64_t)jnum(d, "meeting", "id");
    cr_assert_gt(mid, 0);
    cr_assert_str_eq(jstr(d, "meeting", "status"), "scheduled");
    cr_assert_not_null(jstr(d, "meeting", "starts_at"));
    cJSON_Delete(d);
    cr_assert_eq(feed_count(ub, "meeting.scheduled", NULL), 1);
    cr_assert_eq(feed_count(x, "meeting.scheduled", NULL), 0);
    /* A second run that changes nothing tells nobody anything. */
    it_expect(it_http(srv, "POST", path, otok, NULL, NULL), 200, NULL, "again");
    cr_assert_eq(feed_count(ua, "meeting.scheduled", NULL), 1);
    cr_assert_eq(feed_count(ua, "meeting.changed", NULL), 0);
    snprintf(path, sizeof(path), "/api/v1/meetings/%lld", (long long)mid);
    it_expect(it_http(srv, "DELETE", path, ua, NULL, NULL), 204, NULL, "cancel");
    d = NULL;
    cr_assert_eq(feed_count(ub, "meeting.changed", &d), 1);
    cr_assert_str_eq(jstr(d, "meeting", "status"), "cancelled");
    cJSON_Delete(d);
    cr_assert_eq(feed_count(ua, "meeting.changed", NULL), 1);
    cr_assert_eq(feed_count(x, "meeting.changed", NULL), 0);
    free(otok);
    free(ua);
    free(ub);
    free(x);
}

Test(notifications, results_published_to_entrants)
{
    char *org = it_organizer(srv, NULL);
    int64_t ent_id, x_id;
    char *ent = it_user(srv, "enterprise", &ent_id), *x = it_user(srv, "enterprise", &x_id);
    int64_t ev = fx_event(srv, org, true);
    int64_t sid = fx_session(srv, org, ev, "competition", "大赛厅N", fx_t0(), fx_t0() + 7200);
    char title[64], path[64];
    it_unique(title, sizeof(title), "参赛");
    int64_t project = fx_project(srv, ent, title, NULL);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/entries", (long long)sid);
    fx_create(srv, org, path, "{\"project_id\":%lld}", (long long)project);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/results/publish", (long long)sid);
    it_expect(it_http(srv, "POST", path, org, NULL, NULL), 200, NULL, "publish");
    it_expect(it_http(srv, "POST", path, org, NULL, NULL), 200, NULL, "publish again");
    cJSON *d = NULL;
    cr_assert_eq(feed_count(ent, "results.published", &d), 1, "once, however often published");
    cr_assert_eq(jnum(d, "session", "id"), (double)sid);
    cJSON_Delete(d);
    cr_assert_eq(feed_count(x, "results.published", NULL), 0);
    free(org);
    free(ent);
    free(x);
}

Test(notifications, signup_takes_a_locale)
{
    char *email = it_email("locale");
    char body[256];
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"long-enough-1\",\"display_name\":\"L\","
             "\"locale\":\"en\"}",
             email);
    struct it_resp *r = it_http(srv, "POST", "/api/v1/users", NULL, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "locale"), "en");
    it_resp_free(r);
    free(email);
    email = it_email("locale");
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"long-enough-1\",\"display_name\":\"L\","
             "\"locale\":\"fr\"}",
             email);
    it_expect(it_http(srv, "POST", "/api/v1/users", NULL, body, NULL), 400, "locale", "fr");
    free(email);
}

/* ---- reminders and digests, with two instances ---- */

struct count_arg {
    const char *sql;
};

static bool reached_one(void *arg)
{
    return it_sql_i64("%s", ((struct count_arg *)arg)->sql) >= 1;
}

static bool reached_two(void *arg)
{
    return it_sql_i64("%s", ((struct count_arg *)arg)->sql) >= 2;
}

Test(notifications, reminder_once_across_two_instances)
{
    static const char *const sets[] = {"notify_jobs_interval_s=1", "reminder_minutes=60", NULL};
    struct it_server *s1 = it_start(sets), *s2 = it_start(sets);
    char *org = it_organizer(srv, NULL);
    int64_t a_id, b_id;
    char *a = it_user(srv, "attendee", &a_id), *b = it_user(srv, "attendee", &b_id);
    int64_t ev = ev_event_at(srv, org, "提醒", true, 60, DAY);
    int64_t sid = ev_session_at(srv, org, ev, 10, false, 20 * 60, 50 * 60, "");
    reg_id(ev_register(srv, a, sid, NULL), 201);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM notifications WHERE user_id = %lld AND type = 'reminder'",
             (long long)a_id);
    struct count_arg c = {sql};
    /* The instances are stopped before any assertion: a failed one must not leave them running
     * (and sending) behind the next test. */
    bool arrived = it_wait(reached_one, &c, 20000);
    /* Both instances keep looking every second: it never comes twice. */
    bool twice = arrived && it_wait(reached_two, &c, 3000);
    if (arrived && !twice) {
        it_restart(&s1, sets); /* nor after a restart */
        twice = it_wait(reached_two, &c, 3000);
    }
    int st1 = it_stop(s1), st2 = it_stop(s2);
    cr_assert(arrived, "the reminder arrives");
    cr_assert_not(twice, "never twice, not after a restart");
    cr_assert_eq(st1, 0);
    cr_assert_eq(st2, 0);
    cJSON *d = NULL;
    cr_assert_eq(feed_count(a, "reminder", &d), 1);
    cr_assert_eq(jnum(d, "session", "id"), (double)sid);
    cr_assert_str_eq(jstr(d, "reminder", "subject"), "session");
    cJSON_Delete(d);
    cr_assert_eq(feed_count(b, "reminder", NULL), 0, "not registered");
    cr_assert_eq(outbox_email(a_id, "reminder"), 1);
    free(org);
    free(a);
    free(b);
}

Test(notifications, digest_once_per_period)
{
    int64_t ent_id, other_id;
    char *ent = it_user(srv, "enterprise", &ent_id), *other = it_user(srv, "enterprise", &other_id);
    char t1[64], t2[64];
    it_unique(t1, sizeof(t1), "摘要供给");
    it_unique(t2, sizeof(t2), "摘要需求");
    int64_t ps = fx_project(srv, ent, t1, NULL);
    int64_t org_d = fx_create(srv, other, "/api/v1/organizations",
                              "{\"name\":\"%s 公司\",\"tier\":\"seed\",\"sector\":\"人工智能\"}",
                              t2);
    fx_create(srv, other, "/api/v1/projects",
              "{\"organization_id\":%lld,\"side\":\"demand\",\"title\":\"%s\","
              "\"sector\":\"人工智能\",\"stage\":\"prototype\",\"tags\":[\"AI\"]}",
              (long long)org_d, t2);
    static const char *const sets[] = {"notify_jobs_interval_s=1", "digest_min_score=0", NULL};
    struct it_server *s1 = it_start(sets), *s2 = it_start(sets);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM notifications WHERE user_id = %lld"
             " AND type = 'recommendations.digest'",
             (long long)ent_id);
    struct count_arg c = {sql};
    bool arrived = it_wait(reached_one, &c, 30000);
    bool twice = arrived && it_wait(reached_two, &c, 3000);
    int st1 = it_stop(s1), st2 = it_stop(s2); /* before any assertion (see above) */
    cr_assert(arrived, "a digest arrives");
    cr_assert_not(twice, "one per period");
    cr_assert_eq(st1, 0);
    cr_assert_eq(st2, 0);
    cJSON *d = NULL;
    cr_assert_eq(feed_count(ent, "recommendations.digest", &d), 1);
    cr_assert_eq(jnum(d, "project", "id"), (double)ps);
    cJSON *items = cJSON_GetObjectItem(d, "items");
    cr_assert_gt(cJSON_GetArraySize(items), 0);
    cr_assert(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "reasons")));
    int64_t listed = cJSON_GetArraySize(items);
    cJSON_Delete(d);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM notify_digest_items WHERE project_id = %lld",
                            (long long)ps),
                 listed, "what was listed is remembered (the next digest lists only new ones)");
    free(ent);
    free(other);
}
