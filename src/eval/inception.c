/* inception.c — the FID Inception-v3 (pytorch-fid's fid_inception_v3): its
 * parameters in state_dict order, weight loading (through a callback, or
 * from pytorch-fid's .pth or the .npz of scripts/convert-inception.py), the
 * forward pass, and batched feature extraction.
 *
 * Evaluation runs each BasicConv2d as one convolution with batch norm folded
 * into its weights and bias, then an in-place ReLU: the same function as
 * conv -> BN(eval) -> ReLU up to rounding, without three extra passes over
 * every activation. */
#include "gantrain/inception.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/eval.h"
#include "gantrain/npz.h"
#include "gantrain/pool.h"
#include "gantrain/pth.h"
#include "gantrain/threads.h"

#define BN_EPS 0.001
#define N_UNITS 94

/* BasicConv2d: conv (no bias) + batch norm + ReLU */
typedef struct unit {
    gt_tensor *w, *gamma, *beta, *mean, *var; /* in the parameter block */
    gt_conv_geom geom;
    gt_tensor *wf, *bf; /* heap: BN folded into the conv */
} unit;

typedef struct mixed_a { unit *b1, *b5_1, *b5_2, *b3_1, *b3_2, *b3_3, *pool; } mixed_a;
typedef struct mixed_b { unit *b3, *b3_1, *b3_2, *b3_3; } mixed_b;
typedef struct mixed_c { unit *b1, *b7_1, *b7_2, *b7_3, *d1, *d2, *d3, *d4, *d5, *pool; } mixed_c;
typedef struct mixed_d { unit *b3_1, *b3_2, *b7_1, *b7_2, *b7_3, *b7_4; } mixed_d;
typedef struct mixed_e {
    unit *b1, *b3_1, *b3_2a, *b3_2b, *d1, *d2, *d3a, *d3b, *pool;
    int max_pool; /* FIDInceptionE_2 */
} mixed_e;

struct gt_inception {
    gt_params *p;
    unit units[N_UNITS];
    int n_units;
    unit *c1a, *c2a, *c2b, *c3b, *c4a;
    mixed_a m5[3];
    mixed_b m6a;
    mixed_c m6[4];
    mixed_d m7a;
    mixed_e m7[2];
    gt_tensor *fc_w, *fc_b;
    gt_ctx *ctx; /* for gt_inception_features */
    int batch;
    int ready;
};

/* ---- declaration -------------------------------------------------------- */

static unit *declare(gt_inception *m, const char *block, const char *name, int cin, int cout,
                     int kh, int kw, int stride, int ph, int pw) {
    GT_ASSERT(m->n_units < N_UNITS);
    unit *u = &m->units[m->n_units++];
    char pre[128], buf[192];
    if (block)
        snprintf(pre, sizeof pre, "%s.%s", block, name);
    else
        snprintf(pre, sizeof pre, "%s", name);
    const gt_init zero = {GT_INIT_ZEROS, 0, 0};
    int c1[1] = {cout};
    snprintf(buf, sizeof buf, "%s.conv.weight", pre);
    u->w = gt_params_add(m->p, buf, 4, (int[]){cout, cin, kh, kw}, zero);
    snprintf(buf, sizeof buf, "%s.bn.weight", pre);
    u->gamma = gt_params_add(m->p, buf, 1, c1, zero);
    snprintf(buf, sizeof buf, "%s.bn.bias", pre);
    u->beta = gt_params_add(m->p, buf, 1, c1, zero);
    snprintf(buf, sizeof buf, "%s.bn.running_mean", pre);
    u->mean = gt_params_add_buffer(m->p, buf, 1, c1, zero);
    snprintf(buf, sizeof buf, "%s.bn.running_var", pre);
    u->var = gt_params_add_buffer(m->p, buf, 1, c1, zero);
    u->geom = (gt_conv_geom){stride, stride, ph, pw};
    u->wf = gt_tensor_new(4, (int[]){cout, cin, kh, kw});
    u->bf = gt_tensor_new(1, c1);
    return u;
}
/* square kernel k, padding p */
#define SQ(blk, nm, ci, co, k, s, p) declare(m, blk, nm, ci, co, k, k, s, p, p)
/* 1 x k (pad 0, k/2) and k x 1 (pad k/2, 0) */
#define ROW(blk, nm, ci, co, k) declare(m, blk, nm, ci, co, 1, k, 1, 0, (k) / 2)
#define COL(blk, nm, ci, co, k) declare(m, blk, nm, ci, co, k, 1, 1, (k) / 2, 0)

/* The declaration order of every block is its torchvision __init__ order,
 * which is the state_dict order. */
static void declare_a(gt_inception *m, mixed_a *b, const char *nm, int cin, int pool_features) {
    b->b1 = SQ(nm, "branch1x1", cin, 64, 1, 1, 0);
    b->b5_1 = SQ(nm, "branch5x5_1", cin, 48, 1, 1, 0);
    b->b5_2 = SQ(nm, "branch5x5_2", 48, 64, 5, 1, 2);
    b->b3_1 = SQ(nm, "branch3x3dbl_1", cin, 64, 1, 1, 0);
    b->b3_2 = SQ(nm, "branch3x3dbl_2", 64, 96, 3, 1, 1);
    b->b3_3 = SQ(nm, "branch3x3dbl_3", 96, 96, 3, 1, 1);
    b->pool = SQ(nm, "branch_pool", cin, pool_features, 1, 1, 0);
}

static void declare_b(gt_inception *m, mixed_b *b, const char *nm, int cin) {
    b->b3 = SQ(nm, "branch3x3", cin, 384, 3, 2, 0);
    b->b3_1 = SQ(nm, "branch3x3dbl_1", cin, 64, 1, 1, 0);
    b->b3_2 = SQ(nm, "branch3x3dbl_2", 64, 96, 3, 1, 1);
    b->b3_3 = SQ(nm, "branch3x3dbl_3", 96, 96, 3, 2, 0);
}

static void declare_c(gt_inception *m, mixed_c *b, const char *nm, int cin, int c7) {
    b->b1 = SQ(nm, "branch1x1", cin, 192, 1, 1, 0);
    b->b7_1 = SQ(nm, "branch7x7_1", cin, c7, 1, 1, 0);
    b->b7_2 = ROW(nm, "branch7x7_2", c7, c7, 7);
    b->b7_3 = COL(nm, "branch7x7_3", c7, 192, 7);
    b->d1 = SQ(nm, "branch7x7dbl_1", cin, c7, 1, 1, 0);
    b->d2 = COL(nm, "branch7x7dbl_2", c7, c7, 7);
    b->d3 = ROW(nm, "branch7x7dbl_3", c7, c7, 7);
    b->d4 = COL(nm, "branch7x7dbl_4", c7, c7, 7);
    b->d5 = ROW(nm, "branch7x7dbl_5", c7, 192, 7);
    b->pool = SQ(nm, "branch_pool", cin, 192, 1, 1, 0);
}

static void declare_d(gt_inception *m, mixed_d *b, const char *nm, int cin) {
    b->b3_1 = SQ(nm, "branch3x3_1", cin, 192, 1, 1, 0);
    b->b3_2 = SQ(nm, "branch3x3_2", 192, 320, 3, 2, 0);
    b->b7_1 = SQ(nm, "branch7x7x3_1", cin, 192, 1, 1, 0);
    b->b7_2 = ROW(nm, "branch7x7x3_2", 192, 192, 7);
    b->b7_3 = COL(nm, "branch7x7x3_3", 192, 192, 7);
    b->b7_4 = SQ(nm, "branch7x7x3_4", 192, 192, 3, 2, 0);
}

static void declare_e(gt_inception *m, mixed_e *b, const char *nm, int cin, int max_pool) {
    b->max_pool = max_pool;
    b->b1 = SQ(nm, "branch1x1", cin, 320, 1, 1, 0);
    b->b3_1 = SQ(nm, "branch3x3_1", cin, 384, 1, 1, 0);
    b->b3_2a = ROW(nm, "branch3x3_2a", 384, 384, 3);
    b->b3_2b = COL(nm, "branch3x3_2b", 384, 384, 3);
    b->d1 = SQ(nm, "branch3x3dbl_1", cin, 448, 1, 1, 0);
    b->d2 = SQ(nm, "branch3x3dbl_2", 448, 384, 3, 1, 1);
    b->d3a = ROW(nm, "branch3x3dbl_3a", 384, 384, 3);
    b->d3b = COL(nm, "branch3x3dbl_3b", 384, 384, 3);
    b->pool = SQ(nm, "branch_pool", cin, 192, 1, 1, 0);
}

gt_inception *gt_inception_new(size_t arena_cap_bytes) {
    gt_inception *m = gt_xcalloc(1, sizeof *m);
    m->p = gt_params_new("inception");
    m->c1a = SQ(NULL, "Conv2d_1a_3x3", 3, 32, 3, 2, 0);
    m->c2a = SQ(NULL, "Conv2d_2a_3x3", 32, 32, 3, 1, 0);
    m->c2b = SQ(NULL, "Conv2d_2b_3x3", 32, 64, 3, 1, 1);
    m->c3b = SQ(NULL, "Conv2d_3b_1x1", 64, 80, 1, 1, 0);
    m->c4a = SQ(NULL, "Conv2d_4a_3x3", 80, 192, 3, 1, 0);
    declare_a(m, &m->m5[0], "Mixed_5b", 192, 32);
    declare_a(m, &m->m5[1], "Mixed_5c", 256, 64);
    declare_a(m, &m->m5[2], "Mixed_5d", 288, 64);
    declare_b(m, &m->m6a, "Mixed_6a", 288);
    declare_c(m, &m->m6[0], "Mixed_6b", 768, 128);
    declare_c(m, &m->m6[1], "Mixed_6c", 768, 160);
    declare_c(m, &m->m6[2], "Mixed_6d", 768, 160);
    declare_c(m, &m->m6[3], "Mixed_6e", 768, 192);
    declare_d(m, &m->m7a, "Mixed_7a", 768);
    declare_e(m, &m->m7[0], "Mixed_7b", 1280, 0);
    declare_e(m, &m->m7[1], "Mixed_7c", 2048, 1);
    GT_ASSERT(m->n_units == N_UNITS);
    const gt_init zero = {GT_INIT_ZEROS, 0, 0};
    m->fc_w = gt_params_add(m->p, "fc.weight", 2,
                            (int[]){GT_INCEPTION_LOGITS_DIM, GT_INCEPTION_POOL_DIM}, zero);
    m->fc_b = gt_params_add(m->p, "fc.bias", 1, (int[]){GT_INCEPTION_LOGITS_DIM}, zero);
    GT_ASSERT(m->p->n == GT_INCEPTION_N_TENSORS);
    gt_params_seal(m->p, NULL);
    /* frozen: ops never record on the weights */
    gt_params_set_trainable(m->p, 0);
    m->ctx = gt_ctx_new(arena_cap_bytes);
    m->batch = 16;
    return m;
}

void gt_inception_free(gt_inception *m) {
    if (!m) return;
    for (int i = 0; i < m->n_units; i++) {
        gt_tensor_free(m->units[i].wf);
        gt_tensor_free(m->units[i].bf);
    }
    gt_params_free(m->p);
    gt_ctx_free(m->ctx);
    free(m);
}

gt_params *gt_inception_params(gt_inception *m) { return m->p; }

void gt_inception_set_batch(gt_inception *m, int n) { m->batch = n > 0 ? n : 16; }

/* ---- weights ------------------------------------------------------------ */

void gt_inception_prepare(gt_inception *m) {
    for (int i = 0; i < m->n_units; i++) {
        unit *u = &m->units[i];
        int oc = u->w->shape[0];
        int64_t per = u->w->n / oc;
        for (int o = 0; o < oc; o++) {
            double s = (double)u->gamma->data[o] / sqrt((double)u->var->data[o] + BN_EPS);
            for (int64_t k = 0; k < per; k++)
                u->wf->data[o * per + k] = (float)(u->w->data[o * per + k] * s);
            u->bf->data[o] = (float)(u->beta->data[o] - u->mean->data[o] * s);
        }
    }
    m->ready = 1;
}

/* the state_dict key: the full name less the block's "inception." */
static const char *key_of(const gt_inception *m, const gt_tensor *t) {
    return t->name + strlen(m->p->name) + 1;
}

int gt_inception_load(gt_inception *m, gt_inception_get_fn get, void *ud) {
    m->ready = 0;
    for (int i = 0; i < m->p->n; i++) {
        gt_tensor *t = m->p->t[i];
        const char *key = key_of(m, t);
        if (get(ud, key, t) != 0) {
            gt_error_prefix("Inception weights, tensor '%s'", key);
            return GT_ERR;
        }
        for (int64_t k = 0; k < t->n; k++)
            if (!isfinite(t->data[k]))
                return gt_error_set("Inception weights, tensor '%s': element %lld is %g; the "
                                    "weight file is corrupt, convert it again",
                                    key, (long long)k, (double)t->data[k]);
        size_t kl = strlen(key);
        if (kl > 11 && strcmp(key + kl - 11, "running_var") == 0)
            for (int64_t k = 0; k < t->n; k++)
                if (t->data[k] < 0)
                    return gt_error_set("Inception weights, tensor '%s': negative variance %g at "
                                        "%lld; the weight file is corrupt",
                                        key, (double)t->data[k], (long long)k);
    }
    gt_inception_prepare(m);
    return GT_OK;
}

/* ---- weight files -------------------------------------------------------- */

static char *shape_text(char *buf, size_t n, int ndim, const int64_t *shape) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
    return buf;
}

static int shape_mismatch(const char *path, const char *name, int ndim, const int64_t *have,
                          const gt_tensor *dst, const char *how) {
    int64_t want[GT_MAX_DIMS];
    for (int i = 0; i < dst->ndim; i++) want[i] = dst->shape[i];
    char h[160], w[160];
    return gt_error_set("%s: tensor '%s' has shape %s, the FID Inception-v3 needs %s; %s", path, name,
                        shape_text(h, sizeof h, ndim, have), shape_text(w, sizeof w, dst->ndim, want),
                        how);
}

typedef struct npz_src {
    gt_npz *z;
    const char *path;
} npz_src;

/* gt_inception_load's callback: one float32 array of the converter's .npz,
 * which must have exactly the shape the network declares */
static int npz_get(void *ud, const char *name, gt_tensor *dst) {
    npz_src *s = ud;
    if (gt_npz_find(s->z, name) < 0)
        return gt_error_set("%s: no tensor '%s'; this is not the output of scripts/convert-inception.py "
                            "for " GT_INCEPTION_PTH,
                            s->path, name);
    gt_npz_array a;
    if (gt_npz_read(s->z, name, &a)) return GT_ERR;
    int ok = a.ndim == dst->ndim;
    for (int i = 0; ok && i < a.ndim; i++) ok = a.shape[i] == dst->shape[i];
    if (!ok) {
        shape_mismatch(s->path, name, a.ndim, a.shape, dst,
                       "convert " GT_INCEPTION_PTH " with scripts/convert-inception.py");
        gt_npz_array_free(&a);
        return GT_ERR;
    }
    for (int64_t i = 0; i < dst->n; i++) dst->data[i] = (float)a.data[i];
    gt_npz_array_free(&a);
    return GT_OK;
}

typedef struct pth_src {
    gt_pth *p;
    const char *path;
} pth_src;

static int pth_get(void *ud, const char *name, gt_tensor *dst) {
    pth_src *s = ud;
    int i = gt_pth_find(s->p, name);
    /* pth_check compared names, shapes and dtypes first */
    GT_ASSERT(i >= 0 && gt_pth_tensor_at(s->p, i)->numel == dst->n);
    return gt_pth_read_f32(s->p, i, dst->data);
}

static int ends_with_ci(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    if (a < b) return 0;
    for (size_t i = 0; i < b; i++)
        if ((s[a - b + i] | 0x20) != (suffix[i] | 0x20)) return 0;
    return 1;
}

/* The .pth against the network, before any value is read: a state_dict
 * of another network (unknown tensors: BatchNorm's integer
 * num_batches_tracked counters are not weights and are ignored), then the
 * shape and dtype of each tensor present, then the missing ones. */
static int pth_check(gt_inception *m, const gt_pth *p, const char *path) {
    int missing = 0, extra = 0;
    const char *first_missing = NULL, *first_extra = NULL;
    char full[1100], a[1200] = "";
    for (int i = 0; i < m->p->n; i++) {
        const char *key = key_of(m, m->p->t[i]);
        if (gt_pth_find(p, key) < 0 && !missing++) first_missing = key;
    }
    for (int i = 0; i < gt_pth_count(p); i++) {
        const char *key = gt_pth_tensor_at(p, i)->name;
        size_t kl = strlen(key);
        if (kl >= 19 && !strcmp(key + kl - 19, "num_batches_tracked")) continue;
        snprintf(full, sizeof full, "%s.%s", m->p->name, key);
        if (!gt_params_find(m->p, full) && !extra++) first_extra = key;
    }
    if (missing)
        snprintf(a, sizeof a, "; %d of its %d tensors are missing (the first: '%s')", missing, m->p->n,
                 first_missing);
    if (extra)
        return gt_error_set("%s: not the FID Inception-v3 of pytorch-fid: %d tensors are not part of it "
                            "(the first: '%s'%s)%s; FID needs " GT_INCEPTION_PTH
                            " (scripts/fetch-data.sh inception)",
                            path, extra, first_extra,
                            !strncmp(first_extra, "AuxLogits.", 10) ? ", as in torchvision's ImageNet Inception-v3" : "",
                            a);
    for (int i = 0; i < m->p->n; i++) {
        const gt_tensor *dst = m->p->t[i];
        int k = gt_pth_find(p, key_of(m, dst));
        if (k < 0) continue;
        const gt_pth_tensor *t = gt_pth_tensor_at(p, k);
        int ok = t->ndim == dst->ndim;
        for (int d = 0; ok && d < t->ndim; d++) ok = t->shape[d] == dst->shape[d];
        if (!ok)
            return shape_mismatch(path, t->name, t->ndim, t->shape, dst,
                                  "these are not pytorch-fid's weights (" GT_INCEPTION_PTH ")");
        if (t->dtype != GT_PTH_FLOAT32)
            return gt_error_set("%s: tensor '%s' is %s; the FID Inception-v3 weights are float32 "
                                "(" GT_INCEPTION_PTH ")",
                                path, t->name, gt_pth_dtype_name(t->dtype));
    }
    if (missing)
        return gt_error_set("%s: not the FID Inception-v3 of pytorch-fid%s; FID needs " GT_INCEPTION_PTH
                            " (scripts/fetch-data.sh inception)",
                            path, a);
    return GT_OK;
}

int gt_inception_load_file(gt_inception *m, const char *path) {
    int rc;
    m->ready = 0;
    if (ends_with_ci(path, ".npz")) {
        gt_npz *z = NULL;
        if (gt_npz_open(path, &z)) return GT_ERR;
        npz_src s = {z, path};
        rc = gt_inception_load(m, npz_get, &s);
        gt_npz_close(z);
        return rc;
    }
    gt_pth *p = NULL;
    if (gt_pth_open(path, &p)) return GT_ERR;
    rc = pth_check(m, p, path);
    if (!rc) {
        pth_src s = {p, path};
        rc = gt_inception_load(m, pth_get, &s);
    }
    gt_pth_close(p);
    return rc;
}

static uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

void gt_inception_hash_uniform(uint32_t t, float *out, int64_t n, double lo, double hi) {
    uint32_t seed = mix32(t * 0x9E3779B9U + 0x632BE5ABU);
    for (int64_t i = 0; i < n; i++) {
        uint32_t x = mix32((uint32_t)i + seed);
        double u = (double)(x >> 8) * (1.0 / 16777216.0);
        out[i] = (float)(lo + (hi - lo) * u);
    }
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

void gt_inception_init_synthetic(gt_inception *m) {
    for (int i = 0; i < m->p->n; i++) {
        gt_tensor *t = m->p->t[i];
        const char *key = key_of(m, t);
        double lo, hi;
        /* the ranges of make-inception-fixtures.py's hash_range */
        if (ends_with(key, "conv.weight")) {
            hi = sqrt(6.0 / gt_fan_in(t)); /* He-uniform: E[x^2] kept through conv + ReLU */
            lo = -hi;
        } else if (ends_with(key, "bn.weight")) {
            lo = 0.8, hi = 1.2;
        } else if (ends_with(key, "bn.bias") || ends_with(key, "running_mean")) {
            lo = -0.2, hi = 0.2;
        } else if (ends_with(key, "running_var")) {
            lo = 0.5, hi = 1.5;
        } else if (strcmp(key, "fc.weight") == 0) {
            hi = sqrt(3.0 / t->shape[1]);
            lo = -hi;
        } else {
            GT_ASSERTF(strcmp(key, "fc.bias") == 0, "no synthetic range for '%s'", key);
            lo = -0.5, hi = 0.5;
        }
        gt_inception_hash_uniform((uint32_t)i, t->data, t->n, lo, hi);
    }
    gt_inception_prepare(m);
}

/* ---- forward ------------------------------------------------------------ */

static gt_tensor *unit_fwd(gt_ctx *c, const unit *u, gt_tensor *x) {
    if (gt_grad_enabled(c) && (x->flags & GT_T_REQUIRES_GRAD))
        return gt_relu(c, gt_conv2d(c, x, u->wf, u->bf, u->geom));
    /* not recorded, so nothing else sees y: add the bias and apply ReLU in
     * place, one pass over the output instead of two */
    gt_tensor *y = gt_conv2d(c, x, u->wf, NULL, u->geom);
    const int OC = y->shape[1];
    const int64_t hw = (int64_t)y->shape[2] * y->shape[3], rows = (int64_t)y->shape[0] * OC;
    const float *b = u->bf->data;
    float *d = y->data;
    GT_OMP_FOR(y->n)
    for (int64_t r = 0; r < rows; r++) {
        float *p = d + r * hw, bias = b[r % OC];
        for (int64_t k = 0; k < hw; k++) {
            float v = p[k] + bias;
            p[k] = v > 0.0f ? v : 0.0f;
        }
    }
    return y;
}

static gt_tensor *cat(gt_ctx *c, int n, gt_tensor **xs) { return gt_concat(c, n, xs, 1); }

/* TensorFlow's 3x3 average pool: padded zeros are not counted */
static gt_tensor *tf_avg(gt_ctx *c, gt_tensor *x) {
    return gt_avg_pool2d(c, x, gt_pool_geom_sq(3, 1, 1), 0);
}

static gt_tensor *fwd_a(gt_ctx *c, const mixed_a *b, gt_tensor *x) {
    gt_tensor *o[4];
    o[0] = unit_fwd(c, b->b1, x);
    o[1] = unit_fwd(c, b->b5_2, unit_fwd(c, b->b5_1, x));
    o[2] = unit_fwd(c, b->b3_3, unit_fwd(c, b->b3_2, unit_fwd(c, b->b3_1, x)));
    o[3] = unit_fwd(c, b->pool, tf_avg(c, x));
    return cat(c, 4, o);
}

static gt_tensor *fwd_b(gt_ctx *c, const mixed_b *b, gt_tensor *x) {
    gt_tensor *o[3];
    o[0] = unit_fwd(c, b->b3, x);
    o[1] = unit_fwd(c, b->b3_3, unit_fwd(c, b->b3_2, unit_fwd(c, b->b3_1, x)));
    o[2] = gt_max_pool2d(c, x, gt_pool_geom_sq(3, 2, 0));
    return cat(c, 3, o);
}

static gt_tensor *fwd_c(gt_ctx *c, const mixed_c *b, gt_tensor *x) {
    gt_tensor *o[4];
    o[0] = unit_fwd(c, b->b1, x);
    o[1] = unit_fwd(c, b->b7_3, unit_fwd(c, b->b7_2, unit_fwd(c, b->b7_1, x)));
    gt_tensor *d = unit_fwd(c, b->d1, x);
    d = unit_fwd(c, b->d3, unit_fwd(c, b->d2, d));
    o[2] = unit_fwd(c, b->d5, unit_fwd(c, b->d4, d));
    o[3] = unit_fwd(c, b->pool, tf_avg(c, x));
    return cat(c, 4, o);
}

static gt_tensor *fwd_d(gt_ctx *c, const mixed_d *b, gt_tensor *x) {
    gt_tensor *o[3];
    o[0] = unit_fwd(c, b->b3_2, unit_fwd(c, b->b3_1, x));
    gt_tensor *t = unit_fwd(c, b->b7_2, unit_fwd(c, b->b7_1, x));
    o[1] = unit_fwd(c, b->b7_4, unit_fwd(c, b->b7_3, t));
    o[2] = gt_max_pool2d(c, x, gt_pool_geom_sq(3, 2, 0));
    return cat(c, 3, o);
}

static gt_tensor *fwd_e(gt_ctx *c, const mixed_e *b, gt_tensor *x) {
    gt_tensor *o[6];
    o[0] = unit_fwd(c, b->b1, x);
    gt_tensor *t = unit_fwd(c, b->b3_1, x);
    o[1] = unit_fwd(c, b->b3_2a, t);
    o[2] = unit_fwd(c, b->b3_2b, t);
    t = unit_fwd(c, b->d2, unit_fwd(c, b->d1, x));
    o[3] = unit_fwd(c, b->d3a, t);
    o[4] = unit_fwd(c, b->d3b, t);
    /* [1x1, cat(3x3 a, b), cat(3x3dbl a, b), pool]: the nested concats of
     * torchvision flatten to this order along channels */
    gt_tensor *p = b->max_pool ? gt_max_pool2d(c, x, gt_pool_geom_sq(3, 1, 1)) : tf_avg(c, x);
    o[5] = unit_fwd(c, b->pool, p);
    return cat(c, 6, o);
}

gt_tensor *gt_inception_forward(gt_ctx *c, gt_inception *m, gt_tensor *x, gt_tensor **logits) {
    GT_ASSERTF(m->ready, "inception: forward before the weights were loaded");
    GT_ASSERTF(x->ndim == 4 && (x->shape[1] == 1 || x->shape[1] == 3),
               "inception: input must be [N,1|3,H,W], got %s", GT_SHAPE_STR(x));
    const int S = GT_INCEPTION_SIZE;
    if (x->shape[2] != S || x->shape[3] != S) x = gt_resize_bilinear(c, x, S, S);
    /* resizing commutes with repeating channels: repeat after, on fewer pixels */
    if (x->shape[1] == 1) x = gt_expand(c, x, 4, (int[]){x->shape[0], 3, S, S});
    x = unit_fwd(c, m->c1a, x);                           /* 32 x 149 x 149 */
    x = unit_fwd(c, m->c2a, x);                           /* 32 x 147 x 147 */
    x = unit_fwd(c, m->c2b, x);                           /* 64 x 147 x 147 */
    x = gt_max_pool2d(c, x, gt_pool_geom_sq(3, 2, 0));    /* 64 x 73 x 73 */
    x = unit_fwd(c, m->c3b, x);                           /* 80 x 73 x 73 */
    x = unit_fwd(c, m->c4a, x);                           /* 192 x 71 x 71 */
    x = gt_max_pool2d(c, x, gt_pool_geom_sq(3, 2, 0));    /* 192 x 35 x 35 */
    for (int i = 0; i < 3; i++) x = fwd_a(c, &m->m5[i], x); /* 256, 288, 288 x 35 x 35 */
    x = fwd_b(c, &m->m6a, x);                             /* 768 x 17 x 17 */
    for (int i = 0; i < 4; i++) x = fwd_c(c, &m->m6[i], x); /* 768 x 17 x 17 */
    x = fwd_d(c, &m->m7a, x);                             /* 1280 x 8 x 8 */
    for (int i = 0; i < 2; i++) x = fwd_e(c, &m->m7[i], x); /* 2048 x 8 x 8 */
    gt_tensor *pool = gt_global_avg_pool(c, x);           /* [N, 2048] */
    if (logits) *logits = gt_linear(c, pool, m->fc_w, m->fc_b);
    return pool;
}

int gt_inception_features(gt_inception *m, const gt_tensor *images, float *pool_out,
                          float *logits_out) {
    if (!m->ready) return gt_error_set("Inception: weights not loaded (gt_inception_load)");
    if (images->ndim != 4 || (images->shape[1] != 1 && images->shape[1] != 3) ||
        images->shape[2] < 1 || images->shape[3] < 1)
        return gt_error_set("Inception: images must be [N, 1 or 3, H, W], got %s",
                            GT_SHAPE_STR(images));
    int N = images->shape[0], C = images->shape[1], H = images->shape[2], W = images->shape[3];
    int64_t per = (int64_t)C * H * W;
    gt_ctx *c = m->ctx;
    int old = gt_set_grad_enabled(c, 0);
    for (int n0 = 0; n0 < N; n0 += m->batch) {
        int nb = N - n0 < m->batch ? N - n0 : m->batch;
        gt_ctx_reset(c);
        /* a view: the network only reads its input */
        gt_tensor *x =
            gt_tensor_view_arena(gt_ctx_arena(c), images->data + n0 * per, 4, (int[]){nb, C, H, W});
        gt_tensor *logits = NULL;
        gt_tensor *pool = gt_inception_forward(c, m, x, logits_out ? &logits : NULL);
        memcpy(pool_out + (int64_t)n0 * GT_INCEPTION_POOL_DIM, pool->data,
               (size_t)pool->n * sizeof(float));
        if (logits_out)
            memcpy(logits_out + (int64_t)n0 * GT_INCEPTION_LOGITS_DIM, logits->data,
                   (size_t)logits->n * sizeof(float));
    }
    gt_ctx_reset(c);
    gt_set_grad_enabled(c, old);
    return GT_OK;
}
