/* gan.c — building a G/D pair from the config, the shared layer helpers
 * (init schemes, mode-aware batch norm and dropout), and noise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/sysmem.h"
#include "internal.h"

static const gt_arch *const archs[] = {&gt_arch_mlp,     &gt_arch_cgan_mlp, &gt_arch_dcgan32,
                                       &gt_arch_dcgan64, &gt_arch_began32,  &gt_arch_began64};

int gt_m_init_kind(const gt_config *cfg) {
    const char *s = gt_cfg_str(cfg, "model", "init");
    if (!strcmp(s, "dcgan")) return INIT_DCGAN;
    if (!strcmp(s, "xavier")) return INIT_XAVIER;
    return INIT_TORCH;
}

static void xavier(gt_params *p, gt_tensor *w, gt_tensor *b, int fan_in, int fan_out) {
    float bound = (float)sqrt(6.0 / (double)(fan_in + fan_out));
    gt_params_set_init(p, w, (gt_init){GT_INIT_UNIFORM, -bound, bound});
    if (b) gt_params_set_init(p, b, (gt_init){GT_INIT_ZEROS, 0, 0});
}

void gt_m_linear(gt_linear_layer *l, gt_params *p, const char *name, int in, int out, int bias,
                 int init) {
    gt_linear_layer_make(l, p, name, in, out, bias);
    if (init == INIT_XAVIER) xavier(p, l->w, l->b, in, out);
}

void gt_m_conv(gt_conv_layer *l, gt_params *p, const char *name, int in, int out, int k,
               int stride, int pad, int bias, int init) {
    gt_conv_layer_make(l, p, name, in, out, k, stride, pad, bias);
    if (init == INIT_DCGAN) gt_params_set_init(p, l->w, (gt_init){GT_INIT_NORMAL, 0.0f, 0.02f});
    if (init == INIT_XAVIER) xavier(p, l->w, l->b, in * k * k, out * k * k);
}

void gt_m_convt(gt_conv_layer *l, gt_params *p, const char *name, int in, int out, int k,
                int stride, int pad, int bias, int init) {
    gt_conv_transpose_layer_make(l, p, name, in, out, k, stride, pad, 0, bias);
    if (init == INIT_DCGAN) gt_params_set_init(p, l->w, (gt_init){GT_INIT_NORMAL, 0.0f, 0.02f});
    if (init == INIT_XAVIER) xavier(p, l->w, l->b, out * k * k, in * k * k);
}

void gt_m_bn(gt_batchnorm_layer *l, gt_params *p, const char *name, int ch, float eps,
             float momentum, int two_d, int init) {
    gt_batchnorm_layer_make(l, p, name, ch, eps, momentum);
    if (init == INIT_DCGAN && two_d) gt_params_set_init(p, l->gamma, (gt_init){GT_INIT_NORMAL, 1.0f, 0.02f});
}

gt_tensor *gt_m_bn_fwd(gt_ctx *c, const gt_batchnorm_layer *l, gt_tensor *x, gt_mode mode) {
    switch (mode) {
    case GT_MODE_TRAIN:
        return gt_batchnorm(c, x, l->gamma, l->beta, l->mean, l->var, l->momentum, l->eps, 1);
    case GT_MODE_SAMPLE:
        return gt_batchnorm(c, x, l->gamma, l->beta, NULL, NULL, l->momentum, l->eps, 1);
    default:
        return gt_batchnorm(c, x, l->gamma, l->beta, l->mean, l->var, l->momentum, l->eps, 0);
    }
}

gt_tensor *gt_m_dropout(gt_ctx *c, gt_gan *m, gt_tensor *x, float p, int channels, gt_mode mode) {
    if (p <= 0.0f || mode != GT_MODE_TRAIN) return x;
    int N = x->shape[0];
    if (m->dist_batch <= N && !m->draws)
        return channels ? gt_dropout2d(c, x, p, 1, m->rng) : gt_dropout(c, x, p, 1, m->rng);
    /* a rank's share of a distributed batch, or recorded masks: the whole
     * batch's mask, exactly as a single process draws it; this rank's rows */
    GT_ASSERTF(p < 1.0f, "dropout probability %g", (double)p);
    int64_t per = channels ? x->shape[1] : x->n / N;
    int64_t total = (int64_t)(m->dist_batch > N ? m->dist_batch : N) * per;
    float *all = gt_arena_alloc(gt_ctx_arena(c), sizeof(float) * (size_t)total), keep = 1.0f / (1.0f - p);
    if (m->draws) {
        m->draws->fill(m->draws->ud, GT_DRAW_KEEP, all, total);
        for (int64_t i = 0; i < total; i++) all[i] = all[i] != 0.0f ? keep : 0.0f;
    } else {
        for (int64_t i = 0; i < total; i++) all[i] = gt_rng_uniform(m->rng) < p ? 0.0f : keep;
    }
    int sh[4];
    int nd = channels ? 4 : x->ndim;
    for (int i = 0; i < nd; i++) sh[i] = channels && i >= 2 ? 1 : x->shape[i];
    gt_tensor *mask = gt_tensor_view_arena(gt_ctx_arena(c), all + (int64_t)m->dist_off * per, nd, sh);
    return gt_mul(c, x, mask);
}

int gt_m_widths(const gt_config *cfg, const char *key, int *w, int max) {
    char **items;
    int n = gt_cfg_list(gt_cfg_str(cfg, "model", key), &items);
    int ok = n > 0 && n <= max;
    for (int i = 0; ok && i < n; i++) {
        char *end;
        long v = strtol(items[i], &end, 10);
        if (*end || v < 1 || v > 1 << 20) ok = 0;
        else w[i] = (int)v;
    }
    gt_cfg_list_free(items, n);
    if (!ok)
        return gt_error_setc(GT_ERR_USAGE, "%s: model.%s must be 1 to %d comma-separated widths",
                             gt_cfg_where(cfg, "model", key), key, max),
               -1;
    return n;
}

/* The builders compute layer sizes as ints; the largest is a quarter of a
 * width times the image area (began32's encoder output), so keeping
 * width x H x W / 4 under 2^31 keeps every one of them exact. */
static int check_sizes(const gt_config *cfg, const gt_gan *m) {
    if (m->data_ndim != 3) return GT_OK;
    int64_t area = (int64_t)m->data_shape[1] * m->data_shape[2];
    static const char *keys[] = {"g_width", "d_width", "h_dim"};
    for (int i = 0; i < 3; i++) {
        long w = gt_cfg_int(cfg, "model", keys[i]);
        if (w * area / 4 > INT32_MAX)
            return gt_error_setc(GT_ERR_USAGE, "%s: model.%s = %ld with %dx%d images makes layers "
                                               "of more than 2^31 values per sample; lower it",
                                 gt_cfg_where(cfg, "model", keys[i]), keys[i], w, m->data_shape[2],
                                 m->data_shape[1]);
    }
    return GT_OK;
}

gt_gan *gt_gan_declare(const gt_config *cfg, int data_ndim, const int *data_shape, int n_classes) {
    const char *an = gt_cfg_str(cfg, "model", "arch");
    const gt_arch *arch = NULL;
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (!strcmp(archs[i]->name, an)) arch = archs[i];
    GT_ASSERTF(arch, "architecture '%s' in the schema but not built", an);
    gt_gan *m = gt_xcalloc(1, sizeof *m);
    m->arch = arch;
    m->g = gt_params_new("g");
    m->d = gt_params_new("d");
    m->z_dim = (int)gt_cfg_int(cfg, "model", "z_dim");
    m->z_uniform = !strcmp(gt_cfg_str(cfg, "model", "z_dist"), "uniform");
    long nc = gt_cfg_int(cfg, "model", "n_classes");
    m->n_classes = nc > 0 ? (int)nc : n_classes;
    m->data_ndim = data_ndim;
    for (int i = 0; i < data_ndim; i++) m->data_shape[i] = data_shape[i];
    if (arch->conditional && m->n_classes < 1) {
        gt_error_setc(GT_ERR_USAGE,
                      "model.arch = %s is conditional but the dataset has no labels "
                      "(set model.n_classes or use a labelled dataset)", an);
        gt_gan_free(m);
        return NULL;
    }
    if (check_sizes(cfg, m) || arch->build(m, cfg)) {
        gt_gan_free(m);
        return NULL;
    }
    return m;
}

int64_t gt_gan_param_bytes(const gt_gan *m) {
    /* values and buffers, and a gradient per value */
    return 4 * (2 * (m->g->n_values + m->d->n_values) + m->g->n_buffers + m->d->n_buffers);
}

gt_gan *gt_gan_new(const gt_config *cfg, int data_ndim, const int *data_shape, int n_classes,
                   gt_rng *rng) {
    gt_gan *m = gt_gan_declare(cfg, data_ndim, data_shape, n_classes);
    if (!m) return NULL;
    /* refused before the arrays exist: a config (or a checkpoint's config)
     * asking for more than the machine has is a config error */
    uint64_t need = (uint64_t)gt_gan_param_bytes(m), have = gt_mem_budget();
    if (need > have) {
        char b1[32], b2[32];
        gt_error_setc(GT_ERR_USAGE, "model.arch = %s: G and D have %lld parameters, which take %s "
                                    "with their gradients, more than the %s of %s; use smaller "
                                    "model widths (model.g_hidden, d_hidden, g_width, d_width)",
                      m->arch->name, (long long)(m->g->n_values + m->g->n_buffers + m->d->n_values + m->d->n_buffers),
                      gt_fmt_bytes((double)need, b1, sizeof b1), gt_fmt_bytes((double)have, b2, sizeof b2),
                      gt_mem_budget_source());
        gt_gan_free(m);
        return NULL;
    }
    gt_gan_seal(m, rng);
    return m;
}

void gt_gan_seal(gt_gan *m, gt_rng *rng) {
    m->rng = rng;
    gt_params_seal(m->g, rng);
    gt_params_seal(m->d, rng);
}

void gt_gan_free(gt_gan *m) {
    if (!m) return;
    gt_params_free(m->g);
    gt_params_free(m->d);
    free(m->impl);
    free(m);
}

gt_tensor *gt_gan_generate(gt_ctx *c, gt_gan *m, gt_tensor *z, gt_tensor *labels, gt_mode mode) {
    return m->arch->generate(c, m, z, labels, mode);
}

gt_tensor *gt_gan_discriminate(gt_ctx *c, gt_gan *m, gt_tensor *x, gt_tensor *labels, gt_mode mode) {
    return m->arch->discriminate(c, m, x, labels, mode);
}

gt_tensor *gt_gan_noise(gt_ctx *c, const gt_gan *m, int n, gt_rng *rng) {
    gt_tensor *z = gt_new(c, 2, (int[]){n, m->z_dim});
    if (m->z_uniform)
        gt_rng_fill_uniform(rng, z->data, z->n, -1.0f, 1.0f);
    else
        gt_rng_fill_normal(rng, z->data, z->n, 0.0f, 1.0f);
    return z;
}

int gt_gan_batch_shape(const gt_gan *m, int n, int *shape) {
    shape[0] = n;
    for (int i = 0; i < m->data_ndim; i++) shape[i + 1] = m->data_shape[i];
    return m->data_ndim + 1;
}
