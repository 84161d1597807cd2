#ifndef SUMMITD_SERVER_CRYPTO_H
#define SUMMITD_SERVER_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Small cryptographic helpers over OpenSSL's libcrypto and getrandom(2): randomness, HMAC-SHA256,
 * constant-time comparison and base64 (standard and url-safe, decoding). Only this module and
 * auth.c include OpenSSL headers. */

#define CRYPTO_HMAC_LEN 32

/* n bytes from the kernel's CSPRNG (never fails once the kernel is seeded). */
void crypto_random(void *buf, size_t n);
/* HMAC-SHA256 of the concatenation of `parts` (n of them) under key. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *const *parts,
                        const size_t *lens, size_t n, unsigned char out[CRYPTO_HMAC_LEN]);
/* Equality of two n-byte strings in time that does not depend on where they differ. */
bool crypto_equal(const void *a, const void *b, size_t n);
/* Decodes base64url (no padding, as auth_base64url writes) into out (capacity cap). Returns the
 * number of bytes, or -1 for a character outside the alphabet, a bad length or not enough room. */
long crypto_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap);
/* Standard base64 with padding; out needs 4 * ceil(n / 3) + 1 bytes. */
void crypto_b64_encode(const unsigned char *in, size_t n, char *out);
/* Standard base64 (padding optional); as crypto_b64url_decode. */
long crypto_b64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
