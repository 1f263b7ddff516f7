/* test_data_gen.c — writers of small dataset files for the tests: IDX (raw
 * and gzip), CIFAR-10 records, PNG and JPEG images, configs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <stb/stb_image_write.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "test.h"
#include "test_data.h"

const char *td_path(const char *rel) {
    static char buf[8][1200];
    static int k;
    char *b = buf[k++ & 7];
    snprintf(b, sizeof buf[0], "%s/%s", gt_test_tmpdir(), rel);
    char *slash = strrchr(b, '/');
    if (slash) {
        *slash = 0;
        gt_mkdirs(b);
        *slash = '/';
    }
    return b;
}

void td_write(const char *rel, const void *data, size_t n) {
    FILE *f = fopen(td_path(rel), "wb");
    if (!f) {
        gt_test_fail(__FILE__, __LINE__, "cannot write %s", rel);
        return;
    }
    if (n) fwrite(data, 1, n, f);
    fclose(f);
}

void td_write_gz(const char *rel, const void *data, size_t n) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    td_write(rel, out, len);
    free(out);
}

size_t td_idx_header(uint8_t *out, int ndim, const int *dims) {
    out[0] = 0, out[1] = 0, out[2] = 0x08, out[3] = (uint8_t)ndim;
    for (int d = 0; d < ndim; d++) {
        uint32_t v = (uint32_t)dims[d];
        out[4 + 4 * d] = (uint8_t)(v >> 24), out[5 + 4 * d] = (uint8_t)(v >> 16);
        out[6 + 4 * d] = (uint8_t)(v >> 8), out[7 + 4 * d] = (uint8_t)v;
    }
    return 4 + 4 * (size_t)ndim;
}

static void write_maybe_gz(const char *rel, const uint8_t *d, size_t n, int gz) {
    char name[700];
    snprintf(name, sizeof name, "%.600s%s", rel, gz ? ".gz" : "");
    if (gz)
        td_write_gz(name, d, n);
    else
        td_write(name, d, n);
}

void td_idx(const char *dir, const char *prefix, int n, int rows, int cols, const uint8_t *pix,
            const uint8_t *labels, int gz) {
    size_t np = (size_t)n * rows * cols;
    uint8_t *buf = malloc(16 + np + 8 + (size_t)n);
    int dims[3] = {n, rows, cols};
    size_t h = td_idx_header(buf, 3, dims);
    memcpy(buf + h, pix, np);
    char rel[600];
    snprintf(rel, sizeof rel, "%s/%s-images-idx3-ubyte", dir, prefix);
    write_maybe_gz(rel, buf, h + np, gz);
    h = td_idx_header(buf, 1, dims);
    memcpy(buf + h, labels, (size_t)n);
    snprintf(rel, sizeof rel, "%s/%s-labels-idx1-ubyte", dir, prefix);
    write_maybe_gz(rel, buf, h + (size_t)n, gz);
    free(buf);
}

void td_png(const char *rel, int w, int h, int c, const uint8_t *pix) {
    if (!stbi_write_png(td_path(rel), w, h, c, pix, w * c))
        gt_test_fail(__FILE__, __LINE__, "cannot write %s", rel);
}

size_t td_read(const char *rel, uint8_t **data) {
    char *d = NULL;
    size_t n = 0;
    if (gt_read_file(td_path(rel), &d, &n)) gt_test_fail(__FILE__, __LINE__, "%s", gt_error());
    *data = (uint8_t *)d;
    return n;
}

gt_config *td_cfg(const char *ini) {
    const char *p = td_path("data.ini");
    FILE *f = fopen(p, "w");
    fputs(ini, f);
    fclose(f);
    gt_config *c = gt_config_new();
    if (gt_config_load(c, p)) {
        gt_test_fail(__FILE__, __LINE__, "config: %s", gt_error());
        gt_config_free(c);
        return NULL;
    }
    return c;
}

gt_dataset *td_open(const char *ini) {
    gt_config *c = td_cfg(ini);
    if (!c) return NULL;
    gt_dataset *ds = gt_dataset_open(c);
    gt_config_free(c);
    if (!ds) gt_test_fail(__FILE__, __LINE__, "open failed: %s\nconfig:\n%s", gt_error(), ini);
    return ds;
}

int td_fails(const char *ini, const char *frag1, const char *frag2, const char *file, int line) {
    gt_config *c = td_cfg(ini);
    if (!c) return 0;
    gt_error_clear();
    gt_dataset *ds = gt_dataset_open(c);
    gt_config_free(c);
    if (ds) {
        gt_dataset_free(ds);
        gt_test_fail(file, line, "expected a failure for:\n%s", ini);
        return 0;
    }
    const char *m = gt_error();
    if (!strstr(m, frag1) || (frag2 && !strstr(m, frag2)) || strchr(m, '\n')) {
        gt_test_fail(file, line, "message '%s' lacks '%s' / '%s' (or is not one line)", m, frag1,
                     frag2 ? frag2 : "");
        return 0;
    }
    return 1;
}
