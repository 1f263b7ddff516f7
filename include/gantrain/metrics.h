/* metrics.h — the sample-quality metrics of `gantrain eval`, computed from
 * feature matrices: FID, Inception Score, KID, precision/recall/F1 and
 * density/coverage, plus the FID statistics (mean, covariance) and their
 * .npz files.
 *
 * Every metric matches a reference implementation, computed in float64:
 *   FID       pytorch-fid calculate_frechet_distance
 *   IS        the original (Salimans et al.): contiguous splits, no shuffle
 *   KID       torch-fidelity kid_features_to_metric (Binkowski et al.)
 *   P/R/F1    torch-fidelity metric_prc (Kynkaanniemi et al. 2019), k = 3
 *   D/C       the prdc package (Naeem et al. 2020), k = 5
 * Inputs are validated first: a non-finite value, too few samples or
 * mismatched dimensions is a recoverable error (GT_ERR, message set), never
 * a crash.  Large products go through BLAS (dsyrk/dgemm); pairwise distances
 * are computed in blocks, so memory stays bounded for n ~ 50000.
 */
#ifndef GANTRAIN_METRICS_H
#define GANTRAIN_METRICS_H

#include <stdint.h>

#include "gantrain/rng.h"
#include "gantrain/tensor.h"

/* ---- feature matrices ------------------------------------------------- */
/* A read-only view of a row-major [n, d] matrix of float32 or float64 (one
 * row per sample).  The view never owns the data. */
typedef struct gt_features {
    const void *data;
    int64_t n, d;
    int f64; /* 0: float32, 1: float64 */
} gt_features;

static inline gt_features gt_features_f32(const float *data, int64_t n, int64_t d) {
    gt_features x = {data, n, d, 0};
    return x;
}
static inline gt_features gt_features_f64(const double *data, int64_t n, int64_t d) {
    gt_features x = {data, n, d, 1};
    return x;
}
/* A 2-D tensor [n, d] (a 1-D tensor is one row). */
gt_features gt_features_tensor(const gt_tensor *t);

/* GT_OK, or GT_ERR naming `what` ("real features") and the first NaN/Inf
 * (row, column), or an empty / negative shape. */
int gt_features_check(gt_features x, const char *what);
/* Rows r0 .. r0+count-1 as float64 into out [count, d]. */
void gt_features_rows(gt_features x, int64_t r0, int64_t count, double *out);

/* ---- FID ---------------------------------------------------------------- */
/* Feature statistics: mu [d] and sigma [d, d] (row-major, symmetric), the
 * mean and the covariance with ddof = 1 (numpy.cov(x, rowvar=False)).
 * n is the sample count, 0 when unknown (statistics loaded from a file). */
typedef struct gt_fid_stats {
    int64_t d, n;
    double *mu, *sigma;
} gt_fid_stats;

/* Needs n >= 2.  out owns its arrays: release with gt_fid_stats_free. */
int gt_fid_stats_compute(gt_features x, gt_fid_stats *out);
void gt_fid_stats_free(gt_fid_stats *s); /* frees the arrays; accepts zeroed or NULL */
/* .npz with float64 arrays "mu" [d] and "sigma" [d, d], as pytorch-fid's
 * --save-stats and TTUR's precomputed files; loading accepts float32 too. */
int gt_fid_stats_save(const char *path, const gt_fid_stats *s);
int gt_fid_stats_load(const char *path, gt_fid_stats *out);

typedef struct gt_fid_result {
    double fid;        /* ||mu1-mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr(sqrt(S1 S2)) */
    double tr_covmean; /* Tr(sqrt(S1 S2)) = sum of Re sqrt(eigenvalues of S1 S2) */
    int n_complex;     /* eigenvalues of S1 S2 with a non-zero imaginary part */
    int n_negative;    /* real eigenvalues < 0 (numerical noise; contribute 0) */
    int used_eps;      /* the first attempt failed and 1e-6 I was added to S1, S2 */
} gt_fid_result;

/* FID between two sets of statistics.  Tr(sqrt(S1 S2)) comes from the
 * eigenvalues of the non-symmetric product S1 S2 (LAPACK dgeev): the trace
 * of scipy's sqrtm(S1 S2), as pytorch-fid takes it, equals the sum of the
 * real parts of the principal square roots of those eigenvalues.  When the
 * eigenvalue solver fails, it retries with eps = 1e-6 added to both
 * diagonals, as pytorch-fid does when sqrtm is not finite.  When both n
 * are known (non-zero) and either n <= d the covariance is singular: that is
 * an error saying so (the other metrics do not need the covariance).
 * pytorch-fid raises ValueError when sqrtm's diagonal has an imaginary part
 * above 1e-3; here the real part is used and n_complex / n_negative report
 * how far from the exact (real, non-negative) spectrum the numbers were. */
int gt_fid_from_stats(const gt_fid_stats *a, const gt_fid_stats *b, gt_fid_result *out);
/* Statistics of both sets, then gt_fid_from_stats. */
int gt_fid(gt_features x1, gt_features x2, gt_fid_result *out);

/* ---- Inception Score ---------------------------------------------------- */
typedef struct gt_is_result {
    double mean, std; /* over the splits; std is numpy's (ddof = 0) */
    int splits;
} gt_is_result;

/* probs [n, classes]: p(y|x), rows of softmax probabilities (a row that does
 * not sum to 1 within 1e-3, or a negative entry, is an error: logits were
 * passed).  Split s is rows [s*n/splits, (s+1)*n/splits); its score is
 * exp(mean over rows of KL(p(y|x) || p(y))) with p(y) the split's mean row;
 * 0 log 0 counts as 0.  Needs n >= splits >= 1 (the reference uses 10). */
int gt_inception_score(gt_features probs, int splits, gt_is_result *out);

/* ---- KID ---------------------------------------------------------------- */
#define GT_KID_SUBSETS 100
#define GT_KID_SUBSET_SIZE 1000

typedef struct gt_kid_result {
    double mean, std;    /* over the subsets; std is numpy's (ddof = 0) */
    int subsets;
    int64_t subset_size;
} gt_kid_result;

/* Unbiased MMD^2 with the cubic polynomial kernel k(a,b) = (a.b/d + 1)^3
 * between rows ix[0..m) of x and rows iy[0..m) of y:
 *   sum_{i!=j} k(x_i,x_j)/(m(m-1)) + sum_{i!=j} k(y_i,y_j)/(m(m-1)) - 2 sum_{i,j} k(x_i,y_j)/m^2.
 * Needs m >= 2; indices must be in range. */
int gt_kid_mmd2(gt_features x, gt_features y, const int64_t *ix, const int64_t *iy, int64_t m,
                double *mmd2);
/* Mean and std of gt_kid_mmd2 over `subsets` given index lists: subset s
 * uses ix[s*m .. s*m+m) and iy[s*m .. s*m+m).  mmd2_out [subsets] may be NULL. */
int gt_kid_from_indices(gt_features x, gt_features y, int subsets, int64_t m, const int64_t *ix,
                        const int64_t *iy, double *mmd2_out, gt_kid_result *out);
/* KID as torch-fidelity: each subset draws m = subset_size rows of each
 * set without replacement (independently per subset), from rng.  A subset
 * size larger than either set is an error, as in torch-fidelity. */
int gt_kid(gt_features x, gt_features y, int subsets, int64_t subset_size, gt_rng *rng,
           gt_kid_result *out);

/* ---- precision / recall / density / coverage ---------------------------- */
#define GT_PR_K 3
#define GT_DC_K 5

typedef struct gt_prdc_result {
    /* k_pr nearest neighbours; "inside a ball" means distance <= radius
     * (torch-fidelity / Kynkaanniemi et al.'s code) */
    double precision; /* fraction of fake samples inside at least one real ball */
    double recall;    /* fraction of real samples inside at least one fake ball */
    double f1;        /* 2PR/(P+R), 0 when P = R = 0 */
    /* k_dc nearest neighbours; "inside" means distance < radius (prdc) */
    double density;   /* (1/(k M)) sum over fake of the real balls containing it */
    double coverage;  /* fraction of real samples whose ball contains a fake one */
    int k_pr, k_dc;
} gt_prdc_result;

/* The radius of a sample is the Euclidean distance to its k-th nearest
 * neighbour in its own set, itself excluded.  Distances are computed as the
 * references do: sqrt(max(|a|^2 + |b|^2 - 2 a.b, 0)), with a.b from dgemm in
 * blocks (memory ~ 40 MB whatever n).  Needs n_real > max(k_pr, k_dc) and
 * n_fake > k_pr. */
int gt_prdc(gt_features real, gt_features fake, int k_pr, int k_dc, gt_prdc_result *out);

#endif
