/* conv.c — conv2d, conv_transpose2d and the weight-gradient op, forward and
 * backward, over im2col + sgemm.
 *
 * The three ops form a family closed under differentiation:
 *   conv2d(x, w)          : dx = conv_transpose2d(g, w), dw = weight_grad(x, g)
 *   conv_transpose2d(x, w): dx = conv2d(g, w),           dw = weight_grad(g, x)
 *   weight_grad(x, dy)    : dx = conv_transpose2d(dy, G), ddy = conv2d(x, G)
 * so second derivatives through convolutions are exact.
 *
 * Samples are processed in chunks: one im2col over nb samples and one sgemm
 * per chunk, nb as large as the workspace limit allows. */
#include <cblas.h>
#include <string.h>

#include "im2col.h"
#include "internal.h"
#include "winograd.h"

/* Workspace per chunk, in floats: col plus the [OC, nb*OHW] staging matrix. */
static size_t conv_ws_limit = (size_t)4 << 20;

void gt_conv_set_workspace_limit(size_t floats) { conv_ws_limit = floats ? floats : ((size_t)4 << 20); }

static int chunk_samples(const gt_conv_dims *d, int OC, int N) {
    size_t per = ((size_t)d->C * d->KH * d->KW + (size_t)OC) * (size_t)d->OH * d->OW;
    size_t nb = per ? conv_ws_limit / per : (size_t)N;
    if (nb < 1) nb = 1;
    if (nb > (size_t)N) nb = (size_t)N;
    return (int)nb;
}

/* stage[oc, j*OHW + p] <-> y[n0+j, oc, p] */
static void unstage(const float *stage, int nb, int OC, int64_t ohw, float *y) {
#pragma omp parallel for schedule(static) if ((int64_t)nb * OC * ohw >= GT_PAR_MIN)
    for (int i = 0; i < nb * OC; i++) {
        int j = i / OC, oc = i % OC;
        memcpy(y + ((int64_t)j * OC + oc) * ohw, stage + ((int64_t)oc * nb + j) * ohw,
               (size_t)ohw * sizeof(float));
    }
}
static void stage_in(const float *y, int nb, int OC, int64_t ohw, float *stage) {
#pragma omp parallel for schedule(static) if ((int64_t)nb * OC * ohw >= GT_PAR_MIN)
    for (int i = 0; i < nb * OC; i++) {
        int j = i / OC, oc = i % OC;
        memcpy(stage + ((int64_t)oc * nb + j) * ohw, y + ((int64_t)j * OC + oc) * ohw,
               (size_t)ohw * sizeof(float));
    }
}

/* Few output channels (a generator's last layer, a critic's score map):
 * a GEMM with M <= 4 runs at a fraction of the machine's speed while
 * im2col still writes C*KH*KW copies of the input, so sum shifted planes
 * directly.  One output plane per iteration: thread-count independent. */
#define DIRECT_MAX_OC 4
/* ... and when a kernel position touches few input values (C*KH*KW), the
 * GEMM's K is too short for the packing to pay off */
#define DIRECT_MAX_K 16

static void conv_fwd_direct(const float *x, int N, const gt_conv_dims *d, const float *w, int OC,
                            float *y) {
    const int C = d->C, H = d->H, W = d->W, KH = d->KH, KW = d->KW, OH = d->OH, OW = d->OW;
    const int sh = d->sh, sw = d->sw, ph = d->ph, pw = d->pw;
#pragma omp parallel for schedule(static) if ((int64_t)N * OC * C * KH * KW * OH * OW >= GT_PAR_MIN)
    for (int p = 0; p < N * OC; p++) {
        int n = p / OC, oc = p % OC;
        float *yp = y + (int64_t)p * OH * OW;
        memset(yp, 0, sizeof(float) * (size_t)OH * (size_t)OW);
        for (int ci = 0; ci < C; ci++) {
            const float *xp = x + ((int64_t)n * C + ci) * H * W;
            for (int a = 0; a < KH; a++)
                for (int b = 0; b < KW; b++) {
                    float wv = w[(((int64_t)oc * C + ci) * KH + a) * KW + b];
                    /* output columns whose input column is inside the image */
                    int lo = 0, hi = OW;
                    while (lo < OW && lo * sw + b - pw < 0) lo++;
                    while (hi > lo && (hi - 1) * sw + b - pw >= W) hi--;
                    for (int i = 0; i < OH; i++) {
                        int ih = i * sh + a - ph;
                        if (ih < 0 || ih >= H) continue;
                        const float *xr = xp + (int64_t)ih * W + b - pw;
                        float *yr = yp + (int64_t)i * OW;
                        if (sw == 1)
                            for (int j = lo; j < hi; j++) yr[j] += wv * xr[j];
                        else
                            for (int j = lo; j < hi; j++) yr[j] += wv * xr[j * sw];
                    }
                }
        }
    }
}

/* dw[oc, c, a, b] = sum over n, i, j of dy[n, oc, i, j] x[n, c, i*s+a-p, j*s+b-p] */
static void conv_wgrad_direct(const float *x, const float *dy, int N, const gt_conv_dims *d, int OC,
                              float *dw) {
    const int C = d->C, H = d->H, W = d->W, KH = d->KH, KW = d->KW, OH = d->OH, OW = d->OW;
    const int sh = d->sh, sw = d->sw, ph = d->ph, pw = d->pw;
#pragma omp parallel for schedule(static) if ((int64_t)N * OC * C * KH * KW * OH * OW >= GT_PAR_MIN)
    for (int e = 0; e < OC * C * KH * KW; e++) {
        int b = e % KW, a = e / KW % KH, ci = e / (KW * KH) % C, oc = e / (KW * KH * C);
        int lo = 0, hi = OW;
        while (lo < OW && lo * sw + b - pw < 0) lo++;
        while (hi > lo && (hi - 1) * sw + b - pw >= W) hi--;
        double acc = 0;
        for (int n = 0; n < N; n++) {
            const float *xp = x + ((int64_t)n * C + ci) * H * W;
            const float *gp = dy + ((int64_t)n * OC + oc) * OH * OW;
            for (int i = 0; i < OH; i++) {
                int ih = i * sh + a - ph;
                if (ih < 0 || ih >= H) continue;
                const float *xr = xp + (int64_t)ih * W + b - pw;
                const float *gr = gp + (int64_t)i * OW;
                float s = 0.0f;
                if (sw == 1)
                    for (int j = lo; j < hi; j++) s += gr[j] * xr[j];
                else
                    for (int j = lo; j < hi; j++) s += gr[j] * xr[j * sw];
                acc += s;
            }
        }
        dw[e] = (float)acc;
    }
}

/* y[N,OC,OH,OW] = conv(x[N,C,H,W], w[OC, C*KH*KW]) */
static void conv_fwd(gt_ctx *c, const float *x, int N, const gt_conv_dims *d, const float *w,
                     int OC, float *y) {
    if (OC <= DIRECT_MAX_OC || (int64_t)d->C * d->KH * d->KW <= DIRECT_MAX_K) {
        conv_fwd_direct(x, N, d, w, OC, y);
        return;
    }
    if (gt_winograd_applies(d, OC)) {
        gt_winograd_fwd(c, x, N, d, w, OC, y);
        return;
    }
    if (d->KH == 1 && d->KW == 1 && d->sh == 1 && d->sw == 1 && d->ph == 0 && d->pw == 0) {
        /* 1x1: each sample's [C, HW] plane is already the GEMM operand */
        const int64_t hw = (int64_t)d->H * d->W;
        for (int n = 0; n < N; n++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, (int)hw, d->C, 1.0f, w, d->C,
                        x + n * d->C * hw, (int)hw, 0.0f, y + n * OC * hw, (int)hw);
        return;
    }
    const int64_t ohw = (int64_t)d->OH * d->OW, K = (int64_t)d->C * d->KH * d->KW;
    const int64_t xs = (int64_t)d->C * d->H * d->W, ys = OC * ohw;
    int nb = chunk_samples(d, OC, N);
    float *ws = gt_ctx_scratch(c, (size_t)(K + OC) * (size_t)(nb * ohw));
    for (int n0 = 0; n0 < N; n0 += nb) {
        int m = N - n0 < nb ? N - n0 : nb;
        float *col = ws, *stage = ws + K * m * ohw;
        gt_im2col(x + n0 * xs, m, d, col);
        if (m == 1) stage = y + n0 * ys;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, (int)(m * ohw), (int)K, 1.0f, w,
                    (int)K, col, (int)(m * ohw), 0.0f, stage, (int)(m * ohw));
        if (m > 1) unstage(stage, m, OC, ohw, y + n0 * ys);
    }
}

/* dx[N,C,H,W] = conv^T(dy[N,OC,OH,OW], w[OC, C*KH*KW]) (overwrites dx) */
static void conv_bwd_data(gt_ctx *c, const float *dy, int N, const gt_conv_dims *d,
                          const float *w, int OC, float *dx) {
    const int64_t ohw = (int64_t)d->OH * d->OW, K = (int64_t)d->C * d->KH * d->KW;
    const int64_t xs = (int64_t)d->C * d->H * d->W, ys = OC * ohw;
    if (d->sh == 1 && d->sw == 1 && d->ph < d->KH && d->pw < d->KW) {
        /* stride 1: the adjoint is itself a convolution of dy with the
         * kernel flipped in space and transposed in channels, padded by
         * k-1-p; im2col of dy replaces the costlier col2im scatter */
        float *wt = gt_arena_alloc(gt_ctx_arena(c), sizeof(float) * (size_t)(OC * K));
        const int C = d->C, KH = d->KH, KW = d->KW;
        for (int oc = 0; oc < OC; oc++)
            for (int ci = 0; ci < C; ci++)
                for (int a = 0; a < KH; a++)
                    for (int b = 0; b < KW; b++)
                        wt[(((int64_t)ci * OC + oc) * KH + (KH - 1 - a)) * KW + (KW - 1 - b)] =
                            w[(((int64_t)oc * C + ci) * KH + a) * KW + b];
        gt_conv_dims d2 = {OC, d->OH, d->OW, KH, KW, d->H, d->W, 1, 1, KH - 1 - d->ph, KW - 1 - d->pw};
        conv_fwd(c, dy, N, &d2, wt, C, dx);
        return;
    }
    memset(dx, 0, (size_t)(N * xs) * sizeof(float));
    int nb = chunk_samples(d, OC, N);
    float *ws = gt_ctx_scratch(c, (size_t)(K + OC) * (size_t)(nb * ohw));
    for (int n0 = 0; n0 < N; n0 += nb) {
        int m = N - n0 < nb ? N - n0 : nb;
        float *col = ws, *stage = ws + K * m * ohw;
        if (m == 1)
            stage = (float *)dy + n0 * ys;
        else
            stage_in(dy + n0 * ys, m, OC, ohw, stage);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)(m * ohw), OC, 1.0f, w,
                    (int)K, stage, (int)(m * ohw), 0.0f, col, (int)(m * ohw));
        gt_col2im_add(col, m, d, dx + n0 * xs);
    }
}

/* dw[OC, C*KH*KW] = sum_n dy_n col(x_n)^T (overwrites dw) */
static void conv_bwd_weight(gt_ctx *c, const float *x, const float *dy, int N,
                            const gt_conv_dims *d, int OC, float *dw) {
    if (OC <= DIRECT_MAX_OC || (int64_t)d->C * d->KH * d->KW <= DIRECT_MAX_K) {
        conv_wgrad_direct(x, dy, N, d, OC, dw);
        return;
    }
    if (gt_winograd_applies(d, OC)) {
        gt_winograd_wgrad(c, x, dy, N, d, OC, dw);
        return;
    }
    if (d->KH == 1 && d->KW == 1 && d->sh == 1 && d->sw == 1 && d->ph == 0 && d->pw == 0) {
        const int64_t hw = (int64_t)d->H * d->W;
        if (N == 0) memset(dw, 0, sizeof(float) * (size_t)OC * (size_t)d->C);
        for (int n = 0; n < N; n++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, d->C, (int)hw, 1.0f,
                        dy + n * OC * hw, (int)hw, x + n * d->C * hw, (int)hw, n ? 1.0f : 0.0f, dw, d->C);
        return;
    }
    const int64_t ohw = (int64_t)d->OH * d->OW, K = (int64_t)d->C * d->KH * d->KW;
    const int64_t xs = (int64_t)d->C * d->H * d->W, ys = OC * ohw;
    int nb = chunk_samples(d, OC, N);
    float *ws = gt_ctx_scratch(c, (size_t)(K + OC) * (size_t)(nb * ohw));
    if (N == 0) memset(dw, 0, (size_t)(OC * K) * sizeof(float));
    for (int n0 = 0; n0 < N; n0 += nb) {
        int m = N - n0 < nb ? N - n0 : nb;
        float *col = ws, *stage = ws + K * m * ohw;
        gt_im2col(x + n0 * xs, m, d, col);
        if (m == 1)
            stage = (float *)dy + n0 * ys;
        else
            stage_in(dy + n0 * ys, m, OC, ohw, stage);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, (int)K, (int)(m * ohw), 1.0f,
                    stage, (int)(m * ohw), col, (int)(m * ohw), n0 ? 1.0f : 0.0f, dw, (int)K);
    }
}

static void add_channel_bias(float *y, const float *b, int N, int C, int64_t hw) {
    if (!b) return;
#pragma omp parallel for schedule(static) if ((int64_t)N * C * hw >= GT_PAR_MIN)
    for (int i = 0; i < N * C; i++) {
        float v = b[i % C], *p = y + (int64_t)i * hw;
        for (int64_t k = 0; k < hw; k++) p[k] += v;
    }
}

static gt_tensor *bias_grad(gt_ctx *c, gt_tensor *g, gt_tensor *b) {
    gt_tensor *s = gt_sum_to(c, g, 4, (int[]){1, g->shape[1], 1, 1});
    return gt_reshape(c, s, b->ndim, b->shape);
}

static void check4(const gt_tensor *t, const char *what, const char *op) {
    GT_ASSERTF(t->ndim == 4, "%s: %s must be 4-D, got %s", op, what, GT_SHAPE_STR(t));
}

/* ---- conv2d ------------------------------------------------------------- */

static void vjp_conv2d(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *w = n->in[1], *b = n->in[2];
    gt_conv_geom geo = {n->iarg[0], n->iarg[1], n->iarg[2], n->iarg[3]};
    if (need[0]) {
        int oph = x->shape[2] - ((g->shape[2] - 1) * geo.stride_h - 2 * geo.pad_h + w->shape[2]);
        int opw = x->shape[3] - ((g->shape[3] - 1) * geo.stride_w - 2 * geo.pad_w + w->shape[3]);
        gin[0] = gt_conv_transpose2d(c, g, w, NULL, geo, oph, opw);
    }
    if (need[1]) gin[1] = gt_conv2d_weight_grad(c, x, g, w->shape[2], w->shape[3], geo);
    if (b && need[2]) gin[2] = bias_grad(c, g, b);
}
static const gt_opdef op_conv2d = {"conv2d", vjp_conv2d, NULL};

static void record_geom(gt_node *n, gt_conv_geom g) {
    if (!n) return;
    n->iarg[0] = g.stride_h;
    n->iarg[1] = g.stride_w;
    n->iarg[2] = g.pad_h;
    n->iarg[3] = g.pad_w;
}

gt_tensor *gt_conv2d(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b, gt_conv_geom g) {
    check4(x, "input", "conv2d");
    check4(w, "weight", "conv2d");
    GT_ASSERTF(x->shape[1] == w->shape[1], "conv2d: input %s has %d channels, weight %s expects %d",
               GT_SHAPE_STR(x), x->shape[1], GT_SHAPE_STR(w), w->shape[1]);
    GT_ASSERTF(g.stride_h > 0 && g.stride_w > 0 && g.pad_h >= 0 && g.pad_w >= 0,
               "conv2d: bad stride/padding");
    gt_conv_dims d = {x->shape[1], x->shape[2], x->shape[3], w->shape[2], w->shape[3], 0, 0,
                      g.stride_h, g.stride_w, g.pad_h, g.pad_w};
    d.OH = (d.H + 2 * d.ph - d.KH) / d.sh + 1;
    d.OW = (d.W + 2 * d.pw - d.KW) / d.sw + 1;
    GT_ASSERTF(d.H + 2 * d.ph >= d.KH && d.W + 2 * d.pw >= d.KW,
               "conv2d: kernel %dx%d larger than padded input %s", d.KH, d.KW, GT_SHAPE_STR(x));
    int N = x->shape[0], OC = w->shape[0];
    GT_ASSERTF(!b || b->n == OC, "conv2d: bias of %lld for %d channels", (long long)(b ? b->n : 0),
               OC);
    gt_tensor *y = gt_new(c, 4, (int[]){N, OC, d.OH, d.OW});
    gt_ctx_add_flops(c, 2.0 * N * OC * (double)d.C * d.KH * d.KW * d.OH * d.OW);
    conv_fwd(c, x->data, N, &d, w->data, OC, y->data);
    add_channel_bias(y->data, b ? b->data : NULL, N, OC, (int64_t)d.OH * d.OW);
    record_geom(GT_RECORD(c, &op_conv2d, y, x, w, b), g);
    return y;
}

/* ---- conv_transpose2d --------------------------------------------------- */

static void vjp_convt(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *w = n->in[1], *b = n->in[2];
    gt_conv_geom geo = {n->iarg[0], n->iarg[1], n->iarg[2], n->iarg[3]};
    if (need[0]) gin[0] = gt_conv2d(c, g, w, NULL, geo);
    if (need[1]) gin[1] = gt_conv2d_weight_grad(c, g, x, w->shape[2], w->shape[3], geo);
    if (b && need[2]) gin[2] = bias_grad(c, g, b);
}
static const gt_opdef op_convt = {"conv_transpose2d", vjp_convt, NULL};

gt_tensor *gt_conv_transpose2d(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b,
                               gt_conv_geom g, int out_pad_h, int out_pad_w) {
    check4(x, "input", "conv_transpose2d");
    check4(w, "weight", "conv_transpose2d");
    GT_ASSERTF(x->shape[1] == w->shape[0],
               "conv_transpose2d: input %s has %d channels, weight %s expects %d", GT_SHAPE_STR(x),
               x->shape[1], GT_SHAPE_STR(w), w->shape[0]);
    GT_ASSERTF(g.stride_h > 0 && g.stride_w > 0 && g.pad_h >= 0 && g.pad_w >= 0 && out_pad_h >= 0 &&
                   out_pad_w >= 0,
               "conv_transpose2d: bad stride/padding");
    int N = x->shape[0], IC = x->shape[1], OC = w->shape[1];
    /* as the adjoint of a conv2d whose input is our output */
    gt_conv_dims d = {OC, 0, 0, w->shape[2], w->shape[3], x->shape[2], x->shape[3],
                      g.stride_h, g.stride_w, g.pad_h, g.pad_w};
    d.H = (d.OH - 1) * d.sh - 2 * d.ph + d.KH + out_pad_h;
    d.W = (d.OW - 1) * d.sw - 2 * d.pw + d.KW + out_pad_w;
    GT_ASSERTF(d.H > 0 && d.W > 0, "conv_transpose2d: empty output for input %s", GT_SHAPE_STR(x));
    GT_ASSERTF((d.H + 2 * d.ph - d.KH) / d.sh + 1 == d.OH && (d.W + 2 * d.pw - d.KW) / d.sw + 1 == d.OW,
               "conv_transpose2d: output padding %d,%d must be smaller than the stride", out_pad_h,
               out_pad_w);
    GT_ASSERTF(!b || b->n == OC, "conv_transpose2d: bias of %lld for %d channels",
               (long long)(b ? b->n : 0), OC);
    gt_tensor *y = gt_new(c, 4, (int[]){N, OC, d.H, d.W});
    gt_ctx_add_flops(c, 2.0 * N * IC * (double)d.C * d.KH * d.KW * d.OH * d.OW);
    conv_bwd_data(c, x->data, N, &d, w->data, IC, y->data);
    add_channel_bias(y->data, b ? b->data : NULL, N, OC, (int64_t)d.H * d.W);
    gt_node *n = GT_RECORD(c, &op_convt, y, x, w, b);
    record_geom(n, g);
    return y;
}

/* ---- conv2d weight gradient -------------------------------------------- */

static void vjp_wgrad(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *dy = n->in[1];
    gt_conv_geom geo = {n->iarg[0], n->iarg[1], n->iarg[2], n->iarg[3]};
    if (need[0]) {
        int oph = x->shape[2] - ((dy->shape[2] - 1) * geo.stride_h - 2 * geo.pad_h + g->shape[2]);
        int opw = x->shape[3] - ((dy->shape[3] - 1) * geo.stride_w - 2 * geo.pad_w + g->shape[3]);
        gin[0] = gt_conv_transpose2d(c, dy, g, NULL, geo, oph, opw);
    }
    if (need[1]) gin[1] = gt_conv2d(c, x, g, NULL, geo);
}
static const gt_opdef op_wgrad = {"conv2d_weight_grad", vjp_wgrad, NULL};

gt_tensor *gt_conv2d_weight_grad(gt_ctx *c, gt_tensor *x, gt_tensor *dy, int kh, int kw,
                                 gt_conv_geom g) {
    check4(x, "input", "conv2d_weight_grad");
    check4(dy, "output gradient", "conv2d_weight_grad");
    gt_conv_dims d = {x->shape[1], x->shape[2], x->shape[3], kh, kw, dy->shape[2], dy->shape[3],
                      g.stride_h, g.stride_w, g.pad_h, g.pad_w};
    GT_ASSERTF(x->shape[0] == dy->shape[0] && (d.H + 2 * d.ph - kh) / d.sh + 1 == d.OH &&
                   (d.W + 2 * d.pw - kw) / d.sw + 1 == d.OW,
               "conv2d_weight_grad: input %s and output gradient %s do not match", GT_SHAPE_STR(x),
               GT_SHAPE_STR(dy));
    int OC = dy->shape[1];
    gt_tensor *dw = gt_new(c, 4, (int[]){OC, d.C, kh, kw});
    gt_ctx_add_flops(c, 2.0 * x->shape[0] * OC * (double)d.C * kh * kw * d.OH * d.OW);
    conv_bwd_weight(c, x->data, dy->data, x->shape[0], &d, OC, dw->data);
    record_geom(GT_RECORD(c, &op_wgrad, dw, x, dy), g);
    return dw;
}
