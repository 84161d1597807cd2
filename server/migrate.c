#include "server/migrate.h"

#include <mysqld_error.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "server/db.h"
#include "server/err.h"
#include "server/log.h"
#include "server/timeutil.h"
#include "base/xalloc.h"

#define LOCK_NAME "migrate"
#define LEASE_S 60  /* a holder that died frees the lock after this long */
#define WAIT_S 120  /* how long an instance waits for another one's migrations */
#define POLL_MS 200 /* between two tries to take the lock (plus jitter) */
#define STR_(x) #x
#define SD_STR(x) STR_(x)

/* Runs one statement of a migration. A CREATE INDEX whose index exists, or an ADD COLUMN whose
 * column exists, was applied by a run that died before recording its file: done already. */
static int apply_stmt(struct db *db, const struct migration *m, const char *stmt)
{
    int rc = db_query(db, stmt);
    if (rc == 0)
        return 0;
    unsigned e = db_last_errno(db);
    if (e == ER_DUP_KEYNAME || e == ER_DUP_FIELDNAME) {
        log_info("migration %s: %s already there (%u); statement skipped", m->name,
                 e == ER_DUP_KEYNAME ? "index" : "column", e);
        return 0;
    }
    log_error("migration %s failed", m->name);
    return rc;
}

/* Splits a file into statements at ';' ending a line; skips comment lines. */
static int apply_file(struct db *db, const struct migration *m)
{
    char *copy = xstrdup(m->sql);
    char *stmt = copy;
    int rc = 0;
    for (char *p = copy; *p; p++) {
        if (*p == ';' && (p[1] == '\n' || p[1] == '\0')) {
            *p = '\0';
            /* Skip statements that hold only white space and comments. */
            bool has_sql = false;
            for (char *line = stmt; line && *line;) {
                char *nl = strchr(line, '\n');
                char *s = line;
                while (*s == ' ' || *s == '\t')
                    s++;
                if (*s && *s != '\n' && strncmp(s, "--", 2) != 0)
                    has_sql = true;
                line = nl ? nl + 1 : NULL;
            }
            if (has_sql) {
                rc = apply_stmt(db, m, stmt);
                if (rc)
                    break;
            }
            stmt = p + 1;
        }
    }
    free(copy);
    return rc;
}

/* The migration lock is a row, not GET_LOCK (which locks one node of a Galera cluster, and which
 * some MariaDB versions refuse there): whoever inserts the row `migrate` holds the lock until it
 * deletes it or its lease runs out (a holder that died). On Galera two inserts on two nodes
 * certify against each other: one commits, the other gets a conflict or the duplicate key. The
 * holder renews the lease between files. 1: taken, 0: held by another, < 0: an error. */
static int lock_try(struct db *db, const char *holder)
{
    int rc = db_exec(db, NULL,
                     "INSERT INTO schema_lock (name, holder, expires_at) VALUES (?, ?,"
                     " UTC_TIMESTAMP() + INTERVAL " SD_STR(LEASE_S) " SECOND)",
                     "ss", LOCK_NAME, holder);
    if (rc == 0)
        return 1;
    if (rc != SD_ERR_DUPLICATE)
        return rc == SD_ERR_RETRY ? 0 : rc;
    /* Held: take it over only when its lease ran out. */
    struct db_res res;
    rc = db_exec(
        db, &res,
        "UPDATE schema_lock SET holder = ?, expires_at = UTC_TIMESTAMP() + INTERVAL " SD_STR(
            LEASE_S) " SECOND WHERE name = ? AND expires_at < UTC_TIMESTAMP()",
        "ss", holder, LOCK_NAME);
    if (rc)
        return rc == SD_ERR_RETRY ? 0 : rc;
    bool taken = res.affected == 1;
    db_res_clear(&res);
    if (taken)
        log_warn("migrate: took over the migration lock from a holder whose lease ran out");
    return taken ? 1 : 0;
}

static int lock_renew(struct db *db, const char *holder)
{
    struct db_res res;
    int rc = db_exec(db, &res,
                     "UPDATE schema_lock SET expires_at = UTC_TIMESTAMP() + INTERVAL " SD_STR(
                         LEASE_S) " SECOND WHERE name = ? AND holder = ?",
                     "ss", LOCK_NAME, holder);
    if (rc)
        return rc;
    bool held = res.affected == 1;
    db_res_clear(&res);
    if (!held) {
        log_error("migrate: lost the migration lock (lease ran out?)");
        return SD_ERR_UNAVAILABLE;
    }
    return 0;
}

static void lock_release(struct db *db, const char *holder)
{
    if (db_exec(db, NULL, "DELETE FROM schema_lock WHERE name = ? AND holder = ?", "ss", LOCK_NAME,
                holder) != 0)
        log_warn("migrate: could not release the migration lock (its lease frees it)");
}

static int migrate_locked(struct db *db, const char *holder)
{
    int rc = 0;
    struct db_res res;
    for (unsigned long i = 0; rc == 0 && i < migrations_len; i++) {
        const struct migration *m = &migrations[i];
        rc = db_exec(db, &res, "SELECT 1 FROM schema_migrations WHERE version = ?", "s", m->name);
        if (rc)
            break;
        bool done = res.nrows > 0;
        db_res_clear(&res);
        if (done)
            continue;
        rc = lock_renew(db, holder);
        if (rc)
            break;
        log_info("migrate: applying %s", m->name);
        rc = apply_file(db, m);
        if (rc == 0)
            rc = db_exec(db, NULL,
                         "INSERT INTO schema_migrations (version, applied_at) "
                         "VALUES (?, UTC_TIMESTAMP())",
                         "s", m->name);
    }
    return rc;
}

int migrate_run(struct db *db)
{
    /* Both tables first (idempotent DDL; on Galera DDL runs in total order on every node). */
    int rc = db_query(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version VARCHAR(128) NOT NULL PRIMARY KEY,"
                          " applied_at DATETIME NOT NULL"
                          ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    if (rc == 0)
        rc = db_query(db, "CREATE TABLE IF NOT EXISTS schema_lock ("
                          " name VARCHAR(64) NOT NULL PRIMARY KEY,"
                          " holder VARCHAR(64) NOT NULL,"
                          " expires_at DATETIME NOT NULL"
                          ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    if (rc)
        return rc == SD_ERR_RETRY ? SD_ERR_UNAVAILABLE : rc;
    /* Nothing to do (the common start): no lock needed. */
    struct db_res res;
    rc = db_exec(db, &res, "SELECT version FROM schema_migrations", "");
    if (rc)
        return rc;
    unsigned long seen = 0;
    for (unsigned long i = 0; i < migrations_len; i++)
        for (size_t k = 0; k < res.nrows; k++)
            if (strcmp(db_get(&res, k, 0), migrations[i].name) == 0) {
                seen++;
                break;
            }
    db_res_clear(&res);
    if (seen == migrations_len)
        return 0;
    unsigned char rnd[8];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0, sizeof(rnd));
    char holder[64];
    snprintf(holder, sizeof(holder), "pid %d %02x%02x%02x%02x%02x%02x", (int)getpid(), rnd[0],
             rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
    int64_t deadline = time_mono_us() + (int64_t)WAIT_S * 1000000;
    bool said = false;
    for (;;) {
        int got = lock_try(db, holder);
        if (got < 0)
            return got;
        if (got == 1)
            break;
        if (time_mono_us() > deadline) {
            log_error("migrate: could not take the migration lock in %d s (another instance is"
                      " migrating; its lease is %d s)",
                      WAIT_S, LEASE_S);
            return SD_ERR_UNAVAILABLE;
        }
        if (!said)
            log_info("migrate: another instance holds the migration lock; waiting");
        said = true;
        usleep((useconds_t)(POLL_MS * 1000 + (rnd[6] ^ (unsigned)time_mono_us()) % 100 * 1000));
    }
    rc = migrate_locked(db, holder);
    lock_release(db, holder);
    return rc;
}
