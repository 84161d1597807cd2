#include "handlers/interests.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "handlers/organizations.h"
#include "handlers/projects.h"
#include "matching/score.h"
#include "server/app.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/recs.h"

static const char *const decisions[] = {"interested", "not_interested", NULL};
enum { DEC_INTERESTED = 0, DEC_NOT_INTERESTED = 1 };

#define MATCHES_LIST_MAX 200 /* rows per list of GET /me/matches */

struct interest_args {
    int64_t id, target, supply, demand, user_id;
    int decision;
    double score;
    /* out */
    bool created; /* the interest row is new */
    bool mutual;
    int64_t match_id;
    double match_score;
    int64_t match_created_at;
    int err;
    const char *code;
};

static int interest_tx(struct db *db, void *arg)
{
    struct interest_args *a = arg;
    a->created = a->mutual = false;
    a->match_id = 0;
    a->err = 0;
    /* Both project rows, locked in id order: the two sides of one pair serialize here, and a
     * close (UPDATE of the row) waits for us or we see it. */
    int64_t ids[2] = {a->id < a->target ? a->id : a->target, a->id < a->target ? a->target : a->id};
    for (size_t i = 0; i < 2; i++) {
        struct project_brief b;
        bool found;
        int rc = projects_brief(db, ids[i], true, &b, &found);
        if (rc)
            return rc;
        if (!found || !b.open) {
            a->err = SD_ERR_CONFLICT;
            a->code = ids[i] == a->id ? "project_closed" : "target_closed";
            return SD_ERR_CONFLICT;
        }
    }
    /* Whether this side spoke before (201 vs 200); the project locks keep it true until
     * commit. Not from the upsert's affected rows: they depend on CLIENT_FOUND_ROWS. */
    struct db_res res;
    int rc =
        db_exec(db, &res, "SELECT 1 FROM interests WHERE project_id = ? AND target_project_id = ?",
                "ii", a->id, a->target);
    if (rc)
        return rc;
    a->created = res.nrows == 0;
    db_res_clear(&res);
    rc = db_exec(db, NULL,
                 "INSERT INTO interests (project_id, target_project_id, decision, user_id,"
                 " created_at, updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(),"
                 " UTC_TIMESTAMP()) ON DUPLICATE KEY UPDATE decision = ?, user_id = ?,"
                 " updated_at = UTC_TIMESTAMP()",
                 "iisisi", a->id, a->target, decisions[a->decision], a->user_id,
                 decisions[a->decision], a->user_id);
    if (rc)
        return rc;
    if (a->decision == DEC_NOT_INTERESTED)
        return db_exec(db, NULL,
                       "DELETE FROM matches WHERE supply_project_id = ? AND demand_project_id = ?",
                       "ii", a->supply, a->demand);
    /* A locking read: the latest committed reverse interest, not this snapshot's. */
    rc = db_exec(db, &res,
                 "SELECT decision FROM interests WHERE project_id = ? AND target_project_id = ?"
                 " FOR UPDATE",
                 "ii", a->target, a->id);
    if (rc)
        return rc;
    bool reverse = res.nrows && strcmp(db_get(&res, 0, 0), "interested") == 0;
    db_res_clear(&res);
    if (!reverse)
        return 0;
    rc = db_exec(db, NULL,
                 "INSERT IGNORE INTO matches (supply_project_id, demand_project_id, score,"
                 " created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())",
                 "iid", a->supply, a->demand, a->score);
    if (rc)
        return rc;
    rc = db_exec(db, &res,
                 "SELECT id, score, created_at FROM matches WHERE supply_project_id = ?"
                 " AND demand_project_id = ?",
                 "ii", a->supply, a->demand);
    if (rc)
        return rc;
    if (res.nrows) {
        a->mutual = true;
        a->match_id = db_get_i64(&res, 0, 0);
        a->match_score = db_get_double(&res, 0, 1);
        a->match_created_at = db_get_time(&res, 0, 2);
    }
    db_res_clear(&res);
    return 0;
}

void interests_create(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct interest_args a = {.id = id, .user_id = r->user.id};
    int rc = json_int(r, body, "target_project_id", true, 1, INT64_MAX, &a.target);
    if (rc >= 0)
        rc = json_enum(r, body, "decision", true, decisions, &a.decision);
    cJSON_Delete(body);
    if (rc < 0)
        return;

    struct project_brief p, t;
    bool pfound = false, tfound = false, member = false;
    rc = projects_brief(r->w->db, id, false, &p, &pfound);
    if (!rc && pfound)
        rc = organizations_is_member(r->w->db, p.org_id, r->user.id, &member);
    if (!rc && pfound && member)
        rc = projects_brief(r->w->db, a.target, false, &t, &tfound);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!pfound) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no project %lld", (long long)id);
        return;
    }
    if (!member) {
        reply_error(r, SD_ERR_FORBIDDEN, "not_member", NULL,
                    "only members of the project's organization may express its interests");
        return;
    }
    if (a.target == id) {
        reply_error(r, SD_ERR_INVALID, "same_project", "target_project_id",
                    "a project cannot express interest in itself");
        return;
    }
    if (!tfound) {
        reply_error(r, SD_ERR_NOT_FOUND, "target_not_found", "target_project_id", "no project %lld",
                    (long long)a.target);
        return;
    }
    if (t.side == p.side) {
        reply_error(r, SD_ERR_INVALID, "same_side", "target_project_id",
                    "both projects are %s projects: interests pair supply with demand",
                    match_side_name((enum match_side)p.side));
        return;
    }
    if (t.org_id == p.org_id) {
        reply_error(r, SD_ERR_INVALID, "same_organization", "target_project_id",
                    "both projects belong to the same organization");
        return;
    }
    if (!p.open) {
        reply_error(r, SD_ERR_CONFLICT, "project_closed", NULL, "project %lld is closed",
                    (long long)id);
        return;
    }
    if (!t.open) {
        reply_error(r, SD_ERR_CONFLICT, "target_closed", "target_project_id",
                    "project %lld is closed", (long long)a.target);
        return;
    }
    a.supply = p.side == MATCH_SUPPLY ? id : a.target;
    a.demand = p.side == MATCH_SUPPLY ? a.target : id;
    a.score = recs_pair_score(r->app->recs, a.supply, a.demand);

    rc = db_tx(r->w->db, interest_tx, &a);
    if (rc && a.err) {
        reply_error(r, a.err, a.code, strcmp(a.code, "target_closed") ? NULL : "target_project_id",
                    "the project was closed meanwhile");
        return;
    }
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "project_id", (double)id);
    cJSON_AddNumberToObject(o, "target_project_id", (double)a.target);
    cJSON_AddStringToObject(o, "decision", decisions[a.decision]);
    cJSON_AddBoolToObject(o, "mutual", a.mutual);
    if (a.mutual) {
        cJSON *m = cJSON_AddObjectToObject(o, "match");
        cJSON_AddNumberToObject(m, "id", (double)a.match_id);
        cJSON_AddNumberToObject(m, "supply_project_id", (double)a.supply);
        cJSON_AddNumberToObject(m, "demand_project_id", (double)a.demand);
        cJSON_AddNumberToObject(m, "score", a.match_score);
        json_add_time(m, "created_at", a.match_created_at);
    } else {
        cJSON_AddNullToObject(o, "match");
    }
    reply_json(r, a.created ? 201 : 200, o);
}

/* ---------------------------------------------------------------------------------------- */
/* GET /me/matches                                                                          */

#define MINE PROJECTS_SHORT_COLS("mp", "mo")
#define THEIRS PROJECTS_SHORT_COLS("cp", "co")
/* The caller's projects (mp, its organization mo). */
#define MY_PROJECTS                                                                                \
    " FROM org_members m JOIN projects mp ON mp.org_id = m.org_id"                                 \
    " JOIN organizations mo ON mo.id = mp.org_id"
#define COUNTERPART " JOIN organizations co ON co.id = cp.org_id"
/* The match of the pair (mp, cp), if any. */
#define PAIR_MATCH                                                                                 \
    " LEFT JOIN matches x ON x.supply_project_id ="                                                \
    " CASE WHEN mp.side = 'supply' THEN mp.id ELSE cp.id END"                                      \
    " AND x.demand_project_id = CASE WHEN mp.side = 'supply' THEN cp.id ELSE mp.id END"

/* Rows: decision, updated_at, match id (NULL), then MINE (7) and THEIRS (7). */
static cJSON *interest_rows(const struct db_res *res, const char *mine_key, const char *theirs_key)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < res->nrows; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, mine_key, projects_short_json(res, i, 3));
        cJSON_AddItemToObject(o, theirs_key, projects_short_json(res, i, 10));
        cJSON_AddStringToObject(o, "decision", db_get(res, i, 0) ? db_get(res, i, 0) : "");
        json_add_time(o, "updated_at", db_get_time(res, i, 1));
        cJSON_AddBoolToObject(o, "mutual", db_get(res, i, 2) != NULL);
        if (db_get(res, i, 2))
            cJSON_AddNumberToObject(o, "match_id", (double)db_get_i64(res, i, 2));
        else
            cJSON_AddNullToObject(o, "match_id");
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

void interests_my_matches(struct req *r)
{
    struct db *db = r->w->db;
    struct db_res sent = {0}, recv = {0}, mut = {0};
    int64_t uid = r->user.id, lim = MATCHES_LIST_MAX;
    int rc = db_exec(db, &sent,
                     "SELECT i.decision, i.updated_at, x.id, " MINE ", " THEIRS MY_PROJECTS
                     " JOIN interests i ON i.project_id = mp.id"
                     " JOIN projects cp ON cp.id = i.target_project_id" COUNTERPART PAIR_MATCH
                     " WHERE m.user_id = ? ORDER BY i.updated_at DESC, i.id DESC LIMIT ?",
                     "ii", uid, lim);
    if (!rc)
        rc = db_exec(db, &recv,
                     "SELECT i.decision, i.updated_at, x.id, " MINE ", " THEIRS MY_PROJECTS
                     " JOIN interests i ON i.target_project_id = mp.id"
                     " AND i.decision = 'interested'"
                     " JOIN projects cp ON cp.id = i.project_id" COUNTERPART PAIR_MATCH
                     " WHERE m.user_id = ? ORDER BY i.updated_at DESC, i.id DESC LIMIT ?",
                     "ii", uid, lim);
    if (!rc)
        rc = db_exec(
            db, &mut,
            "SELECT x.id, x.score, x.created_at, " MINE ", " THEIRS MY_PROJECTS
            " JOIN matches x ON x.supply_project_id = mp.id"
            " JOIN projects cp ON cp.id = x.demand_project_id" COUNTERPART " WHERE m.user_id = ?"
            " UNION ALL "
            "SELECT x.id, x.score, x.created_at, " MINE ", " THEIRS MY_PROJECTS
            " JOIN matches x ON x.demand_project_id = mp.id"
            " JOIN projects cp ON cp.id = x.supply_project_id" COUNTERPART " WHERE m.user_id = ?"
            " ORDER BY 3 DESC, 1 DESC LIMIT ?",
            "iii", uid, uid, lim);
    if (rc) {
        db_res_clear(&sent);
        db_res_clear(&recv);
        db_res_clear(&mut);
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "sent", interest_rows(&sent, "project", "target"));
    cJSON_AddItemToObject(o, "received", interest_rows(&recv, "project", "from"));
    cJSON *m = cJSON_AddArrayToObject(o, "mutual");
    for (size_t i = 0; i < mut.nrows; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "id", (double)db_get_i64(&mut, i, 0));
        cJSON_AddNumberToObject(x, "score", db_get_double(&mut, i, 1));
        json_add_time(x, "created_at", db_get_time(&mut, i, 2));
        cJSON_AddItemToObject(x, "project", projects_short_json(&mut, i, 3));
        cJSON_AddItemToObject(x, "counterpart", projects_short_json(&mut, i, 10));
        cJSON_AddItemToArray(m, x);
    }
    db_res_clear(&sent);
    db_res_clear(&recv);
    db_res_clear(&mut);
    reply_json(r, 200, o);
}
