/* fuzz_idx.c — MNIST / Fashion-MNIST IDX files, raw or gzip.
 *
 * Input: a flags byte, then the file.  Flags bit 0: gzip the rest first (so
 * the fuzzer reaches the IDX parser behind a valid gzip stream as well as
 * zlib's error paths on raw mutations); bit 1: read it as labels (1 dim)
 * rather than images (3 dims); bit 2: instead, split the rest at the byte
 * given by the next two bytes into an image file and a label file and open
 * the whole dataset (counts, labels, class filter, resize) as `gantrain
 * data` does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../src/data/internal.h"
#include "fuzz.h"
#include "gantrain/config.h"
#include "gantrain/error.h"

static unsigned char *gzip_buf(const uint8_t *d, size_t n, size_t *out_n) {
    uLong cap = compressBound((uLong)n) + 64;
    unsigned char *out = malloc(cap);
    z_stream zs = {0};
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (unsigned char *)d;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    *out_n = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static void put(const char *name, const uint8_t *d, size_t n, int gz) {
    if (!gz) {
        gt_fuzz_file(name, d, n);
        return;
    }
    size_t zn;
    unsigned char *z = gzip_buf(d, n, &zn);
    gt_fuzz_file(name, z, zn);
    free(z);
}

GT_FUZZ_TARGET(idx) {
    gt_fuzz_setup();
    if (size < 1) return 0;
    int flags = data[0];
    data++, size--;
    if (!(flags & 4)) {
        put("one-idx", data, size, flags & 1);
        char path[1024];
        snprintf(path, sizeof path, "%s/one-idx", gt_fuzz_dir());
        int64_t dims[3];
        uint8_t *pix = NULL;
        int gz;
        gt_error_clear();
        int rc = gt__idx_read(path, flags & 2 ? 1 : 3, dims, &pix, &gz);
        gt_fuzz_check_error(rc, path);
        free(pix);
        return 0;
    }
    if (size < 2) return 0;
    size_t split = (size_t)(data[0] | data[1] << 8);
    data += 2, size -= 2;
    if (split > size) split = size;
    put("train-images-idx3-ubyte", data, split, flags & 1);
    put("train-labels-idx1-ubyte", data + split, size - split, flags & 1);
    gt_config *cfg = gt_config_new();
    char set[1200];
    snprintf(set, sizeof set, "data.path=%s", gt_fuzz_dir());
    gt_config_set_arg(cfg, set);
    gt_config_set_arg(cfg, "data.dataset=mnist");
    /* the selection and preprocessing options the other bits pick */
    static const char *sizes[] = {"0", "8", "16", "40"};
    static const char *classes[] = {"", "1, 3", "T-shirt", "9"};
    snprintf(set, sizeof set, "data.image_size=%s", sizes[(flags >> 3) & 3]);
    gt_config_set_arg(cfg, set);
    snprintf(set, sizeof set, "data.classes=%s", classes[(flags >> 5) & 3]);
    gt_config_set_arg(cfg, set);
    if (flags & 0x80) gt_config_set_arg(cfg, "data.channels=3");
    gt_fuzz_dataset(cfg);
    return 0;
}
