/* fuzz_csvlog.c — log.csv as `train --resume` reads it back: header check,
 * cutting the rows after the checkpoint's step (and a torn last line),
 * then appending a row.  Input: the resume step (one byte), then the file. */
#include <stdio.h>

#include "fuzz.h"
#include "gantrain/csvlog.h"
#include "gantrain/error.h"

GT_FUZZ_TARGET(csvlog) {
    gt_fuzz_setup();
    if (size < 1) return 0;
    int64_t step = data[0];
    data++, size--;
    static const char *cols[] = {"step", "epoch", "d_loss", "g_loss"};
    char path[1024];
    snprintf(path, sizeof path, "%s", gt_fuzz_file("log.csv", data, size));
    gt_error_clear();
    gt_csvlog *log = gt_csvlog_resume(path, 4, cols, step);
    gt_fuzz_check_error(!log, path);
    if (log) {
        double v[3] = {0.5, 1.25, -3};
        gt_error_clear();
        gt_fuzz_check_error(gt_csvlog_row(log, step + 1, v), path);
        gt_error_clear();
        gt_fuzz_check_error(gt_csvlog_close(log), path);
    }
    return 0;
}
