/* prdc.c — precision/recall/F1 (Kynkaanniemi et al. 2019) and
 * density/coverage (Naeem et al. 2020) from k-nearest-neighbour balls.
 *
 * Pairwise distances go through dgemm in blocks of BLOCK x BLOCK, so memory
 * stays at a few BLOCK x d and BLOCK x BLOCK float64 buffers for any n.
 * Two passes: the k-NN radii within each set, then one real x fake pass that
 * updates all four statistics at once.
 */
#include <cblas.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/metrics.h"
#include "gantrain/threads.h"

#define BLOCK 1024
/* The per-element work after each dgemm (sqrt, comparisons) is split over
 * OpenMP threads only when d is small.  For large d the dgemm dominates and
 * a parallel region between two dgemms costs more than it saves: OpenBLAS's
 * threads are still spinning from the last call and the two pools fight for
 * the cores (measured at d = 2048, n = 3000 on 2 cores: 3.1-4.2 s serial,
 * 3.9-6.9 s parallel). */
#define PAR_MAX_D 256
#define PAR_IF(rn, cn, d) if ((rn) * (cn) >= GT_PAR_MIN && (d) < PAR_MAX_D)

/* Rows r0.. of x as float64: a pointer into x itself when it is float64
 * already, else converted into buf. */
static const double *rows_f64(gt_features x, int64_t r0, int64_t cnt, double *buf) {
    if (x.f64) return (const double *)x.data + r0 * x.d;
    gt_features_rows(x, r0, cnt, buf);
    return buf;
}

static void sq_norms(gt_features x, double *buf, double *out) {
    for (int64_t r0 = 0; r0 < x.n; r0 += BLOCK) {
        int64_t rn = x.n - r0 < BLOCK ? x.n - r0 : BLOCK;
        const double *a = rows_f64(x, r0, rn, buf);
        for (int64_t i = 0; i < rn; i++) {
            double s = 0;
            for (int64_t j = 0; j < x.d; j++) s += a[i * x.d + j] * a[i * x.d + j];
            out[r0 + i] = s;
        }
    }
}

/* g[rn, cn] <- Euclidean distances between rows a (norms na) and b (norms
 * nb), as sklearn and torch.cdist form them: sqrt(max(|a|^2+|b|^2-2a.b, 0)). */
static void distances(const double *a, const double *na, int64_t rn, const double *b,
                      const double *nb, int64_t cn, int64_t d, double *g) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rn, (int)cn, (int)d, 1.0, a, (int)d, b,
                (int)d, 0.0, g, (int)cn);
#pragma omp parallel for schedule(static) PAR_IF(rn, cn, d)
    for (int64_t i = 0; i < rn; i++)
        for (int64_t j = 0; j < cn; j++) {
            double v = na[i] + nb[j] - 2.0 * g[i * cn + j];
            g[i * cn + j] = sqrt(v > 0 ? v : 0);
        }
}

typedef struct work {
    double *a, *b, *g; /* BLOCK x d, BLOCK x d, BLOCK x BLOCK */
} work;

/* Keeps best[0..K) the K smallest values seen, ascending. */
static inline void knn_insert(double *best, int K, double v) {
    if (v >= best[K - 1]) return;
    int p = K - 1;
    while (p > 0 && best[p - 1] > v) {
        best[p] = best[p - 1];
        p--;
    }
    best[p] = v;
}

/* knn[i*K .. i*K+K) <- the K smallest distances from row i to the other
 * rows of x, ascending.  Distances are symmetric, so only blocks on and
 * above the diagonal are computed: a block serves its rows directly and the
 * rows of its column block through its columns (a third less work than the
 * full square). */
static void knn_distances(gt_features x, const double *norms, int K, work *w, double *knn) {
    const int64_t n = x.n, d = x.d;
    for (int64_t i = 0; i < n * K; i++) knn[i] = INFINITY;
    for (int64_t r0 = 0; r0 < n; r0 += BLOCK) {
        int64_t rn = n - r0 < BLOCK ? n - r0 : BLOCK;
        const double *a = rows_f64(x, r0, rn, w->a);
        for (int64_t c0 = r0; c0 < n; c0 += BLOCK) {
            int64_t cn = n - c0 < BLOCK ? n - c0 : BLOCK;
            const double *b = c0 == r0 ? a : rows_f64(x, c0, cn, w->b);
            distances(a, norms + r0, rn, b, norms + c0, cn, d, w->g);
#pragma omp parallel for schedule(static) PAR_IF(rn, cn, d)
            for (int64_t i = 0; i < rn; i++) {
                double *best = knn + (r0 + i) * K;
                const double *gi = w->g + i * cn;
                for (int64_t j = 0; j < cn; j++)
                    if (c0 + j != r0 + i) knn_insert(best, K, gi[j]); /* not the point itself */
            }
            if (c0 == r0) continue;
            /* the same distances for the rows of block c0, in strips of 64
             * columns so each thread owns its rows */
#pragma omp parallel for schedule(static) PAR_IF(rn, cn, d)
            for (int64_t jb = 0; jb < cn; jb += 64) {
                int64_t je = cn - jb < 64 ? cn : jb + 64;
                for (int64_t i = 0; i < rn; i++) {
                    const double *gi = w->g + i * cn;
                    for (int64_t j = jb; j < je; j++) knn_insert(knn + (c0 + j) * K, K, gi[j]);
                }
            }
        }
    }
}

int gt_prdc(gt_features real, gt_features fake, int k_pr, int k_dc, gt_prdc_result *out) {
    memset(out, 0, sizeof *out);
    out->k_pr = k_pr;
    out->k_dc = k_dc;
    if (gt_features_check(real, "precision/recall: real features") ||
        gt_features_check(fake, "precision/recall: generated features"))
        return GT_ERR;
    if (real.d != fake.d)
        return gt_error_set("precision/recall: feature dimensions differ (real %" PRId64
                            ", generated %" PRId64 ")", real.d, fake.d);
    if (k_pr < 1 || k_dc < 1 || k_pr > 1000 || k_dc > 1000)
        return gt_error_set("precision/recall: neighbourhood sizes must be in 1..1000 (got %d, %d)",
                            k_pr, k_dc);
    const int K = k_pr > k_dc ? k_pr : k_dc;
    if (real.n <= K)
        return gt_error_set("precision/recall: %" PRId64 " real samples, but the %d-th nearest "
                            "neighbour needs at least %d", real.n, K, K + 1);
    if (fake.n <= k_pr)
        return gt_error_set("precision/recall: %" PRId64 " generated samples, but the %d-th "
                            "nearest neighbour needs at least %d", fake.n, k_pr, k_pr + 1);
    const int64_t nr = real.n, nf = fake.n, d = real.d;
    work w;
    w.a = gt_xmalloc((size_t)(BLOCK * d) * sizeof(double));
    w.b = gt_xmalloc((size_t)(BLOCK * d) * sizeof(double));
    w.g = gt_xmalloc((size_t)BLOCK * BLOCK * sizeof(double));
    double *norm_r = gt_xmalloc((size_t)nr * sizeof(double));
    double *norm_f = gt_xmalloc((size_t)nf * sizeof(double));
    sq_norms(real, w.a, norm_r);
    sq_norms(fake, w.a, norm_f);

    /* radii: real for k_pr and k_dc, fake for k_pr */
    double *knn = gt_xmalloc((size_t)(nr > nf ? nr : nf) * (size_t)K * sizeof(double));
    double *rad_r_pr = gt_xmalloc((size_t)nr * sizeof(double));
    double *rad_r_dc = gt_xmalloc((size_t)nr * sizeof(double));
    double *rad_f_pr = gt_xmalloc((size_t)nf * sizeof(double));
    knn_distances(real, norm_r, K, &w, knn);
    for (int64_t i = 0; i < nr; i++) {
        rad_r_pr[i] = knn[i * K + k_pr - 1];
        rad_r_dc[i] = knn[i * K + k_dc - 1];
    }
    knn_distances(fake, norm_f, k_pr, &w, knn);
    for (int64_t i = 0; i < nf; i++) rad_f_pr[i] = knn[i * k_pr + k_pr - 1];
    free(knn);

    unsigned char *real_in = gt_xcalloc((size_t)nr, 1), *covered = gt_xcalloc((size_t)nr, 1);
    unsigned char *fake_in = gt_xcalloc((size_t)nf, 1);
    int64_t *balls = gt_xcalloc((size_t)nf, sizeof(int64_t));
    for (int64_t r0 = 0; r0 < nr; r0 += BLOCK) {
        int64_t rn = nr - r0 < BLOCK ? nr - r0 : BLOCK;
        const double *a = rows_f64(real, r0, rn, w.a);
        for (int64_t c0 = 0; c0 < nf; c0 += BLOCK) {
            int64_t cn = nf - c0 < BLOCK ? nf - c0 : BLOCK;
            const double *b = rows_f64(fake, c0, cn, w.b);
            distances(a, norm_r + r0, rn, b, norm_f + c0, cn, d, w.g);
            /* per real sample: recall (inside a fake k_pr ball, <=) and
             * coverage (its k_dc ball holds a fake sample, <) */
#pragma omp parallel for schedule(static) PAR_IF(rn, cn, d)
            for (int64_t i = 0; i < rn; i++) {
                const double *gi = w.g + i * cn;
                const double rdc = rad_r_dc[r0 + i];
                int in = real_in[r0 + i], cov = covered[r0 + i];
                for (int64_t j = 0; j < cn; j++) {
                    in |= gi[j] <= rad_f_pr[c0 + j];
                    cov |= gi[j] < rdc;
                }
                real_in[r0 + i] = (unsigned char)in;
                covered[r0 + i] = (unsigned char)cov;
            }
            /* per fake sample: precision (inside a real k_pr ball, <=) and
             * density (how many real k_dc balls hold it, <); strips of 64
             * columns keep each thread on its own samples and rows contiguous */
#pragma omp parallel for schedule(static) PAR_IF(rn, cn, d)
            for (int64_t jb = 0; jb < cn; jb += 64) {
                int64_t je = cn - jb < 64 ? cn : jb + 64;
                for (int64_t i = 0; i < rn; i++) {
                    const double *gi = w.g + i * cn;
                    const double rpr = rad_r_pr[r0 + i], rdc = rad_r_dc[r0 + i];
                    for (int64_t j = jb; j < je; j++) {
                        fake_in[c0 + j] |= gi[j] <= rpr;
                        balls[c0 + j] += gi[j] < rdc;
                    }
                }
            }
        }
    }
    int64_t n_real_in = 0, n_covered = 0, n_fake_in = 0, n_balls = 0;
    for (int64_t i = 0; i < nr; i++) {
        n_real_in += real_in[i];
        n_covered += covered[i];
    }
    for (int64_t j = 0; j < nf; j++) {
        n_fake_in += fake_in[j];
        n_balls += balls[j];
    }
    out->precision = (double)n_fake_in / (double)nf;
    out->recall = (double)n_real_in / (double)nr;
    double s = out->precision + out->recall;
    out->f1 = s > 0 ? 2.0 * out->precision * out->recall / s : 0.0;
    out->density = (1.0 / (double)k_dc) * ((double)n_balls / (double)nf); /* prdc's order */
    out->coverage = (double)n_covered / (double)nr;

    free(w.a);
    free(w.b);
    free(w.g);
    free(norm_r);
    free(norm_f);
    free(rad_r_pr);
    free(rad_r_dc);
    free(rad_f_pr);
    free(real_in);
    free(covered);
    free(fake_in);
    free(balls);
    return GT_OK;
}
