/* dist.h — data-parallel training over MPI, or a single process.
 *
 * Built with Open MPI (the Makefile defines GT_MPI when mpicc exists) and
 * started by mpirun, gantrain runs one rank per process: every rank holds
 * the whole model, takes its slice of each global batch, and the gradient
 * blocks are summed with one all-reduce per network update.  Without MPI,
 * or when started without mpirun, these calls describe a world of one
 * process and do nothing.  The communicator is MPI's process-wide world.
 */
#ifndef GANTRAIN_DIST_H
#define GANTRAIN_DIST_H

#include <stdint.h>
#include <stdnoreturn.h>

/* Joins the MPI world when launched by mpirun; returns the world size. */
int gt_dist_init(int *argc, char ***argv);
void gt_dist_finalize(void);
int gt_dist_rank(void);
int gt_dist_size(void);
int gt_dist_enabled(void);             /* built with MPI and running under it */
/* In-place sums over all ranks (no-ops in a world of one). */
void gt_dist_sum_f(float *x, int64_t n);
void gt_dist_sum_d(double *x, int64_t n);
/* Non-blocking in-place sum of x[0 .. n) over all ranks (MPI_Iallreduce):
 * returns its id, or -1 when there is nothing to do (a world of one).  x
 * must stay untouched until gt_dist_wait(id) returns.  Every rank starts
 * the same non-blocking sums in the same order. */
int gt_dist_isum_f(float *x, int64_t n);
/* Lets the sums in flight advance (MPI moves data only inside its calls);
 * returns how many are still in flight.  Cheap when none is. */
int gt_dist_progress(void);
/* Whether sum `id` has completed (making progress on all of them). */
int gt_dist_test(int id);
/* Waits for sum `id` to complete and forgets it (-1: returns at once);
 * returns when its completion was first seen (gt_dist_now's clock). */
double gt_dist_wait(int id);
/* Seconds on a monotonic clock. */
double gt_dist_now(void);
/* Largest value of v over all ranks (e.g. a stop request). */
int gt_dist_max_i(int v);
void gt_dist_barrier(void);
/* A rank silent for this many seconds while this one waits in a collective
 * counts as lost: this rank then stops with a message naming it (0: wait
 * for ever).  See watchdog.h. */
void gt_dist_set_peer_timeout(double seconds);
/* Prints "gantrain: [rank R] msg" and ends every rank with status code. */
noreturn void gt_dist_abort(int code, const char *msg);
/* Seconds spent in all-reduces so far (for bench and docs/scaling.md):
 * inside blocking sums, and inside the calls that start, advance and wait
 * for non-blocking ones (the part of their time not hidden behind work). */
double gt_dist_comm_seconds(void);
/* How many all-reduces, and how many bytes each rank's buffers held (the
 * payload; what the wire carries depends on the algorithm: a ring moves
 * 2(N-1)/N of it per rank). */
int64_t gt_dist_comm_calls(void);
int64_t gt_dist_comm_bytes(void);

/* "Open MPI 4.1.4" in builds with MPI, else NULL (`gantrain version`). */
const char *gt_dist_library(void);

/* The share of a global batch of B samples that rank r of n takes:
 * [*off, *off + *count), the first B % n ranks taking one more. */
void gt_dist_slice(int B, int r, int n, int *off, int *count);

#endif
