/* ckpt.h — the checkpoint file (.gtck): one self-describing file holding the
 * resolved config, named metadata (step, epoch, k_t, RNG states ...) and
 * named float32 tensors (parameter blocks, optimizer moments).
 *
 * Layout (little-endian throughout):
 *
 *   0   fixed header, 64 bytes
 *         0  magic "\x89GTCK\r\n\x1a"   8  u32 version    12 u32 flags (0)
 *        16  u64 file_size             24  u64 index_size 32 u64 data_offset
 *        40  u32 n_meta                44  u32 n_tensors  48 u32 index_crc
 *        52  8 reserved bytes (0)      60  u32 header_crc = CRC32 of bytes 0..60
 *       Bytes 0..12 and 60..64 keep this meaning in every future version, so
 *       an old reader can tell "newer file" from "corrupt file".
 *  64   index, index_size bytes, CRC32 = index_crc:
 *         config     u32 len, bytes
 *         n_meta  x  u16 key_len, key, u8 type, value
 *                    (i64: 8 bytes; f64: 8 bytes IEEE; str/blob: u32 len, bytes)
 *         n_tensors x u16 name_len, name, u8 dtype (1 = float32), u8 ndim,
 *                    ndim x u32 dims, u64 offset, u64 nbytes, u32 crc32 of the data
 *  data_offset  tensor data, each tensor starting on a 64-byte boundary,
 *               zero padding between; the file ends with the last tensor.
 *
 * Writing is atomic (temporary file, fsync, rename): a crash or an error
 * leaves the previous file untouched.  Tensor data is streamed from the
 * caller's arrays (or a fill callback) straight to the file; only the index
 * is held in memory.
 */
#ifndef GANTRAIN_CKPT_H
#define GANTRAIN_CKPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gantrain/nn.h"
#include "gantrain/optim.h"
#include "gantrain/rng.h"
#include "gantrain/tensor.h"

#define GT_CKPT_VERSION 1
#define GT_CKPT_ALIGN 64
#define GT_CKPT_HEADER_SIZE 64
#define GT_CKPT_RNG_BYTES 40 /* 4 x u64 state, u32 has_spare, f32 spare */

typedef enum gt_ckpt_meta_type {
    GT_META_I64 = 1,
    GT_META_F64 = 2,
    GT_META_STR = 3,
    GT_META_BLOB = 4,
} gt_ckpt_meta_type;

/* ---- writing ------------------------------------------------------------ */

typedef struct gt_ckpt_writer gt_ckpt_writer;

/* Fills buf with elements [start, start + n) of a tensor; GT_OK, or GT_ERR
 * with the message set, which aborts the write. */
typedef int (*gt_ckpt_fill_fn)(void *ctx, float *buf, int64_t start, int64_t n);

/* config_text: the resolved INI config (may be NULL or ""). */
gt_ckpt_writer *gt_ckpt_writer_new(const char *config_text);
void gt_ckpt_writer_free(gt_ckpt_writer *w); /* accepts NULL */

/* Metadata; keys are unique (a repeated key is a bug and aborts). */
void gt_ckpt_put_i64(gt_ckpt_writer *w, const char *key, int64_t v);
void gt_ckpt_put_f64(gt_ckpt_writer *w, const char *key, double v);
void gt_ckpt_put_str(gt_ckpt_writer *w, const char *key, const char *s);
void gt_ckpt_put_blob(gt_ckpt_writer *w, const char *key, const void *data, size_t len);
/* The whole generator state, portably encoded (GT_CKPT_RNG_BYTES). */
void gt_ckpt_put_rng(gt_ckpt_writer *w, const char *key, const gt_rng *r);

/* Tensors, written in the order added; names are unique.  `data` is not
 * copied: it must stay valid and unchanged until gt_ckpt_write returns. */
void gt_ckpt_add(gt_ckpt_writer *w, const char *name, int ndim, const int *shape,
                 const float *data);
void gt_ckpt_add_fill(gt_ckpt_writer *w, const char *name, int ndim, const int *shape,
                      gt_ckpt_fill_fn fill, void *ctx);
/* Every tensor of a sealed block (values and buffers), under its full name. */
void gt_ckpt_add_params(gt_ckpt_writer *w, const gt_params *p);
/* Optimizer state of block p: tensors "KEY/sK/<param name>" for each of
 * s1..s(n_state) sliced per parameter (so a reordered block cannot load the
 * wrong moments), and metadata KEY.kind, KEY.n_state, KEY.step. */
void gt_ckpt_add_optim(gt_ckpt_writer *w, const char *key, const gt_optim *o,
                       const gt_params *p);

/* Writes the checkpoint atomically; GT_OK or GT_ERR (message names path).
 * The writer can be written again or freed afterwards. */
int gt_ckpt_write(gt_ckpt_writer *w, const char *path);

/* ---- reading ------------------------------------------------------------ */

typedef struct gt_ckpt gt_ckpt;

typedef struct gt_ckpt_tensor {
    const char *name;
    int ndim;
    int shape[GT_MAX_DIMS]; /* unused dims are 1 */
    int64_t numel;
    uint64_t offset, nbytes;
    uint32_t crc;
} gt_ckpt_tensor;

typedef struct gt_ckpt_meta {
    const char *key;
    gt_ckpt_meta_type type;
    int64_t i;        /* GT_META_I64 */
    double f;         /* GT_META_F64 */
    const void *data; /* GT_META_STR (NUL-terminated) and GT_META_BLOB */
    size_t len;
} gt_ckpt_meta;

/* Validates magic, version, header and index CRCs, and every tensor's byte
 * range against the file size; NULL with the message set on any problem.
 * Tensor data CRCs are checked when a tensor is read (or by gt_ckpt_verify). */
gt_ckpt *gt_ckpt_open(const char *path);
void gt_ckpt_close(gt_ckpt *ck); /* accepts NULL */

const char *gt_ckpt_path(const gt_ckpt *ck);
int gt_ckpt_version(const gt_ckpt *ck);
uint64_t gt_ckpt_file_size(const gt_ckpt *ck);
const char *gt_ckpt_config(const gt_ckpt *ck); /* NUL-terminated, "" when none */

int gt_ckpt_n_tensors(const gt_ckpt *ck);
const gt_ckpt_tensor *gt_ckpt_tensor_at(const gt_ckpt *ck, int i);
const gt_ckpt_tensor *gt_ckpt_find(const gt_ckpt *ck, const char *name); /* NULL if absent */

int gt_ckpt_n_meta(const gt_ckpt *ck);
const gt_ckpt_meta *gt_ckpt_meta_at(const gt_ckpt *ck, int i);
const gt_ckpt_meta *gt_ckpt_meta_find(const gt_ckpt *ck, const char *key);
/* Typed getters: GT_OK, or GT_ERR naming the file and key when the key is
 * missing or has another type (f64 also accepts an i64 value). */
int gt_ckpt_get_i64(const gt_ckpt *ck, const char *key, int64_t *out);
int gt_ckpt_get_f64(const gt_ckpt *ck, const char *key, double *out);
int gt_ckpt_get_str(const gt_ckpt *ck, const char *key, const char **out);
int gt_ckpt_get_blob(const gt_ckpt *ck, const char *key, void *out, size_t len); /* exact len */
int gt_ckpt_get_rng(const gt_ckpt *ck, const char *key, gt_rng *r);

/* Reads tensor `name` into out (numel floats) after checking it has exactly
 * the given shape; checks its CRC.  On error out's contents are unspecified. */
int gt_ckpt_read(gt_ckpt *ck, const char *name, int ndim, const int *shape, float *out);
/* The same for t->name with t's shape, into t->data. */
int gt_ckpt_read_tensor(gt_ckpt *ck, gt_tensor *t);
/* CRC check of tensor i without keeping the data. */
int gt_ckpt_check(gt_ckpt *ck, int i);
/* Every tensor's CRC; the error names the first bad tensor. */
int gt_ckpt_verify(gt_ckpt *ck);

/* Loads every tensor of a sealed block by name.  The checkpoint must hold
 * exactly the block's tensors (under the block's prefix) with equal shapes. */
int gt_ckpt_load_params(gt_ckpt *ck, gt_params *p);
/* Loads what gt_ckpt_add_optim saved; the kind and number of state arrays
 * must match o's. */
int gt_ckpt_load_optim(gt_ckpt *ck, const char *key, gt_optim *o, const gt_params *p);

/* `gantrain info`: header, metadata, config, and the tensor table with each
 * tensor's CRC status.  GT_OK when the file is whole; GT_ERR (message set)
 * when it cannot be opened or a tensor is corrupt (the table is still printed). */
int gt_ckpt_print_info(FILE *f, const char *path);

#endif
