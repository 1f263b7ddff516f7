/* tensor.c — tensor headers, shapes and plain-data helpers (no autograd here). */
#include "gantrain/tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"

int64_t gt_shape_numel(int ndim, const int *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i];
    return n;
}

int gt_shape_eq(const gt_tensor *a, const gt_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

char *gt_shape_str(const gt_tensor *t, char *buf, size_t size) {
    size_t o = 0;
    o += (size_t)snprintf(buf + o, size - o, "[");
    for (int i = 0; i < t->ndim && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, i ? ", %d" : "%d", t->shape[i]);
    if (o < size) snprintf(buf + o, size - o, "]");
    return buf;
}

static void set_shape(gt_tensor *t, int ndim, const int *shape) {
    GT_ASSERTF(ndim >= 0 && ndim <= GT_MAX_DIMS, "tensor rank %d not in 0..4", ndim);
    t->ndim = ndim;
    for (int i = 0; i < GT_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
    for (int i = 0; i < ndim; i++) GT_ASSERTF(shape[i] >= 0, "negative dimension %d", shape[i]);
    t->n = gt_shape_numel(ndim, shape);
}

gt_tensor *gt_tensor_new(int ndim, const int *shape) {
    gt_tensor *t = gt_xcalloc(1, sizeof *t);
    set_shape(t, ndim, shape);
    t->data = gt_xcalloc((size_t)(t->n ? t->n : 1), sizeof(float));
    t->flags = GT_T_HEAP;
    return t;
}

gt_tensor *gt_tensor_new4(int d0, int d1, int d2, int d3) {
    int s[4] = {d0, d1, d2, d3}, nd = 0;
    while (nd < 4 && s[nd] > 0) nd++;
    return gt_tensor_new(nd, s);
}

void gt_tensor_free(gt_tensor *t) {
    if (!t) return;
    GT_ASSERTF(t->flags & GT_T_HEAP, "gt_tensor_free on a tensor it does not own");
    free(t->data);
    free(t);
}

gt_tensor *gt_tensor_view_arena(gt_arena *a, float *data, int ndim, const int *shape) {
    gt_tensor *t = gt_arena_alloc(a, sizeof *t);
    memset(t, 0, sizeof *t);
    set_shape(t, ndim, shape);
    t->data = data;
    return t;
}

gt_tensor *gt_tensor_arena(gt_arena *a, int ndim, const int *shape) {
    gt_tensor *t = gt_tensor_view_arena(a, NULL, ndim, shape);
    t->data = gt_arena_alloc(a, (size_t)(t->n ? t->n : 1) * sizeof(float));
    return t;
}

gt_tensor *gt_tensor_arena_like(gt_arena *a, const gt_tensor *t) {
    return gt_tensor_arena(a, t->ndim, t->shape);
}

int gt_tensor_dim(const gt_tensor *t, int d) {
    if (d < 0) d += t->ndim;
    GT_ASSERTF(d >= 0 && d < t->ndim, "dimension %d out of range for rank %d", d, t->ndim);
    return t->shape[d];
}

void gt_tensor_fill(gt_tensor *t, float v) {
    for (int64_t i = 0; i < t->n; i++) t->data[i] = v;
}

void gt_tensor_copy(gt_tensor *dst, const gt_tensor *src) {
    GT_ASSERTF(dst->n == src->n, "copy of %lld elements into %lld", (long long)src->n,
               (long long)dst->n);
    if (dst->data != src->data) memmove(dst->data, src->data, (size_t)src->n * sizeof(float));
}

double gt_tensor_max_abs(const gt_tensor *t) {
    double m = 0;
    for (int64_t i = 0; i < t->n; i++) {
        double v = fabs((double)t->data[i]);
        if (v > m || isnan(v)) m = v;
    }
    return m;
}

double gt_tensor_max_rel_err(const gt_tensor *a, const gt_tensor *b) {
    if (a->n != b->n) return INFINITY;
    double scale = gt_tensor_max_abs(b), m = 0;
    if (scale < 1e-30) scale = 1e-30;
    for (int64_t i = 0; i < a->n; i++) {
        double d = fabs((double)a->data[i] - (double)b->data[i]);
        if (isnan(d)) return NAN;
        if (d > m) m = d;
    }
    return m / scale;
}

void gt_tensor_print(FILE *f, const char *label, const gt_tensor *t, int max_items) {
    fprintf(f, "%s %s:", label, GT_SHAPE_STR(t));
    for (int64_t i = 0; i < t->n && i < max_items; i++) fprintf(f, " %.6g", t->data[i]);
    if (t->n > max_items) fprintf(f, " ...");
    fputc('\n', f);
}
