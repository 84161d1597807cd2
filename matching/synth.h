#ifndef SUMMITD_MATCHING_SYNTH_H
#define SUMMITD_MATCHING_SYNTH_H

/* Synthetic supply and demand projects with planted true pairs, for evaluation, benchmarks and
 * demo data. Vocabulary (sectors, zones, techniques, scenarios, partners) comes from the seed
 * document (the 2019 Chengdu AI plan).
 *
 * A data set is defined by (seed, n, true_fraction) and generated one project at a time, so it
 * needs no memory: project i of a side is always the same. Supply i has id i + 1, demand j has
 * id n + j + 1. Demand j is, with probability true_fraction, a noisy rewrite of a hidden supply
 * project (shared scenario and technique, some of its features reworded, tags and sector mostly
 * kept, zone, budget and stage perturbed), always from another organization: that supply is its
 * true match. The hidden supply is drawn skewed (a few supply projects truly suit many demands).
 * About 15 % of budgets are unknown and 10 % wide; about 1 % of projects are broad "one-stop"
 * ones, mostly from leader-tier organizations (synth_org_tier()). */

#include <stddef.h>
#include <stdint.h>

#include "matching/score.h"

struct synth_params {
    uint64_t seed;
    size_t n;             /* projects per side */
    double true_fraction; /* of demand projects that are planted rewrites, in [0, 1] */
};

/* Storage for one generated project. `p` points into the other fields: valid until the struct
 * is reused or goes out of scope. */
struct synth_project {
    struct match_project p;
    char title[512];
    char description[4096];
    char tag_buf[MATCH_TAGS_MAX][64];
    const char *tag_ptrs[MATCH_TAGS_MAX];
};

/* Generates project `i` (< n) of `side` into *out. For demand projects, *true_supply_id (if not
 * NULL) receives the id of the planted true match, or 0 when there is none; for supply it gets 0.
 */
/* The seed plan's enterprise tiers (领军 leader, 创新 innovative, 种子 seed, other), as the
 * organizations table has them. Organization `org` of a data set has a fixed tier: about 3 %
 * leaders, 12 % innovative, 45 % seed, 40 % other. Leaders publish most of the broad "one-stop"
 * projects (every scenario of a sector, a wide or unknown budget). */
enum synth_tier { SYNTH_TIER_LEADER, SYNTH_TIER_INNOVATIVE, SYNTH_TIER_SEED, SYNTH_TIER_OTHER };
#define SYNTH_TIER_COUNT 4
enum synth_tier synth_org_tier(const struct synth_params *sp, int64_t org);
const char *synth_tier_name(enum synth_tier t);

void synth_project(const struct synth_params *sp, enum match_side side, size_t i,
                   struct synth_project *out, int64_t *true_supply_id);

#endif
