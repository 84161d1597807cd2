#include "server/db.h"

#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "server/config.h"
#include "server/err.h"
#include "server/log.h"
#include "server/timeutil.h"

#define STMT_CACHE_MAX 256
#define MAX_PARAMS DB_MAX_PARAMS
#define IDLE_PING_US 1000000    /* ping a connection idle for longer than this before use */
#define RETRY_CONNECT_US 200000 /* after a failed connect, fail fast for this long */
#define EP_DOWN_US 1000000      /* an endpoint that failed is skipped this long (if others exist) */
#define LOG_EVERY_US 1000000    /* each named error is logged at most once a second */

/* ---- named errors (the idea of oslo.db's exc_filters): every server or client error number
 * summitd treats specially has one name, one class, and one log line (at most one a second per
 * name, with the count of those not logged). Anything else is "other": logged with its
 * statement, 500. */

enum db_class {
    DBC_OTHER,     /* 500, logged with the statement */
    DBC_DUPLICATE, /* SD_ERR_DUPLICATE: a unique key said no (the caller decides; not logged) */
    DBC_RETRY, /* SD_ERR_RETRY: run the transaction again (deadlock, certification, lock wait) */
    DBC_NOT_READY, /* the node refuses work (Galera not synced / not primary, read-only):
                    * nothing ran; drop the connection, try another endpoint */
    DBC_GONE,      /* the connection is gone: drop it; a statement in flight may or may not
                    * have run */
};

struct db_error {
    unsigned no;
    const char *name;
    enum db_class cls;
    atomic_long count;
    atomic_llong last_log_us;
    atomic_long unlogged;
};

static struct db_error db_errors[] = {
    {ER_DUP_ENTRY, "duplicate_key", DBC_DUPLICATE, 0, 0, 0},
    {ER_DUP_KEY, "duplicate_key", DBC_DUPLICATE, 0, 0, 0},
    {1586 /* ER_DUP_ENTRY_WITH_KEY_NAME */, "duplicate_key", DBC_DUPLICATE, 0, 0, 0},
    {ER_LOCK_DEADLOCK, "deadlock", DBC_RETRY, 0, 0, 0},
    {ER_LOCK_WAIT_TIMEOUT, "lock_wait_timeout", DBC_RETRY, 0, 0, 0},
    /* 1467: InnoDB's answer when an INSERT loses a deadlock over a table's AUTO-INC lock, which
     * an INSERT ... SELECT holds to its end under innodb_autoinc_lock_mode 1 (the notices of a
     * registration; seen in CI against a transaction waiting for it while holding a row the
     * SELECT reads). A deadlock by another name: run the transaction again. */
    {1467 /* ER_AUTOINC_READ_FAILED */, "autoinc_deadlock", DBC_RETRY, 0, 0, 0},
    {ER_UNKNOWN_COM_ERROR /* 1047: WSREP has not yet prepared node */, "node_not_ready",
     DBC_NOT_READY, 0, 0, 0},
    {ER_OPTION_PREVENTS_STATEMENT /* 1290: read-only */, "read_only_node", DBC_NOT_READY, 0, 0, 0},
    /* 1180 at COMMIT: the commit failed and the server rolled the transaction back; on Galera
     * when the node left the primary component during it ("Error while appending streaming
     * replication fragment (provider status: Not connected to Primary Component)"). Nothing
     * committed: another endpoint, again. */
    {ER_ERROR_DURING_COMMIT /* 1180 */, "commit_failed", DBC_NOT_READY, 0, 0, 0},
    {ER_SERVER_SHUTDOWN /* 1053 */, "server_shutdown", DBC_GONE, 0, 0, 0},
    {ER_CONNECTION_KILLED /* 1927 */, "connection_killed", DBC_GONE, 0, 0, 0},
    {ER_QUERY_INTERRUPTED /* 1317 */, "query_interrupted", DBC_GONE, 0, 0, 0},
    {4031 /* ER_CLIENT_INTERACTION_TIMEOUT */, "idle_disconnect", DBC_GONE, 0, 0, 0},
    {CR_CONNECTION_ERROR /* 2002 */, "cannot_connect", DBC_GONE, 0, 0, 0},
    {CR_CONN_HOST_ERROR /* 2003 */, "cannot_connect", DBC_GONE, 0, 0, 0},
    {CR_SERVER_GONE_ERROR /* 2006 */, "server_gone", DBC_GONE, 0, 0, 0},
    {CR_SERVER_LOST /* 2013 */, "connection_lost", DBC_GONE, 0, 0, 0},
    {CR_SERVER_LOST_EXTENDED /* 2055 */, "connection_lost", DBC_GONE, 0, 0, 0},
    {CR_COMMANDS_OUT_OF_SYNC /* 2014 */, "out_of_sync", DBC_GONE, 0, 0, 0},
};
/* 1213 at COMMIT on Galera: another node's transaction that wrote the same rows was certified
 * first (no lock was waited for; the whole transaction lost). Same class as a deadlock. */
static struct db_error certification = {
    ER_LOCK_DEADLOCK, "certification_conflict", DBC_RETRY, 0, 0, 0};
/* 1305 at COMMIT on Galera: the savepoint a guarded transaction set at its start is gone, so a
 * replicated transaction rolled it back (a brute-force abort) without the server saying so; or
 * the deadlock came only after an OK COMMIT (see GUARD_BEGIN). Nothing of it committed. A
 * conflict like the one above: again. */
static struct db_error silent_abort = {ER_SP_DOES_NOT_EXIST, "silent_abort", DBC_RETRY, 0, 0, 0};
static struct db_error other_error = {0, "other", DBC_OTHER, 0, 0, 0};

static struct db_error *find_error(unsigned no, bool at_commit)
{
    if (no == ER_LOCK_DEADLOCK && at_commit)
        return &certification;
    if (no == ER_SP_DOES_NOT_EXIST && at_commit)
        return &silent_abort;
    for (size_t i = 0; i < SD_ARRAY_LEN(db_errors); i++)
        if (db_errors[i].no == no)
            return &db_errors[i];
    return &other_error;
}

const char *db_error_name(unsigned no, bool at_commit)
{
    return find_error(no, at_commit)->name;
}

int db_error_result(unsigned no, bool at_commit)
{
    switch (find_error(no, at_commit)->cls) {
    case DBC_DUPLICATE:
        return SD_ERR_DUPLICATE;
    case DBC_RETRY:
        return SD_ERR_RETRY;
    case DBC_NOT_READY:
    case DBC_GONE:
        return SD_ERR_UNAVAILABLE;
    case DBC_OTHER:
        break;
    }
    return SD_ERR_INTERNAL;
}

void db_error_counts(void (*fn)(const char *name, long n, void *arg), void *arg)
{
    /* Names repeat over several numbers: sum them. */
    for (size_t i = 0; i < SD_ARRAY_LEN(db_errors); i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen = seen || strcmp(db_errors[j].name, db_errors[i].name) == 0;
        if (seen)
            continue;
        long n = 0;
        for (size_t j = i; j < SD_ARRAY_LEN(db_errors); j++)
            if (strcmp(db_errors[j].name, db_errors[i].name) == 0)
                n += atomic_load(&db_errors[j].count);
        fn(db_errors[i].name, n, arg);
    }
    fn(certification.name, atomic_load(&certification.count), arg);
    fn(silent_abort.name, atomic_load(&silent_abort.count), arg);
    fn(other_error.name, atomic_load(&other_error.count), arg);
}

int64_t db_backoff_us(int attempt, int max_ms, uint64_t rnd)
{
    int64_t cap = (int64_t)max_ms * 1000;
    int64_t exp = attempt >= 30 ? cap : (int64_t)1000 << attempt;
    if (exp < cap)
        cap = exp;
    return (int64_t)(rnd % (uint64_t)(cap + 1));
}

static uint64_t rnd64(void)
{
    static _Thread_local uint64_t x;
    while (!x) {
        if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x))
            x = (uint64_t)time_mono_us() | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* ---- endpoints: mysql_hosts in order of preference, their health shared by every connection
 * of the process (an endpoint one worker found dead is skipped by the others for a while). */

static atomic_llong g_down_until[CFG_HOSTS_MAX];

struct cached_stmt {
    char *sql; /* a copy: callers may pass SQL they build and free */
    uint64_t hash;
    MYSQL_STMT *stmt;
};

struct db {
    const struct config *cfg;
    MYSQL *conn;
    struct cfg_host eps[CFG_HOSTS_MAX];
    int neps;
    int ep;      /* the endpoint of conn */
    bool galera; /* conn is to a Galera node (readiness is checked) */
    int autoinc_step; /* db_autoinc_step() of conn */
    bool in_tx;  /* between db_begin and db_commit/db_rollback */
    bool begin_pending; /* db_tx_lazy: START TRANSACTION goes with the first statement */
    bool committed;     /* a script's COMMIT ended the transaction (db_script) */
    bool commit_sent;   /* a script with a COMMIT failed: its outcome may be unknown */
    bool guarded;       /* a Galera transaction begun with GUARD_BEGIN: autocommit is off */
    bool unsent; /* the last failure happened before anything could have run (retry-safe) */
    int64_t last_used_us;
    int64_t last_fail_us;
    int64_t next_failback_us;
    unsigned last_errno;
    struct cached_stmt cache[STMT_CACHE_MAX];
    size_t ncache;
};

static atomic_bool g_db_up = false;

bool db_up(void)
{
    return atomic_load_explicit(&g_db_up, memory_order_relaxed);
}

static void set_up(bool up)
{
    atomic_store_explicit(&g_db_up, up, memory_order_relaxed);
}

void db_library_init(void)
{
    SD_ASSERT(mysql_library_init(0, NULL, NULL) == 0);
}

void db_library_end(void)
{
    mysql_library_end();
}

struct db *db_new(const struct config *cfg)
{
    struct db *db = xcalloc(1, sizeof(*db));
    db->cfg = cfg;
    db->neps = cfg->mysql_hosts && cfg->mysql_hosts[0]
                   ? cfg_hosts_parse(cfg->mysql_hosts, db->eps, CFG_HOSTS_MAX)
                   : 0;
    if (db->neps <= 0) {
        db->neps = 1;
        snprintf(db->eps[0].host, sizeof(db->eps[0].host), "%s", cfg->mysql_host);
        db->eps[0].port = cfg->mysql_port;
    }
    return db;
}

static void drop_conn(struct db *db)
{
    for (size_t i = 0; i < db->ncache; i++) {
        mysql_stmt_close(db->cache[i].stmt);
        free(db->cache[i].sql);
    }
    db->ncache = 0;
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    db->in_tx = false;
    db->begin_pending = false;
    db->guarded = false;
}

void db_free(struct db *db)
{
    if (!db)
        return;
    drop_conn(db);
    free(db);
}

static void mark_down(struct db *db, int ep, int64_t for_us)
{
    if (db->neps > 1)
        atomic_store(&g_down_until[ep], time_mono_us() + for_us);
}

static void log_named(struct db *db, struct db_error *e, unsigned no, const char *msg,
                      const char *what)
{
    atomic_fetch_add(&e->count, 1);
    int64_t now = time_mono_us();
    long long last = atomic_load(&e->last_log_us);
    if (now - last < LOG_EVERY_US || !atomic_compare_exchange_strong(&e->last_log_us, &last, now)) {
        atomic_fetch_add(&e->unlogged, 1);
        return;
    }
    long more = atomic_exchange(&e->unlogged, 0);
    const struct cfg_host *h = &db->eps[db->ep];
    if (e->cls == DBC_RETRY)
        log_info("mysql: %s (%u) %s on %s:%d: %s; the transaction runs again (%ld more since the "
                 "last line)",
                 e->name, no, what, h->host, h->port, msg, more);
    else
        log_warn("mysql: %s (%u) %s on %s:%d: %s (%ld more since the last line)", e->name, no, what,
                 h->host, h->port, msg, more);
}

enum stage { AT_STATEMENT, AT_PREPARE, AT_COMMIT };

/* Maps an error number to sd_err: names and logs it, drops the connection when it is gone or
 * its node is not ready, and notes whether anything could have run. */
static int map_error_at(struct db *db, unsigned e, const char *msg, const char *sql,
                        enum stage stage)
{
    db->last_errno = e;
    struct db_error *ne = find_error(e, stage == AT_COMMIT);
    db->unsent = false;
    switch (ne->cls) {
    case DBC_DUPLICATE:
        atomic_fetch_add(&ne->count, 1);
        return SD_ERR_DUPLICATE;
    case DBC_RETRY:
        log_named(db, ne, e, msg, stage == AT_COMMIT ? "at COMMIT" : "in a statement");
        return SD_ERR_RETRY;
    case DBC_NOT_READY:
    case DBC_GONE:
        log_named(db, ne, e, msg,
                  ne->cls == DBC_NOT_READY ? "(dropping the connection; another endpoint next)"
                                           : "(connection dropped; will reconnect)");
        /* A node that is not ready ran nothing; a connection lost while preparing ran nothing. */
        db->unsent = ne->cls == DBC_NOT_READY || stage == AT_PREPARE;
        drop_conn(db);
        mark_down(db, db->ep, EP_DOWN_US);
        db->last_fail_us = 0; /* the next call may try another endpoint at once */
        return SD_ERR_UNAVAILABLE;
    case DBC_OTHER:
        break;
    }
    atomic_fetch_add(&ne->count, 1);
    log_error("mysql: error %u: %s; statement: %.200s", e, msg, sql ? sql : "");
    return SD_ERR_INTERNAL;
}

static int map_error(struct db *db, unsigned e, const char *msg, const char *sql)
{
    return map_error_at(db, e, msg, sql, AT_STATEMENT);
}

/* A Galera node serves only when it is ready, in the primary component and synced; a server
 * without a wsrep provider (plain MySQL or MariaDB) is always ready. 0, or a reason. */
static const char *node_not_ready(MYSQL *m, bool *galera)
{
    static const char q[] = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_provider_name',"
                            " 'wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment')";
    *galera = false;
    if (mysql_real_query(m, q, sizeof(q) - 1) != 0)
        return "status query failed";
    MYSQL_RES *res = mysql_store_result(m);
    if (!res)
        return "status query failed";
    char provider[64] = "", ready[16] = "", cluster[32] = "", state[32] = "";
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res))) {
        if (!row[0] || !row[1])
            continue;
        char *dst = !strcmp(row[0], "wsrep_provider_name")         ? provider
                    : !strcmp(row[0], "wsrep_ready")               ? ready
                    : !strcmp(row[0], "wsrep_cluster_status")      ? cluster
                    : !strcmp(row[0], "wsrep_local_state_comment") ? state
                                                                   : NULL;
        if (dst)
            snprintf(dst, 32, "%s", row[1]);
    }
    mysql_free_result(res);
    if (!provider[0])
        return NULL;
    *galera = true;
    if (strcmp(ready, "ON") != 0)
        return "wsrep_ready is OFF";
    if (strcmp(cluster, "Primary") != 0)
        return "not in the primary component";
    if (strcmp(state, "Synced") != 0)
        return "not synced";
    return NULL;
}

/* See db_autoinc_step(); 0 when the server does not say. */
static int autoinc_step(MYSQL *m)
{
    static const char q[] = "SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment";
    if (mysql_real_query(m, q, sizeof(q) - 1) != 0)
        return 0;
    MYSQL_RES *res = mysql_store_result(m);
    if (!res)
        return 0;
    MYSQL_ROW row = mysql_fetch_row(res);
    int step = 0;
    if (row && row[0] && row[1] && (!strcmp(row[0], "0") || !strcmp(row[0], "1")))
        step = atoi(row[1]);
    mysql_free_result(res);
    return step > 0 ? step : 0;
}

static int connect_one(struct db *db, int ep, bool quiet)
{
    const struct config *c = db->cfg;
    MYSQL *m = mysql_init(NULL);
    unsigned ct = (unsigned)c->mysql_connect_timeout_s, rw = (unsigned)c->mysql_rw_timeout_s;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    char init[192];
    snprintf(
        init, sizeof(init),
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'%s%.0d",
        c->mysql_sync_wait ? ", wsrep_sync_wait = " : "", c->mysql_sync_wait);
    mysql_options(m, MYSQL_INIT_COMMAND, init);
    const char *sock =
        c->mysql_socket[0] && db->neps == 1 && !c->mysql_hosts[0] ? c->mysql_socket : NULL;
    const struct cfg_host *h = &db->eps[ep];
    if (!mysql_real_connect(m, sock ? NULL : h->host, c->mysql_user, c->mysql_password,
                            c->mysql_database, sock ? 0 : (unsigned)h->port, sock,
                            CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS)) {
        unsigned e = mysql_errno(m);
        if (!quiet)
            log_warn("mysql: cannot connect to %s:%d (%u %s: %s)", h->host, h->port, e,
                     db_error_name(e, false), mysql_error(m));
        db->last_errno = e;
        mysql_close(m);
        return SD_ERR_UNAVAILABLE;
    }
    bool galera;
    const char *why = node_not_ready(m, &galera);
    if (why) {
        if (!quiet)
            log_warn("mysql: %s:%d is not ready (node_not_ready: %s); trying another endpoint",
                     h->host, h->port, why);
        db->last_errno = ER_UNKNOWN_COM_ERROR;
        mysql_close(m);
        return SD_ERR_UNAVAILABLE;
    }
    int step = autoinc_step(m);
    drop_conn(db);
    db->conn = m;
    db->ep = ep;
    db->galera = galera;
    db->autoinc_step = step;
    db->next_failback_us = time_mono_us() + (int64_t)c->mysql_failback_s * 1000000;
    return 0;
}

/* Connects to the most preferred endpoint that answers and is ready: first those not marked
 * down, then the others. */
static int connect_db(struct db *db)
{
    int64_t now = time_mono_us();
    if (db->last_fail_us && now - db->last_fail_us < RETRY_CONNECT_US)
        return SD_ERR_UNAVAILABLE;
    bool was_failing = db->last_fail_us != 0;
    bool tried[CFG_HOSTS_MAX] = {false};
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < db->neps; i++) {
            if (tried[i] || (pass == 0 && atomic_load(&g_down_until[i]) > now))
                continue;
            tried[i] = true;
            if (connect_one(db, i, was_failing) == 0) {
                if (was_failing || i > 0)
                    log_info("mysql: connected to %s:%d%s", db->eps[i].host, db->eps[i].port,
                             db->galera ? " (a Galera node, synced)" : "");
                atomic_store(&g_down_until[i], 0);
                db->last_fail_us = 0;
                db->last_used_us = time_mono_us();
                set_up(true);
                return 0;
            }
            mark_down(db, i, EP_DOWN_US);
        }
    }
    db->last_fail_us = time_mono_us();
    set_up(false);
    return SD_ERR_UNAVAILABLE;
}

/* On a less preferred endpoint: now and then, try the preferred ones (one worker at a time per
 * endpoint, through the shared marks) and move back to the first that is ready. */
static void maybe_failback(struct db *db)
{
    int64_t now = time_mono_us();
    if (!db->conn || db->ep == 0 || db->in_tx || now < db->next_failback_us)
        return;
    db->next_failback_us = now + (int64_t)db->cfg->mysql_failback_s * 1000000;
    for (int i = 0; i < db->ep; i++) {
        long long until = atomic_load(&g_down_until[i]);
        if (until > now)
            continue;
        /* Claim the probe: others skip this endpoint until it is done. */
        if (!atomic_compare_exchange_strong(&g_down_until[i], &until,
                                            now + (int64_t)db->cfg->mysql_failback_s * 1000000))
            continue;
        int from = db->ep;
        if (connect_one(db, i, true) == 0) {
            atomic_store(&g_down_until[i], 0);
            log_info("mysql: back on the preferred endpoint %s:%d (from %s:%d)", db->eps[i].host,
                     db->eps[i].port, db->eps[from].host, db->eps[from].port);
            db->last_used_us = time_mono_us();
            return;
        }
    }
}

int db_check(struct db *db)
{
    if (!db->conn)
        return connect_db(db);
    maybe_failback(db);
    if (time_mono_us() - db->last_used_us > IDLE_PING_US)
        return db_ping(db);
    return 0;
}

int db_ping(struct db *db)
{
    if (!db->conn)
        return connect_db(db);
    bool galera = false;
    const char *why = NULL;
    if (mysql_ping(db->conn) != 0 || (db->galera && (why = node_not_ready(db->conn, &galera)))) {
        /* The server went away while we were idle, or its node left the cluster: one fresh
         * attempt (another endpoint when there are several). */
        if (why)
            log_warn("mysql: %s:%d is no longer ready (node_not_ready: %s); moving",
                     db->eps[db->ep].host, db->eps[db->ep].port, why);
        drop_conn(db);
        mark_down(db, db->ep, EP_DOWN_US);
        db->last_fail_us = 0;
        return connect_db(db);
    }
    db->last_used_us = time_mono_us();
    set_up(true);
    return 0;
}

const char *db_endpoint(const struct db *db, char *buf, size_t len)
{
    if (!db->conn)
        return NULL;
    snprintf(buf, len, "%s:%d", db->eps[db->ep].host, db->eps[db->ep].port);
    return buf;
}

bool db_is_galera(const struct db *db)
{
    return db->conn && db->galera;
}

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int get_stmt(struct db *db, const char *sql, MYSQL_STMT **out)
{
    uint64_t h = hash_sql(sql);
    for (size_t i = 0; i < db->ncache; i++) {
        if (db->cache[i].hash == h && strcmp(db->cache[i].sql, sql) == 0) {
            *out = db->cache[i].stmt;
            return 0;
        }
    }
    MYSQL_STMT *st = mysql_stmt_init(db->conn);
    if (!st)
        return map_error_at(db, mysql_errno(db->conn), mysql_error(db->conn), sql, AT_PREPARE);
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        unsigned e = mysql_stmt_errno(st);
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
        mysql_stmt_close(st);
        return map_error_at(db, e, msg, sql, AT_PREPARE);
    }
    my_bool one = 1;
    mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &one);
    if (db->ncache == STMT_CACHE_MAX) {
        for (size_t i = 0; i < db->ncache; i++) {
            mysql_stmt_close(db->cache[i].stmt);
            free(db->cache[i].sql);
        }
        db->ncache = 0;
    }
    db->cache[db->ncache].sql = xstrdup(sql);
    db->cache[db->ncache].hash = h;
    db->cache[db->ncache].stmt = st;
    db->ncache++;
    *out = st;
    return 0;
}

static int stmt_error(struct db *db, MYSQL_STMT *st, const char *sql)
{
    unsigned e = mysql_stmt_errno(st);
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
    return map_error(db, e, msg, sql);
}

static int fetch_all(struct db *db, MYSQL_STMT *st, struct db_res *res, const char *sql)
{
    MYSQL_RES *meta = mysql_stmt_result_metadata(st);
    if (!meta)
        return 0;
    if (mysql_stmt_store_result(st) != 0) {
        mysql_free_result(meta);
        return stmt_error(db, st, sql);
    }
    size_t ncols = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    size_t nrows = (size_t)mysql_stmt_num_rows(st);
    res->ncols = ncols;
    res->nrows = 0;
    res->cells = xcalloc(nrows * ncols + 1, sizeof(char *));
    res->lens = xcalloc(nrows * ncols + 1, sizeof(size_t));
    MYSQL_BIND *b = xcalloc(ncols, sizeof(MYSQL_BIND));
    unsigned long *lens = xcalloc(ncols, sizeof(unsigned long));
    my_bool *nulls = xcalloc(ncols, sizeof(my_bool));
    my_bool *errs = xcalloc(ncols, sizeof(my_bool));
    char **bufs = xcalloc(ncols, sizeof(char *));
    int rc = 0;
    for (size_t c = 0; c < ncols; c++) {
        size_t cap = fields[c].max_length + 1;
        if (cap < 72)
            cap = 72; /* numbers and datetimes as text */
        bufs[c] = xmalloc(cap);
        b[c].buffer_type = MYSQL_TYPE_STRING;
        b[c].buffer = bufs[c];
        b[c].buffer_length = cap;
        b[c].length = &lens[c];
        b[c].is_null = &nulls[c];
        b[c].error = &errs[c];
    }
    if (mysql_stmt_bind_result(st, b) != 0) {
        rc = stmt_error(db, st, sql);
        goto out;
    }
    for (;;) {
        int f = mysql_stmt_fetch(st);
        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1) {
            rc = stmt_error(db, st, sql);
            goto out;
        }
        size_t row = res->nrows++;
        SD_ASSERT(row < nrows);
        for (size_t c = 0; c < ncols; c++) {
            size_t at = row * ncols + c;
            if (nulls[c])
                continue;
            size_t len = lens[c];
            char *cell = xmalloc(len + 1);
            if (len < b[c].buffer_length) {
                memcpy(cell, bufs[c], len);
            } else {
                /* Truncated (max_length was not known): fetch the column whole. */
                MYSQL_BIND one;
                memset(&one, 0, sizeof(one));
                unsigned long l2 = 0;
                one.buffer_type = MYSQL_TYPE_STRING;
                one.buffer = cell;
                one.buffer_length = len + 1;
                one.length = &l2;
                if (mysql_stmt_fetch_column(st, &one, (unsigned)c, 0) != 0) {
                    free(cell);
                    rc = stmt_error(db, st, sql);
                    goto out;
                }
            }
            cell[len] = '\0';
            res->cells[at] = cell;
            res->lens[at] = len;
        }
    }
out:
    for (size_t c = 0; c < ncols; c++)
        free(bufs[c]);
    free(bufs);
    free(errs);
    free(nulls);
    free(lens);
    free(b);
    mysql_free_result(meta);
    if (db->conn)
        mysql_stmt_free_result(st);
    return rc;
}

/* The START TRANSACTION a lazy transaction still owes, before a statement that is not a script
 * (which carries it itself). */
static int begin_owed(struct db *db)
{
    if (!db->begin_pending)
        return 0;
    db->begin_pending = false;
    if (mysql_real_query(db->conn, "START TRANSACTION", 17) != 0)
        return map_error_at(db, mysql_errno(db->conn), mysql_error(db->conn), "START TRANSACTION",
                            AT_PREPARE);
    return 0;
}

static int execp_once(struct db *db, struct db_res *res, const char *sql,
                      const struct db_param *params, size_t np)
{
    if (res)
        memset(res, 0, sizeof(*res));
    db->unsent = false;
    int rc = db->conn ? 0 : connect_db(db);
    if (!rc)
        rc = begin_owed(db);
    if (rc)
        return rc;
    MYSQL_STMT *st = NULL;
    rc = get_stmt(db, sql, &st);
    if (rc)
        return rc;
    SD_ASSERT(np <= MAX_PARAMS && np == mysql_stmt_param_count(st));
    MYSQL_BIND b[MAX_PARAMS];
    long long ints[MAX_PARAMS];
    double dbls[MAX_PARAMS];
    unsigned long lens[MAX_PARAMS];
    my_bool isnull[MAX_PARAMS];
    memset(b, 0, sizeof(MYSQL_BIND) * (np ? np : 1));
    for (size_t i = 0; i < np; i++) {
        const struct db_param *p = &params[i];
        isnull[i] = 0;
        b[i].is_null = &isnull[i];
        switch (p->type) {
        case 'i':
        case 'n':
            ints[i] = (long long)p->i;
            b[i].buffer_type = MYSQL_TYPE_LONGLONG;
            b[i].buffer = &ints[i];
            if (p->type == 'n' && p->i == 0)
                isnull[i] = 1;
            break;
        case 'd':
            dbls[i] = p->d;
            b[i].buffer_type = MYSQL_TYPE_DOUBLE;
            b[i].buffer = &dbls[i];
            break;
        case 's':
            b[i].buffer_type = MYSQL_TYPE_STRING;
            if (!p->s) {
                isnull[i] = 1;
            } else {
                b[i].buffer = (void *)p->s;
                lens[i] = (unsigned long)strlen(p->s);
                b[i].buffer_length = lens[i];
                b[i].length = &lens[i];
            }
            break;
        case 'b':
            b[i].buffer_type = MYSQL_TYPE_BLOB;
            b[i].buffer = (void *)p->s;
            lens[i] = (unsigned long)p->len;
            b[i].buffer_length = lens[i];
            b[i].length = &lens[i];
            break;
        default:
            SD_ASSERT(!"unknown db parameter type");
        }
    }
    if (np && mysql_stmt_bind_param(st, b) != 0)
        return stmt_error(db, st, sql);
    if (mysql_stmt_execute(st) != 0)
        return stmt_error(db, st, sql);
    db->last_used_us = time_mono_us();
    if (res) {
        res->affected = (uint64_t)mysql_stmt_affected_rows(st);
        res->insert_id = (uint64_t)mysql_stmt_insert_id(st);
        rc = fetch_all(db, st, res, sql);
        if (rc) {
            db_res_clear(res);
            return rc;
        }
    } else if (mysql_stmt_field_count(st) > 0) {
        mysql_stmt_free_result(st);
    }
    return 0;
}

static bool is_read(const char *sql)
{
    while (*sql == ' ' || *sql == '(')
        sql++;
    return strncasecmp(sql, "SELECT", 6) == 0 && !strstr(sql, "FOR UPDATE") &&
           !strstr(sql, "LOCK IN SHARE MODE");
}

static void backoff(struct db *db, int attempt)
{
    int64_t us = db_backoff_us(attempt, db->cfg->mysql_retry_max_ms, rnd64());
    if (us > 0)
        usleep((useconds_t)us);
}

/* A lone statement (outside a transaction) runs again after a deadlock or certification
 * conflict (autocommit rolled it back whole), and on another endpoint when its node was not
 * ready or the connection broke before it could run (or it only reads). Inside a transaction
 * the caller (db_tx) decides. */
static int execp(struct db *db, struct db_res *res, const char *sql, const struct db_param *params,
                 size_t np)
{
    int moves = 0;
    for (int attempt = 0;; attempt++) {
        bool in_tx = db->in_tx;
        int rc = execp_once(db, res, sql, params, np);
        if (rc == 0 || in_tx)
            return rc;
        if (rc == SD_ERR_RETRY && attempt + 1 < db->cfg->mysql_tx_tries) {
            backoff(db, attempt);
            continue;
        }
        if (rc == SD_ERR_UNAVAILABLE && !db->conn && db->last_fail_us == 0 &&
            (db->unsent || is_read(sql)) && moves++ < db->neps)
            continue;
        return rc;
    }
}

int db_vexec(struct db *db, struct db_res *res, const char *sql, const char *types, va_list ap)
{
    size_t np = strlen(types);
    SD_ASSERT(np <= MAX_PARAMS);
    struct db_param p[MAX_PARAMS];
    memset(p, 0, sizeof(p));
    for (size_t i = 0; i < np; i++) {
        p[i].type = types[i];
        switch (types[i]) {
        case 'i':
        case 'n':
            p[i].i = va_arg(ap, int64_t);
            break;
        case 'd':
            p[i].d = va_arg(ap, double);
            break;
        case 's':
            p[i].s = va_arg(ap, const char *);
            break;
        case 'b':
            p[i].s = va_arg(ap, const void *);
            p[i].len = va_arg(ap, size_t);
            break;
        default:
            SD_ASSERT(!"unknown db_exec parameter type");
        }
    }
    return execp(db, res, sql, p, np);
}

int db_execv(struct db *db, struct db_res *res, const char *sql, const struct db_param *params,
             size_t n)
{
    return execp(db, res, sql, params, n);
}

int db_exec(struct db *db, struct db_res *res, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = db_vexec(db, res, sql, types, ap);
    va_end(ap);
    return rc;
}

/* ---- multi-row INSERTs ---- */

void db_batch_init(struct db_batch *b, struct db *db, const char *head, const char *tuple,
                   size_t ncols)
{
    SD_ASSERT(ncols > 0 && ncols <= DB_BATCH_PARAMS);
    b->db = db;
    b->head = head;
    b->tuple = tuple;
    b->ncols = ncols;
    b->max_rows = 1;
    while (b->max_rows * 2 * ncols <= DB_BATCH_PARAMS)
        b->max_rows *= 2;
    b->p = xcalloc(b->max_rows * ncols, sizeof(*b->p));
    b->nrows = 0;
}

void db_batch_deinit(struct db_batch *b)
{
    free(b->p);
    b->p = NULL;
}

static int batch_exec(struct db_batch *b, size_t off, size_t rows)
{
    size_t hl = strlen(b->head), tl = strlen(b->tuple);
    char *sql = xmalloc(hl + rows * (tl + 2) + 1), *p = sql;
    memcpy(p, b->head, hl);
    p += hl;
    for (size_t i = 0; i < rows; i++) {
        if (i) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, b->tuple, tl);
        p += tl;
    }
    *p = '\0';
    int rc = execp(b->db, NULL, sql, b->p + off * b->ncols, rows * b->ncols);
    free(sql);
    return rc;
}

int db_batch_flush(struct db_batch *b)
{
    size_t off = 0;
    for (size_t chunk = b->max_rows; chunk; chunk /= 2) {
        while (b->nrows - off >= chunk) {
            int rc = batch_exec(b, off, chunk);
            if (rc)
                return rc;
            off += chunk;
        }
    }
    b->nrows = 0;
    return 0;
}

int db_batch_add(struct db_batch *b, const struct db_param *row)
{
    memcpy(b->p + b->nrows * b->ncols, row, b->ncols * sizeof(*row));
    if (++b->nrows == b->max_rows)
        return db_batch_flush(b);
    return 0;
}

/* Runs a text query of one or more statements whose rows nobody wants. 0, or -1 with the error
 * on the connection and *at the index of the statement that failed. */
static int text_run(struct db *db, const char *sql, size_t len, size_t *at)
{
    *at = 0;
    if (mysql_real_query(db->conn, sql, len) != 0)
        return -1;
    for (;;) {
        MYSQL_RES *r = mysql_store_result(db->conn);
        if (r)
            mysql_free_result(r);
        int next = mysql_next_result(db->conn);
        if (next < 0)
            return 0;
        ++*at;
        if (next > 0)
            return -1;
    }
}

int db_query(struct db *db, const char *sql)
{
    int rc = db->conn ? 0 : connect_db(db);
    if (!rc)
        rc = begin_owed(db);
    if (rc)
        return rc;
    size_t at = 0; /* any statement's error is the query's */
    if (text_run(db, sql, strlen(sql), &at) != 0)
        return map_error(db, mysql_errno(db->conn), mysql_error(db->conn), sql);
    db->last_used_us = time_mono_us();
    return 0;
}

int db_autoinc_step(const struct db *db)
{
    return db->conn ? db->autoinc_step : 0;
}

/* A text result as a db_res: cells copied, NUL-terminated. */
static void res_from_text(MYSQL_RES *r, struct db_res *res)
{
    size_t ncols = mysql_num_fields(r), nrows = (size_t)mysql_num_rows(r);
    res->ncols = ncols;
    res->nrows = nrows;
    res->cells = xcalloc(nrows * ncols + 1, sizeof(char *));
    res->lens = xcalloc(nrows * ncols + 1, sizeof(size_t));
    MYSQL_ROW row;
    for (size_t i = 0; (row = mysql_fetch_row(r)); i++) {
        unsigned long *lens = mysql_fetch_lengths(r);
        for (size_t c = 0; c < ncols; c++) {
            if (!row[c])
                continue;
            char *v = xmalloc(lens[c] + 1);
            memcpy(v, row[c], lens[c]);
            v[lens[c]] = '\0';
            res->cells[i * ncols + c] = v;
            res->lens[i * ncols + c] = lens[c];
        }
    }
}

int db_script(struct db *db, struct db_res *res, size_t n, const char *sql, size_t len,
              bool commits)
{
    static const char begin_sql[] = "START TRANSACTION; ";
    /* a COMMIT in a guarded transaction would leave autocommit off (db_commit's work) */
    SD_ASSERT(!(commits && db->guarded));
    for (size_t i = 0; i < n; i++)
        memset(&res[i], 0, sizeof(res[i]));
    db->unsent = false;
    int rc = db->conn ? 0 : connect_db(db);
    if (rc)
        return rc;
    size_t first = db->begin_pending ? 1 : 0; /* the index of the caller's first statement */
    char *q = NULL;
    if (first) {
        q = xmalloc(sizeof(begin_sql) - 1 + len);
        memcpy(q, begin_sql, sizeof(begin_sql) - 1);
        memcpy(q + sizeof(begin_sql) - 1, sql, len);
    }
    db->begin_pending = false;
    size_t at = 0; /* the statement whose result comes next */
    bool failed = mysql_real_query(db->conn, q ? q : sql, q ? len + sizeof(begin_sql) - 1 : len);
    free(q);
    while (!failed) {
        MYSQL_RES *r = mysql_store_result(db->conn);
        if (!r && mysql_field_count(db->conn) > 0) {
            failed = true; /* the rows did not arrive */
            break;
        }
        if (at >= first && at - first < n) {
            struct db_res *o = &res[at - first];
            o->affected = (uint64_t)mysql_affected_rows(db->conn);
            o->insert_id = (uint64_t)mysql_insert_id(db->conn);
            if (r)
                res_from_text(r, o);
        }
        if (r)
            mysql_free_result(r);
        at++;
        int next = mysql_next_result(db->conn);
        if (next < 0)
            break;
        failed = next > 0;
    }
    if (!failed && at != first + n) {
        log_error("mysql: a script of %zu statements gave %zu results: %.200s", n, at - first,
                  sql);
        failed = true;
    }
    if (!failed) {
        db->last_used_us = time_mono_us();
        if (commits)
            db->committed = true;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        db_res_clear(&res[i]);
    unsigned e = mysql_errno(db->conn);
    if (!e) { /* the count above: the connection is out of step */
        drop_conn(db);
        return SD_ERR_INTERNAL;
    }
    /* Which statement failed says what ran: before the caller's first, nothing; at the COMMIT,
     * a failed commit; a connection lost while results came back may have lost them after the
     * COMMIT ran, so its outcome is unknown, as for a COMMIT in flight. */
    enum stage stage = at < first ? AT_PREPARE
                       : commits && (at == first + n - 1 || find_error(e, false)->cls == DBC_GONE)
                           ? AT_COMMIT
                           : AT_STATEMENT;
    db->commit_sent = stage == AT_COMMIT && find_error(e, true)->cls == DBC_GONE;
    return map_error_at(db, e, mysql_error(db->conn), sql, stage);
}

/* A transaction on Galera is guarded against two ways MariaDB 10.11 loses a brute-force abort
 * (a replicated transaction that needs its rows rolls a local one back), both seen in
 * tests/integration/test_cluster.c's cancel race (a cancel answered 200 and was not there):
 *  - A COMMIT that the abort beat answers OK, and the deadlock comes with the next statement.
 *    So the COMMIT is followed by a statement in the same query, and a deadlock there means
 *    nothing committed.
 *  - The statements after an abort ran without an error, outside the rolled-back transaction:
 *    with autocommit on each committed on its own (the cancel's notices were there, its status
 *    change was not). So autocommit is off inside: what follows a lost abort waits in a new
 *    transaction. And the COMMIT goes only after the transaction's own savepoint is released:
 *    gone with the transaction, the release fails (1305), the rest is rolled back and the
 *    transaction runs again (tests/integration/test_db_galera.c loses one on purpose). */
#define GUARD_BEGIN "SET autocommit = 0; START TRANSACTION; SAVEPOINT sd_tx"
#define GUARD_COMMIT "RELEASE SAVEPOINT sd_tx; COMMIT; SET autocommit = 1"
#define GUARD_ROLLBACK "ROLLBACK; SET autocommit = 1"

int db_begin(struct db *db)
{
    db->unsent = false;
    db->begin_pending = db->committed = false;
    int rc = db->conn ? 0 : connect_db(db);
    if (rc)
        return rc;
    size_t at = 0;
    if (db->galera) {
        db->guarded = true;
        if (text_run(db, GUARD_BEGIN, sizeof(GUARD_BEGIN) - 1, &at) != 0) {
            rc = map_error_at(db, mysql_errno(db->conn), mysql_error(db->conn), GUARD_BEGIN,
                              AT_PREPARE);
            if (db->conn && text_run(db, GUARD_ROLLBACK, sizeof(GUARD_ROLLBACK) - 1, &at) != 0)
                drop_conn(db); /* a fresh connection has autocommit on */
            db->guarded = false;
            return rc;
        }
    } else if (mysql_real_query(db->conn, "START TRANSACTION", 17) != 0) {
        return map_error_at(db, mysql_errno(db->conn), mysql_error(db->conn), "START TRANSACTION",
                            AT_PREPARE);
    }
    db->in_tx = true;
    return 0;
}

int db_commit(struct db *db)
{
    if (db->begin_pending || db->committed) { /* nothing was begun, or a script committed */
        db->begin_pending = db->committed = db->in_tx = false;
        return 0;
    }
    if (!db->conn)
        return SD_ERR_UNAVAILABLE;
    db->in_tx = false;
    if (db->guarded) {
        size_t at = 0;
        if (text_run(db, GUARD_COMMIT, sizeof(GUARD_COMMIT) - 1, &at) == 0) {
            db->guarded = false;
        } else if (at < 2) { /* the release (1305: the transaction was lost) or the COMMIT */
            return map_error_at(db, mysql_errno(db->conn), mysql_error(db->conn), GUARD_COMMIT,
                                AT_COMMIT);
        } else if (mysql_errno(db->conn) == ER_LOCK_DEADLOCK) { /* the abort it did not report */
            return map_error_at(db, ER_SP_DOES_NOT_EXIST,
                                "a deadlock came after an OK COMMIT: nothing committed",
                                GUARD_COMMIT, AT_COMMIT);
        } else { /* after an OK COMMIT, something else: whether it committed is not known */
            log_error("mysql: error %u after a COMMIT: %s", mysql_errno(db->conn),
                      mysql_error(db->conn));
            drop_conn(db);
            db->unsent = false;
            return SD_ERR_UNAVAILABLE;
        }
    } else if (mysql_commit(db->conn) != 0) {
        return map_error_at(db, mysql_errno(db->conn), mysql_error(db->conn), "COMMIT", AT_COMMIT);
    }
    db->last_used_us = time_mono_us();
    return 0;
}

void db_rollback(struct db *db)
{
    db->in_tx = false;
    if (db->begin_pending || db->committed) {
        db->begin_pending = db->committed = false;
        return;
    }
    if (!db->conn)
        return;
    size_t at = 0;
    bool guarded = db->guarded;
    int failed = guarded ? text_run(db, GUARD_ROLLBACK, sizeof(GUARD_ROLLBACK) - 1, &at)
                         : mysql_rollback(db->conn);
    db->guarded = false;
    if (failed) {
        bool unsent = db->unsent;
        (void)map_error(db, mysql_errno(db->conn), mysql_error(db->conn), "ROLLBACK");
        db->unsent = unsent;
        if (db->conn && guarded)
            drop_conn(db); /* autocommit may still be off: a fresh connection has it on */
    }
}

/* A guarded transaction that failed (a 4xx it decided, a duplicate): rolled back, and true when
 * it had been lost before (its savepoint gone, see GUARD_BEGIN). What it read after that may
 * have been nothing, so its verdict is not to be trusted: it runs again. */
static bool rollback_lost(struct db *db)
{
    static const char sql[] = "RELEASE SAVEPOINT sd_tx; " GUARD_ROLLBACK;
    size_t at = 0;
    bool lost = false;
    if (text_run(db, sql, sizeof(sql) - 1, &at) != 0) {
        lost = at == 0 && mysql_errno(db->conn) == ER_SP_DOES_NOT_EXIST;
        if (lost)
            (void)map_error_at(db, ER_SP_DOES_NOT_EXIST, mysql_error(db->conn), sql, AT_COMMIT);
        if (!lost || text_run(db, GUARD_ROLLBACK, sizeof(GUARD_ROLLBACK) - 1, &at) != 0)
            drop_conn(db); /* rolled back with it, and autocommit is on again */
    }
    db->in_tx = db->guarded = false;
    return lost;
}

/* The endpoint every instance agrees on without being told (the least IP:PORT of mysql_hosts
 * that is not marked down): transactions that keep losing certification on a hot row move there,
 * so that they queue on the row's lock on one node instead of aborting each other on three. */
static int arbiter(const struct db *db)
{
    int best = -1;
    int64_t now = time_mono_us();
    for (int i = 0; i < db->neps; i++) {
        if (atomic_load(&g_down_until[i]) > now)
            continue;
        int c = best < 0 ? -1 : strcmp(db->eps[i].host, db->eps[best].host);
        if (best < 0 || c < 0 || (c == 0 && db->eps[i].port < db->eps[best].port))
            best = i;
    }
    return best;
}

static void move_to_arbiter(struct db *db)
{
    int to = arbiter(db);
    if (to < 0 || to == db->ep || !db->conn || !db->galera)
        return;
    int from = db->ep;
    if (connect_one(db, to, true) == 0) {
        db->last_used_us = time_mono_us();
        log_debug("mysql: certification conflicts in a row: this connection moves from %s:%d to "
                  "%s:%d, where contenders queue on row locks",
                  db->eps[from].host, db->eps[from].port, db->eps[to].host, db->eps[to].port);
    }
}

/* wrap_db_retry, the oslo.db way: a transaction that lost a deadlock, a lock wait or a Galera
 * certification runs again, up to mysql_tx_tries times, after a pause drawn at random up to an
 * exponentially growing cap (full jitter: contenders spread out instead of colliding again). A
 * transaction whose node was not ready, or whose connection broke before its COMMIT was sent,
 * committed nothing: it runs again at once on the next endpoint. A connection lost during the
 * COMMIT is not repeated: its outcome is unknown (503). After a certification conflict the
 * transaction runs again on the arbiter endpoint (above); the connection returns to its
 * preferred endpoint mysql_failback_s later. */
static int tx(struct db *db, db_tx_fn fn, void *arg, bool lazy)
{
    int rc, moves = 0, attempt = 0;
    for (;;) {
        if (lazy) {
            /* Connected first: a connection made later would start outside the transaction. */
            db->unsent = db->committed = db->commit_sent = false;
            rc = db->conn ? 0 : connect_db(db);
            if (!rc)
                db->begin_pending = db->in_tx = true;
        } else {
            rc = db_begin(db);
        }
        bool rolled = false;
        if (rc == 0) {
            rc = fn(db, arg);
            if (rc == 0) {
                db->unsent = false;
                rc = db_commit(db);
            } else {
                /* a statement failed before COMMIT: with the connection gone, nothing of this
                 * attempt is committed (unless a script's COMMIT was in flight, or ran) */
                db->unsent = !db->conn && !db->commit_sent && !db->committed;
                if (rc != SD_ERR_RETRY && db->guarded && db->conn) {
                    rolled = true;
                    if (rollback_lost(db))
                        rc = SD_ERR_RETRY;
                }
            }
            if (rc != 0 && !rolled)
                db_rollback(db);
        }
        if (rc == SD_ERR_RETRY && ++attempt < db->cfg->mysql_tx_tries) {
            if (db->neps > 1 &&
                (db->last_errno == ER_LOCK_DEADLOCK || db->last_errno == ER_SP_DOES_NOT_EXIST))
                move_to_arbiter(db);
            backoff(db, attempt - 1);
            continue;
        }
        if (rc == SD_ERR_UNAVAILABLE && db->unsent && !db->conn && db->last_fail_us == 0 &&
            moves++ < db->neps)
            continue;
        break;
    }
    if (rc == SD_ERR_RETRY) {
        log_warn("mysql: a transaction lost %d times in a row (deadlock or certification"
                 " conflict); giving up (503)",
                 attempt);
        return SD_ERR_UNAVAILABLE;
    }
    return rc;
}

int db_tx(struct db *db, db_tx_fn fn, void *arg)
{
    return tx(db, fn, arg, false);
}

int db_tx_lazy(struct db *db, db_tx_fn fn, void *arg)
{
    return tx(db, fn, arg, true);
}

void db_res_clear(struct db_res *res)
{
    if (!res || !res->cells)
        return;
    for (size_t i = 0; i < res->nrows * res->ncols; i++)
        free(res->cells[i]);
    free(res->cells);
    free(res->lens);
    memset(res, 0, sizeof(*res));
}

const char *db_get(const struct db_res *res, size_t row, size_t col)
{
    if (row >= res->nrows || col >= res->ncols)
        return NULL;
    return res->cells[row * res->ncols + col];
}

int64_t db_get_i64(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

double db_get_double(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    return s ? strtod(s, NULL) : 0.0;
}

int64_t db_get_time(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    int64_t t = 0;
    if (s && time_parse_sql(s, &t) != 0)
        t = 0;
    return t;
}

unsigned db_last_errno(const struct db *db)
{
    return db->last_errno;
}

size_t db_in_list(char *sql, size_t cap, size_t len, struct db_param *p, size_t *np,
                  const int64_t *v, size_t n)
{
    size_t padded = 1;
    while (padded < n)
        padded *= 2;
    len += (size_t)snprintf(sql + len, cap - len, " IN (");
    for (size_t j = 0; j < padded; j++) {
        len += (size_t)snprintf(sql + len, cap - len, j ? ", ?" : "?");
        p[(*np)++] = DB_I(v[j < n ? j : n - 1]);
    }
    len += (size_t)snprintf(sql + len, cap - len, ")");
    SD_ASSERT(len < cap);
    return len;
}
