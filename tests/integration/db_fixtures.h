/* For the suites below HTTP that drive server/db.h against a table of their own (k, v). */
#ifndef SUMMITD_TESTS_DB_FIXTURES_H
#define SUMMITD_TESTS_DB_FIXTURES_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "server/db.h"

/* v of row k of `table` as connection d sees it: -1 when there is none. */
static inline long db_fixture_v(struct db *d, const char *table, const char *k)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT v FROM %s WHERE k = ?", table);
    struct db_res res;
    cr_assert_eq(db_exec(d, &res, sql, "s", k), 0);
    long v = res.nrows ? (long)db_get_i64(&res, 0, 0) : -1;
    db_res_clear(&res);
    return v;
}

#endif
