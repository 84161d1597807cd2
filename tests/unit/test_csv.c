/* The CSV writer: RFC 4180 quoting, the formula guard on people's text, rows and separators. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/buf.h"
#include "server/csv.h"

/* One row of one field written with csv_text (text) or csv_value, as it comes out. */
static void one(const char *in, bool text, const char *want)
{
    struct buf b;
    struct csv c;
    buf_init(&b);
    csv_init(&c, &b);
    if (text)
        csv_text(&c, in);
    else
        csv_value(&c, in);
    csv_row_end(&c);
    char w[256];
    snprintf(w, sizeof(w), "%s\r\n", want);
    cr_assert_str_eq(b.p, w, "%s(%s)", text ? "csv_text" : "csv_value", in ? in : "NULL");
    buf_deinit(&b);
}

Test(csv, plain_fields_are_written_as_they_are)
{
    one("12", false, "12");
    one("张三", true, "张三");
    one("ada@example.com", true, "ada@example.com");
    one("", true, "");
    one(NULL, true, "");
    one(NULL, false, "");
    one("it's", true, "it's");
}

Test(csv, separators_quotes_and_line_breaks_are_quoted)
{
    one("a,b", true, "\"a,b\"");
    one("say \"hi\"", true, "\"say \"\"hi\"\"\"");
    one("\"", false, "\"\"\"\"");
    one("two\nlines", true, "\"two\nlines\"");
    one("cr\rhere", true, "\"cr\rhere\"");
    one("crlf\r\n", false, "\"crlf\r\n\"");
}

Test(csv, text_that_a_spreadsheet_would_run_is_defused)
{
    one("=HYPERLINK(\"http://x\")", true, "\"'=HYPERLINK(\"\"http://x\"\")\"");
    one("+1", true, "\"'+1\"");
    one("-1", true, "\"'-1\"");
    one("@SUM(A1)", true, "\"'@SUM(A1)\"");
    one("\tx", true, "\"'\tx\"");
    one("\rx", true, "\"'\rx\"");
    /* Only at the start, and only for text: values summitd made are left alone. */
    one("a=b", true, "a=b");
    one("-1", false, "-1");
    one("=x", false, "=x");
}

Test(csv, rows_and_separators)
{
    struct buf b;
    struct csv c;
    buf_init(&b);
    csv_init(&c, &b);
    const char *head[] = {"id", "name", "email"};
    for (size_t i = 0; i < 3; i++)
        csv_value(&c, head[i]);
    csv_row_end(&c);
    csv_value(&c, "1");
    csv_text(&c, "李, 四");
    csv_text(&c, NULL);
    csv_row_end(&c);
    csv_value(&c, "2");
    csv_row_end(&c);
    cr_assert_str_eq(b.p, "id,name,email\r\n1,\"李, 四\",\r\n2\r\n");
    buf_deinit(&b);
}
