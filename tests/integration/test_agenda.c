/* One agenda, one conflict checker (issue 6): GET /me/agenda and its iCalendar twin
 * GET /me/agenda.ics, against a real summitd, MariaDB and Redis. The .ics is parsed back:
 * CRLF, 75-octet folding that never splits a UTF-8 sequence, one VEVENT per item, stable UIDs,
 * local times with TZID and a VTIMEZONE per zone (issue 15), TEXT escaping, and every
 * server-written text in the reader's language (zh by default, en on request). */
#include "tests/integration/mt_fixtures.h"

IT_SUITE(agenda, 120);

/* A long title with Chinese text and every TEXT special character (JSON-escaped form and the
 * bytes it stands for). */
#define LONG_TITLE_JSON                                                                            \
    "人工智能产业高峰论坛, 第一场; 主题: 大模型\\\\算力 与 智能制造的融合发展之路（上午场）"
#define LONG_TITLE                                                                                 \
    "人工智能产业高峰论坛, 第一场; 主题: 大模型\\算力 与 智能制造的融合发展之路（上午场）"

struct world {
    char *otok, *utok, *vtok;
    int64_t oid, uid, vid;
    int64_t event, org_a, org_b;
    int64_t s1, s2, s3; /* forum 09–10, pitch session 13–15, forum 16–17 */
    int64_t reg1, reg2, reg3, pitch, meeting;
};

static int64_t session(struct world *w, const char *title_json, const char *kind, int h0, int h1)
{
    char path[96], a[32], b[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)w->event);
    struct it_resp *r = mx_req(srv, "POST", path, w->otok,
                               "{\"title\":\"%s\",\"kind\":\"%s\",\"room\":\"B2 厅\","
                               "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"capacity\":100}",
                               title_json, kind, it_rfc3339(mx_t0() + (h0 - 8) * 3600, a),
                               it_rfc3339(mx_t0() + (h1 - 8) * 3600, b));
    cr_assert_eq(r->status, 201, "session: %s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

static int64_t reg(const char *tok, int64_t session_id)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)session_id);
    struct it_resp *r = it_http(srv, "POST", path, tok, NULL, NULL);
    cr_assert_eq(r->status, 201, "registration: %s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "confirmed");
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

static void world_new(struct world *w)
{
    memset(w, 0, sizeof(*w));
    w->otok = it_organizer(srv, &w->oid);
    w->utok = it_user(srv, "enterprise", &w->uid);
    w->vtok = it_user(srv, "enterprise", &w->vid);
    w->event = mx_event(srv, w->otok, mx_t0(), 10, "日程 Agenda 展会");
    char name[96];
    snprintf(name, sizeof(name), "日程甲方 %d", (int)getpid());
    w->org_a = mx_org(srv, w->utok, name);
    snprintf(name, sizeof(name), "日程乙方 %d", (int)getpid());
    w->org_b = mx_org(srv, w->vtok, name);
    w->s1 = session(w, LONG_TITLE_JSON, "forum", 9, 10);
    w->s2 = session(w, "项目路演专场", "pitch", 13, 15);
    w->s3 = session(w, "闭幕论坛", "forum", 16, 17);
    w->reg1 = reg(w->utok, w->s1); /* also makes A attend */
    w->reg2 = reg(w->utok, w->s2);
    w->reg3 = reg(w->utok, w->s3);
    mx_exhibit(srv, w->otok, w->event, w->org_b);
    /* U presents a pitch at 13:30–13:45 inside the pitch session U registered for. */
    char a[32], b[32];
    w->pitch = it_sql_i64(
        MX_PROJECT_SQL "INSERT INTO pitches (session_id, event_id, project_id,"
                       " presenter_user_id, minutes, starts_at, ends_at, created_by,"
                       " created_at, updated_at) VALUES (%lld, %lld, @p, %lld, 15, '%s', '%s',"
                       " 1, UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID();",
        (long long)w->org_a, "supply", "类脑芯片路演", (long long)w->s2, (long long)w->event,
        (long long)w->uid, it_sqltime(mx_t0() + 5 * 3600 + 1800, a),
        it_sqltime(mx_t0() + 5 * 3600 + 2700, b));
    /* A mutual match A–B and a meeting at 09:30–09:45, during the 09–10 forum. */
    mx_match(w->org_a, w->org_b, 0.8, "日程配对");
    mx_slots(srv, w->otok, w->event, mx_t0() + 5400, 15, 2, 2);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)w->event);
    struct it_resp *r = it_http(srv, "POST", path, w->otok, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 1, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled.0.slot.index"), 0);
    w->meeting = (int64_t)it_jnum(r, "scheduled.0.id");
    it_resp_free(r);
}

static void world_free(struct world *w)
{
    free(w->otok);
    free(w->utok);
    free(w->vtok);
}

static char *uid_of(const char *kind, int64_t id)
{
    char *s = NULL;
    cr_assert_geq(asprintf(&s, "%s-%lld@summitd", kind, (long long)id), 0);
    return s;
}

Test(agenda, merges_registrations_pitches_and_meetings_and_flags_overlaps)
{
    struct world w;
    world_new(&w);
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/agenda", w.utok, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *items = cJSON_GetObjectItem(r->json, "items");
    cr_assert_eq(cJSON_GetArraySize(items), 5, "%s", r->body);
    /* Time order: forum 09:00, meeting 09:30, pitch session 13:00, pitch 13:30, forum 16:00. */
    static const char *const kinds[] = {"registration", "meeting", "registration", "pitch",
                                        "registration"};
    int64_t ids[] = {w.reg1, w.meeting, w.reg2, w.pitch, w.reg3};
    for (int i = 0; i < 5; i++) {
        cJSON *x = cJSON_GetArrayItem(items, i);
        cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(x, "kind")), kinds[i]);
        cr_assert_eq((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(x, "id")), ids[i], "item %d",
                     i);
        char *uid = uid_of(kinds[i], ids[i]);
        cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(x, "uid")), uid);
        free(uid);
        bool conflict = cJSON_IsTrue(cJSON_GetObjectItem(x, "conflict"));
        cr_assert_eq(conflict, i < 2, "item %d conflict flag: %s", i, r->body);
    }
    cr_assert_eq((int)it_jnum(r, "conflicts"), 1, "one overlapping pair");
    char *ru = uid_of("registration", w.reg1), *mu = uid_of("meeting", w.meeting);
    cr_assert_str_eq(it_jstr(r, "items.0.overlaps.0"), mu);
    cr_assert_str_eq(it_jstr(r, "items.1.overlaps.0"), ru);
    cr_assert_str_eq(it_jstr(r, "items.0.title"), LONG_TITLE);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 3), "overlaps")),
                 0, "a pitch inside the session one registered for is no conflict");
    it_resp_free(r);

    /* The other side sees only the meeting, without conflict. */
    r = it_http(srv, "GET", "/api/v1/me/agenda", w.vtok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "items.0.uid"), mu);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "conflict")));
    it_resp_free(r);

    /* Cancelling the meeting removes it and the conflict. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/meetings/%lld", (long long)w.meeting);
    it_expect(it_http(srv, "DELETE", path, w.vtok, NULL, NULL), 204, NULL, "cancel");
    r = it_http(srv, "GET", "/api/v1/me/agenda", w.utok, NULL, NULL);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 4);
    cr_assert_eq((int)it_jnum(r, "conflicts"), 0);
    it_resp_free(r);
    free(ru);
    free(mu);
    world_free(&w);
}

/* Unfolds (CRLF + one space or tab is removed) into logical lines. Checks the physical lines on
 * the way: CRLF only, at most 75 octets, a continuation never starts inside a UTF-8 sequence. */
static size_t ics_unfold(const char *body, size_t len, char ***out)
{
    size_t n = 0, cap = 64;
    char **lines = calloc(cap, sizeof(*lines));
    char *cur = NULL;
    size_t curlen = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *eol = memmem(body + pos, len - pos, "\r\n", 2);
        cr_assert_not_null(eol, "every line ends with CRLF");
        size_t plen = (size_t)(eol - (body + pos));
        cr_assert_leq(plen, 75, "a physical line of %zu octets", plen);
        cr_assert_null(memchr(body + pos, '\n', plen), "no bare LF");
        const char *p = body + pos;
        if (plen && (p[0] == ' ' || p[0] == '\t')) {
            cr_assert_not_null(cur, "continuation without a line");
            cr_assert(plen > 1 && ((unsigned char)p[1] & 0xC0) != 0x80,
                      "a fold split a UTF-8 sequence");
            cur = realloc(cur, curlen + plen);
            memcpy(cur + curlen, p + 1, plen - 1);
            curlen += plen - 1;
            cur[curlen] = '\0';
        } else {
            if (cur) {
                if (n == cap)
                    lines = realloc(lines, (cap *= 2) * sizeof(*lines));
                lines[n++] = cur;
            }
            cur = malloc(plen + 1);
            memcpy(cur, p, plen);
            cur[plen] = '\0';
            curlen = plen;
        }
        pos += plen + 2;
    }
    if (cur) {
        if (n == cap)
            lines = realloc(lines, (cap *= 2) * sizeof(*lines));
        lines[n++] = cur;
    }
    *out = lines;
    return n;
}

/* TEXT value back to its bytes. */
static char *ics_unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *o++ = (*s == 'n' || *s == 'N') ? '\n' : *s;
        } else {
            cr_assert(*s != ',' && *s != ';', "unescaped , or ; in a TEXT value");
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static const char *prop(char **lines, size_t from, size_t to, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = from; i < to; i++)
        if (strncmp(lines[i], name, nl) == 0 && lines[i][nl] == ':')
            return lines[i] + nl + 1;
    return NULL;
}

/* An RFC 3339 UTC time from the JSON as the iCalendar local time at a fixed offset (computed
 * here, independently of the server's zone reader): "2032-03-10T01:00:00Z", +8 h ->
 * "20320310T090000". */
static void local_ics(const char *s3339, int offset_s, char *out, size_t len)
{
    struct tm tm = {0};
    cr_assert_not_null(strptime(s3339, "%Y-%m-%dT%H:%M:%SZ", &tm), "%s", s3339);
    time_t t = timegm(&tm) + offset_s;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y%m%dT%H%M%S", &tm);
}

/* The number of lines equal to `line`. */
static size_t count_lines(char **lines, size_t n, const char *line)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(lines[i], line) == 0;
    return k;
}

Test(agenda, ics_parses_back_with_stable_uids_local_times_and_escaped_text)
{
    struct world w;
    world_new(&w);
    struct it_resp *j = it_http(srv, "GET", "/api/v1/me/agenda", w.utok, NULL, NULL);
    cr_assert_eq(j->status, 200);
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/agenda.ics", w.utok, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char ct[128];
    cr_assert_not_null(it_header(r, "Content-Type", ct, sizeof(ct)));
    cr_assert_str_eq(ct, "text/calendar; charset=utf-8");

    char **lines;
    size_t n = ics_unfold(r->body, r->body_len, &lines);
    cr_assert_gt(n, 10);
    cr_assert_str_eq(lines[0], "BEGIN:VCALENDAR");
    cr_assert_str_eq(lines[n - 1], "END:VCALENDAR");
    cr_assert_str_eq(prop(lines, 0, n, "VERSION"), "2.0");
    cr_assert_not_null(prop(lines, 0, n, "PRODID"));

    cJSON *items = cJSON_GetObjectItem(j->json, "items");
    size_t events = 0, folded_summary = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(lines[i], "BEGIN:VEVENT") != 0)
            continue;
        size_t end = i + 1;
        while (end < n && strcmp(lines[end], "END:VEVENT") != 0)
            end++;
        cr_assert_lt(end, n, "VEVENT not closed");
        cJSON *x = cJSON_GetArrayItem(items, (int)events);
        cr_assert_not_null(x, "more VEVENTs than agenda items");
        /* Same UID, same instants (local Shanghai time with TZID), in the order of the JSON. */
        cr_assert_str_eq(prop(lines, i, end, "UID"),
                         cJSON_GetStringValue(cJSON_GetObjectItem(x, "uid")));
        const char *dtstamp = prop(lines, i, end, "DTSTAMP");
        cr_assert(dtstamp && strlen(dtstamp) == 16 && dtstamp[8] == 'T' && dtstamp[15] == 'Z');
        cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(x, "time_zone")), "Asia/Shanghai");
        char want[32];
        local_ics(cJSON_GetStringValue(cJSON_GetObjectItem(x, "starts_at")), 8 * 3600, want,
                  sizeof(want));
        cr_assert_str_eq(prop(lines, i, end, "DTSTART;TZID=Asia/Shanghai"), want);
        cr_assert_null(prop(lines, i, end, "DTSTART"), "no UTC DTSTART beside it");
        local_ics(cJSON_GetStringValue(cJSON_GetObjectItem(x, "ends_at")), 8 * 3600, want,
                  sizeof(want));
        cr_assert_str_eq(prop(lines, i, end, "DTEND;TZID=Asia/Shanghai"), want);
        char *summary = ics_unescape(prop(lines, i, end, "SUMMARY"));
        cr_assert_str_eq(summary, cJSON_GetStringValue(cJSON_GetObjectItem(x, "title")));
        if (strcmp(summary, LONG_TITLE) == 0)
            folded_summary++;
        free(summary);
        char *desc = ics_unescape(prop(lines, i, end, "DESCRIPTION"));
        bool conflict = cJSON_IsTrue(cJSON_GetObjectItem(x, "conflict"));
        cr_assert_eq(strstr(desc, "\n时间冲突：") != NULL, conflict,
                     "overlaps named in DESCRIPTION (in Chinese by default): %s", desc);
        free(desc);
        events++;
        i = end;
    }
    cr_assert_eq(events, 5, "one VEVENT per agenda item");
    /* One zone used, one VTIMEZONE: Shanghai, a single STANDARD at +0800, before the events. */
    cr_assert_eq(count_lines(lines, n, "BEGIN:VTIMEZONE"), 1);
    cr_assert_eq(count_lines(lines, n, "TZID:Asia/Shanghai"), 1);
    cr_assert_eq(count_lines(lines, n, "BEGIN:STANDARD"), 1);
    cr_assert_eq(count_lines(lines, n, "BEGIN:DAYLIGHT"), 0);
    cr_assert_eq(count_lines(lines, n, "TZOFFSETFROM:+0800"), 1);
    cr_assert_eq(count_lines(lines, n, "TZOFFSETTO:+0800"), 1);
    cr_assert_eq(events, (size_t)cJSON_GetArraySize(items));
    cr_assert_eq(folded_summary, 1, "the long Chinese title with , ; \\ round-trips");
    /* The title really was folded: its escaped form is longer than one line. */
    cr_assert_null(memmem(r->body, r->body_len, "SUMMARY:" LONG_TITLE, strlen(LONG_TITLE) + 8));
    cr_assert_not_null(memmem(r->body, r->body_len, "\r\n ", 3), "some line was folded");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    it_resp_free(r);
    it_resp_free(j);

    /* UIDs are stable across requests. */
    r = it_http(srv, "GET", "/api/v1/me/agenda.ics", w.utok, NULL, NULL);
    char *mu = uid_of("meeting", w.meeting);
    char needle[96];
    snprintf(needle, sizeof(needle), "UID:%s\r\n", mu);
    cr_assert_not_null(memmem(r->body, r->body_len, needle, strlen(needle)));
    free(mu);
    it_resp_free(r);
    world_free(&w);
}

Test(agenda, empty_agenda_and_authentication)
{
    int64_t uid;
    char *tok = it_user(srv, "attendee", &uid);
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/agenda.ics", tok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    char **lines;
    size_t n = ics_unfold(r->body, r->body_len, &lines);
    cr_assert_str_eq(lines[0], "BEGIN:VCALENDAR");
    cr_assert_str_eq(lines[n - 1], "END:VCALENDAR");
    for (size_t i = 0; i < n; i++) {
        cr_assert_neq(strcmp(lines[i], "BEGIN:VEVENT"), 0);
        free(lines[i]);
    }
    free(lines);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/agenda", tok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 0);
    cr_assert_eq((int)it_jnum(r, "conflicts"), 0);
    it_resp_free(r);
    it_expect(it_http(srv, "GET", "/api/v1/me/agenda", NULL, NULL, NULL), 401, NULL, "anon");
    it_expect(it_http(srv, "GET", "/api/v1/me/agenda.ics", NULL, NULL, NULL), 401, NULL, "anon");
    it_expect(it_http(srv, "GET", "/api/v1/me/agenda.ics", "not-a-token", NULL, NULL), 401, NULL,
              "bad token");
    free(tok);
}

/* An event at 01:00Z in Asia/Shanghai shows 09:00 local; moving the event to Europe/Berlin (in
 * summer time on that date) shows 03:00 and brings Berlin's VTIMEZONE (DAYLIGHT +0200). */
Test(agenda, local_times_follow_the_event_zone)
{
    char *otok = it_organizer(srv, NULL), *utok = it_user(srv, "attendee", NULL);
    int64_t t0 = mx_t0() + 86400 * 90; /* 2032-06-08 08:00Z */
    int64_t ev = mx_event(srv, otok, t0 - 7 * 3600, 10, "时区 Zone 峰会");
    char path[96], a[32], b[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)ev);
    struct it_resp *r = mx_req(srv, "POST", path, otok,
                               "{\"title\":\"早场\",\"kind\":\"forum\",\"room\":\"A1\","
                               "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"capacity\":10}",
                               it_rfc3339(t0 - 7 * 3600, a), it_rfc3339(t0 - 6 * 3600, b));
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t s = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    reg(utok, s);
    r = it_http(srv, "GET", "/api/v1/me/agenda", utok, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "items.0.starts_at"), "2032-06-08T01:00:00Z");
    cr_assert_str_eq(it_jstr(r, "items.0.time_zone"), "Asia/Shanghai");
    cr_assert_str_eq(it_jstr(r, "items.0.event.time_zone"), "Asia/Shanghai");
    cr_assert_str_eq(it_jstr(r, "items.0.starts_local"), "2032-06-08 09:00");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/agenda.ics", utok, NULL, NULL);
    cr_assert_not_null(memmem(r->body, r->body_len, "\r\nDTSTART;TZID=Asia/Shanghai:20320608T090000\r\n",
                              46), "%s", r->body);
    it_resp_free(r);

    snprintf(path, sizeof(path), "/api/v1/events/%lld", (long long)ev);
    r = it_http(srv, "PATCH", path, otok, "{\"time_zone\":\"Europe/Berlin\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/agenda.ics", utok, NULL, NULL);
    char **lines;
    size_t n = ics_unfold(r->body, r->body_len, &lines);
    cr_assert_str_eq(prop(lines, 0, n, "DTSTART;TZID=Europe/Berlin"), "20320608T030000");
    cr_assert_str_eq(prop(lines, 0, n, "DTEND;TZID=Europe/Berlin"), "20320608T040000");
    cr_assert_eq(count_lines(lines, n, "TZID:Europe/Berlin"), 1);
    cr_assert_eq(count_lines(lines, n, "BEGIN:DAYLIGHT"), 1, "%s", r->body);
    cr_assert_eq(count_lines(lines, n, "TZOFFSETTO:+0200"), 1, "%s", r->body);
    cr_assert_eq(count_lines(lines, n, "TZID:Asia/Shanghai"), 0, "no zone that no event uses");
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    it_resp_free(r);
    free(otok);
    free(utok);
}

/* Server-written text is Chinese by default and English with lang=en (or Accept-Language);
 * what people typed (session titles, organization names) is shown as it is. */
Test(agenda, text_in_the_readers_language)
{
    struct world w;
    world_new(&w);
    char *other = it_sql("SELECT name FROM organizations WHERE id = %lld", (long long)w.org_b);
    char want[256];
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/agenda", w.utok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    snprintf(want, sizeof(want), "与 %s 的 1:1 洽谈", other);
    cr_assert_str_eq(it_jstr(r, "items.1.title"), want, "%s", r->body);
    cr_assert(strstr(it_jstr(r, "items.1.location"), "号桌，世纪城"), "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "items.3.title"), "路演：类脑芯片路演");
    cr_assert_str_eq(it_jstr(r, "items.0.title"), LONG_TITLE, "typed text as it is");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/agenda?lang=en", w.utok, NULL, NULL);
    snprintf(want, sizeof(want), "1:1 meeting with %s", other);
    cr_assert_str_eq(it_jstr(r, "items.1.title"), want, "%s", r->body);
    cr_assert(strncmp(it_jstr(r, "items.1.location"), "Table ", 6) == 0, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "items.3.title"), "Pitch: 类脑芯片路演");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/agenda.ics", w.utok, NULL,
                "Accept-Language: en-US,en;q=0.9\r\n");
    cr_assert_not_null(memmem(r->body, r->body_len, "X-WR-CALNAME:summitd agenda\r\n", 29), "%s",
                       r->body);
    cr_assert_not_null(memmem(r->body, r->body_len, "Overlaps with:", 14));
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/agenda.ics", w.utok, NULL, NULL);
    cr_assert_not_null(memmem(r->body, r->body_len, "X-WR-CALNAME:summitd 日程\r\n",
                              strlen("X-WR-CALNAME:summitd 日程\r\n")));
    it_resp_free(r);
    it_expect(it_http(srv, "GET", "/api/v1/me/agenda?lang=fr", w.utok, NULL, NULL), 400, "lang",
              "an unknown language");
    free(other);
    world_free(&w);
}
