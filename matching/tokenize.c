#include "matching/tokenize.h"

#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

/* One code point at s[0..len): its length (1..4), or 0 when not well-formed (base/utf8.h). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned v = 0;
    size_t n = utf8_next((const char *)s, len, &v);
    *cp = v;
    return n;
}

bool tok_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t tok_utf8_chars(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        i += n ? n : 1;
        chars++;
    }
    return chars;
}

enum cp_class { CP_SEP, CP_WORD, CP_CJK };

static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* CJK unified ideographs */
           (cp >= 0x3400 && cp <= 0x4DBF) ||   /* extension A */
           (cp >= 0x20000 && cp <= 0x3134F) || /* extensions B..G */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* compatibility ideographs */
           (cp >= 0x3040 && cp <= 0x30FF) ||   /* hiragana, katakana */
           (cp >= 0xAC00 && cp <= 0xD7AF) ||   /* hangul syllables */
           cp == 0x3007;                       /* 〇 */
}

/* Classifies a code point and, for word characters, folds it: ASCII and fullwidth ASCII letters
 * to lower-case ASCII, fullwidth digits to ASCII digits. */
static enum cp_class classify(uint32_t *cp)
{
    uint32_t c = *cp;
    if (c >= 0xFF10 && c <= 0xFF19)
        c = c - 0xFF10 + '0';
    else if (c >= 0xFF21 && c <= 0xFF3A)
        c = c - 0xFF21 + 'a';
    else if (c >= 0xFF41 && c <= 0xFF5A)
        c = c - 0xFF41 + 'a';
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        *cp = c;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            return CP_WORD;
        return CP_SEP;
    }
    if (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7)
        return CP_WORD;
    if (is_cjk(c))
        return CP_CJK;
    return CP_SEP;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t tok_tokenize(const char *text, size_t len, tok_emit_fn emit, void *arg)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t count = 0, i = 0;
    char word[TOK_WORD_MAX_BYTES];
    size_t wlen = 0;
    bool in_word = false;
    /* The previous CJK character of the current run (bytes in the source) and run length. */
    size_t prev_off = 0, prev_len = 0, run = 0;

    for (;;) {
        uint32_t cp = 0;
        size_t n = 0;
        enum cp_class cls = CP_SEP;
        if (i < len) {
            n = utf8_decode(p + i, len - i, &cp);
            if (n == 0)
                n = 1; /* invalid byte: a separator */
            else
                cls = classify(&cp);
        }
        if (cls != CP_WORD && in_word) {
            emit(arg, word, wlen);
            count++;
            in_word = false;
            wlen = 0;
        }
        if (cls != CP_CJK && run > 0) {
            if (run == 1) {
                emit(arg, text + prev_off, prev_len);
                count++;
            }
            run = 0;
        }
        if (i >= len)
            break;
        if (cls == CP_WORD) {
            char buf[4];
            size_t bl = utf8_encode(cp, buf);
            if (wlen + bl <= sizeof(word)) {
                memcpy(word + wlen, buf, bl);
                wlen += bl;
            }
            in_word = true;
        } else if (cls == CP_CJK) {
            if (run > 0) {
                emit(arg, text + prev_off, prev_len + n);
                count++;
            }
            prev_off = i;
            prev_len = n;
            run++;
        }
        i += n;
    }
    return count;
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x3000;
}

int tok_tag_normalize(const char *in, size_t len, char *out, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0, o = 0, chars = 0;
    bool pending_space = false;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return TOK_TAG_BAD_UTF8;
        i += n;
        if (is_space(cp)) {
            pending_space = o > 0;
            continue;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            return TOK_TAG_BAD_UTF8;
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        size_t need = (pending_space ? 1 : 0) + 1;
        if (chars + need > TOK_TAG_MAX_CHARS)
            return TOK_TAG_TOO_LONG;
        if (pending_space) {
            out[o++] = ' ';
            chars++;
            pending_space = false;
        }
        o += utf8_encode(cp, out + o);
        chars++;
    }
    if (o == 0)
        return TOK_TAG_EMPTY;
    out[o] = '\0';
    *out_len = o;
    return TOK_TAG_OK;
}

size_t tok_tags_dedupe(char **tags, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < m && !dup; j++)
            dup = strcmp(tags[i], tags[j]) == 0;
        if (!dup) {
            char *t = tags[i];
            tags[i] = tags[m];
            tags[m++] = t;
        }
    }
    return m;
}
