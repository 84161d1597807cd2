#ifndef SUMMITD_TESTS_IT_H
#define SUMMITD_TESTS_IT_H

/* Integration-test harness: spawns the real build/summitd on a free port against the private
 * MariaDB (database summitd_test) and Redis started by `scripts/services.sh`, and talks to it
 * over HTTP/1.1 with a small blocking client. No mocks. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct it_server {
    int pid;
    int port;
    char log[256]; /* its stderr */
    char addr[32]; /* "127.0.0.1:port" */
    bool quiet;    /* started with a log level that hides "summitd serving" */
};

/* Extra `--set key=value` arguments, NULL-terminated (may be NULL). Defaults: the shared test
 * services, redis_prefix "t:", debug_routes on, low password cost, high login limits. */
struct it_server *it_start(const char *const *sets);
/* SIGTERM, wait (bounded), and fail the test when the server's log has a sanitizer report.
 * Returns the exit status (or -1 when it had to be killed). */
int it_stop(struct it_server *s);
/* Stops *s (asserting a clean exit, after clearing *s so a failed assertion cannot stop it
 * twice) and starts a new one with `sets`. */
void it_restart(struct it_server **s, const char *const *sets);
/* SIGKILL without checks. */
void it_kill(struct it_server *s);

struct it_resp {
    int status; /* 0 when the connection failed */
    char *head; /* raw header block */
    char *body;
    size_t body_len;
    struct cJSON *json; /* parsed body or NULL */
};

/* One request on a new connection. token and body may be NULL; extra_headers is a block of
 * "Name: value\r\n" lines or NULL. Caller frees with it_resp_free. */
struct it_resp *it_http(const struct it_server *s, const char *method, const char *path,
                        const char *token, const char *body, const char *extra_headers);
void it_resp_free(struct it_resp *r);
/* A response header value (copied into buf) or NULL. */
const char *it_header(const struct it_resp *r, const char *name, char *buf, size_t len);
/* json accessors: "error.code" style dotted paths; NULL / 0 when absent. */
const char *it_jstr(const struct it_resp *r, const char *path);
double it_jnum(const struct it_resp *r, const char *path);

/* Sends raw bytes and returns what came back before the peer closed or `timeout_ms` passed
 * (malloc'd, NUL-terminated). */
char *it_raw(int port, const char *data, size_t len, int timeout_ms);

/* A fresh unique e-mail address "<tag>-<pid>-<n>@test.example". Caller frees. */
char *it_email(const char *tag);
/* A word no other test (or earlier run) uses, "<prefix><pid>x<n>x<ms>": names, tags and query
 * terms that isolate a test's rows in the shared test database. */
void it_unique(char *buf, size_t len, const char *prefix);
/* Creates an organization with a unique name (the token's user becomes a member); asserts 201
 * and returns its id. */
int64_t it_org(const struct it_server *s, const char *token, const char *tier, const char *sector,
               const char *zone);

/* Makes a user a member of an organization the way the API allows: a member (member_token)
 * invites user_id, and the user (user_token) accepts. Asserts 201 and 200. */
void it_join(const struct it_server *s, const char *member_token, int64_t org_id,
             const char *user_token, int64_t user_id);

/* Signs up (role "attendee" or "enterprise") and logs in; returns the token (caller frees) and
 * the user id. Asserts on failure. Both ask again while summitd answers 503 overloaded (its
 * password hashing is busy), as it_admin and it_organizer do. */
char *it_user(const struct it_server *s, const char *role, int64_t *id);
/* The admin's token (the account the harness configures). */
char *it_admin(const struct it_server *s);
/* A new user granted `organizer` by the admin; returns its token (logged in after the grant). */
char *it_organizer(const struct it_server *s, int64_t *id);

/* Runs fn(i, arg) for i in 0..n-1 on n threads at once (released together). */
void it_parallel(int n, void (*fn)(int i, void *arg), void *arg);

/* Runs SQL (several statements allowed) against the test database with the mariadb CLI and
 * returns its output (tab-separated, no header, final newline removed). Asserts success. Caller
 * frees. For reading stored state in tests (and fixtures that must choose values the API does
 * not let a client set). */
char *it_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first number of it_sql's output. */
int64_t it_sql_i64(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Asserts the status (and, for errors, the envelope and error.field when field is not NULL),
 * then frees r. `what` names the case in the failure message. */
void it_expect(struct it_resp *r, int status, const char *field, const char *what);

/* RFC 3339 ("2032-03-10T08:00:00Z") and MySQL DATETIME text of t; buf holds 32 bytes. */
char *it_rfc3339(int64_t t, char *buf);
char *it_sqltime(int64_t t, char *buf);

/* Command lines for the private services, for it_sh: the ports come from the environment
 * (SD_MYSQL_PORT, SD_REDIS_PORT, as scripts/services.sh reads them; the harness sets the
 * defaults 3407 and 6391 when they are unset), so several checkouts can test side by side. */
#define IT_REDIS_CLI "redis-cli -p \"$SD_REDIS_PORT\""
#define IT_MYSQL_CLI                                                                               \
    "mariadb --no-defaults \"${SD_MYSQL_CLI_OPT:---no-beep}\" -h127.0.0.1 -P\"$SD_MYSQL_PORT\" "   \
    "-usummitd -psummitd --default-character-set=utf8mb4 summitd_test -N -B"

/* Whether the suite runs against the cluster of scripts/cluster.sh (SD_MYSQL_HOSTS set, make
 * test-cluster): then each summitd it_start makes prefers the next Galera node in turn, uses
 * Sentinel (SD_REDIS_SENTINELS) and causal reads, and so do the harness's own reads. */
bool it_cluster(void);
/* On the cluster: prints the reason, marks the test skipped and returns true (return at once);
 * elsewhere false. For tests that need one node (they stop or restart the shared services). */
bool it_skip_on_cluster(const char *why);

/* The Maildir (its new/ directory) where the SMTP server of scripts/services.sh writes every
 * message it accepts: $SD_VAR/mail/new (var/mail/new). Every summitd it_start makes sends there
 * (smtp_url = smtp://127.0.0.1:$SD_SMTP_PORT, the port SD_MYSQL_PORT - 900 unless set). */
const char *it_maildir(void);
/* How many messages in the Maildir contain `needle` (a unique address or Message-ID); *first
 * (when first is not NULL) gets the raw text of one of them (caller frees) or NULL. */
size_t it_mails(const char *needle, char **first);

/* Runs a shell command (e.g. scripts/services.sh stop-redis); returns its exit status. */
int it_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Polls until fn(arg) is true or ms pass. */
bool it_wait(bool (*fn)(void *arg), void *arg, int ms);

/* Monotonic milliseconds. */
int64_t it_now_ms(void);

/* The usual suite of a test file: a summitd of its own for every test (started before it, with
 * the extra `--set` values given, and stopped after it asserting a clean exit), in `srv`.
 *     IT_SUITE(events, 120);
 *     IT_SUITE(headers, 120, "max_body_bytes=4096");
 * A test may stop srv itself (then set it to NULL) or replace it with it_restart(&srv, …). */
#define IT_SUITE(name, secs, ...)                                                                  \
    static struct it_server *srv;                                                                  \
    static void it_suite_setup(void)                                                               \
    {                                                                                              \
        static const char *const it_suite_sets[] = {__VA_ARGS__ __VA_OPT__(, ) NULL};              \
        srv = it_start(it_suite_sets);                                                             \
    }                                                                                              \
    static void it_suite_teardown(void)                                                            \
    {                                                                                              \
        struct it_server *s = srv;                                                                 \
        srv = NULL;                                                                                \
        if (s)                                                                                     \
            cr_assert_eq(it_stop(s), 0, "summitd did not exit cleanly");                           \
    }                                                                                              \
    TestSuite(name, .init = it_suite_setup, .fini = it_suite_teardown, .timeout = (secs))

#endif
