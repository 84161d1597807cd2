/* Webhooks (handlers/webhooks.c, notify/webhook.c) against a real summitd, MariaDB and Redis,
 * delivering to a real HTTP receiver (wh_receiver.h) that verifies the Standard Webhooks
 * signature with OpenSSL on its own.
 *
 * Deliveries are driven through the debug route POST /api/v1/debug/webhook-deliver?outbox_id=
 * (one webhook_deliver() of one outbox row, as the dispatcher makes it) on outbox rows written
 * here with status 'held', which no dispatcher claims: the channel is tested on its own, each
 * attempt when the test says. The end-to-end test (a registration -> a signed POST, through
 * notify_emit and the dispatcher) is e2e_registration_reaches_the_receiver. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/ev_fixtures.h"
#include "tests/integration/wh_receiver.h"
#include "tests/lib/it.h"

/* The suite's server delivers to loopback; its dispatcher polls and retries quickly (the
 * end-to-end test). Servers that refuse loopback run no dispatcher (notify_dispatch=false): the
 * outbox is shared, and they would claim the end-to-end test's rows. */
IT_SUITE(webhooks, 180, "webhook_allow_loopback=true", "webhook_disable_after=3",
         "notify_poll_ms=50", "notify_backoff_ms=50", "notify_backoff_max_s=1");
static const char *const strict_sets[] = {"notify_dispatch=false", "webhook_allow_loopback=false",
                                          NULL};

#define LL(x) ((long long)(x))

static struct it_resp *post_hook(const struct it_server *s, const char *tok, const char *scope,
                                 int64_t id, const char *url, const char *events)
{
    char path[96], body[4200];
    snprintf(path, sizeof(path), "/api/v1/%s/%lld/webhooks", scope, LL(id));
    snprintf(body, sizeof(body), "{\"url\":\"%s\",\"events\":%s}", url, events);
    return it_http(s, "POST", path, tok, body, NULL);
}

/* A new endpoint of organization org for `url`: its id, and its secret in secret (128 bytes). */
static int64_t hook_new(const char *tok, int64_t org, const char *url, char *secret)
{
    struct it_resp *r = post_hook(srv, tok, "organizations", org, url, "[\"match.mutual\"]");
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    if (secret)
        snprintf(secret, 128, "%s", it_jstr(r, "secret"));
    it_resp_free(r);
    return id;
}

static void receiver_url(const struct whr *w, char *out, size_t len)
{
    snprintf(out, len, "http://127.0.0.1:%d/hooks/summitd", w->port);
}

/* An outbox row for endpoint ep that no dispatcher claims (status 'held'): its id; its msg_id
 * into msg (64 bytes). */
static int64_t held_row(int64_t ep, const char *type, const char *data, char *msg)
{
    it_unique(msg, 64, "msg_");
    return it_sql_i64("INSERT INTO outbox (msg_id, channel, type, endpoint_id, payload, status,"
                      " attempts, next_at, created_at) VALUES ('%s', 'webhook', '%s', %lld,"
                      " '{\"type\":\"%s\",\"data\":%s}', 'held', 0, UTC_TIMESTAMP(3),"
                      " '2026-05-20 09:00:00'); SELECT LAST_INSERT_ID();",
                      msg, type, LL(ep), type, data);
}

/* One delivery attempt of outbox row id by `s`: "ok", "retry" or "give_up" (static). */
static const char *deliver(const struct it_server *s, int64_t id, char *err, size_t errlen)
{
    static char result[16];
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/debug/webhook-deliver?outbox_id=%lld", LL(id));
    struct it_resp *r = it_http(s, "POST", path, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%d %s", r->status, r->body);
    snprintf(result, sizeof(result), "%s", it_jstr(r, "result"));
    if (err)
        snprintf(err, errlen, "%s", it_jstr(r, "error"));
    it_resp_free(r);
    return result;
}

static struct it_resp *get(const char *tok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct it_resp *get(const char *tok, const char *fmt, ...)
{
    char path[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return it_http(srv, "GET", path, tok, NULL, NULL);
}

Test(webhooks, create_list_get_patch_delete_with_the_secret_shown_once)
{
    char *ent = it_user(srv, "enterprise", NULL), *other = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    struct it_resp *r = post_hook(srv, ent, "organizations", org, "http://127.0.0.1:9/h",
                                  "[\"meeting.scheduled\",\"match.mutual\",\"meeting.scheduled\"]");
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    const char *secret = it_jstr(r, "secret");
    cr_assert(secret && strncmp(secret, "whsec_", 6) == 0, "%s", r->body);
    unsigned char key[128];
    cr_assert_eq(whr_key(secret, key), 32, "a 32-byte key: %s", secret);
    char loc[128], want[64];
    snprintf(want, sizeof(want), "/api/v1/webhooks/%lld", LL(id));
    cr_assert_str_eq(it_header(r, "Location", loc, sizeof(loc)), want);
    /* duplicates fold; the known order */
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "events")), 2, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "events.0"), "meeting.scheduled");
    cr_assert_str_eq(it_jstr(r, "events.1"), "match.mutual");
    cr_assert_eq((int)it_jnum(r, "organization_id"), (int)org);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(r->json, "enabled")));
    char stored[200];
    snprintf(stored, sizeof(stored), "%s", secret + 6);
    it_resp_free(r);
    char *db = it_sql("SELECT secret FROM webhook_endpoints WHERE id = %lld", LL(id));
    cr_assert(strncmp(db, stored, strlen(stored)) == 0, "stored %s, shown %s", db, stored);
    free(db);

    /* never shown again: GET, the list */
    r = get(ent, "/api/v1/webhooks/%lld", LL(id));
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_null(cJSON_GetObjectItem(r->json, "secret"));
    cr_assert_null(strstr(r->body, stored));
    it_resp_free(r);
    r = get(ent, "/api/v1/organizations/%lld/webhooks", LL(org));
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert_null(strstr(r->body, stored));
    it_resp_free(r);
    /* a stranger does not learn it exists */
    it_expect(get(other, "/api/v1/webhooks/%lld", LL(id)), 404, NULL, "a stranger");

    /* PATCH: events, disable, enable (failures start afresh) */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/webhooks/%lld", LL(id));
    r = it_http(srv, "PATCH", path, ent, "{\"events\":[\"reminder\"],\"enabled\":false}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "events.0"), "reminder");
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "enabled")));
    cr_assert_not_null(it_jstr(r, "disabled_reason"));
    it_resp_free(r);
    free(it_sql("UPDATE webhook_endpoints SET failures = 7 WHERE id = %lld", LL(id)));
    r = it_http(srv, "PATCH", path, ent, "{\"enabled\":true}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "failures"), 0, "re-enabling resets the count: %s", r->body);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r->json, "disabled_reason")));
    it_resp_free(r);
    it_expect(it_http(srv, "PATCH", path, ent, "{\"url\":\"ftp://127.0.0.1/x\"}", NULL), 400, "url",
              "ftp");
    it_expect(it_http(srv, "PATCH", path, ent, "{\"secret\":\"x\"}", NULL), 400, "secret",
              "not a field");
    it_expect(it_http(srv, "PATCH", path, other, "{\"enabled\":false}", NULL), 404, NULL,
              "a stranger patches");

    /* DELETE */
    it_expect(it_http(srv, "DELETE", path, other, NULL, NULL), 404, NULL, "a stranger deletes");
    it_expect(it_http(srv, "DELETE", path, ent, NULL, NULL), 204, NULL, "deleted");
    it_expect(get(ent, "/api/v1/webhooks/%lld", LL(id)), 404, NULL, "gone");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM webhook_endpoints WHERE id = %lld", LL(id)), 0);
    free(ent);
    free(other);
}

Test(webhooks, event_endpoints_are_the_organizers)
{
    char *org = it_organizer(srv, NULL), *org2 = it_organizer(srv, NULL);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"title\":\"钩子峰会\",\"kind\":\"summit\",\"city\":\"成都\",\"venue\":\"会展中心\","
             "\"starts_at\":\"2031-06-01T01:00:00Z\",\"ends_at\":\"2031-06-02T10:00:00Z\"}");
    struct it_resp *r = it_http(srv, "POST", "/api/v1/events", org, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t ev = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = post_hook(srv, org2, "events", ev, "http://127.0.0.1:9/h", "[\"event.cancelled\"]");
    cr_assert_eq(r->status, 404, "a draft is hidden from another organizer: %s", r->body);
    it_resp_free(r);
    r = post_hook(srv, org, "events", ev, "http://127.0.0.1:9/h", "[\"event.cancelled\"]");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "event_id"), ev);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r->json, "organization_id")));
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = get(org, "/api/v1/events/%lld/webhooks", LL(ev));
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), id);
    it_resp_free(r);
    it_expect(get(org2, "/api/v1/webhooks/%lld", LL(id)), 404, NULL, "another organizer");
    free(org);
    free(org2);
}

Test(webhooks, bad_bodies_are_refused_naming_the_field)
{
    char *ent = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    static const struct {
        const char *url, *events, *field;
    } bad[] = {
        {"ftp://127.0.0.1/x", "[\"reminder\"]", "url"},
        {"http://", "[\"reminder\"]", "url"},
        {"/relative/path", "[\"reminder\"]", "url"},
        {"http://127.0.0.1/a b", "[\"reminder\"]", "url"},
        {"http://127.0.0.1/\xe9\x92\xa9\xe5\xad\x90", "[\"reminder\"]", "url"}, /* non-ASCII */
        {"javascript:alert(1)", "[\"reminder\"]", "url"},
        {"http://127.0.0.1/x", "[]", "events"},
        {"http://127.0.0.1/x", "[\"registration.exploded\"]", "events"},
        {"http://127.0.0.1/x", "\"reminder\"", "events"},
        {"http://127.0.0.1/x", "[7]", "events"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct it_resp *r = post_hook(srv, ent, "organizations", org, bad[i].url, bad[i].events);
        cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "",
                         "validation_failed", "%s %s: %s", bad[i].url, bad[i].events, r->body);
        it_expect(r, 400, bad[i].field, bad[i].url);
    }
    /* a length: 2048 characters pass, 2049 do not */
    char url[2100];
    int n = snprintf(url, sizeof(url), "http://127.0.0.1/");
    memset(url + n, 'a', 2048 - (size_t)n);
    url[2048] = 0;
    struct it_resp *r = post_hook(srv, ent, "organizations", org, url, "[\"reminder\"]");
    cr_assert_eq(r->status, 201, "2048 characters: %d", r->status);
    it_resp_free(r);
    strcat(url, "b");
    it_expect(post_hook(srv, ent, "organizations", org, url, "[\"reminder\"]"), 400, "url",
              "2049 characters");
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/organizations/%lld/webhooks", LL(org));
    it_expect(it_http(srv, "POST", path, ent, "{\"url\":\"x\"", NULL), 400, NULL, "broken JSON");
    free(ent);
}

Test(webhooks, at_most_ten_endpoints_per_scope)
{
    char *ent = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    for (int i = 0; i < 10; i++)
        hook_new(ent, org, "http://127.0.0.1:9/h", NULL);
    struct it_resp *r =
        post_hook(srv, ent, "organizations", org, "http://127.0.0.1:9/h", "[\"reminder\"]");
    cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "",
                     "webhook_limit_reached", "%s", r->body);
    it_expect(r, 409, NULL, "the eleventh");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM webhook_endpoints WHERE org_id = %lld", LL(org)),
                 10);
    free(ent);
}

/* Without webhook_allow_loopback every one of these is refused; with it, only loopback passes. */
Test(webhooks, private_loopback_and_metadata_addresses_are_refused)
{
    static const char *const refused[] = {
        "http://127.0.0.1:8080/x",
        "http://127.1.2.3/x",
        "http://localhost/x",
        "http://api.localhost/x",
        "http://[::1]/x",
        "http://10.1.2.3/x",
        "http://172.16.0.1/x",
        "http://172.31.255.255/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/x",
        "http://100.100.100.200/x",
        "http://100.64.0.1/x",
        "http://[fd00:ec2::254]/x",
        "http://[fc00::1]/x",
        "http://[fe80::1]/x",
        "http://0.0.0.0/x",
        "http://[::]/x",
        "http://224.0.0.1/x",
        "http://[ff02::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[::ffff:10.0.0.1]/x",
        "http://255.255.255.255/x",
        "http://2130706433/x",
        "http://0x7f.1/x",
    };
    struct it_server *strict = it_start(strict_sets);
    char *ent = it_user(strict, "enterprise", NULL);
    int64_t org = it_org(strict, ent, "seed", "人工智能", "高新区");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct it_resp *r =
            post_hook(strict, ent, "organizations", org, refused[i], "[\"reminder\"]");
        cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "",
                         "url_not_allowed", "%s: %s", refused[i], r->body);
        it_expect(r, 400, "url", refused[i]);
    }
    /* a public address passes (nothing is sent: no notice is made for it here) */
    struct it_resp *r =
        post_hook(strict, ent, "organizations", org, "https://8.8.8.8/hook", "[\"reminder\"]");
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(it_stop(strict), 0);

    /* the suite's server allows loopback, and loopback only */
    r = post_hook(srv, ent, "organizations", org, "http://127.0.0.1:8080/x", "[\"reminder\"]");
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    r = post_hook(srv, ent, "organizations", org, "http://localhost:8080/x", "[\"reminder\"]");
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    it_expect(post_hook(srv, ent, "organizations", org, "http://10.0.0.1/x", "[\"reminder\"]"), 400,
              "url", "private, loopback allowed");
    it_expect(post_hook(srv, ent, "organizations", org, "http://169.254.169.254/latest/meta-data",
                        "[\"reminder\"]"),
              400, "url", "metadata, loopback allowed");
    free(ent);
}

Test(webhooks, a_delivery_is_signed_and_logged)
{
    struct whr *w = whr_start();
    char *ent = it_user(srv, "enterprise", NULL), url[128], secret[128], msg[64];
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    receiver_url(w, url, sizeof(url));
    int64_t ep = hook_new(ent, org, url, secret);
    whr_keys(w, secret, NULL);
    int64_t row = held_row(ep, "match.mutual", "{\"project_id\":42,\"title\":\"视觉质检\"}", msg);
    char err[300];
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "ok", "%s", err);
    cr_assert_eq(whr_count(w), 1);
    struct whr_req q = whr_get(w, 0);
    cr_assert(q.by_key, "the signature verifies: %s (id %s ts %s body %s)", q.sig, q.id, q.ts,
              q.body);
    cr_assert(q.fresh, "timestamp %s", q.ts);
    cr_assert_str_eq(q.id, msg);
    cr_assert_str_eq(q.path, "/hooks/summitd");
    cr_assert(strncmp(q.ctype, "application/json", 16) == 0, "%s", q.ctype);
    cr_assert(strstr(q.ua, "summitd") != NULL, "%s", q.ua);
    cJSON *b = cJSON_Parse(q.body);
    cr_assert_not_null(b, "%s", q.body);
    cr_assert_str_eq(cJSON_GetObjectItem(b, "type")->valuestring, "match.mutual");
    cr_assert_str_eq(cJSON_GetObjectItem(b, "timestamp")->valuestring, "2026-05-20T09:00:00Z");
    cJSON *data = cJSON_GetObjectItem(b, "data");
    cr_assert_eq((int)cJSON_GetObjectItem(data, "project_id")->valuedouble, 42);
    cr_assert_str_eq(cJSON_GetObjectItem(data, "title")->valuestring, "视觉质检");
    cJSON_Delete(b);

    /* the delivery log */
    struct it_resp *r = get(ent, "/api/v1/webhooks/%lld/deliveries", LL(ep));
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "items.0.status_code"), 200);
    cr_assert_eq((int)it_jnum(r, "items.0.attempt"), 1);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.outbox_id"), row);
    cr_assert_str_eq(it_jstr(r, "items.0.message_id"), msg);
    cr_assert(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "ok")));
    it_resp_free(r);

    /* a tampered body does not verify under the receiver's check (the check can fail) */
    struct whr_req t = q;
    char tampered[512];
    snprintf(tampered, sizeof(tampered), "%s ", q.body);
    t.body = tampered;
    cr_assert(!whr_verify(w->key, w->keylen, &t, strlen(tampered)));
    free(ent);
    whr_stop(w);
}

Test(webhooks, a_receiver_answering_500_then_200_gets_it_with_every_attempt_logged)
{
    struct whr *w = whr_start();
    whr_answers(w, 2, 500, 200);
    char *ent = it_user(srv, "enterprise", NULL), url[128], secret[128], msg[64], err[300];
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    receiver_url(w, url, sizeof(url));
    int64_t ep = hook_new(ent, org, url, secret);
    whr_keys(w, secret, NULL);
    int64_t row = held_row(ep, "match.mutual", "{\"n\":1}", msg);
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "retry");
    cr_assert(strstr(err, "500") != NULL, "%s", err);
    cr_assert_eq(it_sql_i64("SELECT failures FROM webhook_endpoints WHERE id = %lld", LL(ep)), 1);
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "retry");
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "ok", "%s", err);
    cr_assert_eq(whr_count(w), 3);
    for (int i = 0; i < 3; i++) {
        struct whr_req q = whr_get(w, i);
        cr_assert_str_eq(q.id, msg, "the same webhook-id on every attempt");
        cr_assert(q.by_key, "attempt %d verifies", i + 1);
    }
    cr_assert_eq(it_sql_i64("SELECT failures FROM webhook_endpoints WHERE id = %lld", LL(ep)), 0,
                 "a success ends the run of failures");
    struct it_resp *r = get(ent, "/api/v1/webhooks/%lld/deliveries?limit=2", LL(ep));
    cr_assert_eq(r->status, 200, "%s", r->body);
    /* newest first */
    cr_assert_eq((int)it_jnum(r, "items.0.attempt"), 3);
    cr_assert_eq((int)it_jnum(r, "items.0.status_code"), 200);
    cr_assert_eq((int)it_jnum(r, "items.1.attempt"), 2);
    cr_assert_eq((int)it_jnum(r, "items.1.status_code"), 500);
    cr_assert_str_eq(it_jstr(r, "items.1.error"), "HTTP 500");
    const char *cur = it_jstr(r, "next_cursor");
    cr_assert_not_null(cur, "a second page: %s", r->body);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/webhooks/%lld/deliveries?limit=2&cursor=%s", LL(ep), cur);
    it_resp_free(r);
    r = it_http(srv, "GET", path, ent, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert_eq((int)it_jnum(r, "items.0.attempt"), 1);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r->json, "next_cursor")));
    it_resp_free(r);
    free(ent);
    whr_stop(w);
}

Test(webhooks, an_endpoint_failing_n_times_in_a_row_is_disabled)
{
    struct whr *w = whr_start();
    whr_answers(w, 1000, 503, 200);
    char *ent = it_user(srv, "enterprise", NULL), url[128], secret[128], msg[64], err[300];
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    receiver_url(w, url, sizeof(url));
    int64_t ep = hook_new(ent, org, url, secret);
    int64_t a = held_row(ep, "match.mutual", "{\"n\":1}", msg);
    int64_t b = held_row(ep, "match.mutual", "{\"n\":2}", msg);
    cr_assert_str_eq(deliver(srv, a, err, sizeof(err)), "retry");
    cr_assert_str_eq(deliver(srv, b, err, sizeof(err)), "retry");
    /* webhook_disable_after=3: the third failure in a row disables it */
    cr_assert_str_eq(deliver(srv, a, err, sizeof(err)), "give_up", "%s", err);
    struct it_resp *r = get(ent, "/api/v1/webhooks/%lld", LL(ep));
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(r->json, "enabled")), "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "failures"), 3);
    cr_assert(strstr(it_jstr(r, "disabled_reason"), "3 failed") != NULL, "%s", r->body);
    it_resp_free(r);
    /* its remaining rows give up without a request */
    cr_assert_str_eq(deliver(srv, b, err, sizeof(err)), "give_up");
    cr_assert(strstr(err, "disabled") != NULL, "%s", err);
    cr_assert_eq(whr_count(w), 3);
    /* enabled again by hand: delivered */
    whr_answers(w, 0, 500, 200);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/webhooks/%lld", LL(ep));
    it_expect(it_http(srv, "PATCH", path, ent, "{\"enabled\":true}", NULL), 200, NULL, "enable");
    cr_assert_str_eq(deliver(srv, b, err, sizeof(err)), "ok", "%s", err);
    cr_assert_eq(whr_count(w), 4);
    free(ent);
    whr_stop(w);
}

Test(webhooks, gone_disables_at_once_and_a_deleted_endpoint_gives_up)
{
    struct whr *w = whr_start();
    whr_answers(w, 1, 410, 200);
    char *ent = it_user(srv, "enterprise", NULL), url[128], msg[64], err[300];
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    receiver_url(w, url, sizeof(url));
    int64_t ep = hook_new(ent, org, url, NULL);
    int64_t row = held_row(ep, "match.mutual", "{}", msg);
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "give_up", "%s", err);
    cr_assert_eq(it_sql_i64("SELECT enabled FROM webhook_endpoints WHERE id = %lld", LL(ep)), 0);
    char *why = it_sql("SELECT disabled_reason FROM webhook_endpoints WHERE id = %lld", LL(ep));
    cr_assert(strstr(why, "410") != NULL, "%s", why);
    free(why);

    int64_t ep2 = hook_new(ent, org, url, NULL);
    int64_t row2 = held_row(ep2, "match.mutual", "{}", msg);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/webhooks/%lld", LL(ep2));
    it_expect(it_http(srv, "DELETE", path, ent, NULL, NULL), 204, NULL, "delete");
    cr_assert_str_eq(deliver(srv, row2, err, sizeof(err)), "give_up");
    cr_assert(strstr(err, "deleted") != NULL, "%s", err);
    cr_assert_eq(whr_count(w), 1);
    free(ent);
    whr_stop(w);
}

Test(webhooks, after_a_rotation_both_keys_sign_until_the_grace_ends)
{
    struct whr *w = whr_start();
    char *ent = it_user(srv, "enterprise", NULL), url[128], old[128], msg[64], err[300];
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    receiver_url(w, url, sizeof(url));
    int64_t ep = hook_new(ent, org, url, old);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/webhooks/%lld/rotate-secret", LL(ep));
    struct it_resp *r = it_http(srv, "POST", path, ent, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char fresh[128];
    snprintf(fresh, sizeof(fresh), "%s", it_jstr(r, "secret"));
    cr_assert(strncmp(fresh, "whsec_", 6) == 0 && strcmp(fresh, old) != 0);
    cr_assert_not_null(it_jstr(r, "previous_secret_expires_at"), "%s", r->body);
    it_resp_free(r);
    whr_keys(w, fresh, old);
    int64_t row = held_row(ep, "match.mutual", "{}", msg);
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "ok", "%s", err);
    struct whr_req q = whr_get(w, 0);
    cr_assert(q.by_key, "the new key verifies: %s", q.sig);
    cr_assert(q.by_key2, "the old key still verifies during the grace: %s", q.sig);
    /* the grace over: the new key alone */
    free(it_sql("UPDATE webhook_endpoints SET prev_secret_until = UTC_TIMESTAMP(3) - INTERVAL 1"
                " SECOND WHERE id = %lld",
                LL(ep)));
    row = held_row(ep, "match.mutual", "{}", msg);
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "ok", "%s", err);
    q = whr_get(w, 1);
    cr_assert(q.by_key, "new key: %s", q.sig);
    cr_assert(!q.by_key2, "the old key no longer signs: %s", q.sig);
    cr_assert_null(strchr(q.sig, ' '), "one signature: %s", q.sig);
    free(ent);
    whr_stop(w);
}

/* The address is checked again where the connection is made: an endpoint registered while
 * loopback was allowed is refused by an instance that does not allow it (as a name that
 * resolves elsewhere at delivery time would be), and nothing reaches the receiver. */
Test(webhooks, the_delivery_checks_the_address_it_connects_to)
{
    struct whr *w = whr_start();
    char *ent = it_user(srv, "enterprise", NULL), url[128], msg[64], err[300];
    int64_t org = it_org(srv, ent, "seed", "人工智能", "高新区");
    snprintf(url, sizeof(url), "http://localhost:%d/hooks", w->port);
    int64_t ep = hook_new(ent, org, url, NULL);
    int64_t row = held_row(ep, "match.mutual", "{}", msg);
    struct it_server *strict = it_start(strict_sets);
    cr_assert_str_eq(deliver(strict, row, err, sizeof(err)), "retry");
    cr_assert(strstr(err, "refused (loopback)") != NULL, "%s", err);
    cr_assert_eq(whr_count(w), 0, "nothing sent");
    cr_assert_eq(it_stop(strict), 0);
    cr_assert_str_eq(deliver(srv, row, err, sizeof(err)), "ok", "%s", err);
    cr_assert_eq(whr_count(w), 1);
    free(ent);
    whr_stop(w);
}

struct seen {
    struct whr *w;
    int n;
};
static bool received(void *arg)
{
    struct seen *s = arg;
    return whr_count(s->w) >= s->n;
}

/* Through the whole pipeline: a registration writes its outbox row (notify_emit, in the
 * registration's transaction), the dispatcher claims it and webhook_deliver POSTs it; the
 * receiver answers 500 twice, then 200: delivered on the third attempt, with the same
 * webhook-id, every attempt in the delivery log, the row sent. */
Test(webhooks, e2e_registration_reaches_the_receiver_after_two_500s)
{
    struct whr *w = whr_start();
    whr_answers(w, 2, 500, 200);
    char *org = it_organizer(srv, NULL), *att = it_user(srv, "attendee", NULL), url[128];
    int64_t ev = ev_event(srv, org, "钩子 端到端", true);
    int64_t sid = ev_session(srv, org, ev, 10, false, "");
    receiver_url(w, url, sizeof(url));
    struct it_resp *r =
        post_hook(srv, org, "events", ev, url, "[\"registration.confirmed\",\"event.cancelled\"]");
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t ep = (int64_t)it_jnum(r, "id");
    whr_keys(w, it_jstr(r, "secret"), NULL);
    it_resp_free(r);

    r = ev_register(srv, att, sid, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t reg = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox WHERE endpoint_id = %lld", LL(ep)), 1,
                 "one webhook row for the registration");

    struct seen s = {w, 3};
    cr_assert(it_wait(received, &s, 30000), "3 attempts arrive (got %d)", whr_count(w));
    struct whr_req first = whr_get(w, 0), last = whr_get(w, 2);
    cr_assert_eq(first.answered, 500);
    cr_assert_eq(last.answered, 200);
    cr_assert_str_eq(first.id, last.id, "one webhook-id across attempts");
    for (int i = 0; i < 3; i++)
        cr_assert(whr_get(w, i).by_key, "attempt %d verifies", i + 1);
    cJSON *b = cJSON_Parse(last.body);
    cr_assert_not_null(b, "%s", last.body);
    cr_assert_str_eq(cJSON_GetObjectItem(b, "type")->valuestring, "registration.confirmed");
    cr_assert(strstr(last.body, "\"data\":{") != NULL, "%s", last.body);
    cJSON_Delete(b);
    (void)reg;

    /* the row is sent once the 200 is recorded (the dispatcher marks it after the answer) */
    char *st = NULL;
    for (int i = 0; i < 200; i++) {
        free(st);
        st = it_sql("SELECT status, attempts FROM outbox WHERE endpoint_id = %lld", LL(ep));
        if (strncmp(st, "sent", 4) == 0)
            break;
        usleep(50000);
    }
    cr_assert(strncmp(st, "sent\t3", 6) == 0, "sent after 3 attempts: %s", st);
    free(st);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/webhooks/%lld/deliveries", LL(ep));
    r = it_http(srv, "GET", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 3, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "items.0.attempt"), 3);
    cr_assert_eq((int)it_jnum(r, "items.0.status_code"), 200);
    cr_assert_eq((int)it_jnum(r, "items.2.attempt"), 1);
    cr_assert_eq((int)it_jnum(r, "items.2.status_code"), 500);
    cr_assert_str_eq(it_jstr(r, "items.0.message_id"), first.id);
    it_resp_free(r);
    free(org);
    free(att);
    whr_stop(w);
}
