#ifndef SUMMITD_MATCHING_TOKENIZE_H
#define SUMMITD_MATCHING_TOKENIZE_H

/* Text tokenizer, tag normalizer and UTF-8 helpers for matching and for request validation.
 * Pure functions: no allocation except where stated, no global state, safe from any thread.
 *
 * Tokens:
 *   - a run of CJK characters (Han, kana, Hangul) becomes its overlapping character bigrams
 *     ("机器视觉" -> "机器", "器视", "视觉"); a run of one character becomes that unigram;
 *   - a run of ASCII letters/digits (fullwidth forms are folded to ASCII) and Latin letters
 *     U+00C0..U+024F becomes one word, ASCII lower-cased ("YOLOv5" -> "yolov5"); a word
 *     longer than TOK_WORD_MAX_BYTES is cut at a character boundary;
 *   - everything else (spaces, punctuation, symbols, emoji) separates tokens;
 *   - invalid UTF-8 bytes are skipped one byte at a time and act as separators. */

#include <stdbool.h>
#include <stddef.h>

#include "base/xalloc.h"

#define TOK_WORD_MAX_BYTES 64
#define TOK_TAG_MAX_CHARS 32
/* 32 characters of at most 4 bytes each. */
#define TOK_TAG_MAX_BYTES (TOK_TAG_MAX_CHARS * 4)

/* Receives one token; `tok` (not NUL-terminated, `len` bytes of valid UTF-8) is borrowed and
 * valid only during the call. */
typedef void (*tok_emit_fn)(void *arg, const char *tok, size_t len);

/* Tokenizes `len` bytes of `text` (any bytes; NUL is a separator), calling `emit` for each token
 * in text order. Returns the number of tokens emitted. */
size_t tok_tokenize(const char *text, size_t len, tok_emit_fn emit, void *arg);

/* True when `len` bytes of `s` are well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF). Embedded NUL bytes are well-formed; reject them separately if needed. */
bool tok_utf8_valid(const char *s, size_t len);

/* Number of code points in `len` bytes of well-formed UTF-8 (each invalid byte counts as one). */
size_t tok_utf8_chars(const char *s, size_t len);

enum tok_tag_err {
    TOK_TAG_OK = 0,
    TOK_TAG_EMPTY = -1,    /* nothing left after trimming */
    TOK_TAG_TOO_LONG = -2, /* more than TOK_TAG_MAX_CHARS characters after trimming */
    TOK_TAG_BAD_UTF8 = -3, /* not well-formed UTF-8, or contains a control character */
};

/* Normalizes one tag: trims ASCII whitespace, U+00A0 and U+3000 at both ends, collapses inner
 * whitespace runs to one ASCII space, ASCII case-folds. Writes the result NUL-terminated into
 * `out` (caller's buffer of at least TOK_TAG_MAX_BYTES + 1 bytes) and its length to `*out_len`.
 * Returns TOK_TAG_OK or a negative enum tok_tag_err (then `out` is unspecified). */
int tok_tag_normalize(const char *in, size_t len, char *out, size_t *out_len) SD_MUST_CHECK;

/* Removes duplicate strings from `tags[0..n)` in place, keeping first occurrences in order.
 * Returns m: tags[0..m) are the distinct tags; tags[m..n) now hold the duplicates that were
 * dropped (the pointers are only moved, never freed: the caller still owns all n). */
size_t tok_tags_dedupe(char **tags, size_t n);

#endif
