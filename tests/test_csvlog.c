/* test_csvlog.c — log.csv: exact contents, numbers that read back to the
 * same bits, and resume that reproduces the uninterrupted file byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/csvlog.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/rng.h"
#include "test.h"

static const char *tmp_path(const char *name) {
    static char buf[4][700];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", gt_test_tmpdir(), name);
    return b;
}

static const char *COLS[] = {"step", "epoch", "d_loss", "g_loss", "kt"};

static char *slurp(const char *path) {
    char *d = NULL;
    size_t n;
    if (gt_read_file(path, &d, &n)) return NULL;
    return d;
}

GT_TEST(csvlog_numbers_read_back_bit_exact) {
    char b[40];
    CHECK(!strcmp(gt_csv_number(0.1f, b, sizeof b), "0.1"));
    CHECK(!strcmp(gt_csv_number(0.1, b, sizeof b), "0.1"));
    CHECK(!strcmp(gt_csv_number(1.0 / 3.0, b, sizeof b), "0.3333333333333333"));
    CHECK(!strcmp(gt_csv_number(1.0f / 3.0f, b, sizeof b), "0.33333334"));
    CHECK(!strcmp(gt_csv_number(3, b, sizeof b), "3"));
    CHECK(!strcmp(gt_csv_number(10, b, sizeof b), "10"));
    CHECK(!strcmp(gt_csv_number(150, b, sizeof b), "150"));
    CHECK(!strcmp(gt_csv_number(4000000, b, sizeof b), "4000000"));
    CHECK(!strcmp(gt_csv_number(2e-4, b, sizeof b), "0.0002"));
    CHECK(!strcmp(gt_csv_number(-0.0, b, sizeof b), "-0"));
    CHECK(!strcmp(gt_csv_number(1e-45f, b, sizeof b), "1e-45"));
    CHECK(!strcmp(gt_csv_number(NAN, b, sizeof b), "nan"));
    CHECK(!strcmp(gt_csv_number(-NAN, b, sizeof b), "nan"));
    CHECK(!strcmp(gt_csv_number(-INFINITY, b, sizeof b), "-inf"));
    CHECK(!strcmp(gt_csv_number(123456789.0, b, sizeof b), "123456789"));
    gt_rng r;
    gt_rng_seed(&r, 11);
    for (int i = 0; i < 20000; i++) {
        uint64_t u = gt_rng_u64(&r);
        uint32_t fb = (uint32_t)u;
        float f;
        memcpy(&f, &fb, 4);
        if (isnan(f)) continue;
        gt_csv_number(f, b, sizeof b);
        float back = strtof(b, NULL), viad = (float)strtod(b, NULL);
        CHECKF(!memcmp(&back, &f, 4) && !memcmp(&viad, &f, 4), "float %08x printed as %s", fb, b);
        double d;
        memcpy(&d, &u, 8);
        if (isnan(d)) continue;
        gt_csv_number(d, b, sizeof b);
        double dback = strtod(b, NULL);
        CHECKF(!memcmp(&dback, &d, 8), "double %016llx printed as %s", (unsigned long long)u, b);
    }
}

/* The figures a deterministic run would log at `step`. */
static void figures(int64_t step, double v[4]) {
    v[0] = (double)(step / 30);
    v[1] = (double)(float)(0.693 + 0.001 * (double)step);
    v[2] = (double)(float)(1.0 / (double)(step + 3));
    v[3] = step % 40 == 0 ? NAN : (double)step * 1e-7;
}

static int log_steps(gt_csvlog *log, int64_t from, int64_t to) {
    for (int64_t s = from; s <= to; s += 10) {
        double v[4];
        figures(s, v);
        if (gt_csvlog_row(log, s, v)) return GT_ERR;
    }
    return GT_OK;
}

GT_TEST(csvlog_contents) {
    const char *path = tmp_path("log.csv");
    gt_csvlog *log = gt_csvlog_create(path, 5, COLS);
    CHECKF(log, "%s", gt_error());
    CHECK(gt_csvlog_row(log, 0, (double[]){0, 1.5f, 0.25f, 0}) == GT_OK);
    /* each row is on disk as soon as it is written */
    char *s = slurp(path);
    CHECK(s && !strcmp(s, "step,epoch,d_loss,g_loss,kt\n0,0,1.5,0.25,0\n"));
    free(s);
    CHECK(gt_csvlog_row(log, 12345678901LL, (double[]){2, 0.1f, -1e30, INFINITY}) == GT_OK);
    CHECK(gt_csvlog_close(log) == GT_OK);
    s = slurp(path);
    CHECKF(s && !strcmp(s, "step,epoch,d_loss,g_loss,kt\n0,0,1.5,0.25,0\n"
                           "12345678901,2,0.1,-1e+30,inf\n"),
           "%s", s);
    free(s);
    /* create replaces an old log */
    log = gt_csvlog_create(path, 2, COLS);
    CHECK(log && gt_csvlog_close(log) == GT_OK);
    s = slurp(path);
    CHECK(s && !strcmp(s, "step,epoch\n"));
    free(s);
    CHECK(gt_csvlog_close(NULL) == GT_OK);
    CHECK(!gt_csvlog_create(tmp_path("no/dir/log.csv"), 5, COLS) && strstr(gt_error(), "no/dir/log.csv"));
}

GT_TEST(csvlog_resume_equals_uninterrupted) {
    /* the uninterrupted run: steps 10..200 */
    const char *a = tmp_path("a.csv"), *b = tmp_path("b.csv");
    gt_csvlog *log = gt_csvlog_create(a, 5, COLS);
    CHECK(log && log_steps(log, 10, 200) == GT_OK && gt_csvlog_close(log) == GT_OK);
    char *want = slurp(a);
    CHECK(want);

    /* crashed runs: logged up to 130 (last checkpoint at 90), sometimes
     * dying in the middle of a row; then resumed from 90 */
    for (int torn = 0; torn < 3; torn++) {
        log = gt_csvlog_create(b, 5, COLS);
        CHECK(log && log_steps(log, 10, 130) == GT_OK && gt_csvlog_close(log) == GT_OK);
        if (torn) {
            FILE *f = fopen(b, "ab");
            fputs(torn == 1 ? "140,4,0.83" : "14", f);
            fclose(f);
        }
        log = gt_csvlog_resume(b, 5, COLS, 90);
        CHECKF(log, "%s", gt_error());
        CHECK(log_steps(log, 100, 200) == GT_OK && gt_csvlog_close(log) == GT_OK);
        char *got = slurp(b);
        CHECKF(got && !strcmp(got, want), "torn=%d: resumed log differs:\n%s", torn, got);
        free(got);
    }

    /* resuming exactly where the log ends, and from before the first row */
    log = gt_csvlog_create(b, 5, COLS);
    CHECK(log && log_steps(log, 10, 90) == GT_OK && gt_csvlog_close(log) == GT_OK);
    log = gt_csvlog_resume(b, 5, COLS, 90);
    CHECK(log && log_steps(log, 100, 200) == GT_OK && gt_csvlog_close(log) == GT_OK);
    char *got = slurp(b);
    CHECK(got && !strcmp(got, want));
    free(got);
    log = gt_csvlog_resume(b, 5, COLS, 0);
    CHECK(log && log_steps(log, 10, 200) == GT_OK && gt_csvlog_close(log) == GT_OK);
    got = slurp(b);
    CHECK(got && !strcmp(got, want));
    free(got);
    /* a missing log is started afresh */
    log = gt_csvlog_resume(tmp_path("c.csv"), 5, COLS, 0);
    CHECK(log && log_steps(log, 10, 200) == GT_OK && gt_csvlog_close(log) == GT_OK);
    got = slurp(tmp_path("c.csv"));
    CHECK(got && !strcmp(got, want));
    free(got);
    free(want);
}

GT_TEST(csvlog_resume_errors) {
    const char *path = tmp_path("log.csv");
    gt_csvlog *log = gt_csvlog_create(path, 4, COLS);
    CHECK(log && log_steps(log, 10, 30) == GT_OK && gt_csvlog_close(log) == GT_OK);
    /* another objective logs other columns: refuse rather than mix them */
    CHECK(!gt_csvlog_resume(path, 5, COLS, 20));
    char want[900];
    snprintf(want, sizeof want,
             "%s: columns are 'step,epoch,d_loss,g_loss' but this run logs "
             "'step,epoch,d_loss,g_loss,kt'",
             path);
    CHECKF(strstr(gt_error(), want) == gt_error(), "%s", gt_error());
    char *before = slurp(path);
    CHECK(before);

    /* a damaged row is reported with its line, and the file is left alone */
    FILE *f = fopen(path, "ab");
    fputs("x40,1,2,3\n", f);
    fclose(f);
    CHECK(!gt_csvlog_resume(path, 4, COLS, 100));
    snprintf(want, sizeof want, "%s:5: step 'x40' is not an integer", path);
    CHECKF(strstr(gt_error(), want) == gt_error(), "%s", gt_error());
    char *after = slurp(path);
    CHECK(after && strlen(after) == strlen(before) + 10);
    free(after);
    free(before);
}
