/* The SMTP server down, against a real summitd, MariaDB, Redis and SMTP server: rows are retried
 * with backoff while it is away and delivered once it is back; the attempt limit dead-letters a
 * row; the admin lists dead letters and sends one again. A binary of its own: it stops the
 * shared SMTP server, which no other test may be using at that moment (a message cut off after
 * the server took it would arrive twice, as at-least-once delivery allows). */
#include "tests/integration/mail_fixtures.h"

IT_SUITE(email_down, 240, "notify_max_attempts=6", "notify_backoff_ms=300",
         "notify_backoff_max_s=2", "notify_poll_ms=100", "public_url=http://summitd.test");

Test(email_down, smtp_down_retried_then_delivered_and_dead_letters_retried_by_the_admin)
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

