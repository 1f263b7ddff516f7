#!/bin/sh
# 4-dcgan-beta1-toys.sh — DCGAN with Adam beta1 = 0.5 (the DCGAN paper's
# choice) against 0.7; then a GAN on the 2-D sine, circle and wing
# distributions, with the four-panel toyviz frames (and a video of them
# when ffmpeg is installed).
set -u
. "$(dirname "$0")/lib.sh"
x_args "$(basename "$0")" "DCGAN with Adam beta1 0.5 against 0.7; toy2d sine, circle and wing." "$@"

if [ "$FULL" = 1 ]; then
    DC="epochs = 200
sample_every = 5000" TOY_STEPS=10000 TOY_EVERY=250
else
    # DCGAN takes ~1 s a step on one core here
    DC="steps = 250
sample_every = 125" TOY_STEPS=4000 TOY_EVERY=200
fi

cat >"$OUT/dcgan.ini" <<EOF
# 4-dcgan-beta1-toys.sh: DCGAN (PyTorch-GAN's dcgan.py) on $DATA
[model]
preset = dcgan
[data]
dataset = $DATA
[train]
$DC
log_every = 5
ckpt_every = 125
keep_ckpts = 1
progress = lines
EOF
x "$SWEEP" "$OUT/dcgan.ini" optim.beta1=0.5,0.7 --root "$OUT" --name dcgan_beta1 --jobs "$JOBS" --threads "$X_THREADS"
# the toys: configs/gan_toy2d_*.ini differ only in data.toy
x "$SWEEP" "$X_TREE/configs/gan_toy2d_sine.ini" data.toy=sine,circle,wing --steps "$TOY_STEPS" \
    --set train.toyviz_every=$TOY_EVERY --set train.sample_every=$TOY_EVERY --set train.progress=lines \
    --root "$OUT" --name toys --jobs "$JOBS" --threads "$X_THREADS"

# ---- results -----------------------------------------------------------------
x_results_header "Experiment 4: DCGAN's Adam beta1; toy 2-D distributions"
x "$SUMMARIZE" "$OUT/dcgan_beta1" --out "$RES/dcgan_beta1" --keys optim.beta1 --final 4 --smooth 5 --title "DCGAN" --quiet
x_results_table "DCGAN, Adam beta1" "$RES/dcgan_beta1/summary.md"
x "$SUMMARIZE" "$OUT/toys" --out "$RES/toys" --keys data.toy --final 4 --smooth 3 --title "GAN on toy2d" --quiet
x_results_table "GAN on toy 2-D data" "$RES/toys/summary.md"
set --
for b in 0.5 0.7; do
    for f in "$OUT/dcgan_beta1/beta1=$b"/samples/step_*.png; do
        [ -f "$f" ] || continue
        s=$(basename "$f" .png)
        set -- "$@" "$f" "beta1 $b, step $((1${s#step_} - 10000000))"
    done
done
x_montage "$RES/dcgan_samples.png" "DCGAN samples by Adam beta1" $(($# / 4)) "$@"
for t in sine circle wing; do
    f=$(ls "$OUT/toys/toy=$t"/toyviz/frame_*.png 2>/dev/null | tail -n 1)
    [ -n "$f" ] && cp "$f" "$RES/toys/$t-last-frame.png"
    if command -v ffmpeg >/dev/null 2>&1; then
        x "$X_TREE/scripts/experiments/toyviz-video.sh" "$OUT/toys/toy=$t" "$RES/toys/$t.mp4"
    fi
done
echo "Plots: dcgan_beta1/*.png, toys/*.png; samples: dcgan_samples.png; toy frames: toys/*-last-frame.png (all frames: $OUT/toys/toy=*/toyviz/)." >>"$RES/README.md"
echo "4-dcgan-beta1-toys: results in $RES/README.md" >&2
