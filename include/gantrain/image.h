/* image.h — PNG encoding and sample grids.
 *
 * Images come in as float tensors [N, C, H, W] with pixels in [-1, 1] (what
 * the models produce); C is 1 (grey) or 3 (RGB).  Grids are torchvision's
 * make_grid layout: nrow images per row, `pad` pixels of padding between and
 * around them.
 */
#ifndef GANTRAIN_IMAGE_H
#define GANTRAIN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gantrain/tensor.h"

/* Encodes w x h pixels of c channels (1, 3 or 4), row-major interleaved, into
 * a malloc'd PNG; GT_OK or GT_ERR. */
int gt_png_encode(const uint8_t *pix, int w, int h, int c, uint8_t **out, size_t *out_len);
/* Writes a PNG atomically. */
int gt_png_write(const char *path, const uint8_t *pix, int w, int h, int c);
/* [-1, 1] -> 0..255 (rounded, clamped). */
uint8_t gt_pixel_u8(float v);
/* Lays images [N,C,H,W] out as a grid: returns malloc'd interleaved pixels. */
uint8_t *gt_grid_pixels(const gt_tensor *imgs, int nrow, int pad, uint8_t pad_value, int *w,
                        int *h, int *c);
int gt_grid_write(const char *path, const gt_tensor *imgs, int nrow, int pad);

#endif
