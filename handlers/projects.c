#include "handlers/projects.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matching/score.h"
#include "matching/tokenize.h"
#include "server/access.h"
#include "server/app.h"
#include "server/auth.h"
#include "server/buf.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/lcache.h"
#include "server/lang.h"
#include "server/query.h"
#include "server/limits.h"
#include "server/paging.h"
#include "server/recs.h"
#include "server/reqdb.h"
#include "server/vocab.h"
#include "base/xalloc.h"

/* In the order of enum match_side / enum match_stage. */
static const char *const sides[] = {"supply", "demand", NULL};
static const char *const stages[] = {"idea", "prototype", "pilot", "production", NULL};

#define BUDGET_LIMIT 1000000000000000LL /* 10^15 CNY: far above any project, exact in JSON */
#define TERMS_MAX 256      /* distinct text tokens of a project written to project_terms */
#define QUERY_TOKENS_MAX 8 /* distinct tokens of `q` that must all be present */
#define RECS_DEFAULT 10
#define RECS_MAX 100    /* items per page */
#define RECS_WINDOW 100 /* candidates ranked per request: the list ends there */
#define FETCH_BATCH 20  /* ids per "WHERE p.id IN (…)" when loading recommended projects */

/* ---------------------------------------------------------------------------------------- */
/* Reading projects                                                                         */

#define PROJECT_SELECT                                                                             \
    "SELECT p.id, p.org_id, p.side, p.title, p.description, p.sector, p.zone, p.tags,"             \
    " p.budget_min, p.budget_max, p.stage, p.status, p.created_by, p.created_at, p.updated_at,"    \
    " o.name, o.tier FROM projects p JOIN organizations o ON o.id = p.org_id"
enum {
    C_ID,
    C_ORG,
    C_SIDE,
    C_TITLE,
    C_DESC,
    C_SECTOR,
    C_ZONE,
    C_TAGS,
    C_BMIN,
    C_BMAX,
    C_STAGE,
    C_STATUS,
    C_CREATED_BY,
    C_CREATED,
    C_UPDATED,
    C_ORG_NAME,
    C_ORG_TIER
};

static const char *cell(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    return s ? s : "";
}

static cJSON *org_json(const struct db_res *res, size_t row, size_t id_col, size_t name_col,
                       size_t tier_col)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, row, id_col));
    cJSON_AddStringToObject(o, "name", cell(res, row, name_col));
    cJSON_AddStringToObject(o, "tier", cell(res, row, tier_col));
    return o;
}

/* The API form of a PROJECT_SELECT row. */
static cJSON *project_json(const struct db_res *res, size_t row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, row, C_ID));
    cJSON_AddNumberToObject(o, "organization_id", (double)db_get_i64(res, row, C_ORG));
    cJSON_AddItemToObject(o, "organization", org_json(res, row, C_ORG, C_ORG_NAME, C_ORG_TIER));
    cJSON_AddStringToObject(o, "side", cell(res, row, C_SIDE));
    cJSON_AddStringToObject(o, "title", cell(res, row, C_TITLE));
    cJSON_AddStringToObject(o, "description", cell(res, row, C_DESC));
    cJSON_AddStringToObject(o, "sector", cell(res, row, C_SECTOR));
    cJSON_AddStringToObject(o, "zone", cell(res, row, C_ZONE));
    cJSON *tags = cJSON_Parse(cell(res, row, C_TAGS));
    if (!cJSON_IsArray(tags)) {
        cJSON_Delete(tags);
        tags = cJSON_CreateArray();
    }
    cJSON_AddItemToObject(o, "tags", tags);
    cJSON_AddNumberToObject(o, "budget_min", (double)db_get_i64(res, row, C_BMIN));
    cJSON_AddNumberToObject(o, "budget_max", (double)db_get_i64(res, row, C_BMAX));
    cJSON_AddStringToObject(o, "stage", cell(res, row, C_STAGE));
    cJSON_AddStringToObject(o, "status", cell(res, row, C_STATUS));
    cJSON_AddNumberToObject(o, "created_by", (double)db_get_i64(res, row, C_CREATED_BY));
    json_add_time(o, "created_at", db_get_time(res, row, C_CREATED));
    json_add_time(o, "updated_at", db_get_time(res, row, C_UPDATED));
    return o;
}

/* Replies project `id` as stored now: `status` 200, or 201 with its Location; 404
 * project_not_found when there is none. */
static void reply_project(struct req *r, int64_t id, int status)
{
    struct db_res res;
    if (req_exec(r, &res, PROJECT_SELECT " WHERE p.id = ?", "i", id) < 0)
        return;
    if (!res.nrows)
        reply_error(r, SD_ERR_NOT_FOUND, "project_not_found", NULL, "no project %lld",
                    (long long)id);
    else if (status == 201)
        reply_created(r, project_json(&res, 0), "/api/v1/projects/%lld", (long long)id);
    else
        reply_json(r, status, project_json(&res, 0));
    db_res_clear(&res);
}

cJSON *projects_short_json(const struct db_res *res, size_t row, size_t col)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, row, col + PROJECTS_SHORT_ID));
    cJSON_AddStringToObject(o, "title", cell(res, row, col + PROJECTS_SHORT_TITLE));
    cJSON_AddStringToObject(o, "side", cell(res, row, col + PROJECTS_SHORT_SIDE));
    cJSON_AddStringToObject(o, "status", cell(res, row, col + PROJECTS_SHORT_STATUS));
    cJSON_AddItemToObject(o, "organization",
                          org_json(res, row, col + PROJECTS_SHORT_ORG,
                                   col + PROJECTS_SHORT_ORG_NAME, col + PROJECTS_SHORT_ORG_TIER));
    return o;
}

/* ---------------------------------------------------------------------------------------- */
/* Validation                                                                               */

enum {
    F_ORG = 1 << 0,
    F_SIDE = 1 << 1,
    F_TITLE = 1 << 2,
    F_DESC = 1 << 3,
    F_SECTOR = 1 << 4,
    F_ZONE = 1 << 5,
    F_TAGS = 1 << 6,
    F_BMIN = 1 << 7,
    F_BMAX = 1 << 8,
    F_STAGE = 1 << 9,
};

/* A validated body; strings borrow from the cJSON tree, tags are normalized copies. */
struct proj_in {
    unsigned set; /* F_* of the fields present */
    int64_t org_id;
    int side, stage;
    const char *title, *description, *sector, *zone;
    char tags[MATCH_TAGS_MAX][TOK_TAG_MAX_BYTES + 1];
    size_t ntags;
    int64_t budget_min, budget_max;
};

static int bad_tags(struct req *r, size_t i, const char *what)
{
    reply_error(r, SD_ERR_INVALID, "validation_failed", "tags", "tags[%zu] %s", i, what);
    return -1;
}

/* 1..MATCH_TAGS_MAX strings, each normalized (tok_tag_normalize) to 1..TOK_TAG_MAX_CHARS
 * characters; duplicates after normalization are dropped. Returns 0, 1 (absent, optional) or
 * -1 after replying. */
static int parse_tags(struct req *r, const cJSON *body, bool required, struct proj_in *in)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "tags");
    if (!v || cJSON_IsNull(v)) {
        if (!required)
            return 1;
        reply_error(r, SD_ERR_INVALID, "validation_failed", "tags",
                    "tags is required: 1 to %d tags", MATCH_TAGS_MAX);
        return -1;
    }
    if (!cJSON_IsArray(v)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "tags",
                    "tags must be an array of strings");
        return -1;
    }
    int n = cJSON_GetArraySize(v);
    if (n < 1 || n > MATCH_TAGS_MAX) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "tags", "tags must have 1 to %d items",
                    MATCH_TAGS_MAX);
        return -1;
    }
    char norm[MATCH_TAGS_MAX][TOK_TAG_MAX_BYTES + 1];
    char *ptr[MATCH_TAGS_MAX];
    size_t k = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, v)
    {
        if (!cJSON_IsString(t))
            return bad_tags(r, k, "must be a string");
        size_t len = strlen(t->valuestring);
        switch (json_text_check(t->valuestring, len, LIMIT_TAG_INPUT)) {
        case TEXT_OK:
            break;
        case TEXT_BAD:
            return bad_tags(r, k, "must be valid UTF-8 text without control characters");
        default:
            return bad_tags(r, k, "must have at most 32 characters");
        }
        switch (tok_tag_normalize(t->valuestring, len, norm[k], &len)) {
        case TOK_TAG_OK:
            break;
        case TOK_TAG_EMPTY:
            return bad_tags(r, k, "is empty");
        case TOK_TAG_TOO_LONG:
            return bad_tags(r, k, "must have at most 32 characters");
        default:
            return bad_tags(r, k, "must be valid UTF-8 text without control characters");
        }
        ptr[k] = norm[k];
        k++;
    }
    in->ntags = tok_tags_dedupe(ptr, k);
    for (size_t i = 0; i < in->ntags; i++)
        snprintf(in->tags[i], sizeof(in->tags[i]), "%s", ptr[i]);
    return 0;
}

/* Parses the fields of a create (`create`: the required ones must be there) or a PATCH body.
 * Returns 0 or -1 after replying. Cross-field checks (budget) are the caller's. */
static int parse_body(struct req *r, const cJSON *body, bool create, struct proj_in *in)
{
    int rc;
#define TRACK(expr, bit)                                                                           \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (rc < 0)                                                                                \
            return -1;                                                                             \
        if (rc == 0)                                                                               \
            in->set |= (bit);                                                                      \
    } while (0)
    TRACK(json_int(r, body, "organization_id", create, 1, INT64_MAX, &in->org_id), F_ORG);
    TRACK(json_enum(r, body, "side", create, sides, &in->side), F_SIDE);
    TRACK(json_text(r, body, "title", create, LIMIT_PROJECT_TITLE, &in->title), F_TITLE);
    TRACK(json_text(r, body, "description", false, LIMIT_PROJECT_DESCRIPTION, &in->description),
          F_DESC);
    /* sector, zone and stage: codes of GET /api/v1/vocabularies (their Chinese names and
     * aliases are taken and stored as the code); zone may be empty (none). */
    TRACK(json_vocab(r, body, "sector", create, VOCAB_SECTOR, false, LIMIT_SECTOR, &in->sector),
          F_SECTOR);
    TRACK(json_vocab(r, body, "zone", false, VOCAB_ZONE, true, LIMIT_ZONE, &in->zone), F_ZONE);
    TRACK(parse_tags(r, body, create, in), F_TAGS);
    TRACK(json_int(r, body, "budget_min", false, 0, BUDGET_LIMIT, &in->budget_min), F_BMIN);
    TRACK(json_int(r, body, "budget_max", false, 0, BUDGET_LIMIT, &in->budget_max), F_BMAX);
    const char *stage;
    TRACK(json_vocab(r, body, "stage", create, VOCAB_STAGE, false, LIMIT_SECTOR, &stage), F_STAGE);
    if (in->set & F_STAGE)
        in->stage = json_enum_index(stages, stage);
#undef TRACK
    return 0;
}

/* The normalized tags as a JSON array text (caller frees with cJSON_free). */
static char *tags_json(const struct proj_in *in)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < in->ntags; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(in->tags[i]));
    char *s = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* project_tags and project_terms                                                           */

/* INSERT IGNOREs (project_id, v[i]) for each of v[0..n) with db_batch, in chunks of one shape
 * only: the last chunk is filled up by repeating its last row, which INSERT IGNORE drops (the
 * row is the table's primary key). So tags and terms cost one prepared statement each, and a
 * project ceil(n / max_rows) round trips, as when this padding was written by hand. */
static int insert_rows(struct db *db, const char *head, int64_t id, const char *const *v, size_t n)
{
    struct db_batch b;
    int rc = 0;
    db_batch_init(&b, db, head, "(?, ?)", 2);
    for (size_t i = 0; !rc && i < n; i++)
        rc = db_batch_add(&b, (struct db_param[]){DB_I(id), DB_S(v[i])});
    while (!rc && b.nrows) /* db_batch_add sends the chunk once it is full */
        rc = db_batch_add(&b, (struct db_param[]){DB_I(id), DB_S(v[n - 1])});
    db_batch_deinit(&b);
    return rc;
}

/* Replaces the project_tags rows of `id`. */
static int write_tags(struct db *db, int64_t id, const struct proj_in *in, bool replace)
{
    if (replace) {
        int rc = db_exec(db, NULL, "DELETE FROM project_tags WHERE project_id = ?", "i", id);
        if (rc)
            return rc;
    }
    const char *v[MATCH_TAGS_MAX];
    for (size_t i = 0; i < in->ntags; i++)
        v[i] = in->tags[i];
    return insert_rows(db, "INSERT IGNORE INTO project_tags (project_id, tag) VALUES ", id, v,
                       in->ntags);
}

/* Distinct tokens of a text, in order of first appearance, at most `max`. */
struct terms {
    char **v;
    size_t *len;
    size_t n, max;
};

static void terms_emit(void *arg, const char *tok, size_t len)
{
    struct terms *t = arg;
    if (t->n == t->max)
        return;
    for (size_t i = 0; i < t->n; i++)
        if (t->len[i] == len && memcmp(t->v[i], tok, len) == 0)
            return;
    t->v[t->n] = xstrndup(tok, len);
    t->len[t->n] = len;
    t->n++;
}

static void terms_init(struct terms *t, size_t max)
{
    t->v = xcalloc(max, sizeof(*t->v));
    t->len = xcalloc(max, sizeof(*t->len));
    t->n = 0;
    t->max = max;
}

static void terms_deinit(struct terms *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    free(t->len);
}

/* Replaces the project_terms rows of `id` by the distinct tokens of title + description (title
 * first, at most TERMS_MAX). */
static int write_terms(struct db *db, int64_t id, const char *title, const char *description,
                       bool replace)
{
    if (replace) {
        int rc = db_exec(db, NULL, "DELETE FROM project_terms WHERE project_id = ?", "i", id);
        if (rc)
            return rc;
    }
    struct terms t;
    terms_init(&t, TERMS_MAX);
    tok_tokenize(title, strlen(title), terms_emit, &t);
    tok_tokenize(description, strlen(description), terms_emit, &t);
    int rc = insert_rows(db, "INSERT IGNORE INTO project_terms (project_id, term) VALUES ", id,
                         (const char *const *)t.v, t.n);
    terms_deinit(&t);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Create                                                                                   */

struct create_args {
    struct req *r;
    const struct proj_in *in;
    const char *tags;
    int64_t id;
};

/* What access_org_tx refused, as this route has always answered it: an organization_id of no
 * organization is a 400 naming organization_id (as pitches and competition entries answer a
 * project_id of no project), and a non-member's 403 not_member names it too. Returns the error. */
static int org_refused(struct tx_fail *f, int rc, int64_t org_id)
{
    if (rc != f->err)
        return rc; /* a lower layer failed */
    if (rc == SD_ERR_NOT_FOUND)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "organization_id",
                       "no organization %lld", (long long)org_id);
    f->field = "organization_id";
    return rc;
}

static int create_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct create_args *a = arg;
    const struct proj_in *in = a->in;
    struct org_ref org;
    int rc = access_org_tx(db, a->r, in->org_id, ACCESS_MANAGE, &org, f);
    if (rc)
        return org_refused(f, rc, in->org_id);
    struct db_res res;
    rc = db_exec(db, &res,
                 "INSERT INTO projects (org_id, side, title, description, sector, zone, tags,"
                 " budget_min, budget_max, stage, status, created_by, created_at, updated_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, UTC_TIMESTAMP(),"
                 " UTC_TIMESTAMP())",
                 "issssssiisi", in->org_id, sides[in->side], in->title, in->description, in->sector,
                 in->zone, a->tags, in->budget_min, in->budget_max, stages[in->stage],
                 a->r->user.id);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    rc = write_tags(db, a->id, in, false);
    if (!rc)
        rc = write_terms(db, a->id, in->title, in->description, false);
    return rc;
}

static int check_budget(struct req *r, int64_t lo, int64_t hi)
{
    if (lo > hi) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "budget_max",
                    "budget_max (%lld) must be at least budget_min (%lld)", (long long)hi,
                    (long long)lo);
        return -1;
    }
    return 0;
}

void projects_create(struct req *r)
{
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct proj_in *in = xcalloc(1, sizeof(*in));
    in->description = "";
    in->zone = "";
    struct create_args a = {.r = r, .in = in};
    if (parse_body(r, body, true, in) < 0 || check_budget(r, in->budget_min, in->budget_max) < 0)
        goto out;
    char *tags = tags_json(in);
    a.tags = tags;
    int rc = req_tx(r, create_tx, &a);
    cJSON_free(tags);
    if (rc < 0)
        goto out;
    recs_project_changed(r->app->recs, r->w->db, r->w->rds, a.id);
    reply_project(r, a.id, 201);
out:
    free(in);
    cJSON_Delete(body);
}

/* ---------------------------------------------------------------------------------------- */
/* Read                                                                                     */

void projects_get(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) == 0)
        reply_project(r, id, 200);
}

/* ---------------------------------------------------------------------------------------- */
/* Update                                                                                   */

struct update_args {
    const struct proj_in *in;
    int64_t id;
};

enum { U_ORG, U_SIDE, U_STATUS, U_TITLE, U_DESC, U_SECTOR, U_ZONE, U_BMIN, U_BMAX, U_STAGE };
#define UPDATE_SELECT                                                                              \
    "SELECT org_id, side, status, title, description, sector, zone, budget_min, budget_max, stage" \
    " FROM projects WHERE id = ? FOR UPDATE"

static int update_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct update_args *a = arg;
    const struct proj_in *in = a->in;
    struct db_res res;
    int rc = access_lock_key(db, "project", a->id); /* Galera: interests write it too */
    if (!rc)
        rc = db_exec(db, &res, UPDATE_SELECT, "i", a->id);
    if (rc)
        return rc;
    if (!res.nrows) {
        rc = tx_fail(f, SD_ERR_NOT_FOUND, "project_not_found", NULL, "no project %lld",
                     (long long)a->id);
        goto out;
    }
    if (strcmp(cell(&res, 0, U_STATUS), "open") != 0) {
        rc = tx_fail(f, SD_ERR_CONFLICT, "project_closed", NULL, "the project is closed");
        goto out;
    }
    if ((in->set & F_ORG) && in->org_id != db_get_i64(&res, 0, U_ORG)) {
        rc = tx_fail(f, SD_ERR_INVALID, "validation_failed", "organization_id",
                     "organization_id cannot change");
        goto out;
    }
    if ((in->set & F_SIDE) && strcmp(sides[in->side], cell(&res, 0, U_SIDE)) != 0) {
        rc = tx_fail(f, SD_ERR_INVALID, "validation_failed", "side",
                     "side cannot change: close this project and publish one on the other side");
        goto out;
    }
    const char *title = in->set & F_TITLE ? in->title : cell(&res, 0, U_TITLE);
    const char *desc = in->set & F_DESC ? in->description : cell(&res, 0, U_DESC);
    const char *sector = in->set & F_SECTOR ? in->sector : cell(&res, 0, U_SECTOR);
    const char *zone = in->set & F_ZONE ? in->zone : cell(&res, 0, U_ZONE);
    int64_t bmin = in->set & F_BMIN ? in->budget_min : db_get_i64(&res, 0, U_BMIN);
    int64_t bmax = in->set & F_BMAX ? in->budget_max : db_get_i64(&res, 0, U_BMAX);
    const char *stage = in->set & F_STAGE ? stages[in->stage] : cell(&res, 0, U_STAGE);
    if (bmin > bmax) {
        rc = tx_fail(f, SD_ERR_INVALID, "validation_failed", "budget_max",
                     "budget_max (%lld) must be at least budget_min (%lld)", (long long)bmax,
                     (long long)bmin);
        goto out;
    }
    char *tags = in->set & F_TAGS ? tags_json(in) : NULL;
    rc = db_exec(db, NULL,
                 "UPDATE projects SET title = ?, description = ?, sector = ?, zone = ?,"
                 " tags = COALESCE(?, tags), budget_min = ?, budget_max = ?, stage = ?,"
                 " updated_at = UTC_TIMESTAMP() WHERE id = ?",
                 "sssssiisi", title, desc, sector, zone, tags, bmin, bmax, stage, a->id);
    cJSON_free(tags);
    if (!rc && (in->set & F_TAGS))
        rc = write_tags(db, a->id, in, true);
    if (!rc && (in->set & (F_TITLE | F_DESC)))
        rc = write_terms(db, a->id, title, desc, true);
out:
    db_res_clear(&res);
    return rc;
}

void projects_update(struct req *r)
{
    struct update_args a = {0};
    struct project_ref p;
    if (req_param_id(r, 0, &a.id) < 0 || access_project(r, a.id, ACCESS_MANAGE, &p) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct proj_in *in = xcalloc(1, sizeof(*in));
    a.in = in;
    if (parse_body(r, body, false, in) == 0 && req_tx(r, update_tx, &a) == 0) {
        recs_project_changed(r->app->recs, r->w->db, r->w->rds, a.id);
        reply_project(r, a.id, 200);
    }
    free(in);
    cJSON_Delete(body);
}

/* ---------------------------------------------------------------------------------------- */
/* Close                                                                                    */

/* The close and, on Galera, the project's key, which an interest in it writes too. */
static int close_tx(struct db *db, void *arg, struct tx_fail *f)
{
    (void)f;
    int64_t id = *(const int64_t *)arg;
    int rc = access_lock_key(db, "project", id);
    return rc ? rc
              : db_exec(db, NULL,
                        "UPDATE projects SET status = 'closed', updated_at = UTC_TIMESTAMP()"
                        " WHERE id = ? AND status = 'open'",
                        "i", id);
}

void projects_close(struct req *r)
{
    int64_t id;
    struct project_ref p;
    /* Admins may close any project (moderation); only members edit one. */
    if (req_param_id(r, 0, &id) < 0 ||
        access_project(r, id, ACCESS_MANAGE | ACCESS_ADMIN_OK, &p) < 0 ||
        req_tx(r, close_tx, &id) < 0)
        return;
    recs_project_changed(r->app->recs, r->w->db, r->w->rds, id);
    reply_empty(r, 204);
}

/* ---------------------------------------------------------------------------------------- */
/* List                                                                                     */

struct qtokens {
    char v[QUERY_TOKENS_MAX][TOK_WORD_MAX_BYTES + 1];
    size_t n;
    bool more; /* more distinct tokens than QUERY_TOKENS_MAX (the rest are ignored) */
};

static void qtokens_emit(void *arg, const char *tok, size_t len)
{
    struct qtokens *q = arg;
    if (len > TOK_WORD_MAX_BYTES)
        return;
    for (size_t i = 0; i < q->n; i++)
        if (strlen(q->v[i]) == len && memcmp(q->v[i], tok, len) == 0)
            return;
    if (q->n == QUERY_TOKENS_MAX) {
        q->more = true;
        return;
    }
    memcpy(q->v[q->n], tok, len);
    q->v[q->n][len] = '\0';
    q->n++;
}

/* ?tag= normalized as tags are (tok_tag_normalize) into tag (TOK_TAG_MAX_BYTES + 1). Returns 0
 * or -1 after replying. */
static int normalize_query_tag(struct req *r, const char *raw, char *tag)
{
    size_t len;
    if (tok_tag_normalize(raw, strlen(raw), tag, &len) != TOK_TAG_OK) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "tag",
                    "tag must have 1 to %d characters", TOK_TAG_MAX_CHARS);
        return -1;
    }
    return 0;
}

static const char *const statuses[] = {"open", "closed", NULL};
enum { STATUS_OPEN, STATUS_CLOSED };

/* Who may list closed projects: a signed-in caller (401 otherwise), of the organization named
 * by organization_id when there is one (404 organization_not_found, 403 not_member; admins
 * may), else the list is limited to the caller's organizations (*mine, unless an admin).
 * Returns 0 or -1 after replying. */
static int closed_allowed(struct req *r, int64_t org_id, bool *mine)
{
    *mine = false;
    if (!r->user.id) {
        reply_error(r, SD_ERR_UNAUTHENTICATED, "unauthenticated", "status",
                    "closed projects are listed only to members of their organization: sign in");
        return -1;
    }
    if (org_id) {
        struct org_ref o;
        return access_org(r, org_id, ACCESS_MANAGE | ACCESS_ADMIN_OK, &o) < 0 ? -1 : 0;
    }
    *mine = !(r->user.roles & ROLE_ADMIN);
    return 0;
}

void projects_list(struct req *r)
{
    struct page pg;
    int side = -1, stage = -1, status = STATUS_OPEN;
    bool mine = false;
    int64_t org_id = 0;
    const char *sector = NULL, *zone = NULL, *tag_raw = NULL, *q = NULL;
    char tag[TOK_TAG_MAX_BYTES + 1];
    if (req_page(r, 20, 100, 1, &pg) < 0 || req_query_enum(r, "side", false, sides, &side) < 0 ||
        req_query_enum(r, "stage", false, stages, &stage) < 0 ||
        req_query_vocab(r, "sector", VOCAB_SECTOR, LIMIT_QUERY_SECTOR, &sector) < 0 ||
        req_query_vocab(r, "zone", VOCAB_ZONE, LIMIT_QUERY_ZONE, &zone) < 0 ||
        req_query_text(r, "tag", false, LIMIT_QUERY_TAG, &tag_raw) < 0 ||
        req_query_text(r, "q", false, LIMIT_QUERY_Q, &q) < 0 ||
        req_query_id(r, "organization_id", false, &org_id) < 0 ||
        req_query_enum(r, "status", false, statuses, &status) < 0 ||
        (tag_raw && normalize_query_tag(r, tag_raw, tag) < 0) ||
        (status == STATUS_CLOSED && closed_allowed(r, org_id, &mine) < 0))
        return;
    struct qtokens qt = {.n = 0};
    if (q)
        tok_tokenize(q, strlen(q), qtokens_emit, &qt);
    if (q && qt.n == 0) {
        /* Nothing searchable in q (punctuation only): nothing matches. */
        reply_page(r, cJSON_CreateArray(), false, NULL);
        return;
    }

    struct db_param p[32];
    size_t np = 0;
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, PROJECT_SELECT);
    if (tag_raw) {
        buf_puts(&sql, " JOIN project_tags pt ON pt.project_id = p.id AND pt.tag = ?");
        p[np++] = DB_S(tag);
    }
    if (qt.n) {
        /* Every token must be present: one join per token, always QUERY_TOKENS_MAX of them
         * (the last token repeated) so that q adds a single statement shape. */
        for (size_t i = 0; i < QUERY_TOKENS_MAX; i++) {
            size_t k = i < qt.n ? i : qt.n - 1;
            buf_printf(&sql, " JOIN project_terms q%zu ON q%zu.project_id = p.id AND q%zu.term = ?",
                       i, i, i);
            p[np++] = DB_S(qt.v[k]);
        }
    }
    if (mine) {
        buf_puts(&sql, " JOIN org_members mm ON mm.org_id = p.org_id AND mm.user_id = ?");
        p[np++] = DB_I(r->user.id);
    }
    /* Newest first: the cursor is the id of the last project of the previous page. */
    buf_puts(&sql, " WHERE p.status = ? AND p.id < ?");
    p[np++] = DB_S(statuses[status]);
    p[np++] = DB_I(page_key(&pg, 0, INT64_MAX));
    if (side >= 0) {
        buf_puts(&sql, " AND p.side = ?");
        p[np++] = DB_S(sides[side]);
    }
    if (stage >= 0) {
        buf_puts(&sql, " AND p.stage = ?");
        p[np++] = DB_S(stages[stage]);
    }
    if (sector) {
        buf_puts(&sql, " AND p.sector = ?");
        p[np++] = DB_S(sector);
    }
    if (zone) {
        buf_puts(&sql, " AND p.zone = ?");
        p[np++] = DB_S(zone);
    }
    if (org_id) {
        buf_puts(&sql, " AND p.org_id = ?");
        p[np++] = DB_I(org_id);
    }
    buf_puts(&sql, " ORDER BY p.id DESC LIMIT ?");
    p[np++] = DB_I(pg.limit + 1);
    SD_ASSERT(np <= SD_ARRAY_LEN(p));

    struct db_res res;
    int rc = req_execv(r, &res, sql.p, p, np);
    buf_deinit(&sql);
    if (rc < 0)
        return;
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    cJSON *items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, project_json(&res, i));
    reply_page(r, items, more, PAGE_KEYS(n ? db_get_i64(&res, n - 1, C_ID) : 0));
    db_res_clear(&res);
}

/* ---------------------------------------------------------------------------------------- */
/* Recommendations                                                                          */

/* The language of the reasons (server/query.h: req_lang). Returns 0 or -1 after replying. */
static int pick_lang(struct req *r, enum match_lang *out)
{
    enum lang l;
    if (req_lang(r, &l) < 0)
        return -1;
    *out = l == LANG_EN ? MATCH_LANG_EN : MATCH_LANG_ZH;
    return 0;
}

enum { VETO_PROJECT };
/* Pairs vetoed by a not_interested from either side, and the open projects of every
 * organization that shares a member with the project's organization or has the caller as a
 * member: a person's own organizations are never recommended to one another. */
#define VETO_SELECT                                                                                \
    "SELECT target_project_id FROM interests WHERE project_id = ?"                                 \
    " AND decision = 'not_interested' UNION"                                                       \
    " SELECT project_id FROM interests WHERE target_project_id = ?"                                \
    " AND decision = 'not_interested' UNION"                                                       \
    " SELECT p.id FROM org_members a JOIN org_members b ON b.user_id = a.user_id"                  \
    " JOIN projects p ON p.org_id = b.org_id AND p.status = 'open' WHERE a.org_id = ? UNION"       \
    " SELECT p.id FROM org_members c JOIN projects p ON p.org_id = c.org_id"                       \
    " AND p.status = 'open' WHERE c.user_id = ?"

/* The ids never to recommend to project p (VETO_SELECT). *out is malloc'd. 0, or -1 after
 * replying. */
static int load_vetoes(struct req *r, const struct project_ref *p, int64_t **out, size_t *n)
{
    struct db_res res;
    *out = NULL;
    *n = 0;
    if (req_exec(r, &res, VETO_SELECT, "iiii", p->id, p->id, p->org_id, r->user.id) < 0)
        return -1;
    if (res.nrows) {
        *out = xcalloc(res.nrows, sizeof(**out));
        for (size_t i = 0; i < res.nrows; i++)
            (*out)[i] = db_get_i64(&res, i, VETO_PROJECT);
        *n = res.nrows;
    }
    db_res_clear(&res);
    return 0;
}

/* The recommended projects as open in MySQL now, into proj[i] for items[i] (NULL for one closed
 * since the index last heard of it), FETCH_BATCH ids per statement of one shape (padded with
 * the last id). 0, or -1 after replying. */
static int fetch_projects(struct req *r, const struct recs_item *items, size_t n, cJSON **proj)
{
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, PROJECT_SELECT " WHERE p.status = 'open' AND p.id IN (");
    for (size_t i = 0; i < FETCH_BATCH; i++)
        buf_puts(&sql, i ? ", ?" : "?");
    buf_puts(&sql, ")");
    int rc = 0;
    for (size_t b = 0; b < n && !rc; b += FETCH_BATCH) {
        struct db_param prm[FETCH_BATCH];
        for (size_t i = 0; i < FETCH_BATCH; i++)
            prm[i] = DB_I(items[b + i < n ? b + i : n - 1].id);
        struct db_res res;
        rc = req_execv(r, &res, sql.p, prm, FETCH_BATCH);
        for (size_t row = 0; !rc && row < res.nrows; row++) {
            int64_t id = db_get_i64(&res, row, C_ID);
            for (size_t i = b; i < n && i < b + FETCH_BATCH; i++)
                if (items[i].id == id && !proj[i])
                    proj[i] = project_json(&res, row);
        }
        db_res_clear(&res);
    }
    buf_deinit(&sql);
    return rc;
}

/* Answers from the response cache (server/recs.h) when it holds this request's answer under the
 * state of now: returns true then. Else fills the key and the stamp (taken now, before anything
 * is read) for storing the answer computed afterwards. */
static bool recs_cached(struct req *r, int64_t id, enum match_lang lang, const struct page *pg,
                        struct recs_ckey *ck, struct recs_stamp *st, bool *cacheable, bool nowait)
{
    memset(ck, 0, sizeof(*ck));
    ck->project = id;
    ck->user = r->user.id;
    ck->roles = r->user.roles;
    ck->lang = (int)lang;
    ck->limit = pg->limit;
    ck->ncursor = pg->after.n;
    ck->cursor[0] = page_key(pg, 0, 0);
    ck->cursor[1] = page_key(pg, 1, 0);
    *cacheable = recs_stamp(r->app->recs, st, nowait);
    if (!*cacheable)
        return false;
    struct lcache_body *body = recs_cache_get(r->app->recs, ck, st);
    if (!body)
        return false;
    /* Sent by reference (server/server.c's finish(), as for the loop cache's hits). */
    r->lc_body = body;
    r->status = 200;
    r->resp_type = body->ctype;
    r->resp_len = body->len;
    return true;
}

bool projects_recommendations_loop(struct req *r)
{
    int64_t id;
    enum match_lang lang;
    struct page pg;
    struct recs_ckey ck;
    struct recs_stamp st;
    bool cacheable;
    if (!auth_cached(r))
        return false;
    /* A bad parameter gets the 400 the worker would give (the caller is authenticated). */
    if (req_page(r, RECS_DEFAULT, RECS_MAX, 2, &pg) < 0 || pick_lang(r, &lang) < 0 ||
        req_param_id(r, 0, &id) < 0)
        return true;
    return recs_cached(r, id, lang, &pg, &ck, &st, &cacheable, true);
}

void projects_recommendations(struct req *r)
{
    int64_t id;
    enum match_lang lang;
    struct project_ref p;
    struct page pg;
    struct recs_ckey ck;
    struct recs_stamp st;
    bool cacheable;
    /* Pages through the best RECS_WINDOW candidates (computed anew on every page); the cursor is
     * the (score, id) of the last item shown. */
    if (req_page(r, RECS_DEFAULT, RECS_MAX, 2, &pg) < 0 || pick_lang(r, &lang) < 0 ||
        req_param_id(r, 0, &id) < 0 || recs_cached(r, id, lang, &pg, &ck, &st, &cacheable, false) ||
        access_project(r, id, ACCESS_MANAGE | ACCESS_ADMIN_OK, &p) < 0)
        return;
    if (!p.open) {
        reply_error(r, SD_ERR_CONFLICT, "project_closed", NULL,
                    "project %lld is closed and gets no recommendations", (long long)id);
        return;
    }
    int64_t *veto;
    size_t nveto;
    if (load_vetoes(r, &p, &veto, &nveto) < 0)
        return;
    struct recs_item *items = xcalloc(RECS_WINDOW, sizeof(*items));
    size_t n = 0;
    int rc = recs_recommend(r->app->recs, id, RECS_WINDOW, veto, nveto, items, &n);
    free(veto);
    if (rc == SD_ERR_NOT_FOUND) {
        /* Open in MySQL but not yet in this instance's index (the sync is about to bring it). */
        rc = 0;
        n = 0;
    }
    /* This page: the list's items after the cursor, up to limit. The list is in the order
     * recs_recommend gives (exposure control may move an item below lower-scored ones), so the
     * cursor is the last item's position and id: the page resumes after that id, or after that
     * position when the id left the list meanwhile. */
    size_t from = 0;
    if (pg.after.n) {
        int64_t pos = page_key(&pg, 0, 0), kid = page_key(&pg, 1, 0);
        from = pos >= 0 && (uint64_t)pos < n ? (size_t)pos + 1 : n;
        for (size_t i = 0; i < n; i++)
            if (items[i].id == kid) {
                from = i + 1;
                break;
            }
    }
    size_t to = from + (size_t)pg.limit < n ? from + (size_t)pg.limit : n;
    bool more = to < n;
    recs_explain(r->app->recs, id, items + from, to - from, lang); /* the page only */
    cJSON **proj = xcalloc(n ? n : 1, sizeof(*proj));
    if (rc)
        reply_fail(r, rc);
    else if (fetch_projects(r, items + from, to - from, proj + from) == 0) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddNumberToObject(out, "project_id", (double)id);
        cJSON_AddStringToObject(out, "lang", lang_tags[lang]);
        cJSON_AddNumberToObject(out, "score_max", recs_score_max(r->app->recs));
        cJSON *arr = cJSON_AddArrayToObject(out, "items");
        for (size_t i = from; i < to; i++) {
            if (!proj[i] || !items[i].factors)
                continue; /* closed since the index last heard of it, or left it meanwhile */
            cJSON *it = cJSON_CreateObject();
            cJSON_AddItemToObject(it, "project", proj[i]);
            proj[i] = NULL;
            cJSON_AddNumberToObject(it, "score", items[i].score);
            cJSON_AddItemToObject(it, "reasons", items[i].reasons);
            cJSON_AddItemToObject(it, "factors", items[i].factors);
            items[i].reasons = items[i].factors = NULL;
            cJSON_AddItemToArray(arr, it);
        }
        page_add_next(r, out, more,
                      PAGE_KEYS(to ? (int64_t)(to - 1) : 0, to ? items[to - 1].id : 0));
        char *body = cJSON_PrintUnformatted(out);
        cJSON_Delete(out);
        size_t len = strlen(body);
        if (cacheable)
            recs_cache_put(r->app->recs, &ck, &st, body, len);
        reply_body(r, 200, "application/json; charset=utf-8", body, len);
    }
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(proj[i]);
    free(proj);
    recs_items_free(items, n);
    free(items);
}
