#ifndef SUMMITD_HANDLERS_ORGANIZATIONS_H
#define SUMMITD_HANDLERS_ORGANIZATIONS_H

#include <stdbool.h>
#include <stdint.h>

struct req;
struct db;

void organizations_create(struct req *r); /* POST /api/v1/organizations */
void organizations_get(struct req *r);    /* GET /api/v1/organizations/{id} */
/* Members join by accepting an invitation (handlers/invitations.h); who is a member:
 * access_is_member (server/access.h). */

/* Tier names in order, NULL-terminated: leader, innovative, seed, other. */
extern const char *const organizations_tiers[];

#endif
