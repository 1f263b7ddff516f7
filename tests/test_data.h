/* test_data.h — helpers of the dataset tests (tests/test_data_gen.c): small
 * files of every format written at test time, and configs to open them. */
#ifndef GANTRAIN_TEST_DATA_H
#define GANTRAIN_TEST_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "gantrain/config.h"
#include "gantrain/data.h"

/* TMPDIR/rel, with its parent directories created; a rotating static buffer. */
const char *td_path(const char *rel);
void td_write(const char *rel, const void *data, size_t n);
/* gzip-compressed (a real gzip stream with header and CRC trailer). */
void td_write_gz(const char *rel, const void *data, size_t n);
/* An IDX pair DIR/PREFIX-{images-idx3,labels-idx1}-ubyte[.gz]. */
void td_idx(const char *dir, const char *prefix, int n, int rows, int cols, const uint8_t *pix,
            const uint8_t *labels, int gz);
/* Big-endian IDX header bytes: magic 0x0800|ndim, then the dims; returns its length. */
size_t td_idx_header(uint8_t *out, int ndim, const int *dims);
/* A PNG, pixels interleaved h x w x c.  (JPEGs come from bytes in the
 * tests: stb's JPEG encoder trips UBSan.) */
void td_png(const char *rel, int w, int h, int c, const uint8_t *pix);
/* Reads a whole file (malloc'd) for corrupting it; returns its size. */
size_t td_read(const char *rel, uint8_t **data);

/* A config from INI text (written to TMPDIR/data.ini so errors have a
 * file:line); NULL + test failure when it does not load. */
gt_config *td_cfg(const char *ini);
/* Opens the dataset of ini; NULL + test failure (with gt_error()) on failure. */
gt_dataset *td_open(const char *ini);
/* Expects opening to fail with a message holding frag1 and (if not NULL)
 * frag2; records a test failure otherwise and returns 0. */
int td_fails(const char *ini, const char *frag1, const char *frag2, const char *file, int line);
#define TD_FAILS(ini, f1, f2) \
    do {                      \
        if (!td_fails((ini), (f1), (f2), __FILE__, __LINE__)) return; \
    } while (0)

#endif
