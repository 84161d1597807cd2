/* The loop cache: entries live until their deadline or until their resource's epoch moves, and
 * every spelling of an id shares one tag. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "server/lcache.h"

#define PAT "/api/v1/events/{id}"

Test(lcache, a_hit_until_its_deadline)
{
    struct lcache *c = lcache_new();
    uint32_t tag = lcache_tag(PAT, 9001);
    lcache_put(c, "/api/v1/events/9001", tag, lcache_epoch(tag), 1000, "{\"id\":9001}", 11,
               "application/json");
    char *body;
    size_t len;
    const char *ct;
    cr_assert_eq(lcache_get(c, "/api/v1/events/9001", tag, 999, &body, &len, &ct), 1);
    cr_assert_eq(len, 11);
    cr_assert_str_eq(body, "{\"id\":9001}");
    cr_assert_str_eq(ct, "application/json");
    free(body);
    cr_assert_eq(lcache_get(c, "/api/v1/events/9001", tag, 1000, &body, &len, &ct), 0, "expired");
    cr_assert_eq(lcache_get(c, "/api/v1/events/9002", tag, 0, &body, &len, &ct), 0, "other key");
    lcache_free(c);
}

Test(lcache, an_invalidation_message_drops_every_spelling)
{
    struct lcache *c = lcache_new();
    uint32_t tag = lcache_tag(PAT, 9003);
    cr_assert_eq(tag, lcache_tag(PAT, 9003));
    lcache_put(c, "/api/v1/events/09003", tag, lcache_epoch(tag), 1000000, "x", 1, "text/plain");
    char *body;
    size_t len;
    const char *ct;
    cr_assert_eq(lcache_get(c, "/api/v1/events/09003", tag, 0, &body, &len, &ct), 1);
    free(body);
    lcache_apply_message(PAT " 9003");
    cr_assert_eq(lcache_get(c, "/api/v1/events/09003", tag, 0, &body, &len, &ct), 0);
    lcache_free(c);
}

Test(lcache, a_read_that_began_before_a_change_is_stale_at_once)
{
    /* The epoch is taken when the request arrives; a reply stored after a bump is refused. */
    struct lcache *c = lcache_new();
    uint32_t tag = lcache_tag(PAT, 9004);
    uint64_t at_arrival = lcache_epoch(tag);
    lcache_apply_message(PAT " 9004");
    lcache_put(c, "/api/v1/events/9004", tag, at_arrival, 1000000, "old", 3, "text/plain");
    char *body;
    size_t len;
    const char *ct;
    cr_assert_eq(lcache_get(c, "/api/v1/events/9004", tag, 0, &body, &len, &ct), 0);
    lcache_free(c);
}
