#!/bin/sh
# bench.sh — `make bench`: gantrain and PyTorch side by side on every preset,
# same architecture, batch, objective, optimizer and thread count.
#   scripts/bench.sh [--threads N] [--seconds S] [preset ...]
# Needs /usr/bin/python3 with python3-torch for the PyTorch column (the
# gantrain column runs without it).  Numbers depend on what else the machine
# is doing: run it on an otherwise idle machine.
set -eu
cd "$(dirname "$0")/.."
threads=$(nproc)
seconds=10
while [ $# -gt 0 ]; do
    case $1 in
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) break ;;
    esac
done
presets=${*:-"gan cgan wgan wgan_gp dcgan began dcgan64 began64"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cfg() { # preset -> a config on the data shape the PyTorch script uses
    case $1 in
    dcgan64) printf '[model]\npreset = dcgan64\n[data]\ndataset = celeba\n[train]\nbatch_size = 64\n' ;;
    began64) printf '[model]\npreset = began64\n[data]\ndataset = celeba\n' ;;
    *) printf '[model]\npreset = %s\n[data]\ndataset = fashion-mnist\n' "$1" ;;
    esac
}

have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; threads $threads"
./gantrain version | grep -E "^blas" | tr '\n' ' '; echo
[ $have_torch = 1 ] && /usr/bin/python3 -c "import torch; print('torch', torch.__version__)"
printf '%-9s %6s %11s %11s %7s %9s %7s %9s %9s\n' preset batch "gantrain ms" "pytorch ms" ratio "GFLOP/it" "%sgemm" "MiB (gt)" "MiB (pt)"
for p in $presets; do
    cfg "$p" > "$tmp/$p.ini"
    ./gantrain --threads "$threads" bench "$tmp/$p.ini" --seconds "$seconds" --json > "$tmp/$p.gt"
    pt_ms=nan pt_mb=nan
    if [ $have_torch = 1 ]; then
        /usr/bin/python3 scripts/bench-vs-pytorch.py --threads "$threads" --seconds "$seconds" "$p" > "$tmp/$p.pt"
        pt_ms=$(sed 's/.*"ms_median": \([0-9.]*\).*/\1/' "$tmp/$p.pt")
        pt_mb=$(sed 's/.*"peak_rss_mb": \([0-9.]*\).*/\1/' "$tmp/$p.pt")
    fi
    get() { sed "s/.*\"$1\": \([0-9.]*\).*/\1/" "$tmp/$p.gt"; }
    awk -v p="$p" -v b="$(get batch)" -v g="$(get ms_median)" -v t="$pt_ms" -v f="$(get gflop_per_iter)" \
        -v gf="$(get gflops)" -v pk="$(get sgemm_gflops)" -v m="$(get peak_rss_mb)" -v pm="$pt_mb" \
        'BEGIN { r = (t == "nan") ? "-" : sprintf("%.2f", g / t);
                 printf "%-9s %6d %11.1f %11s %7s %9.2f %6.0f%% %9.0f %9s\n", p, b, g, t, r, f, 100 * gf / pk, m, pm }'
done
