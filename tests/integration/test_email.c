/* Notification e-mail against a real summitd, MariaDB, Redis and SMTP server (Debian's aiosmtpd
 * of scripts/services.sh, writing every message it accepts into the Maildir var/mail/new): outbox
 * rows are delivered once, with the recipient's address, a subject in the recipient's language,
 * text and HTML parts, the .ics (and ticket) of a registration, List-Unsubscribe only on what is
 * not transactional; the SMTP server down -> retried with backoff, delivered once it is back;
 * the attempt limit or a recipient that is gone -> dead, listed and retried by the admin API;
 * two instances dispatching the same 200 rows send each once.
 *
 * The outbox rows are written here with SQL, as notify_emit() writes them (the producers have
 * their own tests). Every summitd of this binary dispatches with a short backoff, so that the
 * test that stops the SMTP server for a moment delays the others' mail without losing it. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>

#include "server/crypto.h"
#include "tests/integration/ev_fixtures.h"

#define SUITE_SETS                                                                                 \
    "notify_max_attempts=6", "notify_backoff_ms=300", "notify_backoff_max_s=2",                    \
        "notify_poll_ms=100", "public_url=http://summitd.test"

IT_SUITE(email, 240, SUITE_SETS);

/* ---- outbox rows and the Maildir ---- */

/* A new pending e-mail row; returns its id. msg_id is written into mid (64 bytes). */
static int64_t put_row(int64_t user, const char *type, int64_t event, const char *data,
                       int attempts, char *mid)
{
    it_unique(mid, 64, "m");
    char *esc = malloc(strlen(data) * 2 + 1), *q = esc;
    for (const char *p = data; *p; p++) {
        if (*p == '\'' || *p == '\\')
            *q++ = '\\';
        *q++ = *p;
    }
    *q = '\0';
    int64_t id = it_sql_i64(
        "INSERT INTO outbox (msg_id, channel, type, user_id, event_id, payload, status, attempts,"
        " next_at, created_at) VALUES ('%s', 'email', '%s', %lld, %s, '{\"type\":\"%s\",\"data\":%s}',"
        " 'pending', %d, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)); SELECT LAST_INSERT_ID()",
        mid, type, (long long)user, event ? "0" : "NULL", type, esc, attempts);
    if (event)
        free(it_sql("UPDATE outbox SET event_id = %lld WHERE id = %lld", (long long)event,
                    (long long)id));
    free(esc);
    return id;
}

struct row_wait {
    int64_t id;
    const char *status;
    int min_attempts;
};

static bool row_is(void *arg)
{
    struct row_wait *w = arg;
    return it_sql_i64("SELECT COUNT(*) FROM outbox WHERE id = %lld AND status = '%s' AND"
                      " attempts >= %d",
                      (long long)w->id, w->status, w->min_attempts) == 1;
}

static void wait_row(int64_t id, const char *status, int min_attempts, const char *what)
{
    struct row_wait w = {id, status, min_attempts};
    cr_assert(it_wait(row_is, &w, 60000), "%s: outbox %lld never became %s (attempts >= %d): %s",
              what, (long long)id, status, min_attempts,
              it_sql("SELECT status, attempts, last_error FROM outbox WHERE id = %lld",
                     (long long)id));
}

/* The one message with this msg_id (asserts exactly one); caller frees. */
static char *the_mail(const char *mid)
{
    char needle[128], *m = NULL;
    snprintf(needle, sizeof(needle), "Message-ID: <%s@test.example>", mid);
    size_t n = it_mails(needle, &m);
    cr_assert_eq(n, 1, "%zu messages with %s in %s", n, needle, it_maildir());
    return m;
}

/* The header's value, unfolded, with RFC 2047 B words of UTF-8 decoded (buf: len bytes). */
static const char *header(const char *mail, const char *name, char *buf, size_t len)
{
    char key[64];
    snprintf(key, sizeof(key), "\n%s: ", name);
    const char *p = strstr(mail, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t n = 0;
    while (*p && n + 1 < len) {
        if (*p == '\r' || *p == '\n') {
            const char *q = p + (*p == '\r' && p[1] == '\n' ? 2 : 1);
            if (*q != ' ' && *q != '\t')
                break;
            p = q + 1;
            continue;
        }
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *e = strstr(p + 10, "?=");
            cr_assert_not_null(e);
            long k = crypto_b64_decode(p + 10, (size_t)(e - p - 10), (unsigned char *)buf + n,
                                       len - n - 1);
            cr_assert(k >= 0, "bad encoded-word in %s", name);
            n += (size_t)k;
            p = e + 2;
            continue;
        }
        buf[n++] = *p++;
    }
    buf[n] = '\0';
    return buf;
}

/* Every physical line of the message is at most 998 octets, and at most 76 in the headers and in
 * the encoded bodies (base64 / quoted-printable). */
static void check_lines(const char *mail)
{
    size_t line = 0;
    for (const char *p = mail; *p; p++) {
        if (*p == '\n') {
            line = 0;
            continue;
        }
        if (*p != '\r')
            line++;
        cr_assert(line <= 998, "a line over 998 octets");
    }
    /* aiosmtpd adds X-Peer / X-MailFrom / X-RcptTo headers of its own: check ours only */
    const char *body = strstr(mail, "\n\n") ? strstr(mail, "\n\n") : strstr(mail, "\r\n\r\n");
    cr_assert_not_null(body);
    const char *s = strstr(mail, "Subject:");
    cr_assert_not_null(s);
    for (const char *p = s; p < body;) {
        const char *e = strchr(p, '\n');
        size_t n = (size_t)(e - p) - (e > p && e[-1] == '\r');
        cr_assert(n <= 76 || strncmp(p, "X-", 2) == 0, "a header line of %zu > 76: %.*s", n,
                  (int)n, p);
        p = e + 1;
    }
}

/* The decoded content of the part whose Content-Type starts with `type`; caller frees. */
static char *part(const char *mail, const char *type)
{
    char key[96];
    snprintf(key, sizeof(key), "Content-Type: %s", type);
    const char *p = strstr(mail, key);
    if (!p)
        return NULL;
    bool b64 = false;
    const char *hdr_end = strstr(p, "\n\n");
    const char *crlf_end = strstr(p, "\r\n\r\n");
    if (!hdr_end || (crlf_end && crlf_end < hdr_end))
        hdr_end = crlf_end;
    const char *cte = strstr(p, "Content-Transfer-Encoding: base64");
    b64 = cte && cte < hdr_end;
    const char *body = hdr_end + (hdr_end == crlf_end ? 4 : 2);
    const char *end = strstr(body, "--=_");
    size_t len = end ? (size_t)(end - body) : strlen(body);
    char *out = calloc(1, len + 1);
    if (b64) {
        char *clean = calloc(1, len + 1);
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (body[i] != '\r' && body[i] != '\n')
                clean[k++] = body[i];
        long n = crypto_b64_decode(clean, k, (unsigned char *)out, len);
        cr_assert(n >= 0, "a bad base64 part %s", type);
        out[n] = '\0';
        free(clean);
    } else { /* quoted-printable */
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            if (body[i] == '=' && i + 2 < len && body[i + 1] == '\r' && body[i + 2] == '\n') {
                i += 2;
            } else if (body[i] == '=' && i + 1 < len && body[i + 1] == '\n') {
                i += 1;
            } else if (body[i] == '=' && i + 2 < len) {
                char h[3] = {body[i + 1], body[i + 2], 0};
                out[k++] = (char)strtol(h, NULL, 16);
                i += 2;
            } else {
                out[k++] = body[i];
            }
        }
        out[k] = '\0';
    }
    return out;
}

/* ---- tests ---- */

/* A user with a confirmed registration in a session of a published event; *reg gets its id. */
static int64_t registered_user(const char *locale, int64_t *reg, int64_t *event, char **email)
{
    char *org = it_organizer(srv, NULL);
    int64_t ev = ev_event(srv, org, "人工智能产业峰会", true);
    int64_t sid = ev_session(srv, org, ev, 10, true, "");
    int64_t uid;
    char *tok = it_user(srv, "attendee", &uid);
    struct it_resp *r = ev_register(srv, tok, sid, NULL);
    cr_assert_eq(r->status, 201, "%s", r->body);
    *reg = (int64_t)it_jnum(r, "id");
    it_resp_free(r);
    if (locale)
        free(it_sql("UPDATE users SET locale = '%s' WHERE id = %lld", locale, (long long)uid));
    *email = it_sql("SELECT email FROM users WHERE id = %lld", (long long)uid);
    *event = ev;
    free(org);
    free(tok);
    return uid;
}

static void check_registration_mail(const char *locale, const char *subject_prefix)
{
    int64_t reg, ev;
    char *email;
    int64_t uid = registered_user(locale, &reg, &ev, &email);
    char data[512], mid[64], buf[1024];
    snprintf(data, sizeof(data),
             "{\"registration\":{\"id\":%lld,\"status\":\"confirmed\"},\"session\":{\"title\":"
             "\"AI 论坛 session\",\"starts_at\":\"2031-05-20T01:00:00Z\",\"room\":\"A1\"},"
             "\"event\":{\"title\":\"人工智能产业峰会\",\"time_zone\":\"Asia/Shanghai\"}}",
             (long long)reg);
    int64_t id = put_row(uid, "registration.confirmed", ev, data, 0, mid);
    wait_row(id, "sent", 1, "a registration mail");
    char *m = the_mail(mid);
    check_lines(m);
    cr_assert_str_eq(header(m, "To", buf, sizeof(buf)), email);
    cr_assert_str_eq(header(m, "X-Summitd-Notification", buf, sizeof(buf)),
                     "registration.confirmed");
    header(m, "Subject", buf, sizeof(buf));
    cr_assert(strncmp(buf, subject_prefix, strlen(subject_prefix)) == 0, "subject '%s'", buf);
    cr_assert(strstr(buf, "AI 论坛 session"), "subject '%s'", buf);
    cr_assert_null(header(m, "List-Unsubscribe", buf, sizeof(buf)), "transactional");
    cr_assert(strstr(m, "multipart/alternative"));
    char *text = part(m, "text/plain"), *html = part(m, "text/html");
    cr_assert_not_null(text);
    cr_assert_not_null(html);
    /* 2031-05-20T01:00Z in Asia/Shanghai (the event's zone) is 09:00 */
    cr_assert(strstr(text, "09:00"), "the local time in: %s", text);
    cr_assert(strstr(html, "<p>") && strstr(html, "09:00"), "%s", html);
    char *ics = part(m, "text/calendar; charset=utf-8; method=REQUEST");
    cr_assert_not_null(ics, "the .ics attachment");
    char uid_line[80];
    snprintf(uid_line, sizeof(uid_line), "UID:registration-%lld@summitd", (long long)reg);
    cr_assert(strstr(ics, "METHOD:REQUEST") && strstr(ics, uid_line), "%s", ics);
    /* the same UID as the agenda's */
    char *ticket = part(m, "image/svg+xml");
    cr_assert(ticket && strstr(ticket, "<svg"), "the ticket");
    free(ticket);
    free(ics);
    free(text);
    free(html);
    free(m);
    free(email);
}

Test(email, a_registration_mail_in_chinese_by_default)
{
    check_registration_mail(NULL, "报名成功：");
}

Test(email, a_registration_mail_in_english_for_an_english_user)
{
    check_registration_mail("en", "Registration confirmed: ");
}

/* A promotion notice goes to several registrants at once and names the session, not each one's
 * registration: the mail still carries the recipient's own calendar entry and ticket. */
Test(email, a_promotion_naming_only_the_session_carries_the_own_ics_and_ticket)
{
    int64_t reg, ev;
    char *email;
    int64_t uid = registered_user(NULL, &reg, &ev, &email);
    int64_t sid = it_sql_i64("SELECT session_id FROM registrations WHERE id = %lld", (long long)reg);
    char data[256], mid[64], buf[512];
    snprintf(data, sizeof(data),
             "{\"session\":{\"id\":%lld,\"title\":\"AI 论坛 session\"},\"registration\":"
             "{\"status\":\"confirmed\"}}",
             (long long)sid);
    int64_t id = put_row(uid, "registration.promoted", ev, data, 0, mid);
    wait_row(id, "sent", 1, "a promotion mail");
    char *m = the_mail(mid);
    header(m, "Subject", buf, sizeof(buf));
    cr_assert(strncmp(buf, "候补成功", strlen("候补成功")) == 0, "%s", buf);
    char *ics = part(m, "text/calendar; charset=utf-8; method=REQUEST");
    char uid_line[80];
    snprintf(uid_line, sizeof(uid_line), "UID:registration-%lld@summitd", (long long)reg);
    cr_assert(ics && strstr(ics, uid_line), "the own registration's UID: %s", ics ? ics : "none");
    char *ticket = part(m, "image/svg+xml");
    cr_assert(ticket && strstr(ticket, "<svg"), "the ticket");
    free(ticket);
    free(ics);
    free(m);
    free(email);
}

Test(email, not_transactional_mail_has_list_unsubscribe_and_no_calendar)
{
    int64_t uid;
    char *tok = it_user(srv, "enterprise", &uid), mid[64], buf[512];
    int64_t id = put_row(uid, "match.mutual", 0,
                         "{\"projects\":[{\"title\":\"智能质检\"},{\"title\":"
                         "\"工业视觉 <平台>\",\"organization_name\":\"视觉公司\"}]}",
                         0, mid);
    wait_row(id, "sent", 1, "a match mail");
    char *m = the_mail(mid);
    check_lines(m);
    cr_assert_str_eq(header(m, "List-Unsubscribe", buf, sizeof(buf)),
                     "<http://summitd.test/#/me/notifications>");
    header(m, "Subject", buf, sizeof(buf));
    cr_assert_str_eq(buf, "双向匹配：工业视觉 <平台>");
    cr_assert_null(strstr(m, "text/calendar"));
    char *html = part(m, "text/html");
    cr_assert(strstr(html, "工业视觉 &lt;平台&gt;"), "escaped in HTML: %s", html);
    free(html);
    free(m);
    free(tok);
}

Test(email, a_recipient_that_is_gone_is_dead_at_once)
{
    char mid[64];
    int64_t id = put_row(999999999999LL, "match.mutual", 0, "{}", 0, mid);
    wait_row(id, "dead", 1, "no such user");
    cr_assert_eq(it_sql_i64("SELECT attempts FROM outbox WHERE id = %lld", (long long)id), 1);
    char *err = it_sql("SELECT last_error FROM outbox WHERE id = %lld", (long long)id);
    cr_assert(strstr(err, "no user"), "%s", err);
    free(err);
}

static bool in_list(const struct it_resp *r, int64_t id)
{
    const cJSON *items = cJSON_GetObjectItem(r->json, "items"), *it;
    cJSON_ArrayForEach(it, items)
    {
        if ((int64_t)cJSON_GetObjectItem(it, "id")->valuedouble == id)
            return true;
    }
    return false;
}

Test(email, smtp_down_retried_then_delivered_and_dead_letters_retried_by_the_admin)
{
    if (it_skip_on_cluster("stops the shared SMTP server"))
        return;
    int64_t uid;
    char *tok = it_user(srv, "attendee", &uid), *admin = it_admin(srv);
    char a_mid[64], b_mid[64], path[96];
    cr_assert_eq(it_sh("scripts/services.sh stop-smtp"), 0);
    int64_t a = put_row(uid, "reminder", 0, "{\"title\":\"路演彩排\"}", 0, a_mid);
    /* one attempt left before the limit (notify_max_attempts=6) */
    int64_t b = put_row(uid, "reminder", 0, "{\"title\":\"最后一次\"}", 5, b_mid);
    wait_row(a, "pending", 2, "retried while the server is down");
    wait_row(b, "dead", 6, "the attempt limit");
    /* backoff: after a failure the row is not due at once */
    char *err = it_sql("SELECT last_error FROM outbox WHERE id = %lld", (long long)a);
    cr_assert(strstr(err, "smtp"), "%s", err);
    free(err);
    cr_assert_eq(it_mails(a_mid, NULL), 0);
    cr_assert_eq(it_sh("scripts/services.sh start-smtp >/dev/null"), 0);
    wait_row(a, "sent", 3, "delivered once the server is back");
    free(the_mail(a_mid));
    cr_assert_eq(it_mails(b_mid, NULL), 0, "a dead row is not sent");

    /* the dead letter: listed for the admin only, retried once */
    it_expect(it_http(srv, "GET", "/api/v1/admin/outbox?status=dead", tok, NULL, NULL), 403, NULL,
              "not an admin");
    it_expect(it_http(srv, "GET", "/api/v1/admin/outbox?status=lost", admin, NULL, NULL), 400,
              "status", "an unknown status");
    struct it_resp *r = it_http(srv, "GET", "/api/v1/admin/outbox?status=dead", admin, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert(in_list(r, b), "the dead row is listed: %s", r->body);
    cr_assert(!in_list(r, a));
    it_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/admin/outbox/%lld/retry", (long long)a);
    r = it_http(srv, "POST", path, admin, NULL, NULL);
    cr_assert_str_eq(it_jstr(r, "error.code"), "notification_not_dead");
    it_expect(r, 409, NULL, "a sent row");
    it_expect(it_http(srv, "POST", "/api/v1/admin/outbox/999999999999/retry", admin, NULL, NULL),
              404, NULL, "no such row");
    snprintf(path, sizeof(path), "/api/v1/admin/outbox/%lld/retry", (long long)b);
    it_expect(it_http(srv, "POST", path, tok, NULL, NULL), 403, NULL, "not an admin");
    r = it_http(srv, "POST", path, admin, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq((int)it_jnum(r, "attempts"), 0);
    it_resp_free(r);
    wait_row(b, "sent", 1, "the retried dead letter");
    free(the_mail(b_mid));
    free(tok);
    free(admin);
}

/* ---- two instances, 200 rows ---- */

#define MANY 200

/* Counts, per row, the messages whose Message-ID is <prefix-i@…>. */
static void count_ids(const char *prefix, int *count)
{
    DIR *d = opendir(it_maildir());
    cr_assert_not_null(d);
    struct dirent *e;
    char path[1024], line[512], want[96];
    snprintf(want, sizeof(want), "Message-ID: <%s-", prefix);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", it_maildir(), e->d_name);
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof(line), f)) {
            if (strncmp(line, want, strlen(want)) == 0) {
                int i = atoi(line + strlen(want));
                if (i >= 0 && i < MANY)
                    count[i]++;
                break;
            }
            if (line[0] == '\r' || line[0] == '\n')
                break; /* end of the header */
        }
        if (f)
            fclose(f);
    }
    closedir(d);
}

static bool all_sent(void *arg)
{
    return it_sql_i64("SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '%s-%%' AND status = 'sent'",
                      (const char *)arg) == MANY;
}

Test(email, two_instances_send_each_of_200_rows_once)
{
    static const char *const sets[] = {SUITE_SETS, NULL};
    struct it_server *two = it_start(sets);
    int64_t uid;
    char *tok = it_user(srv, "attendee", &uid), prefix[64];
    it_unique(prefix, sizeof(prefix), "many");
    /* all 200 in one statement: due together for both dispatchers */
    char *sql = malloc(MANY * 200 + 512);
    size_t n = (size_t)sprintf(sql, "INSERT INTO outbox (msg_id, channel, type, user_id, payload,"
                                    " next_at, created_at) VALUES ");
    for (int i = 0; i < MANY; i++)
        n += (size_t)sprintf(sql + n,
                             "%s('%s-%d', 'email', 'reminder', %lld, '{\"type\":\"reminder\","
                             "\"data\":{\"title\":\"第 %d 场\"}}', UTC_TIMESTAMP(3),"
                             " UTC_TIMESTAMP(3))",
                             i ? "," : "", prefix, i, (long long)uid, i);
    free(it_sql("%s", sql));
    free(sql);
    cr_assert(it_wait(all_sent, prefix, 120000), "not all sent: %lld",
              (long long)it_sql_i64("SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '%s-%%' AND"
                                    " status = 'sent'",
                                    prefix));
    int count[MANY] = {0};
    count_ids(prefix, count);
    for (int i = 0; i < MANY; i++)
        cr_assert_eq(count[i], 1, "row %d was sent %d times", i, count[i]);
    /* the counters of both instances are there */
    struct it_resp *r = it_http(two, "GET", "/metrics", NULL, NULL, NULL);
    cr_assert(strstr(r->body, "summitd_notify_sent_total{channel=\"email\"}") &&
                  strstr(r->body, "summitd_notify_pending{channel=\"email\"}") &&
                  strstr(r->body, "summitd_notify_oldest_due_seconds"),
              "%s", r->body);
    it_resp_free(r);
    cr_assert_eq(it_stop(two), 0);
    free(tok);
}
