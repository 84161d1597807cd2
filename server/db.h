#ifndef SUMMITD_SERVER_DB_H
#define SUMMITD_SERVER_DB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

/* The MySQL layer: one connection per struct db, used by one thread at a time (a worker).
 * Every statement is prepared (and cached per connection) with bound parameters; results are
 * copied out as text. A lost connection is closed and made anew on the next call (statements
 * re-prepared); while the server is away calls fail fast with SD_ERR_UNAVAILABLE. No
 * MYSQL_OPT_RECONNECT. Only this module includes <mysql.h>. */

struct config;
struct db;

/* A copied result: cells are NUL-terminated text, NULL for SQL NULL. Owned by the caller:
 * db_res_clear() frees it (safe on a zeroed struct). */
struct db_res {
    uint64_t affected;
    uint64_t insert_id;
    size_t nrows, ncols;
    char **cells; /* nrows * ncols */
    size_t *lens;
};

/* Once per process, before any thread starts / after all have stopped. */
void db_library_init(void);
void db_library_end(void);

/* Does not connect yet. `cfg` is borrowed for the life of the db. */
struct db *db_new(const struct config *cfg);
void db_free(struct db *db);

/* Connects when needed; pings when the connection was idle for a while. 0 or SD_ERR_*. */
int db_check(struct db *db) SD_MUST_CHECK;
/* Always a round trip (readiness probes). */
int db_ping(struct db *db) SD_MUST_CHECK;

/* Runs one prepared statement. `types` has one letter per '?':
 *   'i' int64_t         'd' double        's' const char * (NULL binds SQL NULL)
 *   'b' const void *, size_t (bytes)      'n' int64_t, bound as NULL when 0
 * `res` may be NULL when no result is wanted. Returns 0, SD_ERR_DUPLICATE (unique key),
 * SD_ERR_RETRY (deadlock / lock wait timeout), SD_ERR_UNAVAILABLE (server gone),
 * SD_ERR_INTERNAL (logged). */
int db_exec(struct db *db, struct db_res *res, const char *sql, const char *types,
            ...) SD_MUST_CHECK;

/* The same with parameters in an array, for statements built at run time (variable IN lists,
 * optional filters). Keep the number of distinct shapes small: each is prepared and cached. */
struct db_param {
    char type; /* as in db_exec: 'i', 'd', 's', 'b', 'n' */
    int64_t i;
    double d;
    const char *s; /* 's' and 'b' */
    size_t len;    /* 'b' */
};
int db_execv(struct db *db, struct db_res *res, const char *sql, const struct db_param *params,
             size_t n) SD_MUST_CHECK;

/* db_exec with a va_list (for wrappers such as req_exec). */
int db_vexec(struct db *db, struct db_res *res, const char *sql, const char *types,
             va_list ap) SD_MUST_CHECK;

/* Statements separated by "; " sent as one text query: one round trip, whatever their number
 * (every connection has CLIENT_MULTI_STATEMENTS). The server runs them in order and stops at the
 * first that fails. res[0..n) get the results of the n statements (rows, rows affected, first id
 * inserted); on failure they are empty. Text, so ONLY for SQL built from numbers, fixed words and
 * our own formats: never user text (a prepared statement cannot carry a second statement; a
 * script can). In a db_tx_lazy transaction not yet begun, START TRANSACTION rides in front.
 * With `commits`, the last statement is COMMIT and the transaction is over when this returns 0;
 * when it fails at the COMMIT, or the connection is lost before every result came back, the
 * outcome is unknown, as for db_commit. */
int db_script(struct db *db, struct db_res *res, size_t n, const char *sql, size_t len,
              bool commits) SD_MUST_CHECK;

/* The step between the ids that one multi-row INSERT ... VALUES into an AUTO_INCREMENT table
 * assigns, when the server makes them consecutive (innodb_autoinc_lock_mode 0 or 1:
 * @@auto_increment_increment); 0 when it does not promise that (mode 2, which Galera requires:
 * read the ids back). Of the current connection: call it after a statement of the transaction. */
int db_autoinc_step(const struct db *db);

/* Parameters one statement may bind (db_execv asserts it): callers that build statements from
 * many rows chunk them below it. */
#define DB_MAX_PARAMS 256

/* Shorthands for building db_param arrays. */
#define DB_I(v) ((struct db_param){.type = 'i', .i = (v)})
#define DB_N(v) ((struct db_param){.type = 'n', .i = (v)})
#define DB_D(v) ((struct db_param){.type = 'd', .d = (v)})
#define DB_S(v) ((struct db_param){.type = 's', .s = (v)})

/* Appends " IN (?, ?, …)" to sql (of capacity cap, filled to len) for the ids v[0..n), n > 0,
 * padded to a power of two with the last id (so that a statement has few shapes, each prepared
 * once per connection), and their parameters to p at *np. Returns the new length. */
size_t db_in_list(char *sql, size_t cap, size_t len, struct db_param *p, size_t *np,
                  const int64_t *v, size_t n);

/* Multi-row INSERTs: rows are collected and sent as `head` followed by `tuple` repeated, in
 * power-of-two chunks (so a statement has at most log2(max) distinct shapes, each prepared once
 * per connection) of at most DB_BATCH_PARAMS parameters.
 *
 *     struct db_batch b;
 *     db_batch_init(&b, db, "INSERT INTO t (a, b) VALUES ", "(?, ?)", 2);
 *     for (…) if ((rc = db_batch_add(&b, (struct db_param[]){DB_I(x), DB_S(s)}))) break;
 *     if (!rc) rc = db_batch_flush(&b);
 *     db_batch_deinit(&b);
 *
 * Rows are copied; strings they point to must live until the flush. */
#define DB_BATCH_PARAMS 64
struct db_batch {
    struct db *db;
    const char *head;  /* "INSERT INTO t (a, b) VALUES " (static) */
    const char *tuple; /* "(?, ?)" (static) */
    size_t ncols;
    struct db_param *p; /* max_rows * ncols */
    size_t nrows, max_rows;
};
void db_batch_init(struct db_batch *b, struct db *db, const char *head, const char *tuple,
                   size_t ncols);
void db_batch_deinit(struct db_batch *b);
/* Adds a row of ncols values; sends a full chunk. 0 or SD_ERR_*. */
int db_batch_add(struct db_batch *b, const struct db_param *row) SD_MUST_CHECK;
/* Sends what is left. 0 or SD_ERR_*. */
int db_batch_flush(struct db_batch *b) SD_MUST_CHECK;

/* A plain statement without parameters (DDL in migrations). */
int db_query(struct db *db, const char *sql) SD_MUST_CHECK;

int db_begin(struct db *db) SD_MUST_CHECK;
int db_commit(struct db *db) SD_MUST_CHECK;
/* Never fails from the caller's view; a broken connection is reset. */
void db_rollback(struct db *db);

/* Runs fn inside BEGIN … COMMIT; rolls back when fn returns non-zero; runs it again on
 * SD_ERR_RETRY (deadlock, lock wait timeout, Galera certification conflict) up to
 * mysql_tx_tries times with jittered exponential pauses, and at once on another endpoint when
 * the node was not ready or the connection broke before COMMIT. fn's return value (or the
 * commit's error) is returned; retries that ran out give SD_ERR_UNAVAILABLE. */
typedef int (*db_tx_fn)(struct db *db, void *arg);
int db_tx(struct db *db, db_tx_fn fn, void *arg) SD_MUST_CHECK;
/* db_tx whose START TRANSACTION is sent with fn's first statement: in front of its first script
 * (one round trip for both), or alone before any other statement. */
int db_tx_lazy(struct db *db, db_tx_fn fn, void *arg) SD_MUST_CHECK;

void db_res_clear(struct db_res *res);
/* Cell text or NULL (SQL NULL, or out of range). */
const char *db_get(const struct db_res *res, size_t row, size_t col);
int64_t db_get_i64(const struct db_res *res, size_t row, size_t col);
double db_get_double(const struct db_res *res, size_t row, size_t col);
/* DATETIME cell as unix seconds (0 when NULL). */
int64_t db_get_time(const struct db_res *res, size_t row, size_t col);

/* The endpoint (mysql_hosts entry, "ip:port") the connection is on, or NULL when not connected. */
const char *db_endpoint(const struct db *db, char *buf, size_t len);
/* Whether the connection is to a Galera node (its readiness is checked on connect and ping). */
bool db_is_galera(const struct db *db);

/* Named errors (oslo.db's exc_filters idea): the name summitd gives a server or client error
 * number ("deadlock", "certification_conflict" for 1213 at COMMIT, "lock_wait_timeout",
 * "node_not_ready" for 1047, "server_gone", "connection_lost", "duplicate_key", ...; "other"
 * for the rest) and the result it maps to (SD_ERR_RETRY, SD_ERR_UNAVAILABLE, SD_ERR_DUPLICATE,
 * SD_ERR_INTERNAL). */
const char *db_error_name(unsigned no, bool at_commit);
int db_error_result(unsigned no, bool at_commit);
/* Calls fn once per name with how often it happened in this process (for /metrics). */
void db_error_counts(void (*fn)(const char *name, long n, void *arg), void *arg);
/* The pause before retry number `attempt` (0-based): uniform in [0, min(max_ms, 2^attempt ms)]
 * drawn from rnd (full jitter), in microseconds. */
int64_t db_backoff_us(int attempt, int max_ms, uint64_t rnd);

/* The server error number of the last failure (e.g. 1062), 0 if none. */
unsigned db_last_errno(const struct db *db);

/* Process-wide: whether the last MySQL interaction of any worker succeeded (a gauge). */
bool db_up(void);

#endif
