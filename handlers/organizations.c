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
#include "server/reqdb.h"
#include "server/vocab.h"

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
    if (req_tx(r, create_tx, &a) == 0)
        reply_org(r, 201, a.id);
out:
    cJSON_Delete(body);
}

void organizations_get(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) == 0)
        reply_org(r, 200, id);
}
