#ifndef SUMMITD_SERVER_RDS_H
#define SUMMITD_SERVER_RDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

/* The Redis layer: one blocking connection per struct rds, used by one thread at a time (a
 * worker), with connect and command timeouts. After an error the context is freed and made anew
 * on the next call; while Redis is away calls fail fast with SD_ERR_UNAVAILABLE. Only this module
 * includes hiredis. Keys are namespaced by the configured prefix: build them with rds_key(). */

struct config;
struct rds;

enum rds_type { RDS_NIL, RDS_STRING, RDS_INTEGER, RDS_ARRAY, RDS_STATUS };

/* A reply copied out of hiredis; owned by the caller, freed with rds_reply_clear(). */
struct rds_reply {
    enum rds_type type;
    long long integer;
    char *str; /* RDS_STRING / RDS_STATUS, NUL-terminated */
    size_t len;
    size_t n; /* RDS_ARRAY */
    struct rds_reply *elem;
};

struct rds *rds_new(const struct config *cfg);
void rds_free(struct rds *r);

/* Runs a command whose format has only %s / %b placeholders (never formatted text), e.g.
 * rds_cmd(r, &rep, "SET %s %b EX %s", key, val, len, ttl). `out` may be NULL.
 * Returns 0, SD_ERR_UNAVAILABLE (down/timeout) or SD_ERR_INTERNAL (Redis said error, logged). */
int rds_cmd(struct rds *r, struct rds_reply *out, const char *fmt, ...) SD_MUST_CHECK;
/* argv form. */
int rds_cmd_argv(struct rds *r, struct rds_reply *out, int argc, const char **argv,
                 const size_t *argvlen) SD_MUST_CHECK;
int rds_ping(struct rds *r) SD_MUST_CHECK;

void rds_reply_clear(struct rds_reply *rep);

/* Writes prefix + printf(fmt) into buf; returns buf. */
char *rds_key(const struct rds *r, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

bool rds_up(void);

/* A dedicated subscriber connection (pub/sub needs its own). */
struct rds_sub;
/* Connects and SUBSCRIBEs to prefix + each of `channels` (NULL-terminated); NULL when Redis is not
 * answering. */
struct rds_sub *rds_sub_open(const struct config *cfg, const char *const *channels);
/* Waits up to timeout_ms for one message; copies its channel (without the prefix) and payload
 * (NUL-terminated, truncated to their buffers). Returns 1 for a message, 0 on timeout,
 * SD_ERR_UNAVAILABLE when the connection broke (then free it and open a new one). */
int rds_sub_read(struct rds_sub *s, int timeout_ms, char *chan, size_t chanlen, char *buf,
                 size_t len) SD_MUST_CHECK;
void rds_sub_free(struct rds_sub *s);

/* Redis client-side caching (CLIENT TRACKING, broadcast mode) on a dedicated connection: every
 * change of a key that starts with prefix + key_prefix (a write, a DEL, an EXPIRE, an expiry
 * Redis notices, a FLUSH) is reported on it. NULL when Redis is not answering or refuses. */
struct rds_sub *rds_track_open(const struct config *cfg, const char *key_prefix);
/* Waits up to timeout_ms for one invalidation message and calls fn for each key in it (the full
 * key, with the prefix), or once with key NULL when Redis dropped every key (FLUSHALL). Returns
 * 1 for a message, 0 on timeout, SD_ERR_UNAVAILABLE when the connection broke. */
int rds_track_read(struct rds_sub *s, int timeout_ms,
                   void (*fn)(void *arg, const char *key, size_t len), void *arg) SD_MUST_CHECK;

#endif
