/* toy2d.c — 2-D distributions for watching a GAN learn.
 *
 * sine, circle and wing are transforms of (x, y) uniform on [-1, 1]^2:
 *   sine    (x, a sin(w pi x) + y/4)         a band around a sine curve
 *   circle  r = (x+1)/2, theta = pi y         a disc, denser at the centre
 *   wing    (x/2 cos(3 pi x), x/2 sin(3 pi x))  two spirals joined at 0
 * and the usual three of the GAN literature, with the scales of the WGAN-GP
 * toy experiments (Gulrajani et al.) and sklearn's swiss roll:
 *   8gaussians   8 centres on a circle of radius 2, std 0.02, all / 1.414
 *   25gaussians  a 5x5 grid of centres 2 apart, std 0.05, all / 2.828
 *   swissroll    t = 1.5 pi (1 + 2u), (t cos t, t sin t) + N(0, 0.25) noise, / 7.5
 * The points are drawn once, from train.seed, when the dataset opens. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/rng.h"
#include "internal.h"

int gt__toy2d_load(gt_dataset *ds, const gt_data_opts *o) {
    int64_t n = o->toy_n;
    if (o->limit > 0 && o->limit < n) n = o->limit;
    int none[1], nk;
    if (gt__class_map(o, 0, NULL, none, &nk)) return GT_ERR; /* an error if classes are asked for */
    gt_rng r;
    /* a stream of its own, so toy data does not shift the run's other draws */
    gt_rng_seed(&r, o->seed ^ 0x746f793264ull /* "toy2d" */);
    float *p = gt_xmalloc((size_t)n * 2 * sizeof *p);
    const char *t = o->toy;
    const double pi = M_PI;
    for (int64_t i = 0; i < n; i++) {
        double x, y;
        if (!strcmp(t, "sine")) {
            double u = gt_rng_uniform_range(&r, -1, 1), v = gt_rng_uniform_range(&r, -1, 1);
            x = u, y = o->sine_a * sin(o->sine_w * pi * u) + v / 4;
        } else if (!strcmp(t, "circle")) {
            double u = gt_rng_uniform_range(&r, -1, 1), v = gt_rng_uniform_range(&r, -1, 1);
            double rad = (u + 1) / 2, th = pi * v;
            x = rad * cos(th), y = rad * sin(th);
        } else if (!strcmp(t, "wing")) {
            double u = gt_rng_uniform_range(&r, -1, 1);
            (void)gt_rng_uniform(&r); /* y of the square: unused by this transform */
            x = u / 2 * cos(3 * pi * u), y = u / 2 * sin(3 * pi * u);
        } else if (!strcmp(t, "8gaussians")) {
            int k = (int)gt_rng_below(&r, 8);
            double a = k * pi / 4;
            x = (2 * cos(a) + 0.02 * gt_rng_normal(&r)) / 1.414;
            y = (2 * sin(a) + 0.02 * gt_rng_normal(&r)) / 1.414;
        } else if (!strcmp(t, "25gaussians")) {
            int k = (int)gt_rng_below(&r, 25);
            x = (2.0 * (k / 5 - 2) + 0.05 * gt_rng_normal(&r)) / 2.828;
            y = (2.0 * (k % 5 - 2) + 0.05 * gt_rng_normal(&r)) / 2.828;
        } else { /* swissroll */
            double s = 1.5 * pi * (1 + 2 * gt_rng_uniform(&r));
            x = (s * cos(s) + 0.25 * gt_rng_normal(&r)) / 7.5;
            y = (s * sin(s) + 0.25 * gt_rng_normal(&r)) / 7.5;
        }
        p[2 * i] = (float)x;
        p[2 * i + 1] = (float)y;
    }
    ds->pts = p;
    ds->count = n;
    ds->dim = 2;
    size_t len = strlen(t) + 8;
    ds->name = gt_xmalloc(len);
    snprintf(ds->name, len, "toy2d/%s", t);
    gt__desc(ds, "generated %lld points of %s from train.seed = %llu", (long long)n, t,
             (unsigned long long)o->seed);
    return GT_OK;
}
