#ifndef SUMMITD_HANDLERS_COMPETITIONS_H
#define SUMMITD_HANDLERS_COMPETITIONS_H

/* Competitions in sessions of kind `competition` (SPEC "Competitions", issue 5): criteria,
 * entries, judges, scores, and the normalized leaderboard (matching/leaderboard.h), cached in
 * Redis by server/board_cache.h: every change that moves it bumps its version in the changing
 * transaction and rewrites the cache after the commit. */

struct req;

void competitions_criteria_create(struct req *r); /* POST /api/v1/sessions/{id}/criteria */
void competitions_entries_create(struct req *r);  /* POST /api/v1/sessions/{id}/entries */
void competitions_judges_create(struct req *r);   /* POST /api/v1/sessions/{id}/judges */
void competitions_scores_put(struct req *r);      /* PUT /api/v1/entries/{id}/scores */
void competitions_leaderboard(struct req *r);     /* GET /api/v1/sessions/{id}/leaderboard */
void competitions_publish(struct req *r);         /* POST /api/v1/sessions/{id}/results/publish */
/* GET /api/v1/sessions/{id}/competition: criteria, entries and judges (what a judging client
 * needs); anyone who can see the event. */
void competitions_get(struct req *r);
/* GET /api/v1/sessions/{id}/my-scores: the calling judge's own scores, entry by entry. */
void competitions_my_scores(struct req *r);

#endif
