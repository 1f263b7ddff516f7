/* scatter.c — a PNG scatter plot of 2-D points: toy2d's `--grid`, and the
 * trainer's picture of real (grey) against generated (red) points. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/image.h"
#include "internal.h"

static void blend(uint8_t *px, const uint8_t col[3], float alpha) {
    for (int k = 0; k < 3; k++) px[k] = (uint8_t)lrintf(px[k] * (1 - alpha) + col[k] * alpha);
}

static void plot(uint8_t *img, int size, float range, const float *p, int64_t n, const uint8_t col[3],
                 float alpha) {
    float scale = (size - 1) / (2 * range);
    for (int64_t i = 0; i < n; i++) {
        float x = p[2 * i], y = p[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        int px = (int)lrintf((x + range) * scale), py = (int)lrintf((range - y) * scale);
        /* a 2x2 dot: visible at 512 pixels, small enough to show structure */
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++) {
                int xx = px + dx, yy = py + dy;
                if (xx >= 0 && xx < size && yy >= 0 && yy < size) blend(img + ((size_t)yy * size + xx) * 3, col, alpha);
            }
    }
}

static float fit_range(const float *p, int64_t n, float r) {
    for (int64_t i = 0; i < 2 * n; i++)
        if (isfinite(p[i]) && fabsf(p[i]) > r) r = fabsf(p[i]);
    return r;
}

int gt_scatter_write(const char *path, const float *a, int64_t n, const float *b, int64_t nb,
                     int size, float range) {
    if (size < 16) size = 16;
    if (!(range > 0)) {
        float r = fit_range(a, n, 0.0f);
        if (b) r = fit_range(b, nb, r);
        /* 10% margin, then up to the next multiple of 0.5 */
        range = ceilf(r * 1.1f * 2.0f) / 2.0f;
        if (range <= 0) range = 1;
    }
    size_t np = (size_t)size * size;
    uint8_t *img = gt_xmalloc(np * 3);
    memset(img, 255, np * 3);
    /* grid lines at every unit, the axes darker */
    float scale = (size - 1) / (2 * range);
    for (int g = -(int)floorf(range); g <= (int)floorf(range); g++) {
        int q = (int)lrintf((g + range) * scale);
        uint8_t v = g == 0 ? 170 : 228;
        for (int t = 0; t < size; t++) {
            uint8_t *h = img + ((size_t)q * size + t) * 3, *vv = img + ((size_t)t * size + (size - 1 - q)) * 3;
            if (h[0] > v) memset(h, v, 3);
            if (vv[0] > v) memset(vv, v, 3);
        }
    }
    static const uint8_t grey[3] = {40, 40, 40}, red[3] = {220, 30, 30};
    plot(img, size, range, a, n, grey, 0.3f);
    if (b) plot(img, size, range, b, nb, red, 0.3f);
    int rc = gt_png_write(path, img, size, size, 3);
    free(img);
    return rc;
}
