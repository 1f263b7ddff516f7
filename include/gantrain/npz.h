/* npz.h — NumPy .npz archives: the statistics files of pytorch-fid and TTUR.
 *
 * An .npz is a ZIP archive with one .npy member per array ("mu.npy",
 * "sigma.npy").  The reader takes what np.savez and np.savez_compressed
 * write: stored or deflated members (ZIP64 fields included), .npy format
 * versions 1.0, 2.0 and 3.0, dtypes float64 and float32 in either byte order
 * (converted to float64), C or Fortran order (Fortran is transposed to row
 * major), 0 to 2 dimensions.  Anything else is refused with one message that
 * names the file, the member and what is wrong.  Every length and offset
 * read from the file is checked against the file before use and every member
 * is CRC-checked, so corrupt or hostile input is an error, never a crash.
 *
 * The writer makes float64, C-order members in a stored (uncompressed)
 * archive laid out byte for byte as numpy 1.24's np.savez (fixed 1980-01-01
 * timestamps, so equal arrays give equal files), written atomically.
 */
#ifndef GANTRAIN_NPZ_H
#define GANTRAIN_NPZ_H

#include <stddef.h>
#include <stdint.h>

#define GT_NPZ_MAX_DIMS 4 /* convolution kernels [out, in, kh, kw] */

/* One array.  data is row-major float64, the product of shape[0..ndim-1]
 * elements (one for ndim 0; unused shape entries are 1). */
typedef struct gt_npz_array {
    const char *name; /* without ".npy" */
    int ndim;         /* 0 .. GT_NPZ_MAX_DIMS */
    int64_t shape[GT_NPZ_MAX_DIMS];
    double *data;
} gt_npz_array;

typedef struct gt_npz gt_npz; /* an opened archive (the whole file in memory) */

/* Reads and indexes the archive (central directory checked, members not yet
 * decoded).  GT_OK, or GT_ERR with the message set and *out = NULL. */
int gt_npz_open(const char *path, gt_npz **out);
/* Same on a buffer (copied); label names it in messages.  For fuzzing. */
int gt_npz_open_mem(const void *buf, size_t len, const char *label, gt_npz **out);
void gt_npz_close(gt_npz *z); /* accepts NULL */

int gt_npz_count(const gt_npz *z);
/* Name of member i without its ".npy" suffix; valid until gt_npz_close. */
const char *gt_npz_name(const gt_npz *z, int i);
/* Index of the array called name (with or without ".npy"), or -1. */
int gt_npz_find(const gt_npz *z, const char *name);

/* Decodes array `name` into out (out->name points into z, out->data is
 * malloc'd: release with gt_npz_array_free).  A missing name is an error that
 * lists the names present. */
int gt_npz_read(gt_npz *z, const char *name, gt_npz_array *out);
void gt_npz_array_free(gt_npz_array *a); /* frees data; accepts NULL */

/* Writes n arrays (names must be unique, non-empty, < 200 bytes, without
 * "/"; ndim 0..GT_NPZ_MAX_DIMS; each member < 4 GiB) to path atomically. */
int gt_npz_write(const char *path, int n, const gt_npz_array *arrays);
/* The same archive into a malloc'd buffer (for tests and callers that embed it). */
int gt_npz_write_mem(int n, const gt_npz_array *arrays, unsigned char **buf, size_t *len);

#endif
