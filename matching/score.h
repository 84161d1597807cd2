#ifndef SUMMITD_MATCHING_SCORE_H
#define SUMMITD_MATCHING_SCORE_H

/* Projects, match weights, pairwise features and human-readable match reasons.
 *
 * The score of a candidate b for a query project a (opposite sides) is
 *
 *   score = tag    * cos(tags_a, tags_b)      tags weighted by IDF (rarer = heavier)
 *         + text   * cos(text_a, text_b)      TF-IDF of title+description tokens
 *         + sector * [sector_a == sector_b]
 *         + zone   * [zone_a == zone_b]
 *         + budget * fit(budget_a, budget_b)   in [0, 1], see match_budget_fit()
 *         + stage  * fit(stage_a, stage_b)         1 - |a - b| / 3
 *
 * computed in fixed point (each weight rounded to 1/65536, cosine terms quantized to 16 bits per
 * vector component), so that every code path yields bit-identical scores. The IDF statistics
 * and the vectors live in struct match_index (matching/index.h), which scores pairs; this
 * module holds the parts that need no corpus. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/xalloc.h"

enum match_side { MATCH_SUPPLY = 0, MATCH_DEMAND = 1 };

enum match_stage {
    MATCH_STAGE_IDEA = 0,
    MATCH_STAGE_PROTOTYPE = 1,
    MATCH_STAGE_PILOT = 2,
    MATCH_STAGE_PRODUCTION = 3,
};

#define MATCH_TAGS_MAX 20

/* A project as the index takes it. Every pointer is borrowed from the caller for the duration
 * of the call that receives the struct (match_index_upsert copies what it keeps). Strings are
 * NUL-terminated UTF-8; `tags` are already normalized (tok_tag_normalize) and distinct, at most
 * MATCH_TAGS_MAX of them. budget_min/budget_max are CNY, >= 0; budget_max == 0 means the budget
 * is unknown. NULL sector/zone/title/description mean empty. */
struct match_project {
    int64_t id;
    int64_t org_id;
    enum match_side side;
    enum match_stage stage;
    const char *sector;
    const char *zone;
    const char *const *tags;
    size_t ntags;
    int64_t budget_min;
    int64_t budget_max;
    const char *title;
    const char *description;
};

/* Feature weights, each finite and in [0, MATCH_WEIGHT_MAX]. The server reads them from the
 * config keys match_weight_<field> (match_weight_tag, ...). */
struct match_weights {
    double tag;    /* shared tags, IDF-weighted cosine; default 0.25 */
    double text;   /* title + description TF-IDF cosine; default 0.45 */
    double sector; /* same sector; default 0.10 */
    double zone;   /* same zone; default 0.05 */
    double budget; /* budget range overlap; default 0.10 */
    double stage;  /* stage fit; default 0.05 */
};

#define MATCH_WEIGHT_MAX 100.0

/* The defaults above (they sum to 1, so scores are in [0, 1]). Text carries the most weight
 * because it is what tells one project of a sector from another: on the synthetic eval set
 * (make eval) it lifts recall@10 at N = 100,000 from 0.92 (tag 0.35, text 0.30) to 0.98. */
struct match_weights match_weights_default(void);

/* Sets the weight called `name` ("tag", "text", "sector", "zone", "budget", "stage").
 * Returns 0, or SD_ERR_INVALID for an unknown name or a value outside [0, MATCH_WEIGHT_MAX]. */
int match_weights_set(struct match_weights *w, const char *name, double value) SD_MUST_CHECK;

/* Returns 0 when every weight is valid, else SD_ERR_INVALID and `*bad_field` (if not NULL) names
 * the first bad field (a static string). */
int match_weights_validate(const struct match_weights *w, const char **bad_field) SD_MUST_CHECK;

/* Name of weight i for i < MATCH_WEIGHT_COUNT (static string), in struct order; NULL otherwise. */
#define MATCH_WEIGHT_COUNT 6
const char *match_weight_name(size_t i);

/* Parses "supply"/"demand" and "idea"/"prototype"/"pilot"/"production". Return 0 or
 * SD_ERR_INVALID. The *_name functions return static strings. */
int match_side_parse(const char *s, enum match_side *out) SD_MUST_CHECK;
int match_stage_parse(const char *s, enum match_stage *out) SD_MUST_CHECK;
const char *match_side_name(enum match_side side);
const char *match_stage_name(enum match_stage stage);

/* Budget overlap of [a_min, a_max] and [b_min, b_max]: the length of the intersection (in whole
 * CNY, inclusive) divided by the length of the shorter range, so in [0, 1]; 1 for identical
 * ranges, 0 when they are disjoint or either budget is unknown (max == 0). Stores the
 * intersection in *lo, *hi when it is not empty (either may be NULL). */
double match_budget_overlap(int64_t a_min, int64_t a_max, int64_t b_min, int64_t b_max, int64_t *lo,
                            int64_t *hi);

/* How budget ranges are compared (match_budget_fit()).
 *   MATCH_BUDGET_SYMMETRIC (the default): the intersection divided by the LONGER range, so a
 *     very wide range (1万–1亿) fits a narrow one (100–200万) only 0.01 and does not match
 *     everything; an unknown budget (either max == 0) gets MATCH_BUDGET_UNKNOWN_FIT, neither a
 *     match nor a mismatch: on the evaluation (make eval) 0.2 gives projects with an unknown
 *     budget the mean exposure of those with a known one (0.5 doubled it, 0 halved it).
 *     Overlap / union (Jaccard) measured the same as overlap / longer, the simpler to explain.
 *   MATCH_BUDGET_SHORTER (the scorer before issue 17, kept for the evaluation's "before"
 *     column): match_budget_overlap(), so a wide range fits 1.0 with everything inside it and an
 *     unknown budget fits 0. */
enum match_budget_mode { MATCH_BUDGET_SYMMETRIC = 0, MATCH_BUDGET_SHORTER = 1 };
#define MATCH_BUDGET_UNKNOWN_FIT 0.2

/* Budget fit in [0, 1] under `mode` (see above). Stores the intersection in *lo, *hi when both
 * budgets are known and intersect (either may be NULL). */
double match_budget_fit(int64_t a_min, int64_t a_max, int64_t b_min, int64_t b_max,
                        enum match_budget_mode mode, int64_t *lo, int64_t *hi);

/* Stage fit: 1 for the same stage, 2/3 for neighbours, 1/3, 0 for idea vs production. */
double match_stage_fit(enum match_stage a, enum match_stage b);

/* Why a candidate matched a query, as match_index_explain() fills it. Every string pointer is
 * borrowed from the index and valid until the next change to it (upsert, remove, compact,
 * free). The *_part members are the weighted parts of `score`, one per factor: each is the
 * factor's fixed-point term converted to double, and `score` is their fixed-point sum converted
 * once, so the parts sum to `score` up to double rounding (well under 1e-12 for weights up to
 * MATCH_WEIGHT_MAX). A factor whose weight is 0 has a part of exactly 0. */
struct match_reasons {
    double score;
    /* The weights the score was computed with: the configured ones, each rounded to a multiple
     * of 1/65536 as the index scores (so 0.45 is 29491/65536). */
    struct match_weights weights;
    /* Shared tags, rarest (highest IDF) first. */
    size_t nshared_tags;
    const char *shared_tags[MATCH_TAGS_MAX];
    double tag_cos, tag_part;
    bool same_sector;
    const char *sector; /* the query's sector */
    double sector_part;
    bool same_zone;
    const char *zone; /* the query's zone */
    double zone_part;
    bool budget_overlap; /* both budgets known and intersecting */
    int64_t budget_lo, budget_hi;
    double budget_frac, budget_part;
    enum match_stage stage_query, stage_candidate;
    double stage_fit, stage_part;
    double text_cos, text_part;
};

enum match_lang { MATCH_LANG_ZH = 0, MATCH_LANG_EN = 1 };

/* What a reason says, as a stable code a client may localize itself (match_reason_code_name:
 * "shared_tags", "same_sector", "budget_overlap", "same_zone", "stage_fit", "similar_text"). */
enum match_reason_code {
    MATCH_REASON_SHARED_TAGS,
    MATCH_REASON_SAME_SECTOR,
    MATCH_REASON_BUDGET_OVERLAP,
    MATCH_REASON_SAME_ZONE,
    MATCH_REASON_STAGE_FIT,
    MATCH_REASON_SIMILAR_TEXT,
};
const char *match_reason_code_name(enum match_reason_code c);

/* One reason: its code, its text in the language asked for (owned), and the contribution of
 * the factor it explains (match_reasons_contribution()). */
struct match_reason_line {
    enum match_reason_code code;
    char *text;
    double contribution;
};

/* One scoring factor of a match, named by the code of the reason that explains it (tag ->
 * shared_tags, text -> similar_text, sector -> same_sector, zone -> same_zone, budget ->
 * budget_overlap, stage -> stage_fit). */
struct match_factor {
    enum match_reason_code code;
    double weight;       /* as scored (match_reasons.weights): the most it can contribute */
    double contribution; /* its part of the score, in [0, weight] */
};

/* Every factor of `r`, reason or not (a factor below its display threshold still counts), in
 * struct match_weights order (tag, text, sector, zone, budget, stage), into out[]: their
 * contributions sum to r->score up to double rounding. */
void match_reasons_factors(const struct match_reasons *r,
                           struct match_factor out[MATCH_WEIGHT_COUNT]);

/* The part of r->score that the factor explained by reason `c` contributes. */
double match_reasons_contribution(const struct match_reasons *r, enum match_reason_code c);

/* Display names of the reasons' sector and zone codes in the language asked for (the caller's
 * vocabulary); NULL (or a NULL member) shows the code as stored. */
struct match_names {
    const char *sector, *zone;
};

/* Renders the reasons worth telling a person, most important first, each with its factor's
 * contribution (a reason is evidence shown by its own threshold, so a factor whose weight is 0
 * may be listed with a contribution of 0, and a factor below its threshold, e.g. a text
 * similarity under 0.05, contributes without a line: match_reasons_factors() lists them all),
 * e.g. (MATCH_LANG_ZH)
 * "共同技术标签: 机器视觉, 医学影像", "同一行业: 医疗健康", "预算重叠 50–200万", "同一园区:
 * 成都科学城", "阶段匹配: 试点 ↔ 原型", "文字相似度 0.42", or (MATCH_LANG_EN) "shared tags:
 * 机器视觉, 医学影像", "same sector: Healthcare", "budget overlap CNY 500K–2M", "same zone:
 * Chengdu Science City", "stage fit: pilot ↔ prototype", "similar wording (0.42)". 万 and 亿
 * appear only in Chinese; a range whose ends are equal is one amount. Returns an array of *n
 * lines; the caller frees it with match_reason_lines_free(). */
struct match_reason_line *match_reasons_render(const struct match_reasons *r, enum match_lang lang,
                                               const struct match_names *names, size_t *n);
void match_reason_lines_free(struct match_reason_line *lines, size_t n);

/* Formats a CNY amount the Chinese way into buf (NUL-terminated, truncated to bufsz):
 * 5000 -> "5000元", 500000 -> "50万", 125000 -> "12.5万", 150000000 -> "1.5亿". */
void match_format_cny(int64_t amount, char *buf, size_t bufsz);
/* The English way, without the currency: 950 -> "950", 5000 -> "5K", 1500000 -> "1.5M",
 * 2000000000 -> "2B" (up to two decimals, trailing zeros dropped). */
void match_format_cny_en(int64_t amount, char *buf, size_t bufsz);
/* A budget range in lang: "50–200万", "5000元–2万", "200万" (lo == hi); "CNY 500K–2M",
 * "CNY 2M" (lo == hi). */
void match_format_cny_range(int64_t lo, int64_t hi, enum match_lang lang, char *buf, size_t bufsz);

#endif
