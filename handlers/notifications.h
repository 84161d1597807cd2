#ifndef SUMMITD_HANDLERS_NOTIFICATIONS_H
#define SUMMITD_HANDLERS_NOTIFICATIONS_H

/* The in-app feed and notification preferences (issue 13). The feed's rows are written by
 * notify_emit() (notify/notify.h) in the transaction of each change; `read` is id <=
 * users.notif_read_id, a mark that only moves forward. */

struct req;

void notifications_list(struct req *r);          /* GET /api/v1/me/notifications */
void notifications_read(struct req *r);          /* POST /api/v1/me/notifications/read */
void notifications_prefs_get(struct req *r);     /* GET /api/v1/me/notification-preferences */
void notifications_prefs_update(struct req *r);  /* PATCH /api/v1/me/notification-preferences */

#endif
