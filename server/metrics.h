#ifndef SUMMITD_SERVER_METRICS_H
#define SUMMITD_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Per-loop request counters (by route and status) and latency histograms. Each loop writes only
 * its own struct metrics (relaxed atomics); /metrics sums all loops when read. */

struct metrics;
struct buf;

/* nroutes real routes; index nroutes counts requests that matched none. */
struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);
void metrics_record(struct metrics *m, int route, int status, int64_t micros);

/* Gauges rendered beside the counters. */
struct metrics_gauges {
    long queue_len, queue_max, workers, workers_busy, inflight, loops;
    int mysql_up, redis_up;
    int64_t uptime_s;
};

/* Writes Prometheus text for the sum of `n` metrics. `pattern(i)`/`method(i)` name route i. */
void metrics_render(struct buf *out, struct metrics *const *ms, size_t n, size_t nroutes,
                    const char *(*pattern)(void *, size_t), const char *(*method)(void *, size_t),
                    void *arg, const struct metrics_gauges *g);

#endif
