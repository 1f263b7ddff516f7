/* fid.c — Frechet Inception Distance: feature statistics (mean, covariance
 * by blocked dsyrk), the distance itself via the eigenvalues of S1 S2
 * (LAPACK dgeev), and the mu/sigma .npz files. */
#include <cblas.h>
#include <complex.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/metrics.h"
#include "gantrain/npz.h"

/* OpenBLAS ships LAPACK but no LAPACKE: the Fortran entry point, with the
 * hidden string-length arguments gfortran passes for the two CHARACTER*1. */
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t jobvl_len, size_t jobvr_len);

#define FID_EPS 1e-6

void gt_fid_stats_free(gt_fid_stats *s) {
    if (!s) return;
    free(s->mu);
    free(s->sigma);
    s->mu = s->sigma = NULL;
}

int gt_fid_stats_compute(gt_features x, gt_fid_stats *out) {
    memset(out, 0, sizeof *out);
    if (gt_features_check(x, "FID statistics")) return GT_ERR;
    if (x.n < 2)
        return gt_error_set("FID statistics: need at least 2 samples for a covariance, got %" PRId64,
                            x.n);
    const int64_t n = x.n, d = x.d;
    /* rows are converted to float64 in chunks: memory stays ~16 MB while
     * dsyrk still gets a k large enough to run at full speed */
    int64_t chunk = ((int64_t)2 << 20) / d;
    chunk = chunk < 64 ? 64 : chunk;
    chunk = chunk > n ? n : chunk;
    double *buf = gt_xmalloc((size_t)(chunk * d) * sizeof(double));
    double *mu = gt_xcalloc((size_t)d, sizeof(double));
    double *sigma = gt_xmalloc((size_t)(d * d) * sizeof(double));

    for (int64_t r0 = 0; r0 < n; r0 += chunk) {
        int64_t rn = n - r0 < chunk ? n - r0 : chunk;
        gt_features_rows(x, r0, rn, buf);
        for (int64_t i = 0; i < rn; i++)
            for (int64_t j = 0; j < d; j++) mu[j] += buf[i * d + j];
    }
    for (int64_t j = 0; j < d; j++) mu[j] /= (double)n;

    /* sigma = (X - mu)^T (X - mu) / (n - 1), the upper triangle accumulated chunk by chunk */
    for (int64_t r0 = 0; r0 < n; r0 += chunk) {
        int64_t rn = n - r0 < chunk ? n - r0 : chunk;
        gt_features_rows(x, r0, rn, buf);
        for (int64_t i = 0; i < rn; i++)
            for (int64_t j = 0; j < d; j++) buf[i * d + j] -= mu[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)rn, 1.0, buf, (int)d,
                    r0 == 0 ? 0.0 : 1.0, sigma, (int)d);
    }
    const double scale = 1.0 / (double)(n - 1);
    for (int64_t i = 0; i < d; i++) {
        for (int64_t j = i; j < d; j++) sigma[i * d + j] *= scale;
        for (int64_t j = 0; j < i; j++) sigma[i * d + j] = sigma[j * d + i];
    }
    free(buf);
    out->d = d;
    out->n = n;
    out->mu = mu;
    out->sigma = sigma;
    return GT_OK;
}

/* Tr(sqrt((S1 + eps I)(S2 + eps I))) from the eigenvalues of the product.
 * Returns 0 when dgeev did not converge or gave non-finite eigenvalues. */
static int trace_sqrt_product(const double *s1, const double *s2, int64_t d, double eps,
                              gt_fid_result *res) {
    size_t dd = (size_t)(d * d);
    double *a = gt_xmalloc(dd * sizeof(double)), *b = NULL, *p = gt_xmalloc(dd * sizeof(double));
    const double *m1 = s1, *m2 = s2;
    if (eps > 0) {
        b = gt_xmalloc(dd * sizeof(double));
        memcpy(a, s1, dd * sizeof(double));
        memcpy(b, s2, dd * sizeof(double));
        for (int64_t i = 0; i < d; i++) {
            a[i * d + i] += eps;
            b[i * d + i] += eps;
        }
        m1 = a;
        m2 = b;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, m1,
                (int)d, m2, (int)d, 0.0, p, (int)d);
    free(a);
    free(b);
    /* LAPACK reads p column-major, i.e. as (S1 S2)^T: same eigenvalues */
    int n = (int)d, lwork = -1, info = 0, one = 1;
    double *wr = gt_xmalloc((size_t)d * sizeof(double)), *wi = gt_xmalloc((size_t)d * sizeof(double));
    double q = 0, dummy = 0;
    dgeev_("N", "N", &n, p, &n, wr, wi, &dummy, &one, &dummy, &one, &q, &lwork, &info, 1, 1);
    lwork = info == 0 && q >= 1 ? (int)q : 4 * n;
    double *work = gt_xmalloc((size_t)lwork * sizeof(double));
    dgeev_("N", "N", &n, p, &n, wr, wi, &dummy, &one, &dummy, &one, work, &lwork, &info, 1, 1);
    free(work);
    free(p);
    int ok = info == 0;
    double tr = 0;
    res->n_complex = res->n_negative = 0;
    for (int64_t i = 0; ok && i < d; i++) {
        if (!isfinite(wr[i]) || !isfinite(wi[i])) ok = 0;
        res->n_complex += wi[i] != 0;
        res->n_negative += wi[i] == 0 && wr[i] < 0;
        /* principal square root, as scipy's sqrtm; its trace is the sum of these */
        tr += creal(csqrt(CMPLX(wr[i], wi[i])));
    }
    free(wr);
    free(wi);
    if (!ok || !isfinite(tr)) return 0;
    res->tr_covmean = tr;
    return 1;
}

static int stats_check(const gt_fid_stats *s, const char *which) {
    if (!s || !s->mu || !s->sigma || s->d < 1)
        return gt_error_set("FID: %s statistics are empty", which);
    for (int64_t i = 0; i < s->d; i++)
        if (!isfinite(s->mu[i]))
            return gt_error_set("FID: %s statistics: mu[%" PRId64 "] is not finite", which, i);
    for (int64_t i = 0; i < s->d * s->d; i++)
        if (!isfinite(s->sigma[i]))
            return gt_error_set("FID: %s statistics: sigma[%" PRId64 ", %" PRId64 "] is not finite",
                                which, i / s->d, i % s->d);
    if (s->n && s->n <= s->d)
        return gt_error_set("FID: the %s set has %" PRId64 " samples for %" PRId64 " feature "
                            "dimensions, so its covariance is singular; FID needs more samples "
                            "than dimensions (use at least %" PRId64 "; KID and precision/recall "
                            "do not need this)", which, s->n, s->d, s->d + 1);
    return GT_OK;
}

int gt_fid_from_stats(const gt_fid_stats *a, const gt_fid_stats *b, gt_fid_result *out) {
    memset(out, 0, sizeof *out);
    if (stats_check(a, "first") || stats_check(b, "second")) return GT_ERR;
    if (a->d != b->d)
        return gt_error_set("FID: the statistics have different dimensions (%" PRId64 " and %" PRId64
                            "); they come from different feature extractors", a->d, b->d);
    const int64_t d = a->d;
    if (!trace_sqrt_product(a->sigma, b->sigma, d, 0.0, out)) {
        /* pytorch-fid's fallback for a singular product */
        out->used_eps = 1;
        if (!trace_sqrt_product(a->sigma, b->sigma, d, FID_EPS, out))
            return gt_error_set("FID: the eigenvalues of S1*S2 could not be computed, even with "
                                "%g added to the covariance diagonals", FID_EPS);
    }
    double diff = 0, tr1 = 0, tr2 = 0;
    for (int64_t i = 0; i < d; i++) {
        double t = a->mu[i] - b->mu[i];
        diff += t * t;
        tr1 += a->sigma[i * d + i];
        tr2 += b->sigma[i * d + i];
    }
    out->fid = diff + tr1 + tr2 - 2.0 * out->tr_covmean;
    return GT_OK;
}

int gt_fid(gt_features x1, gt_features x2, gt_fid_result *out) {
    memset(out, 0, sizeof *out);
    if (x1.d != x2.d)
        return gt_error_set("FID: feature dimensions differ (%" PRId64 " and %" PRId64 ")", x1.d,
                            x2.d);
    /* checked before the O(n d^2) statistics, so a hopeless request fails at once */
    if (x1.n <= x1.d || x2.n <= x2.d) {
        int first = x1.n <= x1.d;
        return gt_error_set("FID: the %s set has %" PRId64 " samples for %" PRId64 " feature "
                            "dimensions, so its covariance is singular; FID needs more samples "
                            "than dimensions (use at least %" PRId64 "; KID and precision/recall "
                            "do not need this)", first ? "first" : "second", first ? x1.n : x2.n,
                            x1.d, x1.d + 1);
    }
    gt_fid_stats s1, s2;
    if (gt_fid_stats_compute(x1, &s1)) {
        gt_error_prefix("first set");
        return GT_ERR;
    }
    if (gt_fid_stats_compute(x2, &s2)) {
        gt_error_prefix("second set");
        gt_fid_stats_free(&s1);
        return GT_ERR;
    }
    int rc = gt_fid_from_stats(&s1, &s2, out);
    gt_fid_stats_free(&s1);
    gt_fid_stats_free(&s2);
    return rc;
}

int gt_fid_stats_save(const char *path, const gt_fid_stats *s) {
    if (!s || !s->mu || !s->sigma || s->d < 1)
        return gt_error_set("%s: no statistics to save", path);
    gt_npz_array arr[2] = {
        {.name = "mu", .ndim = 1, .shape = {s->d, 1}, .data = s->mu},
        {.name = "sigma", .ndim = 2, .shape = {s->d, s->d}, .data = s->sigma},
    };
    return gt_npz_write(path, 2, arr);
}

int gt_fid_stats_load(const char *path, gt_fid_stats *out) {
    memset(out, 0, sizeof *out);
    gt_npz *z;
    if (gt_npz_open(path, &z)) return GT_ERR;
    gt_npz_array mu = {0}, sigma = {0};
    int rc = GT_ERR;
    if (gt_npz_read(z, "mu", &mu) || gt_npz_read(z, "sigma", &sigma)) goto done;
    if (mu.ndim != 1) {
        gt_error_set("%s: 'mu' must be a vector [d], it has %d dimensions", path, mu.ndim);
        goto done;
    }
    if (sigma.ndim != 2 || sigma.shape[0] != mu.shape[0] || sigma.shape[1] != mu.shape[0]) {
        gt_error_set("%s: 'sigma' must be [%" PRId64 ", %" PRId64 "] to match 'mu'", path,
                     mu.shape[0], mu.shape[0]);
        goto done;
    }
    if (mu.shape[0] < 1) {
        gt_error_set("%s: 'mu' is empty", path);
        goto done;
    }
    out->d = mu.shape[0];
    out->n = 0; /* the sample count is not stored in the file */
    out->mu = mu.data;
    out->sigma = sigma.data;
    mu.data = sigma.data = NULL;
    rc = GT_OK;
done:
    gt_npz_array_free(&mu);
    gt_npz_array_free(&sigma);
    gt_npz_close(z);
    return rc;
}
