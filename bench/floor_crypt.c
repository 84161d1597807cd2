/* The login floor of `make bench`: how many yescrypt verifications per second this machine does
 * at a given cost with THREADS threads (POST /auth/login does one per request, see
 * handlers/login.c), with nothing else around it.
 *
 *   floor_crypt COST THREADS SECONDS     prints {"cost","threads","verifies","rps","ms_each"}
 */
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char hash[CRYPT_OUTPUT_SIZE];
static double deadline;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    long *count = arg;
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    while (now_s() < deadline) {
        const char *h = crypt_r("bench-password-1", hash, cd);
        if (!h || strcmp(h, hash) != 0) {
            fprintf(stderr, "floor_crypt: verification failed\n");
            exit(1);
        }
        (*count)++;
    }
    free(cd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s COST THREADS SECONDS\n", argv[0]);
        return 2;
    }
    int cost = atoi(argv[1]), n = atoi(argv[2]), secs = atoi(argv[3]);
    if (cost < 1 || cost > 11 || n < 1 || n > 256 || secs < 1 || secs > 600)
        return 2;
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    if (!crypt_gensalt_rn("$y$", (unsigned long)cost, NULL, 0, salt, sizeof(salt)))
        return 1;
    const char *h = crypt_r("bench-password-1", salt, &cd);
    if (!h || h[0] == '*')
        return 1;
    snprintf(hash, sizeof(hash), "%s", h);
    pthread_t *th = calloc((size_t)n, sizeof(*th));
    long *counts = calloc((size_t)n, sizeof(*counts));
    double t0 = now_s();
    deadline = t0 + secs;
    for (int i = 0; i < n; i++)
        pthread_create(&th[i], NULL, run, &counts[i]);
    long total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total += counts[i];
    }
    double el = now_s() - t0;
    printf("{\"cost\":%d,\"threads\":%d,\"verifies\":%ld,\"rps\":%.1f,\"ms_each\":%.2f}\n", cost, n,
           total, (double)total / el, total ? el * 1000.0 * n / (double)total : 0.0);
    free(th);
    free(counts);
    return 0;
}
