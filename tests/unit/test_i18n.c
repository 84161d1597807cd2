/* Server-written messages in both languages (server/i18n.h): the catalogue covers every message
 * id in the source, each Chinese format takes the same arguments, and formatting picks the
 * language, translating %s arguments that are message ids themselves. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/i18n.h"

static void fmt(enum lang l, char *out, size_t len, const char *f, ...)
    __attribute__((format(printf, 4, 5)));
static void fmt(enum lang l, char *out, size_t len, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    i18n_vformat(l, out, len, f, ap);
    va_end(ap);
}

Test(i18n, chinese_by_catalogue_english_as_given)
{
    char b[256];
    fmt(LANG_EN, b, sizeof(b), "%s must be from %lld to %lld", "limit", 1LL, 100LL);
    cr_assert_str_eq(b, "limit must be from 1 to 100");
    fmt(LANG_ZH, b, sizeof(b), "%s must be from %lld to %lld", "limit", 1LL, 100LL);
    cr_assert_str_eq(b, "limit 必须在 1 到 100 之间");
    fmt(LANG_ZH, b, sizeof(b), "%s must have %zu to %zu characters", "title", (size_t)1,
        (size_t)200);
    cr_assert_str_eq(b, "title 必须有 1 到 200 个字符");
    fmt(LANG_ZH, b, sizeof(b), "a score must be a number from 0 to %g", 2.5);
    cr_assert_str_eq(b, "分数必须是 0 到 2.5 之间的数");
    /* Not in the catalogue: English, formatted as printf would. */
    fmt(LANG_ZH, b, sizeof(b), "not a message id %d%%", 7);
    cr_assert_str_eq(b, "not a message id 7%");
}

Test(i18n, a_string_argument_that_is_a_message_id_is_translated)
{
    char b[256];
    fmt(LANG_ZH, b, sizeof(b), "no %s %lld", "event", 12LL);
    cr_assert_str_eq(b, "没有活动 12");
    fmt(LANG_ZH, b, sizeof(b), "%s is required", "title"); /* a field name stays */
    cr_assert_str_eq(b, "title 为必填项");
    fmt(LANG_EN, b, sizeof(b), "no %s %lld", "event", 12LL);
    cr_assert_str_eq(b, "no event 12");
}

Test(i18n, truncates_inside_the_buffer)
{
    char b[8];
    fmt(LANG_ZH, b, sizeof(b), "%s is required", "a-very-long-field-name");
    cr_assert_eq(strlen(b), 7);
}

Test(i18n, every_catalogue_entry_takes_the_same_arguments)
{
    const char *zh, *en;
    char a[256], b[256], bad[8192] = "";
    for (size_t i = 0; (en = i18n_entry(i, &zh)) != NULL; i++) {
        int na = i18n_specs(en, a, sizeof(a)), nb = i18n_specs(zh, b, sizeof(b));
        if (na < 0 || nb < 0 || strcmp(a, b) != 0)
            snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "\n  \"%s\" [%s] vs \"%s\" [%s]",
                     en, a, zh, b);
        cr_assert_eq(i18n_zh(en), zh, "lookup of \"%s\" (twice in the catalogue?)", en);
    }
    cr_assert_str_eq(bad, "", "conversion specifications differ (order and type must match):%s",
                     bad);
}

/* ---- the scanner: every message id in handlers/ and server/ ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* Past the literal (string or character) starting at p. */
static const char *skip_literal(const char *p)
{
    char q = *p++;
    while (*p && *p != q) {
        if (*p == '\\' && p[1])
            p++;
        p++;
    }
    return *p ? p + 1 : p;
}

/* Argument `want` (0-based) of the call whose '(' is at p: its concatenated string literals
 * (unescaped) into out; false when it has none or the call has fewer arguments. */
static bool literal_arg(const char *p, int want, char *out, size_t len)
{
    int depth = 0, arg = 0;
    size_t o = 0;
    bool any = false;
    out[0] = '\0';
    for (p++; *p; p++) {
        if (*p == '"' || *p == '\'') {
            const char *e = skip_literal(p);
            if (*p == '"' && arg == want && depth == 0) {
                any = true;
                for (const char *c = p + 1; c < e - 1 && o + 1 < len; c++) {
                    if (*c == '\\') {
                        c++;
                        out[o++] = *c == 'n' ? '\n' : *c == 't' ? '\t' : *c;
                    } else {
                        out[o++] = *c;
                    }
                }
                out[o] = '\0';
            }
            p = e - 1;
            continue;
        }
        if (*p == '(' || *p == '[' || *p == '{')
            depth++;
        else if (*p == ')' || *p == ']' || *p == '}') {
            if (depth-- == 0)
                break;
        } else if (*p == ',' && depth == 0) {
            if (arg++ == want)
                break;
        }
    }
    return any;
}

struct found {
    char missing[16384];
    char nonliteral[4096];
    int count;
};

static void note(char *buf, size_t len, const char *fmt_, ...) __attribute__((format(printf, 3, 4)));
static void note(char *buf, size_t len, const char *fmt_, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt_);
    vsnprintf(buf + n, len - n, fmt_, ap);
    va_end(ap);
}

static int line_of(const char *src, const char *p)
{
    int l = 1;
    for (const char *c = src; c < p; c++)
        l += *c == '\n';
    return l;
}

static void check_id(struct found *fd, const char *file, int line, const char *id)
{
    fd->count++;
    const char *zh = i18n_zh(id);
    char a[256], b[256];
    if (!zh)
        note(fd->missing, sizeof(fd->missing), "\n  %s:%d: no Chinese for \"%s\"", file, line, id);
    else if (i18n_specs(id, a, sizeof(a)) < 0 || i18n_specs(zh, b, sizeof(b)) < 0 ||
             strcmp(a, b) != 0)
        note(fd->missing, sizeof(fd->missing),
             "\n  %s:%d: \"%s\" [%s] and its Chinese \"%s\" [%s] take different arguments", file,
             line, id, a, zh, b);
}

/* Calls whose argument `arg` is a message id; N_() marks one anywhere else. */
static const struct {
    const char *name;
    int arg;
} callers[] = {{"reply_error", 4}, {"tx_fail", 4}, {"N_", 0}};

static void scan_file(struct found *fd, const char *path)
{
    char *src = slurp(path);
    cr_assert_not_null(src, "%s", path);
    for (size_t k = 0; k < sizeof(callers) / sizeof(callers[0]); k++) {
        size_t n = strlen(callers[k].name);
        for (const char *p = strstr(src, callers[k].name); p; p = strstr(p + n, callers[k].name)) {
            const char *q = p + n;
            char prev = p > src ? p[-1] : ' ';
            if (prev == '_' || (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z') ||
                (prev >= '0' && prev <= '9') || prev == '"')
                continue;
            while (*q == ' ')
                q++;
            if (*q != '(')
                continue;
            /* A definition or declaration ("int tx_fail(struct tx_fail *f, …"): skip. */
            if (strncmp(q + 1, "struct ", 7) == 0 || strncmp(q + 1, "s)", 2) == 0)
                continue;
            char id[1024];
            if (literal_arg(q, callers[k].arg, id, sizeof(id)))
                check_id(fd, path, line_of(src, p), id);
            else
                note(fd->nonliteral, sizeof(fd->nonliteral),
                     "\n  %s:%d: %s without a literal message (pass the format itself)", path,
                     line_of(src, p), callers[k].name);
        }
    }
    free(src);
}

static void scan_dir(struct found *fd, const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s (run the tests from the repository's root)", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        scan_file(fd, path);
    }
    closedir(d);
}

Test(i18n, every_message_in_the_source_has_a_chinese_entry)
{
    static struct found fd;
    scan_dir(&fd, "handlers");
    scan_dir(&fd, "server");
    cr_assert_gt(fd.count, 150, "the scanner found only %d message ids", fd.count);
    cr_assert(!fd.missing[0] && !fd.nonliteral[0],
              "add these to the catalogue in server/i18n.c (Chinese format, same conversion "
              "specifications in the same order):%s\nmessages the scanner cannot read:%s",
              fd.missing[0] ? fd.missing : " none", fd.nonliteral[0] ? fd.nonliteral : " none");
}

/* Strings passed as a %s argument of a message and translated with it (server/i18n.h). */
Test(i18n, argument_words_are_in_the_catalogue)
{
    static const char *const words[] = {
        "event", "session", "draft", "published", "cancelled", "supply", "demand", "up", "down",
        "the pitch would not fit inside the session", "the presenter is not available then",
        "another pitch is in the room at that time",
        "the presenter has a 1:1 meeting at that time",
        "the presenter is pitching elsewhere at that time", "the pitch cannot be placed there",
        "must be a string", "must be valid UTF-8 text without control characters",
        "must have at most 32 characters", "is empty"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        cr_assert_not_null(i18n_zh(words[i]), "no Chinese for \"%s\"", words[i]);
}
