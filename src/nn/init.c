/* init.c — parameter initialisers with PyTorch's conventions. */
#include <math.h>

#include "gantrain/error.h"
#include "gantrain/nn.h"

int gt_fan_in(const gt_tensor *w) {
    if (w->ndim < 2) return w->ndim == 1 ? w->shape[0] : 1;
    int f = w->shape[1];
    for (int i = 2; i < w->ndim; i++) f *= w->shape[i];
    return f;
}

void gt_init_apply(gt_tensor *t, gt_init init, gt_rng *rng) {
    switch (init.kind) {
    case GT_INIT_ZEROS: gt_tensor_fill(t, 0.0f); break;
    case GT_INIT_ONES: gt_tensor_fill(t, 1.0f); break;
    case GT_INIT_CONST: gt_tensor_fill(t, init.a); break;
    case GT_INIT_UNIFORM: gt_rng_fill_uniform(rng, t->data, t->n, init.a, init.b); break;
    case GT_INIT_NORMAL: gt_rng_fill_normal(rng, t->data, t->n, init.a, init.b); break;
    case GT_INIT_KAIMING_UNIFORM: {
        /* torch.nn.init.kaiming_uniform_(w, a): bound = gain * sqrt(3 / fan_in),
         * gain = sqrt(2 / (1 + a^2)); a = sqrt(5) gives 1/sqrt(fan_in) */
        double gain = sqrt(2.0 / (1.0 + (double)init.a * init.a));
        float bound = (float)(gain * sqrt(3.0 / gt_fan_in(t)));
        gt_rng_fill_uniform(rng, t->data, t->n, -bound, bound);
        break;
    }
    case GT_INIT_FAN_IN_UNIFORM: {
        float bound = init.a > 0 ? (float)(1.0 / sqrt((double)init.a)) : 0.0f;
        gt_rng_fill_uniform(rng, t->data, t->n, -bound, bound);
        break;
    }
    default: GT_ASSERTF(0, "unknown initialiser %d", (int)init.kind);
    }
}
