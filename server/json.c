#include "server/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/err.h"
#include "server/http.h"
#include "server/timeutil.h"
#include "server/xalloc.h"

void json_init(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
}

cJSON *json_body(struct req *r)
{
    if (!r->body || r->body_len == 0) {
        reply_error(r, SD_ERR_INVALID, "invalid_json", NULL, "a JSON object body is required");
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, false);
    if (!root) {
        reply_error(r, SD_ERR_INVALID, "invalid_json", NULL, "the body is not valid JSON");
        return NULL;
    }
    /* Nothing but white space may follow the value. */
    for (const char *p = end; p && p < r->body + r->body_len; p++) {
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') {
            cJSON_Delete(root);
            reply_error(r, SD_ERR_INVALID, "invalid_json", NULL, "trailing data after the JSON");
            return NULL;
        }
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        reply_error(r, SD_ERR_INVALID, "invalid_json", NULL, "the body must be a JSON object");
        return NULL;
    }
    return root;
}

long utf8_chars(const char *s, size_t len, bool multiline)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    long n = 0;
    while (p < e) {
        unsigned c = *p;
        size_t k;
        unsigned cp;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) {
                if (!(multiline && (c == '\n' || c == '\r' || c == '\t')))
                    return -1;
            }
            p++;
            n++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        if ((size_t)(e - p) <= k)
            return -1;
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        /* Overlong forms, surrogates and out-of-range code points are invalid. */
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += k + 1;
        n++;
    }
    return n;
}

static const cJSON *field_of(struct req *r, const cJSON *o, const char *field, bool required,
                             int *rc)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
    if (!v || cJSON_IsNull(v)) {
        if (required) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s is required", field);
            *rc = -1;
        } else {
            *rc = 1;
        }
        return NULL;
    }
    *rc = 0;
    return v;
}

int json_str(struct req *r, const cJSON *o, const char *field, bool required, size_t minc,
             size_t maxc, bool multiline, const char **out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (!cJSON_IsString(v)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be a string", field);
        return -1;
    }
    long n = utf8_chars(v->valuestring, strlen(v->valuestring), multiline);
    if (n < 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must be valid UTF-8 text without control characters", field);
        return -1;
    }
    if ((size_t)n < minc || (size_t)n > maxc) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must have %zu to %zu characters", field, minc, maxc);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

int json_int(struct req *r, const cJSON *o, const char *field, bool required, int64_t min,
             int64_t max, int64_t *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d) || d < -9007199254740992.0 ||
        d > 9007199254740992.0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be an integer", field);
        return -1;
    }
    int64_t i = (int64_t)d;
    if (i < min || i > max) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be from %lld to %lld",
                    field, (long long)min, (long long)max);
        return -1;
    }
    *out = i;
    return 0;
}

int json_double(struct req *r, const cJSON *o, const char *field, bool required, double min,
                double max, double *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be a number", field);
        return -1;
    }
    if (v->valuedouble < min || v->valuedouble > max) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be from %g to %g",
                    field, min, max);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

int json_bool(struct req *r, const cJSON *o, const char *field, bool required, bool *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (!cJSON_IsBool(v)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be true or false",
                    field);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

int json_enum(struct req *r, const cJSON *o, const char *field, bool required,
              const char *const *names, int *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (cJSON_IsString(v)) {
        for (int i = 0; names[i]; i++) {
            if (strcmp(names[i], v->valuestring) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    char allowed[256] = "";
    size_t n = 0;
    for (int i = 0; names[i] && n < sizeof(allowed) - 1; i++) {
        int k = snprintf(allowed + n, sizeof(allowed) - n, "%s%s", i ? ", " : "", names[i]);
        if (k < 0)
            break;
        n += (size_t)k;
    }
    reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be one of: %s", field,
                allowed);
    return -1;
}

int json_time(struct req *r, const cJSON *o, const char *field, bool required, int64_t *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (!cJSON_IsString(v) || time_parse_rfc3339(v->valuestring, out) != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must be an RFC 3339 time such as 2026-05-20T09:00:00Z", field);
        return -1;
    }
    return 0;
}

void json_add_time(cJSON *o, const char *name, int64_t t)
{
    if (t == 0) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    char buf[TIME_BUF];
    cJSON_AddStringToObject(o, name, time_format_rfc3339(t, buf));
}

void json_add_str_or_null(cJSON *o, const char *name, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, name, s);
    else
        cJSON_AddNullToObject(o, name);
}

void json_add_next_cursor(cJSON *o, bool more, int64_t last_id)
{
    if (!more) {
        cJSON_AddNullToObject(o, "next_cursor");
        return;
    }
    char c[24];
    snprintf(c, sizeof(c), "%lld", (long long)last_id);
    cJSON_AddStringToObject(o, "next_cursor", c);
}
