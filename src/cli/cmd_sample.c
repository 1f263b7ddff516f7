/* cmd_sample.c — `gantrain sample RUN_OR_CKPT [--n N] [--seed S] [--labels L,..]
 * [--out FILE.png | --dir DIR] [--interpolate R] [--nrow K] [--bn batch|running]`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/cli.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"
#include "gantrain/sample.h"

int gt_cmd_sample(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *out = NULL, *dir = NULL, *labels_arg = NULL;
    long n = 64, nrow = 0, interp = 0, seed = 1, batch = 0;
    gt_mode mode = GT_MODE_SAMPLE;
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        if (!value && a.i < a.argc) value = a.argv[a.i++];
        if (!value) return gt_cli_error(GT_EXIT_USAGE, "sample: --%s needs a value", name);
        if (!strcmp(name, "n")) {
            if (!gt_parse_int(value, 1, 10000000, &n)) return gt_cli_error(GT_EXIT_USAGE, "sample: --n wants a count, got '%s'", value);
        } else if (!strcmp(name, "seed")) {
            if (!gt_parse_int(value, 0, LONG_MAX, &seed)) return gt_cli_error(GT_EXIT_USAGE, "sample: --seed wants a non-negative integer, got '%s'", value);
        } else if (!strcmp(name, "nrow")) {
            if (!gt_parse_int(value, 1, 10000, &nrow)) return gt_cli_error(GT_EXIT_USAGE, "sample: --nrow wants a count, got '%s'", value);
        } else if (!strcmp(name, "interpolate")) {
            if (!gt_parse_int(value, 1, 1000, &interp)) return gt_cli_error(GT_EXIT_USAGE, "sample: --interpolate wants a number of rows, got '%s'", value);
        } else if (!strcmp(name, "batch")) {
            if (!gt_parse_int(value, 1, 100000, &batch)) return gt_cli_error(GT_EXIT_USAGE, "sample: --batch wants a count, got '%s'", value);
        } else if (!strcmp(name, "out")) {
            out = value;
        } else if (!strcmp(name, "dir")) {
            dir = value;
        } else if (!strcmp(name, "labels")) {
            labels_arg = value;
        } else if (!strcmp(name, "bn")) {
            if (!strcmp(value, "batch")) mode = GT_MODE_SAMPLE;
            else if (!strcmp(value, "running")) mode = GT_MODE_EVAL;
            else return gt_cli_error(GT_EXIT_USAGE, "sample: --bn is batch or running, got '%s'", value);
        } else {
            return gt_cli_error(GT_EXIT_USAGE, "sample: unknown option --%s", name);
        }
    }
    if (a.n_pos != 1) return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain sample RUN_OR_CKPT [options]");
    if (out && dir) return gt_cli_error(GT_EXIT_USAGE, "sample: --out and --dir exclude each other");
    char pbuf[PATH_MAX];
    const char *path = gt_ckpt_resolve(a.pos[0], pbuf, sizeof pbuf);
    gt_rng rng;
    gt_rng_seed(&rng, 0);
    gt_config *cfg = NULL;
    gt_gan *m = gt_gan_load(path, 0, &cfg, &rng, NULL);
    if (!m) return gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());

    int labels[4096], n_labels = 0, rc = 0;
    if (labels_arg) {
        if (!m->arch->conditional) {
            rc = gt_cli_error(GT_EXIT_USAGE, "sample: --labels: %s is not a conditional model", path);
            goto done;
        }
        char **items;
        int k = gt_cfg_list(labels_arg, &items);
        for (int i = 0; i < k && n_labels < 4096; i++) {
            long v;
            if (!gt_parse_int(items[i], 0, 1000000, &v)) {
                rc = gt_cli_error(GT_EXIT_USAGE, "sample: --labels: '%s' is not a class index", items[i]);
                break;
            }
            labels[n_labels++] = (int)v;
        }
        gt_cfg_list_free(items, k);
        if (rc) goto done;
    }
    int grid_rows = (int)(nrow ? nrow : 8);
    if (m->arch->conditional && !labels_arg && !interp && !nrow) grid_rows = 8;
    gt_sample_opts o = {.n = (int)n, .seed = (uint64_t)seed, .nrow = grid_rows, .labels = labels,
                        .n_labels = n_labels, .interpolate = (int)interp, .mode = mode,
                        .batch = (int)(batch ? batch : gt_cfg_int(cfg, "train", "batch_size"))};
    if (m->arch->conditional && !labels_arg && !dir && !interp) o.n = m->n_classes * grid_rows; /* a row per class */
    gt_tensor *x;
    if ((rc = gt_sample_generate(m, &o, &x))) {
        rc = gt_cli_error(rc == GT_ERR_USAGE ? GT_EXIT_USAGE : GT_EXIT_FAIL, "%s", gt_error());
        goto done;
    }
    if (dir) {
        if (gt_mkdirs(dir)) {
            rc = gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
        } else {
            int64_t per = x->n / x->shape[0];
            for (int i = 0; i < x->shape[0] && !rc; i++) {
                char p[PATH_MAX + 32];
                snprintf(p, sizeof p, "%s/%06d.png", dir, i);
                gt_tensor one = *x;
                one.shape[0] = 1;
                one.n = per;
                one.data = x->data + i * per;
                if (gt_grid_write(p, &one, 1, 0)) rc = gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
            }
            if (!rc) printf("%d images in %s\n", x->shape[0], dir);
        }
    } else {
        if (!out) out = "samples.png";
        int w = m->data_ndim == 1
                    ? gt_scatter_write(out, x->data, x->shape[0], NULL, 0, 512, 0)
                    : gt_grid_write(out, x, o.nrow, 2);
        if (w) rc = gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
        else printf("%s: %d %s\n", out, x->shape[0], m->data_ndim == 1 ? "points" : "images");
    }
    gt_tensor_free(x);
done:
    gt_gan_free(m);
    gt_config_free(cfg);
    return rc;
}
