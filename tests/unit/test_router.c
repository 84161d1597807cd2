#include <criterion/criterion.h>
#include <string.h>

#include "server/router.h"

static struct router *rt;

static void setup(void)
{
    rt = router_new();
    router_add(rt, HTTP_M_GET, "/healthz");
    router_add(rt, HTTP_M_POST, "/api/v1/users");
    router_add(rt, HTTP_M_GET, "/api/v1/sessions/{id}");
    router_add(rt, HTTP_M_GET | HTTP_M_PATCH, "/api/v1/projects/{id}");
    router_add(rt, HTTP_M_POST, "/api/v1/sessions/{id}/registrations");
    router_add(rt, HTTP_M_GET, "/api/v1/sessions/{id}/registrations");
    router_add(rt, HTTP_M_PUT, "/api/v1/entries/{eid}/scores/{jid}");
}

static void teardown(void)
{
    router_free(rt);
}

TestSuite(router, .init = setup, .fini = teardown);

static int match(unsigned m, const char *path, struct route_match *out)
{
    return router_match(rt, m, path, strlen(path), out);
}

Test(router, static_and_param_routes)
{
    struct route_match m;
    cr_assert_eq(match(HTTP_M_GET, "/healthz", &m), 0);
    cr_assert_eq(m.index, 0);
    cr_assert_eq(match(HTTP_M_GET, "/api/v1/sessions/42", &m), 0);
    cr_assert_eq(m.index, 2);
    cr_assert_eq(m.nparams, 1);
    cr_assert_eq(m.param_len[0], 2);
    cr_assert(strncmp(m.param[0], "42", 2) == 0);
    cr_assert_eq(match(HTTP_M_PUT, "/api/v1/entries/7/scores/9", &m), 0);
    cr_assert_eq(m.nparams, 2);
    cr_assert(strncmp(m.param[1], "9", 1) == 0);
}

Test(router, same_path_two_methods)
{
    struct route_match m;
    cr_assert_eq(match(HTTP_M_POST, "/api/v1/sessions/5/registrations", &m), 0);
    cr_assert_eq(m.index, 4);
    cr_assert_eq(match(HTTP_M_GET, "/api/v1/sessions/5/registrations", &m), 0);
    cr_assert_eq(m.index, 5);
    cr_assert_eq(match(HTTP_M_PATCH, "/api/v1/projects/1", &m), 0);
    cr_assert_eq(m.index, 3);
}

Test(router, unknown_path_is_404)
{
    struct route_match m;
    cr_assert_eq(match(HTTP_M_GET, "/nope", &m), -1);
    cr_assert_eq(match(HTTP_M_GET, "/api/v1/sessions", &m), -1);
    cr_assert_eq(match(HTTP_M_GET, "/api/v1/sessions/", &m), -1, "empty segment");
    cr_assert_eq(match(HTTP_M_GET, "/api/v1/sessions/1/registrations/x", &m), -1);
    cr_assert_eq(match(HTTP_M_GET, "healthz", &m), -1);
    cr_assert_eq(match(HTTP_M_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", &m), -1);
}

Test(router, wrong_method_is_405_with_allowed)
{
    struct route_match m;
    cr_assert_eq(match(HTTP_M_DELETE, "/api/v1/projects/3", &m), -2);
    cr_assert_eq(m.allowed, HTTP_M_GET | HTTP_M_PATCH | HTTP_M_HEAD);
    char buf[64];
    router_methods_str(m.allowed, buf, sizeof(buf));
    cr_assert_str_eq(buf, "GET, PATCH, HEAD");
    cr_assert_eq(match(HTTP_M_GET, "/api/v1/users", &m), -2);
    cr_assert_eq(m.allowed, HTTP_M_POST);
}

Test(router, head_matches_get)
{
    struct route_match m;
    cr_assert_eq(match(HTTP_M_HEAD, "/healthz", &m), 0);
    cr_assert_eq(m.index, 0);
}

/* "{secret}.ics": a capture with a literal tail (the subscribable calendar feed). */
Test(router, capture_with_a_literal_tail)
{
    struct router *r2 = router_new();
    router_add(r2, HTTP_M_GET, "/api/v1/me/agenda.ics");
    router_add(r2, HTTP_M_GET, "/api/v1/calendar/{secret}.ics");
    struct route_match m;
    const char *p = "/api/v1/calendar/AbC-_9.ics";
    cr_assert_eq(router_match(r2, HTTP_M_GET, p, strlen(p), &m), 0);
    cr_assert_eq(m.index, 1);
    cr_assert_eq(m.nparams, 1);
    cr_assert_eq(m.param_len[0], 6, "the tail is not captured");
    cr_assert(strncmp(m.param[0], "AbC-_9", 6) == 0);
    const char *no[] = {"/api/v1/calendar/.ics", "/api/v1/calendar/abc", "/api/v1/calendar/abc.ical",
                        "/api/v1/calendar/abc.icsx", "/api/v1/calendar/ics",
                        "/api/v1/calendar/abc.ics/x"};
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
        cr_assert_eq(router_match(r2, HTTP_M_GET, no[i], strlen(no[i]), &m), -1, "%s", no[i]);
    p = "/api/v1/me/agenda.ics";
    cr_assert_eq(router_match(r2, HTTP_M_GET, p, strlen(p), &m), 0);
    cr_assert_eq(m.index, 0);
    cr_assert_eq(m.nparams, 0);
    router_free(r2);
}
