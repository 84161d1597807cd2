#include "matching/meeting_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* ---- step 1: candidates, and the stored plan laid over them ---- */

/* A match on its pair (a < b). */
struct row {
    int64_t a, b, match_id;
    double score;
};

static int cmp_row(const void *x, const void *y)
{
    const struct row *p = x, *q = y;
    if (p->a != q->a)
        return cmp_i64(p->a, q->a);
    if (p->b != q->b)
        return cmp_i64(p->b, q->b);
    return cmp_i64(p->match_id, q->match_id);
}

static int cmp_pair(const void *x, const void *y)
{
    const struct mplan_pair *p = x, *q = y;
    if (p->org_a != q->org_a)
        return cmp_i64(p->org_a, q->org_a);
    return cmp_i64(p->org_b, q->org_b);
}

static int cmp_meeting_id(const void *x, const void *y)
{
    const struct mplan_meeting *p = x, *q = y;
    return cmp_i64(p->id, q->id);
}

static int cmp_link(const void *x, const void *y)
{
    const struct mplan_link *p = x, *q = y;
    if (p->meeting_id != q->meeting_id)
        return cmp_i64(p->meeting_id, q->meeting_id);
    return cmp_i64(p->match_id, q->match_id);
}

/* Slot id -> index. */
struct slot_ix {
    int64_t id;
    int32_t index;
};

static int cmp_slot_ix(const void *x, const void *y)
{
    const struct slot_ix *p = x, *q = y;
    return cmp_i64(p->id, q->id);
}

static int32_t slot_index_of(const struct slot_ix *ix, size_t n, int64_t id)
{
    struct slot_ix key = {.id = id};
    const struct slot_ix *hit = n ? bsearch(&key, ix, n, sizeof(*ix), cmp_slot_ix) : NULL;
    return hit ? hit->index : MEET_SCHED_NONE;
}

/* The matches grouped into pairs (p->pairs, p->match_ids), each pair scored by its best. */
static void group_matches(struct mplan *p, const struct mplan_match *m, size_t n)
{
    struct row *rows = xcalloc(n ? n : 1, sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        int64_t x = m[i].org_x, y = m[i].org_y;
        rows[i] = (struct row){
            .a = x < y ? x : y, .b = x < y ? y : x, .match_id = m[i].id, .score = m[i].score};
    }
    if (n > 1)
        qsort(rows, n, sizeof(*rows), cmp_row);
    p->match_ids = xcalloc(n ? n : 1, sizeof(*p->match_ids));
    p->n_matches = n;
    p->pairs = xcalloc(n ? n : 1, sizeof(*p->pairs));
    for (size_t i = 0; i < n;) {
        struct mplan_pair *c = &p->pairs[p->n_pairs++];
        *c = (struct mplan_pair){.org_a = rows[i].a,
                                 .org_b = rows[i].b,
                                 .m0 = i,
                                 .score = rows[i].score,
                                 .fixed_slot = MEET_SCHED_NONE,
                                 .fixed_table = MEET_SCHED_NONE,
                                 .sched = -1,
                                 .slot = MEET_SCHED_NONE,
                                 .table = MEET_SCHED_NONE};
        for (; i < n && rows[i].a == c->org_a && rows[i].b == c->org_b; i++) {
            if (isnan(c->score) || rows[i].score > c->score)
                c->score = rows[i].score;
            p->match_ids[i] = rows[i].match_id;
            c->nm++;
        }
    }
    free(rows);
}

/* Whether the stored links of c's meeting (sorted) are exactly its matches. */
static bool links_same(const struct mplan *p, const struct mplan_pair *c,
                       const struct mplan_link *links, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (links[mid].meeting_id < c->meeting_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = 0;
    for (; lo < n && links[lo].meeting_id == c->meeting_id; lo++, k++)
        if (k >= c->nm || links[lo].match_id != p->match_ids[c->m0 + k])
            return false;
    return k == c->nm;
}

/* Lays the stored meetings (sorted by id) over the pairs. */
static void lay_meetings(struct mplan *p, const struct mplan_meeting *mt, size_t n,
                         const struct slot_ix *six, size_t ns)
{
    p->removed = xcalloc(n ? n : 1, sizeof(*p->removed));
    for (size_t i = 0; i < n; i++) {
        struct mplan_pair *c = mplan_find(p, mt[i].org_a, mt[i].org_b);
        if (mt[i].cancelled) {
            if (c)
                c->cancelled_id = mt[i].id;
            continue;
        }
        if (!c) {
            p->removed[p->n_removed++] =
                (struct mplan_removed){.id = mt[i].id, .org_a = mt[i].org_a, .org_b = mt[i].org_b};
            continue;
        }
        c->meeting_id = mt[i].id;
        c->old_score = mt[i].score;
        c->fixed_slot = slot_index_of(six, ns, mt[i].slot_id);
        c->fixed_table = c->fixed_slot == MEET_SCHED_NONE ? MEET_SCHED_NONE : mt[i].table - 1;
    }
}

void mplan_init(struct mplan *p, const struct mplan_input *in)
{
    memset(p, 0, sizeof(*p));
    group_matches(p, in->matches, in->n_matches);

    struct slot_ix *six = xcalloc(in->n_slots ? in->n_slots : 1, sizeof(*six));
    for (size_t i = 0; i < in->n_slots; i++)
        six[i] = (struct slot_ix){.id = in->slot_ids[i], .index = (int32_t)i};
    if (in->n_slots > 1)
        qsort(six, in->n_slots, sizeof(*six), cmp_slot_ix);
    struct mplan_meeting *mt = xcalloc(in->n_meetings ? in->n_meetings : 1, sizeof(*mt));
    if (in->n_meetings)
        memcpy(mt, in->meetings, in->n_meetings * sizeof(*mt));
    if (in->n_meetings > 1)
        qsort(mt, in->n_meetings, sizeof(*mt), cmp_meeting_id);
    lay_meetings(p, mt, in->n_meetings, six, in->n_slots);
    free(mt);
    free(six);

    struct mplan_link *links = xcalloc(in->n_links ? in->n_links : 1, sizeof(*links));
    if (in->n_links)
        memcpy(links, in->links, in->n_links * sizeof(*links));
    if (in->n_links > 1)
        qsort(links, in->n_links, sizeof(*links), cmp_link);
    for (size_t i = 0; i < p->n_pairs; i++) {
        struct mplan_pair *c = &p->pairs[i];
        c->relink = c->meeting_id && !links_same(p, c, links, in->n_links);
    }
    free(links);
}

void mplan_deinit(struct mplan *p)
{
    free(p->pairs);
    free(p->match_ids);
    free(p->removed);
    memset(p, 0, sizeof(*p));
}

struct mplan_pair *mplan_find(const struct mplan *p, int64_t org_a, int64_t org_b)
{
    struct mplan_pair key = {.org_a = org_a, .org_b = org_b};
    return p->n_pairs ? bsearch(&key, p->pairs, p->n_pairs, sizeof(key), cmp_pair) : NULL;
}

/* ---- step 2: the scheduler's input ---- */

size_t mplan_sched_input(struct mplan *p, struct meet_sched_meeting *out)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_pairs; i++) {
        struct mplan_pair *c = &p->pairs[i];
        c->sched = -1;
        if (c->cancelled_id)
            continue;
        c->sched = (long)n;
        out[n++] = (struct meet_sched_meeting){
            .id = p->match_ids[c->m0],
            .org_a = c->org_a,
            .org_b = c->org_b,
            .score = c->score,
            .fixed_slot = c->fixed_slot,
            .fixed_table = c->fixed_slot == MEET_SCHED_NONE ? MEET_SCHED_NONE : c->fixed_table,
        };
    }
    return n;
}

/* ---- step 3: what the stored plan must do ---- */

static bool placed(enum meet_sched_status st)
{
    return st == MEET_SCHED_PLACED || st == MEET_SCHED_KEPT || st == MEET_SCHED_MOVED;
}

static enum mplan_action action_of(const struct mplan_pair *c, enum meet_sched_status st)
{
    if (!c->meeting_id)
        return placed(st) ? MPLAN_INSERT : MPLAN_NONE;
    if (!placed(st))
        return MPLAN_DROP;
    return st == MEET_SCHED_KEPT ? MPLAN_KEEP : MPLAN_MOVE;
}

void mplan_reconcile(struct mplan *p, const struct meet_sched_result *res)
{
    for (size_t i = 0; i < p->n_pairs; i++) {
        struct mplan_pair *c = &p->pairs[i];
        c->slot = c->table = MEET_SCHED_NONE;
        c->rescore = false;
        if (c->sched < 0) {
            c->action = MPLAN_CANCELLED;
            continue;
        }
        const struct meet_sched_result *r = &res[c->sched];
        c->status = r->status;
        c->action = action_of(c, r->status);
        if (mplan_scheduled(c)) {
            c->slot = r->slot;
            c->table = r->table;
        }
        c->rescore = c->action == MPLAN_KEEP && c->score != c->old_score;
    }
}

bool mplan_scheduled(const struct mplan_pair *c)
{
    return c->action == MPLAN_INSERT || c->action == MPLAN_KEEP || c->action == MPLAN_MOVE;
}
