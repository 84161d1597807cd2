/* An in-process runner for the Criterion unit suites, used only by the sanitizer builds.
 *
 * Why: Criterion forks one process per test from a runner that always has a second thread (its
 * nanomsg I/O thread, plus BoxFort's child pump). GCC 12's AddressSanitizer has no pthread_atfork
 * handler for its allocator (LLVM added one in llvm/llvm-project#75290), so a fork taken while
 * that thread holds the allocator lock leaves the child blocked forever in asan_malloc — the
 * `make asan` hang seen in CI. This runner runs every test of the binary one after the other in
 * this one thread: no fork, no other thread, so the ASan allocator can never be inherited locked.
 *
 * It implements the ten Criterion symbols that `Test()`, `TestSuite()` and the `cr_assert*`
 * macros reference (see `nm -u` of a unit test object), and finds the tests in the `cr_tst` and
 * `cr_sts` sections exactly as Criterion does. The suites stay plain Criterion tests: `make test`
 * links them against libcriterion as before. What is lost is Criterion's isolation: a test that
 * crashes ends the run (the sanitizer's report names it, and the [RUN ] line before it), and
 * tests must not depend on running in a fresh process (none of the unit suites does).
 *
 * Output mimics Criterion's --verbose lines and its Synthesis line, which .ci/run sums. */
#include <criterion/criterion.h>
#include <criterion/options.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The linker makes these for sections whose names are C identifiers. */
extern struct criterion_test *__start_cr_tst[], *__stop_cr_tst[];
extern struct criterion_suite *__start_cr_sts[] __attribute__((weak));
extern struct criterion_suite *__stop_cr_sts[] __attribute__((weak));

struct criterion_options criterion_options;

static const struct criterion_test *current;
static const struct criterion_suite *current_suite;
static jmp_buf abort_jmp;
static int failed_asserts;
static long passed_asserts;

int cr_asprintf(char **strp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(strp, fmt, ap);
    va_end(ap);
    if (n < 0)
        *strp = NULL;
    return n;
}

void cr_asprintf_free(char *buf)
{
    free(buf);
}

char *cr_translate_assert_msg(int msg_index, ...)
{
    va_list ap;
    va_start(ap, msg_index);
    const char *arg = va_arg(ap, const char *);
    va_end(ap);
    char *out = NULL;
    switch (msg_index) {
    case CRITERION_ASSERT_MSG_EXPR_FALSE:
    case CRITERION_ASSERT_MSG_EXPR_AS_STRINGS_FALSE:
        cr_asprintf(&out, "The expression %s is false.", arg ? arg : "");
        break;
    case CRITERION_ASSERT_MSG_IS_NULL:
        cr_asprintf(&out, "%s is null.", arg ? arg : "");
        break;
    case CRITERION_ASSERT_MSG_IS_NOT_NULL:
        cr_asprintf(&out, "%s is not null.", arg ? arg : "");
        break;
    default:
        cr_asprintf(&out, "The conditions for this assertion were not met.");
        break;
    }
    return out;
}

void cri_asserts_passed_incr(void)
{
    passed_asserts++;
}

void criterion_send_assert(struct criterion_assert_stats *stats)
{
    if (stats->passed)
        return;
    failed_asserts++;
    printf("[----] %s:%u: Assertion Failed\n[----]   %s\n", stats->file, stats->line,
           stats->message ? stats->message : "");
}

void criterion_abort_test(void)
{
    longjmp(abort_jmp, 1);
}

static void run_fixture(void (*fn)(void))
{
    if (fn)
        fn();
}

void criterion_internal_test_setup(void)
{
    if (current_suite && current_suite->data)
        run_fixture(current_suite->data->init);
    run_fixture(current->data->init);
}

void criterion_internal_test_main(void (*fn)(void))
{
    fn();
}

void criterion_internal_test_teardown(void)
{
    run_fixture(current->data->fini);
    if (current_suite && current_suite->data)
        run_fixture(current_suite->data->fini);
}

static const struct criterion_suite *suite_of(const struct criterion_test *t)
{
    if (!__start_cr_sts)
        return NULL;
    for (struct criterion_suite **s = __start_cr_sts; s < __stop_cr_sts; s++)
        if (*s && strcmp((*s)->name, t->category) == 0)
            return *s;
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    const struct criterion_test *x = *(const struct criterion_test *const *)a;
    const struct criterion_test *y = *(const struct criterion_test *const *)b;
    int c = strcmp(x->category, y->category);
    return c ? c : strcmp(x->name, y->name);
}

/* Runs one test (setup, body, teardown: the Test() trampoline); true when an assertion stopped
 * it. A failed assertion longjmps back here, and the teardown still runs. */
static bool run_one(const struct criterion_test *t)
{
    if (setjmp(abort_jmp) == 0) {
        t->test();
        return false;
    }
    if (setjmp(abort_jmp) == 0)
        criterion_internal_test_teardown();
    return true;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    /* Criterion's own flags (--jobs, --verbose, …) are accepted and ignored, except
     * --filter PATTERN (or --filter=PATTERN), matched against "suite/name". */
    const char *filter = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
            filter = argv[++i];
        else if (strncmp(argv[i], "--filter=", 9) == 0)
            filter = argv[i] + 9;
    }
    size_t n = (size_t)(__stop_cr_tst - __start_cr_tst), k = 0;
    const struct criterion_test **tests = calloc(n ? n : 1, sizeof(*tests));
    for (size_t i = 0; i < n; i++)
        if (__start_cr_tst[i])
            tests[k++] = __start_cr_tst[i];
    qsort(tests, k, sizeof(*tests), by_name);

    int tested = 0, failing = 0;
    printf("[====] Running %zu tests in process (sanitizer build, no fork)\n", k);
    for (size_t i = 0; i < k; i++) {
        const struct criterion_test *t = tests[i];
        char id[512];
        snprintf(id, sizeof(id), "%s/%s", t->category, t->name);
        if (filter && fnmatch(filter, id, 0) != 0)
            continue;
        if (t->data && t->data->disabled)
            continue;
        current = t;
        current_suite = suite_of(t);
        if (current_suite && current_suite->data && current_suite->data->disabled)
            continue;
        tested++;
        failed_asserts = 0;
        printf("[RUN ] %s::%s\n", t->category, t->name);
        fflush(stdout);
        double t0 = now_s();
        bool aborted = run_one(t);
        double dt = now_s() - t0;
        if (aborted || failed_asserts) {
            failing++;
            printf("[FAIL] %s::%s: (%.2fs)\n", t->category, t->name, dt);
        } else {
            printf("[PASS] %s::%s: (%.2fs)\n", t->category, t->name, dt);
        }
        fflush(stdout);
    }
    printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: 0 \n", tested,
           tested - failing, failing);
    free(tests);
    return failing ? 1 : 0;
}
