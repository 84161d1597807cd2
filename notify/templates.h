#ifndef SUMMITD_NOTIFY_TEMPLATES_H
#define SUMMITD_NOTIFY_TEMPLATES_H

#include <stdbool.h>

#include "server/query.h"

/* The text of each notification e-mail, per type (notify/notify.h NOTIFY_*), in Chinese (first)
 * and English: a subject, a plain-text body and the same as HTML (every value escaped). The
 * values come from the notice's `data` object (what its producer wrote); a template reads the
 * obvious keys ("event.title" or "event_title", "session.title", "starts_at", ...) and leaves a
 * sentence out when its values are missing, so a notice always renders. Times are shown in the
 * event's zone. Pure: no I/O. */

struct cJSON;
struct tz;

struct tmpl_in {
    const char *type;
    enum lang lang;
    const struct cJSON *data;  /* may be NULL */
    const struct tz *tz;       /* the event's zone (NULL: Asia/Shanghai) */
    const char *event_title;   /* from the database when data lacks it; may be NULL */
    const char *name;          /* the recipient's display name; may be NULL */
    const char *public_url;    /* the web client, for links */
};

struct tmpl_out {
    char *subject, *text, *html; /* malloc'd */
};

void tmpl_render(const struct tmpl_in *in, struct tmpl_out *out);
void tmpl_out_free(struct tmpl_out *out);

/* Transactional kinds (registration.*, meeting.*, reminder): no List-Unsubscribe. */
bool tmpl_transactional(const char *type);
/* Whether the type's mail carries an .ics (registration.*, meeting.*). */
bool tmpl_has_calendar(const char *type);

#endif
