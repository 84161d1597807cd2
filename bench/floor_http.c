/* The HTTP floor of `make bench`: a bare libevent evhttp server that answers every request with
 * a fixed JSON body, built like summitd's front end (N event-loop threads, each with its own
 * event_base and evhttp, accepting on a dup of one shared listening socket, keep-alive). No
 * routing, no copying, no worker hand-off: whatever summitd does on top costs on top of this.
 *
 *   floor_http IP:PORT THREADS [BODY_BYTES ["Name: value"...]]   serves until SIGTERM/SIGINT
 *
 * Without BODY_BYTES (or 0) the body is {"status":"ok"} with a Content-Type, like /healthz. With
 * it, the body is a JSON object of exactly BODY_BYTES bytes and every header given is sent too:
 * bench/run.sh passes the size and the headers of summitd's cached event page, so that the
 * floor of the `event` scenario does the same work on the wire (a fair floor).
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char tiny[] = "{\"status\":\"ok\"}";
static const char *body = tiny;
static size_t body_len = sizeof(tiny) - 1;
#define MAX_HEADERS 16
static char *hkey[MAX_HEADERS], *hval[MAX_HEADERS];
static int nheaders;

static void on_request(struct evhttp_request *req, void *arg)
{
    (void)arg;
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_reference(b, body, body_len, NULL, NULL);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    if (!nheaders)
        evhttp_add_header(oh, "Content-Type", "application/json; charset=utf-8");
    for (int i = 0; i < nheaders; i++)
        evhttp_add_header(oh, hkey[i], hval[i]);
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* {"pad":"xxx…"} of exactly n bytes (at least the 10 bytes of an empty pad). */
static char *padded_body(size_t n)
{
    if (n < 10)
        n = 10;
    char *s = malloc(n + 1);
    memcpy(s, "{\"pad\":\"", 8);
    memset(s + 8, 'x', n - 10);
    memcpy(s + n - 2, "\"}", 3);
    body_len = n;
    return s;
}

static void *loop_main(void *arg)
{
    event_base_loop(arg, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s IP:PORT THREADS [BODY_BYTES [\"Name: value\"...]]\n", argv[0]);
        return 2;
    }
    if (argc > 3 && atol(argv[3]) > 0)
        body = padded_body((size_t)atol(argv[3]));
    for (int i = 4; i < argc && nheaders < MAX_HEADERS; i++) {
        char *colon = strchr(argv[i], ':');
        if (!colon) {
            fprintf(stderr, "floor_http: a header is \"Name: value\", not %s\n", argv[i]);
            return 2;
        }
        hkey[nheaders] = strndup(argv[i], (size_t)(colon - argv[i]));
        hval[nheaders] = strdup(colon + 1 + strspn(colon + 1, " "));
        nheaders++;
    }
    char host[64];
    const char *colon = strrchr(argv[1], ':');
    int nthreads = atoi(argv[2]);
    if (!colon || (size_t)(colon - argv[1]) >= sizeof(host) || nthreads < 1 || nthreads > 64) {
        fprintf(stderr, "floor_http: bad arguments\n");
        return 2;
    }
    memcpy(host, argv[1], (size_t)(colon - argv[1]));
    host[colon - argv[1]] = '\0';
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "floor_http: %s is not an IPv4 address\n", host);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* As summitd's listening socket (server/server.c): no Nagle delay on replies. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
        perror("floor_http: listen");
        return 1;
    }
    evthread_use_pthreads();
    signal(SIGPIPE, SIG_IGN);
    struct event_base **bases = calloc((size_t)nthreads, sizeof(*bases));
    struct evhttp **https = calloc((size_t)nthreads, sizeof(*https));
    pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
    for (int i = 0; i < nthreads; i++) {
        bases[i] = event_base_new();
        https[i] = evhttp_new(bases[i]);
        evhttp_set_timeout(https[i], 60);
        evhttp_set_gencb(https[i], on_request, NULL);
        struct evconnlistener *lev = evconnlistener_new(
            bases[i], NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, dup(fd));
        if (!lev || !evhttp_bind_listener(https[i], lev)) {
            fprintf(stderr, "floor_http: cannot bind loop %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, loop_main, bases[i]);
    struct event_base *main_base = event_base_new();
    struct event *sterm = evsignal_new(main_base, SIGTERM, on_signal, main_base);
    struct event *sint = evsignal_new(main_base, SIGINT, on_signal, main_base);
    event_add(sterm, NULL);
    event_add(sint, NULL);
    fprintf(stderr, "floor_http: serving %s with %d loops, %zu-byte body, %d headers\n", argv[1],
            nthreads, body_len, nheaders);
    event_base_dispatch(main_base);
    for (int i = 0; i < nthreads; i++)
        event_base_loopbreak(bases[i]);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < nthreads; i++) {
        evhttp_free(https[i]);
        event_base_free(bases[i]);
    }
    event_free(sterm);
    event_free(sint);
    event_base_free(main_base);
    close(fd);
    free(bases);
    free(https);
    free(th);
    return 0;
}
