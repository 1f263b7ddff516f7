/* fuzz_cifar10.c — CIFAR-10's binary batches and batches.meta.txt, opened
 * as a dataset (test split) with a class filter and resizing.
 *
 * Input: a flags byte, a split byte k; the first k bytes of the rest are
 * batches.meta.txt (none when k is 0), the others test_batch.bin. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "gantrain/config.h"
#include "gantrain/data.h"
#include "gantrain/error.h"

GT_FUZZ_TARGET(cifar10) {
    gt_fuzz_setup();
    if (size < 2) return 0;
    int flags = data[0];
    size_t k = data[1];
    data += 2, size -= 2;
    if (k > size) k = size;
    char meta[1024];
    snprintf(meta, sizeof meta, "%s/batches.meta.txt", gt_fuzz_dir());
    if (k)
        gt_fuzz_file("batches.meta.txt", data, k);
    else
        unlink(meta);
    gt_fuzz_file("test_batch.bin", data + k, size - k);
    gt_config *cfg = gt_config_new();
    char set[1200];
    snprintf(set, sizeof set, "data.path=%s", gt_fuzz_dir());
    gt_config_set_arg(cfg, set);
    gt_config_set_arg(cfg, "data.dataset=cifar10");
    gt_config_set_arg(cfg, "data.split=test");
    static const char *sizes[] = {"0", "16", "48", "0"};
    static const char *classes[] = {"", "dog, airplane", "3", "cat, frog, 9"};
    static const char *crops[] = {"0", "30", "0", "33"};
    snprintf(set, sizeof set, "data.image_size=%s", sizes[flags & 3]);
    gt_config_set_arg(cfg, set);
    snprintf(set, sizeof set, "data.classes=%s", classes[(flags >> 2) & 3]);
    gt_config_set_arg(cfg, set);
    snprintf(set, sizeof set, "data.center_crop=%s", crops[(flags >> 4) & 3]);
    gt_config_set_arg(cfg, set);
    if (flags & 0x40) gt_config_set_arg(cfg, "data.channels=1");
    if (flags & 0x80) gt_config_set_arg(cfg, "data.limit=1");
    gt_fuzz_dataset(cfg);
    return 0;
}
