#include "handlers/interests.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/organizations.h"
#include "handlers/projects.h"
#include "matching/score.h"
#include "notify/notify.h"
#include "server/access.h"
#include "server/app.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/recs.h"
#include "server/reqdb.h"
#include "base/xalloc.h"

static const char *const decisions[] = {"interested", "not_interested", NULL};
enum { DEC_INTERESTED = 0, DEC_NOT_INTERESTED = 1 };

#define MATCHES_LIST_MAX 200 /* rows per list of GET /me/matches */

struct interest_args {
    int64_t id, target, supply, demand, user_id;
    int decision;
    double score;
    int pending_max; /* match_pending_interests_max: 0 = no bound */
    /* out */
    bool created; /* the interest row is new */
    bool mutual;
    int64_t match_id;
    double match_score;
    int64_t match_created_at;
};

/* Takes project `id`'s row FOR UPDATE and tells whether it is open. Only the lock and the status
 * are wanted here: who may speak was settled before the transaction (access_project). */
enum { LOCK_STATUS };
#define LOCK_SELECT "SELECT status FROM projects WHERE id = ? FOR UPDATE"

static int lock_open(struct db *db, int64_t id, bool *open)
{
    struct db_res res;
    /* Galera: the row lock holds on one node; the key makes a close (or another interest in
     * this project, whose pending bound counts) on another node conflict at certification. */
    int rc = access_lock_key(db, "project", id);
    if (!rc)
        rc = db_exec(db, &res, LOCK_SELECT, "i", id);
    if (rc)
        return rc;
    *open = res.nrows && db_get(&res, 0, LOCK_STATUS) &&
            strcmp(db_get(&res, 0, LOCK_STATUS), "open") == 0;
    db_res_clear(&res);
    return 0;
}

enum { REVERSE_DECISION };
#define REVERSE_SELECT                                                                             \
    "SELECT decision FROM interests WHERE project_id = ? AND target_project_id = ? FOR UPDATE"
enum { MATCH_ID, MATCH_SCORE, MATCH_CREATED };
#define MATCH_SELECT                                                                               \
    "SELECT id, score, created_at FROM matches WHERE supply_project_id = ?"                        \
    " AND demand_project_id = ?"

/* Issue 17: a project receives at most pending_max unanswered interests (interested, with no
 * interest of its own back), so that a hub is not drowned; an interest already pending, or the
 * answer that makes a match, always passes. The target's row is locked: the count is exact. */
#define PENDING_SELECT                                                                             \
    "SELECT COUNT(*) FROM interests i WHERE i.target_project_id = ?"                               \
    " AND i.decision = 'interested' AND i.project_id <> ? AND NOT EXISTS (SELECT 1 FROM"            \
    " interests b WHERE b.project_id = i.target_project_id AND b.target_project_id = i.project_id)"
#define PRIOR_SELECT                                                                               \
    "SELECT (SELECT decision FROM interests WHERE project_id = ? AND target_project_id = ?),"      \
    " (SELECT COUNT(*) FROM interests WHERE project_id = ? AND target_project_id = ?)"
enum { PRIOR_MINE, PRIOR_BACK };

static int pending_bound(struct db *db, const struct interest_args *a, struct tx_fail *f)
{
    if (a->pending_max <= 0 || a->decision != DEC_INTERESTED)
        return 0;
    struct db_res res;
    int rc = db_exec(db, &res, PRIOR_SELECT, "iiii", a->id, a->target, a->target, a->id);
    if (rc)
        return rc;
    const char *mine = db_get(&res, 0, PRIOR_MINE);
    bool already = mine && strcmp(mine, "interested") == 0;
    bool answer = db_get_i64(&res, 0, PRIOR_BACK) > 0;
    db_res_clear(&res);
    if (already || answer)
        return 0;
    rc = db_exec(db, &res, PENDING_SELECT, "ii", a->target, a->id);
    if (rc)
        return rc;
    int64_t pending = db_get_i64(&res, 0, 0);
    db_res_clear(&res);
    if (pending >= a->pending_max)
        return tx_fail(f, SD_ERR_CONFLICT, "too_many_pending_interests", "target_project_id",
                       "project %lld already has %d interests waiting for its answer; try again"
                       " after it answers some, or look at other recommendations",
                       (long long)a->target, a->pending_max);
    return 0;
}

/* match.mutual to the members of both projects' organizations. */
static int match_notify(struct db *db, int64_t match_id, double score, int64_t supply,
                        int64_t demand)
{
    enum { MP_ID, MP_TITLE, MP_SIDE, MP_ORG, MP_ORG_NAME };
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT p.id, p.title, p.side, p.org_id, o.name FROM projects p"
                     " JOIN organizations o ON o.id = p.org_id WHERE p.id IN (?, ?) ORDER BY p.id",
                     "ii", supply, demand);
    if (rc)
        return rc;
    cJSON *d = cJSON_CreateObject();
    cJSON *m = cJSON_AddObjectToObject(d, "match");
    cJSON_AddNumberToObject(m, "id", (double)match_id);
    cJSON_AddNumberToObject(m, "score", score);
    cJSON *arr = cJSON_AddArrayToObject(d, "projects");
    int64_t orgs[2] = {0, 0};
    for (size_t i = 0; i < res.nrows && i < 2; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "id", (double)db_get_i64(&res, i, MP_ID));
        cJSON_AddStringToObject(p, "title", db_get(&res, i, MP_TITLE));
        cJSON_AddStringToObject(p, "side", db_get(&res, i, MP_SIDE));
        cJSON_AddNumberToObject(p, "organization_id", (double)db_get_i64(&res, i, MP_ORG));
        cJSON_AddStringToObject(p, "organization_name", db_get(&res, i, MP_ORG_NAME));
        cJSON_AddItemToArray(arr, p);
        orgs[i] = db_get_i64(&res, i, MP_ORG);
    }
    db_res_clear(&res);
    rc = notify_emit_orgs(db, NOTIFY_MATCH_MUTUAL, 0, orgs[0], orgs[1], d);
    cJSON_Delete(d);
    return rc;
}

static int interest_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct interest_args *a = arg;
    a->created = a->mutual = false;
    a->match_id = 0;
    /* Both project rows, locked in id order: the two sides of one pair serialize here, and a
     * close (UPDATE of the row) waits for us or we see it. */
    int64_t ids[2] = {a->id < a->target ? a->id : a->target, a->id < a->target ? a->target : a->id};
    for (size_t i = 0; i < 2; i++) {
        bool open;
        int rc = lock_open(db, ids[i], &open);
        if (rc)
            return rc;
        if (!open && ids[i] == a->id)
            return tx_fail(f, SD_ERR_CONFLICT, "project_closed", NULL,
                           "the project was closed meanwhile");
        if (!open)
            return tx_fail(f, SD_ERR_CONFLICT, "target_closed", "target_project_id",
                           "the project was closed meanwhile");
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
    rc = pending_bound(db, a, f);
    if (rc)
        return rc;
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
    rc = db_exec(db, &res, REVERSE_SELECT, "ii", a->target, a->id);
    if (rc)
        return rc;
    bool reverse = res.nrows && db_get(&res, 0, REVERSE_DECISION) &&
                   strcmp(db_get(&res, 0, REVERSE_DECISION), "interested") == 0;
    db_res_clear(&res);
    if (!reverse)
        return 0;
    rc = db_exec(db, &res,
                 "INSERT IGNORE INTO matches (supply_project_id, demand_project_id, score,"
                 " created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())",
                 "iid", a->supply, a->demand, a->score);
    if (rc)
        return rc;
    bool new_match = res.affected == 1;
    db_res_clear(&res);
    rc = db_exec(db, &res, MATCH_SELECT, "ii", a->supply, a->demand);
    if (rc)
        return rc;
    if (res.nrows) {
        a->mutual = true;
        a->match_id = db_get_i64(&res, 0, MATCH_ID);
        a->match_score = db_get_double(&res, 0, MATCH_SCORE);
        a->match_created_at = db_get_time(&res, 0, MATCH_CREATED);
    }
    db_res_clear(&res);
    return a->mutual && new_match ? match_notify(db, a->match_id, a->match_score, a->supply,
                                                 a->demand)
                                  : 0;
}

#define SHARED_MEMBER_SELECT                                                                       \
    "SELECT 1 FROM org_members a JOIN org_members b ON b.user_id = a.user_id"                      \
    " WHERE a.org_id = ? AND b.org_id = ? LIMIT 1"

/* The target of an interest of project p, into *t: another project (400 same_project) that
 * exists (404 target_not_found), of the other side (400 same_side) and another organization
 * (400 same_organization) with no member in common (409 own_organization), both open (409
 * project_closed, target_closed); every refusal about the
 * target names target_project_id. Returns 0, or -1 after replying. */
static int check_target(struct req *r, const struct project_ref *p, int64_t target,
                        struct project_ref *t)
{
    if (target == p->id) {
        reply_error(r, SD_ERR_INVALID, "same_project", "target_project_id",
                    "a project cannot express interest in itself");
        return -1;
    }
    struct tx_fail f = {0};
    int rc = access_project_tx(r->w->db, r, target, ACCESS_READ, false, t, &f);
    if (rc == SD_ERR_NOT_FOUND && f.err == rc) {
        reply_error(r, SD_ERR_NOT_FOUND, "target_not_found", "target_project_id", "no project %lld",
                    (long long)target);
        return -1;
    }
    if (rc) {
        reply_tx(r, rc, &f);
        return -1;
    }
    if (t->demand == p->demand) {
        reply_error(r, SD_ERR_INVALID, "same_side", "target_project_id",
                    "both projects are %s projects: interests pair supply with demand",
                    match_side_name(p->demand ? MATCH_DEMAND : MATCH_SUPPLY));
        return -1;
    }
    if (t->org_id == p->org_id) {
        reply_error(r, SD_ERR_INVALID, "same_organization", "target_project_id",
                    "both projects belong to the same organization");
        return -1;
    }
    /* A person's own organizations never pair up: no interest between two organizations that
     * share a member (the caller, or anyone else). */
    struct db_res res;
    if (req_exec(r, &res, SHARED_MEMBER_SELECT, "ii", p->org_id, t->org_id) < 0)
        return -1;
    bool shared = res.nrows > 0;
    db_res_clear(&res);
    if (shared) {
        reply_error(r, SD_ERR_CONFLICT, "own_organization", "target_project_id",
                    "both organizations have a member in common: a person's own organizations"
                    " cannot be matched with one another");
        return -1;
    }
    if (!p->open) {
        reply_error(r, SD_ERR_CONFLICT, "project_closed", NULL, "project %lld is closed",
                    (long long)p->id);
        return -1;
    }
    if (!t->open) {
        reply_error(r, SD_ERR_CONFLICT, "target_closed", "target_project_id",
                    "project %lld is closed", (long long)target);
        return -1;
    }
    return 0;
}

void interests_create(struct req *r)
{
    struct interest_args a = {.user_id = r->user.id,
                              .pending_max = r->app->cfg->match_pending_interests_max};
    if (req_param_id(r, 0, &a.id) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    int rc = json_int(r, body, "target_project_id", true, 1, INT64_MAX, &a.target);
    if (rc >= 0)
        rc = json_enum(r, body, "decision", true, decisions, &a.decision);
    cJSON_Delete(body);
    struct project_ref p, t;
    /* A member of the project's organization speaks for it; an admin is no member. */
    if (rc < 0 || access_project(r, a.id, ACCESS_MANAGE, &p) < 0 ||
        check_target(r, &p, a.target, &t) < 0)
        return;
    a.supply = p.demand ? a.target : a.id;
    a.demand = p.demand ? a.id : a.target;
    a.score = recs_pair_score(r->app->recs, a.supply, a.demand);
    if (req_tx(r, interest_tx, &a) < 0)
        return;
    recs_aux_changed(r->app->recs, r->w->rds); /* a not_interested vetoes a pair */
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "project_id", (double)a.id);
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

/* Rows of the sent and received lists: the interest, its pair's match id (NULL when none), my
 * project, the other one. */
enum {
    IR_DECISION,
    IR_UPDATED,
    IR_MATCH,
    IR_MINE,
    IR_THEIRS = IR_MINE + PROJECTS_SHORT_NCOLS,
};
#define INTEREST_COLS "SELECT i.decision, i.updated_at, x.id, " MINE ", " THEIRS
#define SENT_SELECT                                                                                \
    INTEREST_COLS MY_PROJECTS                                                                      \
        " JOIN interests i ON i.project_id = mp.id"                                                \
        " JOIN projects cp ON cp.id = i.target_project_id" COUNTERPART PAIR_MATCH                  \
        " WHERE m.user_id = ? ORDER BY i.updated_at DESC, i.id DESC LIMIT ?"
#define RECEIVED_SELECT                                                                            \
    INTEREST_COLS MY_PROJECTS                                                                      \
        " JOIN interests i ON i.target_project_id = mp.id AND i.decision = 'interested'"           \
        " JOIN projects cp ON cp.id = i.project_id" COUNTERPART PAIR_MATCH                         \
        " WHERE m.user_id = ? ORDER BY i.updated_at DESC, i.id DESC LIMIT ?"

/* Rows of the mutual list: the match, my project, the counterpart. */
enum {
    MU_ID,
    MU_SCORE,
    MU_CREATED,
    MU_MINE,
    MU_THEIRS = MU_MINE + PROJECTS_SHORT_NCOLS,
};
#define MUTUAL_COLS                                                                                \
    "SELECT x.id AS match_id, x.score, x.created_at AS matched_at, " MINE ", " THEIRS
/* My supply's matches, then my demand's (the ORDER BY sorts the union by the aliases). */
#define MUTUAL_SELECT                                                                              \
    MUTUAL_COLS MY_PROJECTS                                                                        \
        " JOIN matches x ON x.supply_project_id = mp.id"                                           \
        " JOIN projects cp ON cp.id = x.demand_project_id" COUNTERPART " WHERE m.user_id = ?"      \
        " UNION ALL " MUTUAL_COLS MY_PROJECTS " JOIN matches x ON x.demand_project_id = mp.id"     \
        " JOIN projects cp ON cp.id = x.supply_project_id" COUNTERPART " WHERE m.user_id = ?"      \
        " ORDER BY matched_at DESC, match_id DESC LIMIT ?"

static cJSON *interest_rows(const struct db_res *res, const char *mine_key, const char *theirs_key)
{
    cJSON *a = cJSON_CreateArray();
    size_t n = res->nrows > MATCHES_LIST_MAX ? MATCHES_LIST_MAX : res->nrows;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, mine_key, projects_short_json(res, i, IR_MINE));
        cJSON_AddItemToObject(o, theirs_key, projects_short_json(res, i, IR_THEIRS));
        const char *decision = db_get(res, i, IR_DECISION);
        cJSON_AddStringToObject(o, "decision", decision ? decision : "");
        json_add_time(o, "updated_at", db_get_time(res, i, IR_UPDATED));
        bool mutual = db_get(res, i, IR_MATCH) != NULL;
        cJSON_AddBoolToObject(o, "mutual", mutual);
        if (mutual)
            cJSON_AddNumberToObject(o, "match_id", (double)db_get_i64(res, i, IR_MATCH));
        else
            cJSON_AddNullToObject(o, "match_id");
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* The mutual list: each match with the counterpart organization's members and the contact
 * details they share (both sides agreed). 0, or -1 after replying. */
static int mutual_rows(struct req *r, const struct db_res *mut, cJSON *m)
{
    size_t n = mut->nrows > MATCHES_LIST_MAX ? MATCHES_LIST_MAX : mut->nrows;
    int64_t *orgs = xcalloc(n ? n : 1, sizeof(*orgs));
    for (size_t i = 0; i < n; i++)
        orgs[i] = db_get_i64(mut, i, MU_THEIRS + PROJECTS_SHORT_ORG);
    struct org_members members;
    int rc = organizations_members_load(r, orgs, n, &members);
    free(orgs);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "id", (double)db_get_i64(mut, i, MU_ID));
        cJSON_AddNumberToObject(x, "score", db_get_double(mut, i, MU_SCORE));
        json_add_time(x, "created_at", db_get_time(mut, i, MU_CREATED));
        cJSON_AddItemToObject(x, "project", projects_short_json(mut, i, MU_MINE));
        cJSON *cp = projects_short_json(mut, i, MU_THEIRS);
        cJSON_AddItemToObject(
            cJSON_GetObjectItemCaseSensitive(cp, "organization"), "members",
            organizations_members_json(&members,
                                       db_get_i64(mut, i, MU_THEIRS + PROJECTS_SHORT_ORG), true));
        cJSON_AddItemToObject(x, "counterpart", cp);
        cJSON_AddItemToArray(m, x);
    }
    organizations_members_clear(&members);
    return 0;
}

void interests_my_matches(struct req *r)
{
    struct db_res sent = {0}, recv = {0}, mut = {0};
    /* One more row than shown: whether a list was cut. */
    int64_t uid = r->user.id, lim = MATCHES_LIST_MAX + 1;
    if (req_exec(r, &sent, SENT_SELECT, "ii", uid, lim) < 0 ||
        req_exec(r, &recv, RECEIVED_SELECT, "ii", uid, lim) < 0 ||
        req_exec(r, &mut, MUTUAL_SELECT, "iii", uid, uid, lim) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "sent", interest_rows(&sent, "project", "target"));
    cJSON_AddItemToObject(o, "received", interest_rows(&recv, "project", "from"));
    if (mutual_rows(r, &mut, cJSON_AddArrayToObject(o, "mutual")) < 0) {
        cJSON_Delete(o);
        goto out;
    }
    /* Each list holds its MATCHES_LIST_MAX most recent rows; true here when there were more. */
    cJSON *t = cJSON_AddObjectToObject(o, "truncated");
    cJSON_AddBoolToObject(t, "sent", sent.nrows > MATCHES_LIST_MAX);
    cJSON_AddBoolToObject(t, "received", recv.nrows > MATCHES_LIST_MAX);
    cJSON_AddBoolToObject(t, "mutual", mut.nrows > MATCHES_LIST_MAX);
    cJSON_AddNumberToObject(o, "list_max", MATCHES_LIST_MAX);
    reply_json(r, 200, o);
out:
    db_res_clear(&sent);
    db_res_clear(&recv);
    db_res_clear(&mut);
}
