/* cmd_info.c — `gantrain info CKPT`: prints a checkpoint's header, metadata,
 * config and tensor table (with each tensor's CRC checked). */
#include "gantrain/cli_info.h"

#include <stdio.h>

#include "gantrain/ckpt.h"
#include "gantrain/cli.h"
#include "gantrain/error.h"

int gt_cmd_info(int argc, char **argv) {
    gt_args a;
    const char *name, *value;
    gt_args_init(&a, argc, argv);
    if (gt_args_next(&a, &name, &value, 0))
        return gt_cli_error(GT_EXIT_USAGE, "info: unknown option --%s (usage: gantrain info CKPT)",
                            name);
    if (a.n_pos != 1)
        return gt_cli_error(GT_EXIT_USAGE, "info: %s (usage: gantrain info CKPT)",
                            a.n_pos ? "takes one checkpoint" : "needs a checkpoint file");
    if (gt_ckpt_print_info(stdout, a.pos[0]) != GT_OK)
        return gt_cli_error(GT_EXIT_FAIL, "%s", gt_error());
    return GT_EXIT_OK;
}
