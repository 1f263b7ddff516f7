/* run.h — a training run: config, data, model, trainer and the run
 * directory (resolved config, log.csv, samples, checkpoints, TensorBoard),
 * with progress display, resume and signal handling. */
#ifndef GANTRAIN_RUN_H
#define GANTRAIN_RUN_H

#include <stdint.h>

#include "gantrain/config.h"
#include "gantrain/models.h"

typedef struct gt_run_opts {
    const char *config_path;
    const char **sets; /* "section.key=value" overrides */
    int n_sets;
    const char *out;   /* run directory (overrides train.out) */
    int resume;        /* continue from <out>/ckpt/last */
    int64_t seed;      /* overrides train.seed when >= 0 */
    int64_t steps;     /* overrides train.steps when >= 0 */
} gt_run_opts;

/* Runs training to the end (or until SIGINT/SIGTERM).  Returns the process
 * exit status: 0 done, 1 runtime failure, 2 config error, 130/143 when
 * interrupted (after writing a checkpoint). */
int gt_run_train(const gt_run_opts *o);

/* What a training run needs, in bytes (see gt_run_plan). */
typedef struct gt_mem_plan {
    double params;  /* G's and D's values, buffers and gradients */
    double optim;   /* optimizer state */
    double data;    /* the dataset in memory */
    double step;    /* one iteration's activations, graph and batch buffers */
    double sample;  /* a sample grid */
    double total;
    double budget;  /* gt_mem_budget() */
} gt_mem_plan;

/* Estimates the memory of training the sealed model m as cfg says, with the
 * dataset taking data_bytes: exact for parameters, optimizer state and
 * data; for one step an upper-bound model from G's and D's forward passes
 * measured at batch 1 and 2 (documented in run.c).  Then checks it: GT_OK,
 * or a config error (exit 2) saying what does not fit in the memory budget
 * or in train.arena_mb and what to lower.  The plan is filled either way. */
int gt_run_plan(const gt_config *cfg, gt_gan *m, double data_bytes, gt_mem_plan *plan);

/* Loads a config file with --set overrides and presets applied: the one
 * place every command resolves a config.  GT_OK or a config error. */
int gt_run_load_config(gt_config *cfg, const char *path, const char **sets, int n_sets);

#endif
