/* Projects (create, read, update, close, list with filters and q) and recommendations, against a
 * real summitd, MariaDB and Redis; recommendations also across two instances. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/lib/it.h"

IT_SUITE(projects, 120);

/* POSTs a project built from the parts; returns the response (caller frees). `tags` is a JSON
 * array text; `extra` more members (",\"zone\":\"x\"") or "", placed first so that they win
 * over the defaults (cJSON keeps the first of duplicate members). */
static struct it_resp *post_project(const struct it_server *s, const char *token, int64_t org,
                                    const char *side, const char *title, const char *desc,
                                    const char *tags, const char *extra)
{
    char *body = NULL;
    cr_assert(asprintf(&body,
                       "{\"organization_id\":%lld%s,\"side\":\"%s\",\"title\":\"%s\","
                       "\"description\":\"%s\",\"sector\":\"医疗健康\",\"tags\":%s,"
                       "\"stage\":\"pilot\",\"budget_min\":500000,\"budget_max\":2000000}",
                       (long long)org, extra, side, title, desc, tags) > 0);
    struct it_resp *r = it_http(s, "POST", "/api/v1/projects", token, body, NULL);
    free(body);
    return r;
}

static int64_t make_project(const struct it_server *s, const char *token, int64_t org,
                            const char *side, const char *title, const char *desc, const char *tags,
                            const char *extra)
{
    struct it_resp *r = post_project(s, token, org, side, title, desc, tags, extra);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

/* Ids of the items of a list or recommendations response ("items.N.id" or
 * "items.N.project.id"), in order; returns how many. */
static size_t item_ids(const struct it_resp *r, bool recs, int64_t *ids, size_t max)
{
    size_t n = 0;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r->json, "items");
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (n == max)
            break;
        const cJSON *o = recs ? cJSON_GetObjectItemCaseSensitive(it, "project") : it;
        ids[n++] = (int64_t)cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble;
    }
    return n;
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* GET path, asserting 200; the ids of its items. */
static size_t list_ids(const struct it_server *s, const char *token, const char *path, bool recs,
                       int64_t *ids, size_t max)
{
    struct it_resp *r = it_http(s, "GET", path, token, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s -> %d %s", path, r->status, r->body);
    size_t n = item_ids(r, recs, ids, max);
    it_resp_free(r);
    return n;
}

Test(projects, create_get_round_trip_with_normalized_tags)
{
    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, tok, "leader", "医疗健康", "成都高新区");
    const char *title = "基于深度学习的医学影像辅助诊断 AI 平台 🚀";
    struct it_resp *r =
        post_project(srv, tok, org, "supply", title, "肺结节检测，YOLOv5 模型。\\n第二行",
                     "[\"  Machine   Vision \",\"医学影像\",\"machine vision\",\"MACHINE VISION\"]",
                     ",\"zone\":\"天府国际生物城\"");
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    char loc[128], want[128];
    snprintf(want, sizeof(want), "/api/v1/projects/%lld", (long long)id);
    cr_assert_str_eq(it_header(r, "Location", loc, sizeof(loc)), want);
    cr_assert_str_eq(it_jstr(r, "tags.0"), "machine vision");
    cr_assert_str_eq(it_jstr(r, "tags.1"), "医学影像");
    cr_assert_null(it_jstr(r, "tags.2"), "duplicates after normalization are dropped");
    it_resp_free(r);

    r = it_http(srv, "GET", want, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "title"), title);
    cr_assert(memmem(r->body, r->body_len, title, strlen(title)), "bytes round-trip unescaped");
    cr_assert_str_eq(it_jstr(r, "description"), "肺结节检测，YOLOv5 模型。\n第二行");
    cr_assert_str_eq(it_jstr(r, "side"), "supply");
    cr_assert_str_eq(it_jstr(r, "stage"), "pilot");
    cr_assert_str_eq(it_jstr(r, "status"), "open");
    /* Chinese names are taken and stored as the vocabulary's codes. */
    cr_assert_str_eq(it_jstr(r, "zone"), "tianfu_biotown");
    cr_assert_str_eq(it_jstr(r, "sector"), "healthcare");
    cr_assert_eq((int64_t)it_jnum(r, "budget_min"), 500000);
    cr_assert_eq((int64_t)it_jnum(r, "budget_max"), 2000000);
    cr_assert_eq((int64_t)it_jnum(r, "organization.id"), org);
    cr_assert_str_eq(it_jstr(r, "organization.tier"), "leader");
    cr_assert_not_null(strstr(it_jstr(r, "organization.name"), "测试企业"));
    cr_assert_not_null(it_jstr(r, "created_at"));
    it_resp_free(r);

    /* Stored state: one project_tags row per distinct tag, terms for title and description. */
    char *v = it_sql("SELECT COUNT(*) FROM project_tags WHERE project_id = %lld", (long long)id);
    cr_assert_str_eq(v, "2");
    free(v);
    v = it_sql("SELECT COUNT(*) FROM project_terms WHERE project_id = %lld AND term IN "
               "('医学', '影像', 'yolov5', '结节')",
               (long long)id);
    cr_assert_str_eq(v, "4");
    free(v);

    /* An unknown project is project_not_found on every route of one. */
    static const char *const missing[][2] = {
        {"GET", "/api/v1/projects/999999999"},
        {"PATCH", "/api/v1/projects/999999999"},
        {"DELETE", "/api/v1/projects/999999999"},
        {"GET", "/api/v1/projects/999999999/recommendations"},
    };
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        bool patch = strcmp(missing[i][0], "PATCH") == 0;
        r = it_http(srv, missing[i][0], missing[i][1], tok, patch ? "{\"title\":\"t\"}" : NULL,
                    NULL);
        cr_assert_eq(r->status, 404, "%s %s: %s", missing[i][0], missing[i][1], r->body);
        cr_assert_str_eq(it_jstr(r, "error.code"), "project_not_found", "%s %s", missing[i][0],
                         missing[i][1]);
        it_resp_free(r);
    }
    free(tok);
}

/* Terms are written in chunks of one statement shape (the last one padded with repeats): 70
 * distinct words are 32 + 32 + 6 rows, every one indexed (the row is the primary key). */
Test(projects, every_term_of_a_long_text_is_indexed_once)
{
    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, tok, "seed", "医疗健康", "成都高新区");
    char desc[1024] = "", w[16];
    for (int i = 0; i < 70; i++) {
        snprintf(w, sizeof(w), "%szq%02d", i ? " " : "", i);
        strcat(desc, w);
    }
    int64_t id = make_project(srv, tok, org, "supply", "zqtitle", desc, "[\"zqtag\"]", "");
    cr_assert_eq(
        it_sql_i64("SELECT COUNT(*) FROM project_terms WHERE project_id = %lld", (long long)id), 71,
        "the title's word and 70 of the description");
    char p[128];
    snprintf(p, sizeof(p), "/api/v1/projects?q=zq69&organization_id=%lld", (long long)org);
    int64_t ids[4];
    cr_assert_eq(list_ids(srv, NULL, p, false, ids, 4), 1, "the last word, in the padded chunk");
    cr_assert_eq(ids[0], id);
    free(tok);
}

Test(projects, every_bad_input_is_a_400_naming_the_field)
{
    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, tok, "seed", "医疗健康", "成都高新区");
    char long_title[260], long_desc[5100], long_tag[64];
    memset(long_title, 'a', 201);
    long_title[201] = '\0';
    memset(long_desc, 'b', 5001);
    long_desc[5001] = '\0';
    memset(long_tag, 'c', 33);
    long_tag[33] = '\0';
    char tags21[512] = "[";
    for (int i = 0; i < 21; i++)
        snprintf(tags21 + strlen(tags21), sizeof(tags21) - strlen(tags21), "%s\"t%d\"",
                 i ? "," : "", i);
    strcat(tags21, "]");
    char tag33[128];
    snprintf(tag33, sizeof(tag33), "[\"%s\"]", long_tag);
    char *ok_tags = "[\"机器视觉\"]";
    struct {
        const char *side, *title, *desc, *tags, *extra, *field;
    } cases[] = {
        {"both", "t", "", ok_tags, "", "side"},
        {"supply", "", "", ok_tags, "", "title"},
        {"supply", long_title, "", ok_tags, "", "title"},
        {"supply", "t", long_desc, ok_tags, "", "description"},
        {"supply", "bad \xff\xfe utf8", "", ok_tags, "", "title"},
        {"supply", "t", "bad \xc3\x28 utf8", ok_tags, "", "description"},
        {"supply", "t", "", "[\"ok\",\"\xed\xa0\x80\"]", "", "tags"},
        {"supply", "t", "", "[]", "", "tags"},
        {"supply", "t", "", tags21, "", "tags"},
        {"supply", "t", "", tag33, "", "tags"},
        {"supply", "t", "", "[\"   \"]", "", "tags"},
        {"supply", "t", "", "[1]", "", "tags"},
        {"supply", "t", "", "\"机器视觉\"", "", "tags"},
        {"supply", "t", "", ok_tags, ",\"stage\":\"mass\"", "stage"},
        {"supply", "t", "", ok_tags, ",\"budget_min\":-1", "budget_min"},
        {"supply", "t", "", ok_tags, ",\"budget_max\":1.5", "budget_max"},
        {"supply", "t", "", ok_tags, ",\"budget_min\":3000000", "budget_max"},
        {"supply", "t", "", ok_tags, ",\"zone\":7", "zone"},
        {"supply", "t", "", ok_tags, ",\"sector\":\"\"", "sector"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* cJSON keeps the first of duplicate members, so a case that sets a member leaves out
         * its default. */
        char *body = NULL;
        bool override_stage = strstr(cases[i].extra, "\"stage\"") != NULL;
        bool override_budget = strstr(cases[i].extra, "budget_max") == NULL;
        bool override_sector = strstr(cases[i].extra, "sector") != NULL;
        cr_assert(asprintf(&body,
                           "{\"organization_id\":%lld,\"side\":\"%s\",\"title\":\"%s\","
                           "\"description\":\"%s\",%s\"tags\":%s%s%s%s}",
                           (long long)org, cases[i].side, cases[i].title, cases[i].desc,
                           override_sector ? "" : "\"sector\":\"医疗健康\",", cases[i].tags,
                           override_stage ? "" : ",\"stage\":\"pilot\"",
                           override_budget ? ",\"budget_max\":2000000" : "", cases[i].extra) > 0);
        struct it_resp *r = it_http(srv, "POST", "/api/v1/projects", tok, body, NULL);
        cr_assert_eq(r->status, 400, "case %zu (%s): %d %s", i, cases[i].field, r->status, r->body);
        cr_assert_str_eq(it_jstr(r, "error.code"), "validation_failed", "case %zu", i);
        cr_assert_str_eq(it_jstr(r, "error.field"), cases[i].field, "case %zu: %s", i, r->body);
        it_resp_free(r);
        free(body);
    }
    /* Missing required members, and an organization that does not exist. */
    const char *missing[][2] = {
        {"{\"side\":\"supply\",\"title\":\"t\",\"sector\":\"ai\",\"tags\":[\"a\"],\"stage\":"
         "\"idea\"}",
         "organization_id"},
        {"{\"organization_id\":999999999,\"side\":\"supply\",\"title\":\"t\",\"sector\":\"ai\","
         "\"tags\":[\"a\"],\"stage\":\"idea\"}",
         "organization_id"},
    };
    for (size_t i = 0; i < 2; i++) {
        struct it_resp *r = it_http(srv, "POST", "/api/v1/projects", tok, missing[i][0], NULL);
        cr_assert_eq(r->status, 400, "%s", r->body);
        cr_assert_str_eq(it_jstr(r, "error.field"), missing[i][1]);
        it_resp_free(r);
    }
    char body[512];
    const char *fields[] = {"side", "title", "sector", "tags", "stage"};
    for (size_t i = 0; i < 5; i++) {
        /* The full body minus one required member. */
        snprintf(body, sizeof(body), "{\"organization_id\":%lld%s%s%s%s%s}", (long long)org,
                 i == 0 ? "" : ",\"side\":\"demand\"", i == 1 ? "" : ",\"title\":\"t\"",
                 i == 2 ? "" : ",\"sector\":\"ai\"", i == 3 ? "" : ",\"tags\":[\"a\"]",
                 i == 4 ? "" : ",\"stage\":\"idea\"");
        struct it_resp *r = it_http(srv, "POST", "/api/v1/projects", tok, body, NULL);
        cr_assert_eq(r->status, 400, "%s", r->body);
        cr_assert_str_eq(it_jstr(r, "error.field"), fields[i], "%s", r->body);
        it_resp_free(r);
    }
    struct it_resp *r = it_http(srv, "POST", "/api/v1/projects", tok, "[1,2]", NULL);
    cr_assert_eq(r->status, 400);
    it_resp_free(r);
    /* Nothing of the refused bodies was stored. */
    char *v = it_sql("SELECT COUNT(*) FROM projects WHERE org_id = %lld", (long long)org);
    cr_assert_str_eq(v, "0");
    free(v);

    /* Query parameters of the list are validated too. */
    const char *bad_q[][2] = {{"/api/v1/projects?side=both", "side"},
                              {"/api/v1/projects?stage=x", "stage"},
                              {"/api/v1/projects?limit=0", "limit"},
                              {"/api/v1/projects?limit=101", "limit"},
                              {"/api/v1/projects?cursor=abc", "cursor"},
                              /* a cursor is opaque: an id is none */
                              {"/api/v1/projects?cursor=12", "cursor"},
                              {"/api/v1/projects?organization_id=x", "organization_id"},
                              {"/api/v1/projects?q=%FF%FE", "q"},
                              {"/api/v1/projects?tag=%20%20", "tag"}};
    for (size_t i = 0; i < sizeof(bad_q) / sizeof(bad_q[0]); i++) {
        r = it_http(srv, "GET", bad_q[i][0], NULL, NULL, NULL);
        cr_assert_eq(r->status, 400, "%s: %s", bad_q[i][0], r->body);
        cr_assert_str_eq(it_jstr(r, "error.field"), bad_q[i][1], "%s", bad_q[i][0]);
        it_resp_free(r);
    }
    free(tok);
}

Test(projects, only_members_edit_or_close)
{
    char *owner = it_user(srv, "enterprise", NULL);
    char *other = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, owner, "innovative", "医疗健康", "成都高新区");
    int64_t other_org = it_org(srv, other, "seed", "医疗健康", "成都高新区");
    char *tags = "[\"车联网\"]";

    /* Publishing for someone else's organization. */
    struct it_resp *r = post_project(srv, other, org, "supply", "t", "", tags, "");
    cr_assert_eq(r->status, 403, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "not_member");
    it_resp_free(r);
    r = post_project(srv, NULL, org, "supply", "t", "", tags, "");
    cr_assert_eq(r->status, 401);
    it_resp_free(r);

    int64_t id = make_project(srv, owner, org, "supply", "车路协同感知", "", tags, "");
    (void)other_org;
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)id);
    r = it_http(srv, "PATCH", path, other, "{\"title\":\"hijacked\"}", NULL);
    cr_assert_eq(r->status, 403);
    it_resp_free(r);
    r = it_http(srv, "DELETE", path, other, NULL, NULL);
    cr_assert_eq(r->status, 403);
    it_resp_free(r);
    r = it_http(srv, "PATCH", path, NULL, "{\"title\":\"hijacked\"}", NULL);
    cr_assert_eq(r->status, 401);
    it_resp_free(r);
    char *admin = it_admin(srv);
    r = it_http(srv, "PATCH", path, admin, "{\"title\":\"moderated\"}", NULL);
    cr_assert_eq(r->status, 403, "an admin is no member: it may close, not edit");
    it_resp_free(r);

    r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "title"), "车路协同感知");
    cr_assert_str_eq(it_jstr(r, "status"), "open");
    it_resp_free(r);

    /* A member added later may edit. */
    int64_t uid;
    char *colleague = it_user(srv, "enterprise", &uid);
    it_join(srv, owner, org, colleague, uid);
    r = it_http(srv, "PATCH", path, colleague, "{\"title\":\"车路协同感知 2.0\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "title"), "车路协同感知 2.0");
    it_resp_free(r);
    free(owner);
    free(other);
    free(admin);
    free(colleague);
}

Test(projects, patch_is_partial_revalidates_and_reindexes)
{
    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, tok, "leader", "医疗健康", "成都高新区");
    char old_word[64], new_word[64], tag[64], tags[128];
    it_unique(old_word, sizeof(old_word), "oldw");
    it_unique(new_word, sizeof(new_word), "neww");
    it_unique(tag, sizeof(tag), "tg");
    snprintf(tags, sizeof(tags), "[\"%s\",\"智能语音\"]", tag);
    char title[128];
    snprintf(title, sizeof(title), "语音客服 %s", old_word);
    int64_t id = make_project(srv, tok, org, "demand", title, "呼叫中心", tags, "");
    char path[64], qpath[256];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)id);
    int64_t ids[100];

    /* Budget re-validated against the stored other end (budget_max is 2000000). */
    struct it_resp *r = it_http(srv, "PATCH", path, tok, "{\"budget_min\":3000000}", NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "budget_max");
    it_resp_free(r);
    r = it_http(srv, "PATCH", path, tok, "{\"side\":\"supply\"}", NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.field"), "side");
    it_resp_free(r);
    r = it_http(srv, "PATCH", path, tok, "{\"tags\":[]}", NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.field"), "tags");
    it_resp_free(r);
    r = it_http(srv, "PATCH", path, tok, "{\"title\":\"\\u0001\"}", NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.field"), "title");
    it_resp_free(r);

    char body[512];
    snprintf(
        body, sizeof(body),
        "{\"title\":\"语音客服 %s\",\"tags\":[\"%s\",\"自然语言处理\"],\"stage\":\"production\"}",
        new_word, tag);
    r = it_http(srv, "PATCH", path, tok, body, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "tags.1"), "自然语言处理");
    cr_assert_str_eq(it_jstr(r, "stage"), "production");
    cr_assert_str_eq(it_jstr(r, "description"), "呼叫中心", "untouched fields stay");
    cr_assert_eq((int64_t)it_jnum(r, "budget_max"), 2000000);
    it_resp_free(r);

    snprintf(qpath, sizeof(qpath), "/api/v1/projects?q=%s", new_word);
    cr_assert_eq(list_ids(srv, NULL, qpath, false, ids, 100), 1);
    cr_assert_eq(ids[0], id);
    snprintf(qpath, sizeof(qpath), "/api/v1/projects?q=%s", old_word);
    cr_assert_eq(list_ids(srv, NULL, qpath, false, ids, 100), 0, "old terms are gone");
    snprintf(qpath, sizeof(qpath), "/api/v1/projects?tag=%s&q=%%E5%%91%%BC%%E5%%8F%%AB", tag);
    cr_assert_eq(list_ids(srv, NULL, qpath, false, ids, 100), 1, "呼叫 (description) kept");
    char *v = it_sql("SELECT GROUP_CONCAT(tag ORDER BY tag) FROM project_tags "
                     "WHERE project_id = %lld",
                     (long long)id);
    char want[160];
    snprintf(want, sizeof(want), "%s,自然语言处理", tag);
    cr_assert_str_eq(v, want, "tag rows rewritten");
    free(v);

    /* Closed: no more edits; the close itself is idempotent. */
    r = it_http(srv, "DELETE", path, tok, NULL, NULL);
    cr_assert_eq(r->status, 204);
    it_resp_free(r);
    r = it_http(srv, "DELETE", path, tok, NULL, NULL);
    cr_assert_eq(r->status, 204);
    it_resp_free(r);
    r = it_http(srv, "PATCH", path, tok, "{\"title\":\"again\"}", NULL);
    cr_assert_eq(r->status, 409);
    cr_assert_str_eq(it_jstr(r, "error.code"), "project_closed");
    it_resp_free(r);
    r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "status"), "closed");
    it_resp_free(r);
    snprintf(qpath, sizeof(qpath), "/api/v1/projects?q=%s", new_word);
    cr_assert_eq(list_ids(srv, NULL, qpath, false, ids, 100), 0, "closed projects leave lists");
    free(tok);
}

Test(projects, list_filters_q_and_paging)
{
    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, tok, "leader", "医疗健康", "成都高新区");
    int64_t org2 = it_org(srv, tok, "seed", "医疗健康", "成都高新区");
    char tag[64], word[64], tags[160];
    it_unique(tag, sizeof(tag), "lf");
    it_unique(word, sizeof(word), "Kw");
    snprintf(tags, sizeof(tags), "[\"%s\",\"医学影像\"]", tag);
    char desc[256];
    snprintf(desc, sizeof(desc), "基于 YOLOv5 的肺结节检测 %s", word);
    int64_t a = make_project(srv, tok, org, "supply", "医学影像辅助诊断平台", desc, tags,
                             ",\"zone\":\"天府国际生物城\"");
    int64_t b = make_project(srv, tok, org, "demand", "医院需要影像质控", "三甲医院 PACS 对接",
                             tags, ",\"zone\":\"成都高新区\",\"stage\":\"idea\"");
    int64_t c = make_project(srv, tok, org2, "supply", "工业互联网平台", "Industrial IoT platform",
                             tags, ",\"sector\":\"智能制造\"");
    int64_t ids[100];
    char p[512];
#define LIST(fmt, ...)                                                                             \
    (snprintf(p, sizeof(p), fmt, __VA_ARGS__), list_ids(srv, NULL, p, false, ids, 100))

    cr_assert_eq(LIST("/api/v1/projects?tag=%s", tag), 3);
    cr_assert(ids[0] == c && ids[1] == b && ids[2] == a, "newest first");
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&side=supply", tag), 2);
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&side=demand", tag), 1);
    cr_assert_eq(ids[0], b);
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&stage=idea", tag), 1);
    cr_assert_eq(ids[0], b);
    cr_assert_eq(
        LIST("/api/v1/projects?tag=%s&sector=%%E6%%99%%BA%%E8%%83%%BD%%E5%%88%%B6%%E9%%80%%A0",
             tag),
        1, "sector 智能制造");
    cr_assert_eq(ids[0], c);
    cr_assert_eq(
        LIST("/api/v1/"
             "projects?tag=%s&zone=%%E6%%88%%90%%E9%%83%%BD%%E9%%AB%%98%%E6%%96%%B0%%E5%%8C%%BA",
             tag),
        1, "zone 成都高新区");
    cr_assert_eq(ids[0], b);
    cr_assert_eq(LIST("/api/v1/projects?organization_id=%lld", (long long)org2), 1);
    cr_assert_eq(ids[0], c);
    /* The tag filter normalizes like the tags do. */
    char upper[64];
    snprintf(upper, sizeof(upper), "%s", tag);
    for (char *s = upper; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 32);
    cr_assert_eq(LIST("/api/v1/projects?tag=%%20%s%%20", upper), 3);

    /* q: Chinese words (bigrams), English words (case-folded), all tokens required. */
    cr_assert_eq(
        LIST("/api/v1/projects?tag=%s&q=%%E5%%8C%%BB%%E5%%AD%%A6%%E5%%BD%%B1%%E5%%83%%8F", tag), 1,
        "医学影像 in a title");
    cr_assert_eq(ids[0], a);
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&q=%%E5%%BD%%B1%%E5%%83%%8F", tag), 2, "影像");
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&q=yolov5", tag), 1);
    cr_assert_eq(ids[0], a);
    cr_assert_eq(LIST("/api/v1/projects?q=%s", word), 1, "a unique word, any case");
    cr_assert_eq(ids[0], a);
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&q=INDUSTRIAL+iot", tag), 1);
    cr_assert_eq(ids[0], c);
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&q=industrial+%%E5%%8C%%BB%%E5%%AD%%A6", tag), 0,
                 "every token must be present");
    cr_assert_eq(LIST("/api/v1/projects?tag=%s&q=%%21%%3F", tag), 0, "punctuation only");

    /* Paging: limit 1, then follow next_cursor. */
    snprintf(p, sizeof(p), "/api/v1/projects?tag=%s&limit=2", tag);
    struct it_resp *r = it_http(srv, "GET", p, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(item_ids(r, false, ids, 100), 2);
    cr_assert_eq(ids[1], b);
    char cursor[32];
    snprintf(cursor, sizeof(cursor), "%s", it_jstr(r, "next_cursor"));
    it_resp_free(r);
    snprintf(p, sizeof(p), "/api/v1/projects?tag=%s&limit=2&cursor=%s", tag, cursor);
    r = it_http(srv, "GET", p, NULL, NULL, NULL);
    cr_assert_eq(item_ids(r, false, ids, 100), 1);
    cr_assert_eq(ids[0], a);
    cr_assert_null(it_jstr(r, "next_cursor"), "%s", r->body);
    it_resp_free(r);
#undef LIST
    free(tok);
}

/* ---------------------------------------------------------------------------------------- */
/* Recommendations                                                                          */

struct rec_wait {
    const struct it_server *s;
    const char *token;
    int64_t project, want;
    bool present; /* wait until want is present (true) or absent (false) */
};

static bool rec_cond(void *arg)
{
    struct rec_wait *w = arg;
    char p[128];
    snprintf(p, sizeof(p), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)w->project);
    struct it_resp *r = it_http(w->s, "GET", p, w->token, NULL, NULL);
    bool ok = false;
    if (r->status == 200) {
        int64_t ids[100];
        size_t n = item_ids(r, true, ids, 100);
        ok = has_id(ids, n, w->want) == w->present;
    }
    it_resp_free(r);
    return ok;
}

/* A supply and a demand project of two organizations that belong together: shared rare tags,
 * same sector and zone, overlapping budgets, close wording. */
struct pair {
    char *tok_s, *tok_d;
    int64_t org_s, org_d, sup, dem;
    char tag[64];
};

static void make_pair(const struct it_server *s_sup, const struct it_server *s_dem, struct pair *p)
{
    p->tok_s = it_user(s_sup, "enterprise", NULL);
    p->tok_d = it_user(s_dem, "enterprise", NULL);
    p->org_s = it_org(s_sup, p->tok_s, "leader", "医疗健康", "成都高新区");
    p->org_d = it_org(s_dem, p->tok_d, "innovative", "医疗健康", "成都高新区");
    it_unique(p->tag, sizeof(p->tag), "rt");
    char tags[160], desc[256];
    snprintf(tags, sizeof(tags), "[\"%s\",\"医学影像\",\"机器视觉\"]", p->tag);
    snprintf(desc, sizeof(desc), "肺结节 CT 影像智能筛查 %s", p->tag);
    p->dem = make_project(s_dem, p->tok_d, p->org_d, "demand", "医院需要肺结节影像智能筛查", desc,
                          tags, ",\"zone\":\"天府国际生物城\"");
    p->sup = make_project(s_sup, p->tok_s, p->org_s, "supply", "肺结节影像智能筛查系统", desc, tags,
                          ",\"zone\":\"天府国际生物城\"");
}

static void free_pair(struct pair *p)
{
    free(p->tok_s);
    free(p->tok_d);
}

Test(projects, created_on_a_shows_in_recommendations_on_b_within_a_second)
{
    struct it_server *b = it_start(NULL);
    struct pair p;
    /* The demand exists first; the supply is created on instance A (srv) and must reach the
     * demand's recommendations served by instance B. */
    make_pair(srv, b, &p);
    struct rec_wait w = {b, p.tok_d, p.dem, p.sup, true};
    int64_t t0 = it_now_ms();
    cr_assert(it_wait(rec_cond, &w, 2000), "supply %lld not recommended on B within 2 s",
              (long long)p.sup);
    int64_t took = it_now_ms() - t0;
    cr_log_info("cross-instance recommendation visible after %lld ms", (long long)took);

    /* Best first, with reasons a person reads: the shared tags named. */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=5", (long long)p.dem);
    struct it_resp *r = it_http(b, "GET", path, p.tok_d, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.project.id"), p.sup, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "items.0.project.side"), "supply");
    cr_assert_eq((int64_t)it_jnum(r, "items.0.project.organization.id"), p.org_s);
    cr_assert_str_eq(it_jstr(r, "items.0.project.organization.tier"), "leader");
    cr_assert_gt(it_jnum(r, "items.0.score"), 0.5);
    cr_assert_str_eq(it_jstr(r, "lang"), "zh");
    cr_assert_float_eq(it_jnum(r, "score_max"), 1.0, 1e-9, "the scale of score: 0..score_max");
    cr_assert_str_eq(it_jstr(r, "items.0.reasons.0.code"), "shared_tags");
    const char *reason = it_jstr(r, "items.0.reasons.0.text");
    cr_assert_not_null(reason, "%s", r->body);
    cr_assert(strstr(reason, "共同技术标签") && strstr(reason, p.tag) && strstr(reason, "医学影像"),
              "first reason names the shared tags: %s", reason);
    cr_assert(strstr(r->body, "同一行业: 医疗健康"), "%s", r->body);
    for (int i = 0; it_jstr(r, "items.0.reasons.0.text") && i < 5; i++) {
        char k[32];
        snprintf(k, sizeof(k), "items.%d.project.side", i);
        if (it_jstr(r, k))
            cr_assert_str_eq(it_jstr(r, k), "supply", "only the opposite side");
    }
    it_resp_free(r);

    /* English by Accept-Language or ?lang=. */
    r = it_http(b, "GET", path, p.tok_d, NULL, "Accept-Language: en-GB,en;q=0.9,zh;q=0.5\r\n");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "lang"), "en");
    cr_assert(strstr(it_jstr(r, "items.0.reasons.0.text"), "shared tags: "), "%s", r->body);
    cr_assert(strstr(r->body, "same sector: Healthcare"), "%s", r->body);
    cr_assert(strstr(r->body, "budget overlap CNY "), "%s", r->body);
    for (int i = 0; i < 8; i++) {
        char k[48];
        snprintf(k, sizeof(k), "items.0.reasons.%d.text", i);
        if (it_jstr(r, k))
            cr_assert_null(strstr(it_jstr(r, k), "万"), "no 万 in English: %s", it_jstr(r, k));
    }
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?lang=en", (long long)p.dem);
    r = it_http(srv, "GET", path, p.tok_d, NULL, "Accept-Language: zh-CN\r\n");
    cr_assert_str_eq(it_jstr(r, "lang"), "en");
    it_resp_free(r);

    /* And the other direction on A: the supply sees the demand. */
    struct rec_wait w2 = {srv, p.tok_s, p.sup, p.dem, true};
    cr_assert(it_wait(rec_cond, &w2, 2000));

    /* Closed on B -> gone from A's and B's recommendations within a second. */
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)p.sup);
    r = it_http(b, "DELETE", path, p.tok_s, NULL, NULL);
    cr_assert_eq(r->status, 204);
    it_resp_free(r);
    struct rec_wait gone_a = {srv, p.tok_d, p.dem, p.sup, false};
    struct rec_wait gone_b = {b, p.tok_d, p.dem, p.sup, false};
    cr_assert(it_wait(rec_cond, &gone_a, 2000), "closed project still recommended on A");
    cr_assert(it_wait(rec_cond, &gone_b, 2000), "closed project still recommended on B");
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations", (long long)p.sup);
    r = it_http(srv, "GET", path, p.tok_s, NULL, NULL);
    cr_assert_eq(r->status, 409, "a closed project gets none: %s", r->body);
    it_resp_free(r);
    free_pair(&p);
    cr_assert_eq(it_stop(b), 0);
}

/* A project that no instance announced (written straight to MySQL, as a missed pub/sub message
 * would leave it) still reaches the index: the sync thread polls updated_at every second. */
Test(projects, an_unannounced_project_arrives_by_polling)
{
    struct pair p;
    make_pair(srv, srv, &p);
    int64_t id = it_sql_i64(
        "INSERT INTO projects (org_id, side, title, description, sector, zone, tags, budget_min,"
        " budget_max, stage, status, created_by, created_at, updated_at)"
        " VALUES (%lld, 'supply', '肺结节影像筛查云平台', '肺结节 CT 影像智能筛查 %s', '医疗健康',"
        " '天府国际生物城', '[\"%s\",\"医学影像\"]', 0, 0, 'pilot', 'open', 1,"
        " UTC_TIMESTAMP(), UTC_TIMESTAMP()); SELECT LAST_INSERT_ID();",
        (long long)p.org_s, p.tag, p.tag);
    cr_assert_gt(id, 0);
    struct rec_wait w = {srv, p.tok_d, p.dem, id, true};
    int64_t t0 = it_now_ms();
    cr_assert(it_wait(rec_cond, &w, 5000),
              "a project written behind the server's back is not recommended after 5 s");
    cr_log_info("unannounced project picked up after %lld ms", (long long)(it_now_ms() - t0));
    free_pair(&p);
}

Test(projects, a_change_moves_the_ranking_on_another_instance)
{
    struct it_server *b = it_start(NULL);
    struct pair p;
    make_pair(srv, srv, &p);
    struct rec_wait w = {b, p.tok_d, p.dem, p.sup, true};
    cr_assert(it_wait(rec_cond, &w, 2000));
    /* PATCH on A to another sector, zone, tags and wording: on B the supply must drop from the
     * top of the demand's recommendations, or at least score lower. */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)p.dem);
    struct it_resp *r = it_http(b, "GET", path, p.tok_d, NULL, NULL);
    double before = it_jnum(r, "items.0.score");
    cr_assert_eq((int64_t)it_jnum(r, "items.0.project.id"), p.sup);
    it_resp_free(r);
    char ppath[64];
    snprintf(ppath, sizeof(ppath), "/api/v1/projects/%lld", (long long)p.sup);
    r = it_http(srv, "PATCH", ppath, p.tok_s,
                "{\"title\":\"Drone logistics\",\"description\":\"warehouse delivery\","
                "\"sector\":\"交通物流\",\"zone\":\"龙泉驿区\",\"tags\":[\"无人机\"]}",
                NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);
    int64_t deadline = it_now_ms() + 2000;
    bool moved = false;
    while (!moved && it_now_ms() < deadline) {
        r = it_http(b, "GET", path, p.tok_d, NULL, NULL);
        moved = (int64_t)it_jnum(r, "items.0.project.id") != p.sup;
        for (int i = 0; !moved && i < 100; i++) {
            char k[48];
            snprintf(k, sizeof(k), "items.%d.project.id", i);
            if ((int64_t)it_jnum(r, k) == p.sup) {
                snprintf(k, sizeof(k), "items.%d.score", i);
                moved = it_jnum(r, k) < before;
            }
        }
        it_resp_free(r);
    }
    cr_assert(moved, "the change did not reach instance B within 2 s");
    free_pair(&p);
    cr_assert_eq(it_stop(b), 0);
}

/* The factors of every item of a recommendations reply: all six, in the documented order, each
 * in [0, weight], summing to the item's score within 1e-9; each reason carries its factor's
 * contribution. Returns the contribution of factor `code` of the item for project `want`
 * (-1 when it is absent). */
static double check_contributions(const struct it_resp *r, int64_t want, const char *code)
{
    static const char *const order[] = {"shared_tags", "similar_text",   "same_sector",
                                        "same_zone",   "budget_overlap", "stage_fit"};
    double found = -1;
    size_t nitems = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->json, "items"))
    {
        nitems++;
        double score = cJSON_GetObjectItemCaseSensitive(it, "score")->valuedouble;
        const cJSON *project = cJSON_GetObjectItemCaseSensitive(it, "project");
        int64_t id = (int64_t)cJSON_GetObjectItemCaseSensitive(project, "id")->valuedouble;
        const cJSON *factors = cJSON_GetObjectItemCaseSensitive(it, "factors");
        cr_assert_eq(cJSON_GetArraySize(factors), 6, "%s", r->body);
        double sum = 0, wsum = 0;
        for (int i = 0; i < 6; i++) {
            const cJSON *f = cJSON_GetArrayItem(factors, i);
            const char *c = cJSON_GetObjectItemCaseSensitive(f, "code")->valuestring;
            double w = cJSON_GetObjectItemCaseSensitive(f, "weight")->valuedouble;
            double x = cJSON_GetObjectItemCaseSensitive(f, "contribution")->valuedouble;
            cr_assert_str_eq(c, order[i]);
            cr_assert(x >= 0 && x <= w, "%s: %.17g of %.17g", c, x, w);
            sum += x;
            wsum += w;
            if (id == want && strcmp(c, code) == 0)
                found = x;
        }
        cr_assert(fabs(sum - score) <= 1e-9, "factors sum to %.17g, score %.17g", sum, score);
        cr_assert(fabs(wsum - it_jnum(r, "score_max")) <= 1e-4, "weights %.9g", wsum);
        const cJSON *reason;
        cJSON_ArrayForEach(reason, cJSON_GetObjectItemCaseSensitive(it, "reasons"))
        {
            const char *c = cJSON_GetObjectItemCaseSensitive(reason, "code")->valuestring;
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(reason, "contribution");
            cr_assert(cJSON_IsNumber(x), "reason %s without contribution", c);
            bool matched = false;
            for (int i = 0; i < 6; i++) {
                const cJSON *f = cJSON_GetArrayItem(factors, i);
                if (strcmp(cJSON_GetObjectItemCaseSensitive(f, "code")->valuestring, c) == 0) {
                    matched = true;
                    cr_assert_eq(x->valuedouble,
                                 cJSON_GetObjectItemCaseSensitive(f, "contribution")->valuedouble,
                                 "reason %s", c);
                }
            }
            /* exposure_limited (a project held back by its exposure budget) explains the
             * position, not the score: it has no factor and contributes 0 */
            if (strcmp(c, "exposure_limited") == 0)
                cr_assert_eq(x->valuedouble, 0.0);
            else
                cr_assert(matched, "reason %s has a factor", c);
        }
    }
    cr_assert_gt(nitems, 0, "%s", r->body);
    return found;
}

Test(projects, recommendation_factors_sum_to_the_score)
{
    struct pair p;
    make_pair(srv, srv, &p);
    struct rec_wait w = {srv, p.tok_d, p.dem, p.sup, true};
    cr_assert(it_wait(rec_cond, &w, 2000));
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)p.dem);
    struct it_resp *r = it_http(srv, "GET", path, p.tok_d, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_float_eq(check_contributions(r, p.sup, "same_sector"), 0.1, 1e-4,
                       "the pair's sector counts its whole weight: %s", r->body);
    cr_assert_gt(check_contributions(r, p.sup, "shared_tags"), 0);
    it_resp_free(r);

    /* An instance that weighs sectors 0: the same pair, the sector contributing nothing (the
     * reason is still true and listed, with 0), and the factors still summing to the score. */
    const char *sets[] = {"match_weight_sector=0", NULL};
    struct it_server *b = it_start(sets);
    struct rec_wait wb = {b, p.tok_d, p.dem, p.sup, true};
    cr_assert(it_wait(rec_cond, &wb, 2000));
    r = it_http(b, "GET", path, p.tok_d, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_float_eq(it_jnum(r, "score_max"), 0.9, 1e-9);
    cr_assert_eq(check_contributions(r, p.sup, "same_sector"), 0.0, "%s", r->body);
    cr_assert(strstr(r->body, "\"code\":\"same_sector\",\"params\""), "%s", r->body);
    it_resp_free(r);
    free_pair(&p);
    cr_assert_eq(it_stop(b), 0);
}

Test(projects, recommendations_authorization_and_parameters)
{
    struct pair p;
    make_pair(srv, srv, &p);
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations", (long long)p.dem);
    struct it_resp *r = it_http(srv, "GET", path, p.tok_s, NULL, NULL);
    cr_assert_eq(r->status, 403, "not a member of the demand's organization");
    it_resp_free(r);
    r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_eq(r->status, 401);
    it_resp_free(r);
    char *admin = it_admin(srv);
    r = it_http(srv, "GET", path, admin, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    int64_t ids[100];
    size_t n = item_ids(r, true, ids, 100);
    cr_assert_leq(n, 10, "default limit 10");
    cr_assert(has_id(ids, n, p.sup));
    it_resp_free(r);
    const char *bad[][2] = {{"?limit=0", "limit"},
                            {"?limit=101", "limit"},
                            {"?limit=x", "limit"},
                            {"?lang=fr", "lang"}};
    for (size_t i = 0; i < 4; i++) {
        char q[160];
        snprintf(q, sizeof(q), "%s%s", path, bad[i][0]);
        r = it_http(srv, "GET", q, p.tok_d, NULL, NULL);
        cr_assert_eq(r->status, 400, "%s", q);
        cr_assert_str_eq(it_jstr(r, "error.field"), bad[i][1]);
        it_resp_free(r);
    }
    r = it_http(srv, "GET", "/api/v1/projects/999999999/recommendations", admin, NULL, NULL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_jstr(r, "error.code"), "project_not_found");
    it_resp_free(r);
    /* Never the same organization's projects, nor the same side. */
    int64_t mine = make_project(srv, p.tok_d, p.org_d, "supply", "肺结节影像智能筛查系统",
                                "肺结节 CT 影像智能筛查", "[\"医学影像\",\"机器视觉\"]", "");
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)p.dem);
    n = list_ids(srv, p.tok_d, path, true, ids, 100);
    cr_assert(!has_id(ids, n, mine), "own organization's supply is not recommended");
    cr_assert(has_id(ids, n, p.sup));
    free(admin);
    free_pair(&p);
}

/* ---- issue 15: vocabularies, closed projects, paged recommendations ----------------------------
 */

Test(projects, vocabularies_listed_and_enforced)
{
    struct it_resp *r = it_http(srv, "GET", "/api/v1/vocabularies", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(strstr(r->body, "{\"code\":\"healthcare\",\"names\":{\"zh\":\"医疗健康\","
                              "\"en\":\"Healthcare\"}"),
              "%s", r->body);
    char cc[64];
    cr_assert(it_header(r, "Cache-Control", cc, sizeof(cc)) && strstr(cc, "public"), "%s", r->head);
    const char *lists[] = {"sectors", "zones", "tiers", "stages", "event_kinds", "session_kinds"};
    for (size_t i = 0; i < 6; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(r->json, lists[i]);
        cr_assert(cJSON_GetArraySize(a) > 0, "%s", lists[i]);
        const cJSON *t;
        cJSON_ArrayForEach(t, a)
        {
            cr_assert_not_null(cJSON_GetObjectItem(t, "code"));
            cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "names"), "zh"));
            cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "names"), "en"));
        }
    }
    cr_assert_str_eq(it_jstr(r, "tiers.0.code"), "leader");
    cr_assert_str_eq(it_jstr(r, "tiers.0.names.zh"), "领军企业");
    cr_assert_str_eq(it_jstr(r, "stages.2.code"), "pilot");
    it_resp_free(r);

    char *tok = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, tok, "seed", "医疗健康", "成都高新区");
    const char *tags = "[\"医学影像\"]";
    /* Unknown values are a 400 naming the field and pointing at the list. */
    struct {
        const char *extra, *field;
    } bad[] = {
        {",\"sector\":\"区块链\"", "sector"},
        {",\"zone\":\"火星基地\"", "zone"},
        {",\"stage\":\"mass\"", "stage"},
    };
    for (size_t i = 0; i < 3; i++) {
        r = post_project(srv, tok, org, "supply", "t", "", tags, bad[i].extra);
        cr_assert_eq(r->status, 400, "%s", r->body);
        cr_assert_str_eq(it_jstr(r, "error.field"), bad[i].field);
        cr_assert(strstr(it_jstr(r, "error.message"), "/api/v1/vocabularies"), "%s", r->body);
        it_resp_free(r);
    }
    /* Codes, Chinese names, English names and known aliases are taken; the code is stored. */
    r = post_project(srv, tok, org, "supply", "t", "", tags,
                     ",\"sector\":\"Smart manufacturing\",\"zone\":\"高新区\",\"stage\":\"试点\"");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "sector"), "smart_manufacturing");
    cr_assert_str_eq(it_jstr(r, "zone"), "hitech_zone");
    cr_assert_str_eq(it_jstr(r, "stage"), "pilot");
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)it_jnum(r, "id"));
    it_resp_free(r);
    it_expect(it_http(srv, "PATCH", path, tok, "{\"sector\":\"区块链\"}", NULL), 400, "sector",
              "PATCH validates too");
    it_expect(it_http(srv, "PATCH", path, tok, "{\"zone\":\"\"}", NULL), 200, NULL, "no zone");
    it_expect(it_http(srv, "GET", "/api/v1/projects?sector=nope", NULL, NULL, NULL), 400, "sector",
              "filter");
    /* Organizations too. */
    it_expect(it_http(srv, "POST", "/api/v1/organizations", tok,
                      "{\"name\":\"x\",\"tier\":\"seed\",\"sector\":\"区块链\"}", NULL),
              400, "sector", "organization sector");
    it_expect(it_http(srv, "POST", "/api/v1/organizations", tok,
                      "{\"name\":\"x\",\"tier\":\"seed\",\"sector\":\"ai\",\"zone\":\"月球\"}",
                      NULL),
              400, "zone", "organization zone");
    r = it_http(srv, "POST", "/api/v1/organizations", tok,
                "{\"name\":\"x\",\"tier\":\"种子企业\",\"sector\":\"人工智能\"}", NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "tier"), "seed");
    cr_assert_str_eq(it_jstr(r, "sector"), "ai");
    it_resp_free(r);
    free(tok);
}

Test(projects, closed_projects_listed_to_their_members_only)
{
    char *owner = it_user(srv, "enterprise", NULL), *other = it_user(srv, "enterprise", NULL);
    int64_t org = it_org(srv, owner, "seed", "医疗健康", "成都高新区");
    int64_t other_org = it_org(srv, other, "seed", "医疗健康", "成都高新区");
    int64_t id = make_project(srv, owner, org, "supply", "已关闭项目", "", "[\"医学影像\"]", "");
    int64_t other_id =
        make_project(srv, other, other_org, "supply", "他人已关闭", "", "[\"医学影像\"]", "");
    char path[160];
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)id);
    it_expect(it_http(srv, "DELETE", path, owner, NULL, NULL), 204, NULL, "close");
    snprintf(path, sizeof(path), "/api/v1/projects/%lld", (long long)other_id);
    it_expect(it_http(srv, "DELETE", path, other, NULL, NULL), 204, NULL, "close other");
    int64_t ids[100];
    size_t n;

    snprintf(path, sizeof(path), "/api/v1/projects?organization_id=%lld", (long long)org);
    cr_assert_eq(list_ids(srv, owner, path, false, ids, 100), 0, "open is the default");
    snprintf(path, sizeof(path), "/api/v1/projects?status=closed&organization_id=%lld",
             (long long)org);
    n = list_ids(srv, owner, path, false, ids, 100);
    cr_assert(n == 1 && ids[0] == id, "a member lists the closed project");
    it_expect(it_http(srv, "GET", path, NULL, NULL, NULL), 401, "status", "anonymous");
    struct it_resp *r = it_http(srv, "GET", path, other, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "error.code") ? it_jstr(r, "error.code") : "", "not_member");
    it_expect(r, 403, NULL, "not a member");
    /* Without organization_id: the caller's organizations only. */
    n = list_ids(srv, owner, "/api/v1/projects?status=closed&limit=100", false, ids, 100);
    cr_assert(has_id(ids, n, id) && !has_id(ids, n, other_id), "only my closed projects");
    n = list_ids(srv, other, "/api/v1/projects?status=closed&limit=100", false, ids, 100);
    cr_assert(has_id(ids, n, other_id) && !has_id(ids, n, id));
    it_expect(it_http(srv, "GET", "/api/v1/projects?status=gone", NULL, NULL, NULL), 400, "status",
              "unknown status");
    free(owner);
    free(other);
}

Test(projects, recommendations_page_with_a_cursor)
{
    /* Ranked by score alone: exposure control (issue 17) may move an item below lower-scored
     * ones, which is right there but not what this test checks, so this test's summitd runs
     * without it (more open projects than match_exposure_max_projects). */
    static const char *const sets[] = {"match_exposure_max_projects=0", NULL};
    struct it_server *s = it_start(sets);
    /* One demand, three fitting supplies of three other organizations. */
    char *tok_d = it_user(s, "enterprise", NULL);
    int64_t org_d = it_org(s, tok_d, "leader", "医疗健康", "成都高新区");
    char tag[64], tags[160], desc[256];
    it_unique(tag, sizeof(tag), "pg");
    snprintf(tags, sizeof(tags), "[\"%s\",\"医学影像\"]", tag);
    snprintf(desc, sizeof(desc), "肺结节 CT 影像智能筛查 %s", tag);
    int64_t dem = make_project(s, tok_d, org_d, "demand", "肺结节筛查需求", desc, tags, "");
    int64_t sup[3];
    char *tok_s[3];
    for (int i = 0; i < 3; i++) {
        tok_s[i] = it_user(s, "enterprise", NULL);
        int64_t o = it_org(s, tok_s[i], "seed", "医疗健康", "成都高新区");
        sup[i] = make_project(s, tok_s[i], o, "supply", "肺结节筛查系统", desc, tags, "");
    }
    for (int i = 0; i < 3; i++) {
        struct rec_wait w = {s, tok_d, dem, sup[i], true};
        cr_assert(it_wait(rec_cond, &w, 2000), "supply %d recommended", i);
    }
    /* Pages of 2 until next_cursor is null: no item twice, best first across pages, ours all
     * there, and at most 100 in all (the ranked window). */
    int64_t seen[128];
    size_t nseen = 0;
    double last = 1e9;
    char path[512], cursor[128] = "";
    for (int page = 0; page < 60; page++) {
        snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?limit=2%s%s",
                 (long long)dem, *cursor ? "&cursor=" : "", cursor);
        struct it_resp *r = it_http(s, "GET", path, tok_d, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s", r->body);
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(r->json, "items"))
        {
            int64_t id =
                (int64_t)cJSON_GetObjectItem(cJSON_GetObjectItem(it, "project"), "id")->valuedouble;
            double score = cJSON_GetObjectItem(it, "score")->valuedouble;
            cr_assert(!has_id(seen, nseen, id), "project %lld twice", (long long)id);
            cr_assert(score <= last + 1e-6, "best first across pages");
            last = score;
            cr_assert_lt(nseen, 100);
            seen[nseen++] = id;
        }
        const char *next = it_jstr(r, "next_cursor");
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        it_resp_free(r);
        if (!*cursor)
            break;
    }
    cr_assert_eq(*cursor, '\0', "the list ends");
    for (int i = 0; i < 3; i++)
        cr_assert(has_id(seen, nseen, sup[i]), "supply %d on some page", i);
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/recommendations?cursor=bogus",
             (long long)dem);
    it_expect(it_http(s, "GET", path, tok_d, NULL, NULL), 400, "cursor", "a bad cursor");
    for (int i = 0; i < 3; i++)
        free(tok_s[i]);
    free(tok_d);
    cr_assert_eq(it_stop(s), 0);
}
