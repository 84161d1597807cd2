#include "tests/lib/it.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ADMIN_EMAIL "admin@test.example"
#define ADMIN_PASSWORD "admin-test-password"
#define PASSWORD "correct-horse-9"

int64_t it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The private services' ports (see IT_REDIS_CLI): defaults set before any test runs. */
__attribute__((constructor)) static void it_env_defaults(void)
{
    setenv("SD_MYSQL_PORT", "3407", 0);
    setenv("SD_REDIS_PORT", "6391", 0);
    /* the SMTP server of scripts/services.sh: SD_SMTP_PORT, else SD_MYSQL_PORT - 900 */
    char smtp[16];
    snprintf(smtp, sizeof(smtp), "%d", atoi(getenv("SD_MYSQL_PORT")) - 900);
    setenv("SD_SMTP_PORT", smtp, 0);
    /* Against a Galera cluster the harness's own reads are causal, like summitd's. */
    if (it_cluster())
        setenv("SD_MYSQL_CLI_OPT", "--init-command=SET SESSION wsrep_sync_wait = 1", 0);
}

bool it_cluster(void)
{
    const char *h = getenv("SD_MYSQL_HOSTS");
    return h && *h;
}

/* The summitd processes this test process started and has not stopped: a skipped test ends
 * without its suite's teardown, so it_skip_on_cluster() stops them itself. */
#define IT_LIVE_MAX 16
static pid_t live[IT_LIVE_MAX];

static void live_add(pid_t pid)
{
    for (int i = 0; i < IT_LIVE_MAX; i++)
        if (!live[i]) {
            live[i] = pid;
            return;
        }
}

/* Forgets pid; false when it was not live (already stopped). */
static bool live_del(pid_t pid)
{
    for (int i = 0; i < IT_LIVE_MAX; i++)
        if (live[i] == pid) {
            live[i] = 0;
            return true;
        }
    return false;
}

bool it_skip_on_cluster(const char *why)
{
    if (!it_cluster())
        return false;
    fprintf(stderr, "skipped on the cluster: %s\n", why);
    for (int i = 0; i < IT_LIVE_MAX; i++)
        if (live[i]) {
            kill(live[i], SIGTERM);
            waitpid(live[i], NULL, 0);
            live[i] = 0;
        }
    cr_skip_test("skipped on the cluster: %s", why);
    return true;
}

/* SD_MYSQL_HOSTS rotated by n: each summitd a test starts prefers the next node, so tests with
 * two instances write on one node and read on another. */
static void rotated_hosts(char *out, size_t len, int n)
{
    char list[512], *item[16], *save = NULL;
    int k = 0;
    snprintf(list, sizeof(list), "%s", getenv("SD_MYSQL_HOSTS"));
    for (char *t = strtok_r(list, ",", &save); t && k < 16; t = strtok_r(NULL, ",", &save))
        item[k++] = t;
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < k; i++)
        off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," : "", item[(n + i) % k]);
}

/* A port nobody listens on, below the kernel's ephemeral range (32768-60999 on Debian): a port
 * the kernel picked for us could be handed to an outgoing connection (a test's, or summitd's to
 * MariaDB) before summitd binds it. Random, so that parallel tests rarely try the same one. */
static int free_port(void)
{
    static _Thread_local unsigned seed;
    if (!seed)
        seed = (unsigned)getpid() ^ (unsigned)it_now_ms() ^ (unsigned)(uintptr_t)&seed;
    for (int attempt = 0; attempt < 100; attempt++) {
        int port = 20000 + (int)(rand_r(&seed) % 12000);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool free_ = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        if (free_)
            return port;
    }
    cr_assert_fail("no free port in 20000-31999");
    return 0;
}

static int connect_port(int port, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool log_has_line(const char *path, const char *needle)
{
    char line[1024];
    bool found = false;
    FILE *f = fopen(path, "r");
    while (f && !found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

static bool healthy(void *arg)
{
    struct it_server *s = arg;
    int st;
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
        s->pid = -1;
        return true; /* exited: stop waiting, the caller sees pid -1 */
    }
    struct it_resp *r = it_http(s, "GET", "/healthz", NULL, NULL, NULL);
    bool ok = r->status == 200;
    it_resp_free(r);
    if (!ok || s->quiet)
        return ok;
    /* ... and it is our process that answered: free_port() only found a port free a moment
     * ago, and another test (or checkout) may have taken it since. summitd logs this line once
     * it serves, with its signal handlers in place. */
    char want[64];
    snprintf(want, sizeof(want), "summitd serving http://%s ", s->addr);
    return log_has_line(s->log, want);
}

struct it_server *it_start(const char *const *sets)
{
    struct it_server *s = calloc(1, sizeof(*s));
    s->port = free_port();
    snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%d", s->port);
    mkdir("var", 0755);
    mkdir("var/test-logs", 0755);
    static atomic_int seq;
    snprintf(s->log, sizeof(s->log), "var/test-logs/summitd-%d-%d.log", (int)getpid(),
             atomic_fetch_add(&seq, 1));
    const char *bin = getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd";
    const char *argv[112];
    int n = 0;
    /* SUMMITD_VALGRIND=1 runs the server under valgrind; its errors turn the exit status
     * (checked by it_stop callers) into 99. */
    bool vg = getenv("SUMMITD_VALGRIND") && strcmp(getenv("SUMMITD_VALGRIND"), "1") == 0;
    if (vg) {
        argv[n++] = "/usr/bin/valgrind";
        argv[n++] = "--quiet";
        argv[n++] = "--error-exitcode=99";
        argv[n++] = "--leak-check=full";
        argv[n++] = "--errors-for-leak-kinds=definite";
    }
    argv[n++] = bin;
    argv[n++] = "--listen";
    argv[n++] = s->addr;
    static char mysql_port[32], redis_port[32], smtp_url[64];
    snprintf(smtp_url, sizeof(smtp_url), "smtp_url=smtp://127.0.0.1:%s", getenv("SD_SMTP_PORT"));
    snprintf(mysql_port, sizeof(mysql_port), "mysql_port=%s", getenv("SD_MYSQL_PORT"));
    snprintf(redis_port, sizeof(redis_port), "redis_port=%s", getenv("SD_REDIS_PORT"));
    /* On the cluster (SD_MYSQL_HOSTS, SD_REDIS_SENTINELS), unless the test names its own
     * services (a mysql_port / redis_port of its own, as test_deps does). */
    bool own_mysql = false, own_redis = false;
    for (int i = 0; sets && sets[i]; i++) {
        own_mysql = own_mysql || strncmp(sets[i], "mysql_port=", 11) == 0;
        own_redis = own_redis || strncmp(sets[i], "redis_port=", 11) == 0;
    }
    static atomic_int rotation;
    char hosts[600], sentinels[600];
    hosts[0] = sentinels[0] = '\0';
    if (it_cluster() && !own_mysql) {
        snprintf(hosts, sizeof(hosts), "mysql_hosts=");
        rotated_hosts(hosts + 12, sizeof(hosts) - 12, atomic_fetch_add(&rotation, 1));
    }
    const char *sent = getenv("SD_REDIS_SENTINELS");
    if (sent && *sent && !own_redis)
        snprintf(sentinels, sizeof(sentinels), "redis_sentinels=%s", sent);
    const char *const defaults[] = {"mysql_host=127.0.0.1",
                                    mysql_port,
                                    "mysql_user=summitd",
                                    "mysql_password=summitd",
                                    "mysql_database=summitd_test",
                                    "redis_host=127.0.0.1",
                                    redis_port,
                                    "redis_prefix=t:",
                                    "debug_routes=true",
                                    "password_cost=1",
                                    "login_limit_ip=1000000",
                                    "login_limit_account=1000",
                                    "admin_email=" ADMIN_EMAIL,
                                    "admin_password=" ADMIN_PASSWORD,
                                    "workers=8",
                                    "shutdown_timeout_s=10",
                                    "log_level=info",
                                    smtp_url,
                                    "smtp_starttls=none",
                                    /* every test server's dispatcher may deliver any due row
                                     * of the shared outbox, webhook tests' loopback receivers
                                     * too; servers that check the refusal set it false */
                                    "webhook_allow_loopback=true",
                                    "smtp_from=summitd 测试 <noreply@test.example>",
                                    NULL};
    for (int i = 0; defaults[i]; i++) {
        argv[n++] = "--set";
        argv[n++] = defaults[i];
    }
    if (hosts[0]) {
        argv[n++] = "--set";
        argv[n++] = hosts;
        /* SD_MYSQL_SYNC_WAIT=0 shows what causal reads prevent (test_cluster fails then) */
        static char sync_wait[40];
        const char *sw = getenv("SD_MYSQL_SYNC_WAIT");
        snprintf(sync_wait, sizeof(sync_wait), "mysql_sync_wait=%s", sw && *sw ? sw : "1");
        argv[n++] = "--set";
        argv[n++] = sync_wait;
    }
    if (sentinels[0]) {
        argv[n++] = "--set";
        argv[n++] = sentinels;
    }
    for (int i = 0; sets && sets[i] && n < 104; i++) {
        argv[n++] = "--set";
        argv[n++] = sets[i];
        s->quiet = s->quiet || strcmp(sets[i], "log_level=warn") == 0 ||
                   strcmp(sets[i], "log_level=error") == 0;
    }
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        dup2(fd, 1);
        close(fd);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    live_add(pid);
    bool up = it_wait(healthy, s, vg ? 120000 : 30000);
    if (!up || s->pid <= 0) {
        /* Another listener took the port between free_port() and summitd's bind: again, on
         * another port (at most a few times). */
        static _Thread_local int retries;
        if (retries < 3 && log_has_line(s->log, "Address already in use")) {
            retries++;
            if (s->pid > 0) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, NULL, 0);
                live_del(s->pid);
            }
            free(s);
            struct it_server *again = it_start(sets);
            retries = 0;
            return again;
        }
    }
    cr_assert(up && s->pid > 0, "summitd did not come up; see %s", s->log);
    return s;
}

static void check_log(const struct it_server *s)
{
    FILE *f = fopen(s->log, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        cr_assert(!strstr(line, "AddressSanitizer") && !strstr(line, "runtime error:") &&
                      !strstr(line, "LeakSanitizer") && !strstr(line, "ThreadSanitizer"),
                  "sanitizer report in %s: %s", s->log, line);
    }
    fclose(f);
}

int it_stop(struct it_server *s)
{
    if (!s)
        return 0;
    int code = -1;
    if (s->pid > 0 && !live_del(s->pid)) {
        code = 0; /* stopped already (it_skip_on_cluster) */
    } else if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int64_t deadline = it_now_ms() + 20000;
        int st;
        while (it_now_ms() < deadline) {
            pid_t w = waitpid(s->pid, &st, WNOHANG);
            if (w == s->pid) {
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                break;
            }
            usleep(10000);
        }
        if (code == -1) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
        }
    }
    check_log(s);
    free(s);
    return code;
}

void it_restart(struct it_server **s, const char *const *sets)
{
    struct it_server *old = *s;
    *s = NULL;
    cr_assert_eq(it_stop(old), 0, "summitd did not exit cleanly before its restart");
    *s = it_start(sets);
}

void it_kill(struct it_server *s)
{
    if (!s)
        return;
    if (s->pid > 0) {
        int st;
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &st, 0);
        live_del(s->pid);
    }
    free(s);
}

static char *read_all(int fd, size_t *len, int timeout_ms)
{
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - it_now_ms());
        if (left <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            break;
        if (n + 1 >= cap)
            b = realloc(b, cap *= 2);
        ssize_t k = recv(fd, b + n, cap - n - 1, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

/* Contract recording: every request/response pair it_http makes is appended as one JSON line to
 * $SD_CONTRACT_DIR (default var/contract)/<test binary>.jsonl, for tools/contract/validate.mjs
 * (make contract). One write(2) per line on an O_APPEND descriptor, so the parallel test
 * processes of one binary do not interleave. SD_CONTRACT_DIR=off disables it. */
static void record_exchange(const char *method, const char *path, const char *token,
                            const char *extra_headers, const struct it_resp *r)
{
    const char *dir = getenv("SD_CONTRACT_DIR");
    if (!dir || !*dir)
        dir = "var/contract";
    if (strcmp(dir, "off") == 0 || r->status == 0)
        return;
    mkdir(dir, 0755);
    /* Criterion's workers re-execute the binary under another argv[0]: name it by its file. */
    char exe[512], file[1024];
    ssize_t en = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[en > 0 ? en : 0] = '\0';
    const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : program_invocation_short_name;
    snprintf(file, sizeof(file), "%s/%s.jsonl", dir, base);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "test", base);
    cJSON_AddStringToObject(o, "method", method);
    const char *q = strchr(path, '?');
    char *p = q ? strndup(path, (size_t)(q - path)) : strdup(path);
    cJSON_AddStringToObject(o, "path", p);
    free(p);
    cJSON_AddStringToObject(o, "query", q ? q + 1 : "");
    cJSON_AddBoolToObject(o, "auth", token != NULL);
    cJSON_AddBoolToObject(o, "idempotency_key",
                          extra_headers && strcasestr(extra_headers, "Idempotency-Key:") != NULL);
    cJSON_AddNumberToObject(o, "status", r->status);
    cJSON *h = cJSON_AddObjectToObject(o, "headers");
    for (const char *l = strstr(r->head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
        const char *k = l + 2, *colon = strchr(k, ':'), *e = strstr(k, "\r\n");
        if (!colon || (e && colon > e))
            continue;
        char name[128], val[1024];
        size_t kn = (size_t)(colon - k);
        if (kn >= sizeof(name))
            continue;
        for (size_t i = 0; i < kn; i++)
            name[i] = (char)((k[i] >= 'A' && k[i] <= 'Z') ? k[i] + 32 : k[i]);
        name[kn] = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        size_t vn = e ? (size_t)(e - v) : strlen(v);
        if (vn >= sizeof(val))
            vn = sizeof(val) - 1;
        memcpy(val, v, vn);
        val[vn] = '\0';
        if (!cJSON_GetObjectItemCaseSensitive(h, name))
            cJSON_AddStringToObject(h, name, val);
    }
    if (r->json)
        cJSON_AddItemToObject(o, "body", cJSON_Duplicate(r->json, 1));
    else
        cJSON_AddNumberToObject(o, "body_bytes", (double)r->body_len);
    char *line = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    size_t n = strlen(line);
    line = realloc(line, n + 2);
    line[n] = '\n';
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, n + 1);
        (void)w;
        close(fd);
    }
    free(line);
}

struct it_resp *it_http(const struct it_server *s, const char *method, const char *path,
                        const char *token, const char *body, const char *extra_headers)
{
    struct it_resp *r = calloc(1, sizeof(*r));
    int fd = connect_port(s->port, 30000);
    if (fd < 0)
        return r;
    size_t blen = body ? strlen(body) : 0;
    size_t cap = 1024 + blen + (extra_headers ? strlen(extra_headers) : 0);
    char *req = malloc(cap);
    int n =
        snprintf(req, cap,
                 "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s%s%s%s"
                 "Content-Length: %zu\r\n%s\r\n",
                 method, path, s->addr, token ? "Authorization: Bearer " : "", token ? token : "",
                 token ? "\r\n" : "", body ? "Content-Type: application/json\r\n" : "", blen,
                 extra_headers ? extra_headers : "");
    size_t off = 0, total = (size_t)n;
    while (off < total) {
        ssize_t k = send(fd, req + off, total - off, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    off = 0;
    while (off < blen) {
        ssize_t k = send(fd, body + off, blen - off, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    free(req);
    size_t len;
    char *raw = read_all(fd, &len, 30000);
    close(fd);
    char *sep = strstr(raw, "\r\n\r\n");
    if (!sep || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1) {
        r->status = 0;
        free(raw);
        return r;
    }
    *sep = '\0';
    r->head = strdup(raw);
    r->body_len = len - (size_t)(sep + 4 - raw);
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, sep + 4, r->body_len);
    r->body[r->body_len] = '\0';
    free(raw);
    if (r->body_len)
        r->json = cJSON_ParseWithLength(r->body, r->body_len);
    record_exchange(method, path, token, extra_headers, r);
    return r;
}

void it_resp_free(struct it_resp *r)
{
    if (!r)
        return;
    free(r->head);
    free(r->body);
    cJSON_Delete(r->json);
    free(r);
}

const char *it_header(const struct it_resp *r, const char *name, char *buf, size_t len)
{
    if (!r->head)
        return NULL;
    size_t nl = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *h = p + 2;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            h += nl + 1;
            while (*h == ' ')
                h++;
            const char *e = strstr(h, "\r\n");
            size_t n = e ? (size_t)(e - h) : strlen(h);
            if (n >= len)
                n = len - 1;
            memcpy(buf, h, n);
            buf[n] = '\0';
            return buf;
        }
    }
    return NULL;
}

static const cJSON *jpath(const struct it_resp *r, const char *path)
{
    const cJSON *cur = r->json;
    char key[128];
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        if (cJSON_IsArray(cur) && key[0] >= '0' && key[0] <= '9')
            cur = cJSON_GetArrayItem(cur, atoi(key));
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        path += n + (dot ? 1 : 0);
    }
    return cur;
}

const char *it_jstr(const struct it_resp *r, const char *path)
{
    const cJSON *v = jpath(r, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double it_jnum(const struct it_resp *r, const char *path)
{
    const cJSON *v = jpath(r, path);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

char *it_raw(int port, const char *data, size_t len, int timeout_ms)
{
    int fd = connect_port(port, timeout_ms);
    if (fd < 0)
        return strdup("");
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    size_t n;
    char *out = read_all(fd, &n, timeout_ms);
    close(fd);
    return out;
}

char *it_email(const char *tag)
{
    static atomic_int n;
    char *e = NULL;
    unsigned rnd = (unsigned)it_now_ms() ^ (unsigned)rand();
    if (asprintf(&e, "%s-%d-%d-%x@test.example", tag, (int)getpid(), atomic_fetch_add(&n, 1), rnd) <
        0)
        abort();
    return e;
}

/* Signups and logins share summitd's bounded password-hashing capacity (server/pwhash.h): of a
 * burst of them (the crowd tests sign up 50 users at once) some are refused with 503 overloaded
 * and Retry-After. Like a client that honours it, the harness asks again until a deadline. */
struct patient_call {
    const struct it_server *s;
    const char *method, *path, *body;
    struct it_resp *r;
};

static bool answered_not_busy(void *arg)
{
    struct patient_call *c = arg;
    it_resp_free(c->r);
    c->r = it_http(c->s, c->method, c->path, NULL, c->body, NULL);
    const char *code = it_jstr(c->r, "error.code");
    return !(c->r->status == 503 && code && strcmp(code, "overloaded") == 0);
}

static struct it_resp *http_patient(const struct it_server *s, const char *method, const char *path,
                                    const char *body)
{
    struct patient_call c = {.s = s, .method = method, .path = path, .body = body};
    it_wait(answered_not_busy, &c, 60000);
    return c.r;
}

static char *login(const struct it_server *s, const char *email, const char *password)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    struct it_resp *r = http_patient(s, "POST", "/api/v1/auth/login", body);
    cr_assert_eq(r->status, 200, "login %s: %d %s", email, r->status, r->body);
    char *t = strdup(it_jstr(r, "token"));
    it_resp_free(r);
    return t;
}

char *it_user(const struct it_server *s, const char *role, int64_t *id)
{
    char *email = it_email(role);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"display_name\":\"测试 %s\","
             "\"role\":\"%s\"}",
             email, role, role);
    struct it_resp *r = http_patient(s, "POST", "/api/v1/users", body);
    cr_assert_eq(r->status, 201, "signup: %d %s", r->status, r->body);
    if (id)
        *id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    char *t = login(s, email, PASSWORD);
    free(email);
    return t;
}

char *it_admin(const struct it_server *s)
{
    return login(s, ADMIN_EMAIL, ADMIN_PASSWORD);
}

char *it_organizer(const struct it_server *s, int64_t *id)
{
    int64_t uid;
    char *t = it_user(s, "attendee", &uid);
    char *admin = it_admin(s);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/users/%lld/roles", (long long)uid);
    struct it_resp *r = it_http(s, "POST", path, admin, "{\"role\":\"organizer\"}", NULL);
    cr_assert_eq(r->status, 200, "grant: %d %s", r->status, r->body);
    it_resp_free(r);
    free(admin);
    if (id)
        *id = uid;
    return t; /* the grant rewrote the live session's roles */
}

struct par {
    int n;
    void (*fn)(int, void *);
    void *arg;
    pthread_barrier_t bar;
    atomic_int next;
};

static void *par_main(void *arg)
{
    struct par *p = arg;
    int i = atomic_fetch_add(&p->next, 1);
    pthread_barrier_wait(&p->bar);
    p->fn(i, p->arg);
    return NULL;
}

void it_parallel(int n, void (*fn)(int i, void *arg), void *arg)
{
    struct par p = {.n = n, .fn = fn, .arg = arg};
    pthread_barrier_init(&p.bar, NULL, (unsigned)n);
    pthread_t *th = calloc((size_t)n, sizeof(pthread_t));
    for (int i = 0; i < n; i++) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 256 * 1024);
        cr_assert(pthread_create(&th[i], &a, par_main, &p) == 0);
        pthread_attr_destroy(&a);
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&p.bar);
    free(th);
}

int it_sh(const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&cmd, fmt, ap) < 0)
        abort();
    va_end(ap);
    int st = system(cmd);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool it_wait(bool (*fn)(void *arg), void *arg, int ms)
{
    int64_t deadline = it_now_ms() + ms;
    do {
        if (fn(arg))
            return true;
        usleep(20000);
    } while (it_now_ms() < deadline);
    return fn(arg);
}

static char *vsql(const char *fmt, va_list ap)
{
    char *q = NULL;
    cr_assert_geq(vasprintf(&q, fmt, ap), 0);
    /* Through a file, so that quotes in the SQL need no shell escaping. */
    char path[] = "/tmp/summitd-it-sql-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, q, strlen(q)), (ssize_t)strlen(q));
    close(fd);
    char cmd[320];
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
    cr_assert_eq(st, 0, "SQL failed: %s\n%s", q, out);
    free(q);
    while (len && out[len - 1] == '\n')
        out[--len] = '\0';
    return out;
}

char *it_sql(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = vsql(fmt, ap);
    va_end(ap);
    return out;
}

int64_t it_sql_i64(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = vsql(fmt, ap);
    va_end(ap);
    int64_t v = strtoll(out, NULL, 10);
    free(out);
    return v;
}

void it_expect(struct it_resp *r, int status, const char *field, const char *what)
{
    cr_assert_eq(r->status, status, "%s: got %d %s", what, r->status, r->body);
    if (status >= 400) {
        cr_assert_not_null(it_jstr(r, "error.code"), "%s: the error envelope", what);
        if (field) {
            const char *f = it_jstr(r, "error.field");
            cr_assert(f && strcmp(f, field) == 0, "%s: field %s expected, got %s", what, field,
                      f ? f : "(none)");
        }
    }
    it_resp_free(r);
}

static char *fmt_time(int64_t t, char *buf, char sep, const char *zone)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    /* (The modulos only tell the compiler how wide each field can be.) */
    snprintf(buf, 32, "%04u-%02u-%02u%c%02u:%02u:%02u%s", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, sep,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
             zone);
    return buf;
}

char *it_rfc3339(int64_t t, char *buf)
{
    return fmt_time(t, buf, 'T', "Z");
}

char *it_sqltime(int64_t t, char *buf)
{
    return fmt_time(t, buf, ' ', "");
}

void it_unique(char *buf, size_t len, const char *prefix)
{
    static atomic_int seq;
    snprintf(buf, len, "%s%dx%dx%lld", prefix, (int)getpid(), atomic_fetch_add(&seq, 1),
             (long long)(it_now_ms() % 100000000));
}

int64_t it_org(const struct it_server *s, const char *token, const char *tier, const char *sector,
               const char *zone)
{
    char name[96], body[512];
    it_unique(name, sizeof(name), "org");
    snprintf(body, sizeof(body),
             "{\"name\":\"测试企业 %s\",\"tier\":\"%s\",\"sector\":\"%s\",\"zone\":\"%s\"}", name,
             tier, sector, zone);
    struct it_resp *r = it_http(s, "POST", "/api/v1/organizations", token, body, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    return id;
}

void it_join(const struct it_server *s, const char *member_token, int64_t org_id,
             const char *user_token, int64_t user_id)
{
    char path[96], body[64];
    snprintf(path, sizeof(path), "/api/v1/organizations/%lld/invitations", (long long)org_id);
    snprintf(body, sizeof(body), "{\"user_id\":%lld}", (long long)user_id);
    struct it_resp *r = it_http(s, "POST", path, member_token, body, NULL);
    cr_assert(r->status == 201 || r->status == 200, "invite: %d %s", r->status, r->body);
    int64_t id = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/invitations/%lld/accept", (long long)id);
    r = it_http(s, "POST", path, user_token, NULL, NULL);
    cr_assert_eq(r->status, 200, "accept: %d %s", r->status, r->body);
    it_resp_free(r);
}

/* ---- the Maildir of the test SMTP server ---- */

const char *it_maildir(void)
{
    static char dir[512];
    const char *var = getenv("SD_VAR");
    snprintf(dir, sizeof(dir), "%s/mail/new", var && *var ? var : "var");
    return dir;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 8192, n = 0;
    char *b = malloc(cap);
    size_t k;
    while ((k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 >= cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    b[n] = '\0';
    if (len)
        *len = n;
    return b;
}

size_t it_mails(const char *needle, char **first)
{
    if (first)
        *first = NULL;
    DIR *d = opendir(it_maildir());
    if (!d)
        return 0;
    size_t count = 0;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", it_maildir(), e->d_name);
        char *m = slurp(path, NULL);
        if (!m)
            continue; /* moved meanwhile */
        if (strstr(m, needle)) {
            count++;
            if (first && !*first) {
                *first = m;
                m = NULL;
            }
        }
        free(m);
    }
    closedir(d);
    return count;
}
