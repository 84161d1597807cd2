#include "server/auth.h"

#include <crypt.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "server/app.h"
#include "server/config.h"
#include "server/err.h"
#include "server/http.h"
#include "server/log.h"
#include "server/query.h"
#include "server/rds.h"
#include "server/timeutil.h"

int auth_password_hash(const struct config *cfg, const char *password, char *out, size_t outlen)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (!crypt_gensalt_rn("$y$", (unsigned long)cfg->password_cost, NULL, 0, salt, sizeof(salt))) {
        log_error("crypt_gensalt_rn failed");
        return SD_ERR_INTERNAL;
    }
    struct crypt_data *cd = xcalloc(1, sizeof(*cd));
    const char *h = crypt_r(password, salt, cd);
    int rc = 0;
    if (!h || h[0] == '*' || strlen(h) >= outlen) {
        log_error("crypt_r failed");
        rc = SD_ERR_INTERNAL;
    } else {
        strcpy(out, h);
    }
    free(cd);
    return rc;
}

bool auth_password_verify(const char *password, const char *hash)
{
    struct crypt_data *cd = xcalloc(1, sizeof(*cd));
    const char *h = crypt_r(password, hash, cd);
    bool ok = false;
    if (h && h[0] != '*') {
        size_t n = strlen(hash);
        /* Constant-time comparison of equal-length strings. */
        if (strlen(h) == n) {
            unsigned char d = 0;
            for (size_t i = 0; i < n; i++)
                d |= (unsigned char)(h[i] ^ hash[i]);
            ok = d == 0;
        }
    }
    free(cd);
    return ok;
}

void auth_base64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
    }
    out[o] = '\0';
}

void auth_token_new(char *out)
{
    unsigned char raw[32];
    size_t got = 0;
    while (got < sizeof(raw)) {
        ssize_t k = getrandom(raw + got, sizeof(raw) - got, 0);
        SD_ASSERT(k > 0); /* the kernel's CSPRNG does not fail once seeded */
        got += (size_t)k;
    }
    auth_base64url(raw, sizeof(raw), out);
}

void auth_sha256_hex(const char *s, size_t len, char *out)
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, len, d);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static const char *const role_names[] = {"attendee", "enterprise", "organizer", "admin"};

unsigned auth_role_bit(const char *name)
{
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *auth_role_name(unsigned bit)
{
    for (unsigned i = 0; i < 4; i++)
        if (bit == (1u << i))
            return role_names[i];
    return "?";
}

/* A session is the string "<user id> <role bits> <locale> <max expiry> <idle expiry>" (locale
 * "-", "zh" or "en"; expiries in unix seconds) under a TTL that ends at <idle expiry>. Sessions
 * written before sliding expiry hold only "<user id> <role bits>": they keep working until their
 * TTL ends and are never extended. */
#define SESS_LOCALE_FIELD 3

static const char *locale_word(unsigned locale)
{
    return locale == 1 + LANG_ZH ? "zh" : locale == 1 + LANG_EN ? "en" : "-";
}

/* Rewrites field ARGV[1] (1-based) of a live session to ARGV[2], keeping its TTL (or setting
 * ARGV[3] seconds): atomic, so that a role change, a locale change and an extension never
 * undo each other. 1 when the session was live, 0 when it was gone. */
static const char set_field_lua[] =
    "local v = redis.call('GET', KEYS[1]) if not v then return 0 end "
    "local f = {} for w in string.gmatch(v, '%S+') do f[#f + 1] = w end "
    "local i = tonumber(ARGV[1]) if i > #f + 1 then return 1 end "
    "f[i] = ARGV[2] "
    "if ARGV[3] then redis.call('SET', KEYS[1], table.concat(f, ' '), 'EX', ARGV[3]) "
    "else redis.call('SET', KEYS[1], table.concat(f, ' '), 'KEEPTTL') end return 1";

int64_t auth_idle_s(const struct config *cfg)
{
    return cfg->token_ttl_s < cfg->token_max_age_s ? cfg->token_ttl_s : cfg->token_max_age_s;
}

int auth_session_create(struct rds *rds, const struct config *cfg, int64_t user_id, unsigned roles,
                        unsigned locale, char *token_out, int64_t *expires_at,
                        int64_t *max_expires_at)
{
    char hex[65], key[160], ukey[160], val[128], ttl[16], uttl[16];
    int64_t now = time_now(), idle = auth_idle_s(cfg);
    int64_t max = now + cfg->token_max_age_s, exp = now + idle;
    auth_token_new(token_out);
    auth_sha256_hex(token_out, strlen(token_out), hex);
    rds_key(rds, key, sizeof(key), "sess:%s", hex);
    rds_key(rds, ukey, sizeof(ukey), "usess:%lld", (long long)user_id);
    snprintf(val, sizeof(val), "%lld %u %s %lld %lld", (long long)user_id, roles,
             locale_word(locale), (long long)max, (long long)exp);
    snprintf(ttl, sizeof(ttl), "%lld", (long long)idle);
    /* The index outlives every session in it: none lives past its login + token_max_age_s. */
    snprintf(uttl, sizeof(uttl), "%d", cfg->token_max_age_s);
    int rc = rds_cmd(rds, NULL, "SET %s %s EX %s", key, val, ttl);
    if (rc == 0)
        rc = rds_cmd(rds, NULL, "SADD %s %s", ukey, hex);
    if (rc == 0)
        rc = rds_cmd(rds, NULL, "EXPIRE %s %s", ukey, uttl);
    *expires_at = exp;
    *max_expires_at = max;
    return rc;
}

static const char *bearer(const struct req *r)
{
    const char *h = req_header(r, "Authorization");
    if (!h)
        return NULL;
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return "";
    h += 7;
    while (*h == ' ')
        h++;
    return h;
}

static bool token_shape_ok(const char *t)
{
    size_t n = strlen(t);
    if (n != AUTH_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

bool auth_session_parse(const char *v, struct auth_session *s)
{
    long long uid = 0, max = 0, exp = 0;
    unsigned roles = 0;
    char loc[8] = "";
    int n = sscanf(v, "%lld %u %7s %lld %lld", &uid, &roles, loc, &max, &exp);
    if (n < 2 || uid <= 0)
        return false;
    s->user_id = uid;
    s->roles = roles;
    s->locale = strcmp(loc, "zh") == 0 ? 1 + LANG_ZH : strcmp(loc, "en") == 0 ? 1 + LANG_EN : 0;
    s->max_expires_at = n == 5 ? max : 0;
    s->expires_at = n == 5 ? exp : 0;
    return true;
}

int64_t auth_extend_to(const struct config *cfg, const struct auth_session *s, int64_t now)
{
    int64_t idle = auth_idle_s(cfg);
    if (!s->max_expires_at || s->expires_at - now >= idle / 2)
        return 0; /* an old session, or more than half of the idle window left: no write */
    int64_t to = now + idle < s->max_expires_at ? now + idle : s->max_expires_at;
    return to > s->expires_at && to > now ? to : 0;
}

int auth_authenticate(struct req *r, bool required)
{
    const char *t = bearer(r);
    if (!t) {
        if (!required)
            return 0;
        reply_error(r, SD_ERR_UNAUTHENTICATED, NULL, NULL, "a Bearer token is required");
        return -1;
    }
    if (!token_shape_ok(t)) {
        reply_error(r, SD_ERR_UNAUTHENTICATED, "invalid_token", NULL, "malformed token");
        return -1;
    }
    char hex[65], key[160];
    auth_sha256_hex(t, strlen(t), hex);
    rds_key(r->w->rds, key, sizeof(key), "sess:%s", hex);
    struct rds_reply rep;
    int rc = rds_cmd(r->w->rds, &rep, "GET %s", key);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    struct auth_session s;
    bool ok = rep.type == RDS_STRING && auth_session_parse(rep.str, &s);
    rds_reply_clear(&rep);
    if (!ok) {
        reply_error(r, SD_ERR_UNAUTHENTICATED, "invalid_token", NULL,
                    "the token is unknown or expired; log in again");
        return -1;
    }
    r->user.id = s.user_id;
    r->user.roles = s.roles;
    r->user.locale = (unsigned char)s.locale;
    /* Sliding expiry: written only once less than half of the idle window is left. */
    int64_t now = time_now(), to = auth_extend_to(r->w->cfg, &s, now);
    if (to) {
        char idx[8], exp[24], ttl[24];
        snprintf(idx, sizeof(idx), "%d", 5);
        snprintf(exp, sizeof(exp), "%lld", (long long)to);
        snprintf(ttl, sizeof(ttl), "%lld", (long long)(to - now));
        /* A Redis error costs the extension, not the request: the session is still valid. */
        if (rds_cmd(r->w->rds, NULL, "EVAL %s 1 %s %s %s %s", set_field_lua, key, idx, exp, ttl))
            rlog_warn(r->id, "session not extended (redis)");
    }
    return 0;
}

int auth_session_delete(struct req *r)
{
    const char *t = bearer(r);
    if (!t || !*t)
        return 0;
    char hex[65], key[160], ukey[160];
    auth_sha256_hex(t, strlen(t), hex);
    rds_key(r->w->rds, key, sizeof(key), "sess:%s", hex);
    rds_key(r->w->rds, ukey, sizeof(ukey), "usess:%lld", (long long)r->user.id);
    int rc = rds_cmd(r->w->rds, NULL, "DEL %s", key);
    if (rc == 0)
        rc = rds_cmd(r->w->rds, NULL, "SREM %s %s", ukey, hex);
    return rc;
}

int auth_sessions_delete_all(struct rds *rds, int64_t user_id)
{
    char ukey[160], key[160];
    rds_key(rds, ukey, sizeof(ukey), "usess:%lld", (long long)user_id);
    struct rds_reply rep;
    int rc = rds_cmd(rds, &rep, "SMEMBERS %s", ukey);
    if (rc)
        return rc;
    for (size_t i = 0; rc == 0 && rep.type == RDS_ARRAY && i < rep.n; i++) {
        if (rep.elem[i].type != RDS_STRING)
            continue;
        rds_key(rds, key, sizeof(key), "sess:%s", rep.elem[i].str);
        rc = rds_cmd(rds, NULL, "DEL %s", key);
        if (rc == 0)
            rc = rds_cmd(rds, NULL, "SREM %s %s", ukey, rep.elem[i].str);
    }
    rds_reply_clear(&rep);
    return rc;
}

/* Sets field `idx` of every live session of a user to `value`, dropping dead ones from the
 * index. */
static int sessions_set_field(struct rds *rds, int64_t user_id, int idx, const char *value)
{
    char ukey[160], key[160], fi[8];
    snprintf(fi, sizeof(fi), "%d", idx);
    rds_key(rds, ukey, sizeof(ukey), "usess:%lld", (long long)user_id);
    struct rds_reply rep;
    int rc = rds_cmd(rds, &rep, "SMEMBERS %s", ukey);
    if (rc)
        return rc;
    for (size_t i = 0; rc == 0 && rep.type == RDS_ARRAY && i < rep.n; i++) {
        if (rep.elem[i].type != RDS_STRING)
            continue;
        rds_key(rds, key, sizeof(key), "sess:%s", rep.elem[i].str);
        struct rds_reply x;
        rc = rds_cmd(rds, &x, "EVAL %s 1 %s %s %s", set_field_lua, key, fi, value);
        if (rc == 0 && x.type == RDS_INTEGER && x.integer == 0)
            rc = rds_cmd(rds, NULL, "SREM %s %s", ukey, rep.elem[i].str);
        rds_reply_clear(&x);
    }
    rds_reply_clear(&rep);
    return rc;
}

int auth_sessions_set_roles(struct rds *rds, const struct config *cfg, int64_t user_id,
                            unsigned roles)
{
    (void)cfg;
    char val[16];
    snprintf(val, sizeof(val), "%u", roles);
    return sessions_set_field(rds, user_id, 2, val);
}

int auth_sessions_set_locale(struct rds *rds, int64_t user_id, unsigned locale)
{
    return sessions_set_field(rds, user_id, SESS_LOCALE_FIELD, locale_word(locale));
}

int auth_require(struct req *r, unsigned roles)
{
    if (r->user.roles & roles)
        return 0;
    reply_error(r, SD_ERR_FORBIDDEN, NULL, NULL, "your role may not do this");
    return -1;
}

static void limit_key(struct rds *rds, const char *what, const char *key, char *k, size_t klen)
{
    char hex[65];
    auth_sha256_hex(key, strlen(key), hex);
    rds_key(rds, k, klen, "rl:%s:%s", what, hex);
}

int auth_limit_check(struct rds *rds, const char *what, const char *key, int limit, int window_s,
                     int *retry_after)
{
    char k[256], win[16];
    limit_key(rds, what, key, k, sizeof(k));
    struct rds_reply rep;
    int rc = rds_cmd(rds, &rep, "GET %s", k);
    if (rc)
        return rc;
    long long n = rep.type == RDS_STRING ? strtoll(rep.str, NULL, 10) : 0;
    rds_reply_clear(&rep);
    if (n < limit)
        return 0;
    rc = rds_cmd(rds, &rep, "TTL %s", k);
    if (rc)
        return rc;
    long long ttl = rep.integer;
    rds_reply_clear(&rep);
    if (ttl < 0) { /* a counter without expiry (crash between INCR and EXPIRE): repair it */
        snprintf(win, sizeof(win), "%d", window_s);
        if (rds_cmd(rds, NULL, "EXPIRE %s %s", k, win) != 0)
            return SD_ERR_UNAVAILABLE;
        ttl = window_s;
    }
    *retry_after = ttl > 0 ? (int)ttl : 1;
    return SD_ERR_RATE_LIMITED;
}

int auth_limit_fail(struct rds *rds, const char *what, const char *key, int window_s)
{
    char k[256], win[16];
    limit_key(rds, what, key, k, sizeof(k));
    snprintf(win, sizeof(win), "%d", window_s);
    struct rds_reply rep;
    int rc = rds_cmd(rds, &rep, "INCR %s", k);
    if (rc)
        return rc;
    long long n = rep.integer;
    rds_reply_clear(&rep);
    return n == 1 ? rds_cmd(rds, NULL, "EXPIRE %s %s", k, win) : 0;
}
