#ifndef SUMMITD_SERVER_BODY_CHECK_H
#define SUMMITD_SERVER_BODY_CHECK_H

/* Strict request bodies, from the contract: the member names each operation's request body
 * takes (server/body_fields.c, generated from docs/openapi.yaml by tools/contract/body_fields.mjs)
 * are checked once, before the handler runs; any other member is 400 validation_failed naming
 * it, and a member the resource has but this request may not change says so (with how to change
 * it where the document says). */

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct req;

struct body_obj;
struct body_field {
    const char *name;
    const struct body_obj *sub; /* a nested object's members, or NULL (a value, or a map) */
};
struct body_obj {
    const struct body_field *fields;
    size_t n;
};
struct body_ro {
    const char *name;
    const char *hint;
};
struct body_route {
    unsigned method; /* HTTP_M_* */
    const char *pattern;
    const struct body_obj *obj;
    const struct body_ro *ro;
    size_t nro;
};

extern const struct body_route body_routes[];
extern const size_t body_routes_len;

/* The table entry of a route, or NULL (no JSON request body documented: not checked). */
const struct body_route *body_route_find(unsigned method, const char *pattern);

/* The first member of `j` (an object) that `o` does not list, at any depth, as a dotted path
 * ("title", "location.floor", "items.name" inside arrays) in path[len]; false when none. */
bool body_unknown_member(const struct body_obj *o, const struct cJSON *j, char *path, size_t len);

/* Checks r's body against its route's entry. 0 to go on (also when the body is empty: the
 * handler decides), -1 after replying 400 (invalid JSON as the handler would; an unknown or
 * read-only member). The handler parses the body again. */
int body_check(struct req *r, const char *pattern);

#endif
