/* fuzz_ckpt.c — the checkpoint reader, as `gantrain info`, `sample` and
 * `train --resume` use it: open (header, index, ranges), every typed getter,
 * every tensor's CRC, the info printout, and the model rebuilt from the
 * config stored in the file (what `gantrain sample` does). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "gantrain/ckpt.h"
#include "gantrain/error.h"
#include "gantrain/models.h"

GT_FUZZ_TARGET(ckpt) {
    gt_fuzz_setup();
    char path[1024];
    snprintf(path, sizeof path, "%s", gt_fuzz_file("fuzz.gtck", data, size));
    gt_error_clear();
    gt_ckpt *ck = gt_ckpt_open(path);
    gt_fuzz_check_error(!ck, path);
    if (ck) {
        for (int i = 0; i < gt_ckpt_n_meta(ck); i++) {
            const gt_ckpt_meta *m = gt_ckpt_meta_at(ck, i);
            int64_t iv;
            double fv;
            const char *sv;
            unsigned char blob[64];
            gt_rng r;
            gt_error_clear();
            gt_fuzz_check_error(gt_ckpt_get_i64(ck, m->key, &iv), path);
            gt_error_clear();
            gt_fuzz_check_error(gt_ckpt_get_f64(ck, m->key, &fv), path);
            gt_error_clear();
            gt_fuzz_check_error(gt_ckpt_get_str(ck, m->key, &sv), path);
            gt_error_clear();
            gt_fuzz_check_error(gt_ckpt_get_blob(ck, m->key, blob, m->len < sizeof blob ? m->len : sizeof blob), path);
            gt_error_clear();
            gt_fuzz_check_error(gt_ckpt_get_rng(ck, m->key, &r), path);
        }
        for (int i = 0; i < gt_ckpt_n_tensors(ck); i++) {
            gt_error_clear();
            gt_fuzz_check_error(gt_ckpt_check(ck, i), path);
            const gt_ckpt_tensor *t = gt_ckpt_tensor_at(ck, i);
            if (t->numel <= (1 << 16)) {
                float *buf = malloc((size_t)(t->numel ? t->numel : 1) * sizeof(float));
                gt_error_clear();
                gt_fuzz_check_error(gt_ckpt_read(ck, t->name, t->ndim, t->shape, buf), path);
                free(buf);
            }
        }
        gt_ckpt_close(ck);
        FILE *devnull = fopen("/dev/null", "w");
        gt_error_clear();
        gt_fuzz_check_error(gt_ckpt_print_info(devnull, path), path);
        fclose(devnull);
    }
    /* the model a checkpoint describes, with G's and D's weights */
    gt_config *cfg = NULL;
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    int64_t step;
    gt_error_clear();
    gt_gan *m = gt_gan_load(path, 1, &cfg, &rng, &step);
    gt_fuzz_check_error(!m, path);
    gt_gan_free(m);
    gt_config_free(cfg);
    return 0;
}
