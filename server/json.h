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

/* Parses r->body as one JSON object; replies 400 and returns NULL otherwise. Caller deletes.
 * Every string in it (keys and values, at any depth) must be valid UTF-8 without NUL (raw, or
 * escaped as \u0000, which cJSON would decode into a NUL that silently ends the C string):
 * otherwise 400 validation_failed whose `field` names the member as handlers do ("title",
 * "tags" for any tag, "scores.17") and whose message gives the full path ("tags[2]"). */
struct cJSON *json_body(struct req *r);

/* The limits of one text input. Characters are Unicode code points (what a person counts, and
 * what MySQL's VARCHAR(n) counts); bytes are its UTF-8 encoding (what C buffers, Redis keys,
 * TEXT columns (65,535 bytes) and index terms hold). Both apply: 200 CJK characters are 600
 * bytes, 200 emoji 800. Every field's limits are in server/limits.h. */
struct text_limit {
    size_t min_chars;
    size_t max_chars;
    size_t max_bytes;
    bool multiline; /* \n, \r and \t allowed; other control characters never are */
};

enum text_err {
    TEXT_OK = 0,
    TEXT_BAD = -1,        /* not valid UTF-8, or a control character (NUL included) */
    TEXT_SHORT = -2,      /* fewer than min_chars characters */
    TEXT_LONG = -3,       /* more than max_chars characters */
    TEXT_LONG_BYTES = -4, /* more than max_bytes bytes */
};

/* Checks `len` bytes of `s` (which may hold NUL bytes) against `lim`: TEXT_OK or a negative
 * enum text_err. */
int json_text_check(const char *s, size_t len, const struct text_limit *lim);
/* Replies 400 validation_failed naming `field` for a json_text_check() failure; returns -1. */
int json_text_reply(struct req *r, const char *field, const struct text_limit *lim, int err);

/* A string field within `lim`. *out borrows from the cJSON tree (json_body() refused strings
 * with an embedded NUL, so strlen(*out) is its whole length). */
int json_text(struct req *r, const struct cJSON *o, const char *field, bool required,
              const struct text_limit *lim, const char **out);

/* Older form of json_text: minc..maxc characters and at most 4 x maxc bytes (the most maxc
 * characters can take, so no tighter byte cap). New code uses json_text with a limits.h entry. */
int json_str(struct req *r, const struct cJSON *o, const char *field, bool required, size_t minc,
             size_t maxc, bool multiline, const char **out);
int json_int(struct req *r, const struct cJSON *o, const char *field, bool required, int64_t min,
             int64_t max, int64_t *out);
/* A body that is one object whose required `field` is a positive id (the body of "add X to Y"
 * routes): 0 and *out, or -1 after replying 400. */
int json_body_id(struct req *r, const char *field, int64_t *out);
int json_double(struct req *r, const struct cJSON *o, const char *field, bool required, double min,
                double max, double *out);
int json_bool(struct req *r, const struct cJSON *o, const char *field, bool required, bool *out);
/* One of `names` (NULL-terminated); *out is its index. */
/* Index of s in names (NULL-terminated), or -1. */
int json_enum_index(const char *const *names, const char *s);
/* Replies 400 validation_failed "<field> must be one of: …" and returns -1. */
int json_enum_reply(struct req *r, const char *field, const char *const *names);
int json_enum(struct req *r, const struct cJSON *o, const char *field, bool required,
              const char *const *names, int *out);
/* An RFC 3339 time, as unix seconds. */
int json_time(struct req *r, const struct cJSON *o, const char *field, bool required, int64_t *out);

/* Number of code points of a valid UTF-8 string, or -1 when invalid (or when it holds control
 * characters other than \n \r \t with `multiline`, or any with !multiline). */
long utf8_chars(const char *s, size_t len, bool multiline);
/* Replaces every byte that is not part of well-formed UTF-8, and every control character, with
 * '?' in place: text that is safe to echo in a JSON error. */
void utf8_scrub(char *s);

/* Response builders. */
void json_add_time(struct cJSON *o, const char *name, int64_t t); /* null when t == 0 */
void json_add_str_or_null(struct cJSON *o, const char *name, const char *s);

#endif
