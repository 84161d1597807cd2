#ifndef SUMMITD_SERVER_AUTH_H
#define SUMMITD_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

/* Passwords (yescrypt through libxcrypt), login tokens and their Redis sessions, rate limits.
 * A token is 32 bytes from getrandom(2) in base64url (43 characters); Redis stores only its
 * SHA-256 (OpenSSL) as the key `<prefix>sess:<hex>` → "<user id> <role bits> <locale> <max expiry>
 * <expiry>" with a TTL, and
 * the set `<prefix>usess:<user id>` of a user's session hashes (role and locale changes,
 * logout-all). */

struct req;
struct rds;
struct config;

#define AUTH_HASH_MAX 128
#define AUTH_TOKEN_LEN 43

/* Returns 0 and the crypt string in out, or SD_ERR_INTERNAL. */
int auth_password_hash(const struct config *cfg, const char *password, char *out,
                       size_t outlen) SD_MUST_CHECK;
bool auth_password_verify(const char *password, const char *hash);

/* 32 random bytes as base64url into out (AUTH_TOKEN_LEN + 1 bytes). */
void auth_token_new(char *out);
/* Lower-case hex SHA-256 of s into out (65 bytes). */
void auth_sha256_hex(const char *s, size_t len, char *out);
/* base64url without padding; out needs 4 * ceil(n / 3) + 1 bytes. */
void auth_base64url(const unsigned char *in, size_t n, char *out);

/* Sessions slide: each authenticated use moves the expiry to now + token_ttl_s (the idle
 * window), never past login + token_max_age_s (the absolute cap); Redis is written only when
 * less than half of the idle window is left. */
struct auth_session {
    int64_t user_id;
    unsigned roles;
    unsigned locale;        /* 0: none chosen, else 1 + enum lang (server/query.h) */
    int64_t max_expires_at; /* 0 for a session written before sliding expiry */
    int64_t expires_at;     /* when its TTL ends (0 as above) */
};
/* Parses a session record; false when it is not one. */
bool auth_session_parse(const char *value, struct auth_session *s);
/* The idle window: token_ttl_s, at most token_max_age_s. */
int64_t auth_idle_s(const struct config *cfg);
/* The new expiry of a session used at `now`, or 0 when it is not to be written (more than half
 * of the idle window left, the cap reached, or an old session). */
int64_t auth_extend_to(const struct config *cfg, const struct auth_session *s, int64_t now);

/* Creates a session for the user (locale as in struct auth_session); writes the token, its
 * expiry and the absolute cap. 0 or SD_ERR_*. */
int auth_session_create(struct rds *rds, const struct config *cfg, int64_t user_id, unsigned roles,
                        unsigned locale, char *token_out, int64_t *expires_at,
                        int64_t *max_expires_at) SD_MUST_CHECK;
/* Deletes the caller's session (the bearer token of r). */
int auth_session_delete(struct req *r) SD_MUST_CHECK;
/* Deletes every session of a user (POST /auth/logout-all). */
int auth_sessions_delete_all(struct rds *rds, int64_t user_id) SD_MUST_CHECK;
/* Rewrites the roles of every live session of a user. */
int auth_sessions_set_roles(struct rds *rds, const struct config *cfg, int64_t user_id,
                            unsigned roles) SD_MUST_CHECK;
/* Rewrites the locale (as in struct auth_session) of every live session of a user. */
int auth_sessions_set_locale(struct rds *rds, int64_t user_id, unsigned locale) SD_MUST_CHECK;

/* The token cache: an instance answers a token it checked less than auth_cache_ms ago from
 * memory (never past the session's TTL in Redis). It is only used while a dedicated Redis
 * connection with CLIENT TRACKING (broadcast mode, prefix `<prefix>sess:`) is up: Redis reports
 * every change of a session key (logout, logout-all, role or locale change, extension, EXPIRE,
 * expiry, FLUSH) to every instance, which drops its copy; this instance's own changes drop it
 * at once. A copy fetched while a report arrived is not kept. When the connection breaks the
 * cache is emptied and not used until it is back. So a revoked token is refused everywhere
 * within the report's latency, and in any case (a report lost on a silently dead connection)
 * within auth_cache_ms. auth_cache_start runs the thread that reads the reports (NULL when
 * auth_cache_ms is 0). */
struct auth_cache;
struct auth_cache *auth_cache_start(const struct config *cfg);
void auth_cache_stop(struct auth_cache *c);

/* Fills r->user from the Bearer token. A present but unknown/expired/malformed token → 401; no
 * token with `required` → 401; Redis down → 503. Returns 0, or -1 after replying. */
int auth_authenticate(struct req *r, bool required);

/* Fills r->user from the token cache alone (no Redis): true when the token is cached and needs
 * no extension; false when only auth_authenticate can say (nothing replied). */
bool auth_cached(struct req *r);

/* Requires one of `roles` (bits); replies 403 and returns -1 otherwise. */
int auth_require(struct req *r, unsigned roles);

/* Login limits count failed attempts only, in a fixed window (window_s from the first failure)
 * under `<prefix>rl:<what>:<sha256 of key>`, so that successes never use up a budget.
 * auth_limit_check: 0 while fewer than `limit` failures are counted; SD_ERR_RATE_LIMITED with
 * *retry_after (seconds until the window ends); or SD_ERR_UNAVAILABLE. */
int auth_limit_check(struct rds *rds, const char *what, const char *key, int limit, int window_s,
                     int *retry_after) SD_MUST_CHECK;
/* Counts one failed attempt. 0 or SD_ERR_UNAVAILABLE. */
int auth_limit_fail(struct rds *rds, const char *what, const char *key, int window_s) SD_MUST_CHECK;

/* "attendee", … from bits, and back. */
unsigned auth_role_bit(const char *name);
const char *auth_role_name(unsigned bit);

#endif
