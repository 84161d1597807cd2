/* docs/openapi.yaml describes exactly the routes of server/routes.c (debug routes excepted). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

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
