#ifndef SUMMITD_SERVER_BUF_H
#define SUMMITD_SERVER_BUF_H

#include <stddef.h>

/* A growable byte buffer, always NUL-terminated after its content. Embedded: buf_init/deinit. */
struct buf {
    char *p;
    size_t len, cap;
};

void buf_init(struct buf *b);
void buf_deinit(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the content to the caller (free with free()); the buffer is empty afterwards. */
char *buf_take(struct buf *b, size_t *len);

#endif
