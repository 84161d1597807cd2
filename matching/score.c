#include "matching/score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static const char *const weight_names[MATCH_WEIGHT_COUNT] = {"tag",  "text",   "sector",
                                                             "zone", "budget", "stage"};

static double *weight_field(struct match_weights *w, size_t i)
{
    double *fields[MATCH_WEIGHT_COUNT] = {&w->tag,  &w->text,   &w->sector,
                                          &w->zone, &w->budget, &w->stage};
    return fields[i];
}

struct match_weights match_weights_default(void)
{
    struct match_weights w = {
        .tag = 0.25, .text = 0.45, .sector = 0.10, .zone = 0.05, .budget = 0.10, .stage = 0.05};
    return w;
}

const char *match_weight_name(size_t i)
{
    return i < MATCH_WEIGHT_COUNT ? weight_names[i] : NULL;
}

static bool weight_ok(double v)
{
    return isfinite(v) && v >= 0.0 && v <= MATCH_WEIGHT_MAX;
}

int match_weights_set(struct match_weights *w, const char *name, double value)
{
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++) {
        if (strcmp(name, weight_names[i]) == 0) {
            if (!weight_ok(value))
                return SD_ERR_INVALID;
            *weight_field(w, i) = value;
            return 0;
        }
    }
    return SD_ERR_INVALID;
}

int match_weights_validate(const struct match_weights *w, const char **bad_field)
{
    struct match_weights copy = *w;
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++) {
        if (!weight_ok(*weight_field(&copy, i))) {
            if (bad_field)
                *bad_field = weight_names[i];
            return SD_ERR_INVALID;
        }
    }
    return 0;
}

static const char *const side_names[] = {"supply", "demand"};
static const char *const stage_names[] = {"idea", "prototype", "pilot", "production"};
static const char *const stage_names_zh[] = {"创意", "原型", "试点", "量产"};

int match_side_parse(const char *s, enum match_side *out)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(side_names); i++) {
        if (strcmp(s, side_names[i]) == 0) {
            *out = (enum match_side)i;
            return 0;
        }
    }
    return SD_ERR_INVALID;
}

int match_stage_parse(const char *s, enum match_stage *out)
{
    for (size_t i = 0; i < SD_ARRAY_LEN(stage_names); i++) {
        if (strcmp(s, stage_names[i]) == 0) {
            *out = (enum match_stage)i;
            return 0;
        }
    }
    return SD_ERR_INVALID;
}

const char *match_side_name(enum match_side side)
{
    return (unsigned)side < SD_ARRAY_LEN(side_names) ? side_names[side] : "?";
}

const char *match_stage_name(enum match_stage stage)
{
    return (unsigned)stage < SD_ARRAY_LEN(stage_names) ? stage_names[stage] : "?";
}

double match_budget_overlap(int64_t a_min, int64_t a_max, int64_t b_min, int64_t b_max, int64_t *lo,
                            int64_t *hi)
{
    if (a_max <= 0 || b_max <= 0 || a_min > a_max || b_min > b_max)
        return 0.0;
    int64_t l = a_min > b_min ? a_min : b_min;
    int64_t h = a_max < b_max ? a_max : b_max;
    if (l > h)
        return 0.0;
    if (lo)
        *lo = l;
    if (hi)
        *hi = h;
    double ov = (double)(h - l) + 1.0;
    double la = (double)(a_max - a_min) + 1.0;
    double lb = (double)(b_max - b_min) + 1.0;
    double frac = ov / (la < lb ? la : lb);
    return frac > 1.0 ? 1.0 : frac;
}

double match_budget_fit(int64_t a_min, int64_t a_max, int64_t b_min, int64_t b_max,
                        enum match_budget_mode mode, int64_t *lo, int64_t *hi)
{
    if (mode == MATCH_BUDGET_SHORTER)
        return match_budget_overlap(a_min, a_max, b_min, b_max, lo, hi);
    if (a_max <= 0 || b_max <= 0)
        return MATCH_BUDGET_UNKNOWN_FIT;
    if (a_min > a_max || b_min > b_max)
        return 0.0;
    int64_t l = a_min > b_min ? a_min : b_min;
    int64_t h = a_max < b_max ? a_max : b_max;
    if (l > h)
        return 0.0;
    if (lo)
        *lo = l;
    if (hi)
        *hi = h;
    double ov = (double)(h - l) + 1.0;
    double la = (double)(a_max - a_min) + 1.0;
    double lb = (double)(b_max - b_min) + 1.0;
    double frac = ov / (la > lb ? la : lb);
    return frac > 1.0 ? 1.0 : frac;
}

double match_stage_fit(enum match_stage a, enum match_stage b)
{
    int d = (int)a - (int)b;
    if (d < 0)
        d = -d;
    if (d > 3)
        d = 3;
    return 1.0 - (double)d / 3.0;
}

/* amount / div with up to two decimals, trailing zeros dropped, then unit. */
static void format_scaled(int64_t amount, int64_t div, const char *unit, char *buf, size_t bufsz)
{
    int64_t whole = amount / div;
    int64_t rest = amount % div;
    int64_t cents = (rest * 100 + div / 2) / div;
    if (cents >= 100) {
        whole++;
        cents = 0;
    }
    if (cents == 0)
        snprintf(buf, bufsz, "%lld%s", (long long)whole, unit);
    else if (cents % 10 == 0)
        snprintf(buf, bufsz, "%lld.%lld%s", (long long)whole, (long long)(cents / 10), unit);
    else
        snprintf(buf, bufsz, "%lld.%02lld%s", (long long)whole, (long long)cents, unit);
}

void match_format_cny(int64_t amount, char *buf, size_t bufsz)
{
    if (bufsz == 0)
        return;
    if (amount < 10000) {
        snprintf(buf, bufsz, "%lld元", (long long)amount);
        return;
    }
    const char *unit = "万";
    int64_t div = 10000;
    if (amount >= 100000000) {
        unit = "亿";
        div = 100000000;
    }
    format_scaled(amount, div, unit, buf, bufsz);
}

void match_format_cny_en(int64_t amount, char *buf, size_t bufsz)
{
    if (bufsz == 0)
        return;
    if (amount < 1000)
        snprintf(buf, bufsz, "%lld", (long long)amount);
    else if (amount < 1000000)
        format_scaled(amount, 1000, "K", buf, bufsz);
    else if (amount < 1000000000)
        format_scaled(amount, 1000000, "M", buf, bufsz);
    else
        format_scaled(amount, 1000000000, "B", buf, bufsz);
}

void match_format_cny_range(int64_t lo, int64_t hi, enum match_lang lang, char *buf, size_t bufsz)
{
    char a[48], b[48];
    if (lang == MATCH_LANG_EN) {
        match_format_cny_en(lo, a, sizeof(a));
        match_format_cny_en(hi, b, sizeof(b));
        if (lo == hi || strcmp(a, b) == 0)
            snprintf(buf, bufsz, "CNY %s", a);
        else
            snprintf(buf, bufsz, "CNY %s–%s", a, b);
        return;
    }
    match_format_cny(lo, a, sizeof(a));
    match_format_cny(hi, b, sizeof(b));
    if (lo == hi || strcmp(a, b) == 0) {
        snprintf(buf, bufsz, "%s", a);
        return;
    }
    /* "50–200万" when both ends use the same unit, else "5000元–2万". */
    size_t la = strlen(a), lb = strlen(b);
    static const char *const units[] = {"万", "亿"};
    for (size_t i = 0; i < SD_ARRAY_LEN(units); i++) {
        size_t lu = strlen(units[i]);
        if (la > lu && lb > lu && strcmp(a + la - lu, units[i]) == 0 &&
            strcmp(b + lb - lu, units[i]) == 0) {
            a[la - lu] = '\0';
            break;
        }
    }
    snprintf(buf, bufsz, "%s–%s", a, b);
}

static const char *const reason_codes[] = {"shared_tags", "same_sector", "budget_overlap",
                                           "same_zone",   "stage_fit",   "similar_text"};

const char *match_reason_code_name(enum match_reason_code c)
{
    return (unsigned)c < SD_ARRAY_LEN(reason_codes) ? reason_codes[c] : "?";
}

struct lines {
    struct match_reason_line *v;
    size_t n;
};

/* The factors in struct match_weights order, by the code of the reason explaining each. */
static const enum match_reason_code factor_codes[MATCH_WEIGHT_COUNT] = {
    MATCH_REASON_SHARED_TAGS, MATCH_REASON_SIMILAR_TEXT,   MATCH_REASON_SAME_SECTOR,
    MATCH_REASON_SAME_ZONE,   MATCH_REASON_BUDGET_OVERLAP, MATCH_REASON_STAGE_FIT};

void match_reasons_factors(const struct match_reasons *r,
                           struct match_factor out[MATCH_WEIGHT_COUNT])
{
    struct match_weights w = r->weights;
    const double parts[MATCH_WEIGHT_COUNT] = {r->tag_part,  r->text_part,   r->sector_part,
                                              r->zone_part, r->budget_part, r->stage_part};
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++)
        out[i] = (struct match_factor){factor_codes[i], *weight_field(&w, i), parts[i]};
}

double match_reasons_contribution(const struct match_reasons *r, enum match_reason_code c)
{
    struct match_factor f[MATCH_WEIGHT_COUNT];
    match_reasons_factors(r, f);
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++)
        if (f[i].code == c)
            return f[i].contribution;
    return 0.0;
}

static void add_line(struct lines *l, const struct match_reasons *r, enum match_reason_code code,
                     char *s)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n].code = code;
    l->v[l->n].contribution = match_reasons_contribution(r, code);
    l->v[l->n++].text = s;
}

struct match_reason_line *match_reasons_render(const struct match_reasons *r, enum match_lang lang,
                                               const struct match_names *names, size_t *n)
{
    bool zh = lang == MATCH_LANG_ZH;
    struct lines l = {NULL, 0};
    const char *sector = names && names->sector ? names->sector : (r->sector ? r->sector : "");
    const char *zone = names && names->zone ? names->zone : (r->zone ? r->zone : "");
    if (r->nshared_tags > 0) {
        size_t len = 64;
        for (size_t i = 0; i < r->nshared_tags; i++)
            len += strlen(r->shared_tags[i]) + 2;
        char *s = xmalloc(len);
        size_t o = (size_t)snprintf(s, len, "%s", zh ? "共同技术标签: " : "shared tags: ");
        for (size_t i = 0; i < r->nshared_tags; i++)
            o += (size_t)snprintf(s + o, len - o, "%s%s", i ? ", " : "", r->shared_tags[i]);
        add_line(&l, r, MATCH_REASON_SHARED_TAGS, s);
    }
    if (r->same_sector)
        add_line(&l, r, MATCH_REASON_SAME_SECTOR,
                 xasprintf("%s%s", zh ? "同一行业: " : "same sector: ", sector));
    if (r->budget_overlap) {
        char range[128];
        match_format_cny_range(r->budget_lo, r->budget_hi, lang, range, sizeof(range));
        add_line(&l, r, MATCH_REASON_BUDGET_OVERLAP,
                 xasprintf("%s%s", zh ? "预算重叠 " : "budget overlap ", range));
    }
    if (r->same_zone)
        add_line(&l, r, MATCH_REASON_SAME_ZONE,
                 xasprintf("%s%s", zh ? "同一园区: " : "same zone: ", zone));
    if (r->stage_fit > 0.5) {
        const char *const *sn = zh ? stage_names_zh : stage_names;
        add_line(&l, r, MATCH_REASON_STAGE_FIT,
                 xasprintf("%s%s ↔ %s", zh ? "阶段匹配: " : "stage fit: ", sn[r->stage_query],
                           sn[r->stage_candidate]));
    }
    if (r->text_cos >= 0.05) {
        if (zh)
            add_line(&l, r, MATCH_REASON_SIMILAR_TEXT, xasprintf("文字相似度 %.2f", r->text_cos));
        else
            add_line(&l, r, MATCH_REASON_SIMILAR_TEXT,
                     xasprintf("similar wording (%.2f)", r->text_cos));
    }
    *n = l.n;
    return l.v;
}

void match_reason_lines_free(struct match_reason_line *lines, size_t n)
{
    if (!lines)
        return;
    for (size_t i = 0; i < n; i++)
        free(lines[i].text);
    free(lines);
}
