#include "handlers/vocabularies.h"

#include <cjson/cJSON.h>

#include "server/http.h"
#include "server/vocab.h"

/* The lists change only with a release: an hour in any cache is safe. */
#define VOCAB_CACHE "public, max-age=3600"

void vocabularies_get(struct req *r)
{
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < VOCAB_KINDS; k++) {
        size_t n;
        const struct vocab_term *t = vocab_terms((enum vocab_kind)k, &n);
        cJSON *a = cJSON_AddArrayToObject(o, vocab_key((enum vocab_kind)k));
        for (size_t i = 0; i < n; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "code", t[i].code);
            cJSON *names = cJSON_AddObjectToObject(e, "names");
            cJSON_AddStringToObject(names, "zh", t[i].zh);
            cJSON_AddStringToObject(names, "en", t[i].en);
            cJSON *al = cJSON_AddArrayToObject(e, "aliases");
            for (const char *const *s = t[i].aliases; s && *s; s++)
                cJSON_AddItemToArray(al, cJSON_CreateString(*s));
            cJSON_AddItemToArray(a, e);
        }
    }
    reply_header(r, "Cache-Control", VOCAB_CACHE);
    reply_json(r, 200, o);
}
