# train.sh — `gantrain train`: every preset runs a few steps on a tiny
# generated dataset and leaves a complete run directory; runs are
# deterministic; a resumed run equals an uninterrupted one; config and
# resume mistakes give one clear error.

# 48 random 28x28 grey images with labels 0..9, as IDX files
mkdir -p tiny
{ printf '\000\000\010\003\000\000\000\060\000\000\000\034\000\000\000\034'; head -c $((48 * 784)) /dev/urandom; } > tiny/train-images-idx3-ubyte
{ printf '\000\000\010\001\000\000\000\060'; for i in 0 1 2 3 4; do printf '\000\001\002\003\004\005\006\007\010\011'; done | head -c 48; } > tiny/train-labels-idx1-ubyte
# small widths keep each preset to a fraction of a second
common='[data]
dataset = mnist
path = tiny
[train]
steps = 3
batch_size = 8
log_every = 1
sample_every = 2
ckpt_every = 2
sample_n = 16
sample_nrow = 4
progress = lines'
smoke() { # NAME PRESET EXTRA-INI
    printf '[model]\npreset = %s\n%s\n%s\n' "$2" "$3" "$common" > "$1.ini"
    expect "train_smoke_$1" 0 "samples: run_$1/samples/step_0000003.png" -- "$G" train "$1.ini" --out "run_$1"
    expect "train_smoke_$1_files" 0 "^3," -- sh -c "test -s run_$1/config.ini && ls run_$1/events.out.tfevents.* >/dev/null && test -s run_$1/samples/step_0000002.png && tail -n 1 run_$1/log.csv"
    expect "train_smoke_$1_ckpt" 0 "step +3" -- "$G" info "run_$1/ckpt/last"
    expect "train_smoke_$1_finite" 1 "" -- grep -Eiq "nan|inf" "run_$1/log.csv"
}
smoke gan gan "g_hidden = 16,32
d_hidden = 32,16"
smoke cgan cgan "g_hidden = 16,32
d_hidden = 32,32,32"
smoke dcgan dcgan "g_width = 16
d_width = 4"
smoke wgan wgan "g_hidden = 16,32
d_hidden = 32,16"
smoke wgan_gp wgan_gp "g_hidden = 16,32
d_hidden = 32,16"
smoke began began "g_width = 16
d_width = 4"
smoke dcgan64 dcgan64 "g_width = 4
d_width = 4"
smoke began64 began64 "g_width = 8
d_width = 8
[data]
image_size = 32"

expect train_log_columns_wgan_gp 0 "^step,epoch,d_loss,g_loss,wasserstein,gp,d_real,d_fake,g_lr,d_lr$" -- head -n 1 run_wgan_gp/log.csv
expect train_log_columns_began 0 "^step,epoch,d_loss,g_loss,k_t,m_global,l_real,l_fake,g_lr,d_lr$" -- head -n 1 run_began/log.csv
expect train_resolved_config 0 "^arch = dcgan32" -- cat run_dcgan/config.ini
expect train_keep_ckpts 0 "step_0000002.gtck" -- ls run_dcgan/ckpt

# determinism: the same config and seed give the same log, bit for bit
"$G" train dcgan.ini --out det1 --set train.steps=4 >/dev/null 2>&1
"$G" train dcgan.ini --out det2 --set train.steps=4 >/dev/null 2>&1
expect train_deterministic 0 "" -- cmp det1/log.csv det2/log.csv
"$G" train dcgan.ini --out det3 --set train.steps=4 --seed 9 >/dev/null 2>&1
expect train_seed_changes_run 1 "differ" -- cmp det1/log.csv det3/log.csv

# resume: 3 + 3 steps equal 6 uninterrupted ones (log and parameters), for
# dcgan, wgan_gp and began
resume_case() { # NAME
    "$G" train "$1.ini" --out "full_$1" --set train.steps=6 --set train.ckpt_every=0 >/dev/null 2>&1
    "$G" train "$1.ini" --out "half_$1" --set train.steps=3 --set train.ckpt_every=0 >/dev/null 2>&1
    expect "train_resume_$1" 0 "resuming at step 3" -- "$G" train "$1.ini" --out "half_$1" --set train.steps=6 --set train.ckpt_every=0 --resume
    expect "train_resume_$1_log" 0 "" -- cmp "full_$1/log.csv" "half_$1/log.csv"
    "$G" info "full_$1/ckpt/last" | grep -E "^  [gd]\." > "full_$1.tensors"
    "$G" info "half_$1/ckpt/last" | grep -E "^  [gd]\." > "half_$1.tensors"
    expect "train_resume_$1_params" 0 "" -- cmp "full_$1.tensors" "half_$1.tensors"
}
resume_case dcgan
resume_case wgan_gp
resume_case began

# mistakes
printf '[model]\npreset = gan\n[train]\nbatch_sise = 3\n' > typo.ini
expect train_config_typo 2 "typo.ini:4: unknown key 'batch_sise' in \[train\] \(did you mean 'train.batch_size'\?\)" -- "$G" train typo.ini
expect train_resume_nothing 1 "nothing to resume" -- "$G" train gan.ini --out fresh --resume
expect train_existing_run 2 "already holds a run; use --resume" -- "$G" train gan.ini --out run_gan
expect train_resume_wrong_arch 2 "trained with model.arch = mlp, the config says cgan-mlp" -- "$G" train gan.ini --out run_gan --resume --set model.arch=cgan-mlp --set model.d_hidden=32,32,32
expect train_bad_steps 2 "--steps wants a count" -- "$G" train gan.ini --steps many
expect train_no_config 2 "cannot open config" -- "$G" train nope.ini
expect train_missing_data 1 "no such directory" -- "$G" train gan.ini --out x --set data.path=nowhere
expect train_dcgan_needs_size 2 "multiple of 16" -- "$G" train dcgan.ini --out y --set data.image_size=28
