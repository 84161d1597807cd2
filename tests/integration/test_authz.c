/* The authorization matrix: every route of server/routes.c (but the ROUTE_DEBUG ones) × nine
 * principals → the status each must get, against a real summitd, MariaDB and Redis. Every
 * request carries a valid body, so the status is the authorization decision, not validation.
 * A route added to server/routes.c without a row here fails `every_route_has_a_row`.
 *
 * One fixture world is built through the API at the start of the matrix test: an organizer's
 * published event with forum, pitch and competition sessions, the attendee's registration, an
 * organization (+ supply project) of the enterprise member and another (+ demand projects) of
 * the other member, a mutual match between them, a pitch, a competition with a criterion, an
 * entry and a judge, meeting slots and a scheduled meeting. Cells that change state (logout,
 * publish, cancel, DELETE, check-in, …) get a fresh sub-fixture of their own from the row's
 * `make` function, so every cell sees a well-defined state whatever ran before it.
 *
 * Then a draft event: every route reaching it through an event, session or pitch id answers 404
 * to everyone but its organizer and admins (401 first for anonymous on AUTH routes).
 *
 * After the matrix: no token issued during the test appears in the server's log or in any text
 * or binary column of the database, and the password hashes of the users made here are yescrypt
 * (`$y$`). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/router.h"
#include "server/routes.h"
#include "tests/lib/it.h"

#define PASSWORD "authz-matrix-pass-7"
#define HOOK_BODY "{\"url\":\"https://8.8.8.8/summitd-authz\",\"events\":[\"event.cancelled\"]}"
/* The admin account tests/lib/it.c configures (re-logged in for the logout cell). */
#define ADMIN_EMAIL "admin@test.example"
#define ADMIN_PASSWORD "admin-test-password"

/* ---- principals -------------------------------------------------------------------------- */

enum {
    P_ANON,  /* no token */
    P_ATT,   /* attendee, holds the fixture registration */
    P_ATT2,  /* another attendee */
    P_ENT,   /* enterprise member of org A (owns the supply project) */
    P_OTHER, /* enterprise member of org B (owns the demand projects) */
    P_ORG,   /* the event's organizer */
    P_ORG2,  /* another organizer */
    P_JUDGE, /* an attendee assigned as judge of the fixture competition session */
    P_ADMIN,
    NP
};

static const char *const pname[NP] = {"anonymous",
                                      "attendee",
                                      "another attendee",
                                      "enterprise member",
                                      "member of another organization",
                                      "the event's organizer",
                                      "another organizer",
                                      "judge",
                                      "admin"};

/* ---- the fixture world ------------------------------------------------------------------- */

static struct it_server *srv;

static struct {
    char *email[NP];
    char *tok[NP];
    int64_t uid[NP];
    int64_t dummy[NP]; /* users that are only ever targets (invited, roles granted) */
    char *dummy_email; /* dummy[0]'s email, for the login cell */
    int64_t event;     /* the organizer's published event */
    int64_t forum;     /* the attendee's registration is here */
    int64_t forum2;    /* POST registrations target (nobody registered up front) */
    int64_t forum3;    /* registrations made and cancelled by the DELETE cells */
    int64_t pitch_s, pitch2_s, comp, comp2;
    int64_t org_a, org_b; /* of P_ENT and P_OTHER */
    int64_t supply, demand, demand2, patch_proj;
    int64_t spare_proj[NP]; /* org A's, one per principal (pitch and entry bodies) */
    int64_t spare_org[NP];  /* exhibitor bodies */
    int64_t reg;            /* the attendee's registration in forum */
    int64_t pitch;          /* in pitch_s */
    int64_t criterion, entry;
    int64_t t0;
    int64_t checkin_s; /* a forum starting within the hour: inside its check-in window */
    int64_t hook;      /* a webhook endpoint of org A */
} F;

/* Every token issued during the test (checked against the log and the database at the end). */
static char *issued[1024];
static size_t n_issued;
/* Every user made here (their password hashes must be yescrypt). */
static int64_t made[1024];
static size_t n_made;

/* ---- helpers ----------------------------------------------------------------------------- */

static char *rfc(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static struct it_resp *req(const char *method, const char *path, const char *tok, const char *body)
{
    return it_http(srv, method, path, tok, body, NULL);
}

/* POST with a printf body; asserts 201 and returns "id" (or the named numeric field). */
static int64_t create(const char *tok, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int64_t create(const char *tok, const char *path, const char *fmt, ...)
{
    char *body = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&body, fmt, ap), 0);
    va_end(ap);
    struct it_resp *r = req("POST", path, tok, body);
    cr_assert_eq(r->status, 201, "fixture: POST %s %s: %d %s", path, body, r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    free(body);
    return id;
}

/* Runs SQL through a file and returns all output (tab-separated, no header). Caller frees. */
static char *sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sql(const char *fmt, ...)
{
    char *q = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&q, fmt, ap), 0);
    va_end(ap);
    char path[] = "/tmp/summitd-authz-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, q, strlen(q)), (ssize_t)strlen(q));
    close(fd);
    free(q);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), IT_MYSQL_CLI " < %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 4096, len = 0, k;
    char *out = malloc(cap);
    while ((k = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += k;
        if (cap - len < 2)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    int st = pclose(p);
    unlink(path);
    cr_assert_eq(st, 0, "mariadb failed: %s", out);
    return out;
}

static int64_t sql_i64(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t sql_i64(const char *fmt, ...)
{
    char *q = NULL;
    va_list ap;
    va_start(ap, fmt);
    cr_assert_geq(vasprintf(&q, fmt, ap), 0);
    va_end(ap);
    char *out = sql("%s", q);
    int64_t v = strtoll(out, NULL, 10);
    free(out);
    free(q);
    return v;
}

/* Signs up (attendee|enterprise) with a fresh e-mail; returns the id, *email (caller frees). */
static int64_t signup(const char *role, char **email)
{
    char *e = it_email("authz");
    char body[512];
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"display_name\":\"权限 %s\","
             "\"role\":\"%s\"}",
             e, role, role);
    struct it_resp *r = req("POST", "/api/v1/users", NULL, body);
    cr_assert_eq(r->status, 201, "fixture: signup: %d %s", r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    made[n_made++] = id;
    if (email)
        *email = e;
    else
        free(e);
    return id;
}

static const char *record_token(const struct it_resp *r)
{
    const char *t = it_jstr(r, "token");
    cr_assert_not_null(t, "login gave no token: %s", r->body);
    cr_assert_lt(n_issued, sizeof(issued) / sizeof(issued[0]));
    issued[n_issued] = strdup(t);
    return issued[n_issued++];
}

/* Logs in; returns the token (owned by `issued`). */
static const char *login(const char *email, const char *password)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    struct it_resp *r = req("POST", "/api/v1/auth/login", NULL, body);
    cr_assert_eq(r->status, 200, "fixture: login %s: %d %s", email, r->status, r->body);
    const char *t = record_token(r);
    it_resp_free(r);
    return t;
}

static const char *relogin(int p)
{
    return p == P_ADMIN ? login(ADMIN_EMAIL, ADMIN_PASSWORD) : login(F.email[p], PASSWORD);
}

static void principal(int p, const char *role, bool organizer)
{
    F.uid[p] = signup(role, &F.email[p]);
    if (organizer) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/users/%lld/roles", (long long)F.uid[p]);
        struct it_resp *r = req("POST", path, F.tok[P_ADMIN], "{\"role\":\"organizer\"}");
        cr_assert_eq(r->status, 200, "fixture: grant: %d %s", r->status, r->body);
        it_resp_free(r);
    }
    F.tok[p] = (char *)login(F.email[p], PASSWORD);
}

static int64_t session(int64_t event, const char *kind, const char *room, int64_t start,
                       int64_t end)
{
    char a[32], b[32], path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)event);
    return create(F.tok[P_ORG], path,
                  "{\"title\":\"%s 权限\",\"kind\":\"%s\",\"room\":\"%s\",\"starts_at\":\"%s\","
                  "\"ends_at\":\"%s\",\"capacity\":100,\"waitlist\":true}",
                  kind, kind, room, rfc(start, a), rfc(end, b));
}

static int64_t event_new(bool publish)
{
    char a[32], b[32];
    int64_t id = create(F.tok[P_ORG], "/api/v1/events",
                        "{\"title\":\"2033 人工智能高峰论坛 权限\",\"kind\":\"summit\","
                        "\"city\":\"成都\",\"venue\":\"天府国际会议中心\",\"starts_at\":\"%s\","
                        "\"ends_at\":\"%s\",\"description\":\"authz\"}",
                        rfc(F.t0 - 3600, a), rfc(F.t0 + 86400, b));
    if (publish) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)id);
        struct it_resp *r = req("POST", path, F.tok[P_ORG], NULL);
        cr_assert_eq(r->status, 200, "fixture: publish: %d %s", r->status, r->body);
        it_resp_free(r);
    }
    return id;
}

static int64_t org_new(int owner, const char *name)
{
    return create(F.tok[owner], "/api/v1/organizations",
                  "{\"name\":\"%s\",\"tier\":\"innovative\",\"sector\":\"人工智能\"}", name);
}

static int64_t project_new(int owner, int64_t org, const char *side, const char *title)
{
    return create(F.tok[owner], "/api/v1/projects",
                  "{\"organization_id\":%lld,\"side\":\"%s\",\"title\":\"%s\","
                  "\"description\":\"工业视觉质检\",\"sector\":\"人工智能\",\"tags\":[\"视觉\"],"
                  "\"stage\":\"pilot\"}",
                  (long long)org, side, title);
}

static void interest(int who, int64_t from, int64_t to)
{
    char path[80], body[96];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)from);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"interested\"}",
             (long long)to);
    struct it_resp *r = req("POST", path, F.tok[who], body);
    cr_assert(r->status == 201 || r->status == 200, "fixture: interest: %d %s", r->status, r->body);
    it_resp_free(r);
}

static void exhibit(int64_t org)
{
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)F.event);
    create(F.tok[P_ORG], path, "{\"organization_id\":%lld}", (long long)org);
}

static void schedule_meetings(void)
{
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meetings/schedule", (long long)F.event);
    struct it_resp *r = req("POST", path, F.tok[P_ORG], NULL);
    cr_assert_eq(r->status, 200, "fixture: schedule meetings: %d %s", r->status, r->body);
    it_resp_free(r);
}

/* A scheduled meeting between a new organization of P_ENT and one of P_OTHER (mutual match,
 * both exhibiting); returns its id. */
static int64_t meeting_new(const char *tag)
{
    char name[96];
    snprintf(name, sizeof(name), "%s 甲方 %d", tag, (int)getpid());
    int64_t x = org_new(P_ENT, name);
    snprintf(name, sizeof(name), "%s 乙方 %d", tag, (int)getpid());
    int64_t y = org_new(P_OTHER, name);
    int64_t s = project_new(P_ENT, x, "supply", "视觉质检平台");
    int64_t d = project_new(P_OTHER, y, "demand", "产线质检需求");
    interest(P_ENT, s, d);
    interest(P_OTHER, d, s);
    exhibit(x);
    exhibit(y);
    schedule_meetings();
    int64_t id = sql_i64("SELECT id FROM meetings WHERE event_id = %lld AND status = 'scheduled'"
                         " AND (org_a = %lld OR org_b = %lld);",
                         (long long)F.event, (long long)x, (long long)x);
    cr_assert_gt(id, 0, "fixture: the meeting of organizations %lld and %lld was not scheduled",
                 (long long)x, (long long)y);
    return id;
}

static void world(void)
{
    struct tm tm = {.tm_year = 2033 - 1900, .tm_mon = 5, .tm_mday = 15, .tm_hour = 9};
    F.t0 = (int64_t)timegm(&tm);
    const int64_t H = 3600, T0 = F.t0;

    F.tok[P_ANON] = NULL;
    F.tok[P_ADMIN] = (char *)login(ADMIN_EMAIL, ADMIN_PASSWORD);
    F.uid[P_ADMIN] = sql_i64("SELECT id FROM users WHERE email_lower = '" ADMIN_EMAIL "';");
    principal(P_ATT, "attendee", false);
    principal(P_ATT2, "attendee", false);
    principal(P_ENT, "enterprise", false);
    principal(P_OTHER, "enterprise", false);
    principal(P_ORG, "attendee", true);
    principal(P_ORG2, "attendee", true);
    principal(P_JUDGE, "attendee", false);
    for (int p = 0; p < NP; p++)
        F.dummy[p] = signup("attendee", p == 0 ? &F.dummy_email : NULL);

    /* The event and its sessions. */
    F.event = event_new(true);
    F.pitch_s = session(F.event, "pitch", "路演厅 A", T0, T0 + 3 * H);
    F.pitch2_s = session(F.event, "pitch", "路演厅 B", T0 + 3 * H, T0 + 6 * H);
    F.comp = session(F.event, "competition", "大赛厅 1", T0 + 6 * H, T0 + 8 * H);
    F.comp2 = session(F.event, "competition", "大赛厅 2", T0 + 6 * H, T0 + 8 * H);
    F.forum = session(F.event, "forum", "论坛 1", T0 + 8 * H, T0 + 10 * H);
    F.forum2 = session(F.event, "forum", "论坛 2", T0 + 8 * H, T0 + 10 * H);
    F.forum3 = session(F.event, "forum", "论坛 3", T0 + 8 * H, T0 + 10 * H);

    /* Check-ins are taken only from 120 minutes before a session starts: an event under way. */
    {
        char a[32], b[32], path[64];
        int64_t now = (int64_t)time(NULL);
        int64_t ev = create(F.tok[P_ORG], "/api/v1/events",
                            "{\"title\":\"签到 权限\",\"kind\":\"summit\",\"city\":\"成都\","
                            "\"starts_at\":\"%s\",\"ends_at\":\"%s\"}",
                            rfc(now + 1800, a), rfc(now + 86400, b));
        snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)ev);
        struct it_resp *pr = req("POST", path, F.tok[P_ORG], NULL);
        cr_assert_eq(pr->status, 200, "fixture: publish: %d %s", pr->status, pr->body);
        it_resp_free(pr);
        F.checkin_s = session(ev, "forum", "签到厅", now + 1800, now + 3 * H);
    }

    /* The attendee's registration. */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)F.forum);
    struct it_resp *r = req("POST", path, F.tok[P_ATT], NULL);
    cr_assert_eq(r->status, 201, "fixture: registration: %d %s", r->status, r->body);
    F.reg = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    /* Organizations, projects, a mutual match. */
    F.org_a = org_new(P_ENT, "权限甲 智能科技有限公司");
    {
        char hp[96];
        snprintf(hp, sizeof(hp), "/api/v1/organizations/%lld/webhooks", (long long)F.org_a);
        F.hook = create(F.tok[P_ENT], hp, HOOK_BODY);
    }
    F.org_b = org_new(P_OTHER, "权限乙 制造集团");
    F.supply = project_new(P_ENT, F.org_a, "supply", "工业视觉质检");
    F.patch_proj = project_new(P_ENT, F.org_a, "supply", "待修改的项目");
    F.demand = project_new(P_OTHER, F.org_b, "demand", "产线缺陷检测需求");
    F.demand2 = project_new(P_OTHER, F.org_b, "demand", "仓储机器人需求");
    for (int p = 0; p < NP; p++) {
        char t[64];
        snprintf(t, sizeof(t), "备用项目 %d", p);
        F.spare_proj[p] = project_new(P_ENT, F.org_a, "supply", t);
        snprintf(t, sizeof(t), "备用展商 %d", p);
        F.spare_org[p] = org_new(P_OTHER, t);
    }
    interest(P_ENT, F.supply, F.demand);
    interest(P_OTHER, F.demand, F.supply);

    /* A pitch (unplaced). */
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/pitches", (long long)F.pitch_s);
    F.pitch = create(F.tok[P_ORG], path,
                     "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
                     (long long)F.supply, (long long)F.uid[P_ENT]);

    /* The competition: a criterion, an entry (org A's project), the judge. */
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/criteria", (long long)F.comp);
    F.criterion = create(F.tok[P_ORG], path, "{\"name\":\"创新性\",\"weight\":1,\"max_score\":10}");
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/entries", (long long)F.comp);
    F.entry = create(F.tok[P_ORG], path, "{\"project_id\":%lld}", (long long)F.supply);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/judges", (long long)F.comp);
    char body[64];
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)F.uid[P_JUDGE]);
    r = req("POST", path, F.tok[P_ORG], body);
    cr_assert_eq(r->status, 201, "fixture: judge: %d %s", r->status, r->body);
    it_resp_free(r);

    /* Meetings: both organizations exhibit, slots, a scheduled meeting. */
    exhibit(F.org_a);
    exhibit(F.org_b);
    char a[32];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/meeting-slots", (long long)F.event);
    create(F.tok[P_ORG], path, "{\"starts_at\":\"%s\",\"minutes\":30,\"count\":4,\"tables\":10}",
           rfc(T0 + 12 * H, a));
    schedule_meetings();
    cr_assert_gt(sql_i64("SELECT COUNT(*) FROM meetings WHERE event_id = %lld"
                         " AND status = 'scheduled';",
                         (long long)F.event),
                 0, "fixture: no meeting scheduled");
}

/* ---- the matrix -------------------------------------------------------------------------- */

struct cell {
    char path[256];
    char body[1024]; /* "" for none */
    const char *token;
};

typedef void (*make_fn)(int p, struct cell *c);

struct row {
    unsigned method;
    const char *pattern;
    int phase; /* 1: after every phase-0 row (their state would disturb others) */
    make_fn make;
    int want[NP]; /* anon, att, att2, ent, other, org, org2, judge, admin */
};

#define PATH(...) snprintf(c->path, sizeof(c->path), __VA_ARGS__)
#define BODY(...) snprintf(c->body, sizeof(c->body), __VA_ARGS__)
#define LL(x) ((long long)(x))

/* operations */
static void m_healthz(int p, struct cell *c)
{
    (void)p;
    PATH("/healthz");
}
static void m_vocab(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/vocabularies");
}
static void m_readyz(int p, struct cell *c)
{
    (void)p;
    PATH("/readyz");
}
static void m_metrics(int p, struct cell *c)
{
    (void)p;
    PATH("/metrics");
}

/* the web client */
static void m_web_root(int p, struct cell *c)
{
    (void)p;
    PATH("/");
}
static void m_web_index(int p, struct cell *c)
{
    (void)p;
    PATH("/index.html");
}
static void m_web_asset(int p, struct cell *c)
{
    (void)p;
    PATH("/assets/index.html");
}

/* accounts */
static void m_users_create(int p, struct cell *c)
{
    (void)p;
    char *e = it_email("authz-signup");
    PATH("/api/v1/users");
    BODY("{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"display_name\":\"新用户\","
         "\"role\":\"attendee\"}",
         e);
    free(e);
}
static void m_login(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/auth/login");
    BODY("{\"email\":\"%s\",\"password\":\"" PASSWORD "\"}", F.dummy_email);
}
static void m_logout(int p, struct cell *c)
{
    PATH("/api/v1/auth/logout");
    c->token = p == P_ANON ? NULL : relogin(p); /* a token of its own: this cell ends it */
}
static void m_logout_all(int p, struct cell *c)
{
    PATH("/api/v1/auth/logout-all");
    /* It ends every session of its user: a throwaway account, not the principal's (whose token
     * the other cells use); any signed-in caller may. */
    c->token = p == P_ANON ? NULL : it_user(srv, "attendee", NULL);
}
static void m_me(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me");
}
static void m_me_patch(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me");
    BODY("{}");
}
static void m_roles(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/users/%lld/roles", LL(F.dummy[0]));
    BODY("{\"role\":\"attendee\"}");
}

/* notifications: the admin's outbox */
static void m_outbox_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/admin/outbox?status=dead");
}
static void m_outbox_retry(int p, struct cell *c)
{
    /* a dead row of its own per cell (for a user that does not exist: it dies again) */
    int64_t id = it_sql_i64(
        "INSERT INTO outbox (msg_id, channel, type, user_id, payload, status, attempts, next_at,"
        " created_at) VALUES (CONCAT('authz-', %d, '-', %d, '-', UUID_SHORT()), 'email',"
        " 'match.mutual', 999999999999, '{\"type\":\"match.mutual\",\"data\":{}}', 'dead', 8,"
        " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)); SELECT LAST_INSERT_ID()",
        (int)getpid(), p);
    PATH("/api/v1/admin/outbox/%lld/retry", LL(id));
}

/* organizations */
static void m_org_create(int p, struct cell *c)
{
    PATH("/api/v1/organizations");
    BODY("{\"name\":\"新组织 %d-%d\",\"tier\":\"seed\",\"sector\":\"人工智能\"}", (int)getpid(), p);
}
static void m_org_get(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/organizations/%lld", LL(F.org_a));
}
static void m_inv_create(int p, struct cell *c)
{
    PATH("/api/v1/organizations/%lld/invitations", LL(F.org_a));
    BODY("{\"user_id\":%lld}", LL(F.dummy[p]));
}
static void m_inv_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/organizations/%lld/invitations", LL(F.org_a));
}
static void m_inv_mine(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/invitations");
}
/* A fresh pending invitation of the other attendee into a new organization of the enterprise
 * member (answering it is for good). */
static int64_t invitation_new(int p)
{
    char name[64], path[96];
    snprintf(name, sizeof(name), "邀请 %d-%d", (int)getpid(), p);
    int64_t org = org_new(P_ENT, name);
    snprintf(path, sizeof(path), "/api/v1/organizations/%lld/invitations", LL(org));
    return create(F.tok[P_ENT], path, "{\"user_id\":%lld}", LL(F.uid[P_ATT2]));
}
static void m_inv_accept(int p, struct cell *c)
{
    PATH("/api/v1/invitations/%lld/accept", LL(invitation_new(p)));
}
static void m_inv_decline(int p, struct cell *c)
{
    PATH("/api/v1/invitations/%lld/decline", LL(invitation_new(p)));
}
static void m_inv_revoke(int p, struct cell *c)
{
    PATH("/api/v1/invitations/%lld", LL(invitation_new(p)));
}

/* webhooks: a public literal address (no DNS; this server refuses loopback) and types no cell
 * of the matrix produces */
static void m_hook_ev_create(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/webhooks", LL(F.event));
    BODY(HOOK_BODY);
}
static void m_hook_ev_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/webhooks", LL(F.event));
}
static void m_hook_org_create(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/organizations/%lld/webhooks", LL(F.org_a));
    BODY(HOOK_BODY);
}
static void m_hook_org_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/organizations/%lld/webhooks", LL(F.org_a));
}
static void m_hook_get(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/webhooks/%lld", LL(F.hook));
}
static void m_hook_deliveries(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/webhooks/%lld/deliveries", LL(F.hook));
}
/* A fresh endpoint of a new organization of the enterprise member (an organization holds at
 * most 10). */
static int64_t hook_new(int p)
{
    char name[64], path[96];
    snprintf(name, sizeof(name), "钩子 %d-%d", (int)getpid(), p);
    int64_t org = org_new(P_ENT, name);
    snprintf(path, sizeof(path), "/api/v1/organizations/%lld/webhooks", LL(org));
    return create(F.tok[P_ENT], path, HOOK_BODY);
}
static void m_hook_patch(int p, struct cell *c)
{
    PATH("/api/v1/webhooks/%lld", LL(hook_new(p)));
    BODY("{\"enabled\":false}");
}
static void m_hook_delete(int p, struct cell *c)
{
    PATH("/api/v1/webhooks/%lld", LL(hook_new(p)));
}
static void m_hook_rotate(int p, struct cell *c)
{
    PATH("/api/v1/webhooks/%lld/rotate-secret", LL(hook_new(p)));
}

/* projects and matching */
static void m_proj_create(int p, struct cell *c)
{
    PATH("/api/v1/projects");
    BODY("{\"organization_id\":%lld,\"side\":\"supply\",\"title\":\"新项目 %d\","
         "\"sector\":\"人工智能\",\"tags\":[\"AI\"],\"stage\":\"idea\"}",
         LL(F.org_a), p);
}
static void m_proj_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/projects?side=supply");
}
static void m_proj_get(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/projects/%lld", LL(F.supply));
}
static void m_proj_patch(int p, struct cell *c)
{
    PATH("/api/v1/projects/%lld", LL(F.patch_proj));
    BODY("{\"description\":\"改过 %d\"}", p);
}
static void m_proj_close(int p, struct cell *c)
{
    (void)p; /* closing is for good: a project of its own */
    PATH("/api/v1/projects/%lld", LL(project_new(P_ENT, F.org_a, "supply", "将关闭的项目")));
}
static void m_recs(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/projects/%lld/recommendations", LL(F.supply));
}
static void m_interest(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/projects/%lld/interests", LL(F.supply));
    BODY("{\"target_project_id\":%lld,\"decision\":\"interested\"}", LL(F.demand2));
}
static void m_my_matches(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/matches");
}

/* pitches and competitions */
static void m_pitch_create(int p, struct cell *c)
{
    PATH("/api/v1/sessions/%lld/pitches", LL(F.pitch_s));
    BODY("{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}", LL(F.spare_proj[p]),
         LL(F.uid[P_ENT]));
}
static void m_pitch_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/pitches", LL(F.pitch_s));
}
static void m_pitch_place(int p, struct cell *c)
{
    /* A pitch of its own in the second pitch session, placed at a time of its own. */
    char path[80], a[32];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/pitches", LL(F.pitch2_s));
    int64_t id = create(F.tok[P_ORG], path,
                        "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
                        LL(F.spare_proj[p]), LL(F.uid[P_ENT]));
    PATH("/api/v1/pitches/%lld/slot", LL(id));
    BODY("{\"starts_at\":\"%s\"}", rfc(F.t0 + 3 * 3600 + (int64_t)p * 15 * 60, a));
}
static void m_pitch_unplace(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/pitches/%lld/slot", LL(F.pitch));
}
static void m_pitch_schedule(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/pitches/schedule", LL(F.pitch_s));
}
static void m_timetable(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/timetable", LL(F.event));
}
static void m_criteria(int p, struct cell *c)
{
    PATH("/api/v1/sessions/%lld/criteria", LL(F.comp2));
    BODY("{\"name\":\"标准 %d\",\"weight\":2,\"max_score\":100}", p);
}
static void m_entries(int p, struct cell *c)
{
    PATH("/api/v1/sessions/%lld/entries", LL(F.comp2));
    BODY("{\"project_id\":%lld}", LL(F.spare_proj[p]));
}
static void m_judges(int p, struct cell *c)
{
    PATH("/api/v1/sessions/%lld/judges", LL(F.comp2));
    BODY("{\"user_id\":%lld}", LL(F.dummy[p]));
}
static void m_scores(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/entries/%lld/scores", LL(F.entry));
    BODY("{\"scores\":{\"%lld\":7}}", LL(F.criterion));
}
static void m_leaderboard(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/leaderboard", LL(F.comp));
}
static void m_results(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/results/publish", LL(F.comp2));
}
static void m_my_scores(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/my-scores", LL(F.comp));
}
static void m_competition(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/competition", LL(F.comp));
}

/* events and registration */
static void m_ev_create(int p, struct cell *c)
{
    (void)p;
    char a[32], b[32];
    PATH("/api/v1/events");
    BODY("{\"title\":\"新活动\",\"kind\":\"fair\",\"city\":\"成都\",\"starts_at\":\"%s\","
         "\"ends_at\":\"%s\"}",
         rfc(F.t0, a), rfc(F.t0 + 7200, b));
}
static void m_ev_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events");
}
static void m_ev_mine(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/events");
}
static void m_ev_get(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld", LL(F.event));
}
static void m_ev_patch(int p, struct cell *c)
{
    PATH("/api/v1/events/%lld", LL(F.event));
    BODY("{\"description\":\"更新 %d\"}", p);
}
static void m_ev_publish(int p, struct cell *c)
{
    (void)p; /* a draft of its own */
    PATH("/api/v1/events/%lld/publish", LL(event_new(false)));
}
static void m_ev_cancel(int p, struct cell *c)
{
    (void)p; /* a published event of its own */
    PATH("/api/v1/events/%lld/cancel", LL(event_new(true)));
}
static void m_ev_session(int p, struct cell *c)
{
    char a[32], b[32];
    PATH("/api/v1/events/%lld/sessions", LL(F.event));
    BODY("{\"title\":\"新场次 %d\",\"kind\":\"exhibition\",\"room\":\"展厅\",\"starts_at\":\"%s\","
         "\"ends_at\":\"%s\",\"capacity\":10}",
         p, rfc(F.t0 + 20 * 3600, a), rfc(F.t0 + 21 * 3600, b));
}
static void m_ev_exhibitor(int p, struct cell *c)
{
    PATH("/api/v1/events/%lld/exhibitors", LL(F.event));
    BODY("{\"organization_id\":%lld}", LL(F.spare_org[p]));
}
static void m_ev_audit(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/audit", LL(F.event));
}
static void m_ev_stats(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/stats", LL(F.event));
}
static void m_sess_get(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld", LL(F.forum));
}
static void m_sess_patch(int p, struct cell *c)
{
    PATH("/api/v1/sessions/%lld", LL(F.forum));
    BODY("{\"title\":\"论坛 改名 %d\"}", p);
}
static void m_reg_create(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/registrations", LL(F.forum2));
}
static void m_reg_of_session(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/sessions/%lld/registrations", LL(F.forum));
}
static void m_reg_get(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/registrations/%lld", LL(F.reg));
}
static void m_reg_ticket(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/registrations/%lld/ticket.svg", LL(F.reg));
}
static void m_reg_cancel(int p, struct cell *c)
{
    (void)p;
    /* The attendee's registration in forum3: new, or the one a refused cell left active. */
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", LL(F.forum3));
    struct it_resp *r = req("POST", path, F.tok[P_ATT], NULL);
    cr_assert(r->status == 201 || r->status == 409, "fixture: forum3 registration: %d %s",
              r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, r->status == 201 ? "id" : "registration.id");
    cr_assert_gt(id, 0, "fixture: forum3 registration: %s", r->body);
    it_resp_free(r);
    PATH("/api/v1/registrations/%lld", LL(id));
}
static void m_reg_mine(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/registrations");
}
static void m_checkin(int p, struct cell *c)
{
    (void)p;
    /* A confirmed registration of a new user in the event: a code nobody has used. */
    char *email;
    signup("attendee", &email);
    const char *tok = login(email, PASSWORD);
    free(email);
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", LL(F.checkin_s));
    struct it_resp *r = req("POST", path, tok, NULL);
    cr_assert_eq(r->status, 201, "fixture: registration for a check-in: %d %s", r->status, r->body);
    PATH("/api/v1/checkins");
    BODY("{\"code\":\"%s\"}", it_jstr(r, "checkin_code"));
    it_resp_free(r);
}

/* 1:1 meetings and agenda */
static void m_slots_create(int p, struct cell *c)
{
    char a[32];
    PATH("/api/v1/events/%lld/meeting-slots", LL(F.event));
    BODY("{\"starts_at\":\"%s\",\"minutes\":30,\"count\":1,\"tables\":10}",
         rfc(F.t0 + 16 * 3600 + (int64_t)p * 1800, a));
}
static void m_slots_list(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/meeting-slots", LL(F.event));
}
static void m_meet_schedule(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/meetings/schedule", LL(F.event));
}
static void m_meet_event(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/events/%lld/meetings", LL(F.event));
}
static void m_meet_mine(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/meetings");
}
static void m_meet_delete(int p, struct cell *c)
{
    (void)p; /* cancelling is for good: a meeting of its own */
    PATH("/api/v1/meetings/%lld", LL(meeting_new("会谈")));
}
static void m_agenda(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/agenda");
}
static void m_agenda_ics(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/agenda.ics");
}
static void m_notifications(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/notifications");
}
static void m_notifications_read(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/notifications/read");
    BODY("{\"up_to\":1}");
}
static void m_notif_prefs(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/notification-preferences");
}
static void m_notif_prefs_patch(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/notification-preferences");
    BODY("{\"kind\":\"match.mutual\",\"channel\":\"email\",\"enabled\":false}");
}
static void m_calendar(int p, struct cell *c)
{
    (void)p;
    PATH("/api/v1/me/calendar");
}
/* The attendee's feed, issued afresh: its URL serves anyone, token or not (the secret is it). */
static void m_calendar_feed(int p, struct cell *c)
{
    (void)p;
    struct it_resp *r = req("POST", "/api/v1/me/calendar", F.tok[P_ATT], NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    PATH("%s", it_jstr(r, "url"));
    it_resp_free(r);
}

/* Expected statuses, in principal order:
 *          anon att  att2 ent  oth  org  org2 judg admin */
#define ALL(s)                                                                                     \
    {                                                                                              \
        s, s, s, s, s, s, s, s, s                                                                  \
    }
#define SIGNED_IN(s)                                                                               \
    {                                                                                              \
        401, s, s, s, s, s, s, s, s                                                                \
    }
/* The event's organizer and admins; others see a published event's thing but may not act. */
#define ORGANIZER(s)                                                                               \
    {                                                                                              \
        401, 403, 403, 403, 403, s, 403, 403, s                                                    \
    }
/* Members of org A act for its projects; nobody else, admins included. */
#define ORG_A_MEMBER(s)                                                                            \
    {                                                                                              \
        401, 403, 403, s, 403, 403, 403, 403, 403                                                  \
    }
/* Members of org A, and admins (moderation). */
#define ORG_A_MEMBER_OR_ADMIN(s)                                                                   \
    {                                                                                              \
        401, 403, 403, s, 403, 403, 403, 403, s                                                    \
    }

#define G HTTP_M_GET
#define PO HTTP_M_POST
#define PU HTTP_M_PUT
#define PA HTTP_M_PATCH
#define DE HTTP_M_DELETE

static const struct row rows[] = {
    /* operations: public */
    {G, "/healthz", 0, m_healthz, ALL(200)},
    {G, "/readyz", 0, m_readyz, ALL(200)},
    {G, "/metrics", 0, m_metrics, ALL(200)},
    {G, "/api/v1/vocabularies", 0, m_vocab, ALL(200)}, /* public */

    /* the web client: public files */
    {G, "/", 0, m_web_root, ALL(200)},
    {G, "/index.html", 0, m_web_index, ALL(200)},
    {G, "/assets/{path}", 0, m_web_asset, ALL(200)},

    /* accounts */
    {PO, "/api/v1/users", 0, m_users_create, ALL(201)},
    {PO, "/api/v1/auth/login", 0, m_login, ALL(200)},
    {PO, "/api/v1/auth/logout", 0, m_logout, SIGNED_IN(204)},
    {PO, "/api/v1/auth/logout-all", 0, m_logout_all, SIGNED_IN(204)},
    {G, "/api/v1/me", 0, m_me, SIGNED_IN(200)},
    {PA, "/api/v1/me", 0, m_me_patch, SIGNED_IN(200)},
    {PO, "/api/v1/users/{id}/roles", 0, m_roles, {401, 403, 403, 403, 403, 403, 403, 403, 200}},
    {G, "/api/v1/admin/outbox", 0, m_outbox_list, {401, 403, 403, 403, 403, 403, 403, 403, 200}},
    {PO,
     "/api/v1/admin/outbox/{id}/retry",
     0,
     m_outbox_retry,
     {401, 403, 403, 403, 403, 403, 403, 403, 200}},

    /* organizations: enterprises, organizers and admins create; members (and admins) invite */
    {PO, "/api/v1/organizations", 0, m_org_create, {401, 403, 403, 201, 201, 201, 201, 403, 201}},
    {G, "/api/v1/organizations/{id}", 0, m_org_get, ALL(200)},
    {PO,
     "/api/v1/organizations/{id}/invitations",
     0,
     m_inv_create,
     {401, 403, 403, 201, 403, 403, 403, 403, 201}},
    {G,
     "/api/v1/organizations/{id}/invitations",
     0,
     m_inv_list,
     {401, 403, 403, 200, 403, 403, 403, 403, 200}},
    {G, "/api/v1/me/invitations", 0, m_inv_mine, SIGNED_IN(200)},

    /* webhooks: an event's are its organizer's (and admins'), an organization's its members' (and
     * admins'); one endpoint is hidden (404) from everyone else */
    {PO, "/api/v1/events/{id}/webhooks", 0, m_hook_ev_create, ORGANIZER(201)},
    {G, "/api/v1/events/{id}/webhooks", 0, m_hook_ev_list, ORGANIZER(200)},
    {PO, "/api/v1/organizations/{id}/webhooks", 0, m_hook_org_create, ORG_A_MEMBER_OR_ADMIN(201)},
    {G, "/api/v1/organizations/{id}/webhooks", 0, m_hook_org_list, ORG_A_MEMBER_OR_ADMIN(200)},
    {G, "/api/v1/webhooks/{id}", 0, m_hook_get, {401, 404, 404, 200, 404, 404, 404, 404, 200}},
    {PA, "/api/v1/webhooks/{id}", 0, m_hook_patch, {401, 404, 404, 200, 404, 404, 404, 404, 200}},
    {DE, "/api/v1/webhooks/{id}", 0, m_hook_delete, {401, 404, 404, 204, 404, 404, 404, 404, 204}},
    {PO,
     "/api/v1/webhooks/{id}/rotate-secret",
     0,
     m_hook_rotate,
     {401, 404, 404, 200, 404, 404, 404, 404, 200}},
    {G,
     "/api/v1/webhooks/{id}/deliveries",
     0,
     m_hook_deliveries,
     {401, 404, 404, 200, 404, 404, 404, 404, 200}},
    /* an invitation of the other attendee by the enterprise member: only the invitee answers;
     * the organization's side (and admins) see it but may not answer; others do not see it */
    {PO,
     "/api/v1/invitations/{id}/accept",
     0,
     m_inv_accept,
     {401, 404, 200, 403, 404, 404, 404, 404, 403}},
    {PO,
     "/api/v1/invitations/{id}/decline",
     0,
     m_inv_decline,
     {401, 404, 200, 403, 404, 404, 404, 404, 403}},
    /* revoking is the organization's side's (and admins'); the invitee declines instead */
    {DE,
     "/api/v1/invitations/{id}",
     0,
     m_inv_revoke,
     {401, 404, 403, 204, 404, 404, 404, 404, 204}},

    /* projects and matching */
    {PO, "/api/v1/projects", 0, m_proj_create, ORG_A_MEMBER(201)},
    {G, "/api/v1/projects", 0, m_proj_list, ALL(200)},
    {G, "/api/v1/projects/{id}", 0, m_proj_get, ALL(200)},
    {PA, "/api/v1/projects/{id}", 0, m_proj_patch, ORG_A_MEMBER(200)},
    {DE, "/api/v1/projects/{id}", 0, m_proj_close, ORG_A_MEMBER_OR_ADMIN(204)},
    /* recommendations: members, and admins (access_project ACCESS_ADMIN_OK) */
    {G,
     "/api/v1/projects/{id}/recommendations",
     0,
     m_recs,
     {401, 403, 403, 200, 403, 403, 403, 403, 200}},
    {PO, "/api/v1/projects/{id}/interests", 0, m_interest, ORG_A_MEMBER(201)},
    {G, "/api/v1/me/matches", 0, m_my_matches, SIGNED_IN(200)},

    /* pitches and competitions */
    {PO, "/api/v1/sessions/{id}/pitches", 0, m_pitch_create, ORGANIZER(201)},
    /* the organizer's working list: not the presenters (P_ENT presents the fixture pitch) */
    {G, "/api/v1/sessions/{id}/pitches", 0, m_pitch_list, ORGANIZER(200)},
    {PU, "/api/v1/pitches/{id}/slot", 0, m_pitch_place, ORGANIZER(200)},
    {DE, "/api/v1/pitches/{id}/slot", 0, m_pitch_unplace, ORGANIZER(204)},
    /* after the placements above: it places every unplaced pitch of the session */
    {PO, "/api/v1/sessions/{id}/pitches/schedule", 1, m_pitch_schedule, ORGANIZER(200)},
    {G, "/api/v1/events/{id}/timetable", 0, m_timetable, ALL(200)},
    {PO, "/api/v1/sessions/{id}/criteria", 0, m_criteria, ORGANIZER(201)},
    {PO, "/api/v1/sessions/{id}/entries", 0, m_entries, ORGANIZER(201)},
    {PO, "/api/v1/sessions/{id}/judges", 0, m_judges, ORGANIZER(201)},
    /* only the assigned judge; not the organizer, not an admin */
    {PU, "/api/v1/entries/{id}/scores", 0, m_scores, {401, 403, 403, 403, 403, 403, 403, 200, 403}},
    /* unpublished results: the organizer and admins only (anonymous included: 403) */
    {G,
     "/api/v1/sessions/{id}/leaderboard",
     0,
     m_leaderboard,
     {403, 403, 403, 403, 403, 200, 403, 403, 200}},
    {PO, "/api/v1/sessions/{id}/results/publish", 1, m_results, ORGANIZER(200)},
    {G, "/api/v1/sessions/{id}/competition", 0, m_competition, ALL(200)},
    /* a judge's own scores: only the judge; not the organizer, not an admin */
    {G,
     "/api/v1/sessions/{id}/my-scores",
     0,
     m_my_scores,
     {401, 403, 403, 403, 403, 403, 403, 200, 403}},

    /* events and registration */
    {PO, "/api/v1/events", 0, m_ev_create, {401, 403, 403, 403, 403, 201, 201, 403, 201}},
    {G, "/api/v1/events", 0, m_ev_list, ALL(200)},
    {G, "/api/v1/me/events", 0, m_ev_mine, SIGNED_IN(200)}, /* each their own */
    {G, "/api/v1/events/{id}", 0, m_ev_get, ALL(200)},
    {PA, "/api/v1/events/{id}", 0, m_ev_patch, ORGANIZER(200)},
    /* a draft is hidden (404) from all but its organizer and admins */
    {PO,
     "/api/v1/events/{id}/publish",
     0,
     m_ev_publish,
     {401, 404, 404, 404, 404, 200, 404, 404, 200}},
    {PO, "/api/v1/events/{id}/cancel", 0, m_ev_cancel, ORGANIZER(200)},
    {PO, "/api/v1/events/{id}/sessions", 0, m_ev_session, ORGANIZER(201)},
    {PO, "/api/v1/events/{id}/exhibitors", 0, m_ev_exhibitor, ORGANIZER(201)},
    {G, "/api/v1/events/{id}/audit", 0, m_ev_audit, ORGANIZER(200)},
    {G, "/api/v1/events/{id}/stats", 0, m_ev_stats, ORGANIZER(200)},
    {G, "/api/v1/sessions/{id}", 0, m_sess_get, ALL(200)},
    {PA, "/api/v1/sessions/{id}", 0, m_sess_patch, ORGANIZER(200)},
    /* anyone signed in may register (enterprise members make their organization attend) */
    {PO, "/api/v1/sessions/{id}/registrations", 0, m_reg_create, SIGNED_IN(201)},
    {G, "/api/v1/sessions/{id}/registrations", 0, m_reg_of_session, ORGANIZER(200)},
    /* a registration is hidden (404) from all but its holder, the organizer and admins */
    {G, "/api/v1/registrations/{id}", 0, m_reg_get, {401, 200, 404, 404, 404, 200, 404, 404, 200}},
    {DE,
     "/api/v1/registrations/{id}",
     0,
     m_reg_cancel,
     {401, 200, 404, 404, 404, 200, 404, 404, 200}},
    /* the ticket (QR of the check-in code): as the registration itself */
    {G,
     "/api/v1/registrations/{id}/ticket.svg",
     0,
     m_reg_ticket,
     {401, 200, 404, 404, 404, 200, 404, 404, 200}},
    {G, "/api/v1/me/registrations", 0, m_reg_mine, SIGNED_IN(200)},
    {PO, "/api/v1/checkins", 0, m_checkin, ORGANIZER(200)},

    /* 1:1 meetings and agenda */
    {PO, "/api/v1/events/{id}/meeting-slots", 0, m_slots_create, ORGANIZER(201)},
    {G, "/api/v1/events/{id}/meeting-slots", 0, m_slots_list, ORGANIZER(200)},
    {PO, "/api/v1/events/{id}/meetings/schedule", 0, m_meet_schedule, ORGANIZER(200)},
    {G, "/api/v1/events/{id}/meetings", 0, m_meet_event, ORGANIZER(200)},
    {G, "/api/v1/me/meetings", 0, m_meet_mine, SIGNED_IN(200)},
    /* the organizer, admins, and members of either organization of the meeting */
    {DE, "/api/v1/meetings/{id}", 0, m_meet_delete, {401, 403, 403, 204, 204, 204, 403, 403, 204}},
    {G, "/api/v1/me/agenda", 0, m_agenda, SIGNED_IN(200)},
    {G, "/api/v1/me/agenda.ics", 0, m_agenda_ics, SIGNED_IN(200)},
    {PO, "/api/v1/me/calendar", 0, m_calendar, SIGNED_IN(201)},
    {DE, "/api/v1/me/calendar", 0, m_calendar, SIGNED_IN(204)},
    {G, "/api/v1/calendar/{secret}.ics", 0, m_calendar_feed, ALL(200)},
    {G, "/api/v1/me/notifications", 0, m_notifications, SIGNED_IN(200)},
    {PO, "/api/v1/me/notifications/read", 0, m_notifications_read, SIGNED_IN(200)},
    {G, "/api/v1/me/notification-preferences", 0, m_notif_prefs, SIGNED_IN(200)},
    {PA, "/api/v1/me/notification-preferences", 0, m_notif_prefs_patch, SIGNED_IN(200)},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *method_name(unsigned m)
{
    return router_method_name(m);
}

/* ---- drafts: hidden from all but their organizer and admins ------------------------------ */

/* A draft event of the organizer with a pitch, a competition and a forum session and a pitch.
 * Every route reaching it through an event, session or pitch id must answer 404 to everyone
 * else (401 first on AUTH routes for anonymous), as GET /events/{id} does: a draft's existence
 * is not disclosed. The organizer's and admins' cells are the main matrix's business. */
static struct {
    int64_t event, forum, pitch_s, comp, pitch;
} D;

struct drow {
    unsigned method;
    const char *pattern;
    const int64_t *id; /* replaces {id} in the pattern */
    const char *body;  /* NULL, or JSON where {v} is replaced by *body_id */
    const int64_t *body_id;
};

static const struct drow drows[] = {
    {G, "/api/v1/events/{id}", &D.event, NULL, NULL},
    {PA, "/api/v1/events/{id}", &D.event, "{\"description\":\"x\"}", NULL},
    {PO, "/api/v1/events/{id}/publish", &D.event, NULL, NULL},
    {PO, "/api/v1/events/{id}/cancel", &D.event, NULL, NULL},
    {PO, "/api/v1/events/{id}/sessions", &D.event,
     "{\"title\":\"x\",\"kind\":\"forum\",\"starts_at\":\"2033-06-15T10:00:00Z\","
     "\"ends_at\":\"2033-06-15T11:00:00Z\",\"capacity\":10}",
     NULL},
    {PO, "/api/v1/events/{id}/exhibitors", &D.event, "{\"organization_id\":{v}}", &F.org_a},
    {G, "/api/v1/events/{id}/audit", &D.event, NULL, NULL},
    {G, "/api/v1/events/{id}/stats", &D.event, NULL, NULL},
    {G, "/api/v1/events/{id}/timetable", &D.event, NULL, NULL},
    {PO, "/api/v1/events/{id}/meeting-slots", &D.event,
     "{\"starts_at\":\"2033-06-15T22:00:00Z\",\"minutes\":30,\"count\":1,\"tables\":2}", NULL},
    {G, "/api/v1/events/{id}/meeting-slots", &D.event, NULL, NULL},
    {PO, "/api/v1/events/{id}/meetings/schedule", &D.event, NULL, NULL},
    {G, "/api/v1/events/{id}/meetings", &D.event, NULL, NULL},
    {G, "/api/v1/sessions/{id}", &D.forum, NULL, NULL},
    {PA, "/api/v1/sessions/{id}", &D.forum, "{\"title\":\"x\"}", NULL},
    {PO, "/api/v1/sessions/{id}/registrations", &D.forum, NULL, NULL},
    {G, "/api/v1/sessions/{id}/registrations", &D.forum, NULL, NULL},
    {PO, "/api/v1/sessions/{id}/pitches", &D.pitch_s,
     "{\"project_id\":{v},\"presenter_user_id\":1,\"minutes\":10}", &F.patch_proj},
    {PU, "/api/v1/pitches/{id}/slot", &D.pitch, "{\"starts_at\":\"2033-06-15T09:00:00Z\"}", NULL},
    {DE, "/api/v1/pitches/{id}/slot", &D.pitch, NULL, NULL},
    {PO, "/api/v1/sessions/{id}/pitches/schedule", &D.pitch_s, NULL, NULL},
    {PO, "/api/v1/sessions/{id}/criteria", &D.comp,
     "{\"name\":\"x\",\"weight\":1,\"max_score\":10}", NULL},
    {PO, "/api/v1/sessions/{id}/entries", &D.comp, "{\"project_id\":{v}}", &F.patch_proj},
    {PO, "/api/v1/sessions/{id}/judges", &D.comp, "{\"user_id\":{v}}", &F.dummy[0]},
    {G, "/api/v1/sessions/{id}/leaderboard", &D.comp, NULL, NULL},
    {PO, "/api/v1/sessions/{id}/results/publish", &D.comp, NULL, NULL},
    {G, "/api/v1/sessions/{id}/competition", &D.comp, NULL, NULL},
    {G, "/api/v1/sessions/{id}/pitches", &D.pitch_s, NULL, NULL},
    {G, "/api/v1/sessions/{id}/my-scores", &D.comp, NULL, NULL},
    {PO, "/api/v1/events/{id}/webhooks", &D.event, HOOK_BODY, NULL},
    {G, "/api/v1/events/{id}/webhooks", &D.event, NULL, NULL},
};

#define NDROWS (sizeof(drows) / sizeof(drows[0]))

static const struct route_def *route_of(unsigned method, const char *pattern)
{
    for (size_t i = 0; i < routes_len; i++)
        if (routes[i].method == method && strcmp(routes[i].pattern, pattern) == 0)
            return &routes[i];
    return NULL;
}

/* tmpl with its first `key` replaced by the number v, into out. */
static void subst(char *out, size_t n, const char *tmpl, const char *key, int64_t v)
{
    const char *k = strstr(tmpl, key);
    if (!k) {
        snprintf(out, n, "%s", tmpl);
        return;
    }
    snprintf(out, n, "%.*s%lld%s", (int)(k - tmpl), tmpl, LL(v), k + strlen(key));
}

static void draft_world(void)
{
    const int64_t H = 3600, T0 = F.t0;
    D.event = event_new(false);
    D.pitch_s = session(D.event, "pitch", "草稿 路演厅", T0, T0 + 3 * H);
    D.comp = session(D.event, "competition", "草稿 大赛厅", T0 + 3 * H, T0 + 5 * H);
    D.forum = session(D.event, "forum", "草稿 论坛", T0 + 5 * H, T0 + 7 * H);
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/pitches", LL(D.pitch_s));
    D.pitch = create(F.tok[P_ORG], path,
                     "{\"project_id\":%lld,\"presenter_user_id\":%lld,\"minutes\":10}",
                     LL(F.supply), LL(F.uid[P_ENT]));
}

/* Returns the number of wrong cells. */
static int run_drafts(int *cells)
{
    static const int others[] = {P_ANON, P_ATT, P_ATT2, P_ENT, P_OTHER, P_ORG2, P_JUDGE};
    int failed = 0;
    for (size_t k = 0; k < NDROWS; k++) {
        const struct drow *d = &drows[k];
        const struct route_def *rd = route_of(d->method, d->pattern);
        cr_assert_not_null(rd, "draft row %s %s names no route", router_method_name(d->method),
                           d->pattern);
        char path[256], body[512] = "";
        subst(path, sizeof(path), d->pattern, "{id}", *d->id);
        if (d->body)
            subst(body, sizeof(body), d->body, "{v}", d->body_id ? *d->body_id : 0);
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++, (*cells)++) {
            int p = others[i];
            int want = p == P_ANON && (rd->flags & ROUTE_AUTH) ? 401 : 404;
            struct it_resp *r =
                req(router_method_name(d->method), path, F.tok[p], d->body ? body : NULL);
            bool ok = r->status == want;
            cr_expect(ok, "AUTHZ draft event: %s %s as %s (%s): want %d, got %d %.300s",
                      router_method_name(d->method), d->pattern, pname[p], path, want, r->status,
                      r->body ? r->body : "");
            failed += !ok;
            it_resp_free(r);
        }
    }
    return failed;
}

/* ---- tests ------------------------------------------------------------------------------- */

/* No server: the table against server/routes.c. */
Test(authz_table, every_route_has_a_row)
{
    for (size_t i = 0; i < routes_len; i++) {
        if (routes[i].flags & ROUTE_DEBUG)
            continue;
        size_t hits = 0;
        for (size_t k = 0; k < NROWS; k++)
            hits += rows[k].method == routes[i].method &&
                    strcmp(rows[k].pattern, routes[i].pattern) == 0;
        cr_expect_eq(hits, 1,
                     "route %s %s has %zu rows in the authorization matrix "
                     "(tests/integration/test_authz.c): decide who may call it",
                     method_name(routes[i].method), routes[i].pattern, hits);
    }
    for (size_t k = 0; k < NROWS; k++) {
        bool known = false;
        for (size_t i = 0; i < routes_len; i++)
            known = known || (rows[k].method == routes[i].method &&
                              strcmp(rows[k].pattern, routes[i].pattern) == 0 &&
                              !(routes[i].flags & ROUTE_DEBUG));
        cr_expect(known, "matrix row %s %s names no route of server/routes.c",
                  method_name(rows[k].method), rows[k].pattern);
        for (int p = 0; p < NP; p++)
            cr_expect(rows[k].want[p] >= 200 && rows[k].want[p] < 600,
                      "matrix row %s %s: no status for %s", method_name(rows[k].method),
                      rows[k].pattern, pname[p]);
        /* AUTH routes: anonymous gets 401, whatever else the row says. */
        for (size_t i = 0; i < routes_len; i++)
            if (rows[k].method == routes[i].method &&
                strcmp(rows[k].pattern, routes[i].pattern) == 0 && (routes[i].flags & ROUTE_AUTH))
                cr_expect_eq(rows[k].want[P_ANON], 401, "%s %s is AUTH: anonymous must get 401",
                             method_name(rows[k].method), rows[k].pattern);
    }
}

static void setup(void)
{
    srv = it_start(NULL);
}

static void teardown(void)
{
    if (srv)
        cr_assert_eq(it_stop(srv), 0, "summitd did not exit cleanly");
    srv = NULL;
}

TestSuite(authz, .init = setup, .fini = teardown, .timeout = 240);

static int run_cell(const struct row *rw, int p)
{
    struct cell c = {.token = F.tok[p]};
    rw->make(p, &c);
    struct it_resp *r = req(method_name(rw->method), c.path, c.token, c.body[0] ? c.body : NULL);
    bool ok = r->status == rw->want[p];
    cr_expect(ok, "AUTHZ %s %s as %s (%s): want %d, got %d %.300s", method_name(rw->method),
              rw->pattern, pname[p], c.path, rw->want[p], r->status, r->body ? r->body : "");
    /* A refusal is the SPEC's error envelope. */
    if (ok && r->status >= 400)
        cr_expect_not_null(it_jstr(r, "error.code"), "%s %s as %s: %d without an error envelope",
                           method_name(rw->method), rw->pattern, pname[p], r->status);
    if (it_jstr(r, "token")) /* the login cell: one more token to look for */
        record_token(r);
    it_resp_free(r);
    return ok ? 0 : 1;
}

/* Every token issued in this test against every text and binary column of every table. */
static void assert_no_token_in_db(void)
{
    char *cols = sql("SELECT table_name, GROUP_CONCAT(CONCAT('\\`', column_name, '\\`')"
                     " SEPARATOR ', ') FROM information_schema.columns"
                     " WHERE table_schema = DATABASE() AND data_type IN ('char', 'varchar',"
                     " 'tinytext', 'text', 'mediumtext', 'longtext', 'json', 'binary',"
                     " 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob')"
                     " GROUP BY table_name ORDER BY table_name;");
    size_t cap = 64 + n_issued * 48, len = 0;
    char *re = malloc(cap);
    for (size_t i = 0; i < n_issued; i++)
        len += (size_t)snprintf(re + len, cap - len, "%s%s", i ? "|" : "", issued[i]);
    /* One script: per table, the rows holding a token, and (a control, so that the check
     * cannot pass vacuously) the rows holding a value known to be stored: the dummy's e-mail. */
    size_t qcap = strlen(cols) * 3 + len + 4096, qlen = 0;
    char *q = malloc(qcap);
    /* The variables take the client connection's collation (utf8mb4_general_ci with this
     * MariaDB client), which REGEXP and LIKE refuse to mix with the tables' unicode_ci: give
     * them the tables' collation. */
    qlen += (size_t)snprintf(q + qlen, qcap - qlen,
                             "SET @re = '%s' COLLATE utf8mb4_unicode_ci;\n"
                             "SET @ctl = '%%%s%%' COLLATE utf8mb4_unicode_ci;\n",
                             re, F.dummy_email);
    size_t ntables = 0;
    char *save = NULL;
    for (char *line = strtok_r(cols, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        qlen += (size_t)snprintf(q + qlen, qcap - qlen,
                                 "SELECT '%s', COALESCE(SUM(CONCAT_WS(' ', %s) REGEXP @re), 0),"
                                 " COALESCE(SUM(CONCAT_WS(' ', %s) LIKE @ctl), 0) FROM `%s`;\n",
                                 line, tab + 1, tab + 1, line);
        cr_assert_lt(qlen, qcap);
        ntables++;
    }
    cr_assert_gt(ntables, 5, "no text columns found: %s", cols);
    char *out = sql("%s", q);
    long long control = 0;
    size_t scanned = 0;
    save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char table[128];
        long long hits = 0, ctl = 0;
        if (sscanf(line, "%127s %lld %lld", table, &hits, &ctl) != 3)
            continue;
        scanned++;
        control += ctl;
        cr_expect_eq(hits, 0, "table %s holds %lld row(s) with a raw Bearer token", table, hits);
    }
    cr_expect_eq(scanned, ntables, "scanned %zu of %zu tables: %s", scanned, ntables, out);
    cr_expect_gt(control, 0, "the scan did not even find a known e-mail address: %s", out);
    free(out);
    free(q);
    free(re);
    free(cols);
}

static void assert_no_token_in_log(const char *log)
{
    FILE *f = fopen(log, "r");
    cr_assert_not_null(f, "no server log at %s", log);
    size_t cap = 1 << 16, len = 0, k;
    char *text = malloc(cap);
    while ((k = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 2)
            text = realloc(text, cap *= 2);
    }
    text[len] = '\0';
    fclose(f);
    cr_assert_gt(len, 0, "the server log %s is empty", log);
    /* The log is the access log too: it must mention a route every principal called. */
    cr_assert(strstr(text, "/api/v1/auth/login"), "%s has no access-log line", log);
    for (size_t i = 0; i < n_issued; i++) {
        const char *hit = strstr(text, issued[i]);
        if (hit) {
            const char *b = hit, *e = hit;
            while (b > text && b[-1] != '\n')
                b--;
            while (*e && *e != '\n')
                e++;
            cr_expect(false, "a Bearer token appears in the server log %s: %.*s", log, (int)(e - b),
                      b);
        }
    }
    free(text);
}

Test(authz, matrix, .timeout = 240)
{
    int64_t t_start = it_now_ms();
    world();
    int64_t t_world = it_now_ms();
    int failed = 0, cells = 0;
    for (int phase = 0; phase < 2; phase++)
        for (size_t k = 0; k < NROWS; k++) {
            if (rows[k].phase != phase)
                continue;
            for (int p = 0; p < NP; p++, cells++)
                failed += run_cell(&rows[k], p);
        }
    draft_world();
    int dcells = 0, dfailed = run_drafts(&dcells);
    int64_t t_matrix = it_now_ms();

    /* Password hashes: yescrypt for every user made here. */
    size_t qcap = n_made * 24 + 128, ql = 0;
    char *q = malloc(qcap);
    ql += (size_t)snprintf(q, qcap,
                           "SELECT COUNT(*), SUM(password_hash LIKE '$y$%%') FROM users"
                           " WHERE id IN (");
    for (size_t i = 0; i < n_made; i++)
        ql += (size_t)snprintf(q + ql, qcap - ql, "%s%lld", i ? "," : "", (long long)made[i]);
    snprintf(q + ql, qcap - ql, ");");
    char *out = sql("%s", q);
    long long nusers = 0, ny = 0;
    cr_assert_eq(sscanf(out, "%lld %lld", &nusers, &ny), 2, "%s", out);
    cr_expect_eq(nusers, (long long)n_made, "users made here: %lld of %zu found", nusers, n_made);
    cr_expect_eq(ny, nusers, "%lld of %lld password hashes are not yescrypt ($y$)", nusers - ny,
                 nusers);
    free(out);
    free(q);

    assert_no_token_in_db();

    char log[256];
    snprintf(log, sizeof(log), "%s", srv->log);
    int code = it_stop(srv);
    srv = NULL;
    cr_expect_eq(code, 0, "summitd did not exit cleanly");
    assert_no_token_in_log(log);

    cr_log_info("authz matrix: %zu routes x %d principals = %d cells, %d wrong; draft event: "
                "%zu routes, %d cells, %d wrong; %zu tokens checked; world %lld ms, matrix %lld "
                "ms, checks %lld ms",
                NROWS, NP, cells, failed, NDROWS, dcells, dfailed, n_issued,
                (long long)(t_world - t_start), (long long)(t_matrix - t_world),
                (long long)(it_now_ms() - t_matrix));
    cr_expect_eq(failed, 0, "%d of %d authorization cells differ from the matrix (see AUTHZ lines)",
                 failed, cells);
    cr_expect_eq(dfailed, 0, "%d of %d draft-event cells disclose the draft (see AUTHZ lines)",
                 dfailed, dcells);
    for (size_t i = 0; i < n_issued; i++)
        free(issued[i]);
    for (int p = 0; p < NP; p++)
        free(F.email[p]);
    free(F.dummy_email);
}
