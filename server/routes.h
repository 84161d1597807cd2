#ifndef SUMMITD_SERVER_ROUTES_H
#define SUMMITD_SERVER_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

/* The route table: every route of the API, its handler and who may call it, in one place
 * (server/routes.c). A route's handler is named <file>_<action> in handlers/<file>.c. */

struct req;
typedef void (*handler_fn)(struct req *r);
/* Tried on the event loop before the request goes to a worker (when a route has one): answers
 * from memory only (no MySQL, no Redis, no lock it may wait for) and returns true when it
 * replied; false lets the worker run the route's handler as usual. */
typedef bool (*loop_fn)(struct req *r);

enum route_flags {
    ROUTE_INLINE = 1 << 0,     /* answered on the event loop: touches no MySQL or Redis */
    ROUTE_AUTH = 1 << 1,       /* a valid Bearer token is required (401 otherwise) */
    ROUTE_IDEMPOTENT = 1 << 2, /* honours Idempotency-Key */
    ROUTE_DEBUG = 1 << 3,      /* only with debug_routes = true */
    ROUTE_LOOP_CACHE = 1 << 4, /* anonymous 200s cached on the loops (server/lcache.h); the
                                  handler calls lcache_invalidate() after changes */
    ROUTE_NO_STORE = 1 << 5,   /* responses carry personal data or secrets (tokens, check-in
                                  codes, e-mail addresses, someone's agenda): every one of them,
                                  errors too, gets Cache-Control: no-store */
    ROUTE_TAIL = 1 << 6,       /* the pattern's last capture takes the rest of the path, slashes
                                  included (router_add_tail): "/assets/{path}" */
    ROUTE_LOOP_TRY = 1 << 7,   /* its loop_fn (routes_loop_fn) is tried on the event loop first */
};

struct route_def {
    unsigned method;     /* HTTP_M_* from server/router.h */
    const char *pattern; /* "/api/v1/sessions/{id}/registrations" */
    handler_fn fn;
    unsigned flags;
};
/* The loop_fn of a ROUTE_LOOP_TRY route's handler (server/routes.c). */
loop_fn routes_loop_fn(handler_fn fn);

extern const struct route_def routes[];
extern const size_t routes_len;

#endif
