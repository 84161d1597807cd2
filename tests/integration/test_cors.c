/* Other origins (cors_origins): a summitd started with two listed origins answers their
 * preflights with 204 and what the path takes, lets their pages read responses (errors too) and
 * the headers clients use; any other origin's preflight is 403 origin_not_allowed and its
 * responses carry no Access-Control-Allow-Origin. Without cors_origins (the default) no origin
 * is allowed. Preflights go over raw sockets (OPTIONS is no operation of the document). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/it.h"

#define ALLOWED "https://m.example.com"
#define ALLOWED2 "http://127.0.0.1:3000"

IT_SUITE(cors, 120, "cors_origins=" ALLOWED ", " ALLOWED2);

static char *preflight(const char *path, const char *origin, const char *method)
{
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "OPTIONS %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s%s"
                     "Access-Control-Request-Method: %s\r\n"
                     "Access-Control-Request-Headers: authorization, content-type\r\n\r\n",
                     path, origin ? "Origin: " : "", origin ? origin : "", origin ? "\r\n" : "",
                     method);
    return it_raw(srv->port, req, (size_t)n, 3000);
}

/* The value of a header in a raw response (buf: 512 bytes), or NULL. */
static const char *raw_header(const char *resp, const char *name, char *buf)
{
    char needle[128];
    snprintf(needle, sizeof(needle), "\r\n%s: ", name);
    const char *p = strcasestr(resp, needle);
    if (!p)
        return NULL;
    p += strlen(needle);
    size_t n = strcspn(p, "\r\n");
    snprintf(buf, 512, "%.*s", (int)n, p);
    return buf;
}

static void assert_raw(const char *resp, const char *name, const char *want)
{
    char buf[512];
    const char *v = raw_header(resp, name, buf);
    cr_assert_not_null(v, "no %s in\n%s", name, resp);
    cr_assert_str_eq(v, want, "%s", name);
}

Test(cors, preflight_from_a_listed_origin_is_204_with_the_paths_methods)
{
    const char *origins[] = {ALLOWED, ALLOWED2};
    for (size_t i = 0; i < 2; i++) {
        char *out = preflight("/api/v1/events", origins[i], "POST");
        cr_assert(strncmp(out, "HTTP/1.1 204", 12) == 0, "%s", out);
        assert_raw(out, "Access-Control-Allow-Origin", origins[i]);
        assert_raw(out, "Access-Control-Allow-Methods", "GET, POST, HEAD");
        assert_raw(out, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, Idempotency-Key, Accept-Language");
        assert_raw(out, "Access-Control-Max-Age", "600");
        assert_raw(out, "Vary", "Origin");
        free(out);
    }
    char *out = preflight("/api/v1/registrations/12", ALLOWED, "DELETE");
    cr_assert(strncmp(out, "HTTP/1.1 204", 12) == 0, "%s", out);
    assert_raw(out, "Access-Control-Allow-Methods", "GET, DELETE, HEAD");
    free(out);
    out = preflight("/api/v1/me", ALLOWED, "PATCH");
    assert_raw(out, "Access-Control-Allow-Methods", "GET, PATCH, HEAD");
    free(out);
}

Test(cors, preflight_from_another_origin_is_refused)
{
    const char *others[] = {"https://evil.example", "https://m.example.com.evil.example",
                            "http://m.example.com", "https://m.example.com:8443", "null",
                            "HTTPS://M.EXAMPLE.COM"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char *out = preflight("/api/v1/events", others[i], "POST");
        cr_assert(strncmp(out, "HTTP/1.1 403", 12) == 0, "%s: %s", others[i], out);
        cr_assert_not_null(strstr(out, "\"code\":\"origin_not_allowed\""), "%s", out);
        cr_assert_null(strcasestr(out, "Access-Control-Allow"), "%s: %s", others[i], out);
        free(out);
    }
}

Test(cors, options_without_origin_and_on_unknown_paths)
{
    char *out = preflight("/api/v1/events", NULL, "POST");
    cr_assert(strncmp(out, "HTTP/1.1 204", 12) == 0, "%s", out);
    assert_raw(out, "Allow", "GET, POST, HEAD, OPTIONS");
    cr_assert_null(strcasestr(out, "Access-Control-Allow"), "%s", out);
    free(out);
    out = preflight("/api/v1/nope", ALLOWED, "GET");
    cr_assert(strncmp(out, "HTTP/1.1 404", 12) == 0, "%s", out);
    cr_assert_null(strcasestr(out, "Access-Control-Allow-Methods"), "%s", out);
    free(out);
}

Test(cors, responses_to_a_listed_origin_can_be_read)
{
    char h[128], buf[512];
    snprintf(h, sizeof(h), "Origin: %s\r\n", ALLOWED);
    struct it_resp *r = it_http(srv, "GET", "/api/v1/events", NULL, NULL, h);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_header(r, "Access-Control-Allow-Origin", buf, sizeof(buf)), ALLOWED);
    cr_assert_str_eq(it_header(r, "Vary", buf, sizeof(buf)), "Origin");
    cr_assert_str_eq(it_header(r, "Access-Control-Expose-Headers", buf, sizeof(buf)),
                     "X-Request-Id, Retry-After, Idempotent-Replayed, Location, WWW-Authenticate");
    cr_assert_null(it_header(r, "Access-Control-Allow-Credentials", buf, sizeof(buf)),
                   "Bearer tokens, no cookies: no credentials mode");
    it_resp_free(r);
    /* Errors too, so the page can read the envelope (and WWW-Authenticate). */
    r = it_http(srv, "GET", "/api/v1/me", NULL, NULL, h);
    cr_assert_eq(r->status, 401);
    cr_assert_str_eq(it_header(r, "Access-Control-Allow-Origin", buf, sizeof(buf)), ALLOWED);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/nope", NULL, NULL, h);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_header(r, "Access-Control-Allow-Origin", buf, sizeof(buf)), ALLOWED);
    it_resp_free(r);

    /* Another origin, or none: no Allow-Origin, still Vary: Origin. */
    const char *hs[] = {"Origin: https://evil.example\r\n", NULL};
    for (size_t i = 0; i < 2; i++) {
        r = it_http(srv, "GET", "/api/v1/events", NULL, NULL, hs[i]);
        cr_assert_eq(r->status, 200);
        cr_assert_null(it_header(r, "Access-Control-Allow-Origin", buf, sizeof(buf)), "%s",
                       r->head);
        cr_assert_null(it_header(r, "Access-Control-Expose-Headers", buf, sizeof(buf)));
        cr_assert_str_eq(it_header(r, "Vary", buf, sizeof(buf)), "Origin");
        it_resp_free(r);
    }
}

/* The default: cors_origins empty, no origin may call; responses say nothing about CORS. */
Test(cors, no_origin_is_allowed_by_default)
{
    it_restart(&srv, NULL);
    char *out = preflight("/api/v1/events", ALLOWED, "POST");
    cr_assert(strncmp(out, "HTTP/1.1 403", 12) == 0, "%s", out);
    cr_assert_null(strcasestr(out, "Access-Control-Allow"), "%s", out);
    free(out);
    char h[128], buf[512];
    snprintf(h, sizeof(h), "Origin: %s\r\n", ALLOWED);
    struct it_resp *r = it_http(srv, "GET", "/api/v1/events", NULL, NULL, h);
    cr_assert_eq(r->status, 200);
    cr_assert_null(it_header(r, "Access-Control-Allow-Origin", buf, sizeof(buf)));
    cr_assert_null(it_header(r, "Vary", buf, sizeof(buf)));
    it_resp_free(r);
}

/* A malformed list stops the server at start with a message naming the key. */
Test(cors, a_malformed_list_is_refused_at_start)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = popen("\"${SUMMITD_BIN:-build/summitd}\" --set 'cors_origins=https://a.example/path'"
                    " print-config 2>&1 >/dev/null; echo \"rc=$?\"",
                    "r");
    cr_assert_not_null(f);
    char line[512];
    FILE *m = open_memstream(&out, &len);
    while (fgets(line, sizeof(line), f))
        fputs(line, m);
    pclose(f);
    fclose(m);
    cr_assert_not_null(strstr(out, "cors_origins"), "%s", out);
    cr_assert_null(strstr(out, "rc=0"), "%s", out);
    free(out);
}
