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
    double M;           /* values per channel the statistics are over */
    gt_reduce_fn reduce; /* distributed: sums over all ranks */
} bn_saved;

/* Per-channel sums over [N, C, S]: out[ch] = sum of f(x) (x minus mean[ch] squared when mean) */
static void channel_sums(const float *xs, const float *gs, const float *mean, const float *rstd, int N,
                         int C, int64_t S, double *out_a, double *out_b) {
#pragma omp parallel for schedule(static) if ((int64_t)N * C * S >= GT_PAR_MIN)
    for (int ch = 0; ch < C; ch++) {
        double a = 0, b = 0;
        for (int i = 0; i < N; i++) {
            const float *xp = xs + ((int64_t)i * C + ch) * S;
            if (gs) {
                const float *gp = gs + ((int64_t)i * C + ch) * S;
                float mu = mean[ch], rs = rstd[ch];
                for (int64_t k = 0; k < S; k++) {
                    a += gp[k];
                    b += (double)gp[k] * ((xp[k] - mu) * rs);
                }
            } else if (mean) {
                double mu = mean[ch];
                for (int64_t k = 0; k < S; k++) a += (xp[k] - mu) * (xp[k] - mu);
            } else {
                for (int64_t k = 0; k < S; k++) a += xp[k];
            }
        }
        out_a[ch] = a;
        if (out_b) out_b[ch] = b;
    }
}

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
    if (s->reduce) {
        /* distributed: sum(g) and sum(g * xhat) over every rank's samples */
        double *sums = gt_arena_alloc(gt_ctx_arena(c), sizeof(double) * 2 * (size_t)C);
        channel_sums(xs, gs, s->mean, s->rstd, N, C, S, sums, sums + C);
        s->reduce(sums, 2 * C);
        M = s->M;
        for (int ch = 0; ch < C; ch++) {
            if (gg) gg->data[ch] = (float)sums[C + ch];
            if (gb) gb->data[ch] = (float)sums[ch];
        }
        if (gx) {
            float *op = gx->data;
#pragma omp parallel for schedule(static) if (x->n >= GT_PAR_MIN)
            for (int ch = 0; ch < C; ch++) {
                float gam = gamma ? gamma->data[ch] : 1.0f, mu = s->mean[ch], rs = s->rstd[ch];
                float a = (float)(sums[ch] / M), b = (float)(sums[C + ch] / M);
                for (int i = 0; i < N; i++) {
                    const float *xp = xs + ((int64_t)i * C + ch) * S, *gp = gs + ((int64_t)i * C + ch) * S;
                    float *o = op + ((int64_t)i * C + ch) * S;
                    for (int64_t k = 0; k < S; k++) o[k] = gam * rs * (gp[k] - a - (xp[k] - mu) * rs * b);
                }
            }
        }
        goto done;
    }
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
done:
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
    /* statistics over every rank's samples only for a real training step,
     * never for sample grids (no running statistics) */
    s->reduce = running_mean ? gt_ctx_reducer(c) : NULL;
    s->M = M;
    if (s->reduce) {
        double *acc = gt_arena_alloc(gt_ctx_arena(c), sizeof(double) * (2 * (size_t)C + 1));
        channel_sums(xs, NULL, NULL, NULL, N, C, S, acc, NULL);
        acc[C] = M;
        s->reduce(acc, C + 1);
        double Mg = acc[C];
        s->M = Mg;
        for (int ch = 0; ch < C; ch++) s->mean[ch] = (float)(acc[ch] / Mg);
        double *ss = acc + C + 1;
        channel_sums(xs, NULL, s->mean, NULL, N, C, S, ss, NULL);
        s->reduce(ss, C);
#pragma omp parallel for schedule(static) if (x->n >= GT_PAR_MIN)
        for (int ch = 0; ch < C; ch++) {
            double mu = acc[ch] / Mg, var = ss[ch] / Mg;
            float rs = (float)(1.0 / sqrt(var + eps)), muf = s->mean[ch];
            float gam = gamma ? gamma->data[ch] : 1.0f, bet = beta ? beta->data[ch] : 0.0f;
            s->rstd[ch] = rs;
            for (int i = 0; i < N; i++) {
                const float *xp = xs + ((int64_t)i * C + ch) * S;
                float *yp = ys + ((int64_t)i * C + ch) * S;
                for (int64_t k = 0; k < S; k++) yp[k] = (xp[k] - muf) * rs * gam + bet;
            }
            running_mean->data[ch] = (float)((1.0 - momentum) * running_mean->data[ch] + momentum * mu);
            if (running_var)
                running_var->data[ch] =
                    (float)((1.0 - momentum) * running_var->data[ch] + momentum * ss[ch] / (Mg - 1.0));
        }
        gt_node *n = GT_RECORD(c, &op_bn, y, x, gamma, beta);
        if (n) n->saved = s;
        return y;
    }
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
