#include "matching/exposure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct edge {
    double score;
    uint32_t q;    /* index of the query in the caller's array */
    uint32_t c;    /* dense candidate index (ids ascending) */
    int64_t qid;   /* for the order */
    int64_t cid;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The one global order: score descending, then query id, then candidate id. */
static int edge_order(const void *a, const void *b)
{
    const struct edge *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->qid != y->qid)
        return x->qid < y->qid ? -1 : 1;
    return (x->cid > y->cid) - (x->cid < y->cid);
}

static size_t dense_of(const int64_t *ids, size_t n, int64_t id)
{
    const int64_t *p = bsearch(&id, ids, n, sizeof(*ids), cmp_i64);
    return p ? (size_t)(p - ids) : SIZE_MAX;
}

struct slot {
    uint32_t c;
    double score;
};

static bool list_has(const struct slot *l, size_t n, uint32_t c)
{
    for (size_t i = 0; i < n; i++)
        if (l[i].c == c)
            return true;
    return false;
}

void exposure_assign(const struct exposure_query *q, size_t nq, const struct exposure_params *p,
                     struct exposure_result *out)
{
    size_t k = p->k ? p->k : 1;
    memset(out, 0, sizeof(*out));
    out->nq = nq;
    out->k = k;
    size_t ne = 0;
    for (size_t i = 0; i < nq; i++)
        ne += q[i].n;
    /* Distinct candidate ids, ascending. */
    int64_t *ids = xmalloc((ne ? ne : 1) * sizeof(*ids));
    size_t e = 0;
    for (size_t i = 0; i < nq; i++)
        for (size_t j = 0; j < q[i].n; j++)
            ids[e++] = q[i].cand[j].id;
    qsort(ids, ne, sizeof(*ids), cmp_i64);
    size_t nc = 0;
    for (size_t i = 0; i < ne; i++)
        if (nc == 0 || ids[nc - 1] != ids[i])
            ids[nc++] = ids[i];
    size_t *cnt = xcalloc(nc ? nc : 1, sizeof(*cnt));
    size_t *demand = xcalloc(nc ? nc : 1, sizeof(*demand));

    struct edge *ed = xmalloc((ne ? ne : 1) * sizeof(*ed));
    e = 0;
    for (size_t i = 0; i < nq; i++) {
        for (size_t j = 0; j < q[i].n; j++) {
            size_t c = dense_of(ids, nc, q[i].cand[j].id);
            ed[e++] = (struct edge){q[i].cand[j].score, (uint32_t)i, (uint32_t)c, q[i].id,
                                    q[i].cand[j].id};
            if (j < k)
                demand[c]++;
        }
    }
    qsort(ed, ne, sizeof(*ed), edge_order);

    size_t places = nq * k;
    size_t cap = SIZE_MAX;
    if (p->cap_factor > 0 && p->pool > 0) {
        double c = ceil(p->cap_factor * (double)places / (double)p->pool - 1e-9);
        cap = c < 1 ? 1 : (size_t)c;
    }
    struct slot *lists = xcalloc((nq ? nq : 1) * k, sizeof(*lists));
    size_t *fill = xcalloc(nq ? nq : 1, sizeof(*fill));

    /* 1. cap */
    for (size_t i = 0; i < ne; i++) {
        const struct edge *x = &ed[i];
        if (fill[x->q] < k && cnt[x->c] < cap) {
            lists[(size_t)x->q * k + fill[x->q]++] = (struct slot){x->c, x->score};
            cnt[x->c]++;
        }
    }

    /* 2. floor: each candidate's pairs, best first (a counting sort of the ordered edges). */
    if (p->floor > 0 && nc > 0) {
        size_t *start = xcalloc(nc + 1, sizeof(*start));
        for (size_t i = 0; i < ne; i++)
            start[ed[i].c + 1]++;
        for (size_t c = 0; c < nc; c++)
            start[c + 1] += start[c];
        uint32_t *by_c = xmalloc(ne * sizeof(*by_c));
        size_t *at = xmalloc(nc * sizeof(*at));
        memcpy(at, start, nc * sizeof(*at));
        for (size_t i = 0; i < ne; i++)
            by_c[at[ed[i].c]++] = (uint32_t)i;
        for (size_t c = 0; c < nc; c++) {
            /* a floor above the cap is held to the cap */
            for (size_t j = start[c]; j < start[c + 1] && cnt[c] < p->floor && cnt[c] < cap;
                 j++) {
                const struct edge *x = &ed[by_c[j]];
                if (x->score < p->floor_min_score)
                    break; /* best first: the rest are lower */
                struct slot *l = &lists[(size_t)x->q * k];
                if (list_has(l, fill[x->q], (uint32_t)c))
                    continue;
                if (fill[x->q] < k) {
                    l[fill[x->q]++] = (struct slot){(uint32_t)c, x->score};
                    cnt[c]++;
                    continue;
                }
                size_t victim = SIZE_MAX;
                for (size_t s = 0; s < k; s++) {
                    if (cnt[l[s].c] <= p->floor || l[s].score >= x->score + p->floor_slack)
                        continue;
                    if (victim == SIZE_MAX || l[s].score < l[victim].score ||
                        (l[s].score == l[victim].score && ids[l[s].c] > ids[l[victim].c]))
                        victim = s;
                }
                if (victim == SIZE_MAX)
                    continue;
                cnt[l[victim].c]--;
                l[victim] = (struct slot){(uint32_t)c, x->score};
                cnt[c]++;
            }
        }
        free(start);
        free(by_c);
        free(at);
    }

    /* 3. each list by score, then id */
    out->places = xmalloc((nq ? nq : 1) * k * sizeof(*out->places));
    out->nplaces = xcalloc(nq ? nq : 1, sizeof(*out->nplaces));
    for (size_t i = 0; i < nq; i++) {
        struct slot *l = &lists[i * k];
        size_t n = fill[i];
        for (size_t a = 1; a < n; a++) { /* insertion sort: k is small */
            struct slot v = l[a];
            size_t b = a;
            while (b > 0 && (l[b - 1].score < v.score ||
                             (l[b - 1].score == v.score && ids[l[b - 1].c] > ids[v.c]))) {
                l[b] = l[b - 1];
                b--;
            }
            l[b] = v;
        }
        for (size_t s = 0; s < n; s++)
            out->places[i * k + s] = (struct exposure_place){ids[l[s].c], l[s].score};
        out->nplaces[i] = n;
    }
    out->cap = cap;
    out->cand_ids = ids;
    out->cand_places = cnt;
    out->cand_demand = demand;
    out->ncand = nc;
    free(ed);
    free(lists);
    free(fill);
}

size_t exposure_places_of(const struct exposure_result *r, int64_t id, size_t *demand)
{
    size_t c = r->ncand ? dense_of(r->cand_ids, r->ncand, id) : SIZE_MAX;
    if (demand)
        *demand = c == SIZE_MAX ? 0 : r->cand_demand[c];
    return c == SIZE_MAX ? 0 : r->cand_places[c];
}

void exposure_result_free(struct exposure_result *r)
{
    free(r->places);
    free(r->nplaces);
    free(r->cand_ids);
    free(r->cand_places);
    free(r->cand_demand);
    memset(r, 0, sizeof(*r));
}

/* ---- incremental lists ---- */

struct lside {
    int64_t *qid;              /* ascending */
    struct match_result *cand; /* n * m */
    size_t *ncand;
    size_t n;
};

struct exposure_lists {
    size_t m;
    struct lside s[2];
};

struct exposure_lists *exposure_lists_new(size_t m)
{
    struct exposure_lists *l = xcalloc(1, sizeof(*l));
    l->m = m ? m : 1;
    return l;
}

static void lside_free(struct lside *s)
{
    free(s->qid);
    free(s->cand);
    free(s->ncand);
    memset(s, 0, sizeof(*s));
}

void exposure_lists_free(struct exposure_lists *l)
{
    if (!l)
        return;
    lside_free(&l->s[0]);
    lside_free(&l->s[1]);
    free(l);
}

static void query_list(const struct exposure_lists *l, const struct match_index *idx, int64_t qid,
                       struct match_result *out, size_t *n)
{
    if (match_index_topk(idx, qid, l->m, NULL, NULL, out, n) != 0)
        *n = 0;
}

void exposure_lists_build_begin(struct exposure_lists *l, const struct match_index *idx)
{
    for (int sd = 0; sd < 2; sd++) {
        struct lside *s = &l->s[sd];
        lside_free(s);
        size_t n = match_index_count(idx, (enum match_side)sd);
        s->qid = xmalloc((n ? n : 1) * sizeof(*s->qid));
        s->n = match_index_ids(idx, (enum match_side)sd, s->qid);
        qsort(s->qid, s->n, sizeof(*s->qid), cmp_i64);
        s->cand = xmalloc((s->n ? s->n : 1) * l->m * sizeof(*s->cand));
        s->ncand = xcalloc(s->n ? s->n : 1, sizeof(*s->ncand));
    }
}

size_t exposure_lists_build_size(const struct exposure_lists *l)
{
    return l->s[0].n + l->s[1].n;
}

void exposure_lists_build_step(struct exposure_lists *l, const struct match_index *idx,
                               size_t from, size_t count)
{
    for (size_t i = from; i < from + count && i < l->s[0].n + l->s[1].n; i++) {
        struct lside *s = i < l->s[0].n ? &l->s[0] : &l->s[1];
        size_t j = i < l->s[0].n ? i : i - l->s[0].n;
        query_list(l, idx, s->qid[j], s->cand + j * l->m, &s->ncand[j]);
    }
}

void exposure_lists_build(struct exposure_lists *l, const struct match_index *idx)
{
    exposure_lists_build_begin(l, idx);
    exposure_lists_build_step(l, idx, 0, exposure_lists_build_size(l));
}

struct enter_ctx {
    const struct exposure_lists *l;
    const struct lside *s;
    bool *redo;
};

/* Marks query q's list when the candidate scoring `score` for it may now enter it. Equal scores
 * count as entering (the tie is broken by id inside the top-k; recomputing is always exact). */
static void mark_enter(void *arg, int64_t q, double score)
{
    struct enter_ctx *c = arg;
    const struct lside *s = c->s;
    const int64_t *p = s->n ? bsearch(&q, s->qid, s->n, sizeof(int64_t), cmp_i64) : NULL;
    if (!p)
        return; /* a new query: computed anyway */
    size_t i = (size_t)(p - s->qid);
    if (s->ncand[i] < c->l->m || score >= s->cand[i * c->l->m + s->ncand[i] - 1].score)
        c->redo[i] = true;
}

static bool indexed_on(const struct match_index *idx, int64_t id, int side)
{
    struct match_project pr;
    const char *tags[MATCH_TAGS_MAX];
    return match_index_get(idx, id, &pr, tags) == 0 && (int)pr.side == side;
}

size_t exposure_lists_update(struct exposure_lists *l, const struct match_index *idx,
                             const int64_t *changed, size_t n)
{
    size_t m = l->m, queries = 0;
    int64_t *ch = xmalloc((n ? n : 1) * sizeof(*ch));
    if (n)
        memcpy(ch, changed, n * sizeof(*ch));
    qsort(ch, n, sizeof(*ch), cmp_i64);
    size_t nch = 0;
    for (size_t i = 0; i < n; i++)
        if (nch == 0 || ch[nch - 1] != ch[i])
            ch[nch++] = ch[i];
    for (int sd = 0; sd < 2; sd++) {
        struct lside *s = &l->s[sd];
        /* The new query set: the old one without the changed ids, plus the changed ids indexed
         * on this side now. */
        int64_t *ids = xmalloc((s->n + nch + 1) * sizeof(*ids));
        size_t ni = 0;
        for (size_t i = 0; i < s->n; i++)
            if (!nch || !bsearch(&s->qid[i], ch, nch, sizeof(*ch), cmp_i64))
                ids[ni++] = s->qid[i];
        for (size_t i = 0; i < nch; i++)
            if (indexed_on(idx, ch[i], sd))
                ids[ni++] = ch[i];
        qsort(ids, ni, sizeof(*ids), cmp_i64);
        /* An old list stays only if its query did not change and it holds no changed project. */
        bool *redo = xcalloc(s->n ? s->n : 1, sizeof(*redo));
        for (size_t i = 0; i < s->n && nch; i++) {
            if (bsearch(&s->qid[i], ch, nch, sizeof(*ch), cmp_i64)) {
                redo[i] = true;
                continue;
            }
            for (size_t j = 0; j < s->ncand[i] && !redo[i]; j++)
                redo[i] = bsearch(&s->cand[i * m + j].id, ch, nch, sizeof(*ch), cmp_i64) != NULL;
        }
        /* ... and no changed project of the other side now enters it. */
        struct enter_ctx ec = {l, s, redo};
        for (size_t i = 0; i < nch; i++)
            if (indexed_on(idx, ch[i], 1 - sd))
                (void)match_index_each_query(idx, ch[i], mark_enter, &ec);
        struct match_result *cand = xmalloc((ni ? ni : 1) * m * sizeof(*cand));
        size_t *ncand = xmalloc((ni ? ni : 1) * sizeof(*ncand));
        for (size_t i = 0, o = 0; i < ni; i++) {
            while (o < s->n && s->qid[o] < ids[i])
                o++;
            if (o < s->n && s->qid[o] == ids[i] && !redo[o]) {
                memcpy(cand + i * m, s->cand + o * m, s->ncand[o] * sizeof(*cand));
                ncand[i] = s->ncand[o];
            } else {
                query_list(l, idx, ids[i], cand + i * m, &ncand[i]);
                queries++;
            }
        }
        free(redo);
        lside_free(s);
        s->qid = ids;
        s->cand = cand;
        s->ncand = ncand;
        s->n = ni;
    }
    free(ch);
    return queries;
}

size_t exposure_lists_queries(const struct exposure_lists *l, enum match_side side,
                              struct exposure_query **q)
{
    const struct lside *s = &l->s[side == MATCH_DEMAND ? 1 : 0];
    *q = xmalloc((s->n ? s->n : 1) * sizeof(**q));
    for (size_t i = 0; i < s->n; i++)
        (*q)[i] = (struct exposure_query){s->qid[i], s->cand + i * l->m, s->ncand[i]};
    return s->n;
}
