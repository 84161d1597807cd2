#include "handlers/registrations.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "handlers/events.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/buf.h"
#include "server/csv.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/log.h"
#include "server/timeutil.h"

static const char *const reg_statuses[] = {"confirmed", "waitlisted", "cancelled", NULL};

#define CODE_BYTES 12 /* 96 random bits → 16 base64url characters */
#define CSV_MAX_ROWS 1000000

/* Every registration read goes through this select (columns indexed by REG_*). */
#define REG_SELECT                                                                                 \
    "SELECT r.id, r.session_id, s.event_id, r.user_id, r.status, r.waitlist_position,"             \
    " r.checkin_code, r.checked_in_at, r.created_at, r.updated_at, s.title, s.starts_at,"          \
    " s.ends_at, s.room, e.title, e.organizer_id, u.display_name, u.email"                         \
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

/* Loads one registration (REG_SELECT row) into *res; res->nrows 0 when absent. */
static int reg_load(struct db *db, int64_t id, struct db_res *res)
{
    return db_exec(db, res, REG_SELECT " WHERE r.id = ?", "i", id);
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

int do_registrations_promote(struct db *db, int64_t session_id, int64_t n, int64_t now,
                             int64_t *promoted)
{
    *promoted = 0;
    if (n <= 0)
        return 0;
    char nb[TIME_BUF];
    time_format_sql(now, nb);
    struct db_res res;
    int rc = db_exec(db, &res,
                     "UPDATE registrations SET status = 'confirmed', waitlist_position = NULL,"
                     " updated_at = ? WHERE session_id = ? AND status = 'waitlisted'"
                     " AND waitlist_position <= ?",
                     "sii", nb, session_id, n);
    if (rc)
        return rc;
    int64_t k = (int64_t)res.affected;
    db_res_clear(&res);
    if (k > 0) {
        rc = db_exec(db, NULL,
                     "UPDATE registrations SET waitlist_position = waitlist_position - ?,"
                     " updated_at = ? WHERE session_id = ? AND status = 'waitlisted'",
                     "isi", k, nb, session_id);
        if (rc)
            return rc;
    }
    *promoted = k;
    return 0;
}

/* ---- create ---- */

/* Why a registration cannot be made now (a failure recorded in f), or 0. */
static int why_not(struct events_fail *f, bool manager, const char *event_status, int64_t opens,
                   int64_t closes, int64_t now, int64_t cap, int64_t confirmed, int64_t waiting,
                   bool waitlist)
{
    if (strcmp(event_status, "draft") == 0)
        return manager ? events_fail_set(f, SD_ERR_CONFLICT, "event_not_published", NULL,
                                         "the event is not published yet")
                       : events_fail_set(f, SD_ERR_NOT_FOUND, "session_not_found", NULL,
                                         "no such session");
    if (strcmp(event_status, "published") != 0)
        return events_fail_set(f, SD_ERR_CONFLICT, "event_cancelled", NULL,
                               "the event is cancelled");
    if (opens && now < opens)
        return events_fail_set(f, SD_ERR_INVALID, "registration_not_open", NULL,
                               "registration has not opened yet");
    if (now >= closes)
        return events_fail_set(f, SD_ERR_INVALID, "registration_closed", NULL,
                               "registration is closed");
    if (!(confirmed < cap && waiting == 0) && !waitlist)
        return events_fail_set(f, SD_ERR_CONFLICT, "session_full", NULL,
                               "the session is full and has no waitlist");
    return 0;
}

struct reg_create {
    int64_t session_id, event_id, user_id, now;
    bool manager;
    const struct req *req;
    bool (*can_manage)(const struct req *r, int64_t organizer_id);
    char code[4 * ((CODE_BYTES + 2) / 3) + 1];
    /* out */
    int64_t id, position;
    bool confirmed;
    struct events_fail fail;
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
static int reg_create_tx(struct db *db, void *arg)
{
    struct reg_create *a = arg;
    memset(&a->fail, 0, sizeof(a->fail));
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
        return 0;
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
    if (a->position)
        return db_exec(db, NULL,
                       "UPDATE registrations SET status = 'waitlisted', waitlist_position = ?"
                       " WHERE id = ?",
                       "ii", a->position, a->id);
    rc = db_exec(db, &res,
                 "SELECT capacity, confirmed_count, waitlist_count, waitlist,"
                 " registration_opens_at, COALESCE(registration_closes_at, ends_at),"
                 " (SELECT e.status FROM events e WHERE e.id = sessions.event_id),"
                 " (SELECT e.organizer_id FROM events e WHERE e.id = sessions.event_id)"
                 " FROM sessions WHERE id = ? FOR UPDATE",
                 "i", a->session_id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return events_fail_set(&a->fail, SD_ERR_NOT_FOUND, "session_not_found", NULL,
                               "no such session");
    }
    a->manager = a->can_manage(a->req, db_get_i64(&res, 0, 7));
    rc = why_not(&a->fail, a->manager, db_get(&res, 0, 6), db_get_time(&res, 0, 4),
                 db_get_time(&res, 0, 5), a->now, db_get_i64(&res, 0, 0), db_get_i64(&res, 0, 1),
                 db_get_i64(&res, 0, 2), db_get_i64(&res, 0, 3) != 0);
    db_res_clear(&res);
    return rc ? rc
              : events_fail_set(&a->fail, SD_ERR_CONFLICT, "session_full", NULL,
                                "the session is full");
}

static void new_code(char *out)
{
    unsigned char raw[CODE_BYTES];
    size_t got = 0;
    while (got < sizeof(raw)) {
        ssize_t k = getrandom(raw + got, sizeof(raw) - got, 0);
        SD_ASSERT(k > 0);
        got += (size_t)k;
    }
    auth_base64url(raw, sizeof(raw), out);
}

/* Replies 409 already_registered with the caller's active registration; false when none. */
static int reply_existing(struct req *r, int64_t session_id, bool *replied)
{
    struct db_res res;
    *replied = false;
    int rc = db_exec(r->w->db, &res, REG_SELECT " WHERE r.session_id = ? AND r.active_user_id = ?",
                     "ii", session_id, r->user.id);
    if (rc)
        return rc;
    if (res.nrows) {
        reply_conflict_reg(r, "already_registered",
                           "you already hold a registration for this session",
                           reg_json(&res, 0, false));
        *replied = true;
    }
    db_res_clear(&res);
    return 0;
}

/* A session's event never changes, so each worker thread remembers it (direct-mapped). */
#define SESSION_EVENT_SLOTS 4096
static _Thread_local struct {
    int64_t session_id, event_id;
} session_events[SESSION_EVENT_SLOTS];

static int session_event(struct req *r, int64_t session_id, int64_t *event_id)
{
    size_t slot = (size_t)session_id % SESSION_EVENT_SLOTS;
    if (session_events[slot].session_id == session_id) {
        *event_id = session_events[slot].event_id;
        return 0;
    }
    struct db_res res;
    int rc = db_exec(r->w->db, &res, "SELECT event_id FROM sessions WHERE id = ?", "i", session_id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    if (found) {
        *event_id = db_get_i64(&res, 0, 0);
        session_events[slot].session_id = session_id;
        session_events[slot].event_id = *event_id;
    }
    db_res_clear(&res);
    return found ? 0 : SD_ERR_NOT_FOUND;
}

void registrations_create(struct req *r)
{
    struct reg_create a = {.user_id = r->user.id};
    if (req_param_id(r, 0, &a.session_id) < 0)
        return;
    if (r->body_len) { /* no fields today, but a body must be a JSON object */
        cJSON *body = json_body(r);
        if (!body)
            return;
        cJSON_Delete(body);
    }
    /* Straight to the transaction: on the common path a registration costs the guarded UPDATE,
     * the INSERT and the COMMIT, nothing more; refusals are explained afterwards. */
    a.req = r;
    a.can_manage = events_can_manage;
    a.now = time_now();
    int rc = session_event(r, a.session_id, &a.event_id);
    if (rc) {
        if (rc == SD_ERR_NOT_FOUND)
            reply_error(r, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session %lld",
                        (long long)a.session_id);
        else
            reply_fail(r, rc);
        return;
    }
    for (int attempt = 0;; attempt++) {
        new_code(a.code);
        rc = db_tx(r->w->db, reg_create_tx, &a);
        if (rc != SD_ERR_DUPLICATE)
            break;
        bool replied = false;
        int rc2 = reply_existing(r, a.session_id, &replied);
        if (rc2 || replied || attempt == 2) {
            if (rc2 || !replied)
                reply_fail(r, rc2 ? rc2 : SD_ERR_INTERNAL);
            return;
        }
        /* Not our active registration: the random check-in code collided; draw again. */
        rlog_warn(r->id, "check-in code collision; retrying");
    }
    if (rc) {
        if (a.fail.err == SD_ERR_CONFLICT || a.fail.err == SD_ERR_INVALID) {
            bool replied = false;
            int rc2 = reply_existing(r, a.session_id, &replied);
            if (rc2) {
                reply_fail(r, rc2);
                return;
            }
            if (replied)
                return;
        }
        events_fail_reply(r, &a.fail, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a.id);
    cJSON_AddNumberToObject(o, "session_id", (double)a.session_id);
    cJSON_AddNumberToObject(o, "event_id", (double)a.event_id);
    cJSON_AddNumberToObject(o, "user_id", (double)a.user_id);
    cJSON_AddStringToObject(o, "status", a.confirmed ? "confirmed" : "waitlisted");
    if (a.confirmed)
        cJSON_AddNullToObject(o, "waitlist_position");
    else
        cJSON_AddNumberToObject(o, "waitlist_position", (double)a.position);
    json_add_str_or_null(o, "checkin_code", a.confirmed ? a.code : NULL);
    cJSON_AddNullToObject(o, "checked_in_at");
    json_add_time(o, "created_at", a.now);
    json_add_time(o, "updated_at", a.now);
    reply_created(r, o, "/api/v1/registrations/%lld", (long long)a.id);
}

/* ---- read, cancel ---- */

/* Loads a registration the caller may see (its holder, the event's organizer, an admin);
 * replies 404 otherwise. 0 with res filled, or -1 after replying. */
static int reg_visible(struct req *r, int64_t id, struct db_res *res)
{
    int rc = reg_load(r->w->db, id, res);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    if (!res->nrows || (db_get_i64(res, 0, REG_USER) != r->user.id &&
                        !events_can_manage(r, db_get_i64(res, 0, REG_E_ORGANIZER)))) {
        db_res_clear(res);
        reply_error(r, SD_ERR_NOT_FOUND, "registration_not_found", NULL, "no registration %lld",
                    (long long)id);
        return -1;
    }
    return 0;
}

void registrations_get(struct req *r)
{
    int64_t id;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || reg_visible(r, id, &res) < 0)
        return;
    cJSON *o = reg_json(&res, 0, true);
    db_res_clear(&res);
    reply_json(r, 200, o);
}

struct reg_cancel {
    int64_t id, session_id, now;
    int64_t promoted;
    struct events_fail fail;
};

static int reg_cancel_tx(struct db *db, void *arg)
{
    struct reg_cancel *a = arg;
    memset(&a->fail, 0, sizeof(a->fail));
    a->promoted = 0;
    char now[TIME_BUF];
    time_format_sql(a->now, now);
    struct db_res res;
    /* Session row first, as in registration: one lock order, no deadlocks between the two. */
    int rc = db_exec(db, &res,
                     "SELECT capacity, confirmed_count, waitlist_count FROM sessions WHERE id = ?"
                     " FOR UPDATE",
                     "i", a->session_id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return events_fail_set(&a->fail, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session");
    }
    int64_t cap = db_get_i64(&res, 0, 0), confirmed = db_get_i64(&res, 0, 1);
    int64_t waiting = db_get_i64(&res, 0, 2);
    db_res_clear(&res);
    rc = db_exec(db, &res,
                 "SELECT status, waitlist_position FROM registrations WHERE id = ? FOR UPDATE", "i",
                 a->id);
    if (rc)
        return rc;
    char status[16] = "";
    int64_t pos = 0;
    if (res.nrows) {
        snprintf(status, sizeof(status), "%s", db_get(&res, 0, 0));
        pos = db_get_i64(&res, 0, 1);
    }
    db_res_clear(&res);
    if (!status[0] || strcmp(status, "cancelled") == 0)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "already_cancelled", NULL,
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
    return db_exec(db, NULL,
                   "UPDATE sessions SET confirmed_count = ?, waitlist_count = ? WHERE id = ?",
                   "iii", confirmed, waiting, a->session_id);
}

void registrations_cancel(struct req *r)
{
    struct reg_cancel a = {.now = time_now()};
    struct db_res res;
    if (req_param_id(r, 0, &a.id) < 0 || reg_visible(r, a.id, &res) < 0)
        return;
    a.session_id = db_get_i64(&res, 0, REG_SESSION);
    db_res_clear(&res);
    int rc = db_tx(r->w->db, reg_cancel_tx, &a);
    if (rc) {
        events_fail_reply(r, &a.fail, rc);
        return;
    }
    rc = reg_load(r->w->db, a.id, &res);
    if (rc || !res.nrows) {
        db_res_clear(&res);
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        return;
    }
    cJSON *o = reg_json(&res, 0, false);
    db_res_clear(&res);
    cJSON_AddNumberToObject(o, "promoted", (double)a.promoted);
    reply_json(r, 200, o);
}

/* ---- lists and export ---- */

/* `status` query filter: NULL for all; replies 400 and returns -1 when unknown. */
static int status_filter(struct req *r, const char **out)
{
    const char *s = req_query(r, "status");
    *out = NULL;
    if (!s || !*s)
        return 0;
    for (int i = 0; reg_statuses[i]; i++) {
        if (strcmp(s, reg_statuses[i]) == 0) {
            *out = reg_statuses[i];
            return 0;
        }
    }
    reply_error(r, SD_ERR_INVALID, "validation_failed", "status",
                "status must be one of: confirmed, waitlisted, cancelled");
    return -1;
}

static void reply_page(struct req *r, struct db_res *res, int limit, bool with_user)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    size_t n = res->nrows > (size_t)limit ? (size_t)limit : res->nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, reg_json(res, i, with_user));
    json_add_next_cursor(o, res->nrows > (size_t)limit, db_get_i64(res, n - 1, REG_ID));
    db_res_clear(res);
    reply_json(r, 200, o);
}

void registrations_mine(struct req *r)
{
    int limit;
    int64_t cursor;
    const char *status;
    if (req_page_legacy(r, 20, 100, &limit, &cursor) < 0 || status_filter(r, &status) < 0)
        return;
    struct db_res res;
    int rc = db_exec(r->w->db, &res,
                     REG_SELECT " WHERE r.user_id = ? AND r.id > ? AND (? IS NULL OR r.status = ?)"
                                " ORDER BY r.id LIMIT ?",
                     "iissi", r->user.id, cursor, status, status, (int64_t)limit + 1);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    reply_page(r, &res, limit, false);
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
    int64_t sid, cursor;
    int limit;
    const char *status;
    if (req_param_id(r, 0, &sid) < 0)
        return;
    const char *format = req_query(r, "format");
    bool csv = format && strcmp(format, "csv") == 0;
    if (format && !csv && strcmp(format, "json") != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "format", "format must be json or csv");
        return;
    }
    if (req_page_legacy(r, 50, 500, &limit, &cursor) < 0 || status_filter(r, &status) < 0)
        return;
    struct db_res res;
    int rc = db_exec(r->w->db, &res,
                     "SELECT e.organizer_id, e.status FROM sessions s"
                     " JOIN events e ON e.id = s.event_id WHERE s.id = ?",
                     "i", sid);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    bool found = res.nrows > 0;
    bool manager = found && events_can_manage(r, db_get_i64(&res, 0, 0));
    bool draft = found && strcmp(db_get(&res, 0, 1), "draft") == 0;
    db_res_clear(&res);
    if (!found || (draft && !manager)) {
        reply_error(r, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session %lld",
                    (long long)sid);
        return;
    }
    if (!manager) {
        reply_error(r, SD_ERR_FORBIDDEN, NULL, NULL,
                    "only the event's organizer sees its registrations");
        return;
    }
    if (csv) {
        rc = db_exec(r->w->db, &res,
                     REG_SELECT " WHERE r.session_id = ? AND (? IS NULL OR r.status = ?)"
                                " ORDER BY r.id LIMIT ?",
                     "issi", sid, status, status, (int64_t)CSV_MAX_ROWS);
        if (rc) {
            reply_fail(r, rc);
            return;
        }
        reply_csv(r, sid, &res);
        return;
    }
    rc = db_exec(r->w->db, &res,
                 REG_SELECT " WHERE r.session_id = ? AND r.id > ? AND (? IS NULL OR r.status = ?)"
                            " ORDER BY r.id LIMIT ?",
                 "iissi", sid, cursor, status, status, (int64_t)limit + 1);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    reply_page(r, &res, limit, true);
}

/* ---- check-in ---- */

struct checkin {
    struct req *r;
    int64_t id, event_id, user_id, now;
    bool conflict;
};

static int checkin_tx(struct db *db, void *arg)
{
    struct checkin *a = arg;
    a->conflict = false;
    char now[TIME_BUF];
    struct db_res res;
    int rc = db_exec(db, &res,
                     "UPDATE registrations SET checked_in_at = ?, updated_at = ? WHERE id = ?"
                     " AND status = 'confirmed' AND checked_in_at IS NULL",
                     "ssi", time_format_sql(a->now, now), now, a->id);
    if (rc)
        return rc;
    a->conflict = res.affected != 1;
    db_res_clear(&res);
    if (a->conflict)
        return SD_ERR_CONFLICT;
    char subject[64], detail[64];
    snprintf(subject, sizeof(subject), "registration %lld", (long long)a->id);
    snprintf(detail, sizeof(detail), "user %lld", (long long)a->user_id);
    return audit_record(db, a->r, a->event_id, "checkin", subject, detail);
}

void registrations_checkin(struct req *r)
{
    if (auth_require(r, ROLE_ORGANIZER | ROLE_ADMIN) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    const char *code;
    if (json_text(r, body, "code", true, LIMIT_CHECKIN_CODE, &code) < 0) {
        cJSON_Delete(body);
        return;
    }
    struct db_res res;
    int rc = db_exec(r->w->db, &res, REG_SELECT " WHERE r.checkin_code = ?", "s", code);
    cJSON_Delete(body);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, "unknown_code", "code", "no registration has this code");
        return;
    }
    struct checkin a = {.r = r, .now = time_now()};
    a.id = db_get_i64(&res, 0, REG_ID);
    a.event_id = db_get_i64(&res, 0, REG_EVENT);
    a.user_id = db_get_i64(&res, 0, REG_USER);
    bool manager = events_can_manage(r, db_get_i64(&res, 0, REG_E_ORGANIZER));
    db_res_clear(&res);
    if (!manager) {
        reply_error(r, SD_ERR_FORBIDDEN, "not_your_event", NULL,
                    "this code belongs to another organizer's event");
        return;
    }
    rc = db_tx(r->w->db, checkin_tx, &a);
    if (rc && !a.conflict) {
        reply_fail(r, rc);
        return;
    }
    int rc2 = reg_load(r->w->db, a.id, &res);
    if (rc2 || !res.nrows) {
        db_res_clear(&res);
        reply_fail(r, rc2 ? rc2 : SD_ERR_INTERNAL);
        return;
    }
    const char *status = db_get(&res, 0, REG_STATUS);
    cJSON *o = reg_json(&res, 0, true);
    if (a.conflict && strcmp(status, "confirmed") == 0)
        reply_conflict_reg(r, "already_checked_in", "this registration is already checked in", o);
    else if (a.conflict)
        reply_conflict_reg(r, "not_confirmed",
                           strcmp(status, "waitlisted") == 0
                               ? "this registration is on the waitlist, not confirmed"
                               : "this registration is cancelled",
                           o);
    else
        reply_json(r, 200, o);
    db_res_clear(&res);
}
