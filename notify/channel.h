#ifndef SUMMITD_NOTIFY_CHANNEL_H
#define SUMMITD_NOTIFY_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

/* The delivery side: the dispatcher (notify/dispatch.c) claims due outbox rows and hands each to
 * its channel. A channel does the network work only; retries, backoff, dead-lettering and the
 * row's status belong to the dispatcher. */

struct app;

struct outbox_row {
    int64_t id;
    const char *msg_id;    /* stable across attempts: Message-ID / webhook-id */
    const char *channel;   /* "email" | "webhook" */
    const char *type;      /* NOTIFY_* */
    int64_t user_id;       /* email */
    int64_t endpoint_id;   /* webhook */
    int64_t event_id;      /* 0 if none */
    const char *payload;   /* JSON text: {"type":..., "data":{...}} */
    int attempts;          /* attempts made before this one */
    int64_t created_at;    /* unix seconds */
};

enum deliver_result {
    DELIVER_OK,        /* delivered: mark sent */
    DELIVER_RETRY,     /* transient failure: back off and try again (until the attempt limit) */
    DELIVER_GIVE_UP,   /* permanent failure (no such recipient, endpoint disabled): dead-letter */
};

/* Each writes a one-line reason into err on failure. They may use the app's database
 * connection pool and configuration; they must not hold a transaction open while on the
 * network. */
enum deliver_result email_deliver(struct app *app, const struct outbox_row *row, char *err,
                                  size_t errlen);
enum deliver_result webhook_deliver(struct app *app, const struct outbox_row *row, char *err,
                                    size_t errlen);

#endif
