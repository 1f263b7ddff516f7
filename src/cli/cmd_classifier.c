/* cmd_classifier.c — `gantrain classifier CONFIG.ini [--out FILE] [--epochs N]
 * [--set section.key=value ...]`: trains the feature network of
 * `gantrain eval --features classifier` on the config's dataset, reports its
 * test accuracy overall and per class, and writes it as a checkpoint. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gantrain/classifier.h"
#include "gantrain/cli.h"
#include "gantrain/config.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/run.h"

/* the accuracy the issue asks of a classifier used for evaluation */
static double target_for(const char *dataset) {
    if (!strcmp(dataset, "mnist")) return 0.99;
    if (!strcmp(dataset, "fashion-mnist")) return 0.92;
    if (!strcmp(dataset, "cifar10")) return 0.85;
    return 0;
}

static int ensure_parent(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return GT_OK;
    *slash = 0;
    return gt_mkdirs(dir);
}

int gt_cmd_classifier(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *out = NULL, *sets[64];
    int n_sets = 0;
    long epochs = 0;
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        if (!value && a.i < a.argc) value = a.argv[a.i++];
        if (!value) return gt_cli_error(GT_EXIT_USAGE, "classifier: --%s needs a value", name);
        if (!strcmp(name, "out")) {
            out = value;
        } else if (!strcmp(name, "epochs")) {
            if (!gt_parse_int(value, 1, 100000, &epochs))
                return gt_cli_error(GT_EXIT_USAGE, "classifier: --epochs wants a count, got '%s'", value);
        } else if (!strcmp(name, "set")) {
            if (n_sets == 64) return gt_cli_error(GT_EXIT_USAGE, "classifier: too many --set options");
            sets[n_sets++] = value;
        } else {
            return gt_cli_error(GT_EXIT_USAGE, "classifier: unknown option --%s", name);
        }
    }
    if (a.n_pos != 1) return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain classifier CONFIG.ini [options]");
    gt_config *cfg = gt_config_new();
    int rc = gt_run_load_config(cfg, a.pos[0], sets, n_sets);
    if (!rc && epochs) {
        char b[64];
        snprintf(b, sizeof b, "eval.classifier_epochs=%ld", epochs);
        rc = gt_config_set_arg(cfg, b);
    }
    if (rc) {
        gt_config_free(cfg);
        return gt_cli_error(GT_EXIT_USAGE, "%s", gt_error());
    }
    char path[4096];
    if (out)
        snprintf(path, sizeof path, "%s", out);
    else if (*gt_cfg_str(cfg, "eval", "classifier_out"))
        snprintf(path, sizeof path, "%s", gt_cfg_str(cfg, "eval", "classifier_out"));
    else
        gt_classifier_default_path(gt_cfg_str(cfg, "data", "dataset"), path, sizeof path);
    if (ensure_parent(path)) {
        gt_config_free(cfg);
        return gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
    }
    gt_classifier_report rep;
    rc = gt_classifier_train(cfg, path, stderr, &rep);
    if (rc) {
        gt_config_free(cfg);
        return gt_cli_error(rc == GT_ERR_USAGE ? GT_EXIT_USAGE : GT_EXIT_FAIL, "%s", gt_error());
    }
    /* read the file back: the per-class table comes from what was written */
    gt_classifier *m = gt_classifier_load(path);
    gt_config *tc = gt_config_clone(cfg);
    gt_config_set_arg(tc, "data.split=test");
    gt_dataset *test = m ? gt_dataset_open(tc) : NULL;
    int K = m ? m->spec.n_classes : 0;
    int64_t *ok = calloc((size_t)K + 1, sizeof *ok), *tot = calloc((size_t)K + 1, sizeof *tot);
    double acc = 0;
    if (!m || !test || gt_classifier_accuracy(m, test, 500, &acc, ok, tot)) {
        rc = gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
    } else {
        struct stat st;
        double mb = stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
        double target = target_for(m->dataset);
        printf("classifier   %s (%.1f MB): %s %dx%dx%d -> %d classes, %d features, %.1f s to train\n", path,
               mb, m->dataset, m->spec.in_c, m->spec.in_h, m->spec.in_w, K, m->spec.fc_dim, rep.seconds);
        printf("train acc    %.2f%% (last epoch, with dropout%s)\n", 100 * rep.train_accuracy,
               strcmp(gt_cfg_str(cfg, "eval", "classifier_augment"), "none") ? " and augmentation" : "");
        printf("test acc     %.2f%% of %" PRId64 " test images", 100 * acc, gt_dataset_count(test));
        if (target > 0) printf(" (aim for evaluation: >= %.0f%%%s)", 100 * target, acc >= target ? ", met" : ", NOT met");
        printf("\n");
        for (int k = 0; k < K; k++)
            printf("  %2d  %-14s %6.2f%%  (%" PRId64 "/%" PRId64 ")\n", k, m->class_names ? m->class_names[k] : "",
                   tot[k] ? 100.0 * (double)ok[k] / (double)tot[k] : 0.0, ok[k], tot[k]);
    }
    free(ok);
    free(tot);
    gt_dataset_free(test);
    gt_classifier_free(m);
    gt_config_free(tc);
    gt_config_free(cfg);
    return rc;
}
