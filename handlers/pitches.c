#include "handlers/pitches.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/pitch_sched.h"
#include "notify/notify.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/db.h"
#include "server/debug.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"
#include "server/timeutil.h"

/* ---- pitch rows as JSON --------------------------------------------------------------------- */

enum {
    PI_ID,
    PI_SESSION,
    PI_EVENT,
    PI_PROJECT,
    PI_TITLE,
    PI_ORG,
    PI_ORG_NAME,
    PI_PRESENTER,
    PI_PRESENTER_NAME,
    PI_MINUTES,
    PI_FROM,
    PI_UNTIL,
    PI_STARTS,
    PI_ENDS,
};
#define PITCH_SELECT                                                                               \
    "SELECT p.id, p.session_id, p.event_id, p.project_id, pr.title, pr.org_id, o.name,"            \
    " p.presenter_user_id, u.display_name, p.minutes, p.available_from, p.available_until,"        \
    " p.starts_at, p.ends_at"                                                                      \
    " FROM pitches p LEFT JOIN projects pr ON pr.id = p.project_id"                                \
    " LEFT JOIN organizations o ON o.id = pr.org_id"                                               \
    " LEFT JOIN users u ON u.id = p.presenter_user_id"

static cJSON *pitch_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, PI_ID));
    cJSON_AddNumberToObject(o, "session_id", (double)db_get_i64(res, i, PI_SESSION));
    cJSON_AddNumberToObject(o, "event_id", (double)db_get_i64(res, i, PI_EVENT));
    cJSON_AddNumberToObject(o, "project_id", (double)db_get_i64(res, i, PI_PROJECT));
    cJSON_AddNumberToObject(o, "presenter_user_id", (double)db_get_i64(res, i, PI_PRESENTER));
    cJSON_AddNumberToObject(o, "minutes", (double)db_get_i64(res, i, PI_MINUTES));
    cJSON *pr = cJSON_AddObjectToObject(o, "project");
    cJSON_AddNumberToObject(pr, "id", (double)db_get_i64(res, i, PI_PROJECT));
    json_add_str_or_null(pr, "title", db_get(res, i, PI_TITLE));
    if (db_get(res, i, PI_ORG)) {
        cJSON *org = cJSON_AddObjectToObject(o, "organization");
        cJSON_AddNumberToObject(org, "id", (double)db_get_i64(res, i, PI_ORG));
        json_add_str_or_null(org, "name", db_get(res, i, PI_ORG_NAME));
    } else {
        cJSON_AddNullToObject(o, "organization");
    }
    cJSON *pu = cJSON_AddObjectToObject(o, "presenter");
    cJSON_AddNumberToObject(pu, "id", (double)db_get_i64(res, i, PI_PRESENTER));
    json_add_str_or_null(pu, "display_name", db_get(res, i, PI_PRESENTER_NAME));
    json_add_time(o, "available_from", db_get_time(res, i, PI_FROM));
    json_add_time(o, "available_until", db_get_time(res, i, PI_UNTIL));
    json_add_time(o, "starts_at", db_get_time(res, i, PI_STARTS));
    json_add_time(o, "ends_at", db_get_time(res, i, PI_ENDS));
    return o;
}

/* Pitch `id` as JSON, or NULL after replying (503 …; 500 when it is gone: nothing deletes
 * pitches). */
static cJSON *pitch_read(struct req *r, int64_t id)
{
    struct db_res res;
    if (req_exec(r, &res, PITCH_SELECT " WHERE p.id = ?", "i", id) < 0)
        return NULL;
    cJSON *o = res.nrows ? pitch_json(&res, 0) : NULL;
    db_res_clear(&res);
    if (!o)
        reply_fail(r, SD_ERR_INTERNAL);
    return o;
}

/* Whether `sql` (one id parameter) finds a row: 0 and *out, or -1 after replying. */
static int req_exists(struct req *r, const char *sql, int64_t id, bool *out)
{
    struct db_res res;
    if (req_exec(r, &res, sql, "i", id) < 0)
        return -1;
    *out = res.nrows > 0;
    db_res_clear(&res);
    return 0;
}

/* A pitch session the caller manages: 404 session_not_found, 403 forbidden, 409
 * wrong_session_kind. 0, or -1 after replying. */
static int pitch_session_managed(struct req *r, int64_t sid, struct session_ref *s)
{
    if (access_session(r, sid, ACCESS_MANAGE, s) < 0 || access_session_kind(r, s, "pitch") < 0)
        return -1;
    return 0;
}

/* The session of pitch `id` when the caller manages it: 404 pitch_not_found (unknown, or in a
 * draft the caller may not see), 403 forbidden. 0, or -1 after replying. */
static int pitch_managed(struct req *r, int64_t id, struct session_ref *s)
{
    struct db_res res;
    enum { PS_SESSION };
    if (req_exec(r, &res, "SELECT session_id FROM pitches WHERE id = ?", "i", id) < 0)
        return -1;
    int64_t sid = res.nrows ? db_get_i64(&res, 0, PS_SESSION) : 0;
    db_res_clear(&res);
    struct tx_fail f = {0};
    int rc =
        sid ? access_session_tx(r->w->db, r, sid, ACCESS_MANAGE, false, s, &f) : SD_ERR_NOT_FOUND;
    if (rc == SD_ERR_NOT_FOUND)
        rc = tx_fail(&f, SD_ERR_NOT_FOUND, "pitch_not_found", NULL, "no pitch %lld", (long long)id);
    if (rc) {
        reply_tx(r, rc, &f);
        return -1;
    }
    return 0;
}

/* ---- POST /sessions/{id}/pitches ------------------------------------------------------------ */

struct pitch_add {
    int64_t sid, event_id, project_id, presenter_id, minutes, from, until, by, id;
};

static int create_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct pitch_add *a = arg;
    char fb[TIME_BUF], ub[TIME_BUF];
    struct db_res res;
    int rc =
        db_exec(db, &res,
                "INSERT INTO pitches (session_id, event_id, project_id, presenter_user_id, minutes,"
                " available_from, available_until, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
                "iiiiissi", a->sid, a->event_id, a->project_id, a->presenter_id, a->minutes,
                a->from ? time_format_sql(a->from, fb) : NULL,
                a->until ? time_format_sql(a->until, ub) : NULL, a->by);
    if (rc == SD_ERR_DUPLICATE)
        return tx_fail(f, SD_ERR_CONFLICT, "pitch_exists", "project_id",
                       "this project already pitches in this session");
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return 0;
}

/* The body of POST /sessions/{id}/pitches, checked against session s. 0, or -1 after replying. */
static int pitch_add_parse(struct req *r, const cJSON *body, const struct session_ref *s,
                           struct pitch_add *a)
{
    if (json_int(r, body, "project_id", true, 1, INT64_MAX, &a->project_id) < 0 ||
        json_int(r, body, "presenter_user_id", true, 1, INT64_MAX, &a->presenter_id) < 0 ||
        json_int(r, body, "minutes", true, 1, 24 * 60, &a->minutes) < 0 ||
        json_time(r, body, "available_from", false, &a->from) < 0 ||
        json_time(r, body, "available_until", false, &a->until) < 0)
        return -1;
    if (a->minutes * 60 > s->ends_at - s->starts_at) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "minutes",
                    "a pitch of %lld minutes is longer than the session", (long long)a->minutes);
        return -1;
    }
    if (a->from && a->until && a->until - a->from < a->minutes * 60) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "available_until",
                    "available_until must be at least `minutes` after available_from");
        return -1;
    }
    bool project, presenter;
    if (req_exists(r, "SELECT 1 FROM projects WHERE id = ?", a->project_id, &project) < 0)
        return -1;
    if (!project) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "project_id", "no such project");
        return -1;
    }
    if (req_exists(r, "SELECT 1 FROM users WHERE id = ?", a->presenter_id, &presenter) < 0)
        return -1;
    if (!presenter) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "presenter_user_id", "no such user");
        return -1;
    }
    return 0;
}

void pitches_create(struct req *r)
{
    struct pitch_add a = {.by = r->user.id};
    struct session_ref s;
    if (req_param_id(r, 0, &a.sid) < 0 || pitch_session_managed(r, a.sid, &s) < 0)
        return;
    a.event_id = s.ev.id;
    cJSON *body = json_body(r);
    if (!body)
        return;
    cJSON *o;
    if (pitch_add_parse(r, body, &s, &a) == 0 && req_tx(r, create_tx, &a) == 0 &&
        (o = pitch_read(r, a.id)) != NULL)
        reply_created(r, o, "/api/v1/pitches/%lld", (long long)a.id);
    cJSON_Delete(body);
}

/* ---- GET /sessions/{id}/pitches ------------------------------------------------------------- */

/* Every pitch of a pitch session, placed or not, by id (keyset pages): the organizer's working
 * list. Only those who manage the event read it (403 forbidden for everyone else, presenters
 * included: they see their placed pitch in the public timetable and in GET /me/agenda); a draft
 * is 404 session_not_found to others. ?placed=true|false keeps only placed or unplaced ones. */
void pitches_list(struct req *r)
{
    int64_t sid;
    struct session_ref s;
    struct page pg;
    bool placed_only = false;
    int rc;
    if (req_param_id(r, 0, &sid) < 0 || req_page(r, 100, 500, 1, &pg) < 0 ||
        (rc = req_query_bool(r, "placed", false, &placed_only)) < 0 ||
        pitch_session_managed(r, sid, &s) < 0)
        return;
    int64_t placed = rc == 0 ? placed_only : -1; /* -1: both */
    struct db_res res;
    if (req_exec(r, &res,
                 PITCH_SELECT " WHERE p.session_id = ? AND p.id > ?"
                              " AND (? < 0 OR (p.starts_at IS NOT NULL) = ?) ORDER BY p.id LIMIT ?",
                 "iiiii", sid, page_key(&pg, 0, 0), placed, placed, (int64_t)pg.limit + 1) < 0)
        return;
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    cJSON *items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, pitch_json(&res, i));
    int64_t last = n ? db_get_i64(&res, n - 1, PI_ID) : 0;
    db_res_clear(&res);
    reply_page(r, items, more, PAGE_KEYS(last));
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

enum { CTX_ID, CTX_PRESENTER, CTX_STARTS, CTX_ENDS, CTX_MINUTES, CTX_IN_ROOM };
#define CTX_SQL                                                                                    \
    "SELECT p.id, p.presenter_user_id, p.starts_at, p.ends_at, p.minutes,"                         \
    " (p.session_id = ? OR s.room = ?)"                                                            \
    " FROM pitches p JOIN sessions s ON s.id = p.session_id"                                       \
    " WHERE p.event_id = ? AND p.starts_at IS NOT NULL"

/* Every placed pitch of the event: those of this session or of another session in the same room
 * occupy the room; the others make their presenter busy. Call under the event row's lock. */
static int sched_ctx_load(struct db *db, int64_t event_id, int64_t session_id, const char *room,
                          int64_t s_start, int64_t s_end, struct sched_ctx *c)
{
    struct db_res res;
    memset(c, 0, sizeof(*c));
    int rc = db_exec(db, &res, CTX_SQL, "isi", session_id, room, event_id);
    if (rc)
        return rc;
    size_t n = res.nrows ? res.nrows : 1;
    c->placed = xcalloc(n, sizeof(*c->placed));
    c->busy = xcalloc(n, sizeof(*c->busy));
    c->busy_cap = n;
    for (size_t i = 0; i < res.nrows; i++) {
        int64_t id = db_get_i64(&res, i, CTX_ID), who = db_get_i64(&res, i, CTX_PRESENTER);
        int64_t st = db_get_time(&res, i, CTX_STARTS), en = db_get_time(&res, i, CTX_ENDS);
        if (db_get_i64(&res, i, CTX_IN_ROOM))
            c->placed[c->ctx.n_placed++] =
                (struct pitch_sched_placed){.id = id,
                                            .presenter_id = who,
                                            .start = st,
                                            .minutes = (int32_t)db_get_i64(&res, i, CTX_MINUTES)};
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

enum { PRES_USER };

/* Runs `sql` (a locking SELECT of presenter_user_id with one parameter, `id`) and locks what the
 * agendas of those presenters depend on: their user rows (every pitch placement in any event
 * takes them, so two events cannot place one presenter at one time) and their organization
 * memberships (the meeting scheduler locks its organizations' memberships, so it and a
 * placement see each other). Must come before the transaction's first plain read: REPEATABLE
 * READ takes the snapshot there, and it has to include whatever committed while we waited. The
 * order (event, pitches, users, memberships, all by id) is the same everywhere. The caller frees
 * out->id, also on failure. */
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
        out->id[i] = db_get_i64(&res, i, PRES_USER);
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

/* Pitches elsewhere and 1:1 meetings: both read as (ref, start, end). */
enum { BUSY_REF, BUSY_STARTS, BUSY_ENDS };
#define BUSY_PITCHES_SQL                                                                           \
    "SELECT id, starts_at, ends_at FROM pitches WHERE presenter_user_id = ?"                       \
    " AND starts_at < ? AND ends_at > ? AND event_id <> ?"
#define BUSY_MEETINGS_SQL                                                                          \
    "SELECT m.id, ms.starts_at, ms.ends_at FROM org_members om"                                    \
    " JOIN meetings m ON m.org_a = om.org_id JOIN meeting_slots ms"                                \
    " ON ms.id = m.slot_id WHERE om.user_id = ? AND m.status = 'scheduled'"                        \
    " AND ms.starts_at < ? AND ms.ends_at > ?"                                                     \
    " UNION ALL SELECT m.id, ms.starts_at, ms.ends_at FROM org_members om"                         \
    " JOIN meetings m ON m.org_b = om.org_id JOIN meeting_slots ms"                                \
    " ON ms.id = m.slot_id WHERE om.user_id = ? AND m.status = 'scheduled'"                        \
    " AND ms.starts_at < ? AND ms.ends_at > ?"

/* Adds each row of res as a busy time of `who`; `sign` -1 stores minus the ref id. */
static void busy_add_rows(struct sched_ctx *c, int64_t who, const struct db_res *res, int sign)
{
    for (size_t k = 0; k < res->nrows; k++)
        busy_add(c, (struct pitch_sched_busy){.presenter_id = who,
                                              .start = db_get_time(res, k, BUSY_STARTS),
                                              .end = db_get_time(res, k, BUSY_ENDS),
                                              .ref_id = sign * db_get_i64(res, k, BUSY_REF)});
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
        int rc = db_exec(db, &res, BUSY_PITCHES_SQL, "issi", who->id[i], tb, fb, event_id);
        if (rc)
            return rc;
        busy_add_rows(c, who->id[i], &res, 1);
        db_res_clear(&res);
        rc = db_exec(db, &res, BUSY_MEETINGS_SQL, "ississ", who->id[i], tb, fb, who->id[i], tb, fb);
        if (rc)
            return rc;
        busy_add_rows(c, who->id[i], &res, -1);
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

/* The columns pitch_from_row reads come first in every SELECT it reads. */
enum { PR_ID, PR_PRESENTER, PR_MINUTES, PR_FROM, PR_UNTIL, PR_NEXT };
#define PR_COLS "p.id, p.presenter_user_id, p.minutes, p.available_from, p.available_until"

static struct pitch_sched_pitch pitch_from_row(const struct db_res *res, size_t i)
{
    int64_t from = db_get_time(res, i, PR_FROM), until = db_get_time(res, i, PR_UNTIL);
    return (struct pitch_sched_pitch){
        .id = db_get_i64(res, i, PR_ID),
        .presenter_id = db_get_i64(res, i, PR_PRESENTER),
        .minutes = (int32_t)db_get_i64(res, i, PR_MINUTES),
        .available_from = from ? from : INT64_MIN,
        .available_until = until ? until : INT64_MAX,
    };
}

/* ---- PUT / DELETE /pitches/{id}/slot -------------------------------------------------------- */

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

int pitches_clash_fail(struct tx_fail *f, const struct pitches_clash *c, const char *field)
{
    const char *code = pitch_sched_clash_name(c->kind);
    if (c->pitch_id)
        tx_fail(f, SD_ERR_CONFLICT, code, field, "pitch %lld: %s", (long long)c->pitch_id,
                clash_message(c));
    else
        tx_fail(f, SD_ERR_CONFLICT, code, field, "%s", clash_message(c));
    if (c->pitch_id)
        tx_fail_extra(f, "pitch_id", c->pitch_id);
    if (c->clash_pitch_id)
        tx_fail_extra(f, "clash_pitch_id", c->clash_pitch_id);
    if (c->clash_meeting_id)
        tx_fail_extra(f, "clash_meeting_id", c->clash_meeting_id);
    return SD_ERR_CONFLICT;
}

void pitches_clash_reply(struct req *r, const struct pitches_clash *c, const char *field)
{
    struct tx_fail f = {0};
    reply_tx(r, pitches_clash_fail(&f, c, field), &f);
}

struct place {
    struct req *r;
    int64_t pitch_id, event_id, start;
};

enum { PL_SESSION = PR_NEXT, PL_S_STARTS, PL_S_ENDS, PL_ROOM };
#define PLACE_SQL                                                                                  \
    "SELECT " PR_COLS ", s.id, s.starts_at, s.ends_at, s.room"                                     \
    " FROM pitches p JOIN sessions s ON s.id = p.session_id WHERE p.id = ?"

static int pitch_gone(struct tx_fail *f, int64_t id)
{
    return tx_fail(f, SD_ERR_NOT_FOUND, "pitch_not_found", NULL, "no pitch %lld", (long long)id);
}

/* pitch.placed to the presenter: the pitch where it now is (after its UPDATE), with its session
 * and event. */
static int pitch_placed_notify(struct db *db, int64_t pitch_id)
{
    enum { PN_SESSION, PN_PRESENTER, PN_PROJECT, PN_P_TITLE, PN_STARTS, PN_ENDS, PN_MINUTES };
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT p.session_id, p.presenter_user_id, p.project_id, pr.title,"
                     " p.starts_at, p.ends_at, p.minutes FROM pitches p"
                     " JOIN projects pr ON pr.id = p.project_id WHERE p.id = ?",
                     "i", pitch_id);
    if (rc || !res.nrows) {
        db_res_clear(&res);
        return rc;
    }
    int64_t event_id = 0, presenter = db_get_i64(&res, 0, PN_PRESENTER);
    cJSON *d = notify_session_data(db, db_get_i64(&res, 0, PN_SESSION), &event_id, &rc);
    if (d) {
        cJSON *pj = cJSON_AddObjectToObject(d, "pitch");
        cJSON_AddNumberToObject(pj, "id", (double)pitch_id);
        cJSON_AddNumberToObject(pj, "project_id", (double)db_get_i64(&res, 0, PN_PROJECT));
        cJSON_AddStringToObject(pj, "project_title", db_get(&res, 0, PN_P_TITLE));
        json_add_time(pj, "starts_at", db_get_time(&res, 0, PN_STARTS));
        json_add_time(pj, "ends_at", db_get_time(&res, 0, PN_ENDS));
        cJSON_AddNumberToObject(pj, "minutes", (double)db_get_i64(&res, 0, PN_MINUTES));
        struct notice nt = {.type = NOTIFY_PITCH_PLACED, .event_id = event_id,
                            .user_ids = &presenter, .nusers = 1, .data = d};
        rc = notify_emit(db, &nt);
        cJSON_Delete(d);
    }
    db_res_clear(&res);
    return rc;
}

static int place_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct place *a = arg;
    struct event_ref ev;
    struct presenters who = {0};
    struct sched_ctx c = {0};
    struct db_res res = {0};
    int rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, f);
    if (!rc)
        rc = presenters_lock(db, "SELECT presenter_user_id FROM pitches WHERE id = ? FOR UPDATE",
                             a->pitch_id, &who);
    if (!rc && !who.n)
        rc = pitch_gone(f, a->pitch_id);
    if (!rc)
        rc = db_exec(db, &res, PLACE_SQL, "i", a->pitch_id);
    if (!rc && !res.nrows)
        rc = pitch_gone(f, a->pitch_id);
    if (rc)
        goto out;
    struct pitch_sched_pitch p = pitch_from_row(&res, 0);
    int64_t s_start = db_get_time(&res, 0, PL_S_STARTS), s_end = db_get_time(&res, 0, PL_S_ENDS);
    rc = sched_ctx_load(db, a->event_id, db_get_i64(&res, 0, PL_SESSION), db_get(&res, 0, PL_ROOM),
                        s_start, s_end, &c);
    if (!rc)
        rc = busy_elsewhere_load(db, a->event_id, &who, s_start, s_end, &c);
    if (rc)
        goto out;
    int64_t clash_id;
    enum pitch_sched_clash k = pitch_sched_check(&c.ctx, &p, a->start, &clash_id);
    if (k != PITCH_SCHED_CLASH_NONE) {
        struct pitches_clash clash = {0};
        clash_set(&clash, k, 0, clash_id);
        rc = pitches_clash_fail(f, &clash, "starts_at");
        goto out;
    }
    debug_hold(a->r, "pitch_place", a->pitch_id); /* checked, locks held, not yet written */
    char sb[TIME_BUF], eb[TIME_BUF];
    rc = db_exec(db, NULL,
                 "UPDATE pitches SET starts_at = ?, ends_at = ?, updated_at = UTC_TIMESTAMP()"
                 " WHERE id = ?",
                 "ssi", time_format_sql(a->start, sb),
                 time_format_sql(a->start + 60 * (int64_t)p.minutes, eb), a->pitch_id);
    if (!rc)
        rc = pitch_placed_notify(db, a->pitch_id);
out:
    sched_ctx_free(&c);
    db_res_clear(&res);
    free(who.id);
    return rc;
}

void pitches_place(struct req *r)
{
    struct place a = {.r = r};
    struct session_ref s;
    if (req_param_id(r, 0, &a.pitch_id) < 0 || pitch_managed(r, a.pitch_id, &s) < 0)
        return;
    a.event_id = s.ev.id;
    cJSON *body = json_body(r);
    if (!body)
        return;
    int rc = json_time(r, body, "starts_at", true, &a.start);
    cJSON_Delete(body);
    cJSON *o;
    if (rc < 0 || req_tx(r, place_tx, &a) < 0 || !(o = pitch_read(r, a.pitch_id)))
        return;
    reply_json(r, 200, o);
}

enum { CHK_STARTS = PR_NEXT };
#define CHECK_SQL                                                                                  \
    "SELECT " PR_COLS ", p.starts_at FROM pitches p"                                               \
    " WHERE p.session_id = ? AND p.starts_at IS NOT NULL ORDER BY p.starts_at, p.id"

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
    struct sched_ctx c = {0};
    rc = db_exec(db, &res, CHECK_SQL, "i", session_id);
    if (rc) {
        free(who.id);
        return rc;
    }
    rc = sched_ctx_load(db, event_id, session_id, room, starts, ends, &c);
    if (!rc)
        rc = busy_elsewhere_load(db, event_id, &who, starts, ends, &c);
    for (size_t i = 0; i < res.nrows && !rc; i++) {
        struct pitch_sched_pitch p = pitch_from_row(&res, i);
        int64_t clash_id, at = db_get_time(&res, i, CHK_STARTS);
        enum pitch_sched_clash k = pitch_sched_check(&c.ctx, &p, at, &clash_id);
        if (k != PITCH_SCHED_CLASH_NONE) {
            clash_set(out, k, p.id, clash_id);
            out->starts_at = at;
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
    struct session_ref s;
    if (req_param_id(r, 0, &id) < 0 || pitch_managed(r, id, &s) < 0 ||
        req_exec(r, NULL,
                 "UPDATE pitches SET starts_at = NULL, ends_at = NULL,"
                 " updated_at = UTC_TIMESTAMP() WHERE id = ?",
                 "i", id) < 0)
        return;
    reply_empty(r, 204);
}

/* ---- POST /sessions/{id}/pitches/schedule --------------------------------------------------- */

struct schedule_run {
    const struct req *r;
    int64_t session_id, event_id;
    struct pitch_sched_pitch *todo;
    struct pitch_sched_result *out;
    size_t n, placed;
};

enum { SS_STARTS, SS_ENDS, SS_ROOM };
#define SCHED_SESSION_SQL "SELECT starts_at, ends_at, room FROM sessions WHERE id = ?"
#define UNPLACED_SQL                                                                               \
    "SELECT " PR_COLS " FROM pitches p"                                                            \
    " WHERE p.session_id = ? AND p.starts_at IS NULL ORDER BY p.id"

/* Under the locks: the session's unplaced pitches (a->todo) and the timetable around them (c). */
static int schedule_load(struct db *db, struct schedule_run *a, struct tx_fail *f,
                         struct sched_ctx *c)
{
    struct presenters who;
    struct db_res ses = {0}, res = {0};
    int rc = presenters_lock(db,
                             "SELECT presenter_user_id FROM pitches WHERE session_id = ?"
                             " AND starts_at IS NULL FOR UPDATE",
                             a->session_id, &who);
    if (!rc)
        rc = db_exec(db, &ses, SCHED_SESSION_SQL, "i", a->session_id);
    if (!rc && !ses.nrows)
        rc = tx_fail(f, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session %lld",
                     (long long)a->session_id);
    if (!rc)
        rc = db_exec(db, &res, UNPLACED_SQL, "i", a->session_id);
    if (rc)
        goto out;
    a->n = res.nrows;
    a->todo = xcalloc(a->n ? a->n : 1, sizeof(*a->todo));
    a->out = xcalloc(a->n ? a->n : 1, sizeof(*a->out));
    for (size_t i = 0; i < a->n; i++)
        a->todo[i] = pitch_from_row(&res, i);
    int64_t s_start = db_get_time(&ses, 0, SS_STARTS), s_end = db_get_time(&ses, 0, SS_ENDS);
    rc =
        sched_ctx_load(db, a->event_id, a->session_id, db_get(&ses, 0, SS_ROOM), s_start, s_end, c);
    if (!rc) /* the same agendas as a manual placement checks: other events, 1:1 meetings */
        rc = busy_elsewhere_load(db, a->event_id, &who, s_start, s_end, c);
out:
    db_res_clear(&ses);
    db_res_clear(&res);
    free(who.id);
    return rc;
}

static int schedule_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct schedule_run *a = arg;
    struct event_ref ev;
    struct sched_ctx c = {0};
    free(a->todo);
    free(a->out);
    a->todo = NULL;
    a->out = NULL;
    a->n = a->placed = 0;
    int rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, f);
    if (!rc)
        rc = schedule_load(db, a, f, &c);
    if (!rc)
        a->placed = pitch_sched_run(&c.ctx, a->todo, a->n, a->out);
    sched_ctx_free(&c);
    for (size_t i = 0; i < a->n && !rc; i++) {
        if (a->out[i].reason != PITCH_SCHED_PLACED)
            continue;
        char sb[TIME_BUF], eb[TIME_BUF];
        rc = db_exec(db, NULL,
                     "UPDATE pitches SET starts_at = ?, ends_at = ?, updated_at = UTC_TIMESTAMP()"
                     " WHERE id = ?",
                     "ssi", time_format_sql(a->out[i].start, sb),
                     time_format_sql(a->out[i].start + 60 * (int64_t)a->todo[i].minutes, eb),
                     a->todo[i].id);
        if (!rc)
            rc = pitch_placed_notify(db, a->todo[i].id);
    }
    if (rc)
        return rc;
    char subject[64], detail[96];
    snprintf(subject, sizeof(subject), "session %lld", (long long)a->session_id);
    snprintf(detail, sizeof(detail), "placed %zu of %zu unplaced pitches", a->placed, a->n);
    return audit_record(db, a->r, a->event_id, "pitches_schedule", subject, detail);
}

static cJSON *schedule_json(const struct schedule_run *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)a->session_id);
    cJSON *placed = cJSON_AddArrayToObject(o, "placed");
    cJSON *unplaced = cJSON_AddArrayToObject(o, "unplaced");
    for (size_t i = 0; i < a->n; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "pitch_id", (double)a->todo[i].id);
        if (a->out[i].reason == PITCH_SCHED_PLACED) {
            json_add_time(p, "starts_at", a->out[i].start);
            json_add_time(p, "ends_at", a->out[i].start + 60 * (int64_t)a->todo[i].minutes);
            cJSON_AddItemToArray(placed, p);
        } else {
            cJSON_AddStringToObject(p, "reason", pitch_sched_reason_name(a->out[i].reason));
            cJSON_AddItemToArray(unplaced, p);
        }
    }
    return o;
}

void pitches_schedule(struct req *r)
{
    struct schedule_run a = {.r = r};
    struct session_ref s;
    if (req_param_id(r, 0, &a.session_id) < 0 || pitch_session_managed(r, a.session_id, &s) < 0)
        return;
    a.event_id = s.ev.id;
    if (req_tx(r, schedule_tx, &a) == 0)
        reply_json(r, 200, schedule_json(&a));
    free(a.todo);
    free(a.out);
}

/* ---- GET /events/{id}/timetable ------------------------------------------------------------- */

enum { TE_TITLE, TE_KIND, TE_VENUE };
#define TIMETABLE_EVENT_SQL "SELECT title, kind, venue FROM events WHERE id = ?"

enum { TS_ID, TS_TITLE, TS_KIND, TS_ROOM, TS_STARTS, TS_ENDS };
#define TIMETABLE_SESSIONS_SQL                                                                     \
    "SELECT id, title, kind, room, starts_at, ends_at FROM sessions"                               \
    " WHERE event_id = ? ORDER BY room, starts_at, id"

static cJSON *timetable_event_json(const struct event_ref *ev, const struct db_res *res)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "id", (double)ev->id);
    json_add_str_or_null(e, "title", db_get(res, 0, TE_TITLE));
    json_add_str_or_null(e, "kind", db_get(res, 0, TE_KIND));
    json_add_str_or_null(e, "venue", db_get(res, 0, TE_VENUE));
    cJSON_AddStringToObject(e, "status", event_status_names[ev->status]);
    json_add_time(e, "starts_at", ev->starts_at);
    json_add_time(e, "ends_at", ev->ends_at);
    return e;
}

/* Rooms in order, each with its sessions and their placed pitches (ps: by time). */
static cJSON *timetable_rooms_json(const struct db_res *ss, const struct db_res *ps)
{
    cJSON *rooms = cJSON_CreateArray();
    cJSON *sessions = NULL;
    const char *cur = NULL;
    for (size_t i = 0; i < ss->nrows; i++) {
        const char *name = db_get(ss, i, TS_ROOM) ? db_get(ss, i, TS_ROOM) : "";
        if (!cur || strcmp(cur, name) != 0) {
            cJSON *room = cJSON_CreateObject();
            cJSON_AddStringToObject(room, "room", name);
            sessions = cJSON_AddArrayToObject(room, "sessions");
            cJSON_AddItemToArray(rooms, room);
            cur = name;
        }
        int64_t sid = db_get_i64(ss, i, TS_ID);
        cJSON *so = cJSON_CreateObject();
        cJSON_AddNumberToObject(so, "id", (double)sid);
        json_add_str_or_null(so, "title", db_get(ss, i, TS_TITLE));
        json_add_str_or_null(so, "kind", db_get(ss, i, TS_KIND));
        json_add_time(so, "starts_at", db_get_time(ss, i, TS_STARTS));
        json_add_time(so, "ends_at", db_get_time(ss, i, TS_ENDS));
        cJSON *pa = cJSON_AddArrayToObject(so, "pitches");
        for (size_t k = 0; k < ps->nrows; k++)
            if (db_get_i64(ps, k, PI_SESSION) == sid)
                cJSON_AddItemToArray(pa, pitch_json(ps, k));
        cJSON_AddItemToArray(sessions, so);
    }
    return rooms;
}

void pitches_timetable(struct req *r)
{
    int64_t eid;
    struct event_ref ev;
    if (req_param_id(r, 0, &eid) < 0 || access_event(r, eid, ACCESS_READ, &ev) < 0)
        return;
    struct db_res er = {0}, ss = {0}, ps = {0};
    if (req_exec(r, &er, TIMETABLE_EVENT_SQL, "i", eid) < 0 ||
        req_exec(r, &ss, TIMETABLE_SESSIONS_SQL, "i", eid) < 0 ||
        req_exec(r, &ps,
                 PITCH_SELECT
                 " WHERE p.event_id = ? AND p.starts_at IS NOT NULL ORDER BY p.starts_at, p.id",
                 "i", eid) < 0)
        goto out;
    if (!er.nrows) { /* deleted since access_event read it */
        reply_error(r, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event %lld", (long long)eid);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "event", timetable_event_json(&ev, &er));
    cJSON_AddItemToObject(o, "rooms", timetable_rooms_json(&ss, &ps));
    reply_json(r, 200, o);
out:
    db_res_clear(&er);
    db_res_clear(&ss);
    db_res_clear(&ps);
}
