/* Idempotency fingerprints: the same request, however its query is ordered, is the same; any
 * difference in method, route, path parameter, query or body is not. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/xalloc.h"
#include "server/app.h"
#include "server/http.h"
#include "server/idem.h"
#include "server/router.h"
#include "server/routes.h"

static struct app app;

static struct req *mk(int route, const char *param, const char *body, const char *q)
{
    app.routes = routes;
    app.nroutes = routes_len;
    struct req *r = xcalloc(1, sizeof(*r));
    r->app = &app;
    r->route = route;
    r->method = routes[route].method;
    if (param) {
        r->params[0] = xstrdup(param);
        r->nparams = 1;
    }
    if (body) {
        r->body = xstrdup(body);
        r->body_len = strlen(body);
    }
    /* q: "k=v&k=v", already decoded */
    char *dup = q ? xstrdup(q) : NULL, *save = NULL;
    for (char *kv = dup ? strtok_r(dup, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        r->qkey = xrealloc(r->qkey, (r->nquery + 1) * sizeof(char *));
        r->qval = xrealloc(r->qval, (r->nquery + 1) * sizeof(char *));
        r->qkey[r->nquery] = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
        r->qval[r->nquery] = xstrdup(eq ? eq + 1 : "");
        r->nquery++;
    }
    free(dup);
    idem_fingerprint(r);
    return r;
}

static int route_of(unsigned method, const char *pattern)
{
    for (size_t i = 0; i < routes_len; i++)
        if (routes[i].method == method && strcmp(routes[i].pattern, pattern) == 0)
            return (int)i;
    cr_assert_fail("no route %s", pattern);
    return -1;
}

static bool same(struct req *a, struct req *b)
{
    bool eq = strcmp(a->idem_fp, b->idem_fp) == 0;
    req_free(a);
    req_free(b);
    return eq;
}

Test(idem, query_order_does_not_matter_but_the_query_does)
{
    int sched = route_of(HTTP_M_POST, "/api/v1/events/{id}/meetings/schedule");
    cr_assert(same(mk(sched, "7", "", "a=1&reset=true"), mk(sched, "7", "", "reset=true&a=1")));
    cr_assert_not(same(mk(sched, "7", "", "reset=true"), mk(sched, "7", "", NULL)),
                  "?reset=true is another request than none");
    cr_assert_not(same(mk(sched, "7", "", "reset=true"), mk(sched, "7", "", "reset=false")));
    struct req *r = mk(sched, "7", NULL, NULL);
    cr_assert_eq(strlen(r->idem_fp), 64);
    req_free(r);
}

Test(idem, body_params_and_route_count)
{
    int sess = route_of(HTTP_M_POST, "/api/v1/events/{id}/sessions");
    int exh = route_of(HTTP_M_POST, "/api/v1/events/{id}/exhibitors");
    cr_assert(same(mk(sess, "7", "{\"a\":1}", NULL), mk(sess, "7", "{\"a\":1}", NULL)));
    cr_assert_not(same(mk(sess, "7", "{\"a\":1}", NULL), mk(sess, "7", "{\"a\":2}", NULL)));
    cr_assert_not(same(mk(sess, "7", "{}", NULL), mk(sess, "8", "{}", NULL)));
    cr_assert_not(same(mk(sess, "7", "{}", NULL), mk(exh, "7", "{}", NULL)));
}

Test(idem, no_two_requests_write_the_same_text)
{
    /* Lengths go in with the strings: moving '=' or '&' between key and value changes it. */
    int sched = route_of(HTTP_M_POST, "/api/v1/events/{id}/meetings/schedule");
    cr_assert_not(same(mk(sched, "7", "", "a=b=c"), mk(sched, "7", "", "a=b&c")));
    cr_assert_not(same(mk(sched, "7", "", "ab=c"), mk(sched, "7", "", "a=bc")));
    cr_assert_not(same(mk(sched, "7", "b1", NULL), mk(sched, "7", "", "b1")));
}
