/* preprocess.c — centre crop, resize and channel conversion of uint8 images.
 *
 * Resizing is separable, one axis at a time, with a weight table per axis:
 *   shrinking: box (area) averaging — each output pixel is the mean of the
 *     source interval it covers, fractional pixels weighted by their
 *     coverage.  It is the antialiasing filter that keeps no source pixel
 *     out (no moire on CelebA's hair, no lost strokes on digits), and it is
 *     exact: halving averages 2x2 blocks, which the tests check.
 *   enlarging: bilinear with half-pixel centres (torch's align_corners =
 *     False, PIL's bilinear when enlarging), since box averaging would only
 *     replicate pixels.
 * Values are rounded to the nearest uint8 after the second axis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "internal.h"

/* The region of an h x w image that is kept: the centre crop, then (when
 * resizing a non-square region) its largest centred square.  Offsets are
 * floored, so an odd margin leaves the extra pixel at the bottom/right. */
static void region(const gt_prep *p, int h, int w, int *y0, int *x0, int *hc, int *wc) {
    *y0 = 0, *x0 = 0, *hc = h, *wc = w;
    if (p->crop > 0) {
        *y0 = (h - p->crop) / 2, *x0 = (w - p->crop) / 2;
        *hc = *wc = p->crop;
    }
    if (p->size > 0 && *hc != *wc) {
        int s = *hc < *wc ? *hc : *wc;
        *y0 += (*hc - s) / 2, *x0 += (*wc - s) / 2;
        *hc = *wc = s;
    }
}

int gt__prep_geometry(const gt_prep *p, const char *what, int c, int h, int w, int *oc, int *oh,
                      int *ow) {
    if (p->crop > 0 && (p->crop > h || p->crop > w))
        return gt_error_set("%s: the image is %dx%d, smaller than data.center_crop = %d; lower "
                            "data.center_crop",
                            what, w, h, p->crop);
    int y0, x0, hc, wc;
    region(p, h, w, &y0, &x0, &hc, &wc);
    *oh = p->size > 0 ? p->size : hc;
    *ow = p->size > 0 ? p->size : wc;
    *oc = p->channels > 0 ? p->channels : c;
    return GT_OK;
}

int gt__prep_identity(const gt_prep *p, int c, int h, int w) {
    return (p->crop == 0 || (p->crop == h && p->crop == w)) &&
           (p->size == 0 || (p->size == h && p->size == w)) && (p->channels == 0 || p->channels == c);
}

/* out[j] = sum_t w[j*taps + t] * in[idx[j*taps + t]] */
typedef struct axis {
    int taps;
    int *idx;
    float *w;
} axis;

static void axis_init(axis *a, int n_in, int n_out) {
    if (n_out < n_in) {
        double scale = (double)n_in / n_out;
        a->taps = (int)ceil(scale) + 1;
    } else {
        a->taps = n_out == n_in ? 1 : 2;
    }
    a->idx = gt_xmalloc((size_t)n_out * (size_t)a->taps * sizeof *a->idx);
    a->w = gt_xmalloc((size_t)n_out * (size_t)a->taps * sizeof *a->w);
    for (int j = 0; j < n_out; j++) {
        int *ix = a->idx + (size_t)j * a->taps;
        float *wt = a->w + (size_t)j * a->taps;
        for (int t = 0; t < a->taps; t++) ix[t] = 0, wt[t] = 0.0f;
        if (n_out == n_in) {
            ix[0] = j, wt[0] = 1.0f;
        } else if (n_out < n_in) {
            /* output j covers [lo, hi) of the input, in input pixels */
            double scale = (double)n_in / n_out, lo = j * scale, hi = (j + 1) * scale;
            int i0 = (int)floor(lo), t = 0;
            for (int i = i0; i < n_in && i < hi && t < a->taps; i++, t++) {
                double cover = fmin(hi, i + 1.0) - fmax(lo, (double)i);
                ix[t] = i, wt[t] = (float)(cover / scale);
            }
        } else {
            double s = (j + 0.5) * n_in / n_out - 0.5;
            if (s < 0) s = 0;
            if (s > n_in - 1) s = n_in - 1;
            int i0 = (int)floor(s), i1 = i0 + 1 < n_in ? i0 + 1 : i0;
            ix[0] = i0, wt[0] = (float)(1.0 - (s - i0));
            ix[1] = i1, wt[1] = (float)(s - i0);
        }
    }
}

static void axis_free(axis *a) {
    free(a->idx);
    free(a->w);
}

void gt_image_resize(const float *src, int c, int h, int w, float *dst, int oh, int ow) {
    if (oh == h && ow == w) {
        memcpy(dst, src, sizeof(float) * (size_t)c * h * w);
        return;
    }
    axis ax, ay;
    axis_init(&ax, w, ow);
    axis_init(&ay, h, oh);
    float *tmp = gt_xmalloc(sizeof(float) * (size_t)h * ow); /* one plane, x resized */
    for (int ch = 0; ch < c; ch++) {
        const float *in = src + (size_t)ch * h * w;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < ow; x++) {
                const int *ix = ax.idx + (size_t)x * ax.taps;
                const float *wt = ax.w + (size_t)x * ax.taps;
                float v = 0.0f;
                for (int k = 0; k < ax.taps; k++) v += wt[k] * in[(size_t)y * w + ix[k]];
                tmp[(size_t)y * ow + x] = v;
            }
        float *out = dst + (size_t)ch * oh * ow;
        for (int y = 0; y < oh; y++) {
            const int *iy = ay.idx + (size_t)y * ay.taps;
            const float *wt = ay.w + (size_t)y * ay.taps;
            float *o = out + (size_t)y * ow;
            for (int x = 0; x < ow; x++) o[x] = 0.0f;
            for (int k = 0; k < ay.taps; k++) {
                const float *t = tmp + (size_t)iy[k] * ow;
                for (int x = 0; x < ow; x++) o[x] += wt[k] * t[x];
            }
        }
    }
    free(tmp);
    axis_free(&ax);
    axis_free(&ay);
}

static inline uint8_t to_u8(float v) {
    if (!(v > 0.0f)) return 0;
    if (v >= 255.0f) return 255;
    return (uint8_t)(v + 0.5f);
}

/* Scratch layout (in floats), from the full input size so that every crop
 * fits: first-pass rows [c, h, M], one accumulator row [M], then the
 * resized planes as bytes [c, oh, ow] when channels are converted. */
static size_t scratch_layout(int c, int h, int w, int oh, int ow, size_t *acc_off, size_t *res_off) {
    size_t M = (size_t)(ow > w ? ow : w);
    *acc_off = (size_t)c * h * M;
    *res_off = *acc_off + M;
    return *res_off + ((size_t)c * oh * ow + 3) / 4 + 1;
}

size_t gt__prep_scratch_floats(const gt_prep *p, int c, int h, int w) {
    int oc = c, oh = h, ow = w;
    gt_prep q = *p;
    if (q.crop > h || q.crop > w) q.crop = 0; /* geometry errors are reported elsewhere */
    gt__prep_geometry(&q, "", c, h, w, &oc, &oh, &ow);
    size_t a, r;
    return scratch_layout(c, h, w, oh, ow, &a, &r);
}

void gt__prep_image(const gt_prep *p, const uint8_t *src, int c, int h, int w, ptrdiff_t cs,
                    ptrdiff_t ys, ptrdiff_t xs, uint8_t *dst, float *scratch) {
    int y0, x0, hc, wc, oc, oh, ow;
    region(p, h, w, &y0, &x0, &hc, &wc);
    oh = p->size > 0 ? p->size : hc;
    ow = p->size > 0 ? p->size : wc;
    oc = p->channels > 0 ? p->channels : c;
    GT_ASSERTF(c == 1 || c == 3, "preprocessing a %d-channel image", c);
    GT_ASSERTF(oc == 1 || oc == 3, "preprocessing to %d channels", oc);
    const uint8_t *s0 = src + y0 * ys + x0 * xs;
    size_t plane = (size_t)oh * ow, acc_off, res_off;
    scratch_layout(c, h, w, oh, ow, &acc_off, &res_off);
    /* the c resized planes go straight to dst unless RGB becomes grey */
    uint8_t *res = (oc == c || oc == 3) ? dst : (uint8_t *)(scratch + res_off);
    if (oh == hc && ow == wc) {
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++) {
                const uint8_t *row = s0 + ch * cs + y * ys;
                uint8_t *out = res + ch * plane + (size_t)y * ow;
                if (xs == 1)
                    memcpy(out, row, (size_t)ow);
                else
                    for (int x = 0; x < ow; x++) out[x] = row[x * xs];
            }
    } else {
        axis ax, ay;
        axis_init(&ax, wc, ow);
        axis_init(&ay, hc, oh);
        float *tmp = scratch, *acc = scratch + acc_off; /* tmp: [c, hc, ow] */
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < hc; y++) {
                const uint8_t *row = s0 + ch * cs + y * ys;
                float *t = tmp + ((size_t)ch * hc + y) * ow;
                for (int x = 0; x < ow; x++) {
                    const int *ix = ax.idx + (size_t)x * ax.taps;
                    const float *wt = ax.w + (size_t)x * ax.taps;
                    float v = 0.0f;
                    for (int k = 0; k < ax.taps; k++) v += wt[k] * (float)row[ix[k] * xs];
                    t[x] = v;
                }
            }
        /* second axis: whole rows at a time, which the compiler vectorises */
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < oh; y++) {
                const int *iy = ay.idx + (size_t)y * ay.taps;
                const float *wt = ay.w + (size_t)y * ay.taps;
                for (int x = 0; x < ow; x++) acc[x] = 0.0f;
                for (int k = 0; k < ay.taps; k++) {
                    const float *t = tmp + ((size_t)ch * hc + iy[k]) * ow, wk = wt[k];
                    for (int x = 0; x < ow; x++) acc[x] += wk * t[x];
                }
                uint8_t *out = res + ch * plane + (size_t)y * ow;
                for (int x = 0; x < ow; x++) out[x] = to_u8(acc[x]);
            }
        axis_free(&ax);
        axis_free(&ay);
    }
    if (oc == c) return;
    if (oc == 3) { /* grey -> RGB: the plane three times */
        memcpy(dst + plane, dst, plane);
        memcpy(dst + 2 * plane, dst, plane);
        return;
    }
    /* RGB -> grey: ITU-R 601 luma in PIL's fixed point (Image.convert("L")) */
    for (size_t i = 0; i < plane; i++)
        dst[i] = (uint8_t)((19595u * res[i] + 38470u * res[plane + i] + 7471u * res[2 * plane + i] +
                            0x8000u) >> 16);
}

int gt__prep_dataset(gt_dataset *ds, const gt_prep *p, const char *what) {
    if (gt__prep_identity(p, ds->c, ds->h, ds->w)) return GT_OK;
    int oc = 0, oh = 0, ow = 0;
    if (gt__prep_geometry(p, what, ds->c, ds->h, ds->w, &oc, &oh, &ow)) return GT_ERR;
    size_t in_sz = (size_t)ds->c * ds->h * ds->w, out_sz = (size_t)oc * oh * ow;
    if (gt__data_fits(what, ds->count, (int64_t)out_sz)) return GT_ERR;
    uint8_t *out = gt_xmalloc((size_t)ds->count * out_sz);
    size_t scratch_n = gt__prep_scratch_floats(p, ds->c, ds->h, ds->w);
    int64_t n = ds->count;
    int c = ds->c, h = ds->h, w = ds->w;
    const uint8_t *pix = ds->pix;
#pragma omp parallel
    {
        float *scratch = gt_xmalloc(scratch_n * sizeof(float));
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++)
            gt__prep_image(p, pix + (size_t)i * in_sz, c, h, w, (ptrdiff_t)h * w, w, 1,
                           out + (size_t)i * out_sz, scratch);
        free(scratch);
    }
    free(ds->pix);
    ds->pix = out;
    char steps[160];
    int k = 0;
    if (p->crop) k += snprintf(steps + k, sizeof steps - (size_t)k, "centre crop %d, ", p->crop);
    if (p->size && (oh != h || ow != w))
        k += snprintf(steps + k, sizeof steps - (size_t)k, "resize (%s), ",
                      oh < h ? "area averaging" : oh > h ? "bilinear" : "none");
    if (oc != c) k += snprintf(steps + k, sizeof steps - (size_t)k, "%s, ", oc == 3 ? "grey -> RGB" : "RGB -> grey (ITU-R 601 luma)");
    if (k >= 2) steps[k - 2] = 0;
    gt__desc(ds, "preprocessing: %dx%dx%d -> %dx%dx%d: %s", w, h, c, ow, oh, oc, steps);
    ds->c = oc, ds->h = oh, ds->w = ow;
    ds->dim = oc * oh * ow;
    return GT_OK;
}
