#ifndef SUMMITD_BASE_UTF8_H
#define SUMMITD_BASE_UTF8_H

#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..len), its code point in *cp; 0 when
 * it is not one (overlong, surrogate, above U+10FFFF, truncated, stray byte). The one UTF-8
 * decoder: the JSON layer's validation and the tokenizer's bigrams agree on what text is. */
size_t utf8_next(const char *s, size_t len, unsigned *cp);

#endif
