#include "server/guard.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "base/xalloc.h"
#include "server/http.h"

/* We hold a reference on each connection's bufferevent, so its socket cannot be closed and
 * reused under us before its guard goes. */
#define GUARD_BUCKETS 4096

struct conn_guard {
    struct bufferevent *bev;
    struct evhttp_connection *conn; /* once a request arrived and our close callback is set */
    struct event *timer;
    struct guards *gs;
    int refs;        /* one for the connection while it lives, one per request in flight */
    bool conn_alive; /* hashed, its timer may fire */
    int busy;        /* requests of this connection not yet answered */
    bool nul;        /* a NUL byte arrived: evhttp would cut a header at it without a word */
    struct evbuffer_cb_entry *in_cb;
    struct conn_guard *next;
};

struct guards {
    int idle_timeout_s;
    struct conn_guard *bucket[GUARD_BUCKETS]; /* by bufferevent pointer */
};

struct guards *guards_new(int idle_timeout_s)
{
    struct guards *gs = xcalloc(1, sizeof(*gs));
    gs->idle_timeout_s = idle_timeout_s;
    return gs;
}

static size_t guard_bucket(const struct bufferevent *bev)
{
    return ((uintptr_t)bev >> 4) % GUARD_BUCKETS;
}

static struct conn_guard *guard_find(struct guards *gs, const struct bufferevent *bev)
{
    for (struct conn_guard *g = gs->bucket[guard_bucket(bev)]; g; g = g->next)
        if (g->bev == bev)
            return g;
    return NULL;
}

static void guard_unref(struct conn_guard *g)
{
    if (--g->refs > 0)
        return;
    evbuffer_remove_cb_entry(bufferevent_get_input(g->bev), g->in_cb);
    event_free(g->timer);
    bufferevent_decref(g->bev);
    free(g);
}

/* The connection is gone (or being shut down): forget it; requests in flight keep g alive. */
static void guard_conn_done(struct conn_guard *g)
{
    if (!g->conn_alive)
        return;
    g->conn_alive = false;
    struct conn_guard **pp = &g->gs->bucket[guard_bucket(g->bev)];
    while (*pp && *pp != g)
        pp = &(*pp)->next;
    if (*pp)
        *pp = g->next;
    evtimer_del(g->timer);
    guard_unref(g);
}

static void guard_arm(struct conn_guard *g)
{
    struct timeval tv = {g->gs->idle_timeout_s, 0};
    evtimer_add(g->timer, &tv);
}

static void on_guard_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn_guard *g = arg;
    /* The connection still lives (its close callback has not run): take our callback back, so
     * that evhttp never calls it with a guard we free here. */
    if (g->conn)
        evhttp_connection_set_closecb(g->conn, NULL, NULL);
    g->conn = NULL;
    evutil_socket_t sock = bufferevent_getfd(g->bev);
    /* evhttp sees end-of-file and frees the connection itself; if it already did, the socket is
     * still ours (we hold a reference on the bufferevent) and closes when we let go. */
    if (sock >= 0)
        shutdown(sock, SHUT_RDWR);
    guard_conn_done(g);
}

static void on_conn_close(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    struct conn_guard *g = arg;
    g->conn = NULL;
    guard_conn_done(g);
}

/* Watches what arrives on a connection for NUL bytes, before evhttp parses it: evhttp keeps
 * header values as C strings, so "X-Key: a\0b" would reach us as "a". Nothing we accept holds a
 * NUL (JSON bodies neither), so the connection's requests are refused from then on. */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    struct conn_guard *g = arg;
    if (g->nul || info->n_added == 0)
        return;
    struct evbuffer_ptr hit = evbuffer_search(in, "", 1, NULL);
    g->nul = hit.pos >= 0;
}

struct bufferevent *guards_make_bev(struct event_base *base, void *arg)
{
    struct guards *gs = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        return NULL;
    struct conn_guard *g = xcalloc(1, sizeof(*g));
    g->bev = bev;
    g->gs = gs;
    g->refs = 1;
    g->conn_alive = true;
    g->timer = evtimer_new(base, on_guard_timeout, g);
    g->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, g);
    bufferevent_incref(bev);
    size_t b = guard_bucket(bev);
    g->next = gs->bucket[b];
    gs->bucket[b] = g;
    guard_arm(g);
    return bev;
}

void guard_request_started(struct guards *gs, struct req *r)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(r->evreq);
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    struct conn_guard *g = bev ? guard_find(gs, bev) : NULL;
    if (!g)
        return;
    evhttp_connection_set_closecb(conn, on_conn_close, g);
    g->conn = conn;
    evtimer_del(g->timer);
    g->busy++;
    g->refs++;
    r->guard = g;
}

void guard_request_done(struct req *r)
{
    struct conn_guard *g = r->guard;
    if (!g)
        return;
    r->guard = NULL;
    if (--g->busy == 0 && g->conn_alive)
        guard_arm(g);
    guard_unref(g);
}

bool guard_saw_nul(const struct req *r)
{
    return r->guard && r->guard->nul;
}

void guards_free(struct guards *gs)
{
    if (!gs)
        return;
    for (size_t b = 0; b < GUARD_BUCKETS; b++)
        while (gs->bucket[b])
            guard_conn_done(gs->bucket[b]);
    free(gs);
}
