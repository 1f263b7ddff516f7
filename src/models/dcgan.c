/* dcgan.c — the convolutional GANs.
 *
 * dcgan32 (PyTorch-GAN's dcgan.py): G: Linear z -> w*(H/4)^2, BatchNorm2d
 *   (eps 1e-5), [Upsample x2 -> Conv3x3 -> BatchNorm2d(eps = model.bn_eps)
 *   -> LeakyReLU] twice (w -> w -> w/2 channels), Conv3x3 -> C, Tanh.
 *   D: four blocks Conv3x3 stride 2 -> LeakyReLU -> Dropout2d ->
 *   [BatchNorm2d(eps = model.bn_eps)] (no norm on the first block; channels
 *   d, 2d, 4d, 8d), then Linear -> 1.
 * dcgan64 (Radford et al.; the PyTorch DCGAN example): G: ConvTranspose 4x4
 *   z -> 4x4, then stride-2 ConvTranspose 4x4 doubling the size and halving
 *   the channels (BatchNorm + ReLU), last one to C with Tanh; D mirrors it
 *   with stride-2 Conv 4x4 + BatchNorm + LeakyReLU(0.2) (no norm on the
 *   first) and a final 4x4 valid Conv to one score.  No biases. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAXUP 8

typedef struct dcgan_impl {
    int C, H, gw, dw, norm; /* norm: 0 none, 1 batch, 2 layer */
    float slope, dropout;
    gt_m_dc32_gen gen;      /* dcgan32 */
    gt_linear_layer adv;
    gt_batchnorm_layer bn[MAXUP];
    gt_conv_layer conv[MAXUP], dconv[MAXUP];
    gt_batchnorm_layer dbn[MAXUP];
    gt_layernorm_layer dln[MAXUP];
    int n_up, n_down;
} dcgan_impl;

static int d_norm_kind(const gt_config *cfg) {
    const char *s = gt_cfg_str(cfg, "model", "d_norm");
    return !strcmp(s, "batch") ? 1 : !strcmp(s, "layer") ? 2 : 0;
}

static int image_check(gt_gan *m, int multiple, const char *arch) {
    if (m->data_ndim != 3 || m->data_shape[1] != m->data_shape[2] || m->data_shape[1] % multiple)
        return gt_error_setc(GT_ERR_USAGE,
                             "model.arch = %s needs square images whose size is a multiple of %d "
                             "(set data.image_size, e.g. 32)", arch, multiple);
    return GT_OK;
}

/* ---- dcgan32 ------------------------------------------------------------ */

void gt_m_dc32_gen_build(gt_m_dc32_gen *g, gt_gan *m, const gt_config *cfg, int init) {
    long gw = gt_cfg_int(cfg, "model", "g_width");
    int C = m->data_shape[0], w = gw ? (int)gw : 128, s = m->data_shape[1] / 4;
    float eps = (float)gt_cfg_float(cfg, "model", "bn_eps"), mom = (float)gt_cfg_float(cfg, "model", "bn_momentum");
    g->gw = w;
    g->init_size = s;
    g->slope = (float)gt_cfg_float(cfg, "model", "leaky_slope");
    gt_m_linear(&g->l1, m->g, "l1", m->z_dim, w * s * s, 1, init);
    /* the reference's first BatchNorm2d keeps torch's eps; the later ones get bn_eps */
    gt_m_bn(&g->bn0, m->g, "bn0", w, 1e-5f, mom, 1, init);
    gt_m_conv(&g->conv[0], m->g, "conv1", w, w, 3, 1, 1, 1, init);
    gt_m_bn(&g->bn[0], m->g, "bn1", w, eps, mom, 1, init);
    gt_m_conv(&g->conv[1], m->g, "conv2", w, w / 2, 3, 1, 1, 1, init);
    gt_m_bn(&g->bn[1], m->g, "bn2", w / 2, eps, mom, 1, init);
    gt_m_conv(&g->conv[2], m->g, "conv3", w / 2, C, 3, 1, 1, 1, init);
}

gt_tensor *gt_m_dc32_gen_fwd(gt_ctx *c, const gt_m_dc32_gen *g, gt_tensor *z, gt_mode mode) {
    int s = g->init_size;
    gt_tensor *h = gt_linear_layer_fwd(c, &g->l1, z);
    h = gt_reshape(c, h, 4, (int[]){z->shape[0], g->gw, s, s});
    h = gt_m_bn_fwd(c, &g->bn0, h, mode);
    for (int i = 0; i < 2; i++) {
        h = gt_upsample_nearest(c, h, 2);
        h = gt_conv_layer_fwd(c, &g->conv[i], h);
        h = gt_m_bn_fwd(c, &g->bn[i], h, mode);
        h = gt_leaky_relu(c, h, g->slope);
    }
    return gt_tanh(c, gt_conv_layer_fwd(c, &g->conv[2], h));
}

static int build32(gt_gan *m, const gt_config *cfg) {
    if (image_check(m, 16, "dcgan32")) return GT_ERR_USAGE;
    dcgan_impl *im = gt_xcalloc(1, sizeof *im);
    m->impl = im;
    int init = gt_m_init_kind(cfg);
    long dw = gt_cfg_int(cfg, "model", "d_width");
    im->dw = dw ? (int)dw : 16;
    im->C = m->data_shape[0];
    im->H = m->data_shape[1];
    im->slope = (float)gt_cfg_float(cfg, "model", "leaky_slope");
    im->dropout = (float)gt_cfg_float(cfg, "model", "d_dropout");
    im->norm = d_norm_kind(cfg);
    float eps = (float)gt_cfg_float(cfg, "model", "bn_eps"), mom = (float)gt_cfg_float(cfg, "model", "bn_momentum");
    gt_m_dc32_gen_build(&im->gen, m, cfg, init);

    int in = im->C, out = im->dw, size = im->H;
    char name[32];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "conv%d", i + 1);
        gt_m_conv(&im->dconv[i], m->d, name, in, out, 3, 2, 1, 1, init);
        size /= 2;
        if (i > 0 && im->norm == 1) {
            snprintf(name, sizeof name, "bn%d", i + 1);
            gt_m_bn(&im->dbn[i], m->d, name, out, eps, mom, 1, init);
        } else if (i > 0 && im->norm == 2) {
            snprintf(name, sizeof name, "ln%d", i + 1);
            gt_layernorm_layer_make(&im->dln[i], m->d, name, out * size * size, 1e-5f);
        }
        in = out;
        out *= 2;
    }
    gt_m_linear(&im->adv, m->d, "adv", in * size * size, 1, 1, init);
    return GT_OK;
}

static gt_tensor *gen32(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    return gt_m_dc32_gen_fwd(c, &((dcgan_impl *)m->impl)->gen, z, mode);
}

static gt_tensor *disc32(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    dcgan_impl *im = m->impl;
    gt_tensor *h = x;
    for (int i = 0; i < 4; i++) {
        h = gt_leaky_relu(c, gt_conv_layer_fwd(c, &im->dconv[i], h), im->slope);
        h = gt_m_dropout(c, m, h, im->dropout, 1, mode);
        if (i > 0 && im->norm == 1) h = gt_m_bn_fwd(c, &im->dbn[i], h, mode);
        if (i > 0 && im->norm == 2) h = gt_layernorm_layer_fwd(c, &im->dln[i], h);
    }
    return gt_linear_layer_fwd(c, &im->adv, gt_flatten(c, h));
}

/* ---- dcgan64 ------------------------------------------------------------ */

static int log2i(int v) {
    int k = 0;
    while ((1 << k) < v) k++;
    return (1 << k) == v ? k : -1;
}

static int build64(gt_gan *m, const gt_config *cfg) {
    if (image_check(m, 16, "dcgan64")) return GT_ERR_USAGE;
    int L = log2i(m->data_shape[1]) - 2; /* stride-2 layers after the 4x4 start */
    if (L < 2 || L >= MAXUP)
        return gt_error_setc(GT_ERR_USAGE, "model.arch = dcgan64 needs a power-of-two image size "
                                           "from 16 to 512 (data.image_size)");
    dcgan_impl *im = gt_xcalloc(1, sizeof *im);
    m->impl = im;
    int init = gt_m_init_kind(cfg);
    long gw = gt_cfg_int(cfg, "model", "g_width"), dw = gt_cfg_int(cfg, "model", "d_width");
    im->gw = gw ? (int)gw : 64;
    im->dw = dw ? (int)dw : 64;
    im->C = m->data_shape[0];
    im->H = m->data_shape[1];
    im->n_up = L;
    im->slope = (float)gt_cfg_float(cfg, "model", "leaky_slope");
    im->norm = d_norm_kind(cfg);
    float eps = (float)gt_cfg_float(cfg, "model", "bn_eps"), mom = (float)gt_cfg_float(cfg, "model", "bn_momentum");
    char name[32];
    /* G: z -> (gw * 2^(L-1)) x 4 x 4 -> ... -> gw x H/2 -> C x H */
    int ch = im->gw << (L - 1), size = 4;
    gt_m_convt(&im->conv[0], m->g, "convt1", m->z_dim, ch, 4, 1, 0, 0, init);
    gt_m_bn(&im->bn[0], m->g, "bn1", ch, eps, mom, 1, init);
    for (int i = 1; i < L; i++) {
        snprintf(name, sizeof name, "convt%d", i + 1);
        gt_m_convt(&im->conv[i], m->g, name, ch, ch / 2, 4, 2, 1, 0, init);
        ch /= 2;
        size *= 2;
        snprintf(name, sizeof name, "bn%d", i + 1);
        gt_m_bn(&im->bn[i], m->g, name, ch, eps, mom, 1, init);
    }
    snprintf(name, sizeof name, "convt%d", L + 1);
    gt_m_convt(&im->conv[L], m->g, name, ch, im->C, 4, 2, 1, 0, init);

    /* D: C x H -> dw x H/2 -> ... -> (dw * 2^(L-1)) x 4 x 4 -> 1 */
    ch = im->dw;
    size = im->H / 2;
    gt_m_conv(&im->dconv[0], m->d, "conv1", im->C, ch, 4, 2, 1, 0, init);
    for (int i = 1; i < L; i++) {
        snprintf(name, sizeof name, "conv%d", i + 1);
        gt_m_conv(&im->dconv[i], m->d, name, ch, ch * 2, 4, 2, 1, 0, init);
        ch *= 2;
        size /= 2;
        if (im->norm == 1) {
            snprintf(name, sizeof name, "bn%d", i + 1);
            gt_m_bn(&im->dbn[i], m->d, name, ch, eps, mom, 1, init);
        } else if (im->norm == 2) {
            snprintf(name, sizeof name, "ln%d", i + 1);
            gt_layernorm_layer_make(&im->dln[i], m->d, name, ch * size * size, 1e-5f);
        }
    }
    snprintf(name, sizeof name, "conv%d", L + 1);
    gt_m_conv(&im->dconv[L], m->d, name, ch, 1, 4, 1, 0, 0, init);
    return GT_OK;
}

static gt_tensor *gen64(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    dcgan_impl *im = m->impl;
    gt_tensor *h = gt_reshape(c, z, 4, (int[]){z->shape[0], m->z_dim, 1, 1});
    for (int i = 0; i < im->n_up; i++) {
        h = gt_conv_layer_fwd(c, &im->conv[i], h);
        h = gt_relu(c, gt_m_bn_fwd(c, &im->bn[i], h, mode));
    }
    return gt_tanh(c, gt_conv_layer_fwd(c, &im->conv[im->n_up], h));
}

static gt_tensor *disc64(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    dcgan_impl *im = m->impl;
    gt_tensor *h = gt_leaky_relu(c, gt_conv_layer_fwd(c, &im->dconv[0], x), im->slope);
    for (int i = 1; i < im->n_up; i++) {
        h = gt_conv_layer_fwd(c, &im->dconv[i], h);
        if (im->norm == 1) h = gt_m_bn_fwd(c, &im->dbn[i], h, mode);
        if (im->norm == 2) h = gt_layernorm_layer_fwd(c, &im->dln[i], h);
        h = gt_leaky_relu(c, h, im->slope);
    }
    h = gt_conv_layer_fwd(c, &im->dconv[im->n_up], h);
    return gt_reshape(c, h, 2, (int[]){x->shape[0], 1});
}

const gt_arch gt_arch_dcgan32 = {"dcgan32", build32, gen32, disc32, 0, 0};
const gt_arch gt_arch_dcgan64 = {"dcgan64", build64, gen64, disc64, 0, 0};
