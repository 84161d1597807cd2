#ifndef SUMMITD_HANDLERS_WEBHOOKS_H
#define SUMMITD_HANDLERS_WEBHOOKS_H

struct req;

/* Webhook endpoints of an event (its organizer, admins) or of an organization (its members,
 * admins), signed the Standard Webhooks way (notify/webhook.h). */
void webhooks_create_event(struct req *r);
void webhooks_list_event(struct req *r);
void webhooks_create_org(struct req *r);
void webhooks_list_org(struct req *r);
void webhooks_get(struct req *r);
void webhooks_update(struct req *r);
void webhooks_delete(struct req *r);
void webhooks_rotate_secret(struct req *r);
void webhooks_deliveries(struct req *r);
/* ROUTE_DEBUG: one webhook_deliver() of outbox row ?outbox_id=, whatever its status (tests). */
void webhooks_debug_deliver(struct req *r);

#endif
