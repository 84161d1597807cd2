#include "handlers/agenda.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/db.h"
#include "server/http.h"
#include "server/ics.h"
#include "server/json.h"
#include "server/reqdb.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

enum item_kind { ITEM_REGISTRATION, ITEM_PITCH, ITEM_MEETING };

static const char *const kind_names[] = {"registration", "pitch", "meeting"};

struct item {
    enum item_kind kind;
    int64_t id;
    int64_t starts_at, ends_at;
    int64_t session_id; /* registrations and pitches */
    int64_t event_id;
    char *title, *location, *event_title, *detail;
    size_t *overlaps; /* indices into the sorted items */
    size_t noverlaps;
};

struct agenda {
    struct item *it;
    size_t n, cap;
};

static void agenda_free(struct agenda *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->it[i].title);
        free(a->it[i].location);
        free(a->it[i].event_title);
        free(a->it[i].detail);
        free(a->it[i].overlaps);
    }
    free(a->it);
    memset(a, 0, sizeof(*a));
}

static struct item *agenda_push(struct agenda *a)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->it = xrealloc(a->it, a->cap * sizeof(*a->it));
    }
    struct item *it = &a->it[a->n++];
    memset(it, 0, sizeof(*it));
    return it;
}

static const char *cell(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    return s ? s : "";
}

static char *join_location(const char *place, const char *venue)
{
    if (!*place)
        return xstrdup(venue);
    if (!*venue)
        return xstrdup(place);
    return xasprintf("%s, %s", place, venue);
}

/* Confirmed registrations, by AR_* columns. */
enum {
    AR_ID,
    AR_SESSION,
    AR_S_TITLE,
    AR_S_KIND,
    AR_S_ROOM,
    AR_S_STARTS,
    AR_S_ENDS,
    AR_EVENT,
    AR_E_TITLE,
    AR_E_VENUE,
    AR_E_CITY
};
#define AGENDA_REGISTRATIONS_SQL                                                                   \
    "SELECT rg.id, se.id, se.title, se.kind, se.room, se.starts_at, se.ends_at, e.id, e.title,"    \
    " e.venue, e.city FROM registrations rg JOIN sessions se ON se.id = rg.session_id"             \
    " JOIN events e ON e.id = se.event_id"                                                         \
    " WHERE rg.user_id = ? AND rg.status = 'confirmed' AND e.status <> 'cancelled'"

static int load_registrations(struct req *r, struct agenda *a)
{
    struct db_res res;
    if (req_exec(r, &res, AGENDA_REGISTRATIONS_SQL, "i", r->user.id) < 0)
        return -1;
    for (size_t i = 0; i < res.nrows; i++) {
        struct item *it = agenda_push(a);
        it->kind = ITEM_REGISTRATION;
        it->id = db_get_i64(&res, i, AR_ID);
        it->session_id = db_get_i64(&res, i, AR_SESSION);
        it->title = xstrdup(cell(&res, i, AR_S_TITLE));
        it->starts_at = db_get_time(&res, i, AR_S_STARTS);
        it->ends_at = db_get_time(&res, i, AR_S_ENDS);
        it->event_id = db_get_i64(&res, i, AR_EVENT);
        it->event_title = xstrdup(cell(&res, i, AR_E_TITLE));
        it->location = join_location(cell(&res, i, AR_S_ROOM), cell(&res, i, AR_E_VENUE));
        it->detail = xasprintf("%s session; %s, %s", cell(&res, i, AR_S_KIND),
                               cell(&res, i, AR_E_TITLE), cell(&res, i, AR_E_CITY));
    }
    db_res_clear(&res);
    return 0;
}

/* Placed pitches the caller presents, by AP_* columns. */
enum {
    AP_ID,
    AP_SESSION,
    AP_P_TITLE,
    AP_S_TITLE,
    AP_S_ROOM,
    AP_STARTS,
    AP_ENDS,
    AP_EVENT,
    AP_E_TITLE,
    AP_E_VENUE
};
#define AGENDA_PITCHES_SQL                                                                         \
    "SELECT p.id, p.session_id, pr.title, se.title, se.room, p.starts_at, p.ends_at, e.id,"        \
    " e.title, e.venue FROM pitches p JOIN projects pr ON pr.id = p.project_id"                    \
    " JOIN sessions se ON se.id = p.session_id JOIN events e ON e.id = se.event_id"                \
    " WHERE p.presenter_user_id = ? AND p.starts_at IS NOT NULL AND e.status <> 'cancelled'"

static int load_pitches(struct req *r, struct agenda *a)
{
    struct db_res res;
    if (req_exec(r, &res, AGENDA_PITCHES_SQL, "i", r->user.id) < 0)
        return -1;
    for (size_t i = 0; i < res.nrows; i++) {
        struct item *it = agenda_push(a);
        it->kind = ITEM_PITCH;
        it->id = db_get_i64(&res, i, AP_ID);
        it->session_id = db_get_i64(&res, i, AP_SESSION);
        it->title = xasprintf("Pitch: %s", cell(&res, i, AP_P_TITLE));
        it->starts_at = db_get_time(&res, i, AP_STARTS);
        it->ends_at = db_get_time(&res, i, AP_ENDS);
        it->event_id = db_get_i64(&res, i, AP_EVENT);
        it->event_title = xstrdup(cell(&res, i, AP_E_TITLE));
        it->location = join_location(cell(&res, i, AP_S_ROOM), cell(&res, i, AP_E_VENUE));
        it->detail = xasprintf("You present %s in %s; %s", cell(&res, i, AP_P_TITLE),
                               cell(&res, i, AP_S_TITLE), cell(&res, i, AP_E_TITLE));
    }
    db_res_clear(&res);
    return 0;
}

/* Scheduled 1:1 meetings of the caller's organizations, by AM_* columns (AM_MINE_A: the caller
 * is a member of org_a). */
enum {
    AM_ID,
    AM_STARTS,
    AM_ENDS,
    AM_TABLE,
    AM_EVENT,
    AM_E_TITLE,
    AM_E_VENUE,
    AM_ORG_A,
    AM_ORG_B,
    AM_MINE_A
};
#define AGENDA_MEETINGS_SQL                                                                        \
    "SELECT m.id, s.starts_at, s.ends_at, m.table_no, e.id, e.title, e.venue, oa.name, ob.name,"   \
    " EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_a AND x.user_id = ?)"             \
    " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"                                    \
    " JOIN events e ON e.id = m.event_id JOIN organizations oa ON oa.id = m.org_a"                 \
    " JOIN organizations ob ON ob.id = m.org_b"                                                    \
    " WHERE m.status = 'scheduled' AND e.status <> 'cancelled'"                                    \
    " AND (m.org_a IN (SELECT org_id FROM org_members WHERE user_id = ?)"                          \
    "  OR m.org_b IN (SELECT org_id FROM org_members WHERE user_id = ?))"

static int load_meetings(struct req *r, struct agenda *a)
{
    struct db_res res;
    int64_t user = r->user.id;
    if (req_exec(r, &res, AGENDA_MEETINGS_SQL, "iii", user, user, user) < 0)
        return -1;
    for (size_t i = 0; i < res.nrows; i++) {
        bool mine_a = db_get_i64(&res, i, AM_MINE_A) != 0;
        const char *me = cell(&res, i, mine_a ? AM_ORG_A : AM_ORG_B);
        const char *other = cell(&res, i, mine_a ? AM_ORG_B : AM_ORG_A);
        struct item *it = agenda_push(a);
        it->kind = ITEM_MEETING;
        it->id = db_get_i64(&res, i, AM_ID);
        it->starts_at = db_get_time(&res, i, AM_STARTS);
        it->ends_at = db_get_time(&res, i, AM_ENDS);
        it->event_id = db_get_i64(&res, i, AM_EVENT);
        it->event_title = xstrdup(cell(&res, i, AM_E_TITLE));
        it->title = xasprintf("1:1 meeting with %s", other);
        char table[32];
        snprintf(table, sizeof(table), "Table %lld", (long long)db_get_i64(&res, i, AM_TABLE));
        it->location = join_location(table, cell(&res, i, AM_E_VENUE));
        it->detail = xasprintf("%s meets %s; %s", me, other, cell(&res, i, AM_E_TITLE));
    }
    db_res_clear(&res);
    return 0;
}

static int cmp_item(const void *x, const void *y)
{
    const struct item *a = x, *b = y;
    if (a->starts_at != b->starts_at)
        return (a->starts_at > b->starts_at) - (a->starts_at < b->starts_at);
    if (a->ends_at != b->ends_at)
        return (a->ends_at > b->ends_at) - (a->ends_at < b->ends_at);
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return (a->id > b->id) - (a->id < b->id);
}

static void add_overlap(struct item *it, size_t other)
{
    it->overlaps = xrealloc(it->overlaps, (it->noverlaps + 1) * sizeof(*it->overlaps));
    it->overlaps[it->noverlaps++] = other;
}

/* Sorts and flags every overlapping pair ([start, end) intervals). Returns the number of pairs. */
static size_t agenda_check(struct agenda *a)
{
    if (a->n > 1) /* a->it is NULL when empty (qsort's base must not be) */
        qsort(a->it, a->n, sizeof(*a->it), cmp_item);
    size_t pairs = 0;
    for (size_t i = 0; i < a->n; i++) {
        for (size_t j = i + 1; j < a->n && a->it[j].starts_at < a->it[i].ends_at; j++) {
            struct item *p = &a->it[i], *q = &a->it[j];
            /* A pitch inside a session one registered for is where one is anyway. */
            bool same_session =
                p->session_id && p->session_id == q->session_id && p->kind != q->kind;
            if (same_session || !(q->ends_at > p->starts_at))
                continue;
            add_overlap(p, j);
            add_overlap(q, i);
            pairs++;
        }
    }
    return pairs;
}

/* Loads the caller's agenda and flags its overlaps; -1 after replying (a is then empty). */
static int agenda_load(struct req *r, struct agenda *a, size_t *pairs)
{
    if (load_registrations(r, a) < 0 || load_pitches(r, a) < 0 || load_meetings(r, a) < 0) {
        agenda_free(a);
        return -1;
    }
    *pairs = agenda_check(a);
    return 0;
}

static char *item_uid(const struct item *it)
{
    return xasprintf("%s-%lld@summitd", kind_names[it->kind], (long long)it->id);
}

void agenda_get(struct req *r)
{
    struct agenda a = {0};
    size_t pairs = 0;
    if (agenda_load(r, &a, &pairs) < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "conflicts", (double)pairs);
    cJSON *arr = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < a.n; i++) {
        const struct item *it = &a.it[i];
        cJSON *x = cJSON_CreateObject();
        char *uid = item_uid(it);
        cJSON_AddStringToObject(x, "uid", uid);
        free(uid);
        cJSON_AddStringToObject(x, "kind", kind_names[it->kind]);
        cJSON_AddNumberToObject(x, "id", (double)it->id);
        cJSON_AddStringToObject(x, "title", it->title);
        json_add_time(x, "starts_at", it->starts_at);
        json_add_time(x, "ends_at", it->ends_at);
        cJSON_AddStringToObject(x, "location", it->location);
        cJSON *ev = cJSON_AddObjectToObject(x, "event");
        cJSON_AddNumberToObject(ev, "id", (double)it->event_id);
        cJSON_AddStringToObject(ev, "title", it->event_title);
        if (it->session_id)
            cJSON_AddNumberToObject(x, "session_id", (double)it->session_id);
        cJSON_AddBoolToObject(x, "conflict", it->noverlaps > 0);
        cJSON *ov = cJSON_AddArrayToObject(x, "overlaps");
        for (size_t k = 0; k < it->noverlaps; k++) {
            char *u = item_uid(&a.it[it->overlaps[k]]);
            cJSON_AddItemToArray(ov, cJSON_CreateString(u));
            free(u);
        }
        cJSON_AddItemToArray(arr, x);
    }
    agenda_free(&a);
    reply_json(r, 200, o);
}

/* ---- iCalendar ---- */

void agenda_ics(struct req *r)
{
    struct agenda a = {0};
    size_t pairs = 0;
    if (agenda_load(r, &a, &pairs) < 0)
        return;
    struct buf out, desc;
    buf_init(&out);
    buf_init(&desc);
    int64_t stamp = time_now();
    ics_begin(&out, "-//summitd//agenda 1.0//EN", "summitd agenda");
    for (size_t i = 0; i < a.n; i++) {
        const struct item *it = &a.it[i];
        char *uid = item_uid(it);
        desc.len = 0;
        buf_puts(&desc, it->detail);
        if (it->noverlaps) {
            buf_puts(&desc, "\nOverlaps with:");
            for (size_t k = 0; k < it->noverlaps; k++) {
                const struct item *o = &a.it[it->overlaps[k]];
                buf_printf(&desc, "\n- %s (%s)", o->title, kind_names[o->kind]);
            }
        }
        struct ics_event ev = {
            .uid = uid,
            .starts_at = it->starts_at,
            .ends_at = it->ends_at,
            .summary = it->title,
            .location = it->location,
            .description = desc.p,
            .categories = kind_names[it->kind],
        };
        ics_vevent(&out, &ev, stamp);
        free(uid);
    }
    ics_end(&out);
    agenda_free(&a);
    buf_deinit(&desc);
    size_t len;
    char *body = buf_take(&out, &len);
    buf_deinit(&out);
    reply_header(r, "Content-Disposition", "inline; filename=\"agenda.ics\"");
    reply_body(r, 200, "text/calendar; charset=utf-8", body, len);
}
