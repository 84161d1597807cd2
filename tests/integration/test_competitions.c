/* Competitions: criteria, entries, judges, scores and the normalized leaderboard (Redis sorted
 * set rebuilt from MySQL), against a real summitd, MariaDB and Redis. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/pc_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(competitions, 180);

/* it_expect for an error, with its code. */
static void expect_code(struct it_resp *r, int status, const char *code, const char *what)
{
    cr_assert_eq(r->status, status, "%s: got %d %s", what, r->status, r->body);
    const char *c = it_jstr(r, "error.code");
    cr_assert(c && strcmp(c, code) == 0, "%s: code %s expected, got %s", what, code,
              c ? c : "(none)");
    it_resp_free(r);
}

struct contest {
    char *org_token;
    int64_t org_id;
    char *ent_token; /* owns the entered projects' organizations */
    int64_t ent_id;
    int64_t event, session;
};

static void contest_new(struct contest *c, bool published)
{
    c->org_token = it_organizer(srv, &c->org_id);
    c->ent_token = it_user(srv, "enterprise", &c->ent_id);
    c->event = fx_event(srv, c->org_token, published);
    c->session = fx_session(srv, c->org_token, c->event, "competition", "大赛评审厅", fx_t0(),
                            fx_t0() + MINS(240));
}

static void contest_free(struct contest *c)
{
    free(c->org_token);
    free(c->ent_token);
}

static int64_t add_criterion(const struct contest *c, const char *name, double weight, double max)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"weight\":%g,\"max_score\":%g}", name, weight,
             max);
    struct it_resp *r = fx_http(srv, "POST", c->org_token, body, "/api/v1/sessions/%lld/criteria",
                                (long long)c->session);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

static int64_t add_entry(const struct contest *c, const char *owner, const char *title)
{
    int64_t project = fx_project(srv, owner, title, NULL);
    char body[64];
    snprintf(body, sizeof(body), "{\"project_id\":%lld}", (long long)project);
    struct it_resp *r = fx_http(srv, "POST", c->org_token, body, "/api/v1/sessions/%lld/entries",
                                (long long)c->session);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "project_title"), title);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

static char *add_judge(const struct contest *c, int64_t *uid)
{
    char *t = it_user(srv, "attendee", uid);
    char body[64];
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)*uid);
    struct it_resp *r = fx_http(srv, "POST", c->org_token, body, "/api/v1/sessions/%lld/judges",
                                (long long)c->session);
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    return t;
}

/* One judge's score for a one-criterion contest. */
static int score1(const char *judge, int64_t entry, int64_t crit, double v)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":%g}}", (long long)crit, v);
    struct it_resp *r =
        fx_http(srv, "PUT", judge, body, "/api/v1/entries/%lld/scores", (long long)entry);
    int st = r->status;
    if (st != 200)
        cr_log_warn("score: %d %s", st, r->body);
    it_resp_free(r);
    return st;
}

static struct it_resp *board(const struct contest *c, const char *token)
{
    return fx_http(srv, "GET", token, NULL, "/api/v1/sessions/%lld/leaderboard",
                   (long long)c->session);
}

static int64_t item_entry(const struct it_resp *r, int i)
{
    char path[48];
    snprintf(path, sizeof(path), "items.%d.entry_id", i);
    return (int64_t)it_jnum(r, path);
}

static double item_num(const struct it_resp *r, int i, const char *what)
{
    char path[64];
    snprintf(path, sizeof(path), "items.%d.%s", i, what);
    return it_jnum(r, path);
}

/* A harsh judge (totals 40, 20, 10 for E1, E2, E3) and a lenient one (95, 90, 85 for E2, E3,
 * E4) agree on E1 > E2 > E3 > E4. Raw means (40, 57.5, 50, 85) would put E4 first and E1 last;
 * the normalized leaderboard keeps the judges' order. */
Test(competitions, harsh_and_lenient_judges_do_not_decide_the_ranking)
{
    struct contest c;
    contest_new(&c, true);
    int64_t crit = add_criterion(&c, "创新性", 1, 100);
    int64_t e[5];
    e[1] = add_entry(&c, c.ent_token, "智慧医疗影像平台");
    e[2] = add_entry(&c, c.ent_token, "工业质检视觉系统");
    e[3] = add_entry(&c, c.ent_token, "城市交通大脑");
    e[4] = add_entry(&c, c.ent_token, "智能语音翻译");
    int64_t hid, lid;
    char *harsh = add_judge(&c, &hid), *lenient = add_judge(&c, &lid);
    cr_assert_eq(score1(harsh, e[1], crit, 40), 200);
    cr_assert_eq(score1(harsh, e[2], crit, 20), 200);
    cr_assert_eq(score1(harsh, e[3], crit, 10), 200);
    cr_assert_eq(score1(lenient, e[2], crit, 95), 200);
    cr_assert_eq(score1(lenient, e[3], crit, 90), 200);
    cr_assert_eq(score1(lenient, e[4], crit, 85), 200);

    struct it_resp *r = board(&c, c.org_token);
    cr_assert_eq(r->status, 200, "%s", r->body);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(item_entry(r, i), e[i + 1], "rank %d: %s", i + 1, r->body);
        cr_assert_eq((int)item_num(r, i, "rank"), i + 1);
    }
    /* The raw means would rank E4 (85) first and E1 (40) last. */
    cr_assert_float_eq(item_num(r, 0, "raw_mean"), 40, 1e-9);
    cr_assert_float_eq(item_num(r, 1, "raw_mean"), 57.5, 1e-9);
    cr_assert_float_eq(item_num(r, 3, "raw_mean"), 85, 1e-9);
    cr_assert_eq((int)item_num(r, 0, "judge_count"), 1);
    cr_assert_eq((int)item_num(r, 1, "judge_count"), 2);
    double mh = 70.0 / 3;
    double sh = sqrt(((40 - mh) * (40 - mh) + (20 - mh) * (20 - mh) + (10 - mh) * (10 - mh)) / 3);
    cr_assert_float_eq(item_num(r, 0, "score"), (40 - mh) / sh, 1e-9);
    cr_assert_float_eq(item_num(r, 3, "score"), -5 / sqrt(50.0 / 3), 1e-9);
    cr_assert_str_eq(it_jstr(r, "items.0.project_title"), "智慧医疗影像平台");
    it_resp_free(r);

    /* A re-score (upsert) moves the board at once: the harsh judge now puts E3 above E1. */
    cr_assert_eq(score1(harsh, e[3], crit, 60), 200);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM competition_scores WHERE entry_id = %lld",
                            (long long)e[3]),
                 2, "one row per judge and criterion");
    r = board(&c, c.org_token);
    cr_assert_eq(item_entry(r, 0), e[3], "%s", r->body);
    it_resp_free(r);
    free(harsh);
    free(lenient);
    contest_free(&c);
}

static bool key_exists(void *arg)
{
    return it_sh(IT_REDIS_CLI " EXISTS '%s' | grep -q '^1$'", (const char *)arg) == 0;
}

Test(competitions, leaderboard_lives_in_redis_and_is_rebuilt_when_missing)
{
    struct contest c;
    contest_new(&c, true);
    int64_t c1 = add_criterion(&c, "技术", 2, 10);
    int64_t c2 = add_criterion(&c, "商业", 1, 100);
    int64_t e1 = add_entry(&c, c.ent_token, "项目甲");
    int64_t e2 = add_entry(&c, c.ent_token, "项目乙");
    int64_t e3 = add_entry(&c, c.ent_token, "项目丙"); /* nobody scores it */
    int64_t jid;
    char *j = add_judge(&c, &jid);
    char body[128];
    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":8,\"%lld\":50}}", (long long)c1,
             (long long)c2);
    struct it_resp *r = fx_http(srv, "PUT", j, body, "/api/v1/entries/%lld/scores", (long long)e1);
    cr_assert_eq(r->status, 200, "%s", r->body);
    /* 100 * (2 * 0.8 + 1 * 0.5) / 3 = 70 */
    cr_assert_float_eq(it_jnum(r, "weighted_total"), 70, 1e-9);
    it_resp_free(r);
    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":5,\"%lld\":20}}", (long long)c1,
             (long long)c2);
    r = fx_http(srv, "PUT", j, body, "/api/v1/entries/%lld/scores", (long long)e2);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);

    /* What a judging client reads: criteria, entries, judges. */
    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/sessions/%lld/competition", (long long)c.session);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "criteria.0.id"), c1);
    cr_assert_str_eq(it_jstr(r, "criteria.1.name"), "商业");
    cr_assert_float_eq(it_jnum(r, "criteria.0.weight"), 2, 1e-9);
    cr_assert_eq((int64_t)it_jnum(r, "entries.2.id"), e3);
    cr_assert_str_eq(it_jstr(r, "entries.2.project_title"), "项目丙");
    cr_assert_eq((int64_t)it_jnum(r, "judges.0.user_id"), jid);
    it_resp_free(r);

    char key[64];
    snprintf(key, sizeof(key), "t:lb:%lld", (long long)c.session);
    cr_assert(key_exists(key), "scoring wrote the sorted set");
    cr_assert_eq(it_sh(IT_REDIS_CLI
                       " --raw ZREVRANGE '%s' 0 0 WITHSCORES | tr '\\n' ' ' |"
                       " awk '{ exit !($1 ~ /^%lld[|]70[|.]/ && $2 > 0.999999 && $2 < 1.000001) }'",
                       key, (long long)e1),
                 0, "entry 1 tops the sorted set with z = +1 and raw 70");

    r = board(&c, c.org_token);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char *before = strdup(r->body);
    cr_assert_eq(item_entry(r, 0), e1);
    cr_assert_eq(item_entry(r, 1), e2);
    cr_assert_eq(item_entry(r, 2), e3, "unscored last");
    cr_assert_eq((int)item_num(r, 2, "judge_count"), 0);
    it_resp_free(r);

    /* Lost: rebuilt from MySQL, same answer, and written back. */
    cr_assert_eq(it_sh(IT_REDIS_CLI " DEL '%s' >/dev/null", key), 0);
    cr_assert(!key_exists(key));
    r = board(&c, c.org_token);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(r->body, before);
    it_resp_free(r);
    cr_assert(key_exists(key), "the GET rebuilt the sorted set");

    /* Stale (an older version than MySQL's): rebuilt too. */
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s:v' 0 >/dev/null", key), 0);
    cr_assert_eq(it_sh(IT_REDIS_CLI " ZADD '%s' 99 '%lld|1|1' >/dev/null", key, (long long)e3), 0);
    r = board(&c, c.org_token);
    cr_assert_str_eq(r->body, before);
    it_resp_free(r);
    free(before);
    free(j);
    contest_free(&c);
}

Test(competitions, judges_conflict_of_interest_and_score_validation)
{
    struct contest c;
    contest_new(&c, true);
    int64_t c1 = add_criterion(&c, "技术", 1, 10);
    int64_t c2 = add_criterion(&c, "市场", 1, 10);
    int64_t e1 = add_entry(&c, c.ent_token, "自有项目");
    int64_t jid;
    char *j = add_judge(&c, &jid);
    /* The entry's owner, made a judge: conflict of interest on its own entry. */
    char body[256];
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)c.ent_id);
    it_expect(fx_http(srv, "POST", c.org_token, body, "/api/v1/sessions/%lld/judges",
                      (long long)c.session),
              201, NULL, "owner as judge");
    struct it_resp *r = fx_http(srv, "POST", c.org_token, body, "/api/v1/sessions/%lld/judges",
                                (long long)c.session);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "judge_exists");
    it_resp_free(r);

    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":5,\"%lld\":6}}", (long long)c1,
             (long long)c2);
    r = fx_http(srv, "PUT", c.ent_token, body, "/api/v1/entries/%lld/scores", (long long)e1);
    cr_assert_eq(r->status, 403, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "conflict_of_interest");
    it_resp_free(r);
    char *stranger = it_user(srv, "attendee", NULL);
    r = fx_http(srv, "PUT", stranger, body, "/api/v1/entries/%lld/scores", (long long)e1);
    cr_assert_eq(r->status, 403);
    cr_assert_str_eq(it_jstr(r, "error.code"), "not_a_judge");
    it_resp_free(r);
    r = fx_http(srv, "PUT", c.org_token, body, "/api/v1/entries/%lld/scores", (long long)e1);
    cr_assert_eq(r->status, 403, "the organizer is not a judge either");
    it_resp_free(r);
    it_expect(fx_http(srv, "PUT", NULL, body, "/api/v1/entries/%lld/scores", (long long)e1), 401,
              NULL, "anonymous");
    expect_code(fx_http(srv, "PUT", j, body, "/api/v1/entries/999999999/scores"), 404,
                "entry_not_found", "unknown entry");

    char f1[32], f2[32];
    snprintf(f1, sizeof(f1), "scores.%lld", (long long)c1);
    snprintf(f2, sizeof(f2), "scores.%lld", (long long)c2);
    struct {
        char body[160];
        const char *field;
    } cases[8];
    int n = 0;
    snprintf(cases[n].body, 160, "{\"scores\":{\"%lld\":5}}", (long long)c1);
    cases[n++].field = f2; /* every criterion required */
    snprintf(cases[n].body, 160, "{\"scores\":{\"%lld\":11,\"%lld\":5}}", (long long)c1,
             (long long)c2);
    cases[n++].field = f1; /* above max_score */
    snprintf(cases[n].body, 160, "{\"scores\":{\"%lld\":-1,\"%lld\":5}}", (long long)c1,
             (long long)c2);
    cases[n++].field = f1;
    snprintf(cases[n].body, 160, "{\"scores\":{\"%lld\":\"5\",\"%lld\":5}}", (long long)c1,
             (long long)c2);
    cases[n++].field = f1;
    snprintf(cases[n].body, 160, "{\"scores\":{\"%lld\":5,\"%lld\":5,\"999999999\":1}}",
             (long long)c1, (long long)c2);
    cases[n++].field = "scores.999999999";
    snprintf(cases[n].body, 160, "{\"scores\":[5,5]}");
    cases[n++].field = "scores";
    snprintf(cases[n].body, 160, "{}");
    cases[n++].field = "scores";
    snprintf(cases[n].body, 160, "{\"scores\":{\"abc\":1}}");
    cases[n++].field = "scores.abc";
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof(what), "score case %d", i);
        it_expect(
            fx_http(srv, "PUT", j, cases[i].body, "/api/v1/entries/%lld/scores", (long long)e1),
            400, cases[i].field, what);
    }
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM competition_scores WHERE entry_id = %lld", (long long)e1),
        0, "nothing stored from bad input");
    it_expect(fx_http(srv, "PUT", j, body, "/api/v1/entries/%lld/scores", (long long)e1), 200, NULL,
              "a valid score");
    /* Criteria are fixed once scoring started. */
    r = fx_http(srv, "POST", c.org_token, "{\"name\":\"后加\",\"weight\":1,\"max_score\":5}",
                "/api/v1/sessions/%lld/criteria", (long long)c.session);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "scoring_started");
    it_resp_free(r);
    free(stranger);
    free(j);
    contest_free(&c);
}

Test(competitions, results_visible_to_others_only_once_published)
{
    struct contest c;
    contest_new(&c, true);
    int64_t crit = add_criterion(&c, "综合", 1, 100);
    int64_t e1 = add_entry(&c, c.ent_token, "发布测试项目");
    int64_t jid;
    char *j = add_judge(&c, &jid);
    cr_assert_eq(score1(j, e1, crit, 77), 200);
    char *att = it_user(srv, "attendee", NULL);
    char *other = it_organizer(srv, NULL);

    struct it_resp *r = board(&c, att);
    cr_assert_eq(r->status, 403, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "results_not_published");
    it_resp_free(r);
    r = board(&c, NULL);
    cr_assert_eq(r->status, 403);
    it_resp_free(r);
    r = board(&c, other);
    cr_assert_eq(r->status, 403, "another organizer waits too");
    it_resp_free(r);
    r = board(&c, c.org_token);
    cr_assert_eq(r->status, 200);
    cr_assert(it_jnum(r, "results_published") == 0);
    it_resp_free(r);

    it_expect(fx_http(srv, "POST", other, NULL, "/api/v1/sessions/%lld/results/publish",
                      (long long)c.session),
              403, NULL, "other organizer publishes");
    it_expect(fx_http(srv, "POST", att, NULL, "/api/v1/sessions/%lld/results/publish",
                      (long long)c.session),
              403, NULL, "attendee publishes");
    r = fx_http(srv, "POST", c.org_token, NULL, "/api/v1/sessions/%lld/results/publish",
                (long long)c.session);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld"
                            " AND action = 'results_publish'",
                            (long long)c.event),
                 1);
    r = fx_http(srv, "POST", c.org_token, NULL, "/api/v1/sessions/%lld/results/publish",
                (long long)c.session);
    cr_assert_eq(r->status, 200, "publishing again is harmless");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM audit_log WHERE event_id = %lld"
                            " AND action = 'results_publish'",
                            (long long)c.event),
                 1, "and audited once");

    r = board(&c, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(item_entry(r, 0), e1);
    cr_assert_float_eq(item_num(r, 0, "raw_mean"), 77, 1e-9);
    it_resp_free(r);
    r = board(&c, att);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    /* Scores are final after publication. */
    r = fx_http(srv, "PUT", j, "{\"scores\":{}}", "/api/v1/entries/%lld/scores", (long long)e1);
    cr_assert_eq(r->status, 400, "validation first: %s", r->body);
    it_resp_free(r);
    char body[64];
    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":1}}", (long long)crit);
    r = fx_http(srv, "PUT", j, body, "/api/v1/entries/%lld/scores", (long long)e1);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "results_published");
    it_resp_free(r);

    /* A draft event's competition is 404 to the public even when published. */
    int64_t draft = fx_event(srv, c.org_token, false);
    int64_t ds = fx_session(srv, c.org_token, draft, "competition", "X", fx_t0(), fx_t0() + 3600);
    it_expect(fx_http(srv, "POST", c.org_token, NULL, "/api/v1/sessions/%lld/results/publish",
                      (long long)ds),
              200, NULL, "results of a draft event");
    expect_code(fx_http(srv, "GET", NULL, NULL, "/api/v1/sessions/%lld/leaderboard", (long long)ds),
                404, "session_not_found", "draft event");
    expect_code(fx_http(srv, "GET", NULL, NULL, "/api/v1/sessions/%lld/competition", (long long)ds),
                404, "session_not_found", "draft event's competition");
    expect_code(fx_http(srv, "GET", NULL, NULL, "/api/v1/sessions/999999999/leaderboard"), 404,
                "session_not_found", "unknown");
    free(att);
    free(other);
    free(j);
    contest_free(&c);
}

Test(competitions, bad_input_and_authorization_on_setup_routes)
{
    struct contest c;
    contest_new(&c, true);
    char *att = it_user(srv, "attendee", NULL);
    char *other = it_organizer(srv, NULL);
    char *admin = it_admin(srv);
    int64_t pitch =
        fx_session(srv, c.org_token, c.event, "pitch", "路演厅", fx_t0(), fx_t0() + 3600);
    struct {
        const char *body, *field;
    } crit[] = {
        {"{}", "name"},
        {"{\"name\":\"\",\"weight\":1,\"max_score\":10}", "name"},
        {"{\"name\":\"x\",\"weight\":0,\"max_score\":10}", "weight"},
        {"{\"name\":\"x\",\"weight\":-1,\"max_score\":10}", "weight"},
        {"{\"name\":\"x\",\"weight\":\"1\",\"max_score\":10}", "weight"},
        {"{\"name\":\"x\",\"max_score\":10}", "weight"},
        {"{\"name\":\"x\",\"weight\":1,\"max_score\":0}", "max_score"},
        {"{\"name\":\"x\",\"weight\":1}", "max_score"},
        {"{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxx\",\"weight\":1,\"max_score\":10}",
         "name"},
        {"nope", NULL},
    };
    for (size_t i = 0; i < sizeof(crit) / sizeof(crit[0]); i++) {
        char what[32];
        snprintf(what, sizeof(what), "criteria case %zu", i);
        it_expect(fx_http(srv, "POST", c.org_token, crit[i].body, "/api/v1/sessions/%lld/criteria",
                          (long long)c.session),
                  400, crit[i].field, what);
    }
    const char *ok = "{\"name\":\"技术创新\",\"weight\":1.5,\"max_score\":10}";
    it_expect(fx_http(srv, "POST", att, ok, "/api/v1/sessions/%lld/criteria", (long long)c.session),
              403, NULL, "attendee");
    it_expect(
        fx_http(srv, "POST", other, ok, "/api/v1/sessions/%lld/criteria", (long long)c.session),
        403, NULL, "other organizer");
    it_expect(
        fx_http(srv, "POST", NULL, ok, "/api/v1/sessions/%lld/criteria", (long long)c.session), 401,
        NULL, "anonymous");
    expect_code(fx_http(srv, "POST", c.org_token, ok, "/api/v1/sessions/999999999/criteria"), 404,
                "session_not_found", "unknown session");
    /* A session of another kind has no competition to read. */
    expect_code(fx_http(srv, "GET", c.org_token, NULL, "/api/v1/sessions/%lld/leaderboard",
                        (long long)pitch),
                404, "session_not_found", "leaderboard of a pitch session");
    expect_code(fx_http(srv, "GET", c.org_token, NULL, "/api/v1/sessions/%lld/competition",
                        (long long)pitch),
                404, "session_not_found", "competition of a pitch session");
    struct it_resp *r =
        fx_http(srv, "POST", c.org_token, ok, "/api/v1/sessions/%lld/criteria", (long long)pitch);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "wrong_session_kind");
    it_resp_free(r);
    it_expect(
        fx_http(srv, "POST", admin, ok, "/api/v1/sessions/%lld/criteria", (long long)c.session),
        201, NULL, "admin");
    r = fx_http(srv, "POST", c.org_token, ok, "/api/v1/sessions/%lld/criteria",
                (long long)c.session);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "criterion_exists");
    it_resp_free(r);

    /* Entries. */
    const char *bad_entries[][2] = {{"{}", "project_id"},
                                    {"{\"project_id\":\"1\"}", "project_id"},
                                    {"{\"project_id\":-4}", "project_id"},
                                    {"{\"project_id\":999999999}", "project_id"}};
    for (size_t i = 0; i < 4; i++)
        it_expect(fx_http(srv, "POST", c.org_token, bad_entries[i][0],
                          "/api/v1/sessions/%lld/entries", (long long)c.session),
                  400, bad_entries[i][1], bad_entries[i][0]);
    int64_t project = fx_project(srv, c.ent_token, "参赛项目", NULL);
    char body[64];
    snprintf(body, sizeof(body), "{\"project_id\":%lld}", (long long)project);
    it_expect(
        fx_http(srv, "POST", other, body, "/api/v1/sessions/%lld/entries", (long long)c.session),
        403, NULL, "other organizer enters");
    it_expect(
        fx_http(srv, "POST", c.org_token, body, "/api/v1/sessions/%lld/entries", (long long)pitch),
        409, NULL, "entry in a pitch session");
    it_expect(fx_http(srv, "POST", c.org_token, body, "/api/v1/sessions/%lld/entries",
                      (long long)c.session),
              201, NULL, "entered");
    r = fx_http(srv, "POST", c.org_token, body, "/api/v1/sessions/%lld/entries",
                (long long)c.session);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "entry_exists");
    it_resp_free(r);

    /* Judges. */
    const char *bad_judges[][2] = {{"{}", "user_id"},
                                   {"{\"user_id\":true}", "user_id"},
                                   {"{\"user_id\":999999999}", "user_id"}};
    for (size_t i = 0; i < 3; i++)
        it_expect(fx_http(srv, "POST", c.org_token, bad_judges[i][0],
                          "/api/v1/sessions/%lld/judges", (long long)c.session),
                  400, bad_judges[i][1], bad_judges[i][0]);
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)c.org_id);
    it_expect(fx_http(srv, "POST", att, body, "/api/v1/sessions/%lld/judges", (long long)c.session),
              403, NULL, "attendee assigns");
    it_expect(
        fx_http(srv, "POST", c.org_token, body, "/api/v1/sessions/%lld/judges", (long long)pitch),
        409, NULL, "judge in a pitch session");

    /* Scoring with no criteria. */
    struct contest d;
    contest_new(&d, true);
    int64_t e = add_entry(&d, d.ent_token, "无标准项目");
    int64_t jid;
    char *j = add_judge(&d, &jid);
    r = fx_http(srv, "PUT", j, "{\"scores\":{}}", "/api/v1/entries/%lld/scores", (long long)e);
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "no_criteria");
    it_resp_free(r);
    free(j);
    contest_free(&d);
    free(att);
    free(other);
    free(admin);
    contest_free(&c);
}

/* Judge `judge`'s scores of entry e in a two-criterion contest (c1, c2). */
static void score2(const char *judge, int64_t e, int64_t c1, double v1, int64_t c2, double v2)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":%g,\"%lld\":%g}}", (long long)c1, v1,
             (long long)c2, v2);
    struct it_resp *r = fx_http(srv, "PUT", judge, body, "/api/v1/entries/%lld/scores", (long long)e);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
}

/* A number in a my-scores answer: items.<i>.scores.<criterion>. */
static double my_score(const struct it_resp *r, int i, int64_t crit)
{
    char path[64];
    snprintf(path, sizeof(path), "items.%d.scores.%lld", i, (long long)crit);
    return it_jnum(r, path);
}

Test(competitions, a_judge_reads_their_own_scores_and_nobody_elses)
{
    struct contest c;
    contest_new(&c, true);
    int64_t c1 = add_criterion(&c, "技术创新性", 3, 10);
    int64_t c2 = add_criterion(&c, "商业前景", 1, 5);
    int64_t e1 = add_entry(&c, c.ent_token, "工业视觉质检平台");
    int64_t e2 = add_entry(&c, c.ent_token, "大模型客服系统");
    int64_t e3 = add_entry(&c, c.ent_token, "智慧园区能源管理");
    int64_t j1, j2;
    char *judge1 = add_judge(&c, &j1), *judge2 = add_judge(&c, &j2);

    /* Before scoring: an empty list. */
    struct it_resp *r = fx_http(srv, "GET", judge1, NULL, "/api/v1/sessions/%lld/my-scores",
                                (long long)c.session);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 0, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "judge_user_id"), j1);
    it_resp_free(r);

    score2(judge1, e1, c1, 8, c2, 4);
    score2(judge1, e3, c1, 2.5, c2, 1);
    score2(judge2, e1, c1, 1, c2, 1); /* the other judge's: never shown to judge1 */
    score2(judge2, e2, c1, 9, c2, 5);
    score2(judge1, e1, c1, 7, c2, 4); /* rescored: the latest values */

    r = fx_http(srv, "GET", judge1, NULL, "/api/v1/sessions/%lld/my-scores", (long long)c.session);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 2,
                 "only the entries judge1 scored: %s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.entry_id"), e1, "by entry: %s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.1.entry_id"), e3);
    cr_assert_float_eq(my_score(r, 0, c1), 7, 1e-9, "%s", r->body);
    cr_assert_float_eq(my_score(r, 0, c2), 4, 1e-9);
    cr_assert_float_eq(my_score(r, 1, c1), 2.5, 1e-9);
    cr_assert_float_eq(my_score(r, 1, c2), 1, 1e-9);
    /* 100 * (3 * 7/10 + 1 * 4/5) / 4 = 72.5, as PUT answered. */
    cr_assert_float_eq(it_jnum(r, "items.0.weighted_total"), 72.5, 1e-9, "%s", r->body);
    cr_assert_not_null(it_jstr(r, "items.0.updated_at"));
    /* judge2's scores of e1 (1, 1) and of e2 never show: e2 is absent, e1 holds judge1's. */
    cr_assert(!cJSON_IsTrue(cJSON_GetObjectItem(r->json, "results_published")));
    it_resp_free(r);

    /* Nobody but a judge of it: not the organizer, not an attendee, not anonymous. */
    char *att = it_user(srv, "attendee", NULL);
    expect_code(fx_http(srv, "GET", c.org_token, NULL, "/api/v1/sessions/%lld/my-scores",
                        (long long)c.session),
                403, "not_a_judge", "the organizer is no judge");
    expect_code(fx_http(srv, "GET", att, NULL, "/api/v1/sessions/%lld/my-scores",
                        (long long)c.session),
                403, "not_a_judge", "an attendee");
    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/sessions/%lld/my-scores", (long long)c.session);
    it_expect(r, 401, NULL, "anonymous");
    expect_code(fx_http(srv, "GET", judge1, NULL, "/api/v1/sessions/999999999/my-scores"), 404,
                "session_not_found", "unknown session");
    int64_t forum = fx_session(srv, c.org_token, c.event, "forum", "主会场", fx_t0() - MINS(60),
                               fx_t0());
    expect_code(fx_http(srv, "GET", judge1, NULL, "/api/v1/sessions/%lld/my-scores",
                        (long long)forum),
                404, "session_not_found", "not a competition");

    /* Once published: still the judge's own scores only. */
    r = fx_http(srv, "POST", c.org_token, NULL, "/api/v1/sessions/%lld/results/publish",
                (long long)c.session);
    it_expect(r, 200, NULL, "publish");
    r = fx_http(srv, "GET", judge2, NULL, "/api/v1/sessions/%lld/my-scores", (long long)c.session);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(r->json, "results_published")));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r->json, "items")), 2, "%s", r->body);
    cr_assert_float_eq(my_score(r, 0, c1), 1, 1e-9, "judge2's own e1 score: %s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.1.entry_id"), e2);
    it_resp_free(r);
    free(att);
    free(judge1);
    free(judge2);
    contest_free(&c);
}
