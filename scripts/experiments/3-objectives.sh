#!/bin/sh
# 3-objectives.sh — one architecture, six objectives (minimax, non-
# saturating, least squares, WGAN, WGAN-GP, BEGAN), several seeds each,
# FID / KID / precision / recall / F1 as mean ± std over the seeds, in the
# manner of Lucic et al., "Are GANs Created Equal?" (2018).
#
# mm, ns, ls, wgan and wgan-gp share PyTorch-GAN's MLPs (G 128-256-512-1024
# with batch norm, D 512-256, z 100); each objective keeps its reference
# optimizer (Adam 2e-4 / 0.5 for mm, ns, ls; RMSprop 5e-5, clip 0.01 and 5
# critic steps for WGAN; Adam 1e-4 / (0, 0.9), lambda 10 and 5 critic steps
# for WGAN-GP).  BEGAN needs an autoencoder discriminator, so it runs its
# own began32 networks.  The metrics use gantrain's Fashion-MNIST / MNIST
# classifier as the feature network (Inception-v3 features of 28x28 grey
# images say little; `gantrain classifier` trains it once).
set -u
. "$(dirname "$0")/lib.sh"
x_args "$(basename "$0")" "Six objectives on one architecture, seeds, FID/KID/precision/recall/F1." "$@"

if [ "$FULL" = 1 ]; then
    SEEDS=5 MLP="epochs = 200" BEGAN="epochs = 200" NEVAL=10000 CLS_EPOCHS=""
else
    # one epoch of the MLPs (WGAN, WGAN-GP: 187 generator steps of 5
    # critic steps); BEGAN at a quarter of its widths (G 32, D 16
    # channels, as experiment 2's small budget), batch 32, 500 steps
    SEEDS=3 MLP="epochs = 1" BEGAN="steps = 500
batch_size = 32" NEVAL=2000 CLS_EPOCHS="--epochs 3"
fi
case $DATA in fashion-mnist) CLS=data/classifier_fashion.gtck ;; *) CLS=data/classifier_mnist.gtck ;; esac

# the feature network, once
if [ ! -f "$CLS" ]; then
    printf '[data]\ndataset = %s\n[train]\nseed = 1\n' "$DATA" >"$OUT/classifier.ini"
    # shellcheck disable=SC2086
    x "$G" --threads "$X_THREADS" classifier "$OUT/classifier.ini" --out "$CLS" $CLS_EPOCHS
fi

objective_ini() { # NAME: the config of one objective
    case $1 in
    ns | mm | ls) model="preset = gan
objective = $1" train="$MLP" ;;
    wgan) model="preset = wgan" train="$MLP" ;;
    wgan-gp) model="preset = wgan_gp" train="$MLP" ;;
    began) model="preset = began
g_width = $( [ "$FULL" = 1 ] && echo 128 || echo 32)
d_width = $( [ "$FULL" = 1 ] && echo 64 || echo 16)" train="$BEGAN" ;;
    esac
    cat >"$OUT/$1.ini" <<EOF
# 3-objectives.sh: objective $1 on $DATA
[model]
$model
[data]
dataset = $DATA
[train]
$train
log_every = 25
sample_every = 0
ckpt_every = 500
keep_ckpts = 1
progress = lines
EOF
}

chain() { # OBJECTIVE...: one after the other, one training at a time
    for o in "$@"; do
        objective_ini "$o"
        x "$SWEEP" "$OUT/$o.ini" --seeds "$SEEDS" --root "$OUT/objectives" --name "$o" --jobs 1 --threads "$X_THREADS" \
            --eval fid,kid,pr --eval-args "--features classifier --weights $CLS --n $NEVAL"
    done
}
# two chains of about equal cost side by side (JOBS >= 2), else one
if [ "$JOBS" -ge 2 ]; then
    chain ns mm ls &
    chain wgan wgan-gp began
    wait
else
    chain ns mm ls wgan wgan-gp began
fi

# ---- results -----------------------------------------------------------------
x_results_header "Experiment 3: one architecture, six objectives"
x "$SUMMARIZE" "$OUT/objectives" --out "$RES" --keys model.objective,optim.optimizer,optim.lr,train.n_critic \
    --curves d_loss,g_loss --final 4 --smooth 4 --title "objectives" --quiet
x_results_table "Objectives, mean ± std over $SEEDS seeds" "$RES/summary.md"
# FID and precision of every run, one column of points per objective
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { split($1, p, "/"); print p[1], $c["seed"], $c["fid"], $c["precision"], $c["kid"] }' "$RES/runs.csv" |
    awk 'BEGIN { n = split("mm ns ls wgan wgan-gp began", o, " "); for (i = 1; i <= n; i++) x[o[i]] = i }
        ($1 in x) && $3 != "" { print x[$1], $2, $3, $4, $5 }' >"$RES/metrics.dat"
if [ -s "$RES/metrics.dat" ]; then
    cat >"$RES/metrics.gp" <<EOF
set terminal pngcairo size 1100,420 font 'DejaVu Sans,11' noenhanced
set output '$RES/metrics.png'
set multiplot layout 1,2 title 'six objectives, one point per seed (features: the Fashion-MNIST classifier, $NEVAL samples)'
set xrange [0.5:6.5]
set xtics ('mm' 1, 'ns' 2, 'ls' 3, 'wgan' 4, 'wgan-gp' 5, 'began' 6)
set grid ytics lc rgb '#dddddd'
unset key
set title 'FID (lower is better)'
set ylabel 'FID'
set yrange [0:*]
plot '$RES/metrics.dat' using (\$1 + (\$2 - 2) * 0.08):3 with points pt 7 ps 1.2 lc rgb '#1f77b4'
set title 'precision (higher is better)'
set ylabel 'precision'
set yrange [0:1.05]
plot '$RES/metrics.dat' using (\$1 + (\$2 - 2) * 0.08):4 with points pt 7 ps 1.2 lc rgb '#d62728'
unset multiplot
EOF
    gnuplot "$RES/metrics.gp" && rm -f "$RES/metrics.gp"
fi
set --
for o in mm ns ls wgan wgan-gp began; do set -- "$@" "$(x_last_sample "$OUT/objectives/$o/seed=1")" "$o (seed 1)"; done
x_montage "$RES/samples.png" "final samples, seed 1" 6 "$@"
echo "Plots: d_loss.png, g_loss.png, metrics.png (FID and precision per run); samples: samples.png; every run's metrics: runs.csv." >>"$RES/README.md"
echo "3-objectives: results in $RES/README.md" >&2
