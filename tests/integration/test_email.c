/* Notification e-mail against a real summitd, MariaDB, Redis and SMTP server (Debian's aiosmtpd
 * of scripts/services.sh, writing every message it accepts into the Maildir var/mail/new): outbox
 * rows are delivered once, with the recipient's address, a subject in the recipient's language,
 * text and HTML parts, the .ics (and ticket) of a registration, List-Unsubscribe only on what is
 * not transactional; a promotion naming only its session carries the recipient's own .ics and
 * ticket; a recipient that is gone -> dead at once; two instances dispatching the same 200 rows send each
 * once. The SMTP server down (retries, the attempt limit, the admin's dead letters) is
 * test_email_down.c: a binary of its own, since stopping the shared server mid-delivery may make
 * a parallel test's message arrive twice (at-least-once).
 *
 * The outbox rows are written here with SQL, as notify_emit() writes them (the producers have
 * their own tests). Every summitd of this binary dispatches with a short backoff. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>

#include "tests/integration/ev_fixtures.h"
#include "tests/integration/mail_fixtures.h"

#define SUITE_SETS                                                                                 \
    "notify_max_attempts=6", "notify_backoff_ms=300", "notify_backoff_max_s=2",                    \
        "notify_poll_ms=100", "public_url=http://summitd.test"

IT_SUITE(email, 240, SUITE_SETS);

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
    /* Everything is read before any assertion: a failed one ends the test process, and the
     * second instance must not outlive it. */
    bool sent = it_wait(all_sent, prefix, 120000);
    long long nsent = it_sql_i64("SELECT COUNT(*) FROM outbox WHERE msg_id LIKE '%s-%%' AND"
                                 " status = 'sent'",
                                 prefix);
    int count[MANY] = {0};
    count_ids(prefix, count);
    struct it_resp *r = it_http(two, "GET", "/metrics", NULL, NULL, NULL);
    bool metrics = strstr(r->body, "summitd_notify_sent_total{channel=\"email\"}") &&
                   strstr(r->body, "summitd_notify_pending{channel=\"email\"}") &&
                   strstr(r->body, "summitd_notify_oldest_due_seconds");
    it_resp_free(r);
    int stopped = it_stop(two);
    cr_assert(sent, "not all sent: %lld", nsent);
    for (int i = 0; i < MANY; i++)
        cr_assert_eq(count[i], 1, "row %d was sent %d times", i, count[i]);
    /* the counters of both instances are there */
    cr_assert(metrics, "the second instance's /metrics lacks the notify counters");
    cr_assert_eq(stopped, 0);
    free(tok);
}
