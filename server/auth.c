#include "server/auth.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

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

/* Every authenticated request hashes its token: the digest is fetched once (SHA256() would
 * look it up on every call) and the hex written without printf. */
static EVP_MD *g_sha256;
static pthread_once_t g_sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); /* kept for the process's life */
}

void auth_sha256_hex(const char *s, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[SHA256_DIGEST_LENGTH];
    unsigned n = 0;
    pthread_once(&g_sha256_once, sha256_fetch);
    if (!g_sha256 || EVP_Digest(s, len, d, &n, g_sha256, NULL) != 1 || n != sizeof(d))
        SHA256((const unsigned char *)s, len, d);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * SHA256_DIGEST_LENGTH] = '\0';
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

/* ---- the token cache (auth.h) ---- */

#define ACACHE_SLOTS 4096 /* direct-mapped by the token's hash */
#define ACACHE_SHARDS 16
#define ACACHE_READ_MS 200

struct acache_entry {
    char hex[65]; /* "" when empty */
    struct auth_session s;
    int64_t until_us; /* monotonic */
};

struct auth_cache {
    const struct config *cfg;
    pthread_mutex_t mu[ACACHE_SHARDS];
    struct acache_entry *slots;
    atomic_uint_fast64_t seq; /* moved by every drop: a copy fetched across one is not kept */
    atomic_bool up;           /* the tracking connection is up */
    atomic_bool stop;
    pthread_t th;
    size_t key_skip; /* strlen(prefix "sess:") */
};

static struct auth_cache *g_acache; /* one server per process */

static size_t acache_slot(const char *hex)
{
    uint64_t h = 0;
    for (int i = 0; i < 15; i++) {
        char c = hex[i];
        h = h << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return (size_t)(h % ACACHE_SLOTS);
}

/* Drops the copy of session `hex` (NULL: every copy). */
static void acache_drop(struct auth_cache *c, const char *hex)
{
    if (!c)
        return;
    if (hex && strlen(hex) == 64) {
        size_t i = acache_slot(hex);
        pthread_mutex_lock(&c->mu[i % ACACHE_SHARDS]);
        atomic_fetch_add(&c->seq, 1);
        if (strcmp(c->slots[i].hex, hex) == 0)
            c->slots[i].hex[0] = '\0';
        pthread_mutex_unlock(&c->mu[i % ACACHE_SHARDS]);
        return;
    }
    for (size_t sh = 0; sh < ACACHE_SHARDS; sh++) {
        pthread_mutex_lock(&c->mu[sh]);
        atomic_fetch_add(&c->seq, 1);
        for (size_t i = sh; i < ACACHE_SLOTS; i += ACACHE_SHARDS)
            c->slots[i].hex[0] = '\0';
        pthread_mutex_unlock(&c->mu[sh]);
    }
}

static bool acache_get(struct auth_cache *c, const char *hex, struct auth_session *out)
{
    if (!c || !atomic_load(&c->up))
        return false;
    size_t i = acache_slot(hex);
    bool hit = false;
    pthread_mutex_lock(&c->mu[i % ACACHE_SHARDS]);
    const struct acache_entry *e = &c->slots[i];
    if (strcmp(e->hex, hex) == 0 && time_mono_us() < e->until_us) {
        *out = e->s;
        hit = true;
    }
    pthread_mutex_unlock(&c->mu[i % ACACHE_SHARDS]);
    return hit;
}

/* Keeps a copy fetched with the drop counter at `seq` and `ttl_ms` left in Redis. */
static void acache_put(struct auth_cache *c, uint64_t seq, const char *hex,
                       const struct auth_session *s, long long ttl_ms)
{
    if (!c || ttl_ms <= 0)
        return;
    long long ms = ttl_ms < c->cfg->auth_cache_ms ? ttl_ms : c->cfg->auth_cache_ms;
    size_t i = acache_slot(hex);
    pthread_mutex_lock(&c->mu[i % ACACHE_SHARDS]);
    if (atomic_load(&c->up) && atomic_load(&c->seq) == seq) {
        struct acache_entry *e = &c->slots[i];
        snprintf(e->hex, sizeof(e->hex), "%s", hex);
        e->s = *s;
        e->until_us = time_mono_us() + ms * 1000;
    }
    pthread_mutex_unlock(&c->mu[i % ACACHE_SHARDS]);
}

static void acache_on_key(void *arg, const char *key, size_t len)
{
    struct auth_cache *c = arg;
    if (!key) {
        acache_drop(c, NULL);
        return;
    }
    char hex[65];
    if (len != c->key_skip + 64) {
        acache_drop(c, NULL); /* not a session key of ours: be safe */
        return;
    }
    memcpy(hex, key + c->key_skip, 64);
    hex[64] = '\0';
    acache_drop(c, hex);
}

static void *acache_main(void *arg)
{
    struct auth_cache *c = arg;
    struct rds_sub *sub = NULL;
    int64_t next_connect = 0;
    while (!atomic_load(&c->stop)) {
        if (!sub) {
            int64_t now = time_mono_us();
            if (now >= next_connect) {
                next_connect = now + 1000000;
                sub = rds_track_open(c->cfg, "sess:");
                if (sub) {
                    acache_drop(c, NULL); /* what changed while away was not heard */
                    atomic_store(&c->up, true);
                }
            }
            if (!sub) {
                usleep(ACACHE_READ_MS * 1000);
                continue;
            }
        }
        if (rds_track_read(sub, ACACHE_READ_MS, acache_on_key, c) < 0) {
            atomic_store(&c->up, false);
            acache_drop(c, NULL);
            rds_sub_free(sub);
            sub = NULL;
        }
    }
    atomic_store(&c->up, false);
    rds_sub_free(sub);
    return NULL;
}

struct auth_cache *auth_cache_start(const struct config *cfg)
{
    if (cfg->auth_cache_ms <= 0)
        return NULL;
    struct auth_cache *c = xcalloc(1, sizeof(*c));
    c->cfg = cfg;
    c->slots = xcalloc(ACACHE_SLOTS, sizeof(*c->slots));
    c->key_skip = strlen(cfg->redis_prefix) + strlen("sess:");
    for (size_t i = 0; i < ACACHE_SHARDS; i++)
        pthread_mutex_init(&c->mu[i], NULL);
    if (pthread_create(&c->th, NULL, acache_main, c) != 0) {
        log_warn("auth: the token cache thread did not start: every request asks Redis");
        free(c->slots);
        free(c);
        return NULL;
    }
    g_acache = c;
    return c;
}

void auth_cache_stop(struct auth_cache *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, true);
    pthread_join(c->th, NULL);
    g_acache = NULL;
    for (size_t i = 0; i < ACACHE_SHARDS; i++)
        pthread_mutex_destroy(&c->mu[i]);
    free(c->slots);
    free(c);
}

/* The session value and its TTL in milliseconds, in one round trip. */
static const char get_ttl_lua[] =
    "local v = redis.call('GET', KEYS[1]) if not v then return false end "
    "return {v, redis.call('PTTL', KEYS[1])}";

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
    struct auth_session s;
    struct auth_cache *c = g_acache;
    int64_t now = time_now();
    if (acache_get(c, hex, &s) && !auth_extend_to(r->w->cfg, &s, now)) {
        r->user.id = s.user_id;
        r->user.roles = s.roles;
        r->user.locale = (unsigned char)s.locale;
        return 0;
    }
    rds_key(r->w->rds, key, sizeof(key), "sess:%s", hex);
    struct rds_reply rep;
    bool track = c && atomic_load(&c->up);
    uint64_t seq = track ? atomic_load(&c->seq) : 0;
    int rc = track ? rds_cmd(r->w->rds, &rep, "EVAL %s 1 %s", get_ttl_lua, key)
                   : rds_cmd(r->w->rds, &rep, "GET %s", key);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    const struct rds_reply *val = &rep;
    long long ttl_ms = 0;
    if (track && rep.type == RDS_ARRAY && rep.n == 2) {
        val = &rep.elem[0];
        ttl_ms = rep.elem[1].type == RDS_INTEGER ? rep.elem[1].integer : 0;
    }
    bool ok = val->type == RDS_STRING && auth_session_parse(val->str, &s);
    rds_reply_clear(&rep);
    if (ok && track)
        acache_put(c, seq, hex, &s, ttl_ms);
    if (!ok) {
        reply_error(r, SD_ERR_UNAUTHENTICATED, "invalid_token", NULL,
                    "the token is unknown or expired; log in again");
        return -1;
    }
    r->user.id = s.user_id;
    r->user.roles = s.roles;
    r->user.locale = (unsigned char)s.locale;
    /* Sliding expiry: written only once less than half of the idle window is left. */
    int64_t to = auth_extend_to(r->w->cfg, &s, now);
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

bool auth_cached(struct req *r)
{
    const char *t = bearer(r);
    struct auth_cache *c = g_acache;
    if (!c || !t || !token_shape_ok(t))
        return false;
    char hex[65];
    auth_sha256_hex(t, strlen(t), hex);
    struct auth_session s;
    if (!acache_get(c, hex, &s) || auth_extend_to(r->w ? r->w->cfg : c->cfg, &s, time_now()))
        return false;
    r->user.id = s.user_id;
    r->user.roles = s.roles;
    r->user.locale = (unsigned char)s.locale;
    return true;
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
    acache_drop(g_acache, hex); /* this instance refuses it at once, whatever Redis said */
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
        acache_drop(g_acache, rep.elem[i].str);
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
        acache_drop(g_acache, rep.elem[i].str);
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
