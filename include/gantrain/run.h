/* run.h — a training run: config, data, model, trainer and the run
 * directory (resolved config, log.csv, samples, checkpoints, TensorBoard),
 * with progress display, resume and signal handling. */
#ifndef GANTRAIN_RUN_H
#define GANTRAIN_RUN_H

#include <stdint.h>

#include "gantrain/config.h"

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

/* Loads a config file with --set overrides and presets applied: the one
 * place every command resolves a config.  GT_OK or a config error. */
int gt_run_load_config(gt_config *cfg, const char *path, const char **sets, int n_sets);

#endif
