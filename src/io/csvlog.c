/* csvlog.c — the run's log.csv: header, one flushed row per log step,
 * bit-exact numbers, and resume that cuts the rows a crashed run wrote after
 * its last checkpoint. */
#include "gantrain/csvlog.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"

struct gt_csvlog {
    FILE *f;
    char *path;
    int ncols;
};

char *gt_csv_number(double v, char *out, size_t size) {
    GT_ASSERT(size >= 32);
    if (isnan(v)) return snprintf(out, size, "nan"), out;
    if (isinf(v)) return snprintf(out, size, v > 0 ? "inf" : "-inf"), out;
    /* a float32 value reads back exactly whether parsed as float or as
     * double and then rounded to float */
    int is_float = (double)(float)v == v;
    int maxp = is_float ? 9 : 17; /* these many digits always round-trip */
    for (int p = 1; p <= maxp; p++) {
        snprintf(out, size, "%.*g", p, v);
        double d = strtod(out, NULL);
        if (is_float ? (strtof(out, NULL) == (float)v && (float)d == (float)v) : d == v) {
            /* 10 and 150 rather than 1e+01 and 1.5e+02: as many digits as
             * the integer part has (still exact, and easier to read) */
            double a = fabs(v);
            int digits = a >= 1 && a < 1e15 ? (int)floor(log10(a)) + 1 : 0;
            if (digits > p && strchr(out, 'e')) snprintf(out, size, "%.*g", digits, v);
            break;
        }
    }
    return out;
}

static char *header_line(int ncols, const char *const *cols) {
    GT_ASSERTF(ncols >= 1 && !strcmp(cols[0], "step"), "log.csv: the first column must be 'step'");
    size_t n = 2;
    for (int i = 0; i < ncols; i++) {
        GT_ASSERTF(cols[i][0] && !strpbrk(cols[i], ",\"\r\n"), "log.csv column name '%s'", cols[i]);
        n += strlen(cols[i]) + 1;
    }
    char *h = gt_xmalloc(n);
    h[0] = 0;
    for (int i = 0; i < ncols; i++) {
        if (i) strcat(h, ",");
        strcat(h, cols[i]);
    }
    strcat(h, "\n");
    return h;
}

static gt_csvlog *open_append(const char *path, int ncols) {
    FILE *f = gt_fault_wrap(fopen(path, "ab"), path);
    if (!f) {
        gt_error_set("cannot write %s: %s", path, strerror(errno));
        return NULL;
    }
    gt_csvlog *log = gt_xcalloc(1, sizeof *log);
    log->f = f;
    log->path = gt_xstrdup(path);
    log->ncols = ncols;
    return log;
}

gt_csvlog *gt_csvlog_create(const char *path, int ncols, const char *const *cols) {
    char *h = header_line(ncols, cols);
    int rc = gt_write_file_atomic(path, h, strlen(h));
    free(h);
    return rc ? NULL : open_append(path, ncols);
}

gt_csvlog *gt_csvlog_resume(const char *path, int ncols, const char *const *cols,
                            int64_t resume_step) {
    if (!gt_path_exists(path)) return gt_csvlog_create(path, ncols, cols);
    char *d;
    size_t n;
    if (gt_read_file(path, &d, &n)) return NULL;
    if (n == 0) {
        free(d);
        return gt_csvlog_create(path, ncols, cols);
    }
    char *h = header_line(ncols, cols);
    size_t hl = strlen(h);
    gt_csvlog *log = NULL;
    if (n < hl || memcmp(d, h, hl) != 0) {
        const char *e = memchr(d, '\n', n);
        int have = e ? (int)(e - d) : (int)(n > 200 ? 200 : n);
        gt_error_set("%s: columns are '%.*s' but this run logs '%.*s'; resume with the config "
                     "the run was started with, or use another output directory",
                     path, have, d, (int)hl - 1, h);
        goto out;
    }
    /* keep complete rows up to resume_step; cut at the first later row or
     * at a torn last line (no newline: the crash hit mid-write) */
    size_t keep = hl, line_no = 1;
    while (keep < n) {
        char *nl = memchr(d + keep, '\n', n - keep);
        if (!nl) break;
        line_no++;
        char *end;
        errno = 0;
        long long step = strtoll(d + keep, &end, 10);
        if (end == d + keep || errno || (*end != ',' && *end != '\n')) {
            int len = (int)strcspn(d + keep, ",\n");
            gt_error_set("%s:%zu: step '%.*s' is not an integer (the log is corrupt; move it "
                         "away to resume)",
                         path, line_no, len > 40 ? 40 : len, d + keep);
            goto out;
        }
        if (step > resume_step) break;
        keep = (size_t)(nl - d) + 1;
    }
    if (keep < n && gt_write_file_atomic(path, d, keep)) goto out;
    log = open_append(path, ncols);
out:
    free(h);
    free(d);
    return log;
}

int gt_csvlog_row(gt_csvlog *log, int64_t step, const double *values) {
    size_t cap = 32 + (size_t)log->ncols * 40, n;
    char *line = gt_xmalloc(cap);
    n = (size_t)snprintf(line, cap, "%" PRId64, step);
    for (int i = 1; i < log->ncols; i++) {
        char num[40];
        n += (size_t)snprintf(line + n, cap - n, ",%s", gt_csv_number(values[i - 1], num, sizeof num));
    }
    line[n++] = '\n';
    errno = 0;
    /* one write per row, flushed: a crash leaves whole rows and at most one torn line */
    int ok = fwrite(line, 1, n, log->f) == n && fflush(log->f) == 0;
    free(line);
    if (!ok) return gt_error_set("cannot write %s: %s", log->path, strerror(errno ? errno : EIO));
    return GT_OK;
}

int gt_csvlog_close(gt_csvlog *log) {
    if (!log) return GT_OK;
    int rc = GT_OK;
    errno = 0;
    if (gt_fsync(log->f) != 0)
        rc = gt_error_set("cannot write %s: %s", log->path, strerror(errno ? errno : EIO));
    if (fclose(log->f) != 0 && rc == GT_OK)
        rc = gt_error_set("cannot write %s: %s", log->path, strerror(errno ? errno : EIO));
    free(log->path);
    free(log);
    return rc;
}
