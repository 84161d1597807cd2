#include "base/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn)) oom(size_t n)
{
    char buf[96];
    int len = snprintf(buf, sizeof(buf), "summitd: out of memory allocating %zu bytes\n", n);
    if (len > 0)
        (void)!write(2, buf, (size_t)len);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int n = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom(0);
    return out;
}

void sd_assert_fail(const char *expr, const char *file, int line)
{
    char buf[512];
    int len =
        snprintf(buf, sizeof(buf), "summitd: assertion failed: %s at %s:%d\n", expr, file, line);
    if (len > 0)
        (void)!write(2, buf, (size_t)len > sizeof(buf) ? sizeof(buf) : (size_t)len);
    abort();
}
