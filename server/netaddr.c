#include "server/netaddr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct addr {
    int family; /* AF_INET (4 bytes used) or AF_INET6 */
    unsigned char b[16];
};

struct net {
    struct addr a;
    int bits;
};

struct netaddr_acl {
    size_t n;
    struct net *nets;
};

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses exactly n bytes of s as an address; IPv4-mapped IPv6 becomes IPv4. */
static bool addr_parse(const char *s, size_t n, struct addr *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->b) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->b) != 1)
        return false;
    out->family = AF_INET6;
    if (memcmp(out->b, v4_mapped, sizeof(v4_mapped)) == 0) {
        memmove(out->b, out->b + 12, 4);
        memset(out->b + 4, 0, 12);
        out->family = AF_INET;
    }
    return true;
}

static void addr_text(const struct addr *a, char *out, size_t outlen)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family, a->b, buf, sizeof(buf)))
        buf[0] = '\0';
    snprintf(out, outlen, "%s", buf);
}

static bool net_has(const struct net *net, const struct addr *a)
{
    if (net->a.family != a->family)
        return false;
    int full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->a.b, a->b, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->a.b[full] & mask) == (a->b[full] & mask);
}

static bool acl_has(const struct netaddr_acl *acl, const struct addr *a)
{
    for (size_t i = 0; acl && i < acl->n; i++)
        if (net_has(&acl->nets[i], a))
            return true;
    return false;
}

int netaddr_acl_parse(const char *list, struct netaddr_acl **out, char *err, size_t errlen)
{
    *out = NULL;
    struct netaddr_acl *acl = xcalloc(1, sizeof(*acl));
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, ", \t");
        const char *slash = memchr(p, '/', n);
        struct net net;
        size_t alen = slash ? (size_t)(slash - p) : n;
        bool ok = addr_parse(p, alen, &net.a);
        int maxbits = ok && net.a.family == AF_INET ? 32 : 128;
        /* A mapped network (::ffff:a.b.c.d/n) counts its prefix in IPv6 bits. */
        bool mapped = ok && net.a.family == AF_INET && memchr(p, ':', alen);
        net.bits = maxbits;
        if (ok && slash) {
            char *end;
            long bits = strtol(slash + 1, &end, 10);
            if (end != p + n || end == slash + 1)
                ok = false;
            else if (mapped)
                bits -= 96;
            ok = ok && bits >= 0 && bits <= maxbits;
            net.bits = (int)bits;
        }
        /* Host bits beyond the prefix ("10.1.2.3/8") would say something else than they
         * mean: refuse them. */
        for (int b = net.bits; ok && b < maxbits; b++)
            ok = !(net.a.b[b / 8] & (0x80 >> (b % 8)));
        if (!ok) {
            snprintf(err, errlen, "'%.*s' is not an IPv4 or IPv6 network (address[/bits])",
                     (int)(n > 64 ? 64 : n), p);
            netaddr_acl_free(acl);
            return -1;
        }
        acl->nets = xrealloc(acl->nets, (acl->n + 1) * sizeof(*acl->nets));
        acl->nets[acl->n++] = net;
        p += n;
    }
    if (acl->n == 0) {
        netaddr_acl_free(acl);
        return 0;
    }
    *out = acl;
    return 0;
}

void netaddr_acl_free(struct netaddr_acl *a)
{
    if (!a)
        return;
    free(a->nets);
    free(a);
}

bool netaddr_acl_has(const struct netaddr_acl *a, const char *addr)
{
    struct addr x;
    return addr && addr_parse(addr, strlen(addr), &x) && acl_has(a, &x);
}

/* One X-Forwarded-For entry, trimmed: "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443",
 * "2001:db8::1", optionally in double quotes. */
static bool entry_parse(const char *s, size_t n, struct addr *out)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        return close && addr_parse(s + 1, (size_t)(close - s - 1), out);
    }
    const char *colon = memchr(s, ':', n);
    if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) && memchr(s, '.', n))
        n = (size_t)(colon - s); /* IPv4 with a port */
    return addr_parse(s, n, out);
}

void netaddr_client(const struct netaddr_acl *trusted, const char *peer, const char *const *xff,
                    size_t nxff, char *out, size_t outlen)
{
    struct addr cur;
    if (!addr_parse(peer, strlen(peer), &cur)) {
        snprintf(out, outlen, "%s", peer);
        return;
    }
    /* Walk the entries right to left while the address in hand is a trusted proxy. */
    for (size_t h = nxff; h-- > 0 && acl_has(trusted, &cur);) {
        const char *v = xff[h];
        size_t end = strlen(v);
        bool stop = false;
        while (acl_has(trusted, &cur)) {
            while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t' || v[end - 1] == ','))
                end--;
            if (end == 0)
                break; /* this header is used up: the one before it continues the list */
            size_t start = end;
            while (start > 0 && v[start - 1] != ',')
                start--;
            struct addr next;
            if (!entry_parse(v + start, end - start, &next)) {
                stop = true;
                break;
            }
            cur = next;
            end = start;
        }
        if (stop)
            break;
    }
    addr_text(&cur, out, outlen);
}

void netaddr_limit_key(const char *addr, char *out, size_t outlen)
{
    struct addr a;
    if (!addr_parse(addr, strlen(addr), &a)) {
        snprintf(out, outlen, "%s", addr);
        return;
    }
    if (a.family == AF_INET6) {
        memset(a.b + 8, 0, 8);
        char t[INET6_ADDRSTRLEN];
        addr_text(&a, t, sizeof(t));
        snprintf(out, outlen, "%s/64", t);
        return;
    }
    addr_text(&a, out, outlen);
}
