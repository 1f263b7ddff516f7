/* matmul.c — matrix product with optional transposes, and linear (x W^T + b). */
#include <cblas.h>

#include "internal.h"

static void dims(const gt_tensor *t, int tr, int *rows, int *cols) {
    GT_ASSERTF(t->ndim == 2, "matmul: operand of shape %s is not 2-D", GT_SHAPE_STR(t));
    *rows = tr ? t->shape[1] : t->shape[0];
    *cols = tr ? t->shape[0] : t->shape[1];
}

/* C = op(A) op(B).  Adjoints, by case:
 *   A B     : dA = G B^T,   dB = A^T G
 *   A B^T   : dA = G B,     dB = G^T A
 *   A^T B   : dA = B G^T,   dB = A G
 *   A^T B^T : dA = B^T G^T, dB = G^T A^T */
static void vjp_matmul(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *a = n->in[0], *b = n->in[1];
    int ta = n->iarg[0], tb = n->iarg[1];
    if (need[0]) gin[0] = ta ? gt_matmul(c, b, g, tb, 1) : gt_matmul(c, g, b, 0, !tb);
    if (need[1]) gin[1] = tb ? gt_matmul(c, g, a, 1, ta) : gt_matmul(c, a, g, !ta, 0);
}
static const gt_opdef op_matmul = {"matmul", vjp_matmul, NULL};

gt_tensor *gt_matmul(gt_ctx *c, gt_tensor *a, gt_tensor *b, int ta, int tb) {
    int m, k, k2, nn;
    dims(a, ta, &m, &k);
    dims(b, tb, &k2, &nn);
    GT_ASSERTF(k == k2, "matmul: inner dims differ (%s%s x %s%s)", GT_SHAPE_STR(a), ta ? "^T" : "",
               GT_SHAPE_STR(b), tb ? "^T" : "");
    gt_tensor *o = gt_new(c, 2, (int[]){m, nn});
    gt_ctx_add_flops(c, 2.0 * m * nn * k);
    if (m && nn) {
        if (k)
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                        m, nn, k, 1.0f, a->data, a->shape[1], b->data, b->shape[1], 0.0f, o->data,
                        nn);
        else
            gt_tensor_fill(o, 0.0f);
    }
    gt_node *node = GT_RECORD(c, &op_matmul, o, a, b);
    if (node) {
        node->iarg[0] = ta;
        node->iarg[1] = tb;
    }
    return o;
}

/* y = x W^T + b: dx = G W, dW = G^T x, db = column sums of G */
static void vjp_linear(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *w = n->in[1], *b = n->in[2];
    if (need[0]) gin[0] = gt_matmul(c, g, w, 0, 0);
    if (need[1]) gin[1] = gt_matmul(c, g, x, 1, 0);
    if (b && need[2]) gin[2] = gt_sum_to(c, g, 1, b->shape);
}
static const gt_opdef op_linear = {"linear", vjp_linear, NULL};

gt_tensor *gt_linear(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b) {
    GT_ASSERTF(x->ndim == 2 && w->ndim == 2 && x->shape[1] == w->shape[1],
               "linear: input %s does not fit weight %s (flatten the input first?)", GT_SHAPE_STR(x),
               GT_SHAPE_STR(w));
    int n = x->shape[0], in = x->shape[1], out = w->shape[0];
    GT_ASSERTF(!b || (b->n == out), "linear: bias %s for %d outputs", b ? GT_SHAPE_STR(b) : "", out);
    gt_tensor *o = gt_new(c, 2, (int[]){n, out});
    gt_ctx_add_flops(c, 2.0 * n * out * in);
    float beta = 0.0f;
    if (b) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < out; j++) o->data[(int64_t)i * out + j] = b->data[j];
        beta = 1.0f;
    }
    if (n && out) {
        if (in)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x->data, in,
                        w->data, in, beta, o->data, out);
        else if (!b)
            gt_tensor_fill(o, 0.0f);
    }
    GT_RECORD(c, &op_linear, o, x, w, b);
    return o;
}
