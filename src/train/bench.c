/* bench.c — timing of training iterations on synthetic batches (the data
 * pipeline is not part of what is measured), the FLOPs they execute, and
 * the sgemm ceiling of the machine. */
#include "gantrain/bench.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "gantrain/arena.h"
#include "gantrain/dist.h"
#include "gantrain/error.h"
#include "gantrain/models.h"
#include "gantrain/threads.h"
#include "gantrain/train.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double gt_bench_sgemm_gflops(double seconds) {
    /* square products of a size typical of the conv layers' GEMMs */
    enum { N = 1024 };
    float *a = gt_xmalloc(sizeof(float) * N * N), *b = gt_xmalloc(sizeof(float) * N * N),
          *c = gt_xcalloc((size_t)N * N, sizeof(float));
    for (int i = 0; i < N * N; i++) a[i] = b[i] = (float)(i % 7) * 0.01f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
    double best = 0, t_end = now() + seconds;
    do {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
        double g = 2.0 * N * N * (double)N / (now() - t0) / 1e9;
        if (g > best) best = g;
    } while (now() < t_end);
    free(a);
    free(b);
    free(c);
    return best;
}

typedef struct synth {
    gt_rng rng;
    int64_t n;
    int classes;
    int batch;
} synth;

static int synth_batch(void *ud, int off, int count, float *x, float *labels) {
    synth *s = ud;
    (void)off;
    gt_rng_fill_uniform(&s->rng, x, s->n / s->batch * count, -1.0f, 1.0f);
    if (labels)
        for (int i = 0; i < count; i++) labels[i] = (float)gt_rng_below(&s->rng, (uint64_t)s->classes);
    return GT_OK;
}

/* the shape a dataset's samples reach the model with */
static int data_shape(const gt_config *cfg, int *shape) {
    const char *ds = gt_cfg_str(cfg, "data", "dataset");
    if (!strcmp(ds, "toy2d")) {
        shape[0] = 2;
        return 1;
    }
    int c = 3, h = 64;
    if (!strcmp(ds, "mnist") || !strcmp(ds, "fashion-mnist")) c = 1, h = 28;
    if (!strcmp(ds, "cifar10")) h = 32;
    long size = gt_cfg_int(cfg, "data", "image_size"), ch = atol(gt_cfg_str(cfg, "data", "channels"));
    shape[0] = ch ? (int)ch : c;
    shape[1] = shape[2] = size ? (int)size : h;
    return 3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int gt_bench_run(const gt_config *cfg, int iters, double seconds, gt_bench_result *r) {
    memset(r, 0, sizeof *r);
    int shape[3];
    int nd = data_shape(cfg, shape);
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    gt_gan *m = gt_gan_new(cfg, nd, shape, 10, &rng);
    if (!m) return GT_ERR_USAGE;
    synth s = {.classes = m->n_classes > 0 ? m->n_classes : 10};
    gt_rng_seed(&s.rng, 2);
    gt_trainer t;
    int rc = gt_trainer_init(&t, cfg, m, 3, synth_batch, &s);
    if (rc) {
        gt_gan_free(m);
        return rc;
    }
    s.batch = t.batch;
    s.n = (int64_t)t.batch * (nd == 3 ? shape[0] * shape[1] * shape[2] : shape[0]);
    gt_stats st;
    for (int i = 0; i < 2 && !rc; i++) rc = gt_trainer_iteration(&t, &st); /* warm up */
    int cap = iters > 0 ? iters : 100000, n = 0;
    double *ms = gt_xmalloc(sizeof(double) * (size_t)cap), t_start = now();
    uint64_t f0 = gt_ctx_flops(t.ctx);
    int64_t b0 = t.batches;
    double c0 = gt_dist_comm_seconds();
    int64_t k0 = gt_dist_comm_calls(), y0 = gt_dist_comm_bytes();
    gt_gradsync_stats g0 = gt_gradsync_stats_get(t.sync_g), d0 = gt_gradsync_stats_get(t.sync_d);
    while (!rc && n < cap) {
        double t0 = now();
        rc = gt_trainer_iteration(&t, &st);
        ms[n++] = (now() - t0) * 1e3;
        /* ranks stop together (each all-reduce needs all of them); this
         * vote is outside the timed part */
        if (iters <= 0 && gt_dist_max_i(now() - t_start >= seconds && n >= 3)) break;
    }
    double comm = gt_dist_comm_seconds() - c0;
    double total = now() - t_start;
    if (!rc) {
        r->iters = n;
        r->batch = t.batch;
        r->n_critic = t.n_critic;
        r->threads = gt_threads_get();
        r->ranks = gt_dist_size();
        r->comm_ms = comm * 1e3 / n;
        r->params_g = m->g->n_values;
        r->params_d = m->d->n_values;
        r->comm_calls = (double)(gt_dist_comm_calls() - k0) / n;
        r->comm_bytes = (double)(gt_dist_comm_bytes() - y0) / n;
        gt_gradsync_stats g1 = gt_gradsync_stats_get(t.sync_g), d1 = gt_gradsync_stats_get(t.sync_d);
        r->grad_ms = (g1.exposed_s - g0.exposed_s + d1.exposed_s - d0.exposed_s) * 1e3 / n;
        r->grad_flight_ms = (g1.flight_s - g0.flight_s + d1.flight_s - d0.flight_s) * 1e3 / n;
        r->grad_buckets = (double)(g1.buckets - g0.buckets + d1.buckets - d0.buckets) / n;
        r->bucket_kb = (int)gt_cfg_int(cfg, "train", "bucket_kb");
        r->comm_ms_min = r->comm_ms_max = r->comm_ms;
        r->grad_ms_min = r->grad_ms_max = r->grad_ms;
        if (r->ranks > 1) {
            /* every rank's figures, gathered with a sum of one-hot rows */
            double *all = gt_xcalloc((size_t)r->ranks * 2, sizeof(double));
            all[gt_dist_rank()] = r->comm_ms;
            all[r->ranks + gt_dist_rank()] = r->grad_ms;
            gt_dist_sum_d(all, 2 * r->ranks);
            for (int i = 0; i < r->ranks; i++) {
                if (all[i] < r->comm_ms_min) r->comm_ms_min = all[i];
                if (all[i] > r->comm_ms_max) r->comm_ms_max = all[i];
                if (all[r->ranks + i] < r->grad_ms_min) r->grad_ms_min = all[r->ranks + i];
                if (all[r->ranks + i] > r->grad_ms_max) r->grad_ms_max = all[r->ranks + i];
            }
            free(all);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) sum += ms[i];
        r->ms_mean = sum / n;
        qsort(ms, (size_t)n, sizeof *ms, cmp_double);
        r->ms_median = ms[n / 2];
        r->ms_min = ms[0];
        r->img_per_s = (double)(t.batches - b0) * t.batch / total;
        r->gflop_per_iter = (double)(gt_ctx_flops(t.ctx) - f0) / n / 1e9;
        r->gflops = r->gflop_per_iter / (r->ms_median / 1e3);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        r->peak_rss_mb = (double)ru.ru_maxrss / 1024.0;
        r->arena_peak_mb = (double)gt_arena_peak(gt_ctx_arena(t.ctx)) / (1 << 20);
        r->arena_reserved_mb = (double)gt_arena_reserved(gt_ctx_arena(t.ctx)) / (1 << 20);
    }
    free(ms);
    gt_trainer_free(&t);
    gt_gan_free(m);
    return rc;
}
