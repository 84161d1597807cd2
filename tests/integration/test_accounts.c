/* Accounts, login sessions and organizations against a real summitd, MariaDB and Redis. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/auth.h"
#include "tests/lib/it.h"

IT_SUITE(accounts, 120);

static struct it_resp *signup(const char *email, const char *password, const char *name)
{
    char body[1024];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\",\"display_name\":\"%s\"}",
             email, password, name);
    return it_http(srv, "POST", "/api/v1/users", NULL, body, NULL);
}

static struct it_resp *do_login(const char *email, const char *password)
{
    char body[1024];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    return it_http(srv, "POST", "/api/v1/auth/login", NULL, body, NULL);
}

Test(accounts, signup_login_me_logout)
{
    char *email = it_email("flow");
    struct it_resp *r = signup(email, "password-123", "Li Lei");
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "email"), email);
    cr_assert_str_eq(it_jstr(r, "roles.0"), "attendee");
    cr_assert(!strstr(r->body, "password"), "the hash must never be returned");
    int64_t id = (int64_t)it_jnum(r, "id");
    cr_assert_gt(id, 0);
    it_resp_free(r);

    r = do_login(email, "password-123");
    cr_assert_eq(r->status, 200, "%s", r->body);
    char *token = strdup(it_jstr(r, "token"));
    cr_assert_eq(strlen(token), 43);
    cr_assert_not_null(it_jstr(r, "expires_at"));
    cr_assert_eq((int64_t)it_jnum(r, "user.id"), id);
    it_resp_free(r);

    r = it_http(srv, "GET", "/api/v1/me", token, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq((int64_t)it_jnum(r, "id"), id);
    it_resp_free(r);

    r = it_http(srv, "POST", "/api/v1/auth/logout", token, NULL, NULL);
    cr_assert_eq(r->status, 204);
    it_resp_free(r);

    r = it_http(srv, "GET", "/api/v1/me", token, NULL, NULL);
    cr_assert_eq(r->status, 401, "a logged-out token must not work");
    cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_token");
    it_resp_free(r);
    free(token);
    free(email);
}

Test(accounts, wrong_password_and_unknown_account)
{
    char *email = it_email("wrongpw");
    it_resp_free(signup(email, "password-123", "X"));
    struct it_resp *r = do_login(email, "password-124");
    cr_assert_eq(r->status, 401);
    cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_credentials");
    it_resp_free(r);
    r = do_login("nobody-here@test.example", "password-123");
    cr_assert_eq(r->status, 401);
    cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_credentials");
    it_resp_free(r);
    free(email);
}

Test(accounts, duplicate_email_in_another_case)
{
    char *email = it_email("dup");
    struct it_resp *r = signup(email, "password-123", "A");
    cr_assert_eq(r->status, 201);
    it_resp_free(r);
    for (char *p = email; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    r = signup(email, "password-123", "B");
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "email_taken");
    cr_assert_str_eq(it_jstr(r, "error.field"), "email");
    it_resp_free(r);
    /* Login is case-insensitive too. */
    r = do_login(email, "password-123");
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    free(email);
}

Test(accounts, chinese_display_name_round_trips)
{
    const char *name = "张伟·成都智能科技 🚀 Zoë";
    char *email = it_email("cjk");
    struct it_resp *r = signup(email, "password-123", name);
    cr_assert_eq(r->status, 201, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "display_name"), name);
    it_resp_free(r);
    r = do_login(email, "password-123");
    char *token = strdup(it_jstr(r, "token"));
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me", token, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "display_name"), name);
    cr_assert(memmem(r->body, r->body_len, name, strlen(name)) != NULL,
              "the bytes come back unescaped and unchanged");
    it_resp_free(r);
    free(token);
    free(email);
}

Test(accounts, forged_malformed_and_missing_tokens)
{
    const char *bad[] = {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* right shape, unknown */
                         "short", "has spaces in it but is quite long enough to be a token",
                         "0IkeHVVfkkC8zv9OR-gec2JuQX5dltoxJmgaiCGiBC!", NULL};
    for (int i = 0; bad[i]; i++) {
        struct it_resp *r = it_http(srv, "GET", "/api/v1/me", bad[i], NULL, NULL);
        cr_assert_eq(r->status, 401, "token '%s' gave %d", bad[i], r->status);
        cr_assert_not_null(it_jstr(r, "error.code"));
        it_resp_free(r);
    }
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me", NULL, NULL, NULL);
    cr_assert_eq(r->status, 401);
    cr_assert_str_eq(it_jstr(r, "error.code"), "unauthenticated");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me", NULL, NULL, "Authorization: Basic Zm9vOmJhcg==\r\n");
    cr_assert_eq(r->status, 401);
    it_resp_free(r);
}

Test(accounts, expired_token)
{
    /* A session stored with a 1-second TTL must stop working once Redis expires it. */
    const char *sets[] = {"token_ttl_s=60", NULL};
    it_restart(&srv, sets);
    char *token = it_user(srv, "attendee", NULL);
    char hex[65];
    auth_sha256_hex(token, strlen(token), hex);
    cr_assert_eq(it_sh(IT_REDIS_CLI " EXPIRE 't:sess:%s' 1 | grep -q 1", hex), 0,
                 "the session key is the token's SHA-256, not the token");
    int64_t deadline = it_now_ms() + 5000;
    int status = 200;
    while (it_now_ms() < deadline && status == 200) {
        struct it_resp *r = it_http(srv, "GET", "/api/v1/me", token, NULL, NULL);
        status = r->status;
        it_resp_free(r);
    }
    cr_assert_eq(status, 401);
    free(token);
}

Test(accounts, redis_holds_no_raw_token)
{
    char *token = it_user(srv, "attendee", NULL);
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             IT_REDIS_CLI " --scan --pattern 't:sess:*' | xargs -r "
             IT_REDIS_CLI " MGET | grep -q -- '%s'",
             token);
    cr_assert_neq(it_sh("%s", cmd), 0, "no session value contains the raw token");
    cr_assert_neq(it_sh(IT_REDIS_CLI " --scan --pattern '*%s*' | grep -q .", token), 0,
                  "no key contains the raw token");
    free(token);
}

Test(accounts, admin_grants_organizer)
{
    int64_t uid;
    char *user = it_user(srv, "attendee", &uid);
    char *admin = it_admin(srv);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/users/%lld/roles", (long long)uid);

    struct it_resp *r = it_http(srv, "POST", path, user, "{\"role\":\"organizer\"}", NULL);
    cr_assert_eq(r->status, 403, "a user cannot grant roles");
    it_resp_free(r);

    r = it_http(srv, "POST", path, admin, "{\"role\":\"emperor\"}", NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.field"), "role");
    it_resp_free(r);

    r = it_http(srv, "POST", path, admin, "{\"role\":\"organizer\"}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    it_resp_free(r);

    /* The user's existing session sees the new role at once. */
    r = it_http(srv, "GET", "/api/v1/me", user, NULL, NULL);
    cr_assert(strstr(r->body, "\"organizer\""), "%s", r->body);
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/organizations", user,
                "{\"name\":\"组委会\",\"tier\":\"other\",\"sector\":\"会展\"}", NULL);
    cr_assert_eq(r->status, 201, "an organizer may create an organization: %s", r->body);
    it_resp_free(r);

    r = it_http(srv, "POST", "/api/v1/users/999999999/roles", admin, "{\"role\":\"organizer\"}",
                NULL);
    cr_assert_eq(r->status, 404);
    it_resp_free(r);
    free(user);
    free(admin);
}

Test(accounts, login_rate_limited_per_account_and_address)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "redis_prefix=rl%lld:", (long long)it_now_ms());
    const char *sets[] = {prefix, "login_limit_account=3", "login_limit_ip=8", "login_window_s=60",
                          NULL};
    it_restart(&srv, sets);
    char *email = it_email("rl");
    it_resp_free(signup(email, "password-123", "R"));
    for (int i = 0; i < 3; i++) {
        struct it_resp *r = do_login(email, "wrong-password");
        cr_assert_eq(r->status, 401);
        it_resp_free(r);
    }
    struct it_resp *r = do_login(email, "password-123");
    cr_assert_eq(r->status, 429, "the 4th attempt on one account is limited, even if right");
    cr_assert_str_eq(it_jstr(r, "error.code"), "rate_limited");
    char ra[32];
    cr_assert_not_null(it_header(r, "Retry-After", ra, sizeof(ra)));
    cr_assert_gt(atoi(ra), 0);
    cr_assert(strstr(it_jstr(r, "error.message"), ra), "the message says when: %s", r->body);
    it_resp_free(r);
    /* Other accounts from the same address: allowed until 8 failures from it (the 429 above
     * was no failed password check and did not count). */
    int ok = 0, limited = 0;
    for (int i = 0; i < 6; i++) {
        char *e = it_email("rl-other");
        r = do_login(e, "whatever-123");
        if (r->status == 401)
            ok++;
        else if (r->status == 429)
            limited++;
        it_resp_free(r);
        free(e);
    }
    cr_assert_eq(ok, 5, "failures 4..8 from this address pass the limiter (got %d)", ok);
    cr_assert_eq(limited, 1);
    free(email);
}

Test(accounts, signup_validation)
{
    struct {
        const char *body;
        int status;
        const char *field;
    } cases[] = {
        {"{\"email\":\"nope\",\"password\":\"password-1\",\"display_name\":\"x\"}", 400, "email"},
        {"{\"email\":\"a@b.co\",\"password\":\"short\",\"display_name\":\"x\"}", 400, "password"},
        {"{\"email\":\"a@b.co\",\"password\":\"password-1\"}", 400, "display_name"},
        {"{\"email\":\"a@b.co\",\"password\":\"password-1\",\"display_name\":\"\"}", 400,
         "display_name"},
        {"{\"email\":42,\"password\":\"password-1\",\"display_name\":\"x\"}", 400, "email"},
        {"{\"email\":\"a@b.co\",\"password\":\"password-1\",\"display_name\":\"x\","
         "\"role\":\"admin\"}",
         400, "role"},
        {"{\"email\":\"a@b.co\",\"password\":\"password-1\",\"display_name\":\"a\\u0001b\"}", 400,
         "display_name"},
        {"[1,2,3]", 400, NULL},
        {"{\"email\":", 400, NULL},
        {"{} trailing", 400, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct it_resp *r = it_http(srv, "POST", "/api/v1/users", NULL, cases[i].body, NULL);
        cr_assert_eq(r->status, cases[i].status, "case %zu: %d %s", i, r->status, r->body);
        cr_assert_not_null(it_jstr(r, "error.code"), "case %zu has the envelope", i);
        cr_assert_not_null(it_jstr(r, "error.message"));
        if (cases[i].field)
            cr_assert_str_eq(it_jstr(r, "error.field"), cases[i].field, "case %zu", i);
        it_resp_free(r);
    }
    /* Invalid UTF-8 in a string. */
    const char raw[] = "{\"email\":\"u@b.co\",\"password\":\"password-1\","
                       "\"display_name\":\"\xff\xfe\"}";
    struct it_resp *r = it_http(srv, "POST", "/api/v1/users", NULL, raw, NULL);
    cr_assert_eq(r->status, 400, "%s", r->body);
    it_resp_free(r);
}

Test(accounts, organizations_create_and_get)
{
    int64_t uid;
    char *ent = it_user(srv, "enterprise", &uid);
    char *att = it_user(srv, "attendee", NULL);
    const char *body = "{\"name\":\"成都医智影像科技有限公司\",\"tier\":\"innovative\","
                       "\"sector\":\"医疗健康\",\"zone\":\"天府国际生物城\","
                       "\"description\":\"医学影像辅助诊断\"}";
    struct it_resp *r = it_http(srv, "POST", "/api/v1/organizations", att, body, NULL);
    cr_assert_eq(r->status, 403, "attendees do not create organizations");
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/organizations", ent, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t oid = (int64_t)it_jnum(r, "id");
    cr_assert_str_eq(it_jstr(r, "zone"), "tianfu_biotown"); /* stored as its vocabulary code */
    cr_assert_eq((int)it_jnum(r, "member_count"), 1);
    it_resp_free(r);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/organizations/%lld", (long long)oid);
    r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(it_jstr(r, "name"), "成都医智影像科技有限公司");
    cr_assert_str_eq(it_jstr(r, "tier"), "innovative");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/me", ent, NULL, NULL);
    cr_assert_eq((int64_t)it_jnum(r, "organizations.0.id"), oid, "the creator is a member");
    it_resp_free(r);
    r = it_http(srv, "POST", "/api/v1/organizations", ent,
                "{\"name\":\"x\",\"tier\":\"giant\",\"sector\":\"y\"}", NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.field"), "tier");
    it_resp_free(r);
    r = it_http(srv, "GET", "/api/v1/organizations/abc", NULL, NULL, NULL);
    cr_assert_eq(r->status, 404);
    it_resp_free(r);
    free(ent);
    free(att);
}

/* Regression (critical): login checked the address's length in characters (<= 254) and copied
 * it byte by byte into a 256-byte stack buffer; 240 CJK characters are 720 bytes and one
 * unauthenticated request smashed the stack. Now: 400 naming the field, and the server lives. */
Test(accounts, login_with_a_long_multibyte_email_is_refused_not_a_crash)
{
    char email[1024] = "";
    for (int i = 0; i < 240; i++)
        strcat(email, "测");
    strcat(email, "@test.example");
    for (int i = 0; i < 3; i++) {
        struct it_resp *r = do_login(email, "password-123");
        cr_assert_eq(r->status, 400, "attempt %d: %d %s", i, r->status, r->body);
        cr_assert_str_eq(it_jstr(r, "error.code"), "validation_failed");
        cr_assert_str_eq(it_jstr(r, "error.field"), "email");
        it_resp_free(r);
    }
    struct it_resp *r = signup(email, "password-123", "长地址");
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.field"), "email");
    it_resp_free(r);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM users WHERE email LIKE '测测测%%'"), 0);
    /* Still serving, and a normal login still works. */
    r = it_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200);
    it_resp_free(r);
    free(it_user(srv, "attendee", NULL));
}

/* Regression: the per-account limit was keyed on the raw lower-cased address while the lookup's
 * collation (utf8mb4_unicode_ci) ignored trailing spaces and accents, so "a@x.com ", "a@x.com  "
 * and "À@x.com" each had a counter of their own yet reached the same account. One canonical
 * form now serves the signup, the lookup (a binary column) and the limit's key. */
Test(accounts, every_spelling_of_an_email_shares_one_login_limit)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "redis_prefix=sp%lld:", (long long)it_now_ms());
    const char *sets[] = {prefix, "login_limit_account=3", "login_window_s=60", NULL};
    it_restart(&srv, sets);
    char *email = it_email("a-spell"); /* "a-spell-…@test.example" */
    struct it_resp *r = signup(email, "password-123", "拼写");
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);

    /* Three wrong passwords, each in another spelling of the same address. */
    char upper[256], spelled[3][320];
    snprintf(upper, sizeof(upper), "%s", email);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    snprintf(spelled[0], sizeof(spelled[0]), "%s ", email);
    snprintf(spelled[1], sizeof(spelled[1]), "  %s  ", upper);
    snprintf(spelled[2], sizeof(spelled[2]), "%s\xe3\x80\x80", email); /* U+3000 */
    for (int i = 0; i < 3; i++) {
        r = do_login(spelled[i], "wrong-password");
        cr_assert_eq(r->status, 401, "spelling %d: %d %s", i, r->status, r->body);
        cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_credentials");
        it_resp_free(r);
    }
    /* They all counted on the one counter of the account's canonical address. */
    char hex[65];
    auth_sha256_hex(email, strlen(email), hex);
    cr_assert_eq(it_sh(IT_REDIS_CLI " GET '%srl:login-account:%s' | grep -qx 3", prefix + 13, hex),
                 0, "one counter for every spelling, at 3");
    r = do_login(email, "password-123");
    cr_assert_eq(r->status, 429, "the plain spelling is limited too, even with the password: %s",
                 r->body);
    char ra[32];
    cr_assert_not_null(it_header(r, "Retry-After", ra, sizeof(ra)));
    cr_assert_gt(atoi(ra), 0);
    it_resp_free(r);

    /* "À-spell-…" is another address: it does not reach this account (with the right password
     * it is an unknown account, 401), so it has nothing to unlock. */
    char accented[320];
    snprintf(accented, sizeof(accented), "\xc3\x80%s", email + 1);
    r = do_login(accented, "password-123");
    cr_assert_eq(r->status, 401, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_credentials");
    it_resp_free(r);

    /* Signup agrees with login: another spelling of a taken address is taken; the address is
     * stored trimmed, its canonical form lower-cased. */
    r = signup(spelled[1], "password-123", "重复");
    cr_assert_eq(r->status, 409, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "error.code"), "email_taken");
    it_resp_free(r);
    char *row = it_sql("SELECT CONCAT(email, '|', CAST(email_lower AS CHAR)) FROM users WHERE "
                       "id = %lld",
                       (long long)id);
    char want[700];
    snprintf(want, sizeof(want), "%s|%s", email, email);
    cr_assert_str_eq(row, want);
    free(row);
    cr_assert_eq(it_sql_i64("SELECT COUNT(*) FROM users WHERE email_lower = '%s'", email), 1);
    free(email);
}

static struct it_resp *login_via(const char *email, const char *password, const char *xff)
{
    char body[1024], hdr[256];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    snprintf(hdr, sizeof(hdr), "X-Forwarded-For: %s\r\n", xff);
    return it_http(srv, "POST", "/api/v1/auth/login", NULL, body, xff ? hdr : NULL);
}

/* A server of its own (its own Redis prefix, so no other test's attempts count) with these
 * login limits. */
static char lim_prefix[64]; /* "lim<pid>-<ms>:" */

static void restart_with_limits(const char *extra0, const char *extra1)
{
    char prefix[96];
    /* The pid as well: tests run two at a time, and two restarts in one millisecond shared a
     * prefix, so one test's failures from 127.0.0.1 counted against the other's. */
    snprintf(lim_prefix, sizeof(lim_prefix), "lim%d-%lld:", (int)getpid(), (long long)it_now_ms());
    snprintf(prefix, sizeof(prefix), "redis_prefix=%s", lim_prefix);
    const char *sets[] = {prefix, "login_window_s=60", extra0, extra1, NULL};
    it_restart(&srv, sets);
}

static void expect_status(struct it_resp *r, int status, const char *code, const char *what)
{
    cr_assert_eq(r->status, status, "%s: %d %s", what, r->status, r->body);
    if (code)
        cr_assert_str_eq(it_jstr(r, "error.code"), code, "%s", what);
    if (status == 429) {
        char ra[32];
        cr_assert_not_null(it_header(r, "Retry-After", ra, sizeof(ra)), "%s", what);
        cr_assert_gt(atoi(ra), 0, "%s", what);
    }
    it_resp_free(r);
}

/* Regression: the per-address limit counted successful logins, so the 101st attendee behind a
 * venue's one public address could not sign in. Only failures count now. */
Test(accounts, successful_logins_do_not_use_up_the_address_limit)
{
    restart_with_limits("login_limit_ip=5", NULL);
    char *email = it_email("venue");
    it_resp_free(signup(email, "password-123", "会场"));
    for (int i = 0; i < 12; i++) {
        struct it_resp *r = do_login(email, "password-123");
        cr_assert_eq(r->status, 200, "success %d from one address: %d %s", i, r->status, r->body);
        cr_assert_not_null(it_jstr(r, "token"));
        it_resp_free(r);
    }
    /* Failures count: five pass, the sixth is limited, and then the address is. */
    for (int i = 0; i < 5; i++) {
        char *e = it_email("venue-typo");
        expect_status(do_login(e, "password-123"), 401, "invalid_credentials", "failure");
        free(e);
    }
    char *e = it_email("venue-typo");
    expect_status(do_login(e, "password-123"), 429, "rate_limited", "6th failure");
    free(e);
    expect_status(do_login(email, "password-123"), 429, "rate_limited",
                  "a right password from a blocked address");
    free(email);
}

/* X-Forwarded-For from a peer that is not a trusted proxy is the client's own say: ignored. */
Test(accounts, x_forwarded_for_from_an_untrusted_peer_is_ignored)
{
    restart_with_limits("login_limit_ip=3", NULL);
    char xff[64];
    for (int i = 0; i < 3; i++) {
        char *e = it_email("xff-untrusted");
        snprintf(xff, sizeof(xff), "198.51.100.%d", 10 + i);
        expect_status(login_via(e, "password-123", xff), 401, "invalid_credentials", "failure");
        free(e);
    }
    char *e = it_email("xff-untrusted");
    expect_status(login_via(e, "password-123", "198.51.100.99"), 429, "rate_limited",
                  "a new X-Forwarded-For does not make a new address");
    free(e);
}

/* Behind a trusted proxy each client is limited on its own address: the right-most address
 * X-Forwarded-For names that is not a trusted proxy. */
Test(accounts, x_forwarded_for_from_a_trusted_proxy_names_the_client)
{
    restart_with_limits("login_limit_ip=3", "trusted_proxies=127.0.0.1/32, 10.0.0.0/8");
    char *victim = it_email("xff-client");
    it_resp_free(signup(victim, "password-123", "客户"));
    for (int i = 0; i < 3; i++) {
        char *e = it_email("xff-trusted");
        expect_status(login_via(e, "password-123", "198.51.100.7"), 401, "invalid_credentials",
                      "failure from .7");
        free(e);
    }
    char *e = it_email("xff-trusted");
    expect_status(login_via(e, "password-123", "198.51.100.7"), 429, "rate_limited",
                  ".7 is limited");
    /* The client cannot pick another key by writing its own X-Forwarded-For: the proxy appends
     * the address it saw, and behind a second proxy of ours it is still that one. */
    expect_status(login_via(e, "password-123", "198.51.100.8, 198.51.100.7"), 429, "rate_limited",
                  "a forged left-hand entry");
    expect_status(login_via(e, "password-123", "198.51.100.8, 198.51.100.7, 10.1.2.3"), 429,
                  "rate_limited", "through two proxies");
    free(e);
    /* Another client behind the same proxy has its own budget; so does the proxy itself. */
    expect_status(login_via(victim, "password-123", "198.51.100.8"), 200, NULL, ".8 signs in");
    expect_status(do_login(victim, "password-123"), 200, NULL, "the proxy's own address");
    /* Stored state: the failures counted under .7, none under .8 or the proxy. */
    char hex[65];
    auth_sha256_hex("198.51.100.7", strlen("198.51.100.7"), hex);
    cr_assert_eq(it_sh(IT_REDIS_CLI " GET '%srl:login-ip:%s' | grep -qx 3", lim_prefix, hex), 0,
                 "three failures counted for 198.51.100.7");
    auth_sha256_hex("127.0.0.1", strlen("127.0.0.1"), hex);
    cr_assert_eq(it_sh(IT_REDIS_CLI " EXISTS '%srl:login-ip:%s' | grep -qx 0", lim_prefix, hex), 0,
                 "nothing counted for the proxy");
    /* The access log names the client, not the proxy. */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "grep -q 'access 198.51.100.8 POST /api/v1/auth/login 200' %s",
             srv->log);
    cr_assert_eq(it_sh("%s", cmd), 0, "the access log shows the client address");
    free(victim);
}

/* ---- issue 15: sliding sessions, logout-all, 401 headers, PATCH /me ---- */

static void sess_key(const char *token, char *key, size_t len)
{
    char hex[65];
    auth_sha256_hex(token, strlen(token), hex);
    snprintf(key, len, "t:sess:%s", hex);
}

/* A use of a session (GET /me), then whether the shell check holds. */
struct slide {
    const char *token, *check;
};

static bool used_and(void *arg)
{
    const struct slide *s = arg;
    it_expect(it_http(srv, "GET", "/api/v1/me", s->token, NULL, NULL), 200, NULL, "a use");
    return it_sh("%s", s->check) == 0;
}

Test(accounts, login_states_expiry_and_cap_and_use_slides_the_session)
{
    char *email = it_email("slide");
    it_resp_free(signup(email, "password-123", "S"));
    struct it_resp *r = do_login(email, "password-123");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_not_null(it_jstr(r, "expires_at"));
    cr_assert_not_null(it_jstr(r, "max_expires_at"), "%s", r->body);
    /* The suite's server may run with another token_ttl_s (tests restart it): read it. */
    long long idle = (long long)it_jnum(r, "idle_timeout_s");
    cr_assert_geq(idle, 60, "%s", r->body);
    char *token = strdup(it_jstr(r, "token"));
    long long uid = (long long)it_jnum(r, "user.id");
    it_resp_free(r);
    char key[128];
    sess_key(token, key, sizeof(key));
    long long now = (long long)time(NULL), far = now + 10 * idle;
    char check[384];

    /* More than half of the idle window left: a use writes nothing. */
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s' '%lld 1 - %lld %lld' EX %lld >/dev/null", key, uid,
                       far, now + idle - 5, idle - 5),
                 0);
    it_expect(it_http(srv, "GET", "/api/v1/me", token, NULL, NULL), 200, NULL, "fresh session");
    cr_assert_eq(it_sh(IT_REDIS_CLI " GET '%s' | grep -qx '%lld 1 - %lld %lld'", key, uid, far,
                       now + idle - 5),
                 0, "no write while more than half of the idle window is left");

    /* Less than half left: the use extends it to a full idle window. */
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s' '%lld 1 - %lld %lld' EX 10 >/dev/null", key, uid,
                       far, now + 10),
                 0);
    /* summitd's session cache hears of the SET above by Redis's invalidation, which may come
     * after the next request: a use is repeated until the cache has let go (at most 3 s). */
    struct slide sl = {token, check};
    snprintf(check, sizeof(check), "test \"$(" IT_REDIS_CLI " TTL '%s')\" -gt %lld", key,
             idle - 20);
    cr_assert(it_wait(used_and, &sl, 3000), "the session slid to a full idle window");

    /* Never past the absolute cap. */
    long long cap = now + idle / 2;
    cr_assert_eq(it_sh(IT_REDIS_CLI " SET '%s' '%lld 1 - %lld %lld' EX 10 >/dev/null", key, uid,
                       cap, now + 10),
                 0);
    snprintf(check, sizeof(check), IT_REDIS_CLI " GET '%s' | grep -qx '%lld 1 - %lld %lld'", key,
             uid, cap, cap);
    cr_assert(it_wait(used_and, &sl, 3000), "extended only up to the cap");
    cr_assert_eq(it_sh("test \"$(" IT_REDIS_CLI " TTL '%s')\" -le %lld", key, idle / 2), 0);
    free(token);
    free(email);
}

Test(accounts, logout_all_ends_every_session_of_the_caller_only)
{
    char *email = it_email("lall");
    it_resp_free(signup(email, "password-123", "A"));
    char *tok[2];
    for (int i = 0; i < 2; i++) {
        struct it_resp *r = do_login(email, "password-123");
        cr_assert_eq(r->status, 200);
        tok[i] = strdup(it_jstr(r, "token"));
        it_resp_free(r);
    }
    char *other = it_user(srv, "attendee", NULL);
    it_expect(it_http(srv, "POST", "/api/v1/auth/logout-all", NULL, NULL, NULL), 401, NULL,
              "anonymous");
    it_expect(it_http(srv, "POST", "/api/v1/auth/logout-all", tok[0], NULL, NULL), 204, NULL,
              "logout-all");
    for (int i = 0; i < 2; i++) {
        struct it_resp *r = it_http(srv, "GET", "/api/v1/me", tok[i], NULL, NULL);
        cr_assert_eq(r->status, 401, "token %d still works", i);
        cr_assert_str_eq(it_jstr(r, "error.code"), "invalid_token");
        it_resp_free(r);
        free(tok[i]);
    }
    it_expect(it_http(srv, "GET", "/api/v1/me", other, NULL, NULL), 200, NULL, "someone else");
    free(other);
    free(email);
}

Test(accounts, signup_has_no_location_without_a_get_there)
{
    char *email = it_email("noloc");
    struct it_resp *r = signup(email, "password-123", "N");
    cr_assert_eq(r->status, 201);
    char buf[128];
    cr_assert_null(it_header(r, "Location", buf, sizeof(buf)), "Location: %s", buf);
    it_resp_free(r);
    free(email);
}

static struct it_resp *patch_me(const char *tok, const char *body, const char *hdr)
{
    return it_http(srv, "PATCH", "/api/v1/me", tok, body, hdr);
}

Test(accounts, patch_me_sets_and_clears_profile_and_contacts)
{
    char *tok = it_user(srv, "attendee", NULL);
    struct it_resp *r = it_http(srv, "GET", "/api/v1/me", tok, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(strstr(r->body, "\"locale\":null") && strstr(r->body, "\"contact_phone\":null"),
              "%s", r->body);
    it_resp_free(r);
    r = patch_me(tok,
                 "{\"display_name\":\"王小明\",\"locale\":\"en\",\"contact_email\":\" Wang@Example.com "
                 "\",\"contact_phone\":\"+86 138-0000-0000\",\"contact_wechat\":\"wang_xm88\"}",
                 NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "display_name"), "王小明");
    cr_assert_str_eq(it_jstr(r, "locale"), "en");
    cr_assert_str_eq(it_jstr(r, "contact_email"), "Wang@Example.com");
    cr_assert_str_eq(it_jstr(r, "contact_phone"), "+86 138-0000-0000");
    cr_assert_str_eq(it_jstr(r, "contact_wechat"), "wang_xm88");
    it_resp_free(r);
    /* null clears; absent keeps. */
    r = patch_me(tok, "{\"contact_phone\":null,\"locale\":null}", NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(strstr(r->body, "\"contact_phone\":null") && strstr(r->body, "\"locale\":null"),
              "%s", r->body);
    cr_assert_str_eq(it_jstr(r, "contact_wechat"), "wang_xm88");
    cr_assert_str_eq(it_jstr(r, "display_name"), "王小明");
    it_resp_free(r);

    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"nickname\":\"x\"}", "nickname"},
        {"{\"display_name\":null}", "display_name"},
        {"{\"display_name\":\"\"}", "display_name"},
        {"{\"locale\":\"fr\"}", "locale"},
        {"{\"locale\":5}", "locale"},
        {"{\"contact_email\":\"not-an-address\"}", "contact_email"},
        {"{\"contact_phone\":\"12ab5678\"}", "contact_phone"},
        {"{\"contact_phone\":\"1234\"}", "contact_phone"},
        {"{\"contact_phone\":\"123456789012345678901\"}", "contact_phone"},
        {"{\"contact_wechat\":\"1abcdef\"}", "contact_wechat"},
        {"{\"contact_wechat\":\"微信号微信号\"}", "contact_wechat"}, /* 6 characters, 18 bytes */
        {"{\"contact_wechat\":\"abc\"}", "contact_wechat"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = patch_me(tok, bad[i].body, NULL);
        cr_assert_eq(r->status, 400, "%s: %d %s", bad[i].body, r->status, r->body);
        /* an unknown member too: the same code as every strict body (server/body_check.c) */
        cr_assert_str_eq(it_jstr(r, "error.code"), "validation_failed", "%s: %s", bad[i].body,
                         r->body);
        cr_assert_str_eq(it_jstr(r, "error.field") ? it_jstr(r, "error.field") : "", bad[i].field,
                         "%s: %s", bad[i].body, r->body);
        it_resp_free(r);
    }
    char big[600] = "{\"display_name\":\"";
    for (int i = 0; i < 101; i++)
        strcat(big, "汉");
    strcat(big, "\"}");
    it_expect(patch_me(tok, big, NULL), 400, "display_name", "101 characters");
    free(tok);
}

Test(accounts, errors_speak_the_callers_language)
{
    char *tok = it_user(srv, "attendee", NULL);
    const char *bad = "{\"contact_phone\":\"abcdef\"}";
    /* Chinese by default; English when asked (header, then the user's locale, then lang=). */
    struct it_resp *r = patch_me(tok, bad, NULL);
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(it_jstr(r, "error.code"), "validation_failed");
    cr_assert(strstr(it_jstr(r, "error.message"), "数字"), "%s", r->body);
    it_resp_free(r);
    r = patch_me(tok, bad, "Accept-Language: en-GB, zh;q=0.5\r\n");
    cr_assert(strstr(it_jstr(r, "error.message"), "digits"), "%s", r->body);
    it_resp_free(r);
    it_expect(patch_me(tok, "{\"locale\":\"en\"}", NULL), 200, NULL, "locale en");
    r = patch_me(tok, bad, "Accept-Language: zh\r\n");
    cr_assert(strstr(it_jstr(r, "error.message"), "digits"), "the locale beats the header: %s",
              r->body);
    it_resp_free(r);
    r = it_http(srv, "PATCH", "/api/v1/me?lang=zh", tok, bad, NULL);
    cr_assert(strstr(it_jstr(r, "error.message"), "数字"), "lang= beats the locale: %s", r->body);
    it_resp_free(r);
    /* Another handler's message, in the user's locale. */
    r = it_http(srv, "GET", "/api/v1/organizations/999999999", tok, NULL, "Accept-Language: zh\r\n");
    cr_assert_eq(r->status, 404);
    cr_assert(strstr(it_jstr(r, "error.message"), "organization"), "locale en: %s", r->body);
    it_resp_free(r);
    free(tok);
}
