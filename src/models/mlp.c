/* mlp.c — the fully connected GANs: `mlp` (PyTorch-GAN's gan/wgan/wgan_gp
 * networks) and `cgan-mlp` (PyTorch-GAN's cgan: label embeddings joined to
 * z in G and to the flattened image in D).
 *
 * G: [Linear -> (BatchNorm1d) -> LeakyReLU] per hidden width, no norm on the
 *    first, then Linear to the data size and Tanh (no Tanh for 2-D points).
 * D (mlp): [Linear -> LeakyReLU] per hidden width, then Linear -> 1 score.
 * D (cgan-mlp): Linear -> LeakyReLU, then [Linear -> Dropout -> LeakyReLU]
 *    for the following widths, then Linear -> 1. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAXL 16

typedef struct mlp_impl {
    int ng, nd, out_dim, tanh_out;
    float slope, dropout;
    gt_linear_layer g_fc[MAXL + 1], d_fc[MAXL + 1];
    gt_batchnorm_layer g_bn[MAXL];
    int g_has_bn[MAXL];
    gt_embedding_layer g_emb, d_emb;
    int conditional, embed;
} mlp_impl;

static int build_common(gt_gan *m, const gt_config *cfg, int conditional) {
    mlp_impl *im = gt_xcalloc(1, sizeof *im);
    m->impl = im;
    int gw[MAXL], dw[MAXL], init = gt_m_init_kind(cfg);
    im->ng = gt_m_widths(cfg, "g_hidden", gw, MAXL);
    if (im->ng < 0) return GT_ERR_USAGE;
    im->nd = gt_m_widths(cfg, "d_hidden", dw, MAXL);
    if (im->nd < 0) return GT_ERR_USAGE;
    im->out_dim = 1;
    for (int i = 0; i < m->data_ndim; i++) im->out_dim *= m->data_shape[i];
    im->tanh_out = m->data_ndim == 3;
    im->slope = (float)gt_cfg_float(cfg, "model", "leaky_slope");
    im->dropout = (float)gt_cfg_float(cfg, "model", "d_dropout");
    im->conditional = conditional;
    im->embed = conditional ? (int)gt_cfg_int(cfg, "model", "embed_dim") : 0;
    float eps = (float)gt_cfg_float(cfg, "model", "bn_eps");
    float mom = (float)gt_cfg_float(cfg, "model", "bn_momentum");
    int use_bn = gt_cfg_bool(cfg, "model", "g_batchnorm");
    char name[64];

    if (conditional) gt_embedding_layer_make(&im->g_emb, m->g, "label_emb", m->n_classes, im->embed);
    int prev = m->z_dim + im->embed;
    for (int i = 0; i < im->ng; i++) {
        snprintf(name, sizeof name, "fc%d", i + 1);
        gt_m_linear(&im->g_fc[i], m->g, name, prev, gw[i], 1, init);
        im->g_has_bn[i] = use_bn && i > 0;
        if (im->g_has_bn[i]) {
            snprintf(name, sizeof name, "bn%d", i + 1);
            gt_m_bn(&im->g_bn[i], m->g, name, gw[i], eps, mom, 0, init);
        }
        prev = gw[i];
    }
    gt_m_linear(&im->g_fc[im->ng], m->g, "out", prev, im->out_dim, 1, init);

    if (conditional) gt_embedding_layer_make(&im->d_emb, m->d, "label_emb", m->n_classes, im->embed);
    prev = im->out_dim + im->embed;
    for (int i = 0; i < im->nd; i++) {
        snprintf(name, sizeof name, "fc%d", i + 1);
        gt_m_linear(&im->d_fc[i], m->d, name, prev, dw[i], 1, init);
        prev = dw[i];
    }
    gt_m_linear(&im->d_fc[im->nd], m->d, "out", prev, 1, 1, init);
    return GT_OK;
}

static int build_mlp(gt_gan *m, const gt_config *cfg) { return build_common(m, cfg, 0); }
static int build_cgan(gt_gan *m, const gt_config *cfg) { return build_common(m, cfg, 1); }

static gt_tensor *generate(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode) {
    mlp_impl *im = m->impl;
    gt_tensor *h = z;
    if (im->conditional) {
        /* the reference concatenates (embedding, noise) in this order */
        gt_tensor *parts[2] = {gt_embedding_layer_fwd(c, &im->g_emb, labels), z};
        h = gt_concat(c, 2, parts, 1);
    }
    for (int i = 0; i < im->ng; i++) {
        h = gt_linear_layer_fwd(c, &im->g_fc[i], h);
        if (im->g_has_bn[i]) h = gt_m_bn_fwd(c, &im->g_bn[i], h, mode);
        h = gt_leaky_relu(c, h, im->slope);
    }
    h = gt_linear_layer_fwd(c, &im->g_fc[im->ng], h);
    if (im->tanh_out) h = gt_tanh(c, h);
    int shape[4];
    int nd = gt_gan_batch_shape(m, z->shape[0], shape);
    return gt_reshape(c, h, nd, shape);
}

static gt_tensor *discriminate(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode) {
    mlp_impl *im = m->impl;
    gt_tensor *h = gt_flatten(c, x);
    if (im->conditional) {
        gt_tensor *parts[2] = {h, gt_embedding_layer_fwd(c, &im->d_emb, labels)};
        h = gt_concat(c, 2, parts, 1);
    }
    for (int i = 0; i < im->nd; i++) {
        h = gt_linear_layer_fwd(c, &im->d_fc[i], h);
        if (im->conditional && i > 0) h = gt_m_dropout(c, m, h, im->dropout, 0, mode);
        h = gt_leaky_relu(c, h, im->slope);
    }
    return gt_linear_layer_fwd(c, &im->d_fc[im->nd], h);
}

const gt_arch gt_arch_mlp = {"mlp", build_mlp, generate, discriminate, 0, 0};
const gt_arch gt_arch_cgan_mlp = {"cgan-mlp", build_cgan, generate, discriminate, 1, 0};
