#include "handlers/calendar.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "handlers/agenda.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/query.h"
#include "server/reqdb.h"
#include "server/timeutil.h"

#define FEED_PREFIX "/api/v1/calendar/"

void calendar_issue(struct req *r)
{
    char secret[AUTH_TOKEN_LEN + 1], hash[65];
    auth_token_new(secret); /* 256 bits from getrandom(2), base64url */
    auth_sha256_hex(secret, strlen(secret), hash);
    struct db_res res;
    /* One row per user: a new secret replaces the old one in the same statement. */
    if (req_exec(r, &res,
                 "INSERT INTO calendar_feeds (user_id, secret_sha256, created_at)"
                 " VALUES (?, ?, UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE"
                 " secret_sha256 = VALUES(secret_sha256), created_at = VALUES(created_at)",
                 "is", r->user.id, hash) < 0)
        return;
    db_res_clear(&res);
    cJSON *o = cJSON_CreateObject();
    char url[sizeof(FEED_PREFIX) + AUTH_TOKEN_LEN + 8];
    snprintf(url, sizeof(url), FEED_PREFIX "%s.ics", secret);
    cJSON_AddStringToObject(o, "url", url);
    json_add_time(o, "created_at", time_now());
    reply_json(r, 201, o); /* no Location: the feed is not this resource's GET */
}

void calendar_revoke(struct req *r)
{
    struct db_res res;
    if (req_exec(r, &res, "DELETE FROM calendar_feeds WHERE user_id = ?", "i", r->user.id) < 0)
        return;
    db_res_clear(&res);
    reply_empty(r, 204);
}

/* A secret as calendar_issue writes them: AUTH_TOKEN_LEN base64url characters. */
static bool secret_shape(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return n == AUTH_TOKEN_LEN;
}

/* The feed's owner and their language (CF_* columns). */
enum { CF_USER, CF_LOCALE };
#define CALENDAR_FEED_SQL                                                                          \
    "SELECT cf.user_id, u.locale FROM calendar_feeds cf JOIN users u ON u.id = cf.user_id"         \
    " WHERE cf.secret_sha256 = ?"

void calendar_feed(struct req *r)
{
    const char *secret = r->nparams ? r->params[0] : "";
    if (!secret_shape(secret)) {
        reply_error(r, SD_ERR_NOT_FOUND, "calendar_not_found", NULL, "no such calendar");
        return;
    }
    char hash[65];
    auth_sha256_hex(secret, strlen(secret), hash);
    struct db_res res;
    if (req_exec(r, &res, CALENDAR_FEED_SQL, "s", hash) < 0)
        return;
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, "calendar_not_found", NULL, "no such calendar");
        return;
    }
    int64_t user = db_get_i64(&res, 0, CF_USER);
    const char *locale = db_get(&res, 0, CF_LOCALE);
    enum lang lang = locale && strcmp(locale, "en") == 0 ? LANG_EN : LANG_ZH;
    db_res_clear(&res);
    agenda_render_ics(r, user, lang, "calendar.ics");
}
