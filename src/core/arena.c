/* arena.c — chunked bump allocator reset once per step (see arena.h). */
#include "gantrain/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"

#define ALIGN 64
#define CHUNK_MIN ((size_t)64 << 20)

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    unsigned char *mem;
} chunk;

struct gt_arena {
    chunk *head;     /* chunks in allocation order */
    chunk *cur;      /* chunk being filled */
    size_t reserved, used, peak, cap;
};

gt_arena *gt_arena_new(size_t cap_bytes) {
    gt_arena *a = gt_xcalloc(1, sizeof *a);
    a->cap = cap_bytes ? cap_bytes : ((size_t)16 << 30);
    return a;
}

void gt_arena_free(gt_arena *a) {
    if (!a) return;
    for (chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c->mem);
        free(c);
    }
    free(a);
}

void gt_arena_set_cap(gt_arena *a, size_t cap_bytes) { a->cap = cap_bytes; }

static chunk *chunk_new(gt_arena *a, size_t size) {
    if (a->reserved + size > a->cap)
        gt_fatal("out of step memory: this step needs more than %zu MiB of activations; "
                 "raise train.arena_mb or lower train.batch_size",
                 a->cap >> 20);
    chunk *c = gt_xcalloc(1, sizeof *c);
    c->mem = aligned_alloc(ALIGN, size);
    if (!c->mem) gt_fatal("out of memory: cannot reserve %zu MiB of step memory", size >> 20);
    c->size = size;
    a->reserved += size;
    return c;
}

void *gt_arena_alloc(gt_arena *a, size_t bytes) {
    size_t need = (bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need == 0) need = ALIGN;
    /* walk forward through already reserved chunks before asking for more */
    for (chunk *c = a->cur ? a->cur : a->head; c; c = c->next) {
        if (c->size - c->used >= need) {
            void *p = c->mem + c->used;
            c->used += need;
            a->cur = c;
            a->used += need;
            if (a->used > a->peak) a->peak = a->used;
            return p;
        }
        if (!c->next) break;
    }
    /* chunks grow by half of what is reserved: a request that does not fit
     * leaves the rest of its chunk unused for this step, and in large
     * chunks that rest is a small fraction (pages never touched cost no
     * memory) */
    size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
    if (size < a->reserved / 2) size = (a->reserved / 2 + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (a->reserved + size > a->cap) size = need; /* near the cap: only what is asked */
    chunk *c = chunk_new(a, size);
    /* append at the end so reset order is allocation order */
    chunk **tail = &a->head;
    while (*tail) tail = &(*tail)->next;
    *tail = c;
    c->used = need;
    a->cur = c;
    a->used += need;
    if (a->used > a->peak) a->peak = a->used;
    return c->mem;
}

void *gt_arena_calloc(gt_arena *a, size_t bytes) {
    void *p = gt_arena_alloc(a, bytes);
    memset(p, 0, bytes);
    return p;
}

void gt_arena_reset(gt_arena *a) {
    for (chunk *c = a->head; c; c = c->next) c->used = 0;
    a->cur = a->head;
    a->used = 0;
}

size_t gt_arena_used(const gt_arena *a) { return a->used; }
size_t gt_arena_peak(const gt_arena *a) { return a->peak; }
size_t gt_arena_reserved(const gt_arena *a) { return a->reserved; }
