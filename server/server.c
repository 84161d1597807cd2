#include "server/server.h"

#include "notify/dispatch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/app.h"
#include "server/auth.h"
#include "server/body_check.h"
#include "server/buf.h"
#include "server/config.h"
#include "server/db.h"
#include "base/utf8.h"
#include "server/err.h"
#include "server/guard.h"
#include "server/http.h"
#include "server/idem.h"
#include "server/json.h"
#include "server/lcache.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/netaddr.h"
#include "server/rds.h"
#include "server/router.h"
#include "server/routes.h"
#include "server/timeutil.h"

struct loop {
    int idx;
    struct server *srv;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *notify;
    pthread_t th;
    pthread_mutex_t mu;
    struct req *done_head, *done_tail; /* guarded by mu */
    struct metrics *m;
    uint64_t seq;
    struct guards *guards; /* slow-client deadlines of this loop's connections */
    struct lcache *cache;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct req *head, *tail; /* guarded by mu */
    long len;
    long max;
    /* Waking workers (guarded by mu): those waiting for work (idle) and those signalled and not
     * yet back at the queue (waking). A new request wakes a worker of its own: its handler may
     * wait on Redis or MySQL, so a burst of them wants as many workers as there are. Resumed
     * requests (a batch's members, answered together) only build and send their replies: they
     * wake at most wake_max (the CPUs) at once, and a worker that takes a job and leaves more
     * behind wakes the next one itself, so that a batch of 33 is answered by as many workers as
     * can run rather than by 16 woken for one reply each (context switches were the largest part
     * of a registration's CPU in summitd). */
    int idle, waking, wake_max;
    bool stop;
    int n;
    pthread_t *th;
    struct worker *w;
    atomic_long busy;
    atomic_long parked; /* requests parked (req_park) and not yet running again */
};

struct server {
    struct app *app;
    const struct config *cfg;
    int fd;
    int nloops;
    struct loop *loops;
    struct pool pool;
    atomic_long inflight;
    atomic_bool draining;
    struct event_base *main_base;
    struct netaddr_acl *trusted; /* proxies whose X-Forwarded-For names the client, or NULL */
    char **cors;                 /* cors_origins, parsed */
    int ncors;
};

/* CORS (cors_origins): what a browser page of a listed origin may send and read. */
#define CORS_ALLOW_HEADERS "Authorization, Content-Type, Idempotency-Key, Accept-Language"
#define CORS_EXPOSE_HEADERS "X-Request-Id, Retry-After, Idempotent-Replayed, Location, WWW-Authenticate"
#define CORS_MAX_AGE "600"

static void finish(struct loop *l, struct req *r);
static void release_waiters(struct loop *l, void *head);

/* ---------------------------------------------------------------- worker pool */

/* A parked request's way back (req_park): whichever of its worker leaving it and req_resume()
 * comes second queues the continuation, so that nobody touches r while another thread may run
 * it. */
enum park_state { PARK_NONE, PARK_HELD, PARK_LEFT, PARK_WOKEN };

static void pool_push_cont(struct pool *p, struct req *r);

/* Whether to signal a worker for work just queued, with at most `cap` on their way (mu held;
 * signal after unlocking). */
static bool want_wake(struct pool *p, int cap)
{
    if (p->idle <= p->waking || p->waking >= cap)
        return false;
    p->waking++;
    return true;
}

/* Runs r's handler (or, for a resumed request, its continuation). Returns false when the handler
 * parked r: it is no longer this worker's to touch. */
static bool run_job(struct worker *w, struct req *r)
{
    const struct route_def *rd = &w->app->routes[r->route];
    r->w = w;
    bool idem = (rd->flags & ROUTE_IDEMPOTENT) && req_header(r, "Idempotency-Key");
    if (r->cont) { /* resumed: auth, body and Idempotency-Key were done before it parked */
        void (*cont)(struct req *, void *) = r->cont;
        r->cont = NULL;
        atomic_store(&r->park, PARK_NONE);
        cont(r, r->cont_arg);
    } else {
        if (db_check(w->db) != 0) {
            /* Handlers that need MySQL see the failure on their first statement. */
        }
        if (auth_authenticate(r, (rd->flags & ROUTE_AUTH) != 0) != 0)
            return true;
        if (body_check(r, rd->pattern) != 0) /* strict bodies, from the contract */
            return true;
        if (idem && idem_begin(r) != 0)
            return true;
        rd->fn(r);
    }
    if (w->parked == r) {
        w->parked = NULL;
        return false;
    }
    if (!r->status) {
        rlog_error(r->id, "handler for %s gave no reply", rd->pattern);
        reply_error(r, SD_ERR_INTERNAL, NULL, NULL, "internal error (request %s)", r->id);
    }
    if (idem)
        idem_end(r);
    return true;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = &w->app->srv->pool;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->stop) {
            p->idle++;
            pthread_cond_wait(&p->cv, &p->mu);
            p->idle--;
            if (p->waking > 0)
                p->waking--;
        }
        if (!p->head) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        struct req *r = p->head;
        p->head = r->next;
        if (!p->head)
            p->tail = NULL;
        p->len--;
        bool wake = p->head && want_wake(p, p->head->cont ? p->wake_max : INT_MAX);
        pthread_mutex_unlock(&p->mu);
        if (wake)
            pthread_cond_signal(&p->cv);
        r->next = NULL;

        atomic_fetch_add(&p->busy, 1);
        bool done = run_job(w, r);
        atomic_fetch_sub(&p->busy, 1);
        if (!done) {
            if (atomic_exchange(&r->park, PARK_LEFT) == PARK_WOKEN)
                pool_push_cont(p, r); /* resumed before this worker let go */
            continue;
        }

        struct loop *l = r->loop;
        pthread_mutex_lock(&l->mu);
        if (l->done_tail)
            l->done_tail->next = r;
        else
            l->done_head = r;
        l->done_tail = r;
        pthread_mutex_unlock(&l->mu);
        event_active(l->notify, EV_READ, 0);
    }
    return NULL;
}

void req_park(struct req *r, void (*cont)(struct req *r, void *arg), void *arg)
{
    SD_ASSERT(r->w && !r->w->parked && cont);
    r->cont = cont;
    r->cont_arg = arg;
    atomic_store(&r->park, PARK_HELD);
    r->w->parked = r;
    atomic_fetch_add(&r->app->srv->pool.parked, 1);
}

void req_unpark(struct req *r)
{
    SD_ASSERT(r->w && r->w->parked == r);
    r->cont = NULL;
    atomic_store(&r->park, PARK_NONE);
    r->w->parked = NULL;
    atomic_fetch_sub(&r->app->srv->pool.parked, 1);
}

void req_resume(struct req *r)
{
    struct pool *p = &r->app->srv->pool;
    if (atomic_exchange(&r->park, PARK_WOKEN) == PARK_LEFT)
        pool_push_cont(p, r);
}

/* Queues a resumed request ahead of new ones: it was admitted already, and its reply (or the
 * batch it now leads) is what the requests behind it wait for. Neither queue_max nor a stop
 * refuses it (workers leave only once the queue is empty). */
static void pool_push_cont(struct pool *p, struct req *r)
{
    atomic_fetch_sub(&p->parked, 1);
    pthread_mutex_lock(&p->mu);
    r->next = p->head;
    p->head = r;
    if (!p->tail)
        p->tail = r;
    p->len++;
    bool wake = want_wake(p, p->wake_max);
    pthread_mutex_unlock(&p->mu);
    if (wake)
        pthread_cond_signal(&p->cv);
}

static bool pool_submit(struct pool *p, struct req *r)
{
    pthread_mutex_lock(&p->mu);
    if (p->len + atomic_load(&p->parked) >= p->max || p->stop) {
        pthread_mutex_unlock(&p->mu);
        return false;
    }
    r->next = NULL;
    if (p->tail)
        p->tail->next = r;
    else
        p->head = r;
    p->tail = r;
    p->len++;
    /* Signalled after the unlock, so that the worker woken does not wake only to wait for the
     * mutex; and only when one waits (a busy worker takes the job when it looks again). */
    bool wake = want_wake(p, INT_MAX);
    pthread_mutex_unlock(&p->mu);
    if (wake)
        pthread_cond_signal(&p->cv);
    return true;
}

/* ---------------------------------------------------------------- loops */

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    pthread_mutex_lock(&l->mu);
    struct req *r = l->done_head;
    l->done_head = l->done_tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (r) {
        struct req *next = r->next;
        finish(l, r);
        r = next;
    }
}

static unsigned method_of(enum evhttp_cmd_type c)
{
    switch (c) {
    case EVHTTP_REQ_GET:
        return HTTP_M_GET;
    case EVHTTP_REQ_POST:
        return HTTP_M_POST;
    case EVHTTP_REQ_PUT:
        return HTTP_M_PUT;
    case EVHTTP_REQ_PATCH:
        return HTTP_M_PATCH;
    case EVHTTP_REQ_DELETE:
        return HTTP_M_DELETE;
    case EVHTTP_REQ_HEAD:
        return HTTP_M_HEAD;
    case EVHTTP_REQ_OPTIONS:
        return HTTP_M_OPTIONS;
    default:
        return 0;
    }
}

static const char *reason(int status)
{
    switch (status) {
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return NULL; /* libevent's phrase */
    }
}

static void finish(struct loop *l, struct req *r)
{
    struct evhttp_request *ev = r->evreq;
    struct evkeyvalq *oh = evhttp_request_get_output_headers(ev);
    evhttp_add_header(oh, "X-Request-Id", r->id);
    if (r->resp_type)
        evhttp_add_header(oh, "Content-Type", r->resp_type);
    /* Every response: browsers must not guess another type than the one we send. */
    evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
    if (r->lc_body)
        evhttp_add_header(oh, "X-Cache", "hit");
    /* Personal data and secrets are kept by no cache, whatever the status (unless the handler
     * said something about caching itself). */
    if (r->route >= 0 && (l->srv->app->routes[r->route].flags & ROUTE_NO_STORE)) {
        bool set = false;
        for (size_t i = 0; i < r->nrh && !set; i++)
            set = strcasecmp(r->rhkey[i], "Cache-Control") == 0;
        if (!set)
            evhttp_add_header(oh, "Cache-Control", "no-store");
    }
    for (size_t i = 0; i < r->nrh; i++)
        evhttp_add_header(oh, r->rhkey[i], r->rhval[i]);
    if (l->srv->ncors) {
        /* The answer depends on Origin whenever origins are listed (caches must keep them
         * apart); a listed origin's page may read it and the headers clients use. */
        evhttp_add_header(oh, "Vary", "Origin");
        if (r->cors_origin) {
            evhttp_add_header(oh, "Access-Control-Allow-Origin", r->cors_origin);
            evhttp_add_header(oh, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
        }
    }
    if (atomic_load(&l->srv->draining))
        evhttp_add_header(oh, "Connection", "close");
    struct evbuffer *b = evbuffer_new();
    if (r->method == HTTP_M_HEAD) {
        /* evhttp would send the body after a HEAD's headers and leave out its length: the
         * length of the body a GET gets, and no body. */
        if (r->status != 204 && r->status != 304) {
            char n[24];
            snprintf(n, sizeof(n), "%zu", r->resp_len);
            evhttp_add_header(oh, "Content-Length", n);
        }
    } else if (r->lc_body) {
        /* A loop-cache hit: the stored body by reference, released when it has been written. */
        struct lcache_body *cb = r->lc_body;
        r->lc_body = NULL;
        if (evbuffer_add_reference(b, cb->data, cb->len, lcache_body_cleanup, cb) != 0)
            lcache_body_unref(cb);
    } else if (r->resp_len) {
        evbuffer_add(b, r->resp, r->resp_len);
    }
    /* evhttp frees a request whose client already left when we send (exactly one reply). */
    evhttp_send_reply(ev, r->status, reason(r->status), b);
    guard_request_done(r);
    evbuffer_free(b);
    int64_t end = time_mono_us();
    if (r->lc_fill_id && r->lc_key && r->status == 200 && r->resp_len)
        lcache_put(l->cache, r->lc_key, r->lc_tag, r->lc_epoch, end,
                   (int64_t)l->srv->cfg->loop_cache_ttl_ms * 1000, r->resp, r->resp_len,
                   r->resp_type);
    struct lcache_fill fill = {r->lc_slot, r->lc_fill_id};
    int64_t us = end - r->start_us;
    metrics_record(l->m, r->route, r->status, us);
    if (l->srv->cfg->access_log)
        rlog_info(
            r->id, "access %s %s %s %d %zu %lldus%s%s", r->client_ip, router_method_name(r->method),
            r->route >= 0 ? l->srv->app->routes[r->route].pattern : r->path, r->status, r->resp_len,
            (long long)us, r->err_code ? " " : "", r->err_code ? r->err_code : "");
    if (r->w)
        atomic_fetch_sub(&l->srv->inflight, 1);
    req_free(r);
    if (fill.id)
        release_waiters(l, lcache_fill_done(l->cache, fill));
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) (`plus`: '+' is a space, as in query strings). NULL when an escape is
 * malformed or the text decodes to a NUL (which would silently end the C string) or to anything
 * but UTF-8 text without control characters. Caller frees. */
static char *uri_decode(const char *s, size_t n, bool plus)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = n - i >= 3 ? hex_digit(s[i + 1]) : -1;
            int lo = n - i >= 3 ? hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                goto bad;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus && c == '+') {
            c = ' ';
        }
        if (c == '\0')
            goto bad;
        out[o++] = c;
    }
    out[o] = '\0';
    if (utf8_chars(out, o, false) < 0)
        goto bad;
    return out;
bad:
    free(out);
    return NULL;
}

/* Splits the raw query string into decoded (name, value) pairs ("a" alone is a = ""). Returns 0,
 * or -1 after replying 400 naming the parameter that is not text. */
static int copy_query(struct req *r, const char *q)
{
    while (*q) {
        size_t seg = strcspn(q, "&");
        const char *eq = memchr(q, '=', seg);
        size_t kl = eq ? (size_t)(eq - q) : seg;
        if (seg) {
            char *k = uri_decode(q, kl, true);
            char *v = eq ? uri_decode(eq + 1, seg - kl - 1, true) : xstrdup("");
            if (!k || !v) {
                const char *name = k ? k : "query";
                reply_error(r, SD_ERR_INVALID, "validation_failed", name,
                            "the query parameter %s must be percent-encoded UTF-8 text without "
                            "NUL or control characters",
                            name);
                free(k);
                free(v);
                return -1;
            }
            r->qkey = xrealloc(r->qkey, (r->nquery + 1) * sizeof(char *));
            r->qval = xrealloc(r->qval, (r->nquery + 1) * sizeof(char *));
            r->qkey[r->nquery] = k;
            r->qval[r->nquery] = v;
            r->nquery++;
        }
        q += seg;
        if (*q == '&')
            q++;
    }
    return 0;
}

/* A header value is UTF-8 text; tab is its only control character. */
static bool header_value_ok(const char *v)
{
    size_t len = strlen(v);
    for (size_t i = 0; i < len;) {
        unsigned cp;
        size_t k = utf8_next(v + i, len - i, &cp);
        if (k == 0 || ((cp < 0x20 && cp != '\t') || cp == 0x7f))
            return false;
        i += k;
    }
    return true;
}

/* Copies what the handler needs out of evhttp. Returns 0, or -1 after replying (a 404 for a
 * path parameter that does not decode, a 400 for a query parameter or header that is not
 * text). */
static int copy_request(struct req *r, struct evhttp_request *ev, const struct route_match *m)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    for (size_t i = 0; i < m->nparams; i++) {
        r->params[i] = uri_decode(m->param[i], m->param_len[i], false);
        r->nparams = i + 1;
        if (!r->params[i]) {
            r->params[i] = xstrdup("");
            reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no such resource");
            return -1;
        }
    }
    r->nparams = m->nparams;
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    if (q && *q && copy_query(r, q) < 0)
        return -1;
    struct evkeyval *h;
    TAILQ_FOREACH(h, evhttp_request_get_input_headers(ev), next)
    {
        r->hkey = xrealloc(r->hkey, (r->nhdr + 1) * sizeof(char *));
        r->hval = xrealloc(r->hval, (r->nhdr + 1) * sizeof(char *));
        r->hkey[r->nhdr] = xstrdup(h->key);
        r->hval[r->nhdr] = xstrdup(h->value);
        r->nhdr++;
        if (!header_value_ok(h->value)) {
            reply_error(r, SD_ERR_INVALID, "validation_failed", h->key,
                        "the %s header must be UTF-8 text without control characters", h->key);
            return -1;
        }
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(ev);
    size_t len = evbuffer_get_length(in);
    if (len) {
        r->body = xmalloc(len + 1);
        evbuffer_remove(in, r->body, len);
        r->body[len] = '\0';
        r->body_len = len;
    }
    return 0;
}

/* Hands a request to its handler: on the loop (ROUTE_INLINE) or to the worker pool. */
static void dispatch(struct loop *l, struct req *r)
{
    struct server *srv = l->srv;
    const struct route_def *rd = &srv->app->routes[r->route];
    if (rd->flags & ROUTE_INLINE) {
        rd->fn(r);
        SD_ASSERT(r->status != 0);
        finish(l, r);
        return;
    }
    if ((rd->flags & ROUTE_LOOP_TRY) && routes_loop_fn(rd->fn)(r)) { /* from memory (routes.h) */
        finish(l, r);
        return;
    }
    atomic_fetch_add(&srv->inflight, 1);
    r->w = NULL;
    if (!pool_submit(&srv->pool, r)) {
        atomic_fetch_sub(&srv->inflight, 1);
        reply_error(r, SD_ERR_UNAVAILABLE, "overloaded", NULL, "too many requests queued");
        finish(l, r);
        return;
    }
    /* r->w is set by the worker; finish() decrements inflight when it sees it. */
}

/* A cacheable request (r->lc_tag set; its key in `key`, a copy kept in r->lc_key once it
 * waits or reads): answered from the loop's cache, parked behind the read that is filling its
 * entry, or read (and its reply stored) by a worker. */
static void cache_dispatch(struct loop *l, struct req *r, const char *key)
{
    struct lcache_body *body;
    struct lcache_fill fill;
    enum lcache_result res = lcache_get(l->cache, key, r->lc_tag, r->start_us, &body, &fill);
    if (res == LCACHE_HIT) {
        r->lc_body = body;
        r->status = 200;
        r->resp_type = body->ctype;
        r->resp_len = body->len;
        finish(l, r);
        return;
    }
    if (!r->lc_key)
        r->lc_key = xstrdup(key);
    if (res == LCACHE_WAIT) {
        void **head = lcache_waiters(l->cache, r->lc_key);
        r->next = *head;
        *head = r;
        return;
    }
    r->lc_slot = fill.slot;
    r->lc_fill_id = fill.id;
    r->lc_epoch = lcache_epoch(r->lc_tag); /* before the read: a change during it makes it stale */
    dispatch(l, r);
}

/* The requests parked behind a fill that is over, in arrival order: each is answered from what
 * the fill stored, or (nothing stored, or a change since) goes its own way again. */
static void release_waiters(struct loop *l, void *head)
{
    struct req *rev = NULL, *r = head;
    while (r) { /* parked newest first */
        struct req *next = r->next;
        r->next = rev;
        rev = r;
        r = next;
    }
    while (rev) {
        struct req *next = rev->next;
        rev->next = NULL;
        cache_dispatch(l, rev, rev->lc_key);
        rev = next;
    }
}

/* An anonymous GET of a ROUTE_LOOP_CACHE route: through the loop's cache, keyed by the path and
 * the raw query. */
static void loop_cached(struct loop *l, struct req *r, const struct route_def *rd,
                        const struct evhttp_uri *uri)
{
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    size_t pl = strlen(r->path), ql = q ? strlen(q) : 0;
    char buf[512];
    char *key = pl + ql + 2 <= sizeof(buf) ? buf : xmalloc(pl + ql + 2);
    memcpy(key, r->path, pl);
    key[pl] = '?';
    memcpy(key + pl + 1, q ? q : "", ql);
    key[pl + 1 + ql] = '\0';
    /* Tagged by the parsed id, as the handler's lcache_invalidate() names it: /events/01 is
     * /events/1. */
    int64_t id = 0;
    if (r->nparams && !req_parse_id(r->params[0], &id))
        id = 0;
    r->lc_tag = lcache_tag(rd->pattern, id);
    cache_dispatch(l, r, key);
    if (key != buf)
        free(key);
}

/* OPTIONS on a path that exists (no route takes OPTIONS itself). A CORS preflight from a listed
 * origin: 204 with what the path takes and what the page may send. From any other origin: 403
 * origin_not_allowed (a browser then refuses the real request). Without Origin (not a browser's
 * preflight): 204 with Allow. */
static void preflight(struct req *r, const char *origin, unsigned allowed)
{
    char methods[96];
    router_methods_str(allowed | HTTP_M_OPTIONS, methods, sizeof(methods));
    if (origin && !r->cors_origin) {
        reply_error(r, SD_ERR_FORBIDDEN, "origin_not_allowed", NULL,
                    "this origin may not call the API from a browser (cors_origins)");
        return;
    }
    reply_header(r, "Allow", methods);
    if (r->cors_origin) {
        router_methods_str(allowed, methods, sizeof(methods));
        reply_header(r, "Access-Control-Allow-Methods", methods);
        reply_header(r, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
        reply_header(r, "Access-Control-Max-Age", CORS_MAX_AGE);
    }
    reply_empty(r, 204);
}

/* Behind trusted proxies the client is named by X-Forwarded-For (every such header, in order). */
static void client_behind_proxies(struct server *srv, struct req *r)
{
    const char *xff[16];
    size_t n = 0;
    for (size_t i = 0; i < r->nhdr && n < SD_ARRAY_LEN(xff); i++)
        if (strcasecmp(r->hkey[i], "X-Forwarded-For") == 0)
            xff[n++] = r->hval[i];
    char peer[sizeof(r->client_ip)];
    memcpy(peer, r->client_ip, sizeof(peer));
    netaddr_client(srv->trusted, peer, xff, n, r->client_ip, sizeof(r->client_ip));
}

/* "<instance>-<loop>-<seq in hex>", as snprintf("%s-%d-%llx") would write it (truncated to n),
 * without the cost of a printf on every request. */
static void request_id(char *out, size_t n, const char *instance, int loop, uint64_t seq)
{
    char tmp[64];
    size_t o = 0;
    for (const char *p = instance; *p && o < 16; p++)
        tmp[o++] = *p;
    tmp[o++] = '-';
    char d[20];
    int nd = 0;
    unsigned v = (unsigned)(loop < 0 ? 0 : loop);
    do
        d[nd++] = (char)('0' + v % 10);
    while ((v /= 10) && nd < (int)sizeof(d));
    while (nd)
        tmp[o++] = d[--nd];
    tmp[o++] = '-';
    nd = 0;
    do
        d[nd++] = "0123456789abcdef"[seq & 15];
    while ((seq >>= 4) && nd < 16);
    while (nd)
        tmp[o++] = d[--nd];
    if (o >= n)
        o = n - 1;
    memcpy(out, tmp, o);
    out[o] = '\0';
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    struct loop *l = arg;
    struct server *srv = l->srv;
    struct req *r = xcalloc(1, sizeof(*r));
    r->start_us = time_mono_us();
    r->loop = l;
    r->evreq = ev;
    r->app = srv->app;
    r->route = -1;
    request_id(r->id, sizeof(r->id), srv->app->instance, l->idx, ++l->seq);
    r->method = method_of(evhttp_request_get_command(ev));
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r->path = xstrdup(path && *path ? path : "/");
    guard_request_started(l->guards, r);
    struct evhttp_connection *conn = evhttp_request_get_connection(ev);
    char *addr = NULL;
    ev_uint16_t port = 0;
    if (conn)
        evhttp_connection_get_peer(conn, &addr, &port);
    snprintf(r->client_ip, sizeof(r->client_ip), "%s", addr ? addr : "-");

    if (atomic_load(&srv->draining)) {
        reply_error(r, SD_ERR_UNAVAILABLE, "shutting_down", NULL, "the server is shutting down");
        finish(l, r);
        return;
    }
    if (guard_saw_nul(r)) {
        reply_header(r, "Connection", "close");
        reply_error(r, SD_ERR_INVALID, "invalid_request", NULL,
                    "a NUL byte in the request (headers and bodies are text)");
        finish(l, r);
        return;
    }
    const char *origin =
        evhttp_find_header(evhttp_request_get_input_headers(ev), "Origin");
    for (int i = 0; origin && i < srv->ncors && !r->cors_origin; i++)
        if (strcmp(srv->cors[i], origin) == 0)
            r->cors_origin = srv->cors[i];
    struct route_match m;
    int rc = router_match(srv->app->router, r->method, r->path, strlen(r->path), &m);
    if (rc == -2 && r->method == HTTP_M_OPTIONS) {
        preflight(r, origin, m.allowed);
        finish(l, r);
        return;
    }
    if (rc == -1) {
        reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no route for %s", r->path);
        finish(l, r);
        return;
    }
    if (rc == -2) {
        char allow[96];
        router_methods_str(m.allowed, allow, sizeof(allow));
        reply_header(r, "Allow", allow);
        reply_error(r, SD_ERR_METHOD, NULL, NULL, "use %s for this path", allow);
        finish(l, r);
        return;
    }
    r->route = m.index;
    if (copy_request(r, ev, &m) < 0) {
        finish(l, r);
        return;
    }
    if (srv->trusted)
        client_behind_proxies(srv, r);
    if (r->body_len > (size_t)srv->cfg->max_body_bytes) {
        reply_error(r, SD_ERR_TOO_LARGE, NULL, NULL, "the body is larger than %d bytes",
                    srv->cfg->max_body_bytes);
        finish(l, r);
        return;
    }
    const struct route_def *rd = &srv->app->routes[r->route];
    if ((rd->flags & ROUTE_LOOP_CACHE) && r->method == HTTP_M_GET &&
        srv->cfg->loop_cache_ttl_ms > 0 && !req_header(r, "Authorization")) {
        loop_cached(l, r, rd, uri);
        return;
    }
    dispatch(l, r);
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    /* Keep running while no event is pending (e.g. every request sits on a worker). */
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void libevent_log(int severity, const char *msg)
{
    if (severity >= EVENT_LOG_ERR)
        log_error("libevent: %s", msg);
    else if (severity >= EVENT_LOG_WARN)
        log_warn("libevent: %s", msg);
    else
        log_debug("libevent: %s", msg);
}

static int bind_listen(const char *addr)
{
    char host[64];
    const char *colon = strrchr(addr, ':');
    size_t hl = (size_t)(colon - addr);
    if (hl >= sizeof(host))
        return -1;
    memcpy(host, addr, hl);
    host[hl] = '\0';
    int port = atoi(colon + 1);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        log_error("listen: %s is not an IPv4 address", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* Inherited by every accepted connection: libevent writes at most 16 KB at a time, and Nagle
     * held the rest of a larger reply until the client's delayed ACK (~40 ms a reply). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
        log_error("listen %s: %s", addr, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

struct server *server_new(struct app *app)
{
    static int once;
    if (!once++) {
        evthread_use_pthreads();
        event_set_log_callback(libevent_log);
    }
    int fd = bind_listen(app->cfg->listen);
    if (fd < 0)
        return NULL;
    struct server *srv = xcalloc(1, sizeof(*srv));
    srv->app = app;
    srv->cfg = app->cfg;
    srv->fd = fd;
    app->srv = srv;
    char why[160];
    SD_ASSERT(netaddr_acl_parse(app->cfg->trusted_proxies, &srv->trusted, why, sizeof(why)) ==
              0); /* validated by the config loader */
    srv->ncors = cfg_origins_parse(app->cfg->cors_origins, &srv->cors);
    SD_ASSERT(srv->ncors >= 0); /* validated by the config loader */
    srv->nloops = app->cfg->threads;
    srv->loops = xcalloc((size_t)srv->nloops, sizeof(struct loop));
    for (int i = 0; i < srv->nloops; i++) {
        struct loop *l = &srv->loops[i];
        l->idx = i;
        l->srv = srv;
        l->base = event_base_new();
        SD_ASSERT(l->base);
        l->http = evhttp_new(l->base);
        SD_ASSERT(l->http);
        pthread_mutex_init(&l->mu, NULL);
        l->notify = event_new(l->base, -1, 0, on_notify, l);
        l->m = metrics_new(app->nroutes);
        l->cache = lcache_new();
        l->guards = guards_new(app->cfg->idle_timeout_s);
        evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                                EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
        size_t cap = (size_t)app->cfg->max_body_bytes * 4;
        evhttp_set_max_body_size(l->http, cap < 1048576 ? 1048576 : cap);
        evhttp_set_max_headers_size(l->http, 16384);
        evhttp_set_timeout(l->http, app->cfg->idle_timeout_s);
        evhttp_set_default_content_type(l->http, "application/json; charset=utf-8");
        evhttp_set_gencb(l->http, on_request, l);
        evhttp_set_bevcb(l->http, guards_make_bev, l->guards);
        int dfd = dup(fd);
        SD_ASSERT(dfd >= 0);
        struct evconnlistener *lev = evconnlistener_new(
            l->base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, dfd);
        SD_ASSERT(lev);
        l->bound = evhttp_bind_listener(l->http, lev);
        SD_ASSERT(l->bound);
    }
    struct pool *p = &srv->pool;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max = app->cfg->queue_max;
    p->n = app->cfg->workers;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    p->wake_max = ncpu > 1 ? (int)ncpu : 1;
    p->th = xcalloc((size_t)p->n, sizeof(pthread_t));
    p->w = xcalloc((size_t)p->n, sizeof(struct worker));
    for (int i = 0; i < p->n; i++) {
        p->w[i].idx = i;
        p->w[i].app = app;
        p->w[i].cfg = app->cfg;
        p->w[i].db = db_new(app->cfg);
        p->w[i].rds = rds_new(app->cfg);
    }
    return srv;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct server *srv = arg;
    log_info("signal %d: draining (up to %ds)", (int)sig, srv->cfg->shutdown_timeout_s);
    event_base_loopbreak(srv->main_base);
}

static void stop_listening(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    if (l->bound)
        evhttp_del_accept_socket(l->http, l->bound);
    l->bound = NULL;
}

static void *pool_thread_start(void *arg)
{
    return worker_main(arg);
}

int server_run(struct server *srv)
{
    struct pool *p = &srv->pool;
    /* Signals first: once a loop runs, /healthz answers and a SIGTERM may follow at once; it
     * must drain, not kill the process with the default action. */
    srv->main_base = event_base_new();
    struct event *sterm = evsignal_new(srv->main_base, SIGTERM, on_signal, srv);
    struct event *sint = evsignal_new(srv->main_base, SIGINT, on_signal, srv);
    event_add(sterm, NULL);
    event_add(sint, NULL);
    for (int i = 0; i < p->n; i++)
        SD_ASSERT(pthread_create(&p->th[i], NULL, pool_thread_start, &p->w[i]) == 0);
    for (int i = 0; i < srv->nloops; i++)
        SD_ASSERT(pthread_create(&srv->loops[i].th, NULL, loop_main, &srv->loops[i]) == 0);
    log_info("summitd serving http://%s (%d loops, %d workers)", srv->cfg->listen, srv->nloops,
             p->n);
    event_base_dispatch(srv->main_base);

    /* Drain: stop accepting, refuse new requests, let in-flight ones finish. */
    atomic_store(&srv->draining, true);
    for (int i = 0; i < srv->nloops; i++)
        event_base_once(srv->loops[i].base, -1, EV_TIMEOUT, stop_listening, &srv->loops[i], NULL);
    close(srv->fd);
    srv->fd = -1;
    int64_t deadline = time_mono_us() + (int64_t)srv->cfg->shutdown_timeout_s * 1000000;
    while (atomic_load(&srv->inflight) > 0 && time_mono_us() < deadline)
        usleep(10000);
    long left = atomic_load(&srv->inflight);
    if (left)
        log_warn("shutdown: %ld requests still in flight at the deadline", left);
    /* Give loops a moment to flush the replies just queued. */
    for (int i = 0; i < srv->nloops; i++) {
        struct timeval tv = {0, 100000};
        event_base_loopexit(srv->loops[i].base, &tv);
    }
    for (int i = 0; i < srv->nloops; i++)
        pthread_join(srv->loops[i].th, NULL);
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->th[i], NULL);
    event_free(sterm);
    event_free(sint);
    log_info("summitd stopped");
    return 0;
}

void server_free(struct server *srv)
{
    if (!srv)
        return;
    /* Jobs no worker took (drain deadline passed): drop them while their loops still exist. */
    struct req *q = srv->pool.head;
    while (q) {
        struct req *n = q->next;
        guard_request_done(q);
        req_free(q);
        q = n;
    }
    srv->pool.head = srv->pool.tail = NULL;
    for (int i = 0; i < srv->nloops; i++) {
        struct loop *l = &srv->loops[i];
        /* Replies that arrived after the loop stopped are dropped with their requests. */
        struct req *r = l->done_head;
        while (r) {
            struct req *n = r->next;
            guard_request_done(r);
            req_free(r);
            r = n;
        }
        evhttp_free(l->http);
        guards_free(l->guards);
        event_free(l->notify);
        metrics_free(l->m);
        lcache_free(l->cache);
        event_base_free(l->base);
        pthread_mutex_destroy(&l->mu);
    }
    free(srv->loops);
    struct pool *p = &srv->pool;
    for (int i = 0; i < p->n; i++) {
        db_free(p->w[i].db);
        rds_free(p->w[i].rds);
    }
    free(p->w);
    free(p->th);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    netaddr_acl_free(srv->trusted);
    for (int i = 0; i < srv->ncors; i++)
        free(srv->cors[i]);
    free(srv->cors);
    if (srv->main_base)
        event_base_free(srv->main_base);
    if (srv->fd >= 0)
        close(srv->fd);
    free(srv);
}

static const char *route_pattern(void *arg, size_t i)
{
    return ((struct app *)arg)->routes[i].pattern;
}

static const char *route_method(void *arg, size_t i)
{
    return router_method_name(((struct app *)arg)->routes[i].method);
}

/* MySQL errors by the name server/db.c gives them (deadlock, certification_conflict, ...). */
static void metric_db_error(const char *name, long n, void *arg)
{
    buf_printf(arg, "summitd_mysql_errors_total{error=\"%s\"} %ld\n", name, n);
}

void server_metrics(struct server *srv, struct buf *out)
{
    struct metrics **ms = xcalloc((size_t)srv->nloops, sizeof(*ms));
    for (int i = 0; i < srv->nloops; i++)
        ms[i] = srv->loops[i].m;
    pthread_mutex_lock(&srv->pool.mu);
    long qlen = srv->pool.len;
    pthread_mutex_unlock(&srv->pool.mu);
    struct metrics_gauges g = {
        .queue_len = qlen,
        .queue_max = srv->pool.max,
        .workers = srv->pool.n,
        .workers_busy = atomic_load(&srv->pool.busy),
        .inflight = atomic_load(&srv->inflight),
        .loops = srv->nloops,
        .mysql_up = db_up(),
        .redis_up = rds_up(),
        .uptime_s = time_now() - srv->app->started_at,
    };
    metrics_render(out, ms, (size_t)srv->nloops, srv->app->nroutes, route_pattern, route_method,
                   srv->app, &g);
    free(ms);
    buf_printf(out, "# TYPE summitd_mysql_errors_total counter\n");
    db_error_counts(metric_db_error, out);
    dispatch_metrics(out);
}
