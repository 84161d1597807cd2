#include "handlers/events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/registrations.h"
#include "handlers/sessions.h"
#include "notify/notify.h"
#include "server/access.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/db.h"
#include "server/err.h"
#include "server/event_cache.h"
#include "server/http.h"
#include "server/json.h"
#include "server/limits.h"
#include "server/paging.h"
#include "server/query.h"
#include "server/reqdb.h"
#include "server/timeutil.h"
#include "server/tz.h"

static const char *const event_kinds[] = {"summit", "roadshow", "fair", NULL};

#define TIME_MIN 946684800LL  /* 2000-01-01: earlier times are typing mistakes */
#define TIME_MAX 4102444800LL /* 2100-01-01 */
#define EVENT_MAX_SPAN (366LL * 86400)
/* The check-in window around each session (POST /checkins), in minutes; defaults as in
 * sql/0017_checkin_window.sql. */
#define CHECKIN_OPENS_DEFAULT 120
#define CHECKIN_CLOSES_DEFAULT 60
#define CHECKIN_MIN_MAX 10080 /* a week */

/* An event as clients see it (EV_* columns of EVENT_SELECT). */
enum {
    EV_ID,
    EV_ORGANIZER,
    EV_TITLE,
    EV_KIND,
    EV_CITY,
    EV_VENUE,
    EV_DESCRIPTION,
    EV_STARTS,
    EV_ENDS,
    EV_STATUS,
    EV_CREATED,
    EV_UPDATED,
    EV_ORGANIZER_NAME,
    EV_CHECKIN_OPENS,
    EV_CHECKIN_CLOSES,
    EV_TIME_ZONE,
};
#define EVENT_SELECT                                                                               \
    "SELECT e.id, e.organizer_id, e.title, e.kind, e.city, e.venue, e.description, e.starts_at,"   \
    " e.ends_at, e.status, e.created_at, e.updated_at, u.display_name, e.checkin_opens_min,"       \
    " e.checkin_closes_min, e.time_zone FROM events e JOIN users u ON u.id = e.organizer_id"

static cJSON *event_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, EV_ID));
    cJSON_AddNumberToObject(o, "organizer_id", (double)db_get_i64(res, i, EV_ORGANIZER));
    cJSON *org = cJSON_AddObjectToObject(o, "organizer");
    cJSON_AddNumberToObject(org, "id", (double)db_get_i64(res, i, EV_ORGANIZER));
    cJSON_AddStringToObject(org, "display_name", db_get(res, i, EV_ORGANIZER_NAME));
    cJSON_AddStringToObject(o, "title", db_get(res, i, EV_TITLE));
    cJSON_AddStringToObject(o, "kind", db_get(res, i, EV_KIND));
    cJSON_AddStringToObject(o, "city", db_get(res, i, EV_CITY));
    cJSON_AddStringToObject(o, "venue", db_get(res, i, EV_VENUE));
    cJSON_AddStringToObject(o, "description", db_get(res, i, EV_DESCRIPTION));
    json_add_time(o, "starts_at", db_get_time(res, i, EV_STARTS));
    json_add_time(o, "ends_at", db_get_time(res, i, EV_ENDS));
    cJSON_AddStringToObject(o, "status", db_get(res, i, EV_STATUS));
    json_add_time(o, "created_at", db_get_time(res, i, EV_CREATED));
    json_add_time(o, "updated_at", db_get_time(res, i, EV_UPDATED));
    cJSON_AddNumberToObject(o, "checkin_opens_min", (double)db_get_i64(res, i, EV_CHECKIN_OPENS));
    cJSON_AddNumberToObject(o, "checkin_closes_min", (double)db_get_i64(res, i, EV_CHECKIN_CLOSES));
    cJSON_AddStringToObject(o, "time_zone", db_get(res, i, EV_TIME_ZONE));
    return o;
}

/* Time pair checks of an event: both in range, end after start, at most max_span apart. */
static int check_times(struct req *r, int64_t starts, int64_t ends, int64_t max_span)
{
    if (starts < TIME_MIN || starts >= TIME_MAX) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "starts_at",
                    "starts_at must be between 2000 and 2100");
        return -1;
    }
    if (ends <= starts || ends >= TIME_MAX) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "ends_at",
                    "ends_at must be after starts_at");
        return -1;
    }
    if (ends - starts > max_span) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "ends_at",
                    "ends_at must be within %lld days of starts_at", (long long)(max_span / 86400));
        return -1;
    }
    return 0;
}

/* The event with its sessions and their live counts, from MySQL, into *out (NULL when there is
 * no such event). 0, or -1 after replying. */
static int event_load(struct req *r, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    if (req_exec(r, &res, EVENT_SELECT " WHERE e.id = ?", "i", id) < 0)
        return -1;
    cJSON *o = res.nrows ? event_json(&res, 0) : NULL;
    db_res_clear(&res);
    if (o && sessions_add_json(r, id, cJSON_AddArrayToObject(o, "sessions")) < 0) {
        cJSON_Delete(o);
        return -1;
    }
    *out = o;
    return 0;
}

/* Replies the event as it stands after a committed change: 200, or 201 for a new one. */
static void reply_event(struct req *r, int64_t id, int status)
{
    cJSON *o;
    if (event_load(r, id, &o) < 0)
        return;
    if (!o)
        reply_fail(r, SD_ERR_INTERNAL); /* events are never deleted */
    else if (status == 201)
        reply_created(r, o, "/api/v1/events/%lld", (long long)id);
    else
        reply_json(r, status, o);
}

/* An empty query filter (`kind=`, as a form sends it) is no filter. */
static bool filter_given(const struct req *r, const char *name)
{
    const char *v = req_query(r, name);
    return v && *v;
}

/* Strict query strings: a parameter a list does not know is a 400 naming it, not silently
 * ignored (`?mine=1` or `?stauts=draft` would otherwise answer something else than asked).
 * `lang` is read on every route (server/query.h). 0, or -1 after replying. */
static int query_known(struct req *r, const char *const *known)
{
    for (size_t i = 0; i < r->nquery; i++) {
        const char *k = r->qkey[i];
        bool ok = strcmp(k, "lang") == 0;
        for (size_t j = 0; !ok && known[j]; j++)
            ok = strcmp(k, known[j]) == 0;
        if (ok)
            continue;
        if (strcmp(k, "mine") == 0)
            reply_error(r, SD_ERR_INVALID, "validation_failed", k,
                        "unknown query parameter mine: your own events are at GET /api/v1/me/events");
        else
            reply_error(r, SD_ERR_INVALID, "validation_failed", k, "unknown query parameter %s",
                        k);
        return -1;
    }
    return 0;
}

/* ---- events ---- */

struct event_fields {
    const char *title, *city, *venue, *description, *kind;
    const char *time_zone; /* an IANA zone of the system's database (server/tz.h); NULL: absent */
    int64_t starts_at, ends_at, checkin_opens, checkin_closes;
    bool has_starts, has_ends, has_checkin_opens, has_checkin_closes;
};

/* `time_zone`: optional; when present, a zone name that server/tz.h loads. 0, or -1 after a 400. */
static int event_time_zone(struct req *r, const cJSON *body, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "time_zone");
    if (!v)
        return 0;
    const char *s = cJSON_GetStringValue(v);
    if (!s || !tz_get(s)) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "time_zone",
                    "time_zone must be an IANA time zone name such as Asia/Shanghai");
        return -1;
    }
    *out = s;
    return 0;
}

/* Reads and validates the event fields; `create` makes the required ones required. */
static int event_fields_parse(struct req *r, const cJSON *body, bool create, struct event_fields *f)
{
    int kind = -1, rc;
    memset(f, 0, sizeof(*f));
    if (json_text(r, body, "title", create, LIMIT_EVENT_TITLE, &f->title) < 0 ||
        json_enum(r, body, "kind", create, event_kinds, &kind) < 0 ||
        json_text(r, body, "city", create, LIMIT_CITY, &f->city) < 0 ||
        json_text(r, body, "venue", false, LIMIT_VENUE, &f->venue) < 0 ||
        json_text(r, body, "description", false, LIMIT_EVENT_DESCRIPTION, &f->description) < 0 ||
        event_time_zone(r, body, &f->time_zone) < 0)
        return -1;
    if ((rc = json_time(r, body, "starts_at", create, &f->starts_at)) < 0)
        return -1;
    f->has_starts = rc == 0;
    if ((rc = json_time(r, body, "ends_at", create, &f->ends_at)) < 0)
        return -1;
    f->has_ends = rc == 0;
    if ((rc = json_int(r, body, "checkin_opens_min", false, 0, CHECKIN_MIN_MAX,
                       &f->checkin_opens)) < 0)
        return -1;
    f->has_checkin_opens = rc == 0;
    if ((rc = json_int(r, body, "checkin_closes_min", false, 0, CHECKIN_MIN_MAX,
                       &f->checkin_closes)) < 0)
        return -1;
    f->has_checkin_closes = rc == 0;
    if (kind >= 0)
        f->kind = event_kinds[kind];
    return 0;
}

/* Events do not start in the past: 0, or -1 after replying 400 naming starts_at. */
static int check_not_past(struct req *r, int64_t starts, int64_t now)
{
    if (starts >= now)
        return 0;
    reply_error(r, SD_ERR_INVALID, "validation_failed", "starts_at",
                "starts_at must not be in the past");
    return -1;
}

void events_create(struct req *r)
{
    if (auth_require(r, ROLE_ORGANIZER | ROLE_ADMIN) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct event_fields f;
    struct db_res res;
    char sa[TIME_BUF], ea[TIME_BUF];
    if (event_fields_parse(r, body, true, &f) < 0 ||
        check_times(r, f.starts_at, f.ends_at, EVENT_MAX_SPAN) < 0 ||
        check_not_past(r, f.starts_at, time_now()) < 0 ||
        req_exec(r, &res,
                 "INSERT INTO events (organizer_id, title, kind, city, venue, description,"
                 " starts_at, ends_at, checkin_opens_min, checkin_closes_min, status, created_at,"
                 " updated_at, time_zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft',"
                 " UTC_TIMESTAMP(), UTC_TIMESTAMP(), ?)",
                 "isssssssiis", r->user.id, f.title, f.kind, f.city, f.venue ? f.venue : "",
                 f.description ? f.description : "", time_format_sql(f.starts_at, sa),
                 time_format_sql(f.ends_at, ea),
                 f.has_checkin_opens ? f.checkin_opens : (int64_t)CHECKIN_OPENS_DEFAULT,
                 f.has_checkin_closes ? f.checkin_closes : (int64_t)CHECKIN_CLOSES_DEFAULT,
                 f.time_zone ? f.time_zone : TZ_DEFAULT) < 0)
        goto out;
    int64_t id = (int64_t)res.insert_id;
    db_res_clear(&res);
    reply_event(r, id, 201);
out:
    cJSON_Delete(body);
}

/* The public list shows published (default) or cancelled events; drafts are their organizer's,
 * at GET /me/events. */
static const char *const public_statuses[] = {"published", "cancelled", NULL};

void events_list(struct req *r)
{
    static const char *const known[] = {"limit", "cursor", "kind", "city", "from",
                                        "to",    "status", NULL};
    struct page pg;
    int kind = -1, status = 0;
    int64_t from = 0, to = 0;
    const char *city = NULL;
    if (query_known(r, known) < 0)
        return;
    if (filter_given(r, "status") && strcmp(req_query(r, "status"), "draft") == 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "status",
                    "drafts are not public: an organizer lists their own drafts at GET "
                    "/api/v1/me/events?status=draft");
        return;
    }
    if (req_page(r, 20, 100, 1, &pg) < 0 ||
        (filter_given(r, "status") &&
         req_query_enum(r, "status", true, public_statuses, &status) < 0) ||
        (filter_given(r, "kind") && req_query_enum(r, "kind", true, event_kinds, &kind) < 0) ||
        req_query_text(r, "city", false, LIMIT_QUERY_CITY, &city) < 0 ||
        (filter_given(r, "from") && req_query_time(r, "from", true, &from) < 0) ||
        (filter_given(r, "to") && req_query_time(r, "to", true, &to) < 0))
        return;
    if (from && to && to < from) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "to", "to must not be before from");
        return;
    }
    const char *k = kind >= 0 ? event_kinds[kind] : NULL, *c = city && *city ? city : NULL;
    char fb[TIME_BUF], tb[TIME_BUF];
    const char *fs = from ? time_format_sql(from, fb) : NULL;
    const char *ts = to ? time_format_sql(to, tb) : NULL;
    struct db_res res;
    /* An event matches [from, to] when it overlaps it. Oldest id first: the cursor is the id. */
    if (req_exec(r, &res,
                 EVENT_SELECT
                 " WHERE e.status = ? AND e.id > ?"
                 " AND (? IS NULL OR e.kind = ?) AND (? IS NULL OR e.city = ?)"
                 " AND (? IS NULL OR e.ends_at >= ?) AND (? IS NULL OR e.starts_at <= ?)"
                 " ORDER BY e.id LIMIT ?",
                 "sissssssssi", public_statuses[status], page_key(&pg, 0, 0), k, k, c, c, fs, fs,
                 ts, ts, (int64_t)pg.limit + 1) < 0)
        return;
    cJSON *items = cJSON_CreateArray();
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, event_json(&res, i));
    int64_t last = n ? db_get_i64(&res, n - 1, EV_ID) : 0;
    db_res_clear(&res);
    reply_page(r, items, more, PAGE_KEYS(last));
}

void events_list_mine(struct req *r)
{
    static const char *const known[] = {"limit", "cursor", "status", NULL};
    struct page pg;
    int status = -1;
    if (query_known(r, known) < 0 || req_page(r, 20, 100, 2, &pg) < 0 ||
        (filter_given(r, "status") &&
         req_query_enum(r, "status", true, event_status_names, &status) < 0))
        return;
    const char *st = status >= 0 ? event_status_names[status] : NULL;
    char cb[TIME_BUF];
    struct db_res res;
    /* Newest first, paged by (created_at, id) descending; admins see only their own here too. */
    if (req_exec(r, &res,
                 EVENT_SELECT " WHERE e.organizer_id = ? AND (? IS NULL OR e.status = ?)"
                              " AND (e.created_at, e.id) < (?, ?)"
                              " ORDER BY e.created_at DESC, e.id DESC LIMIT ?",
                 "isssii", r->user.id, st, st,
                 time_format_sql(page_key(&pg, 0, TIME_MAX), cb), page_key(&pg, 1, INT64_MAX),
                 (int64_t)pg.limit + 1) < 0)
        return;
    cJSON *items = cJSON_CreateArray();
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, event_json(&res, i));
    int64_t last_t = n ? db_get_time(&res, n - 1, EV_CREATED) : 0;
    int64_t last_id = n ? db_get_i64(&res, n - 1, EV_ID) : 0;
    db_res_clear(&res);
    reply_page(r, items, more, PAGE_KEYS(last_t, last_id));
}

/* A signed-in reader's page carries their own registrations: it is theirs alone. Such a request
 * has an Authorization header, which keeps it out of the loop cache (server/lcache.h); the
 * Redis copy is written before the personal part is added. */
static void make_private(struct req *r)
{
    free(r->lc_key); /* never set for a request with a token; belt and braces */
    r->lc_key = NULL;
    reply_header(r, "Cache-Control", "no-store");
}

void events_get(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) < 0)
        return;
    /* Cached: published and cancelled events without counts; the counts come from MySQL on every
     * read, so a user's own registration shows at once, and a Redis outage costs speed only. */
    cJSON *o = event_cache_get(r, id);
    if (o) {
        int rc = sessions_fill_counts(r, id, cJSON_GetObjectItem(o, "sessions"));
        if (rc == 0 && r->user.id)
            rc = registrations_add_mine(r, id, o);
        if (rc == 0) {
            if (r->user.id)
                make_private(r);
            reply_json(r, 200, o);
            return;
        }
        cJSON_Delete(o);
        if (rc < 0)
            return;
    }
    struct event_cache_ticket ticket;
    struct event_ref ev;
    event_cache_begin(r, id, &ticket); /* before MySQL: see server/event_cache.h */
    if (access_event(r, id, ACCESS_READ, &ev) < 0 || event_load(r, id, &o) < 0)
        return;
    if (!o) {
        reply_error(r, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event %lld", (long long)id);
        return;
    }
    if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "status")), "draft") != 0)
        event_cache_put(r, id, &ticket, o); /* counts inside are overwritten on every hit */
    if (r->user.id) {
        if (registrations_add_mine(r, id, o) < 0) {
            cJSON_Delete(o);
            return;
        }
        make_private(r);
    }
    reply_json(r, 200, o);
}

struct event_update {
    struct req *r;
    int64_t id, now;
    struct event_fields f;
};

/* The span of an event's sessions (SR_* columns). */
enum { SR_MIN_STARTS, SR_MAX_ENDS };
#define SESSION_SPAN_SQL "SELECT MIN(starts_at), MAX(ends_at) FROM sessions WHERE event_id = ?"

static int event_update_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct event_update *a = arg;
    struct event_ref ev;
    /* The event row's lock: session changes take it too, so the span checked here holds. */
    int rc = access_event_tx(db, a->r, a->id, ACCESS_MANAGE, true, &ev, f);
    if (rc)
        return rc;
    int64_t starts = a->f.has_starts ? a->f.starts_at : ev.starts_at;
    int64_t ends = a->f.has_ends ? a->f.ends_at : ev.ends_at;
    if (ev.status == EVENT_CANCELLED)
        return tx_fail(f, SD_ERR_CONFLICT, "event_cancelled", NULL,
                       "a cancelled event cannot be changed");
    if (starts < TIME_MIN || starts >= TIME_MAX)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                       "starts_at must be between 2000 and 2100");
    if (ends <= starts || ends >= TIME_MAX || ends - starts > EVENT_MAX_SPAN)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "ends_at",
                       "ends_at must be after starts_at (and within 366 days)");
    /* Nothing moves into the past; an event that has begun may still change other fields (a
     * PATCH that repeats its starts_at or ends_at unchanged is no move). */
    if (starts != ev.starts_at && starts < a->now)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                       "starts_at must not be moved into the past");
    if (ends != ev.ends_at && ends < a->now)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "ends_at",
                       "ends_at must not be moved into the past");
    struct db_res res;
    rc = db_exec(db, &res, SESSION_SPAN_SQL, "i", a->id);
    if (rc)
        return rc;
    int64_t smin = db_get_time(&res, 0, SR_MIN_STARTS), smax = db_get_time(&res, 0, SR_MAX_ENDS);
    db_res_clear(&res);
    if (smin && smin < starts)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "starts_at",
                       "a session starts before the new starts_at");
    if (smax && smax > ends)
        return tx_fail(f, SD_ERR_INVALID, "validation_failed", "ends_at",
                       "a session ends after the new ends_at");
    char sa[TIME_BUF], ea[TIME_BUF], co[24], cc[24];
    snprintf(co, sizeof(co), "%lld", (long long)a->f.checkin_opens);
    snprintf(cc, sizeof(cc), "%lld", (long long)a->f.checkin_closes);
    return db_exec(db, NULL,
                   "UPDATE events SET title = COALESCE(?, title), kind = COALESCE(?, kind),"
                   " city = COALESCE(?, city), venue = COALESCE(?, venue),"
                   " description = COALESCE(?, description), starts_at = ?, ends_at = ?,"
                   " checkin_opens_min = COALESCE(?, checkin_opens_min),"
                   " checkin_closes_min = COALESCE(?, checkin_closes_min),"
                   " time_zone = COALESCE(?, time_zone), updated_at = UTC_TIMESTAMP() WHERE id = ?",
                   "ssssssssssi", a->f.title, a->f.kind, a->f.city, a->f.venue, a->f.description,
                   time_format_sql(starts, sa), time_format_sql(ends, ea),
                   a->f.has_checkin_opens ? co : NULL, a->f.has_checkin_closes ? cc : NULL,
                   a->f.time_zone, a->id);
}

void events_update(struct req *r)
{
    struct event_update a = {.r = r, .now = time_now()};
    struct event_ref ev;
    if (req_param_id(r, 0, &a.id) < 0 || access_event(r, a.id, ACCESS_MANAGE, &ev) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (event_fields_parse(r, body, false, &a.f) == 0 && req_tx(r, event_update_tx, &a) == 0) {
        event_cache_drop(r, a.id);
        reply_event(r, a.id, 200);
    }
    cJSON_Delete(body);
}

struct event_status_change {
    struct req *r;
    int64_t id;
    int from; /* the status required now (enum event_status), or -1 for "anything but `to`" */
    enum event_status to;
};

static int event_status_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct event_status_change *a = arg;
    /* A cancel writes the rows registrations write (their sessions'), before the event row as
     * a registration takes them: on Galera a registration certified on another node then
     * conflicts with it (a shared lock on the event row is not replicated). */
    int rc =
        a->to == EVENT_CANCELLED
            ? db_exec(db, NULL, "UPDATE sessions SET rev = rev + 1 WHERE event_id = ?", "i", a->id)
            : 0;
    if (rc)
        return rc;
    struct event_ref ev;
    rc = access_event_tx(db, a->r, a->id, ACCESS_MANAGE, true, &ev, f);
    if (rc)
        return rc;
    const char *now = event_status_names[ev.status], *to = event_status_names[a->to];
    if (ev.status == a->to)
        return tx_fail(f, SD_ERR_CONFLICT,
                       a->to == EVENT_PUBLISHED ? "already_published" : "already_cancelled", NULL,
                       "the event is already %s", now);
    if (a->from >= 0 && ev.status != (enum event_status)a->from)
        return tx_fail(f, SD_ERR_CONFLICT, "event_cancelled", NULL, "the event is %s", now);
    rc =
        db_exec(db, NULL, "UPDATE events SET status = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
                "si", to, a->id);
    if (rc)
        return rc;
    char subject[64], detail[64];
    snprintf(subject, sizeof(subject), "event %lld", (long long)a->id);
    snprintf(detail, sizeof(detail), "%s -> %s", now, to);
    rc = audit_record(db, a->r, a->id, a->to == EVENT_PUBLISHED ? "publish" : "cancel", subject,
                      detail);
    if (rc || a->to != EVENT_CANCELLED)
        return rc;
    /* Everyone holding an active registration hears of it (once, however many they hold). */
    cJSON *d = notify_event_data(db, a->id, &rc);
    if (!d)
        return rc;
    rc = notify_emit_to(db, NOTIFY_EVENT_CANCELLED, a->id, NULL, d,
                        "SELECT DISTINCT r.user_id FROM registrations r"
                        " JOIN sessions s ON s.id = r.session_id WHERE s.event_id = ?"
                        " AND r.status IN ('confirmed', 'waitlisted')",
                        a->id);
    cJSON_Delete(d);
    return rc;
}

static void event_change_status(struct req *r, int from, enum event_status to)
{
    struct event_status_change a = {.r = r, .from = from, .to = to};
    struct event_ref ev;
    if (req_param_id(r, 0, &a.id) < 0 || access_event(r, a.id, ACCESS_MANAGE, &ev) < 0 ||
        req_tx(r, event_status_tx, &a) < 0)
        return;
    event_cache_drop(r, a.id);
    reply_event(r, a.id, 200);
}

void events_publish(struct req *r)
{
    event_change_status(r, EVENT_DRAFT, EVENT_PUBLISHED);
}

void events_cancel(struct req *r)
{
    /* Registrations stay as they are (their holders are told by the event's status); new ones
     * are refused from the commit on: the registration statement reads the event's status with
     * a shared lock, which this status change waits for. */
    event_change_status(r, -1, EVENT_CANCELLED);
}

/* ---- exhibitors ---- */

struct exhibitor_add {
    struct req *r;
    int64_t event_id, org_id;
};

/* Runs between BEGIN and COMMIT (again after a deadlock); a non-zero return rolls back. */
static int exhibitor_tx(struct db *db, void *arg, struct tx_fail *f)
{
    struct exhibitor_add *a = arg;
    struct event_ref ev;
    /* Under the event row's lock: a cancel committing meanwhile cannot slip past the check. */
    int rc = access_event_tx(db, a->r, a->event_id, ACCESS_MANAGE, true, &ev, f);
    if (rc)
        return rc; /* 404 event_not_found / 403 forbidden, recorded */
    if (ev.status == EVENT_CANCELLED)
        return tx_fail(f, SD_ERR_CONFLICT, "event_cancelled", NULL, "the event is cancelled");
    rc = db_exec(db, NULL,
                 "INSERT INTO event_exhibitors (event_id, org_id, added_by, created_at)"
                 " VALUES (?, ?, ?, UTC_TIMESTAMP())",
                 "iii", a->event_id, a->org_id, a->r->user.id);
    if (rc == SD_ERR_DUPLICATE)
        return tx_fail(f, SD_ERR_CONFLICT, "already_exhibitor", "organization_id",
                       "the organization already exhibits at this event");
    char subject[64];
    snprintf(subject, sizeof(subject), "organization %lld", (long long)a->org_id);
    return rc ? rc : audit_record(db, a->r, a->event_id, "exhibitor_add", subject, "");
}

/* The organization a body names (EX_* columns): 0, or -1 after replying (400 naming
 * organization_id when there is none: the path's event exists, the body is wrong). */
enum { EX_NAME, EX_TIER };
static int exhibitor_org(struct req *r, int64_t org_id, struct db_res *res)
{
    if (req_exec(r, res, "SELECT name, tier FROM organizations WHERE id = ?", "i", org_id) < 0)
        return -1;
    if (res->nrows)
        return 0;
    reply_error(r, SD_ERR_INVALID, "validation_failed", "organization_id", "no organization %lld",
                (long long)org_id);
    return -1;
}

void events_add_exhibitor(struct req *r)
{
    struct exhibitor_add a = {.r = r};
    struct event_ref ev;
    struct db_res org = {0};
    if (req_param_id(r, 0, &a.event_id) < 0 ||               /* 404 for a path that is no id */
        access_event(r, a.event_id, ACCESS_MANAGE, &ev) < 0) /* 404 event_not_found, 403 */
        return;
    cJSON *body = json_body(r); /* 400 invalid_json, NUL, bad UTF-8 */
    if (!body)
        return;
    if (json_int(r, body, "organization_id", true, 1, INT64_MAX, &a.org_id) < 0 ||
        exhibitor_org(r, a.org_id, &org) < 0 || /* 400 naming organization_id */
        req_tx(r, exhibitor_tx, &a) < 0)        /* replies what the transaction recorded */
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)a.event_id);
    cJSON_AddNumberToObject(o, "organization_id", (double)a.org_id);
    cJSON_AddStringToObject(o, "name", db_get(&org, 0, EX_NAME));
    cJSON_AddStringToObject(o, "tier", db_get(&org, 0, EX_TIER));
    cJSON_AddNumberToObject(o, "added_by", (double)r->user.id);
    reply_json(r, 201, o); /* no Location: an exhibitor has no GET of its own */
out:
    db_res_clear(&org);
    cJSON_Delete(body);
}

/* ---- audit, stats ---- */

/* Paged by the event's own sequence (audit_log.seq, taken under the event row's lock when an
 * entry is written), not by id: on Galera another node may commit a lower id after a reader
 * passed it. */
enum { AU_ID, AU_ACTOR, AU_ACTION, AU_SUBJECT, AU_DETAIL, AU_REQUEST, AU_CREATED, AU_SEQ };
#define AUDIT_SELECT                                                                               \
    "SELECT id, actor_id, action, subject, detail, request_id, created_at, seq FROM audit_log"

void events_audit(struct req *r)
{
    int64_t id;
    struct event_ref ev;
    struct page pg;
    struct db_res res;
    if (req_param_id(r, 0, &id) < 0 || access_event(r, id, ACCESS_MANAGE, &ev) < 0 ||
        req_page(r, 50, 500, 1, &pg) < 0 ||
        req_exec(r, &res, AUDIT_SELECT " WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                 "iii", id, page_key(&pg, 0, 0), (int64_t)pg.limit + 1) < 0)
        return;
    cJSON *items = cJSON_CreateArray();
    bool more = res.nrows > (size_t)pg.limit;
    size_t n = more ? (size_t)pg.limit : res.nrows;
    for (size_t i = 0; i < n; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "id", (double)db_get_i64(&res, i, AU_ID));
        cJSON_AddNumberToObject(a, "actor_id", (double)db_get_i64(&res, i, AU_ACTOR));
        cJSON_AddStringToObject(a, "action", db_get(&res, i, AU_ACTION));
        cJSON_AddStringToObject(a, "subject", db_get(&res, i, AU_SUBJECT));
        cJSON_AddStringToObject(a, "detail", db_get(&res, i, AU_DETAIL));
        cJSON_AddStringToObject(a, "request_id", db_get(&res, i, AU_REQUEST));
        json_add_time(a, "created_at", db_get_time(&res, i, AU_CREATED));
        cJSON_AddItemToArray(items, a);
    }
    int64_t last = n ? db_get_i64(&res, n - 1, AU_SEQ) : 0;
    db_res_clear(&res);
    reply_page(r, items, more, PAGE_KEYS(last));
}

/* Per session (ST_* columns). */
enum {
    ST_ID,
    ST_TITLE,
    ST_KIND,
    ST_CAPACITY,
    ST_CONFIRMED,
    ST_WAITING,
    ST_CHECKED_IN,
    ST_CANCELLED
};
#define STATS_SESSIONS_SQL                                                                         \
    "SELECT s.id, s.title, s.kind, s.capacity, s.confirmed_count, s.waitlist_count,"               \
    " (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id"                             \
    "  AND r.checked_in_at IS NOT NULL),"                                                          \
    " (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id"                             \
    "  AND r.status = 'cancelled')"                                                                \
    " FROM sessions s WHERE s.event_id = ? ORDER BY s.starts_at, s.id"

/* Matchmaking among the organizations attending the event (a member holds a confirmed
 * registration, or the organization exhibits): interests and mutual matches between their
 * projects, and the 1:1 meetings scheduled here (SM_* columns; binds the event id 9 times). */
enum { SM_INTERESTS, SM_MATCHES, SM_MEETINGS };
#define ATTENDING                                                                                  \
    "(SELECT om.org_id FROM org_members om JOIN registrations rg ON rg.user_id = om.user_id"       \
    " AND rg.status = 'confirmed' JOIN sessions ss ON ss.id = rg.session_id"                       \
    " WHERE ss.event_id = ? UNION SELECT ex.org_id FROM event_exhibitors ex"                       \
    " WHERE ex.event_id = ?)"
#define STATS_MATCHING_SQL                                                                         \
    "SELECT (SELECT COUNT(*) FROM interests i JOIN projects p ON p.id = i.project_id"              \
    "  JOIN projects t ON t.id = i.target_project_id"                                              \
    "  WHERE i.decision = 'interested' AND p.org_id IN " ATTENDING "  AND t.org_id IN " ATTENDING  \
    "),"                                                                                           \
    " (SELECT COUNT(*) FROM matches x JOIN projects a ON a.id = x.supply_project_id"               \
    "  JOIN projects b ON b.id = x.demand_project_id"                                              \
    "  WHERE a.org_id IN " ATTENDING " AND b.org_id IN " ATTENDING "),"                            \
    " (SELECT COUNT(*) FROM meetings mt WHERE mt.event_id = ? AND mt.status = 'scheduled')"

enum { SX_COUNT };
#define STATS_EXHIBITORS_SQL "SELECT COUNT(*) FROM event_exhibitors WHERE event_id = ?"

/* Registrations over time: how many were created in each quarter hour (every zone's offset is a
 * whole number of quarter hours, so a bucket lies within one local day), with the event's zone
 * (SB_* columns). Every registration counts, also those since cancelled (a re-registration
 * after a cancel is a new row, and counts again). */
enum { SB_BUCKET, SB_COUNT, SB_ZONE };
#define STATS_BY_DAY_SQL                                                                           \
    "SELECT FLOOR(UNIX_TIMESTAMP(r.created_at) / 900), COUNT(*), e.time_zone"                      \
    " FROM registrations r JOIN sessions s ON s.id = r.session_id JOIN events e"                   \
    " ON e.id = s.event_id WHERE s.event_id = ? GROUP BY 1, 3 ORDER BY 1"

/* The local day of unix time t in z, as days since 1970-01-01. */
static int64_t local_day(const struct tz *z, int64_t t)
{
    struct tz_local l;
    tz_local(z, t, &l);
    return time_days_from_civil(l.year, (unsigned)l.month, (unsigned)l.day);
}

/* registrations_by_day: every local day of the event's zone from the first registration's to
 * the last one's (quiet days too), with the registrations created that day and the running
 * total. */
static cJSON *stats_by_day(const struct db_res *res)
{
    cJSON *arr = cJSON_CreateArray();
    if (!res->nrows)
        return arr;
    const char *name = db_get(res, 0, SB_ZONE);
    const struct tz *z = tz_get(name ? name : TZ_DEFAULT);
    if (!z)
        z = tz_get("UTC");
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < res->nrows; i++) {
        int64_t d = local_day(z, db_get_i64(res, i, SB_BUCKET) * 900);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    size_t n = (size_t)(hi - lo + 1);
    int64_t *count = xcalloc(n, sizeof(*count));
    for (size_t i = 0; i < res->nrows; i++)
        count[local_day(z, db_get_i64(res, i, SB_BUCKET) * 900) - lo] +=
            db_get_i64(res, i, SB_COUNT);
    int64_t total = 0;
    for (size_t k = 0; k < n; k++) {
        char b[TIME_BUF];
        time_format_rfc3339((lo + (int64_t)k) * 86400, b);
        b[10] = '\0'; /* YYYY-MM-DD */
        total += count[k];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "date", b);
        cJSON_AddNumberToObject(o, "registrations", (double)count[k]);
        cJSON_AddNumberToObject(o, "cumulative", (double)total);
        cJSON_AddItemToArray(arr, o);
    }
    free(count);
    return arr;
}

void events_stats(struct req *r)
{
    int64_t id;
    struct event_ref ev;
    struct db_res ses = {0}, exh = {0}, mat = {0}, day = {0};
    if (req_param_id(r, 0, &id) < 0 || access_event(r, id, ACCESS_MANAGE, &ev) < 0 ||
        req_exec(r, &ses, STATS_SESSIONS_SQL, "i", id) < 0 ||
        req_exec(r, &day, STATS_BY_DAY_SQL, "i", id) < 0 ||
        req_exec(r, &exh, STATS_EXHIBITORS_SQL, "i", id) < 0 ||
        req_exec(r, &mat, STATS_MATCHING_SQL, "iiiiiiiii", id, id, id, id, id, id, id, id, id) < 0)
        goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)id);
    cJSON *arr = cJSON_AddArrayToObject(o, "sessions");
    int64_t tcap = 0, tconf = 0, twait = 0, tin = 0, tcan = 0;
    for (size_t i = 0; i < ses.nrows; i++) {
        int64_t cap = db_get_i64(&ses, i, ST_CAPACITY), conf = db_get_i64(&ses, i, ST_CONFIRMED);
        int64_t wait = db_get_i64(&ses, i, ST_WAITING), in = db_get_i64(&ses, i, ST_CHECKED_IN);
        int64_t can = db_get_i64(&ses, i, ST_CANCELLED);
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "session_id", (double)db_get_i64(&ses, i, ST_ID));
        cJSON_AddStringToObject(s, "title", db_get(&ses, i, ST_TITLE));
        cJSON_AddStringToObject(s, "kind", db_get(&ses, i, ST_KIND));
        cJSON_AddNumberToObject(s, "capacity", (double)cap);
        cJSON_AddNumberToObject(s, "registrations", (double)(conf + wait));
        cJSON_AddNumberToObject(s, "confirmed", (double)conf);
        cJSON_AddNumberToObject(s, "waitlisted", (double)wait);
        cJSON_AddNumberToObject(s, "cancelled", (double)can);
        cJSON_AddNumberToObject(s, "checked_in", (double)in);
        cJSON_AddNumberToObject(s, "fill_rate", cap ? (double)conf / (double)cap : 0.0);
        cJSON_AddItemToArray(arr, s);
        tcap += cap;
        tconf += conf;
        twait += wait;
        tin += in;
        tcan += can;
    }
    cJSON *t = cJSON_AddObjectToObject(o, "totals");
    cJSON_AddNumberToObject(t, "capacity", (double)tcap);
    cJSON_AddNumberToObject(t, "registrations", (double)(tconf + twait));
    cJSON_AddNumberToObject(t, "confirmed", (double)tconf);
    cJSON_AddNumberToObject(t, "waitlisted", (double)twait);
    cJSON_AddNumberToObject(t, "cancelled", (double)tcan);
    cJSON_AddNumberToObject(t, "checked_in", (double)tin);
    cJSON_AddNumberToObject(t, "fill_rate", tcap ? (double)tconf / (double)tcap : 0.0);
    cJSON_AddNumberToObject(o, "exhibitors", (double)db_get_i64(&exh, 0, SX_COUNT));
    cJSON *m = cJSON_AddObjectToObject(o, "matching");
    cJSON_AddNumberToObject(m, "interests", (double)db_get_i64(&mat, 0, SM_INTERESTS));
    cJSON_AddNumberToObject(m, "mutual_matches", (double)db_get_i64(&mat, 0, SM_MATCHES));
    cJSON_AddNumberToObject(m, "meetings", (double)db_get_i64(&mat, 0, SM_MEETINGS));
    cJSON_AddItemToObject(o, "registrations_by_day", stats_by_day(&day));
    reply_json(r, 200, o);
out:
    db_res_clear(&day);
    db_res_clear(&ses);
    db_res_clear(&exh);
    db_res_clear(&mat);
}
