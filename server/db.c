#include "server/db.h"

#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/err.h"
#include "server/log.h"
#include "server/timeutil.h"

#define STMT_CACHE_MAX 256
#define MAX_PARAMS 256
#define IDLE_PING_US 1000000    /* ping a connection idle for longer than this before use */
#define RETRY_CONNECT_US 200000 /* after a failed connect, fail fast for this long */
#define TX_TRIES 5

struct cached_stmt {
    char *sql; /* a copy: callers may pass SQL they build and free */
    uint64_t hash;
    MYSQL_STMT *stmt;
};

struct db {
    const struct config *cfg;
    MYSQL *conn;
    int64_t last_used_us;
    int64_t last_fail_us;
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
}

void db_free(struct db *db)
{
    if (!db)
        return;
    drop_conn(db);
    free(db);
}

static bool is_conn_error(unsigned e)
{
    return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONNECTION_ERROR ||
           e == CR_CONN_HOST_ERROR || e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED ||
           e == ER_SERVER_SHUTDOWN || e == CR_COMMANDS_OUT_OF_SYNC || e == 1927 /* killed */ ||
           e == ER_QUERY_INTERRUPTED;
}

/* Maps an error number to sd_err; drops the connection when it is gone. */
static int map_error(struct db *db, unsigned e, const char *msg, const char *sql)
{
    db->last_errno = e;
    if (e == ER_DUP_ENTRY || e == ER_DUP_KEY || e == 1586 /* ER_DUP_ENTRY_WITH_KEY_NAME */)
        return SD_ERR_DUPLICATE;
    if (e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT)
        return SD_ERR_RETRY;
    if (is_conn_error(e)) {
        log_warn("mysql: connection lost (%u: %s); will reconnect", e, msg);
        drop_conn(db);
        db->last_fail_us = time_mono_us();
        set_up(false);
        return SD_ERR_UNAVAILABLE;
    }
    log_error("mysql: error %u: %s; statement: %.200s", e, msg, sql ? sql : "");
    return SD_ERR_INTERNAL;
}

static int connect_db(struct db *db)
{
    int64_t now = time_mono_us();
    if (db->last_fail_us && now - db->last_fail_us < RETRY_CONNECT_US)
        return SD_ERR_UNAVAILABLE;
    const struct config *c = db->cfg;
    MYSQL *m = mysql_init(NULL);
    unsigned ct = (unsigned)c->mysql_connect_timeout_s, rw = (unsigned)c->mysql_rw_timeout_s;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(
        m, MYSQL_INIT_COMMAND,
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
    const char *sock = c->mysql_socket[0] ? c->mysql_socket : NULL;
    if (!mysql_real_connect(m, sock ? NULL : c->mysql_host, c->mysql_user, c->mysql_password,
                            c->mysql_database, sock ? 0 : (unsigned)c->mysql_port, sock,
                            CLIENT_FOUND_ROWS)) {
        unsigned e = mysql_errno(m);
        if (!db->last_fail_us)
            log_warn("mysql: cannot connect (%u: %s)", e, mysql_error(m));
        db->last_errno = e;
        mysql_close(m);
        db->last_fail_us = time_mono_us();
        set_up(false);
        return SD_ERR_UNAVAILABLE;
    }
    if (db->last_fail_us)
        log_info("mysql: connected again");
    db->conn = m;
    db->last_fail_us = 0;
    db->last_used_us = time_mono_us();
    set_up(true);
    return 0;
}

int db_check(struct db *db)
{
    if (!db->conn)
        return connect_db(db);
    if (time_mono_us() - db->last_used_us > IDLE_PING_US)
        return db_ping(db);
    return 0;
}

int db_ping(struct db *db)
{
    if (!db->conn)
        return connect_db(db);
    if (mysql_ping(db->conn) != 0) {
        /* The server went away while we were idle: one fresh attempt. */
        drop_conn(db);
        db->last_fail_us = 0;
        return connect_db(db);
    }
    db->last_used_us = time_mono_us();
    set_up(true);
    return 0;
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
        return map_error(db, mysql_errno(db->conn), mysql_error(db->conn), sql);
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        unsigned e = mysql_stmt_errno(st);
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
        mysql_stmt_close(st);
        return map_error(db, e, msg, sql);
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

static int execp(struct db *db, struct db_res *res, const char *sql, const struct db_param *params,
                 size_t np)
{
    if (res)
        memset(res, 0, sizeof(*res));
    int rc = db->conn ? 0 : connect_db(db);
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

int db_query(struct db *db, const char *sql)
{
    int rc = db->conn ? 0 : connect_db(db);
    if (rc)
        return rc;
    if (mysql_real_query(db->conn, sql, strlen(sql)) != 0)
        return map_error(db, mysql_errno(db->conn), mysql_error(db->conn), sql);
    /* Drain any result sets (e.g. from a multi-statement or a SELECT). */
    do {
        MYSQL_RES *r = mysql_store_result(db->conn);
        if (r)
            mysql_free_result(r);
    } while (mysql_next_result(db->conn) == 0);
    db->last_used_us = time_mono_us();
    return 0;
}

int db_begin(struct db *db)
{
    int rc = db->conn ? 0 : connect_db(db);
    if (rc)
        return rc;
    if (mysql_real_query(db->conn, "START TRANSACTION", 17) != 0)
        return map_error(db, mysql_errno(db->conn), mysql_error(db->conn), "START TRANSACTION");
    return 0;
}

int db_commit(struct db *db)
{
    if (!db->conn)
        return SD_ERR_UNAVAILABLE;
    if (mysql_commit(db->conn) != 0)
        return map_error(db, mysql_errno(db->conn), mysql_error(db->conn), "COMMIT");
    db->last_used_us = time_mono_us();
    return 0;
}

void db_rollback(struct db *db)
{
    if (db->conn && mysql_rollback(db->conn) != 0)
        (void)map_error(db, mysql_errno(db->conn), mysql_error(db->conn), "ROLLBACK");
}

int db_tx(struct db *db, db_tx_fn fn, void *arg)
{
    int rc = SD_ERR_RETRY;
    for (int attempt = 0; attempt < TX_TRIES && rc == SD_ERR_RETRY; attempt++) {
        rc = db_begin(db);
        if (rc)
            return rc;
        rc = fn(db, arg);
        if (rc == 0)
            rc = db_commit(db);
        if (rc != 0)
            db_rollback(db);
    }
    return rc == SD_ERR_RETRY ? SD_ERR_UNAVAILABLE : rc;
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
