#include "handlers/sessions.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "handlers/pitches.h"
#include "handlers/registrations.h"
#include "notify/notify.h"
#include "server/access.h"
#include "server/audit.h"
#include "server/db.h"
#include "server/debug.h"
#include "server/err.h"
#include "server/event_cache.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/reqdb.h"
#include "server/timeutil.h"

static const char *const session_kinds[] = {"forum", "pitch", "competition", "exhibition", NULL};

#define OPENS_MIN 946684800LL /* 2000-01-01: earlier registration windows are typing mistakes */
#define CAPACITY_MAX 100000

/* A session as clients see it (SS_* columns of SESSION_COLS). */
enum {
    SS_ID,
    SS_EVENT,
    SS_TITLE,
    SS_KIND,
    SS_ROOM,
    SS_STARTS,
    SS_ENDS,
    SS_CAPACITY,
    SS_WAITLIST,
    SS_OPENS,
    SS_CLOSES,
    SS_CONFIRMED,
    SS_WAITING,
    SS_CREATED,
    SS_NCOLS
};
#define SESSION_COLS                                                                               \
    "s.id, s.event_id, s.title, s.kind, s.room, s.starts_at, s.ends_at, s.capacity, s.waitlist,"   \
    " s.registration_opens_at, s.registration_closes_at, s.confirmed_count, s.waitlist_count,"     \
    " s.created_at"

static void session_set_counts(cJSON *o, int64_t capacity, int64_t confirmed, int64_t waitlisted)
{
    cJSON_DeleteItemFromObject(o, "capacity");
    cJSON_DeleteItemFromObject(o, "confirmed_count");
    cJSON_DeleteItemFromObject(o, "waitlist_count");
    cJSON_DeleteItemFromObject(o, "seats_left");
    cJSON_AddNumberToObject(o, "capacity", (double)capacity);
    cJSON_AddNumberToObject(o, "confirmed_count", (double)confirmed);
    cJSON_AddNumberToObject(o, "waitlist_count", (double)waitlisted);
    cJSON_AddNumberToObject(o, "seats_left",
                            (double)(capacity > confirmed ? capacity - confirmed : 0));
}

/* A session row (SESSION_COLS) with its live counts. */
static cJSON *session_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, SS_ID));
    cJSON_AddNumberToObject(o, "event_id", (double)db_get_i64(res, i, SS_EVENT));
    cJSON_AddStringToObject(o, "title", db_get(res, i, SS_TITLE));
    cJSON_AddStringToObject(o, "kind", db_get(res, i, SS_KIND));
    cJSON_AddStringToObject(o, "room", db_get(res, i, SS_ROOM));
    json_add_time(o, "starts_at", db_get_time(res, i, SS_STARTS));
    json_add_time(o, "ends_at", db_get_time(res, i, SS_ENDS));
    cJSON_AddBoolToObject(o, "waitlist", db_get_i64(res, i, SS_WAITLIST) != 0);
    json_add_time(o, "registration_opens_at", db_get_time(res, i, SS_OPENS));
    json_add_time(o, "registration_closes_at", db_get_time(res, i, SS_CLOSES));
    json_add_time(o, "created_at", db_get_time(res, i, SS_CREATED));
    session_set_counts(o, db_get_i64(res, i, SS_CAPACITY), db_get_i64(res, i, SS_CONFIRMED),
                       db_get_i64(res, i, SS_WAITING));
    return o;
}

int sessions_add_json(struct req *r, int64_t event_id, cJSON *arr)
{
    struct db_res res;
    if (req_exec(r, &res,
                 "SELECT " SESSION_COLS " FROM sessions s WHERE s.event_id = ?"
                 " ORDER BY s.starts_at, s.id",
                 "i", event_id) < 0)
        return -1;
    for (size_t i = 0; i < res.nrows; i++)
        cJSON_AddItemToArray(arr, session_json(&res, i));
    db_res_clear(&res);
    return 0;
}

/* The live counts of an event's sessions (SC_* columns). */
enum { SC_ID, SC_CAPACITY, SC_CONFIRMED, SC_WAITING };
#define SESSION_COUNTS_SQL                                                                         \
    "SELECT id, capacity, confirmed_count, waitlist_count FROM sessions WHERE event_id = ?"

int sessions_fill_counts(struct req *r, int64_t event_id, cJSON *arr)
{
    struct db_res res;
    if (req_exec(r, &res, SESSION_COUNTS_SQL, "i", event_id) < 0)
        return -1;
    int out = (size_t)cJSON_GetArraySize(arr) == res.nrows ? 0 : 1;
    cJSON *s;
    cJSON_ArrayForEach(s, arr)
    {
        if (out)
            break;
        int64_t sid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "id"));
        size_t k = 0;
        while (k < res.nrows && db_get_i64(&res, k, SC_ID) != sid)
            k++;
        if (k == res.nrows) {
            out = 1;
            break;
        }
        session_set_counts(s, db_get_i64(&res, k, SC_CAPACITY), db_get_i64(&res, k, SC_CONFIRMED),
                           db_get_i64(&res, k, SC_WAITING));
    }
    db_res_clear(&res);
    return out;
}

/* A session with its event {id, title, status, organizer_id, time_zone}, as GET /sessions/{id}
 * shows it;
 * NULL after replying (it is there: the caller's access check or transaction found it). */
enum { SL_E_TITLE = SS_NCOLS, SL_E_STATUS, SL_E_ORGANIZER, SL_E_TIME_ZONE };
#define SESSION_LOAD_SQL                                                                           \
    "SELECT " SESSION_COLS ", e.title, e.status, e.organizer_id, e.time_zone FROM sessions s"      \
    " JOIN events e ON e.id = s.event_id WHERE s.id = ?"

static cJSON *session_load(struct req *r, int64_t id)
{
    struct db_res res;
    if (req_exec(r, &res, SESSION_LOAD_SQL, "i", id) < 0)
        return NULL;
    if (!res.nrows) {
        db_res_clear(&res);
        reply_fail(r, SD_ERR_INTERNAL);
        return NULL;
    }
    cJSON *o = session_json(&res, 0);
    cJSON *e = cJSON_AddObjectToObject(o, "event");
    cJSON_AddNumberToObject(e, "id", (double)db_get_i64(&res, 0, SS_EVENT));
    cJSON_AddStringToObject(e, "title", db_get(&res, 0, SL_E_TITLE));
    cJSON_AddStringToObject(e, "status", db_get(&res, 0, SL_E_STATUS));
    cJSON_AddNumberToObject(e, "organizer_id", (double)db_get_i64(&res, 0, SL_E_ORGANIZER));
    cJSON_AddStringToObject(e, "time_zone", db_get(&res, 0, SL_E_TIME_ZONE));
    db_res_clear(&res);
    return o;
}

struct session_fields {
    const char *title, *room, *kind;
    int64_t starts_at, ends_at, capacity, opens_at, closes_at;
    bool has_starts, has_ends, has_capacity, has_waitlist, has_opens, has_closes;
    bool waitlist;
};

static int session_fields_parse(struct req *r, const cJSON *body, bool create,
                                struct session_fields *f)
{
    int kind = -1, rc;
    memset(f, 0, sizeof(*f));
    if (json_text(r, body, "title", create, LIMIT_SESSION_TITLE, &f->title) < 0 ||
        json_enum(r, body, "kind", create, session_kinds, &kind) < 0 ||
        json_text(r, body, "room", false, LIMIT_ROOM, &f->room) < 0)
        return -1;
    if ((rc = json_time(r, body, "starts_at", create, &f->starts_at)) < 0)
        return -1;
    f->has_starts = rc == 0;
    if ((rc = json_time(r, body, "ends_at", create, &f->ends_at)) < 0)
        return -1;
    f->has_ends = rc == 0;
    if ((rc = json_int(r, body, "capacity", create, 1, CAPACITY_MAX, &f->capacity)) < 0)
        return -1;
    f->has_capacity = rc == 0;
    if ((rc = json_bool(r, body, "waitlist", false, &f->waitlist)) < 0)
        return -1;
    f->has_waitlist = rc == 0;
    if ((rc = json_time(r, body, "registration_opens_at", false, &f->opens_at)) < 0)
        return -1;
    f->has_opens = rc == 0;
    if ((rc = json_time(r, body, "registration_closes_at", false, &f->closes_at)) < 0)
        return -1;
    f->has_closes = rc == 0;
    if (kind >= 0)
        f->kind = session_kinds[kind];
    return 0;
}

/* Checks the merged session times against its event (read under the event row's lock); records
 * a 400 naming the field. */
static int session_times_check(struct tx_fail *f, const struct event_ref *ev, int64_t starts,
                               int64_t ends, int64_t opens, int64_t closes)
{
    if (starts < ev->starts_at || starts >= ev->ends_at)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                       "the session must start within its event");
    if (ends <= starts)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "ends_at",
                       "ends_at must be after starts_at");
    if (ends > ev->ends_at)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "ends_at",
                       "the session must end within its event");
    if (opens && (opens < OPENS_MIN || opens >= ends))
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "registration_opens_at",
                       "registration must open before the session ends");
    if (closes && (closes < OPENS_MIN || closes > ends))
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "registration_closes_at",
                       "registration must close by the end of the session");
    if (opens && closes && closes <= opens)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "registration_closes_at",
                       "registration_closes_at must be after registration_opens_at");
    return 0;
}

/* Sessions do not start in the past: a new one, or one whose start moves (`was` is its start
 * now, 0 for a new session; a change that keeps the start of a session under way is fine). */
static int session_past_check(struct tx_fail *f, int64_t starts, int64_t was, int64_t now)
{
    if (starts == was || starts >= now)
        return 0;
    if (was)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                       "starts_at must not be moved into the past");
    return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                   "a session cannot start in the past");
}

/* ---- POST /events/{id}/sessions ---- */

struct session_add {
    struct req *r;
    int64_t event_id, id, now;
    struct session_fields f;
};

static int session_add_tx(struct db *db, void *arg, struct tx_fail *fail)
{
    struct session_add *a = arg;
    struct session_fields *f = &a->f;
    struct event_ref ev;
    /* The event row's lock: a cancel or an event update committing after the unlocked check
     * cannot slip past the status and times checked here. */
    int rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, fail);
    if (rc)
        return rc;
    if (ev.status == EVENT_CANCELLED)
        return tx_fail(fail, SD_ERR_CONFLICT, "event_cancelled", NULL,
                       "sessions cannot be added to a cancelled event");
    rc = session_times_check(fail, &ev, f->starts_at, f->ends_at, f->has_opens ? f->opens_at : 0,
                             f->has_closes ? f->closes_at : 0);
    if (!rc)
        rc = session_past_check(fail, f->starts_at, 0, a->now);
    if (rc)
        return rc;
    char sa[TIME_BUF], ea[TIME_BUF], oa[TIME_BUF], ca[TIME_BUF];
    struct db_res res;
    rc = db_exec(db, &res,
                 "INSERT INTO sessions (event_id, title, kind, room, starts_at, ends_at,"
                 " capacity, waitlist, registration_opens_at, registration_closes_at,"
                 " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                 "isssssiiss", a->event_id, f->title, f->kind, f->room ? f->room : "",
                 time_format_sql(f->starts_at, sa), time_format_sql(f->ends_at, ea), f->capacity,
                 (int64_t)(f->waitlist ? 1 : 0),
                 f->has_opens ? time_format_sql(f->opens_at, oa) : NULL,
                 f->has_closes ? time_format_sql(f->closes_at, ca) : NULL);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return 0;
}

void sessions_create(struct req *r)
{
    struct session_add a = {.r = r, .now = time_now()};
    struct event_ref ev;
    if (req_param_id(r, 0, &a.event_id) < 0 || access_event(r, a.event_id, ACCESS_MANAGE, &ev) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (session_fields_parse(r, body, true, &a.f) < 0)
        goto out;
    debug_hold(r, "session_add", a.event_id);
    if (req_tx(r, session_add_tx, &a) < 0)
        goto out;
    event_cache_drop(r, a.event_id);
    cJSON *o = session_load(r, a.id);
    if (o)
        reply_created(r, o, "/api/v1/sessions/%lld", (long long)a.id);
out:
    cJSON_Delete(body);
}

/* ---- GET /sessions/{id} ---- */

void sessions_get(struct req *r)
{
    int64_t id;
    struct session_ref s;
    if (req_param_id(r, 0, &id) < 0 || access_session(r, id, ACCESS_READ, &s) < 0)
        return;
    cJSON *o = session_load(r, id);
    if (!o)
        return;
    if (r->user.id) { /* the caller's own registration: a private reply (not cached anywhere) */
        if (registrations_add_mine_session(r, id, o) < 0) {
            cJSON_Delete(o);
            return;
        }
        reply_header(r, "Cache-Control", "no-store");
    }
    reply_json(r, 200, o);
}

/* ---- PATCH /sessions/{id} ---- */

struct session_update {
    struct req *r;
    int64_t id, event_id, now;
    struct session_fields f;
    int64_t promoted;
    struct pitches_clash clash;
};

/* What a change merges with and checks against: the session row as it stands (SU_* columns),
 * read FOR UPDATE (the row is already ours: a plain read here would fix the snapshot before
 * do_pitches_session_check takes its locks). */
enum { SU_CAPACITY, SU_CONFIRMED, SU_WAITING, SU_OPENS, SU_CLOSES, SU_ROOM };
#define SESSION_UPDATE_SQL                                                                         \
    "SELECT capacity, confirmed_count, waitlist_count, registration_opens_at,"                     \
    " registration_closes_at, room FROM sessions WHERE id = ? FOR UPDATE"

/* session.changed to everyone registered (confirmed or waitlisted): the session as it is now,
 * with what it was in `previous`. */
static int session_changed_notify(struct db *db, int64_t id, int64_t starts_was, int64_t ends_was,
                                  const char *room_was)
{
    int64_t event_id = 0;
    int rc;
    cJSON *d = notify_session_data(db, id, &event_id, &rc);
    if (!d)
        return rc;
    cJSON *p = cJSON_AddObjectToObject(d, "previous");
    json_add_time(p, "starts_at", starts_was);
    json_add_time(p, "ends_at", ends_was);
    cJSON_AddStringToObject(p, "room", room_was);
    rc = notify_emit_to(db, NOTIFY_SESSION_CHANGED, event_id, NULL, d,
                        "SELECT user_id FROM registrations WHERE session_id = ?"
                        " AND status IN ('confirmed', 'waitlisted')",
                        id);
    cJSON_Delete(d);
    return rc;
}

static int session_update_tx(struct db *db, void *arg, struct tx_fail *fail)
{
    struct session_update *a = arg;
    memset(&a->clash, 0, sizeof(a->clash));
    a->promoted = 0;
    /* The session row's lock, then its event's (as a registration's guarded UPDATE takes them:
     * no lock cycle), before any plain read: registrations and cancellations, event updates,
     * cancels and pitch placements all take one of them, so the checks below hold at commit. */
    struct session_ref s;
    int rc = access_session_tx(db, a->r, a->id, ACCESS_MANAGE, true, &s, fail);
    if (rc)
        return rc;
    struct db_res res;
    rc = db_exec(db, &res, SESSION_UPDATE_SQL, "i", a->id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return tx_fail(fail, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session %lld",
                       (long long)a->id);
    }
    struct session_fields *f = &a->f;
    int64_t starts = f->has_starts ? f->starts_at : s.starts_at;
    int64_t ends = f->has_ends ? f->ends_at : s.ends_at;
    int64_t cap_old = db_get_i64(&res, 0, SU_CAPACITY);
    int64_t confirmed = db_get_i64(&res, 0, SU_CONFIRMED);
    int64_t waiting = db_get_i64(&res, 0, SU_WAITING);
    int64_t opens = f->has_opens ? f->opens_at : db_get_time(&res, 0, SU_OPENS);
    int64_t closes = f->has_closes ? f->closes_at : db_get_time(&res, 0, SU_CLOSES);
    const char *room_old = db_get(&res, 0, SU_ROOM) ? db_get(&res, 0, SU_ROOM) : "";
    char room[408]; /* LIMIT_ROOM: 400 bytes */
    snprintf(room, sizeof(room), "%s", f->room ? f->room : room_old);
    bool moved = strcmp(room, room_old) != 0 || starts != s.starts_at || ends != s.ends_at;
    char room_was[408];
    snprintf(room_was, sizeof(room_was), "%s", room_old);
    db_res_clear(&res);
    if (s.ev.status == EVENT_CANCELLED)
        return tx_fail(fail, SD_ERR_CONFLICT, "event_cancelled", NULL,
                       "a cancelled event's sessions cannot be changed");
    rc = session_times_check(fail, &s.ev, starts, ends, opens, closes);
    if (!rc)
        rc = session_past_check(fail, starts, s.starts_at, a->now);
    if (rc)
        return rc;
    /* A new room or new times: every pitch placed in the session must still be where a placement
     * could put it (inside the session, alone in its room, its presenter nowhere else). */
    if (moved) {
        rc = do_pitches_session_check(db, s.ev.id, a->id, room, starts, ends, &a->clash);
        if (rc)
            return rc;
    }
    int64_t cap = f->has_capacity ? f->capacity : cap_old;
    if (cap < confirmed)
        return tx_fail(fail, SD_ERR_CONFLICT, "capacity_below_confirmed", "capacity",
                       "%lld registrations are confirmed; capacity cannot be %lld",
                       (long long)confirmed, (long long)cap);
    if (cap > confirmed && waiting > 0) {
        int64_t n = cap - confirmed < waiting ? cap - confirmed : waiting;
        rc = do_registrations_promote(db, a->id, n, a->now, &a->promoted);
        if (rc)
            return rc;
    }
    char sa[TIME_BUF], ea[TIME_BUF], oa[TIME_BUF], ca[TIME_BUF];
    rc = db_exec(db, NULL,
                 "UPDATE sessions SET title = COALESCE(?, title), kind = COALESCE(?, kind),"
                 " room = COALESCE(?, room), starts_at = ?, ends_at = ?, capacity = ?,"
                 " waitlist = COALESCE(?, waitlist), registration_opens_at = ?,"
                 " registration_closes_at = ?, confirmed_count = ?, waitlist_count = ?"
                 " WHERE id = ?",
                 "sssssisssiii", f->title, f->kind, f->room, time_format_sql(starts, sa),
                 time_format_sql(ends, ea), cap, f->has_waitlist ? (f->waitlist ? "1" : "0") : NULL,
                 opens ? time_format_sql(opens, oa) : NULL,
                 closes ? time_format_sql(closes, ca) : NULL, confirmed + a->promoted,
                 waiting - a->promoted, a->id);
    if (!rc && moved)
        rc = session_changed_notify(db, a->id, s.starts_at, s.ends_at, room_was);
    if (rc || cap == cap_old)
        return rc;
    char subject[64], detail[128];
    snprintf(subject, sizeof(subject), "session %lld", (long long)a->id);
    snprintf(detail, sizeof(detail), "capacity %lld -> %lld, promoted %lld", (long long)cap_old,
             (long long)cap, (long long)a->promoted);
    return audit_record(db, a->r, s.ev.id, "capacity", subject, detail);
}

/* The field a clash of the changed session is about: the room, or the bound that moved past
 * one of its pitches. */
static const char *clash_field(const struct session_update *a)
{
    if (a->clash.kind == PITCH_SCHED_CLASH_ROOM)
        return "room";
    if (a->clash.kind != PITCH_SCHED_CLASH_OUTSIDE_SESSION)
        return NULL;
    return a->f.has_starts && a->clash.starts_at < a->f.starts_at ? "starts_at" : "ends_at";
}

void sessions_update(struct req *r)
{
    struct session_update a = {.r = r, .now = time_now()};
    struct session_ref s;
    if (req_param_id(r, 0, &a.id) < 0 || access_session(r, a.id, ACCESS_MANAGE, &s) < 0)
        return;
    a.event_id = s.ev.id;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct tx_fail fail;
    int rc;
    if (session_fields_parse(r, body, false, &a.f) < 0)
        goto out;
    debug_hold(r, "session_update", a.id);
    rc = req_tx_try(r, session_update_tx, &a, &fail);
    if (rc == SD_ERR_CONFLICT && a.clash.kind != PITCH_SCHED_CLASH_NONE) {
        pitches_clash_reply(r, &a.clash, clash_field(&a));
        goto out;
    }
    if (rc) {
        reply_tx(r, rc, &fail);
        goto out;
    }
    event_cache_drop(r, a.event_id);
    cJSON *o = session_load(r, a.id);
    if (o) {
        cJSON_AddNumberToObject(o, "promoted", (double)a.promoted);
        reply_json(r, 200, o);
    }
out:
    cJSON_Delete(body);
}
