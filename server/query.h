#ifndef SUMMITD_SERVER_QUERY_H
#define SUMMITD_SERVER_QUERY_H

#include <stdbool.h>
#include <stdint.h>

/* Typed query parameters, read the way json.h reads body fields: each returns 0 (present and
 * valid: *out set), 1 (absent and not required: *out untouched, so initialize it to the
 * default) or -1 (replied 400 validation_failed naming the parameter). Strings borrow from r.
 * Paging parameters (`limit`, `cursor`) are server/paging.h's. */

struct req;
struct text_limit;

/* One of names (NULL-terminated); *out is its index. */
int req_query_enum(struct req *r, const char *name, bool required, const char *const *names,
                   int *out);
/* A decimal integer in min..max (digits with an optional leading '-'; nothing else). */
int req_query_int(struct req *r, const char *name, bool required, int64_t min, int64_t max,
                  int64_t *out);
/* A positive id (as in paths: 1..18 digits, no sign or leading zeros needed). */
int req_query_id(struct req *r, const char *name, bool required, int64_t *out);
/* true/false/1/0. */
int req_query_bool(struct req *r, const char *name, bool required, bool *out);
/* An RFC 3339 time (unix seconds). */
int req_query_time(struct req *r, const char *name, bool required, int64_t *out);
/* Text within lim (server/limits.h), in characters and in bytes. */
int req_query_text(struct req *r, const char *name, bool required, const struct text_limit *lim,
                   const char **out);

/* The languages the server writes in, in order of preference when nothing says otherwise. */
enum lang { LANG_ZH = 0, LANG_EN = 1 };
extern const char *const lang_tags[]; /* {"zh", "en", NULL}: BCP 47 primary tags of enum lang */

/* The language to write to the caller in: `lang=zh|en` in the query, else the signed-in user's
 * chosen locale, else the preferred of zh/en in Accept-Language, else Chinese. Returns 0 and
 * *out, or -1 after replying 400 for a `lang` that is neither. */
int req_lang(struct req *r, enum lang *out);
/* The same choice without replying: a `lang` that is neither zh nor en is ignored (what error
 * replies use, server/i18n.h). */
enum lang req_lang_quiet(const struct req *r);

#endif
