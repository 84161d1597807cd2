/* server/netaddr.c: trusted-proxy lists, the client behind them, per-address limit keys. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "server/netaddr.h"

static struct netaddr_acl *acl_of(const char *list)
{
    struct netaddr_acl *a = NULL;
    char err[160] = "";
    cr_assert_eq(netaddr_acl_parse(list, &a, err, sizeof(err)), 0, "'%s': %s", list, err);
    return a;
}

Test(netaddr, parses_networks_and_matches_addresses)
{
    struct netaddr_acl *a = acl_of("10.0.0.0/8, 192.168.1.7 ,2001:db8::/32\t127.0.0.1/32");
    cr_assert(netaddr_acl_has(a, "10.200.3.4"));
    cr_assert(netaddr_acl_has(a, "192.168.1.7"));
    cr_assert_not(netaddr_acl_has(a, "192.168.1.8"));
    cr_assert(netaddr_acl_has(a, "2001:db8:ffff::1"));
    cr_assert_not(netaddr_acl_has(a, "2001:db9::1"));
    cr_assert(netaddr_acl_has(a, "::ffff:10.1.1.1"), "IPv4-mapped IPv6 is IPv4");
    cr_assert(netaddr_acl_has(a, "127.0.0.1"));
    cr_assert_not(netaddr_acl_has(a, "11.0.0.1"));
    cr_assert_not(netaddr_acl_has(a, "not-an-address"));
    netaddr_acl_free(a);

    a = acl_of("172.16.0.0/12");
    cr_assert(netaddr_acl_has(a, "172.31.255.255"));
    cr_assert_not(netaddr_acl_has(a, "172.32.0.0"));
    netaddr_acl_free(a);
    a = acl_of("0.0.0.0/0");
    cr_assert(netaddr_acl_has(a, "8.8.8.8"));
    cr_assert_not(netaddr_acl_has(a, "::1"), "an IPv4 network holds no IPv6 address");
    netaddr_acl_free(a);

    cr_assert_null(acl_of(""), "an empty list trusts nobody");
    cr_assert_null(acl_of(" , "));
    cr_assert_not(netaddr_acl_has(NULL, "127.0.0.1"));
}

Test(netaddr, refuses_bad_networks_naming_them)
{
    const char *bad[] = {"10.0.0.0/33",
                         "10.0.0.1/8",
                         "10.0.0.0/",
                         "10.0.0.0/x",
                         "example.com",
                         "2001:db8::/129",
                         "10.0.0.0/8, 300.1.1.1",
                         "::1/-1",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        struct netaddr_acl *a = (struct netaddr_acl *)0x1;
        char err[160] = "";
        cr_assert_eq(netaddr_acl_parse(bad[i], &a, err, sizeof(err)), -1, "'%s' is refused",
                     bad[i]);
        cr_assert_null(a);
        cr_assert(strstr(err, "is not an IPv4 or IPv6 network"), "%s", err);
    }
}

static void expect_client(const struct netaddr_acl *t, const char *peer, const char *h1,
                          const char *h2, const char *want)
{
    const char *xff[2] = {h1, h2};
    size_t n = h2 ? 2 : h1 ? 1 : 0;
    char out[NETADDR_TEXT_MAX];
    netaddr_client(t, peer, xff, n, out, sizeof(out));
    cr_assert_str_eq(out, want, "peer %s, X-Forwarded-For '%s' '%s'", peer, h1 ? h1 : "",
                     h2 ? h2 : "");
}

Test(netaddr, client_is_the_rightmost_untrusted_address)
{
    struct netaddr_acl *t = acl_of("127.0.0.1/32, 10.0.0.0/8");
    /* An untrusted peer: its X-Forwarded-For is whatever it wants to say. */
    expect_client(t, "203.0.113.9", "198.51.100.7", NULL, "203.0.113.9");
    expect_client(NULL, "127.0.0.1", "198.51.100.7", NULL, "127.0.0.1");
    /* A trusted peer without the header, or with an empty one. */
    expect_client(t, "127.0.0.1", NULL, NULL, "127.0.0.1");
    expect_client(t, "127.0.0.1", " ", NULL, "127.0.0.1");
    /* The address the proxy appended, not what the client wrote before it. */
    expect_client(t, "127.0.0.1", "198.51.100.7", NULL, "198.51.100.7");
    expect_client(t, "127.0.0.1", "1.2.3.4, 198.51.100.7", NULL, "198.51.100.7");
    /* Through two proxies of ours. */
    expect_client(t, "127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.1.1", NULL, "198.51.100.7");
    /* Several headers are one list, in order. */
    expect_client(t, "127.0.0.1", "1.2.3.4, 198.51.100.7", "10.1.1.1", "198.51.100.7");
    expect_client(t, "127.0.0.1", "198.51.100.7", "", "198.51.100.7");
    /* Every entry trusted: the left-most. */
    expect_client(t, "127.0.0.1", "10.9.9.9, 10.1.1.1", NULL, "10.9.9.9");
    /* Ports, brackets, quotes, IPv6 in canonical text, IPv4-mapped as IPv4. */
    expect_client(t, "127.0.0.1", "198.51.100.7:5555", NULL, "198.51.100.7");
    expect_client(t, "127.0.0.1", "[2001:DB8:0:0::1]:443", NULL, "2001:db8::1");
    expect_client(t, "127.0.0.1", "\"2001:db8::2\"", NULL, "2001:db8::2");
    expect_client(t, "127.0.0.1", "::ffff:198.51.100.9", NULL, "198.51.100.9");
    /* Garbage stops the walk at the last good (trusted) address: nobody gets to name a key. */
    expect_client(t, "127.0.0.1", "unknown", NULL, "127.0.0.1");
    expect_client(t, "127.0.0.1", "198.51.100.7, nonsense, 10.1.1.1", NULL, "10.1.1.1");
    /* The peer itself in canonical form. */
    expect_client(t, "::ffff:127.0.0.1", "198.51.100.7", NULL, "198.51.100.7");
    expect_client(t, "-", "198.51.100.7", NULL, "-");
    netaddr_acl_free(t);
}

Test(netaddr, limit_keys_group_ipv6_by_64)
{
    char k[NETADDR_TEXT_MAX];
    netaddr_limit_key("198.51.100.7", k, sizeof(k));
    cr_assert_str_eq(k, "198.51.100.7");
    netaddr_limit_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof(k));
    cr_assert_str_eq(k, "2001:db8:1:2::/64");
    netaddr_limit_key("2001:db8:1:2::1", k, sizeof(k));
    cr_assert_str_eq(k, "2001:db8:1:2::/64", "one subscriber's /64 is one key");
    netaddr_limit_key("-", k, sizeof(k));
    cr_assert_str_eq(k, "-");
}
