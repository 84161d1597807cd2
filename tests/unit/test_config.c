#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"

static int load(struct config *c, int argc, const char **argv, char *err, size_t errlen)
{
    FILE *f = fmemopen(err, errlen, "w");
    const char *rest[4];
    int nrest;
    int rc = cfg_load(c, argc, (char **)argv, rest, 4, &nrest, f);
    fclose(f);
    return rc;
}

Test(config, defaults)
{
    struct config c;
    cfg_defaults(&c);
    cr_assert_str_eq(c.listen, "127.0.0.1:8080");
    cr_assert_eq(c.threads, 2);
    cr_assert_eq(c.mysql_port, 3306);
    cr_assert_eq(c.access_log, true);
    cr_assert_float_eq(c.match_weight_tag, 0.25, 1e-9);
    cfg_deinit(&c);
}

Test(config, file_then_env_then_flags)
{
    char path[] = "/tmp/summitd-cfg-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\nmysql_port = 3400\nredis_port = 6400\nthreads=3\nlog_level = \"debug\"\n", f);
    fclose(f);
    setenv("SUMMITD_REDIS_PORT", "6500", 1);
    setenv("SUMMITD_THREADS", "4", 1);
    const char *argv[] = {"summitd",  "--config",       path,     "--set", "threads=5",
                          "--listen", "127.0.0.1:9999", "migrate"};
    struct config c;
    char err[256] = "";
    cr_assert_eq(load(&c, 8, argv, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.mysql_port, 3400, "from the file");
    cr_assert_eq(c.redis_port, 6500, "the environment beats the file");
    cr_assert_eq(c.threads, 5, "flags beat the environment");
    cr_assert_str_eq(c.listen, "127.0.0.1:9999");
    cr_assert_str_eq(c.log_level, "debug");
    unsetenv("SUMMITD_REDIS_PORT");
    unsetenv("SUMMITD_THREADS");
    cfg_deinit(&c);
    unlink(path);
}

Test(config, bad_values_name_the_key_and_exit_2)
{
    struct {
        const char *arg;
        const char *key;
    } cases[] = {{"workers=0", "workers"},           {"mysql_port=70000", "mysql_port"},
                 {"access_log=maybe", "access_log"}, {"log_level=loud", "log_level"},
                 {"no_such_key=1", "no_such_key"},   {"match_weight_tag=-1", "match_weight_tag"},
                 {"threads=2x", "threads"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[] = {"summitd", "--set", cases[i].arg};
        struct config c;
        char err[256] = "";
        cr_assert_eq(load(&c, 3, argv, err, sizeof(err)), 2, "%s", cases[i].arg);
        cr_assert(strstr(err, cases[i].key), "message names %s: %s", cases[i].key, err);
        cfg_deinit(&c);
    }
    setenv("SUMMITD_REDIS_PORT", "abc", 1);
    const char *argv[] = {"summitd"};
    struct config c;
    char err[256] = "";
    cr_assert_eq(load(&c, 1, argv, err, sizeof(err)), 2);
    cr_assert(strstr(err, "SUMMITD_REDIS_PORT"), "%s", err);
    unsetenv("SUMMITD_REDIS_PORT");
    cfg_deinit(&c);
}

Test(config, trusted_proxies_must_be_networks)
{
    const char *argv[] = {"summitd", "--set", "trusted_proxies=10.0.0.0/8, 10.0.0.0/33"};
    struct config c;
    char err[256] = "";
    cr_assert_eq(load(&c, 3, argv, err, sizeof(err)), 2);
    cr_assert(strstr(err, "trusted_proxies") && strstr(err, "10.0.0.0/33"), "%s", err);
    cfg_deinit(&c);
    const char *ok[] = {"summitd", "--set", "trusted_proxies=127.0.0.1/32,2001:db8::/32"};
    cr_assert_eq(load(&c, 3, ok, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(c.trusted_proxies, "127.0.0.1/32,2001:db8::/32");
    cfg_deinit(&c);
}

Test(config, example_file_is_generated_from_the_key_table)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cfg_write_example(f);
    fclose(f);
    FILE *disk = fopen("config/summitd.conf", "r");
    cr_assert_not_null(disk);
    char *want = calloc(1, len + 2);
    size_t got = fread(want, 1, len + 1, disk);
    fclose(disk);
    cr_assert_eq(got, len, "config/summitd.conf is stale: run build/summitd print-config");
    cr_assert(memcmp(want, buf, len) == 0,
              "config/summitd.conf is stale: run build/summitd print-config > config/summitd.conf");
    free(want);
    free(buf);
}

/* Regression: Redis keys are built in fixed buffers (128..256 bytes), so a long redis_prefix
 * silently cut them, and session keys cut before their SHA-256 end would collide. */
Test(config, redis_prefix_longer_than_64_bytes_is_refused)
{
    const char *argv[] = {
        "summitd", "--set",
        "redis_prefix=a-prefix-longer-than-sixty-four-bytes-would-cut-redis-keys-short-x:"};
    struct config c;
    char err[256] = "";
    cr_assert_eq(load(&c, 3, argv, err, sizeof(err)), 2);
    cr_assert(strstr(err, "redis_prefix"), "%s", err);
    cfg_deinit(&c);
    argv[2] = "redis_prefix=sixty-four-bytes-are-fine-sixty-four-bytes-are-fine-sixty-four-:";
    cr_assert_eq(strlen(argv[2] + strlen("redis_prefix=")), 64);
    cr_assert_eq(load(&c, 3, argv, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(c.redis_prefix, argv[2] + strlen("redis_prefix="));
    cfg_deinit(&c);
}

/* Both list keys (mysql_hosts, cors_origins) split on spaces and commas in any mix. */
Test(config, host_and_origin_lists_split_on_spaces_and_commas)
{
    struct cfg_host h[4];
    cr_assert_eq(cfg_hosts_parse(" db1:3306,db2:3307 ,, db3:3308 ", h, 4), 3);
    cr_assert_str_eq(h[0].host, "db1");
    cr_assert_eq(h[0].port, 3306);
    cr_assert_str_eq(h[2].host, "db3");
    cr_assert_eq(h[2].port, 3308);
    cr_assert_eq(cfg_hosts_parse("", h, 4), 0);
    cr_assert_eq(cfg_hosts_parse("db1", h, 4), -1, "a host without a port");
    cr_assert_eq(cfg_hosts_parse("db1:0", h, 4), -1, "port 0");
    char **o = NULL;
    cr_assert_eq(cfg_origins_parse("https://summit.example.cn, http://127.0.0.1:5173", &o), 2);
    cr_assert_str_eq(o[0], "https://summit.example.cn");
    cr_assert_str_eq(o[1], "http://127.0.0.1:5173");
    for (int i = 0; i < 2; i++)
        free(o[i]);
    free(o);
    cr_assert_eq(cfg_origins_parse("ftp://x.cn", NULL), -1, "not http(s)");
    cr_assert_eq(cfg_origins_parse("https://x.cn/path", NULL), -1, "a path");
}
