#include "server/static.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "server/err.h"
#include "server/http.h"

#define IMMUTABLE "public, max-age=31536000, immutable"

const struct static_file *static_find(const char *path)
{
    for (unsigned long i = 0; i < static_files_len; i++)
        if (strcmp(static_files[i].path, path) == 0)
            return &static_files[i];
    return NULL;
}

const char *static_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".webmanifest", "application/manifest+json; charset=utf-8"},
        {".svg", "image/svg+xml; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".xml", "application/xml; charset=utf-8"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < SD_ARRAY_LEN(types); i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* The next comma-separated element of a header list: [*b, *e) trimmed; returns the rest. */
static const char *next_elem(const char *p, const char **b, const char **e)
{
    while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
    *b = p;
    while (*p && *p != ',')
        p++;
    *e = p;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
    return p;
}

bool static_accepts_gzip(const char *ae)
{
    if (!ae)
        return false;
    const char *b, *e;
    for (const char *p = next_elem(ae, &b, &e); b < e || *p; p = next_elem(p, &b, &e)) {
        size_t tl = 0;
        while (b + tl < e && b[tl] != ';' && b[tl] != ' ' && b[tl] != '\t')
            tl++;
        if (!((tl == 4 && strncasecmp(b, "gzip", 4) == 0) ||
              (tl == 6 && strncasecmp(b, "x-gzip", 6) == 0)))
            continue;
        /* "gzip;q=0" refuses it. */
        const char *q = b + tl;
        while (q < e && (*q == ' ' || *q == '\t' || *q == ';'))
            q++;
        if (e - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
            char num[16];
            size_t nl = (size_t)(e - q - 2) < sizeof(num) - 1 ? (size_t)(e - q - 2) : sizeof(num) - 1;
            memcpy(num, q + 2, nl);
            num[nl] = '\0';
            return strtod(num, NULL) > 0;
        }
        return true;
    }
    return false;
}

bool static_etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    size_t el = strlen(etag);
    const char *b, *e;
    for (const char *p = next_elem(inm, &b, &e); b < e || *p; p = next_elem(p, &b, &e)) {
        if (e - b == 1 && *b == '*')
            return true;
        if (e - b > 2 && b[0] == 'W' && b[1] == '/')
            b += 2;
        if ((size_t)(e - b) == el && memcmp(b, etag, el) == 0)
            return true;
    }
    return false;
}

static void security_headers(struct req *r)
{
    reply_header(r, "Content-Security-Policy", STATIC_CSP);
    reply_header(r, "Referrer-Policy", "same-origin");
}

static void serve(struct req *r, const struct static_file *f, bool immutable)
{
    security_headers(r);
    reply_header(r, "Cache-Control", immutable ? IMMUTABLE : "no-cache");
    bool gz = f->gz && static_accepts_gzip(req_header(r, "Accept-Encoding"));
    if (f->gz)
        reply_header(r, "Vary", "Accept-Encoding");
    const char *etag = gz ? f->etag_gz : f->etag;
    reply_header(r, "ETag", etag);
    const char *inm = req_header(r, "If-None-Match");
    if (static_etag_matches(inm, f->etag) || static_etag_matches(inm, f->etag_gz)) {
        reply_empty(r, 304);
        return;
    }
    const unsigned char *data = gz ? f->gz : f->data;
    size_t len = gz ? f->gz_len : f->len;
    if (gz)
        reply_header(r, "Content-Encoding", "gzip");
    char *body = xmalloc(len + 1);
    memcpy(body, data, len);
    reply_body(r, 200, static_type(f->path), body, len);
}

static void not_found(struct req *r)
{
    security_headers(r);
    reply_header(r, "Cache-Control", "no-cache");
    reply_error(r, SD_ERR_NOT_FOUND, NULL, NULL, "no such file");
}

static void index_html(struct req *r)
{
    const struct static_file *f = static_find("index.html");
    if (!f) {
        not_found(r);
        return;
    }
    serve(r, f, false);
}

void static_index(struct req *r)
{
    index_html(r);
}

void static_index_html(struct req *r)
{
    index_html(r);
}

static bool is_fingerprint(const char *s, size_t len)
{
    if (len != 16)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return false;
    return true;
}

void static_asset(struct req *r)
{
    const char *path = r->params[0];
    /* The lookup is exact, so "../" cannot leave web/; refused all the same, with backslashes
     * and empty segments (the router lets no empty segment through). */
    for (const char *s = path; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') ||
            memchr(s, '\\', n)) {
            not_found(r);
            return;
        }
        s += n;
        if (*s == '/')
            s++;
    }
    bool immutable = false;
    size_t first = strcspn(path, "/");
    if (path[first] == '/' && is_fingerprint(path, first)) {
        /* /assets/<fingerprint>/<file>: for good when the fingerprint is this build's; a page
         * of an older build still gets today's file, to revalidate. */
        immutable = strncmp(path, static_fingerprint, first) == 0;
        path += first + 1;
    }
    const struct static_file *f = static_find(path);
    if (!f) {
        not_found(r);
        return;
    }
    serve(r, f, immutable);
}
