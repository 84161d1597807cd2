#ifndef SUMMITD_SERVER_LANG_H
#define SUMMITD_SERVER_LANG_H

/* Which of a few languages a client prefers, from its Accept-Language header. Pure: no request,
 * no I/O (tests/unit/test_lang.c). */

/* The index in `names` (NULL-terminated primary tags, e.g. {"zh", "en", NULL}) of the language
 * the header value `accept_language` prefers, or -1 when it names none of them (or is NULL).
 * A range ("en-GB;q=0.8") names a language when it starts with its tag, in any case, followed by
 * its end, '-' or a space; its weight is the number after the first "q=" following a ';'
 * (1 without one). The heaviest range wins, the earlier on a tie; a weight of 0 never wins, and a
 * wildcard ("*") names nothing. Ranges are read up to 63 bytes each. */
int lang_pick(const char *accept_language, const char *const *names);

#endif
