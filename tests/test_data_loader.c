/* test_data_loader.c — the loader (every sample once per epoch, a new order
 * each epoch, the same order for the same seed, exact resumption, drop_last)
 * and the toy2d distributions' shapes, seeded. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "test.h"
#include "test_data.h"

static char ini[4096];

static const char *cfg_text(const char *fmt) {
    const char *tmp = gt_test_tmpdir();
    size_t k = 0;
    for (const char *s = fmt; *s && k + 600 < sizeof ini; s++) {
        if (*s == '@')
            k += (size_t)snprintf(ini + k, sizeof ini - k, "%s", tmp);
        else
            ini[k++] = *s;
    }
    ini[k] = 0;
    return ini;
}

/* An MNIST-style dataset of n 1x1 images whose pixel is the sample index
 * (mod 256) and label index % 10. */
static gt_dataset *tiny(int n) {
    uint8_t *pix = malloc((size_t)n), *lab = malloc((size_t)n);
    for (int i = 0; i < n; i++) pix[i] = (uint8_t)i, lab[i] = (uint8_t)(i % 10);
    td_idx("t", "train", n, 1, 1, pix, lab, 0);
    free(pix);
    free(lab);
    return td_open(cfg_text("[data]\ndataset = mnist\npath = @/t\n"));
}

GT_TEST(data_loader_epochs_cover_everything) {
    gt_dataset *ds = tiny(100);
    CHECK(ds);
    gt_loader ld;
    CHECK(gt_loader_init(&ld, ds, 10, 7, 1) == 0);
    CHECK(gt_loader_batches_per_epoch(&ld) == 10);
    int64_t first[3][100];
    float x[10], lab[10];
    int64_t idx[10];
    for (int e = 0; e < 3; e++) {
        int seen[100] = {0};
        CHECK(ld.epoch == e && ld.pos == 0);
        for (int b = 0; b < 10; b++) {
            gt_loader_next(&ld, x, lab, idx);
            for (int k = 0; k < 10; k++) {
                CHECK(idx[k] >= 0 && idx[k] < 100);
                seen[idx[k]]++;
                first[e][b * 10 + k] = idx[k];
                /* the batch holds those samples: pixel = index, label = index % 10 */
                CHECK(x[k] == gt_data_pixel_float((uint8_t)idx[k]) && lab[k] == (float)(idx[k] % 10));
            }
        }
        for (int i = 0; i < 100; i++) CHECK(seen[i] == 1);
    }
    /* different orders in different epochs, and not the identity */
    CHECK(memcmp(first[0], first[1], sizeof first[0]) && memcmp(first[1], first[2], sizeof first[0]));
    int ident = 1;
    for (int i = 0; i < 100; i++) ident &= first[0][i] == i;
    CHECK(!ident);
    gt_loader_free(&ld);
    /* the same seed gives the same orders; another seed others */
    gt_loader l2, l3;
    CHECK(gt_loader_init(&l2, ds, 10, 7, 1) == 0 && gt_loader_init(&l3, ds, 10, 8, 1) == 0);
    int64_t a[100], c[100];
    for (int b = 0; b < 10; b++) {
        gt_loader_next(&l2, x, NULL, a + b * 10);
        gt_loader_next(&l3, x, NULL, c + b * 10);
    }
    CHECK(!memcmp(a, first[0], sizeof a) && memcmp(c, first[0], sizeof c));
    gt_loader_free(&l2);
    gt_loader_free(&l3);
    /* shuffle off: 0, 1, 2, ... every epoch */
    CHECK(gt_loader_init(&l2, ds, 30, 7, 0) == 0);
    for (int e = 0; e < 2; e++)
        for (int b = 0; b < 3; b++) {
            int64_t i30[30];
            float x30[30];
            gt_loader_next(&l2, x30, NULL, i30);
            for (int k = 0; k < 30; k++) CHECK(i30[k] == b * 30 + k);
        }
    CHECK(l2.epoch == 2);
    gt_loader_free(&l2);
    gt_loader_free(&l2); /* idempotent */
    gt_dataset_free(ds);
}

GT_TEST(data_pixel_conversion_every_byte) {
    gt_dataset *ds = tiny(256);
    CHECK(ds);
    int64_t idx[256];
    float x[256];
    for (int i = 0; i < 256; i++) idx[i] = i;
    gt_dataset_fill(ds, idx, 256, x, NULL);
    for (int v = 0; v < 256; v++) CHECK(x[v] == (float)(v / 127.5 - 1.0) && x[v] == gt_data_pixel_float((uint8_t)v));
    CHECK(x[0] == -1.0f && x[255] == 1.0f);
    gt_dataset_free(ds);
}

GT_TEST(data_loader_drop_last_and_resume) {
    gt_dataset *ds = tiny(23);
    CHECK(ds);
    gt_loader ld;
    /* 23 samples, batches of 5: 4 per epoch, 3 dropped (a different 3 each epoch) */
    CHECK(gt_loader_init(&ld, ds, 5, 42, 1) == 0 && gt_loader_batches_per_epoch(&ld) == 4);
    float x[5];
    int64_t run[40][5];
    for (int s = 0; s < 40; s++) gt_loader_next(&ld, x, NULL, run[s]);
    CHECK(ld.epoch == 10 && ld.pos == 0);
    int dropped_differs = 0, prev_missing = -1;
    for (int e = 0; e < 10; e++) {
        int seen[23] = {0};
        for (int b = 0; b < 4; b++)
            for (int k = 0; k < 5; k++) seen[run[e * 4 + b][k]]++;
        int missing = 0, first_missing = -1;
        for (int i = 0; i < 23; i++) {
            CHECK(seen[i] <= 1);
            if (!seen[i]) missing++, first_missing = first_missing < 0 ? i : first_missing;
        }
        CHECK(missing == 3);
        if (prev_missing >= 0 && first_missing != prev_missing) dropped_differs = 1;
        prev_missing = first_missing;
    }
    CHECK(dropped_differs);
    gt_loader_free(&ld);
    /* resume mid-epoch from a saved state: the same next batches */
    CHECK(gt_loader_init(&ld, ds, 5, 42, 1) == 0);
    for (int s = 0; s < 14; s++) gt_loader_next(&ld, x, NULL, NULL);
    gt_loader_state st = gt_loader_get_state(&ld);
    CHECK(st.epoch == 3 && st.pos == 10);
    gt_loader_free(&ld);
    gt_loader r;
    CHECK(gt_loader_init(&r, ds, 5, 42, 1) == 0 && gt_loader_restore(&r, &st) == 0);
    for (int s = 14; s < 40; s++) {
        int64_t i5[5];
        gt_loader_next(&r, x, NULL, i5);
        CHECK(!memcmp(i5, run[s], sizeof i5));
    }
    gt_loader_free(&r);
    /* a state that cannot be continued is refused, with the reason */
    CHECK(gt_loader_init(&r, ds, 4, 42, 1) == 0);
    CHECK(gt_loader_restore(&r, &st) == GT_ERR && strstr(gt_error(), "train.batch_size differs"));
    gt_loader_free(&r);
    CHECK(gt_loader_init(&r, ds, 5, 43, 1) == 0);
    CHECK(gt_loader_restore(&r, &st) == GT_ERR && strstr(gt_error(), "the seed differs"));
    gt_loader_free(&r);
    gt_loader_state bad = st;
    bad.count = 24;
    CHECK(gt_loader_init(&r, ds, 5, 42, 1) == 0);
    CHECK(gt_loader_restore(&r, &bad) == GT_ERR && strstr(gt_error(), "the dataset's size differs"));
    bad = st;
    bad.pos = 3;
    CHECK(gt_loader_restore(&r, &bad) == GT_ERR && strstr(gt_error(), "not the start of a batch"));
    gt_loader_free(&r);
    /* more samples per batch than the dataset holds */
    CHECK(gt_loader_init(&r, ds, 24, 1, 1) == GT_ERR && strstr(gt_error(), "23 samples, fewer than one batch of 24"));
    gt_dataset_free(ds);
}

static gt_dataset *toy(const char *name, int n, int seed) {
    char text[512];
    snprintf(text, sizeof text, "[data]\ndataset = toy2d\ntoy = %s\ntoy_n = %d\n[train]\nseed = %d\n", name, n, seed);
    return td_open(text);
}

GT_TEST(data_toy2d_shapes) {
    const int N = 20000;
    /* 8gaussians: every point within 0.1 of one of 8 centres of radius 2/1.414, each ~1/8 */
    gt_dataset *ds = toy("8gaussians", N, 1);
    CHECK(ds && gt_dataset_count(ds) == N && gt_dataset_sample_size(ds) == 2 && gt_dataset_channels(ds) == 0);
    int shape[4];
    CHECK(gt_dataset_batch_shape(ds, 16, shape) == 2 && shape[0] == 16 && shape[1] == 2);
    CHECK(!strcmp(gt_dataset_name(ds), "toy2d/8gaussians") && gt_dataset_n_classes(ds) == 0);
    const float *p = gt_dataset_points(ds);
    int cnt[8] = {0};
    for (int i = 0; i < N; i++) {
        int best = -1;
        for (int k = 0; k < 8; k++) {
            double cx = 2 * cos(k * M_PI / 4) / 1.414, cy = 2 * sin(k * M_PI / 4) / 1.414;
            if (hypot(p[2 * i] - cx, p[2 * i + 1] - cy) < 0.1) best = k;
        }
        CHECK(best >= 0);
        cnt[best]++;
    }
    for (int k = 0; k < 8; k++) CHECK(fabs(cnt[k] - N / 8.0) < 5 * sqrt(N / 8.0));
    /* the batch of the loader is these points */
    int64_t idx[2] = {5, 3};
    float x[4];
    gt_dataset_fill(ds, idx, 2, x, NULL);
    CHECK(x[0] == p[10] && x[1] == p[11] && x[2] == p[6]);
    gt_dataset_free(ds);

    /* 25gaussians: within 0.1 of a grid point (2i, 2j)/2.828 */
    ds = toy("25gaussians", N, 2);
    CHECK(ds);
    p = gt_dataset_points(ds);
    for (int i = 0; i < N; i++) {
        double gx = round(p[2 * i] * 2.828 / 2), gy = round(p[2 * i + 1] * 2.828 / 2);
        CHECK(fabs(gx) <= 2 && fabs(gy) <= 2 && hypot(p[2 * i] - gx * 2 / 2.828, p[2 * i + 1] - gy * 2 / 2.828) < 0.1);
    }
    gt_dataset_free(ds);

    /* sine: y - a sin(w pi x) in [-1/4, 1/4], x uniform on [-1, 1] */
    ds = toy("sine", N, 3);
    CHECK(ds);
    p = gt_dataset_points(ds);
    double mx = 0;
    for (int i = 0; i < N; i++) {
        CHECK(fabsf(p[2 * i]) <= 1.0f);
        CHECK(fabs(p[2 * i + 1] - 0.5 * sin(2 * M_PI * p[2 * i])) <= 0.25 + 1e-5);
        mx += p[2 * i];
    }
    CHECK(fabs(mx / N) < 0.03);
    gt_dataset_free(ds);

    /* circle: r uniform on [0, 1], so half the points within 1/2 (a uniform disc would have 1/4) */
    ds = toy("circle", N, 4);
    CHECK(ds);
    p = gt_dataset_points(ds);
    int inner = 0;
    for (int i = 0; i < N; i++) {
        double r = hypot(p[2 * i], p[2 * i + 1]);
        CHECK(r <= 1.0 + 1e-6);
        inner += r < 0.5;
    }
    CHECK(fabs(inner / (double)N - 0.5) < 0.02);
    gt_dataset_free(ds);

    /* wing: on the curve (u/2 cos 3 pi u, u/2 sin 3 pi u): |p| = |u|/2 determines u up to sign */
    ds = toy("wing", N, 5);
    CHECK(ds);
    p = gt_dataset_points(ds);
    for (int i = 0; i < N; i++) {
        double r = hypot(p[2 * i], p[2 * i + 1]);
        double best = 1e9;
        for (int s = -1; s <= 1; s += 2) {
            double u = s * 2 * r;
            best = fmin(best, hypot(p[2 * i] - u / 2 * cos(3 * M_PI * u), p[2 * i + 1] - u / 2 * sin(3 * M_PI * u)));
        }
        CHECK(r <= 0.5 + 1e-6 && best < 1e-4);
    }
    gt_dataset_free(ds);

    /* swissroll: radius from the origin grows with the angle travelled; all within 2.1 */
    ds = toy("swissroll", N, 6);
    CHECK(ds);
    p = gt_dataset_points(ds);
    double mean_r = 0;
    for (int i = 0; i < N; i++) {
        double r = hypot(p[2 * i], p[2 * i + 1]);
        CHECK(r < 2.1);
        mean_r += r / N;
    }
    /* t uniform on [1.5 pi, 4.5 pi]: E|t| / 7.5 = 3 pi / 7.5 ~ 1.257 */
    CHECK(fabs(mean_r - 3 * M_PI / 7.5) < 0.03);
    gt_dataset_free(ds);

    /* seeded: same seed, same points; another seed, others */
    gt_dataset *a = toy("swissroll", 100, 9), *b = toy("swissroll", 100, 9), *c = toy("swissroll", 100, 10);
    CHECK(a && b && c);
    CHECK(!memcmp(gt_dataset_points(a), gt_dataset_points(b), 200 * sizeof(float)));
    CHECK(memcmp(gt_dataset_points(a), gt_dataset_points(c), 200 * sizeof(float)));
    gt_dataset_free(a);
    gt_dataset_free(b);
    gt_dataset_free(c);
    TD_FAILS("[data]\ndataset = toy2d\nclasses = 1\n", "data.classes is set but toy2d has no classes", NULL);
}

GT_TEST(data_scatter_png) {
    float pts[6] = {0, 0, 1, 1, -1.5f, 0.5f};
    const char *path = td_path("s.png");
    CHECK(gt_scatter_write(path, pts, 3, pts, 1, 128, 0) == 0);
    uint8_t *d;
    size_t n = td_read("s.png", &d);
    CHECK(n > 8 && !memcmp(d + 1, "PNG", 3));
    free(d);
    CHECK(gt_scatter_write("/nonexistent/s.png", pts, 3, NULL, 0, 128, 2) == GT_ERR);
}
