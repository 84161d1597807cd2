/* Pitches: adding, placing with each kind of clash, the placement race, the auto-scheduler and
 * the timetable, against a real summitd, MariaDB and Redis. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/mt_fixtures.h"
#include "tests/integration/pc_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(pitches, 180);

/* it_expect for an error, with its code. */
static void expect_code(struct it_resp *r, int status, const char *code, const char *what)
{
    cr_assert_eq(r->status, status, "%s: got %d %s", what, r->status, r->body);
    const char *c = it_jstr(r, "error.code");
    cr_assert(c && strcmp(c, code) == 0, "%s: code %s expected, got %s", what, code,
              c ? c : "(none)");
    it_resp_free(r);
}

/* A pitch session world: an organizer, a published event, a pitch session in 路演厅A from T0 to
 * T0 + 3h, an enterprise that owns projects. */
struct world {
    char *org_token;
    int64_t org_id;
    char *ent_token;
    int64_t ent_id;
    int64_t event, session;
};

static void world_new(struct world *w, bool published)
{
    w->org_token = it_organizer(srv, &w->org_id);
    w->ent_token = it_user(srv, "enterprise", &w->ent_id);
    w->event = fx_event(srv, w->org_token, published);
    w->session =
        fx_session(srv, w->org_token, w->event, "pitch", "路演厅A", fx_t0(), fx_t0() + MINS(180));
}

static void world_free(struct world *w)
{
    free(w->org_token);
    free(w->ent_token);
}

/* Adds a pitch; from/until 0 for no limit. Returns its id. */
static int64_t add_pitch(const struct world *w, int64_t session, int64_t presenter, int minutes,
                         int64_t from, int64_t until)
{
    static atomic_int seq;
    char title[64], body[512], a[32], b[32], extra[160] = "";
    snprintf(title, sizeof(title), "智能巡检机器人 %d-%d", (int)getpid(),
             atomic_fetch_add(&seq, 1));
    int64_t project = fx_project(srv, w->ent_token, title, NULL);
    if (from)
        snprintf(extra, sizeof(extra), ",\"available_from\":\"%s\",\"available_until\":\"%s\"",
                 it_rfc3339(from, a), it_rfc3339(until, b));
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":%d%s}",
             (long long)project, (long long)presenter, minutes, extra);
    struct it_resp *r = fx_http(srv, "POST", w->org_token, body, "/api/v1/sessions/%lld/pitches",
                                (long long)session);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    cr_assert_str_eq(it_jstr(r, "project.title"), title);
    cr_assert_null(it_jstr(r, "starts_at"));
    it_resp_free(r);
    return id;
}

static struct it_resp *place(const char *token, int64_t pitch, int64_t start)
{
    char body[96], a[32];
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(start, a));
    return fx_http(srv, "PUT", token, body, "/api/v1/pitches/%lld/slot", (long long)pitch);
}

static void expect_clash(struct it_resp *r, const char *code, int64_t clash_id, const char *what)
{
    cr_assert_eq(r->status, 409, "%s: %d %s", what, r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), code, "%s: %s", what, r->body);
    cr_assert_not_null(it_jstr(r, "error.message"));
    cr_assert_eq((int64_t)it_jnum(r, "error.clash_pitch_id"), clash_id, "%s: %s", what, r->body);
    it_resp_free(r);
}

static int64_t stored_start(int64_t pitch)
{
    return it_sql_i64("SELECT COALESCE(UNIX_TIMESTAMP(starts_at), 0) FROM pitches WHERE id = %lld",
                      (long long)pitch);
}

/* Overlapping placed pairs in the event: same room, or same presenter. */
static int64_t stored_clashes(int64_t event)
{
    return it_sql_i64(
        "SELECT COUNT(*) FROM pitches a JOIN pitches b ON a.id < b.id AND a.event_id = b.event_id"
        " JOIN sessions sa ON sa.id = a.session_id JOIN sessions sb ON sb.id = b.session_id"
        " WHERE a.event_id = %lld AND a.starts_at IS NOT NULL AND b.starts_at IS NOT NULL"
        " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        " AND (sa.room = sb.room OR a.presenter_user_id = b.presenter_user_id)",
        (long long)event);
}

Test(pitches, each_kind_of_clash)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0();
    int64_t u1, u2;
    free(it_user(srv, "attendee", &u1));
    free(it_user(srv, "attendee", &u2));
    int64_t p1 = add_pitch(&w, w.session, u1, 20, 0, 0);
    int64_t p2 = add_pitch(&w, w.session, u2, 20, 0, 0);
    int64_t p3 = add_pitch(&w, w.session, u2, 20, t0 + MINS(60), t0 + MINS(120));

    struct it_resp *r = place(w.org_token, p1, t0);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char a[32];
    cr_assert_str_eq(it_jstr(r, "starts_at"), it_rfc3339(t0, a));
    cr_assert_str_eq(it_jstr(r, "ends_at"), it_rfc3339(t0 + MINS(20), a));
    it_resp_free(r);

    /* Room: another pitch of the session overlaps. */
    expect_clash(place(w.org_token, p2, t0 + MINS(10)), "room_clash", p1, "room");
    /* Outside the session: before its start, or running past its end. */
    expect_clash(place(w.org_token, p2, t0 - MINS(10)), "outside_session", 0, "before");
    expect_clash(place(w.org_token, p2, t0 + MINS(170)), "outside_session", 0, "past end");
    /* Outside availability (10:00–11:00): too early, and ending after until. */
    expect_clash(place(w.org_token, p3, t0 + MINS(30)), "outside_availability", 0, "early");
    expect_clash(place(w.org_token, p3, t0 + MINS(110)), "outside_availability", 0, "late");
    r = place(w.org_token, p3, t0 + MINS(100)); /* ends exactly at until */
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    /* Back to back with p1 is fine. */
    r = place(w.org_token, p2, t0 + MINS(20));
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);

    /* Presenter elsewhere: a parallel session in another room of the same event. */
    int64_t other = fx_session(srv, w.org_token, w.event, "pitch", "路演厅B", t0, t0 + MINS(180));
    int64_t q1 = add_pitch(&w, other, u1, 20, 0, 0);
    expect_clash(place(w.org_token, q1, t0 + MINS(10)), "presenter_clash", p1, "presenter");
    r = place(w.org_token, q1, t0 + MINS(40));
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    /* Moving p1 onto q1's time (room A is free then): the presenter clash names q1. */
    expect_clash(place(w.org_token, p1, t0 + MINS(45)), "presenter_clash", q1, "moving");
    r = place(w.org_token, p1, t0); /* re-placing over its own slot: no clash with itself */
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    expect_clash(place(w.org_token, p1, t0 + MINS(10)), "room_clash", p2, "into p2");
    /* Unplacing p2 frees its time. */
    r = fx_http(srv, "DELETE", w.org_token, NULL, "/api/v1/pitches/%lld/slot", (long long)p2);
    cr_assert_eq(r->status, 204, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(stored_start(p2), 0);
    r = place(w.org_token, p1, t0 + MINS(10));
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(stored_start(p1), t0 + MINS(10));
    cr_assert_eq(stored_start(p3), t0 + MINS(100));
    cr_assert_eq(stored_start(q1), t0 + MINS(40));
    cr_assert_eq(stored_clashes(w.event), 0);
    world_free(&w);
}

#define RACERS 12

struct race {
    const struct it_server *srv[2];
    const char *token;
    int64_t pitch[RACERS];
    int64_t start;
    int status[RACERS];
};

static void race_one(int i, void *arg)
{
    struct race *rc = arg;
    char body[96], a[32];
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(rc->start, a));
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/pitches/%lld/slot", (long long)rc->pitch[i]);
    struct it_resp *r = it_http(rc->srv[i % 2], "PUT", path, rc->token, body, NULL);
    rc->status[i] = r->status;
    it_resp_free(r);
}

static int race_wins(struct race *rc)
{
    it_parallel(RACERS, race_one, rc);
    int wins = 0;
    for (int i = 0; i < RACERS; i++) {
        cr_assert(rc->status[i] == 200 || rc->status[i] == 409, "racer %d got %d", i,
                  rc->status[i]);
        wins += rc->status[i] == 200;
    }
    return wins;
}

/* Organizers placing at the same moment, through two summitd instances: one pitch per room and
 * time, one place per presenter and time, checked over what MariaDB holds. */
Test(pitches, concurrent_placements_cannot_create_a_clash)
{
    struct it_server *srv2 = it_start(NULL);
    struct world w;
    world_new(&w, true);
    char *admin = it_admin(srv);
    int64_t t0 = fx_t0();
    int64_t roomb = fx_session(srv, w.org_token, w.event, "pitch", "路演厅B", t0, t0 + MINS(180));
    struct race rc = {.srv = {srv, srv2}, .token = w.org_token};

    /* 1. Twelve presenters, one room, one start. */
    for (int i = 0; i < RACERS; i++) {
        int64_t u;
        free(it_user(srv, "attendee", &u));
        rc.pitch[i] = add_pitch(&w, w.session, u, 30, 0, 0);
    }
    rc.start = t0;
    cr_assert_eq(race_wins(&rc), 1, "exactly one pitch gets the room at T0");

    /* 2. One presenter, two parallel rooms, one start: the event lock must serialize both
     *    sessions, not just one. Half the pitches in each room. */
    int64_t u;
    free(it_user(srv, "attendee", &u));
    for (int i = 0; i < RACERS; i++)
        rc.pitch[i] = add_pitch(&w, i % 2 ? roomb : w.session, u, 30, 0, 0);
    rc.start = t0 + MINS(60);
    rc.token = admin; /* a second manager of the event */
    cr_assert_eq(race_wins(&rc), 1, "the presenter is in one place at T0+60");
    for (int i = 0; i < RACERS; i++) /* fresh pitches of the same presenter */
        rc.pitch[i] = add_pitch(&w, i % 2 ? roomb : w.session, u, 30, 0, 0);
    rc.start = t0 + MINS(75); /* overlaps the winner by 15 minutes */
    cr_assert_eq(race_wins(&rc), 0, "nobody overlaps the presenter's pitch");

    cr_assert_eq(stored_clashes(w.event), 0, "no overlapping pitches in MariaDB");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM pitches WHERE event_id = %lld"
                            " AND starts_at IS NOT NULL",
                            (long long)w.event),
                 2);
    world_free(&w);
    free(admin);
    cr_assert_eq(it_stop(srv2), 0);
}

Test(pitches, auto_scheduler_places_what_fits_and_says_why_not)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0();
    int64_t sess = fx_session(srv, w.org_token, w.event, "pitch", "路演厅C", t0, t0 + MINS(60));
    int64_t other = fx_session(srv, w.org_token, w.event, "pitch", "路演厅D", t0, t0 + MINS(60));
    int64_t u[7];
    for (int i = 1; i <= 6; i++)
        free(it_user(srv, "attendee", &u[i]));
    int64_t p1 = add_pitch(&w, sess, u[1], 15, 0, 0);
    int64_t p2 = add_pitch(&w, sess, u[2], 15, t0 + MINS(30), t0 + MINS(60));
    int64_t p3 = add_pitch(&w, sess, u[3], 15, 0, 0);
    int64_t p4 = add_pitch(&w, sess, u[4], 15, 0, 0);
    int64_t p5 = add_pitch(&w, sess, u[5], 15, 0, 0);
    int64_t p6 = add_pitch(&w, sess, u[6], 15, t0 + MINS(120), t0 + MINS(180));
    int64_t b1 = add_pitch(&w, other, u[3], 30, 0, 0); /* p3's presenter is busy 0..30 */
    struct it_resp *r = place(w.org_token, p1, t0 + MINS(15));
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    r = place(w.org_token, b1, t0);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);

    /* Free: 0..15, 30..45, 45..60. p2 and p3 can only use the last two; p4/p5 compete for the
     * first. At most three of p2..p5 fit; p6 is never available during the session. */
    r = fx_http(srv, "POST", w.org_token, NULL, "/api/v1/sessions/%lld/pitches/schedule",
                (long long)sess);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *placed = cJSON_GetObjectItem(r->json, "placed");
    cJSON *unplaced = cJSON_GetObjectItem(r->json, "unplaced");
    cr_assert_eq(cJSON_GetArraySize(placed), 3, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(unplaced), 2, "%s", r->body);
    int no_slot = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, unplaced)
    {
        int64_t id = (int64_t)cJSON_GetObjectItem(it, "pitch_id")->valuedouble;
        const char *why = cJSON_GetObjectItem(it, "reason")->valuestring;
        if (id == p6)
            cr_assert_str_eq(why, "outside_availability");
        else {
            cr_assert(id == p4 || id == p5, "%s", r->body);
            cr_assert_str_eq(why, "no_free_slot");
            no_slot++;
        }
    }
    cr_assert_eq(no_slot, 1);
    it_resp_free(r);

    cr_assert_eq(stored_start(p1), t0 + MINS(15), "placed pitches stay where they are");
    cr_assert_eq(stored_start(b1), t0);
    cr_assert_geq(stored_start(p2), t0 + MINS(30), "availability respected");
    cr_assert_geq(stored_start(p3), t0 + MINS(30), "presenter busy until 30");
    cr_assert_eq(stored_start(p6), 0);
    cr_assert_eq(stored_clashes(w.event), 0);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld"
                            " AND action = 'pitches_schedule'",
                            (long long)w.event),
                 1);

    /* A second run keeps everything and places nothing more. */
    int64_t before = it_sql_i64("SELECT SUM(UNIX_TIMESTAMP(starts_at)) FROM pitches"
                                " WHERE session_id = %lld",
                                (long long)sess);
    r = fx_http(srv, "POST", w.org_token, NULL, "/api/v1/sessions/%lld/pitches/schedule",
                (long long)sess);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "placed")), 0);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "unplaced")), 2);
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT SUM(UNIX_TIMESTAMP(starts_at)) FROM pitches"
                            " WHERE session_id = %lld",
                            (long long)sess),
                 before);
    world_free(&w);
}

static cJSON *find_room(cJSON *rooms, const char *name)
{
    cJSON *it;
    cJSON_ArrayForEach(it, rooms)
    {
        if (!strcmp(cJSON_GetObjectItem(it, "room")->valuestring, name))
            return it;
    }
    return NULL;
}

Test(pitches, timetable_by_room_and_time_public_once_published)
{
    struct world w;
    world_new(&w, false);
    int64_t t0 = fx_t0();
    int64_t forum = fx_session(srv, w.org_token, w.event, "forum", "主会场", t0 - MINS(60), t0);
    int64_t u;
    free(it_user(srv, "attendee", &u));
    int64_t p1 = add_pitch(&w, w.session, u, 20, 0, 0);
    int64_t p2 = add_pitch(&w, w.session, w.ent_id, 10, 0, 0);
    int64_t p3 = add_pitch(&w, w.session, w.ent_id, 10, 0, 0); /* stays unplaced */
    struct it_resp *r = place(w.org_token, p2, t0 + MINS(30));
    it_resp_free(r);
    r = place(w.org_token, p1, t0);
    it_resp_free(r);
    char *other = it_organizer(srv, NULL);

    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/events/%lld/timetable", (long long)w.event);
    cr_assert_eq(r->status, 404, "a draft is hidden from the public");
    cr_assert_str_eq(it_jstr(r, "error.code"), "event_not_found");
    it_resp_free(r);
    r = fx_http(srv, "GET", other, NULL, "/api/v1/events/%lld/timetable", (long long)w.event);
    cr_assert_eq(r->status, 404, "and from other organizers");
    it_resp_free(r);
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/events/%lld/timetable", (long long)w.event);
    cr_assert_eq(r->status, 200, "its organizer sees the draft: %s", r->body);
    it_resp_free(r);

    fx_publish(srv, w.org_token, w.event);
    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/events/%lld/timetable", (long long)w.event);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "event.id"), w.event);
    cJSON *rooms = cJSON_GetObjectItem(r->json, "rooms");
    cr_assert_eq(cJSON_GetArraySize(rooms), 2, "%s", r->body);
    cJSON *ra = find_room(rooms, "路演厅A"), *main = find_room(rooms, "主会场");
    cr_assert(ra && main, "%s", r->body);
    cJSON *ms = cJSON_GetArrayItem(cJSON_GetObjectItem(main, "sessions"), 0);
    cr_assert_eq((int64_t)cJSON_GetObjectItem(ms, "id")->valuedouble, forum);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ms, "pitches")), 0);
    cJSON *ss = cJSON_GetArrayItem(cJSON_GetObjectItem(ra, "sessions"), 0);
    cr_assert_eq((int64_t)cJSON_GetObjectItem(ss, "id")->valuedouble, w.session);
    cJSON *ps = cJSON_GetObjectItem(ss, "pitches");
    cr_assert_eq(cJSON_GetArraySize(ps), 2, "only placed pitches, %s", r->body);
    cJSON *first = cJSON_GetArrayItem(ps, 0), *second = cJSON_GetArrayItem(ps, 1);
    cr_assert_eq((int64_t)cJSON_GetObjectItem(first, "id")->valuedouble, p1, "by time");
    cr_assert_eq((int64_t)cJSON_GetObjectItem(second, "id")->valuedouble, p2);
    char a[32];
    cr_assert_str_eq(cJSON_GetObjectItem(first, "starts_at")->valuestring, it_rfc3339(t0, a));
    cr_assert_str_eq(cJSON_GetObjectItem(first, "ends_at")->valuestring,
                     it_rfc3339(t0 + MINS(20), a));
    cJSON *proj = cJSON_GetObjectItem(second, "project");
    cr_assert(strstr(cJSON_GetObjectItem(proj, "title")->valuestring, "智能巡检机器人"));
    cJSON *org = cJSON_GetObjectItem(second, "organization");
    cr_assert(strstr(cJSON_GetObjectItem(org, "name")->valuestring, "科技有限公司"));
    cJSON *pres = cJSON_GetObjectItem(second, "presenter");
    cr_assert_eq((int64_t)cJSON_GetObjectItem(pres, "id")->valuedouble, w.ent_id);
    cr_assert_str_eq(cJSON_GetObjectItem(pres, "display_name")->valuestring, "测试 enterprise");
    (void)p3; /* unplaced: not in the timetable (2 pitches above) */
    it_resp_free(r);

    expect_code(fx_http(srv, "GET", NULL, NULL, "/api/v1/events/999999999/timetable"), 404,
                "event_not_found", "unknown event");
    free(other);
    world_free(&w);
}

Test(pitches, bad_input_and_authorization_on_every_route)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0();
    int64_t u;
    char *att = it_user(srv, "attendee", &u);
    char *other = it_organizer(srv, NULL);
    char *admin = it_admin(srv);
    int64_t project = fx_project(srv, w.ent_token, "城市大脑", NULL);
    int64_t forum = fx_session(srv, w.org_token, w.event, "forum", "主会场", t0, t0 + MINS(60));
    char a[32], b[32], body[512];
    struct {
        const char *body;
        const char *field;
    } cases[] = {
        {"{}", "project_id"},
        {"{\"project_id\":\"x\",\"presenter_user_id\":1,\"minutes\":10}", "project_id"},
        {"{\"project_id\":0,\"presenter_user_id\":1,\"minutes\":10}", "project_id"},
        {"{\"project_id\":%P,\"minutes\":10}", "presenter_user_id"},
        {"{\"project_id\":%P,\"presenter_user_id\":%U,\"minutes\":0}", "minutes"},
        {"{\"project_id\":%P,\"presenter_user_id\":%U,\"minutes\":1.5}", "minutes"},
        {"{\"project_id\":%P,\"presenter_user_id\":%U,\"minutes\":181}", "minutes"},
        {"{\"project_id\":%P,\"presenter_user_id\":%U}", "minutes"},
        {"{\"project_id\":%P,\"presenter_user_id\":%U,\"minutes\":10,"
         "\"available_from\":\"tomorrow\"}",
         "available_from"},
        {"{\"project_id\":%P,\"presenter_user_id\":%U,\"minutes\":10,"
         "\"available_from\":\"%B\",\"available_until\":\"%A\"}",
         "available_until"},
        {"{\"project_id\":999999999,\"presenter_user_id\":%U,\"minutes\":10}", "project_id"},
        {"{\"project_id\":%P,\"presenter_user_id\":999999999,\"minutes\":10}", "presenter_user_id"},
        {"[1]", NULL},
        {"{\"project_id\":", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* Expand %P (project), %U (user), %A/%B (two times, B after A). */
        char *o = body;
        for (const char *p = cases[i].body; *p; p++) {
            if (*p == '%' && p[1]) {
                p++;
                if (*p == 'P')
                    o += sprintf(o, "%lld", (long long)project);
                else if (*p == 'U')
                    o += sprintf(o, "%lld", (long long)u);
                else if (*p == 'A')
                    o += sprintf(o, "%s", it_rfc3339(t0, a));
                else
                    o += sprintf(o, "%s", it_rfc3339(t0 + MINS(5), b));
            } else {
                *o++ = *p;
            }
        }
        *o = '\0';
        struct it_resp *r = fx_http(srv, "POST", w.org_token, body, "/api/v1/sessions/%lld/pitches",
                                    (long long)w.session);
        char what[64];
        snprintf(what, sizeof(what), "case %zu", i);
        it_expect(r, 400, cases[i].field, what);
    }
    snprintf(body, sizeof(body), "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
             (long long)project, (long long)u);
    it_expect(
        fx_http(srv, "POST", NULL, body, "/api/v1/sessions/%lld/pitches", (long long)w.session),
        401, NULL, "anonymous");
    it_expect(
        fx_http(srv, "POST", att, body, "/api/v1/sessions/%lld/pitches", (long long)w.session), 403,
        NULL, "attendee");
    it_expect(
        fx_http(srv, "POST", other, body, "/api/v1/sessions/%lld/pitches", (long long)w.session),
        403, NULL, "another organizer");
    expect_code(fx_http(srv, "POST", w.org_token, body, "/api/v1/sessions/999999999/pitches"), 404,
                "session_not_found", "unknown session");
    struct it_resp *r =
        fx_http(srv, "POST", w.org_token, body, "/api/v1/sessions/%lld/pitches", (long long)forum);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "wrong_session_kind");
    it_resp_free(r);

    /* Idempotency-Key: a retry returns the first response and creates nothing. */
    char key[96];
    snprintf(key, sizeof(key), "Idempotency-Key: pitch-retry-%lld-%lld\r\n", (long long)getpid(),
             (long long)it_now_ms());
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/pitches", (long long)w.session);
    r = it_http(srv, "POST", path, admin, body, key);
    cr_assert_eq(r->status, 201, "the admin manages any event: %s", r->body);
    int64_t pid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = it_http(srv, "POST", path, admin, body, key);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "id"), pid);
    it_resp_free(r);
    r = it_http(srv, "POST", path, w.org_token, body, NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "pitch_exists");
    it_resp_free(r);
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM pitches WHERE session_id = %lld", (long long)w.session),
        1);

    /* PUT / DELETE slot. */
    const char *bad_slots[] = {"{}", "{\"starts_at\":\"nope\"}", "{\"starts_at\":5}",
                               "{\"starts_at\":\"2031-13-01T00:00:00Z\"}", NULL};
    for (int i = 0; bad_slots[i]; i++)
        it_expect(fx_http(srv, "PUT", w.org_token, bad_slots[i], "/api/v1/pitches/%lld/slot",
                          (long long)pid),
                  400, "starts_at", bad_slots[i]);
    it_expect(
        fx_http(srv, "PUT", w.org_token, "not json", "/api/v1/pitches/%lld/slot", (long long)pid),
        400, NULL, "not json");
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(t0, a));
    it_expect(fx_http(srv, "PUT", other, body, "/api/v1/pitches/%lld/slot", (long long)pid), 403,
              NULL, "other organizer places");
    it_expect(fx_http(srv, "PUT", att, body, "/api/v1/pitches/%lld/slot", (long long)pid), 403,
              NULL, "attendee places");
    it_expect(fx_http(srv, "PUT", NULL, body, "/api/v1/pitches/%lld/slot", (long long)pid), 401,
              NULL, "anonymous places");
    expect_code(fx_http(srv, "PUT", w.org_token, body, "/api/v1/pitches/999999999/slot"), 404,
                "pitch_not_found", "unknown pitch");
    it_expect(fx_http(srv, "PUT", w.org_token, body, "/api/v1/pitches/abc/slot"), 404, NULL,
              "bad id");
    it_expect(fx_http(srv, "DELETE", other, NULL, "/api/v1/pitches/%lld/slot", (long long)pid), 403,
              NULL, "other organizer unplaces");
    expect_code(fx_http(srv, "DELETE", w.org_token, NULL, "/api/v1/pitches/999999999/slot"), 404,
                "pitch_not_found", "unknown pitch unplaced");
    it_expect(fx_http(srv, "PUT", w.org_token, body, "/api/v1/pitches/%lld/slot", (long long)pid),
              200, NULL, "placed");
    cr_assert_eq(stored_start(pid), t0);

    /* Schedule. */
    it_expect(fx_http(srv, "POST", other, NULL, "/api/v1/sessions/%lld/pitches/schedule",
                      (long long)w.session),
              403, NULL, "other organizer schedules");
    expect_code(
        fx_http(srv, "POST", w.org_token, NULL, "/api/v1/sessions/999999999/pitches/schedule"), 404,
        "session_not_found", "unknown session scheduled");
    r = fx_http(srv, "POST", w.org_token, NULL, "/api/v1/sessions/%lld/pitches/schedule",
                (long long)forum);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "wrong_session_kind");
    it_resp_free(r);

    /* A draft event's session is invisible to other organizers. */
    int64_t draft = fx_event(srv, w.org_token, false);
    int64_t ds = fx_session(srv, w.org_token, draft, "pitch", "X", t0, t0 + MINS(60));
    expect_code(
        fx_http(srv, "POST", other, NULL, "/api/v1/sessions/%lld/pitches/schedule", (long long)ds),
        404, "session_not_found", "draft hidden");
    /* A pitch there is unknown to them, too (not a session_not_found that gives it away). */
    snprintf(body, sizeof(body), "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
             (long long)project, (long long)u);
    r = fx_http(srv, "POST", w.org_token, body, "/api/v1/sessions/%lld/pitches", (long long)ds);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t dp = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(t0, a));
    expect_code(fx_http(srv, "PUT", other, body, "/api/v1/pitches/%lld/slot", (long long)dp), 404,
                "pitch_not_found", "draft's pitch placed");
    expect_code(fx_http(srv, "DELETE", other, NULL, "/api/v1/pitches/%lld/slot", (long long)dp),
                404, "pitch_not_found", "draft's pitch unplaced");
    free(att);
    free(other);
    free(admin);
    world_free(&w);
}

/* ---- a presenter's agenda beyond the event: other events, 1:1 meetings ---- */

/* The presenter `ptok` founds an organization (so is a member of it), which gets a 1:1 meeting
 * with another organization at a third event, from T0+60 to T0+90. Returns the meeting's id. */
static int64_t presenter_meeting(const struct world *w, const char *ptok, int64_t *org_out)
{
    char name[96];
    it_unique(name, sizeof(name), "presenter-org-");
    int64_t mine = mx_org(srv, ptok, name);
    it_unique(name, sizeof(name), "partner-org-");
    int64_t other = mx_org(srv, w->ent_token, name);
    int64_t fair = mx_event(srv, w->org_token, fx_t0() - 3600, 10, "1:1 对接会");
    mx_exhibit(srv, w->org_token, fair, mine);
    mx_exhibit(srv, w->org_token, fair, other);
    mx_match(mine, other, 0.9, "对接");
    mx_slots(srv, w->org_token, fair, fx_t0() + MINS(60), 30, 1, 1);
    struct it_resp *r = fx_http(srv, "POST", w->org_token, NULL,
                                "/api/v1/events/%lld/meetings/schedule", (long long)fair);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 1, "%s", r->body);
    it_resp_free(r);
    if (org_out)
        *org_out = mine;
    return it_sql_i64("SELECT id FROM meetings WHERE event_id = %lld AND status = 'scheduled'",
                      (long long)fair);
}

/* Regression (hardening issue, item 8): the clash check only looked at pitches of the same
 * event and ignored the presenter's 1:1 meetings, and the auto-scheduler did the same. */
Test(pitches, presenter_is_busy_at_other_events_and_in_meetings)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0(), pres;
    char *ptok = it_user(srv, "enterprise", &pres);
    int64_t meeting = presenter_meeting(&w, ptok, NULL);
    /* Another event on the same day: the presenter pitches there from T0 to T0+20. */
    int64_t e2 = fx_event(srv, w.org_token, true);
    int64_t s2 = fx_session(srv, w.org_token, e2, "pitch", "路演厅A", t0, t0 + MINS(180));
    int64_t q = add_pitch(&w, s2, pres, 20, 0, 0);
    it_expect(place(w.org_token, q, t0), 200, NULL, "q at the other event");

    int64_t p = add_pitch(&w, w.session, pres, 20, 0, 0);
    expect_clash(place(w.org_token, p, t0 + MINS(10)), "presenter_clash", q, "other event");
    struct it_resp *r = place(w.org_token, p, t0 + MINS(70));
    cr_assert_eq(r->status, 409, "in the meeting: %d %s", r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "presenter_clash");
    cr_assert_eq((int64_t)it_jnum(r, "error.clash_meeting_id"), meeting, "%s", r->body);
    cr_assert_null(it_jstr(r, "error.clash_pitch_id"));
    /* Chinese by default (server/i18n.h): the message names the 1:1 meeting. */
    cr_assert(strstr(it_jstr(r, "error.message"), "洽谈"), "%s", r->body);
    it_resp_free(r);
    it_expect(place(w.org_token, p, t0 + MINS(30)), 200, NULL, "p between the two");

    /* The auto-scheduler, from T0+60 to T0+120: the meeting holds the presenter until T0+90, a
     * pitch at the other event from T0+100. Only 10 minutes are free. */
    int64_t q2 = add_pitch(&w, s2, pres, 20, 0, 0);
    it_expect(place(w.org_token, q2, t0 + MINS(100)), 200, NULL, "q2 at the other event");
    int64_t s3 =
        fx_session(srv, w.org_token, w.event, "pitch", "路演厅C", t0 + MINS(60), t0 + MINS(120));
    int64_t longer = add_pitch(&w, s3, pres, 20, 0, 0);
    int64_t shorter = add_pitch(&w, s3, pres, 10, 0, 0);
    r = fx_http(srv, "POST", w.org_token, NULL, "/api/v1/sessions/%lld/pitches/schedule",
                (long long)s3);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "placed")), 1, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "unplaced.0.pitch_id"), longer, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "unplaced.0.reason"), "presenter_busy");
    it_resp_free(r);
    cr_assert_eq(stored_start(shorter), t0 + MINS(90));
    cr_assert_eq(stored_start(longer), 0);

    /* Over what MariaDB holds: none of the presenter's pitches overlaps another or a meeting. */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM pitches a JOIN pitches b ON a.id < b.id"
                            " AND a.presenter_user_id = b.presenter_user_id"
                            " WHERE a.presenter_user_id = %lld AND a.starts_at < b.ends_at"
                            " AND b.starts_at < a.ends_at",
                            (long long)pres),
                 0);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM pitches p JOIN org_members om"
                            " ON om.user_id = p.presenter_user_id JOIN meetings m"
                            " ON om.org_id IN (m.org_a, m.org_b) AND m.status = 'scheduled'"
                            " JOIN meeting_slots ms ON ms.id = m.slot_id"
                            " WHERE p.presenter_user_id = %lld AND p.starts_at < ms.ends_at"
                            " AND ms.starts_at < p.ends_at",
                            (long long)pres),
                 0);
    free(ptok);
    world_free(&w);
}

struct bg_put {
    const struct it_server *via; /* NULL: srv */
    const char *token;
    int64_t pitch, start;
    int status;
    char code[32];
    atomic_bool done;
};

static void *bg_put_main(void *arg)
{
    struct bg_put *b = arg;
    char body[96], a[32];
    snprintf(body, sizeof(body), "{\"starts_at\":\"%s\"}", it_rfc3339(b->start, a));
    struct it_resp *r = fx_http(b->via ? b->via : srv, "PUT", b->token, body,
                                "/api/v1/pitches/%lld/slot", (long long)b->pitch);
    b->status = r->status;
    snprintf(b->code, sizeof(b->code), "%s", it_jstr(r, "error.code") ?: "");
    it_resp_free(r);
    atomic_store(&b->done, true);
    return NULL;
}

/* Against the cluster, a second summitd: the harness points it at another Galera node first,
 * so a request through it takes its locks on another node than one through srv. NULL on one
 * server (srv alone shows the lock waits). */
static struct it_server *other_node(void)
{
    return it_cluster() ? it_start(NULL) : NULL;
}

static bool redis_has(void *arg)
{
    return it_sh(IT_REDIS_CLI " EXISTS '%s' | grep -q '^1$'", (const char *)arg) == 0;
}

struct blocked {
    atomic_bool *done;
    const char *needle; /* in the waiting statement */
};

/* The request finished, or MariaDB shows a transaction waiting for a lock in that statement. */
static bool done_or_waiting(void *arg)
{
    struct blocked *b = arg;
    return atomic_load(b->done) ||
           it_sql_i64("SELECT COUNT(*) FROM information_schema.INNODB_TRX"
                      " WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE '%%%s%%'",
                      b->needle) > 0;
}

/* Parks a placement of `pitch` at the pitch_place hook (checked, locks held, not written). */
static pthread_t park_placement(struct bg_put *b, char *hold, size_t holdlen)
{
    char held[96];
    snprintf(hold, holdlen, "t:debug:hold:pitch_place:%lld", (long long)b->pitch);
    snprintf(held, sizeof(held), "t:debug:held:pitch_place:%lld", (long long)b->pitch);
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s' 1 EX 30 >/dev/null", hold), 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, bg_put_main, b), 0);
    cr_assert(it_wait(redis_has, held, 10000), "the placement never reached its hook");
    return th;
}

/* Regression (hardening issue, item 8): placements in two events each locked only their own
 * event, so two organizers could place one presenter at one time. A placement now locks the
 * presenter's user row. The first placement is parked after its checks; the second must wait
 * for it and then see it. */
Test(pitches, placements_in_two_events_at_once_keep_a_presenter_in_one_place)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0(), pres;
    free(it_user(srv, "attendee", &pres));
    int64_t e2 = fx_event(srv, w.org_token, true);
    int64_t s2 = fx_session(srv, w.org_token, e2, "pitch", "路演厅B", t0, t0 + MINS(180));
    struct bg_put first = {.token = w.org_token, .start = t0};
    struct it_server *node2 = other_node();
    struct bg_put second = {.via = node2, .token = w.org_token, .start = t0 + MINS(15)};
    first.pitch = add_pitch(&w, w.session, pres, 30, 0, 0);
    second.pitch = add_pitch(&w, s2, pres, 30, 0, 0);
    char hold[96];
    pthread_t t1 = park_placement(&first, hold, sizeof(hold));
    pthread_t t2;
    cr_assert_eq(pthread_create(&t2, NULL, bg_put_main, &second), 0);
    struct blocked bl = {&second.done, "FROM users"};
    cr_assert(it_wait(done_or_waiting, &bl, 30000), "the second placement neither ran nor waited");
    cr_assert_eq(it_sh(IT_REDIS_CLI " DEL '%s' >/dev/null", hold), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    /* One server: the second waited for the first's lock, so the first wins. A cluster: the
     * two may run on two Galera nodes, where a lock holds on one node only; then the one that
     * commits second fails certification on the presenter's key, runs again and is refused.
     * Either way exactly one placement stands. */
    struct bg_put *won = &first, *lost = &second;
    if (it_cluster() && first.status == 409) {
        won = &second;
        lost = &first;
    }
    cr_assert_eq(won->status, 200);
    cr_assert_eq(lost->status, 409, "the presenter was placed in two events at once");
    cr_assert_str_eq(lost->code, "presenter_clash");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM pitches a JOIN pitches b ON a.id < b.id"
                            " AND a.presenter_user_id = b.presenter_user_id"
                            " WHERE a.presenter_user_id = %lld AND a.starts_at < b.ends_at"
                            " AND b.starts_at < a.ends_at",
                            (long long)pres),
                 0);
    if (node2)
        cr_assert_eq(it_stop(node2), 0);
    world_free(&w);
}

/* ---- changing a session with placed pitches ---- */

static struct it_resp *patch_session(const char *token, int64_t session, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static struct it_resp *patch_session(const char *token, int64_t session, const char *fmt, ...)
{
    char body[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    return fx_http(srv, "PATCH", token, body, "/api/v1/sessions/%lld", (long long)session);
}

static void expect_session_clash(struct it_resp *r, const char *code, const char *field,
                                 int64_t pitch, int64_t clash_pitch, const char *what)
{
    cr_assert_eq(r->status, 409, "%s: %d %s", what, r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), code, "%s: %s", what, r->body);
    if (field)
        cr_assert_str_eq(it_jstr(r, "error.field") ?: "(none)", field, "%s: %s", what, r->body);
    cr_assert_eq((int64_t)it_jnum(r, "error.pitch_id"), pitch, "%s: %s", what, r->body);
    cr_assert_eq((int64_t)it_jnum(r, "error.clash_pitch_id"), clash_pitch, "%s: %s", what, r->body);
    it_resp_free(r);
}

/* Regression (hardening issue, item 8): PATCH /sessions/{id} changed a session's room or times
 * without looking at the pitches already placed in it: a pitch could end up outside its
 * session, or two pitches in one room at once. */
Test(pitches, session_changes_keep_placed_pitches_clash_free)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0(), u1, u2;
    free(it_user(srv, "attendee", &u1));
    free(it_user(srv, "attendee", &u2));
    int64_t sb = fx_session(srv, w.org_token, w.event, "pitch", "路演厅B", t0, t0 + MINS(180));
    int64_t p1 = add_pitch(&w, w.session, u1, 20, 0, 0);
    int64_t q1 = add_pitch(&w, sb, u2, 20, 0, 0);
    it_expect(place(w.org_token, p1, t0 + MINS(30)), 200, NULL, "p1 in room A 30..50");
    it_expect(place(w.org_token, q1, t0 + MINS(40)), 200, NULL, "q1 in room B 40..60");
    char a[32], b[32];

    expect_session_clash(
        patch_session(w.org_token, w.session, "{\"ends_at\":\"%s\"}", it_rfc3339(t0 + MINS(45), a)),
        "outside_session", "ends_at", p1, 0, "ending before p1 ends");
    expect_session_clash(patch_session(w.org_token, w.session, "{\"starts_at\":\"%s\"}",
                                       it_rfc3339(t0 + MINS(35), a)),
                         "outside_session", "starts_at", p1, 0, "starting after p1 starts");
    expect_session_clash(patch_session(w.org_token, w.session, "{\"room\":\"路演厅B\"}"),
                         "room_clash", "room", p1, q1, "into room B");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions WHERE id = %lld AND room = '路演厅A'"
                            " AND starts_at = '%s' AND ends_at = '%s'",
                            (long long)w.session, it_sqltime(t0, a), it_sqltime(t0 + MINS(180), b)),
                 1, "refused changes are not stored");

    /* The presenter rule too: p1's presenter pitches at another event over p1 (a clash stored
     * before the check existed); a move of the session is refused naming it. */
    int64_t e2 = fx_event(srv, w.org_token, true);
    int64_t legacy = it_sql_i64(
        "INSERT INTO pitches (session_id, event_id, project_id, presenter_user_id, minutes,"
        " starts_at, ends_at, created_by, created_at, updated_at) VALUES (0, %lld, %lld, %lld,"
        " 20, '%s', '%s', 1, UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID();",
        (long long)e2, (long long)-e2, (long long)u1, it_sqltime(t0 + MINS(30), a),
        it_sqltime(t0 + MINS(50), b));
    expect_session_clash(patch_session(w.org_token, w.session, "{\"room\":\"路演厅C\"}"),
                         "presenter_clash", NULL, p1, legacy, "presenter elsewhere");
    free(it_sql("DELETE FROM pitches WHERE id = %lld", (long long)legacy));

    /* Changes that keep every placed pitch in place go through; so do ones that move nothing. */
    struct it_resp *r =
        patch_session(w.org_token, w.session, "{\"room\":\"路演厅C\",\"ends_at\":\"%s\"}",
                      it_rfc3339(t0 + MINS(50), a));
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "room"), "路演厅C");
    it_resp_free(r);
    it_expect(patch_session(w.org_token, w.session, "{\"title\":\"改名的路演\"}"), 200, NULL,
              "title only");
    cr_assert_eq(stored_clashes(w.event), 0);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM pitches p JOIN sessions s ON s.id = p.session_id"
                            " WHERE s.event_id = %lld AND p.starts_at IS NOT NULL"
                            " AND (p.starts_at < s.starts_at OR p.ends_at > s.ends_at)",
                            (long long)w.event),
                 0, "every placed pitch lies inside its session");
    world_free(&w);
}

/* ---- a placement and a meeting plan at two events, at the same moment ---- */

struct bg_post {
    const struct it_server *via; /* NULL: srv */
    const char *token;
    char path[96];
    int status;
    int scheduled;
    atomic_bool done;
};

static void *bg_post_main(void *arg)
{
    struct bg_post *b = arg;
    struct it_resp *r = it_http(b->via ? b->via : srv, "POST", b->path, b->token, NULL, NULL);
    b->status = r->status;
    b->scheduled = (int)it_jnum(r, "scheduled_count");
    it_resp_free(r);
    atomic_store(&b->done, true);
    return NULL;
}

/* Regression (hardening issue, item 8): the meeting scheduler read its organizations' pitches
 * from its snapshot without any lock a placement takes, so a pitch placed at another event while
 * a plan was made could land in a meeting of the presenter's organization. The placement is
 * parked after its checks with its locks held; the plan must wait for it and then see it. */
Test(pitches, meeting_plan_and_placement_at_once_keep_a_presenter_in_one_place)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0(), pres;
    char *ptok = it_user(srv, "enterprise", &pres);
    char name[96];
    it_unique(name, sizeof(name), "presenter-org-");
    int64_t mine = mx_org(srv, ptok, name);
    it_unique(name, sizeof(name), "partner-org-");
    int64_t other = mx_org(srv, w.ent_token, name);
    int64_t fair = mx_event(srv, w.org_token, t0 - 3600, 10, "1:1 对接会");
    mx_exhibit(srv, w.org_token, fair, mine);
    mx_exhibit(srv, w.org_token, fair, other);
    mx_match(mine, other, 0.9, "对接");
    mx_slots(srv, w.org_token, fair, t0 + MINS(60), 30, 1, 1); /* the only slot: 60..90 */

    struct bg_put put = {.token = w.org_token, .start = t0 + MINS(65)};
    put.pitch = add_pitch(&w, w.session, pres, 20, 0, 0);
    char hold[96];
    pthread_t t1 = park_placement(&put, hold, sizeof(hold));
    struct it_server *node2 = other_node();
    struct bg_post plan = {.via = node2, .token = w.org_token};
    snprintf(plan.path, sizeof(plan.path), "/api/v1/events/%lld/meetings/schedule",
             (long long)fair);
    pthread_t t2;
    cr_assert_eq(pthread_create(&t2, NULL, bg_post_main, &plan), 0);
    struct blocked bl = {&plan.done, "FROM org_members"};
    cr_assert(it_wait(done_or_waiting, &bl, 30000), "the plan neither ran nor waited");
    cr_assert_eq(it_sh(IT_REDIS_CLI " DEL '%s' >/dev/null", hold), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);

    cr_assert_eq(plan.status, 200);
    if (it_cluster() && put.status == 409) {
        /* Two Galera nodes (see above): the plan committed first, so the placement, certified
         * against the organization's key, ran again, saw the meeting and was refused. */
        cr_assert_eq(plan.scheduled, 1);
    } else {
        cr_assert_eq(put.status, 200);
        cr_assert_eq(plan.scheduled, 0, "the meeting was put over the presenter's pitch");
    }
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM pitches p JOIN org_members om"
                            " ON om.user_id = p.presenter_user_id JOIN meetings m"
                            " ON om.org_id IN (m.org_a, m.org_b) AND m.status = 'scheduled'"
                            " JOIN meeting_slots ms ON ms.id = m.slot_id"
                            " WHERE p.presenter_user_id = %lld AND p.starts_at < ms.ends_at"
                            " AND ms.starts_at < p.ends_at",
                            (long long)pres),
                 0, "a pitch and a meeting of the presenter overlap in MariaDB");
    if (node2)
        cr_assert_eq(it_stop(node2), 0);
    free(ptok);
    world_free(&w);
}

/* The ids of a GET /sessions/{id}/pitches page, in order, and its next_cursor (or ""). */
static size_t list_ids(struct it_resp *r, int64_t *ids, size_t max, char *next, size_t nextlen)
{
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *items = cJSON_GetObjectItem(r->json, "items");
    size_t n = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        cr_assert_lt(n, max);
        ids[n++] = (int64_t)cJSON_GetObjectItem(it, "id")->valuedouble;
    }
    const char *c = it_jstr(r, "next_cursor");
    snprintf(next, nextlen, "%s", c ? c : "");
    return n;
}

Test(pitches, session_list_holds_placed_and_unplaced_for_the_organizer_only)
{
    struct world w;
    world_new(&w, true);
    int64_t t0 = fx_t0();
    int64_t u;
    char *att = it_user(srv, "attendee", &u);
    int64_t p1 = add_pitch(&w, w.session, u, 20, 0, 0);
    int64_t p2 = add_pitch(&w, w.session, w.ent_id, 10, 0, 0); /* stays unplaced */
    int64_t p3 = add_pitch(&w, w.session, w.ent_id, 10, 0, 0);
    it_resp_free(place(w.org_token, p1, t0 + MINS(30)));
    it_resp_free(place(w.org_token, p3, t0));

    /* All three, by id; the unplaced one with a null slot, the placed ones with theirs. */
    struct it_resp *r =
        fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches", (long long)w.session);
    int64_t ids[8];
    char next[80];
    cr_assert_eq(list_ids(r, ids, 8, next, sizeof(next)), 3, "%s", r->body);
    cr_assert(ids[0] == p1 && ids[1] == p2 && ids[2] == p3, "%s", r->body);
    cr_assert_str_eq(next, "");
    cJSON *items = cJSON_GetObjectItem(r->json, "items");
    cJSON *a = cJSON_GetArrayItem(items, 0), *b = cJSON_GetArrayItem(items, 1);
    char buf[32];
    cr_assert_str_eq(cJSON_GetObjectItem(a, "starts_at")->valuestring,
                     it_rfc3339(t0 + MINS(30), buf));
    cr_assert_str_eq(cJSON_GetObjectItem(a, "ends_at")->valuestring, it_rfc3339(t0 + MINS(50), buf));
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(b, "starts_at")), "unplaced: %s", r->body);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(b, "ends_at")), "unplaced: %s", r->body);
    cr_assert(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "project"), "title")->valuestring,
                     "智能巡检机器人"));
    cr_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(b, "presenter"), "display_name")->valuestring,
        "测试 enterprise");
    cr_assert_eq((int64_t)cJSON_GetObjectItem(b, "minutes")->valuedouble, 10);
    it_resp_free(r);

    /* placed=false is what the timetable's unplaced list needs; placed=true the others. */
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches?placed=false",
                (long long)w.session);
    cr_assert_eq(list_ids(r, ids, 8, next, sizeof(next)), 1, "%s", r->body);
    cr_assert_eq(ids[0], p2);
    it_resp_free(r);
    /* A pitch taken off the grid is listed as unplaced again. */
    it_resp_free(fx_http(srv, "DELETE", w.org_token, NULL, "/api/v1/pitches/%lld/slot",
                         (long long)p3));
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches?placed=true",
                (long long)w.session);
    cr_assert_eq(list_ids(r, ids, 8, next, sizeof(next)), 1, "%s", r->body);
    cr_assert_eq(ids[0], p1);
    it_resp_free(r);

    /* Pages of one, chained by next_cursor. */
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches?limit=2",
                (long long)w.session);
    cr_assert_eq(list_ids(r, ids, 8, next, sizeof(next)), 2);
    cr_assert(ids[0] == p1 && ids[1] == p2);
    cr_assert_neq(next[0], '\0', "more follow");
    it_resp_free(r);
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches?limit=2&cursor=%s",
                (long long)w.session, next);
    cr_assert_eq(list_ids(r, ids, 8, next, sizeof(next)), 1);
    cr_assert_eq(ids[0], p3);
    cr_assert_str_eq(next, "");
    it_resp_free(r);

    /* Bad input names the parameter. */
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches?placed=maybe",
                (long long)w.session);
    it_expect(r, 400, "placed", "placed is a boolean");
    r = fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches?cursor=junk",
                (long long)w.session);
    it_expect(r, 400, "cursor", "a cursor this list did not issue");

    /* Nobody else reads it: not the presenter, not another organizer, not anonymous. */
    char *other = it_organizer(srv, NULL);
    expect_code(fx_http(srv, "GET", att, NULL, "/api/v1/sessions/%lld/pitches",
                        (long long)w.session),
                403, "forbidden", "the presenter");
    expect_code(fx_http(srv, "GET", other, NULL, "/api/v1/sessions/%lld/pitches",
                        (long long)w.session),
                403, "forbidden", "another organizer");
    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/sessions/%lld/pitches", (long long)w.session);
    it_expect(r, 401, NULL, "anonymous");
    char *admin = it_admin(srv);
    r = fx_http(srv, "GET", admin, NULL, "/api/v1/sessions/%lld/pitches", (long long)w.session);
    it_expect(r, 200, NULL, "an admin");

    /* A session of another kind has no pitches; an unknown one is not found. */
    int64_t forum =
        fx_session(srv, w.org_token, w.event, "forum", "主会场", t0 - MINS(60), t0);
    expect_code(fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/%lld/pitches",
                        (long long)forum),
                409, "wrong_session_kind", "a forum session");
    expect_code(fx_http(srv, "GET", w.org_token, NULL, "/api/v1/sessions/999999999/pitches"), 404,
                "session_not_found", "unknown session");
    free(admin);
    free(other);
    free(att);
    world_free(&w);
}
