#include "handlers/competitions.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/leaderboard.h"
#include "notify/notify.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/board_cache.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/reqdb.h"

#define MAX_CRITERIA 50

enum { COUNT_N }; /* SELECT COUNT(*) … */

/* A competition session the caller manages: 404 session_not_found, 403 forbidden, 409
 * wrong_session_kind. 0, or -1 after replying. */
static int competition_managed(struct req *r, int64_t sid, struct session_ref *s)
{
    if (access_session(r, sid, ACCESS_MANAGE, s) < 0 ||
        access_session_kind(r, s, "competition") < 0)
        return -1;
    return 0;
}

/* A competition session the caller can see: 404 session_not_found otherwise, also for a session
 * of another kind (there is no competition by that id). 0, or -1 after replying. */
static int competition_visible(struct req *r, int64_t sid, struct session_ref *s)
{
    struct tx_fail f = {0};
    int rc = access_session_tx(r->w->db, r, sid, ACCESS_READ, false, s, &f);
    if (!rc && strcmp(s->kind, "competition") != 0)
        rc = tx_fail(&f, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no competition session %lld",
                     (long long)sid);
    if (rc) {
        reply_tx(r, rc, &f);
        return -1;
    }
    return 0;
}

/* An entry with its project and organization (LEFT JOINs: either may be gone). */
enum { ENT_ID, ENT_PROJECT, ENT_TITLE, ENT_ORG, ENT_ORG_NAME };
#define ENTRIES_SQL                                                                                \
    "SELECT e.id, e.project_id, p.title, p.org_id, o.name"                                         \
    " FROM competition_entries e LEFT JOIN projects p ON p.id = e.project_id"                      \
    " LEFT JOIN organizations o ON o.id = p.org_id"                                                \
    " WHERE e.session_id = ? ORDER BY e.id"

static void entry_fields(cJSON *o, const struct db_res *res, size_t i)
{
    cJSON_AddNumberToObject(o, "project_id", (double)db_get_i64(res, i, ENT_PROJECT));
    json_add_str_or_null(o, "project_title", db_get(res, i, ENT_TITLE));
    cJSON_AddNumberToObject(o, "organization_id", (double)db_get_i64(res, i, ENT_ORG));
    json_add_str_or_null(o, "organization_name", db_get(res, i, ENT_ORG_NAME));
}

/* ---- POST /sessions/{id}/criteria ----------------------------------------------------------- */

struct criterion_add {
    struct req *r;
    int64_t sid, id;
    const char *name;
    double weight, max_score;
};

static int criterion_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct criterion_add *a = arg;
    struct session_ref s;
    struct db_res res;
    /* The session row's lock: a judge's scores (which read it shared) wait for this, or this
     * sees them. */
    int rc = access_session_tx(db, a->r, a->sid, ACCESS_MANAGE, true, &s, f);
    if (!rc)
        rc = access_lock_key(db, "session", a->sid); /* Galera: scores write it too */
    if (rc)
        return rc;
    rc = db_exec(db, &res, "SELECT 1 FROM competition_scores WHERE session_id = ? LIMIT 1", "i",
                 a->sid);
    if (rc)
        return rc;
    bool started = res.nrows > 0;
    db_res_clear(&res);
    if (started)
        return tx_fail(f, SD_ERR_CONFLICT, "scoring_started", NULL,
                       "judges have already scored this competition; criteria are fixed");
    rc = db_exec(db, &res, "SELECT COUNT(*) FROM competition_criteria WHERE session_id = ?", "i",
                 a->sid);
    if (rc)
        return rc;
    bool full = db_get_i64(&res, 0, COUNT_N) >= MAX_CRITERIA;
    db_res_clear(&res);
    if (full)
        return tx_fail(f, SD_ERR_CONFLICT, "too_many_criteria", NULL,
                       "a competition has at most %d criteria", MAX_CRITERIA);
    rc =
        db_exec(db, &res,
                "INSERT INTO competition_criteria (session_id, name, weight, max_score, created_at)"
                " VALUES (?, ?, ?, ?, UTC_TIMESTAMP())",
                "isdd", a->sid, a->name, a->weight, a->max_score);
    if (rc == SD_ERR_DUPLICATE)
        return tx_fail(f, SD_ERR_CONFLICT, "criterion_exists", "name",
                       "this session already has a criterion of that name");
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return 0;
}

void competitions_criteria_create(struct req *r)
{
    struct criterion_add a = {.r = r};
    struct session_ref s;
    if (req_param_id(r, 0, &a.sid) < 0 || competition_managed(r, a.sid, &s) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (json_text(r, body, "name", true, LIMIT_CRITERION_NAME, &a.name) < 0 ||
        json_double(r, body, "weight", true, 0, 1000, &a.weight) < 0 ||
        json_double(r, body, "max_score", true, 0, 1000000, &a.max_score) < 0)
        goto out;
    if (!(a.weight > 0)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "weight", "weight must be above 0");
        goto out;
    }
    if (!(a.max_score > 0)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "max_score",
                    "max_score must be above 0");
        goto out;
    }
    if (req_tx(r, criterion_tx, &a) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a.id);
    cJSON_AddNumberToObject(o, "session_id", (double)a.sid);
    cJSON_AddStringToObject(o, "name", a.name);
    cJSON_AddNumberToObject(o, "weight", a.weight);
    cJSON_AddNumberToObject(o, "max_score", a.max_score);
    reply_json(r, 201, o);
out:
    cJSON_Delete(body);
}

/* ---- POST /sessions/{id}/entries ------------------------------------------------------------ */

struct entry_add {
    int64_t sid, project_id, user_id, id;
};

static int entry_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct entry_add *a = arg;
    struct db_res res;
    int rc = db_exec(db, &res,
                     "INSERT INTO competition_entries (session_id, project_id, created_by,"
                     " created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())",
                     "iii", a->sid, a->project_id, a->user_id);
    if (rc == SD_ERR_DUPLICATE)
        return tx_fail(f, SD_ERR_CONFLICT, "entry_exists", "project_id",
                       "this project is already entered in this competition");
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return board_bump(db, a->sid);
}

enum { PROJ_TITLE, PROJ_ORG, PROJ_ORG_NAME };
#define PROJECT_SQL                                                                                \
    "SELECT p.title, p.org_id, o.name FROM projects p"                                             \
    " LEFT JOIN organizations o ON o.id = p.org_id WHERE p.id = ?"

void competitions_entries_create(struct req *r)
{
    struct entry_add a = {.user_id = r->user.id};
    struct session_ref s;
    if (req_param_id(r, 0, &a.sid) < 0 || competition_managed(r, a.sid, &s) < 0)
        return;
    struct db_res res;
    if (json_body_id(r, "project_id", &a.project_id) < 0 ||
        req_exec(r, &res, PROJECT_SQL, "i", a.project_id) < 0)
        return;
    if (!res.nrows) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "project_id", "no such project");
        goto out;
    }
    if (req_tx(r, entry_tx, &a) < 0)
        goto out;
    board_changed(r, a.sid);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a.id);
    cJSON_AddNumberToObject(o, "session_id", (double)a.sid);
    cJSON_AddNumberToObject(o, "project_id", (double)a.project_id);
    json_add_str_or_null(o, "project_title", db_get(&res, 0, PROJ_TITLE));
    cJSON_AddNumberToObject(o, "organization_id", (double)db_get_i64(&res, 0, PROJ_ORG));
    json_add_str_or_null(o, "organization_name", db_get(&res, 0, PROJ_ORG_NAME));
    reply_created(r, o, "/api/v1/entries/%lld", (long long)a.id);
out:
    db_res_clear(&res);
}

/* ---- POST /sessions/{id}/judges ------------------------------------------------------------- */

struct judge_add {
    int64_t sid, user_id, by;
};

static int judge_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct judge_add *a = arg;
    int rc = db_exec(db, NULL,
                     "INSERT INTO competition_judges (session_id, user_id, created_by, created_at)"
                     " VALUES (?, ?, ?, UTC_TIMESTAMP())",
                     "iii", a->sid, a->user_id, a->by);
    if (rc == SD_ERR_DUPLICATE)
        return tx_fail(f, SD_ERR_CONFLICT, "judge_exists", "user_id",
                       "this user already judges this competition");
    return rc;
}

enum { USER_NAME };

void competitions_judges_create(struct req *r)
{
    struct judge_add a = {.by = r->user.id};
    struct session_ref s;
    if (req_param_id(r, 0, &a.sid) < 0 || competition_managed(r, a.sid, &s) < 0)
        return;
    struct db_res res;
    if (json_body_id(r, "user_id", &a.user_id) < 0 ||
        req_exec(r, &res, "SELECT display_name FROM users WHERE id = ?", "i", a.user_id) < 0)
        return;
    if (!res.nrows) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "user_id", "no such user");
        goto out;
    }
    if (req_tx(r, judge_tx, &a) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)a.sid);
    cJSON_AddNumberToObject(o, "user_id", (double)a.user_id);
    json_add_str_or_null(o, "display_name", db_get(&res, 0, USER_NAME));
    reply_json(r, 201, o);
out:
    db_res_clear(&res);
}

/* ---- PUT /entries/{id}/scores --------------------------------------------------------------- */

struct crit {
    int64_t id;
    double weight, max_score;
    double value;
    bool given;
};

struct scores_put {
    int64_t entry_id, sid, judge;
    struct crit *c;
    size_t n;
};

static int scores_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct scores_put *a = arg;
    struct db_res res;
    /* Shared on the session row: publishing and a new criterion take it exclusively. On Galera
     * that lock holds on one node only: all three write the session's key, so the later commit
     * fails certification and runs again (and sees the publication). */
    int rc = access_lock_key(db, "session", a->sid);
    if (!rc)
        rc = db_exec(db, &res,
                     "SELECT results_published FROM sessions WHERE id = ? LOCK IN SHARE MODE", "i",
                     a->sid);
    if (rc)
        return rc;
    enum { PUB_PUBLISHED };
    bool published = res.nrows && db_get_i64(&res, 0, PUB_PUBLISHED) != 0;
    db_res_clear(&res);
    if (published)
        return tx_fail(f, SD_ERR_CONFLICT, "results_published", NULL,
                       "results are published; scores are final");
    rc = db_exec(db, &res, "SELECT COUNT(*) FROM competition_criteria WHERE session_id = ?", "i",
                 a->sid);
    if (rc)
        return rc;
    bool changed = db_get_i64(&res, 0, COUNT_N) != (int64_t)a->n;
    db_res_clear(&res);
    if (changed)
        return tx_fail(f, SD_ERR_CONFLICT, "criteria_changed", NULL,
                       "the criteria changed meanwhile; reload and score again");
    rc =
        db_exec(db, NULL, "DELETE FROM competition_scores WHERE entry_id = ? AND judge_user_id = ?",
                "ii", a->entry_id, a->judge);
    struct db_batch b;
    db_batch_init(&b, db,
                  "INSERT INTO competition_scores (entry_id, judge_user_id, criterion_id,"
                  " session_id, value, updated_at) VALUES ",
                  "(?, ?, ?, ?, ?, UTC_TIMESTAMP())", 5);
    for (size_t i = 0; !rc && i < a->n; i++)
        rc = db_batch_add(&b,
                          (struct db_param[]){DB_I(a->entry_id), DB_I(a->judge), DB_I(a->c[i].id),
                                              DB_I(a->sid), DB_D(a->c[i].value)});
    if (!rc)
        rc = db_batch_flush(&b);
    db_batch_deinit(&b);
    return rc ? rc : board_bump(db, a->sid);
}

/* Validates {"scores": {"<criterion id>": value, …}} against the criteria; replies on error. */
static int parse_scores(struct req *r, const cJSON *body, struct crit *c, size_t n)
{
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(body, "scores");
    if (!cJSON_IsObject(sc)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "scores",
                    "scores must be an object of criterion id to score");
        return -1;
    }
    const cJSON *it;
    char field[80];
    cJSON_ArrayForEach(it, sc)
    {
        const char *k = it->string ? it->string : "";
        snprintf(field, sizeof(field), "scores.%.60s", k);
        char *end;
        errno = 0;
        long long id = strtoll(k, &end, 10);
        struct crit *hit = NULL;
        for (size_t i = 0; *k && !*end && !errno && i < n; i++)
            if (c[i].id == id)
                hit = &c[i];
        if (!hit) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                        "'%.60s' is not a criterion of this competition", k);
            return -1;
        }
        if (hit->given) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", field, "criterion given twice");
            return -1;
        }
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < 0 ||
            it->valuedouble > hit->max_score) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                        "a score must be a number from 0 to %g", hit->max_score);
            return -1;
        }
        hit->given = true;
        hit->value = it->valuedouble;
    }
    for (size_t i = 0; i < n; i++) {
        if (!c[i].given) {
            snprintf(field, sizeof(field), "scores.%lld", (long long)c[i].id);
            reply_error(r, SD_ERR_INVALID, "validation_failed", field,
                        "every criterion needs a score (criterion %lld is missing)",
                        (long long)c[i].id);
            return -1;
        }
    }
    return 0;
}

enum { JE_SESSION, JE_ORG, JE_JUDGES };
#define JUDGED_ENTRY_SQL                                                                           \
    "SELECT e.session_id, p.org_id,"                                                               \
    " (SELECT COUNT(*) FROM competition_judges j"                                                  \
    "  WHERE j.session_id = e.session_id AND j.user_id = ?)"                                       \
    " FROM competition_entries e LEFT JOIN projects p ON p.id = e.project_id"                      \
    " WHERE e.id = ?"

/* The entry's session, when the caller judges it and is not of the entry's organization:
 * 404 entry_not_found, 403 not_a_judge or conflict_of_interest. 0, or -1 after replying. */
static int judge_access(struct req *r, int64_t eid, int64_t *sid)
{
    struct db_res res;
    if (req_exec(r, &res, JUDGED_ENTRY_SQL, "ii", r->user.id, eid) < 0)
        return -1;
    bool found = res.nrows > 0;
    *sid = found ? db_get_i64(&res, 0, JE_SESSION) : 0;
    int64_t org = found ? db_get_i64(&res, 0, JE_ORG) : 0;
    bool judge = found && db_get_i64(&res, 0, JE_JUDGES) > 0;
    db_res_clear(&res);
    if (!found) {
        reply_error(r, SD_ERR_NOT_FOUND, "entry_not_found", NULL, "no entry %lld", (long long)eid);
        return -1;
    }
    if (!judge) {
        reply_error(r, SD_ERR_FORBIDDEN, "not_a_judge", NULL,
                    "only a judge assigned to this competition scores its entries");
        return -1;
    }
    bool member = false;
    int rc = org ? access_is_member(r->w->db, org, r->user.id, &member) : 0;
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    if (member) {
        reply_error(r, SD_ERR_FORBIDDEN, "conflict_of_interest", NULL,
                    "a judge does not score an entry of their own organization");
        return -1;
    }
    return 0;
}

enum { CRIT_ID, CRIT_WEIGHT, CRIT_MAX };
#define SCORING_CRITERIA_SQL                                                                       \
    "SELECT id, weight, max_score FROM competition_criteria WHERE session_id = ? ORDER BY id"

/* The criteria to score (a->c, a->n); 409 no_criteria when there are none. 0, or -1 after
 * replying. */
static int criteria_load(struct req *r, struct scores_put *a)
{
    struct db_res res;
    if (req_exec(r, &res, SCORING_CRITERIA_SQL, "i", a->sid) < 0)
        return -1;
    a->n = res.nrows;
    a->c = xcalloc(a->n ? a->n : 1, sizeof(*a->c));
    for (size_t i = 0; i < a->n; i++)
        a->c[i] = (struct crit){.id = db_get_i64(&res, i, CRIT_ID),
                                .weight = db_get_double(&res, i, CRIT_WEIGHT),
                                .max_score = db_get_double(&res, i, CRIT_MAX)};
    db_res_clear(&res);
    if (a->n == 0) {
        reply_error(r, SD_ERR_CONFLICT, "no_criteria", NULL,
                    "this competition has no criteria yet");
        return -1;
    }
    return 0;
}

static cJSON *scores_json(const struct req *r, const struct scores_put *a)
{
    double *v = xcalloc(3 * a->n, sizeof(double)), *w = v + a->n, *mx = w + a->n;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "entry_id", (double)a->entry_id);
    cJSON_AddNumberToObject(o, "judge_user_id", (double)r->user.id);
    cJSON *so = cJSON_AddObjectToObject(o, "scores");
    for (size_t i = 0; i < a->n; i++) {
        char k[24];
        snprintf(k, sizeof(k), "%lld", (long long)a->c[i].id);
        cJSON_AddNumberToObject(so, k, a->c[i].value);
        v[i] = a->c[i].value;
        w[i] = a->c[i].weight;
        mx[i] = a->c[i].max_score;
    }
    cJSON_AddNumberToObject(o, "weighted_total", lb_weighted_total(v, w, mx, a->n));
    free(v);
    return o;
}

void competitions_scores_put(struct req *r)
{
    struct scores_put a = {.judge = r->user.id};
    if (req_param_id(r, 0, &a.entry_id) < 0 || judge_access(r, a.entry_id, &a.sid) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (criteria_load(r, &a) < 0 || parse_scores(r, body, a.c, a.n) < 0 ||
        req_tx(r, scores_tx, &a) < 0)
        goto out;
    board_changed(r, a.sid);
    reply_json(r, 200, scores_json(r, &a));
out:
    free(a.c);
    cJSON_Delete(body);
}

/* ---- GET /sessions/{id}/leaderboard --------------------------------------------------------- */

/* The row of `entry_id` in ent (ordered by id), or -1 (entered after the board's snapshot). */
static long entry_row(const struct db_res *ent, int64_t entry_id)
{
    size_t lo = 0, hi = ent->nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int64_t id = db_get_i64(ent, mid, ENT_ID);
        if (id == entry_id)
            return (long)mid;
        if (id < entry_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

void competitions_leaderboard(struct req *r)
{
    int64_t sid;
    struct session_ref s;
    if (req_param_id(r, 0, &sid) < 0 || competition_visible(r, sid, &s) < 0)
        return;
    if (!s.ev.manager && !s.results_published) {
        reply_error(r, SD_ERR_FORBIDDEN, "results_not_published", NULL,
                    "the results of this competition are not published yet");
        return;
    }
    struct db_res ent;
    struct board b;
    if (req_exec(r, &ent, ENTRIES_SQL, "i", sid) < 0)
        return;
    if (board_read(r, sid, ent.nrows, &b) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddBoolToObject(o, "results_published", s.results_published);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    int rank = 0;
    for (size_t i = 0; i < b.n; i++) {
        long k = entry_row(&ent, b.rows[i].entry_id);
        if (k < 0)
            continue;
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "rank", ++rank);
        cJSON_AddNumberToObject(it, "entry_id", (double)b.rows[i].entry_id);
        entry_fields(it, &ent, (size_t)k);
        cJSON_AddNumberToObject(it, "score", b.rows[i].score);
        cJSON_AddNumberToObject(it, "raw_mean", b.rows[i].raw_mean);
        cJSON_AddNumberToObject(it, "judge_count", b.rows[i].judges);
        cJSON_AddItemToArray(items, it);
    }
    board_deinit(&b);
    reply_json(r, 200, o);
out:
    db_res_clear(&ent);
}

/* ---- POST /sessions/{id}/results/publish ---------------------------------------------------- */

struct publish {
    const struct req *r;
    int64_t sid;
};

static int publish_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct publish *a = arg;
    struct session_ref s;
    int rc = access_session_tx(db, a->r, a->sid, ACCESS_MANAGE, true, &s, f);
    if (rc || s.results_published)
        return rc;
    rc = access_lock_key(db, "session", a->sid); /* Galera: scores write it too */
    if (!rc)
        rc = db_exec(db, NULL, "UPDATE sessions SET results_published = 1 WHERE id = ?", "i",
                     a->sid);
    if (rc)
        return rc;
    char subject[64];
    snprintf(subject, sizeof(subject), "session %lld", (long long)a->sid);
    rc = audit_record(db, a->r, s.ev.id, "results_publish", subject,
                      "competition results published");
    if (rc)
        return rc;
    /* results.published to the members of every entrant's organization. */
    cJSON *d = notify_session_data(db, a->sid, NULL, &rc);
    if (!d)
        return rc;
    rc = notify_emit_to(db, NOTIFY_RESULTS_PUBLISHED, s.ev.id, NULL, d,
                        "SELECT DISTINCT m.user_id FROM competition_entries ce"
                        " JOIN projects p ON p.id = ce.project_id"
                        " JOIN org_members m ON m.org_id = p.org_id WHERE ce.session_id = ?",
                        a->sid);
    cJSON_Delete(d);
    return rc;
}

void competitions_publish(struct req *r)
{
    struct publish a = {.r = r};
    struct session_ref s;
    if (req_param_id(r, 0, &a.sid) < 0 || competition_managed(r, a.sid, &s) < 0 ||
        req_tx(r, publish_tx, &a) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)a.sid);
    cJSON_AddBoolToObject(o, "results_published", true);
    reply_json(r, 200, o);
}

/* ---- GET /sessions/{id}/competition --------------------------------------------------------- */

enum { CRI_ID, CRI_NAME, CRI_WEIGHT, CRI_MAX };
#define CRITERIA_SQL                                                                               \
    "SELECT id, name, weight, max_score FROM competition_criteria"                                 \
    " WHERE session_id = ? ORDER BY id"

enum { JUD_USER, JUD_NAME };
#define JUDGES_SQL                                                                                 \
    "SELECT j.user_id, u.display_name FROM competition_judges j"                                   \
    " LEFT JOIN users u ON u.id = j.user_id WHERE j.session_id = ? ORDER BY j.user_id"

void competitions_get(struct req *r)
{
    int64_t sid;
    struct session_ref s;
    if (req_param_id(r, 0, &sid) < 0 || competition_visible(r, sid, &s) < 0)
        return;
    struct db_res cri = {0}, ent = {0}, jud = {0};
    if (req_exec(r, &cri, CRITERIA_SQL, "i", sid) < 0 ||
        req_exec(r, &ent, ENTRIES_SQL, "i", sid) < 0 || req_exec(r, &jud, JUDGES_SQL, "i", sid) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddBoolToObject(o, "results_published", s.results_published);
    cJSON *a = cJSON_AddArrayToObject(o, "criteria");
    for (size_t i = 0; i < cri.nrows; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "id", (double)db_get_i64(&cri, i, CRI_ID));
        json_add_str_or_null(it, "name", db_get(&cri, i, CRI_NAME));
        cJSON_AddNumberToObject(it, "weight", db_get_double(&cri, i, CRI_WEIGHT));
        cJSON_AddNumberToObject(it, "max_score", db_get_double(&cri, i, CRI_MAX));
        cJSON_AddItemToArray(a, it);
    }
    a = cJSON_AddArrayToObject(o, "entries");
    for (size_t i = 0; i < ent.nrows; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "id", (double)db_get_i64(&ent, i, ENT_ID));
        entry_fields(it, &ent, i);
        cJSON_AddItemToArray(a, it);
    }
    a = cJSON_AddArrayToObject(o, "judges");
    for (size_t i = 0; i < jud.nrows; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "user_id", (double)db_get_i64(&jud, i, JUD_USER));
        json_add_str_or_null(it, "display_name", db_get(&jud, i, JUD_NAME));
        cJSON_AddItemToArray(a, it);
    }
    reply_json(r, 200, o);
out:
    db_res_clear(&cri);
    db_res_clear(&ent);
    db_res_clear(&jud);
}

/* ---- GET /sessions/{id}/my-scores ----------------------------------------------------------- */

enum { MS_ENTRY, MS_CRITERION, MS_VALUE, MS_UPDATED };
#define MY_SCORES_SQL                                                                              \
    "SELECT entry_id, criterion_id, value, updated_at FROM competition_scores"                     \
    " WHERE session_id = ? AND judge_user_id = ? ORDER BY entry_id, criterion_id"

/* One entry's scores (rows [from, to) of sc, one entry) with its weighted total over the
 * criteria (cri: CRI_* columns); the total is null unless every criterion is scored. */
static cJSON *my_entry_json(const struct db_res *sc, size_t from, size_t to,
                            const struct db_res *cri)
{
    size_t n = cri->nrows;
    double *v = xcalloc(3 * (n ? n : 1), sizeof(double)), *w = v + n, *mx = w + n;
    size_t given = 0;
    int64_t updated = 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "entry_id", (double)db_get_i64(sc, from, MS_ENTRY));
    cJSON *so = cJSON_AddObjectToObject(o, "scores");
    for (size_t k = from; k < to; k++) {
        int64_t cid = db_get_i64(sc, k, MS_CRITERION);
        double val = db_get_double(sc, k, MS_VALUE);
        char key[24];
        snprintf(key, sizeof(key), "%lld", (long long)cid);
        cJSON_AddNumberToObject(so, key, val);
        if (db_get_time(sc, k, MS_UPDATED) > updated)
            updated = db_get_time(sc, k, MS_UPDATED);
        for (size_t i = 0; i < n; i++)
            if (db_get_i64(cri, i, CRI_ID) == cid) {
                v[i] = val;
                given++;
            }
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = db_get_double(cri, i, CRI_WEIGHT);
        mx[i] = db_get_double(cri, i, CRI_MAX);
    }
    if (n && given == n)
        cJSON_AddNumberToObject(o, "weighted_total", lb_weighted_total(v, w, mx, n));
    else
        cJSON_AddNullToObject(o, "weighted_total");
    json_add_time(o, "updated_at", updated);
    free(v);
    return o;
}

/* The calling judge's own scores of a competition, entry by entry (never another judge's: the
 * leaderboard is where scores of others show, as normalized means, once published). 404
 * session_not_found as GET /competition; 403 not_a_judge for anyone not judging it. */
void competitions_my_scores(struct req *r)
{
    int64_t sid;
    struct session_ref s;
    if (req_param_id(r, 0, &sid) < 0 || competition_visible(r, sid, &s) < 0)
        return;
    struct db_res jud = {0}, cri = {0}, sc = {0};
    if (req_exec(r, &jud,
                 "SELECT 1 FROM competition_judges WHERE session_id = ? AND user_id = ?", "ii",
                 sid, r->user.id) < 0)
        return;
    bool judge = jud.nrows > 0;
    db_res_clear(&jud);
    if (!judge) {
        reply_error(r, SD_ERR_FORBIDDEN, "not_a_judge", NULL,
                    "only a judge assigned to this competition reads their scores of it");
        return;
    }
    if (req_exec(r, &cri, CRITERIA_SQL, "i", sid) < 0 ||
        req_exec(r, &sc, MY_SCORES_SQL, "ii", sid, r->user.id) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddNumberToObject(o, "judge_user_id", (double)r->user.id);
    cJSON_AddBoolToObject(o, "results_published", s.results_published);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < sc.nrows;) {
        size_t k = i + 1;
        while (k < sc.nrows && db_get_i64(&sc, k, MS_ENTRY) == db_get_i64(&sc, i, MS_ENTRY))
            k++;
        cJSON_AddItemToArray(items, my_entry_json(&sc, i, k, &cri));
        i = k;
    }
    reply_json(r, 200, o);
out:
    db_res_clear(&cri);
    db_res_clear(&sc);
}
