/* bench-allreduce.c — the all-reduce alone: median time of an in-place float
 * sum over all ranks, blocking (MPI_Allreduce, what train.bucket_kb = 0
 * does) and non-blocking then waited for (MPI_Iallreduce + MPI_Wait, one
 * bucket of the overlapped scheme, with Rabenseifner's algorithm as gantrain
 * asks for it), for the payloads of docs/scaling.md, to
 * put beside the model's prediction.  Each sum starts after a barrier, so
 * no rank waits for a slower one.  Built and run by
 * scripts/bench-multihost.sh --allreduce:
 *   mpicc -O2 -o bench-allreduce scripts/bench-allreduce.c
 *   mpirun -np N bench-allreduce [REPS] [BYTES...]
 * Prints one JSON line per payload (rank 0). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_ms(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp);
    return t[n / 2] * 1e3;
}

int main(int argc, char **argv) {
    /* the non-blocking sums as gantrain's buckets run them (src/core/dist.c) */
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3", 0);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int reps = argc > 1 ? atoi(argv[1]) : 20;
    if (reps < 1) reps = 1;
    /* default: dcgan's G and D gradients, wgan_gp's, a batch-norm sum */
    long dflt[] = {4199940, 392452, 6040128, 2134020, 1032};
    int n_sizes = argc > 2 ? argc - 2 : (int)(sizeof dflt / sizeof *dflt);
    double *tb = malloc(sizeof(double) * (size_t)reps), *tn = malloc(sizeof(double) * (size_t)reps);
    for (int s = 0; s < n_sizes; s++) {
        long bytes = argc > 2 ? atol(argv[2 + s]) : dflt[s];
        int n = (int)(bytes / 4);
        float *x = calloc((size_t)n, sizeof(float));
        for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
            MPI_Barrier(MPI_COMM_WORLD);
            double t = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            t = MPI_Wtime() - t;
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Request q;
            double u = MPI_Wtime();
            MPI_Iallreduce(MPI_IN_PLACE, x, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &q);
            MPI_Wait(&q, MPI_STATUS_IGNORE);
            u = MPI_Wtime() - u;
            /* the slowest rank's time: a rank that left the barrier late
             * finds the others' data waiting and would look fast */
            double tt[2] = {t, u};
            MPI_Allreduce(MPI_IN_PLACE, tt, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            if (r >= 0) {
                tb[r] = tt[0];
                tn[r] = tt[1];
            }
        }
        if (rank == 0)
            printf("{\"ranks\": %d, \"bytes\": %ld, \"reps\": %d, \"allreduce_ms\": %.3f, \"iallreduce_ms\": %.3f}\n", size,
                   bytes, reps, median_ms(tb, reps), median_ms(tn, reps));
        fflush(stdout);
        free(x);
    }
    free(tb);
    free(tn);
    MPI_Finalize();
    return 0;
}
