/* resize.c — bilinear resizing (align_corners=False, no antialiasing) and
 * its adjoint, matching F.interpolate(x, size=..., mode="bilinear").
 *
 * Both are linear in their input and each is the other's vjp, so the pair
 * differentiates to any order.  The interpolation weights are computed the
 * way torch's CPU kernel computes them (float scale in/out, source index in
 * double rounded to float, clamped at 0) so results agree to rounding. */
#include <string.h>

#include "gantrain/pool.h"
#include "internal.h"

/* For each output index along one axis: the two source indices and their
 * weights. */
typedef struct lerp_tab {
    int *i0, *i1;
    float *l0, *l1;
} lerp_tab;

static lerp_tab lerp_table(gt_ctx *c, int in, int out) {
    gt_arena *a = gt_ctx_arena(c);
    lerp_tab t = {gt_arena_alloc(a, (size_t)out * sizeof(int)),
                  gt_arena_alloc(a, (size_t)out * sizeof(int)),
                  gt_arena_alloc(a, (size_t)out * sizeof(float)),
                  gt_arena_alloc(a, (size_t)out * sizeof(float))};
    float scale = (float)in / (float)out;
    for (int o = 0; o < out; o++) {
        float src = (float)((double)scale * (o + 0.5) - 0.5);
        if (src < 0.0f) src = 0.0f;
        int i0 = (int)src;
        if (i0 > in - 1) i0 = in - 1;
        t.i0[o] = i0;
        t.i1[o] = i0 + (i0 < in - 1 ? 1 : 0);
        t.l1[o] = src - (float)i0;
        t.l0[o] = 1.0f - t.l1[o];
    }
    return t;
}

static void check_sizes(const gt_tensor *t, int h, int w, const char *op) {
    GT_ASSERTF(t->ndim == 4, "%s: input must be [N,C,H,W], got %s", op, GT_SHAPE_STR(t));
    GT_ASSERTF(h > 0 && w > 0 && t->shape[2] > 0 && t->shape[3] > 0, "%s: %s to %dx%d", op,
               GT_SHAPE_STR(t), h, w);
}

static void vjp_resize(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_resize_bilinear_adjoint(c, g, n->in[0]->shape[2], n->in[0]->shape[3]);
}
static const gt_opdef op_resize = {"resize_bilinear", vjp_resize, NULL};

gt_tensor *gt_resize_bilinear(gt_ctx *c, gt_tensor *x, int out_h, int out_w) {
    check_sizes(x, out_h, out_w, "resize_bilinear");
    int N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    gt_tensor *y = gt_new(c, 4, (int[]){N, C, out_h, out_w});
    if (H == out_h && W == out_w) {
        /* the weights are exactly (1, 0): a copy */
        memcpy(y->data, x->data, (size_t)x->n * sizeof(float));
    } else {
        lerp_tab th = lerp_table(c, H, out_h), tw = lerp_table(c, W, out_w);
        int64_t planes = (int64_t)N * C;
        const float *xs = x->data;
        float *ys = y->data;
        GT_OMP_FOR(y->n * 2)
        for (int64_t p = 0; p < planes; p++) {
            const float *xp = xs + p * H * W;
            float *yp = ys + p * out_h * out_w;
            for (int oh = 0; oh < out_h; oh++) {
                const float *r0 = xp + (int64_t)th.i0[oh] * W, *r1 = xp + (int64_t)th.i1[oh] * W;
                float a0 = th.l0[oh], a1 = th.l1[oh];
                float *yr = yp + (int64_t)oh * out_w;
                for (int ow = 0; ow < out_w; ow++) {
                    int j0 = tw.i0[ow], j1 = tw.i1[ow];
                    float b0 = tw.l0[ow], b1 = tw.l1[ow];
                    /* torch's order: interpolate along W in each row, then along H */
                    float t0 = r0[j0] * b0 + r0[j1] * b1;
                    float t1 = r1[j0] * b0 + r1[j1] * b1;
                    yr[ow] = t0 * a0 + t1 * a1;
                }
            }
        }
    }
    GT_RECORD(c, &op_resize, y, x);
    return y;
}

static void vjp_resize_adj(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_resize_bilinear(c, g, n->in[0]->shape[2], n->in[0]->shape[3]);
}
static const gt_opdef op_resize_adj = {"resize_bilinear_adjoint", vjp_resize_adj, NULL};

gt_tensor *gt_resize_bilinear_adjoint(gt_ctx *c, gt_tensor *g, int in_h, int in_w) {
    check_sizes(g, in_h, in_w, "resize_bilinear_adjoint");
    int N = g->shape[0], C = g->shape[1], OH = g->shape[2], OW = g->shape[3];
    gt_tensor *x = gt_zeros(c, 4, (int[]){N, C, in_h, in_w});
    if (in_h == OH && in_w == OW) {
        memcpy(x->data, g->data, (size_t)g->n * sizeof(float));
    } else {
        lerp_tab th = lerp_table(c, in_h, OH), tw = lerp_table(c, in_w, OW);
        int64_t planes = (int64_t)N * C;
        const float *gs = g->data;
        float *xs = x->data;
        GT_OMP_FOR(g->n * 2)
        for (int64_t p = 0; p < planes; p++) {
            const float *gp = gs + p * OH * OW;
            float *xp = xs + p * in_h * in_w;
            for (int oh = 0; oh < OH; oh++) {
                float *r0 = xp + (int64_t)th.i0[oh] * in_w, *r1 = xp + (int64_t)th.i1[oh] * in_w;
                float a0 = th.l0[oh], a1 = th.l1[oh];
                const float *gr = gp + (int64_t)oh * OW;
                for (int ow = 0; ow < OW; ow++) {
                    int j0 = tw.i0[ow], j1 = tw.i1[ow];
                    float b0 = tw.l0[ow], b1 = tw.l1[ow];
                    float t0 = gr[ow] * a0, t1 = gr[ow] * a1;
                    r0[j0] += t0 * b0;
                    r0[j1] += t0 * b1;
                    r1[j0] += t1 * b0;
                    r1[j1] += t1 * b1;
                }
            }
        }
    }
    GT_RECORD(c, &op_resize_adj, x, g);
    return x;
}
