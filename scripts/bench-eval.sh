#!/bin/sh
# bench-eval.sh — how fast `gantrain eval` is (a benchmark, not a test):
#   1. classifier features of the 10000 Fashion-MNIST test images;
#   2. with RUN given: a whole `gantrain eval RUN --features classifier
#      --n 10000` (10000 images generated and compared), first with the real
#      features' cache cold, then warm;
#   3. Inception-v3 features per image: with the weights in data/
#      (pt_inception-2015-12-05-6726825d.pth from `scripts/fetch-data.sh
#      inception`, or the older .npz) from 200 test images through
#      `gantrain eval`, otherwise with synthetic
#      weights (scripts/bench-inception.c, batch 16).
#   scripts/bench-eval.sh [RUN] [THREADS]     (default: no run, 2 threads)
# The times come from the table's "time" line: generation, features, real
# features, metrics.  On a shared machine run it with THREADS=1 as well.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
run=${1:-}
threads=${2:-2}
cd "$root"
make --no-print-directory gantrain build/libgantrain.a >/dev/null
clf=data/classifier_fashion.gtck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== classifier features, 10000 Fashion-MNIST test images, $threads thread(s)"
./gantrain --threads "$threads" eval --fake fashion-mnist:test --n 10000 --features classifier \
    --weights "$clf" --metrics is --jsonl none 2>/dev/null | grep -E "^(features|IS|time)"

if [ -n "$run" ]; then
    echo "== gantrain eval $run --features classifier --n 10000, cache cold"
    /usr/bin/time -f "   whole process %e s wall" ./gantrain --threads "$threads" eval "$run" \
        --features classifier --n 10000 --set "data.cache=$tmp/cache" --jsonl none 2>&1 |
        grep -E "^(generated|real |FID|IS|KID|precision|recall|time| +whole)"
    echo "== the same, cache warm"
    /usr/bin/time -f "   whole process %e s wall" ./gantrain --threads "$threads" eval "$run" \
        --features classifier --n 10000 --set "data.cache=$tmp/cache" --jsonl none 2>&1 |
        grep -E "^(real cache|time| +whole)"
fi

echo "== Inception-v3 features per image, $threads thread(s)"
if [ -e data/pt_inception-2015-12-05-6726825d.pth ] || [ -e data/pt_inception-2015-12-05.npz ]; then
    ./gantrain --threads "$threads" eval --fake fashion-mnist:test --n 200 --features inception \
        --metrics is --jsonl none 2>/dev/null |
        awk '/^time/ { for (i = 1; i <= NF; i++) if ($i == "features") { gsub(/,/, "", $(i+1));
             printf "   %.1f ms/image (200 images, 28x28 grey resized to 299x299 by the network)\n",
                    1000 * $(i+1) / 200 } }'
else
    echo "   (no Inception weights in data/ (scripts/fetch-data.sh inception): synthetic weights, scripts/bench-inception.c)"
    # linked as the Makefile links gantrain (OpenBLAS's OpenMP build)
    blas=/usr/lib/$(cc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/openblas-openmp
    cc -std=c11 -D_DEFAULT_SOURCE -O3 -march=native -fopenmp -Iinclude -o build/bench-inception-eval \
        scripts/bench-inception.c build/libgantrain.a -L"$blas" -Wl,-rpath,"$blas" -lopenblas -fopenmp -lm
    printf "   "
    build/bench-inception-eval "$threads" 16 2
fi
