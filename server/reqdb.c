#include "server/reqdb.h"

#include <string.h>

#include "server/app.h"
#include "server/http.h"

int req_exec(struct req *r, struct db_res *res, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = db_vexec(r->w->db, res, sql, types, ap);
    va_end(ap);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    return 0;
}

int req_execv(struct req *r, struct db_res *res, const char *sql, const struct db_param *params,
              size_t n)
{
    int rc = db_execv(r->w->db, res, sql, params, n);
    if (rc) {
        reply_fail(r, rc);
        return -1;
    }
    return 0;
}

struct attempt {
    req_tx_fn fn;
    void *arg;
    struct tx_fail f;
};

static int run_attempt(struct db *db, void *arg)
{
    struct attempt *a = arg;
    memset(&a->f, 0, sizeof(a->f));
    return a->fn(db, a->arg, &a->f);
}

static int try_tx(struct req *r, req_tx_fn fn, void *arg, struct tx_fail *f, bool lazy)
{
    struct attempt a = {.fn = fn, .arg = arg};
    int rc = (lazy ? db_tx_lazy : db_tx)(r->w->db, run_attempt, &a);
    *f = a.f;
    return rc;
}

int req_tx_try(struct req *r, req_tx_fn fn, void *arg, struct tx_fail *f)
{
    return try_tx(r, fn, arg, f, false);
}

int req_tx_try_lazy(struct req *r, req_tx_fn fn, void *arg, struct tx_fail *f)
{
    return try_tx(r, fn, arg, f, true);
}

int req_tx(struct req *r, req_tx_fn fn, void *arg)
{
    struct tx_fail f;
    int rc = req_tx_try(r, fn, arg, &f);
    if (rc) {
        reply_tx(r, rc, &f);
        return -1;
    }
    return 0;
}
