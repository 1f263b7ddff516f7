/* activations.c — relu, leaky_relu, elu, tanh, sigmoid and their backward
 * ops (which are ops themselves, so the activations differentiate twice). */
#include <math.h>

#include "internal.h"

#define MAP2(o, a, b, EXPR)                                           \
    do {                                                              \
        const float *as_ = (a)->data, *bs_ = (b)->data;               \
        float *os_ = (o)->data;                                       \
        int64_t n_ = (o)->n;                                          \
        GT_OMP_FOR(n_)                                                \
        for (int64_t i = 0; i < n_; i++) {                            \
            float u = as_[i], v = bs_[i];                             \
            os_[i] = (EXPR);                                          \
        }                                                             \
    } while (0)

static void same_shape(const gt_tensor *a, const gt_tensor *b, const char *op) {
    GT_ASSERTF(a->n == b->n, "%s: %s and %s differ", op, GT_SHAPE_STR(a), GT_SHAPE_STR(b));
}

/* ---- mask_scale: g * (x>0 ? pos : neg) ---------------------------------- */
static void vjp_mask_scale(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    if (need[0]) gin[0] = gt_mask_scale(c, g, n->in[1], n->farg[0], n->farg[1]);
    /* piecewise constant in x */
}
static const gt_opdef op_mask_scale = {"mask_scale", vjp_mask_scale, NULL};

gt_tensor *gt_mask_scale(gt_ctx *c, gt_tensor *g, gt_tensor *x, float pos, float neg) {
    same_shape(g, x, "mask_scale");
    gt_tensor *o = gt_new(c, g->ndim, g->shape);
    MAP2(o, g, x, v > 0.0f ? u * pos : u * neg);
    gt_node *n = GT_RECORD(c, &op_mask_scale, o, g, x);
    if (n) {
        n->farg[0] = pos;
        n->farg[1] = neg;
    }
    return o;
}

/* ---- relu / leaky_relu -------------------------------------------------- */
static void vjp_leaky(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_mask_scale(c, g, n->in[0], 1.0f, n->farg[0]);
}
static const gt_opdef op_relu = {"relu", vjp_leaky, NULL};
static const gt_opdef op_leaky = {"leaky_relu", vjp_leaky, NULL};

gt_tensor *gt_leaky_relu(gt_ctx *c, gt_tensor *x, float slope) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    const float *xs = x->data;
    float *os = o->data;
    GT_OMP_FOR(x->n)
    for (int64_t i = 0; i < x->n; i++) os[i] = xs[i] > 0.0f ? xs[i] : slope * xs[i];
    gt_node *n = GT_RECORD(c, slope == 0.0f ? &op_relu : &op_leaky, o, x);
    if (n) n->farg[0] = slope;
    return o;
}
gt_tensor *gt_relu(gt_ctx *c, gt_tensor *x) { return gt_leaky_relu(c, x, 0.0f); }

/* ---- elu ---------------------------------------------------------------- */
/* gx = g * (x>0 ? 1 : y+alpha).  Its own vjp: in g, the same map; in y,
 * gg*g on x<=0 (y's node then carries it on to x). */
static void vjp_elu_backward(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin,
                             const int *need) {
    gt_tensor *gi = n->in[0], *x = n->in[1], *y = n->in[2];
    if (need[0]) gin[0] = gt_elu_backward(c, g, x, y, n->farg[0]);
    if (need[2]) gin[2] = gt_mask_scale(c, gt_mul(c, g, gi), x, 0.0f, 1.0f);
}
static const gt_opdef op_elu_backward = {"elu_backward", vjp_elu_backward, NULL};

gt_tensor *gt_elu_backward(gt_ctx *c, gt_tensor *g, gt_tensor *x, gt_tensor *y, float alpha) {
    same_shape(g, x, "elu_backward");
    same_shape(g, y, "elu_backward");
    gt_tensor *o = gt_new(c, g->ndim, g->shape);
    const float *gs = g->data, *xs = x->data, *ys = y->data;
    float *os = o->data;
    GT_OMP_FOR(o->n)
    for (int64_t i = 0; i < o->n; i++) os[i] = xs[i] > 0.0f ? gs[i] : gs[i] * (ys[i] + alpha);
    gt_node *n = GT_RECORD(c, &op_elu_backward, o, g, x, y);
    if (n) n->farg[0] = alpha;
    return o;
}

static void vjp_elu(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_elu_backward(c, g, n->in[0], n->out, n->farg[0]);
}
static const gt_opdef op_elu = {"elu", vjp_elu, NULL};

gt_tensor *gt_elu(gt_ctx *c, gt_tensor *x, float alpha) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    const float *xs = x->data;
    float *os = o->data;
    GT_OMP_FOR(x->n)
    for (int64_t i = 0; i < x->n; i++) os[i] = xs[i] > 0.0f ? xs[i] : alpha * expm1f(xs[i]);
    gt_node *n = GT_RECORD(c, &op_elu, o, x);
    if (n) n->farg[0] = alpha;
    return o;
}

/* in place: y > 0 exactly where x > 0 (alpha*(e^x-1) <= 0 for x <= 0), so
 * y stands in for x in the mask, and the values equal gt_elu's */
static void vjp_elu_inplace(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_elu_backward(c, g, n->out, n->out, n->farg[0]);
}
static const gt_opdef op_elu_inplace = {"elu_inplace", vjp_elu_inplace, NULL};

gt_tensor *gt_elu_inplace(gt_ctx *c, gt_tensor *x, float alpha) {
    GT_ASSERTF(alpha > 0.0f, "elu_inplace needs alpha > 0 (got %g)", (double)alpha);
    gt_tensor *o = gt_tensor_view_arena(gt_ctx_arena(c), x->data, x->ndim, x->shape);
    float *xs = x->data;
    GT_OMP_FOR(x->n)
    for (int64_t i = 0; i < x->n; i++) xs[i] = xs[i] > 0.0f ? xs[i] : alpha * expm1f(xs[i]);
    gt_node *n = GT_RECORD(c, &op_elu_inplace, o, x);
    if (n) n->farg[0] = alpha;
    return o;
}

/* ---- tanh --------------------------------------------------------------- */
/* gx = g*(1-y^2); d/dg the same map, d/dy = -2*g*y */
static void vjp_tanh_backward(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin,
                              const int *need) {
    gt_tensor *gi = n->in[0], *y = n->in[1];
    if (need[0]) gin[0] = gt_tanh_backward(c, g, y);
    if (need[1]) gin[1] = gt_scale(c, gt_mul(c, gt_mul(c, g, gi), y), -2.0f);
}
static const gt_opdef op_tanh_backward = {"tanh_backward", vjp_tanh_backward, NULL};

gt_tensor *gt_tanh_backward(gt_ctx *c, gt_tensor *g, gt_tensor *y) {
    same_shape(g, y, "tanh_backward");
    gt_tensor *o = gt_new(c, g->ndim, g->shape);
    MAP2(o, g, y, u * (1.0f - v * v));
    GT_RECORD(c, &op_tanh_backward, o, g, y);
    return o;
}

static void vjp_tanh(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_tanh_backward(c, g, n->out);
}
static const gt_opdef op_tanh = {"tanh", vjp_tanh, NULL};

gt_tensor *gt_tanh(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    const float *xs = x->data;
    float *os = o->data;
    GT_OMP_FOR(x->n)
    for (int64_t i = 0; i < x->n; i++) os[i] = tanhf(xs[i]);
    GT_RECORD(c, &op_tanh, o, x);
    return o;
}

/* ---- sigmoid ------------------------------------------------------------ */
/* gx = g*y*(1-y); d/dg the same map, d/dy = g*(1-2y) */
static void vjp_sigmoid_backward(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin,
                                 const int *need) {
    gt_tensor *gi = n->in[0], *y = n->in[1];
    if (need[0]) gin[0] = gt_sigmoid_backward(c, g, y);
    if (need[1]) gin[1] = gt_mul(c, gt_mul(c, g, gi), gt_affine(c, y, -2.0f, 1.0f));
}
static const gt_opdef op_sigmoid_backward = {"sigmoid_backward", vjp_sigmoid_backward, NULL};

gt_tensor *gt_sigmoid_backward(gt_ctx *c, gt_tensor *g, gt_tensor *y) {
    same_shape(g, y, "sigmoid_backward");
    gt_tensor *o = gt_new(c, g->ndim, g->shape);
    MAP2(o, g, y, u * v * (1.0f - v));
    GT_RECORD(c, &op_sigmoid_backward, o, g, y);
    return o;
}

static void vjp_sigmoid(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_sigmoid_backward(c, g, n->out);
}
static const gt_opdef op_sigmoid = {"sigmoid", vjp_sigmoid, NULL};

gt_tensor *gt_sigmoid(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    const float *xs = x->data;
    float *os = o->data;
    GT_OMP_FOR(x->n)
    for (int64_t i = 0; i < x->n; i++) {
        /* split by sign so exp never overflows */
        float v = xs[i];
        if (v >= 0.0f) {
            os[i] = 1.0f / (1.0f + expf(-v));
        } else {
            float e = expf(v);
            os[i] = e / (1.0f + e);
        }
    }
    GT_RECORD(c, &op_sigmoid, o, x);
    return o;
}
