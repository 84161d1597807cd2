/* Dependencies going away and coming back: 503 with Retry-After meanwhile, recovery without a
 * restart of summitd. Each test runs its own private MariaDB and Redis (scripts/services.sh with
 * its own state dir and ports), so stopping them disturbs no other test. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/lib/it.h"

static struct it_server *srv;
static char env[256];
static char sets_buf[2][64];

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

static void setup(void)
{
    int mp = free_port(), rp = free_port();
    snprintf(env, sizeof(env), "SD_VAR=var/deps-%d SD_MYSQL_PORT=%d SD_REDIS_PORT=%d",
             (int)getpid(), mp, rp);
    cr_assert_eq(it_sh("%s scripts/services.sh start >/dev/null", env), 0);
    snprintf(sets_buf[0], sizeof(sets_buf[0]), "mysql_port=%d", mp);
    snprintf(sets_buf[1], sizeof(sets_buf[1]), "redis_port=%d", rp);
    const char *sets[] = {sets_buf[0], sets_buf[1], "mysql_connect_timeout_s=1", NULL};
    srv = it_start(sets);
}

static void teardown(void)
{
    if (srv)
        cr_assert_eq(it_stop(srv), 0, "summitd exited cleanly after the outage");
    it_sh("%s scripts/services.sh stop >/dev/null", env);
    it_sh("rm -rf var/deps-%d", (int)getpid());
}

TestSuite(deps, .init = setup, .fini = teardown, .timeout = 180);

static int status_of(const char *method, const char *path, const char *token, const char *body)
{
    struct it_resp *r = it_http(srv, method, path, token, body, NULL);
    int s = r->status;
    it_resp_free(r);
    return s;
}

static bool ready(void *arg)
{
    (void)arg;
    return status_of("GET", "/readyz", NULL, NULL) == 200;
}

static void expect_503(const char *method, const char *path, const char *token, const char *body)
{
    struct it_resp *r = it_http(srv, method, path, token, body, NULL);
    cr_assert_eq(r->status, 503, "%s %s: %d %s", method, path, r->status, r->body);
    char ra[16];
    cr_assert_not_null(it_header(r, "Retry-After", ra, sizeof(ra)), "%s has Retry-After", path);
    cr_assert_not_null(it_jstr(r, "error.code"));
    it_resp_free(r);
}

Test(deps, redis_down_then_back)
{
    char *token = it_user(srv, "attendee", NULL);
    cr_assert_eq(it_sh("%s scripts/services.sh kill-redis", env), 0);
    expect_503("GET", "/readyz", NULL, NULL);
    expect_503("GET", "/api/v1/me", token, NULL);
    expect_503("POST", "/api/v1/auth/login", NULL,
               "{\"email\":\"x@y.zz\",\"password\":\"whatever-1\"}");
    cr_assert_eq(status_of("GET", "/healthz", NULL, NULL), 200, "the process stays up");
    struct it_resp *m = it_http(srv, "GET", "/metrics", NULL, NULL, NULL);
    cr_assert(strstr(m->body, "summitd_dependency_up{dependency=\"redis\"} 0"));
    it_resp_free(m);

    cr_assert_eq(it_sh("%s scripts/services.sh start-redis >/dev/null", env), 0);
    cr_assert(it_wait(ready, NULL, 10000), "ready again without a restart");
    /* Sessions lived only in Redis (no persistence here): log in again and carry on. */
    free(token);
    token = it_user(srv, "attendee", NULL);
    cr_assert_eq(status_of("GET", "/api/v1/me", token, NULL), 200);
    free(token);
}

Test(deps, mariadb_down_then_back)
{
    char *token = it_user(srv, "enterprise", NULL);
    cr_assert_eq(it_sh("%s scripts/services.sh kill-mysql", env), 0);
    expect_503("GET", "/readyz", NULL, NULL);
    expect_503("GET", "/api/v1/me", token, NULL);
    expect_503("POST", "/api/v1/organizations", token,
               "{\"name\":\"断网测试\",\"tier\":\"seed\",\"sector\":\"电子信息\"}");
    cr_assert_eq(status_of("GET", "/healthz", NULL, NULL), 200, "the process stays up");

    cr_assert_eq(it_sh("%s scripts/services.sh start-mysql >/dev/null", env), 0);
    cr_assert(it_wait(ready, NULL, 15000), "ready again without a restart");
    cr_assert_eq(status_of("GET", "/api/v1/me", token, NULL), 200,
                 "the token survived (it lives in Redis)");
    cr_assert_eq(status_of("POST", "/api/v1/organizations", token,
                           "{\"name\":\"恢复测试\",\"tier\":\"seed\",\"sector\":\"电子信息\"}"),
                 201);
    free(token);
}
