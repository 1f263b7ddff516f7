# lockstep.sh — gantrain's trainer against PyTorch on the committed lockstep
# fixtures (scripts/lockstep.py --size small --iters 20 --store 1,20; `make
# fixtures` remakes them): the same initial weights, real batches, noise,
# labels, dropout masks and penalty weights, 20 iterations, every loss,
# parameter and optimizer state within 1e-4 of PyTorch's or no further from
# the float64 replay than twice PyTorch's own float32 run (dcgan's
# discriminator starts in a cancellation: sigmoid(x) - y with x near 0).
LS="$ROOT/tests/fixtures/lockstep"
for f in gan-small dcgan-small wgan_gp-small cgan-small gan-small-ref wgan-small-ref; do
    expect "lockstep_$(echo "$f" | tr - _)" 0 "^lockstep: every compared figure and tensor within 0.0001" -- \
        "$G" --threads 1 lockstep "$LS/$f.ini" "$LS/$f.npz"
done
# the comparison can fail: another learning rate parts at the first step
expect lockstep_detects_difference 1 "lockstep: iteration 1 differs from PyTorch by" -- \
    "$G" --threads 1 lockstep "$LS/gan-small.ini" "$LS/gan-small.npz" --set optim.lr=3e-4
# the interleaved schedule draws in another order than critic-first
expect lockstep_detects_schedule 1 "lockstep: iteration 1 differs from PyTorch" -- \
    "$G" --threads 1 lockstep "$LS/wgan-small-ref.ini" "$LS/wgan-small-ref.npz" --set train.schedule=critic-first
# inputs that do not fit the model: one clear line
expect lockstep_wrong_model 1 "gan-small\.npz: init\.g\.0 has 160 values, gantrain draws 400 here" -- \
    "$G" lockstep "$LS/gan-small.ini" "$LS/gan-small.npz" --set model.z_dim=50
expect lockstep_missing 1 "cannot read missing\.npz" -- "$G" lockstep "$LS/gan-small.ini" missing.npz
expect lockstep_usage 2 "usage: gantrain lockstep CONFIG.ini INPUTS.npz" -- "$G" lockstep "$LS/gan-small.ini"
