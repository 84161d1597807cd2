/* HMAC-SHA256 against RFC 4231's vectors; base64 both ways; constant-time equality. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/auth.h"
#include "server/crypto.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

Test(crypto, hmac_sha256_rfc4231)
{
    unsigned char key[20], mac[CRYPTO_HMAC_LEN];
    char h[65];
    memset(key, 0x0b, sizeof(key));
    const void *parts[] = {"Hi ", "There"};
    size_t lens[] = {3, 5};
    crypto_hmac_sha256(key, sizeof(key), parts, lens, 2, mac); /* test case 1, in two parts */
    hex(mac, sizeof(mac), h);
    cr_assert_str_eq(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    const void *p2[] = {"what do ya want for nothing?"};
    size_t l2[] = {28};
    crypto_hmac_sha256("Jefe", 4, p2, l2, 1, mac); /* test case 2 */
    hex(mac, sizeof(mac), h);
    cr_assert_str_eq(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char big[131]; /* test case 6: a key longer than the block */
    memset(big, 0xaa, sizeof(big));
    const void *p6[] = {"Test Using Larger Than Block-Size Key - Hash Key First"};
    size_t l6[] = {54};
    crypto_hmac_sha256(big, sizeof(big), p6, l6, 1, mac);
    hex(mac, sizeof(mac), h);
    cr_assert_str_eq(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

Test(crypto, base64_round_trips_and_refuses_junk)
{
    unsigned char in[7] = {0xfb, 0xff, 0x00, 0x10, 'a', 'b', 'c'}, out[16];
    char enc[32];
    for (size_t n = 0; n <= sizeof(in); n++) {
        auth_base64url(in, n, enc);
        cr_assert_eq(crypto_b64url_decode(enc, strlen(enc), out, sizeof(out)), (long)n);
        cr_assert_eq(memcmp(in, out, n), 0);
        crypto_b64_encode(in, n, enc);
        cr_assert_eq(crypto_b64_decode(enc, strlen(enc), out, sizeof(out)), (long)n, "%s", enc);
        cr_assert_eq(memcmp(in, out, n), 0);
    }
    cr_assert_eq(crypto_b64url_decode("+/8", 3, out, sizeof(out)), -1, "not url-safe");
    cr_assert_eq(crypto_b64url_decode("A", 1, out, sizeof(out)), -1, "impossible length");
    cr_assert_eq(crypto_b64url_decode("AB", 2, out, sizeof(out)), -1, "non-zero leftover bits");
    cr_assert_eq(crypto_b64url_decode("AAAAAAAA", 8, out, 5), -1, "no room");
}

Test(crypto, equality)
{
    cr_assert(crypto_equal("abcdef", "abcdef", 6));
    cr_assert_not(crypto_equal("abcdef", "abcdeF", 6));
    cr_assert(crypto_equal("x", "y", 0));
}
