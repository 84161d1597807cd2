/* Combined registrations (issue 18.1): requests for one session that arrive while a transaction
 * for it is in flight share the next one. A spike of 2,000 over three instances against one
 * 50-seat session, checked against the database and against the order of arrival; a batch in
 * which one row is a duplicate (of a stored registration, or of another request of the same
 * batch) fails that row alone. */
#include <pthread.h>
#include <stdatomic.h>

#include "tests/integration/ev_fixtures.h"

IT_SUITE(reg_batch, 600);

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the spike: 2,000 for 50 seats over three instances ---- */

#define SPIKE 2000
#define SPIKE_SEATS 50
#define SPIKE_INSTANCES 3
#define SPIKE_CLIENTS 48 /* 16 per instance, each sending its share one after another */

struct spike {
    const struct it_server *servers[SPIKE_INSTANCES];
    struct ev_users users;
    int64_t session_id;
    atomic_int next;
    struct {
        int instance, status;
        int64_t sent_us, recv_us, id, position; /* position 0: confirmed */
    } r[SPIKE];
};

static void spike_client(int c, void *arg)
{
    struct spike *s = arg;
    int inst = c % SPIKE_INSTANCES;
    for (;;) {
        int i = atomic_fetch_add(&s->next, 1);
        if (i >= SPIKE)
            return;
        s->r[i].instance = inst;
        s->r[i].sent_us = now_us();
        struct it_resp *r = ev_register(s->servers[inst], s->users.tokens[i], s->session_id, NULL);
        s->r[i].recv_us = now_us();
        s->r[i].status = r->status;
        if (r->status == 201) {
            s->r[i].id = (int64_t)it_jnum(r, "id");
            s->r[i].position = strcmp(it_jstr(r, "status"), "confirmed") == 0
                                   ? 0
                                   : (int64_t)it_jnum(r, "waitlist_position");
        }
        it_resp_free(r);
    }
}

Test(reg_batch, spike_of_2000_for_50_seats_over_three_instances)
{
    static struct spike s;
    memset(&s, 0, sizeof(s));
    struct it_server *b = it_start(NULL), *c = it_start(NULL);
    s.servers[0] = srv;
    s.servers[1] = b;
    s.servers[2] = c;
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "开幕论坛 spike", true);
    s.session_id = ev_session(srv, org, eid, SPIKE_SEATS, true, "");
    ev_users_make(&s.users, srv, SPIKE);
    it_parallel(SPIKE_CLIENTS, spike_client, &s);

    /* Every request answered 201: 50 confirmed, the rest waitlisted 1..1950 once each. */
    static bool seen[SPIKE + 1];
    memset(seen, 0, sizeof(seen));
    int confirmed = 0;
    for (int i = 0; i < SPIKE; i++) {
        cr_assert_eq(s.r[i].status, 201, "request %d got %d", i, s.r[i].status);
        if (!s.r[i].position) {
            confirmed++;
            continue;
        }
        int64_t p = s.r[i].position;
        cr_assert(p >= 1 && p <= SPIKE - SPIKE_SEATS, "position %lld", (long long)p);
        cr_assert(!seen[p], "position %lld handed out twice", (long long)p);
        seen[p] = true;
    }
    cr_assert_eq(confirmed, SPIKE_SEATS, "exactly the capacity is confirmed");

    /* Every 201 is in the database as answered, and nothing else is. */
    char *rows = it_sql("SELECT id, user_id, status, COALESCE(waitlist_position, 0) FROM"
                        " registrations WHERE session_id = %lld ORDER BY id",
                        (long long)s.session_id);
    int nrows = 0;
    for (char *line = strtok(rows, "\n"); line; line = strtok(NULL, "\n")) {
        long long id, uid, pos;
        char status[16];
        cr_assert_eq(sscanf(line, "%lld\t%lld\t%15s\t%lld", &id, &uid, status, &pos), 4, "%s",
                     line);
        int i = 0;
        while (i < SPIKE && s.r[i].id != id)
            i++;
        cr_assert(i < SPIKE, "row %lld was never answered 201", id);
        cr_assert_eq(uid, (long long)s.users.ids[i]);
        cr_assert_str_eq(status, s.r[i].position ? "waitlisted" : "confirmed");
        cr_assert_eq(pos, (long long)s.r[i].position, "row %lld", id);
        nrows++;
    }
    free(rows);
    cr_assert_eq(nrows, SPIKE, "one row per 201");
    cr_assert_eq(it_sql_i64("SELECT confirmed_count FROM sessions WHERE id = %lld",
                            (long long)s.session_id),
                 SPIKE_SEATS);
    cr_assert_eq(it_sql_i64("SELECT waitlist_count FROM sessions WHERE id = %lld",
                            (long long)s.session_id),
                 SPIKE - SPIKE_SEATS);

    /* Arrival order within an instance: when A's answer came back before B was sent to the same
     * instance, A's outcome comes first (confirmed before any waitlisted, positions ascending). */
    long pairs = 0;
    for (int a = 0; a < SPIKE; a++)
        for (int k = 0; k < SPIKE; k++) {
            if (s.r[a].instance != s.r[k].instance || s.r[a].recv_us >= s.r[k].sent_us)
                continue;
            pairs++;
            int64_t pa = s.r[a].position, pk = s.r[k].position;
            cr_assert(pk == 0 ? pa == 0 : pa < pk,
                      "request %d (answered first) got %lld, request %d (sent after) got %lld", a,
                      (long long)pa, k, (long long)pk);
        }
    cr_assert_gt(pairs, SPIKE, "the order was checked on many pairs (%ld)", pairs);

    ev_users_free(&s.users, SPIKE);
    free(org);
    cr_assert_eq(it_stop(b), 0);
    cr_assert_eq(it_stop(c), 0);
}

/* ---- a duplicate in a batch fails alone ---- */

#define DUP_N 8

struct dup {
    int64_t session_id;
    const char *tokens[DUP_N];
    int status[DUP_N];
    int64_t id[DUP_N];
    char code[DUP_N][32];
};

static void dup_one(int i, void *arg)
{
    struct dup *d = arg;
    struct it_resp *r = ev_register(srv, d->tokens[i], d->session_id, NULL);
    d->status[i] = r->status;
    d->id[i] = (int64_t)(r->status == 201 ? it_jnum(r, "id") : it_jnum(r, "registration.id"));
    snprintf(d->code[i], sizeof(d->code[i]), "%s",
             it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "");
    it_resp_free(r);
}

/* A counter of a summitd's /metrics. */
static long metric_of(struct it_server *s, const char *name)
{
    struct it_resp *r = it_http(s, "GET", "/metrics", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    const char *p = r->body;
    size_t n = strlen(name);
    long v = -1;
    while ((p = strstr(p, name))) {
        if ((p == r->body || p[-1] == '\n') && p[n] == ' ') {
            v = strtol(p + n + 1, NULL, 10);
            break;
        }
        p += n;
    }
    it_resp_free(r);
    cr_assert_geq(v, 0, "no %s in /metrics", name);
    return v;
}

static long metric(const char *name)
{
    return metric_of(srv, name);
}

/* Whether summitd's log has a line containing needle. */
static bool log_has(const struct it_server *s, const char *needle)
{
    FILE *f = fopen(s->log, "r");
    cr_assert_not_null(f);
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

struct holder {
    int64_t session_id;
};

/* Holds the session row's lock for a while from another connection, so that the requests sent
 * meanwhile queue behind the first one and go into one batch together. */
static void *hold_session(void *arg)
{
    struct holder *h = arg;
    free(it_sql("BEGIN; SELECT id FROM sessions WHERE id = %lld FOR UPDATE; SELECT SLEEP(2);"
                " COMMIT;",
                (long long)h->session_id));
    return NULL;
}

/* Requests 0..n-1, each one(i, arg): request 0 first, then, once it waits for the lock held on
 * session `held`, the others at once, so that they queue behind it and go in one batch. On Galera
 * the holder would be brute-force aborted by a batch committing through another node (see
 * batch_max_1 below): there nothing is held and the requests only run concurrently. Returns
 * whether the lock was held. */
struct first_rest {
    void (*one)(int i, void *arg);
    void *arg;
};

static void *first_one(void *arg)
{
    struct first_rest *f = arg;
    f->one(0, f->arg);
    return NULL;
}

static void rest_one(int i, void *arg)
{
    struct first_rest *f = arg;
    f->one(i + 1, f->arg);
}

static bool first_then_rest(int64_t held, int n, void (*one)(int, void *), void *arg)
{
    struct first_rest f = {one, arg};
    struct holder h = {held};
    pthread_t th, first;
    bool hold = !it_cluster();
    if (hold) {
        pthread_create(&th, NULL, hold_session, &h);
        usleep(300 * 1000); /* the lock is taken */
    }
    pthread_create(&first, NULL, first_one, &f);
    usleep(300 * 1000); /* request 0 leads and waits for the lock */
    it_parallel(n - 1, rest_one, &f);
    pthread_join(first, NULL);
    if (hold)
        pthread_join(th, NULL);
    return hold;
}

Test(reg_batch, a_duplicate_in_a_batch_fails_alone)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "路演 dup", true);
    struct dup d = {.session_id = ev_session(srv, org, eid, 3, true, "")};
    char *tok[6];
    int64_t uid[6];
    for (int i = 0; i < 6; i++)
        tok[i] = it_user(srv, "attendee", &uid[i]);
    /* tok[0] holds a registration already. */
    struct it_resp *r = ev_register(srv, tok[0], d.session_id, NULL);
    cr_assert_eq(r->status, 201);
    int64_t held = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    /* An endpoint of the event subscribed to confirmations only (a loopback port nobody
     * listens on: its rows stay in the outbox). */
    char hpath[96];
    snprintf(hpath, sizeof(hpath), "/api/v1/events/%lld/webhooks", (long long)eid);
    r = it_http(srv, "POST", hpath, org,
                "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"registration.confirmed\"]}",
                NULL);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    int64_t hook = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    /* The batch: users 1..5, user 0 again (stored), user 2 twice (within the batch). */
    const int who[DUP_N] = {1, 2, 0, 3, 2, 4, 5, 1};
    for (int i = 0; i < DUP_N; i++)
        d.tokens[i] = tok[who[i]];
    long batches0 = metric("summitd_combined_batches_total");
    long members0 = metric("summitd_combined_requests_total");
    struct holder h = {d.session_id};
    pthread_t th;
    pthread_create(&th, NULL, hold_session, &h);
    usleep(300 * 1000); /* the lock is taken */
    it_parallel(DUP_N, dup_one, &d);
    pthread_join(th, NULL);

    /* They went through the combiner together: the first alone (it waited for the lock), the
     * others queued behind it, in one or two batches. */
    long batches = metric("summitd_combined_batches_total") - batches0;
    cr_assert_eq(metric("summitd_combined_requests_total") - members0, DUP_N);
    cr_assert(batches >= 2 && batches <= 3, "%ld batches for %d requests", batches, DUP_N);
    /* Nobody was sent back to the single path: each duplicate was refused in the batch. */
    cr_assert(!log_has(srv, "alone again"), "a batch failed as a whole; see %s", srv->log);
    int created[6] = {0}, refused[6] = {0};
    int64_t first[6] = {0};
    for (int i = 0; i < DUP_N; i++) {
        int u = who[i];
        if (d.status[i] == 201) {
            created[u]++;
            first[u] = d.id[i];
        } else {
            cr_assert_eq(d.status[i], 409, "user %d got %d", u, d.status[i]);
            cr_assert_str_eq(d.code[i], "already_registered");
            refused[u]++;
        }
    }
    cr_assert_eq(created[0], 0);
    cr_assert_eq(refused[0], 1, "the stored registration refuses its holder");
    for (int i = 0; i < DUP_N; i++)
        if (who[i] == 0)
            cr_assert_eq(d.id[i], held, "the 409 carries the holder's registration");
    for (int u = 1; u < 6; u++)
        cr_assert_eq(created[u], 1, "user %d registered once (others in the batch unharmed)", u);
    cr_assert_eq(refused[1], 1);
    cr_assert_eq(refused[2], 1, "the same user twice in one batch: the second fails alone");
    for (int i = 0; i < DUP_N; i++)
        cr_assert_eq(d.id[i], who[i] == 0 ? held : first[who[i]],
                     "a 409 names the registration that won");
    /* 6 rows (0..5): 3 confirmed, 3 waitlisted 1..3. */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld",
                            (long long)d.session_id),
                 6);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations WHERE session_id = %lld AND"
                            " status = 'confirmed'",
                            (long long)d.session_id),
                 3);
    cr_assert_eq(it_sql_i64("SELECT COUNT(DISTINCT waitlist_position) + 10 * MAX(waitlist_position)"
                            " FROM registrations WHERE session_id = %lld AND status = 'waitlisted'",
                            (long long)d.session_id),
                 33, "positions 1..3 once each");
    cr_assert_eq(it_sql_i64("SELECT confirmed_count * 10 + waitlist_count FROM sessions"
                            " WHERE id = %lld",
                            (long long)d.session_id),
                 33);
    /* Every registration made has its notice (the refused ones none). */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM notifications WHERE type LIKE 'registration.%%'"
                            " AND user_id IN (%lld, %lld, %lld, %lld, %lld, %lld)",
                            (long long)uid[0], (long long)uid[1], (long long)uid[2],
                            (long long)uid[3], (long long)uid[4], (long long)uid[5]),
                 6);
    /* Each notice says its own registration: the feed row's data names the user's row. */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM notifications n JOIN registrations g"
                            " ON g.user_id = n.user_id AND g.session_id = %lld"
                            " WHERE JSON_VALUE(n.data, '$.registration.id') = g.id"
                            " AND JSON_VALUE(n.data, '$.registration.status') = g.status",
                            (long long)d.session_id),
                 6);
    /* An e-mail for each (nobody turned it off), and a webhook row for each confirmation made
     * after the endpoint existed (2 of the 3: user 0's came before it). */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND type LIKE"
                            " 'registration.%%' AND user_id IN (%lld, %lld, %lld, %lld, %lld, %lld)",
                            (long long)uid[0], (long long)uid[1], (long long)uid[2],
                            (long long)uid[3], (long long)uid[4], (long long)uid[5]),
                 6);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND"
                            " endpoint_id = %lld AND type = 'registration.confirmed'",
                            (long long)hook),
                 2);
    for (int i = 0; i < 6; i++)
        free(tok[i]);
    free(org);
}

/* ---- requests for different sessions share a batch ---- */

#define MIX_N 9

struct mix {
    const char *tokens[MIX_N];
    int64_t sessions[MIX_N];
    int status[MIX_N];
    char code[MIX_N][32];
};

static void mix_one(int i, void *arg)
{
    struct mix *m = arg;
    struct it_resp *r = ev_register(srv, m->tokens[i], m->sessions[i], NULL);
    m->status[i] = r->status;
    snprintf(m->code[i], sizeof(m->code[i]), "%s",
             it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "");
    it_resp_free(r);
}

Test(reg_batch, sessions_share_a_batch_and_each_decides_its_own)
{
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "跨会场合并 报名", true);
    char opens[32], extra[96];
    snprintf(extra, sizeof(extra), "\"registration_opens_at\":\"%s\"", ev_time(DAY, opens));
    /* a: 2 seats and a waitlist; b: 1 seat, no waitlist; c: registration opens tomorrow;
     * e: 5 seats (one user twice). a is the row held, so that the rest queue behind it. */
    int64_t a = ev_session(srv, org, eid, 2, true, ""), b = ev_session(srv, org, eid, 1, false, "");
    int64_t c = ev_session(srv, org, eid, 5, true, extra), e = ev_session(srv, org, eid, 5, true, "");
    char *tok[8];
    int64_t uid[8];
    for (int i = 0; i < 8; i++)
        tok[i] = it_user(srv, "attendee", &uid[i]);
    const int who[MIX_N] = {0, 1, 2, 3, 4, 5, 6, 7, 6};
    const int64_t where[MIX_N] = {a, a, a, b, b, c, e, e, e};
    struct mix m = {0};
    for (int i = 0; i < MIX_N; i++) {
        m.tokens[i] = tok[who[i]];
        m.sessions[i] = where[i];
    }
    long batches0 = metric("summitd_combined_batches_total");
    long members0 = metric("summitd_combined_requests_total");
    /* Request 0 (for a) leads and waits for a's lock; the others queue behind it meanwhile. */
    bool hold = first_then_rest(a, MIX_N, mix_one, &m);

    long batches = metric("summitd_combined_batches_total") - batches0;
    cr_assert_eq(metric("summitd_combined_requests_total") - members0, MIX_N);
    /* Four sessions, nine requests: the first alone (it waited for the lock), the others queued
     * behind it whatever their session, in one or two batches. */
    if (hold)
        cr_assert(batches >= 2 && batches <= 3, "%ld batches for %d requests", batches, MIX_N);
    cr_assert(!log_has(srv, "alone again"), "a batch failed as a whole; see %s", srv->log);
    int made_a = 0, full_b = 0, made_b = 0, made_e = 0, dup_e = 0;
    for (int i = 0; i < MIX_N; i++) {
        if (where[i] == a) {
            cr_assert_eq(m.status[i], 201, "a: %d %s", m.status[i], m.code[i]);
            made_a++;
        } else if (where[i] == b) {
            if (m.status[i] == 201)
                made_b++;
            else {
                cr_assert_eq(m.status[i], 409);
                cr_assert_str_eq(m.code[i], "session_full");
                full_b++;
            }
        } else if (where[i] == c) {
            cr_assert_eq(m.status[i], 400, "c: %d %s", m.status[i], m.code[i]);
            cr_assert_str_eq(m.code[i], "registration_not_open");
        } else if (m.status[i] == 201) {
            made_e++;
        } else {
            cr_assert_eq(m.status[i], 409);
            cr_assert_str_eq(m.code[i], "already_registered");
            dup_e++;
        }
    }
    cr_assert_eq(made_a, 3);
    cr_assert(made_b == 1 && full_b == 1, "b: one seat, no waitlist");
    cr_assert(made_e == 2 && dup_e == 1, "e: user 6 twice, the second refused alone");
    /* Each session's counters equal its rows; a: 2 confirmed and position 1. */
    cr_assert_eq(it_sql_i64("SELECT confirmed_count * 10 + waitlist_count FROM sessions"
                            " WHERE id = %lld", (long long)a), 21);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM sessions s WHERE s.event_id = %lld AND"
                            " (s.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE"
                            " r.session_id = s.id AND r.status = 'confirmed') OR"
                            " s.waitlist_count <> (SELECT COUNT(*) FROM registrations r WHERE"
                            " r.session_id = s.id AND r.status = 'waitlisted'))",
                            (long long)eid), 0);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM registrations r JOIN sessions s ON"
                            " s.id = r.session_id WHERE s.event_id = %lld", (long long)eid), 6);
    /* Every registration made has one notice, and it names its own session and row. */
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM notifications n JOIN registrations g"
                            " ON g.user_id = n.user_id JOIN sessions s ON s.id = g.session_id"
                            " WHERE s.event_id = %lld"
                            " AND JSON_VALUE(n.data, '$.registration.id') = g.id"
                            " AND JSON_VALUE(n.data, '$.session.id') = g.session_id"
                            " AND n.type = CONCAT('registration.', g.status)",
                            (long long)eid), 6);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM notifications WHERE event_id = %lld",
                            (long long)eid), 6, "no notice for a refusal");
    for (int i = 0; i < 8; i++)
        free(tok[i]);
    free(org);
}

/* ---- webhooks: a batch writes their rows only for the events that have endpoints ---- */

#define HOOK_N 7

struct hooked {
    const char *tokens[HOOK_N];
    int64_t sessions[HOOK_N];
    int status[HOOK_N];
};

static void hooked_one(int i, void *arg)
{
    struct hooked *h = arg;
    struct it_resp *r = ev_register(srv, h->tokens[i], h->sessions[i], NULL);
    h->status[i] = r->status;
    it_resp_free(r);
}

/* A batch skips the webhooks' statement when none of its events has an endpoint (batch_lock).
 * One batch over two events, an endpoint on one of them: that event's registrations get their
 * webhook rows, the other's none, and the e-mails are there for both. */
Test(reg_batch, a_batch_over_two_events_writes_webhook_rows_only_for_the_hooked_one)
{
    char *org = it_organizer(srv, NULL);
    int64_t hooked = ev_event(srv, org, "路演 webhook", true);
    int64_t plain = ev_event(srv, org, "论坛 无 webhook", true);
    int64_t sh = ev_session(srv, org, hooked, 10, true, "");
    int64_t sp = ev_session(srv, org, plain, 10, true, "");
    char hpath[96];
    snprintf(hpath, sizeof(hpath), "/api/v1/events/%lld/webhooks", (long long)hooked);
    struct it_resp *r = it_http(srv, "POST", hpath, org,
                                "{\"url\":\"http://127.0.0.1:9/hook\","
                                "\"events\":[\"registration.confirmed\"]}",
                                NULL);
    cr_assert_eq(r->status, 201, "%d %s", r->status, r->body);
    int64_t hook = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    char *tok[HOOK_N];
    struct hooked h = {0};
    const int64_t where[HOOK_N] = {sp, sh, sh, sp, sh, sp, sh}; /* 4 hooked, 3 plain */
    for (int i = 0; i < HOOK_N; i++) {
        tok[i] = it_user(srv, "attendee", NULL);
        h.tokens[i] = tok[i];
        h.sessions[i] = where[i];
    }
    long batches0 = metric("summitd_combined_batches_total");
    long members0 = metric("summitd_combined_requests_total");
    /* The plain session's row held: the first request waits on it, the others queue behind it
     * and go in one batch over both events. */
    bool held = first_then_rest(sp, HOOK_N, hooked_one, &h);
    cr_assert_eq(metric("summitd_combined_requests_total") - members0, HOOK_N);
    long batches = metric("summitd_combined_batches_total") - batches0;
    if (held)
        cr_assert(batches >= 2 && batches <= 3, "%ld batches for %d requests", batches, HOOK_N);
    for (int i = 0; i < HOOK_N; i++)
        cr_assert_eq(h.status[i], 201, "request %d: %d", i, h.status[i]);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox o JOIN registrations g ON"
                            " o.msg_id LIKE CONCAT('%%.', g.id, '.w%%') WHERE o.channel = 'webhook'"
                            " AND o.endpoint_id = %lld AND g.session_id = %lld",
                            (long long)hook, (long long)sh),
                 4, "a webhook row for each registration of the hooked event");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND"
                            " event_id IN (%lld, %lld)",
                            (long long)hooked, (long long)plain),
                 4, "none for the plain event's");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND"
                            " event_id IN (%lld, %lld)",
                            (long long)hooked, (long long)plain),
                 HOOK_N, "an e-mail for every registration");
    for (int i = 0; i < HOOK_N; i++)
        free(tok[i]);
    free(org);
}

/* ---- full batches: 130 requests over 65 sessions ---- */

#define BIG_N 130
#define BIG_SESSIONS 65

struct big {
    struct it_server *s;
    struct ev_users u;
    int64_t sessions[BIG_SESSIONS];
    int status[BIG_N];
};

static void big_one(int i, void *arg)
{
    struct big *g = arg;
    struct it_resp *r = ev_register(g->s, g->u.tokens[i], g->sessions[i % BIG_SESSIONS], NULL);
    g->status[i] = r->status;
    it_resp_free(r);
}

/* Request 0 (for the held session) alone first, then the others: it leads a batch that waits
 * for the lock, and everything sent meanwhile queues behind it. Sent all at once, the requests
 * that happened to arrive before it made small batches of their own (7 where 6 are allowed,
 * twice in CI's tsan phase). */
static void *big_first(void *arg)
{
    big_one(0, arg);
    return NULL;
}

static void big_rest(int i, void *arg)
{
    big_one(i + 1, arg);
}

/* Enough workers for a batch of registration_batch_max (64) members: its statements stay within
 * what one statement may bind (64 rows of 8 parameters would be 512), and more sessions than one
 * counters UPDATE takes. */
Test(reg_batch, a_full_batch_over_many_sessions)
{
    static const char *const sets[] = {"workers=140", NULL};
    struct big g = {.s = it_start(sets)};
    char *org = it_organizer(g.s, NULL);
    int64_t eid = ev_event(g.s, org, "满批 报名", true);
    for (int i = 0; i < BIG_SESSIONS; i++)
        g.sessions[i] = ev_session(g.s, org, eid, 1, true, "");
    ev_users_make(&g.u, g.s, BIG_N);
    long batches0 = metric_of(g.s, "summitd_combined_batches_total");
    struct holder h = {g.sessions[0]};
    pthread_t th;
    bool hold = !it_cluster();
    if (hold) {
        pthread_create(&th, NULL, hold_session, &h);
        usleep(300 * 1000);
    }
    if (hold) {
        pthread_t first;
        pthread_create(&first, NULL, big_first, &g);
        usleep(300 * 1000); /* request 0 waits for the lock in its batch */
        it_parallel(BIG_N - 1, big_rest, &g);
        pthread_join(first, NULL);
        pthread_join(th, NULL);
    } else {
        it_parallel(BIG_N, big_one, &g);
    }
    long batches = metric_of(g.s, "summitd_combined_batches_total") - batches0;
    long wrong = it_sql_i64("SELECT COUNT(*) FROM sessions WHERE event_id = %lld AND"
                            " (confirmed_count <> 1 OR waitlist_count <> 1)", (long long)eid);
    long rows = it_sql_i64("SELECT COUNT(*) FROM registrations r JOIN sessions s ON"
                           " s.id = r.session_id WHERE s.event_id = %lld", (long long)eid);
    long notices = it_sql_i64("SELECT COUNT(*) FROM notifications WHERE event_id = %lld",
                              (long long)eid);
    int stopped = it_stop(g.s);
    for (int i = 0; i < BIG_N; i++)
        cr_assert_eq(g.status[i], 201, "request %d: %d", i, g.status[i]);
    ev_users_free(&g.u, BIG_N);
    if (hold)
        cr_assert(batches <= 6, "%ld batches for %d requests", batches, BIG_N);
    cr_assert_eq(wrong, 0, "every session: 1 confirmed, 1 waitlisted");
    cr_assert_eq(rows, BIG_N);
    cr_assert_eq(notices, BIG_N);
    cr_assert_eq(stopped, 0, "summitd exited cleanly (no assertion failed)");
    free(org);
}

/* ---- registration_batch_max = 1: combining off ---- */

struct alone {
    struct it_server *s;
    int64_t session_id;
    char *tokens[6];
    int status[6];
};

static void alone_one(int i, void *arg)
{
    struct alone *a = arg;
    struct it_resp *r = ev_register(a->s, a->tokens[i], a->session_id, NULL);
    a->status[i] = r->status;
    it_resp_free(r);
}

Test(reg_batch, batch_max_1_runs_every_request_alone)
{
    static const char *const sets[] = {"registration_batch_max=1", NULL};
    struct alone a = {.s = it_start(sets)};
    char *org = it_organizer(a.s, NULL);
    int64_t eid = ev_event(a.s, org, "路演 alone", true);
    a.session_id = ev_session(a.s, org, eid, 3, true, "");
    for (int i = 0; i < 6; i++)
        a.tokens[i] = it_user(a.s, "attendee", NULL);
    long batches0 = metric_of(a.s, "summitd_combined_batches_total");
    /* On one server the session row is held meanwhile, so all six wait for it at once. On
     * Galera that holder would be brute-force aborted by the registrations (1213): there they
     * simply run concurrently, and what is checked holds either way. */
    struct holder h = {a.session_id};
    pthread_t th;
    bool hold = !it_cluster();
    if (hold) {
        pthread_create(&th, NULL, hold_session, &h);
        usleep(300 * 1000);
    }
    it_parallel(6, alone_one, &a);
    if (hold)
        pthread_join(th, NULL);
    long batches = metric_of(a.s, "summitd_combined_batches_total") - batches0;
    long confirmed = it_sql_i64("SELECT confirmed_count * 10 + waitlist_count FROM sessions"
                                " WHERE id = %lld",
                                (long long)a.session_id);
    long dense = it_sql_i64("SELECT COUNT(DISTINCT waitlist_position) + 10 * MAX(waitlist_position)"
                            " FROM registrations WHERE session_id = %lld AND status = 'waitlisted'",
                            (long long)a.session_id);
    int stopped = it_stop(a.s);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(a.status[i], 201, "request %d: %d", i, a.status[i]);
        free(a.tokens[i]);
    }
    cr_assert_eq(batches, 0, "%ld batches with combining off", batches);
    cr_assert_eq(confirmed, 33, "3 confirmed, 3 waitlisted");
    cr_assert_eq(dense, 33, "positions 1..3 once each");
    cr_assert_eq(stopped, 0);
    free(org);
}
