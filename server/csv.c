#include "server/csv.h"

#include <string.h>

#include "server/buf.h"

void csv_init(struct csv *c, struct buf *out)
{
    c->out = out;
    c->in_row = false;
}

static void field(struct csv *c, const char *s, bool text)
{
    if (!s)
        s = "";
    if (c->in_row)
        buf_puts(c->out, ",");
    c->in_row = true;
    bool formula =
        text && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_puts(c->out, "\"");
    if (formula)
        buf_puts(c->out, "'");
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "\"");
        buf_append(c->out, p, n);
        p += n;
        if (*p == '"') {
            buf_puts(c->out, "\"\"");
            p++;
        }
    }
    if (quote)
        buf_puts(c->out, "\"");
}

void csv_value(struct csv *c, const char *s)
{
    field(c, s, false);
}

void csv_text(struct csv *c, const char *s)
{
    field(c, s, true);
}

void csv_row_end(struct csv *c)
{
    buf_puts(c->out, "\r\n");
    c->in_row = false;
}
