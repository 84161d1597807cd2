#ifndef SUMMITD_SERVER_REQDB_H
#define SUMMITD_SERVER_REQDB_H

#include <stdarg.h>

#include "server/db.h"

/* The MySQL layer as a handler uses it: on the request's worker connection, and on failure the
 * reply already made (503 + Retry-After when MySQL is away, 500 logged …), so that a handler
 * stops at the first failure with one line:
 *
 *     if (req_exec(r, &res, "SELECT … WHERE id = ?", "i", id) < 0)
 *         return;
 *
 * Inside a db_tx function there is no reply yet: use db_exec and tx_fail (server/http.h). */

struct req;
struct tx_fail;

/* db_exec on r's connection; -1 after replying on failure, else 0. */
int req_exec(struct req *r, struct db_res *res, const char *sql, const char *types,
             ...) SD_MUST_CHECK;
/* db_execv on r's connection; -1 after replying on failure, else 0. */
int req_execv(struct req *r, struct db_res *res, const char *sql, const struct db_param *params,
              size_t n) SD_MUST_CHECK;
/* A transaction's body: runs between BEGIN and COMMIT, again after a deadlock; a non-zero return
 * rolls back. It refuses with `return tx_fail(f, SD_ERR_CONFLICT, "code", "field", "…")`. */
typedef int (*req_tx_fn)(struct db *db, void *arg, struct tx_fail *f);
/* db_tx on r's connection with a fresh tx_fail for each attempt; on failure replies what fn
 * recorded (reply_tx: its 4xx, or 503/500 for a lower layer) and returns -1, else 0. */
int req_tx(struct req *r, req_tx_fn fn, void *arg) SD_MUST_CHECK;
/* req_tx without the reply, for a refusal that needs more than a tx_fail holds (409
 * already_registered carries the registration; a pitch clash its ids and field): 0, or the error
 * with what fn recorded in *f. The caller replies: its own answer, else reply_tx(r, rc, f). */
int req_tx_try(struct req *r, req_tx_fn fn, void *arg, struct tx_fail *f) SD_MUST_CHECK;
/* The same with db_tx_lazy: fn begins with a script (db_script). */
int req_tx_try_lazy(struct req *r, req_tx_fn fn, void *arg, struct tx_fail *f) SD_MUST_CHECK;

#endif
