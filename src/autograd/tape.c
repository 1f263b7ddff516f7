/* tape.c — the context (arena + tape), recording, and the backward walk. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct gt_ctx {
    gt_arena *arena;
    gt_node **tape;
    size_t n_nodes, cap_nodes;
    int grad_enabled;
    uint32_t stamp;
    float *scratch;
    size_t scratch_n;
    uint64_t flops; /* multiply-adds x 2 of the GEMMs run so far */
    gt_reduce_fn reduce;
    /* gradient buffers recycled within one backward pass (see recycle()) */
    int recycling;
    struct block {
        float *p;
        size_t bytes;
        int free;
    } *blocks;
    size_t n_blocks, cap_blocks;
    gt_tensor **live; /* tensors holding a pending gradient (gacc) */
    size_t n_live, cap_live;
    /* gradient hook: the parameters of a gt_backward pass with the tape
     * index of the first node that uses each, in tape order */
    gt_grad_hook_fn hook;
    void *hook_ud;
    struct first_use {
        size_t k;
        gt_tensor *p;
    } *firsts;
    size_t n_firsts, cap_firsts;
};

void gt_ctx_set_reducer(gt_ctx *c, gt_reduce_fn fn) { c->reduce = fn; }
gt_reduce_fn gt_ctx_reducer(const gt_ctx *c) { return c->reduce; }

void gt_ctx_set_grad_hook(gt_ctx *c, gt_grad_hook_fn fn, void *ud) {
    c->hook = fn;
    c->hook_ud = ud;
}

void gt_ctx_add_flops(gt_ctx *c, double f) { c->flops += (uint64_t)f; }
uint64_t gt_ctx_flops(const gt_ctx *c) { return c->flops; }

gt_ctx *gt_ctx_new(size_t arena_cap_bytes) {
    gt_ctx *c = gt_xcalloc(1, sizeof *c);
    c->arena = gt_arena_new(arena_cap_bytes);
    c->grad_enabled = 1;
    return c;
}

void gt_ctx_free(gt_ctx *c) {
    if (!c) return;
    gt_arena_free(c->arena);
    free(c->tape);
    free(c->scratch);
    free(c->blocks);
    free(c->live);
    free(c->firsts);
    free(c);
}

void gt_ctx_reset(gt_ctx *c) {
    c->n_nodes = 0;
    gt_arena_reset(c->arena);
}

gt_arena *gt_ctx_arena(gt_ctx *c) { return c->arena; }
size_t gt_ctx_tape_len(const gt_ctx *c) { return c->n_nodes; }

int gt_set_grad_enabled(gt_ctx *c, int on) {
    int old = c->grad_enabled;
    c->grad_enabled = on;
    return old;
}

int gt_grad_enabled(const gt_ctx *c) { return c->grad_enabled; }

float *gt_ctx_scratch(gt_ctx *c, size_t n) {
    if (n > c->scratch_n) {
        free(c->scratch);
        c->scratch = aligned_alloc(64, ((n * sizeof(float)) + 63) & ~(size_t)63);
        if (!c->scratch) gt_fatal("out of memory: %zu MiB of kernel workspace", n >> 18);
        c->scratch_n = n;
    }
    return c->scratch;
}

/* ---- arena tensors ------------------------------------------------------ */

gt_tensor *gt_new(gt_ctx *c, int ndim, const int *shape) {
    if (!c->recycling) return gt_tensor_arena(c->arena, ndim, shape);
    /* during a backward pass: the data goes in a block of the pass, a free
     * one of a fitting size when there is one */
    gt_tensor *t = gt_tensor_view_arena(c->arena, NULL, ndim, shape);
    size_t bytes = (size_t)(t->n ? t->n : 1) * sizeof(float);
    struct block *best = NULL;
    for (size_t i = 0; i < c->n_blocks; i++) {
        struct block *b = &c->blocks[i];
        if (b->free && b->bytes >= bytes && b->bytes - bytes <= bytes / 4 && (!best || b->bytes < best->bytes))
            best = b;
    }
    if (!best) {
        if (c->n_blocks == c->cap_blocks) {
            c->cap_blocks = c->cap_blocks ? 2 * c->cap_blocks : 256;
            c->blocks = gt_xrealloc(c->blocks, c->cap_blocks * sizeof *c->blocks);
        }
        best = &c->blocks[c->n_blocks++];
        best->p = gt_arena_alloc(c->arena, bytes);
        best->bytes = bytes;
    }
    best->free = 0;
    t->data = best->p;
    return t;
}

gt_tensor *gt_zeros(gt_ctx *c, int ndim, const int *shape) {
    gt_tensor *t = gt_new(c, ndim, shape);
    memset(t->data, 0, (size_t)t->n * sizeof(float));
    return t;
}

gt_tensor *gt_full(gt_ctx *c, int ndim, const int *shape, float v) {
    gt_tensor *t = gt_new(c, ndim, shape);
    gt_tensor_fill(t, v);
    return t;
}

gt_tensor *gt_zeros_like(gt_ctx *c, const gt_tensor *t) { return gt_zeros(c, t->ndim, t->shape); }

gt_tensor *gt_from_data(gt_ctx *c, const float *data, int ndim, const int *shape) {
    gt_tensor *t = gt_new(c, ndim, shape);
    memcpy(t->data, data, (size_t)t->n * sizeof(float));
    return t;
}

gt_tensor *gt_scalar(gt_ctx *c, float v) { return gt_full(c, 0, NULL, v); }

void gt_requires_grad(gt_tensor *t) { t->flags |= GT_T_REQUIRES_GRAD; }

gt_tensor *gt_detach(gt_ctx *c, gt_tensor *t) {
    return gt_tensor_view_arena(c->arena, t->data, t->ndim, t->shape);
}

/* ---- recording ---------------------------------------------------------- */

gt_node *gt_record(gt_ctx *c, const gt_opdef *def, gt_tensor *out, int n_in, gt_tensor **in) {
    if (!c->grad_enabled) return NULL;
    int any = 0;
    for (int i = 0; i < n_in; i++)
        if (in[i] && (in[i]->flags & GT_T_REQUIRES_GRAD)) any = 1;
    if (!any) return NULL;
    gt_node *n = gt_arena_calloc(c->arena, sizeof *n);
    n->def = def;
    n->out = out;
    n->n_in = n_in;
    n->in = gt_arena_alloc(c->arena, (size_t)n_in * sizeof *n->in);
    memcpy(n->in, in, (size_t)n_in * sizeof *n->in);
    out->node = n;
    out->flags |= GT_T_REQUIRES_GRAD;
    if (c->n_nodes == c->cap_nodes) {
        c->cap_nodes = c->cap_nodes ? 2 * c->cap_nodes : 1024;
        c->tape = gt_xrealloc(c->tape, c->cap_nodes * sizeof *c->tape);
    }
    c->tape[c->n_nodes++] = n;
    return n;
}

/* ---- backward ----------------------------------------------------------- */

/* A tensor is on the path when it is marked with this pass's stamp. */
static int wanted_param(const gt_tensor *t, int to_params) {
    return to_params && (t->flags & GT_T_PARAM) && (t->flags & GT_T_REQUIRES_GRAD);
}

static void live_add(gt_ctx *c, gt_tensor *t) {
    if (!c->recycling) return;
    for (size_t i = 0; i < c->n_live; i++)
        if (c->live[i] == t) return;
    if (c->n_live == c->cap_live) {
        c->cap_live = c->cap_live ? 2 * c->cap_live : 64;
        c->live = gt_xrealloc(c->live, c->cap_live * sizeof *c->live);
    }
    c->live[c->n_live++] = t;
}

static void live_remove(gt_ctx *c, gt_tensor *t) {
    for (size_t i = 0; i < c->n_live; i++)
        if (c->live[i] == t) {
            c->live[i] = c->live[--c->n_live];
            return;
        }
}

/* After a node's backward: every block of this pass that no pending
 * gradient points into (the consumed gradient, the vjp's temporaries,
 * gradients already added into a sum or into a parameter's grad) is free for
 * the next allocations.  PyTorch frees these by reference counting; here the
 * pending gradients are few, so asking each block whether one of them lies
 * in it is cheap.  Only for passes that record nothing (create_graph off):
 * a recorded graph keeps its tensors. */
static void recycle(gt_ctx *c) {
    for (size_t i = 0; i < c->n_blocks; i++) {
        struct block *b = &c->blocks[i];
        if (b->free) continue;
        const char *lo = (const char *)b->p, *hi = lo + b->bytes;
        int used = 0;
        for (size_t j = 0; j < c->n_live && !used; j++) {
            const char *d = (const char *)c->live[j]->gacc->data;
            used = d >= lo && d < hi;
        }
        b->free = !used;
    }
}

static void accumulate(gt_ctx *c, gt_tensor *t, gt_tensor *g, int to_params) {
    if (!gt_shape_eq(t, g)) {
        GT_ASSERTF(t->n == g->n, "gradient of shape %s for tensor of shape %s", GT_SHAPE_STR(g),
                   GT_SHAPE_STR(t));
        g = gt_reshape(c, g, t->ndim, t->shape);
    }
    if (wanted_param(t, to_params)) {
        float *dst = t->grad;
        const float *src = g->data;
        GT_OMP_FOR(t->n)
        for (int64_t i = 0; i < t->n; i++) dst[i] += src[i];
        return;
    }
    t->gacc = t->gacc ? gt_add(c, t->gacc, g) : g;
    live_add(c, t);
}

/* After the nodes from index k on have run their backward: reports the
 * parameters no remaining node adds to, then gives the hook its tick. */
static void notify(gt_ctx *c, size_t k) {
    if (!c->hook) return;
    while (c->n_firsts > 0 && c->firsts[c->n_firsts - 1].k >= k) c->hook(c->hook_ud, c->firsts[--c->n_firsts].p);
    c->hook(c->hook_ud, NULL);
}

static int run_backward(gt_ctx *c, gt_tensor *out, gt_tensor *seed, int n_want, gt_tensor **want,
                        int create_graph, int to_params) {
    size_t end = c->n_nodes;
    uint32_t stamp = ++c->stamp;
    if (stamp == 0) stamp = ++c->stamp; /* 0 means unmarked */

    for (int i = 0; i < n_want; i++) {
        want[i]->mark = stamp;
        want[i]->gacc = NULL;
    }
    /* forward sweep: mark every node output that depends on a wanted tensor */
    int hooked = c->hook && to_params;
    c->n_firsts = 0;
    for (size_t k = 0; k < end; k++) {
        gt_node *n = c->tape[k];
        if (hooked) {
            /* a parameter's gradient is final once the earliest node that
             * uses it has run its backward (parameters are leaves: marking
             * them changes nothing else in this pass) */
            for (int i = 0; i < n->n_in; i++) {
                gt_tensor *t = n->in[i];
                if (t && wanted_param(t, to_params) && t->mark != stamp) {
                    t->mark = stamp;
                    if (c->n_firsts == c->cap_firsts) {
                        c->cap_firsts = c->cap_firsts ? 2 * c->cap_firsts : 256;
                        c->firsts = gt_xrealloc(c->firsts, c->cap_firsts * sizeof *c->firsts);
                    }
                    c->firsts[c->n_firsts++] = (struct first_use){k, t};
                }
            }
        }
        if (n->out->mark == stamp) continue; /* a wanted non-leaf */
        for (int i = 0; i < n->n_in; i++) {
            gt_tensor *t = n->in[i];
            if (t && (t->mark == stamp || wanted_param(t, to_params))) {
                n->out->mark = stamp;
                n->out->gacc = NULL;
                break;
            }
        }
    }
    if (out->mark != stamp) {
        /* out does not depend on what is wanted */
        notify(c, 0);
        return GT_OK;
    }

    int old = gt_set_grad_enabled(c, create_graph);
    if (seed) {
        GT_ASSERTF(seed->n == out->n, "backward seed of %lld elements for output of %lld",
                   (long long)seed->n, (long long)out->n);
        out->gacc = seed;
    } else {
        out->gacc = gt_full(c, out->ndim, out->shape, 1.0f);
    }

    /* recycling needs every pending gradient in c->live: wanted tensors
     * keep theirs to the end */
    c->recycling = !create_graph;
    c->n_blocks = c->n_live = 0;
    live_add(c, out);
    int rc = GT_OK;
    int need[16];
    gt_tensor *gin[16];
    for (size_t k = end; k-- > 0;) {
        gt_node *n = c->tape[k];
        gt_tensor *g = n->out->gacc;
        if (n->out->mark != stamp || !g) continue;
        int any = 0;
        int ni = n->n_in < 16 ? n->n_in : 16;
        for (int i = 0; i < ni; i++) {
            gt_tensor *t = n->in[i];
            need[i] = t && (t->mark == stamp || wanted_param(t, to_params));
            gin[i] = NULL;
            any |= need[i];
        }
        if (!any) continue;
        if (!n->def->vjp) {
            rc = gt_error_set("cannot differentiate '%s' here: %s", n->def->name,
                              n->def->why_not ? n->def->why_not : "it has no backward rule");
            break;
        }
        if (n->n_in > 16) {
            /* only concat has that many inputs: give it a larger buffer */
            int *nd = gt_arena_alloc(c->arena, (size_t)n->n_in * sizeof *nd);
            gt_tensor **gd = gt_arena_calloc(c->arena, (size_t)n->n_in * sizeof *gd);
            for (int i = 0; i < n->n_in; i++) {
                gt_tensor *t = n->in[i];
                nd[i] = t && (t->mark == stamp || wanted_param(t, to_params));
            }
            n->def->vjp(c, n, g, gd, nd);
            for (int i = 0; i < n->n_in; i++)
                if (nd[i] && gd[i]) accumulate(c, n->in[i], gd[i], to_params);
        } else {
            n->def->vjp(c, n, g, gin, need);
            for (int i = 0; i < ni; i++)
                if (need[i] && gin[i]) accumulate(c, n->in[i], gin[i], to_params);
        }
        /* this output's gradient is complete and used; drop the reference
         * unless the caller asked for it */
        int keep = 0;
        for (int i = 0; i < n_want; i++) keep |= want[i] == n->out;
        if (!keep) {
            n->out->gacc = NULL;
            live_remove(c, n->out);
        }
        if (c->recycling) recycle(c);
        notify(c, k);
    }
    if (rc == GT_OK) notify(c, 0);
    c->n_firsts = 0;
    c->recycling = 0;
    c->n_blocks = c->n_live = 0;
    gt_set_grad_enabled(c, old);
    return rc;
}

int gt_backward(gt_ctx *c, gt_tensor *loss) {
    GT_ASSERTF(loss->n == 1, "backward from a loss of shape %s: reduce it to one value first",
               GT_SHAPE_STR(loss));
    return run_backward(c, loss, NULL, 0, NULL, 0, 1);
}

int gt_grad(gt_ctx *c, gt_tensor *out, gt_tensor *seed, int n, gt_tensor **inputs,
            gt_tensor **grads, int create_graph) {
    int rc = run_backward(c, out, seed, n, inputs, create_graph, 0);
    for (int i = 0; i < n; i++) {
        gt_tensor *g = rc == GT_OK ? inputs[i]->gacc : NULL;
        grads[i] = g ? g : gt_zeros_like(c, inputs[i]);
        inputs[i]->gacc = NULL;
    }
    return rc;
}
