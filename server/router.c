#include "server/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define MAX_SEGS 12

struct seg {
    const char *s; /* NULL for a capture */
    size_t len;
    const char *suffix; /* a capture's literal tail ("{secret}.ics"), or NULL */
    size_t suffix_len;
};

struct rentry {
    unsigned method;
    char *pattern;
    bool tail; /* the last capture takes every remaining segment */
    size_t nseg;
    struct seg seg[MAX_SEGS];
};

struct router {
    struct rentry *r;
    size_t n, cap;
};

struct router *router_new(void)
{
    return xcalloc(1, sizeof(struct router));
}

void router_free(struct router *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n; i++)
        free(rt->r[i].pattern);
    free(rt->r);
    free(rt);
}

static int add(struct router *rt, unsigned method, const char *pattern, bool tail)
{
    SD_ASSERT(pattern[0] == '/');
    if (rt->n == rt->cap) {
        rt->cap = rt->cap ? rt->cap * 2 : 32;
        rt->r = xrealloc(rt->r, rt->cap * sizeof(*rt->r));
    }
    struct rentry *e = &rt->r[rt->n];
    memset(e, 0, sizeof(*e));
    e->method = method;
    e->pattern = xstrdup(pattern);
    const char *p = e->pattern + 1;
    size_t ncap = 0;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        SD_ASSERT(len > 0 && e->nseg < MAX_SEGS);
        if (p[0] == '{') {
            const char *close = memchr(p, '}', len);
            SD_ASSERT(close && ncap < ROUTER_MAX_PARAMS);
            e->seg[e->nseg].s = NULL;
            if (close != p + len - 1) { /* "{name}.ext": the capture, then a literal tail */
                e->seg[e->nseg].suffix = close + 1;
                e->seg[e->nseg].suffix_len = (size_t)(p + len - close - 1);
            }
            ncap++;
        } else {
            e->seg[e->nseg].s = p;
        }
        e->seg[e->nseg++].len = len;
        p += len;
        if (*p == '/')
            p++;
    }
    e->tail = tail;
    SD_ASSERT(!tail || (e->nseg > 0 && !e->seg[e->nseg - 1].s && !e->seg[e->nseg - 1].suffix));
    return (int)rt->n++;
}

int router_add(struct router *rt, unsigned method, const char *pattern)
{
    return add(rt, method, pattern, false);
}

int router_add_tail(struct router *rt, unsigned method, const char *pattern)
{
    return add(rt, method, pattern, true);
}

int router_match(const struct router *rt, unsigned method, const char *path, size_t path_len,
                 struct route_match *m)
{
    struct seg in[MAX_SEGS + 1];
    size_t nin = 0;
    m->index = -1;
    m->nparams = 0;
    m->allowed = 0;
    if (path_len == 0 || path[0] != '/')
        return -1;
    /* Split the path once; a trailing slash or an empty segment never matches ("/" alone is no
     * segment at all). */
    size_t i = 1;
    while (path_len > 1 && i <= path_len) {
        size_t j = i;
        while (j < path_len && path[j] != '/')
            j++;
        if (nin == MAX_SEGS + 1)
            return -1;
        in[nin].s = path + i;
        in[nin++].len = j - i;
        i = j + 1;
    }
    unsigned want = method == HTTP_M_HEAD ? HTTP_M_GET : method;
    for (size_t k = 0; k < rt->n; k++) {
        const struct rentry *e = &rt->r[k];
        if (e->tail ? nin < e->nseg : e->nseg != nin)
            continue;
        size_t s;
        if (e->tail) { /* every remaining segment is non-empty */
            for (s = e->nseg; s < nin && in[s].len; s++)
                ;
            if (s != nin)
                continue;
        }
        for (s = 0; s < e->nseg; s++) {
            if (in[s].len == 0)
                break;
            if (e->seg[s].s &&
                (e->seg[s].len != in[s].len || memcmp(e->seg[s].s, in[s].s, in[s].len) != 0))
                break;
            size_t tail = e->seg[s].suffix_len; /* the capture must keep at least one byte */
            if (tail && (in[s].len <= tail ||
                         memcmp(in[s].s + in[s].len - tail, e->seg[s].suffix, tail) != 0))
                break;
        }
        if (s != e->nseg)
            continue;
        if (!(e->method & want)) {
            m->allowed |= e->method;
            continue;
        }
        m->index = (int)k;
        for (s = 0; s < e->nseg; s++) {
            if (!e->seg[s].s) {
                m->param[m->nparams] = in[s].s;
                m->param_len[m->nparams++] = in[s].len - e->seg[s].suffix_len;
            }
        }
        if (e->tail) /* the last capture runs to the end of the path */
            m->param_len[m->nparams - 1] = (size_t)(path + path_len - m->param[m->nparams - 1]);
        return 0;
    }
    if (m->allowed) {
        if (m->allowed & HTTP_M_GET)
            m->allowed |= HTTP_M_HEAD;
        return -2;
    }
    return -1;
}

static const char *const method_names[] = {"GET",    "POST", "PUT",    "PATCH",
                                           "DELETE", "HEAD", "OPTIONS"};

const char *router_method_name(unsigned method)
{
    for (unsigned i = 0; i < SD_ARRAY_LEN(method_names); i++)
        if (method == (1u << i))
            return method_names[i];
    return "?";
}

void router_methods_str(unsigned mask, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < SD_ARRAY_LEN(method_names); i++) {
        if (!(mask & (1u << i)))
            continue;
        int k = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", method_names[i]);
        if (k < 0 || (size_t)k >= len - n)
            break;
        n += (size_t)k;
    }
}

size_t router_count(const struct router *rt)
{
    return rt->n;
}

const char *router_pattern(const struct router *rt, int index)
{
    return rt->r[index].pattern;
}

unsigned router_method(const struct router *rt, int index)
{
    return rt->r[index].method;
}
