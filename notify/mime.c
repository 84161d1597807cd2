#include "notify/mime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server/buf.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends base64 of data without line breaks. */
static void b64_raw(struct buf *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        buf_append(out, q, 4);
    }
}

void mime_base64(struct buf *out, const void *data, size_t len)
{
    const unsigned char *p = data;
    /* 57 input bytes are 76 characters */
    for (size_t i = 0; i < len; i += 57) {
        b64_raw(out, p + i, len - i < 57 ? len - i : 57);
        buf_puts(out, "\r\n");
    }
}

static bool plain_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x7f || (*p < 0x20 && *p != '\t'))
            return false;
    return strstr(s, "=?") == NULL;
}

/* The length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8)
        return 4;
    if (c >= 0xe0)
        return 3;
    if (c >= 0xc0)
        return 2;
    return 1;
}

/* Appends encoded-words for s, the current line being `col` characters long; returns the new
 * column. Each word takes whole UTF-8 characters and fits in the line (76) and in 75. */
static size_t encoded_words(struct buf *out, const char *s, size_t col)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    bool first = true;
    while (i < n || first) {
        if (!first) {
            buf_puts(out, "\r\n ");
            col = 1;
        } else if (col + 12 + 8 > MIME_LINE_MAX) { /* not even one character fits here */
            buf_puts(out, "\r\n ");
            col = 1;
        }
        first = false;
        size_t room = MIME_LINE_MAX - col;
        if (room > 75)
            room = 75;
        size_t max_bytes = (room - 12) / 4 * 3;
        size_t take = 0;
        while (i + take < n) {
            size_t cl = utf8_len(p[i + take]);
            if (i + take + cl > n)
                cl = n - i - take;
            if (take + cl > max_bytes)
                break;
            take += cl;
        }
        if (take == 0 && i < n) /* cannot happen with room >= 20; progress regardless */
            take = 1;
        buf_puts(out, "=?UTF-8?B?");
        b64_raw(out, p + i, take);
        buf_puts(out, "?=");
        col += 12 + (take + 2) / 3 * 4;
        i += take;
    }
    return col;
}

void mime_header(struct buf *out, const char *name, const char *value)
{
    buf_printf(out, "%s: ", name);
    size_t col = strlen(name) + 2;
    if (plain_ascii(value)) {
        /* fold at spaces to stay under 76 where the value allows; never over 998 */
        const char *p = value;
        while (*p) {
            size_t w = strcspn(p + 1, " ") + 1; /* up to the next space */
            if (col + w > MIME_LINE_MAX && col > strlen(name) + 2 && *p == ' ') {
                buf_puts(out, "\r\n");
                col = 0;
            }
            size_t chunk = w;
            while (chunk > 0) {
                size_t k = chunk < 990 - col ? chunk : 990 - col;
                buf_append(out, p, k);
                p += k;
                chunk -= k;
                col += k;
                if (chunk) {
                    buf_puts(out, "\r\n ");
                    col = 1;
                }
            }
        }
        buf_puts(out, "\r\n");
        return;
    }
    encoded_words(out, value, col);
    buf_puts(out, "\r\n");
}

void mime_qp(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
            continue;
        if (c == '\n') {
            buf_puts(out, "\r\n");
            col = 0;
            continue;
        }
        bool at_eol = i + 1 == len || s[i + 1] == '\n' || s[i + 1] == '\r';
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
        /* a leading '.' or "From " would be literal too; '.' is escaped against broken relays */
        if (c == '.' && col == 0)
            literal = false;
        size_t w = literal ? 1 : 3;
        /* a soft break leaves room for its '=' (the line is at most 76 with it) */
        if (col + w > MIME_LINE_MAX - 1) {
            buf_puts(out, "=\r\n");
            col = 0;
            if (c == '.')
                literal = false, w = 3;
        }
        if (literal) {
            buf_append(out, &s[i], 1);
        } else {
            char e[3] = {'=', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
        col += w;
    }
    if (col)
        buf_puts(out, "\r\n");
}

bool mime_prefer_base64(const char *s, size_t len)
{
    size_t high = 0;
    for (size_t i = 0; i < len; i++)
        high += (unsigned char)s[i] >= 0x80;
    return high * 5 > len; /* over 20% non-ASCII bytes: QP would triple them */
}

char *mime_date(int64_t t, char *buf)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(buf, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday % 7], tm.tm_mday,
             mo[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

bool mime_addr(const char *from, char *buf, size_t len)
{
    if (strpbrk(from, "\r\n"))
        return false;
    const char *lt = strrchr(from, '<');
    const char *s = from;
    size_t n = strlen(from);
    if (lt) {
        const char *gt = strchr(lt, '>');
        if (!gt)
            return false;
        s = lt + 1;
        n = (size_t)(gt - s);
    }
    while (n && *s == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    if (!n || n >= len || !memchr(s, '@', n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '<' || s[i] == '>' || s[i] == '\r' || s[i] == '\n' || !s[i])
            return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

void mime_html_escape(struct buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': buf_puts(out, "&amp;"); break;
        case '<': buf_puts(out, "&lt;"); break;
        case '>': buf_puts(out, "&gt;"); break;
        case '"': buf_puts(out, "&quot;"); break;
        case '\'': buf_puts(out, "&#39;"); break;
        case '\n': buf_puts(out, "<br>\r\n"); break;
        case '\r': break;
        default: buf_append(out, s, 1);
        }
    }
}

/* The From header: a non-ASCII display name as encoded-words, the address as it is. */
static void from_header(struct buf *out, const char *from)
{
    const char *lt = strrchr(from, '<');
    if (!lt || plain_ascii(from)) {
        mime_header(out, "From", from);
        return;
    }
    size_t n = (size_t)(lt - from);
    while (n && from[n - 1] == ' ')
        n--;
    char name[256];
    snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) - 1 ? n : sizeof(name) - 1), from);
    buf_puts(out, "From: ");
    size_t col = encoded_words(out, name, 6);
    if (col + 1 + strlen(lt) > MIME_LINE_MAX)
        buf_puts(out, "\r\n");
    buf_printf(out, " %s\r\n", lt);
}

static void text_part(struct buf *out, const char *type, const char *s)
{
    size_t len = strlen(s);
    bool b = mime_prefer_base64(s, len);
    buf_printf(out, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n\r\n",
               type, b ? "base64" : "quoted-printable");
    if (b) {
        /* base64 of the text with CRLF line ends (canonical form, RFC 2049) */
        struct buf crlf;
        buf_init(&crlf);
        for (size_t i = 0; i < len; i++) {
            if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
                buf_append(&crlf, "\r", 1);
            buf_append(&crlf, &s[i], 1);
        }
        mime_base64(out, crlf.p ? crlf.p : "", crlf.len);
        buf_deinit(&crlf);
    } else {
        mime_qp(out, s, len);
    }
}

void mime_build(struct buf *out, const struct mime_msg *m)
{
    char date[40];
    /* boundaries from the Message-ID's characters (stable per message; "=_" never in a body) */
    char id[48];
    size_t k = 0;
    for (const char *p = m->message_id; *p && k < sizeof(id) - 1; p++)
        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            id[k++] = *p;
    id[k] = '\0';
    mime_header(out, "Date", mime_date(m->date, date));
    from_header(out, m->from);
    mime_header(out, "To", m->to);
    mime_header(out, "Subject", m->subject);
    mime_header(out, "Message-ID", m->message_id);
    mime_header(out, "MIME-Version", "1.0");
    if (m->lang)
        mime_header(out, "Content-Language", m->lang);
    mime_header(out, "X-Summitd-Notification", m->type);
    mime_header(out, "Auto-Submitted", "auto-generated");
    if (m->list_unsubscribe) {
        char v[600];
        snprintf(v, sizeof(v), "<%s>", m->list_unsubscribe);
        mime_header(out, "List-Unsubscribe", v);
    }
    if (m->natt)
        buf_printf(out,
                   "Content-Type: multipart/mixed;\r\n boundary=\"=_m_%s\"\r\n\r\n"
                   "This is a MIME message.\r\n--=_m_%s\r\n",
                   id, id);
    buf_printf(out, "Content-Type: multipart/alternative;\r\n boundary=\"=_a_%s\"\r\n\r\n", id);
    if (!m->natt)
        buf_puts(out, "This is a MIME message.\r\n");
    buf_printf(out, "--=_a_%s\r\n", id);
    text_part(out, "text/plain", m->text);
    buf_printf(out, "--=_a_%s\r\n", id);
    text_part(out, "text/html", m->html);
    buf_printf(out, "--=_a_%s--\r\n", id);
    for (size_t i = 0; i < m->natt; i++) {
        const struct mime_attachment *a = &m->att[i];
        buf_printf(out,
                   "--=_m_%s\r\nContent-Type: %s;\r\n name=\"%s\"\r\n"
                   "Content-Disposition: attachment; filename=\"%s\"\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n",
                   id, a->content_type, a->filename, a->filename);
        mime_base64(out, a->data, a->len);
    }
    if (m->natt)
        buf_printf(out, "--=_m_%s--\r\n", id);
}
