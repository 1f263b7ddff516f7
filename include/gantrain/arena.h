/* arena.h — bump allocator for everything that lives for one training step.
 *
 * Activations, gradients and graph nodes of a step are carved out of chunks
 * that are kept between steps; gt_arena_reset() makes them all free again
 * without touching the system allocator, so a steady-state step allocates
 * nothing.  Exceeding the configured cap is fatal with a message naming the
 * setting to raise.
 */
#ifndef GANTRAIN_ARENA_H
#define GANTRAIN_ARENA_H

#include <stddef.h>

typedef struct gt_arena gt_arena;

/* cap_bytes: hard limit on the total held (0 = 16 GiB). */
gt_arena *gt_arena_new(size_t cap_bytes);
void gt_arena_free(gt_arena *a);
/* 64-byte aligned, uninitialised. Never returns NULL. */
void *gt_arena_alloc(gt_arena *a, size_t bytes);
void *gt_arena_calloc(gt_arena *a, size_t bytes);
void gt_arena_reset(gt_arena *a);
size_t gt_arena_used(const gt_arena *a);      /* bytes handed out since reset */
size_t gt_arena_peak(const gt_arena *a);      /* high-water mark over all steps */
size_t gt_arena_reserved(const gt_arena *a);  /* bytes held from the system */
void gt_arena_set_cap(gt_arena *a, size_t cap_bytes);

#endif
