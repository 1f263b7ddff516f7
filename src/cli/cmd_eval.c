/* cmd_eval.c — `gantrain eval RUN_OR_CKPT | --fake SPEC [--real SPEC]
 * [--metrics fid,is,kid,pr,dc] [--n N] [--features inception|classifier]
 * [--weights FILE] [--seed S] ...`: option parsing for gt_eval_run. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "gantrain/cli.h"
#include "gantrain/error.h"
#include "gantrain/eval.h"

int gt_cmd_eval(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *sets[64];
    gt_eval_opts o;
    memset(&o, 0, sizeof o);
    o.seed = -1;
    o.out = stdout;
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        if (!strcmp(name, "no-cache") || !strcmp(name, "json")) {
            if (value) return gt_cli_error(GT_EXIT_USAGE, "eval: --%s takes no value", name);
            if (!strcmp(name, "json")) o.json_stdout = 1;
            else o.no_cache = 1;
            continue;
        }
        if (!value && a.i < a.argc) value = a.argv[a.i++];
        if (!value) return gt_cli_error(GT_EXIT_USAGE, "eval: --%s needs a value", name);
        long v;
        if (!strcmp(name, "n") || !strcmp(name, "real-n")) {
            if (!gt_parse_int(value, 1, 1000000000, &v))
                return gt_cli_error(GT_EXIT_USAGE, "eval: --%s wants a count of images, got '%s'", name, value);
            if (!strcmp(name, "n")) o.n = v;
            else o.real_n = v;
        } else if (!strcmp(name, "seed")) {
            if (!gt_parse_int(value, 0, LONG_MAX, &v))
                return gt_cli_error(GT_EXIT_USAGE, "eval: --seed wants a non-negative integer, got '%s'", value);
            o.seed = v;
        } else if (!strcmp(name, "metrics")) {
            o.metrics = value;
        } else if (!strcmp(name, "features")) {
            if (strcmp(value, "inception") && strcmp(value, "classifier"))
                return gt_cli_error(GT_EXIT_USAGE, "eval: --features is inception or classifier, got '%s'", value);
            o.features = value;
        } else if (!strcmp(name, "weights")) {
            o.weights = value;
        } else if (!strcmp(name, "fake")) {
            o.fake = value;
        } else if (!strcmp(name, "real")) {
            o.real = value;
        } else if (!strcmp(name, "bn")) {
            if (!strcmp(value, "batch")) o.bn_running = 0;
            else if (!strcmp(value, "running")) o.bn_running = 1;
            else return gt_cli_error(GT_EXIT_USAGE, "eval: --bn is batch or running, got '%s'", value);
        } else if (!strcmp(name, "set")) {
            if (o.n_sets == 64) return gt_cli_error(GT_EXIT_USAGE, "eval: too many --set options");
            sets[o.n_sets++] = value;
        } else if (!strcmp(name, "jsonl")) {
            o.jsonl = value;
        } else if (!strcmp(name, "save-stats")) {
            o.save_stats = value;
        } else if (!strcmp(name, "save-real-stats")) {
            o.save_real_stats = value;
        } else {
            return gt_cli_error(GT_EXIT_USAGE, "eval: unknown option --%s", name);
        }
    }
    o.sets = sets;
    if (a.n_pos > 1 || (a.n_pos == 0 && !o.fake))
        return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain eval RUN_OR_CKPT [options] | gantrain eval --fake SPEC "
                                           "--real SPEC [options]  (gantrain eval --help)");
    if (a.n_pos == 1) o.target = a.pos[0];
    gt_eval_result res;
    int rc = gt_eval_run(&o, &res);
    gt_eval_result_free(&res);
    if (rc) return gt_cli_error(rc == GT_ERR_USAGE ? GT_EXIT_USAGE : GT_EXIT_FAIL, "%s", gt_error());
    return GT_EXIT_OK;
}
