/* Strict request bodies (server/body_check.c, from docs/openapi.yaml): a member the operation's
 * request schema does not list is 400 validation_failed naming it, before the handler runs and
 * changes anything; a member of the resource that this request may not change says how to change
 * it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/ev_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(contract, 120);

/* The tests that read a message ask for it in English (the default is Chinese). */
#define EN "Accept-Language: en\r\n"

static void expect_field(struct it_resp *r, const char *field, const char *msg_part,
                         const char *what)
{
    cr_assert_eq(r->status, 400, "%s: %d %s", what, r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "validation_failed", "%s: %s", what, r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), field, "%s: %s", what, r->body);
    if (msg_part)
        cr_assert(strstr(it_jstr(r, "error.message"), msg_part), "%s: %s", what, r->body);
    it_resp_free(r);
}

Test(contract, patch_event_status_is_read_only_and_says_how)
{
    char *org = it_organizer(srv, NULL);
    int64_t ev = ev_event(srv, org, "strict body event", true);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)ev);
    expect_field(it_http(srv, "PATCH", path, org, "{\"status\":\"draft\"}", EN), "status",
                 "/publish", "PATCH status");
    /* Together with a valid change: still refused, and nothing changed. */
    expect_field(it_http(srv, "PATCH", path, org, "{\"title\":\"changed\",\"status\":\"draft\"}",
                         NULL),
                 "status", NULL, "PATCH title+status");
    struct it_resp *r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "status"), "published");
    cr_assert_str_eq(it_jstr(r, "title"), "strict body event");
    it_resp_free(r);
    /* The same change without it works. */
    it_expect(it_http(srv, "PATCH", path, org, "{\"title\":\"changed\"}", NULL), 200, NULL,
              "PATCH title");
    free(org);
}

Test(contract, unknown_fields_are_refused_on_every_kind_of_route)
{
    char *org = it_organizer(srv, NULL);
    char *email = it_email("strict");
    char body[512];
    /* sign-up: no account is made */
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"correct-horse-9\",\"display_name\":\"张三\","
             "\"nickname\":\"x\"}",
             email);
    expect_field(it_http(srv, "POST", "/api/v1/users", NULL, body, EN), "nickname",
                 "unknown field", "signup");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM users WHERE email = '%s'", email), 0);
    /* a read-only member of the answer */
    expect_field(it_http(srv, "POST", "/api/v1/organizations", org,
                         "{\"name\":\"x\",\"tier\":\"seed\",\"sector\":\"AI\",\"id\":7}", EN),
                 "id", "read-only", "organization id");
    /* a misspelt member of an update */
    int64_t ev = ev_event(srv, org, "strict body event 2", false);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)ev);
    expect_field(it_http(srv, "POST", path, org,
                         "{\"title\":\"t\",\"kind\":\"forum\",\"capacty\":10}", EN),
                 "capacty", "unknown field", "session");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions WHERE event_id = %lld", (long long)ev),
                 0);
    /* a map member (scores) admits any key, but the body around it does not */
    expect_field(it_http(srv, "PUT", "/api/v1/entries/999999999/scores", org,
                         "{\"scores\":{\"1\":5},\"comment\":\"x\"}", NULL),
                 "comment", NULL, "scores");
    free(email);
    free(org);
}

Test(contract, authentication_comes_first_and_bad_json_is_still_invalid_json)
{
    /* no token: 401, whatever the body holds */
    struct it_resp *r = it_http(srv, "PATCH", "/api/v1/events/1", NULL, "{\"status\":\"x\"}", NULL);
    cr_assert_eq(r->status, 401, "%s", r->body);
    it_resp_free(r);
    char *org = it_organizer(srv, NULL);
    r = it_http(srv, "POST", "/api/v1/events", org, "{\"title\":", NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_json");
    it_resp_free(r);
    /* a nested member inside a known one is checked too where the schema lists its members:
     * projects' tags is a list of strings, so an object there is left to the handler (400 on
     * its type), and an unknown member beside it is named */
    expect_field(it_http(srv, "POST", "/api/v1/events", org,
                         "{\"title\":\"t\",\"location\":{\"floor\":3}}", EN),
                 "location", "unknown field", "nested object");
    free(org);
}
