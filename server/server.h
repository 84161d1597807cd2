#ifndef SUMMITD_SERVER_SERVER_H
#define SUMMITD_SERVER_SERVER_H

#include "base/xalloc.h"

/* The HTTP server: one listening socket shared by `threads` event loops (each with its own
 * event_base and evhttp, fed by a dup of the socket), and a pool of `workers` threads each
 * owning one MySQL and one Redis connection. Loops parse, route and reply; everything that
 * touches MySQL or Redis runs on a worker, so a slow query never stalls a loop. Jobs go through
 * one bounded queue (full: 503 + Retry-After); results come back to the loop that asked through
 * a locked list plus event_active().
 *
 * SIGTERM/SIGINT: stop listening, answer 503 to new requests on open connections, let in-flight
 * requests finish (up to shutdown_timeout_s), then stop the loops and workers. */

struct app;
struct server;
struct buf;

/* Binds app->cfg->listen; returns NULL after logging when it cannot. */
struct server *server_new(struct app *app);
/* Runs until a signal asks to stop and the drain ends. Returns 0. */
int server_run(struct server *srv);
void server_free(struct server *srv);

/* Renders /metrics for the whole process. */
void server_metrics(struct server *srv, struct buf *out);

#endif
