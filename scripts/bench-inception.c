/* bench-inception.c — time per image of gantrain's Inception-v3 forward
 * (gt_inception_features: recording off, arena reset between batches) with
 * synthetic weights.  Built and run by scripts/bench-inception.sh:
 *     bench-inception THREADS BATCH [REPEATS] [SIZE]
 * prints one line: threads, batch, input size, ms per image (best of the
 * repeats), ms per batch. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gantrain/inception.h"
#include "gantrain/threads.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s THREADS BATCH [REPEATS] [SIZE]\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]), batch = atoi(argv[2]);
    int reps = argc > 3 ? atoi(argv[3]) : 3, size = argc > 4 ? atoi(argv[4]) : 299;
    if (threads < 1 || batch < 1 || reps < 1 || size < 1) {
        fprintf(stderr, "bench-inception: THREADS, BATCH, REPEATS and SIZE must be positive\n");
        return 2;
    }
    gt_threads_set(threads);
    gt_inception *m = gt_inception_new(0);
    gt_inception_init_synthetic(m);
    gt_inception_set_batch(m, batch);
    gt_tensor *x = gt_tensor_new(4, (int[]){batch, 3, size, size});
    gt_inception_hash_uniform(1000, x->data, x->n, -1.0, 1.0);
    float *pool = malloc(sizeof(float) * (size_t)batch * GT_INCEPTION_POOL_DIM);
    float *logits = malloc(sizeof(float) * (size_t)batch * GT_INCEPTION_LOGITS_DIM);
    gt_inception_features(m, x, pool, logits); /* warm-up: arena, scratch, BLAS buffers */
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        gt_inception_features(m, x, pool, logits);
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("gantrain threads %d batch %2d input %dx%d: %7.1f ms/image (%.1f ms/batch), "
           "%.1f GFLOP/s\n",
           threads, batch, size, size, 1e3 * best / batch, 1e3 * best,
           11.42 * batch / best);
    free(pool);
    free(logits);
    gt_tensor_free(x);
    gt_inception_free(m);
    return 0;
}
