#ifndef SUMMITD_HANDLERS_VOCABULARIES_H
#define SUMMITD_HANDLERS_VOCABULARIES_H

struct req;

/* GET /api/v1/vocabularies: every controlled vocabulary (server/vocab.h), public, cacheable. */
void vocabularies_get(struct req *r);

#endif
