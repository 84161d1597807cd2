#ifndef SUMMITD_SERVER_GUARD_H
#define SUMMITD_SERVER_GUARD_H

#include <stdbool.h>

/* Slow clients: a deadline per connection. Each request must arrive complete within
 * idle_timeout_s of the connection opening or of the previous reply; evhttp's own timeout
 * restarts on every byte, so a client trickling one byte a second would otherwise hold its
 * connection for ever. The guard also watches the raw input for NUL bytes (evhttp keeps header
 * values as C strings and would cut one at a NUL without a word).
 *
 * One struct guards per event loop, used only on that loop's thread. */

struct guards;
struct req;
struct bufferevent;
struct event_base;

struct guards *guards_new(int idle_timeout_s);
/* Forgets every connection (at shutdown, after evhttp_free); requests in flight keep their own
 * reference. Then frees gs. */
void guards_free(struct guards *gs);
/* evhttp_set_bevcb callback (arg: the loop's struct guards): a bufferevent with its guard. */
struct bufferevent *guards_make_bev(struct event_base *base, void *arg);
/* A complete request arrived on its connection: hold the deadline until it is answered. */
void guard_request_started(struct guards *gs, struct req *r);
/* Its reply went out (or it was dropped): the deadline runs again while the connection idles. */
void guard_request_done(struct req *r);
/* Whether a NUL byte arrived on r's connection. */
bool guard_saw_nul(const struct req *r);

#endif
