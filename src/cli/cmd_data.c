/* cmd_data.c — `gantrain data CONFIG.ini [--grid FILE.png]`: opens the
 * dataset exactly as training would and reports what the loader feeds the
 * model (files read, count, shapes, pixel statistics as floats, classes),
 * optionally with a picture of the first samples after preprocessing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gantrain/cli.h"
#include "gantrain/config.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* min, max, mean, std of the floats the loader produces, from a byte
 * histogram (exact: every pixel goes through gt_data_pixel_float). */
static void pixel_stats(const gt_dataset *ds) {
    const uint8_t *pix = gt_dataset_pixels(ds);
    int64_t n = gt_dataset_count(ds);
    int C = gt_dataset_channels(ds);
    int64_t plane = (int64_t)gt_dataset_height(ds) * gt_dataset_width(ds);
    int64_t (*hist)[256] = calloc((size_t)C, sizeof *hist);
    for (int64_t i = 0; i < n; i++)
        for (int c = 0; c < C; c++) {
            const uint8_t *p = pix + (i * C + c) * plane;
            int64_t *h = hist[c];
            for (int64_t j = 0; j < plane; j++) h[p[j]]++;
        }
    double sum = 0, sq = 0, cmean[3] = {0};
    int lo = 255, hi = 0;
    int64_t total = n * C * plane;
    for (int c = 0; c < C; c++)
        for (int v = 0; v < 256; v++) {
            if (!hist[c][v]) continue;
            double f = gt_data_pixel_float((uint8_t)v), k = (double)hist[c][v];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            sum += f * k, sq += f * f * k;
            if (c < 3) cmean[c] += f * k / (double)(n * plane);
        }
    double mean = sum / (double)total, var = sq / (double)total - mean * mean;
    printf("pixels       min %.4g  max %.4g  mean %.4f  std %.4f  (as fed, over %lld values)\n",
           gt_data_pixel_float((uint8_t)lo), gt_data_pixel_float((uint8_t)hi), mean,
           sqrt(var > 0 ? var : 0), (long long)total);
    if (C == 3) printf("             channel means  R %.4f  G %.4f  B %.4f\n", cmean[0], cmean[1], cmean[2]);
    free(hist);
}

static void point_stats(const gt_dataset *ds) {
    const float *p = gt_dataset_points(ds);
    int64_t n = gt_dataset_count(ds);
    for (int d = 0; d < 2; d++) {
        double lo = INFINITY, hi = -INFINITY, s = 0, sq = 0;
        for (int64_t i = 0; i < n; i++) {
            double v = p[2 * i + d];
            lo = v < lo ? v : lo, hi = v > hi ? v : hi, s += v, sq += v * v;
        }
        double mean = s / (double)n, var = sq / (double)n - mean * mean;
        printf("%s            min %.4f  max %.4f  mean %.4f  std %.4f\n", d ? "y" : "x", lo, hi, mean,
               sqrt(var > 0 ? var : 0));
    }
}

static void class_counts(const gt_dataset *ds) {
    int K = gt_dataset_n_classes(ds);
    if (K == 0) {
        printf("classes      none (unlabelled: conditional models cannot use this dataset)\n");
        return;
    }
    int64_t *cnt = calloc((size_t)K, sizeof *cnt);
    for (int64_t i = 0; i < gt_dataset_count(ds); i++) cnt[gt_dataset_label(ds, i)]++;
    printf("classes      %d (labels 0..%d, fed as floats)\n", K, K - 1);
    for (int k = 0; k < K; k++) printf("  %4d  %-20s %lld\n", k, gt_dataset_class_name(ds, k), (long long)cnt[k]);
    free(cnt);
}

/* The first n samples, or with by_class the first nrow of every class
 * (one row each; missing ones black). */
static int write_grid(const gt_dataset *ds, const char *path, int n, int nrow, int by_class) {
    int64_t count = gt_dataset_count(ds);
    int K = gt_dataset_n_classes(ds);
    if (by_class && K == 0) return gt_error_set("--by-class: %s has no classes", gt_dataset_name(ds));
    int rows = by_class ? (K < 100 ? K : 100) : 0;
    int m = by_class ? rows * nrow : (int)(n < count ? n : count);
    int64_t *idx = malloc((size_t)m * sizeof *idx);
    char *have = calloc((size_t)m, 1);
    if (by_class) {
        int *filled = calloc((size_t)rows, sizeof *filled);
        for (int64_t i = 0; i < count; i++) {
            int k = gt_dataset_label(ds, i);
            if (k < rows && filled[k] < nrow) {
                idx[k * nrow + filled[k]] = i;
                have[k * nrow + filled[k]++] = 1;
            }
        }
        for (int j = 0; j < m; j++)
            if (!have[j]) idx[j] = 0;
        free(filled);
    } else {
        for (int j = 0; j < m; j++) idx[j] = j, have[j] = 1;
    }
    int shape[4];
    gt_dataset_batch_shape(ds, m, shape);
    gt_tensor *t = gt_tensor_new(4, shape);
    gt_dataset_fill(ds, idx, m, t->data, NULL);
    int64_t sz = gt_dataset_sample_size(ds);
    for (int j = 0; j < m; j++)
        if (!have[j])
            for (int64_t q = 0; q < sz; q++) t->data[j * sz + q] = -1.0f;
    int w, h, c;
    /* grey padding separates black-background images (MNIST) and dark ones alike */
    uint8_t *pix = gt_grid_pixels(t, nrow, 2, 128, &w, &h, &c);
    int rc = gt_png_write(path, pix, w, h, c);
    free(pix);
    gt_tensor_free(t);
    free(idx);
    free(have);
    if (!rc)
        printf("grid         %s: %s, %d per row, %dx%d pixels\n", path,
               by_class ? "the first images of each class, one class per row" : "the first samples in dataset order",
               nrow, w, h);
    return rc;
}

int gt_cmd_data(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *grid = NULL, *sets[64];
    int n_sets = 0, by_class = 0;
    long n = 0, nrow = 8;
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        int needs = !strcmp(name, "grid") || !strcmp(name, "set") || !strcmp(name, "n") || !strcmp(name, "nrow");
        if (needs && !value && a.i < a.argc) value = a.argv[a.i++];
        if (needs && !value) return gt_cli_error(GT_EXIT_USAGE, "data: --%s needs a value", name);
        if (!strcmp(name, "grid"))
            grid = value;
        else if (!strcmp(name, "set")) {
            if (n_sets == 64) return gt_cli_error(GT_EXIT_USAGE, "data: too many --set");
            sets[n_sets++] = value;
        } else if (!strcmp(name, "n")) {
            if (!gt_parse_int(value, 1, 100000, &n))
                return gt_cli_error(GT_EXIT_USAGE, "data: --n '%s' is not a count (1..100000)", value);
        } else if (!strcmp(name, "nrow")) {
            if (!gt_parse_int(value, 1, 1000, &nrow))
                return gt_cli_error(GT_EXIT_USAGE, "data: --nrow '%s' is not a count (1..1000)", value);
        } else if (!strcmp(name, "by-class"))
            by_class = 1;
        else
            return gt_cli_error(GT_EXIT_USAGE, "data: unknown option --%s (see gantrain data --help)", name);
    }
    if (a.n_pos != 1) return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain data CONFIG.ini [--grid FILE.png]");
    gt_config *cfg = gt_config_new();
    int rc = gt_config_load(cfg, a.pos[0]);
    for (int i = 0; !rc && i < n_sets; i++) rc = gt_config_set_arg(cfg, sets[i]);
    if (rc) {
        gt_config_free(cfg);
        return gt_cli_error(rc, "%s", gt_error());
    }
    double t0 = now_s();
    gt_dataset *ds = gt_dataset_open(cfg);
    double dt = now_s() - t0;
    if (!ds) {
        gt_config_free(cfg);
        return gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
    }
    int toy = gt_dataset_kind(ds) == GT_DATA_TOY2D;
    printf("dataset      %s (split %s)\n", gt_dataset_name(ds), toy ? "-" : gt_cfg_str(cfg, "data", "split"));
    const char *d = gt_dataset_describe(ds);
    while (*d) {
        const char *nl = strchr(d, '\n');
        int len = nl ? (int)(nl - d) : (int)strlen(d);
        printf("             %.*s\n", len, d);
        d += len + (nl != NULL);
    }
    int64_t count = gt_dataset_count(ds);
    int B = (int)gt_cfg_int(cfg, "train", "batch_size"), shape[4];
    int nd = gt_dataset_batch_shape(ds, B, shape);
    printf("count        %lld\n", (long long)count);
    if (toy)
        printf("sample       [2] float\n");
    else
        printf("sample       [%d, %d, %d] (stored as bytes, fed as floats x/127.5 - 1)\n", shape[1], shape[2], shape[3]);
    char bs[80];
    if (nd == 4)
        snprintf(bs, sizeof bs, "[%d, %d, %d, %d]", B, shape[1], shape[2], shape[3]);
    else
        snprintf(bs, sizeof bs, "[%d, 2]", B);
    if (count >= B)
        printf("batch        %s (train.batch_size %d): %lld batches per epoch; the last %lld samples "
               "of each epoch's order are dropped (drop_last)\n",
               bs, B, (long long)(count / B), (long long)(count % B));
    else
        printf("batch        %s: train.batch_size %d exceeds the %lld samples; training would refuse it\n", bs, B,
               (long long)count);
    if (toy)
        point_stats(ds);
    else
        pixel_stats(ds);
    class_counts(ds);
    printf("loaded in    %.3f s\n", dt);
    rc = GT_OK;
    if (grid && strchr(grid, '/')) { /* the grid's directory, as a user would expect */
        char *dir = gt_xstrdup(grid);
        *strrchr(dir, '/') = 0;
        if (*dir) rc = gt_mkdirs(dir);
        free(dir);
    }
    if (grid && !rc) {
        if (toy) {
            int64_t m = n > 0 ? n : (count < 20000 ? count : 20000);
            rc = gt_scatter_write(grid, gt_dataset_points(ds), m < count ? m : count, NULL, 0, 512, 0);
            if (!rc) printf("grid         %s: scatter plot of the first %lld points\n", grid, (long long)(m < count ? m : count));
        } else {
            rc = write_grid(ds, grid, n > 0 ? (int)n : 64, (int)nrow, by_class);
        }
    }
    gt_dataset_free(ds);
    gt_config_free(cfg);
    if (rc) return gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
    return GT_EXIT_OK;
}
