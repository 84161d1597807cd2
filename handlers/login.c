#include "handlers/login.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/users.h"
#include "server/app.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/reqdb.h"
#include "server/limits.h"
#include "server/netaddr.h"
#include "server/pwhash.h"

/* 429 after `limit` failed logins within the window (per address or per account), with
 * Retry-After and the time in the message; -1 after replying, 0 to go on. */
static int limited(struct req *r, int rc, int retry_after, bool per_account, int limit)
{
    if (rc == SD_ERR_RATE_LIMITED) {
        const struct config *cfg = r->w->cfg;
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", retry_after);
        reply_header(r, "Retry-After", ra);
        if (per_account)
            reply_error(r, SD_ERR_RATE_LIMITED, NULL, NULL,
                        "%d failed logins to this account within %d seconds; retry in %d seconds",
                        limit, cfg->login_window_s, retry_after);
        else
            reply_error(r, SD_ERR_RATE_LIMITED, NULL, NULL,
                        "%d failed logins from this address within %d seconds; retry in %d seconds",
                        limit, cfg->login_window_s, retry_after);
        return -1;
    }
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    return 0;
}

void login_create(struct req *r)
{
    const struct config *cfg = r->w->cfg;
    cJSON *body = json_body(r);
    if (!body)
        return;
    const char *email, *password;
    char *canon = NULL;
    if (json_text(r, body, "email", true, LIMIT_LOGIN_EMAIL, &email) < 0 ||
        json_text(r, body, "password", true, LIMIT_LOGIN_PASSWORD, &password) < 0)
        goto out;
    /* One canonical form for the lookup and the per-account limit: every spelling that reaches
     * an account is this same string (handlers/users.h), on the heap whatever its length. */
    if (users_email_field(r, email, &canon, NULL) < 0)
        goto out;
    /* Only failures count, per client address (a venue's attendees share one behind its NAT;
     * behind our proxies r->client_ip is the client, see trusted_proxies) and per account. */
    char ipkey[NETADDR_TEXT_MAX];
    netaddr_limit_key(r->client_ip, ipkey, sizeof(ipkey));
    int retry = 0;
    int rc = auth_limit_check(r->w->rds, "login-ip", ipkey, cfg->login_limit_ip,
                              cfg->login_window_s, &retry);
    if (limited(r, rc, retry, false, cfg->login_limit_ip) < 0)
        goto out;
    rc = auth_limit_check(r->w->rds, "login-account", canon, cfg->login_limit_account,
                          cfg->login_window_s, &retry);
    if (limited(r, rc, retry, true, cfg->login_limit_account) < 0)
        goto out;
    enum { LOGIN_ID, LOGIN_HASH, LOGIN_ROLES, LOGIN_LOCALE };
    struct db_res res;
    if (req_exec(r, &res,
                 "SELECT id, password_hash, roles, locale FROM users WHERE email_lower = ?", "s",
                 canon) < 0)
        goto out;
    /* On the hashing threads (server/pwhash.h); an unknown account is checked against a dummy
     * hash, so that it takes as long as a known one. */
    bool ok = false;
    rc = pwhash_verify(r->app->pwhash, password, res.nrows ? db_get(&res, 0, LOGIN_HASH) : NULL,
                       &ok);
    int64_t uid = ok ? db_get_i64(&res, 0, LOGIN_ID) : 0;
    unsigned roles = ok ? (unsigned)db_get_i64(&res, 0, LOGIN_ROLES) : 0;
    unsigned locale = ok ? users_locale_code(db_get(&res, 0, LOGIN_LOCALE)) : 0;
    db_res_clear(&res);
    if (rc) { /* busy: not a failed attempt, nothing counted */
        users_reply_hash_busy(r);
        goto out;
    }
    if (!ok) {
        rc = auth_limit_fail(r->w->rds, "login-ip", ipkey, cfg->login_window_s);
        if (rc == 0)
            rc = auth_limit_fail(r->w->rds, "login-account", canon, cfg->login_window_s);
        if (rc) { /* an uncounted failure would let guesses through: answer as for Redis down */
            reply_fail(r, rc);
            goto out;
        }
        reply_error(r, SD_ERR_UNAUTHENTICATED, "invalid_credentials", NULL,
                    "wrong email or password");
        goto out;
    }
    char token[AUTH_TOKEN_LEN + 1];
    int64_t expires, max_expires;
    rc = auth_session_create(r->w->rds, cfg, uid, roles, locale, token, &expires, &max_expires);
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    cJSON *user;
    rc = users_load_json(r->w->db, uid, &user);
    if (rc || !user) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "token", token);
    json_add_time(o, "expires_at", expires);
    json_add_time(o, "max_expires_at", max_expires);
    cJSON_AddNumberToObject(o, "idle_timeout_s", (double)auth_idle_s(cfg));
    cJSON_AddItemToObject(o, "user", user);
    reply_header(r, "Cache-Control", "no-store");
    reply_json(r, 200, o);
out:
    free(canon);
    cJSON_Delete(body);
}

void login_delete(struct req *r)
{
    int rc = auth_session_delete(r);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    reply_empty(r, 204);
}

void login_delete_all(struct req *r)
{
    int rc = auth_sessions_delete_all(r->w->rds, r->user.id);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    reply_empty(r, 204);
}
