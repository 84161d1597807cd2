/* db_script and db_tx_lazy (server/db.h) against the tests' MariaDB (or a Galera node): several
 * statements in one round trip, START TRANSACTION riding in front of the first, COMMIT at the
 * end, and the first failing statement stopping the rest with nothing committed. The layer the
 * combined registrations stand on (handlers/registrations.c), tested below HTTP because a
 * failure in the middle of a script is hard to provoke through the API. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "tests/integration/db_fixtures.h"

static struct config cfg;
static struct db *db, *other;
static char table[64];

static void set(const char *key, const char *value)
{
    char err[160];
    cr_assert_eq(cfg_set(&cfg, key, value, err, sizeof(err)), 0, "%s", err);
}

static void setup(void)
{
    db_library_init();
    cfg_defaults(&cfg);
    set("mysql_host", "127.0.0.1");
    set("mysql_port", getenv("SD_MYSQL_PORT") ? getenv("SD_MYSQL_PORT") : "3407");
    set("mysql_user", "summitd");
    set("mysql_password", "summitd");
    set("mysql_database", "summitd_test");
    db = db_new(&cfg);
    other = db_new(&cfg);
    snprintf(table, sizeof(table), "script_probe_%d", (int)getpid());
    char sql[256];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE %s (id BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(16) NOT NULL"
             " UNIQUE, v INT NOT NULL) ENGINE=InnoDB",
             table);
    cr_assert_eq(db_query(db, sql), 0);
}

static void teardown(void)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", table);
    cr_expect_eq(db_query(db, sql), 0);
    db_free(db);
    db_free(other);
    cfg_deinit(&cfg);
    db_library_end();
}

TestSuite(db_script, .init = setup, .fini = teardown, .timeout = 60);

/* The script of a test, with the table's name in place of each `T_`. */
struct run {
    const char *fmt;
    size_t n;
    bool commits;
    struct db_res res[6];
    int rc;
};

static int run_tx(struct db *d, void *arg)
{
    struct run *r = arg;
    char sql[1024];
    size_t len = 0;
    for (const char *p = r->fmt; *p;)
        if (strncmp(p, "T_", 2) == 0) {
            len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", table);
            p += 2;
        } else {
            sql[len++] = *p++;
        }
    sql[len] = '\0';
    r->rc = db_script(d, r->res, r->n, sql, len, r->commits);
    return r->rc;
}

/* v of row k as another connection sees it: -1 when there is none. */
static long seen(const char *k)
{
    return db_fixture_v(other, table, k);
}

Test(db_script, statements_run_in_one_transaction_that_the_script_commits)
{
    struct run r = {.fmt = "SELECT @@in_transaction;"
                           " INSERT INTO T_ (k, v) VALUES ('a', 1), ('b', 2);"
                           " SELECT k, v FROM T_ ORDER BY k;"
                           " UPDATE T_ SET v = v + 10;"
                           " COMMIT",
                    .n = 5,
                    .commits = true};
    cr_assert_eq(db_tx_lazy(db, run_tx, &r), 0);
    /* START TRANSACTION went first, in the same query */
    cr_assert_str_eq(db_get(&r.res[0], 0, 0), "1");
    cr_expect_eq(r.res[1].affected, 2);
    cr_expect_gt(r.res[1].insert_id, 0);
    cr_assert_eq(r.res[2].nrows, 2);
    cr_expect_str_eq(db_get(&r.res[2], 0, 0), "a");
    cr_expect_str_eq(db_get(&r.res[2], 1, 1), "2");
    cr_expect_eq(r.res[3].affected, 2);
    for (size_t i = 0; i < r.n; i++)
        db_res_clear(&r.res[i]);
    cr_expect_eq(seen("a"), 11);
    cr_expect_eq(seen("b"), 12);
}

Test(db_script, the_first_failing_statement_stops_the_script_and_nothing_commits)
{
    struct run first = {.fmt = "INSERT INTO T_ (k, v) VALUES ('a', 1); COMMIT",
                        .n = 2,
                        .commits = true};
    cr_assert_eq(db_tx_lazy(db, run_tx, &first), 0);
    struct run r = {.fmt = "INSERT INTO T_ (k, v) VALUES ('c', 3);"
                           " INSERT INTO T_ (k, v) VALUES ('a', 9);" /* a duplicate */
                           " INSERT INTO T_ (k, v) VALUES ('d', 4);"
                           " COMMIT",
                    .n = 4,
                    .commits = true};
    cr_assert_eq(db_tx_lazy(db, run_tx, &r), SD_ERR_DUPLICATE);
    for (size_t i = 0; i < r.n; i++)
        cr_expect_eq(r.res[i].nrows, 0, "statement %zu's result is cleared on failure", i);
    cr_expect_eq(seen("c"), -1, "the row before the failure is rolled back");
    cr_expect_eq(seen("d"), -1, "the statement after the failure did not run");
    cr_expect_eq(seen("a"), 1);
    /* the connection goes on: the next transaction commits */
    struct run next = {.fmt = "INSERT INTO T_ (k, v) VALUES ('e', 5); COMMIT",
                       .n = 2,
                       .commits = true};
    cr_assert_eq(db_tx_lazy(db, run_tx, &next), 0);
    cr_expect_eq(seen("e"), 5);
}

/* A transaction that is lazy but whose first statement is not a script begins before it. */
static int prepared_first(struct db *d, void *arg)
{
    struct db_res *res = arg;
    return db_exec(d, res, "SELECT @@in_transaction", "");
}

Test(db_script, a_lazy_transaction_begins_before_a_prepared_statement)
{
    struct db_res res;
    cr_assert_eq(db_tx_lazy(db, prepared_first, &res), 0);
    cr_expect_str_eq(db_get(&res, 0, 0), "1");
    db_res_clear(&res);
}

/* On a connection not made yet (a first request, or after MySQL came back), the transaction
 * still begins before the first statement, script or not. */
Test(db_script, a_lazy_transaction_on_a_new_connection_still_begins)
{
    struct db *fresh = db_new(&cfg);
    struct run r = {.fmt = "SELECT @@in_transaction; COMMIT", .n = 2, .commits = true};
    cr_assert_eq(db_tx_lazy(fresh, run_tx, &r), 0);
    cr_expect_str_eq(db_get(&r.res[0], 0, 0), "1");
    db_res_clear(&r.res[0]);
    db_free(fresh);
    fresh = db_new(&cfg);
    struct db_res res;
    cr_assert_eq(db_tx_lazy(fresh, prepared_first, &res), 0);
    cr_expect_str_eq(db_get(&res, 0, 0), "1");
    db_res_clear(&res);
    db_free(fresh);
}

/* A script that does not commit leaves its transaction to db_tx, which commits it. */
Test(db_script, a_script_without_commit_is_committed_by_the_transaction)
{
    struct run r = {.fmt = "INSERT INTO T_ (k, v) VALUES ('f', 6); SELECT COUNT(*) FROM T_",
                    .n = 2,
                    .commits = false};
    cr_assert_eq(db_tx_lazy(db, run_tx, &r), 0);
    cr_expect_str_eq(db_get(&r.res[1], 0, 0), "1");
    db_res_clear(&r.res[0]);
    db_res_clear(&r.res[1]);
    cr_expect_eq(seen("f"), 6);
}

/* db_query answers for every statement of a text query, not only the first. */
Test(db_script, db_query_fails_when_a_later_statement_fails)
{
    cr_assert_eq(db_query(db, "DO 1; SELECT 1 FROM no_such_table_here"), SD_ERR_INTERNAL);
    cr_assert_eq(db_query(db, "DO 1; DO 2"), 0, "the connection goes on");
}
