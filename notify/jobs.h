#ifndef SUMMITD_NOTIFY_JOBS_H
#define SUMMITD_NOTIFY_JOBS_H

#include <stdint.h>

#include "base/xalloc.h"

/* The notifications nobody's request produces (issue 13): one background thread per instance,
 * with its own MySQL connection, every notify_jobs_interval_s
 *   - reminders: reminder_minutes before a session, a placed pitch or a scheduled meeting of a
 *     published event starts, one `reminder` to each confirmed registrant / the presenter / each
 *     member of both organizations, under the dedupe key
 *     reminder:<session|pitch|meeting>:<id>:user:<uid> (notify_once): once across instances and
 *     restarts;
 *   - recommendation digests: for each open project, at most once per digest_period_hours (the
 *     key digest:project:<id>:<period number>), one `recommendations.digest` to its
 *     organization's members listing the counterpart projects scoring above digest_min_score
 *     (server/recs.h, the index every instance keeps) that no earlier digest of the project
 *     listed (notify_digest_items), with their reasons. Nothing new: no digest that period.
 * Every instance runs them; the dedupe keys make each notice happen once. */

struct app;
struct db;
struct notify_jobs;

struct notify_jobs *notify_jobs_start(struct app *app);
/* Stops and joins the thread; NULL is a no-op. */
void notify_jobs_stop(struct notify_jobs *j);

/* One pass of each (what the thread runs; for tests and tools). `now` in unix seconds. Each
 * returns how many notices it emitted, or a negative SD_ERR_*. */
int notify_reminders_run(struct app *app, struct db *db, int64_t now);
int notify_digests_run(struct app *app, struct db *db, int64_t now);

#endif
