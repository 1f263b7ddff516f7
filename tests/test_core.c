/* test_core.c — RNG (determinism, state save/restore, distributions,
 * permutations), the step arena, tensors, parameter blocks and initialisers. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/arena.h"
#include "gantrain/nn.h"
#include "gantrain/rng.h"
#include "test.h"

GT_TEST(rng_deterministic_and_restorable) {
    gt_rng a, b;
    gt_rng_seed(&a, 42);
    gt_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++) CHECK(gt_rng_u64(&a) == gt_rng_u64(&b));
    gt_rng_normal(&a); /* leaves a spare normal pending: part of the state */
    gt_rng saved = a;
    float x[16], y[16];
    for (int i = 0; i < 16; i++) x[i] = gt_rng_normal(&a);
    a = saved;
    for (int i = 0; i < 16; i++) y[i] = gt_rng_normal(&a);
    CHECK(memcmp(x, y, sizeof x) == 0);
    gt_rng_seed(&b, 43);
    gt_rng_seed(&a, 42);
    CHECK(gt_rng_u64(&a) != gt_rng_u64(&b));
}

GT_TEST(rng_distributions) {
    gt_rng r;
    gt_rng_seed(&r, 7);
    enum { N = 200000 };
    double s = 0, s2 = 0, us = 0, s4 = 0;
    float umin = 1, umax = 0;
    for (int i = 0; i < N; i++) {
        double v = gt_rng_normal(&r);
        s += v;
        s2 += v * v;
        s4 += v * v * v * v;
        float u = gt_rng_uniform(&r);
        CHECK(u >= 0.0f && u < 1.0f);
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
        us += u;
    }
    CHECK_NEAR(s / N, 0.0, 0.01);
    CHECK_NEAR(s2 / N, 1.0, 0.015);
    CHECK_NEAR(s4 / N, 3.0, 0.08); /* Gaussian kurtosis */
    CHECK_NEAR(us / N, 0.5, 0.005);
    CHECK(umin < 1e-3 && umax > 0.999);
    /* bounded integers are uniform */
    int hist[7] = {0};
    for (int i = 0; i < 70000; i++) hist[gt_rng_below(&r, 7)]++;
    for (int k = 0; k < 7; k++) CHECK(abs(hist[k] - 10000) < 500);
}

GT_TEST(rng_permutation) {
    gt_rng r;
    gt_rng_seed(&r, 9);
    int32_t p[1000];
    gt_rng_permutation(&r, p, 1000);
    char seen[1000] = {0};
    int fixed = 0;
    for (int i = 0; i < 1000; i++) {
        CHECK(p[i] >= 0 && p[i] < 1000 && !seen[p[i]]);
        seen[p[i]] = 1;
        fixed += p[i] == i;
    }
    CHECK(fixed < 10); /* a random permutation has ~1 fixed point */
    /* position of element 0 is uniform over many draws */
    int first_half = 0;
    for (int t = 0; t < 2000; t++) {
        gt_rng_permutation(&r, p, 10);
        for (int i = 0; i < 10; i++)
            if (p[i] == 0) first_half += i < 5;
    }
    CHECK(abs(first_half - 1000) < 120);
}

GT_TEST(arena_reuse_and_alignment) {
    gt_arena *a = gt_arena_new(0);
    char *p1 = gt_arena_alloc(a, 100);
    char *p2 = gt_arena_alloc(a, 3);
    CHECK(((uintptr_t)p1 % 64) == 0 && ((uintptr_t)p2 % 64) == 0 && p2 >= p1 + 100);
    void *big = gt_arena_alloc(a, (size_t)100 << 20); /* larger than a chunk */
    CHECK(big != NULL);
    size_t reserved = gt_arena_reserved(a);
    gt_arena_reset(a);
    CHECK(gt_arena_used(a) == 0);
    /* the same pattern again reserves nothing new */
    CHECK(gt_arena_alloc(a, 100) == p1);
    gt_arena_alloc(a, 3);
    gt_arena_alloc(a, (size_t)100 << 20);
    CHECK(gt_arena_reserved(a) == reserved);
    CHECK(gt_arena_peak(a) >= ((size_t)100 << 20));
    gt_arena_free(a);
    gt_arena_free(NULL);
}

GT_TEST(tensor_basics) {
    gt_tensor *t = gt_tensor_new4(2, 3, 4, 0);
    CHECK(t->ndim == 3 && t->n == 24 && t->data[23] == 0.0f);
    CHECK(gt_tensor_dim(t, -1) == 4);
    CHECK(strcmp(GT_SHAPE_STR(t), "[2, 3, 4]") == 0);
    gt_tensor_fill(t, 2.5f);
    gt_tensor *u = gt_tensor_new(3, t->shape);
    gt_tensor_copy(u, t);
    CHECK(gt_tensor_max_rel_err(u, t) == 0.0);
    u->data[5] = 2.0f;
    CHECK_NEAR(gt_tensor_max_rel_err(u, t), 0.2, 1e-7);
    gt_tensor_free(t);
    gt_tensor_free(u);
    gt_tensor_free(NULL);
}

GT_TEST(params_block_layout) {
    gt_rng r;
    gt_rng_seed(&r, 1);
    gt_params *p = gt_params_new("g");
    gt_linear_layer l;
    gt_batchnorm_layer bn;
    gt_conv_layer cv;
    gt_linear_layer_make(&l, p, "fc", 10, 20, 1);
    gt_batchnorm_layer_make(&bn, p, "bn", 20, 1e-5f, 0.1f);
    gt_conv_layer_make(&cv, p, "conv", 3, 8, 3, 1, 1, 1);
    gt_params_seal(p, &r);
    CHECK(strcmp(l.w->name, "g.fc.weight") == 0 && gt_params_find(p, "g.bn.running_var") == bn.var);
    /* trainable values contiguous, buffers after them */
    CHECK(p->n_values == 200 + 20 + 20 + 20 + 8 * 27 + 8 && p->n_buffers == 40);
    CHECK(l.w->data == p->data && l.b->data == p->data + 200 && bn.mean->data >= p->data + p->n_values);
    CHECK(l.w->grad == p->grad && bn.mean->grad == NULL);
    CHECK(gt_params_is_buffer(p, bn.var) && !gt_params_is_buffer(p, bn.gamma));
    /* torch defaults: kaiming_uniform(a=sqrt(5)) -> U(+-1/sqrt(fan_in)) */
    double m = gt_tensor_max_abs(l.w), bound = 1.0 / sqrt(10.0);
    CHECK(m <= bound && m > 0.9 * bound);
    m = gt_tensor_max_abs(cv.w);
    CHECK(m <= 1.0 / sqrt(27.0) && m > 0.9 / sqrt(27.0));
    CHECK(bn.gamma->data[3] == 1.0f && bn.beta->data[3] == 0.0f && bn.var->data[0] == 1.0f);
    /* clipping and zeroing are whole-block loops */
    for (int64_t i = 0; i < p->n_values; i++) p->grad[i] = 1.0f;
    gt_params_zero_grad(p);
    for (int64_t i = 0; i < p->n_values; i++) CHECK(p->grad[i] == 0.0f);
    gt_params_clip(p, 0.01f);
    for (int64_t i = 0; i < p->n_values; i++) CHECK(fabsf(p->data[i]) <= 0.01f);
    CHECK(bn.var->data[0] == 1.0f); /* buffers are not clipped */
    gt_params_free(p);
    gt_params_free(NULL);
}

GT_TEST(init_normal_dcgan) {
    gt_rng r;
    gt_rng_seed(&r, 2);
    gt_params *p = gt_params_new("d");
    gt_tensor *w = gt_params_add(p, "w", 2, (int[]){200, 100}, (gt_init){GT_INIT_NORMAL, 0.0f, 0.02f});
    gt_tensor *g = gt_params_add(p, "g", 1, (int[]){20000}, (gt_init){GT_INIT_NORMAL, 1.0f, 0.02f});
    gt_params_seal(p, &r);
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < w->n; i++) s += w->data[i], s2 += (double)w->data[i] * w->data[i];
    CHECK_NEAR(s / w->n, 0.0, 5e-4);
    CHECK_NEAR(sqrt(s2 / w->n), 0.02, 5e-4);
    s = 0;
    for (int64_t i = 0; i < g->n; i++) s += g->data[i];
    CHECK_NEAR(s / g->n, 1.0, 1e-3);
    gt_params_free(p);
}
