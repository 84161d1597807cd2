/* Fixtures of the e-mail tests (test_email.c, test_email_down.c): outbox rows written with SQL
 * as notify_emit() writes them, waiting for a row's state, and reading the messages the SMTP
 * server of scripts/services.sh wrote into its Maildir (it_maildir). */
#ifndef SUMMITD_TESTS_MAIL_FIXTURES_H
#define SUMMITD_TESTS_MAIL_FIXTURES_H

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/crypto.h"
#include "tests/lib/it.h"

/* ---- outbox rows and the Maildir ---- */

/* A new pending e-mail row; returns its id. msg_id is written into mid (64 bytes). */
static inline int64_t put_row(int64_t user, const char *type, int64_t event, const char *data,
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

static inline bool row_is(void *arg)
{
    struct row_wait *w = arg;
    return it_sql_i64("SELECT COUNT(*) FROM outbox WHERE id = %lld AND status = '%s' AND"
                      " attempts >= %d",
                      (long long)w->id, w->status, w->min_attempts) == 1;
}

static inline void wait_row(int64_t id, const char *status, int min_attempts, const char *what)
{
    struct row_wait w = {id, status, min_attempts};
    cr_assert(it_wait(row_is, &w, 60000), "%s: outbox %lld never became %s (attempts >= %d): %s",
              what, (long long)id, status, min_attempts,
              it_sql("SELECT status, attempts, last_error FROM outbox WHERE id = %lld",
                     (long long)id));
}

/* The one message with this msg_id (asserts exactly one); caller frees. */
static inline char *the_mail(const char *mid)
{
    char needle[128], *m = NULL;
    snprintf(needle, sizeof(needle), "Message-ID: <%s@test.example>", mid);
    size_t n = it_mails(needle, &m);
    cr_assert_eq(n, 1, "%zu messages with %s in %s", n, needle, it_maildir());
    return m;
}

/* The header's value, unfolded, with RFC 2047 B words of UTF-8 decoded (buf: len bytes). */
static inline const char *header(const char *mail, const char *name, char *buf, size_t len)
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
static inline void check_lines(const char *mail)
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
static inline char *part(const char *mail, const char *type)
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

static inline bool in_list(const struct it_resp *r, int64_t id)
{
    const cJSON *items = cJSON_GetObjectItem(r->json, "items"), *it;
    cJSON_ArrayForEach(it, items)
    {
        if ((int64_t)cJSON_GetObjectItem(it, "id")->valuedouble == id)
            return true;
    }
    return false;
}

#endif
