#include "handlers/invitations.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "notify/notify.h"
#include "server/access.h"
#include "server/app.h"
#include "server/recs.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"

static const char *const statuses[] = {"pending", "accepted", "declined", "revoked", NULL};

#define INV_SELECT                                                                                 \
    "SELECT i.id, i.org_id, o.name, o.tier, i.user_id, i.invited_by, i.status, i.created_at,"      \
    " i.responded_at FROM org_invitations i JOIN organizations o ON o.id = i.org_id"
enum {
    INV_ID,
    INV_ORG,
    INV_ORG_NAME,
    INV_ORG_TIER,
    INV_USER,
    INV_BY,
    INV_STATUS,
    INV_CREATED,
    INV_RESPONDED
};

static cJSON *inv_json(const struct db_res *res, size_t row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, row, INV_ID));
    cJSON *org = cJSON_AddObjectToObject(o, "organization");
    cJSON_AddNumberToObject(org, "id", (double)db_get_i64(res, row, INV_ORG));
    cJSON_AddStringToObject(org, "name", db_get(res, row, INV_ORG_NAME));
    cJSON_AddStringToObject(org, "tier", db_get(res, row, INV_ORG_TIER));
    cJSON_AddNumberToObject(o, "user_id", (double)db_get_i64(res, row, INV_USER));
    if (db_get(res, row, INV_BY))
        cJSON_AddNumberToObject(o, "invited_by", (double)db_get_i64(res, row, INV_BY));
    else
        cJSON_AddNullToObject(o, "invited_by");
    cJSON_AddStringToObject(o, "status", db_get(res, row, INV_STATUS));
    json_add_time(o, "created_at", db_get_time(res, row, INV_CREATED));
    json_add_time(o, "responded_at", db_get_time(res, row, INV_RESPONDED));
    return o;
}

static int load(struct db *db, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res, INV_SELECT " WHERE i.id = ?", "i", id);
    if (rc)
        return rc;
    if (res.nrows)
        *out = inv_json(&res, 0);
    db_res_clear(&res);
    return 0;
}

static void reply_loaded(struct req *r, int status, int64_t id)
{
    cJSON *o;
    int rc = load(r->w->db, id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        return;
    }
    /* No Location: there is no GET /api/v1/invitations/{id} to name (the invitation is in the
     * body; the invitee finds it in GET /api/v1/me/invitations). */
    reply_json(r, status, o);
}

/* The organization exists (else 404 organization_not_found) and the caller is one of its
 * members or an admin (else 403 not_member). Returns 0, or -1 after replying. */
static int org_manager(struct req *r, int64_t org)
{
    struct org_ref ref;
    return access_org(r, org, ACCESS_MANAGE | ACCESS_ADMIN_OK, &ref);
}

/* One page of INV_SELECT rows (limit + 1 asked), keyed by id. */
static void reply_inv_page(struct req *r, struct db_res *res, int limit)
{
    cJSON *items = cJSON_CreateArray();
    size_t n = res->nrows > (size_t)limit ? (size_t)limit : res->nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, inv_json(res, i));
    bool more = res->nrows > (size_t)limit;
    int64_t last = n ? db_get_i64(res, n - 1, INV_ID) : 0;
    db_res_clear(res);
    reply_page(r, items, more, PAGE_KEYS(last));
}

/* ---------------------------------------------------------------- invite */

struct create_args {
    int64_t org, user, by;
    int64_t id;
    bool issued; /* a new invitation, or a closed one reopened: 201; already pending: 200 */
};

enum { OPEN_ID, OPEN_STATUS };

/* organization.invitation to the invited user: the invitation with its organization and who
 * invited. */
static int invitation_notify(struct db *db, const struct create_args *a)
{
    enum { IN_ORG_NAME, IN_BY_NAME };
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT o.name, u.display_name FROM organizations o, users u"
                     " WHERE o.id = ? AND u.id = ?",
                     "ii", a->org, a->by);
    if (rc)
        return rc;
    cJSON *d = cJSON_CreateObject();
    cJSON *inv = cJSON_AddObjectToObject(d, "invitation");
    cJSON_AddNumberToObject(inv, "id", (double)a->id);
    cJSON *o = cJSON_AddObjectToObject(d, "organization");
    cJSON_AddNumberToObject(o, "id", (double)a->org);
    json_add_str_or_null(o, "name", res.nrows ? db_get(&res, 0, IN_ORG_NAME) : NULL);
    cJSON *by = cJSON_AddObjectToObject(d, "invited_by");
    cJSON_AddNumberToObject(by, "id", (double)a->by);
    json_add_str_or_null(by, "display_name", res.nrows ? db_get(&res, 0, IN_BY_NAME) : NULL);
    db_res_clear(&res);
    int64_t user = a->user;
    struct notice nt = {.type = NOTIFY_ORG_INVITATION, .org_ids = {a->org, 0}, .user_ids = &user,
                        .nusers = 1, .data = d};
    rc = notify_emit(db, &nt);
    cJSON_Delete(d);
    return rc;
}

static int create_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct create_args *a = arg;
    bool member = false;
    int rc = access_is_member(db, a->org, a->user, &member);
    if (rc)
        return rc;
    if (member)
        return tx_fail(f, SD_ERR_CONFLICT, "already_member", "user_id",
                       "user %lld is already a member", (long long)a->user);
    struct db_res res;
    rc = db_exec(db, &res,
                 "SELECT id, status FROM org_invitations WHERE org_id = ? AND user_id = ?"
                 " FOR UPDATE",
                 "ii", a->org, a->user);
    if (rc)
        return rc;
    if (res.nrows == 0) {
        db_res_clear(&res);
        rc = db_exec(db, &res,
                     "INSERT INTO org_invitations (org_id, user_id, invited_by, status,"
                     " created_at) VALUES (?, ?, ?, 'pending', UTC_TIMESTAMP())",
                     "iii", a->org, a->user, a->by);
        if (rc == SD_ERR_DUPLICATE) /* invited at this very moment by someone else: read it */
            return SD_ERR_RETRY;
        if (rc)
            return rc;
        a->id = (int64_t)res.insert_id;
        a->issued = true;
        db_res_clear(&res);
        return invitation_notify(db, a);
    }
    a->id = db_get_i64(&res, 0, OPEN_ID);
    bool pending = strcmp(db_get(&res, 0, OPEN_STATUS), "pending") == 0;
    db_res_clear(&res);
    if (pending)
        return 0;
    a->issued = true;
    rc = db_exec(db, NULL,
                 "UPDATE org_invitations SET status = 'pending', invited_by = ?,"
                 " created_at = UTC_TIMESTAMP(), responded_at = NULL WHERE id = ?",
                 "ii", a->by, a->id);
    return rc ? rc : invitation_notify(db, a);
}

void invitations_create(struct req *r)
{
    struct create_args a = {.by = r->user.id};
    if (req_param_id(r, 0, &a.org) < 0 || org_manager(r, a.org) < 0)
        return;
    if (json_body_id(r, "user_id", &a.user) < 0)
        return;
    struct db_res res;
    if (req_exec(r, &res, "SELECT 1 FROM users WHERE id = ?", "i", a.user) < 0)
        return;
    bool exists = res.nrows > 0;
    db_res_clear(&res);
    if (!exists) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "user_id", "no such user");
        return;
    }
    if (req_tx(r, create_tx, &a) < 0)
        return;
    reply_loaded(r, a.issued ? 201 : 200, a.id);
}

void invitations_list_org(struct req *r)
{
    int64_t org;
    struct page pg;
    int st = -1; /* any status */
    if (req_param_id(r, 0, &org) < 0 || req_page(r, 20, 100, 1, &pg) < 0 ||
        req_query_enum(r, "status", false, statuses, &st) < 0 || org_manager(r, org) < 0)
        return;
    const char *status = st >= 0 ? statuses[st] : NULL;
    struct db_res res;
    if (req_exec(r, &res,
                 INV_SELECT " WHERE i.org_id = ? AND i.id > ? AND (? IS NULL OR i.status = ?)"
                            " ORDER BY i.id LIMIT ?",
                 "iissi", org, page_key(&pg, 0, 0), status, status, (int64_t)pg.limit + 1) < 0)
        return;
    reply_inv_page(r, &res, pg.limit);
}

void invitations_mine(struct req *r)
{
    struct page pg;
    int st = 0; /* pending */
    if (req_page(r, 20, 100, 1, &pg) < 0 || req_query_enum(r, "status", false, statuses, &st) < 0)
        return;
    struct db_res res;
    if (req_exec(r, &res,
                 INV_SELECT " WHERE i.user_id = ? AND i.status = ? AND i.id > ?"
                            " ORDER BY i.id LIMIT ?",
                 "isii", r->user.id, statuses[st], page_key(&pg, 0, 0), (int64_t)pg.limit + 1) < 0)
        return;
    reply_inv_page(r, &res, pg.limit);
}

int invitations_pending_json(struct db *db, int64_t user_id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res,
                     INV_SELECT " WHERE i.user_id = ? AND i.status = 'pending' ORDER BY i.id"
                                " LIMIT 100",
                     "i", user_id);
    if (rc)
        return rc;
    *out = cJSON_CreateArray();
    for (size_t i = 0; i < res.nrows; i++)
        cJSON_AddItemToArray(*out, inv_json(&res, i));
    db_res_clear(&res);
    return 0;
}

/* ---------------------------------------------------------------- answer, revoke */

enum action { ACCEPT, DECLINE, REVOKE };

struct answer_args {
    int64_t id, caller;
    bool admin;
    enum action act;
};

static int set_status(struct db *db, int64_t id, const char *status)
{
    return db_exec(db, NULL,
                   "UPDATE org_invitations SET status = ?, responded_at = UTC_TIMESTAMP()"
                   " WHERE id = ?",
                   "si", status, id);
}

/* The one place a user becomes a member other than by creating the organization. */
static int join(struct db *db, int64_t org, int64_t user, int64_t invitation)
{
    bool member = false;
    int rc = access_is_member(db, org, user, &member);
    if (rc == 0 && !member)
        rc = db_exec(db, NULL,
                     "INSERT INTO org_members (org_id, user_id, member_role, created_at)"
                     " VALUES (?, ?, 'member', UTC_TIMESTAMP())",
                     "ii", org, user);
    return rc ? rc : set_status(db, invitation, "accepted");
}

enum { ANS_ORG, ANS_USER, ANS_STATUS };

static int answer_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct answer_args *a = arg;
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT org_id, user_id, status FROM org_invitations WHERE id = ? FOR UPDATE",
                     "i", a->id);
    if (rc)
        return rc;
    if (res.nrows == 0) {
        db_res_clear(&res);
        return tx_fail(f, SD_ERR_NOT_FOUND, "invitation_not_found", NULL, "no such invitation");
    }
    int64_t org = db_get_i64(&res, 0, ANS_ORG), user = db_get_i64(&res, 0, ANS_USER);
    char status[16];
    snprintf(status, sizeof(status), "%s", db_get(&res, 0, ANS_STATUS));
    db_res_clear(&res);
    bool invitee = user == a->caller, manager = a->admin;
    if (!manager && (rc = access_is_member(db, org, a->caller, &manager)) != 0)
        return rc;
    /* Nobody but the invited user and the organization's side learns that it exists. */
    if (!invitee && !manager)
        return tx_fail(f, SD_ERR_NOT_FOUND, "invitation_not_found", NULL, "no such invitation");
    bool pending = strcmp(status, "pending") == 0;
    switch (a->act) {
    case ACCEPT:
        if (!invitee)
            return tx_fail(f, SD_ERR_FORBIDDEN, "not_invitee", NULL,
                           "only the invited user may accept an invitation");
        if (strcmp(status, "accepted") == 0)
            return 0; /* again: nothing more to do */
        if (!pending)
            return tx_fail(f, SD_ERR_CONFLICT, "invitation_closed", NULL,
                           "this invitation was declined or revoked; ask for a new one");
        return join(db, org, user, a->id);
    case DECLINE:
        if (!invitee)
            return tx_fail(f, SD_ERR_FORBIDDEN, "not_invitee", NULL,
                           "only the invited user may decline an invitation");
        if (strcmp(status, "declined") == 0)
            return 0;
        if (!pending)
            return tx_fail(f, SD_ERR_CONFLICT,
                           strcmp(status, "accepted") == 0 ? "invitation_accepted"
                                                           : "invitation_closed",
                           NULL, "this invitation is no longer pending");
        return set_status(db, a->id, "declined");
    case REVOKE:
        if (!manager)
            return tx_fail(f, SD_ERR_FORBIDDEN, "not_member", NULL,
                           "only the organization's members revoke; the invited user declines");
        if (strcmp(status, "accepted") == 0)
            return tx_fail(f, SD_ERR_CONFLICT, "invitation_accepted", NULL,
                           "this invitation was accepted already");
        return pending ? set_status(db, a->id, "revoked") : 0;
    }
    return SD_ERR_INTERNAL;
}

static void answer(struct req *r, enum action act)
{
    struct answer_args a = {
        .caller = r->user.id, .admin = (r->user.roles & ROLE_ADMIN) != 0, .act = act};
    if (req_param_id(r, 0, &a.id) < 0)
        return;
    if (req_tx(r, answer_tx, &a) < 0)
        return;
    if (act == ACCEPT) /* a new member: access and vetoes of recommendations */
        recs_aux_changed(r->app->recs, r->w->rds);
    if (act == REVOKE)
        reply_empty(r, 204);
    else
        reply_loaded(r, 200, a.id);
}

void invitations_accept(struct req *r)
{
    answer(r, ACCEPT);
}

void invitations_decline(struct req *r)
{
    answer(r, DECLINE);
}

void invitations_revoke(struct req *r)
{
    answer(r, REVOKE);
}
