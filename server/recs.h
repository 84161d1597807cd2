#ifndef SUMMITD_SERVER_RECS_H
#define SUMMITD_SERVER_RECS_H

/* The match-index service: the in-memory matching/index.h index of every open project, shared
 * by all workers behind a rwlock, kept in step with MySQL on every instance:
 *   - at start, recs_load() reads every open project;
 *   - after a committed change on this instance, recs_project_changed() re-reads that row into
 *     the local index at once (the writer sees it in the same request) and PUBLISHes the id on
 *     Redis channel `<prefix>projects`;
 *   - the sync thread (server/sync.c) SUBSCRIBEs to that channel and calls recs_apply() for each
 *     id it hears, and every second recs_poll(), which re-reads the projects whose updated_at
 *     moved since its last look, so a missed message (Redis down) delays an update by about a
 *     second, never loses it.
 * Only this module and the handlers call it; matching/ stays pure. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matching/score.h"
#include "base/xalloc.h"

struct config;
struct db;
struct rds;
struct recs;

/* Weights come from the config's match_weight_* keys. Caller frees with recs_free(). */
struct recs *recs_new(const struct config *cfg);
void recs_free(struct recs *rc);

/* Reads every open project into the index (start-up, before serving). 0 or SD_ERR_*. */
int recs_load(struct recs *rc, struct db *db) SD_MUST_CHECK;

#define RECS_CHANNEL "projects"

/* Re-reads project `id` from MySQL into the index (the sync thread, on a message). */
int recs_apply(struct recs *rc, struct db *db, int64_t id) SD_MUST_CHECK;
/* Re-reads every project changed since the last look (the sync thread, every second). */
void recs_poll(struct recs *rc, struct db *db);

/* Call after committing any change to project `id` (create, update, close). Never fails from the
 * caller's view: a MySQL or Redis error here only delays the index until the next sync. */
void recs_project_changed(struct recs *rc, struct db *db, struct rds *rds, int64_t id);

struct cJSON;
struct recs_item {
    int64_t id; /* the recommended project */
    double score;
    /* [{code, params, text, contribution}], owned (recs_items_free()): see
     * components/schemas/Reason in docs/openapi.yaml. */
    struct cJSON *reasons;
    /* [{code, weight, contribution}] for every factor, owned: components/schemas/Factor. */
    struct cJSON *factors;
    /* Exposure control: true when the project was among this list's best `places` by score but
     * the assignment gave its place to another (it has reached its exposure budget); then its
     * reasons start with exposure_limited. places: first places it takes in the lists of its
     * counterparts; demand: those it would take without control; cap: its budget. */
    bool held_back;
    size_t places, demand, cap;
};

/* Exposure control (issue 17). The first match_exposure_places places of every list are assigned
 * by matching/exposure.h over the best 50 candidates of every open project, both sides: no
 * project takes more than match_exposure_cap x the average number of places, and every project
 * with a plausible match gets at least match_exposure_floor of them. An assigner thread keeps it
 * up to date incrementally under an IDF snapshot shared by every instance through Redis (so they
 * compute the same lists); requests never compute it: one that finds the index newer than the
 * assignment waits for it at most a second, then uses the previous one (see server/recs.c).
 *
 * The list of `project_id`, in order: the places assigned to it (a vetoed one refilled by the
 * best item still under its cap), then the other items of its best k by score (those held back
 * by the cap among them). skip[0..nskip): vetoed pairs, never listed. Without reasons. out holds k items; *nout gets how
 * many. Returns 0, or SD_ERR_NOT_FOUND when the project is not in the index (closed or
 * unknown). */
int recs_recommend(struct recs *rc, int64_t project_id, size_t k, const int64_t *skip, size_t nskip,
                   struct recs_item *out, size_t *nout) SD_MUST_CHECK;
/* Fills the reasons (in lang) and factors of items[0..n) (the page shown), and sets their score
 * to the one the factors sum to (it differs from recs_recommend's only when the index changed in
 * between); an item the index no longer holds gets none (NULL). */
void recs_explain(struct recs *rc, int64_t project_id, struct recs_item *items, size_t n,
                  enum match_lang lang);
void recs_items_free(struct recs_item *items, size_t n);

/* The highest score there can be: the sum of the configured weights (1 with the defaults).
 * Scores are in [0, recs_score_max()]. */
double recs_score_max(const struct recs *rc);

/* Exposure by project: for ids[0..n), the first places each takes in its counterparts' lists
 * (places[i]) under the current assignment; returns the cap (SIZE_MAX without one). */
size_t recs_exposure(struct recs *rc, const int64_t *ids, size_t n, size_t *places);

/* Exposure by the seed plan's tiers for the organizer's stats: rows of res are (project id,
 * organization tier) of open projects; returns {cap, places, by_tier: [{tier, projects, places,
 * mean_places, max_places, never_shown}]} (components/schemas/ExposureByTier), tiers in the order
 * leader, innovative, seed, other, then any other code seen. */
struct db_res;
struct cJSON *recs_exposure_by_tier(struct recs *rc, const struct db_res *res, size_t id_col,
                                    size_t tier_col);

/* Score of the pair (0 when either is not indexed). */
double recs_pair_score(struct recs *rc, int64_t a, int64_t b);

/* ---- the response cache of GET /projects/{id}/recommendations ----
 *
 * A response depends on the index (its generation), the exposure assignment (its generation),
 * the caller (user, roles: the access check and the vetoes of their organizations), the
 * parameters, and the rows of interests and org_members (vetoes, membership). The first two are
 * read from the index; every change of the last two calls recs_aux_changed(), which moves a
 * local counter at once and PUBLISHes on RECS_AUX_CHANNEL so that the sync thread of every
 * other instance moves theirs (recs_aux_heard()). A stamp of the three, taken before the request
 * reads anything, is stored with the response; a later request with the same key is answered
 * from the cache only while the stamp is unchanged, the assignment is current, the
 * subscription is up (recs_aux_link(); it moves the counter when it breaks or comes back) and
 * known to deliver: the sync thread PUBLISHes a beat on the channel every RECS_AUX_BEAT_MS
 * (recs_aux_beat()), and a response is cached or served only while the last beat this instance
 * heard back was sent less than RECS_AUX_SILENCE_MS ago. Redis delivers a channel's messages in
 * order, so every change published before that beat has been heard: a message lost on a
 * silently dead connection (or Redis gone) delays a change by at most RECS_AUX_SILENCE_MS. A
 * change whose PUBLISH failed is published again by the next beat. What no message announces (a
 * row written straight into MySQL; an instance that died between its COMMIT and its PUBLISH) is
 * bounded by the entries' age, RECS_CACHE_MAX_AGE_MS. A hit costs no MySQL or Redis round trip
 * and no copy: the body is shared by reference (server/lcache.h's struct lcache_body). */
#define RECS_AUX_CHANNEL "recs:aux"
#define RECS_AUX_BEAT_MS 200
#define RECS_AUX_SILENCE_MS 1000
#define RECS_CACHE_MAX_AGE_MS 10000

struct recs_stamp {
    uint64_t gen, agen, aux;
};
struct recs_ckey {
    int64_t project, user;
    unsigned roles;
    int lang, limit;
    size_t ncursor;
    int64_t cursor[2];
};
/* The stamp of now; false when responses must not be cached or served from the cache now (the
 * assignment is being recomputed, or the subscription is down; with nowait also when the
 * index's lock is held by a writer). */
bool recs_stamp(struct recs *rc, struct recs_stamp *st, bool nowait);
/* A reference to the cached body for k under stamp st (NULL when none is valid); the caller
 * unrefs it (lcache_body_unref(), or by handing it to the reply as r->lc_body). */
struct lcache_body;
struct lcache_body *recs_cache_get(struct recs *rc, const struct recs_ckey *k,
                                   const struct recs_stamp *st);
/* Stores a copy of body for k, computed under st (taken before the request read anything). */
void recs_cache_put(struct recs *rc, const struct recs_ckey *k, const struct recs_stamp *st,
                    const char *body, size_t len);
/* Call after committing a change of interests or org_members (never fails from the caller's
 * view: a PUBLISH that fails is sent again by the next beat; meanwhile the other instances'
 * beats are not heard either when Redis is away). */
void recs_aux_changed(struct recs *rc, struct rds *rds);
/* The sync thread: a message on RECS_AUX_CHANNEL (a change, or a beat: ours or another
 * instance's); the subscription went up or down; and, on every turn of its loop while the
 * subscription is up, recs_aux_beat() (a beat every RECS_AUX_BEAT_MS, on its own connection). */
void recs_aux_heard(struct recs *rc, const char *msg);
void recs_aux_link(struct recs *rc, bool up);
void recs_aux_beat(struct recs *rc);

#endif
