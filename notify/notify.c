#include "notify/notify.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/crypto.h"
#include "server/db.h"
#include "server/err.h"
#include "server/json.h"

/* A notice costs three round trips whatever the number of recipients (up to NOTIFY_CHUNK):
 *   1. one read: the recipients' preferences for the kind and the subscribed webhook endpoints
 *      (a consistent, non-locking read: a preference changed meanwhile applies to the next one);
 *   2. the feed rows (a multi-row INSERT);
 *   3. the outbox rows, e-mail and webhook together (a multi-row INSERT).
 * With a dedupe_key, one more (INSERT IGNORE INTO notify_once) before them. */

#define NOTIFY_CHUNK 32 /* recipients per preference read (IN lists padded to a power of two) */

static const char *const transactional_prefixes[] = {"registration.", "meeting.", NULL};

bool notify_transactional(const char *kind)
{
    if (strcmp(kind, NOTIFY_REMINDER) == 0)
        return true;
    for (size_t i = 0; transactional_prefixes[i]; i++)
        if (strncmp(kind, transactional_prefixes[i], strlen(transactional_prefixes[i])) == 0)
            return true;
    return false;
}

const char *const notify_kinds[] = {
    NOTIFY_REGISTRATION_CONFIRMED, NOTIFY_REGISTRATION_WAITLISTED, NOTIFY_REGISTRATION_PROMOTED,
    NOTIFY_REGISTRATION_CANCELLED, NOTIFY_EVENT_CANCELLED,         NOTIFY_SESSION_CHANGED,
    NOTIFY_PITCH_PLACED,           NOTIFY_MEETING_SCHEDULED,       NOTIFY_MEETING_CHANGED,
    NOTIFY_MATCH_MUTUAL,           NOTIFY_RECOMMENDATIONS_DIGEST,  NOTIFY_RESULTS_PUBLISHED,
    NOTIFY_ORG_INVITATION,         NOTIFY_REMINDER,                NULL,
};

const char *const notify_channels[] = {"inapp", "email", NULL};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorted, without duplicates or non-positive ids; returns the count. */
static size_t unique_ids(int64_t *ids, size_t n)
{
    qsort(ids, n, sizeof(*ids), cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] > 0 && (k == 0 || ids[k - 1] != ids[i]))
            ids[k++] = ids[i];
    return k;
}

struct recipient {
    int64_t id;
    bool inapp, email;
};

enum { PW_WHAT, PW_ID, PW_CHANNEL, PW_ENABLED };

/* Reads the preferences of rc[0..n) for the kind (and, when endpoints is non-NULL, the webhook
 * endpoints subscribed to the notice) in one statement. */
static int read_prefs(struct db *db, const struct notice *nt, struct recipient *rc, size_t n,
                      int64_t **endpoints, size_t *nendpoints)
{
    char sql[1024];
    struct db_param p[NOTIFY_CHUNK + 6];
    size_t np = 0;
    size_t len = (size_t)snprintf(sql, sizeof(sql),
                                  "SELECT 'p', user_id, channel, enabled FROM notification_prefs"
                                  " WHERE kind = ? AND user_id");
    p[np++] = DB_S(nt->type);
    int64_t ids[NOTIFY_CHUNK];
    for (size_t i = 0; i < n; i++)
        ids[i] = rc[i].id;
    len = db_in_list(sql, sizeof(sql), len, p, &np, ids, n);
    if (endpoints) {
        len += (size_t)snprintf(sql + len, sizeof(sql) - len,
                                " UNION ALL SELECT 'w', id, NULL, NULL FROM webhook_endpoints"
                                " WHERE enabled = 1 AND (event_id = ? OR org_id IN (?, ?))"
                                " AND FIND_IN_SET(?, types) > 0");
        p[np++] = DB_I(nt->event_id);
        p[np++] = DB_I(nt->org_ids[0]);
        p[np++] = DB_I(nt->org_ids[1]);
        p[np++] = DB_S(nt->type);
    }
    struct db_res res;
    int rc_ = db_execv(db, &res, sql, p, np);
    if (rc_)
        return rc_;
    for (size_t i = 0; i < res.nrows; i++) {
        int64_t id = db_get_i64(&res, i, PW_ID);
        if (strcmp(db_get(&res, i, PW_WHAT), "w") == 0) {
            *endpoints = xrealloc(*endpoints, (*nendpoints + 1) * sizeof(int64_t));
            (*endpoints)[(*nendpoints)++] = id;
            continue;
        }
        bool on = db_get_i64(&res, i, PW_ENABLED) != 0;
        bool email = strcmp(db_get(&res, i, PW_CHANNEL), "email") == 0;
        for (size_t k = 0; k < n; k++)
            if (rc[k].id == id) {
                if (email)
                    rc[k].email = on;
                else
                    rc[k].inapp = on;
            }
    }
    db_res_clear(&res);
    return 0;
}

static void new_msg_prefix(char *out /* 33 */)
{
    unsigned char raw[16];
    crypto_random(raw, sizeof(raw));
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static atomic_bool enabled = true;

void notify_configure(bool on)
{
    atomic_store(&enabled, on);
}

bool notify_enabled(void)
{
    return atomic_load(&enabled);
}

/* One row, written only while the notice's guard holds (notify.h: guard_sql): head is
 * "INSERT INTO t (cols)", values the select list of the row's parameters. SD_ERR_RETRY when
 * the guard fails: the transaction is no longer the one that made the change. */
#define OUTBOX_HEAD                                                                                \
    "INSERT INTO outbox (msg_id, channel, type, user_id, endpoint_id, notification_id, event_id,"  \
    " payload, status, attempts, next_at, created_at)"
#define OUTBOX_VALUES "?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)"
#define FEED_HEAD "INSERT INTO notifications (user_id, type, event_id, data, created_at)"
#define FEED_VALUES "?, ?, ?, ?, UTC_TIMESTAMP(3)"

static int guarded_insert(struct db *db, const struct notice *nt, const char *head,
                          const char *values, const struct db_param *p, size_t np,
                          int64_t *insert_id)
{
    char sql[1024];
    snprintf(sql, sizeof(sql), "%s SELECT %s FROM DUAL WHERE EXISTS (%s)", head, values,
             nt->guard_sql);
    struct db_param q[12];
    SD_ASSERT(np + 2 <= sizeof(q) / sizeof(q[0]));
    memcpy(q, p, np * sizeof(*p));
    q[np] = DB_I(nt->guard_id);
    q[np + 1] = DB_S(nt->guard_status);
    struct db_res res;
    int rc = db_execv(db, &res, sql, q, np + 2);
    if (rc)
        return rc;
    bool wrote = res.affected == 1;
    if (insert_id)
        *insert_id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return wrote ? 0 : SD_ERR_RETRY;
}

int notify_once(struct db *db, const char *key, bool *first)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "INSERT IGNORE INTO notify_once (dedupe_key, created_at)"
                     " VALUES (?, UTC_TIMESTAMP(3))",
                     "s", key);
    if (rc)
        return rc;
    *first = res.affected == 1;
    db_res_clear(&res);
    return 0;
}

int notify_emit(struct db *db, const struct notice *nt)
{
    int rc;
    struct db_res res;
    if (!notify_enabled())
        return 0;
    if (nt->dedupe_key) {
        bool first;
        if ((rc = notify_once(db, nt->dedupe_key, &first)) || !first)
            return rc;
    }
    size_t n = nt->nusers;
    int64_t *ids = xmalloc((n ? n : 1) * sizeof(int64_t));
    if (n)
        memcpy(ids, nt->user_ids, n * sizeof(int64_t));
    n = unique_ids(ids, n);
    struct recipient *rcp = xcalloc(n ? n : 1, sizeof(*rcp));
    for (size_t i = 0; i < n; i++)
        rcp[i] = (struct recipient){.id = ids[i], .inapp = true, .email = true};
    free(ids);
    int64_t *endpoints = NULL;
    size_t nendpoints = 0;
    bool want_hooks = nt->event_id > 0 || nt->org_ids[0] > 0 || nt->org_ids[1] > 0;
    rc = 0;
    for (size_t off = 0; !rc && off < n; off += NOTIFY_CHUNK) {
        size_t k = n - off < NOTIFY_CHUNK ? n - off : NOTIFY_CHUNK;
        rc = read_prefs(db, nt, rcp + off, k, off == 0 && want_hooks ? &endpoints : NULL,
                        &nendpoints);
    }
    if (!rc && n == 0 && want_hooks) {
        /* No recipients (an event nobody registered for): the endpoints alone. */
        enum { WE_ID };
        rc = db_exec(db, &res,
                     "SELECT id FROM webhook_endpoints WHERE enabled = 1"
                     " AND (event_id = ? OR org_id IN (?, ?)) AND FIND_IN_SET(?, types) > 0",
                     "iiis", nt->event_id, nt->org_ids[0], nt->org_ids[1], nt->type);
        if (!rc) {
            endpoints = xcalloc(res.nrows ? res.nrows : 1, sizeof(int64_t));
            for (size_t i = 0; i < res.nrows; i++)
                endpoints[nendpoints++] = db_get_i64(&res, i, WE_ID);
            db_res_clear(&res);
        }
    }
    bool transactional = notify_transactional(nt->type);
    char *data = cJSON_PrintUnformatted(nt->data);
    cJSON *pl = cJSON_CreateObject();
    cJSON_AddStringToObject(pl, "type", nt->type);
    cJSON_AddItemToObject(pl, "data", cJSON_Duplicate(nt->data, true));
    char *payload = cJSON_PrintUnformatted(pl);
    cJSON_Delete(pl);

    /* The feed: one row per recipient who keeps the in-app channel (or cannot silence the kind).
     * A single row goes in alone so that its id links the e-mail to it (outbox.notification_id;
     * NULL for notices with several feed rows). */
    size_t nfeed = 0;
    int64_t feed_id = 0;
    for (size_t i = 0; i < n; i++) {
        rcp[i].inapp = rcp[i].inapp || (transactional && !rcp[i].email);
        nfeed += rcp[i].inapp;
    }
    if (!rc && nt->guard_sql) {
        for (size_t i = 0; !rc && i < n; i++)
            if (rcp[i].inapp) {
                int64_t id = 0;
                rc = guarded_insert(db, nt, FEED_HEAD, FEED_VALUES,
                                    (struct db_param[]){DB_I(rcp[i].id), DB_S(nt->type),
                                                        DB_N(nt->event_id), DB_S(data)},
                                    4, &id);
                if (nfeed == 1 && rcp[i].email)
                    feed_id = id;
            }
    } else if (!rc && nfeed == 1) {
        for (size_t i = 0; i < n; i++)
            if (rcp[i].inapp) {
                rc = db_exec(db, &res,
                             "INSERT INTO notifications (user_id, type, event_id, data, created_at)"
                             " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))",
                             "isns", rcp[i].id, nt->type, nt->event_id, data);
                if (!rc) {
                    feed_id = rcp[i].email ? (int64_t)res.insert_id : 0;
                    db_res_clear(&res);
                }
            }
    } else if (!rc && nfeed > 1) {
        struct db_batch b;
        db_batch_init(&b, db,
                      "INSERT INTO notifications (user_id, type, event_id, data, created_at)"
                      " VALUES ",
                      "(?, ?, ?, ?, UTC_TIMESTAMP(3))", 4);
        for (size_t i = 0; !rc && i < n; i++)
            if (rcp[i].inapp)
                rc = db_batch_add(&b, (struct db_param[]){DB_I(rcp[i].id), DB_S(nt->type),
                                                          DB_N(nt->event_id), DB_S(data)});
        if (!rc)
            rc = db_batch_flush(&b);
        db_batch_deinit(&b);
    }

    /* The outbox: e-mail rows for recipients who keep that channel, webhook rows. */
    char prefix[33];
    new_msg_prefix(prefix);
    size_t nout = 0;
    for (size_t i = 0; i < n; i++)
        nout += rcp[i].email;
    nout += nendpoints;
    char(*msg_ids)[64] = xcalloc(nout ? nout : 1, sizeof(*msg_ids));
    if (!rc && nout && nt->guard_sql) {
        size_t m = 0;
        for (size_t i = 0; !rc && i < n; i++) {
            if (!rcp[i].email)
                continue;
            snprintf(msg_ids[m], sizeof(msg_ids[m]), "%s.u%lld", prefix, (long long)rcp[i].id);
            rc = guarded_insert(db, nt, OUTBOX_HEAD, OUTBOX_VALUES,
                                (struct db_param[]){DB_S(msg_ids[m]), DB_S("email"),
                                                    DB_S(nt->type), DB_I(rcp[i].id), DB_N(0),
                                                    DB_N(feed_id), DB_N(nt->event_id),
                                                    DB_S(payload)},
                                8, NULL);
            m++;
        }
        for (size_t i = 0; !rc && i < nendpoints; i++) {
            snprintf(msg_ids[m], sizeof(msg_ids[m]), "%s.w%lld", prefix, (long long)endpoints[i]);
            rc = guarded_insert(db, nt, OUTBOX_HEAD, OUTBOX_VALUES,
                                (struct db_param[]){DB_S(msg_ids[m]), DB_S("webhook"),
                                                    DB_S(nt->type), DB_N(0), DB_I(endpoints[i]),
                                                    DB_N(0), DB_N(nt->event_id), DB_S(payload)},
                                8, NULL);
            m++;
        }
    } else if (!rc && nout) {
        struct db_batch b;
        db_batch_init(&b, db,
                      "INSERT INTO outbox (msg_id, channel, type, user_id, endpoint_id,"
                      " notification_id, event_id, payload, status, attempts, next_at, created_at)"
                      " VALUES ",
                      "(?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
                      8);
        size_t m = 0;
        for (size_t i = 0; !rc && i < n; i++) {
            if (!rcp[i].email)
                continue;
            snprintf(msg_ids[m], sizeof(msg_ids[m]), "%s.u%lld", prefix, (long long)rcp[i].id);
            rc = db_batch_add(&b, (struct db_param[]){DB_S(msg_ids[m]), DB_S("email"),
                                                      DB_S(nt->type), DB_I(rcp[i].id), DB_N(0),
                                                      DB_N(feed_id), DB_N(nt->event_id),
                                                      DB_S(payload)});
            m++;
        }
        for (size_t i = 0; !rc && i < nendpoints; i++) {
            snprintf(msg_ids[m], sizeof(msg_ids[m]), "%s.w%lld", prefix, (long long)endpoints[i]);
            rc = db_batch_add(&b, (struct db_param[]){DB_S(msg_ids[m]), DB_S("webhook"),
                                                      DB_S(nt->type), DB_N(0), DB_I(endpoints[i]),
                                                      DB_N(0), DB_N(nt->event_id), DB_S(payload)});
            m++;
        }
        if (!rc)
            rc = db_batch_flush(&b);
        db_batch_deinit(&b);
    }
    free(msg_ids);
    free(endpoints);
    free(rcp);
    cJSON_free(data);
    cJSON_free(payload);
    return rc;
}

int notify_org_members(struct db *db, int64_t org_id, int64_t **ids, size_t *n)
{
    return notify_select_ids(db, "SELECT user_id FROM org_members WHERE org_id = ?", org_id, ids, n);
}

enum { SD_TITLE, SD_STARTS, SD_ENDS, SD_ROOM, SD_EVENT, SD_E_TITLE, SD_E_TZ };
#define SESSION_DATA_SQL                                                                           \
    "SELECT s.title, s.starts_at, s.ends_at, s.room, e.id, e.title, e.time_zone"                   \
    " FROM sessions s JOIN events e ON e.id = s.event_id WHERE s.id = ?"

cJSON *notify_session_data(struct db *db, int64_t session_id, int64_t *event_id, int *rc)
{
    struct db_res res;
    *rc = db_exec(db, &res, SESSION_DATA_SQL, "i", session_id);
    if (*rc)
        return NULL;
    if (!res.nrows) {
        db_res_clear(&res);
        *rc = SD_ERR_NOT_FOUND;
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *s = cJSON_AddObjectToObject(o, "session");
    cJSON_AddNumberToObject(s, "id", (double)session_id);
    cJSON_AddStringToObject(s, "title", db_get(&res, 0, SD_TITLE));
    json_add_time(s, "starts_at", db_get_time(&res, 0, SD_STARTS));
    json_add_time(s, "ends_at", db_get_time(&res, 0, SD_ENDS));
    json_add_str_or_null(s, "room", db_get(&res, 0, SD_ROOM));
    cJSON *e = cJSON_AddObjectToObject(o, "event");
    if (event_id)
        *event_id = db_get_i64(&res, 0, SD_EVENT);
    cJSON_AddNumberToObject(e, "id", (double)db_get_i64(&res, 0, SD_EVENT));
    cJSON_AddStringToObject(e, "title", db_get(&res, 0, SD_E_TITLE));
    cJSON_AddStringToObject(e, "time_zone", db_get(&res, 0, SD_E_TZ));
    db_res_clear(&res);
    return o;
}

enum { ED_TITLE, ED_TZ, ED_STARTS, ED_ENDS, ED_STATUS };

cJSON *notify_event_data(struct db *db, int64_t event_id, int *rc)
{
    struct db_res res;
    *rc = db_exec(db, &res,
                  "SELECT title, time_zone, starts_at, ends_at, status FROM events WHERE id = ?", "i",
                  event_id);
    if (*rc)
        return NULL;
    if (!res.nrows) {
        db_res_clear(&res);
        *rc = SD_ERR_NOT_FOUND;
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "event");
    cJSON_AddNumberToObject(e, "id", (double)event_id);
    cJSON_AddStringToObject(e, "title", db_get(&res, 0, ED_TITLE));
    cJSON_AddStringToObject(e, "time_zone", db_get(&res, 0, ED_TZ));
    json_add_time(e, "starts_at", db_get_time(&res, 0, ED_STARTS));
    json_add_time(e, "ends_at", db_get_time(&res, 0, ED_ENDS));
    cJSON_AddStringToObject(e, "status", db_get(&res, 0, ED_STATUS));
    db_res_clear(&res);
    return o;
}

int notify_select_ids(struct db *db, const char *sql, int64_t arg, int64_t **ids, size_t *n)
{
    enum { SI_USER };
    struct db_res res;
    *ids = NULL;
    *n = 0;
    int rc = db_exec(db, &res, sql, "i", arg);
    if (rc)
        return rc;
    *ids = xcalloc(res.nrows ? res.nrows : 1, sizeof(int64_t));
    for (size_t i = 0; i < res.nrows; i++)
        (*ids)[(*n)++] = db_get_i64(&res, i, SI_USER);
    db_res_clear(&res);
    return 0;
}

int notify_emit_to(struct db *db, const char *type, int64_t event_id, const int64_t org_ids[2],
                   const cJSON *data, const char *sql, int64_t arg)
{
    int64_t *ids;
    size_t n;
    int rc = notify_select_ids(db, sql, arg, &ids, &n);
    if (rc)
        return rc;
    struct notice nt = {.type = type, .event_id = event_id, .user_ids = ids, .nusers = n,
                        .data = data};
    if (org_ids) {
        nt.org_ids[0] = org_ids[0];
        nt.org_ids[1] = org_ids[1];
    }
    rc = notify_emit(db, &nt);
    free(ids);
    return rc;
}

int notify_emit_orgs(struct db *db, const char *type, int64_t event_id, int64_t org_a,
                     int64_t org_b, const cJSON *data)
{
    enum { OO_USER };
    struct db_res res;
    int rc = db_exec(db, &res, "SELECT user_id FROM org_members WHERE org_id IN (?, ?)", "ii",
                     org_a, org_b);
    if (rc)
        return rc;
    int64_t *ids = xcalloc(res.nrows ? res.nrows : 1, sizeof(int64_t));
    for (size_t i = 0; i < res.nrows; i++)
        ids[i] = db_get_i64(&res, i, OO_USER);
    struct notice nt = {.type = type, .event_id = event_id, .org_ids = {org_a, org_b},
                        .user_ids = ids, .nusers = res.nrows, .data = data};
    db_res_clear(&res);
    rc = notify_emit(db, &nt);
    free(ids);
    return rc;
}

/* ---- registrations, many in two statements (issue 18) ---- */

/* The notices of registrations (registration.confirmed / .waitlisted, by each row's status),
 * issue 18: what they say is read in the statements that write them, from the registration,
 * its session and its event as this transaction sees them (under its locks), together with each
 * user's preferences and the event's subscribed webhook endpoints. Two round trips however many
 * registrations: the feed rows, then the outbox rows (e-mail and webhooks).
 *
 * The same data as notify_session_data() plus a "registration" object, built in SQL (strings
 * by JSON_QUOTE, times as RFC 3339 UTC like json_add_time). Both kinds are transactional: a user gets the
 * in-app row unless they turned it off while keeping e-mail, and the e-mail unless turned off;
 * so every registration yields at least one row, and fewer rows than registrations in all means
 * the rows are not there for this transaction (notice.guard_sql: a Galera brute-force abort):
 * SD_ERR_RETRY. The joins run in the order written (STRAIGHT_JOIN): from the few registrations by
 * primary key, then by key into each table, whatever the tables' statistics say (a session table
 * of one row made the optimizer start there and join through buffers). */
#define REGN_MAX 64
#define REGN_KIND "CONCAT('registration.', r.status)"
/* Concatenated with JSON_QUOTE rather than nested JSON_OBJECTs: half the statement's cost. */
#define REGN_DATA                                                                                  \
    "CONCAT('{\"session\": {\"id\": ', s.id, ', \"title\": ', JSON_QUOTE(s.title),"                \
    " ', \"starts_at\": \"', DATE_FORMAT(s.starts_at, '%Y-%m-%dT%H:%i:%sZ'),"                      \
    " '\", \"ends_at\": \"', DATE_FORMAT(s.ends_at, '%Y-%m-%dT%H:%i:%sZ'),"                         \
    " '\", \"room\": ', COALESCE(JSON_QUOTE(s.room), 'null'),"                                     \
    " '}, \"event\": {\"id\": ', e.id, ', \"title\": ', JSON_QUOTE(e.title),"                     \
    " ', \"time_zone\": ', JSON_QUOTE(e.time_zone),"                                               \
    " '}, \"registration\": {\"id\": ', r.id, ', \"status\": \"', r.status,"                      \
    " '\", \"waitlist_position\": ', COALESCE(r.waitlist_position, 'null'), '}}')"
#define REGN_PAYLOAD "CONCAT('{\"type\": \"', " REGN_KIND ", '\", \"data\": ', " REGN_DATA ", '}')"
#define REGN_FROM                                                                                  \
    " FROM registrations r JOIN sessions s ON s.id = r.session_id JOIN events e ON e.id = s.event_id"
/* The user's preference for the kind on a channel, joined by its primary key as alias a
 * (no row: on). */
#define REGN_PREF(a, channel)                                                                      \
    " LEFT JOIN notification_prefs " a " ON " a ".user_id = r.user_id AND " a ".kind = "           \
    REGN_KIND " AND " a ".channel = '" channel "'"
#define REGN_ON(a) "COALESCE(" a ".enabled, 1) = 1"

/* The two statements of registration notices, for the registrations whose id matches `ids` (SQL
 * after "r.id": " IN (?, …)" or literals), with the message-id prefix `prefix` (SQL: ? or a
 * literal). The feed: */
static void regn_feed(struct buf *sql, const char *ids)
{
    buf_printf(sql,
               "%s WHERE r.id%s AND r.status IN ('confirmed', 'waitlisted') AND (%s OR NOT %s)",
               "INSERT INTO notifications (user_id, type, event_id, data, created_at)"
               " SELECT STRAIGHT_JOIN r.user_id, " REGN_KIND ", e.id, " REGN_DATA
               ", UTC_TIMESTAMP(3)" REGN_FROM REGN_PREF("pi", "inapp") REGN_PREF("pm", "email"),
               ids, REGN_ON("pi"), REGN_ON("pm"));
}

/* The outbox: an e-mail per user who keeps it, a row per subscribed endpoint (two SELECTs; a
 * script runs them as two statements, which spares the UNION's temporary table). The message id
 * is unique per notice and recipient and the same across attempts. */
#define REGN_OUTBOX                                                                                \
    "INSERT INTO outbox (msg_id, channel, type, user_id, endpoint_id, notification_id,"           \
    " event_id, payload, status, attempts, next_at, created_at) "
static void regn_outbox_email(struct buf *sql, const char *prefix, const char *ids)
{
    buf_printf(sql,
               "SELECT STRAIGHT_JOIN CONCAT(%s, '.', r.id, '.u', r.user_id), 'email', %s,"
               " r.user_id, NULL, NULL, e.id, %s, 'pending', 0, UTC_TIMESTAMP(3),"
               " UTC_TIMESTAMP(3)%s%s WHERE r.id%s AND r.status IN ('confirmed', 'waitlisted')"
               " AND %s",
               prefix, REGN_KIND, REGN_PAYLOAD, REGN_FROM, REGN_PREF("pm", "email"), ids,
               REGN_ON("pm"));
}

static void regn_outbox_webhook(struct buf *sql, const char *prefix, const char *ids)
{
    buf_printf(sql,
               "SELECT STRAIGHT_JOIN CONCAT(%s, '.', r.id, '.w', w.id), 'webhook', %s, NULL,"
               " w.id, NULL, e.id, %s, 'pending', 0, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)%s"
               " JOIN webhook_endpoints w FORCE INDEX (ix_webhook_endpoints_event)"
               " ON w.event_id = e.id AND w.enabled = 1 AND FIND_IN_SET(%s, w.types) > 0"
               " WHERE r.id%s AND r.status IN ('confirmed', 'waitlisted')",
               prefix, REGN_KIND, REGN_PAYLOAD, REGN_FROM, REGN_KIND, ids);
}

/* A fresh message-id prefix: 64 random bits; with two BIGINTs the id fits its 64 characters. */
static void regn_prefix(char out[17])
{
    char prefix[33];
    new_msg_prefix(prefix);
    memcpy(out, prefix, 16);
    out[16] = '\0';
}

int notify_registrations(struct db *db, const int64_t *ids, size_t n)
{
    if (!notify_enabled() || n == 0)
        return 0;
    for (size_t off = 0; off < n; off += REGN_MAX) {
        size_t k = n - off < REGN_MAX ? n - off : REGN_MAX;
        char in[16 + REGN_MAX * 3];
        struct db_param p[2 * (REGN_MAX + 1)], idp[REGN_MAX];
        size_t nid = 0;
        db_in_list(in, sizeof(in), 0, idp, &nid, ids + off, k);
        struct buf sql;
        buf_init(&sql);
        regn_feed(&sql, in);
        struct db_res res;
        int rc = db_execv(db, &res, sql.p, idp, nid);
        if (rc) {
            buf_deinit(&sql);
            return rc;
        }
        uint64_t rows = res.affected;
        db_res_clear(&res);
        char prefix[17];
        regn_prefix(prefix);
        size_t np = 0;
        for (int part = 0; part < 2; part++) {
            p[np++] = DB_S(prefix);
            memcpy(p + np, idp, nid * sizeof(*idp));
            np += nid;
        }
        sql.len = 0;
        buf_puts(&sql, REGN_OUTBOX);
        regn_outbox_email(&sql, "?", in);
        buf_puts(&sql, " UNION ALL ");
        regn_outbox_webhook(&sql, "?", in);
        rc = db_execv(db, &res, sql.p, p, np);
        buf_deinit(&sql);
        if (rc)
            return rc;
        rows += res.affected;
        db_res_clear(&res);
        if (rows < k)
            return SD_ERR_RETRY;
    }
    return 0;
}

size_t notify_registrations_script(struct buf *sql, const char *ids, bool webhooks)
{
    if (!notify_enabled())
        return 0;
    char prefix[17], lit[20];
    regn_prefix(prefix);
    snprintf(lit, sizeof(lit), "'%s'", prefix);
    buf_puts(sql, "; ");
    regn_feed(sql, ids);
    buf_puts(sql, "; " REGN_OUTBOX);
    regn_outbox_email(sql, lit, ids);
    if (!webhooks)
        return 2;
    buf_puts(sql, "; " REGN_OUTBOX);
    regn_outbox_webhook(sql, lit, ids);
    return 3;
}
