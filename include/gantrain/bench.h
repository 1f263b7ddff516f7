/* bench.h — `gantrain bench`: time training iterations of a config on
 * synthetic data and put them next to the machine's sgemm throughput. */
#ifndef GANTRAIN_BENCH_H
#define GANTRAIN_BENCH_H

#include <stdint.h>

#include "gantrain/config.h"

typedef struct gt_bench_result {
    int iters, batch, n_critic, threads;
    double ms_mean, ms_median, ms_min;
    double img_per_s;
    double gflop_per_iter, gflops;
    double sgemm_gflops;   /* this machine, same threads */
    double peak_rss_mb;
    double arena_peak_mb, arena_reserved_mb; /* the step arena: most in use at once, reserved */
    /* data parallel (mpirun): ranks, and the time this rank spent in
     * all-reduces (gradients, batch-norm statistics, batch-wide figures)
     * per timed iteration; 1 and 0 in a single process */
    int ranks;
    double comm_ms;
    /* the least and most any rank spent in all-reduces: the rank that
     * arrives last at every reduction waits least, so the minimum is close
     * to the cost of the transfers, the rest is waiting for slower ranks */
    double comm_ms_min, comm_ms_max;
    double comm_calls, comm_bytes; /* all-reduces and their payload per iteration */
    /* of comm_ms, the gradients' all-reduce (train.bucket_kb): the time this
     * rank spent inside it (all of it when it blocks; with buckets, only
     * what the backward pass and the work after it did not hide), and the
     * time from its first bucket's start to its last one's completion per
     * update, summed over the updates of an iteration; buckets per iteration */
    double grad_ms, grad_ms_min, grad_ms_max, grad_flight_ms, grad_buckets;
    int bucket_kb;
    int64_t params_g, params_d;    /* trainable values: the gradient blocks' lengths */
} gt_bench_result;

/* Best sustained single-process sgemm GFLOP/s with the current threads. */
double gt_bench_sgemm_gflops(double seconds);
/* Runs warmup + iters iterations (iters <= 0: about `seconds` of them, as
 * many on every rank). */
int gt_bench_run(const gt_config *cfg, int iters, double seconds, gt_bench_result *r);

#endif
