#ifndef SUMMITD_HANDLERS_CALENDAR_H
#define SUMMITD_HANDLERS_CALENDAR_H

/* A subscribable calendar (issue 15): a calendar app polls a URL and cannot send a Bearer token,
 * so the URL carries a per-user secret: 32 random bytes (256 bits) in base64url, 43 characters.
 * Only the secret's SHA-256 is stored (calendar_feeds, sql/0014); issuing again replaces it (the
 * old URL stops working at once), DELETE revokes it. The feed is the caller's agenda as
 * GET /me/agenda.ics renders it (handlers/agenda.h, one renderer), in the user's chosen language
 * (users.locale; zh when unset), with Cache-Control: no-store. */

struct req;

void calendar_issue(struct req *r);  /* POST /api/v1/me/calendar */
void calendar_revoke(struct req *r); /* DELETE /api/v1/me/calendar */
void calendar_feed(struct req *r);   /* GET /api/v1/calendar/{secret}.ics (no token) */

#endif
