/* inception.h — the Inception-v3 feature extractor of FID and IS.
 *
 * The network is the port of TensorFlow's 2015-12-05 Inception graph that
 * pytorch-fid (fid_inception_v3) and torch-fidelity use: torchvision's
 * Inception3 layout with 1008 classes, every BasicConv2d a bias-free conv +
 * batch norm (eps 0.001) + ReLU, and the FID blocks: FIDInceptionA / C and
 * FIDInceptionE_1 average-pool their pool branch without counting padding,
 * FIDInceptionE_2 (Mixed_7c) max-pools it.  Inputs [N,1|3,H,W] in [-1, 1]
 * (gantrain's image range; pytorch-fid maps [0,1] to it) are resized to
 * 299x299 by bilinear interpolation (align_corners=False, as torch's
 * F.interpolate), grayscale repeated to three channels; the outputs are the
 * 2048-d global average pool after Mixed_7c (FID, KID, PR) and the 1008
 * logits fc(pool) (IS).
 *
 * Weights: gt_inception_new declares every tensor in a gt_params block named
 * "inception", in the order and with the names of the PyTorch state_dict
 * ("inception.Mixed_5b.branch1x1.bn.running_mean"; BN running statistics are
 * buffers, num_batches_tracked is not kept).  gt_inception_load fills them
 * through a callback, so any container can feed it; gt_inception_load_file
 * reads pytorch-fid's pt_inception-2015-12-05-6726825d.pth as downloaded
 * (io/pth.h) or the .npz that scripts/convert-inception.py makes of it.  The network is frozen: it never receives gradients, but the
 * forward is built from differentiable ops, so gradients flow to an input
 * that requires them.
 */
#ifndef GANTRAIN_INCEPTION_H
#define GANTRAIN_INCEPTION_H

#include <stdint.h>

#include "gantrain/autograd.h"
#include "gantrain/nn.h"

#define GT_INCEPTION_POOL_DIM 2048
#define GT_INCEPTION_LOGITS_DIM 1008
#define GT_INCEPTION_SIZE 299      /* input side after resizing */
#define GT_INCEPTION_N_TENSORS 472 /* 94 conv+BN units x 5, fc weight and bias */

typedef struct gt_inception gt_inception;

/* Declares the network (weights zero, not yet usable) and its own context
 * for gt_inception_features; arena_cap_bytes 0 means the default (16 GiB). */
gt_inception *gt_inception_new(size_t arena_cap_bytes);
void gt_inception_free(gt_inception *m); /* accepts NULL */
/* The parameter block (names "inception.<state_dict key>"). */
gt_params *gt_inception_params(gt_inception *m);

/* Fills dst (shape and size already set to what the network expects) with
 * the tensor called `name` (the state_dict key, without "inception.").
 * Returns 0, or sets the error message (gt_error_set) and returns non-zero:
 * missing tensor, wrong shape, unreadable file. */
typedef int (*gt_inception_get_fn)(void *ud, const char *name, gt_tensor *dst);
/* Loads every tensor through get, checks that all values are finite and
 * every running variance non-negative, then prepares the network.  Returns
 * GT_OK, or GT_ERR with a message naming the tensor. */
int gt_inception_load(gt_inception *m, gt_inception_get_fn get, void *ud);
/* Loads the weights of a file: an .npz of scripts/convert-inception.py
 * when the name ends in ".npz", else a torch.save file (pytorch-fid's
 * pt_inception-2015-12-05-6726825d.pth, either of PyTorch's formats).  A
 * state_dict of another network (tensors missing or unknown), a tensor of
 * the wrong shape or dtype, and anything gt_inception_load refuses are
 * one error naming the file and the tensor.  GT_OK or GT_ERR. */
int gt_inception_load_file(gt_inception *m, const char *path);
/* Re-derives the evaluation weights (batch norm folded into each conv: w *
 * gamma/sqrt(var+eps), bias beta - mean*gamma/sqrt(var+eps)) after the
 * parameter block was changed directly.  gt_inception_load calls it. */
void gt_inception_prepare(gt_inception *m);

/* Synthetic weights for tests and benchmarks, identical to
 * scripts/make-inception-fixtures.py's fill_hash: tensor t (state_dict
 * order) gets gt_inception_hash_uniform(t, ...) over a range chosen by its
 * kind so activations stay O(1).  Calls gt_inception_prepare. */
void gt_inception_init_synthetic(gt_inception *m);
/* n floats of stream t: element i is lo + (hi - lo) * u with
 * u = (mix32(i + mix32(t*0x9E3779B9 + 0x632BE5AB)) >> 8) / 2^24 (mix32 =
 * lowbias32, wrapping uint32 arithmetic), evaluated in double. */
void gt_inception_hash_uniform(uint32_t t, float *out, int64_t n, double lo, double hi);

/* The forward pass in the caller's context: x [N,1|3,H,W] in [-1,1] ->
 * pool [N,2048]; *logits (if not NULL) gets [N,1008].  Records on the tape
 * when x requires grad and recording is on; the network's weights never do. */
gt_tensor *gt_inception_forward(gt_ctx *c, gt_inception *m, gt_tensor *x, gt_tensor **logits);

/* Features of a whole set of images [N,1|3,H,W] in [-1,1] (any storage):
 * runs the network in chunks of the batch size on its own context with
 * recording off, resetting its arena after each chunk, and writes
 * pool_out [N*2048] and, if not NULL, logits_out [N*1008] (fc with bias; for
 * torch-fidelity's "logits_unbiased" subtract fc.bias).  Returns GT_OK, or
 * GT_ERR when the weights were never loaded or the images have neither 1 nor
 * 3 channels. */
int gt_inception_features(gt_inception *m, const gt_tensor *images, float *pool_out,
                          float *logits_out);
/* Images per chunk in gt_inception_features (default 16; memory grows by
 * about 60 MB per image). */
void gt_inception_set_batch(gt_inception *m, int n);

#endif
