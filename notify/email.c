#include "notify/email.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "handlers/agenda.h"
#include "handlers/tickets.h"
#include "notify/channel.h"
#include "notify/dispatch.h"
#include "notify/mime.h"
#include "notify/notify.h"
#include "notify/templates.h"
#include "server/app.h"
#include "server/buf.h"
#include "server/config.h"
#include "server/db.h"
#include "server/ics.h"
#include "server/timeutil.h"
#include "server/tz.h"

#define ZH_EN(lang, zh, en) ((lang) == LANG_ZH ? (zh) : (en))

static _Thread_local CURL *tl_curl;
static _Thread_local struct db *tl_own_db; /* outside a dispatcher thread */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void email_thread_end(void)
{
    if (tl_curl)
        curl_easy_cleanup(tl_curl);
    tl_curl = NULL;
    db_free(tl_own_db);
    tl_own_db = NULL;
}

/* The number at the first of two paths of data, 0 if none. */
static int64_t data_id(const cJSON *data, const char *a, const char *b)
{
    const char *paths[] = {a, b};
    for (int i = 0; i < 2; i++) {
        const cJSON *o = data;
        char key[48];
        const char *p = paths[i];
        while (o && *p) {
            size_t n = strcspn(p, ".");
            snprintf(key, sizeof(key), "%.*s", (int)n, p);
            o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
            p += n + (p[n] == '.');
        }
        if (cJSON_IsNumber(o) && o->valuedouble >= 1)
            return (int64_t)o->valuedouble;
    }
    return 0;
}

struct cal {
    struct buf ics;
    char *ticket; /* SVG or NULL */
    size_t ticket_len;
    const char *method;
};

static const char *cellz(const struct db_res *res, size_t col)
{
    const char *s = db_get(res, 0, col);
    return s ? s : "";
}

static void cal_event(struct cal *c, const char *method, const struct ics_event *ev,
                      const struct tz *z, enum lang lang)
{
    ics_begin_method(&c->ics, "-//summitd//notifications 1.0//EN",
                     ZH_EN(lang, "summitd 日程", "summitd agenda"), method);
    if (z)
        tz_vtimezone(&c->ics, z, ev->starts_at, ev->ends_at);
    ics_vevent(&c->ics, ev, time_now());
    ics_end(&c->ics);
    c->method = method;
}

/* The registration's calendar entry (and ticket when confirmed). */
enum { CR_STATUS, CR_CODE, CR_S_TITLE, CR_ROOM, CR_STARTS, CR_ENDS, CR_E_TITLE, CR_VENUE, CR_ZONE };
static int cal_registration(struct db *db, const struct outbox_row *row, int64_t reg_id,
                            const char *organizer, enum lang lang, struct cal *c)
{
    struct db_res res = {0};
    int rc = db_exec(db, &res,
                     "SELECT rg.status, rg.checkin_code, se.title, se.room, se.starts_at,"
                     " se.ends_at, e.title, e.venue, e.time_zone FROM registrations rg"
                     " JOIN sessions se ON se.id = rg.session_id JOIN events e ON e.id ="
                     " se.event_id WHERE rg.id = ? AND rg.user_id = ?",
                     "ii", reg_id, row->user_id);
    if (rc || !res.nrows) {
        db_res_clear(&res);
        return rc;
    }
    const char *status = cellz(&res, CR_STATUS);
    bool cancelled = strcmp(status, "cancelled") == 0 ||
                     strcmp(row->type, NOTIFY_REGISTRATION_CANCELLED) == 0;
    bool waiting = strcmp(status, "waitlisted") == 0;
    const struct tz *z = tz_get(*cellz(&res, CR_ZONE) ? cellz(&res, CR_ZONE) : TZ_DEFAULT);
    char *uid = agenda_uid("registration", reg_id);
    char *loc = *cellz(&res, CR_ROOM) ? xasprintf("%s%s%s", cellz(&res, CR_ROOM),
                                                  ZH_EN(lang, "，", ", "), cellz(&res, CR_VENUE))
                                      : xstrdup(cellz(&res, CR_VENUE));
    struct ics_event ev = {
        .uid = uid,
        .starts_at = db_get_time(&res, 0, CR_STARTS),
        .ends_at = db_get_time(&res, 0, CR_ENDS),
        .tz = z,
        .summary = cellz(&res, CR_S_TITLE),
        .location = loc,
        .description = cellz(&res, CR_E_TITLE),
        .categories = ZH_EN(lang, "报名场次", "registration"),
        .status = cancelled ? "CANCELLED" : waiting ? "TENTATIVE" : "CONFIRMED",
        .sequence = row->created_at,
        .organizer = organizer,
    };
    cal_event(c, cancelled ? "CANCEL" : "REQUEST", &ev, z, lang);
    if (strcmp(status, "confirmed") == 0 && !cancelled)
        c->ticket = tickets_qr_svg(cellz(&res, CR_CODE), &c->ticket_len);
    free(uid);
    free(loc);
    db_res_clear(&res);
    return 0;
}

enum { CM_STATUS, CM_STARTS, CM_ENDS, CM_TABLE, CM_E_TITLE, CM_VENUE, CM_ZONE, CM_A, CM_B };
static int cal_meeting(struct db *db, const struct outbox_row *row, int64_t meeting_id,
                       const char *organizer, enum lang lang, struct cal *c)
{
    struct db_res res = {0};
    int rc = db_exec(db, &res,
                     "SELECT m.status, ms.starts_at, ms.ends_at, m.table_no, e.title, e.venue,"
                     " e.time_zone, oa.name, ob.name FROM meetings m JOIN events e ON e.id ="
                     " m.event_id LEFT JOIN meeting_slots ms ON ms.id = m.slot_id"
                     " JOIN organizations oa ON oa.id = m.org_a"
                     " JOIN organizations ob ON ob.id = m.org_b WHERE m.id = ?",
                     "i", meeting_id);
    if (rc || !res.nrows || !db_get(&res, 0, CM_STARTS)) { /* cancelled: no slot, no times */
        db_res_clear(&res);
        return rc;
    }
    (void)row;
    bool cancelled = strcmp(cellz(&res, CM_STATUS), "cancelled") == 0;
    const struct tz *z = tz_get(*cellz(&res, CM_ZONE) ? cellz(&res, CM_ZONE) : TZ_DEFAULT);
    char *uid = agenda_uid("meeting", meeting_id);
    char *summary = xasprintf(ZH_EN(lang, "洽谈：%s × %s", "Meeting: %s x %s"), cellz(&res, CM_A),
                              cellz(&res, CM_B));
    char *loc = xasprintf(ZH_EN(lang, "%lld 号桌，%s", "Table %lld, %s"),
                          (long long)db_get_i64(&res, 0, CM_TABLE), cellz(&res, CM_VENUE));
    struct ics_event ev = {
        .uid = uid,
        .starts_at = db_get_time(&res, 0, CM_STARTS),
        .ends_at = db_get_time(&res, 0, CM_ENDS),
        .tz = z,
        .summary = summary,
        .location = loc,
        .description = cellz(&res, CM_E_TITLE),
        .categories = ZH_EN(lang, "洽谈", "meeting"),
        .status = cancelled ? "CANCELLED" : "CONFIRMED",
        .sequence = row->created_at,
        .organizer = organizer,
    };
    cal_event(c, cancelled ? "CANCEL" : "REQUEST", &ev, z, lang);
    free(uid);
    free(summary);
    free(loc);
    db_res_clear(&res);
    return 0;
}

/* The user's latest registration in a session (0 if none). */
static int own_registration(struct db *db, int64_t user, int64_t session, int64_t *id)
{
    *id = 0;
    if (!session)
        return 0;
    struct db_res res = {0};
    int rc = db_exec(db, &res,
                     "SELECT id FROM registrations WHERE user_id = ? AND session_id = ?"
                     " ORDER BY id DESC LIMIT 1",
                     "ii", user, session);
    if (!rc && res.nrows)
        *id = db_get_i64(&res, 0, 0);
    db_res_clear(&res);
    return rc;
}

/* A meeting notice names both organizations: adds data.counterpart {name} = the one the
 * recipient is not a member of (when that is clear). */
static int add_counterpart(struct db *db, int64_t user, cJSON *data)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(data, "meeting");
    cJSON *orgs = m ? cJSON_GetObjectItemCaseSensitive(m, "organizations") : NULL;
    if (!cJSON_IsArray(orgs) || cJSON_GetArraySize(orgs) != 2 ||
        cJSON_GetObjectItemCaseSensitive(data, "counterpart"))
        return 0;
    bool member[2] = {false, false};
    for (int i = 0; i < 2; i++) {
        cJSON *id = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(orgs, i), "id");
        if (!cJSON_IsNumber(id))
            return 0;
        struct db_res res = {0};
        int rc = db_exec(db, &res, "SELECT 1 FROM org_members WHERE org_id = ? AND user_id = ?",
                         "ii", (int64_t)id->valuedouble, user);
        member[i] = !rc && res.nrows > 0;
        db_res_clear(&res);
        if (rc)
            return rc;
    }
    if (member[0] == member[1])
        return 0; /* in both or neither: show both names */
    cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(orgs, member[0] ? 1 : 0),
                                                   "name");
    if (cJSON_IsString(name)) {
        cJSON *c = cJSON_AddObjectToObject(data, "counterpart");
        cJSON_AddStringToObject(c, "name", name->valuestring);
    }
    return 0;
}

static struct db *channel_db(struct app *app)
{
    struct db *db = dispatch_db();
    if (db)
        return db;
    if (!tl_own_db)
        tl_own_db = db_new(app->cfg);
    return tl_own_db;
}

enum { U_EMAIL, U_NAME, U_LOCALE };
enum { E_TITLE, E_ZONE };

int email_build(struct app *app, struct db *db, const struct outbox_row *row, struct buf *out,
                char *rcpt, size_t rcptlen, char *err, size_t errlen)
{
    const struct config *cfg = app->cfg;
    struct db_res u = {0}, e = {0};
    int result = DELIVER_RETRY;
    cJSON *payload = NULL;
    struct cal cal = {0};
    buf_init(&cal.ics);
    int rc = db_exec(db, &u, "SELECT email, display_name, locale FROM users WHERE id = ?", "i",
                     row->user_id);
    if (rc) {
        snprintf(err, errlen, "database: %d", rc);
        goto out;
    }
    if (!u.nrows || !mime_addr(cellz(&u, U_EMAIL), rcpt, rcptlen)) {
        snprintf(err, errlen, "no user %lld (or no usable address)", (long long)row->user_id);
        result = DELIVER_GIVE_UP;
        goto out;
    }
    enum lang lang = strncmp(cellz(&u, U_LOCALE), "en", 2) == 0 ? LANG_EN : LANG_ZH;
    payload = cJSON_Parse(row->payload);
    cJSON *data = payload ? cJSON_GetObjectItemCaseSensitive(payload, "data") : NULL;
    if (!cJSON_IsObject(data)) {
        snprintf(err, errlen, "the payload has no data object");
        result = DELIVER_GIVE_UP;
        goto out;
    }
    if (strncmp(row->type, "meeting.", 8) == 0 ||
        (strcmp(row->type, NOTIFY_REMINDER) == 0 &&
         cJSON_GetObjectItemCaseSensitive(data, "meeting"))) {
        if ((rc = add_counterpart(db, row->user_id, data)) != 0) {
            snprintf(err, errlen, "database: %d", rc);
            goto out;
        }
    }
    const struct tz *z = NULL;
    const char *event_title = NULL;
    if (row->event_id) {
        if ((rc = db_exec(db, &e, "SELECT title, time_zone FROM events WHERE id = ?", "i",
                          row->event_id)) != 0) {
            snprintf(err, errlen, "database: %d", rc);
            goto out;
        }
        if (e.nrows) {
            event_title = cellz(&e, E_TITLE);
            z = tz_get(cellz(&e, E_ZONE));
        }
    }
    char from_addr[320];
    if (!mime_addr(cfg->smtp_from, from_addr, sizeof(from_addr)))
        snprintf(from_addr, sizeof(from_addr), "noreply@summitd.local");
    char organizer[340];
    snprintf(organizer, sizeof(organizer), "mailto:%s", from_addr);
    if (tmpl_has_calendar(row->type)) {
        int64_t id = strncmp(row->type, "meeting.", 8) == 0
                         ? data_id(data, "meeting.id", "meeting_id")
                         : data_id(data, "registration.id", "registration_id");
        /* a notice to several registrants (promotions) names the session, not each one's
         * registration: the recipient's own in that session */
        if (!id && strncmp(row->type, "registration.", 13) == 0 &&
            (rc = own_registration(db, row->user_id, data_id(data, "session.id", "session_id"),
                                   &id)) != 0) {
            snprintf(err, errlen, "database: %d", rc);
            goto out;
        }
        rc = !id ? 0
             : strncmp(row->type, "meeting.", 8) == 0
                 ? cal_meeting(db, row, id, organizer, lang, &cal)
                 : cal_registration(db, row, id, organizer, lang, &cal);
        if (rc) {
            snprintf(err, errlen, "database: %d", rc);
            goto out;
        }
    }
    struct tmpl_in in = {
        .type = row->type,
        .lang = lang,
        .data = data,
        .tz = z,
        .event_title = event_title,
        .name = cellz(&u, U_NAME),
        .public_url = cfg->public_url,
    };
    struct tmpl_out t;
    tmpl_render(&in, &t);
    const char *host = strchr(from_addr, '@') + 1;
    char msgid[400], unsub[600];
    snprintf(msgid, sizeof(msgid), "<%s@%s>", row->msg_id, host);
    snprintf(unsub, sizeof(unsub), "%s/#/me/notifications", cfg->public_url);
    struct mime_attachment att[2];
    size_t natt = 0;
    char ctype[80];
    if (cal.ics.len) {
        snprintf(ctype, sizeof(ctype), "text/calendar; charset=utf-8; method=%s", cal.method);
        att[natt++] = (struct mime_attachment){ctype, "invite.ics", cal.ics.p, cal.ics.len};
    }
    if (cal.ticket)
        att[natt++] = (struct mime_attachment){"image/svg+xml", "ticket.svg", cal.ticket,
                                               cal.ticket_len};
    struct mime_msg m = {
        .from = cfg->smtp_from,
        .to = rcpt,
        .subject = t.subject,
        .message_id = msgid,
        .date = time_now(),
        .type = row->type,
        .list_unsubscribe = tmpl_transactional(row->type) ? NULL : unsub,
        .lang = lang == LANG_ZH ? "zh-CN" : "en",
        .text = t.text,
        .html = t.html,
        .att = att,
        .natt = natt,
    };
    mime_build(out, &m);
    tmpl_out_free(&t);
    result = DELIVER_OK;
out:
    cJSON_Delete(payload);
    buf_deinit(&cal.ics);
    free(cal.ticket);
    db_res_clear(&u);
    db_res_clear(&e);
    return result;
}

struct reader {
    const char *p;
    size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t n, void *arg)
{
    struct reader *r = arg;
    size_t k = size * n < r->left ? size * n : r->left;
    memcpy(dst, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

/* On shutdown: a transfer that has not sent any of the message yet is aborted at once (the row
 * is released, nothing was delivered); one that has is given EMAIL_FINISH_US more to complete, so
 * that a message the server may already have taken is not cut off before its reply (which would
 * deliver it twice). Non-zero aborts the transfer. */
#define EMAIL_FINISH_US 5000000
static _Thread_local int64_t tl_stop_seen;
static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)arg, (void)dltotal, (void)dlnow, (void)ultotal;
    if (!dispatch_stopping())
        return 0;
    if (ulnow == 0)
        return 1;
    if (!tl_stop_seen)
        tl_stop_seen = time_mono_us();
    return time_mono_us() - tl_stop_seen > EMAIL_FINISH_US;
}

enum deliver_result email_deliver(struct app *app, const struct outbox_row *row, char *err,
                                  size_t errlen)
{
    const struct config *cfg = app->cfg;
    if (!*cfg->smtp_url) {
        snprintf(err, errlen, "smtp_url is not set");
        return DELIVER_RETRY;
    }
    struct buf msg;
    buf_init(&msg);
    char rcpt[320];
    int br = email_build(app, channel_db(app), row, &msg, rcpt, sizeof(rcpt), err, errlen);
    if (br != DELIVER_OK) {
        buf_deinit(&msg);
        return (enum deliver_result)br;
    }
    pthread_once(&curl_once, curl_init_once);
    if (!tl_curl)
        tl_curl = curl_easy_init();
    CURL *c = tl_curl;
    if (!c) {
        buf_deinit(&msg);
        snprintf(err, errlen, "curl_easy_init failed");
        return DELIVER_RETRY;
    }
    char from_addr[320], from_path[330], to_path[330];
    if (!mime_addr(cfg->smtp_from, from_addr, sizeof(from_addr)))
        snprintf(from_addr, sizeof(from_addr), "noreply@summitd.local");
    snprintf(from_path, sizeof(from_path), "<%s>", from_addr);
    snprintf(to_path, sizeof(to_path), "<%s>", rcpt);
    struct curl_slist *to = curl_slist_append(NULL, to_path);
    struct reader rd = {msg.p, msg.len};
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c); /* keeps the connection cache */
    curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_path);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->smtp_timeout_s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->smtp_timeout_s * 3);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    long tls = strcmp(cfg->smtp_starttls, "required") == 0 ? CURLUSESSL_ALL
               : strcmp(cfg->smtp_starttls, "try") == 0    ? CURLUSESSL_TRY
                                                           : CURLUSESSL_NONE;
    curl_easy_setopt(c, CURLOPT_USE_SSL, tls);
    if (*cfg->smtp_user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
    }
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        dispatch_note_aborted();
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(to);
    buf_deinit(&msg);
    if (cc == CURLE_OK)
        return DELIVER_OK;
    snprintf(err, errlen, "smtp: %s (%ld)%s%s", curl_easy_strerror(cc), code, *ebuf ? ": " : "",
             ebuf);
    /* the server refused for good (550 no such mailbox, 553 bad address) */
    if (code >= 500 && code < 600 && cc != CURLE_ABORTED_BY_CALLBACK)
        return DELIVER_GIVE_UP;
    /* a broken kept connection: drop it, the next attempt connects anew */
    curl_easy_cleanup(c);
    tl_curl = NULL;
    return DELIVER_RETRY;
}
