/* nn.h — parameter blocks, initialisers and layers as parameter bundles.
 *
 * A network's parameters live in one gt_params block: all trainable values in
 * one contiguous array (then the buffers, such as batch-norm running
 * statistics), all gradients in another, so zeroing, optimizer steps,
 * clipping and checkpoint writes are single loops.  Layers add their tensors
 * to a block; gt_params_seal() allocates the arrays and runs each tensor's
 * initialiser.
 */
#ifndef GANTRAIN_NN_H
#define GANTRAIN_NN_H

#include <stdint.h>

#include "gantrain/autograd.h"
#include "gantrain/rng.h"
#include "gantrain/tensor.h"

/* ---- initialisers ------------------------------------------------------- */
typedef enum gt_init_kind {
    GT_INIT_ZEROS,
    GT_INIT_ONES,
    GT_INIT_CONST,         /* a */
    GT_INIT_UNIFORM,       /* U(a, b) */
    GT_INIT_NORMAL,        /* N(a, b^2) */
    GT_INIT_KAIMING_UNIFORM, /* torch default for weights: U(+-gain*sqrt(3/fan_in)), gain from a */
    GT_INIT_FAN_IN_UNIFORM,  /* torch default for biases: U(+-1/sqrt(fan_in)), fan_in = a */
} gt_init_kind;

typedef struct gt_init {
    gt_init_kind kind;
    float a, b;
} gt_init;

/* fan_in of a weight as torch computes it: dims[1] * prod(dims[2:]). */
int gt_fan_in(const gt_tensor *w);
void gt_init_apply(gt_tensor *t, gt_init init, gt_rng *rng);

/* ---- parameter blocks --------------------------------------------------- */
typedef struct gt_params {
    char *name;            /* "g" or "d": prefix of every tensor name */
    gt_tensor **t;         /* in order of addition */
    gt_init *init;
    int n, cap;
    int64_t n_values;      /* trainable values: data[0 .. n_values) */
    int64_t n_buffers;     /* then buffers: data[n_values .. n_values + n_buffers) */
    float *data;
    float *grad;           /* [n_values] */
    int sealed;
} gt_params;

gt_params *gt_params_new(const char *name);
void gt_params_free(gt_params *p);
/* "name" is joined to the block's prefix with a dot. */
gt_tensor *gt_params_add(gt_params *p, const char *name, int ndim, const int *shape, gt_init init);
gt_tensor *gt_params_add_buffer(gt_params *p, const char *name, int ndim, const int *shape,
                                gt_init init);
/* Changes the initialiser of one tensor before sealing. */
void gt_params_set_init(gt_params *p, gt_tensor *t, gt_init init);
/* Allocates the arrays and initialises every tensor in order. */
void gt_params_seal(gt_params *p, gt_rng *rng);
void gt_params_zero_grad(gt_params *p);
/* Whether this block's parameters receive gradients (freeze D while training G). */
void gt_params_set_trainable(gt_params *p, int on);
/* Clamps every trainable value to [-c, c] (WGAN weight clipping). */
void gt_params_clip(gt_params *p, float c);
gt_tensor *gt_params_find(const gt_params *p, const char *full_name);
int gt_params_is_buffer(const gt_params *p, const gt_tensor *t);

/* ---- layers ------------------------------------------------------------- */
typedef struct gt_linear_layer {
    gt_tensor *w, *b; /* [out, in], [out] or NULL */
} gt_linear_layer;
void gt_linear_layer_make(gt_linear_layer *l, gt_params *p, const char *name, int in, int out,
                          int bias);
gt_tensor *gt_linear_layer_fwd(gt_ctx *c, const gt_linear_layer *l, gt_tensor *x);

typedef struct gt_conv_layer {
    gt_tensor *w, *b; /* conv: [OC, IC, K, K]; transposed: [IC, OC, K, K] */
    gt_conv_geom geom;
    int transposed, out_pad;
} gt_conv_layer;
void gt_conv_layer_make(gt_conv_layer *l, gt_params *p, const char *name, int in, int out, int k,
                        int stride, int pad, int bias);
void gt_conv_transpose_layer_make(gt_conv_layer *l, gt_params *p, const char *name, int in,
                                  int out, int k, int stride, int pad, int out_pad, int bias);
gt_tensor *gt_conv_layer_fwd(gt_ctx *c, const gt_conv_layer *l, gt_tensor *x);

typedef struct gt_batchnorm_layer {
    gt_tensor *gamma, *beta, *mean, *var;
    float eps, momentum;
} gt_batchnorm_layer;
void gt_batchnorm_layer_make(gt_batchnorm_layer *l, gt_params *p, const char *name, int channels,
                             float eps, float momentum);
gt_tensor *gt_batchnorm_layer_fwd(gt_ctx *c, const gt_batchnorm_layer *l, gt_tensor *x,
                                  int training);

typedef struct gt_layernorm_layer {
    gt_tensor *w, *b;
    float eps;
} gt_layernorm_layer;
/* features: the number of values per sample (C*H*W) */
void gt_layernorm_layer_make(gt_layernorm_layer *l, gt_params *p, const char *name, int features,
                             float eps);
gt_tensor *gt_layernorm_layer_fwd(gt_ctx *c, const gt_layernorm_layer *l, gt_tensor *x);

typedef struct gt_embedding_layer {
    gt_tensor *w; /* [vocab, dim] */
} gt_embedding_layer;
void gt_embedding_layer_make(gt_embedding_layer *l, gt_params *p, const char *name, int vocab,
                             int dim);
gt_tensor *gt_embedding_layer_fwd(gt_ctx *c, const gt_embedding_layer *l, gt_tensor *idx);

#endif
