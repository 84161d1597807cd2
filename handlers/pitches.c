#include "handlers/pitches.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/pitch_sched.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/debug.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/timeutil.h"

/* ---- sessions and who manages them ---------------------------------------------------------- */

int pitches_session_load(struct db *db, int64_t id, bool lock, struct pitches_session *out)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     lock ? "SELECT s.id, s.event_id, e.organizer_id, s.starts_at, s.ends_at,"
                            " s.results_published, e.status, s.kind, s.room"
                            " FROM sessions s JOIN events e ON e.id = s.event_id"
                            " WHERE s.id = ? FOR UPDATE"
                          : "SELECT s.id, s.event_id, e.organizer_id, s.starts_at, s.ends_at,"
                            " s.results_published, e.status, s.kind, s.room"
                            " FROM sessions s JOIN events e ON e.id = s.event_id WHERE s.id = ?",
                     "i", id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return SD_ERR_NOT_FOUND;
    }
    *out = (struct pitches_session){
        .id = db_get_i64(&res, 0, 0),
        .event_id = db_get_i64(&res, 0, 1),
        .organizer_id = db_get_i64(&res, 0, 2),
        .starts_at = db_get_time(&res, 0, 3),
        .ends_at = db_get_time(&res, 0, 4),
        .results_published = db_get_i64(&res, 0, 5) != 0,
    };
    const char *status = db_get(&res, 0, 6);
    out->event_draft = !status || strcmp(status, "draft") == 0;
    snprintf(out->kind, sizeof(out->kind), "%s", db_get(&res, 0, 7) ? db_get(&res, 0, 7) : "");
    snprintf(out->room, sizeof(out->room), "%s", db_get(&res, 0, 8) ? db_get(&res, 0, 8) : "");
    db_res_clear(&res);
    return 0;
}

bool pitches_can_manage(const struct req *r, const struct pitches_session *s)
{
    return r->user.id != 0 && ((r->user.roles & ROLE_ADMIN) || r->user.id == s->organizer_id);
}

int pitches_session_managed(struct req *r, int64_t id, const char *kind,
                            struct pitches_session *out)
{
    int rc = pitches_session_load(r->w->db, id, false, out);
    if (rc == SD_ERR_NOT_FOUND || (rc == 0 && out->event_draft && !pitches_can_manage(r, out))) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no session %lld", (long long)id);
        return -1;
    }
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    if (!pitches_can_manage(r, out)) {
        reply_error(r, SD_ERR_FORBIDDEN, NULL, NULL,
                    "only the event's organizer or an admin manages this session");
        return -1;
    }
    if (kind && strcmp(out->kind, kind) != 0) {
        reply_error(r, SD_ERR_CONFLICT, "wrong_session_kind", NULL,
                    "session %lld is a %s session, not %s", (long long)id, out->kind, kind);
        return -1;
    }
    return 0;
}

/* ---- pitch rows as JSON --------------------------------------------------------------------- */

#define PITCH_COLS                                                                                 \
    "p.id, p.session_id, p.event_id, p.project_id, pr.title, pr.org_id, o.name,"                   \
    " p.presenter_user_id, u.display_name, p.minutes, p.available_from, p.available_until,"        \
    " p.starts_at, p.ends_at"
#define PITCH_FROM                                                                                 \
    " FROM pitches p LEFT JOIN projects pr ON pr.id = p.project_id"                                \
    " LEFT JOIN organizations o ON o.id = pr.org_id"                                               \
    " LEFT JOIN users u ON u.id = p.presenter_user_id"

static cJSON *pitch_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, 0));
    cJSON_AddNumberToObject(o, "session_id", (double)db_get_i64(res, i, 1));
    cJSON_AddNumberToObject(o, "event_id", (double)db_get_i64(res, i, 2));
    cJSON_AddNumberToObject(o, "project_id", (double)db_get_i64(res, i, 3));
    cJSON_AddNumberToObject(o, "presenter_user_id", (double)db_get_i64(res, i, 7));
    cJSON_AddNumberToObject(o, "minutes", (double)db_get_i64(res, i, 9));
    cJSON *pr = cJSON_AddObjectToObject(o, "project");
    cJSON_AddNumberToObject(pr, "id", (double)db_get_i64(res, i, 3));
    json_add_str_or_null(pr, "title", db_get(res, i, 4));
    if (db_get(res, i, 5)) {
        cJSON *org = cJSON_AddObjectToObject(o, "organization");
        cJSON_AddNumberToObject(org, "id", (double)db_get_i64(res, i, 5));
        json_add_str_or_null(org, "name", db_get(res, i, 6));
    } else {
        cJSON_AddNullToObject(o, "organization");
    }
    cJSON *pu = cJSON_AddObjectToObject(o, "presenter");
    cJSON_AddNumberToObject(pu, "id", (double)db_get_i64(res, i, 7));
    json_add_str_or_null(pu, "display_name", db_get(res, i, 8));
    json_add_time(o, "available_from", db_get_time(res, i, 10));
    json_add_time(o, "available_until", db_get_time(res, i, 11));
    json_add_time(o, "starts_at", db_get_time(res, i, 12));
    json_add_time(o, "ends_at", db_get_time(res, i, 13));
    return o;
}

static int pitch_load_json(struct db *db, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res, "SELECT " PITCH_COLS PITCH_FROM " WHERE p.id = ?", "i", id);
    if (rc)
        return rc;
    if (res.nrows)
        *out = pitch_json(&res, 0);
    db_res_clear(&res);
    return 0;
}

static int exists(struct db *db, const char *sql, int64_t id, bool *out)
{
    struct db_res res;
    int rc = db_exec(db, &res, sql, "i", id);
    if (rc)
        return rc;
    *out = res.nrows > 0;
    db_res_clear(&res);
    return 0;
}

/* ---- POST /sessions/{id}/pitches ------------------------------------------------------------ */

void pitches_create(struct req *r)
{
    int64_t sid;
    struct pitches_session s;
    if (req_param_id(r, 0, &sid) < 0 || pitches_session_managed(r, sid, "pitch", &s) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    int64_t project_id, presenter_id, minutes, from = 0, until = 0;
    if (json_int(r, body, "project_id", true, 1, INT64_MAX, &project_id) < 0 ||
        json_int(r, body, "presenter_user_id", true, 1, INT64_MAX, &presenter_id) < 0 ||
        json_int(r, body, "minutes", true, 1, 24 * 60, &minutes) < 0 ||
        json_time(r, body, "available_from", false, &from) < 0 ||
        json_time(r, body, "available_until", false, &until) < 0)
        goto out;
    if (minutes * 60 > s.ends_at - s.starts_at) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "minutes",
                    "a pitch of %lld minutes is longer than the session", (long long)minutes);
        goto out;
    }
    if (from && until && until - from < minutes * 60) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "available_until",
                    "available_until must be at least `minutes` after available_from");
        goto out;
    }
    bool ok;
    int rc = exists(r->w->db, "SELECT 1 FROM projects WHERE id = ?", project_id, &ok);
    if (!rc && !ok) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "project_id", "no such project");
        goto out;
    }
    if (!rc)
        rc = exists(r->w->db, "SELECT 1 FROM users WHERE id = ?", presenter_id, &ok);
    if (!rc && !ok) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "presenter_user_id", "no such user");
        goto out;
    }
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    char fb[TIME_BUF], ub[TIME_BUF];
    struct db_res res;
    rc =
        db_exec(r->w->db, &res,
                "INSERT INTO pitches (session_id, event_id, project_id, presenter_user_id, minutes,"
                " available_from, available_until, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
                "iiiiissi", sid, s.event_id, project_id, presenter_id, minutes,
                from ? time_format_sql(from, fb) : NULL, until ? time_format_sql(until, ub) : NULL,
                r->user.id);
    if (rc == SD_ERR_DUPLICATE) {
        reply_error(r, SD_ERR_CONFLICT, "pitch_exists", "project_id",
                    "this project already pitches in this session");
        goto out;
    }
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    int64_t id = (int64_t)res.insert_id;
    db_res_clear(&res);
    cJSON *o;
    rc = pitch_load_json(r->w->db, id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    reply_created(r, o, "/api/v1/pitches/%lld", (long long)id);
out:
    cJSON_Delete(body);
}

/* ---- what a session's timetable looks like to the scheduler --------------------------------- */

struct sched_ctx {
    struct pitch_sched_ctx ctx;
    struct pitch_sched_placed *placed;
    struct pitch_sched_busy *busy;
    size_t busy_cap;
};

static void busy_add(struct sched_ctx *c, struct pitch_sched_busy b)
{
    if (c->ctx.n_busy == c->busy_cap) {
        c->busy_cap = c->busy_cap ? 2 * c->busy_cap : 16;
        c->busy = xrealloc(c->busy, c->busy_cap * sizeof(*c->busy));
    }
    c->busy[c->ctx.n_busy++] = b;
    c->ctx.busy = c->busy;
}

static void sched_ctx_free(struct sched_ctx *c)
{
    free(c->placed);
    free(c->busy);
}

/* Every placed pitch of the event: those of this session or of another session in the same room
 * occupy the room; the others make their presenter busy. Call under the event row's lock. */
static int sched_ctx_load(struct db *db, int64_t event_id, int64_t session_id, const char *room,
                          int64_t s_start, int64_t s_end, struct sched_ctx *c)
{
    struct db_res res;
    memset(c, 0, sizeof(*c));
    int rc = db_exec(db, &res,
                     "SELECT p.id, p.presenter_user_id, p.starts_at, p.ends_at, p.minutes,"
                     " (p.session_id = ? OR s.room = ?)"
                     " FROM pitches p JOIN sessions s ON s.id = p.session_id"
                     " WHERE p.event_id = ? AND p.starts_at IS NOT NULL",
                     "isi", session_id, room, event_id);
    if (rc)
        return rc;
    size_t n = res.nrows ? res.nrows : 1;
    c->placed = xcalloc(n, sizeof(*c->placed));
    c->busy = xcalloc(n, sizeof(*c->busy));
    c->busy_cap = n;
    for (size_t i = 0; i < res.nrows; i++) {
        int64_t id = db_get_i64(&res, i, 0), who = db_get_i64(&res, i, 1);
        int64_t st = db_get_time(&res, i, 2), en = db_get_time(&res, i, 3);
        if (db_get_i64(&res, i, 5))
            c->placed[c->ctx.n_placed++] =
                (struct pitch_sched_placed){.id = id,
                                            .presenter_id = who,
                                            .start = st,
                                            .minutes = (int32_t)db_get_i64(&res, i, 4)};
        else
            c->busy[c->ctx.n_busy++] = (struct pitch_sched_busy){
                .presenter_id = who, .start = st, .end = en, .ref_id = id};
    }
    db_res_clear(&res);
    c->ctx.session_start = s_start;
    c->ctx.session_end = s_end;
    c->ctx.placed = c->placed;
    c->ctx.busy = c->busy;
    return 0;
}

/* ---- the presenters' agendas beyond this event --------------------------------------------- */

/* Presenter ids, distinct and ascending. */
struct presenters {
    int64_t *id;
    size_t n;
};

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Runs `sql` (a locking SELECT of presenter_user_id with one parameter, `id`) and locks what the
 * agendas of those presenters depend on: their user rows (every pitch placement in any event
 * takes them, so two events cannot place one presenter at one time) and their organization
 * memberships (the meeting scheduler locks its organizations' memberships, so it and a
 * placement see each other). Must come before the transaction's first plain read: REPEATABLE
 * READ takes the snapshot there, and it has to include whatever committed while we waited. The
 * order (event, pitches, users, memberships, all by id) is the same everywhere. */
static int presenters_lock(struct db *db, const char *sql, int64_t id, struct presenters *out)
{
    struct db_res res;
    out->id = NULL;
    out->n = 0;
    int rc = db_exec(db, &res, sql, "i", id);
    if (rc)
        return rc;
    size_t n = res.nrows;
    out->id = xcalloc(n ? n : 1, sizeof(*out->id));
    for (size_t i = 0; i < n; i++)
        out->id[i] = db_get_i64(&res, i, 0);
    db_res_clear(&res);
    qsort(out->id, n, sizeof(*out->id), cmp_i64);
    for (size_t i = 0; i < n; i++)
        if (out->n == 0 || out->id[out->n - 1] != out->id[i])
            out->id[out->n++] = out->id[i];
    for (size_t i = 0; i < out->n && !rc; i++) {
        rc = db_exec(db, &res, "SELECT id FROM users WHERE id = ? FOR UPDATE", "i", out->id[i]);
        db_res_clear(&res);
    }
    for (size_t i = 0; i < out->n && !rc; i++) {
        rc = db_exec(db, &res, "SELECT org_id FROM org_members WHERE user_id = ? FOR UPDATE", "i",
                     out->id[i]);
        db_res_clear(&res);
    }
    return rc;
}

/* Adds to c->busy what keeps the presenters elsewhere during [from, to) beyond this event's
 * pitches (which sched_ctx_load has): their placed pitches at other events (ref_id: the pitch)
 * and the scheduled 1:1 meetings of any organization they are a member of, at any event (ref_id:
 * minus the meeting's id; pitch ids are positive, so the two never mix). */
static int busy_elsewhere_load(struct db *db, int64_t event_id, const struct presenters *who,
                               int64_t from, int64_t to, struct sched_ctx *c)
{
    char fb[TIME_BUF], tb[TIME_BUF];
    time_format_sql(from, fb);
    time_format_sql(to, tb);
    for (size_t i = 0; i < who->n; i++) {
        struct db_res res;
        int rc = db_exec(db, &res,
                         "SELECT id, starts_at, ends_at FROM pitches WHERE presenter_user_id = ?"
                         " AND starts_at < ? AND ends_at > ? AND event_id <> ?",
                         "issi", who->id[i], tb, fb, event_id);
        if (rc)
            return rc;
        for (size_t k = 0; k < res.nrows; k++)
            busy_add(c, (struct pitch_sched_busy){.presenter_id = who->id[i],
                                                  .start = db_get_time(&res, k, 1),
                                                  .end = db_get_time(&res, k, 2),
                                                  .ref_id = db_get_i64(&res, k, 0)});
        db_res_clear(&res);
        rc = db_exec(db, &res,
                     "SELECT m.id, ms.starts_at, ms.ends_at FROM org_members om"
                     " JOIN meetings m ON m.org_a = om.org_id JOIN meeting_slots ms"
                     " ON ms.id = m.slot_id WHERE om.user_id = ? AND m.status = 'scheduled'"
                     " AND ms.starts_at < ? AND ms.ends_at > ?"
                     " UNION ALL SELECT m.id, ms.starts_at, ms.ends_at FROM org_members om"
                     " JOIN meetings m ON m.org_b = om.org_id JOIN meeting_slots ms"
                     " ON ms.id = m.slot_id WHERE om.user_id = ? AND m.status = 'scheduled'"
                     " AND ms.starts_at < ? AND ms.ends_at > ?",
                     "ississ", who->id[i], tb, fb, who->id[i], tb, fb);
        if (rc)
            return rc;
        for (size_t k = 0; k < res.nrows; k++)
            busy_add(c, (struct pitch_sched_busy){.presenter_id = who->id[i],
                                                  .start = db_get_time(&res, k, 1),
                                                  .end = db_get_time(&res, k, 2),
                                                  .ref_id = -db_get_i64(&res, k, 0)});
        db_res_clear(&res);
    }
    return 0;
}

static void clash_set(struct pitches_clash *out, enum pitch_sched_clash kind, int64_t pitch_id,
                      int64_t clash_id)
{
    out->kind = kind;
    out->pitch_id = pitch_id;
    out->clash_pitch_id = clash_id > 0 ? clash_id : 0;
    out->clash_meeting_id = clash_id < 0 ? -clash_id : 0;
}

static struct pitch_sched_pitch pitch_from_row(const struct db_res *res, size_t i, int col)
{
    /* columns col..col+4: id, presenter, minutes, available_from, available_until */
    int64_t from = db_get_time(res, i, (size_t)col + 3),
            until = db_get_time(res, i, (size_t)col + 4);
    return (struct pitch_sched_pitch){
        .id = db_get_i64(res, i, (size_t)col),
        .presenter_id = db_get_i64(res, i, (size_t)col + 1),
        .minutes = (int32_t)db_get_i64(res, i, (size_t)col + 2),
        .available_from = from ? from : INT64_MIN,
        .available_until = until ? until : INT64_MAX,
    };
}

static int lock_event(struct db *db, int64_t event_id)
{
    struct db_res res;
    int rc = access_event_lock(db, event_id); /* Galera: the lock is a write */
    if (rc)
        return rc;
    rc = db_exec(db, &res, "SELECT id FROM events WHERE id = ? FOR UPDATE", "i", event_id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    db_res_clear(&res);
    return found ? 0 : SD_ERR_NOT_FOUND;
}

/* ---- PUT / DELETE /pitches/{id}/slot -------------------------------------------------------- */

/* The pitch's session, loaded and checked for management. Replies and returns -1 otherwise. */
static int pitch_session_managed(struct req *r, int64_t pitch_id, struct pitches_session *s)
{
    struct db_res res;
    int rc = db_exec(r->w->db, &res, "SELECT session_id FROM pitches WHERE id = ?", "i", pitch_id);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    int64_t sid = res.nrows ? db_get_i64(&res, 0, 0) : 0;
    db_res_clear(&res);
    if (!sid) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no pitch %lld", (long long)pitch_id);
        return -1;
    }
    return pitches_session_managed(r, sid, NULL, s);
}

struct place_args {
    struct req *r;
    int64_t pitch_id, event_id, start;
    struct pitches_clash clash;
};

static int place_tx(struct db *db, void *arg)
{
    struct place_args *a = arg;
    memset(&a->clash, 0, sizeof(a->clash));
    int rc = lock_event(db, a->event_id);
    if (rc)
        return rc;
    struct presenters who;
    rc = presenters_lock(db, "SELECT presenter_user_id FROM pitches WHERE id = ? FOR UPDATE",
                         a->pitch_id, &who);
    if (!rc && !who.n)
        rc = SD_ERR_NOT_FOUND;
    if (rc) {
        free(who.id);
        return rc;
    }
    struct db_res res;
    rc = db_exec(db, &res,
                 "SELECT p.id, p.presenter_user_id, p.minutes, p.available_from, p.available_until,"
                 " s.id, s.starts_at, s.ends_at, s.room"
                 " FROM pitches p JOIN sessions s ON s.id = p.session_id WHERE p.id = ?",
                 "i", a->pitch_id);
    if (rc) {
        free(who.id);
        return rc;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        free(who.id);
        return SD_ERR_NOT_FOUND;
    }
    struct pitch_sched_pitch p = pitch_from_row(&res, 0, 0);
    int64_t s_start = db_get_time(&res, 0, 6), s_end = db_get_time(&res, 0, 7);
    struct sched_ctx c;
    rc = sched_ctx_load(db, a->event_id, db_get_i64(&res, 0, 5), db_get(&res, 0, 8), s_start, s_end,
                        &c);
    db_res_clear(&res);
    if (!rc)
        rc = busy_elsewhere_load(db, a->event_id, &who, s_start, s_end, &c);
    free(who.id);
    if (rc) {
        sched_ctx_free(&c);
        return rc;
    }
    int64_t clash_id;
    enum pitch_sched_clash k = pitch_sched_check(&c.ctx, &p, a->start, &clash_id);
    sched_ctx_free(&c);
    if (k != PITCH_SCHED_CLASH_NONE) {
        clash_set(&a->clash, k, 0, clash_id);
        return SD_ERR_CONFLICT;
    }
    debug_hold(a->r, "pitch_place", a->pitch_id); /* checked, locks held, not yet written */
    char sb[TIME_BUF], eb[TIME_BUF];
    return db_exec(db, NULL,
                   "UPDATE pitches SET starts_at = ?, ends_at = ?, updated_at = UTC_TIMESTAMP()"
                   " WHERE id = ?",
                   "ssi", time_format_sql(a->start, sb),
                   time_format_sql(a->start + 60 * (int64_t)p.minutes, eb), a->pitch_id);
}

static const char *clash_message(const struct pitches_clash *c)
{
    switch (c->kind) {
    case PITCH_SCHED_CLASH_OUTSIDE_SESSION:
        return "the pitch would not fit inside the session";
    case PITCH_SCHED_CLASH_OUTSIDE_AVAILABILITY:
        return "the presenter is not available then";
    case PITCH_SCHED_CLASH_ROOM:
        return "another pitch is in the room at that time";
    case PITCH_SCHED_CLASH_PRESENTER:
        return c->clash_meeting_id ? "the presenter has a 1:1 meeting at that time"
                                   : "the presenter is pitching elsewhere at that time";
    default:
        return "the pitch cannot be placed there";
    }
}

void pitches_clash_reply(struct req *r, const struct pitches_clash *c, const char *field)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", pitch_sched_clash_name(c->kind));
    if (c->pitch_id) {
        char msg[160];
        snprintf(msg, sizeof(msg), "pitch %lld: %s", (long long)c->pitch_id, clash_message(c));
        cJSON_AddStringToObject(e, "message", msg);
    } else {
        cJSON_AddStringToObject(e, "message", clash_message(c));
    }
    if (field)
        cJSON_AddStringToObject(e, "field", field);
    if (c->pitch_id)
        cJSON_AddNumberToObject(e, "pitch_id", (double)c->pitch_id);
    if (c->clash_pitch_id)
        cJSON_AddNumberToObject(e, "clash_pitch_id", (double)c->clash_pitch_id);
    if (c->clash_meeting_id)
        cJSON_AddNumberToObject(e, "clash_meeting_id", (double)c->clash_meeting_id);
    r->err_code = pitch_sched_clash_name(c->kind);
    reply_json(r, 409, o);
}

void pitches_place(struct req *r)
{
    int64_t id;
    struct pitches_session s;
    if (req_param_id(r, 0, &id) < 0 || pitch_session_managed(r, id, &s) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct place_args a = {.r = r, .pitch_id = id, .event_id = s.event_id};
    int rc = json_time(r, body, "starts_at", true, &a.start);
    cJSON_Delete(body);
    if (rc < 0)
        return;
    rc = db_tx(r->w->db, place_tx, &a);
    if (rc == SD_ERR_CONFLICT && a.clash.kind != PITCH_SCHED_CLASH_NONE) {
        pitches_clash_reply(r, &a.clash, "starts_at");
        return;
    }
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o;
    rc = pitch_load_json(r->w->db, id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        return;
    }
    reply_json(r, 200, o);
}

int do_pitches_session_check(struct db *db, int64_t event_id, int64_t session_id, const char *room,
                             int64_t starts, int64_t ends, struct pitches_clash *out)
{
    memset(out, 0, sizeof(*out));
    struct presenters who;
    int rc = presenters_lock(db,
                             "SELECT presenter_user_id FROM pitches WHERE session_id = ?"
                             " AND starts_at IS NOT NULL FOR UPDATE",
                             session_id, &who);
    if (rc || !who.n) {
        free(who.id);
        return rc;
    }
    struct db_res res;
    struct sched_ctx c;
    rc = db_exec(db, &res,
                 "SELECT id, presenter_user_id, minutes, available_from, available_until,"
                 " starts_at FROM pitches WHERE session_id = ? AND starts_at IS NOT NULL"
                 " ORDER BY starts_at, id",
                 "i", session_id);
    if (rc) {
        free(who.id);
        return rc;
    }
    rc = sched_ctx_load(db, event_id, session_id, room, starts, ends, &c);
    if (!rc)
        rc = busy_elsewhere_load(db, event_id, &who, starts, ends, &c);
    for (size_t i = 0; i < res.nrows && !rc; i++) {
        struct pitch_sched_pitch p = pitch_from_row(&res, i, 0);
        int64_t clash_id;
        enum pitch_sched_clash k =
            pitch_sched_check(&c.ctx, &p, db_get_time(&res, i, 5), &clash_id);
        if (k != PITCH_SCHED_CLASH_NONE) {
            clash_set(out, k, p.id, clash_id);
            out->starts_at = db_get_time(&res, i, 5);
            rc = SD_ERR_CONFLICT;
        }
    }
    sched_ctx_free(&c);
    db_res_clear(&res);
    free(who.id);
    return rc;
}

void pitches_unplace(struct req *r)
{
    int64_t id;
    struct pitches_session s;
    if (req_param_id(r, 0, &id) < 0 || pitch_session_managed(r, id, &s) < 0)
        return;
    int rc = db_exec(r->w->db, NULL,
                     "UPDATE pitches SET starts_at = NULL, ends_at = NULL,"
                     " updated_at = UTC_TIMESTAMP() WHERE id = ?",
                     "i", id);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    reply_empty(r, 204);
}

/* ---- POST /sessions/{id}/pitches/schedule --------------------------------------------------- */

struct schedule_args {
    const struct req *r;
    int64_t session_id, event_id;
    struct pitch_sched_pitch *todo;
    struct pitch_sched_result *out;
    size_t n, placed;
};

static int schedule_tx(struct db *db, void *arg)
{
    struct schedule_args *a = arg;
    free(a->todo);
    free(a->out);
    a->todo = NULL;
    a->out = NULL;
    a->n = a->placed = 0;
    int rc = lock_event(db, a->event_id);
    if (rc)
        return rc;
    struct presenters who;
    rc = presenters_lock(db,
                         "SELECT presenter_user_id FROM pitches WHERE session_id = ?"
                         " AND starts_at IS NULL FOR UPDATE",
                         a->session_id, &who);
    if (rc) {
        free(who.id);
        return rc;
    }
    struct pitches_session s;
    rc = pitches_session_load(db, a->session_id, false, &s);
    if (rc) {
        free(who.id);
        return rc;
    }
    struct db_res res;
    rc = db_exec(db, &res,
                 "SELECT id, presenter_user_id, minutes, available_from, available_until"
                 " FROM pitches WHERE session_id = ? AND starts_at IS NULL ORDER BY id",
                 "i", a->session_id);
    if (rc) {
        free(who.id);
        return rc;
    }
    a->n = res.nrows;
    a->todo = xcalloc(a->n ? a->n : 1, sizeof(*a->todo));
    a->out = xcalloc(a->n ? a->n : 1, sizeof(*a->out));
    for (size_t i = 0; i < a->n; i++)
        a->todo[i] = pitch_from_row(&res, i, 0);
    db_res_clear(&res);
    struct sched_ctx c;
    rc = sched_ctx_load(db, a->event_id, a->session_id, s.room, s.starts_at, s.ends_at, &c);
    if (!rc) /* the same agendas as a manual placement checks: other events, 1:1 meetings */
        rc = busy_elsewhere_load(db, a->event_id, &who, s.starts_at, s.ends_at, &c);
    free(who.id);
    if (rc) {
        sched_ctx_free(&c);
        return rc;
    }
    a->placed = pitch_sched_run(&c.ctx, a->todo, a->n, a->out);
    sched_ctx_free(&c);
    for (size_t i = 0; i < a->n; i++) {
        if (a->out[i].reason != PITCH_SCHED_PLACED)
            continue;
        char sb[TIME_BUF], eb[TIME_BUF];
        rc = db_exec(db, NULL,
                     "UPDATE pitches SET starts_at = ?, ends_at = ?, updated_at = UTC_TIMESTAMP()"
                     " WHERE id = ?",
                     "ssi", time_format_sql(a->out[i].start, sb),
                     time_format_sql(a->out[i].start + 60 * (int64_t)a->todo[i].minutes, eb),
                     a->todo[i].id);
        if (rc)
            return rc;
    }
    char subject[64], detail[96];
    snprintf(subject, sizeof(subject), "session %lld", (long long)a->session_id);
    snprintf(detail, sizeof(detail), "placed %zu of %zu unplaced pitches", a->placed, a->n);
    return audit_record(db, a->r, a->event_id, "pitches_schedule", subject, detail);
}

void pitches_schedule(struct req *r)
{
    int64_t sid;
    struct pitches_session s;
    if (req_param_id(r, 0, &sid) < 0 || pitches_session_managed(r, sid, "pitch", &s) < 0)
        return;
    struct schedule_args a = {.r = r, .session_id = sid, .event_id = s.event_id};
    int rc = db_tx(r->w->db, schedule_tx, &a);
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON *placed = cJSON_AddArrayToObject(o, "placed");
    cJSON *unplaced = cJSON_AddArrayToObject(o, "unplaced");
    for (size_t i = 0; i < a.n; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "pitch_id", (double)a.todo[i].id);
        if (a.out[i].reason == PITCH_SCHED_PLACED) {
            json_add_time(p, "starts_at", a.out[i].start);
            json_add_time(p, "ends_at", a.out[i].start + 60 * (int64_t)a.todo[i].minutes);
            cJSON_AddItemToArray(placed, p);
        } else {
            cJSON_AddStringToObject(p, "reason", pitch_sched_reason_name(a.out[i].reason));
            cJSON_AddItemToArray(unplaced, p);
        }
    }
    reply_json(r, 200, o);
out:
    free(a.todo);
    free(a.out);
}

/* ---- GET /events/{id}/timetable ------------------------------------------------------------- */

void pitches_timetable(struct req *r)
{
    int64_t eid;
    if (req_param_id(r, 0, &eid) < 0)
        return;
    struct db_res ev, ss, ps;
    memset(&ss, 0, sizeof(ss));
    memset(&ps, 0, sizeof(ps));
    int rc = db_exec(r->w->db, &ev,
                     "SELECT id, title, kind, venue, status, starts_at, ends_at, organizer_id"
                     " FROM events WHERE id = ?",
                     "i", eid);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    bool visible = false;
    if (ev.nrows) {
        const char *status = db_get(&ev, 0, 4);
        bool manager =
            r->user.id && ((r->user.roles & ROLE_ADMIN) || r->user.id == db_get_i64(&ev, 0, 7));
        visible = manager || (status && strcmp(status, "draft") != 0);
    }
    if (!visible) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no event %lld", (long long)eid);
        goto out;
    }
    rc = db_exec(r->w->db, &ss,
                 "SELECT id, title, kind, room, starts_at, ends_at FROM sessions"
                 " WHERE event_id = ? ORDER BY room, starts_at, id",
                 "i", eid);
    if (!rc)
        rc = db_exec(r->w->db, &ps,
                     "SELECT " PITCH_COLS PITCH_FROM
                     " WHERE p.event_id = ? AND p.starts_at IS NOT NULL ORDER BY p.starts_at, p.id",
                     "i", eid);
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "event");
    cJSON_AddNumberToObject(e, "id", (double)eid);
    json_add_str_or_null(e, "title", db_get(&ev, 0, 1));
    json_add_str_or_null(e, "kind", db_get(&ev, 0, 2));
    json_add_str_or_null(e, "venue", db_get(&ev, 0, 3));
    json_add_str_or_null(e, "status", db_get(&ev, 0, 4));
    json_add_time(e, "starts_at", db_get_time(&ev, 0, 5));
    json_add_time(e, "ends_at", db_get_time(&ev, 0, 6));
    cJSON *rooms = cJSON_AddArrayToObject(o, "rooms");
    cJSON *room = NULL, *sessions = NULL;
    const char *cur = NULL;
    for (size_t i = 0; i < ss.nrows; i++) {
        const char *name = db_get(&ss, i, 3) ? db_get(&ss, i, 3) : "";
        if (!cur || strcmp(cur, name) != 0) {
            room = cJSON_CreateObject();
            cJSON_AddStringToObject(room, "room", name);
            sessions = cJSON_AddArrayToObject(room, "sessions");
            cJSON_AddItemToArray(rooms, room);
            cur = name;
        }
        int64_t sid = db_get_i64(&ss, i, 0);
        cJSON *so = cJSON_CreateObject();
        cJSON_AddNumberToObject(so, "id", (double)sid);
        json_add_str_or_null(so, "title", db_get(&ss, i, 1));
        json_add_str_or_null(so, "kind", db_get(&ss, i, 2));
        json_add_time(so, "starts_at", db_get_time(&ss, i, 4));
        json_add_time(so, "ends_at", db_get_time(&ss, i, 5));
        cJSON *pa = cJSON_AddArrayToObject(so, "pitches");
        for (size_t k = 0; k < ps.nrows; k++)
            if (db_get_i64(&ps, k, 1) == sid)
                cJSON_AddItemToArray(pa, pitch_json(&ps, k));
        cJSON_AddItemToArray(sessions, so);
    }
    reply_json(r, 200, o);
out:
    db_res_clear(&ev);
    db_res_clear(&ss);
    db_res_clear(&ps);
}
