/* pool.c — max and average pooling over k_h x k_w windows with stride and
 * padding, and global average pooling, forward and backward.
 *
 * The ops form families closed under differentiation, so second derivatives
 * (create_graph) are exact:
 *   avg_pool2d  <-> avg_pool2d_adjoint   (linear maps, each the other's vjp)
 *   max_pool2d   -> scatter(g, argmax);  scatter <-> gather (fixed indices)
 *   global_avg_pool -> expand(g) / (H*W)
 * Max pooling's argmax is piecewise constant in x, so its derivative through
 * the indices is zero almost everywhere, as in torch. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "gantrain/pool.h"
#include "internal.h"

gt_pool_geom gt_pool_geom_sq(int k, int s, int p) { return (gt_pool_geom){k, k, s, s, p, p}; }

typedef struct pool_dims {
    int64_t planes; /* N*C */
    int H, W, OH, OW;
} pool_dims;

static pool_dims pool_check(const gt_tensor *x, gt_pool_geom g, const char *op) {
    GT_ASSERTF(x->ndim == 4, "%s: input must be [N,C,H,W], got %s", op, GT_SHAPE_STR(x));
    GT_ASSERTF(g.k_h > 0 && g.k_w > 0 && g.stride_h > 0 && g.stride_w > 0,
               "%s: bad window %dx%d / stride %dx%d", op, g.k_h, g.k_w, g.stride_h, g.stride_w);
    /* torch's rule; it also guarantees every window holds an image element */
    GT_ASSERTF(g.pad_h >= 0 && g.pad_w >= 0 && 2 * g.pad_h <= g.k_h && 2 * g.pad_w <= g.k_w,
               "%s: padding %dx%d must be at most half the window %dx%d", op, g.pad_h, g.pad_w,
               g.k_h, g.k_w);
    pool_dims d = {(int64_t)x->shape[0] * x->shape[1], x->shape[2], x->shape[3], 0, 0};
    GT_ASSERTF(d.H + 2 * g.pad_h >= g.k_h && d.W + 2 * g.pad_w >= g.k_w,
               "%s: window %dx%d larger than padded input %s", op, g.k_h, g.k_w, GT_SHAPE_STR(x));
    d.OH = (d.H + 2 * g.pad_h - g.k_h) / g.stride_h + 1;
    d.OW = (d.W + 2 * g.pad_w - g.k_w) / g.stride_w + 1;
    return d;
}

static void store_geom(gt_node *n, gt_pool_geom g) {
    if (!n) return;
    n->iarg[0] = g.k_h;
    n->iarg[1] = g.k_w;
    n->iarg[2] = g.stride_h;
    n->iarg[3] = g.stride_w;
    n->iarg[4] = g.pad_h;
    n->iarg[5] = g.pad_w;
}
static gt_pool_geom load_geom(const gt_node *n) {
    return (gt_pool_geom){n->iarg[0], n->iarg[1], n->iarg[2], n->iarg[3], n->iarg[4], n->iarg[5]};
}

/* [lo, hi) of the image rows (or columns) under window o */
static inline void window(int o, int stride, int pad, int k, int size, int *lo, int *hi) {
    int s = o * stride - pad, e = s + k;
    *lo = s < 0 ? 0 : s;
    *hi = e > size ? size : e;
}

/* ---- separable kernel --------------------------------------------------- */

/* Pools one plane in two passes, rows then columns, so both inner loops run
 * over contiguous output columns and vectorize:
 *   tmp[h, ow] = op over w in window(ow) of x[h, w]        (all H rows)
 *   y[oh, ow]  = op over h in window(oh) of tmp[h, ow]     (/ divisor for avg)
 * op is max (NaN wins, as in torch) or sum.  The values equal the direct
 * window loop's (max exactly; sums up to the order of additions).
 * tmp: H*OW floats; cnt: OW ints of scratch. */
static void pool_plane(const float *xp, float *yp, float *tmp, int *cnt, const pool_dims *d,
                       gt_pool_geom g, int is_max, int cip) {
    const int H = d->H, W = d->W, OH = d->OH, OW = d->OW, sw = g.stride_w, pw = g.pad_w;
    /* columns whose window lies inside the row: the branch-free middle */
    int lo = (pw + sw - 1) / sw, hi = W + pw - g.k_w >= 0 ? (W + pw - g.k_w) / sw + 1 : 0;
    if (hi > OW) hi = OW;
    if (lo > hi) lo = hi;
    for (int ow = 0; ow < OW; ow++) {
        int w0, w1;
        window(ow, sw, pw, g.k_w, W, &w0, &w1);
        cnt[ow] = w1 - w0;
    }
    for (int h = 0; h < H; h++) {
        const float *xr = xp + (int64_t)h * W;
        float *tr = tmp + (int64_t)h * OW;
        for (int ow = 0; ow < OW; ow++) {
            if (ow == lo && lo < hi) ow = hi; /* the middle is done below */
            if (ow >= OW) break;
            int w0, w1;
            window(ow, sw, pw, g.k_w, W, &w0, &w1);
            float a = xr[w0];
            for (int w = w0 + 1; w < w1; w++) {
                float v = xr[w];
                a = is_max ? ((v > a || v != v) ? v : a) : a + v;
            }
            tr[ow] = a;
        }
        if (lo < hi) {
            const float *xs = xr - pw;
            for (int ow = lo; ow < hi; ow++) tr[ow] = xs[ow * sw];
            for (int k = 1; k < g.k_w; k++) {
                if (is_max)
                    for (int ow = lo; ow < hi; ow++) {
                        float v = xs[ow * sw + k], a = tr[ow];
                        tr[ow] = (v > a || v != v) ? v : a;
                    }
                else
                    for (int ow = lo; ow < hi; ow++) tr[ow] += xs[ow * sw + k];
            }
        }
    }
    for (int oh = 0; oh < OH; oh++) {
        int h0, h1;
        window(oh, g.stride_h, g.pad_h, g.k_h, H, &h0, &h1);
        float *yr = yp + (int64_t)oh * OW;
        memcpy(yr, tmp + (int64_t)h0 * OW, (size_t)OW * sizeof(float));
        for (int h = h0 + 1; h < h1; h++) {
            const float *tr = tmp + (int64_t)h * OW;
            if (is_max)
                for (int ow = 0; ow < OW; ow++) {
                    float v = tr[ow], a = yr[ow];
                    yr[ow] = (v > a || v != v) ? v : a;
                }
            else
                for (int ow = 0; ow < OW; ow++) yr[ow] += tr[ow];
        }
        if (!is_max) {
            if (cip) {
                float dv = (float)(g.k_h * g.k_w);
                for (int ow = 0; ow < OW; ow++) yr[ow] /= dv;
            } else {
                int rows = h1 - h0;
                for (int ow = 0; ow < OW; ow++) yr[ow] /= (float)(rows * cnt[ow]);
            }
        }
    }
}

/* y = pool(x) over all planes, in parallel, with per-thread scratch */
static void pool_all(gt_ctx *c, const gt_tensor *x, gt_tensor *y, const pool_dims *d,
                     gt_pool_geom g, int is_max, int cip) {
    int nt = omp_get_max_threads();
    size_t per = (size_t)d->H * d->OW;
    float *tmp = gt_arena_alloc(gt_ctx_arena(c), (size_t)nt * per * sizeof(float));
    int *cnt = gt_arena_alloc(gt_ctx_arena(c), (size_t)nt * (size_t)d->OW * sizeof(int));
    const float *xs = x->data;
    float *ys = y->data;
    GT_OMP_FOR(x->n * 4)
    for (int64_t p = 0; p < d->planes; p++) {
        int t = omp_get_thread_num();
        pool_plane(xs + p * d->H * d->W, ys + p * d->OH * d->OW, tmp + (size_t)t * per,
                   cnt + (size_t)t * d->OW, d, g, is_max, cip);
    }
}

/* ---- average pooling ---------------------------------------------------- */

static inline float avg_divisor(int h0, int h1, int w0, int w1, gt_pool_geom g, int cip) {
    /* floor mode never lets a window run past the padded edge, so the
     * padded count is always the full window */
    return cip ? (float)(g.k_h * g.k_w) : (float)((h1 - h0) * (w1 - w0));
}

static void vjp_avg_pool(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gt_tensor *x = n->in[0];
    gin[0] = gt_avg_pool2d_adjoint(c, g, x->shape[2], x->shape[3], load_geom(n), n->iarg[6]);
}
static const gt_opdef op_avg_pool = {"avg_pool2d", vjp_avg_pool, NULL};

gt_tensor *gt_avg_pool2d(gt_ctx *c, gt_tensor *x, gt_pool_geom g, int count_include_pad) {
    pool_dims d = pool_check(x, g, "avg_pool2d");
    gt_tensor *y = gt_new(c, 4, (int[]){x->shape[0], x->shape[1], d.OH, d.OW});
    pool_all(c, x, y, &d, g, 0, count_include_pad);
    gt_node *n = GT_RECORD(c, &op_avg_pool, y, x);
    store_geom(n, g);
    if (n) n->iarg[6] = count_include_pad;
    return y;
}

static void vjp_avg_pool_adj(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin,
                             const int *need) {
    (void)need;
    gin[0] = gt_avg_pool2d(c, g, load_geom(n), n->iarg[6]);
}
static const gt_opdef op_avg_pool_adj = {"avg_pool2d_adjoint", vjp_avg_pool_adj, NULL};

gt_tensor *gt_avg_pool2d_adjoint(gt_ctx *c, gt_tensor *g, int in_h, int in_w, gt_pool_geom geo,
                                 int count_include_pad) {
    GT_ASSERTF(g->ndim == 4, "avg_pool2d_adjoint: gradient must be 4-D, got %s", GT_SHAPE_STR(g));
    gt_tensor *x = gt_zeros(c, 4, (int[]){g->shape[0], g->shape[1], in_h, in_w});
    pool_dims d = pool_check(x, geo, "avg_pool2d_adjoint");
    GT_ASSERTF(d.OH == g->shape[2] && d.OW == g->shape[3],
               "avg_pool2d_adjoint: gradient %s does not match input %dx%d", GT_SHAPE_STR(g), in_h,
               in_w);
    const float *gs = g->data;
    float *xs = x->data;
    GT_OMP_FOR(x->n * 4)
    for (int64_t p = 0; p < d.planes; p++) {
        float *xp = xs + p * d.H * d.W;
        const float *gp = gs + p * d.OH * d.OW;
        for (int oh = 0; oh < d.OH; oh++) {
            int h0, h1;
            window(oh, geo.stride_h, geo.pad_h, geo.k_h, d.H, &h0, &h1);
            for (int ow = 0; ow < d.OW; ow++) {
                int w0, w1;
                window(ow, geo.stride_w, geo.pad_w, geo.k_w, d.W, &w0, &w1);
                float v = gp[(int64_t)oh * d.OW + ow] /
                          avg_divisor(h0, h1, w0, w1, geo, count_include_pad);
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++) xp[(int64_t)h * d.W + w] += v;
            }
        }
    }
    gt_node *n = GT_RECORD(c, &op_avg_pool_adj, x, g);
    store_geom(n, geo);
    if (n) n->iarg[6] = count_include_pad;
    return x;
}

/* ---- max pooling -------------------------------------------------------- */

/* The argmax of every output, as an index into its input plane; shared by
 * the scatter/gather nodes of all orders of the backward pass. */
typedef struct argmax {
    int32_t *idx; /* [planes * out_hw] */
    int64_t planes, in_hw, out_hw;
} argmax;

static gt_tensor *scatter(gt_ctx *c, gt_tensor *g, const argmax *a, const gt_tensor *like);
static gt_tensor *gather(gt_ctx *c, gt_tensor *g, const argmax *a, const gt_tensor *like);

static void vjp_gather(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = scatter(c, g, n->saved, n->in[0]);
}
static void vjp_scatter(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gather(c, g, n->saved, n->in[0]);
}
static const gt_opdef op_gather = {"max_pool2d_gather", vjp_gather, NULL};
static const gt_opdef op_scatter = {"max_pool2d_scatter", vjp_scatter, NULL};

/* out [shape of the pooling input] = zeros, then out[idx[o]] += g[o] */
static gt_tensor *scatter(gt_ctx *c, gt_tensor *g, const argmax *a, const gt_tensor *like) {
    gt_tensor *out = gt_zeros(c, like->ndim, like->shape);
    const float *gs = g->data;
    float *os = out->data;
    GT_OMP_FOR(out->n)
    for (int64_t p = 0; p < a->planes; p++) {
        const int32_t *ip = a->idx + p * a->out_hw;
        const float *gp = gs + p * a->out_hw;
        float *op = os + p * a->in_hw;
        for (int64_t o = 0; o < a->out_hw; o++) op[ip[o]] += gp[o];
    }
    gt_node *n = GT_RECORD(c, &op_scatter, out, g);
    if (n) n->saved = (void *)a;
    return out;
}

/* out [shape of the pooling output] = g[idx[o]] */
static gt_tensor *gather(gt_ctx *c, gt_tensor *g, const argmax *a, const gt_tensor *like) {
    gt_tensor *out = gt_new(c, like->ndim, like->shape);
    const float *gs = g->data;
    float *os = out->data;
    GT_OMP_FOR(out->n)
    for (int64_t p = 0; p < a->planes; p++) {
        const int32_t *ip = a->idx + p * a->out_hw;
        const float *gp = gs + p * a->in_hw;
        float *op = os + p * a->out_hw;
        for (int64_t o = 0; o < a->out_hw; o++) op[o] = gp[ip[o]];
    }
    gt_node *n = GT_RECORD(c, &op_gather, out, g);
    if (n) n->saved = (void *)a;
    return out;
}

static void vjp_max_pool(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = scatter(c, g, n->saved, n->in[0]);
}
static const gt_opdef op_max_pool = {"max_pool2d", vjp_max_pool, NULL};

gt_tensor *gt_max_pool2d(gt_ctx *c, gt_tensor *x, gt_pool_geom g) {
    pool_dims d = pool_check(x, g, "max_pool2d");
    gt_tensor *y = gt_new(c, 4, (int[]){x->shape[0], x->shape[1], d.OH, d.OW});
    /* the argmax is only kept when a node will be recorded (gt_record's rule) */
    argmax *a = NULL;
    if (gt_grad_enabled(c) && (x->flags & GT_T_REQUIRES_GRAD)) {
        gt_arena *ar = gt_ctx_arena(c);
        a = gt_arena_alloc(ar, sizeof *a);
        a->planes = d.planes;
        a->in_hw = (int64_t)d.H * d.W;
        a->out_hw = (int64_t)d.OH * d.OW;
        GT_ASSERTF(a->in_hw <= INT32_MAX, "max_pool2d: plane of %s too large", GT_SHAPE_STR(x));
        a->idx = gt_arena_alloc(ar, (size_t)(a->planes * a->out_hw) * sizeof(int32_t));
    }
    if (!a) {
        /* values only: the separable kernel */
        pool_all(c, x, y, &d, g, 1, 0);
        return y;
    }
    const float *xs = x->data;
    float *ys = y->data;
    int32_t *is = a->idx;
    GT_OMP_FOR(x->n * 4)
    for (int64_t p = 0; p < d.planes; p++) {
        const float *xp = xs + p * d.H * d.W;
        float *yp = ys + p * d.OH * d.OW;
        int32_t *ip = is + p * d.OH * d.OW;
        for (int oh = 0; oh < d.OH; oh++) {
            int h0, h1;
            window(oh, g.stride_h, g.pad_h, g.k_h, d.H, &h0, &h1);
            for (int ow = 0; ow < d.OW; ow++) {
                int w0, w1;
                window(ow, g.stride_w, g.pad_w, g.k_w, d.W, &w0, &w1);
                int best = h0 * d.W + w0;
                float m = xp[best];
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++) {
                        float v = xp[h * d.W + w];
                        /* NaN wins and stays, as in torch */
                        if (v > m || (isnan(v) && !isnan(m))) {
                            m = v;
                            best = h * d.W + w;
                        }
                    }
                yp[oh * d.OW + ow] = m;
                ip[oh * d.OW + ow] = best;
            }
        }
    }
    gt_node *n = GT_RECORD(c, &op_max_pool, y, x);
    if (n) n->saved = a;
    return y;
}

/* ---- global average pooling -------------------------------------------- */

static void vjp_gap(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gt_tensor *x = n->in[0];
    gt_tensor *g4 = gt_reshape(c, g, 4, (int[]){x->shape[0], x->shape[1], 1, 1});
    gin[0] = gt_scale(c, gt_expand(c, g4, 4, x->shape), 1.0f / (float)(x->shape[2] * x->shape[3]));
}
static const gt_opdef op_gap = {"global_avg_pool", vjp_gap, NULL};

gt_tensor *gt_global_avg_pool(gt_ctx *c, gt_tensor *x) {
    GT_ASSERTF(x->ndim == 4 && x->shape[2] * x->shape[3] > 0,
               "global_avg_pool: input must be [N,C,H,W], got %s", GT_SHAPE_STR(x));
    int64_t planes = (int64_t)x->shape[0] * x->shape[1], hw = (int64_t)x->shape[2] * x->shape[3];
    gt_tensor *y = gt_new(c, 2, (int[]){x->shape[0], x->shape[1]});
    const float *xs = x->data;
    float *ys = y->data;
    GT_OMP_FOR(x->n)
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = xs + p * hw;
        float s = 0.0f;
        for (int64_t k = 0; k < hw; k++) s += xp[k];
        ys[p] = s / (float)hw;
    }
    GT_RECORD(c, &op_gap, y, x);
    return y;
}
