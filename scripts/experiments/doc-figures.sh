#!/bin/sh
# doc-figures.sh — the figures docs/experiments.md shows, made small enough
# to commit: plots from the experiments' results/ copied with a 32-colour
# palette (the toy frames 256), sample montages redrawn (gnuplot, as lib.sh's x_montage) from the
# top rows of each sample grid, then given an 8-grey palette.
#   scripts/experiments/doc-figures.sh [--runs runs/experiments] [--out docs/experiments]
# Needs the four experiments' results (their small budgets) and
# /usr/bin/python3 with PIL (python3-pil).
set -u
. "$(dirname "$0")/lib.sh"
R=runs/experiments
D=docs/experiments
while [ $# -gt 0 ]; do
    case $1 in
    --runs) R=$2; shift ;;
    --out) D=$2; shift ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "doc-figures: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done
PY=/usr/bin/python3
mkdir -p "$D" || exit 1
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# palette IN OUT COLOURS: a copy with an adaptive palette of that many
# colours (16 or fewer: greys, for the sample montages, which get 8)
palette() {
    [ -f "$1" ] || { echo "doc-figures: $1: missing (run the experiment first)" >&2; return 0; }
    "$PY" - "$1" "$2" "$3" <<'EOF'
import sys
from PIL import Image
n = int(sys.argv[3])
im = Image.open(sys.argv[1]).convert("L" if n <= 16 else "RGB")
# greys: median cut; colour: an octree, which keeps the few saturated
# colours of curves and points that median cut merges into the heat maps
m = Image.MEDIANCUT if n <= 16 else Image.FASTOCTREE
im.quantize(colors=n, method=m, dither=Image.NONE).save(sys.argv[2], optimize=True)
EOF
}

# top GRID ROWS: the grid's first ROWS rows of images (2-pixel padding, as
# gantrain draws its grids) into $T; prints the new file ("-" if none)
top() {
    [ -f "$1" ] || { echo -; return; }
    # (a subshell: the name comes from the path, not a counter)
    o=$T/$(printf '%s %s' "$1" "$2" | cksum | cut -d' ' -f1).png
    "$PY" - "$1" "$2" "$o" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1])
rows = int(sys.argv[2])
cols = 8
side = (im.width - 2) // cols - 2          # image side: width = cols * (side + 2) + 2
h = min(im.height, rows * (side + 2) + 2)
im.crop((0, 0, im.width, h)).save(sys.argv[3])
EOF
    echo "$o"
}

# ---- 1 ---------------------------------------------------------------------
E=$R/1-gan-family
M=$E/models
X_CELL=250 x_montage "$T/m.png" "final samples (first rows of each 8 x 8 grid; CGAN: one row per class)" 5 \
    "$(top "$(x_last_sample "$M/preset=gan")" 4)" "GAN" "$(x_last_sample "$M/preset=cgan")" "CGAN" \
    "$(top "$(x_last_sample "$M/preset=dcgan")" 4)" "DCGAN" "$(top "$(x_last_sample "$M/preset=wgan")" 4)" "WGAN" \
    "$(top "$(x_last_sample "$M/preset=wgan_gp")" 4)" "WGAN-GP"
palette "$T/m.png" "$D/exp1-models-samples.png" 8
set --
for v in 3e-5 5e-5 7e-5 1e-4; do set -- "$@" "$(top "$(x_last_sample "$E/wgan_lr/lr=$v")" 3)" "lr $v"; done
for v in 0.005 0.01 0.015; do set -- "$@" "$(top "$(x_last_sample "$E/wgan_clip/clip=$v")" 3)" "clip $v"; done
set -- "$@" - -
for v in 3 5 7 10; do set -- "$@" "$(top "$(x_last_sample "$E/wgan_n_critic/n_critic=$v")" 3)" "n_critic $v"; done
X_CELL=250 X_CELL_H=100 x_montage "$T/w.png" "WGAN, final samples (3 of 8 rows): one parameter at a time from lr 5e-5, clip 0.01, n_critic 5" 4 "$@"
palette "$T/w.png" "$D/exp1-wgan-samples.png" 8
palette "$E/results/wgan_vs_gp/wasserstein.png" "$D/exp1-wgan-vs-gp.png" 32
palette "$E/results/wgan_n_critic/wasserstein.png" "$D/exp1-wgan-n_critic.png" 32

# ---- 2 ---------------------------------------------------------------------
E=$R/2-began-lr
set --
for v in 1e-3 5e-4 1e-4 8e-5 2e-5; do
    for s in 250 500 750 1000; do set -- "$@" "$(top "$(x_sample_at "$E/lr/lr=$v" "$s")" 2)" "lr $v, step $s"; done
done
X_CELL=250 X_CELL_H=70 x_montage "$T/b.png" "BEGAN: samples (2 of 8 rows) by learning rate (rows) and step (columns)" 4 "$@"
palette "$T/b.png" "$D/exp2-samples.png" 8
for f in k_t m_global diversity; do palette "$E/results/$f.png" "$D/exp2-$f.png" 32; done

# ---- 3 ---------------------------------------------------------------------
E=$R/3-objectives
set --
for o in mm ns ls wgan wgan-gp began; do set -- "$@" "$(top "$(x_last_sample "$E/objectives/$o/seed=1")" 4)" "$o (seed 1)"; done
X_CELL=250 X_CELL_H=130 x_montage "$T/o.png" "final samples, seed 1 (4 of 8 rows)" 6 "$@"
palette "$T/o.png" "$D/exp3-samples.png" 8
palette "$E/results/metrics.png" "$D/exp3-metrics.png" 32
palette "$E/results/g_loss.png" "$D/exp3-g_loss.png" 32

# ---- 4 ---------------------------------------------------------------------
E=$R/4-dcgan-beta1-toys
set --
for b in 0.5 0.7; do
    for f in "$E/dcgan_beta1/beta1=$b"/samples/step_*.png; do
        [ -f "$f" ] || continue
        s=$(basename "$f" .png)
        set -- "$@" "$(top "$f" 4)" "beta1 $b, step $((1${s#step_} - 10000000))"
    done
done
[ $# -gt 0 ] && X_CELL=250 X_CELL_H=130 x_montage "$T/d.png" "DCGAN samples (4 of 8 rows) by Adam beta1" $(($# / 4)) "$@"
palette "$T/d.png" "$D/exp4-dcgan-samples.png" 8
palette "$E/results/dcgan_beta1/g_loss.png" "$D/exp4-dcgan-g_loss.png" 32
for t in sine circle wing; do palette "$E/results/toys/$t-last-frame.png" "$D/exp4-toy-$t.png" 256; done

du -ch "$D"/*.png | tail -n 1
