/* test_fuzz_replay.c — replays every committed fuzz input: each file of
 * tests/fuzz/corpus/NAME/ goes through the same entry point libFuzzer
 * drives (tests/fuzz/fuzz_NAME.c, built here with the normal compiler), so
 * every crash ever found stays fixed without clang.  A crash fails the
 * test; GT_FUZZ_VERBOSE=1 prints each file before it runs. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "test.h"

typedef int (*entry_fn)(const uint8_t *, size_t);
#define X(name) int gt_fuzz_##name(const uint8_t *data, size_t size);
X(npz) X(ckpt) X(idx) X(cifar10) X(image) X(csvlog) X(config) X(pth)
#undef X

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Returns the number of inputs replayed (0 and a test failure if none). */
static int replay(const char *name, entry_fn fn) {
    char rel[64];
    snprintf(rel, sizeof rel, "fuzz/corpus/%s", name);
    const char *dir = gt_test_path(rel);
    DIR *d = opendir(dir);
    if (!d) {
        gt_test_fail(__FILE__, __LINE__, "%s: no corpus", dir);
        return 0;
    }
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) names = realloc(names, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int verbose = getenv("GT_FUZZ_VERBOSE") != NULL;
    for (int i = 0; i < n; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *data;
        size_t len;
        if (verbose) fprintf(stderr, "  replay %s\n", path);
        if (gt_read_file(path, &data, &len) == GT_OK) {
            fn((const uint8_t *)data, len);
            free(data);
        }
        free(names[i]);
    }
    free(names);
    if (n == 0) gt_test_fail(__FILE__, __LINE__, "%s: empty corpus", dir);
    return n;
}

GT_TEST(fuzz_replay_npz) { replay("npz", gt_fuzz_npz); }
GT_TEST(fuzz_replay_ckpt) { replay("ckpt", gt_fuzz_ckpt); }
GT_TEST(fuzz_replay_idx) { replay("idx", gt_fuzz_idx); }
GT_TEST(fuzz_replay_cifar10) { replay("cifar10", gt_fuzz_cifar10); }
GT_TEST(fuzz_replay_image) { replay("image", gt_fuzz_image); }
GT_TEST(fuzz_replay_csvlog) { replay("csvlog", gt_fuzz_csvlog); }
GT_TEST(fuzz_replay_config) { replay("config", gt_fuzz_config); }
GT_TEST(fuzz_replay_pth) { replay("pth", gt_fuzz_pth); }
