/* The loop cache (server/lcache.h): lifetime, invalidation by tag, one fill at a time with the
 * other readers parked, the refresh ahead, and bodies shared by reference. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/lcache.h"

#define PAT "/api/v1/events/{id}"
#define TTL 1000000 /* 1 s */

/* Fills key at now (the caller's read began at epoch `epoch`) and ends the fill. */
static void fill_with(struct lcache *c, const char *key, uint32_t tag, uint64_t epoch,
                      int64_t now, const char *body)
{
    struct lcache_body *b;
    struct lcache_fill f;
    cr_assert_eq(lcache_get(c, key, tag, now, &b, &f), LCACHE_FILL);
    cr_assert_neq(f.id, 0);
    lcache_put(c, key, tag, epoch, now, TTL, body, strlen(body), "application/json");
    cr_assert_null(lcache_fill_done(c, f), "nobody was parked");
}

Test(lcache, a_hit_until_its_deadline)
{
    struct lcache *c = lcache_new();
    uint32_t tag = lcache_tag(PAT, 9001);
    fill_with(c, "/api/v1/events/9001", tag, lcache_epoch(tag), 0, "{\"id\":9001}");
    struct lcache_body *b;
    struct lcache_fill f;
    cr_assert_eq(lcache_get(c, "/api/v1/events/9001", tag, 100, &b, &f), LCACHE_HIT);
    cr_assert_eq(b->len, 11);
    cr_assert(memcmp(b->data, "{\"id\":9001}", 11) == 0);
    cr_assert_str_eq(b->ctype, "application/json");
    lcache_body_unref(b);
    cr_assert_eq(lcache_get(c, "/api/v1/events/9001", tag, TTL, &b, &f), LCACHE_FILL, "expired");
    cr_assert_null(b);
    lcache_fill_done(c, f);
    cr_assert_eq(lcache_get(c, "/api/v1/events/9002", tag, 0, &b, &f), LCACHE_FILL, "other key");
    lcache_fill_done(c, f);
    lcache_free(c);
}

Test(lcache, an_invalidation_message_drops_every_spelling)
{
    struct lcache *c = lcache_new();
    uint32_t tag = lcache_tag(PAT, 9003);
    cr_assert_eq(tag, lcache_tag(PAT, 9003));
    fill_with(c, "/api/v1/events/09003", tag, lcache_epoch(tag), 0, "x");
    struct lcache_body *b;
    struct lcache_fill f;
    cr_assert_eq(lcache_get(c, "/api/v1/events/09003", tag, 0, &b, &f), LCACHE_HIT);
    lcache_body_unref(b);
    lcache_apply_message(PAT " 9003");
    cr_assert_eq(lcache_get(c, "/api/v1/events/09003", tag, 0, &b, &f), LCACHE_FILL);
    lcache_free(c);
}

Test(lcache, a_read_that_began_before_a_change_is_stale_at_once)
{
    /* The epoch is taken when the request arrives; a reply stored after a bump is refused. */
    struct lcache *c = lcache_new();
    uint32_t tag = lcache_tag(PAT, 9004);
    uint64_t at_arrival = lcache_epoch(tag);
    struct lcache_body *b;
    struct lcache_fill f;
    cr_assert_eq(lcache_get(c, "/api/v1/events/9004", tag, 0, &b, &f), LCACHE_FILL);
    lcache_apply_message(PAT " 9004");
    lcache_put(c, "/api/v1/events/9004", tag, at_arrival, 0, TTL, "old", 3, "text/plain");
    lcache_fill_done(c, f);
    cr_assert_eq(lcache_get(c, "/api/v1/events/9004", tag, 0, &b, &f), LCACHE_FILL);
    lcache_free(c);
}

Test(lcache, readers_wait_for_the_fill_under_way_and_get_what_it_stored)
{
    struct lcache *c = lcache_new();
    const char *key = "/api/v1/events/9005?";
    uint32_t tag = lcache_tag(PAT, 9005);
    struct lcache_body *b;
    struct lcache_fill f, f2;
    cr_assert_eq(lcache_get(c, key, tag, 0, &b, &f), LCACHE_FILL, "the first reader reads");
    uint64_t epoch = lcache_epoch(tag);
    /* Two more readers while it reads: they wait, parked under the fill. */
    int parked; /* (the server links its requests from this head) */
    for (int i = 0; i < 2; i++)
        cr_assert_eq(lcache_get(c, key, tag, 10, &b, &f2), LCACHE_WAIT);
    *lcache_waiters(c, key) = &parked;
    lcache_put(c, key, tag, epoch, 20, TTL, "{}", 2, "application/json");
    cr_assert_eq(lcache_fill_done(c, f), &parked, "the fill hands its readers back");
    cr_assert_null(lcache_fill_done(c, f), "once");
    cr_assert_eq(lcache_get(c, key, tag, 30, &b, &f2), LCACHE_HIT, "and they hit");
    lcache_body_unref(b);
    lcache_free(c);
}

Test(lcache, a_change_during_a_fill_lets_the_next_reader_read_anew)
{
    struct lcache *c = lcache_new();
    const char *key = "/api/v1/events/9006?";
    uint32_t tag = lcache_tag(PAT, 9006);
    struct lcache_body *b;
    struct lcache_fill old, f;
    cr_assert_eq(lcache_get(c, key, tag, 0, &b, &old), LCACHE_FILL);
    uint64_t old_epoch = lcache_epoch(tag);
    int parked;
    cr_assert_eq(lcache_get(c, key, tag, 1, &b, &f), LCACHE_WAIT);
    *lcache_waiters(c, key) = &parked;
    lcache_apply_message(PAT " 9006");
    /* The fill under way read before the change: nobody waits for it any more. */
    cr_assert_eq(lcache_get(c, key, tag, 2, &b, &f), LCACHE_FILL);
    lcache_put(c, key, tag, old_epoch, 3, TTL, "old", 3, "text/plain"); /* refused */
    cr_assert_null(lcache_fill_done(c, old), "the newer fill owns the parked readers");
    lcache_put(c, key, tag, lcache_epoch(tag), 4, TTL, "new", 3, "text/plain");
    cr_assert_eq(lcache_fill_done(c, f), &parked);
    cr_assert_eq(lcache_get(c, key, tag, 5, &b, &f), LCACHE_HIT);
    cr_assert(memcmp(b->data, "new", 3) == 0);
    lcache_body_unref(b);
    lcache_free(c);
}

Test(lcache, a_live_entry_is_refreshed_ahead_by_one_reader_while_the_others_hit)
{
    struct lcache *c = lcache_new();
    const char *key = "/api/v1/events/9007?";
    uint32_t tag = lcache_tag(PAT, 9007);
    fill_with(c, key, tag, lcache_epoch(tag), 0, "v1");
    struct lcache_body *b;
    struct lcache_fill f, f2;
    cr_assert_eq(lcache_get(c, key, tag, TTL / 2, &b, &f), LCACHE_HIT, "young: a hit");
    lcache_body_unref(b);
    cr_assert_eq(lcache_get(c, key, tag, TTL * 3 / 4, &b, &f), LCACHE_FILL,
                 "in its last quarter: one reader refreshes it");
    cr_assert_eq(lcache_get(c, key, tag, TTL * 3 / 4 + 1, &b, &f2), LCACHE_HIT,
                 "the others are still answered from it");
    /* A reply still being sent keeps its body when the entry is replaced. */
    lcache_put(c, key, tag, lcache_epoch(tag), TTL * 3 / 4 + 2, TTL, "v2", 2, "text/plain");
    cr_assert(memcmp(b->data, "v1", 2) == 0);
    lcache_body_cleanup(b->data, b->len, b);
    cr_assert_null(lcache_fill_done(c, f));
    cr_assert_eq(lcache_get(c, key, tag, TTL, &b, &f2), LCACHE_HIT, "refreshed: alive past the first deadline");
    cr_assert(memcmp(b->data, "v2", 2) == 0);
    lcache_body_unref(b);
    lcache_free(c);
}

Test(lcache, a_lost_fill_does_not_hold_readers_for_ever)
{
    struct lcache *c = lcache_new();
    const char *key = "/api/v1/events/9008?";
    uint32_t tag = lcache_tag(PAT, 9008);
    struct lcache_body *b;
    struct lcache_fill f;
    cr_assert_eq(lcache_get(c, key, tag, 0, &b, &f), LCACHE_FILL);
    cr_assert_eq(lcache_get(c, key, tag, 1000, &b, &f), LCACHE_WAIT);
    cr_assert_eq(lcache_get(c, key, tag, 60 * 1000000LL, &b, &f), LCACHE_FILL);
    lcache_free(c);
}

Test(lcache, two_hundred_pages_read_in_turn_all_stay_cached)
{
    /* Regression: one entry per hash slot made pages whose keys collide evict each other, so
     * that about a tenth of 200 event pages read in turn missed on every read. */
    struct lcache *c = lcache_new();
    char key[64];
    for (int i = 1; i <= 200; i++) {
        snprintf(key, sizeof(key), "/api/v1/events/%d?", i);
        uint32_t tag = lcache_tag(PAT, i);
        fill_with(c, key, tag, lcache_epoch(tag), 0, "{}");
    }
    int hits = 0;
    for (int i = 1; i <= 200; i++) {
        snprintf(key, sizeof(key), "/api/v1/events/%d?", i);
        struct lcache_body *b;
        struct lcache_fill f;
        if (lcache_get(c, key, lcache_tag(PAT, i), 10, &b, &f) == LCACHE_HIT) {
            hits++;
            lcache_body_unref(b);
        }
    }
    cr_assert_eq(hits, 200);
    lcache_free(c);
}

Test(lcache, a_loop_takes_the_reply_another_loop_stored_unless_it_is_stale)
{
    struct lcache *a = lcache_new(), *b = lcache_new();
    const char *key = "/api/v1/events/9009?";
    uint32_t tag = lcache_tag(PAT, 9009);
    fill_with(a, key, tag, lcache_epoch(tag), 0, "A");
    struct lcache_body *body;
    struct lcache_fill f;
    cr_assert_eq(lcache_get(b, key, tag, 10, &body, &f), LCACHE_HIT, "B reads what A stored");
    cr_assert(memcmp(body->data, "A", 1) == 0);
    lcache_body_unref(body);
    /* B's copy comes due with A's: one of them reads, the other takes its reply. */
    cr_assert_eq(lcache_get(b, key, tag, TTL * 3 / 4, &body, &f), LCACHE_FILL);
    lcache_put(b, key, tag, lcache_epoch(tag), TTL * 3 / 4 + 5, TTL, "B", 1, "text/plain");
    lcache_fill_done(b, f);
    cr_assert_eq(lcache_get(a, key, tag, TTL * 3 / 4 + 10, &body, &f), LCACHE_HIT, "A takes B's");
    cr_assert(memcmp(body->data, "B", 1) == 0);
    lcache_body_unref(body);
    /* After a change neither serves nor shares the old reply. */
    lcache_apply_message(PAT " 9009");
    cr_assert_eq(lcache_get(a, key, tag, TTL * 3 / 4 + 20, &body, &f), LCACHE_FILL);
    cr_assert_eq(lcache_get(b, key, tag, TTL * 3 / 4 + 20, &body, &f), LCACHE_FILL);
    lcache_free(a);
    lcache_free(b);
}
