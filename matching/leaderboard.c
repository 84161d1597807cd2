#include "matching/leaderboard.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

double lb_weighted_total(const double *values, const double *weights, const double *max_scores,
                         size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += weights[i] * values[i] / max_scores[i];
        den += weights[i];
    }
    return den > 0 ? 100.0 * num / den : 0;
}

static int cmp_criterion(const void *a, const void *b)
{
    const struct lb_criterion *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_score(const void *a, const void *b)
{
    const struct lb_score *x = a, *y = b;
    if (x->entry_id != y->entry_id)
        return x->entry_id < y->entry_id ? -1 : 1;
    if (x->judge_id != y->judge_id)
        return x->judge_id < y->judge_id ? -1 : 1;
    return x->criterion_id < y->criterion_id ? -1 : x->criterion_id > y->criterion_id;
}

size_t lb_totals(const struct lb_criterion *criteria, size_t n_criteria,
                 const struct lb_score *scores, size_t n_scores, struct lb_total *out)
{
    struct lb_criterion *c = xmalloc((n_criteria ? n_criteria : 1) * sizeof(*c));
    struct lb_score *s = xmalloc((n_scores ? n_scores : 1) * sizeof(*s));
    if (n_criteria)
        memcpy(c, criteria, n_criteria * sizeof(*c));
    if (n_scores)
        memcpy(s, scores, n_scores * sizeof(*s));
    if (n_criteria > 1)
        qsort(c, n_criteria, sizeof(*c), cmp_criterion);
    if (n_scores > 1)
        qsort(s, n_scores, sizeof(*s), cmp_score);
    size_t n = 0;
    for (size_t lo = 0; lo < n_scores;) {
        size_t hi = lo;
        double num = 0, den = 0;
        for (;
             hi < n_scores && s[hi].entry_id == s[lo].entry_id && s[hi].judge_id == s[lo].judge_id;
             hi++) {
            struct lb_criterion key = {.id = s[hi].criterion_id};
            const struct lb_criterion *k =
                n_criteria ? bsearch(&key, c, n_criteria, sizeof(*c), cmp_criterion) : NULL;
            if (k && k->max_score > 0) {
                num += k->weight * s[hi].value / k->max_score;
                den += k->weight;
            }
        }
        if (den > 0)
            out[n++] = (struct lb_total){
                .entry_id = s[lo].entry_id, .judge_id = s[lo].judge_id, .total = 100 * num / den};
        lo = hi;
    }
    free(s);
    free(c);
    return n;
}

static int cmp_total_judge(const void *a, const void *b)
{
    const struct lb_total *x = a, *y = b;
    if (x->judge_id != y->judge_id)
        return x->judge_id < y->judge_id ? -1 : 1;
    return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

static int cmp_row_id(const void *a, const void *b)
{
    const struct lb_row *x = a, *y = b;
    return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

static int cmp_rank(const void *a, const void *b)
{
    const struct lb_row *x = a, *y = b;
    if ((x->judges > 0) != (y->judges > 0))
        return x->judges > 0 ? -1 : 1;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->raw_mean != y->raw_mean)
        return x->raw_mean > y->raw_mean ? -1 : 1;
    return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

void lb_sort(struct lb_row *rows, size_t n)
{
    if (n > 1)
        qsort(rows, n, sizeof(*rows), cmp_rank);
}

static struct lb_row *find_row(struct lb_row *rows, size_t n, int64_t id)
{
    struct lb_row key = {.entry_id = id};
    return n ? bsearch(&key, rows, n, sizeof(*rows), cmp_row_id) : NULL;
}

void lb_compute(const int64_t *entries, size_t n_entries, const struct lb_total *totals,
                size_t n_totals, struct lb_row *out)
{
    for (size_t i = 0; i < n_entries; i++)
        out[i] = (struct lb_row){.entry_id = entries[i]};
    if (n_entries > 1)
        qsort(out, n_entries, sizeof(*out), cmp_row_id);

    /* Group by judge (only totals of known entries count). */
    struct lb_total *t = xmalloc((n_totals ? n_totals : 1) * sizeof(*t));
    size_t m = 0;
    for (size_t i = 0; i < n_totals; i++)
        if (find_row(out, n_entries, totals[i].entry_id))
            t[m++] = totals[i];
    if (m > 1)
        qsort(t, m, sizeof(*t), cmp_total_judge);

    double *zsum = xcalloc(n_entries ? n_entries : 1, sizeof(double));
    for (size_t lo = 0; lo < m;) {
        size_t hi = lo;
        while (hi < m && t[hi].judge_id == t[lo].judge_id)
            hi++;
        size_t k = hi - lo;
        double mean = 0;
        for (size_t i = lo; i < hi; i++)
            mean += t[i].total;
        mean /= (double)k;
        double var = 0;
        for (size_t i = lo; i < hi; i++)
            var += (t[i].total - mean) * (t[i].total - mean);
        double sd = sqrt(var / (double)k);
        /* Identical totals can leave a rounding-sized spread: that is no spread. */
        bool flat = k < 2 || sd <= 1e-9 * fmax(1.0, fabs(mean));
        for (size_t i = lo; i < hi; i++) {
            struct lb_row *row = find_row(out, n_entries, t[i].entry_id);
            double z = flat ? 0 : (t[i].total - mean) / sd;
            zsum[row - out] += z;
            row->raw_mean += t[i].total;
            row->judges++;
        }
        lo = hi;
    }
    for (size_t i = 0; i < n_entries; i++) {
        if (out[i].judges > 0) {
            out[i].score = zsum[i] / out[i].judges;
            out[i].raw_mean /= out[i].judges;
        }
    }
    free(zsum);
    free(t);
    lb_sort(out, n_entries);
}
