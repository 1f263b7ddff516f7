/* im2col.c — patch gather (im2col) and its adjoint scatter-add (col2im). */
#include "im2col.h"

#include <string.h>

#include "gantrain/threads.h"

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

void gt_im2col(const float *x, int nb, const gt_conv_dims *d, float *col) {
    const int C = d->C, H = d->H, W = d->W, KH = d->KH, KW = d->KW, OH = d->OH, OW = d->OW;
    const int sh = d->sh, sw = d->sw, ph = d->ph, pw = d->pw;
    const int64_t ohw = (int64_t)OH * OW, ncol = nb * ohw;
    const int rows = C * KH * KW;
#pragma omp parallel for schedule(static) if ((int64_t)rows * ncol >= GT_PAR_MIN)
    for (int r = 0; r < rows; r++) {
        int kw = r % KW, kh = (r / KW) % KH, c = r / (KW * KH);
        float *dst = col + (int64_t)r * ncol;
        /* output columns whose input column lies inside the image */
        int lo = 0, hi = OW;
        if (sw == 1) {
            lo = imax(0, pw - kw);
            hi = imin(OW, W + pw - kw);
            if (hi < lo) hi = lo;
        }
        for (int n = 0; n < nb; n++) {
            const float *xp = x + ((int64_t)n * C + c) * H * W;
            for (int oh = 0; oh < OH; oh++) {
                int ih = oh * sh - ph + kh;
                float *o = dst + n * ohw + (int64_t)oh * OW;
                if (ih < 0 || ih >= H) {
                    memset(o, 0, (size_t)OW * sizeof(float));
                    continue;
                }
                const float *xr = xp + (int64_t)ih * W;
                if (sw == 1) {
                    for (int ow = 0; ow < lo; ow++) o[ow] = 0.0f;
                    if (hi > lo) memcpy(o + lo, xr + lo - pw + kw, (size_t)(hi - lo) * sizeof(float));
                    for (int ow = hi; ow < OW; ow++) o[ow] = 0.0f;
                } else {
                    for (int ow = 0; ow < OW; ow++) {
                        int iw = ow * sw - pw + kw;
                        o[ow] = (iw >= 0 && iw < W) ? xr[iw] : 0.0f;
                    }
                }
            }
        }
    }
}

void gt_col2im_add(const float *col, int nb, const gt_conv_dims *d, float *dx) {
    const int C = d->C, H = d->H, W = d->W, KH = d->KH, KW = d->KW, OH = d->OH, OW = d->OW;
    const int sh = d->sh, sw = d->sw, ph = d->ph, pw = d->pw;
    const int64_t ohw = (int64_t)OH * OW, ncol = nb * ohw;
    const int planes = nb * C;
    /* one (n, c) plane per iteration: each output element is written by one
     * thread in a fixed order, so results do not depend on the thread count */
#pragma omp parallel for schedule(static) if ((int64_t)planes * KH * KW * ohw >= GT_PAR_MIN)
    for (int p = 0; p < planes; p++) {
        int n = p / C, c = p % C;
        float *xp = dx + ((int64_t)n * C + c) * H * W;
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++) {
                const float *src = col + ((int64_t)(c * KH + kh) * KW + kw) * ncol + n * ohw;
                int lo = 0, hi = OW;
                if (sw == 1) {
                    lo = imax(0, pw - kw);
                    hi = imin(OW, W + pw - kw);
                }
                for (int oh = 0; oh < OH; oh++) {
                    int ih = oh * sh - ph + kh;
                    if (ih < 0 || ih >= H) continue;
                    float *xr = xp + (int64_t)ih * W;
                    const float *s = src + (int64_t)oh * OW;
                    if (sw == 1) {
                        float *xo = xr - pw + kw;
                        for (int ow = lo; ow < hi; ow++) xo[ow] += s[ow];
                    } else {
                        for (int ow = 0; ow < OW; ow++) {
                            int iw = ow * sw - pw + kw;
                            if (iw >= 0 && iw < W) xr[iw] += s[ow];
                        }
                    }
                }
            }
    }
}
