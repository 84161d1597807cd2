#ifndef SUMMITD_SERVER_DEBUG_H
#define SUMMITD_SERVER_DEBUG_H

#include <stdint.h>

/* Test hooks that make races deterministic; inert unless the config has debug_routes = true
 * (never in production). A hook is a named point in a handler: while the Redis key
 * debug:hold:<point>:<id> exists, a request reaching the point sets debug:held:<point>:<id> and
 * waits there (polling, at most 10 s, on its worker thread), so a test can run another change at
 * exactly that moment, then delete the key to let the request go on. */

struct req;

void debug_hold(struct req *r, const char *point, int64_t id);

#endif
