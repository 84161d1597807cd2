/* The pieces of the web client's serving that need no server: the router's "/" and tail
 * captures, Accept-Encoding and If-None-Match parsing (server/static.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "server/router.h"
#include "server/static.h"

static int match(struct router *rt, unsigned m, const char *path, struct route_match *out)
{
    return router_match(rt, m, path, strlen(path), out);
}

Test(static_router, root_and_tail_captures)
{
    struct router *rt = router_new();
    cr_assert_eq(router_add(rt, HTTP_M_GET, "/"), 0);
    cr_assert_eq(router_add(rt, HTTP_M_GET, "/index.html"), 1);
    cr_assert_eq(router_add_tail(rt, HTTP_M_GET, "/assets/{path}"), 2);
    cr_assert_eq(router_add(rt, HTTP_M_GET, "/healthz"), 3);
    struct route_match m;
    cr_assert_eq(match(rt, HTTP_M_GET, "/", &m), 0);
    cr_assert_eq(m.index, 0);
    cr_assert_eq(m.nparams, 0);
    cr_assert_eq(match(rt, HTTP_M_HEAD, "/", &m), 0);
    cr_assert_eq(match(rt, HTTP_M_POST, "/", &m), -2);
    cr_assert_eq(match(rt, HTTP_M_GET, "/index.html", &m), 0);
    cr_assert_eq(m.index, 1);
    cr_assert_eq(match(rt, HTTP_M_GET, "/healthz", &m), 0);
    cr_assert_eq(m.index, 3);

    static const struct {
        const char *path, *cap;
    } ok[] = {
        {"/assets/app.css", "app.css"},
        {"/assets/js/app.js", "js/app.js"},
        {"/assets/0123456789abcdef/js/pages/organizer/index.js",
         "0123456789abcdef/js/pages/organizer/index.js"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cr_assert_eq(match(rt, HTTP_M_GET, ok[i].path, &m), 0, "%s", ok[i].path);
        cr_assert_eq(m.index, 2);
        cr_assert_eq(m.nparams, 1);
        cr_assert_eq(m.param_len[0], strlen(ok[i].cap), "%s", ok[i].path);
        cr_assert(memcmp(m.param[0], ok[i].cap, m.param_len[0]) == 0, "%s", ok[i].path);
    }
    static const char *const no[] = {"/assets", "/assets/", "/assets//x", "/assets/js//app.js",
                                     "/assets/js/", "//", "/index.html/"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        cr_assert_eq(match(rt, HTTP_M_GET, no[i], &m), -1, "%s", no[i]);
    router_free(rt);
}

Test(static_parse, accept_encoding)
{
    cr_assert(static_accepts_gzip("gzip"));
    cr_assert(static_accepts_gzip("gzip, deflate, br"));
    cr_assert(static_accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
    cr_assert(static_accepts_gzip("GZIP"));
    cr_assert(static_accepts_gzip("x-gzip"));
    cr_assert_not(static_accepts_gzip(NULL));
    cr_assert_not(static_accepts_gzip(""));
    cr_assert_not(static_accepts_gzip("br, deflate"));
    cr_assert_not(static_accepts_gzip("gzip;q=0"));
    cr_assert_not(static_accepts_gzip("gzip; q=0.000, identity"));
    cr_assert_not(static_accepts_gzip("gzipx"));
}

Test(static_parse, if_none_match)
{
    const char *e = "\"abc\"";
    cr_assert(static_etag_matches("\"abc\"", e));
    cr_assert(static_etag_matches("W/\"abc\"", e));
    cr_assert(static_etag_matches("\"x\", \"abc\"", e));
    cr_assert(static_etag_matches("*", e));
    cr_assert_not(static_etag_matches(NULL, e));
    cr_assert_not(static_etag_matches("", e));
    cr_assert_not(static_etag_matches("\"abcd\"", e));
    cr_assert_not(static_etag_matches("abc", e));
    cr_assert_not(static_etag_matches("\"ab\"", e));
}
