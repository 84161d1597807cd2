/* The MySQL layer's pure parts: the named errors (server/db.c, oslo.db's exc_filters idea), the
 * retry pauses (full jitter, bounded) and the endpoint list (mysql_hosts). The behaviour against
 * real servers is tested by tests/faults (make faults, make faults-cluster). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "server/config.h"
#include "server/db.h"
#include "server/err.h"

Test(db, every_handled_error_has_its_name_and_outcome)
{
    static const struct {
        unsigned no;
        bool at_commit;
        const char *name;
        int result;
    } cases[] = {
        {1213, false, "deadlock", SD_ERR_RETRY},
        {1213, true, "certification_conflict", SD_ERR_RETRY},
        {1305, true, "silent_abort", SD_ERR_RETRY}, /* a guarded transaction's savepoint gone */
        {1305, false, "other", SD_ERR_INTERNAL},
        {1205, false, "lock_wait_timeout", SD_ERR_RETRY},
        {1467, false, "autoinc_deadlock", SD_ERR_RETRY},
        {1047, false, "node_not_ready", SD_ERR_UNAVAILABLE},
        {1047, true, "node_not_ready", SD_ERR_UNAVAILABLE},
        {1053, false, "server_shutdown", SD_ERR_UNAVAILABLE},
        {2006, false, "server_gone", SD_ERR_UNAVAILABLE},
        {2013, true, "connection_lost", SD_ERR_UNAVAILABLE},
        {4031, false, "idle_disconnect", SD_ERR_UNAVAILABLE},
        {1290, false, "read_only_node", SD_ERR_UNAVAILABLE},
        {1180, true, "commit_failed", SD_ERR_UNAVAILABLE}, /* rolled back: another node */
        {1062, false, "duplicate_key", SD_ERR_DUPLICATE},
        {1146, false, "other", SD_ERR_INTERNAL}, /* no such table: a bug, 500 */
        {1064, false, "other", SD_ERR_INTERNAL}, /* syntax */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_assert_str_eq(db_error_name(cases[i].no, cases[i].at_commit), cases[i].name, "error %u",
                         cases[i].no);
        cr_assert_eq(db_error_result(cases[i].no, cases[i].at_commit), cases[i].result, "error %u",
                     cases[i].no);
    }
}

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

Test(db, retry_pauses_grow_exponentially_with_full_jitter_and_a_cap)
{
    uint64_t x = 88172645463325252ULL;
    for (int attempt = 0; attempt < 40; attempt++) {
        int64_t cap = attempt < 30 ? (int64_t)1000 << attempt : INT64_MAX;
        if (cap > 100000)
            cap = 100000;
        int64_t lo = INT64_MAX, hi = 0;
        for (int k = 0; k < 2000; k++) {
            int64_t us = db_backoff_us(attempt, 100, next(&x));
            cr_assert(us >= 0 && us <= cap, "attempt %d: %lld outside [0, %lld]", attempt,
                      (long long)us, (long long)cap);
            lo = us < lo ? us : lo;
            hi = us > hi ? us : hi;
        }
        /* full jitter: the draws cover the range, not one value */
        cr_assert(lo < cap / 4 && hi > cap * 3 / 4, "attempt %d: [%lld, %lld] of %lld", attempt,
                  (long long)lo, (long long)hi, (long long)cap);
    }
    /* the longest pauses of 20 attempts (19 pauses) at the default cap: about 1.4 s in all */
    int64_t worst = 0;
    for (int attempt = 0; attempt < 19; attempt++) {
        int64_t cap = attempt < 7 ? (int64_t)1000 << attempt : 100000;
        worst += db_backoff_us(attempt, 100, (uint64_t)cap); /* rnd % (cap + 1) == cap */
    }
    cr_assert(worst > 1000000 && worst <= 1500000, "%lld", (long long)worst);
}

Test(db, endpoint_lists)
{
    struct cfg_host h[CFG_HOSTS_MAX];
    cr_assert_eq(cfg_hosts_parse("127.0.0.1:4501,127.0.0.1:4502, 10.0.0.3:3306", h, 16), 3);
    cr_assert_str_eq(h[0].host, "127.0.0.1");
    cr_assert_eq(h[1].port, 4502);
    cr_assert_str_eq(h[2].host, "10.0.0.3");
    cr_assert_eq(cfg_hosts_parse("", h, 16), 0);
    cr_assert_eq(cfg_hosts_parse("[::1]:3306", h, 16), 1);
    cr_assert_str_eq(h[0].host, "[::1]");
    cr_assert_eq(cfg_hosts_parse("127.0.0.1", h, 16), -1);
    cr_assert_eq(cfg_hosts_parse("127.0.0.1:0", h, 16), -1);
    cr_assert_eq(cfg_hosts_parse("127.0.0.1:99999", h, 16), -1);
    cr_assert_eq(cfg_hosts_parse(":3306", h, 16), -1);
    cr_assert_eq(cfg_hosts_parse("a:1x", h, 16), -1);
}

Test(db, mysql_hosts_and_redis_sentinels_are_checked_at_load)
{
    struct config c;
    char err[256];
    cfg_defaults(&c);
    cr_assert_eq(cfg_set(&c, "mysql_hosts", "127.0.0.1:4501,127.0.0.1:4502", err, sizeof(err)), 0);
    cr_assert_eq(cfg_set(&c, "mysql_hosts", "127.0.0.1", err, sizeof(err)), -1);
    cr_assert(strstr(err, "mysql_hosts"), "%s", err);
    cr_assert_eq(cfg_set(&c, "redis_sentinels", "127.0.0.1:26379,x", err, sizeof(err)), -1);
    cr_assert(strstr(err, "redis_sentinels"), "%s", err);
    cr_assert_eq(c.mysql_tx_tries, 20);
    cr_assert_eq(c.mysql_sync_wait, 0);
    cfg_deinit(&c);
}
