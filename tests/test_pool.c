/* test_pool.c — max / average / global pooling and bilinear resizing against
 * PyTorch (tests/fixtures/pool_ops.gtf, made by
 * scripts/make-inception-fixtures.py): forward, gradient, the backward's own
 * derivative (create_graph), and central finite differences. */
#include <math.h>
#include <string.h>

#include "gantrain/autograd.h"
#include "gantrain/error.h"
#include "gantrain/pool.h"
#include "gradcheck.h"
#include "test.h"

#define TOL_FWD 1e-5
#define TOL_GRAD 1e-4
#define TOL_FD 2e-3
#define FD_POINTS 48

static gt_fixture *fx;

static gt_fixture *fixture(void) {
    if (!fx) fx = gt_fixture_load(gt_test_path("fixtures/pool_ops.gtf"));
    return fx;
}

/* Checks case `name`: y = fn(x0) against torch, g0 = d<y,r>/dx0, hr =
 * d<g0,s0>/dr recorded through the backward pass, and g0 by finite
 * differences (fd_eps 0 skips those). */
static void check_case(const char *name, gt_check_fn fn, double fd_eps) {
    gt_fixture *f = fixture();
    if (!f) return;
    gt_tensor *x0 = gt_fixture_getf(f, "%s.x0", name), *yref = gt_fixture_getf(f, "%s.y", name);
    gt_tensor *r0 = gt_fixture_getf(f, "%s.r", name), *gref = gt_fixture_getf(f, "%s.g0", name);
    gt_tensor *s0 = gt_fixture_getf(f, "%s.s0", name), *href = gt_fixture_getf(f, "%s.hr", name);
    CHECKF(x0 && yref && r0 && gref && s0 && href, "fixture case %s incomplete", name);

    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *x = gt_from_data(c, x0->data, x0->ndim, x0->shape);
    gt_requires_grad(x);
    gt_tensor *y = fn(c, &x);
    CHECKF(y->n == yref->n && y->ndim == yref->ndim, "%s: output %s, torch gives %s", name,
           GT_SHAPE_STR(y), GT_SHAPE_STR(yref));
    for (int i = 0; i < y->ndim; i++)
        CHECKF(y->shape[i] == yref->shape[i], "%s: output %s, torch gives %s", name,
               GT_SHAPE_STR(y), GT_SHAPE_STR(yref));
    double e = gt_check_err(y, yref, 1e-6);
    CHECKF(e <= TOL_FWD, "%s forward: max relative error %.3g", name, e);
    /* recording off takes the kernels' values-only paths */
    int old = gt_set_grad_enabled(c, 0);
    e = gt_check_err(fn(c, &x), yref, 1e-6);
    gt_set_grad_enabled(c, old);
    CHECKF(e <= TOL_FWD, "%s forward without recording: max relative error %.3g", name, e);

    /* first order, recorded so that it can be differentiated in r */
    gt_tensor *r = gt_from_data(c, r0->data, y->ndim, y->shape);
    gt_requires_grad(r);
    gt_tensor *g;
    CHECKF(gt_grad(c, y, r, 1, &x, &g, 1) == 0, "%s: backward failed: %s", name, gt_error());
    e = gt_check_err(g, gref, 1e-6);
    CHECKF(e <= TOL_GRAD, "%s gradient vs torch: max relative error %.3g", name, e);

    gt_tensor *s = gt_from_data(c, s0->data, g->ndim, g->shape);
    gt_tensor *z = gt_sum(c, gt_mul(c, g, s), GT_ALL, 0), *hr;
    CHECKF(gt_grad(c, z, NULL, 1, &r, &hr, 0) == 0, "%s: second backward failed: %s", name,
           gt_error());
    e = gt_check_err(hr, href, 1e-6);
    CHECKF(e <= TOL_GRAD, "%s derivative of the backward vs torch: max relative error %.3g", name, e);

    if (fd_eps > 0) {
        gt_tensor *xs[1] = {x0};
        e = gt_check_fd(fn, xs, 1, 0, r0, g, fd_eps, FD_POINTS);
        CHECKF(e <= TOL_FD, "%s gradient vs finite differences: error %.3g", name, e);
    }
    gt_ctx_free(c);
}

#define SQ(k, s, p) gt_pool_geom_sq(k, s, p)
#define GEO(kh, kw, sh, sw, ph, pw) ((gt_pool_geom){kh, kw, sh, sw, ph, pw})

static gt_tensor *avg311_1(gt_ctx *c, gt_tensor **x) { return gt_avg_pool2d(c, x[0], SQ(3, 1, 1), 1); }
static gt_tensor *avg311_0(gt_ctx *c, gt_tensor **x) { return gt_avg_pool2d(c, x[0], SQ(3, 1, 1), 0); }
static gt_tensor *avg_rect_1(gt_ctx *c, gt_tensor **x) {
    return gt_avg_pool2d(c, x[0], GEO(3, 2, 2, 1, 1, 0), 1);
}
static gt_tensor *avg_rect_0(gt_ctx *c, gt_tensor **x) {
    return gt_avg_pool2d(c, x[0], GEO(3, 2, 2, 1, 1, 0), 0);
}
static gt_tensor *avg532_1(gt_ctx *c, gt_tensor **x) { return gt_avg_pool2d(c, x[0], SQ(5, 3, 2), 1); }
static gt_tensor *avg532_0(gt_ctx *c, gt_tensor **x) { return gt_avg_pool2d(c, x[0], SQ(5, 3, 2), 0); }
static gt_tensor *avg220(gt_ctx *c, gt_tensor **x) { return gt_avg_pool2d(c, x[0], SQ(2, 2, 0), 1); }
static gt_tensor *max320(gt_ctx *c, gt_tensor **x) { return gt_max_pool2d(c, x[0], SQ(3, 2, 0)); }
static gt_tensor *max311(gt_ctx *c, gt_tensor **x) { return gt_max_pool2d(c, x[0], SQ(3, 1, 1)); }
static gt_tensor *max_rect(gt_ctx *c, gt_tensor **x) {
    return gt_max_pool2d(c, x[0], GEO(2, 3, 1, 2, 1, 1));
}
static gt_tensor *max331(gt_ctx *c, gt_tensor **x) { return gt_max_pool2d(c, x[0], SQ(3, 3, 1)); }
static gt_tensor *gap(gt_ctx *c, gt_tensor **x) { return gt_global_avg_pool(c, x[0]); }

GT_TEST(pool_avg_k3s1p1_count_pad) { check_case("avg_k3s1p1_cip1", avg311_1, 1e-2); }
GT_TEST(pool_avg_k3s1p1_no_count_pad) { check_case("avg_k3s1p1_cip0", avg311_0, 1e-2); }
GT_TEST(pool_avg_rect_count_pad) { check_case("avg_k3x2s2x1p1x0_cip1", avg_rect_1, 1e-2); }
GT_TEST(pool_avg_rect_no_count_pad) { check_case("avg_k3x2s2x1p1x0_cip0", avg_rect_0, 1e-2); }
GT_TEST(pool_avg_k5s3p2_count_pad) { check_case("avg_k5s3p2_cip1", avg532_1, 1e-2); }
GT_TEST(pool_avg_k5s3p2_no_count_pad) { check_case("avg_k5s3p2_cip0", avg532_0, 1e-2); }
GT_TEST(pool_avg_k2s2) { check_case("avg_k2s2p0", avg220, 1e-2); }
GT_TEST(pool_max_k3s2) { check_case("max_k3s2p0", max320, 1e-2); }
GT_TEST(pool_max_k3s1p1) { check_case("max_k3s1p1", max311, 1e-2); }
GT_TEST(pool_max_rect) { check_case("max_k2x3s1x2p1x1", max_rect, 1e-2); }
GT_TEST(pool_max_negative_padded) { check_case("max_k3s3p1_neg", max331, 1e-2); }
GT_TEST(pool_global_avg) { check_case("gap", gap, 1e-2); }

/* resize cases: the output size is in the case name */
static int rs_h, rs_w;
static gt_tensor *resize(gt_ctx *c, gt_tensor **x) { return gt_resize_bilinear(c, x[0], rs_h, rs_w); }
static void check_resize(int ih, int iw, int oh, int ow) {
    char name[64];
    snprintf(name, sizeof name, "resize_%dx%d_%dx%d", ih, iw, oh, ow);
    rs_h = oh, rs_w = ow;
    check_case(name, resize, 1e-2);
}
GT_TEST(resize_up_nonsquare) { check_resize(5, 4, 11, 9); }
GT_TEST(resize_down) { check_resize(9, 12, 4, 5); }
GT_TEST(resize_same_size) { check_resize(6, 7, 6, 7); }
GT_TEST(resize_from_one_row) { check_resize(1, 3, 4, 2); }
GT_TEST(resize_one_axis) { check_resize(7, 6, 7, 13); }
GT_TEST(resize_28_to_299) { check_resize(28, 12, 299, 31); }

/* avg pool and its adjoint are transposes: <A x, y> = <x, A^T y> */
GT_TEST(pool_avg_adjoint_identity) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng rng_s, *rng = &rng_s;
    gt_rng_seed(rng, 7);
    gt_pool_geom geos[3] = {SQ(3, 1, 1), GEO(3, 2, 2, 1, 1, 0), SQ(5, 3, 2)};
    for (int k = 0; k < 3; k++)
        for (int cip = 0; cip < 2; cip++) {
            gt_tensor *x = gt_new(c, 4, (int[]){2, 3, 10, 9});
            gt_rng_fill_uniform(rng, x->data, x->n, -1, 1);
            gt_tensor *ax = gt_avg_pool2d(c, x, geos[k], cip);
            gt_tensor *y = gt_new(c, 4, ax->shape);
            gt_rng_fill_uniform(rng, y->data, y->n, -1, 1);
            gt_tensor *aty = gt_avg_pool2d_adjoint(c, y, 10, 9, geos[k], cip);
            double l = 0, r = 0;
            for (int64_t i = 0; i < ax->n; i++) l += (double)ax->data[i] * y->data[i];
            for (int64_t i = 0; i < x->n; i++) r += (double)x->data[i] * aty->data[i];
            CHECK_NEAR(l, r, 1e-4 * (fabs(l) + 1));
        }
    gt_ctx_free(c);
}

/* a NaN in a window is the window's max, as in torch, recording or not */
GT_TEST(pool_max_nan_propagates) {
    gt_ctx *c = gt_ctx_new(0);
    for (int rec = 0; rec < 2; rec++) {
        gt_tensor *x = gt_zeros(c, 4, (int[]){1, 1, 6, 4});
        x->data[5] = NAN;
        x->data[15] = 3.0f;
        x->data[16] = -1.0f;
        x->data[20] = NAN; /* last row: alone in the window of the third output row */
        if (rec) gt_requires_grad(x);
        gt_tensor *y = gt_max_pool2d(c, x, SQ(2, 2, 0));
        CHECK(isnan(y->data[0]));
        CHECK(y->data[1] == 0.0f && y->data[2] == 0.0f && y->data[3] == 3.0f);
        CHECK(isnan(y->data[4]) && y->data[5] == 0.0f);
        gt_tensor *z = gt_max_pool2d(c, x, SQ(3, 1, 1));
        CHECK(isnan(z->data[0]) && isnan(z->data[20]) && z->data[3] == 0.0f && z->data[15] == 3.0f && z->data[23] == 0.0f);
    }
    gt_ctx_free(c);
}

/* with recording off, pooling and resizing leave nothing on the tape */
GT_TEST(pool_no_grad_records_nothing) {
    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *x = gt_zeros(c, 4, (int[]){1, 2, 9, 9});
    gt_requires_grad(x);
    gt_set_grad_enabled(c, 0);
    gt_max_pool2d(c, x, SQ(3, 2, 0));
    gt_avg_pool2d(c, x, SQ(3, 1, 1), 0);
    gt_resize_bilinear(c, x, 20, 17);
    gt_global_avg_pool(c, x);
    CHECK(gt_ctx_tape_len(c) == 0);
    gt_ctx_free(c);
}
