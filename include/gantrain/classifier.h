/* classifier.h — the CNN that `gantrain classifier` trains on a labelled
 * dataset and `gantrain eval --features classifier` uses as its feature
 * network: the penultimate layer gives the features (FID, KID, PR, DC) and
 * the softmax the class probabilities (IS).
 *
 * Architecture (width w, feature size f, dropout p; every conv 3x3, pad 1,
 * no bias, followed by batch norm and ReLU):
 *   x [N,C,H,W] in [-1,1]
 *   conv1 C->w            [N,w,H,W]
 *   conv2 w->w, stride 2  [N,w,H/2,W/2]     (sizes rounded up)
 *   conv3 w->2w           [N,2w,H/2,W/2]
 *   conv4 2w->2w, stride 2 [N,2w,H/4,W/4]
 *   flatten, dropout p, fc1 -> f, batch norm, ReLU  = the features [N,f]
 *   dropout p, fc2 -> K                             = the logits [N,K]
 * The classifier sees images exactly as a GAN does: the dataset's [data]
 * preprocessing and the same x/127.5 - 1 scaling.
 *
 * A trained classifier is a gantrain checkpoint (.gtck) holding the
 * resolved config it was trained with, its parameters (batch-norm running
 * statistics included) and metadata: kind = classifier, arch, in_c/in_h/in_w,
 * n_classes, width, fc_dim, dropout, dataset, class_names (joined by ", "),
 * test_accuracy, test_count, train_accuracy, epochs, steps.
 */
#ifndef GANTRAIN_CLASSIFIER_H
#define GANTRAIN_CLASSIFIER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gantrain/autograd.h"
#include "gantrain/config.h"
#include "gantrain/data.h"
#include "gantrain/nn.h"
#include "gantrain/rng.h"

#define GT_CLASSIFIER_ARCH "cnn4-bn"

typedef struct gt_classifier_spec {
    int in_c, in_h, in_w; /* input the network takes */
    int n_classes;        /* K */
    int width;            /* w: channels of conv1/conv2 (conv3/conv4 have 2w) */
    int fc_dim;           /* f: the feature dimension */
    float dropout;        /* p, training only */
} gt_classifier_spec;

typedef struct gt_classifier {
    gt_classifier_spec spec;
    gt_params *p;         /* block "classifier" */
    /* from the checkpoint (or set by training) */
    double test_accuracy; /* fraction in [0,1]; negative when unknown */
    int64_t test_count;
    char dataset[64];     /* "fashion-mnist" */
    char **class_names;   /* [n_classes], may be NULL */
    void *impl;           /* the layers */
} gt_classifier;

/* Declares and initialises (torch's default init from rng) a classifier.
 * NULL with the message set when the spec is impossible (an image smaller
 * than 4x4, no classes, ...). */
gt_classifier *gt_classifier_new(const gt_classifier_spec *spec, gt_rng *rng);
void gt_classifier_free(gt_classifier *m); /* accepts NULL */

/* x [N, in_c, in_h, in_w] -> logits [N, K]; *features (if not NULL) gets the
 * penultimate activations [N, f].  training: batch statistics (updating the
 * running ones) and dropout drawn from rng; otherwise the running statistics
 * and no dropout. */
gt_tensor *gt_classifier_forward(gt_ctx *c, gt_classifier *m, gt_tensor *x, int training,
                                 gt_rng *rng, gt_tensor **features);

/* Evaluation-mode features [n, f] and softmax probabilities [n, K] of n
 * images (row-major floats [n, in_c, in_h, in_w]) in one forward pass on c
 * (reset afterwards).  feat or probs may be NULL. */
void gt_classifier_run(gt_ctx *c, gt_classifier *m, const float *x, int n, float *feat,
                       float *probs);

/* Accuracy in evaluation mode over the whole dataset (batches of `batch`);
 * per_class_correct / per_class_total [K] may be NULL.  The dataset's
 * sample shape must be the classifier's input and it must be labelled. */
int gt_classifier_accuracy(gt_classifier *m, const gt_dataset *ds, int batch, double *acc,
                           int64_t *per_class_correct, int64_t *per_class_total);

/* Checkpoint I/O (metadata as in the header comment).  Loading checks the
 * kind, the architecture, every tensor's name and shape: a GAN checkpoint,
 * a truncated file or weights of the wrong shape are one-line errors. */
int gt_classifier_save(const gt_classifier *m, const char *path, const char *config_text,
                       double train_accuracy, int64_t epochs, int64_t steps);
gt_classifier *gt_classifier_load(const char *path);
/* CRC32 of every parameter and buffer value: identifies the weights in
 * cache keys. */
uint32_t gt_classifier_fingerprint(const gt_classifier *m);

/* Where a classifier for `dataset` (gt_dataset_name, data.dataset) lives
 * by default: data/classifier_<name>.gtck, name "fashion" for
 * fashion-mnist, else the dataset name up to any '/'. */
void gt_classifier_default_path(const char *dataset, char *buf, size_t size);

/* ---- training (`gantrain classifier CONFIG`) ---------------------------
 * Trains on cfg's dataset (its [data] section with split = train; the
 * classifier keys of [eval]: classifier_epochs, _lr, _batch_size, _width,
 * _fc, _dropout, _augment; train.seed) with Adam and a cosine learning-rate
 * decay, measures the accuracy on split = test, and writes the checkpoint
 * to out_path.  Progress goes to `log` (one line per epoch; NULL: silent).
 * GT_OK, GT_ERR (data, I/O) or GT_ERR_USAGE (an unlabelled dataset). */
typedef struct gt_classifier_report {
    double train_accuracy, test_accuracy, seconds;
    int64_t test_count, epochs, steps;
} gt_classifier_report;
int gt_classifier_train(const gt_config *cfg, const char *out_path, FILE *log,
                        gt_classifier_report *rep);

#endif
