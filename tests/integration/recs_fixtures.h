#ifndef SUMMITD_TESTS_RECS_FIXTURES_H
#define SUMMITD_TESTS_RECS_FIXTURES_H
/* Fixtures of the recommendation cache tests (test_recs_cache, test_recs_beat): a project with
 * chosen tags, and a wait for a project to be listed (or not) in another's recommendations. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/it.h"

static inline int64_t make_project(const struct it_server *s, const char *token, int64_t org,
                                   const char *side, const char *tag)
{
    char *body = NULL;
    cr_assert(
        asprintf(&body,
                 "{\"organization_id\":%lld,\"side\":\"%s\",\"title\":\"肺结节影像智能筛查 %s\","
                 "\"description\":\"肺结节 CT 影像智能筛查 %s\",\"sector\":\"医疗健康\","
                 "\"zone\":\"天府国际生物城\",\"tags\":[\"%s\",\"医学影像\",\"机器视觉\"],"
                 "\"stage\":\"pilot\",\"budget_min\":500000,\"budget_max\":2000000}",
                 (long long)org, side, tag, tag, tag) > 0);
    struct it_resp *r = it_http(s, "POST", "/api/v1/projects", token, body, NULL);
    free(body);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

struct rec_wait {
    const struct it_server *s;
    const char *token;
    int64_t project, want;
    bool present;
    int status;
    bool hit; /* the last answer came from the cache (X-Cache: hit) */
};

static inline bool rec_cond(void *arg)
{
    struct rec_wait *w = arg;
    char p[128];
    snprintf(p, sizeof(p), "/api/v1/projects/%lld/recommendations?limit=100",
             (long long)w->project);
    struct it_resp *r = it_http(w->s, "GET", p, w->token, NULL, NULL);
    w->status = r->status;
    char xc[16] = "";
    w->hit = it_header(r, "X-Cache", xc, sizeof(xc)) && strcmp(xc, "hit") == 0;
    bool found = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r->json, "items"))
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(it, "project");
        found = found || (int64_t)cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble == w->want;
    }
    it_resp_free(r);
    return w->status == 200 && found == w->present;
}

#endif
