/* gradcheck.h — shared checking of an op against PyTorch fixtures and
 * central finite differences (first and second order). */
#ifndef GANTRAIN_GRADCHECK_H
#define GANTRAIN_GRADCHECK_H

#include "gantrain/autograd.h"

/* Builds the op's output from its inputs. */
typedef gt_tensor *(*gt_check_fn)(gt_ctx *c, gt_tensor **x);

/* max|a-b| / max(max|b|, floor) */
double gt_check_err(const gt_tensor *a, const gt_tensor *b, double floor);

/* Central differences of L(x) = sum(fn(x) * r) over input `which`, at up to
 * max_points elements spread over the tensor; fd[k] for checked elements.
 * Returns the max error against `analytic` relative to max(|analytic|, floor). */
double gt_check_fd(gt_check_fn fn, gt_tensor **x, int n_in, int which, const gt_tensor *r,
                   const gt_tensor *analytic, double eps, int max_points);

/* Same for the second-order quantity z(x) = sum_j <d L / d x_j, s_j> over
 * the inputs listed in diff (n_diff of them), differentiated in input which. */
double gt_check_fd2(gt_check_fn fn, gt_tensor **x, int n_in, const int *diff, int n_diff,
                    int which, const gt_tensor *r, gt_tensor **s, const gt_tensor *analytic,
                    double eps, int max_points);

#endif
