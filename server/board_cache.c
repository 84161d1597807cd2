#include "server/board_cache.h"

#include <stdio.h>
#include <stdlib.h>

#include "matching/leaderboard.h"
#include "server/app.h"
#include "server/db.h"
#include "server/http.h"
#include "server/log.h"
#include "server/rds.h"

#define BOARD_TTL_S "86400"
#define MEMBER_MAX 64 /* "entry|raw_mean|judges": 20 + 1 + 24 + 1 + 11 digits and signs */
#define SCORE_MAX 32

void board_deinit(struct board *b)
{
    free(b->rows);
    *b = (struct board){0};
}

int board_bump(struct db *db, int64_t session_id)
{
    return db_exec(db, NULL,
                   "INSERT INTO competition_boards (session_id, version, updated_at)"
                   " VALUES (?, 1, UTC_TIMESTAMP())"
                   " ON DUPLICATE KEY UPDATE version = version + 1, updated_at = UTC_TIMESTAMP()",
                   "i", session_id);
}

/* ---- computed from MySQL ---- */

enum { VER_VERSION };
#define VERSION_SQL "SELECT version FROM competition_boards WHERE session_id = ?"

enum { ENT_ID };
#define ENTRIES_SQL "SELECT id FROM competition_entries WHERE session_id = ?"

enum { CRIT_ID, CRIT_WEIGHT, CRIT_MAX };
#define CRITERIA_SQL "SELECT id, weight, max_score FROM competition_criteria WHERE session_id = ?"

enum { SC_ENTRY, SC_JUDGE, SC_CRITERION, SC_VALUE };
#define SCORES_SQL                                                                                 \
    "SELECT entry_id, judge_user_id, criterion_id, value FROM competition_scores"                  \
    " WHERE session_id = ?"

static int version_of(struct db *db, int64_t sid, int64_t *out)
{
    struct db_res res;
    int rc = db_exec(db, &res, VERSION_SQL, "i", sid);
    if (rc)
        return rc;
    *out = res.nrows ? db_get_i64(&res, 0, VER_VERSION) : 0;
    db_res_clear(&res);
    return 0;
}

struct compute {
    int64_t sid;
    struct board *b;
};

static void board_fill(struct board *b, const struct db_res *ent, const struct db_res *cri,
                       const struct db_res *sc)
{
    int64_t *ids = xcalloc(ent->nrows ? ent->nrows : 1, sizeof(*ids));
    struct lb_criterion *c = xcalloc(cri->nrows ? cri->nrows : 1, sizeof(*c));
    struct lb_score *s = xcalloc(sc->nrows ? sc->nrows : 1, sizeof(*s));
    struct lb_total *tot = xcalloc(sc->nrows ? sc->nrows : 1, sizeof(*tot));
    for (size_t i = 0; i < ent->nrows; i++)
        ids[i] = db_get_i64(ent, i, ENT_ID);
    for (size_t i = 0; i < cri->nrows; i++)
        c[i] = (struct lb_criterion){.id = db_get_i64(cri, i, CRIT_ID),
                                     .weight = db_get_double(cri, i, CRIT_WEIGHT),
                                     .max_score = db_get_double(cri, i, CRIT_MAX)};
    for (size_t i = 0; i < sc->nrows; i++)
        s[i] = (struct lb_score){.entry_id = db_get_i64(sc, i, SC_ENTRY),
                                 .judge_id = db_get_i64(sc, i, SC_JUDGE),
                                 .criterion_id = db_get_i64(sc, i, SC_CRITERION),
                                 .value = db_get_double(sc, i, SC_VALUE)};
    size_t nt = lb_totals(c, cri->nrows, s, sc->nrows, tot);
    b->n = ent->nrows;
    b->rows = xcalloc(b->n ? b->n : 1, sizeof(*b->rows));
    lb_compute(ids, b->n, tot, nt, b->rows);
    free(tot);
    free(s);
    free(c);
    free(ids);
}

/* Everything read in one transaction: one consistent snapshot with its version. */
static int compute_tx(struct db *db, void *arg)
{
    struct compute *a = arg;
    struct db_res ent = {0}, cri = {0}, sc = {0};
    board_deinit(a->b);
    int rc = version_of(db, a->sid, &a->b->version);
    if (!rc)
        rc = db_exec(db, &ent, ENTRIES_SQL, "i", a->sid);
    if (!rc)
        rc = db_exec(db, &cri, CRITERIA_SQL, "i", a->sid);
    if (!rc)
        rc = db_exec(db, &sc, SCORES_SQL, "i", a->sid);
    if (!rc)
        board_fill(a->b, &ent, &cri, &sc);
    db_res_clear(&ent);
    db_res_clear(&cri);
    db_res_clear(&sc);
    return rc;
}

/* ---- kept in Redis ---- */

/* Writes the board unless Redis already holds a newer version (atomic in a script). */
static const char store_lua[] =
    "local cur = tonumber(redis.call('GET', KEYS[2]) or '-1')\n"
    "if cur > tonumber(ARGV[1]) then return 0 end\n"
    "redis.call('DEL', KEYS[1])\n"
    "for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])\n"
    "if #ARGV > 2 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 1\n";

struct keys {
    char board[128], version[128];
};

static void keys_of(struct rds *rds, int64_t sid, struct keys *k)
{
    rds_key(rds, k->board, sizeof(k->board), "lb:%lld", (long long)sid);
    rds_key(rds, k->version, sizeof(k->version), "lb:%lld:v", (long long)sid);
}

static int board_store(struct rds *rds, int64_t sid, const struct board *b)
{
    struct keys k;
    char ver[32];
    keys_of(rds, sid, &k);
    snprintf(ver, sizeof(ver), "%lld", (long long)b->version);
    int argc = 7 + 2 * (int)b->n;
    const char **argv = xcalloc((size_t)argc, sizeof(*argv));
    char *buf = xmalloc(b->n * (SCORE_MAX + MEMBER_MAX) + 1);
    argv[0] = "EVAL";
    argv[1] = store_lua;
    argv[2] = "2";
    argv[3] = k.board;
    argv[4] = k.version;
    argv[5] = ver;
    argv[6] = BOARD_TTL_S;
    for (size_t i = 0; i < b->n; i++) {
        char *score = buf + i * (SCORE_MAX + MEMBER_MAX), *member = score + SCORE_MAX;
        snprintf(score, SCORE_MAX, "%.17g", b->rows[i].score);
        snprintf(member, MEMBER_MAX, "%lld|%.17g|%d", (long long)b->rows[i].entry_id,
                 b->rows[i].raw_mean, b->rows[i].judges);
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
    struct keys k;
    keys_of(rds, sid, &k);
    struct rds_reply rep = {0};
    if (rds_cmd(rds, &rep, "GET %s", k.version) != 0)
        return false;
    bool ok = rep.type == RDS_STRING && strtoll(rep.str, NULL, 10) == version;
    rds_reply_clear(&rep);
    if (!ok || rds_cmd(rds, &rep, "ZREVRANGE %s 0 -1 WITHSCORES", k.board) != 0)
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
        board_deinit(b);
    return ok;
}

/* Recomputes from MySQL and writes Redis; a Redis failure only costs the next reader time.
 * 0 or SD_ERR_* (MySQL). */
static int board_refresh(struct req *r, int64_t sid, struct board *b)
{
    struct compute a = {.sid = sid, .b = b};
    int rc = db_tx(r->w->db, compute_tx, &a);
    if (rc)
        return rc;
    if (board_store(r->w->rds, sid, b) != 0)
        rlog_warn(r->id, "leaderboard %lld not written to Redis", (long long)sid);
    return 0;
}

int board_read(struct req *r, int64_t session_id, size_t n_entries, struct board *out)
{
    int64_t version;
    *out = (struct board){0};
    int rc = version_of(r->w->db, session_id, &version);
    if (!rc && !board_cached(r->w->rds, session_id, version, n_entries, out))
        rc = board_refresh(r, session_id, out);
    if (rc) {
        board_deinit(out);
        reply_fail(r, rc);
        return -1;
    }
    lb_sort(out->rows, out->n);
    return 0;
}

void board_changed(struct req *r, int64_t session_id)
{
    struct board b = {0};
    if (board_refresh(r, session_id, &b) != 0)
        rlog_warn(r->id, "leaderboard %lld not refreshed", (long long)session_id);
    board_deinit(&b);
}
