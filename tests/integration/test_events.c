/* Events and sessions against a real summitd, MariaDB and Redis: drafts, publishing, lists and
 * filters, live counts through the cache, edits, exhibitors, audit, stats, authorization and
 * validation of every field. */
#include <pthread.h>
#include <unistd.h>

#include "tests/integration/ev_fixtures.h"

IT_SUITE(events, 120);

static bool list_has(struct it_resp *r, int64_t id)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(r->json, "items"))
    {
        if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(it, "id")) == id)
            return true;
    }
    return false;
}

Test(events, draft_is_hidden_until_published)
{
    int64_t oid;
    char *org = it_organizer(srv, &oid);
    char *att = it_user(srv, "attendee", NULL);
    char title[64];
    snprintf(title, sizeof(title), "全球创新创业交易会 %d", (int)getpid());
    int64_t eid = ev_event(srv, org, title, false);
    int64_t sid = ev_session(srv, org, eid, 10, false, "");

    struct it_resp *r = ev_get(srv, org, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "status"), "draft");
    cr_assert_str_eq(it_jstr(r, "title"), title, "Chinese round-trips");
    cr_assert_eq((int64_t)it_jnum(r, "organizer_id"), oid);
    cr_assert_eq((int64_t)it_jnum(r, "sessions.0.id"), sid);
    it_resp_free(r);
    const char *toks[] = {att, NULL};
    for (int i = 0; i < 2; i++) {
        r = ev_get(srv, toks[i], "/api/v1/events/%lld", (long long)eid);
        cr_assert_eq(r->status, 404, "a draft is 404 to attendees and anonymous");
        it_resp_free(r);
        r = ev_get(srv, toks[i], "/api/v1/sessions/%lld", (long long)sid);
        cr_assert_eq(r->status, 404);
        cr_assert_str_eq(it_jstr(r, "error.code"), "session_not_found",
                         "a draft's session is not found as a session (it was event_not_found)");
        it_resp_free(r);
    }
    char spath[64];
    snprintf(spath, sizeof(spath), "/api/v1/sessions/%lld", (long long)sid);
    r = it_http(srv, "PATCH", spath, att, "{\"title\":\"x\"}", NULL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_jstr(r, "error.code"), "session_not_found");
    it_resp_free(r);
    r = ev_get(srv, NULL, "/api/v1/events?limit=100&city=%s", "%E6%88%90%E9%83%BD");
    cr_assert_eq(r->status, 200);
    cr_assert(!list_has(r, eid), "drafts are not listed");
    it_resp_free(r);

    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)eid);
    r = it_http(srv, "POST", path, att, NULL, NULL);
    cr_assert_eq(r->status, 404, "an attendee cannot publish (nor see) a draft");
    it_resp_free(r);
    r = it_http(srv, "POST", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "published");
    it_resp_free(r);
    r = it_http(srv, "POST", path, org, NULL, NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "already_published");
    it_resp_free(r);
    char *st = it_sql("SELECT status FROM events WHERE id = %lld", (long long)eid);
    cr_assert_str_eq(st, "published");
    free(st);

    r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200);
    cr_assert_eq((int)it_jnum(r, "sessions.0.capacity"), 10);
    cr_assert_eq((int)it_jnum(r, "sessions.0.seats_left"), 10);
    it_resp_free(r);
    r = ev_get(srv, NULL, "/api/v1/sessions/%lld", (long long)sid);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "kind"), "forum");
    cr_assert_eq((int)it_jnum(r, "confirmed_count"), 0);
    it_resp_free(r);

    r = ev_get(srv, org, "/api/v1/events/%lld/audit", (long long)eid);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "items.0.action"), "publish");
    cr_assert_eq((int64_t)it_jnum(r, "items.0.actor_id"), oid);
    it_resp_free(r);
    r = ev_get(srv, att, "/api/v1/events/%lld/audit", (long long)eid);
    cr_assert_eq(r->status, 403);
    it_resp_free(r);
    free(att);
    free(org);
}

Test(events, list_filters_and_paging)
{
    char *org = it_organizer(srv, NULL);
    char a[32], b[32], body[512], city[48];
    snprintf(city, sizeof(city), "city-%d-%lld", (int)getpid(), (long long)time(NULL));
    int64_t ids[3];
    const char *kinds[] = {"summit", "roadshow", "roadshow"};
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof(body),
                 "{\"title\":\"项目路演 %d\",\"kind\":\"%s\",\"city\":\"%s\",\"starts_at\":\"%s\","
                 "\"ends_at\":\"%s\"}",
                 i, kinds[i], city, ev_time((40 + 10 * i) * DAY, a),
                 ev_time((41 + 10 * i) * DAY, b));
        struct it_resp *r = it_http(srv, "POST", "/api/v1/events", org, body, NULL);
        cr_assert_eq(r->status, 201, "%s", r->body);
        ids[i] = (int64_t)it_jnum(r, "id");
        it_resp_free(r);
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)ids[i]);
        it_resp_free(it_http(srv, "POST", path, org, NULL, NULL));
    }
    struct it_resp *r = ev_get(srv, NULL, "/api/v1/events?city=%s&kind=roadshow", city);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 2);
    cr_assert(!list_has(r, ids[0]) && list_has(r, ids[1]) && list_has(r, ids[2]));
    it_resp_free(r);
    /* Date range: only the event overlapping days 48..52. */
    r = ev_get(srv, NULL, "/api/v1/events?city=%s&from=%s&to=%s", city, ev_time(48 * DAY, a),
               ev_time(52 * DAY, b));
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert(list_has(r, ids[1]));
    it_resp_free(r);
    /* Paging with limit and cursor visits each event once. */
    int seen = 0;
    char cursor[64] = "";
    for (int page = 0; page < 5; page++) {
        r = ev_get(srv, NULL, "/api/v1/events?city=%s&limit=2%s%s", city,
                   cursor[0] ? "&cursor=" : "", cursor);
        cr_assert_eq(r->status, 200);
        seen += cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items"));
        const char *next = it_jstr(r, "next_cursor");
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        it_resp_free(r);
        if (!cursor[0])
            break;
    }
    cr_assert_eq(seen, 3);
    free(org);
}

Test(events, live_counts_are_never_stale_through_the_cache)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "cache", true);
    int64_t sid = ev_session(srv, org, eid, 2, true, "");
    struct it_resp *r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    cr_assert_eq(it_sh(IT_REDIS_CLI " EXISTS 't:cache:event:%lld' | grep -q 1", (long long)eid), 0,
                 "the published event is cached");
    char *tok = it_user(srv, "attendee", NULL);
    r = ev_register(srv, tok, sid, NULL);
    cr_assert_eq(r->status, 201);
    int64_t rid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = ev_get(srv, tok, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq((int)it_jnum(r, "sessions.0.confirmed_count"), 1, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "sessions.0.seats_left"), 1);
    it_resp_free(r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)rid);
    it_resp_free(it_http(srv, "DELETE", path, tok, NULL, NULL));
    r = ev_get(srv, tok, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq((int)it_jnum(r, "sessions.0.confirmed_count"), 0);
    it_resp_free(r);
    /* An edit shows at once too (the entry is dropped). */
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld", (long long)sid);
    r = it_http(srv, "PATCH", path, org, "{\"title\":\"新标题\",\"capacity\":7}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
    cr_assert_str_eq(it_jstr(r, "sessions.0.title"), "新标题");
    cr_assert_eq((int)it_jnum(r, "sessions.0.capacity"), 7);
    it_resp_free(r);
    /* A new session shows at once. */
    ev_session(srv, org, eid, 3, false, "");
    r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "sessions")), 2);
    it_resp_free(r);

    /* Without Redis, reads still work: an instance pointed at a dead Redis port. */
    const char *sets[] = {"redis_port=1", NULL};
    struct it_server *blind = it_start(sets);
    r = ev_get(blind, NULL, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200, "a cache outage costs speed only: %s", r->body);
    cr_assert_eq((int)it_jnum(r, "sessions.0.capacity"), 7);
    it_resp_free(r);
    cr_assert_eq(it_stop(blind), 0);
    free(tok);
    free(org);
}

Test(events, only_the_organizer_or_an_admin_changes_an_event)
{
    char *org = it_organizer(srv, NULL), *org2 = it_organizer(srv, NULL);
    char *att = it_user(srv, "attendee", NULL), *admin = it_admin(srv);
    char a[32], b[32], body[512];
    snprintf(body, sizeof(body),
             "{\"title\":\"x\",\"kind\":\"fair\",\"city\":\"成都\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\"}",
             ev_time(30 * DAY, a), ev_time(31 * DAY, b));
    struct it_resp *r = it_http(srv, "POST", "/api/v1/events", att, body, NULL);
    cr_assert_eq(r->status, 403, "attendees do not create events");
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/events", NULL, body, NULL);
    cr_assert_eq(r->status, 401);
    it_resp_free(r);
    int64_t eid = ev_event(srv, org, "owned", true);
    int64_t sid = ev_session(srv, org, eid, 5, false, "");
    char path[64], spath[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)eid);
    snprintf(spath, sizeof(spath), "/api/v1/sessions/%lld", (long long)sid);
    const char *others[] = {org2, att};
    for (int i = 0; i < 2; i++) {
        r = it_http(srv, "PATCH", path, others[i], "{\"title\":\"stolen\"}", NULL);
        cr_assert_eq(r->status, 403);
        it_resp_free(r);
        r = it_http(srv, "PATCH", spath, others[i], "{\"capacity\":1000}", NULL);
        cr_assert_eq(r->status, 403);
        it_resp_free(r);
        char p2[80];
        snprintf(p2, sizeof(p2), "%s/sessions", path);
        r = it_http(srv, "POST", p2, others[i], "{}", NULL);
        cr_assert_eq(r->status, 403);
        it_resp_free(r);
        snprintf(p2, sizeof(p2), "%s/cancel", path);
        r = it_http(srv, "POST", p2, others[i], NULL, NULL);
        cr_assert_eq(r->status, 403);
        it_resp_free(r);
        snprintf(p2, sizeof(p2), "%s/stats", path);
        r = it_http(srv, "GET", p2, others[i], NULL, NULL);
        cr_assert_eq(r->status, 403);
        it_resp_free(r);
    }
    char *t = it_sql("SELECT title FROM events WHERE id = %lld", (long long)eid);
    cr_assert_str_eq(t, "owned");
    free(t);
    r = it_http(srv, "PATCH", path, admin, "{\"title\":\"由管理员修改\",\"venue\":\"西博城\"}",
                NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "title"), "由管理员修改");
    cr_assert_str_eq(it_jstr(r, "venue"), "西博城");
    cr_assert_str_eq(it_jstr(r, "city"), "成都", "fields not sent stay");
    it_resp_free(r);
    /* Sessions must stay inside the event. */
    r = it_http(srv, "PATCH", path, org,
                "{\"starts_at\":\"2099-01-01T00:00:00Z\",\"ends_at\":\"2099-01-02T00:00:00Z\"}",
                NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "starts_at");
    it_resp_free(r);
    /* A cancelled event is final. */
    char p2[80];
    snprintf(p2, sizeof(p2), "%s/cancel", path);
    r = it_http(srv, "POST", p2, org, NULL, NULL);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    r = it_http(srv, "POST", p2, org, NULL, NULL);
    cr_assert_eq(r->status, 409);
    it_resp_free(r);
    r = it_http(srv, "PATCH", path, org, "{\"title\":\"again\"}", NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "event_cancelled");
    it_resp_free(r);
    r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200, "a cancelled event stays readable");
    cr_assert_str_eq(it_jstr(r, "status"), "cancelled");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld AND"
                            " action = 'cancel'",
                            (long long)eid),
                 1);
    free(org);
    free(org2);
    free(att);
    free(admin);
}

Test(events, exhibitors_and_stats)
{
    char *org = it_organizer(srv, NULL), *att = it_user(srv, "attendee", NULL);
    char *ent = it_user(srv, "enterprise", NULL);
    struct it_resp *r =
        it_http(srv, "POST", "/api/v1/organizations", ent,
                "{\"name\":\"蓉城视觉\",\"tier\":\"innovative\",\"sector\":\"交通\"}", NULL);
    cr_assert_eq(r->status, 201);
    int64_t orgid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    /* Starts within the hour: the check-in below is inside its window. */
    int64_t eid = ev_event_at(srv, org, "stats", true, 1800, DAY);
    int64_t s1 = ev_session_at(srv, org, eid, 2, true, 1800, 3 * 3600, ""),
            s2 = ev_session_at(srv, org, eid, 4, false, 3 * 3600, 5 * 3600, "");
    char path[80], body[128];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)eid);
    snprintf(body, sizeof(body), "{\"organization_id\":%lld}", (long long)orgid);
    r = it_http(srv, "POST", path, att, body, NULL);
    cr_assert_eq(r->status, 403);
    it_resp_free(r);
    r = it_http(srv, "POST", path, org, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "name"), "蓉城视觉");
    it_resp_free(r);
    r = it_http(srv, "POST", path, org, body, NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "already_exhibitor");
    it_resp_free(r);
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM event_exhibitors WHERE event_id = %lld", (long long)eid),
        1);

    /* s1: 3 registrations (2 confirmed, 1 waitlisted), one checked in; s2: 1 confirmed. */
    char code[64] = "";
    for (int i = 0; i < 4; i++) {
        char *tok = it_user(srv, "attendee", NULL);
        r = ev_register(srv, tok, i < 3 ? s1 : s2, NULL);
        cr_assert_eq(r->status, 201);
        if (i == 0)
            snprintf(code, sizeof(code), "%s", it_jstr(r, "checkin_code"));
        it_resp_free(r);
        free(tok);
    }
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
    r = it_http(srv, "POST", "/api/v1/checkins", org, body, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    r = ev_get(srv, org, "/api/v1/events/%lld/stats", (long long)eid);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "sessions.0.session_id"), s1);
    cr_assert_eq((int)it_jnum(r, "sessions.0.confirmed"), 2);
    cr_assert_eq((int)it_jnum(r, "sessions.0.waitlisted"), 1);
    cr_assert_eq((int)it_jnum(r, "sessions.0.registrations"), 3);
    cr_assert_eq((int)it_jnum(r, "sessions.0.checked_in"), 1);
    cr_assert_float_eq(it_jnum(r, "sessions.0.fill_rate"), 1.0, 1e-9);
    cr_assert_float_eq(it_jnum(r, "sessions.1.fill_rate"), 0.25, 1e-9);
    cr_assert_eq((int)it_jnum(r, "totals.confirmed"), 3);
    cr_assert_eq((int)it_jnum(r, "totals.checked_in"), 1);
    cr_assert_eq((int)it_jnum(r, "exhibitors"), 1);
    it_resp_free(r);
    free(org);
    free(att);
    free(ent);
}

Test(events, exhibitor_added_once_by_the_organizer_only)
{
    char *ent = it_user(srv, "enterprise", NULL), *tok = it_organizer(srv, NULL);
    int64_t org_id = it_org(srv, ent, "seed", "智能制造", "高新区");
    int64_t ev = ev_event(srv, tok, "展商峰会", true);
    char body[64], path[64];
    snprintf(body, sizeof(body), "{\"organization_id\":%lld}", (long long)org_id);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)ev);
    it_expect(it_http(srv, "POST", path, ent, body, NULL), 403, NULL, "not the organizer");
    it_expect(it_http(srv, "POST", path, tok, body, NULL), 201, NULL, "added");
    it_expect(it_http(srv, "POST", path, tok, body, NULL), 409, "organization_id", "twice");
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM event_exhibitors WHERE event_id = %lld", (long long)ev),
        1);
    /* A cancelled event is final: no more exhibitors (they were added before). */
    int64_t other = it_org(srv, ent, "seed", "智能制造", "高新区");
    snprintf(body, sizeof(body), "{\"organization_id\":%lld}", (long long)other);
    char cancel[64];
    snprintf(cancel, sizeof(cancel), "/api/v1/events/%lld/cancel", (long long)ev);
    it_expect(it_http(srv, "POST", cancel, tok, NULL, NULL), 200, NULL, "cancel");
    struct it_resp *r = it_http(srv, "POST", path, tok, body, NULL);
    cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "", "event_cancelled");
    it_expect(r, 409, NULL, "an exhibitor for a cancelled event");
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM event_exhibitors WHERE event_id = %lld", (long long)ev),
        1);
    free(ent);
    free(tok);
}

static int64_t audit_page(const char *tok, int64_t ev, const char *cursor, char *next, size_t len,
                          char *action, size_t alen)
{
    struct it_resp *r = ev_get(srv, tok, "/api/v1/events/%lld/audit?limit=1%s%s", (long long)ev,
                               cursor ? "&cursor=" : "", cursor ? cursor : "");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1, "%s", r->body);
    snprintf(action, alen, "%s", it_jstr(r, "items.0.action"));
    const char *n = it_jstr(r, "next_cursor");
    snprintf(next, len, "%s", n ? n : "");
    int64_t id = (int64_t)it_jnum(r, "items.0.id");
    it_resp_free(r);
    return id;
}

Test(events, audit_pages_with_cursors_bound_to_their_list)
{
    char *ent = it_user(srv, "enterprise", NULL), *tok = it_organizer(srv, NULL);
    int64_t org_id = it_org(srv, ent, "seed", "智能制造", "高新区");
    int64_t ev = ev_event(srv, tok, "审计分页", true); /* audit: publish */
    char body[64], path[64];
    snprintf(body, sizeof(body), "{\"organization_id\":%lld}", (long long)org_id);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)ev);
    it_expect(it_http(srv, "POST", path, tok, body, NULL), 201, NULL, "exhibitor_add");
    snprintf(path, sizeof(path), "/api/v1/events/%lld/cancel", (long long)ev);
    it_expect(it_http(srv, "POST", path, tok, NULL, NULL), 200, NULL, "cancel");

    const char *want[] = {"publish", "exhibitor_add", "cancel"};
    char cursor[64] = "", next[64], action[32];
    int64_t last = 0;
    for (int i = 0; i < 3; i++) {
        int64_t id =
            audit_page(tok, ev, i ? cursor : NULL, next, sizeof(next), action, sizeof(action));
        cr_assert_str_eq(action, want[i], "page %d", i);
        cr_assert_gt(id, last, "oldest first, each entry once");
        last = id;
        cr_assert_eq(next[0] != '\0', i < 2, "page %d: next_cursor %s", i, next);
        snprintf(cursor, sizeof(cursor), "%s", next);
    }
    /* A cursor is opaque and belongs to the list that issued it (two published events: the
     * list has a second page even on a fresh database). */
    ev_event(srv, tok, "审计分页 其一", true);
    ev_event(srv, tok, "审计分页 其二", true);
    struct it_resp *r = ev_get(srv, NULL, "/api/v1/events?limit=1");
    cr_assert_eq(r->status, 200);
    snprintf(cursor, sizeof(cursor), "%s",
             it_jstr(r, "next_cursor") ? it_jstr(r, "next_cursor") : "");
    it_resp_free(r);
    cr_assert(cursor[0], "the events list has more than one event");
    const char *bad[] = {cursor, "1", "abc"};
    for (size_t i = 0; i < 3; i++)
        it_expect(ev_get(srv, tok, "/api/v1/events/%lld/audit?cursor=%s", (long long)ev, bad[i]),
                  400, "cursor", bad[i]);
    free(ent);
    free(tok);
}

Test(events, bad_input_is_400_with_field)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "bad input", true);
    int64_t sid = ev_session(srv, org, eid, 5, true, "");
    char a[32], b[32], in1[32], in2[32], out1[32];
    ev_time(30 * DAY, a);
    ev_time(31 * DAY, b);
    ev_time(30 * DAY + 3600, in1);
    ev_time(30 * DAY + 7200, in2);
    ev_time(40 * DAY, out1);
    char long201[700] = "";
    for (int i = 0; i < 201; i++)
        strcat(long201, "字");
    char ev_base[256];
    snprintf(ev_base, sizeof(ev_base),
             "\"kind\":\"summit\",\"city\":\"成都\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"", a, b);
    char s_base[256];
    snprintf(s_base, sizeof(s_base), "\"kind\":\"forum\",\"starts_at\":\"%s\",\"ends_at\":\"%s\"",
             in1, in2);
    struct {
        const char *method, *path, *field;
        char body[1024];
    } cases[48];
    int n = 0;
#define CASE(m, p, f, ...)                                                                         \
    do {                                                                                           \
        cases[n].method = m;                                                                       \
        cases[n].path = p;                                                                         \
        cases[n].field = f;                                                                        \
        snprintf(cases[n].body, sizeof(cases[n].body), __VA_ARGS__);                               \
        n++;                                                                                       \
    } while (0)
    char epath[64], spath[64], sesspath[64], xpath[80];
    snprintf(epath, sizeof(epath), "/api/v1/events/%lld", (long long)eid);
    snprintf(sesspath, sizeof(sesspath), "/api/v1/events/%lld/sessions", (long long)eid);
    snprintf(spath, sizeof(spath), "/api/v1/sessions/%lld", (long long)sid);
    snprintf(xpath, sizeof(xpath), "/api/v1/events/%lld/exhibitors", (long long)eid);
    CASE("POST", "/api/v1/events", "title", "{%s}", ev_base);
    CASE("POST", "/api/v1/events", "title", "{\"title\":5,%s}", ev_base);
    CASE("POST", "/api/v1/events", "title", "{\"title\":\"%s\",%s}", long201, ev_base);
    CASE("POST", "/api/v1/events", "kind",
         "{\"title\":\"t\",\"kind\":\"party\",\"city\":\"c\",\"starts_at\":\"%s\",\"ends_at\":\"%"
         "s\"}",
         a, b);
    CASE("POST", "/api/v1/events", "city",
         "{\"title\":\"t\",\"kind\":\"fair\",\"city\":[],\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
         a, b);
    CASE("POST", "/api/v1/events", "starts_at",
         "{\"title\":\"t\",\"kind\":\"fair\",\"city\":\"c\",\"starts_at\":\"tomorrow\",\"ends_at\":"
         "\"%s\"}",
         b);
    CASE("POST", "/api/v1/events", "ends_at",
         "{\"title\":\"t\",\"kind\":\"fair\",\"city\":\"c\",\"starts_at\":\"%s\",\"ends_at\":\"%"
         "s\"}",
         b, a);
    CASE("POST", "/api/v1/events", "ends_at",
         "{\"title\":\"t\",\"kind\":\"fair\",\"city\":\"c\",\"starts_at\":\"%s\",\"ends_at\":"
         "\"2099-01-01T00:00:00Z\"}",
         a);
    CASE("POST", "/api/v1/events", "description", "{\"title\":\"t\",\"description\":true,%s}",
         ev_base);
    CASE("PATCH", epath, "ends_at", "{\"ends_at\":\"%s\"}", "2001-01-01T00:00:00Z");
    CASE("PATCH", epath, "kind", "{\"kind\":\"\"}");
    CASE("PATCH", epath, "title", "{\"title\":\"\"}");
    CASE("POST", sesspath, "capacity", "{\"title\":\"s\",\"capacity\":-5,%s}", s_base);
    CASE("POST", sesspath, "capacity", "{\"title\":\"s\",\"capacity\":0,%s}", s_base);
    CASE("POST", sesspath, "capacity", "{\"title\":\"s\",\"capacity\":\"10\",%s}", s_base);
    CASE("POST", sesspath, "capacity", "{\"title\":\"s\",\"capacity\":2.5,%s}", s_base);
    CASE("POST", sesspath, "capacity", "{\"title\":\"s\",\"capacity\":100000000,%s}", s_base);
    CASE("POST", sesspath, "capacity", "{\"title\":\"s\",%s}", s_base);
    CASE("POST", sesspath, "kind",
         "{\"title\":\"s\",\"capacity\":5,\"kind\":\"party\",\"starts_at\":\"%s\",\"ends_at\":\"%"
         "s\"}",
         in1, in2);
    CASE("POST", sesspath, "ends_at",
         "{\"title\":\"s\",\"capacity\":5,\"kind\":\"pitch\",\"starts_at\":\"%s\",\"ends_at\":\"%"
         "s\"}",
         in2, in1);
    CASE("POST", sesspath, "ends_at",
         "{\"title\":\"s\",\"capacity\":5,\"kind\":\"pitch\",\"starts_at\":\"%s\",\"ends_at\":\"%"
         "s\"}",
         in1, out1);
    CASE("POST", sesspath, "starts_at",
         "{\"title\":\"s\",\"capacity\":5,\"kind\":\"pitch\",\"starts_at\":\"%s\",\"ends_at\":\"%"
         "s\"}",
         "2020-01-01T00:00:00Z", in1);
    CASE("POST", sesspath, "waitlist", "{\"title\":\"s\",\"capacity\":5,\"waitlist\":\"yes\",%s}",
         s_base);
    CASE("POST", sesspath, "room", "{\"title\":\"s\",\"capacity\":5,\"room\":\"%s\",%s}", long201,
         s_base);
    CASE("POST", sesspath, "registration_closes_at",
         "{\"title\":\"s\",\"capacity\":5,\"registration_opens_at\":\"%s\",\"registration_closes_"
         "at\":\"%s\",%s}",
         in1, a, s_base);
    CASE("POST", sesspath, "registration_opens_at",
         "{\"title\":\"s\",\"capacity\":5,\"registration_opens_at\":\"x\",%s}", s_base);
    CASE("PATCH", spath, "capacity", "{\"capacity\":-1}");
    CASE("PATCH", spath, "ends_at", "{\"ends_at\":\"%s\"}", out1);
    CASE("PATCH", spath, "kind", "{\"kind\":7}");
    CASE("POST", xpath, "organization_id", "{\"organization_id\":\"1\"}");
    CASE("POST", xpath, "organization_id", "{\"organization_id\":999999999}");
    CASE("POST", xpath, "organization_id", "{}");
    for (int i = 0; i < n; i++) {
        struct it_resp *r = it_http(srv, cases[i].method, cases[i].path, org, cases[i].body, NULL);
        cr_assert_eq(r->status, 400, "case %d: %s %s %s → %d %s", i, cases[i].method, cases[i].path,
                     cases[i].body, r->status, r->body);
        cr_assert_str_eq(it_jstr(r, "error.field") ? it_jstr(r, "error.field") : "(none)",
                         cases[i].field, "case %d: %s", i, cases[i].body);
        it_resp_free(r);
    }
    const char *qs[][2] = {
        {"/api/v1/events?kind=party", "kind"},
        {"/api/v1/events?from=yesterday", "from"},
        {"/api/v1/events?to=2020-13-01T00:00:00Z", "to"},
        {"/api/v1/events?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to"},
        {"/api/v1/events?limit=1000", "limit"},
        {"/api/v1/events?cursor=abc", "cursor"}};
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        struct it_resp *r = it_http(srv, "GET", qs[i][0], NULL, NULL, NULL);
        cr_assert_eq(r->status, 400, "%s → %d", qs[i][0], r->status);
        cr_assert_str_eq(it_jstr(r, "error.field"), qs[i][1]);
        it_resp_free(r);
    }
    struct it_resp *r = it_http(srv, "POST", "/api/v1/events", org, "{\"title\":", NULL);
    cr_assert_eq(r->status, 400);
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions WHERE event_id = %lld", (long long)eid),
                 1, "nothing was stored by the bad requests");
    cr_assert_eq(it_sql_i64("SELECT capacity FROM sessions WHERE id = %lld", (long long)sid), 5);
    free(org);
}

/* ---- the loop cache of anonymous event reads (server/lcache.h) ---- */

static bool is_hit(const struct it_resp *r)
{
    char v[16];
    return it_header(r, "X-Cache", v, sizeof(v)) && strcmp(v, "hit") == 0;
}

struct title_wait {
    const struct it_server *s;
    int64_t eid;
    const char *title;
};

static bool title_is(void *arg)
{
    struct title_wait *w = arg;
    struct it_resp *r = ev_get(w->s, NULL, "/api/v1/events/%lld", (long long)w->eid);
    bool ok = r->status == 200 && it_jstr(r, "title") && !strcmp(it_jstr(r, "title"), w->title);
    it_resp_free(r);
    return ok;
}

Test(events, anonymous_reads_are_cached_and_invalidated_on_every_instance)
{
    const char *long_ttl[] = {"loop_cache_ttl_ms=60000", NULL};
    struct it_server *b = it_start(long_ttl);
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "缓存测试峰会", true);
    /* Fill both instances' caches. */
    for (int i = 0; i < 2; i++) {
        it_resp_free(ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid));
        it_resp_free(ev_get(b, NULL, "/api/v1/events/%lld", (long long)eid));
    }
    bool hit = false;
    for (int i = 0; i < 8 && !hit; i++) { /* two loops: a hit needs the same loop twice */
        struct it_resp *r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
        cr_assert_eq(r->status, 200);
        hit = is_hit(r);
        it_resp_free(r);
    }
    cr_assert(hit, "repeated anonymous reads are answered from the loop cache");

    /* A signed-in reader never gets the cached copy. */
    struct it_resp *r = ev_get(srv, org, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200);
    cr_assert(!is_hit(r));
    it_resp_free(r);

    /* A change is visible at once on this instance and within moments on the other. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)eid);
    r = it_http(srv, "PATCH", path, org, "{\"title\":\"缓存测试峰会（改）\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    for (int i = 0; i < 4; i++) {
        r = ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid);
        cr_assert_str_eq(it_jstr(r, "title"), "缓存测试峰会（改）",
                         "the writer's instance serves the change at once");
        it_resp_free(r);
    }
    struct title_wait w = {b, eid, "缓存测试峰会（改）"};
    int64_t t0 = it_now_ms();
    /* Far shorter than B's cache lifetime (60 s), so only the broadcast explains it. */
    cr_assert(it_wait(title_is, &w, 2000), "instance B still serves the old title");
    cr_log_info("invalidation reached instance B in %lld ms", (long long)(it_now_ms() - t0));
    free(org);
    cr_assert_eq(it_stop(b), 0);
}

struct path_title_wait {
    const struct it_server *s;
    const char *path, *title;
};

static bool path_title_is(void *arg)
{
    struct path_title_wait *w = arg;
    struct it_resp *r = it_http(w->s, "GET", w->path, NULL, NULL, NULL);
    bool ok = r->status == 200 && it_jstr(r, "title") && !strcmp(it_jstr(r, "title"), w->title);
    it_resp_free(r);
    return ok;
}

struct path_hit_wait {
    const struct it_server *s;
    const char *path;
};

static bool path_is_hit(void *arg)
{
    struct path_hit_wait *w = arg;
    struct it_resp *r = it_http(w->s, "GET", w->path, NULL, NULL, NULL);
    bool ok = r->status == 200 && is_hit(r);
    it_resp_free(r);
    return ok;
}

/* Regression (hardening issue, item 7): the loop cache tagged an entry with the id as spelled in
 * the path, so /events/01 was never invalidated by a change to event 1 and served the old page
 * for loop_cache_ttl_ms. One loop per instance makes "the entry is cached" certain. */
Test(events, loop_cache_invalidates_every_spelling_of_an_id)
{
    const char *sets[] = {"loop_cache_ttl_ms=60000", "threads=1", NULL};
    struct it_server *a = it_start(sets), *b = it_start(sets);
    char *org = it_organizer(a, NULL);
    int64_t eid = ev_event(a, org, "缓存拼写峰会", true);
    char p0[64], p1[64], p2[64];
    snprintf(p0, sizeof(p0), "/api/v1/events/%lld", (long long)eid);
    snprintf(p1, sizeof(p1), "/api/v1/events/0%lld", (long long)eid);
    snprintf(p2, sizeof(p2), "/api/v1/events/00%lld", (long long)eid);
    const char *paths[] = {p0, p1, p2};
    struct it_server *both[] = {a, b};
    /* (The publish's own invalidation may reach an instance just after its first read filled
     * the entry and drop it once: read until a hit, briefly.) */
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 3; i++) {
            struct path_hit_wait w = {both[k], paths[i]};
            cr_assert(it_wait(path_is_hit, &w, 2000), "%s is cached on the instance's one loop",
                      paths[i]);
        }

    /* A change through A: A serves it at once under every spelling, B within moments. */
    struct it_resp *r = it_http(a, "PATCH", p0, org, "{\"title\":\"缓存拼写峰会（改）\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    for (int i = 0; i < 3; i++) {
        r = it_http(a, "GET", paths[i], NULL, NULL, NULL);
        cr_assert_str_eq(it_jstr(r, "title"), "缓存拼写峰会（改）", "%s on the writer's instance",
                         paths[i]);
        it_resp_free(r);
    }
    for (int i = 0; i < 3; i++) {
        struct path_title_wait w = {b, paths[i], "缓存拼写峰会（改）"};
        cr_assert(it_wait(path_title_is, &w, 2000), "instance B still serves the old %s", paths[i]);
    }
    free(org);
    cr_assert_eq(it_stop(b), 0);
    cr_assert_eq(it_stop(a), 0);
}

struct crowd_read {
    const struct it_server *s;
    const char *path;
    int status[20];
    bool hit[20];
    char *body[20];
};

static void crowd_read_one(int i, void *arg)
{
    struct crowd_read *c = arg;
    struct it_resp *r = it_http(c->s, "GET", c->path, NULL, NULL, NULL);
    c->status[i] = r->status;
    c->hit[i] = is_hit(r);
    c->body[i] = strdup(r->body ? r->body : "");
    it_resp_free(r);
}

/* Readers of a page nobody has read yet arrive together: one of them reads it, the others wait
 * for that read and get exactly what it returned (not each a read of their own). One loop makes
 * "the same cache" certain. */
Test(events, loop_cache_readers_of_a_cold_page_wait_for_one_read)
{
    const char *sets[] = {"loop_cache_ttl_ms=60000", "threads=1", NULL};
    struct it_server *a = it_start(sets);
    char *org = it_organizer(a, NULL);
    int64_t eid = ev_event(a, org, "缓存合并峰会", true);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)eid);
    /* (The publish's invalidation may arrive from Redis after it returned: let it pass.) */
    usleep(200 * 1000);
    struct crowd_read c = {.s = a, .path = path};
    it_parallel(20, crowd_read_one, &c);
    int misses = 0;
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(c.status[i], 200, "reader %d", i);
        cr_assert_str_eq(c.body[i], c.body[0], "every reader gets the same page");
        misses += !c.hit[i];
    }
    for (int i = 0; i < 20; i++)
        free(c.body[i]);
    cr_assert_eq(misses, 1, "one read for 20 readers, not %d", misses);
    /* And an uncached (signed-in) read shows the same page. */
    struct it_resp *r = ev_get(a, org, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "title"), "缓存合并峰会");
    it_resp_free(r);
    free(org);
    cr_assert_eq(it_stop(a), 0);
}

struct count_wait {
    const struct it_server *s;
    int64_t eid;
    int want;
};

static bool confirmed_is(void *arg)
{
    struct count_wait *w = arg;
    struct it_resp *r = ev_get(w->s, NULL, "/api/v1/events/%lld", (long long)w->eid);
    bool ok = (int)it_jnum(r, "sessions.0.confirmed_count") == w->want;
    it_resp_free(r);
    return ok;
}

Test(events, own_registration_shows_at_once_and_anonymous_counts_catch_up)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "计数测试论坛", true);
    int64_t sid = ev_session(srv, org, eid, 10, false, "");
    for (int i = 0; i < 4; i++)
        it_resp_free(ev_get(srv, NULL, "/api/v1/events/%lld", (long long)eid));
    char *me = it_user(srv, "attendee", NULL);
    struct it_resp *r = ev_register(srv, me, sid, NULL);
    cr_assert_eq(r->status, 201);
    it_resp_free(r);
    r = ev_get(srv, me, "/api/v1/events/%lld", (long long)eid);
    cr_assert_eq((int)it_jnum(r, "sessions.0.confirmed_count"), 1,
                 "the registrant sees their own seat at once: %s", r->body);
    it_resp_free(r);
    struct count_wait w = {srv, eid, 1};
    cr_assert(it_wait(confirmed_is, &w, 3000),
              "anonymous readers see the count within the cache lifetime");
    free(me);
    free(org);
}

/* ---- the Redis event cache against a change committed during a read ---- */

struct bg_read {
    const struct it_server *s;
    const char *token;
    int64_t eid;
    int status;
};

static void *bg_read_main(void *arg)
{
    struct bg_read *b = arg;
    struct it_resp *r = ev_get(b->s, b->token, "/api/v1/events/%lld", (long long)b->eid);
    b->status = r->status;
    it_resp_free(r);
    return NULL;
}

static bool redis_has(void *arg)
{
    return it_sh(IT_REDIS_CLI " EXISTS '%s' | grep -q '^1$'", (const char *)arg) == 0;
}

/* Regression (hardening issue, item 7): a reader that missed the Redis cache loaded the event
 * from MySQL, the organizer's cancel committed and dropped the entry, then the reader wrote its
 * old copy back and everyone saw the cancelled event as published for event_cache_ttl_s. The
 * debug hook holds the reader between its MySQL load and its write-back while the cancel runs
 * (on another instance). */
Test(events, stale_write_back_after_cancel_is_refused)
{
    char *org = it_organizer(srv, NULL);
    char *att = it_user(srv, "attendee", NULL);
    int64_t eid = ev_event(srv, org, "缓存竞态峰会", true);
    ev_session(srv, org, eid, 10, false, "");
    char hold[96], held[96], entry[64];
    snprintf(hold, sizeof(hold), "t:debug:hold:event_cache_put:%lld", (long long)eid);
    snprintf(held, sizeof(held), "t:debug:held:event_cache_put:%lld", (long long)eid);
    snprintf(entry, sizeof(entry), "t:cache:event:%lld", (long long)eid);
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s' 1 EX 30 >/dev/null", hold), 0);

    /* A signed-in reader (no loop cache) misses the Redis cache, loads "published" and waits. */
    struct bg_read b = {srv, att, eid, 0};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, bg_read_main, &b), 0);
    cr_assert(it_wait(redis_has, held, 10000), "the reader never reached its write-back");

    /* The cancel goes through another instance: the generation lives in the shared Redis. */
    struct it_server *other = it_start(NULL);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/cancel", (long long)eid);
    struct it_resp *r = it_http(other, "POST", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(it_stop(other), 0);

    cr_assert_eq(it_sh(IT_REDIS_CLI " DEL '%s' >/dev/null", hold), 0);
    pthread_join(th, NULL);
    cr_assert_eq(b.status, 200);

    cr_assert_neq(it_sh(IT_REDIS_CLI " GET '%s' | grep -q published", entry), 0,
                  "the reader's old copy was written back over the cancel");
    const char *toks[] = {att, NULL};
    for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 2; k++) { /* the second read comes from whatever was cached */
            r = ev_get(srv, toks[i], "/api/v1/events/%lld", (long long)eid);
            cr_assert_eq(r->status, 200);
            cr_assert_str_eq(it_jstr(r, "status"), "cancelled", "%s", r->body);
            it_resp_free(r);
        }
    }
    free(att);
    free(org);
}

/* ---- checks under the event row's lock ---- */

struct bg_req {
    const struct it_server *s;
    const char *method, *token;
    char path[96], body[512];
    int status;
    char code[64], field[64];
};

static void *bg_req_main(void *arg)
{
    struct bg_req *b = arg;
    struct it_resp *r = it_http(b->s, b->method, b->path, b->token, b->body, NULL);
    b->status = r->status;
    snprintf(b->code, sizeof(b->code), "%s", it_jstr(r, "error.code") ?: "");
    snprintf(b->field, sizeof(b->field), "%s", it_jstr(r, "error.field") ?: "");
    it_resp_free(r);
    return NULL;
}

/* Starts b in the background parked at the debug hook `point` of `id`; returns with it parked. */
static pthread_t bg_parked(struct bg_req *b, const char *point, int64_t id, char *hold,
                           size_t holdlen)
{
    char held[96];
    snprintf(hold, holdlen, "t:debug:hold:%s:%lld", point, (long long)id);
    snprintf(held, sizeof(held), "t:debug:held:%s:%lld", point, (long long)id);
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s' 1 EX 30 >/dev/null", hold), 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, bg_req_main, b), 0);
    cr_assert(it_wait(redis_has, held, 10000), "the request never reached %s", point);
    return th;
}

static void bg_release(pthread_t th, const char *hold)
{
    cr_assert_eq(it_sh(IT_REDIS_CLI " DEL '%s' >/dev/null", hold), 0);
    pthread_join(th, NULL);
}

/* Regression (hardening issue, item 9): adding a session checked the event's status before its
 * INSERT, outside any lock, so a cancel committing in between still let a session be added to
 * the cancelled event. The hook parks the request after its unlocked access check. */
Test(events, session_add_racing_a_cancel_is_refused)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "取消竞态峰会", true);
    char a[32], b[32], hold[96];
    struct bg_req add = {.s = srv, .method = "POST", .token = org};
    snprintf(add.path, sizeof(add.path), "/api/v1/events/%lld/sessions", (long long)eid);
    snprintf(add.body, sizeof(add.body),
             "{\"title\":\"迟到的分论坛\",\"kind\":\"forum\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\",\"capacity\":10}",
             ev_time(30 * DAY + 3600, a), ev_time(30 * DAY + 7200, b));
    pthread_t th = bg_parked(&add, "session_add", eid, hold, sizeof(hold));

    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/cancel", (long long)eid);
    struct it_resp *r = it_http(srv, "POST", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    bg_release(th, hold);

    cr_assert_eq(add.status, 409, "a session was added to a cancelled event (%d)", add.status);
    cr_assert_str_eq(add.code, "event_cancelled");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions WHERE event_id = %lld", (long long)eid),
                 0, "no session stored");
    free(org);
}

/* Regression (hardening issue, item 9): a session update checked its times against the event
 * as read before its transaction, so an event update shrinking the event in between let the
 * session end after its event. The session update now reads the event under its lock. */
Test(events, session_update_racing_an_event_update_stays_inside_the_event)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "时间竞态峰会", true);
    int64_t sid = ev_session(srv, org, eid, 10, false, ""); /* day 1, +1 h .. +4 h */
    char a[32], hold[96];
    struct bg_req upd = {.s = srv, .method = "PATCH", .token = org};
    snprintf(upd.path, sizeof(upd.path), "/api/v1/sessions/%lld", (long long)sid);
    snprintf(upd.body, sizeof(upd.body), "{\"ends_at\":\"%s\"}", ev_time(31 * DAY, a));
    pthread_t th = bg_parked(&upd, "session_update", sid, hold, sizeof(hold));

    char path[64], body[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)eid);
    snprintf(body, sizeof(body), "{\"ends_at\":\"%s\"}", ev_time(30 * DAY + 5 * 3600, a));
    struct it_resp *r = it_http(srv, "PATCH", path, org, body, NULL);
    cr_assert_eq(r->status, 200, "the event may shrink to its sessions: %s", r->body);
    it_resp_free(r);
    bg_release(th, hold);

    cr_assert_eq(upd.status, 400, "the session now ends after its event (%d)", upd.status);
    cr_assert_str_eq(upd.field, "ends_at");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions s JOIN events e ON e.id = s.event_id"
                            " WHERE e.id = %lld AND s.ends_at > e.ends_at",
                            (long long)eid),
                 0, "every session lies inside its event");
    free(org);
}

/* registrations_by_day: local days of the event's zone, quiet days included, cancelled
 * registrations counted on the day they were made. The creation times are set in the database
 * (the API stamps "now"). */
Test(events, stats_registrations_by_day_in_the_events_time_zone)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "stats by day", false);
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)eid);
    it_expect(it_http(srv, "PATCH", path, org, "{\"time_zone\":\"America/New_York\"}", NULL), 200,
              NULL, "zone");
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)eid);
    it_expect(it_http(srv, "POST", path, org, NULL, NULL), 200, NULL, "publish");
    int64_t s1 = ev_session(srv, org, eid, 10, false, "");

    struct it_resp *r = ev_get(srv, org, "/api/v1/events/%lld/stats", (long long)eid);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "registrations_by_day")), 0,
                 "none yet: %s", r->body);
    it_resp_free(r);

    /* In New York: 8 March 23:30 EST, 9 March 00:30 EST (both 9 March in UTC), 11 March 08:00
     * EDT (after the switch to daylight time on the 9th, 2031). The second is cancelled. */
    static const char *const at[] = {"2031-03-09 04:30:00", "2031-03-09 05:30:00",
                                     "2031-03-11 12:00:00"};
    int64_t reg[3];
    for (int i = 0; i < 3; i++) {
        char *tok = it_user(srv, "attendee", NULL);
        r = ev_register(srv, tok, s1, NULL);
        cr_assert_eq(r->status, 201, "%s", r->body);
        reg[i] = (int64_t)it_jnum(r, "id");
        it_resp_free(r);
        if (i == 1) {
            snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)reg[i]);
            it_expect(it_http(srv, "DELETE", path, tok, NULL, NULL), 200, NULL, "cancel");
        }
        free(tok);
        free(it_sql("UPDATE registrations SET created_at = '%s' WHERE id = %lld", at[i],
                    (long long)reg[i]));
    }
    r = ev_get(srv, org, "/api/v1/events/%lld/stats", (long long)eid);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *days = cJSON_GetObjectItem(r->json, "registrations_by_day");
    static const struct {
        const char *date;
        int n, total;
    } want[] = {{"2031-03-08", 1, 1}, {"2031-03-09", 1, 2}, {"2031-03-10", 0, 2},
                {"2031-03-11", 1, 3}};
    cr_assert_eq(cJSON_GetArraySize(days), 4, "%s", r->body);
    for (int i = 0; i < 4; i++) {
        cJSON *d = cJSON_GetArrayItem(days, i);
        cr_assert_str_eq(cJSON_GetObjectItem(d, "date")->valuestring, want[i].date, "%s", r->body);
        cr_assert_eq((int)cJSON_GetObjectItem(d, "registrations")->valuedouble, want[i].n, "%s",
                     r->body);
        cr_assert_eq((int)cJSON_GetObjectItem(d, "cumulative")->valuedouble, want[i].total, "%s",
                     r->body);
    }
    /* The last cumulative figure: live registrations and cancelled ones. */
    cr_assert_eq((int)it_jnum(r, "totals.registrations") + (int)it_jnum(r, "totals.cancelled"), 3);
    it_resp_free(r);
    free(org);
}
