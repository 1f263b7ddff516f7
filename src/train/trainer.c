/* trainer.c — one training iteration: the critic and generator updates of
 * every objective, the BEGAN k_t control, weight clipping, the learning-rate
 * schedule and the NaN/Inf check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/dist.h"
#include "gantrain/error.h"
#include "gantrain/train.h"

static gt_optim_cfg optim_cfg(const gt_config *cfg, double lr) {
    const char *name = gt_cfg_str(cfg, "optim", "optimizer");
    gt_optim_kind k = !strcmp(name, "adam") ? GT_OPTIM_ADAM
                      : !strcmp(name, "rmsprop") ? GT_OPTIM_RMSPROP : GT_OPTIM_SGD;
    gt_optim_cfg o = gt_optim_defaults(k, lr);
    o.beta1 = gt_cfg_float(cfg, "optim", "beta1");
    o.beta2 = gt_cfg_float(cfg, "optim", "beta2");
    o.eps = gt_cfg_float(cfg, "optim", "eps");
    o.alpha = gt_cfg_float(cfg, "optim", "alpha");
    o.momentum = gt_cfg_float(cfg, "optim", "momentum");
    o.weight_decay = gt_cfg_float(cfg, "optim", "weight_decay");
    return o;
}

int gt_trainer_init(gt_trainer *t, const gt_config *cfg, gt_gan *gan, uint64_t seed,
                    gt_batch_fn next_batch, void *batch_ud) {
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->gan = gan;
    t->obj = gt_objective_parse(gt_cfg_str(cfg, "model", "objective"));
    if (t->obj == GT_OBJ_BEGAN && !gan->arch->autoencoder)
        return gt_error_setc(GT_ERR_USAGE, "%s: model.objective = began needs an autoencoder "
                                           "discriminator (model.arch = began32 or began64)",
                             gt_cfg_where(cfg, "model", "objective"));
    if (t->obj != GT_OBJ_BEGAN && gan->arch->autoencoder)
        return gt_error_setc(GT_ERR_USAGE, "%s: model.arch = %s has an autoencoder discriminator, "
                                           "which only model.objective = began can train",
                             gt_cfg_where(cfg, "model", "arch"), gan->arch->name);
    t->batch = (int)gt_cfg_int(cfg, "train", "batch_size");
    t->n_critic = (int)gt_cfg_int(cfg, "train", "n_critic");
    const char *sched = gt_cfg_str(cfg, "train", "schedule");
    t->schedule = !strcmp(sched, "g-first")        ? GT_SCHED_G_FIRST
                  : !strcmp(sched, "critic-first") ? GT_SCHED_CRITIC_FIRST
                  : !strcmp(sched, "interleaved")  ? GT_SCHED_INTERLEAVED
                  : t->n_critic == 1               ? GT_SCHED_G_FIRST
                                                   : GT_SCHED_CRITIC_FIRST;
    t->d_sigmoid = gt_cfg_bool(cfg, "model", "d_sigmoid");
    t->clip = (float)gt_cfg_float(cfg, "train", "clip");
    t->gp_lambda = (float)gt_cfg_float(cfg, "train", "gp_lambda");
    t->gamma = (float)gt_cfg_float(cfg, "train", "began_gamma");
    t->lambda_k = (float)gt_cfg_float(cfg, "train", "began_lambda_k");
    t->kt = gt_cfg_float(cfg, "train", "began_k0");
    double lr = gt_cfg_float(cfg, "optim", "lr"), g = gt_cfg_float(cfg, "optim", "g_lr"),
           d = gt_cfg_float(cfg, "optim", "d_lr");
    t->lr_g0 = g > 0 ? g : lr;
    t->lr_d0 = d > 0 ? d : lr;
    t->lr_scale = 1.0;
    t->opt_g = gt_optim_new(optim_cfg(cfg, t->lr_g0), gan->g);
    t->opt_d = gt_optim_new(optim_cfg(cfg, t->lr_d0), gan->d);
    t->ctx = gt_ctx_new((size_t)gt_cfg_int(cfg, "train", "arena_mb") << 20);
    gt_rng_seed(&t->rng, seed);
    gan->rng = &t->rng; /* dropout masks come from the run's generator too */
    t->next_batch = next_batch;
    t->batch_ud = batch_ud;
    /* data parallel: every rank draws what a single process would draw for
     * the whole batch (noise, labels, masks) and uses its own share */
    t->rank = gt_dist_rank();
    t->ranks = gt_dist_size();
    if (t->batch < t->ranks)
        return gt_error_setc(GT_ERR_USAGE, "train.batch_size = %d is smaller than the %d ranks", t->batch,
                             t->ranks);
    gt_dist_slice(t->batch, t->rank, t->ranks, &t->off, &t->local);
    t->share = (float)t->local / (float)t->batch;
    gan->dist_off = t->off;
    gan->dist_batch = t->ranks > 1 ? t->batch : 0;
    if (t->ranks > 1 && gt_cfg_bool(cfg, "model", "bn_sync")) gt_ctx_set_reducer(t->ctx, gt_dist_sum_d);
    gt_dist_set_peer_timeout(gt_cfg_float(cfg, "train", "peer_timeout"));
    int64_t bucket = (int64_t)gt_cfg_int(cfg, "train", "bucket_kb") << 10;
    t->sync_g = gt_gradsync_new(gan->g, bucket);
    t->sync_d = gt_gradsync_new(gan->d, bucket);
    if (gt_gradsync_buckets(t->sync_g) + gt_gradsync_buckets(t->sync_d) > 0)
        gt_ctx_set_grad_hook(t->ctx, gt_gradsync_hook, NULL);
    int shape[4];
    int nd = gt_gan_batch_shape(gan, t->local, shape);
    size_t n = (size_t)gt_shape_numel(nd, shape);
    t->real_buf = gt_xmalloc(n * sizeof(float));
    t->fake_buf = gt_xmalloc(n * sizeof(float));
    t->label_buf = gt_xcalloc((size_t)t->batch, sizeof(float));
    t->fake_label_buf = gt_xcalloc((size_t)t->batch, sizeof(float));
    t->z_buf = gt_xmalloc(sizeof(float) * (size_t)t->batch * (size_t)gan->z_dim);
    return GT_OK;
}

void gt_trainer_free(gt_trainer *t) {
    gt_gradsync_free(t->sync_g);
    gt_gradsync_free(t->sync_d);
    gt_optim_free(t->opt_g);
    gt_optim_free(t->opt_d);
    gt_ctx_free(t->ctx);
    free(t->real_buf);
    free(t->fake_buf);
    free(t->label_buf);
    free(t->fake_label_buf);
    free(t->z_buf);
    memset(t, 0, sizeof *t);
}

void gt_trainer_lrs(const gt_trainer *t, int64_t step, double *g_lr, double *d_lr) {
    long every = gt_cfg_int(t->cfg, "train", "lr_update_step");
    double decay = gt_cfg_float(t->cfg, "train", "lr_decay"), floor_lr = gt_cfg_float(t->cfg, "train", "lr_min");
    double f = every > 0 ? pow(decay, (double)(step / every)) : 1.0;
    /* a rollback's factor applies below train.lr_min too: it is the
     * emergency brake, the floor is for the schedule */
    *g_lr = t->lr_scale * fmax(t->lr_g0 * f, fmin(floor_lr, t->lr_g0));
    *d_lr = t->lr_scale * fmax(t->lr_d0 * f, fmin(floor_lr, t->lr_d0));
}

/* ---- pieces ------------------------------------------------------------- */

static gt_tensor *batch_tensor(gt_trainer *t, const float *data) {
    int shape[4];
    int nd = gt_gan_batch_shape(t->gan, t->local, shape);
    return gt_from_data(t->ctx, data, nd, shape);
}

static gt_tensor *labels_tensor(gt_trainer *t, const float *data) {
    if (!t->gan->arch->conditional) return NULL;
    return gt_from_data(t->ctx, data, 1, (int[]){t->local});
}

/* labels of the whole batch's fakes; this rank's share ends up first */
static void draw_fake_labels(gt_trainer *t) {
    if (!t->gan->arch->conditional) return;
    const gt_draws *d = t->gan->draws;
    if (d)
        d->fill(d->ud, GT_DRAW_FAKE_LABELS, t->fake_label_buf, t->batch);
    else
        for (int i = 0; i < t->batch; i++)
            t->fake_label_buf[i] = (float)gt_rng_below(&t->rng, (uint64_t)t->gan->n_classes);
    if (t->off) memmove(t->fake_label_buf, t->fake_label_buf + t->off, sizeof(float) * (size_t)t->local);
}

/* noise of the whole batch, as one process draws it; this rank's rows */
static gt_tensor *draw_noise(gt_trainer *t) {
    int zd = t->gan->z_dim;
    int64_t n = (int64_t)t->batch * zd;
    if (t->gan->draws)
        t->gan->draws->fill(t->gan->draws->ud, GT_DRAW_Z, t->z_buf, n);
    else if (t->gan->z_uniform)
        gt_rng_fill_uniform(&t->rng, t->z_buf, n, -1.0f, 1.0f);
    else
        gt_rng_fill_normal(&t->rng, t->z_buf, n, 0.0f, 1.0f);
    return gt_from_data(t->ctx, t->z_buf + (int64_t)t->off * zd, 2, (int[]){t->local, zd});
}

static double mean_of(const gt_tensor *x, int sigmoid) {
    double s = 0;
    for (int64_t i = 0; i < x->n; i++) s += sigmoid ? 1.0 / (1.0 + exp(-(double)x->data[i])) : x->data[i];
    return s / (double)(x->n ? x->n : 1);
}

/* Means over this rank's samples -> means over the whole batch. */
static void batch_means(gt_trainer *t, double *v, int n) {
    if (t->ranks == 1) return;
    for (int i = 0; i < n; i++) v[i] *= t->share;
    gt_dist_sum_d(v, n);
}

/* A rank's mean loss weighted by its share, so the summed gradients are
 * the gradient of the whole batch's mean. */
static gt_tensor *weighted(gt_trainer *t, gt_tensor *loss) {
    return t->ranks == 1 ? loss : gt_scale(t->ctx, loss, t->share);
}


typedef struct critic_ud {
    gt_trainer *t;
    gt_tensor *labels;
} critic_ud;

static gt_tensor *critic(gt_ctx *c, void *ud, gt_tensor *x) {
    critic_ud *u = ud;
    return gt_gan_discriminate(c, u->t->gan, x, u->labels, GT_MODE_TRAIN);
}

/* Binary cross-entropy of D's score against target 0 or 1: with logits, or
 * (model.d_sigmoid) torch's BCELoss on the sigmoid of the score. */
static gt_tensor *bce(gt_trainer *t, gt_tensor *score, float target) {
    gt_ctx *c = t->ctx;
    gt_tensor *tt = gt_full(c, score->ndim, score->shape, target);
    return t->d_sigmoid ? gt_bce(c, gt_sigmoid(c, score), tt) : gt_bce_logits(c, score, tt);
}

/* G's loss from D's output on G(z) (recorded), per objective */
static gt_tensor *g_loss_of(gt_trainer *t, gt_tensor *d_fake, gt_tensor *fake) {
    gt_ctx *c = t->ctx;
    switch (t->obj) {
    case GT_OBJ_NS: return bce(t, d_fake, 1.0f);
    case GT_OBJ_MM: return gt_neg(c, bce(t, d_fake, 0.0f));
    case GT_OBJ_LS: return gt_mse(c, d_fake, gt_full(c, d_fake->ndim, d_fake->shape, 1.0f));
    case GT_OBJ_WGAN:
    case GT_OBJ_WGAN_GP: return gt_neg(c, gt_mean(c, d_fake, GT_ALL, 0));
    case GT_OBJ_BEGAN: return gt_l1(c, d_fake, fake); /* d_fake is the reconstruction */
    }
    return NULL;
}

/* One critic update on the real batch in real_buf and fakes in fake_buf. */
static int critic_step(gt_trainer *t, gt_stats *st) {
    gt_ctx *c = t->ctx;
    gt_gan *m = t->gan;
    gt_tensor *real = batch_tensor(t, t->real_buf), *fake = batch_tensor(t, t->fake_buf);
    gt_tensor *lr = labels_tensor(t, t->label_buf), *lf = labels_tensor(t, t->fake_label_buf);
    gt_params_zero_grad(m->d);
    gt_gradsync_begin(t->sync_d, c);
    gt_tensor *dr = gt_gan_discriminate(c, m, real, lr, GT_MODE_TRAIN);
    gt_tensor *df = gt_gan_discriminate(c, m, fake, lf, GT_MODE_TRAIN);
    gt_tensor *loss = NULL;
    /* figures of this rank's samples, made batch-wide below:
     * loss, D(x), D(G(z)), gp, L(x), L(G(z)) */
    double v[6] = {0, NAN, NAN, NAN, NAN, NAN};
    switch (t->obj) {
    case GT_OBJ_NS:
    case GT_OBJ_MM:
        /* the references average the two halves */
        loss = gt_scale(c, gt_add(c, bce(t, dr, 1.0f), bce(t, df, 0.0f)), 0.5f);
        v[1] = mean_of(dr, 1);
        v[2] = mean_of(df, 1);
        break;
    case GT_OBJ_LS:
        loss = gt_scale(c, gt_add(c, gt_mse(c, dr, gt_full(c, dr->ndim, dr->shape, 1.0f)),
                                  gt_mse(c, df, gt_zeros_like(c, df))), 0.5f);
        v[1] = mean_of(dr, 0);
        v[2] = mean_of(df, 0);
        break;
    case GT_OBJ_WGAN:
    case GT_OBJ_WGAN_GP: {
        gt_tensor *mr = gt_mean(c, dr, GT_ALL, 0), *mf = gt_mean(c, df, GT_ALL, 0);
        loss = gt_sub(c, mf, mr);
        v[1] = mr->data[0];
        v[2] = mf->data[0];
        if (t->obj == GT_OBJ_WGAN_GP) {
            /* interpolation weights of the whole batch, as one process draws them */
            float *alpha = gt_arena_alloc(gt_ctx_arena(c), (size_t)t->batch * sizeof(float));
            if (m->draws)
                m->draws->fill(m->draws->ud, GT_DRAW_ALPHA, alpha, t->batch);
            else
                for (int i = 0; i < t->batch; i++) alpha[i] = gt_rng_uniform(&t->rng);
            critic_ud u = {t, lr}; /* interpolates carry the real labels, as the references do */
            int rc;
            gt_tensor *gp = gt_gradient_penalty(c, critic, &u, real, fake, alpha + t->off, t->gp_lambda, &rc);
            if (rc) return rc;
            v[3] = gp->data[0];
            loss = gt_add(c, loss, gp);
        }
        break;
    }
    case GT_OBJ_BEGAN: {
        gt_tensor *l_real = gt_l1(c, dr, real), *l_fake = gt_l1(c, df, fake);
        loss = gt_sub(c, l_real, gt_scale(c, l_fake, (float)t->kt));
        v[4] = l_real->data[0];
        v[5] = l_fake->data[0];
        break;
    }
    }
    v[0] = loss->data[0];
    batch_means(t, v, 6);
    st->d_loss = v[0];
    st->d_real = v[1];
    st->d_fake = v[2];
    if (t->obj == GT_OBJ_WGAN || t->obj == GT_OBJ_WGAN_GP) st->wdist = v[1] - v[2];
    if (t->obj == GT_OBJ_WGAN_GP) st->gp = v[3];
    if (t->obj == GT_OBJ_BEGAN) {
        /* k_t and M_global from this step's forward, as the reference */
        double lx = v[4], lg = v[5], diff = t->gamma * lx - lg;
        st->l_real = lx;
        st->l_fake = lg;
        double k = t->kt + t->lambda_k * diff;
        t->kt = k < 0 ? 0 : (k > 1 ? 1 : k);
        st->kt = t->kt;
        st->m_global = lx + fabs(diff);
    }
    int rc = gt_backward(c, weighted(t, loss));
    if (rc) return rc;
    gt_gradsync_update(t->sync_d, c, t->opt_d); /* the sum over ranks, then the step */
    if (t->obj == GT_OBJ_WGAN) gt_params_clip(m->d, t->clip);
    gt_ctx_reset(c);
    return GT_OK;
}

/* G forward in training mode on fresh noise and labels (or, with fresh = 0,
 * the last ones drawn), copying the result to fake_buf.  With record set the
 * graph is kept for the generator update. */
static gt_tensor *generate(gt_trainer *t, int record, int fresh) {
    gt_ctx *c = t->ctx;
    gt_gradsync_settle(t->sync_g); /* G's last update, if it is still in flight */
    gt_tensor *z;
    if (fresh) {
        draw_fake_labels(t);
        z = draw_noise(t);
    } else {
        int zd = t->gan->z_dim;
        z = gt_from_data(c, t->z_buf + (int64_t)t->off * zd, 2, (int[]){t->local, zd});
    }
    int old = gt_set_grad_enabled(c, record);
    gt_tensor *fake = gt_gan_generate(c, t->gan, z, labels_tensor(t, t->fake_label_buf), GT_MODE_TRAIN);
    gt_set_grad_enabled(c, old);
    memcpy(t->fake_buf, fake->data, (size_t)fake->n * sizeof(float));
    return fake;
}

static int generator_step(gt_trainer *t, gt_tensor *fake, gt_stats *st) {
    gt_ctx *c = t->ctx;
    gt_gan *m = t->gan;
    gt_params_zero_grad(m->g);
    gt_gradsync_begin(t->sync_g, c);
    gt_params_set_trainable(m->d, 0); /* no weight gradients for D in G's update */
    gt_tensor *df = gt_gan_discriminate(c, m, fake, labels_tensor(t, t->fake_label_buf), GT_MODE_TRAIN);
    gt_tensor *loss = g_loss_of(t, df, fake);
    double v = loss->data[0];
    batch_means(t, &v, 1);
    st->g_loss = v;
    int rc = gt_backward(c, weighted(t, loss));
    gt_params_set_trainable(m->d, 1);
    if (rc) return rc;
    /* G is not used again before the next generate() (n_critic = 1: the
     * critic trains on the copy in fake_buf), so its all-reduce stays in
     * flight meanwhile and the update waits for settle */
    gt_gradsync_update_later(t->sync_g, c, t->opt_g);
    gt_ctx_reset(c);
    return GT_OK;
}

static int real_batch(gt_trainer *t) {
    int rc = t->next_batch(t->batch_ud, t->off, t->local, t->real_buf,
                           t->gan->arch->conditional ? t->label_buf : NULL);
    if (!rc) t->batches++;
    return rc;
}

/* NaN without its sign bit: "-nan" depends on how the compiler ordered the
 * arithmetic, and the message should not */
static double fig(double v) { return isnan(v) ? (double)NAN : v; }

static int check_finite(gt_trainer *t, const gt_stats *st) {
    if (isfinite(st->d_loss) && isfinite(st->g_loss)) return GT_OK;
    t->diverged = 1;
    char extra[160] = "";
    if (t->obj == GT_OBJ_WGAN_GP)
        snprintf(extra, sizeof extra, ", gradient penalty = %g, Wasserstein estimate = %g", fig(st->gp),
                 fig(st->wdist));
    else if (t->obj == GT_OBJ_WGAN)
        snprintf(extra, sizeof extra, ", Wasserstein estimate = %g", fig(st->wdist));
    else if (t->obj == GT_OBJ_BEGAN)
        snprintf(extra, sizeof extra, ", k_t = %g, L(x) = %g, L(G(z)) = %g", fig(st->kt), fig(st->l_real),
                 fig(st->l_fake));
    return gt_error_set("training diverged at step %lld: d_loss = %g, g_loss = %g, D(x) = %g, "
                        "D(G(z)) = %g%s, learning rates %g (G) and %g (D)",
                        (long long)t->step + 1, fig(st->d_loss), fig(st->g_loss), fig(st->d_real), fig(st->d_fake), extra,
                        st->g_lr, st->d_lr);
}

int gt_trainer_iteration(gt_trainer *t, gt_stats *st) {
    gt_stats s = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0};
    t->diverged = 0;
    gt_trainer_lrs(t, t->step, &s.g_lr, &s.d_lr);
    t->opt_g->cfg.lr = s.g_lr;
    t->opt_d->cfg.lr = s.d_lr;
    int rc;
    gt_tensor *fake;
    switch (t->schedule) {
    case GT_SCHED_G_FIRST:
        /* generator first; the critic's first step sees the same generated batch */
        fake = generate(t, 1, 1);
        if ((rc = generator_step(t, fake, &s))) return rc;
        for (int k = 0; k < t->n_critic; k++) {
            if ((rc = real_batch(t))) return rc;
            if (k) generate(t, 0, 1);
            if ((rc = critic_step(t, &s))) return rc;
        }
        break;
    case GT_SCHED_CRITIC_FIRST:
        for (int k = 0; k < t->n_critic; k++) {
            if ((rc = real_batch(t))) return rc;
            generate(t, 0, 1);
            if ((rc = critic_step(t, &s))) return rc;
        }
        fake = generate(t, 1, 1);
        if ((rc = generator_step(t, fake, &s))) return rc;
        break;
    case GT_SCHED_INTERLEAVED:
        /* a critic step, the generator on that step's noise, the rest */
        for (int k = 0; k < t->n_critic; k++) {
            if ((rc = real_batch(t))) return rc;
            generate(t, 0, 1);
            if ((rc = critic_step(t, &s))) return rc;
            if (k) continue;
            fake = generate(t, 1, 0);
            if ((rc = generator_step(t, fake, &s))) return rc;
        }
        break;
    }
    gt_gradsync_settle(t->sync_g); /* the iteration ends with both networks updated */
    if (t->obj == GT_OBJ_BEGAN) s.kt = t->kt;
    *st = s;
    if ((rc = check_finite(t, &s))) return rc;
    t->step++;
    return GT_OK;
}
