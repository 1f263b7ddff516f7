#!/bin/sh
# 2-began-lr.sh — BEGAN with learning rates 1e-3, 5e-4, 1e-4, 8e-5, 2e-5:
# sample grids at each stage of training, the losses, k_t and M_global.
# The full budget is PyTorch-GAN's began.py (200 epochs, batch 64, G 128 /
# D 64 channels); the small one uses a quarter of the widths (G 32, D 16
# channels) and half the batch for 1000 generator steps (at 400 steps of
# half-width networks every learning rate still drew uniform grey).
# Sample diversity (per-pixel std across 64 G(z), scripts/began-diversity.py)
# is measured from checkpoints over the steps; with the small budget the
# same networks are also trained in PyTorch (when /usr/bin/python3 has
# torch) for the same steps, so that an early collapse of every z onto
# one image can be told apart from a gantrain bug.
set -u
. "$(dirname "$0")/lib.sh"
x_args "$(basename "$0")" "BEGAN's learning rate: samples per stage, losses, k_t and M_global." "$@"

if [ "$FULL" = 1 ]; then
    TRAIN="epochs = 200
sample_every = 25000
ckpt_every = 5000
keep_ckpts = 200
log_every = 100" STAGES="25000 50000 100000 187500"
    MODEL=""
    TORCH=0
else
    TRAIN="steps = 1000
sample_every = 250
ckpt_every = 50
keep_ckpts = 21
log_every = 10" STAGES="250 500 750 1000"
    TORCH=1
    MODEL="g_width = 32
d_width = 16"
fi

cat >"$OUT/base.ini" <<EOF
# 2-began-lr.sh: BEGAN (PyTorch-GAN's began.py) on $DATA
[model]
preset = began
$MODEL
[data]
dataset = $DATA
[train]
$TRAIN
$( [ "$FULL" = 1 ] || echo "batch_size = 32" )
progress = lines
EOF

LRS="1e-3 5e-4 1e-4 8e-5 2e-5"
x "$SWEEP" "$OUT/base.ini" optim.lr=$(echo $LRS | tr ' ' ',') --root "$OUT" --name lr --jobs "$JOBS" --threads "$X_THREADS"

# sample diversity from the checkpoints; the PyTorch reference at the same
# settings (small budget), JOBS at a time
PY=/usr/bin/python3
DIV=$X_TREE/scripts/began-diversity.py
if [ -x "$PY" ] && "$PY" -c 'import numpy, PIL' 2>/dev/null; then
    for v in $LRS; do
        # measured again only when the run has changed since
        f=$OUT/diversity/gantrain/lr=$v/diversity.csv
        [ -f "$f" ] && [ "$f" -nt "$OUT/lr/lr=$v/log.csv" ] ||
            x "$PY" "$DIV" gantrain --run "$OUT/lr/lr=$v" --out "$OUT/diversity/gantrain/lr=$v" --gantrain "$G" >/dev/null
    done
    if [ "$TORCH" = 1 ] && "$PY" -c 'import torch' 2>/dev/null; then
        n=0
        for v in $LRS; do
            if [ ! -f "$OUT/diversity/torch/lr=$v/done" ]; then
                (x "$PY" "$DIV" torch --lr "$v" --steps 1000 --every 50 --batch 32 --g-width 32 --d-width 16 \
                    --threads "$X_THREADS" --out "$OUT/diversity/torch/lr=$v" 2>/dev/null &&
                    touch "$OUT/diversity/torch/lr=$v/done") &
                n=$((n + 1))
                [ $((n % JOBS)) -ne 0 ] || wait
            fi
        done
        wait
    fi
fi

# ---- results -----------------------------------------------------------------
x_results_header "Experiment 2: BEGAN's learning rate"
x "$SUMMARIZE" "$OUT/lr" --out "$RES" --keys optim.lr --curves d_loss,g_loss,k_t,m_global --final 4 --smooth 3 --title "BEGAN" --quiet
x_results_table "BEGAN, learning rate" "$RES/summary.md"
ncol=$(echo $STAGES | wc -w)
set --
for v in $LRS; do
    for s in $STAGES; do set -- "$@" "$(x_sample_at "$OUT/lr/lr=$v" "$s")" "lr $v, step $s"; done
done
if [ -d "$OUT/diversity" ]; then
    {
        echo "set terminal pngcairo size 1000,520 font 'DejaVu Sans,11' noenhanced"
        echo "set output '$RES/diversity.png'"
        echo "set title 'BEGAN: sample diversity, per-pixel std across 64 G(z) (real images: 0.51); solid gantrain, dashed PyTorch'"
        echo "set xlabel 'generator step'; set ylabel 'mean per-pixel std, [-1,1] scale'"
        echo "set datafile separator ','; set key outside right top Left reverse"
        echo "set grid lc rgb '#dddddd'; set yrange [0:*]"
        printf 'plot '
        i=0 sep=""
        for v in $LRS; do
            i=$((i + 1))
            c=$(echo "#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd" | cut -d' ' -f$i)
            f=$OUT/diversity/gantrain/lr=$v/diversity.csv
            [ -f "$f" ] && printf "%s'%s' using 1:2 skip 1 with linespoints pt 7 ps 0.5 lw 2 lc rgb '%s' title 'gantrain lr %s'" "$sep" "$f" "$c" "$v" && sep=", "
            f=$OUT/diversity/torch/lr=$v/diversity.csv
            [ -f "$f" ] && printf "%s'%s' using 1:2 skip 1 with lines lw 2 dt 2 lc rgb '%s' title 'PyTorch lr %s'" "$sep" "$f" "$c" "$v" && sep=", "
        done
        echo
    } >"$RES/diversity.gp"
    gnuplot "$RES/diversity.gp" && rm -f "$RES/diversity.gp"
    {
        echo "## Sample diversity (per-pixel std across 64 G(z), z fixed, G in training mode)"
        echo
        printf '| lr |'; for s in $STAGES; do printf ' gantrain @ %s | PyTorch @ %s |' "$s" "$s"; done; echo
        printf '|---|'; for s in $STAGES; do printf -- '---|---|'; done; echo
        for v in $LRS; do
            printf '| %s |' "$v"
            for s in $STAGES; do
                for w in gantrain torch; do
                    f=$OUT/diversity/$w/lr=$v/diversity.csv
                    d=$( [ -f "$f" ] && awk -F, -v s="$s" '$1 == s { printf "%.4f", $2 }' "$f")
                    printf ' %s |' "${d:-–}"
                done
            done
            echo
        done
        echo
    } >>"$RES/README.md"
fi
x_montage "$RES/samples_by_stage.png" "BEGAN: samples by learning rate (rows) and step (columns)" "$ncol" "$@"
echo "Plots: d_loss.png, g_loss.png, k_t.png, m_global.png, diversity.png; samples: samples_by_stage.png." >>"$RES/README.md"
echo "2-began-lr: results in $RES/README.md" >&2
