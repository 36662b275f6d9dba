/* harness.h - the unit-test harness: TEST() functions, CHECK macros and a
 * closing "N passed, N failed" line. One binary per module; each test is a
 * function registered in an explicit table:
 *
 *     static void t_splits(void) { CHECK_EQ_INT(n, 3); }
 *     int main(void) { RUN(t_splits); return harness_done(); }
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_passed, harness_failed, harness_test_failed, harness_n;
static char harness_why[512];

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond) && !harness_test_failed) {                                 \
            harness_test_failed = 1;                                           \
            snprintf(harness_why, sizeof harness_why, "%s:%d: %s", __FILE__,   \
                     __LINE__, #cond);                                         \
        }                                                                      \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_ && !harness_test_failed) {                                \
            harness_test_failed = 1;                                           \
            snprintf(harness_why, sizeof harness_why,                          \
                     "%s:%d: %s == %s, got %lld and %lld", __FILE__, __LINE__, \
                     #a, #b, a_, b_);                                          \
        }                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if ((!a_ || !b_ || strcmp(a_, b_) != 0) && !harness_test_failed) {     \
            harness_test_failed = 1;                                           \
            snprintf(harness_why, sizeof harness_why,                          \
                     "%s:%d: %s == %s, got \"%.200s\" and \"%.200s\"",         \
                     __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",           \
                     b_ ? b_ : "(null)");                                      \
        }                                                                      \
    } while (0)

/* A view compared with a C string. */
#define CHECK_STRN(p, n, b)                                                    \
    do {                                                                       \
        const char *b_ = (b);                                                  \
        size_t n_ = (size_t)(n);                                               \
        if ((strlen(b_) != n_ || memcmp((p), b_, n_) != 0) &&                  \
            !harness_test_failed) {                                            \
            harness_test_failed = 1;                                           \
            snprintf(harness_why, sizeof harness_why,                          \
                     "%s:%d: expected \"%.200s\", got \"%.*s\"", __FILE__,     \
                     __LINE__, b_, (int)(n_ > 200 ? 200 : n_), (p));           \
        }                                                                      \
    } while (0)

#define RUN(fn)                                                                \
    do {                                                                       \
        harness_test_failed = 0;                                               \
        fn();                                                                  \
        harness_n++;                                                           \
        if (harness_test_failed) {                                             \
            harness_failed++;                                                  \
            printf("not ok %d - %s  (%s)\n", harness_n, #fn, harness_why);     \
        } else {                                                               \
            harness_passed++;                                                  \
            printf("ok %d - %s\n", harness_n, #fn);                            \
        }                                                                      \
        fflush(stdout);                                                        \
    } while (0)

/* Reports a test that cannot run here (e.g. ../shared absent). */
#define SKIP(fn, why)                                                          \
    do {                                                                       \
        harness_n++;                                                           \
        printf("ok %d - %s # SKIP %s\n", harness_n, #fn, why);                 \
    } while (0)

static inline int harness_done(void)
{
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#endif
