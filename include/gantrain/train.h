/* train.h — GAN objectives and the training iteration.
 *
 * One iteration is one generator update with all its critic updates, in the
 * order train.schedule names.  By default, with n_critic = 1 the generator
 * goes first and the discriminator then trains on the same generated batch
 * (as PyTorch-GAN's gan/cgan/dcgan/began scripts do); with n_critic > 1 the
 * critic takes n_critic steps, each on a fresh real batch and fresh fakes,
 * and then the generator takes one (as the WGAN paper's algorithm does).
 * The interleaved order takes one critic step, then the generator's on that
 * step's noise, then the other critic steps (PyTorch-GAN's wgan.py and
 * wgan_gp.py, which step the generator after every n_critic-th batch).
 */
#ifndef GANTRAIN_TRAIN_H
#define GANTRAIN_TRAIN_H

#include <stdint.h>

#include "gantrain/autograd.h"
#include "gantrain/config.h"
#include "gantrain/gradsync.h"
#include "gantrain/models.h"
#include "gantrain/optim.h"

typedef enum gt_objective {
    GT_OBJ_NS,      /* non-saturating: G maximises log D(G(z)) */
    GT_OBJ_MM,      /* minimax: G minimises log(1 - D(G(z))) */
    GT_OBJ_LS,      /* least squares on the raw score (targets 1 and 0) */
    GT_OBJ_WGAN,    /* Wasserstein with weight clipping */
    GT_OBJ_WGAN_GP, /* Wasserstein with gradient penalty */
    GT_OBJ_BEGAN,   /* boundary equilibrium (D is an autoencoder) */
} gt_objective;

gt_objective gt_objective_parse(const char *name);
const char *gt_objective_name(gt_objective o);

/* The figures of one iteration (NaN where an objective has none). */
typedef struct gt_stats {
    double d_loss, g_loss;
    double d_real, d_fake;  /* mean D(x), D(G(z)): probabilities for ns/mm, raw scores otherwise */
    double wdist;           /* wgan(-gp): mean D(x) - mean D(G(z)) */
    double gp;              /* wgan-gp: the penalty (times lambda) */
    double kt, m_global;    /* began */
    double l_real, l_fake;  /* began: reconstruction losses */
    double g_lr, d_lr;
} gt_stats;

/* Critic callback for the gradient penalty: score of x. */
typedef gt_tensor *(*gt_critic_fn)(gt_ctx *c, void *ud, gt_tensor *x);

/* lambda * mean((||grad_x D(x_hat)||_2 - 1)^2), x_hat = alpha real + (1-alpha) fake,
 * alpha [N] drawn by the caller; on the tape with create_graph so its
 * gradient in D's parameters is exact.  *rc gets the inner backward's code. */
gt_tensor *gt_gradient_penalty(gt_ctx *c, gt_critic_fn critic, void *ud, gt_tensor *real,
                               gt_tensor *fake, const float *alpha, float lambda, int *rc);

/* Fills x [count, ...] (pixels in [-1,1]) and labels [count] (class
 * indices, or ignored when NULL) with samples [off, off + count) of the
 * next real batch of train.batch_size (a rank's share in data-parallel
 * training; the whole batch otherwise).  Returns GT_OK or an error. */
typedef int (*gt_batch_fn)(void *ud, int off, int count, float *x, float *labels);

/* Order of the updates in one iteration (train.schedule). */
typedef enum gt_schedule { GT_SCHED_G_FIRST, GT_SCHED_CRITIC_FIRST, GT_SCHED_INTERLEAVED } gt_schedule;

typedef struct gt_trainer {
    const gt_config *cfg;
    gt_gan *gan;
    gt_optim *opt_g, *opt_d;
    gt_ctx *ctx;
    gt_rng rng;             /* z, fake labels, dropout, penalty interpolation */
    gt_objective obj;
    gt_schedule schedule;
    int d_sigmoid;          /* ns/mm: sigmoid on D's output and BCELoss (model.d_sigmoid) */
    int batch, n_critic;
    int rank, ranks;        /* data parallel: this process's rank and the world size */
    int local, off;         /* this rank's share of each batch: [off, off + local) */
    float share;            /* local / batch: weights a rank's mean losses */
    float clip, gp_lambda, gamma, lambda_k;
    double kt;              /* began's k_t */
    double lr_g0, lr_d0;    /* base learning rates */
    double lr_scale;        /* 1, times train.rollback_lr_factor per rollback */
    int diverged;           /* the last iteration stopped on a NaN/Inf loss */
    int64_t step;           /* generator updates done */
    int64_t batches;        /* real batches consumed */
    gt_batch_fn next_batch;
    void *batch_ud;
    float *real_buf, *label_buf, *fake_buf, *fake_label_buf; /* [local] samples */
    float *z_buf;           /* [batch, z_dim] noise of the whole batch */
    gt_gradsync *sync_g, *sync_d; /* the gradients' all-reduce (train.bucket_kb) */
} gt_trainer;

/* Sets up optimizers and state from the config for an existing model. */
int gt_trainer_init(gt_trainer *t, const gt_config *cfg, gt_gan *gan, uint64_t seed,
                    gt_batch_fn next_batch, void *batch_ud);
void gt_trainer_free(gt_trainer *t);
/* The learning rates of a given step (train.lr_update_step schedule),
 * times lr_scale. */
void gt_trainer_lrs(const gt_trainer *t, int64_t step, double *g_lr, double *d_lr);
/* One generator update with its critic updates.  GT_ERR with a message on a
 * NaN/Inf loss (naming the step and the figures; t->diverged is then set)
 * or a failed batch.  After a divergence the parameters are unusable until
 * a checkpoint is loaded again. */
int gt_trainer_iteration(gt_trainer *t, gt_stats *st);

#endif
