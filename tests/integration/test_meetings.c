/* 1:1 meetings (SPEC "1:1 meetings", issue 6) against a real summitd, MariaDB and Redis. Every
 * plan is checked over what was STORED (GET /events/{id}/meetings and SQL on the meetings
 * table), never over the scheduler's own answer. */
#include "tests/integration/mt_fixtures.h"

IT_SUITE(meetings, 180);

/* it_expect for an error, with its code. */
static void expect_code(struct it_resp *r, int status, const char *code, const char *what)
{
    cr_assert_eq(r->status, status, "%s: got %d %s", what, r->status, r->body);
    const char *c = it_jstr(r, "error.code");
    cr_assert(c && strcmp(c, code) == 0, "%s: code %s expected, got %s", what, code,
              c ? c : "(none)");
    it_resp_free(r);
}

/* An event with organizations that all exhibit, owned by one enterprise user. */
struct fair {
    char *otok; /* the organizer */
    int64_t oid;
    char *etok; /* the enterprise user, member of every organization */
    int64_t eid;
    int64_t event;
    int64_t orgs[32];
    int norgs;
};

static void fair_new(struct fair *f, int norgs, const char *tag)
{
    memset(f, 0, sizeof(*f));
    f->otok = it_organizer(srv, &f->oid);
    f->etok = it_user(srv, "enterprise", &f->eid);
    f->event = mx_event(srv, f->otok, mx_t0(), 10, tag);
    f->norgs = norgs;
    for (int i = 0; i < norgs; i++) {
        char name[96];
        snprintf(name, sizeof(name), "%s 企业 %d (%d)", tag, i, (int)getpid());
        f->orgs[i] = mx_org(srv, f->etok, name);
        mx_exhibit(srv, f->otok, f->event, f->orgs[i]);
    }
}

static void fair_free(struct fair *f)
{
    free(f->otok);
    free(f->etok);
}

static struct it_resp *schedule(const struct fair *f, const char *tok, bool reset)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule%s", (long long)f->event,
             reset ? "?reset=true" : "");
    return it_http(srv, "POST", path, tok, NULL, NULL);
}

/* One stored meeting, as GET /events/{id}/meetings shows it. */
struct pm {
    int64_t id, slot_id, slot_index, table, a, b;
    int nmatch;
};

/* Reads the whole stored plan page by page (small pages exercise the cursor). */
static size_t plan_get(const struct fair *f, struct pm **out)
{
    size_t n = 0, cap = 64;
    struct pm *p = calloc(cap, sizeof(*p));
    char cursor[96] = ""; /* an opaque token (server/paging.h: under 64 bytes) */
    for (int pages = 0; pages < 1000; pages++) {
        char path[160];
        snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings?limit=7%s%s",
                 (long long)f->event, cursor[0] ? "&cursor=" : "", cursor);
        struct it_resp *r = it_http(srv, "GET", path, f->otok, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        cJSON *items = cJSON_GetObjectItem(r->json, "items");
        cJSON *m;
        cJSON_ArrayForEach(m, items)
        {
            if (n == cap)
                p = realloc(p, (cap *= 2) * sizeof(*p));
            cJSON *slot = cJSON_GetObjectItem(m, "slot");
            cJSON *orgs = cJSON_GetObjectItem(m, "organizations");
            p[n++] = (struct pm){
                .id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "id")),
                .slot_id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(slot, "id")),
                .slot_index = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(slot, "index")),
                .table = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "table")),
                .a = (int64_t)cJSON_GetNumberValue(
                    cJSON_GetObjectItem(cJSON_GetArrayItem(orgs, 0), "id")),
                .b = (int64_t)cJSON_GetNumberValue(
                    cJSON_GetObjectItem(cJSON_GetArrayItem(orgs, 1), "id")),
                .nmatch = cJSON_GetArraySize(cJSON_GetObjectItem(m, "match_ids")),
            };
        }
        const char *next = it_jstr(r, "next_cursor");
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        it_resp_free(r);
        if (!cursor[0])
            break;
    }
    *out = p;
    return n;
}

/* No organization twice in a slot, no table twice in a slot, tables in 1..T, a < b; the same
 * over the meetings table in SQL; the seats agree. Returns the number of distinct slots. */
static int plan_check(const struct fair *f, const struct pm *p, size_t n, int tables)
{
    int distinct = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(p[i].a < p[i].b, "meeting %lld: organizations not ordered", (long long)p[i].id);
        cr_assert(p[i].table >= 1 && p[i].table <= tables, "meeting %lld at table %lld",
                  (long long)p[i].id, (long long)p[i].table);
        bool first = true;
        for (size_t j = 0; j < n; j++) {
            if (j == i || p[j].slot_id != p[i].slot_id)
                continue;
            if (j < i)
                first = false;
            cr_assert_neq(p[i].table, p[j].table, "table %lld twice in slot %lld",
                          (long long)p[i].table, (long long)p[i].slot_id);
            cr_assert(p[i].a != p[j].a && p[i].a != p[j].b && p[i].b != p[j].a && p[i].b != p[j].b,
                      "an organization in meetings %lld and %lld of one slot", (long long)p[i].id,
                      (long long)p[j].id);
        }
        distinct += first;
    }
    long long ev = (long long)f->event;
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM (SELECT slot_id, org, COUNT(*) c FROM"
                            " (SELECT slot_id, org_a org FROM meetings WHERE event_id = %lld"
                            "  AND status = 'scheduled' UNION ALL SELECT slot_id, org_b FROM"
                            "  meetings WHERE event_id = %lld AND status = 'scheduled') u"
                            " GROUP BY slot_id, org HAVING c > 1) t",
                            ev, ev),
                 0, "SQL: an organization twice in one slot");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM (SELECT slot_id, table_no, COUNT(*) c FROM"
                            " meetings WHERE event_id = %lld AND status = 'scheduled'"
                            " GROUP BY slot_id, table_no HAVING c > 1) t",
                            ev),
                 0, "SQL: a table twice in one slot");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM meetings WHERE event_id = %lld"
                            " AND status = 'scheduled'",
                            ev),
                 (int64_t)n, "the API lists every stored meeting");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM meeting_seats ms JOIN meetings m"
                            " ON m.id = ms.meeting_id AND m.slot_id = ms.slot_id"
                            " AND ms.org_id IN (m.org_a, m.org_b)"
                            " WHERE m.event_id = %lld AND m.status = 'scheduled'",
                            ev),
                 (int64_t)(2 * n), "two seats per meeting, in its slot");
    return distinct;
}

static bool plan_has(const struct pm *p, size_t n, int64_t x, int64_t y)
{
    int64_t a = x < y ? x : y, b = x < y ? y : x;
    for (size_t i = 0; i < n; i++)
        if (p[i].a == a && p[i].b == b)
            return true;
    return false;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Schedules a graph given as distinct (supply org, demand org) index pairs and checks the
 * stored plan: everything scheduled, conflict-free, and the slot count against the bound. */
static void run_graph(const char *tag, int norgs, int (*edges)[2], size_t m, int tables,
                      bool expect_bipartite)
{
    struct fair f;
    fair_new(&f, norgs, tag);
    int64_t(*pairs)[2] = calloc(m, sizeof(*pairs));
    int *deg = calloc((size_t)norgs, sizeof(int));
    int delta = 0;
    for (size_t i = 0; i < m; i++) {
        pairs[i][0] = f.orgs[edges[i][0]];
        pairs[i][1] = f.orgs[edges[i][1]];
        if (++deg[edges[i][0]] > delta)
            delta = deg[edges[i][0]];
        if (++deg[edges[i][1]] > delta)
            delta = deg[edges[i][1]];
    }
    mx_matches(m, (const int64_t(*)[2])pairs, NULL);
    int lb = delta > (int)((m + (size_t)tables - 1) / (size_t)tables)
                 ? delta
                 : (int)((m + (size_t)tables - 1) / (size_t)tables);
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 10, lb + 4, tables);

    struct it_resp *r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((size_t)it_jnum(r, "meetings"), m);
    cr_assert_eq((size_t)it_jnum(r, "scheduled_count"), m, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "unscheduled_count"), 0);
    cr_assert_eq((int)it_jnum(r, "lower_bound"), lb, "lower bound %d expected: %s", lb, r->body);
    cr_assert_eq((int)it_jnum(r, "max_degree"), delta);
    cJSON *bip = cJSON_GetObjectItem(r->json, "bipartite");
    cr_assert_eq(cJSON_IsTrue(bip), expect_bipartite);
    int used_api = (int)it_jnum(r, "slots_used");
    it_resp_free(r);

    struct pm *p;
    size_t n = plan_get(&f, &p);
    cr_assert_eq(n, m, "stored %zu meetings for %zu pairs", n, m);
    int used = plan_check(&f, p, n, tables);
    cr_assert_eq(used, used_api, "slots_used agrees with the stored plan");
    for (size_t i = 0; i < m; i++)
        cr_assert(plan_has(p, n, pairs[i][0], pairs[i][1]), "pair %zu not stored", i);
    if (expect_bipartite) {
        cr_assert_eq(used, lb, "bipartite: exactly the lower bound (%d), used %d", lb, used);
        for (size_t i = 0; i < n; i++)
            cr_assert_lt(p[i].slot_index, lb, "bipartite: the first %d slots", lb);
    } else {
        cr_assert_leq(used, lb + 1, "non-bipartite: at most lower bound + 1 (%d), used %d", lb,
                      used);
    }
    free(p);
    free(deg);
    free(pairs);
    fair_free(&f);
}

Test(meetings, bipartite_uses_exactly_the_lower_bound_tables_bind)
{
    /* 6 supply-only and 8 demand-only organizations; few tables: ⌈m/T⌉ decides. */
    int e[48][2];
    size_t m = 0;
    uint32_t seed = 7;
    for (int s = 0; s < 6; s++)
        for (int d = 6; d < 14; d++)
            if (lcg(&seed) % 100 < 45)
                e[m][0] = s, e[m][1] = d, m++;
    cr_assert_gt(m, 12);
    run_graph("二分-桌", 14, e, m, 3, true);
}

Test(meetings, bipartite_uses_exactly_the_lower_bound_degree_binds)
{
    /* Plenty of tables: Δ decides; one organization meets everyone on the other side. */
    int e[48][2];
    size_t m = 0;
    uint32_t seed = 11;
    for (int s = 0; s < 5; s++)
        for (int d = 5; d < 12; d++)
            if (s == 0 || lcg(&seed) % 100 < 50)
                e[m][0] = s, e[m][1] = d, m++;
    run_graph("二分-度", 12, e, m, 20, true);
}

Test(meetings, non_bipartite_complete_graph_needs_one_more_slot)
{
    /* K7: Δ = 6, 21 meetings, at most 3 per slot, so 7 slots: the bound + 1, and no more. */
    int e[21][2];
    size_t m = 0;
    for (int i = 0; i < 7; i++)
        for (int j = i + 1; j < 7; j++)
            e[m][0] = i, e[m][1] = j, m++;
    run_graph("完全图", 7, e, m, 10, false);
}

Test(meetings, non_bipartite_random_graph_within_one_slot_of_the_bound)
{
    int e[80][2];
    size_t m = 0;
    uint32_t seed = 23;
    for (int i = 0; i < 11; i++)
        for (int j = i + 1; j < 11; j++)
            if (lcg(&seed) % 100 < 55)
                e[m][0] = (lcg(&seed) & 1) ? i : j, e[m][1] = e[m][0] == i ? j : i, m++;
    run_graph("随机图", 11, e, m, 4, false);
}

Test(meetings, duplicate_pairs_are_merged_into_one_meeting)
{
    struct fair f;
    fair_new(&f, 3, "合并");
    int64_t A = f.orgs[0], B = f.orgs[1], C = f.orgs[2];
    int64_t m1 = mx_match(A, B, 0.50, "A→B 一");
    int64_t m2 = mx_match(A, B, 0.90, "A→B 二");
    int64_t m3 = mx_match(B, A, 0.40, "B→A 反向"); /* the same pair, the other way round */
    mx_match(A, C, 0.20, "A→C");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 4, 2);
    struct it_resp *r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "meetings"), 2, "two pairs: %s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 2);
    it_resp_free(r);

    struct pm *p;
    size_t n = plan_get(&f, &p);
    cr_assert_eq(n, 2);
    plan_check(&f, p, n, 2);
    int64_t ab = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].a == (A < B ? A : B) && p[i].b == (A < B ? B : A)) {
            cr_assert_eq(p[i].nmatch, 3, "the three A–B matches are merged");
            ab = p[i].id;
        }
    cr_assert_neq(ab, 0);
    /* The event's numbers count the matchmaking among its attending organizations. */
    char spath[96];
    snprintf(spath, sizeof(spath), "/api/v1/events/%lld/stats", (long long)f.event);
    r = it_http(srv, "GET", spath, f.otok, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "matching.mutual_matches"), 4, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "matching.meetings"), 2, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "exhibitors"), 3);
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM meeting_matches WHERE meeting_id = %lld"
                            " AND match_id IN (%lld, %lld, %lld)",
                            (long long)ab, (long long)m1, (long long)m2, (long long)m3),
                 3);
    char *sc = it_sql("SELECT score FROM meetings WHERE id = %lld", (long long)ab);
    cr_assert_float_eq(strtod(sc, NULL), 0.9, 1e-9, "the meeting carries the best score");
    free(sc);

    /* The member sees the meeting once, with the three matched projects. */
    r = it_http(srv, "GET", "/api/v1/me/meetings", f.etok, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cJSON *items = cJSON_GetObjectItem(r->json, "items");
    cr_assert_eq(cJSON_GetArraySize(items), 2);
    cJSON *m;
    int seen = 0;
    cJSON_ArrayForEach(m, items)
    {
        if ((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(m, "id")) != ab)
            continue;
        seen++;
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(m, "projects")), 3);
    }
    cr_assert_eq(seen, 1);
    it_resp_free(r);
    free(p);
    fair_free(&f);
}

Test(meetings, not_enough_slots_schedules_the_highest_scores)
{
    /* A hub meets 5 organizations; only 2 slots: the two best scores get them. */
    struct fair f;
    fair_new(&f, 6, "名额不足");
    int64_t hub = f.orgs[0];
    double scores[5] = {0.31, 0.92, 0.47, 0.85, 0.12};
    for (int i = 0; i < 5; i++)
        mx_match(hub, f.orgs[i + 1], scores[i], "hub");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 20, 2, 5);
    struct it_resp *r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 2);
    cr_assert_eq((int)it_jnum(r, "unscheduled_count"), 3);
    cJSON *un = cJSON_GetObjectItem(r->json, "unscheduled"), *x;
    cr_assert_eq(cJSON_GetArraySize(un), 3);
    cJSON_ArrayForEach(x, un)
    {
        cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(x, "reason")), "no_slot");
        cr_assert_lt(cJSON_GetNumberValue(cJSON_GetObjectItem(x, "score")), 0.5);
    }
    it_resp_free(r);
    struct pm *p;
    size_t n = plan_get(&f, &p);
    cr_assert_eq(n, 2);
    plan_check(&f, p, n, 5);
    cr_assert(plan_has(p, n, hub, f.orgs[2]), "0.92 scheduled");
    cr_assert(plan_has(p, n, hub, f.orgs[4]), "0.85 scheduled");
    free(p);
    fair_free(&f);
}

Test(meetings, rerun_keeps_meetings_cancel_and_reset)
{
    struct fair f;
    fair_new(&f, 8, "重排");
    int64_t(*pairs)[2] = calloc(6, sizeof(*pairs));
    int idx[6][2] = {{0, 4}, {0, 5}, {1, 4}, {1, 6}, {2, 5}, {3, 7}};
    for (int i = 0; i < 6; i++)
        pairs[i][0] = f.orgs[idx[i][0]], pairs[i][1] = f.orgs[idx[i][1]];
    mx_matches(6, (const int64_t(*)[2])pairs, NULL);
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 6, 2);
    struct it_resp *r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    struct pm *before;
    size_t nb = plan_get(&f, &before);
    cr_assert_eq(nb, 6);
    plan_check(&f, before, nb, 2);

    /* A new attending pair: the old meetings stay exactly where they were. */
    mx_match(f.orgs[2], f.orgs[6], 0.7, "新配对");
    r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "kept"), 6, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 7);
    it_resp_free(r);
    struct pm *after;
    size_t na = plan_get(&f, &after);
    cr_assert_eq(na, 7);
    plan_check(&f, after, na, 2);
    for (size_t i = 0; i < nb; i++) {
        bool same = false;
        for (size_t j = 0; j < na; j++)
            same |= after[j].id == before[i].id && after[j].slot_id == before[i].slot_id &&
                    after[j].table == before[i].table;
        cr_assert(same, "meeting %lld moved on a re-run", (long long)before[i].id);
    }

    /* A member of one side cancels: the slot is free, and re-runs do not bring it back. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/meetings/%lld", (long long)before[0].id);
    it_expect(it_http(srv, "DELETE", path, f.etok, NULL, NULL), 204, NULL, "cancel");
    it_expect(it_http(srv, "DELETE", path, f.etok, NULL, NULL), 409, NULL, "cancel twice");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM meeting_seats WHERE meeting_id = %lld",
                            (long long)before[0].id),
                 0);
    r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 6);
    cr_assert_str_eq(it_jstr(r, "unscheduled.0.reason"), "cancelled");
    it_resp_free(r);

    /* A pair that is no longer eligible (its project closed) loses its meeting. */
    free(it_sql("UPDATE projects SET status = 'closed' WHERE id IN (SELECT demand_project_id"
                " FROM matches WHERE id IN (SELECT match_id FROM meeting_matches"
                " WHERE meeting_id = %lld))",
                (long long)before[1].id));
    r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "removed_count"), 1, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "removed.0.reason"), "no_longer_eligible");
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 5);
    it_resp_free(r);

    /* reset=true plans from scratch: all placed anew, the cancelled pair stays out. */
    r = schedule(&f, f.otok, true);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "kept"), 0);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 5);
    cr_assert_eq((int)it_jnum(r, "removed_count"), 5, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "scheduled.0.status"), "placed");
    cr_assert_str_eq(it_jstr(r, "unscheduled.0.reason"), "cancelled");
    it_resp_free(r);
    struct pm *reset;
    size_t nr = plan_get(&f, &reset);
    cr_assert_eq(nr, 5);
    plan_check(&f, reset, nr, 2);
    cr_assert_geq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld"
                             " AND action = 'meetings_schedule'",
                             (long long)f.event),
                  4, "every run is audited");
    free(before);
    free(after);
    free(reset);
    free(pairs);
    fair_free(&f);
}

Test(meetings, pitch_presenters_are_kept_out_of_overlapping_slots)
{
    struct fair f;
    fair_new(&f, 4, "路演冲突");
    int64_t A = f.orgs[0];
    mx_match(A, f.orgs[1], 0.9, "p1");
    mx_match(A, f.orgs[2], 0.8, "p2");
    mx_match(f.orgs[3], f.orgs[1], 0.7, "p3");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 4, 3);
    /* A presenter who is a member of A only presents a pitch from 09:05 to 09:20: slots 0
     * (09:00) and 1 (09:15) overlap it. */
    int64_t pid;
    char *ptok = it_user(srv, "enterprise", &pid);
    char a[32], b[32];
    it_join(srv, f.etok, A, ptok, pid);
    free(it_sql("INSERT INTO pitches (session_id, event_id, project_id, presenter_user_id,"
                " minutes, starts_at, ends_at, created_by, created_at, updated_at) VALUES (0,"
                " %lld, %lld, %lld, 15, '%s', '%s', 1, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
                (long long)f.event, (long long)-f.event, (long long)pid,
                it_sqltime(mx_t0() + 3600 + 300, a), it_sqltime(mx_t0() + 3600 + 1200, b)));
    struct it_resp *r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 3, "%s", r->body);
    it_resp_free(r);
    struct pm *p;
    size_t n = plan_get(&f, &p);
    plan_check(&f, p, n, 3);
    for (size_t i = 0; i < n; i++)
        if (p[i].a == A || p[i].b == A)
            cr_assert_geq(p[i].slot_index, 2, "A presents during slots 0 and 1");
    /* Every slot blocked for A: its meetings come back as blocked. */
    free(it_sql("UPDATE pitches SET ends_at = '%s' WHERE presenter_user_id = %lld",
                it_sqltime(mx_t0() + 3 * 3600, a), (long long)pid));
    r = schedule(&f, f.otok, true);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 1, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "unscheduled.0.reason"), "blocked");
    cr_assert_str_eq(it_jstr(r, "unscheduled.1.reason"), "blocked");
    it_resp_free(r);
    free(ptok);
    free(p);
    fair_free(&f);
}

Test(meetings, attendance_by_confirmed_registration_only)
{
    struct fair f;
    fair_new(&f, 2, "出席");
    /* Two more organizations: one whose member registers, one that does not attend. */
    int64_t uid;
    char *tok = it_user(srv, "enterprise", &uid);
    char name[96];
    snprintf(name, sizeof(name), "注册出席企业 %d", (int)getpid());
    int64_t reg_org = mx_org(srv, tok, name);
    snprintf(name, sizeof(name), "缺席企业 %d", (int)getpid());
    int64_t absent = mx_org(srv, tok, name);
    (void)absent;
    snprintf(name, sizeof(name), "缺席企业2 %d", (int)getpid());
    char *tok2 = it_user(srv, "enterprise", &uid);
    int64_t absent2 = mx_org(srv, tok2, name);
    char path[96], a[32], b[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)f.event);
    struct it_resp *r =
        mx_req(srv, "POST", path, f.otok,
               "{\"title\":\"开幕论坛\",\"kind\":\"forum\",\"room\":\"A1\",\"starts_at\":\"%s\","
               "\"ends_at\":\"%s\",\"capacity\":50}",
               it_rfc3339(mx_t0(), a), it_rfc3339(mx_t0() + 3600, b));
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t session = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)session);
    r = it_http(srv, "POST", path, tok, NULL, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "confirmed");
    it_resp_free(r);

    mx_match(f.orgs[0], reg_org, 0.6, "注册");
    mx_match(f.orgs[1], absent2, 0.9, "缺席");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 3, 2);
    r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "meetings"), 1, "only the attending pair: %s", r->body);
    it_resp_free(r);
    struct pm *p;
    size_t n = plan_get(&f, &p);
    cr_assert_eq(n, 1);
    cr_assert(plan_has(p, n, f.orgs[0], reg_org));
    free(p);
    free(tok);
    free(tok2);
    fair_free(&f);
}

Test(meetings, only_the_organizer_schedules_and_members_see_their_own)
{
    struct fair f;
    fair_new(&f, 2, "权限");
    /* A second enterprise with its own organization and meeting. */
    int64_t uid2;
    char *tok2 = it_user(srv, "enterprise", &uid2);
    char name[96];
    snprintf(name, sizeof(name), "他人企业 %d", (int)getpid());
    int64_t other = mx_org(srv, tok2, name);
    mx_exhibit(srv, f.otok, f.event, other);
    mx_match(f.orgs[0], f.orgs[1], 0.8, "own");
    mx_match(other, f.orgs[1], 0.6, "other");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 3, 2);

    int64_t oid2;
    char *org2 = it_organizer(srv, &oid2);
    char *att = it_user(srv, "attendee", &uid2);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)f.event);
    it_expect(it_http(srv, "POST", path, NULL, NULL, NULL), 401, NULL, "anonymous schedule");
    it_expect(it_http(srv, "POST", path, org2, NULL, NULL), 403, NULL, "another organizer");
    it_expect(it_http(srv, "POST", path, f.etok, NULL, NULL), 403, NULL, "a member");
    it_expect(it_http(srv, "POST", path, att, NULL, NULL), 403, NULL, "an attendee");
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM meetings WHERE event_id = %lld", (long long)f.event), 0);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings", (long long)f.event);
    it_expect(it_http(srv, "GET", path, f.etok, NULL, NULL), 403, NULL, "member lists all");
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)f.event);
    it_expect(mx_req(srv, "POST", path, org2,
                     "{\"starts_at\":\"2032-03-10T12:00:00Z\",\"minutes\":15,\"count\":1,"
                     "\"tables\":2}"),
              403, NULL, "another organizer adds slots");
    it_expect(it_http(srv, "GET", path, att, NULL, NULL), 403, NULL, "attendee lists slots");

    /* An admin may schedule. */
    char *admin = it_admin(srv);
    struct it_resp *r = schedule(&f, admin, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 2);
    it_resp_free(r);

    /* Each member sees only meetings of their organizations, with the right counterpart. */
    r = it_http(srv, "GET", "/api/v1/me/meetings", tok2, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.organization.id"), other);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.counterpart.id"), f.orgs[1]);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(
                     cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "projects")),
                 1);
    int64_t other_meeting = (int64_t)it_jnum(r, "items.0.id");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/meetings", att, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 0);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/meetings?limit=1", f.etok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 1);
    cr_assert_not_null(it_jstr(r, "next_cursor"), "two meetings, pages of one");
    it_resp_free(r);

    /* Cancelling: not an outsider; the organizer may. */
    snprintf(path, sizeof(path), "/api/v1/meetings/%lld", (long long)other_meeting);
    it_expect(it_http(srv, "DELETE", path, att, NULL, NULL), 403, NULL, "outsider cancels");
    it_expect(it_http(srv, "DELETE", path, org2, NULL, NULL), 403, NULL, "other organizer");
    it_expect(it_http(srv, "DELETE", path, f.otok, NULL, NULL), 204, NULL, "organizer cancels");
    expect_code(it_http(srv, "DELETE", "/api/v1/meetings/999999999", f.otok, NULL, NULL), 404,
                "meeting_not_found", "unknown meeting");
    free(admin);
    free(att);
    free(org2);
    free(tok2);
    fair_free(&f);
}

Test(meetings, bad_input_gets_400_with_the_field)
{
    struct fair f;
    fair_new(&f, 0, "校验");
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)f.event);
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"minutes\":15,\"count\":2,\"tables\":2}", "starts_at"},
        {"{\"starts_at\":\"tomorrow\",\"minutes\":15,\"count\":2,\"tables\":2}", "starts_at"},
        {"{\"starts_at\":\"2032-03-10T09:00:30Z\",\"minutes\":15,\"count\":2,\"tables\":2}",
         "starts_at"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":0,\"count\":2,\"tables\":2}",
         "minutes"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":\"15\",\"count\":2,\"tables\":2}",
         "minutes"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":15,\"count\":0,\"tables\":2}",
         "count"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":15,\"count\":201,\"tables\":2}",
         "count"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":15,\"count\":2,\"tables\":0}",
         "tables"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":15,\"count\":2,\"tables\":501}",
         "tables"},
        {"{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":15,\"count\":2}", "tables"},
        /* outside the event (08:00–18:00) */
        {"{\"starts_at\":\"2032-03-10T07:30:00Z\",\"minutes\":15,\"count\":2,\"tables\":2}",
         "starts_at"},
        {"{\"starts_at\":\"2032-03-10T17:30:00Z\",\"minutes\":15,\"count\":3,\"tables\":2}",
         "starts_at"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        it_expect(it_http(srv, "POST", path, f.otok, bad[i].body, NULL), 400, bad[i].field,
                  bad[i].body);
    it_expect(it_http(srv, "POST", path, f.otok, "[1,2]", NULL), 400, NULL, "not an object");
    it_expect(it_http(srv, "POST", path, f.otok, "{\"starts_at\":", NULL), 400, NULL, "broken");

    /* Scheduling before any slot exists. */
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)f.event);
    struct it_resp *r = it_http(srv, "POST", path, f.otok, NULL, NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "no_meeting_slots");
    it_resp_free(r);

    cr_assert_eq(mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 4, 3), 4);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)f.event);
    r = it_http(srv, "POST", path, f.otok,
                "{\"starts_at\":\"2032-03-10T09:30:00Z\",\"minutes\":15,\"count\":2,"
                "\"tables\":3}",
                NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "slot_overlap");
    it_resp_free(r);
    r = it_http(srv, "POST", path, f.otok,
                "{\"starts_at\":\"2032-03-10T11:00:00Z\",\"minutes\":15,\"count\":2,"
                "\"tables\":4}",
                NULL);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "tables_mismatch");
    cr_assert_str_eq(it_jstr(r, "error.field"), "tables");
    it_resp_free(r);
    cr_assert_eq(mx_slots(srv, f.otok, f.event, mx_t0() + 3 * 3600, 15, 2, 3), 6,
                 "a later, non-overlapping batch");
    expect_code(it_http(srv, "POST", "/api/v1/events/999999999/meeting-slots", f.otok,
                        "{\"starts_at\":\"2032-03-10T09:00:00Z\",\"minutes\":15,\"count\":2,"
                        "\"tables\":2}",
                        NULL),
                404, "event_not_found", "unknown event");
    static const char *const unknown_event[][2] = {
        {"GET", "/api/v1/events/999999999/meeting-slots"},
        {"POST", "/api/v1/events/999999999/meetings/schedule"},
        {"GET", "/api/v1/events/999999999/meetings"},
    };
    for (size_t i = 0; i < 3; i++)
        expect_code(it_http(srv, unknown_event[i][0], unknown_event[i][1], f.otok, NULL, NULL), 404,
                    "event_not_found", unknown_event[i][1]);

    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule?reset=yes",
             (long long)f.event);
    it_expect(it_http(srv, "POST", path, f.otok, NULL, NULL), 400, "reset", "reset=yes");
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)f.event);
    it_expect(it_http(srv, "POST", path, f.otok, "not json", NULL), 400, NULL, "junk body");
    r = it_http(srv, "POST", path, f.otok, NULL, NULL);
    cr_assert_eq(r->status, 200, "no pairs yet is fine: %s", r->body);
    cr_assert_eq((int)it_jnum(r, "meetings"), 0);
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings?limit=0", (long long)f.event);
    it_expect(it_http(srv, "GET", path, f.otok, NULL, NULL), 400, "limit", "limit=0");
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings?cursor=abc", (long long)f.event);
    it_expect(it_http(srv, "GET", path, f.otok, NULL, NULL), 400, "cursor", "cursor=abc");
    it_expect(it_http(srv, "GET", "/api/v1/me/meetings?limit=501", f.etok, NULL, NULL), 400,
              "limit", "me limit");
    it_expect(it_http(srv, "GET", "/api/v1/me/meetings?cursor=-1", f.etok, NULL, NULL), 400,
              "cursor", "me cursor");
    it_expect(it_http(srv, "DELETE", "/api/v1/meetings/abc", f.otok, NULL, NULL), 404, NULL,
              "non-id");
    it_expect(it_http(srv, "GET", "/api/v1/events/abc/meetings", f.otok, NULL, NULL), 404, NULL,
              "non-id event");
    fair_free(&f);
}

/* Both meeting lists page by key (slot time, then table or id): a meeting cancelled after the
 * first page neither shifts nor repeats the next one (paging by OFFSET skipped one). */
Test(meetings, a_meeting_cancelled_between_pages_does_not_shift_the_next_page)
{
    struct fair f;
    fair_new(&f, 6, "翻页");
    mx_match(f.orgs[0], f.orgs[1], 0.9, "翻页 1");
    mx_match(f.orgs[2], f.orgs[3], 0.8, "翻页 2");
    mx_match(f.orgs[4], f.orgs[5], 0.7, "翻页 3");
    mx_match(f.orgs[0], f.orgs[2], 0.6, "翻页 4");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 4, 2);
    struct it_resp *r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "scheduled_count"), 4, "%s", r->body);
    it_resp_free(r);

    char lists[2][64]; /* a member's, the organizer's */
    snprintf(lists[0], sizeof(lists[0]), "/api/v1/me/meetings");
    snprintf(lists[1], sizeof(lists[1]), "/api/v1/events/%lld/meetings", (long long)f.event);
    for (size_t l = 0; l < 2; l++) {
        const char *tok = l ? f.otok : f.etok, *base = lists[l];
        char path[256];
        /* The whole list in one page: the order to expect. */
        snprintf(path, sizeof(path), "%s?limit=100", base);
        r = it_http(srv, "GET", path, tok, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        int n = cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items"));
        cr_assert_geq(n, 3, "%s: %s", base, r->body);
        int64_t second = (int64_t)it_jnum(r, "items.1.id");
        cr_assert_null(it_jstr(r, "next_cursor"), "one page holds them all");
        it_resp_free(r);

        snprintf(path, sizeof(path), "%s?limit=1", base);
        r = it_http(srv, "GET", path, tok, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        int64_t first = (int64_t)it_jnum(r, "items.0.id");
        const char *next = it_jstr(r, "next_cursor");
        cr_assert_not_null(next, "%s: more pages", base);
        snprintf(path, sizeof(path), "%s?limit=1&cursor=%s", base, next);
        it_resp_free(r);

        char del[64];
        snprintf(del, sizeof(del), "/api/v1/meetings/%lld", (long long)first);
        it_expect(it_http(srv, "DELETE", del, f.otok, NULL, NULL), 204, NULL, "cancel page 1");
        r = it_http(srv, "GET", path, tok, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        cr_assert_eq((int64_t)it_jnum(r, "items.0.id"), second, "%s: page 2 after a cancel: %s",
                     base, r->body);
        it_resp_free(r);

        /* A cursor is bound to its list. */
        snprintf(path, sizeof(path), "%s?limit=1", base);
        r = it_http(srv, "GET", path, tok, NULL, NULL);
        next = it_jstr(r, "next_cursor");
        cr_assert_not_null(next);
        snprintf(path, sizeof(path), "%s?cursor=%s", lists[1 - l], next);
        it_resp_free(r);
        it_expect(it_http(srv, "GET", path, l ? f.etok : f.otok, NULL, NULL), 400, "cursor",
                  "a cursor of the other list");
    }
    fair_free(&f);
}

/* Issue 15: a confirmed 1:1 meeting shows the other side's members, with the contact details
 * each chose to share (NULL columns are not shown), to both sides. */
Test(meetings, confirmed_meetings_show_the_counterparts_contacts)
{
    struct fair f;
    fair_new(&f, 1, "联系");
    int64_t uid2;
    char *tok2 = it_user(srv, "enterprise", &uid2);
    char name[96];
    snprintf(name, sizeof(name), "联系方企业 %d", (int)getpid());
    int64_t other = mx_org(srv, tok2, name);
    mx_exhibit(srv, f.otok, f.event, other);
    mx_match(other, f.orgs[0], 0.7, "contact");
    mx_slots(srv, f.otok, f.event, mx_t0() + 3600, 15, 2, 1);
    free(it_sql("UPDATE users SET contact_email = 'bd@first.example', contact_phone = NULL,"
                " contact_wechat = NULL WHERE id = %lld",
                (long long)f.eid));
    free(it_sql("UPDATE users SET contact_email = NULL, contact_phone = '13800000000',"
                " contact_wechat = 'second_wx' WHERE id = %lld",
                (long long)uid2));
    /* Before any meeting is scheduled: nothing listed, no contact. */
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/meetings", tok2, NULL, NULL);
    cr_assert_null(strstr(r->body, "bd@first.example"), "%s", r->body);
    it_resp_free(r);
    r = schedule(&f, f.otok, false);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);

    r = it_http(srv, "GET", "/api/v1/me/meetings", tok2, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.counterpart.id"), f.orgs[0], "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.counterpart.members.0.user_id"), f.eid);
    cr_assert_not_null(it_jstr(r, "items.0.counterpart.members.0.display_name"));
    cr_assert_str_eq(it_jstr(r, "items.0.counterpart.members.0.contact.email"),
                     "bd@first.example");
    cr_assert_null(it_jstr(r, "items.0.counterpart.members.0.contact.phone"), "%s", r->body);
    cr_assert_null(strstr(r->body, "second_wx"), "not my own contact as theirs");
    int64_t meeting = (int64_t)it_jnum(r, "items.0.id");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/meetings", f.etok, NULL, NULL);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.counterpart.id"), other, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.counterpart.members.0.user_id"), uid2);
    cr_assert_str_eq(it_jstr(r, "items.0.counterpart.members.0.contact.phone"), "13800000000");
    cr_assert_str_eq(it_jstr(r, "items.0.counterpart.members.0.contact.wechat"), "second_wx");
    cr_assert_null(it_jstr(r, "items.0.counterpart.members.0.contact.email"));
    it_resp_free(r);

    /* Cancelled: gone from the list, contacts with it. */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/meetings/%lld", (long long)meeting);
    it_expect(it_http(srv, "DELETE", path, tok2, NULL, NULL), 204, NULL, "cancel");
    r = it_http(srv, "GET", "/api/v1/me/meetings", tok2, NULL, NULL);
    cr_assert_null(strstr(r->body, "bd@first.example"), "%s", r->body);
    it_resp_free(r);
    free(tok2);
    fair_free(&f);
}
