/* inception_score.c — Inception Score from class probabilities p(y|x):
 * exp(E_x KL(p(y|x) || p(y))) per contiguous split, mean and std over splits. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "gantrain/error.h"
#include "gantrain/metrics.h"

#define IS_CHUNK_ROWS 1024

int gt_inception_score(gt_features probs, int splits, gt_is_result *out) {
    out->mean = out->std = 0;
    out->splits = splits;
    if (gt_features_check(probs, "Inception Score: class probabilities")) return GT_ERR;
    const int64_t n = probs.n, k = probs.d;
    if (splits < 1 || n < splits)
        return gt_error_set("Inception Score: %" PRId64 " samples cannot make %d splits (need at "
                            "least one sample per split)", n, splits);
    double *buf = gt_xmalloc((size_t)(IS_CHUNK_ROWS * k) * sizeof(double));
    double *q = gt_xmalloc((size_t)k * sizeof(double)), *logq = gt_xmalloc((size_t)k * sizeof(double));
    double *scores = gt_xmalloc((size_t)splits * sizeof(double));
    int rc = GT_OK;
    for (int s = 0; s < splits && rc == GT_OK; s++) {
        const int64_t a = s * n / splits, b = (s + 1) * n / splits, rows = b - a;
        for (int64_t j = 0; j < k; j++) q[j] = 0;
        /* pass 1: validate rows and form the marginal p(y) of the split */
        for (int64_t r0 = a; r0 < b && rc == GT_OK; r0 += IS_CHUNK_ROWS) {
            int64_t rn = b - r0 < IS_CHUNK_ROWS ? b - r0 : IS_CHUNK_ROWS;
            gt_features_rows(probs, r0, rn, buf);
            for (int64_t i = 0; i < rn && rc == GT_OK; i++) {
                double sum = 0;
                for (int64_t j = 0; j < k; j++) {
                    double p = buf[i * k + j];
                    if (p < 0) {
                        rc = gt_error_set("Inception Score: sample %" PRId64 " has a negative "
                                          "probability; pass softmax outputs, not logits", r0 + i);
                        break;
                    }
                    sum += p;
                    q[j] += p;
                }
                if (rc == GT_OK && fabs(sum - 1.0) > 1e-3)
                    rc = gt_error_set("Inception Score: the probabilities of sample %" PRId64
                                      " sum to %.6g, not 1; pass softmax outputs, not logits",
                                      r0 + i, sum);
            }
        }
        if (rc) break;
        for (int64_t j = 0; j < k; j++) {
            q[j] /= (double)rows;
            logq[j] = log(q[j]); /* -inf only where every p is 0, and those terms are skipped */
        }
        /* pass 2: mean over rows of KL(p(y|x) || p(y)), with 0 log 0 = 0 */
        double kl_sum = 0;
        for (int64_t r0 = a; r0 < b; r0 += IS_CHUNK_ROWS) {
            int64_t rn = b - r0 < IS_CHUNK_ROWS ? b - r0 : IS_CHUNK_ROWS;
            gt_features_rows(probs, r0, rn, buf);
            for (int64_t i = 0; i < rn; i++) {
                double kl = 0;
                for (int64_t j = 0; j < k; j++) {
                    double p = buf[i * k + j];
                    if (p > 0) kl += p * (log(p) - logq[j]);
                }
                kl_sum += kl;
            }
        }
        scores[s] = exp(kl_sum / (double)rows);
    }
    if (rc == GT_OK) {
        double mean = 0, var = 0;
        for (int s = 0; s < splits; s++) mean += scores[s];
        mean /= splits;
        for (int s = 0; s < splits; s++) var += (scores[s] - mean) * (scores[s] - mean);
        out->mean = mean;
        out->std = sqrt(var / splits);
    }
    free(buf);
    free(q);
    free(logq);
    free(scores);
    return rc;
}
