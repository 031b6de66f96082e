/* Minimal test harness: CHECK counts failures, pl_test_done prints "N passed, N failed". */
#ifndef PL_TEST_H
#define PL_TEST_H
#include <math.h>
#include <stdio.h>

static int pl_test_pass_, pl_test_fail_;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            pl_test_pass_++;                                                  \
        } else {                                                              \
            pl_test_fail_++;                                                  \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

#define CHECK_CLOSE(a, b, tol, what)                                                     \
    do {                                                                                 \
        double a_ = (a), b_ = (b), t_ = (tol);                                           \
        CHECK(fabs(a_ - b_) <= t_, "%s: got %.12g, want %.12g (tol %.3g, diff %.3g)",   \
              what, a_, b_, t_, fabs(a_ - b_));                                          \
    } while (0)

static inline int pl_test_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, pl_test_pass_, pl_test_fail_);
    return pl_test_fail_ ? 1 : 0;
}
#endif
