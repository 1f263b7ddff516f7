/* test_inception.c — the FID Inception-v3 against PyTorch.
 *
 * Weights and input images come from an integer hash that C
 * (gt_inception_init_synthetic) and Python (make-inception-fixtures.py)
 * evaluate identically, so only the reference outputs are committed
 * (tests/fixtures/inception_hash.gtf): pool features and logits of torch's
 * FID Inception (pytorch-fid's blocks, cross-checked against torchvision's)
 * for RGB, grayscale, upsampled, downsampled and non-square inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/inception.h"
#include "gantrain/threads.h"
#include "gradcheck.h"
#include "test.h"

#define IMAGE_STREAM 1000 /* the fixture script's IMAGE_STREAM */
#define TOL 1e-4

static const char *cases[] = {"rgb64x2", "gray28", "rgb299", "rgb331x310"};
#define N_CASES 4

static gt_inception *synthetic(void) {
    gt_inception *m = gt_inception_new(0);
    gt_inception_init_synthetic(m);
    return m;
}

/* the images of fixture case k: a heap tensor of the case's shape */
static gt_tensor *case_images(gt_fixture *f, int k) {
    gt_tensor *sh = gt_fixture_getf(f, "%s.shape", cases[k]);
    if (!sh) return NULL;
    int shape[4];
    for (int i = 0; i < 4; i++) shape[i] = (int)sh->data[i];
    gt_tensor *x = gt_tensor_new(4, shape);
    gt_inception_hash_uniform(IMAGE_STREAM + k, x->data, x->n, -1.0, 1.0);
    return x;
}

/* names, shapes, kinds and order are the state_dict's */
GT_TEST(inception_parameter_names) {
    gt_inception *m = gt_inception_new(0);
    gt_params *p = gt_inception_params(m);
    CHECK(p->n == GT_INCEPTION_N_TENSORS);
    CHECK(strcmp(p->t[0]->name, "inception.Conv2d_1a_3x3.conv.weight") == 0);
    CHECK(strcmp(p->t[4]->name, "inception.Conv2d_1a_3x3.bn.running_var") == 0);
    CHECK(strcmp(p->t[p->n - 1]->name, "inception.fc.bias") == 0);
    struct {
        const char *name;
        int shape[4];
        int buffer;
    } want[] = {
        {"inception.Conv2d_1a_3x3.conv.weight", {32, 3, 3, 3}, 0},
        {"inception.Conv2d_4a_3x3.conv.weight", {192, 80, 3, 3}, 0},
        {"inception.Mixed_5b.branch5x5_2.conv.weight", {64, 48, 5, 5}, 0},
        {"inception.Mixed_5b.branch_pool.conv.weight", {32, 192, 1, 1}, 0},
        {"inception.Mixed_5d.branch_pool.conv.weight", {64, 288, 1, 1}, 0},
        {"inception.Mixed_6a.branch3x3.conv.weight", {384, 288, 3, 3}, 0},
        {"inception.Mixed_6b.branch7x7_2.conv.weight", {128, 128, 1, 7}, 0},
        {"inception.Mixed_6e.branch7x7dbl_4.conv.weight", {192, 192, 7, 1}, 0},
        {"inception.Mixed_7a.branch3x3_2.conv.weight", {320, 192, 3, 3}, 0},
        {"inception.Mixed_7b.branch3x3_2b.conv.weight", {384, 384, 3, 1}, 0},
        {"inception.Mixed_7c.branch3x3dbl_1.conv.weight", {448, 2048, 1, 1}, 0},
        {"inception.Mixed_7c.branch_pool.bn.running_mean", {192, 0, 0, 0}, 1},
        {"inception.Mixed_6c.branch1x1.bn.weight", {192, 0, 0, 0}, 0},
        {"inception.fc.weight", {1008, 2048, 0, 0}, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        gt_tensor *t = gt_params_find(p, want[i].name);
        CHECKF(t, "no tensor %s", want[i].name);
        for (int d = 0; d < t->ndim; d++)
            CHECKF(t->shape[d] == want[i].shape[d], "%s has shape %s", want[i].name, GT_SHAPE_STR(t));
        CHECKF(gt_params_is_buffer(p, t) == want[i].buffer, "%s: buffer flag", want[i].name);
        CHECKF(!(t->flags & GT_T_REQUIRES_GRAD), "%s is trainable; the network is frozen",
               want[i].name);
    }
    gt_inception_free(m);
}

/* the C hash gives torch's synthetic weights tensor by tensor: order and
 * ranges agree, so a forward mismatch is the network's, not the weights' */
GT_TEST(inception_synthetic_weights_match_python) {
    gt_fixture *f = gt_fixture_load(gt_test_path("fixtures/inception_hash.gtf"));
    if (!f) return;
    gt_tensor *sums = gt_fixture_get(f, "weights.sum");
    CHECK(sums && sums->n == GT_INCEPTION_N_TENSORS);
    gt_inception *m = synthetic();
    gt_params *p = gt_inception_params(m);
    for (int i = 0; i < p->n; i++) {
        double s = 0;
        for (int64_t k = 0; k < p->t[i]->n; k++) s += p->t[i]->data[k];
        CHECKF(fabs(s - sums->data[i]) <= 1e-5 * (fabs(sums->data[i]) + 1),
               "tensor %d (%s): sum %.9g, python %.9g", i, p->t[i]->name, s, sums->data[i]);
    }
    gt_inception_free(m);
    gt_fixture_free(f);
}

/* pool features and logits equal torch's (float64 reference) */
GT_TEST(inception_matches_torch) {
    gt_fixture *f = gt_fixture_load(gt_test_path("fixtures/inception_hash.gtf"));
    if (!f) return;
    gt_inception *m = synthetic();
    for (int k = 0; k < N_CASES; k++) {
        gt_tensor *x = case_images(f, k);
        CHECKF(x, "fixture has no case %s", cases[k]);
        int N = x->shape[0];
        gt_tensor *pool = gt_tensor_new(2, (int[]){N, GT_INCEPTION_POOL_DIM});
        gt_tensor *logits = gt_tensor_new(2, (int[]){N, GT_INCEPTION_LOGITS_DIM});
        CHECKF(gt_inception_features(m, x, pool->data, logits->data) == GT_OK, "%s: %s",
               cases[k], gt_error());
        gt_tensor *pref = gt_fixture_getf(f, "%s.pool", cases[k]);
        gt_tensor *lref = gt_fixture_getf(f, "%s.logits", cases[k]);
        double ep = gt_check_err(pool, pref, 1e-6), el = gt_check_err(logits, lref, 1e-6);
        printf("  %-11s %s: pool max rel err %.2g, logits %.2g\n", cases[k], GT_SHAPE_STR(x), ep,
               el);
        CHECKF(ep <= TOL, "%s: pool features, max relative error %.3g", cases[k], ep);
        CHECKF(el <= TOL, "%s: logits, max relative error %.3g", cases[k], el);
        gt_tensor_free(x);
        gt_tensor_free(pool);
        gt_tensor_free(logits);
    }
    gt_inception_free(m);
    gt_fixture_free(f);
}

/* a sample's features do not depend on the chunk it ran in: the two-image
 * case in chunks of one image (inception_matches_torch runs it as one) */
GT_TEST(inception_chunks_of_one) {
    gt_fixture *f = gt_fixture_load(gt_test_path("fixtures/inception_hash.gtf"));
    if (!f) return;
    gt_inception *m = synthetic();
    gt_tensor *x = case_images(f, 0);
    gt_tensor *pool = gt_tensor_new(2, (int[]){2, GT_INCEPTION_POOL_DIM});
    gt_inception_set_batch(m, 1);
    CHECK(gt_inception_features(m, x, pool->data, NULL) == GT_OK);
    CHECK_TENSOR(pool, gt_fixture_getf(f, "%s.pool", cases[0]), TOL, "pool features, chunks of 1");
    gt_tensor_free(pool);
    gt_tensor_free(x);
    gt_inception_free(m);
    gt_fixture_free(f);
}

/* ---- loading ---- */

typedef struct src {
    gt_params *from;
    int calls;
    const char *fail_on; /* this key: report missing */
    const char *nan_in;  /* this key: put a NaN in it */
} src;

static int get_from(void *ud, const char *name, gt_tensor *dst) {
    src *s = ud;
    s->calls++;
    char full[256];
    snprintf(full, sizeof full, "inception.%s", name);
    gt_tensor *t = gt_params_find(s->from, full);
    if (!t || (s->fail_on && strcmp(name, s->fail_on) == 0))
        return gt_error_set("weights.npz: no tensor '%s'", name);
    if (t->n != dst->n) return gt_error_set("weights.npz: '%s' has the wrong size", name);
    memcpy(dst->data, t->data, (size_t)t->n * sizeof(float));
    if (s->nan_in && strcmp(name, s->nan_in) == 0) dst->data[dst->n / 2] = NAN;
    return 0;
}

GT_TEST(inception_load_through_callback) {
    gt_fixture *f = gt_fixture_load(gt_test_path("fixtures/inception_hash.gtf"));
    if (!f) return;
    gt_inception *ref = synthetic(), *m = gt_inception_new(0);
    gt_tensor *x = case_images(f, 1); /* one grayscale 28x28 image */
    float got[GT_INCEPTION_POOL_DIM];

    CHECK(gt_inception_features(m, x, got, NULL) == GT_ERR);
    CHECKF(strstr(gt_error(), "not loaded"), "error: %s", gt_error());

    src s = {gt_inception_params(ref), 0, "Mixed_6c.branch7x7dbl_3.bn.running_mean", NULL};
    CHECK(gt_inception_load(m, get_from, &s) == GT_ERR);
    CHECKF(strstr(gt_error(), "Mixed_6c.branch7x7dbl_3.bn.running_mean") &&
               strstr(gt_error(), "no tensor"),
           "error: %s", gt_error());
    CHECK(gt_inception_features(m, x, got, NULL) == GT_ERR);

    s = (src){gt_inception_params(ref), 0, NULL, "Mixed_7b.branch3x3_2a.conv.weight"};
    CHECK(gt_inception_load(m, get_from, &s) == GT_ERR);
    CHECKF(strstr(gt_error(), "Mixed_7b.branch3x3_2a.conv.weight") && strstr(gt_error(), "nan"),
           "error: %s", gt_error());

    s = (src){gt_inception_params(ref), 0, NULL, NULL};
    CHECK(gt_inception_load(m, get_from, &s) == GT_OK);
    CHECK(s.calls == GT_INCEPTION_N_TENSORS);
    gt_params *pr = gt_inception_params(ref), *pm = gt_inception_params(m);
    CHECK(memcmp(pr->data, pm->data, (size_t)(pr->n_values + pr->n_buffers) * sizeof(float)) == 0);
    /* loading prepared the network: it now gives torch's features */
    CHECK(gt_inception_features(m, x, got, NULL) == GT_OK);
    gt_tensor *pool = gt_tensor_new(2, (int[]){1, GT_INCEPTION_POOL_DIM});
    memcpy(pool->data, got, sizeof got);
    CHECK_TENSOR(pool, gt_fixture_getf(f, "%s.pool", cases[1]), TOL, "pool after loading");
    gt_tensor_free(pool);

    gt_tensor *bad = gt_tensor_new(4, (int[]){1, 4, 8, 8});
    CHECK(gt_inception_features(m, bad, got, NULL) == GT_ERR);
    CHECKF(strstr(gt_error(), "[1, 4, 8, 8]"), "error: %s", gt_error());
    gt_tensor_free(bad);
    gt_tensor_free(x);
    gt_inception_free(ref);
    gt_inception_free(m);
    gt_fixture_free(f);
}

/* gradients reach an input that requires them (frozen network): the
 * directional derivative <d sum(pool * r) / dx, v> against a central
 * difference along v, over every pixel at once */
GT_TEST(inception_input_gradient) {
    gt_inception *m = synthetic();
    gt_ctx *c = gt_ctx_new(0);
    const int shape[4] = {1, 1, 12, 10};
    gt_tensor *x = gt_new(c, 4, shape), *v = gt_new(c, 4, shape);
    gt_tensor *r = gt_new(c, 2, (int[]){1, GT_INCEPTION_POOL_DIM});
    gt_inception_hash_uniform(11, x->data, x->n, -1.0, 1.0);
    gt_inception_hash_uniform(12, v->data, v->n, -1.0, 1.0);
    gt_inception_hash_uniform(13, r->data, r->n, -1.0, 1.0);
    gt_requires_grad(x);
    gt_tensor *pool = gt_inception_forward(c, m, x, NULL), *g;
    CHECKF(gt_grad(c, pool, r, 1, &x, &g, 0) == GT_OK, "backward: %s", gt_error());
    double analytic = 0, f[2];
    for (int64_t i = 0; i < g->n; i++) analytic += (double)g->data[i] * v->data[i];
    const double eps = 2e-3; /* ReLU and max-pool kinks: smaller steps cross fewer */
    gt_set_grad_enabled(c, 0);
    size_t taped = gt_ctx_tape_len(c);
    for (int k = 0; k < 2; k++) {
        gt_tensor *xk = gt_new(c, 4, shape);
        for (int64_t i = 0; i < x->n; i++)
            xk->data[i] = x->data[i] + (float)((k ? -eps : eps) * v->data[i]);
        gt_tensor *pk = gt_inception_forward(c, m, xk, NULL);
        f[k] = 0;
        for (int64_t i = 0; i < pk->n; i++) f[k] += (double)pk->data[i] * r->data[i];
    }
    CHECKF(gt_ctx_tape_len(c) == taped, "forward with recording off added %zu nodes",
           gt_ctx_tape_len(c) - taped);
    double fd = (f[0] - f[1]) / (2 * eps);
    printf("  directional derivative: backward %.6g, central difference %.6g\n", analytic, fd);
    CHECKF(fabs(fd - analytic) <= 5e-2 * fabs(analytic),
           "input gradient: backward %.6g vs finite difference %.6g", analytic, fd);
    gt_ctx_free(c);
    gt_inception_free(m);
}
