/* test_npz.c — the .npz reader against files numpy wrote (np.savez,
 * np.savez_compressed, .npy 2.0/3.0, big-endian, data descriptors), the writer against numpy's bytes, and
 * bad input: truncation at every length, bad magic, CRC mismatch, unknown
 * dtype, missing members and random corruption (a small in-process fuzz). */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/npz.h"
#include "gantrain/rng.h"
#include "test.h"

static int load(const char *rel, unsigned char **buf, size_t *len) {
    char *d;
    if (gt_read_file(gt_test_path(rel), &d, len)) return 0;
    *buf = (unsigned char *)d;
    return 1;
}

/* the arrays of reader_arrays() in scripts/make-metric-fixtures.py */
static double mu_v(int i) { return (i - 2.5) / 7.0; }
static double sigma_v(int i, int j) { return (i * 6 + j - 17) / 13.0; }
static double f32_v(int i, int j) { return (float)((i * 4 + j - 5) / 3.0); }
static double fortran_v(int i, int j) { return (i - 2 * j) / 9.0; }

static void check_reader_file(const char *rel) {
    gt_npz *z;
    CHECKF(gt_npz_open(gt_test_path(rel), &z) == 0, "%s", gt_error());
    CHECK(gt_npz_count(z) == 8);
    const char *names[] = {"mu", "sigma", "f32", "fortran", "scalar", "empty", "ints", "cube"};
    for (int i = 0; i < 8; i++) CHECKF(gt_npz_find(z, names[i]) >= 0, "no %s", names[i]);
    CHECK(gt_npz_find(z, "mu.npy") == gt_npz_find(z, "mu"));
    CHECK(!strcmp(gt_npz_name(z, gt_npz_find(z, "sigma")), "sigma"));

    gt_npz_array a;
    CHECKF(gt_npz_read(z, "mu", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 1 && a.shape[0] == 6 && !strcmp(a.name, "mu"));
    for (int i = 0; i < 6; i++) CHECK(a.data[i] == mu_v(i));
    gt_npz_array_free(&a);

    CHECKF(gt_npz_read(z, "sigma", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 2 && a.shape[0] == 6 && a.shape[1] == 6);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) CHECK(a.data[i * 6 + j] == sigma_v(i, j));
    gt_npz_array_free(&a);

    CHECKF(gt_npz_read(z, "f32", &a) == 0, "%s", gt_error()); /* <f4 converted */
    CHECK(a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 4);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) CHECK(a.data[i * 4 + j] == f32_v(i, j));
    gt_npz_array_free(&a);

    CHECKF(gt_npz_read(z, "fortran", &a) == 0, "%s", gt_error()); /* transposed to C order */
    CHECK(a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 5);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++) CHECK(a.data[i * 5 + j] == fortran_v(i, j));
    gt_npz_array_free(&a);

    CHECKF(gt_npz_read(z, "scalar", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 0 && a.data[0] == -4.75);
    gt_npz_array_free(&a);

    CHECKF(gt_npz_read(z, "empty", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 2 && a.shape[0] == 0 && a.shape[1] == 3);
    gt_npz_array_free(&a);

    /* what gantrain refuses, it refuses by name */
    CHECK(gt_npz_read(z, "ints", &a) != 0);
    CHECKF(strstr(gt_error(), "unsupported dtype '<i8'") && strstr(gt_error(), "'ints.npy'") &&
               strstr(gt_error(), rel),
           "%s", gt_error());
    CHECKF(gt_npz_read(z, "cube", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 3 && a.shape[0] == 2 && a.shape[1] == 2 && a.shape[2] == 2 && a.shape[3] == 1);
    for (int i = 0; i < 8; i++) CHECK(a.data[i] == 0.0);
    gt_npz_array_free(&a);
    CHECK(gt_npz_read(z, "sigma2", &a) != 0 && a.data == NULL);
    CHECKF(strstr(gt_error(), "no array named 'sigma2'") && strstr(gt_error(), "mu, sigma, f32"),
           "%s", gt_error());
    gt_npz_close(z);
}

GT_TEST(npz_reads_numpy_savez) { check_reader_file("fixtures/npz_savez.npz"); }

GT_TEST(npz_reads_numpy_savez_compressed) {
    unsigned char *b;
    size_t n;
    CHECK(load("fixtures/npz_savez_compressed.npz", &b, &n));
    CHECK(n > 30 && b[8] == 8); /* the first member really is deflated */
    free(b);
    check_reader_file("fixtures/npz_savez_compressed.npz");
}

GT_TEST(npz_reads_npy_versions_and_big_endian) {
    gt_npz *z;
    CHECKF(gt_npz_open(gt_test_path("fixtures/npz_variants.npz"), &z) == 0, "%s", gt_error());
    CHECK(gt_npz_count(z) == 4);
    gt_npz_array a;
    const char *square[] = {"v2", "big"}; /* .npy 2.0; big-endian '>f8' */
    for (int k = 0; k < 2; k++) {
        CHECKF(gt_npz_read(z, square[k], &a) == 0, "%s", gt_error());
        CHECK(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 2);
        CHECK(a.data[0] == 1.5 && a.data[1] == -2.0 && a.data[2] == 0.25 && a.data[3] == 8.0);
        gt_npz_array_free(&a);
    }
    CHECKF(gt_npz_read(z, "v3", &a) == 0, "%s", gt_error()); /* .npy 3.0 */
    CHECK(a.ndim == 1 && a.shape[0] == 2 && a.data[0] == 3.0 && a.data[1] == -0.5);
    gt_npz_array_free(&a);
    CHECKF(gt_npz_read(z, "big32", &a) == 0, "%s", gt_error()); /* '>f4' */
    CHECK(a.ndim == 1 && a.shape[0] == 3 && a.data[0] == 0.5 && a.data[1] == -3.0 &&
          a.data[2] == (double)1e-3f);
    gt_npz_array_free(&a);
    gt_npz_close(z);
}

GT_TEST(npz_reads_members_with_data_descriptors) {
    /* written to an unseekable stream: local headers carry zero sizes and the
     * real ones follow the data, so only the central directory can be trusted */
    gt_npz *z;
    CHECKF(gt_npz_open(gt_test_path("fixtures/npz_stream.npz"), &z) == 0, "%s", gt_error());
    gt_npz_array a;
    CHECKF(gt_npz_read(z, "sigma", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 2 && a.shape[0] == 6 && a.shape[1] == 6);
    for (int i = 0; i < 36; i++) CHECK(a.data[i] == sigma_v(i / 6, i % 6));
    gt_npz_array_free(&a);
    CHECKF(gt_npz_read(z, "mu", &a) == 0, "%s", gt_error());
    for (int i = 0; i < 6; i++) CHECK(a.data[i] == mu_v(i));
    gt_npz_array_free(&a);
    gt_npz_close(z);
}

/* writer_arrays() of the fixture script */
typedef struct writer_set {
    double mu[5], sigma[25], scalar, wide[22];
    gt_npz_array arr[5];
} writer_set;

static void writer_arrays(writer_set *w) {
    const double mu[5] = {0.5, -1.25, 3.0, 1e-300, -0.0};
    memcpy(w->mu, mu, sizeof mu);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) w->sigma[i * 5 + j] = i * 5 + j + 0.125 * (i - j);
    w->scalar = 2.5;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 11; j++) w->wide[i * 11 + j] = 1.0 / (1 + i + 2 * j);
    gt_npz_array arr[5] = {
        {.name = "mu", .ndim = 1, .shape = {5, 1}, .data = w->mu},
        {.name = "sigma", .ndim = 2, .shape = {5, 5}, .data = w->sigma},
        {.name = "scalar", .ndim = 0, .shape = {1, 1}, .data = &w->scalar},
        {.name = "empty", .ndim = 1, .shape = {0, 1}, .data = NULL},
        {.name = "wide", .ndim = 2, .shape = {2, 11}, .data = w->wide},
    };
    memcpy(w->arr, arr, sizeof arr);
}

GT_TEST(npz_writer_matches_numpy_bytes) {
    writer_set w;
    writer_arrays(&w);
    unsigned char *mine, *ref;
    size_t n_mine, n_ref;
    CHECKF(gt_npz_write_mem(5, w.arr, &mine, &n_mine) == 0, "%s", gt_error());
    CHECK(load("fixtures/npz_writer_ref.npz", &ref, &n_ref));
    size_t first = 0;
    while (first < n_mine && first < n_ref && mine[first] == ref[first]) first++;
    int same = n_mine == n_ref && first == n_ref;
    free(ref);
    if (!same) free(mine);
    CHECKF(same, "gantrain's archive (%zu bytes) differs from numpy's (%zu bytes) at byte %zu",
           n_mine, n_ref, first);

    /* and through a file: written atomically, read back by the reader */
    char path[600];
    snprintf(path, sizeof path, "%s/stats.npz", gt_test_tmpdir());
    CHECKF(gt_npz_write(path, 5, w.arr) == 0, "%s", gt_error());
    char *disk;
    size_t n_disk;
    CHECK(gt_read_file(path, &disk, &n_disk) == 0);
    CHECK(n_disk == n_mine && !memcmp(disk, mine, n_mine));
    free(disk);
    free(mine);
    gt_npz *z;
    CHECKF(gt_npz_open(path, &z) == 0, "%s", gt_error());
    CHECK(gt_npz_count(z) == 5);
    for (int k = 0; k < 5; k++) {
        gt_npz_array a;
        CHECKF(gt_npz_read(z, w.arr[k].name, &a) == 0, "%s", gt_error());
        CHECK(a.ndim == w.arr[k].ndim);
        int64_t cnt = 1;
        for (int d = 0; d < a.ndim; d++) {
            CHECK(a.shape[d] == w.arr[k].shape[d]);
            cnt *= a.shape[d];
        }
        /* bit-exact, -0.0 and denormal-range values included */
        CHECK(cnt == 0 || !memcmp(a.data, w.arr[k].data, (size_t)cnt * sizeof(double)));
        gt_npz_array_free(&a);
    }
    gt_npz_close(z);
}

GT_TEST(npz_writer_refuses_bad_arrays) {
    double v = 1;
    gt_npz_array a[2] = {{.name = "x", .ndim = 1, .shape = {1, 1}, .data = &v},
                         {.name = "x", .ndim = 1, .shape = {1, 1}, .data = &v}};
    unsigned char *b;
    size_t n;
    CHECK(gt_npz_write_mem(2, a, &b, &n) != 0 && strstr(gt_error(), "given twice"));
    a[1].name = "a/b";
    CHECK(gt_npz_write_mem(2, a, &b, &n) != 0 && strstr(gt_error(), "invalid array name"));
    a[1].name = "y";
    a[1].ndim = 5;
    CHECK(gt_npz_write_mem(2, a, &b, &n) != 0 && strstr(gt_error(), "5 dimensions"));
    CHECK(gt_npz_write("/nonexistent-dir/s.npz", 1, a) != 0);
    CHECK(strstr(gt_error(), "/nonexistent-dir/s.npz") != NULL);
}

/* Opens a buffer and reads every member; returns 0 when all of it worked,
 * 1 for a clean error (message set, naming the label). */
static int open_and_read_all(const unsigned char *buf, size_t len, const char *label) {
    gt_npz *z;
    if (gt_npz_open_mem(buf, len, label, &z)) return 1;
    int failed = 0;
    for (int i = 0; i < gt_npz_count(z); i++) {
        gt_npz_array a;
        if (gt_npz_read(z, gt_npz_name(z, i), &a))
            failed = 1;
        else
            gt_npz_array_free(&a);
    }
    gt_npz_close(z);
    return failed;
}

GT_TEST(npz_bad_input_messages) {
    unsigned char *b;
    size_t n;
    CHECK(load("fixtures/npz_savez.npz", &b, &n));
    gt_npz *z;
    /* not a zip at all */
    CHECK(gt_npz_open_mem("hello, world, this is text", 26, "x.npz", &z) != 0 && z == NULL);
    CHECKF(strstr(gt_error(), "x.npz: not an .npz file"), "%s", gt_error());
    CHECK(gt_npz_open_mem("", 0, "empty.npz", &z) != 0);
    CHECK(strstr(gt_error(), "empty.npz: not an .npz file") != NULL);
    /* a bare .npy: the first member's data (stored, after a 30-byte header,
     * the name and numpy's 20-byte ZIP64 extra field) */
    {
        size_t off = 30 + (size_t)(b[26] | b[27] << 8) + (size_t)(b[28] | b[29] << 8);
        size_t len = (size_t)b[18] | (size_t)b[19] << 8;
        CHECK(off + len <= n);
        CHECK(gt_npz_open_mem(b + off, len, "mu.npy", &z) != 0);
        CHECKF(strstr(gt_error(), "mu.npy: is a single .npy array"), "%s", gt_error());
    }
    /* truncated: the end record is gone */
    CHECK(gt_npz_open_mem(b, n - 30, "t.npz", &z) != 0);
    CHECKF(strstr(gt_error(), "t.npz: truncated zip archive"), "%s", gt_error());
    /* truncated inside the central directory, but with the end record kept */
    {
        size_t eocd = n - 22;
        unsigned char *c = malloc(n);
        memcpy(c, b, n);
        c[eocd + 16] ^= 0x40; /* the central directory offset now points past the end */
        CHECK(gt_npz_open_mem(c, n, "cd.npz", &z) != 0);
        CHECKF(strstr(gt_error(), "cd.npz: corrupt zip archive"), "%s", gt_error());
        free(c);
    }
    /* CRC mismatch: one bit of mu's last value flipped (the data of the first
     * member ends right before the second local header) */
    {
        unsigned char *c = malloc(n);
        memcpy(c, b, n);
        size_t second = 4;
        while (second + 4 <= n && !(c[second] == 'P' && c[second + 1] == 'K' && c[second + 2] == 3 &&
                                    c[second + 3] == 4))
            second++;
        CHECK(second + 4 <= n);
        c[second - 1] ^= 0x01;
        CHECK(gt_npz_open_mem(c, n, "crc.npz", &z) == 0);
        gt_npz_array a;
        CHECK(gt_npz_read(z, "mu", &a) != 0);
        CHECKF(strstr(gt_error(), "crc.npz: member 'mu.npy': CRC mismatch"), "%s", gt_error());
        gt_npz_array a2;
        CHECK(gt_npz_read(z, "sigma", &a2) == 0); /* the other members are fine */
        gt_npz_array_free(&a2);
        gt_npz_close(z);
        free(c);
    }
    free(b);
}

GT_TEST(npz_truncated_at_every_length) {
    const char *files[] = {"fixtures/npz_savez.npz", "fixtures/npz_savez_compressed.npz"};
    for (int f = 0; f < 2; f++) {
        unsigned char *b;
        size_t n;
        CHECK(load(files[f], &b, &n));
        /* an exact-size copy per length, so the sanitizers see any overread */
        for (size_t len = 0; len < n; len++) {
            unsigned char *c = malloc(len ? len : 1);
            memcpy(c, b, len);
            int r = open_and_read_all(c, len, "cut.npz");
            free(c);
            CHECKF(r == 1, "%s cut to %zu bytes was accepted", files[f], len);
            CHECKF(!strncmp(gt_error(), "cut.npz: ", 9), "%s", gt_error());
        }
        CHECK(open_and_read_all(b, n, "whole.npz") == 1); /* ints and cube are refused... */
        CHECK(strstr(gt_error(), "whole.npz: member") != NULL);
        free(b);
    }
}

GT_TEST(npz_corrupt_deflate_stream) {
    unsigned char *b;
    size_t n;
    CHECK(load("fixtures/npz_savez_compressed.npz", &b, &n));
    size_t off = 30 + (size_t)(b[26] | b[27] << 8) + (size_t)(b[28] | b[29] << 8);
    size_t csize = (size_t)b[18] | (size_t)b[19] << 8;
    int crc = 0, zlib = 0;
    /* every byte of mu's deflate stream, flipped in turn: never accepted */
    for (size_t k = off; k < off + csize; k++) {
        for (int bit = 0; bit < 8; bit += 3) {
            b[k] ^= (unsigned char)(1u << bit);
            gt_npz *z;
            CHECK(gt_npz_open_mem(b, n, "c.npz", &z) == 0);
            gt_npz_array a;
            int r = gt_npz_read(z, "mu", &a);
            gt_npz_close(z);
            b[k] ^= (unsigned char)(1u << bit);
            if (r == 0) {
                /* only a flip in the padding bits after the final block goes
                 * unseen, and then the data is intact */
                int intact = a.ndim == 1 && a.shape[0] == 6;
                for (int i = 0; intact && i < 6; i++) intact = a.data[i] == mu_v(i);
                gt_npz_array_free(&a);
                CHECKF(intact && k == off + csize - 1, "flipping bit %d of byte %zu gave wrong data",
                       bit, k);
                continue;
            }
            crc += strstr(gt_error(), "CRC mismatch") != NULL;
            zlib += strstr(gt_error(), "deflate") != NULL || strstr(gt_error(), "declared") != NULL;
        }
    }
    CHECK(crc > 0 && zlib > 0); /* both layers of detection took part */
    free(b);
}

/* Random corruption of numpy's files: every outcome must be a clean accept
 * or a clean error (run under `make asan` to catch what a crash would hide). */
GT_TEST(npz_fuzz_mutations) {
    const char *files[] = {"fixtures/npz_savez.npz", "fixtures/npz_savez_compressed.npz",
                           "fixtures/npz_variants.npz", "fixtures/npz_stream.npz"};
    gt_rng r;
    gt_rng_seed(&r, 12345);
    int errors = 0, accepted = 0;
    for (int f = 0; f < 4; f++) {
        unsigned char *b;
        size_t n;
        CHECK(load(files[f], &b, &n));
        for (int it = 0; it < 1500; it++) {
            unsigned char *c = malloc(n);
            memcpy(c, b, n);
            size_t len = n;
            int edits = 1 + (int)gt_rng_below(&r, 4);
            for (int e = 0; e < edits; e++) {
                size_t at = (size_t)gt_rng_below(&r, len);
                switch (gt_rng_below(&r, 4)) {
                case 0: c[at] ^= (unsigned char)(1u << gt_rng_below(&r, 8)); break;
                case 1: c[at] = (unsigned char)gt_rng_below(&r, 256); break;
                case 2: /* large lengths and offsets are the dangerous ones */
                    for (size_t k = at; k < at + 4 && k < len; k++) c[k] = 0xff;
                    break;
                default: len = at + 1 + (size_t)gt_rng_below(&r, len - at); break;
                }
            }
            if (open_and_read_all(c, len, "fuzz.npz")) {
                errors++;
                CHECKF(!strncmp(gt_error(), "fuzz.npz: ", 10), "%s", gt_error());
            } else {
                accepted++;
            }
            free(c);
        }
        free(b);
    }
    CHECK(errors > 1000);
    (void)accepted;
}

static void put_le(unsigned char *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* An archive whose central directory uses every ZIP64 field: the sizes and
 * offset in the entry's extra field, the counts and offsets in a ZIP64 end
 * record.  Built here from the writer's single-member output. */
GT_TEST(npz_reads_zip64_directory) {
    double v[3] = {1.25, -7.0, 0.5};
    gt_npz_array arr = {.name = "mu", .ndim = 1, .shape = {3, 1}, .data = v};
    unsigned char *src;
    size_t n;
    CHECK(gt_npz_write_mem(1, &arr, &src, &n) == 0);
    size_t cd = (size_t)src[n - 6] | (size_t)src[n - 5] << 8; /* small: fits 16 bits */
    size_t nl = 6;                                            /* "mu.npy" */
    uint64_t size = (uint64_t)src[cd + 20] | (uint64_t)src[cd + 21] << 8;
    size_t out_len = cd + 46 + nl + 28 + 56 + 20 + 22;
    unsigned char *o = calloc(1, out_len);
    memcpy(o, src, cd + 46 + nl); /* members and the central entry */
    unsigned char *c = o + cd;
    put_le(c + 20, 0xffffffffu, 4);
    put_le(c + 24, 0xffffffffu, 4);
    put_le(c + 42, 0xffffffffu, 4);
    put_le(c + 30, 28, 2);
    unsigned char *x = c + 46 + nl;
    put_le(x, 1, 2);
    put_le(x + 2, 24, 2);
    put_le(x + 4, size, 8);  /* uncompressed */
    put_le(x + 12, size, 8); /* compressed */
    put_le(x + 20, 0, 8);    /* local header offset */
    size_t e64 = cd + 46 + nl + 28;
    unsigned char *r = o + e64;
    put_le(r, 0x06064b50u, 4);
    put_le(r + 4, 44, 8);
    put_le(r + 12, 45, 2);
    put_le(r + 14, 45, 2);
    put_le(r + 24, 1, 8);
    put_le(r + 32, 1, 8);
    put_le(r + 40, 46 + nl + 28, 8);
    put_le(r + 48, cd, 8);
    unsigned char *l = r + 56;
    put_le(l, 0x07064b50u, 4);
    put_le(l + 8, e64, 8);
    put_le(l + 16, 1, 4);
    unsigned char *e = l + 20;
    put_le(e, 0x06054b50u, 4);
    put_le(e + 8, 0xffff, 2);
    put_le(e + 10, 0xffff, 2);
    put_le(e + 12, 0xffffffffu, 4);
    put_le(e + 16, 0xffffffffu, 4);
    free(src);
    gt_npz *z;
    int rc = gt_npz_open_mem(o, out_len, "z64.npz", &z);
    free(o);
    CHECKF(rc == 0, "%s", gt_error());
    gt_npz_array a;
    CHECKF(gt_npz_read(z, "mu", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 1 && a.shape[0] == 3 && !memcmp(a.data, v, sizeof v));
    gt_npz_array_free(&a);
    gt_npz_close(z);
}

/* 4-D kernels as scripts/convert-inception.py writes them: C order, Fortran
 * order (transposed into C order) and float32; 5-D refused by name */
static double kern_v(int a, int b, int c, int d) { return (a * 27 + b * 9 + c * 3 + d - 20) / 11.0; }

GT_TEST(npz_reads_4d_arrays) {
    gt_npz *z;
    CHECKF(gt_npz_open(gt_test_path("fixtures/npz_nd.npz"), &z) == 0, "%s", gt_error());
    const char *names[] = {"kernel", "kernel_f", "kernel32"};
    for (int n = 0; n < 3; n++) {
        gt_npz_array a;
        CHECKF(gt_npz_read(z, names[n], &a) == 0, "%s", gt_error());
        CHECK(a.ndim == 4 && a.shape[0] == 2 && a.shape[1] == 3 && a.shape[2] == 3 && a.shape[3] == 3);
        int bad = 0;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++)
                    for (int l = 0; l < 3; l++) {
                        double want = kern_v(i, j, k, l), have = a.data[((i * 3 + j) * 3 + k) * 3 + l];
                        if (n == 2 ? have != (double)(float)want : have != want) bad++;
                    }
        CHECKF(!bad, "%s: %d values misplaced", names[n], bad);
        gt_npz_array_free(&a);
    }
    gt_npz_array a;
    CHECK(gt_npz_read(z, "five", &a) != 0);
    CHECKF(strstr(gt_error(), "'five.npy' has 5 dimensions") && strstr(gt_error(), "up to 4"), "%s", gt_error());
    gt_npz_close(z);
}

GT_TEST(npz_writes_4d_arrays) {
    double v[2 * 3 * 3 * 3];
    for (int i = 0; i < 54; i++) v[i] = i * 0.5 - 3;
    gt_npz_array w = {.name = "w", .ndim = 4, .shape = {2, 3, 3, 3}, .data = v};
    unsigned char *buf;
    size_t len;
    CHECKF(gt_npz_write_mem(1, &w, &buf, &len) == 0, "%s", gt_error());
    CHECK(memmem(buf, len, "'shape': (2, 3, 3, 3)", 21) != NULL);
    gt_npz *z;
    CHECKF(gt_npz_open_mem(buf, len, "mem", &z) == 0, "%s", gt_error());
    gt_npz_array a;
    CHECKF(gt_npz_read(z, "w", &a) == 0, "%s", gt_error());
    CHECK(a.ndim == 4 && a.shape[3] == 3 && !memcmp(a.data, v, sizeof v));
    gt_npz_array_free(&a);
    gt_npz_close(z);
    free(buf);
    gt_npz_array five = {.name = "f", .ndim = 5, .data = v};
    CHECK(gt_npz_write_mem(1, &five, &buf, &len) != 0);
    CHECKF(strstr(gt_error(), "5 dimensions (0..4 supported)"), "%s", gt_error());
}
