/* sample.c — generating images from a generator in batches, with labels
 * for conditional models and linear latent interpolations. */
#include "gantrain/sample.h"

#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"

int gt_sample_generate(gt_gan *m, const gt_sample_opts *o, gt_tensor **out) {
    gt_rng rng;
    gt_rng_seed(&rng, o->seed);
    int n = o->n, nrow = o->nrow > 0 ? o->nrow : 8, zd = m->z_dim;
    if (o->interpolate > 0) n = o->interpolate * nrow;
    /* every z first, so the images do not depend on the batch size */
    float *z = gt_xmalloc(sizeof(float) * (size_t)n * (size_t)zd);
    if (o->interpolate > 0) {
        float *a = gt_xmalloc(sizeof(float) * (size_t)zd), *b = gt_xmalloc(sizeof(float) * (size_t)zd);
        for (int r = 0; r < o->interpolate; r++) {
            for (int k = 0; k < 2; k++) {
                float *v = k ? b : a;
                if (m->z_uniform)
                    gt_rng_fill_uniform(&rng, v, zd, -1.0f, 1.0f);
                else
                    gt_rng_fill_normal(&rng, v, zd, 0.0f, 1.0f);
            }
            for (int j = 0; j < nrow; j++) {
                float t = nrow > 1 ? (float)j / (float)(nrow - 1) : 0.0f;
                for (int d = 0; d < zd; d++) z[((size_t)r * nrow + j) * zd + d] = (1 - t) * a[d] + t * b[d];
            }
        }
        free(a);
        free(b);
    } else if (m->z_uniform) {
        gt_rng_fill_uniform(&rng, z, (int64_t)n * zd, -1.0f, 1.0f);
    } else {
        gt_rng_fill_normal(&rng, z, (int64_t)n * zd, 0.0f, 1.0f);
    }
    float *labels = NULL;
    if (m->arch->conditional) {
        labels = gt_xmalloc(sizeof(float) * (size_t)n);
        for (int i = 0; i < n; i++) {
            int k = o->n_labels ? o->labels[i % o->n_labels] : (i / nrow) % m->n_classes;
            if (k < 0 || k >= m->n_classes) {
                free(z);
                free(labels);
                return gt_error_setc(GT_ERR_USAGE, "label %d: the model knows classes 0..%d", k,
                                     m->n_classes - 1);
            }
            labels[i] = (float)k;
        }
    }
    int shape[4];
    int nd = gt_gan_batch_shape(m, n, shape);
    gt_tensor *x = gt_tensor_new(nd, shape);
    int64_t per = x->n / (n ? n : 1);
    gt_ctx *c = gt_ctx_new(0);
    gt_set_grad_enabled(c, 0);
    int B = o->batch > 0 ? o->batch : 64;
    for (int i0 = 0; i0 < n; i0 += B) {
        int b = n - i0 < B ? n - i0 : B;
        gt_tensor *zb = gt_from_data(c, z + (size_t)i0 * zd, 2, (int[]){b, zd});
        gt_tensor *lb = labels ? gt_from_data(c, labels + i0, 1, (int[]){b}) : NULL;
        /* batch statistics need more than one sample: a lone last image
         * uses the running statistics */
        gt_mode mode = (o->mode == GT_MODE_SAMPLE && b == 1) ? GT_MODE_EVAL : o->mode;
        gt_tensor *y = gt_gan_generate(c, m, zb, lb, mode);
        memcpy(x->data + (int64_t)i0 * per, y->data, sizeof(float) * (size_t)y->n);
        gt_ctx_reset(c);
    }
    gt_ctx_free(c);
    free(z);
    free(labels);
    *out = x;
    return GT_OK;
}
