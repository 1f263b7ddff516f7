/* threads.c — the process-wide thread count shared by OpenBLAS and OpenMP. */
#include "gantrain/threads.h"

#include <cblas.h>
#include <omp.h>
#include <unistd.h>

static int n_threads = 0;

int gt_cores_online(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void gt_threads_set(int n) {
    if (n <= 0) n = gt_cores_online();
    n_threads = n;
    openblas_set_num_threads(n);
    omp_set_num_threads(n);
}

int gt_threads_get(void) {
    if (n_threads == 0) gt_threads_set(0);
    return n_threads;
}

const char *gt_blas_corename(void) { return openblas_get_corename(); }
const char *gt_blas_config(void) { return openblas_get_config(); }
