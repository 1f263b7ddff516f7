/* fixture.c — reader for the .gtf reference files made by scripts/make-fixtures.py. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "test.h"

struct gt_fixture {
    int n;
    char **names;
    gt_tensor **t;
};

static int rd(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }

gt_fixture *gt_fixture_load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        gt_test_fail(__FILE__, __LINE__, "cannot open fixture %s (run `make fixtures`?)", path);
        return NULL;
    }
    char magic[8];
    uint32_t n;
    if (!rd(f, magic, 8) || memcmp(magic, "GTFIXT01", 8) || !rd(f, &n, 4)) {
        fclose(f);
        gt_test_fail(__FILE__, __LINE__, "%s is not a fixture file", path);
        return NULL;
    }
    gt_fixture *fx = gt_xcalloc(1, sizeof *fx);
    fx->names = gt_xcalloc(n, sizeof *fx->names);
    fx->t = gt_xcalloc(n, sizeof *fx->t);
    for (uint32_t i = 0; i < n; i++) {
        uint16_t ln;
        uint8_t nd;
        int32_t dims[4] = {0};
        if (!rd(f, &ln, 2)) goto bad;
        fx->names[i] = gt_xcalloc(ln + 1u, 1);
        fx->n = (int)i + 1; /* so that a failure below frees this entry too */
        if (!rd(f, fx->names[i], ln) || !rd(f, &nd, 1) || nd > 4 || !rd(f, dims, 4u * nd)) goto bad;
        fx->t[i] = gt_tensor_new(nd, dims);
        if (!rd(f, fx->t[i]->data, (size_t)fx->t[i]->n * 4)) goto bad;
    }
    fclose(f);
    return fx;
bad:
    fclose(f);
    gt_fixture_free(fx);
    gt_test_fail(__FILE__, __LINE__, "fixture %s is truncated", path);
    return NULL;
}

void gt_fixture_free(gt_fixture *fx) {
    if (!fx) return;
    for (int i = 0; i < fx->n; i++) {
        free(fx->names[i]);
        gt_tensor_free(fx->t[i]);
    }
    free(fx->names);
    free(fx->t);
    free(fx);
}

gt_tensor *gt_fixture_get(gt_fixture *fx, const char *name) {
    for (int i = 0; i < fx->n; i++)
        if (!strcmp(fx->names[i], name)) return fx->t[i];
    return NULL;
}

gt_tensor *gt_fixture_getf(gt_fixture *fx, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return gt_fixture_get(fx, buf);
}
