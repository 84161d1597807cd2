/* notify/webhook.c: Standard Webhooks signing, secrets, the address filter and URL checks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "notify/webhook.h"

/* The test vector of the Standard Webhooks reference libraries (standard-webhooks/
 * standard-webhooks, libraries' tests), checked independently with Python's hmac module. */
Test(webhook, signs_the_standard_webhooks_vector)
{
    unsigned char key[WEBHOOK_KEY_MAX];
    long n = webhook_key_decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, sizeof(key));
    cr_assert_eq(n, 24);
    const char *body = "{\"test\": 2432232314}";
    char sig[WEBHOOK_SIG_MAX];
    webhook_sign(key, (size_t)n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body),
                 sig, sizeof(sig));
    cr_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /* any change of id, timestamp or body changes it */
    webhook_sign(key, (size_t)n, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body),
                 sig, sizeof(sig));
    cr_assert_str_neq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

Test(webhook, new_keys_are_random_and_decode_within_the_sizes)
{
    char a[WEBHOOK_SECRET_MAX], b[WEBHOOK_SECRET_MAX];
    webhook_key_new(a, sizeof(a));
    webhook_key_new(b, sizeof(b));
    cr_assert_str_neq(a, b);
    unsigned char key[WEBHOOK_KEY_MAX];
    cr_assert_eq(webhook_key_decode(a, key, sizeof(key)), WEBHOOK_KEY_NEW);
    cr_assert_eq(webhook_key_decode("whsec_", key, sizeof(key)), -1);
    cr_assert_eq(webhook_key_decode("c2hvcnQ=", key, sizeof(key)), -1, "5 bytes: too short");
    cr_assert_eq(webhook_key_decode("not base64!", key, sizeof(key)), -1);
    cr_assert_eq(webhook_key_decode(NULL, key, sizeof(key)), -1);
}

Test(webhook, the_address_filter)
{
    static const struct {
        const char *addr;
        const char *want;       /* NULL: allowed */
        const char *want_lb_ok; /* with allow_loopback */
    } cases[] = {
        {"8.8.8.8", NULL, NULL},
        {"1.1.1.1", NULL, NULL},
        {"2400:3200::1", NULL, NULL},
        {"127.0.0.1", "loopback", NULL},
        {"127.255.0.9", "loopback", NULL},
        {"::1", "loopback", NULL},
        {"::ffff:127.0.0.1", "loopback", NULL},
        {"10.0.0.1", "private", "private"},
        {"172.16.0.1", "private", "private"},
        {"172.31.255.254", "private", "private"},
        {"172.32.0.1", NULL, NULL},
        {"192.168.0.1", "private", "private"},
        {"fc00::1", "private", "private"},
        {"fd00:ec2::254", "private", "private"}, /* AWS IPv6 metadata */
        {"::ffff:192.168.1.1", "private", "private"},
        {"64:ff9b::a00:1", "private", "private"}, /* NAT64 of 10.0.0.1 */
        {"2002:a00:1::", "private", "private"},   /* 6to4 of 10.0.0.1 */
        {"169.254.169.254", "link-local", "link-local"},
        {"fe80::1", "link-local", "link-local"},
        {"100.64.0.1", "CGNAT", "CGNAT"},
        {"100.100.100.200", "CGNAT", "CGNAT"}, /* Alibaba Cloud metadata */
        {"100.128.0.1", NULL, NULL},
        {"224.0.0.1", "multicast", "multicast"},
        {"239.255.255.250", "multicast", "multicast"},
        {"ff02::1", "multicast", "multicast"},
        {"0.0.0.0", "unspecified", "unspecified"},
        {"0.1.2.3", "unspecified", "unspecified"},
        {"::", "unspecified", "unspecified"},
        {"255.255.255.255", "reserved", "reserved"},
        {"240.0.0.1", "reserved", "reserved"},
        {"198.18.0.1", "reserved", "reserved"},
        {"192.0.2.1", "documentation", "documentation"},
        {"2001:db8::1", "documentation", "documentation"},
        {"::10.0.0.1", "reserved", "reserved"},
        {"localhost", "not an address", "not an address"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = webhook_addr_text_refused(cases[i].addr, false);
        const char *got_lb = webhook_addr_text_refused(cases[i].addr, true);
        cr_assert_str_eq(got ? got : "(allowed)", cases[i].want ? cases[i].want : "(allowed)", "%s",
                         cases[i].addr);
        cr_assert_str_eq(got_lb ? got_lb : "(allowed)",
                         cases[i].want_lb_ok ? cases[i].want_lb_ok : "(allowed)",
                         "%s with loopback allowed", cases[i].addr);
    }
}

Test(webhook, urls_are_http_with_a_host_and_literal_addresses_are_judged)
{
    static const struct {
        const char *url;
        int want;           /* 0, -1 malformed, -2 refused */
        const char *reason; /* for -2 */
    } cases[] = {
        {"https://8.8.8.8/hook", 0, NULL},
        {"http://8.8.8.8:8080/a/b?c=d", 0, NULL},
        {"HTTPS://[2400:3200::1]/x", 0, NULL},
        {"ftp://8.8.8.8/x", -1, NULL},
        {"file:///etc/passwd", -1, NULL},
        {"gopher://8.8.8.8/", -1, NULL},
        {"http://", -1, NULL},
        {"8.8.8.8/x", -1, NULL},
        {"http://8.8.8.8/a b", -1, NULL},
        {"http://8.8.8.8/\xc3\xa9", -1, NULL},
        {"http://127.0.0.1/x", -2, "loopback"},
        {"http://localhost./x", -2, "loopback"},
        {"http://Foo.LocalHost/x", -2, "loopback"},
        {"http://[::1]:9/x", -2, "loopback"},
        {"http://[fe80::1%25eth0]/x", -2, "link-local"},
        {"http://10.0.0.1/x", -2, "private"},
        {"http://2130706433/x", -2, "loopback"}, /* 127.0.0.1 as one number */
        {"http://0177.0.0.1/x", -2, "loopback"}, /* octal */
        {"http://169.254.169.254/latest/meta-data/", -2, "link-local"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *reason = NULL;
        char addr[64];
        int rc = webhook_url_check(cases[i].url, false, &reason, addr, sizeof(addr));
        cr_assert_eq(rc, cases[i].want, "%s: %d (%s)", cases[i].url, rc, reason ? reason : "");
        if (cases[i].reason)
            cr_assert_str_eq(reason, cases[i].reason, "%s", cases[i].url);
    }
    const char *reason;
    char addr[64];
    cr_assert_eq(webhook_url_check("http://127.0.0.1:8080/x", true, &reason, addr, sizeof(addr)),
                 0);
    cr_assert_eq(webhook_url_check("http://localhost:8080/x", true, &reason, addr, sizeof(addr)),
                 0);
    cr_assert_eq(webhook_url_check("http://10.0.0.1/x", true, &reason, addr, sizeof(addr)), -2);
}

Test(webhook, the_subscribable_types_are_the_api_names)
{
    size_t n = 0;
    while (webhook_types[n])
        n++;
    cr_assert_eq(n, 14);
    cr_assert_str_eq(webhook_types[0], "registration.confirmed");
    cr_assert_str_eq(webhook_types[n - 1], "reminder");
}
