#ifndef SUMMITD_SERVER_IDEM_H
#define SUMMITD_SERVER_IDEM_H

/* Idempotency-Key on creating POSTs. The first request with a key claims a short in-progress
 * lease in Redis (`<prefix>idem:<user>:<sha256(key)>`, SET NX); when it completes, its status and
 * body replace the lease for idempotency_ttl_s. A repeat with the same key and user:
 *   - same method, route, path parameters, query (decoded, in any order) and body, completed →
 *     the first response again: status, body and the headers its handler set (Location, …),
 *     plus Idempotent-Replayed: true;
 *   - still in flight → 409 request_in_progress;
 *   - a different body, query or route → 422 idempotency_key_reused.
 * The key itself is 1..255 printable ASCII characters (server/limits.h), else 400.
 * 409, 429 and 5xx responses are not stored, so a retry after them runs again. */

struct req;

/* What makes two requests "the same" (method, route, path parameters, the decoded query in any
 * order, the body bytes): its SHA-256 in hex into r->idem_fp. */
void idem_fingerprint(struct req *r);
/* Returns 0 to run the handler, -1 after replying (replay or error). */
int idem_begin(struct req *r);
/* Stores or releases the record after the handler replied. */
void idem_end(struct req *r);

#endif
