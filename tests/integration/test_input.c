/* Text input over HTTP: limits in bytes as well as characters, NUL (escaped or raw) and bytes
 * that are not UTF-8 in bodies, query strings, path parameters and headers. Each gets a 400 (or
 * 404 for a path) naming what was wrong, nothing is stored, and summitd keeps answering. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/it.h"

IT_SUITE(input, 120);

static void alive(const char *after)
{
    struct it_resp *r = it_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "/healthz after %s: %d", after, r->status);
    it_resp_free(r);
}

/* `n` copies of `unit`. Caller frees. */
static char *repeat(const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * ul, unit, ul);
    s[ul * n] = '\0';
    return s;
}

/* An event body with `title` (already JSON-escaped as needed). Caller frees. */
static char *event_body(const char *title)
{
    char *b = NULL;
    cr_assert_geq(asprintf(&b,
                           "{\"title\":\"%s\",\"kind\":\"summit\",\"city\":\"成都\","
                           "\"starts_at\":\"2032-05-20T09:00:00Z\","
                           "\"ends_at\":\"2032-05-21T18:00:00Z\"}",
                           title),
                  0);
    return b;
}

static int64_t events_titled_like(const char *word)
{
    return it_sql_i64("SELECT COUNT(*) FROM events WHERE title LIKE '%%%s%%'", word);
}

/* Regression: cJSON decodes \u0000 into a NUL byte, so the title was stored cut at it
 * ("Keynote") with a 201. */
Test(input, event_title_with_an_escaped_nul_is_refused_and_nothing_stored)
{
    char *org = it_organizer(srv, NULL);
    char word[64], title[128];
    it_unique(word, sizeof(word), "nul");
    snprintf(title, sizeof(title), "Keynote %s\\u0000rest", word);
    char *body = event_body(title);
    it_expect(it_http(srv, "POST", "/api/v1/events", org, body, NULL), 400, "title",
              "a title with \\u0000");
    free(body);
    cr_assert_eq(events_titled_like(word), 0, "no event stored");

    /* The same inside a nested member: an unknown one, still refused. */
    snprintf(title, sizeof(title), "Keynote %s", word);
    body = event_body(title);
    size_t bl = strlen(body);
    char *nested = malloc(bl + 64);
    snprintf(nested, bl + 64, "%.*s,\"x\":{\"y\":[\"ok\",\"a\\u0000\"]}}", (int)(bl - 1), body);
    it_expect(it_http(srv, "POST", "/api/v1/events", org, nested, NULL), 400, "x.y",
              "a NUL deep inside");
    cr_assert_eq(events_titled_like(word), 0, "no event stored");
    it_expect(it_http(srv, "POST", "/api/v1/events", org, body, NULL), 201, NULL, "clean body");
    cr_assert_eq(events_titled_like(word), 1);
    free(nested);
    free(body);
    free(org);
}

/* A title of 200 characters, nearly all of them 4-byte emoji, is at the limit and stored byte
 * for byte; one more character is refused. */
Test(input, title_of_4_byte_characters_at_and_over_the_limit)
{
    char *org = it_organizer(srv, NULL);
    char word[64];
    it_unique(word, sizeof(word), "emo");
    char *emoji = repeat("😀", 200 - 1 - strlen(word));
    char title[1024];
    snprintf(title, sizeof(title), "%s %s", word, emoji);
    char *body = event_body(title);
    struct it_resp *r = it_http(srv, "POST", "/api/v1/events", org, body, NULL);
    cr_assert_eq(r->status, 201, "200 characters, %zu bytes: %s", strlen(title), r->body);
    cr_assert_str_eq(it_jstr(r, "title"), title);
    it_resp_free(r);
    char *stored = it_sql("SELECT CHAR_LENGTH(title), LENGTH(title) FROM events WHERE title LIKE "
                          "'%s %%'",
                          word);
    char want[64];
    snprintf(want, sizeof(want), "200\t%zu", strlen(title));
    cr_assert_str_eq(stored, want);
    free(stored);
    free(body);

    char over[1100];
    snprintf(over, sizeof(over), "%s😀", title);
    body = event_body(over);
    it_expect(it_http(srv, "POST", "/api/v1/events", org, body, NULL), 400, "title",
              "201 characters");
    free(body);
    free(emoji);
    free(org);
}

/* Tags: a NUL inside one is refused naming "tags" (as every tag error does); a check-in code is
 * ASCII, so 30 CJK characters (90 bytes) are over its 64 bytes. */
Test(input, nested_text_and_byte_limits_name_the_field)
{
    int64_t uid;
    char *ent = it_user(srv, "enterprise", &uid);
    int64_t org = it_org(srv, ent, "seed", "智能制造", "高新区");
    char word[64], body[1024];
    it_unique(word, sizeof(word), "tagnul");
    snprintf(
        body, sizeof(body),
        "{\"organization_id\":%lld,\"side\":\"supply\",\"title\":\"%s\",\"sector\":\"智能制造\","
        "\"tags\":[\"机器视觉\",\"a\\u0000b\"],\"stage\":\"pilot\"}",
        (long long)org, word);
    it_expect(it_http(srv, "POST", "/api/v1/projects", ent, body, NULL), 400, "tags",
              "a tag with \\u0000");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM projects WHERE title = '%s'", word), 0);

    char *admin = it_admin(srv);
    char *code = repeat("码", 30);
    snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
    it_expect(it_http(srv, "POST", "/api/v1/checkins", admin, body, NULL), 400, "code",
              "a check-in code of 90 bytes");
    free(code);
    free(admin);
    free(ent);
}

/* Raw NUL bytes and bytes that are not UTF-8, wherever they come: 400 (404 for a path
 * parameter, which then names nothing that exists), never a crash. */
Test(input, raw_nul_and_invalid_utf8_anywhere_get_a_4xx_and_the_server_lives)
{
    char *org = it_organizer(srv, NULL);
    char word[64];
    it_unique(word, sizeof(word), "raw");
    /* Raw bytes inside a JSON string. */
    char title[128];
    snprintf(title, sizeof(title), "%s \xff\xfe", word);
    char *body = event_body(title);
    it_expect(it_http(srv, "POST", "/api/v1/events", org, body, NULL), 400, "title",
              "invalid UTF-8 in a title");
    free(body);
    snprintf(title, sizeof(title), "%s \xed\xa0\x80", word);
    body = event_body(title);
    it_expect(it_http(srv, "POST", "/api/v1/events", org, body, NULL), 400, "title",
              "a UTF-16 surrogate encoded in UTF-8");
    free(body);
    cr_assert_eq(events_titled_like(word), 0);

    /* Query strings. */
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=abc%00def", NULL, NULL, NULL), 400, "q",
              "%00 in q");
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=%FF", NULL, NULL, NULL), 400, "q",
              "%FF in q");
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=%C0%AF", NULL, NULL, NULL), 400, "q",
              "overlong in q");
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=a%0Ab", NULL, NULL, NULL), 400, "q",
              "a newline in q");
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=%E6%88", NULL, NULL, NULL), 400, "q",
              "a character cut short");
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=%zz", NULL, NULL, NULL), 400, "q",
              "a broken escape");
    it_expect(it_http(srv, "GET", "/api/v1/projects?q=%E6%88%90%E9%83%BD", NULL, NULL, NULL), 200,
              NULL, "成都, percent-encoded");

    /* Path parameters. */
    it_expect(it_http(srv, "GET", "/api/v1/events/1%00", NULL, NULL, NULL), 404, NULL,
              "%00 in an id");
    it_expect(it_http(srv, "GET", "/api/v1/organizations/%FF", NULL, NULL, NULL), 404, NULL,
              "%FF in an id");

    /* Headers (evhttp keeps values as C strings: a raw NUL would silently cut one). */
    it_expect(it_http(srv, "GET", "/api/v1/events", NULL, NULL, "X-Note: caf\xe9\r\n"), 400,
              "X-Note", "Latin-1 in a header");
    it_expect(it_http(srv, "GET", "/api/v1/events", NULL, NULL, "X-Note: a\x01z\r\n"), 400,
              "X-Note", "a control character in a header");
    it_expect(it_http(srv, "GET", "/api/v1/events", NULL, NULL, "X-Note: 成都\tok\r\n"), 200, NULL,
              "UTF-8 and a tab in a header");
    static const char nul_header[] = "GET /api/v1/me HTTP/1.1\r\nHost: x\r\n"
                                     "Authorization: Bearer abc\0def\r\nConnection: close\r\n\r\n";
    char *reply = it_raw(srv->port, nul_header, sizeof(nul_header) - 1, 3000);
    cr_assert(strncmp(reply, "HTTP/1.1 400", 12) == 0, "a NUL in a header: %s", reply);
    free(reply);
    /* A raw NUL in a body. */
    static const char nul_body[] = "{\"email\":\"a\0b@x.io\",\"password\":\"x\"}";
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     sizeof(nul_body) - 1);
    memcpy(req + n, nul_body, sizeof(nul_body) - 1);
    reply = it_raw(srv->port, req, (size_t)n + sizeof(nul_body) - 1, 3000);
    cr_assert(strncmp(reply, "HTTP/1.1 400", 12) == 0, "a NUL in a body: %s", reply);
    free(reply);
    alive("NUL and invalid UTF-8");
    free(org);
}

/* Regression: evhttp_parse_query_str fails on a parameter without '=' and summitd then dropped
 * every parameter, so "?flag&limit=0" was served as if no limit had been given. */
Test(input, a_parameter_without_a_value_does_not_drop_the_others)
{
    /* `kind` without a value (an unknown name would be a 400 of its own: GET /events is strict). */
    it_expect(it_http(srv, "GET", "/api/v1/events?kind&limit=0", NULL, NULL, NULL), 400, "limit",
              "limit=0 beside a bare flag");
    it_expect(it_http(srv, "GET", "/api/v1/events?kind&limit=1", NULL, NULL, NULL), 200, NULL,
              "limit=1 beside a bare flag");
    it_expect(it_http(srv, "GET", "/api/v1/events?cursor=-1", NULL, NULL, NULL), 400, "cursor",
              "a negative cursor");
    it_expect(it_http(srv, "GET", "/api/v1/events?cursor=99999999999999999999", NULL, NULL, NULL),
              400, "cursor", "a cursor past int64");
}
