/* The web client served by summitd (server/static.h): web/ embedded at build time, `/` and
 * `/index.html` serve web/index.html, `/assets/<path>` web/<path>, each with its content type,
 * a strong ETag and 304, gzip when asked and worth it, Cache-Control immutable under the
 * fingerprint and no-cache elsewhere, and a strict Content-Security-Policy. Path traversal
 * (plain or percent-encoded) finds nothing. The files served are compared with web/ on disk. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/static.h"
#include "tests/lib/it.h"

IT_SUITE(static_files, 120);

#define CSP_WANT                                                                                   \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "        \
    "connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "             \
    "frame-ancestors 'none'; form-action 'self'"

static char *hdr(const struct it_resp *r, const char *name)
{
    static char buf[1024];
    return (char *)it_header(r, name, buf, sizeof(buf));
}

static void assert_header(const struct it_resp *r, const char *name, const char *want,
                          const char *what)
{
    char *v = hdr(r, name);
    cr_assert_not_null(v, "%s: no %s in\n%s", what, name, r->head);
    cr_assert_str_eq(v, want, "%s: %s", what, name);
}

/* web/<rel> from disk (malloc'd), its size in *len. */
static char *disk(const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "web/%s", rel);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s (run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void security(const struct it_resp *r, const char *what)
{
    assert_header(r, "Content-Security-Policy", CSP_WANT, what);
    assert_header(r, "X-Content-Type-Options", "nosniff", what);
    assert_header(r, "Referrer-Policy", "same-origin", what);
}

Test(static_files, content_types_by_extension)
{
    static const struct {
        const char *name, *type;
    } want[] = {
        {"index.html", "text/html; charset=utf-8"},
        {"a/app.css", "text/css; charset=utf-8"},
        {"js/app.js", "text/javascript; charset=utf-8"},
        {"i.svg", "image/svg+xml; charset=utf-8"},
        {"i.png", "image/png"},
        {"favicon.ico", "image/x-icon"},
        {"m.json", "application/json; charset=utf-8"},
        {"app.webmanifest", "application/manifest+json; charset=utf-8"},
        {"f.woff2", "font/woff2"},
        {"robots.txt", "text/plain; charset=utf-8"},
        {"x.unknown", "application/octet-stream"},
        {"dir.js/noext", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_assert_str_eq(static_type(want[i].name), want[i].type, "%s", want[i].name);
}

/* Every embedded file, at /assets/<path>: the bytes on disk, its type, no-cache, ETag, CSP. */
Test(static_files, every_embedded_file_is_served_as_on_disk)
{
    cr_assert_not_null(static_find("index.html"), "web/index.html is embedded");
    cr_assert_gt(static_files_len, 1);
    for (unsigned long i = 0; i < static_files_len; i++) {
        const struct static_file *f = &static_files[i];
        cr_assert(strstr(f->path, ".d.ts") == NULL && strstr(f->path, ".md") == NULL,
                  "%s is for development only and must not be embedded", f->path);
        char path[512];
        snprintf(path, sizeof(path), "/assets/%s", f->path);
        struct it_resp *r = it_http(srv, "GET", path, NULL, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s: %d %s", path, r->status, r->body);
        assert_header(r, "Content-Type", static_type(f->path), path);
        assert_header(r, "Cache-Control", "no-cache", path);
        assert_header(r, "ETag", f->etag, path);
        cr_assert_null(hdr(r, "Content-Encoding"), "%s: not asked for gzip", path);
        security(r, path);
        if (strcmp(f->path, "index.html") != 0) { /* index.html is rewritten (fingerprint) */
            size_t n;
            char *want = disk(f->path, &n);
            cr_assert_eq(r->body_len, n, "%s: length", path);
            cr_assert(memcmp(r->body, want, n) == 0, "%s: not the file on disk", path);
            free(want);
        }
        it_resp_free(r);
    }
}

/* `/` and `/index.html`: web/index.html with /assets/ rewritten to the fingerprinted prefix. */
Test(static_files, index_is_served_at_the_root_with_fingerprinted_assets)
{
    size_t n;
    char *src = disk("index.html", &n);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "/assets/%s/", static_fingerprint);
    cr_assert_eq(strlen(static_fingerprint), 16);
    const char *paths[] = {"/", "/index.html"};
    for (size_t i = 0; i < 2; i++) {
        struct it_resp *r = it_http(srv, "GET", paths[i], NULL, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s: %d", paths[i], r->status);
        assert_header(r, "Content-Type", "text/html; charset=utf-8", paths[i]);
        assert_header(r, "Cache-Control", "no-cache", paths[i]);
        security(r, paths[i]);
        cr_assert(hdr(r, "ETag") && hdr(r, "ETag")[0] == '"', "%s: a strong ETag", paths[i]);
        if (strstr(src, "/assets/")) {
            cr_assert_not_null(strstr(r->body, prefix), "%s: no %s in\n%s", paths[i], prefix,
                               r->body);
            /* No unprefixed /assets/ is left. */
            for (const char *p = r->body; (p = strstr(p, "/assets/")) != NULL; p++)
                cr_assert(strncmp(p, prefix, strlen(prefix)) == 0, "%s: unprefixed at %.40s",
                          paths[i], p);
        }
        it_resp_free(r);
    }
    free(src);
}

/* Under this build's fingerprint: immutable for a year. Another fingerprint (a page of an older
 * build): the file, but to revalidate. */
Test(static_files, fingerprinted_assets_are_immutable)
{
    const struct static_file *f = NULL;
    for (unsigned long i = 0; i < static_files_len && !f; i++)
        if (strcmp(static_files[i].path, "index.html") != 0)
            f = &static_files[i];
    cr_assert_not_null(f, "an asset besides index.html");
    char path[512];
    snprintf(path, sizeof(path), "/assets/%s/%s", static_fingerprint, f->path);
    struct it_resp *r = it_http(srv, "GET", path, NULL, NULL, NULL);
    cr_assert_eq(r->status, 200, "%s: %d", path, r->status);
    assert_header(r, "Cache-Control", "public, max-age=31536000, immutable", path);
    assert_header(r, "ETag", f->etag, path);
    security(r, path);
    it_resp_free(r);
    snprintf(path, sizeof(path), "/assets/%s/%s", "0123456789abcdef", f->path);
    if (strcmp(static_fingerprint, "0123456789abcdef") != 0) {
        r = it_http(srv, "GET", path, NULL, NULL, NULL);
        cr_assert_eq(r->status, 200, "%s: %d", path, r->status);
        assert_header(r, "Cache-Control", "no-cache", path);
        it_resp_free(r);
    }
}

Test(static_files, etag_revalidation_answers_304)
{
    const struct static_file *f = static_find("index.html");
    cr_assert_not_null(f);
    char h[256];
    snprintf(h, sizeof(h), "If-None-Match: %s\r\n", f->etag);
    struct it_resp *r = it_http(srv, "GET", "/", NULL, NULL, h);
    cr_assert_eq(r->status, 304, "%d %s", r->status, r->head);
    cr_assert_eq(r->body_len, 0);
    assert_header(r, "ETag", f->etag, "304");
    assert_header(r, "Cache-Control", "no-cache", "304");
    it_resp_free(r);
    /* A list, weak form, other tags. */
    snprintf(h, sizeof(h), "If-None-Match: \"nope\", W/%s\r\n", f->etag);
    r = it_http(srv, "GET", "/index.html", NULL, NULL, h);
    cr_assert_eq(r->status, 304, "list: %d", r->status);
    it_resp_free(r);
    r = it_http(srv, "GET", "/", NULL, NULL, "If-None-Match: \"0000\"\r\n");
    cr_assert_eq(r->status, 200, "another tag: %d", r->status);
    it_resp_free(r);
}

/* Text over 1 KB comes gzipped to clients that accept it (and decompresses to the file);
 * `gzip;q=0` and no Accept-Encoding get the identity. Vary: Accept-Encoding on both. */
Test(static_files, gzip_when_accepted_and_worth_it)
{
    const struct static_file *f = NULL;
    for (unsigned long i = 0; i < static_files_len && !f; i++)
        if (static_files[i].gz && strcmp(static_files[i].path, "index.html") != 0)
            f = &static_files[i];
    cr_assert_not_null(f, "web/ has a text file over 1 KB (gzipped at build time)");
    cr_assert_lt(f->gz_len, f->len);
    char path[512];
    snprintf(path, sizeof(path), "/assets/%s", f->path);
    struct it_resp *r = it_http(srv, "GET", path, NULL, NULL, "Accept-Encoding: br, gzip\r\n");
    cr_assert_eq(r->status, 200);
    assert_header(r, "Content-Encoding", "gzip", path);
    assert_header(r, "Vary", "Accept-Encoding", path);
    assert_header(r, "Content-Type", static_type(f->path), path);
    cr_assert(strcmp(hdr(r, "ETag"), f->etag) != 0, "the gzip representation has its own ETag");
    cr_assert_eq(r->body_len, f->gz_len);
    cr_assert(r->body_len > 2 && (unsigned char)r->body[0] == 0x1f &&
              (unsigned char)r->body[1] == 0x8b, "gzip magic");
    char tmp[] = "/tmp/sd-static-XXXXXX";
    int fd = mkstemp(tmp);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, r->body, r->body_len), (ssize_t)r->body_len);
    close(fd);
    cr_assert_eq(it_sh("gzip -dc < %s | cmp -s - web/%s", tmp, f->path), 0,
                 "the gzip body decompresses to web/%s", f->path);
    unlink(tmp);
    /* Its ETag revalidates too. */
    char h[256];
    snprintf(h, sizeof(h), "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", hdr(r, "ETag"));
    it_resp_free(r);
    r = it_http(srv, "GET", path, NULL, NULL, h);
    cr_assert_eq(r->status, 304);
    it_resp_free(r);

    const char *no[] = {NULL, "Accept-Encoding: gzip;q=0, identity\r\n",
                        "Accept-Encoding: br\r\n"};
    for (size_t i = 0; i < 3; i++) {
        r = it_http(srv, "GET", path, NULL, NULL, no[i]);
        cr_assert_eq(r->status, 200);
        cr_assert_null(hdr(r, "Content-Encoding"), "%s", no[i] ? no[i] : "none");
        assert_header(r, "Vary", "Accept-Encoding", path);
        cr_assert_eq(r->body_len, f->len);
        it_resp_free(r);
    }
}

static char *raw(const char *req)
{
    return it_raw(srv->port, req, strlen(req), 3000);
}

Test(static_files, head_gives_the_headers_and_length_without_a_body)
{
    const struct static_file *f = static_find("index.html");
    char *out = raw("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert(strncmp(out, "HTTP/1.1 200", 12) == 0, "%s", out);
    char want[64];
    snprintf(want, sizeof(want), "Content-Length: %lu\r\n", f->len);
    cr_assert_not_null(strstr(out, want), "%s", out);
    cr_assert_not_null(strstr(out, "Content-Security-Policy: default-src 'self'"), "%s", out);
    cr_assert(strstr(out, "\r\n\r\n") && strstr(out, "\r\n\r\n")[4] == '\0', "no body: %s", out);
    free(out);
}

/* Unknown files are 404 (the JSON envelope); traversal, plain or encoded, reaches nothing. */
Test(static_files, unknown_and_traversal_are_404)
{
    struct it_resp *r = it_http(srv, "GET", "/assets/nope.js", NULL, NULL, NULL);
    cr_assert_eq(r->status, 404);
    cr_assert_str_eq(it_jstr(r, "error.code"), "not_found");
    security(r, "404");
    it_resp_free(r);
    static const char *const bad[] = {
        "/assets/../Makefile",
        "/assets/../../Makefile",
        "/assets/%2e%2e/Makefile",
        "/assets/%2E%2E%2FMakefile",
        "/assets/..%2fMakefile",
        "/assets/js/../../Makefile",
        "/assets/./index.html",
        "/assets/%2e/index.html",
        "/assets/..%5cMakefile",
        "/assets/js%2f..%2f..%2fMakefile",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/%00",
        "/assets/",
        "/assets",
        "/../Makefile",
        "/index.html/..",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char req[512];
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 bad[i]);
        char *out = raw(req);
        cr_assert(strncmp(out, "HTTP/1.1 404", 12) == 0 || strncmp(out, "HTTP/1.1 400", 12) == 0,
                  "%s: %.200s", bad[i], out);
        cr_assert_null(strstr(out, "CFLAGS"), "%s served the Makefile", bad[i]);
        cr_assert_null(strstr(out, "root:"), "%s served /etc/passwd", bad[i]);
        free(out);
    }
}

/* Other methods on the client's paths: 405 with Allow. */
Test(static_files, only_get_and_head)
{
    struct it_resp *r = it_http(srv, "POST", "/", NULL, "{}", NULL);
    cr_assert_eq(r->status, 405, "%d", r->status);
    char *allow = hdr(r, "Allow");
    cr_assert(allow && strstr(allow, "GET") && strstr(allow, "HEAD"), "Allow: %s", allow);
    it_resp_free(r);
}
