#ifndef SUMMITD_SERVER_ROUTER_H
#define SUMMITD_SERVER_ROUTER_H

#include <stddef.h>

/* Matches "METHOD /path" against patterns like "/api/v1/sessions/{id}/registrations".
 * A `{name}` segment captures one non-empty path segment; `{name}.ics` one that ends in the
 * literal ".ics" (at least one byte before it), capturing what precedes the tail. No I/O; used from any thread once
 * built (read-only after router_add calls finish). */

enum http_method {
    HTTP_M_GET = 1 << 0,
    HTTP_M_POST = 1 << 1,
    HTTP_M_PUT = 1 << 2,
    HTTP_M_PATCH = 1 << 3,
    HTTP_M_DELETE = 1 << 4,
    HTTP_M_HEAD = 1 << 5,
    HTTP_M_OPTIONS = 1 << 6,
};

#define ROUTER_MAX_PARAMS 4

struct router;

struct route_match {
    int index; /* as returned by router_add; -1 when nothing matched */
    size_t nparams;
    /* Each capture points into the matched path (borrowed) with its length. */
    const char *param[ROUTER_MAX_PARAMS];
    size_t param_len[ROUTER_MAX_PARAMS];
    unsigned allowed; /* on a path match with the wrong method: the methods that exist */
};

struct router *router_new(void);
void router_free(struct router *rt);
/* Adds a route and returns its index (0, 1, …). The pattern is copied. Aborts on a malformed
 * pattern (a programming error). */
int router_add(struct router *rt, unsigned method, const char *pattern);
/* Returns 0 on a match, -1 when no pattern matches the path (404), -2 when the path matches but
 * not the method (405, m->allowed filled). HEAD matches GET routes. */
int router_match(const struct router *rt, unsigned method, const char *path, size_t path_len,
                 struct route_match *m);
/* As router_add, for a pattern whose last segment is a capture ("/assets/{path}") that takes
 * the rest of the path, one or more non-empty segments with their slashes ("js/app.js"). */
int router_add_tail(struct router *rt, unsigned method, const char *pattern);
/* "GET, POST" for a method mask, into buf. */
void router_methods_str(unsigned mask, char *buf, size_t len);
const char *router_method_name(unsigned method);
size_t router_count(const struct router *rt);
const char *router_pattern(const struct router *rt, int index);
unsigned router_method(const struct router *rt, int index);

#endif
