/* layers.c — linear, conv, transposed conv, batch norm, layer norm and
 * embedding layers: which tensors each declares, with torch's default
 * initialisers, and its forward. */
#include <math.h>
#include <stdio.h>

#include "gantrain/error.h"
#include "gantrain/nn.h"

#define SQRT5 2.2360679774997896f

static const char *join(char *buf, size_t n, const char *a, const char *b) {
    snprintf(buf, n, "%s.%s", a, b);
    return buf;
}

void gt_linear_layer_make(gt_linear_layer *l, gt_params *p, const char *name, int in, int out,
                          int bias) {
    char buf[256];
    l->w = gt_params_add(p, join(buf, sizeof buf, name, "weight"), 2, (int[]){out, in},
                         (gt_init){GT_INIT_KAIMING_UNIFORM, SQRT5, 0});
    l->b = bias ? gt_params_add(p, join(buf, sizeof buf, name, "bias"), 1, (int[]){out},
                                (gt_init){GT_INIT_FAN_IN_UNIFORM, (float)in, 0})
                : NULL;
}

gt_tensor *gt_linear_layer_fwd(gt_ctx *c, const gt_linear_layer *l, gt_tensor *x) {
    if (x->ndim != 2) x = gt_flatten(c, x);
    return gt_linear(c, x, l->w, l->b);
}

void gt_conv_layer_make(gt_conv_layer *l, gt_params *p, const char *name, int in, int out, int k,
                        int stride, int pad, int bias) {
    char buf[256];
    l->transposed = 0;
    l->out_pad = 0;
    l->geom = (gt_conv_geom){stride, stride, pad, pad};
    l->w = gt_params_add(p, join(buf, sizeof buf, name, "weight"), 4, (int[]){out, in, k, k},
                         (gt_init){GT_INIT_KAIMING_UNIFORM, SQRT5, 0});
    l->b = bias ? gt_params_add(p, join(buf, sizeof buf, name, "bias"), 1, (int[]){out},
                                (gt_init){GT_INIT_FAN_IN_UNIFORM, (float)(in * k * k), 0})
                : NULL;
}

void gt_conv_transpose_layer_make(gt_conv_layer *l, gt_params *p, const char *name, int in,
                                  int out, int k, int stride, int pad, int out_pad, int bias) {
    char buf[256];
    l->transposed = 1;
    l->out_pad = out_pad;
    l->geom = (gt_conv_geom){stride, stride, pad, pad};
    /* torch's fan_in for a transposed conv weight [in, out, k, k] is out*k*k */
    l->w = gt_params_add(p, join(buf, sizeof buf, name, "weight"), 4, (int[]){in, out, k, k},
                         (gt_init){GT_INIT_KAIMING_UNIFORM, SQRT5, 0});
    l->b = bias ? gt_params_add(p, join(buf, sizeof buf, name, "bias"), 1, (int[]){out},
                                (gt_init){GT_INIT_FAN_IN_UNIFORM, (float)(out * k * k), 0})
                : NULL;
}

gt_tensor *gt_conv_layer_fwd(gt_ctx *c, const gt_conv_layer *l, gt_tensor *x) {
    if (l->transposed) return gt_conv_transpose2d(c, x, l->w, l->b, l->geom, l->out_pad, l->out_pad);
    return gt_conv2d(c, x, l->w, l->b, l->geom);
}

void gt_batchnorm_layer_make(gt_batchnorm_layer *l, gt_params *p, const char *name, int channels,
                             float eps, float momentum) {
    char buf[256];
    l->eps = eps;
    l->momentum = momentum;
    l->gamma = gt_params_add(p, join(buf, sizeof buf, name, "weight"), 1, (int[]){channels},
                             (gt_init){GT_INIT_ONES, 0, 0});
    l->beta = gt_params_add(p, join(buf, sizeof buf, name, "bias"), 1, (int[]){channels},
                            (gt_init){GT_INIT_ZEROS, 0, 0});
    l->mean = gt_params_add_buffer(p, join(buf, sizeof buf, name, "running_mean"), 1,
                                   (int[]){channels}, (gt_init){GT_INIT_ZEROS, 0, 0});
    l->var = gt_params_add_buffer(p, join(buf, sizeof buf, name, "running_var"), 1,
                                  (int[]){channels}, (gt_init){GT_INIT_ONES, 0, 0});
}

gt_tensor *gt_batchnorm_layer_fwd(gt_ctx *c, const gt_batchnorm_layer *l, gt_tensor *x,
                                  int training) {
    return gt_batchnorm(c, x, l->gamma, l->beta, l->mean, l->var, l->momentum, l->eps, training);
}

void gt_layernorm_layer_make(gt_layernorm_layer *l, gt_params *p, const char *name, int features,
                             float eps) {
    char buf[256];
    l->eps = eps;
    l->w = gt_params_add(p, join(buf, sizeof buf, name, "weight"), 1, (int[]){features},
                         (gt_init){GT_INIT_ONES, 0, 0});
    l->b = gt_params_add(p, join(buf, sizeof buf, name, "bias"), 1, (int[]){features},
                         (gt_init){GT_INIT_ZEROS, 0, 0});
}

gt_tensor *gt_layernorm_layer_fwd(gt_ctx *c, const gt_layernorm_layer *l, gt_tensor *x) {
    return gt_layer_norm(c, x, l->w, l->b, l->eps);
}

void gt_embedding_layer_make(gt_embedding_layer *l, gt_params *p, const char *name, int vocab,
                             int dim) {
    char buf[256];
    l->w = gt_params_add(p, join(buf, sizeof buf, name, "weight"), 2, (int[]){vocab, dim},
                         (gt_init){GT_INIT_NORMAL, 0.0f, 1.0f});
}

gt_tensor *gt_embedding_layer_fwd(gt_ctx *c, const gt_embedding_layer *l, gt_tensor *idx) {
    return gt_embedding(c, idx, l->w);
}
