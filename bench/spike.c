/* The opening-minute spike for `make bench` (issue 18): N distinct users register for one
 * session within WINDOW_MS, open loop: request i is sent at t0 + i * WINDOW_MS / N on a
 * connection of its own whatever happened to the earlier ones (a closed-loop driver such as wrk
 * would slow down with the server and hide the queue). Prints one line
 *
 *   BENCHJSON {"requests":N,"window_ms":W,"last_response_ms":…,"p50_ms":…,"p99_ms":…,
 *              "max_ms":…,"send_lag_max_ms":…,"codes":{"201":…},"confirmed":…,"waitlisted":…}
 *
 * where last_response_ms is from the first send to the last answer, latencies are from a
 * request's connect to its last byte, and send_lag is how late the driver itself sent (it must
 * stay small for the figures to mean anything).
 *
 *   spike HOST PORT SESSION_ID TOKENS_FILE N WINDOW_MS
 *
 * TOKENS_FILE has "<user id> <token>" lines (build/bench/mktokens); the first N are used. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct rq {
    int fd;
    int64_t start_us, end_us;
    char *out;
    size_t out_len, out_off;
    char in[2048];
    size_t in_len;
    int status;
    bool done;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void finish(struct rq *r, int epfd)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd, NULL);
    close(r->fd);
    r->fd = -1;
    r->done = true;
    r->end_us = now_us();
    r->in[r->in_len < sizeof(r->in) ? r->in_len : sizeof(r->in) - 1] = '\0';
    if (strncmp(r->in, "HTTP/1.", 7) == 0)
        r->status = atoi(r->in + 9);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: spike HOST PORT SESSION_ID TOKENS_FILE N WINDOW_MS\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    long long sid = atoll(argv[3]);
    int n = atoi(argv[5]);
    int64_t window_us = (int64_t)atoi(argv[6]) * 1000;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    FILE *f = fopen(argv[4], "r");
    if (!f) {
        perror(argv[4]);
        return 2;
    }
    struct rq *rq = calloc((size_t)n, sizeof(*rq));
    char line[512];
    int k = 0;
    while (k < n && fgets(line, sizeof(line), f)) {
        char tok[256];
        long long uid;
        if (sscanf(line, "%lld %255s", &uid, tok) != 2)
            continue;
        char *req;
        int len = asprintf(&req,
                           "POST /api/v1/sessions/%lld/registrations HTTP/1.1\r\nHost: %s:%d\r\n"
                           "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\nConnection: close\r\n\r\n{}",
                           sid, host, port, tok);
        if (len < 0)
            return 2;
        rq[k].out = req;
        rq[k].out_len = (size_t)len;
        rq[k].fd = -1;
        k++;
    }
    fclose(f);
    if (k < n) {
        fprintf(stderr, "spike: only %d tokens in %s\n", k, argv[4]);
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &sa.sin_addr);
    int epfd = epoll_create1(0);
    int sent = 0, done = 0;
    int64_t lag_max = 0, t0 = now_us();
    struct epoll_event evs[256];
    while (done < n) {
        int64_t now = now_us();
        while (sent < n && now >= t0 + window_us * sent / n) {
            struct rq *r = &rq[sent];
            int64_t due = t0 + window_us * sent / n;
            if (now - due > lag_max)
                lag_max = now - due;
            r->start_us = now;
            r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (r->fd < 0 || (connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
                              errno != EINPROGRESS)) {
                if (r->fd >= 0)
                    close(r->fd);
                r->fd = -1;
                r->done = true;
                r->end_us = now_us();
                done++;
            } else {
                int one = 1;
                setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)sent};
                epoll_ctl(epfd, EPOLL_CTL_ADD, r->fd, &ev);
            }
            sent++;
        }
        int timeout = 1;
        if (sent >= n)
            timeout = 100;
        int m = epoll_wait(epfd, evs, 256, timeout);
        for (int i = 0; i < m; i++) {
            struct rq *r = &rq[evs[i].data.u32];
            if (r->done)
                continue;
            if ((evs[i].events & EPOLLOUT) && r->out_off < r->out_len) {
                ssize_t w = write(r->fd, r->out + r->out_off, r->out_len - r->out_off);
                if (w > 0)
                    r->out_off += (size_t)w;
                if (r->out_off == r->out_len) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[i].data.u32};
                    epoll_ctl(epfd, EPOLL_CTL_MOD, r->fd, &ev);
                }
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                char buf[4096];
                for (;;) {
                    ssize_t got = read(r->fd, buf, sizeof(buf));
                    if (got > 0) {
                        size_t room = sizeof(r->in) - 1 - r->in_len;
                        size_t c = (size_t)got < room ? (size_t)got : room;
                        memcpy(r->in + r->in_len, buf, c);
                        r->in_len += c;
                        continue;
                    }
                    if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                        finish(r, epfd);
                        done++;
                    }
                    break;
                }
            }
        }
    }
    int64_t last = 0, *lat = calloc((size_t)n, sizeof(int64_t));
    int codes[600] = {0}, failed = 0, confirmed = 0, waitlisted = 0;
    for (int i = 0; i < n; i++) {
        if (rq[i].end_us - t0 > last)
            last = rq[i].end_us - t0;
        lat[i] = rq[i].end_us - rq[i].start_us;
        if (rq[i].status > 0 && rq[i].status < 600)
            codes[rq[i].status]++;
        else
            failed++;
        confirmed += strstr(rq[i].in, "\"status\":\"confirmed\"") != NULL;
        waitlisted += strstr(rq[i].in, "\"status\":\"waitlisted\"") != NULL;
        free(rq[i].out);
    }
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
    printf("BENCHJSON {\"requests\":%d,\"window_ms\":%lld,\"last_response_ms\":%.1f,"
           "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"send_lag_max_ms\":%.2f,"
           "\"no_answer\":%d,\"confirmed\":%d,\"waitlisted\":%d,\"codes\":{",
           n, (long long)(window_us / 1000), (double)last / 1000.0,
           (double)lat[n / 2] / 1000.0, (double)lat[(size_t)n * 99 / 100] / 1000.0,
           (double)lat[n - 1] / 1000.0, (double)lag_max / 1000.0, failed, confirmed, waitlisted);
    bool first = true;
    for (int c = 100; c < 600; c++)
        if (codes[c]) {
            printf("%s\"%d\":%d", first ? "" : ",", c, codes[c]);
            first = false;
        }
    printf("}}\n");
    free(lat);
    free(rq);
    return 0;
}
