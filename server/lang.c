#include "server/lang.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RANGE_MAX 64 /* bytes of one range read, with its NUL */

/* Whether range s (parameters already cut off) names language tag `name`. */
static bool names_tag(const char *s, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(s, name, n) == 0 && (s[n] == '\0' || s[n] == '-' || s[n] == ' ');
}

int lang_pick(const char *h, const char *const *names)
{
    int best = -1;
    double best_q = 0;
    while (h && *h) {
        const char *end = strchr(h, ',');
        size_t n = end ? (size_t)(end - h) : strlen(h);
        char range[RANGE_MAX];
        snprintf(range, sizeof(range), "%.*s", (int)(n < sizeof(range) ? n : sizeof(range) - 1), h);
        char *s = range;
        while (*s == ' ' || *s == '\t')
            s++;
        double q = 1;
        char *semi = strchr(s, ';');
        if (semi) {
            *semi = '\0';
            const char *qp = strstr(semi + 1, "q=");
            if (qp)
                q = strtod(qp + 2, NULL);
        }
        for (int i = 0; names[i]; i++) {
            if (names_tag(s, names[i]) && q > best_q) {
                best_q = q;
                best = i;
                break;
            }
        }
        h = end ? end + 1 : NULL;
    }
    return best;
}
