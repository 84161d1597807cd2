/* lang_pick: the language an Accept-Language value prefers among a few. */
#include <criterion/criterion.h>

#include "server/lang.h"

static const char *const names[] = {"zh", "en", NULL};
enum { ZH, EN, NONE = -1 };

static void expect(const char *header, int want)
{
    cr_assert_eq(lang_pick(header, names), want, "\"%s\": %d, want %d", header ? header : "(null)",
                 lang_pick(header, names), want);
}

Test(lang, no_header_or_no_known_language_is_none)
{
    expect(NULL, NONE);
    expect("", NONE);
    expect("fr-FR, de;q=0.9", NONE);
    expect("*", NONE);
    expect("english, zhuang", NONE); /* a tag, not a prefix of a word */
}

Test(lang, a_range_names_its_primary_tag_in_any_case)
{
    expect("en", EN);
    expect("zh-CN", ZH);
    expect("EN-gb", EN);
    expect(" \ten", EN);
    expect("zh ;q=0.9, en;q=0.8", ZH);
}

Test(lang, the_heaviest_wins_and_the_earlier_on_a_tie)
{
    expect("en-GB,en;q=0.9,zh;q=0.5", EN);
    expect("zh;q=0.5, en;q=0.8", EN);
    expect("en;q=0.5, zh;q=0.5", EN);
    expect("zh;q=0.5, en;q=0.5", ZH);
    expect("fr, zh;q=0.1", ZH);
    expect("en;level=1;q=0.2, zh;q=0.3", ZH);
}

Test(lang, a_weight_of_zero_never_wins)
{
    expect("en;q=0", NONE);
    expect("en;q=0, zh;q=0.001", ZH);
}

Test(lang, a_range_is_read_up_to_63_bytes)
{
    /* The weight of an overlong range is cut off with it: the range weighs 1. */
    expect(
        "en-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;q=0.1, zh;q=0.5",
        EN);
}
