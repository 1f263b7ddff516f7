/* began.c — BEGAN's generator and autoencoder discriminator.
 *
 * began32 (PyTorch-GAN's began.py): G is dcgan32's generator.  D encodes
 *   with Conv3x3 stride 2 (C -> d) + ReLU, Linear -> h (BatchNorm1d with
 *   eps = model.bn_eps) + ReLU, Linear -> d*(H/2)^2 (BatchNorm1d, eps 1e-5)
 *   + ReLU, and decodes with Upsample x2 + Conv3x3 -> C.
 * began64 (BEGAN paper, as BEGAN-tensorflow): with n = width and
 *   R = log2(H) - 2 repeats, G is Linear z -> n x 8 x 8, then R blocks of
 *   two Conv3x3 + ELU with nearest x2 upsampling between blocks, and a
 *   Conv3x3 -> C with no activation.  D's encoder is Conv3x3 + ELU, then R
 *   blocks of two Conv3x3 + ELU with n*(i+1) channels and a stride-2
 *   Conv3x3 + ELU between blocks, then Linear -> h; its decoder has G's
 *   shape.  Padding is 1 everywhere (TensorFlow's 'SAME' pads a stride-2
 *   3x3 conv on an even size only at the bottom/right; see docs/models.md). */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define MAXR 8

typedef struct began32_impl {
    int C, H, dw, h;
    gt_m_dc32_gen gen; /* dcgan32's generator */
    /* autoencoder */
    gt_conv_layer down, up;
    gt_linear_layer fc1, fc2;
    gt_batchnorm_layer fbn1, fbn2;
} began32_impl;

static int build32(gt_gan *m, const gt_config *cfg) {
    if (m->data_ndim != 3 || m->data_shape[1] != m->data_shape[2] || m->data_shape[1] % 4)
        return gt_error_setc(GT_ERR_USAGE, "model.arch = began32 needs square images whose size is "
                                           "a multiple of 4 (data.image_size)");
    began32_impl *im = gt_xcalloc(1, sizeof *im);
    m->impl = im;
    int init = gt_m_init_kind(cfg);
    long dw = gt_cfg_int(cfg, "model", "d_width"), hd = gt_cfg_int(cfg, "model", "h_dim");
    im->dw = dw ? (int)dw : 64;
    im->h = hd ? (int)hd : 32;
    im->C = m->data_shape[0];
    im->H = m->data_shape[1];
    float eps = (float)gt_cfg_float(cfg, "model", "bn_eps"), mom = (float)gt_cfg_float(cfg, "model", "bn_momentum");
    gt_m_dc32_gen_build(&im->gen, m, cfg, init);

    int half = im->H / 2, down_dim = im->dw * half * half;
    gt_m_conv(&im->down, m->d, "down", im->C, im->dw, 3, 2, 1, 1, init);
    gt_m_linear(&im->fc1, m->d, "fc1", down_dim, im->h, 1, init);
    gt_m_bn(&im->fbn1, m->d, "bn1", im->h, eps, mom, 0, init);
    gt_m_linear(&im->fc2, m->d, "fc2", im->h, down_dim, 1, init);
    gt_m_bn(&im->fbn2, m->d, "bn2", down_dim, 1e-5f, mom, 0, init);
    gt_m_conv(&im->up, m->d, "up", im->dw, im->C, 3, 1, 1, 1, init);
    return GT_OK;
}

static gt_tensor *gen32(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    return gt_m_dc32_gen_fwd(c, &((began32_impl *)m->impl)->gen, z, mode);
}

static gt_tensor *disc32(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    began32_impl *im = m->impl;
    int N = x->shape[0], half = im->H / 2;
    gt_tensor *h = gt_relu(c, gt_conv_layer_fwd(c, &im->down, x));
    h = gt_linear_layer_fwd(c, &im->fc1, gt_flatten(c, h));
    h = gt_relu(c, gt_m_bn_fwd(c, &im->fbn1, h, mode));
    h = gt_linear_layer_fwd(c, &im->fc2, h);
    h = gt_relu(c, gt_m_bn_fwd(c, &im->fbn2, h, mode));
    h = gt_reshape(c, h, 4, (int[]){N, im->dw, half, half});
    return gt_conv_layer_fwd(c, &im->up, gt_upsample_nearest(c, h, 2));
}

/* ---- began64 ------------------------------------------------------------ */

typedef struct began64_impl {
    int C, R, gn, dn, h;
    /* generator and decoder: fc, then R blocks of two convs, then out */
    gt_linear_layer g_fc, e_fc, dec_fc;
    gt_conv_layer g_conv[2 * MAXR], g_out;
    gt_conv_layer e_in, e_conv[3 * MAXR];
    gt_conv_layer dec_conv[2 * MAXR], dec_out;
    int e_last_ch;
} began64_impl;

static int build64(gt_gan *m, const gt_config *cfg) {
    int H = m->data_ndim == 3 ? m->data_shape[1] : 0, R = 0;
    while (H && (8 << R) < H) R++;
    if (m->data_ndim != 3 || m->data_shape[1] != m->data_shape[2] || (8 << R) != H || R + 1 > MAXR)
        return gt_error_setc(GT_ERR_USAGE, "model.arch = began64 needs square images of size 8*2^k "
                                           "(16, 32, 64, 128; data.image_size)");
    R += 1; /* repeat_num = log2(H) - 2 */
    began64_impl *im = gt_xcalloc(1, sizeof *im);
    m->impl = im;
    int init = gt_m_init_kind(cfg);
    long gw = gt_cfg_int(cfg, "model", "g_width"), dw = gt_cfg_int(cfg, "model", "d_width"),
         hd = gt_cfg_int(cfg, "model", "h_dim");
    im->gn = gw ? (int)gw : 128;
    im->dn = dw ? (int)dw : 128;
    im->h = hd ? (int)hd : 64;
    im->C = m->data_shape[0];
    im->R = R;
    char name[32];
    gt_m_linear(&im->g_fc, m->g, "fc", m->z_dim, 8 * 8 * im->gn, 1, init);
    for (int i = 0; i < 2 * R; i++) {
        snprintf(name, sizeof name, "conv%d", i + 1);
        gt_m_conv(&im->g_conv[i], m->g, name, im->gn, im->gn, 3, 1, 1, 1, init);
    }
    gt_m_conv(&im->g_out, m->g, "out", im->gn, im->C, 3, 1, 1, 1, init);

    int n = im->dn, prev = n, k = 0;
    gt_m_conv(&im->e_in, m->d, "enc.in", im->C, n, 3, 1, 1, 1, init);
    for (int i = 0; i < R; i++) {
        int ch = n * (i + 1);
        snprintf(name, sizeof name, "enc.conv%d", k + 1);
        gt_m_conv(&im->e_conv[k++], m->d, name, prev, ch, 3, 1, 1, 1, init);
        snprintf(name, sizeof name, "enc.conv%d", k + 1);
        gt_m_conv(&im->e_conv[k++], m->d, name, ch, ch, 3, 1, 1, 1, init);
        if (i < R - 1) {
            snprintf(name, sizeof name, "enc.conv%d", k + 1);
            gt_m_conv(&im->e_conv[k++], m->d, name, ch, ch, 3, 2, 1, 1, init);
        }
        prev = ch;
    }
    im->e_last_ch = prev;
    gt_m_linear(&im->e_fc, m->d, "enc.fc", 8 * 8 * prev, im->h, 1, init);
    gt_m_linear(&im->dec_fc, m->d, "dec.fc", im->h, 8 * 8 * n, 1, init);
    for (int i = 0; i < 2 * R; i++) {
        snprintf(name, sizeof name, "dec.conv%d", i + 1);
        gt_m_conv(&im->dec_conv[i], m->d, name, n, n, 3, 1, 1, 1, init);
    }
    gt_m_conv(&im->dec_out, m->d, "dec.out", n, im->C, 3, 1, 1, 1, init);
    return GT_OK;
}

/* fc -> n x 8 x 8 -> R blocks (two conv+ELU, upsample between) -> out conv.
 * Each ELU overwrites its conv's output, which nothing else reads (as
 * PyTorch's inplace=True): a third less activation memory at 64x64. */
static gt_tensor *decode(gt_ctx *c, const gt_linear_layer *fc, const gt_conv_layer *conv,
                         const gt_conv_layer *out, int R, int n, gt_tensor *z) {
    gt_tensor *h = gt_linear_layer_fwd(c, fc, z);
    h = gt_reshape(c, h, 4, (int[]){z->shape[0], n, 8, 8});
    for (int i = 0; i < R; i++) {
        h = gt_elu_inplace(c, gt_conv_layer_fwd(c, &conv[2 * i], h), 1.0f);
        h = gt_elu_inplace(c, gt_conv_layer_fwd(c, &conv[2 * i + 1], h), 1.0f);
        if (i < R - 1) h = gt_upsample_nearest(c, h, 2);
    }
    return gt_conv_layer_fwd(c, out, h);
}

static gt_tensor *gen64(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    (void)mode;
    began64_impl *im = m->impl;
    return decode(c, &im->g_fc, im->g_conv, &im->g_out, im->R, im->gn, z);
}

static gt_tensor *disc64(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode) {
    (void)labels;
    (void)mode;
    began64_impl *im = m->impl;
    gt_tensor *h = gt_elu_inplace(c, gt_conv_layer_fwd(c, &im->e_in, x), 1.0f);
    int k = 0;
    for (int i = 0; i < im->R; i++) {
        h = gt_elu_inplace(c, gt_conv_layer_fwd(c, &im->e_conv[k++], h), 1.0f);
        h = gt_elu_inplace(c, gt_conv_layer_fwd(c, &im->e_conv[k++], h), 1.0f);
        if (i < im->R - 1) h = gt_elu_inplace(c, gt_conv_layer_fwd(c, &im->e_conv[k++], h), 1.0f);
    }
    gt_tensor *code = gt_linear_layer_fwd(c, &im->e_fc, gt_flatten(c, h));
    return decode(c, &im->dec_fc, im->dec_conv, &im->dec_out, im->R, im->dn, code);
}

const gt_arch gt_arch_began32 = {"began32", build32, gen32, disc32, 0, 1};
const gt_arch gt_arch_began64 = {"began64", build64, gen64, disc64, 0, 1};
