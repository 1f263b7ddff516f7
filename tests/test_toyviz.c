/* test_toyviz.c — the toy 2-D visualiser: its colour key, ticks and text;
 * a frame drawn from made-up figures has each panel where it should be;
 * a toy2d run writes numbered frames and accuracy.csv, and a resumed run
 * draws exactly the frames of an uninterrupted one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/log.h"
#include "gantrain/run.h"
#include "gantrain/toyviz.h"
#include "test.h"

GT_TEST(toyviz_colour_key) {
    uint8_t c[3];
    gt_toyviz_colour(0.5, c);
    CHECK(c[0] == 255 && c[1] == 255 && c[2] == 255); /* unsure: white */
    gt_toyviz_colour(NAN, c);
    CHECK(c[0] == 255 && c[1] == 255 && c[2] == 255);
    gt_toyviz_colour(1, c);
    CHECK(c[2] > 150 && c[0] < 60); /* real: blue */
    uint8_t c2[3];
    gt_toyviz_colour(7, c2); /* clamped */
    CHECK(!memcmp(c, c2, 3));
    gt_toyviz_colour(0, c);
    CHECK(c[0] > 150 && c[2] < 60); /* fake: red */
    gt_toyviz_colour(-1, c2);
    CHECK(!memcmp(c, c2, 3));
    /* monotone between the ends: redness falls, blueness rises */
    uint8_t a[3], b[3];
    gt_toyviz_colour(0.1, a);
    gt_toyviz_colour(0.3, b);
    CHECK(a[1] < b[1] && a[2] < b[2]);
    gt_toyviz_colour(0.7, a);
    gt_toyviz_colour(0.9, b);
    CHECK(a[0] > b[0] && a[1] > b[1]);
}

GT_TEST(toyviz_ticks) {
    double t[16];
    int n = gt_toyviz_ticks(0, 1, 6, t);
    CHECK(n == 6);
    for (int i = 0; i < n; i++) CHECK_NEAR(t[i], 0.2 * i, 1e-12);
    n = gt_toyviz_ticks(-0.37, 2.1, 6, t);
    CHECK(n >= 3 && n <= 6);
    for (int i = 0; i < n; i++) CHECK(t[i] >= -0.37 && t[i] <= 2.1);
    CHECK_NEAR(t[1] - t[0], 0.5, 1e-12);
    n = gt_toyviz_ticks(0, 10000, 4, t); /* steps: 0, 5000, 10000 */
    CHECK(n == 3 && t[0] == 0 && t[2] == 10000);
    n = gt_toyviz_ticks(-3, 3, 5, t); /* -2, 0, 2: step 1 would need 7 */
    CHECK(n == 3 && t[0] == -2 && t[1] == 0);
    CHECK(t[0] >= -3 && t[n - 1] <= 3);
    CHECK(gt_toyviz_ticks(2, 2, 5, t) == 1 && t[0] == 2); /* no range: one tick */
    CHECK(gt_toyviz_ticks(0.69310, 0.69316, 6, t) >= 2);  /* tiny ranges still work */
}

GT_TEST(toyviz_text) {
    CHECK(gt_text_width("abc", 2) == 2 * gt_text_width("abc", 1));
    CHECK(gt_text_width("step 1000", 1) > gt_text_width("step", 1));
    int w = 80, h = 30;
    uint8_t *pix = calloc((size_t)w * h * 3, 1);
    memset(pix, 255, (size_t)w * h * 3);
    const uint8_t black[3] = {0, 0, 0};
    gt_text_draw(pix, w, h, 5, 5, 2, "Hi\xe9!", black); /* non-ASCII drawn as '?' */
    int ink = 0, outside = 0, tw = gt_text_width("Hi?!", 2);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (pix[3 * (y * w + x)] == 0) {
                ink++;
                outside += x < 5 || x >= 5 + tw || y < 5 || y >= 5 + 24;
            }
    CHECK(ink > 30 && outside == 0);
    /* off the canvas: clipped, no crash */
    gt_text_draw(pix, w, h, 70, 25, 3, "clipped", black);
    gt_text_draw(pix, w, h, -40, -9, 2, "x", black);
    free(pix);
}

/* one pixel's colour */
static const uint8_t *px(const uint8_t *pix, int w, int x, int y) { return pix + 3 * ((size_t)y * w + x); }

GT_TEST(toyviz_render_panels) {
    enum { G = 8 };
    float plane[G * G], latent[G * G];
    for (int i = 0; i < G * G; i++) {
        plane[i] = 1.0f;  /* D says real everywhere in the sample space */
        latent[i] = 0.0f; /* and fake of every G(z) */
    }
    float real[2 * 50], fake[2] = {100, 100}; /* the fake point is off the view */
    for (int i = 0; i < 50; i++) real[2 * i] = 0.5f, real[2 * i + 1] = 0.5f;
    double ls[3] = {0, 50, 100}, dl[3] = {1.4, 1.2, NAN}, gl[3] = {0.7, 0.9, 1.1};
    double as[1] = {100}, av[1] = {0.75};
    gt_toyviz_frame f = {.loss_step = ls, .d_loss = dl, .g_loss = gl, .n_loss = 3, .acc_step = as,
                         .acc = av, .n_acc = 1, .real = real, .fake = fake, .n_real = 50, .n_fake = 1,
                         .box = {-1, 1, -1, 1}, .d_latent = latent, .zbox = {-3, 3, -3, 3},
                         .d_plane = plane, .g = G};
    snprintf(f.title, sizeof f.title, "toy2d/test   step 100");
    int w, h;
    uint8_t *pix = gt_toyviz_render(&f, &w, &h);
    CHECK(pix && w == 1000 && h > 900);
    /* layout: 2 x 2 cells of 500 x 450 under a 40-pixel header; plot areas
     * start 100 px right and 34 px below a cell's corner */
    uint8_t blue[3], red[3];
    gt_toyviz_colour(1, blue);
    gt_toyviz_colour(0, red);
    const uint8_t *p = px(pix, w, 500 + 100 + 170, 40 + 450 + 34 + 200); /* bottom right: D(x) */
    CHECK(!memcmp(p, blue, 3));
    p = px(pix, w, 100 + 170, 40 + 450 + 34 + 300); /* bottom left: D(G(z)) */
    CHECK(!memcmp(p, red, 3));
    /* top right: the real points at (0.5, 0.5), three quarters across and a
     * quarter down the 340-pixel square */
    p = px(pix, w, 500 + 100 + 254, 40 + 34 + 85);
    CHECK(p[2] > p[0] + 60);
    /* the title is drawn in the header */
    int ink = 0;
    for (int x = 0; x < 300; x++)
        for (int y = 0; y < 36; y++) ink += px(pix, w, x, y)[0] < 100;
    CHECK(ink > 100);
    free(pix);

    /* nothing logged yet, no grids: still a picture */
    gt_toyviz_frame e = {.box = {-1, 1, -1, 1}, .zbox = {-1, 1, -1, 1}, .g = 1};
    pix = gt_toyviz_render(&e, &w, &h);
    CHECK(pix != NULL);
    free(pix);
}

/* a toy2d run of `steps` steps (resuming when asked) into dir */
static int toy_run(const char *dir, int steps, int resume) {
    char ini[1024];
    snprintf(ini, sizeof ini, "%s/toy.ini", gt_test_tmpdir());
    FILE *f = fopen(ini, "w");
    if (!f) return -1;
    fprintf(f, "[model]\npreset = gan\nz_dim = 2\ng_hidden = 16,16\nd_hidden = 16,16\ng_batchnorm = false\n"
               "[data]\ndataset = toy2d\ntoy = circle\ntoy_n = 512\n"
               "[train]\nbatch_size = 64\nlog_every = 1\nsample_every = 0\nckpt_every = 2\n"
               "toyviz_every = 2\nprogress = none\n");
    fclose(f);
    char steps_s[32];
    snprintf(steps_s, sizeof steps_s, "train.steps=%d", steps);
    const char *sets[] = {steps_s};
    gt_run_opts o = {.config_path = ini, .sets = sets, .n_sets = 1, .out = dir, .resume = resume,
                     .seed = -1, .steps = -1};
    /* the run's "samples: ..." lines are not the test's output (each test
     * runs in its own process) */
    if (!freopen("/dev/null", "w", stdout)) return -1;
    gt_log_set_level(GT_LOG_WARN);
    return gt_run_train(&o);
}

static int same_file(const char *a, const char *b) {
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int same = !gt_read_file(a, &x, &nx) && !gt_read_file(b, &y, &ny) && nx == ny && !memcmp(x, y, nx);
    free(x);
    free(y);
    return same;
}

GT_TEST(toyviz_run_frames_and_resume) {
    char full[1024], half[1024], p[1200], q[1200];
    snprintf(full, sizeof full, "%s/full", gt_test_tmpdir());
    snprintf(half, sizeof half, "%s/half", gt_test_tmpdir());
    CHECKF(toy_run(full, 4, 0) == 0, "%s", gt_error());
    /* frames 1 and 2 (steps 2 and 4), readable PNGs of the frame's size */
    for (int k = 1; k <= 2; k++) {
        snprintf(p, sizeof p, "%s/toyviz/frame_%06d.png", full, k);
        int w, h, c;
        unsigned char *img = stbi_load(p, &w, &h, &c, 0);
        CHECKF(img, "%s: %s", p, stbi_failure_reason());
        CHECK(w == 1000 && h > 900 && c == 3);
        stbi_image_free(img);
    }
    snprintf(p, sizeof p, "%s/toyviz/frame_000003.png", full);
    CHECK(!gt_path_exists(p));
    char *acc = NULL;
    size_t n;
    snprintf(p, sizeof p, "%s/toyviz/accuracy.csv", full);
    CHECK(gt_read_file(p, &acc, &n) == GT_OK);
    double a2, a4;
    CHECKF(sscanf(acc, "step,d_accuracy\n2,%lf\n4,%lf\n", &a2, &a4) == 2, "%s", acc);
    CHECK(a2 >= 0 && a2 <= 1 && a4 >= 0 && a4 <= 1);
    free(acc);

    /* 2 steps, then resumed to 4: the same frames and accuracies, bit for bit */
    CHECKF(toy_run(half, 2, 0) == 0, "%s", gt_error());
    CHECKF(toy_run(half, 4, 1) == 0, "%s", gt_error());
    const char *files[] = {"toyviz/frame_000001.png", "toyviz/frame_000002.png", "toyviz/accuracy.csv"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", full, files[i]);
        snprintf(q, sizeof q, "%s/%s", half, files[i]);
        CHECKF(same_file(p, q), "%s differs after a resume", files[i]);
    }

    /* toyviz_every = -1: no frames */
    char none[1024];
    snprintf(none, sizeof none, "%s/none", gt_test_tmpdir());
    char ini[1100];
    snprintf(ini, sizeof ini, "%s/toy.ini", gt_test_tmpdir());
    const char *sets[] = {"train.steps=2", "train.toyviz_every=-1"};
    gt_run_opts o = {.config_path = ini, .sets = sets, .n_sets = 2, .out = none, .seed = -1, .steps = -1};
    CHECKF(gt_run_train(&o) == 0, "%s", gt_error());
    snprintf(p, sizeof p, "%s/toyviz", none);
    CHECK(!gt_path_exists(p));
}
