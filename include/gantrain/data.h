/* data.h — datasets (MNIST, Fashion-MNIST, CIFAR-10, CelebA, image folders,
 * 2-D toy distributions) and the batch loader the trainer draws from.
 *
 * A dataset is opened from the [data] section of a config and lives in
 * memory whole:
 *   images  as uint8 [count, C, H, W] after preprocessing (CelebA at 64x64x3
 *           is 2.4 GB as bytes, it would be 10 GB as floats); a batch is
 *           converted to float in [-1, 1] (x / 127.5 - 1) when it is filled;
 *   toy2d   as float [count, 2].
 *
 * Image preprocessing, in this order (docs/data.md says why):
 *   decode -> centre crop (data.center_crop; floor offsets) -> if
 *   data.image_size is set and the image is not square, the largest centred
 *   square -> resize to image_size x image_size (box/area averaging when
 *   shrinking, bilinear with half-pixel centres when enlarging; per axis) ->
 *   channel conversion (grey->RGB repeats the plane; RGB->grey is ITU-R 601
 *   luma with PIL's rounding: (19595 R + 38470 G + 7471 B + 32768) >> 16)
 *   -> alpha dropped.
 *
 * Selection, in this order: split -> data.classes -> data.limit (first N).
 * Kept classes are renumbered 0..k-1 in their original index order, so a
 * CIFAR-10 run with classes = dog, airplane has labels 0 = airplane, 1 = dog.
 *
 * Errors: gt_dataset_open returns NULL with a one-line message set
 * (gt_error()) that names the file and the problem; the caller turns it into
 * exit status 1.  Values that are wrong whatever the data (channels = 2) are
 * already refused by the config schema (exit 2, file:line).
 */
#ifndef GANTRAIN_DATA_H
#define GANTRAIN_DATA_H

#include <stdint.h>

#include "gantrain/config.h"

typedef enum gt_data_kind {
    GT_DATA_MNIST,
    GT_DATA_FASHION_MNIST,
    GT_DATA_CIFAR10,
    GT_DATA_CELEBA,
    GT_DATA_FOLDER,
    GT_DATA_TOY2D,
} gt_data_kind;

typedef struct gt_dataset gt_dataset;

/* Opens what cfg's [data] section describes (train.seed seeds toy2d's
 * points).  NULL on failure, with the message set. */
gt_dataset *gt_dataset_open(const gt_config *cfg);
void gt_dataset_free(gt_dataset *ds); /* NULL-safe */

gt_data_kind gt_dataset_kind(const gt_dataset *ds);
const char *gt_dataset_name(const gt_dataset *ds); /* "fashion-mnist", "toy2d/8gaussians" */
int64_t gt_dataset_count(const gt_dataset *ds);
/* Images: C, H, W of one sample.  toy2d: 0, 0, 0. */
int gt_dataset_channels(const gt_dataset *ds);
int gt_dataset_height(const gt_dataset *ds);
int gt_dataset_width(const gt_dataset *ds);
/* Floats per sample: C*H*W for images, 2 for toy2d. */
int gt_dataset_sample_size(const gt_dataset *ds);
/* Shape of a batch of n: [n, C, H, W] (returns 4) or [n, 2] (returns 2). */
int gt_dataset_batch_shape(const gt_dataset *ds, int n, int shape[4]);
/* Classes: 0 when unlabelled (celeba, folder without folder_classes, toy2d). */
int gt_dataset_n_classes(const gt_dataset *ds);
const char *gt_dataset_class_name(const gt_dataset *ds, int k);
/* Label of sample i (0..n_classes-1), or -1 when unlabelled. */
int gt_dataset_label(const gt_dataset *ds, int64_t i);
/* The stored samples: uint8 [count, C, H, W] (NULL for toy2d) and
 * float [count, 2] (NULL for images). */
const uint8_t *gt_dataset_pixels(const gt_dataset *ds);
const float *gt_dataset_points(const gt_dataset *ds);
/* Lines saying what was read: directory, files, sizes, cache, selection. */
const char *gt_dataset_describe(const gt_dataset *ds);

/* The pixel conversion every image sample goes through: v / 127.5 - 1. */
float gt_data_pixel_float(uint8_t v);

/* Fills x with samples idx[0..n) ([n, C, H, W] in [-1, 1], or [n, 2]) and,
 * when labels is not NULL, labels[0..n) with their class indices as floats
 * (the dataset must then be labelled). */
void gt_dataset_fill(const gt_dataset *ds, const int64_t *idx, int n, float *x, float *labels);

/* ---- the loader --------------------------------------------------------
 * Batches of exactly batch_size samples.  The order of epoch e is a pure
 * function of (seed, e): a permutation drawn by gt_rng seeded from both, or
 * 0..count-1 when shuffle is off.  The last count % batch_size samples of an
 * epoch's order are dropped (drop_last), so batch norm always sees
 * batch_size samples; with shuffling a different remainder is dropped each
 * epoch.  The state (epoch, pos) always points at the start of the next
 * batch: after the last full batch of an epoch it is (epoch + 1, 0), so
 * `while (ld.epoch < epochs)` runs whole epochs. */
typedef struct gt_loader {
    const gt_dataset *ds;
    int batch_size;
    int shuffle;
    uint64_t seed;
    int64_t epoch; /* epochs completed */
    int64_t pos;   /* where the next batch starts in this epoch's order */
    int64_t *order; /* [count]: this epoch's order */
} gt_loader;

/* What a checkpoint stores to resume the data order exactly. */
typedef struct gt_loader_state {
    int64_t epoch, pos;
    int64_t count;      /* dataset size it was taken with (checked) */
    int64_t batch_size; /* (checked) */
    uint64_t seed;
    int64_t shuffle;
} gt_loader_state;

/* GT_OK, or GT_ERR with the message set when the dataset holds fewer than
 * batch_size samples. */
int gt_loader_init(gt_loader *ld, const gt_dataset *ds, int batch_size, uint64_t seed, int shuffle);
void gt_loader_free(gt_loader *ld); /* NULL-safe, idempotent */
int64_t gt_loader_batches_per_epoch(const gt_loader *ld);
/* Fills the next batch (x: [B, C, H, W] or [B, 2]; labels: [B] or NULL) and
 * advances; the sample indices are written to idx when it is not NULL. */
void gt_loader_next(gt_loader *ld, float *x, float *labels, int64_t *idx);
/* The same, filling only samples [off, off + count) of the batch (a rank's
 * share in data-parallel training); the loader still advances by a whole
 * batch, so every rank walks the same order. */
void gt_loader_next_slice(gt_loader *ld, int off, int count, float *x, float *labels, int64_t *idx);
gt_loader_state gt_loader_get_state(const gt_loader *ld);
/* Continues from a saved state: GT_OK, or GT_ERR when the dataset size,
 * batch size, seed or shuffle differ from the state's (the order could not
 * be the same) or the position is impossible. */
int gt_loader_restore(gt_loader *ld, const gt_loader_state *st);

/* Resizes float planes [c, h, w] -> [c, oh, ow] by the loader's rule (area
 * averaging when shrinking, bilinear with half-pixel centres, clamped at
 * the border, when enlarging): for images already in memory, as eval's
 * feature networks take them. */
void gt_image_resize(const float *src, int c, int h, int w, float *dst, int oh, int ow);

/* ---- pictures of 2-D data ---------------------------------------------
 * A size x size PNG scatter plot of points [n, 2] (dark grey) and, when b
 * is not NULL, of points b [nb, 2] (red) over them, on axes from -range to
 * range (range <= 0: fitted to the points) with the x and y axes drawn. */
int gt_scatter_write(const char *path, const float *a, int64_t n, const float *b, int64_t nb,
                     int size, float range);

#endif
