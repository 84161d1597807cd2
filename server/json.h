#ifndef SUMMITD_SERVER_JSON_H
#define SUMMITD_SERVER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Request-body parsing and typed field getters that answer the SPEC's validation errors
 * (400 with "field"). Getters return 0 when the field is present and valid, 1 when it is absent
 * and optional (out untouched), -1 after replying 400 (the handler then just returns). */

struct cJSON;
struct req;

/* Installs xmalloc-based cJSON hooks; call once at start. */
void json_init(void);

/* Parses r->body as one JSON object; replies 400 and returns NULL otherwise. Caller deletes. */
struct cJSON *json_body(struct req *r);

/* A UTF-8 string of minc..maxc characters (code points), valid UTF-8, no control characters
 * except \n, \r and \t when `multiline`. *out borrows from the cJSON tree. */
int json_str(struct req *r, const struct cJSON *o, const char *field, bool required, size_t minc,
             size_t maxc, bool multiline, const char **out);
int json_int(struct req *r, const struct cJSON *o, const char *field, bool required, int64_t min,
             int64_t max, int64_t *out);
int json_double(struct req *r, const struct cJSON *o, const char *field, bool required, double min,
                double max, double *out);
int json_bool(struct req *r, const struct cJSON *o, const char *field, bool required, bool *out);
/* One of `names` (NULL-terminated); *out is its index. */
int json_enum(struct req *r, const struct cJSON *o, const char *field, bool required,
              const char *const *names, int *out);
/* An RFC 3339 time, as unix seconds. */
int json_time(struct req *r, const struct cJSON *o, const char *field, bool required, int64_t *out);

/* Number of code points of a valid UTF-8 string, or -1 when invalid (or when it holds control
 * characters other than \n \r \t with `multiline`, or any with !multiline). */
long utf8_chars(const char *s, size_t len, bool multiline);

/* Response builders. */
void json_add_time(struct cJSON *o, const char *name, int64_t t); /* null when t == 0 */
void json_add_str_or_null(struct cJSON *o, const char *name, const char *s);
/* "next_cursor": the last id of a page as text when more rows follow, else null. (Lists read
 * limit + 1 rows to know.) */
void json_add_next_cursor(struct cJSON *o, bool more, int64_t last_id);

#endif
