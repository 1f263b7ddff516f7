/* kid.c — Kernel Inception Distance: unbiased MMD^2 with the cubic
 * polynomial kernel over random subsets, as torch-fidelity computes it.
 * The core works on given index lists, so it can be checked exactly against
 * NumPy on the same subsets; gt_kid only adds the sampling. */
#include <cblas.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/metrics.h"
#include "gantrain/threads.h"

static void gather(gt_features x, const int64_t *idx, int64_t m, double *out) {
    for (int64_t i = 0; i < m; i++) gt_features_rows(x, idx[i], 1, out + i * x.d);
}

/* sum over i<j (upper) or over all i,j (full) of (g_ij * gamma + 1)^3.  Row
 * sums first, then their sum in order: the result does not depend on the
 * thread count.  Threads only for small d: for large d the dsyrk/dgemm
 * dominates, and a parallel region between BLAS calls fights OpenBLAS's
 * still-spinning threads for the cores (see prdc.c). */
static double kernel_sum(const double *g, int64_t m, int64_t d, int upper, double *rowsum) {
    const double gamma = 1.0 / (double)d;
#pragma omp parallel for schedule(static) if (m * m >= GT_PAR_MIN && d < 256)
    for (int64_t i = 0; i < m; i++) {
        double s = 0;
        for (int64_t j = upper ? i + 1 : 0; j < m; j++) {
            double v = g[i * m + j] * gamma + 1.0;
            s += v * v * v;
        }
        rowsum[i] = s;
    }
    double total = 0;
    for (int64_t i = 0; i < m; i++) total += rowsum[i];
    return total;
}

static int check_pair(gt_features x, gt_features y) {
    if (gt_features_check(x, "KID: first feature set") || gt_features_check(y, "KID: second feature set"))
        return GT_ERR;
    if (x.d != y.d)
        return gt_error_set("KID: feature dimensions differ (%" PRId64 " and %" PRId64 ")", x.d, y.d);
    return GT_OK;
}

/* the core, on validated inputs; work buffers passed in so subsets reuse them */
static double mmd2_core(gt_features x, gt_features y, const int64_t *ix, const int64_t *iy,
                        int64_t m, double *xs, double *ys, double *g, double *rowsum) {
    const int64_t d = x.d;
    gather(x, ix, m, xs);
    gather(y, iy, m, ys);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)m, (int)d, 1.0, xs, (int)d, 0.0, g,
                (int)m);
    double sxx = 2.0 * kernel_sum(g, m, d, 1, rowsum);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)m, (int)d, 1.0, ys, (int)d, 0.0, g,
                (int)m);
    double syy = 2.0 * kernel_sum(g, m, d, 1, rowsum);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)m, (int)d, 1.0, xs, (int)d,
                ys, (int)d, 0.0, g, (int)m);
    double sxy = kernel_sum(g, m, d, 0, rowsum);
    const double md = (double)m;
    return (sxx + syy) / (md * (md - 1)) - 2.0 * sxy / (md * md);
}

static int check_indices(const int64_t *idx, int64_t cnt, int64_t n, const char *which) {
    for (int64_t i = 0; i < cnt; i++)
        if (idx[i] < 0 || idx[i] >= n)
            return gt_error_set("KID: index %" PRId64 " into the %s set is out of range (%" PRId64
                                " samples)", idx[i], which, n);
    return GT_OK;
}

int gt_kid_from_indices(gt_features x, gt_features y, int subsets, int64_t m, const int64_t *ix,
                        const int64_t *iy, double *mmd2_out, gt_kid_result *out) {
    memset(out, 0, sizeof *out);
    if (check_pair(x, y)) return GT_ERR;
    if (subsets < 1) return gt_error_set("KID: need at least one subset, got %d", subsets);
    if (m < 2) return gt_error_set("KID: subsets need at least 2 samples, got %" PRId64, m);
    /* the m x m kernel block is the big allocation: refuse rather than die */
    if (m > 30000)
        return gt_error_set("KID: subset size %" PRId64 " needs a %.1f GB kernel matrix; use a "
                            "subset size of at most 30000 (the reference uses 1000)", m,
                            (double)m * (double)m * 8e-9);
    if (check_indices(ix, subsets * m, x.n, "first") || check_indices(iy, subsets * m, y.n, "second"))
        return GT_ERR;
    const int64_t d = x.d;
    double *xs = gt_xmalloc((size_t)(m * d) * sizeof(double));
    double *ys = gt_xmalloc((size_t)(m * d) * sizeof(double));
    double *g = gt_xmalloc((size_t)(m * m) * sizeof(double));
    double *rowsum = gt_xmalloc((size_t)m * sizeof(double));
    double *vals = gt_xmalloc((size_t)subsets * sizeof(double));
    for (int s = 0; s < subsets; s++)
        vals[s] = mmd2_core(x, y, ix + s * m, iy + s * m, m, xs, ys, g, rowsum);
    double mean = 0, var = 0;
    for (int s = 0; s < subsets; s++) mean += vals[s];
    mean /= subsets;
    for (int s = 0; s < subsets; s++) var += (vals[s] - mean) * (vals[s] - mean);
    out->mean = mean;
    out->std = sqrt(var / subsets); /* np.std, ddof = 0, as torch-fidelity reports */
    out->subsets = subsets;
    out->subset_size = m;
    if (mmd2_out) memcpy(mmd2_out, vals, (size_t)subsets * sizeof(double));
    free(xs);
    free(ys);
    free(g);
    free(rowsum);
    free(vals);
    return GT_OK;
}

int gt_kid_mmd2(gt_features x, gt_features y, const int64_t *ix, const int64_t *iy, int64_t m,
                double *mmd2) {
    gt_kid_result r;
    return gt_kid_from_indices(x, y, 1, m, ix, iy, mmd2, &r);
}

/* m distinct indices of 0..n-1, uniformly: a partial Fisher-Yates shuffle of
 * perm (any permutation of 0..n-1, left permuted for the next draw). */
static void draw_subset(gt_rng *rng, int64_t *perm, int64_t n, int64_t m, int64_t *out) {
    for (int64_t i = 0; i < m; i++) {
        int64_t j = i + (int64_t)gt_rng_below(rng, (uint64_t)(n - i));
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        out[i] = perm[i];
    }
}

int gt_kid(gt_features x, gt_features y, int subsets, int64_t subset_size, gt_rng *rng,
           gt_kid_result *out) {
    memset(out, 0, sizeof *out);
    if (check_pair(x, y)) return GT_ERR;
    if (subsets < 1) return gt_error_set("KID: need at least one subset, got %d", subsets);
    int64_t m = subset_size;
    if (m < 2) return gt_error_set("KID: subsets need at least 2 samples, got %" PRId64, m);
    /* torch-fidelity refuses this too: a subset of every sample, drawn again
     * and again, gives one value and a standard deviation of 0 */
    if (m > x.n || m > y.n)
        return gt_error_set("KID: the subset size %" PRId64 " is larger than the sets (%" PRId64 " and %" PRId64
                            " samples); use a smaller subset size or more samples",
                            m, x.n, y.n);
    int64_t *px = gt_xmalloc((size_t)x.n * sizeof(int64_t)), *py = gt_xmalloc((size_t)y.n * sizeof(int64_t));
    for (int64_t i = 0; i < x.n; i++) px[i] = i;
    for (int64_t i = 0; i < y.n; i++) py[i] = i;
    int64_t *ix = gt_xmalloc((size_t)(subsets * m) * sizeof(int64_t));
    int64_t *iy = gt_xmalloc((size_t)(subsets * m) * sizeof(int64_t));
    for (int s = 0; s < subsets; s++) {
        draw_subset(rng, px, x.n, m, ix + s * m);
        draw_subset(rng, py, y.n, m, iy + s * m);
    }
    int rc = gt_kid_from_indices(x, y, subsets, m, ix, iy, NULL, out);
    free(px);
    free(py);
    free(ix);
    free(iy);
    return rc;
}
