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
/* Largest value of v over all ranks (e.g. a stop request). */
int gt_dist_max_i(int v);
void gt_dist_barrier(void);
/* Prints "gantrain: [rank R] msg" and ends every rank with status code. */
noreturn void gt_dist_abort(int code, const char *msg);
/* Seconds spent in all-reduces so far (for bench and docs/scaling.md). */
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
