/* config_load.c — resolving a config for any command: file, then --set
 * overrides, then the preset's defaults under them. */
#include "gantrain/error.h"
#include "gantrain/models.h"
#include "gantrain/run.h"

int gt_run_load_config(gt_config *cfg, const char *path, const char **sets, int n_sets) {
    int rc = path ? gt_config_load(cfg, path) : GT_OK;
    for (int i = 0; !rc && i < n_sets; i++) rc = gt_config_set_arg(cfg, sets[i]);
    if (!rc) rc = gt_preset_apply(cfg);
    return rc;
}
