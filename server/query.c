#include "server/query.h"

#include <stdio.h>
#include <string.h>

#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/lang.h"
#include "server/timeutil.h"

/* The parameter, or NULL after deciding absent (rc 1) or replying (rc -1). */
static const char *param(struct req *r, const char *name, bool required, int *rc)
{
    const char *v = req_query(r, name);
    if (v) {
        *rc = 0;
        return v;
    }
    if (required) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", name, "%s is required", name);
        *rc = -1;
    } else {
        *rc = 1;
    }
    return NULL;
}

int req_query_enum(struct req *r, const char *name, bool required, const char *const *names,
                   int *out)
{
    int rc;
    const char *v = param(r, name, required, &rc);
    if (!v)
        return rc;
    int i = json_enum_index(names, v);
    if (i < 0)
        return json_enum_reply(r, name, names);
    *out = i;
    return 0;
}

static bool parse_int(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    const char *p = s + neg;
    size_t n = strlen(p);
    if (n == 0 || n > 18)
        return false;
    int64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return true;
}

int req_query_int(struct req *r, const char *name, bool required, int64_t min, int64_t max,
                  int64_t *out)
{
    int rc;
    const char *v = param(r, name, required, &rc);
    if (!v)
        return rc;
    int64_t i;
    if (!parse_int(v, &i) || i < min || i > max) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", name,
                    "%s must be an integer from %lld to %lld", name, (long long)min,
                    (long long)max);
        return -1;
    }
    *out = i;
    return 0;
}

int req_query_id(struct req *r, const char *name, bool required, int64_t *out)
{
    int rc;
    const char *v = param(r, name, required, &rc);
    if (!v)
        return rc;
    if (!req_parse_id(v, out)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", name, "%s must be an id", name);
        return -1;
    }
    return 0;
}

int req_query_bool(struct req *r, const char *name, bool required, bool *out)
{
    int rc;
    const char *v = param(r, name, required, &rc);
    if (!v)
        return rc;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *out = true;
    } else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
        *out = false;
    } else {
        reply_error(r, SD_ERR_INVALID, "validation_failed", name, "%s must be true or false", name);
        return -1;
    }
    return 0;
}

int req_query_time(struct req *r, const char *name, bool required, int64_t *out)
{
    int rc;
    const char *v = param(r, name, required, &rc);
    if (!v)
        return rc;
    if (time_parse_rfc3339(v, out) != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", name,
                    "%s must be an RFC 3339 time in whole seconds, such as 2026-05-20T09:00:00Z", name);
        return -1;
    }
    return 0;
}

int req_query_text(struct req *r, const char *name, bool required, const struct text_limit *lim,
                   const char **out)
{
    int rc;
    const char *v = param(r, name, required, &rc);
    if (!v)
        return rc;
    int err = json_text_check(v, strlen(v), lim);
    if (err)
        return json_text_reply(r, name, lim, err);
    *out = v;
    return 0;
}

const char *const lang_tags[] = {"zh", "en", NULL};

int req_lang(struct req *r, enum lang *out)
{
    int l = LANG_ZH;
    int rc = req_query_enum(r, "lang", false, lang_tags, &l);
    if (rc < 0)
        return -1;
    *out = rc == 0 ? (enum lang)l : req_lang_quiet(r);
    return 0;
}

enum lang req_lang_quiet(const struct req *r)
{
    int l = json_enum_index(lang_tags, req_query(r, "lang") ? req_query(r, "lang") : "");
    if (l >= 0)
        return (enum lang)l;
    /* The signed-in user's choice (PATCH /me), carried in the session: no query per request. */
    if (r->user.locale)
        return (enum lang)(r->user.locale - 1);
    l = lang_pick(req_header(r, "Accept-Language"), lang_tags);
    return l >= 0 ? (enum lang)l : LANG_ZH;
}
