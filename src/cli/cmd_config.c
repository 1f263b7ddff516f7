/* cmd_config.c — `gantrain config`: list every key, or print the resolved
 * config of a file (with --set overrides applied). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/cli.h"
#include "gantrain/config.h"
#include "gantrain/error.h"
#include "gantrain/run.h"

int gt_cmd_config(int argc, char **argv) {
    gt_args a;
    const char *name, *value;
    int list = 0;
    gt_config *cfg = gt_config_new();
    const char *sets[64];
    int n_sets = 0;
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 0)) {
        if (!strcmp(name, "list")) {
            list = 1;
        } else if (!strcmp(name, "set")) {
            if (!value && a.i < a.argc) value = a.argv[a.i++];
            if (!value || n_sets == 64) {
                gt_config_free(cfg);
                return gt_cli_error(GT_EXIT_USAGE, "--set needs section.key=value");
            }
            sets[n_sets++] = value;
        } else {
            gt_config_free(cfg);
            return gt_cli_error(GT_EXIT_USAGE, "config: unknown option --%s", name);
        }
    }
    if (list || a.n_pos == 0) {
        gt_config_print_schema(stdout);
        gt_config_free(cfg);
        return GT_EXIT_OK;
    }
    int rc = gt_run_load_config(cfg, a.pos[0], sets, n_sets);
    if (rc) {
        gt_config_free(cfg);
        return gt_cli_error(rc, "%s", gt_error());
    }
    char *text = gt_config_to_ini(cfg);
    fputs(text, stdout);
    free(text);
    gt_config_free(cfg);
    return GT_EXIT_OK;
}
