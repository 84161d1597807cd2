#ifndef SUMMITD_HANDLERS_USERS_H
#define SUMMITD_HANDLERS_USERS_H

#include <stdint.h>

struct req;
struct cJSON;
struct db;
struct config;

void users_create(struct req *r);     /* POST /api/v1/users */
void users_me(struct req *r);         /* GET /api/v1/me */
void users_grant_role(struct req *r); /* POST /api/v1/users/{id}/roles (admin) */

/* {"id","email","display_name","roles":[…],"created_at"} of a user row, or NULL if absent.
 * Caller owns the result. Returns 0 or SD_ERR_*; *out NULL when not found. */
int users_load_json(struct db *db, int64_t id, struct cJSON **out);
/* JSON array of role names for a bit set. */
struct cJSON *users_roles_json(unsigned roles);

/* Creates the configured admin account when absent (at start). 0 or SD_ERR_*. */
int users_ensure_admin(struct db *db, const struct config *cfg);

#endif
