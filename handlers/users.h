#ifndef SUMMITD_HANDLERS_USERS_H
#define SUMMITD_HANDLERS_USERS_H

#include <stdbool.h>
#include <stdint.h>

struct req;
struct cJSON;
struct db;
struct config;

void users_create(struct req *r);     /* POST /api/v1/users */
void users_me(struct req *r);         /* GET /api/v1/me */
void users_update_me(struct req *r);  /* PATCH /api/v1/me: display_name, locale, contacts */
void users_grant_role(struct req *r); /* POST /api/v1/users/{id}/roles (admin) */

/* {"id","email","display_name","roles":[…],"created_at"} of a user row, or NULL if absent.
 * Caller owns the result. Returns 0 or SD_ERR_*; *out NULL when not found. */
int users_load_json(struct db *db, int64_t id, struct cJSON **out);
/* The locales a user may choose ({"zh", "en", NULL}, the order of enum lang) and a users.locale
 * value as struct auth_session's code: 0 for none (NULL or unknown), else 1 + its index. */
extern const char *const users_locales[];
unsigned users_locale_code(const char *locale);
/* The formats of PATCH /me's contact_phone and contact_wechat. */
bool users_phone_ok(const char *s);
bool users_wechat_ok(const char *s);

/* JSON array of role names for a bit set. */
struct cJSON *users_roles_json(unsigned roles);

/* 503 overloaded (with Retry-After): the password-hashing threads are busy (server/pwhash.h). */
void users_reply_hash_busy(struct req *r);

/* The longest e-mail address accepted, in bytes (RFC 5321's 254 octets). */
#define USERS_EMAIL_MAX_BYTES 254

/* users_email_canonical for the body field "email": 0 and the canonical form in *canon (and
 * the trimmed address in *shown when not NULL; caller frees both), or -1 after replying 400. */
int users_email_field(struct req *r, const char *email, char **canon, char **shown);
/* The one canonical form of an e-mail address, wherever addresses are compared: at signup (it is
 * what users.email_lower holds: a binary column with the unique key), at login (the lookup) and
 * for the per-account login limit (its key), so every spelling that reaches an account is the
 * same string and shares one counter. Surrounding white space (ASCII and Unicode spaces) is
 * trimmed and ASCII letters are lower-cased; every other character is kept byte for byte (the
 * database compares the column as bytes, so "À@x.com" is not "a@x.com"). NULL when the address
 * is malformed: not valid UTF-8, control characters or spaces inside, no single '@' with a dot
 * in the domain, or more than USERS_EMAIL_MAX_BYTES bytes once trimmed. Caller frees the result;
 * when `trimmed` is not NULL it receives the trimmed spelling as given (caller frees). */
char *users_email_canonical(const char *email, char **trimmed);

/* Creates the configured admin account when absent (at start). 0 or SD_ERR_*. */
int users_ensure_admin(struct db *db, const struct config *cfg);

#endif
