/* Interests and mutual matches against a real summitd, MariaDB and Redis: one matches row even
 * when both sides click at the same moment, vetoes leave recommendations, the clear 4xx codes,
 * and GET /me/matches from both sides. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/it.h"

IT_SUITE(interests, 120);

static int64_t make_project(const char *token, int64_t org, const char *side, const char *title,
                            const char *tag)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"organization_id\":%lld,\"side\":\"%s\",\"title\":\"%s\","
             "\"description\":\"车联网 机器视觉 路口感知 %s\",\"sector\":\"交通物流\","
             "\"zone\":\"成都科学城\",\"tags\":[\"%s\",\"车联网\",\"机器视觉\"],"
             "\"stage\":\"pilot\",\"budget_min\":1000000,\"budget_max\":3000000}",
             (long long)org, side, title, tag, tag);
    struct it_resp *r = it_http(srv, "POST", "/api/v1/projects", token, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

/* Two organizations (two users), a supply and a demand project that fit together. */
struct pair {
    char *tok_s, *tok_d;
    int64_t org_s, org_d, sup, dem;
    char tag[64];
};

static void make_pair(struct pair *p)
{
    p->tok_s = it_user(srv, "enterprise", NULL);
    p->tok_d = it_user(srv, "enterprise", NULL);
    p->org_s = it_org(srv, p->tok_s, "innovative", "交通物流", "成都科学城");
    p->org_d = it_org(srv, p->tok_d, "leader", "交通物流", "成都科学城");
    it_unique(p->tag, sizeof(p->tag), "it");
    p->sup = make_project(p->tok_s, p->org_s, "supply", "路口车路协同感知方案", p->tag);
    p->dem = make_project(p->tok_d, p->org_d, "demand", "智慧路口车路协同感知需求", p->tag);
}

static void free_pair(struct pair *p)
{
    free(p->tok_s);
    free(p->tok_d);
}

static struct it_resp *interest(const char *token, int64_t from, int64_t to, const char *decision)
{
    char path[80], body[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)from);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"%s\"}", (long long)to,
             decision);
    return it_http(srv, "POST", path, token, body, NULL);
}

/* One value from the test database (the first column of the first row, "" when none). */
static char *sql_value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sql_value(const char *fmt, ...)
{
    char q[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    static atomic_int seq;
    char path[96];
    snprintf(path, sizeof(path), "var/test-logs/sql-%d-%d.txt", (int)getpid(),
             atomic_fetch_add(&seq, 1));
    cr_assert_eq(it_sh(IT_MYSQL_CLI " -e \"%s\" > %s", q, path), 0);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[1024] = "";
    if (!fgets(line, sizeof(line), f))
        line[0] = '\0';
    fclose(f);
    unlink(path);
    line[strcspn(line, "\n")] = '\0';
    return strdup(line);
}

static int matches_rows(const struct pair *p)
{
    char *v = sql_value("SELECT COUNT(*) FROM matches WHERE supply_project_id = %lld AND "
                        "demand_project_id = %lld",
                        (long long)p->sup, (long long)p->dem);
    int n = atoi(v);
    free(v);
    return n;
}

/* GET /me/matches; how many entries of list `key` name project `mine` with counterpart
 * `theirs` (counterpart key `other`). */
static int count_in(const char *token, const char *key, const char *other, int64_t mine,
                    int64_t theirs)
{
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/matches", token, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(r->json, key);
    cr_assert(cJSON_IsArray(list), "%s", r->body);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "project");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(it, other);
        if ((int64_t)cJSON_GetObjectItemCaseSensitive(a, "id")->valuedouble == mine &&
            (int64_t)cJSON_GetObjectItemCaseSensitive(b, "id")->valuedouble == theirs)
            n++;
    }
    it_resp_free(r);
    return n;
}

Test(interests, both_interested_makes_one_mutual_match)
{
    struct pair p;
    make_pair(&p);
    struct it_resp *r = interest(p.tok_s, p.sup, p.dem, "interested");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r->json, "mutual")), "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(matches_rows(&p), 0);

    /* The demand side sees it received, the supply side sees it sent, with titles and orgs. */
    cr_assert_eq(count_in(p.tok_d, "received", "from", p.dem, p.sup), 1);
    cr_assert_eq(count_in(p.tok_s, "sent", "target", p.sup, p.dem), 1);
    r = it_http(srv, "GET", "/api/v1/me/matches", p.tok_d, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "received.0.from.title"), "路口车路协同感知方案", "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "received.0.from.organization.id"), p.org_s);
    cr_assert_str_eq(it_jstr(r, "received.0.from.organization.tier"), "innovative");
    cr_assert_not_null(strstr(it_jstr(r, "received.0.from.organization.name"), "测试企业"));
    cr_assert_str_eq(it_jstr(r, "received.0.decision"), "interested");
    it_resp_free(r);

    r = interest(p.tok_d, p.dem, p.sup, "interested");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->json, "mutual")), "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "match.supply_project_id"), p.sup);
    cr_assert_eq((int64_t)it_jnum(r, "match.demand_project_id"), p.dem);
    cr_assert_gt(it_jnum(r, "match.score"), 0, "the stored score comes from the index");
    int64_t match_id = (int64_t)it_jnum(r, "match.id");
    it_resp_free(r);
    cr_assert_eq(matches_rows(&p), 1);

    /* Saying it again changes nothing. */
    r = interest(p.tok_s, p.sup, p.dem, "interested");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "match.id"), match_id);
    it_resp_free(r);
    cr_assert_eq(matches_rows(&p), 1);
    cr_assert_eq(count_in(p.tok_s, "mutual", "counterpart", p.sup, p.dem), 1);
    cr_assert_eq(count_in(p.tok_d, "mutual", "counterpart", p.dem, p.sup), 1);
    r = it_http(srv, "GET", "/api/v1/me/matches", p.tok_s, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "mutual.0.counterpart.title"), "智慧路口车路协同感知需求");
    cr_assert_str_eq(it_jstr(r, "mutual.0.counterpart.organization.tier"), "leader");
    it_resp_free(r);

    /* A change of mind removes the match. */
    r = interest(p.tok_d, p.dem, p.sup, "not_interested");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r->json, "mutual")));
    it_resp_free(r);
    cr_assert_eq(matches_rows(&p), 0);
    cr_assert_eq(count_in(p.tok_s, "mutual", "counterpart", p.sup, p.dem), 0);
    cr_assert_eq(count_in(p.tok_s, "received", "from", p.sup, p.dem), 0,
                 "a not_interested is not shown as received");
    free_pair(&p);
}

struct race {
    struct pair *p;
    int status[2];
    bool mutual[2];
};

static void race_fn(int i, void *arg)
{
    struct race *x = arg;
    struct it_resp *r = i == 0 ? interest(x->p->tok_s, x->p->sup, x->p->dem, "interested")
                               : interest(x->p->tok_d, x->p->dem, x->p->sup, "interested");
    x->status[i] = r->status;
    x->mutual[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->json, "mutual"));
    it_resp_free(r);
}

Test(interests, both_sides_at_the_same_moment_make_exactly_one_match)
{
    for (int round = 0; round < 8; round++) {
        struct pair p;
        make_pair(&p);
        struct race x = {.p = &p};
        it_parallel(2, race_fn, &x);
        cr_assert_eq(x.status[0], 201, "round %d", round);
        cr_assert_eq(x.status[1], 201, "round %d", round);
        cr_assert_eq((int)x.mutual[0] + (int)x.mutual[1], 1,
                     "round %d: exactly the later of the two sees the match", round);
        cr_assert_eq(matches_rows(&p), 1, "round %d", round);
        cr_assert_eq(count_in(p.tok_s, "mutual", "counterpart", p.sup, p.dem), 1);
        cr_assert_eq(count_in(p.tok_d, "mutual", "counterpart", p.dem, p.sup), 1);
        cr_assert_eq(count_in(p.tok_s, "sent", "target", p.sup, p.dem), 1);
        cr_assert_eq(count_in(p.tok_d, "received", "from", p.dem, p.sup), 1);
        free_pair(&p);
    }
}

struct rec_wait {
    const char *token;
    int64_t project, other;
};

/* True when `other` is absent from project's recommendations. */
static bool absent(void *arg)
{
    struct rec_wait *w = arg;
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)w->project);
    struct it_resp *r = it_http(srv, "GET", path, w->token, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    bool found = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->json, "items"))
    {
        const cJSON *proj = cJSON_GetObjectItemCaseSensitive(it, "project");
        if ((int64_t)cJSON_GetObjectItemCaseSensitive(proj, "id")->valuedouble == w->other)
            found = true;
    }
    it_resp_free(r);
    return !found;
}

Test(interests, not_interested_vetoes_the_pair_from_both_sides)
{
    struct pair p;
    make_pair(&p);
    struct rec_wait s = {p.tok_s, p.sup, p.dem}, d = {p.tok_d, p.dem, p.sup};
    cr_assert(!absent(&s), "the pair is recommended before the veto");
    cr_assert(!absent(&d));
    struct it_resp *r = interest(p.tok_d, p.dem, p.sup, "not_interested");
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    cr_assert(absent(&s), "vetoed by the demand: gone from the supply's recommendations");
    cr_assert(absent(&d), "and from the demand's own");
    /* The other side's interest no longer makes a match. */
    r = interest(p.tok_s, p.sup, p.dem, "interested");
    cr_assert_eq(r->status, 201);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r->json, "mutual")));
    it_resp_free(r);
    cr_assert_eq(matches_rows(&p), 0);
    free_pair(&p);
}

Test(interests, clear_errors_and_only_members_speak)
{
    struct pair p;
    make_pair(&p);
    int64_t same_side = make_project(p.tok_d, p.org_d, "supply", "另一个供给", p.tag);
    char *stranger = it_user(srv, "enterprise", NULL);
    int64_t org_x = it_org(srv, stranger, "seed", "交通物流", "成都科学城");
    int64_t other_sup = make_project(stranger, org_x, "supply", "第三方供给", p.tag);
    int64_t other_dem = make_project(stranger, org_x, "demand", "第三方需求", p.tag);

    struct {
        const char *token;
        int64_t from, to;
        const char *decision;
        int status;
        const char *code, *field;
    } cases[] = {
        {stranger, p.sup, p.dem, "interested", 403, "not_member", NULL},
        {p.tok_d, p.sup, p.dem, "interested", 403, "not_member", NULL},
        {p.tok_s, p.sup, p.sup, "interested", 400, "same_project", "target_project_id"},
        {p.tok_s, p.sup, other_sup, "interested", 400, "same_side", "target_project_id"},
        {p.tok_d, p.dem, same_side, "interested", 400, "same_organization", "target_project_id"},
        {p.tok_s, p.sup, 999999999, "interested", 404, "target_not_found", "target_project_id"},
        {p.tok_s, 999999999, p.dem, "interested", 404, "project_not_found", NULL},
        {p.tok_s, p.sup, p.dem, "maybe", 400, "validation_failed", "decision"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct it_resp *r = interest(cases[i].token, cases[i].from, cases[i].to, cases[i].decision);
        cr_assert_eq(r->status, cases[i].status, "case %zu: %s", i, r->body);
        cr_assert_str_eq(it_jstr(r, "error.code"), cases[i].code, "case %zu: %s", i, r->body);
        if (cases[i].field)
            cr_assert_str_eq(it_jstr(r, "error.field"), cases[i].field, "case %zu", i);
        it_resp_free(r);
    }
    char path[80];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)p.sup);
    struct it_resp *r = it_http(srv, "POST", path, p.tok_s, "{\"decision\":\"interested\"}", NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.field"), "target_project_id");
    it_resp_free(r);
    r = it_http(srv, "POST", path, NULL, "{\"target_project_id\":1,\"decision\":\"interested\"}",
                NULL);
    cr_assert_eq(r->status, 401);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/matches", NULL, NULL, NULL);
    cr_assert_eq(r->status, 401);
    it_resp_free(r);

    /* Closed target -> 409; closed own project -> 409. */
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)other_dem);
    r = it_http(srv, "DELETE", path, stranger, NULL, NULL);
    cr_assert_eq(r->status, 204);
    it_resp_free(r);
    r = interest(p.tok_s, p.sup, other_dem, "interested");
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "target_closed");
    it_resp_free(r);
    r = interest(stranger, other_dem, p.sup, "interested");
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "project_closed");
    it_resp_free(r);
    /* None of the refused requests stored an interest. */
    char *v = sql_value("SELECT COUNT(*) FROM interests WHERE project_id IN (%lld, %lld, %lld, "
                        "%lld, %lld)",
                        (long long)p.sup, (long long)p.dem, (long long)same_side,
                        (long long)other_sup, (long long)other_dem);
    cr_assert_str_eq(v, "0");
    free(v);
    free(stranger);
    free_pair(&p);
}

/* ---- issue 15: no self-matching, contacts once mutual ---------------------------------------- */

/* One user owning two organizations: the projects of one are never recommended to the other,
 * and an interest between them is refused (409 own_organization), whichever side speaks. */
Test(interests, own_organizations_never_match)
{
    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org1 = it_org(srv, tok, "innovative", "交通物流", "成都科学城");
    int64_t org2 = it_org(srv, tok, "leader", "交通物流", "成都科学城");
    char tag[64];
    it_unique(tag, sizeof(tag), "own");
    int64_t sup = make_project(tok, org1, "supply", "路口车路协同感知方案", tag);
    int64_t dem = make_project(tok, org2, "demand", "智慧路口车路协同感知需求", tag);
    /* A stranger's supply that fits as well: it is recommended, so the list is not just empty. */
    char *other = it_user(srv, "enterprise", NULL);
    int64_t org3 = it_org(srv, other, "seed", "交通物流", "成都科学城");
    int64_t sup3 = make_project(other, org3, "supply", "路口车路协同感知方案", tag);

    char path[96];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)dem);
    char want[32], own[32];
    /* As an item's project (a bare "id":N may be some item's organization id). */
    snprintf(want, sizeof(want), "\"project\":{\"id\":%lld,", (long long)sup3);
    snprintf(own, sizeof(own), "\"project\":{\"id\":%lld,", (long long)sup);
    bool seen = false;
    for (int i = 0; i < 40 && !seen; i++) { /* the index hears of new projects within a second */
        struct it_resp *r = it_http(srv, "GET", path, tok, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        seen = strstr(r->body, want) != NULL;
        cr_assert_null(strstr(r->body, own), "own organization recommended: %s", r->body);
        it_resp_free(r);
        if (!seen)
            usleep(50 * 1000);
    }
    cr_assert(seen, "the stranger's supply is recommended");

    struct it_resp *r = interest(tok, dem, sup, "interested");
    cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "", "own_organization",
                     "%s", r->body);
    it_expect(r, 409, "target_project_id", "demand -> own supply");
    r = interest(tok, sup, dem, "interested");
    cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "", "own_organization");
    it_expect(r, 409, "target_project_id", "supply -> own demand");
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM interests WHERE project_id IN (%lld, %lld)",
                            (long long)sup, (long long)dem),
                 0);
    /* The stranger's project is fine. */
    it_expect(interest(tok, dem, sup3, "interested"), 201, NULL, "a stranger's project");
    free(tok);
    free(other);
}

/* A member's shared contact details, set the way PATCH /me will (the columns of sql/0013). */
static void set_contact(int64_t uid, const char *email, const char *phone, const char *wechat)
{
    char e[300], p[64], w[96];
    snprintf(e, sizeof(e), email ? "'%s'" : "NULL", email);
    snprintf(p, sizeof(p), phone ? "'%s'" : "NULL", phone);
    snprintf(w, sizeof(w), wechat ? "'%s'" : "NULL", wechat);
    free(it_sql("UPDATE users SET contact_email = %s, contact_phone = %s, contact_wechat = %s"
                " WHERE id = %lld",
                e, p, w, (long long)uid));
}

Test(interests, contacts_only_once_mutual)
{
    int64_t uid_s, uid_d;
    char *tok_s = it_user(srv, "enterprise", &uid_s), *tok_d = it_user(srv, "enterprise", &uid_d);
    int64_t org_s = it_org(srv, tok_s, "innovative", "交通物流", "成都科学城");
    int64_t org_d = it_org(srv, tok_d, "leader", "交通物流", "成都科学城");
    char tag[64];
    it_unique(tag, sizeof(tag), "ct");
    int64_t sup = make_project(tok_s, org_s, "supply", "路口车路协同感知方案", tag);
    int64_t dem = make_project(tok_d, org_d, "demand", "智慧路口车路协同感知需求", tag);
    set_contact(uid_s, "sales@supply.example", "+86 28 8888 0001", NULL); /* no WeChat shared */
    set_contact(uid_d, NULL, NULL, "demand_wechat");

    /* One side interested: no contact anywhere, on either side. */
    it_expect(interest(tok_d, dem, sup, "interested"), 201, NULL, "demand interested");
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me/matches", tok_d, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_null(strstr(r->body, "sales@supply.example"), "no contact before: %s", r->body);
    cr_assert_null(strstr(r->body, "\"contact\""), "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "mutual")), 0);
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/matches", tok_s, NULL, NULL);
    cr_assert_null(strstr(r->body, "demand_wechat"), "no contact before: %s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "received.0.from.id"), dem, "%s", r->body);
    it_resp_free(r);

    /* Mutual: each side sees the other's members and only what they shared. */
    it_expect(interest(tok_s, sup, dem, "interested"), 201, NULL, "supply interested");
    r = it_http(srv, "GET", "/api/v1/me/matches", tok_d, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "mutual.0.counterpart.id"), sup, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "mutual.0.counterpart.organization.members.0.user_id"),
                 uid_s, "%s", r->body);
    cr_assert_not_null(it_jstr(r, "mutual.0.counterpart.organization.members.0.display_name"));
    cr_assert_str_eq(it_jstr(r, "mutual.0.counterpart.organization.members.0.contact.email"),
                     "sales@supply.example");
    cr_assert_str_eq(it_jstr(r, "mutual.0.counterpart.organization.members.0.contact.phone"),
                     "+86 28 8888 0001");
    cr_assert_null(it_jstr(r, "mutual.0.counterpart.organization.members.0.contact.wechat"),
                   "not shared, not shown: %s", r->body);
    cr_assert_null(strstr(r->body, "demand_wechat"), "never my own contact as theirs");
    cr_assert(!cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(r->json, "truncated"),
                                                "mutual")));
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/matches", tok_s, NULL, NULL);
    cr_assert_eq((int64_t)it_jnum(r, "mutual.0.counterpart.organization.members.0.user_id"),
                 uid_d, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "mutual.0.counterpart.organization.members.0.contact.wechat"),
                     "demand_wechat");
    cr_assert_null(it_jstr(r, "mutual.0.counterpart.organization.members.0.contact.email"));
    it_resp_free(r);

    /* Withdrawn: the match is gone, and the contacts with it. */
    it_expect(interest(tok_s, sup, dem, "not_interested"), 200, NULL, "withdrawn");
    r = it_http(srv, "GET", "/api/v1/me/matches", tok_d, NULL, NULL);
    cr_assert_null(strstr(r->body, "sales@supply.example"), "%s", r->body);
    it_resp_free(r);
    free(tok_s);
    free(tok_d);
}
