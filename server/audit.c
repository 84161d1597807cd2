#include "server/audit.h"

#include "server/db.h"
#include "server/http.h"

int audit_record(struct db *db, const struct req *r, int64_t event_id, const char *action,
                 const char *subject, const char *detail)
{
    return db_exec(db, NULL,
                   "INSERT INTO audit_log (event_id, actor_id, action, subject, detail, request_id,"
                   " created_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP())",
                   "niss"
                   "ss",
                   event_id, r->user.id, action, subject, detail ? detail : "", r->id);
}
