/* test_gp.c — second order: the WGAN-GP penalty
 *   lambda * mean((||grad_x D(x_hat)||_2 - 1)^2)
 * differentiated with respect to every critic parameter, against PyTorch's
 * double backward (tests/fixtures/gp.gtf) and against finite differences of
 * the penalty itself, for an MLP critic, a conv critic with layer norm and
 * a conv critic with ELU, nearest upsampling and sigmoid. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/autograd.h"
#include "gantrain/error.h"
#include "gantrain/nn.h"
#include "gantrain/train.h"
#include "test.h"

typedef gt_tensor *(*critic_fn)(gt_ctx *c, gt_params *p, gt_tensor *x);

static gt_tensor *P(gt_params *p, const char *n) {
    char buf[64];
    snprintf(buf, sizeof buf, "d.%s", n);
    gt_tensor *t = gt_params_find(p, buf);
    GT_ASSERTF(t, "no parameter %s", buf);
    return t;
}

static gt_tensor *mlp(gt_ctx *c, gt_params *p, gt_tensor *x) {
    x = gt_leaky_relu(c, gt_linear(c, x, P(p, "w1"), P(p, "b1")), 0.2f);
    x = gt_leaky_relu(c, gt_linear(c, x, P(p, "w2"), P(p, "b2")), 0.2f);
    return gt_linear(c, x, P(p, "w3"), P(p, "b3"));
}

static gt_tensor *conv(gt_ctx *c, gt_params *p, gt_tensor *x) {
    gt_conv_geom s2 = {2, 2, 1, 1};
    x = gt_leaky_relu(c, gt_conv2d(c, x, P(p, "c1w"), P(p, "c1b"), s2), 0.2f);
    x = gt_conv2d(c, x, P(p, "c2w"), P(p, "c2b"), s2);
    x = gt_leaky_relu(c, gt_layer_norm(c, x, P(p, "lnw"), P(p, "lnb"), 1e-5f), 0.2f);
    return gt_linear(c, gt_flatten(c, x), P(p, "fw"), P(p, "fb"));
}

static gt_tensor *conv_elu(gt_ctx *c, gt_params *p, gt_tensor *x) {
    x = gt_elu(c, gt_conv2d(c, x, P(p, "c1w"), P(p, "c1b"), (gt_conv_geom){2, 2, 1, 1}), 1.0f);
    x = gt_upsample_nearest(c, x, 2);
    x = gt_sigmoid(c, gt_conv2d(c, x, P(p, "c2w"), P(p, "c2b"), (gt_conv_geom){1, 1, 1, 1}));
    return gt_linear(c, gt_flatten(c, x), P(p, "fw"), P(p, "fb"));
}

typedef struct critic_ud {
    critic_fn f;
    gt_params *p;
} critic_ud;

static gt_tensor *call_critic(gt_ctx *c, void *ud, gt_tensor *x) {
    critic_ud *u = ud;
    return u->f(c, u->p, x);
}

/* The penalty through the library function the trainer uses. */
static gt_tensor *penalty(gt_ctx *c, critic_fn f, gt_params *p, gt_tensor *real, gt_tensor *fake,
                          gt_tensor *alpha, int *rc) {
    critic_ud u = {f, p};
    gt_tensor *r = gt_from_data(c, real->data, real->ndim, real->shape);
    gt_tensor *fk = gt_from_data(c, fake->data, fake->ndim, fake->shape);
    return gt_gradient_penalty(c, call_critic, &u, r, fk, alpha->data, 10.0f, rc);
}

static void check_gp(const char *prefix, critic_fn f, const char **names, int n_names) {
    gt_fixture *fx = gt_fixture_load(gt_test_path("fixtures/gp.gtf"));
    if (!fx) return;
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    gt_params *p = gt_params_new("d");
    for (int i = 0; i < n_names; i++) {
        gt_tensor *t = gt_fixture_getf(fx, "%s.%s", prefix, names[i]);
        gt_params_add(p, names[i], t->ndim, t->shape, (gt_init){GT_INIT_ZEROS, 0, 0});
    }
    gt_params_seal(p, &rng);
    for (int i = 0; i < n_names; i++)
        gt_tensor_copy(p->t[i], gt_fixture_getf(fx, "%s.%s", prefix, names[i]));
    gt_tensor *real = gt_fixture_getf(fx, "%s.real", prefix), *fake = gt_fixture_getf(fx, "%s.fake", prefix),
              *alpha = gt_fixture_getf(fx, "%s.alpha", prefix);

    gt_ctx *c = gt_ctx_new(0);
    int rc;
    gt_tensor *pen = penalty(c, f, p, real, fake, alpha, &rc);
    CHECKF(rc == 0, "inner backward failed: %s", gt_error());
    float ref = gt_fixture_getf(fx, "%s.penalty", prefix)->data[0];
    CHECKF(fabsf(pen->data[0] - ref) <= 1e-4f * fabsf(ref), "%s penalty %.7g, torch %.7g", prefix,
           (double)pen->data[0], (double)ref);
    gt_params_zero_grad(p);
    CHECKF(gt_backward(c, pen) == 0, "double backward failed: %s", gt_error());
    gt_ctx_reset(c);

    for (int i = 0; i < n_names; i++) {
        gt_tensor *t = p->t[i];
        gt_tensor *gref = gt_fixture_getf(fx, "%s.grad.%s", prefix, names[i]);
        gt_tensor ours = *t;
        ours.data = t->grad;
        /* biases of a piecewise-linear critic get exactly zero: compare
         * against a floor of 1e-3 of the largest parameter gradient */
        double e = gt_tensor_max_rel_err(&ours, gref);
        double floor = 0;
        for (int k = 0; k < n_names; k++) {
            double m = gt_tensor_max_abs(gt_fixture_getf(fx, "%s.grad.%s", prefix, names[k]));
            if (m > floor) floor = m;
        }
        if (gt_tensor_max_abs(gref) < 1e-3 * floor) {
            double m = 0;
            for (int64_t k = 0; k < t->n; k++) m = fmax(m, fabs(ours.data[k] - gref->data[k]));
            e = m / floor;
        }
        CHECKF(e <= 1e-3, "%s: d penalty / d %s vs torch: max relative error %.3g", prefix,
               names[i], e);

        /* Finite differences of the penalty in this parameter.  The penalty
         * is made of D's gradient, which jumps where a LeakyReLU unit
         * changes side, so a point whose one-sided differences disagree
         * straddles such a jump and is skipped; most points must remain. */
        int64_t step = t->n > 12 ? t->n / 12 : 1;
        int checked = 0, tried = 0;
        double worst = 0, scale = fmax(gt_tensor_max_abs(&ours), 1e-3 * floor);
        double f0 = penalty(c, f, p, real, fake, alpha, &rc)->data[0];
        gt_ctx_reset(c);
        for (int64_t k = 0; k < t->n; k += step) {
            float keep = t->data[k], eps = 1e-3f;
            t->data[k] = keep + eps;
            double fp = penalty(c, f, p, real, fake, alpha, &rc)->data[0];
            gt_ctx_reset(c);
            t->data[k] = keep - eps;
            double fm = penalty(c, f, p, real, fake, alpha, &rc)->data[0];
            gt_ctx_reset(c);
            t->data[k] = keep;
            tried++;
            double right = (fp - f0) / eps, left = (f0 - fm) / eps;
            if (fabs(right - left) > 0.05 * scale) continue;
            checked++;
            double fd = (fp - fm) / (2.0 * eps);
            worst = fmax(worst, fabs(fd - ours.data[k]) / scale);
        }
        CHECKF(2 * checked >= tried, "%s: %d of %d points straddle a kink", prefix, tried - checked,
               tried);
        CHECKF(worst <= 2e-3, "%s: d penalty / d %s vs finite differences: error %.3g", prefix,
               names[i], worst);
    }
    gt_ctx_free(c);
    gt_params_free(p);
    gt_fixture_free(fx);
}

GT_TEST(gp_mlp_critic) {
    const char *n[] = {"w1", "b1", "w2", "b2", "w3", "b3"};
    check_gp("mlp", mlp, n, 6);
}

GT_TEST(gp_conv_critic_layer_norm) {
    const char *n[] = {"c1w", "c1b", "c2w", "c2b", "lnw", "lnb", "fw", "fb"};
    check_gp("conv", conv, n, 8);
}

GT_TEST(gp_conv_critic_elu_upsample) {
    const char *n[] = {"c1w", "c1b", "c2w", "c2b", "fw", "fb"};
    check_gp("convelu", conv_elu, n, 6);
}

/* A batch-norm critic cannot be differentiated twice: the error says so and
 * names the alternative, instead of returning a wrong gradient. */
GT_TEST(gp_batchnorm_critic_refuses) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng rng;
    gt_rng_seed(&rng, 3);
    gt_params *p = gt_params_new("d");
    gt_linear_layer l1, l2;
    gt_batchnorm_layer bn;
    gt_linear_layer_make(&l1, p, "fc1", 6, 8, 1);
    gt_batchnorm_layer_make(&bn, p, "bn1", 8, 1e-5f, 0.1f);
    gt_linear_layer_make(&l2, p, "fc2", 8, 1, 1);
    gt_params_seal(p, &rng);
    gt_tensor *x = gt_new(c, 2, (int[]){5, 6});
    gt_rng_fill_normal(&rng, x->data, x->n, 0, 1);
    gt_requires_grad(x);
    gt_tensor *h = gt_leaky_relu(c, gt_batchnorm_layer_fwd(c, &bn, gt_linear_layer_fwd(c, &l1, x), 1), 0.2f);
    gt_tensor *d = gt_linear_layer_fwd(c, &l2, h), *g;
    CHECK(gt_grad(c, gt_sum(c, d, GT_ALL, 0), NULL, 1, &x, &g, 1) == 0);
    gt_tensor *pen = gt_sum(c, gt_square(c, g), GT_ALL, 0);
    CHECK(gt_backward(c, pen) != 0);
    CHECKF(strstr(gt_error(), "batch norm") && strstr(gt_error(), "second derivative"),
           "unexpected message: %s", gt_error());
    gt_ctx_free(c);
    gt_params_free(p);
}
