/* autograd.h — define-by-run tape, backward, and every differentiable op.
 *
 * Every op takes the context first.  While recording is on (the default) and
 * an input requires gradients, the op appends a node to the context's tape.
 * gt_backward() walks the tape in reverse and adds d(loss)/d(param) into each
 * parameter's gradient slot; gt_grad() returns gradients for chosen tensors
 * and, with create_graph, records the backward pass itself so it can be
 * differentiated again (WGAN-GP).  Each op's backward rule is written in
 * terms of other ops, so second derivatives are exact; an op that cannot be
 * differentiated twice (batch norm in training mode) says so when asked.
 *
 * Results live in the context's arena until gt_ctx_reset().  Shapes are
 * NCHW; "bcast" means NumPy broadcasting over up to 4 dims.
 */
#ifndef GANTRAIN_AUTOGRAD_H
#define GANTRAIN_AUTOGRAD_H

#include <stddef.h>

#include "gantrain/arena.h"
#include "gantrain/rng.h"
#include "gantrain/tensor.h"

typedef struct gt_ctx gt_ctx;

/* ---- context ---------------------------------------------------------- */
/* arena_cap_bytes: the step-memory limit (0 = 16 GiB). */
gt_ctx *gt_ctx_new(size_t arena_cap_bytes);
void gt_ctx_free(gt_ctx *c);
/* Forgets the tape and frees every arena tensor: call after each step. */
void gt_ctx_reset(gt_ctx *c);
gt_arena *gt_ctx_arena(gt_ctx *c);
size_t gt_ctx_tape_len(const gt_ctx *c);
/* Turns recording on or off; returns the previous setting (for restoring). */
int gt_set_grad_enabled(gt_ctx *c, int on);
int gt_grad_enabled(const gt_ctx *c);
/* A reusable float workspace of at least n floats, for kernels. Its contents
 * do not survive the next call. */
float *gt_ctx_scratch(gt_ctx *c, size_t n);

/* FLOPs (2 per multiply-add) of the matrix products and convolutions run in
 * this context so far, forward and backward: what `gantrain bench` reports. */
uint64_t gt_ctx_flops(const gt_ctx *c);
void gt_ctx_add_flops(gt_ctx *c, double flops);

/* A sum over all ranks of data-parallel training (in place).  When set,
 * batch norm in training mode with running statistics computes its batch
 * statistics, and their gradients, over the whole distributed batch. */
typedef void (*gt_reduce_fn)(double *buf, int64_t n);
void gt_ctx_set_reducer(gt_ctx *c, gt_reduce_fn fn);
gt_reduce_fn gt_ctx_reducer(const gt_ctx *c);

/* Called during gt_backward (not gt_grad) with each parameter whose
 * gradient is final: every node that adds to it has run.  Parameters that
 * no recorded node uses are not reported (nothing adds to them).  Called with NULL
 * after every node of any backward pass, gt_grad's included: a moment to
 * make progress on communication in flight.  Data-parallel training sends
 * each bucket of gradients as soon as they are final (gt_gradsync). */
typedef void (*gt_grad_hook_fn)(void *ud, gt_tensor *param);
void gt_ctx_set_grad_hook(gt_ctx *c, gt_grad_hook_fn fn, void *ud);

/* ---- tensors in the step arena ---------------------------------------- */
gt_tensor *gt_new(gt_ctx *c, int ndim, const int *shape);        /* uninitialised */
gt_tensor *gt_zeros(gt_ctx *c, int ndim, const int *shape);
gt_tensor *gt_full(gt_ctx *c, int ndim, const int *shape, float v);
gt_tensor *gt_zeros_like(gt_ctx *c, const gt_tensor *t);
gt_tensor *gt_from_data(gt_ctx *c, const float *data, int ndim, const int *shape);
gt_tensor *gt_scalar(gt_ctx *c, float v);                          /* shape [] */
/* Marks a leaf so ops record on it and gt_grad can return its gradient. */
void gt_requires_grad(gt_tensor *t);
/* Same data, cut from the graph (as x.detach()). */
gt_tensor *gt_detach(gt_ctx *c, gt_tensor *t);

/* ---- differentiation -------------------------------------------------- */
/* d(loss)/d(p) added into p->grad for every parameter p that requires grad.
 * loss must have one element.  Returns GT_OK, or GT_ERR with the message set
 * (an op on the path cannot be differentiated twice). */
int gt_backward(gt_ctx *c, gt_tensor *loss);
/* grads[i] = d(sum(out * seed))/d(inputs[i]); seed NULL means ones.  With
 * create_graph the returned gradients are themselves on the tape.  A tensor
 * that out does not depend on gets a zero tensor. */
int gt_grad(gt_ctx *c, gt_tensor *out, gt_tensor *seed, int n, gt_tensor **inputs,
            gt_tensor **grads, int create_graph);

/* ---- elementwise (bcast) ---------------------------------------------- */
gt_tensor *gt_add(gt_ctx *c, gt_tensor *a, gt_tensor *b);  /* a + b */
gt_tensor *gt_sub(gt_ctx *c, gt_tensor *a, gt_tensor *b);  /* a - b */
gt_tensor *gt_mul(gt_ctx *c, gt_tensor *a, gt_tensor *b);  /* a * b */
gt_tensor *gt_div(gt_ctx *c, gt_tensor *a, gt_tensor *b);  /* a / b */
gt_tensor *gt_affine(gt_ctx *c, gt_tensor *x, float a, float b); /* a*x + b */
gt_tensor *gt_scale(gt_ctx *c, gt_tensor *x, float s);           /* s*x */
gt_tensor *gt_add_scalar(gt_ctx *c, gt_tensor *x, float s);      /* x + s */
gt_tensor *gt_neg(gt_ctx *c, gt_tensor *x);                      /* -x */
gt_tensor *gt_pow(gt_ctx *c, gt_tensor *x, float p);             /* x^p */
gt_tensor *gt_square(gt_ctx *c, gt_tensor *x);                   /* x^2 */
gt_tensor *gt_sqrt(gt_ctx *c, gt_tensor *x);                     /* sqrt(x) */
gt_tensor *gt_abs(gt_ctx *c, gt_tensor *x);                      /* |x|, d/dx = sign(x) */
gt_tensor *gt_sign(gt_ctx *c, gt_tensor *x);                     /* sign(x), d/dx = 0 */
gt_tensor *gt_exp(gt_ctx *c, gt_tensor *x);                      /* e^x */
gt_tensor *gt_log(gt_ctx *c, gt_tensor *x);                      /* ln x */
gt_tensor *gt_clamp_min(gt_ctx *c, gt_tensor *x, float lo);      /* max(x, lo) */

/* ---- activations ------------------------------------------------------ */
gt_tensor *gt_relu(gt_ctx *c, gt_tensor *x);                     /* max(x, 0) */
gt_tensor *gt_leaky_relu(gt_ctx *c, gt_tensor *x, float slope);  /* x>0 ? x : slope*x */
gt_tensor *gt_elu(gt_ctx *c, gt_tensor *x, float alpha);         /* x>0 ? x : alpha*(e^x-1) */
/* elu written over x's own data (the result shares it; x's values are gone):
 * for a conv or linear output that nothing else reads, as PyTorch's
 * inplace=True.  Its backward needs only the result (y>0 exactly where x>0),
 * so one activation-sized tensor less is kept for the backward pass. */
gt_tensor *gt_elu_inplace(gt_ctx *c, gt_tensor *x, float alpha);
gt_tensor *gt_tanh(gt_ctx *c, gt_tensor *x);
gt_tensor *gt_sigmoid(gt_ctx *c, gt_tensor *x);                  /* 1/(1+e^-x) */
/* Backward helpers, differentiable themselves (used by the rules above). */
gt_tensor *gt_mask_scale(gt_ctx *c, gt_tensor *g, gt_tensor *x, float pos, float neg);
                                                /* g * (x>0 ? pos : neg) */
gt_tensor *gt_tanh_backward(gt_ctx *c, gt_tensor *g, gt_tensor *y);    /* g*(1-y^2) */
gt_tensor *gt_sigmoid_backward(gt_ctx *c, gt_tensor *g, gt_tensor *y); /* g*y*(1-y) */
gt_tensor *gt_elu_backward(gt_ctx *c, gt_tensor *g, gt_tensor *x, gt_tensor *y, float alpha);
                                                /* g * (x>0 ? 1 : y+alpha) */

/* ---- reductions and broadcasting -------------------------------------- */
#define GT_ALL (-100) /* dim argument: reduce over every element */
gt_tensor *gt_sum(gt_ctx *c, gt_tensor *x, int dim, int keepdim);   /* sum over dim */
gt_tensor *gt_mean(gt_ctx *c, gt_tensor *x, int dim, int keepdim);  /* mean over dim */
/* Sums x down to `shape` (bcast-compatible): the adjoint of gt_expand. */
gt_tensor *gt_sum_to(gt_ctx *c, gt_tensor *x, int ndim, const int *shape);
/* Repeats x up to `shape` (bcast). */
gt_tensor *gt_expand(gt_ctx *c, gt_tensor *x, int ndim, const int *shape);

/* ---- shape ------------------------------------------------------------ */
/* Same data, new shape; one dim may be -1. */
gt_tensor *gt_reshape(gt_ctx *c, gt_tensor *x, int ndim, const int *shape);
gt_tensor *gt_flatten(gt_ctx *c, gt_tensor *x);                  /* [N, ...] -> [N, rest] */
gt_tensor *gt_concat(gt_ctx *c, int n, gt_tensor **xs, int dim); /* along dim */
gt_tensor *gt_slice(gt_ctx *c, gt_tensor *x, int dim, int start, int len); /* x[.., start:start+len, ..] */
/* Zeros of length `total` along dim with x placed at `start`: adjoint of slice. */
gt_tensor *gt_pad_slice(gt_ctx *c, gt_tensor *x, int dim, int start, int total);

/* ---- linear algebra --------------------------------------------------- */
/* op(a) @ op(b), op = transpose when ta/tb; 2-D. */
gt_tensor *gt_matmul(gt_ctx *c, gt_tensor *a, gt_tensor *b, int ta, int tb);
/* x[N,in] @ w[out,in]^T + b[out]; b may be NULL. */
gt_tensor *gt_linear(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b);

/* ---- convolution ------------------------------------------------------ */
typedef struct gt_conv_geom {
    int stride_h, stride_w, pad_h, pad_w;
} gt_conv_geom;
/* x[N,C,H,W] * w[OC,C,KH,KW] + b[OC] -> [N,OC,(H+2p-KH)/s+1, ...]; b may be NULL. */
gt_tensor *gt_conv2d(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b, gt_conv_geom g);
/* The adjoint of conv2d in x: x[N,IC,H,W], w[IC,OC,KH,KW] (PyTorch layout),
 * out [N,OC,OH,OW] with OH = (H-1)*s - 2p + KH + out_pad (or out_h when > 0). */
gt_tensor *gt_conv_transpose2d(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b,
                               gt_conv_geom g, int out_pad_h, int out_pad_w);
/* d(conv2d)/d(w): sum over n, o of dy[n,oc,o] * x[n,c,o*s+k-p] -> [OC,C,KH,KW]. */
gt_tensor *gt_conv2d_weight_grad(gt_ctx *c, gt_tensor *x, gt_tensor *dy, int kh, int kw,
                                 gt_conv_geom g);

/* Largest im2col workspace, in floats, a convolution may use; the batch is
 * processed in chunks that fit (0 restores the default, 4M floats). */
void gt_conv_set_workspace_limit(size_t floats);
/* 3x3 stride-1 convolutions with 16+ channels use Winograd's F(2x2, 3x3)
 * (2.25x fewer multiply-adds); 0 switches it off, 1 (default) on. */
void gt_conv_set_winograd(int on);

/* ---- resampling ------------------------------------------------------- */
gt_tensor *gt_upsample_nearest(gt_ctx *c, gt_tensor *x, int factor); /* [N,C,fH,fW] */
gt_tensor *gt_sum_pool(gt_ctx *c, gt_tensor *x, int factor);   /* sum of f x f blocks */
gt_tensor *gt_avg_pool(gt_ctx *c, gt_tensor *x, int factor);   /* mean of f x f blocks */

/* ---- normalisation ---------------------------------------------------- */
/* Batch norm over N (and H, W) per channel; x [N,C] or [N,C,H,W].  Training:
 * batch statistics (biased variance), running_mean/var updated with momentum
 * (unbiased variance), as PyTorch.  Eval: running statistics.  gamma, beta,
 * running_* may be NULL.  Training mode has no second derivative. */
gt_tensor *gt_batchnorm(gt_ctx *c, gt_tensor *x, gt_tensor *gamma, gt_tensor *beta,
                        gt_tensor *running_mean, gt_tensor *running_var, float momentum,
                        float eps, int training);
/* Normalises each sample over all dims but the first; w, b shaped like one
 * sample (or NULL).  Fully twice-differentiable. */
gt_tensor *gt_layer_norm(gt_ctx *c, gt_tensor *x, gt_tensor *w, gt_tensor *b, float eps);

/* ---- lookup and noise ------------------------------------------------- */
/* idx [N] (integral floats in 0..V-1), w [V, D] -> [N, D]. */
gt_tensor *gt_embedding(gt_ctx *c, gt_tensor *idx, gt_tensor *w);
/* Adjoint in w: rows of g scattered-added by idx into [V, D]. */
gt_tensor *gt_embedding_backward(gt_ctx *c, gt_tensor *g, gt_tensor *idx, int vocab);
/* Training: zero each element with probability p and scale the rest by
 * 1/(1-p); dropout2d zeroes whole channels of [N,C,H,W].  Eval: identity. */
gt_tensor *gt_dropout(gt_ctx *c, gt_tensor *x, float p, int training, gt_rng *rng);
gt_tensor *gt_dropout2d(gt_ctx *c, gt_tensor *x, float p, int training, gt_rng *rng);

/* ---- losses (mean over all elements, result shape []) ------------------ */
gt_tensor *gt_bce(gt_ctx *c, gt_tensor *p, gt_tensor *t);  /* -(t ln p + (1-t) ln(1-p)), logs >= -100 */
gt_tensor *gt_bce_logits(gt_ctx *c, gt_tensor *x, gt_tensor *t); /* bce(sigmoid(x), t), stable */
gt_tensor *gt_mse(gt_ctx *c, gt_tensor *x, gt_tensor *t);  /* (x-t)^2 */
gt_tensor *gt_l1(gt_ctx *c, gt_tensor *x, gt_tensor *t);   /* |x-t| */
/* Softmax cross-entropy of logits x[N,K] against class indices t[N]. */
gt_tensor *gt_cross_entropy(gt_ctx *c, gt_tensor *x, gt_tensor *t);
gt_tensor *gt_softmax(gt_ctx *c, gt_tensor *x);            /* rows of [N,K] */
gt_tensor *gt_log_softmax(gt_ctx *c, gt_tensor *x);        /* rows of [N,K] */

#endif
