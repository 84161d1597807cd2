#include "handlers/organizations.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#include "server/app.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"

const char *const organizations_tiers[] = {"leader", "innovative", "seed", "other", NULL};

int organizations_is_member(struct db *db, int64_t org_id, int64_t user_id, bool *out)
{
    struct db_res res;
    int rc = db_exec(db, &res, "SELECT 1 FROM org_members WHERE org_id = ? AND user_id = ?", "ii",
                     org_id, user_id);
    if (rc)
        return rc;
    *out = res.nrows > 0;
    db_res_clear(&res);
    return 0;
}

static int load(struct db *db, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res,
                     "SELECT o.id, o.name, o.tier, o.sector, o.zone, o.description, o.created_at,"
                     " (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id)"
                     " FROM organizations o WHERE o.id = ?",
                     "i", id);
    if (rc)
        return rc;
    if (res.nrows) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "id", (double)db_get_i64(&res, 0, 0));
        cJSON_AddStringToObject(o, "name", db_get(&res, 0, 1));
        cJSON_AddStringToObject(o, "tier", db_get(&res, 0, 2));
        cJSON_AddStringToObject(o, "sector", db_get(&res, 0, 3));
        cJSON_AddStringToObject(o, "zone", db_get(&res, 0, 4));
        cJSON_AddStringToObject(o, "description", db_get(&res, 0, 5));
        json_add_time(o, "created_at", db_get_time(&res, 0, 6));
        cJSON_AddNumberToObject(o, "member_count", (double)db_get_i64(&res, 0, 7));
        *out = o;
    }
    db_res_clear(&res);
    return 0;
}

struct create_args {
    const char *name, *tier, *sector, *zone, *description;
    int64_t user_id;
    int64_t id;
};

static int create_tx(struct db *db, void *arg)
{
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
    int tier;
    if (json_text(r, body, "name", true, LIMIT_ORG_NAME, &a.name) < 0 ||
        json_enum(r, body, "tier", true, organizations_tiers, &tier) < 0 ||
        json_text(r, body, "sector", true, LIMIT_SECTOR, &a.sector) < 0 ||
        json_text(r, body, "zone", false, LIMIT_ZONE, &a.zone) < 0 ||
        json_text(r, body, "description", false, LIMIT_ORG_DESCRIPTION, &a.description) < 0)
        goto out;
    a.tier = organizations_tiers[tier];
    int rc = db_tx(r->w->db, create_tx, &a);
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    cJSON *o;
    rc = load(r->w->db, a.id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    reply_created(r, o, "/api/v1/organizations/%lld", (long long)a.id);
out:
    cJSON_Delete(body);
}

void organizations_get(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) < 0)
        return;
    cJSON *o;
    int rc = load(r->w->db, id, &o);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!o) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no organization %lld", (long long)id);
        return;
    }
    reply_json(r, 200, o);
}
