/* cmd_bench.c — `gantrain bench CONFIG [--steps N] [--set k=v ...] [--json]`.
 * Under mpirun every rank runs the iterations on its share of the batch and
 * rank 0 alone prints, with the time spent in all-reduces. */
#include <stdio.h>
#include <string.h>

#include "gantrain/bench.h"
#include "gantrain/cli.h"
#include "gantrain/dist.h"
#include "gantrain/error.h"
#include "gantrain/run.h"
#include "gantrain/sysmem.h"

int gt_cmd_bench(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *sets[64];
    int n_sets = 0, json = 0;
    long steps = 0;
    double seconds = 10;
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        if (!value && a.i < a.argc && strcmp(name, "json")) value = a.argv[a.i++];
        if (!strcmp(name, "steps")) {
            if (!gt_parse_int(value, 1, 1000000, &steps))
                return gt_cli_error(GT_EXIT_USAGE, "bench: --steps wants a count, got '%s'", value ? value : "");
        } else if (!strcmp(name, "seconds")) {
            if (!gt_parse_float(value, 0.1, 36000, &seconds))
                return gt_cli_error(GT_EXIT_USAGE, "bench: --seconds wants a duration, got '%s'", value ? value : "");
        } else if (!strcmp(name, "set")) {
            if (!value || n_sets == 64) return gt_cli_error(GT_EXIT_USAGE, "--set needs section.key=value");
            sets[n_sets++] = value;
        } else if (!strcmp(name, "json")) {
            json = 1;
        } else {
            return gt_cli_error(GT_EXIT_USAGE, "bench: unknown option --%s", name);
        }
    }
    if (a.n_pos != 1) return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain bench CONFIG.ini [--steps N]");
    gt_config *cfg = gt_config_new();
    int rc = gt_run_load_config(cfg, a.pos[0], sets, n_sets);
    if (rc) {
        gt_config_free(cfg);
        return gt_cli_error(rc, "%s", gt_error());
    }
    gt_bench_result r;
    rc = gt_bench_run(cfg, (int)steps, seconds, &r);
    if (rc) {
        /* the other ranks would wait for this one in the next all-reduce */
        if (gt_dist_size() > 1) gt_dist_abort(rc == GT_ERR_USAGE ? GT_EXIT_USAGE : GT_EXIT_FAIL, gt_error());
        gt_config_free(cfg);
        return gt_cli_error(rc == GT_ERR_USAGE ? GT_EXIT_USAGE : GT_EXIT_FAIL, "%s", gt_error());
    }
    /* every rank measures at once: the ceiling of one rank while the others run */
    double peak = gt_bench_sgemm_gflops(1.0);
    if (gt_dist_rank() != 0) {
        gt_config_free(cfg);
        return GT_EXIT_OK;
    }
    double comm_frac = r.ms_mean > 0 ? r.comm_ms / r.ms_mean : 0;
    const char *preset = gt_cfg_str(cfg, "model", "preset");
    if (json) {
        printf("{\"config\": \"%s\", \"preset\": \"%s\", \"threads\": %d, \"batch\": %d, \"n_critic\": %d, "
               "\"iters\": %d, \"ms_median\": %.3f, \"ms_mean\": %.3f, \"ms_min\": %.3f, "
               "\"img_per_s\": %.1f, \"gflop_per_iter\": %.4f, \"gflops\": %.2f, \"sgemm_gflops\": %.2f, "
               "\"peak_rss_mb\": %.1f, \"ranks\": %d, \"comm_ms\": %.4f, \"comm_fraction\": %.4f, \"comm_ms_min\": %.4f, \"comm_ms_max\": %.4f, "
               "\"allreduce_calls\": %.1f, \"allreduce_bytes\": %.0f, \"params_g\": %lld, \"params_d\": %lld, "
               "\"bucket_kb\": %d, \"grad_ms\": %.4f, \"grad_ms_min\": %.4f, \"grad_ms_max\": %.4f, "
               "\"grad_flight_ms\": %.4f, \"grad_buckets\": %.1f}\n",
               a.pos[0], preset, r.threads, r.batch, r.n_critic, r.iters, r.ms_median, r.ms_mean, r.ms_min,
               r.img_per_s, r.gflop_per_iter, r.gflops, peak, r.peak_rss_mb, r.ranks, r.comm_ms, comm_frac, r.comm_ms_min, r.comm_ms_max,
               r.comm_calls, r.comm_bytes, (long long)r.params_g, (long long)r.params_d, r.bucket_kb, r.grad_ms,
               r.grad_ms_min, r.grad_ms_max, r.grad_flight_ms, r.grad_buckets);
    } else {
        printf("config        %s (preset %s, arch %s, objective %s)\n", a.pos[0], preset,
               gt_cfg_str(cfg, "model", "arch"), gt_cfg_str(cfg, "model", "objective"));
        printf("threads       %d, batch %d, %d critic step(s) per iteration\n", r.threads, r.batch, r.n_critic);
        printf("parameters    G %lld, D %lld\n", (long long)r.params_g, (long long)r.params_d);
        if (r.ranks > 1) {
            int off, count;
            gt_dist_slice(r.batch, 0, r.ranks, &off, &count);
            printf("ranks         %d (data parallel), %d threads each, %d samples each per batch on rank 0\n",
                   r.ranks, r.threads, count);
        }
        printf("iteration     %.2f ms median, %.2f mean, %.2f min (%d iterations)\n", r.ms_median, r.ms_mean,
               r.ms_min, r.iters);
        if (r.ranks > 1)
        {
            char b[32];
            printf("all-reduce    %.3f ms per iteration = %.1f%% of the iteration (rank 0, waiting for the "
                   "other ranks included)\n",
                   r.comm_ms, 100.0 * comm_frac);
            printf("              %.3f to %.3f ms over the ranks (the least is about the transfers, the "
                   "rest waiting for slower ranks)\n",
                   r.comm_ms_min, r.comm_ms_max);
            printf("              %.0f all-reduces of %s in all per iteration (gradients, batch-norm "
                   "statistics, batch-wide figures)\n",
                   r.comm_calls, gt_fmt_bytes(r.comm_bytes, b, sizeof b));
            if (r.bucket_kb > 0)
                printf("gradients     %.3f ms per iteration exposed (%.3f to %.3f over the ranks), %.3f ms in "
                       "flight, %.0f buckets of up to %d KiB\n",
                       r.grad_ms, r.grad_ms_min, r.grad_ms_max, r.grad_flight_ms, r.grad_buckets, r.bucket_kb);
            else
                printf("gradients     %.3f ms per iteration (%.3f to %.3f over the ranks), blocking "
                       "(train.bucket_kb = 0)\n",
                       r.grad_ms, r.grad_ms_min, r.grad_ms_max);
        }
        printf("images/s      %.0f\n", r.img_per_s);
        const char *per = r.ranks > 1 ? " on rank 0" : "";
        printf("FLOPs         %.3f GFLOP per iteration%s (GEMMs and convolutions)\n", r.gflop_per_iter, per);
        printf("throughput    %.1f GFLOP/s%s = %.0f%% of this machine's sgemm (%.1f GFLOP/s)\n", r.gflops, per,
               100.0 * r.gflops / peak, peak);
        printf("peak memory   %.0f MiB (step arena: %.0f MiB in use at most, %.0f MiB reserved)\n", r.peak_rss_mb,
               r.arena_peak_mb, r.arena_reserved_mb);
    }
    gt_config_free(cfg);
    return GT_EXIT_OK;
}
