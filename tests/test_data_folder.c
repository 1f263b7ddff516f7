/* test_data_folder.c — JPEG/PNG folders and CelebA: recursive listing in a
 * fixed order, subfolder classes, exact pixels of lossless PNGs, CelebA's
 * crop geometry and partition split, the decoded-image cache (hit, stale,
 * corrupt, rebuilt), and every bad image. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
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

/* pixel (y, x, ch) of generated image `id` */
static uint8_t px(int id, int y, int x, int ch) { return (uint8_t)(id * 40 + y * 5 + x * 3 + ch * 70); }

/* an interleaved w x h x c image filled by px() */
static void make_png(const char *rel, int id, int w, int h, int c) {
    uint8_t *p = malloc((size_t)w * h * c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) p[((size_t)y * w + x) * c + ch] = px(id, y, x, ch);
    td_png(rel, w, h, c, p);
    free(p);
}

GT_TEST(data_folder_order_classes_pixels) {
    /* nested subfolders, in an order the listing must sort; a non-image file */
    make_png("f/dog/b.png", 2, 6, 5, 3);
    make_png("f/cat/z.png", 0, 6, 5, 3);
    make_png("f/cat/deep/er/a.png", 1, 6, 5, 3);
    make_png("f/dog/a.PNG", 3, 6, 5, 3);
    td_write("f/dog/notes.txt", "hello", 5);
    td_write("f/.hidden.png", "x", 1);
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/f\ncache = none\n"));
    CHECK(ds && gt_dataset_count(ds) == 4 && gt_dataset_n_classes(ds) == 0);
    CHECK(gt_dataset_channels(ds) == 3 && gt_dataset_height(ds) == 5 && gt_dataset_width(ds) == 6);
    /* byte order of relative paths: cat/deep/er/a.png, cat/z.png, dog/a.PNG, dog/b.png */
    int ids[4] = {1, 0, 3, 2};
    const uint8_t *p = gt_dataset_pixels(ds);
    for (int i = 0; i < 4; i++)
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 6; x++) CHECK(p[((i * 3 + ch) * 5 + y) * 6 + x] == px(ids[i], y, x, ch));
    gt_dataset_free(ds);
    /* subfolders as classes, filtered by name */
    ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/f\ncache = none\nfolder_classes = true\n"));
    CHECK(ds && gt_dataset_n_classes(ds) == 2 && !strcmp(gt_dataset_class_name(ds, 0), "cat"));
    CHECK(gt_dataset_label(ds, 0) == 0 && gt_dataset_label(ds, 1) == 0 && gt_dataset_label(ds, 2) == 1);
    gt_dataset_free(ds);
    ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/f\ncache = none\nfolder_classes = true\nclasses = dog\n"));
    CHECK(ds && gt_dataset_count(ds) == 2 && gt_dataset_n_classes(ds) == 1 && gt_dataset_label(ds, 1) == 0);
    CHECK(gt_dataset_pixels(ds)[0] == px(3, 0, 0, 0));
    gt_dataset_free(ds);
    /* limit, channels = 1 */
    ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/f\ncache = none\nlimit = 3\nchannels = 1\n"));
    CHECK(ds && gt_dataset_count(ds) == 3 && gt_dataset_channels(ds) == 1);
    unsigned r = px(0, 2, 3, 0), g = px(0, 2, 3, 1), b = px(0, 2, 3, 2);
    CHECK(gt_dataset_pixels(ds)[30 + 2 * 6 + 3] == (uint8_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16));
    gt_dataset_free(ds);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/f\ncache = none\nfolder_classes = true\nclasses = cat, dgo\n"),
             "data.classes: unknown class 'dgo' in folder (did you mean 'dog'?); classes are: cat, dog", NULL);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/f\ncache = none\nclasses = cat\n"),
             "data.classes is set but folder has no classes", "folder_classes");
}

/* A 16x12 RGB JPEG (quality 95, baseline, 4:4:4) of the image
 * (20 + 6x + 4y + 30c), made once with stb_image_write: encoding at test
 * time would run stb's encoder under UBSan, which flags a signed shift in
 * it (stb_image_write.h, stbiw__jpg_writeBits), not in gantrain. */
static const unsigned char smooth_jpg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x84, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02,
    0x01, 0x01, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04,
    0x04, 0x03, 0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09, 0x08, 0x06,
    0x07, 0x09, 0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08,
    0x0b, 0x0c, 0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x05, 0x03, 0x03, 0x05, 0x0a, 0x07, 0x06, 0x07, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00,
    0x0c, 0x00, 0x10, 0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x01,
    0xa2, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x00,
    0x02, 0x01, 0x03, 0x03, 0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01,
    0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24,
    0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
    0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a,
    0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
    0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
    0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
    0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3,
    0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0x01, 0x00, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x11, 0x00,
    0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07, 0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00,
    0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13,
    0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15,
    0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
    0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4,
    0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9,
    0xfa, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xf8,
    0xf7, 0xe0, 0x97, 0xc3, 0x6f, 0xf5, 0x3f, 0xe8, 0xfe, 0x9d, 0xab, 0xf5, 0x03, 0xf3, 0x93, 0xec,
    0x0f, 0x82, 0x5f, 0x0d, 0xbf, 0xd4, 0xff, 0x00, 0xa3, 0xfa, 0x76, 0xa0, 0x0f, 0x2b, 0xf8, 0x25,
    0xa1, 0x69, 0xbf, 0xb9, 0xfd, 0xcf, 0xa5, 0x00, 0x7d, 0x81, 0xf0, 0x4b, 0x42, 0xd3, 0x7f, 0x73,
    0xfb, 0x9f, 0x4a, 0x00, 0xff, 0xd9,
};

GT_TEST(data_folder_grey_alpha_jpeg) {
    /* grey PNG -> RGB repeats it; RGBA PNG drops alpha; grey+alpha too */
    make_png("m/a.png", 1, 4, 4, 1);
    make_png("m/b.png", 2, 4, 4, 4);
    make_png("m/c.png", 3, 4, 4, 2);
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/m\ncache = none\n"));
    CHECK(ds && gt_dataset_count(ds) == 3 && gt_dataset_channels(ds) == 3);
    const uint8_t *p = gt_dataset_pixels(ds);
    for (int ch = 0; ch < 3; ch++)
        for (int j = 0; j < 16; j++) {
            CHECK(p[ch * 16 + j] == px(1, j / 4, j % 4, 0));
            CHECK(p[48 + ch * 16 + j] == px(2, j / 4, j % 4, ch));
            CHECK(p[96 + ch * 16 + j] == px(3, j / 4, j % 4, 0));
        }
    gt_dataset_free(ds);
    /* a JPEG of a smooth image decodes close to what was encoded */
    int w = 16, h = 12;
    td_write("j/x.jpg", smooth_jpg, sizeof smooth_jpg);
    td_write("j/sub/y.JPEG", smooth_jpg, sizeof smooth_jpg);
    ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/j\ncache = none\n"));
    CHECK(ds && gt_dataset_count(ds) == 2 && gt_dataset_width(ds) == w && gt_dataset_height(ds) == h);
    int maxerr = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int e = abs((int)gt_dataset_pixels(ds)[(ch * h + y) * w + x] - (20 + 6 * x + 4 * y + 30 * ch));
                maxerr = e > maxerr ? e : maxerr;
            }
    CHECKF(maxerr <= 8, "JPEG round trip max error %d", maxerr);
    gt_dataset_free(ds);
}

GT_TEST(data_celeba_crop_geometry_and_split) {
    /* 4 images 178x218 as CelebA's aligned ones (PNG, so pixels are exact) */
    const char *names[4] = {"000001.jpg", "000002.jpg", "000003.jpg", "000004.jpg"};
    for (int i = 0; i < 4; i++) {
        char rel[100];
        snprintf(rel, sizeof rel, "celeba/img_align_celeba/%s", names[i]);
        make_png(rel, i, 178, 218, 3); /* a PNG named .jpg decodes all the same */
    }
    const char *parts = "000001.jpg 0\n000002.jpg 2\n000003.jpg 0\n000004.jpg 1\n";
    td_write("celeba/list_eval_partition.txt", parts, strlen(parts));
    /* the default: centre crop 108 at rows 55.., columns 35.., then 64x64 */
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = celeba\npath = @/celeba\ncache = @/cache\n"));
    CHECK(ds && gt_dataset_count(ds) == 2 && gt_dataset_height(ds) == 64 && gt_dataset_channels(ds) == 3);
    CHECK(gt_dataset_n_classes(ds) == 0 && gt_dataset_label(ds, 0) == -1);
    gt_dataset_free(ds);
    /* image_size = 108 keeps the crop unresized: check it pixel by pixel */
    ds = td_open(cfg_text("[data]\ndataset = celeba\npath = @/celeba\ncache = @/cache\nimage_size = 108\n"));
    CHECK(ds && gt_dataset_count(ds) == 2 && gt_dataset_height(ds) == 108);
    const uint8_t *p = gt_dataset_pixels(ds);
    for (int k = 0; k < 2; k++) { /* the train split: 000001 and 000003 */
        int id = k == 0 ? 0 : 2;
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < 108; y += 13)
                for (int x = 0; x < 108; x += 11)
                    CHECK(p[(((size_t)k * 3 + ch) * 108 + y) * 108 + x] == px(id, y + 55, x + 35, ch));
    }
    gt_dataset_free(ds);
    ds = td_open(cfg_text("[data]\ndataset = celeba\npath = @/celeba\ncache = none\nsplit = test\ncenter_crop = 178\n"));
    CHECK(ds && gt_dataset_count(ds) == 1 && gt_dataset_height(ds) == 64);
    gt_dataset_free(ds);
    ds = td_open(cfg_text("[data]\ndataset = celeba\npath = @/celeba\ncache = none\nsplit = all\nlimit = 3\n"));
    CHECK(ds && gt_dataset_count(ds) == 3);
    gt_dataset_free(ds);
    remove(td_path("celeba/list_eval_partition.txt"));
    TD_FAILS(cfg_text("[data]\ndataset = celeba\npath = @/celeba\ncache = none\n"),
             "celeba/list_eval_partition.txt: not found, and data.split = train needs it", "data.split = all");
    TD_FAILS(cfg_text("[data]\ndataset = celeba\npath = @/celeba\ncache = none\nclasses = 1\n"),
             "data.classes is set but celeba has no classes", NULL);
    TD_FAILS(cfg_text("[data]\ndataset = celeba\npath = @/nothing\n"), "nothing: no such directory (the celeba dataset)",
             "scripts/fetch-data.sh celeba");
}

/* the one cache file in DIR (its name depends on a hash of the settings) */
static int cache_file(const char *dir, char *out, size_t cap) {
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "ls %s/*.gtcache 2>/dev/null | head -n 1", dir);
    FILE *f = popen(cmd, "r");
    if (!f) return 0;
    int ok = fgets(out, (int)cap, f) != NULL;
    pclose(f);
    if (ok) out[strcspn(out, "\n")] = 0;
    return ok;
}

GT_TEST(data_cache_hit_stale_corrupt) {
    for (int i = 0; i < 5; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "img/%d.png", i);
        make_png(rel, i, 20, 16, 3);
    }
    const char *text = cfg_text("[data]\ndataset = folder\npath = @/img\ncache = @/cache\nimage_size = 8\n");
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", text);
    gt_dataset *ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), ": built (no cache yet"));
    uint8_t ref[5 * 192];
    memcpy(ref, gt_dataset_pixels(ds), sizeof ref);
    gt_dataset_free(ds);
    char cpath[1200];
    CHECK(cache_file(td_path("cache"), cpath, sizeof cpath));
    CHECK(strstr(cpath, "/folder-img-"));
    /* hit: the same pixels without decoding */
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), ": hit (5 images"));
    CHECK(!memcmp(gt_dataset_pixels(ds), ref, sizeof ref));
    gt_dataset_free(ds);
    /* corrupt pixels: detected by the checksum, rebuilt, same pixels again */
    uint8_t *c;
    size_t n = td_read(cpath + strlen(gt_test_tmpdir()) + 1, &c);
    c[n - 10] ^= 0xff;
    td_write(cpath + strlen(gt_test_tmpdir()) + 1, c, n);
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), "corrupt, rebuilt (pixel checksum mismatch"));
    CHECK(!memcmp(gt_dataset_pixels(ds), ref, sizeof ref));
    gt_dataset_free(ds);
    /* truncated: corrupt too */
    td_write(cpath + strlen(gt_test_tmpdir()) + 1, c, n / 2);
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), "corrupt, rebuilt (truncated"));
    gt_dataset_free(ds);
    /* garbage: corrupt */
    td_write(cpath + strlen(gt_test_tmpdir()) + 1, "not a cache", 11);
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), "corrupt, rebuilt (not a gantrain cache file"));
    gt_dataset_free(ds);
    free(c);
    /* a changed image: stale, rebuilt, the new pixels */
    make_png("img/3.png", 9, 20, 16, 3);
    struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}}; /* and surely another mtime */
    utimensat(AT_FDCWD, td_path("img/3.png"), ts, 0);
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), "stale, rebuilt (the image files changed since it was built"));
    CHECK(memcmp(gt_dataset_pixels(ds), ref, sizeof ref) && !memcmp(gt_dataset_pixels(ds), ref, 3 * 192));
    gt_dataset_free(ds);
    /* an added image: stale as well */
    make_png("img/5.png", 5, 20, 16, 3);
    ds = td_open(saved);
    CHECK(ds && gt_dataset_count(ds) == 6 && strstr(gt_dataset_describe(ds), "stale, rebuilt"));
    gt_dataset_free(ds);
    /* other settings: a cache of their own, the first one stays valid */
    ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/img\ncache = @/cache\nimage_size = 4\n"));
    CHECK(ds && gt_dataset_height(ds) == 4 && strstr(gt_dataset_describe(ds), ": built (no cache yet"));
    gt_dataset_free(ds);
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), ": hit"));
    gt_dataset_free(ds);
    /* a cache file of other settings under this name: stale, not trusted */
    char other[1200];
    snprintf(other, sizeof other, "%s", cpath);
    ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/img\ncache = @/cache\nimage_size = 4\nlimit = 2\n"));
    CHECK(ds);
    gt_dataset_free(ds);
    /* copy that newest (limit = 2) cache over the image_size = 8 one */
    char cmd[1500], newest[1200];
    snprintf(cmd, sizeof cmd, "ls -t %s/*.gtcache | head -n 1", td_path("cache"));
    FILE *f = popen(cmd, "r");
    CHECK(f && fgets(newest, sizeof newest, f));
    pclose(f);
    newest[strcspn(newest, "\n")] = 0;
    CHECK(strcmp(newest, other));
    uint8_t *nb;
    size_t nn = td_read(newest + strlen(gt_test_tmpdir()) + 1, &nb);
    td_write(other + strlen(gt_test_tmpdir()) + 1, nb, nn);
    free(nb);
    ds = td_open(saved);
    CHECK(ds && strstr(gt_dataset_describe(ds), "stale, rebuilt (it was built with other settings"));
    gt_dataset_free(ds);
}

GT_TEST(data_folder_bad_images) {
    gt_mkdirs(td_path("empty/sub/x"));
    td_write("empty/readme.txt", "no images", 9);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/empty\ncache = none\n"),
             "empty: no JPEG or PNG images found (searched recursively, other files ignored)", NULL);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/nope\n"), "nope: no such directory (the folder dataset)",
             "set data.path");
    make_png("bad/a.png", 0, 8, 8, 3);
    td_write("bad/b.jpg", "this is not a JPEG at all", 25);
    make_png("bad/c.png", 1, 8, 8, 3);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\n"), "bad/b.jpg: cannot decode image", "delete or replace it");
    td_write("bad/b.jpg", "", 0);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = @/cache\n"), "bad/b.jpg: empty file (0 bytes)", NULL);
    remove(td_path("bad/b.jpg"));
    /* a truncated PNG */
    uint8_t *d;
    size_t n = td_read("bad/c.png", &d);
    td_write("bad/c.png", d, n / 2);
    free(d);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\nimage_size = 4\n"), "bad/c.png: cannot decode image", NULL);
    /* sizes that differ without image_size */
    make_png("bad/c.png", 1, 9, 8, 3);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\n"), "bad/c.png: 9x8 after cropping, but the first image gives 8x8",
             "set data.image_size");
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\nimage_size = 4\ncenter_crop = 9\n"),
             "bad/a.png: the image is 8x8, smaller than data.center_crop = 9", NULL);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\nsplit = test\n"), "a folder dataset has no test split", NULL);
    TD_FAILS(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\nfolder_classes = true\n"),
             "data.folder_classes is on but no subfolder holds JPEG or PNG images", NULL);
    /* the mixed sizes are fine once resized */
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = folder\npath = @/bad\ncache = none\nimage_size = 4\n"));
    CHECK(ds && gt_dataset_count(ds) == 2);
    gt_dataset_free(ds);
}
