/* notify/notify.c's pure parts: which kinds are transactional, the kinds the API keeps. */
#include <criterion/criterion.h>
#include <string.h>

#include "notify/notify.h"

Test(notify, transactional_kinds_are_registration_meeting_and_reminder)
{
    cr_assert(notify_transactional(NOTIFY_REGISTRATION_CONFIRMED));
    cr_assert(notify_transactional(NOTIFY_REGISTRATION_PROMOTED));
    cr_assert(notify_transactional(NOTIFY_MEETING_CHANGED));
    cr_assert(notify_transactional(NOTIFY_REMINDER));
    cr_assert_not(notify_transactional(NOTIFY_MATCH_MUTUAL));
    cr_assert_not(notify_transactional(NOTIFY_RECOMMENDATIONS_DIGEST));
    cr_assert_not(notify_transactional(NOTIFY_EVENT_CANCELLED));
    cr_assert_not(notify_transactional("registration")); /* a prefix needs its dot */
}

Test(notify, every_kind_is_listed_once)
{
    const char *want[] = {NOTIFY_REGISTRATION_CONFIRMED, NOTIFY_REGISTRATION_WAITLISTED,
                          NOTIFY_REGISTRATION_PROMOTED,  NOTIFY_REGISTRATION_CANCELLED,
                          NOTIFY_EVENT_CANCELLED,        NOTIFY_SESSION_CHANGED,
                          NOTIFY_PITCH_PLACED,           NOTIFY_MEETING_SCHEDULED,
                          NOTIFY_MEETING_CHANGED,        NOTIFY_MATCH_MUTUAL,
                          NOTIFY_RECOMMENDATIONS_DIGEST, NOTIFY_RESULTS_PUBLISHED,
                          NOTIFY_ORG_INVITATION,         NOTIFY_REMINDER};
    size_t n = 0;
    while (notify_kinds[n])
        n++;
    cr_assert_eq(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t k = 0; k < n; k++)
            seen += strcmp(notify_kinds[k], want[i]) == 0;
        cr_assert_eq(seen, 1, "%s", want[i]);
    }
}
