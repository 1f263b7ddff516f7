/* gradcheck.c — finite-difference checks of first and second derivatives.
 * Function values are accumulated in double so that the differences measure
 * the op, not the summation. */
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"

double gt_check_err(const gt_tensor *a, const gt_tensor *b, double floor) {
    if (a->n != b->n) return INFINITY;
    double scale = gt_tensor_max_abs(b), m = 0;
    if (scale < floor) scale = floor;
    for (int64_t i = 0; i < a->n; i++) {
        double d = fabs((double)a->data[i] - (double)b->data[i]);
        if (isnan(d)) return NAN;
        if (d > m) m = d;
    }
    return m / scale;
}

/* fresh arena copies of the inputs, so that an op that mutates (batch norm's
 * running statistics) starts from the same state each time */
static void copy_inputs(gt_ctx *c, gt_tensor **x, int n_in, gt_tensor **dst, const int *req) {
    for (int i = 0; i < n_in; i++) {
        dst[i] = gt_from_data(c, x[i]->data, x[i]->ndim, x[i]->shape);
        if (req && req[i]) gt_requires_grad(dst[i]);
    }
}

static double dot(const gt_tensor *a, const gt_tensor *b) {
    double s = 0;
    for (int64_t i = 0; i < a->n; i++) s += (double)a->data[i] * b->data[i];
    return s;
}

static double loss1(gt_ctx *c, gt_check_fn fn, gt_tensor **x, int n_in, const gt_tensor *r) {
    gt_tensor *xi[8];
    copy_inputs(c, x, n_in, xi, NULL);
    int old = gt_set_grad_enabled(c, 0);
    gt_tensor *y = fn(c, xi);
    gt_set_grad_enabled(c, old);
    double v = dot(y, r);
    gt_ctx_reset(c);
    return v;
}

static double fd_loop(double (*f)(void *), void *arg, gt_tensor *xw, const gt_tensor *analytic,
                      double eps, int max_points) {
    int64_t n = xw->n, step = n > max_points ? (n + max_points - 1) / max_points : 1;
    double worst = 0, scale = gt_tensor_max_abs(analytic);
    if (scale < 1e-3) scale = 1e-3;
    for (int64_t k = 0; k < n; k += step) {
        float keep = xw->data[k];
        xw->data[k] = keep + (float)eps;
        double hi_eps = (double)xw->data[k] - keep;
        double fp = f(arg);
        xw->data[k] = keep - (float)eps;
        double lo_eps = keep - (double)xw->data[k];
        double fm = f(arg);
        xw->data[k] = keep;
        double fd = (fp - fm) / (hi_eps + lo_eps);
        double e = fabs(fd - analytic->data[k]) / scale;
        if (!(e <= worst)) worst = e; /* also catches NaN */
    }
    return worst;
}

typedef struct {
    gt_ctx *c;
    gt_check_fn fn;
    gt_tensor **x;
    int n_in;
    const gt_tensor *r;
    const int *diff;
    int n_diff;
    gt_tensor **s;
} fd_arg;

static double f1(void *p) {
    fd_arg *a = p;
    return loss1(a->c, a->fn, a->x, a->n_in, a->r);
}

double gt_check_fd(gt_check_fn fn, gt_tensor **x, int n_in, int which, const gt_tensor *r,
                   const gt_tensor *analytic, double eps, int max_points) {
    gt_ctx *c = gt_ctx_new(0);
    fd_arg a = {c, fn, x, n_in, r, NULL, 0, NULL};
    double e = fd_loop(f1, &a, x[which], analytic, eps, max_points);
    gt_ctx_free(c);
    return e;
}

/* z = sum_j <dL/dx_j, s_j> with first-order gradients only */
static double f2(void *p) {
    fd_arg *a = p;
    gt_ctx *c = a->c;
    gt_tensor *xi[8], *want[8], *g[8];
    int req[8] = {0};
    for (int j = 0; j < a->n_diff; j++) req[a->diff[j]] = 1;
    copy_inputs(c, a->x, a->n_in, xi, req);
    gt_tensor *y = a->fn(c, xi);
    gt_tensor *rr = gt_from_data(c, a->r->data, y->ndim, y->shape);
    for (int j = 0; j < a->n_diff; j++) want[j] = xi[a->diff[j]];
    int rc = gt_grad(c, y, rr, a->n_diff, want, g, 0);
    double z = rc ? NAN : 0;
    for (int j = 0; j < a->n_diff; j++) z += dot(g[j], a->s[j]);
    gt_ctx_reset(c);
    return z;
}

double gt_check_fd2(gt_check_fn fn, gt_tensor **x, int n_in, const int *diff, int n_diff,
                    int which, const gt_tensor *r, gt_tensor **s, const gt_tensor *analytic,
                    double eps, int max_points) {
    gt_ctx *c = gt_ctx_new(0);
    fd_arg a = {c, fn, x, n_in, r, diff, n_diff, s};
    double e = fd_loop(f2, &a, x[which], analytic, eps, max_points);
    gt_ctx_free(c);
    return e;
}
