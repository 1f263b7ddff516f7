/* test.h — the tiny test framework: GT_TEST(name) defines a test; CHECK
 * macros record the first failure and return.  tests/main.c runs each test
 * in its own process and prints "N passed, N failed". */
#ifndef GANTRAIN_TEST_H
#define GANTRAIN_TEST_H

#include <math.h>
#include <stdio.h>

#include "gantrain/tensor.h"

#define GT_TEST(name) void test_##name(void)

void gt_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int gt_test_failed(void);
/* Path of a file under tests/ (the runner's working directory may vary). */
const char *gt_test_path(const char *rel);
/* A fresh scratch directory for this test (removed by the runner). */
const char *gt_test_tmpdir(void);

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            gt_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);       \
            return;                                                     \
        }                                                               \
    } while (0)
#define CHECKF(cond, ...)                                               \
    do {                                                                \
        if (!(cond)) {                                                  \
            gt_test_fail(__FILE__, __LINE__, __VA_ARGS__);              \
            return;                                                     \
        }                                                               \
    } while (0)
/* |a - b| <= tol */
#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double a_ = (a), b_ = (b);                                                     \
        if (!(fabs(a_ - b_) <= (tol))) {                                               \
            gt_test_fail(__FILE__, __LINE__, "%s = %.9g, %s = %.9g, tolerance %g", #a, \
                         a_, #b, b_, (double)(tol));                                   \
            return;                                                                    \
        }                                                                              \
    } while (0)
/* max|a-b| / max|b| <= tol, for tensors */
#define CHECK_TENSOR(a, b, tol, what)                                                   \
    do {                                                                                \
        double e_ = gt_tensor_max_rel_err((a), (b));                                    \
        if (!(e_ <= (tol))) {                                                           \
            gt_test_fail(__FILE__, __LINE__, "%s: max relative error %.3g > %g", (what), \
                         e_, (double)(tol));                                            \
            return;                                                                     \
        }                                                                               \
    } while (0)

/* ---- fixtures (tests/fixture.c) ---- */
typedef struct gt_fixture gt_fixture;
gt_fixture *gt_fixture_load(const char *path); /* NULL + test failure when missing */
void gt_fixture_free(gt_fixture *f);
/* NULL when absent.  Owned by the fixture. */
gt_tensor *gt_fixture_get(gt_fixture *f, const char *name);
gt_tensor *gt_fixture_getf(gt_fixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
