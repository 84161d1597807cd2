#include "notify/dispatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/xalloc.h"
#include "notify/channel.h"
#include "notify/email.h"
#include "server/app.h"
#include "server/buf.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/log.h"
#include "server/timeutil.h"

/* How often the gauges (pending rows, oldest due row) are read again. */
#define GAUGE_US 2000000

enum chan { CH_EMAIL, CH_WEBHOOK, CH_N };
static const char *const chan_names[CH_N] = {"email", "webhook"};

static atomic_long n_sent[CH_N], n_retried[CH_N], n_dead[CH_N], g_pending[CH_N];
static atomic_long g_oldest_due = 0;
static atomic_bool g_stopping;
static _Thread_local struct db *tl_db;

struct dispatch {
    struct app *app;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static _Thread_local bool tl_aborted;

void dispatch_note_aborted(void)
{
    tl_aborted = true;
}

bool dispatch_stopping(void)
{
    return atomic_load(&g_stopping);
}

struct db *dispatch_db(void)
{
    return tl_db;
}

int64_t dispatch_backoff_ms(int attempts, int base_ms, int max_s, uint64_t rnd)
{
    int64_t cap = (int64_t)max_s * 1000, d = base_ms;
    for (int i = 1; i < attempts && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    int64_t half = d / 2;
    return half + (half > 0 ? (int64_t)(rnd % (uint64_t)(d - half + 1)) : 0);
}

static int chan_index(const char *name)
{
    for (int i = 0; i < CH_N; i++)
        if (strcmp(name, chan_names[i]) == 0)
            return i;
    return -1;
}

/* A claimed row (strings owned). */
struct claimed {
    struct outbox_row row;
    char *msg_id, *channel, *type, *payload;
    bool done;
};

enum { OB_ID, OB_MSG, OB_CHANNEL, OB_TYPE, OB_USER, OB_ENDPOINT, OB_EVENT, OB_PAYLOAD, OB_ATTEMPTS,
       OB_CREATED };
#define OB_CLAIM_SQL                                                                               \
    "SELECT id, msg_id, channel, type, user_id, endpoint_id, event_id, payload, attempts,"         \
    " created_at FROM outbox WHERE status = 'pending' AND next_at <= UTC_TIMESTAMP(3)"             \
    " ORDER BY next_at LIMIT ? FOR UPDATE SKIP LOCKED"

static void claimed_free(struct claimed *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].msg_id);
        free(c[i].channel);
        free(c[i].type);
        free(c[i].payload);
    }
    free(c);
}

static char *dup_cell(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    return xstrdup(s ? s : "");
}

/* Claims up to cfg->notify_batch due rows: their count (*out malloc'd), 0 when none or claimed
 * elsewhere, -1 on a database error. */
static int claim(struct db *db, const struct config *cfg, struct claimed **out)
{
    *out = NULL;
    struct db_res res = {0};
    int rc = db_begin(db);
    if (!rc)
        rc = db_exec(db, &res, OB_CLAIM_SQL, "i", (int64_t)cfg->notify_batch);
    if (rc) {
        db_rollback(db);
        db_res_clear(&res);
        return rc == SD_ERR_RETRY ? 0 : -1;
    }
    if (!res.nrows) {
        db_res_clear(&res);
        db_rollback(db);
        return 0;
    }
    struct claimed *c = xcalloc(res.nrows, sizeof(*c));
    struct buf sql;
    buf_init(&sql);
    buf_printf(&sql, "UPDATE outbox SET next_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL %d SECOND)"
                     " WHERE id IN (", cfg->notify_lease_s);
    for (size_t i = 0; i < res.nrows; i++) {
        struct claimed *x = &c[i];
        x->row.id = db_get_i64(&res, i, OB_ID);
        x->msg_id = dup_cell(&res, i, OB_MSG);
        x->channel = dup_cell(&res, i, OB_CHANNEL);
        x->type = dup_cell(&res, i, OB_TYPE);
        x->payload = dup_cell(&res, i, OB_PAYLOAD);
        x->row.msg_id = x->msg_id;
        x->row.channel = x->channel;
        x->row.type = x->type;
        x->row.payload = x->payload;
        x->row.user_id = db_get_i64(&res, i, OB_USER);
        x->row.endpoint_id = db_get_i64(&res, i, OB_ENDPOINT);
        x->row.event_id = db_get_i64(&res, i, OB_EVENT);
        x->row.attempts = (int)db_get_i64(&res, i, OB_ATTEMPTS);
        x->row.created_at = db_get_time(&res, i, OB_CREATED);
        /* ids are numbers from the database: safe to inline (one statement shape per count is
         * avoided by not preparing it per row) */
        buf_printf(&sql, "%s%lld", i ? "," : "", (long long)x->row.id);
    }
    buf_puts(&sql, ")");
    size_t n = res.nrows;
    db_res_clear(&res);
    rc = db_query(db, sql.p);
    buf_deinit(&sql);
    if (!rc)
        rc = db_commit(db);
    else
        db_rollback(db);
    if (rc) {
        /* SD_ERR_RETRY at COMMIT on Galera: another node claimed them first. */
        claimed_free(c, n);
        return rc == SD_ERR_RETRY ? 0 : -1;
    }
    *out = c;
    return (int)n;
}

static uint64_t rnd64(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint64_t)time_mono_us();
    return r;
}

/* Records the outcome of one attempt. Only a row still pending is changed (an admin may have
 * acted meanwhile; a row whose lease ran out may have been delivered by another instance). */
static void record(struct db *db, const struct config *cfg, const struct outbox_row *row,
                   enum deliver_result dr, const char *err)
{
    int ch = chan_index(row->channel);
    int attempts = row->attempts + 1;
    int rc;
    char e[500];
    snprintf(e, sizeof(e), "%s", err && *err ? err : "failed");
    if (dr == DELIVER_OK) {
        rc = db_exec(db, NULL,
                     "UPDATE outbox SET status = 'sent', sent_at = UTC_TIMESTAMP(3), attempts = ?,"
                     " last_error = NULL WHERE id = ? AND status = 'pending'",
                     "ii", (int64_t)attempts, row->id);
        if (ch >= 0)
            atomic_fetch_add(&n_sent[ch], 1);
    } else if (dr == DELIVER_GIVE_UP || attempts >= cfg->notify_max_attempts) {
        rc = db_exec(db, NULL,
                     "UPDATE outbox SET status = 'dead', attempts = ?, last_error = ?"
                     " WHERE id = ? AND status = 'pending'",
                     "isi", (int64_t)attempts, e, row->id);
        if (ch >= 0)
            atomic_fetch_add(&n_dead[ch], 1);
        log_warn("outbox %lld (%s %s) dead after %d attempts: %s", (long long)row->id,
                 row->channel, row->type, attempts, e);
    } else {
        int64_t ms = dispatch_backoff_ms(attempts, cfg->notify_backoff_ms, cfg->notify_backoff_max_s,
                                         rnd64());
        rc = db_exec(db, NULL,
                     "UPDATE outbox SET attempts = ?, last_error = ?,"
                     " next_at = DATE_ADD(UTC_TIMESTAMP(3), INTERVAL ? MICROSECOND)"
                     " WHERE id = ? AND status = 'pending'",
                     "isii", (int64_t)attempts, e, ms * 1000, row->id);
        if (ch >= 0)
            atomic_fetch_add(&n_retried[ch], 1);
    }
    if (rc)
        log_warn("outbox %lld: the outcome of attempt %d was not stored (%s); it is due again"
                 " after its lease",
                 (long long)row->id, attempts, sd_err_code(rc));
}

/* Rows claimed but not attempted (shutdown): due at once for any instance. */
static void release(struct db *db, const struct claimed *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!c[i].done &&
            db_exec(db, NULL,
                    "UPDATE outbox SET next_at = UTC_TIMESTAMP(3) WHERE id = ? AND status ="
                    " 'pending'",
                    "i", c[i].row.id) != 0)
            break;
}

static enum deliver_result deliver(struct app *app, const struct outbox_row *row, char *err,
                                   size_t errlen)
{
    if (strcmp(row->channel, "email") == 0)
        return email_deliver(app, row, err, errlen);
    if (strcmp(row->channel, "webhook") == 0)
        return webhook_deliver(app, row, err, errlen);
    snprintf(err, errlen, "unknown channel '%s'", row->channel);
    return DELIVER_GIVE_UP;
}

enum { GA_CHANNEL, GA_COUNT };
static void read_gauges(struct db *db)
{
    struct db_res res = {0};
    if (db_exec(db, &res,
                "SELECT channel, COUNT(*) FROM outbox WHERE status = 'pending' GROUP BY channel",
                "") == 0) {
        long v[CH_N] = {0};
        for (size_t i = 0; i < res.nrows; i++) {
            int ch = chan_index(db_get(&res, i, GA_CHANNEL) ? db_get(&res, i, GA_CHANNEL) : "");
            if (ch >= 0)
                v[ch] = (long)db_get_i64(&res, i, GA_COUNT);
        }
        for (int i = 0; i < CH_N; i++)
            atomic_store(&g_pending[i], v[i]);
    }
    db_res_clear(&res);
    if (db_exec(db, &res,
                "SELECT COALESCE(TIMESTAMPDIFF(SECOND, MIN(next_at), UTC_TIMESTAMP(3)), 0)"
                " FROM outbox WHERE status = 'pending' AND next_at <= UTC_TIMESTAMP(3)",
                "") == 0 &&
        res.nrows)
        atomic_store(&g_oldest_due, (long)db_get_i64(&res, 0, 0));
    db_res_clear(&res);
}

static bool should_stop(struct dispatch *d)
{
    pthread_mutex_lock(&d->mu);
    bool s = d->stop;
    pthread_mutex_unlock(&d->mu);
    return s;
}

static void nap(struct dispatch *d, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->mu);
    if (!d->stop)
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    pthread_mutex_unlock(&d->mu);
}

static void *dispatch_main(void *arg)
{
    struct dispatch *d = arg;
    const struct config *cfg = d->app->cfg;
    struct db *db = db_new(cfg);
    tl_db = db;
    int64_t next_gauges = 0;
    while (!should_stop(d)) {
        if (db_check(db) != 0) {
            nap(d, cfg->notify_poll_ms);
            continue;
        }
        if (time_mono_us() >= next_gauges) {
            read_gauges(db);
            next_gauges = time_mono_us() + GAUGE_US;
        }
        struct claimed *c;
        int n = claim(db, cfg, &c);
        if (n <= 0) {
            nap(d, cfg->notify_poll_ms);
            continue;
        }
        for (int i = 0; i < n && !should_stop(d); i++) {
            char err[500] = "";
            tl_aborted = false;
            enum deliver_result dr = deliver(d->app, &c[i].row, err, sizeof(err));
            if (tl_aborted && dr == DELIVER_RETRY)
                break; /* cut short by the shutdown: released below, not counted as an attempt */
            record(db, cfg, &c[i].row, dr, err);
            c[i].done = true;
        }
        release(db, c, (size_t)n);
        claimed_free(c, (size_t)n);
        /* a full batch: more may be due at once */
        if (n < cfg->notify_batch)
            nap(d, cfg->notify_poll_ms);
    }
    email_thread_end();
    tl_db = NULL;
    db_free(db);
    return NULL;
}

struct dispatch *dispatch_start(struct app *app)
{
    if (!app->cfg->notify_dispatch)
        return NULL;
    struct dispatch *d = xcalloc(1, sizeof(*d));
    d->app = app;
    atomic_store(&g_stopping, false);
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    SD_ASSERT(pthread_create(&d->th, NULL, dispatch_main, d) == 0);
    return d;
}

void dispatch_stop(struct dispatch *d)
{
    if (!d)
        return;
    atomic_store(&g_stopping, true);
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->th, NULL);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

void dispatch_metrics(struct buf *out)
{
    static const char *const names[] = {"sent", "retried", "dead"};
    static const char *const help[] = {
        "notifications delivered by this process",
        "failed delivery attempts that will be retried",
        "notifications dead-lettered (max attempts, or a permanent failure)"};
    atomic_long *v[] = {n_sent, n_retried, n_dead};
    for (int k = 0; k < 3; k++) {
        buf_printf(out, "# HELP summitd_notify_%s_total %s\n# TYPE summitd_notify_%s_total counter\n",
                   names[k], help[k], names[k]);
        for (int i = 0; i < CH_N; i++)
            buf_printf(out, "summitd_notify_%s_total{channel=\"%s\"} %ld\n", names[k],
                       chan_names[i], atomic_load(&v[k][i]));
    }
    buf_printf(out, "# HELP summitd_notify_pending notifications queued (outbox rows pending)\n"
                    "# TYPE summitd_notify_pending gauge\n");
    for (int i = 0; i < CH_N; i++)
        buf_printf(out, "summitd_notify_pending{channel=\"%s\"} %ld\n", chan_names[i],
                   atomic_load(&g_pending[i]));
    buf_printf(out, "# HELP summitd_notify_oldest_due_seconds how long the oldest due outbox row"
                    " has waited\n# TYPE summitd_notify_oldest_due_seconds gauge\n"
                    "summitd_notify_oldest_due_seconds %ld\n",
               atomic_load(&g_oldest_due));
}
