/* Hostile clients at the socket level: malformed request lines, huge and many headers, broken
 * chunked encoding, bodies longer than announced or than allowed, idle and trickling clients.
 * Each gets a 4xx or a closed connection, idle and slow connections are dropped after
 * idle_timeout_s, and summitd keeps answering /healthz on other connections throughout. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/json.h"
#include "tests/lib/it.h"

#define IDLE_S 2

IT_SUITE(hostile, 120, "idle_timeout_s=2", "max_body_bytes=65536");

static void healthz_ok(const char *after)
{
    int64_t t0 = it_now_ms();
    struct it_resp *r = it_http(srv, "GET", "/healthz", NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "/healthz after %s: %d", after, r->status);
    it_resp_free(r);
    cr_assert_lt(it_now_ms() - t0, 2000, "/healthz after %s answered within 2 s", after);
}

/* Every status line in a raw reply is 4xx (or 501 for a method nobody implements, as RFC 9110
 * §15.6.2 asks); an empty reply means the server closed. */
static void only_4xx(const char *what, const char *reply)
{
    const char *p = reply;
    int n = 0;
    while ((p = strstr(p, "HTTP/1.")) != NULL) {
        int st = 0;
        if (sscanf(p, "HTTP/1.%*d %d", &st) == 1) {
            cr_assert((st >= 400 && st < 500) || (st == 501 && strncmp(what, "BREW", 4) == 0),
                      "%s: got status %d: %.300s", what, st, reply);
            n++;
        }
        p += 7;
    }
    (void)n;
}

static void send_raw(const char *what, const char *data, size_t len)
{
    char *reply = it_raw(srv->port, data, len, 3000);
    only_4xx(what, reply);
    free(reply);
    healthz_ok(what);
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* True when the peer has closed fd (EOF or reset) within ms; drains what it sent. */
static bool closed_within(int fd, int ms)
{
    int64_t deadline = it_now_ms() + ms;
    char buf[4096];
    for (;;) {
        int left = (int)(deadline - it_now_ms());
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            return false;
        ssize_t k = recv(fd, buf, sizeof(buf), 0);
        if (k == 0 || (k < 0 && errno == ECONNRESET))
            return true;
    }
}

Test(hostile, bad_request_lines)
{
    static const char *const lines[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /healthz HTTP/9.9\r\n\r\n",
        "GET /healthz HTTP/1.1 trailing\r\nHost: x\r\n\r\n",
        "\x01\x02\x03\xff\xfe\r\n\r\n",
        "GET http://[::1/ HTTP/1.1\r\nHost: x\r\n\r\n",
        "BREW /api/v1/users HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/v1/organizations/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /api/v1/organizations/99999999999999999999999 HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nno colon here\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        send_raw(lines[i], lines[i], strlen(lines[i]));
}

/* Regression (found by make fuzz-api): an error message quotes the request path, so raw
 * invalid UTF-8 in the path came back verbatim, and a long CJK path was cut at 511 bytes in
 * the middle of a character: either way the JSON reply was not UTF-8. */
Test(hostile, error_reply_is_utf8_when_it_quotes_raw_bytes_or_a_cut_long_path)
{
    char req[2048];
    const char *paths[] = {"/api/v1/\xff\xfe", "/api/v1/\xe6\xb1", "/api/v1/\xed\xa0\x80", NULL};
    char cjk[700] = "/api/v1/";
    for (int i = 0; i < 200; i++)
        strcat(cjk, "\xe6\xb1\x89"); /* 汉 */
    for (int i = 0; i < 4; i++) {
        const char *p = i < 3 ? paths[i] : cjk;
        int n = snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", p);
        char *out = it_raw(srv->port, req, (size_t)n, 5000);
        cr_assert(strncmp(out, "HTTP/1.1 404", 12) == 0, "path #%d: %.60s", i, out);
        char *body = strstr(out, "\r\n\r\n");
        cr_assert_not_null(body);
        body += 4;
        /* The message quotes the path (in Chinese: the loop answers before reading headers). */
        cr_assert(strstr(body, "\"message\":\"没有路径 /api/v1/"), "path #%d: %s", i, body);
        cr_assert_geq(utf8_chars(body, strlen(body), false), 0,
                      "path #%d: the error reply is not valid UTF-8: %s", i, body);
        free(out);
    }
    healthz_ok("raw bytes in the path");
}

Test(hostile, huge_and_many_headers)
{
    size_t big = 256 * 1024;
    char *req = malloc(big + 256);
    int n = sprintf(req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + n, 'a', big);
    n += (int)big;
    n += sprintf(req + n, "\r\n\r\n");
    send_raw("a 256 KiB header", req, (size_t)n);

    n = sprintf(req, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 5000 && (size_t)n < big; i++)
        n += sprintf(req + n, "X-H%d: v\r\n", i);
    n += sprintf(req + n, "\r\n");
    send_raw("5000 headers", req, (size_t)n);
    free(req);
}

Test(hostile, bad_chunked_encoding)
{
    static const char *const reqs[] = {
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "ZZZ\r\nabc\r\n0\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "ffffffffffffffff\r\nabc\r\n0\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "-1\r\nabc\r\n0\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 3\r\n\r\n3\r\n{}}\r\n0\r\n\r\n",
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        "2\r\n{}\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
        send_raw(reqs[i], reqs[i], strlen(reqs[i]));
}

Test(hostile, body_longer_than_announced_or_allowed)
{
    /* The extra bytes become the next "request" on the connection: garbage, so 400 or close. */
    const char *a = "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 5\r\n\r\n{\"email\":\"x@y.zz\",\"password\":\"long-enough-1\"}"
                    "\x01\x02 garbage after the body\r\n\r\n";
    send_raw("a body longer than Content-Length", a, strlen(a));

    /* Announced larger than max_body_bytes, and actually sent. */
    size_t big = 200 * 1024;
    char *req = malloc(big + 256);
    int n = sprintf(req,
                    "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    "application/json\r\nContent-Length: %zu\r\n\r\n",
                    big);
    memset(req + n, ' ', big);
    send_raw("a body over max_body_bytes", req, (size_t)n + big);

    /* Announced huge, never sent: refused up front or dropped at the idle timeout. */
    n = sprintf(req,
                "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
    send_raw("Content-Length 99999999999", req, (size_t)n);
    free(req);
}

Test(hostile, idle_connection_is_dropped)
{
    int fd = connect_port(srv->port);
    healthz_ok("opening an idle connection");
    cr_assert(closed_within(fd, (IDLE_S + 3) * 1000), "an idle connection is closed after %d s",
              IDLE_S);
    close(fd);

    /* Half a request, then silence. */
    fd = connect_port(srv->port);
    const char *half = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    cr_assert_eq(send(fd, half, strlen(half), MSG_NOSIGNAL), (ssize_t)strlen(half));
    cr_assert(closed_within(fd, (IDLE_S + 3) * 1000),
              "a connection with half a request is closed after %d s", IDLE_S);
    close(fd);
    healthz_ok("idle connections");
}

/* Sends the request one byte a second for up to `max_s` seconds, checking /healthz on another
 * connection after every byte; returns whether summitd dropped the trickling client. */
static bool trickle(int max_s, int64_t *took)
{
    const char *req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    int fd = connect_port(srv->port);
    int64_t t0 = it_now_ms();
    bool dropped = false;
    for (size_t i = 0; i < strlen(req) && it_now_ms() - t0 < max_s * 1000; i++) {
        if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1) {
            dropped = true;
            break;
        }
        healthz_ok("a byte from the slow client");
        if (closed_within(fd, 1000)) {
            dropped = true;
            break;
        }
    }
    *took = it_now_ms() - t0;
    close(fd);
    return dropped;
}

Test(hostile, one_byte_a_second_client_does_not_delay_others)
{
    int64_t took;
    (void)trickle(IDLE_S * 3, &took);
    healthz_ok("the slow client");
}

/* KNOWN GAP (issue 7): evhttp's timeout (idle_timeout_s) restarts on every read, so a client that
 * sends one byte a second holds its connection for as long as it likes. Fixing it needs a
 * per-request header/body deadline in server/server.c (e.g. a timer armed per connection via
 * evhttp_set_bevcb and cleared in on_request). Enabled, this test fails today. */
Test(hostile, one_byte_a_second_client_is_dropped)
{
    int64_t took;
    bool dropped = trickle(20, &took);
    cr_assert(dropped, "a client sending one byte a second is dropped (still open after %lld ms)",
              (long long)took);
    cr_assert_lt(took, (IDLE_S * 3 + 3) * 1000, "dropped after %lld ms", (long long)took);
    healthz_ok("the slow client");
}

/* Regression (found under ASan from a clean clone): a keep-alive connection that finished one
 * request and then stalled mid-way through the next was dropped by the deadline guard, which
 * freed itself while evhttp still held its close callback; evhttp then called it on freed
 * memory. Each of several such connections must be closed, and the server must live on. */
Test(hostile, kept_alive_connection_stalling_on_its_second_request_is_dropped)
{
    for (int round = 0; round < 4; round++) {
        int fd = connect_port(srv->port);
        const char *first = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        cr_assert_eq(send(fd, first, strlen(first), MSG_NOSIGNAL), (ssize_t)strlen(first));
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        cr_assert_gt(n, 0, "the first request is answered");
        buf[n] = '\0';
        cr_assert(strstr(buf, "200 OK"), "%s", buf);
        const char *half = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
        cr_assert_eq(send(fd, half, strlen(half), MSG_NOSIGNAL), (ssize_t)strlen(half));
        cr_assert(closed_within(fd, (IDLE_S + 3) * 1000),
                  "round %d: the stalled second request is dropped after %d s", round, IDLE_S);
        close(fd);
        healthz_ok("a dropped keep-alive connection");
    }
}

/* Regression (critical): login checked the e-mail's length in characters (<= 254) and then
 * copied it byte by byte into a 256-byte stack buffer, so 250 CJK characters (750 bytes) from
 * one unauthenticated request overflowed it and killed the process. The e-mail is refused
 * (400 naming it) or simply not found (401); the server lives and answers the next login. */
Test(hostile, login_with_an_email_of_250_cjk_characters_does_not_kill_the_server)
{
    size_t n = 250, ul = strlen("成");
    char *body = malloc(n * ul + 64);
    int k = sprintf(body, "{\"email\":\"");
    for (size_t i = 0; i < n; i++)
        k += sprintf(body + k, "成");
    sprintf(body + k, "\",\"password\":\"whatever-1\"}");
    struct it_resp *r = it_http(srv, "POST", "/api/v1/auth/login", NULL, body, NULL);
    cr_assert(r->status == 400 || r->status == 401, "250 CJK characters as e-mail: %d %s",
              r->status, r->body ? r->body : "(connection lost)");
    if (r->status == 400)
        cr_assert_str_eq(it_jstr(r, "error.field"), "email");
    it_resp_free(r);
    free(body);
    healthz_ok("a login with 750 bytes of e-mail");
    r = it_http(srv, "POST", "/api/v1/auth/login", NULL,
                "{\"email\":\"nobody@test.example\",\"password\":\"whatever-1\"}", NULL);
    cr_assert_eq(r->status, 401, "the next login is answered: %d %s", r->status, r->body);
    it_resp_free(r);
}
