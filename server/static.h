#ifndef SUMMITD_SERVER_STATIC_H
#define SUMMITD_SERVER_STATIC_H

#include <stdbool.h>
#include <stddef.h>

/* The web client (web/), embedded at build time by scripts/embed_web.sh into
 * build/gen/web.c, and served on the event loop (ROUTE_INLINE): `GET /` and `/index.html` serve
 * web/index.html, `GET /assets/<path>` serves web/<path>, and `/assets/<fingerprint>/<path>` the
 * same file for good (Cache-Control immutable; index.html refers to assets that way). Strong
 * ETags with 304, gzip when the client accepts it, a strict Content-Security-Policy. */

struct req;

struct static_file {
    const char *path; /* relative to web/: "js/app.js" */
    const unsigned char *data;
    unsigned long len;
    const unsigned char *gz; /* gzip -9n of data, or NULL when it does not pay */
    unsigned long gz_len;
    const char *etag;    /* "\"<32 hex>\"" (quotes included) */
    const char *etag_gz; /* the gzip representation's */
};

/* build/gen/web.c; the array ends with an all-NULL entry. */
extern const struct static_file static_files[];
extern const unsigned long static_files_len;
/* 16 hex digits: a hash of every embedded file but index.html. */
extern const char static_fingerprint[];

/* The file at `path` (relative to web/), or NULL. */
const struct static_file *static_find(const char *path);
/* The Content-Type for a file name by its extension ("application/octet-stream" when unknown). */
const char *static_type(const char *path);
/* Whether an Accept-Encoding value (may be NULL) accepts gzip. */
bool static_accepts_gzip(const char *accept_encoding);
/* Whether an If-None-Match value (may be NULL) names `etag` (weak comparison, or "*"). */
bool static_etag_matches(const char *if_none_match, const char *etag);

/* The Content-Security-Policy of every page and asset. */
#define STATIC_CSP                                                                                 \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "        \
    "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "             \
    "frame-ancestors 'none'; form-action 'self'"

/* Handlers (server/routes.c). */
void static_index(struct req *r);      /* GET / */
void static_index_html(struct req *r); /* GET /index.html */
void static_asset(struct req *r);

#endif
