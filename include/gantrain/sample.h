/* sample.h — images from a trained generator: grids, single files for
 * external metric tools, and latent interpolations. */
#ifndef GANTRAIN_SAMPLE_H
#define GANTRAIN_SAMPLE_H

#include <stdint.h>

#include "gantrain/models.h"

typedef struct gt_sample_opts {
    int n;                 /* images (grid / dir) */
    uint64_t seed;
    int nrow;              /* images per grid row */
    const int *labels;     /* conditional: a label per image, or NULL (one row per class) */
    int n_labels;
    int interpolate;       /* rows of interpolation between two random z */
    gt_mode mode;          /* GT_MODE_SAMPLE (batch statistics) or GT_MODE_EVAL */
    int batch;             /* generation batch (batch statistics are taken over it) */
} gt_sample_opts;

/* Generates o->n images (or an interpolation grid) into out [n, ...],
 * allocated with gt_tensor_new.  GT_OK or GT_ERR (bad labels). */
int gt_sample_generate(gt_gan *m, const gt_sample_opts *o, gt_tensor **out);

#endif
