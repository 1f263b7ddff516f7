/* internal.h — what the op files share: nodes, op definitions, recording,
 * and the broadcasting/loop helpers.  Not part of the public API. */
#ifndef GANTRAIN_AUTOGRAD_INTERNAL_H
#define GANTRAIN_AUTOGRAD_INTERNAL_H

#include "gantrain/autograd.h"
#include "gantrain/error.h"
#include "gantrain/threads.h"

struct gt_node;

/* Computes into gin[i] the vector-Jacobian product for each input i with
 * need[i] set, using public ops (so that it records when create_graph).  A
 * NULL result means "identically zero". */
typedef void (*gt_vjp_fn)(gt_ctx *c, struct gt_node *n, gt_tensor *g, gt_tensor **gin,
                          const int *need);

typedef struct gt_opdef {
    const char *name;
    gt_vjp_fn vjp; /* NULL: not differentiable (again); a clear error if reached */
    const char *why_not; /* with vjp NULL: the error's advice */
} gt_opdef;

typedef struct gt_node {
    const gt_opdef *def;
    gt_tensor *out;
    gt_tensor **in;
    int n_in;
    int iarg[8];
    float farg[4];
    void *saved; /* op-specific extra state, in the arena */
} gt_node;

/* If recording is on and an input requires grad, appends a node for `out`
 * and returns it (for the op to fill its arguments); else NULL. */
gt_node *gt_record(gt_ctx *c, const gt_opdef *def, gt_tensor *out, int n_in, gt_tensor **in);
#define GT_RECORD(c, def, out, ...)                                                    \
    gt_record((c), (def), (out), (int)(sizeof((gt_tensor *[]){__VA_ARGS__}) /           \
                                       sizeof(gt_tensor *)),                           \
              (gt_tensor *[]){__VA_ARGS__})

/* Numpy broadcasting over 4 padded dims. */
typedef struct gt_bcast {
    int ndim;        /* result rank */
    int shape[4];    /* result shape (ndim dims) */
    int od[4];       /* result shape padded on the left to 4 */
    int64_t as[4];   /* a's strides per padded dim, 0 where broadcast */
    int64_t bs[4];
} gt_bcast;
/* Fills bc; aborts with both shapes when they do not broadcast. */
void gt_bcast_init(gt_bcast *bc, const gt_tensor *a, const gt_tensor *b, const char *op);
/* Right-aligned padding of a shape to 4 dims. */
void gt_pad4(int ndim, const int *shape, int out[4]);

/* Gradient for an input of shape like t: sums g down when it was broadcast. */
gt_tensor *gt_unbroadcast(gt_ctx *c, gt_tensor *g, const gt_tensor *t);

/* Flattened index helpers for (outer, dim, inner) views of a shape. */
void gt_split_dim(const gt_tensor *t, int dim, int64_t *outer, int *len, int64_t *inner);
int gt_norm_dim(const gt_tensor *t, int dim);


#endif
