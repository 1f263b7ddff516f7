/* test_eval.h — helpers of the classifier and eval tests
 * (tests/test_eval_util.c): small labelled IDX datasets, configs naming
 * them, tiny classifiers and GAN checkpoints made at test time. */
#ifndef GANTRAIN_TEST_EVAL_H
#define GANTRAIN_TEST_EVAL_H

#include <stdint.h>

#include "gantrain/classifier.h"

/* MNIST-format train and t10k files under TMPDIR/dir: 3 classes of size x
 * size grey images (class k: a bright square in quadrant k over noise),
 * labels cycling 0,1,2.  Deterministic in seed. */
void te_shapes(const char *dir, int n_train, int n_test, int size, uint64_t seed);
/* Writes TMPDIR/name with the INI text (printf-style); returns its path
 * (a rotating static buffer). */
const char *te_ini(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A randomly initialised classifier of 1 x size x size images, 3 classes,
 * width 4, fc_dim features, saved to TMPDIR/name; returns the path (one
 * of 4 rotating buffers of its own). */
const char *te_classifier(const char *name, int size, int fc_dim, uint64_t seed);
/* A GAN checkpoint (preset gan, tiny MLP) for 1 x size x size images with
 * random weights, at TMPDIR/name/ckpt/step_0000007.gtck with a ckpt/last
 * link, so TMPDIR/name is a run directory; returns the run directory. */
const char *te_gan_run(const char *name, int size, const char *data_dir);

#endif
