/* models.h — generator/discriminator pairs per architecture, and presets.
 *
 * Architecture (model.arch: the layers of G and D) and objective
 * (model.objective: how they are trained) are separate axes; a preset
 * (model.preset) only fills in defaults for both and for the optimizer,
 * sizes and schedule.  The architectures follow the common reference
 * implementations (PyTorch-GAN's gan/cgan/dcgan/wgan/wgan_gp/began, the
 * PyTorch DCGAN example, BEGAN-tensorflow) layer for layer; see
 * docs/models.md and tests/test_models.c, which compares every one with a
 * PyTorch model given the same weights.
 */
#ifndef GANTRAIN_MODELS_H
#define GANTRAIN_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include "gantrain/autograd.h"
#include "gantrain/config.h"
#include "gantrain/nn.h"
#include "gantrain/rng.h"

/* How a network runs: TRAIN uses batch statistics and updates the running
 * ones and applies dropout; SAMPLE uses batch statistics without updating
 * anything (sample grids, `gantrain sample`: what the references show);
 * EVAL uses the running statistics. */
typedef enum gt_mode { GT_MODE_TRAIN, GT_MODE_SAMPLE, GT_MODE_EVAL } gt_mode;

typedef struct gt_gan gt_gan;

/* Where a run's random draws come from when they do not come from its RNG:
 * a lockstep run against PyTorch (gantrain lockstep) feeds both programs
 * the same recorded noise, labels, penalty weights and dropout masks.
 * fill writes the next n values of a kind into buf: z as drawn, class
 * indices as floats, alpha in [0,1), dropout keep flags 0 or 1 (for the
 * whole batch, as one process draws them). */
typedef enum gt_draw_kind { GT_DRAW_Z, GT_DRAW_FAKE_LABELS, GT_DRAW_ALPHA, GT_DRAW_KEEP } gt_draw_kind;
typedef struct gt_draws {
    void (*fill)(void *ud, gt_draw_kind kind, float *buf, int64_t n);
    void *ud;
} gt_draws;

typedef struct gt_arch {
    const char *name;
    /* declares G's and D's tensors into m->g and m->d; GT_OK or a config error */
    int (*build)(gt_gan *m, const gt_config *cfg);
    gt_tensor *(*generate)(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode);
    gt_tensor *(*discriminate)(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode);
    int conditional;    /* G and D take labels */
    int autoencoder;    /* D returns a reconstruction (BEGAN), not a score */
} gt_arch;

struct gt_gan {
    const gt_arch *arch;
    gt_params *g, *d;
    int z_dim;
    int z_uniform;           /* z ~ U(-1,1) instead of N(0,1) */
    int n_classes;           /* conditional models */
    int data_ndim;           /* 3 for images [C,H,W], 1 for points [D] */
    int data_shape[3];
    gt_rng *rng;             /* dropout masks (the run's generator) */
    const gt_draws *draws;   /* NULL, or the recorded draws that replace rng's */
    int dist_off, dist_batch; /* data parallel: masks are drawn for the whole
                                 batch of dist_batch and rows dist_off.. kept */
    void *impl;              /* the architecture's layers */
};

/* Sets every key the preset names unless the config set it. */
int gt_preset_apply(gt_config *cfg);
/* The preset's keys and values as "key = value" lines, for docs and tests. */
const char *gt_preset_describe(const char *preset);

/* Builds G and D for data of the given shape ([C,H,W] or [D]); parameters are
 * initialised from rng.  NULL with the error set on a bad configuration
 * (e.g. a 28x28 image for an architecture that needs a multiple of 16). */
gt_gan *gt_gan_new(const gt_config *cfg, int data_ndim, const int *data_shape, int n_classes,
                   gt_rng *rng);
void gt_gan_free(gt_gan *m);
/* gt_gan_new in two halves, so a caller can size a model before it exists:
 * declare builds the layer table without allocating parameters (NULL with
 * a config error when the shapes are impossible); seal allocates and
 * initialises them.  gt_gan_new also refuses (config error) a model whose
 * parameters and gradients exceed gt_mem_budget(). */
gt_gan *gt_gan_declare(const gt_config *cfg, int data_ndim, const int *data_shape, int n_classes);
void gt_gan_seal(gt_gan *m, gt_rng *rng);
/* Bytes of G's and D's values, buffers and gradients (known once declared). */
int64_t gt_gan_param_bytes(const gt_gan *m);
gt_tensor *gt_gan_generate(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode);
gt_tensor *gt_gan_discriminate(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode);
/* Draws z [n, z_dim] from the model's noise distribution. */
gt_tensor *gt_gan_noise(gt_ctx *c, const gt_gan *m, int n, gt_rng *rng);
/* Shape of a batch of n data items ([n,C,H,W] or [n,D]) into shape; returns ndim. */
int gt_gan_batch_shape(const gt_gan *m, int n, int *shape);

/* ---- models from checkpoints -------------------------------------------- */
/* Resolves a run directory (its ckpt/last) or a checkpoint file to a path. */
const char *gt_ckpt_resolve(const char *run_or_ckpt, char *buf, size_t size);
/* Rebuilds the model a checkpoint was trained with (from the config and data
 * shape stored in it) and loads G's weights (and D's when with_d).  The
 * config is returned in *cfg (caller frees).  NULL with the message set. */
gt_gan *gt_gan_load(const char *ckpt_path, int with_d, gt_config **cfg, gt_rng *rng, int64_t *step);

#endif
