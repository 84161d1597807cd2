#ifndef SUMMITD_SERVER_ACCESS_H
#define SUMMITD_SERVER_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/xalloc.h"

/* Who may see and change what: one loader per entity, holding its visibility rule and the one
 * error code that entity answers (docs/openapi.yaml lists them).
 *
 *   event         a draft is 404 event_not_found to all but its organizer and admins;
 *                 managing is for the organizer or an admin (403 forbidden)
 *   session       as its event, 404 session_not_found
 *   project       anyone reads; acting for it is for members of its organization
 *                 (403 not_member), closing also for admins; 404 project_not_found
 *   organization  anyone reads; acting for it is for its members (and admins: ACCESS_ADMIN_OK),
 *                 404 organization_not_found
 *   registration  its holder, the event's organizer and admins read and cancel it; 404
 *                 registration_not_found to everyone else (its existence is not disclosed)
 *
 * Outside a transaction:  if (access_event(r, id, ACCESS_MANAGE, &ev) < 0) return;   (replied)
 * Inside a db_tx function: rc = access_event_tx(db, r, id, ACCESS_MANAGE, true, &ev, f);
 *                          if (rc) return rc;   (recorded in f, replied by req_tx after rollback)
 * The _tx forms with lock = true take the entity's row FOR UPDATE (a session: its row, then its
 * event's row: the order registrations and every session change use). */

struct req;
struct db;
struct tx_fail;

enum access_need {
    ACCESS_READ = 0,   /* visible to the caller */
    ACCESS_MANAGE = 1, /* the caller may change it */
};
#define ACCESS_ADMIN_OK 2 /* with ACCESS_MANAGE on projects and organizations: admins too */

enum event_status { EVENT_DRAFT, EVENT_PUBLISHED, EVENT_CANCELLED };
extern const char *const event_status_names[]; /* "draft", "published", "cancelled", NULL */

struct event_ref {
    int64_t id, organizer_id, starts_at, ends_at;
    enum event_status status;
    bool manager; /* the caller is its organizer or an admin */
};

struct session_ref {
    int64_t id, starts_at, ends_at;
    char kind[16]; /* forum | pitch | competition | exhibition */
    bool results_published;
    struct event_ref ev;
};

struct project_ref {
    int64_t id, org_id;
    bool demand; /* side */
    bool open;   /* status */
    bool member; /* the caller is a member of its organization */
};

struct org_ref {
    int64_t id;
    bool member;
};

struct registration_ref {
    int64_t id, session_id, user_id;
    struct event_ref ev; /* the session's event */
};

/* Whether the caller organizes events of this organizer (or is an admin). */
bool access_event_manager(const struct req *r, int64_t organizer_id);

int access_event(struct req *r, int64_t id, unsigned need, struct event_ref *out);
/* The event row's lock, on Galera: SELECT ... FOR UPDATE locks one node only, so the row is
 * also written (events.lock_rev), and two transactions that took it on two nodes conflict at
 * certification (one runs again). Call it before the SELECT ... FOR UPDATE of the event; the
 * _tx functions below do when `lock` is set. A no-op on a server without Galera. */
int access_event_lock(struct db *db, int64_t event_id) SD_MUST_CHECK;
/* The same for what has no row both sides write: on Galera, writes the lock_keys row
 * "<kind>:<id>" (kind "user", "org"), so that two transactions that lock the same presenter or
 * organization FOR UPDATE / IN SHARE MODE on two nodes conflict at certification. Take keys in
 * ascending id order within a kind, users before organizations. A no-op without Galera. */
int access_lock_key(struct db *db, const char *kind, int64_t id) SD_MUST_CHECK;

int access_event_tx(struct db *db, const struct req *r, int64_t id, unsigned need, bool lock,
                    struct event_ref *out, struct tx_fail *f) SD_MUST_CHECK;

int access_session(struct req *r, int64_t id, unsigned need, struct session_ref *out);
int access_session_tx(struct db *db, const struct req *r, int64_t id, unsigned need, bool lock,
                      struct session_ref *out, struct tx_fail *f) SD_MUST_CHECK;
/* 409 wrong_session_kind unless s is of `kind`; 0, or -1 after replying. */
int access_session_kind(struct req *r, const struct session_ref *s, const char *kind);

int access_project(struct req *r, int64_t id, unsigned need, struct project_ref *out);
int access_project_tx(struct db *db, const struct req *r, int64_t id, unsigned need, bool lock,
                      struct project_ref *out, struct tx_fail *f) SD_MUST_CHECK;

int access_org(struct req *r, int64_t id, unsigned need, struct org_ref *out);
int access_org_tx(struct db *db, const struct req *r, int64_t id, unsigned need,
                  struct org_ref *out, struct tx_fail *f) SD_MUST_CHECK;
int access_registration(struct req *r, int64_t id, struct registration_ref *out);

/* Whether user_id is a member of org_id (an accepted member, not an invitation). */
int access_is_member(struct db *db, int64_t org_id, int64_t user_id, bool *out) SD_MUST_CHECK;

#endif
