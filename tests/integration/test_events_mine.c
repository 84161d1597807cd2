/* Issue 15, the "events" part: GET /me/events and the explicit status of GET /events; the
 * caller's own registration in event and session views (and never anyone else's, whatever the
 * caches hold); the organizer's display name; no events or sessions in the past; the check-in
 * window around each session. */
#include "tests/integration/ev_fixtures.h"

/* The loop cache on, for long: an anonymous reply it holds must never reach a signed-in reader,
 * nor a signed-in reply an anonymous one. */
IT_SUITE(events_mine, 120, "loop_cache_ttl_ms=60000");

#define HOUR 3600LL

static const char *code_of(const struct it_resp *r)
{
    const char *c = it_jstr(r, "error.code");
    return c ? c : "";
}

/* POST /events/{id}/<action> (publish, cancel): 200. */
static void post_ok(const char *tok, const char *action, long long id)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/%s", id, action);
    it_expect(it_http(srv, "POST", path, tok, NULL, NULL), 200, NULL, action);
}

/* ---- GET /me/events, GET /events?status ---- */

Test(events_mine, me_events_lists_own_events_with_drafts_newest_first)
{
    int64_t uid;
    char *org = it_organizer(srv, &uid), *other = it_organizer(srv, NULL);
    char *admin = it_admin(srv), *att = it_user(srv, "attendee", NULL);
    int64_t d1 = ev_event(srv, org, "我的草稿一", false);
    int64_t pub = ev_event(srv, org, "我的已发布", true);
    int64_t can = ev_event(srv, org, "我的已取消", true);
    post_ok(org, "cancel", (long long)can);
    int64_t d2 = ev_event(srv, org, "我的草稿二", false);
    int64_t theirs = ev_event(srv, other, "别人的草稿", false);
    int64_t admins = ev_event(srv, admin, "管理员的草稿", false);

    /* Newest first, in pages of 3 then 1, the cursor carrying on. */
    struct it_resp *r = ev_get(srv, org, "/api/v1/me/events?limit=3");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 3);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), d2, "newest first");
    cr_assert_eq((int64_t)it_jnum(r, "items.1.id"), can);
    cr_assert_eq((int64_t)it_jnum(r, "items.2.id"), pub);
    cr_assert_str_eq(it_jstr(r, "items.0.status"), "draft");
    cr_assert_eq((int64_t)it_jnum(r, "items.0.organizer.id"), uid);
    char cursor[96];
    cr_assert_not_null(it_jstr(r, "next_cursor"));
    snprintf(cursor, sizeof(cursor), "%s", it_jstr(r, "next_cursor"));
    it_resp_free(r);
    r = ev_get(srv, org, "/api/v1/me/events?limit=3&cursor=%s", cursor);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), d1);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r->json, "next_cursor")));
    it_resp_free(r);

    /* The status filter; an empty one is none. */
    r = ev_get(srv, org, "/api/v1/me/events?status=draft");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 2, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), d2);
    cr_assert_eq((int64_t)it_jnum(r, "items.1.id"), d1);
    it_resp_free(r);
    r = ev_get(srv, org, "/api/v1/me/events?status=cancelled");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), can);
    it_resp_free(r);
    r = ev_get(srv, org, "/api/v1/me/events?status=");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 4, "%s", r->body);
    it_resp_free(r);

    /* Admins see only their own here; others see none of ours. */
    r = ev_get(srv, admin, "/api/v1/me/events?limit=100");
    cr_assert_eq(r->status, 200);
    cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(r->json, "items"))
    {
        int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id"));
        cr_assert(id != d1 && id != d2 && id != pub && id != can, "admin sees event %lld",
                  (long long)id);
    }
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), admins);
    it_resp_free(r);
    r = ev_get(srv, other, "/api/v1/me/events");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), theirs);
    it_resp_free(r);
    r = ev_get(srv, att, "/api/v1/me/events");
    cr_assert_eq(r->status, 200, "an attendee organizes nothing");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 0);
    char buf[64];
    cr_assert(it_header(r, "Cache-Control", buf, sizeof(buf)) && strcmp(buf, "no-store") == 0);
    it_resp_free(r);

    it_expect(ev_get(srv, NULL, "/api/v1/me/events"), 401, NULL, "anonymous");
    it_expect(ev_get(srv, org, "/api/v1/me/events?status=open"), 400, "status", "bad status");
    it_expect(ev_get(srv, org, "/api/v1/me/events?stauts=draft"), 400, "stauts", "typo");
    it_expect(ev_get(srv, org, "/api/v1/me/events?lang=en"), 200, NULL, "lang is known");
    free(org);
    free(other);
    free(admin);
    free(att);
}

Test(events_mine, public_list_status_is_explicit_and_unknown_parameters_are_400)
{
    char *org = it_organizer(srv, NULL);
    int64_t pub = ev_event(srv, org, "公开列表 已发布", true);
    int64_t can = ev_event(srv, org, "公开列表 已取消", true);
    post_ok(org, "cancel", (long long)can);
    int64_t draft = ev_event(srv, org, "公开列表 草稿", false);

    struct it_resp *r = ev_get(srv, NULL, "/api/v1/events?status=draft");
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "status");
    cr_assert_str_eq(code_of(r), "validation_failed");
    cr_assert(strstr(it_jstr(r, "error.message"), "/api/v1/me/events"), "%s", r->body);
    it_resp_free(r);
    /* Signed in as the draft's organizer, too: drafts are never in the public list. */
    it_expect(ev_get(srv, org, "/api/v1/events?status=draft"), 400, "status", "organizer");
    it_expect(ev_get(srv, NULL, "/api/v1/events?status=open"), 400, "status", "unknown status");
    r = ev_get(srv, NULL, "/api/v1/events?mine=1");
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "mine");
    cr_assert(strstr(it_jstr(r, "error.message"), "/api/v1/me/events"), "%s", r->body);
    it_resp_free(r);
    it_expect(ev_get(srv, NULL, "/api/v1/events?citty=x"), 400, "citty", "a typo");

    /* Default published; status=cancelled lists cancelled ones; never the draft. */
    bool seen_pub = false, seen_can = false, seen_draft = false;
    const char *lists[] = {"/api/v1/events?limit=100&city=%E6%88%90%E9%83%BD",
                           "/api/v1/events?limit=100&status=cancelled",
                           "/api/v1/events?limit=100&status=published&lang=en"};
    for (int k = 0; k < 3; k++) {
        char cursor[96] = "";
        for (;;) {
            r = cursor[0] ? ev_get(srv, NULL, "%s&cursor=%s", lists[k], cursor)
                          : ev_get(srv, NULL, "%s", lists[k]);
            cr_assert_eq(r->status, 200, "%s: %s", lists[k], r->body);
            cJSON *it;
            cJSON_ArrayForEach(it, cJSON_GetObjectItem(r->json, "items"))
            {
                int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id"));
                const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(it, "status"));
                cr_assert_str_eq(st, k == 1 ? "cancelled" : "published", "%s", lists[k]);
                seen_pub |= id == pub && k != 1;
                seen_can |= id == can && k == 1;
                seen_draft |= id == draft;
            }
            const char *next = it_jstr(r, "next_cursor");
            snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
            it_resp_free(r);
            if (!cursor[0])
                break;
        }
    }
    cr_assert(seen_pub && seen_can && !seen_draft);
    free(org);
}

/* ---- the caller's registration in views ---- */

/* my_registrations of GET /events/{id} as tok sees it: its size, and the first entry's status
 * and waitlist position (0 when null) and session. -1 when the field is absent. */
struct mine {
    int n;
    char status[16];
    int64_t position, session_id, id;
    bool private_;
};

static struct mine event_mine(const char *tok, int64_t ev)
{
    struct mine m = {0};
    struct it_resp *r = ev_get(srv, tok, "/api/v1/events/%lld", (long long)ev);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *arr = cJSON_GetObjectItem(r->json, "my_registrations");
    m.n = arr ? cJSON_GetArraySize(arr) : -1;
    if (m.n > 0) {
        snprintf(m.status, sizeof(m.status), "%s", it_jstr(r, "my_registrations.0.status"));
        cJSON *p = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "waitlist_position");
        cr_assert_not_null(p, "waitlist_position is always there");
        m.position = cJSON_IsNull(p) ? 0 : (int64_t)cJSON_GetNumberValue(p);
        m.session_id = (int64_t)it_jnum(r, "my_registrations.0.session_id");
        m.id = (int64_t)it_jnum(r, "my_registrations.0.id");
        cr_assert_not_null(it_jstr(r, "my_registrations.0.created_at"));
    }
    char buf[64];
    m.private_ = it_header(r, "Cache-Control", buf, sizeof(buf)) && strcmp(buf, "no-store") == 0;
    it_resp_free(r);
    return m;
}

static struct mine session_mine(const char *tok, int64_t sid)
{
    struct mine m = {0};
    struct it_resp *r = ev_get(srv, tok, "/api/v1/sessions/%lld", (long long)sid);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *o = cJSON_GetObjectItem(r->json, "my_registration");
    m.n = !o ? -1 : cJSON_IsNull(o) ? 0 : 1;
    if (m.n == 1) {
        snprintf(m.status, sizeof(m.status), "%s", it_jstr(r, "my_registration.status"));
        cJSON *p = cJSON_GetObjectItem(o, "waitlist_position");
        m.position = cJSON_IsNull(p) ? 0 : (int64_t)cJSON_GetNumberValue(p);
        m.id = (int64_t)it_jnum(r, "my_registration.id");
    }
    char buf[64];
    m.private_ = it_header(r, "Cache-Control", buf, sizeof(buf)) && strcmp(buf, "no-store") == 0;
    it_resp_free(r);
    return m;
}

Test(events_mine, views_show_each_caller_only_their_own_registration)
{
    char *org = it_organizer(srv, NULL);
    char *a = it_user(srv, "attendee", NULL), *b = it_user(srv, "attendee", NULL);
    char *c = it_user(srv, "attendee", NULL);
    int64_t ev = ev_event(srv, org, "我的报名", true);
    int64_t s1 = ev_session(srv, org, ev, 1, true, "");
    int64_t s2 = ev_session_at(srv, org, ev, 10, false, 30 * DAY + 5 * HOUR, 30 * DAY + 6 * HOUR,
                               "");
    /* Anonymous readers first: the page is in Redis and in this loop's cache before anyone
     * signs in. */
    for (int i = 0; i < 3; i++)
        cr_assert_eq(event_mine(NULL, ev).n, -1, "anonymous: no field");
    struct it_resp *r = ev_register(srv, a, s1, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t ra = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = ev_register(srv, b, s1, NULL);
    cr_assert_str_eq(it_jstr(r, "status"), "waitlisted");
    int64_t rb = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    char epath[64];
    snprintf(epath, sizeof(epath), "/api/v1/events/%lld", (long long)ev);
    for (int round = 0; round < 4; round++) {
        /* Rounds 0 and 2 begin with a change (the cached copies dropped), so that a signed-in
         * reader is the first to load the page; rounds 1 and 3 read the caches warm. */
        if (round % 2 == 0)
            it_expect(it_http(srv, "PATCH", epath, org,
                              round ? "{\"venue\":\"二号馆\"}" : "{\"venue\":\"一号馆\"}", NULL),
                      200, NULL, "a change drops the caches");
        struct mine m = event_mine(a, ev);
        cr_assert_eq(m.n, 1);
        cr_assert_str_eq(m.status, "confirmed");
        cr_assert_eq(m.id, ra);
        cr_assert_eq(m.session_id, s1);
        cr_assert_eq(m.position, 0);
        cr_assert(m.private_, "a signed-in page is no-store");
        m = event_mine(b, ev);
        cr_assert_eq(m.n, 1);
        cr_assert_str_eq(m.status, "waitlisted");
        cr_assert_eq(m.id, rb);
        cr_assert_eq(m.position, 1);
        cr_assert(m.private_);
        m = event_mine(c, ev);
        cr_assert_eq(m.n, 0, "signed in, no registration: []");
        cr_assert(m.private_);
        m = event_mine(NULL, ev);
        cr_assert_eq(m.n, -1, "anonymous: absent");
        cr_assert(!m.private_, "the public page stays cacheable");

        m = session_mine(a, s1);
        cr_assert_eq(m.n, 1);
        cr_assert_eq(m.id, ra);
        cr_assert_str_eq(m.status, "confirmed");
        cr_assert(m.private_);
        m = session_mine(b, s1);
        cr_assert_eq(m.n, 1);
        cr_assert_eq(m.id, rb);
        cr_assert_eq(m.position, 1);
        m = session_mine(c, s1);
        cr_assert_eq(m.n, 0, "null");
        m = session_mine(a, s2);
        cr_assert_eq(m.n, 0, "not registered for that session");
        m = session_mine(NULL, s1);
        cr_assert_eq(m.n, -1, "anonymous: absent");
        cr_assert(!m.private_);
    }

    /* A cancels: B moves up, and each sees it at once (nothing personal is cached). */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)ra);
    it_expect(it_http(srv, "DELETE", path, a, NULL, NULL), 200, NULL, "cancel");
    cr_assert_eq(event_mine(a, ev).n, 0, "a cancelled registration is not live");
    cr_assert_eq(session_mine(a, s1).n, 0);
    struct mine m = event_mine(b, ev);
    cr_assert_str_eq(m.status, "confirmed");
    cr_assert_eq(m.position, 0);
    r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)ev);
    cr_assert_null(strstr(r->body, "my_registration"), "%s", r->body);
    it_resp_free(r);
    /* A bad token is refused rather than read as anonymous. */
    r = ev_get(srv, "not-a-real-token-at-all-0123456789", "/api/v1/events/%lld", (long long)ev);
    cr_assert_eq(r->status, 401, "%s", r->body);
    it_resp_free(r);
    free(org);
    free(a);
    free(b);
    free(c);
}

Test(events_mine, event_views_name_the_organizer)
{
    int64_t uid;
    char *org = it_organizer(srv, &uid);
    char *name = it_sql("SELECT display_name FROM users WHERE id = %lld", (long long)uid);
    int64_t ev = ev_event(srv, org, "主办方名称", true);
    for (int i = 0; i < 2; i++) { /* from MySQL, then from the cache */
        struct it_resp *r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)ev);
        cr_assert_eq(r->status, 200);
        cr_assert_eq((int64_t)it_jnum(r, "organizer.id"), uid);
        cr_assert_eq((int64_t)it_jnum(r, "organizer_id"), uid);
        cr_assert_str_eq(it_jstr(r, "organizer.display_name"), name);
        it_resp_free(r);
    }
    struct it_resp *r = ev_get(srv, org, "/api/v1/me/events");
    cr_assert_str_eq(it_jstr(r, "items.0.organizer.display_name"), name);
    it_resp_free(r);
    free(name);
    free(org);
}

/* ---- no events in the past ---- */

Test(events_mine, events_and_sessions_do_not_start_in_the_past)
{
    char *org = it_organizer(srv, NULL);
    char a[32], b[32], body[512], path[64];
    snprintf(body, sizeof(body),
             "{\"title\":\"昨天\",\"kind\":\"summit\",\"city\":\"成都\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\"}",
             ev_time(-HOUR, a), ev_time(DAY, b));
    struct it_resp *r = it_http(srv, "POST", "/api/v1/events", org, body, NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "starts_at");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM events WHERE title = '昨天'"), 0);

    int64_t ev = ev_event(srv, org, "不可回到过去", true);
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)ev);
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", ev_time(-HOUR, a));
    it_expect(it_http(srv, "PATCH", path, org, body, NULL), 400, "starts_at", "moved to the past");
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\",\"ends_at\":\"%s\"}", ev_time(-2 * DAY, a),
             ev_time(-DAY, b));
    it_expect(it_http(srv, "PATCH", path, org, body, NULL), 400, "starts_at", "both in the past");

    /* An event under way (made so in the database: the API cannot) may change other fields,
     * with its start repeated or not, but its start and end cannot move into the past. */
    free(it_sql("UPDATE events SET starts_at = UTC_TIMESTAMP() - INTERVAL 2 HOUR WHERE id = %lld",
                (long long)ev));
    char *started = it_sql("SELECT DATE_FORMAT(starts_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM events"
                           " WHERE id = %lld",
                           (long long)ev);
    started[strcspn(started, "\n")] = '\0';
    snprintf(body, sizeof(body), "{\"title\":\"进行中 改名\",\"starts_at\":\"%s\"}", started);
    it_expect(it_http(srv, "PATCH", path, org, body, NULL), 200, NULL, "start repeated");
    it_expect(it_http(srv, "PATCH", path, org, "{\"venue\":\"二号馆\"}", NULL), 200, NULL,
              "other fields");
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", ev_time(-3 * HOUR, a));
    it_expect(it_http(srv, "PATCH", path, org, body, NULL), 400, "starts_at", "earlier still");
    snprintf(body, sizeof(body), "{\"ends_at\":\"%s\"}", ev_time(-HOUR, a));
    it_expect(it_http(srv, "PATCH", path, org, body, NULL), 400, "ends_at", "end into the past");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM events WHERE id = %lld AND title = '进行中 改名'"
                            " AND venue = '二号馆' AND starts_at = '%.10s %.8s'",
                            (long long)ev, started, started + 11),
                 1);

    /* Sessions: not created in the past (inside the started event), not moved there. */
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)ev);
    snprintf(body, sizeof(body),
             "{\"title\":\"过去的场次\",\"kind\":\"forum\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
             "\"capacity\":5}",
             ev_time(-HOUR, a), ev_time(HOUR, b));
    it_expect(it_http(srv, "POST", path, org, body, NULL), 400, "starts_at", "session in the past");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions WHERE event_id = %lld", (long long)ev),
                 0);
    int64_t sid = ev_session_at(srv, org, ev, 5, false, HOUR, 2 * HOUR, "");
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld", (long long)sid);
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", ev_time(-HOUR, a));
    it_expect(it_http(srv, "PATCH", path, org, body, NULL), 400, "starts_at", "session moved");
    it_expect(it_http(srv, "PATCH", path, org, "{\"capacity\":6}", NULL), 200, NULL, "capacity");
    free(started);
    free(org);
}

/* ---- the check-in window ---- */

static struct it_resp *checkin(const char *org, const char *code)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
    return it_http(srv, "POST", "/api/v1/checkins", org, body, NULL);
}

/* Registers tok for sid and returns its check-in code (caller frees). */
static char *code_for(const char *tok, int64_t sid)
{
    struct it_resp *r = ev_register(srv, tok, sid, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    char *c = strdup(it_jstr(r, "checkin_code"));
    it_resp_free(r);
    return c;
}

Test(events_mine, checkin_only_inside_the_window_of_the_session)
{
    char *org = it_organizer(srv, NULL);
    char *a = it_user(srv, "attendee", NULL), *b = it_user(srv, "attendee", NULL);
    char *c = it_user(srv, "attendee", NULL);
    int64_t ev = ev_event_at(srv, org, "签到窗口", true, 1800, 2 * DAY);
    struct it_resp *r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)ev);
    cr_assert_eq((int)it_jnum(r, "checkin_opens_min"), 120, "default");
    cr_assert_eq((int)it_jnum(r, "checkin_closes_min"), 60, "default");
    it_resp_free(r);
    int64_t soon = ev_session_at(srv, org, ev, 10, false, 1800, 2 * HOUR, "");
    int64_t later = ev_session_at(srv, org, ev, 10, false, 5 * HOUR, 6 * HOUR, "");
    int64_t past = ev_session_at(srv, org, ev, 10, false, 1800, HOUR, "");
    char *in = code_for(a, soon), *early = code_for(b, later), *late = code_for(c, past);

    /* Before: 409 checkin_not_open, saying when it opens (5 h - 120 min from now). */
    r = checkin(org, early);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(code_of(r), "checkin_not_open");
    char *opens = it_sql("SELECT DATE_FORMAT(starts_at - INTERVAL 120 MINUTE,"
                         " '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM sessions WHERE id = %lld",
                         (long long)later);
    opens[strcspn(opens, "\n")] = '\0';
    cr_assert_str_eq(it_jstr(r, "error.opens_at"), opens);
    cr_assert(strstr(it_jstr(r, "error.message"), opens), "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations r JOIN sessions s ON"
                            " s.id = r.session_id WHERE s.id = %lld AND checked_in_at IS NOT NULL",
                            (long long)later),
                 0, "nothing written");

    /* Inside: 200. */
    r = checkin(org, in);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);

    /* After: the session ended more than 60 minutes ago (moved there in the database: the API
     * does not make sessions in the past). */
    free(it_sql("UPDATE events SET starts_at = UTC_TIMESTAMP() - INTERVAL 5 HOUR WHERE id = %lld",
                (long long)ev));
    free(it_sql("UPDATE sessions SET starts_at = UTC_TIMESTAMP() - INTERVAL 4 HOUR,"
                " ends_at = UTC_TIMESTAMP() - INTERVAL 3 HOUR WHERE id = %lld",
                (long long)past));
    r = checkin(org, late);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(code_of(r), "checkin_closed");
    cr_assert_not_null(it_jstr(r, "error.closes_at"));
    it_resp_free(r);

    /* Per event: widen both sides, and both check-ins go through. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)ev);
    r = it_http(srv, "PATCH", path, org, "{\"checkin_opens_min\":600,\"checkin_closes_min\":240}",
                NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "checkin_opens_min"), 600);
    cr_assert_eq((int)it_jnum(r, "checkin_closes_min"), 240);
    it_resp_free(r);
    it_expect(checkin(org, early), 200, NULL, "opens 10 h before");
    it_expect(checkin(org, late), 200, NULL, "closes 4 h after");
    /* A re-scan after the window is answered as it stands. */
    it_expect(it_http(srv, "PATCH", path, org, "{\"checkin_closes_min\":0}", NULL), 200, NULL,
              "narrow");
    r = checkin(org, late);
    cr_assert_str_eq(code_of(r), "already_checked_in", "%s", r->body);
    it_resp_free(r);

    /* Bounds: 0..10080 minutes, integers; set on create too. */
    const char *bad[] = {"{\"checkin_opens_min\":-1}", "{\"checkin_opens_min\":10081}",
                         "{\"checkin_opens_min\":\"60\"}", "{\"checkin_closes_min\":1.5}"};
    const char *field[] = {"checkin_opens_min", "checkin_opens_min", "checkin_opens_min",
                           "checkin_closes_min"};
    for (size_t i = 0; i < 4; i++)
        it_expect(it_http(srv, "PATCH", path, org, bad[i], NULL), 400, field[i], bad[i]);
    char x[32], y[32], body[512];
    snprintf(body, sizeof(body),
             "{\"title\":\"窗口\",\"kind\":\"fair\",\"city\":\"成都\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\",\"checkin_opens_min\":0,\"checkin_closes_min\":10080}",
             ev_time(DAY, x), ev_time(2 * DAY, y));
    r = it_http(srv, "POST", "/api/v1/events", org, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "checkin_opens_min"), 0);
    cr_assert_eq((int)it_jnum(r, "checkin_closes_min"), 10080);
    it_resp_free(r);
    free(opens);
    free(in);
    free(early);
    free(late);
    free(org);
    free(a);
    free(b);
    free(c);
}
