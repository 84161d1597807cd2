/* The notification e-mail writer (notify/mime.c): RFC 2047 encoded-words of CJK text that decode
 * back, stay within 75 characters each and 76 per line, and never split a UTF-8 character;
 * quoted-printable and base64 bodies within 76 characters that decode back; the whole message's
 * lines; the templates' language and escaping; the dispatcher's backoff. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/dispatch.h"
#include "notify/mime.h"
#include "notify/templates.h"
#include "server/buf.h"
#include "server/crypto.h"

/* Every line of b (CRLF each) is at most max characters; returns the number of lines. */
static size_t check_lines(const struct buf *b, size_t max)
{
    size_t pos = 0, n = 0;
    while (pos < b->len) {
        const char *eol = memmem(b->p + pos, b->len - pos, "\r\n", 2);
        cr_assert_not_null(eol, "every line ends with CRLF");
        size_t len = (size_t)(eol - (b->p + pos));
        cr_assert_leq(len, max, "a line of %zu: %.*s", len, (int)len, b->p + pos);
        pos += len + 2;
        n++;
    }
    return n;
}

static bool utf8_start(unsigned char c)
{
    return (c & 0xC0) != 0x80;
}

/* Decodes a header written by mime_header: unfolds, decodes each B word (asserting it is whole
 * UTF-8 and at most 75 characters). Caller frees. */
static char *decode_header(const struct buf *b, const char *name)
{
    size_t nl = strlen(name) + 2;
    cr_assert(strncmp(b->p, name, nl - 2) == 0);
    char *out = calloc(1, b->len * 2 + 1);
    size_t n = 0;
    const char *p = b->p + nl;
    while (*p) {
        if (p[0] == '\r' && p[1] == '\n') {
            p += 2;
            if (*p == ' ')
                p++;
            continue;
        }
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *e = strstr(p + 10, "?=");
            cr_assert_not_null(e);
            cr_assert_leq((size_t)(e + 2 - p), 75, "an encoded-word over 75 characters");
            unsigned char word[128];
            long k = crypto_b64_decode(p + 10, (size_t)(e - p - 10), word, sizeof(word));
            cr_assert(k > 0);
            cr_assert(utf8_start(word[0]), "a word starts inside a character");
            /* and ends at a whole character: the next word's first byte is a start byte */
            memcpy(out + n, word, (size_t)k);
            n += (size_t)k;
            p = e + 2;
            continue;
        }
        out[n++] = *p++;
    }
    return out;
}

Test(mime, cjk_subject_encoded_words_decode_back_within_limits)
{
    const char *subjects[] = {
        "报名成功：人工智能产业峰会·大模型应用论坛（上午场）",
        "候补成功，报名已确认：2026 成都国际人工智能与机器人产业博览会暨高峰论坛开幕式主论坛"
        "及各分论坛合集",
        "Registration confirmed: AI 论坛 session",
        "emoji 🚀 and 中文 mixed with a long English tail that goes on and on and on",
        "a=?b?= lookalike",
    };
    for (size_t i = 0; i < sizeof(subjects) / sizeof(*subjects); i++) {
        struct buf b;
        buf_init(&b);
        mime_header(&b, "Subject", subjects[i]);
        check_lines(&b, MIME_LINE_MAX);
        char *back = decode_header(&b, "Subject");
        /* strip the CRLF the header ends in */
        size_t l = strlen(back);
        while (l && (back[l - 1] == '\n' || back[l - 1] == '\r'))
            back[--l] = '\0';
        cr_assert_str_eq(back, subjects[i]);
        free(back);
        buf_deinit(&b);
    }
}

Test(mime, every_word_holds_whole_characters)
{
    /* 3-byte characters: a word of 45 bytes holds 15; none is split */
    struct buf b;
    buf_init(&b);
    char s[600] = "";
    for (int i = 0; i < 100; i++)
        strcat(s, "中");
    mime_header(&b, "Subject", s);
    const char *p = b.p;
    while ((p = strstr(p, "=?UTF-8?B?"))) {
        const char *e = strstr(p, "?=");
        unsigned char w[128];
        long k = crypto_b64_decode(p + 10, (size_t)(e - p - 10), w, sizeof(w));
        cr_assert_eq(k % 3, 0, "a word of %ld bytes splits a character", k);
        p = e;
    }
    buf_deinit(&b);
}

Test(mime, ascii_headers_stay_as_they_are)
{
    struct buf b;
    buf_init(&b);
    mime_header(&b, "To", "someone@example.com");
    cr_assert_str_eq(b.p, "To: someone@example.com\r\n");
    buf_deinit(&b);
    /* a header injection attempt is encoded, not a new header line */
    buf_init(&b);
    mime_header(&b, "Subject", "hi\r\nBcc: victim@example.com");
    cr_assert_null(strstr(b.p, "\r\nBcc:"));
    buf_deinit(&b);
}

static char *qp_decode(const char *s)
{
    char *out = calloc(1, strlen(s) + 1);
    size_t n = 0;
    for (const char *p = s; *p;) {
        if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
            p += 3;
        } else if (p[0] == '=') {
            char h[3] = {p[1], p[2], 0};
            out[n++] = (char)strtol(h, NULL, 16);
            p += 3;
        } else if (p[0] == '\r' && p[1] == '\n') {
            out[n++] = '\n';
            p += 2;
        } else {
            out[n++] = *p++;
        }
    }
    return out;
}

Test(mime, quoted_printable_within_76_and_back)
{
    const char *text = "您好：\n"
                       ".a line that starts with a dot and a = sign, then a very long line of"
                       " text that must be soft-broken somewhere before seventy-six characters "
                       "\n"
                       "trailing space \n"
                       "中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文";
    struct buf b;
    buf_init(&b);
    mime_qp(&b, text, strlen(text));
    check_lines(&b, MIME_LINE_MAX);
    cr_assert_null(strstr(b.p, " \r\n"), "no trailing space before a line break");
    cr_assert_null(strstr(b.p, "\r\n."), "no line starts with a dot");
    char *back = qp_decode(b.p);
    size_t l = strlen(back);
    if (l && back[l - 1] == '\n')
        back[l - 1] = '\0';
    cr_assert_str_eq(back, text);
    free(back);
    buf_deinit(&b);
}

Test(mime, base64_in_lines_of_76_and_back)
{
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 7 + 3);
    struct buf b;
    buf_init(&b);
    mime_base64(&b, data, sizeof(data));
    size_t lines = check_lines(&b, MIME_LINE_MAX);
    cr_assert_eq(lines, (sizeof(data) + 56) / 57);
    char *flat = calloc(1, b.len + 1);
    size_t k = 0;
    for (size_t i = 0; i < b.len; i++)
        if (b.p[i] != '\r' && b.p[i] != '\n')
            flat[k++] = b.p[i];
    unsigned char back[1100];
    cr_assert_eq(crypto_b64_decode(flat, k, back, sizeof(back)), (long)sizeof(data));
    cr_assert_eq(memcmp(back, data, sizeof(data)), 0);
    free(flat);
    buf_deinit(&b);
}

Test(mime, chinese_bodies_go_base64_ascii_ones_quoted_printable)
{
    const char *zh = "您已成功报名「大模型论坛」。";
    cr_assert(mime_prefer_base64(zh, strlen(zh)));
    const char *en = "You are registered for \"AI 论坛\".";
    cr_assert_not(mime_prefer_base64(en, strlen(en)));
}

Test(mime, a_whole_message_keeps_its_lines_short)
{
    char text[4000] = "", html[4000] = "";
    for (int i = 0; i < 40; i++) {
        strcat(text, "一段很长的中文文本，用于检查正文编码后的行长。");
        strcat(html, "<p>x</p>");
    }
    const char ics[] = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
    struct mime_attachment att = {"text/calendar; charset=utf-8; method=REQUEST", "invite.ics",
                                  ics, sizeof(ics) - 1};
    struct mime_msg m = {
        .from = "summitd 通知中心 <noreply@example.com>",
        .to = "a@example.com",
        .subject = "候补成功，报名已确认：2026 成都国际人工智能与机器人产业博览会暨高峰论坛",
        .message_id = "<0123456789abcdef0123456789abcdef0123456789abcdef@example.com>",
        .date = 1796000000,
        .type = "registration.promoted",
        .list_unsubscribe = NULL,
        .lang = "zh-CN",
        .text = text,
        .html = html,
        .att = &att,
        .natt = 1,
    };
    struct buf b;
    buf_init(&b);
    mime_build(&b, &m);
    check_lines(&b, MIME_LINE_MAX);
    cr_assert(strstr(b.p, "\r\nMIME-Version: 1.0\r\n"));
    cr_assert(strstr(b.p, "Date: "));
    cr_assert_null(strstr(b.p, "List-Unsubscribe"));
    cr_assert(strstr(b.p, "multipart/mixed") && strstr(b.p, "multipart/alternative"));
    cr_assert(strstr(b.p, "From: =?UTF-8?B?") && strstr(b.p, " <noreply@example.com>\r\n"));
    buf_deinit(&b);
}

Test(mime, addresses)
{
    char a[64];
    cr_assert(mime_addr("summitd <noreply@x.cn>", a, sizeof(a)));
    cr_assert_str_eq(a, "noreply@x.cn");
    cr_assert(mime_addr("plain@x.cn", a, sizeof(a)));
    cr_assert_str_eq(a, "plain@x.cn");
    cr_assert_not(mime_addr("no at sign", a, sizeof(a)));
    cr_assert_not(mime_addr("a@b\r\nRCPT TO:<x@y>", a, sizeof(a)));
}

Test(templates, language_escaping_and_unsubscribe)
{
    cJSON *d = cJSON_Parse("{\"session\":{\"title\":\"<b>论坛</b>\"},\"position\":3}");
    struct tmpl_in in = {.type = "registration.waitlisted", .lang = LANG_ZH, .data = d,
                         .public_url = "https://x.cn"};
    struct tmpl_out o;
    tmpl_render(&in, &o);
    cr_assert_str_eq(o.subject, "已进入候补名单：<b>论坛</b>");
    cr_assert(strstr(o.text, "第 3 位"), "%s", o.text);
    cr_assert(strstr(o.html, "&lt;b&gt;论坛&lt;/b&gt;") && !strstr(o.html, "<b>论坛"), "%s", o.html);
    cr_assert_null(strstr(o.text, "/#/me/notifications"), "transactional: no opt-out");
    tmpl_out_free(&o);
    in.lang = LANG_EN;
    tmpl_render(&in, &o);
    cr_assert_str_eq(o.subject, "You are on the waitlist: <b>论坛</b>");
    tmpl_out_free(&o);
    in.type = "recommendations.digest";
    tmpl_render(&in, &o);
    cr_assert(strstr(o.text, "https://x.cn/#/me/notifications"), "%s", o.text);
    tmpl_out_free(&o);
    cJSON_Delete(d);
    /* every type renders with no data at all, in both languages */
    const char *types[] = {"registration.confirmed", "registration.waitlisted",
                           "registration.promoted",  "registration.cancelled",
                           "event.cancelled",        "session.changed",
                           "pitch.placed",           "meeting.scheduled",
                           "meeting.changed",        "match.mutual",
                           "recommendations.digest", "results.published",
                           "organization.invitation", "reminder"};
    for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
        for (int l = 0; l < 2; l++) {
            struct tmpl_in e = {.type = types[i], .lang = (enum lang)l};
            tmpl_render(&e, &o);
            cr_assert(o.subject && *o.subject && o.text && o.html, "%s", types[i]);
            tmpl_out_free(&o);
        }
}

Test(dispatch, backoff_doubles_with_jitter_and_a_cap)
{
    for (uint64_t rnd = 0; rnd < 1000; rnd += 37) {
        int64_t d1 = dispatch_backoff_ms(1, 1000, 3600, rnd);
        int64_t d3 = dispatch_backoff_ms(3, 1000, 3600, rnd);
        int64_t dmax = dispatch_backoff_ms(40, 1000, 60, rnd);
        cr_assert(d1 >= 500 && d1 <= 1000, "%lld", (long long)d1);
        cr_assert(d3 >= 2000 && d3 <= 4000, "%lld", (long long)d3);
        cr_assert(dmax >= 30000 && dmax <= 60000, "%lld", (long long)dmax);
    }
    cr_assert_neq(dispatch_backoff_ms(2, 1000, 3600, 1), dispatch_backoff_ms(2, 1000, 3600, 999),
                  "jittered");
}
