/* Registration against a real summitd, MariaDB and Redis: capacity under a crowd (one and two
 * instances), waitlist promotion, idempotent retries, windows, event states, authorization,
 * check-in and the CSV export. Stored state is checked in MariaDB, not only the responses. */
#include <pthread.h>
#include <stdatomic.h>

#include "tests/integration/ev_fixtures.h"

IT_SUITE(registrations, 240);

/* ---- the crowd ---- */

#define CROWD 300
#define SEATS 50

struct crowd {
    const struct it_server *servers[2];
    struct ev_users users;
    int64_t session_id;
    int status[CROWD];
    int64_t reg_id[CROWD];
    int position[CROWD];
    bool confirmed[CROWD];
    char code[CROWD][40];
};

static void crowd_register(int i, void *arg)
{
    struct crowd *c = arg;
    const struct it_server *s = c->servers[c->servers[1] ? i % 2 : 0];
    struct it_resp *r = ev_register(s, c->users.tokens[i], c->session_id, NULL);
    c->status[i] = r->status;
    if (r->status == 201) {
        c->reg_id[i] = (int64_t)it_jnum(r, "id");
        c->confirmed[i] = strcmp(it_jstr(r, "status"), "confirmed") == 0;
        c->position[i] = (int)it_jnum(r, "waitlist_position");
        if (c->confirmed[i])
            snprintf(c->code[i], sizeof(c->code[i]), "%s", it_jstr(r, "checkin_code"));
    }
    it_resp_free(r);
}

/* Exactly SEATS confirmed, the rest waitlisted with positions 1..n once each: in the responses,
 * in the rows and in the session's counters. */
static void check_session_state(int64_t sid, int confirmed, int waiting)
{
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld AND"
                            " status = 'confirmed'",
                            (long long)sid),
                 confirmed);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld AND"
                            " status = 'waitlisted'",
                            (long long)sid),
                 waiting);
    cr_assert_eq(it_sql_i64("SELECT COUNT(DISTINCT waitlist_position) FROM registrations WHERE"
                            " session_id = %lld AND status = 'waitlisted'",
                            (long long)sid),
                 waiting, "waitlist positions are unique");
    if (waiting) {
        cr_assert_eq(it_sql_i64("SELECT MIN(waitlist_position) FROM registrations WHERE"
                                " session_id = %lld AND status = 'waitlisted'",
                                (long long)sid),
                     1);
        cr_assert_eq(it_sql_i64("SELECT MAX(waitlist_position) FROM registrations WHERE"
                                " session_id = %lld AND status = 'waitlisted'",
                                (long long)sid),
                     waiting, "positions are dense 1..n");
    }
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld AND"
                            " status = 'confirmed' AND waitlist_position IS NOT NULL",
                            (long long)sid),
                 0);
    cr_assert_eq(it_sql_i64("SELECT confirmed_count FROM sessions WHERE id = %lld", (long long)sid),
                 confirmed);
    cr_assert_eq(it_sql_i64("SELECT waitlist_count FROM sessions WHERE id = %lld", (long long)sid),
                 waiting);
    struct it_resp *r = ev_get(srv, NULL, "/api/v1/sessions/%lld", (long long)sid);
    cr_assert_eq(r->status, 200);
    cr_assert_eq((int)it_jnum(r, "confirmed_count"), confirmed);
    cr_assert_eq((int)it_jnum(r, "waitlist_count"), waiting);
    it_resp_free(r);
}

static void crowd_run(struct crowd *c)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "全球创新创业交易会 crowd", true);
    c->session_id = ev_session(srv, org, eid, SEATS, true, "");
    ev_users_make(&c->users, srv, CROWD);
    it_parallel(CROWD, crowd_register, c);
    int confirmed = 0;
    bool seen[CROWD + 1] = {false};
    for (int i = 0; i < CROWD; i++) {
        cr_assert_eq(c->status[i], 201, "user %d got %d", i, c->status[i]);
        if (c->confirmed[i]) {
            confirmed++;
            cr_assert_eq(c->position[i], 0);
            cr_assert_geq(strlen(c->code[i]), 16, "≥ 96 random bits in base64url");
        } else {
            cr_assert(c->position[i] >= 1 && c->position[i] <= CROWD - SEATS, "position %d",
                      c->position[i]);
            cr_assert(!seen[c->position[i]], "position %d handed out twice", c->position[i]);
            seen[c->position[i]] = true;
        }
    }
    cr_assert_eq(confirmed, SEATS, "exactly the capacity is confirmed");
    check_session_state(c->session_id, SEATS, CROWD - SEATS);
    cr_assert_eq(it_sql_i64("SELECT COUNT(DISTINCT checkin_code) FROM registrations WHERE"
                            " session_id = %lld",
                            (long long)c->session_id),
                 CROWD);
    free(org);
}

Test(registrations, crowd_of_300_for_50_seats_with_waitlist)
{
    static struct crowd c;
    memset(&c, 0, sizeof(c));
    c.servers[0] = srv;
    crowd_run(&c);
    ev_users_free(&c.users, CROWD);
}

Test(registrations, crowd_spread_over_two_instances)
{
    static struct crowd c;
    memset(&c, 0, sizeof(c));
    struct it_server *second = it_start(NULL);
    c.servers[0] = srv;
    c.servers[1] = second;
    crowd_run(&c);
    ev_users_free(&c.users, CROWD);
    cr_assert_eq(it_stop(second), 0);
}

/* ---- cancellations promote ---- */

struct cancels {
    struct crowd *c;
    int idx[20];
    int status[20];
    int promoted[20];
};

static void cancel_one(int i, void *arg)
{
    struct cancels *k = arg;
    int u = k->idx[i];
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)k->c->reg_id[u]);
    struct it_resp *r = it_http(srv, "DELETE", path, k->c->users.tokens[u], NULL, NULL);
    k->status[i] = r->status;
    k->promoted[i] = (int)it_jnum(r, "promoted");
    it_resp_free(r);
}

Test(registrations, twenty_concurrent_cancellations_promote_twenty)
{
    static struct crowd c;
    memset(&c, 0, sizeof(c));
    c.servers[0] = srv;
    crowd_run(&c);
    struct cancels k = {.c = &c};
    int n = 0;
    for (int i = 0; i < CROWD && n < 20; i++)
        if (c.confirmed[i])
            k.idx[n++] = i;
    it_parallel(20, cancel_one, &k);
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(k.status[i], 200, "cancel %d: %d", i, k.status[i]);
        cr_assert_eq(k.promoted[i], 1, "each cancellation promotes one");
    }
    check_session_state(c.session_id, SEATS, CROWD - SEATS - 20);
    /* FIFO: exactly those who held positions 1..20 were promoted. */
    for (int i = 0; i < CROWD; i++) {
        if (c.confirmed[i])
            continue;
        char *st = it_sql("SELECT CONCAT(status, ':', COALESCE(waitlist_position, 0)) FROM"
                          " registrations WHERE id = %lld",
                          (long long)c.reg_id[i]);
        char want[32];
        if (c.position[i] <= 20)
            snprintf(want, sizeof(want), "confirmed:0");
        else
            snprintf(want, sizeof(want), "waitlisted:%d", c.position[i] - 20);
        cr_assert_str_eq(st, want, "user with position %d", c.position[i]);
        free(st);
    }
    /* The cancelled rows no longer hold the active key: those users may register again (and
     * join the end of the waitlist). */
    struct it_resp *r = ev_register(srv, c.users.tokens[k.idx[0]], c.session_id, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "waitlisted");
    cr_assert_eq((int)it_jnum(r, "waitlist_position"), CROWD - SEATS - 20 + 1);
    it_resp_free(r);
    ev_users_free(&c.users, CROWD);
}

/* ---- the same user, many times at once ---- */

struct repeat {
    const char *token;
    int64_t sid;
    const char *headers;
    int status[10];
    int64_t id[10];
    char code[10][40];
    bool replayed[10];
};

static void repeat_one(int i, void *arg)
{
    struct repeat *p = arg;
    struct it_resp *r = ev_register(srv, p->token, p->sid, p->headers);
    p->status[i] = r->status;
    p->id[i] = (int64_t)it_jnum(r, "id");
    if (r->status == 409 && it_jstr(r, "error.code"))
        snprintf(p->code[i], sizeof(p->code[i]), "%s", it_jstr(r, "error.code"));
    if (r->status == 409 && it_jnum(r, "registration.id"))
        p->id[i] = (int64_t)it_jnum(r, "registration.id");
    char buf[16];
    p->replayed[i] = it_header(r, "Idempotent-Replayed", buf, sizeof(buf)) != NULL;
    it_resp_free(r);
}

Test(registrations, same_user_ten_times_at_once_without_key)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "repeat", true);
    struct repeat p = {.sid = ev_session(srv, org, eid, 5, true, "")};
    int64_t uid;
    char *tok = it_user(srv, "attendee", &uid);
    p.token = tok;
    it_parallel(10, repeat_one, &p);
    int created = 0;
    int64_t id = 0;
    for (int i = 0; i < 10; i++) {
        if (p.status[i] == 201) {
            created++;
            id = p.id[i];
        } else {
            cr_assert_eq(p.status[i], 409, "got %d", p.status[i]);
            cr_assert_str_eq(p.code[i], "already_registered");
        }
    }
    cr_assert_eq(created, 1);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(p.id[i], id, "every 409 carries the existing registration");
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld", (long long)p.sid),
        1);
    cr_assert_eq(
        it_sql_i64("SELECT confirmed_count FROM sessions WHERE id = %lld", (long long)p.sid), 1);
    free(tok);
    free(org);
}

Test(registrations, same_user_ten_times_at_once_with_one_idempotency_key)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "repeat-idem", true);
    char headers[128];
    char *key = it_email("idem-key");
    snprintf(headers, sizeof(headers), "Idempotency-Key: %s\r\n", key);
    struct repeat p = {.sid = ev_session(srv, org, eid, 5, true, ""), .headers = headers};
    char *tok = it_user(srv, "attendee", NULL);
    p.token = tok;
    it_parallel(10, repeat_one, &p);
    int64_t id = 0;
    int fresh = 0;
    for (int i = 0; i < 10; i++) {
        if (p.status[i] == 201) {
            cr_assert(id == 0 || id == p.id[i], "all 201s are the same registration");
            id = p.id[i];
            fresh += !p.replayed[i];
        } else {
            cr_assert_eq(p.status[i], 409, "got %d", p.status[i]);
            cr_assert(strcmp(p.code[i], "request_in_progress") == 0 ||
                          strcmp(p.code[i], "already_registered") == 0,
                      "code %s", p.code[i]);
        }
    }
    cr_assert_eq(fresh, 1, "the handler ran to a 201 once");
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld", (long long)p.sid),
        1, "one registration stored");
    /* A later retry with the key replays the first response. */
    struct it_resp *r = ev_register(srv, tok, p.sid, headers);
    cr_assert_eq(r->status, 201);
    cr_assert_eq((int64_t)it_jnum(r, "id"), id);
    char buf[16];
    cr_assert_not_null(it_header(r, "Idempotent-Replayed", buf, sizeof(buf)));
    it_resp_free(r);
    /* The same key on another route or body is refused. */
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)p.sid);
    r = it_http(srv, "POST", path, tok, "{\"note\":1}", headers);
    cr_assert_eq(r->status, 422, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "idempotency_key_reused");
    it_resp_free(r);
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld", (long long)p.sid),
        1);
    free(key);
    free(tok);
    free(org);
}

/* ---- rules ---- */

Test(registrations, windows_not_open_and_closed)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "windows", true);
    char a[32], extra[128];
    snprintf(extra, sizeof(extra), "\"registration_opens_at\":\"%s\"", ev_time(2 * DAY, a));
    int64_t later = ev_session(srv, org, eid, 10, false, extra);
    snprintf(extra, sizeof(extra), "\"registration_closes_at\":\"%s\"", ev_time(-60, a));
    int64_t closed = ev_session(srv, org, eid, 10, false, extra);
    char *tok = it_user(srv, "attendee", NULL);
    struct it_resp *r = ev_register(srv, tok, later, NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "registration_not_open");
    it_resp_free(r);
    r = ev_register(srv, tok, closed, NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "registration_closed");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id IN (%lld, %lld)",
                            (long long)later, (long long)closed),
                 0);
    free(tok);
    free(org);
}

Test(registrations, draft_is_404_and_cancelled_event_is_409)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "draft", false);
    int64_t sid = ev_session(srv, org, eid, 10, false, "");
    char *tok = it_user(srv, "attendee", NULL);
    struct it_resp *r = ev_register(srv, tok, sid, NULL);
    cr_assert_eq(r->status, 404, "a draft is invisible to attendees: %s", r->body);
    it_resp_free(r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)eid);
    r = it_http(srv, "POST", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    r = ev_register(srv, tok, sid, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/cancel", (long long)eid);
    r = it_http(srv, "POST", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "cancelled");
    it_resp_free(r);
    char *tok2 = it_user(srv, "attendee", NULL);
    r = ev_register(srv, tok2, sid, NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "event_cancelled");
    it_resp_free(r);
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld", (long long)sid),
        1);
    free(tok2);
    free(tok);
    free(org);
}

Test(registrations, full_without_waitlist_is_409_session_full)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "full", true);
    int64_t sid = ev_session(srv, org, eid, 2, false, "");
    for (int i = 0; i < 3; i++) {
        char *tok = it_user(srv, "attendee", NULL);
        struct it_resp *r = ev_register(srv, tok, sid, NULL);
        if (i < 2) {
            cr_assert_eq(r->status, 201, "%s", r->body);
            cr_assert_str_eq(it_jstr(r, "status"), "confirmed");
        } else {
            cr_assert_eq(r->status, 409, "%s", r->body);
            cr_assert_str_eq(it_jstr(r, "error.code"), "session_full");
        }
        it_resp_free(r);
        free(tok);
    }
    check_session_state(sid, 2, 0);
    free(org);
}

Test(registrations, capacity_lowered_below_confirmed_is_409_raised_promotes)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "capacity", true);
    int64_t sid = ev_session(srv, org, eid, 3, true, "");
    int64_t ids[5];
    for (int i = 0; i < 5; i++) {
        char *tok = it_user(srv, "attendee", NULL);
        struct it_resp *r = ev_register(srv, tok, sid, NULL);
        cr_assert_eq(r->status, 201);
        ids[i] = (int64_t)it_jnum(r, "id");
        it_resp_free(r);
        free(tok);
    }
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld", (long long)sid);
    struct it_resp *r = it_http(srv, "PATCH", path, org, "{\"capacity\":2}", NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "capacity_below_confirmed");
    cr_assert_str_eq(it_jstr(r, "error.field"), "capacity");
    it_resp_free(r);
    check_session_state(sid, 3, 2);
    r = it_http(srv, "PATCH", path, org, "{\"capacity\":4}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "promoted"), 1);
    cr_assert_eq((int)it_jnum(r, "capacity"), 4);
    it_resp_free(r);
    check_session_state(sid, 4, 1);
    char *st = it_sql("SELECT status FROM registrations WHERE id = %lld", (long long)ids[3]);
    cr_assert_str_eq(st, "confirmed", "the first in line was promoted");
    free(st);
    cr_assert_eq(it_sql_i64("SELECT waitlist_position FROM registrations WHERE id = %lld",
                            (long long)ids[4]),
                 1);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld AND"
                            " action = 'capacity'",
                            (long long)eid),
                 1);
    free(org);
}

Test(registrations, cancelling_a_waitlisted_keeps_positions_dense)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "dense", true);
    int64_t sid = ev_session(srv, org, eid, 1, true, "");
    int64_t ids[4];
    char *toks[4];
    for (int i = 0; i < 4; i++) {
        toks[i] = it_user(srv, "attendee", NULL);
        struct it_resp *r = ev_register(srv, toks[i], sid, NULL);
        cr_assert_eq(r->status, 201);
        ids[i] = (int64_t)it_jnum(r, "id");
        cr_assert_eq((int)it_jnum(r, "waitlist_position"), i);
        cr_assert(i == 0 ? it_jstr(r, "checkin_code") != NULL : it_jstr(r, "checkin_code") == NULL,
                  "only a confirmed registration shows its check-in code");
        it_resp_free(r);
    }
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)ids[2]);
    struct it_resp *r = it_http(srv, "DELETE", path, toks[2], NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "cancelled");
    cr_assert_eq((int)it_jnum(r, "promoted"), 0);
    it_resp_free(r);
    r = it_http(srv, "DELETE", path, toks[2], NULL, NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "already_cancelled");
    it_resp_free(r);
    check_session_state(sid, 1, 2);
    cr_assert_eq(it_sql_i64("SELECT waitlist_position FROM registrations WHERE id = %lld",
                            (long long)ids[3]),
                 2);
    /* The holder sees the new position. */
    r = ev_get(srv, toks[3], "/api/v1/registrations/%lld", (long long)ids[3]);
    cr_assert_eq((int)it_jnum(r, "waitlist_position"), 2);
    it_resp_free(r);
    for (int i = 0; i < 4; i++)
        free(toks[i]);
    free(org);
}

Test(registrations, authorization)
{
    int64_t org1_id;
    char *org1 = it_organizer(srv, &org1_id);
    char *org2 = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org1, "authz", true);
    int64_t sid = ev_session(srv, org1, eid, 5, true, "");
    char *a = it_user(srv, "attendee", NULL), *b = it_user(srv, "attendee", NULL);
    struct it_resp *r = ev_register(srv, a, sid, NULL);
    cr_assert_eq(r->status, 201);
    int64_t rid = (int64_t)it_jnum(r, "id");
    char code[64];
    snprintf(code, sizeof(code), "%s", it_jstr(r, "checkin_code"));
    it_resp_free(r);

    r = ev_register(srv, NULL, sid, NULL);
    cr_assert_eq(r->status, 401, "anonymous cannot register");
    it_resp_free(r);
    r = ev_get(srv, b, "/api/v1/registrations/%lld", (long long)rid);
    cr_assert_eq(r->status, 404, "another attendee cannot read it");
    it_resp_free(r);
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)rid);
    r = it_http(srv, "DELETE", path, b, NULL, NULL);
    cr_assert_eq(r->status, 404, "another attendee cannot cancel it");
    it_resp_free(r);
    r = it_http(srv, "DELETE", path, org2, NULL, NULL);
    cr_assert_eq(r->status, 404, "another organizer cannot cancel it");
    it_resp_free(r);
    char *st = it_sql("SELECT status FROM registrations WHERE id = %lld", (long long)rid);
    cr_assert_str_eq(st, "confirmed");
    free(st);
    r = ev_get(srv, a, "/api/v1/registrations/%lld", (long long)rid);
    cr_assert_eq(r->status, 200, "its holder can");
    it_resp_free(r);
    r = ev_get(srv, org1, "/api/v1/registrations/%lld", (long long)rid);
    cr_assert_eq(r->status, 200, "its organizer can");
    it_resp_free(r);

    const char *formats[] = {"json", "csv"};
    for (int i = 0; i < 2; i++) {
        const char *f = formats[i];
        r = ev_get(srv, org2, "/api/v1/sessions/%lld/registrations?format=%s", (long long)sid, f);
        cr_assert_eq(r->status, 403, "another organizer: %s", f);
        it_resp_free(r);
        r = ev_get(srv, a, "/api/v1/sessions/%lld/registrations?format=%s", (long long)sid, f);
        cr_assert_eq(r->status, 403, "an attendee: %s", f);
        it_resp_free(r);
        r = ev_get(srv, NULL, "/api/v1/sessions/%lld/registrations?format=%s", (long long)sid, f);
        cr_assert_eq(r->status, 401);
        it_resp_free(r);
    }
    char body[128];
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
    r = it_http(srv, "POST", "/api/v1/checkins", org2, body, NULL);
    cr_assert_eq(r->status, 403, "another organizer cannot check in: %s", r->body);
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/checkins", a, body, NULL);
    cr_assert_eq(r->status, 403, "an attendee cannot check in");
    /* The code the document lists for this route, whoever is refused (was `forbidden`). */
    cr_assert_str_eq(it_jstr(r, "error.code"), "not_your_event");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE id = %lld AND"
                            " checked_in_at IS NOT NULL",
                            (long long)rid),
                 0);

    /* GET /me/registrations shows only one's own. */
    r = ev_get(srv, b, "/api/v1/me/registrations");
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 0);
    it_resp_free(r);
    r = ev_get(srv, a, "/api/v1/me/registrations");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), rid);
    it_resp_free(r);
    free(a);
    free(b);
    free(org1);
    free(org2);
}

Test(registrations, checkin_once_then_409)
{
    char *org = it_organizer(srv, NULL);
    /* Starts within the hour: inside the check-in window (from 120 minutes before). */
    int64_t eid = ev_event_at(srv, org, "checkin", true, 1800, DAY);
    int64_t sid = ev_session_at(srv, org, eid, 1, true, 1800, 3 * 3600, "");
    int64_t uid;
    char *a = it_user(srv, "attendee", &uid), *b = it_user(srv, "attendee", NULL);
    struct it_resp *r = ev_register(srv, a, sid, NULL);
    char code[64], body[128];
    snprintf(code, sizeof(code), "%s", it_jstr(r, "checkin_code"));
    int64_t rid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    for (const char *p = code; *p; p++)
        cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p),
                  "base64url: %s", code);
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
    r = it_http(srv, "POST", "/api/v1/checkins", org, body, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "user.id"), uid, "says who it is");
    cr_assert_not_null(it_jstr(r, "checked_in_at"));
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/checkins", org, body, NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "already_checked_in");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE id = %lld AND"
                            " checked_in_at IS NOT NULL",
                            (long long)rid),
                 1);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld AND"
                            " action = 'checkin'",
                            (long long)eid),
                 1);

    /* A waitlisted registration's code (not shown to its holder) is refused with its status. */
    r = ev_register(srv, b, sid, NULL);
    int64_t wid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    char *wcode = it_sql("SELECT checkin_code FROM registrations WHERE id = %lld", (long long)wid);
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", wcode);
    r = it_http(srv, "POST", "/api/v1/checkins", org, body, NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "not_confirmed");
    cr_assert_str_eq(it_jstr(r, "registration.status"), "waitlisted");
    it_resp_free(r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/registrations/%lld", (long long)wid);
    r = it_http(srv, "DELETE", path, b, NULL, NULL);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/checkins", org, body, NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "registration.status"), "cancelled");
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/checkins", org, "{\"code\":\"AAAAAAAAAAAAAAAA\"}", NULL);
    cr_assert_eq(r->status, 404);
    it_resp_free(r);
    free(wcode);
    free(a);
    free(b);
    free(org);
}

/* ---- CSV ---- */

/* RFC 4180 parser: returns rows of fields (NULL-terminated arrays). */
struct csv_rows {
    size_t n;
    char **fields[64];
    size_t nf[64];
};

static void csv_parse(const char *s, size_t len, struct csv_rows *out)
{
    const char *p = s, *e = s + len;
    memset(out, 0, sizeof(*out));
    while (p < e && out->n < 64) {
        char **fields = calloc(32, sizeof(char *));
        size_t nf = 0;
        for (;;) {
            char *f = malloc((size_t)(e - p) + 1);
            size_t fl = 0;
            if (p < e && *p == '"') {
                p++;
                while (p < e) {
                    if (*p == '"' && p + 1 < e && p[1] == '"') {
                        f[fl++] = '"';
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        f[fl++] = *p++;
                    }
                }
            } else {
                while (p < e && *p != ',' && *p != '\r' && *p != '\n')
                    f[fl++] = *p++;
            }
            f[fl] = '\0';
            fields[nf++] = f;
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            cr_assert(p + 1 < e + 1 && (p == e || (p[0] == '\r' && p[1] == '\n')),
                      "rows end with CRLF");
            p += p == e ? 0 : 2;
            break;
        }
        out->fields[out->n] = fields;
        out->nf[out->n++] = nf;
    }
}

Test(registrations, csv_export_round_trips)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "csv", true);
    int64_t sid = ev_session(srv, org, eid, 3, true, "");
    const char *names[] = {"张伟, \"小张\"", "Zoë 🚀 李", "line one\nline two, 第二行", "=1+2 陈",
                           "plain"};
    int64_t uids[5];
    for (int i = 0; i < 5; i++) {
        char *tok = it_user(srv, "attendee", &uids[i]);
        /* Sign-up refuses newlines in names: store the names directly to test the export. */
        char *esc = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&esc, &n);
        for (const char *p = names[i]; *p; p++) {
            if (*p == '\n')
                fputs("', CHAR(10 USING utf8mb4), '", m);
            else if (*p == '"')
                fputs("\\\"", m);
            else if (*p == '\'')
                fputs("''", m);
            else
                fputc(*p, m);
        }
        fclose(m);
        free(it_sql("UPDATE users SET display_name = CONCAT('%s') WHERE id = %lld", esc,
                    (long long)uids[i]));
        free(esc);
        struct it_resp *r = ev_register(srv, tok, sid, NULL);
        cr_assert_eq(r->status, 201);
        it_resp_free(r);
        free(tok);
    }
    struct it_resp *r =
        ev_get(srv, org, "/api/v1/sessions/%lld/registrations?format=csv", (long long)sid);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char ct[64];
    cr_assert(strstr(it_header(r, "Content-Type", ct, sizeof(ct)), "text/csv"));
    cr_assert(r->body_len > 3 && memcmp(r->body, "\xEF\xBB\xBF", 3) == 0, "UTF-8 BOM first");
    struct csv_rows rows;
    csv_parse(r->body + 3, r->body_len - 3, &rows);
    cr_assert_eq(rows.n, 6, "a header and five rows");
    cr_assert_str_eq(rows.fields[0][0], "registration_id");
    cr_assert_str_eq(rows.fields[0][2], "display_name");
    for (size_t i = 1; i < rows.n; i++) {
        cr_assert_eq(rows.nf[i], rows.nf[0], "row %zu has every column", i);
        cr_assert_eq(atoll(rows.fields[i][1]), uids[i - 1]);
        const char *want = names[i - 1];
        if (want[0] == '=') {
            cr_assert_eq(rows.fields[i][2][0], '\'', "formula text is defused");
            cr_assert_str_eq(rows.fields[i][2] + 1, want);
        } else {
            cr_assert_str_eq(rows.fields[i][2], want, "name of row %zu", i);
        }
        cr_assert_str_eq(rows.fields[i][4], i <= 3 ? "confirmed" : "waitlisted");
    }
    it_resp_free(r);
    /* The JSON list has the same rows. */
    r = ev_get(srv, org, "/api/v1/sessions/%lld/registrations?limit=2", (long long)sid);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 2);
    cr_assert_str_eq(it_jstr(r, "items.0.user.display_name"), names[0]);
    char cursor[64];
    snprintf(cursor, sizeof(cursor), "%s", it_jstr(r, "next_cursor"));
    it_resp_free(r);
    r = ev_get(srv, org, "/api/v1/sessions/%lld/registrations?limit=5&cursor=%s", (long long)sid,
               cursor);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 3);
    cr_assert_str_eq(it_jstr(r, "items.0.user.display_name"), names[2]);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r->json, "next_cursor")));
    it_resp_free(r);
    for (size_t i = 0; i < rows.n; i++) {
        for (size_t k = 0; k < rows.nf[i]; k++)
            free(rows.fields[i][k]);
        free(rows.fields[i]);
    }
    free(org);
}

/* ---- bad input ---- */

Test(registrations, bad_input_is_400_with_field)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "bad", true);
    int64_t sid = ev_session(srv, org, eid, 3, true, "");
    char *tok = it_user(srv, "attendee", NULL);
    struct {
        const char *method, *path, *body, *field;
        bool org;
    } cases[] = {
        {"POST", "/api/v1/checkins", "{}", "code", true},
        {"POST", "/api/v1/checkins", "{\"code\":12}", "code", true},
        {"POST", "/api/v1/checkins", "{\"code\":\"\"}", "code", true},
        {"POST", "/api/v1/checkins",
         "{\"code\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
         "code", true},
        {"POST", "/api/v1/checkins", "not json", NULL, true},
        {"GET", "/api/v1/me/registrations?limit=0", NULL, "limit", false},
        {"GET", "/api/v1/me/registrations?limit=abc", NULL, "limit", false},
        {"GET", "/api/v1/me/registrations?cursor=-4", NULL, "cursor", false},
        {"GET", "/api/v1/me/registrations?status=maybe", NULL, "status", false},
        {"GET", "/api/v1/sessions/SID/registrations?format=xml", NULL, "format", true},
        {"GET", "/api/v1/sessions/SID/registrations?limit=100000", NULL, "limit", true},
        {"GET", "/api/v1/sessions/SID/registrations?status=x", NULL, "status", true},
        {"POST", "/api/v1/sessions/SID/registrations", "[1,2]", NULL, false},
        {"POST", "/api/v1/sessions/SID/registrations", "{\"a\":", NULL, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[160], *at;
        snprintf(path, sizeof(path), "%s", cases[i].path);
        if ((at = strstr(path, "SID"))) {
            char rest[128];
            snprintf(rest, sizeof(rest), "%s", at + 3);
            snprintf(at, sizeof(path) - (size_t)(at - path), "%lld%s", (long long)sid, rest);
        }
        struct it_resp *r =
            it_http(srv, cases[i].method, path, cases[i].org ? org : tok, cases[i].body, NULL);
        cr_assert_eq(r->status, 400, "%s %s %s → %d %s", cases[i].method, path,
                     cases[i].body ? cases[i].body : "", r->status, r->body);
        if (cases[i].field)
            cr_assert_str_eq(it_jstr(r, "error.field") ? it_jstr(r, "error.field") : "",
                             cases[i].field, "%s %s", cases[i].method, path);
        it_resp_free(r);
    }
    const char *notfound[] = {"/api/v1/sessions/abc/registrations",
                              "/api/v1/sessions/0/registrations",
                              "/api/v1/sessions/999999999/registrations"};
    for (size_t i = 0; i < 3; i++) {
        struct it_resp *r = it_http(srv, "POST", notfound[i], tok, NULL, NULL);
        cr_assert_eq(r->status, 404, "%s", notfound[i]);
        it_resp_free(r);
    }
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld", (long long)sid),
        0);
    free(tok);
    free(org);
}
