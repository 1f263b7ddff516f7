/* image.c — PNG encoding (stb_image_write) and torchvision-style grids. */
#include "gantrain/image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stb/stb_image_write.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
} membuf;

static void mem_write(void *ctx, void *data, int size) {
    membuf *m = ctx;
    if (m->n + (size_t)size > m->cap) {
        m->cap = (m->n + (size_t)size) * 2;
        m->p = gt_xrealloc(m->p, m->cap);
    }
    memcpy(m->p + m->n, data, (size_t)size);
    m->n += (size_t)size;
}

int gt_png_encode(const uint8_t *pix, int w, int h, int c, uint8_t **out, size_t *out_len) {
    membuf m = {0};
    if (w <= 0 || h <= 0 || (c != 1 && c != 3 && c != 4))
        return gt_error_set("cannot encode a %dx%dx%d image as PNG", w, h, c);
    if (!stbi_write_png_to_func(mem_write, &m, w, h, c, pix, w * c)) {
        free(m.p);
        return gt_error_set("PNG encoding of a %dx%d image failed", w, h);
    }
    *out = m.p;
    *out_len = m.n;
    return GT_OK;
}

int gt_png_write(const char *path, const uint8_t *pix, int w, int h, int c) {
    uint8_t *png = NULL;
    size_t n = 0;
    if (gt_png_encode(pix, w, h, c, &png, &n)) return GT_ERR;
    int rc = gt_write_file_atomic(path, png, n);
    free(png);
    return rc;
}

uint8_t gt_pixel_u8(float v) {
    float x = (v + 1.0f) * 127.5f;
    if (!(x > 0.0f)) return 0; /* also NaN */
    if (x >= 255.0f) return 255;
    return (uint8_t)lrintf(x);
}

uint8_t *gt_grid_pixels(const gt_tensor *imgs, int nrow, int pad, uint8_t pad_value, int *w,
                        int *h, int *c) {
    GT_ASSERTF(imgs->ndim == 4 && (imgs->shape[1] == 1 || imgs->shape[1] == 3),
               "grid of %s: want [N, 1 or 3, H, W]", GT_SHAPE_STR(imgs));
    int N = imgs->shape[0], C = imgs->shape[1], H = imgs->shape[2], W = imgs->shape[3];
    if (nrow <= 0) nrow = 8;
    int cols = N < nrow ? N : nrow, rows = (N + nrow - 1) / nrow;
    if (cols < 1) cols = 1;
    if (rows < 1) rows = 1;
    *w = cols * (W + pad) + pad;
    *h = rows * (H + pad) + pad;
    *c = C;
    uint8_t *pix = gt_xmalloc((size_t)*w * (size_t)*h * (size_t)C);
    memset(pix, pad_value, (size_t)*w * (size_t)*h * (size_t)C);
    for (int n = 0; n < N; n++) {
        int y0 = pad + (n / nrow) * (H + pad), x0 = pad + (n % nrow) * (W + pad);
        for (int ch = 0; ch < C; ch++) {
            const float *src = imgs->data + ((int64_t)n * C + ch) * H * W;
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    pix[((size_t)(y0 + y) * (size_t)*w + (size_t)(x0 + x)) * (size_t)C + (size_t)ch] =
                        gt_pixel_u8(src[(int64_t)y * W + x]);
        }
    }
    return pix;
}

int gt_grid_write(const char *path, const gt_tensor *imgs, int nrow, int pad) {
    int w, h, c;
    uint8_t *pix = gt_grid_pixels(imgs, nrow, pad, 0, &w, &h, &c);
    int rc = gt_png_write(path, pix, w, h, c);
    free(pix);
    return rc;
}
