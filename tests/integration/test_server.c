/* The HTTP server itself: routing errors, body limits, the envelope, the threading promise,
 * graceful shutdown, metrics, two instances sharing sessions. */
#include <criterion/criterion.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/it.h"

IT_SUITE(server, 120);

Test(server, unknown_route_and_wrong_method)
{
    struct it_resp *r = it_http(srv, "GET", "/api/v1/nothing-here", NULL, NULL, NULL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_jstr(r, "error.code"), "not_found");
    it_resp_free(r);
    r = it_http(srv, "DELETE", "/api/v1/users", NULL, NULL, NULL);
    cr_assert_eq(r->status, 405);
    cr_assert_str_eq(it_jstr(r, "error.code"), "method_not_allowed");
    char allow[64];
    cr_assert_not_null(it_header(r, "Allow", allow, sizeof(allow)));
    cr_assert_str_eq(allow, "POST");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/organizations/", NULL, NULL, NULL);
    cr_assert_eq(r->status, 404, "an empty path segment matches nothing");
    it_resp_free(r);
}

Test(server, oversized_body_is_413_with_envelope)
{
    size_t n = 100 * 1024;
    char *big = malloc(n + 64);
    strcpy(big, "{\"email\":\"");
    memset(big + 10, 'a', n);
    strcpy(big + 10 + n, "\"}");
    struct it_resp *r = it_http(srv, "POST", "/api/v1/users", NULL, big, NULL);
    cr_assert_eq(r->status, 413);
    cr_assert_str_eq(it_jstr(r, "error.code"), "body_too_large");
    it_resp_free(r);
    free(big);
    /* The server keeps serving. */
    r = it_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
}

Test(server, request_id_and_json_content_type)
{
    struct it_resp *r = it_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    char v[128];
    cr_assert_not_null(it_header(r, "X-Request-Id", v, sizeof(v)));
    cr_assert_not_null(it_header(r, "Content-Type", v, sizeof(v)));
    cr_assert(strstr(v, "application/json"));
    it_resp_free(r);
}

struct slow {
    const struct it_server *s;
    atomic_int slow_done;
    int slow_status;
};

static void *slow_req(void *arg)
{
    struct slow *sl = arg;
    struct it_resp *r = it_http(sl->s, "GET", "/api/v1/debug/sleep?ms=2000", NULL, NULL, NULL);
    sl->slow_status = r->status;
    it_resp_free(r);
    atomic_store(&sl->slow_done, 1);
    return NULL;
}

static bool metrics_show_busy_worker(void *arg)
{
    struct it_resp *r = it_http(arg, "GET", "/metrics", NULL, NULL, NULL);
    bool busy = r->body && strstr(r->body, "summitd_workers_busy 1");
    it_resp_free(r);
    return busy;
}

Test(server, slow_query_does_not_delay_healthz_or_other_requests)
{
    /* While one request sits in SELECT SLEEP(2) on a worker, /healthz and a request that needs
     * MySQL on other connections are answered, and answered before the slow one finishes. */
    struct slow sl = {.s = srv};
    pthread_t th;
    pthread_create(&th, NULL, slow_req, &sl);
    cr_assert(it_wait(metrics_show_busy_worker, srv, 3000), "the slow request reached a worker");
    int64_t t0 = it_now_ms();
    struct it_resp *r = it_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    int64_t healthz_ms = it_now_ms() - t0;
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    r = it_http(srv, "GET", "/readyz", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    cr_assert_eq(atomic_load(&sl.slow_done), 0,
                 "healthz and readyz were answered while the slow query was still running");
    pthread_join(th, NULL);
    cr_assert_eq(sl.slow_status, 200);
    cr_log_info("healthz answered in %lld ms during a 2000 ms query", (long long)healthz_ms);
}

struct inflight {
    const struct it_server *s;
    int status;
    char body[64];
};

static void *inflight_req(void *arg)
{
    struct inflight *f = arg;
    struct it_resp *r = it_http(f->s, "GET", "/api/v1/debug/sleep?ms=1500", NULL, NULL, NULL);
    f->status = r->status;
    snprintf(f->body, sizeof(f->body), "%s", r->body ? r->body : "");
    it_resp_free(r);
    return NULL;
}

/* Regression: ?ms= went through strtol, so "abc" slept 0 ms and "5x" 5 ms, both answered 200. */
Test(server, debug_sleep_refuses_ms_that_is_not_a_number)
{
    static const char *const bad[] = {"abc", "5x", "-1", "10001", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/debug/sleep?ms=%s", bad[i]);
        struct it_resp *r = it_http(srv, "GET", path, NULL, NULL, NULL);
        cr_assert_eq(r->status, 400, "ms=%s: %d %s", bad[i], r->status, r->body);
        cr_assert_str_eq(it_jstr(r, "error.field"), "ms", "ms=%s", bad[i]);
        it_resp_free(r);
    }
    struct it_resp *r = it_http(srv, "GET", "/api/v1/debug/sleep?ms=0", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "slept_ms"), 0);
    it_resp_free(r);
}

Test(server, graceful_shutdown_finishes_in_flight_request)
{
    struct inflight f = {.s = srv};
    pthread_t th;
    pthread_create(&th, NULL, inflight_req, &f);
    cr_assert(it_wait(metrics_show_busy_worker, srv, 3000));
    kill(srv->pid, SIGTERM);
    /* New connections are refused once listening stops. */
    pthread_join(th, NULL);
    cr_assert_eq(f.status, 200, "the in-flight request completed: %d %s", f.status, f.body);
    cr_assert(strstr(f.body, "slept_ms"));
    int st;
    int64_t deadline = it_now_ms() + 15000;
    pid_t w = 0;
    while (it_now_ms() < deadline && (w = waitpid(srv->pid, &st, WNOHANG)) == 0)
        usleep(10000);
    cr_assert_eq(w, srv->pid, "summitd exited after draining");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    srv->pid = -1;
    cr_assert_eq(it_stop(srv), -1); /* only scans the log now */
    srv = NULL;
}

/* Regression: the SIGTERM handler used to be installed after the loops started, so a SIGTERM
 * sent as soon as /healthz answered (a supervisor, or this harness) killed the process without
 * a drain (exit 143; seen under ThreadSanitizer, where start-up is slow). */
Test(server, sigterm_as_soon_as_ready_drains_and_exits_0)
{
    for (int i = 0; i < 3; i++) {
        struct it_server *b = it_start(NULL);
        cr_assert_eq(it_stop(b), 0, "round %d: SIGTERM right after /healthz answered", i);
    }
}

Test(server, metrics_are_prometheus_text)
{
    it_resp_free(it_http(srv, "GET", "/api/v1/nothing", NULL, NULL, NULL));
    it_resp_free(it_http(srv, "GET", "/healthz", NULL, NULL, NULL));
    struct it_resp *r = it_http(srv, "GET", "/metrics", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "# TYPE summitd_http_requests_total counter"));
    cr_assert(strstr(
        r->body, "summitd_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
    cr_assert(strstr(r->body, "route=\"unmatched\",status=\"404\""));
    cr_assert(strstr(r->body, "summitd_http_request_duration_seconds_bucket"));
    cr_assert(strstr(r->body, "summitd_dependency_up{dependency=\"mysql\"} 1"));
    cr_assert(strstr(r->body, "summitd_dependency_up{dependency=\"redis\"} 1"));
    it_resp_free(r);
}

Test(server, two_instances_share_login_sessions)
{
    struct it_server *b = it_start(NULL);
    char *token = it_user(srv, "attendee", NULL); /* logged in on instance A */
    struct it_resp *r = it_http(b, "GET", "/api/v1/me", token, NULL, NULL);
    cr_assert_eq(r->status, 200, "instance B accepts A's token: %s", r->body);
    it_resp_free(r);
    r = it_http(b, "POST", "/api/v1/auth/logout", token, NULL, NULL);
    cr_assert_eq(r->status, 204);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me", token, NULL, NULL);
    cr_assert_eq(r->status, 401, "logout on B ends the session on A");
    it_resp_free(r);
    free(token);
    cr_assert_eq(it_stop(b), 0);
}

Test(server, bad_config_value_names_the_key)
{
    int st = it_sh("%s --set workers=zero print-config >/dev/null 2>var/test-logs/badcfg.txt",
                   getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd");
    cr_assert_eq(st, 2);
    cr_assert_eq(it_sh("grep -q workers var/test-logs/badcfg.txt"), 0);
    st = it_sh("SUMMITD_MYSQL_PORT=99999 %s print-config >/dev/null 2>var/test-logs/badenv.txt",
               getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd");
    cr_assert_eq(st, 2);
    cr_assert_eq(it_sh("grep -q SUMMITD_MYSQL_PORT var/test-logs/badenv.txt"), 0);
}

Test(server, idempotent_signup_replays_first_response)
{
    char *email = it_email("idem");
    char body[512];
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"password-123\",\"display_name\":\"I\"}", email);
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "Idempotency-Key: signup-%lld\r\n", (long long)it_now_ms());
    struct it_resp *a = it_http(srv, "POST", "/api/v1/users", NULL, body, hdr);
    struct it_resp *b = it_http(srv, "POST", "/api/v1/users", NULL, body, hdr);
    cr_assert_eq(a->status, 201);
    cr_assert_eq(b->status, 201, "the retry gets the first response, not 409: %s", b->body);
    cr_assert_str_eq(a->body, b->body);
    char v[16];
    cr_assert_not_null(it_header(b, "Idempotent-Replayed", v, sizeof(v)));
    it_resp_free(a);
    it_resp_free(b);
    /* Same key, different body: 422. */
    struct it_resp *c = it_http(srv, "POST", "/api/v1/users", NULL,
                                "{\"email\":\"z@z.zz\",\"password\":\"password-1\","
                                "\"display_name\":\"Z\"}",
                                hdr);
    cr_assert_eq(c->status, 422, "%s", c->body);
    cr_assert_str_eq(it_jstr(c, "error.code"), "idempotency_key_reused");
    it_resp_free(c);
    free(email);
}

Test(server, migrations_from_two_instances_at_once_apply_once)
{
    /* A fresh database; two `summitd migrate` start together; both succeed, every migration is
     * recorded once, and a third run changes nothing. */
    char db[64];
    snprintf(db, sizeof(db), "summitd_mig_%d", (int)getpid());
    free(it_sql("DROP DATABASE IF EXISTS %s; CREATE DATABASE %s CHARACTER SET utf8mb4", db, db));
    const char *bin = getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd";
    char cmd[512];
    snprintf(
        cmd, sizeof(cmd),
        "%s --set mysql_port=$SD_MYSQL_PORT --set mysql_user=summitd --set mysql_password=summitd"
        " --set mysql_database=%s migrate 2>>var/test-logs/migrate-%s.log",
        bin, db, db);
    cr_assert_eq(it_sh("%s & p1=$!; %s & p2=$!; wait $p1; a=$?; wait $p2; b=$?;"
                       " [ $a -eq 0 ] && [ $b -eq 0 ]",
                       cmd, cmd),
                 0, "both concurrent migrations succeed");
    int64_t files = it_sql_i64("SELECT COUNT(*) FROM %s.schema_migrations", db);
    int64_t distinct = it_sql_i64("SELECT COUNT(DISTINCT version) FROM %s.schema_migrations", db);
    cr_assert_eq(files, distinct);
    /* The binary carries sql/[0-9]*.sql (the shared test database may have seen another
     * checkout's migrations, so it is no measure). */
    glob_t g;
    cr_assert_eq(glob("sql/[0-9]*.sql", 0, NULL, &g), 0);
    int64_t expect = (int64_t)g.gl_pathc;
    globfree(&g);
    cr_assert_eq(files, expect, "every migration recorded once (%lld vs %lld)", (long long)files,
                 (long long)expect);
    cr_assert_eq(it_sh("%s", cmd), 0, "a third run is a no-op");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM %s.schema_migrations", db), files);
    cr_assert_gt(it_sql_i64("SELECT COUNT(*) FROM information_schema.tables WHERE"
                            " table_schema = '%s' AND table_name = 'registrations'",
                            db),
                 0);
    free(it_sql("DROP DATABASE %s", db));
}
