/* batchnorm.c — batch normalisation (1-D and 2-D), training and eval.
 *
 * Training mode is one fused forward and one fused backward kernel; the
 * backward is recorded as an op without a backward rule, so differentiating
 * it again (create_graph through a batch-norm critic) is a clear error, never
 * a wrong number.  Eval mode is an affine map built from ordinary ops and so
 * differentiates to any order. */
#include <math.h>

#include "internal.h"

typedef struct bn_saved {
    float *mean, *rstd; /* [C] batch statistics */
    float eps;
} bn_saved;

/* view x as [N, C, S] */
static void bn_dims(const gt_tensor *x, int *N, int *C, int64_t *S) {
    GT_ASSERTF(x->ndim >= 2, "batchnorm: input %s needs a channel dim", GT_SHAPE_STR(x));
    *N = x->shape[0];
    *C = x->shape[1];
    *S = 1;
    for (int i = 2; i < x->ndim; i++) *S *= x->shape[i];
}

static const gt_opdef op_bn_backward = {
    "batchnorm_backward", NULL,
    "batch norm (training mode) has no second derivative; a WGAN-GP critic should use "
    "layer norm or no normalisation (model.d_norm = layer | none)"};

/* gx = rstd/M * (M*gh - sum(gh) - xh*sum(gh*xh)), gh = g*gamma; dgamma =
 * sum(g*xh); dbeta = sum(g).  Writes whichever outputs are requested. */
static void vjp_bn(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    gt_tensor *x = n->in[0], *gamma = n->in[1], *beta = n->in[2];
    bn_saved *s = n->saved;
    int N, C;
    int64_t S;
    bn_dims(x, &N, &C, &S);
    double M = (double)N * (double)S;
    gt_tensor *gx = need[0] ? gt_new(c, x->ndim, x->shape) : NULL;
    gt_tensor *gg = gamma && need[1] ? gt_new(c, gamma->ndim, gamma->shape) : NULL;
    gt_tensor *gb = beta && need[2] ? gt_new(c, beta->ndim, beta->shape) : NULL;
    const float *xs = x->data, *gs = g->data;
#pragma omp parallel for schedule(static) if (x->n >= GT_PAR_MIN)
    for (int ch = 0; ch < C; ch++) {
        double sg = 0, sgx = 0;
        float mu = s->mean[ch], rs = s->rstd[ch];
        for (int i = 0; i < N; i++) {
            const float *xp = xs + ((int64_t)i * C + ch) * S, *gp = gs + ((int64_t)i * C + ch) * S;
            for (int64_t k = 0; k < S; k++) {
                sg += gp[k];
                sgx += (double)gp[k] * ((xp[k] - mu) * rs);
            }
        }
        if (gg) gg->data[ch] = (float)sgx;
        if (gb) gb->data[ch] = (float)sg;
        if (gx) {
            float gam = gamma ? gamma->data[ch] : 1.0f;
            float a = (float)(sg / M), b = (float)(sgx / M);
            float *op = gx->data;
            for (int i = 0; i < N; i++) {
                const float *xp = xs + ((int64_t)i * C + ch) * S,
                            *gp = gs + ((int64_t)i * C + ch) * S;
                float *o = op + ((int64_t)i * C + ch) * S;
                for (int64_t k = 0; k < S; k++) {
                    float xh = (xp[k] - mu) * rs;
                    o[k] = gam * rs * (gp[k] - a - xh * b);
                }
            }
        }
    }
    gin[0] = gx;
    gin[1] = gg;
    gin[2] = gb;
    /* with create_graph the results stand on a node that refuses to be
     * differentiated again */
    gt_tensor *outs[3] = {gx, gg, gb};
    for (int i = 0; i < 3; i++)
        if (outs[i]) GT_RECORD(c, &op_bn_backward, outs[i], g, x, gamma);
}
static const gt_opdef op_bn = {"batchnorm", vjp_bn, NULL};

static gt_tensor *channel_view(gt_ctx *c, gt_tensor *t, int ndim, int C) {
    int sh[4] = {1, C, 1, 1};
    return gt_reshape(c, t, ndim, sh);
}

gt_tensor *gt_batchnorm(gt_ctx *c, gt_tensor *x, gt_tensor *gamma, gt_tensor *beta,
                        gt_tensor *running_mean, gt_tensor *running_var, float momentum, float eps,
                        int training) {
    int N, C;
    int64_t S;
    bn_dims(x, &N, &C, &S);
    GT_ASSERTF(!gamma || gamma->n == C, "batchnorm: gamma of %lld for %d channels",
               (long long)(gamma ? gamma->n : 0), C);
    GT_ASSERTF(!beta || beta->n == C, "batchnorm: beta for %d channels expected", C);
    if (!training) {
        GT_ASSERTF(running_mean && running_var, "batchnorm: eval mode needs running statistics");
        /* y = (x - rm) * gamma / sqrt(rv + eps) + beta, as ordinary ops */
        gt_tensor *rstd = gt_new(c, 1, (int[]){C});
        for (int ch = 0; ch < C; ch++) rstd->data[ch] = 1.0f / sqrtf(running_var->data[ch] + eps);
        gt_tensor *scale = gamma ? gt_mul(c, gamma, rstd) : rstd;
        gt_tensor *xc = gt_sub(c, x, channel_view(c, gt_detach(c, running_mean), x->ndim, C));
        gt_tensor *y = gt_mul(c, xc, channel_view(c, scale, x->ndim, C));
        return beta ? gt_add(c, y, channel_view(c, beta, x->ndim, C)) : y;
    }
    GT_ASSERTF(N * S > 1, "batchnorm: training needs more than one value per channel, got %s",
               GT_SHAPE_STR(x));
    gt_tensor *y = gt_new(c, x->ndim, x->shape);
    bn_saved *s = gt_arena_alloc(gt_ctx_arena(c), sizeof *s);
    s->mean = gt_arena_alloc(gt_ctx_arena(c), (size_t)C * sizeof(float));
    s->rstd = gt_arena_alloc(gt_ctx_arena(c), (size_t)C * sizeof(float));
    s->eps = eps;
    double M = (double)N * (double)S;
    const float *xs = x->data;
    float *ys = y->data;
#pragma omp parallel for schedule(static) if (x->n >= GT_PAR_MIN)
    for (int ch = 0; ch < C; ch++) {
        double sum = 0;
        for (int i = 0; i < N; i++) {
            const float *xp = xs + ((int64_t)i * C + ch) * S;
            for (int64_t k = 0; k < S; k++) sum += xp[k];
        }
        double mu = sum / M, ss = 0;
        for (int i = 0; i < N; i++) {
            const float *xp = xs + ((int64_t)i * C + ch) * S;
            for (int64_t k = 0; k < S; k++) ss += (xp[k] - mu) * (xp[k] - mu);
        }
        double var = ss / M;
        float rs = (float)(1.0 / sqrt(var + eps)), muf = (float)mu;
        float gam = gamma ? gamma->data[ch] : 1.0f, bet = beta ? beta->data[ch] : 0.0f;
        s->mean[ch] = muf;
        s->rstd[ch] = rs;
        for (int i = 0; i < N; i++) {
            const float *xp = xs + ((int64_t)i * C + ch) * S;
            float *yp = ys + ((int64_t)i * C + ch) * S;
            for (int64_t k = 0; k < S; k++) yp[k] = (xp[k] - muf) * rs * gam + bet;
        }
        if (running_mean)
            running_mean->data[ch] = (float)((1.0 - momentum) * running_mean->data[ch] + momentum * mu);
        if (running_var)
            running_var->data[ch] =
                (float)((1.0 - momentum) * running_var->data[ch] + momentum * ss / (M - 1.0));
    }
    gt_node *n = GT_RECORD(c, &op_bn, y, x, gamma, beta);
    if (n) n->saved = s;
    return y;
}
