/* test_ops.c — every differentiable op against PyTorch (tests/fixtures/ops.gtf,
 * made by scripts/make-fixtures.py) and against central finite differences,
 * first order and, where the op must support it, second order. */
#include <string.h>

#include "gantrain/autograd.h"
#include "gantrain/error.h"
#include "gradcheck.h"
#include "test.h"

#define TOL_FWD 1e-4
#define TOL_GRAD 1e-3
#define FD_POINTS 48

static gt_fixture *fx;

static gt_fixture *fixture(void) {
    if (!fx) fx = gt_fixture_load(gt_test_path("fixtures/ops.gtf"));
    return fx;
}

/* Loads case `name`, checks forward, first and second order against the
 * fixture, then finite differences.  fd_eps 0 skips the FD checks. */
static void check_op(const char *name, gt_check_fn fn, double fd_eps) {
    gt_fixture *f = fixture();
    if (!f) return;
    gt_tensor *x[8], *xr[8], *want[8], *g[8], *s[8];
    int n_in = 0, diff[8], n_diff = 0;
    while (n_in < 8 && (x[n_in] = gt_fixture_getf(f, "%s.x%d", name, n_in))) n_in++;
    CHECKF(n_in > 0, "no fixture for case %s", name);
    gt_tensor *yref = gt_fixture_getf(f, "%s.y", name), *r = gt_fixture_getf(f, "%s.r", name);
    int second = gt_fixture_getf(f, "%s.s0", name) || gt_fixture_getf(f, "%s.s1", name);
    for (int i = 0; i < n_in; i++)
        if (gt_fixture_getf(f, "%s.g%d", name, i)) diff[n_diff++] = i;

    gt_ctx *c = gt_ctx_new(0);
    for (int i = 0; i < n_in; i++) {
        xr[i] = gt_from_data(c, x[i]->data, x[i]->ndim, x[i]->shape);
        for (int j = 0; j < n_diff; j++)
            if (diff[j] == i) gt_requires_grad(xr[i]);
    }
    gt_tensor *y = fn(c, xr);
    CHECKF(y->n == yref->n, "%s: output %s, torch gives %s", name, GT_SHAPE_STR(y), GT_SHAPE_STR(yref));
    double e = gt_check_err(y, yref, 1e-6);
    CHECKF(e <= TOL_FWD, "%s forward: max relative error %.3g", name, e);

    gt_tensor *rr = gt_from_data(c, r->data, y->ndim, y->shape);
    for (int j = 0; j < n_diff; j++) want[j] = xr[diff[j]];
    CHECKF(gt_grad(c, y, rr, n_diff, want, g, second) == 0, "%s: backward failed", name);
    for (int j = 0; j < n_diff; j++) {
        gt_tensor *gref = gt_fixture_getf(f, "%s.g%d", name, diff[j]);
        e = gt_check_err(g[j], gref, 1e-6);
        CHECKF(e <= TOL_GRAD, "%s grad of input %d vs torch: max relative error %.3g", name, diff[j], e);
    }
    if (second) {
        gt_tensor *z = NULL, *h[8];
        for (int j = 0; j < n_diff; j++) {
            s[j] = gt_fixture_getf(f, "%s.s%d", name, diff[j]);
            gt_tensor *sj = gt_from_data(c, s[j]->data, g[j]->ndim, g[j]->shape);
            gt_tensor *t = gt_sum(c, gt_mul(c, g[j], sj), GT_ALL, 0);
            z = z ? gt_add(c, z, t) : t;
        }
        CHECKF(gt_grad(c, z, NULL, n_diff, want, h, 0) == 0, "%s: second backward failed: %s", name,
               gt_error());
        for (int j = 0; j < n_diff; j++) {
            gt_tensor *href = gt_fixture_getf(f, "%s.h%d", name, diff[j]);
            e = gt_check_err(h[j], href, 1e-3);
            CHECKF(e <= TOL_GRAD, "%s second derivative in input %d vs torch: error %.3g", name,
                   diff[j], e);
        }
        if (fd_eps > 0)
            for (int j = 0; j < n_diff; j++) {
                gt_tensor *href = gt_fixture_getf(f, "%s.h%d", name, diff[j]);
                e = gt_check_fd2(fn, x, n_in, diff, n_diff, diff[j], r, s, href, fd_eps, FD_POINTS);
                CHECKF(e <= TOL_GRAD, "%s second derivative in input %d vs finite differences: error %.3g",
                       name, diff[j], e);
            }
    }
    if (fd_eps > 0)
        for (int j = 0; j < n_diff; j++) {
            e = gt_check_fd(fn, x, n_in, diff[j], r, g[j], fd_eps, FD_POINTS);
            CHECKF(e <= TOL_GRAD, "%s grad of input %d vs finite differences: error %.3g", name, diff[j], e);
        }
    gt_ctx_free(c);
}

#define G(geo_sh, geo_sw, geo_ph, geo_pw) ((gt_conv_geom){geo_sh, geo_sw, geo_ph, geo_pw})

/* ---- elementwise ---- */
static gt_tensor *f_add(gt_ctx *c, gt_tensor **x) { return gt_add(c, x[0], x[1]); }
static gt_tensor *f_sub(gt_ctx *c, gt_tensor **x) { return gt_sub(c, x[0], x[1]); }
static gt_tensor *f_mul(gt_ctx *c, gt_tensor **x) { return gt_mul(c, x[0], x[1]); }
static gt_tensor *f_div(gt_ctx *c, gt_tensor **x) { return gt_div(c, x[0], x[1]); }
static gt_tensor *f_affine(gt_ctx *c, gt_tensor **x) { return gt_affine(c, x[0], 1.7f, -0.3f); }
static gt_tensor *f_pow3(gt_ctx *c, gt_tensor **x) { return gt_pow(c, x[0], 3.0f); }
static gt_tensor *f_pow15(gt_ctx *c, gt_tensor **x) { return gt_pow(c, x[0], 1.5f); }
static gt_tensor *f_square(gt_ctx *c, gt_tensor **x) { return gt_square(c, x[0]); }
static gt_tensor *f_sqrt(gt_ctx *c, gt_tensor **x) { return gt_sqrt(c, x[0]); }
static gt_tensor *f_abs(gt_ctx *c, gt_tensor **x) { return gt_abs(c, x[0]); }
static gt_tensor *f_exp(gt_ctx *c, gt_tensor **x) { return gt_exp(c, x[0]); }
static gt_tensor *f_log(gt_ctx *c, gt_tensor **x) { return gt_log(c, x[0]); }
static gt_tensor *f_clamp(gt_ctx *c, gt_tensor **x) { return gt_clamp_min(c, x[0], 0.25f); }
GT_TEST(op_add_same) { check_op("add_same", f_add, 1e-2); }
GT_TEST(op_add_bcast) { check_op("add_bcast", f_add, 1e-2); }
GT_TEST(op_sub_bcast) { check_op("sub_bcast", f_sub, 1e-2); }
GT_TEST(op_mul_bcast) { check_op("mul_bcast", f_mul, 1e-2); }
GT_TEST(op_mul_scalar) { check_op("mul_scalar", f_mul, 1e-2); }
GT_TEST(op_div_bcast) { check_op("div_bcast", f_div, 1e-2); }
GT_TEST(op_affine) { check_op("affine", f_affine, 1e-2); }
GT_TEST(op_pow3) { check_op("pow3", f_pow3, 1e-2); }
GT_TEST(op_pow_1_5) { check_op("pow_1_5", f_pow15, 1e-2); }
GT_TEST(op_square) { check_op("square", f_square, 1e-2); }
GT_TEST(op_sqrt) { check_op("sqrt", f_sqrt, 1e-2); }
GT_TEST(op_abs) { check_op("abs", f_abs, 1e-2); }
GT_TEST(op_exp) { check_op("exp", f_exp, 1e-2); }
GT_TEST(op_log) { check_op("log", f_log, 2e-3); }
GT_TEST(op_clamp_min) { check_op("clamp_min", f_clamp, 1e-2); }

/* ---- activations ---- */
static gt_tensor *f_relu(gt_ctx *c, gt_tensor **x) { return gt_relu(c, x[0]); }
static gt_tensor *f_leaky(gt_ctx *c, gt_tensor **x) { return gt_leaky_relu(c, x[0], 0.2f); }
static gt_tensor *f_elu(gt_ctx *c, gt_tensor **x) { return gt_elu(c, x[0], 1.0f); }
static gt_tensor *f_elu05(gt_ctx *c, gt_tensor **x) { return gt_elu(c, x[0], 0.5f); }
static gt_tensor *f_tanh(gt_ctx *c, gt_tensor **x) { return gt_tanh(c, x[0]); }
static gt_tensor *f_sigmoid(gt_ctx *c, gt_tensor **x) { return gt_sigmoid(c, x[0]); }
GT_TEST(op_relu) { check_op("relu", f_relu, 1e-2); }
GT_TEST(op_leaky_relu) { check_op("leaky_relu", f_leaky, 1e-2); }
GT_TEST(op_elu) { check_op("elu", f_elu, 1e-2); }
GT_TEST(op_elu_alpha) { check_op("elu_a05", f_elu05, 1e-2); }
GT_TEST(op_tanh) { check_op("tanh", f_tanh, 1e-2); }
GT_TEST(op_sigmoid) { check_op("sigmoid", f_sigmoid, 1e-2); }

/* ---- reductions and shape ---- */
static gt_tensor *f_sum_all(gt_ctx *c, gt_tensor **x) { return gt_sum(c, x[0], GT_ALL, 0); }
static gt_tensor *f_sum_dim1(gt_ctx *c, gt_tensor **x) { return gt_sum(c, x[0], 1, 0); }
static gt_tensor *f_mean_all(gt_ctx *c, gt_tensor **x) { return gt_mean(c, x[0], GT_ALL, 0); }
static gt_tensor *f_mean_last(gt_ctx *c, gt_tensor **x) { return gt_mean(c, x[0], -1, 1); }
static gt_tensor *f_sum_chan(gt_ctx *c, gt_tensor **x) {
    return gt_sum_to(c, x[0], 4, (int[]){1, x[0]->shape[1], 1, 1});
}
static gt_tensor *f_flatten(gt_ctx *c, gt_tensor **x) {
    gt_tensor *ramp = gt_new(c, 1, (int[]){60});
    for (int i = 0; i < 60; i++) ramp->data[i] = (float)i;
    return gt_mul(c, gt_flatten(c, x[0]), ramp);
}
static gt_tensor *f_concat1(gt_ctx *c, gt_tensor **x) { return gt_concat(c, 2, x, 1); }
static gt_tensor *f_concat0(gt_ctx *c, gt_tensor **x) { return gt_concat(c, 3, x, 0); }
static gt_tensor *f_slice(gt_ctx *c, gt_tensor **x) { return gt_slice(c, x[0], 1, 1, 3); }
GT_TEST(op_sum_all) { check_op("sum_all", f_sum_all, 1e-2); }
GT_TEST(op_sum_dim) { check_op("sum_dim1", f_sum_dim1, 1e-2); }
GT_TEST(op_mean_all) { check_op("mean_all", f_mean_all, 1e-2); }
GT_TEST(op_mean_dim_keepdim) { check_op("mean_last_keep", f_mean_last, 1e-2); }
GT_TEST(op_sum_to_channels) { check_op("sum_chan", f_sum_chan, 1e-2); }
GT_TEST(op_flatten) { check_op("flatten", f_flatten, 1e-2); }
GT_TEST(op_concat_features) { check_op("concat1", f_concat1, 1e-2); }
GT_TEST(op_concat_batch) { check_op("concat0", f_concat0, 1e-2); }
GT_TEST(op_slice) { check_op("slice", f_slice, 1e-2); }

/* ---- matmul / linear ---- */
static gt_tensor *f_mm00(gt_ctx *c, gt_tensor **x) { return gt_matmul(c, x[0], x[1], 0, 0); }
static gt_tensor *f_mm01(gt_ctx *c, gt_tensor **x) { return gt_matmul(c, x[0], x[1], 0, 1); }
static gt_tensor *f_mm10(gt_ctx *c, gt_tensor **x) { return gt_matmul(c, x[0], x[1], 1, 0); }
static gt_tensor *f_mm11(gt_ctx *c, gt_tensor **x) { return gt_matmul(c, x[0], x[1], 1, 1); }
static gt_tensor *f_linear(gt_ctx *c, gt_tensor **x) { return gt_linear(c, x[0], x[1], x[2]); }
static gt_tensor *f_linear_nb(gt_ctx *c, gt_tensor **x) { return gt_linear(c, x[0], x[1], NULL); }
GT_TEST(op_matmul) { check_op("matmul_00", f_mm00, 1e-2); }
GT_TEST(op_matmul_bt) { check_op("matmul_01", f_mm01, 1e-2); }
GT_TEST(op_matmul_at) { check_op("matmul_10", f_mm10, 1e-2); }
GT_TEST(op_matmul_atbt) { check_op("matmul_11", f_mm11, 1e-2); }
GT_TEST(op_linear) { check_op("linear", f_linear, 1e-2); }
GT_TEST(op_linear_nobias) { check_op("linear_nobias", f_linear_nb, 1e-2); }

/* ---- convolution ---- */
static gt_tensor *f_conv_s1p1(gt_ctx *c, gt_tensor **x) { return gt_conv2d(c, x[0], x[1], x[2], G(1, 1, 1, 1)); }
static gt_tensor *f_conv_s2p0(gt_ctx *c, gt_tensor **x) { return gt_conv2d(c, x[0], x[1], x[2], G(2, 2, 0, 0)); }
static gt_tensor *f_conv_s2p2(gt_ctx *c, gt_tensor **x) { return gt_conv2d(c, x[0], x[1], NULL, G(2, 2, 2, 2)); }
static gt_tensor *f_conv_1x1(gt_ctx *c, gt_tensor **x) { return gt_conv2d(c, x[0], x[1], x[2], G(1, 1, 0, 0)); }
static gt_tensor *f_convt_a(gt_ctx *c, gt_tensor **x) {
    return gt_conv_transpose2d(c, x[0], x[1], x[2], G(2, 2, 1, 1), 1, 1);
}
static gt_tensor *f_convt_b(gt_ctx *c, gt_tensor **x) {
    return gt_conv_transpose2d(c, x[0], x[1], NULL, G(1, 1, 0, 0), 0, 0);
}
static gt_tensor *f_convt_c(gt_ctx *c, gt_tensor **x) {
    return gt_conv_transpose2d(c, x[0], x[1], x[2], G(2, 2, 1, 1), 0, 0);
}
GT_TEST(op_conv2d_s1p1) { check_op("conv_s1p1", f_conv_s1p1, 1e-2); }
GT_TEST(op_conv2d_s2p0) { check_op("conv_s2p0", f_conv_s2p0, 1e-2); }
GT_TEST(op_conv2d_s2p2) { check_op("conv_s2p2", f_conv_s2p2, 1e-2); }
GT_TEST(op_conv2d_1x1) { check_op("conv_1x1", f_conv_1x1, 1e-2); }
GT_TEST(op_conv_transpose2d_s2p1op1) { check_op("convt_s2p1op1", f_convt_a, 1e-2); }
GT_TEST(op_conv_transpose2d_s1p0) { check_op("convt_s1p0", f_convt_b, 1e-2); }
GT_TEST(op_conv_transpose2d_k4s2p1) { check_op("convt_s2p0_k4", f_convt_c, 1e-2); }

/* ---- resampling ---- */
static gt_tensor *f_up2(gt_ctx *c, gt_tensor **x) { return gt_upsample_nearest(c, x[0], 2); }
static gt_tensor *f_up3(gt_ctx *c, gt_tensor **x) { return gt_upsample_nearest(c, x[0], 3); }
static gt_tensor *f_avg2(gt_ctx *c, gt_tensor **x) { return gt_avg_pool(c, x[0], 2); }
GT_TEST(op_upsample_nearest2) { check_op("upsample2", f_up2, 1e-2); }
GT_TEST(op_upsample_nearest3) { check_op("upsample3", f_up3, 1e-2); }
GT_TEST(op_avg_pool) { check_op("avgpool2", f_avg2, 1e-2); }

/* ---- normalisation ---- */
static gt_tensor *f_bn_train(gt_ctx *c, gt_tensor **x) {
    return gt_batchnorm(c, x[0], x[1], x[2], x[3], x[4], 0.1f, 1e-5f, 1);
}
static gt_tensor *f_bn_eval(gt_ctx *c, gt_tensor **x) {
    return gt_batchnorm(c, x[0], x[1], x[2], x[3], x[4], 0.1f, 0.8f, 0);
}
static gt_tensor *f_ln(gt_ctx *c, gt_tensor **x) { return gt_layer_norm(c, x[0], x[1], x[2], 1e-5f); }
GT_TEST(op_batchnorm2d_train) { check_op("bn2d_train", f_bn_train, 1e-2); }
GT_TEST(op_batchnorm1d_train) { check_op("bn1d_train", f_bn_train, 1e-2); }
GT_TEST(op_batchnorm2d_eval) { check_op("bn2d_eval", f_bn_eval, 1e-2); }
GT_TEST(op_layer_norm) { check_op("layer_norm", f_ln, 1e-2); }
GT_TEST(op_layer_norm_4d) { check_op("layer_norm4d", f_ln, 1e-2); }

/* running statistics after one training step equal torch's */
GT_TEST(op_batchnorm_running_stats) {
    gt_fixture *f = fixture();
    if (!f) return;
    const char *cases[] = {"bn2d_train", "bn1d_train"};
    for (int k = 0; k < 2; k++) {
        gt_ctx *c = gt_ctx_new(0);
        gt_tensor *x[5];
        for (int i = 0; i < 5; i++) {
            gt_tensor *t = gt_fixture_getf(f, "%s.x%d", cases[k], i);
            x[i] = gt_from_data(c, t->data, t->ndim, t->shape);
        }
        f_bn_train(c, x);
        CHECK_TENSOR(x[3], gt_fixture_getf(f, "%s.rm", cases[k]), 1e-5, "running mean");
        CHECK_TENSOR(x[4], gt_fixture_getf(f, "%s.rv", cases[k]), 1e-5, "running var");
        gt_ctx_free(c);
    }
}

/* ---- lookup ---- */
static gt_tensor *f_emb(gt_ctx *c, gt_tensor **x) { return gt_embedding(c, x[0], x[1]); }
GT_TEST(op_embedding) { check_op("embedding", f_emb, 1e-2); }

/* ---- losses ---- */
static gt_tensor *f_bce(gt_ctx *c, gt_tensor **x) { return gt_bce(c, x[0], x[1]); }
static gt_tensor *f_bcel(gt_ctx *c, gt_tensor **x) { return gt_bce_logits(c, x[0], x[1]); }
static gt_tensor *f_mse(gt_ctx *c, gt_tensor **x) { return gt_mse(c, x[0], x[1]); }
static gt_tensor *f_l1(gt_ctx *c, gt_tensor **x) { return gt_l1(c, x[0], x[1]); }
static gt_tensor *f_softmax(gt_ctx *c, gt_tensor **x) { return gt_softmax(c, x[0]); }
static gt_tensor *f_lsm(gt_ctx *c, gt_tensor **x) { return gt_log_softmax(c, x[0]); }
static gt_tensor *f_ce(gt_ctx *c, gt_tensor **x) { return gt_cross_entropy(c, x[0], x[1]); }
GT_TEST(op_bce) { check_op("bce", f_bce, 1e-3); }
GT_TEST(op_bce_soft_targets) { check_op("bce_soft", f_bce, 1e-3); }
GT_TEST(op_bce_with_logits) { check_op("bce_logits", f_bcel, 1e-2); }
GT_TEST(op_mse) { check_op("mse", f_mse, 1e-2); }
GT_TEST(op_l1) { check_op("l1", f_l1, 1e-2); }
GT_TEST(op_softmax) { check_op("softmax", f_softmax, 1e-2); }
GT_TEST(op_log_softmax) { check_op("log_softmax", f_lsm, 1e-2); }
GT_TEST(op_cross_entropy) { check_op("cross_entropy", f_ce, 1e-2); }
