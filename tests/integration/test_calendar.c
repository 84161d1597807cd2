/* Time zones and the subscribable calendar (issue 15), against a real summitd: an event's
 * time_zone (default, validation, PATCH), whole-second times, and the per-user secret feed URL
 * (issued, fetched without a token, re-issued, revoked). */
#include "tests/integration/mt_fixtures.h"

IT_SUITE(calendar, 120);

static struct it_resp *new_event(const char *tok, const char *extra_json, const char *starts)
{
    char a[32], b[32];
    int64_t t0 = mx_t0();
    return mx_req(srv, "POST", "/api/v1/events", tok,
                  "{\"title\":\"时区测试\",\"kind\":\"summit\",\"city\":\"成都\","
                  "\"starts_at\":\"%s\",\"ends_at\":\"%s\"%s}",
                  starts ? starts : it_rfc3339(t0, a), it_rfc3339(t0 + 8 * 3600, b),
                  extra_json ? extra_json : "");
}

static const char *code(const struct it_resp *r)
{
    const char *c = it_jstr(r, "error.code");
    return c ? c : "";
}

Test(calendar, event_time_zone_defaults_validates_and_changes)
{
    char *tok = it_organizer(srv, NULL);
    struct it_resp *r = new_event(tok, NULL, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "time_zone"), "Asia/Shanghai", "the default zone");
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM events WHERE id = %lld AND time_zone ="
                            " 'Asia/Shanghai'", (long long)id),
                 1, "stored");

    r = new_event(tok, ",\"time_zone\":\"America/New_York\"", NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "time_zone"), "America/New_York");
    it_resp_free(r);

    const char *bad[] = {"\"Mars/Olympus\"", "\"../../etc/passwd\"", "\"/usr/share/zoneinfo/UTC\"",
                         "\"Asia\"", "\"\"", "\"zone.tab\"", "\"right/UTC\"", "8", "null",
                         "\"Asia/Shanghai \""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        char extra[96];
        snprintf(extra, sizeof(extra), ",\"time_zone\":%s", bad[i]);
        r = new_event(tok, extra, NULL);
        cr_assert_eq(r->status, 400, "%s: %s", bad[i], r->body);
        cr_assert_str_eq(code(r), "validation_failed");
        cr_assert_str_eq(it_jstr(r, "error.field"), "time_zone", "%s", r->body);
        it_resp_free(r);
    }

    /* PATCH changes it; the event view (and the cached copy once published) shows it. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)id);
    r = it_http(srv, "PATCH", path, tok, "{\"time_zone\":\"Europe/Berlin\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "time_zone"), "Europe/Berlin");
    it_resp_free(r);
    it_expect(it_http(srv, "PATCH", path, tok, "{\"time_zone\":\"Nowhere/City\"}", NULL), 400,
              "time_zone", "an unknown zone");
    char pub[80];
    snprintf(pub, sizeof(pub), "/api/v1/events/%lld/publish", (long long)id);
    it_expect(it_http(srv, "POST", pub, tok, NULL, NULL), 200, NULL, "publish");
    for (int k = 0; k < 2; k++) { /* the second read may come from the cache */
        r = it_http(srv, "GET", path, NULL, NULL, NULL);
        cr_assert_eq(r->status, 200);
        cr_assert_str_eq(it_jstr(r, "time_zone"), "Europe/Berlin", "%s", r->body);
        it_resp_free(r);
    }
    r = it_http(srv, "PATCH", path, tok, "{\"time_zone\":\"UTC\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "time_zone"), "UTC", "the cache was dropped: %s", r->body);
    it_resp_free(r);
    /* The list carries it too. */
    r = it_http(srv, "GET", "/api/v1/events?limit=100&city=%E6%88%90%E9%83%BD", NULL, NULL, NULL);
    cJSON *items = cJSON_GetObjectItem(r->json, "items"), *x;
    cJSON_ArrayForEach(x, items)
    {
        cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(x, "time_zone")),
                           "every item has a zone");
    }
    cr_assert_gt(cJSON_GetArraySize(items), 0);
    it_resp_free(r);
    /* So does a session's page, in its embedded event. */
    char a[32], b[32], spath[96];
    snprintf(spath, sizeof(spath), "/api/v1/events/%lld/sessions", (long long)id);
    r = mx_req(srv, "POST", spath, tok,
               "{\"title\":\"开幕\",\"kind\":\"forum\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
               "\"capacity\":10}",
               it_rfc3339(mx_t0() + 3600, a), it_rfc3339(mx_t0() + 7200, b));
    cr_assert_eq(r->status, 201, "%s", r->body);
    snprintf(spath, sizeof(spath), "/api/v1/sessions/%lld", (long long)it_jnum(r, "id"));
    it_resp_free(r);
    r = it_http(srv, "GET", spath, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "event.time_zone") ? it_jstr(r, "event.time_zone") : "", "UTC",
                     "the session's event carries the zone: %s", r->body);
    it_resp_free(r);
    free(tok);
}

/* A fraction of a second is refused (it used to be dropped silently); zeros and offsets are
 * fine, and an offset converts to UTC. */
Test(calendar, times_are_whole_seconds)
{
    char *tok = it_organizer(srv, NULL);
    struct it_resp *r = new_event(tok, NULL, "2032-03-10T08:00:00.5Z");
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "starts_at");
    cr_assert(strstr(it_jstr(r, "error.message"), "整秒"), "%s", r->body); /* whole seconds */
    it_resp_free(r);
    r = new_event(tok, NULL, "2032-03-10T08:00:00.000Z");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "starts_at"), "2032-03-10T08:00:00Z");
    it_resp_free(r);
    r = new_event(tok, NULL, "2032-03-10T16:00:00+08:00");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "starts_at"), "2032-03-10T08:00:00Z", "converted to UTC");
    it_resp_free(r);
    free(tok);
}

/* The path of a feed URL ("/api/v1/calendar/<secret>.ics") from an issue response. */
static char *issue(const char *tok)
{
    struct it_resp *r = it_http(srv, "POST", "/api/v1/me/calendar", tok, NULL, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    char cc[64];
    cr_assert_not_null(it_header(r, "Cache-Control", cc, sizeof(cc)));
    cr_assert_str_eq(cc, "no-store", "the secret is not cached");
    const char *url = it_jstr(r, "url");
    cr_assert_not_null(url);
    cr_assert_eq(strncmp(url, "/api/v1/calendar/", 17), 0, "%s", url);
    size_t len = strlen(url);
    cr_assert(len == 17 + 43 + 4 && strcmp(url + len - 4, ".ics") == 0, "%s", url);
    for (size_t i = 17; i < 17 + 43; i++)
        cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                         url[i]),
                  "base64url: %s", url);
    char *out = strdup(url);
    it_resp_free(r);
    return out;
}

static void expect_gone(const char *url)
{
    struct it_resp *r = it_http(srv, "GET", url, NULL, NULL, NULL);
    cr_assert_eq(r->status, 404, "%s: %s", url, r->body);
    cr_assert_str_eq(code(r), "calendar_not_found");
    it_resp_free(r);
}

Test(calendar, feed_is_issued_fetched_without_a_token_reissued_and_revoked)
{
    int64_t uid;
    char *otok = it_organizer(srv, NULL), *utok = it_user(srv, "attendee", &uid);
    int64_t ev = mx_event(srv, otok, mx_t0(), 10, "订阅日历峰会");
    char path[96], a[32], b[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)ev);
    struct it_resp *r = mx_req(srv, "POST", path, otok,
                               "{\"title\":\"开幕\",\"kind\":\"forum\",\"room\":\"A1\","
                               "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"capacity\":10}",
                               it_rfc3339(mx_t0() + 3600, a), it_rfc3339(mx_t0() + 7200, b));
    cr_assert_eq(r->status, 201, "%s", r->body);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)it_jnum(r, "id"));
    it_resp_free(r);
    it_expect(it_http(srv, "POST", path, utok, NULL, NULL), 201, NULL, "register");

    char *url = issue(utok);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = %lld AND"
                            " secret_sha256 = SHA2('%.43s', 256)",
                            (long long)uid, url + 17),
                 1, "only the SHA-256 is stored");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM calendar_feeds WHERE secret_sha256 LIKE"
                            " '%%%.43s%%'",
                            url + 17),
                 0, "never the secret itself");

    /* No token: the same calendar as /me/agenda.ics (modulo DTSTAMP), in Chinese, no-store. */
    r = it_http(srv, "GET", url, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char h[96];
    cr_assert_str_eq(it_header(r, "Content-Type", h, sizeof(h)), "text/calendar; charset=utf-8");
    cr_assert_str_eq(it_header(r, "Cache-Control", h, sizeof(h)), "no-store");
    cr_assert_not_null(memmem(r->body, r->body_len, "SUMMARY:开幕\r\n", strlen("SUMMARY:开幕\r\n")));
    cr_assert_not_null(memmem(r->body, r->body_len, "DTSTART;TZID=Asia/Shanghai:20320310T170000",
                              strlen("DTSTART;TZID=Asia/Shanghai:20320310T170000")),
                       "%s", r->body);
    cr_assert_not_null(memmem(r->body, r->body_len, "BEGIN:VTIMEZONE\r\n", 17));
    cr_assert_not_null(memmem(r->body, r->body_len, "X-WR-CALNAME:summitd 日程",
                              strlen("X-WR-CALNAME:summitd 日程")),
                       "zh when the user chose no locale");
    struct it_resp *own = it_http(srv, "GET", "/api/v1/me/agenda.ics", utok, NULL, NULL);
    cr_assert_eq(own->status, 200);
    /* Equal after dropping DTSTAMP lines and the file name. */
    char *x = strstr(r->body, "BEGIN:VTIMEZONE"), *y = strstr(own->body, "BEGIN:VTIMEZONE");
    cr_assert(x && y);
    char *xs = strstr(x, "DTSTAMP:"), *ys = strstr(y, "DTSTAMP:");
    cr_assert(xs && ys && xs - x == ys - y && !memcmp(x, y, (size_t)(xs - x)),
              "the same rendering before DTSTAMP");
    cr_assert_str_eq(strchr(xs, '\n'), strchr(ys, '\n'), "and after it");
    it_resp_free(own);
    it_resp_free(r);

    /* The user's chosen language. */
    free(it_sql("UPDATE users SET locale = 'en' WHERE id = %lld", (long long)uid));
    r = it_http(srv, "GET", url, NULL, NULL, NULL);
    cr_assert_not_null(memmem(r->body, r->body_len, "X-WR-CALNAME:summitd agenda\r\n", 29), "%s",
                       r->body);
    cr_assert_not_null(memmem(r->body, r->body_len, "forum session", 13), "%s", r->body);
    it_resp_free(r);

    /* Re-issuing replaces the secret: the old URL is gone at once, the new one works. */
    char *url2 = issue(utok);
    cr_assert_str_neq(url, url2);
    expect_gone(url);
    it_expect(it_http(srv, "GET", url2, NULL, NULL, NULL), 200, NULL, "the new URL");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM calendar_feeds WHERE user_id = %lld",
                            (long long)uid),
                 1);

    /* Revoked: 404, and revoking again is still 204. */
    it_expect(it_http(srv, "DELETE", "/api/v1/me/calendar", utok, NULL, NULL), 204, NULL, "revoke");
    expect_gone(url2);
    it_expect(it_http(srv, "DELETE", "/api/v1/me/calendar", utok, NULL, NULL), 204, NULL, "again");

    /* Needs a token to issue or revoke; made-up secrets are 404. */
    it_expect(it_http(srv, "POST", "/api/v1/me/calendar", NULL, NULL, NULL), 401, NULL, "anon");
    it_expect(it_http(srv, "DELETE", "/api/v1/me/calendar", NULL, NULL, NULL), 401, NULL, "anon");
    expect_gone("/api/v1/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics");
    expect_gone("/api/v1/calendar/short.ics");
    expect_gone("/api/v1/calendar/%27%20OR%201%3D1%20--%20AAAAAAAAAAAAAAAAAAAAAAA.ics");
    r = it_http(srv, "GET", "/api/v1/calendar/x", NULL, NULL, NULL);
    cr_assert_eq(r->status, 404, "no .ics: no route");
    it_resp_free(r);
    free(url);
    free(url2);
    free(otok);
    free(utok);
}
