#ifndef SUMMITD_SERVER_I18N_H
#define SUMMITD_SERVER_I18N_H

/* Server-written messages in the caller's language, the gettext way: the English format string a
 * handler passes to reply_error() or tx_fail() is the message id; the catalogue in i18n.c gives
 * its Chinese format, with the same conversion specifications in the same order. A %s argument
 * that is itself a message id without specifications (an entity's name, a status word, a reason
 * chosen from a few fixed strings) is translated too. A message id missing from the catalogue is
 * written in English; tests/unit/test_i18n.c fails the build's tests for every message id in
 * handlers/ and server/ that has no Chinese entry or whose specifications differ. */

#include <stdarg.h>
#include <stddef.h>

#include "server/query.h" /* enum lang */

/* Marks a string as a message id for the scanner of tests/unit/test_i18n.c (it is the string). */
#define N_(s) s

/* The Chinese format of a message id, or NULL when the catalogue has none. */
const char *i18n_zh(const char *msgid);

/* printf(fmt, ap) in `lang` into out (always NUL-terminated, truncated to len). */
void i18n_vformat(enum lang lang, char *out, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* The conversion specifications of a printf format, in order, as their length modifier and
 * conversion joined by ',' ("%s, %-5lld%%" → "s,lld"); flags, width and precision are left out.
 * Returns -1 for a specification i18n_vformat does not take ('*' width or precision, %n, %N$),
 * else the count. */
int i18n_specs(const char *fmt, char *out, size_t len);

/* The catalogue, for tests: entry i (NULL past the end). */
const char *i18n_entry(size_t i, const char **zh);

#endif
