/* rng.c — xoshiro256** (Blackman & Vigna) seeded by splitmix64; Box-Muller normals. */
#include "gantrain/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void gt_rng_seed(gt_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    r->has_spare = 0;
    r->spare = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gt_rng_u64(gt_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float gt_rng_uniform(gt_rng *r) { return (float)(gt_rng_u64(r) >> 40) * 0x1.0p-24f; }

float gt_rng_uniform_range(gt_rng *r, float lo, float hi) {
    return lo + (hi - lo) * gt_rng_uniform(r);
}

float gt_rng_normal(gt_rng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    /* u1 in (0, 1] so the log is finite; 53-bit doubles keep the tails right */
    double u1 = ((double)(gt_rng_u64(r) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(gt_rng_u64(r) >> 11) * 0x1.0p-53;
    double rad = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
    r->spare = (float)(rad * sin(th));
    r->has_spare = 1;
    return (float)(rad * cos(th));
}

uint64_t gt_rng_below(gt_rng *r, uint64_t n) {
    /* Lemire's nearly divisionless method, with rejection for exactness */
    unsigned __int128 m = (unsigned __int128)gt_rng_u64(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t thresh = -n % n;
        while (lo < thresh) {
            m = (unsigned __int128)gt_rng_u64(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void gt_rng_fill_uniform(gt_rng *r, float *x, int64_t n, float lo, float hi) {
    for (int64_t i = 0; i < n; i++) x[i] = gt_rng_uniform_range(r, lo, hi);
}

void gt_rng_fill_normal(gt_rng *r, float *x, int64_t n, float mean, float std) {
    for (int64_t i = 0; i < n; i++) x[i] = mean + std * gt_rng_normal(r);
}

void gt_rng_permutation(gt_rng *r, int32_t *perm, int64_t n) {
    for (int64_t i = 0; i < n; i++) perm[i] = (int32_t)i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)gt_rng_below(r, (uint64_t)i + 1);
        int32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

void gt_rng_split(gt_rng *r, gt_rng *child) { gt_rng_seed(child, gt_rng_u64(r)); }
