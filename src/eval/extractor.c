/* extractor.c — the feature networks of `gantrain eval` behind one
 * interface (gt_extractor): the trained classifier and the FID
 * Inception-v3, plus the conversion of any image set to the input a network
 * takes (channels, size). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/crc.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/eval.h"
#include "gantrain/inception.h"
#include "gantrain/fileio.h"

/* ---- the classifier -------------------------------------------------------- */

typedef struct clf_impl {
    gt_classifier *m;
    gt_ctx *ctx;
} clf_impl;

static int clf_run(gt_extractor *e, const float *x, int n, int c, int h, int w, float *feat, float *probs) {
    clf_impl *I = e->impl;
    GT_ASSERT(c == e->in_c && h == e->in_h && w == e->in_w);
    gt_classifier_run(I->ctx, I->m, x, n, feat, probs);
    return GT_OK;
}

static void clf_destroy(gt_extractor *e) {
    clf_impl *I = e->impl;
    gt_classifier_free(I->m);
    gt_ctx_free(I->ctx);
    free(I);
}

gt_extractor *gt_extractor_from_classifier(gt_classifier *m, const char *weights) {
    gt_extractor *e = gt_xcalloc(1, sizeof *e);
    clf_impl *I = gt_xcalloc(1, sizeof *I);
    I->m = m;
    I->ctx = gt_ctx_new(0);
    e->impl = I;
    snprintf(e->name, sizeof e->name, "classifier");
    snprintf(e->weights, sizeof e->weights, "%s", weights ? weights : "");
    e->dim = m->spec.fc_dim;
    e->n_classes = m->spec.n_classes;
    e->in_c = m->spec.in_c, e->in_h = m->spec.in_h, e->in_w = m->spec.in_w;
    e->fingerprint = gt_classifier_fingerprint(m);
    snprintf(e->dataset, sizeof e->dataset, "%s", m->dataset);
    e->batch = 100; /* fastest on 1-2 cores: larger batches spill the caches */
    e->run = clf_run;
    e->destroy = clf_destroy;
    char acc[64] = "test accuracy unknown";
    if (m->test_accuracy >= 0) snprintf(acc, sizeof acc, "test accuracy %.2f%%", 100 * m->test_accuracy);
    snprintf(e->describe, sizeof e->describe, "classifier %s (%s %dx%dx%d, %d classes, %s), %d features",
             e->weights[0] ? e->weights : "(in memory)", m->dataset[0] ? m->dataset : "unknown data",
             m->spec.in_c, m->spec.in_h, m->spec.in_w, m->spec.n_classes, acc, e->dim);
    return e;
}

/* ---- Inception-v3 -------------------------------------------------------- */

typedef struct inc_impl {
    gt_inception *m;
    float *fc_bias; /* [1008]: removed from the logits for IS */
    float *logits;  /* [batch, 1008] */
    int cap;
} inc_impl;

static int inc_run(gt_extractor *e, const float *x, int n, int c, int h, int w, float *feat, float *probs) {
    inc_impl *I = e->impl;
    gt_tensor t;
    memset(&t, 0, sizeof t);
    t.data = (float *)x;
    t.ndim = 4;
    t.shape[0] = n, t.shape[1] = c, t.shape[2] = h, t.shape[3] = w;
    t.n = (int64_t)n * c * h * w;
    if (probs && n > I->cap) {
        free(I->logits);
        I->cap = n;
        I->logits = gt_xmalloc(sizeof(float) * (size_t)n * GT_INCEPTION_LOGITS_DIM);
    }
    if (gt_inception_features(I->m, &t, feat, probs ? I->logits : NULL)) return GT_ERR;
    if (!probs) return GT_OK;
    /* IS takes the softmax of the logits without fc's bias: the original
     * code multiplied pool_3 by the weight of softmax/logits/MatMul only, and
     * torch-fidelity's "logits_unbiased" does the same */
    const int K = GT_INCEPTION_LOGITS_DIM;
    for (int i = 0; i < n; i++) {
        const float *l = I->logits + (size_t)i * K;
        float *p = probs + (size_t)i * K;
        double mx = -INFINITY, s = 0;
        for (int k = 0; k < K; k++) mx = fmax(mx, (double)l[k] - I->fc_bias[k]);
        for (int k = 0; k < K; k++) s += exp((double)l[k] - I->fc_bias[k] - mx);
        for (int k = 0; k < K; k++) p[k] = (float)(exp((double)l[k] - I->fc_bias[k] - mx) / s);
    }
    return GT_OK;
}

static void inc_destroy(gt_extractor *e) {
    inc_impl *I = e->impl;
    gt_inception_free(I->m);
    free(I->fc_bias);
    free(I->logits);
    free(I);
}

/* The default weights: pytorch-fid's file as scripts/fetch-data.sh
 * downloads it, else the .npz the converter made of it (in the working
 * directory's data/ or next to the binary). */
static int default_weights(char *path, size_t size) {
    const char *tried[] = {GT_INCEPTION_DEFAULT_WEIGHTS, GT_INCEPTION_DEFAULT_NPZ};
    for (int i = 0; i < 2; i++) {
        gt_shipped_path(tried[i], path, size);
        if (access(path, F_OK) == 0) return GT_OK;
    }
    return gt_error_set("no FID Inception-v3 weights: neither %s nor %s exists.  They are not shipped: "
                        "`scripts/fetch-data.sh inception` downloads pytorch-fid's file into data/ "
                        "(or give --weights FILE), or use --features classifier",
                        tried[0], tried[1]);
}

static gt_extractor *inception_open(const char *weights) {
    char path[PATH_MAX];
    if (!weights || !*weights) {
        if (default_weights(path, sizeof path)) return NULL;
    } else {
        snprintf(path, sizeof path, "%s", weights);
        if (access(path, F_OK) != 0) {
            gt_error_set("%s: no such file.  The FID Inception-v3 weights are not shipped: "
                         "`scripts/fetch-data.sh inception` downloads pytorch-fid's " GT_INCEPTION_PTH
                         " (" GT_INCEPTION_URL ") into data/, or use --features classifier",
                         path);
            return NULL;
        }
    }
    gt_inception *m = gt_inception_new(0);
    if (gt_inception_load_file(m, path)) {
        gt_inception_free(m);
        return NULL;
    }
    return gt_extractor_from_inception(m, path);
}

gt_extractor *gt_extractor_from_inception(gt_inception *m, const char *weights) {
    gt_extractor *e = gt_xcalloc(1, sizeof *e);
    inc_impl *I = gt_xcalloc(1, sizeof *I);
    I->m = m;
    gt_params *P = gt_inception_params(m);
    gt_tensor *b = gt_params_find(P, "inception.fc.bias");
    GT_ASSERT(b && b->n == GT_INCEPTION_LOGITS_DIM);
    I->fc_bias = gt_xmalloc(sizeof(float) * GT_INCEPTION_LOGITS_DIM);
    memcpy(I->fc_bias, b->data, sizeof(float) * GT_INCEPTION_LOGITS_DIM);
    e->impl = I;
    snprintf(e->name, sizeof e->name, "inception");
    snprintf(e->weights, sizeof e->weights, "%s", weights ? weights : "");
    e->dim = GT_INCEPTION_POOL_DIM;
    e->n_classes = GT_INCEPTION_LOGITS_DIM;
    e->fingerprint = gt_crc32(0, P->data, sizeof(float) * (size_t)(P->n_values + P->n_buffers));
    e->batch = 64;
    e->run = inc_run;
    e->destroy = inc_destroy;
    snprintf(e->describe, sizeof e->describe,
             "inception %s (the FID Inception-v3 of pytorch-fid and torch-fidelity: 2048-d pool3; IS "
             "from the 1008 logits without fc's bias), %d features",
             e->weights[0] ? e->weights : "(in memory)", e->dim);
    return e;
}

/* ---- the interface -------------------------------------------------------- */

gt_extractor *gt_extractor_open(const char *kind, const char *weights) {
    if (!strcmp(kind, "inception")) return inception_open(weights);
    if (!strcmp(kind, "classifier")) {
        gt_classifier *m = gt_classifier_load(weights);
        return m ? gt_extractor_from_classifier(m, weights) : NULL;
    }
    gt_error_setc(GT_ERR_USAGE, "--features: '%s' is not inception or classifier", kind);
    return NULL;
}

void gt_extractor_free(gt_extractor *e) {
    if (!e) return;
    if (e->destroy) e->destroy(e);
    free(e);
}

static void target_geometry(const gt_extractor *e, int c, int h, int w, int *oc, int *oh, int *ow) {
    *oc = e->in_c ? e->in_c : c;
    *oh = e->in_h ? e->in_h : h;
    *ow = e->in_w ? e->in_w : w;
}

void gt_extractor_adaptation(const gt_extractor *e, int c, int h, int w, char *buf, size_t size) {
    int oc, oh, ow;
    target_geometry(e, c, h, w, &oc, &oh, &ow);
    size_t k = 0;
    buf[0] = 0;
    if (oh != h || ow != w)
        k += (size_t)snprintf(buf + k, size - k, "resized %dx%d -> %dx%d (%s)", w, h, ow, oh,
                              oh < h || ow < w ? "area" : "bilinear");
    if (oc != c && k < size)
        snprintf(buf + k, size - k, "%s%s", k ? ", " : "",
                 oc == 1 ? "RGB -> grey (ITU-R 601 luma)" : "grey -> RGB (plane repeated)");
}

int gt_extractor_features(gt_extractor *e, const float *x, int64_t n, int c, int h, int w, float *feat,
                          float *probs) {
    if (c != 1 && c != 3)
        return gt_error_set("%s features: images have %d channels; only grey (1) and RGB (3) are supported",
                            e->name, c);
    int oc, oh, ow;
    target_geometry(e, c, h, w, &oc, &oh, &ow);
    int same = oc == c && oh == h && ow == w;
    size_t in_sz = (size_t)c * h * w, out_sz = (size_t)oc * oh * ow;
    int B = e->batch > 0 ? e->batch : 64;
    float *buf = same ? NULL : gt_xmalloc(sizeof(float) * (size_t)B * out_sz);
    float *rs = same ? NULL : gt_xmalloc(sizeof(float) * (size_t)c * oh * ow);
    int rc = GT_OK;
    for (int64_t i0 = 0; i0 < n && !rc; i0 += B) {
        int b = (int)(n - i0 < B ? n - i0 : B);
        const float *xb = x + (size_t)i0 * in_sz;
        if (!same) {
            for (int i = 0; i < b; i++) {
                float *o = buf + (size_t)i * out_sz;
                size_t plane = (size_t)oh * ow;
                gt_image_resize(xb + (size_t)i * in_sz, c, h, w, rs, oh, ow);
                if (oc == c) {
                    memcpy(o, rs, sizeof(float) * out_sz);
                } else if (oc == 3) {
                    for (int k = 0; k < 3; k++) memcpy(o + k * plane, rs, sizeof(float) * plane);
                } else {
                    /* PIL's fixed-point luma weights sum to exactly 1, so the
                     * conversion commutes with the [-1, 1] scaling; in double
                     * a grey image stored as RGB comes back bit for bit */
                    for (size_t j = 0; j < plane; j++)
                        o[j] = (float)((19595.0 * rs[j] + 38470.0 * rs[plane + j] + 7471.0 * rs[2 * plane + j]) /
                                       65536.0);
                }
            }
            xb = buf;
        }
        rc = e->run(e, xb, b, oc, oh, ow, feat + (size_t)i0 * e->dim,
                    probs && e->n_classes ? probs + (size_t)i0 * e->n_classes : NULL);
    }
    free(buf);
    free(rs);
    return rc;
}
