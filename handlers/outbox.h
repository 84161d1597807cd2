#ifndef SUMMITD_HANDLERS_OUTBOX_H
#define SUMMITD_HANDLERS_OUTBOX_H

/* The notification outbox for admins (issue 13): list rows by status (dead letters first of all:
 * what could not be delivered after notify_max_attempts, or was refused for good) and send a
 * dead one again. Admin only (403 forbidden for anyone else). */

struct req;

void outbox_list(struct req *r);  /* GET /api/v1/admin/outbox?status=dead|pending|sent */
void outbox_retry(struct req *r); /* POST /api/v1/admin/outbox/{id}/retry */

#endif
