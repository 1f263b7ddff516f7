/* test_optim.c — ten steps of Adam, RMSprop and SGD (torch's formulas and
 * options) on a fixed problem equal PyTorch's (tests/fixtures/optim.gtf). */
#include <string.h>

#include "gantrain/autograd.h"
#include "gantrain/optim.h"
#include "test.h"

static void run(const char *name, gt_optim_cfg cfg) {
    gt_fixture *fx = gt_fixture_load(gt_test_path("fixtures/optim.gtf"));
    if (!fx) return;
    gt_rng rng;
    gt_rng_seed(&rng, 0);
    gt_params *p = gt_params_new("m");
    gt_linear_layer l;
    gt_linear_layer_make(&l, p, "fc", 4, 5, 1);
    gt_params_seal(p, &rng);
    gt_tensor_copy(l.w, gt_fixture_get(fx, "w0"));
    gt_tensor_copy(l.b, gt_fixture_get(fx, "b0"));
    gt_optim *o = gt_optim_new(cfg, p);
    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *x = gt_fixture_get(fx, "x"), *y = gt_fixture_get(fx, "y");
    for (int step = 0; step < 10; step++) {
        gt_params_zero_grad(p);
        gt_tensor *xa = gt_from_data(c, x->data, x->ndim, x->shape);
        gt_tensor *ya = gt_from_data(c, y->data, y->ndim, y->shape);
        gt_tensor *loss = gt_mse(c, gt_tanh(c, gt_linear_layer_fwd(c, &l, xa)), ya);
        CHECK(gt_backward(c, loss) == 0);
        gt_optim_step(o, p);
        gt_ctx_reset(c);
    }
    char key[64];
    snprintf(key, sizeof key, "%s.w", name);
    CHECK_TENSOR(l.w, gt_fixture_get(fx, key), 1e-5, key);
    snprintf(key, sizeof key, "%s.b", name);
    CHECK_TENSOR(l.b, gt_fixture_get(fx, key), 1e-5, key);
    /* and the parameters did move */
    CHECK(gt_tensor_max_rel_err(l.w, gt_fixture_get(fx, "w0")) > 1e-5);
    gt_ctx_free(c);
    gt_optim_free(o);
    gt_params_free(p);
    gt_fixture_free(fx);
}

GT_TEST(optim_adam) { run("adam", gt_optim_defaults(GT_OPTIM_ADAM, 1e-2)); }
GT_TEST(optim_adam_gan_betas) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_ADAM, 2e-4);
    c.beta1 = 0.5;
    run("adam_gan", c);
}
GT_TEST(optim_adam_wgangp_betas) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_ADAM, 1e-4);
    c.beta1 = 0.0;
    c.beta2 = 0.9;
    run("adam_wgangp", c);
}
GT_TEST(optim_adam_weight_decay) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_ADAM, 1e-2);
    c.weight_decay = 0.1;
    run("adam_wd", c);
}
GT_TEST(optim_adam_amsgrad) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_ADAM, 1e-2);
    c.amsgrad = 1;
    run("adam_ams", c);
}
GT_TEST(optim_rmsprop) { run("rmsprop", gt_optim_defaults(GT_OPTIM_RMSPROP, 1e-2)); }
GT_TEST(optim_rmsprop_wgan) { run("rmsprop_wgan", gt_optim_defaults(GT_OPTIM_RMSPROP, 5e-5)); }
GT_TEST(optim_rmsprop_momentum_wd) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_RMSPROP, 1e-2);
    c.momentum = 0.9;
    c.weight_decay = 0.01;
    run("rmsprop_mom", c);
}
GT_TEST(optim_rmsprop_centered) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_RMSPROP, 1e-2);
    c.centered = 1;
    run("rmsprop_centered", c);
}
GT_TEST(optim_sgd) { run("sgd", gt_optim_defaults(GT_OPTIM_SGD, 0.1)); }
GT_TEST(optim_sgd_momentum_dampening) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_SGD, 0.1);
    c.momentum = 0.9;
    c.dampening = 0.1;
    run("sgd_mom", c);
}
GT_TEST(optim_sgd_nesterov_wd) {
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_SGD, 0.1);
    c.momentum = 0.9;
    c.nesterov = 1;
    c.weight_decay = 0.01;
    run("sgd_nesterov", c);
}
