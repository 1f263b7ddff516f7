/* pth.h — PyTorch weight files read without Python: what
 * `torch.save(model.state_dict(), path)` writes, such as pytorch-fid's
 * pt_inception-2015-12-05-6726825d.pth.
 *
 * Both of torch.save's formats:
 *   - the zip archive of PyTorch >= 1.6: ARCHIVE/data.pkl (the pickle) and
 *     one member ARCHIVE/data/KEY per storage (ARCHIVE is the first
 *     member's directory; stored or deflated members);
 *   - the legacy stream (older PyTorch, or _use_new_zipfile_serialization=
 *     False): five pickles — magic number, protocol version 1001, sys_info,
 *     the object, the sorted storage keys — then each storage as an int64
 *     element count and its little-endian bytes.
 * The object must be a state_dict: a dict or OrderedDict of name -> tensor
 * (or a dict whose "state_dict" entry is one).  Tensors are
 * torch._utils._rebuild_tensor_v2 (or _rebuild_parameter) of a persistent
 * storage id ('storage', torch.<T>Storage, key, location, numel) with an
 * offset, sizes and strides, so views (transposed, sliced, offset into a
 * shared storage) read as PyTorch sees them.
 *
 * The pickle is run by a restricted unpickler (src/io/pth_pickle.c) that
 * knows only what a state_dict uses; any other opcode or global is refused
 * with one message naming it.  Every length, offset and stride is checked
 * against the file before use (this code is fuzzed), so a corrupt or
 * hostile file is an error, never a crash, and never runs code.
 */
#ifndef GANTRAIN_PTH_H
#define GANTRAIN_PTH_H

#include <stddef.h>
#include <stdint.h>

#define GT_PTH_MAX_DIMS 8

typedef enum gt_pth_dtype {
    GT_PTH_FLOAT32, /* torch.FloatStorage */
    GT_PTH_FLOAT64, /* DoubleStorage */
    GT_PTH_FLOAT16, /* HalfStorage */
    GT_PTH_BFLOAT16,
    GT_PTH_INT64, /* LongStorage (BatchNorm's num_batches_tracked) */
    GT_PTH_INT32,
    GT_PTH_INT16,
    GT_PTH_INT8,
    GT_PTH_UINT8,
    GT_PTH_BOOL,
    GT_PTH_N_DTYPES
} gt_pth_dtype;

typedef struct gt_pth_tensor {
    const char *name; /* the state_dict key */
    gt_pth_dtype dtype;
    int ndim; /* 0 .. GT_PTH_MAX_DIMS */
    int64_t shape[GT_PTH_MAX_DIMS];
    int64_t numel; /* product of the shape (1 for 0-d) */
} gt_pth_tensor;

typedef struct gt_pth gt_pth; /* an opened file (the whole file in memory) */

/* Reads the file and decodes its tensor table (pickle run, storages located
 * and size-checked, every view checked against its storage).  GT_OK, or
 * GT_ERR with one message naming the file and what is wrong; *out = NULL. */
int gt_pth_open(const char *path, gt_pth **out);
/* Same on a buffer (copied); label names it in messages.  For fuzzing. */
int gt_pth_open_mem(const void *buf, size_t len, const char *label, gt_pth **out);
void gt_pth_close(gt_pth *p); /* accepts NULL */

/* "zip" (PyTorch >= 1.6) or "legacy" */
const char *gt_pth_format(const gt_pth *p);
int gt_pth_count(const gt_pth *p);
/* Tensor i in the state_dict's order; valid until gt_pth_close. */
const gt_pth_tensor *gt_pth_tensor_at(const gt_pth *p, int i);
/* Index of the tensor called name, or -1. */
int gt_pth_find(const gt_pth *p, const char *name);
/* "float32", "int64", ... */
const char *gt_pth_dtype_name(gt_pth_dtype t);

/* Tensor i's numel values in row-major order into dst.  Only float32
 * tensors: another dtype is an error that names the tensor and its dtype. */
int gt_pth_read_f32(const gt_pth *p, int i, float *dst);

#endif
