/* dist.c — the MPI world (GT_MPI builds) or a world of one process. */
#include "gantrain/dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef GT_MPI
#include <mpi.h>
#endif

static int dist_on, dist_rank, dist_size = 1;
static double comm_seconds;
static int64_t comm_calls, comm_bytes; /* all-reduces and the bytes each rank contributed */

#ifdef GT_MPI
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
#endif

int gt_dist_init(int *argc, char ***argv) {
#ifdef GT_MPI
    /* only join MPI when a launcher started us: a plain run of the MPI
     * build stays a plain single process */
    if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK")) {
        int provided;
        MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &dist_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &dist_size);
        dist_on = 1;
    }
#else
    (void)argc;
    (void)argv;
#endif
    return dist_size;
}

void gt_dist_finalize(void) {
#ifdef GT_MPI
    if (dist_on) MPI_Finalize();
#endif
    dist_on = 0;
}

int gt_dist_rank(void) { return dist_rank; }
int gt_dist_size(void) { return dist_size; }
int gt_dist_enabled(void) { return dist_on; }
double gt_dist_comm_seconds(void) { return comm_seconds; }
int64_t gt_dist_comm_calls(void) { return comm_calls; }
int64_t gt_dist_comm_bytes(void) { return comm_bytes; }

void gt_dist_sum_f(float *x, int64_t n) {
#ifdef GT_MPI
    if (!dist_on || dist_size == 1) return;
    double t0 = now();
    /* MPI counts are ints: large blocks go in pieces */
    for (int64_t o = 0; o < n; o += 1 << 30) {
        int k = (int)(n - o < (1 << 30) ? n - o : (1 << 30));
        MPI_Allreduce(MPI_IN_PLACE, x + o, k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        comm_calls++;
    }
    comm_bytes += n * (int64_t)sizeof(float);
    comm_seconds += now() - t0;
#else
    (void)x;
    (void)n;
#endif
}

void gt_dist_sum_d(double *x, int64_t n) {
#ifdef GT_MPI
    if (!dist_on || dist_size == 1) return;
    double t0 = now();
    for (int64_t o = 0; o < n; o += 1 << 30) {
        int k = (int)(n - o < (1 << 30) ? n - o : (1 << 30));
        MPI_Allreduce(MPI_IN_PLACE, x + o, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        comm_calls++;
    }
    comm_bytes += n * (int64_t)sizeof(double);
    comm_seconds += now() - t0;
#else
    (void)x;
    (void)n;
#endif
}

int gt_dist_max_i(int v) {
#ifdef GT_MPI
    if (dist_on && dist_size > 1) MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
    return v;
}

void gt_dist_barrier(void) {
#ifdef GT_MPI
    if (dist_on && dist_size > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void gt_dist_abort(int code, const char *msg) {
    fflush(stdout);
    if (dist_size > 1)
        fprintf(stderr, "gantrain: [rank %d of %d] %s\n", dist_rank, dist_size, msg);
    else
        fprintf(stderr, "gantrain: %s\n", msg);
#ifdef GT_MPI
    if (dist_on && dist_size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    exit(code);
}

const char *gt_dist_library(void) {
#ifdef GT_MPI
    /* the MPI this binary was compiled against (no MPI call needed) */
#if defined(OMPI_MAJOR_VERSION)
#define GT_STR2(x) #x
#define GT_STR(x) GT_STR2(x)
    return "Open MPI " GT_STR(OMPI_MAJOR_VERSION) "." GT_STR(OMPI_MINOR_VERSION) "." GT_STR(OMPI_RELEASE_VERSION);
#else
    return "MPI";
#endif
#else
    return NULL;
#endif
}

void gt_dist_slice(int B, int r, int n, int *off, int *count) {
    int base = B / n, extra = B % n;
    *count = base + (r < extra);
    *off = r * base + (r < extra ? r : extra);
}
