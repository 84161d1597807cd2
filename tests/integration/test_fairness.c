/* Recommendations that are fair to every enterprise (issue 17), through the API against two real
 * summitd instances, MariaDB and Redis: broad "hub" projects are capped in the first places of
 * everyone's lists (and say why when held back), a weak but plausible supplier gets its floor,
 * both instances serve the same lists, and a project's pending interests are bounded. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/ev_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(fairness, 180);

#define ND 6 /* planted pairs */
#define NH 3 /* hubs */
#define PLACES 3

/* A sector, zone and budget no other suite uses, so that the lists are about these projects. */
static const char *const zones[] = {"longquanyi", "tianfu_new_area", "hitech_zone"};

static int64_t project(struct it_server *s, int world, const char *token, int64_t org,
                       const char *side, const char *title, const char *desc, const char *tag1,
                       const char *tag2)
{
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"organization_id\":%lld,\"side\":\"%s\",\"title\":\"%s\",\"description\":\"%s\","
             "\"sector\":\"exhibitions\",\"zone\":\"%s\",\"tags\":[\"%s\",\"%s\"],"
             "\"stage\":\"pilot\",\"budget_min\":%lld,\"budget_max\":%lld}",
             (long long)org, side, title, desc, zones[world], tag1, tag2,
             7000000000LL + world * 2000000000LL, 8000000000LL + world * 2000000000LL);
    struct it_resp *r = it_http(s, "POST", "/api/v1/projects", token, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

/* Each test its own world (they run in parallel): its own scenes, zone and budget. */
static const char *const scene_sets[3][ND] = {
    {"展馆客流热力预测", "展位智能导览机器人", "会议同声传译字幕", "展品三维扫描建模",
     "观众画像精准邀约", "布展工期智能排程"},
    {"冷链仓储温控告警", "港口吊机远程操控", "快递面单自动识别", "干线货车疲劳监测",
     "无人叉车路径规划", "集装箱箱号识别"},
    {"病房护理呼叫分诊", "药房处方自动审核", "影像胶片数字归档", "门诊排队时间预估",
     "手术器械清点计数", "康复训练动作评估"},
};

struct world {
    int n; /* which world: scene_sets[n], zones[n] */
    char tag[48];
    char *tok_d[ND], *tok_p[ND], *tok_h, *tok_w;
    int64_t dem[ND], sup[ND], hub[NH], weak;
    int64_t org_d[ND], org_p[ND], org_h, org_w;
};

/* Closes the projects of earlier worlds (they would compete in these lists), behind the
 * servers' backs: call it before (re)starting them. */
static void close_old_worlds(int n)
{
    int rc = 1;
    for (int tries = 0; rc != 0 && tries < 10; tries++) /* a deadlock with a parallel test */
        rc = it_sh(IT_MYSQL_CLI " -e \"UPDATE projects SET status = 'closed', updated_at ="
                                " UTC_TIMESTAMP() WHERE sector = 'exhibitions' AND zone = '%s'"
                                " AND status = 'open'\"",
                   zones[n]);
    cr_assert_eq(rc, 0, "closing the worlds of earlier runs");
}

/* ND demands, each with its planted supply (its own scene, word for word), NH hubs that name
 * every scene, and one weak supplier sharing only the tag and the setting. */
static void make_world(struct it_server *s, int n, struct world *w)
{
    const char *const *scenes = scene_sets[n];
    w->n = n;
    it_unique(w->tag, sizeof(w->tag), "fair");
    char desc[1024], title[256];
    for (int i = 0; i < ND; i++) {
        w->tok_d[i] = it_user(s, "enterprise", NULL);
        w->tok_p[i] = it_user(s, "enterprise", NULL);
        int64_t od = w->org_d[i] = it_org(s, w->tok_d[i], "other", "exhibitions", "longquanyi");
        int64_t op = w->org_p[i] = it_org(s, w->tok_p[i], "seed", "exhibitions", "longquanyi");
        snprintf(title, sizeof(title), "%s%s需求", scenes[i], w->tag);
        snprintf(desc, sizeof(desc), "征集%s方案，%s场景，要求%s准确可靠", scenes[i], scenes[i],
                 scenes[i]);
        w->dem[i] = project(s, n, w->tok_d[i], od, "demand", title, desc, w->tag, scenes[i]);
        snprintf(title, sizeof(title), "%s%s系统", scenes[i], w->tag);
        snprintf(desc, sizeof(desc), "提供%s系统，%s场景，%s准确可靠", scenes[i], scenes[i],
                 scenes[i]);
        w->sup[i] = project(s, n, w->tok_p[i], op, "supply", title, desc, w->tag, scenes[i]);
    }
    w->tok_h = it_user(s, "enterprise", NULL);
    int64_t oh = w->org_h = it_org(s, w->tok_h, "leader", "exhibitions", "longquanyi");
    for (int h = 0; h < NH; h++) {
        size_t o = (size_t)snprintf(desc, sizeof(desc), "一站式会展人工智能全栈平台%d，覆盖", h);
        for (int i = 0; i < ND; i++)
            o += (size_t)snprintf(desc + o, sizeof(desc) - o, "%s、", scenes[i]);
        snprintf(title, sizeof(title), "%s一站式会展AI平台%d", w->tag, h);
        w->hub[h] = project(s, n, w->tok_h, oh, "supply", title, desc, w->tag, scenes[h]);
    }
    w->tok_w = it_user(s, "enterprise", NULL);
    int64_t ow = w->org_w = it_org(s, w->tok_w, "seed", "exhibitions", "longquanyi");
    snprintf(title, sizeof(title), "%s小型服务", w->tag);
    w->weak = project(s, n, w->tok_w, ow, "supply", title, "小团队，提供定制开发", w->tag, "定制开发");
}

static void free_world(struct world *w)
{
    for (int i = 0; i < ND; i++) {
        free(w->tok_d[i]);
        free(w->tok_p[i]);
    }
    free(w->tok_h);
    free(w->tok_w);
}

/* The first n item ids of demand i's list on s (lang zh unless given), and the response. */
static struct it_resp *list_of(struct it_server *s, const struct world *w, int i, const char *lang,
                               int64_t *ids, int n)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=20%s%s",
             (long long)w->dem[i], lang ? "&lang=" : "", lang ? lang : "");
    struct it_resp *r = it_http(s, "GET", path, w->tok_d[i], NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    for (int k = 0; k < n; k++) {
        char key[48];
        snprintf(key, sizeof(key), "items.%d.project.id", k);
        ids[k] = (int64_t)it_jnum(r, key);
    }
    return r;
}

struct seen {
    struct it_server *s;
    const struct world *w;
};

/* Every demand's list on s holds its planted supply first (s has heard of every project). */
static bool all_planted_first(void *arg)
{
    struct seen *x = arg;
    for (int i = 0; i < ND; i++) {
        int64_t ids[1];
        struct it_resp *r = list_of(x->s, x->w, i, NULL, ids, 1);
        it_resp_free(r);
        if (ids[0] != x->w->sup[i])
            return false;
    }
    return true;
}

static int in_first(const int64_t *ids, int n, int64_t id)
{
    for (int k = 0; k < n; k++)
        if (ids[k] == id)
            return 1;
    return 0;
}

Test(fairness, hubs_are_capped_alike_on_two_instances_and_say_why)
{
    /* cap factor tiny: every project's budget is 1 first place; no floor here. */
    const char *const sets[] = {"match_exposure_places=3", "match_exposure_cap=0.0001",
                                "match_exposure_floor=0", NULL};
    close_old_worlds(0);
    it_restart(&srv, sets);
    struct it_server *b = it_start(sets);
    struct world w;
    make_world(srv, 0, &w);
    struct seen sa = {srv, &w}, sb = {b, &w};
    cr_assert(it_wait(all_planted_first, &sa, 3000), "A: planted pairs not first");
    cr_assert(it_wait(all_planted_first, &sb, 3000), "B: planted pairs not first within 3 s");

    int hub_places[NH] = {0};
    int held_back = 0;
    for (int i = 0; i < ND; i++) {
        int64_t ia[PLACES + NH + 2], ib[PLACES + NH + 2];
        /* lists of demands 0..2 read on A, 3..5 on B, and each compared with the other */
        struct it_resp *ra = list_of(srv, &w, i, NULL, ia, PLACES + NH + 2);
        struct it_resp *rb = list_of(b, &w, i, NULL, ib, PLACES + NH + 2);
        for (int k = 0; k < PLACES; k++)
            cr_assert_eq(ia[k], ib[k], "demand %d place %d differs between instances", i, k);
        cr_assert_eq(ia[0], w.sup[i], "the planted pair keeps place 1");
        const int64_t *ids = i < ND / 2 ? ia : ib;
        struct it_resp *rr = i < ND / 2 ? ra : rb;
        for (int h = 0; h < NH; h++) {
            /* An assigned first place: a held-back item (reason exposure_limited) may complete
             * a list whose other candidates all reached their budget, marked as such. */
            for (int k = 0; k < PLACES; k++) {
                char key[64];
                snprintf(key, sizeof(key), "items.%d.reasons.0.code", k);
                if (ids[k] == w.hub[h] && strcmp(it_jstr(rr, key), "exposure_limited") != 0)
                    hub_places[h]++;
            }
            /* A hub this list would have had but was held back says so (zh). */
            for (int k = 0; k < PLACES + NH + 2; k++) {
                if (ia[k] != w.hub[h])
                    continue;
                char key[64];
                snprintf(key, sizeof(key), "items.%d.reasons.0.code", k);
                if (it_jstr(ra, key) && strcmp(it_jstr(ra, key), "exposure_limited") == 0) {
                    held_back++;
                    snprintf(key, sizeof(key), "items.%d.reasons.0.text", k);
                    cr_assert(strstr(it_jstr(ra, key), "曝光已较多"), "%s", ra->body);
                    snprintf(key, sizeof(key), "items.%d.reasons.0.params.cap", k);
                    cr_assert_eq(it_jnum(ra, key), 1, "%s", ra->body);
                }
            }
        }
        it_resp_free(ra);
        it_resp_free(rb);
    }
    for (int h = 0; h < NH; h++)
        cr_assert_leq(hub_places[h], 1, "hub %d in %d first places over both instances", h,
                      hub_places[h]);
    cr_assert_geq(held_back, 1, "the hubs held back say why (%d)", held_back);

    /* In English too. */
    int64_t ids[PLACES + NH + 2];
    bool en = false;
    for (int i = 0; i < ND && !en; i++) {
        struct it_resp *r = list_of(b, &w, i, "en", ids, PLACES + NH + 2);
        en = strstr(r->body, "shown less often: already highly requested") != NULL;
        it_resp_free(r);
    }
    cr_assert(en, "the English reason");

    /* The organizer's stats of an event these organizations exhibit at: exposure by tier. */
    char *org = it_organizer(srv, NULL);
    int64_t eid = ev_event(srv, org, "fairness", true);
    char path[80], body[64];
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)eid);
    int64_t exhibitors[2 * ND + 2];
    for (int i = 0; i < ND; i++) {
        exhibitors[2 * i] = w.org_d[i];
        exhibitors[2 * i + 1] = w.org_p[i];
    }
    exhibitors[2 * ND] = w.org_h;
    exhibitors[2 * ND + 1] = w.org_w;
    for (int i = 0; i < 2 * ND + 2; i++) {
        snprintf(body, sizeof(body), "{\"organization_id\":%lld}", (long long)exhibitors[i]);
        struct it_resp *r = it_http(srv, "POST", path, org, body, NULL);
        cr_assert_eq(r->status, 201, "%s", r->body);
        it_resp_free(r);
    }
    snprintf(path, sizeof(path), "/api/v1/events/%lld/stats", (long long)eid);
    struct it_resp *r = it_http(b, "GET", path, org, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(it_jnum(r, "matching.exposure.places"), PLACES, "%s", r->body);
    cr_assert_eq(it_jnum(r, "matching.exposure.cap"), 1, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "matching.exposure.by_tier.0.tier"), "leader", "%s", r->body);
    cr_assert_eq(it_jnum(r, "matching.exposure.by_tier.0.projects"), NH, "%s", r->body);
    cr_assert_leq(it_jnum(r, "matching.exposure.by_tier.0.max_places"), 1, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "matching.exposure.by_tier.2.tier"), "seed", "%s", r->body);
    cr_assert_eq(it_jnum(r, "matching.exposure.by_tier.2.projects"), ND + 1, "%s", r->body);
    cr_assert_geq(it_jnum(r, "matching.exposure.by_tier.2.places"), ND,
                  "every planted supplier is shown: %s", r->body);
    cr_assert_str_eq(it_jstr(r, "matching.exposure.by_tier.3.tier"), "other", "%s", r->body);
    cr_assert_eq(it_jnum(r, "matching.exposure.by_tier.3.projects"), ND, "%s", r->body);
    it_resp_free(r);
    free(org);
    free_world(&w);
    cr_assert_eq(it_stop(b), 0);
}

Test(fairness, a_weak_plausible_supplier_gets_its_floor)
{
    /* No cap: the hubs would take places 2 and 3 of every list; floor 1 (18 places: 6 planted,
     * and the hubs, the other lists' planted supplies and the weak one 1 each at least). */
    const char *const sets[] = {"match_exposure_places=3", "match_exposure_cap=0",
                                "match_exposure_floor=1", "match_exposure_floor_min_score=0.15",
                                "match_exposure_floor_slack=1", NULL};
    close_old_worlds(1);
    it_restart(&srv, sets);
    struct it_server *b = it_start(sets);
    struct world w;
    make_world(srv, 1, &w);
    struct seen sa = {srv, &w}, sb = {b, &w};
    cr_assert(it_wait(all_planted_first, &sa, 3000));
    cr_assert(it_wait(all_planted_first, &sb, 3000));
    int weak_a = 0, weak_b = 0;
    for (int i = 0; i < ND; i++) {
        int64_t ia[PLACES], ib[PLACES];
        it_resp_free(list_of(srv, &w, i, NULL, ia, PLACES));
        it_resp_free(list_of(b, &w, i, NULL, ib, PLACES));
        weak_a += in_first(ia, PLACES, w.weak);
        weak_b += in_first(ib, PLACES, w.weak);
        cr_assert_eq(ia[0], w.sup[i]);
    }
    cr_assert_geq(weak_a, 1, "the weak supplier is in %d first places on A", weak_a);
    cr_assert_eq(weak_a, weak_b, "both instances agree");
    free_world(&w);
    cr_assert_eq(it_stop(b), 0);
}

static struct it_resp *interest(struct it_server *s, const char *token, int64_t from, int64_t to,
                                const char *decision, const char *lang)
{
    char path[80], body[128], hdr[64];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)from);
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"%s\"}", (long long)to,
             decision);
    snprintf(hdr, sizeof(hdr), "Accept-Language: %s\r\n", lang);
    return it_http(s, "POST", path, token, body, hdr);
}

Test(fairness, a_project_receives_a_bounded_number_of_pending_interests)
{
    const char *const sets[] = {"match_pending_interests_max=2", NULL};
    close_old_worlds(2);
    it_restart(&srv, sets);
    struct world w;
    make_world(srv, 2, &w);
    int64_t hub = w.hub[0];
    /* Two demands ask: both pending. */
    for (int i = 0; i < 2; i++) {
        struct it_resp *r = interest(srv, w.tok_d[i], w.dem[i], hub, "interested", "zh");
        cr_assert_eq(r->status, 201, "%s", r->body);
        it_resp_free(r);
    }
    /* The third is told why, in Chinese first and in English when asked. */
    struct it_resp *r = interest(srv, w.tok_d[2], w.dem[2], hub, "interested", "zh");
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "target_project_id", "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "too_many_pending_interests", "%s", r->body);
    cr_assert(strstr(r->body, "待回复的意向"), "%s", r->body);
    it_resp_free(r);
    r = interest(srv, w.tok_d[2], w.dem[2], hub, "interested", "en");
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert(strstr(r->body, "waiting for its answer"), "%s", r->body);
    it_resp_free(r);
    /* Saying it again, or not interested, is no new pending interest. */
    r = interest(srv, w.tok_d[0], w.dem[0], hub, "interested", "zh");
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    r = interest(srv, w.tok_d[2], w.dem[2], hub, "not_interested", "zh");
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    /* The hub answers one (a match): a place frees up. */
    r = interest(srv, w.tok_h, hub, w.dem[0], "interested", "zh");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert(it_jnum(r, "mutual") != 0 || strstr(r->body, "\"mutual\":true"), "%s", r->body);
    it_resp_free(r);
    r = interest(srv, w.tok_d[2], w.dem[2], hub, "interested", "zh");
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    /* Full again (demands 1 and 2 wait): a fourth is refused. */
    r = interest(srv, w.tok_d[3], w.dem[3], hub, "interested", "zh");
    cr_assert_eq(r->status, 409, "%s", r->body);
    it_resp_free(r);
    free_world(&w);
}
