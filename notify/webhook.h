#ifndef SUMMITD_NOTIFY_WEBHOOK_H
#define SUMMITD_NOTIFY_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Webhooks the way Standard Webhooks (https://www.standardwebhooks.com) describes them: the
 * pure parts (signing, secrets, the address filter, URL checks) used by handlers/webhooks.c and
 * by webhook_deliver() (notify/channel.h), which POSTs an outbox row to its endpoint.
 *
 * A delivery is a POST of {"type", "timestamp", "data"} (timestamp: when the notice was made,
 * RFC 3339, the same on every attempt) with
 *   webhook-id         the outbox row's msg_id, stable across attempts (receivers dedupe on it)
 *   webhook-timestamp  unix seconds of this attempt
 *   webhook-signature  "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>", and a second v1
 *                      signature with the previous key while a rotation's grace lasts
 * 2xx delivers; anything else (another status, a timeout, a refused address) is a failure that
 * the dispatcher retries; 410 Gone disables the endpoint at once; webhook_disable_after
 * failures in a row disable it; a disabled or deleted endpoint gives up. */

struct sockaddr;
struct db;
struct app;
struct outbox_row;

/* Key sizes a secret may hold (Standard Webhooks: 24 to 64 bytes); new keys get 32. */
#define WEBHOOK_KEY_MIN 24
#define WEBHOOK_KEY_MAX 64
#define WEBHOOK_KEY_NEW 32
/* "whsec_" + base64 of the largest key, with the NUL. */
#define WEBHOOK_SECRET_MAX (6 + 4 * ((WEBHOOK_KEY_MAX + 2) / 3) + 1)
/* "v1," + base64 of a SHA-256 MAC, with the NUL. */
#define WEBHOOK_SIG_MAX (3 + 44 + 1)

/* A new random key as base64 (what webhook_endpoints.secret stores; out: WEBHOOK_SECRET_MAX). */
void webhook_key_new(char *out, size_t outlen);
/* The key of a stored base64 secret (an optional "whsec_" prefix is skipped): its length, or -1
 * when it is not base64 of WEBHOOK_KEY_MIN..WEBHOOK_KEY_MAX bytes. */
long webhook_key_decode(const char *b64, unsigned char *key, size_t cap);
/* "v1,<base64 HMAC-SHA256(key, msg_id "." timestamp "." body)>" into out (WEBHOOK_SIG_MAX). */
void webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, int64_t timestamp,
                  const char *body, size_t bodylen, char *out, size_t outlen);

/* Why an address may not receive webhooks: NULL when it may, else a short reason ("loopback",
 * "private", "link-local", "CGNAT", "multicast", "unspecified", "reserved", "documentation").
 * IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 IPv6 addresses are judged by the IPv4 address they
 * carry. Loopback (127.0.0.0/8, ::1) passes only with allow_loopback. Cloud metadata addresses
 * lie in link-local (169.254.169.254), CGNAT (100.100.100.200) or ULA (fd00:ec2::254). */
const char *webhook_addr_refused(const struct sockaddr *sa, bool allow_loopback);
/* The same for an address in text; "not an address" when it is none. */
const char *webhook_addr_text_refused(const char *addr, bool allow_loopback);

/* Checks an endpoint URL at registration: http or https, a host, no spaces or non-ASCII (percent-
 * encode them); a literal address or "localhost" is judged by webhook_addr_refused, a name by
 * every address it resolves to now (a name that does not resolve yet passes: each delivery
 * checks the address it connects to). 0; -1 for a malformed URL; -2 for a refused address, with
 * the reason (as webhook_addr_refused) in *reason and the address in addr. */
int webhook_url_check(const char *url, bool allow_loopback, const char **reason, char *addr,
                      size_t addrlen);

/* webhook_deliver() with the caller's database connection (webhook_deliver uses one per thread,
 * opened on first use). Logs the attempt in webhook_deliveries and counts failures on the
 * endpoint; holds no transaction while on the network. */
int webhook_deliver_db(struct app *app, struct db *db, const struct outbox_row *row, char *err,
                       size_t errlen);

/* The event types an endpoint may subscribe to (NULL-terminated; notify/notify.h). */
extern const char *const webhook_types[];

#endif
