#ifndef SUMMITD_SERVER_APP_H
#define SUMMITD_SERVER_APP_H

#include <stddef.h>
#include <stdint.h>

/* Process-wide state shared by every loop and worker. Read-only after start except where a
 * member says how it synchronizes. */

struct config;
struct router;
struct route_def;
struct server;
struct db;
struct rds;
struct recs;
struct pwhash;

struct app {
    const struct config *cfg;
    struct router *router;          /* built from routes[] at start */
    const struct route_def *routes; /* indexed like the router */
    size_t nroutes;
    struct server *srv; /* loops, pool and metrics (server.h) */
    struct recs *recs;  /* the match index (handlers/recs.h); has its own lock */
    struct pwhash *pwhash; /* password hashing threads (server/pwhash.h); thread-safe */
    char instance[12];  /* random id of this process, prefixes request ids */
    /* A key every instance shares (made once, kept in the database: secrets_get): the MAC of
     * list cursors (server/paging.h). */
    unsigned char secret[32];
    int64_t started_at;
};

/* What a worker thread owns: one MySQL and one Redis connection. */
struct worker {
    int idx;
    struct app *app;
    const struct config *cfg;
    struct db *db;
    struct rds *rds;
    struct req *parked; /* the request whose handler parked it on this worker just now */
};

#endif
