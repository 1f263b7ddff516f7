/* im2col.h — the lowering of 2-D convolution to matrix products.
 *
 * col has one row per (c, kh, kw) and one column per (n, oh, ow) of a chunk
 * of nb samples: [C*KH*KW, nb*OH*OW].  im2col gathers input patches into it;
 * col2im scatters (adds) it back. */
#ifndef GANTRAIN_IM2COL_H
#define GANTRAIN_IM2COL_H

#include <stdint.h>

typedef struct gt_conv_dims {
    int C, H, W;      /* input image (conv2d's x, or conv_transpose2d's output) */
    int KH, KW;
    int OH, OW;       /* conv2d's output (conv_transpose2d's input) */
    int sh, sw, ph, pw;
} gt_conv_dims;

/* x: nb samples of [C,H,W]; col: [C*KH*KW, nb*OH*OW] */
void gt_im2col(const float *x, int nb, const gt_conv_dims *d, float *col);
/* dx += col2im(col); dx: nb samples of [C,H,W] */
void gt_col2im_add(const float *col, int nb, const gt_conv_dims *d, float *dx);

#endif
