/* Sliding sessions (server/auth.h): the record's parsing and when a use extends it. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/auth.h"
#include "server/config.h"

Test(auth, session_record_new_and_old_forms)
{
    struct auth_session s;
    cr_assert(auth_session_parse("12 5 en 2000 1500", &s));
    cr_assert_eq(s.user_id, 12);
    cr_assert_eq(s.roles, 5u);
    cr_assert_eq(s.locale, 2u); /* 1 + LANG_EN */
    cr_assert_eq(s.max_expires_at, 2000);
    cr_assert_eq(s.expires_at, 1500);
    cr_assert(auth_session_parse("12 1", &s), "sessions written before sliding expiry");
    cr_assert_eq(s.locale, 0u);
    cr_assert_eq(s.max_expires_at, 0);
    cr_assert_not(auth_session_parse("0 1", &s));
    cr_assert_not(auth_session_parse("x", &s));
}

Test(auth, a_use_extends_only_past_half_the_window_and_never_past_the_cap)
{
    struct config cfg = {.token_ttl_s = 1000, .token_max_age_s = 100000};
    struct auth_session s = {.user_id = 1, .max_expires_at = 50000, .expires_at = 10600};
    cr_assert_eq(auth_extend_to(&cfg, &s, 10000), 0, "600 s of 1000 left: no write");
    s.expires_at = 10400;
    cr_assert_eq(auth_extend_to(&cfg, &s, 10000), 11000, "400 s left: a full window");
    s.max_expires_at = 10700;
    cr_assert_eq(auth_extend_to(&cfg, &s, 10000), 10700, "up to the cap");
    s.max_expires_at = 10400;
    cr_assert_eq(auth_extend_to(&cfg, &s, 10000), 0, "at the cap: nothing to extend");
    s.max_expires_at = 0;
    cr_assert_eq(auth_extend_to(&cfg, &s, 10000), 0, "an old session is never extended");
    cfg.token_max_age_s = 500; /* the idle window is at most the cap */
    cr_assert_eq(auth_idle_s(&cfg), 500);
}

/* Session keys are the token's SHA-256 in lowercase hex (Redis keys written by older builds and
 * by bench/mktokens must still be found). */
Test(auth, sha256_hex_is_the_standard_digest_in_lowercase)
{
    char hex[65];
    memset(hex, 'x', sizeof(hex));
    auth_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auth_sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
