/* test_autograd.c — behaviour of the tape: recording rules, no-grad mode,
 * accumulation into parameter gradients, frozen blocks, reuse of a tensor,
 * dropout, and the context's memory reuse. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/autograd.h"
#include "gantrain/error.h"
#include "gantrain/nn.h"
#include "test.h"

GT_TEST(autograd_no_grad_records_nothing) {
    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *x = gt_full(c, 1, (int[]){4}, 2.0f);
    gt_requires_grad(x);
    int old = gt_set_grad_enabled(c, 0);
    gt_tensor *y = gt_mul(c, x, x);
    CHECK(old == 1 && gt_ctx_tape_len(c) == 0 && y->node == NULL);
    gt_set_grad_enabled(c, 1);
    y = gt_mul(c, x, x);
    CHECK(gt_ctx_tape_len(c) == 1 && y->node != NULL);
    /* ops on tensors that need no gradient record nothing either */
    gt_tensor *z = gt_add(c, gt_full(c, 1, (int[]){4}, 1.0f), gt_full(c, 1, (int[]){4}, 1.0f));
    CHECK(z->node == NULL && gt_ctx_tape_len(c) == 1);
    gt_ctx_reset(c);
    CHECK(gt_ctx_tape_len(c) == 0);
    gt_ctx_free(c);
}

GT_TEST(autograd_reused_tensor_accumulates) {
    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *x = gt_full(c, 1, (int[]){3}, 1.5f), *g;
    gt_requires_grad(x);
    /* y = x*x + 3x + x: dy/dx = 2x + 4 */
    gt_tensor *y = gt_add(c, gt_add(c, gt_mul(c, x, x), gt_scale(c, x, 3.0f)), x);
    CHECK(gt_grad(c, gt_sum(c, y, GT_ALL, 0), NULL, 1, &x, &g, 0) == 0);
    for (int i = 0; i < 3; i++) CHECK_NEAR(g->data[i], 7.0, 1e-6);
    /* a tensor the output does not depend on gets zeros */
    gt_tensor *u = gt_full(c, 1, (int[]){2}, 1.0f);
    gt_requires_grad(u);
    CHECK(gt_grad(c, gt_sum(c, y, GT_ALL, 0), NULL, 1, &u, &g, 0) == 0);
    CHECK(g->n == 2 && g->data[0] == 0.0f && g->data[1] == 0.0f);
    gt_ctx_free(c);
}

GT_TEST(autograd_backward_adds_into_param_grads) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 4);
    gt_params *p = gt_params_new("m");
    gt_linear_layer l;
    gt_linear_layer_make(&l, p, "fc", 3, 2, 1);
    gt_params_seal(p, &r);
    gt_tensor *x = gt_full(c, 2, (int[]){5, 3}, 1.0f);
    gt_params_zero_grad(p);
    CHECK(gt_backward(c, gt_sum(c, gt_linear_layer_fwd(c, &l, x), GT_ALL, 0)) == 0);
    /* d sum / d b = 5 for each output; d sum / d w = 5 */
    CHECK_NEAR(l.b->grad[0], 5.0, 1e-6);
    CHECK_NEAR(l.w->grad[4], 5.0, 1e-6);
    /* a second backward adds (gradient accumulation), as torch */
    CHECK(gt_backward(c, gt_sum(c, gt_linear_layer_fwd(c, &l, x), GT_ALL, 0)) == 0);
    CHECK_NEAR(l.b->grad[1], 10.0, 1e-6);
    /* a frozen block gets nothing, and its ops record only when the input
     * needs a gradient */
    gt_params_zero_grad(p);
    gt_params_set_trainable(p, 0);
    gt_tensor *y = gt_linear_layer_fwd(c, &l, x);
    CHECK(y->node == NULL);
    gt_tensor *xi = gt_full(c, 2, (int[]){5, 3}, 1.0f), *gx;
    gt_requires_grad(xi);
    y = gt_linear_layer_fwd(c, &l, xi);
    CHECK(gt_grad(c, gt_sum(c, y, GT_ALL, 0), NULL, 1, &xi, &gx, 0) == 0);
    CHECK(gt_backward(c, gt_sum(c, y, GT_ALL, 0)) == 0);
    for (int64_t i = 0; i < p->n_values; i++) CHECK(p->grad[i] == 0.0f);
    CHECK_NEAR(gx->data[0], l.w->data[0] + l.w->data[3], 1e-6);
    gt_params_set_trainable(p, 1);
    gt_ctx_free(c);
    gt_params_free(p);
}

GT_TEST(autograd_detach_cuts_the_graph) {
    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *x = gt_full(c, 1, (int[]){2}, 3.0f), *g;
    gt_requires_grad(x);
    gt_tensor *y = gt_mul(c, gt_detach(c, x), x); /* d/dx = detached x = 3 */
    CHECK(gt_grad(c, gt_sum(c, y, GT_ALL, 0), NULL, 1, &x, &g, 0) == 0);
    CHECK_NEAR(g->data[0], 3.0, 1e-6);
    gt_ctx_free(c);
}

GT_TEST(autograd_dropout) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 11);
    gt_tensor *x = gt_full(c, 2, (int[]){100, 100}, 1.0f), *g;
    gt_requires_grad(x);
    gt_tensor *y = gt_dropout(c, x, 0.3f, 1, &r);
    int zeros = 0;
    for (int64_t i = 0; i < y->n; i++) {
        CHECK(y->data[i] == 0.0f || fabsf(y->data[i] - 1.0f / 0.7f) < 1e-6f);
        zeros += y->data[i] == 0.0f;
    }
    CHECK(abs(zeros - 3000) < 250);
    /* the gradient is the same mask */
    CHECK(gt_grad(c, gt_sum(c, y, GT_ALL, 0), NULL, 1, &x, &g, 0) == 0);
    for (int64_t i = 0; i < y->n; i++) CHECK(g->data[i] == y->data[i]);
    /* eval: identity; p = 0: identity */
    CHECK(gt_dropout(c, x, 0.3f, 0, &r) == x && gt_dropout(c, x, 0.0f, 1, &r) == x);
    /* dropout2d drops whole channels */
    gt_tensor *x4 = gt_full(c, 4, (int[]){8, 16, 3, 3}, 1.0f);
    gt_tensor *y4 = gt_dropout2d(c, x4, 0.5f, 1, &r);
    int dropped = 0;
    for (int ch = 0; ch < 8 * 16; ch++) {
        float v = y4->data[ch * 9];
        for (int k = 1; k < 9; k++) CHECK(y4->data[ch * 9 + k] == v);
        dropped += v == 0.0f;
    }
    CHECK(dropped > 40 && dropped < 88);
    gt_ctx_free(c);
}

GT_TEST(autograd_steady_state_allocates_nothing) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 12);
    gt_params *p = gt_params_new("m");
    gt_conv_layer cv;
    gt_conv_layer_make(&cv, p, "conv", 3, 8, 3, 2, 1, 1);
    gt_params_seal(p, &r);
    size_t reserved = 0;
    for (int step = 0; step < 3; step++) {
        gt_tensor *x = gt_new(c, 4, (int[]){4, 3, 16, 16});
        gt_rng_fill_normal(&r, x->data, x->n, 0, 1);
        gt_tensor *y = gt_conv_layer_fwd(c, &cv, x);
        CHECK(gt_backward(c, gt_mean(c, gt_square(c, y), GT_ALL, 0)) == 0);
        if (step == 1) reserved = gt_arena_reserved(gt_ctx_arena(c));
        if (step == 2) CHECK(gt_arena_reserved(gt_ctx_arena(c)) == reserved);
        gt_ctx_reset(c);
    }
    gt_ctx_free(c);
    gt_params_free(p);
}

/* gt_elu_inplace gives gt_elu's values, first and second derivatives, bit
 * for bit, while overwriting its input (a linear op's output here) */
static gt_tensor *elu_net(gt_ctx *c, gt_tensor *x, gt_tensor *w, int inplace) {
    gt_tensor *h = gt_matmul(c, x, w, 0, 0);
    return inplace ? gt_elu_inplace(c, h, 0.7f) : gt_elu(c, h, 0.7f);
}

GT_TEST(autograd_elu_inplace_equals_elu) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 21);
    gt_tensor *x = gt_new(c, 2, (int[]){6, 5}), *w = gt_new(c, 2, (int[]){5, 4});
    gt_rng_fill_normal(&r, x->data, x->n, 0, 1);
    gt_rng_fill_normal(&r, w->data, w->n, 0, 1);
    gt_requires_grad(w);
    gt_tensor *res[2][3];
    for (int k = 0; k < 2; k++) {
        gt_tensor *y = elu_net(c, x, w, k);
        gt_tensor *s = gt_sum(c, gt_mul(c, y, y), GT_ALL, 0), *g, *gg;
        CHECK(gt_grad(c, s, NULL, 1, &w, &g, 1) == 0); /* create_graph: g is differentiable */
        CHECK(gt_grad(c, gt_sum(c, gt_mul(c, g, g), GT_ALL, 0), NULL, 1, &w, &gg, 0) == 0);
        res[k][0] = y, res[k][1] = g, res[k][2] = gg;
    }
    for (int j = 0; j < 3; j++) {
        CHECK(res[0][j]->n == res[1][j]->n);
        CHECKF(!memcmp(res[0][j]->data, res[1][j]->data, sizeof(float) * (size_t)res[0][j]->n),
               "result %d differs", j);
    }
    int neg = 0;
    for (int64_t i = 0; i < res[1][0]->n; i++) neg += res[1][0]->data[i] < 0;
    CHECK(neg > 3 && neg < res[1][0]->n - 3); /* both sides of the kink were exercised */
    gt_ctx_free(c);
}

/* gt_backward reuses the buffers of gradients it has consumed: a chain of 24
 * ops grows the arena by a few tensors, not 24, and the gradient equals the
 * one of a pass that keeps everything (create_graph) bit for bit */
GT_TEST(autograd_backward_recycles_gradients) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 22);
    gt_tensor *x = gt_new(c, 2, (int[]){64, 1024});
    gt_rng_fill_normal(&r, x->data, x->n, 0, 0.5);
    gt_requires_grad(x);
    gt_tensor *h = x;
    for (int i = 0; i < 8; i++) h = gt_tanh(c, gt_add(c, gt_scale(c, h, 1.1f), gt_mul(c, h, h)));
    gt_tensor *loss = gt_sum(c, h, GT_ALL, 0), *keep, *g;
    CHECK(gt_grad(c, loss, NULL, 1, &x, &keep, 1) == 0);
    size_t before = gt_arena_used(gt_ctx_arena(c));
    CHECK(gt_grad(c, loss, NULL, 1, &x, &g, 0) == 0);
    size_t grown = gt_arena_used(gt_ctx_arena(c)) - before, tensor = sizeof(float) * (size_t)x->n;
    CHECKF(grown < 8 * tensor, "backward took %zu tensors' worth of memory", grown / tensor);
    CHECK(!memcmp(keep->data, g->data, tensor));
    gt_ctx_free(c);
}

/* what the gradient hook saw: each parameter reported, in order, with its
 * gradient at that moment, and the ticks */
typedef struct hook_log {
    gt_tensor *p[16];
    float snap[16][64];
    int n, ticks;
} hook_log;

static void log_hook(void *ud, gt_tensor *param) {
    hook_log *h = ud;
    if (!param) {
        h->ticks++;
        return;
    }
    if (h->n < 16 && param->n <= 64) {
        h->p[h->n] = param;
        memcpy(h->snap[h->n], param->grad, (size_t)param->n * sizeof(float));
    }
    h->n++;
}

static int reported_at(const hook_log *h, const gt_tensor *t) {
    int at = -1;
    for (int i = 0; i < h->n && i < 16; i++)
        if (h->p[i] == t) at = at < 0 ? i : 100; /* 100: twice */
    return at;
}

GT_TEST(autograd_grad_hook_reports_final_gradients) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng r;
    gt_rng_seed(&r, 5);
    gt_params *p = gt_params_new("m");
    gt_linear_layer l1, l2, unused;
    gt_linear_layer_make(&l1, p, "fc1", 3, 4, 1);
    gt_linear_layer_make(&l2, p, "fc2", 4, 2, 1);
    gt_linear_layer_make(&unused, p, "fc3", 2, 2, 1);
    gt_params_seal(p, &r);
    hook_log h = {0};
    gt_ctx_set_grad_hook(c, log_hook, &h);
    gt_tensor *x = gt_full(c, 2, (int[]){5, 3}, 0.5f), *x2 = gt_full(c, 2, (int[]){5, 3}, -0.25f);
    gt_params_zero_grad(p);
    /* fc1 is used twice: early (under fc2) and late (alone); its gradient
     * is final only once the early use has run its backward */
    gt_tensor *y = gt_linear_layer_fwd(c, &l2, gt_tanh(c, gt_linear_layer_fwd(c, &l1, x)));
    gt_tensor *loss = gt_add(c, gt_sum(c, y, GT_ALL, 0), gt_sum(c, gt_linear_layer_fwd(c, &l1, x2), GT_ALL, 0));
    CHECK(gt_backward(c, loss) == 0);
    CHECKF(h.n == 4, "%d parameters reported, want 4", h.n);
    gt_tensor *all[4] = {l1.w, l1.b, l2.w, l2.b};
    for (int i = 0; i < 4; i++) {
        int at = reported_at(&h, all[i]);
        CHECKF(at >= 0 && at < 4, "%s reported %s", all[i]->name, at < 0 ? "never" : "twice");
        /* what the hook saw is the final gradient, bit for bit */
        CHECKF(memcmp(h.snap[at], all[i]->grad, (size_t)all[i]->n * sizeof(float)) == 0,
               "%s: gradient changed after it was reported final", all[i]->name);
    }
    /* the last layer first; a parameter no node uses is not reported */
    CHECK(reported_at(&h, l2.w) < reported_at(&h, l1.w) && reported_at(&h, l2.b) < reported_at(&h, l1.b));
    CHECK(reported_at(&h, unused.w) < 0 && unused.w->grad[0] == 0.0f);
    CHECKF(h.ticks >= 5, "%d ticks for a pass of more than 5 nodes", h.ticks);
    /* gt_grad reports no parameter (it does not write their gradients),
     * but ticks */
    hook_log h2 = {0};
    gt_ctx_set_grad_hook(c, log_hook, &h2);
    gt_tensor *xi = gt_full(c, 2, (int[]){5, 3}, 1.0f), *gx;
    gt_requires_grad(xi);
    y = gt_linear_layer_fwd(c, &l1, xi);
    CHECK(gt_grad(c, gt_sum(c, y, GT_ALL, 0), NULL, 1, &xi, &gx, 0) == 0);
    CHECK(h2.n == 0 && h2.ticks > 0);
    /* a frozen block's parameters are not reported */
    gt_params_set_trainable(p, 0);
    CHECK(gt_backward(c, gt_sum(c, gt_linear_layer_fwd(c, &l1, xi), GT_ALL, 0)) == 0);
    CHECK(h2.n == 0);
    gt_params_set_trainable(p, 1);
    gt_ctx_free(c);
    gt_params_free(p);
}
