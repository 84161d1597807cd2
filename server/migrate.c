#include "server/migrate.h"

#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/err.h"
#include "server/log.h"
#include "base/xalloc.h"

#define LOCK_NAME "summitd_migrate"

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
                rc = db_query(db, stmt);
                if (rc) {
                    log_error("migration %s failed", m->name);
                    break;
                }
            }
            stmt = p + 1;
        }
    }
    free(copy);
    return rc;
}

int migrate_run(struct db *db)
{
    struct db_res res;
    int rc = db_exec(db, &res, "SELECT GET_LOCK(?, 60)", "s", LOCK_NAME);
    if (rc)
        return rc;
    bool locked = db_get_i64(&res, 0, 0) == 1;
    db_res_clear(&res);
    if (!locked) {
        log_error("migrate: could not take the migration lock in 60 s");
        return SD_ERR_UNAVAILABLE;
    }
    rc = db_query(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version VARCHAR(128) NOT NULL PRIMARY KEY,"
                      " applied_at DATETIME NOT NULL"
                      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    for (unsigned long i = 0; rc == 0 && i < migrations_len; i++) {
        const struct migration *m = &migrations[i];
        rc = db_exec(db, &res, "SELECT 1 FROM schema_migrations WHERE version = ?", "s", m->name);
        if (rc)
            break;
        bool done = res.nrows > 0;
        db_res_clear(&res);
        if (done)
            continue;
        log_info("migrate: applying %s", m->name);
        rc = apply_file(db, m);
        if (rc == 0)
            rc = db_exec(db, NULL,
                         "INSERT INTO schema_migrations (version, applied_at) "
                         "VALUES (?, UTC_TIMESTAMP())",
                         "s", m->name);
    }
    int rc2 = db_exec(db, &res, "SELECT RELEASE_LOCK(?)", "s", LOCK_NAME);
    db_res_clear(&res);
    (void)rc2;
    return rc;
}
