#!/bin/sh
# bench-inception.sh — time per image of the FID Inception-v3 forward in
# gantrain and in PyTorch (same architecture, same synthetic weights, same
# thread count), at batch 1 and 16, best of REPEATS.  Not a test: numbers for
# comparison.
#   scripts/bench-inception.sh [THREADS] [REPEATS]      (default 2 threads, 5 repeats)
# gantrain runs three ways: as linked today (OpenBLAS's pthreads build next
# to OpenMP, libgomp's default spinning), with OMP_WAIT_POLICY=passive, and
# with OpenBLAS's OpenMP build (one thread pool; needs libopenblas0-openmp).
# The torch half needs /usr/bin/python3 with python3-torch.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
threads=${1:-2}
reps=${2:-5}
cd "$root"
make --no-print-directory build/libgantrain.a >/dev/null
cflags="-std=c11 -D_DEFAULT_SOURCE -O3 -march=native -fopenmp -Iinclude"
libs=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
cc $cflags -o build/bench-inception scripts/bench-inception.c build/libgantrain.a $libs -fopenmp -lm
omp_blas=/usr/lib/x86_64-linux-gnu/openblas-openmp
for b in 1 16; do
    printf "%-34s" "as linked:"
    build/bench-inception "$threads" "$b" "$reps"
    printf "%-34s" "OMP_WAIT_POLICY=passive:"
    OMP_WAIT_POLICY=passive build/bench-inception "$threads" "$b" "$reps"
    if [ -e "$omp_blas/libopenblas.so.0" ]; then
        printf "%-34s" "OpenBLAS OpenMP build:"
        LD_LIBRARY_PATH=$omp_blas build/bench-inception "$threads" "$b" "$reps"
    fi
done
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
    /usr/bin/python3 - "$threads" "$reps" <<'PY'
import importlib.util, os, sys, time
import torch
threads, reps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
spec = importlib.util.spec_from_file_location("fx", os.path.join("scripts", "make-inception-fixtures.py"))
fx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fx)
m = fx.build_model()
for b in (1, 16):
    x = torch.from_numpy(fx.hash_uniform(1000, b * 3 * 299 * 299, -1, 1)).reshape(b, 3, 299, 299)
    with torch.inference_mode():
        m(x)
        best = 1e30
        for _ in range(reps):
            t0 = time.perf_counter()
            m(x)
            best = min(best, time.perf_counter() - t0)
    print("%-34storch    threads %d batch %2d input 299x299: %7.1f ms/image (%.1f ms/batch), "
          "%.1f GFLOP/s" % ("PyTorch:", threads, b, 1e3 * best / b, 1e3 * best, 11.42 * b / best))
PY
fi
