#ifndef SUMMITD_NOTIFY_NOTIFY_H
#define SUMMITD_NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

/* The producer side of notifications (issue 13): a handler that changes something a person must
 * hear about calls notify_emit() inside the transaction of that change (req_tx's callback), as it
 * calls audit_record(). The notice commits with the change or not at all.
 *
 * notify_emit fans one notice out, in the same transaction, to
 *   - a feed row per recipient (table notifications) unless the recipient turned the in-app
 *     channel off for this kind,
 *   - an outbox row per recipient for e-mail (channel 'email') unless turned off,
 *   - an outbox row per enabled webhook endpoint of the notice's event or organizations that
 *     subscribed to the type (channel 'webhook').
 * Transactional kinds (registration.*, meeting.*, reminder) can be moved between channels but not
 * silenced: when a user turned both off, the in-app row is written anyway.
 *
 * The dispatcher (notify/dispatch.c) delivers outbox rows; the feed needs no delivery. */

struct db;
struct cJSON;

/* The event types the API keeps (README, docs/openapi.yaml). */
#define NOTIFY_REGISTRATION_CONFIRMED "registration.confirmed"
#define NOTIFY_REGISTRATION_WAITLISTED "registration.waitlisted"
#define NOTIFY_REGISTRATION_PROMOTED "registration.promoted"
#define NOTIFY_REGISTRATION_CANCELLED "registration.cancelled"
#define NOTIFY_EVENT_CANCELLED "event.cancelled"
#define NOTIFY_SESSION_CHANGED "session.changed"
#define NOTIFY_PITCH_PLACED "pitch.placed"
#define NOTIFY_MEETING_SCHEDULED "meeting.scheduled"
#define NOTIFY_MEETING_CHANGED "meeting.changed"
#define NOTIFY_MATCH_MUTUAL "match.mutual"
#define NOTIFY_RECOMMENDATIONS_DIGEST "recommendations.digest"
#define NOTIFY_RESULTS_PUBLISHED "results.published"
#define NOTIFY_ORG_INVITATION "organization.invitation"
#define NOTIFY_REMINDER "reminder"

struct notice {
    const char *type;          /* one of NOTIFY_* */
    int64_t event_id;          /* 0 if none: selects the event's webhook endpoints */
    int64_t org_ids[2];        /* 0 if none: selects the organizations' webhook endpoints */
    const int64_t *user_ids;   /* recipients (duplicates are dropped) */
    size_t nusers;
    const struct cJSON *data;  /* an object: what a client or a mail template needs (ids, titles,
                                  times in UTC with the event's zone, status, positions) */
    const char *dedupe_key;    /* non-NULL: emit at most once ever for this key (notify_once) */
    /* Galera: a transaction aborted by a replicated one (BF abort) while it waits between
     * statements is rolled back, and MariaDB 10.11 was seen to run the statements that follow
     * outside it, so that a notice committed while its change did not (make faults-cluster: an
     * acknowledged registration lost, its notice kept). With a guard, each row is written by
     * INSERT ... SELECT ... WHERE EXISTS (guard_sql with guard_id): a row of the change that only
     * this transaction can see (the new registration); when the guard fails the notice returns
     * SD_ERR_RETRY and the transaction runs again. NULL: no guard. */
    const char *guard_sql;     /* e.g. "SELECT 1 FROM registrations WHERE id = ? AND status = ?" */
    int64_t guard_id;
    const char *guard_status;
};

/* From the configuration, once at start: with notify_enabled false notify_emit writes nothing
 * (make bench measures a registration with and without its notice). */
void notify_configure(bool enabled);
bool notify_enabled(void);

/* Whether this transaction is the first ever to take `key` (notify_once): *first. The row is
 * kept, so that the decision holds across instances and restarts. */
int notify_once(struct db *db, const char *key, bool *first) SD_MUST_CHECK;

/* 0, or an SD_ERR_* from the database (the caller's transaction then rolls back). With a
 * dedupe_key already used, returns 0 and writes nothing. */
int notify_emit(struct db *db, const struct notice *n) SD_MUST_CHECK;

/* The notices of registrations ids[0..n), made in this transaction: each user's
 * registration.confirmed or registration.waitlisted, by the row's status (issue 18). What they
 * say (session, event, registration) is read by the two statements that write them, under this
 * transaction's locks, with the preferences and webhook endpoints: two round trips however many.
 * SD_ERR_RETRY when the rows are not there for this transaction (see guard_sql above). */
int notify_registrations(struct db *db, const int64_t *ids, size_t n) SD_MUST_CHECK;
/* The same as three statements of text for a script (db_script; the outbox's e-mails and
 * webhooks apart, which spares a UNION's temporary table), each appended after "; ", for the
 * registrations whose id matches `ids` (SQL after "r.id" of numbers and variables only, e.g.
 * " IN (7, 9)" or " BETWEEN @first AND @first + 4"). Without `webhooks` the webhooks' statement
 * is left out: for a caller that saw, under a lock that keeps it so until COMMIT, that none of
 * the registrations' events has an endpoint. Returns how many statements it appended (0 with
 * notices off). Together they write at least a row per registration (rows affected); fewer mean
 * the rows were not there for the transaction, which then committed nothing of them. */
struct buf;
size_t notify_registrations_script(struct buf *sql, const char *ids, bool webhooks);

/* Every member of an organization as recipients (for meetings, matches, digests): fills *ids
 * (malloc'd, caller frees) and *n. */
int notify_org_members(struct db *db, int64_t org_id, int64_t **ids, size_t *n) SD_MUST_CHECK;

/* Whether a kind is transactional (registration.*, meeting.*, reminder): it can be moved between
 * channels but not silenced. */
bool notify_transactional(const char *kind);
/* Every kind (NULL-terminated, in the order GET /me/notification-preferences lists them) and the
 * channels a user chooses between ("inapp", "email"). */
extern const char *const notify_kinds[];
extern const char *const notify_channels[];

/* The `data` of a notice about a session: {session:{id, title, starts_at, ends_at, room},
 * event:{id, title, time_zone}} (times RFC 3339 UTC; the zone says how to show them). A plain
 * read (no lock). NULL with *rc set when the session is gone or the read failed. */
struct cJSON *notify_session_data(struct db *db, int64_t session_id, int64_t *event_id, int *rc);

/* The `data` of a notice about an event: {event:{id, title, time_zone, starts_at, ends_at,
 * status}}. NULL with *rc set when it is gone or the read failed. */
struct cJSON *notify_event_data(struct db *db, int64_t event_id, int *rc);

/* Recipients from a query with one id parameter whose first column is a user id: fills *ids
 * (malloc'd, caller frees) and *n. 0 or SD_ERR_*. */
int notify_select_ids(struct db *db, const char *sql, int64_t arg, int64_t **ids,
                      size_t *n) SD_MUST_CHECK;

/* notify_emit for recipients chosen by notify_select_ids(sql, arg): the common producer. */
int notify_emit_to(struct db *db, const char *type, int64_t event_id, const int64_t org_ids[2],
                   const struct cJSON *data, const char *sql, int64_t arg) SD_MUST_CHECK;

/* notify_emit to every member of two organizations (meetings, matches), with their webhook
 * endpoints (and the event's, when event_id is set). */
int notify_emit_orgs(struct db *db, const char *type, int64_t event_id, int64_t org_a,
                     int64_t org_b, const struct cJSON *data) SD_MUST_CHECK;

#endif
