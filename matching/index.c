#include "matching/index.h"

#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "matching/tokenize.h"
#include "base/err.h"

/* Fixed point. Vector components are floor(x * QMAX) of an L2-normalized vector, so a dot
 * product of two vectors is at most COMP_ONE (Cauchy-Schwarz on the integers). Every feature
 * component is in [0, COMP_ONE]; weights are round(w * 65536); a score is the uint64 sum of
 * weight * component (< 2^58 for weights <= 100), so every code path yields the same bits. */
#define QMAX 65535u
#define COMP_ONE ((uint64_t)QMAX * QMAX)
#define WEIGHT_ONE 65536.0
#define NONE UINT32_MAX
#define COMPACT_MIN_CHANGES 1024
#ifndef COMMON_DF_DIV
#define COMMON_DF_DIV 32
#endif

enum { W_TAG, W_TEXT, W_SECTOR, W_ZONE, W_BUDGET, W_STAGE, W_N };
enum term_kind { KIND_TAG = 0, KIND_TEXT = 1, KIND_SECTOR = 2, KIND_ZONE = 3 };
enum group { G_TAG, G_TEXT, G_OTHER };

/* A posting list of one term on one side: slot numbers ascending, then (same allocation, after
 * cap slots) the document's component for the term. maxw bounds every weight in the list. */
struct plist {
    uint32_t *slot;
    uint32_t len, cap;
    uint16_t maxw;
};

struct term {
    uint64_t hash;
    uint32_t str_off; /* NUL-terminated in idx->strs */
    uint32_t len;
    uint32_t df; /* live projects (both sides) containing the term */
    uint8_t kind;
    double idf; /* snapshot, see match_index_compact() */
    struct plist list[2];
};

/* A run as its tag set lists it: slots [lo, lo + n), their zone, the most dc among them. */
struct srun {
    uint32_t lo, n, zone, b; /* b: the run's budget summary, see run_bsum() */
    uint16_t dc;
};

/* Projects of one side, by slot. Slots only grow between compactions; removed ones stay with
 * alive = 0 (their postings are skipped) until match_index_compact() renumbers. */
struct side {
    uint32_t nslots, cap, live;
    int64_t *id, *org, *bmin, *bmax;
    uint32_t *sector, *zone; /* term ids or NONE */
    uint8_t *stage, *alive, *ntag, *ntext;
    uint64_t *fwd; /* offset of the slot's terms in f_term/f_w/f_tf: tags, then text */
    /* Forward vectors, each part sorted by term id. */
    uint32_t *f_term;
    uint16_t *f_w;
    uint8_t *f_tf;
    uint64_t f_len, f_cap;
    /* Slots [0, sorted) are ordered by (sector, zone) term id (a compaction sorts them; upserts
     * append after), so a query's sector and its zone within it are ranges (match_index_topk). */
    uint32_t sorted;
    /* Within a (sector, zone), the sorted slots are grouped by tag vector: run i is the slots
     * [run_lo[i], run_lo[i + 1]) (run_lo[nruns] == sorted), all of one sector, zone and tag
     * vector (term ids and weights), that of tag set run_set[i]; set_rep[set] is a slot that has
     * it. hot[slot].dc >= |the slot's text vector restricted to the common terms| (see
     * match_index.common) and run_dc[i] is the runs' maximum of it. */
    uint32_t nruns, nsets;
    uint32_t *run_lo, *run_set, *set_rep;
    uint16_t *run_dc;
    /* Budgets, coarsely: bc = budget_code(bmin) << 8 | budget_code(bmax) (0 for bmax: unknown);
     * run_b[run] summarizes its slots' (run_bsum()). A slot's dc and bc side by side (the first
     * bound a query takes of a slot reads both): hot[slot]. */
    struct slot_hot {
        uint16_t dc, bc;
        uint16_t sdc; /* the most dc of this slot and the ones after it in its run */
    } *hot;
    uint32_t *run_b;
    /* csig[slot]: a 256-bit signature of the slot's common text terms (bit csig_bit(term)), and
     * cmax[slot] its largest weight on them: its common text dot product with a query is at most
     * cmax * the query's common weights in the buckets it has. */
    uint64_t (*csig)[4];
    uint16_t *cmax;
    /* Per sorted slot its tag set; per set its runs (set_roff[nsets + 1] into set_runs, in slot
     * order), the most dc of them, and its tag vector (set_toff[nsets + 1] into set_term /
     * set_w). The tag vectors again as (term, set, weight) sorted by term: tset_*[ntset]. */
    uint32_t *slot_set, *set_roff, *set_toff, *set_term;
    struct srun *set_runs;
    uint16_t *set_dc, *set_w;
    uint32_t ntset;
    uint16_t max_dc; /* the most dc */
    uint32_t *tset_term, *tset_set;
    uint16_t *tset_w;
};

struct idslot {
    int64_t id;
    uint32_t ref; /* side << 31 | slot; NONE = empty */
};

/* id -> ref, open addressing (power-of-two capacity, no tombstones). */
struct idtab {
    struct idslot *v;
    size_t len, cap;
};

struct match_index {
    struct match_weights weights;
    uint64_t w[W_N];
    struct term *terms;
    uint32_t nterms, terms_cap;
    uint32_t *tmap; /* term id + 1, 0 = empty; open addressing */
    uint32_t tmap_cap;
    char *strs;
    size_t strs_len, strs_cap;
    struct side sides[2];
    struct idtab ids;
    size_t changes;
    enum match_budget_mode budget_mode;
    uint64_t generation; /* bumped by every change: match_index_generation() */
    bool idf_held;       /* match_index_hold_idf(): compaction keeps every term's IDF */
    uint64_t held_n;     /* the live total when held: a new term's IDF is idf_of(held_n + 1, 1) */
    bool no_auto;        /* match_index_set_auto_compact(idx, false) */
    uint64_t cepoch;     /* bumped by every compaction: a prepared one is for this epoch */
    int64_t *log;        /* ids upserted or removed since the last compaction, in order */
    size_t log_len, log_cap;
    /* Text terms [0, ncommon) with common[t] set were in more than common_df(live) projects at
     * the last compaction: a query bounds their part of a candidate's text score by the
     * candidate's dc (struct side) and probes the other (rare) terms' lists. */
    uint8_t *common;
    uint32_t ncommon;
};

/* ---- small helpers ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t term_hash(uint8_t kind, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ kind;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

static double idf_of(uint64_t n, uint64_t df)
{
    if (df > n)
        n = df;
    return log(1.0 + ((double)(n - df) + 0.5) / ((double)df + 0.5));
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t live_total(const struct match_index *idx)
{
    return (uint64_t)idx->sides[0].live + idx->sides[1].live;
}

/* ---- term dictionary ---- */

static void tmap_grow(struct match_index *idx)
{
    uint32_t cap = idx->tmap_cap ? idx->tmap_cap * 2 : 1024;
    uint32_t *map = xcalloc(cap, sizeof(*map));
    for (uint32_t t = 0; t < idx->nterms; t++) {
        uint32_t i = (uint32_t)idx->terms[t].hash & (cap - 1);
        while (map[i])
            i = (i + 1) & (cap - 1);
        map[i] = t + 1;
    }
    free(idx->tmap);
    idx->tmap = map;
    idx->tmap_cap = cap;
}

static uint32_t term_intern(struct match_index *idx, uint8_t kind, const char *s, size_t len)
{
    uint64_t h = term_hash(kind, s, len);
    if ((uint64_t)(idx->nterms + 1) * 2 > idx->tmap_cap)
        tmap_grow(idx);
    uint32_t i = (uint32_t)h & (idx->tmap_cap - 1);
    while (idx->tmap[i]) {
        const struct term *t = &idx->terms[idx->tmap[i] - 1];
        if (t->hash == h && t->kind == kind && t->len == len &&
            memcmp(idx->strs + t->str_off, s, len) == 0)
            return idx->tmap[i] - 1;
        i = (i + 1) & (idx->tmap_cap - 1);
    }
    SD_ASSERT(idx->nterms < NONE - 1);
    if (idx->nterms == idx->terms_cap) {
        idx->terms_cap = idx->terms_cap ? idx->terms_cap * 2 : 1024;
        idx->terms = xrealloc(idx->terms, idx->terms_cap * sizeof(*idx->terms));
    }
    if (idx->strs_len + len + 1 > idx->strs_cap) {
        while (idx->strs_len + len + 1 > idx->strs_cap)
            idx->strs_cap = idx->strs_cap ? idx->strs_cap * 2 : 65536;
        idx->strs = xrealloc(idx->strs, idx->strs_cap);
    }
    SD_ASSERT(idx->strs_len + len + 1 < UINT32_MAX);
    uint32_t id = idx->nterms++;
    struct term *t = &idx->terms[id];
    memset(t, 0, sizeof(*t));
    t->hash = h;
    t->kind = kind;
    t->len = (uint32_t)len;
    t->str_off = (uint32_t)idx->strs_len;
    memcpy(idx->strs + idx->strs_len, s, len);
    idx->strs[idx->strs_len + len] = '\0';
    idx->strs_len += len + 1;
    t->idf = idf_of((idx->idf_held ? idx->held_n : live_total(idx)) + 1, 1);
    idx->tmap[i] = id + 1;
    return id;
}

static const char *term_str(const struct match_index *idx, uint32_t t)
{
    return t == NONE ? "" : idx->strs + idx->terms[t].str_off;
}

/* ---- posting lists ---- */

static uint16_t *plist_w(const struct plist *l)
{
    return (uint16_t *)(l->slot + l->cap);
}

static void plist_append(struct plist *l, uint32_t slot, uint16_t w)
{
    if (l->len == l->cap) {
        uint32_t cap = l->cap < 4 ? 4 : l->cap + l->cap / 2;
        l->slot = xrealloc(l->slot, (size_t)cap * (sizeof(uint32_t) + sizeof(uint16_t)));
        memmove(l->slot + cap, l->slot + l->cap, (size_t)l->len * sizeof(uint16_t));
        l->cap = cap;
    }
    l->slot[l->len] = slot;
    plist_w(l)[l->len] = w;
    l->len++;
    if (w > l->maxw)
        l->maxw = w;
}

/* ---- id map ---- */

static size_t ids_find(const struct idtab *tb, int64_t id)
{
    if (!tb->cap)
        return SIZE_MAX;
    size_t mask = tb->cap - 1;
    size_t i = mix64((uint64_t)id) & mask;
    while (tb->v[i].ref != NONE) {
        if (tb->v[i].id == id)
            return i;
        i = (i + 1) & mask;
    }
    return SIZE_MAX;
}

static void ids_insert_raw(struct idslot *tab, size_t cap, int64_t id, uint32_t ref)
{
    size_t i = mix64((uint64_t)id) & (cap - 1);
    while (tab[i].ref != NONE)
        i = (i + 1) & (cap - 1);
    tab[i].id = id;
    tab[i].ref = ref;
}

/* An empty table of capacity cap (a power of two). */
static void ids_init(struct idtab *tb, size_t cap)
{
    tb->v = xmalloc(cap * sizeof(*tb->v));
    for (size_t i = 0; i < cap; i++)
        tb->v[i].ref = NONE;
    tb->cap = cap;
    tb->len = 0;
}

static void ids_put(struct idtab *tb, int64_t id, uint32_t ref)
{
    if ((tb->len + 1) * 2 > tb->cap) {
        struct idtab nt;
        ids_init(&nt, tb->cap ? tb->cap * 2 : 1024);
        for (size_t i = 0; i < tb->cap; i++)
            if (tb->v[i].ref != NONE)
                ids_insert_raw(nt.v, nt.cap, tb->v[i].id, tb->v[i].ref);
        nt.len = tb->len;
        free(tb->v);
        *tb = nt;
    }
    ids_insert_raw(tb->v, tb->cap, id, ref);
    tb->len++;
}

/* Deletes entry i with backward-shift (no tombstones). */
static void ids_delete_at(struct idtab *tb, size_t i)
{
    size_t mask = tb->cap - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (tb->v[j].ref == NONE)
            break;
        size_t home = mix64((uint64_t)tb->v[j].id) & mask;
        /* Move j into the hole i unless its home lies cyclically in (i, j]. */
        bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            tb->v[i] = tb->v[j];
            i = j;
        }
    }
    tb->v[i].ref = NONE;
    tb->len--;
}

/* ---- sides ---- */

static void side_reserve(struct side *s, uint32_t want)
{
    if (want <= s->cap)
        return;
    uint32_t cap = s->cap < 256 ? 256 : s->cap;
    while (cap < want)
        cap += cap / 2;
    s->id = xrealloc(s->id, cap * sizeof(*s->id));
    s->org = xrealloc(s->org, cap * sizeof(*s->org));
    s->bmin = xrealloc(s->bmin, cap * sizeof(*s->bmin));
    s->bmax = xrealloc(s->bmax, cap * sizeof(*s->bmax));
    s->sector = xrealloc(s->sector, cap * sizeof(*s->sector));
    s->zone = xrealloc(s->zone, cap * sizeof(*s->zone));
    s->stage = xrealloc(s->stage, cap);
    s->alive = xrealloc(s->alive, cap);
    s->ntag = xrealloc(s->ntag, cap);
    s->ntext = xrealloc(s->ntext, cap);
    s->fwd = xrealloc(s->fwd, cap * sizeof(*s->fwd));
    s->cap = cap;
}

static void side_fwd_reserve(struct side *s, uint64_t want)
{
    if (want <= s->f_cap)
        return;
    uint64_t cap = s->f_cap < 4096 ? 4096 : s->f_cap;
    while (cap < want)
        cap += cap / 2;
    s->f_term = xrealloc(s->f_term, cap * sizeof(*s->f_term));
    s->f_w = xrealloc(s->f_w, cap * sizeof(*s->f_w));
    s->f_tf = xrealloc(s->f_tf, cap);
    s->f_cap = cap;
}

static void side_free(struct side *s)
{
    free(s->id);
    free(s->org);
    free(s->bmin);
    free(s->bmax);
    free(s->sector);
    free(s->zone);
    free(s->stage);
    free(s->alive);
    free(s->ntag);
    free(s->ntext);
    free(s->fwd);
    free(s->f_term);
    free(s->f_w);
    free(s->f_tf);
    free(s->run_lo);
    free(s->run_set);
    free(s->set_rep);
    free(s->run_dc);
    free(s->hot);
    free(s->run_b);
    free(s->csig);
    free(s->cmax);
    free(s->slot_set);
    free(s->set_roff);
    free(s->set_runs);
    free(s->tset_term);
    free(s->tset_set);
    free(s->tset_w);
    free(s->set_toff);
    free(s->set_term);
    free(s->set_dc);
    free(s->set_w);
}

/* ---- lifecycle ---- */

struct match_index *match_index_new(const struct match_weights *w)
{
    const char *bad = NULL;
    SD_ASSERT(match_weights_validate(w, &bad) == 0);
    struct match_index *idx = xcalloc(1, sizeof(*idx));
    idx->weights = *w;
    const double ws[W_N] = {w->tag, w->text, w->sector, w->zone, w->budget, w->stage};
    for (int i = 0; i < W_N; i++)
        idx->w[i] = (uint64_t)llround(ws[i] * WEIGHT_ONE);
    return idx;
}

void match_index_free(struct match_index *idx)
{
    if (!idx)
        return;
    for (uint32_t t = 0; t < idx->nterms; t++) {
        free(idx->terms[t].list[0].slot);
        free(idx->terms[t].list[1].slot);
    }
    free(idx->terms);
    free(idx->tmap);
    free(idx->strs);
    side_free(&idx->sides[0]);
    side_free(&idx->sides[1]);
    free(idx->ids.v);
    free(idx->log);
    free(idx->common);
    free(idx);
}

size_t match_index_count(const struct match_index *idx, enum match_side side)
{
    return (unsigned)side < 2 ? idx->sides[side].live : 0;
}

size_t match_index_ids(const struct match_index *idx, enum match_side side, int64_t *out)
{
    if ((unsigned)side >= 2)
        return 0;
    const struct side *sd = &idx->sides[side];
    size_t n = 0;
    for (uint32_t i = 0; i < sd->nslots; i++)
        if (sd->alive[i])
            out[n++] = sd->id[i];
    return n;
}

/* ---- vectors ---- */

struct tw {
    uint32_t term;
    uint32_t tf;
    double x;
};

static int tw_by_term(const void *a, const void *b)
{
    uint32_t x = ((const struct tw *)a)->term, y = ((const struct tw *)b)->term;
    return (x > y) - (x < y);
}

static int tw_by_weight(const void *a, const void *b)
{
    const struct tw *x = a, *y = b;
    if (x->x != y->x)
        return x->x > y->x ? -1 : 1;
    return (x->term > y->term) - (x->term < y->term);
}

static double tw_raw(const struct match_index *idx, uint8_t kind, uint32_t term, uint32_t tf)
{
    double idf = idx->terms[term].idf;
    return kind == KIND_TAG ? idf : (1.0 + log((double)tf)) * idf;
}

/* Writes the quantized L2-normalized weights of v[0..n) (raw weights in .x) to out. */
static void quantize(const struct tw *v, size_t n, uint16_t *out)
{
    double norm = 0.0;
    for (size_t i = 0; i < n; i++)
        norm += v[i].x * v[i].x;
    norm = sqrt(norm);
    uint64_t sq = 0;
    for (size_t i = 0; i < n; i++) {
        double q = norm > 0.0 ? floor(v[i].x / norm * (double)QMAX * (1.0 - 1e-9)) : 0.0;
        if (q < 0.0)
            q = 0.0;
        if (q > QMAX)
            q = QMAX;
        out[i] = (uint16_t)q;
        sq += (uint64_t)out[i] * out[i];
    }
    SD_ASSERT(sq <= COMP_ONE);
}

struct tokctx {
    struct match_index *idx;
    uint32_t *ids;
    size_t n, cap;
    int reps;
};

static void collect_token(void *arg, const char *tok, size_t len)
{
    struct tokctx *c = arg;
    uint32_t t = term_intern(c->idx, KIND_TEXT, tok, len);
    for (int r = 0; r < c->reps; r++) {
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 256;
            c->ids = xrealloc(c->ids, c->cap * sizeof(*c->ids));
        }
        c->ids[c->n++] = t;
    }
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* ---- upsert / remove ---- */

static void do_remove(struct match_index *idx, size_t entry)
{
    uint32_t ref = idx->ids.v[entry].ref;
    struct side *s = &idx->sides[ref >> 31];
    uint32_t slot = ref & 0x7FFFFFFF;
    SD_ASSERT(s->alive[slot]);
    s->alive[slot] = 0;
    uint64_t off = s->fwd[slot];
    for (uint32_t i = 0; i < (uint32_t)s->ntag[slot] + s->ntext[slot]; i++)
        idx->terms[s->f_term[off + i]].df--;
    if (s->sector[slot] != NONE)
        idx->terms[s->sector[slot]].df--;
    if (s->zone[slot] != NONE)
        idx->terms[s->zone[slot]].df--;
    s->live--;
    ids_delete_at(&idx->ids, entry);
}

static void maybe_compact(struct match_index *idx, int64_t id)
{
    if (idx->log_len == idx->log_cap) {
        idx->log_cap = idx->log_cap ? idx->log_cap * 2 : 1024;
        idx->log = xrealloc(idx->log, idx->log_cap * sizeof(*idx->log));
    }
    idx->log[idx->log_len++] = id;
    idx->changes++;
    if (!idx->no_auto && match_index_compact_due(idx))
        match_index_compact(idx);
}

bool match_index_compact_due(const struct match_index *idx)
{
    return idx->changes >= COMPACT_MIN_CHANGES + live_total(idx) / 2;
}

void match_index_set_auto_compact(struct match_index *idx, bool on)
{
    idx->no_auto = !on;
}

static bool project_valid(const struct match_project *p)
{
    if ((unsigned)p->side > MATCH_DEMAND || (unsigned)p->stage > MATCH_STAGE_PRODUCTION)
        return false;
    if (p->ntags > MATCH_TAGS_MAX || (p->ntags && !p->tags))
        return false;
    for (size_t i = 0; i < p->ntags; i++)
        if (!p->tags[i])
            return false;
    if (p->budget_min < 0 || p->budget_max < 0)
        return false;
    if (p->budget_max > 0 && p->budget_min > p->budget_max)
        return false;
    return true;
}

int match_index_upsert(struct match_index *idx, const struct match_project *p)
{
    if (!project_valid(p))
        return SD_ERR_INVALID;
    idx->generation++;
    size_t entry = ids_find(&idx->ids, p->id);
    if (entry != SIZE_MAX)
        do_remove(idx, entry);

    /* Tags: distinct term ids, sorted. */
    struct tw tags[MATCH_TAGS_MAX];
    size_t ntag = 0;
    for (size_t i = 0; i < p->ntags; i++) {
        uint32_t t = term_intern(idx, KIND_TAG, p->tags[i], strlen(p->tags[i]));
        bool dup = false;
        for (size_t j = 0; j < ntag && !dup; j++)
            dup = tags[j].term == t;
        if (!dup)
            tags[ntag++] = (struct tw){t, 1, 0.0};
    }
    qsort(tags, ntag, sizeof(*tags), tw_by_term);
    for (size_t i = 0; i < ntag; i++)
        tags[i].x = tw_raw(idx, KIND_TAG, tags[i].term, 1);

    /* Text: title tokens count twice. */
    struct tokctx ctx = {idx, NULL, 0, 0, 2};
    if (p->title)
        tok_tokenize(p->title, strlen(p->title), collect_token, &ctx);
    ctx.reps = 1;
    if (p->description)
        tok_tokenize(p->description, strlen(p->description), collect_token, &ctx);
    if (ctx.n > 1)
        qsort(ctx.ids, ctx.n, sizeof(*ctx.ids), u32_cmp);
    struct tw *text = xmalloc((ctx.n ? ctx.n : 1) * sizeof(*text));
    size_t ntext = 0;
    for (size_t i = 0; i < ctx.n;) {
        size_t j = i;
        while (j < ctx.n && ctx.ids[j] == ctx.ids[i])
            j++;
        uint32_t tf = (uint32_t)(j - i);
        if (tf > 255)
            tf = 255;
        text[ntext] = (struct tw){ctx.ids[i], tf, tw_raw(idx, KIND_TEXT, ctx.ids[i], tf)};
        ntext++;
        i = j;
    }
    free(ctx.ids);
    if (ntext > MATCH_TEXT_TERMS_MAX) {
        qsort(text, ntext, sizeof(*text), tw_by_weight);
        ntext = MATCH_TEXT_TERMS_MAX;
        qsort(text, ntext, sizeof(*text), tw_by_term);
    }

    uint32_t sector = NONE, zone = NONE;
    if (p->sector && p->sector[0])
        sector = term_intern(idx, KIND_SECTOR, p->sector, strlen(p->sector));
    if (p->zone && p->zone[0])
        zone = term_intern(idx, KIND_ZONE, p->zone, strlen(p->zone));

    struct side *s = &idx->sides[p->side];
    SD_ASSERT(s->nslots < 0x7FFFFFFF);
    side_reserve(s, s->nslots + 1);
    uint32_t slot = s->nslots++;
    s->id[slot] = p->id;
    s->org[slot] = p->org_id;
    s->bmin[slot] = p->budget_max > 0 ? p->budget_min : 0;
    s->bmax[slot] = p->budget_max;
    s->sector[slot] = sector;
    s->zone[slot] = zone;
    s->stage[slot] = (uint8_t)p->stage;
    s->alive[slot] = 1;
    s->ntag[slot] = (uint8_t)ntag;
    s->ntext[slot] = (uint8_t)ntext;
    side_fwd_reserve(s, s->f_len + ntag + ntext);
    uint64_t off = s->f_len;
    s->fwd[slot] = off;
    s->f_len += ntag + ntext;
    quantize(tags, ntag, s->f_w + off);
    quantize(text, ntext, s->f_w + off + ntag);
    for (size_t i = 0; i < ntag + ntext; i++) {
        const struct tw *v = i < ntag ? &tags[i] : &text[i - ntag];
        s->f_term[off + i] = v->term;
        s->f_tf[off + i] = (uint8_t)v->tf;
        struct term *t = &idx->terms[v->term];
        t->df++;
        plist_append(&t->list[p->side], slot, s->f_w[off + i]);
    }
    free(text);
    if (sector != NONE) {
        idx->terms[sector].df++;
        plist_append(&idx->terms[sector].list[p->side], slot, QMAX);
    }
    if (zone != NONE) {
        idx->terms[zone].df++;
        plist_append(&idx->terms[zone].list[p->side], slot, QMAX);
    }
    s->live++;
    ids_put(&idx->ids, p->id, (uint32_t)p->side << 31 | slot);
    maybe_compact(idx, p->id);
    return 0;
}

int match_index_remove(struct match_index *idx, int64_t id)
{
    size_t entry = ids_find(&idx->ids, id);
    idx->generation++;
    if (entry == SIZE_MAX)
        return SD_ERR_NOT_FOUND;
    do_remove(idx, entry);
    maybe_compact(idx, id);
    return 0;
}

/* ---- compaction ----
 *
 * A compaction is prepared from a const index (so under a read lock, while queries run): the IDF
 * it will have, both sides rebuilt without removed slots, sorted by (sector, zone) and
 * re-weighted, their posting lists and a new id table. The swap then replays the changes made
 * since (the log), and exchanges the structures: O(terms + changes since the prepare). */

enum { MC_PLAIN, MC_FRESH, MC_IMPORT };

struct match_compaction {
    int mode;
    uint64_t cepoch;  /* the index's compaction epoch it was prepared at */
    size_t log_from;  /* the index's log length then */
    uint32_t nterms;  /* terms that idf covers */
    double *idf;      /* nterms */
    uint32_t nlists;  /* terms that lists covers */
    struct plist *lists; /* nlists * 2: [term * 2 + side] */
    struct side sides[2];
    struct idtab ids;
    uint64_t n;       /* MC_FRESH: the live total it was computed over; MC_IMPORT: the blob's */
    const char *blob; /* MC_IMPORT (the caller's, validated): terms the index lacked are interned at the swap */
    size_t blob_len;
    bool swapped;
    bool same_idf; /* MC_PLAIN with the IDF held: every vector keeps its bits (copied) */
    uint8_t *common; /* nterms: the index's common[] after the swap */
};

static double raw_weight(uint8_t kind, double idf, uint32_t tf)
{
    return kind == KIND_TAG ? idf : (1.0 + log((double)tf)) * idf;
}

/* Appends slot i of `from` to `to`, its vectors re-weighted with idf[term] (or the term's own
 * IDF when idf is NULL), or copied when both are NULL (the IDF did not move: the same bits).
 * Returns the new slot. */
static uint32_t side_copy_slot(struct side *to, const struct side *from, uint32_t i,
                               const double *idf, const struct term *terms)
{
    side_reserve(to, to->nslots + 1);
    uint32_t j = to->nslots++;
    to->id[j] = from->id[i];
    to->org[j] = from->org[i];
    to->bmin[j] = from->bmin[i];
    to->bmax[j] = from->bmax[i];
    to->sector[j] = from->sector[i];
    to->zone[j] = from->zone[i];
    to->stage[j] = from->stage[i];
    to->alive[j] = 1;
    to->ntag[j] = from->ntag[i];
    to->ntext[j] = from->ntext[i];
    uint32_t nt = from->ntag[i], nx = from->ntext[i];
    side_fwd_reserve(to, to->f_len + nt + nx);
    uint64_t src = from->fwd[i], dst = to->f_len;
    to->fwd[j] = dst;
    struct tw v[MATCH_TAGS_MAX + MATCH_TEXT_TERMS_MAX];
    memcpy(to->f_term + dst, from->f_term + src, (nt + nx) * sizeof(*to->f_term));
    memcpy(to->f_tf + dst, from->f_tf + src, nt + nx);
    if (!idf && !terms) {
        memcpy(to->f_w + dst, from->f_w + src, (nt + nx) * sizeof(*to->f_w));
    } else {
        for (uint32_t k = 0; k < nt + nx; k++) {
            uint32_t term = from->f_term[src + k];
            uint8_t tf = from->f_tf[src + k];
            double x = idf ? idf[term] : terms[term].idf;
            v[k] = (struct tw){term, tf, raw_weight(k < nt ? KIND_TAG : KIND_TEXT, x, tf)};
        }
        quantize(v, nt, to->f_w + dst);
        quantize(v + nt, nx, to->f_w + dst + nt);
    }
    to->f_len += nt + nx;
    to->live++;
    return j;
}

/* Appends the postings of slot j of side sd to lists[term * 2 + sd]. */
static void side_post(struct plist *lists, const struct side *s, int sd, uint32_t j)
{
    uint64_t off = s->fwd[j];
    for (uint32_t k = 0; k < (uint32_t)s->ntag[j] + s->ntext[j]; k++)
        plist_append(&lists[(size_t)s->f_term[off + k] * 2 + sd], j, s->f_w[off + k]);
    if (s->sector[j] != NONE)
        plist_append(&lists[(size_t)s->sector[j] * 2 + sd], j, QMAX);
    if (s->zone[j] != NONE)
        plist_append(&lists[(size_t)s->zone[j] * 2 + sd], j, QMAX);
}

struct ord {
    uint32_t sector, zone, slot;
    uint32_t key; /* within a run, larger first (about its dc: approx_dc()) */
    uint64_t tsig;
};

static int ord_cmp(const void *a, const void *b)
{
    const struct ord *x = a, *y = b;
    if (x->sector != y->sector)
        return x->sector < y->sector ? -1 : 1;
    if (x->zone != y->zone)
        return x->zone < y->zone ? -1 : 1;
    if (x->tsig != y->tsig)
        return x->tsig < y->tsig ? -1 : 1;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

/* A text term is common when more than this many live projects (both sides) have it. */
static uint64_t common_df(uint64_t live)
{
    return 16 + live / COMMON_DF_DIV;
}

/* A hash of the tag vector slot i of `from` will have once copied by side_copy_slot() with the
 * same idf (NULL: the bits kept). Equal vectors hash alike, so sorting by it groups them. */
static uint64_t tag_sig(const struct side *from, uint32_t i, const double *idf)
{
    uint32_t nt = from->ntag[i];
    uint64_t src = from->fwd[i];
    uint16_t w[MATCH_TAGS_MAX];
    if (!idf) {
        memcpy(w, from->f_w + src, nt * sizeof(*w));
    } else {
        struct tw v[MATCH_TAGS_MAX];
        for (uint32_t k = 0; k < nt; k++) {
            uint32_t term = from->f_term[src + k];
            v[k] = (struct tw){term, 1, raw_weight(KIND_TAG, idf[term], from->f_tf[src + k])};
        }
        quantize(v, nt, w);
    }
    uint64_t h = mix64(nt + 1);
    for (uint32_t k = 0; k < nt; k++)
        h = mix64(h ^ ((uint64_t)from->f_term[src + k] << 16 | w[k]));
    return h;
}

/* About the dc slot i of `from` will have once copied with this idf (NULL: the weights kept)
 * and common terms: |its text vector restricted to them| / |its text vector|, scaled. Only an
 * order: the runs put their slots by it, larger first, so that a scan can stop early in a run
 * (struct side: sdc). */
static uint32_t approx_dc(const struct side *from, uint32_t i, const double *idf,
                          const uint8_t *common)
{
    uint32_t nt = from->ntag[i], nx = from->ntext[i];
    uint64_t src = from->fwd[i] + nt;
    double all = 0, com = 0;
    for (uint32_t k = 0; k < nx; k++) {
        uint32_t term = from->f_term[src + k];
        double w = from->f_w[src + k];
        if (idf) {
            uint32_t tf = from->f_tf[src + k];
            w = tf == 1 ? idf[term] : raw_weight(KIND_TEXT, idf[term], tf);
        }
        all += w * w;
        if (common[term])
            com += w * w;
    }
    return all > 0 ? (uint32_t)(com / all * 4294967295.0) : 0; /* com <= all */
}

static bool same_tags(const struct side *s, uint32_t a, uint32_t b)
{
    uint32_t n = s->ntag[a];
    return n == s->ntag[b] &&
           memcmp(s->f_term + s->fwd[a], s->f_term + s->fwd[b], n * sizeof(*s->f_term)) == 0 &&
           memcmp(s->f_w + s->fwd[a], s->f_w + s->fwd[b], n * sizeof(*s->f_w)) == 0;
}

/* ceil(sqrt(x)) for the integers x here (< 2^33), exactly. */
static uint32_t isqrt_up(uint64_t x)
{
    uint64_t r = (uint64_t)sqrt((double)x);
    while (r * r > x)
        r--;
    while (r * r < x)
        r++;
    return (uint32_t)r;
}

static inline uint32_t csig_bit(uint32_t term)
{
    return (term * 0x9E3779B1u) >> 24;
}

/* A budget amount as 8 bits, monotone: 0 for 0, else 1 + 4 * log2 + the next two bits. So
 * budget_code(a) < budget_code(b) implies a < b. */
static uint32_t budget_code(int64_t x)
{
    if (x <= 0)
        return 0;
    uint32_t e = 63 - (uint32_t)__builtin_clzll((uint64_t)x);
    uint32_t m = e >= 2 ? (uint32_t)((uint64_t)x >> (e - 2)) & 3 : (uint32_t)((uint64_t)x << (2 - e)) & 3;
    return 1 + 4 * e + m;
}

/* A run's budgets: bits 0-7 the least code of a known budget's minimum, 8-15 the most code of
 * a known budget's maximum, bit 16 some budget known, bit 17 some unknown. */
static uint32_t run_bsum(const struct side *s, uint32_t a, uint32_t b)
{
    uint32_t lo = 255, hi = 0, known = 0, unknown = 0;
    for (uint32_t d = a; d < b; d++) {
        uint32_t c = s->hot[d].bc;
        if ((c & 255) == 0) {
            unknown = 1;
            continue;
        }
        known = 1;
        lo = (c >> 8) < lo ? c >> 8 : lo;
        hi = (c & 255) > hi ? c & 255 : hi;
    }
    return lo | hi << 8 | known << 16 | unknown << 17;
}

/* Builds the runs, tag sets and dc of the sorted slots of s (see struct side). */
static void side_runs(struct side *s, const uint8_t *common, uint32_t ncommon)
{
    uint32_t n = s->sorted;
    s->hot = xmalloc((n ? n : 1) * sizeof(*s->hot));
    s->run_lo = xmalloc(((size_t)n + 1) * sizeof(*s->run_lo));
    s->run_set = xmalloc((n ? n : 1) * sizeof(*s->run_set));
    s->run_dc = xmalloc((n ? n : 1) * sizeof(*s->run_dc));
    s->set_rep = NULL;
    s->max_dc = 0;
    for (uint32_t j = 0; j < n; j++)
        s->hot[j].bc = (uint16_t)(s->bmax[j] > 0 ? budget_code(s->bmin[j]) << 8 | budget_code(s->bmax[j])
                                             : 0);
    s->slot_set = xmalloc((n ? n : 1) * sizeof(*s->slot_set));
    s->csig = xcalloc(n ? n : 1, sizeof(*s->csig));
    s->cmax = xcalloc(n ? n : 1, sizeof(*s->cmax));
    s->nruns = s->nsets = 0;
    uint32_t setcap = 0, hcap = 0;
    uint32_t *htab = NULL; /* set id + 1, open addressing by the tag hash */
    for (uint32_t j = 0; j < n; j++) {
        uint64_t off = s->fwd[j], sq = 0;
        for (uint32_t k = s->ntag[j]; k < (uint32_t)s->ntag[j] + s->ntext[j]; k++) {
            uint32_t term = s->f_term[off + k];
            if (term < ncommon && common[term]) {
                uint32_t w = s->f_w[off + k], bit = csig_bit(term);
                sq += (uint64_t)w * w;
                s->csig[j][bit / 64] |= 1ULL << (bit % 64);
                s->cmax[j] = w > s->cmax[j] ? (uint16_t)w : s->cmax[j];
            }
        }
        uint32_t dc = isqrt_up(sq);
        s->hot[j].dc = (uint16_t)(dc > QMAX ? QMAX : dc);
        if (s->hot[j].dc > s->max_dc)
            s->max_dc = s->hot[j].dc;
        if (j > 0 && s->sector[j] == s->sector[j - 1] && s->zone[j] == s->zone[j - 1] &&
            same_tags(s, j, j - 1)) {
            if (s->hot[j].dc > s->run_dc[s->nruns - 1])
                s->run_dc[s->nruns - 1] = s->hot[j].dc;
            s->slot_set[j] = s->run_set[s->nruns - 1];
            continue;
        }
        if ((s->nsets + 1) * 2 > hcap) {
            uint32_t cap = hcap ? hcap * 2 : 1024;
            uint32_t *nt = xcalloc(cap, sizeof(*nt));
            for (uint32_t q = 0; q < s->nsets; q++) {
                uint32_t h = (uint32_t)tag_sig(s, s->set_rep[q], NULL) & (cap - 1);
                while (nt[h])
                    h = (h + 1) & (cap - 1);
                nt[h] = q + 1;
            }
            free(htab);
            htab = nt;
            hcap = cap;
        }
        uint32_t h = (uint32_t)tag_sig(s, j, NULL) & (hcap - 1), set = NONE;
        while (htab[h]) {
            if (same_tags(s, s->set_rep[htab[h] - 1], j)) {
                set = htab[h] - 1;
                break;
            }
            h = (h + 1) & (hcap - 1);
        }
        if (set == NONE) {
            if (s->nsets == setcap) {
                setcap = setcap ? setcap * 2 : 1024;
                s->set_rep = xrealloc(s->set_rep, setcap * sizeof(*s->set_rep));
            }
            set = s->nsets++;
            s->set_rep[set] = j;
            htab[h] = set + 1;
        }
        s->run_lo[s->nruns] = j;
        s->run_set[s->nruns] = set;
        s->run_dc[s->nruns] = s->hot[j].dc;
        s->nruns++;
        s->slot_set[j] = set;
    }
    s->run_lo[s->nruns] = n;
    for (uint32_t r = 0; r < s->nruns; r++) {
        uint16_t m = 0;
        for (uint32_t d = s->run_lo[r + 1]; d-- > s->run_lo[r];) {
            m = s->hot[d].dc > m ? s->hot[d].dc : m;
            s->hot[d].sdc = m;
        }
    }
    s->run_lo = xrealloc(s->run_lo, ((size_t)s->nruns + 1) * sizeof(*s->run_lo));
    s->run_set = xrealloc(s->run_set, (s->nruns ? s->nruns : 1) * sizeof(*s->run_set));
    s->run_dc = xrealloc(s->run_dc, (s->nruns ? s->nruns : 1) * sizeof(*s->run_dc));
    free(htab);
    s->run_b = xmalloc((s->nruns ? s->nruns : 1) * sizeof(*s->run_b));
    for (uint32_t r = 0; r < s->nruns; r++)
        s->run_b[r] = run_bsum(s, s->run_lo[r], s->run_lo[r + 1]);
    /* Per set: its runs, their most dc, its tag vector. */
    uint32_t ns = s->nsets;
    s->set_roff = xcalloc((size_t)ns + 1, sizeof(*s->set_roff));
    s->set_runs = xmalloc((s->nruns ? s->nruns : 1) * sizeof(*s->set_runs));
    s->set_dc = xcalloc(ns ? ns : 1, sizeof(*s->set_dc));
    s->set_toff = xmalloc(((size_t)ns + 1) * sizeof(*s->set_toff));
    for (uint32_t r = 0; r < s->nruns; r++) {
        s->set_roff[s->run_set[r] + 1]++;
        if (s->run_dc[r] > s->set_dc[s->run_set[r]])
            s->set_dc[s->run_set[r]] = s->run_dc[r];
    }
    for (uint32_t q = 0; q < ns; q++)
        s->set_roff[q + 1] += s->set_roff[q];
    uint32_t *fill = xmalloc((ns ? ns : 1) * sizeof(*fill));
    memcpy(fill, s->set_roff, ns * sizeof(*fill));
    for (uint32_t r = 0; r < s->nruns; r++)
        s->set_runs[fill[s->run_set[r]]++] =
            (struct srun){s->run_lo[r], s->run_lo[r + 1] - s->run_lo[r], s->zone[s->run_lo[r]],
                          s->run_b[r], s->run_dc[r]};
    free(fill);
    uint32_t nt = 0;
    for (uint32_t q = 0; q < ns; q++) {
        s->set_toff[q] = nt;
        nt += s->ntag[s->set_rep[q]];
    }
    s->set_toff[ns] = nt;
    s->set_term = xmalloc((nt ? nt : 1) * sizeof(*s->set_term));
    s->set_w = xmalloc((nt ? nt : 1) * sizeof(*s->set_w));
    for (uint32_t q = 0; q < ns; q++) {
        uint32_t rep = s->set_rep[q];
        memcpy(s->set_term + s->set_toff[q], s->f_term + s->fwd[rep],
               s->ntag[rep] * sizeof(*s->set_term));
        memcpy(s->set_w + s->set_toff[q], s->f_w + s->fwd[rep], s->ntag[rep] * sizeof(*s->set_w));
    }
    /* (term, set, weight) by term: counting sort over the terms that occur. */
    s->ntset = nt;
    s->tset_term = xmalloc((nt ? nt : 1) * sizeof(*s->tset_term));
    s->tset_set = xmalloc((nt ? nt : 1) * sizeof(*s->tset_set));
    s->tset_w = xmalloc((nt ? nt : 1) * sizeof(*s->tset_w));
    struct ord *o = xmalloc((nt ? nt : 1) * sizeof(*o));
    for (uint32_t q = 0, i = 0; q < ns; q++)
        for (uint32_t k = s->set_toff[q]; k < s->set_toff[q + 1]; k++, i++)
            o[i] = (struct ord){s->set_term[k], 0, q, 0, k};
    qsort(o, nt, sizeof(*o), ord_cmp);
    for (uint32_t i = 0; i < nt; i++) {
        s->tset_term[i] = o[i].sector;
        s->tset_set[i] = o[i].slot;
        s->tset_w[i] = s->set_w[o[i].tsig];
    }
    free(o);
}

/* The term with this kind and text, or NONE (never interns). */
static uint32_t term_find(const struct match_index *idx, uint8_t kind, const char *s, size_t len)
{
    if (!idx->tmap_cap)
        return NONE;
    uint64_t h = term_hash(kind, s, len);
    uint32_t i = (uint32_t)h & (idx->tmap_cap - 1);
    while (idx->tmap[i]) {
        const struct term *t = &idx->terms[idx->tmap[i] - 1];
        if (t->hash == h && t->kind == kind && t->len == len &&
            memcmp(idx->strs + t->str_off, s, len) == 0)
            return idx->tmap[i] - 1;
        i = (i + 1) & (idx->tmap_cap - 1);
    }
    return NONE;
}

#define IDF_HDR (6 + sizeof(uint64_t) + sizeof(uint32_t))

/* Walks a validated IDF blob: fn(arg, kind, text, len, idf) per term. */
static void blob_each(const char *buf, void (*fn)(void *, uint8_t, const char *, uint32_t, double),
                      void *arg)
{
    uint32_t count;
    memcpy(&count, buf + 6 + sizeof(uint64_t), sizeof(count));
    size_t p = IDF_HDR;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t l;
        double idf;
        memcpy(&l, buf + p + 1, sizeof(l));
        memcpy(&idf, buf + p + 1 + sizeof(l) + l, sizeof(idf));
        fn(arg, (uint8_t)buf[p], buf + p + 1 + sizeof(l), l, idf);
        p += 1 + sizeof(l) + l + sizeof(double);
    }
}

struct blob_ctx {
    const struct match_index *cidx;
    struct match_index *idx;
    double *idf;
};

static void blob_set_prepared(void *arg, uint8_t kind, const char *s, uint32_t len, double idf)
{
    struct blob_ctx *b = arg;
    uint32_t t = term_find(b->cidx, kind, s, len);
    if (t != NONE)
        b->idf[t] = idf;
}

static void blob_set_index(void *arg, uint8_t kind, const char *s, uint32_t len, double idf)
{
    struct blob_ctx *b = arg;
    uint32_t t = term_find(b->idx, kind, s, len);
    if (t == NONE)
        t = term_intern(b->idx, kind, s, len);
    b->idx->terms[t].idf = idf;
}

static struct match_compaction *prepare(const struct match_index *idx, int mode, const char *blob,
                                        size_t blob_len)
{
    struct match_compaction *c = xcalloc(1, sizeof(*c));
    c->mode = mode;
    c->cepoch = idx->cepoch;
    c->log_from = idx->log_len;
    c->nterms = idx->nterms;
    c->idf = xmalloc((c->nterms ? c->nterms : 1) * sizeof(*c->idf));
    uint64_t n = live_total(idx);
    c->same_idf = mode == MC_PLAIN && idx->idf_held;
    if (mode == MC_IMPORT) {
        memcpy(&c->n, blob + 6, sizeof(c->n));
        c->blob = blob;
        c->blob_len = blob_len;
        double once = idf_of(c->n + 1, 1);
        for (uint32_t t = 0; t < c->nterms; t++)
            c->idf[t] = once; /* terms the snapshot lacks */
        struct blob_ctx b = {idx, NULL, c->idf};
        blob_each(blob, blob_set_prepared, &b);
    } else if (mode == MC_FRESH || !idx->idf_held) {
        c->n = n;
        double once = idf_of(n + 1, 1);
        for (uint32_t t = 0; t < c->nterms; t++)
            c->idf[t] = mode == MC_FRESH && idx->terms[t].df == 0 ? once
                                                                  : idf_of(n, idx->terms[t].df);
    } else {
        for (uint32_t t = 0; t < c->nterms; t++)
            c->idf[t] = idx->terms[t].idf;
    }

    c->common = xmalloc(c->nterms ? c->nterms : 1);
    uint64_t cdf = common_df(n);
    for (uint32_t t = 0; t < c->nterms; t++)
        c->common[t] = idx->terms[t].kind == KIND_TEXT && idx->terms[t].df > cdf;

    size_t idcap = 1024;
    while (idcap < 2 * (n + 1))
        idcap *= 2;
    ids_init(&c->ids, idcap);
    c->nlists = c->nterms;
    c->lists = xcalloc((size_t)(c->nlists ? c->nlists : 1) * 2, sizeof(*c->lists));
    for (int sd = 0; sd < 2; sd++) {
        const struct side *old = &idx->sides[sd];
        struct side *s = &c->sides[sd];
        struct ord *o = xmalloc((old->live ? old->live : 1) * sizeof(*o));
        uint32_t no = 0;
        uint64_t need = 0;
        for (uint32_t i = 0; i < old->nslots; i++) {
            if (!old->alive[i])
                continue;
            o[no++] = (struct ord){old->sector[i], old->zone[i], i,
                                   approx_dc(old, i, c->same_idf ? NULL : c->idf, c->common),
                                   tag_sig(old, i, c->same_idf ? NULL : c->idf)};
            need += (uint64_t)old->ntag[i] + old->ntext[i];
        }
        qsort(o, no, sizeof(*o), ord_cmp);
        /* Room for the changes the swap replays (and later upserts): a replayed change must
         * not reallocate a whole side or list while the write lock is held. */
        side_reserve(s, no + no / 32 + 256);
        side_fwd_reserve(s, need + need / 32 + 4096);
        for (uint32_t i = 0; i < no; i++) {
            uint32_t j = side_copy_slot(s, old, o[i].slot, c->same_idf ? NULL : c->idf, NULL);
            ids_insert_raw(c->ids.v, c->ids.cap, s->id[j], (uint32_t)sd << 31 | j);
        }
        c->ids.len += no;
        s->sorted = s->nslots;
        free(o);
        side_runs(s, c->common, c->nterms);
        /* Count, allocate exactly, fill in slot order. */
        for (uint32_t i = 0; i < s->nslots; i++) {
            uint64_t off = s->fwd[i];
            for (uint32_t k = 0; k < (uint32_t)s->ntag[i] + s->ntext[i]; k++)
                c->lists[(size_t)s->f_term[off + k] * 2 + sd].cap++;
            if (s->sector[i] != NONE)
                c->lists[(size_t)s->sector[i] * 2 + sd].cap++;
            if (s->zone[i] != NONE)
                c->lists[(size_t)s->zone[i] * 2 + sd].cap++;
        }
        for (uint32_t t = 0; t < c->nlists; t++) {
            struct plist *l = &c->lists[(size_t)t * 2 + sd];
            if (l->cap) {
                l->cap += l->cap / 32 + 2;
                l->slot = xmalloc((size_t)l->cap * (sizeof(uint32_t) + sizeof(uint16_t)));
            }
        }
        for (uint32_t i = 0; i < s->nslots; i++)
            side_post(c->lists, s, sd, i);
    }
    return c;
}

struct match_compaction *match_index_compact_prepare(const struct match_index *idx)
{
    return prepare(idx, MC_PLAIN, NULL, 0);
}

struct match_compaction *match_index_compact_prepare_fresh(const struct match_index *idx)
{
    return prepare(idx, MC_FRESH, NULL, 0);
}

static bool idf_blob_valid(const char *buf, size_t len)
{
    if (len < IDF_HDR || memcmp(buf, "SDIDF1", 6) != 0)
        return false;
    uint32_t count;
    memcpy(&count, buf + 6 + sizeof(uint64_t), sizeof(count));
    size_t p = IDF_HDR;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t l;
        if (len - p < 1 + sizeof(l))
            return false;
        memcpy(&l, buf + p + 1, sizeof(l));
        if (buf[p] > KIND_ZONE || len - p - 1 - sizeof(l) < (size_t)l + sizeof(double))
            return false;
        p += 1 + sizeof(l) + l + sizeof(double);
    }
    return p == len;
}

int match_index_compact_prepare_import(const struct match_index *idx, const char *buf, size_t len,
                                       struct match_compaction **out)
{
    *out = NULL;
    if (!idf_blob_valid(buf, len))
        return SD_ERR_INVALID;
    *out = prepare(idx, MC_IMPORT, buf, len);
    return 0;
}

int match_index_compact_swap(struct match_index *idx, struct match_compaction *c)
{
    if (c->swapped || c->cepoch != idx->cepoch)
        return SD_ERR_CONFLICT;
    /* 1. The IDF. */
    for (uint32_t t = 0; t < c->nterms; t++)
        idx->terms[t].idf = c->idf[t];
    if (c->mode == MC_IMPORT) {
        double once = idf_of(c->n + 1, 1);
        for (uint32_t t = c->nterms; t < idx->nterms; t++)
            idx->terms[t].idf = once;
        struct blob_ctx b = {NULL, idx, NULL};
        blob_each(c->blob, blob_set_index, &b); /* interns the terms the index lacks */
    }
    if (c->mode == MC_FRESH) { /* as importing its own export would: see prepare() */
        double once = idf_of(c->n + 1, 1);
        for (uint32_t t = 0; t < idx->nterms; t++)
            if (idx->terms[t].df == 0)
                idx->terms[t].idf = once;
    }
    if (c->mode != MC_PLAIN) {
        idx->idf_held = true;
        idx->held_n = c->n;
    }
    /* 2. The changes since the prepare, onto the new structures. */
    if (idx->nterms > c->nlists) {
        c->lists = xrealloc(c->lists, (size_t)idx->nterms * 2 * sizeof(*c->lists));
        memset(c->lists + (size_t)c->nlists * 2, 0,
               (size_t)(idx->nterms - c->nlists) * 2 * sizeof(*c->lists));
        c->nlists = idx->nterms;
    }
    for (size_t i = c->log_from; i < idx->log_len; i++) {
        int64_t id = idx->log[i];
        size_t e = ids_find(&c->ids, id);
        if (e != SIZE_MAX) {
            uint32_t ref = c->ids.v[e].ref;
            struct side *s = &c->sides[ref >> 31];
            s->alive[ref & 0x7FFFFFFF] = 0;
            s->live--;
            ids_delete_at(&c->ids, e);
        }
        e = ids_find(&idx->ids, id);
        if (e != SIZE_MAX) {
            uint32_t ref = idx->ids.v[e].ref;
            int sd = (int)(ref >> 31);
            uint32_t j = side_copy_slot(&c->sides[sd], &idx->sides[sd], ref & 0x7FFFFFFF, NULL,
                                        c->same_idf ? NULL : idx->terms);
            side_post(c->lists, &c->sides[sd], sd, j);
            ids_put(&c->ids, id, (uint32_t)sd << 31 | j);
        }
    }
    /* 3. Exchange: the old structures go to c, freed by match_compaction_free (outside a lock). */
    for (uint32_t t = 0; t < idx->nterms; t++) {
        for (int sd = 0; sd < 2; sd++) {
            struct plist tmp = idx->terms[t].list[sd];
            idx->terms[t].list[sd] = c->lists[(size_t)t * 2 + sd];
            c->lists[(size_t)t * 2 + sd] = tmp;
        }
    }
    for (int sd = 0; sd < 2; sd++) {
        struct side tmp = idx->sides[sd];
        idx->sides[sd] = c->sides[sd];
        c->sides[sd] = tmp;
    }
    struct idtab tmp = idx->ids;
    idx->ids = c->ids;
    c->ids = tmp;
    uint8_t *ctmp = idx->common;
    idx->common = c->common;
    c->common = ctmp;
    idx->ncommon = c->nterms;
    idx->changes = 0;
    idx->log_len = 0;
    idx->generation++;
    idx->cepoch++;
    c->swapped = true;
    c->blob = NULL;
    return 0;
}

void match_compaction_free(struct match_compaction *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < (size_t)c->nlists * 2; i++)
        free(c->lists[i].slot);
    free(c->lists);
    free(c->idf);
    free(c->common);
    side_free(&c->sides[0]);
    side_free(&c->sides[1]);
    free(c->ids.v);
    free(c);
#ifdef __GLIBC__
    malloc_trim(0); /* the old structures were as big as the index: give the pages back */
#endif
}

void match_index_compact(struct match_index *idx)
{
    struct match_compaction *c = prepare(idx, MC_PLAIN, NULL, 0);
    int err = match_index_compact_swap(idx, c);
    SD_ASSERT(err == 0);
    match_compaction_free(c);
}

size_t match_index_memory(const struct match_index *idx)
{
    size_t b = sizeof(*idx);
    b += (size_t)idx->terms_cap * sizeof(*idx->terms);
    b += (size_t)idx->tmap_cap * sizeof(*idx->tmap);
    b += idx->strs_cap;
    b += idx->ids.cap * sizeof(*idx->ids.v);
    b += idx->log_cap * sizeof(*idx->log);
    for (uint32_t t = 0; t < idx->nterms; t++)
        for (int sd = 0; sd < 2; sd++)
            b += (size_t)idx->terms[t].list[sd].cap * (sizeof(uint32_t) + sizeof(uint16_t));
    for (int sd = 0; sd < 2; sd++) {
        const struct side *s = &idx->sides[sd];
        b += (size_t)s->cap * (4 * sizeof(int64_t) + 2 * sizeof(uint32_t) + 4 + sizeof(uint64_t));
        b += (size_t)s->f_cap * (sizeof(uint32_t) + sizeof(uint16_t) + 1);
        b += (size_t)s->sorted * (sizeof(*s->hot) + sizeof(*s->csig) +
                                  sizeof(*s->cmax));
        b += (size_t)s->nruns * sizeof(*s->run_b);
        b += (size_t)s->nruns * (sizeof(*s->run_lo) + sizeof(*s->run_set) + sizeof(*s->run_dc));
        b += (size_t)s->sorted * sizeof(*s->slot_set);
        b += (size_t)s->nruns * sizeof(*s->set_runs);
        b += (size_t)s->ntset * (2 * sizeof(uint32_t) + sizeof(uint16_t));
        b += (size_t)s->nsets * (sizeof(*s->set_rep) + 2 * sizeof(uint32_t) + sizeof(*s->set_dc));
        if (s->nsets)
            b += (size_t)s->set_toff[s->nsets] * (sizeof(*s->set_term) + sizeof(*s->set_w));
    }
    b += idx->ncommon;
    return b;
}

/* ---- scoring ---- */

struct proj {
    const struct side *s;
    uint32_t slot;
};

static struct proj proj_of(const struct match_index *idx, size_t entry)
{
    uint32_t ref = idx->ids.v[entry].ref;
    return (struct proj){&idx->sides[ref >> 31], ref & 0x7FFFFFFF};
}

static uint64_t dot(const uint32_t *at, const uint16_t *aw, uint32_t an, const uint32_t *bt,
                    const uint16_t *bw, uint32_t bn)
{
    uint64_t sum = 0;
    uint32_t i = 0, j = 0;
    while (i < an && j < bn) {
        if (at[i] < bt[j]) {
            i++;
        } else if (at[i] > bt[j]) {
            j++;
        } else {
            sum += (uint64_t)aw[i] * bw[j];
            i++;
            j++;
        }
    }
    return sum;
}

static uint64_t budget_comp(const struct match_index *idx, struct proj a, struct proj b,
                            int64_t *lo, int64_t *hi)
{
    double f = match_budget_fit(a.s->bmin[a.slot], a.s->bmax[a.slot], b.s->bmin[b.slot],
                                b.s->bmax[b.slot], idx->budget_mode, lo, hi);
    return (uint64_t)floor(f * (double)COMP_ONE);
}

static uint64_t stage_comp(struct proj a, struct proj b)
{
    int d = (int)a.s->stage[a.slot] - (int)b.s->stage[b.slot];
    if (d < 0)
        d = -d;
    return COMP_ONE - (COMP_ONE / 3) * (uint64_t)d;
}

struct parts {
    uint64_t tag, text, sector, zone, budget, stage;
};

static uint64_t score_parts(const struct match_index *idx, struct proj q, struct proj c,
                            struct parts *pt)
{
    const struct side *qs = q.s, *cs = c.s;
    uint64_t qo = qs->fwd[q.slot], co = cs->fwd[c.slot];
    uint32_t qt = qs->ntag[q.slot], ct = cs->ntag[c.slot];
    pt->tag = dot(qs->f_term + qo, qs->f_w + qo, qt, cs->f_term + co, cs->f_w + co, ct);
    pt->text = dot(qs->f_term + qo + qt, qs->f_w + qo + qt, qs->ntext[q.slot], cs->f_term + co + ct,
                   cs->f_w + co + ct, cs->ntext[c.slot]);
    uint32_t sec = qs->sector[q.slot], zone = qs->zone[q.slot];
    pt->sector = sec != NONE && sec == cs->sector[c.slot] ? COMP_ONE : 0;
    pt->zone = zone != NONE && zone == cs->zone[c.slot] ? COMP_ONE : 0;
    pt->budget = budget_comp(idx, q, c, NULL, NULL);
    pt->stage = stage_comp(q, c);
    return idx->w[W_TAG] * pt->tag + idx->w[W_TEXT] * pt->text + idx->w[W_SECTOR] * pt->sector +
           idx->w[W_ZONE] * pt->zone + idx->w[W_BUDGET] * pt->budget + idx->w[W_STAGE] * pt->stage;
}

static double to_score(uint64_t s)
{
    return (double)s / (WEIGHT_ONE * (double)COMP_ONE);
}

/* ---- top-k heap: the root is the worst kept result ---- */

struct hit {
    uint64_t score;
    int64_t id;
};

struct heap {
    struct hit *v;
    size_t n, k;
};

static bool hit_worse(struct hit a, struct hit b)
{
    return a.score < b.score || (a.score == b.score && a.id > b.id);
}

/* Whether a candidate with this score and id would enter the heap. */
static bool heap_wants(const struct heap *h, uint64_t score, int64_t id)
{
    return h->n < h->k || hit_worse(h->v[0], (struct hit){score, id});
}

static void heap_sift_down(struct heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && hit_worse(h->v[l], h->v[m]))
            m = l;
        if (r < h->n && hit_worse(h->v[r], h->v[m]))
            m = r;
        if (m == i)
            return;
        struct hit t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
}

static void heap_push(struct heap *h, uint64_t score, int64_t id)
{
    struct hit x = {score, id};
    if (h->n < h->k) {
        size_t i = h->n++;
        h->v[i] = x;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!hit_worse(h->v[i], h->v[p]))
                break;
            struct hit t = h->v[i];
            h->v[i] = h->v[p];
            h->v[p] = t;
            i = p;
        }
    } else {
        h->v[0] = x;
        heap_sift_down(h, 0);
    }
}

static int hit_best_first(const void *a, const void *b)
{
    struct hit x = *(const struct hit *)a, y = *(const struct hit *)b;
    if (hit_worse(x, y))
        return 1;
    if (hit_worse(y, x))
        return -1;
    return 0;
}

static void heap_output(struct heap *h, struct match_result *out, size_t *nout)
{
    qsort(h->v, h->n, sizeof(*h->v), hit_best_first);
    for (size_t i = 0; i < h->n; i++)
        out[i] = (struct match_result){h->v[i].id, to_score(h->v[i].score)};
    *nout = h->n;
}

/* Offers candidate c; calls skip only when c would enter the heap. Returns true if it did. */
static bool offer(struct heap *h, uint64_t score, int64_t id, match_skip_fn skip, void *arg)
{
    if (!heap_wants(h, score, id))
        return false;
    if (skip && skip(arg, id))
        return false;
    heap_push(h, score, id);
    return true;
}

int match_index_topk_exhaustive(const struct match_index *idx, int64_t query_id, size_t k,
                                match_skip_fn skip, void *skip_arg, struct match_result *out,
                                size_t *nout)
{
    size_t entry = ids_find(&idx->ids, query_id);
    if (entry == SIZE_MAX)
        return SD_ERR_NOT_FOUND;
    struct proj q = proj_of(idx, entry);
    const struct side *cs = &idx->sides[q.s == &idx->sides[0] ? 1 : 0];
    int64_t qorg = q.s->org[q.slot];
    struct heap h = {xmalloc((k ? k : 1) * sizeof(struct hit)), 0, k};
    if (k > 0) {
        for (uint32_t i = 0; i < cs->nslots; i++) {
            if (!cs->alive[i] || cs->org[i] == qorg)
                continue;
            struct parts pt;
            uint64_t sc = score_parts(idx, q, (struct proj){cs, i}, &pt);
            offer(&h, sc, cs->id[i], skip, skip_arg);
        }
    }
    heap_output(&h, out, nout);
    free(h.v);
    return 0;
}

/* ---- MaxScore ---- */

#ifdef MATCH_INDEX_STATS
/* Counters for a profiling build (cc -DMATCH_INDEX_STATS): per segment index. */
struct match_index_stats {
    uint64_t queries, seg_slots[6], cand[6], pass_ub[6], pass_budget[6], probes[6], offered[6];
    uint64_t thr_after[6], runs[6], rhits;
    uint32_t cur_seg;
    double ns[8];
} match_index_stats;
#define STAT(x) (x)
#include <time.h>
static double stat_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
#define STAT_T(i) do { double t_ = stat_now(); match_index_stats.ns[i] += t_ - stat_t0; stat_t0 = t_; } while (0)
#else
#define STAT(x) ((void)0)
#define STAT_T(i) ((void)0)
#endif

struct cursor {
    const uint32_t *slot;
    const uint16_t *w;
    uint32_t len, pos;
    uint64_t mult; /* weight * query component: contribution = mult * w[pos] */
    uint64_t ub;   /* mult * list maximum */
    uint64_t wq2;  /* query component squared (tag and text lists) */
    int group;
    int slot_kind; /* G_OTHER: KIND_SECTOR or KIND_ZONE */
};

static int cursor_by_ub(const void *a, const void *b)
{
    const struct cursor *x = a, *y = b;
    if (x->ub != y->ub)
        return x->ub < y->ub ? -1 : 1;
    return (x->len > y->len) - (x->len < y->len);
}

/* First position >= pos whose slot is >= target (galloping search). */
static uint32_t cursor_gallop(const struct cursor *c, uint32_t target);

static inline uint32_t cursor_seek(const struct cursor *c, uint32_t target)
{
    uint32_t pos = c->pos;
    if (pos >= c->len || c->slot[pos] >= target)
        return pos;
    if (pos + 1 >= c->len || c->slot[pos + 1] >= target)
        return pos + 1;
    return cursor_gallop(c, target);
}

static uint32_t cursor_gallop(const struct cursor *c, uint32_t target)
{
    uint32_t pos = c->pos;
    uint32_t lo = pos, step = 1, hi = pos + 1;
    while (hi < c->len && c->slot[hi] < target) {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    if (hi > c->len)
        hi = c->len;
    /* slot[lo] < target; answer in (lo, hi]. */
    while (lo + 1 < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->slot[mid] < target)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static void add_cursor(struct cursor *cv, size_t *m, const struct plist *l, uint64_t weight,
                       uint64_t wq, int group)
{
    uint64_t mult = weight * wq;
    if (l->len == 0 || mult == 0 || l->maxw == 0)
        return;
    cv[*m] = (struct cursor){l->slot, plist_w(l), l->len, 0, mult, mult * l->maxw, wq * wq, group, 0};
    (*m)++;
}

/* The first i of the ascending a[0..n) with a[i] >= v; n when there is none. */
static inline uint32_t lower_u32(const uint32_t *a, uint32_t n, uint32_t v)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First position whose slot is >= target (binary search over the whole list). */
static uint32_t cursor_lower(const struct cursor *c, uint32_t target)
{
    return lower_u32(c->slot, c->len, target);
}

/* Slots [lo, hi) of the sorted prefix whose key (sector or zone array) equals v. */
static void key_range(const uint32_t *key, uint32_t lo, uint32_t hi, uint32_t v, uint32_t *a,
                      uint32_t *b)
{
    uint32_t l = lo, h = hi;
    while (l < h) {
        uint32_t mid = l + (h - l) / 2;
        if (key[mid] < v)
            l = mid + 1;
        else
            h = mid;
    }
    *a = l;
    h = hi;
    while (l < h) {
        uint32_t mid = l + (h - l) / 2;
        if (key[mid] <= v)
            l = mid + 1;
        else
            h = mid;
    }
    *b = l;
}

struct qmap;

/* A rare term of the query: its list on the candidates' side, its weight, weight * list max. */
struct rterm {
    const struct plist *l;
    uint32_t wq;
    uint64_t ub;
};

static int rterm_by_ub(const void *a, const void *b)
{
    uint64_t x = ((const struct rterm *)a)->ub, y = ((const struct rterm *)b)->ub;
    return (x > y) - (x < y);
}

/* A candidate slot's text score from the query's rare terms (sum of q * w). */
struct rhit {
    uint32_t slot;
    uint32_t v;
};

/* A range of candidate slots and what is known there of the sector and zone parts: -1 unknown
 * (their lists take part), 0 none of them match, 1 all of them do. */
struct seg {
    uint32_t lo, hi;
    int sec, zone;
};

struct topk {
    const struct match_index *idx;
    struct proj q;
    const struct side *cs;
    int64_t qorg;
    uint32_t qsec, qzone;
    uint64_t budget_ub, stage_ub;
    int64_t qbmin, qbmax;
    uint64_t budget_unknown; /* budget_comp when either budget is unknown */
    const struct cursor *all; /* every cursor of the query */
    size_t nall;
    struct cursor *cv; /* the segment's, nall + 1 */
    uint64_t *pre;     /* 4 * (nall + 1) */
    uint32_t *head;    /* nall + 1: cv[i]'s current slot, UINT32_MAX once exhausted */
    struct heap h;
    uint64_t thr;
    match_skip_fn skip;
    void *skip_arg;
    /* The run scan (sorted slots): */
    uint64_t qc;         /* >= |the query's text vector restricted to the common terms| */
    struct rterm *rterm; /* the query's rare text terms with a list on the candidates' side */
    size_t nrterm;
    uint64_t slack;      /* bounds what rare terms left out of rh add to a text dot product */
    uint64_t max_tp;     /* the most tp */
    uint32_t qblo, qbhi; /* budget_code() of the query's budget (when known) */
    uint64_t qsig[4];    /* the buckets (csig_bit) of the query's common terms */
    uint32_t *qsum;      /* [256]: the query's common weights summed per bucket */
    bool qbknown;
    bool qbsym;          /* MATCH_BUDGET_SYMMETRIC: budget_code_comp() applies */
    double qblen;        /* the query's budget length as match_budget_fit() computes it */
    uint64_t budget_unk; /* the budget part of a candidate whose budget is unknown */
    struct rhit *rh;     /* the rare terms' postings in the sorted slots, by slot, summed */
    size_t nrh;
    uint64_t *tp;        /* per tag set of the other side: its (weighted) tag part */
    struct qmap *qtext;  /* the query's text vector */
    bool dedup;          /* a slot may come twice: offer it only if not in the heap */
    struct bmemo {
        uint32_t bc;
        uint64_t v;
    } *bmemo;            /* [BMEMO]: budget_tight() by bc, direct-mapped */
};

/* budget_comp(idx, t->q, c): the common cases (an unknown budget, disjoint ranges) without the
 * floating point, the same value. */
static inline uint64_t budget_fast(const struct topk *t, struct proj c)
{
    int64_t cmin = c.s->bmin[c.slot], cmax = c.s->bmax[c.slot];
    if (t->qbmax <= 0 || cmax <= 0)
        return t->budget_unknown;
    if (t->qbmin <= t->qbmax && cmin <= cmax &&
        (t->qbmin > cmax || cmin > t->qbmax))
        return 0; /* both well-formed, no overlap: 0 in either mode */
    return budget_comp(t->idx, t->q, c, NULL, NULL);
}

/* At least the budget part of a slot whose bc (struct side) is c. */
static inline uint64_t budget_bound(const struct topk *t, uint32_t c)
{
    if (!t->qbknown)
        return t->budget_ub;
    if ((c & 255) == 0)
        return t->budget_unk;
    if ((c & 255) < t->qblo || (c >> 8) > t->qbhi)
        return 0; /* bmax < the query's min or bmin > its max: disjoint */
    return t->budget_ub;
}

/* The least and the most amount whose budget_code() is c (c < 256). */
static inline int64_t code_lo(uint32_t c)
{
    if (c == 0)
        return 0;
    uint32_t e = (c - 1) / 4, m = (c - 1) % 4;
    return e >= 2 ? (int64_t)((uint64_t)(4 + m) << (e - 2)) : (int64_t)1 << e;
}

static inline int64_t code_hi(uint32_t c)
{
    if (c == 0)
        return 0;
    uint32_t e = (c - 1) / 4, m = (c - 1) % 4;
    if (e < 2)
        return ((int64_t)2 << e) - 1;
    uint64_t h = ((uint64_t)(5 + m) << (e - 2)) - 1;
    return h > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)h;
}

/* At least budget_comp() of a known query budget (symmetric mode) with a slot whose bc (struct
 * side) is c, a known budget: match_budget_fit()'s arithmetic on the widest intersection and the
 * shortest candidate range the codes allow. Each step is monotone (integer differences, the
 * correctly rounded conversion, sum, division and product), so it is never below the exact
 * value. */
static inline uint64_t budget_code_comp(const struct topk *t, uint32_t c)
{
    uint32_t cm = c >> 8, cx = c & 255;
    int64_t clo = code_lo(cm), chi = code_hi(cx);
    int64_t l = t->qbmin > clo ? t->qbmin : clo;
    int64_t h = t->qbmax < chi ? t->qbmax : chi;
    if (l > h)
        return 0;
    double ov = (double)(h - l) + 1.0;
    int64_t span = code_lo(cx) - code_hi(cm); /* at most the candidate's bmax - bmin */
    double lb = span > 0 ? (double)span + 1.0 : 1.0;
    double frac = ov / (t->qblen > lb ? t->qblen : lb);
    return (uint64_t)floor((frac > 1.0 ? 1.0 : frac) * (double)COMP_ONE);
}

/* At least the budget part of a slot whose bc is c: budget_code_comp() when it applies
 * (remembered per query: a few hundred distinct codes cover most slots), else budget_bound(). */
#define BMEMO 1024
static inline uint64_t budget_tight(const struct topk *t, uint32_t c)
{
    if (!t->qbsym || (c & 255) == 0)
        return budget_bound(t, c);
    struct bmemo *m = &t->bmemo[(c ^ c >> 6) & (BMEMO - 1)];
    if (m->bc != c)
        *m = (struct bmemo){c, t->idx->w[W_BUDGET] * budget_code_comp(t, c)};
    return m->v;
}

/* At least the budget part of every slot of a run whose run_bsum() is b. */
static inline uint64_t run_budget_bound(const struct topk *t, uint32_t b)
{
    if (!t->qbknown)
        return t->budget_ub;
    uint64_t ub = b >> 17 & 1 ? t->budget_unk : 0;
    if (b >> 16 & 1 && !(((b >> 8) & 255) < t->qblo || (b & 255) > t->qbhi))
        ub = t->budget_ub > ub ? t->budget_ub : ub;
    return ub;
}

/* MaxScore over the slots [g.lo, g.hi). The heap and threshold carry over between segments. */
static void run_segment(struct topk *t, struct seg g)
{
    const struct match_index *idx = t->idx;
    const struct side *cs = t->cs;
    struct proj q = t->q;
    struct cursor *cv = t->cv;
    size_t m = 0;
    for (size_t i = 0; i < t->nall; i++) {
        const struct cursor *c = &t->all[i];
        if (c->group == G_OTHER && ((c->slot_kind == KIND_SECTOR && g.sec >= 0) ||
                                    (c->slot_kind == KIND_ZONE && g.zone >= 0)))
            continue; /* known for every slot of the segment */
        cv[m] = *c;
        cv[m].pos = cursor_lower(&cv[m], g.lo);
        if (cv[m].pos < cv[m].len && cv[m].slot[cv[m].pos] < g.hi)
            m++;
    }
    qsort(cv, m, sizeof(*cv), cursor_by_ub);
    /* The essential cursors' current slots, contiguous: finding the next candidate scans them. */
    uint32_t *head = t->head;
    for (size_t i = 0; i < m; i++)
        head[i] = cv[i].slot[cv[i].pos];

    /* rest[g][i] bounds what lists [0, i) of group g can add to a project's score: the sum of
     * their bounds and, for the cosine groups, Cauchy-Schwarz: sum(wq * wd) over those terms is
     * at most |wq restricted to them| * QMAX. nb[i] bounds a project found in no list >= i. */
    uint64_t *rest[3] = {t->pre, t->pre + (m + 1), t->pre + 2 * (m + 1)};
    uint64_t *nb = t->pre + 3 * (m + 1);
    const uint64_t cap[2] = {idx->w[W_TAG] * COMP_ONE, idx->w[W_TEXT] * COMP_ONE};
    const uint64_t gw[2] = {idx->w[W_TAG], idx->w[W_TEXT]};
    uint64_t known = (g.sec == 1 ? idx->w[W_SECTOR] * COMP_ONE : 0) +
                     (g.zone == 1 ? idx->w[W_ZONE] * COMP_ONE : 0);
    const uint64_t free_ub = t->budget_ub + t->stage_ub + known;
    uint64_t sum[3] = {0, 0, 0}, sq[2] = {0, 0};
    for (size_t i = 0; i <= m; i++) {
        for (int gr = 0; gr < 2; gr++) {
            uint64_t csb = gw[gr] * ((uint64_t)ceil(sqrt((double)sq[gr]) * QMAX) + 1);
            rest[gr][i] = min_u64(min_u64(sum[gr], csb), cap[gr]);
        }
        rest[G_OTHER][i] = sum[G_OTHER];
        nb[i] = free_ub + rest[0][i] + rest[1][i] + rest[2][i];
        if (i < m) {
            sum[cv[i].group] += cv[i].ub;
            if (cv[i].group != G_OTHER)
                sq[cv[i].group] += cv[i].wq2;
        }
    }

    /* While the heap is not full or its threshold does not exceed what a project found in no
     * list can score, every slot is a candidate (all_docs); then lists [0, ess) are only
     * probed, [ess, m) drive the iteration. */
    struct heap *h = &t->h;
    bool all_docs = !(h->n == h->k && nb[0] < t->thr);
    size_t ess = 0;
    if (!all_docs)
        while (ess < m && nb[ess + 1] < t->thr)
            ess++;
    uint32_t d = g.lo;
    /* The advance past a candidate also finds the next one (the smallest head of the essential
     * lists); have_next says it is valid (cleared when the essential lists change). */
    uint32_t upcoming = 0;
    bool have_next = false;
    for (;;) {
        if (all_docs) {
            if (d >= g.hi)
                break;
        } else {
            uint32_t best = upcoming;
            if (!have_next) {
                best = UINT32_MAX;
                for (size_t i = ess; i < m; i++)
                    best = head[i] < best ? head[i] : best;
            }
            if (best >= g.hi)
                break;
            d = best;
        }
        uint64_t p[3] = {0, 0, 0};
        size_t nprobe = all_docs ? m : ess;
        if (!all_docs) {
            uint32_t nx = UINT32_MAX;
            for (size_t i = ess; i < m; i++) {
                if (head[i] == d) {
                    struct cursor *c = &cv[i];
                    p[c->group] += c->mult * c->w[c->pos];
                    c->pos++;
                    head[i] = c->pos < c->len ? c->slot[c->pos] : UINT32_MAX;
                }
                nx = head[i] < nx ? head[i] : nx;
            }
            upcoming = nx;
            have_next = true;
            if (nx < g.hi) {
                /* The next candidate is known: start loading its fields (at 1M per side
                 * each is a cache miss). */
                __builtin_prefetch(&cs->alive[nx]);
                __builtin_prefetch(&cs->org[nx]);
                __builtin_prefetch(&cs->stage[nx]);
                __builtin_prefetch(&cs->bmin[nx]);
                __builtin_prefetch(&cs->bmax[nx]);
                if (t->qsec != NONE)
                    __builtin_prefetch(&cs->sector[nx]);
                if (t->qzone != NONE)
                    __builtin_prefetch(&cs->zone[nx]);
            }
        }
        STAT(match_index_stats.cand[match_index_stats.cur_seg]++);
        if (!cs->alive[d] || cs->org[d] == t->qorg)
            goto next;
        bool full = h->n == h->k;
        /* Sector, zone, stage and budget are exact from the slot arrays (the sector and zone
         * cursors only generate candidates); tags and text are bounded, then probed. The budget
         * part first: it prunes most candidates before any probe (at 50,000 per side a third of
         * the candidates pass the bound with it, two thirds with its maximum instead). */
        struct proj cp = {cs, d};
        uint64_t exact = idx->w[W_STAGE] * stage_comp(q, cp);
        if (t->qsec != NONE && cs->sector[d] == t->qsec)
            exact += idx->w[W_SECTOR] * COMP_ONE;
        if (t->qzone != NONE && cs->zone[d] == t->qzone)
            exact += idx->w[W_ZONE] * COMP_ONE;
        if (full) {
            /* The budget's maximum first (no arithmetic), then its exact part. */
            uint64_t tt = min_u64(p[G_TAG] + rest[G_TAG][nprobe], cap[G_TAG]) +
                          min_u64(p[G_TEXT] + rest[G_TEXT][nprobe], cap[G_TEXT]);
            if (exact + t->budget_ub + tt < t->thr)
                goto next;
            STAT(match_index_stats.pass_ub[match_index_stats.cur_seg]++);
            exact += idx->w[W_BUDGET] * budget_fast(t, cp);
            if (exact + tt < t->thr)
                goto next;
            STAT(match_index_stats.pass_budget[match_index_stats.cur_seg]++);
        } else {
            exact += idx->w[W_BUDGET] * budget_fast(t, cp);
        }
        for (size_t i = nprobe; i-- > 0;) {
            struct cursor *c = &cv[i];
            if (c->group == G_OTHER)
                continue;
            if (full) {
                uint64_t bound = exact + min_u64(p[G_TAG] + rest[G_TAG][i + 1], cap[G_TAG]) +
                                 min_u64(p[G_TEXT] + rest[G_TEXT][i + 1], cap[G_TEXT]);
                if (bound < t->thr)
                    goto next;
            }
            STAT(match_index_stats.probes[match_index_stats.cur_seg]++);
            c->pos = cursor_seek(c, d);
            if (c->pos < c->len && c->slot[c->pos] == d) {
                p[c->group] += c->mult * c->w[c->pos];
                c->pos++;
            }
        }
        uint64_t sc = exact + p[G_TAG] + p[G_TEXT];
        STAT(match_index_stats.offered[match_index_stats.cur_seg]++);
        if (offer(h, sc, cs->id[d], t->skip, t->skip_arg) && h->n == h->k) {
            t->thr = h->v[0].score;
            if (all_docs && nb[0] < t->thr) {
                all_docs = false;
                for (size_t i = 0; i < m; i++) {
                    cv[i].pos = cursor_seek(&cv[i], d + 1);
                    head[i] = cv[i].pos < cv[i].len ? cv[i].slot[cv[i].pos] : UINT32_MAX;
                }
            }
            if (!all_docs)
                while (ess < m && nb[ess + 1] < t->thr) {
                    ess++;
                    have_next = false;
                }
        }
    next:
        if (all_docs)
            d++;
    }
}

/* A query's terms -> their weights, open addressing (a few dozen terms, in L1). */
#define QMAP_BITS 10
struct qmap {
    uint32_t key[1u << QMAP_BITS];
    uint16_t w[1u << QMAP_BITS];
};

static inline uint32_t qmap_home(uint32_t term)
{
    return (term * 0x9E3779B1u) >> (32 - QMAP_BITS);
}

static void qmap_init(struct qmap *m, const uint32_t *term, const uint16_t *w, uint32_t n)
{
    SD_ASSERT(n <= (1u << QMAP_BITS) / 2);
    memset(m->key, 0xff, sizeof(m->key));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = qmap_home(term[i]);
        while (m->key[h] != NONE)
            h = (h + 1) & ((1u << QMAP_BITS) - 1);
        m->key[h] = term[i];
        m->w[h] = w[i];
    }
}

/* dot() of the query's vector in m with (term, w)[0..n): the same sum, by lookups. */
static inline uint64_t qmap_dot(const struct qmap *m, const uint32_t *term, const uint16_t *w,
                                uint32_t n)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = qmap_home(term[i]);
        while (m->key[h] != NONE) {
            if (m->key[h] == term[i]) {
                sum += (uint64_t)m->w[h] * w[i];
                break;
            }
            h = (h + 1) & ((1u << QMAP_BITS) - 1);
        }
    }
    return sum;
}

/* Slot d of the sorted prefix, whose tag part and sector/zone parts are `base` and whose rare
 * terms add rv to the text dot product: bounded, then scored exactly and offered. */
static __attribute__((noinline)) void scan_slot(struct topk *t, uint32_t d, uint64_t base,
                                                uint64_t rv)
{
    const struct match_index *idx = t->idx;
    const struct side *cs = t->cs;
    struct heap *h = &t->h;
    struct proj cp = {cs, d};
    if (h->n == h->k) {
        /* Bounds first from the small per-slot arrays, then the exact stage and budget parts,
         * then the common terms' bound again with the slot's signature. */
        uint64_t tx = idx->w[W_TEXT] * (t->qc * cs->hot[d].dc + rv);
        uint64_t bb = budget_tight(t, cs->hot[d].bc);
        if (base + tx + bb + t->stage_ub < t->thr)
            return;
        uint64_t ex = base + idx->w[W_STAGE] * stage_comp(t->q, cp);
        if (ex + tx + bb < t->thr || !cs->alive[d] || cs->org[d] == t->qorg)
            return;
        STAT(match_index_stats.pass_ub[match_index_stats.cur_seg]++);
        ex += idx->w[W_BUDGET] * budget_fast(t, cp);
        if (ex + tx < t->thr)
            return;
        STAT(match_index_stats.pass_budget[match_index_stats.cur_seg]++);
        uint64_t in = 0;
        for (int i = 0; i < 4; i++) {
            uint64_t x = cs->csig[d][i] & t->qsig[i];
            while (x) {
                in += t->qsum[i * 64 + __builtin_ctzll(x)];
                x &= x - 1;
            }
        }
        if (ex + idx->w[W_TEXT] * (min_u64(t->qc * cs->hot[d].dc, in * cs->cmax[d]) + rv) < t->thr)
            return;
        STAT(match_index_stats.probes[match_index_stats.cur_seg]++);
    } else if (!cs->alive[d] || cs->org[d] == t->qorg) {
        return;
    }
    uint64_t co = cs->fwd[d];
    uint32_t ct = cs->ntag[d];
    uint64_t sc = base + idx->w[W_STAGE] * stage_comp(t->q, cp) +
                  idx->w[W_BUDGET] * budget_fast(t, cp) +
                  idx->w[W_TEXT] * qmap_dot(t->qtext, cs->f_term + co + ct, cs->f_w + co + ct,
                                            cs->ntext[d]);
    STAT(match_index_stats.offered[match_index_stats.cur_seg]++);
    int64_t id = cs->id[d];
    if (t->dedup && heap_wants(h, sc, id))
        for (size_t i = 0; i < h->n; i++)
            if (h->v[i].id == id)
                return;
    if (offer(h, sc, id, t->skip, t->skip_arg) && h->n == h->k)
        t->thr = h->v[0].score;
}

/* scan_slot() behind its first bound, inline: most slots stop there. */
static inline __attribute__((always_inline)) void visit_slot(struct topk *t, uint32_t d,
                                                             uint64_t base, uint64_t rv)
{
    STAT(match_index_stats.cand[match_index_stats.cur_seg]++);
    if (t->h.n == t->h.k &&
        base + t->stage_ub + t->idx->w[W_TEXT] * (t->qc * t->cs->hot[d].dc + rv) +
                budget_tight(t, t->cs->hot[d].bc) <
            t->thr)
        return;
    scan_slot(t, d, base, rv);
}

/* First index of rh whose slot is >= slot. */
static size_t rh_lower(const struct topk *t, uint32_t slot)
{
    size_t lo = 0, hi = t->nrh;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rh[mid].slot < slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Run r (whose sector and zone parts are `known`) slot by slot unless it cannot reach the
 * threshold. rp: the first rare hit at or after the run. */
static void scan_run(struct topk *t, uint32_t r, size_t rp, uint64_t known)
{
    const struct side *cs = t->cs;
    uint32_t a = cs->run_lo[r], b = cs->run_lo[r + 1];
    uint64_t base = t->tp[cs->run_set[r]] + known;
    uint64_t rmax = 0; /* the most the rare terms add to a slot of the run */
    for (size_t i = rp; i < t->nrh && t->rh[i].slot < b; i++)
        rmax = t->rh[i].v > rmax ? t->rh[i].v : rmax;
    /* What a slot of the run can score but for its text's common part. */
    uint64_t rest = base + run_budget_bound(t, cs->run_b[r]) + t->stage_ub +
                    t->idx->w[W_TEXT] * rmax;
    if (t->h.n == t->h.k && rest + t->idx->w[W_TEXT] * t->qc * cs->run_dc[r] < t->thr)
        return;
    STAT(match_index_stats.runs[match_index_stats.cur_seg]++);
    for (uint32_t d = a; d < b; d++) {
        if (t->h.n == t->h.k && rest + t->idx->w[W_TEXT] * t->qc * cs->hot[d].sdc < t->thr)
            return; /* nor any slot after it */
        uint64_t rv = 0;
        if (rp < t->nrh && t->rh[rp].slot == d)
            rv = t->rh[rp++].v;
        visit_slot(t, d, base, rv);
    }
}

/* The sorted slots [g.lo, g.hi) (whole runs of the query's sector: g.sec and g.zone known),
 * run by run in slot order, those whose tag part is in [tp_lo, tp_hi). A run's sector, zone and
 * tag parts are exact; its text part is at most qc * run_dc (common terms) plus what the rare
 * terms' postings in it add. */
static void run_scan(struct topk *t, struct seg g, uint64_t tp_lo, uint64_t tp_hi)
{
    const struct side *cs = t->cs;
    uint64_t known = (g.sec == 1 ? t->idx->w[W_SECTOR] * COMP_ONE : 0) +
                     (g.zone == 1 ? t->idx->w[W_ZONE] * COMP_ONE : 0);
    uint32_t lo = lower_u32(cs->run_lo, cs->nruns, g.lo);
    size_t rp = rh_lower(t, g.lo);
    for (uint32_t r = lo; r < cs->nruns && cs->run_lo[r] < g.hi; r++) {
        uint64_t tp = t->tp[cs->run_set[r]];
        if (tp < tp_lo || tp >= tp_hi)
            continue;
        while (rp < t->nrh && t->rh[rp].slot < cs->run_lo[r])
            rp++;
        scan_run(t, r, rp, known);
    }
}

/* The most tag part among the runs of [lo, hi). */
static uint64_t max_run_tp(const struct topk *t, uint32_t lo, uint32_t hi)
{
    const struct side *cs = t->cs;
    uint32_t a = lower_u32(cs->run_lo, cs->nruns, lo);
    uint64_t m = 0;
    for (uint32_t r = a; r < cs->nruns && cs->run_lo[r] < hi; r++)
        m = t->tp[cs->run_set[r]] > m ? t->tp[cs->run_set[r]] : m;
    return m;
}

/* The sorted slots outside [slo, shi) (the other sectors), where no candidate shares the
 * query's sector: first every slot a rare term of the query is in, then tag set by tag set
 * (most of them cannot reach the threshold: their runs are never looked at), the runs of the
 * sets that can, less those slots. */
static void scan_other(struct topk *t, uint32_t slo, uint32_t shi)
{
    const struct side *cs = t->cs;
    STAT(match_index_stats.cur_seg = 4);
    /* Random slots: their set and dc first (loaded a few hits ahead, the set's tag part after
     * them), the zone only for a slot that passes with it. */
    const uint64_t wz = t->qzone != NONE ? t->idx->w[W_ZONE] * COMP_ONE : 0;
    for (size_t i = 0; i < t->nrh; i++) {
        if (i + 16 < t->nrh) {
            uint32_t e = t->rh[i + 16].slot;
            __builtin_prefetch(&cs->slot_set[e]);
            __builtin_prefetch(&cs->hot[e]);
        }
        if (i + 8 < t->nrh)
            __builtin_prefetch(&t->tp[cs->slot_set[t->rh[i + 8].slot]]);
        uint32_t d = t->rh[i].slot;
        if (d >= slo && d < shi)
            continue;
        uint64_t base = t->tp[cs->slot_set[d]], rv = t->rh[i].v + t->slack;
        STAT(match_index_stats.cand[match_index_stats.cur_seg]++);
        if (t->h.n == t->h.k &&
            base + wz + t->stage_ub + t->idx->w[W_TEXT] * (t->qc * cs->hot[d].dc + rv) +
                    budget_tight(t, cs->hot[d].bc) <
                t->thr)
            continue;
        if (wz && cs->zone[d] == t->qzone)
            base += wz;
        visit_slot(t, d, base, rv);
    }
    STAT(match_index_stats.cur_seg = 5);
    /* A slot scored above may pass again (bounded by the slack alone, scored exactly): it can
     * only matter while it is in the heap, where dedup finds it. */
    t->dedup = true;
#ifdef MATCH_INDEX_STATS
    match_index_stats.ns[5] -= stat_now();
#endif
    const uint64_t cub = wz + t->budget_ub + t->stage_ub;
    for (uint32_t set = 0; set < cs->nsets; set++) {
        if (t->h.n == t->h.k &&
            t->tp[set] + cub + t->idx->w[W_TEXT] * (t->qc * cs->set_dc[set] + t->slack) < t->thr)
            continue;
        for (uint32_t i = cs->set_roff[set]; i < cs->set_roff[set + 1]; i++) {
            const struct srun *sr = &cs->set_runs[i];
            if (i + 3 < cs->set_roff[set + 1])
                __builtin_prefetch(&cs->hot[sr[3].lo]); /* a few runs ahead */
            if (sr->lo >= slo && sr->lo < shi)
                continue;
            uint64_t base = t->tp[set] + (t->qzone != NONE && sr->zone == t->qzone ? wz : 0);
            if (t->h.n == t->h.k &&
                base + run_budget_bound(t, sr->b) + t->stage_ub +
                        t->idx->w[W_TEXT] * (t->qc * sr->dc + t->slack) < t->thr)
                continue;
            STAT(match_index_stats.runs[match_index_stats.cur_seg]++);
            uint64_t rest = base + run_budget_bound(t, sr->b) + t->stage_ub +
                            t->idx->w[W_TEXT] * t->slack;
            for (uint32_t d = sr->lo; d < sr->lo + sr->n; d++) {
                if (t->h.n == t->h.k &&
                    rest + t->idx->w[W_TEXT] * t->qc * cs->hot[d].sdc < t->thr)
                    break; /* nor any slot after it */
                visit_slot(t, d, base, t->slack);
            }
        }
    }
#ifdef MATCH_INDEX_STATS
    match_index_stats.ns[5] += stat_now();
#endif
}

/* Appends to t->rh the postings of rare terms rterm[from..nrterm) in the slots [a0, a1), by
 * slot, a slot's contributions summed: the lists are walked together 4096 slots at a time, into
 * an accumulator that stays in L1. */
#define RH_CHUNK 4096
static void collect_rh(struct topk *t, size_t from, uint32_t a0, uint32_t a1)
{
    size_t m = t->nrterm - from;
    if (a0 >= a1 || m == 0)
        return;
    uint32_t *pos = xmalloc(m * sizeof(*pos));
    for (size_t i = 0; i < m; i++) {
        const struct plist *l = t->rterm[from + i].l;
        struct cursor c = {.slot = l->slot, .len = l->len};
        pos[i] = cursor_lower(&c, a0);
    }
    uint32_t acc[RH_CHUNK];
    uint64_t bits[RH_CHUNK / 64];
    memset(bits, 0, sizeof(bits));
    for (uint32_t c = a0 - a0 % RH_CHUNK; c < a1; c += RH_CHUNK) {
        uint32_t end = a1 - c < RH_CHUNK ? a1 : c + RH_CHUNK;
        bool any = false;
        for (size_t i = 0; i < m; i++) {
            const struct plist *l = t->rterm[from + i].l;
            const uint16_t *lw = plist_w(l);
            uint32_t wq = t->rterm[from + i].wq, j = pos[i];
            for (; j < l->len && l->slot[j] < end; j++) {
                uint32_t o = l->slot[j] - c;
                uint64_t bit = 1ULL << (o % 64);
                uint32_t v = wq * lw[j];
                acc[o] = bits[o / 64] & bit ? acc[o] + v : v;
                bits[o / 64] |= bit;
                any = true;
            }
            pos[i] = j;
        }
        if (!any)
            continue;
        for (uint32_t w = 0; w < RH_CHUNK / 64; w++) {
            uint64_t x = bits[w];
            bits[w] = 0;
            while (x) {
                uint32_t o = w * 64 + (uint32_t)__builtin_ctzll(x);
                x &= x - 1;
                t->rh[t->nrh++] = (struct rhit){c + o, acc[o]};
            }
        }
    }
    free(pos);
}

/* t->rh: the postings of rare terms rterm[from..nrterm) in the sorted slots [lo, hi) (inside)
 * or outside it. */
static void build_rh(struct topk *t, size_t from, uint32_t lo, uint32_t hi, bool inside)
{
    size_t n = 0;
    free(t->rh);
    for (size_t i = from; i < t->nrterm; i++)
        n += t->rterm[i].l->len;
    t->rh = xmalloc((n ? n : 1) * sizeof(*t->rh));
    t->nrh = 0;
    if (inside) {
        collect_rh(t, from, lo, hi);
    } else {
        collect_rh(t, from, 0, lo);
        collect_rh(t, from, hi, t->cs->sorted);
    }
    STAT(match_index_stats.rhits += t->nrh);
}

/* Before the other sectors: the rare terms whose lists are left out of t->rh, the smallest
 * bounds first, while what they can add to a text score (t->slack: the smaller of their summed
 * bounds and Cauchy-Schwarz) stays under 1/RARE_SLACK_DIV of the threshold. Any choice is exact:
 * a project found by none of the kept lists is bounded with the slack (scan_other). Returns the
 * first rare term kept. */
#ifndef RARE_SLACK_DIV
#define RARE_SLACK_DIV 32
#endif
static size_t rare_cut(struct topk *t)
{
    if (t->h.n < t->h.k)
        return 0;
    qsort(t->rterm, t->nrterm, sizeof(*t->rterm), rterm_by_ub);
    uint64_t sum = 0, sq = 0, slack = 0, wt = t->idx->w[W_TEXT];
    size_t i = 0;
    for (; i < t->nrterm; i++) {
        uint64_t s2 = sum + t->rterm[i].ub, q2 = sq + (uint64_t)t->rterm[i].wq * t->rterm[i].wq;
        uint64_t sl = min_u64(s2, (uint64_t)isqrt_up(q2) * QMAX);
        if (wt * sl > t->thr / RARE_SLACK_DIV)
            break;
        sum = s2;
        sq = q2;
        slack = sl;
    }
    t->slack = slack;
    return i;
}

int match_index_topk(const struct match_index *idx, int64_t query_id, size_t k, match_skip_fn skip,
                     void *skip_arg, struct match_result *out, size_t *nout)
{
    size_t entry = ids_find(&idx->ids, query_id);
    if (entry == SIZE_MAX)
        return SD_ERR_NOT_FOUND;
#ifdef MATCH_INDEX_STATS
    double stat_t0 = stat_now();
#endif
    struct topk t = {.idx = idx, .q = proj_of(idx, entry), .skip = skip, .skip_arg = skip_arg};
    struct proj q = t.q;
    t.cs = &idx->sides[q.s == &idx->sides[0] ? 1 : 0];
    t.qorg = q.s->org[q.slot];
    t.qsec = q.s->sector[q.slot];
    t.qzone = q.s->zone[q.slot];
    t.h = (struct heap){xmalloc((k ? k : 1) * sizeof(struct hit)), 0, k};
    if (k == 0 || t.cs->live == 0)
        goto out;
    /* An unknown query budget fits every candidate alike. */
    t.budget_ub = idx->w[W_BUDGET] *
                  (q.s->bmax[q.slot] > 0 ? COMP_ONE : budget_comp(idx, q, q, NULL, NULL));
    t.stage_ub = idx->w[W_STAGE] * COMP_ONE;
    t.qbmin = q.s->bmin[q.slot];
    t.qbmax = q.s->bmax[q.slot];
    t.budget_unknown = (uint64_t)floor(
        match_budget_fit(0, 0, 0, 0, idx->budget_mode, NULL, NULL) * (double)COMP_ONE);
    t.budget_unk = idx->w[W_BUDGET] * t.budget_unknown;
    t.qbknown = t.qbmax > 0;
    t.qbsym = idx->budget_mode == MATCH_BUDGET_SYMMETRIC && t.qbknown && t.qbmin <= t.qbmax;
    t.qblen = (double)(t.qbmax - t.qbmin) + 1.0;
    t.bmemo = xmalloc(BMEMO * sizeof(*t.bmemo));
    for (size_t i = 0; i < BMEMO; i++)
        t.bmemo[i].bc = UINT32_MAX; /* no bc is: they have 16 bits */
    t.qblo = budget_code(t.qbmin);
    t.qbhi = budget_code(t.qbmax);

    /* One cursor per query feature that has a posting list on the other side. */
    int os = t.cs == &idx->sides[0] ? 0 : 1;
    uint64_t qoff = q.s->fwd[q.slot];
    uint32_t qt = q.s->ntag[q.slot], qx = q.s->ntext[q.slot];
    size_t cmax = qt + qx + 2;
    struct cursor *all = xmalloc(2 * cmax * sizeof(*all));
    size_t m = 0;
    for (uint32_t i = 0; i < qt + qx; i++) {
        const struct term *tm = &idx->terms[q.s->f_term[qoff + i]];
        int gr = i < qt ? G_TAG : G_TEXT;
        add_cursor(all, &m, &tm->list[os], idx->w[gr == G_TAG ? W_TAG : W_TEXT],
                   q.s->f_w[qoff + i], gr);
    }
    if (t.qsec != NONE) {
        size_t before = m;
        add_cursor(all, &m, &idx->terms[t.qsec].list[os], idx->w[W_SECTOR], QMAX, G_OTHER);
        if (m > before)
            all[before].slot_kind = KIND_SECTOR;
    }
    if (t.qzone != NONE) {
        size_t before = m;
        add_cursor(all, &m, &idx->terms[t.qzone].list[os], idx->w[W_ZONE], QMAX, G_OTHER);
        if (m > before)
            all[before].slot_kind = KIND_ZONE;
    }
    t.all = all;
    t.nall = m;
    t.cv = all + cmax;
    t.pre = xmalloc(4 * (m + 1) * sizeof(uint64_t));
    t.head = xmalloc((m + 1) * sizeof(uint32_t));

    /* The slots sorted by (sector, zone) make the query's sector, and its zone within it, ranges:
     * there the sector (zone) part is known for every slot, elsewhere in the sorted prefix the
     * sector part is known to be 0, so the sector list stops driving the iteration. The query's
     * own sector and zone first (the best candidates: the threshold rises early), then the rest
     * of its sector, the unsorted tail, the other sectors. */
    const struct side *cs = t.cs;
    uint32_t sorted = cs->sorted, n = cs->nslots;
    /* The run scan's query data: |q restricted to the common terms|, the rare terms, their
     * postings in the query's sector (below), the tag part per tag set. */
    {
        uint64_t sq = 0;
        t.rterm = xmalloc((qx ? qx : 1) * sizeof(*t.rterm));
        for (uint32_t i = qt; i < qt + qx; i++) {
            uint32_t term = q.s->f_term[qoff + i];
            if (term < idx->ncommon && idx->common[term]) {
                sq += (uint64_t)q.s->f_w[qoff + i] * q.s->f_w[qoff + i];
            } else if (idx->terms[term].list[os].len) {
                const struct plist *l = &idx->terms[term].list[os];
                t.rterm[t.nrterm++] = (struct rterm){l, q.s->f_w[qoff + i],
                                                     (uint64_t)q.s->f_w[qoff + i] * l->maxw};
            }
        }
        t.qc = isqrt_up(sq);
        t.qsum = xcalloc(256, sizeof(*t.qsum));
        for (uint32_t i = qt; i < qt + qx; i++) {
            uint32_t term = q.s->f_term[qoff + i];
            if (term < idx->ncommon && idx->common[term]) {
                uint32_t bit = csig_bit(term);
                t.qsig[bit / 64] |= 1ULL << (bit % 64);
                t.qsum[bit] += q.s->f_w[qoff + i];
            }
        }
        t.qtext = xmalloc(sizeof(*t.qtext));
        qmap_init(t.qtext, q.s->f_term + qoff + qt, q.s->f_w + qoff + qt, qx);
        /* The tag part of every set sharing a tag with the query (0 for the others). */
        t.tp = xcalloc(cs->nsets ? cs->nsets : 1, sizeof(*t.tp));
        for (uint32_t i = 0; i < qt; i++) {
            uint32_t term = q.s->f_term[qoff + i];
            uint64_t wq = idx->w[W_TAG] * q.s->f_w[qoff + i];
            for (uint32_t j = lower_u32(cs->tset_term, cs->ntset, term);
                 j < cs->ntset && cs->tset_term[j] == term; j++) {
                uint64_t v = t.tp[cs->tset_set[j]] += wq * cs->tset_w[j];
                t.max_tp = v > t.max_tp ? v : t.max_tp;
            }
        }
    }
    /* The query's own sector and zone first (the best candidates: the threshold rises early),
     * then the rest of its sector, run by run; the unsorted tail (MaxScore over the posting
     * lists); the other sectors, tag set by tag set. */
    int zknown = t.qzone == NONE ? 0 : -1;
    uint32_t slo = 0, shi = 0;
    STAT(match_index_stats.queries++);
    STAT_T(0);
    if (t.qsec != NONE) {
        uint32_t zlo, zhi;
        key_range(cs->sector, 0, sorted, t.qsec, &slo, &shi);
        if (t.qzone != NONE)
            key_range(cs->zone, slo, shi, t.qzone, &zlo, &zhi);
        else
            zlo = zhi = slo;
        build_rh(&t, 0, slo, shi, true);
        STAT(match_index_stats.cur_seg = 0);
        /* The query's zone in two passes: the runs sharing most of the best tag part first, so
         * that the threshold is high for the rest. */
        struct seg z = {zlo, zhi, 1, t.qzone == NONE ? 0 : 1};
        uint64_t best = max_run_tp(&t, zlo, zhi), cut = best - best / 4;
        run_scan(&t, z, cut, UINT64_MAX);
        run_scan(&t, z, 0, cut);
        STAT(match_index_stats.thr_after[0] += (uint64_t)(to_score(t.thr) * 1e6));
        STAT(match_index_stats.cur_seg = 1);
        run_scan(&t, (struct seg){slo, zlo, 1, 0}, 0, UINT64_MAX);
        STAT(match_index_stats.cur_seg = 2);
        run_scan(&t, (struct seg){zhi, shi, 1, 0}, 0, UINT64_MAX);
        STAT(match_index_stats.thr_after[2] += (uint64_t)(to_score(t.thr) * 1e6));
    }
    STAT_T(1);
    STAT(match_index_stats.cur_seg = 3);
    if (sorted < n)
        run_segment(&t, (struct seg){sorted, n, t.qsec == NONE ? 0 : -1, zknown});
    build_rh(&t, rare_cut(&t), slo, shi, false);
    STAT_T(3);
    scan_other(&t, slo, shi);
    STAT_T(2);
    STAT(match_index_stats.thr_after[5] += (uint64_t)(to_score(t.thr) * 1e6));
    free(t.pre);
    free(t.head);
    free(t.rh);
    free(t.qsum);
    free(t.rterm);
    free(t.tp);
    free(t.qtext);
    free(t.bmemo);
    free(all);
out:
    heap_output(&t.h, out, nout);
    free(t.h.v);
    return 0;
}

/* ---- explain / get ---- */

struct shared_tag {
    double idf;
    uint32_t term;
};

static int shared_by_idf(const void *a, const void *b)
{
    const struct shared_tag *x = a, *y = b;
    if (x->idf != y->idf)
        return x->idf > y->idf ? -1 : 1;
    return (x->term > y->term) - (x->term < y->term);
}

int match_index_explain(const struct match_index *idx, int64_t query_id, int64_t candidate_id,
                        struct match_reasons *out)
{
    size_t qe = ids_find(&idx->ids, query_id), ce = ids_find(&idx->ids, candidate_id);
    if (qe == SIZE_MAX || ce == SIZE_MAX)
        return SD_ERR_NOT_FOUND;
    struct proj q = proj_of(idx, qe), c = proj_of(idx, ce);
    memset(out, 0, sizeof(*out));
    struct parts pt;
    out->score = to_score(score_parts(idx, q, c, &pt));

    uint64_t qo = q.s->fwd[q.slot], co = c.s->fwd[c.slot];
    uint32_t qn = q.s->ntag[q.slot], cn = c.s->ntag[c.slot];
    struct shared_tag sh[MATCH_TAGS_MAX];
    size_t ns = 0;
    for (uint32_t i = 0, j = 0; i < qn && j < cn;) {
        uint32_t a = q.s->f_term[qo + i], b = c.s->f_term[co + j];
        if (a < b) {
            i++;
        } else if (a > b) {
            j++;
        } else {
            sh[ns++] = (struct shared_tag){idx->terms[a].idf, a};
            i++;
            j++;
        }
    }
    qsort(sh, ns, sizeof(*sh), shared_by_idf);
    out->nshared_tags = ns;
    for (size_t i = 0; i < ns; i++)
        out->shared_tags[i] = term_str(idx, sh[i].term);

    const double one = (double)COMP_ONE, scale = WEIGHT_ONE * one;
    out->weights = (struct match_weights){.tag = (double)idx->w[W_TAG] / WEIGHT_ONE,
                                          .text = (double)idx->w[W_TEXT] / WEIGHT_ONE,
                                          .sector = (double)idx->w[W_SECTOR] / WEIGHT_ONE,
                                          .zone = (double)idx->w[W_ZONE] / WEIGHT_ONE,
                                          .budget = (double)idx->w[W_BUDGET] / WEIGHT_ONE,
                                          .stage = (double)idx->w[W_STAGE] / WEIGHT_ONE};
    out->tag_cos = (double)pt.tag / one;
    out->tag_part = (double)(idx->w[W_TAG] * pt.tag) / scale;
    out->text_cos = (double)pt.text / one;
    out->text_part = (double)(idx->w[W_TEXT] * pt.text) / scale;
    out->same_sector = pt.sector != 0;
    out->sector = term_str(idx, q.s->sector[q.slot]);
    out->sector_part = (double)(idx->w[W_SECTOR] * pt.sector) / scale;
    out->same_zone = pt.zone != 0;
    out->zone = term_str(idx, q.s->zone[q.slot]);
    out->zone_part = (double)(idx->w[W_ZONE] * pt.zone) / scale;
    int64_t lo = 0, hi = 0;
    out->budget_frac = match_budget_fit(q.s->bmin[q.slot], q.s->bmax[q.slot], c.s->bmin[c.slot],
                                        c.s->bmax[c.slot], idx->budget_mode, &lo, &hi);
    out->budget_overlap = q.s->bmax[q.slot] > 0 && c.s->bmax[c.slot] > 0 &&
                          match_budget_overlap(q.s->bmin[q.slot], q.s->bmax[q.slot],
                                               c.s->bmin[c.slot], c.s->bmax[c.slot], NULL,
                                               NULL) > 0.0;
    out->budget_lo = lo;
    out->budget_hi = hi;
    out->budget_part = (double)(idx->w[W_BUDGET] * pt.budget) / scale;
    out->stage_query = (enum match_stage)q.s->stage[q.slot];
    out->stage_candidate = (enum match_stage)c.s->stage[c.slot];
    out->stage_fit = match_stage_fit(out->stage_query, out->stage_candidate);
    out->stage_part = (double)(idx->w[W_STAGE] * pt.stage) / scale;
    return 0;
}

int match_index_get(const struct match_index *idx, int64_t id, struct match_project *out,
                    const char *tags[MATCH_TAGS_MAX])
{
    size_t e = ids_find(&idx->ids, id);
    if (e == SIZE_MAX)
        return SD_ERR_NOT_FOUND;
    struct proj p = proj_of(idx, e);
    uint64_t off = p.s->fwd[p.slot];
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->org_id = p.s->org[p.slot];
    out->side = p.s == &idx->sides[0] ? MATCH_SUPPLY : MATCH_DEMAND;
    out->stage = (enum match_stage)p.s->stage[p.slot];
    out->sector = term_str(idx, p.s->sector[p.slot]);
    out->zone = term_str(idx, p.s->zone[p.slot]);
    out->ntags = p.s->ntag[p.slot];
    for (size_t i = 0; i < out->ntags; i++)
        tags[i] = term_str(idx, p.s->f_term[off + i]);
    out->tags = tags;
    out->budget_min = p.s->bmin[p.slot];
    out->budget_max = p.s->bmax[p.slot];
    return 0;
}

void match_index_set_budget_mode(struct match_index *idx, enum match_budget_mode mode)
{
    idx->budget_mode = mode;
    idx->generation++;
}


/* ---- the IDF snapshot as bytes: "SDIDF1", u64 n, u32 count, then per term u8 kind, u32 len,
 * the bytes, the IDF's 8 bytes (host order: instances share one architecture) ---- */

static void put(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (*len + n > *cap) {
        while (*len + n > *cap)
            *cap = *cap ? *cap * 2 : 4096;
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, p, n);
    *len += n;
}

char *match_index_idf_export(const struct match_index *idx, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    uint64_t n = idx->idf_held ? idx->held_n : live_total(idx);
    uint32_t count = 0;
    for (uint32_t t = 0; t < idx->nterms; t++)
        count += idx->terms[t].df > 0;
    put(&buf, len, &cap, "SDIDF1", 6);
    put(&buf, len, &cap, &n, sizeof(n));
    put(&buf, len, &cap, &count, sizeof(count));
    for (uint32_t t = 0; t < idx->nterms; t++) {
        const struct term *tm = &idx->terms[t];
        if (tm->df == 0)
            continue;
        put(&buf, len, &cap, &tm->kind, 1);
        put(&buf, len, &cap, &tm->len, sizeof(tm->len));
        put(&buf, len, &cap, idx->strs + tm->str_off, tm->len);
        put(&buf, len, &cap, &tm->idf, sizeof(tm->idf));
    }
    return buf;
}

int match_index_idf_import(struct match_index *idx, const char *buf, size_t len)
{
    struct match_compaction *c;
    int err = match_index_compact_prepare_import(idx, buf, len, &c);
    if (err)
        return err;
    err = match_index_compact_swap(idx, c);
    SD_ASSERT(err == 0);
    match_compaction_free(c);
    return 0;
}

uint64_t match_index_idf_basis(const struct match_index *idx)
{
    return idx->idf_held ? idx->held_n : live_total(idx);
}

void match_index_hold_idf(struct match_index *idx, bool hold)
{
    if (hold && !idx->idf_held)
        idx->held_n = live_total(idx);
    idx->idf_held = hold;
}

int match_index_each_query(const struct match_index *idx, int64_t candidate_id,
                           void (*fn)(void *arg, int64_t query_id, double score), void *arg)
{
    size_t entry = ids_find(&idx->ids, candidate_id);
    if (entry == SIZE_MAX)
        return SD_ERR_NOT_FOUND;
    struct proj c = proj_of(idx, entry);
    const struct side *qs = &idx->sides[c.s == &idx->sides[0] ? 1 : 0];
    int64_t corg = c.s->org[c.slot];
    for (uint32_t i = 0; i < qs->nslots; i++) {
        if (!qs->alive[i] || qs->org[i] == corg)
            continue;
        struct parts pt;
        fn(arg, qs->id[i], to_score(score_parts(idx, (struct proj){qs, i}, c, &pt)));
    }
    return 0;
}

uint64_t match_index_generation(const struct match_index *idx)
{
    return idx->generation;
}

#ifdef MATCH_INDEX_STATS
#include <stdio.h>
void match_index_print_runs(const struct match_index *idx);
void match_index_print_runs(const struct match_index *idx)
{
    for (int sd = 0; sd < 2; sd++) {
        const struct side *s = &idx->sides[sd];
        uint64_t hist[8] = {0};
        for (uint32_t d = 0; d < s->sorted; d++)
            hist[s->hot[d].dc * 8 / 65536]++;
        printf("side %d: sorted %u runs %u sets %u; dc deciles(/8):", sd, s->sorted, s->nruns, s->nsets);
        for (int i = 0; i < 8; i++)
            printf(" %lu", (unsigned long)hist[i]);
        printf("\n");
    }
    uint32_t nc = 0;
    for (uint32_t t = 0; t < idx->ncommon; t++)
        nc += idx->common[t];
    printf("terms %u common %u\n", idx->nterms, nc);
}
#endif
