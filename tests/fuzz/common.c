/* common.c — scratch files and the error-contract check shared by the
 * fuzz harnesses (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "gantrain/config.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/log.h"
#include "gantrain/threads.h"

#ifdef GT_FUZZ_REPLAY
#include "test.h"
#endif

static char dir[512];

#ifndef GT_FUZZ_REPLAY
static void remove_dir(void) {
    char cmd[600];
    /* only our own mkdtemp directory */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return;
}
#endif

void gt_fuzz_setup(void) {
    static int done;
    if (done) return;
    done = 1;
    setenv("GANTRAIN_MEM_LIMIT_MB", "256", 1);
    gt_log_set_level(GT_LOG_QUIET);
    /* one thread: OpenMP's pool costs more than these inputs, and a
     * single-threaded run is what a reproducer needs */
    gt_threads_set(1);
}

const char *gt_fuzz_dir(void) {
    if (dir[0]) return dir;
#ifdef GT_FUZZ_REPLAY
    snprintf(dir, sizeof dir, "%s/fuzz", gt_test_tmpdir());
    mkdir(dir, 0777);
#else
    /* tmpfs when there is one: a harness rewrites its files on every input */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/gt_fuzz_XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(remove_dir);
#endif
    return dir;
}

const char *gt_fuzz_file(const char *name, const void *data, size_t size) {
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", gt_fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* Does m contain one of the '|'-separated alternatives of names? */
static int names_one(const char *m, const char *names) {
    char buf[1200];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *save = NULL, *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save))
        if (strstr(m, t)) return 1;
    return 0;
}

void gt_fuzz_check_error(int rc, const char *must_name) {
    if (!rc) return;
    const char *m = gt_error();
    if (!m[0] || !strcmp(m, "unknown error") || strchr(m, '\n') ||
        (must_name && !names_one(m, must_name))) {
        fprintf(stderr, "fuzz: error contract broken (must name '%s'): [%s]\n",
                must_name ? must_name : "", m);
        abort();
    }
}

void gt_fuzz_dataset(struct gt_config *cfg) {
    gt_error_clear();
    gt_dataset *ds = gt_dataset_open(cfg);
    char names[1100];
    snprintf(names, sizeof names, "%s|data.", gt_fuzz_dir());
    gt_fuzz_check_error(!ds, names);
    if (ds) {
        static float x[2 * 3 * 48 * 48];
        float lab[2];
        int64_t idx[2] = {0, gt_dataset_count(ds) - 1};
        if (gt_dataset_sample_size(ds) <= 3 * 48 * 48) gt_dataset_fill(ds, idx, 2, x, lab);
        for (int c = 0; c < gt_dataset_n_classes(ds); c++) (void)gt_dataset_class_name(ds, c);
    }
    gt_dataset_free(ds);
    gt_config_free(cfg);
}
