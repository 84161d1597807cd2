#ifndef SUMMITD_SERVER_SYNC_H
#define SUMMITD_SERVER_SYNC_H

/* The one thread per instance that listens to the other instances: it SUBSCRIBEs (its own Redis
 * connection) to `<prefix>projects` (a project changed: re-read it into the match index) and
 * `<prefix>invalidate` (a cached public read changed: bump its epoch), and every second polls
 * MySQL for projects changed behind its back (its own MySQL connection). After Redis comes back
 * it subscribes again and polls at once. */

struct app;
struct sync;

struct sync *sync_start(struct app *app);
/* Stops and joins the thread; NULL is a no-op. */
void sync_stop(struct sync *s);

#endif
