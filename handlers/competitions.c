#include "handlers/competitions.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/organizations.h"
#include "handlers/pitches.h"
#include "matching/leaderboard.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/log.h"
#include "server/rds.h"

#define BOARD_TTL_S "86400"
#define MAX_CRITERIA 50

/* ---- the leaderboard: computed from MySQL, kept in Redis ------------------------------------ */

struct board {
    int64_t version;
    struct lb_row *rows;
    size_t n;
};

static void board_clear(struct board *b)
{
    free(b->rows);
    *b = (struct board){0};
}

static int board_version(struct db *db, int64_t sid, int64_t *out)
{
    struct db_res res;
    int rc =
        db_exec(db, &res, "SELECT version FROM competition_boards WHERE session_id = ?", "i", sid);
    if (rc)
        return rc;
    *out = res.nrows ? db_get_i64(&res, 0, 0) : 0;
    db_res_clear(&res);
    return 0;
}

/* Counts a change that moves the leaderboard; call inside the changing transaction. */
static int board_bump(struct db *db, int64_t sid)
{
    return db_exec(db, NULL,
                   "INSERT INTO competition_boards (session_id, version, updated_at)"
                   " VALUES (?, 1, UTC_TIMESTAMP())"
                   " ON DUPLICATE KEY UPDATE version = version + 1, updated_at = UTC_TIMESTAMP()",
                   "i", sid);
}

struct compute_args {
    int64_t sid;
    struct board *b;
};

/* Everything read in one transaction: one consistent snapshot with its version. */
static int compute_tx(struct db *db, void *arg)
{
    struct compute_args *a = arg;
    struct board *b = a->b;
    board_clear(b);
    struct db_res ent = {0}, cri = {0}, sc = {0};
    int64_t *ids = NULL;
    struct lb_total *tot = NULL;
    int rc = board_version(db, a->sid, &b->version);
    if (!rc)
        rc = db_exec(db, &ent, "SELECT id FROM competition_entries WHERE session_id = ?", "i",
                     a->sid);
    if (!rc)
        rc = db_exec(db, &cri,
                     "SELECT id, weight, max_score FROM competition_criteria WHERE session_id = ?",
                     "i", a->sid);
    if (!rc)
        rc = db_exec(db, &sc,
                     "SELECT entry_id, judge_user_id, criterion_id, value FROM competition_scores"
                     " WHERE session_id = ? ORDER BY entry_id, judge_user_id",
                     "i", a->sid);
    if (rc)
        goto out;
    ids = xcalloc(ent.nrows ? ent.nrows : 1, sizeof(*ids));
    for (size_t i = 0; i < ent.nrows; i++)
        ids[i] = db_get_i64(&ent, i, 0);
    tot = xcalloc(sc.nrows ? sc.nrows : 1, sizeof(*tot));
    size_t nt = 0;
    for (size_t lo = 0; lo < sc.nrows;) {
        int64_t e = db_get_i64(&sc, lo, 0), j = db_get_i64(&sc, lo, 1);
        double num = 0, den = 0;
        size_t hi = lo;
        for (; hi < sc.nrows && db_get_i64(&sc, hi, 0) == e && db_get_i64(&sc, hi, 1) == j; hi++) {
            int64_t c = db_get_i64(&sc, hi, 2);
            for (size_t k = 0; k < cri.nrows; k++) {
                double mx = db_get_double(&cri, k, 2);
                if (db_get_i64(&cri, k, 0) == c && mx > 0) {
                    double w = db_get_double(&cri, k, 1);
                    num += w * db_get_double(&sc, hi, 3) / mx;
                    den += w;
                }
            }
        }
        if (den > 0)
            tot[nt++] = (struct lb_total){.entry_id = e, .judge_id = j, .total = 100 * num / den};
        lo = hi;
    }
    b->n = ent.nrows;
    b->rows = xcalloc(b->n ? b->n : 1, sizeof(*b->rows));
    lb_compute(ids, b->n, tot, nt, b->rows);
out:
    free(ids);
    free(tot);
    db_res_clear(&ent);
    db_res_clear(&cri);
    db_res_clear(&sc);
    return rc;
}

/* Writes the board unless Redis already holds a newer version (atomic in a script). */
static const char store_lua[] =
    "local cur = tonumber(redis.call('GET', KEYS[2]) or '-1')\n"
    "if cur > tonumber(ARGV[1]) then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])\n"
    "if #ARGV > 2 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 1\n";

static int board_store(struct rds *rds, int64_t sid, const struct board *b)
{
    char key[128], vkey[128], ver[32];
    rds_key(rds, key, sizeof(key), "lb:%lld", (long long)sid);
    rds_key(rds, vkey, sizeof(vkey), "lb:%lld:v", (long long)sid);
    snprintf(ver, sizeof(ver), "%lld", (long long)b->version);
    int argc = 7 + 2 * (int)b->n;
    const char **argv = xcalloc((size_t)argc, sizeof(*argv));
    char *buf = xmalloc(b->n * 96 + 1);
    argv[0] = "EVAL";
    argv[1] = store_lua;
    argv[2] = "2";
    argv[3] = key;
    argv[4] = vkey;
    argv[5] = ver;
    argv[6] = BOARD_TTL_S;
    for (size_t i = 0; i < b->n; i++) {
        char *score = buf + i * 96, *member = score + 32;
        snprintf(score, 32, "%.17g", b->rows[i].score);
        snprintf(member, 64, "%lld|%.17g|%d", (long long)b->rows[i].entry_id, b->rows[i].raw_mean,
                 b->rows[i].judges);
        argv[7 + 2 * i] = score;
        argv[8 + 2 * i] = member;
    }
    int rc = rds_cmd_argv(rds, NULL, argc, argv, NULL);
    free(buf);
    free(argv);
    return rc;
}

/* The cached board when Redis holds exactly `version` with `n_entries` entries. */
static bool board_cached(struct rds *rds, int64_t sid, int64_t version, size_t n_entries,
                         struct board *b)
{
    char key[128], vkey[128];
    rds_key(rds, key, sizeof(key), "lb:%lld", (long long)sid);
    rds_key(rds, vkey, sizeof(vkey), "lb:%lld:v", (long long)sid);
    struct rds_reply rep = {0};
    if (rds_cmd(rds, &rep, "GET %s", vkey) != 0)
        return false;
    bool ok = rep.type == RDS_STRING && strtoll(rep.str, NULL, 10) == version;
    rds_reply_clear(&rep);
    if (!ok || rds_cmd(rds, &rep, "ZREVRANGE %s 0 -1 WITHSCORES", key) != 0)
        return false;
    ok = rep.type == RDS_ARRAY && rep.n == 2 * n_entries;
    b->version = version;
    b->n = 0;
    b->rows = xcalloc(n_entries ? n_entries : 1, sizeof(*b->rows));
    for (size_t i = 0; ok && i < n_entries; i++) {
        const struct rds_reply *m = &rep.elem[2 * i], *s = &rep.elem[2 * i + 1];
        struct lb_row row = {0};
        long long id;
        ok = m->type == RDS_STRING && s->type == RDS_STRING &&
             sscanf(m->str, "%lld|%lf|%d", &id, &row.raw_mean, &row.judges) == 3;
        if (ok) {
            row.entry_id = id;
            row.score = strtod(s->str, NULL);
            b->rows[b->n++] = row;
        }
    }
    rds_reply_clear(&rep);
    if (!ok)
        board_clear(b);
    return ok;
}

/* Recomputes from MySQL and writes Redis; a Redis failure only costs the next reader time. */
static int board_refresh(struct req *r, int64_t sid, struct board *b)
{
    struct compute_args a = {.sid = sid, .b = b};
    int rc = db_tx(r->w->db, compute_tx, &a);
    if (rc)
        return rc;
    if (board_store(r->w->rds, sid, b) != 0)
        rlog_warn(r->id, "leaderboard %lld not written to Redis", (long long)sid);
    return 0;
}

/* After a committed change: keep Redis in step (best effort). */
static void board_changed(struct req *r, int64_t sid)
{
    struct board b = {0};
    if (board_refresh(r, sid, &b) != 0)
        rlog_warn(r->id, "leaderboard %lld not refreshed", (long long)sid);
    board_clear(&b);
}

/* ---- POST /sessions/{id}/criteria ----------------------------------------------------------- */

struct criterion_args {
    int64_t sid;
    const char *name;
    double weight, max_score;
    int64_t id;
    bool scoring_started, too_many;
};

static int criterion_tx(struct db *db, void *arg)
{
    struct criterion_args *a = arg;
    struct pitches_session s;
    a->scoring_started = a->too_many = false;
    int rc = pitches_session_load(db, a->sid, true, &s);
    if (rc)
        return rc;
    struct db_res res;
    rc = db_exec(db, &res, "SELECT 1 FROM competition_scores WHERE session_id = ? LIMIT 1", "i",
                 a->sid);
    if (rc)
        return rc;
    a->scoring_started = res.nrows > 0;
    db_res_clear(&res);
    if (a->scoring_started)
        return SD_ERR_CONFLICT;
    rc = db_exec(db, &res, "SELECT COUNT(*) FROM competition_criteria WHERE session_id = ?", "i",
                 a->sid);
    if (rc)
        return rc;
    a->too_many = db_get_i64(&res, 0, 0) >= MAX_CRITERIA;
    db_res_clear(&res);
    if (a->too_many)
        return SD_ERR_CONFLICT;
    rc =
        db_exec(db, &res,
                "INSERT INTO competition_criteria (session_id, name, weight, max_score, created_at)"
                " VALUES (?, ?, ?, ?, UTC_TIMESTAMP())",
                "isdd", a->sid, a->name, a->weight, a->max_score);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return 0;
}

void competitions_criteria_create(struct req *r)
{
    int64_t sid;
    struct pitches_session s;
    if (req_param_id(r, 0, &sid) < 0 || pitches_session_managed(r, sid, "competition", &s) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct criterion_args a = {.sid = sid};
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
    int rc = db_tx(r->w->db, criterion_tx, &a);
    if (rc == SD_ERR_CONFLICT && a.scoring_started) {
        reply_error(r, SD_ERR_CONFLICT, "scoring_started", NULL,
                    "judges have already scored this competition; criteria are fixed");
        goto out;
    }
    if (rc == SD_ERR_CONFLICT && a.too_many) {
        reply_error(r, SD_ERR_CONFLICT, "too_many_criteria", NULL,
                    "a competition has at most %d criteria", MAX_CRITERIA);
        goto out;
    }
    if (rc == SD_ERR_DUPLICATE) {
        reply_error(r, SD_ERR_CONFLICT, "criterion_exists", "name",
                    "this session already has a criterion of that name");
        goto out;
    }
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a.id);
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddStringToObject(o, "name", a.name);
    cJSON_AddNumberToObject(o, "weight", a.weight);
    cJSON_AddNumberToObject(o, "max_score", a.max_score);
    reply_json(r, 201, o);
out:
    cJSON_Delete(body);
}

/* ---- POST /sessions/{id}/entries ------------------------------------------------------------ */

struct entry_args {
    int64_t sid, project_id, user_id, id;
};

static int entry_tx(struct db *db, void *arg)
{
    struct entry_args *a = arg;
    struct db_res res;
    int rc = db_exec(db, &res,
                     "INSERT INTO competition_entries (session_id, project_id, created_by,"
                     " created_at) VALUES (?, ?, ?, UTC_TIMESTAMP())",
                     "iii", a->sid, a->project_id, a->user_id);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return board_bump(db, a->sid);
}

void competitions_entries_create(struct req *r)
{
    int64_t sid;
    struct pitches_session s;
    if (req_param_id(r, 0, &sid) < 0 || pitches_session_managed(r, sid, "competition", &s) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct entry_args a = {.sid = sid, .user_id = r->user.id};
    int rc = json_int(r, body, "project_id", true, 1, INT64_MAX, &a.project_id);
    cJSON_Delete(body);
    if (rc < 0)
        return;
    struct db_res res;
    rc = db_exec(r->w->db, &res,
                 "SELECT p.title, p.org_id, o.name FROM projects p"
                 " LEFT JOIN organizations o ON o.id = p.org_id WHERE p.id = ?",
                 "i", a.project_id);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_INVALID, "validation_failed", "project_id", "no such project");
        return;
    }
    rc = db_tx(r->w->db, entry_tx, &a);
    if (rc == SD_ERR_DUPLICATE) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_CONFLICT, "entry_exists", "project_id",
                    "this project is already entered in this competition");
        return;
    }
    if (rc) {
        db_res_clear(&res);
        reply_fail(r, rc);
        return;
    }
    board_changed(r, sid);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)a.id);
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddNumberToObject(o, "project_id", (double)a.project_id);
    json_add_str_or_null(o, "project_title", db_get(&res, 0, 0));
    cJSON_AddNumberToObject(o, "organization_id", (double)db_get_i64(&res, 0, 1));
    json_add_str_or_null(o, "organization_name", db_get(&res, 0, 2));
    db_res_clear(&res);
    reply_created(r, o, "/api/v1/entries/%lld", (long long)a.id);
}

/* ---- POST /sessions/{id}/judges ------------------------------------------------------------- */

void competitions_judges_create(struct req *r)
{
    int64_t sid, uid;
    struct pitches_session s;
    if (req_param_id(r, 0, &sid) < 0 || pitches_session_managed(r, sid, "competition", &s) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    int rc = json_int(r, body, "user_id", true, 1, INT64_MAX, &uid);
    cJSON_Delete(body);
    if (rc < 0)
        return;
    struct db_res res;
    rc = db_exec(r->w->db, &res, "SELECT display_name FROM users WHERE id = ?", "i", uid);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_INVALID, "validation_failed", "user_id", "no such user");
        return;
    }
    rc = db_exec(r->w->db, NULL,
                 "INSERT INTO competition_judges (session_id, user_id, created_by, created_at)"
                 " VALUES (?, ?, ?, UTC_TIMESTAMP())",
                 "iii", sid, uid, r->user.id);
    if (rc == SD_ERR_DUPLICATE) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_CONFLICT, "judge_exists", "user_id",
                    "this user already judges this competition");
        return;
    }
    if (rc) {
        db_res_clear(&res);
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddNumberToObject(o, "user_id", (double)uid);
    json_add_str_or_null(o, "display_name", db_get(&res, 0, 0));
    db_res_clear(&res);
    reply_json(r, 201, o);
}

/* ---- PUT /entries/{id}/scores --------------------------------------------------------------- */

struct crit {
    int64_t id;
    double weight, max_score;
    double value;
    bool given;
};

struct scores_args {
    int64_t entry_id, sid, judge;
    struct crit *c;
    size_t n;
    bool published, changed;
};

static int scores_tx(struct db *db, void *arg)
{
    struct scores_args *a = arg;
    struct db_res res;
    a->published = a->changed = false;
    int rc =
        db_exec(db, &res, "SELECT results_published FROM sessions WHERE id = ? LOCK IN SHARE MODE",
                "i", a->sid);
    if (rc)
        return rc;
    a->published = res.nrows && db_get_i64(&res, 0, 0) != 0;
    db_res_clear(&res);
    if (a->published)
        return SD_ERR_CONFLICT;
    rc = db_exec(db, &res, "SELECT COUNT(*) FROM competition_criteria WHERE session_id = ?", "i",
                 a->sid);
    if (rc)
        return rc;
    a->changed = db_get_i64(&res, 0, 0) != (int64_t)a->n;
    db_res_clear(&res);
    if (a->changed)
        return SD_ERR_CONFLICT;
    rc =
        db_exec(db, NULL, "DELETE FROM competition_scores WHERE entry_id = ? AND judge_user_id = ?",
                "ii", a->entry_id, a->judge);
    for (size_t i = 0; !rc && i < a->n; i++)
        rc = db_exec(db, NULL,
                     "INSERT INTO competition_scores (entry_id, judge_user_id, criterion_id,"
                     " session_id, value, updated_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                     "iiiid", a->entry_id, a->judge, a->c[i].id, a->sid, a->c[i].value);
    if (!rc)
        rc = board_bump(db, a->sid);
    return rc;
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

void competitions_scores_put(struct req *r)
{
    int64_t eid;
    if (req_param_id(r, 0, &eid) < 0)
        return;
    struct db *db = r->w->db;
    struct db_res res = {0};
    cJSON *body = NULL;
    struct scores_args a = {.entry_id = eid, .judge = r->user.id};
    int rc = db_exec(db, &res,
                     "SELECT e.session_id, p.org_id,"
                     " (SELECT COUNT(*) FROM competition_judges j"
                     "  WHERE j.session_id = e.session_id AND j.user_id = ?)"
                     " FROM competition_entries e LEFT JOIN projects p ON p.id = e.project_id"
                     " WHERE e.id = ?",
                     "ii", r->user.id, eid);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no entry %lld", (long long)eid);
        return;
    }
    a.sid = db_get_i64(&res, 0, 0);
    int64_t org = db_get_i64(&res, 0, 1);
    bool judge = db_get_i64(&res, 0, 2) > 0;
    db_res_clear(&res);
    if (!judge) {
        reply_error(r, SD_ERR_FORBIDDEN, "not_a_judge", NULL,
                    "only a judge assigned to this competition scores its entries");
        return;
    }
    bool member = false;
    rc = org ? organizations_is_member(db, org, r->user.id, &member) : 0;
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (member) {
        reply_error(r, SD_ERR_FORBIDDEN, "conflict_of_interest", NULL,
                    "a judge does not score an entry of their own organization");
        return;
    }
    body = json_body(r);
    if (!body)
        return;
    rc = db_exec(db, &res,
                 "SELECT id, weight, max_score FROM competition_criteria WHERE session_id = ?"
                 " ORDER BY id",
                 "i", a.sid);
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    if (res.nrows == 0) {
        reply_error(r, SD_ERR_CONFLICT, "no_criteria", NULL,
                    "this competition has no criteria yet");
        goto out;
    }
    a.n = res.nrows;
    a.c = xcalloc(a.n, sizeof(*a.c));
    for (size_t i = 0; i < a.n; i++)
        a.c[i] = (struct crit){.id = db_get_i64(&res, i, 0),
                               .weight = db_get_double(&res, i, 1),
                               .max_score = db_get_double(&res, i, 2)};
    if (parse_scores(r, body, a.c, a.n) < 0)
        goto out;
    rc = db_tx(db, scores_tx, &a);
    if (rc == SD_ERR_CONFLICT && a.published) {
        reply_error(r, SD_ERR_CONFLICT, "results_published", NULL,
                    "results are published; scores are final");
        goto out;
    }
    if (rc == SD_ERR_CONFLICT && a.changed) {
        reply_error(r, SD_ERR_CONFLICT, "criteria_changed", NULL,
                    "the criteria changed meanwhile; reload and score again");
        goto out;
    }
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    board_changed(r, a.sid);
    double *v = xcalloc(3 * a.n, sizeof(double)), *w = v + a.n, *mx = w + a.n;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "entry_id", (double)eid);
    cJSON_AddNumberToObject(o, "judge_user_id", (double)r->user.id);
    cJSON *so = cJSON_AddObjectToObject(o, "scores");
    for (size_t i = 0; i < a.n; i++) {
        char k[24];
        snprintf(k, sizeof(k), "%lld", (long long)a.c[i].id);
        cJSON_AddNumberToObject(so, k, a.c[i].value);
        v[i] = a.c[i].value;
        w[i] = a.c[i].weight;
        mx[i] = a.c[i].max_score;
    }
    cJSON_AddNumberToObject(o, "weighted_total", lb_weighted_total(v, w, mx, a.n));
    free(v);
    reply_json(r, 200, o);
out:
    free(a.c);
    db_res_clear(&res);
    cJSON_Delete(body);
}

/* ---- GET /sessions/{id}/leaderboard --------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void competitions_leaderboard(struct req *r)
{
    int64_t sid;
    if (req_param_id(r, 0, &sid) < 0)
        return;
    struct db *db = r->w->db;
    struct pitches_session s;
    int rc = pitches_session_load(db, sid, false, &s);
    bool manager = rc == 0 && pitches_can_manage(r, &s);
    if (rc == SD_ERR_NOT_FOUND || (rc == 0 && s.event_draft && !manager) ||
        (rc == 0 && strcmp(s.kind, "competition") != 0)) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no competition session %lld", (long long)sid);
        return;
    }
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!manager && !s.results_published) {
        reply_error(r, SD_ERR_FORBIDDEN, "results_not_published", NULL,
                    "the results of this competition are not published yet");
        return;
    }
    struct db_res ent;
    int64_t version;
    rc = board_version(db, sid, &version);
    if (!rc)
        rc = db_exec(db, &ent,
                     "SELECT e.id, e.project_id, p.title, p.org_id, o.name"
                     " FROM competition_entries e LEFT JOIN projects p ON p.id = e.project_id"
                     " LEFT JOIN organizations o ON o.id = p.org_id"
                     " WHERE e.session_id = ? ORDER BY e.id",
                     "i", sid);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    struct board b = {0};
    bool cached = board_cached(r->w->rds, sid, version, ent.nrows, &b);
    if (!cached) {
        rc = board_refresh(r, sid, &b);
        if (rc) {
            db_res_clear(&ent);
            reply_fail(r, rc);
            return;
        }
    }
    lb_sort(b.rows, b.n);
    int64_t *ids = xcalloc(ent.nrows ? ent.nrows : 1, sizeof(*ids));
    for (size_t i = 0; i < ent.nrows; i++)
        ids[i] = db_get_i64(&ent, i, 0);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddBoolToObject(o, "results_published", s.results_published);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    int rank = 0;
    for (size_t i = 0; i < b.n; i++) {
        int64_t *hit =
            ent.nrows ? bsearch(&b.rows[i].entry_id, ids, ent.nrows, sizeof(*ids), cmp_i64) : NULL;
        if (!hit)
            continue; /* entered after the snapshot */
        size_t k = (size_t)(hit - ids);
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "rank", ++rank);
        cJSON_AddNumberToObject(it, "entry_id", (double)b.rows[i].entry_id);
        cJSON_AddNumberToObject(it, "project_id", (double)db_get_i64(&ent, k, 1));
        json_add_str_or_null(it, "project_title", db_get(&ent, k, 2));
        cJSON_AddNumberToObject(it, "organization_id", (double)db_get_i64(&ent, k, 3));
        json_add_str_or_null(it, "organization_name", db_get(&ent, k, 4));
        cJSON_AddNumberToObject(it, "score", b.rows[i].score);
        cJSON_AddNumberToObject(it, "raw_mean", b.rows[i].raw_mean);
        cJSON_AddNumberToObject(it, "judge_count", b.rows[i].judges);
        cJSON_AddItemToArray(items, it);
    }
    free(ids);
    board_clear(&b);
    db_res_clear(&ent);
    reply_json(r, 200, o);
}

/* ---- POST /sessions/{id}/results/publish ---------------------------------------------------- */

struct publish_args {
    const struct req *r;
    int64_t sid, event_id;
};

static int publish_tx(struct db *db, void *arg)
{
    struct publish_args *a = arg;
    struct pitches_session s;
    int rc = pitches_session_load(db, a->sid, true, &s);
    if (rc || s.results_published)
        return rc;
    rc = db_exec(db, NULL, "UPDATE sessions SET results_published = 1 WHERE id = ?", "i", a->sid);
    if (rc)
        return rc;
    char subject[64];
    snprintf(subject, sizeof(subject), "session %lld", (long long)a->sid);
    return audit_record(db, a->r, a->event_id, "results_publish", subject,
                        "competition results published");
}

void competitions_publish(struct req *r)
{
    int64_t sid;
    struct pitches_session s;
    if (req_param_id(r, 0, &sid) < 0 || pitches_session_managed(r, sid, "competition", &s) < 0)
        return;
    struct publish_args a = {.r = r, .sid = sid, .event_id = s.event_id};
    int rc = db_tx(r->w->db, publish_tx, &a);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddBoolToObject(o, "results_published", true);
    reply_json(r, 200, o);
}

/* ---- GET /sessions/{id}/competition --------------------------------------------------------- */

void competitions_get(struct req *r)
{
    int64_t sid;
    if (req_param_id(r, 0, &sid) < 0)
        return;
    struct db *db = r->w->db;
    struct pitches_session s;
    int rc = pitches_session_load(db, sid, false, &s);
    if (rc == SD_ERR_NOT_FOUND || (rc == 0 && s.event_draft && !pitches_can_manage(r, &s)) ||
        (rc == 0 && strcmp(s.kind, "competition") != 0)) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no competition session %lld", (long long)sid);
        return;
    }
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    struct db_res cri = {0}, ent = {0}, jud = {0};
    rc = db_exec(db, &cri,
                 "SELECT id, name, weight, max_score FROM competition_criteria"
                 " WHERE session_id = ? ORDER BY id",
                 "i", sid);
    if (!rc)
        rc = db_exec(db, &ent,
                     "SELECT e.id, e.project_id, p.title, p.org_id, o.name"
                     " FROM competition_entries e LEFT JOIN projects p ON p.id = e.project_id"
                     " LEFT JOIN organizations o ON o.id = p.org_id"
                     " WHERE e.session_id = ? ORDER BY e.id",
                     "i", sid);
    if (!rc)
        rc = db_exec(db, &jud,
                     "SELECT j.user_id, u.display_name FROM competition_judges j"
                     " LEFT JOIN users u ON u.id = j.user_id WHERE j.session_id = ?"
                     " ORDER BY j.user_id",
                     "i", sid);
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "session_id", (double)sid);
    cJSON_AddBoolToObject(o, "results_published", s.results_published);
    cJSON *a = cJSON_AddArrayToObject(o, "criteria");
    for (size_t i = 0; i < cri.nrows; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "id", (double)db_get_i64(&cri, i, 0));
        json_add_str_or_null(it, "name", db_get(&cri, i, 1));
        cJSON_AddNumberToObject(it, "weight", db_get_double(&cri, i, 2));
        cJSON_AddNumberToObject(it, "max_score", db_get_double(&cri, i, 3));
        cJSON_AddItemToArray(a, it);
    }
    a = cJSON_AddArrayToObject(o, "entries");
    for (size_t i = 0; i < ent.nrows; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "id", (double)db_get_i64(&ent, i, 0));
        cJSON_AddNumberToObject(it, "project_id", (double)db_get_i64(&ent, i, 1));
        json_add_str_or_null(it, "project_title", db_get(&ent, i, 2));
        cJSON_AddNumberToObject(it, "organization_id", (double)db_get_i64(&ent, i, 3));
        json_add_str_or_null(it, "organization_name", db_get(&ent, i, 4));
        cJSON_AddItemToArray(a, it);
    }
    a = cJSON_AddArrayToObject(o, "judges");
    for (size_t i = 0; i < jud.nrows; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "user_id", (double)db_get_i64(&jud, i, 0));
        json_add_str_or_null(it, "display_name", db_get(&jud, i, 1));
        cJSON_AddItemToArray(a, it);
    }
    reply_json(r, 200, o);
out:
    db_res_clear(&cri);
    db_res_clear(&ent);
    db_res_clear(&jud);
}
