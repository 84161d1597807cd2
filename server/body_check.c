#include "server/body_check.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "server/err.h"
#include "server/http.h"
#include "server/json.h"

const struct body_route *body_route_find(unsigned method, const char *pattern)
{
    for (size_t i = 0; i < body_routes_len; i++)
        if (body_routes[i].method == method && strcmp(body_routes[i].pattern, pattern) == 0)
            return &body_routes[i];
    return NULL;
}

static const struct body_field *field_of(const struct body_obj *o, const char *name)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->fields[i].name, name) == 0)
            return &o->fields[i];
    return NULL;
}

static bool unknown_in(const struct body_obj *o, const cJSON *j, char *path, size_t len,
                       size_t at)
{
    for (const cJSON *m = j->child; m; m = m->next) {
        const struct body_field *f = field_of(o, m->string);
        int n = snprintf(path + at, len - at, "%s%s", at ? "." : "", m->string);
        size_t end = n < 0 ? at : (size_t)n + at >= len ? len - 1 : (size_t)n + at;
        if (!f)
            return true;
        if (!f->sub)
            continue;
        if (cJSON_IsObject(m) && unknown_in(f->sub, m, path, len, end))
            return true;
        if (cJSON_IsArray(m))
            for (const cJSON *e = m->child; e; e = e->next)
                if (cJSON_IsObject(e) && unknown_in(f->sub, e, path, len, end))
                    return true;
    }
    path[at] = '\0';
    return false;
}

bool body_unknown_member(const struct body_obj *o, const cJSON *j, char *path, size_t len)
{
    path[0] = '\0';
    return cJSON_IsObject(j) && unknown_in(o, j, path, len, 0);
}

int body_check(struct req *r, const char *pattern)
{
    const struct body_route *br = body_route_find(r->method, pattern);
    if (!br || !r->body)
        return 0;
    size_t i = 0;
    while (i < r->body_len && strchr(" \t\r\n", r->body[i]))
        i++;
    if (i == r->body_len)
        return 0; /* no body: the handler says whether one is needed */
    cJSON *j = json_body(r); /* replies 400 invalid_json / validation_failed as a handler would */
    if (!j)
        return -1;
    char path[256];
    bool bad = body_unknown_member(br->obj, j, path, sizeof(path));
    cJSON_Delete(j);
    if (!bad)
        return 0;
    for (size_t k = 0; k < br->nro && !strchr(path, '.'); k++)
        if (strcmp(br->ro[k].name, path) == 0) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", path, "%s", br->ro[k].hint);
            return -1;
        }
    reply_error(r, SD_ERR_INVALID, "validation_failed", path,
                "unknown field %s (docs/openapi.yaml lists the fields of this request)", path);
    return -1;
}
