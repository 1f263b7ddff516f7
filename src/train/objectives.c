/* objectives.c — names of the objectives and the WGAN-GP gradient penalty. */
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/train.h"

static const char *const names[] = {"ns", "mm", "ls", "wgan", "wgan-gp", "began"};

gt_objective gt_objective_parse(const char *name) {
    for (int i = 0; i < 6; i++)
        if (!strcmp(names[i], name)) return (gt_objective)i;
    GT_ASSERTF(0, "objective '%s' allowed by the schema but unknown", name);
    return GT_OBJ_NS;
}

const char *gt_objective_name(gt_objective o) { return names[o]; }

gt_tensor *gt_gradient_penalty(gt_ctx *c, gt_critic_fn critic, void *ud, gt_tensor *real,
                               gt_tensor *fake, const float *alpha, float lambda, int *rc) {
    int N = real->shape[0], sh[4] = {N, 1, 1, 1};
    GT_ASSERTF(gt_shape_eq(real, fake), "gradient penalty: real %s and fake %s differ",
               GT_SHAPE_STR(real), GT_SHAPE_STR(fake));
    gt_tensor *a = gt_from_data(c, alpha, real->ndim, sh);
    /* x_hat = a real + (1 - a) fake, a leaf of its own */
    gt_tensor *xh = gt_add(c, gt_mul(c, a, gt_detach(c, real)),
                           gt_mul(c, gt_affine(c, a, -1.0f, 1.0f), gt_detach(c, fake)));
    xh = gt_detach(c, xh);
    gt_requires_grad(xh);
    gt_tensor *g;
    *rc = gt_grad(c, gt_sum(c, critic(c, ud, xh), GT_ALL, 0), NULL, 1, &xh, &g, 1);
    gt_tensor *norm = gt_sqrt(c, gt_sum(c, gt_square(c, gt_flatten(c, g)), 1, 0));
    return gt_scale(c, gt_mean(c, gt_square(c, gt_add_scalar(c, norm, -1.0f)), GT_ALL, 0), lambda);
}
