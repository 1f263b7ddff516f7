/* reduce.c — sum_to / expand (adjoint pair for broadcasting), sum and mean.
 *
 * Sums accumulate in double so results do not depend on the thread count or
 * on how large the reduction is. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* shape of x reduced to target (padded to 4): for each dim whether it sums */
static void check_reducible(const gt_tensor *x, int ndim, const int *shape, int xd[4], int td[4]) {
    gt_pad4(x->ndim, x->shape, xd);
    gt_pad4(ndim, shape, td);
    GT_ASSERTF(ndim <= x->ndim, "sum_to: target rank %d above source rank %d", ndim, x->ndim);
    for (int i = 0; i < 4; i++)
        GT_ASSERTF(td[i] == xd[i] || td[i] == 1, "sum_to: cannot reduce %s to a shape with %d at dim %d",
                   GT_SHAPE_STR(x), td[i], i);
}

/* out[t] = sum of x over the dims where td == 1 < xd */
static void sum_to_kernel(const float *x, const int xd[4], float *out, const int td[4]) {
    int64_t tn = (int64_t)td[0] * td[1] * td[2] * td[3];
    int64_t xn = (int64_t)xd[0] * xd[1] * xd[2] * xd[3];
    if (tn == 1) {
        /* total: fixed blocks summed in parallel, partials added in order */
        enum { BLK = 4096 };
        int64_t nb = (xn + BLK - 1) / BLK;
        double stackp[64], *part = nb <= 64 ? stackp : gt_xmalloc((size_t)nb * sizeof(double));
        GT_OMP_FOR(xn)
        for (int64_t b = 0; b < nb; b++) {
            double s = 0;
            int64_t e = (b + 1) * BLK < xn ? (b + 1) * BLK : xn;
            for (int64_t i = b * BLK; i < e; i++) s += x[i];
            part[b] = s;
        }
        double s = 0;
        for (int64_t b = 0; b < nb; b++) s += part[b];
        if (part != stackp) free(part);
        out[0] = (float)s;
        return;
    }
    /* general: t strides (0 on summed dims) */
    int64_t ts[4], st = 1;
    for (int i = 3; i >= 0; i--) {
        ts[i] = td[i] == 1 ? 0 : st;
        st *= td[i];
    }
    /* When the innermost dim is kept, parallelise over the kept outer part
     * by giving each output element to one thread: loop over the output
     * index and gather. */
    double *acc = gt_xcalloc((size_t)tn, sizeof(double));
    if (td[3] == xd[3] && td[3] > 1 && ts[0] == 0 && ts[1] == 0 && ts[2] == 0) {
        /* [R, D] -> [1, D]: column sums */
        int64_t rows = xn / xd[3];
        int D = xd[3];
        for (int64_t r = 0; r < rows; r++)
            for (int j = 0; j < D; j++) acc[j] += x[r * D + j];
    } else if (td[3] == 1 && ts[0] == 0 && td[1] == xd[1] && td[2] == 1) {
        /* [N, C, H, W] -> [1, C, 1, 1]: per-channel sums, channels in parallel */
        int N = xd[0], C = xd[1];
        int64_t hw = (int64_t)xd[2] * xd[3];
        GT_OMP_FOR(xn)
        for (int ch = 0; ch < C; ch++) {
            double s = 0;
            for (int n = 0; n < N; n++) {
                const float *p = x + ((int64_t)n * C + ch) * hw;
                for (int64_t i = 0; i < hw; i++) s += p[i];
            }
            acc[ch] = s;
        }
    } else {
        int64_t i = 0;
        for (int a = 0; a < xd[0]; a++)
            for (int b = 0; b < xd[1]; b++)
                for (int c2 = 0; c2 < xd[2]; c2++) {
                    double *row = acc + a * ts[0] + b * ts[1] + c2 * ts[2];
                    if (ts[3])
                        for (int d = 0; d < xd[3]; d++) row[d] += x[i++];
                    else {
                        double s = 0;
                        for (int d = 0; d < xd[3]; d++) s += x[i++];
                        row[0] += s;
                    }
                }
    }
    for (int64_t t = 0; t < tn; t++) out[t] = (float)acc[t];
    free(acc);
}

static void vjp_sum_to(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_expand(c, g, n->in[0]->ndim, n->in[0]->shape);
}
static const gt_opdef op_sum_to = {"sum_to", vjp_sum_to, NULL};

gt_tensor *gt_sum_to(gt_ctx *c, gt_tensor *x, int ndim, const int *shape) {
    int xd[4], td[4];
    check_reducible(x, ndim, shape, xd, td);
    gt_tensor *o = gt_new(c, ndim, shape);
    if (o->n == x->n) {
        memcpy(o->data, x->data, (size_t)x->n * sizeof(float));
    } else {
        sum_to_kernel(x->data, xd, o->data, td);
    }
    GT_RECORD(c, &op_sum_to, o, x);
    return o;
}

static void vjp_expand(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_sum_to(c, g, n->in[0]->ndim, n->in[0]->shape);
}
static const gt_opdef op_expand = {"expand", vjp_expand, NULL};

gt_tensor *gt_expand(gt_ctx *c, gt_tensor *x, int ndim, const int *shape) {
    gt_tensor *o = gt_new(c, ndim, shape);
    gt_bcast bc;
    gt_bcast_init(&bc, o, x, "expand");
    GT_ASSERTF(bc.ndim == ndim && gt_shape_numel(bc.ndim, bc.shape) == o->n,
               "expand: %s does not expand to %s", GT_SHAPE_STR(x), GT_SHAPE_STR(o));
    const int *d = bc.od;
    int64_t rows = (int64_t)d[0] * d[1] * d[2];
    const float *xs = x->data;
    float *os = o->data;
    GT_OMP_FOR(o->n)
    for (int64_t r = 0; r < rows; r++) {
        int i0 = (int)(r / ((int64_t)d[1] * d[2])), i1 = (int)(r / d[2] % d[1]), i2 = (int)(r % d[2]);
        const float *p = xs + i0 * bc.bs[0] + i1 * bc.bs[1] + i2 * bc.bs[2];
        float *q = os + r * d[3];
        if (bc.bs[3])
            memcpy(q, p, (size_t)d[3] * sizeof(float));
        else
            for (int i = 0; i < d[3]; i++) q[i] = p[0];
    }
    GT_RECORD(c, &op_expand, o, x);
    return o;
}

static gt_tensor *reduce(gt_ctx *c, gt_tensor *x, int dim, int keepdim, int mean) {
    int shape[4] = {1, 1, 1, 1}, ndim;
    double count;
    if (dim == GT_ALL) {
        ndim = keepdim ? x->ndim : 0;
        for (int i = 0; i < ndim; i++) shape[i] = 1;
        count = (double)x->n;
    } else {
        int d = gt_norm_dim(x, dim);
        ndim = x->ndim;
        for (int i = 0; i < ndim; i++) shape[i] = i == d ? 1 : x->shape[i];
        count = x->shape[d];
    }
    gt_tensor *s = gt_sum_to(c, x, ndim, shape);
    if (dim != GT_ALL && !keepdim) {
        int d = gt_norm_dim(x, dim), k = 0, sh[4];
        for (int i = 0; i < x->ndim; i++)
            if (i != d) sh[k++] = x->shape[i];
        s = gt_reshape(c, s, k, sh);
    }
    return mean ? gt_scale(c, s, (float)(1.0 / count)) : s;
}

gt_tensor *gt_sum(gt_ctx *c, gt_tensor *x, int dim, int keepdim) { return reduce(c, x, dim, keepdim, 0); }
gt_tensor *gt_mean(gt_ctx *c, gt_tensor *x, int dim, int keepdim) { return reduce(c, x, dim, keepdim, 1); }
