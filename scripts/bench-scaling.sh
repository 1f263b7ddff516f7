#!/bin/sh
# bench-scaling.sh — data-parallel speed-up on this machine: `gantrain bench`
# of each preset's shipped config in one process and under
# `mpirun -np N`, the same threads per rank, and the all-reduce time per
# iteration that bench reports (the numbers in docs/scaling.md).
#   [GANTRAIN=BIN] scripts/bench-scaling.sh [--np N] [--threads T] [--seconds S] [preset ...]
# Needs gantrain built with Open MPI.  Timing: run it alone on the machine
# (here: under `flock /tmp/gantrain-cpu.lock`).  Prints one table row per
# preset; the raw JSON lines of bench go to stderr.
set -eu
cd "$(dirname "$0")/.."
np=2
threads=1
seconds=10
while [ $# -gt 0 ]; do
    case $1 in
    --np) np=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -*) echo "bench-scaling: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
    esac
done
presets=${*:-"gan cgan wgan wgan_gp dcgan began dcgan64 began64"}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
G=${GANTRAIN:-./gantrain}
ldd "$G" | grep -q libmpi || { echo "bench-scaling: $G is built without Open MPI" >&2; exit 2; }

config_of() {
    case $1 in
    dcgan64 | began64) echo "configs/$1_celeba.ini" ;; # bench needs no data, only its shape
    *) echo "configs/$1_fashion.ini" ;;
    esac
}
field() { # JSON KEY
    printf '%s\n' "$1" | sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p"
}

echo "# $(date '+%Y-%m-%d %H:%M') $(uptime | sed 's/.*load/load/'), $threads thread(s) per rank, $np ranks, ~${seconds}s each"
echo "| preset | batch | n_critic | 1 process ms/iter | $np ranks ms/iter | speed-up | all-reduce ms/iter | all-reduce share | all-reduces/iter | bytes/iter | ms per sample per iteration (1 process) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for p in $presets; do
    c=$(config_of "$p")
    one=$("$G" --threads "$threads" bench "$c" --seconds "$seconds" --json)
    echo "$one" >&2
    many=$(mpirun --oversubscribe -np "$np" "$G" --threads "$threads" bench "$c" --seconds "$seconds" --json)
    echo "$many" >&2
    b=$(field "$one" batch) k=$(field "$one" n_critic)
    m1=$(field "$one" ms_median) mn=$(field "$many" ms_median)
    cm=$(field "$many" comm_ms) cf=$(field "$many" comm_fraction)
    cc=$(field "$many" allreduce_calls) cb=$(field "$many" allreduce_bytes)
    awk -v p="$p" -v b="$b" -v k="$k" -v m1="$m1" -v mn="$mn" -v cm="$cm" -v cf="$cf" -v cc="$cc" -v cb="$cb" 'BEGIN {
        printf "| %s | %d | %d | %.2f | %.2f | %.2fx | %.3f | %.1f%% | %.0f | %.0f | %.3f |\n",
            p, b, k, m1, mn, m1 / mn, cm, 100 * cf, cc, cb, m1 / b }'
done
