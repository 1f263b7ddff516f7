/* fuzz_image.c — the JPEG/PNG path of folder and CelebA datasets: stb's
 * decoders behind gantrain's size limit, then centre crop, resize and
 * channel conversion, exactly as each image of a folder goes through them.
 *
 * Input: a flags byte picking crop / size / channels, then the file. */
#include <stdlib.h>

#include "../../src/data/internal.h"
#include "fuzz.h"
#include "gantrain/error.h"

GT_FUZZ_TARGET(image) {
    gt_fuzz_setup();
    if (size < 1) return 0;
    int flags = data[0];
    data++, size--;
    static const int crops[] = {0, 0, 3, 108};
    static const int sizes[] = {0, 16, 64, 5};
    gt_prep p = {crops[flags & 3], sizes[(flags >> 2) & 3], (flags >> 4) & 1 ? 1 : (flags >> 5) & 1 ? 3 : 0};
    float *scratch = NULL;
    size_t scap = 0;
    int oc = 0, oh = 0, ow = 0;
    gt_error_clear();
    /* the first image of a folder fixes the geometry ... */
    int rc = gt__image_decode(data, size, "fuzz.img", &p, &oc, &oh, &ow, NULL, &scratch, &scap);
    gt_fuzz_check_error(rc, "fuzz.img");
    if (!rc && (int64_t)oc * oh * ow <= ((int64_t)1 << 26)) {
        /* ... and every image is then decoded into the dataset's array */
        uint8_t *dst = malloc((size_t)oc * oh * ow);
        gt_error_clear();
        rc = gt__image_decode(data, size, "fuzz.img", &p, &oc, &oh, &ow, dst, &scratch, &scap);
        gt_fuzz_check_error(rc, "fuzz.img");
        free(dst);
    }
    free(scratch);
    return 0;
}
