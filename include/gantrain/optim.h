/* optim.h — Adam, RMSprop and SGD with PyTorch's update formulas and
 * defaults, stepping a whole parameter block with single loops. */
#ifndef GANTRAIN_OPTIM_H
#define GANTRAIN_OPTIM_H

#include <stdint.h>

#include "gantrain/nn.h"

typedef enum gt_optim_kind { GT_OPTIM_ADAM, GT_OPTIM_RMSPROP, GT_OPTIM_SGD } gt_optim_kind;

/* Hyperparameters are doubles, as Python floats are in torch, so that
 * derived constants such as 1 - beta2 round the same way. */
typedef struct gt_optim_cfg {
    gt_optim_kind kind;
    double lr;
    double beta1, beta2;   /* adam (torch: 0.9, 0.999) */
    double alpha;          /* rmsprop smoothing (torch: 0.99) */
    double eps;            /* adam 1e-8, rmsprop 1e-8 */
    double momentum;       /* rmsprop, sgd */
    double dampening;      /* sgd */
    double weight_decay;   /* L2 added to the gradient, as torch */
    int nesterov;         /* sgd */
    int centered;         /* rmsprop */
    int amsgrad;          /* adam */
} gt_optim_cfg;

/* torch's defaults for kind with learning rate lr */
gt_optim_cfg gt_optim_defaults(gt_optim_kind kind, double lr);

typedef struct gt_optim {
    gt_optim_cfg cfg;
    int64_t n;       /* values stepped (the block's n_values) */
    int64_t step;    /* updates done */
    float *s1;       /* adam: m; rmsprop: square_avg; sgd: momentum buffer */
    float *s2;       /* adam: v; rmsprop: momentum buffer */
    float *s3;       /* adam amsgrad: max v; rmsprop centered: grad_avg */
    int n_state;     /* how many of s1..s3 are in use (for checkpoints) */
} gt_optim;

gt_optim *gt_optim_new(gt_optim_cfg cfg, const gt_params *p);
void gt_optim_free(gt_optim *o);
/* One update of p from p->grad. */
void gt_optim_step(gt_optim *o, gt_params *p);
const char *gt_optim_name(gt_optim_kind k);

#endif
