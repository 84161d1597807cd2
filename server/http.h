#ifndef SUMMITD_SERVER_HTTP_H
#define SUMMITD_SERVER_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/router.h"

/* The request API handlers see. A struct req is plain data copied out of evhttp on the loop
 * thread (no libevent object crosses threads), handed to a worker that runs the handler, and
 * handed back to its loop, which sends the response and frees it. The handler fills the
 * response through reply_*(); exactly one reply per request. */

struct cJSON;
struct loop;
struct worker;
struct app;
struct evhttp_request;
struct conn_guard;

/* Who is calling (filled by the worker before the handler when a Bearer token is valid). */
enum role_bits {
    ROLE_ATTENDEE = 1 << 0,
    ROLE_ENTERPRISE = 1 << 1,
    ROLE_ORGANIZER = 1 << 2,
    ROLE_ADMIN = 1 << 3,
};

struct auth_user {
    int64_t id; /* 0 when anonymous */
    unsigned roles;
    unsigned char locale; /* the user's chosen language: 0 none, else 1 + enum lang (query.h) */
};

struct req {
    /* --- in: copied from the HTTP request --- */
    char id[24]; /* request id, also sent back as X-Request-Id */
    unsigned method;
    int route; /* index into the route table */
    char *path;
    char *body;
    size_t body_len;
    size_t nparams;
    char *params[ROUTER_MAX_PARAMS];
    size_t nquery;
    char **qkey, **qval;
    size_t nhdr;
    char **hkey, **hval;
    char client_ip[48];
    int64_t start_us;

    /* --- context --- */
    struct app *app;
    struct worker *w; /* NULL for routes answered on the loop */
    struct auth_user user;

    /* --- out --- */
    int status; /* 0 until a reply_*() */
    char *resp;
    size_t resp_len;
    const char *resp_type; /* static string */
    size_t nrh;
    char **rhkey, **rhval;
    const char *err_code; /* for the access log; static or NULL */

    /* --- private to server/ --- */
    const char *cors_origin; /* the request's Origin when cors_origins lists it (the server's
                                copy), else NULL */
    char *idem_rkey; /* Redis key of the Idempotency-Key record being served */
    char *lc_key;    /* loop-cache key when the reply may be cached */
    uint32_t lc_tag;
    uint64_t lc_epoch;
    uint32_t lc_slot;              /* the loop-cache fill this request's read is (lc_fill_id, */
    uint64_t lc_fill_id;           /* 0: none), see server/lcache.h */
    struct lcache_body *lc_body;   /* a hit: the cached body, sent by reference */
    char idem_fp[65];
    struct loop *loop;
    struct conn_guard *guard;
    struct evhttp_request *evreq;
    void (*cont)(struct req *r, void *arg); /* what runs when a parked request is resumed */
    void *cont_arg;
    atomic_int park;             /* enum park_state in server.c */
    struct req *next;
};

/* Query parameter (URL-decoded) or NULL. Borrowed from r. */
const char *req_query(const struct req *r, const char *name);
/* Request header (case-insensitive name) or NULL. Borrowed from r. */
const char *req_header(const struct req *r, const char *name);
/* Path parameter i as a positive int64; on failure replies 404 and returns -1. */
int req_param_id(struct req *r, size_t i, int64_t *out);
/* The rule req_param_id() applies: text `s` (may be NULL) as a positive int64; false when it is
 * not an id. */
bool req_parse_id(const char *s, int64_t *out);

/* Replies. Each sets the status and body; call exactly one per request. */
void reply_json(struct req *r, int status, struct cJSON *body); /* takes ownership of body */
void reply_body(struct req *r, int status, const char *content_type, char *body,
                size_t len); /* takes ownership of body (malloc'd) */
void reply_empty(struct req *r, int status);
/* 201 Created with a Location header (a printf-formatted path); takes ownership of body. */
void reply_created(struct req *r, struct cJSON *body, const char *loc_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The SPEC error envelope {"error":{"code","message"[,"field"]}}. `code` NULL means the table's
 * default for err. 503s get Retry-After, 429s too (unless already added). */
void reply_error(struct req *r, int err, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The usual answer to a failed lower layer call (503 for unavailable, 409 duplicate, 500 …). */
void reply_fail(struct req *r, int err);

/* What to reply, decided where it cannot be replied yet: inside a db_tx function, which must
 * return an error so that the transaction rolls back before anybody is told. Record it with
 * tx_fail() (which returns err, so `return tx_fail(f, …);`), reply it after with reply_tx().
 * Up to TX_FAIL_EXTRA numbers ride along in the error object (e.g. "clash_pitch_id"). */
#define TX_FAIL_EXTRA 3
struct tx_fail {
    int err;           /* SD_ERR_*, 0 when nothing was recorded */
    const char *code;  /* static, or NULL for the table's default */
    const char *field; /* static or NULL */
    char msg[240];    /* in English */
    char msg_zh[360]; /* in Chinese (server/i18n.h) */
    size_t nextra;
    struct {
        const char *name; /* static */
        int64_t value;
    } extra[TX_FAIL_EXTRA];
};
int tx_fail(struct tx_fail *f, int err, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Adds a number to the recorded error object (ignored beyond TX_FAIL_EXTRA). */
void tx_fail_extra(struct tx_fail *f, const char *name, int64_t value);
/* Replies the recorded failure when rc is the error it recorded, else reply_fail(rc) (a lower
 * layer failed: 503, 500 …); rc 0 with nothing recorded is an internal error. */
void reply_tx(struct req *r, int rc, const struct tx_fail *f);
/* Adds a response header (both strings copied). */
void reply_header(struct req *r, const char *name, const char *value);

/* Parking: a handler whose request waits on other requests' work (a combined transaction that
 * another worker runs, server/combine.h) need not hold its worker meanwhile. It calls
 * req_park(r, cont, arg) BEFORE it makes r reachable by whoever will resume it, and returns
 * without a reply; its worker goes back to the pool and forgets r. Exactly one req_resume(r)
 * later (from any thread, even before the handler has returned) queues cont(r, arg) on a worker
 * (any one: r->w changes), which then replies as the handler would have (or parks again).
 * req_unpark(r) undoes a req_park() that nobody can resume any more (the handler did the work
 * itself after all). Parked requests count against queue_max like queued ones. */
void req_park(struct req *r, void (*cont)(struct req *r, void *arg), void *arg);
void req_unpark(struct req *r);
void req_resume(struct req *r);

/* Frees everything the request owns. */
void req_free(struct req *r);

#endif
