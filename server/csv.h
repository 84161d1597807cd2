#ifndef SUMMITD_SERVER_CSV_H
#define SUMMITD_SERVER_CSV_H

#include <stdbool.h>

/* A CSV writer (RFC 4180): pure functions appending to a struct buf. Fields are separated by
 * commas and quoted when they hold a comma, a quote, CR or LF (quotes doubled); rows end with
 * CRLF. Text that people typed goes through csv_text, which also defuses spreadsheet formulas.
 *
 *     struct csv c;
 *     csv_init(&c, &out);
 *     csv_value(&c, "id"); csv_value(&c, "name"); csv_row_end(&c);
 *     csv_value(&c, "12"); csv_text(&c, display_name); csv_row_end(&c);
 */

struct buf;

struct csv {
    struct buf *out; /* borrowed */
    bool in_row;     /* a field of the current row was written */
};

/* Writes nothing (a UTF-8 BOM, if wanted, is the caller's). */
void csv_init(struct csv *c, struct buf *out);
/* A value summitd made (numbers, enum names, times): as is, quoted only when needed. NULL is an
 * empty field. */
void csv_value(struct csv *c, const char *s);
/* Text from users (names, e-mail addresses): as csv_value, and when it begins with = + - @, tab
 * or CR, which a spreadsheet would run as a formula, it is quoted with a leading apostrophe so
 * the cell shows the text instead (OWASP "CSV injection"). */
void csv_text(struct csv *c, const char *s);
/* Ends the row (CRLF). */
void csv_row_end(struct csv *c);

#endif
