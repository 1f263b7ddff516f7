/* dist.c — the MPI world (GT_MPI builds) or a world of one process. */
#include "gantrain/dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/error.h"
#include "gantrain/watchdog.h"

#ifdef GT_MPI
#include <mpi.h>
#endif

static int dist_on, dist_rank, dist_size = 1;
static double comm_seconds;
static int64_t comm_calls, comm_bytes; /* all-reduces and the bytes each rank contributed */

#ifdef GT_MPI
/* Non-blocking sums run on a duplicate of the world: their order among
 * themselves is the same on every rank (each rank's backward pass finishes
 * the same gradients in the same order), and blocking sums on the world
 * (batch norm, figures) may run while they are in flight. */
static MPI_Comm async_comm = MPI_COMM_NULL;
enum { MAX_ASYNC = 256 };
static MPI_Request async_req[MAX_ASYNC];
static int async_done[MAX_ASYNC]; /* completed, slot not yet collected by gt_dist_wait */
static int async_used[MAX_ASYNC];
static int async_n;               /* slots in use */
static double async_t_done[MAX_ASYNC]; /* when completion was first seen */
#endif

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
#if defined(OMPI_MAJOR_VERSION)
        /* The gradient buckets' non-blocking sums: Open MPI's default for
         * an in-place MPI_Iallreduce is a binomial tree (every byte goes to
         * rank 0 and back, one after the other: twice the time of a
         * bandwidth-optimal sum on two ranks, measured in docs/scaling.md).
         * Rabenseifner's reduce-scatter + all-gather sends 2(N-1)/N of the
         * payload per rank, and its per-element order of additions does not
         * depend on where a bucket starts or ends.  Unless the user chose
         * (an --mca option or the environment reaches us as this variable). */
        setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0);
#endif
        int provided;
        MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &dist_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &dist_size);
        MPI_Comm_dup(MPI_COMM_WORLD, &async_comm);
        dist_on = 1;
        if (dist_size > 1) {
            /* every rank's heartbeat address, and a number that tells this
             * run's heartbeats from another's */
            gt_watchdog_card mine, *all = gt_xcalloc((size_t)dist_size, sizeof *all);
            if (gt_watchdog_open(&mine) != 0) memset(&mine, 0, sizeof mine);
            MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, MPI_COMM_WORLD);
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            unsigned long long nonce = ((unsigned long long)t.tv_sec << 32) ^ (unsigned long long)t.tv_nsec ^
                                       ((unsigned long long)getpid() << 16);
            MPI_Bcast(&nonce, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
            gt_watchdog_start(dist_rank, dist_size, all, (uint64_t)nonce);
            free(all);
        }
    }
#else
    (void)argc;
    (void)argv;
#endif
    return dist_size;
}

void gt_dist_finalize(void) {
#ifdef GT_MPI
    if (dist_on) {
        for (int i = 0; i < MAX_ASYNC; i++)
            if (async_used[i]) gt_dist_wait(i);
        MPI_Comm_free(&async_comm);
        gt_watchdog_stop();
        MPI_Finalize();
    }
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
    gt_watchdog_busy(1);
    /* MPI counts are ints: large blocks go in pieces */
    for (int64_t o = 0; o < n; o += 1 << 30) {
        int k = (int)(n - o < (1 << 30) ? n - o : (1 << 30));
        MPI_Allreduce(MPI_IN_PLACE, x + o, k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        comm_calls++;
    }
    gt_watchdog_busy(-1);
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
    gt_watchdog_busy(1);
    for (int64_t o = 0; o < n; o += 1 << 30) {
        int k = (int)(n - o < (1 << 30) ? n - o : (1 << 30));
        MPI_Allreduce(MPI_IN_PLACE, x + o, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        comm_calls++;
    }
    gt_watchdog_busy(-1);
    comm_bytes += n * (int64_t)sizeof(double);
    comm_seconds += now() - t0;
#else
    (void)x;
    (void)n;
#endif
}

int gt_dist_isum_f(float *x, int64_t n) {
#ifdef GT_MPI
    if (!dist_on || dist_size == 1 || n == 0) return -1;
    GT_ASSERTF(n <= INT_MAX, "non-blocking sum of %lld values: at most INT_MAX at once", (long long)n);
    double t0 = now();
    int id = 0;
    while (id < MAX_ASYNC && async_used[id]) id++;
    GT_ASSERTF(id < MAX_ASYNC, "more than %d non-blocking sums in flight", MAX_ASYNC);
    /* in place: the reduced sums land where the gradients were */
    MPI_Iallreduce(MPI_IN_PLACE, x, (int)n, MPI_FLOAT, MPI_SUM, async_comm, &async_req[id]);
    async_used[id] = 1;
    async_done[id] = 0;
    async_n++;
    comm_calls++;
    comm_bytes += n * (int64_t)sizeof(float);
    comm_seconds += now() - t0;
    return id;
#else
    (void)x;
    (void)n;
    return -1;
#endif
}

int gt_dist_progress(void) {
#ifdef GT_MPI
    if (async_n == 0) return 0;
    double t0 = now();
    int left = 0;
    for (int i = 0, seen = 0; i < MAX_ASYNC && seen < async_n; i++) {
        if (!async_used[i]) continue;
        seen++;
        if (async_done[i]) continue;
        MPI_Test(&async_req[i], &async_done[i], MPI_STATUS_IGNORE);
        if (async_done[i]) async_t_done[i] = now();
        left += !async_done[i];
    }
    comm_seconds += now() - t0;
    return left;
#else
    return 0;
#endif
}

int gt_dist_test(int id) {
#ifdef GT_MPI
    if (id < 0) return 1;
    if (!async_done[id]) gt_dist_progress();
    return async_done[id];
#else
    (void)id;
    return 1;
#endif
}

double gt_dist_wait(int id) {
#ifdef GT_MPI
    if (id < 0 || !async_used[id]) return gt_dist_now();
    double t0 = now();
    if (!async_done[id]) {
        gt_watchdog_busy(1);
        MPI_Wait(&async_req[id], MPI_STATUS_IGNORE);
        gt_watchdog_busy(-1);
        async_t_done[id] = now();
    }
    async_used[id] = async_done[id] = 0;
    async_n--;
    comm_seconds += now() - t0;
    return async_t_done[id];
#else
    (void)id;
    return gt_dist_now();
#endif
}

double gt_dist_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int gt_dist_max_i(int v) {
#ifdef GT_MPI
    if (dist_on && dist_size > 1) {
        gt_watchdog_busy(1);
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        gt_watchdog_busy(-1);
    }
#endif
    return v;
}

void gt_dist_barrier(void) {
#ifdef GT_MPI
    if (dist_on && dist_size > 1) {
        gt_watchdog_busy(1);
        MPI_Barrier(MPI_COMM_WORLD);
        gt_watchdog_busy(-1);
    }
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

void gt_dist_set_peer_timeout(double seconds) {
#ifdef GT_MPI
    gt_watchdog_set_timeout(seconds);
#else
    (void)seconds;
#endif
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
