#ifndef SUMMITD_TESTS_WH_RECEIVER_H
#define SUMMITD_TESTS_WH_RECEIVER_H

/* A real HTTP webhook receiver for the tests: a plain-socket server thread on 127.0.0.1 (an
 * ephemeral port) that reads each POST, verifies its Standard Webhooks signature with OpenSSL
 * directly (HMAC-SHA256 of "id.timestamp.body" under the key of "whsec_<base64>", base64,
 * compared with every "v1,<sig>" of webhook-signature; nothing of summitd's code), records what
 * it got, and answers `fail_status` (500 by default) for the first `fail_first` requests, then
 * `ok_status` (200).
 *
 *     struct whr *w = whr_start();
 *     whr_keys(w, secret, NULL);          (what POST .../webhooks answered)
 *     ... deliveries ...
 *     whr_count(w) / whr_get(w, i) / whr_stop(w);
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WHR_MAX 64

struct whr_req {
    char path[256];
    char id[128];         /* webhook-id */
    char ts[32];          /* webhook-timestamp */
    char sig[512];        /* webhook-signature */
    char ctype[128];      /* Content-Type */
    char ua[128];         /* User-Agent */
    char *body;           /* NUL-terminated */
    bool fresh;           /* the timestamp is within 5 minutes of now */
    bool by_key, by_key2; /* a v1 signature verified under key 1 / key 2 */
    int answered;         /* the status sent back */
};

struct whr {
    int fd, port;
    pthread_t th;
    atomic_bool stop;
    pthread_mutex_t mu;
    int fail_first, fail_status, ok_status;
    unsigned char key[128], key2[128];
    int keylen, key2len;
    int n;
    struct whr_req got[WHR_MAX];
};

/* The key of "whsec_<base64>" (0 for NULL). */
static inline int whr_key(const char *secret, unsigned char *out)
{
    if (!secret)
        return 0;
    if (strncmp(secret, "whsec_", 6) == 0)
        secret += 6;
    int len = (int)strlen(secret);
    int n = EVP_DecodeBlock(out, (const unsigned char *)secret, len);
    if (n < 0)
        return -1;
    for (int i = len - 1; i >= 0 && secret[i] == '='; i--)
        n--; /* EVP_DecodeBlock counts padding as zero bytes */
    return n;
}

static inline void whr_keys(struct whr *w, const char *secret, const char *secret2)
{
    pthread_mutex_lock(&w->mu);
    w->keylen = whr_key(secret, w->key);
    w->key2len = whr_key(secret2, w->key2);
    pthread_mutex_unlock(&w->mu);
}

static inline void whr_answers(struct whr *w, int fail_first, int fail_status, int ok_status)
{
    pthread_mutex_lock(&w->mu);
    w->fail_first = fail_first;
    w->fail_status = fail_status;
    w->ok_status = ok_status;
    pthread_mutex_unlock(&w->mu);
}

static inline bool whr_verify(const unsigned char *key, int keylen, const struct whr_req *q,
                              size_t bodylen)
{
    if (keylen <= 0)
        return false;
    size_t n = strlen(q->id) + 1 + strlen(q->ts) + 1 + bodylen;
    char *msg = malloc(n + 1);
    snprintf(msg, n + 1, "%s.%s.", q->id, q->ts);
    memcpy(msg + strlen(q->id) + 1 + strlen(q->ts) + 1, q->body, bodylen);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    HMAC(EVP_sha256(), key, keylen, (unsigned char *)msg, n, mac, &maclen);
    free(msg);
    char want[96];
    EVP_EncodeBlock((unsigned char *)want, mac, (int)maclen);
    /* "v1,<b64> v1,<b64> ..." */
    char sigs[512];
    snprintf(sigs, sizeof(sigs), "%s", q->sig);
    char *save = NULL;
    for (char *s = strtok_r(sigs, " ", &save); s; s = strtok_r(NULL, " ", &save))
        if (strncmp(s, "v1,", 3) == 0 && strcmp(s + 3, want) == 0)
            return true;
    return false;
}

static inline void whr_header(const char *head, const char *name, char *out, size_t outlen)
{
    out[0] = 0;
    size_t nl = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(out, outlen, "%.*s", (int)len, v);
            return;
        }
    }
}

static inline void whr_serve(struct whr *w, int c)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    char *end = NULL;
    ssize_t k;
    while (!end && len < cap && (k = recv(c, buf + len, cap - len, 0)) > 0) {
        len += (size_t)k;
        buf[len] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end) {
        free(buf);
        return;
    }
    *end = 0;
    char cl[32];
    whr_header(buf, "Content-Length", cl, sizeof(cl));
    size_t want = (size_t)strtoul(cl, NULL, 10), have = len - (size_t)(end + 4 - buf);
    while (have < want && len < cap && (k = recv(c, buf + len, cap - len, 0)) > 0) {
        len += (size_t)k;
        have += (size_t)k;
    }
    struct whr_req q = {0};
    sscanf(buf, "%*s %255s", q.path);
    whr_header(buf, "webhook-id", q.id, sizeof(q.id));
    whr_header(buf, "webhook-timestamp", q.ts, sizeof(q.ts));
    whr_header(buf, "webhook-signature", q.sig, sizeof(q.sig));
    whr_header(buf, "Content-Type", q.ctype, sizeof(q.ctype));
    whr_header(buf, "User-Agent", q.ua, sizeof(q.ua));
    size_t blen = have < want ? have : want;
    q.body = malloc(blen + 1);
    memcpy(q.body, end + 4, blen);
    q.body[blen] = 0;
    free(buf);
    long long ts = strtoll(q.ts, NULL, 10), now = (long long)time(NULL);
    q.fresh = ts > 0 && llabs(now - ts) <= 300;
    pthread_mutex_lock(&w->mu);
    q.by_key = whr_verify(w->key, w->keylen, &q, blen);
    q.by_key2 = whr_verify(w->key2, w->key2len, &q, blen);
    q.answered = w->n < w->fail_first ? w->fail_status : w->ok_status;
    if (w->n < WHR_MAX)
        w->got[w->n] = q;
    else
        free(q.body);
    w->n++;
    pthread_mutex_unlock(&w->mu);
    char reply[160];
    int rl = snprintf(reply, sizeof(reply),
                      "HTTP/1.1 %d Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                      q.answered);
    ssize_t sent = send(c, reply, (size_t)rl, MSG_NOSIGNAL);
    (void)sent;
}

static inline void *whr_main(void *arg)
{
    struct whr *w = arg;
    while (!atomic_load(&w->stop)) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(w->fd, NULL, NULL);
        if (c < 0)
            continue;
        struct timeval tv = {.tv_sec = 5};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        whr_serve(w, c);
        close(c);
    }
    return NULL;
}

static inline struct whr *whr_start(void)
{
    struct whr *w = calloc(1, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    w->fail_status = 500;
    w->ok_status = 200;
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(w->fd, 64) != 0 ||
        getsockname(w->fd, (struct sockaddr *)&a, &al) != 0) {
        perror("whr_start");
        abort();
    }
    w->port = ntohs(a.sin_port);
    pthread_create(&w->th, NULL, whr_main, w);
    return w;
}

static inline int whr_count(struct whr *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->n;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* A copy of request i (its body stays owned by the receiver). */
static inline struct whr_req whr_get(struct whr *w, int i)
{
    pthread_mutex_lock(&w->mu);
    struct whr_req q = w->got[i];
    pthread_mutex_unlock(&w->mu);
    return q;
}

static inline void whr_stop(struct whr *w)
{
    atomic_store(&w->stop, true);
    pthread_join(w->th, NULL);
    close(w->fd);
    for (int i = 0; i < w->n && i < WHR_MAX; i++)
        free(w->got[i].body);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

#endif
