/* gradsync.h — a network's gradient summed over the data-parallel ranks,
 * overlapped with the computation that produces it (PyTorch DDP's scheme).
 *
 * The gradient block is cut into buckets of about train.bucket_kb, whole
 * parameters each, from the end of the block (the last layers, whose
 * gradients the backward pass finishes first).  While a backward pass runs,
 * autograd reports each parameter whose gradient is final
 * (gt_ctx_set_grad_hook); a bucket whose parameters are all final is summed
 * with a non-blocking all-reduce at once, while the pass goes on with the
 * earlier layers, and every backward node gives the sums in flight a chance
 * to advance.  Buckets start in a fixed order (bucket 0 first), the same
 * on every rank.  The update waits for the sums, or (update_later) leaves
 * them in flight until settle, so that they also overlap whatever the
 * trainer does before the network is used again.
 *
 * With bucket_bytes = 0, or in a world of one, it is the plain scheme: one
 * blocking all-reduce of the whole block when the update starts.
 *
 * Contract: between gt_gradsync_begin and the update, exactly one
 * gt_backward pass adds to this network's gradient (as the trainer does);
 * the gradient block is not touched while sums are in flight.
 */
#ifndef GANTRAIN_GRADSYNC_H
#define GANTRAIN_GRADSYNC_H

#include <stdint.h>

#include "gantrain/autograd.h"
#include "gantrain/nn.h"
#include "gantrain/optim.h"

typedef struct gt_gradsync gt_gradsync;

typedef struct gt_gradsync_stats {
    int64_t updates;   /* network updates */
    int64_t buckets;   /* all-reduces started (one per update without buckets) */
    int64_t bytes;     /* their payload */
    double exposed_s;  /* the training thread's time inside them: starting,
                        * advancing and waiting (the whole all-reduce when
                        * it blocks) */
    double flight_s;   /* from the start of each update's first sum to the
                        * completion of its last one, as first seen */
} gt_gradsync_stats;

/* For the gradient block of p; bucket_bytes 0: one blocking all-reduce. */
gt_gradsync *gt_gradsync_new(gt_params *p, int64_t bucket_bytes);
/* Waits for sums still in flight (without updating), frees; NULL is fine. */
void gt_gradsync_free(gt_gradsync *s);
/* An update of this network starts: the next gt_backward on c reports its
 * finished gradients here. */
void gt_gradsync_begin(gt_gradsync *s, gt_ctx *c);
/* The gradient is complete: the sums, then o's step on the network. */
void gt_gradsync_update(gt_gradsync *s, gt_ctx *c, gt_optim *o);
/* As update, but the step waits for gt_gradsync_settle. */
void gt_gradsync_update_later(gt_gradsync *s, gt_ctx *c, gt_optim *o);
/* Finishes an update left by update_later (waits for its sums, steps);
 * nothing when there is none.  Before the network is used again. */
void gt_gradsync_settle(gt_gradsync *s);
int gt_gradsync_buckets(const gt_gradsync *s); /* 0 without buckets */
gt_gradsync_stats gt_gradsync_stats_get(const gt_gradsync *s);

/* The hook to install on a context whose backward passes feed gradsyncs:
 * with ud = the gradsync of the update in progress (begin sets it), or
 * NULL, it still advances the sums in flight. */
void gt_gradsync_hook(void *ud, gt_tensor *param);

#endif
