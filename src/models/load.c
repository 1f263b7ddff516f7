/* load.c — a model rebuilt from a checkpoint: its stored config and data
 * shape give the architecture, its tensors the weights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/ckpt.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/models.h"

const char *gt_ckpt_resolve(const char *p, char *buf, size_t size) {
    if (gt_is_dir(p)) {
        snprintf(buf, size, "%s/ckpt/last", p);
        return buf;
    }
    return p;
}

gt_gan *gt_gan_load(const char *path, int with_d, gt_config **cfg_out, gt_rng *rng, int64_t *step) {
    gt_ckpt *ck = gt_ckpt_open(path);
    if (!ck) return NULL;
    gt_config *cfg = gt_config_new();
    gt_gan *m = NULL;
    int64_t nd = 0, shape[3] = {0}, nc = 0, st = 0;
    int rc = gt_config_load_string(cfg, gt_ckpt_config(ck), path);
    if (!rc) rc = gt_preset_apply(cfg);
    if (!rc) rc = gt_ckpt_get_i64(ck, "data_ndim", &nd);
    if (!rc && (nd < 1 || nd > 3)) rc = gt_error_set("%s: data_ndim %lld makes no sense", path, (long long)nd);
    for (int i = 0; !rc && i < nd; i++) {
        char k[32];
        snprintf(k, sizeof k, "data_shape%d", i);
        rc = gt_ckpt_get_i64(ck, k, &shape[i]);
    }
    if (!rc) rc = gt_ckpt_get_i64(ck, "n_classes", &nc);
    if (!rc) rc = gt_ckpt_get_i64(ck, "step", &st);
    if (!rc) {
        int s[3] = {(int)shape[0], (int)shape[1], (int)shape[2]};
        m = gt_gan_new(cfg, (int)nd, s, (int)nc, rng);
        if (!m) rc = GT_ERR;
    }
    if (!rc) rc = gt_ckpt_load_params(ck, m->g);
    if (!rc && with_d) rc = gt_ckpt_load_params(ck, m->d);
    gt_ckpt_close(ck);
    if (rc) {
        gt_gan_free(m);
        gt_config_free(cfg);
        return NULL;
    }
    if (step) *step = st;
    *cfg_out = cfg;
    return m;
}
