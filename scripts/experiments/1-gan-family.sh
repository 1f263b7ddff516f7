#!/bin/sh
# 1-gan-family.sh — GAN, CGAN, DCGAN, WGAN (and WGAN-GP) on MNIST-format
# data with their reference settings (PyTorch-GAN's scripts, 200 epochs);
# then WGAN alone with lr in {3e-5, 5e-5, 7e-5, 1e-4}, clip in {0.005,
# 0.01, 0.015} and n_critic in {3, 5, 7, 10}, one parameter at a time from
# the reference (5e-5, 0.01, 5); d_loss and g_loss at chosen epochs; WGAN
# against WGAN-GP.
set -u
. "$(dirname "$0")/lib.sh"
x_args "$(basename "$0")" "GAN, CGAN, DCGAN, WGAN, WGAN-GP; WGAN's lr, clip and n_critic one at a time." "$@"

if [ "$FULL" = 1 ]; then
    EPOCHS=200 DC_EPOCHS=200 AT=1,10,50,100,200 LOG=100 SAMPLE=5000
else
    # DCGAN takes ~1 s a step on one core: it gets a quarter epoch; the MLP
    # models two epochs (WGAN: 375 generator steps of 5 critic steps)
    EPOCHS=2 DC_EPOCHS=0.25 AT=0.25,0.5,1,2 LOG=25 SAMPLE=0
fi

cat >"$OUT/base.ini" <<EOF
# 1-gan-family.sh: what every run shares; model.preset picks the model
[data]
dataset = $DATA
[train]
epochs = $EPOCHS
log_every = $LOG
sample_every = $SAMPLE
ckpt_every = 500
keep_ckpts = 1
progress = lines
EOF

# the models: DCGAN (the slow one) in a slot of its own next to the others
dcgan() { x "$SWEEP" "$OUT/base.ini" model.preset=dcgan --set train.epochs=$DC_EPOCHS --root "$OUT" --name models --jobs 1 --threads "$X_THREADS"; }
mlps() { x "$SWEEP" "$OUT/base.ini" model.preset=gan,cgan,wgan,wgan_gp --root "$OUT" --name models --jobs $((JOBS > 1 ? JOBS - 1 : 1)) --threads "$X_THREADS"; }
if [ "$JOBS" -ge 2 ]; then
    dcgan &
    mlps
    wait
else
    dcgan
    mlps
fi
# WGAN, one parameter at a time
for axis in optim.lr=3e-5,5e-5,7e-5,1e-4 train.clip=0.005,0.01,0.015 train.n_critic=3,5,7,10; do
    k=${axis%%=*}
    x "$SWEEP" "$OUT/base.ini" "$axis" --set model.preset=wgan --root "$OUT" --name "wgan_${k#*.}" --jobs "$JOBS" --threads "$X_THREADS"
done

# ---- results -----------------------------------------------------------------
x_results_header "Experiment 1: GAN, CGAN, DCGAN, WGAN, WGAN-GP; WGAN's lr, clip and n_critic"
x "$SUMMARIZE" "$OUT/models" --out "$RES/models" --keys model.preset,train.epochs --at-epochs "$AT" --final 4 --smooth 4 --x epoch --title "models" --quiet
x_results_table "The models" "$RES/models/summary.md"
x_results_table "The models: losses at chosen epochs" "$RES/models/losses_at.md"
for k in lr clip n_critic; do
    case $k in lr) key=optim.lr ;; clip) key=train.clip ;; *) key=train.n_critic ;; esac
    x "$SUMMARIZE" "$OUT/wgan_$k" --out "$RES/wgan_$k" --keys "$key" --at-epochs "$AT" --final 4 --smooth 4 --x epoch --title "WGAN, $k" --curves d_loss,g_loss,wasserstein --quiet
    x_results_table "WGAN, $k" "$RES/wgan_$k/summary.md"
    x_results_table "WGAN, $k: losses at chosen epochs" "$RES/wgan_$k/losses_at.md"
done
x "$SUMMARIZE" "$OUT/models/preset=wgan" "$OUT/models/preset=wgan_gp" --out "$RES/wgan_vs_gp" \
    --keys model.objective,optim.optimizer,optim.lr --final 4 --smooth 4 --title "WGAN vs WGAN-GP" --curves wasserstein,d_loss,g_loss --quiet
x_results_table "WGAN against WGAN-GP" "$RES/wgan_vs_gp/summary.md"

M=$OUT/models
x_montage "$RES/models_samples.png" "final samples" 5 \
    "$(x_last_sample "$M/preset=gan")" "GAN" "$(x_last_sample "$M/preset=cgan")" "CGAN (row = class)" \
    "$(x_last_sample "$M/preset=dcgan")" "DCGAN" "$(x_last_sample "$M/preset=wgan")" "WGAN" \
    "$(x_last_sample "$M/preset=wgan_gp")" "WGAN-GP"
set --
for v in 3e-5 5e-5 7e-5 1e-4; do set -- "$@" "$(x_last_sample "$OUT/wgan_lr/lr=$v")" "lr $v"; done
for v in 0.005 0.01 0.015; do set -- "$@" "$(x_last_sample "$OUT/wgan_clip/clip=$v")" "clip $v"; done
set -- "$@" - -
for v in 3 5 7 10; do set -- "$@" "$(x_last_sample "$OUT/wgan_n_critic/n_critic=$v")" "n_critic $v"; done
x_montage "$RES/wgan_samples.png" "WGAN, final samples: one parameter at a time from lr 5e-5, clip 0.01, n_critic 5" 4 "$@"
{ echo "Plots: models/*.png, wgan_*/*.png, wgan_vs_gp/*.png; samples: models_samples.png, wgan_samples.png."; } >>"$RES/README.md"
echo "1-gan-family: results in $RES/README.md" >&2
