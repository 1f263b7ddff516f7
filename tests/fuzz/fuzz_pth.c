/* fuzz_pth.c — the PyTorch weight-file reader (pytorch-fid's Inception
 * weights come from the internet): open from memory (both containers and
 * the restricted unpickler), look every tensor up by name, and read every
 * one as float32, which walks its strides through its storage. */
#include <stdlib.h>

#include "fuzz.h"
#include "gantrain/error.h"
#include "gantrain/pth.h"

/* a stride-0 view may claim many elements of a one-element storage: reading
 * it is correct but would only measure memset speed */
#define MAX_READ ((int64_t)1 << 20)

GT_FUZZ_TARGET(pth) {
    gt_fuzz_setup();
    gt_pth *p = NULL;
    gt_error_clear();
    int rc = gt_pth_open_mem(data, size, "fuzz.pth", &p);
    gt_fuzz_check_error(rc, "fuzz.pth");
    if (rc) return 0;
    for (int i = 0; i < gt_pth_count(p); i++) {
        const gt_pth_tensor *t = gt_pth_tensor_at(p, i);
        if (gt_pth_find(p, t->name) != i) abort(); /* names are unique */
        int64_t n = 1;
        for (int d = 0; d < t->ndim; d++) n *= t->shape[d];
        if (n != t->numel || t->ndim > GT_PTH_MAX_DIMS) abort();
        if (t->numel > MAX_READ) continue;
        float *x = malloc(sizeof(float) * (size_t)(t->numel ? t->numel : 1));
        gt_error_clear();
        rc = gt_pth_read_f32(p, i, x);
        gt_fuzz_check_error(rc, "fuzz.pth");
        if (!rc) {
            /* touch every value: a wrong size shows up under ASan */
            volatile float s = 0;
            for (int64_t k = 0; k < t->numel; k++) s += x[k];
            (void)s;
        }
        free(x);
    }
    gt_pth_close(p);
    return 0;
}
