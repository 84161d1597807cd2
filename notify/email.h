#ifndef SUMMITD_NOTIFY_EMAIL_H
#define SUMMITD_NOTIFY_EMAIL_H

#include <stddef.h>
#include <stdint.h>

#include "server/query.h"

/* The e-mail channel (email_deliver in notify/channel.h): the recipient's address, name and
 * language (users.locale: zh by default, en) from the database, the text from notify/templates.c,
 * the message from notify/mime.c (Message-ID <msg_id@host of smtp_from>, X-Summitd-Notification:
 * type, List-Unsubscribe on what is not transactional), for registration and meeting mails an
 * .ics (METHOD:REQUEST, or CANCEL; the UIDs of /me/agenda.ics) and for a confirmed registration
 * its ticket (QR code, SVG), sent with libcurl over SMTP (smtp_url, smtp_from, smtp_user,
 * smtp_password, smtp_starttls). A connection is kept per thread between messages.
 *
 * Outcomes: sent -> DELIVER_OK; the recipient or the notice no longer exists, or the server
 * refused it permanently (5xx) -> DELIVER_GIVE_UP; anything else -> DELIVER_RETRY. */

struct app;
struct buf;
struct db;
struct outbox_row;

/* Builds the whole message of an e-mail outbox row into out (for delivery and for tests); fills
 * rcpt with the recipient's address. DELIVER_OK, or the result to give with err filled. */
int email_build(struct app *app, struct db *db, const struct outbox_row *row, struct buf *out,
                char *rcpt, size_t rcptlen, char *err, size_t errlen);

/* Frees the calling thread's SMTP connection (the dispatcher calls it when it ends). */
void email_thread_end(void);

#endif
