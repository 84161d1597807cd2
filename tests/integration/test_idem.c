/* Idempotency-Key: a replay is the first response with the headers it carried, and a request
 * differing in its query string is a different request. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/it.h"

IT_SUITE(idem, 120);

static void key_header(char *buf, size_t len, const char *tag)
{
    char word[64];
    it_unique(word, sizeof(word), tag);
    snprintf(buf, len, "Idempotency-Key: %s\r\n", word);
}

static struct it_resp *create_event(const char *tok, const char *title, const char *headers)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"title\":\"%s\",\"kind\":\"fair\",\"city\":\"成都\","
             "\"starts_at\":\"2032-03-10T08:00:00Z\",\"ends_at\":\"2032-03-10T18:00:00Z\"}",
             title);
    return it_http(srv, "POST", "/api/v1/events", tok, body, headers);
}

/* Regression: the replay of a 201 dropped its Location header. */
Test(idem, a_replay_returns_the_location_header)
{
    char *org = it_organizer(srv, NULL);
    char title[64], hdr[128], loc1[128], loc2[128], rep[16];
    it_unique(title, sizeof(title), "idemloc");
    key_header(hdr, sizeof(hdr), "loc");
    struct it_resp *a = create_event(org, title, hdr);
    cr_assert_eq(a->status, 201, "%s", a->body);
    cr_assert_not_null(it_header(a, "Location", loc1, sizeof(loc1)));
    struct it_resp *b = create_event(org, title, hdr);
    cr_assert_eq(b->status, 201, "%s", b->body);
    cr_assert_not_null(it_header(b, "Idempotent-Replayed", rep, sizeof(rep)), "a replay");
    cr_assert_not_null(it_header(b, "Location", loc2, sizeof(loc2)), "the replay's Location");
    cr_assert_str_eq(loc2, loc1);
    cr_assert_str_eq(b->body, a->body);
    char want[64];
    snprintf(want, sizeof(want), "/api/v1/events/%lld", (long long)it_jnum(a, "id"));
    cr_assert_str_eq(loc1, want);
    it_resp_free(a);
    it_resp_free(b);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM events WHERE title = '%s'", title), 1,
                 "one event");
    free(org);
}

static int64_t schedule_runs(int64_t event)
{
    return it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld"
                      " AND action = 'meetings_schedule'",
                      (long long)event);
}

static struct it_resp *schedule(const char *tok, int64_t event, const char *query,
                                const char *headers)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule%s", (long long)event,
             query);
    return it_http(srv, "POST", path, tok, NULL, headers);
}

/* Regression: the fingerprint ignored the query, so "?reset=true" with a key first used for a
 * plain run replayed the plain run instead of planning from scratch (or refusing). */
Test(idem, the_query_string_is_part_of_the_request)
{
    char *org = it_organizer(srv, NULL);
    char title[64], hdr[128], rep[16];
    it_unique(title, sizeof(title), "idemq");
    struct it_resp *r = create_event(org, title, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t ev = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)ev);
    it_expect(it_http(srv, "POST", path, org,
                      "{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":30,\"count\":4,"
                      "\"tables\":2}",
                      NULL),
              201, NULL, "slots");

    key_header(hdr, sizeof(hdr), "sched");
    it_expect(schedule(org, ev, "", hdr), 200, NULL, "a plain run");
    cr_assert_eq(schedule_runs(ev), 1);
    it_expect(schedule(org, ev, "?reset=true", hdr), 422, NULL, "the same key with ?reset=true");
    cr_assert_eq(schedule_runs(ev), 1, "no second run");
    r = schedule(org, ev, "", hdr);
    cr_assert_eq(r->status, 200);
    cr_assert_not_null(it_header(r, "Idempotent-Replayed", rep, sizeof(rep)), "a replay");
    it_resp_free(r);

    /* The query is compared decoded and in any order. */
    key_header(hdr, sizeof(hdr), "sched2");
    it_expect(schedule(org, ev, "?reset=true&note=a+b", hdr), 200, NULL, "a reset run");
    cr_assert_eq(schedule_runs(ev), 2);
    r = schedule(org, ev, "?note=a%20b&reset=true", hdr);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_not_null(it_header(r, "Idempotent-Replayed", rep, sizeof(rep)),
                       "the same query, reordered and encoded differently");
    it_resp_free(r);
    cr_assert_eq(schedule_runs(ev), 2, "still two runs");
    free(org);
}

Test(idem, a_key_is_1_to_255_printable_ascii_characters)
{
    char *org = it_organizer(srv, NULL);
    char title[64], hdr[400];
    it_unique(title, sizeof(title), "idemkey");
    it_expect(create_event(org, title, "Idempotency-Key: 键\r\n"), 400, "Idempotency-Key",
              "a UTF-8 key");
    snprintf(hdr, sizeof(hdr), "Idempotency-Key: %0256d\r\n", 0);
    it_expect(create_event(org, title, hdr), 400, "Idempotency-Key", "256 characters");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM events WHERE title = '%s'", title), 0);
    snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s%0*d\r\n", title, (int)(255 - strlen(title)), 0);
    it_expect(create_event(org, title, hdr), 201, NULL, "255 characters");
    free(org);
}
