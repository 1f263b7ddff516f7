/* features.c — views of feature matrices shared by every metric: validation
 * (shape, NaN/Inf) and conversion of row blocks to float64. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/metrics.h"

gt_features gt_features_tensor(const gt_tensor *t) {
    GT_ASSERTF(t->ndim == 1 || t->ndim == 2, "features must be [n, d], got %s", GT_SHAPE_STR(t));
    if (t->ndim == 1) return gt_features_f32(t->data, 1, t->shape[0]);
    return gt_features_f32(t->data, t->shape[0], t->shape[1]);
}

int gt_features_check(gt_features x, const char *what) {
    if (x.n < 1 || x.d < 1 || !x.data)
        return gt_error_set("%s: empty feature matrix [%" PRId64 ", %" PRId64 "]", what, x.n, x.d);
    int64_t total = x.n * x.d, bad = -1;
    /* stop at the first bad element: its position is what the message needs */
    if (x.f64) {
        const double *p = x.data;
        for (int64_t i = 0; i < total && bad < 0; i++)
            if (!isfinite(p[i])) bad = i;
    } else {
        const float *p = x.data;
        for (int64_t i = 0; i < total && bad < 0; i++)
            if (!isfinite(p[i])) bad = i;
    }
    if (bad >= 0) {
        double v = x.f64 ? ((const double *)x.data)[bad] : ((const float *)x.data)[bad];
        return gt_error_set("%s: sample %" PRId64 ", feature %" PRId64 " is %s; the feature "
                            "extractor produced non-finite values (check the model and its input)",
                            what, bad / x.d, bad % x.d, isnan(v) ? "NaN" : "Inf");
    }
    return GT_OK;
}

void gt_features_rows(gt_features x, int64_t r0, int64_t count, double *out) {
    GT_ASSERTF(r0 >= 0 && count >= 0 && r0 + count <= x.n, "rows %" PRId64 "+%" PRId64 " of %" PRId64,
               r0, count, x.n);
    int64_t total = count * x.d;
    if (x.f64) {
        memcpy(out, (const double *)x.data + r0 * x.d, (size_t)total * sizeof(double));
        return;
    }
    /* serial: the callers alternate this with BLAS calls, and a parallel
     * region there fights OpenBLAS's spinning threads (see prdc.c) */
    const float *src = (const float *)x.data + r0 * x.d;
    for (int64_t i = 0; i < total; i++) out[i] = src[i];
}
