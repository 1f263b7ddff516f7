/* test_io_basic.c — atomic writes and PNG grids. */
#include <stb/stb_image.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"
#include "test.h"

GT_TEST(io_atomic_write_replaces_whole) {
    char path[600];
    snprintf(path, sizeof path, "%s/a.txt", gt_test_tmpdir());
    CHECK(gt_write_file_atomic(path, "old", 3) == 0);
    gt_atomic_file af;
    CHECK(gt_atomic_open(&af, path) == 0);
    fputs("new contents", af.f);
    /* until commit the old file is what a reader sees */
    char *d;
    size_t n;
    CHECK(gt_read_file(path, &d, &n) == 0 && n == 3 && !memcmp(d, "old", 3));
    free(d);
    CHECK(gt_atomic_commit(&af) == 0);
    CHECK(gt_read_file(path, &d, &n) == 0 && n == 12 && !strcmp(d, "new contents"));
    free(d);
    /* an aborted write leaves the old file and no temporary behind */
    CHECK(gt_atomic_open(&af, path) == 0);
    fputs("partial", af.f);
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s", af.tmp);
    gt_atomic_abort(&af);
    CHECK(access(tmp, F_OK) != 0);
    CHECK(gt_read_file(path, &d, &n) == 0 && n == 12);
    free(d);
    /* an unwritable place is an error naming the file */
    CHECK(gt_write_file_atomic("/nonexistent-dir/x.txt", "a", 1) != 0);
    CHECK(strstr(gt_error(), "/nonexistent-dir/x.txt") != NULL);
}

GT_TEST(io_mkdirs) {
    char path[600];
    snprintf(path, sizeof path, "%s/a/b/c", gt_test_tmpdir());
    CHECK(gt_mkdirs(path) == 0 && gt_is_dir(path));
    CHECK(gt_mkdirs(path) == 0);
}

GT_TEST(io_png_grid_roundtrip) {
    /* 3 RGB images 2x3, nrow 2, pad 1: a 2x2 grid of 9x5 pixels */
    gt_tensor *t = gt_tensor_new4(3, 3, 2, 3);
    for (int64_t i = 0; i < t->n; i++) t->data[i] = -1.0f + 2.0f * (float)(i % 7) / 6.0f;
    char path[600];
    snprintf(path, sizeof path, "%s/grid.png", gt_test_tmpdir());
    CHECK(gt_grid_write(path, t, 2, 1) == 0);
    int w, h, c;
    unsigned char *pix = stbi_load(path, &w, &h, &c, 0);
    CHECK(pix && w == 2 * (3 + 1) + 1 && h == 2 * (2 + 1) + 1 && c == 3);
    /* image 1, channel 2, pixel (y=1, x=2) sits at grid (1 + 1, 1 + 4 + 2) */
    float v = t->data[((1 * 3 + 2) * 2 + 1) * 3 + 2];
    CHECK(pix[((1 + 1) * w + (1 + 4 + 2)) * 3 + 2] == gt_pixel_u8(v));
    CHECK(pix[0] == 0); /* padding */
    CHECK(gt_pixel_u8(-1.0f) == 0 && gt_pixel_u8(1.0f) == 255 && gt_pixel_u8(0.0f) == 128);
    CHECK(gt_pixel_u8(5.0f) == 255 && gt_pixel_u8(-3.0f) == 0 && gt_pixel_u8(NAN) == 0);
    stbi_image_free(pix);
    gt_tensor_free(t);
}
