#include "matching/pitch_sched.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define MINUTE 60
#define NONE SIZE_MAX

/* A half-open busy interval [start, end) of the room or of a presenter. */
struct iv {
    int64_t start;
    int64_t end;
    int64_t ref;
};

/* Everything derived from the context, with times clamped into the session. */
struct prep {
    int64_t s0, s1;  /* session */
    struct iv *room; /* placed pitches, sorted by start */
    size_t n_room;
    struct iv *busy;   /* all busy entries sorted by (presenter, start) */
    int64_t *busy_who; /* presenter of busy[i] */
    size_t n_busy;
};

/* Per pitch to place: its length, its feasible window and its own busy list. */
struct job {
    int64_t len;
    int64_t lo;                    /* earliest grid start */
    int64_t hi_end;                /* latest end */
    enum pitch_sched_reason alone; /* PLACED when it could be placed in an empty room */
    struct iv *busy;               /* sorted by start; borrowed from the jobs' pool */
    size_t n_busy;
};

static int64_t clamp(int64_t x, int64_t lo, int64_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* The first grid minute s0 + 60k at or after x (x within [s0, s1]; returns s1 past the end). */
static int64_t grid_ceil(int64_t s0, int64_t s1, int64_t x)
{
    if (x <= s0)
        return s0;
    if (x >= s1)
        return s1;
    int64_t d = x - s0;
    return s0 + (d + MINUTE - 1) / MINUTE * MINUTE;
}

static int iv_cmp(const void *a, const void *b)
{
    const struct iv *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return (x->ref > y->ref) - (x->ref < y->ref);
}

struct busy_sort {
    int64_t who;
    struct iv iv;
};

static int busy_sort_cmp(const void *a, const void *b)
{
    const struct busy_sort *x = a, *y = b;
    if (x->who != y->who)
        return x->who < y->who ? -1 : 1;
    return iv_cmp(&x->iv, &y->iv);
}

static void prep_init(struct prep *pp, const struct pitch_sched_ctx *ctx)
{
    memset(pp, 0, sizeof(*pp));
    pp->s0 = ctx->session_start;
    pp->s1 = ctx->session_end > ctx->session_start ? ctx->session_end : ctx->session_start;
    pp->room = xcalloc(ctx->n_placed, sizeof(*pp->room));
    for (size_t i = 0; i < ctx->n_placed; i++) {
        const struct pitch_sched_placed *p = &ctx->placed[i];
        if (p->minutes <= 0)
            continue;
        int64_t st = clamp(p->start, pp->s0, pp->s1);
        int64_t en = p->start > pp->s1
                         ? pp->s1
                         : clamp(p->start + (int64_t)p->minutes * MINUTE, pp->s0, pp->s1);
        if (en > st)
            pp->room[pp->n_room++] = (struct iv){st, en, p->id};
    }
    qsort(pp->room, pp->n_room, sizeof(*pp->room), iv_cmp);

    struct busy_sort *bs = xcalloc(ctx->n_busy, sizeof(*bs));
    size_t nb = 0;
    for (size_t i = 0; i < ctx->n_busy; i++) {
        const struct pitch_sched_busy *b = &ctx->busy[i];
        int64_t st = clamp(b->start, pp->s0, pp->s1);
        int64_t en = clamp(b->end, pp->s0, pp->s1);
        if (en > st)
            bs[nb++] = (struct busy_sort){b->presenter_id, {st, en, b->ref_id}};
    }
    qsort(bs, nb, sizeof(*bs), busy_sort_cmp);
    pp->busy = xcalloc(nb, sizeof(*pp->busy));
    pp->busy_who = xcalloc(nb, sizeof(*pp->busy_who));
    for (size_t i = 0; i < nb; i++) {
        pp->busy[i] = bs[i].iv;
        pp->busy_who[i] = bs[i].who;
    }
    pp->n_busy = nb;
    free(bs);
}

static void prep_deinit(struct prep *pp)
{
    free(pp->room);
    free(pp->busy);
    free(pp->busy_who);
}

/* Earliest grid start t >= lo with t + len <= hi_end that overlaps none of the intervals of the
 * two lists (each sorted by start). */
static bool earliest_fit(int64_t s0, int64_t s1, int64_t lo, int64_t hi_end, int64_t len,
                         const struct iv *a, size_t na, const struct iv *b, size_t nb, int64_t *out)
{
    int64_t t = grid_ceil(s0, s1, lo);
    size_t i = 0, j = 0;
    for (;;) {
        if (t > hi_end - len)
            return false;
        const struct iv *next;
        if (i < na && (j >= nb || a[i].start <= b[j].start))
            next = &a[i++];
        else if (j < nb)
            next = &b[j++];
        else
            break;
        if (next->end <= t)
            continue;
        if (t + len <= next->start)
            break;
        t = grid_ceil(s0, s1, next->end);
    }
    *out = t;
    return true;
}

static bool overlaps_any(int64_t st, int64_t en, const struct iv *a, size_t n)
{
    for (size_t i = 0; i < n && a[i].start < en; i++)
        if (a[i].end > st)
            return true;
    return false;
}

/* Fills jobs[]; their busy lists live in the returned pool (caller frees). */
static struct iv *jobs_init(const struct prep *pp, const struct pitch_sched_pitch *pitches,
                            size_t n, struct job *jobs)
{
    size_t used = 0, cap = 16;
    struct iv *pool = xmalloc(cap * sizeof(*pool));
    size_t *first = xcalloc(n ? n : 1, sizeof(*first));
    for (size_t i = 0; i < n; i++) {
        const struct pitch_sched_pitch *p = &pitches[i];
        struct job *j = &jobs[i];
        memset(j, 0, sizeof(*j));
        if (p->minutes <= 0 || p->available_until < p->available_from) {
            j->alone = PITCH_SCHED_INVALID;
            continue;
        }
        j->len = (int64_t)p->minutes * MINUTE;
        if (j->len > pp->s1 - pp->s0) {
            j->alone = PITCH_SCHED_TOO_LONG;
            continue;
        }
        j->lo = grid_ceil(pp->s0, pp->s1, clamp(p->available_from, pp->s0, pp->s1));
        j->hi_end = clamp(p->available_until, pp->s0, pp->s1);
        if (j->lo > j->hi_end - j->len) {
            j->alone = PITCH_SCHED_OUTSIDE_AVAILABILITY;
            continue;
        }
        /* This presenter's busy entries: binary search the first one. */
        size_t lo = 0, hi = pp->n_busy;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (pp->busy_who[mid] < p->presenter_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        first[i] = used;
        for (size_t k = lo; k < pp->n_busy && pp->busy_who[k] == p->presenter_id; k++) {
            if (pp->busy[k].ref == p->id)
                continue;
            if (used == cap) {
                cap *= 2;
                pool = xrealloc(pool, cap * sizeof(*pool));
            }
            pool[used++] = pp->busy[k];
            j->n_busy++;
        }
        j->alone = PITCH_SCHED_PLACED;
    }
    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        if (j->alone != PITCH_SCHED_PLACED)
            continue;
        j->busy = pool + first[i];
        int64_t t;
        if (!earliest_fit(pp->s0, pp->s1, j->lo, j->hi_end, j->len, j->busy, j->n_busy, NULL, 0,
                          &t))
            j->alone = PITCH_SCHED_PRESENTER_BUSY;
    }
    free(first);
    return pool;
}

/* ---- first fit ---------------------------------------------------------------------------- */

struct order_key {
    size_t idx;
    int64_t k1, k2;
};

static int order_cmp(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->k1 != y->k1)
        return x->k1 < y->k1 ? -1 : 1;
    if (x->k2 != y->k2)
        return x->k2 < y->k2 ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

enum ff_order { FF_INPUT, FF_DEADLINE, FF_LONGEST, FF_TIGHTEST, FF_N };

/* First fit in the given order; starts[i] = start or INT64_MIN. Returns the count placed. */
static size_t first_fit(const struct prep *pp, const struct job *jobs, size_t n,
                        enum ff_order order, int64_t *starts)
{
    struct order_key *keys = xcalloc(n, sizeof(*keys));
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        starts[i] = INT64_MIN;
        const struct job *j = &jobs[i];
        if (j->alone != PITCH_SCHED_PLACED)
            continue;
        struct order_key k = {i, 0, 0};
        switch (order) {
        case FF_INPUT:
            break;
        case FF_DEADLINE:
            k.k1 = j->hi_end;
            k.k2 = -j->len;
            break;
        case FF_LONGEST:
            k.k1 = -j->len;
            k.k2 = j->hi_end;
            break;
        case FF_TIGHTEST:
        case FF_N:
            k.k1 = (j->hi_end - j->lo) - j->len;
            k.k2 = j->hi_end;
            break;
        }
        keys[nk++] = k;
    }
    qsort(keys, nk, sizeof(*keys), order_cmp);

    struct iv *room = xcalloc(pp->n_room + nk, sizeof(*room));
    memcpy(room, pp->room, pp->n_room * sizeof(*room));
    size_t n_room = pp->n_room, placed = 0;
    for (size_t k = 0; k < nk; k++) {
        const struct job *j = &jobs[keys[k].idx];
        int64_t t;
        if (!earliest_fit(pp->s0, pp->s1, j->lo, j->hi_end, j->len, room, n_room, j->busy,
                          j->n_busy, &t))
            continue;
        starts[keys[k].idx] = t;
        placed++;
        size_t pos = n_room;
        while (pos > 0 && room[pos - 1].start > t) {
            room[pos] = room[pos - 1];
            pos--;
        }
        room[pos] = (struct iv){t, t + j->len, 0};
        n_room++;
    }
    free(room);
    free(keys);
    return placed;
}

/* ---- same length: maximum matching of pitches to slots ------------------------------------- */

struct matcher {
    const size_t *off; /* slot s's pitches are adj[off[s] .. off[s+1]) */
    const size_t *adj;
    size_t *owner;  /* pitch -> slot or NONE */
    unsigned *seen; /* pitch -> stamp */
    unsigned stamp;
};

static bool augment(struct matcher *m, size_t s)
{
    for (size_t k = m->off[s]; k < m->off[s + 1]; k++) {
        size_t p = m->adj[k];
        if (m->seen[p] == m->stamp)
            continue;
        m->seen[p] = m->stamp;
        if (m->owner[p] == NONE || augment(m, m->owner[p])) {
            m->owner[p] = s;
            return true;
        }
    }
    return false;
}

/* Slots of length len: each free gap of the room cut from its first grid minute. */
static size_t make_slots(const struct prep *pp, int64_t len, int64_t **slots_out)
{
    size_t cap = 16, n = 0;
    int64_t *slots = xmalloc(cap * sizeof(*slots));
    int64_t a = pp->s0;
    for (size_t i = 0; i <= pp->n_room; i++) {
        int64_t gap_end = i < pp->n_room ? pp->room[i].start : pp->s1;
        for (int64_t t = grid_ceil(pp->s0, pp->s1, a); gap_end - t >= len; t += len) {
            if (n == cap) {
                cap *= 2;
                slots = xrealloc(slots, cap * sizeof(*slots));
            }
            slots[n++] = t;
        }
        if (i < pp->n_room && pp->room[i].end > a)
            a = pp->room[i].end;
    }
    *slots_out = slots;
    return n;
}

/* Kuhn's augmenting paths from the slot side in time order: slots once matched stay matched, so
 * the matched slot set is the earliest (greedy on the transversal matroid) and the matching is
 * maximum. Returns the count placed. */
static size_t match_same_length(const struct prep *pp, const struct job *jobs, size_t n,
                                int64_t len, int64_t *starts)
{
    int64_t *slots;
    size_t ns = make_slots(pp, len, &slots);
    size_t *off = xcalloc(ns + 1, sizeof(*off));
    size_t cap = 16, ne = 0;
    size_t *adj = xmalloc(cap * sizeof(*adj));
    for (size_t s = 0; s < ns; s++) {
        int64_t t = slots[s];
        for (size_t i = 0; i < n; i++) {
            const struct job *j = &jobs[i];
            if (j->alone != PITCH_SCHED_PLACED || t < j->lo || t + len > j->hi_end ||
                overlaps_any(t, t + len, j->busy, j->n_busy))
                continue;
            if (ne == cap) {
                cap *= 2;
                adj = xrealloc(adj, cap * sizeof(*adj));
            }
            adj[ne++] = i;
        }
        off[s + 1] = ne;
    }

    struct matcher m = {off, adj, xmalloc(n * sizeof(size_t)), xcalloc(n, sizeof(unsigned)), 1};
    size_t placed = 0, want = 0;
    for (size_t i = 0; i < n; i++) {
        m.owner[i] = NONE;
        want += jobs[i].alone == PITCH_SCHED_PLACED;
    }
    for (size_t s = 0; s < ns && placed < want; s++) {
        bool ok = false;
        /* A free pitch first: keeps input order when nothing forces otherwise. */
        for (size_t k = off[s]; k < off[s + 1] && !ok; k++)
            if (m.owner[adj[k]] == NONE) {
                m.owner[adj[k]] = s;
                ok = true;
            }
        if (!ok)
            ok = augment(&m, s);
        /* After a failed search the pitches it saw stay dead until the matching changes. */
        if (ok) {
            placed++;
            m.stamp++;
        }
    }
    for (size_t i = 0; i < n; i++)
        starts[i] = m.owner[i] == NONE ? INT64_MIN : slots[m.owner[i]];
    free(m.owner);
    free(m.seen);
    free(adj);
    free(off);
    free(slots);
    return placed;
}

size_t pitch_sched_run(const struct pitch_sched_ctx *ctx, const struct pitch_sched_pitch *pitches,
                       size_t n, struct pitch_sched_result *out)
{
    struct prep pp;
    prep_init(&pp, ctx);
    struct job *jobs = xcalloc(n, sizeof(*jobs));
    struct iv *pool = jobs_init(&pp, pitches, n, jobs);

    bool same = true;
    int64_t len = -1;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].alone != PITCH_SCHED_PLACED)
            continue;
        if (len >= 0 && jobs[i].len != len)
            same = false;
        len = jobs[i].len;
    }

    int64_t *best = xmalloc((n ? n : 1) * sizeof(*best));
    int64_t *cand = xmalloc((n ? n : 1) * sizeof(*cand));
    size_t best_n = 0;
    bool have = false;
    if (same && len > 0) {
        best_n = match_same_length(&pp, jobs, n, len, best);
        have = true;
    }
    for (int o = 0; o < FF_N; o++) {
        size_t c = first_fit(&pp, jobs, n, (enum ff_order)o, cand);
        if (!have || c > best_n) {
            int64_t *tmp = best;
            best = cand;
            cand = tmp;
            best_n = c;
            have = true;
        }
    }

    for (size_t i = 0; i < n; i++) {
        out[i].start = 0;
        if (have && best[i] != INT64_MIN) {
            out[i].start = best[i];
            out[i].reason = PITCH_SCHED_PLACED;
        } else {
            out[i].reason =
                jobs[i].alone == PITCH_SCHED_PLACED ? PITCH_SCHED_NO_FREE_SLOT : jobs[i].alone;
        }
    }
    free(best);
    free(cand);
    free(pool);
    free(jobs);
    prep_deinit(&pp);
    return best_n;
}

/* ---- clash check -------------------------------------------------------------------------- */

enum pitch_sched_clash pitch_sched_check(const struct pitch_sched_ctx *ctx,
                                         const struct pitch_sched_pitch *p, int64_t start,
                                         int64_t *clash_id)
{
    if (clash_id)
        *clash_id = 0;
    if (p->minutes <= 0 || p->available_until < p->available_from)
        return PITCH_SCHED_CLASH_INVALID;
    int64_t len = (int64_t)p->minutes * MINUTE;
    if (ctx->session_end <= ctx->session_start || start < ctx->session_start ||
        start > ctx->session_end || len > ctx->session_end - start)
        return PITCH_SCHED_CLASH_OUTSIDE_SESSION;
    int64_t end = start + len;
    if (start < p->available_from || end > p->available_until)
        return PITCH_SCHED_CLASH_OUTSIDE_AVAILABILITY;

    const struct pitch_sched_placed *hit = NULL;
    for (size_t i = 0; i < ctx->n_placed; i++) {
        const struct pitch_sched_placed *q = &ctx->placed[i];
        if (q->id == p->id || q->minutes <= 0 || q->start >= end)
            continue;
        /* q->start < end <= session_end, so its end cannot overflow for sane inputs. */
        if (q->start + (int64_t)q->minutes * MINUTE <= start)
            continue;
        if (!hit || q->start < hit->start || (q->start == hit->start && q->id < hit->id))
            hit = q;
    }
    if (hit) {
        if (clash_id)
            *clash_id = hit->id;
        return PITCH_SCHED_CLASH_ROOM;
    }

    const struct pitch_sched_busy *bh = NULL;
    for (size_t i = 0; i < ctx->n_busy; i++) {
        const struct pitch_sched_busy *b = &ctx->busy[i];
        if (b->presenter_id != p->presenter_id || b->ref_id == p->id || b->start >= end ||
            b->end <= start || b->end <= b->start)
            continue;
        if (!bh || b->start < bh->start || (b->start == bh->start && b->ref_id < bh->ref_id))
            bh = b;
    }
    if (bh) {
        if (clash_id)
            *clash_id = bh->ref_id;
        return PITCH_SCHED_CLASH_PRESENTER;
    }
    return PITCH_SCHED_CLASH_NONE;
}

const char *pitch_sched_reason_name(enum pitch_sched_reason r)
{
    switch (r) {
    case PITCH_SCHED_PLACED:
        return "placed";
    case PITCH_SCHED_INVALID:
        return "invalid";
    case PITCH_SCHED_TOO_LONG:
        return "too_long";
    case PITCH_SCHED_OUTSIDE_AVAILABILITY:
        return "outside_availability";
    case PITCH_SCHED_PRESENTER_BUSY:
        return "presenter_busy";
    case PITCH_SCHED_NO_FREE_SLOT:
        return "no_free_slot";
    }
    return "unknown";
}

const char *pitch_sched_clash_name(enum pitch_sched_clash c)
{
    switch (c) {
    case PITCH_SCHED_CLASH_NONE:
        return "none";
    case PITCH_SCHED_CLASH_INVALID:
        return "invalid";
    case PITCH_SCHED_CLASH_OUTSIDE_SESSION:
        return "outside_session";
    case PITCH_SCHED_CLASH_OUTSIDE_AVAILABILITY:
        return "outside_availability";
    case PITCH_SCHED_CLASH_ROOM:
        return "room_clash";
    case PITCH_SCHED_CLASH_PRESENTER:
        return "presenter_clash";
    }
    return "unknown";
}
