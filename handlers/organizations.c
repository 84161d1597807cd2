#include "handlers/organizations.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/app.h"
#include "server/recs.h"
#include "server/auth.h"
#include "server/buf.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/reqdb.h"
#include "server/vocab.h"
#include "base/xalloc.h"

const char *const organizations_tiers[] = {"leader", "innovative", "seed", "other", NULL};

enum { ORG_ID, ORG_NAME, ORG_TIER, ORG_SECTOR, ORG_ZONE, ORG_DESCRIPTION, ORG_CREATED, ORG_MEMBERS };
#define ORG_SELECT                                                                                 \
    "SELECT o.id, o.name, o.tier, o.sector, o.zone, o.description, o.created_at,"                  \
    " (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id)"                                  \
    " FROM organizations o WHERE o.id = ?"

/* Replies organization `id` with `status` (201 with its Location), 404 organization_not_found
 * when there is none. */
static void reply_org(struct req *r, int status, int64_t id)
{
    struct db_res res;
    if (req_exec(r, &res, ORG_SELECT, "i", id) < 0)
        return;
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_NOT_FOUND, "organization_not_found", NULL, "no organization %lld",
                    (long long)id);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(&res, 0, ORG_ID));
    cJSON_AddStringToObject(o, "name", db_get(&res, 0, ORG_NAME));
    cJSON_AddStringToObject(o, "tier", db_get(&res, 0, ORG_TIER));
    cJSON_AddStringToObject(o, "sector", db_get(&res, 0, ORG_SECTOR));
    cJSON_AddStringToObject(o, "zone", db_get(&res, 0, ORG_ZONE));
    cJSON_AddStringToObject(o, "description", db_get(&res, 0, ORG_DESCRIPTION));
    json_add_time(o, "created_at", db_get_time(&res, 0, ORG_CREATED));
    cJSON_AddNumberToObject(o, "member_count", (double)db_get_i64(&res, 0, ORG_MEMBERS));
    db_res_clear(&res);
    if (status == 201)
        reply_created(r, o, "/api/v1/organizations/%lld", (long long)id);
    else
        reply_json(r, status, o);
}

struct create_args {
    const char *name, *tier, *sector, *zone, *description;
    int64_t user_id;
    int64_t id;
};

static int create_tx(struct db *db, void *arg, struct tx_fail *f)
{
    (void)f; /* nothing to refuse: the body was validated */
    struct create_args *a = arg;
    struct db_res res;
    int rc = db_exec(db, &res,
                     "INSERT INTO organizations (name, tier, sector, zone, description,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                     "sssssi", a->name, a->tier, a->sector, a->zone, a->description, a->user_id);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return db_exec(db, NULL,
                   "INSERT INTO org_members (org_id, user_id, member_role, created_at)"
                   " VALUES (?, ?, 'owner', UTC_TIMESTAMP())",
                   "ii", a->id, a->user_id);
}

void organizations_create(struct req *r)
{
    if (auth_require(r, ROLE_ENTERPRISE | ROLE_ORGANIZER | ROLE_ADMIN) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct create_args a = {.user_id = r->user.id, .zone = "", .description = ""};
    /* tier, sector and zone are codes of GET /api/v1/vocabularies (or their Chinese names and
     * aliases, stored as the code); zone may be empty (none). */
    if (json_text(r, body, "name", true, LIMIT_ORG_NAME, &a.name) < 0 ||
        json_vocab(r, body, "tier", true, VOCAB_TIER, false, LIMIT_SECTOR, &a.tier) < 0 ||
        json_vocab(r, body, "sector", true, VOCAB_SECTOR, false, LIMIT_SECTOR, &a.sector) < 0 ||
        json_vocab(r, body, "zone", false, VOCAB_ZONE, true, LIMIT_ZONE, &a.zone) < 0 ||
        json_text(r, body, "description", false, LIMIT_ORG_DESCRIPTION, &a.description) < 0)
        goto out;
    if (req_tx(r, create_tx, &a) == 0) {
        recs_aux_changed(r->app->recs, r->w->rds); /* a new member row */
        reply_org(r, 201, a.id);
    }
out:
    cJSON_Delete(body);
}

void organizations_get(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) == 0)
        reply_org(r, 200, id);
}

/* ---- members of organizations (matches, meetings) ---------------------------------------- */

enum { MB_ORG, MB_USER, MB_NAME, MB_ROLE, MB_EMAIL, MB_PHONE, MB_WECHAT };
#define MEMBERS_BATCH 20 /* organizations per statement, padded with the last id */

void organizations_members_clear(struct org_members *m)
{
    for (size_t i = 0; i < m->nparts; i++)
        db_res_clear(&m->parts[i]);
    free(m->parts);
    m->parts = NULL;
    m->nparts = 0;
}

int organizations_members_load(struct req *r, const int64_t *org_ids, size_t n,
                               struct org_members *out)
{
    out->parts = NULL;
    out->nparts = 0;
    if (!n)
        return 0;
    out->parts = xcalloc((n + MEMBERS_BATCH - 1) / MEMBERS_BATCH, sizeof(*out->parts));
    struct buf sql;
    buf_init(&sql);
    buf_puts(&sql, "SELECT m.org_id, u.id, u.display_name, m.member_role, u.contact_email,"
                   " u.contact_phone, u.contact_wechat FROM org_members m"
                   " JOIN users u ON u.id = m.user_id WHERE m.org_id IN (");
    for (size_t i = 0; i < MEMBERS_BATCH; i++)
        buf_puts(&sql, i ? ", ?" : "?");
    /* owners first, then by joining order */
    buf_puts(&sql, ") ORDER BY m.org_id, m.member_role <> 'owner', m.created_at, u.id");
    int rc = 0;
    for (size_t b = 0; b < n && !rc; b += MEMBERS_BATCH) {
        struct db_param prm[MEMBERS_BATCH];
        for (size_t i = 0; i < MEMBERS_BATCH; i++)
            prm[i] = DB_I(org_ids[b + i < n ? b + i : n - 1]);
        rc = req_execv(r, &out->parts[out->nparts], sql.p, prm, MEMBERS_BATCH);
        if (!rc)
            out->nparts++;
    }
    buf_deinit(&sql);
    if (rc)
        organizations_members_clear(out);
    return rc;
}

cJSON *organizations_members_json(const struct org_members *m, int64_t org_id, bool contacts)
{
    static const struct {
        size_t col;
        const char *key;
    } fields[] = {{MB_EMAIL, "email"}, {MB_PHONE, "phone"}, {MB_WECHAT, "wechat"}};
    cJSON *a = cJSON_CreateArray();
    int shown = 0;
    /* An organization's rows are all in the first batch that names it. */
    const struct db_res *res = NULL;
    for (size_t p = 0; p < m->nparts && !res; p++)
        for (size_t i = 0; i < m->parts[p].nrows && !res; i++)
            if (db_get_i64(&m->parts[p], i, MB_ORG) == org_id)
                res = &m->parts[p];
    for (size_t i = 0; res && i < res->nrows && shown < ORG_MEMBERS_SHOWN; i++) {
        if (db_get_i64(res, i, MB_ORG) != org_id)
            continue;
        int64_t uid = db_get_i64(res, i, MB_USER);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "user_id", (double)uid);
        const char *name = db_get(res, i, MB_NAME), *role = db_get(res, i, MB_ROLE);
        cJSON_AddStringToObject(o, "display_name", name ? name : "");
        cJSON_AddStringToObject(o, "member_role", role ? role : "");
        if (contacts) {
            cJSON *c = cJSON_AddObjectToObject(o, "contact");
            for (size_t k = 0; k < SD_ARRAY_LEN(fields); k++) {
                const char *v = db_get(res, i, fields[k].col);
                if (v && *v)
                    cJSON_AddStringToObject(c, fields[k].key, v);
            }
        }
        cJSON_AddItemToArray(a, o);
        shown++;
    }
    return a;
}
