/* internal.h — what the files of src/data share: the dataset struct, the
 * parsed [data] options, the per-format loaders, preprocessing and the
 * decoded-image cache.  Not part of the public API (data.h). */
#ifndef GANTRAIN_DATA_INTERNAL_H
#define GANTRAIN_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gantrain/data.h"

enum { GT_SPLIT_TRAIN, GT_SPLIT_TEST, GT_SPLIT_ALL };

/* The [data] section, parsed once. */
typedef struct gt_data_opts {
    gt_data_kind kind;
    const char *kind_name;   /* "cifar10" */
    char *path;              /* data.path or the dataset's default */
    int path_is_default;     /* for the "run scripts/fetch-data.sh" hint */
    int split;               /* GT_SPLIT_* */
    const char *split_name;
    int image_size, channels, crop; /* after the dataset's defaults */
    int64_t limit;
    int folder_classes;
    const char *classes;     /* the raw list ("" = all) */
    const char *classes_where; /* "x.ini:7" for messages */
    const char *cache_dir;   /* NULL: no cache */
    const char *toy;
    int64_t toy_n;
    uint64_t seed;
    double sine_a, sine_w;
} gt_data_opts;

/* A cache file mapped into memory (cache.c); pix points into it. */
typedef struct gt_cache_map {
    void *base;
    size_t len;
    uint8_t *pix;
} gt_cache_map;

struct gt_dataset {
    gt_data_kind kind;
    char *name;
    int64_t count;
    int c, h, w;        /* images; 0 for toy2d */
    int dim;            /* floats per sample */
    uint8_t *pix;       /* [count, c, h, w]: malloc'd, or inside map */
    gt_cache_map map;   /* a mapped cache file, when pix lives there */
    float *pts;         /* toy2d: [count, 2] */
    int32_t *labels;    /* [count], NULL when unlabelled */
    int n_classes;
    char **class_names; /* [n_classes] */
    char *desc;         /* what was read, one item per line */
    size_t desc_len, desc_cap;
};

/* Appends one line to ds->desc. */
void gt__desc(gt_dataset *ds, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* GT_OK when count samples of `bytes` each fit in gt_mem_budget(); else an
 * error naming `what` (the data path) and the settings to lower.  Called
 * before the dataset's array is allocated. */
int gt__data_fits(const char *what, int64_t count, int64_t bytes);

/* "run scripts/fetch-data.sh NAME" or "install ..." hint for a missing dataset. */
const char *gt__fetch_hint(const gt_data_opts *o);

/* Maps data.classes onto names[0..n): map[k] = new index (kept classes
 * renumbered in index order) or -1; *n_keep kept classes.  With an empty
 * list every class is kept as is.  GT_ERR on an unknown name or index. */
int gt__class_map(const gt_data_opts *o, int n, char *const *names, int *map, int *n_keep);

/* Per-format loaders.  IDX and CIFAR-10 fill the raw images, labels and
 * class names of the split; dataset.c then selects and preprocesses.  The
 * folder loader (folder and celeba) selects, decodes, preprocesses and
 * caches itself, since it decodes only what is kept. */
int gt__idx_load(gt_dataset *ds, const gt_data_opts *o);
int gt__cifar10_load(gt_dataset *ds, const gt_data_opts *o);
int gt__folder_load(gt_dataset *ds, const gt_data_opts *o);
int gt__toy2d_load(gt_dataset *ds, const gt_data_opts *o);

/* IDX: reads a whole IDX file of unsigned bytes, gzip-compressed or raw,
 * with want_ndim dimensions into dims and a malloc'd buffer.  *gz says
 * whether it was compressed.  Errors name the file. */
int gt__idx_read(const char *path, int want_ndim, int64_t *dims, uint8_t **data, int *gz);

/* ---- preprocessing (preprocess.c) ---- */
typedef struct gt_prep {
    int crop;     /* centre crop size, 0: none */
    int size;     /* output size, 0: native */
    int channels; /* 1 or 3, 0: as the input */
} gt_prep;

/* Output geometry of an h x w x c image; GT_ERR (message names `what`) when
 * the crop does not fit. */
int gt__prep_geometry(const gt_prep *p, const char *what, int c, int h, int w, int *oc, int *oh,
                      int *ow);
/* Is the preprocessing of an h x w x c image the identity? */
int gt__prep_identity(const gt_prep *p, int c, int h, int w);
/* One image: src pixel (ch, y, x) at src[ch*cs + y*ys + x*xs] (so planar
 * and interleaved inputs both work) -> dst planar [oc, oh, ow].  scratch
 * holds at least gt__prep_scratch_floats(...) floats. */
size_t gt__prep_scratch_floats(const gt_prep *p, int c, int h, int w);
void gt__prep_image(const gt_prep *p, const uint8_t *src, int c, int h, int w, ptrdiff_t cs,
                    ptrdiff_t ys, ptrdiff_t xs, uint8_t *dst, float *scratch);
/* Preprocesses every planar image of ds in place of ds->pix (in parallel). */
int gt__prep_dataset(gt_dataset *ds, const gt_prep *p, const char *what);

/* ---- one JPEG/PNG image (imagefolder.c) ----
 * Decodes buf (path names it in messages) through p (channels 0 means 3).
 * With *oh == 0 it only reports the output geometry in *oc, *oh, *ow;
 * otherwise the image must come out *oc x *oh x *ow and is written to dst
 * (planar).  *scratch / *scap: a reusable malloc'd buffer and its size in
 * floats.  Images over 2^24 pixels are refused before decoding. */
int gt__image_decode(const uint8_t *buf, size_t len, const char *path, const gt_prep *p, int *oc,
                     int *oh, int *ow, uint8_t *dst, float **scratch, size_t *scap);

/* ---- the decoded-image cache (cache.c) ----
 * key: the settings text (dataset, absolute path, selection, preprocessing);
 * fingerprint: of the selected files (names, sizes, mtimes). */
typedef enum { GT_CACHE_HIT, GT_CACHE_MISS, GT_CACHE_STALE, GT_CACHE_CORRUPT } gt_cache_status;
/* The cache file for these settings: malloc'd "DIR/NAME-HASH.gtcache". */
char *gt__cache_path(const char *dir, const char *name, const char *settings);
/* Maps the file and checks it; on a hit out->pix holds [count * sample]
 * pixels.  Otherwise the status says why not and *why (static text) the
 * details. */
gt_cache_status gt__cache_load(const char *path, const char *settings, uint64_t fingerprint,
                               int64_t count, int c, int h, int w, gt_cache_map *out,
                               const char **why);
void gt__cache_unmap(gt_cache_map *cm);
int gt__cache_save(const char *path, const char *settings, uint64_t fingerprint, int64_t count,
                   int c, int h, int w, const uint8_t *pix);
/* FNV-1a, 64 bits: for cache names and fingerprints (not for security). */
uint64_t gt__fnv1a(uint64_t h, const void *data, size_t n);
#define GT_FNV_INIT 0xcbf29ce484222325ull

#endif
