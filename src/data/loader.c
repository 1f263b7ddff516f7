/* loader.c — batches of a dataset in a per-epoch order that is a pure
 * function of (seed, epoch), so a resumed run sees exactly the batches the
 * uninterrupted run would have seen.  Incomplete last batches are dropped. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/rng.h"
#include "internal.h"

/* The order of one epoch: a Fisher-Yates permutation from a generator seeded
 * by (seed, epoch) alone — no generator state carries across epochs. */
static void make_order(gt_loader *ld) {
    int64_t n = ld->ds->count;
    for (int64_t i = 0; i < n; i++) ld->order[i] = i;
    if (!ld->shuffle) return;
    gt_rng r;
    /* splitmix inside gt_rng_seed scrambles this into unrelated streams */
    gt_rng_seed(&r, (ld->seed ^ 0x64617461ull /* "data" */) * 0x9e3779b97f4a7c15ull +
                        (uint64_t)ld->epoch);
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)gt_rng_below(&r, (uint64_t)i + 1);
        int64_t t = ld->order[i];
        ld->order[i] = ld->order[j];
        ld->order[j] = t;
    }
}

int gt_loader_init(gt_loader *ld, const gt_dataset *ds, int batch_size, uint64_t seed, int shuffle) {
    memset(ld, 0, sizeof *ld);
    if (batch_size < 1) return gt_error_set("batch size %d: want at least 1", batch_size);
    if (ds->count < batch_size)
        return gt_error_set("%s has %lld samples, fewer than one batch of %d; lower "
                            "train.batch_size or use more data",
                            ds->name, (long long)ds->count, batch_size);
    ld->ds = ds;
    ld->batch_size = batch_size;
    ld->seed = seed;
    ld->shuffle = shuffle != 0;
    ld->order = gt_xmalloc((size_t)ds->count * sizeof *ld->order);
    make_order(ld);
    return GT_OK;
}

void gt_loader_free(gt_loader *ld) {
    if (!ld) return;
    free(ld->order);
    ld->order = NULL;
}

int64_t gt_loader_batches_per_epoch(const gt_loader *ld) { return ld->ds->count / ld->batch_size; }

void gt_loader_next(gt_loader *ld, float *x, float *labels, int64_t *idx) {
    gt_loader_next_slice(ld, 0, ld->batch_size, x, labels, idx);
}

void gt_loader_next_slice(gt_loader *ld, int off, int count, float *x, float *labels, int64_t *idx) {
    GT_ASSERTF(ld->order, "gt_loader_next on a loader that is not initialised");
    GT_ASSERTF(off >= 0 && count >= 0 && off + count <= ld->batch_size, "loader slice %d+%d of %d",
               off, count, ld->batch_size);
    const int64_t *batch = ld->order + ld->pos + off;
    gt_dataset_fill(ld->ds, batch, count, x, labels);
    if (idx) memcpy(idx, batch, (size_t)count * sizeof *idx);
    ld->pos += ld->batch_size;
    if (ld->pos + ld->batch_size > ld->ds->count) { /* drop_last: the rest is skipped */
        ld->epoch++;
        ld->pos = 0;
        make_order(ld);
    }
}

gt_loader_state gt_loader_get_state(const gt_loader *ld) {
    gt_loader_state st = {ld->epoch, ld->pos, ld->ds->count, ld->batch_size, ld->seed, ld->shuffle};
    return st;
}

int gt_loader_restore(gt_loader *ld, const gt_loader_state *st) {
    const char *what = NULL;
    if (st->count != ld->ds->count)
        what = "the dataset's size";
    else if (st->batch_size != ld->batch_size)
        what = "train.batch_size";
    else if (st->seed != ld->seed)
        what = "the seed";
    else if ((st->shuffle != 0) != ld->shuffle)
        what = "data.shuffle";
    if (what)
        return gt_error_set("cannot resume the data order: %s differs from the checkpoint's "
                            "(%lld samples, batch %lld, seed %llu, shuffle %s; now %lld, %d, %llu, %s)",
                            what, (long long)st->count, (long long)st->batch_size,
                            (unsigned long long)st->seed, st->shuffle ? "on" : "off",
                            (long long)ld->ds->count, ld->batch_size, (unsigned long long)ld->seed,
                            ld->shuffle ? "on" : "off");
    if (st->epoch < 0 || st->pos < 0 || st->pos % ld->batch_size || st->pos + ld->batch_size > ld->ds->count)
        return gt_error_set("cannot resume the data order: position %lld of epoch %lld is not the "
                            "start of a batch",
                            (long long)st->pos, (long long)st->epoch);
    ld->epoch = st->epoch;
    ld->pos = st->pos;
    make_order(ld);
    return GT_OK;
}
