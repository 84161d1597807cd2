/* `make bench-webhooks`: webhooks delivered per second to a local receiver, beside the
 * receiver's own floor, in the same run.
 *
 *   floor    a plain client (libcurl, a new connection per POST, one at a time, as
 *            webhook_deliver does) POSTs N signed payloads of the same size to the receiver;
 *   summitd  N outbox rows for one endpoint on that receiver, delivered by a summitd's dispatcher
 *            (claim, sign, POST, log the attempt, mark sent), timed from the INSERT until every
 *            row is sent.
 * The receiver (tests/integration/wh_receiver.h) verifies every signature with OpenSSL; the run
 * fails if one does not verify. Prints medians of BENCH_WH_RUNS runs (default 3) and the ratio,
 * writes var/bench/webhooks.json. Uses the worktree's private services (scripts/services.sh,
 * SD_MYSQL_PORT / SD_REDIS_PORT) and database summitd_test.
 *
 *   webhooks [N]      (SUMMITD_BIN names the binary, default build/summitd) */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/wh_receiver.h"

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void die(const char *msg)
{
    fprintf(stderr, "bench-webhooks: %s\n", msg);
    exit(1);
}

static size_t sink(char *p, size_t s, size_t n, void *a)
{
    (void)p;
    (void)a;
    return s * n;
}

static const char *body_of(int i, char *buf, size_t len)
{
    snprintf(buf, len,
             "{\"type\":\"reminder\",\"timestamp\":\"2026-05-20T09:00:00Z\",\"data\":{\"n\":%d,"
             "\"title\":\"人工智能产业高峰论坛\",\"starts_at\":\"2026-05-20T09:00:00Z\"}}",
             i);
    return buf;
}

/* The floor: N POSTs, signed, one at a time, each on a new connection. Requests per second. */
static double floor_run(struct whr *w, const unsigned char *key, int keylen, int n)
{
    int64_t t0 = now_ms();
    for (int i = 0; i < n; i++) {
        char body[512], id[64], ts[32], msg[700], sig[64], h[3][128];
        body_of(i, body, sizeof(body));
        snprintf(id, sizeof(id), "floor_%d", i);
        snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
        int ml = snprintf(msg, sizeof(msg), "%s.%s.%s", id, ts, body);
        unsigned char mac[32];
        unsigned ml2 = 0;
        HMAC(EVP_sha256(), key, keylen, (unsigned char *)msg, (size_t)ml, mac, &ml2);
        EVP_EncodeBlock((unsigned char *)sig, mac, 32);
        snprintf(h[0], sizeof(h[0]), "webhook-id: %s", id);
        snprintf(h[1], sizeof(h[1]), "webhook-timestamp: %s", ts);
        snprintf(h[2], sizeof(h[2]), "webhook-signature: v1,%s", sig);
        struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
        for (int k = 0; k < 3; k++)
            hl = curl_slist_append(hl, h[k]);
        hl = curl_slist_append(hl, "Expect:");
        char url[64];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/floor", w->port);
        CURL *c = curl_easy_init();
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        if (curl_easy_perform(c) != CURLE_OK)
            die("floor: a POST failed");
        curl_easy_cleanup(c);
        curl_slist_free_all(hl);
    }
    return n * 1000.0 / (double)(now_ms() - t0 > 0 ? now_ms() - t0 : 1);
}

static char sock_path[256];

static long sql_long(const char *q)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -S %s -uroot -N -B summitd_test -e \"%s\"",
             sock_path, q);
    FILE *p = popen(cmd, "r");
    if (!p)
        die("popen");
    char out[64] = "";
    if (!fgets(out, sizeof(out), p))
        out[0] = 0;
    if (pclose(p) != 0)
        die("mariadb failed");
    return strtol(out, NULL, 10);
}

static void sql_file(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -S %s -uroot summitd_test < %s", sock_path,
             path);
    if (system(cmd) != 0)
        die("mariadb failed");
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        die("no free port");
    close(fd);
    return ntohs(a.sin_port);
}

static bool healthy(int port)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", port);
    CURL *c = curl_easy_init();
    long code = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code == 200;
}

static pid_t summitd_start(const char *bin, int port)
{
    char listen[32], mp[48], rp[48];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    snprintf(mp, sizeof(mp), "mysql_port=%s", getenv("SD_MYSQL_PORT"));
    snprintf(rp, sizeof(rp), "redis_port=%s", getenv("SD_REDIS_PORT"));
    const char *sets[] = {"mysql_host=127.0.0.1",
                          mp,
                          "mysql_user=summitd",
                          "mysql_password=summitd",
                          "mysql_database=summitd_test",
                          "redis_host=127.0.0.1",
                          rp,
                          "redis_prefix=bwh:",
                          "access_log=false",
                          "log_level=warn",
                          "webhook_allow_loopback=true",
                          "notify_poll_ms=10",
                          "notify_batch=50",
                          NULL};
    const char *argv[48];
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
    if (pid == 0) {
        int fd = open("var/bench/webhooks-summitd.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (int64_t deadline = now_ms() + 30000; !healthy(port); usleep(50000))
        if (now_ms() > deadline)
            die("summitd did not come up (var/bench/webhooks-summitd.log)");
    return pid;
}

/* N outbox rows for endpoint ep, timed from the INSERT until all are sent. Rows per second. */
static double summitd_run(struct whr *w, long ep, int n, int run)
{
    char prefix[48];
    snprintf(prefix, sizeof(prefix), "bwh%lldr%d", (long long)time(NULL), run);
    FILE *f = fopen("var/bench/webhooks-rows.sql", "w");
    fprintf(f, "INSERT INTO outbox (msg_id, channel, type, endpoint_id, payload, next_at,"
               " created_at) VALUES ");
    for (int i = 0; i < n; i++) {
        char body[512];
        /* the payload as notify_emit writes it ({type, data}); the POST adds the timestamp */
        body_of(i, body, sizeof(body));
        const char *data = strstr(body, "\"data\":") + 7;
        fprintf(f,
                "%s('%s-%d', 'webhook', 'reminder', %ld, '{\"type\":\"reminder\",\"data\":%.*s}',"
                " UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
                i ? "," : "", prefix, i, ep, (int)(strlen(data) - 1), data);
    }
    fprintf(f, ";\n");
    fclose(f);
    int before = whr_count(w);
    int64_t t0 = now_ms();
    sql_file("var/bench/webhooks-rows.sql");
    char q[256];
    snprintf(q, sizeof(q),
             "SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '%s-%%' AND status = 'sent'", prefix);
    for (int64_t deadline = now_ms() + 120000; whr_count(w) - before < n; usleep(2000))
        if (now_ms() > deadline)
            die("rows not delivered within 120 s");
    while (sql_long(q) < n)
        usleep(2000);
    return n * 1000.0 / (double)(now_ms() - t0 > 0 ? now_ms() - t0 : 1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int runs = getenv("BENCH_WH_RUNS") ? atoi(getenv("BENCH_WH_RUNS")) : 3;
    if (n < 1 || runs < 1 || runs > 15)
        die("usage: webhooks [N]");
    const char *bin = getenv("SUMMITD_BIN") ? getenv("SUMMITD_BIN") : "build/summitd";
    if (!getenv("SD_MYSQL_PORT") || !getenv("SD_REDIS_PORT"))
        die("set SD_MYSQL_PORT and SD_REDIS_PORT (the worktree's services)");
    snprintf(sock_path, sizeof(sock_path), "var/mysql/mariadbd.sock");
    signal(SIGPIPE, SIG_IGN);
    mkdir("var", 0755);
    mkdir("var/bench", 0755);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    struct whr *w = whr_start();
    unsigned char key[32];
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)(i * 37 + 11);
    char b64[64], secret[80];
    EVP_EncodeBlock((unsigned char *)b64, key, sizeof(key));
    snprintf(secret, sizeof(secret), "whsec_%s", b64);
    whr_keys(w, secret, NULL);

    int port = free_port();
    pid_t pid = summitd_start(bin, port);
    /* one endpoint on the receiver (straight into the table: the API is not what is measured) */
    FILE *f = fopen("var/bench/webhooks-ep.sql", "w");
    fprintf(f,
            "INSERT INTO webhook_endpoints (org_id, url, types, secret, enabled, failures,"
            " created_by, created_at) VALUES (0, 'http://127.0.0.1:%d/hook', 'reminder', '%s', 1,"
            " 0, 0, UTC_TIMESTAMP(3));\n",
            w->port, b64);
    fclose(f);
    sql_file("var/bench/webhooks-ep.sql");
    long ep = sql_long("SELECT MAX(id) FROM webhook_endpoints WHERE org_id = 0");

    double fl[15], sd[15];
    for (int r = 0; r < runs; r++) {
        fl[r] = floor_run(w, key, sizeof(key), n);
        sd[r] = summitd_run(w, ep, n, r);
        fprintf(stderr, "bench-webhooks: run %d: floor %.0f/s, summitd %.0f/s\n", r + 1, fl[r],
                sd[r]);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    /* every request the receiver kept verified */
    int got = whr_count(w), bad = 0;
    for (int i = 0; i < got && i < WHR_MAX; i++)
        bad += !whr_get(w, i).by_key;
    char q[256];
    snprintf(q, sizeof(q), "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = %ld", ep);
    long logged = sql_long(q);
    f = fopen("var/bench/webhooks-clean.sql", "w");
    fprintf(f,
            "DELETE FROM outbox WHERE endpoint_id = %ld; DELETE FROM webhook_deliveries WHERE"
            " endpoint_id = %ld; DELETE FROM webhook_endpoints WHERE id = %ld;\n",
            ep, ep, ep);
    fclose(f);
    sql_file("var/bench/webhooks-clean.sql");
    whr_stop(w);
    qsort(fl, (size_t)runs, sizeof(double), cmp_d);
    qsort(sd, (size_t)runs, sizeof(double), cmp_d);
    double mf = fl[runs / 2], ms = sd[runs / 2];
    printf("bench-webhooks: %d rows x %d runs; floor (plain client -> receiver) median %.0f/s;"
           " summitd dispatcher -> receiver median %.0f/s; ratio %.2f; attempts logged %ld;"
           " unverified %d\n",
           n, runs, mf, ms, ms / mf, logged, bad);
    f = fopen("var/bench/webhooks.json", "w");
    if (f) {
        fprintf(f,
                "{\"rows\":%d,\"runs\":%d,\"floor_rps\":%.1f,\"summitd_rps\":%.1f,\"ratio\":%.3f,"
                "\"attempts_logged\":%ld,\"unverified\":%d}\n",
                n, runs, mf, ms, ms / mf, logged, bad);
        fclose(f);
    }
    curl_global_cleanup();
    return bad || logged != (long)n * runs ? 1 : 0;
}
