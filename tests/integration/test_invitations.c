/* Membership by consent (handlers/invitations.c) against a real summitd, MariaDB and Redis. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/pc_fixtures.h"
#include "tests/lib/it.h"

IT_SUITE(invitations, 180);

static struct it_resp *invite(const char *tok, int64_t org, int64_t user)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)user);
    return fx_http(srv, "POST", tok, body, "/api/v1/organizations/%lld/invitations",
                   (long long)org);
}

static struct it_resp *answer(const char *tok, int64_t inv, const char *what)
{
    return fx_http(srv, "POST", tok, NULL, "/api/v1/invitations/%lld/%s", (long long)inv, what);
}

static void expect(struct it_resp *r, int status, const char *code, const char *what)
{
    cr_assert_eq(r->status, status, "%s: %d %s", what, r->status, r->body);
    if (code)
        cr_assert_str_eq(it_jstr(r, status >= 400 ? "error.code" : "status"), code, "%s: %s", what,
                         r->body);
    it_resp_free(r);
}

static int64_t members_row(int64_t org, int64_t user)
{
    return it_sql_i64("SELECT COUNT(*) FROM org_members WHERE org_id = %lld AND user_id = %lld",
                      (long long)org, (long long)user);
}

static int64_t invitation_of(int64_t org, int64_t user, const char *status)
{
    return it_sql_i64("SELECT COUNT(*) FROM org_invitations WHERE org_id = %lld AND user_id = %lld"
                      " AND status = '%s'",
                      (long long)org, (long long)user, status);
}

/* A competition session of a published event with one criterion, an entry of the entrant's
 * organization and a judge; the entry's and criterion's ids. */
struct contest {
    char *org_tok;
    int64_t session, criterion, entry;
};

static void contest_new(struct contest *c, int64_t project, int64_t judge)
{
    c->org_tok = it_organizer(srv, NULL);
    int64_t ev = fx_event(srv, c->org_tok, true);
    c->session = fx_session(srv, c->org_tok, ev, "competition", "大赛厅", fx_t0(), fx_t0() + 7200);
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/criteria", (long long)c->session);
    c->criterion =
        fx_create(srv, c->org_tok, path, "{\"name\":\"创新性\",\"weight\":1,\"max_score\":10}");
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/entries", (long long)c->session);
    c->entry = fx_create(srv, c->org_tok, path, "{\"project_id\":%lld}", (long long)project);
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/judges", (long long)c->session);
    char body[64];
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)judge);
    expect(it_http(srv, "POST", path, c->org_tok, body, NULL), 201, NULL, "judge");
}

static struct it_resp *score(const char *judge_tok, const struct contest *c, int v)
{
    char body[96];
    snprintf(body, sizeof(body), "{\"scores\":{\"%lld\":%d}}", (long long)c->criterion, v);
    return fx_http(srv, "PUT", judge_tok, body, "/api/v1/entries/%lld/scores", (long long)c->entry);
}

/* Regression: any member could add any user to their organization, with effect at once. An
 * entrant could so make a judge "conflicted" (and choose who scores it), and count a stranger's
 * registration as its attendance. Now it is an invitation that changes nothing until the
 * invited user accepts. */
Test(invitations, adding_a_member_has_no_effect_until_the_user_accepts)
{
    int64_t ent_id, judge_id;
    char *ent = it_user(srv, "enterprise", &ent_id);
    char *judge = it_user(srv, "attendee", &judge_id);
    int64_t org;
    int64_t project = fx_project(srv, ent, "邀请测试 参赛项目", &org);
    struct contest c;
    contest_new(&c, project, judge_id);

    /* The old route is gone: nobody is added without consent. */
    char body[64];
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)judge_id);
    expect(fx_http(srv, "POST", ent, body, "/api/v1/organizations/%lld/members", (long long)org),
           404, NULL, "POST …/members");

    struct it_resp *r = invite(ent, org, judge_id);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "pending");
    cr_assert_eq((int64_t)it_jnum(r, "organization.id"), org);
    cr_assert_eq((int64_t)it_jnum(r, "user_id"), judge_id);
    cr_assert_eq((int64_t)it_jnum(r, "invited_by"), ent_id);
    int64_t inv = (int64_t)it_jnum(r, "id");
    char loc[128];
    cr_assert_null(it_header(r, "Location", loc, sizeof(loc)), "no GET exists for %s", loc);
    it_resp_free(r);

    /* Pending: no member row, the judge is not conflicted, and acts for nothing. */
    cr_assert_eq(members_row(org, judge_id), 0);
    cr_assert_eq(invitation_of(org, judge_id, "pending"), 1);
    expect(score(judge, &c, 7), 200, NULL, "a judge with a pending invitation still scores");
    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/organizations/%lld", (long long)org);
    cr_assert_eq((int)it_jnum(r, "member_count"), 1, "%s", r->body);
    it_resp_free(r);
    char pbody[256];
    snprintf(pbody, sizeof(pbody),
             "{\"organization_id\":%lld,\"side\":\"demand\",\"title\":\"冒名项目\","
             "\"sector\":\"人工智能\",\"stage\":\"idea\",\"tags\":[\"AI\"]}",
             (long long)org);
    expect(it_http(srv, "POST", "/api/v1/projects", judge, pbody, NULL), 403, NULL,
           "no projects for a pending invitee");
    /* GET /me shows the invitation apart from memberships. */
    r = it_http(srv, "GET", "/api/v1/me", judge, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_null(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "organizations"), 0), "%s",
                   r->body);
    cr_assert_eq((int64_t)it_jnum(r, "invitations.0.id"), inv, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "invitations.0.organization.name"),
                     "邀请测试 参赛项目 科技有限公司");
    it_resp_free(r);

    /* Accepted: now a member, with everything that follows (here: the conflict of interest). */
    r = answer(judge, inv, "accept");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "status"), "accepted");
    cr_assert_not_null(it_jstr(r, "responded_at"));
    it_resp_free(r);
    cr_assert_eq(members_row(org, judge_id), 1);
    r = score(judge, &c, 8);
    cr_assert_eq(r->status, 403, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "conflict_of_interest");
    it_resp_free(r);
    expect(it_http(srv, "POST", "/api/v1/projects", judge, pbody, NULL), 201, NULL,
           "a member publishes");
    r = it_http(srv, "GET", "/api/v1/me", judge, NULL, NULL);
    cr_assert_eq((int64_t)it_jnum(r, "organizations.0.id"), org, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "organizations.0.member_role"), "member");
    cr_assert_null(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "invitations"), 0), "%s",
                   r->body);
    it_resp_free(r);
    free(ent);
    free(judge);
    free(c.org_tok);
}

/* An organization attends an event when a member holds a confirmed registration there: a
 * pending invitee's registration does not make it attend (event stats count the matchmaking
 * among attending organizations only). */
Test(invitations, a_pending_invitees_registration_is_not_the_organizations_attendance)
{
    char *a_tok = it_user(srv, "enterprise", NULL);
    char *b_tok = it_user(srv, "enterprise", NULL);
    int64_t u_id;
    char *u_tok = it_user(srv, "attendee", &u_id);
    int64_t org_a, org_b;
    int64_t supply = fx_project(srv, a_tok, "邀请测试 供给方", &org_a);
    int64_t demand_org_project = fx_project(srv, b_tok, "邀请测试 需求方", &org_b);
    (void)demand_org_project;
    int64_t demand =
        fx_create(srv, b_tok, "/api/v1/projects",
                  "{\"organization_id\":%lld,\"side\":\"demand\",\"title\":\"邀请测试 需求\","
                  "\"sector\":\"人工智能\",\"stage\":\"pilot\",\"tags\":[\"AI\"]}",
                  (long long)org_b);
    char path[96], body[128];
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"interested\"}",
             (long long)demand);
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)supply);
    expect(it_http(srv, "POST", path, a_tok, body, NULL), 201, NULL, "interest a");
    snprintf(body, sizeof(body), "{\"target_project_id\":%lld,\"decision\":\"interested\"}",
             (long long)supply);
    snprintf(path, sizeof(path), "/api/v1/projects/%lld/interests", (long long)demand);
    expect(it_http(srv, "POST", path, b_tok, body, NULL), 201, NULL, "interest b");

    char *org_tok = it_organizer(srv, NULL);
    int64_t ev = fx_event(srv, org_tok, true);
    int64_t forum = fx_session(srv, org_tok, ev, "forum", "论坛", fx_t0(), fx_t0() + 3600);
    snprintf(path, sizeof(path), "/api/v1/events/%lld/exhibitors", (long long)ev);
    snprintf(body, sizeof(body), "{\"organization_id\":%lld}", (long long)org_b);
    expect(it_http(srv, "POST", path, org_tok, body, NULL), 201, NULL, "b exhibits");
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)forum);
    expect(it_http(srv, "POST", path, u_tok, NULL, NULL), 201, "confirmed", "u registers");

    struct it_resp *r = invite(a_tok, org_a, u_id);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t inv = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    r = fx_http(srv, "GET", org_tok, NULL, "/api/v1/events/%lld/stats", (long long)ev);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "matching.mutual_matches"), 0,
                 "A does not attend through a pending invitee: %s", r->body);
    it_resp_free(r);

    expect(answer(u_tok, inv, "accept"), 200, "accepted", "accept");
    r = fx_http(srv, "GET", org_tok, NULL, "/api/v1/events/%lld/stats", (long long)ev);
    cr_assert_eq((int)it_jnum(r, "matching.mutual_matches"), 1,
                 "once a member, the registration makes A attend: %s", r->body);
    it_resp_free(r);
    free(a_tok);
    free(b_tok);
    free(u_tok);
    free(org_tok);
}

Test(invitations, only_the_invited_user_answers)
{
    int64_t owner_id, u_id, x_id;
    char *owner = it_user(srv, "enterprise", &owner_id);
    char *u = it_user(srv, "attendee", &u_id);
    char *x = it_user(srv, "attendee", &x_id);
    char *admin = it_admin(srv);
    int64_t org = it_org(srv, owner, "seed", "人工智能", "天府新区");
    struct it_resp *r = invite(owner, org, u_id);
    int64_t inv = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    /* A stranger does not learn that it exists; the organization's side may not answer it. */
    expect(answer(x, inv, "accept"), 404, "invitation_not_found", "a stranger accepts");
    expect(answer(x, inv, "decline"), 404, "invitation_not_found", "a stranger declines");
    expect(answer(owner, inv, "accept"), 403, "not_invitee", "the inviter accepts");
    expect(answer(admin, inv, "accept"), 403, "not_invitee", "an admin accepts");
    expect(answer(u, 999999999, "accept"), 404, "invitation_not_found", "no such invitation");
    cr_assert_eq(members_row(org, u_id), 0);

    expect(answer(u, inv, "accept"), 200, "accepted", "the invitee accepts");
    expect(answer(u, inv, "accept"), 200, "accepted", "again: the same answer");
    cr_assert_eq(members_row(org, u_id), 1, "one membership");
    expect(answer(u, inv, "decline"), 409, "invitation_accepted", "declining after accepting");
    expect(invite(owner, org, u_id), 409, "already_member", "inviting a member");
    r = fx_http(srv, "GET", NULL, NULL, "/api/v1/organizations/%lld", (long long)org);
    cr_assert_eq((int)it_jnum(r, "member_count"), 2);
    it_resp_free(r);
    free(owner);
    free(u);
    free(x);
    free(admin);
}

Test(invitations, decline_revoke_and_invite_again)
{
    int64_t u_id;
    char *owner = it_user(srv, "enterprise", NULL);
    char *u = it_user(srv, "attendee", &u_id);
    int64_t org = it_org(srv, owner, "leader", "智能制造", "成都高新区");

    struct it_resp *r = invite(owner, org, u_id);
    cr_assert_eq(r->status, 201);
    int64_t inv = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    /* Inviting again while pending: the same invitation (idempotent), 200. */
    r = invite(owner, org, u_id);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "id"), inv);
    it_resp_free(r);

    expect(answer(u, inv, "decline"), 200, "declined", "decline");
    expect(answer(u, inv, "decline"), 200, "declined", "decline again");
    expect(answer(u, inv, "accept"), 409, "invitation_closed", "accept after declining");
    cr_assert_eq(invitation_of(org, u_id, "declined"), 1);
    cr_assert_eq(members_row(org, u_id), 0);

    /* Invited again: the same row reopens, pending. The member revokes it; the invitee may
     * not (declining is theirs), and a revoked one cannot be accepted. */
    r = invite(owner, org, u_id);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "id"), inv);
    cr_assert_str_eq(it_jstr(r, "status"), "pending");
    it_resp_free(r);
    expect(fx_http(srv, "DELETE", u, NULL, "/api/v1/invitations/%lld", (long long)inv), 403,
           "not_member", "the invitee revokes");
    expect(fx_http(srv, "DELETE", owner, NULL, "/api/v1/invitations/%lld", (long long)inv), 204,
           NULL, "revoke");
    expect(fx_http(srv, "DELETE", owner, NULL, "/api/v1/invitations/%lld", (long long)inv), 204,
           NULL, "revoke again");
    expect(answer(u, inv, "accept"), 409, "invitation_closed", "accept a revoked one");
    cr_assert_eq(invitation_of(org, u_id, "revoked"), 1);
    cr_assert_eq(members_row(org, u_id), 0);

    /* A third time, accepted; an accepted invitation is not revoked (membership stays). */
    r = invite(owner, org, u_id);
    cr_assert_eq(r->status, 201);
    it_resp_free(r);
    expect(answer(u, inv, "accept"), 200, "accepted", "accept");
    expect(fx_http(srv, "DELETE", owner, NULL, "/api/v1/invitations/%lld", (long long)inv), 409,
           "invitation_accepted", "revoke an accepted one");
    cr_assert_eq(members_row(org, u_id), 1);
    free(owner);
    free(u);
}

Test(invitations, who_may_invite_and_where)
{
    int64_t u_id, att_id;
    char *owner = it_user(srv, "enterprise", NULL);
    char *other = it_user(srv, "enterprise", NULL);
    char *att = it_user(srv, "attendee", &att_id);
    char *u = it_user(srv, "attendee", &u_id);
    char *admin = it_admin(srv);
    int64_t org = it_org(srv, owner, "innovative", "医疗健康", "天府国际生物城");

    /* An organization that does not exist cannot be joined: 404, for admins too. */
    expect(invite(admin, 999999999, u_id), 404, "organization_not_found", "missing org (admin)");
    expect(invite(owner, 999999999, u_id), 404, "organization_not_found", "missing org");
    expect(fx_http(srv, "GET", admin, NULL, "/api/v1/organizations/999999999/invitations"), 404,
           "organization_not_found", "list of a missing org");
    /* Non-members may not invite, even into an organization that exists. */
    expect(invite(other, org, u_id), 403, "not_member", "a member of another organization");
    expect(invite(att, org, att_id), 403, "not_member", "inviting oneself");
    /* Bad bodies. */
    expect(invite(owner, org, 999999999), 400, "validation_failed", "an unknown user");
    expect(fx_http(srv, "POST", owner, "{\"user_id\":\"x\"}",
                   "/api/v1/organizations/%lld/invitations", (long long)org),
           400, "validation_failed", "user_id not a number");
    /* Admins may invite (moderation), never accept for someone. */
    struct it_resp *r = invite(admin, org, u_id);
    cr_assert_eq(r->status, 201, "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(invitation_of(org, u_id, "pending"), 1);
    cr_assert_eq(invitation_of(org, att_id, "pending"), 0, "the refused ones left nothing");

    /* Lists: the organization's (members, admins), the user's own. */
    r = fx_http(srv, "GET", owner, NULL, "/api/v1/organizations/%lld/invitations", (long long)org);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.user_id"), u_id);
    cr_assert_null(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 1));
    it_resp_free(r);
    expect(
        fx_http(srv, "GET", other, NULL, "/api/v1/organizations/%lld/invitations", (long long)org),
        403, "not_member", "another organization's list");
    r = fx_http(srv, "GET", owner, NULL, "/api/v1/organizations/%lld/invitations?status=accepted",
                (long long)org);
    cr_assert_null(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "%s", r->body);
    it_resp_free(r);
    expect(fx_http(srv, "GET", owner, NULL, "/api/v1/organizations/%lld/invitations?status=maybe",
                   (long long)org),
           400, "validation_failed", "bad status");
    r = it_http(srv, "GET", "/api/v1/me/invitations", u, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int64_t)it_jnum(r, "items.0.organization.id"), org);
    cr_assert_str_eq(it_jstr(r, "items.0.status"), "pending");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me/invitations", att, NULL, NULL);
    cr_assert_null(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "items"), 0), "%s", r->body);
    it_resp_free(r);
    free(owner);
    free(other);
    free(att);
    free(u);
    free(admin);
}
