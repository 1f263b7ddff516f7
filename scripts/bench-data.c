/* bench-data.c — loading-speed benchmark of the datasets (run by
 * scripts/bench-data.sh; not a test): Fashion-MNIST train from Debian's
 * gzip IDX files, and a 10000-image JPEG folder (178x218, like CelebA)
 * preprocessed to 64x64: decoded once, then from the cache; plus the
 * loader's batch rate.
 *   build/bench_data WORKDIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <stb/stb_image_write.h>

#include "gantrain/config.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static gt_config *cfg_of(const char *dir, const char *text) {
    char path[1200];
    snprintf(path, sizeof path, "%s/bench.ini", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench-data: cannot write %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    gt_config *c = gt_config_new();
    if (gt_config_load(c, path)) {
        fprintf(stderr, "bench-data: %s\n", gt_error());
        exit(1);
    }
    return c;
}

/* seconds to open the dataset of text (the dataset is freed) */
static double time_open(const char *dir, const char *text, int64_t *count) {
    gt_config *c = cfg_of(dir, text);
    double t0 = now_s();
    gt_dataset *ds = gt_dataset_open(c);
    double dt = now_s() - t0;
    if (!ds) {
        fprintf(stderr, "bench-data: %s\n", gt_error());
        exit(1);
    }
    *count = gt_dataset_count(ds);
    gt_dataset_free(ds);
    gt_config_free(c);
    return dt;
}

/* A face-sized picture that JPEG treats like a photo: smooth shading and a
 * few soft blobs, different for every image. */
static void make_jpegs(const char *dir, int n) {
    int w = 178, h = 218;
#pragma omp parallel for schedule(dynamic, 16)
    for (int i = 0; i < n; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%02d/%06d.jpg", dir, i % 100, i);
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size > 0) continue;
        unsigned char *p = malloc((size_t)w * h * 3);
        unsigned s = (unsigned)i * 2654435761u + 1;
        float cx = (float)(s % 100) / 100 * w, cy = (float)((s >> 8) % 100) / 100 * h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float d = sqrtf((x - cx) * (x - cx) + (y - cy) * (y - cy));
                for (int c = 0; c < 3; c++) {
                    float v = 60 + 100 * expf(-d / (30 + 10 * c)) + 0.4f * x + 0.3f * y * (c + 1) / 3 +
                              20 * sinf(x * 0.1f + (float)i + c) * cosf(y * 0.07f);
                    p[((size_t)y * w + x) * 3 + c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
            }
        stbi_write_jpg(path, w, h, 3, p, 90);
        free(p);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bench-data WORKDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char text[4096], jdir[1200];
    int64_t n = 0;
    if (gt_mkdirs(dir)) {
        fprintf(stderr, "bench-data: %s\n", gt_error());
        return 1;
    }

    if (gt_is_dir("/usr/share/datasets/fashion-mnist")) {
        double best = 1e9, sum = 0;
        for (int r = 0; r < 5; r++) {
            double t = time_open(dir, "[data]\ndataset = fashion-mnist\n", &n);
            best = t < best ? t : best;
            sum += t;
        }
        printf("fashion-mnist train (gzip IDX, %lld images): best %.3f s, mean %.3f s of 5 opens\n",
               (long long)n, best, sum / 5);
    } else {
        printf("fashion-mnist: /usr/share/datasets/fashion-mnist not installed, skipped\n");
    }

    snprintf(jdir, sizeof jdir, "%s/jpegs", dir);
    for (int k = 0; k < 100; k++) {
        char sub[1300];
        snprintf(sub, sizeof sub, "%s/%02d", jdir, k);
        gt_mkdirs(sub);
    }
    double t0 = now_s();
    make_jpegs(jdir, 10000);
    printf("10000 JPEGs 178x218 in %s (made or checked in %.1f s)\n", jdir, now_s() - t0);
    snprintf(text, sizeof text,
             "[data]\ndataset = folder\npath = %s\nimage_size = 64\ncenter_crop = 108\ncache = %s/cache\n",
             jdir, dir);
    char rm[1400];
    snprintf(rm, sizeof rm, "rm -rf '%s/cache'", dir);
    if (system(rm) != 0) return 1;
    double cold = time_open(dir, text, &n);
    printf("folder, first open (decode %lld JPEGs, crop 108, resize 64, write cache): %.3f s\n", (long long)n, cold);
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t = time_open(dir, text, &n);
        best = t < best ? t : best;
    }
    printf("folder, from cache (%lld images 64x64x3): best %.3f s of 5 opens\n", (long long)n, best);

    /* the loader: an epoch of batches of 64, as floats */
    gt_config *c = cfg_of(dir, text);
    gt_dataset *ds = gt_dataset_open(c);
    gt_loader ld;
    if (!ds || gt_loader_init(&ld, ds, 64, 1, 1)) return 1;
    float *x = malloc((size_t)64 * gt_dataset_sample_size(ds) * sizeof *x);
    int64_t nb = gt_loader_batches_per_epoch(&ld);
    t0 = now_s();
    for (int64_t b = 0; b < nb; b++) gt_loader_next(&ld, x, NULL, NULL);
    double dt = now_s() - t0;
    printf("loader: %lld batches [64, 3, 64, 64] in %.3f s (%.2f ms per batch)\n", (long long)nb, dt, dt * 1e3 / nb);
    free(x);
    gt_loader_free(&ld);
    gt_dataset_free(ds);
    gt_config_free(c);
    return 0;
}
