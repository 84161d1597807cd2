#ifndef SUMMITD_HANDLERS_ORGANIZATIONS_H
#define SUMMITD_HANDLERS_ORGANIZATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct req;
struct db;

void organizations_create(struct req *r); /* POST /api/v1/organizations */
void organizations_get(struct req *r);    /* GET /api/v1/organizations/{id} */
/* Members join by accepting an invitation (handlers/invitations.h); who is a member:
 * access_is_member (server/access.h). */

/* The members of organizations, for showing who is on the other side of a match or a meeting.
 * organizations_members_load() reads the members of org_ids[0..n) (duplicates fine) into *res
 * (0, or -1 after replying); organizations_members_json() gives those of one organization as
 * [{user_id, display_name, member_role, contact?}], at most ORG_MEMBERS_SHOWN, owners first.
 * With `contacts` each member carries "contact": {email, phone, wechat} holding only what they
 * chose to share (users.contact_*, NULL = not shared; {} when nothing); without it no contact
 * is given at all. Call with contacts only once both sides agreed (mutual match, confirmed 1:1
 * meeting). */
#define ORG_MEMBERS_SHOWN 20
struct db_res;
struct cJSON;
struct org_members {
    struct db_res *parts; /* one result per batch of organizations */
    size_t nparts;
};
int organizations_members_load(struct req *r, const int64_t *org_ids, size_t n,
                               struct org_members *out);
struct cJSON *organizations_members_json(const struct org_members *m, int64_t org_id,
                                         bool contacts);
void organizations_members_clear(struct org_members *m);

/* Tier names in order, NULL-terminated: leader, innovative, seed, other. */
extern const char *const organizations_tiers[];

#endif
