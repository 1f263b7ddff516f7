/* test_data_formats.c — MNIST-style IDX and CIFAR-10 files generated with
 * known pixels and labels come out exactly; splits, class filters, limits,
 * crops, resizes and channel conversions do what docs/data.md says; every
 * damaged file gives one line naming the file and the problem. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "test.h"
#include "test_data.h"

static char ini[4096];

/* ini text with the temporary directory substituted for every "@" */
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

/* pixel (i, y, x) of the generated IDX images */
static uint8_t idx_px(int i, int y, int x) { return (uint8_t)((i * 31 + y * 7 + x * 3 + 1) % 256); }

/* n images rows x cols, label i % 10 (t10k: (i + 3) % 10, pixels offset 100) */
static void make_idx(const char *dir, const char *prefix, int n, int rows, int cols, int gz) {
    int off = !strcmp(prefix, "t10k") ? 100 : 0;
    uint8_t *pix = malloc((size_t)n * rows * cols), *lab = malloc((size_t)n);
    for (int i = 0; i < n; i++) {
        lab[i] = (uint8_t)((i + (off ? 3 : 0)) % 10);
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++) pix[((size_t)i * rows + y) * cols + x] = idx_px(i + off, y, x);
    }
    td_idx(dir, prefix, n, rows, cols, pix, lab, gz);
    free(pix);
    free(lab);
}

GT_TEST(data_idx_roundtrip_raw_and_gzip) {
    /* 300 images (> 255: the big-endian count matters), 3 rows x 4 columns */
    for (int gz = 0; gz < 2; gz++) {
        const char *dir = gz ? "gz" : "raw";
        make_idx(dir, "train", 300, 3, 4, gz);
        make_idx(dir, "t10k", 7, 3, 4, gz);
        const char *text = cfg_text(gz ? "[data]\ndataset = mnist\npath = @/gz\n" : "[data]\ndataset = mnist\npath = @/raw/\n");
        gt_dataset *ds = td_open(text);
        CHECK(ds);
        CHECK(gt_dataset_count(ds) == 300 && gt_dataset_channels(ds) == 1);
        CHECK(gt_dataset_height(ds) == 3 && gt_dataset_width(ds) == 4 && gt_dataset_sample_size(ds) == 12);
        CHECK(gt_dataset_n_classes(ds) == 10 && !strcmp(gt_dataset_class_name(ds, 7), "7"));
        const uint8_t *p = gt_dataset_pixels(ds);
        for (int i = 0; i < 300; i++) {
            CHECK(gt_dataset_label(ds, i) == i % 10);
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 4; x++) CHECK(p[(i * 3 + y) * 4 + x] == idx_px(i, y, x));
        }
        CHECK(strstr(gt_dataset_describe(ds), gz ? "(gzip," : "(raw,"));
        /* the batch floats: x / 127.5 - 1, labels as floats */
        int64_t idx[2] = {299, 5};
        float x[24], lab[2];
        gt_dataset_fill(ds, idx, 2, x, lab);
        CHECK(lab[0] == 9.0f && lab[1] == 5.0f);
        CHECK(x[1 * 4 + 2] == (float)(idx_px(299, 1, 2) / 127.5 - 1.0));
        CHECK(x[12 + 2 * 4 + 3] == (float)(idx_px(5, 2, 3) / 127.5 - 1.0));
        gt_dataset_free(ds);
    }
    CHECK(gt_data_pixel_float(0) == -1.0f && gt_data_pixel_float(255) == 1.0f);
}

GT_TEST(data_idx_splits_and_spelling) {
    make_idx("m", "train", 20, 2, 2, 1);
    make_idx("m", "t10k", 7, 2, 2, 0); /* one split gzip, the other raw */
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = fashion-mnist\npath = @/m\nsplit = test\n"));
    CHECK(ds && gt_dataset_count(ds) == 7 && gt_dataset_label(ds, 0) == 3);
    CHECK(gt_dataset_pixels(ds)[0] == idx_px(100, 0, 0));
    CHECK(!strcmp(gt_dataset_class_name(ds, 0), "T-shirt/top") && !strcmp(gt_dataset_class_name(ds, 9), "Ankle boot"));
    gt_dataset_free(ds);
    ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/m\nsplit = all\n"));
    CHECK(ds && gt_dataset_count(ds) == 27);
    CHECK(gt_dataset_pixels(ds)[19 * 4 + 3] == idx_px(19, 1, 1) && gt_dataset_pixels(ds)[20 * 4] == idx_px(100, 0, 0));
    CHECK(gt_dataset_label(ds, 20) == 3);
    gt_dataset_free(ds);
    /* "train-images.idx3-ubyte", as some mirrors name them */
    uint8_t *d;
    size_t n = td_read("m/t10k-images-idx3-ubyte", &d);
    td_write("dot/t10k-images.idx3-ubyte", d, n);
    free(d);
    n = td_read("m/t10k-labels-idx1-ubyte", &d);
    td_write("dot/t10k-labels.idx1-ubyte", d, n);
    free(d);
    ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/dot\nsplit = test\n"));
    CHECK(ds && gt_dataset_count(ds) == 7);
    gt_dataset_free(ds);
}

GT_TEST(data_class_filter_and_limit) {
    make_idx("m", "train", 50, 2, 2, 0);
    /* by index and by name (fashion names, case and punctuation ignored) */
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = fashion-mnist\npath = @/m\nclasses = 9, t-shirt\n"));
    CHECK(ds && gt_dataset_count(ds) == 10 && gt_dataset_n_classes(ds) == 2);
    /* renumbered in index order: 0 = T-shirt/top (was 0), 1 = Ankle boot (was 9) */
    CHECK(!strcmp(gt_dataset_class_name(ds, 0), "T-shirt/top") && !strcmp(gt_dataset_class_name(ds, 1), "Ankle boot"));
    for (int i = 0; i < 10; i++) {
        int orig = i % 2 ? 10 * (i / 2) + 9 : 10 * (i / 2); /* samples 0, 9, 10, 19, ... */
        CHECK(gt_dataset_label(ds, i) == i % 2);
        CHECK(gt_dataset_pixels(ds)[i * 4] == idx_px(orig, 0, 0));
    }
    CHECK(strstr(gt_dataset_describe(ds), "1 Ankle boot (was 9)"));
    gt_dataset_free(ds);
    /* limit: the first N after filtering */
    ds = td_open(cfg_text("[data]\ndataset = fashion-mnist\npath = @/m\nclasses = ankle boot, Trouser\nlimit = 3\n"));
    CHECK(ds && gt_dataset_count(ds) == 3);
    CHECK(gt_dataset_pixels(ds)[0] == idx_px(1, 0, 0) && gt_dataset_pixels(ds)[4] == idx_px(9, 0, 0) &&
          gt_dataset_pixels(ds)[8] == idx_px(11, 0, 0));
    CHECK(gt_dataset_label(ds, 0) == 0 && gt_dataset_label(ds, 1) == 1 && gt_dataset_label(ds, 2) == 0);
    gt_dataset_free(ds);
    ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/m\nlimit = 7\n"));
    CHECK(ds && gt_dataset_count(ds) == 7 && gt_dataset_n_classes(ds) == 10);
    gt_dataset_free(ds);
    TD_FAILS(cfg_text("[data]\ndataset = fashion-mnist\npath = @/m\n\nclasses = Trouser, sneakr\n"),
             "data.ini:5: data.classes: unknown class 'sneakr' in fashion-mnist (did you mean 'Sneaker'?)",
             "classes are: T-shirt/top, Trouser");
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/m\nclasses = 10\n"), "class index 10 is out of range 0..9", NULL);
}

/* CIFAR-10 record r of batch b: label and pixel (ch, y, x) */
static int cf_label(int b, int r) { return (b * 3 + r) % 10; }
static uint8_t cf_px(int b, int r, int ch, int y, int x) { return (uint8_t)(ch * 80 + y * 2 + x + b * 5 + r * 11); }

static void make_cifar(const char *dir, int per_batch, int with_meta) {
    uint8_t *rec = malloc((size_t)per_batch * 3073);
    for (int b = 1; b <= 6; b++) { /* 6: the test batch */
        for (int r = 0; r < per_batch; r++) {
            uint8_t *p = rec + (size_t)r * 3073;
            p[0] = (uint8_t)cf_label(b, r);
            for (int ch = 0; ch < 3; ch++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++) p[1 + ch * 1024 + y * 32 + x] = cf_px(b, r, ch, y, x);
        }
        char name[600];
        if (b <= 5)
            snprintf(name, sizeof name, "%s/data_batch_%d.bin", dir, b);
        else
            snprintf(name, sizeof name, "%s/test_batch.bin", dir);
        td_write(name, rec, (size_t)per_batch * 3073);
    }
    free(rec);
    if (with_meta) {
        const char *meta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
        char name[600];
        snprintf(name, sizeof name, "%s/batches.meta.txt", dir);
        td_write(name, meta, strlen(meta));
    }
}

GT_TEST(data_cifar10_roundtrip_channel_order) {
    make_cifar("c/cifar-10-batches-bin", 4, 1); /* found inside PATH, as the tarball unpacks */
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = cifar10\npath = @/c\n"));
    CHECK(ds && gt_dataset_count(ds) == 20 && gt_dataset_channels(ds) == 3 && gt_dataset_height(ds) == 32);
    const uint8_t *p = gt_dataset_pixels(ds);
    for (int b = 1; b <= 5; b++)
        for (int r = 0; r < 4; r++) {
            int i = (b - 1) * 4 + r;
            CHECK(gt_dataset_label(ds, i) == cf_label(b, r));
            /* [C, H, W]: the R plane, then G, then B, as the records store them */
            for (int ch = 0; ch < 3; ch++)
                for (int y = 0; y < 32; y += 7)
                    for (int x = 0; x < 32; x += 5)
                        CHECK(p[(size_t)i * 3072 + ch * 1024 + y * 32 + x] == cf_px(b, r, ch, y, x));
        }
    CHECK(!strcmp(gt_dataset_class_name(ds, 5), "dog"));
    gt_dataset_free(ds);
    ds = td_open(cfg_text("[data]\ndataset = cifar10\npath = @/c\nsplit = test\n"));
    CHECK(ds && gt_dataset_count(ds) == 4 && gt_dataset_label(ds, 1) == cf_label(6, 1));
    CHECK(gt_dataset_pixels(ds)[1024 + 33] == cf_px(6, 0, 1, 1, 1));
    gt_dataset_free(ds);
    /* one class, as when training a DCGAN on CIFAR-10 dogs; and two by name */
    ds = td_open(cfg_text("[data]\ndataset = cifar10\npath = @/c\nsplit = all\nclasses = dog, airplane\n"));
    CHECK(ds && gt_dataset_n_classes(ds) == 2);
    CHECK(!strcmp(gt_dataset_class_name(ds, 0), "airplane") && !strcmp(gt_dataset_class_name(ds, 1), "dog"));
    int n = 0;
    for (int b = 1; b <= 6; b++)
        for (int r = 0; r < 4; r++)
            if (cf_label(b, r) == 0 || cf_label(b, r) == 5) {
                CHECK(gt_dataset_label(ds, n) == (cf_label(b, r) == 5));
                CHECK(gt_dataset_pixels(ds)[(size_t)n * 3072 + 2048] == cf_px(b, r, 2, 0, 0));
                n++;
            }
    CHECK(gt_dataset_count(ds) == n && n > 0);
    gt_dataset_free(ds);
    /* without batches.meta.txt the well-known names are built in, and it says so */
    make_cifar("c2", 1, 0);
    ds = td_open(cfg_text("[data]\ndataset = cifar10\npath = @/c2\nclasses = truck\n"));
    CHECK(ds && strstr(gt_dataset_describe(ds), "class names built in"));
    gt_dataset_free(ds);
}

GT_TEST(data_crop_resize_channels_geometry) {
    /* 2 images, 6 rows x 8 columns */
    make_idx("g", "train", 2, 6, 8, 0);
    /* centre crop 4: rows 1..4, columns 2..5 (floor((6-4)/2), floor((8-4)/2)) */
    gt_dataset *ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/g\ncenter_crop = 4\n"));
    CHECK(ds && gt_dataset_height(ds) == 4 && gt_dataset_width(ds) == 4);
    for (int i = 0; i < 2; i++)
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) CHECK(gt_dataset_pixels(ds)[i * 16 + y * 4 + x] == idx_px(i, y + 1, x + 2));
    gt_dataset_free(ds);
    /* image_size on a non-square image: its centred square first (columns 1..6) */
    ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/g\nimage_size = 6\n"));
    CHECK(ds && gt_dataset_height(ds) == 6 && gt_dataset_width(ds) == 6);
    CHECK(gt_dataset_pixels(ds)[36 + 2 * 6 + 3] == idx_px(1, 2, 4));
    gt_dataset_free(ds);
    /* shrinking by 2 averages 2x2 blocks (area): values chosen with exact means */
    uint8_t pix[16] = {10, 30, 100, 100, 50, 70, 0, 4, 1, 2, 255, 255, 3, 6, 255, 251};
    uint8_t lab[1] = {0};
    td_idx("r", "train", 1, 4, 4, pix, lab, 0);
    ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/r\nimage_size = 2\n"));
    CHECK(ds);
    const uint8_t *q = gt_dataset_pixels(ds);
    CHECK(q[0] == 40 && q[1] == 51 && q[2] == 3 && q[3] == 254);
    gt_dataset_free(ds);
    /* enlarging 2 -> 4 is bilinear with half-pixel centres: 0, 100 -> 0, 25, 75, 100 */
    uint8_t pix2[4] = {0, 100, 0, 100};
    td_idx("u", "train", 1, 2, 2, pix2, lab, 0);
    ds = td_open(cfg_text("[data]\ndataset = mnist\npath = @/u\nimage_size = 4\nchannels = 3\n"));
    CHECK(ds && gt_dataset_channels(ds) == 3);
    q = gt_dataset_pixels(ds);
    for (int ch = 0; ch < 3; ch++) /* grey -> RGB repeats the plane */
        for (int y = 0; y < 4; y++)
            CHECK(q[ch * 16 + y * 4 + 0] == 0 && q[ch * 16 + y * 4 + 1] == 25 && q[ch * 16 + y * 4 + 2] == 75 &&
                  q[ch * 16 + y * 4 + 3] == 100);
    gt_dataset_free(ds);
    /* RGB -> grey: ITU-R 601 luma with PIL's rounding */
    make_cifar("c", 1, 1);
    ds = td_open(cfg_text("[data]\ndataset = cifar10\npath = @/c\nchannels = 1\nlimit = 1\n"));
    CHECK(ds && gt_dataset_channels(ds) == 1 && gt_dataset_sample_size(ds) == 1024);
    for (int y = 0; y < 32; y += 3)
        for (int x = 0; x < 32; x += 3) {
            unsigned r = cf_px(1, 0, 0, y, x), g = cf_px(1, 0, 1, y, x), b = cf_px(1, 0, 2, y, x);
            CHECK(gt_dataset_pixels(ds)[y * 32 + x] == (uint8_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16));
        }
    gt_dataset_free(ds);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/g\ncenter_crop = 7\n"),
             "the image is 8x6, smaller than data.center_crop = 7", NULL);
}

GT_TEST(data_idx_bad_files) {
    make_idx("ok", "train", 30, 4, 4, 0);
    uint8_t *img, *lab;
    size_t ni = td_read("ok/train-images-idx3-ubyte", &img), nl = td_read("ok/train-labels-idx1-ubyte", &lab);
    /* missing directory and files: a hint to scripts/fetch-data.sh */
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/none\n"), "/none: no such directory (the mnist dataset)",
             "scripts/fetch-data.sh mnist");
    td_write("nolab/train-images-idx3-ubyte", img, ni);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/nolab\n"), "nolab/train-labels-idx1-ubyte.gz: not found",
             "scripts/fetch-data.sh");
    /* wrong magic: the label file where the images should be */
    td_write("magic/train-images-idx3-ubyte", lab, nl);
    td_write("magic/train-labels-idx1-ubyte", lab, nl);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/magic\n"),
             "magic/train-images-idx3-ubyte: not an IDX image file: magic 0x00000801, want 0x00000803", NULL);
    /* truncated raw file */
    td_write("trunc/train-images-idx3-ubyte", img, ni - 5);
    td_write("trunc/train-labels-idx1-ubyte", lab, nl);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/trunc\n"),
             "trunc/train-images-idx3-ubyte: truncated: the header promises 30 images of 4x4 (480 bytes of data) but the file holds 475",
             NULL);
    /* extra bytes after the data */
    uint8_t *big = calloc(ni + 3, 1);
    memcpy(big, img, ni);
    td_write("long/train-images-idx3-ubyte", big, ni + 3);
    td_write("long/train-labels-idx1-ubyte", lab, nl);
    free(big);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/long\n"), "long/train-images-idx3-ubyte: more data than the IDX header describes", NULL);
    /* image / label count mismatch */
    td_write("count/train-images-idx3-ubyte", img, ni);
    uint8_t lab29[64];
    int d29[1] = {29};
    size_t h = td_idx_header(lab29, 1, d29);
    memcpy(lab29 + h, lab + 8, 29);
    td_write("count/train-labels-idx1-ubyte", lab29, h + 29);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/count\n"), "count/train-labels-idx1-ubyte: 29 labels, but",
             "holds 30 images");
    /* a label outside 0..9 */
    lab[8 + 4] = 12;
    td_write("badlab/train-images-idx3-ubyte", img, ni);
    td_write("badlab/train-labels-idx1-ubyte", lab, nl);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/badlab\n"), "badlab/train-labels-idx1-ubyte: label 12 of item 4 is outside 0..9", NULL);
    /* empty file */
    td_write("empty/train-images-idx3-ubyte", img, 0);
    td_write("empty/train-labels-idx1-ubyte", lab, nl);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/empty\n"), "empty/train-images-idx3-ubyte: empty file", NULL);
    free(img);
    free(lab);

    /* gzip: truncated stream, corrupt data, corrupt CRC (of noisy pixels, so
     * the deflate stream is long enough to damage in the middle) */
    {
        uint8_t noisy[200 * 64], l200[200];
        uint32_t st = 12345;
        for (int i = 0; i < 200 * 64; i++) noisy[i] = (uint8_t)((st = st * 1103515245u + 12345u) >> 24);
        for (int i = 0; i < 200; i++) l200[i] = (uint8_t)(i % 10);
        td_idx("gz", "train", 200, 8, 8, noisy, l200, 1);
    }
    uint8_t *gz;
    size_t ng = td_read("gz/train-images-idx3-ubyte.gz", &gz);
    uint8_t *lg;
    size_t nlg = td_read("gz/train-labels-idx1-ubyte.gz", &lg);
    td_write("gztrunc/train-images-idx3-ubyte.gz", gz, ng / 2);
    td_write("gztrunc/train-labels-idx1-ubyte.gz", lg, nlg);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/gztrunc\n"), "gztrunc/train-images-idx3-ubyte.gz: truncated gzip stream", NULL);
    uint8_t *bad = malloc(ng);
    memcpy(bad, gz, ng);
    CHECK(ng > 4000);
    for (size_t i = ng / 2; i < ng / 2 + 40; i++) bad[i] ^= 0x5a; /* inside the deflate data */
    td_write("gzbad/train-images-idx3-ubyte.gz", bad, ng);
    td_write("gzbad/train-labels-idx1-ubyte.gz", lg, nlg);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/gzbad\n"), "gzbad/train-images-idx3-ubyte.gz: corrupt gzip data", NULL);
    memcpy(bad, gz, ng);
    bad[ng - 6] ^= 1; /* the CRC-32 of the trailer */
    td_write("gzcrc/train-images-idx3-ubyte.gz", bad, ng);
    td_write("gzcrc/train-labels-idx1-ubyte.gz", lg, nlg);
    TD_FAILS(cfg_text("[data]\ndataset = mnist\npath = @/gzcrc\n"), "gzcrc/train-images-idx3-ubyte.gz: corrupt gzip data (incorrect data check)", NULL);
    free(bad);
    free(gz);
    free(lg);
}

GT_TEST(data_cifar10_bad_files) {
    TD_FAILS(cfg_text("[data]\ndataset = cifar10\npath = @/none\n"), "none: no such directory (the cifar10 dataset)",
             "scripts/fetch-data.sh cifar10");
    make_cifar("c", 2, 1);
    uint8_t *d;
    size_t n = td_read("c/data_batch_3.bin", &d);
    td_write("c/data_batch_3.bin", d, n - 100);
    TD_FAILS(cfg_text("[data]\ndataset = cifar10\npath = @/c\n"),
             "c/data_batch_3.bin: 6046 bytes is not a whole number of 3073-byte records", "truncated?");
    td_write("c/data_batch_3.bin", d, 0);
    TD_FAILS(cfg_text("[data]\ndataset = cifar10\npath = @/c\n"), "c/data_batch_3.bin: empty file", NULL);
    d[3073] = 10;
    td_write("c/data_batch_3.bin", d, n);
    TD_FAILS(cfg_text("[data]\ndataset = cifar10\npath = @/c\n"), "c/data_batch_3.bin: record 1 has label 10", NULL);
    free(d);
    make_cifar("m", 1, 0);
    remove(td_path("m/data_batch_5.bin"));
    TD_FAILS(cfg_text("[data]\ndataset = cifar10\npath = @/m\n"), "m/data_batch_5.bin: not found", "scripts/fetch-data.sh cifar10");
    td_write("m/batches.meta.txt", "cat\ndog\n", 8);
    TD_FAILS(cfg_text("[data]\ndataset = cifar10\npath = @/m\nsplit = test\n"), "m/batches.meta.txt: fewer than 10 class names", NULL);
}

/* The real Fashion-MNIST of Debian's dataset-fashion-mnist, when installed. */
GT_TEST(data_real_fashion_mnist) {
    if (!gt_is_dir("/usr/share/datasets/fashion-mnist")) {
        fprintf(stderr, "  (skipped: /usr/share/datasets/fashion-mnist is not installed)\n");
        return;
    }
    gt_dataset *ds = td_open("[data]\ndataset = fashion-mnist\n");
    CHECK(ds && gt_dataset_count(ds) == 60000 && gt_dataset_n_classes(ds) == 10);
    CHECK(gt_dataset_height(ds) == 28 && gt_dataset_width(ds) == 28 && gt_dataset_channels(ds) == 1);
    int64_t cnt[10] = {0};
    for (int64_t i = 0; i < 60000; i++) cnt[gt_dataset_label(ds, i)]++;
    for (int k = 0; k < 10; k++) CHECK(cnt[k] == 6000);
    CHECK(gt_dataset_label(ds, 0) == 9); /* the first training image is an ankle boot */
    double s = 0;
    const uint8_t *p = gt_dataset_pixels(ds);
    for (int64_t i = 0; i < 60000 * 784; i++) s += p[i];
    CHECK_NEAR(s / (60000.0 * 784 * 255), 0.2860, 0.0005); /* the published mean */
    gt_dataset_free(ds);
    ds = td_open("[data]\ndataset = fashion-mnist\nsplit = test\n");
    CHECK(ds && gt_dataset_count(ds) == 10000);
    gt_dataset_free(ds);
}
