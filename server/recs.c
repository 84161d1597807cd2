#include "server/recs.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "matching/exposure.h"
#include "matching/index.h"
#include "server/config.h"
#include "server/db.h"
#include "server/err.h"
#include "server/lcache.h"
#include "server/log.h"
#include "server/rds.h"
#include "server/timeutil.h"
#include "server/vocab.h"

#define LOAD_BATCH 2000
#define RECS_EXPOSURE_M 50 /* candidates each list's re-ranking looks at */
#define POLL_OVERLAP_S 2 /* re-read rows this much older than the newest seen: late commits */
#define ASSIGN_CHUNK 256   /* top-50 queries per read-lock hold while the assigner computes */
#define ASSIGN_WAIT_MS 1000 /* how long a request waits for the assignment of a changed index */
#define RCACHE_SLOTS 512    /* cached responses at most */
#define RCACHE_SHARDS 16
#define RCACHE_WAYS 4 /* slots per set: keys meeting in a set do not evict each other */
#define RCACHE_BODY_MAX (256 * 1024) /* a larger response is not kept */

/* The exposure assignment of the lists of one side's queries (matching/exposure.h). */
struct assign {
    int64_t *qids; /* ascending; query i's places are ex.places[i * k ..] */
    size_t nq;
    struct exposure_result ex;
};

struct recs {
    const struct config *cfg;
    pthread_rwlock_t lock; /* guards idx and the assignment */
    struct match_index *idx;
    int64_t mark; /* newest updated_at seen by the sync thread (DB clock) */
    double score_max;
    struct exposure_params ep;
    bool control; /* a cap or a floor is configured */
    /* The assignment of both sides, valid while the index generation is `agen`. Computed by the
     * assigner thread, never by a request: it compacts the index (write lock, O(postings)),
     * computes the top-50 lists under the read lock in chunks (giving up and starting again when
     * the index changed in between), runs the greedy without a lock, and swaps the result in
     * under the write lock (O(1)). */
    struct assign as[2]; /* by the side of the queries */
    uint64_t agen;
    bool avalid;
    bool over; /* more open projects than match_exposure_max_projects: control off */
    bool loaded; /* recs_load done: the assigner starts then (under the lock) */
    /* The assigner thread: `dirty` wakes it (under mu); every swap bumps `done_seq` and
     * broadcasts `done` to the requests waiting for it. */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    bool dirty, stop, started;
    uint64_t done_seq;
    pthread_t thread;
    /* Incremental upkeep (the assigner's own, except `pend`): the best-50 lists of every query
     * under the IDF snapshot of epoch `epoch` (shared through Redis), and the ids changed since
     * they were last brought up to date (appended under the write lock by every change). */
    struct exposure_lists *lists;
    bool lists_ok; /* built under the snapshot held now */
    /* A full build is under way (start, new epoch): requests do not wait for it, they use the
     * previous assignment. */
    atomic_bool building;
    int64_t *pend;
    size_t npend, pend_cap;
    uint64_t epoch; /* 0: none yet; RECS_EPOCH_LOCAL: a local snapshot (Redis was away) */
    struct rds *rds; /* the assigner thread's connection */
    double next_epoch_check;
    /* The rows applied lately (updated_at within the poll's overlap of the mark): id -> a hash
     * of the row as applied. The poll re-reads the last POLL_OVERLAP_S seconds every time; an
     * unchanged row is not applied again, else the index generation would move every second
     * for ever after the last change and every request would wait for a new assignment. Under
     * the write lock. */
    struct seen *seen;
    size_t nseen, seen_cap; /* open addressing, seen_cap a power of two (0: empty) */
    /* The response cache (recs.h): direct-mapped slots, each shard of them under its mutex. */
    atomic_uint_fast64_t aux;
    atomic_bool aux_up;
    /* Beats (recs.h): when the last beat of ours that came back was sent (time_mono_us; 0:
     * none), what tells ours from other instances', and the sync thread's own state for them. */
    atomic_int_fast64_t aux_heard_us;
    uint64_t nonce;
    atomic_bool aux_unsent; /* a change's PUBLISH failed: the next beat sends one */
    struct rds *beat_rds;
    int64_t next_beat_us;
    pthread_mutex_t cmu[RCACHE_SHARDS];
    struct rcache_entry *slots;
};

struct rcache_entry {
    struct recs_ckey key;
    struct recs_stamp st;
    int64_t at_us; /* 0: empty */
    struct lcache_body *body; /* one reference held by the entry */
};

struct seen {
    int64_t id; /* 0: a free slot */
    int64_t up;
    uint64_t hash;
};

#define RECS_EPOCH_LOCAL UINT64_MAX

/* What the index needs of a project row. */
#define RECS_SELECT                                                                                \
    "SELECT id, org_id, side, stage, sector, zone, tags, budget_min, budget_max, title,"           \
    " description, status, updated_at FROM projects"
enum {
    RC_ID,
    RC_ORG,
    RC_SIDE,
    RC_STAGE,
    RC_SECTOR,
    RC_ZONE,
    RC_TAGS,
    RC_BMIN,
    RC_BMAX,
    RC_TITLE,
    RC_DESC,
    RC_STATUS,
    RC_UPDATED
};

static void *assigner_main(void *arg);

static double mono_s(void)
{
    return (double)time_mono_us() / 1e6;
}

struct recs *recs_new(const struct config *cfg)
{
    struct recs *rc = xcalloc(1, sizeof(*rc));
    rc->cfg = cfg;
    struct match_weights w = match_weights_default();
    w.tag = cfg->match_weight_tag;
    w.text = cfg->match_weight_text;
    w.sector = cfg->match_weight_sector;
    w.zone = cfg->match_weight_zone;
    w.budget = cfg->match_weight_budget;
    w.stage = cfg->match_weight_stage;
    const char *bad = NULL;
    if (match_weights_validate(&w, &bad) != 0) {
        log_warn("match weight %s is invalid; using the defaults", bad ? bad : "?");
        w = match_weights_default();
    }
    rc->idx = match_index_new(&w);
    match_index_set_auto_compact(rc->idx, false); /* the assigner compacts aside: compact_aside() */
    rc->score_max = w.tag + w.text + w.sector + w.zone + w.budget + w.stage;
    rc->ep = (struct exposure_params){
        .k = (size_t)cfg->match_exposure_places,
        .cap_factor = cfg->match_exposure_cap,
        .floor = (size_t)cfg->match_exposure_floor,
        .floor_min_score = cfg->match_exposure_floor_min_score,
        .floor_slack = cfg->match_exposure_floor_slack,
    };
    if (rc->ep.k == 0)
        rc->ep.k = 10;
    rc->control = rc->ep.cap_factor > 0 || rc->ep.floor > 0;
    pthread_rwlock_init(&rc->lock, NULL);
    pthread_mutex_init(&rc->mu, NULL);
    pthread_cond_init(&rc->work, NULL);
    pthread_cond_init(&rc->done, NULL);
    for (size_t i = 0; i < RCACHE_SHARDS; i++)
        pthread_mutex_init(&rc->cmu[i], NULL);
    rc->slots = xcalloc(RCACHE_SLOTS, sizeof(*rc->slots));
    if (getrandom(&rc->nonce, sizeof(rc->nonce), 0) != (ssize_t)sizeof(rc->nonce))
        rc->nonce = (uint64_t)time_mono_us() ^ (uint64_t)getpid() << 32;
    if (rc->control) {
        atomic_store(&rc->building, true); /* the first build: lists by score until it lands */
        rc->rds = rds_new(cfg);
        rc->lists = exposure_lists_new(RECS_EXPOSURE_M);
        if (pthread_create(&rc->thread, NULL, assigner_main, rc) == 0)
            rc->started = true;
        else
            log_warn("recs: the exposure assigner thread did not start: lists by score alone");
    }
    return rc;
}

static void assign_clear(struct recs *rc)
{
    for (int sd = 0; sd < 2; sd++) {
        free(rc->as[sd].qids);
        exposure_result_free(&rc->as[sd].ex);
        rc->as[sd].qids = NULL;
        rc->as[sd].nq = 0;
    }
    rc->avalid = false;
}

void recs_free(struct recs *rc)
{
    if (!rc)
        return;
    if (rc->started) {
        pthread_mutex_lock(&rc->mu);
        rc->stop = true;
        pthread_cond_signal(&rc->work);
        pthread_mutex_unlock(&rc->mu);
        pthread_join(rc->thread, NULL);
    }
    pthread_mutex_destroy(&rc->mu);
    pthread_cond_destroy(&rc->work);
    pthread_cond_destroy(&rc->done);
    exposure_lists_free(rc->lists);
    if (rc->rds)
        rds_free(rc->rds);
    if (rc->beat_rds)
        rds_free(rc->beat_rds);
    free(rc->pend);
    free(rc->seen);
    for (size_t i = 0; i < RCACHE_SLOTS; i++)
        lcache_body_unref(rc->slots[i].body);
    free(rc->slots);
    for (size_t i = 0; i < RCACHE_SHARDS; i++)
        pthread_mutex_destroy(&rc->cmu[i]);
    assign_clear(rc);
    match_index_free(rc->idx);
    pthread_rwlock_destroy(&rc->lock);
    free(rc);
}

static const char *cell(const struct db_res *res, size_t row, size_t col)
{
    const char *s = db_get(res, row, col);
    return s ? s : "";
}

/* Notes a changed project for the incremental upkeep (caller holds the write lock). */
static void pend_add(struct recs *rc, int64_t id)
{
    if (!rc->control)
        return;
    if (rc->npend == rc->pend_cap) {
        rc->pend_cap = rc->pend_cap ? rc->pend_cap * 2 : 256;
        rc->pend = xrealloc(rc->pend, rc->pend_cap * sizeof(*rc->pend));
    }
    rc->pend[rc->npend++] = id;
}

/* Removes a project; one that is not indexed (already closed) is fine. */
static void remove_quiet(struct recs *rc, int64_t id)
{
    pend_add(rc, id);
    if (match_index_remove(rc->idx, id) != 0)
        log_debug("recs: project %lld was not indexed", (long long)id);
}

/* FNV-1a over every column of a RECS_SELECT row (a NULL differs from ""). */
static uint64_t row_hash(const struct db_res *res, size_t i)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t c = 0; c <= RC_UPDATED; c++) {
        const char *v = db_get(res, i, c);
        for (const char *q = v ? v : ""; *q; q++)
            h = (h ^ (unsigned char)*q) * 1099511628211ULL;
        h = (h ^ (v ? 0x1fu : 0x2fu)) * 1099511628211ULL;
    }
    return h;
}

static struct seen *seen_slot(struct seen *tab, size_t cap, int64_t id)
{
    size_t m = cap - 1, i = ((uint64_t)id * 0x9e3779b97f4a7c15ULL) & m;
    while (tab[i].id && tab[i].id != id)
        i = (i + 1) & m;
    return &tab[i];
}

/* Keeps the entries with updated_at >= keep_from, in a table at most half full for `more`
 * additions. */
static void seen_rebuild(struct recs *rc, int64_t keep_from, size_t more)
{
    size_t live = 0;
    for (size_t i = 0; i < rc->seen_cap; i++)
        live += rc->seen[i].id && rc->seen[i].up >= keep_from;
    size_t cap = 64;
    while (cap < 2 * (live + more))
        cap *= 2;
    struct seen *tab = xcalloc(cap, sizeof(*tab));
    for (size_t i = 0; i < rc->seen_cap; i++)
        if (rc->seen[i].id && rc->seen[i].up >= keep_from)
            *seen_slot(tab, cap, rc->seen[i].id) = rc->seen[i];
    free(rc->seen);
    rc->seen = tab;
    rc->seen_cap = cap;
    rc->nseen = live;
}

/* Notes a row as applied when the poll may read it again (caller holds the write lock). */
static void seen_note(struct recs *rc, const struct db_res *res, size_t i, int64_t id)
{
    int64_t up = db_get_time(res, i, RC_UPDATED);
    if (up < rc->mark - POLL_OVERLAP_S)
        return;
    if (2 * (rc->nseen + 1) > rc->seen_cap)
        seen_rebuild(rc, rc->mark - POLL_OVERLAP_S, rc->nseen + 1);
    struct seen *e = seen_slot(rc->seen, rc->seen_cap, id);
    if (!e->id)
        rc->nseen++;
    *e = (struct seen){.id = id, .up = up, .hash = row_hash(res, i)};
}

/* Whether the row is exactly as last applied (caller holds a lock). */
static bool seen_same(const struct recs *rc, const struct db_res *res, size_t i)
{
    if (!rc->seen_cap)
        return false;
    int64_t id = db_get_i64(res, i, RC_ID);
    const struct seen *e = seen_slot(rc->seen, rc->seen_cap, id);
    return e->id == id && e->hash == row_hash(res, i);
}

/* Applies one RECS_SELECT row to the index (caller holds the write lock). */
static void apply_row(struct recs *rc, const struct db_res *res, size_t i)
{
    int64_t id = db_get_i64(res, i, RC_ID);
    seen_note(rc, res, i, id);
    const char *status = db_get(res, i, RC_STATUS);
    if (!status || strcmp(status, "open") != 0) {
        remove_quiet(rc, id);
        return;
    }
    struct match_project p = {.id = id, .org_id = db_get_i64(res, i, RC_ORG)};
    if (match_side_parse(cell(res, i, RC_SIDE), &p.side) != 0 ||
        match_stage_parse(cell(res, i, RC_STAGE), &p.stage) != 0) {
        log_warn("recs: project %lld has a bad side or stage; not indexed", (long long)id);
        return;
    }
    p.sector = db_get(res, i, RC_SECTOR);
    p.zone = db_get(res, i, RC_ZONE);
    p.budget_min = db_get_i64(res, i, RC_BMIN);
    p.budget_max = db_get_i64(res, i, RC_BMAX);
    p.title = db_get(res, i, RC_TITLE);
    p.description = db_get(res, i, RC_DESC);
    const char *tags[MATCH_TAGS_MAX];
    cJSON *arr = cJSON_Parse(db_get(res, i, RC_TAGS) ? db_get(res, i, RC_TAGS) : "[]");
    const cJSON *t;
    cJSON_ArrayForEach(t, arr)
    {
        if (cJSON_IsString(t) && p.ntags < MATCH_TAGS_MAX)
            tags[p.ntags++] = t->valuestring;
    }
    p.tags = tags;
    pend_add(rc, id);
    if (match_index_upsert(rc->idx, &p) != 0)
        log_warn("recs: project %lld rejected by the index", (long long)id);
    cJSON_Delete(arr);
    int64_t up = db_get_time(res, i, RC_UPDATED);
    if (up > rc->mark)
        rc->mark = up;
}

/* Wakes the assigner: the index changed (call after releasing the write lock). */
static void assigner_kick(struct recs *rc)
{
    pthread_mutex_lock(&rc->mu);
    rc->dirty = true;
    pthread_cond_signal(&rc->work);
    pthread_mutex_unlock(&rc->mu);
}

static void apply_all(struct recs *rc, const struct db_res *res)
{
    pthread_rwlock_wrlock(&rc->lock);
    for (size_t i = 0; i < res->nrows; i++)
        apply_row(rc, res, i);
    pthread_rwlock_unlock(&rc->lock);
    assigner_kick(rc);
}

/* Compacts the index aside (issue 18): the new structures are prepared under the read lock
 * (requests go on), then swapped in under the write lock, which costs O(terms + the changes made
 * since the prepare) instead of O(postings). `mode`: COMPACT_PLAIN (match_index_compact),
 * COMPACT_FRESH (a new IDF snapshot from the live projects, held) or COMPACT_IMPORT (`blob`, as
 * match_index_idf_import). Returns 0 with the write lock HELD and *old set (the caller frees it
 * with match_compaction_free after unlocking), or the import's error with no lock held. */
enum { COMPACT_PLAIN, COMPACT_FRESH, COMPACT_IMPORT };

static int compact_aside(struct recs *rc, int mode, const char *blob, size_t len,
                         struct match_compaction **old)
{
    for (int attempt = 0;; attempt++) {
        struct match_compaction *c = NULL;
        int err = 0;
        bool aside = attempt < 3; /* then under the write lock: nothing can come in between */
        if (aside)
            pthread_rwlock_rdlock(&rc->lock);
        else
            pthread_rwlock_wrlock(&rc->lock);
        if (mode == COMPACT_IMPORT)
            err = match_index_compact_prepare_import(rc->idx, blob, len, &c);
        else if (mode == COMPACT_FRESH)
            c = match_index_compact_prepare_fresh(rc->idx);
        else
            c = match_index_compact_prepare(rc->idx);
        if (aside || err)
            pthread_rwlock_unlock(&rc->lock);
        if (err)
            return err;
        if (aside)
            pthread_rwlock_wrlock(&rc->lock);
        double t0 = mono_s();
        if (match_index_compact_swap(rc->idx, c) == 0) {
            double t = mono_s() - t0;
            if (t > 0.05)
                log_info("recs: compaction swapped in under the write lock in %.3f s", t);
            *old = c;
            return 0;
        }
        /* another compaction was swapped in meanwhile (only the assigner compacts: unexpected) */
        pthread_rwlock_unlock(&rc->lock);
        match_compaction_free(c);
    }
}

int recs_load(struct recs *rc, struct db *db)
{
    struct db_res res;
    enum { NOW_AT };
    int err = db_exec(db, &res, "SELECT UTC_TIMESTAMP()", "");
    if (err)
        return err;
    rc->mark = db_get_time(&res, 0, NOW_AT);
    db_res_clear(&res);
    int64_t after = 0;
    size_t total = 0;
    for (;;) {
        err = db_exec(db, &res, RECS_SELECT " WHERE status = 'open' AND id > ? ORDER BY id LIMIT ?",
                      "ii", after, (int64_t)LOAD_BATCH);
        if (err)
            return err;
        if (res.nrows == 0) {
            db_res_clear(&res);
            break;
        }
        after = db_get_i64(&res, res.nrows - 1, RC_ID);
        total += res.nrows;
        apply_all(rc, &res);
        db_res_clear(&res);
    }
    struct match_compaction *old = NULL;
    (void)compact_aside(rc, COMPACT_PLAIN, NULL, 0, &old); /* returns holding the write lock */
    size_t mem = match_index_memory(rc->idx);
    rc->loaded = true;
    pthread_rwlock_unlock(&rc->lock);
    match_compaction_free(old);
    assigner_kick(rc);
    log_info("recs: indexed %zu open projects (%zu KiB)", total, mem / 1024);
    return 0;
}

int recs_apply(struct recs *rc, struct db *db, int64_t id)
{
    struct db_res res;
    int err = db_exec(db, &res, RECS_SELECT " WHERE id = ?", "i", id);
    if (err)
        return err;
    pthread_rwlock_wrlock(&rc->lock);
    if (res.nrows)
        apply_row(rc, &res, 0);
    else
        remove_quiet(rc, id);
    pthread_rwlock_unlock(&rc->lock);
    assigner_kick(rc);
    db_res_clear(&res);
    return 0;
}

void recs_project_changed(struct recs *rc, struct db *db, struct rds *rds, int64_t id)
{
    if (recs_apply(rc, db, id) != 0)
        log_warn("recs: project %lld not refreshed now; the sync thread will", (long long)id);
    char chan[160], msg[32];
    rds_key(rds, chan, sizeof(chan), "%s", RECS_CHANNEL);
    snprintf(msg, sizeof(msg), "%lld", (long long)id);
    if (rds_cmd(rds, NULL, "PUBLISH %s %s", chan, msg) != 0)
        log_warn("recs: change of project %lld not published; other instances poll", (long long)id);
}

/* Re-reads what changed since the last look (a safety net for missed messages). The mark is
 * only touched by the sync thread (and by recs_load before it starts). */
void recs_poll(struct recs *rc, struct db *db)
{
    char since[TIME_BUF];
    pthread_rwlock_rdlock(&rc->lock); /* apply_row moves the mark under the write lock */
    int64_t mark = rc->mark;
    pthread_rwlock_unlock(&rc->lock);
    time_format_sql(mark - POLL_OVERLAP_S, since);
    struct db_res res;
    if (db_exec(db, &res, RECS_SELECT " WHERE updated_at >= ? ORDER BY updated_at", "s", since) !=
        0)
        return;
    /* Only the rows that differ from what was applied (the overlap re-reads the last ones). */
    bool any = false;
    pthread_rwlock_wrlock(&rc->lock);
    for (size_t i = 0; i < res.nrows; i++)
        if (!seen_same(rc, &res, i)) {
            apply_row(rc, &res, i);
            any = true;
        }
    if (rc->seen_cap > 64 && 8 * rc->nseen < rc->seen_cap)
        seen_rebuild(rc, rc->mark - POLL_OVERLAP_S, 0);
    pthread_rwlock_unlock(&rc->lock);
    if (any)
        assigner_kick(rc);
    db_res_clear(&res);
}

struct skip_set {
    const int64_t *ids;
    size_t n;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static bool skip_fn(void *arg, int64_t id)
{
    const struct skip_set *s = arg;
    return s->n && bsearch(&id, s->ids, s->n, sizeof(int64_t), cmp_i64) != NULL;
}

/* The parameters of a reason: what a client needs to say it in its own words. */
static cJSON *reason_params(const struct match_reasons *w, enum match_reason_code c)
{
    cJSON *p = cJSON_CreateObject();
    switch (c) {
    case MATCH_REASON_SHARED_TAGS: {
        cJSON *t = cJSON_AddArrayToObject(p, "tags");
        for (size_t i = 0; i < w->nshared_tags; i++)
            cJSON_AddItemToArray(t, cJSON_CreateString(w->shared_tags[i]));
        break;
    }
    case MATCH_REASON_SAME_SECTOR:
        cJSON_AddStringToObject(p, "sector", w->sector ? w->sector : "");
        break;
    case MATCH_REASON_BUDGET_OVERLAP:
        cJSON_AddStringToObject(p, "currency", "CNY");
        cJSON_AddNumberToObject(p, "low", (double)w->budget_lo);
        cJSON_AddNumberToObject(p, "high", (double)w->budget_hi);
        break;
    case MATCH_REASON_SAME_ZONE:
        cJSON_AddStringToObject(p, "zone", w->zone ? w->zone : "");
        break;
    case MATCH_REASON_STAGE_FIT:
        cJSON_AddStringToObject(p, "stage", match_stage_name(w->stage_query));
        cJSON_AddStringToObject(p, "candidate_stage", match_stage_name(w->stage_candidate));
        cJSON_AddNumberToObject(p, "fit", (double)(int)(w->stage_fit * 100 + 0.5) / 100);
        break;
    case MATCH_REASON_SIMILAR_TEXT:
        cJSON_AddNumberToObject(p, "similarity", (double)(int)(w->text_cos * 100 + 0.5) / 100);
        break;
    }
    return p;
}

/* Every factor of one candidate: [{code, weight, contribution}] in struct match_weights order
 * (components/schemas/Factor). */
static cJSON *factors_json(const struct match_reasons *w)
{
    struct match_factor f[MATCH_WEIGHT_COUNT];
    match_reasons_factors(w, f);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < MATCH_WEIGHT_COUNT; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", match_reason_code_name(f[i].code));
        cJSON_AddNumberToObject(o, "weight", f[i].weight);
        cJSON_AddNumberToObject(o, "contribution", f[i].contribution);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* The reasons of one candidate as the API gives them (caller holds the read lock: the strings
 * of `w` are the index's). */
static cJSON *reasons_json(const struct match_reasons *w, enum match_lang lang)
{
    enum lang l = lang == MATCH_LANG_EN ? LANG_EN : LANG_ZH;
    struct match_names names = {vocab_name(VOCAB_SECTOR, w->sector, l),
                                vocab_name(VOCAB_ZONE, w->zone, l)};
    size_t n;
    struct match_reason_line *lines = match_reasons_render(w, lang, &names, &n);
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", match_reason_code_name(lines[i].code));
        cJSON_AddItemToObject(o, "params", reason_params(w, lines[i].code));
        cJSON_AddStringToObject(o, "text", lines[i].text);
        cJSON_AddNumberToObject(o, "contribution", lines[i].contribution);
        cJSON_AddItemToArray(a, o);
    }
    match_reason_lines_free(lines, n);
    return a;
}

static void assign_free(struct assign *a)
{
    free(a->qids);
    exposure_result_free(&a->ex);
    memset(a, 0, sizeof(*a));
}

/* Whether requests may read the lists now (caller holds the lock): control is off, or the
 * assignment is that of the index as it is. */
static bool assign_current(const struct recs *rc)
{
    return !rc->control || !rc->started || !rc->loaded || rc->over || atomic_load(&rc->building) ||
           (rc->avalid && rc->agen == match_index_generation(rc->idx));
}

static void assign_done(struct recs *rc)
{
    pthread_mutex_lock(&rc->mu);
    rc->done_seq++;
    pthread_cond_broadcast(&rc->done);
    pthread_mutex_unlock(&rc->mu);
}

/* ---- the IDF snapshot every instance scores with ----
 *
 * Scores depend on the index's IDF table. To keep the lists of every instance alike and yet let
 * a change of one project move only the scores of the pairs involving it, the IDF is a held
 * snapshot shared through Redis: `<prefix>recs:idf:epoch` names the current epoch E and
 * `<prefix>recs:idf:E` holds its table (match_index_idf_export). Every instance imports the
 * current one (checked every second); one that finds none, or finds the open projects more than
 * 25 % (and 50) away from the count the snapshot was taken over, takes a new one from its index
 * and publishes it. Without Redis an instance holds a local snapshot until Redis answers. */

#define IDF_KEY_TTL "2592000" /* 30 days; an epoch not refreshed for that long is taken anew */

static bool idf_drifted(struct recs *rc)
{
    uint64_t basis = match_index_idf_basis(rc->idx);
    uint64_t live = match_index_count(rc->idx, MATCH_SUPPLY) +
                    match_index_count(rc->idx, MATCH_DEMAND);
    uint64_t d = live > basis ? live - basis : basis - live;
    return d > 50 && d * 4 > basis;
}

/* Takes a fresh snapshot from the index (compaction without the hold) and holds it; returns its
 * bytes. */
static char *idf_take(struct recs *rc, size_t *len)
{
    /* a fresh compaction holds what importing its own export would: what the others will have */
    struct match_compaction *old = NULL;
    (void)compact_aside(rc, COMPACT_FRESH, NULL, 0, &old); /* returns holding the write lock */
    char *blob = match_index_idf_export(rc->idx, len);
    rc->npend = 0;
    rc->lists_ok = false;
    atomic_store(&rc->building, true); /* before the lock is released: no request waits for it */
    pthread_rwlock_unlock(&rc->lock);
    match_compaction_free(old);
    return blob;
}

/* Brings the held IDF snapshot in line with Redis's (the assigner thread). */
static void idf_sync(struct recs *rc)
{
    double now = mono_s();
    if (rc->epoch != 0 && now < rc->next_epoch_check)
        return;
    rc->next_epoch_check = now + 1.0;
    char key[160], bkey[192];
    rds_key(rc->rds, key, sizeof(key), "recs:idf:epoch");
    struct rds_reply rep = {0};
    if (rds_cmd(rc->rds, &rep, "GET %s", key) != 0) {
        if (rc->epoch == 0) { /* Redis away at start: a local snapshot meanwhile */
            log_warn("recs: Redis not answering: a local IDF snapshot (instances may rank"
                     " slightly differently until it answers)");
            size_t len;
            free(idf_take(rc, &len));
            rc->epoch = RECS_EPOCH_LOCAL;
        }
        return;
    }
    uint64_t e = rep.type == RDS_STRING ? strtoull(rep.str, NULL, 10) : 0;
    rds_reply_clear(&rep);
    if (e != 0 && e != rc->epoch) {
        char num[32];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)e);
        rds_key(rc->rds, bkey, sizeof(bkey), "recs:idf:%s", num);
        struct rds_reply b = {0};
        if (rds_cmd(rc->rds, &b, "GET %s", bkey) == 0 && b.type == RDS_STRING) {
            struct match_compaction *old = NULL;
            int err = compact_aside(rc, COMPACT_IMPORT, b.str, b.len, &old);
            if (err == 0) { /* the write lock is held */
                rc->npend = 0;
                rc->lists_ok = false;
                atomic_store(&rc->building, true);
                pthread_rwlock_unlock(&rc->lock);
                match_compaction_free(old);
            }
            rds_reply_clear(&b);
            if (err == 0) {
                rc->epoch = e;
                rc->lists_ok = false;
                log_info("recs: IDF snapshot of epoch %s adopted", num);
                return;
            }
            log_warn("recs: IDF snapshot of epoch %s is malformed; taking a new one", num);
        } else {
            rds_reply_clear(&b);
        }
        e = 0; /* gone or malformed: publish anew */
    }
    pthread_rwlock_rdlock(&rc->lock);
    bool drift = e != 0 && idf_drifted(rc);
    pthread_rwlock_unlock(&rc->lock);
    if (e != 0 && !drift)
        return;
    /* none yet, or the open projects moved too far from its basis: publish a new epoch */
    char nkey[160];
    rds_key(rc->rds, nkey, sizeof(nkey), "recs:idf:next");
    struct rds_reply n = {0};
    if (rds_cmd(rc->rds, &n, "INCR %s", nkey) != 0 || n.type != RDS_INTEGER) {
        rds_reply_clear(&n);
        return;
    }
    char num[32];
    snprintf(num, sizeof(num), "%lld", n.integer);
    rds_reply_clear(&n);
    size_t len;
    char *blob = idf_take(rc, &len);
    rds_key(rc->rds, bkey, sizeof(bkey), "recs:idf:%s", num);
    if (rds_cmd(rc->rds, NULL, "SET %s %b EX %s", bkey, blob, len, IDF_KEY_TTL) == 0 &&
        rds_cmd(rc->rds, NULL, "SET %s %s EX %s", key, num, IDF_KEY_TTL) == 0) {
        rc->epoch = strtoull(num, NULL, 10);
        log_info("recs: IDF snapshot of epoch %s published (%zu bytes)", num, len);
    } else {
        rc->epoch = RECS_EPOCH_LOCAL;
    }
    free(blob);
}

/* One round of the assigner: the lists brought up to date (all of them after a new snapshot, in
 * chunks under the read lock; else only those the changed projects can affect), the greedy of
 * both sides without a lock, the result swapped in under the write lock in O(1). */
static void assign_round(struct recs *rc)
{
    pthread_rwlock_wrlock(&rc->lock);
    size_t total = match_index_count(rc->idx, MATCH_SUPPLY) +
                   match_index_count(rc->idx, MATCH_DEMAND);
    bool over = total > (size_t)rc->cfg->match_exposure_max_projects;
    if (over) { /* a stale assignment must not be used: plain lists */
        if (!rc->over)
            log_warn("recs: %zu open projects, above match_exposure_max_projects:"
                     " exposure control off", total);
        rc->over = true;
        assign_clear(rc);
        rc->npend = 0;
        rc->lists_ok = false;
        atomic_store(&rc->building, true);
        pthread_rwlock_unlock(&rc->lock);
        return;
    }
    rc->over = false;
    bool fresh = rc->avalid && rc->agen == match_index_generation(rc->idx);
    pthread_rwlock_unlock(&rc->lock);
    if (fresh && rc->lists_ok)
        return;

    if (!rc->lists_ok) {
        /* Every list, a chunk at a time; the changes made meanwhile are pending and are applied
         * incrementally below (a list computed before a change is corrected like any other). */
        pthread_rwlock_rdlock(&rc->lock);
        rc->npend = 0; /* writers append only under the write lock */
        exposure_lists_build_begin(rc->lists, rc->idx);
        pthread_rwlock_unlock(&rc->lock);
        size_t n = exposure_lists_build_size(rc->lists);
        for (size_t c = 0; c < n; c += ASSIGN_CHUNK) {
            pthread_rwlock_rdlock(&rc->lock);
            exposure_lists_build_step(rc->lists, rc->idx, c, ASSIGN_CHUNK);
            pthread_rwlock_unlock(&rc->lock);
        }
        rc->lists_ok = true;
    }
    bool was_building = atomic_load(&rc->building);
    pthread_rwlock_rdlock(&rc->lock);
    uint64_t gen = match_index_generation(rc->idx);
    size_t pools[2] = {match_index_count(rc->idx, MATCH_DEMAND),
                       match_index_count(rc->idx, MATCH_SUPPLY)};
    (void)exposure_lists_update(rc->lists, rc->idx, rc->pend, rc->npend);
    rc->npend = 0;
    pthread_rwlock_unlock(&rc->lock);

    struct assign na[2];
    memset(na, 0, sizeof(na));
    for (int qs = 0; qs < 2; qs++) {
        struct exposure_query *q;
        na[qs].nq = exposure_lists_queries(rc->lists, (enum match_side)qs, &q);
        na[qs].qids = xmalloc((na[qs].nq ? na[qs].nq : 1) * sizeof(int64_t));
        for (size_t i = 0; i < na[qs].nq; i++)
            na[qs].qids[i] = q[i].id;
        struct exposure_params ep = rc->ep;
        ep.pool = pools[qs];
        exposure_assign(q, na[qs].nq, &ep, &na[qs].ex);
        free(q);
    }
    pthread_rwlock_wrlock(&rc->lock);
    struct assign old[2] = {rc->as[0], rc->as[1]};
    rc->as[0] = na[0];
    rc->as[1] = na[1];
    rc->agen = gen; /* requests use it while the index is still at gen */
    rc->avalid = true;
    if (was_building)
        atomic_store(&rc->building, false);
    pthread_rwlock_unlock(&rc->lock);
    assign_free(&old[0]);
    assign_free(&old[1]);
}

static void *assigner_main(void *arg)
{
    struct recs *rc = arg;
    for (;;) {
        pthread_mutex_lock(&rc->mu);
        if (!rc->dirty && !rc->stop) { /* wake at least every second: the epoch check */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            (void)pthread_cond_timedwait(&rc->work, &rc->mu, &ts);
        }
        bool stop = rc->stop;
        rc->dirty = false;
        pthread_mutex_unlock(&rc->mu);
        if (stop)
            return NULL;
        pthread_rwlock_rdlock(&rc->lock);
        bool loaded = rc->loaded;
        pthread_rwlock_unlock(&rc->lock);
        if (!loaded)
            continue; /* a snapshot of a half-loaded index would be a poor one */
        double t0 = mono_s();
        pthread_rwlock_rdlock(&rc->lock);
        bool due = match_index_compact_due(rc->idx);
        pthread_rwlock_unlock(&rc->lock);
        if (due) { /* what upserts would do under the write lock, done aside */
            struct match_compaction *old = NULL;
            (void)compact_aside(rc, COMPACT_PLAIN, NULL, 0, &old);
            pthread_rwlock_unlock(&rc->lock);
            match_compaction_free(old);
        }
        idf_sync(rc);
        if (rc->epoch == 0)
            continue; /* no snapshot yet (Redis error other than down): next second */
        assign_round(rc);
        double t = mono_s() - t0;
        if (t > 0.05)
            log_debug("recs: exposure assignment brought up to date in %.3f s", t);
        assign_done(rc);
    }
}

/* Takes the read lock with the assignment of the index as it is. A request never computes it: a
 * request that finds the index changed since the last assignment waits for the assigner (at
 * most ASSIGN_WAIT_MS); past that it is served with the previous assignment (the items still
 * come from the current index: a closed project is never shown). */
static void rdlock_assigned(struct recs *rc)
{
    double deadline = mono_s() + ASSIGN_WAIT_MS / 1000.0;
    for (;;) {
        pthread_mutex_lock(&rc->mu);
        uint64_t seq = rc->done_seq;
        pthread_mutex_unlock(&rc->mu);
        pthread_rwlock_rdlock(&rc->lock);
        if (assign_current(rc))
            return;
        double left = deadline - mono_s();
        if (left <= 0)
            return;
        pthread_rwlock_unlock(&rc->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double w = left < 0.1 ? left : 0.1; /* also re-check now and then */
        ts.tv_sec += (time_t)w;
        ts.tv_nsec += (long)((w - (double)(time_t)w) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&rc->mu);
        while (rc->done_seq == seq) {
            if (pthread_cond_timedwait(&rc->done, &rc->mu, &ts) != 0)
                break;
        }
        pthread_mutex_unlock(&rc->mu);
    }
}

/* Query `id`'s assigned places (caller holds the lock), or NULL. */
static const struct exposure_place *assigned(const struct recs *rc, int64_t id, size_t *n)
{
    for (int sd = 0; sd < 2; sd++) {
        const struct assign *a = &rc->as[sd];
        const int64_t *p = a->nq ? bsearch(&id, a->qids, a->nq, sizeof(int64_t), cmp_i64) : NULL;
        if (p) {
            size_t i = (size_t)(p - a->qids);
            *n = a->ex.nplaces[i];
            return &a->ex.places[i * a->ex.k];
        }
    }
    *n = 0;
    return NULL;
}

/* Places project `id` takes in the lists of its counterparts, and the cap (caller holds the
 * lock). */
static size_t places_of(const struct recs *rc, int64_t id, size_t *demand, size_t *cap)
{
    for (int sd = 0; sd < 2; sd++) {
        size_t d = 0;
        if (!rc->avalid)
            break;
        size_t n = exposure_places_of(&rc->as[sd].ex, id, &d);
        if (n || d) {
            *demand = d;
            *cap = rc->as[sd].ex.cap;
            return n;
        }
    }
    *demand = 0;
    *cap = SIZE_MAX;
    return 0;
}

static bool in_window(const struct match_result *w, size_t n, int64_t id, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].id == id) {
            *at = i;
            return true;
        }
    return false;
}

/* The reason of an item held back by its exposure budget (components/schemas/Reason). */
static cJSON *exposure_reason(const struct recs_item *it, enum match_lang lang)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", "exposure_limited");
    cJSON *p = cJSON_AddObjectToObject(o, "params");
    cJSON_AddNumberToObject(p, "places", (double)it->places);
    cJSON_AddNumberToObject(p, "requested", (double)it->demand);
    cJSON_AddNumberToObject(p, "cap", it->cap == SIZE_MAX ? 0 : (double)it->cap);
    if (lang == MATCH_LANG_EN)
        cJSON_AddItemToObject(
            o, "text",
            cJSON_CreateString("shown less often: already highly requested (wanted by many "
                               "lists, at its exposure limit)"));
    else
        cJSON_AddItemToObject(o, "text",
                              cJSON_CreateString("曝光已较多，适当降低展示（已被较多推荐列表选中，"
                                                 "达到曝光上限）"));
    cJSON_AddNumberToObject(o, "contribution", 0);
    return o;
}

size_t recs_exposure(struct recs *rc, const int64_t *ids, size_t n, size_t *places)
{
    rdlock_assigned(rc);
    size_t cap = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t dem, c = SIZE_MAX;
        places[i] = rc->control ? places_of(rc, ids[i], &dem, &c) : 0;
        if (c != SIZE_MAX)
            cap = c;
    }
    if (cap == SIZE_MAX && rc->control && rc->avalid)
        cap = rc->as[0].ex.cap != SIZE_MAX ? rc->as[0].ex.cap : rc->as[1].ex.cap;
    pthread_rwlock_unlock(&rc->lock);
    return cap;
}

cJSON *recs_exposure_by_tier(struct recs *rc, const struct db_res *res, size_t id_col,
                             size_t tier_col)
{
    size_t n = res->nrows;
    int64_t *ids = xmalloc((n ? n : 1) * sizeof(*ids));
    size_t *pl = xmalloc((n ? n : 1) * sizeof(*pl));
    for (size_t i = 0; i < n; i++)
        ids[i] = db_get_i64(res, i, id_col);
    size_t cap = recs_exposure(rc, ids, n, pl);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "places", rc->ep.k);
    if (cap == SIZE_MAX)
        cJSON_AddNullToObject(o, "cap");
    else
        cJSON_AddNumberToObject(o, "cap", (double)cap);
    cJSON *arr = cJSON_AddArrayToObject(o, "by_tier");
    static const char *const order[] = {"leader", "innovative", "seed", "other"};
    /* the known tiers first, then any other code in the order met */
    const char **tiers = xmalloc((n + 4) * sizeof(*tiers));
    size_t nt = 0;
    for (size_t t = 0; t < 4; t++)
        tiers[nt++] = order[t];
    for (size_t i = 0; i < n; i++) {
        const char *t = cell(res, i, tier_col);
        bool seen = false;
        for (size_t j = 0; j < nt && !seen; j++)
            seen = strcmp(tiers[j], t) == 0;
        if (!seen)
            tiers[nt++] = t;
    }
    for (size_t j = 0; j < nt; j++) {
        size_t cnt = 0, sum = 0, mx = 0, never = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(cell(res, i, tier_col), tiers[j]) != 0)
                continue;
            cnt++;
            sum += pl[i];
            mx = pl[i] > mx ? pl[i] : mx;
            never += pl[i] == 0;
        }
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "tier", tiers[j]);
        cJSON_AddNumberToObject(t, "projects", (double)cnt);
        cJSON_AddNumberToObject(t, "places", (double)sum);
        cJSON_AddNumberToObject(t, "mean_places", cnt ? (double)sum / (double)cnt : 0.0);
        cJSON_AddNumberToObject(t, "max_places", (double)mx);
        cJSON_AddNumberToObject(t, "never_shown", (double)never);
        cJSON_AddItemToArray(arr, t);
    }
    free(tiers);
    free(ids);
    free(pl);
    return o;
}

int recs_recommend(struct recs *rc, int64_t project_id, size_t k, const int64_t *skip, size_t nskip,
                   struct recs_item *out, size_t *nout)
{
    *nout = 0;
    int64_t *sorted = xmalloc((nskip ? nskip : 1) * sizeof(int64_t));
    if (nskip)
        memcpy(sorted, skip, nskip * sizeof(int64_t));
    qsort(sorted, nskip, sizeof(int64_t), cmp_i64);
    struct skip_set set = {sorted, nskip};
    struct match_result *res = xcalloc(k ? k : 1, sizeof(*res));
    size_t n = 0;
    rdlock_assigned(rc);
    int err = match_index_topk(rc->idx, project_id, k, skip_fn, &set, res, &n);
    /* The list: first the places the assignment gave this query (still in the window: a vetoed
     * one is not), then the window's other items best first. A place a veto emptied goes to the
     * best item whose project is still under its cap. An item of the plain first places that
     * the assignment moved down is marked held back. */
    size_t places = rc->ep.k, na = 0, o = 0;
    const struct exposure_place *pl = rc->control ? assigned(rc, project_id, &na) : NULL;
    bool *used = xcalloc(n ? n : 1, sizeof(bool));
    for (size_t i = 0; err == 0 && pl && i < na && o < k; i++) {
        size_t at;
        if (in_window(res, n, pl[i].id, &at) && !used[at]) {
            used[at] = true;
            out[o++] = (struct recs_item){.id = res[at].id, .score = res[at].score};
        }
    }
    for (size_t i = 0; err == 0 && pl && o < places && o < na && i < n; i++) {
        size_t dem, cap;
        if (!used[i] && places_of(rc, res[i].id, &dem, &cap) < cap) {
            used[i] = true;
            out[o++] = (struct recs_item){.id = res[i].id, .score = res[i].score};
        }
    }
    size_t head = o;
    for (size_t i = 0; err == 0 && i < n && o < k; i++) {
        if (used[i])
            continue;
        out[o] = (struct recs_item){.id = res[i].id, .score = res[i].score};
        /* held back: in the plain first places, not in this list's */
        out[o].held_back = pl && i < places && head > 0;
        o++;
    }
    for (size_t i = 0; err == 0 && i < o; i++) {
        size_t dem = 0, cap = SIZE_MAX;
        out[i].places = pl ? places_of(rc, out[i].id, &dem, &cap) : 0;
        out[i].demand = dem;
        out[i].cap = cap;
    }
    pthread_rwlock_unlock(&rc->lock);
    free(used);
    if (err == 0)
        *nout = o;
    free(res);
    free(sorted);
    return err;
}

void recs_explain(struct recs *rc, int64_t project_id, struct recs_item *items, size_t n,
                  enum match_lang lang)
{
    pthread_rwlock_rdlock(&rc->lock);
    for (size_t i = 0; i < n; i++) {
        struct match_reasons why;
        cJSON_Delete(items[i].reasons);
        cJSON_Delete(items[i].factors);
        items[i].reasons = items[i].factors = NULL;
        if (match_index_explain(rc->idx, project_id, items[i].id, &why) == 0) {
            /* The index may have changed since recs_recommend (a compaction re-weighs every
             * vector): the score shown is the one the factors add up to. */
            items[i].score = why.score;
            items[i].reasons = reasons_json(&why, lang);
            if (items[i].held_back)
                cJSON_InsertItemInArray(items[i].reasons, 0, exposure_reason(&items[i], lang));
            items[i].factors = factors_json(&why);
        }
    }
    pthread_rwlock_unlock(&rc->lock);
}

void recs_items_free(struct recs_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON_Delete(items[i].reasons);
        cJSON_Delete(items[i].factors);
        items[i].reasons = items[i].factors = NULL;
    }
}

double recs_pair_score(struct recs *rc, int64_t a, int64_t b)
{
    struct match_reasons why;
    double s = 0;
    pthread_rwlock_rdlock(&rc->lock);
    if (match_index_explain(rc->idx, a, b, &why) == 0)
        s = why.score;
    pthread_rwlock_unlock(&rc->lock);
    return s;
}

double recs_score_max(const struct recs *rc)
{
    return rc->score_max;
}

/* ---- the response cache (recs.h) ---- */

bool recs_stamp(struct recs *rc, struct recs_stamp *st, bool nowait)
{
    if (!atomic_load(&rc->aux_up))
        return false;
    st->aux = atomic_load(&rc->aux);
    /* Only while the channel is known to deliver: a beat sent less than RECS_AUX_SILENCE_MS ago
     * came back, and so did every change published before it. */
    int64_t heard = atomic_load(&rc->aux_heard_us);
    if (!heard || time_mono_us() - heard >= (int64_t)RECS_AUX_SILENCE_MS * 1000)
        return false;
    if (nowait) {
        if (pthread_rwlock_tryrdlock(&rc->lock) != 0)
            return false;
    } else {
        pthread_rwlock_rdlock(&rc->lock);
    }
    /* Only an assignment that is current: one computed while a request would have waited for
     * the assigner must not outlive the wait. */
    bool ok = !rc->control || !rc->started || rc->over ||
              (rc->loaded && !atomic_load(&rc->building) && rc->avalid &&
               rc->agen == match_index_generation(rc->idx));
    st->gen = match_index_generation(rc->idx);
    st->agen = rc->avalid ? rc->agen : 0;
    ok = ok && rc->loaded;
    pthread_rwlock_unlock(&rc->lock);
    return ok;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static size_t ckey_slot(const struct recs_ckey *k)
{
    uint64_t h = mix64((uint64_t)k->project);
    h = mix64(h ^ (uint64_t)k->user);
    h = mix64(h ^ ((uint64_t)k->roles << 40 ^ (uint64_t)k->lang << 32 ^ (uint64_t)k->limit));
    h = mix64(h ^ (uint64_t)k->cursor[0]);
    h = mix64(h ^ (uint64_t)k->cursor[1] ^ (uint64_t)k->ncursor << 60);
    return (size_t)(h % (RCACHE_SLOTS / RCACHE_WAYS)) * RCACHE_WAYS;
}

static bool ckey_eq(const struct recs_ckey *a, const struct recs_ckey *b)
{
    return a->project == b->project && a->user == b->user && a->roles == b->roles &&
           a->lang == b->lang && a->limit == b->limit && a->ncursor == b->ncursor &&
           a->cursor[0] == b->cursor[0] && a->cursor[1] == b->cursor[1];
}

static bool stamp_eq(const struct recs_stamp *a, const struct recs_stamp *b)
{
    return a->gen == b->gen && a->agen == b->agen && a->aux == b->aux;
}

struct lcache_body *recs_cache_get(struct recs *rc, const struct recs_ckey *k,
                                   const struct recs_stamp *st)
{
    size_t set = ckey_slot(k);
    struct lcache_body *out = NULL;
    int64_t now = time_mono_us();
    pthread_mutex_t *mu = &rc->cmu[(set / RCACHE_WAYS) % RCACHE_SHARDS];
    pthread_mutex_lock(mu);
    for (size_t w = 0; w < RCACHE_WAYS && !out; w++) {
        const struct rcache_entry *e = &rc->slots[set + w];
        if (e->at_us && now - e->at_us < (int64_t)RECS_CACHE_MAX_AGE_MS * 1000 &&
            ckey_eq(&e->key, k) && stamp_eq(&e->st, st)) {
            out = e->body;
            atomic_fetch_add_explicit(&out->refs, 1, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(mu);
    return out;
}

void recs_cache_put(struct recs *rc, const struct recs_ckey *k, const struct recs_stamp *st,
                    const char *body, size_t len)
{
    if (len > RCACHE_BODY_MAX)
        return;
    struct lcache_body *b = xmalloc(sizeof(*b) + len + 1);
    atomic_init(&b->refs, 1);
    b->len = len;
    b->ctype = "application/json; charset=utf-8";
    memcpy(b->data, body, len);
    b->data[len] = '\0';
    size_t set = ckey_slot(k);
    pthread_mutex_t *mu = &rc->cmu[(set / RCACHE_WAYS) % RCACHE_SHARDS];
    pthread_mutex_lock(mu);
    /* The slot of the same key, else the oldest of the set. */
    struct rcache_entry *e = &rc->slots[set];
    for (size_t w = 0; w < RCACHE_WAYS; w++) {
        struct rcache_entry *x = &rc->slots[set + w];
        if (x->at_us && ckey_eq(&x->key, k)) {
            e = x;
            break;
        }
        if (x->at_us < e->at_us)
            e = x;
    }
    struct lcache_body *old = e->body;
    *e = (struct rcache_entry){.key = *k, .st = *st, .at_us = time_mono_us(), .body = b};
    pthread_mutex_unlock(mu);
    lcache_body_unref(old);
}

#define BEAT_FMT "beat %016llx %lld" /* nonce, time_mono_us when sent */

void recs_aux_heard(struct recs *rc, const char *msg)
{
    unsigned long long nonce;
    long long sent;
    if (strncmp(msg, "beat ", 5) == 0) {
        /* Everything published before it has been heard (one connection, in order). Another
         * instance's beat says nothing about our connection. */
        if (sscanf(msg, BEAT_FMT, &nonce, &sent) != 2 || nonce != rc->nonce)
            return;
        /* (A beat Redis held back comes after newer ones sent on a new connection.) */
        int_fast64_t cur = atomic_load(&rc->aux_heard_us);
        while (cur < (int_fast64_t)sent &&
               !atomic_compare_exchange_weak(&rc->aux_heard_us, &cur, (int_fast64_t)sent))
            ;
        return;
    }
    atomic_fetch_add(&rc->aux, 1);
}

void recs_aux_link(struct recs *rc, bool up)
{
    atomic_fetch_add(&rc->aux, 1); /* what was published meanwhile was not heard */
    atomic_store(&rc->aux_up, up);
}

static int aux_publish(struct rds *rds, const char *msg)
{
    char chan[160];
    rds_key(rds, chan, sizeof(chan), "%s", RECS_AUX_CHANNEL);
    return rds_cmd(rds, NULL, "PUBLISH %s %s", chan, msg);
}

void recs_aux_beat(struct recs *rc)
{
    int64_t now = time_mono_us();
    if (now < rc->next_beat_us)
        return;
    rc->next_beat_us = now + (int64_t)RECS_AUX_BEAT_MS * 1000;
    if (!rc->beat_rds)
        rc->beat_rds = rds_new(rc->cfg);
    /* A change whose own PUBLISH failed first, so that the beat after it covers it. */
    if (atomic_exchange(&rc->aux_unsent, false) && aux_publish(rc->beat_rds, "1") != 0) {
        atomic_store(&rc->aux_unsent, true);
        return;
    }
    char msg[64];
    snprintf(msg, sizeof(msg), BEAT_FMT, (unsigned long long)rc->nonce, (long long)now);
    if (aux_publish(rc->beat_rds, msg) != 0)
        return; /* no beat: the cache goes unused once the last one is RECS_AUX_SILENCE_MS old */
}

void recs_aux_changed(struct recs *rc, struct rds *rds)
{
    atomic_fetch_add(&rc->aux, 1);
    if (aux_publish(rds, "1") != 0) {
        atomic_store(&rc->aux_unsent, true);
        log_warn("recs: a change of interests or members not published; the next beat sends it");
    }
}
