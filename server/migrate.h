#ifndef SUMMITD_SERVER_MIGRATE_H
#define SUMMITD_SERVER_MIGRATE_H

/* Schema migrations: sql/NNNN_name.sql, embedded at build time (scripts/embed_sql.sh), applied in
 * order and recorded in schema_migrations. Safe to run twice and from several instances at once:
 * a MySQL named lock (GET_LOCK) serializes them and each file is recorded once applied. */

struct migration {
    const char *name;
    const char *sql;
};

extern const struct migration migrations[];
extern const unsigned long migrations_len;

struct db;

/* Applies what is missing. 0, or SD_ERR_* after logging. */
int migrate_run(struct db *db);

#endif
