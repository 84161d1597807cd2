#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matching/tokenize.h"

#define MAX_TOKS 256

struct toks {
    size_t n;
    char t[MAX_TOKS][TOK_WORD_MAX_BYTES + 1];
};

static void collect(void *arg, const char *tok, size_t len)
{
    struct toks *ts = arg;
    cr_assert(len > 0 && len <= TOK_WORD_MAX_BYTES);
    cr_assert(tok_utf8_valid(tok, len), "token is not valid UTF-8");
    if (ts->n < MAX_TOKS) {
        memcpy(ts->t[ts->n], tok, len);
        ts->t[ts->n][len] = '\0';
        ts->n++;
    }
}

static void tokenize(const char *s, size_t len, struct toks *ts)
{
    memset(ts, 0, sizeof(*ts));
    size_t n = tok_tokenize(s, len, collect, ts);
    cr_assert_eq(n, ts->n);
}

static void expect(const char *s, const char *const *want, size_t nwant)
{
    struct toks ts;
    tokenize(s, strlen(s), &ts);
    cr_assert_eq(ts.n, nwant, "\"%s\": %zu tokens, want %zu", s, ts.n, nwant);
    for (size_t i = 0; i < nwant; i++)
        cr_assert_str_eq(ts.t[i], want[i], "\"%s\" token %zu", s, i);
}

Test(tokenize, cjk_runs_become_overlapping_bigrams)
{
    const char *want[] = {"机器", "器视", "视觉"};
    expect("机器视觉", want, 3);
}

Test(tokenize, lone_cjk_character_is_a_unigram)
{
    const char *want[] = {"a", "中", "b", "云"};
    expect("A中B，云。", want, 4);
}

Test(tokenize, mixed_chinese_english_digits_emoji)
{
    /* Latin breaks the CJK run; the emoji, "." and "%" separate; "的检测" is one run. */
    const char *want[] = {"基于", "yolov5", "的检", "检测", "99", "5", "准确", "确率", "gpu"};
    expect("基于YOLOv5的检测😀99.5%准确率 (GPU)", want, 9);
}

Test(tokenize, latin_words_are_lower_cased_and_fullwidth_folded)
{
    const char *want[] = {"nb", "iot", "gpu12", "café"};
    expect("NB-IoT ＧＰＵ１２ Café", want, 4);
}

Test(tokenize, long_words_are_cut_at_the_limit)
{
    char buf[200];
    memset(buf, 'x', 150);
    buf[150] = '\0';
    struct toks ts;
    tokenize(buf, 150, &ts);
    cr_assert_eq(ts.n, 1);
    cr_assert_eq(strlen(ts.t[0]), TOK_WORD_MAX_BYTES);
}

Test(tokenize, invalid_utf8_bytes_are_skipped)
{
    const char s[] = "\xff\xfe机器\xc3(视觉\xe6\x9c";
    const char *want[] = {"机器", "视觉"};
    expect(s, want, 2);
}

Test(tokenize, empty_and_punctuation_only_give_no_tokens)
{
    expect("", NULL, 0);
    expect("，。！？…—— ()[]{} \t\n😀🚀", NULL, 0);
}

Test(tokenize, embedded_nul_is_a_separator)
{
    const char s[] = "ab\0cd";
    struct toks ts;
    tokenize(s, 5, &ts);
    cr_assert_eq(ts.n, 2);
    cr_assert_str_eq(ts.t[0], "ab");
    cr_assert_str_eq(ts.t[1], "cd");
}

Test(tokenize, random_bytes_never_crash_and_tokens_stay_valid)
{
    uint64_t x = 12345;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % 300);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* Bias towards UTF-8 lead and continuation bytes. */
            unsigned v = (unsigned)(x >> 24) & 0xFF;
            buf[i] = (char)(round % 2 ? v : (v | 0x80));
        }
        struct toks ts;
        tokenize(buf, len, &ts);
    }
}

Test(tokenize, utf8_validator)
{
    cr_assert(tok_utf8_valid("", 0));
    cr_assert(tok_utf8_valid("abc 机器视觉 😀", strlen("abc 机器视觉 😀")));
    cr_assert_not(tok_utf8_valid("\xc0\xaf", 2), "overlong");
    cr_assert_not(tok_utf8_valid("\xe0\x80\xaf", 3), "overlong 3-byte");
    cr_assert_not(tok_utf8_valid("\xed\xa0\x80", 3), "surrogate");
    cr_assert_not(tok_utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF");
    cr_assert_not(tok_utf8_valid("\xe6\x9c", 2), "truncated");
    cr_assert_not(tok_utf8_valid("a\x80", 2), "stray continuation");
    cr_assert(tok_utf8_valid("\xf4\x8f\xbf\xbf", 4), "U+10FFFF");
}

Test(tokenize, utf8_chars_counts_code_points)
{
    cr_assert_eq(tok_utf8_chars("机器a😀", strlen("机器a😀")), 4);
    cr_assert_eq(tok_utf8_chars("\xff"
                                "a",
                                2),
                 2);
}

static int norm(const char *in, char *out)
{
    size_t len = 0;
    int rc = tok_tag_normalize(in, strlen(in), out, &len);
    if (rc == TOK_TAG_OK)
        cr_assert_eq(len, strlen(out));
    return rc;
}

Test(tokenize, tag_normalize_trims_folds_and_collapses)
{
    char out[TOK_TAG_MAX_BYTES + 1];
    cr_assert_eq(norm("  Machine \t  Vision  ", out), TOK_TAG_OK);
    cr_assert_str_eq(out, "machine vision");
    cr_assert_eq(norm("\xe3\x80\x80机器视觉\xe3\x80\x80", out), TOK_TAG_OK); /* U+3000 */
    cr_assert_str_eq(out, "机器视觉");
    cr_assert_eq(norm("VR/AR", out), TOK_TAG_OK);
    cr_assert_str_eq(out, "vr/ar");
}

Test(tokenize, tag_normalize_rejects_empty_long_and_invalid)
{
    char out[TOK_TAG_MAX_BYTES + 1];
    cr_assert_eq(norm("", out), TOK_TAG_EMPTY);
    cr_assert_eq(norm(" \t\xe3\x80\x80 ", out), TOK_TAG_EMPTY);
    char longtag[200] = "";
    for (int i = 0; i < 32; i++)
        strcat(longtag, "智");
    cr_assert_eq(norm(longtag, out), TOK_TAG_OK, "32 characters are allowed");
    cr_assert_eq(strlen(out), 96);
    strcat(longtag, "能");
    cr_assert_eq(norm(longtag, out), TOK_TAG_TOO_LONG);
    cr_assert_eq(norm("ab\xff", out), TOK_TAG_BAD_UTF8);
    cr_assert_eq(norm("a\x01"
                      "b",
                      out),
                 TOK_TAG_BAD_UTF8);
}

Test(tokenize, tags_dedupe_keeps_first_occurrences_in_order)
{
    char a1[] = "a", b1[] = "b", a2[] = "a", c1[] = "c", b2[] = "b";
    char *tags[] = {a1, b1, a2, c1, b2};
    size_t m = tok_tags_dedupe(tags, 5);
    cr_assert_eq(m, 3);
    cr_assert_eq(tags[0], a1);
    cr_assert_eq(tags[1], b1);
    cr_assert_eq(tags[2], c1);
    /* The dropped duplicates are still in the array for the caller to free. */
    cr_assert((tags[3] == a2 && tags[4] == b2) || (tags[3] == b2 && tags[4] == a2));
}
