/* Password hashing under a flood of signups, against a real summitd, MariaDB and Redis. A
 * binary of its own: the flood's thousands of refused requests would slow the tests running
 * beside it. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "tests/integration/ev_fixtures.h"
#include "tests/lib/it.h"

/* workers=8 is the harness's; hash_wait_ms stays at its default. The flood's 503s keep
 * this shared machine busy: Redis gets more than the usual 500 ms before a 503. */
IT_SUITE(hashing, 180, "password_cost=6", "hash_threads=1", "redis_timeout_ms=3000");

static char *login(const char *email, const char *password)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    struct it_resp *r = it_http(srv, "POST", "/api/v1/auth/login", NULL, body, NULL);
    cr_assert_eq(r->status, 200, "login: %d %s", r->status, r->body);
    char *t = strdup(it_jstr(r, "token"));
    it_resp_free(r);
    return t;
}

static struct it_resp *signup(const char *email, const char *password, const char *name)
{
    char body[1024];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\",\"display_name\":\"%s\"}",
             email, password, name);
    return it_http(srv, "POST", "/api/v1/users", NULL, body, NULL);
}

#define FLOOD_THREADS 16

struct flood {
    char tag[64];
    atomic_bool stop;
    atomic_long seq, created, shed, other, shed_bare;
    atomic_int last_other;
};

static void *flood_main(void *arg)
{
    struct flood *f = arg;
    while (!atomic_load(&f->stop)) {
        char email[160];
        snprintf(email, sizeof(email), "%s-%ld@test.example", f->tag, atomic_fetch_add(&f->seq, 1));
        struct it_resp *r = signup(email, "password-123", "洪水");
        char ra[32];
        if (r->status == 201) {
            atomic_fetch_add(&f->created, 1);
        } else if (r->status == 503) {
            atomic_fetch_add(&f->shed, 1);
            const char *code = it_jstr(r, "error.code");
            if (!it_header(r, "Retry-After", ra, sizeof(ra)) || atoi(ra) < 1 || !code ||
                strcmp(code, "overloaded") != 0)
                atomic_fetch_add(&f->shed_bare, 1);
        } else {
            atomic_fetch_add(&f->other, 1);
            atomic_store(&f->last_other, r->status);
        }
        it_resp_free(r);
    }
    return NULL;
}

static bool flood_saturated(void *arg)
{
    struct flood *f = arg;
    return atomic_load(&f->created) >= 2 && atomic_load(&f->shed) >= 20;
}

static long flood_mark;
static bool flood_moved_on(void *arg)
{
    struct flood *f = arg;
    return atomic_load(&f->created) > flood_mark;
}

/* Regression: POST /users and POST /auth/login ran yescrypt on the shared worker pool,
 * unthrottled, so a flood of signups held every worker and every other route queued behind
 * them. Hashing now has its own bounded capacity (server/pwhash.h). Under a continuous flood
 * (16 clients against 8 workers, one hashing thread), most GET /me complete while at most a
 * few signups do and none while a pool's worth does (before, each waited behind a worker-pool
 * queue full of signups: about 9 finished first), a registration goes through, the flood goes
 * on, and the signups beyond capacity get 503 with Retry-After instead of a worker. */
Test(hashing, signup_flood_leaves_other_routes_their_workers)
{
    int64_t uid;
    char *me_email = it_email("flood-me");
    struct it_resp *r = signup(me_email, "password-123", "我");
    cr_assert_eq(r->status, 201, "%s", r->body);
    uid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    char *me = login(me_email, "password-123");
    char *attendee = it_user(srv, "attendee", NULL);
    char *org = it_organizer(srv, NULL);
    int64_t ev = ev_event(srv, org, "洪水中的峰会", true);
    int64_t sid = ev_session(srv, org, ev, 10, false, "");

    struct flood f = {0};
    it_unique(f.tag, sizeof(f.tag), "flood");
    pthread_t th[FLOOD_THREADS];
    for (int i = 0; i < FLOOD_THREADS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, flood_main, &f), 0);
    cr_assert(it_wait(flood_saturated, &f, 60000),
              "the flood never filled the hashing capacity (%ld created, %ld shed)",
              atomic_load(&f.created), atomic_load(&f.shed));

    /* Under the old pool every GET /me queued behind the signups the workers' queue held, so
     * about as many signups finished during each as clients exceed workers (9 here); now it
     * waits for no hash: typically none finish, a hiccup of this shared machine may let a few,
     * never a pool's worth (8). */
    long seen[11], worst = 0;
    for (int i = 0; i < 11; i++) {
        long before = atomic_load(&f.created);
        r = it_http(srv, "GET", "/api/v1/me", me, NULL, NULL);
        seen[i] = atomic_load(&f.created) - before;
        cr_assert_eq(r->status, 200, "GET /me during the flood: %d %s", r->status, r->body);
        cr_assert_eq((int64_t)it_jnum(r, "id"), uid);
        it_resp_free(r);
        cr_log_info("GET /me %d: %ld signups completed meanwhile", i, seen[i]);
        cr_assert_lt(seen[i], 8, "GET /me %d waited while %ld signups completed", i, seen[i]);
        worst = seen[i] > worst ? seen[i] : worst;
    }
    /* Most see few: against the cluster a GET /me also waits for Galera's causality check
     * (mysql_sync_wait) behind HAProxy, during which a loaded VM finished 2-4 one-thread hashes
     * (5 of 11 saw at most one, in one CI run); the old pool let about 9 finish during each. */
    int few = 0;
    for (int i = 0; i < 11; i++)
        few += seen[i] <= 3;
    cr_assert_geq(few, 6, "most GET /me see at most three signups finish (%d of 11 did)", few);
    long before = atomic_load(&f.created);
    r = ev_register(srv, attendee, sid, NULL);
    long during = atomic_load(&f.created) - before;
    cr_assert_eq(r->status, 201, "registration during the flood: %d %s", r->status, r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "confirmed");
    it_resp_free(r);
    cr_assert_lt(during, 8, "the registration waited while %ld signups completed", during);
    /* Logins share the hashing capacity: a wrong password during the flood is a 401 and
     * counts as a failure, or a 503 (busy) that counts as nothing. */
    int n401 = 0, n503 = 0;
    for (int i = 0; i < 10; i++) {
        char body[512];
        snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"not-it-%d\"}", me_email, i);
        r = it_http(srv, "POST", "/api/v1/auth/login", NULL, body, NULL);
        char ra[32];
        if (r->status == 503) {
            n503++;
            cr_assert_str_eq(it_jstr(r, "error.code"), "overloaded");
            cr_assert_not_null(it_header(r, "Retry-After", ra, sizeof(ra)));
        } else {
            n401++;
            cr_assert_eq(r->status, 401, "%d %s", r->status, r->body);
        }
        it_resp_free(r);
    }
    char hex[65];
    auth_sha256_hex(me_email, strlen(me_email), hex);
    cr_assert_eq(
        it_sh(IT_REDIS_CLI " GET 't:rl:login-account:%s' | sed 's/^$/0/' | grep -qx %d", hex, n401),
        0, "%d failures counted, the %d refused attempts not", n401, n503);
    /* ... and the flood was still going: more signups complete after them. */
    flood_mark = atomic_load(&f.created);
    cr_assert(it_wait(flood_moved_on, &f, 60000), "the flood stopped making progress");

    atomic_store(&f.stop, true);
    for (int i = 0; i < FLOOD_THREADS; i++)
        pthread_join(th[i], NULL);
    cr_log_info("signup flood: %ld created, %ld shed (503); worst GET /me saw %ld signups finish",
                atomic_load(&f.created), atomic_load(&f.shed), worst);
    cr_assert_eq(atomic_load(&f.other), 0, "signups answered %d", atomic_load(&f.last_other));
    cr_assert_gt(atomic_load(&f.shed), 0);
    cr_assert_eq(atomic_load(&f.shed_bare), 0, "every 503 is 'overloaded' with Retry-After");
    /* Stored state: exactly the acknowledged signups exist; the registration is committed. */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM users WHERE email LIKE '%s-%%'", f.tag),
                 atomic_load(&f.created));
    cr_assert_eq(it_sql_i64("SELECT confirmed_count FROM sessions WHERE id = %lld", (long long)sid),
                 1);
    free(me);
    free(me_email);
    free(attendee);
    free(org);
}
