#include "handlers/meetings.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/organizations.h"
#include "matching/meeting_plan.h"
#include "matching/meeting_sched.h"
#include "notify/notify.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

#define SLOT_MINUTES_MIN 5
#define SLOT_MINUTES_MAX 240
#define SLOT_COUNT_MAX 200       /* slots per request */
#define SLOTS_PER_EVENT_MAX 1000 /* bounds the scheduler's n·S memory */
#define TABLES_MAX 500
#define TIME_BEFORE_ALL "1000-01-01 00:00:00" /* sorts before every DATETIME stored */

/* ---- slots ---- */

struct slot {
    int64_t id, starts_at, ends_at;
    int tables;
};

enum { SL_ID, SL_STARTS, SL_ENDS, SL_TABLES };
#define SLOTS_SQL                                                                                  \
    "SELECT id, starts_at, ends_at, tables_count FROM meeting_slots"                               \
    " WHERE event_id = ? ORDER BY starts_at, id"

/* The event's slots in time order (the scheduler's slot i is (*out)[i]). Caller frees *out. */
static int slots_load(struct db *db, int64_t event_id, struct slot **out, size_t *n)
{
    struct db_res res;
    *out = NULL;
    *n = 0;
    int rc = db_exec(db, &res, SLOTS_SQL, "i", event_id);
    if (rc)
        return rc;
    *out = xcalloc(res.nrows ? res.nrows : 1, sizeof(**out));
    for (size_t i = 0; i < res.nrows; i++)
        (*out)[i] = (struct slot){.id = db_get_i64(&res, i, SL_ID),
                                  .starts_at = db_get_time(&res, i, SL_STARTS),
                                  .ends_at = db_get_time(&res, i, SL_ENDS),
                                  .tables = (int)db_get_i64(&res, i, SL_TABLES)};
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

/* "1,2,3" (GROUP_CONCAT) into a JSON array of numbers. */
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

static cJSON *org_json(int64_t id, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "name", name ? name : "");
    return o;
}

/* ---- POST /events/{id}/meeting-slots ---- */

struct slots_add {
    struct req *r;
    int64_t event_id, starts_at, minutes, count, tables;
    cJSON *out; /* the reply, from what the transaction stored */
};

enum { SC_EXISTING, SC_TABLES, SC_OVERLAP };
#define SLOTS_CHECK_SQL                                                                            \
    "SELECT COUNT(*), COALESCE(MIN(tables_count), 0),"                                             \
    " COALESCE(SUM(CASE WHEN starts_at < ? AND ends_at > ? THEN 1 ELSE 0 END), 0)"                 \
    " FROM meeting_slots WHERE event_id = ?"

/* The new slots fit the event and its other slots: 400 outside the event, 409 slot_overlap,
 * tables_mismatch, too_many_slots. */
static int slots_check(struct db *db, const struct slots_add *a, const struct event_ref *ev,
                       struct tx_fail *f)
{
    int64_t end = a->starts_at + a->count * a->minutes * 60;
    char b1[TIME_BUF], b2[TIME_BUF], b3[TIME_BUF], b4[TIME_BUF];
    if (a->starts_at < ev->starts_at || end > ev->ends_at)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                       "the slots (%s to %s) must lie inside the event (%s to %s)",
                       time_format_rfc3339(a->starts_at, b1), time_format_rfc3339(end, b2),
                       time_format_rfc3339(ev->starts_at, b3),
                       time_format_rfc3339(ev->ends_at, b4));
    struct db_res res;
    int rc = db_exec(db, &res, SLOTS_CHECK_SQL, "ssi", time_format_sql(end, b1),
                     time_format_sql(a->starts_at, b2), a->event_id);
    if (rc)
        return rc;
    int64_t existing = db_get_i64(&res, 0, SC_EXISTING), tables = db_get_i64(&res, 0, SC_TABLES),
            overlap = db_get_i64(&res, 0, SC_OVERLAP);
    db_res_clear(&res);
    if (overlap)
        return tx_fail(f, SD_ERR_CONFLICT, "slot_overlap", "starts_at",
                       "the new slots overlap %lld existing meeting slot(s) of this event",
                       (long long)overlap);
    if (existing && tables != a->tables)
        return tx_fail(f, SD_ERR_CONFLICT, "tables_mismatch", "tables",
                       "this event's meeting slots have %lld tables each", (long long)tables);
    if (existing + a->count > SLOTS_PER_EVENT_MAX)
        return tx_fail(f, SD_ERR_CONFLICT, "too_many_slots", "count",
                       "an event has at most %d meeting slots (%lld exist)", SLOTS_PER_EVENT_MAX,
                       (long long)existing);
    return 0;
}

/* Inserts the slots; their ids into ids[count]. */
static int slots_insert(struct db *db, const struct slots_add *a, int64_t *ids)
{
    for (int64_t i = 0; i < a->count; i++) {
        int64_t s = a->starts_at + i * a->minutes * 60;
        char b1[TIME_BUF], b2[TIME_BUF];
        struct db_res res;
        int rc =
            db_exec(db, &res,
                    "INSERT INTO meeting_slots (event_id, starts_at, ends_at, minutes,"
                    " tables_count, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?,"
                    " UTC_TIMESTAMP())",
                    "issiii", a->event_id, time_format_sql(s, b1),
                    time_format_sql(s + a->minutes * 60, b2), a->minutes, a->tables, a->r->user.id);
        if (rc)
            return rc;
        ids[i] = (int64_t)res.insert_id;
        db_res_clear(&res);
    }
    return 0;
}

/* The reply: the new slots with their index among all of the event's. */
static cJSON *slots_added_json(const struct slots_add *a, const struct slot *slots, size_t ns,
                               const int64_t *ids)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)a->event_id);
    cJSON_AddNumberToObject(o, "total_slots", (double)ns);
    cJSON_AddNumberToObject(o, "tables", (double)a->tables);
    cJSON *arr = cJSON_AddArrayToObject(o, "slots");
    for (size_t i = 0; i < ns; i++) {
        for (int64_t k = 0; k < a->count; k++) {
            if (slots[i].id != ids[k])
                continue;
            cJSON *s = slot_json(slots[i].id, (int64_t)i, slots[i].starts_at, slots[i].ends_at);
            cJSON_AddNumberToObject(s, "minutes", (double)a->minutes);
            cJSON_AddNumberToObject(s, "tables", (double)slots[i].tables);
            cJSON_AddItemToArray(arr, s);
        }
    }
    return o;
}

static int slots_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct slots_add *a = arg;
    struct event_ref ev;
    struct slot *slots = NULL;
    size_t ns = 0;
    cJSON_Delete(a->out);
    a->out = NULL;
    int64_t *ids = xcalloc((size_t)a->count, sizeof(*ids));
    int rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, f);
    if (!rc)
        rc = slots_check(db, a, &ev, f);
    if (!rc)
        rc = slots_insert(db, a, ids);
    if (!rc) {
        char subject[64], detail[160], b1[TIME_BUF];
        snprintf(subject, sizeof(subject), "event %lld", (long long)a->event_id);
        snprintf(detail, sizeof(detail), "%lld slots of %lld minutes from %s, %lld tables",
                 (long long)a->count, (long long)a->minutes, time_format_rfc3339(a->starts_at, b1),
                 (long long)a->tables);
        rc = audit_record(db, a->r, a->event_id, "meeting_slots_create", subject, detail);
    }
    if (!rc)
        rc = slots_load(db, a->event_id, &slots, &ns);
    if (!rc)
        a->out = slots_added_json(a, slots, ns, ids);
    free(slots);
    free(ids);
    return rc;
}

void meetings_create_slots(struct req *r)
{
    struct slots_add a = {.r = r};
    if (req_param_id(r, 0, &a.event_id) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    bool bad =
        json_time(r, body, "starts_at", true, &a.starts_at) < 0 ||
        json_int(r, body, "minutes", true, SLOT_MINUTES_MIN, SLOT_MINUTES_MAX, &a.minutes) < 0 ||
        json_int(r, body, "count", true, 1, SLOT_COUNT_MAX, &a.count) < 0 ||
        json_int(r, body, "tables", true, 1, TABLES_MAX, &a.tables) < 0;
    cJSON_Delete(body);
    if (bad) /* replied */
        return;
    if (a.starts_at % 60 != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "starts_at",
                    "starts_at must be on a whole minute");
        return;
    }
    if (req_tx(r, slots_tx, &a) < 0) {
        cJSON_Delete(a.out);
        return;
    }
    reply_created(r, a.out, "/api/v1/events/%lld/meeting-slots", (long long)a.event_id);
}

/* ---- GET /events/{id}/meeting-slots ---- */

enum { LS_ID, LS_STARTS, LS_ENDS, LS_MINUTES, LS_TABLES, LS_MEETINGS };
#define SLOTS_LIST_SQL                                                                             \
    "SELECT s.id, s.starts_at, s.ends_at, s.minutes, s.tables_count,"                              \
    " (SELECT COUNT(*) FROM meetings m WHERE m.slot_id = s.id)"                                    \
    " FROM meeting_slots s WHERE s.event_id = ? ORDER BY s.starts_at, s.id"

void meetings_list_slots(struct req *r)
{
    int64_t event_id;
    struct event_ref ev;
    struct db_res res;
    if (req_param_id(r, 0, &event_id) < 0 || access_event(r, event_id, ACCESS_MANAGE, &ev) < 0 ||
        req_exec(r, &res, SLOTS_LIST_SQL, "i", event_id) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)event_id);
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < res.nrows; i++) {
        cJSON *s = slot_json(db_get_i64(&res, i, LS_ID), (int64_t)i,
                             db_get_time(&res, i, LS_STARTS), db_get_time(&res, i, LS_ENDS));
        cJSON_AddNumberToObject(s, "minutes", (double)db_get_i64(&res, i, LS_MINUTES));
        cJSON_AddNumberToObject(s, "tables", (double)db_get_i64(&res, i, LS_TABLES));
        cJSON_AddNumberToObject(s, "meetings", (double)db_get_i64(&res, i, LS_MEETINGS));
        cJSON_AddItemToArray(arr, s);
    }
    db_res_clear(&res);
    reply_json(r, 200, o);
}

/* ---- POST /events/{id}/meetings/schedule ----
 *
 * One transaction in four phases: load (the event's lock, its slots, the candidates and the
 * stored plan, the organizations' blocked slots), schedule (matching/meeting_sched), reconcile
 * (matching/meeting_plan: what the stored plan must do) and write. */

struct sched_run {
    struct req *r;
    int64_t event_id;
    bool reset;
    cJSON *out; /* the reply, built after the write */
};

/* Everything one attempt holds; freed by run_state_free. */
struct run_state {
    struct slot *slots;
    size_t ns;
    struct mplan plan;
    struct meet_sched_block *blocks;
    size_t nb;
    struct meet_sched_meeting *in;
    struct meet_sched_result *res;
    size_t nin;
    struct meet_sched_stats st;
    int64_t reset_removed;
};

static void run_state_free(struct run_state *s)
{
    free(s->slots);
    mplan_deinit(&s->plan);
    free(s->blocks);
    free(s->in);
    free(s->res);
    memset(s, 0, sizeof(*s));
}

/* -- load -- */

/* ?reset=true: every scheduled meeting of the event goes (cancelled ones stay). */
static int plan_reset(struct db *db, int64_t event_id, int64_t *removed)
{
    struct db_res res = {0};
    int rc = db_exec(db, NULL,
                     "DELETE ms FROM meeting_seats ms JOIN meetings m ON m.id = ms.meeting_id"
                     " WHERE m.event_id = ? AND m.status = 'scheduled'",
                     "i", event_id);
    if (!rc)
        rc = db_exec(db, NULL,
                     "DELETE mm FROM meeting_matches mm JOIN meetings m"
                     " ON m.id = mm.meeting_id WHERE m.event_id = ? AND m.status = 'scheduled'",
                     "i", event_id);
    if (!rc)
        rc = db_exec(db, &res, "DELETE FROM meetings WHERE event_id = ? AND status = 'scheduled'",
                     "i", event_id);
    *removed = (int64_t)res.affected;
    db_res_clear(&res);
    return rc;
}

/* Mutual matches whose two organizations attend the event. */
enum { CM_ID, CM_SUPPLY_ORG, CM_DEMAND_ORG, CM_SCORE };
#define ATTENDING_ORGS                                                                             \
    "(SELECT x.org_id FROM event_exhibitors x WHERE x.event_id = ?"                                \
    "  UNION SELECT om.org_id FROM org_members om"                                                 \
    "  JOIN registrations rg ON rg.user_id = om.user_id AND rg.status = 'confirmed'"               \
    "  JOIN sessions se ON se.id = rg.session_id WHERE se.event_id = ?)"
#define CANDIDATES_SQL                                                                             \
    "SELECT mt.id, ps.org_id, pd.org_id, mt.score FROM matches mt"                                 \
    " JOIN projects ps ON ps.id = mt.supply_project_id"                                            \
    " JOIN projects pd ON pd.id = mt.demand_project_id"                                            \
    " WHERE ps.status = 'open' AND pd.status = 'open' AND ps.org_id <> pd.org_id"                  \
    " AND ps.org_id IN " ATTENDING_ORGS " AND pd.org_id IN " ATTENDING_ORGS

/* The event's stored meetings, locked. */
enum { SM_ID, SM_ORG_A, SM_ORG_B, SM_STATUS, SM_SLOT, SM_TABLE, SM_SCORE };
#define STORED_SQL                                                                                 \
    "SELECT id, org_a, org_b, status, slot_id, table_no, score FROM meetings"                      \
    " WHERE event_id = ? ORDER BY id FOR UPDATE"

/* The matches of its scheduled meetings. */
enum { LK_MEETING, LK_MATCH };
#define LINKS_SQL                                                                                  \
    "SELECT mm.meeting_id, mm.match_id FROM meeting_matches mm"                                    \
    " JOIN meetings m ON m.id = mm.meeting_id"                                                     \
    " WHERE m.event_id = ? AND m.status = 'scheduled'"

static void plan_build(struct run_state *s, const struct db_res *cm, const struct db_res *sm,
                       const struct db_res *lk)
{
    struct mplan_match *m = xcalloc(cm->nrows ? cm->nrows : 1, sizeof(*m));
    struct mplan_meeting *mt = xcalloc(sm->nrows ? sm->nrows : 1, sizeof(*mt));
    struct mplan_link *l = xcalloc(lk->nrows ? lk->nrows : 1, sizeof(*l));
    int64_t *slot_ids = xcalloc(s->ns ? s->ns : 1, sizeof(*slot_ids));
    for (size_t i = 0; i < cm->nrows; i++)
        m[i] = (struct mplan_match){.id = db_get_i64(cm, i, CM_ID),
                                    .org_x = db_get_i64(cm, i, CM_SUPPLY_ORG),
                                    .org_y = db_get_i64(cm, i, CM_DEMAND_ORG),
                                    .score = db_get_double(cm, i, CM_SCORE)};
    for (size_t i = 0; i < sm->nrows; i++) {
        const char *st = db_get(sm, i, SM_STATUS);
        mt[i] = (struct mplan_meeting){.id = db_get_i64(sm, i, SM_ID),
                                       .org_a = db_get_i64(sm, i, SM_ORG_A),
                                       .org_b = db_get_i64(sm, i, SM_ORG_B),
                                       .cancelled = st && strcmp(st, "cancelled") == 0,
                                       .slot_id = db_get_i64(sm, i, SM_SLOT),
                                       .table = (int32_t)db_get_i64(sm, i, SM_TABLE),
                                       .score = db_get_double(sm, i, SM_SCORE)};
    }
    for (size_t i = 0; i < lk->nrows; i++)
        l[i] = (struct mplan_link){.meeting_id = db_get_i64(lk, i, LK_MEETING),
                                   .match_id = db_get_i64(lk, i, LK_MATCH)};
    for (size_t i = 0; i < s->ns; i++)
        slot_ids[i] = s->slots[i].id;
    struct mplan_input in = {m, cm->nrows, mt, sm->nrows, l, lk->nrows, slot_ids, s->ns};
    mplan_init(&s->plan, &in);
    free(slot_ids);
    free(l);
    free(mt);
    free(m);
}

/* The candidates and the stored plan over them (s->plan). */
static int plan_load(struct db *db, int64_t event_id, struct run_state *s)
{
    struct db_res cm = {0}, sm = {0}, lk = {0};
    int rc = db_exec(db, &cm, CANDIDATES_SQL, "iiii", event_id, event_id, event_id, event_id);
    if (!rc)
        rc = db_exec(db, &sm, STORED_SQL, "i", event_id);
    if (!rc)
        rc = db_exec(db, &lk, LINKS_SQL, "i", event_id);
    if (!rc)
        plan_build(s, &cm, &sm, &lk);
    db_res_clear(&cm);
    db_res_clear(&sm);
    db_res_clear(&lk);
    return rc;
}

static int cmp_org(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static void block_add(struct run_state *s, size_t *cap, int64_t org, int32_t slot)
{
    if (s->nb == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        s->blocks = xrealloc(s->blocks, *cap * sizeof(*s->blocks));
    }
    s->blocks[s->nb++] = (struct meet_sched_block){.org_id = org, .slot = slot};
}

enum { BL_STARTS, BL_ENDS };
#define BLOCKS_SQL                                                                                 \
    "SELECT p.starts_at, p.ends_at FROM org_members om LEFT JOIN pitches p"                        \
    " ON p.presenter_user_id = om.user_id AND p.starts_at < ? AND p.ends_at > ?"                   \
    " WHERE om.org_id = ? LOCK IN SHARE MODE"

/* Organizations blocked in slots overlapping a placed pitch that one of their members presents
 * (any event: a presenter cannot be in two places). One locking read per organization of the
 * plan, in id order: it locks the organization's memberships, which a pitch placement locks for
 * its presenter too (handlers/pitches.c), and it reads the members' pitches as committed rather
 * than as this transaction's snapshot, so a placement at another event and this run cannot miss
 * each other. */
static int blocks_load(struct db *db, struct run_state *s)
{
    const struct mplan *p = &s->plan;
    if (s->ns == 0 || p->n_pairs == 0)
        return 0;
    int64_t *orgs = xcalloc(2 * p->n_pairs, sizeof(*orgs));
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < p->n_pairs; i++) {
        orgs[n++] = p->pairs[i].org_a;
        orgs[n++] = p->pairs[i].org_b;
    }
    qsort(orgs, n, sizeof(*orgs), cmp_org);
    char b1[TIME_BUF], b2[TIME_BUF];
    time_format_sql(s->slots[s->ns - 1].ends_at, b1);
    time_format_sql(s->slots[0].starts_at, b2);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i > 0 && orgs[i] == orgs[i - 1])
            continue;
        struct db_res res;
        rc = db_exec(db, &res, BLOCKS_SQL, "ssi", b1, b2, orgs[i]);
        for (size_t r = 0; !rc && r < res.nrows; r++) {
            if (!db_get(&res, r, BL_STARTS))
                continue; /* a member without pitches then */
            int64_t ps = db_get_time(&res, r, BL_STARTS), pe = db_get_time(&res, r, BL_ENDS);
            for (size_t k = 0; k < s->ns; k++)
                if (s->slots[k].starts_at < pe && ps < s->slots[k].ends_at)
                    block_add(s, &cap, orgs[i], (int32_t)k);
        }
        if (!rc)
            db_res_clear(&res);
    }
    free(orgs);
    return rc;
}

/* Phase 1: under the event row's lock, everything the scheduler needs. */
static int sched_load(struct db *db, const struct sched_run *a, struct run_state *s,
                      struct tx_fail *f)
{
    struct event_ref ev;
    int rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, f);
    if (!rc)
        rc = slots_load(db, a->event_id, &s->slots, &s->ns);
    if (!rc && s->ns == 0)
        rc = tx_fail(f, SD_ERR_CONFLICT, "no_meeting_slots", NULL,
                     "create meeting slots first (POST /api/v1/events/%lld/meeting-slots)",
                     (long long)a->event_id);
    if (!rc && a->reset)
        rc = plan_reset(db, a->event_id, &s->reset_removed);
    if (!rc)
        rc = plan_load(db, a->event_id, s);
    if (!rc)
        rc = blocks_load(db, s);
    return rc;
}

/* -- schedule -- */

/* Phase 2: the scheduler over the candidates, the stored meetings fixed where they are. */
static void sched_schedule(struct run_state *s)
{
    size_t n = s->plan.n_pairs ? s->plan.n_pairs : 1;
    s->in = xcalloc(n, sizeof(*s->in));
    s->res = xcalloc(n, sizeof(*s->res));
    s->nin = mplan_sched_input(&s->plan, s->in);
    struct meet_sched_input in = {
        .meetings = s->in,
        .n_meetings = s->nin,
        .blocks = s->blocks,
        .n_blocks = s->nb,
        .slots = (int32_t)s->ns,
        .tables = s->slots[0].tables,
    };
    meet_sched_run(&in, s->res, &s->st);
}

/* -- write -- */

struct plan_batches {
    struct db_batch meetings, seats, links;
};

static void plan_batches_init(struct plan_batches *b, struct db *db)
{
    db_batch_init(&b->meetings, db,
                  "INSERT INTO meetings (event_id, org_a, org_b, status, slot_id, table_no, score,"
                  " created_by, created_at, updated_at) VALUES ",
                  "(?, ?, ?, 'scheduled', ?, ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())", 7);
    db_batch_init(&b->seats, db, "INSERT INTO meeting_seats (slot_id, org_id, meeting_id) VALUES ",
                  "(?, ?, ?)", 3);
    db_batch_init(&b->links, db, "INSERT INTO meeting_matches (meeting_id, match_id) VALUES ",
                  "(?, ?)", 2);
}

static void plan_batches_deinit(struct plan_batches *b)
{
    db_batch_deinit(&b->meetings);
    db_batch_deinit(&b->seats);
    db_batch_deinit(&b->links);
}

static int meeting_delete(struct db *db, int64_t id)
{
    int rc = db_exec(db, NULL, "DELETE FROM meeting_seats WHERE meeting_id = ?", "i", id);
    if (!rc)
        rc = db_exec(db, NULL, "DELETE FROM meeting_matches WHERE meeting_id = ?", "i", id);
    if (!rc)
        rc = db_exec(db, NULL, "DELETE FROM meetings WHERE id = ?", "i", id);
    return rc;
}

/* Both organizations' seats of a meeting at its (new) slot. */
static int seats_add(struct plan_batches *b, const struct run_state *s, const struct mplan_pair *c)
{
    int64_t slot_id = s->slots[c->slot].id;
    int rc = db_batch_add(&b->seats,
                          (struct db_param[]){DB_I(slot_id), DB_I(c->org_a), DB_I(c->meeting_id)});
    if (!rc)
        rc = db_batch_add(&b->seats,
                          (struct db_param[]){DB_I(slot_id), DB_I(c->org_b), DB_I(c->meeting_id)});
    return rc;
}

static int links_add(struct plan_batches *b, const struct mplan *p, const struct mplan_pair *c)
{
    int rc = 0;
    for (size_t k = 0; k < c->nm && !rc; k++)
        rc = db_batch_add(&b->links,
                          (struct db_param[]){DB_I(c->meeting_id), DB_I(p->match_ids[c->m0 + k])});
    return rc;
}

/* Removed and dropped meetings go; moving meetings leave their seats and place, so that the
 * unique keys never see an intermediate clash. */
static int plan_clear(struct db *db, const struct mplan *p)
{
    int rc = 0;
    for (size_t i = 0; i < p->n_removed && !rc; i++)
        rc = meeting_delete(db, p->removed[i].id);
    for (size_t i = 0; i < p->n_pairs && !rc; i++) {
        const struct mplan_pair *c = &p->pairs[i];
        if (c->action == MPLAN_DROP)
            rc = meeting_delete(db, c->meeting_id);
        else if (c->action == MPLAN_MOVE)
            rc = db_exec(db, NULL, "DELETE FROM meeting_seats WHERE meeting_id = ?", "i",
                         c->meeting_id);
        if (!rc && c->action == MPLAN_MOVE)
            rc = db_exec(db, NULL,
                         "UPDATE meetings SET slot_id = NULL, table_no = NULL WHERE id = ?", "i",
                         c->meeting_id);
    }
    return rc;
}

/* One stored meeting that stays: its new place (seats queued), score and matches. */
static int plan_update_one(struct db *db, struct plan_batches *b, const struct run_state *s,
                           const struct mplan_pair *c)
{
    int rc = 0;
    if (c->action == MPLAN_MOVE) {
        rc = db_exec(db, NULL,
                     "UPDATE meetings SET slot_id = ?, table_no = ?, score = ?,"
                     " updated_at = UTC_TIMESTAMP() WHERE id = ?",
                     "iidi", s->slots[c->slot].id, (int64_t)c->table + 1, c->score, c->meeting_id);
        if (!rc)
            rc = seats_add(b, s, c);
    } else if (c->rescore) {
        rc = db_exec(db, NULL,
                     "UPDATE meetings SET score = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
                     "di", c->score, c->meeting_id);
    }
    if (!rc && c->relink) {
        rc = db_exec(db, NULL, "DELETE FROM meeting_matches WHERE meeting_id = ?", "i",
                     c->meeting_id);
        if (!rc)
            rc = links_add(b, &s->plan, c);
    }
    return rc;
}

/* Kept and moved meetings updated, new ones queued for insertion. */
static int plan_update(struct db *db, struct plan_batches *b, const struct sched_run *a,
                       const struct run_state *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->plan.n_pairs && !rc; i++) {
        const struct mplan_pair *c = &s->plan.pairs[i];
        if (c->action == MPLAN_INSERT)
            rc = db_batch_add(&b->meetings,
                              (struct db_param[]){DB_I(a->event_id), DB_I(c->org_a), DB_I(c->org_b),
                                                  DB_I(s->slots[c->slot].id), DB_I(c->table + 1),
                                                  DB_D(c->score), DB_I(a->r->user.id)});
        else if (c->action == MPLAN_KEEP || c->action == MPLAN_MOVE)
            rc = plan_update_one(db, b, s, c);
    }
    return rc;
}

enum { NEW_ID, NEW_ORG_A, NEW_ORG_B };
#define NEW_IDS_SQL                                                                                \
    "SELECT id, org_a, org_b FROM meetings WHERE event_id = ? AND status = 'scheduled'"

/* The inserted meetings' ids by pair, then their seats and matches queued. */
static int plan_link_new(struct db *db, struct plan_batches *b, const struct sched_run *a,
                         struct run_state *s)
{
    struct db_res res;
    int rc = db_exec(db, &res, NEW_IDS_SQL, "i", a->event_id);
    if (rc)
        return rc;
    for (size_t i = 0; i < res.nrows; i++) {
        struct mplan_pair *c =
            mplan_find(&s->plan, db_get_i64(&res, i, NEW_ORG_A), db_get_i64(&res, i, NEW_ORG_B));
        if (c && !c->meeting_id)
            c->meeting_id = db_get_i64(&res, i, NEW_ID);
    }
    db_res_clear(&res);
    for (size_t i = 0; i < s->plan.n_pairs && !rc; i++) {
        const struct mplan_pair *c = &s->plan.pairs[i];
        if (c->action != MPLAN_INSERT)
            continue;
        if (!c->meeting_id)
            return SD_ERR_INTERNAL;
        rc = seats_add(b, s, c);
        if (!rc)
            rc = links_add(b, &s->plan, c);
    }
    return rc;
}

static bool any_inserted(const struct mplan *p)
{
    for (size_t i = 0; i < p->n_pairs; i++)
        if (p->pairs[i].action == MPLAN_INSERT)
            return true;
    return false;
}

static int sched_audit(struct db *db, const struct sched_run *a, const struct run_state *s)
{
    char subject[64], detail[256];
    snprintf(subject, sizeof(subject), "event %lld", (long long)a->event_id);
    snprintf(detail, sizeof(detail),
             "%s: %zu meetings, %zu scheduled, %zu unscheduled, %zu removed, slots used %d of %zu"
             " (lower bound %d, %d tables)",
             a->reset ? "reset" : "run", s->st.meetings, s->st.scheduled, s->st.unscheduled,
             s->plan.n_removed + (size_t)s->reset_removed, (int)s->st.slots_used, s->ns,
             (int)s->st.lower_bound, s->slots[0].tables);
    return audit_record(db, a->r, a->event_id, "meetings_schedule", subject, detail);
}

/* Phase 4: the reconciled plan written (the unique keys hold the constraints), audited. */
static int sched_write(struct db *db, const struct sched_run *a, struct run_state *s)
{
    struct plan_batches b;
    int rc = plan_clear(db, &s->plan);
    if (rc)
        return rc;
    plan_batches_init(&b, db);
    rc = plan_update(db, &b, a, s);
    if (!rc)
        rc = db_batch_flush(&b.meetings);
    if (!rc && any_inserted(&s->plan))
        rc = plan_link_new(db, &b, a, s);
    if (!rc)
        rc = db_batch_flush(&b.seats);
    if (!rc)
        rc = db_batch_flush(&b.links);
    plan_batches_deinit(&b);
    return rc ? rc : sched_audit(db, a, s);
}

/* -- the reply -- */

/* A pair as JSON; `id` (0: none) first. */
static cJSON *pair_json(const struct mplan *p, const struct mplan_pair *c, int64_t id)
{
    cJSON *o = cJSON_CreateObject();
    if (id)
        cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON *orgs = cJSON_AddArrayToObject(o, "organization_ids");
    cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)c->org_a));
    cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)c->org_b));
    cJSON_AddNumberToObject(o, "score", isnan(c->score) ? 0 : c->score);
    cJSON *ids = cJSON_AddArrayToObject(o, "match_ids");
    for (size_t k = 0; k < c->nm; k++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)p->match_ids[c->m0 + k]));
    return o;
}

static int cmp_place(const void *x, const void *y)
{
    const struct mplan_pair *p = *(const struct mplan_pair *const *)x,
                            *q = *(const struct mplan_pair *const *)y;
    if (p->slot != q->slot)
        return p->slot - q->slot;
    return p->table - q->table;
}

/* The scheduled meetings by slot and table. */
static cJSON *scheduled_json(const struct run_state *s)
{
    const struct mplan *p = &s->plan;
    const struct mplan_pair **order = xcalloc(p->n_pairs ? p->n_pairs : 1, sizeof(*order));
    size_t no = 0;
    for (size_t i = 0; i < p->n_pairs; i++)
        if (mplan_scheduled(&p->pairs[i]))
            order[no++] = &p->pairs[i];
    qsort(order, no, sizeof(*order), cmp_place);
    cJSON *arr = cJSON_CreateArray();
    for (size_t k = 0; k < no; k++) {
        const struct mplan_pair *c = order[k];
        const struct slot *sl = &s->slots[c->slot];
        cJSON *m = pair_json(p, c, c->meeting_id);
        cJSON_AddItemToObject(m, "slot", slot_json(sl->id, c->slot, sl->starts_at, sl->ends_at));
        cJSON_AddNumberToObject(m, "table", (double)c->table + 1);
        cJSON_AddStringToObject(m, "status", meet_sched_status_name(c->status));
        cJSON_AddItemToArray(arr, m);
    }
    free(order);
    return arr;
}

/* The pairs without a meeting: cancelled ones (with the cancelled meeting's id), and those the
 * scheduler left out (a dropped meeting no longer exists: no id). */
static cJSON *unscheduled_json(const struct mplan *p)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < p->n_pairs; i++) {
        const struct mplan_pair *c = &p->pairs[i];
        if (mplan_scheduled(c))
            continue;
        cJSON *m = pair_json(p, c, 0);
        if (c->action == MPLAN_CANCELLED) {
            cJSON_AddNumberToObject(m, "id", (double)c->cancelled_id);
            cJSON_AddStringToObject(m, "reason", "cancelled");
        } else {
            cJSON_AddStringToObject(m, "reason", meet_sched_status_name(c->status));
        }
        cJSON_AddItemToArray(arr, m);
    }
    return arr;
}

static cJSON *removed_json(const struct mplan *p)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < p->n_removed; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "id", (double)p->removed[i].id);
        cJSON *orgs = cJSON_AddArrayToObject(m, "organization_ids");
        cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)p->removed[i].org_a));
        cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)p->removed[i].org_b));
        cJSON_AddStringToObject(m, "reason", "no_longer_eligible");
        cJSON_AddItemToArray(arr, m);
    }
    return arr;
}

static cJSON *result_json(const struct sched_run *a, const struct run_state *s)
{
    const struct mplan *p = &s->plan;
    size_t unsched = 0, kept = 0, moved = 0;
    for (size_t i = 0; i < p->n_pairs; i++) {
        const struct mplan_pair *c = &p->pairs[i];
        unsched += !mplan_scheduled(c);
        kept += c->action != MPLAN_CANCELLED && c->status == MEET_SCHED_KEPT;
        moved += c->action != MPLAN_CANCELLED && c->status == MEET_SCHED_MOVED;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)a->event_id);
    cJSON_AddBoolToObject(o, "reset", a->reset);
    cJSON_AddNumberToObject(o, "slots", (double)s->ns);
    cJSON_AddNumberToObject(o, "tables", s->ns ? (double)s->slots[0].tables : 0);
    cJSON_AddNumberToObject(o, "meetings", (double)s->st.meetings);
    cJSON_AddNumberToObject(o, "scheduled_count", (double)s->st.scheduled);
    cJSON_AddNumberToObject(o, "unscheduled_count", (double)unsched);
    cJSON_AddNumberToObject(o, "kept", (double)kept);
    cJSON_AddNumberToObject(o, "moved", (double)moved);
    cJSON_AddNumberToObject(o, "removed_count", (double)(p->n_removed + (size_t)s->reset_removed));
    cJSON_AddNumberToObject(o, "slots_used", (double)s->st.slots_used);
    cJSON_AddNumberToObject(o, "slot_span", (double)s->st.slot_span);
    cJSON_AddNumberToObject(o, "lower_bound", (double)s->st.lower_bound);
    cJSON_AddNumberToObject(o, "max_degree", (double)s->st.max_degree);
    cJSON_AddBoolToObject(o, "bipartite", s->st.bipartite);
    cJSON_AddNumberToObject(o, "blocked_slots", (double)s->nb);
    cJSON_AddItemToObject(o, "scheduled", scheduled_json(s));
    cJSON_AddItemToObject(o, "unscheduled", unscheduled_json(p));
    cJSON_AddItemToObject(o, "removed", removed_json(p));
    return o;
}

/* meeting.scheduled / meeting.changed to both organizations' members: base (notify_event_data)
 * with the meeting {id, status, starts_at, ends_at, table, organizations:[{id, name}]}; no slot
 * (starts 0) once cancelled. */
static int meeting_notify(struct db *db, const char *type, const cJSON *base, int64_t event_id,
                          int64_t id, int64_t org_a, int64_t org_b, const char *status,
                          int64_t starts, int64_t ends, int64_t table)
{
    enum { MO_ID, MO_NAME };
    struct db_res res;
    int rc = db_exec(db, &res, "SELECT id, name FROM organizations WHERE id IN (?, ?) ORDER BY id",
                     "ii", org_a, org_b);
    if (rc)
        return rc;
    cJSON *d = base ? cJSON_Duplicate(base, true) : cJSON_CreateObject();
    cJSON *m = cJSON_AddObjectToObject(d, "meeting");
    cJSON_AddNumberToObject(m, "id", (double)id);
    cJSON_AddStringToObject(m, "status", status);
    json_add_time(m, "starts_at", starts);
    json_add_time(m, "ends_at", ends);
    if (table)
        cJSON_AddNumberToObject(m, "table", (double)table);
    else
        cJSON_AddNullToObject(m, "table");
    cJSON *orgs = cJSON_AddArrayToObject(m, "organizations");
    for (size_t i = 0; i < res.nrows; i++)
        cJSON_AddItemToArray(orgs, org_json(db_get_i64(&res, i, MO_ID), db_get(&res, i, MO_NAME)));
    db_res_clear(&res);
    rc = notify_emit_orgs(db, type, event_id, org_a, org_b, d);
    cJSON_Delete(d);
    return rc;
}

/* The notices of a schedule run: new meetings, moved ones, and those it removed. */
static int sched_notify(struct db *db, const struct sched_run *a, const struct run_state *s)
{
    const struct mplan *p = &s->plan;
    int rc;
    cJSON *base = notify_event_data(db, a->event_id, &rc);
    if (!base)
        return rc;
    for (size_t i = 0; i < p->n_pairs && !rc; i++) {
        const struct mplan_pair *c = &p->pairs[i];
        if (c->action == MPLAN_INSERT || c->action == MPLAN_MOVE) {
            const struct slot *sl = &s->slots[c->slot];
            rc = meeting_notify(db,
                                c->action == MPLAN_INSERT ? NOTIFY_MEETING_SCHEDULED
                                                          : NOTIFY_MEETING_CHANGED,
                                base, a->event_id, c->meeting_id, c->org_a, c->org_b, "scheduled",
                                sl->starts_at, sl->ends_at, c->table + 1);
        } else if (c->action == MPLAN_DROP) {
            rc = meeting_notify(db, NOTIFY_MEETING_CHANGED, base, a->event_id, c->meeting_id,
                                c->org_a, c->org_b, "cancelled", 0, 0, 0);
        }
    }
    for (size_t i = 0; i < p->n_removed && !rc; i++)
        rc = meeting_notify(db, NOTIFY_MEETING_CHANGED, base, a->event_id, p->removed[i].id,
                            p->removed[i].org_a, p->removed[i].org_b, "cancelled", 0, 0, 0);
    cJSON_Delete(base);
    return rc;
}

static int sched_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct sched_run *a = arg;
    struct run_state s = {0};
    cJSON_Delete(a->out);
    a->out = NULL;
    int rc = sched_load(db, a, &s, f);
    if (!rc) {
        sched_schedule(&s);
        mplan_reconcile(&s.plan, s.res); /* phase 3: what the stored plan must do */
        rc = sched_write(db, a, &s);
    }
    if (!rc)
        rc = sched_notify(db, a, &s);
    if (!rc)
        a->out = result_json(a, &s);
    run_state_free(&s);
    return rc;
}

void meetings_schedule(struct req *r)
{
    struct sched_run a = {.r = r};
    if (req_param_id(r, 0, &a.event_id) < 0 || req_query_bool(r, "reset", false, &a.reset) < 0)
        return;
    if (r->body_len) {
        /* No body is expected; a present one must at least be a JSON object. */
        cJSON *body = json_body(r);
        if (!body)
            return;
        cJSON_Delete(body);
    }
    if (req_tx(r, sched_tx, &a) < 0) {
        cJSON_Delete(a.out);
        return;
    }
    reply_json(r, 200, a.out);
}

/* ---- GET /events/{id}/meetings ---- */

/* A page's first key as a DATETIME: the cursor's, or before every row. */
static const char *page_after_time(const struct page *pg, char *buf)
{
    return pg->after.n ? time_format_sql(page_key(pg, 0, 0), buf) : TIME_BEFORE_ALL;
}

enum {
    EM_ID,
    EM_SLOT,
    EM_STARTS,
    EM_ENDS,
    EM_INDEX,
    EM_TABLE,
    EM_ORG_A,
    EM_ORG_A_NAME,
    EM_ORG_B,
    EM_ORG_B_NAME,
    EM_SCORE,
    EM_MATCHES,
};
/* Keyset: (slot start, table); slots of an event never overlap, so the start names the slot. */
#define EVENT_MEETINGS_SQL                                                                         \
    "SELECT m.id, s.id, s.starts_at, s.ends_at,"                                                   \
    " (SELECT COUNT(*) FROM meeting_slots s2 WHERE s2.event_id = s.event_id"                       \
    "  AND s2.starts_at < s.starts_at),"                                                           \
    " m.table_no, m.org_a, oa.name, m.org_b, ob.name, m.score,"                                    \
    " (SELECT GROUP_CONCAT(mm.match_id ORDER BY mm.match_id) FROM meeting_matches mm"              \
    "  WHERE mm.meeting_id = m.id)"                                                                \
    " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"                                    \
    " JOIN organizations oa ON oa.id = m.org_a"                                                    \
    " JOIN organizations ob ON ob.id = m.org_b"                                                    \
    " WHERE m.event_id = ? AND m.status = 'scheduled'"                                             \
    " AND (s.starts_at > ? OR (s.starts_at = ? AND m.table_no > ?))"                               \
    " ORDER BY s.starts_at, m.table_no LIMIT ?"

static cJSON *event_meeting_json(const struct db_res *res, size_t i)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "id", (double)db_get_i64(res, i, EM_ID));
    cJSON_AddItemToObject(m, "slot",
                          slot_json(db_get_i64(res, i, EM_SLOT), db_get_i64(res, i, EM_INDEX),
                                    db_get_time(res, i, EM_STARTS), db_get_time(res, i, EM_ENDS)));
    cJSON_AddNumberToObject(m, "table", (double)db_get_i64(res, i, EM_TABLE));
    cJSON *orgs = cJSON_AddArrayToObject(m, "organizations");
    cJSON_AddItemToArray(orgs,
                         org_json(db_get_i64(res, i, EM_ORG_A), db_get(res, i, EM_ORG_A_NAME)));
    cJSON_AddItemToArray(orgs,
                         org_json(db_get_i64(res, i, EM_ORG_B), db_get(res, i, EM_ORG_B_NAME)));
    cJSON_AddNumberToObject(m, "score", db_get_double(res, i, EM_SCORE));
    cJSON_AddItemToObject(m, "match_ids", id_list_json(db_get(res, i, EM_MATCHES)));
    return m;
}

void meetings_list_event(struct req *r)
{
    int64_t event_id;
    struct event_ref ev;
    struct page pg;
    struct db_res res;
    char after[TIME_BUF];
    if (req_param_id(r, 0, &event_id) < 0 || req_page(r, 100, 1000, 2, &pg) < 0 ||
        access_event(r, event_id, ACCESS_MANAGE, &ev) < 0)
        return;
    const char *at = page_after_time(&pg, after);
    if (req_exec(r, &res, EVENT_MEETINGS_SQL, "issii", event_id, at, at, page_key(&pg, 1, 0),
                 (int64_t)pg.limit + 1) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)event_id);
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    size_t n = res.nrows > (size_t)pg.limit ? (size_t)pg.limit : res.nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, event_meeting_json(&res, i));
    bool more = res.nrows > n;
    page_add_next(
        r, o, more,
        more ? PAGE_KEYS(db_get_time(&res, n - 1, EM_STARTS), db_get_i64(&res, n - 1, EM_TABLE))
             : NULL);
    db_res_clear(&res);
    reply_json(r, 200, o);
}

/* ---- GET /me/meetings ---- */

enum {
    MY_ID,
    MY_EVENT,
    MY_EVENT_TITLE,
    MY_SLOT,
    MY_STARTS,
    MY_ENDS,
    MY_INDEX,
    MY_TABLE,
    MY_ORG_A,
    MY_ORG_A_NAME,
    MY_ORG_B,
    MY_ORG_B_NAME,
    MY_SCORE,
    MY_SIDE_A, /* the caller is a member of org_a */
};
#define MY_ORGS "(SELECT org_id FROM org_members WHERE user_id = ?)"
/* Keyset: (slot start, meeting id). */
#define MY_MEETINGS_SQL                                                                            \
    "SELECT m.id, m.event_id, e.title, s.id, s.starts_at, s.ends_at,"                              \
    " (SELECT COUNT(*) FROM meeting_slots s2 WHERE s2.event_id = s.event_id"                       \
    "  AND s2.starts_at < s.starts_at),"                                                           \
    " m.table_no, m.org_a, oa.name, m.org_b, ob.name, m.score,"                                    \
    " EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_a AND x.user_id = ?)"             \
    " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"                                    \
    " JOIN events e ON e.id = m.event_id"                                                          \
    " JOIN organizations oa ON oa.id = m.org_a"                                                    \
    " JOIN organizations ob ON ob.id = m.org_b"                                                    \
    " WHERE m.status = 'scheduled'"                                                                \
    " AND (m.org_a IN " MY_ORGS " OR m.org_b IN " MY_ORGS ")"                                      \
    " AND (s.starts_at > ? OR (s.starts_at = ? AND m.id > ?))"                                     \
    " ORDER BY s.starts_at, m.id LIMIT ?"

enum {
    MP_MEETING,
    MP_MATCH,
    MP_SCORE,
    MP_SUPPLY,
    MP_SUPPLY_TITLE,
    MP_SUPPLY_ORG,
    MP_DEMAND,
    MP_DEMAND_TITLE,
    MP_DEMAND_ORG,
};
#define MY_PROJECTS_SQL                                                                            \
    "SELECT mm.meeting_id, mt.id, mt.score, ps.id, ps.title, ps.org_id,"                           \
    " pd.id, pd.title, pd.org_id"                                                                  \
    " FROM meeting_matches mm JOIN meetings m ON m.id = mm.meeting_id"                             \
    " JOIN matches mt ON mt.id = mm.match_id"                                                      \
    " JOIN projects ps ON ps.id = mt.supply_project_id"                                            \
    " JOIN projects pd ON pd.id = mt.demand_project_id"                                            \
    " WHERE m.status = 'scheduled'"                                                                \
    " AND (m.org_a IN " MY_ORGS " OR m.org_b IN " MY_ORGS ")"                                      \
    " ORDER BY mm.meeting_id, mt.id"

static cJSON *project_json(const struct db_res *res, size_t row, bool demand)
{
    cJSON *p = cJSON_CreateObject();
    const char *title = db_get(res, row, demand ? MP_DEMAND_TITLE : MP_SUPPLY_TITLE);
    cJSON_AddNumberToObject(p, "id", (double)db_get_i64(res, row, demand ? MP_DEMAND : MP_SUPPLY));
    cJSON_AddStringToObject(p, "title", title ? title : "");
    cJSON_AddNumberToObject(p, "organization_id",
                            (double)db_get_i64(res, row, demand ? MP_DEMAND_ORG : MP_SUPPLY_ORG));
    return p;
}

/* A meeting of the caller's, seen from their side; *projects: its empty "projects" array. */
static cJSON *my_meeting_json(const struct db_res *res, size_t i, cJSON **projects)
{
    bool a = db_get_i64(res, i, MY_SIDE_A) != 0;
    size_t me = a ? MY_ORG_A : MY_ORG_B, me_name = a ? MY_ORG_A_NAME : MY_ORG_B_NAME;
    size_t other = a ? MY_ORG_B : MY_ORG_A, other_name = a ? MY_ORG_B_NAME : MY_ORG_A_NAME;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "id", (double)db_get_i64(res, i, MY_ID));
    cJSON *ev = cJSON_AddObjectToObject(m, "event");
    cJSON_AddNumberToObject(ev, "id", (double)db_get_i64(res, i, MY_EVENT));
    const char *title = db_get(res, i, MY_EVENT_TITLE);
    cJSON_AddStringToObject(ev, "title", title ? title : "");
    cJSON_AddItemToObject(m, "slot",
                          slot_json(db_get_i64(res, i, MY_SLOT), db_get_i64(res, i, MY_INDEX),
                                    db_get_time(res, i, MY_STARTS), db_get_time(res, i, MY_ENDS)));
    json_add_time(m, "starts_at", db_get_time(res, i, MY_STARTS));
    json_add_time(m, "ends_at", db_get_time(res, i, MY_ENDS));
    cJSON_AddNumberToObject(m, "table", (double)db_get_i64(res, i, MY_TABLE));
    cJSON_AddItemToObject(m, "organization",
                          org_json(db_get_i64(res, i, me), db_get(res, i, me_name)));
    cJSON_AddItemToObject(m, "counterpart",
                          org_json(db_get_i64(res, i, other), db_get(res, i, other_name)));
    cJSON_AddNumberToObject(m, "score", db_get_double(res, i, MY_SCORE));
    *projects = cJSON_AddArrayToObject(m, "projects");
    return m;
}

/* A meeting of the page and its "projects" array, by meeting id. */
struct id_obj {
    int64_t id;
    cJSON *obj;
};

static int cmp_id_obj(const void *x, const void *y)
{
    const struct id_obj *a = x, *b = y;
    return (a->id > b->id) - (a->id < b->id);
}

/* Adds each matched project pair of pr to the "projects" of its meeting in ix (sorted). */
static void my_projects_add(const struct id_obj *ix, size_t n, const struct db_res *pr)
{
    for (size_t i = 0; i < pr->nrows; i++) {
        struct id_obj key = {.id = db_get_i64(pr, i, MP_MEETING)};
        const struct id_obj *hit = n ? bsearch(&key, ix, n, sizeof(*ix), cmp_id_obj) : NULL;
        if (!hit)
            continue; /* a meeting of another page */
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "match_id", (double)db_get_i64(pr, i, MP_MATCH));
        cJSON_AddNumberToObject(p, "score", db_get_double(pr, i, MP_SCORE));
        cJSON_AddItemToObject(p, "supply", project_json(pr, i, false));
        cJSON_AddItemToObject(p, "demand", project_json(pr, i, true));
        cJSON_AddItemToArray(hit->obj, p);
    }
}

void meetings_list_mine(struct req *r)
{
    struct page pg;
    struct db_res res, pr = {0};
    char after[TIME_BUF];
    int64_t uid = r->user.id;
    if (req_page(r, 100, 500, 2, &pg) < 0)
        return;
    const char *at = page_after_time(&pg, after);
    if (req_exec(r, &res, MY_MEETINGS_SQL, "iiissii", uid, uid, uid, at, at, page_key(&pg, 1, 0),
                 (int64_t)pg.limit + 1) < 0)
        return;
    if (req_exec(r, &pr, MY_PROJECTS_SQL, "ii", uid, uid) < 0)
        goto out;
    size_t n = res.nrows > (size_t)pg.limit ? (size_t)pg.limit : res.nrows;
    cJSON *items = cJSON_CreateArray();
    struct id_obj *ix = xcalloc(n ? n : 1, sizeof(*ix));
    for (size_t i = 0; i < n; i++) {
        ix[i].id = db_get_i64(&res, i, MY_ID);
        cJSON_AddItemToArray(items, my_meeting_json(&res, i, &ix[i].obj));
    }
    /* Every meeting listed is scheduled (confirmed): the counterpart's members and what they
     * share to be reached are shown. */
    int64_t *orgs = xcalloc(n ? n : 1, sizeof(*orgs));
    for (size_t i = 0; i < n; i++)
        orgs[i] = db_get_i64(&res, i, db_get_i64(&res, i, MY_SIDE_A) ? MY_ORG_B : MY_ORG_A);
    struct org_members members;
    if (organizations_members_load(r, orgs, n, &members) < 0) {
        free(orgs);
        free(ix);
        cJSON_Delete(items);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *cp = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, (int)i),
                                                     "counterpart");
        cJSON_AddItemToObject(cp, "members", organizations_members_json(&members, orgs[i], true));
    }
    organizations_members_clear(&members);
    free(orgs);
    qsort(ix, n, sizeof(*ix), cmp_id_obj);
    my_projects_add(ix, n, &pr);
    free(ix);
    bool more = res.nrows > n;
    reply_page(r, items, more,
               more ? PAGE_KEYS(db_get_time(&res, n - 1, MY_STARTS), db_get_i64(&res, n - 1, MY_ID))
                    : NULL);
out:
    db_res_clear(&res);
    db_res_clear(&pr);
}

/* ---- DELETE /meetings/{id} ---- */

struct meeting_cancel {
    struct req *r;
    int64_t id;
};

enum { DM_EVENT, DM_ORG_A, DM_ORG_B, DM_STATUS, DM_ORGANIZER };
#define CANCEL_SQL                                                                                 \
    "SELECT m.event_id, m.org_a, m.org_b, m.status, e.organizer_id"                                \
    " FROM meetings m JOIN events e ON e.id = m.event_id WHERE m.id = ? FOR UPDATE"

/* Whether the caller is a member of either organization. */
static int either_member(struct db *db, int64_t user, int64_t org_a, int64_t org_b, bool *out)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT 1 FROM org_members WHERE user_id = ? AND org_id IN (?, ?) LIMIT 1",
                     "iii", user, org_a, org_b);
    if (rc)
        return rc;
    *out = res.nrows > 0;
    db_res_clear(&res);
    return 0;
}

static int cancel_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct meeting_cancel *a = arg;
    struct db_res res;
    int rc = db_exec(db, &res, CANCEL_SQL, "i", a->id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    int64_t event_id = found ? db_get_i64(&res, 0, DM_EVENT) : 0;
    int64_t org_a = found ? db_get_i64(&res, 0, DM_ORG_A) : 0;
    int64_t org_b = found ? db_get_i64(&res, 0, DM_ORG_B) : 0;
    const char *st = found ? db_get(&res, 0, DM_STATUS) : NULL;
    bool cancelled = st && strcmp(st, "cancelled") == 0;
    bool organizer = found && access_event_manager(a->r, db_get_i64(&res, 0, DM_ORGANIZER));
    db_res_clear(&res);
    if (!found)
        return tx_fail(f, SD_ERR_NOT_FOUND, "meeting_not_found", NULL, "no meeting %lld",
                       (long long)a->id);
    bool member = false;
    if (!organizer && (rc = either_member(db, a->r->user.id, org_a, org_b, &member)) != 0)
        return rc;
    if (!organizer && !member)
        return tx_fail(f, SD_ERR_FORBIDDEN, "forbidden", NULL,
                       "only the event's organizer or a member of either organization "
                       "cancels a meeting");
    if (cancelled)
        return tx_fail(f, SD_ERR_CONFLICT, "already_cancelled", NULL,
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
    if (!rc) {
        cJSON *base = notify_event_data(db, event_id, &rc);
        if (base)
            rc = meeting_notify(db, NOTIFY_MEETING_CHANGED, base, event_id, a->id, org_a, org_b,
                                "cancelled", 0, 0, 0);
        cJSON_Delete(base);
    }
    return rc;
}

void meetings_delete(struct req *r)
{
    struct meeting_cancel a = {.r = r};
    if (req_param_id(r, 0, &a.id) < 0 || req_tx(r, cancel_tx, &a) < 0)
        return;
    reply_empty(r, 204);
}
