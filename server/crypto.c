#include "server/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "base/xalloc.h"

void crypto_random(void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom((unsigned char *)buf + got, n - got, 0);
        SD_ASSERT(k > 0); /* the kernel's CSPRNG does not fail once seeded */
        got += (size_t)k;
    }
}

static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *const *parts,
                        const size_t *lens, size_t n, unsigned char out[CRYPTO_HMAC_LEN])
{
    pthread_once(&hmac_once, hmac_fetch);
    SD_ASSERT(hmac_alg);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_alg);
    SD_ASSERT(ctx);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    SD_ASSERT(EVP_MAC_init(ctx, key, keylen, params) == 1);
    for (size_t i = 0; i < n; i++)
        SD_ASSERT(EVP_MAC_update(ctx, parts[i], lens[i]) == 1);
    size_t outl = 0;
    SD_ASSERT(EVP_MAC_final(ctx, out, &outl, CRYPTO_HMAC_LEN) == 1 && outl == CRYPTO_HMAC_LEN);
    EVP_MAC_CTX_free(ctx);
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(x[i] ^ y[i]);
    return d == 0;
}

static int b64_value(char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

static long b64_decode(const char *in, size_t len, unsigned char *out, size_t cap, bool url)
{
    while (!url && len > 0 && in[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i], url);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* The bits left over must be zero (one encoding per value). */
    if (acc != 0)
        return -1;
    return (long)o;
}

long crypto_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    return b64_decode(in, len, out, cap, true);
}

long crypto_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    return b64_decode(in, len, out, cap, false);
}

void crypto_b64_encode(const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}
