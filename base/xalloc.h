#ifndef SUMMITD_BASE_XALLOC_H
#define SUMMITD_BASE_XALLOC_H

#include <stddef.h>

/* Allocation that never returns NULL: on failure it logs to stderr and aborts.
 * Callers never NULL-check the result. Free with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a freshly allocated printf-formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Aborts with file:line when an invariant is broken, in every build. */
#define SD_ASSERT(expr) ((expr) ? (void)0 : sd_assert_fail(#expr, __FILE__, __LINE__))
void sd_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

#define SD_MUST_CHECK __attribute__((warn_unused_result))
#define SD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
