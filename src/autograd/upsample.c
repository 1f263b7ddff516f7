/* upsample.c — nearest-neighbour upsampling by an integer factor and its
 * adjoint, the f x f sum pool (mean pool is a scaled sum pool). */
#include "internal.h"

static void vjp_upsample(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_sum_pool(c, g, n->iarg[0]);
}
static const gt_opdef op_upsample = {"upsample_nearest", vjp_upsample, NULL};

gt_tensor *gt_upsample_nearest(gt_ctx *c, gt_tensor *x, int f) {
    GT_ASSERTF(x->ndim == 4 && f >= 1, "upsample_nearest: input %s, factor %d", GT_SHAPE_STR(x), f);
    int H = x->shape[2], W = x->shape[3], OH = H * f, OW = W * f;
    gt_tensor *y = gt_new(c, 4, (int[]){x->shape[0], x->shape[1], OH, OW});
    int64_t planes = (int64_t)x->shape[0] * x->shape[1];
    const float *xs = x->data;
    float *ys = y->data;
    GT_OMP_FOR(y->n)
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = xs + p * H * W;
        float *yp = ys + p * OH * OW;
        for (int h = 0; h < OH; h++) {
            const float *xr = xp + (int64_t)(h / f) * W;
            float *yr = yp + (int64_t)h * OW;
            for (int w = 0; w < W; w++)
                for (int k = 0; k < f; k++) yr[w * f + k] = xr[w];
        }
    }
    gt_node *n = GT_RECORD(c, &op_upsample, y, x);
    if (n) n->iarg[0] = f;
    return y;
}

static void vjp_sum_pool(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_upsample_nearest(c, g, n->iarg[0]);
}
static const gt_opdef op_sum_pool = {"sum_pool", vjp_sum_pool, NULL};

gt_tensor *gt_sum_pool(gt_ctx *c, gt_tensor *x, int f) {
    GT_ASSERTF(x->ndim == 4 && f >= 1 && x->shape[2] % f == 0 && x->shape[3] % f == 0,
               "sum_pool: input %s not divisible by factor %d", GT_SHAPE_STR(x), f);
    int H = x->shape[2], W = x->shape[3], OH = H / f, OW = W / f;
    gt_tensor *y = gt_new(c, 4, (int[]){x->shape[0], x->shape[1], OH, OW});
    int64_t planes = (int64_t)x->shape[0] * x->shape[1];
    const float *xs = x->data;
    float *ys = y->data;
    GT_OMP_FOR(x->n)
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = xs + p * H * W;
        float *yp = ys + p * OH * OW;
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++) {
                float s = 0.0f;
                for (int a = 0; a < f; a++)
                    for (int b = 0; b < f; b++) s += xp[(int64_t)(i * f + a) * W + j * f + b];
                yp[(int64_t)i * OW + j] = s;
            }
    }
    gt_node *n = GT_RECORD(c, &op_sum_pool, y, x);
    if (n) n->iarg[0] = f;
    return y;
}

gt_tensor *gt_avg_pool(gt_ctx *c, gt_tensor *x, int f) {
    return gt_scale(c, gt_sum_pool(c, x, f), 1.0f / (float)(f * f));
}
