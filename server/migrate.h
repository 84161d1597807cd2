#ifndef SUMMITD_SERVER_MIGRATE_H
#define SUMMITD_SERVER_MIGRATE_H

/* Schema migrations: sql/NNNN_name.sql, embedded at build time (scripts/embed_sql.sh), applied in
 * order and recorded in schema_migrations. Safe to run twice and from several instances at once,
 * also on different nodes of a Galera cluster: a lease row in schema_lock (taken by an INSERT,
 * renewed between files, freed by a DELETE or when its lease runs out) serializes them, and each
 * file is recorded once applied. No GET_LOCK (node-local on Galera). */

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
