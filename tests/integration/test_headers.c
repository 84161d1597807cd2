/* Response headers every client relies on: X-Content-Type-Options: nosniff on every response,
 * wherever it is made (worker, event loop, loop cache, loop errors), and Cache-Control: no-store
 * on every response carrying personal data or secrets (tokens, check-in codes, e-mail
 * addresses, someone's registrations, agenda, matches and meetings). */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/it.h"

IT_SUITE(headers, 120, "max_body_bytes=4096", "loop_cache_ttl_ms=60000");

static bool has_header(const struct it_resp *r, const char *name, const char *value)
{
    char buf[256];
    return it_header(r, name, buf, sizeof(buf)) && strcmp(buf, value) == 0;
}

static int count_lines(const char *head, const char *needle)
{
    int n = 0;
    for (const char *p = head; (p = strcasestr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Asserts the status and nosniff; returns r for more checks (caller frees). */
static struct it_resp *nosniff(struct it_resp *r, int status, const char *what)
{
    cr_assert_eq(r->status, status, "%s: %d %s", what, r->status, r->body);
    cr_assert(has_header(r, "X-Content-Type-Options", "nosniff"), "%s: nosniff in %s", what,
              r->head);
    return r;
}

/* RFC 3339 of now + off seconds (buf: 32 bytes). */
static char *in_secs(long off, char *buf)
{
    time_t t = time(NULL) + off;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/* A published event from 30 minutes from now for a day: its sessions' check-in is open. */
static int64_t make_event(const char *org)
{
    char title[64], body[512], path[64], a[32], b[32];
    it_unique(title, sizeof(title), "hdr");
    snprintf(body, sizeof(body),
             "{\"title\":\"%s\",\"kind\":\"summit\",\"city\":\"成都\","
             "\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
             title, in_secs(1800, a), in_secs(86400, b));
    struct it_resp *r = it_http(srv, "POST", "/api/v1/events", org, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)id);
    it_expect(it_http(srv, "POST", path, org, NULL, NULL), 200, NULL, "publish");
    return id;
}

Test(headers, every_response_says_nosniff)
{
    it_resp_free(nosniff(it_http(srv, "GET", "/healthz", NULL, NULL, NULL), 200, "/healthz"));
    it_resp_free(nosniff(it_http(srv, "GET", "/metrics", NULL, NULL, NULL), 200, "/metrics"));
    it_resp_free(nosniff(it_http(srv, "GET", "/readyz", NULL, NULL, NULL), 200, "/readyz"));
    it_resp_free(nosniff(it_http(srv, "GET", "/nope", NULL, NULL, NULL), 404, "no route"));
    it_resp_free(nosniff(it_http(srv, "DELETE", "/healthz", NULL, NULL, NULL), 405, "405"));
    char *big = malloc(5001);
    memset(big, ' ', 5000);
    big[5000] = '\0';
    it_resp_free(
        nosniff(it_http(srv, "POST", "/api/v1/users", NULL, big, NULL), 413, "over max_body"));
    free(big);
    it_resp_free(nosniff(it_http(srv, "GET", "/api/v1/me", NULL, NULL, NULL), 401, "401"));
    it_resp_free(nosniff(it_http(srv, "GET", "/api/v1/events?limit=0", NULL, NULL, NULL), 400,
                         "a 400 from a handler"));

    /* The loop cache: anonymous reads of an event page, until one is served from it. */
    char *org = it_organizer(srv, NULL);
    int64_t ev = make_event(org);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)ev);
    bool hit = false;
    for (int i = 0; i < 50 && !hit; i++) {
        struct it_resp *r = nosniff(it_http(srv, "GET", path, NULL, NULL, NULL), 200, "event");
        hit = has_header(r, "X-Cache", "hit");
        it_resp_free(r);
    }
    cr_assert(hit, "an anonymous event read was served from the loop cache");
    free(org);
}

static bool metric_is(const struct it_server *s, const char *name_value)
{
    struct it_resp *r = it_http(s, "GET", "/metrics", NULL, NULL, NULL);
    bool ok = r->body && strstr(r->body, name_value) != NULL;
    it_resp_free(r);
    return ok;
}

static bool worker_busy(void *arg)
{
    return metric_is(arg, "\nsummitd_workers_busy 1\n");
}

static bool queue_full(void *arg)
{
    return metric_is(arg, "\nsummitd_worker_queue_length 1\n");
}

static int send_only(int port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    return fd;
}

/* The 503 the loop answers when the job queue is full. */
Test(headers, an_overloaded_503_says_nosniff)
{
    const char *sets[] = {"workers=1", "queue_max=1", NULL};
    struct it_server *one = it_start(sets);
    int a = send_only(one->port, "GET /api/v1/debug/sleep?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\n");
    cr_assert(it_wait(worker_busy, one, 10000), "the only worker is busy");
    int b = send_only(one->port, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    cr_assert(it_wait(queue_full, one, 10000), "the queue is full");
    struct it_resp *r = nosniff(it_http(one, "GET", "/readyz", NULL, NULL, NULL), 503, "overload");
    cr_assert_str_eq(it_jstr(r, "error.code"), "overloaded");
    it_resp_free(r);
    close(a);
    close(b);
    cr_assert_eq(it_stop(one), 0);
}

struct call {
    const char *method;
    char path[128];
    const char *token;
    char body[256];
    int status;
};

Test(headers, personal_data_and_secrets_are_no_store)
{
    int64_t org_id;
    char *org = it_organizer(srv, &org_id);
    int64_t ev = make_event(org);
    char path[96], body[512], a[32], b[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)ev);
    snprintf(body, sizeof(body),
             "{\"title\":\"论坛\",\"kind\":\"forum\",\"room\":\"A1\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\",\"capacity\":10,\"waitlist\":false}",
             in_secs(3600, a), in_secs(3 * 3600, b));
    struct it_resp *r = it_http(srv, "POST", path, org, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t sid = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    /* An attendee of our own, so that the password is known. */
    char *email = it_email("nostore");
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"long-enough-9\",\"display_name\":\"张三\"}", email);
    r = it_http(srv, "POST", "/api/v1/users", NULL, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(has_header(r, "Cache-Control", "no-store"), "signup: %s", r->head);
    it_resp_free(r);
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"long-enough-9\"}", email);
    r = it_http(srv, "POST", "/api/v1/auth/login", NULL, body, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(has_header(r, "Cache-Control", "no-store"), "login: %s", r->head);
    cr_assert_eq(count_lines(r->head, "\nCache-Control:"), 1, "once: %s", r->head);
    char *att = strdup(it_jstr(r, "token"));
    it_resp_free(r);

    char key[128], word[64];
    it_unique(word, sizeof(word), "reg");
    snprintf(key, sizeof(key), "Idempotency-Key: %s\r\n", word);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)sid);
    r = it_http(srv, "POST", path, att, NULL, key);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(has_header(r, "Cache-Control", "no-store"), "registration: %s", r->head);
    int64_t rid = (int64_t)it_jnum(r, "id");
    char *code = strdup(it_jstr(r, "checkin_code"));
    it_resp_free(r);
    r = it_http(srv, "POST", path, att, NULL, key);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(has_header(r, "Cache-Control", "no-store"), "replayed registration: %s", r->head);
    it_resp_free(r);

    /* A second attendee registers and cancels. */
    char *other = it_user(srv, "attendee", NULL);
    r = it_http(srv, "POST", path, other, NULL, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t rid2 = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    struct call calls[] = {
        {"POST", "/api/v1/auth/login", NULL, "", 401},
        {"GET", "/api/v1/me", att, "", 200},
        {"GET", "", att, "", 200},
        {"GET", "/api/v1/me/registrations", att, "", 200},
        {"GET", "", org, "", 200},
        {"GET", "", org, "", 200},
        {"GET", "/api/v1/me/agenda", att, "", 200},
        {"GET", "/api/v1/me/agenda.ics", att, "", 200},
        {"GET", "/api/v1/me/matches", att, "", 200},
        {"GET", "/api/v1/me/meetings", att, "", 200},
        {"GET", "", org, "", 200},
        {"GET", "", org, "", 200},
        {"DELETE", "", other, "", 200},
        {"POST", "/api/v1/checkins", org, "", 200},
        {"GET", "/api/v1/me", NULL, "", 401},
    };
    snprintf(calls[0].body, sizeof(calls[0].body),
             "{\"email\":\"%s\",\"password\":\"wrong-password\"}", email);
    snprintf(calls[2].path, sizeof(calls[2].path), "/api/v1/registrations/%lld", (long long)rid);
    snprintf(calls[4].path, sizeof(calls[4].path), "/api/v1/sessions/%lld/registrations",
             (long long)sid);
    snprintf(calls[5].path, sizeof(calls[5].path), "/api/v1/sessions/%lld/registrations?format=csv",
             (long long)sid);
    snprintf(calls[10].path, sizeof(calls[10].path), "/api/v1/events/%lld/meetings", (long long)ev);
    snprintf(calls[11].path, sizeof(calls[11].path), "/api/v1/events/%lld/audit", (long long)ev);
    snprintf(calls[12].path, sizeof(calls[12].path), "/api/v1/registrations/%lld", (long long)rid2);
    snprintf(calls[13].body, sizeof(calls[13].body), "{\"code\":\"%s\"}", code);
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        struct call *c = &calls[i];
        r = it_http(srv, c->method, c->path, c->token, c->body[0] ? c->body : NULL, NULL);
        cr_assert_eq(r->status, c->status, "%s %s: %d %s", c->method, c->path, r->status, r->body);
        cr_assert(has_header(r, "Cache-Control", "no-store"), "%s %s: no-store in %s", c->method,
                  c->path, r->head);
        cr_assert(has_header(r, "X-Content-Type-Options", "nosniff"), "%s %s", c->method, c->path);
        it_resp_free(r);
    }
    cr_assert_eq(it_sql_i64("SELECT checked_in_at IS NOT NULL FROM registrations WHERE id = %lld",
                            (long long)rid),
                 1, "the check-in went through");

    /* Public reads are cacheable as before. */
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)ev);
    const char *public_paths[] = {path, "/api/v1/events", "/healthz"};
    for (size_t i = 0; i < 3; i++) {
        r = it_http(srv, "GET", public_paths[i], NULL, NULL, NULL);
        cr_assert_eq(r->status, 200);
        char buf[64];
        cr_assert_null(it_header(r, "Cache-Control", buf, sizeof(buf)), "%s", public_paths[i]);
        it_resp_free(r);
    }
    free(att);
    free(other);
    free(code);
    free(email);
    free(org);
}

/* RFC 6750 3: every 401 names the Bearer scheme; a refused token also says invalid_token. */
Test(headers, every_401_says_www_authenticate)
{
    char buf[128];
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me", NULL, NULL, NULL);
    cr_assert_eq(r->status, 401);
    cr_assert_not_null(it_header(r, "WWW-Authenticate", buf, sizeof(buf)));
    cr_assert_str_eq(buf, "Bearer realm=\"summitd\"");
    it_resp_free(r);
    const char *bad[] = {"short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (int i = 0; i < 2; i++) {
        r = it_http(srv, "GET", "/api/v1/me", bad[i], NULL, NULL);
        cr_assert_eq(r->status, 401);
        cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_token");
        cr_assert_not_null(it_header(r, "WWW-Authenticate", buf, sizeof(buf)));
        cr_assert_str_eq(buf, "Bearer realm=\"summitd\", error=\"invalid_token\"");
        it_resp_free(r);
    }
    r = it_http(srv, "POST", "/api/v1/auth/login", NULL,
                "{\"email\":\"nobody@test.example\",\"password\":\"whatever-1\"}", NULL);
    cr_assert_eq(r->status, 401);
    cr_assert_not_null(it_header(r, "WWW-Authenticate", buf, sizeof(buf)));
    cr_assert_str_eq(buf, "Bearer realm=\"summitd\"");
    it_resp_free(r);
}
