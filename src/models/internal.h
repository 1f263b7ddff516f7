/* internal.h — helpers shared by the architecture files. */
#ifndef GANTRAIN_MODELS_INTERNAL_H
#define GANTRAIN_MODELS_INTERNAL_H

#include "gantrain/error.h"
#include "gantrain/models.h"

enum { INIT_TORCH, INIT_DCGAN, INIT_XAVIER };
int gt_m_init_kind(const gt_config *cfg);

/* Layer constructors that apply the configured init scheme. */
void gt_m_linear(gt_linear_layer *l, gt_params *p, const char *name, int in, int out, int bias,
                 int init);
void gt_m_conv(gt_conv_layer *l, gt_params *p, const char *name, int in, int out, int k,
               int stride, int pad, int bias, int init);
void gt_m_convt(gt_conv_layer *l, gt_params *p, const char *name, int in, int out, int k,
                int stride, int pad, int bias, int init);
/* 2-D batch norm gets the dcgan init (N(1, 0.02) weight) under INIT_DCGAN,
 * as PyTorch-GAN's weights_init_normal does; 1-D keeps torch's. */
void gt_m_bn(gt_batchnorm_layer *l, gt_params *p, const char *name, int ch, float eps,
             float momentum, int two_d, int init);

gt_tensor *gt_m_bn_fwd(gt_ctx *c, const gt_batchnorm_layer *l, gt_tensor *x, gt_mode mode);
gt_tensor *gt_m_dropout(gt_ctx *c, gt_gan *m, gt_tensor *x, float p, int channels, gt_mode mode);
/* Parses a width list such as "128,256"; returns the count or a config error (-1). */
int gt_m_widths(const gt_config *cfg, const char *key, int *w, int max);

/* dcgan32's generator (PyTorch-GAN's dcgan/began G), shared by began32. */
typedef struct gt_m_dc32_gen {
    int gw, init_size;
    float slope;
    gt_linear_layer l1;
    gt_batchnorm_layer bn0, bn[2];
    gt_conv_layer conv[3];
} gt_m_dc32_gen;
void gt_m_dc32_gen_build(gt_m_dc32_gen *g, gt_gan *m, const gt_config *cfg, int init);
gt_tensor *gt_m_dc32_gen_fwd(gt_ctx *c, const gt_m_dc32_gen *g, gt_tensor *z, gt_mode mode);

extern const gt_arch gt_arch_mlp, gt_arch_cgan_mlp, gt_arch_dcgan32, gt_arch_dcgan64,
    gt_arch_began32, gt_arch_began64;

#endif
