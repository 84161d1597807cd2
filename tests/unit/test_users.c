/* handlers/users.c: the canonical form of an e-mail address (no server, no database). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/users.h"

static void expect_canon(const char *in, const char *want, const char *want_trimmed)
{
    char *trimmed = NULL;
    char *c = users_email_canonical(in, &trimmed);
    cr_assert_not_null(c, "'%s' is an address", in);
    cr_assert_str_eq(c, want, "canonical form of '%s'", in);
    cr_assert_str_eq(trimmed, want_trimmed, "trimmed spelling of '%s'", in);
    free(c);
    free(trimmed);
}

Test(users, every_spelling_of_an_address_has_one_canonical_form)
{
    expect_canon("a@x.com", "a@x.com", "a@x.com");
    expect_canon("a@x.com ", "a@x.com", "a@x.com");
    expect_canon("a@x.com  ", "a@x.com", "a@x.com");
    expect_canon("  A@X.Com\t", "a@x.com", "A@X.Com");
    expect_canon("a@x.com\xe3\x80\x80", "a@x.com", "a@x.com"); /* U+3000 */
    expect_canon("\xc2\xa0"
                 "a@x.com\xe2\x80\x8b",
                 "a@x.com", "a@x.com"); /* U+00A0, U+200B */
    expect_canon("\xef\xbb\xbf"
                 "Li.Lei@Example.CN",
                 "li.lei@example.cn", "Li.Lei@Example.CN");
}

Test(users, non_ascii_is_kept_byte_for_byte)
{
    /* The database compares the column as bytes: "À@x.com" is another address than "a@x.com",
     * so it neither reaches that account nor shares its login counter. */
    expect_canon("\xc3\x80@x.com", "\xc3\x80@x.com", "\xc3\x80@x.com");
    expect_canon("用户@例子.中国", "用户@例子.中国", "用户@例子.中国");
}

Test(users, malformed_addresses_are_refused)
{
    const char *bad[] = {"",
                         "   ",
                         "a",
                         "@x.com",
                         "a@",
                         "a@x",
                         "a@.x.com",
                         "a@x.com.",
                         "a@b@x.com",
                         "a b@x.com",
                         "a\xe3\x80\x80"
                         "b@x.com", /* an ideographic space inside */
                         "a\tb@x.com",
                         "<a@x.com>",
                         "a,b@x.com",
                         "\"a\"@x.com",
                         "a@x.com\x7f",
                         "\xff\xfe@x.com",  /* not UTF-8 */
                         "a\xc0\x80@x.com", /* overlong NUL */
                         NULL};
    for (int i = 0; bad[i]; i++) {
        char *t = (char *)0x1;
        cr_assert_null(users_email_canonical(bad[i], &t), "'%s' is refused", bad[i]);
        cr_assert_eq(t, (char *)0x1, "nothing is returned for '%s'", bad[i]);
    }
}

/* Regression: login copied the address into `char lower[256]` after checking its length in
 * characters; 250 CJK characters are 750 bytes. The canonical form has no fixed buffer and a
 * byte limit. */
Test(users, long_multibyte_address_is_refused_not_overflowed)
{
    char in[2048] = "";
    for (int i = 0; i < 240; i++)
        strcat(in, "测");
    strcat(in, "@test.example");
    cr_assert_null(users_email_canonical(in, NULL), "%zu bytes is over the limit", strlen(in));

    /* Exactly the byte limit passes; one more byte does not (white space trimmed first). */
    char ok[USERS_EMAIL_MAX_BYTES + 8];
    memset(ok, 'a', USERS_EMAIL_MAX_BYTES);
    memcpy(ok + USERS_EMAIL_MAX_BYTES - 6, "@x.com", 6);
    ok[USERS_EMAIL_MAX_BYTES] = '\0';
    char *c = users_email_canonical(ok, NULL);
    cr_assert_not_null(c);
    cr_assert_eq(strlen(c), USERS_EMAIL_MAX_BYTES);
    free(c);
    char padded[USERS_EMAIL_MAX_BYTES + 16];
    snprintf(padded, sizeof(padded), " %s  ", ok);
    c = users_email_canonical(padded, NULL);
    cr_assert_not_null(c, "spaces around do not count");
    free(c);
    char over[USERS_EMAIL_MAX_BYTES + 16];
    snprintf(over, sizeof(over), "b%s", ok);
    cr_assert_null(users_email_canonical(over, NULL));
}
