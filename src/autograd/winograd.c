/* winograd.c — F(2x2, 3x3) convolution (Lavin & Gray, 2015).
 *
 *   forward:  Y = A^T [ (G g G^T) . (B^T d B) ] A   per 4x4 input tile d
 *   weights:  dg = G^T [ sum over tiles (A dY A^T) . (B^T d B) ] G
 * with
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * Transformed data are laid out [16][C][tiles] so that each of the 16
 * positions is one sgemm over channels.  Samples are processed in chunks
 * that keep the transformed arrays within the workspace. */
#include "winograd.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int enabled = 1;
void gt_conv_set_winograd(int on) { enabled = on; }

int gt_winograd_applies(const gt_conv_dims *d, int OC) {
    return enabled && d->KH == 3 && d->KW == 3 && d->sh == 1 && d->sw == 1 && d->ph <= 2 &&
           d->pw <= 2 && d->OH >= 2 && d->OW >= 2 && d->C >= 16 && OC >= 16;
}

#define WS_FLOATS ((size_t)6 << 20)

typedef struct tiles {
    int th, tw;      /* tiles per image */
    int64_t per;     /* tiles per sample */
} tiles;

static tiles tiling(const gt_conv_dims *d) {
    tiles t = {(d->OH + 1) / 2, (d->OW + 1) / 2, 0};
    t.per = (int64_t)t.th * t.tw;
    return t;
}

/* U[16][OC][C] = G g G^T for every filter */
static void filter_transform(const float *w, int OC, int C, float *U) {
    int64_t plane = (int64_t)OC * C;
    for (int64_t f = 0; f < plane; f++) {
        const float *g = w + f * 9;
        float t[4][3];
        for (int j = 0; j < 3; j++) {
            t[0][j] = g[j];
            t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            t[3][j] = g[6 + j];
        }
        for (int i = 0; i < 4; i++) {
            float u0 = t[i][0], u1 = 0.5f * (t[i][0] + t[i][1] + t[i][2]),
                  u2 = 0.5f * (t[i][0] - t[i][1] + t[i][2]), u3 = t[i][2];
            U[(i * 4 + 0) * plane + f] = u0;
            U[(i * 4 + 1) * plane + f] = u1;
            U[(i * 4 + 2) * plane + f] = u2;
            U[(i * 4 + 3) * plane + f] = u3;
        }
    }
}

/* dg[f] (3x3) = G^T dU G from dU[16][OC*C] */
static void filter_transform_adjoint(const float *dU, int64_t plane, float *dw) {
    for (int64_t f = 0; f < plane; f++) {
        float u[4][4], t[3][4];
        for (int k = 0; k < 16; k++) u[k / 4][k % 4] = dU[k * plane + f];
        /* G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1] */
        for (int j = 0; j < 4; j++) {
            t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
            t[1][j] = 0.5f * (u[1][j] - u[2][j]);
            t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
        }
        float *g = dw + f * 9;
        for (int i = 0; i < 3; i++) {
            g[i * 3 + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
            g[i * 3 + 1] = 0.5f * (t[i][1] - t[i][2]);
            g[i * 3 + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
        }
    }
}

/* The transforms run a whole row of tiles at a time: the even and odd
 * columns of each (zero-padded) input row are split apart, after which
 * every one of the 16 outputs is a contiguous vector expression over the
 * tiles of the row, stored contiguously. */

/* even/odd columns of input row r of plane xp, padded: column c of the padded
 * row is input column c - pw; E[j] = padded[2j], O[j] = padded[2j+1] */
static void split_row(const float *xp, int r, const gt_conv_dims *d, int tw, float *E, float *O) {
    const int H = d->H, W = d->W, pw = d->pw;
    if (r < 0 || r >= H) {
        memset(E, 0, sizeof(float) * (size_t)(tw + 1));
        memset(O, 0, sizeof(float) * (size_t)(tw + 1));
        return;
    }
    const float *row = xp + (int64_t)r * W;
    /* the edges with their bounds checks; between them a plain stride-2
     * split that the compiler vectorises */
    int lo = (pw + 1) / 2, hi = (W - 2 + pw) / 2; /* 0 <= 2j-pw and 2j-pw+1 < W */
    if (hi > tw) hi = tw;
    int j = 0;
    for (; j <= tw && j < lo; j++) {
        int c0 = 2 * j - pw, c1 = c0 + 1;
        E[j] = (c0 >= 0 && c0 < W) ? row[c0] : 0.0f;
        O[j] = (c1 >= 0 && c1 < W) ? row[c1] : 0.0f;
    }
    const float *base = row - pw;
    for (; j <= hi; j++) {
        E[j] = base[2 * j];
        O[j] = base[2 * j + 1];
    }
    for (; j <= tw; j++) {
        int c0 = 2 * j - pw, c1 = c0 + 1;
        E[j] = (c0 >= 0 && c0 < W) ? row[c0] : 0.0f;
        O[j] = (c1 >= 0 && c1 < W) ? row[c1] : 0.0f;
    }
}

/* The loops of the transforms, with restrict so that they vectorise (the
 * arithmetic per element is the same as written, so results do not change). */
static inline void bt_rows(const float *restrict d0, const float *restrict d1, const float *restrict d2,
                           const float *restrict d3, float *restrict t0, float *restrict t1,
                           float *restrict t2, float *restrict t3, int n) {
    for (int j = 0; j < n; j++) {
        t0[j] = d0[j] - d2[j];
        t1[j] = d1[j] + d2[j];
        t2[j] = d2[j] - d1[j];
        t3[j] = d1[j] - d3[j];
    }
}
static inline void bt_cols(const float *restrict te, const float *restrict to, float *restrict o0,
                           float *restrict o1, float *restrict o2, float *restrict o3, int tw) {
    for (int j = 0; j < tw; j++) {
        o0[j] = te[j] - te[j + 1];
        o1[j] = to[j] + te[j + 1];
        o2[j] = te[j + 1] - to[j];
        o3[j] = to[j] - to[j + 1];
    }
}
static inline void at_rows(const float *restrict a, const float *restrict b, const float *restrict c2,
                           const float *restrict e, float *restrict t0, float *restrict t1, int tw) {
    for (int j = 0; j < tw; j++) {
        t0[j] = a[j] + b[j] + c2[j];
        t1[j] = b[j] - c2[j] - e[j];
    }
}
static inline void at_cols(const float *restrict q0, const float *restrict q1, const float *restrict q2,
                           const float *restrict q3, float *restrict yr, int full) {
    for (int j = 0; j < full; j++) {
        yr[2 * j] = q0[j] + q1[j] + q2[j];
        yr[2 * j + 1] = q1[j] - q2[j] - q3[j];
    }
}
static inline void a_cols(const float *restrict e0, const float *restrict e1, const float *restrict o0,
                          const float *restrict o1, float sa, float sb, float *restrict q0,
                          float *restrict q1, float *restrict q2, float *restrict q3, int tw) {
    for (int j = 0; j < tw; j++) {
        float g0 = sa * e0[j] + sb * e1[j], g1 = sa * o0[j] + sb * o1[j];
        q0[j] = g0;
        q1[j] = g0 + g1;
        q2[j] = g0 - g1;
        q3[j] = -g1;
    }
}

/* V[16][C][nb*per] = B^T d B for every tile of samples x[0..nb) */
static void input_transform(const float *x, int nb, const gt_conv_dims *d, tiles tl, float *V) {
    const int C = d->C, H = d->H, W = d->W, tw = tl.tw;
    const int64_t ncol = nb * tl.per, plane = (int64_t)C * ncol;
#pragma omp parallel for schedule(static) if (plane * 16 >= GT_PAR_MIN)
    for (int p = 0; p < nb * C; p++) {
        int n = p / C, ci = p % C;
        const float *xp = x + ((int64_t)n * C + ci) * H * W;
        float *v = V + (int64_t)ci * ncol + n * tl.per;
        float buf[8][520], *E[4], *O[4], *T[4][2];
        float *heap = NULL;
        if (tw + 2 > 520) heap = gt_xmalloc(sizeof(float) * 16 * (size_t)(tw + 2));
        for (int i = 0; i < 4; i++) {
            E[i] = heap ? heap + (size_t)(2 * i) * (tw + 2) : buf[2 * i];
            O[i] = heap ? heap + (size_t)(2 * i + 1) * (tw + 2) : buf[2 * i + 1];
        }
        float tb[8][520];
        for (int i = 0; i < 4; i++) {
            T[i][0] = heap ? heap + (size_t)(8 + 2 * i) * (tw + 2) : tb[2 * i];
            T[i][1] = heap ? heap + (size_t)(9 + 2 * i) * (tw + 2) : tb[2 * i + 1];
        }
        for (int ti = 0; ti < tl.th; ti++) {
            int r0 = 2 * ti - d->ph;
            for (int i = 0; i < 4; i++) split_row(xp, r0 + i, d, tw, E[i], O[i]);
            /* rows: t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3, on
             * even and odd columns separately */
            for (int e = 0; e < 2; e++) {
                float *const *S = e ? O : E;
                bt_rows(S[0], S[1], S[2], S[3], T[0][e], T[1][e], T[2][e], T[3][e], tw + 1);
            }
            /* columns of tile j: c0 = E[j], c1 = O[j], c2 = E[j+1], c3 = O[j+1] */
            float *out = v + (int64_t)ti * tw;
            for (int i = 0; i < 4; i++)
                bt_cols(T[i][0], T[i][1], out + (i * 4 + 0) * plane, out + (i * 4 + 1) * plane,
                        out + (i * 4 + 2) * plane, out + (i * 4 + 3) * plane, tw);
        }
        free(heap);
    }
}

/* y tiles = A^T m A from M[16][OC][nb*per] */
static void output_transform(const float *M, int nb, int OC, const gt_conv_dims *d, tiles tl,
                             float *y) {
    const int OH = d->OH, OW = d->OW, tw = tl.tw;
    const int64_t ncol = nb * tl.per, plane = (int64_t)OC * ncol;
#pragma omp parallel for schedule(static) if (plane * 16 >= GT_PAR_MIN)
    for (int p = 0; p < nb * OC; p++) {
        int n = p / OC, oc = p % OC;
        float *yp = y + ((int64_t)n * OC + oc) * OH * OW;
        const float *m = M + (int64_t)oc * ncol + n * tl.per;
        float stack[8 * 512], *heap = NULL, *t;
        if (tw > 512) heap = gt_xmalloc(sizeof(float) * 8 * (size_t)tw);
        t = heap ? heap : stack;
        for (int ti = 0; ti < tl.th; ti++) {
            const float *mm = m + (int64_t)ti * tw;
            /* rows: t0 = m0 + m1 + m2, t1 = m1 - m2 - m3 (each over 4 columns) */
            for (int k = 0; k < 4; k++) {
                const float *a = mm + (0 * 4 + k) * plane, *b = mm + (1 * 4 + k) * plane,
                            *c2 = mm + (2 * 4 + k) * plane, *e = mm + (3 * 4 + k) * plane;
                at_rows(a, b, c2, e, t + (size_t)k * tw, t + (size_t)(4 + k) * tw, tw);
            }
            for (int i = 0; i < 2; i++) {
                int r = 2 * ti + i;
                if (r >= OH) break;
                const float *q0 = t + (size_t)(4 * i + 0) * tw, *q1 = t + (size_t)(4 * i + 1) * tw,
                            *q2 = t + (size_t)(4 * i + 2) * tw, *q3 = t + (size_t)(4 * i + 3) * tw;
                float *yr = yp + (int64_t)r * OW;
                int full = OW / 2;
                at_cols(q0, q1, q2, q3, yr, full);
                if (OW & 1) yr[2 * full] = q0[full] + q1[full] + q2[full];
            }
        }
        free(heap);
    }
}

/* D[16][OC][nb*per] = A dY A^T for every output-gradient tile (zeros past the edge) */
static void grad_transform(const float *dy, int nb, int OC, const gt_conv_dims *d, tiles tl, float *D) {
    const int OH = d->OH, OW = d->OW, tw = tl.tw;
    const int64_t ncol = nb * tl.per, plane = (int64_t)OC * ncol;
#pragma omp parallel for schedule(static) if (plane * 16 >= GT_PAR_MIN)
    for (int p = 0; p < nb * OC; p++) {
        int n = p / OC, oc = p % OC;
        const float *gp = dy + ((int64_t)n * OC + oc) * OH * OW;
        float *dd = D + (int64_t)oc * ncol + n * tl.per;
        float stack[4 * 512], *heap = NULL, *b;
        if (tw > 512) heap = gt_xmalloc(sizeof(float) * 4 * (size_t)tw);
        b = heap ? heap : stack;
        float *e0 = b, *o0 = b + tw, *e1 = b + 2 * tw, *o1 = b + 3 * tw;
        for (int ti = 0; ti < tl.th; ti++) {
            /* the tile row's two gradient rows, even and odd columns */
            for (int i = 0; i < 2; i++) {
                int r = 2 * ti + i;
                float *E = i ? e1 : e0, *O = i ? o1 : o0;
                for (int j = 0; j < tw; j++) {
                    int c0 = 2 * j, c1 = c0 + 1;
                    E[j] = (r < OH && c0 < OW) ? gp[(int64_t)r * OW + c0] : 0.0f;
                    O[j] = (r < OH && c1 < OW) ? gp[(int64_t)r * OW + c1] : 0.0f;
                }
            }
            /* A = [1 0; 1 1; 1 -1; 0 -1] on rows, then on columns */
            float *out = dd + (int64_t)ti * tw;
            for (int i = 0; i < 4; i++) {
                float sa = i == 3 ? 0.0f : 1.0f, sb = i == 0 ? 0.0f : (i == 1 ? 1.0f : -1.0f);
                a_cols(e0, e1, o0, o1, sa, sb, out + (i * 4 + 0) * plane, out + (i * 4 + 1) * plane,
                       out + (i * 4 + 2) * plane, out + (i * 4 + 3) * plane, tw);
            }
        }
        free(heap);
    }
}

static int chunk(const gt_conv_dims *d, int OC, int N, tiles tl) {
    size_t per = (size_t)16 * (size_t)(d->C + OC) * (size_t)tl.per;
    size_t nb = WS_FLOATS / (per ? per : 1);
    if (nb < 1) nb = 1;
    if (nb > (size_t)N) nb = (size_t)N;
    return (int)nb;
}

void gt_winograd_fwd(gt_ctx *c, const float *x, int N, const gt_conv_dims *d, const float *w,
                     int OC, float *y) {
    const int C = d->C;
    tiles tl = tiling(d);
    int nb = chunk(d, OC, N, tl);
    float *U = gt_arena_alloc(gt_ctx_arena(c), sizeof(float) * 16 * (size_t)OC * (size_t)C);
    filter_transform(w, OC, C, U);
    float *ws = gt_ctx_scratch(c, (size_t)16 * (size_t)(C + OC) * (size_t)(nb * tl.per));
    const int64_t xs = (int64_t)C * d->H * d->W, ys = (int64_t)OC * d->OH * d->OW;
    for (int n0 = 0; n0 < N; n0 += nb) {
        int m = N - n0 < nb ? N - n0 : nb;
        int64_t ncol = m * tl.per;
        float *V = ws, *M = ws + 16 * (int64_t)C * ncol;
        input_transform(x + n0 * xs, m, d, tl, V);
        for (int k = 0; k < 16; k++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, (int)ncol, C, 1.0f,
                        U + (int64_t)k * OC * C, C, V + (int64_t)k * C * ncol, (int)ncol, 0.0f,
                        M + (int64_t)k * OC * ncol, (int)ncol);
        output_transform(M, m, OC, d, tl, y + n0 * ys);
    }
}

void gt_winograd_wgrad(gt_ctx *c, const float *x, const float *dy, int N, const gt_conv_dims *d,
                       int OC, float *dw) {
    const int C = d->C;
    tiles tl = tiling(d);
    int nb = chunk(d, OC, N, tl);
    float *dU = gt_arena_calloc(gt_ctx_arena(c), sizeof(float) * 16 * (size_t)OC * (size_t)C);
    float *ws = gt_ctx_scratch(c, (size_t)16 * (size_t)(C + OC) * (size_t)(nb * tl.per));
    const int64_t xs = (int64_t)C * d->H * d->W, ys = (int64_t)OC * d->OH * d->OW;
    for (int n0 = 0; n0 < N; n0 += nb) {
        int m = N - n0 < nb ? N - n0 : nb;
        int64_t ncol = m * tl.per;
        float *V = ws, *D = ws + 16 * (int64_t)C * ncol;
        input_transform(x + n0 * xs, m, d, tl, V);
        grad_transform(dy + n0 * ys, m, OC, d, tl, D);
        for (int k = 0; k < 16; k++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, C, (int)ncol, 1.0f,
                        D + (int64_t)k * OC * ncol, (int)ncol, V + (int64_t)k * C * ncol, (int)ncol,
                        1.0f, dU + (int64_t)k * OC * C, C);
    }
    filter_transform_adjoint(dU, (int64_t)OC * C, dw);
}
