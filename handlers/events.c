#include "handlers/events.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/pitches.h"
#include "handlers/registrations.h"
#include "server/access.h"
#include "server/app.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/db.h"
#include "server/debug.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/query.h"
#include "server/limits.h"
#include "server/lcache.h"
#include "server/log.h"
#include "server/rds.h"
#include "server/timeutil.h"

static const char *const event_kinds[] = {"summit", "roadshow", "fair", NULL};
static const char *const session_kinds[] = {"forum", "pitch", "competition", "exhibition", NULL};

#define TIME_MIN 946684800LL  /* 2000-01-01: earlier times are typing mistakes */
#define TIME_MAX 4102444800LL /* 2100-01-01 */
#define EVENT_MAX_SPAN (366LL * 86400)
#define CAPACITY_MAX 100000

#define EVENT_COLS                                                                                 \
    "e.id, e.organizer_id, e.title, e.kind, e.city, e.venue, e.description, e.starts_at,"          \
    " e.ends_at, e.status, e.created_at, e.updated_at"
#define SESSION_COLS                                                                               \
    "s.id, s.event_id, s.title, s.kind, s.room, s.starts_at, s.ends_at, s.capacity, s.waitlist,"   \
    " s.registration_opens_at, s.registration_closes_at, s.confirmed_count, s.waitlist_count,"     \
    " s.created_at"
#define SESSION_NCOLS 14

bool events_can_manage(const struct req *r, int64_t organizer_id)
{
    return r->user.id != 0 && ((r->user.roles & ROLE_ADMIN) || r->user.id == organizer_id);
}

int events_fail_set(struct events_fail *f, int err, const char *code, const char *field,
                    const char *fmt, ...)
{
    f->err = err;
    f->code = code;
    f->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
    return err;
}

void events_fail_reply(struct req *r, const struct events_fail *f, int rc)
{
    if (f->err)
        reply_error(r, f->err, f->code, f->field, "%s", f->msg);
    else
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
}

/* ---- JSON ---- */

static cJSON *event_json(const struct db_res *res, size_t i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, 0));
    cJSON_AddNumberToObject(o, "organizer_id", (double)db_get_i64(res, i, 1));
    cJSON_AddStringToObject(o, "title", db_get(res, i, 2));
    cJSON_AddStringToObject(o, "kind", db_get(res, i, 3));
    cJSON_AddStringToObject(o, "city", db_get(res, i, 4));
    cJSON_AddStringToObject(o, "venue", db_get(res, i, 5));
    cJSON_AddStringToObject(o, "description", db_get(res, i, 6));
    json_add_time(o, "starts_at", db_get_time(res, i, 7));
    json_add_time(o, "ends_at", db_get_time(res, i, 8));
    cJSON_AddStringToObject(o, "status", db_get(res, i, 9));
    json_add_time(o, "created_at", db_get_time(res, i, 10));
    json_add_time(o, "updated_at", db_get_time(res, i, 11));
    return o;
}

static void session_set_counts(cJSON *o, int64_t capacity, int64_t confirmed, int64_t waitlisted)
{
    cJSON_DeleteItemFromObject(o, "capacity");
    cJSON_DeleteItemFromObject(o, "confirmed_count");
    cJSON_DeleteItemFromObject(o, "waitlist_count");
    cJSON_DeleteItemFromObject(o, "seats_left");
    cJSON_AddNumberToObject(o, "capacity", (double)capacity);
    cJSON_AddNumberToObject(o, "confirmed_count", (double)confirmed);
    cJSON_AddNumberToObject(o, "waitlist_count", (double)waitlisted);
    cJSON_AddNumberToObject(o, "seats_left",
                            (double)(capacity > confirmed ? capacity - confirmed : 0));
}

/* A session row (SESSION_COLS); with its live counts when `counts`. */
static cJSON *session_json(const struct db_res *res, size_t i, bool counts)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)db_get_i64(res, i, 0));
    cJSON_AddNumberToObject(o, "event_id", (double)db_get_i64(res, i, 1));
    cJSON_AddStringToObject(o, "title", db_get(res, i, 2));
    cJSON_AddStringToObject(o, "kind", db_get(res, i, 3));
    cJSON_AddStringToObject(o, "room", db_get(res, i, 4));
    json_add_time(o, "starts_at", db_get_time(res, i, 5));
    json_add_time(o, "ends_at", db_get_time(res, i, 6));
    cJSON_AddBoolToObject(o, "waitlist", db_get_i64(res, i, 8) != 0);
    json_add_time(o, "registration_opens_at", db_get_time(res, i, 9));
    json_add_time(o, "registration_closes_at", db_get_time(res, i, 10));
    json_add_time(o, "created_at", db_get_time(res, i, 13));
    if (counts)
        session_set_counts(o, db_get_i64(res, i, 7), db_get_i64(res, i, 11),
                           db_get_i64(res, i, 12));
    return o;
}

/* ---- access ---- */

struct event_info {
    int64_t id, organizer_id, starts_at, ends_at;
    char status[16];
};

/* Loads an event for the caller: 404 when absent or a draft the caller may not manage; with
 * `manage`, 403 when the caller is not its organizer (or an admin). 0, or -1 after replying. */
static int event_access(struct req *r, int64_t id, bool manage, struct event_info *ev)
{
    struct db_res res;
    int rc = db_exec(r->w->db, &res,
                     "SELECT organizer_id, status, starts_at, ends_at FROM events WHERE id = ?",
                     "i", id);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    bool found = res.nrows > 0;
    if (found) {
        ev->id = id;
        ev->organizer_id = db_get_i64(&res, 0, 0);
        snprintf(ev->status, sizeof(ev->status), "%s", db_get(&res, 0, 1));
        ev->starts_at = db_get_time(&res, 0, 2);
        ev->ends_at = db_get_time(&res, 0, 3);
    }
    db_res_clear(&res);
    bool can = found && events_can_manage(r, ev->organizer_id);
    if (!found || (!can && strcmp(ev->status, "draft") == 0)) {
        reply_error(r, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event %lld", (long long)id);
        return -1;
    }
    if (manage && !can) {
        reply_error(r, SD_ERR_FORBIDDEN, NULL, NULL, "only the event's organizer may do this");
        return -1;
    }
    return 0;
}

/* Time pair checks shared by events and sessions: both in range, end after start. */
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

/* ---- cache of published events (static part only; counts always come from MySQL) ----
 *
 * A reader that misses loads the event from MySQL and writes it back; a writer commits and then
 * drops the entry. Without more, a reader that loaded the old row before the commit could write
 * it back after the drop and serve it for event_cache_ttl_s. So each event has a generation in
 * Redis (cache:event:<id>:gen, shared by every instance): the writer INCRs it after its commit
 * (with the drop, in one script), the reader reads it before loading MySQL and writes back only
 * if it is unchanged (a script compares and sets atomically). A reader whose MySQL read predates
 * the commit read the generation before the INCR: its write-back either lands before the INCR
 * and is dropped with it, or comes after and is refused. The generation outlives any request by
 * far (CACHE_GEN_TTL_S); Redis must not evict it early (summitd's Redis runs without eviction). */

#define CACHE_GEN_TTL_S "86400"

static const char cache_drop_lua[] = "redis.call('INCR', KEYS[2])"
                                     " redis.call('EXPIRE', KEYS[2], ARGV[1])"
                                     " return redis.call('DEL', KEYS[1])";
static const char cache_put_lua[] = "if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then"
                                    " return 0 end"
                                    " redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])"
                                    " return 1";

static void cache_key(const struct req *r, char *buf, size_t len, int64_t id)
{
    rds_key(r->w->rds, buf, len, "cache:event:%lld", (long long)id);
}

static void cache_gen_key(const struct req *r, char *buf, size_t len, int64_t id)
{
    rds_key(r->w->rds, buf, len, "cache:event:%lld:gen", (long long)id);
}

/* Called after every committed change of an event or its sessions. A Redis failure leaves an
 * entry that expires after event_cache_ttl_s; counts never come from the cache. */
static void cache_drop(struct req *r, int64_t id)
{
    char key[128], gen[128];
    cache_key(r, key, sizeof(key), id);
    cache_gen_key(r, gen, sizeof(gen), id);
    if (rds_cmd(r->w->rds, NULL, "EVAL %s 2 %s %s %s", cache_drop_lua, key, gen, CACHE_GEN_TTL_S) !=
        0)
        rlog_warn(r->id, "event %lld cache entry not dropped", (long long)id);
    lcache_invalidate(r->w->rds, "/api/v1/events/{id}", (long long)id);
}

static cJSON *cache_get(struct req *r, int64_t id)
{
    if (r->w->cfg->event_cache_ttl_s <= 0)
        return NULL;
    char key[128];
    cache_key(r, key, sizeof(key), id);
    struct rds_reply rep;
    if (rds_cmd(r->w->rds, &rep, "GET %s", key) != 0)
        return NULL;
    cJSON *o = NULL;
    if (rep.type == RDS_STRING)
        o = cJSON_ParseWithLength(rep.str, rep.len);
    rds_reply_clear(&rep);
    return o;
}

/* The event's cache generation, read before loading it from MySQL, into gen ("0" when none).
 * false when Redis did not answer: then the load is not written back. */
static bool cache_gen(struct req *r, int64_t id, char *gen, size_t len)
{
    if (r->w->cfg->event_cache_ttl_s <= 0)
        return false;
    char key[128];
    cache_gen_key(r, key, sizeof(key), id);
    struct rds_reply rep;
    if (rds_cmd(r->w->rds, &rep, "GET %s", key) != 0)
        return false;
    snprintf(gen, len, "%s", rep.type == RDS_STRING ? rep.str : "0");
    rds_reply_clear(&rep);
    return true;
}

/* Writes a load back unless the event changed since `gen` was read. */
static void cache_put(struct req *r, int64_t id, const char *gen, const cJSON *o)
{
    int ttl = r->w->cfg->event_cache_ttl_s;
    if (ttl <= 0)
        return;
    char key[128], gkey[128], ttls[16];
    cache_key(r, key, sizeof(key), id);
    cache_gen_key(r, gkey, sizeof(gkey), id);
    snprintf(ttls, sizeof(ttls), "%d", ttl);
    char *s = cJSON_PrintUnformatted(o);
    if (rds_cmd(r->w->rds, NULL, "EVAL %s 2 %s %s %s %b %s", cache_put_lua, key, gkey, gen, s,
                strlen(s), ttls) != 0)
        rlog_info(r->id, "event cache unavailable");
    cJSON_free(s);
}

/* The event with its sessions, from MySQL (sessions with counts). NULL in *out when absent. */
static int event_load_full(struct db *db, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res, "SELECT " EVENT_COLS " FROM events e WHERE e.id = ?", "i", id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return 0;
    }
    cJSON *o = event_json(&res, 0);
    db_res_clear(&res);
    rc = db_exec(db, &res,
                 "SELECT " SESSION_COLS " FROM sessions s WHERE s.event_id = ?"
                 " ORDER BY s.starts_at, s.id",
                 "i", id);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    cJSON *arr = cJSON_AddArrayToObject(o, "sessions");
    for (size_t i = 0; i < res.nrows; i++)
        cJSON_AddItemToArray(arr, session_json(&res, i, true));
    db_res_clear(&res);
    *out = o;
    return 0;
}

/* Fills live counts into a cached event's sessions. Returns 1 when the cache entry does not
 * match the sessions in MySQL (then the caller reloads), 0 when filled, or SD_ERR_*. */
static int fill_counts(struct db *db, int64_t id, cJSON *o)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT id, capacity, confirmed_count, waitlist_count FROM sessions"
                     " WHERE event_id = ?",
                     "i", id);
    if (rc)
        return rc;
    cJSON *arr = cJSON_GetObjectItem(o, "sessions");
    int out = (size_t)cJSON_GetArraySize(arr) == res.nrows ? 0 : 1;
    cJSON *s;
    cJSON_ArrayForEach(s, arr)
    {
        if (out)
            break;
        int64_t sid = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "id"));
        size_t k = 0;
        while (k < res.nrows && db_get_i64(&res, k, 0) != sid)
            k++;
        if (k == res.nrows) {
            out = 1;
            break;
        }
        session_set_counts(s, db_get_i64(&res, k, 1), db_get_i64(&res, k, 2),
                           db_get_i64(&res, k, 3));
    }
    db_res_clear(&res);
    return out;
}

/* ---- events ---- */

struct event_fields {
    const char *title, *city, *venue, *description, *kind;
    int64_t starts_at, ends_at;
    bool has_starts, has_ends;
};

/* Reads and validates the event fields; `create` makes the required ones required. */
static int event_fields_parse(struct req *r, const cJSON *body, bool create, struct event_fields *f)
{
    int kind = -1, rc;
    memset(f, 0, sizeof(*f));
    if (json_text(r, body, "title", create, LIMIT_EVENT_TITLE, &f->title) < 0 ||
        json_enum(r, body, "kind", create, event_kinds, &kind) < 0 ||
        json_text(r, body, "city", create, LIMIT_CITY, &f->city) < 0 ||
        json_text(r, body, "venue", false, LIMIT_VENUE, &f->venue) < 0 ||
        json_text(r, body, "description", false, LIMIT_EVENT_DESCRIPTION, &f->description) < 0)
        return -1;
    if ((rc = json_time(r, body, "starts_at", create, &f->starts_at)) < 0)
        return -1;
    f->has_starts = rc == 0;
    if ((rc = json_time(r, body, "ends_at", create, &f->ends_at)) < 0)
        return -1;
    f->has_ends = rc == 0;
    if (kind >= 0)
        f->kind = event_kinds[kind];
    return 0;
}

struct event_create {
    struct event_fields f;
    int64_t organizer_id, id;
};

void events_create(struct req *r)
{
    if (auth_require(r, ROLE_ORGANIZER | ROLE_ADMIN) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    struct event_fields f;
    if (event_fields_parse(r, body, true, &f) < 0 ||
        check_times(r, f.starts_at, f.ends_at, EVENT_MAX_SPAN) < 0)
        goto out;
    char sa[TIME_BUF], ea[TIME_BUF];
    struct db_res res;
    int rc = db_exec(r->w->db, &res,
                     "INSERT INTO events (organizer_id, title, kind, city, venue, description,"
                     " starts_at, ends_at, status, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
                     "isssssss", r->user.id, f.title, f.kind, f.city, f.venue ? f.venue : "",
                     f.description ? f.description : "", time_format_sql(f.starts_at, sa),
                     time_format_sql(f.ends_at, ea));
    if (rc) {
        reply_fail(r, rc);
        goto out;
    }
    int64_t id = (int64_t)res.insert_id;
    db_res_clear(&res);
    cJSON *o;
    rc = event_load_full(r->w->db, id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    reply_created(r, o, "/api/v1/events/%lld", (long long)id);
out:
    cJSON_Delete(body);
}

void events_list(struct req *r)
{
    int limit;
    int64_t cursor, from = 0, to = 0;
    if (req_page_legacy(r, 20, 100, &limit, &cursor) < 0)
        return;
    const char *kind = req_query(r, "kind"), *city = NULL;
    const char *qfrom = req_query(r, "from"), *qto = req_query(r, "to");
    if (kind && *kind) {
        bool ok = false;
        for (int i = 0; event_kinds[i]; i++)
            ok = ok || strcmp(kind, event_kinds[i]) == 0;
        if (!ok) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", "kind",
                        "kind must be one of: summit, roadshow, fair");
            return;
        }
    } else {
        kind = NULL;
    }
    if (req_query_text(r, "city", false, LIMIT_QUERY_CITY, &city) < 0)
        return;
    if (city && !*city)
        city = NULL;
    if (qfrom && *qfrom && time_parse_rfc3339(qfrom, &from) != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "from",
                    "from must be an RFC 3339 time");
        return;
    }
    if (qto && *qto && time_parse_rfc3339(qto, &to) != 0) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "to", "to must be an RFC 3339 time");
        return;
    }
    if (from && to && to < from) {
        reply_error(r, SD_ERR_INVALID, "validation_failed", "to", "to must not be before from");
        return;
    }
    char fb[TIME_BUF], tb[TIME_BUF];
    const char *fs = from ? time_format_sql(from, fb) : NULL;
    const char *ts = to ? time_format_sql(to, tb) : NULL;
    struct db_res res;
    /* An event matches [from, to] when it overlaps it. */
    int rc =
        db_exec(r->w->db, &res,
                "SELECT " EVENT_COLS " FROM events e WHERE e.status = 'published'"
                " AND e.id > ? AND (? IS NULL OR e.kind = ?) AND (? IS NULL OR e.city = ?)"
                " AND (? IS NULL OR e.ends_at >= ?) AND (? IS NULL OR e.starts_at <= ?)"
                " ORDER BY e.id LIMIT ?",
                "issssssssi", cursor, kind, kind, city, city, fs, fs, ts, ts, (int64_t)limit + 1);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    size_t n = res.nrows > (size_t)limit ? (size_t)limit : res.nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, event_json(&res, i));
    json_add_next_cursor(o, res.nrows > (size_t)limit, db_get_i64(&res, n - 1, 0));
    db_res_clear(&res);
    reply_json(r, 200, o);
}

void events_get(struct req *r)
{
    int64_t id;
    if (req_param_id(r, 0, &id) < 0)
        return;
    /* Cached: published and cancelled events without counts; the counts come from MySQL on every
     * read, so a user's own registration shows at once, and a Redis outage costs speed only. */
    cJSON *o = cache_get(r, id);
    int rc;
    if (o) {
        rc = fill_counts(r->w->db, id, o);
        if (rc < 0) {
            cJSON_Delete(o);
            reply_fail(r, rc);
            return;
        }
        if (rc == 0) {
            reply_json(r, 200, o);
            return;
        }
        cJSON_Delete(o);
    }
    char gen[32];
    bool cacheable = cache_gen(r, id, gen, sizeof(gen)); /* before MySQL: see cache_drop */
    struct event_info ev;
    if (event_access(r, id, false, &ev) < 0)
        return;
    rc = event_load_full(r->w->db, id, &o);
    if (rc || !o) {
        if (!rc)
            reply_error(r, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event %lld",
                        (long long)id);
        else
            reply_fail(r, rc);
        return;
    }
    if (cacheable && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "status")), "draft") != 0) {
        debug_hold(r, "event_cache_put", id);
        cache_put(r, id, gen, o); /* counts inside are overwritten from MySQL on every hit */
    }
    reply_json(r, 200, o);
}

struct event_update {
    int64_t id, now;
    struct event_fields f;
    struct events_fail fail;
};

static int event_update_tx(struct db *db, void *arg)
{
    struct event_update *a = arg;
    memset(&a->fail, 0, sizeof(a->fail));
    struct db_res res;
    int rc =
        db_exec(db, &res, "SELECT status, starts_at, ends_at FROM events WHERE id = ? FOR UPDATE",
                "i", a->id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return events_fail_set(&a->fail, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event");
    }
    bool cancelled = strcmp(db_get(&res, 0, 0), "cancelled") == 0;
    int64_t starts = a->f.has_starts ? a->f.starts_at : db_get_time(&res, 0, 1);
    int64_t ends = a->f.has_ends ? a->f.ends_at : db_get_time(&res, 0, 2);
    db_res_clear(&res);
    if (cancelled)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "event_cancelled", NULL,
                               "a cancelled event cannot be changed");
    if (starts < TIME_MIN || starts >= TIME_MAX)
        return events_fail_set(&a->fail, SD_ERR_INVALID, "validation_failed", "starts_at",
                               "starts_at must be between 2000 and 2100");
    if (ends <= starts || ends >= TIME_MAX || ends - starts > EVENT_MAX_SPAN)
        return events_fail_set(&a->fail, SD_ERR_INVALID, "validation_failed", "ends_at",
                               "ends_at must be after starts_at (and within 366 days)");
    rc = db_exec(db, &res, "SELECT MIN(starts_at), MAX(ends_at) FROM sessions WHERE event_id = ?",
                 "i", a->id);
    if (rc)
        return rc;
    int64_t smin = db_get_time(&res, 0, 0), smax = db_get_time(&res, 0, 1);
    db_res_clear(&res);
    if (smin && smin < starts)
        return events_fail_set(&a->fail, SD_ERR_INVALID, "validation_failed", "starts_at",
                               "a session starts before the new starts_at");
    if (smax && smax > ends)
        return events_fail_set(&a->fail, SD_ERR_INVALID, "validation_failed", "ends_at",
                               "a session ends after the new ends_at");
    char sa[TIME_BUF], ea[TIME_BUF];
    return db_exec(db, NULL,
                   "UPDATE events SET title = COALESCE(?, title), kind = COALESCE(?, kind),"
                   " city = COALESCE(?, city), venue = COALESCE(?, venue),"
                   " description = COALESCE(?, description), starts_at = ?, ends_at = ?,"
                   " updated_at = UTC_TIMESTAMP() WHERE id = ?",
                   "sssssssi", a->f.title, a->f.kind, a->f.city, a->f.venue, a->f.description,
                   time_format_sql(starts, sa), time_format_sql(ends, ea), a->id);
}

void events_update(struct req *r)
{
    struct event_update a = {0};
    struct event_info ev;
    if (req_param_id(r, 0, &a.id) < 0 || event_access(r, a.id, true, &ev) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (event_fields_parse(r, body, false, &a.f) < 0)
        goto out;
    int rc = db_tx(r->w->db, event_update_tx, &a);
    if (rc) {
        events_fail_reply(r, &a.fail, rc);
        goto out;
    }
    cache_drop(r, a.id);
    cJSON *o;
    rc = event_load_full(r->w->db, a.id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    reply_json(r, 200, o);
out:
    cJSON_Delete(body);
}

struct event_status_change {
    struct req *r;
    int64_t id;
    const char *from; /* required current status, or NULL for "anything but `to`" */
    const char *to;
    struct events_fail fail;
};

static int event_status_tx(struct db *db, void *arg)
{
    struct event_status_change *a = arg;
    memset(&a->fail, 0, sizeof(a->fail));
    struct db_res res;
    /* A cancel writes the rows registrations write (their sessions'), before the event row as
     * a registration takes them: on Galera a registration certified on another node then
     * conflicts with it (a shared lock on the event row is not replicated). */
    int rc =
        strcmp(a->to, "cancelled") == 0
            ? db_exec(db, NULL, "UPDATE sessions SET rev = rev + 1 WHERE event_id = ?", "i", a->id)
            : 0;
    if (rc)
        return rc;
    rc = db_exec(db, &res, "SELECT status FROM events WHERE id = ? FOR UPDATE", "i", a->id);
    if (rc)
        return rc;
    char status[16] = "";
    if (res.nrows)
        snprintf(status, sizeof(status), "%s", db_get(&res, 0, 0));
    db_res_clear(&res);
    if (!status[0])
        return events_fail_set(&a->fail, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event");
    if (strcmp(status, a->to) == 0)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT,
                               strcmp(a->to, "published") == 0 ? "already_published"
                                                               : "already_cancelled",
                               NULL, "the event is already %s", status);
    if (a->from && strcmp(status, a->from) != 0)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "event_cancelled", NULL,
                               "the event is %s", status);
    rc =
        db_exec(db, NULL, "UPDATE events SET status = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
                "si", a->to, a->id);
    if (rc)
        return rc;
    char subject[64], detail[64];
    snprintf(subject, sizeof(subject), "event %lld", (long long)a->id);
    snprintf(detail, sizeof(detail), "%s -> %s", status, a->to);
    return audit_record(db, a->r, a->id, strcmp(a->to, "published") == 0 ? "publish" : "cancel",
                        subject, detail);
}

static void event_change_status(struct req *r, const char *from, const char *to)
{
    struct event_status_change a = {.r = r, .from = from, .to = to};
    struct event_info ev;
    if (req_param_id(r, 0, &a.id) < 0 || event_access(r, a.id, true, &ev) < 0)
        return;
    int rc = db_tx(r->w->db, event_status_tx, &a);
    if (rc) {
        events_fail_reply(r, &a.fail, rc);
        return;
    }
    cache_drop(r, a.id);
    cJSON *o;
    rc = event_load_full(r->w->db, a.id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        return;
    }
    reply_json(r, 200, o);
}

void events_publish(struct req *r)
{
    event_change_status(r, "draft", "published");
}

void events_cancel(struct req *r)
{
    /* Registrations stay as they are (their holders are told by the event's status); new ones
     * are refused from the commit on: the registration statement reads the event's status with
     * a shared lock, which this status change waits for. */
    event_change_status(r, NULL, "cancelled");
}

/* ---- sessions ---- */

struct session_fields {
    const char *title, *room, *kind;
    int64_t starts_at, ends_at, capacity, opens_at, closes_at;
    bool has_starts, has_ends, has_capacity, has_waitlist, has_opens, has_closes;
    bool waitlist;
};

static int session_fields_parse(struct req *r, const cJSON *body, bool create,
                                struct session_fields *f)
{
    int kind = -1, rc;
    memset(f, 0, sizeof(*f));
    if (json_text(r, body, "title", create, LIMIT_SESSION_TITLE, &f->title) < 0 ||
        json_enum(r, body, "kind", create, session_kinds, &kind) < 0 ||
        json_text(r, body, "room", false, LIMIT_ROOM, &f->room) < 0)
        return -1;
    if ((rc = json_time(r, body, "starts_at", create, &f->starts_at)) < 0)
        return -1;
    f->has_starts = rc == 0;
    if ((rc = json_time(r, body, "ends_at", create, &f->ends_at)) < 0)
        return -1;
    f->has_ends = rc == 0;
    if ((rc = json_int(r, body, "capacity", create, 1, CAPACITY_MAX, &f->capacity)) < 0)
        return -1;
    f->has_capacity = rc == 0;
    if ((rc = json_bool(r, body, "waitlist", false, &f->waitlist)) < 0)
        return -1;
    f->has_waitlist = rc == 0;
    if ((rc = json_time(r, body, "registration_opens_at", false, &f->opens_at)) < 0)
        return -1;
    f->has_opens = rc == 0;
    if ((rc = json_time(r, body, "registration_closes_at", false, &f->closes_at)) < 0)
        return -1;
    f->has_closes = rc == 0;
    if (kind >= 0)
        f->kind = session_kinds[kind];
    return 0;
}

/* Checks the merged session times against the event; records a 400 in fail. */
static int session_times_check(struct events_fail *fail, int64_t ev_starts, int64_t ev_ends,
                               int64_t starts, int64_t ends, int64_t opens, int64_t closes)
{
    if (starts < ev_starts || starts >= ev_ends)
        return events_fail_set(fail, SD_ERR_INVALID, "validation_failed", "starts_at",
                               "the session must start within its event");
    if (ends <= starts)
        return events_fail_set(fail, SD_ERR_INVALID, "validation_failed", "ends_at",
                               "ends_at must be after starts_at");
    if (ends > ev_ends)
        return events_fail_set(fail, SD_ERR_INVALID, "validation_failed", "ends_at",
                               "the session must end within its event");
    if (opens && (opens < TIME_MIN || opens >= ends))
        return events_fail_set(fail, SD_ERR_INVALID, "validation_failed", "registration_opens_at",
                               "registration must open before the session ends");
    if (closes && (closes < TIME_MIN || closes > ends))
        return events_fail_set(fail, SD_ERR_INVALID, "validation_failed", "registration_closes_at",
                               "registration must close by the end of the session");
    if (opens && closes && closes <= opens)
        return events_fail_set(fail, SD_ERR_INVALID, "validation_failed", "registration_closes_at",
                               "registration_closes_at must be after registration_opens_at");
    return 0;
}

static int session_load(struct db *db, int64_t id, cJSON **out)
{
    struct db_res res;
    *out = NULL;
    int rc = db_exec(db, &res,
                     "SELECT " SESSION_COLS ", e.title, e.status, e.organizer_id FROM sessions s"
                     " JOIN events e ON e.id = s.event_id WHERE s.id = ?",
                     "i", id);
    if (rc)
        return rc;
    if (res.nrows) {
        cJSON *o = session_json(&res, 0, true);
        cJSON *e = cJSON_AddObjectToObject(o, "event");
        cJSON_AddNumberToObject(e, "id", (double)db_get_i64(&res, 0, 1));
        cJSON_AddStringToObject(e, "title", db_get(&res, 0, SESSION_NCOLS));
        cJSON_AddStringToObject(e, "status", db_get(&res, 0, SESSION_NCOLS + 1));
        cJSON_AddNumberToObject(e, "organizer_id", (double)db_get_i64(&res, 0, SESSION_NCOLS + 2));
        *out = o;
    }
    db_res_clear(&res);
    return 0;
}

/* The event row, locked (FOR UPDATE) for the rest of the transaction: every change of an event
 * or its sessions takes it first, so their checks against each other hold at commit. */
static int event_lock(struct db *db, int64_t id, struct event_info *ev, struct events_fail *fail)
{
    struct db_res res;
    int rc = access_event_lock(db, id); /* Galera: the lock is a write */
    if (rc)
        return rc;
    rc = db_exec(db, &res,
                 "SELECT organizer_id, status, starts_at, ends_at FROM events WHERE id = ?"
                 " FOR UPDATE",
                 "i", id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return events_fail_set(fail, SD_ERR_NOT_FOUND, "event_not_found", NULL, "no event");
    }
    ev->id = id;
    ev->organizer_id = db_get_i64(&res, 0, 0);
    snprintf(ev->status, sizeof(ev->status), "%s", db_get(&res, 0, 1));
    ev->starts_at = db_get_time(&res, 0, 2);
    ev->ends_at = db_get_time(&res, 0, 3);
    db_res_clear(&res);
    return 0;
}

struct session_add {
    int64_t event_id, id;
    struct session_fields f;
    struct events_fail fail;
};

static int session_add_tx(struct db *db, void *arg)
{
    struct session_add *a = arg;
    struct session_fields *f = &a->f;
    memset(&a->fail, 0, sizeof(a->fail));
    struct event_info ev;
    int rc = event_lock(db, a->event_id, &ev, &a->fail);
    if (rc)
        return rc;
    if (strcmp(ev.status, "cancelled") == 0)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "event_cancelled", NULL,
                               "sessions cannot be added to a cancelled event");
    if (session_times_check(&a->fail, ev.starts_at, ev.ends_at, f->starts_at, f->ends_at,
                            f->has_opens ? f->opens_at : 0, f->has_closes ? f->closes_at : 0))
        return a->fail.err;
    char sa[TIME_BUF], ea[TIME_BUF], oa[TIME_BUF], ca[TIME_BUF];
    struct db_res res;
    rc = db_exec(db, &res,
                 "INSERT INTO sessions (event_id, title, kind, room, starts_at, ends_at,"
                 " capacity, waitlist, registration_opens_at, registration_closes_at,"
                 " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                 "isssssiiss", a->event_id, f->title, f->kind, f->room ? f->room : "",
                 time_format_sql(f->starts_at, sa), time_format_sql(f->ends_at, ea), f->capacity,
                 (int64_t)(f->waitlist ? 1 : 0),
                 f->has_opens ? time_format_sql(f->opens_at, oa) : NULL,
                 f->has_closes ? time_format_sql(f->closes_at, ca) : NULL);
    if (rc)
        return rc;
    a->id = (int64_t)res.insert_id;
    db_res_clear(&res);
    return 0;
}

void events_add_session(struct req *r)
{
    struct session_add a = {0};
    struct event_info ev;
    if (req_param_id(r, 0, &a.event_id) < 0 || event_access(r, a.event_id, true, &ev) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (session_fields_parse(r, body, true, &a.f) < 0)
        goto out;
    /* Status and times are checked in the transaction, under the event row's lock: a cancel or
     * an event update committing after event_access() cannot slip past them. */
    debug_hold(r, "session_add", a.event_id);
    int rc = db_tx(r->w->db, session_add_tx, &a);
    if (rc) {
        events_fail_reply(r, &a.fail, rc);
        goto out;
    }
    cache_drop(r, a.event_id);
    cJSON *o;
    rc = session_load(r->w->db, a.id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    reply_created(r, o, "/api/v1/sessions/%lld", (long long)a.id);
out:
    cJSON_Delete(body);
}

/* The session's event for access checks: 404 when absent (or a draft the caller may not see),
 * 403 with `manage` for anyone but its organizer. */
static int session_access(struct req *r, int64_t sid, bool manage, struct event_info *ev)
{
    struct db_res res;
    int rc = db_exec(r->w->db, &res, "SELECT event_id FROM sessions WHERE id = ?", "i", sid);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    int64_t eid = res.nrows ? db_get_i64(&res, 0, 0) : 0;
    db_res_clear(&res);
    if (!eid) {
        reply_error(r, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session %lld",
                    (long long)sid);
        return -1;
    }
    return event_access(r, eid, manage, ev);
}

void events_get_session(struct req *r)
{
    int64_t id;
    struct event_info ev;
    if (req_param_id(r, 0, &id) < 0 || session_access(r, id, false, &ev) < 0)
        return;
    cJSON *o;
    int rc = session_load(r->w->db, id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        return;
    }
    reply_json(r, 200, o);
}

struct session_update {
    struct req *r;
    int64_t id, now;
    struct event_info ev;
    struct session_fields f;
    int64_t promoted;
    struct events_fail fail;
    struct pitches_clash clash;
};

static int session_update_tx(struct db *db, void *arg)
{
    struct session_update *a = arg;
    memset(&a->fail, 0, sizeof(a->fail));
    memset(&a->clash, 0, sizeof(a->clash));
    a->promoted = 0;
    struct db_res res;
    /* The session row's lock serializes this with registrations and cancellations. */
    int rc = db_exec(db, &res,
                     "SELECT starts_at, ends_at, capacity, confirmed_count, waitlist_count,"
                     " registration_opens_at, registration_closes_at, room"
                     " FROM sessions WHERE id = ? FOR UPDATE",
                     "i", a->id);
    if (rc)
        return rc;
    if (!res.nrows) {
        db_res_clear(&res);
        return events_fail_set(&a->fail, SD_ERR_NOT_FOUND, "session_not_found", NULL, "no session");
    }
    /* Then the event row's (a session never changes event), before any plain read: event
     * updates, cancels and pitch placements take it too, so the checks below hold at commit.
     * Session before event, as a registration's guarded UPDATE takes them: no lock cycle. */
    struct event_info ev;
    rc = event_lock(db, a->ev.id, &ev, &a->fail);
    if (rc) {
        db_res_clear(&res);
        return rc;
    }
    struct session_fields *f = &a->f;
    int64_t starts = f->has_starts ? f->starts_at : db_get_time(&res, 0, 0);
    int64_t ends = f->has_ends ? f->ends_at : db_get_time(&res, 0, 1);
    int64_t cap_old = db_get_i64(&res, 0, 2), confirmed = db_get_i64(&res, 0, 3);
    int64_t waiting = db_get_i64(&res, 0, 4);
    int64_t opens = f->has_opens ? f->opens_at : db_get_time(&res, 0, 5);
    int64_t closes = f->has_closes ? f->closes_at : db_get_time(&res, 0, 6);
    char room[408];
    snprintf(room, sizeof(room), "%s", f->room ? f->room : db_get(&res, 0, 7));
    bool moved = strcmp(room, db_get(&res, 0, 7)) != 0 || starts != db_get_time(&res, 0, 0) ||
                 ends != db_get_time(&res, 0, 1);
    db_res_clear(&res);
    if (strcmp(ev.status, "cancelled") == 0)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "event_cancelled", NULL,
                               "a cancelled event's sessions cannot be changed");
    if (session_times_check(&a->fail, ev.starts_at, ev.ends_at, starts, ends, opens, closes))
        return a->fail.err;
    /* A new room or new times: every pitch placed in the session must still be where a placement
     * could put it (inside the session, alone in its room, its presenter nowhere else). */
    if (moved) {
        rc = do_pitches_session_check(db, ev.id, a->id, room, starts, ends, &a->clash);
        if (rc)
            return rc;
    }
    int64_t cap = f->has_capacity ? f->capacity : cap_old;
    if (cap < confirmed)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "capacity_below_confirmed", "capacity",
                               "%lld registrations are confirmed; capacity cannot be %lld",
                               (long long)confirmed, (long long)cap);
    if (cap > confirmed && waiting > 0) {
        int64_t n = cap - confirmed < waiting ? cap - confirmed : waiting;
        rc = do_registrations_promote(db, a->id, n, a->now, &a->promoted);
        if (rc)
            return rc;
    }
    char sa[TIME_BUF], ea[TIME_BUF], oa[TIME_BUF], ca[TIME_BUF];
    rc = db_exec(db, NULL,
                 "UPDATE sessions SET title = COALESCE(?, title), kind = COALESCE(?, kind),"
                 " room = COALESCE(?, room), starts_at = ?, ends_at = ?, capacity = ?,"
                 " waitlist = COALESCE(?, waitlist), registration_opens_at = ?,"
                 " registration_closes_at = ?, confirmed_count = ?, waitlist_count = ?"
                 " WHERE id = ?",
                 "sssssisssiii", f->title, f->kind, f->room, time_format_sql(starts, sa),
                 time_format_sql(ends, ea), cap, f->has_waitlist ? (f->waitlist ? "1" : "0") : NULL,
                 opens ? time_format_sql(opens, oa) : NULL,
                 closes ? time_format_sql(closes, ca) : NULL, confirmed + a->promoted,
                 waiting - a->promoted, a->id);
    if (rc || cap == cap_old)
        return rc;
    char subject[64], detail[128];
    snprintf(subject, sizeof(subject), "session %lld", (long long)a->id);
    snprintf(detail, sizeof(detail), "capacity %lld -> %lld, promoted %lld", (long long)cap_old,
             (long long)cap, (long long)a->promoted);
    return audit_record(db, a->r, a->ev.id, "capacity", subject, detail);
}

void events_update_session(struct req *r)
{
    struct session_update a = {.r = r, .now = time_now()};
    if (req_param_id(r, 0, &a.id) < 0 || session_access(r, a.id, true, &a.ev) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    if (session_fields_parse(r, body, false, &a.f) < 0)
        goto out;
    debug_hold(r, "session_update", a.id);
    int rc = db_tx(r->w->db, session_update_tx, &a);
    if (rc == SD_ERR_CONFLICT && a.clash.kind != PITCH_SCHED_CLASH_NONE) {
        const char *field = a.clash.kind == PITCH_SCHED_CLASH_ROOM                ? "room"
                            : a.clash.kind != PITCH_SCHED_CLASH_OUTSIDE_SESSION   ? NULL
                            : a.f.has_starts && a.clash.starts_at < a.f.starts_at ? "starts_at"
                                                                                  : "ends_at";
        pitches_clash_reply(r, &a.clash, field);
        goto out;
    }
    if (rc) {
        events_fail_reply(r, &a.fail, rc);
        goto out;
    }
    cache_drop(r, a.ev.id);
    cJSON *o;
    rc = session_load(r->w->db, a.id, &o);
    if (rc || !o) {
        reply_fail(r, rc ? rc : SD_ERR_INTERNAL);
        goto out;
    }
    cJSON_AddNumberToObject(o, "promoted", (double)a.promoted);
    reply_json(r, 200, o);
out:
    cJSON_Delete(body);
}

/* ---- exhibitors, audit, stats ---- */

struct exhibitor_add {
    struct req *r;
    int64_t event_id, org_id;
    struct events_fail fail;
};

static int exhibitor_tx(struct db *db, void *arg)
{
    struct exhibitor_add *a = arg;
    memset(&a->fail, 0, sizeof(a->fail));
    int rc = db_exec(db, NULL,
                     "INSERT INTO event_exhibitors (event_id, org_id, added_by, created_at)"
                     " VALUES (?, ?, ?, UTC_TIMESTAMP())",
                     "iii", a->event_id, a->org_id, a->r->user.id);
    if (rc == SD_ERR_DUPLICATE)
        return events_fail_set(&a->fail, SD_ERR_CONFLICT, "already_exhibitor", "organization_id",
                               "the organization already exhibits at this event");
    if (rc)
        return rc;
    char subject[64];
    snprintf(subject, sizeof(subject), "organization %lld", (long long)a->org_id);
    return audit_record(db, a->r, a->event_id, "exhibitor_add", subject, "");
}

void events_add_exhibitor(struct req *r)
{
    struct exhibitor_add a = {.r = r};
    struct event_info ev;
    if (req_param_id(r, 0, &a.event_id) < 0 || event_access(r, a.event_id, true, &ev) < 0)
        return;
    cJSON *body = json_body(r);
    if (!body)
        return;
    int rc = json_int(r, body, "organization_id", true, 1, INT64_MAX, &a.org_id);
    cJSON_Delete(body);
    if (rc < 0)
        return;
    struct db_res res;
    rc =
        db_exec(r->w->db, &res, "SELECT name, tier FROM organizations WHERE id = ?", "i", a.org_id);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        reply_error(r, SD_ERR_INVALID, "validation_failed", "organization_id",
                    "no such organization");
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)a.event_id);
    cJSON_AddNumberToObject(o, "organization_id", (double)a.org_id);
    cJSON_AddStringToObject(o, "name", db_get(&res, 0, 0));
    cJSON_AddStringToObject(o, "tier", db_get(&res, 0, 1));
    cJSON_AddNumberToObject(o, "added_by", (double)r->user.id);
    db_res_clear(&res);
    rc = db_tx(r->w->db, exhibitor_tx, &a);
    if (rc) {
        cJSON_Delete(o);
        events_fail_reply(r, &a.fail, rc);
        return;
    }
    reply_json(r, 201, o);
}

void events_audit(struct req *r)
{
    int64_t id, cursor;
    int limit;
    struct event_info ev;
    if (req_param_id(r, 0, &id) < 0 || event_access(r, id, true, &ev) < 0 ||
        req_page_legacy(r, 50, 500, &limit, &cursor) < 0)
        return;
    struct db_res res;
    int rc = db_exec(r->w->db, &res,
                     /* paged by seq, not id: on Galera ids do not follow commit order */
                     "SELECT id, actor_id, action, subject, detail, request_id, created_at, seq"
                     " FROM audit_log WHERE event_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                     "iii", id, cursor, (int64_t)limit + 1);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    size_t n = res.nrows > (size_t)limit ? (size_t)limit : res.nrows;
    for (size_t i = 0; i < n; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "id", (double)db_get_i64(&res, i, 0));
        cJSON_AddNumberToObject(a, "actor_id", (double)db_get_i64(&res, i, 1));
        cJSON_AddStringToObject(a, "action", db_get(&res, i, 2));
        cJSON_AddStringToObject(a, "subject", db_get(&res, i, 3));
        cJSON_AddStringToObject(a, "detail", db_get(&res, i, 4));
        cJSON_AddStringToObject(a, "request_id", db_get(&res, i, 5));
        json_add_time(a, "created_at", db_get_time(&res, i, 6));
        cJSON_AddItemToArray(items, a);
    }
    /* the cursor is the entry's seq (column 7), not its id */
    json_add_next_cursor(o, res.nrows > (size_t)limit, db_get_i64(&res, n - 1, 7));
    db_res_clear(&res);
    reply_json(r, 200, o);
}

void events_stats(struct req *r)
{
    int64_t id;
    struct event_info ev;
    if (req_param_id(r, 0, &id) < 0 || event_access(r, id, true, &ev) < 0)
        return;
    struct db_res res;
    int rc = db_exec(r->w->db, &res,
                     "SELECT s.id, s.title, s.kind, s.capacity, s.confirmed_count,"
                     " s.waitlist_count,"
                     " (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id"
                     "  AND r.checked_in_at IS NOT NULL),"
                     " (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id"
                     "  AND r.status = 'cancelled')"
                     " FROM sessions s WHERE s.event_id = ? ORDER BY s.starts_at, s.id",
                     "i", id);
    if (rc) {
        reply_fail(r, rc);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "event_id", (double)id);
    cJSON *arr = cJSON_AddArrayToObject(o, "sessions");
    int64_t tcap = 0, tconf = 0, twait = 0, tin = 0, tcan = 0;
    for (size_t i = 0; i < res.nrows; i++) {
        int64_t cap = db_get_i64(&res, i, 3), conf = db_get_i64(&res, i, 4);
        int64_t wait = db_get_i64(&res, i, 5), in = db_get_i64(&res, i, 6);
        int64_t can = db_get_i64(&res, i, 7);
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "session_id", (double)db_get_i64(&res, i, 0));
        cJSON_AddStringToObject(s, "title", db_get(&res, i, 1));
        cJSON_AddStringToObject(s, "kind", db_get(&res, i, 2));
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
    db_res_clear(&res);
    cJSON *t = cJSON_AddObjectToObject(o, "totals");
    cJSON_AddNumberToObject(t, "capacity", (double)tcap);
    cJSON_AddNumberToObject(t, "registrations", (double)(tconf + twait));
    cJSON_AddNumberToObject(t, "confirmed", (double)tconf);
    cJSON_AddNumberToObject(t, "waitlisted", (double)twait);
    cJSON_AddNumberToObject(t, "cancelled", (double)tcan);
    cJSON_AddNumberToObject(t, "checked_in", (double)tin);
    cJSON_AddNumberToObject(t, "fill_rate", tcap ? (double)tconf / (double)tcap : 0.0);
    rc = db_exec(r->w->db, &res, "SELECT COUNT(*) FROM event_exhibitors WHERE event_id = ?", "i",
                 id);
    if (rc) {
        cJSON_Delete(o);
        reply_fail(r, rc);
        return;
    }
    cJSON_AddNumberToObject(o, "exhibitors", (double)db_get_i64(&res, 0, 0));
    db_res_clear(&res);
    /* Matchmaking among the organizations attending the event (a member holds a confirmed
     * registration, or the organization exhibits): interests and mutual matches between their
     * projects, and the 1:1 meetings scheduled here. */
#define ATTENDING                                                                                  \
    "(SELECT om.org_id FROM org_members om JOIN registrations rg ON rg.user_id = om.user_id"       \
    " AND rg.status = 'confirmed' JOIN sessions ss ON ss.id = rg.session_id"                       \
    " WHERE ss.event_id = ? UNION SELECT ex.org_id FROM event_exhibitors ex"                       \
    " WHERE ex.event_id = ?)"
    rc = db_exec(r->w->db, &res,
                 "SELECT (SELECT COUNT(*) FROM interests i JOIN projects p ON p.id = i.project_id"
                 "  JOIN projects t ON t.id = i.target_project_id"
                 "  WHERE i.decision = 'interested' AND p.org_id IN " ATTENDING
                 "  AND t.org_id IN " ATTENDING "),"
                 " (SELECT COUNT(*) FROM matches x JOIN projects a ON a.id = x.supply_project_id"
                 "  JOIN projects b ON b.id = x.demand_project_id"
                 "  WHERE a.org_id IN " ATTENDING " AND b.org_id IN " ATTENDING "),"
                 " (SELECT COUNT(*) FROM meetings mt WHERE mt.event_id = ?"
                 "  AND mt.status = 'scheduled')",
                 "iiiiiiiii", id, id, id, id, id, id, id, id, id);
#undef ATTENDING
    if (rc) {
        cJSON_Delete(o);
        reply_fail(r, rc);
        return;
    }
    cJSON *m = cJSON_AddObjectToObject(o, "matching");
    cJSON_AddNumberToObject(m, "interests", (double)db_get_i64(&res, 0, 0));
    cJSON_AddNumberToObject(m, "mutual_matches", (double)db_get_i64(&res, 0, 1));
    cJSON_AddNumberToObject(m, "meetings", (double)db_get_i64(&res, 0, 2));
    db_res_clear(&res);
    reply_json(r, 200, o);
}
