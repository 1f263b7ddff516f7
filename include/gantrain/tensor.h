/* tensor.h — float32, contiguous, row-major tensors of up to 4 dimensions.
 *
 * A tensor is a shape and a pointer to data; it does not say who owns the
 * data.  Three owners exist (see DESIGN.md): a parameter block (parameters,
 * their gradients, optimizer state), the step arena (activations, graph
 * nodes, gradients of one step), and the heap (gt_tensor_new/_free, for
 * datasets, fixed sample noise, evaluator state).
 */
#ifndef GANTRAIN_TENSOR_H
#define GANTRAIN_TENSOR_H

#include <stdint.h>
#include <stdio.h>

#include "gantrain/arena.h"

#define GT_MAX_DIMS 4

enum {
    GT_T_REQUIRES_GRAD = 1u << 0, /* gradients flow to / through it */
    GT_T_PARAM = 1u << 1,         /* a leaf living in a parameter block */
    GT_T_HEAP = 1u << 2,          /* struct and data from gt_tensor_new */
};

struct gt_node;

typedef struct gt_tensor {
    float *data;
    int64_t n;                  /* number of elements */
    int ndim;                   /* 0 (scalar) .. 4 */
    int shape[GT_MAX_DIMS];
    unsigned flags;
    struct gt_node *node;       /* op that made it while recording, else NULL */
    float *grad;                /* parameters: their slot in the gradient block */
    const char *name;           /* parameters: e.g. "d.conv1.weight" */
    /* scratch of a backward pass (autograd/tape.c) */
    struct gt_tensor *gacc;     /* gradient accumulated so far */
    uint32_t mark;              /* pass stamp: on a path to a wanted input */
} gt_tensor;

/* Shape helpers.  Shapes are given as (ndim, dims...) lists. */
int64_t gt_shape_numel(int ndim, const int *shape);
int gt_shape_eq(const gt_tensor *a, const gt_tensor *b);
/* "[64, 1, 28, 28]" into buf; returns buf. */
char *gt_shape_str(const gt_tensor *t, char *buf, size_t size);
#define GT_SHAPE_STR(t) gt_shape_str((t), (char[64]){0}, 64)

/* Heap tensors (zero-filled).  gt_tensor_free accepts NULL. */
gt_tensor *gt_tensor_new(int ndim, const int *shape);
gt_tensor *gt_tensor_new4(int d0, int d1, int d2, int d3); /* trailing 0s drop dims */
void gt_tensor_free(gt_tensor *t);

/* Arena tensors (uninitialised data).  Valid until the arena's reset. */
gt_tensor *gt_tensor_arena(gt_arena *a, int ndim, const int *shape);
gt_tensor *gt_tensor_arena_like(gt_arena *a, const gt_tensor *t);
/* A view header over existing data (no copy), in the arena. */
gt_tensor *gt_tensor_view_arena(gt_arena *a, float *data, int ndim, const int *shape);

/* Dimension d of t counted from the end when negative. */
int gt_tensor_dim(const gt_tensor *t, int d);

void gt_tensor_fill(gt_tensor *t, float v);
void gt_tensor_copy(gt_tensor *dst, const gt_tensor *src); /* same numel */
/* Max |a-b| / max(max|b|, tiny): the error measure of the tests. */
double gt_tensor_max_rel_err(const gt_tensor *a, const gt_tensor *b);
double gt_tensor_max_abs(const gt_tensor *t);
void gt_tensor_print(FILE *f, const char *label, const gt_tensor *t, int max_items);

#endif
