#include "server/audit.h"

#include "server/db.h"
#include "server/http.h"

int audit_record(struct db *db, const struct req *r, int64_t event_id, const char *action,
                 const char *subject, const char *detail)
{
    int64_t seq = 0;
    if (event_id > 0) {
        /* The entry's place in the event's feed: the next number of the event row, taken by
         * writing it (sql/0012_cluster.sql: on Galera the feed's order is commit order only
         * when entries of one event conflict). LAST_INSERT_ID(expr) hands it back. */
        struct db_res res;
        int rc = db_exec(db, &res,
                         "UPDATE events SET audit_seq = LAST_INSERT_ID(audit_seq + 1) WHERE id = ?",
                         "i", event_id);
        if (rc)
            return rc;
        seq = res.affected == 1 ? (int64_t)res.insert_id : 0;
        db_res_clear(&res);
    }
    return db_exec(db, NULL,
                   "INSERT INTO audit_log (event_id, actor_id, action, subject, detail, request_id,"
                   " created_at, seq) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(), ?)",
                   "niss"
                   "ssn",
                   event_id, r->user.id, action, subject, detail ? detail : "", r->id, seq);
}
