/* `make faults`: scripted faults against real summitd processes under a registration load from
 * several concurrent clients, each recording every response it got. Runs its own private
 * MariaDB and Redis (scripts/services.sh with SD_VAR=var/faults and free ports), so it never
 * disturbs other tests. Scenarios:
 *   mysql    kill -9 MariaDB mid-load, restart it: 503 + Retry-After meanwhile, 2xx again after
 *            without restarting summitd;
 *   redis    the same with Redis (login sessions are lost: clients log in again);
 *   summitd  kill -9 summitd mid-load and start it again;
 *   multi    three summitd instances, clients spread over them.
 *   mail-kill   300 e-mail outbox rows; kill -9 summitd while it delivers them, start it again:
 *               every row delivered (a message in the private SMTP server's Maildir) at least
 *               once, none lost; prints the duplicates (rows in flight at the kill);
 *   mail-smtp   the SMTP server down while 50 rows are due: retried, then each delivered once
 *               after it is back;
 *   mail-multi  three instances dispatch the same 300 rows at once: each delivered, prints the
 *               duplicate count (must be 0 outside crash recovery).
 *   webhook     a webhook receiver (tests/faults/webhook_receiver.py, Debian's python3, which
 *               verifies every signature on its own) answers 500 to its first 3 requests, then
 *               200: every one of 20 rows delivered with a verified signature, every attempt in
 *               the endpoint's delivery log (500s included), the endpoint still enabled.
 * After each: every registration acknowledged with 201 is in the database as acknowledged, no
 * session holds more confirmed registrations than seats, counters equal rows, waitlist positions
 * are dense (1..waitlist_count). Prints `faults: N scenarios, acknowledged=A, lost=L` and exits
 * non-zero on any loss or broken check.
 *
 *   faults [SCENARIO...]      (default: all; SUMMITD_BIN names the binary, default build/summitd)
 *
 * `faults --cluster [SCENARIO...]` (make faults-cluster) runs against the cluster of
 * scripts/cluster.sh instead (already started: three Galera nodes, Redis with Sentinel, three
 * summitd behind HAProxy on CLUSTER_LB_PORT), every request through the load balancer:
 *   hot      100 users register at once for one session of 20 seats, spread over the three
 *            nodes: certification conflicts are retried, never a 5xx, never oversold;
 *   galera   kill -9 of a Galera node under load, then its restart (it rejoins by IST) and its
 *            instance's return to it;
 *   isolate  a node cut off (gmcast.isolate=1): summitd moves off it, no 500, /readyz does not
 *            call it ready there; then it rejoins;
 *   sentinel kill -9 of the Redis master under load: Sentinel promotes the replica, login
 *            sessions stay valid.
 * Each acknowledged registration is checked on every node. Prints the longest window of 503s
 * and `faults-cluster: N scenarios, acknowledged=A, lost=L, oversold=O`.
 */
#include <arpa/inet.h>
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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCLIENTS 6
#define NUSERS 200
#define NSESSIONS 8
#define CAPACITY 40 /* per session; with waitlist, so both paths run */
#define MAX_ACKS 20000
#define PASSWORD "fault-password-1"
#define ADMIN_EMAIL "admin@faults.example"
#define ADMIN_PASSWORD "faults-admin-password"
#define MAX_INST 3

/* ---------------------------------------------------------------- small utilities */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The wall-clock time of day (local, to the millisecond), to set a step beside the nodes' logs
 * (scripts/cluster.sh logs). Not thread-safe: the scenario's thread only. */
static const char *clock_now(void)
{
    static char out[64];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    snprintf(out, sizeof(out), "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000);
    return out;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static char env_prefix[256];
static int mysql_port, redis_port, smtp_port;
static const char *bin;
static bool keep_state;
/* --cluster: the cluster of scripts/cluster.sh behind its load balancer */
static bool cluster;
static int sql_node = 1; /* the Galera node sql() reads */
static const char *cluster_db = "summitd";
static const char *cluster_var = "var/cluster"; /* CLUSTER_VAR, as scripts/cluster.sh reads it */
static const char *admin_email = ADMIN_EMAIL, *admin_password = ADMIN_PASSWORD;
static char org_email[96] = "organizer@faults.example";
static char run_tag[24] = "";

static void stop_all(void);

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "faults: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    stop_all();
    exit(2);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("bind: %s", strerror(errno));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---------------------------------------------------------------- HTTP client */

struct resp {
    int status; /* 0: connection failed or timed out */
    bool retry_after;
    char *body;
    cJSON *json;
};

static void resp_free(struct resp *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

/* One request on its own connection (Connection: close), bounded by timeout_ms overall. */
static struct resp http(int port, const char *method, const char *path, const char *token,
                        const char *body, int timeout_ms)
{
    struct resp out = {0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return out;
    }
    char req[4096];
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s%s"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", blen, body ? body : "");
    if (n <= 0 || (size_t)n >= sizeof(req) || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return out;
    }
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0) {
            len = 0; /* timed out: the outcome is unknown */
            break;
        }
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &out.status) != 1) {
        out.status = 0;
        free(buf);
        return out;
    }
    *sep = '\0';
    for (char *h = strstr(buf, "\r\n"); h; h = strstr(h + 2, "\r\n"))
        if (strncasecmp(h + 2, "Retry-After:", 12) == 0)
            out.retry_after = true;
    out.body = strdup(sep + 4);
    out.json = cJSON_Parse(out.body);
    free(buf);
    return out;
}

static const char *jstr(const struct resp *r, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jint(const struct resp *r, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* ---------------------------------------------------------------- summitd instances */

struct inst {
    pid_t pid;
    int port;
    char log[128];
};
static struct inst inst[MAX_INST];

static bool healthy(int port)
{
    struct resp r = http(port, "GET", "/healthz", NULL, NULL, 1000);
    bool ok = r.status == 200;
    resp_free(&r);
    return ok;
}

static void inst_start(int i)
{
    struct inst *s = &inst[i];
    if (!s->port)
        s->port = free_port();
    snprintf(s->log, sizeof(s->log), "var/faults/summitd-%d.log", i);
    char listen[32], mp[32], rp[32], su[64];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
    snprintf(su, sizeof(su), "smtp_url=smtp://127.0.0.1:%d", smtp_port);
    snprintf(mp, sizeof(mp), "mysql_port=%d", mysql_port);
    snprintf(rp, sizeof(rp), "redis_port=%d", redis_port);
    const char *sets[] = {"mysql_host=127.0.0.1",
                          mp,
                          "mysql_user=summitd",
                          "mysql_password=summitd",
                          "mysql_database=summitd_test",
                          "redis_host=127.0.0.1",
                          rp,
                          "redis_prefix=f:",
                          "password_cost=1",
                          "login_limit_ip=1000000",
                          "login_limit_account=1000000",
                          "admin_email=" ADMIN_EMAIL,
                          "admin_password=" ADMIN_PASSWORD,
                          "workers=8",
                          "mysql_connect_timeout_s=1",
                          "mysql_rw_timeout_s=3",
                          "redis_timeout_ms=300",
                          "access_log=false",
                          "log_level=warn",
                          "shutdown_timeout_s=5",
                          /* e-mail to the private SMTP server; a short lease, so that rows a
                           * killed instance had claimed are due again soon */
                          su,
                          "smtp_starttls=none",
                          "smtp_from=faults <noreply@faults.example>",
                          "notify_lease_s=5",
                          "notify_backoff_ms=200",
                          "notify_backoff_max_s=2",
                          "notify_max_attempts=50",
                          "notify_poll_ms=50",
                          "webhook_allow_loopback=true", /* the receiver of `webhook` */
                          NULL};
    const char *argv[64];
    int n = 0;
    argv[n++] = bin;
    argv[n++] = "--listen";
    argv[n++] = listen;
    for (int k = 0; sets[k]; k++) {
        argv[n++] = "--set";
        argv[n++] = sets[k];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    int64_t deadline = now_ms() + 30000;
    while (!healthy(s->port)) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            die("summitd %d exited at start; see %s", i, s->log);
        if (now_ms() > deadline)
            die("summitd %d did not come up; see %s", i, s->log);
        sleep_ms(50);
    }
}

static void inst_kill(int i, int sig)
{
    if (inst[i].pid > 0) {
        kill(inst[i].pid, sig);
        int st;
        int64_t deadline = now_ms() + 15000;
        while (waitpid(inst[i].pid, &st, WNOHANG) == 0) {
            if (now_ms() > deadline) {
                kill(inst[i].pid, SIGKILL);
                waitpid(inst[i].pid, &st, 0);
                break;
            }
            sleep_ms(20);
        }
        inst[i].pid = 0;
    }
}

static void stop_all(void)
{
    if (cluster)
        return; /* the cluster belongs to scripts/cluster.sh */
    for (int i = 0; i < MAX_INST; i++)
        inst_kill(i, SIGTERM);
    if (env_prefix[0]) {
        sh("%s scripts/services.sh stop >/dev/null 2>&1", env_prefix);
        if (!keep_state)
            sh("rm -rf var/faults/mysql var/faults/redis var/faults/mail var/faults/smtp");
    }
}

/* ---------------------------------------------------------------- SQL checks (mariadb CLI) */

static char *sql(const char *q)
{
    char cmd[4096];
    if (cluster)
        /* causal: the node has applied every commit the cluster made before this read */
        snprintf(cmd, sizeof(cmd),
                 "mariadb --no-defaults -S %s/galera-%d/mysqld.sock -uroot -N -B %s "
                 "--init-command='SET SESSION wsrep_sync_wait = 1' -e \"%s\" 2>&1",
                 cluster_var, sql_node, cluster_db, q);
    else
        snprintf(cmd, sizeof(cmd),
                 "mariadb --no-defaults -S var/faults/mysql/mariadbd.sock -uroot -N -B "
                 "summitd_test -e \"%s\" 2>&1",
                 q);
    FILE *p = popen(cmd, "r");
    if (!p)
        die("popen: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    size_t k;
    while ((k = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += k;
        if (len + 1 >= cap)
            out = realloc(out, cap *= 2);
    }
    out[len] = '\0';
    int st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die("SQL failed: %s: %s", q, out);
    return out;
}

static long sql_long(const char *q)
{
    char *s = sql(q);
    long v = strtol(s, NULL, 10);
    free(s);
    return v;
}

/* ---------------------------------------------------------------- accounts and data */

static char *admin_token;
static char *org_token;
static char *user_tok[NUSERS];
static char user_email[NUSERS][64];
static pthread_mutex_t tok_mu = PTHREAD_MUTEX_INITIALIZER;

static char *login(int port, const char *email, const char *pw)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw);
    struct resp r = http(port, "POST", "/api/v1/auth/login", NULL, body, 10000);
    char *t = r.status == 200 && jstr(&r, "token") ? strdup(jstr(&r, "token")) : NULL;
    resp_free(&r);
    return t;
}

static int64_t create_user(int port, const char *email)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"email\":\"%s\",\"password\":\"%s\",\"display_name\":\"故障测试\",\"role\":"
             "\"attendee\"}",
             email, PASSWORD);
    struct resp r = http(port, "POST", "/api/v1/users", NULL, body, 10000);
    if (r.status != 201)
        die("POST /users %s: %d %s", email, r.status, r.body ? r.body : "");
    int64_t id = jint(&r, "id");
    resp_free(&r);
    return id;
}

static void setup_accounts(int port)
{
    admin_token = login(port, admin_email, admin_password);
    if (!admin_token)
        die("admin login failed (%s)", admin_email);
    snprintf(org_email, sizeof(org_email), "organizer%s@faults.example", run_tag);
    int64_t oid = create_user(port, org_email);
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/users/%lld/roles", (long long)oid);
    struct resp r = http(port, "POST", path, admin_token, "{\"role\":\"organizer\"}", 10000);
    if (r.status != 200)
        die("grant organizer: %d %s", r.status, r.body ? r.body : "");
    resp_free(&r);
    org_token = login(port, org_email, PASSWORD);
    for (int i = 0; i < NUSERS; i++) {
        snprintf(user_email[i], sizeof(user_email[i]), "u%d%s@faults.example", i, run_tag);
        create_user(port, user_email[i]);
        user_tok[i] = login(port, user_email[i], PASSWORD);
        if (!user_tok[i])
            die("login %s failed", user_email[i]);
    }
}

static void iso(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A published event with n sessions of cap seats and a waitlist. */
static void make_sessions_n(int port, const char *title, int64_t *ids, int n, int cap);
static void make_sessions(int port, const char *title, int64_t *ids)
{
    make_sessions_n(port, title, ids, NSESSIONS, CAPACITY);
}

static void make_sessions_n(int port, const char *title, int64_t *ids, int nsess, int cap)
{
    /* A fresh login: a Redis restart in an earlier scenario dropped the old session. */
    free(org_token);
    org_token = login(port, org_email, PASSWORD);
    if (!org_token)
        die("organizer login failed");
    char s1[32], s2[32], o1[32], c1[32], body[1024];
    int64_t now = time(NULL);
    iso(now + 30 * 86400, s1, sizeof(s1));
    iso(now + 31 * 86400, s2, sizeof(s2));
    iso(now - 3600, o1, sizeof(o1));
    iso(now + 20 * 86400, c1, sizeof(c1));
    snprintf(body, sizeof(body),
             "{\"title\":\"%s\",\"kind\":\"summit\",\"city\":\"成都\",\"venue\":\"天府\","
             "\"starts_at\":\"%s\",\"ends_at\":\"%s\",\"description\":\"faults\"}",
             title, s1, s2);
    struct resp r = http(port, "POST", "/api/v1/events", org_token, body, 10000);
    if (r.status != 201)
        die("POST /events: %d %s", r.status, r.body ? r.body : "");
    int64_t ev = jint(&r, "id");
    resp_free(&r);
    char path[96];
    for (int i = 0; i < nsess; i++) {
        snprintf(body, sizeof(body),
                 "{\"title\":\"场次 %d\",\"kind\":\"forum\",\"room\":\"R%d\",\"starts_at\":\"%s\","
                 "\"ends_at\":\"%s\",\"capacity\":%d,\"waitlist\":true,"
                 "\"registration_opens_at\":\"%s\",\"registration_closes_at\":\"%s\"}",
                 i, i, s1, s2, cap, o1, c1);
        snprintf(path, sizeof(path), "/api/v1/events/%lld/sessions", (long long)ev);
        r = http(port, "POST", path, org_token, body, 10000);
        if (r.status != 201)
            die("POST %s: %d %s", path, r.status, r.body ? r.body : "");
        ids[i] = jint(&r, "id");
        resp_free(&r);
    }
    snprintf(path, sizeof(path), "/api/v1/events/%lld/publish", (long long)ev);
    r = http(port, "POST", path, org_token, NULL, 10000);
    if (r.status != 200)
        die("POST %s: %d %s", path, r.status, r.body ? r.body : "");
    resp_free(&r);
}

/* ---------------------------------------------------------------- load */

struct ack {
    int64_t reg_id, session_id, user_idx;
    bool confirmed;
    int64_t position;
};

struct stats {
    atomic_long sent, c201, c409, c503, c503_no_retry, c401, c5xx_other, c4xx_other, conn_fail;
    atomic_long ok_after; /* 2xx after the fault was repaired */
};

/* The longest stretch during which the clients got 503s (or no answer) and no success. */
static atomic_llong last_ok_ms, worst_window_ms;

static void note_outcome(bool ok)
{
    int64_t now = now_ms();
    if (ok) {
        atomic_store(&last_ok_ms, now);
        return;
    }
    long long w = now - atomic_load(&last_ok_ms), cur = atomic_load(&worst_window_ms);
    while (w > cur && !atomic_compare_exchange_weak(&worst_window_ms, &cur, w))
        ;
}

static struct ack acks[MAX_ACKS];
static atomic_long nacks;
static struct stats st;
static atomic_bool stop_load, repaired;
static int64_t sessions[NSESSIONS];
static atomic_long next_pair;
static int ninst_load = 1;
static char first_bad[512];

static void note_bad(const char *what, const struct resp *r)
{
    pthread_mutex_lock(&tok_mu);
    if (!first_bad[0])
        snprintf(first_bad, sizeof(first_bad), "%s: %d %.300s", what, r->status,
                 r->body ? r->body : "");
    pthread_mutex_unlock(&tok_mu);
}

/* One registration attempt for (user u, session s); returns true when the answer is final
 * (201, 409 or an unexpected status), false when it should be retried (503, 401, no answer). */
static bool attempt(int port, long u, long s)
{
    char path[96];
    snprintf(path, sizeof(path), "/api/v1/sessions/%lld/registrations", (long long)sessions[s]);
    pthread_mutex_lock(&tok_mu);
    char *tok = user_tok[u] ? strdup(user_tok[u]) : NULL;
    pthread_mutex_unlock(&tok_mu);
    struct resp r = http(port, "POST", path, tok, "{}", 15000);
    free(tok);
    bool final = true;
    atomic_fetch_add(&st.sent, 1);
    if (r.status == 201 || r.status == 409 || r.status == 503 || r.status == 0)
        note_outcome(r.status == 201 || r.status == 409);
    /* (On the cluster the clients run through every pair long before the end: an answered 409
     * already_registered counts as served too.) */
    if (((r.status >= 200 && r.status < 300) || (cluster && r.status == 409)) &&
        atomic_load(&repaired))
        atomic_fetch_add(&st.ok_after, 1);
    if (r.status == 201) {
        atomic_fetch_add(&st.c201, 1);
        long k = atomic_fetch_add(&nacks, 1);
        if (k < MAX_ACKS) {
            acks[k].reg_id = jint(&r, "id");
            acks[k].session_id = sessions[s];
            acks[k].user_idx = u;
            const char *status = jstr(&r, "status");
            acks[k].confirmed = status && strcmp(status, "confirmed") == 0;
            acks[k].position = jint(&r, "waitlist_position");
        }
    } else if (r.status == 409) {
        atomic_fetch_add(&st.c409, 1);
    } else if (r.status == 503) {
        atomic_fetch_add(&st.c503, 1);
        if (!r.retry_after) {
            atomic_fetch_add(&st.c503_no_retry, 1);
            note_bad("503 without Retry-After", &r);
        }
        final = false;
    } else if (r.status == 401) {
        /* Redis lost the login sessions: log in again (through the same instance). */
        atomic_fetch_add(&st.c401, 1);
        char *t = login(port, user_email[u], PASSWORD);
        if (t) {
            pthread_mutex_lock(&tok_mu);
            free(user_tok[u]);
            user_tok[u] = t;
            pthread_mutex_unlock(&tok_mu);
        }
        final = false;
    } else if (r.status == 0) {
        atomic_fetch_add(&st.conn_fail, 1);
        final = false;
    } else if (r.status >= 500) {
        atomic_fetch_add(&st.c5xx_other, 1);
        note_bad("unexpected 5xx", &r);
    } else {
        atomic_fetch_add(&st.c4xx_other, 1);
        note_bad("unexpected 4xx", &r);
    }
    resp_free(&r);
    return final;
}

/* Each client takes the next (user, session) pair and retries it until a final answer; after
 * every pair was tried it keeps asking again (409 already_registered). Bounded in time. */
static void *client(void *arg)
{
    long c = (long)arg;
    int64_t deadline = now_ms() + 120000;
    while (!atomic_load(&stop_load) && now_ms() < deadline) {
        long g = atomic_fetch_add(&next_pair, 1);
        long u = g % NUSERS;
        long s = (g / NUSERS) % NSESSIONS;
        int port = inst[c % ninst_load].port;
        while (!atomic_load(&stop_load) && now_ms() < deadline && !attempt(port, u, s))
            sleep_ms(50);
    }
    return NULL;
}

static pthread_t th[NCLIENTS];

static void load_start(int ninst)
{
    memset(&st, 0, sizeof(st));
    atomic_store(&nacks, 0);
    atomic_store(&next_pair, 0);
    atomic_store(&stop_load, false);
    atomic_store(&repaired, false);
    first_bad[0] = '\0';
    atomic_store(&last_ok_ms, now_ms());
    atomic_store(&worst_window_ms, 0);
    ninst_load = ninst;
    for (long c = 0; c < NCLIENTS; c++)
        pthread_create(&th[c], NULL, client, (void *)c);
}

static void load_stop(void)
{
    atomic_store(&stop_load, true);
    for (int c = 0; c < NCLIENTS; c++)
        pthread_join(th[c], NULL);
}

/* Waits (bounded) until the clients have seen n more 2xx since `repaired` was set. */
static bool wait_ok_after(long n, int ms)
{
    int64_t deadline = now_ms() + ms;
    while (atomic_load(&st.ok_after) < n && now_ms() < deadline)
        sleep_ms(50);
    return atomic_load(&st.ok_after) >= n;
}

static void wait_acks(long n, int ms)
{
    int64_t deadline = now_ms() + ms;
    while (atomic_load(&st.c201) < n && now_ms() < deadline)
        sleep_ms(20);
}

/* ---------------------------------------------------------------- checks */

static long total_acked, total_lost;
static int failures;

static void fail(const char *scen, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *scen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "faults: %s: FAIL: ", scen);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

/* Fails the scenario when the COUNT(*) query q finds any row: "N <what>". */
static void expect_none(const char *scen, const char *q, const char *what)
{
    long n = sql_long(q);
    if (n)
        fail(scen, "%ld %s", n, what);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Every acknowledged registration is in the database as acknowledged; counters equal rows, no
 * session is over capacity, waitlist positions are dense. Returns the number lost. */
static long total_oversold;

static long verify_node(const char *scen, long *oversold)
{
    long n = atomic_load(&nacks);
    if (n > MAX_ACKS)
        n = MAX_ACKS;
    char q[2048], ids[512] = "";
    for (int i = 0; i < NSESSIONS; i++)
        snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%lld", i ? "," : "",
                 (long long)sessions[i]);
    /* All rows of the scenario's sessions: id, user's e-mail index, session, status. */
    snprintf(q, sizeof(q),
             "SELECT r.id, r.session_id, SUBSTRING_INDEX(SUBSTRING(u.email, 2), '@', 1), r.status "
             "FROM registrations r JOIN users u ON u.id = r.user_id WHERE r.session_id IN (%s) "
             "ORDER BY r.id",
             ids);
    char *rows = sql(q);
    size_t cap = 4096, nrows = 0;
    int64_t *rid = malloc(cap * sizeof(int64_t)), *rsess = malloc(cap * sizeof(int64_t)),
            *ruser = malloc(cap * sizeof(int64_t));
    char *line = rows;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        long long a, b, c;
        char status[32];
        if (sscanf(line, "%lld\t%lld\t%lld\t%31s", &a, &b, &c, status) == 4) {
            if (nrows == cap) {
                cap *= 2;
                rid = realloc(rid, cap * sizeof(int64_t));
                rsess = realloc(rsess, cap * sizeof(int64_t));
                ruser = realloc(ruser, cap * sizeof(int64_t));
            }
            rid[nrows] = a;
            rsess[nrows] = b;
            ruser[nrows] = c;
            nrows++;
        }
        line = nl ? nl + 1 : NULL;
    }
    free(rows);
    long lost = 0;
    for (long i = 0; i < n; i++) {
        int64_t *hit = bsearch(&acks[i].reg_id, rid, nrows, sizeof(int64_t), cmp_i64);
        size_t k = hit ? (size_t)(hit - rid) : 0;
        if (!hit || rsess[k] != acks[i].session_id || ruser[k] != acks[i].user_idx) {
            lost++;
            if (lost <= 5)
                fail(scen,
                     "acknowledged registration %lld (session %lld, user u%lld) is not in "
                     "the database",
                     (long long)acks[i].reg_id, (long long)acks[i].session_id,
                     (long long)acks[i].user_idx);
        }
    }
    free(rid);
    free(rsess);
    free(ruser);
    snprintf(
        q, sizeof(q),
        "SELECT COUNT(*) FROM sessions s WHERE s.id IN (%s) AND (s.confirmed_count > s.capacity "
        "OR s.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = "
        "s.id AND r.status = 'confirmed') OR s.waitlist_count <> (SELECT COUNT(*) FROM "
        "registrations r WHERE r.session_id = s.id AND r.status = 'waitlisted'))",
        ids);
    expect_none(scen, q, "sessions over capacity or with counters unequal to their rows");
    snprintf(q, sizeof(q),
             "SELECT COUNT(*) FROM sessions s WHERE s.id IN (%s) AND s.waitlist_count <> (SELECT "
             "COUNT(DISTINCT r.waitlist_position) FROM registrations r WHERE r.session_id = s.id "
             "AND r.status = 'waitlisted' AND r.waitlist_position BETWEEN 1 AND s.waitlist_count)",
             ids);
    expect_none(scen, q, "sessions with waitlist positions that are not 1..waitlist_count");
    snprintf(q, sizeof(q),
             "SELECT COUNT(*) FROM sessions s WHERE s.id IN (%s) AND (SELECT COUNT(*) FROM "
             "registrations r WHERE r.session_id = s.id AND r.status = 'confirmed') > s.capacity",
             ids);
    *oversold = sql_long(q);
    /* A notice is written in its change's transaction: none may speak of a registration that
     * is not there (on Galera a BF-aborted transaction once kept its notice: notify.h). */
    snprintf(q, sizeof(q),
             "SELECT COUNT(*) FROM notifications n WHERE n.type LIKE 'registration.%%'"
             " AND JSON_VALUE(n.data, '$.session.id') IN (%s)"
             " AND JSON_VALUE(n.data, '$.registration.id') IS NOT NULL AND NOT EXISTS"
             " (SELECT 1 FROM registrations r WHERE r.id = JSON_VALUE(n.data,"
             " '$.registration.id'))",
             ids);
    expect_none(scen, q, "registration notices about a registration that does not exist");
    if (*oversold)
        fail(scen, "%ld sessions hold more confirmed registrations than seats", *oversold);
    if (lost)
        fail(scen, "%ld of %ld acknowledged registrations lost%s", lost, n,
             cluster ? " on this node" : "");
    return lost;
}

/* On one database, or on every node of the cluster (each must hold every acknowledged
 * registration). */
static long verify(const char *scen)
{
    long n = atomic_load(&nacks), lost = 0, over = 0;
    if (n > MAX_ACKS)
        n = MAX_ACKS;
    for (int node = 1; node <= (cluster ? 3 : 1); node++) {
        sql_node = node;
        long o = 0, l = verify_node(scen, &o);
        lost = l > lost ? l : lost;
        over = o > over ? o : over;
    }
    sql_node = 1;
    total_acked += n;
    total_lost += lost;
    total_oversold += over;
    return lost;
}

static long long worst_503_ms; /* over all scenarios */
static char worst_503_scen[16] = "-";

static void report(const char *scen, int64_t t0)
{
    long long w =
        atomic_load(&st.c503) + atomic_load(&st.conn_fail) ? atomic_load(&worst_window_ms) : 0;
    if (w > worst_503_ms) {
        worst_503_ms = w;
        snprintf(worst_503_scen, sizeof(worst_503_scen), "%s", scen);
    }
    printf("faults: %-8s %5.1fs sent=%ld 201=%ld 409=%ld 503=%ld (no Retry-After %ld) 401=%ld "
           "conn_fail=%ld other4xx=%ld other5xx=%ld ok_after_repair=%ld"
           " longest_503_window=%lldms\n",
           scen, (double)(now_ms() - t0) / 1000.0, atomic_load(&st.sent), atomic_load(&st.c201),
           atomic_load(&st.c409), atomic_load(&st.c503), atomic_load(&st.c503_no_retry),
           atomic_load(&st.c401), atomic_load(&st.conn_fail), atomic_load(&st.c4xx_other),
           atomic_load(&st.c5xx_other), atomic_load(&st.ok_after),
           atomic_load(&st.c503) + atomic_load(&st.conn_fail) ? atomic_load(&worst_window_ms) : 0);
    if (atomic_load(&st.c503_no_retry))
        fail(scen, "503 without Retry-After (%s)", first_bad);
    if (atomic_load(&st.c5xx_other))
        fail(scen, "5xx other than 503 (%s)", first_bad);
    if (atomic_load(&st.c4xx_other))
        fail(scen, "unexpected 4xx (%s)", first_bad);
    fflush(stdout);
}

/* ---------------------------------------------------------------- scenarios */

static int nscen;

static void scenario_dep(const char *scen, const char *kill_cmd, const char *start_cmd)
{
    int64_t t0 = now_ms();
    make_sessions(inst[0].port, scen, sessions);
    load_start(1);
    wait_acks(40, 10000);
    long before = atomic_load(&st.c503);
    if (sh("%s scripts/services.sh %s >/dev/null", env_prefix, kill_cmd) != 0)
        fail(scen, "%s failed", kill_cmd);
    sleep_ms(2500); /* the outage */
    long during = atomic_load(&st.c503) - before;
    if (!healthy(inst[0].port))
        fail(scen, "/healthz failed during the outage");
    if (sh("%s scripts/services.sh %s >/dev/null", env_prefix, start_cmd) != 0)
        fail(scen, "%s failed", start_cmd);
    atomic_store(&repaired, true);
    if (!wait_ok_after(30, 30000))
        fail(scen, "no 2xx within 30 s after the dependency came back (summitd not restarted)");
    load_stop();
    if (during == 0)
        fail(scen, "no 503 during the outage");
    if (inst[0].pid <= 0 || waitpid(inst[0].pid, NULL, WNOHANG) != 0)
        fail(scen, "summitd died");
    report(scen, t0);
    verify(scen);
    nscen++;
}

static void scenario_summitd(void)
{
    const char *scen = "summitd";
    int64_t t0 = now_ms();
    make_sessions(inst[0].port, scen, sessions);
    load_start(1);
    wait_acks(60, 10000);
    inst_kill(0, SIGKILL);
    sleep_ms(500);
    inst_start(0);
    atomic_store(&repaired, true);
    if (!wait_ok_after(30, 30000))
        fail(scen, "no 2xx within 30 s after the restart");
    load_stop();
    report(scen, t0);
    verify(scen);
    nscen++;
}

static void scenario_multi(void)
{
    const char *scen = "multi";
    int64_t t0 = now_ms();
    for (int i = 1; i < MAX_INST; i++)
        inst_start(i);
    make_sessions(inst[0].port, scen, sessions);
    load_start(MAX_INST);
    /* Run until every (user, session) pair was tried: sessions fill and waitlists grow. */
    int64_t deadline = now_ms() + 60000;
    while (atomic_load(&next_pair) < (long)NUSERS * NSESSIONS && now_ms() < deadline)
        sleep_ms(50);
    load_stop();
    report(scen, t0);
    long confirmed = sql_long("SELECT COALESCE(SUM(confirmed_count), 0) FROM sessions WHERE "
                              "title LIKE '场次 %' AND event_id = (SELECT MAX(id) FROM events)");
    if (confirmed > (long)CAPACITY * NSESSIONS)
        fail(scen, "%ld confirmed for %d seats", confirmed, CAPACITY * NSESSIONS);
    verify(scen);
    for (int i = 1; i < MAX_INST; i++)
        inst_kill(i, SIGTERM);
    nscen++;
}

/* ---------------------------------------------------------------- e-mail delivery */

#define MAIL_ROWS 300

/* Writes n pending e-mail rows "<prefix>-<i>" for the first load user; returns their count. */
static void mail_rows(const char *prefix, int n)
{
    char q[256];
    snprintf(q, sizeof(q), "SELECT id FROM users WHERE email = '%s'", user_email[0]);
    long uid = sql_long(q);
    /* through a file: the statement is longer than a command line takes */
    FILE *f = fopen("var/faults/rows.sql", "w");
    if (!f)
        die("var/faults/rows.sql: %s", strerror(errno));
    fprintf(f, "INSERT INTO outbox (msg_id, channel, type, user_id, payload, next_at, created_at)"
               " VALUES ");
    for (int i = 0; i < n; i++)
        fprintf(f,
                "%s('%s-%d', 'email', 'reminder', %ld, '{\"type\":\"reminder\",\"data\":{}}',"
                " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
                i ? "," : "", prefix, i, uid);
    fprintf(f, ";\n");
    fclose(f);
    if (sh("mariadb --no-defaults -S var/faults/mysql/mariadbd.sock -uroot summitd_test"
           " < var/faults/rows.sql") != 0)
        die("cannot write the outbox rows");
}

static long mail_sent(const char *prefix)
{
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '%s-%%' AND status = 'sent'", prefix);
    return sql_long(q);
}

static bool mail_wait_sent(const char *prefix, long n, int ms)
{
    int64_t deadline = now_ms() + ms;
    while (mail_sent(prefix) < n) {
        if (now_ms() > deadline)
            return false;
        sleep_ms(100);
    }
    return true;
}

/* Messages per row in the Maildir var/faults/mail/new: fills count[0..n-1]. */
static void mail_count(const char *prefix, int *count, int n)
{
    memset(count, 0, sizeof(int) * (size_t)n);
    DIR *d = opendir("var/faults/mail/new");
    if (!d)
        die("no Maildir var/faults/mail/new");
    struct dirent *e;
    char path[1024], line[512], want[96];
    snprintf(want, sizeof(want), "Message-ID: <%s-", prefix);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "var/faults/mail/new/%s", e->d_name);
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof(line), f)) {
            if (strncmp(line, want, strlen(want)) == 0) {
                int i = atoi(line + strlen(want));
                if (i >= 0 && i < n)
                    count[i]++;
                break;
            }
            if (line[0] == '\r' || line[0] == '\n')
                break;
        }
        if (f)
            fclose(f);
    }
    closedir(d);
}

/* Every row delivered at least once (else a failure); returns the duplicates. */
static long mail_check(const char *scen, const char *prefix, int n)
{
    int *count = calloc((size_t)n, sizeof(int));
    mail_count(prefix, count, n);
    long lost = 0, dups = 0;
    for (int i = 0; i < n; i++) {
        if (!count[i])
            lost++;
        else
            dups += count[i] - 1;
    }
    free(count);
    total_acked += n;
    total_lost += lost;
    if (lost)
        fail(scen, "%ld of %d rows never reached the SMTP server", lost, n);
    return dups;
}

static void scenario_mail_kill(void)
{
    const char *scen = "mail-kill";
    int64_t t0 = now_ms();
    char prefix[48];
    snprintf(prefix, sizeof(prefix), "fk%lld", (long long)t0);
    mail_rows(prefix, MAIL_ROWS);
    /* kill it while it delivers: some sent, most not */
    int64_t deadline = now_ms() + 30000;
    while (mail_sent(prefix) < 20 && now_ms() < deadline)
        sleep_ms(5);
    long before = mail_sent(prefix);
    inst_kill(0, SIGKILL);
    sleep_ms(300);
    inst_start(0);
    if (!mail_wait_sent(prefix, MAIL_ROWS, 90000))
        fail(scen, "only %ld of %d rows sent 90 s after the restart", mail_sent(prefix), MAIL_ROWS);
    long dups = mail_check(scen, prefix, MAIL_ROWS);
    printf("faults: %-9s rows=%d, sent before the kill=%ld, delivered all, duplicates=%ld "
           "(at-least-once: rows in flight at the kill) (%.1f s)\n",
           scen, MAIL_ROWS, before, dups, (double)(now_ms() - t0) / 1000.0);
    nscen++;
}

static void scenario_mail_smtp(void)
{
    const char *scen = "mail-smtp";
    int64_t t0 = now_ms();
    char prefix[48], q[256];
    snprintf(prefix, sizeof(prefix), "fs%lld", (long long)t0);
    sh("%s scripts/services.sh stop-smtp >/dev/null", env_prefix);
    mail_rows(prefix, 50);
    /* every row tried (and failed) at least once while the server is down */
    snprintf(q, sizeof(q),
             "SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '%s-%%' AND attempts >= 1 AND"
             " status = 'pending'",
             prefix);
    int64_t deadline = now_ms() + 30000;
    while (sql_long(q) < 50 && now_ms() < deadline)
        sleep_ms(100);
    long tried = sql_long(q);
    if (tried < 50)
        fail(scen, "only %ld of 50 rows retried while the SMTP server was down", tried);
    if (sh("%s scripts/services.sh start-smtp >/dev/null", env_prefix) != 0)
        die("cannot start the SMTP server again");
    if (!mail_wait_sent(prefix, 50, 60000))
        fail(scen, "only %ld of 50 rows sent after the SMTP server came back", mail_sent(prefix));
    long dups = mail_check(scen, prefix, 50);
    if (dups)
        fail(scen, "%ld duplicates", dups);
    printf("faults: %-9s rows=50, all retried while down, delivered once each after (%.1f s)\n",
           scen, (double)(now_ms() - t0) / 1000.0);
    nscen++;
}

static void scenario_mail_multi(void)
{
    const char *scen = "mail-multi";
    int64_t t0 = now_ms();
    char prefix[48];
    snprintf(prefix, sizeof(prefix), "fm%lld", (long long)t0);
    for (int i = 1; i < MAX_INST; i++)
        inst_start(i);
    mail_rows(prefix, MAIL_ROWS);
    if (!mail_wait_sent(prefix, MAIL_ROWS, 90000))
        fail(scen, "only %ld of %d rows sent", mail_sent(prefix), MAIL_ROWS);
    long dups = mail_check(scen, prefix, MAIL_ROWS);
    printf("faults: %-9s rows=%d over %d instances, duplicates=%ld (%.1f s)\n", scen, MAIL_ROWS,
           MAX_INST, dups, (double)(now_ms() - t0) / 1000.0);
    if (dups)
        fail(scen, "%ld rows sent twice without a crash", dups);
    for (int i = 1; i < MAX_INST; i++)
        inst_kill(i, SIGTERM);
    nscen++;
}

/* ---------------------------------------------------------------- webhooks */

#define WH_ROWS 20
#define WH_FAILS 3

static void scenario_webhook(void)
{
    const char *scen = "webhook";
    int64_t t0 = now_ms();
    unlink("var/faults/whr.port");
    if (sh("/usr/bin/python3 tests/faults/webhook_receiver.py --port-file var/faults/whr.port"
           " --secret-file var/faults/whr.secret --fail-first %d --log var/faults/whr.log"
           " >var/faults/whr.out 2>&1 & echo $! >var/faults/whr.pid",
           WH_FAILS) != 0)
        die("cannot start the webhook receiver");
    int port = 0;
    for (int64_t deadline = now_ms() + 10000; !port && now_ms() < deadline; sleep_ms(20)) {
        FILE *f = fopen("var/faults/whr.port", "r");
        if (f && fscanf(f, "%d", &port) != 1)
            port = 0;
        if (f)
            fclose(f);
    }
    if (!port)
        die("the webhook receiver did not start (var/faults/whr.out)");
    int64_t sid[1];
    make_sessions_n(inst[0].port, scen, sid, 1, 10);
    char q[512], path[96], body[256];
    snprintf(q, sizeof(q), "SELECT event_id FROM sessions WHERE id = %lld", (long long)sid[0]);
    long ev = sql_long(q);
    snprintf(path, sizeof(path), "/api/v1/events/%ld/webhooks", ev);
    snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%d/hook\",\"events\":[\"reminder\"]}",
             port);
    struct resp r = http(inst[0].port, "POST", path, org_token, body, 5000);
    const char *secret = jstr(&r, "secret");
    if (r.status != 201 || !secret)
        die("webhook endpoint: %d %s", r.status, r.body ? r.body : "");
    long ep = (long)jint(&r, "id");
    FILE *f = fopen("var/faults/whr.secret", "w");
    if (!f)
        die("var/faults/whr.secret: %s", strerror(errno));
    fprintf(f, "%s\n", secret);
    fclose(f);
    resp_free(&r);

    char prefix[48];
    snprintf(prefix, sizeof(prefix), "wh%lld", (long long)t0);
    f = fopen("var/faults/rows.sql", "w");
    if (!f)
        die("var/faults/rows.sql: %s", strerror(errno));
    fprintf(f, "INSERT INTO outbox (msg_id, channel, type, endpoint_id, event_id, payload, next_at,"
               " created_at) VALUES ");
    for (int i = 0; i < WH_ROWS; i++)
        fprintf(
            f,
            "%s('%s-%d', 'webhook', 'reminder', %ld, %ld,"
            " '{\"type\":\"reminder\",\"data\":{\"n\":%d}}', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
            i ? "," : "", prefix, i, ep, ev, i);
    fprintf(f, ";\n");
    fclose(f);
    if (sh("mariadb --no-defaults -S var/faults/mysql/mariadbd.sock -uroot summitd_test"
           " < var/faults/rows.sql") != 0)
        die("cannot write the outbox rows");
    if (!mail_wait_sent(prefix, WH_ROWS, 60000))
        fail(scen, "only %ld of %d rows sent", mail_sent(prefix), WH_ROWS);

    /* what the receiver got: every row with a verified 200, every request verified */
    long requests = 0, bad_sig = 0, stale = 0, fails = 0, dups = 0;
    int got[WH_ROWS] = {0};
    f = fopen("var/faults/whr.log", "r");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        cJSON *j = cJSON_Parse(line);
        if (!j)
            continue;
        requests++;
        const cJSON *id = cJSON_GetObjectItem(j, "id");
        bad_sig += !cJSON_IsTrue(cJSON_GetObjectItem(j, "verified"));
        stale += !cJSON_IsTrue(cJSON_GetObjectItem(j, "fresh"));
        int answered = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "answered"));
        fails += answered != 200;
        size_t pl = strlen(prefix);
        if (answered == 200 && cJSON_IsString(id) && strncmp(id->valuestring, prefix, pl) == 0 &&
            id->valuestring[pl] == '-') {
            int k = atoi(id->valuestring + pl + 1);
            if (k >= 0 && k < WH_ROWS && got[k]++)
                dups++;
        }
        cJSON_Delete(j);
    }
    if (f)
        fclose(f);
    long missing = 0;
    for (int i = 0; i < WH_ROWS; i++)
        missing += !got[i];
    snprintf(q, sizeof(q), "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = %ld", ep);
    long logged = sql_long(q);
    snprintf(
        q, sizeof(q),
        "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = %ld AND status_code = 500",
        ep);
    long logged500 = sql_long(q);
    snprintf(q, sizeof(q), "SELECT enabled FROM webhook_endpoints WHERE id = %ld", ep);
    long enabled = sql_long(q);
    sh("kill $(cat var/faults/whr.pid) 2>/dev/null");
    total_acked += WH_ROWS;
    total_lost += missing;
    if (missing)
        fail(scen, "%ld of %d rows never got a 200 from the receiver", missing, WH_ROWS);
    if (bad_sig || stale)
        fail(scen, "%ld requests with a bad signature, %ld with a stale timestamp", bad_sig, stale);
    if (fails != WH_FAILS || logged500 != WH_FAILS)
        fail(scen, "the receiver answered 500 %ld times, the log has %ld (want %d)", fails,
             logged500, WH_FAILS);
    if (logged != requests)
        fail(scen, "%ld requests received, %ld attempts in the delivery log", requests, logged);
    if (!enabled)
        fail(scen, "the endpoint was disabled");
    printf("faults: %-9s rows=%d, receiver 500 x%d then 200: delivered all, signatures verified,"
           " attempts logged=%ld (500s=%ld), duplicates=%ld (%.1f s)\n",
           scen, WH_ROWS, WH_FAILS, logged, logged500, dups, (double)(now_ms() - t0) / 1000.0);
    nscen++;
}

/* ---------------------------------------------------------------- cluster scenarios */

static int cluster_base = 4500;

/* The database endpoint summitd instance i (1..3) reports in /readyz. */
static bool instance_on(int i, const char *endpoint)
{
    struct resp r = http(cluster_base + 60 + i, "GET", "/readyz", NULL, NULL, 2000);
    const char *ep = jstr(&r, "mysql_endpoint");
    bool on = ep && strcmp(ep, endpoint) == 0;
    resp_free(&r);
    return on;
}

struct hot_arg {
    pthread_barrier_t bar;
    atomic_int next;
};

static void *hot_client(void *arg)
{
    struct hot_arg *h = arg;
    int u = atomic_fetch_add(&h->next, 1);
    pthread_barrier_wait(&h->bar);
    (void)attempt(inst[0].port, u, 0); /* one try each: a 503 counts against the scenario */
    return NULL;
}

/* 100 users register at once for one session of 20 seats (waitlist), through the load balancer,
 * so over three instances on three nodes: the session row is certified against itself. */
#define HOT_USERS 100
#define HOT_SEATS 20
static void scenario_hot(void)
{
    const char *scen = "hot";
    int64_t t0 = now_ms();
    make_sessions_n(inst[0].port, scen, sessions, 1, HOT_SEATS);
    memset(&st, 0, sizeof(st));
    atomic_store(&nacks, 0);
    atomic_store(&last_ok_ms, now_ms());
    atomic_store(&worst_window_ms, 0);
    first_bad[0] = '\0';
    struct hot_arg h;
    atomic_init(&h.next, 0);
    pthread_barrier_init(&h.bar, NULL, HOT_USERS);
    pthread_t t[HOT_USERS];
    for (int i = 0; i < HOT_USERS; i++)
        pthread_create(&t[i], NULL, hot_client, &h);
    for (int i = 0; i < HOT_USERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&h.bar);
    report(scen, t0);
    if (atomic_load(&st.c503) || atomic_load(&st.conn_fail))
        fail(scen,
             "%ld answers 503 and %ld without an answer to a registration storm on a healthy "
             "cluster (a conflict must be retried, not answered)",
             atomic_load(&st.c503), atomic_load(&st.conn_fail));
    if (atomic_load(&st.c201) != HOT_USERS)
        fail(scen, "%ld of %d registrations acknowledged", atomic_load(&st.c201), HOT_USERS);
    sessions[1] = 0;
    int64_t keep[NSESSIONS];
    memcpy(keep, sessions, sizeof(keep));
    for (int i = 1; i < NSESSIONS; i++)
        sessions[i] = sessions[0];
    verify(scen);
    memcpy(sessions, keep, sizeof(keep));
    char q[256];
    snprintf(q, sizeof(q), "SELECT confirmed_count FROM sessions WHERE id = %lld",
             (long long)sessions[0]);
    long confirmed = sql_long(q);
    if (confirmed != HOT_SEATS)
        fail(scen, "%ld confirmed for %d seats (every seat should be taken)", confirmed, HOT_SEATS);
    nscen++;
}

static void scenario_galera(void)
{
    const char *scen = "galera";
    int64_t t0 = now_ms();
    make_sessions(inst[0].port, scen, sessions);
    load_start(1);
    wait_acks(40, 20000);
    long before = atomic_load(&st.c201);
    printf("faults: galera: kill -9 galera-2 under load at %s\n", clock_now());
    fflush(stdout);
    if (sh("scripts/cluster.sh kill-node 2") != 0)
        fail(scen, "kill-node 2 failed");
    int64_t killed = now_ms();
    sleep_ms(5000); /* the cluster evicts it; summitd-2 moves to another node */
    long during = atomic_load(&st.c201) - before;
    printf("faults: galera: %ld registrations acknowledged in the 5 s after the kill; restarting "
           "galera-2\n",
           during);
    fflush(stdout);
    if (sh("scripts/cluster.sh restart-node 2") != 0)
        fail(scen, "galera-2 did not rejoin");
    printf("faults: galera: galera-2 synced again %.1f s after the kill\n",
           (double)(now_ms() - killed) / 1000.0);
    fflush(stdout);
    atomic_store(&repaired, true);
    char ep[32];
    snprintf(ep, sizeof(ep), "127.0.0.1:%d", cluster_base + 2);
    /* (each /readyz is answered by one of its workers: the first that is back is enough) */
    int64_t deadline = now_ms() + 30000;
    bool back;
    while (!(back = instance_on(2, ep)) && now_ms() < deadline)
        sleep_ms(200);
    if (!back)
        fail(scen, "summitd-2 did not return to its preferred node galera-2 within 30 s");
    else
        printf("faults: galera: summitd-2 is back on galera-2 %.1f s after the kill\n",
               (double)(now_ms() - killed) / 1000.0);
    if (!wait_ok_after(30, 30000))
        fail(scen, "no 2xx within 30 s after galera-2 came back");
    load_stop();
    if (during == 0)
        fail(scen, "no registration acknowledged while galera-2 was down");
    report(scen, t0);
    if (sh("scripts/cluster.sh wait-synced") != 0)
        fail(scen, "the cluster is not synced");
    verify(scen);
    nscen++;
}

/* A node cut off from the others (gmcast.isolate=1): it leaves the primary component and answers
 * 1047 to everything; summitd must move off it (never a 500) and /readyz must not call it ready
 * on it. Then the network "heals" and the node rejoins. */
static void scenario_isolate(void)
{
    const char *scen = "isolate";
    int64_t t0 = now_ms();
    make_sessions(inst[0].port, scen, sessions);
    load_start(1);
    wait_acks(40, 20000);
    printf("faults: isolate: galera-3 cut off (gmcast.isolate=1) under load at %s\n", clock_now());
    fflush(stdout);
    if (sh("scripts/cluster.sh sql 3 -e \"SET GLOBAL "
           "wsrep_provider_options='gmcast.isolate=1'\"") != 0)
        fail(scen, "could not isolate galera-3");
    int64_t cut = now_ms();
    long before = atomic_load(&st.c201);
    sleep_ms(6000);
    long during = atomic_load(&st.c201) - before;
    char ep[32];
    snprintf(ep, sizeof(ep), "127.0.0.1:%d", cluster_base + 3);
    for (int k = 0; k < 5; k++)
        if (instance_on(3, ep))
            fail(scen, "/readyz of summitd-3 calls it ready on the isolated galera-3");
    printf("faults: isolate: %ld registrations acknowledged while galera-3 was cut off; "
           "healing at %s\n",
           during, clock_now());
    fflush(stdout);
    if (sh("scripts/cluster.sh sql 3 -e \"SET GLOBAL "
           "wsrep_provider_options='gmcast.isolate=0'\"") != 0 ||
        sh("scripts/cluster.sh wait-synced") != 0)
        fail(scen, "galera-3 did not rejoin");
    atomic_store(&repaired, true);
    int64_t deadline = now_ms() + 30000;
    bool back;
    while (!(back = instance_on(3, ep)) && now_ms() < deadline)
        sleep_ms(200);
    if (!back)
        fail(scen, "summitd-3 did not return to galera-3 within 30 s of the rejoin");
    else
        printf("faults: isolate: summitd-3 is back on galera-3 %.1f s after the cut\n",
               (double)(now_ms() - cut) / 1000.0);
    if (!wait_ok_after(30, 30000))
        fail(scen, "no 2xx within 30 s after galera-3 rejoined");
    load_stop();
    if (during == 0)
        fail(scen, "no registration acknowledged while galera-3 was cut off");
    report(scen, t0);
    verify(scen);
    nscen++;
}

static void scenario_sentinel(void)
{
    const char *scen = "sentinel";
    int64_t t0 = now_ms();
    make_sessions(inst[0].port, scen, sessions);
    load_start(1);
    wait_acks(40, 20000);
    printf("faults: sentinel: kill -9 the Redis master under load at %s\n", clock_now());
    fflush(stdout);
    if (sh("scripts/cluster.sh kill-redis-master >/dev/null") != 0)
        fail(scen, "kill-redis-master failed");
    sleep_ms(4000); /* Sentinel: down after 1 s, then a failover */
    atomic_store(&repaired, true);
    if (!wait_ok_after(30, 30000))
        fail(scen, "no 2xx within 30 s after the failover");
    load_stop();
    report(scen, t0);
    if (atomic_load(&st.c401))
        fail(scen, "%ld requests answered 401: login sessions were lost in the failover",
             atomic_load(&st.c401));
    verify(scen);
    /* The old master comes back as a replica of the new one. */
    sh("scripts/cluster.sh restart-redis master >/dev/null 2>&1; "
       "scripts/cluster.sh restart-redis replica >/dev/null 2>&1");
    nscen++;
}

static int cluster_main(int argc, char **argv)
{
    static const char *const names[] = {"hot", "galera", "isolate", "sentinel"};
    bool want[4] = {argc == 0, argc == 0, argc == 0, argc == 0};
    for (int i = 0; i < argc; i++) {
        bool found = false;
        for (int k = 0; k < 4; k++)
            if (strcmp(argv[i], names[k]) == 0)
                want[k] = found = true;
        if (!found) {
            fprintf(stderr, "usage: faults --cluster [hot|galera|isolate|sentinel]...\n");
            return 2;
        }
    }
    int64_t t0 = now_ms();
    const char *v;
    if ((v = getenv("CLUSTER_PORT_BASE")))
        cluster_base = atoi(v);
    inst[0].port = (v = getenv("CLUSTER_LB_PORT")) ? atoi(v) : 8090;
    if ((v = getenv("CLUSTER_VAR")))
        cluster_var = v;
    if ((v = getenv("CLUSTER_DB")))
        cluster_db = v;
    admin_email = (v = getenv("CLUSTER_ADMIN_EMAIL")) ? v : "admin@cluster.summitd";
    admin_password = (v = getenv("CLUSTER_ADMIN_PASSWORD")) ? v : "cluster-admin-password";
    snprintf(run_tag, sizeof(run_tag), "-%d-%lld", (int)getpid(), (long long)time(NULL) % 100000);
    if (!healthy(inst[0].port))
        die("nothing answers on the load balancer 127.0.0.1:%d (scripts/cluster.sh start)",
            inst[0].port);
    setup_accounts(inst[0].port);
    printf("faults: cluster: load balancer 127.0.0.1:%d, %d users\n", inst[0].port, NUSERS);
    fflush(stdout);
    if (want[0])
        scenario_hot();
    if (want[1])
        scenario_galera();
    if (want[2])
        scenario_isolate();
    if (want[3])
        scenario_sentinel();
    printf("faults-cluster: %d scenarios, acknowledged=%ld, lost=%ld, oversold=%ld, longest 503 "
           "window %lld ms (%s) (%.0f s)\n",
           nscen, total_acked, total_lost, total_oversold, worst_503_ms, worst_503_scen,
           (double)(now_ms() - t0) / 1000.0);
    return (total_lost || total_oversold || failures) ? 1 : 0;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_all();
    _exit(3);
}

int main(int argc, char **argv)
{
    bin = getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd";
    keep_state = getenv("FAULTS_KEEP") != NULL;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (argc > 1 && strcmp(argv[1], "--cluster") == 0) {
        cluster = true;
        return cluster_main(argc - 2, argv + 2);
    }
    bool want_all = argc == 1;
    bool want[8] = {want_all, want_all, want_all, want_all, want_all, want_all, want_all, want_all};
    static const char *const names[] = {"mysql",     "redis",     "summitd",    "multi",
                                        "mail-kill", "mail-smtp", "mail-multi", "webhook"};
    for (int i = 1; i < argc; i++) {
        bool found = false;
        for (int k = 0; k < 8; k++)
            if (strcmp(argv[i], names[k]) == 0)
                want[k] = found = true;
        if (!found) {
            fprintf(
                stderr,
                "usage: %s [mysql|redis|summitd|multi|mail-kill|mail-smtp|mail-multi|webhook]...\n",
                argv[0]);
            return 2;
        }
    }
    int64_t t0 = now_ms();
    mkdir("var", 0755);
    sh("rm -rf var/faults");
    mkdir("var/faults", 0755);
    mysql_port = free_port();
    redis_port = free_port();
    smtp_port = free_port();
    snprintf(env_prefix, sizeof(env_prefix),
             "SD_VAR=var/faults SD_MYSQL_PORT=%d SD_REDIS_PORT=%d SD_SMTP_PORT=%d", mysql_port,
             redis_port, smtp_port);
    if (sh("%s scripts/services.sh start >/dev/null", env_prefix) != 0)
        die("cannot start the private services");
    inst_start(0);
    setup_accounts(inst[0].port);

    /* Registration needs its routes (handlers/registrations.c); say so rather than pass. */
    struct resp probe =
        http(inst[0].port, "POST", "/api/v1/sessions/1/registrations", NULL, "{}", 5000);
    bool missing = probe.status == 405 ||
                   (probe.status == 404 && probe.body && strstr(probe.body, "no route for"));
    resp_free(&probe);
    if (missing)
        die("POST /api/v1/sessions/{id}/registrations is missing; nothing to test");

    if (want[0])
        scenario_dep("mysql", "kill-mysql", "start-mysql");
    if (want[1])
        scenario_dep("redis", "kill-redis", "start-redis");
    if (want[2])
        scenario_summitd();
    if (want[3])
        scenario_multi();
    if (want[4])
        scenario_mail_kill();
    if (want[5])
        scenario_mail_smtp();
    if (want[6])
        scenario_mail_multi();
    if (want[7])
        scenario_webhook();
    stop_all();
    printf("faults: %d scenarios, acknowledged=%ld, lost=%ld (%.0f s)\n", nscen, total_acked,
           total_lost, (double)(now_ms() - t0) / 1000.0);
    for (int i = 0; i < NUSERS; i++)
        free(user_tok[i]);
    free(admin_token);
    free(org_token);
    return (total_lost || failures) ? 1 : 0;
}
