/* threads.h — one thread count for OpenBLAS and OpenMP together, and BLAS facts. */
#ifndef GANTRAIN_THREADS_H
#define GANTRAIN_THREADS_H

/* Sets OpenBLAS's and OpenMP's thread counts; n <= 0 means all online cores. */
void gt_threads_set(int n);
int gt_threads_get(void);
int gt_cores_online(void);
/* OpenBLAS's core name ("SkylakeX", "Haswell") and build config string. */
const char *gt_blas_corename(void);
const char *gt_blas_config(void);

/* Minimum element count for which an elementwise loop is worth OpenMP's fork. */
#define GT_PAR_MIN 32768
/* "#pragma omp parallel for" over a loop of cnt elements, forking only when
 * cnt is large enough to pay for it. */
#define GT_PRAGMA_(x) _Pragma(#x)
#define GT_OMP_FOR(cnt) GT_PRAGMA_(omp parallel for schedule(static) if ((cnt) >= GT_PAR_MIN))

#endif
