/* The recommendations response cache (server/recs.h) is used only while its invalidation channel
 * is known to deliver: each instance PUBLISHes a beat on it and serves cached answers only while
 * its last beat came back less than RECS_AUX_SILENCE_MS (1 s) ago. Entries themselves live up to
 * RECS_CACHE_MAX_AGE_MS (10 s), so without the beat a lost message would leave a list stale for
 * that long.
 *
 * A test of its own (one binary, one test): it stops every PUBLISH on the shared Redis for a
 * moment (CLIENT PAUSE WRITE), which would disturb tests running beside it. Without the beat
 * check, B serves its stale list until the pause ends. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/recs_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(recs_beat, 120, "auth_cache_ms=600000");

/* B, stopped (and Redis unpaused) even when an assertion ends the test early. */
static struct it_server *b;

static void cleanup(void)
{
    if (it_sh(IT_REDIS_CLI " CLIENT UNPAUSE >/dev/null") != 0)
        cr_log_warn("CLIENT UNPAUSE failed");
    struct it_server *s = b;
    b = NULL;
    if (s)
        cr_assert_eq(it_stop(s), 0);
}

static bool cached_cond(void *arg)
{
    struct rec_wait *w = arg;
    return rec_cond(w) && w->hit;
}

Test(recs_beat, a_silent_channel_stops_the_cached_answers_within_a_second, .fini = cleanup)
{
    const char *sets[] = {"auth_cache_ms=600000", NULL};
    b = it_start(sets);
    char tag[64];
    it_unique(tag, sizeof(tag), "rb");
    int64_t uid_d;
    char *tok_d = it_user(srv, "enterprise", &uid_d);
    char *tok_s = it_user(srv, "enterprise", NULL);
    int64_t org_d = it_org(srv, tok_d, "innovative", "医疗健康", "成都高新区");
    int64_t org_s = it_org(srv, tok_s, "leader", "医疗健康", "成都高新区");
    int64_t dem = make_project(srv, tok_d, org_d, "demand", tag);
    int64_t sup = make_project(srv, tok_s, org_s, "supply", tag);
    /* B answers the demand's list from its cache (its tokens too: auth_cache_ms). */
    struct rec_wait w = {b, tok_d, dem, sup, true, 0, false};
    cr_assert(it_wait(cached_cond, &w, 3000), "B never answered the list from its cache");

    /* A not_interested on A while Redis runs no PUBLISH (CLIENT PAUSE WRITE): A's message to B
     * is held back, and so are B's beats, so within RECS_AUX_SILENCE_MS B stops trusting its
     * cache and reads the veto from MySQL. */
    cr_assert_eq(it_sh(IT_REDIS_CLI " CLIENT PAUSE 4500 WRITE >/dev/null"), 0);
    int64_t t0 = it_now_ms();
    char path[96], body[96];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)dem);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"not_interested\"}",
             (long long)sup);
    struct it_resp *r = it_http(srv, "POST", path, tok_d, body, NULL);
    int st = r->status;
    it_resp_free(r);
    struct rec_wait gone = {b, tok_d, dem, sup, false, 0, false};
    bool seen = st == 201 && it_wait(rec_cond, &gone, (int)(3000 - (it_now_ms() - t0)));
    int64_t ms = it_now_ms() - t0;
    cr_assert_eq(it_sh(IT_REDIS_CLI " CLIENT UNPAUSE >/dev/null"), 0);
    cr_assert_eq(st, 201);
    cr_assert(seen, "B still serves its cached list 3 s after its channel went silent");
    cr_assert_not(gone.hit, "the fresh list came from the cache");
    cr_log_info("B read the veto %lld ms after the channel went silent", (long long)ms);

    /* The channel delivers again, A's message with it: B caches the new list. */
    cr_assert(it_wait(cached_cond, &gone, 3000),
              "B does not cache the new list after the pause (last: %d, hit %d)", gone.status,
              gone.hit);
    free(tok_d);
    free(tok_s);
}
