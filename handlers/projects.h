#ifndef SUMMITD_HANDLERS_PROJECTS_H
#define SUMMITD_HANDLERS_PROJECTS_H

/* Supply and demand projects: create, read, partial update, close (soft delete), list with
 * filters and a text query (through the project_terms inverted index), and recommendations from
 * the match index (server/recs.h). Every change is committed in MySQL first, then announced
 * with recs_project_changed(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct req;
struct db;
struct cJSON;

void projects_create(struct req *r);          /* POST /api/v1/projects */
void projects_list(struct req *r);            /* GET /api/v1/projects */
void projects_get(struct req *r);             /* GET /api/v1/projects/{id} */
void projects_update(struct req *r);          /* PATCH /api/v1/projects/{id} */
void projects_close(struct req *r);           /* DELETE /api/v1/projects/{id} */
void projects_recommendations(struct req *r); /* GET /api/v1/projects/{id}/recommendations */

/* The few columns other handlers need to check a project. */
struct project_brief {
    int64_t id;
    int64_t org_id;
    int side;  /* enum match_side */
    bool open; /* status = 'open' */
};

/* Loads project `id`. 0 (with *found), or SD_ERR_*. With `lock`, reads with FOR UPDATE (inside
 * a transaction). */
int projects_brief(struct db *db, int64_t id, bool lock, struct project_brief *out, bool *found);

/* {id, title, side, status, organization: {id, name, tier}} from the columns of a result row
 * starting at `col`: id, title, side, status, org id, org name, org tier (7 columns). Caller
 * owns the object. PROJECTS_SHORT_COLS(p, o) names those columns for projects p JOIN
 * organizations o. */
#define PROJECTS_SHORT_COLS(p, o)                                                                  \
    p ".id, " p ".title, " p ".side, " p ".status, " o ".id, " o ".name, " o ".tier"
struct db_res;
struct cJSON *projects_short_json(const struct db_res *res, size_t row, size_t col);

#endif
