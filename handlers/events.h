#ifndef SUMMITD_HANDLERS_EVENTS_H
#define SUMMITD_HANDLERS_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

/* Events (summit | roadshow | fair) and their sessions (forum | pitch | competition |
 * exhibition). An event starts as a draft, visible only to its organizer and admins (404 to
 * everybody else); publish makes it public; cancel ends registration. Only the event's
 * organizer (events.organizer_id) or an admin changes it. Published event reads are cached in
 * Redis without their live counts (see events_get). */

struct req;

void events_create(struct req *r);         /* POST /api/v1/events */
void events_list(struct req *r);           /* GET /api/v1/events */
void events_get(struct req *r);            /* GET /api/v1/events/{id} */
void events_update(struct req *r);         /* PATCH /api/v1/events/{id} */
void events_publish(struct req *r);        /* POST /api/v1/events/{id}/publish */
void events_cancel(struct req *r);         /* POST /api/v1/events/{id}/cancel */
void events_add_session(struct req *r);    /* POST /api/v1/events/{id}/sessions */
void events_add_exhibitor(struct req *r);  /* POST /api/v1/events/{id}/exhibitors */
void events_audit(struct req *r);          /* GET /api/v1/events/{id}/audit */
void events_stats(struct req *r);          /* GET /api/v1/events/{id}/stats */
void events_get_session(struct req *r);    /* GET /api/v1/sessions/{id} */
void events_update_session(struct req *r); /* PATCH /api/v1/sessions/{id} */

/* Whether the caller may manage an event of this organizer (it is theirs, or they are admin). */
bool events_can_manage(const struct req *r, int64_t organizer_id);

/* A failure decided inside a db_tx function, replied after the rollback. */
struct events_fail {
    int err;           /* SD_ERR_*, 0 when none */
    const char *code;  /* static */
    const char *field; /* static or NULL */
    char msg[200];
};

/* Records a failure and returns f->err (so a tx function can `return events_fail_set(…)`). */
int events_fail_set(struct events_fail *f, int err, const char *code, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Replies the recorded failure, or reply_fail(r, rc) when none was recorded. */
void events_fail_reply(struct req *r, const struct events_fail *f, int rc);

#endif
