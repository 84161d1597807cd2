#ifndef SUMMITD_NOTIFY_MIME_H
#define SUMMITD_NOTIFY_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An Internet Message Format (RFC 5322) + MIME (RFC 2045-2047) writer for notification e-mail:
 * pure functions appending to a struct buf, CRLF line ends, no line longer than 998 octets and no
 * header line with encoded-words or body line longer than MIME_LINE_MAX (76) characters.
 *
 *   - header values that are not plain ASCII become RFC 2047 "B" encoded-words of UTF-8, each at
 *     most 75 characters, split only between whole UTF-8 characters, folded one per line;
 *   - bodies are quoted-printable when mostly ASCII, base64 otherwise (CJK text), and
 *     attachments base64;
 *   - the message is multipart/alternative (text, HTML) inside multipart/mixed when it has
 *     attachments. Boundaries start with "=_", which neither encoding can produce. */

struct buf;

#define MIME_LINE_MAX 76

/* Appends "Name: value" CRLF, encoding and folding the value as above. */
void mime_header(struct buf *out, const char *name, const char *value);
/* Appends the quoted-printable form of s (a text: LF or CRLF are line breaks, written CRLF). */
void mime_qp(struct buf *out, const char *s, size_t len);
/* Appends base64 in lines of 76 characters, each ending in CRLF. */
void mime_base64(struct buf *out, const void *data, size_t len);
/* Whether a text is better sent base64 than quoted-printable (mostly non-ASCII). */
bool mime_prefer_base64(const char *s, size_t len);
/* RFC 5322 date of unix time t in UTC ("Sat, 05 Dec 2026 21:38:18 +0000") into buf (40 bytes). */
char *mime_date(int64_t t, char *buf);
/* The addr-spec of "Name <a@b>" or "a@b" into buf (at most len bytes); false when there is none
 * (no '@', or a character that cannot be in an SMTP path: space, <, >, CR, LF, NUL). */
bool mime_addr(const char *from, char *buf, size_t len);
/* Appends HTML-escaped text (& < > " '), newlines as <br>. */
void mime_html_escape(struct buf *out, const char *s);

struct mime_attachment {
    const char *content_type; /* e.g. "text/calendar; charset=utf-8; method=REQUEST" */
    const char *filename;     /* ASCII */
    const void *data;
    size_t len;
};

struct mime_msg {
    const char *from;             /* "summitd <noreply@example.com>"; a non-ASCII name is encoded */
    const char *to;               /* an address */
    const char *subject;          /* UTF-8 */
    const char *message_id;       /* "<id@host>" */
    int64_t date;                 /* unix seconds */
    const char *type;             /* X-Summitd-Notification */
    const char *list_unsubscribe; /* a URL, or NULL for a transactional message */
    const char *lang;             /* Content-Language: "zh-CN" / "en" */
    const char *text, *html;      /* UTF-8 */
    const struct mime_attachment *att;
    size_t natt;
};

/* Appends the whole message. */
void mime_build(struct buf *out, const struct mime_msg *m);

#endif
