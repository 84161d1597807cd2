/* /metrics text: counters summed over loops, histogram buckets cumulative, gauges present. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/buf.h"
#include "server/metrics.h"

static const char *pat(void *arg, size_t i)
{
    (void)arg;
    return i == 0 ? "/healthz" : "/api/v1/events";
}

static const char *meth(void *arg, size_t i)
{
    (void)arg;
    (void)i;
    return "GET";
}

Test(metrics, counters_sum_over_loops_and_buckets_accumulate)
{
    struct metrics *m[2] = {metrics_new(2), metrics_new(2)};
    metrics_record(m[0], 1, 200, 50);      /* 0.05 ms */
    metrics_record(m[1], 1, 200, 3000);    /* 3 ms */
    metrics_record(m[1], 1, 503, 2000000); /* 2 s */
    metrics_record(m[0], -1, 404, 10);     /* unmatched */
    metrics_record(m[0], 0, 299, 10);      /* a status without its own counter */
    struct buf b;
    buf_init(&b);
    struct metrics_gauges g = {.queue_len = 3, .workers = 8, .mysql_up = 1, .redis_up = 0};
    metrics_render(&b, m, 2, 2, pat, meth, NULL, &g);
    cr_assert(strstr(b.p, "summitd_http_requests_total{method=\"GET\",route=\"/api/v1/events\","
                          "status=\"200\"} 2\n"),
              "%s", b.p);
    cr_assert(strstr(b.p, "route=\"/api/v1/events\",status=\"503\"} 1\n"));
    cr_assert(strstr(b.p, "route=\"unmatched\",status=\"404\"} 1\n"));
    cr_assert(strstr(b.p, "route=\"/healthz\",status=\"other\"} 1\n"));
    cr_assert(strstr(b.p, "route=\"/api/v1/events\",le=\"0.0001\"} 1\n"), "%s", b.p);
    cr_assert(strstr(b.p, "route=\"/api/v1/events\",le=\"0.005\"} 2\n"));
    cr_assert(strstr(b.p, "route=\"/api/v1/events\",le=\"+Inf\"} 3\n"));
    cr_assert(strstr(b.p, "summitd_http_request_duration_seconds_count{method=\"GET\","
                          "route=\"/api/v1/events\"} 3\n"));
    cr_assert(strstr(b.p, "summitd_dependency_up{dependency=\"redis\"} 0\n"));
    cr_assert(strstr(b.p, "summitd_worker_queue_length 3\n"));
    cr_assert_null(strstr(b.p, "status=\"201\""), "zero counters are not written");
    buf_deinit(&b);
    metrics_free(m[0]);
    metrics_free(m[1]);
}
