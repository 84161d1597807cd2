/* The caches of the recommendations path, across two instances (issue 18, point 3):
 *   - tokens answered from memory (server/auth.h): a logout, a role change or a session deleted
 *     behind the servers' back on one side is refused / seen on the other, polled, while the
 *     other instance's own cache bound (auth_cache_ms) is ten minutes, so only Redis client
 *     tracking can have told it;
 *   - recommendations answered from the response cache (server/recs.h): a not_interested
 *     decision, a new member or a changed project on one instance changes the recommendations
 *     the other serves, and the deciding instance's own at once. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "tests/integration/recs_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(recs_cache, 120, "auth_cache_ms=600000");

/* Each test's second instance, stopped by .fini even when an assertion ends the test early (a
 * summitd left running would go on delivering the shared test database's outbox). */
static struct it_server *b;

static void stop_b(void)
{
    struct it_server *s = b;
    b = NULL;
    if (s)
        cr_assert_eq(it_stop(s), 0);
}

static int status_of(const struct it_server *s, const char *method, const char *path,
                     const char *token, const char *body)
{
    struct it_resp *r = it_http(s, method, path, token, body, NULL);
    int st = r->status;
    it_resp_free(r);
    return st;
}

struct status_wait {
    const struct it_server *s;
    const char *path, *token;
    int want;
};

static bool status_cond(void *arg)
{
    struct status_wait *w = arg;
    return status_of(w->s, "GET", w->path, w->token, NULL) == w->want;
}

Test(recs_cache, a_logout_on_one_instance_is_refused_on_the_other, .fini = stop_b)
{
    const char *sets[] = {"auth_cache_ms=600000", NULL};
    b = it_start(sets);
    char *tok = it_user(srv, "attendee", NULL);
    /* B answers the token (and keeps it), twice. */
    cr_assert_eq(status_of(b, "GET", "/api/v1/me", tok, NULL), 200);
    cr_assert_eq(status_of(b, "GET", "/api/v1/me", tok, NULL), 200);
    cr_assert_eq(status_of(srv, "POST", "/api/v1/auth/logout", tok, NULL), 204);
    /* The instance that logged out refuses it at once. */
    cr_assert_eq(status_of(srv, "GET", "/api/v1/me", tok, NULL), 401);
    struct status_wait w = {b, "/api/v1/me", tok, 401};
    int64_t t0 = it_now_ms();
    cr_assert(it_wait(status_cond, &w, 2000), "B still accepts a logged-out token after 2 s");
    cr_log_info("logout reached the other instance after %lld ms", (long long)(it_now_ms() - t0));
    free(tok);
}

Test(recs_cache, logout_all_and_a_deleted_session_are_refused_everywhere, .fini = stop_b)
{
    const char *sets[] = {"auth_cache_ms=600000", NULL};
    b = it_start(sets);
    char *tok = it_user(srv, "attendee", NULL);
    cr_assert_eq(status_of(b, "GET", "/api/v1/me", tok, NULL), 200);
    cr_assert_eq(status_of(srv, "GET", "/api/v1/me", tok, NULL), 200);
    cr_assert_eq(status_of(b, "POST", "/api/v1/auth/logout-all", tok, NULL), 204);
    cr_assert_eq(status_of(b, "GET", "/api/v1/me", tok, NULL), 401);
    struct status_wait w = {srv, "/api/v1/me", tok, 401};
    cr_assert(it_wait(status_cond, &w, 2000), "A still accepts it after logout-all on B");
    free(tok);

    /* A session deleted straight in Redis (an operator, an expiry): no summitd said anything. */
    tok = it_user(srv, "attendee", NULL);
    cr_assert_eq(status_of(srv, "GET", "/api/v1/me", tok, NULL), 200);
    cr_assert_eq(status_of(b, "GET", "/api/v1/me", tok, NULL), 200);
    char hex[65];
    auth_sha256_hex(tok, strlen(tok), hex);
    cr_assert_eq(it_sh(IT_REDIS_CLI " DEL 't:sess:%s' | grep -q 1", hex), 0);
    struct status_wait wa = {srv, "/api/v1/me", tok, 401}, wb = {b, "/api/v1/me", tok, 401};
    cr_assert(it_wait(status_cond, &wa, 2000), "A accepts a session Redis no longer holds");
    cr_assert(it_wait(status_cond, &wb, 2000), "B accepts a session Redis no longer holds");
    free(tok);
}

/* The roles a request is authorized with are the session's: POST /events needs organizer, and
 * an empty body is then a 400 (validation) rather than a 403. */
struct role_wait {
    const struct it_server *s;
    const char *token;
};

static bool organizer_cond(void *arg)
{
    struct role_wait *w = arg;
    return status_of(w->s, "POST", "/api/v1/events", w->token, "{}") == 400;
}

Test(recs_cache, a_role_granted_on_one_instance_is_used_on_the_other, .fini = stop_b)
{
    const char *sets[] = {"auth_cache_ms=600000", NULL};
    b = it_start(sets);
    int64_t uid;
    char *tok = it_user(srv, "attendee", &uid);
    /* B keeps the attendee's session. */
    cr_assert_eq(status_of(b, "POST", "/api/v1/events", tok, "{}"), 403);
    cr_assert_eq(status_of(b, "POST", "/api/v1/events", tok, "{}"), 403);
    char *admin = it_admin(srv);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/users/%lld/roles", (long long)uid);
    cr_assert_eq(status_of(srv, "POST", path, admin, "{\"role\":\"organizer\"}"), 200);
    struct role_wait wa = {srv, tok}, wb = {b, tok};
    cr_assert(organizer_cond(&wa), "the granting instance uses the new role at once");
    cr_assert(it_wait(organizer_cond, &wb, 2000), "B still has the old roles after 2 s");
    free(admin);
    free(tok);
}

/* ---- recommendations ---- */

/* A demand on A, two supplies of another organization; both recommended on A and B (and so
 * cached on both). */
struct setup {
    char *tok_d, *tok_s;
    int64_t org_d, org_s, dem, sup1, sup2;
};

static void make_setup(struct it_server *other, struct setup *x)
{
    char tag[64];
    it_unique(tag, sizeof(tag), "rc");
    x->tok_d = it_user(srv, "enterprise", NULL);
    x->tok_s = it_user(srv, "enterprise", NULL);
    x->org_d = it_org(srv, x->tok_d, "innovative", "医疗健康", "成都高新区");
    x->org_s = it_org(srv, x->tok_s, "leader", "医疗健康", "成都高新区");
    x->dem = make_project(srv, x->tok_d, x->org_d, "demand", tag);
    x->sup1 = make_project(srv, x->tok_s, x->org_s, "supply", tag);
    x->sup2 = make_project(srv, x->tok_s, x->org_s, "supply", tag);
    struct rec_wait w[] = {{srv, x->tok_d, x->dem, x->sup1, true, 0, false},
                           {srv, x->tok_d, x->dem, x->sup2, true, 0, false},
                           {other, x->tok_d, x->dem, x->sup1, true, 0, false},
                           {other, x->tok_d, x->dem, x->sup2, true, 0, false}};
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        cr_assert(it_wait(rec_cond, &w[i], 2000), "setup: recommendation %zu missing", i);
}

static void free_setup(struct setup *x)
{
    free(x->tok_d);
    free(x->tok_s);
}

Test(recs_cache, not_interested_on_one_instance_leaves_the_others_cached_list, .fini = stop_b)
{
    b = it_start(NULL);
    struct setup x;
    make_setup(b, &x);
    char path[96], body[96];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)x.dem);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"not_interested\"}",
             (long long)x.sup1);
    cr_assert_eq(status_of(srv, "POST", path, x.tok_d, body), 201);
    /* On the deciding instance at once (no polling), on B as soon as it hears of it: well before
     * its cached copy would age out (RECS_CACHE_MAX_AGE_MS, 10 s). */
    struct rec_wait a_gone = {srv, x.tok_d, x.dem, x.sup1, false, 0, false};
    cr_assert(rec_cond(&a_gone), "the vetoed project is still listed on the deciding instance");
    struct rec_wait b_gone = {b, x.tok_d, x.dem, x.sup1, false, 0, false};
    int64_t t0 = it_now_ms();
    cr_assert(it_wait(rec_cond, &b_gone, 700), "B lists the vetoed project after 700 ms");
    cr_log_info("veto reached B's recommendations after %lld ms", (long long)(it_now_ms() - t0));
    struct rec_wait b_other = {b, x.tok_d, x.dem, x.sup2, true, 0, false};
    cr_assert(rec_cond(&b_other), "the other supply stays");
    free_setup(&x);
}

Test(recs_cache, a_member_who_joins_on_one_instance_is_served_by_the_other, .fini = stop_b)
{
    b = it_start(NULL);
    struct setup x;
    make_setup(b, &x);
    /* A user of another organization is refused the demand's recommendations on B … */
    int64_t uid;
    char *tok = it_user(srv, "enterprise", &uid);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations", (long long)x.dem);
    cr_assert_eq(status_of(b, "GET", path, tok, NULL), 403);
    /* … until they join the demand's organization (on A); the supplies of every organization
     * they belong to are then vetoed too: they join the supplier's organization as well, so both
     * supplies leave the list B serves to every member. */
    it_join(srv, x.tok_d, x.org_d, tok, uid);
    struct status_wait w = {b, path, tok, 200};
    cr_assert(it_wait(status_cond, &w, 2000), "the new member is refused on B");
    it_join(srv, x.tok_s, x.org_s, tok, uid);
    struct rec_wait gone = {b, x.tok_d, x.dem, x.sup1, false, 0, false};
    cr_assert(it_wait(rec_cond, &gone, 700),
              "B still recommends a project of an organization a member belongs to");
    free(tok);
    free_setup(&x);
}

Test(recs_cache, a_closed_project_leaves_both_instances_cached_lists, .fini = stop_b)
{
    b = it_start(NULL);
    struct setup x;
    make_setup(b, &x);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)x.sup2);
    cr_assert_eq(status_of(b, "DELETE", path, x.tok_s, NULL), 204);
    struct rec_wait b_gone = {b, x.tok_d, x.dem, x.sup2, false, 0, false};
    cr_assert(rec_cond(&b_gone), "the closing instance still lists it");
    struct rec_wait a_gone = {srv, x.tok_d, x.dem, x.sup2, false, 0, false};
    cr_assert(it_wait(rec_cond, &a_gone, 1000), "A lists a closed project after a second");
    free_setup(&x);
}
