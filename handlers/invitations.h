#ifndef SUMMITD_HANDLERS_INVITATIONS_H
#define SUMMITD_HANDLERS_INVITATIONS_H

#include <stdint.h>

/* Membership by consent: a member (or an admin) invites a user to an organization; only the
 * invited user can accept, which makes them a member, or decline. A pending invitation has no
 * effect anywhere: invitations live in org_invitations, and everything that depends on
 * membership (projects, interests, judges' conflicts of interest, attendance, meetings) reads
 * org_members only. One row per (organization, user): re-inviting after a decline or a
 * revocation reopens it. */

struct req;
struct db;
struct cJSON;

void invitations_create(struct req *r);   /* POST /api/v1/organizations/{id}/invitations */
void invitations_list_org(struct req *r); /* GET /api/v1/organizations/{id}/invitations */
void invitations_mine(struct req *r);     /* GET /api/v1/me/invitations */
void invitations_accept(struct req *r);   /* POST /api/v1/invitations/{id}/accept */
void invitations_decline(struct req *r);  /* POST /api/v1/invitations/{id}/decline */
void invitations_revoke(struct req *r);   /* DELETE /api/v1/invitations/{id} */

/* The user's pending invitations as a JSON array (for GET /me). Caller owns *out. 0 or SD_ERR_*. */
int invitations_pending_json(struct db *db, int64_t user_id, struct cJSON **out);

#endif
