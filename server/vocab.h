#ifndef SUMMITD_SERVER_VOCAB_H
#define SUMMITD_SERVER_VOCAB_H

/* The controlled vocabularies of the seed plan (成都市加快人工智能产业发展推进方案): sectors,
 * zones, enterprise tiers, project stages, event and session kinds. Each term has a stable
 * ASCII code (what is stored and returned), a Chinese and an English name, and aliases that
 * input may use instead of the code (the Chinese name always; older free-text spellings found in
 * existing data such as "高新区" or "交通"). GET /api/v1/vocabularies lists them; organizations
 * and projects validate tier/sector/zone/stage against them (vocab_resolve). */

#include <stdbool.h>
#include <stddef.h>

#include "server/query.h"

enum vocab_kind {
    VOCAB_SECTOR,
    VOCAB_ZONE,
    VOCAB_TIER,
    VOCAB_STAGE,
    VOCAB_EVENT_KIND,
    VOCAB_SESSION_KIND,
    VOCAB_KINDS
};

struct vocab_term {
    const char *code;
    const char *zh, *en;
    const char *const *aliases; /* NULL-terminated, or NULL */
};

/* The JSON key of a vocabulary ("sectors", "zones", "tiers", "stages", "event_kinds",
 * "session_kinds"). */
const char *vocab_key(enum vocab_kind k);
/* The terms of vocabulary k, *n of them, in display order. */
const struct vocab_term *vocab_terms(enum vocab_kind k, size_t *n);
/* The term whose code, Chinese or English name or alias is exactly `s` (codes and English names
 * also case-insensitively), or NULL. */
const struct vocab_term *vocab_resolve(enum vocab_kind k, const char *s);
/* The name of `code` in lang; the code itself when it is no term (legacy free text). */
const char *vocab_name(enum vocab_kind k, const char *code, enum lang lang);

/* Reading vocabulary fields of requests (returns as json.h / query.h do: 0 present, 1 absent
 * and optional, -1 after replying 400 validation_failed naming the field, whose message points
 * at GET /api/v1/vocabularies). *code is the term's code (static). With `empty_ok`, an empty
 * string is present and means "none" (*code = ""). */
struct cJSON;
struct req;
struct text_limit;
int json_vocab(struct req *r, const struct cJSON *o, const char *field, bool required,
               enum vocab_kind k, bool empty_ok, const struct text_limit *lim, const char **code);
int req_query_vocab(struct req *r, const char *name, enum vocab_kind k,
                    const struct text_limit *lim, const char **code);

#endif
