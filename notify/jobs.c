#include "notify/jobs.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify/notify.h"
#include "server/app.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/json.h"
#include "server/log.h"
#include "server/recs.h"
#include "server/timeutil.h"

/* Per pass: at most 2000 reminders and 500 projects (LIMITs in the SQL below); the rest wait
 * for the next pass. */
#define DIGEST_WINDOW 50 /* recommendations looked at per project */
#define DIGEST_ITEMS_MAX 10

/* Set when the thread is asked to stop: a long pass ends at the next notice. */
static atomic_bool stopping;

/* ---- reminders ---- */

#define ONCE_MISSING(kind, id, user)                                                               \
    " AND NOT EXISTS (SELECT 1 FROM notify_once o WHERE o.dedupe_key ="                            \
    " CONCAT('reminder:" kind ":', " id ", ':user:', " user "))"

enum { RM_KIND, RM_ID, RM_USER };
/* (kind, id, user) of every reminder due and not yet sent; binds: from, to (x3). */
#define REMINDERS_SQL                                                                              \
    "SELECT 'session', s.id, r.user_id FROM registrations r"                                       \
    " JOIN sessions s ON s.id = r.session_id JOIN events e ON e.id = s.event_id"                   \
    " WHERE r.status = 'confirmed' AND e.status = 'published'"                                     \
    " AND s.starts_at > ? AND s.starts_at <= ?" ONCE_MISSING("session", "s.id", "r.user_id")       \
    " UNION ALL SELECT 'pitch', p.id, p.presenter_user_id FROM pitches p"                          \
    " JOIN events e ON e.id = p.event_id WHERE e.status = 'published'"                             \
    " AND p.starts_at > ? AND p.starts_at <= ?"                                                    \
    ONCE_MISSING("pitch", "p.id", "p.presenter_user_id")                                           \
    " UNION ALL SELECT 'meeting', m.id, om.user_id FROM meetings m"                                \
    " JOIN meeting_slots sl ON sl.id = m.slot_id JOIN events e ON e.id = m.event_id"               \
    " JOIN org_members om ON om.org_id IN (m.org_a, m.org_b)"                                      \
    " WHERE m.status = 'scheduled' AND e.status = 'published'"                                     \
    " AND sl.starts_at > ? AND sl.starts_at <= ?" ONCE_MISSING("meeting", "m.id", "om.user_id")    \
    " LIMIT 2000"

struct reminder {
    const char *kind; /* session | pitch | meeting */
    int64_t id, user;
    int minutes;
    bool sent;
};

/* The data of a pitch or meeting reminder added to a notify_*_data object. */
static int add_pitch(struct db *db, int64_t id, cJSON **d)
{
    enum { RP_SESSION, RP_STARTS, RP_ENDS, RP_P_TITLE };
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT p.session_id, p.starts_at, p.ends_at, pr.title FROM pitches p"
                     " JOIN projects pr ON pr.id = p.project_id WHERE p.id = ?",
                     "i", id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return SD_ERR_NOT_FOUND;
    }
    *d = notify_session_data(db, db_get_i64(&res, 0, RP_SESSION), NULL, &rc);
    if (*d) {
        cJSON *p = cJSON_AddObjectToObject(*d, "pitch");
        cJSON_AddNumberToObject(p, "id", (double)id);
        cJSON_AddStringToObject(p, "project_title", db_get(&res, 0, RP_P_TITLE));
        json_add_time(p, "starts_at", db_get_time(&res, 0, RP_STARTS));
        json_add_time(p, "ends_at", db_get_time(&res, 0, RP_ENDS));
    }
    db_res_clear(&res);
    return rc;
}

static int add_meeting(struct db *db, int64_t id, cJSON **d)
{
    enum { RMT_EVENT, RMT_STARTS, RMT_ENDS, RMT_TABLE, RMT_A, RMT_A_NAME, RMT_B, RMT_B_NAME };
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT m.event_id, sl.starts_at, sl.ends_at, m.table_no, m.org_a, oa.name,"
                     " m.org_b, ob.name FROM meetings m JOIN meeting_slots sl ON sl.id = m.slot_id"
                     " JOIN organizations oa ON oa.id = m.org_a"
                     " JOIN organizations ob ON ob.id = m.org_b WHERE m.id = ?",
                     "i", id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return SD_ERR_NOT_FOUND;
    }
    *d = notify_event_data(db, db_get_i64(&res, 0, RMT_EVENT), &rc);
    if (*d) {
        cJSON *m = cJSON_AddObjectToObject(*d, "meeting");
        cJSON_AddNumberToObject(m, "id", (double)id);
        cJSON_AddStringToObject(m, "status", "scheduled");
        json_add_time(m, "starts_at", db_get_time(&res, 0, RMT_STARTS));
        json_add_time(m, "ends_at", db_get_time(&res, 0, RMT_ENDS));
        cJSON_AddNumberToObject(m, "table", (double)db_get_i64(&res, 0, RMT_TABLE));
        cJSON *orgs = cJSON_AddArrayToObject(m, "organizations");
        for (int k = 0; k < 2; k++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "id", (double)db_get_i64(&res, 0, k ? RMT_B : RMT_A));
            cJSON_AddStringToObject(o, "name", db_get(&res, 0, k ? RMT_B_NAME : RMT_A_NAME));
            cJSON_AddItemToArray(orgs, o);
        }
    }
    db_res_clear(&res);
    return rc;
}

static int reminder_tx(struct db *db, void *arg)
{
    struct reminder *a = arg;
    a->sent = false;
    cJSON *d = NULL;
    int64_t event_id = 0;
    int rc = 0;
    if (strcmp(a->kind, "session") == 0)
        d = notify_session_data(db, a->id, &event_id, &rc);
    else if (strcmp(a->kind, "pitch") == 0)
        rc = add_pitch(db, a->id, &d);
    else
        rc = add_meeting(db, a->id, &d);
    if (rc == SD_ERR_NOT_FOUND)
        rc = 0; /* gone meanwhile: nothing to remind of */
    if (rc || !d) {
        cJSON_Delete(d);
        return rc;
    }
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(d, "event");
    const cJSON *eid = ev ? cJSON_GetObjectItemCaseSensitive(ev, "id") : NULL;
    if (cJSON_IsNumber(eid))
        event_id = (int64_t)eid->valuedouble;
    cJSON *r = cJSON_AddObjectToObject(d, "reminder");
    cJSON_AddStringToObject(r, "subject", a->kind);
    cJSON_AddNumberToObject(r, "minutes_before", a->minutes);
    char key[128];
    snprintf(key, sizeof(key), "reminder:%s:%lld:user:%lld", a->kind, (long long)a->id,
             (long long)a->user);
    struct notice nt = {.type = NOTIFY_REMINDER, .event_id = event_id, .user_ids = &a->user,
                        .nusers = 1, .data = d, .dedupe_key = key};
    rc = notify_emit(db, &nt);
    cJSON_Delete(d);
    a->sent = rc == 0;
    return rc;
}

int notify_reminders_run(struct app *app, struct db *db, int64_t now)
{
    int minutes = app->cfg->reminder_minutes;
    char from[TIME_BUF], to[TIME_BUF];
    time_format_sql(now, from);
    time_format_sql(now + 60 * (int64_t)minutes, to);
    struct db_res res;
    int rc = db_exec(db, &res, REMINDERS_SQL, "ssssss", from, to, from, to, from, to);
    if (rc)
        return rc;
    int sent = 0;
    for (size_t i = 0; i < res.nrows && !rc && !atomic_load(&stopping); i++) {
        struct reminder a = {.kind = db_get(&res, i, RM_KIND),
                             .id = db_get_i64(&res, i, RM_ID),
                             .user = db_get_i64(&res, i, RM_USER),
                             .minutes = minutes};
        rc = db_tx(db, reminder_tx, &a);
        sent += a.sent;
    }
    db_res_clear(&res);
    return rc ? rc : sent;
}

/* ---- recommendation digests ---- */

enum { DP_ID, DP_ORG, DP_TITLE, DP_SIDE };
/* Open projects without a digest decision this period; binds: the period number. */
#define DIGEST_PROJECTS_SQL                                                                        \
    "SELECT p.id, p.org_id, p.title, p.side FROM projects p WHERE p.status = 'open'"              \
    " AND NOT EXISTS (SELECT 1 FROM notify_once o WHERE o.dedupe_key ="                            \
    " CONCAT('digest:project:', p.id, ':', ?)) ORDER BY p.id LIMIT 500"

struct digest {
    struct app *app;
    int64_t project_id, org_id, period;
    const char *title, *side;
    bool sent;
};

/* The counterparts to list: recommended above the threshold, not vetoed, not listed before. */
static int digest_items(struct db *db, struct digest *a, struct recs_item *items, size_t *n)
{
    enum { DV_ID };
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT target_project_id FROM interests WHERE project_id = ?"
                     " UNION SELECT project_id FROM interests WHERE target_project_id = ?"
                     " AND decision = 'not_interested'"
                     " UNION SELECT counterpart_id FROM notify_digest_items WHERE project_id = ?",
                     "iii", a->project_id, a->project_id, a->project_id);
    if (rc)
        return rc;
    int64_t *skip = xcalloc(res.nrows ? res.nrows : 1, sizeof(int64_t));
    for (size_t i = 0; i < res.nrows; i++)
        skip[i] = db_get_i64(&res, i, DV_ID);
    size_t nskip = res.nrows;
    db_res_clear(&res);
    size_t got = 0;
    rc = recs_recommend(a->app->recs, a->project_id, DIGEST_WINDOW, skip, nskip, items, &got);
    free(skip);
    if (rc == SD_ERR_NOT_FOUND) { /* not (yet) in this instance's index */
        *n = 0;
        return 0;
    }
    if (rc)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < got; i++) {
        if (items[i].score > a->app->cfg->digest_min_score && k < DIGEST_ITEMS_MAX) {
            struct recs_item t = items[k];
            items[k] = items[i];
            items[i] = t;
            k++;
        }
    }
    recs_items_free(items + k, got - k);
    *n = k;
    return 0;
}

static int digest_tx(struct db *db, void *arg)
{
    struct digest *a = arg;
    a->sent = false;
    char key[96];
    snprintf(key, sizeof(key), "digest:project:%lld:%lld", (long long)a->project_id,
             (long long)a->period);
    struct db_res res;
    /* The period's decision, digest or not: taken once, by whichever instance gets here first. */
    bool first;
    int rc = notify_once(db, key, &first);
    if (rc || !first)
        return rc;
    struct recs_item *items = xcalloc(DIGEST_WINDOW, sizeof(*items));
    size_t n = 0;
    rc = digest_items(db, a, items, &n);
    if (rc || n == 0) {
        recs_items_free(items, n);
        free(items);
        return rc;
    }
    recs_explain(a->app->recs, a->project_id, items, n, MATCH_LANG_ZH);
    cJSON *d = cJSON_CreateObject();
    cJSON *p = cJSON_AddObjectToObject(d, "project");
    cJSON_AddNumberToObject(p, "id", (double)a->project_id);
    cJSON_AddStringToObject(p, "title", a->title);
    cJSON_AddStringToObject(p, "side", a->side);
    cJSON_AddNumberToObject(d, "period_hours", a->app->cfg->digest_period_hours);
    cJSON *arr = cJSON_AddArrayToObject(d, "items");
    enum { DC_TITLE, DC_SIDE, DC_ORG, DC_ORG_NAME };
    for (size_t i = 0; i < n && !rc; i++) {
        rc = db_exec(db, &res,
                     "SELECT p.title, p.side, p.org_id, o.name FROM projects p"
                     " JOIN organizations o ON o.id = p.org_id WHERE p.id = ? AND p.status = 'open'",
                     "i", items[i].id);
        if (rc || !res.nrows) {
            db_res_clear(&res);
            continue;
        }
        cJSON *it = cJSON_CreateObject();
        cJSON *c = cJSON_AddObjectToObject(it, "project");
        cJSON_AddNumberToObject(c, "id", (double)items[i].id);
        cJSON_AddStringToObject(c, "title", db_get(&res, 0, DC_TITLE));
        cJSON_AddStringToObject(c, "side", db_get(&res, 0, DC_SIDE));
        cJSON_AddNumberToObject(c, "organization_id", (double)db_get_i64(&res, 0, DC_ORG));
        cJSON_AddStringToObject(c, "organization_name", db_get(&res, 0, DC_ORG_NAME));
        db_res_clear(&res);
        cJSON_AddNumberToObject(it, "score", items[i].score);
        cJSON_AddItemToObject(it, "reasons", items[i].reasons ? items[i].reasons
                                                              : cJSON_CreateArray());
        items[i].reasons = NULL;
        cJSON_AddItemToArray(arr, it);
        rc = db_exec(db, NULL,
                     "INSERT IGNORE INTO notify_digest_items (project_id, counterpart_id,"
                     " created_at) VALUES (?, ?, UTC_TIMESTAMP(3))",
                     "ii", a->project_id, items[i].id);
    }
    recs_items_free(items, n);
    free(items);
    if (!rc && cJSON_GetArraySize(arr) > 0) {
        int64_t *ids;
        size_t nids;
        rc = notify_org_members(db, a->org_id, &ids, &nids);
        if (!rc) {
            struct notice nt = {.type = NOTIFY_RECOMMENDATIONS_DIGEST, .org_ids = {a->org_id, 0},
                                .user_ids = ids, .nusers = nids, .data = d};
            rc = notify_emit(db, &nt);
            a->sent = rc == 0;
        }
        free(ids);
    }
    cJSON_Delete(d);
    return rc;
}

int notify_digests_run(struct app *app, struct db *db, int64_t now)
{
    int64_t period = now / (3600 * (int64_t)app->cfg->digest_period_hours);
    struct db_res res;
    int rc = db_exec(db, &res, DIGEST_PROJECTS_SQL, "i", period);
    if (rc)
        return rc;
    int sent = 0;
    for (size_t i = 0; i < res.nrows && !rc && !atomic_load(&stopping); i++) {
        struct digest a = {.app = app,
                           .project_id = db_get_i64(&res, i, DP_ID),
                           .org_id = db_get_i64(&res, i, DP_ORG),
                           .period = period,
                           .title = db_get(&res, i, DP_TITLE),
                           .side = db_get(&res, i, DP_SIDE)};
        rc = db_tx(db, digest_tx, &a);
        sent += a.sent;
    }
    db_res_clear(&res);
    return rc ? rc : sent;
}

/* ---- the thread ---- */

struct notify_jobs {
    struct app *app;
    pthread_t th;
    atomic_bool stop;
};

#define SLEEP_MS 200

static void *jobs_main(void *arg)
{
    struct notify_jobs *j = arg;
    struct db *db = db_new(j->app->cfg);
    int64_t next = 0;
    while (!atomic_load(&j->stop)) {
        int64_t mono = time_mono_us();
        if (mono < next) {
            usleep(SLEEP_MS * 1000);
            continue;
        }
        next = mono + 1000000LL * j->app->cfg->notify_jobs_interval_s;
        if (db_check(db) != 0)
            continue;
        int64_t now = time_now();
        int r1 = notify_reminders_run(j->app, db, now);
        int r2 = notify_digests_run(j->app, db, now);
        if (r1 < 0 || r2 < 0)
            log_warn("notification jobs: reminders %d, digests %d (retried next pass)", r1, r2);
        else if (r1 > 0 || r2 > 0)
            log_info("notification jobs: %d reminders, %d digests", r1, r2);
    }
    db_free(db);
    return NULL;
}

struct notify_jobs *notify_jobs_start(struct app *app)
{
    struct notify_jobs *j = xcalloc(1, sizeof(*j));
    j->app = app;
    atomic_store(&stopping, false);
    SD_ASSERT(pthread_create(&j->th, NULL, jobs_main, j) == 0);
    return j;
}

void notify_jobs_stop(struct notify_jobs *j)
{
    if (!j)
        return;
    atomic_store(&j->stop, true);
    atomic_store(&stopping, true);
    pthread_join(j->th, NULL);
    free(j);
}
