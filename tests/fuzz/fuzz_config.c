/* fuzz_config.c — config text as `gantrain train` resolves it: inih and the
 * typed schema, presets, the resolved config written into every run and
 * checkpoint (which must load back to the same values), the model builders
 * for three data shapes, and for models small enough the memory plan with
 * G's and D's forward passes (gt_run_plan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gantrain/config.h"
#include "gantrain/error.h"
#include "gantrain/models.h"
#include "gantrain/run.h"

/* Every key has the same value in a and b. */
static void same_values(const gt_config *a, const gt_config *b) {
    int n;
    const gt_cfg_key *k = gt_cfg_schema(&n);
    for (int i = 0; i < n; i++) {
        const char *s = k[i].section, *name = k[i].name;
        int same = 1;
        switch (k[i].type) {
        case GT_CFG_INT: same = gt_cfg_int(a, s, name) == gt_cfg_int(b, s, name); break;
        case GT_CFG_FLOAT: same = gt_cfg_float(a, s, name) == gt_cfg_float(b, s, name); break;
        case GT_CFG_BOOL: same = gt_cfg_bool(a, s, name) == gt_cfg_bool(b, s, name); break;
        default: same = !strcmp(gt_cfg_str(a, s, name), gt_cfg_str(b, s, name)); break;
        }
        if (!same) {
            fprintf(stderr, "fuzz: %s.%s changed when the resolved config was loaded back\n", s, name);
            abort();
        }
    }
}

GT_FUZZ_TARGET(config) {
    gt_fuzz_setup();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    gt_config *cfg = gt_config_new();
    gt_error_clear();
    int rc = gt_config_load_string(cfg, text, "fuzz.ini");
    if (!rc) rc = gt_preset_apply(cfg);
    gt_fuzz_check_error(rc, "fuzz.ini|preset");
    free(text);
    if (rc) {
        gt_config_free(cfg);
        return 0;
    }
    /* the resolved config loads back to the same values */
    char *ini = gt_config_to_ini(cfg);
    gt_config *back = gt_config_new();
    gt_error_clear();
    rc = gt_config_load_string(back, ini, "resolved.ini");
    if (rc) {
        fprintf(stderr, "fuzz: the resolved config does not load back: %s\n", gt_error());
        abort();
    }
    same_values(cfg, back);
    gt_config_free(back);
    free(ini);

    /* the model for grey 28x28 (10 classes), RGB 32x32 and 2-D points */
    static const int shapes[3][3] = {{1, 28, 28}, {3, 32, 32}, {2, 0, 0}};
    static const int ndims[3] = {3, 3, 1}, classes[3] = {10, 10, 0};
    for (int i = 0; i < 3; i++) {
        gt_error_clear();
        gt_gan *m = gt_gan_declare(cfg, ndims[i], shapes[i], classes[i]);
        gt_fuzz_check_error(!m, "model.|data.");
        if (!m) continue;
        int64_t bytes = gt_gan_param_bytes(m);
        gt_gan_free(m);
        /* small enough to build and run quickly */
        if (bytes > (4 << 20)) continue;
        gt_rng rng;
        gt_rng_seed(&rng, 1);
        gt_error_clear();
        m = gt_gan_new(cfg, ndims[i], shapes[i], classes[i], &rng);
        gt_fuzz_check_error(!m, "model.|data.");
        if (!m) continue;
        gt_mem_plan plan;
        gt_error_clear();
        gt_fuzz_check_error(gt_run_plan(cfg, m, 1e6, &plan), "train.|model.");
        gt_gan_free(m);
    }
    gt_config_free(cfg);
    return 0;
}
