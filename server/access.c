#include "server/access.h"

#include <stdio.h>
#include <string.h>

#include "server/app.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/reqdb.h"

const char *const event_status_names[] = {"draft", "published", "cancelled", NULL};

static enum event_status status_of(const char *s)
{
    for (int i = 0; event_status_names[i]; i++)
        if (s && strcmp(s, event_status_names[i]) == 0)
            return (enum event_status)i;
    return EVENT_DRAFT; /* unknown: the most hidden */
}

bool access_event_manager(const struct req *r, int64_t organizer_id)
{
    return r->user.id != 0 && ((r->user.roles & ROLE_ADMIN) || r->user.id == organizer_id);
}

/* Replies what a _tx loader recorded: -1 when it failed, 0 otherwise. */
static int replied(struct req *r, int rc, const struct tx_fail *f)
{
    if (!rc)
        return 0;
    reply_tx(r, rc, f);
    return -1;
}

/* ---- events ---- */

enum { EV_ORGANIZER, EV_STATUS, EV_STARTS, EV_ENDS };
#define EVENT_REF_SQL "SELECT organizer_id, status, starts_at, ends_at FROM events WHERE id = ?"

static void event_ref_fill(const struct req *r, const struct db_res *res, int64_t id,
                           struct event_ref *ev)
{
    ev->id = id;
    ev->organizer_id = db_get_i64(res, 0, EV_ORGANIZER);
    ev->status = status_of(db_get(res, 0, EV_STATUS));
    ev->starts_at = db_get_time(res, 0, EV_STARTS);
    ev->ends_at = db_get_time(res, 0, EV_ENDS);
    ev->manager = access_event_manager(r, ev->organizer_id);
}

/* The rule for an event already loaded (found or not). */
static int event_rule(const struct event_ref *ev, bool found, unsigned need, const char *code,
                      const char *what, int64_t id, struct tx_fail *f)
{
    if (!found || (ev->status == EVENT_DRAFT && !ev->manager))
        return tx_fail(f, SD_ERR_NOT_FOUND, code, NULL, "no %s %lld", what, (long long)id);
    if ((need & ACCESS_MANAGE) && !ev->manager)
        return tx_fail(f, SD_ERR_FORBIDDEN, "forbidden", NULL,
                       "only the event's organizer or an admin may do this");
    return 0;
}

int access_event_lock(struct db *db, int64_t event_id)
{
    if (!db_is_galera(db))
        return 0; /* one server: SELECT ... FOR UPDATE is the lock */
    return db_exec(db, NULL, "UPDATE events SET lock_rev = lock_rev + 1 WHERE id = ?", "i",
                   event_id);
}

int access_lock_key(struct db *db, const char *kind, int64_t id)
{
    if (!db_is_galera(db))
        return 0;
    char k[40];
    snprintf(k, sizeof(k), "%s:%lld", kind, (long long)id);
    return db_exec(db, NULL,
                   "INSERT INTO lock_keys (k, rev) VALUES (?, 1) ON DUPLICATE KEY UPDATE rev = rev + 1",
                   "s", k);
}

int access_event_tx(struct db *db, const struct req *r, int64_t id, unsigned need, bool lock,
                    struct event_ref *out, struct tx_fail *f)
{
    struct db_res res;
    int rc = lock ? access_event_lock(db, id) : 0;
    if (rc)
        return rc;
    rc = db_exec(db, &res, lock ? EVENT_REF_SQL " FOR UPDATE" : EVENT_REF_SQL, "i", id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    memset(out, 0, sizeof(*out));
    if (found)
        event_ref_fill(r, &res, id, out);
    db_res_clear(&res);
    return event_rule(out, found, need, "event_not_found", "event", id, f);
}

int access_event(struct req *r, int64_t id, unsigned need, struct event_ref *out)
{
    struct tx_fail f = {0};
    return replied(r, access_event_tx(r->w->db, r, id, need, false, out, &f), &f);
}

/* ---- sessions ---- */

enum { SE_EVENT, SE_STARTS, SE_ENDS, SE_KIND, SE_PUBLISHED };
#define SESSION_REF_SQL                                                                            \
    "SELECT event_id, starts_at, ends_at, kind, results_published FROM sessions WHERE id = ?"

int access_session_tx(struct db *db, const struct req *r, int64_t id, unsigned need, bool lock,
                      struct session_ref *out, struct tx_fail *f)
{
    struct db_res res;
    memset(out, 0, sizeof(*out));
    int rc = db_exec(db, &res, lock ? SESSION_REF_SQL " FOR UPDATE" : SESSION_REF_SQL, "i", id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    if (found) {
        out->id = id;
        out->ev.id = db_get_i64(&res, 0, SE_EVENT);
        out->starts_at = db_get_time(&res, 0, SE_STARTS);
        out->ends_at = db_get_time(&res, 0, SE_ENDS);
        snprintf(out->kind, sizeof(out->kind), "%s",
                 db_get(&res, 0, SE_KIND) ? db_get(&res, 0, SE_KIND) : "");
        out->results_published = db_get_i64(&res, 0, SE_PUBLISHED) != 0;
    }
    db_res_clear(&res);
    if (found) {
        /* The session row first, then its event's: the order a registration locks them. */
        rc = lock ? access_event_lock(db, out->ev.id) : 0;
        if (rc)
            return rc;
        rc = db_exec(db, &res, lock ? EVENT_REF_SQL " FOR UPDATE" : EVENT_REF_SQL, "i", out->ev.id);
        if (rc)
            return rc;
        found = res.nrows > 0;
        if (found)
            event_ref_fill(r, &res, out->ev.id, &out->ev);
        db_res_clear(&res);
    }
    return event_rule(&out->ev, found, need, "session_not_found", "session", id, f);
}

int access_session(struct req *r, int64_t id, unsigned need, struct session_ref *out)
{
    struct tx_fail f = {0};
    return replied(r, access_session_tx(r->w->db, r, id, need, false, out, &f), &f);
}

int access_session_kind(struct req *r, const struct session_ref *s, const char *kind)
{
    if (strcmp(s->kind, kind) == 0)
        return 0;
    reply_error(r, SD_ERR_CONFLICT, "wrong_session_kind", NULL,
                "session %lld is a %s session, not %s", (long long)s->id, s->kind, kind);
    return -1;
}

/* ---- registrations ---- */

enum { RR_SESSION, RR_USER, RR_EVENT, RR_E_ORGANIZER, RR_E_STATUS, RR_E_STARTS, RR_E_ENDS };
#define REGISTRATION_REF_SQL                                                                       \
    "SELECT r.session_id, r.user_id, s.event_id, e.organizer_id, e.status, e.starts_at,"           \
    " e.ends_at FROM registrations r JOIN sessions s ON s.id = r.session_id"                       \
    " JOIN events e ON e.id = s.event_id WHERE r.id = ?"

int access_registration(struct req *r, int64_t id, struct registration_ref *out)
{
    struct db_res res;
    memset(out, 0, sizeof(*out));
    if (req_exec(r, &res, REGISTRATION_REF_SQL, "i", id) < 0)
        return -1;
    bool found = res.nrows > 0;
    if (found) {
        out->id = id;
        out->session_id = db_get_i64(&res, 0, RR_SESSION);
        out->user_id = db_get_i64(&res, 0, RR_USER);
        out->ev.id = db_get_i64(&res, 0, RR_EVENT);
        out->ev.organizer_id = db_get_i64(&res, 0, RR_E_ORGANIZER);
        out->ev.status = status_of(db_get(&res, 0, RR_E_STATUS));
        out->ev.starts_at = db_get_time(&res, 0, RR_E_STARTS);
        out->ev.ends_at = db_get_time(&res, 0, RR_E_ENDS);
        out->ev.manager = access_event_manager(r, out->ev.organizer_id);
    }
    db_res_clear(&res);
    if (!found || (out->user_id != r->user.id && !out->ev.manager)) {
        reply_error(r, SD_ERR_NOT_FOUND, "registration_not_found", NULL, "no registration %lld",
                    (long long)id);
        return -1;
    }
    return 0;
}

/* ---- organizations and projects ---- */

int access_is_member(struct db *db, int64_t org_id, int64_t user_id, bool *out)
{
    struct db_res res;
    *out = false;
    if (user_id == 0)
        return 0;
    int rc = db_exec(db, &res, "SELECT 1 FROM org_members WHERE org_id = ? AND user_id = ?", "ii",
                     org_id, user_id);
    if (rc)
        return rc;
    *out = res.nrows > 0;
    db_res_clear(&res);
    return 0;
}

static bool admin(const struct req *r)
{
    return (r->user.roles & ROLE_ADMIN) != 0;
}

int access_org_tx(struct db *db, const struct req *r, int64_t id, unsigned need,
                  struct org_ref *out, struct tx_fail *f)
{
    struct db_res res;
    memset(out, 0, sizeof(*out));
    int rc = db_exec(db, &res, "SELECT id FROM organizations WHERE id = ?", "i", id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    db_res_clear(&res);
    if (!found)
        return tx_fail(f, SD_ERR_NOT_FOUND, "organization_not_found", NULL, "no organization %lld",
                       (long long)id);
    out->id = id;
    rc = access_is_member(db, id, r->user.id, &out->member);
    if (rc)
        return rc;
    if ((need & ACCESS_MANAGE) && !out->member && !((need & ACCESS_ADMIN_OK) && admin(r)))
        return tx_fail(f, SD_ERR_FORBIDDEN, "not_member", NULL,
                       "only members of organization %lld may do this", (long long)id);
    return 0;
}

int access_org(struct req *r, int64_t id, unsigned need, struct org_ref *out)
{
    struct tx_fail f = {0};
    return replied(r, access_org_tx(r->w->db, r, id, need, out, &f), &f);
}

enum { PR_ORG, PR_SIDE, PR_STATUS };
#define PROJECT_REF_SQL "SELECT org_id, side, status FROM projects WHERE id = ?"

int access_project_tx(struct db *db, const struct req *r, int64_t id, unsigned need, bool lock,
                      struct project_ref *out, struct tx_fail *f)
{
    struct db_res res;
    memset(out, 0, sizeof(*out));
    int rc = db_exec(db, &res, lock ? PROJECT_REF_SQL " FOR UPDATE" : PROJECT_REF_SQL, "i", id);
    if (rc)
        return rc;
    bool found = res.nrows > 0;
    if (found) {
        out->id = id;
        out->org_id = db_get_i64(&res, 0, PR_ORG);
        out->demand = db_get(&res, 0, PR_SIDE) && strcmp(db_get(&res, 0, PR_SIDE), "demand") == 0;
        out->open = db_get(&res, 0, PR_STATUS) && strcmp(db_get(&res, 0, PR_STATUS), "open") == 0;
    }
    db_res_clear(&res);
    if (!found)
        return tx_fail(f, SD_ERR_NOT_FOUND, "project_not_found", NULL, "no project %lld",
                       (long long)id);
    rc = access_is_member(db, out->org_id, r->user.id, &out->member);
    if (rc)
        return rc;
    if ((need & ACCESS_MANAGE) && !out->member && !((need & ACCESS_ADMIN_OK) && admin(r)))
        return tx_fail(f, SD_ERR_FORBIDDEN, "not_member", NULL,
                       "only members of the project's organization may do this");
    return 0;
}

int access_project(struct req *r, int64_t id, unsigned need, struct project_ref *out)
{
    struct tx_fail f = {0};
    return replied(r, access_project_tx(r->w->db, r, id, need, false, out, &f), &f);
}
