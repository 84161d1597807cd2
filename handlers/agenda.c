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
#include "server/query.h"
#include "server/reqdb.h"
#include "server/timeutil.h"
#include "server/tz.h"
#include "base/xalloc.h"

enum item_kind { ITEM_REGISTRATION, ITEM_PITCH, ITEM_MEETING };

static const char *const kind_names[] = {"registration", "pitch", "meeting"};

/* Every text the server writes into an agenda, by enum lang (zh first). Titles people typed
 * (sessions, projects, events, organizations, rooms, venues) are shown as they are. */
static const char *const kind_labels[][3] = {
    [LANG_ZH] = {"报名场次", "路演", "洽谈"},
    [LANG_EN] = {"registration", "pitch", "meeting"},
};
static const char *const session_kind_labels[][4] = {
    [LANG_ZH] = {"论坛", "路演", "大赛", "展览"},
    [LANG_EN] = {"forum", "pitch", "competition", "exhibition"},
};
static const char *const session_kind_codes[] = {"forum", "pitch", "competition", "exhibition"};

static const char *session_kind_label(enum lang lang, const char *code)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(session_kind_codes); i++)
        if (strcmp(code, session_kind_codes[i]) == 0)
            return session_kind_labels[lang][i];
    return code;
}

/* The sentences, with literal formats (-Wformat=2 checks them), one branch per language. */
#define ZH_EN(lang, zh, en) ((lang) == LANG_ZH ? (zh) : (en))
#define LIST_SEP(lang) ZH_EN(lang, "，", ", ")

struct item {
    enum item_kind kind;
    int64_t id;
    int64_t starts_at, ends_at;
    int64_t session_id; /* registrations and pitches */
    int64_t event_id;
    char *title, *location, *event_title, *detail;
    char *time_zone;      /* the event's IANA zone */
    const struct tz *tz;  /* loaded, or NULL when the system lacks it (times then stay UTC) */
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
        free(a->it[i].time_zone);
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

static char *join_location(enum lang lang, const char *place, const char *venue)
{
    if (!*place)
        return xstrdup(venue);
    if (!*venue)
        return xstrdup(place);
    return xasprintf("%s%s%s", place, LIST_SEP(lang), venue);
}

static void set_zone(struct item *it, const char *zone)
{
    it->time_zone = xstrdup(*zone ? zone : TZ_DEFAULT);
    it->tz = tz_get(it->time_zone);
}

/* The caller of the loaders: whose agenda, in which language. */
struct agenda_who {
    int64_t user;
    enum lang lang;
};

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
    AR_E_CITY,
    AR_E_ZONE
};
#define AGENDA_REGISTRATIONS_SQL                                                                   \
    "SELECT rg.id, se.id, se.title, se.kind, se.room, se.starts_at, se.ends_at, e.id, e.title,"    \
    " e.venue, e.city, e.time_zone FROM registrations rg JOIN sessions se ON se.id = rg.session_id"             \
    " JOIN events e ON e.id = se.event_id"                                                         \
    " WHERE rg.user_id = ? AND rg.status = 'confirmed' AND e.status <> 'cancelled'"

static int load_registrations(struct req *r, const struct agenda_who *who, struct agenda *a)
{
    struct db_res res;
    enum lang lang = who->lang;
    if (req_exec(r, &res, AGENDA_REGISTRATIONS_SQL, "i", who->user) < 0)
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
        it->location =
            join_location(lang, cell(&res, i, AR_S_ROOM), cell(&res, i, AR_E_VENUE));
        const char *kind = session_kind_label(lang, cell(&res, i, AR_S_KIND));
        const char *ev = cell(&res, i, AR_E_TITLE), *city = cell(&res, i, AR_E_CITY);
        it->detail = ZH_EN(lang, xasprintf("%s场次；%s，%s", kind, ev, city),
                           xasprintf("%s session; %s, %s", kind, ev, city));
        set_zone(it, cell(&res, i, AR_E_ZONE));
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
    AP_E_VENUE,
    AP_E_ZONE
};
#define AGENDA_PITCHES_SQL                                                                         \
    "SELECT p.id, p.session_id, pr.title, se.title, se.room, p.starts_at, p.ends_at, e.id,"        \
    " e.title, e.venue, e.time_zone FROM pitches p JOIN projects pr ON pr.id = p.project_id"                    \
    " JOIN sessions se ON se.id = p.session_id JOIN events e ON e.id = se.event_id"                \
    " WHERE p.presenter_user_id = ? AND p.starts_at IS NOT NULL AND e.status <> 'cancelled'"

static int load_pitches(struct req *r, const struct agenda_who *who, struct agenda *a)
{
    struct db_res res;
    enum lang lang = who->lang;
    if (req_exec(r, &res, AGENDA_PITCHES_SQL, "i", who->user) < 0)
        return -1;
    for (size_t i = 0; i < res.nrows; i++) {
        struct item *it = agenda_push(a);
        it->kind = ITEM_PITCH;
        it->id = db_get_i64(&res, i, AP_ID);
        it->session_id = db_get_i64(&res, i, AP_SESSION);
        const char *project = cell(&res, i, AP_P_TITLE);
        it->title = ZH_EN(lang, xasprintf("路演：%s", project), xasprintf("Pitch: %s", project));
        it->starts_at = db_get_time(&res, i, AP_STARTS);
        it->ends_at = db_get_time(&res, i, AP_ENDS);
        it->event_id = db_get_i64(&res, i, AP_EVENT);
        it->event_title = xstrdup(cell(&res, i, AP_E_TITLE));
        it->location =
            join_location(lang, cell(&res, i, AP_S_ROOM), cell(&res, i, AP_E_VENUE));
        const char *st = cell(&res, i, AP_S_TITLE), *ev = cell(&res, i, AP_E_TITLE);
        it->detail = ZH_EN(lang, xasprintf("您在「%s」路演 %s；%s", st, project, ev),
                           xasprintf("You present %s in %s; %s", project, st, ev));
        set_zone(it, cell(&res, i, AP_E_ZONE));
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
    AM_MINE_A,
    AM_E_ZONE
};
#define AGENDA_MEETINGS_SQL                                                                        \
    "SELECT m.id, s.starts_at, s.ends_at, m.table_no, e.id, e.title, e.venue, oa.name, ob.name,"   \
     " EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_a AND x.user_id = ?), e.time_zone"\
    " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"                                    \
    " JOIN events e ON e.id = m.event_id JOIN organizations oa ON oa.id = m.org_a"                 \
    " JOIN organizations ob ON ob.id = m.org_b"                                                    \
    " WHERE m.status = 'scheduled' AND e.status <> 'cancelled'"                                    \
    " AND (m.org_a IN (SELECT org_id FROM org_members WHERE user_id = ?)"                          \
    "  OR m.org_b IN (SELECT org_id FROM org_members WHERE user_id = ?))"

static int load_meetings(struct req *r, const struct agenda_who *who, struct agenda *a)
{
    struct db_res res;
    enum lang lang = who->lang;
    int64_t user = who->user;
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
        const char *ev = cell(&res, i, AM_E_TITLE);
        long long table_no = (long long)db_get_i64(&res, i, AM_TABLE);
        it->title = ZH_EN(lang, xasprintf("与 %s 的 1:1 洽谈", other),
                          xasprintf("1:1 meeting with %s", other));
        char *table = ZH_EN(lang, xasprintf("%lld号桌", table_no), xasprintf("Table %lld", table_no));
        it->location = join_location(lang, table, cell(&res, i, AM_E_VENUE));
        free(table);
        it->detail = ZH_EN(lang, xasprintf("%s 与 %s 洽谈；%s", me, other, ev),
                           xasprintf("%s meets %s; %s", me, other, ev));
        set_zone(it, cell(&res, i, AM_E_ZONE));
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

/* Loads a person's agenda and flags its overlaps; -1 after replying (a is then empty). */
static int agenda_load(struct req *r, const struct agenda_who *who, struct agenda *a,
                       size_t *pairs)
{
    if (load_registrations(r, who, a) < 0 || load_pitches(r, who, a) < 0 ||
        load_meetings(r, who, a) < 0) {
        agenda_free(a);
        return -1;
    }
    *pairs = agenda_check(a);
    return 0;
}

char *agenda_uid(const char *kind, int64_t id)
{
    return xasprintf("%s-%lld@summitd", kind, (long long)id);
}

static char *item_uid(const struct item *it)
{
    return agenda_uid(kind_names[it->kind], it->id);
}

/* The caller as the one whose agenda it is, in the language req_lang picks. */
static int who_caller(struct req *r, struct agenda_who *who)
{
    who->user = r->user.id;
    return req_lang(r, &who->lang);
}

void agenda_get(struct req *r)
{
    struct agenda_who who;
    struct agenda a = {0};
    size_t pairs = 0;
    if (who_caller(r, &who) < 0 || agenda_load(r, &who, &a, &pairs) < 0)
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
        cJSON_AddStringToObject(x, "time_zone", it->time_zone);
        if (it->tz) { /* the same instants as wall-clock times in the event's zone */
            char lb[TZ_LOCAL_BUF];
            cJSON_AddStringToObject(x, "starts_local", tz_format_local(it->tz, it->starts_at, lb));
            cJSON_AddStringToObject(x, "ends_local", tz_format_local(it->tz, it->ends_at, lb));
        }
        cJSON_AddStringToObject(x, "location", it->location);
        cJSON *ev = cJSON_AddObjectToObject(x, "event");
        cJSON_AddNumberToObject(ev, "id", (double)it->event_id);
        cJSON_AddStringToObject(ev, "title", it->event_title);
        cJSON_AddStringToObject(ev, "time_zone", it->time_zone);
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

/* One VTIMEZONE per zone the items use, covering that zone's items (before the VEVENTs). */
static void write_zones(struct buf *out, const struct agenda *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const struct tz *z = a->it[i].tz;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = a->it[k].tz == z;
        if (!z || seen)
            continue;
        int64_t from = a->it[i].starts_at, to = a->it[i].ends_at;
        for (size_t k = i + 1; k < a->n; k++) {
            if (a->it[k].tz != z)
                continue;
            from = a->it[k].starts_at < from ? a->it[k].starts_at : from;
            to = a->it[k].ends_at > to ? a->it[k].ends_at : to;
        }
        tz_vtimezone(out, z, from, to);
    }
}

/* The item's DESCRIPTION: what it is, when in local time, and what it overlaps. */
static void describe(struct buf *desc, const struct agenda *a, const struct item *it,
                     enum lang lang)
{
    desc->len = 0;
    buf_puts(desc, it->detail);
    if (it->tz) {
        char s[TZ_LOCAL_BUF], e[TZ_LOCAL_BUF];
        tz_format_text(it->tz, it->starts_at, lang == LANG_ZH, s);
        tz_format_text(it->tz, it->ends_at, lang == LANG_ZH, e);
        if (lang == LANG_ZH)
            buf_printf(desc, "\n时间：%s 至 %s（%s）", s, e, it->time_zone);
        else
            buf_printf(desc, "\nTime: %s to %s (%s)", s, e, it->time_zone);
    }
    if (it->noverlaps) {
        buf_puts(desc, ZH_EN(lang, "\n时间冲突：", "\nOverlaps with:"));
        for (size_t k = 0; k < it->noverlaps; k++) {
            const struct item *o = &a->it[it->overlaps[k]];
            if (lang == LANG_ZH)
                buf_printf(desc, "\n- %s（%s）", o->title, kind_labels[lang][o->kind]);
            else
                buf_printf(desc, "\n- %s (%s)", o->title, kind_labels[lang][o->kind]);
        }
    }
}

void agenda_render_ics(struct req *r, int64_t user, enum lang lang, const char *filename)
{
    struct agenda_who who = {.user = user, .lang = lang};
    struct agenda a = {0};
    size_t pairs = 0;
    if (agenda_load(r, &who, &a, &pairs) < 0)
        return;
    struct buf out, desc;
    buf_init(&out);
    buf_init(&desc);
    int64_t stamp = time_now();
    ics_begin(&out, "-//summitd//agenda 1.0//EN", ZH_EN(lang, "summitd 日程", "summitd agenda"));
    write_zones(&out, &a);
    for (size_t i = 0; i < a.n; i++) {
        const struct item *it = &a.it[i];
        char *uid = item_uid(it);
        describe(&desc, &a, it, lang);
        struct ics_event ev = {
            .uid = uid,
            .starts_at = it->starts_at,
            .ends_at = it->ends_at,
            .tz = it->tz,
            .summary = it->title,
            .location = it->location,
            .description = desc.p,
            .categories = kind_labels[lang][it->kind],
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
    char disp[96];
    snprintf(disp, sizeof(disp), "inline; filename=\"%s\"", filename);
    reply_header(r, "Content-Disposition", disp);
    reply_body(r, 200, "text/calendar; charset=utf-8", body, len);
}

void agenda_ics(struct req *r)
{
    struct agenda_who who;
    if (who_caller(r, &who) == 0)
        agenda_render_ics(r, who.user, who.lang, "agenda.ics");
}
