/* rng.h — the one seedable random generator (xoshiro256**).
 *
 * The whole state is a plain struct, so it is saved into and restored from
 * checkpoints by value: a resumed run draws exactly what the uninterrupted
 * run would have drawn.
 */
#ifndef GANTRAIN_RNG_H
#define GANTRAIN_RNG_H

#include <stdint.h>

typedef struct gt_rng {
    uint64_t s[4];
    uint32_t has_spare; /* Box-Muller makes normals in pairs */
    float spare;
} gt_rng;

void gt_rng_seed(gt_rng *r, uint64_t seed);
uint64_t gt_rng_u64(gt_rng *r);
/* Uniform in [0, 1) with 24 random bits. */
float gt_rng_uniform(gt_rng *r);
/* Uniform in [lo, hi). */
float gt_rng_uniform_range(gt_rng *r, float lo, float hi);
/* Standard normal. */
float gt_rng_normal(gt_rng *r);
/* Unbiased integer in [0, n). */
uint64_t gt_rng_below(gt_rng *r, uint64_t n);
void gt_rng_fill_uniform(gt_rng *r, float *x, int64_t n, float lo, float hi);
void gt_rng_fill_normal(gt_rng *r, float *x, int64_t n, float mean, float std);
/* perm[i] = a uniformly random permutation of 0..n-1 (Fisher-Yates). */
void gt_rng_permutation(gt_rng *r, int32_t *perm, int64_t n);
/* An independent generator for a sub-task (e.g. the dataset's shuffles). */
void gt_rng_split(gt_rng *r, gt_rng *child);

#endif
