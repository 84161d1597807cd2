#include "server/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "server/buf.h"
#include "server/combine.h"
#include "base/xalloc.h"

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405,
                               409, 413, 422, 429, 500, 501, 503};
#define NSTATUS (SD_ARRAY_LEN(statuses) + 1) /* + "other" */
static const double buckets_s[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
#define NBUCKET (SD_ARRAY_LEN(buckets_s) + 1) /* + Inf */

struct route_stats {
    _Atomic uint64_t by_status[NSTATUS];
    _Atomic uint64_t bucket[NBUCKET];
    _Atomic uint64_t sum_us;
};

struct metrics {
    size_t n; /* nroutes + 1 */
    struct route_stats *r;
};

struct metrics *metrics_new(size_t nroutes)
{
    struct metrics *m = xcalloc(1, sizeof(*m));
    m->n = nroutes + 1;
    m->r = xcalloc(m->n, sizeof(struct route_stats));
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->r);
    free(m);
}

static size_t status_index(int status)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(statuses); i++)
        if (statuses[i] == status)
            return i;
    return NSTATUS - 1;
}

void metrics_record(struct metrics *m, int route, int status, int64_t micros)
{
    size_t ri = route >= 0 && (size_t)route < m->n - 1 ? (size_t)route : m->n - 1;
    struct route_stats *s = &m->r[ri];
    atomic_fetch_add_explicit(&s->by_status[status_index(status)], 1, memory_order_relaxed);
    double sec = (double)micros / 1e6;
    size_t b = 0;
    while (b < SD_ARRAY_LEN(buckets_s) && sec > buckets_s[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (uint64_t)(micros > 0 ? micros : 0),
                              memory_order_relaxed);
}

static uint64_t ld(_Atomic uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

void metrics_render(struct buf *out, struct metrics *const *ms, size_t n, size_t nroutes,
                    const char *(*pattern)(void *, size_t), const char *(*method)(void *, size_t),
                    void *arg, const struct metrics_gauges *g)
{
    buf_puts(out, "# HELP summitd_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE summitd_http_requests_total counter\n");
    for (size_t r = 0; r <= nroutes; r++) {
        const char *pat = r < nroutes ? pattern(arg, r) : "unmatched";
        const char *meth = r < nroutes ? method(arg, r) : "";
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = 0;
            for (size_t l = 0; l < n; l++)
                v += ld(&ms[l]->r[r].by_status[s]);
            if (!v)
                continue;
            if (s < SD_ARRAY_LEN(statuses))
                buf_printf(out,
                           "summitd_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"}"
                           " %llu\n",
                           meth, pat, statuses[s], (unsigned long long)v);
            else
                buf_printf(out,
                           "summitd_http_requests_total{method=\"%s\",route=\"%s\","
                           "status=\"other\"} %llu\n",
                           meth, pat, (unsigned long long)v);
        }
    }
    buf_puts(out, "# HELP summitd_http_request_duration_seconds Request latency by route.\n"
                  "# TYPE summitd_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= nroutes; r++) {
        uint64_t cum = 0, total = 0, sum = 0;
        for (size_t l = 0; l < n; l++) {
            for (size_t b = 0; b < NBUCKET; b++)
                total += ld(&ms[l]->r[r].bucket[b]);
            sum += ld(&ms[l]->r[r].sum_us);
        }
        if (!total)
            continue;
        const char *pat = r < nroutes ? pattern(arg, r) : "unmatched";
        const char *meth = r < nroutes ? method(arg, r) : "";
        for (size_t b = 0; b < NBUCKET; b++) {
            for (size_t l = 0; l < n; l++)
                cum += ld(&ms[l]->r[r].bucket[b]);
            if (b < SD_ARRAY_LEN(buckets_s))
                buf_printf(out,
                           "summitd_http_request_duration_seconds_bucket{method=\"%s\","
                           "route=\"%s\",le=\"%g\"} %llu\n",
                           meth, pat, buckets_s[b], (unsigned long long)cum);
            else
                buf_printf(out,
                           "summitd_http_request_duration_seconds_bucket{method=\"%s\","
                           "route=\"%s\",le=\"+Inf\"} %llu\n",
                           meth, pat, (unsigned long long)cum);
        }
        buf_printf(out,
                   "summitd_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
                   "summitd_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
                   "%llu\n",
                   meth, pat, (double)sum / 1e6, meth, pat, (unsigned long long)total);
    }
    buf_printf(out,
               "# HELP summitd_dependency_up Whether the last use of a dependency succeeded.\n"
               "# TYPE summitd_dependency_up gauge\n"
               "summitd_dependency_up{dependency=\"mysql\"} %d\n"
               "summitd_dependency_up{dependency=\"redis\"} %d\n"
               "# TYPE summitd_worker_queue_length gauge\n"
               "summitd_worker_queue_length %ld\n"
               "# TYPE summitd_worker_queue_capacity gauge\n"
               "summitd_worker_queue_capacity %ld\n"
               "# TYPE summitd_workers gauge\n"
               "summitd_workers %ld\n"
               "# TYPE summitd_workers_busy gauge\n"
               "summitd_workers_busy %ld\n"
               "# TYPE summitd_requests_in_flight gauge\n"
               "summitd_requests_in_flight %ld\n"
               "# TYPE summitd_event_loops gauge\n"
               "summitd_event_loops %ld\n"
               "# TYPE summitd_uptime_seconds gauge\n"
               "summitd_uptime_seconds %lld\n",
               g->mysql_up, g->redis_up, g->queue_len, g->queue_max, g->workers, g->workers_busy,
               g->inflight, g->loops, (long long)g->uptime_s);
    uint64_t batches, members; /* combined registrations (server/combine.h) */
    combine_stats(&batches, &members);
    buf_printf(out,
               "# TYPE summitd_combined_batches_total counter\n"
               "summitd_combined_batches_total %llu\n"
               "# TYPE summitd_combined_requests_total counter\n"
               "summitd_combined_requests_total %llu\n",
               (unsigned long long)batches, (unsigned long long)members);
}
