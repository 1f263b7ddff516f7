/* presets.c — named defaults: each preset is a list of key = value pairs
 * applied under whatever the config sets itself.  The values follow the
 * reference implementation each preset is named after (see the comments). */
#include <stdio.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/models.h"

typedef struct kv {
    const char *key, *value; /* key as section.name */
} kv;

typedef struct preset {
    const char *name;
    const kv *kvs;
} preset;

/* PyTorch-GAN's G uses BatchNorm1d(out, 0.8) (0.8 lands in eps), so its
 * batch norm is far softer than textbook; the presets keep 0.8 so that runs
 * reproduce the reference.  model.bn_eps = 1e-5 gives textbook batch norm. */

static const kv gan[] = {
    /* PyTorch-GAN gan.py */
    {"model.arch", "mlp"}, {"model.objective", "ns"}, {"model.z_dim", "100"},
    {"model.g_hidden", "128,256,512,1024"}, {"model.d_hidden", "512,256"},
    {"model.g_batchnorm", "true"}, {"model.bn_eps", "0.8"}, {"model.leaky_slope", "0.2"},
    {"data.image_size", "28"}, {"train.batch_size", "64"}, {"train.n_critic", "1"},
    {"optim.optimizer", "adam"}, {"optim.lr", "2e-4"}, {"optim.beta1", "0.5"}, {"optim.beta2", "0.999"},
    {NULL, NULL}};

static const kv cgan[] = {
    /* PyTorch-GAN cgan.py: least-squares loss on a score without sigmoid */
    {"model.arch", "cgan-mlp"}, {"model.objective", "ls"}, {"model.z_dim", "100"},
    {"model.g_hidden", "128,256,512,1024"}, {"model.d_hidden", "512,512,512"},
    {"model.g_batchnorm", "true"}, {"model.bn_eps", "0.8"}, {"model.embed_dim", "10"},
    {"model.d_dropout", "0.4"}, {"data.image_size", "32"}, {"train.batch_size", "64"},
    {"optim.optimizer", "adam"}, {"optim.lr", "2e-4"}, {"optim.beta1", "0.5"}, {"optim.beta2", "0.999"},
    {NULL, NULL}};

static const kv dcgan[] = {
    /* PyTorch-GAN dcgan.py */
    {"model.arch", "dcgan32"}, {"model.objective", "ns"}, {"model.z_dim", "100"},
    {"model.g_width", "128"}, {"model.d_width", "16"}, {"model.d_dropout", "0.25"},
    {"model.bn_eps", "0.8"}, {"model.init", "dcgan"}, {"data.image_size", "32"},
    {"train.batch_size", "64"}, {"optim.optimizer", "adam"}, {"optim.lr", "2e-4"},
    {"optim.beta1", "0.5"}, {"optim.beta2", "0.999"}, {NULL, NULL}};

static const kv wgan[] = {
    /* PyTorch-GAN wgan.py: gan's MLPs, critic without sigmoid */
    {"model.arch", "mlp"}, {"model.objective", "wgan"}, {"model.z_dim", "100"},
    {"model.g_hidden", "128,256,512,1024"}, {"model.d_hidden", "512,256"},
    {"model.bn_eps", "0.8"}, {"data.image_size", "28"}, {"train.batch_size", "64"},
    {"train.n_critic", "5"}, {"train.clip", "0.01"}, {"optim.optimizer", "rmsprop"},
    {"optim.lr", "5e-5"}, {NULL, NULL}};

static const kv wgan_gp[] = {
    /* Gulrajani et al.: Adam 1e-4 (0, 0.9), lambda 10, 5 critic steps; the
     * networks of wgan (the critic has no batch norm) */
    {"model.arch", "mlp"}, {"model.objective", "wgan-gp"}, {"model.z_dim", "100"},
    {"model.g_hidden", "128,256,512,1024"}, {"model.d_hidden", "512,256"},
    {"model.bn_eps", "0.8"}, {"data.image_size", "28"}, {"train.batch_size", "64"},
    {"train.n_critic", "5"}, {"train.gp_lambda", "10"}, {"optim.optimizer", "adam"},
    {"optim.lr", "1e-4"}, {"optim.beta1", "0"}, {"optim.beta2", "0.9"}, {NULL, NULL}};

static const kv began[] = {
    /* PyTorch-GAN began.py */
    {"model.arch", "began32"}, {"model.objective", "began"}, {"model.z_dim", "62"},
    {"model.g_width", "128"}, {"model.d_width", "64"}, {"model.h_dim", "32"},
    {"model.bn_eps", "0.8"}, {"model.init", "dcgan"}, {"data.image_size", "32"},
    {"train.batch_size", "64"}, {"train.began_gamma", "0.75"}, {"train.began_lambda_k", "0.001"},
    {"optim.optimizer", "adam"}, {"optim.lr", "2e-4"}, {"optim.beta1", "0.5"},
    {"optim.beta2", "0.999"}, {NULL, NULL}};

static const kv dcgan64[] = {
    /* Radford et al. / the PyTorch DCGAN example: 64x64, batch 128 */
    {"model.arch", "dcgan64"}, {"model.objective", "ns"}, {"model.z_dim", "100"},
    {"model.g_width", "64"}, {"model.d_width", "64"}, {"model.bn_eps", "1e-5"},
    {"model.init", "dcgan"}, {"data.image_size", "64"}, {"train.batch_size", "128"},
    {"optim.optimizer", "adam"}, {"optim.lr", "2e-4"}, {"optim.beta1", "0.5"},
    {"optim.beta2", "0.999"}, {NULL, NULL}};

static const kv began64[] = {
    /* BEGAN paper as BEGAN-tensorflow: 128 channels, z 64 ~ U(-1,1), batch 16,
     * lr 8e-5 halved every lr_update_step down to 2e-5, gamma 0.5,
     * TensorFlow's Glorot-uniform init */
    {"model.arch", "began64"}, {"model.objective", "began"}, {"model.z_dim", "64"},
    {"model.z_dist", "uniform"}, {"model.h_dim", "64"}, {"model.g_width", "128"},
    {"model.d_width", "128"}, {"model.init", "xavier"}, {"data.image_size", "64"},
    {"train.batch_size", "16"}, {"train.began_gamma", "0.5"}, {"train.began_lambda_k", "0.001"},
    {"train.lr_update_step", "100000"}, {"train.lr_decay", "0.5"}, {"train.lr_min", "2e-5"},
    {"optim.optimizer", "adam"}, {"optim.lr", "8e-5"}, {"optim.beta1", "0.5"},
    {"optim.beta2", "0.999"}, {NULL, NULL}};

static const preset presets[] = {
    {"gan", gan},     {"cgan", cgan},   {"dcgan", dcgan},     {"wgan", wgan},
    {"wgan_gp", wgan_gp}, {"began", began}, {"dcgan64", dcgan64}, {"began64", began64},
};

static const preset *find(const char *name) {
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(presets[i].name, name)) return &presets[i];
    return NULL;
}

int gt_preset_apply(gt_config *cfg) {
    const char *name = gt_cfg_str(cfg, "model", "preset");
    if (!strcmp(name, "none")) return GT_OK;
    const preset *p = find(name);
    GT_ASSERTF(p, "preset '%s' allowed by the schema but not defined", name);
    char origin[64];
    snprintf(origin, sizeof origin, "preset %s", name);
    for (const kv *k = p->kvs; k->key; k++) {
        char sec[32];
        const char *dot = strchr(k->key, '.');
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - k->key), k->key);
        int rc = gt_config_set(cfg, sec, dot + 1, k->value, GT_ORIGIN_PRESET, origin);
        GT_ASSERTF(rc == GT_OK, "preset %s: %s", name, gt_error());
    }
    return GT_OK;
}

const char *gt_preset_describe(const char *name) {
    static char buf[2048];
    const preset *p = find(name);
    if (!p) return NULL;
    size_t o = 0;
    for (const kv *k = p->kvs; k->key && o < sizeof buf; k++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s = %s\n", k->key, k->value);
    return buf;
}
