# robust.sh — nothing lost, nothing crashes (issue 8), the fast cases: a
# full disk (GT_FAULT_WRITE) while writing a checkpoint, a sample grid, the
# log and the event file; kill -9 at exact bytes of a checkpoint and at
# random moments; SIGINT / SIGTERM and a second SIGINT; damaged and newer
# checkpoints on --resume; NaN with on_nan = stop and rollback; absurd
# configs refused with their reason.  The long loops are tests/stress/.
# (sourced by tests/cli.sh, which defines expect, $G and the scratch cwd)

# on tmpfs when there is one: these runs write a checkpoint every step or
# two, and fsync on a disk would make them ten times slower (atomic rename
# works the same; tests/stress/ runs on a disk)
RB=$(mktemp -d /dev/shm/gt_robust.XXXXXX 2>/dev/null) || { RB=$PWD/robust; mkdir -p "$RB"; }
cd "$RB" || exit 1

# 48 random 28x28 grey images with labels, as IDX files
mkdir -p rtiny
{ printf '\000\000\010\003\000\000\000\060\000\000\000\034\000\000\000\034'; head -c $((48 * 784)) /dev/urandom; } > rtiny/train-images-idx3-ubyte
{ printf '\000\000\010\001\000\000\000\060'; for i in 0 1 2 3 4; do printf '\000\001\002\003\004\005\006\007\010\011'; done | head -c 48; } > rtiny/train-labels-idx1-ubyte

# a tiny GAN on 2-D points: a step takes well under a millisecond
cat > rb.ini <<'EOF'
[model]
preset = gan
z_dim = 2
g_hidden = 8
d_hidden = 8
[data]
dataset = toy2d
toy_n = 256
[train]
steps = 6
batch_size = 16
log_every = 1
ckpt_every = 2
sample_every = 2
keep_ckpts = 10
progress = lines
EOF

# ok NAME CONDITION...: a check that is not one command's exit status
ok() {
    name=$1
    shift
    if "$@"; then
        echo "ok   cli_$name"
        pass=$((pass + 1))
    else
        echo "FAIL cli_$name"
        fail=$((fail + 1))
    fi
}
no_tmp() { [ -z "$(find "$1" -name '*.tmp*')" ]; }
last_is() { [ "$(readlink "$1/ckpt/last")" = "$2" ]; }
ckpt_step() { "$G" info "$1" 2>/dev/null | sed -n 's/^step  *//p'; }

# the reference: the same run, uninterrupted
"$G" train rb.ini --out rb_ref >/dev/null 2>&1
expect robust_memory_estimate 0 "memory: about [0-9.]+ [KMG]iB \(data .*, parameters and gradients .*, optimizer state .*, one step \(batch 16\) .*\) of the .* of " -- "$G" train rb.ini --out rb_mem

# ---- a full disk --------------------------------------------------------
# the events file fails a few bytes into step 3's scalars: its size after
# 2 steps (sample grids and toyviz frames make it grow by frames) + 100
"$G" train rb.ini --out rb_ev2 --steps 2 >/dev/null 2>&1
ev2=$(($(wc -c < "$(ls rb_ev2/events.out.tfevents.* | head -n 1)") + 100))
for what in "ckpt step_0000004.gtck:300" "sample samples/step_0000004.png:10" "log log.csv:160" "events events.out:$ev2"; do
    set -- $what
    d=rb_full_$1
    expect "robust_full_disk_$1" 1 "^gantrain: cannot write $d/.*: No space left on device$" -- env GT_FAULT_WRITE="$2" "$G" train rb.ini --out "$d"
    ok "robust_full_disk_$1_last_intact" sh -c "'$G' info $d/ckpt/last >/dev/null && test \"\$(readlink $d/ckpt/last)\" = step_0000002.gtck"
    ok "robust_full_disk_$1_no_partial_file" no_tmp "$d"
    expect "robust_full_disk_$1_resume" 0 "resuming at step 2" -- "$G" train rb.ini --out "$d" --resume
    expect "robust_full_disk_$1_same_log" 0 "" -- cmp rb_ref/log.csv "$d/log.csv"
done
# one error line, nothing else but the two start-up lines
GT_FAULT_WRITE=step_0000002.gtck:0 "$G" train rb.ini --out rb_one --set train.progress=none > /dev/null 2> rb_one.err
expect robust_full_disk_one_line 0 "^3$" -- sh -c "wc -l < rb_one.err"
expect robust_full_disk_first_ckpt 1 "nothing to resume" -- "$G" train rb.ini --out rb_one --resume

# ---- kill -9 inside a checkpoint write, at exact bytes --------------------
# (the header, the tensor table, the padding, tensor data, the last byte)
for off in 0 30 64 700 5000 9599; do
    d=rb_kill_$off
    GT_FAULT_WRITE="step_0000004.gtck:$off:kill" "$G" train rb.ini --out "$d" >/dev/null 2>&1
    rc=$?
    ok "robust_kill_at_byte_${off}_killed" [ "$rc" -eq 137 ]
    ok "robust_kill_at_byte_${off}_partial_not_taken" sh -c "test -f $d/ckpt/step_0000004.gtck.tmp.* && test ! -e $d/ckpt/step_0000004.gtck && test \"\$(readlink $d/ckpt/last)\" = step_0000002.gtck"
    expect "robust_kill_at_byte_${off}_resume" 0 "resuming at step 2" -- "$G" train rb.ini --out "$d" --resume
    ok "robust_kill_at_byte_${off}_cleaned" no_tmp "$d"
    expect "robust_kill_at_byte_${off}_same_log" 0 "" -- cmp rb_ref/log.csv "$d/log.csv"
done

# ---- kill -9 at random moments ------------------------------------------
# a longer run, killed a few times wherever it is; every kill must leave
# whole checkpoints only and a run that resumes to the uninterrupted result
sed 's/^steps = 6/steps = 400/; s/^ckpt_every = 2/ckpt_every = 1/; s/^sample_every = 2/sample_every = 50/; s/^keep_ckpts = 10/keep_ckpts = 3/' rb.ini > rk.ini
"$G" train rk.ini --out rk_ref >/dev/null 2>&1
kills=0
broken=0
i=0
while [ $i -lt 6 ]; do
    i=$((i + 1))
    if [ -e rk/ckpt/last ]; then set -- --resume; else set --; fi
    "$G" train rk.ini --out rk "$@" >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$((i * 7 % 10))"
    kill -9 $pid 2>/dev/null && kills=$((kills + 1))
    wait $pid 2>/dev/null
    for f in rk/ckpt/step_*.gtck; do
        [ -e "$f" ] && ! "$G" info "$f" >/dev/null 2>&1 && broken=$((broken + 1))
    done
    [ -e rk/ckpt/last ] && ! "$G" info rk/ckpt/last >/dev/null 2>&1 && broken=$((broken + 1))
done
ok robust_kill9_loop_whole_checkpoints [ "$broken" -eq 0 ]
if [ -e rk/ckpt/last ]; then set -- --resume; else set --; fi
expect robust_kill9_loop_finishes 0 "run directory: rk" -- "$G" train rk.ini --out rk "$@"
expect robust_kill9_loop_same_log 0 "" -- cmp rk_ref/log.csv rk/log.csv
"$G" info rk_ref/ckpt/last | grep -E "^  [gd]\." > rk_ref.tensors
"$G" info rk/ckpt/last | grep -E "^  [gd]\." > rk.tensors
expect robust_kill9_loop_same_params 0 "" -- cmp rk_ref.tensors rk.tensors

# ---- signals ------------------------------------------------------------
sed 's/^steps = 6/steps = 10000000/; s/^ckpt_every = 2/ckpt_every = 0/; s/^sample_every = 2/sample_every = 0/' rb.ini > rs.ini
# starts a run in the background and waits until it has logged a few rows
start_run() {
    "$G" train rs.ini --out "$1" > "$1.out" 2> "$1.err" &
    pid=$!
    n=0
    while [ $n -lt 3000 ] && [ "$(cat "$1/log.csv" 2>/dev/null | wc -l)" -lt 4 ]; do
        sleep 0.02
        n=$((n + 1))
    done
}
for sig in INT TERM; do
    start_run rs_$sig
    # a second gantrain on the same directory (a --resume typed too early)
    expect "robust_sig${sig}_dir_locked" 1 "rs_$sig is in use by another gantrain \(pid $pid\)" -- "$G" train rs.ini --out rs_$sig --resume
    kill -$sig $pid
    wait $pid
    rc=$?
    want=$([ $sig = INT ] && echo 130 || echo 143)
    ok "robust_sig${sig}_exit_$want" [ "$rc" -eq "$want" ]
    expect "robust_sig${sig}_message" 0 "stopped by SIG$sig at step [0-9]+; continue with --resume" -- cat rs_$sig.err
    # the step it finished is the step of the checkpoint and of the last log row
    ok "robust_sig${sig}_checkpoint_at_last_step" sh -c "test \"\$(tail -n 1 rs_$sig/log.csv | cut -d, -f1)\" = \"\$(\"$G\" info rs_$sig/ckpt/last | sed -n 's/^step  *//p')\""
    ok "robust_sig${sig}_no_partial_file" no_tmp rs_$sig
done
# a second SIGINT leaves at once (130), never with a damaged file
start_run rs_twice
kill -INT $pid
sleep 0.005
kill -INT $pid
wait $pid
rc=$?
ok robust_sigint_twice_exit_130 [ "$rc" -eq 130 ]
expect robust_sigint_twice_message 0 "interrupted again, exiting without a checkpoint|stopped by SIGINT" -- cat rs_twice.err
ok robust_sigint_twice_files_whole sh -c "for f in rs_twice/ckpt/step_*.gtck; do test ! -e \$f || '$G' info \$f >/dev/null || exit 1; done"
# (the checkpoint exists unless the second signal came before it was written)
if [ -e rs_twice/ckpt/last ]; then set -- --resume; else set --; fi
expect robust_sigint_twice_resumes 0 "run directory" -- "$G" train rs.ini --out rs_twice "$@" --steps 200

# ---- damaged, missing and newer checkpoints on --resume ------------------
cp -r rb_ref rb_crc
size=$(wc -c < rb_crc/ckpt/step_0000006.gtck)
printf '\377' | dd of=rb_crc/ckpt/step_0000006.gtck bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
expect robust_corrupt_byte_names_tensor 1 "CRC mismatch in tensor 'opt_d/s2/d\.out\.bias'" -- "$G" info rb_crc/ckpt/last
expect robust_resume_skips_corrupt 0 "step_0000006.gtck: CRC mismatch in tensor '.*'.*; resuming from step_0000004.gtck, the newest checkpoint that loads" -- "$G" train rb.ini --out rb_crc --resume
ok robust_resume_skips_corrupt_link last_is rb_crc step_0000006.gtck
expect robust_resume_skips_corrupt_same_log 0 "" -- cmp rb_ref/log.csv rb_crc/log.csv
cp -r rb_ref rb_trunc
head -c 5000 rb_ref/ckpt/step_0000006.gtck > rb_trunc/ckpt/step_0000006.gtck
expect robust_truncated_says_so 1 "rb_trunc/ckpt/last: truncated: the tensor table needs bytes 64\.\.[0-9]+ but the file has 5000" -- "$G" info rb_trunc/ckpt/last
expect robust_resume_skips_truncated 0 "truncated.*resuming from step_0000004.gtck" -- "$G" train rb.ini --out rb_trunc --resume
mkdir -p rb_only/ckpt
cp rb_ref/config.ini rb_only/
head -c 5000 rb_ref/ckpt/step_0000002.gtck > rb_only/ckpt/step_0000002.gtck
ln -s step_0000002.gtck rb_only/ckpt/last
expect robust_resume_nothing_whole 1 "truncated.*\(and no older checkpoint loads either\)" -- "$G" train rb.ini --out rb_only --resume
cp -r rb_ref rb_newer
rm rb_newer/ckpt/step_0000006.gtck
ln -sfn step_0000002.gtck rb_newer/ckpt/last
expect robust_resume_takes_newer_than_last 0 "step_0000004.gtck is newer than ckpt/last \(step_0000002.gtck\) and whole" -- "$G" train rb.ini --out rb_newer --resume
expect robust_resume_takes_newer_same_log 0 "" -- cmp rb_ref/log.csv rb_newer/log.csv
cp -r rb_ref rb_arch
rm rb_arch/ckpt/step_0000006.gtck rb_arch/ckpt/step_0000004.gtck
ln -sfn step_0000002.gtck rb_arch/ckpt/last
expect robust_resume_other_model_stops 2 "trained with model.objective = ns, the config says ls" -- "$G" train rb.ini --out rb_arch --resume --set model.objective=ls

# ---- NaN and Inf ----------------------------------------------------------
# WGAN without clipping and SGD at lr 0.5 blows up at step 6
cat > rn.ini <<'EOF'
[model]
preset = wgan
z_dim = 2
g_hidden = 8
d_hidden = 8
[data]
dataset = toy2d
toy_n = 256
[train]
steps = 12
batch_size = 16
log_every = 1
ckpt_every = 4
sample_every = 0
tensorboard = false
progress = none
clip = 1000000
[optim]
optimizer = sgd
lr = 0.5
EOF
expect robust_nan_stop 1 "^gantrain: training diverged at step 6: d_loss = .*, g_loss = -inf, D\(x\) = .*, D\(G\(z\)\) = .*, Wasserstein estimate = .*, learning rates 0.5 \(G\) and 0.5 \(D\); ckpt/last is intact \(lower optim.lr, or set train.on_nan = rollback\)$" -- "$G" train rn.ini --out rn_stop
ok robust_nan_stop_last_intact sh -c "'$G' info rn_stop/ckpt/last >/dev/null && test \"\$(readlink rn_stop/ckpt/last)\" = step_0000004.gtck"
expect robust_nan_rollback 0 "warning: training diverged at step 6: .*; rollback 1 of 2: back to step 4 \(ckpt/last\) with the learning rates x0.01" -- "$G" train rn.ini --out rn_rb --set train.on_nan=rollback --set train.rollback_lr_factor=0.01 --set train.max_rollbacks=2
expect robust_nan_rollback_log 0 "^5,.*,0.005,0.005$" -- grep "^5," rn_rb/log.csv
expect robust_nan_rollback_no_diverged_rows 0 "^12$" -- sh -c "tail -n +2 rn_rb/log.csv | wc -l"
expect robust_nan_rollback_factor_kept 0 "lr_scale +0.01" -- "$G" info rn_rb/ckpt/last
expect robust_nan_rollback_resumed_keeps_factor 0 "" -- "$G" train rn.ini --out rn_rb --resume --steps 14 --set train.on_nan=rollback --set train.rollback_lr_factor=0.01
expect robust_nan_rollback_resumed_lr 0 "^14,.*,0.005,0.005$" -- tail -n 1 rn_rb/log.csv
expect robust_nan_rollback_gives_up 1 "training diverged at step 6: .*; stopped after 2 rollbacks \(train.max_rollbacks = 2\); ckpt/last is intact$" -- "$G" train rn.ini --out rn_up --set train.on_nan=rollback --set train.rollback_lr_factor=1 --set train.max_rollbacks=2
# Adam without epsilon turns the critic's exactly-zero bias gradient into
# NaN weights while the step's losses (computed before the update) are
# finite: the checkpoint after it must not be written
expect robust_nan_in_weights_no_checkpoint 1 "training diverged by step 1: d\.[a-z0-9.]+ holds a NaN or Inf \(the losses were still finite\); no checkpoint written" -- "$G" train rn.ini --out rn_w --set optim.optimizer=adam --set optim.lr=0.001 --set optim.eps=0 --set train.ckpt_every=1 --set train.n_critic=1
ok robust_nan_in_weights_nothing_written [ ! -e rn_w/ckpt/step_0000001.gtck ]
expect robust_nan_rollback_before_first_ckpt 0 "rollback 1 of 3: back to step 0" -- "$G" train rn.ini --out rn_zero --set train.on_nan=rollback --set train.ckpt_every=0 --set train.rollback_lr_factor=0.01

# ---- absurd configs ---------------------------------------------------------
printf '[model]\npreset = gan\n[data]\ndataset = mnist\npath = rtiny\n[train]\nsteps = 1\nbatch_size = 8\n' > ab.ini
expect robust_absurd_image_size 2 "data.image_size: 1000000 is out of range \[0, 4096\]" -- "$G" train ab.ini --out ab --set data.image_size=1000000
expect robust_absurd_batch 2 "train.batch_size: 1000000000 is out of range" -- "$G" train ab.ini --out ab --set train.batch_size=1000000000
expect robust_absurd_lr 2 "optim.lr: -1 is out of range" -- "$G" train ab.ini --out ab --set optim.lr=-1
expect robust_absurd_n_critic 2 "train.n_critic: 0 is out of range" -- "$G" train ab.ini --out ab --set train.n_critic=0
# in range, but not for this data or this machine
expect robust_absurd_upscale 1 "rtiny: 48 samples of 16777216 bytes would take 768 MiB in memory, more than the 256 MiB of GANTRAIN_MEM_LIMIT_MB; lower data.image_size" -- env GANTRAIN_MEM_LIMIT_MB=256 "$G" train ab.ini --out ab --set data.image_size=4096
expect robust_absurd_big_batch 2 "this run would need about .* \(.*one step \(batch 10000000\) .*\) of the .* of physical memory|fewer than" -- "$G" train ab.ini --out ab --set train.batch_size=10000000
expect robust_absurd_widths 2 "G and D have [0-9]+ parameters, which take .* with their gradients, more than the .*; use smaller model widths" -- "$G" train ab.ini --out ab --set model.g_hidden=1048576,1048576
expect robust_absurd_arena 2 "one step at batch 64 needs about .* of activations, more than train.arena_mb = 16" -- "$G" train ab.ini --out ab --set train.arena_mb=16 --set train.batch_size=64
expect robust_absurd_batch_one_bn 2 "train.batch_size = 1, but model.arch = mlp has batch norm" -- "$G" train ab.ini --out ab --set train.batch_size=1
expect robust_absurd_width_overflow 2 "model.g_width = 65536 with 1024x1024 images makes layers of more than 2\^31 values" -- "$G" train ab.ini --out ab --set model.preset=dcgan --set data.image_size=1024 --set model.g_width=65536
ok robust_absurd_nothing_written [ ! -e ab/ckpt/last ]
# an endless config ends in an error, not a hang
expect robust_endless_config 2 "^gantrain: /dev/zero: more than 100000 lines; is it a config file\?$" -- "$G" train /dev/zero --out ab

cd "$T" && rm -rf "$RB"
