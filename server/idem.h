#ifndef SUMMITD_SERVER_IDEM_H
#define SUMMITD_SERVER_IDEM_H

/* Idempotency-Key on creating POSTs. The first request with a key claims a short in-progress
 * lease in Redis (`<prefix>idem:<user>:<sha256(key)>`, SET NX); when it completes, its status and
 * body replace the lease for idempotency_ttl_s. A repeat with the same key and user:
 *   - same method, route and body, completed → the first response again (Idempotent-Replayed);
 *   - still in flight → 409 request_in_progress;
 *   - a different body or route → 422 idempotency_key_reused.
 * 409, 429 and 5xx responses are not stored, so a retry after them runs again. */

struct req;

/* Returns 0 to run the handler, -1 after replying (replay or error). */
int idem_begin(struct req *r);
/* Stores or releases the record after the handler replied. */
void idem_end(struct req *r);

#endif
