/* test_metrics.c — FID, IS, KID, precision/recall/F1 and density/coverage
 * against NumPy/SciPy on the same features (tests/fixtures/metrics_ref.gtf,
 * made by scripts/make-metric-fixtures.py), plus the boundary conventions,
 * blocked distances, sampling, stats files and every input error. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/metrics.h"
#include "gantrain/rng.h"
#include "test.h"

#define FIXTURE "fixtures/metrics_ref.gtf"

/* a float64 reference stored as [hi, lo] float32 pairs (element i of an
 * array of `count`) */
static double ref_at(const gt_tensor *t, int64_t i) {
    int64_t half = t->n / 2;
    return (double)t->data[i] + (double)t->data[half + i];
}
static double ref(gt_fixture *fx, const char *name) {
    gt_tensor *t = gt_fixture_get(fx, name);
    GT_ASSERTF(t && t->n == 2, "fixture value %s", name);
    return ref_at(t, 0);
}
static double rel_err(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

/* max |a - ref| / max |ref| over an array of n doubles */
static double max_rel(const double *a, const gt_tensor *r, int64_t n) {
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        num = fmax(num, fabs(a[i] - ref_at(r, i)));
        den = fmax(den, fabs(ref_at(r, i)));
    }
    return num / fmax(den, 1e-300);
}

GT_TEST(metrics_fid_stats_match_numpy) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    const char *cases[] = {"fid_a", "fid_c"};
    for (int c = 0; c < 2; c++) {
        for (int k = 1; k <= 2; k++) {
            gt_tensor *x = gt_fixture_getf(fx, "%s.x%d", cases[c], k);
            gt_fid_stats s;
            CHECKF(gt_fid_stats_compute(gt_features_tensor(x), &s) == 0, "%s", gt_error());
            CHECK(s.n == x->shape[0] && s.d == x->shape[1]);
            double e_mu = max_rel(s.mu, gt_fixture_getf(fx, "%s.mu%d", cases[c], k), s.d);
            double e_sig = max_rel(s.sigma, gt_fixture_getf(fx, "%s.sigma%d", cases[c], k), s.d * s.d);
            int sym = 1;
            for (int64_t i = 0; i < s.d; i++)
                for (int64_t j = 0; j < s.d; j++) sym &= s.sigma[i * s.d + j] == s.sigma[j * s.d + i];
            gt_fid_stats_free(&s);
            CHECKF(e_mu < 1e-12 && e_sig < 1e-12, "%s set %d: mu err %.3g, sigma err %.3g", cases[c], k,
                   e_mu, e_sig);
            CHECK(sym);
        }
    }
    gt_fixture_free(fx);
}

GT_TEST(metrics_fid_matches_numpy_and_sqrtm) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    const char *cases[] = {"fid_a", "fid_b", "fid_c"};
    for (int c = 0; c < 3; c++) {
        gt_tensor *x1 = gt_fixture_getf(fx, "%s.x1", cases[c]), *x2 = gt_fixture_getf(fx, "%s.x2", cases[c]);
        gt_fid_result r;
        CHECKF(gt_fid(gt_features_tensor(x1), gt_features_tensor(x2), &r) == 0, "%s", gt_error());
        char name[64];
        snprintf(name, sizeof name, "%s.fid", cases[c]);
        double want = ref(fx, name);
        snprintf(name, sizeof name, "%s.fid_sqrtm", cases[c]);
        double want_sqrtm = ref(fx, name);
        snprintf(name, sizeof name, "%s.tr_covmean", cases[c]);
        double want_tr = ref(fx, name);
        CHECKF(rel_err(r.fid, want) < 1e-6, "%s: FID %.12g, numpy (eigvals) %.12g, rel %.3g", cases[c],
               r.fid, want, rel_err(r.fid, want));
        CHECKF(rel_err(r.fid, want_sqrtm) < 1e-6, "%s: FID %.12g, scipy sqrtm %.12g, rel %.3g",
               cases[c], r.fid, want_sqrtm, rel_err(r.fid, want_sqrtm));
        CHECKF(rel_err(r.tr_covmean, want_tr) < 1e-6, "%s: Tr sqrt %.12g vs %.12g", cases[c],
               r.tr_covmean, want_tr);
        if (getenv("GT_METRICS_VERBOSE"))
            fprintf(stderr, "  %s: FID %.12g rel err vs eigvals %.2g, vs sqrtm %.2g, Tr %.2g\n", cases[c],
                    r.fid, rel_err(r.fid, want), rel_err(r.fid, want_sqrtm), rel_err(r.tr_covmean, want_tr));
        CHECK(!r.used_eps);
        if (c < 2) CHECK(r.n_complex == 0);
    }
    /* the rank-deficient case: S1 S2 has complex-conjugate eigenvalue pairs
     * (numpy's LAPACK saw them too), and the real parts of their roots count */
    gt_fid_result r;
    CHECK(gt_fid(gt_features_tensor(gt_fixture_get(fx, "fid_c.x1")),
                 gt_features_tensor(gt_fixture_get(fx, "fid_c.x2")), &r) == 0);
    CHECK(gt_fixture_get(fx, "fid_c.n_complex")->data[0] > 0);
    CHECKF(r.n_complex > 0, "no complex eigenvalues this time (numpy had %g)",
           gt_fixture_get(fx, "fid_c.n_complex")->data[0]);
    gt_fixture_free(fx);
}

GT_TEST(metrics_fid_float64_input_and_symmetry) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    gt_tensor *x1 = gt_fixture_get(fx, "fid_a.x1"), *x2 = gt_fixture_get(fx, "fid_a.x2");
    double *d1 = malloc(sizeof(double) * (size_t)x1->n), *d2 = malloc(sizeof(double) * (size_t)x2->n);
    for (int64_t i = 0; i < x1->n; i++) d1[i] = x1->data[i];
    for (int64_t i = 0; i < x2->n; i++) d2[i] = x2->data[i];
    gt_fid_result a, b, c;
    CHECK(gt_fid(gt_features_tensor(x1), gt_features_tensor(x2), &a) == 0);
    CHECK(gt_fid(gt_features_f64(d1, x1->shape[0], x1->shape[1]),
                 gt_features_f64(d2, x2->shape[0], x2->shape[1]), &b) == 0);
    CHECK(gt_fid(gt_features_tensor(x2), gt_features_tensor(x1), &c) == 0);
    CHECK(a.fid == b.fid); /* same values, same arithmetic */
    CHECK_NEAR(a.fid, c.fid, 1e-9 * a.fid);
    /* a set against itself: 0 up to rounding */
    CHECK(gt_fid(gt_features_tensor(x1), gt_features_tensor(x1), &c) == 0);
    CHECK_NEAR(c.fid, 0.0, 1e-9);
    free(d1);
    free(d2);
    gt_fixture_free(fx);
}

GT_TEST(metrics_fid_stats_file_roundtrip) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    gt_fid_stats s1, s2, l1;
    CHECK(gt_fid_stats_compute(gt_features_tensor(gt_fixture_get(fx, "fid_b.x1")), &s1) == 0);
    CHECK(gt_fid_stats_compute(gt_features_tensor(gt_fixture_get(fx, "fid_b.x2")), &s2) == 0);
    char path[600];
    snprintf(path, sizeof path, "%s/real_stats.npz", gt_test_tmpdir());
    CHECKF(gt_fid_stats_save(path, &s1) == 0, "%s", gt_error());
    CHECKF(gt_fid_stats_load(path, &l1) == 0, "%s", gt_error());
    CHECK(l1.d == s1.d && l1.n == 0);
    CHECK(!memcmp(l1.mu, s1.mu, sizeof(double) * (size_t)s1.d));
    CHECK(!memcmp(l1.sigma, s1.sigma, sizeof(double) * (size_t)(s1.d * s1.d)));
    gt_fid_result a, b;
    CHECK(gt_fid_from_stats(&s1, &s2, &a) == 0 && gt_fid_from_stats(&l1, &s2, &b) == 0);
    CHECK(a.fid == b.fid);
    CHECK_NEAR(a.fid, ref(fx, "fid_b.fid"), 1e-6 * a.fid);
    gt_fid_stats_free(&l1);
    /* files that are not FID statistics */
    CHECK(gt_fid_stats_load(gt_test_path("fixtures/npz_variants.npz"), &l1) != 0);
    CHECKF(strstr(gt_error(), "no array named 'mu'"), "%s", gt_error());
    /* numpy's file: mu [6], sigma [6, 6] and other members, which are ignored */
    CHECKF(gt_fid_stats_load(gt_test_path("fixtures/npz_savez.npz"), &l1) == 0, "%s", gt_error());
    CHECK(l1.d == 6 && l1.mu[0] == -2.5 / 7.0 && l1.sigma[7] == (6 + 1 - 17) / 13.0);
    gt_fid_stats_free(&l1);
    CHECK(gt_fid_stats_load(gt_test_path("fixtures/npz_writer_ref.npz"), &l1) == 0); /* mu [5], sigma [5,5] */
    CHECK(l1.d == 5 && l1.sigma[1] == 1 - 0.125);
    gt_fid_stats_free(&l1);
    gt_fid_stats_free(&l1); /* idempotent */
    gt_fid_stats_free(NULL);
    gt_fid_stats_free(&s1);
    gt_fid_stats_free(&s2);
    gt_fixture_free(fx);
}

GT_TEST(metrics_fid_errors) {
    enum { N = 40, D = 8 };
    float x[N * D], y[N * D];
    gt_rng r;
    gt_rng_seed(&r, 3);
    gt_rng_fill_normal(&r, x, N * D, 0, 1);
    gt_rng_fill_normal(&r, y, N * D, 0.5f, 1);
    gt_fid_result res;
    /* n <= d: singular covariance, said so */
    CHECK(gt_fid(gt_features_f32(x, D, D), gt_features_f32(y, N, D), &res) != 0);
    CHECKF(strstr(gt_error(), "8 samples for 8 feature dimensions") && strstr(gt_error(), "singular"),
           "%s", gt_error());
    CHECK(gt_fid(gt_features_f32(x, N, D), gt_features_f32(y, 5, D), &res) != 0);
    CHECK(strstr(gt_error(), "second set has 5 samples") != NULL);
    /* mismatched dimensions */
    CHECK(gt_fid(gt_features_f32(x, N, D), gt_features_f32(y, N / 2, 2 * D), &res) != 0);
    CHECK(strstr(gt_error(), "dimensions differ (8 and 16)") != NULL);
    /* n < 2 for the statistics */
    gt_fid_stats s;
    CHECK(gt_fid_stats_compute(gt_features_f32(x, 1, D), &s) != 0);
    CHECK(strstr(gt_error(), "at least 2 samples") != NULL);
    /* NaN and Inf, located */
    x[3 * D + 5] = NAN;
    CHECK(gt_fid(gt_features_f32(x, N, D), gt_features_f32(y, N, D), &res) != 0);
    CHECKF(strstr(gt_error(), "first set") && strstr(gt_error(), "sample 3, feature 5 is NaN"), "%s",
           gt_error());
    x[3 * D + 5] = 0;
    y[7] = -INFINITY;
    CHECK(gt_fid(gt_features_f32(x, N, D), gt_features_f32(y, N, D), &res) != 0);
    CHECKF(strstr(gt_error(), "second set") && strstr(gt_error(), "sample 0, feature 7 is Inf"), "%s",
           gt_error());
    y[7] = 0;
    /* statistics of different sizes, and non-finite statistics */
    gt_fid_stats a, b;
    CHECK(gt_fid_stats_compute(gt_features_f32(x, N, D), &a) == 0);
    CHECK(gt_fid_stats_compute(gt_features_f32(y, N, D / 2), &b) == 0);
    CHECK(gt_fid_from_stats(&a, &b, &res) != 0 && strstr(gt_error(), "different dimensions"));
    gt_fid_stats_free(&b);
    CHECK(gt_fid_stats_compute(gt_features_f32(y, N, D), &b) == 0);
    b.sigma[9] = NAN;
    CHECK(gt_fid_from_stats(&a, &b, &res) != 0 && strstr(gt_error(), "sigma[1, 1] is not finite"));
    b.sigma[9] = 1;
    b.n = 0; /* stats from a file: sample count unknown, computed anyway */
    CHECK(gt_fid_from_stats(&a, &b, &res) == 0 && isfinite(res.fid));
    gt_fid_stats_free(&a);
    gt_fid_stats_free(&b);
}

GT_TEST(metrics_is_matches_numpy) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    gt_features p = gt_features_tensor(gt_fixture_get(fx, "is.p"));
    const int splits[] = {10, 3};
    for (int k = 0; k < 2; k++) {
        gt_is_result r;
        CHECKF(gt_inception_score(p, splits[k], &r) == 0, "%s", gt_error());
        char m[32], s[32];
        snprintf(m, sizeof m, "is.mean%d", splits[k]);
        snprintf(s, sizeof s, "is.std%d", splits[k]);
        CHECKF(rel_err(r.mean, ref(fx, m)) < 1e-12, "IS mean %.15g vs %.15g", r.mean, ref(fx, m));
        CHECKF(rel_err(r.std, ref(fx, s)) < 1e-9, "IS std %.15g vs %.15g", r.std, ref(fx, s));
        CHECK(r.splits == splits[k]);
        if (getenv("GT_METRICS_VERBOSE"))
            fprintf(stderr, "  IS %d splits: %.12g +- %.12g, rel err mean %.2g std %.2g\n", splits[k],
                    r.mean, r.std, rel_err(r.mean, ref(fx, m)), rel_err(r.std, ref(fx, s)));
    }
    gt_fixture_free(fx);
}

GT_TEST(metrics_is_errors_and_limits) {
    enum { N = 20, K = 4 };
    float p[N * K];
    for (int i = 0; i < N * K; i++) p[i] = 0.25f;
    gt_is_result r;
    /* uniform predictions: every split scores exactly 1 */
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 10, &r) == 0);
    CHECK_NEAR(r.mean, 1.0, 1e-15);
    CHECK_NEAR(r.std, 0.0, 1e-15);
    /* one-hot over K classes, balanced: K */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < K; j++) p[i * K + j] = j == i % K ? 1.0f : 0.0f;
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 5, &r) == 0);
    CHECK_NEAR(r.mean, (double)K, 1e-12);
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 21, &r) != 0);
    CHECK(strstr(gt_error(), "20 samples cannot make 21 splits") != NULL);
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 0, &r) != 0);
    p[5 * K + 1] = -0.5f; /* logits, not probabilities */
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 10, &r) != 0);
    CHECKF(strstr(gt_error(), "sample 5 has a negative probability"), "%s", gt_error());
    p[5 * K + 1] = 0.5f;
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 10, &r) != 0);
    CHECKF(strstr(gt_error(), "sample 5 sum to 0.5"), "%s", gt_error());
    p[5 * K + 1] = NAN;
    CHECK(gt_inception_score(gt_features_f32(p, N, K), 10, &r) != 0 && strstr(gt_error(), "NaN"));
}

static int64_t *indices(const gt_tensor *t) {
    int64_t *p = malloc(sizeof(int64_t) * (size_t)t->n);
    for (int64_t i = 0; i < t->n; i++) p[i] = (int64_t)t->data[i];
    return p;
}

GT_TEST(metrics_kid_matches_numpy) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    const char *cases[][2] = {{"kid_a", "fid_a"}, {"kid_b", "fid_b"}};
    for (int c = 0; c < 2; c++) {
        gt_tensor *tix = gt_fixture_getf(fx, "%s.ix", cases[c][0]);
        gt_tensor *tiy = gt_fixture_getf(fx, "%s.iy", cases[c][0]);
        gt_tensor *mmd = gt_fixture_getf(fx, "%s.mmd", cases[c][0]);
        int subsets = tix->shape[0];
        int64_t m = tix->shape[1];
        int64_t *ix = indices(tix), *iy = indices(tiy);
        gt_features x = gt_features_tensor(gt_fixture_getf(fx, "%s.x1", cases[c][1]));
        gt_features y = gt_features_tensor(gt_fixture_getf(fx, "%s.x2", cases[c][1]));
        double vals[8];
        gt_kid_result r;
        int rc = gt_kid_from_indices(x, y, subsets, m, ix, iy, vals, &r);
        double one;
        int rc1 = gt_kid_mmd2(x, y, ix + m, iy + m, m, &one); /* the second subset alone */
        free(ix);
        free(iy);
        CHECKF(rc == 0 && rc1 == 0, "%s", gt_error());
        CHECK(r.subsets == subsets && r.subset_size == m);
        for (int s = 0; s < subsets; s++)
            CHECKF(rel_err(vals[s], ref_at(mmd, s)) < 1e-9, "%s subset %d: %.15g vs %.15g", cases[c][0],
                   s, vals[s], ref_at(mmd, s));
        CHECK(one == vals[1]);
        char n1[32], n2[32];
        snprintf(n1, sizeof n1, "%s.mean", cases[c][0]);
        snprintf(n2, sizeof n2, "%s.std", cases[c][0]);
        CHECKF(rel_err(r.mean, ref(fx, n1)) < 1e-9, "%s mean %.15g vs %.15g", cases[c][0], r.mean,
               ref(fx, n1));
        CHECKF(rel_err(r.std, ref(fx, n2)) < 1e-6, "%s std %.15g vs %.15g", cases[c][0], r.std,
               ref(fx, n2));
        if (getenv("GT_METRICS_VERBOSE"))
            fprintf(stderr, "  %s: mean %.12g std %.6g, rel err subsets %.2g mean %.2g std %.2g\n",
                    cases[c][0], r.mean, r.std, max_rel(vals, mmd, subsets),
                    rel_err(r.mean, ref(fx, n1)), rel_err(r.std, ref(fx, n2)));
    }
    gt_fixture_free(fx);
}

GT_TEST(metrics_kid_sampling) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    gt_features x = gt_features_tensor(gt_fixture_get(fx, "fid_a.x1")); /* 200 rows */
    gt_features y = gt_features_tensor(gt_fixture_get(fx, "fid_a.x2")); /* 250 rows */
    gt_rng r1, r2;
    gt_rng_seed(&r1, 5);
    gt_rng_seed(&r2, 5);
    gt_kid_result a, b;
    CHECK(gt_kid(x, y, 20, 50, &r1, &a) == 0 && gt_kid(x, y, 20, 50, &r2, &b) == 0);
    CHECK(a.mean == b.mean && a.std == b.std && a.subsets == 20 && a.subset_size == 50);
    CHECK(a.std > 0); /* subsets differ from one another */
    gt_kid_result c;
    CHECK(gt_kid(x, y, 20, 50, &r1, &c) == 0 && c.mean != a.mean); /* the RNG moved on */
    /* a subset of every row: drawn without replacement it is x itself in
     * some order, and MMD^2 does not depend on the order */
    gt_kid_result full;
    CHECK(gt_kid(x, x, 1, 200, &r1, &full) == 0 && full.subset_size == 200);
    /* a subset larger than a set is refused (torch-fidelity refuses too),
     * not cut to the set's size */
    CHECK(gt_kid(x, y, 1, 201, &r1, &c) != 0);
    CHECKF(strstr(gt_error(), "subset size 201 is larger than the sets (200 and 250 samples)"), "%s", gt_error());
    int64_t ident[200];
    for (int i = 0; i < 200; i++) ident[i] = i;
    double want;
    CHECK(gt_kid_mmd2(x, x, ident, ident, 200, &want) == 0);
    CHECK_NEAR(full.mean, want, 1e-12);
    /* the same distribution scores near 0, different ones clearly above */
    CHECK(want < 0.5 * a.mean); /* a set against itself scores below two different sets */
    /* errors */
    CHECK(gt_kid(x, y, 0, 50, &r1, &a) != 0);
    CHECK(gt_kid(gt_features_tensor(gt_fixture_get(fx, "fid_a.x1")),
                 gt_features_tensor(gt_fixture_get(fx, "fid_b.x1")), 2, 50, &r1, &a) != 0);
    CHECK(strstr(gt_error(), "dimensions differ (16 and 64)") != NULL);
    CHECK(gt_kid(gt_features_f32(gt_fixture_get(fx, "fid_a.x1")->data, 1, 16), y, 2, 50, &r1, &a) != 0);
    CHECK(strstr(gt_error(), "larger than the sets (1 and 250 samples)") != NULL);
    CHECK(gt_kid(x, y, 2, 1, &r1, &a) != 0);
    CHECK(strstr(gt_error(), "at least 2 samples") != NULL);
    int64_t bad[2] = {0, 200};
    double v;
    CHECK(gt_kid_mmd2(x, y, bad, ident, 2, &v) != 0 && strstr(gt_error(), "index 200"));
    /* a subset too large for its kernel matrix is refused before any allocation */
    CHECK(gt_kid_from_indices(x, y, 1, 30001, ident, ident, NULL, &a) != 0);
    CHECK(strstr(gt_error(), "at most 30000") != NULL);
    gt_fixture_free(fx);
}

GT_TEST(metrics_prdc_matches_numpy) {
    gt_fixture *fx = gt_fixture_load(gt_test_path(FIXTURE));
    CHECK(fx);
    gt_features real = gt_features_tensor(gt_fixture_get(fx, "prdc.real"));
    gt_features fake = gt_features_tensor(gt_fixture_get(fx, "prdc.fake"));
    gt_tensor *v = gt_fixture_get(fx, "prdc.values");
    gt_prdc_result r;
    CHECKF(gt_prdc(real, fake, GT_PR_K, GT_DC_K, &r) == 0, "%s", gt_error());
    /* counts over samples: the same counts (1e-12 only absorbs the fixture's
     * hi + lo storage; neighbouring fractions differ by 1/n) */
    CHECKF(rel_err(r.precision, ref_at(v, 0)) < 1e-12, "precision %.15g vs %.15g", r.precision, ref_at(v, 0));
    CHECKF(rel_err(r.recall, ref_at(v, 1)) < 1e-12, "recall %.15g vs %.15g", r.recall, ref_at(v, 1));
    CHECKF(rel_err(r.f1, ref_at(v, 2)) < 1e-12, "f1 %.15g vs %.15g", r.f1, ref_at(v, 2));
    CHECKF(rel_err(r.density, ref_at(v, 3)) < 1e-12, "density %.15g vs %.15g", r.density, ref_at(v, 3));
    CHECKF(rel_err(r.coverage, ref_at(v, 4)) < 1e-12, "coverage %.15g vs %.15g", r.coverage, ref_at(v, 4));
    CHECK(r.k_pr == 3 && r.k_dc == 5);
    if (getenv("GT_METRICS_VERBOSE"))
        fprintf(stderr, "  prdc: P %.6g R %.6g F1 %.6g D %.6g C %.6g; rel err F1 %.2g density %.2g\n",
                r.precision, r.recall, r.f1, r.density, r.coverage, rel_err(r.f1, ref_at(v, 2)),
                rel_err(r.density, ref_at(v, 3)));
    gt_fixture_free(fx);
}

/* Points on a line at integer positions: every distance is exact, so ties
 * with the radii are exact too, and the two conventions show. */
GT_TEST(metrics_prdc_boundary_conventions) {
    float real[10], fake[3] = {10, 12, 13};
    for (int i = 0; i < 10; i++) real[i] = (float)i;
    gt_prdc_result r;
    CHECK(gt_prdc(gt_features_f32(real, 10, 1), gt_features_f32(fake, 3, 1), 1, 1, &r) == 0);
    /* radii: real 1 each; fake 10 -> 2, 12 -> 1, 13 -> 1 */
    CHECK(r.precision == 1.0 / 3); /* fake 10 sits on real 9's sphere: <= counts it */
    CHECK(r.recall == 2.0 / 10);   /* reals 8 and 9 lie within fake 10's radius 2 */
    CHECK_NEAR(r.f1, 2 * (1.0 / 3) * 0.2 / (1.0 / 3 + 0.2), 1e-15);
    CHECK(r.density == 0.0);       /* on the sphere is not inside: < */
    CHECK(r.coverage == 0.0);
    fake[0] = 9.5f;                /* strictly inside real 9's ball only */
    CHECK(gt_prdc(gt_features_f32(real, 10, 1), gt_features_f32(fake, 3, 1), 1, 1, &r) == 0);
    CHECK(r.precision == 1.0 / 3 && r.density == 1.0 / 3 && r.coverage == 0.1);
    /* k = 2: real radii are 2 at the ends and 1 inside; float64 input */
    double rd[10], fd[3] = {-2, 4.5, 30};
    for (int i = 0; i < 10; i++) rd[i] = i;
    CHECK(gt_prdc(gt_features_f64(rd, 10, 1), gt_features_f64(fd, 3, 1), 2, 2, &r) == 0);
    /* -2: real 0's radius is 2 (neighbours 1, 2), distance 2 -> precision yes, density no;
     * 4.5: inside reals 4 and 5 (radius 1, distance .5) -> 2 balls; 30: nothing */
    CHECK(r.precision == 2.0 / 3);
    CHECK(r.density == (1.0 / 2) * (2.0 / 3));
    CHECK(r.coverage == 2.0 / 10);
}

/* Brute force on the same formula, no blocks: the blocked code must agree
 * for sizes that cross its 1024-row blocks. */
GT_TEST(metrics_prdc_blocked_equals_brute_force) {
    enum { NR = 1100, NF = 1030, D = 3 };
    float *real = malloc(sizeof(float) * NR * D), *fake = malloc(sizeof(float) * NF * D);
    gt_rng g;
    gt_rng_seed(&g, 11);
    gt_rng_fill_normal(&g, real, NR * D, 0, 1);
    gt_rng_fill_normal(&g, fake, NF * D, 0.3f, 1.2f);
    gt_prdc_result r;
    int rc = gt_prdc(gt_features_f32(real, NR, D), gt_features_f32(fake, NF, D), 3, 5, &r);
    double *dist = malloc(sizeof(double) * NR * NF);
    double *nr_ = malloc(sizeof(double) * NR), *nf_ = malloc(sizeof(double) * NF);
    for (int i = 0; i < NR; i++) {
        nr_[i] = 0;
        for (int k = 0; k < D; k++) nr_[i] += (double)real[i * D + k] * real[i * D + k];
    }
    for (int j = 0; j < NF; j++) {
        nf_[j] = 0;
        for (int k = 0; k < D; k++) nf_[j] += (double)fake[j * D + k] * fake[j * D + k];
    }
    /* k-th neighbour radius by selection over a full row */
    double *rr3 = malloc(sizeof(double) * NR), *rr5 = malloc(sizeof(double) * NR), *rf3 = malloc(sizeof(double) * NF);
    double *row = malloc(sizeof(double) * (NR > NF ? NR : NF));
    for (int set = 0; set < 2; set++) {
        const float *x = set ? fake : real;
        const double *nx = set ? nf_ : nr_;
        int n = set ? NF : NR;
        for (int i = 0; i < n; i++) {
            int m = 0;
            for (int j = 0; j < n; j++) {
                if (j == i) continue;
                double dot = 0;
                for (int k = 0; k < D; k++) dot += (double)x[i * D + k] * x[j * D + k];
                double v = nx[i] + nx[j] - 2 * dot;
                row[m++] = sqrt(v > 0 ? v : 0);
            }
            double k3 = 0, k5 = 0;
            for (int t = 0; t < 5; t++) { /* 5 rounds of selection of the minimum */
                int b = t;
                for (int j = t + 1; j < m; j++)
                    if (row[j] < row[b]) b = j;
                double tmp = row[t];
                row[t] = row[b];
                row[b] = tmp;
            }
            k3 = row[2];
            k5 = row[4];
            if (set) {
                rf3[i] = k3;
            } else {
                rr3[i] = k3;
                rr5[i] = k5;
            }
        }
    }
    int p = 0, rc_ = 0, cov = 0;
    long dens = 0;
    for (int i = 0; i < NR; i++)
        for (int j = 0; j < NF; j++) {
            double dot = 0;
            for (int k = 0; k < D; k++) dot += (double)real[i * D + k] * fake[j * D + k];
            double v = nr_[i] + nf_[j] - 2 * dot;
            dist[(size_t)i * NF + j] = sqrt(v > 0 ? v : 0);
        }
    for (int j = 0; j < NF; j++) {
        int in = 0;
        for (int i = 0; i < NR; i++) {
            in |= dist[(size_t)i * NF + j] <= rr3[i];
            dens += dist[(size_t)i * NF + j] < rr5[i];
        }
        p += in;
    }
    for (int i = 0; i < NR; i++) {
        int in = 0, c = 0;
        for (int j = 0; j < NF; j++) {
            in |= dist[(size_t)i * NF + j] <= rf3[j];
            c |= dist[(size_t)i * NF + j] < rr5[i];
        }
        rc_ += in;
        cov += c;
    }
    free(real);
    free(fake);
    free(dist);
    free(nr_);
    free(nf_);
    free(rr3);
    free(rr5);
    free(rf3);
    free(row);
    CHECKF(rc == 0, "%s", gt_error());
    CHECKF(r.precision == (double)p / NF, "precision %.9g vs %.9g", r.precision, (double)p / NF);
    CHECKF(r.recall == (double)rc_ / NR, "recall %.9g vs %.9g", r.recall, (double)rc_ / NR);
    CHECKF(fabs(r.density - (double)dens / (5.0 * NF)) < 1e-12, "density %.12g vs %.12g", r.density,
           (double)dens / (5.0 * NF));
    CHECKF(r.coverage == (double)cov / NR, "coverage %.9g vs %.9g", r.coverage, (double)cov / NR);
    CHECK(r.precision > 0.2 && r.precision < 1 && r.recall > 0.2 && r.recall < 1);
}

GT_TEST(metrics_prdc_errors) {
    float a[6 * 2] = {0}, b[12 * 2] = {0};
    for (int i = 0; i < 12; i++) a[i] = (float)i;
    for (int i = 0; i < 24; i++) b[i] = (float)i * 0.5f;
    gt_prdc_result r;
    CHECK(gt_prdc(gt_features_f32(a, 5, 2), gt_features_f32(b, 12, 2), 3, 5, &r) != 0);
    CHECKF(strstr(gt_error(), "5 real samples") && strstr(gt_error(), "at least 6"), "%s", gt_error());
    CHECK(gt_prdc(gt_features_f32(a, 6, 2), gt_features_f32(b, 3, 2), 3, 5, &r) != 0);
    CHECK(strstr(gt_error(), "3 generated samples") != NULL);
    CHECK(gt_prdc(gt_features_f32(a, 6, 2), gt_features_f32(b, 6, 4), 3, 5, &r) != 0);
    CHECK(strstr(gt_error(), "dimensions differ (real 2, generated 4)") != NULL);
    CHECK(gt_prdc(gt_features_f32(a, 6, 2), gt_features_f32(b, 12, 2), 0, 5, &r) != 0);
    b[13] = NAN;
    CHECK(gt_prdc(gt_features_f32(a, 6, 2), gt_features_f32(b, 12, 2), 3, 5, &r) != 0);
    CHECKF(strstr(gt_error(), "generated features: sample 6, feature 1 is NaN"), "%s", gt_error());
    b[13] = 0;
    CHECK(gt_prdc(gt_features_f32(a, 6, 2), gt_features_f32(b, 12, 2), 3, 5, &r) == 0);
    /* identical sets: everything is covered and inside */
    CHECK(gt_prdc(gt_features_f32(b, 12, 2), gt_features_f32(b, 12, 2), 3, 5, &r) == 0);
    CHECK(r.precision == 1 && r.recall == 1 && r.coverage == 1 && r.f1 == 1);
}
