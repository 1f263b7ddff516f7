#!/bin/sh
# valgrind.sh — valgrind memcheck on a short train, sample, info and data
# run (and eval, once the build has it): no invalid access, no use of
# uninitialised memory, no definite leak.  One thread, so that OpenMP's and
# OpenBLAS's pools do not add their own noise.
#   tests/stress/valgrind.sh ./gantrain DIR
set -u
G=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$2
command -v valgrind > /dev/null || { echo "valgrind: skipped (not installed: apt-get install valgrind)"; exit 0; }
mkdir -p "$D" && cd "$D" || exit 2
rm -rf vg_run vg_toy vg.png
mkdir -p vtiny
{ printf '\000\000\010\003\000\000\000\040\000\000\000\034\000\000\000\034'; head -c $((32 * 784)) /dev/urandom; } > vtiny/train-images-idx3-ubyte
{ printf '\000\000\010\001\000\000\000\040'; for i in 0 1 2 3; do printf '\000\001\002\003\004\005\006\007'; done; } > vtiny/train-labels-idx1-ubyte
cat > vg.ini <<'INI'
[model]
preset = dcgan
g_width = 8
d_width = 4
[data]
dataset = mnist
path = vtiny
image_size = 16
[train]
steps = 3
batch_size = 8
log_every = 1
sample_every = 2
ckpt_every = 2
sample_n = 16
sample_nrow = 4
progress = lines
INI
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes"
fail=0
run() { # NAME COMMAND...
    name=$1
    shift
    if $VG "$@" > "vg_$name.out" 2> "vg_$name.err"; then
        echo "valgrind: $name clean ($*)"
    else
        echo "valgrind: $name FAILED ($*): exit $?, see $D/vg_$name.err"
        grep -m 5 -E '==[0-9]+== (Invalid|Conditional|Use of|.*definitely lost)' "vg_$name.err"
        fail=$((fail + 1))
    fi
}
run train "$G" --threads 1 train vg.ini --out vg_run
run resume "$G" --threads 1 train vg.ini --out vg_run --resume --steps 4
run sample "$G" --threads 1 sample vg_run --n 8 --out vg.png
run info "$G" info vg_run/ckpt/last
run data "$G" --threads 1 data vg.ini --grid vg_grid.png
run toy2d "$G" --threads 1 train vg.ini --out vg_toy --set data.dataset=toy2d --set model.preset=wgan_gp --set model.g_hidden=8 --set model.d_hidden=8 --set data.toy_n=64 --set train.n_critic=2
if "$G" eval --help 2>&1 | grep -q -- "--metrics" && ! "$G" eval vg_run 2>&1 | grep -q "not available in this build"; then
    # the shipped Fashion-MNIST classifier (the run's data are MNIST-format
    # bytes, for which no classifier ships): eval warns and goes on
    run eval "$G" --threads 1 eval vg_run --n 64 --metrics kid,pr --features classifier \
        --weights "$ROOT/data/classifier_fashion.gtck"
else
    echo "valgrind: eval skipped (not in this build yet)"
fi
[ $fail -eq 0 ]
