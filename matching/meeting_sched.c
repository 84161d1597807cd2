#include "matching/meeting_sched.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define NIL (-1)
/* Colour pairs tried per Kempe-chain repair before giving up on a meeting. */
#define REPAIR_TRIES 48

/* ---- edge-colouring engine ------------------------------------------------------------------
 * Vertices are organizations 0..n-1, edges are meetings 0..m-1, colours are slots 0..w-1.
 * at[v*w + c] is the edge of colour c at v (or NIL); the colouring is always proper. */

struct eng {
    int32_t n, m, w;
    const int32_t *eu, *ev;
    int32_t *at;
    int32_t *col;            /* per edge, NIL when uncoloured */
    int32_t *cnt;            /* edges per colour */
    int32_t *next, *prev;    /* per-colour doubly linked edge lists */
    int32_t *head;           /* per colour */
    const int32_t *cap;      /* per colour capacity, NULL = unlimited */
    const uint8_t *unusable; /* n*w, 1 = v may not meet in colour c; NULL = none */
    const uint8_t *locked;   /* per edge, 1 = never recoloured; NULL = none */
    int32_t *path;           /* scratch: m edges */
};

static void eng_init(struct eng *g, int32_t n, int32_t m, int32_t w, const int32_t *eu,
                     const int32_t *ev)
{
    memset(g, 0, sizeof(*g));
    g->n = n;
    g->m = m;
    g->w = w;
    g->eu = eu;
    g->ev = ev;
    size_t cells = (size_t)n * (size_t)w;
    g->at = xmalloc((cells ? cells : 1) * sizeof(*g->at));
    memset(g->at, 0xff, cells * sizeof(*g->at)); /* NIL */
    g->col = xmalloc(((size_t)m + 1) * sizeof(*g->col));
    g->next = xmalloc(((size_t)m + 1) * sizeof(*g->next));
    g->prev = xmalloc(((size_t)m + 1) * sizeof(*g->prev));
    for (int32_t e = 0; e < m; e++)
        g->col[e] = NIL;
    g->cnt = xcalloc((size_t)w + 1, sizeof(*g->cnt));
    g->head = xmalloc(((size_t)w + 1) * sizeof(*g->head));
    for (int32_t c = 0; c < w; c++)
        g->head[c] = NIL;
    g->path = xmalloc(((size_t)m + 1) * sizeof(*g->path));
}

static void eng_deinit(struct eng *g)
{
    free(g->at);
    free(g->col);
    free(g->next);
    free(g->prev);
    free(g->cnt);
    free(g->head);
    free(g->path);
}

static int32_t *at(const struct eng *g, int32_t v, int32_t c)
{
    return &g->at[(size_t)v * (size_t)g->w + (size_t)c];
}

static bool is_free(const struct eng *g, int32_t v, int32_t c)
{
    return *at(g, v, c) == NIL;
}

static bool usable(const struct eng *g, int32_t v, int32_t c)
{
    return !g->unusable || !g->unusable[(size_t)v * (size_t)g->w + (size_t)c];
}

static int32_t other(const struct eng *g, int32_t e, int32_t x)
{
    return g->eu[e] == x ? g->ev[e] : g->eu[e];
}

static void set_col(struct eng *g, int32_t e, int32_t c)
{
    SD_ASSERT(g->col[e] == NIL && c >= 0 && c < g->w);
    SD_ASSERT(is_free(g, g->eu[e], c) && is_free(g, g->ev[e], c));
    g->col[e] = c;
    *at(g, g->eu[e], c) = e;
    *at(g, g->ev[e], c) = e;
    g->cnt[c]++;
    g->prev[e] = NIL;
    g->next[e] = g->head[c];
    if (g->head[c] != NIL)
        g->prev[g->head[c]] = e;
    g->head[c] = e;
}

static void clear_col(struct eng *g, int32_t e)
{
    int32_t c = g->col[e];
    SD_ASSERT(c != NIL);
    *at(g, g->eu[e], c) = NIL;
    *at(g, g->ev[e], c) = NIL;
    g->cnt[c]--;
    if (g->prev[e] != NIL)
        g->next[g->prev[e]] = g->next[e];
    else
        g->head[c] = g->next[e];
    if (g->next[e] != NIL)
        g->prev[g->next[e]] = g->prev[e];
    g->col[e] = NIL;
}

static int32_t first_free(const struct eng *g, int32_t v, int32_t k)
{
    const int32_t *row = at(g, v, 0);
    for (int32_t c = 0; c < k; c++)
        if (row[c] == NIL)
            return c;
    return k;
}

/* Walks the path from x that starts with x's a-edge and alternates a, b. x must be a path end
 * (no b-edge at x), so the walk ends. Stores the edges in g->path; returns the far end. */
static int32_t walk(struct eng *g, int32_t x, int32_t a, int32_t b, int32_t *len)
{
    int32_t n = 0, cur = x, c = a;
    for (int32_t e = *at(g, cur, c); e != NIL; e = *at(g, cur, c)) {
        SD_ASSERT(n < g->m);
        g->path[n++] = e;
        cur = other(g, e, cur);
        c = c == a ? b : a;
    }
    *len = n;
    return cur;
}

/* Swaps colours a and b on the walked path (a maximal a/b chain, so this stays proper). */
static void flip(struct eng *g, int32_t len, int32_t a, int32_t b)
{
    for (int32_t i = 0; i < len; i++)
        clear_col(g, g->path[i]);
    for (int32_t i = 0; i < len; i++)
        set_col(g, g->path[i], i % 2 == 0 ? b : a);
}

/* König: a proper colouring of a bipartite graph with k >= Δ colours. */
static void colour_bipartite(struct eng *g, const int32_t *edges, size_t ne, int32_t k)
{
    for (size_t i = 0; i < ne; i++) {
        int32_t e = edges[i], u = g->eu[e], v = g->ev[e];
        int32_t a = first_free(g, u, k), b = first_free(g, v, k);
        SD_ASSERT(a < k && b < k);
        if (is_free(g, v, a)) {
            set_col(g, e, a);
        } else if (is_free(g, u, b)) {
            set_col(g, e, b);
        } else {
            /* v's a/b chain starts with a and, by parity, never reaches u. */
            int32_t len;
            int32_t end = walk(g, v, a, b, &len);
            SD_ASSERT(end != u);
            flip(g, len, a, b);
            set_col(g, e, a);
        }
    }
}

struct fan {
    int32_t *v, *e, *saved;
    unsigned *mark;
    unsigned stamp;
};

/* Misra–Gries: a proper colouring of a simple graph with k >= Δ+1 colours. */
static void colour_general(struct eng *g, const int32_t *edges, size_t ne, int32_t k, struct fan *f)
{
    for (size_t i = 0; i < ne; i++) {
        int32_t e = edges[i], u = g->eu[e];
        f->stamp++;
        int32_t nf = 1;
        f->v[0] = g->ev[e];
        f->e[0] = e;
        f->mark[f->v[0]] = f->stamp;
        /* Maximal fan of u: the next edge's colour is free at the last fan vertex. */
        for (;;) {
            int32_t last = f->v[nf - 1], ext = NIL;
            for (int32_t c = 0; c < k && ext == NIL; c++) {
                int32_t fe = *at(g, u, c);
                if (fe != NIL && is_free(g, last, c) && f->mark[other(g, fe, u)] != f->stamp)
                    ext = fe;
            }
            if (ext == NIL)
                break;
            f->v[nf] = other(g, ext, u);
            f->e[nf] = ext;
            f->mark[f->v[nf]] = f->stamp;
            nf++;
        }
        int32_t c = first_free(g, u, k), d = first_free(g, f->v[nf - 1], k);
        SD_ASSERT(c < k && d < k);
        if (c != d) {
            int32_t len;
            walk(g, u, d, c, &len); /* c is free at u: u is a chain end */
            flip(g, len, d, c);
        }
        /* The first w such that v[0..w] is still a fan and d is free at v[w]. */
        int32_t w = NIL;
        for (int32_t j = 0; j < nf; j++) {
            if (j > 0 && !is_free(g, f->v[j - 1], g->col[f->e[j]]))
                break;
            if (is_free(g, f->v[j], d)) {
                w = j;
                break;
            }
        }
        SD_ASSERT(w != NIL);
        for (int32_t j = 1; j <= w; j++) {
            f->saved[j] = g->col[f->e[j]];
            clear_col(g, f->e[j]);
        }
        for (int32_t j = 0; j < w; j++)
            set_col(g, f->e[j], f->saved[j + 1]);
        set_col(g, f->e[w], d);
    }
}

static bool has_room(const struct eng *g, int32_t c, int32_t extra)
{
    return !g->cap || g->cnt[c] + extra <= g->cap[c];
}

static bool fits(const struct eng *g, int32_t x, int32_t c)
{
    return is_free(g, x, c) && usable(g, x, c);
}

/* Colours the uncoloured edge e with one of the colours `order` (except `excl`): first a colour
 * free at both ends, else after swapping one a/b chain from v. Respects unusable, locked and
 * capacities. */
static bool try_place(struct eng *g, int32_t e, const int32_t *order, int32_t norder, int32_t excl)
{
    int32_t u = g->eu[e], v = g->ev[e];
    for (int32_t i = 0; i < norder; i++) {
        int32_t c = order[i];
        if (c != excl && fits(g, u, c) && fits(g, v, c) && has_room(g, c, 1)) {
            set_col(g, e, c);
            return true;
        }
    }
    int32_t tries = 0;
    for (int32_t i = 0; i < norder; i++) {
        int32_t a = order[i];
        if (a == excl || !fits(g, u, a) || !usable(g, v, a) || is_free(g, v, a))
            continue;
        for (int32_t j = 0; j < norder; j++) {
            int32_t b = order[j];
            if (b == excl || b == a || !fits(g, v, b))
                continue;
            if (++tries > REPAIR_TRIES)
                return false;
            int32_t len;
            int32_t end = walk(g, v, a, b, &len);
            if (end == u)
                continue;
            bool ok = usable(g, end, len % 2 ? b : a);
            for (int32_t p = 0; ok && g->locked && p < len; p++)
                ok = !g->locked[g->path[p]];
            int32_t na = (len + 1) / 2, nb = len / 2;
            if (!ok || !has_room(g, a, nb - na + 1) || !has_room(g, b, na - nb))
                continue;
            flip(g, len, a, b);
            set_col(g, e, a);
            return true;
        }
    }
    return false;
}

/* Kempe-chain balancing: recolours until colours 0..k-1 differ by at most one edge, so each holds
 * ⌊ne/k⌋ or ⌈ne/k⌉.
 * A component of colours a and b with more a than b is a path with a at both ends; swapping it
 * moves one edge from a to b and keeps the colouring proper. */
static void balance(struct eng *g, int32_t ne, int32_t k, struct fan *f)
{
    if (k <= 0 || ne == 0)
        return;
    for (;;) {
        int32_t a = 0, b = 0;
        for (int32_t c = 1; c < k; c++) {
            if (g->cnt[c] > g->cnt[a])
                a = c;
            if (g->cnt[c] < g->cnt[b])
                b = c;
        }
        if (g->cnt[a] - g->cnt[b] <= 1)
            return;
        int32_t need = (g->cnt[a] - g->cnt[b]) / 2, before = need;
        /* Edges of colour a, copied: flipping changes the list. */
        int32_t na = 0;
        int32_t *edges = xmalloc((size_t)g->cnt[a] * sizeof(*edges));
        for (int32_t e = g->head[a]; e != NIL; e = g->next[e])
            edges[na++] = e;
        f->stamp++;
        for (int32_t i = 0; i < na && need > 0; i++) {
            int32_t e = edges[i];
            if (g->col[e] != a)
                continue;
            int32_t ends[2] = {g->eu[e], g->ev[e]};
            for (int k2 = 0; k2 < 2; k2++) {
                int32_t x = ends[k2];
                if (!is_free(g, x, b) || f->mark[x] == f->stamp)
                    continue;
                int32_t len;
                int32_t y = walk(g, x, a, b, &len);
                f->mark[x] = f->mark[y] = f->stamp;
                if (len % 2 == 1) {
                    flip(g, len, a, b);
                    need--;
                }
                break;
            }
        }
        free(edges);
        SD_ASSERT(need < before);
    }
}

/* Empties one colour class of a k-colouring by moving its edges to the other colours (with
 * chain repair), then renumbers colour k-1 into the hole. Returns true when k-1 colours now
 * suffice; on failure the colouring stays proper with k colours. */
static bool drop_colour(struct eng *g, int32_t k, int32_t *order)
{
    if (k <= 1)
        return false;
    int32_t x = 0;
    for (int32_t c = 1; c < k; c++)
        if (g->cnt[c] < g->cnt[x])
            x = c;
    for (int32_t c = 0; c < k; c++)
        order[c] = c;
    while (g->head[x] != NIL) {
        int32_t e = g->head[x];
        clear_col(g, e);
        if (!try_place(g, e, order, k, x)) {
            set_col(g, e, x);
            return false;
        }
    }
    if (x != k - 1)
        while (g->head[k - 1] != NIL) {
            int32_t e = g->head[k - 1];
            clear_col(g, e);
            set_col(g, e, x);
        }
    return true;
}

/* ---- graph helpers ------------------------------------------------------------------------ */

static int32_t max_degree(int32_t n, const int32_t *eu, const int32_t *ev, const int32_t *edges,
                          size_t ne, int32_t *deg)
{
    memset(deg, 0, (size_t)n * sizeof(*deg));
    int32_t d = 0;
    for (size_t i = 0; i < ne; i++) {
        int32_t e = edges[i];
        if (++deg[eu[e]] > d)
            d = deg[eu[e]];
        if (++deg[ev[e]] > d)
            d = deg[ev[e]];
    }
    return d;
}

/* 2-colouring by breadth-first search over the given edges. */
static bool is_bipartite(int32_t n, const int32_t *eu, const int32_t *ev, const int32_t *edges,
                         size_t ne)
{
    int32_t *off = xcalloc((size_t)n + 1, sizeof(*off));
    int32_t *adj = xmalloc((2 * ne + 1) * sizeof(*adj));
    int8_t *side = xmalloc((size_t)n + 1);
    int32_t *queue = xmalloc(((size_t)n + 1) * sizeof(*queue));
    for (size_t i = 0; i < ne; i++) {
        off[eu[edges[i]] + 1]++;
        off[ev[edges[i]] + 1]++;
    }
    for (int32_t v = 0; v < n; v++)
        off[v + 1] += off[v];
    int32_t *fill = xmalloc(((size_t)n + 1) * sizeof(*fill));
    memcpy(fill, off, (size_t)n * sizeof(*fill));
    for (size_t i = 0; i < ne; i++) {
        int32_t a = eu[edges[i]], b = ev[edges[i]];
        adj[fill[a]++] = b;
        adj[fill[b]++] = a;
    }
    memset(side, -1, (size_t)n);
    bool ok = true;
    for (int32_t s = 0; s < n && ok; s++) {
        if (side[s] >= 0)
            continue;
        side[s] = 0;
        int32_t qh = 0, qt = 0;
        queue[qt++] = s;
        while (qh < qt && ok) {
            int32_t x = queue[qh++];
            for (int32_t k = off[x]; k < off[x + 1]; k++) {
                int32_t y = adj[k];
                if (side[y] < 0) {
                    side[y] = (int8_t)(1 - side[x]);
                    queue[qt++] = y;
                } else if (side[y] == side[x]) {
                    ok = false;
                    break;
                }
            }
        }
    }
    free(fill);
    free(queue);
    free(side);
    free(adj);
    free(off);
    return ok;
}

static int32_t ceil_div(int64_t a, int64_t b)
{
    return b <= 0 ? 0 : (int32_t)((a + b - 1) / b);
}

/* ---- the scheduler ------------------------------------------------------------------------ */

struct ctx {
    const struct meet_sched_input *in;
    int32_t n, m; /* organizations, valid meetings */
    int32_t S, T;
    int32_t *eu, *ev; /* per valid meeting */
    int32_t *meet;    /* valid meeting -> input index */
    int32_t *rank;    /* valid meetings by score, best first */
    int32_t *deg;     /* scratch, n */
    struct fan fan;
};

/* Clean colouring of `edges` (score order) into at most S colours with at most T per colour.
 * Leaves the result in g (initialised here; the caller deinits it): colours 0..k-1, where k is
 * the return value; edges that had to be left out stay uncoloured. */
static int32_t clean_colour(struct ctx *x, const int32_t *edges, size_t ne, struct eng *g)
{
    int32_t S = x->S, T = x->T;
    int32_t d = max_degree(x->n, x->eu, x->ev, edges, ne, x->deg);
    bool bip = is_bipartite(x->n, x->eu, x->ev, edges, ne);
    int32_t byload = ceil_div((int64_t)ne, T);
    int32_t w = d + 1 > byload ? d + 1 : byload;
    if (w > S + 1)
        w = S + 1;
    eng_init(g, x->n, x->m, w < 1 ? 1 : w, x->eu, x->ev);
    int32_t *order = xmalloc(((size_t)g->w + 1) * sizeof(*order));
    int32_t k = -1;

    int32_t lb = d > byload ? d : byload;
    if (lb <= S && bip) {
        colour_bipartite(g, edges, ne, d);
        k = lb;
    } else if (lb <= S) {
        colour_general(g, edges, ne, d + 1, &x->fan);
        int32_t kc = d + 1;
        if (kc > byload && drop_colour(g, kc, order))
            kc--;
        k = kc > byload ? kc : byload;
        if (k > S) {
            /* Δ+1 colours needed but only Δ slots: start again with a selection. */
            eng_deinit(g);
            eng_init(g, x->n, x->m, S + 1, x->eu, x->ev);
            k = -1;
        }
    }
    if (k < 0) {
        /* Not enough slots: keep the best meetings an org / the slots can take, colour them,
         * then try to fit the rest one by one. */
        int32_t degcap = bip ? S : S - 1;
        int64_t total = (int64_t)S * T;
        int32_t *sel = xmalloc((ne + 1) * sizeof(*sel)), *rest = xmalloc((ne + 1) * sizeof(*rest));
        size_t nsel = 0, nrest = 0;
        memset(x->deg, 0, (size_t)x->n * sizeof(*x->deg));
        for (size_t i = 0; i < ne; i++) {
            int32_t e = edges[i];
            if (x->deg[x->eu[e]] < degcap && x->deg[x->ev[e]] < degcap && (int64_t)nsel < total) {
                x->deg[x->eu[e]]++;
                x->deg[x->ev[e]]++;
                sel[nsel++] = e;
            } else {
                rest[nrest++] = e;
            }
        }
        int32_t ds = max_degree(x->n, x->eu, x->ev, sel, nsel, x->deg);
        int32_t kc;
        if (bip || is_bipartite(x->n, x->eu, x->ev, sel, nsel)) {
            colour_bipartite(g, sel, nsel, ds);
            kc = ds;
        } else {
            colour_general(g, sel, nsel, ds + 1, &x->fan);
            kc = ds + 1;
            if (drop_colour(g, kc, order))
                kc--;
        }
        int32_t bl = ceil_div((int64_t)nsel, T);
        k = kc > bl ? kc : bl;
        SD_ASSERT(k <= S);
        balance(g, (int32_t)nsel, k, &x->fan);
        if (!bip && nrest > 0) {
            int32_t *cap = xmalloc((size_t)g->w * sizeof(*cap));
            for (int32_t c = 0; c < g->w; c++)
                cap[c] = c < S ? T : 0;
            g->cap = cap;
            for (int32_t c = 0; c < S; c++)
                order[c] = c;
            for (size_t i = 0; i < nrest; i++)
                if (try_place(g, rest[i], order, S, NIL) && g->col[rest[i]] + 1 > k)
                    k = g->col[rest[i]] + 1;
            g->cap = NULL;
            free(cap);
        }
        free(sel);
        free(rest);
    } else {
        balance(g, (int32_t)ne, k, &x->fan);
    }
    free(order);
    return k;
}

/* Score order: higher score first, NaN last, then smaller id, then input order. */
struct rank_key {
    double score;
    int64_t id;
    int32_t e;
};

static int rank_cmp(const void *pa, const void *pb)
{
    const struct rank_key *a = pa, *b = pb;
    bool na = a->score != a->score, nb = b->score != b->score;
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->e > b->e) - (a->e < b->e);
}

struct pair_key {
    int64_t lo, hi;
    int32_t idx;
};

static int pair_cmp(const void *pa, const void *pb)
{
    const struct pair_key *a = pa, *b = pb;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static int i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

static int32_t org_index(const int64_t *orgs, int32_t n, int64_t id)
{
    int32_t lo = 0, hi = n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (orgs[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && orgs[lo] == id ? lo : NIL;
}

/* Small open-addressing set of (slot, table) keys, for fixed meetings. */
struct keyset {
    uint64_t *keys;
    size_t mask;
};

static bool keyset_add(struct keyset *ks, uint64_t key)
{
    size_t h = (size_t)((key + 1) * 0x9E3779B97F4A7C15ull >> 17) & ks->mask;
    while (ks->keys[h] != 0) {
        if (ks->keys[h] == key + 1)
            return false;
        h = (h + 1) & ks->mask;
    }
    ks->keys[h] = key + 1;
    return true;
}

/* Order of slots to try: those in use first, then the others, each ascending. */
static int32_t slot_order(const struct eng *g, int32_t *order)
{
    int32_t no = 0;
    for (int32_t s = 0; s < g->w; s++)
        if (g->cnt[s] > 0)
            order[no++] = s;
    int32_t in_use = no;
    for (int32_t s = 0; s < g->w; s++)
        if (g->cnt[s] == 0)
            order[no++] = s;
    return in_use;
}

/* Strategy "fill" for blocked slots / fixed meetings: g (width S) holds the kept fixed meetings;
 * the free ones, by score, go into a slot already in use when possible (first fit, then a chain
 * swap), else into the first slot that takes them. Suits re-runs that add a few meetings. */
static void fill(struct eng *g, const int32_t *fr, size_t nfr)
{
    int32_t *order = xmalloc(((size_t)g->w + 1) * sizeof(*order));
    int32_t in_use = slot_order(g, order);
    for (size_t i = 0; i < nfr; i++) {
        int32_t e = fr[i];
        if (try_place(g, e, order, in_use, NIL))
            continue;
        if (try_place(g, e, order + in_use, g->w - in_use, NIL)) {
            /* A slot came into use: it joins the first group. */
            int32_t c = g->col[e];
            for (int32_t j = in_use; j < g->w; j++)
                if (order[j] == c) {
                    memmove(order + in_use + 1, order + in_use,
                            (size_t)(j - in_use) * sizeof(*order));
                    order[in_use++] = c;
                    break;
                }
        }
    }
    free(order);
}

/* More meetings placed, then fewer slots used. */
static bool better(const struct eng *a, const struct eng *b)
{
    int32_t pa = 0, pb = 0, ua = 0, ub = 0;
    for (int32_t c = 0; c < a->w; c++) {
        pa += a->cnt[c];
        pb += b->cnt[c];
        ua += a->cnt[c] > 0;
        ub += b->cnt[c] > 0;
    }
    return pa != pb ? pa > pb : ua < ub;
}

/* Strategy "map" for blocked slots / fixed meetings: g (width S) holds the kept fixed meetings;
 * the free ones get a clean colouring, its classes are mapped onto slots with the fewest
 * conflicts, conflicts are re-inserted. Keeps the clean guarantee when enough slots are free. */
static void map_classes(struct ctx *x, struct eng *g, const int32_t *fr, size_t nfr)
{
    struct eng cg;
    int32_t k = clean_colour(x, fr, nfr, &cg);
    int32_t S = x->S;

    /* conf[c*S + s]: meetings of class c that cannot use slot s. */
    int32_t *conf = xcalloc((size_t)k * (size_t)S + 1, sizeof(*conf));
    for (size_t i = 0; i < nfr; i++) {
        int32_t e = fr[i], c = cg.col[e];
        if (c == NIL)
            continue;
        const uint8_t *ru = &g->unusable[(size_t)x->eu[e] * (size_t)S];
        const uint8_t *rv = &g->unusable[(size_t)x->ev[e] * (size_t)S];
        for (int32_t s = 0; s < S; s++)
            conf[(size_t)c * (size_t)S + (size_t)s] += ru[s] | rv[s];
    }
    int32_t *classes = xmalloc(((size_t)k + 1) * sizeof(*classes));
    for (int32_t c = 0; c < k; c++)
        classes[c] = c;
    /* Largest class first (insertion sort: k is small). */
    for (int32_t i = 1; i < k; i++)
        for (int32_t j = i; j > 0 && cg.cnt[classes[j]] > cg.cnt[classes[j - 1]]; j--) {
            int32_t t = classes[j];
            classes[j] = classes[j - 1];
            classes[j - 1] = t;
        }
    int32_t *map = xmalloc(((size_t)k + 1) * sizeof(*map));
    bool *taken = xcalloc((size_t)S + 1, sizeof(*taken));
    for (int32_t i = 0; i < k; i++) {
        int32_t c = classes[i], best = NIL;
        int64_t best_cost = 0;
        for (int32_t s = 0; s < S; s++) {
            if (taken[s])
                continue;
            int64_t cf = conf[(size_t)c * (size_t)S + (size_t)s];
            int64_t over = cg.cnt[c] - cf - (g->cap[s] - g->cnt[s]);
            int64_t cost = cf + (over > 0 ? over : 0);
            if (best == NIL || cost < best_cost) {
                best = s;
                best_cost = cost;
            }
        }
        SD_ASSERT(best != NIL); /* k <= S */
        map[c] = best;
        taken[best] = true;
    }

    /* Place in score order; what does not fit goes to `redo` (kept in score order). */
    int32_t *redo = xmalloc((nfr + 1) * sizeof(*redo));
    size_t nredo = 0;
    for (size_t i = 0; i < nfr; i++) {
        int32_t e = fr[i], c = cg.col[e];
        if (c != NIL) {
            int32_t s = map[c];
            if (fits(g, x->eu[e], s) && fits(g, x->ev[e], s) && has_room(g, s, 1)) {
                set_col(g, e, s);
                continue;
            }
        }
        redo[nredo++] = e;
    }
    eng_deinit(&cg);

    /* Re-insert, preferring slots already in use. */
    fill(g, redo, nredo);
    free(redo);
    free(taken);
    free(map);
    free(classes);
    free(conf);
}

void meet_sched_run(const struct meet_sched_input *in, struct meet_sched_result *out,
                    struct meet_sched_stats *stats)
{
    size_t nm = in->n_meetings;
    struct meet_sched_stats st;
    memset(&st, 0, sizeof(st));
    for (size_t i = 0; i < nm; i++)
        out[i] = (struct meet_sched_result){MEET_SCHED_NONE, MEET_SCHED_NONE, MEET_SCHED_NO_SLOT};
    SD_ASSERT(nm < INT32_MAX / 2);

    struct ctx x;
    memset(&x, 0, sizeof(x));
    x.in = in;
    x.S = in->slots > 0 ? in->slots : 0;
    x.T = in->tables > 0 ? in->tables : 0;

    /* Organizations -> 0..n-1. */
    int64_t *orgs = xmalloc((2 * nm + 1) * sizeof(*orgs));
    int32_t n = 0;
    for (size_t i = 0; i < nm; i++) {
        const struct meet_sched_meeting *mt = &in->meetings[i];
        if (mt->org_a == mt->org_b) {
            out[i].status = MEET_SCHED_SAME_ORG;
            continue;
        }
        orgs[n++] = mt->org_a;
        orgs[n++] = mt->org_b;
    }
    qsort(orgs, (size_t)n, sizeof(*orgs), i64_cmp);
    int32_t nu = 0;
    for (int32_t i = 0; i < n; i++)
        if (nu == 0 || orgs[nu - 1] != orgs[i])
            orgs[nu++] = orgs[i];
    n = nu;
    x.n = n;

    /* Duplicate pairs: the first in input order stays. */
    struct pair_key *pk = xmalloc((nm + 1) * sizeof(*pk));
    size_t np = 0;
    for (size_t i = 0; i < nm; i++) {
        const struct meet_sched_meeting *mt = &in->meetings[i];
        if (out[i].status == MEET_SCHED_SAME_ORG)
            continue;
        int64_t a = mt->org_a, b = mt->org_b;
        pk[np++] = (struct pair_key){a < b ? a : b, a < b ? b : a, (int32_t)i};
    }
    qsort(pk, np, sizeof(*pk), pair_cmp);
    x.eu = xmalloc((np + 1) * sizeof(*x.eu));
    x.ev = xmalloc((np + 1) * sizeof(*x.ev));
    x.meet = xmalloc((np + 1) * sizeof(*x.meet));
    int32_t *edge_of = xmalloc((nm + 1) * sizeof(*edge_of));
    for (size_t i = 0; i < nm; i++)
        edge_of[i] = NIL;
    for (size_t i = 0; i < np; i++) {
        if (i > 0 && pk[i].lo == pk[i - 1].lo && pk[i].hi == pk[i - 1].hi) {
            out[pk[i].idx].status = MEET_SCHED_DUPLICATE;
            continue;
        }
        edge_of[pk[i].idx] = 1;
    }
    int32_t m = 0;
    for (size_t i = 0; i < nm; i++) {
        if (edge_of[i] == NIL)
            continue;
        const struct meet_sched_meeting *mt = &in->meetings[i];
        x.eu[m] = org_index(orgs, n, mt->org_a);
        x.ev[m] = org_index(orgs, n, mt->org_b);
        x.meet[m] = (int32_t)i;
        edge_of[i] = m++;
    }
    x.m = m;
    free(pk);

    struct rank_key *rk = xmalloc(((size_t)m + 1) * sizeof(*rk));
    for (int32_t e = 0; e < m; e++) {
        const struct meet_sched_meeting *mt = &in->meetings[x.meet[e]];
        rk[e] = (struct rank_key){mt->score, mt->id, e};
    }
    qsort(rk, (size_t)m, sizeof(*rk), rank_cmp);
    x.rank = xmalloc(((size_t)m + 1) * sizeof(*x.rank));
    for (int32_t i = 0; i < m; i++)
        x.rank[i] = rk[i].e;
    free(rk);

    x.deg = xmalloc(((size_t)n + 1) * sizeof(*x.deg));
    x.fan.v = xmalloc(((size_t)n + 1) * sizeof(*x.fan.v));
    x.fan.e = xmalloc(((size_t)n + 1) * sizeof(*x.fan.e));
    x.fan.saved = xmalloc(((size_t)n + 1) * sizeof(*x.fan.saved));
    x.fan.mark = xcalloc((size_t)n + 1, sizeof(*x.fan.mark));

    st.meetings = (size_t)m;
    st.max_degree = max_degree(n, x.eu, x.ev, x.rank, (size_t)m, x.deg);
    st.bipartite = is_bipartite(n, x.eu, x.ev, x.rank, (size_t)m);
    if (x.T > 0) {
        int32_t bl = ceil_div(m, x.T);
        st.lower_bound = st.max_degree > bl ? st.max_degree : bl;
    }

    int32_t *slot_of = xmalloc(((size_t)m + 1) * sizeof(*slot_of));
    uint8_t *kept = xcalloc((size_t)m + 1, 1);
    bool *blocked = xcalloc((size_t)m + 1, sizeof(*blocked));
    bool *was_fixed = xcalloc((size_t)m + 1, sizeof(*was_fixed));
    for (int32_t e = 0; e < m; e++)
        slot_of[e] = NIL;

    if (x.S > 0 && x.T > 0 && m > 0) {
        int32_t S = x.S, T = x.T;
        /* Blocks and fixed meetings, if any, make it constrained. */
        uint8_t *unusable = NULL;
        bool any = false;
        for (size_t i = 0; i < in->n_blocks && !any; i++)
            any = in->blocks[i].slot >= 0 && in->blocks[i].slot < S &&
                  org_index(orgs, n, in->blocks[i].org_id) != NIL;
        for (int32_t e = 0; e < m && !any; e++)
            any = in->meetings[x.meet[e]].fixed_slot != MEET_SCHED_NONE;

        if (!any) {
            struct eng g;
            clean_colour(&x, x.rank, (size_t)m, &g);
            for (int32_t e = 0; e < m; e++)
                slot_of[e] = g.col[e];
            eng_deinit(&g);
        } else {
            unusable = xcalloc((size_t)n * (size_t)S + 1, 1);
            for (size_t i = 0; i < in->n_blocks; i++) {
                int32_t v = org_index(orgs, n, in->blocks[i].org_id);
                if (v != NIL && in->blocks[i].slot >= 0 && in->blocks[i].slot < S)
                    unusable[(size_t)v * (size_t)S + (size_t)in->blocks[i].slot] = 1;
            }
            struct eng g;
            eng_init(&g, n, m, S, x.eu, x.ev);
            int32_t *cap = xmalloc((size_t)S * sizeof(*cap));
            for (int32_t s = 0; s < S; s++)
                cap[s] = T;
            g.cap = cap;
            g.unusable = unusable;
            g.locked = kept;
            size_t nfix = 0;
            for (int32_t e = 0; e < m; e++)
                nfix += in->meetings[x.meet[e]].fixed_slot != MEET_SCHED_NONE;
            size_t ksz = 4;
            while (ksz < 2 * nfix + 2)
                ksz *= 2;
            struct keyset ks = {xcalloc(ksz, sizeof(uint64_t)), ksz - 1};
            /* Fixed meetings by score: kept while they break nothing. */
            for (int32_t i = 0; i < m; i++) {
                int32_t e = x.rank[i];
                const struct meet_sched_meeting *mt = &in->meetings[x.meet[e]];
                if (mt->fixed_slot == MEET_SCHED_NONE)
                    continue;
                was_fixed[e] = true;
                int32_t s = mt->fixed_slot, t = mt->fixed_table;
                if (s < 0 || s >= S || t < 0 || t >= T || !fits(&g, x.eu[e], s) ||
                    !fits(&g, x.ev[e], s) ||
                    !keyset_add(&ks, (uint64_t)s * (uint64_t)T + (uint64_t)t))
                    continue;
                set_col(&g, e, s);
                kept[e] = 1;
            }
            free(ks.keys);
            for (int32_t e = 0; e < m; e++)
                if (kept[e]) {
                    unusable[(size_t)x.eu[e] * (size_t)S + (size_t)g.col[e]] = 1;
                    unusable[(size_t)x.ev[e] * (size_t)S + (size_t)g.col[e]] = 1;
                }
            int32_t *fr = xmalloc(((size_t)m + 1) * sizeof(*fr));
            size_t nfr = 0;
            for (int32_t i = 0; i < m; i++)
                if (!kept[x.rank[i]])
                    fr[nfr++] = x.rank[i];
            /* Two strategies from the same fixed meetings; keep the better result. */
            struct eng g2;
            eng_init(&g2, n, m, S, x.eu, x.ev);
            g2.cap = cap;
            g2.unusable = unusable;
            g2.locked = kept;
            for (int32_t e = 0; e < m; e++)
                if (kept[e])
                    set_col(&g2, e, g.col[e]);
            map_classes(&x, &g, fr, nfr);
            fill(&g2, fr, nfr);
            struct eng *best = better(&g2, &g) ? &g2 : &g;
            for (int32_t e = 0; e < m; e++)
                slot_of[e] = best->col[e];
            /* Why a meeting failed: no slot where both are free of blocks and kept meetings. */
            for (int32_t e = 0; e < m; e++) {
                if (slot_of[e] != NIL)
                    continue;
                bool some = false;
                for (int32_t s = 0; s < S && !some; s++)
                    some = usable(&g, x.eu[e], s) && usable(&g, x.ev[e], s);
                blocked[e] = !some;
            }
            free(fr);
            free(cap);
            eng_deinit(&g2);
            eng_deinit(&g);
        }

        /* Tables: kept ones stay, the others take the lowest free table of their slot. */
        int32_t *slot_start = xcalloc((size_t)S + 2, sizeof(*slot_start));
        for (int32_t e = 0; e < m; e++)
            if (slot_of[e] != NIL)
                slot_start[slot_of[e] + 1]++;
        for (int32_t s = 0; s < S; s++)
            slot_start[s + 1] += slot_start[s];
        int32_t *by_slot = xmalloc(((size_t)m + 1) * sizeof(*by_slot));
        int32_t *fillp = xmalloc(((size_t)S + 1) * sizeof(*fillp));
        memcpy(fillp, slot_start, (size_t)S * sizeof(*fillp));
        /* Input order within a slot. */
        for (size_t i = 0; i < nm; i++) {
            int32_t e = edge_of[i];
            if (e != NIL && slot_of[e] != NIL)
                by_slot[fillp[slot_of[e]]++] = e;
        }
        uint8_t *used = xcalloc((size_t)T + 1, 1);
        for (int32_t s = 0; s < S; s++) {
            int32_t a = slot_start[s], b = slot_start[s + 1];
            SD_ASSERT(b - a <= T);
            if (b > a) {
                st.slots_used++;
                st.slot_span = s + 1;
            }
            for (int32_t k = a; k < b; k++)
                if (kept[by_slot[k]])
                    used[in->meetings[x.meet[by_slot[k]]].fixed_table] = 1;
            int32_t next = 0;
            for (int32_t k = a; k < b; k++) {
                int32_t e = by_slot[k];
                struct meet_sched_result *r = &out[x.meet[e]];
                r->slot = s;
                if (kept[e]) {
                    r->table = in->meetings[x.meet[e]].fixed_table;
                    r->status = MEET_SCHED_KEPT;
                    continue;
                }
                while (used[next])
                    next++;
                r->table = next++;
                r->status = was_fixed[e] ? MEET_SCHED_MOVED : MEET_SCHED_PLACED;
            }
            for (int32_t k = a; k < b; k++)
                used[out[x.meet[by_slot[k]]].table] = 0;
        }
        for (int32_t e = 0; e < m; e++)
            if (slot_of[e] == NIL)
                out[x.meet[e]].status = blocked[e] ? MEET_SCHED_BLOCKED : MEET_SCHED_NO_SLOT;
        free(used);
        free(fillp);
        free(by_slot);
        free(slot_start);
        free(unusable);
    }

    for (size_t i = 0; i < nm; i++)
        if (out[i].slot != MEET_SCHED_NONE)
            st.scheduled++;
    st.unscheduled = nm - st.scheduled;
    if (stats)
        *stats = st;

    free(was_fixed);
    free(blocked);
    free(kept);
    free(slot_of);
    free(x.fan.mark);
    free(x.fan.saved);
    free(x.fan.e);
    free(x.fan.v);
    free(x.deg);
    free(x.rank);
    free(edge_of);
    free(x.meet);
    free(x.ev);
    free(x.eu);
    free(orgs);
}

const char *meet_sched_status_name(enum meet_sched_status s)
{
    switch (s) {
    case MEET_SCHED_PLACED:
        return "placed";
    case MEET_SCHED_KEPT:
        return "kept";
    case MEET_SCHED_MOVED:
        return "moved";
    case MEET_SCHED_NO_SLOT:
        return "no_slot";
    case MEET_SCHED_BLOCKED:
        return "blocked";
    case MEET_SCHED_SAME_ORG:
        return "same_organization";
    case MEET_SCHED_DUPLICATE:
        return "duplicate";
    }
    return "unknown";
}
