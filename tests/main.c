/* main.c — the test runner: each test runs in a forked child so a crash is
 * one failure, not the end of the suite.  Prints one line per test and ends
 * with "N passed, N failed"; exits 1 on any failure. */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gantrain/threads.h"
#include "test.h"

#define X(name) void test_##name(void);
#include "test_list.h"
#undef X

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
#define X(name) {#name, test_##name},
#include "test_list.h"
#undef X
};

static int failed_flag;
static char tmpdir[512];
static char root[1024] = ".";

void gt_test_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    if (failed_flag) return;
    failed_flag = 1;
    fprintf(stderr, "  %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int gt_test_failed(void) { return failed_flag; }

const char *gt_test_path(const char *rel) {
    static _Thread_local char buf[4][1200];
    static _Thread_local int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/tests/%s", root, rel);
    return b;
}

const char *gt_test_tmpdir(void) {
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(tmpdir, sizeof tmpdir, "%s/gt_test_XXXXXX", base);
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return tmpdir;
}

static void rm_rf(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[2048];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int run_one(int i, int fork_each) {
    if (!fork_each) {
        failed_flag = 0;
        tests[i].fn();
        if (tmpdir[0]) rm_rf(tmpdir), tmpdir[0] = 0;
        return failed_flag;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        failed_flag = 0;
        tests[i].fn();
        if (tmpdir[0]) rm_rf(tmpdir);
        fflush(stdout);
        fflush(stderr);
        _exit(failed_flag ? 1 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "  crashed with signal %d\n", WTERMSIG(st));
        return 1;
    }
    return WEXITSTATUS(st) != 0;
}

int main(int argc, char **argv) {
    int fork_each = 1, list = 0, n_pass = 0, n_fail = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-fork"))
            fork_each = 0;
        else if (!strcmp(argv[i], "--list"))
            list = 1;
        else if (!strcmp(argv[i], "--root") && i + 1 < argc)
            snprintf(root, sizeof root, "%s", argv[++i]);
        else
            only = argv[i];
    }
    int n = (int)(sizeof tests / sizeof tests[0]);
    if (list) {
        for (int i = 0; i < n; i++) puts(tests[i].name);
        return 0;
    }
    /* one thread unless GT_TEST_THREADS says otherwise: results must not
     * depend on how busy the machine is, and a test never measures speed */
    gt_threads_set(getenv("GT_TEST_THREADS") ? atoi(getenv("GT_TEST_THREADS")) : 1);
    for (int i = 0; i < n; i++) {
        if (only && !strstr(tests[i].name, only)) continue;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int f = run_one(i, fork_each);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        printf("%s %s (%.0f ms)\n", f ? "FAIL" : "ok  ", tests[i].name, ms);
        fflush(stdout);
        if (f)
            n_fail++;
        else
            n_pass++;
    }
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}
