/* shape.c — reshape/flatten (views), concat, slice and its adjoint pad_slice. */
#include <string.h>

#include "internal.h"

static void vjp_reshape(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_reshape(c, g, n->in[0]->ndim, n->in[0]->shape);
}
static const gt_opdef op_reshape = {"reshape", vjp_reshape, NULL};

gt_tensor *gt_reshape(gt_ctx *c, gt_tensor *x, int ndim, const int *shape) {
    int sh[4], infer = -1;
    int64_t known = 1;
    GT_ASSERTF(ndim >= 0 && ndim <= 4, "reshape to rank %d", ndim);
    for (int i = 0; i < ndim; i++) {
        sh[i] = shape[i];
        if (sh[i] == -1) {
            GT_ASSERTF(infer < 0, "reshape: more than one -1");
            infer = i;
        } else {
            known *= sh[i];
        }
    }
    if (infer >= 0) {
        GT_ASSERTF(known > 0 && x->n % known == 0, "reshape: cannot infer a dim of %s", GT_SHAPE_STR(x));
        sh[infer] = (int)(x->n / known);
        known *= sh[infer];
    }
    GT_ASSERTF(known == x->n, "reshape: %s has %lld elements, target has %lld", GT_SHAPE_STR(x),
               (long long)x->n, (long long)known);
    gt_tensor *o = gt_tensor_view_arena(gt_ctx_arena(c), x->data, ndim, sh);
    GT_RECORD(c, &op_reshape, o, x);
    return o;
}

gt_tensor *gt_flatten(gt_ctx *c, gt_tensor *x) {
    GT_ASSERTF(x->ndim >= 1, "flatten of a scalar");
    int sh[2] = {x->shape[0], -1};
    if (x->shape[0] == 0) sh[1] = 0;
    return gt_reshape(c, x, 2, sh);
}

/* ---- concat / slice / pad_slice ----------------------------------------- */

static void vjp_concat(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    int dim = n->iarg[0], off = 0;
    for (int i = 0; i < n->n_in; i++) {
        int len = n->in[i]->shape[dim];
        if (need[i]) gin[i] = gt_slice(c, g, dim, off, len);
        off += len;
    }
}
static const gt_opdef op_concat = {"concat", vjp_concat, NULL};

gt_tensor *gt_concat(gt_ctx *c, int k, gt_tensor **xs, int dim) {
    GT_ASSERTF(k >= 1, "concat of nothing");
    int d = gt_norm_dim(xs[0], dim), sh[4], total = 0;
    for (int i = 0; i < k; i++) {
        GT_ASSERTF(xs[i]->ndim == xs[0]->ndim, "concat: ranks differ (%s, %s)", GT_SHAPE_STR(xs[0]),
                   GT_SHAPE_STR(xs[i]));
        for (int j = 0; j < xs[0]->ndim; j++)
            GT_ASSERTF(j == d || xs[i]->shape[j] == xs[0]->shape[j],
                       "concat along %d: shapes %s and %s differ elsewhere", d, GT_SHAPE_STR(xs[0]),
                       GT_SHAPE_STR(xs[i]));
        total += xs[i]->shape[d];
    }
    memcpy(sh, xs[0]->shape, sizeof sh);
    sh[d] = total;
    gt_tensor *o = gt_new(c, xs[0]->ndim, sh);
    int64_t outer, inner;
    int len;
    gt_split_dim(o, d, &outer, &len, &inner);
    int off = 0;
    for (int i = 0; i < k; i++) {
        int li = xs[i]->shape[d];
        size_t chunk = (size_t)li * (size_t)inner;
        for (int64_t r = 0; r < outer; r++)
            memcpy(o->data + (r * total + off) * inner, xs[i]->data + r * (int64_t)chunk,
                   chunk * sizeof(float));
        off += li;
    }
    gt_node *n = gt_record(c, &op_concat, o, k, xs);
    if (n) n->iarg[0] = d;
    return o;
}

/* copy a [outer, len_src, inner] block into [outer, len_dst, inner] at offsets */
static void copy_band(float *dst, int len_dst, int off_dst, const float *src, int len_src,
                      int off_src, int len, int64_t outer, int64_t inner) {
    for (int64_t r = 0; r < outer; r++)
        memcpy(dst + (r * len_dst + off_dst) * inner, src + (r * len_src + off_src) * inner,
               (size_t)len * (size_t)inner * sizeof(float));
}

static void vjp_slice(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_pad_slice(c, g, n->iarg[0], n->iarg[1], n->in[0]->shape[n->iarg[0]]);
}
static const gt_opdef op_slice = {"slice", vjp_slice, NULL};

gt_tensor *gt_slice(gt_ctx *c, gt_tensor *x, int dim, int start, int len) {
    int d = gt_norm_dim(x, dim), sh[4];
    GT_ASSERTF(start >= 0 && len >= 0 && start + len <= x->shape[d], "slice %d:%d of dim %d of %s",
               start, start + len, d, GT_SHAPE_STR(x));
    memcpy(sh, x->shape, sizeof sh);
    sh[d] = len;
    gt_tensor *o = gt_new(c, x->ndim, sh);
    int64_t outer, inner;
    int xl;
    gt_split_dim(x, d, &outer, &xl, &inner);
    copy_band(o->data, len, 0, x->data, xl, start, len, outer, inner);
    gt_node *n = GT_RECORD(c, &op_slice, o, x);
    if (n) {
        n->iarg[0] = d;
        n->iarg[1] = start;
    }
    return o;
}

static void vjp_pad_slice(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_slice(c, g, n->iarg[0], n->iarg[1], n->in[0]->shape[n->iarg[0]]);
}
static const gt_opdef op_pad_slice = {"pad_slice", vjp_pad_slice, NULL};

gt_tensor *gt_pad_slice(gt_ctx *c, gt_tensor *x, int dim, int start, int total) {
    int d = gt_norm_dim(x, dim), sh[4];
    GT_ASSERTF(start >= 0 && start + x->shape[d] <= total, "pad_slice: %d+%d exceeds %d", start,
               x->shape[d], total);
    memcpy(sh, x->shape, sizeof sh);
    sh[d] = total;
    gt_tensor *o = gt_zeros(c, x->ndim, sh);
    int64_t outer, inner;
    int xl;
    gt_split_dim(x, d, &outer, &xl, &inner);
    copy_band(o->data, total, start, x->data, xl, 0, xl, outer, inner);
    gt_node *n = GT_RECORD(c, &op_pad_slice, o, x);
    if (n) {
        n->iarg[0] = d;
        n->iarg[1] = start;
    }
    return o;
}
