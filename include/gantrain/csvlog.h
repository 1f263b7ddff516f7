/* csvlog.h — runs/NAME/log.csv: one row per log step, a header naming the
 * columns, numbers printed so that reading them back gives the same bits.
 *
 * The first column is always "step" (an integer); the others are numbers
 * given as doubles and printed with the fewest digits that read back
 * exactly: as float32 when the value is a float32 (losses), else as double.
 * NaN prints as "nan", infinities as "inf" / "-inf".  Each row is one write
 * followed by a flush, so a crash loses at most the row being written.
 *
 * Resuming keeps the rows up to the checkpoint's step and drops the rest
 * (and any torn last line), so a resumed run ends with exactly the file an
 * uninterrupted run would have written.
 */
#ifndef GANTRAIN_CSVLOG_H
#define GANTRAIN_CSVLOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct gt_csvlog gt_csvlog;

/* A new log at path (replacing any file there) with columns cols[0..n);
 * cols[0] must be "step".  NULL with the message set on failure. */
gt_csvlog *gt_csvlog_create(const char *path, int ncols, const char *const *cols);
/* Continues the log at path after `resume_step`: its header must equal
 * cols; rows with step > resume_step are removed (atomically) before
 * appending.  A missing or empty file is created as by gt_csvlog_create. */
gt_csvlog *gt_csvlog_resume(const char *path, int ncols, const char *const *cols,
                            int64_t resume_step);
/* One row: step, then values[0 .. ncols-1) for columns 1.. */
int gt_csvlog_row(gt_csvlog *log, int64_t step, const double *values);
/* GT_OK or GT_ERR (fsync/close failed); accepts NULL. */
int gt_csvlog_close(gt_csvlog *log);

/* Formats v with the fewest significant digits that read back to the same
 * float32 (if v is one) or double; returns out.  size >= 32. */
char *gt_csv_number(double v, char *out, size_t size);

#endif
