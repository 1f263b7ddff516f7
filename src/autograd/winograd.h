/* winograd.h — 3x3 stride-1 convolution by Winograd's minimal filtering
 * F(2x2, 3x3): each 2x2 output tile costs 16 multiplies instead of 36, so
 * the three convolution passes (forward, backward-data as a flipped-kernel
 * forward, backward-weight) run 2.25x fewer multiply-adds, as 16 sgemm
 * calls per chunk of samples. */
#ifndef GANTRAIN_WINOGRAD_H
#define GANTRAIN_WINOGRAD_H

#include "gantrain/autograd.h"
#include "im2col.h"

/* Whether conv dims d with OC output channels go through Winograd. */
int gt_winograd_applies(const gt_conv_dims *d, int OC);
/* y[N,OC,OH,OW] = conv(x, w[OC,C,3,3]) (overwrites y) */
void gt_winograd_fwd(gt_ctx *c, const float *x, int N, const gt_conv_dims *d, const float *w,
                     int OC, float *y);
/* dw[OC,C,3,3] = d conv / d w for output gradient dy (overwrites dw) */
void gt_winograd_wgrad(gt_ctx *c, const float *x, const float *dy, int N, const gt_conv_dims *d,
                       int OC, float *dw);

#endif
