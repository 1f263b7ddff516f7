/* toyviz.c — the four-panel picture of a toy2d run (see toyviz.h): the
 * figures computed from the model, and the drawing into an RGB buffer with
 * hand-made axes, ticks, legends and stb_easy_font text. */
#include "gantrain/toyviz.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/csvlog.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wconversion"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

/* ---- canvas ------------------------------------------------------------ */

typedef struct canvas {
    uint8_t *p;
    int w, h;
} canvas;

static const uint8_t BLACK[3] = {0, 0, 0}, GREY[3] = {110, 110, 110}, LIGHT[3] = {225, 225, 225},
                     WHITE[3] = {255, 255, 255};
/* real / generated points; loss curves in colours that do not say "real"
 * or "fake" */
static const uint8_t C_REAL[3] = {31, 100, 200}, C_FAKE[3] = {214, 39, 40},
                     C_DLOSS[3] = {128, 64, 160}, C_GLOSS[3] = {230, 120, 0}, C_ACC[3] = {30, 140, 50};

static void put(canvas *c, int x, int y, const uint8_t rgb[3], float alpha) {
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    uint8_t *q = c->p + 3 * ((size_t)y * (size_t)c->w + (size_t)x);
    for (int k = 0; k < 3; k++)
        q[k] = alpha >= 1 ? rgb[k] : (uint8_t)lrintf((float)q[k] * (1 - alpha) + (float)rgb[k] * alpha);
}

static void rect(canvas *c, int x, int y, int w, int h, const uint8_t rgb[3], float alpha) {
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) put(c, i, j, rgb, alpha);
}

static void outline(canvas *c, int x, int y, int w, int h, const uint8_t rgb[3]) {
    rect(c, x, y, w, 1, rgb, 1);
    rect(c, x, y + h - 1, w, 1, rgb, 1);
    rect(c, x, y, 1, h, rgb, 1);
    rect(c, x + w - 1, y, 1, h, rgb, 1);
}

/* a line `thick` pixels wide (Bresenham with a square brush), clipped to
 * the clip rectangle */
static void line(canvas *c, int x0, int y0, int x1, int y1, int thick, const uint8_t rgb[3],
                 const int clip[4]) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (int guard = 0; guard < 100000; guard++) {
        for (int j = 0; j < thick; j++)
            for (int i = 0; i < thick; i++) {
                int x = x0 + i - thick / 2, y = y0 + j - thick / 2;
                if (x >= clip[0] && x < clip[0] + clip[2] && y >= clip[1] && y < clip[1] + clip[3])
                    put(c, x, y, rgb, 1);
            }
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

/* ---- text (stb_easy_font: quads on a 1-unit grid, scaled) --------------- */

/* printable ASCII only: the font has nothing else (and indexes by char) */
static char *ascii(const char *s) {
    char *t = gt_xstrdup(s);
    for (char *q = t; *q; q++)
        if (*q < 32 || *q > 126) *q = '?';
    return t;
}

int gt_text_width(const char *s, int scale) {
    char *t = ascii(s);
    int w = stb_easy_font_width(t);
    free(t);
    return w * scale;
}

/* Draws text; rotated = 1 writes it upwards with (x, y) its bottom-left. */
static void text_any(uint8_t *pix, int w, int h, int x, int y, int scale, const char *s,
                     const uint8_t rgb[3], int rotated) {
    char *t = ascii(s);
    int cap = 320 * ((int)strlen(t) + 1);
    float *vb = gt_xmalloc((size_t)cap);
    int quads = stb_easy_font_print(0, 0, t, NULL, vb, cap);
    canvas c = {pix, w, h};
    for (int q = 0; q < quads; q++) {
        const float *v = vb + 16 * q; /* 4 vertices of 4 floats (x, y, z, colour) */
        float qx0 = v[0], qx1 = v[0], qy0 = v[1], qy1 = v[1];
        for (int k = 1; k < 4; k++) {
            qx0 = fminf(qx0, v[4 * k]), qx1 = fmaxf(qx1, v[4 * k]);
            qy0 = fminf(qy0, v[4 * k + 1]), qy1 = fmaxf(qy1, v[4 * k + 1]);
        }
        int a0 = (int)lrintf(qx0) * scale, a1 = (int)lrintf(qx1) * scale;
        int b0 = (int)lrintf(qy0) * scale, b1 = (int)lrintf(qy1) * scale;
        if (!rotated)
            rect(&c, x + a0, y + b0, a1 - a0, b1 - b0, rgb, 1);
        else /* along the text -> up, down the text -> right */
            rect(&c, x + b0, y - a1, b1 - b0, a1 - a0, rgb, 1);
    }
    free(vb);
    free(t);
}

void gt_text_draw(uint8_t *pix, int w, int h, int x, int y, int scale, const char *s,
                  const uint8_t rgb[3]) {
    text_any(pix, w, h, x, y, scale, s, rgb, 0);
}

static void text(canvas *c, int x, int y, const char *s, const uint8_t rgb[3]) {
    text_any(c->p, c->w, c->h, x, y, 2, s, rgb, 0);
}

/* ---- colours, ticks ------------------------------------------------------ */

void gt_toyviz_colour(double p, uint8_t rgb[3]) {
    if (!(p == p)) p = 0.5; /* NaN: unsure */
    if (p < 0) p = 0;
    if (p > 1) p = 1;
    const uint8_t *end = p >= 0.5 ? C_REAL : C_FAKE;
    double t = fabs(p - 0.5) * 2; /* 0 at 0.5 (white), 1 at the ends */
    for (int k = 0; k < 3; k++) rgb[k] = (uint8_t)lrint(255 + (end[k] - 255.0) * t);
}

int gt_toyviz_ticks(double lo, double hi, int max_ticks, double *ticks) {
    if (max_ticks < 1) return 0;
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi)) {
        ticks[0] = isfinite(lo) ? lo : 0;
        return 1;
    }
    double raw = (hi - lo) / (max_ticks > 1 ? max_ticks - 1 : 1);
    double p10 = pow(10, floor(log10(raw)));
    static const double mult[] = {1, 2, 5, 10, 20, 50};
    for (int m = 0; m < 6; m++) {
        double step = mult[m] * p10;
        double first = ceil(lo / step - 1e-9) * step;
        int n = 0;
        for (double v = first; v <= hi + step * 1e-9 && n <= max_ticks; v = first + n * step) {
            if (n < max_ticks) ticks[n] = fabs(v) < step * 1e-9 ? 0 : v;
            n++;
        }
        if (n <= max_ticks) return n;
    }
    ticks[0] = lo;
    return 1;
}

/* a tick label with as many decimals as the tick spacing needs */
static void tick_label(double v, double step, char *out, size_t n) {
    if (fabs(v) >= 1e5 || (v != 0 && fabs(v) < 1e-4)) {
        snprintf(out, n, "%.3g", v);
        return;
    }
    int dec = step > 0 ? (int)ceil(-log10(step) - 1e-9) : 0;
    if (dec < 0) dec = 0;
    if (dec > 6) dec = 6;
    snprintf(out, n, "%.*f", dec, v);
}

/* ---- axes -------------------------------------------------------------- */

typedef struct axes {
    int x, y, w, h;   /* plot area in pixels */
    double x0, x1, y0, y1;
} axes;

static double ax_px(const axes *a, double v) { return a->x + (v - a->x0) / (a->x1 - a->x0) * (a->w - 1); }
static double ax_py(const axes *a, double v) { return a->y + (a->h - 1) - (v - a->y0) / (a->y1 - a->y0) * (a->h - 1); }

/* ticks and their labels on one side: 0 bottom, 1 left, 2 right (with
 * its own range r0..r1) */
static void ticks_side(canvas *c, const axes *a, int side, double r0, double r1, int max_ticks) {
    double t[16];
    int n = gt_toyviz_ticks(r0, r1, max_ticks, t);
    double step = n > 1 ? t[1] - t[0] : 0;
    for (int i = 0; i < n; i++) {
        char lab[32];
        tick_label(t[i], step, lab, sizeof lab);
        int tw = gt_text_width(lab, 2);
        if (side == 0) {
            int px = (int)lrint(a->x + (t[i] - r0) / (r1 - r0) * (a->w - 1));
            rect(c, px, a->y + a->h, 1, 6, BLACK, 1);
            text(c, px - tw / 2, a->y + a->h + 10, lab, BLACK);
        } else {
            int py = (int)lrint(a->y + (a->h - 1) - (t[i] - r0) / (r1 - r0) * (a->h - 1));
            if (side == 1) {
                rect(c, a->x - 6, py, 6, 1, BLACK, 1);
                text(c, a->x - 10 - tw, py - 7, lab, BLACK);
            } else {
                rect(c, a->x + a->w, py, 6, 1, BLACK, 1);
                text(c, a->x + a->w + 10, py - 7, lab, BLACK);
            }
        }
    }
}

static void axes_draw(canvas *c, const axes *a, const char *xlabel, const char *ylabel, int xticks) {
    outline(c, a->x - 1, a->y - 1, a->w + 2, a->h + 2, BLACK);
    ticks_side(c, a, 0, a->x0, a->x1, xticks);
    ticks_side(c, a, 1, a->y0, a->y1, 6);
    int xw = gt_text_width(xlabel, 2);
    text(c, a->x + (a->w - xw) / 2, a->y + a->h + 34, xlabel, BLACK);
    int yw = gt_text_width(ylabel, 2);
    text_any(c->p, c->w, c->h, a->x - 76, a->y + (a->h + yw) / 2, 2, ylabel, BLACK, 1);
}

/* a small legend box at the top-left (right = 0) or top-right of the plot */
static void legend(canvas *c, const axes *a, int right, int n, const char *const *labels,
                   const uint8_t *const *colours, const int *dots) {
    int wmax = 0;
    for (int i = 0; i < n; i++) {
        int w = gt_text_width(labels[i], 2);
        if (w > wmax) wmax = w;
    }
    int bw = wmax + 46, bh = 20 * n + 8;
    int bx = right ? a->x + a->w - bw - 6 : a->x + 6, by = a->y + 6;
    rect(c, bx, by, bw, bh, WHITE, 0.85f);
    outline(c, bx, by, bw, bh, GREY);
    for (int i = 0; i < n; i++) {
        int ly = by + 6 + 20 * i;
        if (dots[i])
            rect(c, bx + 12, ly + 3, 8, 8, colours[i], 1);
        else
            rect(c, bx + 6, ly + 6, 24, 3, colours[i], 1);
        text(c, bx + 38, ly, labels[i], BLACK);
    }
}

/* ---- the panels ---------------------------------------------------------- */

enum { W = 1000, HEAD = 40, CELL_W = 500, CELL_H = 450, FOOT = 64, H = HEAD + 2 * CELL_H + FOOT };
enum { PLOT = 340 };

static void panel_title(canvas *c, int cx, int cy, const char *t) {
    text(c, cx + (CELL_W - gt_text_width(t, 2)) / 2, cy + 8, t, BLACK);
}

static axes panel_axes(int cx, int cy, int w) {
    axes a = {cx + 100, cy + 34, w, PLOT, 0, 1, 0, 1};
    return a;
}

static void minmax(const double *v, int n, double *lo, double *hi) {
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            if (v[i] < *lo) *lo = v[i];
            if (v[i] > *hi) *hi = v[i];
        }
}

static void curve(canvas *c, const axes *a, const double *xs, const double *ys, int n, double y0,
                  double y1, const uint8_t rgb[3], int markers) {
    axes b = *a;
    b.y0 = y0, b.y1 = y1;
    int clip[4] = {a->x, a->y, a->w, a->h};
    int have = 0, px = 0, py = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(ys[i])) {
            have = 0;
            continue;
        }
        int x = (int)lrint(ax_px(&b, xs[i])), y = (int)lrint(ax_py(&b, ys[i]));
        if (have) line(c, px, py, x, y, 2, rgb, clip);
        if (markers || (!have && (i + 1 >= n || !isfinite(ys[i + 1]))))
            for (int j = -2; j <= 2; j++)
                for (int k = -2; k <= 2; k++)
                    if (x + k >= clip[0] && x + k < clip[0] + clip[2] && y + j >= clip[1] && y + j < clip[1] + clip[3])
                        put(c, x + k, y + j, rgb, 1);
        px = x, py = y, have = 1;
    }
}

static void panel_losses(canvas *c, const gt_toyviz_frame *f, int cx, int cy) {
    panel_title(c, cx, cy, "losses and D's accuracy");
    axes a = panel_axes(cx, cy, 300);
    double xmax = 1;
    for (int i = 0; i < f->n_loss; i++) xmax = fmax(xmax, f->loss_step[i]);
    for (int i = 0; i < f->n_acc; i++) xmax = fmax(xmax, f->acc_step[i]);
    double lo = INFINITY, hi = -INFINITY;
    minmax(f->d_loss, f->n_loss, &lo, &hi);
    minmax(f->g_loss, f->n_loss, &lo, &hi);
    if (!(lo <= hi)) lo = 0, hi = 1;
    double pad = hi > lo ? 0.06 * (hi - lo) : 0.5;
    /* the top 84 pixels are the legend's (74) and a margin: both y ranges
     * reach that far above the data, so no curve runs under the legend */
    double top = (double)a.h / (double)(a.h - 84);
    a.x0 = 0, a.x1 = xmax, a.y0 = lo - pad, a.y1 = lo - pad + (hi - lo + 2 * pad) * top;
    double t[16];
    int n = gt_toyviz_ticks(a.y0, a.y1, 6, t);
    for (int i = 0; i < n; i++) rect(c, a.x, (int)lrint(ax_py(&a, t[i])), a.w, 1, LIGHT, 1);
    axes_draw(c, &a, "step", "loss", 4);
    /* right axis: accuracy 0..1 */
    ticks_side(c, &a, 2, 0, top, 3);
    text_any(c->p, c->w, c->h, a.x + a.w + 62, a.y + (a.h + gt_text_width("D accuracy", 2)) / 2, 2,
             "D accuracy", C_ACC, 1);
    curve(c, &a, f->loss_step, f->d_loss, f->n_loss, a.y0, a.y1, C_DLOSS, 0);
    curve(c, &a, f->loss_step, f->g_loss, f->n_loss, a.y0, a.y1, C_GLOSS, 0);
    curve(c, &a, f->acc_step, f->acc, f->n_acc, 0, top, C_ACC, 1);
    const char *labels[] = {"d_loss", "g_loss", "D accuracy"};
    const uint8_t *cols[] = {C_DLOSS, C_GLOSS, C_ACC};
    legend(c, &a, 1, 3, labels, cols, (int[]){0, 0, 0});
    if (f->n_loss == 0) text(c, a.x + 20, a.y + a.h / 2, "no log rows yet", GREY);
}

static void panel_points(canvas *c, const gt_toyviz_frame *f, int cx, int cy) {
    panel_title(c, cx, cy, "real (blue) and generated (red)");
    axes a = panel_axes(cx, cy, PLOT);
    a.x0 = f->box[0], a.x1 = f->box[1], a.y0 = f->box[2], a.y1 = f->box[3];
    int clip[4] = {a.x, a.y, a.w, a.h};
    for (int pass = 0; pass < 2; pass++) {
        const float *pts = pass ? f->fake : f->real;
        int n = pass ? f->n_fake : f->n_real;
        for (int i = 0; i < n; i++) {
            double x = ax_px(&a, pts[2 * i]), y = ax_py(&a, pts[2 * i + 1]);
            if (!(x >= clip[0] && x < clip[0] + clip[2] && y >= clip[1] && y < clip[1] + clip[3])) continue;
            int xi = (int)lrint(x), yi = (int)lrint(y);
            for (int j = -1; j <= 1; j++)
                for (int k = -1; k <= 1; k++)
                    if (xi + k >= clip[0] && xi + k < clip[0] + clip[2] && yi + j >= clip[1] && yi + j < clip[1] + clip[3])
                        put(c, xi + k, yi + j, pass ? C_FAKE : C_REAL, 0.45f);
        }
    }
    axes_draw(c, &a, "x1", "x2", 5);
    const char *labels[] = {"real", "G(z)"};
    const uint8_t *cols[] = {C_REAL, C_FAKE};
    legend(c, &a, 0, 2, labels, cols, (int[]){1, 1});
}

/* bilinear lookup of a g x g grid (row 0 at the top) at fractional (u, v) */
static double grid_at(const float *grid, int g, double u, double v) {
    if (g == 1) return grid[0];
    int i0 = (int)floor(u), j0 = (int)floor(v);
    if (i0 > g - 2) i0 = g - 2;
    if (j0 > g - 2) j0 = g - 2;
    if (i0 < 0) i0 = 0;
    if (j0 < 0) j0 = 0;
    double fu = u - i0, fv = v - j0;
    const float *r0 = grid + (size_t)j0 * g, *r1 = r0 + g;
    return (1 - fv) * ((1 - fu) * r0[i0] + fu * r0[i0 + 1]) + fv * ((1 - fu) * r1[i0] + fu * r1[i0 + 1]);
}

static void panel_heat(canvas *c, const float *grid, int g, const float *box, const char *title,
                       const char *xl, const char *yl, int cx, int cy) {
    panel_title(c, cx, cy, title);
    axes a = panel_axes(cx, cy, PLOT);
    a.x0 = box[0], a.x1 = box[1], a.y0 = box[2], a.y1 = box[3];
    for (int j = 0; j < a.h; j++)
        for (int i = 0; i < a.w; i++) {
            double u = (double)i / (a.w - 1) * (g - 1), v = (double)j / (a.h - 1) * (g - 1);
            uint8_t rgb[3];
            gt_toyviz_colour(grid ? grid_at(grid, g, u, v) : 0.5, rgb);
            put(c, a.x + i, a.y + j, rgb, 1);
        }
    axes_draw(c, &a, xl, yl, 5);
}

/* the colour key under the panels */
static void footer(canvas *c) {
    int y = HEAD + 2 * CELL_H + 10, bx = 330, bw = 340, bh = 18;
    text(c, bx - 12 - gt_text_width("D says:  fake", 2), y, "D says:  fake", BLACK);
    for (int i = 0; i < bw; i++) {
        uint8_t rgb[3];
        gt_toyviz_colour((double)i / (bw - 1), rgb);
        rect(c, bx + i, y, 1, bh, rgb, 1);
    }
    outline(c, bx - 1, y - 1, bw + 2, bh + 2, BLACK);
    text(c, bx + bw + 12, y, "real", BLACK);
    const char *labs[] = {"0", "0.5 (unsure)", "1"};
    int xs[] = {bx, bx + bw / 2, bx + bw - 1};
    for (int i = 0; i < 3; i++) {
        rect(c, xs[i], y + bh, 1, 5, BLACK, 1);
        int tw = gt_text_width(labs[i], 2);
        text(c, xs[i] - (i == 0 ? 0 : i == 2 ? tw : tw / 2), y + bh + 8, labs[i], BLACK);
    }
}

uint8_t *gt_toyviz_render(const gt_toyviz_frame *f, int *w, int *h) {
    canvas c = {gt_xmalloc((size_t)W * H * 3), W, H};
    memset(c.p, 255, (size_t)W * H * 3);
    text(&c, 14, 12, f->title, BLACK);
    rect(&c, 0, HEAD - 4, W, 1, LIGHT, 1);
    panel_losses(&c, f, 0, HEAD);
    panel_points(&c, f, CELL_W, HEAD);
    panel_heat(&c, f->d_latent, f->g, f->zbox, "D(G(z)) over the latent square", "z1", "z2", 0, HEAD + CELL_H);
    panel_heat(&c, f->d_plane, f->g, f->box, "D(x) over the sample space", "x1", "x2", CELL_W, HEAD + CELL_H);
    footer(&c);
    *w = W, *h = H;
    return c.p;
}

/* ---- the run's visualiser -------------------------------------------------- */

enum { N_POINTS = 1000, GRID = 64 };

struct gt_toyviz {
    const gt_trainer *tr;
    gt_tfevents *tb;
    char dir[PATH_MAX], log_path[PATH_MAX + 16], acc_path[PATH_MAX + 32];
    gt_csvlog *acc_log;
    int64_t every;
    float *real, *z;  /* [n_real, 2], [N_POINTS, z_dim] */
    int n_real;
    float box[4], zbox[4];
    char name[64];
};

void gt_toyviz_free(gt_toyviz *v) {
    if (!v) return;
    gt_csvlog_close(v->acc_log);
    free(v->real);
    free(v->z);
    free(v);
}

int gt_toyviz_open(gt_toyviz **out, const char *run_dir, const gt_trainer *tr,
                   const gt_dataset *ds, gt_tfevents *tb, int resume) {
    *out = NULL;
    long every = gt_cfg_int(tr->cfg, "train", "toyviz_every");
    if (every == 0) every = gt_cfg_int(tr->cfg, "train", "sample_every");
    if (every <= 0 || gt_dataset_kind(ds) != GT_DATA_TOY2D || tr->gan->data_ndim != 1 ||
        tr->gan->arch->conditional || tr->gan->arch->autoencoder)
        return GT_OK;
    gt_toyviz *v = gt_xcalloc(1, sizeof *v);
    v->tr = tr;
    v->tb = tb;
    v->every = every;
    snprintf(v->name, sizeof v->name, "%s", gt_dataset_name(ds));
    snprintf(v->dir, sizeof v->dir, "%s/toyviz", run_dir);
    snprintf(v->log_path, sizeof v->log_path, "%s/log.csv", run_dir);
    snprintf(v->acc_path, sizeof v->acc_path, "%s/accuracy.csv", v->dir);
    int rc = gt_mkdirs(v->dir);
    if (rc) {
        gt_toyviz_free(v);
        return rc;
    }
    const char *cols[] = {"step", "d_accuracy"};
    v->acc_log = resume ? gt_csvlog_resume(v->acc_path, 2, cols, tr->step) : gt_csvlog_create(v->acc_path, 2, cols);
    if (!v->acc_log) {
        gt_toyviz_free(v);
        return GT_ERR;
    }
    /* the real points: the first N of the (randomly drawn) dataset; the
     * view: a square around them with a margin, fixed for the whole run */
    int64_t n = gt_dataset_count(ds) < N_POINTS ? gt_dataset_count(ds) : N_POINTS;
    v->n_real = (int)n;
    v->real = gt_xmalloc(sizeof(float) * 2 * (size_t)(n > 0 ? n : 1));
    memcpy(v->real, gt_dataset_points(ds), sizeof(float) * 2 * (size_t)n);
    const float *all = gt_dataset_points(ds);
    int64_t count = gt_dataset_count(ds);
    float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int64_t i = 0; i < count; i++)
        for (int k = 0; k < 2; k++) {
            lo[k] = fminf(lo[k], all[2 * i + k]);
            hi[k] = fmaxf(hi[k], all[2 * i + k]);
        }
    float half = 0.5f * fmaxf(hi[0] - lo[0], hi[1] - lo[1]) * 1.25f;
    if (!(half > 0)) half = 1;
    for (int k = 0; k < 2; k++) {
        float mid = 0.5f * (lo[k] + hi[k]);
        v->box[2 * k] = mid - half;
        v->box[2 * k + 1] = mid + half;
    }
    /* fixed noise from the seed alone, so a resumed run draws the same frames */
    const gt_gan *m = tr->gan;
    gt_rng g;
    gt_rng_seed(&g, (uint64_t)gt_cfg_int(tr->cfg, "train", "seed") ^ 0x70E1A5ull);
    v->z = gt_xmalloc(sizeof(float) * N_POINTS * (size_t)m->z_dim);
    if (m->z_uniform)
        gt_rng_fill_uniform(&g, v->z, (int64_t)N_POINTS * m->z_dim, -1.0f, 1.0f);
    else
        gt_rng_fill_normal(&g, v->z, (int64_t)N_POINTS * m->z_dim, 0.0f, 1.0f);
    float zr = m->z_uniform ? 1.0f : 3.0f;
    v->zbox[0] = v->zbox[2] = -zr;
    v->zbox[1] = v->zbox[3] = zr;
    *out = v;
    return GT_OK;
}

/* D's raw scores of points x [n, 2] (host floats) into out */
static void scores(gt_gan *m, gt_ctx *c, const float *x, int n, float *out) {
    gt_tensor *t = gt_from_data(c, x, 2, (int[]){n, 2});
    gt_tensor *s = gt_gan_discriminate(c, m, t, NULL, GT_MODE_SAMPLE);
    GT_ASSERTF(s->n == n, "toyviz: D gave %" PRId64 " scores for %d points", s->n, n);
    memcpy(out, s->data, sizeof(float) * (size_t)n);
}

typedef struct dmap {
    gt_objective obj;
    double t, s; /* critics: centre and spread */
} dmap;

static double d_prob(const dmap *d, double s) {
    switch (d->obj) {
    case GT_OBJ_NS:
    case GT_OBJ_MM: return 1.0 / (1.0 + exp(-s));
    case GT_OBJ_WGAN:
    case GT_OBJ_WGAN_GP: return 0.5 + 0.5 * tanh((s - d->t) / d->s);
    default: return s < 0 ? 0 : s > 1 ? 1 : s;
    }
}

/* log.csv's step, d_loss and g_loss columns (or accuracy.csv's step and
 * d_accuracy into a and b): a small file, read whole at each frame */
static int read_cols(const char *path, const char *ca, const char *cb, double **step, double **a,
                     double **b) {
    char *text = NULL;
    size_t len = 0;
    *step = *a = *b = NULL;
    if (gt_read_file(path, &text, &len)) return 0;
    int n = 0, cap = 0, ia = -1, ib = -1, ncol = 0;
    char *save = NULL;
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (ia < 0 && ncol == 0) { /* header */
            int k = 0;
            for (char *p = ln, *q; p; p = q ? q + 1 : NULL, k++) {
                q = strchr(p, ',');
                size_t l = q ? (size_t)(q - p) : strlen(p);
                if (l == strlen(ca) && !strncmp(p, ca, l)) ia = k;
                if (cb && l == strlen(cb) && !strncmp(p, cb, l)) ib = k;
            }
            ncol = k;
            if (ia < 0) break;
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            *step = gt_xrealloc(*step, sizeof(double) * (size_t)cap);
            *a = gt_xrealloc(*a, sizeof(double) * (size_t)cap);
            *b = gt_xrealloc(*b, sizeof(double) * (size_t)cap);
        }
        double vals[64];
        int k = 0;
        for (char *p = ln; p && k < 64; k++) {
            char *end;
            vals[k] = strtod(p, &end);
            if (end == p) vals[k] = NAN;
            p = strchr(p, ',');
            if (p) p++;
        }
        if (k < ncol || ia >= k) continue; /* a torn last line */
        (*step)[n] = vals[0];
        (*a)[n] = vals[ia];
        (*b)[n] = ib >= 0 && ib < k ? vals[ib] : NAN;
        n++;
    }
    free(text);
    return n;
}

int gt_toyviz_step(gt_toyviz *v) {
    if (!v || v->tr->step % v->every != 0) return GT_OK;
    const gt_trainer *tr = v->tr;
    gt_gan *m = tr->gan;
    gt_ctx *c = tr->ctx;
    int old = gt_set_grad_enabled(c, 0);
    int zd = m->z_dim;

    /* G's points from the fixed z; D on them and on the real points */
    gt_tensor *z = gt_from_data(c, v->z, 2, (int[]){N_POINTS, zd});
    gt_tensor *fake_t = gt_gan_generate(c, m, z, NULL, GT_MODE_SAMPLE);
    float *fake = gt_xmalloc(sizeof(float) * 2 * N_POINTS);
    memcpy(fake, fake_t->data, sizeof(float) * 2 * N_POINTS);
    float *s_real = gt_xmalloc(sizeof(float) * (size_t)(v->n_real > 0 ? v->n_real : 1));
    float *s_fake = gt_xmalloc(sizeof(float) * N_POINTS);
    scores(m, c, v->real, v->n_real, s_real);
    scores(m, c, fake, N_POINTS, s_fake);
    dmap d = {tr->obj, 0, 1};
    double mr = 0, mf = 0, var = 0;
    for (int i = 0; i < v->n_real; i++) mr += s_real[i] / (double)v->n_real;
    for (int i = 0; i < N_POINTS; i++) mf += s_fake[i] / (double)N_POINTS;
    d.t = 0.5 * (mr + mf);
    for (int i = 0; i < v->n_real; i++) var += (s_real[i] - d.t) * (s_real[i] - d.t);
    for (int i = 0; i < N_POINTS; i++) var += (s_fake[i] - d.t) * (s_fake[i] - d.t);
    d.s = sqrt(var / (v->n_real + N_POINTS));
    if (!(d.s > 1e-12)) d.s = 1;
    int right = 0;
    for (int i = 0; i < v->n_real; i++) right += d_prob(&d, s_real[i]) > 0.5;
    for (int i = 0; i < N_POINTS; i++) right += d_prob(&d, s_fake[i]) < 0.5;
    double acc = (double)right / (v->n_real + N_POINTS);

    /* D over the plane and over the latent square (row 0 at the top) */
    float *grid = gt_xmalloc(sizeof(float) * 2 * GRID * GRID);
    float *d_plane = gt_xmalloc(sizeof(float) * GRID * GRID), *d_latent = gt_xmalloc(sizeof(float) * GRID * GRID);
    for (int j = 0; j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            grid[2 * (j * GRID + i)] = v->box[0] + (v->box[1] - v->box[0]) * (float)i / (GRID - 1);
            grid[2 * (j * GRID + i) + 1] = v->box[3] - (v->box[3] - v->box[2]) * (float)j / (GRID - 1);
        }
    scores(m, c, grid, GRID * GRID, d_plane);
    float *zg = gt_xcalloc((size_t)GRID * GRID * (size_t)zd, sizeof(float));
    for (int j = 0; j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            float *zz = zg + (size_t)(j * GRID + i) * (size_t)zd;
            zz[0] = v->zbox[0] + (v->zbox[1] - v->zbox[0]) * (float)i / (GRID - 1);
            if (zd > 1) zz[1] = v->zbox[3] - (v->zbox[3] - v->zbox[2]) * (float)j / (GRID - 1);
        }
    gt_tensor *gz = gt_gan_generate(c, m, gt_from_data(c, zg, 2, (int[]){GRID * GRID, zd}), NULL, GT_MODE_SAMPLE);
    scores(m, c, gz->data, GRID * GRID, d_latent);
    for (int i = 0; i < GRID * GRID; i++) {
        d_plane[i] = (float)d_prob(&d, d_plane[i]);
        d_latent[i] = (float)d_prob(&d, d_latent[i]);
    }
    gt_set_grad_enabled(c, old);
    gt_ctx_reset(c);

    /* the accuracy row first, so this frame's point is on its own curve */
    double accv = acc;
    int rc = gt_csvlog_row(v->acc_log, tr->step, &accv);
    if (!rc && v->tb) rc = gt_tfevents_scalar(v->tb, tr->step, "d_accuracy", (float)acc);

    gt_toyviz_frame f;
    memset(&f, 0, sizeof f);
    snprintf(f.title, sizeof f.title, "%s   %s   step %" PRId64 "   D accuracy %.3f", v->name,
             gt_objective_name(tr->obj), tr->step, acc);
    double *ls = NULL, *dl = NULL, *gl = NULL, *as = NULL, *av = NULL, *unused = NULL;
    f.n_loss = read_cols(v->log_path, "d_loss", "g_loss", &ls, &dl, &gl);
    f.loss_step = ls, f.d_loss = dl, f.g_loss = gl;
    f.n_acc = read_cols(v->acc_path, "d_accuracy", NULL, &as, &av, &unused);
    f.acc_step = as, f.acc = av;
    f.real = v->real, f.n_real = v->n_real;
    f.fake = fake, f.n_fake = N_POINTS;
    memcpy(f.box, v->box, sizeof f.box);
    memcpy(f.zbox, v->zbox, sizeof f.zbox);
    f.d_latent = d_latent, f.d_plane = d_plane, f.g = GRID;
    int w, h;
    uint8_t *pix = gt_toyviz_render(&f, &w, &h);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/frame_%06" PRId64 ".png", v->dir, tr->step / v->every);
    if (!rc) rc = gt_png_write(path, pix, w, h, 3);
    if (!rc && v->tb) rc = gt_tfevents_image(v->tb, tr->step, "toyviz", pix, w, h, 3);
    free(pix);
    free(ls), free(dl), free(gl), free(as), free(av), free(unused);
    free(fake), free(s_real), free(s_fake), free(grid), free(d_plane), free(d_latent), free(zg);
    return rc;
}
