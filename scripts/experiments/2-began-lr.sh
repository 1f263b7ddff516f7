#!/bin/sh
# 2-began-lr.sh — BEGAN with learning rates 1e-3, 5e-4, 1e-4, 8e-5, 2e-5:
# sample grids at each stage of training, the losses, k_t and M_global.
# The full budget is PyTorch-GAN's began.py (200 epochs, batch 64, G 128 /
# D 64 channels); the small one uses a quarter of the widths (G 32, D 16
# channels) and half the batch for 1000 generator steps (at 400 steps of
# half-width networks every learning rate still drew uniform grey).
set -u
. "$(dirname "$0")/lib.sh"
x_args "$(basename "$0")" "BEGAN's learning rate: samples per stage, losses, k_t and M_global." "$@"

if [ "$FULL" = 1 ]; then
    TRAIN="epochs = 200
sample_every = 25000
log_every = 100" STAGES="25000 50000 100000 187500"
    MODEL=""
else
    TRAIN="steps = 1000
sample_every = 250
log_every = 10" STAGES="250 500 750 1000"
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
ckpt_every = 250
keep_ckpts = 1
progress = lines
EOF

LRS="1e-3 5e-4 1e-4 8e-5 2e-5"
x "$SWEEP" "$OUT/base.ini" optim.lr=$(echo $LRS | tr ' ' ',') --root "$OUT" --name lr --jobs "$JOBS" --threads "$X_THREADS"

# ---- results -----------------------------------------------------------------
x_results_header "Experiment 2: BEGAN's learning rate"
x "$SUMMARIZE" "$OUT/lr" --out "$RES" --keys optim.lr --curves d_loss,g_loss,k_t,m_global --final 4 --smooth 3 --title "BEGAN" --quiet
x_results_table "BEGAN, learning rate" "$RES/summary.md"
ncol=$(echo $STAGES | wc -w)
set --
for v in $LRS; do
    for s in $STAGES; do set -- "$@" "$(x_sample_at "$OUT/lr/lr=$v" "$s")" "lr $v, step $s"; done
done
x_montage "$RES/samples_by_stage.png" "BEGAN: samples by learning rate (rows) and step (columns)" "$ncol" "$@"
echo "Plots: d_loss.png, g_loss.png, k_t.png, m_global.png; samples: samples_by_stage.png." >>"$RES/README.md"
echo "2-began-lr: results in $RES/README.md" >&2
