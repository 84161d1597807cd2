/* summitd: the entry point. `summitd [--config FILE] [--listen IP:PORT] [--set key=value]
 * [serve|migrate|print-config]`. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "handlers/users.h"
#include "server/app.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/json.h"
#include "server/log.h"
#include "server/migrate.h"
#include "server/pwhash.h"
#include "server/rds.h"
#include "server/recs.h"
#include "server/router.h"
#include "server/secrets.h"
#include "server/routes.h"
#include "server/server.h"
#include "server/sync.h"
#include "notify/dispatch.h"
#include "notify/notify.h"
#include "notify/jobs.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

#define START_WAIT_S 30

/* Migrations, then for serving (app != NULL) the admin account, the shared keys and the match
 * index; retried while MySQL comes up. */
static int prepare_database(const struct config *cfg, struct app *app)
{
    struct db *db = db_new(cfg);
    int rc = SD_ERR_UNAVAILABLE;
    int64_t deadline = time_mono_us() + (int64_t)START_WAIT_S * 1000000;
    while (time_mono_us() < deadline) {
        rc = migrate_run(db);
        if (rc == 0 && app)
            rc = users_ensure_admin(db, cfg);
        if (rc == 0 && app)
            rc = secrets_get(db, "cursor", app->secret);
        if (rc == 0 && app)
            rc = recs_load(app->recs, db);
        /* MySQL still starting, its node not ready, or (on Galera) a conflict with another
         * instance starting at the same moment: again, after a pause that differs per process. */
        if (rc != SD_ERR_UNAVAILABLE && rc != SD_ERR_RETRY)
            break;
        usleep(150000 + (useconds_t)(getpid() % 200) * 1000);
    }
    if (rc)
        log_error("database not ready (%s; last MySQL error %u: %s)", sd_err_code(rc),
                  db_last_errno(db), db_error_name(db_last_errno(db), false));
    db_free(db);
    return rc;
}

static void build_routes(struct app *app, struct route_def **owned)
{
    struct route_def *list = xcalloc(routes_len, sizeof(*list));
    size_t n = 0;
    app->router = router_new();
    for (size_t i = 0; i < routes_len; i++) {
        if ((routes[i].flags & ROUTE_DEBUG) && !app->cfg->debug_routes)
            continue;
        list[n] = routes[i];
        int idx = (routes[i].flags & ROUTE_TAIL)
                      ? router_add_tail(app->router, routes[i].method, routes[i].pattern)
                      : router_add(app->router, routes[i].method, routes[i].pattern);
        SD_ASSERT(idx == (int)n);
        n++;
    }
    app->routes = list;
    app->nroutes = n;
    *owned = list;
}

int main(int argc, char **argv)
{
    struct config cfg;
    const char *rest[4];
    int nrest = 0;
    int rc = cfg_load(&cfg, argc, argv, rest, 4, &nrest, stderr);
    if (rc) {
        cfg_deinit(&cfg);
        return rc;
    }
    const char *cmd = nrest ? rest[0] : "serve";
    if (strcmp(cmd, "print-config") == 0) {
        cfg_write_example(stdout);
        cfg_deinit(&cfg);
        return 0;
    }
    if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "migrate") != 0) {
        fprintf(stderr, "summitd: unknown command '%s' (serve, migrate, print-config)\n", cmd);
        cfg_deinit(&cfg);
        return 2;
    }
    log_set_level((enum log_level)log_level_parse(cfg.log_level));
    signal(SIGPIPE, SIG_IGN);
    json_init();
    db_library_init();

    if (strcmp(cmd, "migrate") == 0) {
        rc = prepare_database(&cfg, NULL);
        db_library_end();
        cfg_deinit(&cfg);
        return rc ? 1 : 0;
    }

    struct app app;
    memset(&app, 0, sizeof(app));
    app.cfg = &cfg;
    app.started_at = time_now();
    unsigned char rnd[6];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0, sizeof(rnd));
    auth_base64url(rnd, sizeof(rnd), app.instance);
    struct route_def *owned = NULL;
    build_routes(&app, &owned);

    int exit_code = 1;
    app.recs = recs_new(&cfg);
    if (prepare_database(&cfg, &app) != 0)
        goto out;
    /* Redis may come later (requests that need it answer 503 meanwhile); say so now. */
    struct rds *probe = rds_new(&cfg);
    if (rds_ping(probe) != 0)
        log_warn("redis at %s is not answering yet",
                 cfg.redis_sentinels[0] ? "the sentinels' master" : cfg.redis_host);
    rds_free(probe);
    app.pwhash = pwhash_new(&cfg);
    struct server *srv = server_new(&app);
    if (!srv)
        goto out;
    struct sync *sync = sync_start(&app);
    struct auth_cache *acache = auth_cache_start(&cfg);
    notify_configure(cfg.notify_enabled);
    struct notify_jobs *jobs = notify_jobs_start(&app);
    struct dispatch *dispatch = dispatch_start(&app);
    server_run(srv);
    dispatch_stop(dispatch);
    notify_jobs_stop(jobs);
    sync_stop(sync);
    server_free(srv);
    auth_cache_stop(acache);
    exit_code = 0;
out:
    pwhash_free(app.pwhash);
    recs_free(app.recs);
    router_free(app.router);
    free(owned);
    db_library_end();
    cfg_deinit(&cfg);
    return exit_code;
}
