/* optim.c — Adam, RMSprop, SGD: torch 1.13's single-tensor update formulas,
 * one loop over a parameter block's contiguous values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/optim.h"
#include "gantrain/threads.h"

gt_optim_cfg gt_optim_defaults(gt_optim_kind kind, double lr) {
    gt_optim_cfg c = {0};
    c.kind = kind;
    c.lr = lr;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.alpha = 0.99;
    c.eps = 1e-8;
    return c;
}

const char *gt_optim_name(gt_optim_kind k) {
    switch (k) {
    case GT_OPTIM_ADAM: return "adam";
    case GT_OPTIM_RMSPROP: return "rmsprop";
    default: return "sgd";
    }
}

gt_optim *gt_optim_new(gt_optim_cfg cfg, const gt_params *p) {
    gt_optim *o = gt_xcalloc(1, sizeof *o);
    o->cfg = cfg;
    o->n = p->n_values;
    size_t n = (size_t)o->n;
    switch (cfg.kind) {
    case GT_OPTIM_ADAM: o->n_state = cfg.amsgrad ? 3 : 2; break;
    case GT_OPTIM_RMSPROP: o->n_state = cfg.centered ? 3 : 2; break;
    case GT_OPTIM_SGD: o->n_state = 1; break;
    }
    o->s1 = gt_xcalloc(n, sizeof(float));
    if (o->n_state >= 2) o->s2 = gt_xcalloc(n, sizeof(float));
    if (o->n_state >= 3) o->s3 = gt_xcalloc(n, sizeof(float));
    return o;
}

void gt_optim_free(gt_optim *o) {
    if (!o) return;
    free(o->s1);
    free(o->s2);
    free(o->s3);
    free(o);
}

static void adam(gt_optim *o, float *p, const float *g) {
    const gt_optim_cfg *c = &o->cfg;
    float *m = o->s1, *v = o->s2, *vmax = o->s3;
    double step = (double)o->step;
    float b1 = (float)c->beta1, b2 = (float)c->beta2;
    float omb1 = (float)(1.0 - c->beta1), omb2 = (float)(1.0 - c->beta2);
    float wd = (float)c->weight_decay, eps = (float)c->eps;
    float step_size = (float)(c->lr / (1.0 - pow(c->beta1, step)));
    float bc2_sqrt = (float)sqrt(1.0 - pow(c->beta2, step));
    int ams = c->amsgrad;
    int64_t n = o->n;
    GT_OMP_FOR(n)
    for (int64_t i = 0; i < n; i++) {
        float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        m[i] = m[i] * b1 + omb1 * gi;
        v[i] = v[i] * b2 + omb2 * (gi * gi);
        float vv = v[i];
        if (ams) {
            vmax[i] = vmax[i] > vv ? vmax[i] : vv;
            vv = vmax[i];
        }
        float denom = sqrtf(vv) / bc2_sqrt + eps;
        p[i] = p[i] + (-step_size) * (m[i] / denom);
    }
}

static void rmsprop_plain(float *restrict p, const float *restrict g, float *restrict sq, int64_t n, float a,
                          float oma, float eps, float lr) {
    GT_OMP_FOR(n)
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        sq[i] = sq[i] * a + oma * (gi * gi);
        float avg = sqrtf(sq[i]) + eps;
        p[i] = p[i] + (-lr) * (gi / avg);
    }
}

static void rmsprop(gt_optim *o, float *p, const float *g) {
    const gt_optim_cfg *c = &o->cfg;
    float *sq = o->s1, *buf = o->s2, *gavg = o->s3;
    float a = (float)c->alpha, oma = (float)(1.0 - c->alpha), eps = (float)c->eps;
    float lr = (float)c->lr, mom = (float)c->momentum, wd = (float)c->weight_decay;
    int centered = c->centered;
    int64_t n = o->n;
    if (!centered && mom == 0.0f && wd == 0.0f) {
        /* plain RMSprop (WGAN's): the same arithmetic without the branches,
         * which the compiler would otherwise turn into masked vector code
         * that computes every path */
        rmsprop_plain(p, g, sq, n, a, oma, eps, lr);
        return;
    }
    GT_OMP_FOR(n)
    for (int64_t i = 0; i < n; i++) {
        float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        sq[i] = sq[i] * a + oma * (gi * gi);
        float avg;
        if (centered) {
            gavg[i] = gavg[i] * a + oma * gi;
            avg = sqrtf(sq[i] + (-1.0f) * (gavg[i] * gavg[i]));
        } else {
            avg = sqrtf(sq[i]);
        }
        avg += eps;
        if (mom > 0.0f) {
            buf[i] = buf[i] * mom + gi / avg;
            p[i] = p[i] + (-lr) * buf[i];
        } else {
            p[i] = p[i] + (-lr) * (gi / avg);
        }
    }
}

static void sgd(gt_optim *o, float *p, const float *g) {
    const gt_optim_cfg *c = &o->cfg;
    float *buf = o->s1;
    float lr = (float)c->lr, mom = (float)c->momentum, damp = (float)(1.0 - c->dampening);
    float wd = (float)c->weight_decay;
    int first = o->step == 1, nest = c->nesterov;
    int64_t n = o->n;
    GT_OMP_FOR(n)
    for (int64_t i = 0; i < n; i++) {
        float d = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        if (mom != 0.0f) {
            /* torch starts the buffer as a copy of the first gradient */
            buf[i] = first ? d : buf[i] * mom + damp * d;
            d = nest ? d + mom * buf[i] : buf[i];
        }
        p[i] = p[i] + (-lr) * d;
    }
}

void gt_optim_step(gt_optim *o, gt_params *p) {
    GT_ASSERTF(p->n_values == o->n, "optimizer for %lld values stepping a block of %lld",
               (long long)o->n, (long long)p->n_values);
    o->step++;
    switch (o->cfg.kind) {
    case GT_OPTIM_ADAM: adam(o, p->data, p->grad); break;
    case GT_OPTIM_RMSPROP: rmsprop(o, p->data, p->grad); break;
    case GT_OPTIM_SGD: sgd(o, p->data, p->grad); break;
    }
}
