/* layernorm.c — layer normalisation over all dims but the first, composed of
 * ordinary ops so that it differentiates to any order (WGAN-GP critics). */
#include "internal.h"

gt_tensor *gt_layer_norm(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b, float eps) {
    GT_ASSERTF(x->ndim >= 2, "layer_norm: input %s needs a batch dim", GT_SHAPE_STR(x));
    int N = x->shape[0], D = (int)(x->n / (N ? N : 1));
    GT_ASSERTF(!w || w->n == D, "layer_norm: weight %s for %d features", GT_SHAPE_STR(w), D);
    GT_ASSERTF(!b || b->n == D, "layer_norm: bias %s for %d features", GT_SHAPE_STR(b), D);
    gt_tensor *xf = gt_reshape(c, x, 2, (int[]){N, D});
    gt_tensor *xc = gt_sub(c, xf, gt_mean(c, xf, 1, 1));            /* [N,D] */
    gt_tensor *var = gt_mean(c, gt_square(c, xc), 1, 1);             /* [N,1], biased */
    gt_tensor *y = gt_mul(c, xc, gt_pow(c, gt_add_scalar(c, var, eps), -0.5f));
    if (w) y = gt_mul(c, y, gt_reshape(c, w, 2, (int[]){1, D}));
    if (b) y = gt_add(c, y, gt_reshape(c, b, 2, (int[]){1, D}));
    return gt_reshape(c, y, x->ndim, x->shape);
}
