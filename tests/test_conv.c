/* test_conv.c — the im2col + sgemm convolution kernels against a naive
 * direct convolution in double precision, on odd shapes: non-square images
 * and kernels, stride 1 and 2, padding 0/1/2, batch 1 and 7, and batches
 * large enough to be split into several sgemm chunks. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/autograd.h"
#include "test.h"

/* y[n,o,i,j] = sum_c,a,b x[n,c,i*s+a-p, j*s+b-p] w[o,c,a,b] */
static void naive_conv(const gt_tensor *x, const gt_tensor *w, gt_conv_geom g, double *y, int OH,
                       int OW) {
    int N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int O = w->shape[0], KH = w->shape[2], KW = w->shape[3];
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++)
            for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++) {
                    double s = 0;
                    for (int c = 0; c < C; c++)
                        for (int a = 0; a < KH; a++)
                            for (int b = 0; b < KW; b++) {
                                int ih = i * g.stride_h + a - g.pad_h, iw = j * g.stride_w + b - g.pad_w;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                s += (double)x->data[((n * C + c) * H + ih) * W + iw] *
                                     w->data[((o * C + c) * KH + a) * KW + b];
                            }
                    y[((n * O + o) * OH + i) * OW + j] = s;
                }
}

static double err_vs(const gt_tensor *t, const double *ref) {
    double m = 0, d = 0;
    for (int64_t i = 0; i < t->n; i++) {
        m = fmax(m, fabs(ref[i]));
        d = fmax(d, fabs(t->data[i] - ref[i]));
    }
    return d / fmax(m, 1e-30);
}

/* conv2d forward, and its input/weight gradients as the adjoint identities
 * <conv(x), gy> = <x, dx> and <conv_w(x), gy> = <w, dw> with the naive conv. */
static void check_shape(int N, int C, int H, int W, int O, int KH, int KW, int s, int p) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, (uint64_t)(N * 1000 + C * 100 + H * 10 + W + s + p));
    gt_conv_geom g = {s, s, p, p};
    gt_tensor *x = gt_new(c, 4, (int[]){N, C, H, W}), *w = gt_new(c, 4, (int[]){O, C, KH, KW});
    gt_rng_fill_normal(&r, x->data, x->n, 0, 1);
    gt_rng_fill_normal(&r, w->data, w->n, 0, 1);
    gt_requires_grad(x);
    gt_requires_grad(w);
    gt_tensor *y = gt_conv2d(c, x, w, NULL, g);
    int OH = (H + 2 * p - KH) / s + 1, OW = (W + 2 * p - KW) / s + 1;
    CHECK(y->shape[2] == OH && y->shape[3] == OW);
    double *ref = malloc(sizeof(double) * (size_t)y->n);
    naive_conv(x, w, g, ref, OH, OW);
    double e = err_vs(y, ref);
    CHECKF(e <= 1e-5, "conv2d N%d C%d %dx%d k%dx%d s%d p%d: forward error %.3g", N, C, H, W, KH, KW, s, p, e);

    /* backward: dx and dw from the tape; check them by perturbing single
     * coordinates through the naive conv (exact for a linear map) */
    gt_tensor *gy = gt_new(c, 4, y->shape);
    gt_rng_fill_normal(&r, gy->data, gy->n, 0, 1);
    gt_tensor *want[2] = {x, w}, *grads[2];
    CHECK(gt_grad(c, y, gy, 2, want, grads, 0) == 0);
    double *ref2 = malloc(sizeof(double) * (size_t)y->n);
    for (int which = 0; which < 2; which++) {
        gt_tensor *t = want[which];
        int64_t step = t->n > 40 ? t->n / 40 : 1;
        for (int64_t k = 0; k < t->n; k += step) {
            float keep = t->data[k];
            t->data[k] = keep + 1.0f;
            naive_conv(x, w, g, ref2, OH, OW);
            t->data[k] = keep;
            double d = 0;
            for (int64_t i = 0; i < y->n; i++) d += (ref2[i] - ref[i]) * gy->data[i];
            CHECKF(fabs(d - grads[which]->data[k]) <= 1e-4 * fmax(1.0, fabs(d)),
                   "conv2d N%d C%d %dx%d k%dx%d s%d p%d: d%s[%lld] = %.6g, naive %.6g", N, C, H, W, KH,
                   KW, s, p, which ? "w" : "x", (long long)k, (double)grads[which]->data[k], d);
        }
    }
    free(ref2);

    /* conv_transpose2d is the adjoint of conv2d in x: <T(gy), x> = <gy, conv(x)> */
    gt_tensor *wt = gt_detach(c, w);
    int oph = H - ((OH - 1) * s - 2 * p + KH), opw = W - ((OW - 1) * s - 2 * p + KW);
    gt_tensor *t = gt_conv_transpose2d(c, gy, wt, NULL, g, oph, opw);
    CHECK(t->shape[2] == H && t->shape[3] == W && t->shape[1] == C);
    double lhs = 0, rhs = 0;
    for (int64_t i = 0; i < x->n; i++) lhs += (double)t->data[i] * x->data[i];
    for (int64_t i = 0; i < y->n; i++) rhs += ref[i] * gy->data[i];
    CHECKF(fabs(lhs - rhs) <= 1e-4 * fmax(1.0, fabs(rhs)), "conv_transpose2d adjoint: %.8g vs %.8g", lhs, rhs);
    free(ref);
    gt_ctx_free(c);
}

GT_TEST(conv_naive_batch1) {
    check_shape(1, 3, 7, 5, 4, 3, 3, 1, 1);
    if (gt_test_failed()) return;
    check_shape(1, 2, 9, 6, 3, 3, 2, 2, 0);
    if (gt_test_failed()) return;
    check_shape(1, 3, 8, 11, 2, 4, 3, 2, 2);
}

GT_TEST(conv_naive_batch7) {
    check_shape(7, 3, 7, 5, 4, 3, 3, 1, 1);
    if (gt_test_failed()) return;
    check_shape(7, 2, 9, 6, 3, 3, 2, 2, 0);
    if (gt_test_failed()) return;
    check_shape(7, 3, 8, 11, 2, 4, 3, 2, 2);
    if (gt_test_failed()) return;
    check_shape(7, 1, 5, 5, 6, 5, 5, 1, 2);
    if (gt_test_failed()) return;
    check_shape(7, 4, 6, 6, 5, 1, 1, 1, 0);
}

/* a workspace limit small enough that the batch is split into chunks of 2,
 * with a remainder chunk of 1 */
GT_TEST(conv_naive_chunked_batch) {
    gt_conv_set_workspace_limit(2 * (5 * 3 * 3 + 6) * 4 * 3);
    check_shape(7, 5, 8, 6, 6, 3, 3, 2, 1);
    gt_conv_set_workspace_limit(0);
}

/* conv_transpose2d forward against a naive scatter definition, with bias
 * and output padding */
GT_TEST(conv_transpose_naive) {
    int N = 3, IC = 4, H = 5, W = 3, OC = 2, K = 3, s = 2, p = 1, op = 1;
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 5);
    gt_tensor *x = gt_new(c, 4, (int[]){N, IC, H, W}), *w = gt_new(c, 4, (int[]){IC, OC, K, K});
    gt_tensor *b = gt_new(c, 1, (int[]){OC});
    gt_rng_fill_normal(&r, x->data, x->n, 0, 1);
    gt_rng_fill_normal(&r, w->data, w->n, 0, 1);
    gt_rng_fill_normal(&r, b->data, b->n, 0, 1);
    gt_tensor *y = gt_conv_transpose2d(c, x, w, b, (gt_conv_geom){s, s, p, p}, op, op);
    int OH = (H - 1) * s - 2 * p + K + op, OW = (W - 1) * s - 2 * p + K + op;
    CHECK(y->shape[0] == N && y->shape[1] == OC && y->shape[2] == OH && y->shape[3] == OW);
    double *ref = calloc((size_t)y->n, sizeof(double));
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++)
            for (int i = 0; i < OH * OW; i++) ref[(n * OC + o) * OH * OW + i] = b->data[o];
    for (int n = 0; n < N; n++)
        for (int ci = 0; ci < IC; ci++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++)
                    for (int o = 0; o < OC; o++)
                        for (int a = 0; a < K; a++)
                            for (int bb = 0; bb < K; bb++) {
                                int oi = i * s - p + a, oj = j * s - p + bb;
                                if (oi < 0 || oi >= OH || oj < 0 || oj >= OW) continue;
                                ref[((n * OC + o) * OH + oi) * OW + oj] +=
                                    (double)x->data[((n * IC + ci) * H + i) * W + j] *
                                    w->data[((ci * OC + o) * K + a) * K + bb];
                            }
    double e = err_vs(y, ref);
    free(ref);
    CHECKF(e <= 1e-5, "conv_transpose2d forward error %.3g", e);
    gt_ctx_free(c);
}

/* Winograd F(2x2, 3x3) (3x3 stride 1, 16+ channels) against the naive
 * convolution: forward, input and weight gradients; odd sizes, every
 * padding it takes, batch 1 and 7, several sample chunks. */
GT_TEST(conv_winograd_vs_naive) {
    check_shape(1, 16, 7, 5, 16, 3, 3, 1, 1);
    if (gt_test_failed()) return;
    check_shape(7, 17, 6, 9, 20, 3, 3, 1, 0);
    if (gt_test_failed()) return;
    check_shape(3, 16, 5, 5, 18, 3, 3, 1, 2);
    if (gt_test_failed()) return;
    check_shape(2, 32, 8, 8, 16, 3, 3, 1, 1);
}

/* The Winograd and im2col paths agree on a DCGAN-sized layer. */
GT_TEST(conv_winograd_vs_im2col) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 77);
    gt_tensor *x = gt_new(c, 4, (int[]){5, 32, 16, 16}), *w = gt_new(c, 4, (int[]){24, 32, 3, 3});
    gt_rng_fill_normal(&r, x->data, x->n, 0, 1);
    gt_rng_fill_normal(&r, w->data, w->n, 0, 0.1f);
    gt_requires_grad(x);
    gt_requires_grad(w);
    gt_tensor *outs[2][3];
    for (int k = 0; k < 2; k++) {
        gt_conv_set_winograd(k);
        gt_tensor *y = gt_conv2d(c, x, w, NULL, (gt_conv_geom){1, 1, 1, 1}), *g[2];
        gt_tensor *gy = gt_full(c, 4, y->shape, 0.5f);
        for (int64_t i = 0; i < gy->n; i++) gy->data[i] = (float)((i * 7919) % 13) - 6.0f;
        gt_tensor *want[2] = {x, w};
        CHECK(gt_grad(c, y, gy, 2, want, g, 0) == 0);
        outs[k][0] = y;
        outs[k][1] = g[0];
        outs[k][2] = g[1];
    }
    gt_conv_set_winograd(1);
    CHECK_TENSOR(outs[1][0], outs[0][0], 2e-6, "forward");
    CHECK_TENSOR(outs[1][1], outs[0][1], 2e-6, "input gradient");
    CHECK_TENSOR(outs[1][2], outs[0][2], 2e-6, "weight gradient");
    gt_ctx_free(c);
}
