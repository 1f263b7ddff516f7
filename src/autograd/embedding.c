/* embedding.c — table lookup by integer index and its adjoint scatter-add. */
#include <string.h>

#include "internal.h"

static int index_at(const gt_tensor *idx, int64_t i, int vocab) {
    float v = idx->data[i];
    int k = (int)v;
    GT_ASSERTF((float)k == v && k >= 0 && k < vocab, "embedding: index %g not in 0..%d", (double)v,
               vocab - 1);
    return k;
}

static void vjp_embedding(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin, const int *need) {
    if (need[1]) gin[1] = gt_embedding_backward(c, g, n->in[0], n->in[1]->shape[0]);
    /* indices are discrete: no gradient */
}
static const gt_opdef op_embedding = {"embedding", vjp_embedding, NULL};

gt_tensor *gt_embedding(gt_ctx *c, gt_tensor *idx, gt_tensor *w) {
    GT_ASSERTF(w->ndim == 2, "embedding: table %s must be [vocab, dim]", GT_SHAPE_STR(w));
    int V = w->shape[0], D = w->shape[1];
    int64_t N = idx->n;
    gt_tensor *o = gt_new(c, 2, (int[]){(int)N, D});
    for (int64_t i = 0; i < N; i++)
        memcpy(o->data + i * D, w->data + (int64_t)index_at(idx, i, V) * D, (size_t)D * sizeof(float));
    GT_RECORD(c, &op_embedding, o, idx, w);
    return o;
}

static void vjp_embedding_backward(gt_ctx *c, gt_node *n, gt_tensor *g, gt_tensor **gin,
                                   const int *need) {
    if (need[0]) gin[0] = gt_embedding(c, n->in[1], g);
}
static const gt_opdef op_embedding_backward = {"embedding_backward", vjp_embedding_backward, NULL};

gt_tensor *gt_embedding_backward(gt_ctx *c, gt_tensor *g, gt_tensor *idx, int vocab) {
    int64_t N = idx->n;
    GT_ASSERTF(g->ndim == 2 && g->shape[0] == N, "embedding_backward: gradient %s for %lld indices",
               GT_SHAPE_STR(g), (long long)N);
    int D = g->shape[1];
    gt_tensor *o = gt_zeros(c, 2, (int[]){vocab, D});
    for (int64_t i = 0; i < N; i++) {
        float *row = o->data + (int64_t)index_at(idx, i, vocab) * D;
        const float *src = g->data + i * D;
        for (int j = 0; j < D; j++) row[j] += src[j];
    }
    GT_RECORD(c, &op_embedding_backward, o, g, idx);
    return o;
}
