#include "handlers/meetings.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/meeting_sched.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

#define SLOT_MINUTES_MIN 5
#define SLOT_MINUTES_MAX 240
#define SLOT_COUNT_MAX 200       /* slots per request */
#define SLOTS_PER_EVENT_MAX 1000 /* bounds the scheduler's n·S memory */
#define TABLES_MAX 500
#define BATCH_PARAMS 64     /* bound parameters per statement: the DB layer's limit (db.c) */
#define CURSOR_TABLES 10000 /* cursor = slot start (unix s) * CURSOR_TABLES + table */

/* ---- errors decided inside a transaction, replied after it ---- */

struct fail {
    int err;
    const char *code;
    const char *field;
    char msg[240];
};

static int fail_set(struct fail *f, int err, const char *code, const char *field, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

static int fail_set(struct fail *f, int err, const char *code, const char *field, const char *fmt,
                    ...)
{
    f->err = err;
    f->code = code;
    f->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
    return err;
}

static void meetings_reply_tx(struct req *r, const struct fail *f, int rc)
{
    if (f->err && rc == f->err)
        reply_error(r, f->err, f->code, f->field, "%s", f->msg);
    else
        reply_fail(r, rc);
}

/* ---- events and slots ---- */

struct event_row {
    int64_t organizer_id, starts_at, ends_at;
    bool draft;
};

static int event_get(struct db *db, int64_t id, bool lock, struct event_row *ev, struct fail *f)
{
    struct db_res res;
    int rc = lock ? access_event_lock(db, id) : 0; /* Galera: the lock is a write */
    if (rc)
        return rc;
    rc = db_exec(db, &res,
                 lock ? "SELECT organizer_id, starts_at, ends_at, status FROM events"
                        " WHERE id = ? FOR UPDATE"
                      : "SELECT organizer_id, starts_at, ends_at, status FROM events"
                        " WHERE id = ?",
                 "i", id);
    if (rc)
        return rc;
    if (res.nrows == 0) {
        db_res_clear(&res);
        return fail_set(f, SD_ERR_NOT_FOUND, NULL, NULL, "no event %lld", (long long)id);
    }
    ev->organizer_id = db_get_i64(&res, 0, 0);
    ev->starts_at = db_get_time(&res, 0, 1);
    ev->ends_at = db_get_time(&res, 0, 2);
    ev->draft = !db_get(&res, 0, 3) || strcmp(db_get(&res, 0, 3), "draft") == 0;
    db_res_clear(&res);
    return 0;
}

static bool is_organizer(const struct req *r, const struct event_row *ev)
{
    return (r->user.roles & ROLE_ADMIN) || (r->user.id != 0 && ev->organizer_id == r->user.id);
}

/* Loads the event and checks that the caller organizes it: 404 for a draft the caller may not
 * manage (its existence is not disclosed, as on GET /events/{id}), else 403. */
static int event_organized(struct req *r, struct db *db, int64_t id, bool lock,
                           struct event_row *ev, struct fail *f)
{
    int rc = event_get(db, id, lock, ev, f);
    if (rc)
        return rc;
    if (!is_organizer(r, ev) && ev->draft)
        return fail_set(f, SD_ERR_NOT_FOUND, NULL, NULL, "no event %lld", (long long)id);
    if (!is_organizer(r, ev))
        return fail_set(f, SD_ERR_FORBIDDEN, NULL, NULL, "only the event's organizer may do this");
    return 0;
}

struct slot {
    int64_t id, starts_at, ends_at;
    int tables;
};

/* The event's slots in time order (the scheduler's slot i is (*out)[i]). Caller frees *out. */
static int slots_load(struct db *db, int64_t event_id, struct slot **out, size_t *n)
{
    struct db_res res;
    *out = NULL;
    *n = 0;
    int rc = db_exec(db, &res,
                     "SELECT id, starts_at, ends_at, tables_count FROM meeting_slots"
                     " WHERE event_id = ? ORDER BY starts_at, id",
                     "i", event_id);
    if (rc)
        return rc;
    if (res.nrows) {
        *out = xcalloc(res.nrows, sizeof(**out));
        for (size_t i = 0; i < res.nrows; i++) {
            (*out)[i].id = db_get_i64(&res, i, 0);
            (*out)[i].starts_at = db_get_time(&res, i, 1);
            (*out)[i].ends_at = db_get_time(&res, i, 2);
            (*out)[i].tables = (int)db_get_i64(&res, i, 3);
        }
    }
    *n = res.nrows;
    db_res_clear(&res);
    return 0;
}

static cJSON *slot_json(int64_t id, int64_t index, int64_t starts_at, int64_t ends_at)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddNumberToObject(o, "index", (double)index);
    json_add_time(o, "starts_at", starts_at);
    json_add_time(o, "ends_at", ends_at);
    return o;
}

/* Slot id → index, by binary search over (id, index) pairs sorted by id. */
struct slot_ix {
    int64_t id;
    int32_t index;
};

static int cmp_slot_ix(const void *x, const void *y)
{
    const struct slot_ix *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

static int32_t slot_index_of(const struct slot_ix *ix, size_t n, int64_t id)
{
    struct slot_ix key = {.id = id};
    const struct slot_ix *hit = bsearch(&key, ix, n, sizeof(*ix), cmp_slot_ix);
    return hit ? hit->index : MEET_SCHED_NONE;
}

/* "[1,2,3]" style comma list (GROUP_CONCAT) into a JSON array of numbers. */
static cJSON *id_list_json(const char *s)
{
    cJSON *arr = cJSON_CreateArray();
    while (s && *s) {
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s)
            break;
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)v));
        s = *end == ',' ? end + 1 : end;
    }
    return arr;
}

/* ---- multi-row INSERTs in power-of-two chunks (few distinct statement shapes) ---- */

struct batch {
    struct db *db;
    const char *head;  /* "INSERT INTO t (a, b) VALUES " */
    const char *tuple; /* "(?, ?)" */
    size_t ncols;
    struct db_param *p; /* max_rows rows */
    size_t nrows;
    size_t max_rows; /* a power of two (see batch_flush), max_rows * ncols <= BATCH_PARAMS */
};

static void batch_init(struct batch *b, struct db *db, const char *head, const char *tuple,
                       size_t ncols)
{
    b->db = db;
    b->head = head;
    b->tuple = tuple;
    b->ncols = ncols;
    b->max_rows = 1;
    while (b->max_rows * 2 * ncols <= BATCH_PARAMS)
        b->max_rows *= 2;
    b->p = xcalloc(b->max_rows * ncols, sizeof(*b->p));
    b->nrows = 0;
}

static void batch_deinit(struct batch *b)
{
    free(b->p);
    b->p = NULL;
}

static int batch_exec(struct batch *b, size_t off, size_t rows)
{
    size_t hl = strlen(b->head), tl = strlen(b->tuple);
    char *sql = xmalloc(hl + rows * (tl + 2) + 1), *p = sql;
    memcpy(p, b->head, hl);
    p += hl;
    for (size_t i = 0; i < rows; i++) {
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, b->tuple, tl);
        p += tl;
    }
    *p = '\0';
    int rc = db_execv(b->db, NULL, sql, b->p + off * b->ncols, rows * b->ncols);
    free(sql);
    return rc;
}

static int batch_flush(struct batch *b)
{
    size_t off = 0;
    for (size_t chunk = b->max_rows; chunk; chunk /= 2) {
        while (b->nrows - off >= chunk) {
            int rc = batch_exec(b, off, chunk);
            if (rc)
                return rc;
            off += chunk;
        }
    }
    b->nrows = 0;
    return 0;
}

/* Adds one row of ncols values (copied; 's' strings must outlive the flush). */
static int batch_add(struct batch *b, const struct db_param *row)
{
    memcpy(b->p + b->nrows * b->ncols, row, b->ncols * sizeof(*row));
    if (++b->nrows == b->max_rows)
        return batch_flush(b);
    return 0;
}

#define P_I(v) ((struct db_param){.type = 'i', .i = (v)})
#define P_D(v) ((struct db_param){.type = 'd', .d = (v)})

/* ---- POST /events/{id}/meeting-slots ---- */

struct slots_args {
    struct req *r;
    int64_t event_id, starts_at, minutes, count, tables;
    int64_t first_id; /* ids of the created slots */
    int64_t *ids;
    struct fail f;
};

static int slots_tx(struct db *db, void *arg)
{
    struct slots_args *a = arg;
    struct event_row ev;
    a->f.err = 0;
    int rc = event_organized(a->r, db, a->event_id, true, &ev, &a->f);
    if (rc)
        return rc;
    int64_t end = a->starts_at + a->count * a->minutes * 60;
    char b1[TIME_BUF], b2[TIME_BUF], b3[TIME_BUF], b4[TIME_BUF];
    if (a->starts_at < ev.starts_at || end > ev.ends_at)
        return fail_set(&a->f, SD_ERR_INVALID, "validation_failed", "starts_at",
                        "the slots (%s to %s) must lie inside the event (%s to %s)",
                        time_format_rfc3339(a->starts_at, b1), time_format_rfc3339(end, b2),
                        time_format_rfc3339(ev.starts_at, b3), time_format_rfc3339(ev.ends_at, b4));
    struct db_res res;
    rc = db_exec(db, &res,
                 "SELECT COUNT(*), COALESCE(MIN(tables_count), 0),"
                 " COALESCE(SUM(CASE WHEN starts_at < ? AND ends_at > ? THEN 1 ELSE 0 END), 0)"
                 " FROM meeting_slots WHERE event_id = ?",
                 "ssi", time_format_sql(end, b1), time_format_sql(a->starts_at, b2), a->event_id);
    if (rc)
        return rc;
    int64_t existing = db_get_i64(&res, 0, 0), tables = db_get_i64(&res, 0, 1),
            overlap = db_get_i64(&res, 0, 2);
    db_res_clear(&res);
    if (overlap)
        return fail_set(&a->f, SD_ERR_CONFLICT, "slot_overlap", "starts_at",
                        "the new slots overlap %lld existing meeting slot(s) of this event",
                        (long long)overlap);
    if (existing && tables != a->tables)
        return fail_set(&a->f, SD_ERR_CONFLICT, "tables_mismatch", "tables",
                        "this event's meeting slots have %lld tables each", (long long)tables);
    if (existing + a->count > SLOTS_PER_EVENT_MAX)
        return fail_set(&a->f, SD_ERR_CONFLICT, "too_many_slots", "count",
                        "an event has at most %d meeting slots (%lld exist)", SLOTS_PER_EVENT_MAX,
                        (long long)existing);
    for (int64_t i = 0; i < a->count; i++) {
        int64_t s = a->starts_at + i * a->minutes * 60;
        rc =
            db_exec(db, &res,
                    "INSERT INTO meeting_slots (event_id, starts_at, ends_at, minutes,"
                    " tables_count, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?,"
                    " UTC_TIMESTAMP())",
                    "issiii", a->event_id, time_format_sql(s, b1),
                    time_format_sql(s + a->minutes * 60, b2), a->minutes, a->tables, a->r->user.id);
        if (rc)
            return rc;
        a->ids[i] = (int64_t)res.insert_id;
        db_res_clear(&res);
    }
    char subject[64], detail[160];
    snprintf(subject, sizeof(subject), "event %lld", (long long)a->event_id);
    snprintf(detail, sizeof(detail), "%lld slots of %lld minutes from %s, %lld tables",
             (long long)a->count, (long long)a->minutes, time_format_rfc3339(a->starts_at, b1),
             (long long)a->tables);
    return audit_record(db, a->r, a->event_id, "meeting_slots_create", subject, detail);
}

void meetings_create_slots(struct req *r)
{
    struct slots_args a = {.r = r};
    if (req_param_id(r, 0, &a.event_id) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (json_time(r, body, "starts_at", true, &a.starts_at) < 0 ||
        json_int(r, body, "minutes", true, SLOT_MINUTES_MIN, SLOT_MINUTES_MAX, &a.minutes) < 0 ||
        json_int(r, body, "count", true, 1, SLOT_COUNT_MAX, &a.count) < 0 ||
        json_int(r, body, "tables", true, 1, TABLES_MAX, &a.tables) < 0) {
        cJSON_Delete(body);
        return;
    }
    cJSON_Delete(body);
    if (a.starts_at % 60 != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "starts_at",
                    "starts_at must be on a whole minute");
        return;
    }
    a.ids = xcalloc((size_t)a.count, sizeof(*a.ids));
    int rc = db_tx(r->w->db, slots_tx, &a);
    if (rc) {
        meetings_reply_tx(r, &a.f, rc);
        free(a.ids);
        return;
    }
    struct slot *slots;
    size_t ns;
    rc = slots_load(r->w->db, a.event_id, &slots, &ns);
    if (rc) {
        reply_fail(r, rc);
        free(a.ids);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)a.event_id);
    cJSON_AddNumberToObject(o, "total_slots", (double)ns);
    cJSON_AddNumberToObject(o, "tables", (double)a.tables);
    cJSON *arr = cJSON_AddArrayToObject(o, "slots");
    for (size_t i = 0; i < ns; i++) {
        for (int64_t k = 0; k < a.count; k++) {
            if (slots[i].id != a.ids[k])
                continue;
            cJSON *s = slot_json(slots[i].id, (int64_t)i, slots[i].starts_at, slots[i].ends_at);
            cJSON_AddNumberToObject(s, "minutes", (double)a.minutes);
            cJSON_AddNumberToObject(s, "tables", (double)slots[i].tables);
            cJSON_AddItemToArray(arr, s);
        }
    }
    free(slots);
    free(a.ids);
    reply_created(r, o, "/api/v1/events/%lld/meeting-slots", (long long)a.event_id);
}

/* ---- GET /events/{id}/meeting-slots ---- */

void meetings_list_slots(struct req *r)
{
    int64_t event_id;
    if (req_param_id(r, 0, &event_id) < 0)
        return;
    struct fail f = {0};
    struct event_row ev;
    int rc = event_organized(r, r->w->db, event_id, false, &ev, &f);
    if (rc) {
        meetings_reply_tx(r, &f, rc);
        return;
    }
    struct db_res res;
    rc = db_exec(r->w->db, &res,
                 "SELECT s.id, s.starts_at, s.ends_at, s.minutes, s.tables_count,"
                 " (SELECT COUNT(*) FROM meetings m WHERE m.slot_id = s.id)"
                 " FROM meeting_slots s WHERE s.event_id = ? ORDER BY s.starts_at, s.id",
                 "i", event_id);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)event_id);
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < res.nrows; i++) {
        cJSON *s = slot_json(db_get_i64(&res, i, 0), (int64_t)i, db_get_time(&res, i, 1),
                             db_get_time(&res, i, 2));
        cJSON_AddNumberToObject(s, "minutes", (double)db_get_i64(&res, i, 3));
        cJSON_AddNumberToObject(s, "tables", (double)db_get_i64(&res, i, 4));
        cJSON_AddNumberToObject(s, "meetings", (double)db_get_i64(&res, i, 5));
        cJSON_AddItemToArray(arr, s);
    }
    db_res_clear(&res);
    reply_json(r, 200, o);
}

/* ---- POST /events/{id}/meetings/schedule ---- */

/* One mutual match between two attending organizations (a < b). */
struct mrow {
    int64_t a, b, match_id;
    double score;
};

static int cmp_mrow(const void *x, const void *y)
{
    const struct mrow *p = x, *q = y;
    if (p->a != q->a)
        return (p->a > q->a) - (p->a < q->a);
    if (p->b != q->b)
        return (p->b > q->b) - (p->b < q->b);
    return (p->match_id > q->match_id) - (p->match_id < q->match_id);
}

/* One pair of organizations: the meeting to have. */
struct cand {
    int64_t a, b;
    double score;        /* best score of its matches */
    size_t m0, nm;       /* its matches: rows[m0 .. m0 + nm) */
    int64_t meeting_id;  /* the scheduled meeting it already has, or 0 */
    int64_t old_slot_id; /* that meeting's slot */
    double old_score;
    int32_t fixed_slot, fixed_table;
    int64_t cancelled_id; /* a cancelled meeting of this pair: not scheduled again */
    long sched;           /* index into the scheduler's input, -1 when not given */
    bool fresh;           /* inserted by this run */
};

static int cmp_cand_pair(const void *x, const void *y)
{
    const struct cand *p = x, *q = y;
    if (p->a != q->a)
        return (p->a > q->a) - (p->a < q->a);
    return (p->b > q->b) - (p->b < q->b);
}

static struct cand *cand_find(struct cand *c, size_t n, int64_t a, int64_t b)
{
    struct cand key = {.a = a, .b = b};
    return bsearch(&key, c, n, sizeof(*c), cmp_cand_pair);
}

struct removed {
    int64_t id, a, b;
};

/* (meeting id, match id) of the stored plan, sorted. */
struct mm_row {
    int64_t meeting_id, match_id;
};

struct sched_args {
    struct req *r;
    int64_t event_id;
    bool reset;
    struct fail f;
    cJSON *out;
};

/* Everything one run allocates; freed by sched_state_free. */
struct sched_state {
    struct slot *slots;
    size_t ns;
    struct slot_ix *six;
    struct mrow *rows;
    size_t nrows;
    struct cand *c;
    size_t nc;
    struct removed *rm;
    size_t nrm;
    struct mm_row *mm;
    size_t nmm;
    struct meet_sched_block *blocks;
    size_t nb;
    struct meet_sched_meeting *in;
    struct meet_sched_result *res;
    size_t nin;
    struct meet_sched_stats st;
    int64_t reset_removed;
};

static void sched_state_free(struct sched_state *s)
{
    free(s->slots);
    free(s->six);
    free(s->rows);
    free(s->c);
    free(s->rm);
    free(s->mm);
    free(s->blocks);
    free(s->in);
    free(s->res);
    memset(s, 0, sizeof(*s));
}

/* Mutual matches whose two organizations attend the event, grouped into candidate pairs. */
static int load_candidates(struct db *db, int64_t event_id, struct sched_state *s)
{
    static const char *const sql =
        "SELECT mt.id, ps.org_id, pd.org_id, mt.score FROM matches mt"
        " JOIN projects ps ON ps.id = mt.supply_project_id"
        " JOIN projects pd ON pd.id = mt.demand_project_id"
        " WHERE ps.status = 'open' AND pd.status = 'open' AND ps.org_id <> pd.org_id"
        " AND ps.org_id IN (SELECT x.org_id FROM event_exhibitors x WHERE x.event_id = ?"
        "  UNION SELECT om.org_id FROM org_members om"
        "  JOIN registrations rg ON rg.user_id = om.user_id AND rg.status = 'confirmed'"
        "  JOIN sessions se ON se.id = rg.session_id WHERE se.event_id = ?)"
        " AND pd.org_id IN (SELECT x.org_id FROM event_exhibitors x WHERE x.event_id = ?"
        "  UNION SELECT om.org_id FROM org_members om"
        "  JOIN registrations rg ON rg.user_id = om.user_id AND rg.status = 'confirmed'"
        "  JOIN sessions se ON se.id = rg.session_id WHERE se.event_id = ?)";
    struct db_res res;
    int rc = db_exec(db, &res, sql, "iiii", event_id, event_id, event_id, event_id);
    if (rc)
        return rc;
    s->nrows = res.nrows;
    s->rows = xcalloc(res.nrows ? res.nrows : 1, sizeof(*s->rows));
    for (size_t i = 0; i < res.nrows; i++) {
        int64_t x = db_get_i64(&res, i, 1), y = db_get_i64(&res, i, 2);
        s->rows[i].match_id = db_get_i64(&res, i, 0);
        s->rows[i].a = x < y ? x : y;
        s->rows[i].b = x < y ? y : x;
        s->rows[i].score = db_get_double(&res, i, 3);
    }
    db_res_clear(&res);
    qsort(s->rows, s->nrows, sizeof(*s->rows), cmp_mrow);
    s->c = xcalloc(s->nrows ? s->nrows : 1, sizeof(*s->c));
    for (size_t i = 0; i < s->nrows;) {
        struct cand *c = &s->c[s->nc++];
        c->a = s->rows[i].a;
        c->b = s->rows[i].b;
        c->m0 = i;
        c->score = s->rows[i].score;
        c->fixed_slot = c->fixed_table = MEET_SCHED_NONE;
        c->sched = -1;
        while (i < s->nrows && s->rows[i].a == c->a && s->rows[i].b == c->b) {
            if (isnan(c->score) || s->rows[i].score > c->score)
                c->score = s->rows[i].score;
            c->nm++;
            i++;
        }
    }
    return 0;
}

/* The event's stored meetings (locked): fixed ones for the scheduler, cancelled pairs, and
 * scheduled meetings whose pair is no longer eligible (to remove). */
static int load_existing(struct db *db, int64_t event_id, struct sched_state *s)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT id, org_a, org_b, status, slot_id, table_no, score FROM meetings"
                     " WHERE event_id = ? ORDER BY id FOR UPDATE",
                     "i", event_id);
    if (rc)
        return rc;
    s->rm = xcalloc(res.nrows ? res.nrows : 1, sizeof(*s->rm));
    for (size_t i = 0; i < res.nrows; i++) {
        int64_t id = db_get_i64(&res, i, 0), a = db_get_i64(&res, i, 1), b = db_get_i64(&res, i, 2);
        bool cancelled = strcmp(db_get(&res, i, 3) ? db_get(&res, i, 3) : "", "cancelled") == 0;
        struct cand *c = cand_find(s->c, s->nc, a, b);
        if (cancelled) {
            if (c)
                c->cancelled_id = id;
            continue;
        }
        if (!c) {
            s->rm[s->nrm++] = (struct removed){.id = id, .a = a, .b = b};
            continue;
        }
        c->meeting_id = id;
        c->old_slot_id = db_get_i64(&res, i, 4);
        c->old_score = db_get_double(&res, i, 6);
        c->fixed_slot = slot_index_of(s->six, s->ns, c->old_slot_id);
        c->fixed_table = c->fixed_slot == MEET_SCHED_NONE ? MEET_SCHED_NONE
                                                          : (int32_t)db_get_i64(&res, i, 5) - 1;
    }
    db_res_clear(&res);
    rc = db_exec(db, &res,
                 "SELECT mm.meeting_id, mm.match_id FROM meeting_matches mm"
                 " JOIN meetings m ON m.id = mm.meeting_id"
                 " WHERE m.event_id = ? AND m.status = 'scheduled'"
                 " ORDER BY mm.meeting_id, mm.match_id",
                 "i", event_id);
    if (rc)
        return rc;
    s->nmm = res.nrows;
    s->mm = xcalloc(res.nrows ? res.nrows : 1, sizeof(*s->mm));
    for (size_t i = 0; i < res.nrows; i++) {
        s->mm[i].meeting_id = db_get_i64(&res, i, 0);
        s->mm[i].match_id = db_get_i64(&res, i, 1);
    }
    db_res_clear(&res);
    return 0;
}

static int cmp_org(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Organizations blocked in slots overlapping a placed pitch that one of their members presents
 * (any event: a presenter cannot be in two places). One locking read per organization of the
 * plan, in id order: it locks the organization's memberships, which a pitch placement locks for
 * its presenter too (handlers/pitches.c), and it reads the members' pitches as committed rather
 * than as this transaction's snapshot, so a placement at another event and this run cannot miss
 * each other. */
static int load_blocks(struct db *db, struct sched_state *s)
{
    if (s->ns == 0 || s->nc == 0)
        return 0;
    int64_t *orgs = xcalloc(2 * s->nc, sizeof(*orgs));
    size_t n = 0;
    for (size_t i = 0; i < s->nc; i++) {
        orgs[n++] = s->c[i].a;
        orgs[n++] = s->c[i].b;
    }
    qsort(orgs, n, sizeof(*orgs), cmp_org);
    char b1[TIME_BUF], b2[TIME_BUF];
    time_format_sql(s->slots[s->ns - 1].ends_at, b1);
    time_format_sql(s->slots[0].starts_at, b2);
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i > 0 && orgs[i] == orgs[i - 1])
            continue;
        struct db_res res;
        rc = db_exec(db, &res,
                     "SELECT p.starts_at, p.ends_at FROM org_members om LEFT JOIN pitches p"
                     " ON p.presenter_user_id = om.user_id AND p.starts_at < ? AND p.ends_at > ?"
                     " WHERE om.org_id = ? LOCK IN SHARE MODE",
                     "ssi", b1, b2, orgs[i]);
        if (rc)
            break;
        for (size_t r = 0; r < res.nrows; r++) {
            if (!db_get(&res, r, 0))
                continue; /* a member without pitches then */
            int64_t ps = db_get_time(&res, r, 0), pe = db_get_time(&res, r, 1);
            for (size_t k = 0; k < s->ns; k++) {
                if (!(s->slots[k].starts_at < pe && ps < s->slots[k].ends_at))
                    continue;
                if (s->nb == cap) {
                    cap = cap ? cap * 2 : 64;
                    s->blocks = xrealloc(s->blocks, cap * sizeof(*s->blocks));
                }
                s->blocks[s->nb++] =
                    (struct meet_sched_block){.org_id = orgs[i], .slot = (int32_t)k};
            }
        }
        db_res_clear(&res);
    }
    free(orgs);
    return rc;
}

static bool is_scheduled(enum meet_sched_status st)
{
    return st == MEET_SCHED_PLACED || st == MEET_SCHED_KEPT || st == MEET_SCHED_MOVED;
}

static int delete_meeting(struct db *db, int64_t id)
{
    int rc = db_exec(db, NULL, "DELETE FROM meeting_seats WHERE meeting_id = ?", "i", id);
    if (!rc)
        rc = db_exec(db, NULL, "DELETE FROM meeting_matches WHERE meeting_id = ?", "i", id);
    if (!rc)
        rc = db_exec(db, NULL, "DELETE FROM meetings WHERE id = ?", "i", id);
    return rc;
}

/* Whether the stored match ids of meeting `id` equal the candidate's. */
static bool matches_same(const struct sched_state *s, const struct cand *c)
{
    size_t lo = 0, hi = s->nmm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->mm[mid].meeting_id < c->meeting_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = 0;
    for (; lo < s->nmm && s->mm[lo].meeting_id == c->meeting_id; lo++, k++)
        if (k >= c->nm || s->mm[lo].match_id != s->rows[c->m0 + k].match_id)
            return false;
    return k == c->nm;
}

static int seat_rows(struct batch *seats, const struct sched_state *s, const struct cand *c)
{
    const struct meet_sched_result *res = &s->res[c->sched];
    int64_t slot_id = s->slots[res->slot].id;
    int rc = batch_add(seats, (struct db_param[]){P_I(slot_id), P_I(c->a), P_I(c->meeting_id)});
    if (!rc)
        rc = batch_add(seats, (struct db_param[]){P_I(slot_id), P_I(c->b), P_I(c->meeting_id)});
    return rc;
}

static int match_rows(struct batch *mb, const struct sched_state *s, const struct cand *c)
{
    for (size_t k = 0; k < c->nm; k++) {
        int rc = batch_add(
            mb, (struct db_param[]){P_I(c->meeting_id), P_I(s->rows[c->m0 + k].match_id)});
        if (rc)
            return rc;
    }
    return 0;
}

/* Writes the scheduler's result: removed and dropped meetings go, moved ones get their new
 * place, new ones are inserted. Seats of every meeting that moves are freed first, so the
 * unique keys never see an intermediate clash. */
static int apply(struct db *db, int64_t event_id, int64_t user_id, struct sched_state *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->nrm && !rc; i++)
        rc = delete_meeting(db, s->rm[i].id);
    for (size_t i = 0; i < s->nc && !rc; i++) {
        struct cand *c = &s->c[i];
        if (!c->meeting_id || c->sched < 0)
            continue;
        enum meet_sched_status st = s->res[c->sched].status;
        if (st == MEET_SCHED_KEPT)
            continue;
        if (!is_scheduled(st)) {
            rc = delete_meeting(db, c->meeting_id);
            continue;
        }
        rc =
            db_exec(db, NULL, "DELETE FROM meeting_seats WHERE meeting_id = ?", "i", c->meeting_id);
        if (!rc)
            rc = db_exec(db, NULL,
                         "UPDATE meetings SET slot_id = NULL, table_no = NULL WHERE id = ?", "i",
                         c->meeting_id);
    }
    if (rc)
        return rc;

    struct batch seats, mb, mt;
    batch_init(&seats, db, "INSERT INTO meeting_seats (slot_id, org_id, meeting_id) VALUES ",
               "(?, ?, ?)", 3);
    batch_init(&mb, db, "INSERT INTO meeting_matches (meeting_id, match_id) VALUES ", "(?, ?)", 2);
    batch_init(&mt, db,
               "INSERT INTO meetings (event_id, org_a, org_b, status, slot_id, table_no, score,"
               " created_by, created_at, updated_at) VALUES ",
               "(?, ?, ?, 'scheduled', ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", 7);
    size_t nnew = 0;
    /* Existing meetings: new place, score and merged matches. */
    for (size_t i = 0; i < s->nc && !rc; i++) {
        struct cand *c = &s->c[i];
        if (c->sched < 0 || !is_scheduled(s->res[c->sched].status))
            continue;
        const struct meet_sched_result *res = &s->res[c->sched];
        if (!c->meeting_id) {
            nnew++;
            c->fresh = true;
            rc =
                batch_add(&mt, (struct db_param[]){P_I(event_id), P_I(c->a), P_I(c->b),
                                                   P_I(s->slots[res->slot].id), P_I(res->table + 1),
                                                   P_D(c->score), P_I(user_id)});
            continue;
        }
        if (res->status != MEET_SCHED_KEPT) {
            rc = db_exec(db, NULL,
                         "UPDATE meetings SET slot_id = ?, table_no = ?, score = ?,"
                         " updated_at = UTC_TIMESTAMP() WHERE id = ?",
                         "iidi", s->slots[res->slot].id, (int64_t)res->table + 1, c->score,
                         c->meeting_id);
            if (!rc)
                rc = seat_rows(&seats, s, c);
        } else if (c->score != c->old_score) {
            rc = db_exec(db, NULL,
                         "UPDATE meetings SET score = ?, updated_at = UTC_TIMESTAMP()"
                         " WHERE id = ?",
                         "di", c->score, c->meeting_id);
        }
        if (!rc && !matches_same(s, c)) {
            rc = db_exec(db, NULL, "DELETE FROM meeting_matches WHERE meeting_id = ?", "i",
                         c->meeting_id);
            if (!rc)
                rc = match_rows(&mb, s, c);
        }
    }
    if (!rc)
        rc = batch_flush(&mt);
    /* New meetings: their ids by pair, then their seats and matches. */
    if (!rc && nnew) {
        struct db_res res;
        rc = db_exec(db, &res,
                     "SELECT id, org_a, org_b FROM meetings WHERE event_id = ?"
                     " AND status = 'scheduled'",
                     "i", event_id);
        for (size_t i = 0; !rc && i < res.nrows; i++) {
            struct cand *c = cand_find(s->c, s->nc, db_get_i64(&res, i, 1), db_get_i64(&res, i, 2));
            if (c && !c->meeting_id)
                c->meeting_id = db_get_i64(&res, i, 0);
        }
        db_res_clear(&res);
        for (size_t i = 0; i < s->nc && !rc; i++) {
            struct cand *c = &s->c[i];
            if (!c->fresh)
                continue;
            if (!c->meeting_id) {
                rc = SD_ERR_INTERNAL;
                break;
            }
            rc = seat_rows(&seats, s, c);
            if (!rc)
                rc = match_rows(&mb, s, c);
        }
    }
    if (!rc)
        rc = batch_flush(&seats);
    if (!rc)
        rc = batch_flush(&mb);
    batch_deinit(&seats);
    batch_deinit(&mb);
    batch_deinit(&mt);
    return rc;
}

static cJSON *pair_json(const struct sched_state *s, const struct cand *c)
{
    cJSON *o = cJSON_CreateObject();
    if (c->meeting_id)
        cJSON_AddNumberToObject(o, "id", (double)c->meeting_id);
    cJSON *orgs = cJSON_AddArrayToObject(o, "organization_ids");
    cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)c->a));
    cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)c->b));
    cJSON_AddNumberToObject(o, "score", isnan(c->score) ? 0 : c->score);
    cJSON *ids = cJSON_AddArrayToObject(o, "match_ids");
    for (size_t k = 0; k < c->nm; k++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)s->rows[c->m0 + k].match_id));
    return o;
}

struct place {
    int32_t slot, table;
    size_t cand;
};

static int cmp_place(const void *x, const void *y)
{
    const struct place *p = x, *q = y;
    if (p->slot != q->slot)
        return p->slot - q->slot;
    return p->table - q->table;
}

static cJSON *result_json(const struct sched_args *a, const struct sched_state *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)a->event_id);
    cJSON_AddBoolToObject(o, "reset", a->reset);
    cJSON_AddNumberToObject(o, "slots", (double)s->ns);
    cJSON_AddNumberToObject(o, "tables", s->ns ? (double)s->slots[0].tables : 0);
    cJSON_AddNumberToObject(o, "meetings", (double)s->st.meetings);
    cJSON_AddNumberToObject(o, "scheduled_count", (double)s->st.scheduled);
    size_t unsched = 0, kept = 0, moved = 0, cancelled = 0;
    struct place *order = xcalloc(s->nc ? s->nc : 1, sizeof(*order));
    size_t no = 0;
    for (size_t i = 0; i < s->nc; i++) {
        const struct cand *c = &s->c[i];
        if (c->sched < 0) {
            cancelled++;
            continue;
        }
        enum meet_sched_status st = s->res[c->sched].status;
        if (is_scheduled(st))
            order[no++] = (struct place){s->res[c->sched].slot, s->res[c->sched].table, i};
        else
            unsched++;
        kept += st == MEET_SCHED_KEPT;
        moved += st == MEET_SCHED_MOVED;
    }
    cJSON_AddNumberToObject(o, "unscheduled_count", (double)(unsched + cancelled));
    cJSON_AddNumberToObject(o, "kept", (double)kept);
    cJSON_AddNumberToObject(o, "moved", (double)moved);
    cJSON_AddNumberToObject(o, "removed_count", (double)(s->nrm + (size_t)s->reset_removed));
    cJSON_AddNumberToObject(o, "slots_used", (double)s->st.slots_used);
    cJSON_AddNumberToObject(o, "slot_span", (double)s->st.slot_span);
    cJSON_AddNumberToObject(o, "lower_bound", (double)s->st.lower_bound);
    cJSON_AddNumberToObject(o, "max_degree", (double)s->st.max_degree);
    cJSON_AddBoolToObject(o, "bipartite", s->st.bipartite);
    cJSON_AddNumberToObject(o, "blocked_slots", (double)s->nb);

    qsort(order, no, sizeof(*order), cmp_place);
    cJSON *arr = cJSON_AddArrayToObject(o, "scheduled");
    for (size_t k = 0; k < no; k++) {
        const struct cand *c = &s->c[order[k].cand];
        const struct meet_sched_result *res = &s->res[c->sched];
        const struct slot *sl = &s->slots[res->slot];
        cJSON *m = pair_json(s, c);
        cJSON_AddItemToObject(m, "slot", slot_json(sl->id, res->slot, sl->starts_at, sl->ends_at));
        cJSON_AddNumberToObject(m, "table", (double)res->table + 1);
        cJSON_AddStringToObject(m, "status", meet_sched_status_name(res->status));
        cJSON_AddItemToArray(arr, m);
    }
    free(order);
    arr = cJSON_AddArrayToObject(o, "unscheduled");
    for (size_t i = 0; i < s->nc; i++) {
        const struct cand *c = &s->c[i];
        if (c->sched >= 0 && is_scheduled(s->res[c->sched].status))
            continue;
        cJSON *m = pair_json(s, c);
        if (c->sched < 0) {
            cJSON_AddNumberToObject(m, "id", (double)c->cancelled_id);
            cJSON_AddStringToObject(m, "reason", "cancelled");
        } else {
            cJSON_DeleteItemFromObject(m, "id"); /* a dropped meeting no longer exists */
            cJSON_AddStringToObject(m, "reason", meet_sched_status_name(s->res[c->sched].status));
        }
        cJSON_AddItemToArray(arr, m);
    }
    arr = cJSON_AddArrayToObject(o, "removed");
    for (size_t i = 0; i < s->nrm; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "id", (double)s->rm[i].id);
        cJSON *orgs = cJSON_AddArrayToObject(m, "organization_ids");
        cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)s->rm[i].a));
        cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)s->rm[i].b));
        cJSON_AddStringToObject(m, "reason", "no_longer_eligible");
        cJSON_AddItemToArray(arr, m);
    }
    return o;
}

static int sched_tx(struct db *db, void *arg)
{
    struct sched_args *a = arg;
    struct sched_state s = {0};
    struct event_row ev;
    cJSON_Delete(a->out);
    a->out = NULL;
    a->f.err = 0;
    int rc = event_organized(a->r, db, a->event_id, true, &ev, &a->f);
    if (rc)
        goto out;
    rc = slots_load(db, a->event_id, &s.slots, &s.ns);
    if (rc)
        goto out;
    if (s.ns == 0) {
        rc = fail_set(&a->f, SD_ERR_CONFLICT, "no_meeting_slots", NULL,
                      "create meeting slots first (POST /api/v1/events/%lld/meeting-slots)",
                      (long long)a->event_id);
        goto out;
    }
    s.six = xcalloc(s.ns, sizeof(*s.six));
    for (size_t i = 0; i < s.ns; i++)
        s.six[i] = (struct slot_ix){.id = s.slots[i].id, .index = (int32_t)i};
    qsort(s.six, s.ns, sizeof(*s.six), cmp_slot_ix);
    if (a->reset) {
        struct db_res res = {0};
        rc = db_exec(db, NULL,
                     "DELETE ms FROM meeting_seats ms JOIN meetings m ON m.id = ms.meeting_id"
                     " WHERE m.event_id = ? AND m.status = 'scheduled'",
                     "i", a->event_id);
        if (!rc)
            rc = db_exec(db, NULL,
                         "DELETE mm FROM meeting_matches mm JOIN meetings m"
                         " ON m.id = mm.meeting_id WHERE m.event_id = ? AND m.status = 'scheduled'",
                         "i", a->event_id);
        if (!rc)
            rc = db_exec(db, &res,
                         "DELETE FROM meetings WHERE event_id = ? AND status = 'scheduled'", "i",
                         a->event_id);
        if (rc)
            goto out;
        s.reset_removed = (int64_t)res.affected;
        db_res_clear(&res);
    }
    if ((rc = load_candidates(db, a->event_id, &s)) != 0 ||
        (rc = load_existing(db, a->event_id, &s)) != 0 || (rc = load_blocks(db, &s)) != 0)
        goto out;

    s.in = xcalloc(s.nc ? s.nc : 1, sizeof(*s.in));
    s.res = xcalloc(s.nc ? s.nc : 1, sizeof(*s.res));
    for (size_t i = 0; i < s.nc; i++) {
        struct cand *c = &s.c[i];
        if (c->cancelled_id)
            continue;
        c->sched = (long)s.nin;
        s.in[s.nin++] = (struct meet_sched_meeting){
            .id = s.rows[c->m0].match_id,
            .org_a = c->a,
            .org_b = c->b,
            .score = c->score,
            .fixed_slot = c->fixed_slot,
            .fixed_table = c->fixed_slot == MEET_SCHED_NONE ? MEET_SCHED_NONE : c->fixed_table,
        };
    }
    struct meet_sched_input in = {
        .meetings = s.in,
        .n_meetings = s.nin,
        .blocks = s.blocks,
        .n_blocks = s.nb,
        .slots = (int32_t)s.ns,
        .tables = s.slots[0].tables,
    };
    meet_sched_run(&in, s.res, &s.st);

    rc = apply(db, a->event_id, a->r->user.id, &s);
    if (rc)
        goto out;
    char subject[64], detail[256];
    snprintf(subject, sizeof(subject), "event %lld", (long long)a->event_id);
    snprintf(detail, sizeof(detail),
             "%s: %zu meetings, %zu scheduled, %zu unscheduled, %zu removed, slots used %d of %zu"
             " (lower bound %d, %d tables)",
             a->reset ? "reset" : "run", s.st.meetings, s.st.scheduled, s.st.unscheduled,
             s.nrm + (size_t)s.reset_removed, (int)s.st.slots_used, s.ns, (int)s.st.lower_bound,
             s.slots[0].tables);
    rc = audit_record(db, a->r, a->event_id, "meetings_schedule", subject, detail);
    if (rc)
        goto out;
    a->out = result_json(a, &s);
out:
    sched_state_free(&s);
    return rc;
}

void meetings_schedule(struct req *r)
{
    struct sched_args a = {.r = r};
    if (req_param_id(r, 0, &a.event_id) < 0)
        return;
    const char *reset = req_query(r, "reset");
    if (reset && strcmp(reset, "true") != 0 && strcmp(reset, "false") != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "reset", "reset must be true or false");
        return;
    }
    a.reset = reset && strcmp(reset, "true") == 0;
    if (r->body_len) {
        /* No body is expected; a present one must at least be a JSON object. */
        cJSON *body = json_body(r);
        if (!body)
            return;
        cJSON_Delete(body);
    }
    int rc = db_tx(r->w->db, sched_tx, &a);
    if (rc) {
        cJSON_Delete(a.out);
        meetings_reply_tx(r, &a.f, rc);
        return;
    }
    reply_json(r, 200, a.out);
}

/* ---- GET /events/{id}/meetings ---- */

static cJSON *org_json(int64_t id, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "name", name ? name : "");
    return o;
}

void meetings_list_event(struct req *r)
{
    int64_t event_id, cursor;
    int limit;
    if (req_param_id(r, 0, &event_id) < 0 || req_page_legacy(r, 100, 1000, &limit, &cursor) < 0)
        return;
    struct fail f = {0};
    struct event_row ev;
    int rc = event_organized(r, r->w->db, event_id, false, &ev, &f);
    if (rc) {
        meetings_reply_tx(r, &f, rc);
        return;
    }
    char after[TIME_BUF];
    time_format_sql(cursor / CURSOR_TABLES, after);
    int64_t after_table = cursor % CURSOR_TABLES;
    struct db_res res;
    rc = db_exec(r->w->db, &res,
                 "SELECT m.id, s.id, s.starts_at, s.ends_at,"
                 " (SELECT COUNT(*) FROM meeting_slots s2 WHERE s2.event_id = s.event_id"
                 "  AND s2.starts_at < s.starts_at),"
                 " m.table_no, m.org_a, oa.name, m.org_b, ob.name, m.score,"
                 " (SELECT GROUP_CONCAT(mm.match_id ORDER BY mm.match_id) FROM meeting_matches mm"
                 "  WHERE mm.meeting_id = m.id)"
                 " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"
                 " JOIN organizations oa ON oa.id = m.org_a"
                 " JOIN organizations ob ON ob.id = m.org_b"
                 " WHERE m.event_id = ? AND m.status = 'scheduled'"
                 " AND (s.starts_at > ? OR (s.starts_at = ? AND m.table_no > ?))"
                 " ORDER BY s.starts_at, m.table_no LIMIT ?",
                 "issii", event_id, cursor ? after : "1000-01-01 00:00:00",
                 cursor ? after : "1000-01-01 00:00:00", after_table, (int64_t)limit + 1);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)event_id);
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    size_t n = res.nrows > (size_t)limit ? (size_t)limit : res.nrows;
    for (size_t i = 0; i < n; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "id", (double)db_get_i64(&res, i, 0));
        cJSON_AddItemToObject(m, "slot",
                              slot_json(db_get_i64(&res, i, 1), db_get_i64(&res, i, 4),
                                        db_get_time(&res, i, 2), db_get_time(&res, i, 3)));
        cJSON_AddNumberToObject(m, "table", (double)db_get_i64(&res, i, 5));
        cJSON *orgs = cJSON_AddArrayToObject(m, "organizations");
        cJSON_AddItemToArray(orgs, org_json(db_get_i64(&res, i, 6), db_get(&res, i, 7)));
        cJSON_AddItemToArray(orgs, org_json(db_get_i64(&res, i, 8), db_get(&res, i, 9)));
        cJSON_AddNumberToObject(m, "score", db_get_double(&res, i, 10));
        cJSON_AddItemToObject(m, "match_ids", id_list_json(db_get(&res, i, 11)));
        cJSON_AddItemToArray(arr, m);
    }
    if (res.nrows > (size_t)limit) {
        char next[32];
        snprintf(
            next, sizeof(next), "%lld",
            (long long)(db_get_time(&res, n - 1, 2) * CURSOR_TABLES + db_get_i64(&res, n - 1, 5)));
        cJSON_AddStringToObject(o, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(o, "next_cursor");
    }
    db_res_clear(&res);
    reply_json(r, 200, o);
}

/* ---- GET /me/meetings ---- */

static cJSON *project_json(const struct db_res *res, size_t row, size_t col)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "id", (double)db_get_i64(res, row, col));
    cJSON_AddStringToObject(p, "title", db_get(res, row, col + 1) ? db_get(res, row, col + 1) : "");
    cJSON_AddNumberToObject(p, "organization_id", (double)db_get_i64(res, row, col + 2));
    return p;
}

struct id_obj {
    int64_t id;
    cJSON *obj;
};

static int cmp_id_obj(const void *x, const void *y)
{
    const struct id_obj *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

void meetings_list_mine(struct req *r)
{
    int64_t cursor;
    int limit;
    if (req_page_legacy(r, 100, 500, &limit, &cursor) < 0)
        return;
    struct db *db = r->w->db;
    struct db_res res, pr = {0};
    int rc = db_exec(db, &res,
                     "SELECT m.id, m.event_id, e.title, s.id, s.starts_at, s.ends_at,"
                     " (SELECT COUNT(*) FROM meeting_slots s2 WHERE s2.event_id = s.event_id"
                     "  AND s2.starts_at < s.starts_at),"
                     " m.table_no, m.org_a, oa.name, m.org_b, ob.name, m.score,"
                     " EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_a"
                     "  AND x.user_id = ?)"
                     " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"
                     " JOIN events e ON e.id = m.event_id"
                     " JOIN organizations oa ON oa.id = m.org_a"
                     " JOIN organizations ob ON ob.id = m.org_b"
                     " WHERE m.status = 'scheduled'"
                     " AND (m.org_a IN (SELECT org_id FROM org_members WHERE user_id = ?)"
                     "  OR m.org_b IN (SELECT org_id FROM org_members WHERE user_id = ?))"
                     " ORDER BY s.starts_at, m.id LIMIT ? OFFSET ?",
                     "iiiii", r->user.id, r->user.id, r->user.id, (int64_t)limit + 1, cursor);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    rc = db_exec(db, &pr,
                 "SELECT mm.meeting_id, mt.id, mt.score, ps.id, ps.title, ps.org_id,"
                 " pd.id, pd.title, pd.org_id"
                 " FROM meeting_matches mm JOIN meetings m ON m.id = mm.meeting_id"
                 " JOIN matches mt ON mt.id = mm.match_id"
                 " JOIN projects ps ON ps.id = mt.supply_project_id"
                 " JOIN projects pd ON pd.id = mt.demand_project_id"
                 " WHERE m.status = 'scheduled'"
                 " AND (m.org_a IN (SELECT org_id FROM org_members WHERE user_id = ?)"
                 "  OR m.org_b IN (SELECT org_id FROM org_members WHERE user_id = ?))"
                 " ORDER BY mm.meeting_id, mt.id",
                 "ii", r->user.id, r->user.id);
    if (rc) {
        db_res_clear(&res);
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    size_t n = res.nrows > (size_t)limit ? (size_t)limit : res.nrows;
    struct id_obj *ix = xcalloc(n ? n : 1, sizeof(*ix));
    for (size_t i = 0; i < n; i++) {
        bool mine_a = db_get_i64(&res, i, 13) != 0;
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "id", (double)db_get_i64(&res, i, 0));
        cJSON *ev = cJSON_AddObjectToObject(m, "event");
        cJSON_AddNumberToObject(ev, "id", (double)db_get_i64(&res, i, 1));
        cJSON_AddStringToObject(ev, "title", db_get(&res, i, 2) ? db_get(&res, i, 2) : "");
        cJSON_AddItemToObject(m, "slot",
                              slot_json(db_get_i64(&res, i, 3), db_get_i64(&res, i, 6),
                                        db_get_time(&res, i, 4), db_get_time(&res, i, 5)));
        json_add_time(m, "starts_at", db_get_time(&res, i, 4));
        json_add_time(m, "ends_at", db_get_time(&res, i, 5));
        cJSON_AddNumberToObject(m, "table", (double)db_get_i64(&res, i, 7));
        size_t me = mine_a ? 8 : 10, other = mine_a ? 10 : 8;
        cJSON_AddItemToObject(m, "organization",
                              org_json(db_get_i64(&res, i, me), db_get(&res, i, me + 1)));
        cJSON_AddItemToObject(m, "counterpart",
                              org_json(db_get_i64(&res, i, other), db_get(&res, i, other + 1)));
        cJSON_AddNumberToObject(m, "score", db_get_double(&res, i, 12));
        ix[i] = (struct id_obj){.id = db_get_i64(&res, i, 0),
                                .obj = cJSON_AddArrayToObject(m, "projects")};
        cJSON_AddItemToArray(arr, m);
    }
    qsort(ix, n, sizeof(*ix), cmp_id_obj);
    for (size_t i = 0; i < pr.nrows; i++) {
        struct id_obj key = {.id = db_get_i64(&pr, i, 0)};
        struct id_obj *hit = bsearch(&key, ix, n, sizeof(*ix), cmp_id_obj);
        if (!hit)
            continue;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "match_id", (double)db_get_i64(&pr, i, 1));
        cJSON_AddNumberToObject(p, "score", db_get_double(&pr, i, 2));
        cJSON_AddItemToObject(p, "supply", project_json(&pr, i, 3));
        cJSON_AddItemToObject(p, "demand", project_json(&pr, i, 6));
        cJSON_AddItemToArray(hit->obj, p);
    }
    free(ix);
    if (res.nrows > (size_t)limit) {
        char next[32];
        snprintf(next, sizeof(next), "%lld", (long long)(cursor + limit));
        cJSON_AddStringToObject(o, "next_cursor", next);
    } else {
        cJSON_AddNullToObject(o, "next_cursor");
    }
    db_res_clear(&res);
    db_res_clear(&pr);
    reply_json(r, 200, o);
}

/* ---- DELETE /meetings/{id} ---- */

struct del_args {
    struct req *r;
    int64_t id;
    struct fail f;
};

static int del_tx(struct db *db, void *arg)
{
    struct del_args *a = arg;
    struct db_res res;
    a->f.err = 0;
    int rc = db_exec(db, &res,
                     "SELECT m.event_id, m.org_a, m.org_b, m.status, e.organizer_id"
                     " FROM meetings m JOIN events e ON e.id = m.event_id WHERE m.id = ?"
                     " FOR UPDATE",
                     "i", a->id);
    if (rc)
        return rc;
    if (res.nrows == 0) {
        db_res_clear(&res);
        return fail_set(&a->f, SD_ERR_NOT_FOUND, NULL, NULL, "no meeting %lld", (long long)a->id);
    }
    int64_t event_id = db_get_i64(&res, 0, 0), org_a = db_get_i64(&res, 0, 1),
            org_b = db_get_i64(&res, 0, 2);
    struct event_row ev = {.organizer_id = db_get_i64(&res, 0, 4)};
    bool cancelled = strcmp(db_get(&res, 0, 3) ? db_get(&res, 0, 3) : "", "cancelled") == 0;
    db_res_clear(&res);
    bool organizer = is_organizer(a->r, &ev);
    if (!organizer) {
        rc = db_exec(db, &res,
                     "SELECT 1 FROM org_members WHERE user_id = ? AND org_id IN (?, ?) LIMIT 1",
                     "iii", a->r->user.id, org_a, org_b);
        if (rc)
            return rc;
        bool member = res.nrows > 0;
        db_res_clear(&res);
        if (!member)
            return fail_set(&a->f, SD_ERR_FORBIDDEN, NULL, NULL,
                            "only the event's organizer or a member of either organization "
                            "cancels a meeting");
    }
    if (cancelled)
        return fail_set(&a->f, SD_ERR_CONFLICT, "already_cancelled", NULL,
                        "meeting %lld is already cancelled", (long long)a->id);
    rc = db_exec(db, NULL, "DELETE FROM meeting_seats WHERE meeting_id = ?", "i", a->id);
    if (!rc)
        rc = db_exec(db, NULL,
                     "UPDATE meetings SET status = 'cancelled', slot_id = NULL, table_no = NULL,"
                     " cancelled_by = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
                     "ii", a->r->user.id, a->id);
    if (!rc && organizer) {
        char subject[64];
        snprintf(subject, sizeof(subject), "meeting %lld", (long long)a->id);
        rc = audit_record(db, a->r, event_id, "meeting_cancel", subject, "");
    }
    return rc;
}

void meetings_delete(struct req *r)
{
    struct del_args a = {.r = r};
    if (req_param_id(r, 0, &a.id) < 0)
        return;
    int rc = db_tx(r->w->db, del_tx, &a);
    if (rc) {
        meetings_reply_tx(r, &a.f, rc);
        return;
    }
    reply_empty(r, 204);
}
