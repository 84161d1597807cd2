#include "handlers/registrations.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/buf.h"
#include "server/combine.h"
#include "server/config.h"
#include "server/crypto.h"
#include "server/csv.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/log.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"
#include "server/timeutil.h"

static const char *const reg_statuses[] = {"confirmed", "waitlisted", "cancelled", NULL};

#define CODE_BYTES 12 /* 96 random bits → 16 base64url characters */
#define CSV_MAX_ROWS 1000000

/* Every registration read goes through this select (columns indexed by REG_*). */
#define REG_SELECT                                                                                 \
    "SELECT r.id, r.session_id, s.event_id, r.user_id, r.status, r.waitlist_position,"             \
    " r.checkin_code, r.checked_in_at, r.created_at, r.updated_at, s.title, s.starts_at,"          \
    " s.ends_at, s.room, e.title, e.organizer_id, u.display_name, u.email, e.checkin_opens_min,"   \
    " e.checkin_closes_min"                                                                        \
    " FROM registrations r JOIN sessions s ON s.id = r.session_id"                                 \
    " JOIN events e ON e.id = s.event_id JOIN users u ON u.id = r.user_id"
enum {
    REG_ID,
    REG_SESSION,
    REG_EVENT,
    REG_USER,
    REG_STATUS,
    REG_POSITION,
    REG_CODE,
    REG_CHECKED_IN,
    REG_CREATED,
    REG_UPDATED,
    REG_S_TITLE,
    REG_S_STARTS,
    REG_S_ENDS,
    REG_S_ROOM,
    REG_E_TITLE,
    REG_E_ORGANIZER,
    REG_U_NAME,
    REG_U_EMAIL,
    REG_E_CHECKIN_OPENS,
    REG_E_CHECKIN_CLOSES,
};

/* The registration as clients see it; the check-in code only while confirmed. */
static cJSON *reg_json(const struct db_res *res, size_t i, bool with_user)
{
    cJSON *o = cJSON_CreateObject();
    const char *status = db_get(res, i, REG_STATUS);
    bool confirmed = strcmp(status, "confirmed") == 0;
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, REG_ID));
    cJSON_AddNumberToObject(o, "session_id", (double)db_get_i64(res, i, REG_SESSION));
    cJSON_AddNumberToObject(o, "event_id", (double)db_get_i64(res, i, REG_EVENT));
    cJSON_AddNumberToObject(o, "user_id", (double)db_get_i64(res, i, REG_USER));
    cJSON_AddStringToObject(o, "status", status);
    if (db_get(res, i, REG_POSITION))
        cJSON_AddNumberToObject(o, "waitlist_position", (double)db_get_i64(res, i, REG_POSITION));
    else
        cJSON_AddNullToObject(o, "waitlist_position");
    json_add_str_or_null(o, "checkin_code", confirmed ? db_get(res, i, REG_CODE) : NULL);
    json_add_time(o, "checked_in_at", db_get_time(res, i, REG_CHECKED_IN));
    json_add_time(o, "created_at", db_get_time(res, i, REG_CREATED));
    json_add_time(o, "updated_at", db_get_time(res, i, REG_UPDATED));
    cJSON *s = cJSON_AddObjectToObject(o, "session");
    cJSON_AddNumberToObject(s, "id", (double)db_get_i64(res, i, REG_SESSION));
    cJSON_AddStringToObject(s, "title", db_get(res, i, REG_S_TITLE));
    json_add_time(s, "starts_at", db_get_time(res, i, REG_S_STARTS));
    json_add_time(s, "ends_at", db_get_time(res, i, REG_S_ENDS));
    cJSON_AddStringToObject(s, "room", db_get(res, i, REG_S_ROOM));
    cJSON *e = cJSON_AddObjectToObject(o, "event");
    cJSON_AddNumberToObject(e, "id", (double)db_get_i64(res, i, REG_EVENT));
    cJSON_AddStringToObject(e, "title", db_get(res, i, REG_E_TITLE));
    if (with_user) {
        cJSON *u = cJSON_AddObjectToObject(o, "user");
        cJSON_AddNumberToObject(u, "id", (double)db_get_i64(res, i, REG_USER));
        cJSON_AddStringToObject(u, "display_name", db_get(res, i, REG_U_NAME));
        cJSON_AddStringToObject(u, "email", db_get(res, i, REG_U_EMAIL));
    }
    return o;
}

/* Loads registration id (a REG_SELECT row) into *res: after a commit that kept it (registrations
 * are never deleted, so missing is an internal error). 0, or -1 after replying. */
static int reg_load(struct req *r, int64_t id, struct db_res *res)
{
    if (req_exec(r, res, REG_SELECT " WHERE r.id = ?", "i", id) < 0)
        return -1;
    if (res->nrows)
        return 0;
    db_res_clear(res);
    reply_fail(r, SD_ERR_INTERNAL);
    return -1;
}

/* 409 with the SPEC envelope plus the registration it is about. Takes ownership of reg. */
static void reply_conflict_reg(struct req *r, const char *code, const char *msg, cJSON *reg)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddItemToObject(o, "registration", reg);
    r->err_code = code;
    reply_json(r, 409, o);
}

/* A notice of a registration is written only while the registration shows the status it
 * reports in this transaction (notify.h: guard_sql). */
#define REG_GUARD_SQL "SELECT 1 FROM registrations WHERE id = ? AND status = ?"

/* Emits a registration notice to one user: data is `base` (notify_session_data) with the
 * registration's id, status and waitlist position (0: none). */
static int reg_notify(struct db *db, const char *type, const cJSON *base, int64_t event_id,
                      int64_t user_id, int64_t reg_id, const char *status, int64_t position)
{
    cJSON *d = base ? cJSON_Duplicate(base, true) : cJSON_CreateObject();
    cJSON *g = cJSON_AddObjectToObject(d, "registration");
    cJSON_AddNumberToObject(g, "id", (double)reg_id);
    cJSON_AddStringToObject(g, "status", status);
    if (position)
        cJSON_AddNumberToObject(g, "waitlist_position", (double)position);
    else
        cJSON_AddNullToObject(g, "waitlist_position");
    struct notice n = {.type = type, .event_id = event_id, .user_ids = &user_id, .nusers = 1,
                       .data = d, .guard_sql = REG_GUARD_SQL, .guard_id = reg_id,
                       .guard_status = status};
    int rc = notify_emit(db, &n);
    cJSON_Delete(d);
    return rc;
}

int do_registrations_promote(struct db *db, int64_t session_id, int64_t n, int64_t now,
                             int64_t *promoted)
{
    *promoted = 0;
    if (n <= 0)
        return 0;
    char nb[TIME_BUF];
    time_format_sql(now, nb);
    struct db_res res;
    /* Who is promoted (locked: the UPDATE below promotes exactly these), for their notices. */
    enum { PR_ID, PR_USER };
    int rc = db_exec(db, &res,
                     "SELECT id, user_id FROM registrations WHERE session_id = ?"
                     " AND status = 'waitlisted' AND waitlist_position <= ? FOR UPDATE",
                     "ii", session_id, n);
    if (rc)
        return rc;
    size_t nusers = res.nrows;
    int64_t *users = xcalloc(nusers ? nusers : 1, sizeof(int64_t));
    for (size_t i = 0; i < nusers; i++)
        users[i] = db_get_i64(&res, i, PR_USER);
    int64_t guard = nusers ? db_get_i64(&res, 0, PR_ID) : 0;
    db_res_clear(&res);
    if (!nusers) {
        free(users);
        return 0;
    }
    rc = db_exec(db, &res,
                 "UPDATE registrations SET status = 'confirmed', waitlist_position = NULL,"
                 " updated_at = ? WHERE session_id = ? AND status = 'waitlisted'"
                 " AND waitlist_position <= ?",
                 "sii", nb, session_id, n);
    if (rc) {
        free(users);
        return rc;
    }
    int64_t k = (int64_t)res.affected;
    db_res_clear(&res);
    if (k > 0) {
        rc = db_exec(db, NULL,
                     "UPDATE registrations SET waitlist_position = waitlist_position - ?,"
                     " updated_at = ? WHERE session_id = ? AND status = 'waitlisted'",
                     "isi", k, nb, session_id);
    }
    if (!rc) {
        /* One notice for everyone promoted together (the same session, the same news). */
        int64_t event_id = 0;
        cJSON *d = notify_session_data(db, session_id, &event_id, &rc);
        if (d) {
            cJSON *g = cJSON_AddObjectToObject(d, "registration");
            cJSON_AddStringToObject(g, "status", "confirmed");
            struct notice nt = {.type = NOTIFY_REGISTRATION_PROMOTED, .event_id = event_id,
                                .user_ids = users, .nusers = nusers, .data = d,
                                .guard_sql = REG_GUARD_SQL, .guard_id = guard,
                                .guard_status = "confirmed"};
            rc = notify_emit(db, &nt);
            cJSON_Delete(d);
        }
    }
    free(users);
    if (rc)
        return rc;
    *promoted = k;
    return 0;
}

/* ---- create ---- */

/* What a registration's refusal is explained from: the session row, locked, with its event. */
enum {
    RW_CAPACITY,
    RW_CONFIRMED,
    RW_WAITING,
    RW_WAITLIST,
    RW_OPENS,
    RW_CLOSES,
    RW_E_STATUS,
    RW_E_ORGANIZER
};
#define REG_WHY_SQL                                                                                \
    "SELECT capacity, confirmed_count, waitlist_count, waitlist, registration_opens_at,"           \
    " COALESCE(registration_closes_at, ends_at),"                                                  \
    " (SELECT e.status FROM events e WHERE e.id = sessions.event_id),"                             \
    " (SELECT e.organizer_id FROM events e WHERE e.id = sessions.event_id)"                        \
    " FROM sessions WHERE id = ? FOR UPDATE"

/* Why a registration cannot be made now (row 0 of a REG_WHY_SQL result), recorded in f; 0 when
 * nothing but a full session without a waitlist explains it. */
/* Why nobody can register now: the event's status (NULL: gone), then the window; 0 when open. */
static int why_closed(struct tx_fail *f, const struct req *r, const char *status,
                      int64_t organizer, int64_t opens, int64_t closes, int64_t now)
{
    if (!status || strcmp(status, "draft") == 0)
        return access_event_manager(r, organizer)
                   ? tx_fail(f, SD_ERR_CONFLICT, "event_not_published", NULL,
                             "the event is not published yet")
                   : tx_fail(f, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no such session");
    if (strcmp(status, "published") != 0)
        return tx_fail(f, SD_ERR_CONFLICT, "event_cancelled", NULL, "the event is cancelled");
    if (opens && now < opens)
        return tx_fail(f, SD_ERR_INVALID, "registration_not_open", NULL,
                       "registration has not opened yet");
    if (now >= closes)
        return tx_fail(f, SD_ERR_INVALID, "registration_closed", NULL, "registration is closed");
    return 0;
}

static int why_not(struct tx_fail *f, const struct req *r, const struct db_res *res, int64_t now)
{
    const char *status = db_get(res, 0, RW_E_STATUS);
    int64_t opens = db_get_time(res, 0, RW_OPENS), closes = db_get_time(res, 0, RW_CLOSES);
    int64_t cap = db_get_i64(res, 0, RW_CAPACITY), confirmed = db_get_i64(res, 0, RW_CONFIRMED);
    int64_t waiting = db_get_i64(res, 0, RW_WAITING);
    int rc = why_closed(f, r, status, db_get_i64(res, 0, RW_E_ORGANIZER), opens, closes, now);
    if (rc)
        return rc;
    if (!(confirmed < cap && waiting == 0) && db_get_i64(res, 0, RW_WAITLIST) == 0)
        return tx_fail(f, SD_ERR_CONFLICT, "session_full", NULL,
                       "the session is full and has no waitlist");
    return 0;
}

struct reg_create {
    const struct req *r;
    int64_t session_id, event_id, user_id, now;
    char code[4 * ((CODE_BYTES + 2) / 3) + 1];
    /* out */
    int64_t id, position;
    bool confirmed;
};

/* The window test, repeated inside the guarded UPDATEs (binds: now, now). InnoDB reads the
 * event's row in this subquery with a shared lock (checked on MariaDB 10.11: an UPDATE of the event
 * waits), so cancelling an event waits for registrations in flight and refuses later ones. */
#define OPEN_SQL                                                                                   \
    " AND (registration_opens_at IS NULL OR registration_opens_at <= ?)"                           \
    " AND COALESCE(registration_closes_at, ends_at) > ?"                                           \
    " AND EXISTS (SELECT 1 FROM events e WHERE e.id = sessions.event_id"                           \
    " AND e.status = 'published')"

/* One transaction. The registration row goes in first (its unique key refuses a second active
 * one at once, without touching the session), then the guarded UPDATE takes the session row's
 * lock, which is therefore held for one round trip only (UPDATE, COMMIT): the lock of a hot
 * session is what bounds registrations for it. A waitlisted place rewrites the new row. */
static int reg_create_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct reg_create *a = arg;
    a->id = a->position = 0;
    a->confirmed = false;
    char now[TIME_BUF];
    time_format_sql(a->now, now);
    struct db_res res;
    int rc = db_exec(db, &res,
                     "INSERT INTO registrations (session_id, user_id, active_user_id, status,"
                     " waitlist_position, checkin_code, created_at, updated_at)"
                     " VALUES (?, ?, ?, 'confirmed', NULL, ?, ?, ?)",
                     "iiisss", a->session_id, a->user_id, a->user_id, a->code, now, now);
    if (rc)
        return rc; /* SD_ERR_DUPLICATE: an active registration exists (or a code collided) */
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    rc = db_exec(db, &res,
                 "UPDATE sessions SET confirmed_count = confirmed_count + 1 WHERE id = ?"
                 " AND confirmed_count < capacity AND waitlist_count = 0" OPEN_SQL,
                 "iss", a->session_id, now, now);
    if (rc)
        return rc;
    a->confirmed = res.affected == 1;
    db_res_clear(&res);
    if (a->confirmed)
        return notify_registrations(db, &a->id, 1);
    /* LAST_INSERT_ID(expr) hands the new count back in the OK packet: no extra SELECT. */
    rc = db_exec(db, &res,
                 "UPDATE sessions SET waitlist_count = LAST_INSERT_ID(waitlist_count + 1)"
                 " WHERE id = ? AND waitlist = 1"
                 " AND (confirmed_count >= capacity OR waitlist_count > 0)" OPEN_SQL,
                 "iss", a->session_id, now, now);
    if (rc)
        return rc;
    if (res.affected == 1)
        a->position = (int64_t)res.insert_id;
    db_res_clear(&res);
    if (a->position) {
        rc = db_exec(db, NULL,
                     "UPDATE registrations SET status = 'waitlisted', waitlist_position = ?"
                     " WHERE id = ?",
                     "ii", a->position, a->id);
        return rc ? rc : notify_registrations(db, &a->id, 1);
    }
    rc = db_exec(db, &res, REG_WHY_SQL, "i", a->session_id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return tx_fail(f, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no such session");
    }
    rc = why_not(f, a->r, &res, a->now);
    db_res_clear(&res);
    return rc ? rc : tx_fail(f, SD_ERR_CONFLICT, "session_full", NULL, "the session is full");
}

static void new_code(char *out)
{
    unsigned char raw[CODE_BYTES];
    crypto_random(raw, sizeof(raw));
    auth_base64url(raw, sizeof(raw), out);
}

/* Replies 409 already_registered with the caller's active registration for the session: 1 when
 * it did, 0 when the caller holds none, -1 after replying a failure. */
static int reply_existing(struct req *r, int64_t session_id)
{
    struct db_res res;
    if (req_exec(r, &res, REG_SELECT " WHERE r.session_id = ? AND r.active_user_id = ?", "ii",
                 session_id, r->user.id) < 0)
        return -1;
    bool held = res.nrows > 0;
    if (held)
        reply_conflict_reg(r, "already_registered",
                           "you already hold a registration for this session",
                           reg_json(&res, 0, false));
    db_res_clear(&res);
    return held;
}

/* A session's event never changes, so each worker thread remembers it (direct-mapped). */
#define SESSION_EVENT_SLOTS 4096
static _Thread_local struct {
    int64_t session_id, event_id;
} session_events[SESSION_EVENT_SLOTS];

/* The event of a session: 0, or -1 after replying (404 session_not_found, 503 …). Drafts are
 * decided in the transaction. */
static int session_event(struct req *r, int64_t session_id, int64_t *event_id)
{
    size_t slot = (size_t)session_id % SESSION_EVENT_SLOTS;
    if (session_events[slot].session_id == session_id) {
        *event_id = session_events[slot].event_id;
        return 0;
    }
    enum { SV_EVENT };
    struct db_res res;
    if (req_exec(r, &res, "SELECT event_id FROM sessions WHERE id = ?", "i", session_id) < 0)
        return -1;
    bool found = res.nrows > 0;
    if (found) {
        *event_id = db_get_i64(&res, 0, SV_EVENT);
        session_events[slot].session_id = session_id;
        session_events[slot].event_id = *event_id;
    }
    db_res_clear(&res);
    if (!found) {
        reply_error(r, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session %lld",
                    (long long)session_id);
        return -1;
    }
    return 0;
}

/* 201 with the registration just made (what a GET would show). */
static void reply_made(struct req *r, int64_t id, int64_t session_id, int64_t event_id,
                       int64_t user_id, bool confirmed, int64_t position, const char *code,
                       int64_t now)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "session_id", (double)session_id);
    cJSON_AddNumberToObject(o, "event_id", (double)event_id);
    cJSON_AddNumberToObject(o, "user_id", (double)user_id);
    cJSON_AddStringToObject(o, "status", confirmed ? "confirmed" : "waitlisted");
    if (confirmed)
        cJSON_AddNullToObject(o, "waitlist_position");
    else
        cJSON_AddNumberToObject(o, "waitlist_position", (double)position);
    json_add_str_or_null(o, "checkin_code", confirmed ? code : NULL);
    cJSON_AddNullToObject(o, "checked_in_at");
    json_add_time(o, "created_at", now);
    json_add_time(o, "updated_at", now);
    reply_created(r, o, "/api/v1/registrations/%lld", (long long)id);
}

/* The single path: one request, one transaction (reg_create_tx). Used for a request whose row
 * collided on its random check-in code in a batch (drawn again here). */
static void registrations_create_tx(struct req *r, struct reg_create *ap)
{
    struct reg_create a = *ap;
    struct tx_fail f;
    int rc;
    for (int attempt = 0;; attempt++) {
        new_code(a.code);
        rc = req_tx_try(r, reg_create_tx, &a, &f);
        /* A registration the caller already holds is the answer to any refusal but 404. */
        if (rc == SD_ERR_DUPLICATE || (rc && (f.err == SD_ERR_CONFLICT || f.err == SD_ERR_INVALID)))
            if (reply_existing(r, a.session_id) != 0)
                return;
        if (rc != SD_ERR_DUPLICATE)
            break;
        /* Not the caller's active registration: the random check-in code collided; draw again. */
        if (attempt == 2) {
            reply_fail(r, SD_ERR_INTERNAL);
            return;
        }
        rlog_warn(r->id, "check-in code collision; retrying");
    }
    if (rc) {
        reply_tx(r, rc, &f);
        return;
    }
    reply_made(r, a.id, a.session_id, a.event_id, a.user_id, a.confirmed, a.position, a.code,
               a.now);
}

/* ---- combined registrations (issue 18) ----
 *
 * Registration requests that arrive while a registration transaction of this process is in
 * flight wait and go into the next one together, whatever their sessions (server/combine.h: the
 * first worker leads, at most registration_batch_max a transaction, then hands over). One
 * transaction per batch, in two round trips (scripts: db_script):
 *   1. START TRANSACTION, the batch's session rows locked for update and their events' status
 *      under a shared lock (batch_lock);
 *   2. in C: each request's outcome in arrival order per session: 404 for a session gone, the
 *      event's or window's refusal (why_closed, as the single path explains it), confirmed while
 *      seats are free and nobody waits, else the next waitlist position, else 409 session_full;
 *      the same user twice for one session in one batch refused as a duplicate of the first;
 *   3. the rows with their final status (one multi-row INSERT), the counters of every session
 *      changed (one UPDATE), the notices of all of them (INSERT … SELECTs that read what they
 *      say, the preferences and the endpoints themselves: notify_registrations_script; the
 *      webhooks' only where step 1 found an endpoint), COMMIT.
 * A row refused by the unique key (the user holds one already, or a check-in code collided)
 * stops the script before its COMMIT; the batch runs again with a round trip per row, where
 * such a row fails alone. Under Galera (ids not consecutive) the INSERT and the read of its ids
 * take a round trip of their own. A batch of one runs the single path's transaction
 * (reg_create_tx). A failure of the whole transaction (deadlock, certification conflict, MySQL
 * away) is retried by db_tx and otherwise answered to every member as the single path would
 * (503); nobody's 201 is sent before the COMMIT returned.
 * Each member replies itself on its own worker: its own response and idempotency record
 * (run_job). Registration writes no audit entry (nor did it before: an entry takes the event
 * row's audit_seq, which would serialize every session of an event). */

#define REG_BATCH_MAX 64
#define REG_COMBINE_KEY 0 /* one combiner for every session (combine.h keys) */

struct reg_member {
    struct req *r;
    int64_t session_id, user_id;
    size_t s; /* its session in reg_batch.s */
    char code[4 * ((CODE_BYTES + 2) / 3) + 1];
    /* out */
    int rc; /* 0: made (id, confirmed, position); else the refusal in f */
    struct tx_fail f;
    int64_t id, position, now;
    bool confirmed;
};

/* A session of the batch, as its locked row and its event's row say. */
struct reg_session {
    int64_t id;
    bool found, waitlist;
    int64_t cap, confirmed, waiting, confirmed0, waiting0, opens, closes, organizer;
    char status[16]; /* the event's; "" when the event is gone */
};

struct reg_batch {
    struct combine_member *const *m;
    size_t n;
    int64_t now;
    struct reg_session s[REG_BATCH_MAX];
    size_t ns;
    bool hooks;   /* an event of the batch has webhook endpoints (batch_lock) */
    bool careful; /* one INSERT a row: a unique key refused a multi-row INSERT */
    bool redo;    /* out: run the transaction again, carefully */
};

static struct reg_member *bm(const struct reg_batch *b, size_t i)
{
    return b->m[i]->arg;
}

/* " IN (1, 2, …)" of n numbers. */
static void sql_in(struct buf *sql, const int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_printf(sql, "%s%lld", i ? ", " : " IN (", (long long)v[i]);
    buf_puts(sql, ")");
}

static void sql_session_ids(struct buf *sql, const struct reg_batch *b)
{
    int64_t ids[REG_BATCH_MAX];
    for (size_t i = 0; i < b->ns; i++)
        ids[i] = b->s[i].id;
    sql_in(sql, ids, b->ns);
}

/* Step 1, one round trip with START TRANSACTION: the sessions' rows, locked for update (on the
 * primary key, forced: a table scan would lock every row it reads; InnoDB takes them in key
 * order, so two batches never wait on each other in a cycle), and their events' status under a
 * shared lock, which an event's cancellation waits for (the single path's OPEN_SQL reads it so).
 * With notices on, also whether any of their events has a webhook endpoint. None can appear for
 * them before COMMIT: an endpoint is created under its event's row lock (handlers/webhooks.c),
 * which the read above holds shared, and this read locks the index gaps it finds empty as well.
 * Where there is none, step 3 leaves out the webhooks' statement, which would find none: most
 * events have no endpoint, and it cost a join a registration (about 8 % of MariaDB's CPU a
 * registration in make bench). */
enum { RB_ID, RB_CAPACITY, RB_CONFIRMED, RB_WAITING, RB_WAITLIST, RB_OPENS, RB_CLOSES };
enum { RE_SESSION, RE_STATUS, RE_ORGANIZER };
static int batch_lock(struct db *db, struct reg_batch *b)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT id, capacity, confirmed_count, waitlist_count, waitlist,"
                   " registration_opens_at, COALESCE(registration_closes_at, ends_at)"
                   " FROM sessions FORCE INDEX (PRIMARY) WHERE id");
    sql_session_ids(&sql, b);
    buf_puts(&sql, " ORDER BY id FOR UPDATE; SELECT s.id, e.status, e.organizer_id FROM sessions s"
                   " FORCE INDEX (PRIMARY) STRAIGHT_JOIN events e ON e.id = s.event_id WHERE s.id");
    sql_session_ids(&sql, b);
    buf_puts(&sql, " LOCK IN SHARE MODE");
    bool notices = notify_enabled();
    if (notices) {
        buf_puts(&sql, "; SELECT 1 FROM sessions s FORCE INDEX (PRIMARY) STRAIGHT_JOIN"
                       " webhook_endpoints w FORCE INDEX (ix_webhook_endpoints_event)"
                       " ON w.event_id = s.event_id WHERE s.id");
        sql_session_ids(&sql, b);
        buf_puts(&sql, " LIMIT 1 LOCK IN SHARE MODE");
    }
    /* Under Galera a brute-force abort between the reads leaves the later ones outside the
     * transaction (README, "Nothing runs after a BF abort"): the script says whether it is still
     * in one before anything is written. */
    bool galera = db_is_galera(db);
    if (galera)
        buf_puts(&sql, "; SELECT @@in_transaction");
    size_t nres = 2 + notices + galera;
    struct db_res res[4];
    int rc = db_script(db, res, nres, sql.p, sql.len, false);
    buf_deinit(&sql);
    if (rc)
        return rc;
    b->hooks = notices && res[2].nrows > 0;
    bool lost = false;
    if (galera) {
        const char *in = db_get(&res[nres - 1], 0, 0);
        lost = !in || strcmp(in, "1") != 0;
    }
    for (size_t i = 2; i < nres; i++)
        db_res_clear(&res[i]);
    if (lost) {
        db_res_clear(&res[0]);
        db_res_clear(&res[1]);
        log_warn("registrations: a batch's transaction was lost while it locked; again");
        return SD_ERR_RETRY;
    }
    for (size_t i = 0; i < b->ns; i++) {
        struct reg_session *s = &b->s[i];
        for (size_t row = 0; row < res[0].nrows; row++) {
            if (s->id != db_get_i64(&res[0], row, RB_ID))
                continue;
            s->found = true;
            s->cap = db_get_i64(&res[0], row, RB_CAPACITY);
            s->confirmed = s->confirmed0 = db_get_i64(&res[0], row, RB_CONFIRMED);
            s->waiting = s->waiting0 = db_get_i64(&res[0], row, RB_WAITING);
            s->waitlist = db_get_i64(&res[0], row, RB_WAITLIST) != 0;
            s->opens = db_get_time(&res[0], row, RB_OPENS);
            s->closes = db_get_time(&res[0], row, RB_CLOSES);
        }
        for (size_t row = 0; row < res[1].nrows; row++) {
            if (s->id != db_get_i64(&res[1], row, RE_SESSION))
                continue;
            const char *status = db_get(&res[1], row, RE_STATUS);
            snprintf(s->status, sizeof(s->status), "%s", status ? status : "");
            s->organizer = db_get_i64(&res[1], row, RE_ORGANIZER);
        }
    }
    db_res_clear(&res[0]);
    db_res_clear(&res[1]);
    return 0;
}

/* Appends the INSERT of rows idx[0..k) (already decided), one statement. Text: every value is a
 * number, a fixed word, our own time format or a base64url check-in code, so one statement
 * carries any batch (a prepared one would be chunked by DB_MAX_PARAMS and prepared once per row
 * count). */
static void sql_insert(struct buf *sql, const struct reg_batch *b, const size_t *idx, size_t k,
                       const char *now)
{
    buf_puts(sql, "INSERT INTO registrations (session_id, user_id, active_user_id, status,"
                  " waitlist_position, checkin_code, created_at, updated_at) VALUES ");
    for (size_t j = 0; j < k; j++) {
        const struct reg_member *x = bm(b, idx[j]);
        char pos[24] = "NULL";
        if (!x->confirmed)
            snprintf(pos, sizeof(pos), "%lld", (long long)x->position);
        buf_printf(sql, "%s(%lld, %lld, %lld, '%s', %s, '%s', '%s', '%s')", j ? ", " : "",
                   (long long)x->session_id, (long long)x->user_id, (long long)x->user_id,
                   x->confirmed ? "confirmed" : "waitlisted", pos, x->code, now, now);
    }
}

/* Under Galera (no consecutive ids): the rows' ids, read back by the unique key (session_id,
 * active_user_id) in the round trip of their INSERT. SD_ERR_RETRY when one is not there: the
 * transaction is no longer ours (a brute-force abort rolled it back and the read ran outside
 * it), and nothing of it will commit. */
static int batch_insert_read_ids(struct db *db, const struct reg_batch *b, const size_t *idx,
                                 size_t k, const char *now)
{
    enum { RI_ID, RI_SESSION, RI_USER };
    int64_t users[REG_BATCH_MAX];
    for (size_t j = 0; j < k; j++)
        users[j] = bm(b, idx[j])->user_id;
    struct buf sql;
    buf_init(&sql);
    sql_insert(&sql, b, idx, k, now);
    buf_puts(&sql, "; SELECT id, session_id, active_user_id FROM registrations WHERE session_id");
    sql_session_ids(&sql, b);
    buf_puts(&sql, " AND active_user_id");
    sql_in(&sql, users, k);
    struct db_res res[2];
    int rc = db_script(db, res, 2, sql.p, sql.len, false);
    buf_deinit(&sql);
    if (rc)
        return rc;
    for (size_t row = 0; row < res[1].nrows; row++) {
        int64_t sid = db_get_i64(&res[1], row, RI_SESSION);
        int64_t uid = db_get_i64(&res[1], row, RI_USER);
        for (size_t j = 0; j < k; j++) {
            struct reg_member *x = bm(b, idx[j]);
            if (x->user_id == uid && x->session_id == sid)
                x->id = db_get_i64(&res[1], row, RI_ID);
        }
    }
    db_res_clear(&res[0]);
    db_res_clear(&res[1]);
    for (size_t j = 0; j < k; j++)
        if (!bm(b, idx[j])->id)
            return SD_ERR_RETRY;
    return 0;
}

/* Appends the counters of the sessions changed, one UPDATE (no guard: the rows and their events'
 * were read under this transaction's locks); *nc gets how many. */
static void sql_counters(struct buf *sql, const struct reg_batch *b, size_t *nc)
{
    int64_t ids[REG_BATCH_MAX];
    size_t n = 0;
    buf_puts(sql, "UPDATE sessions SET confirmed_count = CASE id");
    for (size_t i = 0; i < b->ns; i++)
        if (b->s[i].confirmed != b->s[i].confirmed0 || b->s[i].waiting != b->s[i].waiting0) {
            ids[n++] = b->s[i].id;
            buf_printf(sql, " WHEN %lld THEN %lld", (long long)b->s[i].id,
                       (long long)b->s[i].confirmed);
        }
    buf_puts(sql, " END, waitlist_count = CASE id");
    for (size_t i = 0; i < b->ns; i++)
        if (b->s[i].confirmed != b->s[i].confirmed0 || b->s[i].waiting != b->s[i].waiting0)
            buf_printf(sql, " WHEN %lld THEN %lld", (long long)b->s[i].id,
                       (long long)b->s[i].waiting);
    buf_puts(sql, " END WHERE id");
    sql_in(sql, ids, n);
    *nc = n;
}

/* Steps 2 and 3: each request's outcome in arrival order; with b->careful each row is inserted
 * alone here (a duplicate fails only its own). Returns how many rows go in (idx). */
static int batch_decide(struct db *db, struct reg_batch *b, const char *now, size_t *idx,
                        size_t *k)
{
    *k = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct reg_member *x = bm(b, i);
        struct reg_session *s = &b->s[x->s];
        if (!s->found) {
            x->rc = tx_fail(&x->f, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no such session");
            continue;
        }
        x->rc = why_closed(&x->f, x->r, s->status[0] ? s->status : NULL, s->organizer, s->opens,
                           s->closes, b->now);
        if (x->rc)
            continue;
        bool again = false;
        for (size_t j = 0; j < i && !again; j++) {
            const struct reg_member *y = bm(b, j);
            again = y->user_id == x->user_id && y->session_id == x->session_id &&
                    y->rc != SD_ERR_DUPLICATE;
        }
        if (again) {
            x->rc = SD_ERR_DUPLICATE; /* answered with the first one's registration */
            continue;
        }
        bool seat = s->confirmed < s->cap && s->waiting == 0;
        if (!seat && !s->waitlist) {
            x->rc = tx_fail(&x->f, SD_ERR_CONFLICT, "session_full", NULL,
                            "the session is full and has no waitlist");
            continue;
        }
        x->confirmed = seat;
        x->position = seat ? 0 : s->waiting + 1;
        if (b->careful) {
            struct buf sql;
            buf_init(&sql);
            sql_insert(&sql, b, &i, 1, now);
            struct db_res res;
            int rc = db_script(db, &res, 1, sql.p, sql.len, false);
            buf_deinit(&sql);
            if (rc == SD_ERR_DUPLICATE) {
                x->rc = rc; /* this row alone: the statement is undone, the rest stands */
                x->confirmed = false;
                x->position = 0;
                continue;
            }
            if (rc)
                return rc;
            x->id = (int64_t)res.insert_id;
        }
        if (seat)
            s->confirmed++;
        else
            s->waiting++;
        idx[(*k)++] = i;
    }
    return 0;
}

static int reg_batch_tx(struct db *db, void *arg, struct tx_fail *f)
{
    (void)f;
    struct reg_batch *b = arg;
    char now[TIME_BUF];
    time_format_sql(b->now, now);
    for (size_t i = 0; i < b->n; i++) {
        struct reg_member *x = bm(b, i);
        x->rc = 0;
        memset(&x->f, 0, sizeof(x->f));
        x->id = x->position = 0;
        x->confirmed = false;
        x->now = b->now;
    }
    for (size_t i = 0; i < b->ns; i++)
        b->s[i] = (struct reg_session){.id = b->s[i].id};
    size_t idx[REG_BATCH_MAX], k;
    int rc = batch_lock(db, b);
    if (!rc)
        rc = batch_decide(db, b, now, idx, &k);
    if (rc || !k)
        return rc;

    /* Step 4, one round trip: the rows (unless in already), the counters, the notices, COMMIT.
     * The ids of a multi-row INSERT are consecutive from the first where the server promises it;
     * else (Galera) they are read back in a round trip of their own. */
    int step = db_autoinc_step(db);
    bool rows_in = b->careful;
    if (!rows_in && step == 0) {
        if ((rc = batch_insert_read_ids(db, b, idx, k, now)) == SD_ERR_DUPLICATE)
            b->careful = b->redo = true;
        if (rc)
            return rc;
        rows_in = true;
    }
    struct buf sql;
    buf_init(&sql);
    size_t nst = 0, nc = 0;
    struct buf ids; /* the rows' ids as the notices select them (SQL after "r.id") */
    buf_init(&ids);
    if (!rows_in) {
        sql_insert(&sql, b, idx, k, now);
        buf_puts(&sql, "; SET @sd_reg_first = LAST_INSERT_ID(); ");
        nst += 2;
        /* with a step above 1, ids of the other offsets (another primary's) may lie between */
        buf_printf(&ids, " BETWEEN @sd_reg_first AND @sd_reg_first + %lld%s",
                   (long long)(k - 1) * step,
                   step > 1 ? " AND MOD(r.id - @sd_reg_first, @@auto_increment_increment) = 0"
                            : "");
    } else {
        int64_t v[REG_BATCH_MAX];
        for (size_t j = 0; j < k; j++)
            v[j] = bm(b, idx[j])->id;
        sql_in(&ids, v, k);
    }
    size_t counters = nst++;
    sql_counters(&sql, b, &nc);
    if (rows_in) /* written only while the first row is there for this transaction (as below) */
        buf_printf(&sql, " AND EXISTS (SELECT 1 FROM registrations WHERE id = %lld)",
                   (long long)bm(b, idx[0])->id);
    size_t notices = nst;
    nst += notify_registrations_script(&sql, ids.p, b->hooks);
    buf_puts(&sql, "; COMMIT");
    nst++;
    struct db_res res[7];
    SD_ASSERT(nst <= SD_ARRAY_LEN(res));
    rc = db_script(db, res, nst, sql.p, sql.len, true);
    buf_deinit(&sql);
    if (rc == SD_ERR_DUPLICATE)
        b->careful = b->redo = true;
    if (rc) {
        buf_deinit(&ids);
        return rc;
    }
    if (!rows_in)
        for (size_t j = 0; j < k; j++)
            bm(b, idx[j])->id = (int64_t)res[0].insert_id + (int64_t)j * step;
    uint64_t written = 0;
    for (size_t i = notices; i < nst - 1; i++)
        written += res[i].affected;
    bool whole = res[counters].affected == nc && (nst - 1 == notices || written >= k);
    for (size_t i = 0; i < nst; i++)
        db_res_clear(&res[i]);
    if (whole && db_is_galera(db)) {
        /* A brute-force abort between two statements of the script leaves the rest outside the
         * transaction, and COMMIT then succeeds with nothing in it. Every write of the script is
         * made only while the batch's rows are there for it (the counters and the notices read
         * them), so the committed rows say whether the batch committed. */
        struct buf q;
        buf_init(&q);
        buf_printf(&q, "SELECT COUNT(*) FROM registrations WHERE id%s", ids.p);
        struct db_res got;
        rc = db_script(db, &got, 1, q.p, q.len, false);
        buf_deinit(&q);
        if (rc) {
            buf_deinit(&ids);
            return rc == SD_ERR_RETRY ? SD_ERR_UNAVAILABLE : rc;
        }
        whole = db_get_i64(&got, 0, 0) == (int64_t)k;
        db_res_clear(&got);
    }
    buf_deinit(&ids);
    if (!whole) {
        /* The COMMIT ran, but what it should have held was not there: the transaction was rolled
         * back under us (Galera), and the statements after it wrote nothing (the counters and the
         * notices read the registrations). Nothing of it is committed: again. */
        log_warn("registrations: a batch's transaction was lost before its COMMIT; again");
        return SD_ERR_RETRY;
    }
    return 0;
}

struct reg_leader {
    struct req *r; /* the leader's request: its worker's connection runs the batch */
};

static void reg_batch_run(struct combine_member *const *m, size_t n, void *ctx)
{
    struct reg_leader *l = ctx;
    struct reg_batch b = {.m = m, .n = n, .now = time_now()};
    struct tx_fail f;
    int rc = 0;
    if (n == 1) {
        /* Alone: the single path's transaction, which holds the session's lock for one round
         * trip (the row goes in first); a batch pays one statement more to read the counters. */
        struct reg_member *x = m[0]->arg;
        struct reg_create a = {.r = x->r, .session_id = x->session_id, .user_id = x->user_id,
                               .now = b.now};
        memcpy(a.code, x->code, sizeof(a.code));
        x->rc = req_tx_try(l->r, reg_create_tx, &a, &x->f);
        x->id = a.id;
        x->confirmed = a.confirmed;
        x->position = a.position;
        x->now = b.now;
        return;
    }
    for (size_t i = 0; i < n; i++) { /* the batch's sessions */
        struct reg_member *x = m[i]->arg;
        size_t s = 0;
        while (s < b.ns && b.s[s].id != x->session_id)
            s++;
        if (s == b.ns)
            b.s[b.ns++].id = x->session_id;
        x->s = s;
    }
    for (int attempt = 0;; attempt++) {
        b.redo = false;
        rc = req_tx_try_lazy(l->r, reg_batch_tx, &b, &f);
        if (!(rc && b.redo && attempt < 3))
            break;
    }
    if (rc) { /* nothing of the batch is committed: every member answers the failure */
        if (b.redo)
            rc = SD_ERR_UNAVAILABLE;
        for (size_t i = 0; i < n; i++) {
            struct reg_member *x = m[i]->arg;
            x->rc = rc;
            x->f = f;
        }
    }
}

/* A request in the combiner: what it asked, and its place in the queue. On the heap: it outlives
 * the handler's frame while the request is parked. */
struct reg_join {
    struct reg_create a;
    struct reg_member x;
    struct combine_member cm;
};

/* The reply, once the batch that carried the request has decided it. */
static void reg_answer(struct req *r, struct reg_join *j)
{
    struct reg_create *a = &j->a;
    struct reg_member *x = &j->x;
    if (!x->rc) {
        reply_made(r, x->id, a->session_id, a->event_id, a->user_id, x->confirmed, x->position,
                   x->code, x->now);
    } else if ((x->rc == SD_ERR_DUPLICATE || x->f.err == SD_ERR_CONFLICT ||
                x->f.err == SD_ERR_INVALID) &&
               reply_existing(r, a->session_id) != 0) {
        /* A registration the caller already holds is the answer to any refusal but 404. */
    } else if (x->rc == SD_ERR_DUPLICATE) {
        /* Not the caller's: the check-in code collided (or the holder cancelled meanwhile). */
        rlog_warn(r->id, "registration refused by a unique key in a batch; alone again");
        registrations_create_tx(r, a);
    } else {
        reply_tx(r, x->rc, &x->f);
    }
    free(j);
}

static void reg_wake(struct combine_member *m)
{
    struct reg_member *x = m->arg;
    req_resume(x->r);
}

/* A parked registration, woken: it leads the next batch, or its batch has decided it. */
static void reg_resumed(struct req *r, void *arg)
{
    struct reg_join *j = arg;
    struct reg_leader l = {.r = r};
    combine_resume(REG_COMBINE_KEY, &j->cm, (size_t)r->app->cfg->registration_batch_max,
                   reg_batch_run, &l);
    reg_answer(r, j);
}

void registrations_create(struct req *r)
{
    struct reg_create a = {.r = r, .user_id = r->user.id, .now = time_now()};
    if (req_param_id(r, 0, &a.session_id) < 0)
        return;
    if (r->body_len) { /* no fields today, but a body must be a JSON object */
        cJSON *body = json_body(r);
        if (!body)
            return;
        cJSON_Delete(body);
    }
    /* 404 for a session that does not exist, before joining anyone's batch. */
    if (session_event(r, a.session_id, &a.event_id) < 0)
        return;
    struct reg_join *j = xcalloc(1, sizeof(*j));
    j->a = a;
    j->x = (struct reg_member){.r = r, .session_id = a.session_id, .user_id = r->user.id};
    new_code(j->x.code);
    j->cm.arg = &j->x;
    j->cm.wake = reg_wake;
    struct reg_leader l = {.r = r};
    if (r->app->cfg->registration_batch_max > 1) {
        /* While other workers' batches run, this request waits parked, not on its worker: a
         * batch can then carry as many requests as are waiting, not only as many as there are
         * workers. */
        req_park(r, reg_resumed, j);
        if (!combine_enter(REG_COMBINE_KEY, &j->cm, (size_t)r->app->cfg->registration_batch_max,
                           reg_batch_run, &l))
            return; /* j and r are the waker's now */
        req_unpark(r); /* it led its own batch, here */
    } else { /* combining off: every request its own transaction, concurrently, as before */
        struct combine_member *one[1] = {&j->cm};
        reg_batch_run(one, 1, &l);
    }
    reg_answer(r, j);
}

/* ---- read, cancel ---- */

void registrations_get(struct req *r)
{
    int64_t id;
    struct registration_ref reg;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || access_registration(r, id, &reg) < 0 ||
        reg_load(r, id, &res) < 0)
        return;
    cJSON *o = reg_json(&res, 0, true);
    db_res_clear(&res);
    reply_json(r, 200, o);
}

struct reg_cancel {
    int64_t id, session_id, now;
    int64_t holder; /* non-zero: cancelled by the organizer (or an admin), tell the holder */
    int64_t promoted;
};

enum { RC_CAPACITY, RC_CONFIRMED, RC_WAITING };
#define REG_CANCEL_SESSION_SQL                                                                     \
    "SELECT capacity, confirmed_count, waitlist_count FROM sessions WHERE id = ? FOR UPDATE"
enum { RS_STATUS, RS_POSITION };
#define REG_CANCEL_ROW_SQL                                                                         \
    "SELECT status, waitlist_position FROM registrations WHERE id = ? FOR UPDATE"

static int reg_cancel_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct reg_cancel *a = arg;
    a->promoted = 0;
    char now[TIME_BUF];
    time_format_sql(a->now, now);
    struct db_res res;
    /* Session row first, as in registration: one lock order, no deadlocks between the two. */
    int rc = db_exec(db, &res, REG_CANCEL_SESSION_SQL, "i", a->session_id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return tx_fail(f, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session");
    }
    int64_t cap = db_get_i64(&res, 0, RC_CAPACITY), confirmed = db_get_i64(&res, 0, RC_CONFIRMED);
    int64_t waiting = db_get_i64(&res, 0, RC_WAITING);
    db_res_clear(&res);
    rc = db_exec(db, &res, REG_CANCEL_ROW_SQL, "i", a->id);
    if (rc)
        return rc;
    char status[16] = "";
    int64_t pos = 0;
    if (res.nrows) {
        snprintf(status, sizeof(status), "%s", db_get(&res, 0, RS_STATUS));
        pos = db_get_i64(&res, 0, RS_POSITION);
    }
    db_res_clear(&res);
    if (!status[0] || strcmp(status, "cancelled") == 0)
        return tx_fail(f, SD_ERR_CONFLICT, "already_cancelled", NULL,
                       "the registration is already cancelled");
    rc = db_exec(db, NULL,
                 "UPDATE registrations SET status = 'cancelled', active_user_id = NULL,"
                 " waitlist_position = NULL, updated_at = ? WHERE id = ?",
                 "si", now, a->id);
    if (rc)
        return rc;
    if (strcmp(status, "confirmed") == 0) {
        confirmed--;
        int64_t free_seats = cap - confirmed;
        rc = do_registrations_promote(
            db, a->session_id, free_seats < waiting ? free_seats : waiting, a->now, &a->promoted);
        if (rc)
            return rc;
        confirmed += a->promoted;
        waiting -= a->promoted;
    } else {
        rc = db_exec(db, NULL,
                     "UPDATE registrations SET waitlist_position = waitlist_position - 1,"
                     " updated_at = ? WHERE session_id = ? AND status = 'waitlisted'"
                     " AND waitlist_position > ?",
                     "sii", now, a->session_id, pos);
        if (rc)
            return rc;
        waiting--;
    }
    rc = db_exec(db, NULL,
                 "UPDATE sessions SET confirmed_count = ?, waitlist_count = ? WHERE id = ?",
                 "iii", confirmed, waiting, a->session_id);
    if (rc || !a->holder)
        return rc;
    int64_t event_id = 0;
    cJSON *d = notify_session_data(db, a->session_id, &event_id, &rc);
    if (!d)
        return rc;
    rc = reg_notify(db, NOTIFY_REGISTRATION_CANCELLED, d, event_id, a->holder, a->id, "cancelled",
                    0);
    cJSON_Delete(d);
    return rc;
}

void registrations_cancel(struct req *r)
{
    struct reg_cancel a = {.now = time_now()};
    struct registration_ref reg;
    struct db_res res;
    if (req_param_id(r, 0, &a.id) < 0 || access_registration(r, a.id, &reg) < 0)
        return;
    a.session_id = reg.session_id;
    a.holder = reg.user_id != r->user.id ? reg.user_id : 0;
    if (req_tx(r, reg_cancel_tx, &a) < 0 || reg_load(r, a.id, &res) < 0)
        return;
    cJSON *o = reg_json(&res, 0, false);
    db_res_clear(&res);
    cJSON_AddNumberToObject(o, "promoted", (double)a.promoted);
    reply_json(r, 200, o);
}

/* ---- the caller's own, in event and session views ---- */

enum { MY_ID, MY_SESSION, MY_STATUS, MY_POSITION, MY_CREATED };
#define MY_SELECT                                                                                  \
    "SELECT r.id, r.session_id, r.status, r.waitlist_position, r.created_at FROM registrations r"  \
    " JOIN sessions s ON s.id = r.session_id"                                                      \
    " WHERE r.user_id = ? AND r.status IN ('confirmed', 'waitlisted')"

static cJSON *my_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, MY_ID));
    cJSON_AddNumberToObject(o, "session_id", (double)db_get_i64(res, i, MY_SESSION));
    cJSON_AddStringToObject(o, "status", db_get(res, i, MY_STATUS));
    if (db_get(res, i, MY_POSITION))
        cJSON_AddNumberToObject(o, "waitlist_position", (double)db_get_i64(res, i, MY_POSITION));
    else
        cJSON_AddNullToObject(o, "waitlist_position");
    json_add_time(o, "created_at", db_get_time(res, i, MY_CREATED));
    return o;
}

int registrations_add_mine(struct req *r, int64_t event_id, cJSON *event)
{
    struct db_res res;
    if (!r->user.id)
        return 0;
    if (req_exec(r, &res, MY_SELECT " AND s.event_id = ? ORDER BY s.starts_at, s.id, r.id", "ii",
                 r->user.id, event_id) < 0)
        return -1;
    cJSON *arr = cJSON_AddArrayToObject(event, "my_registrations");
    for (size_t i = 0; i < res.nrows; i++)
        cJSON_AddItemToArray(arr, my_json(&res, i));
    db_res_clear(&res);
    return 0;
}

int registrations_add_mine_session(struct req *r, int64_t session_id, cJSON *session)
{
    struct db_res res;
    if (!r->user.id)
        return 0;
    if (req_exec(r, &res, MY_SELECT " AND r.session_id = ? ORDER BY r.id LIMIT 1", "ii",
                 r->user.id, session_id) < 0)
        return -1;
    if (res.nrows)
        cJSON_AddItemToObject(session, "my_registration", my_json(&res, 0));
    else
        cJSON_AddNullToObject(session, "my_registration");
    db_res_clear(&res);
    return 0;
}

/* ---- lists and export ---- */

/* The `status` filter: NULL for all (absent, or empty as a form sends it); -1 after replying 400
 * for an unknown one. */
static int status_filter(struct req *r, const char **out)
{
    const char *v = req_query(r, "status");
    int i;
    *out = NULL;
    if (!v || !*v)
        return 0;
    if (req_query_enum(r, "status", true, reg_statuses, &i) < 0)
        return -1;
    *out = reg_statuses[i];
    return 0;
}

/* Replies a page of REG_SELECT rows (pg.limit + 1 were asked for). */
static void reply_regs(struct req *r, struct db_res *res, const struct page *pg, bool with_user)
{
    cJSON *items = cJSON_CreateArray();
    bool more = res->nrows > (size_t)pg->limit;
    size_t n = more ? (size_t)pg->limit : res->nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, reg_json(res, i, with_user));
    int64_t last = n ? db_get_i64(res, n - 1, REG_ID) : 0;
    db_res_clear(res);
    reply_page(r, items, more, PAGE_KEYS(last));
}

void registrations_mine(struct req *r)
{
    struct page pg;
    const char *status;
    struct db_res res;
    if (req_page(r, 20, 100, 1, &pg) < 0 || status_filter(r, &status) < 0 ||
        req_exec(r, &res,
                 REG_SELECT " WHERE r.user_id = ? AND r.id > ? AND (? IS NULL OR r.status = ?)"
                            " ORDER BY r.id LIMIT ?",
                 "iissi", r->user.id, page_key(&pg, 0, 0), status, status,
                 (int64_t)pg.limit + 1) < 0)
        return;
    reply_regs(r, &res, &pg, false);
}

static void reply_csv(struct req *r, int64_t session_id, struct db_res *res)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "\xEF\xBB\xBF"); /* UTF-8 BOM: spreadsheet programs then read Chinese right */
    struct csv c;
    csv_init(&c, &b);
    static const char *const head[] = {"registration_id", "user_id",       "display_name",
                                       "email",           "status",        "waitlist_position",
                                       "checkin_code",    "checked_in_at", "created_at"};
    for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++)
        csv_value(&c, head[k]);
    csv_row_end(&c);
    char t1[TIME_BUF], t2[TIME_BUF];
    for (size_t i = 0; i < res->nrows; i++) {
        bool confirmed = strcmp(db_get(res, i, REG_STATUS), "confirmed") == 0;
        int64_t in = db_get_time(res, i, REG_CHECKED_IN);
        csv_value(&c, db_get(res, i, REG_ID));
        csv_value(&c, db_get(res, i, REG_USER));
        csv_text(&c, db_get(res, i, REG_U_NAME));
        csv_text(&c, db_get(res, i, REG_U_EMAIL));
        csv_value(&c, db_get(res, i, REG_STATUS));
        csv_value(&c, db_get(res, i, REG_POSITION));
        csv_value(&c, confirmed ? db_get(res, i, REG_CODE) : NULL);
        csv_value(&c, in ? time_format_rfc3339(in, t1) : NULL);
        csv_value(&c, time_format_rfc3339(db_get_time(res, i, REG_CREATED), t2));
        csv_row_end(&c);
    }
    db_res_clear(res);
    char disp[96];
    snprintf(disp, sizeof(disp), "attachment; filename=\"session-%lld-registrations.csv\"",
             (long long)session_id);
    reply_header(r, "Content-Disposition", disp);
    size_t len;
    char *body = buf_take(&b, &len);
    buf_deinit(&b);
    reply_body(r, 200, "text/csv; charset=utf-8", body, len);
}

void registrations_of_session(struct req *r)
{
    static const char *const formats[] = {"json", "csv", NULL};
    enum { FORMAT_JSON, FORMAT_CSV };
    int64_t sid;
    int format = FORMAT_JSON;
    struct page pg;
    const char *status;
    struct session_ref s;
    struct db_res res;
    if (req_param_id(r, 0, &sid) < 0 || req_query_enum(r, "format", false, formats, &format) < 0 ||
        req_page(r, 50, 500, 1, &pg) < 0 || status_filter(r, &status) < 0 ||
        access_session(r, sid, ACCESS_MANAGE, &s) < 0)
        return;
    if (format == FORMAT_CSV) {
        if (req_exec(r, &res,
                     REG_SELECT " WHERE r.session_id = ? AND (? IS NULL OR r.status = ?)"
                                " ORDER BY r.id LIMIT ?",
                     "issi", sid, status, status, (int64_t)CSV_MAX_ROWS) < 0)
            return;
        reply_csv(r, sid, &res);
        return;
    }
    if (req_exec(r, &res,
                 REG_SELECT " WHERE r.session_id = ? AND r.id > ? AND (? IS NULL OR r.status = ?)"
                            " ORDER BY r.id LIMIT ?",
                 "iissi", sid, page_key(&pg, 0, 0), status, status, (int64_t)pg.limit + 1) < 0)
        return;
    reply_regs(r, &res, &pg, true);
}

/* ---- check-in ---- */

struct checkin {
    struct req *r;
    int64_t id, event_id, user_id, now;
    bool refused; /* not confirmed, or already checked in: nothing written */
};

static int checkin_tx(struct db *db, void *arg, struct tx_fail *f)
{
    (void)f;
    struct checkin *a = arg;
    char now[TIME_BUF];
    struct db_res res;
    int rc = db_exec(db, &res,
                     "UPDATE registrations SET checked_in_at = ?, updated_at = ? WHERE id = ?"
                     " AND status = 'confirmed' AND checked_in_at IS NULL",
                     "ssi", time_format_sql(a->now, now), now, a->id);
    if (rc)
        return rc;
    a->refused = res.affected != 1;
    db_res_clear(&res);
    if (a->refused)
        return 0; /* answered with the registration as it stands */
    char subject[64], detail[64];
    snprintf(subject, sizeof(subject), "registration %lld", (long long)a->id);
    snprintf(detail, sizeof(detail), "user %lld", (long long)a->user_id);
    return audit_record(db, a->r, a->event_id, "checkin", subject, detail);
}

/* 409 checkin_not_open / checkin_closed: the window of the session (its event's
 * checkin_opens_min before the start to checkin_closes_min after the end) with the moment it
 * opens or closed, as RFC 3339 UTC in the message and in error.opens_at / error.closes_at. */
static void reply_window(struct req *r, const char *code, const char *name, int64_t at,
                         const char *verb)
{
    char t[TIME_BUF], m[256];
    time_format_rfc3339(at, t);
    snprintf(m, sizeof(m), "check-in for this session %s at %s", verb, t);
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", m);
    cJSON_AddStringToObject(e, name, t);
    r->err_code = code;
    reply_json(r, 409, o);
}

/* Whether now is inside the check-in window of REG_SELECT row 0; replies 409 when not. */
static int checkin_window(struct req *r, const struct db_res *res, int64_t now)
{
    int64_t opens = db_get_time(res, 0, REG_S_STARTS) - 60 * db_get_i64(res, 0, REG_E_CHECKIN_OPENS);
    int64_t closes =
        db_get_time(res, 0, REG_S_ENDS) + 60 * db_get_i64(res, 0, REG_E_CHECKIN_CLOSES);
    if (now < opens) {
        reply_window(r, "checkin_not_open", "opens_at", opens, "opens");
        return -1;
    }
    if (now > closes) {
        reply_window(r, "checkin_closed", "closes_at", closes, "closed");
        return -1;
    }
    return 0;
}

void registrations_checkin(struct req *r)
{
    /* One code for "not yours to check in", whoever asks: an attendee or enterprise user is
     * refused before the code is looked up (no lookup oracle), with the code another
     * organizer's desk gets. */
    if (!(r->user.roles & (ROLE_ORGANIZER | ROLE_ADMIN))) {
        reply_error(r, SD_ERR_FORBIDDEN, "not_your_event", NULL,
                    "only the event's organizer (or an admin) checks registrations in");
        return;
    }
    cJSON *body = json_body(r);
    if (!body)
        return;
    const char *code;
    struct db_res res;
    bool failed = json_text(r, body, "code", true, LIMIT_CHECKIN_CODE, &code) < 0 ||
                  req_exec(r, &res, REG_SELECT " WHERE r.checkin_code = ?", "s", code) < 0;
    cJSON_Delete(body);
    if (failed)
        return;
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, "unknown_code", "code", "no registration has this code");
        return;
    }
    struct checkin a = {.r = r, .now = time_now()};
    a.id = db_get_i64(&res, 0, REG_ID);
    a.event_id = db_get_i64(&res, 0, REG_EVENT);
    a.user_id = db_get_i64(&res, 0, REG_USER);
    bool manager = access_event_manager(r, db_get_i64(&res, 0, REG_E_ORGANIZER));
    /* Only a check-in that would be written is held to the window: a re-scan of a badge already
     * checked in, or of a waitlisted one, is answered as it stands (409 below). */
    bool pending = strcmp(db_get(&res, 0, REG_STATUS), "confirmed") == 0 &&
                   !db_get(&res, 0, REG_CHECKED_IN);
    if (!manager) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_FORBIDDEN, "not_your_event", NULL,
                    "this code belongs to another organizer's event");
        return;
    }
    int win = pending ? checkin_window(r, &res, a.now) : 0;
    db_res_clear(&res);
    if (win < 0)
        return;
    if (req_tx(r, checkin_tx, &a) < 0 || reg_load(r, a.id, &res) < 0)
        return;
    const char *status = db_get(&res, 0, REG_STATUS);
    cJSON *o = reg_json(&res, 0, true);
    if (a.refused && strcmp(status, "confirmed") == 0)
        reply_conflict_reg(r, "already_checked_in", "this registration is already checked in", o);
    else if (a.refused)
        reply_conflict_reg(r, "not_confirmed",
                           strcmp(status, "waitlisted") == 0
                               ? "this registration is on the waitlist, not confirmed"
                               : "this registration is cancelled",
                           o);
    else
        reply_json(r, 200, o);
    db_res_clear(&res);
}
