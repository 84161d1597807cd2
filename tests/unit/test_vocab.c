/* server/vocab.c: the seed plan's vocabularies, and what input resolves to which code. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/vocab.h"

Test(vocab, codes_are_ascii_and_every_spelling_is_unique_within_a_list)
{
    for (int k = 0; k < VOCAB_KINDS; k++) {
        size_t n;
        const struct vocab_term *t = vocab_terms((enum vocab_kind)k, &n);
        cr_assert_gt(n, 0, "%s", vocab_key((enum vocab_kind)k));
        for (size_t i = 0; i < n; i++) {
            cr_assert(t[i].zh[0] && t[i].en[0], "%s", t[i].code);
            for (const char *c = t[i].code; *c; c++)
                cr_assert((*c >= 'a' && *c <= 'z') || *c == '_', "code %s", t[i].code);
            /* Each spelling leads back to its own term (none is shadowed by another term). */
            cr_assert_eq(vocab_resolve((enum vocab_kind)k, t[i].code), &t[i]);
            cr_assert_eq(vocab_resolve((enum vocab_kind)k, t[i].zh), &t[i], "%s", t[i].zh);
            cr_assert_eq(vocab_resolve((enum vocab_kind)k, t[i].en), &t[i], "%s", t[i].en);
            for (const char *const *a = t[i].aliases; a && *a; a++)
                cr_assert_eq(vocab_resolve((enum vocab_kind)k, *a), &t[i], "%s", *a);
        }
    }
}

Test(vocab, the_spellings_found_in_existing_data_resolve)
{
    /* The demo's and the older tests' free text. */
    const char *sectors[][2] = {{"医疗健康", "healthcare"},
                                {"智能制造", "smart_manufacturing"},
                                {"交通物流", "transport_logistics"},
                                {"交通", "transport_logistics"},
                                {"电子信息", "electronics"},
                                {"装备制造", "equipment"},
                                {"人工智能", "ai"},
                                {"会展", "exhibitions"}};
    for (size_t i = 0; i < sizeof(sectors) / sizeof(sectors[0]); i++) {
        const struct vocab_term *t = vocab_resolve(VOCAB_SECTOR, sectors[i][0]);
        cr_assert_not_null(t, "%s", sectors[i][0]);
        cr_assert_str_eq(t->code, sectors[i][1]);
    }
    const char *zones[][2] = {{"天府国际生物城", "tianfu_biotown"},
                              {"成都高新区", "hitech_zone"},
                              {"高新区", "hitech_zone"},
                              {"成都科学城", "science_city"},
                              {"天府新区", "tianfu_new_area"},
                              {"龙泉驿区", "longquanyi"}};
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        const struct vocab_term *t = vocab_resolve(VOCAB_ZONE, zones[i][0]);
        cr_assert_not_null(t, "%s", zones[i][0]);
        cr_assert_str_eq(t->code, zones[i][1]);
    }
    cr_assert_str_eq(vocab_resolve(VOCAB_TIER, "LEADER")->code, "leader");
    cr_assert_str_eq(vocab_resolve(VOCAB_STAGE, "试点")->code, "pilot");
    cr_assert_null(vocab_resolve(VOCAB_SECTOR, "区块链"));
    cr_assert_null(vocab_resolve(VOCAB_SECTOR, ""));
    cr_assert_null(vocab_resolve(VOCAB_ZONE, NULL));
}

Test(vocab, names_in_each_language_and_legacy_values_as_stored)
{
    cr_assert_str_eq(vocab_name(VOCAB_SECTOR, "healthcare", LANG_ZH), "医疗健康");
    cr_assert_str_eq(vocab_name(VOCAB_SECTOR, "healthcare", LANG_EN), "Healthcare");
    cr_assert_str_eq(vocab_name(VOCAB_ZONE, "science_city", LANG_EN), "Chengdu Science City");
    cr_assert_str_eq(vocab_name(VOCAB_SECTOR, "某旧行业", LANG_EN), "某旧行业");
    cr_assert_str_eq(vocab_name(VOCAB_ZONE, NULL, LANG_ZH), "");
}
