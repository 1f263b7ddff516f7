/* cmd_train.c — `gantrain train CONFIG [--set k=v ...] [--out DIR] [--resume]
 * [--seed N] [--steps N]`. */
#include <stdio.h>
#include <string.h>

#include "gantrain/cli.h"
#include "gantrain/run.h"

int gt_cmd_train(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *sets[64];
    gt_run_opts o = {.seed = -1, .steps = -1, .sets = sets};
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        if (!strcmp(name, "resume")) {
            o.resume = 1;
            continue;
        }
        if (!value && a.i < a.argc) value = a.argv[a.i++];
        if (!value) return gt_cli_error(GT_EXIT_USAGE, "train: --%s needs a value", name);
        long v;
        if (!strcmp(name, "set")) {
            if (o.n_sets == 64) return gt_cli_error(GT_EXIT_USAGE, "train: too many --set");
            sets[o.n_sets++] = value;
        } else if (!strcmp(name, "out")) {
            o.out = value;
        } else if (!strcmp(name, "seed")) {
            if (!gt_parse_int(value, 0, 9223372036854775807L, &v))
                return gt_cli_error(GT_EXIT_USAGE, "train: --seed wants a non-negative integer, got '%s'", value);
            o.seed = v;
        } else if (!strcmp(name, "steps")) {
            if (!gt_parse_int(value, 0, 9223372036854775807L, &v))
                return gt_cli_error(GT_EXIT_USAGE, "train: --steps wants a count, got '%s'", value);
            o.steps = v;
        } else {
            return gt_cli_error(GT_EXIT_USAGE, "train: unknown option --%s", name);
        }
    }
    if (a.n_pos != 1) return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain train CONFIG.ini [options]");
    o.config_path = a.pos[0];
    return gt_run_train(&o);
}
