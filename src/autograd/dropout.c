/* dropout.c — element and channel dropout as a product with a constant mask,
 * so gradients of any order follow from mul's. */
#include "internal.h"

static gt_tensor *apply_mask(gt_ctx *c, gt_tensor *x, float p, gt_rng *rng, int ndim,
                             const int *mshape) {
    GT_ASSERTF(p >= 0.0f && p < 1.0f, "dropout probability %g not in [0, 1)", (double)p);
    gt_tensor *m = gt_new(c, ndim, mshape);
    float keep = 1.0f / (1.0f - p);
    for (int64_t i = 0; i < m->n; i++) m->data[i] = gt_rng_uniform(rng) < p ? 0.0f : keep;
    return gt_mul(c, x, m);
}

gt_tensor *gt_dropout(gt_ctx *c, gt_tensor *x, float p, int training, gt_rng *rng) {
    if (!training || p == 0.0f) return x;
    return apply_mask(c, x, p, rng, x->ndim, x->shape);
}

gt_tensor *gt_dropout2d(gt_ctx *c, gt_tensor *x, float p, int training, gt_rng *rng) {
    GT_ASSERTF(x->ndim == 4, "dropout2d: input %s must be [N,C,H,W]", GT_SHAPE_STR(x));
    if (!training || p == 0.0f) return x;
    return apply_mask(c, x, p, rng, 4, (int[]){x->shape[0], x->shape[1], 1, 1});
}
