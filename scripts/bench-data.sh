#!/bin/sh
# bench-data.sh — how fast datasets load (a benchmark, not a test):
# Fashion-MNIST train from gzip IDX, and a 10000-image JPEG folder at 64x64,
# first decoded, then from the cache.  The goal: each under 1 s.
#   scripts/bench-data.sh [WORKDIR]   (default: build/bench-data; the JPEGs are kept there)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/bench-data}
cd "$root"
make --no-print-directory gantrain build/libgantrain.a >/dev/null
# shellcheck disable=SC2046
cc -std=c11 -D_DEFAULT_SOURCE -O2 -fopenmp -Iinclude scripts/bench-data.c build/libgantrain.a \
    $(pkg-config --libs openblas inih zlib 2>/dev/null || echo -lopenblas -linih -lz) -lm \
    -o build/bench_data
build/bench_data "$work"
# the whole command, as a user runs it
printf '[data]\ndataset = fashion-mnist\n' > "$work/fashion.ini"
echo "gantrain data (fashion-mnist, whole process):"
/usr/bin/time -f "  %e s wall, %M KB max RSS" ./gantrain data "$work/fashion.ini" > /dev/null
