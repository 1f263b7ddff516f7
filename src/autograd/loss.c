/* loss.c — BCE, BCE with logits, MSE, L1, softmax, log-softmax and
 * cross-entropy.  Forward passes are fused kernels summing in double; the
 * backward rules are ops, so losses differentiate twice as well. */
#include <math.h>

#include "internal.h"

static void check_pair(const gt_tensor *x, const gt_tensor *t, const char *op) {
    GT_ASSERTF(x->n == t->n, "%s: input %s and target %s differ in size", op, GT_SHAPE_STR(x),
               GT_SHAPE_STR(t));
}

static gt_tensor *as_shape(gt_ctx *c, gt_tensor *t, const gt_tensor *like) {
    return gt_shape_eq(t, like) ? t : gt_reshape(c, t, like->ndim, like->shape);
}

/* upstream scalar g times 1/N, as a [] tensor that broadcasts */
static gt_tensor *g_over_n(gt_ctx *c, gt_tensor *g, int64_t n) {
    return gt_scale(c, g, (float)(1.0 / (double)(n ? n : 1)));
}

/* ---- BCE on probabilities ------------------------------------------------ */
static void vjp_bce(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *p = n->in[0], *t = as_shape(c, n->in[1], n->in[0]);
    gt_tensor *s = g_over_n(c, g, p->n);
    if (need[0]) {
        /* (p - t) / max(p (1 - p), 1e-12), as torch's BCELoss */
        gt_tensor *den = gt_clamp_min(c, gt_mul(c, p, gt_affine(c, p, -1.0f, 1.0f)), 1e-12f);
        gin[0] = gt_mul(c, gt_div(c, gt_sub(c, p, t), den), s);
    }
    if (need[1])
        gin[1] = gt_mul(c, gt_sub(c, gt_log(c, gt_affine(c, p, -1.0f, 1.0f)), gt_log(c, p)), s);
}
static const gt_opdef op_bce = {"bce", vjp_bce, NULL};

gt_tensor *gt_bce(gt_ctx *c, gt_tensor *p, gt_tensor *t) {
    check_pair(p, t, "bce");
    double s = 0;
    for (int64_t i = 0; i < p->n; i++) {
        double lp = fmax(log((double)p->data[i]), -100.0);
        double lq = fmax(log(1.0 - (double)p->data[i]), -100.0);
        s -= t->data[i] * lp + (1.0 - t->data[i]) * lq;
    }
    gt_tensor *o = gt_scalar(c, (float)(s / (double)(p->n ? p->n : 1)));
    GT_RECORD(c, &op_bce, o, p, t);
    return o;
}

/* ---- BCE with logits ---------------------------------------------------- */
static void vjp_bce_logits(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *t = as_shape(c, n->in[1], n->in[0]);
    gt_tensor *s = g_over_n(c, g, x->n);
    if (need[0]) gin[0] = gt_mul(c, gt_sub(c, gt_sigmoid(c, x), t), s);
    if (need[1]) gin[1] = gt_mul(c, gt_neg(c, x), s);
}
static const gt_opdef op_bce_logits = {"bce_with_logits", vjp_bce_logits, NULL};

gt_tensor *gt_bce_logits(gt_ctx *c, gt_tensor *x, gt_tensor *t) {
    check_pair(x, t, "bce_with_logits");
    double s = 0;
    for (int64_t i = 0; i < x->n; i++) {
        double v = x->data[i];
        s += fmax(v, 0.0) - v * t->data[i] + log1p(exp(-fabs(v)));
    }
    gt_tensor *o = gt_scalar(c, (float)(s / (double)(x->n ? x->n : 1)));
    GT_RECORD(c, &op_bce_logits, o, x, t);
    return o;
}

/* ---- MSE and L1 --------------------------------------------------------- */
static void vjp_mse(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *t = as_shape(c, n->in[1], n->in[0]);
    gt_tensor *d = gt_mul(c, gt_sub(c, x, t), gt_scale(c, g_over_n(c, g, x->n), 2.0f));
    if (need[0]) gin[0] = d;
    if (need[1]) gin[1] = gt_reshape(c, gt_neg(c, d), n->in[1]->ndim, n->in[1]->shape);
}
static const gt_opdef op_mse = {"mse", vjp_mse, NULL};

gt_tensor *gt_mse(gt_ctx *c, gt_tensor *x, gt_tensor *t) {
    check_pair(x, t, "mse");
    double s = 0;
    for (int64_t i = 0; i < x->n; i++) {
        double d = (double)x->data[i] - t->data[i];
        s += d * d;
    }
    gt_tensor *o = gt_scalar(c, (float)(s / (double)(x->n ? x->n : 1)));
    GT_RECORD(c, &op_mse, o, x, t);
    return o;
}

static void vjp_l1(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *t = as_shape(c, n->in[1], n->in[0]);
    gt_tensor *d = gt_mul(c, gt_sign(c, gt_sub(c, gt_detach(c, x), gt_detach(c, t))),
                          g_over_n(c, g, x->n));
    if (need[0]) gin[0] = d;
    if (need[1]) gin[1] = gt_reshape(c, gt_neg(c, d), n->in[1]->ndim, n->in[1]->shape);
}
static const gt_opdef op_l1 = {"l1", vjp_l1, NULL};

gt_tensor *gt_l1(gt_ctx *c, gt_tensor *x, gt_tensor *t) {
    check_pair(x, t, "l1");
    double s = 0;
    for (int64_t i = 0; i < x->n; i++) s += fabs((double)x->data[i] - t->data[i]);
    gt_tensor *o = gt_scalar(c, (float)(s / (double)(x->n ? x->n : 1)));
    GT_RECORD(c, &op_l1, o, x, t);
    return o;
}

/* ---- softmax family ----------------------------------------------------- */
static void rows_of(const gt_tensor *x, int *N, int *K, const char *op) {
    GT_ASSERTF(x->ndim == 2, "%s: input %s must be [N, K]", op, GT_SHAPE_STR(x));
    *N = x->shape[0];
    *K = x->shape[1];
}

/* y = x - logsumexp(x): dx = g - exp(y) * rowsum(g) */
static void vjp_log_softmax(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_sub(c, g, gt_mul(c, gt_exp(c, n->out), gt_sum(c, g, 1, 1)));
}
static const gt_opdef op_log_softmax = {"log_softmax", vjp_log_softmax, NULL};

static void softmax_rows(const gt_tensor *x, gt_tensor *o, int log_out) {
    int N, K;
    rows_of(x, &N, &K, "softmax");
    for (int i = 0; i < N; i++) {
        const float *r = x->data + (int64_t)i * K;
        float *y = o->data + (int64_t)i * K;
        float m = -INFINITY;
        for (int k = 0; k < K; k++) m = r[k] > m ? r[k] : m;
        double s = 0;
        for (int k = 0; k < K; k++) s += exp((double)r[k] - m);
        double lse = m + log(s);
        for (int k = 0; k < K; k++)
            y[k] = log_out ? (float)(r[k] - lse) : (float)exp((double)r[k] - lse);
    }
}

gt_tensor *gt_log_softmax(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    softmax_rows(x, o, 1);
    GT_RECORD(c, &op_log_softmax, o, x);
    return o;
}

/* y = softmax(x): dx = y * (g - rowsum(g y)) */
static void vjp_softmax(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gt_tensor *y = n->out;
    gin[0] = gt_mul(c, y, gt_sub(c, g, gt_sum(c, gt_mul(c, g, y), 1, 1)));
}
static const gt_opdef op_softmax = {"softmax", vjp_softmax, NULL};

gt_tensor *gt_softmax(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    softmax_rows(x, o, 0);
    GT_RECORD(c, &op_softmax, o, x);
    return o;
}

gt_tensor *gt_cross_entropy(gt_ctx *c, gt_tensor *x, gt_tensor *t) {
    int N, K;
    rows_of(x, &N, &K, "cross_entropy");
    GT_ASSERTF(t->n == N, "cross_entropy: %lld targets for %d rows", (long long)t->n, N);
    gt_tensor *onehot = gt_zeros(c, 2, (int[]){N, K});
    for (int i = 0; i < N; i++) {
        int k = (int)t->data[i];
        GT_ASSERTF((float)k == t->data[i] && k >= 0 && k < K, "cross_entropy: class %g not in 0..%d",
                   (double)t->data[i], K - 1);
        onehot->data[(int64_t)i * K + k] = 1.0f;
    }
    gt_tensor *picked = gt_sum(c, gt_mul(c, gt_log_softmax(c, x), onehot), GT_ALL, 0);
    return gt_scale(c, picked, -1.0f / (float)(N ? N : 1));
}
