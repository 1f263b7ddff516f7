/* pool.h — general 2-D pooling (kernel, stride, padding), global average
 * pooling and bilinear resizing, as PyTorch's F.max_pool2d, F.avg_pool2d,
 * F.adaptive_avg_pool2d(x, 1) and F.interpolate(mode="bilinear",
 * align_corners=False).  Written for the Inception feature extractor
 * (eval/inception.c); every op here is differentiable to any order.
 *
 * These are separate from autograd.h's gt_avg_pool(x, f) (non-overlapping
 * f x f blocks) because they take a full window geometry.  Shapes are NCHW;
 * output sizes use floor mode: OH = (H + 2*pad_h - k_h) / stride_h + 1.
 */
#ifndef GANTRAIN_POOL_H
#define GANTRAIN_POOL_H

#include "gantrain/autograd.h"

typedef struct gt_pool_geom {
    int k_h, k_w;           /* window */
    int stride_h, stride_w;
    int pad_h, pad_w;       /* at most half the window, as torch requires */
} gt_pool_geom;

/* A square window k, stride s, padding p. */
gt_pool_geom gt_pool_geom_sq(int k, int s, int p);

/* ---- pooling ---------------------------------------------------------- */
/* x[N,C,H,W] -> [N,C,OH,OW]: max over each window; padding never wins (as
 * torch, it acts as -inf); NaN propagates; ties go to the first element in
 * row-major order.  d/dx routes each output's gradient to its argmax. */
gt_tensor *gt_max_pool2d(gt_ctx *c, gt_tensor *x, gt_pool_geom g);
/* x[N,C,H,W] -> [N,C,OH,OW]: mean over each window.  count_include_pad:
 * divide by k_h*k_w (padding counts as zeros), else by the number of
 * in-image elements (TensorFlow's average pool, used by FID's Inception). */
gt_tensor *gt_avg_pool2d(gt_ctx *c, gt_tensor *x, gt_pool_geom g, int count_include_pad);
/* The adjoint of gt_avg_pool2d in x: g[N,C,OH,OW] -> [N,C,in_h,in_w]. */
gt_tensor *gt_avg_pool2d_adjoint(gt_ctx *c, gt_tensor *g, int in_h, int in_w, gt_pool_geom geo,
                                 int count_include_pad);
/* x[N,C,H,W] -> [N,C]: mean over H and W (adaptive_avg_pool2d to 1x1, flattened). */
gt_tensor *gt_global_avg_pool(gt_ctx *c, gt_tensor *x);

/* ---- resizing --------------------------------------------------------- */
/* x[N,C,H,W] -> [N,C,out_h,out_w] by bilinear interpolation with
 * align_corners=False and no antialiasing: source coordinate
 * (dst + 0.5) * H/out_h - 0.5, clamped below at 0, as
 * F.interpolate(x, size=(out_h, out_w), mode="bilinear", align_corners=False). */
gt_tensor *gt_resize_bilinear(gt_ctx *c, gt_tensor *x, int out_h, int out_w);
/* Its adjoint in x: g[N,C,out_h,out_w] -> [N,C,in_h,in_w]. */
gt_tensor *gt_resize_bilinear_adjoint(gt_ctx *c, gt_tensor *g, int in_h, int in_w);

#endif
