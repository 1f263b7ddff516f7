/* test_models.c — every architecture equals a PyTorch model written like
 * its reference implementation (scripts/make-model-fixtures.py), given the
 * same weights (copied in state_dict order, shapes checked on the way):
 * G(z) and D(x) in training mode, the running statistics after that step,
 * and G in eval mode afterwards.  Also presets and config errors. */
#include <string.h>

#include "gantrain/config.h"
#include "gantrain/error.h"
#include "gantrain/models.h"
#include "test.h"

static gt_fixture *fx;

static int copy_weights(gt_params *p, const char *name, const char *tag) {
    int k = 0;
    for (int i = 0; i < p->n; i++, k++) {
        gt_tensor *src = gt_fixture_getf(fx, "%s.%s.%d", name, tag, k);
        if (!src || src->n != p->t[i]->n) {
            gt_test_fail(__FILE__, __LINE__, "%s: %s tensor %d (%s %s) vs torch %s", name, tag, k,
                         p->t[i]->name, GT_SHAPE_STR(p->t[i]), src ? GT_SHAPE_STR(src) : "missing");
            return 0;
        }
        gt_tensor_copy(p->t[i], src);
    }
    if (gt_fixture_getf(fx, "%s.%s.%d", name, tag, k)) {
        gt_test_fail(__FILE__, __LINE__, "%s: torch has more %s tensors than gantrain (%d)", name, tag, k);
        return 0;
    }
    return 1;
}

static void check_arch(const char *name, const char *sets[], int C, int H, int classes) {
    if (!fx) fx = gt_fixture_load(gt_test_path("fixtures/models.gtf"));
    if (!fx) return;
    gt_config *cfg = gt_config_new();
    char buf[128];
    snprintf(buf, sizeof buf, "model.preset=%s", name);
    CHECK(gt_config_set_arg(cfg, buf) == 0);
    for (int i = 0; sets[i]; i++) CHECKF(gt_config_set_arg(cfg, sets[i]) == 0, "%s", gt_error());
    CHECK(gt_preset_apply(cfg) == 0);
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){C, H, H}, classes, &rng);
    CHECKF(m, "%s: %s", name, gt_error());
    if (!copy_weights(m->g, name, "g") || !copy_weights(m->d, name, "d")) return;

    gt_ctx *c = gt_ctx_new(0);
    gt_tensor *z = gt_fixture_getf(fx, "%s.z", name), *x = gt_fixture_getf(fx, "%s.x", name);
    gt_tensor *lab = gt_fixture_getf(fx, "%s.labels", name);
    gt_tensor *zz = gt_from_data(c, z->data, z->ndim, z->shape);
    gt_tensor *xx = gt_from_data(c, x->data, x->ndim, x->shape);
    gt_tensor *ll = lab ? gt_from_data(c, lab->data, lab->ndim, lab->shape) : NULL;
    gt_tensor *gz = gt_gan_generate(c, m, zz, ll, GT_MODE_TRAIN);
    gt_tensor *dx = gt_gan_discriminate(c, m, xx, ll, GT_MODE_TRAIN);
    gt_tensor *ref = gt_fixture_getf(fx, "%s.gz", name);
    CHECKF(gz->n == ref->n, "%s: G(z) is %s, torch %s", name, GT_SHAPE_STR(gz), GT_SHAPE_STR(ref));
    CHECK_TENSOR(gz, ref, 1e-4, "G(z), training mode");
    ref = gt_fixture_getf(fx, "%s.dx", name);
    CHECKF(dx->n == ref->n, "%s: D(x) is %s, torch %s", name, GT_SHAPE_STR(dx), GT_SHAPE_STR(ref));
    CHECK_TENSOR(dx, ref, 1e-4, "D(x), training mode");
    /* running statistics updated as torch's */
    gt_params *blocks[2] = {m->g, m->d};
    const char *tags[2] = {"g_after", "d_after"};
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < blocks[b]->n; i++) {
            gt_tensor *r = gt_fixture_getf(fx, "%s.%s.%d", name, tags[b], i);
            if (!r) continue;
            CHECK_TENSOR(blocks[b]->t[i], r, 1e-5, blocks[b]->t[i]->name);
        }
    gt_tensor *gze = gt_gan_generate(c, m, zz, ll, GT_MODE_EVAL);
    CHECK_TENSOR(gze, gt_fixture_getf(fx, "%s.gz_eval", name), 1e-4, "G(z), eval mode");
    gt_ctx_free(c);
    gt_gan_free(m);
    gt_config_free(cfg);
}

GT_TEST(model_gan_mlp_matches_torch) {
    const char *s[] = {"model.g_hidden=8,16,16,12", "model.d_hidden=12,16", "model.z_dim=20", NULL};
    check_arch("gan", s, 1, 28, 0);
}

GT_TEST(model_cgan_mlp_matches_torch) {
    const char *s[] = {"model.g_hidden=8,16,16,12", "model.d_hidden=12,16,16", "model.z_dim=20",
                       "model.d_dropout=0", NULL};
    check_arch("cgan", s, 1, 32, 10);
}

GT_TEST(model_dcgan32_matches_torch) {
    const char *s[] = {"model.g_width=8", "model.d_width=4", "model.z_dim=16", "model.d_dropout=0", NULL};
    check_arch("dcgan", s, 1, 32, 0);
}

GT_TEST(model_began32_matches_torch) {
    const char *s[] = {"model.g_width=8", "model.d_width=4", "model.h_dim=6", "model.z_dim=12", NULL};
    check_arch("began", s, 1, 32, 0);
}

GT_TEST(model_dcgan64_matches_torch) {
    const char *s[] = {"model.g_width=4", "model.d_width=4", "model.z_dim=16", NULL};
    check_arch("dcgan64", s, 3, 64, 0);
}

GT_TEST(model_began64_matches_torch) {
    const char *s[] = {"model.g_width=8", "model.d_width=8", "model.h_dim=16", "model.z_dim=16",
                       "data.image_size=32", NULL};
    check_arch("began64", s, 3, 32, 0);
}

/* Full-size presets: parameter counts equal the reference networks'. */
static long count(const gt_params *p) { return (long)p->n_values; }

GT_TEST(model_preset_parameter_counts) {
    struct {
        const char *preset;
        int C, H, classes;
        long g, d; /* torch: sum(p.numel() for p in net.parameters()) */
    } cases[] = {
        /* PyTorch-GAN gan.py on 1x28x28 */
        {"gan", 1, 28, 0, 1510032, 533505},
        /* PyTorch-GAN cgan.py on 1x32x32, 10 classes */
        {"cgan", 1, 32, 10, 1757412, 1055845},
        /* PyTorch-GAN dcgan.py on 1x32x32 */
        {"dcgan", 1, 32, 0, 1049985, 98113},
        /* PyTorch-GAN began.py on 1x32x32 (latent 62) */
        {"began", 1, 32, 0, 738689, 1099041},
        /* PyTorch DCGAN example, nz 100, ngf = ndf = 64, 3x64x64 */
        {"dcgan64", 3, 64, 0, 3576704, 2765568},
        /* BEGAN-tensorflow, 128 channels, z = h = 64, 3x64x64 */
        {"began64", 3, 64, 0, 1716611, 13405379},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gt_config *cfg = gt_config_new();
        char buf[64];
        snprintf(buf, sizeof buf, "model.preset=%s", cases[i].preset);
        CHECK(gt_config_set_arg(cfg, buf) == 0 && gt_preset_apply(cfg) == 0);
        gt_rng rng;
        gt_rng_seed(&rng, 1);
        gt_gan *m = gt_gan_new(cfg, 3, (int[]){cases[i].C, cases[i].H, cases[i].H}, cases[i].classes, &rng);
        CHECKF(m, "%s", gt_error());
        CHECKF(count(m->g) == cases[i].g && count(m->d) == cases[i].d, "%s: G %ld D %ld, torch G %ld D %ld",
               cases[i].preset, count(m->g), count(m->d), cases[i].g, cases[i].d);
        gt_gan_free(m);
        gt_config_free(cfg);
    }
}

GT_TEST(model_config_errors) {
    gt_config *cfg = gt_config_new();
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    CHECK(gt_config_set_arg(cfg, "model.preset=dcgan") == 0 && gt_preset_apply(cfg) == 0);
    /* dcgan32 on 28x28 images: refused with the reason and the fix */
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 10, &rng);
    CHECK(m == NULL && strstr(gt_error(), "multiple of 16") && strstr(gt_error(), "data.image_size"));
    /* a conditional model without labels */
    CHECK(gt_config_set_arg(cfg, "model.arch=cgan-mlp") == 0);
    m = gt_gan_new(cfg, 3, (int[]){1, 32, 32}, 0, &rng);
    CHECK(m == NULL && strstr(gt_error(), "no labels"));
    CHECK(gt_config_set_arg(cfg, "model.arch=mlp") == 0 && gt_config_set_arg(cfg, "model.g_hidden=12,x") == 0);
    m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 0, &rng);
    CHECK(m == NULL && strstr(gt_error(), "model.g_hidden"));
    gt_config_free(cfg);
}

/* A preset fills what the config leaves unset, nothing more. */
GT_TEST(model_preset_precedence) {
    gt_config *cfg = gt_config_new();
    CHECK(gt_config_set_arg(cfg, "model.preset=wgan_gp") == 0 && gt_config_set_arg(cfg, "optim.lr=3e-4") == 0);
    CHECK(gt_preset_apply(cfg) == 0);
    CHECK_NEAR(gt_cfg_float(cfg, "optim", "lr"), 3e-4, 1e-12);
    CHECK_NEAR(gt_cfg_float(cfg, "optim", "beta2"), 0.9, 1e-12);
    CHECK(gt_cfg_int(cfg, "train", "n_critic") == 5 && !strcmp(gt_cfg_str(cfg, "model", "objective"), "wgan-gp"));
    CHECK(strstr(gt_cfg_where(cfg, "optim", "beta2"), "preset wgan_gp") != NULL);
    gt_config_free(cfg);
}
