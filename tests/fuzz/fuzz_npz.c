/* fuzz_npz.c — the .npz reader (FID statistics files): open the archive
 * from memory, decode every member. */
#include <stdlib.h>

#include "fuzz.h"
#include "gantrain/error.h"
#include "gantrain/npz.h"

GT_FUZZ_TARGET(npz) {
    gt_fuzz_setup();
    gt_npz *z = NULL;
    gt_error_clear();
    int rc = gt_npz_open_mem(data, size, "fuzz.npz", &z);
    gt_fuzz_check_error(rc, "fuzz.npz");
    if (rc) return 0;
    for (int i = 0; i < gt_npz_count(z); i++) {
        gt_npz_array a = {0};
        gt_error_clear();
        rc = gt_npz_read(z, gt_npz_name(z, i), &a);
        gt_fuzz_check_error(rc, "fuzz.npz");
        if (!rc) {
            /* touch every value: a wrong size shows up under ASan */
            volatile double s = 0;
            int64_t n = a.ndim == 0 ? 1 : a.ndim == 1 ? a.shape[0] : a.shape[0] * a.shape[1];
            for (int64_t k = 0; k < n; k++) s += a.data[k];
            (void)s;
        }
        gt_npz_array_free(&a);
    }
    /* a name that is not there lists the names that are */
    gt_npz_array a = {0};
    gt_error_clear();
    gt_fuzz_check_error(gt_npz_read(z, "no such member", &a), "fuzz.npz");
    gt_npz_array_free(&a);
    gt_npz_close(z);
    return 0;
}
