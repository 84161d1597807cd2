#ifndef SUMMITD_SERVER_NETADDR_H
#define SUMMITD_SERVER_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

/* Client addresses behind trusted proxies, and the keys per-address limits count under. Pure
 * (libc only): the loop calls netaddr_client() on each request, the login limits call
 * netaddr_limit_key(). */

/* A list of IPv4 and IPv6 networks (CIDRs). */
struct netaddr_acl;

/* Longest text netaddr_client() and netaddr_limit_key() write, with the NUL. */
#define NETADDR_TEXT_MAX 48

/* Parses a list of networks separated by commas and/or spaces: "10.0.0.0/8, 2001:db8::/32,
 * 127.0.0.1" (a bare address is one host). Returns 0 with *out (NULL for an empty list; caller
 * frees with netaddr_acl_free), or -1 with a message naming the bad entry in err. */
int netaddr_acl_parse(const char *list, struct netaddr_acl **out, char *err, size_t errlen);
void netaddr_acl_free(struct netaddr_acl *a);
/* Whether the address (text) lies in one of the networks; false for NULL a or a non-address. */
bool netaddr_acl_has(const struct netaddr_acl *a, const char *addr);

/* The client of a request that arrived from `peer`. When peer is in `trusted`, the
 * X-Forwarded-For values (xff[0..nxff), in the order received; each a comma-separated list) are
 * read from the right and the first address not in `trusted` is the client: the right-most
 * entry is what the nearest proxy saw, entries further left are only as good as the proxies that
 * appended them, and anything the client wrote itself lies left of all of them. When every entry
 * is trusted, the left-most is the client. An unparsable entry stops the walk (the last good
 * address is kept). Otherwise the client is the peer. Writes the address in canonical text
 * (inet_ntop; IPv4-mapped IPv6 as IPv4), or peer unchanged when it is not an address. */
void netaddr_client(const struct netaddr_acl *trusted, const char *peer, const char *const *xff,
                    size_t nxff, char *out, size_t outlen);

/* The key a per-address limit counts under: an IPv4 address itself, an IPv6 address by its /64
 * (one subscriber usually holds a whole /64), anything else as given. */
void netaddr_limit_key(const char *addr, char *out, size_t outlen);

#endif
