/* Bulk login sessions for `make bench`: logging in tens of thousands of users through
 * POST /auth/login would spend minutes in yescrypt, so the loader mints tokens the way
 * server/auth.c does (32 random bytes, base64url; Redis key <prefix>sess:<sha256 hex> holding
 * "<user id> <roles>" with a TTL) and writes them as Redis protocol for `redis-cli --pipe`.
 *
 *   mktokens PREFIX ROLES TTL TOKENS_FILE < user ids (one a line) | redis-cli -p P --pipe
 *
 * TOKENS_FILE gets "<user id> <token>" lines for the wrk scripts. Keep in step with
 * auth_session_create() in server/auth.c. */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = tab[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = tab[v & 63];
    }
    out[o] = '\0';
}

static void resp(const char *const *argv, int argc)
{
    printf("*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        printf("$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s PREFIX ROLES TTL TOKENS_FILE < ids\n", argv[0]);
        return 2;
    }
    FILE *tf = fopen(argv[4], "w");
    if (!tf) {
        perror(argv[4]);
        return 1;
    }
    char line[64];
    long n = 0;
    while (fgets(line, sizeof(line), stdin)) {
        long long uid = strtoll(line, NULL, 10);
        if (uid <= 0)
            continue;
        unsigned char raw[32], d[SHA256_DIGEST_LENGTH];
        if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
            return 1;
        char tok[48], hex[65], key[256], val[64];
        b64url(raw, sizeof(raw), tok);
        SHA256((const unsigned char *)tok, strlen(tok), d);
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        snprintf(key, sizeof(key), "%ssess:%s", argv[1], hex);
        snprintf(val, sizeof(val), "%lld %s", uid, argv[2]);
        const char *cmd[] = {"SET", key, val, "EX", argv[3]};
        resp(cmd, 5);
        fprintf(tf, "%lld %s\n", uid, tok);
        n++;
    }
    fclose(tf);
    fprintf(stderr, "mktokens: %ld tokens\n", n);
    return 0;
}
