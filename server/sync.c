#include "server/sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/app.h"
#include "server/db.h"
#include "server/lcache.h"
#include "server/log.h"
#include "server/rds.h"
#include "server/recs.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

#define POLL_US 1000000
#define READ_MS 200

struct sync {
    struct app *app;
    pthread_t th;
    atomic_bool stop;
};

static void *sync_main(void *arg)
{
    struct sync *s = arg;
    const struct config *cfg = s->app->cfg;
    static const char *const channels[] = {RECS_CHANNEL, LCACHE_CHANNEL, RECS_AUX_CHANNEL, NULL};
    struct db *db = db_new(cfg);
    struct rds_sub *sub = NULL;
    int64_t next_poll = 0, next_connect = 0;
    while (!atomic_load(&s->stop)) {
        int64_t now = time_mono_us();
        if (!sub && now >= next_connect) {
            sub = rds_sub_open(cfg, channels);
            next_connect = now + POLL_US;
            if (sub) {
                next_poll = 0; /* catch up on what was missed while disconnected */
                recs_aux_link(s->app->recs, true);
            }
        }
        if (now >= next_poll) {
            if (db_check(db) == 0)
                recs_poll(s->app->recs, db);
            next_poll = now + POLL_US;
        }
        if (!sub) {
            usleep(READ_MS * 1000);
            continue;
        }
        recs_aux_beat(s->app->recs);
        char chan[64], msg[256];
        int got = rds_sub_read(sub, READ_MS, chan, sizeof(chan), msg, sizeof(msg));
        if (got == 1 && strcmp(chan, RECS_CHANNEL) == 0) {
            int64_t id = strtoll(msg, NULL, 10);
            if (id > 0 && recs_apply(s->app->recs, db, id) != 0)
                next_poll = 0;
        } else if (got == 1 && strcmp(chan, LCACHE_CHANNEL) == 0) {
            lcache_apply_message(msg);
        } else if (got == 1 && strcmp(chan, RECS_AUX_CHANNEL) == 0) {
            recs_aux_heard(s->app->recs, msg);
        } else if (got < 0) {
            recs_aux_link(s->app->recs, false);
            rds_sub_free(sub);
            sub = NULL;
        }
    }
    rds_sub_free(sub);
    db_free(db);
    return NULL;
}

struct sync *sync_start(struct app *app)
{
    struct sync *s = xcalloc(1, sizeof(*s));
    s->app = app;
    SD_ASSERT(pthread_create(&s->th, NULL, sync_main, s) == 0);
    return s;
}

void sync_stop(struct sync *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    free(s);
}
