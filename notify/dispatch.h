#ifndef SUMMITD_NOTIFY_DISPATCH_H
#define SUMMITD_NOTIFY_DISPATCH_H

#include <stdbool.h>
#include <stdint.h>

/* The outbox dispatcher (issue 13): one thread per instance (notify_dispatch), with its own MySQL
 * connection, that claims due outbox rows and hands each to its channel (notify/channel.h).
 *
 * A claim is one short transaction:
 *     SELECT … FROM outbox WHERE status = 'pending' AND next_at <= now ORDER BY next_at
 *       LIMIT notify_batch FOR UPDATE SKIP LOCKED;
 *     UPDATE outbox SET next_at = now + notify_lease_s WHERE id IN (…);
 *     COMMIT;
 * so instances share the work without sending a row twice, and a row whose instance dies while
 * delivering it is due again once the lease ends (at-least-once; the receiver drops a duplicate
 * by its Message-ID / webhook-id). On Galera SKIP LOCKED holds on one node only: two nodes may
 * claim the same row, and the loser's COMMIT fails certification: "claimed elsewhere", not an
 * error. Delivery runs outside any transaction; then the row is marked sent, or retried later
 * (attempts + 1, next_at = now + notify_backoff_ms * 2^attempts capped at notify_backoff_max_s,
 * jittered to 50-100%, last_error), or dead-lettered (status 'dead') after notify_max_attempts or
 * at once when the channel gives up (a recipient that no longer exists). On shutdown the rows
 * claimed but not yet delivered are released (due at once). */

struct app;
struct buf;
struct db;
struct dispatch;

/* NULL when notify_dispatch is off. */
struct dispatch *dispatch_start(struct app *app);
/* Stops (an SMTP transfer in progress is aborted and its row released) and joins; NULL is a
 * no-op. */
void dispatch_stop(struct dispatch *d);

/* For channels: whether the dispatcher is stopping (abort a long transfer), and the calling
 * dispatcher thread's own MySQL connection (NULL on other threads). Use it outside transactions
 * only, for reads and single statements. */
bool dispatch_stopping(void);
/* A channel that cut a transfer short because of dispatch_stopping() says so: the row is then
 * released untried (no attempt counted). An answer that came, even a failure, is an attempt. */
void dispatch_note_aborted(void);
struct db *dispatch_db(void);

/* The pause before retry number `attempts` (1 after the first failure): base_ms * 2^(attempts-1)
 * capped at max_s seconds, then scaled into [50%, 100%] by rnd (equal jitter). Milliseconds. */
int64_t dispatch_backoff_ms(int attempts, int base_ms, int max_s, uint64_t rnd);

/* Prometheus text: summitd_notify_{sent,retried,dead}_total{channel} (this process),
 * summitd_notify_pending{channel} and summitd_notify_oldest_due_seconds (as the dispatcher last
 * read them). */
void dispatch_metrics(struct buf *out);

#endif
