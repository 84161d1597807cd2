#ifndef SUMMITD_HANDLERS_INTERESTS_H
#define SUMMITD_HANDLERS_INTERESTS_H

/* Interests between a supply and a demand project, and mutual matches. An interest is said by a
 * member of the speaking project's organization; when both sides said `interested` the pair
 * becomes exactly one matches row (both project rows are locked in id order, so two clicks at
 * the same moment serialize); `not_interested` removes any match and vetoes the pair from both
 * projects' recommendations. */

struct req;

void interests_create(struct req *r);     /* POST /api/v1/projects/{id}/interests */
void interests_my_matches(struct req *r); /* GET /api/v1/me/matches */

#endif
