#ifndef SUMMITD_SERVER_AUDIT_H
#define SUMMITD_SERVER_AUDIT_H

#include <stdint.h>

#include "base/xalloc.h"

/* Append-only record of organizer and admin actions (publish, capacity change, check-in, role
 * grant, schedule runs, results publication): who, what, when, the request id. Call it inside
 * the transaction that does the action, so the record commits with it. An entry of an event
 * takes the next number of the event's feed (events.audit_seq, written: see audit.c); the feed
 * is paged by that number, which follows commit order also on Galera. */

struct req;
struct db;

/* event_id 0 for platform-level actions. subject/detail are short human-readable text. */
int audit_record(struct db *db, const struct req *r, int64_t event_id, const char *action,
                 const char *subject, const char *detail) SD_MUST_CHECK;

#endif
