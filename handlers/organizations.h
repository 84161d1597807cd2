#ifndef SUMMITD_HANDLERS_ORGANIZATIONS_H
#define SUMMITD_HANDLERS_ORGANIZATIONS_H

#include <stdbool.h>
#include <stdint.h>

struct req;
struct db;

void organizations_create(struct req *r); /* POST /api/v1/organizations */
void organizations_get(struct req *r);    /* GET /api/v1/organizations/{id} */
/* Members join by accepting an invitation: handlers/invitations.h. */

/* Whether user is a member of org (an accepted one: pending invitations are no membership).
 * 0 or SD_ERR_*. */
int organizations_is_member(struct db *db, int64_t org_id, int64_t user_id, bool *out);

/* Tier names in order, NULL-terminated: leader, innovative, seed, other. */
extern const char *const organizations_tiers[];

#endif
