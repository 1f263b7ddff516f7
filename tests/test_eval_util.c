/* test_eval_util.c — the helpers declared in test_eval.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/ckpt.h"
#include "gantrain/config.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/models.h"
#include "gantrain/rng.h"
#include "test.h"
#include "test_data.h"
#include "test_eval.h"

static void shapes(uint8_t *pix, uint8_t *lab, int n, int size, gt_rng *r) {
    int h = size / 2;
    for (int i = 0; i < n; i++) {
        int k = i % 3;
        uint8_t *p = pix + (size_t)i * size * size;
        for (int j = 0; j < size * size; j++) p[j] = (uint8_t)gt_rng_below(r, 60);
        int y0 = k == 2 ? h : 0, x0 = k == 1 ? h : 0;
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + h; x++) p[y * size + x] = (uint8_t)(180 + gt_rng_below(r, 76));
        lab[i] = (uint8_t)k;
    }
}

void te_shapes(const char *dir, int n_train, int n_test, int size, uint64_t seed) {
    gt_rng r;
    gt_rng_seed(&r, seed);
    int n = n_train > n_test ? n_train : n_test;
    uint8_t *pix = malloc((size_t)n * size * size), *lab = malloc((size_t)n);
    shapes(pix, lab, n_train, size, &r);
    td_idx(dir, "train", n_train, size, size, pix, lab, 0);
    shapes(pix, lab, n_test, size, &r);
    td_idx(dir, "t10k", n_test, size, size, pix, lab, 0);
    free(pix);
    free(lab);
}

const char *te_ini(const char *name, const char *fmt, ...) {
    static char buf[4][1200];
    static int k;
    char *out = buf[k++ & 3];
    snprintf(out, sizeof buf[0], "%s", td_path(name));
    FILE *f = fopen(out, "w");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    return out;
}

const char *te_classifier(const char *name, int size, int fc_dim, uint64_t seed) {
    gt_classifier_spec s = {1, size, size, 3, 4, fc_dim, 0.2f};
    gt_rng r;
    gt_rng_seed(&r, seed);
    gt_classifier *m = gt_classifier_new(&s, &r);
    snprintf(m->dataset, sizeof m->dataset, "mnist");
    static char buf[4][1200];
    static int k;
    char *path = buf[k++ & 3];
    snprintf(path, sizeof buf[0], "%s", td_path(name));
    if (gt_classifier_save(m, path, "", 0.5, 1, 1)) gt_test_fail(__FILE__, __LINE__, "%s", gt_error());
    gt_classifier_free(m);
    return path;
}

const char *te_gan_run(const char *name, int size, const char *data_dir) {
    static char dir[1200];
    snprintf(dir, sizeof dir, "%s", td_path(name));
    char text[2048];
    snprintf(text, sizeof text,
             "[model]\npreset = gan\ng_hidden = 16,16\nd_hidden = 16\n"
             "[data]\ndataset = mnist\npath = %s\n[train]\nbatch_size = 8\n",
             td_path(data_dir));
    gt_config *cfg = gt_config_new();
    if (gt_config_load_string(cfg, text, "te_gan_run") || gt_preset_apply(cfg)) {
        gt_test_fail(__FILE__, __LINE__, "%s", gt_error());
        return dir;
    }
    gt_rng r;
    gt_rng_seed(&r, 5);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){1, size, size}, 3, &r);
    char *ini = gt_config_to_ini(cfg);
    gt_ckpt_writer *w = gt_ckpt_writer_new(ini);
    free(ini);
    gt_ckpt_put_i64(w, "step", 7);
    gt_ckpt_put_i64(w, "n_classes", 3);
    gt_ckpt_put_i64(w, "data_ndim", 3);
    gt_ckpt_put_i64(w, "data_shape0", 1);
    gt_ckpt_put_i64(w, "data_shape1", size);
    gt_ckpt_put_i64(w, "data_shape2", size);
    gt_ckpt_put_str(w, "arch", m->arch->name);
    gt_ckpt_add_params(w, m->g);
    gt_ckpt_add_params(w, m->d);
    char p[1300];
    snprintf(p, sizeof p, "%s/ckpt", dir);
    gt_mkdirs(p);
    snprintf(p, sizeof p, "%s/ckpt/step_0000007.gtck", dir);
    if (gt_ckpt_write(w, p)) gt_test_fail(__FILE__, __LINE__, "%s", gt_error());
    snprintf(p, sizeof p, "%s/ckpt/last", dir);
    unlink(p);
    if (symlink("step_0000007.gtck", p)) gt_test_fail(__FILE__, __LINE__, "symlink %s", p);
    gt_ckpt_writer_free(w);
    gt_gan_free(m);
    gt_config_free(cfg);
    return dir;
}
