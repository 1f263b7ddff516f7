/* params.c — parameter blocks: one contiguous array of values (then
 * buffers), one of gradients; declared tensor by tensor, then sealed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/nn.h"
#include "gantrain/threads.h"

gt_params *gt_params_new(const char *name) {
    gt_params *p = gt_xcalloc(1, sizeof *p);
    p->name = gt_xstrdup(name);
    return p;
}

void gt_params_free(gt_params *p) {
    if (!p) return;
    for (int i = 0; i < p->n; i++) {
        free((char *)p->t[i]->name);
        free(p->t[i]);
    }
    free(p->t);
    free(p->init);
    free(p->data);
    free(p->grad);
    free(p->name);
    free(p);
}

static gt_tensor *add(gt_params *p, const char *name, int ndim, const int *shape, gt_init init,
                      int buffer) {
    GT_ASSERTF(!p->sealed, "adding '%s' to sealed parameter block '%s'", name, p->name);
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 32;
        p->t = gt_xrealloc(p->t, (size_t)p->cap * sizeof *p->t);
        p->init = gt_xrealloc(p->init, (size_t)p->cap * sizeof *p->init);
    }
    gt_tensor *t = gt_xcalloc(1, sizeof *t);
    t->ndim = ndim;
    for (int i = 0; i < GT_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
    t->n = gt_shape_numel(ndim, shape);
    t->flags = buffer ? 0 : (GT_T_PARAM | GT_T_REQUIRES_GRAD);
    size_t len = strlen(p->name) + strlen(name) + 2;
    char *full = gt_xmalloc(len);
    snprintf(full, len, "%s.%s", p->name, name);
    GT_ASSERTF(!gt_params_find(p, full), "parameter '%s' declared twice", full);
    t->name = full;
    if (buffer)
        p->n_buffers += t->n;
    else
        p->n_values += t->n;
    p->init[p->n] = init;
    p->t[p->n++] = t;
    return t;
}

gt_tensor *gt_params_add(gt_params *p, const char *name, int ndim, const int *shape, gt_init init) {
    return add(p, name, ndim, shape, init, 0);
}

gt_tensor *gt_params_add_buffer(gt_params *p, const char *name, int ndim, const int *shape,
                                gt_init init) {
    return add(p, name, ndim, shape, init, 1);
}

void gt_params_set_init(gt_params *p, gt_tensor *t, gt_init init) {
    for (int i = 0; i < p->n; i++)
        if (p->t[i] == t) {
            p->init[i] = init;
            return;
        }
    GT_ASSERTF(0, "tensor '%s' is not in block '%s'", t->name ? t->name : "?", p->name);
}

int gt_params_is_buffer(const gt_params *p, const gt_tensor *t) {
    (void)p;
    return !(t->flags & GT_T_PARAM);
}

void gt_params_seal(gt_params *p, gt_rng *rng) {
    GT_ASSERTF(!p->sealed, "parameter block '%s' sealed twice", p->name);
    p->data = gt_xcalloc((size_t)(p->n_values + p->n_buffers), sizeof(float));
    p->grad = gt_xcalloc((size_t)p->n_values, sizeof(float));
    int64_t ov = 0, ob = p->n_values;
    for (int i = 0; i < p->n; i++) {
        gt_tensor *t = p->t[i];
        if (t->flags & GT_T_PARAM) {
            t->data = p->data + ov;
            t->grad = p->grad + ov;
            ov += t->n;
        } else {
            t->data = p->data + ob;
            ob += t->n;
        }
        gt_init_apply(t, p->init[i], rng);
    }
    p->sealed = 1;
}

void gt_params_zero_grad(gt_params *p) { memset(p->grad, 0, (size_t)p->n_values * sizeof(float)); }

void gt_params_set_trainable(gt_params *p, int on) {
    for (int i = 0; i < p->n; i++)
        if (p->t[i]->flags & GT_T_PARAM) {
            if (on)
                p->t[i]->flags |= GT_T_REQUIRES_GRAD;
            else
                p->t[i]->flags &= ~GT_T_REQUIRES_GRAD;
        }
}

void gt_params_clip(gt_params *p, float c) {
    float *d = p->data;
    GT_OMP_FOR(p->n_values)
    for (int64_t i = 0; i < p->n_values; i++) d[i] = d[i] < -c ? -c : (d[i] > c ? c : d[i]);
}

gt_tensor *gt_params_find(const gt_params *p, const char *full_name) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->t[i]->name, full_name) == 0) return p->t[i];
    return NULL;
}
