/* elementwise.c — broadcasting arithmetic (add, sub, mul, div) and the
 * pointwise math ops (affine, pow, sqrt, abs, sign, exp, log, clamp_min). */
#include <math.h>
#include <string.h>

#include "internal.h"

/* ---- broadcasting ------------------------------------------------------- */

void gt_pad4(int ndim, const int *shape, int out[4]) {
    for (int i = 0; i < 4; i++) out[i] = 1;
    for (int i = 0; i < ndim; i++) out[4 - ndim + i] = shape[i];
}

static void strides4(const int d[4], const int od[4], int64_t s[4]) {
    int64_t st = 1;
    for (int i = 3; i >= 0; i--) {
        s[i] = (d[i] == 1 && od[i] != 1) ? 0 : st;
        st *= d[i];
    }
}

void gt_bcast_init(gt_bcast *bc, const gt_tensor *a, const gt_tensor *b, const char *op) {
    int ad[4], bd[4];
    gt_pad4(a->ndim, a->shape, ad);
    gt_pad4(b->ndim, b->shape, bd);
    bc->ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int i = 0; i < 4; i++) {
        GT_ASSERTF(ad[i] == bd[i] || ad[i] == 1 || bd[i] == 1,
                   "%s: shapes %s and %s do not broadcast", op, GT_SHAPE_STR(a), GT_SHAPE_STR(b));
        bc->od[i] = ad[i] > bd[i] ? ad[i] : bd[i];
        if (ad[i] == 0 || bd[i] == 0) bc->od[i] = 0;
    }
    for (int i = 0; i < bc->ndim; i++) bc->shape[i] = bc->od[4 - bc->ndim + i];
    strides4(ad, bc->od, bc->as);
    strides4(bd, bc->od, bc->bs);
}

gt_tensor *gt_unbroadcast(gt_ctx *c, gt_tensor *g, const gt_tensor *t) {
    if (gt_shape_eq(g, t)) return g;
    return gt_sum_to(c, g, t->ndim, t->shape);
}

int gt_norm_dim(const gt_tensor *t, int dim) {
    int d = dim < 0 ? dim + t->ndim : dim;
    GT_ASSERTF(d >= 0 && d < t->ndim, "dim %d out of range for shape %s", dim, GT_SHAPE_STR(t));
    return d;
}

void gt_split_dim(const gt_tensor *t, int dim, int64_t *outer, int *len, int64_t *inner) {
    int d = gt_norm_dim(t, dim);
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < d; i++) *outer *= t->shape[i];
    for (int i = d + 1; i < t->ndim; i++) *inner *= t->shape[i];
    *len = t->shape[d];
}

/* ---- binary ops --------------------------------------------------------- */

enum { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV };

static inline float bin_apply(int op, float x, float y) {
    switch (op) {
    case BIN_ADD: return x + y;
    case BIN_SUB: return x - y;
    case BIN_MUL: return x * y;
    default: return x / y;
    }
}

/* out = a (op) b with broadcasting; the op is a compile-time constant in each
 * instantiation so the inner loops vectorise. */
#define BIN_KERNEL(NAME, OP)                                                          \
    static void NAME(const gt_bcast *bc, const float *a, const float *b, float *o,    \
                     int64_t n, int same, int a_scalar, int b_scalar) {               \
        if (same) {                                                                   \
            GT_OMP_FOR(n)                                                             \
            for (int64_t i = 0; i < n; i++) o[i] = bin_apply(OP, a[i], b[i]);         \
            return;                                                                   \
        }                                                                             \
        if (b_scalar) {                                                               \
            float y = b[0];                                                           \
            GT_OMP_FOR(n)                                                             \
            for (int64_t i = 0; i < n; i++) o[i] = bin_apply(OP, a[i], y);            \
            return;                                                                   \
        }                                                                             \
        if (a_scalar) {                                                               \
            float x = a[0];                                                           \
            GT_OMP_FOR(n)                                                             \
            for (int64_t i = 0; i < n; i++) o[i] = bin_apply(OP, x, b[i]);            \
            return;                                                                   \
        }                                                                             \
        const int *d = bc->od;                                                        \
        int64_t rows = (int64_t)d[0] * d[1] * d[2];                                   \
        GT_OMP_FOR(n)                                                                 \
        for (int64_t r = 0; r < rows; r++) {                                          \
            int i0 = (int)(r / ((int64_t)d[1] * d[2])), i1 = (int)(r / d[2] % d[1]),  \
                i2 = (int)(r % d[2]);                                                 \
            const float *pa = a + i0 * bc->as[0] + i1 * bc->as[1] + i2 * bc->as[2];   \
            const float *pb = b + i0 * bc->bs[0] + i1 * bc->bs[1] + i2 * bc->bs[2];   \
            float *po = o + r * d[3];                                                 \
            int64_t sa = bc->as[3], sb = bc->bs[3];                                   \
            if (sa && sb)                                                             \
                for (int i = 0; i < d[3]; i++) po[i] = bin_apply(OP, pa[i], pb[i]);   \
            else if (sa)                                                              \
                for (int i = 0; i < d[3]; i++) po[i] = bin_apply(OP, pa[i], pb[0]);   \
            else if (sb)                                                              \
                for (int i = 0; i < d[3]; i++) po[i] = bin_apply(OP, pa[0], pb[i]);   \
            else                                                                      \
                for (int i = 0; i < d[3]; i++) po[i] = bin_apply(OP, pa[0], pb[0]);   \
        }                                                                             \
    }
BIN_KERNEL(kern_add, BIN_ADD)
BIN_KERNEL(kern_sub, BIN_SUB)
BIN_KERNEL(kern_mul, BIN_MUL)
BIN_KERNEL(kern_div, BIN_DIV)

static gt_tensor *binary(gt_ctx *c, int op, gt_tensor *a, gt_tensor *b, const char *name) {
    gt_bcast bc;
    gt_bcast_init(&bc, a, b, name);
    gt_tensor *o = gt_new(c, bc.ndim, bc.shape);
    int same = gt_shape_eq(a, b) || (a->n == b->n && a->n == o->n);
    int a_sc = a->n == 1, b_sc = b->n == 1;
    static void (*const k[])(const gt_bcast *, const float *, const float *, float *, int64_t,
                             int, int, int) = {kern_add, kern_sub, kern_mul, kern_div};
    k[op](&bc, a->data, b->data, o->data, o->n, same, a_sc, b_sc);
    return o;
}

static void vjp_add(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    if (need[0]) gin[0] = gt_unbroadcast(c, g, n->in[0]);
    if (need[1]) gin[1] = gt_unbroadcast(c, g, n->in[1]);
}
static void vjp_sub(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    if (need[0]) gin[0] = gt_unbroadcast(c, g, n->in[0]);
    if (need[1]) gin[1] = gt_unbroadcast(c, gt_neg(c, g), n->in[1]);
}
static void vjp_mul(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    if (need[0]) gin[0] = gt_unbroadcast(c, gt_mul(c, g, n->in[1]), n->in[0]);
    if (need[1]) gin[1] = gt_unbroadcast(c, gt_mul(c, g, n->in[0]), n->in[1]);
}
/* y = a/b: da = g/b, db = -g*y/b */
static void vjp_div(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *ga = gt_div(c, g, n->in[1]);
    if (need[0]) gin[0] = gt_unbroadcast(c, ga, n->in[0]);
    if (need[1]) gin[1] = gt_unbroadcast(c, gt_neg(c, gt_mul(c, ga, n->out)), n->in[1]);
}

static const gt_opdef op_add = {"add", vjp_add, NULL};
static const gt_opdef op_sub = {"sub", vjp_sub, NULL};
static const gt_opdef op_mul = {"mul", vjp_mul, NULL};
static const gt_opdef op_div = {"div", vjp_div, NULL};

gt_tensor *gt_add(gt_ctx *c, gt_tensor *a, gt_tensor *b) {
    gt_tensor *o = binary(c, BIN_ADD, a, b, "add");
    GT_RECORD(c, &op_add, o, a, b);
    return o;
}
gt_tensor *gt_sub(gt_ctx *c, gt_tensor *a, gt_tensor *b) {
    gt_tensor *o = binary(c, BIN_SUB, a, b, "sub");
    GT_RECORD(c, &op_sub, o, a, b);
    return o;
}
gt_tensor *gt_mul(gt_ctx *c, gt_tensor *a, gt_tensor *b) {
    gt_tensor *o = binary(c, BIN_MUL, a, b, "mul");
    GT_RECORD(c, &op_mul, o, a, b);
    return o;
}
gt_tensor *gt_div(gt_ctx *c, gt_tensor *a, gt_tensor *b) {
    gt_tensor *o = binary(c, BIN_DIV, a, b, "div");
    GT_RECORD(c, &op_div, o, a, b);
    return o;
}

/* ---- pointwise math ----------------------------------------------------- */

#define UNARY_LOOP(o, x, EXPR)                                   \
    do {                                                         \
        const float *xs_ = (x)->data;                            \
        float *os_ = (o)->data;                                  \
        int64_t n_ = (x)->n;                                     \
        GT_OMP_FOR(n_)                                           \
        for (int64_t i = 0; i < n_; i++) {                       \
            float v = xs_[i];                                    \
            os_[i] = (EXPR);                                     \
        }                                                        \
    } while (0)

static void vjp_affine(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_scale(c, g, n->farg[0]);
}
static const gt_opdef op_affine = {"affine", vjp_affine, NULL};

gt_tensor *gt_affine(gt_ctx *c, gt_tensor *x, float a, float b) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, a * v + b);
    gt_node *n = GT_RECORD(c, &op_affine, o, x);
    if (n) n->farg[0] = a;
    return o;
}
gt_tensor *gt_scale(gt_ctx *c, gt_tensor *x, float s) { return gt_affine(c, x, s, 0.0f); }
gt_tensor *gt_add_scalar(gt_ctx *c, gt_tensor *x, float s) { return gt_affine(c, x, 1.0f, s); }
gt_tensor *gt_neg(gt_ctx *c, gt_tensor *x) { return gt_affine(c, x, -1.0f, 0.0f); }

/* y = x^p: dx = g * p * x^(p-1) */
static void vjp_pow(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    float p = n->farg[0];
    gt_tensor *d = p == 2.0f ? gt_scale(c, n->in[0], 2.0f)
                             : gt_scale(c, gt_pow(c, n->in[0], p - 1.0f), p);
    gin[0] = gt_mul(c, g, d);
}
static const gt_opdef op_pow = {"pow", vjp_pow, NULL};

gt_tensor *gt_pow(gt_ctx *c, gt_tensor *x, float p) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    if (p == 2.0f)
        UNARY_LOOP(o, x, v * v);
    else if (p == 1.0f)
        UNARY_LOOP(o, x, v);
    else if (p == 0.5f)
        UNARY_LOOP(o, x, sqrtf(v));
    else if (p == -0.5f)
        UNARY_LOOP(o, x, 1.0f / sqrtf(v));
    else
        UNARY_LOOP(o, x, powf(v, p));
    gt_node *n = GT_RECORD(c, &op_pow, o, x);
    if (n) n->farg[0] = p;
    return o;
}
gt_tensor *gt_square(gt_ctx *c, gt_tensor *x) { return gt_pow(c, x, 2.0f); }

/* y = sqrt(x): dx = g / (2y) */
static void vjp_sqrt(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_div(c, gt_scale(c, g, 0.5f), n->out);
}
static const gt_opdef op_sqrt = {"sqrt", vjp_sqrt, NULL};

gt_tensor *gt_sqrt(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, sqrtf(v));
    GT_RECORD(c, &op_sqrt, o, x);
    return o;
}

static void vjp_abs(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_mul(c, g, gt_sign(c, n->in[0]));
}
static const gt_opdef op_abs = {"abs", vjp_abs, NULL};

gt_tensor *gt_abs(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, fabsf(v));
    GT_RECORD(c, &op_abs, o, x);
    return o;
}

/* sign is piecewise constant: its gradient is zero, so it never records */
gt_tensor *gt_sign(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, (float)((v > 0.0f) - (v < 0.0f)));
    return o;
}

static void vjp_exp(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_mul(c, g, n->out);
}
static const gt_opdef op_exp = {"exp", vjp_exp, NULL};

gt_tensor *gt_exp(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, expf(v));
    GT_RECORD(c, &op_exp, o, x);
    return o;
}

static void vjp_log(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_div(c, g, n->in[0]);
}
static const gt_opdef op_log = {"log", vjp_log, NULL};

gt_tensor *gt_log(gt_ctx *c, gt_tensor *x) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, logf(v));
    GT_RECORD(c, &op_log, o, x);
    return o;
}

/* y = max(x, lo): dx = g where x > lo (x == lo counts as clamped, as torch) */
static void vjp_clamp_min(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    (void)need;
    gin[0] = gt_mask_scale(c, g, gt_add_scalar(c, gt_detach(c, n->in[0]), -n->farg[0]), 1.0f,
                           0.0f);
}
static const gt_opdef op_clamp_min = {"clamp_min", vjp_clamp_min, NULL};

gt_tensor *gt_clamp_min(gt_ctx *c, gt_tensor *x, float lo) {
    gt_tensor *o = gt_new(c, x->ndim, x->shape);
    UNARY_LOOP(o, x, v > lo ? v : lo);
    gt_node *n = GT_RECORD(c, &op_clamp_min, o, x);
    if (n) n->farg[0] = lo;
    return o;
}
