#include "handlers/agenda.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/app.h"
#include "server/buf.h"
#include "server/db.h"
#include "server/err.h"
#include "server/http.h"
#include "server/json.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

#define ICS_LINE_MAX 75 /* octets per physical line, CRLF excluded (RFC 5545 §3.1) */

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

static int load_registrations(struct db *db, int64_t user, struct agenda *a)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT rg.id, se.id, se.title, se.kind, se.room, se.starts_at, se.ends_at,"
                     " e.id, e.title, e.venue, e.city"
                     " FROM registrations rg JOIN sessions se ON se.id = rg.session_id"
                     " JOIN events e ON e.id = se.event_id"
                     " WHERE rg.user_id = ? AND rg.status = 'confirmed'"
                     " AND e.status <> 'cancelled'",
                     "i", user);
    if (rc)
        return rc;
    for (size_t i = 0; i < res.nrows; i++) {
        struct item *it = agenda_push(a);
        it->kind = ITEM_REGISTRATION;
        it->id = db_get_i64(&res, i, 0);
        it->session_id = db_get_i64(&res, i, 1);
        it->title = xstrdup(cell(&res, i, 2));
        it->starts_at = db_get_time(&res, i, 5);
        it->ends_at = db_get_time(&res, i, 6);
        it->event_id = db_get_i64(&res, i, 7);
        it->event_title = xstrdup(cell(&res, i, 8));
        it->location = join_location(cell(&res, i, 4), cell(&res, i, 9));
        it->detail =
            xasprintf("%s session; %s, %s", cell(&res, i, 3), cell(&res, i, 8), cell(&res, i, 10));
    }
    db_res_clear(&res);
    return 0;
}

static int load_pitches(struct db *db, int64_t user, struct agenda *a)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT p.id, p.session_id, pr.title, se.title, se.room, p.starts_at,"
                     " p.ends_at, e.id, e.title, e.venue"
                     " FROM pitches p JOIN projects pr ON pr.id = p.project_id"
                     " JOIN sessions se ON se.id = p.session_id"
                     " JOIN events e ON e.id = se.event_id"
                     " WHERE p.presenter_user_id = ? AND p.starts_at IS NOT NULL"
                     " AND e.status <> 'cancelled'",
                     "i", user);
    if (rc)
        return rc;
    for (size_t i = 0; i < res.nrows; i++) {
        struct item *it = agenda_push(a);
        it->kind = ITEM_PITCH;
        it->id = db_get_i64(&res, i, 0);
        it->session_id = db_get_i64(&res, i, 1);
        it->title = xasprintf("Pitch: %s", cell(&res, i, 2));
        it->starts_at = db_get_time(&res, i, 5);
        it->ends_at = db_get_time(&res, i, 6);
        it->event_id = db_get_i64(&res, i, 7);
        it->event_title = xstrdup(cell(&res, i, 8));
        it->location = join_location(cell(&res, i, 4), cell(&res, i, 9));
        it->detail = xasprintf("You present %s in %s; %s", cell(&res, i, 2), cell(&res, i, 3),
                               cell(&res, i, 8));
    }
    db_res_clear(&res);
    return 0;
}

static int load_meetings(struct db *db, int64_t user, struct agenda *a)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "SELECT m.id, s.starts_at, s.ends_at, m.table_no, e.id, e.title, e.venue,"
                     " oa.name, ob.name,"
                     " EXISTS (SELECT 1 FROM org_members x WHERE x.org_id = m.org_a"
                     "  AND x.user_id = ?)"
                     " FROM meetings m JOIN meeting_slots s ON s.id = m.slot_id"
                     " JOIN events e ON e.id = m.event_id"
                     " JOIN organizations oa ON oa.id = m.org_a"
                     " JOIN organizations ob ON ob.id = m.org_b"
                     " WHERE m.status = 'scheduled' AND e.status <> 'cancelled'"
                     " AND (m.org_a IN (SELECT org_id FROM org_members WHERE user_id = ?)"
                     "  OR m.org_b IN (SELECT org_id FROM org_members WHERE user_id = ?))",
                     "iii", user, user, user);
    if (rc)
        return rc;
    for (size_t i = 0; i < res.nrows; i++) {
        bool mine_a = db_get_i64(&res, i, 9) != 0;
        const char *me = cell(&res, i, mine_a ? 7 : 8), *other = cell(&res, i, mine_a ? 8 : 7);
        struct item *it = agenda_push(a);
        it->kind = ITEM_MEETING;
        it->id = db_get_i64(&res, i, 0);
        it->starts_at = db_get_time(&res, i, 1);
        it->ends_at = db_get_time(&res, i, 2);
        it->event_id = db_get_i64(&res, i, 4);
        it->event_title = xstrdup(cell(&res, i, 5));
        it->title = xasprintf("1:1 meeting with %s", other);
        char table[32];
        snprintf(table, sizeof(table), "Table %lld", (long long)db_get_i64(&res, i, 3));
        it->location = join_location(table, cell(&res, i, 6));
        it->detail = xasprintf("%s meets %s; %s", me, other, cell(&res, i, 5));
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

static int agenda_load(struct req *r, struct agenda *a, size_t *pairs)
{
    struct db *db = r->w->db;
    int rc = load_registrations(db, r->user.id, a);
    if (!rc)
        rc = load_pitches(db, r->user.id, a);
    if (!rc)
        rc = load_meetings(db, r->user.id, a);
    if (rc)
        return rc;
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
    int rc = agenda_load(r, &a, &pairs);
    if (rc) {
        agenda_free(&a);
        reply_fail(r, rc);
        return;
    }
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

void agenda_ics_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case ';':
            buf_puts(b, "\\;");
            break;
        case ',':
            buf_puts(b, "\\,");
            break;
        case '\r':
            if (s[1] == '\n')
                s++;
            buf_puts(b, "\\n");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        default:
            buf_append(b, s, 1);
        }
    }
}

void agenda_ics_line(struct buf *b, const char *line, size_t len)
{
    size_t pos = 0, limit = ICS_LINE_MAX;
    while (len - pos > limit) {
        size_t cut = pos + limit;
        /* Never split a UTF-8 sequence: back off continuation bytes (10xxxxxx). */
        while (cut > pos && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        buf_append(b, line + pos, cut - pos);
        buf_puts(b, "\r\n ");
        pos = cut;
        limit = ICS_LINE_MAX - 1; /* the leading space counts */
    }
    buf_append(b, line + pos, len - pos);
    buf_puts(b, "\r\n");
}

/* One property: NAME:value (value already escaped when text). */
static void ics_prop(struct buf *out, struct buf *tmp, const char *name, const char *value,
                     bool text)
{
    tmp->len = 0;
    buf_puts(tmp, name);
    buf_puts(tmp, ":");
    if (text)
        agenda_ics_escape(tmp, value);
    else
        buf_puts(tmp, value);
    agenda_ics_line(out, tmp->p, tmp->len);
}

/* UTC "YYYYMMDDTHHMMSSZ" (RFC 5545 DATE-TIME, form #2). */
static const char *ics_time(int64_t t, char *buf, size_t len)
{
    char r3339[TIME_BUF];
    time_format_rfc3339(t, r3339); /* YYYY-MM-DDTHH:MM:SSZ */
    snprintf(buf, len, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", r3339, r3339 + 5, r3339 + 8, r3339 + 11,
             r3339 + 14, r3339 + 17);
    return buf;
}

void agenda_ics(struct req *r)
{
    struct agenda a = {0};
    size_t pairs = 0;
    int rc = agenda_load(r, &a, &pairs);
    if (rc) {
        agenda_free(&a);
        reply_fail(r, rc);
        return;
    }
    struct buf out, tmp, desc;
    buf_init(&out);
    buf_init(&tmp);
    buf_init(&desc);
    char stamp[32], t1[32], t2[32];
    ics_time(time_now(), stamp, sizeof(stamp));
    ics_prop(&out, &tmp, "BEGIN", "VCALENDAR", false);
    ics_prop(&out, &tmp, "VERSION", "2.0", false);
    ics_prop(&out, &tmp, "PRODID", "-//summitd//agenda 1.0//EN", false);
    ics_prop(&out, &tmp, "CALSCALE", "GREGORIAN", false);
    ics_prop(&out, &tmp, "METHOD", "PUBLISH", false);
    ics_prop(&out, &tmp, "X-WR-CALNAME", "summitd agenda", true);
    for (size_t i = 0; i < a.n; i++) {
        const struct item *it = &a.it[i];
        char *uid = item_uid(it);
        ics_prop(&out, &tmp, "BEGIN", "VEVENT", false);
        ics_prop(&out, &tmp, "UID", uid, false);
        ics_prop(&out, &tmp, "DTSTAMP", stamp, false);
        ics_prop(&out, &tmp, "DTSTART", ics_time(it->starts_at, t1, sizeof(t1)), false);
        ics_prop(&out, &tmp, "DTEND", ics_time(it->ends_at, t2, sizeof(t2)), false);
        ics_prop(&out, &tmp, "SUMMARY", it->title, true);
        ics_prop(&out, &tmp, "LOCATION", it->location, true);
        desc.len = 0;
        buf_puts(&desc, it->detail);
        if (it->noverlaps) {
            buf_puts(&desc, "\nOverlaps with:");
            for (size_t k = 0; k < it->noverlaps; k++) {
                const struct item *o = &a.it[it->overlaps[k]];
                buf_printf(&desc, "\n- %s (%s)", o->title, kind_names[o->kind]);
            }
        }
        ics_prop(&out, &tmp, "DESCRIPTION", desc.p, true);
        ics_prop(&out, &tmp, "CATEGORIES", kind_names[it->kind], true);
        ics_prop(&out, &tmp, "STATUS", "CONFIRMED", false);
        ics_prop(&out, &tmp, "END", "VEVENT", false);
        free(uid);
    }
    ics_prop(&out, &tmp, "END", "VCALENDAR", false);
    agenda_free(&a);
    buf_deinit(&tmp);
    buf_deinit(&desc);
    size_t len;
    char *body = buf_take(&out, &len);
    buf_deinit(&out);
    reply_header(r, "Content-Disposition", "inline; filename=\"agenda.ics\"");
    reply_body(r, 200, "text/calendar; charset=utf-8", body, len);
}
