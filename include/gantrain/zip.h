/* zip.h — ZIP archives read from memory: the container of NumPy's .npz
 * and of torch.save's weight files (PyTorch >= 1.6).
 *
 * The reader indexes the central directory of a buffer it does not copy
 * (the caller keeps it alive until gt_zip_close) and hands out members:
 * stored (method 0) or deflated (method 8), ZIP64 fields included.  Every
 * offset and length is checked against the buffer before use, a deflated
 * member is inflated with an output bound, and every member's CRC-32 is
 * verified, so a corrupt or hostile archive is an error, never a crash.
 * Messages start with the label (the file's name).
 */
#ifndef GANTRAIN_ZIP_H
#define GANTRAIN_ZIP_H

#include <stddef.h>
#include <stdint.h>

typedef struct gt_zip gt_zip;

/* Indexes buf[0..len).  `kind` completes "LABEL: not KIND (not a zip
 * archive ...)" ("an .npz file", "a PyTorch file").  GT_OK, or GT_ERR with
 * the message set and *out = NULL.  An archive without members is valid. */
int gt_zip_open(const unsigned char *buf, size_t len, const char *label, const char *kind,
                gt_zip **out);
void gt_zip_close(gt_zip *z); /* accepts NULL */

int gt_zip_count(const gt_zip *z);
/* Name of member i as stored; valid until gt_zip_close. */
const char *gt_zip_name(const gt_zip *z, int i);
/* Index of the member called name, or -1. */
int gt_zip_find(const gt_zip *z, const char *name);
/* Uncompressed size of member i, as the central directory declares it. */
uint64_t gt_zip_size(const gt_zip *z, int i);

/* The uncompressed bytes of member i: *data points into the buffer for a
 * stored member, or at a malloc'd copy that *owned also points to (free it
 * after use; NULL for stored members).  The CRC-32 is checked. */
int gt_zip_read(const gt_zip *z, int i, const unsigned char **data, size_t *size,
                unsigned char **owned);

#endif
