/* docs/openapi.yaml describes exactly the routes of server/routes.c (debug routes excepted). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server/body_check.h"
#include "server/router.h"
#include "server/routes.h"

#define MAX_OPS 512

struct op {
    char method[8];
    char path[160];
};

static size_t load_doc(struct op *ops)
{
    FILE *f = fopen("docs/openapi.yaml", "r");
    cr_assert_not_null(f, "run from the repository root");
    char line[8192], path[160] = "";
    bool in_paths = false;
    size_t n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "paths:", 6) == 0) {
            in_paths = true;
            continue;
        }
        if (!in_paths)
            continue;
        if (line[0] != ' ' && line[0] != '\n')
            break; /* the next top-level key */
        if (strncmp(line, "  /", 3) == 0 && line[2 + strcspn(line + 2, ":")] == ':') {
            size_t len = strcspn(line + 2, ":");
            snprintf(path, sizeof(path), "%.*s", (int)len, line + 2);
            continue;
        }
        static const char *const methods[] = {"get", "post", "put", "patch", "delete"};
        for (size_t i = 0; i < 5; i++) {
            char want[16];
            snprintf(want, sizeof(want), "    %s:", methods[i]);
            if (strncmp(line, want, strlen(want)) == 0 && path[0]) {
                cr_assert_lt(n, MAX_OPS);
                snprintf(ops[n].method, sizeof(ops[n].method), "%s", methods[i]);
                snprintf(ops[n].path, sizeof(ops[n].path), "%s", path);
                n++;
            }
        }
    }
    fclose(f);
    return n;
}

static void lower(const char *in, char *out)
{
    size_t i = 0;
    for (; in[i]; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
    out[i] = '\0';
}

Test(openapi, every_route_is_documented_and_every_documented_path_exists)
{
    static struct op ops[MAX_OPS];
    size_t n = load_doc(ops);
    cr_assert_gt(n, 5);
    size_t routed = 0;
    for (size_t i = 0; i < routes_len; i++) {
        if (routes[i].flags & ROUTE_DEBUG)
            continue;
        routed++;
        char m[8];
        lower(router_method_name(routes[i].method), m);
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = !strcmp(ops[k].method, m) && !strcmp(ops[k].path, routes[i].pattern);
        cr_assert(found, "route %s %s is missing from docs/openapi.yaml", m, routes[i].pattern);
    }
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (size_t i = 0; i < routes_len && !found; i++) {
            char m[8];
            lower(router_method_name(routes[i].method), m);
            found = !(routes[i].flags & ROUTE_DEBUG) && !strcmp(ops[k].method, m) &&
                    !strcmp(ops[k].path, routes[i].pattern);
        }
        cr_assert(found, "docs/openapi.yaml has %s %s but no route serves it", ops[k].method,
                  ops[k].path);
    }
    cr_assert_eq(routed, n, "one documented operation per route");
}

/* Operations marked "x-no-store: true" are exactly the routes flagged ROUTE_NO_STORE (whose
 * responses carry Cache-Control: no-store). */
Test(openapi, no_store_operations_match_the_route_flags)
{
    FILE *f = fopen("docs/openapi.yaml", "r");
    cr_assert_not_null(f, "run from the repository root");
    static struct op marked[MAX_OPS];
    size_t n = 0;
    char line[8192], path[160] = "", method[8] = "";
    bool in_paths = false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "paths:", 6) == 0) {
            in_paths = true;
            continue;
        }
        if (!in_paths)
            continue;
        if (line[0] != ' ' && line[0] != '\n')
            break;
        if (strncmp(line, "  /", 3) == 0) {
            snprintf(path, sizeof(path), "%.*s", (int)strcspn(line + 2, ":"), line + 2);
            method[0] = '\0';
        } else if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' && strchr(line, ':')) {
            snprintf(method, sizeof(method), "%.*s", (int)strcspn(line + 4, ":"), line + 4);
        } else if (strncmp(line, "      x-no-store: true", 22) == 0 && method[0]) {
            cr_assert_lt(n, MAX_OPS);
            snprintf(marked[n].method, sizeof(marked[n].method), "%s", method);
            snprintf(marked[n].path, sizeof(marked[n].path), "%s", path);
            n++;
        }
    }
    fclose(f);
    size_t flagged = 0;
    for (size_t i = 0; i < routes_len; i++) {
        char m[8];
        lower(router_method_name(routes[i].method), m);
        bool doc = false;
        for (size_t k = 0; k < n && !doc; k++)
            doc = !strcmp(marked[k].method, m) && !strcmp(marked[k].path, routes[i].pattern);
        bool flag = (routes[i].flags & ROUTE_NO_STORE) != 0;
        flagged += flag;
        cr_assert_eq(doc, flag, "%s %s: x-no-store in the doc %d, ROUTE_NO_STORE %d", m,
                     routes[i].pattern, doc, flag);
    }
    cr_assert_eq(flagged, n);
    cr_assert_gt(n, 10);
}

/* Every operation's operationId is the name of the C handler of its route in server/routes.c
 * (handlers/<file>.c:<file>_<action>), so a reader goes from the document to the code in one step. */
Test(openapi, operation_ids_are_the_handler_names)
{
    FILE *rf = fopen("server/routes.c", "r");
    cr_assert_not_null(rf, "run from the repository root");
    static struct {
        char method[8], path[160], handler[64];
    } want[MAX_OPS];
    size_t nw = 0;
    char line[8192];
    while (fgets(line, sizeof(line), rf)) {
        char m[8], p[160], h[64];
        if (sscanf(line, " {%7[A-Z], \"%159[^\"]\", %63[a-z_],", m, p, h) == 3 && nw < MAX_OPS) {
            lower(m, want[nw].method);
            snprintf(want[nw].path, sizeof(want[nw].path), "%s", p);
            snprintf(want[nw].handler, sizeof(want[nw].handler), "%s", h);
            nw++;
        }
    }
    fclose(rf);
    cr_assert_gt(nw, 40);
    FILE *f = fopen("docs/openapi.yaml", "r");
    cr_assert_not_null(f);
    char path[160] = "", method[16] = "";
    bool in_paths = false;
    size_t checked = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "paths:", 6) == 0) {
            in_paths = true;
            continue;
        }
        if (!in_paths)
            continue;
        if (line[0] != ' ' && line[0] != '\n')
            break;
        if (strncmp(line, "  /", 3) == 0) {
            snprintf(path, sizeof(path), "%.*s", (int)strcspn(line + 2, ":"), line + 2);
            method[0] = '\0';
        } else if (strncmp(line, "    ", 4) == 0 && line[4] != ' ' && strchr(line, ':')) {
            snprintf(method, sizeof(method), "%.*s", (int)strcspn(line + 4, ":"), line + 4);
        } else if (strncmp(line, "      operationId: ", 19) == 0 && method[0]) {
            char id[64];
            snprintf(id, sizeof(id), "%.*s", (int)strcspn(line + 19, " \r\n"), line + 19);
            bool found = false;
            for (size_t i = 0; i < nw && !found; i++)
                if (!strcmp(want[i].method, method) && !strcmp(want[i].path, path)) {
                    cr_assert_str_eq(id, want[i].handler, "%s %s: operationId %s, handler %s",
                                     method, path, id, want[i].handler);
                    found = true;
                }
            cr_assert(found, "%s %s has an operationId but no route", method, path);
            checked++;
        }
    }
    fclose(f);
    size_t ndebug = 0;
    for (size_t i = 0; i < routes_len; i++)
        ndebug += (routes[i].flags & ROUTE_DEBUG) != 0;
    cr_assert_eq(checked, routes_len - ndebug, "every route but the debug ones has an operationId");
}

/* The strict-body table (server/body_fields.c, generated from this document) names real routes,
 * and the check walks nested objects and arrays of objects, leaving maps open. */
Test(openapi, body_fields_name_real_routes)
{
    cr_assert_gt(body_routes_len, 15);
    for (size_t k = 0; k < body_routes_len; k++) {
        bool found = false;
        for (size_t i = 0; i < routes_len && !found; i++)
            found = routes[i].method == body_routes[k].method &&
                    !strcmp(routes[i].pattern, body_routes[k].pattern);
        cr_assert(found, "body_fields.c: no route %s", body_routes[k].pattern);
    }
    cr_assert_not_null(body_route_find(HTTP_M_PATCH, "/api/v1/events/{id}"));
    cr_assert_null(body_route_find(HTTP_M_GET, "/api/v1/events/{id}"));
}

Test(openapi, unknown_members_are_found_at_any_depth)
{
    static const struct body_field leaf_f[] = {{"floor", NULL}};
    static const struct body_obj leaf = {leaf_f, 1};
    static const struct body_field top_f[] = {{"title", NULL}, {"place", &leaf}, {"rooms", &leaf},
                                              {"scores", NULL}};
    static const struct body_obj top = {top_f, 4};
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"{\"title\":\"x\"}", NULL},
        {"{\"title\":\"x\",\"titel\":1}", "titel"},
        {"{\"place\":{\"floor\":3}}", NULL},
        {"{\"place\":{\"floor\":3,\"wing\":\"A\"}}", "place.wing"},
        {"{\"rooms\":[{\"floor\":1},{\"door\":2}]}", "rooms.door"},
        {"{\"scores\":{\"17\":5,\"any\":1}}", NULL},
        {"{\"place\":\"not an object\"}", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        cr_assert_not_null(j);
        char path[64];
        bool bad = body_unknown_member(&top, j, path, sizeof(path));
        cJSON_Delete(j);
        cr_assert_eq(bad, cases[i].want != NULL, "%s", cases[i].json);
        if (cases[i].want)
            cr_assert_str_eq(path, cases[i].want, "%s", cases[i].json);
    }
}
