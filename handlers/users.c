#include "handlers/users.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "handlers/invitations.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/log.h"
#include "server/pwhash.h"
#include "server/reqdb.h"

static const char *const signup_roles[] = {"attendee", "enterprise", NULL};

void users_reply_hash_busy(struct req *r)
{
    reply_error(r, SD_ERR_UNAVAILABLE, "overloaded", NULL,
                "too many passwords are being checked right now; retry in a moment");
}

cJSON *users_roles_json(unsigned roles)
{
    cJSON *a = cJSON_CreateArray();
    for (unsigned b = 1; b <= ROLE_ADMIN; b <<= 1)
        if (roles & b)
            cJSON_AddItemToArray(a, cJSON_CreateString(auth_role_name(b)));
    return a;
}

/* Byte length of the white-space character that starts at p (ASCII blanks and the Unicode
 * spaces a phone keyboard or a copy from a web page brings along), or 0. */
static size_t space_at(const unsigned char *p, const unsigned char *e)
{
    size_t n = (size_t)(e - p);
    if (n >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\r' || p[0] == '\n'))
        return 1;
    if (n >= 2 && p[0] == 0xc2 && p[1] == 0xa0) /* U+00A0 no-break space */
        return 2;
    if (n < 3)
        return 0;
    if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) /* U+3000 ideographic space */
        return 3;
    if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) /* U+FEFF byte-order mark */
        return 3;
    if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) /* U+1680 */
        return 3;
    if (p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] <= 0x8b || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf)) /* U+2000..200B, … */
        return 3;
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) /* U+205F */
        return 3;
    return 0;
}

/* Byte length of the white-space character that ends just before e, or 0. */
static size_t space_before(const unsigned char *s, const unsigned char *e)
{
    for (size_t k = 1; k <= 3 && k <= (size_t)(e - s); k++)
        if (space_at(e - k, e) == k)
            return k;
    return 0;
}

char *users_email_canonical(const char *email, char **trimmed)
{
    const unsigned char *s = (const unsigned char *)email, *e = s + strlen(email);
    for (size_t k; s < e && (k = space_at(s, e)) > 0;)
        s += k;
    for (size_t k; e > s && (k = space_before(s, e)) > 0;)
        e -= k;
    size_t n = (size_t)(e - s);
    if (n < 3 || n > USERS_EMAIL_MAX_BYTES || utf8_chars((const char *)s, n, false) < 0)
        return NULL;
    const unsigned char *at = memchr(s, '@', n);
    if (!at || at == s || memchr(at + 1, '@', (size_t)(e - at - 1)) ||
        !memchr(at + 1, '.', (size_t)(e - at - 1)) || at[1] == '.' || e[-1] == '.')
        return NULL;
    char *out = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"' ||
            space_at(s + i, e)) {
            free(out);
            return NULL;
        }
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[n] = '\0';
    if (trimmed)
        *trimmed = xstrndup((const char *)s, n);
    return out;
}

enum {
    USER_ID,
    USER_EMAIL,
    USER_NAME,
    USER_ROLES,
    USER_CREATED,
    USER_LOCALE,
    USER_CONTACT_EMAIL,
    USER_CONTACT_PHONE,
    USER_CONTACT_WECHAT
};
#define USER_SELECT                                                                                \
    "SELECT id, email, display_name, roles, created_at, locale, contact_email, contact_phone,"     \
    " contact_wechat FROM users WHERE id = ?"

const char *const users_locales[] = {"zh", "en", NULL};

unsigned users_locale_code(const char *locale)
{
    int i = locale ? json_enum_index(users_locales, locale) : -1;
    return i < 0 ? 0 : 1u + (unsigned)i;
}

int users_email_field(struct req *r, const char *email, char **canon, char **shown)
{
    *canon = users_email_canonical(email, shown);
    if (*canon)
        return 0;
    reply_error(r, SD_ERR_INVALID, "validation_failed", "email",
                "email must look like name@example.com (at most %d bytes)", USERS_EMAIL_MAX_BYTES);
    return -1;
}

static void add_text_or_null(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

/* The user row as its owner sees it (own: locale and contact details too) or as an admin does. */
static cJSON *user_row_json(const struct db_res *res, size_t row, bool own)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "id", (double)db_get_i64(res, row, USER_ID));
    cJSON_AddStringToObject(u, "email", db_get(res, row, USER_EMAIL));
    cJSON_AddStringToObject(u, "display_name", db_get(res, row, USER_NAME));
    cJSON_AddItemToObject(u, "roles", users_roles_json((unsigned)db_get_i64(res, row, USER_ROLES)));
    json_add_time(u, "created_at", db_get_time(res, row, USER_CREATED));
    if (own) {
        unsigned loc = users_locale_code(db_get(res, row, USER_LOCALE));
        add_text_or_null(u, "locale", loc ? users_locales[loc - 1] : NULL);
        add_text_or_null(u, "contact_email", db_get(res, row, USER_CONTACT_EMAIL));
        add_text_or_null(u, "contact_phone", db_get(res, row, USER_CONTACT_PHONE));
        add_text_or_null(u, "contact_wechat", db_get(res, row, USER_CONTACT_WECHAT));
    }
    return u;
}

int users_load_json(struct db *db, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res, USER_SELECT, "i", id);
    if (rc)
        return rc;
    if (res.nrows)
        *out = user_row_json(&res, 0, true);
    db_res_clear(&res);
    return 0;
}

void users_create(struct req *r)
{
    cJSON *body = json_body(r);
    if (!body)
        return;
    const char *email, *password, *name;
    int role = 0, locale = -1;
    if (json_text(r, body, "email", true, LIMIT_EMAIL, &email) < 0 ||
        json_text(r, body, "password", true, LIMIT_PASSWORD, &password) < 0 ||
        json_text(r, body, "display_name", true, LIMIT_DISPLAY_NAME, &name) < 0 ||
        json_enum(r, body, "role", false, signup_roles, &role) < 0 ||
        json_enum(r, body, "locale", false, users_locales, &locale) < 0)
        goto out;
    char *shown = NULL, *canon = NULL;
    if (users_email_field(r, email, &canon, &shown) < 0)
        goto out;
    char hash[AUTH_HASH_MAX];
    int rc = pwhash_make(r->app->pwhash, password, hash, sizeof(hash));
    if (rc == SD_ERR_UNAVAILABLE) {
        free(canon);
        free(shown);
        users_reply_hash_busy(r);
        goto out;
    }
    unsigned roles = role == 1 ? ROLE_ENTERPRISE : ROLE_ATTENDEE;
    struct db_res res;
    if (rc == 0)
        rc = db_exec(r->w->db, &res,
                     "INSERT INTO users (email, email_lower, password_hash, display_name, roles,"
                     " locale, created_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                     "ssssis", shown, canon, hash, name, (int64_t)roles,
                     locale >= 0 ? users_locales[locale] : NULL);
    free(canon);
    free(shown);
    if (rc == SD_ERR_DUPLICATE) {
        reply_error(r, SD_ERR_CONFLICT, "email_taken", "email",
                    "an account with this email exists");
        goto out;
    }
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    int64_t id = (int64_t)res.insert_id;
    db_res_clear(&res);
    if (req_exec(r, &res, USER_SELECT, "i", id) < 0)
        goto out;
    cJSON *u = res.nrows ? user_row_json(&res, 0, true) : NULL;
    db_res_clear(&res);
    /* No Location: there is no GET /api/v1/users/{id}; the new account reads itself at /me. */
    if (u)
        reply_json(r, 201, u);
    else
        reply_fail(r, SD_ERR_INTERNAL); /* users are never deleted */
out:
    cJSON_Delete(body);
}

enum { MY_ORG_ID, MY_ORG_NAME, MY_ORG_TIER, MY_ORG_ROLE };
#define MY_ORGS_SELECT                                                                             \
    "SELECT o.id, o.name, o.tier, m.member_role FROM org_members m"                                \
    " JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.id"

/* Replies 200 with the caller's own view (GET /me, PATCH /me). */
static void reply_me(struct req *r)
{
    struct db_res res;
    if (req_exec(r, &res, USER_SELECT, "i", r->user.id) < 0)
        return;
    cJSON *u = res.nrows ? user_row_json(&res, 0, true) : NULL;
    db_res_clear(&res);
    if (!u) {
        reply_error(r, SD_ERR_UNAUTHENTICATED, "invalid_token", NULL, "the account is gone");
        return;
    }
    cJSON *inv = NULL;
    if (req_exec(r, &res, MY_ORGS_SELECT, "i", r->user.id) < 0)
        goto fail;
    cJSON *orgs = cJSON_AddArrayToObject(u, "organizations");
    for (size_t i = 0; i < res.nrows; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)db_get_i64(&res, i, MY_ORG_ID));
        cJSON_AddStringToObject(o, "name", db_get(&res, i, MY_ORG_NAME));
        cJSON_AddStringToObject(o, "tier", db_get(&res, i, MY_ORG_TIER));
        cJSON_AddStringToObject(o, "member_role", db_get(&res, i, MY_ORG_ROLE));
        cJSON_AddItemToArray(orgs, o);
    }
    db_res_clear(&res);
    /* Invitations are shown apart: they make nobody a member until accepted. */
    int rc = invitations_pending_json(r->w->db, r->user.id, &inv);
    if (rc) {
        reply_fail(r, rc);
        goto fail;
    }
    cJSON_AddItemToObject(u, "invitations", inv);
    reply_json(r, 200, u);
    return;
fail:
    cJSON_Delete(u);
}

void users_me(struct req *r)
{
    reply_me(r);
}

bool users_phone_ok(const char *s)
{
    /* An optional leading '+', then digits with spaces, '-' or parentheses between them. */
    int digits = 0;
    if (*s == '+')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s != ' ' && *s != '-' && *s != '(' && *s != ')')
            return false;
    }
    return digits >= 5 && digits <= 20;
}

bool users_wechat_ok(const char *s)
{
    /* WeChat's own rule for an ID: 6 to 20 letters, digits, '_' or '-', starting with a letter. */
    size_t n = strlen(s);
    if (n < 6 || n > 20 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* One field of PATCH /me: absent (set false), null (set, value NULL) or text within `lim`.
 * 0, or -1 after replying 400 naming it. */
static int me_field(struct req *r, const cJSON *body, const char *field, bool nullable,
                    const struct text_limit *lim, bool *set, const char **value)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, field);
    *set = v != NULL;
    *value = NULL;
    if (!v)
        return 0;
    if (cJSON_IsNull(v)) {
        if (nullable)
            return 0;
        reply_error(r, SD_ERR_INVALID, "validation_failed", field, "%s cannot be null", field);
        return -1;
    }
    return json_text(r, body, field, true, lim, value) < 0 ? -1 : 0;
}

void users_update_me(struct req *r)
{
    static const char *const fields[] = {"display_name",  "locale",         "contact_email",
                                         "contact_phone", "contact_wechat", NULL};
    cJSON *body = json_body(r);
    if (!body)
        return;
    char *canon = NULL, *email = NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, body)
    {
        if (json_enum_index(fields, it->string) < 0) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", it->string,
                        "unknown field %s (docs/openapi.yaml lists the fields of this request)",
                        it->string);
            goto out;
        }
    }
    bool s_name, s_loc, s_mail, s_phone, s_wechat;
    const char *name, *loc, *mail, *phone, *wechat;
    if (me_field(r, body, "display_name", false, LIMIT_DISPLAY_NAME, &s_name, &name) < 0 ||
        me_field(r, body, "locale", true, LIMIT_TEXT(0, 8, 8, false), &s_loc, &loc) < 0 ||
        me_field(r, body, "contact_email", true, LIMIT_CONTACT_EMAIL, &s_mail, &mail) < 0 ||
        me_field(r, body, "contact_phone", true, LIMIT_CONTACT_PHONE, &s_phone, &phone) < 0 ||
        me_field(r, body, "contact_wechat", true, LIMIT_CONTACT_WECHAT, &s_wechat, &wechat) < 0)
        goto out;
    if (loc && json_enum_index(users_locales, loc) < 0) {
        json_enum_reply(r, "locale", users_locales);
        goto out;
    }
    if (mail) {
        canon = users_email_canonical(mail, &email);
        if (!canon) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "contact_email",
                        "contact_email must look like name@example.com");
            goto out;
        }
    }
    if (phone && !users_phone_ok(phone)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "contact_phone",
                    "contact_phone must be 5 to 20 digits, optionally with a leading + and "
                    "spaces, - or parentheses between them");
        goto out;
    }
    if (wechat && !users_wechat_ok(wechat)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "contact_wechat",
                    "contact_wechat must be a WeChat ID: 6 to 20 letters, digits, _ or -, "
                    "starting with a letter");
        goto out;
    }
    struct db_res res;
    if (req_exec(r, &res,
                 "UPDATE users SET display_name = IF(?, ?, display_name), locale = IF(?, ?, locale),"
                 " contact_email = IF(?, ?, contact_email), contact_phone = IF(?, ?, contact_phone),"
                 " contact_wechat = IF(?, ?, contact_wechat) WHERE id = ?",
                 "isisisisisi", (int64_t)s_name, name, (int64_t)s_loc, loc, (int64_t)s_mail, email,
                 (int64_t)s_phone, phone, (int64_t)s_wechat, wechat, r->user.id) < 0)
        goto out;
    db_res_clear(&res);
    if (s_loc) {
        /* Sessions carry the locale (server/auth.h): the caller's language changes at once. */
        unsigned code = users_locale_code(loc);
        int rc = auth_sessions_set_locale(r->w->rds, r->user.id, code);
        if (rc)
            rlog_warn(r->id, "locale changed but live sessions not updated (redis %d)", rc);
        r->user.locale = (unsigned char)code;
    }
    reply_me(r);
out:
    free(canon);
    free(email);
    cJSON_Delete(body);
}

void users_grant_role(struct req *r)
{
    static const char *const grantable[] = {"attendee", "enterprise", "organizer", "admin", NULL};
    int64_t id;
    if (req_param_id(r, 0, &id) < 0 || auth_require(r, ROLE_ADMIN) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    int role;
    if (json_enum(r, body, "role", true, grantable, &role) < 0) {
        cJSON_Delete(body);
        return;
    }
    cJSON_Delete(body);
    unsigned bit = 1u << role;
    struct db_res res;
    if (req_exec(r, &res, "UPDATE users SET roles = roles | ? WHERE id = ?", "ii", (int64_t)bit,
                 id) < 0)
        return;
    db_res_clear(&res);
    if (req_exec(r, &res, USER_SELECT, "i", id) < 0)
        return;
    cJSON *u = res.nrows ? user_row_json(&res, 0, false) : NULL;
    db_res_clear(&res);
    if (!u) {
        reply_error(r, SD_ERR_NOT_FOUND, "user_not_found", NULL, "no user %lld", (long long)id);
        return;
    }
    /* Sessions carry the roles: rewrite the user's live sessions so the grant applies now. */
    unsigned roles = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(u, "roles")) roles |= auth_role_bit(e->valuestring);
    int rc = auth_sessions_set_roles(r->w->rds, r->w->cfg, id, roles);
    if (rc)
        rlog_warn(r->id, "role granted but live sessions not updated (redis %d)", rc);
    char subject[64];
    snprintf(subject, sizeof(subject), "user %lld", (long long)id);
    if (audit_record(r->w->db, r, 0, "role_grant", subject, grantable[role]) != 0)
        rlog_warn(r->id, "role grant not recorded in the audit log");
    reply_json(r, 200, u);
}

int users_ensure_admin(struct db *db, const struct config *cfg)
{
    if (!cfg->admin_email[0])
        return 0;
    char *shown = NULL;
    char *lower = users_email_canonical(cfg->admin_email, &shown);
    if (!lower) {
        log_error("admin_email '%s' is not an email address", cfg->admin_email);
        return SD_ERR_INVALID;
    }
    struct db_res res;
    int rc = db_exec(db, &res, "SELECT id FROM users WHERE email_lower = ?", "s", lower);
    if (rc) {
        free(lower);
        free(shown);
        return rc;
    }
    bool exists = res.nrows > 0;
    int64_t id = exists ? db_get_i64(&res, 0, 0) : 0; /* the only column */
    db_res_clear(&res);
    if (exists) {
        free(lower);
        free(shown);
        return db_exec(db, NULL, "UPDATE users SET roles = roles | ? WHERE id = ?", "ii",
                       (int64_t)ROLE_ADMIN, id);
    }
    char hash[AUTH_HASH_MAX];
    rc = auth_password_hash(cfg, cfg->admin_password, hash, sizeof(hash));
    if (rc == 0)
        rc = db_exec(db, NULL,
                     "INSERT INTO users (email, email_lower, password_hash, display_name, roles,"
                     " created_at) VALUES (?, ?, ?, 'Administrator', ?, UTC_TIMESTAMP())",
                     "sssi", shown, lower, hash, (int64_t)(ROLE_ADMIN | ROLE_ORGANIZER));
    free(lower);
    free(shown);
    if (rc == SD_ERR_DUPLICATE) /* another instance created it at the same moment */
        rc = 0;
    if (rc == 0)
        log_info("admin account %s is ready", cfg->admin_email);
    return rc;
}
