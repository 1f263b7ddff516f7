/* test_train.c — the training iteration on synthetic data: every preset
 * runs with finite losses, runs are deterministic, a tiny GAN learns a 2-D
 * Gaussian, WGAN clipping holds, BEGAN's k_t stays in [0, 1], and a NaN
 * stops the run with the step and the figures. */
#include <math.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/models.h"
#include "gantrain/train.h"
#include "test.h"

/* images: a smooth class-dependent pattern plus noise, in [-1, 1] */
static int image_batch_64(void *ud, int off, int count, float *x, float *labels);

typedef struct img_src {
    gt_rng rng;
    int B, C, H, classes;
} img_src;

static int image_batch(void *ud, int off, int count, float *x, float *labels) {
    img_src *s = ud;
    (void)off;
    for (int b = 0; b < count; b++) {
        int k = s->classes ? (int)gt_rng_below(&s->rng, (uint64_t)s->classes) : 0;
        if (labels) labels[b] = (float)k;
        for (int c = 0; c < s->C; c++)
            for (int i = 0; i < s->H * s->H; i++) {
                float v = sinf(0.3f * (float)(i % s->H) * (1 + k)) * 0.8f + 0.1f * gt_rng_normal(&s->rng);
                x[((b * s->C + c) * s->H * s->H) + i] = v > 1 ? 1 : (v < -1 ? -1 : v);
            }
    }
    return GT_OK;
}
static int image_batch_64(void *ud, int off, int count, float *x, float *labels) {
    return image_batch(ud, off, count, x, labels);
}

static gt_config *preset_cfg(const char *preset, const char **sets) {
    gt_config *cfg = gt_config_new();
    char buf[64];
    snprintf(buf, sizeof buf, "model.preset=%s", preset);
    gt_config_set_arg(cfg, buf);
    for (int i = 0; sets && sets[i]; i++) GT_ASSERTF(gt_config_set_arg(cfg, sets[i]) == 0, "%s", gt_error());
    gt_preset_apply(cfg);
    return cfg;
}

/* runs `iters` iterations of a preset on small images; fills the last stats */
static int run_preset(const char *preset, const char **sets, int C, int H, int classes, int iters,
                      gt_stats *last, float *g_first) {
    gt_config *cfg = preset_cfg(preset, sets);
    gt_rng rng;
    gt_rng_seed(&rng, 3);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){C, H, H}, classes, &rng);
    if (!m) {
        gt_test_fail(__FILE__, __LINE__, "%s: %s", preset, gt_error());
        return 1;
    }
    img_src src = {.B = (int)gt_cfg_int(cfg, "train", "batch_size"), .C = C, .H = H, .classes = classes};
    gt_rng_seed(&src.rng, 9);
    gt_trainer t;
    int rc = gt_trainer_init(&t, cfg, m, 11, image_batch_64, &src);
    for (int i = 0; !rc && i < iters; i++) rc = gt_trainer_iteration(&t, last);
    if (rc) gt_test_fail(__FILE__, __LINE__, "%s: %s", preset, gt_error());
    if (g_first) *g_first = m->g->data[0];
    gt_trainer_free(&t);
    gt_gan_free(m);
    gt_config_free(cfg);
    return rc;
}

GT_TEST(train_every_preset_runs) {
    struct {
        const char *preset;
        const char *sets[8];
        int C, H, classes;
    } cases[] = {
        {"gan", {"model.g_hidden=16,32", "model.d_hidden=32,16", "train.batch_size=8", NULL}, 1, 28, 0},
        {"cgan", {"model.g_hidden=16,32", "model.d_hidden=32,32,32", "train.batch_size=8", NULL}, 1, 32, 10},
        {"dcgan", {"model.g_width=16", "model.d_width=4", "train.batch_size=8", NULL}, 1, 32, 0},
        {"wgan", {"model.g_hidden=16,32", "model.d_hidden=32,16", "train.batch_size=8", NULL}, 1, 28, 0},
        {"wgan_gp", {"model.g_hidden=16,32", "model.d_hidden=32,16", "train.batch_size=8", NULL}, 1, 28, 0},
        {"began", {"model.g_width=16", "model.d_width=4", "train.batch_size=8", NULL}, 1, 32, 0},
        {"dcgan64", {"model.g_width=4", "model.d_width=4", "train.batch_size=4", NULL}, 3, 64, 0},
        {"began64", {"model.g_width=8", "model.d_width=8", "train.batch_size=4", NULL}, 3, 32, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gt_stats st;
        if (run_preset(cases[i].preset, cases[i].sets, cases[i].C, cases[i].H, cases[i].classes, 3, &st, NULL))
            return;
        CHECKF(isfinite(st.d_loss) && isfinite(st.g_loss), "%s: d_loss %g g_loss %g", cases[i].preset,
               st.d_loss, st.g_loss);
        if (!strcmp(cases[i].preset, "wgan_gp")) CHECK(isfinite(st.gp) && st.gp >= 0 && isfinite(st.wdist));
        if (!strncmp(cases[i].preset, "began", 5))
            CHECK(st.kt >= 0 && st.kt <= 1 && isfinite(st.m_global) && st.m_global > 0);
        if (!strcmp(cases[i].preset, "gan")) CHECK(st.d_real > 0 && st.d_real < 1);
    }
}

GT_TEST(train_deterministic) {
    const char *sets[] = {"model.g_width=8", "model.d_width=4", "train.batch_size=6", NULL};
    gt_stats a, b;
    float ga, gb;
    if (run_preset("dcgan", sets, 1, 32, 0, 4, &a, &ga) || run_preset("dcgan", sets, 1, 32, 0, 4, &b, &gb)) return;
    CHECK(memcmp(&a, &b, sizeof a) == 0 && ga == gb);
}

/* A tiny GAN learns a 2-D Gaussian at (1.5, -0.5) with std 0.3. */
typedef struct gauss {
    gt_rng rng;
    int B;
} gauss;

static int gauss_batch(void *ud, int off, int count, float *x, float *labels) {
    gauss *g = ud;
    (void)labels;
    (void)off;
    for (int i = 0; i < count; i++) {
        x[2 * i] = 1.5f + 0.3f * gt_rng_normal(&g->rng);
        x[2 * i + 1] = -0.5f + 0.3f * gt_rng_normal(&g->rng);
    }
    return GT_OK;
}

/* GAN training oscillates around the target on such a problem, so the
 * moments are averaged over the second half of the run. */
GT_TEST(train_learns_a_gaussian) {
    const char *sets[] = {"model.g_hidden=32,32", "model.d_hidden=32,32", "model.g_batchnorm=false",
                          "model.z_dim=4", "train.batch_size=64", "optim.lr=5e-4", NULL};
    gt_config *cfg = preset_cfg("gan", sets);
    gt_rng rng;
    gt_rng_seed(&rng, 5);
    gt_gan *m = gt_gan_new(cfg, 1, (int[]){2}, 0, &rng);
    CHECKF(m, "%s", gt_error());
    gauss src = {.B = 64};
    gt_rng_seed(&src.rng, 6);
    gt_trainer t;
    CHECK(gt_trainer_init(&t, cfg, m, 7, gauss_batch, &src) == 0);
    gt_stats st;
    gt_ctx *c = gt_ctx_new(0);
    double mx = 0, my = 0, sx = 0, sy = 0;
    int looks = 0;
    for (int i = 1; i <= 2000; i++) {
        CHECKF(gt_trainer_iteration(&t, &st) == 0, "%s", gt_error());
        if (i <= 1000 || i % 50) continue;
        gt_tensor *z = gt_gan_noise(c, m, 500, &rng);
        gt_set_grad_enabled(c, 0);
        gt_tensor *x = gt_gan_generate(c, m, z, NULL, GT_MODE_EVAL);
        double ax = 0, ay = 0, vx = 0, vy = 0;
        for (int k = 0; k < 500; k++) ax += x->data[2 * k], ay += x->data[2 * k + 1];
        ax /= 500, ay /= 500;
        for (int k = 0; k < 500; k++)
            vx += pow(x->data[2 * k] - ax, 2), vy += pow(x->data[2 * k + 1] - ay, 2);
        mx += ax, my += ay, sx += sqrt(vx / 500), sy += sqrt(vy / 500);
        looks++;
        gt_ctx_reset(c);
    }
    mx /= looks, my /= looks, sx /= looks, sy /= looks;
    CHECKF(fabs(mx - 1.5) < 0.12 && fabs(my + 0.5) < 0.12, "mean (%.3f, %.3f), want (1.5, -0.5)", mx, my);
    CHECKF(sx > 0.15 && sx < 0.45 && sy > 0.15 && sy < 0.45, "std (%.3f, %.3f), want 0.3", sx, sy);
    /* at equilibrium D cannot tell: D(x) near 1/2 */
    CHECKF(fabs(st.d_real - 0.5) < 0.1, "D(x) = %.3f", st.d_real);
    gt_ctx_free(c);
    gt_trainer_free(&t);
    gt_gan_free(m);
    gt_config_free(cfg);
}

GT_TEST(train_wgan_clips_weights) {
    const char *sets[] = {"model.g_hidden=16", "model.d_hidden=16", "train.batch_size=8", "train.clip=0.02", NULL};
    gt_config *cfg = preset_cfg("wgan", sets);
    gt_rng rng;
    gt_rng_seed(&rng, 5);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 0, &rng);
    img_src src = {.B = 8, .C = 1, .H = 28};
    gt_rng_seed(&src.rng, 1);
    gt_trainer t;
    CHECK(gt_trainer_init(&t, cfg, m, 1, image_batch_64, &src) == 0);
    gt_stats st;
    CHECK(gt_trainer_iteration(&t, &st) == 0);
    CHECK(t.batches == 5); /* five critic steps, each on its own real batch */
    for (int64_t i = 0; i < m->d->n_values; i++) CHECK(fabsf(m->d->data[i]) <= 0.02f);
    gt_trainer_free(&t);
    gt_gan_free(m);
    gt_config_free(cfg);
}

static int nan_batch(void *ud, int off, int count, float *x, float *labels) {
    img_src *s = ud;
    image_batch(ud, off, count, x, labels);
    x[0] = NAN;
    (void)s;
    return GT_OK;
}

GT_TEST(train_nan_stops_with_figures) {
    const char *sets[] = {"model.g_hidden=16", "model.d_hidden=16", "train.batch_size=4", NULL};
    gt_config *cfg = preset_cfg("gan", sets);
    gt_rng rng;
    gt_rng_seed(&rng, 5);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 0, &rng);
    img_src src = {.B = 4, .C = 1, .H = 28};
    gt_rng_seed(&src.rng, 1);
    gt_trainer t;
    CHECK(gt_trainer_init(&t, cfg, m, 1, nan_batch, &src) == 0);
    gt_stats st;
    CHECK(gt_trainer_iteration(&t, &st) != 0);
    CHECKF(strstr(gt_error(), "diverged at step 1") && strstr(gt_error(), "d_loss = nan"), "%s", gt_error());
    gt_trainer_free(&t);
    gt_gan_free(m);
    gt_config_free(cfg);
}

GT_TEST(train_objective_arch_mismatch) {
    gt_config *cfg = preset_cfg("dcgan", (const char *[]){"model.objective=began", NULL});
    gt_rng rng;
    gt_rng_seed(&rng, 5);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){1, 32, 32}, 0, &rng);
    gt_trainer t;
    CHECK(gt_trainer_init(&t, cfg, m, 1, image_batch_64, NULL) == GT_ERR_USAGE);
    CHECK(strstr(gt_error(), "autoencoder") != NULL);
    gt_gan_free(m);
    gt_config_free(cfg);
}
