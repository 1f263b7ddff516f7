/* cmd_version.c — `gantrain version`: what was built and what it runs on. */
#include <omp.h>
#include <stdio.h>

#include "gantrain/cli.h"
#include "gantrain/dist.h"
#include "gantrain/threads.h"

int gt_cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("gantrain %s\n", GT_VERSION);
    printf("blas: %s\n", gt_blas_config());
    printf("blas core: %s\n", gt_blas_corename());
    printf("threads: %d (cores online: %d)\n", gt_threads_get(), gt_cores_online());
#if defined(__clang__)
    printf("compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
    printf("compiler: gcc %d.%d.%d\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#endif
    printf("openmp: %d\n", _OPENMP);
    const char *mpi = gt_dist_library();
    /* scripts/sweep.sh --mpi looks for this line */
    printf("mpi: %s\n", mpi ? mpi : "no (built without MPI: data-parallel training needs Open MPI)");
    return GT_EXIT_OK;
}
