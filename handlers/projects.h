#ifndef SUMMITD_HANDLERS_PROJECTS_H
#define SUMMITD_HANDLERS_PROJECTS_H

#include <stdbool.h>

/* Supply and demand projects: create, read, partial update, close (soft delete), list with
 * filters and a text query (through the project_terms inverted index), and recommendations from
 * the match index (server/recs.h). Every change is committed in MySQL first, then announced
 * with recs_project_changed(). */

#include <stddef.h>

struct req;
struct cJSON;

void projects_create(struct req *r);          /* POST /api/v1/projects */
void projects_list(struct req *r);            /* GET /api/v1/projects */
void projects_get(struct req *r);             /* GET /api/v1/projects/{id} */
void projects_update(struct req *r);          /* PATCH /api/v1/projects/{id} */
void projects_close(struct req *r);           /* DELETE /api/v1/projects/{id} */
void projects_recommendations(struct req *r); /* GET /api/v1/projects/{id}/recommendations */
/* Its answer from memory on the event loop (server/routes.h: loop_fn), when cached. */
bool projects_recommendations_loop(struct req *r);

/* {id, title, side, status, organization: {id, name, tier}} from the PROJECTS_SHORT_NCOLS columns
 * of a result row starting at `col`, PROJECTS_SHORT_COLS(p, o) for projects p JOIN
 * organizations o. Caller owns the object. */
#define PROJECTS_SHORT_COLS(p, o)                                                                  \
    p ".id, " p ".title, " p ".side, " p ".status, " o ".id, " o ".name, " o ".tier"
enum {
    PROJECTS_SHORT_ID,
    PROJECTS_SHORT_TITLE,
    PROJECTS_SHORT_SIDE,
    PROJECTS_SHORT_STATUS,
    PROJECTS_SHORT_ORG,
    PROJECTS_SHORT_ORG_NAME,
    PROJECTS_SHORT_ORG_TIER,
    PROJECTS_SHORT_NCOLS
};
struct db_res;
struct cJSON *projects_short_json(const struct db_res *res, size_t row, size_t col);

#endif
