#include "server/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "base/utf8.h"
#include "server/err.h"
#include "server/http.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

void json_init(void)
{
    cJSON_Hooks hooks = {.malloc_fn = xmalloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
}

/* The ordinal (keys and values together, in document order) of the first string in the raw JSON
 * text that holds a NUL (raw or \u0000) or bytes that are not UTF-8, or -1. Run on text cJSON
 * accepted, so outside strings a '"' always opens one. */
static long bad_string(const char *s, size_t len)
{
    long idx = -1;
    size_t i = 0;
    while (i < len) {
        if (s[i] != '"') {
            i++;
            continue;
        }
        idx++;
        size_t start = ++i;
        bool bad = false;
        while (i < len && s[i] != '"') {
            if (s[i] == '\\') {
                if (len - i >= 6 && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
                    bad = true;
                i += 2;
            } else {
                bad = bad || s[i] == '\0';
                i++;
            }
        }
        if (i > len)
            i = len;
        /* Escapes are ASCII, so the raw bytes are UTF-8 exactly when the decoded text is. */
        for (size_t k = start; !bad && k < i;) {
            unsigned cp;
            size_t n = utf8_next(s + k, i - k, &cp);
            bad = n == 0;
            k += n;
        }
        if (bad)
            return idx;
        i++;
    }
    return -1;
}

/* Where a string sits: `path` in full ("tags[1]", "a.b[0].c") and `field`, the name a client
 * maps to its form, which leaves array indexes out as the handlers' own errors do ("tags",
 * "scores.17", "a.b.c"). */
struct spath {
    struct buf path, field;
};

/* Appends the place of the *idx-th string under `parent` (counted as bad_string() counts) and
 * returns true, or counts *idx down past the strings of `parent`. */
static bool string_path(const cJSON *parent, long *idx, struct spath *sp)
{
    size_t keep = sp->path.len, keepf = sp->field.len;
    int i = 0;
    for (const cJSON *c = parent->child; c; c = c->next, i++) {
        sp->path.len = keep;
        sp->field.len = keepf;
        if (cJSON_IsObject(parent)) {
            const char *k = c->string ? c->string : "";
            buf_printf(&sp->path, "%s%s", keep ? "." : "", k);
            buf_printf(&sp->field, "%s%s", keepf ? "." : "", k);
        } else {
            buf_printf(&sp->path, "[%d]", i);
        }
        if (cJSON_IsObject(parent) && (*idx)-- == 0)
            return true; /* the key */
        if (cJSON_IsString(c) && (*idx)-- == 0)
            return true;
        if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && string_path(c, idx, sp))
            return true;
    }
    sp->path.len = keep;
    sp->field.len = keepf;
    return false;
}

/* Refuses a NUL or non-UTF-8 text anywhere in the body; returns 0 or -1 after replying. */
static int strings_ok(struct req *r, const cJSON *root)
{
    long idx = bad_string(r->body, r->body_len);
    if (idx < 0)
        return 0;
    struct spath sp;
    buf_init(&sp.path);
    buf_init(&sp.field);
    bool found = string_path(root, &idx, &sp);
    buf_puts(&sp.path, ""); /* terminates at len */
    buf_puts(&sp.field, "");
    const char *path = found && sp.path.len ? sp.path.p : "body";
    const char *field = found && sp.field.len ? sp.field.p : "body";
    reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                "%s must be UTF-8 text without NUL characters", path);
    buf_deinit(&sp.path);
    buf_deinit(&sp.field);
    return -1;
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
    if (strings_ok(r, root) < 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static bool is_control(unsigned cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

long utf8_chars(const char *s, size_t len, bool multiline)
{
    long n = 0;
    for (size_t i = 0; i < len; n++) {
        unsigned cp;
        size_t k = utf8_next(s + i, len - i, &cp);
        if (k == 0)
            return -1;
        if (cp < 0x20 || cp == 0x7f) {
            if (!(multiline && (cp == '\n' || cp == '\r' || cp == '\t')))
                return -1;
        }
        i += k;
    }
    return n;
}

void utf8_scrub(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t k = utf8_next(s + i, len - i, &cp);
        if (k == 0 || is_control(cp)) {
            s[i++] = '?';
            continue;
        }
        i += k;
    }
}

int json_text_check(const char *s, size_t len, const struct text_limit *lim)
{
    long n = utf8_chars(s, len, lim->multiline);
    if (n < 0)
        return TEXT_BAD;
    if ((size_t)n < lim->min_chars)
        return TEXT_SHORT;
    if ((size_t)n > lim->max_chars)
        return TEXT_LONG;
    if (len > lim->max_bytes)
        return TEXT_LONG_BYTES;
    return TEXT_OK;
}

int json_text_reply(struct req *r, const char *field, const struct text_limit *lim, int err)
{
    switch (err) {
    case TEXT_BAD:
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must be valid UTF-8 text without control characters", field);
        break;
    case TEXT_LONG_BYTES:
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must take at most %zu bytes of UTF-8", field, lim->max_bytes);
        break;
    default:
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must have %zu to %zu characters", field, lim->min_chars, lim->max_chars);
    }
    return -1;
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

int json_text(struct req *r, const cJSON *o, const char *field, bool required,
              const struct text_limit *lim, const char **out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (!cJSON_IsString(v)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s must be a string", field);
        return -1;
    }
    int err = json_text_check(v->valuestring, strlen(v->valuestring), lim);
    if (err)
        return json_text_reply(r, field, lim, err);
    *out = v->valuestring;
    return 0;
}

int json_str(struct req *r, const cJSON *o, const char *field, bool required, size_t minc,
             size_t maxc, bool multiline, const char **out)
{
    struct text_limit lim = {minc, maxc, maxc * 4, multiline};
    return json_text(r, o, field, required, &lim, out);
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

int json_body_id(struct req *r, const char *field, int64_t *out)
{
    cJSON *body = json_body(r);
    if (!body)
        return -1;
    int rc = json_int(r, body, field, true, 1, INT64_MAX, out);
    cJSON_Delete(body);
    return rc < 0 ? -1 : 0;
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

int json_enum_index(const char *const *names, const char *s)
{
    for (int i = 0; s && names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

int json_enum_reply(struct req *r, const char *field, const char *const *names)
{
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

int json_enum(struct req *r, const cJSON *o, const char *field, bool required,
              const char *const *names, int *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    int i = json_enum_index(names, cJSON_GetStringValue(v));
    if (i < 0)
        return json_enum_reply(r, field, names);
    *out = i;
    return 0;
}

int json_time(struct req *r, const cJSON *o, const char *field, bool required, int64_t *out)
{
    int rc;
    const cJSON *v = field_of(r, o, field, required, &rc);
    if (!v)
        return rc;
    if (!cJSON_IsString(v) || time_parse_rfc3339(v->valuestring, out) != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                    "%s must be an RFC 3339 time in whole seconds, such as 2026-05-20T09:00:00Z", field);
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
