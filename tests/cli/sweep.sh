# sweep.sh — scripts/sweep.sh and scripts/summarize on tiny toy2d runs: the
# grid and its names, two runs at a time, a failed run reported while the
# others finish, finished runs skipped and an interrupted run resumed (to
# the same log as an uninterrupted one), eval called per run, usage
# errors; --list and --only, --mpi and --hosts (their runs under Open MPI
# when it is there); the summary's numbers (mean ± std over seeds from eval.jsonl
# files written here) and its plots.

SW="$ROOT/scripts/sweep.sh"
SUM="$ROOT/scripts/summarize"
cat > swtoy.ini <<'EOF'
[model]
preset = gan
z_dim = 2
g_hidden = 16,16
d_hidden = 16,16
g_batchnorm = false
[data]
dataset = toy2d
toy = circle
toy_n = 512
[train]
steps = 6
batch_size = 64
log_every = 1
sample_every = 0
ckpt_every = 3
toyviz_every = -1
progress = lines
EOF

# a 2 x 2 grid with 2 seeds; batch_size = 100000 cannot run on 512 points
"$SW" swtoy.ini lr=1e-3,2e-4 batch_size=64,100000 --seeds 2 --jobs 2 --root sw --name grid --gantrain "$G" > grid.out 2>&1
echo "exit $?" >> grid.out
expect sweep_grid_exit 0 "^exit 1$" -- tail -n 1 grid.out
expect sweep_grid_counts 0 "4/8 finished \(0 skipped as already done\), 4 failed" -- cat grid.out
expect sweep_failure_reported 0 "\[3/8\] lr=1e-3,batch_size=100000,seed=1: FAILED \(exit 1\).*fewer than one batch" -- cat grid.out
expect sweep_others_finish 0 "\[8/8\] lr=2e-4,batch_size=100000,seed=2: FAILED" -- cat grid.out
expect sweep_trained 0 "\[6/8\] lr=2e-4,batch_size=64,seed=2: trained in" -- cat grid.out
expect sweep_names_and_settings 0 "^lr = 2e-4" -- \
    sh -c 'test $(grep -c . "sw/grid/lr=2e-4,batch_size=64,seed=2/log.csv") -eq 7 && grep -q "^seed = 2" "sw/grid/lr=2e-4,batch_size=64,seed=2/config.ini" && grep "^lr = " "sw/grid/lr=2e-4,batch_size=64,seed=2/config.ini"'
expect sweep_state 0 "status=done" -- cat "sw/grid/lr=1e-3,batch_size=64,seed=1/sweep.state"
expect sweep_state_failed 0 "status=failed" -- cat "sw/grid/lr=1e-3,batch_size=100000,seed=2/sweep.state"
# again: the finished runs are skipped, the failed ones tried again
expect sweep_rerun_skips 1 "4/8 finished \(4 skipped as already done\), 4 failed" -- \
    "$SW" swtoy.ini lr=1e-3,2e-4 batch_size=64,100000 --seeds 2 --jobs 2 --root sw --name grid --gantrain "$G"
expect sweep_rerun_skip_line 0 "\[1/1\] lr=1e-3,batch_size=64,seed=1: already finished, skipped" -- \
    "$SW" swtoy.ini lr=1e-3 batch_size=64 --seeds 1 --root sw --name grid --gantrain "$G"

# an interrupted run (a checkpoint at step 3, no sweep.state) is resumed,
# and ends with the log of the uninterrupted run of the same settings
"$G" --threads 1 train swtoy.ini --out "sw/resume/lr=1e-3,batch_size=64,seed=1" --set optim.lr=1e-3 --steps 3 >/dev/null 2>&1
expect sweep_resumes 0 "\[1/1\] lr=1e-3,batch_size=64,seed=1: trained \(resumed\)" -- \
    "$SW" swtoy.ini lr=1e-3 batch_size=64 --seeds 1 --threads 1 --root sw --name resume --gantrain "$G"
expect sweep_resumed_log 0 "resuming at step 3" -- cat "sw/resume/lr=1e-3,batch_size=64,seed=1/train.log"
expect sweep_resumed_equals_full 0 "" -- cmp "sw/resume/lr=1e-3,batch_size=64,seed=1/log.csv" "sw/grid/lr=1e-3,batch_size=64,seed=1/log.csv"

# --eval runs `gantrain eval RUN --metrics LIST ARGS` once per run; a stand-in
# for gantrain eval appends its arguments to eval.jsonl
cat > fake-gantrain <<EOF
#!/bin/sh
if [ "\$3" = eval ]; then
    echo "{\"step\": 6, \"args\": \"\$*\", \"fid\": 1.5}" >> "\$4/eval.jsonl"
    exit 0
fi
exec "$G" "\$@"
EOF
chmod +x fake-gantrain
expect sweep_eval 0 "evaluated \(fid,kid\)" -- \
    "$SW" swtoy.ini lr=1e-3,2e-4 --jobs 2 --root sw --name ev --eval fid,kid --eval-args "--n 50" --gantrain ./fake-gantrain
expect sweep_eval_args 0 "eval sw/ev/lr=2e-4 --metrics fid,kid --n 50" -- cat sw/ev/lr=2e-4/eval.jsonl
expect sweep_eval_once 0 "2/2 finished \(2 skipped" -- \
    "$SW" swtoy.ini lr=1e-3,2e-4 --jobs 2 --root sw --name ev --eval fid,kid --eval-args "--n 50" --gantrain ./fake-gantrain
expect sweep_eval_once_lines 0 "^1$" -- sh -c 'grep -c . sw/ev/lr=2e-4/eval.jsonl'
# a failing eval is reported as such (toy2d points have no images to evaluate)
printf '#!/bin/sh\n[ "$3" = eval ] && { echo "gantrain: no eval here" >&2; exit 1; }\nexec "%s" "$@"\n' "$G" > bad-gantrain
chmod +x bad-gantrain
expect sweep_eval_failure 1 "lr=1e-3: eval FAILED \(exit 1\): no eval here" -- \
    "$SW" swtoy.ini lr=1e-3 --root sw --name ev2 --eval fid --gantrain ./bad-gantrain

# mistakes are found before anything runs
expect sweep_unknown_key 2 "unknown config key 'batch_sise' \(similar: .*train.batch_size" -- "$SW" swtoy.ini batch_sise=1 --gantrain "$G"
expect sweep_bad_value 2 "lr=1e9: --set optim.lr: optim.lr: 1e\+09 is out of range" -- "$SW" swtoy.ini lr=1e-3,1e9 --gantrain "$G"
expect sweep_no_config 2 "nope.ini: no such config file" -- "$SW" nope.ini lr=1 --gantrain "$G"
expect sweep_bad_jobs 2 "--jobs wants a count" -- "$SW" swtoy.ini lr=1 --jobs x --gantrain "$G"
expect sweep_dry_run 0 "sw/dry/clip=0.02,seed=2: .* --threads 2 train swtoy.ini --out sw/dry/clip=0.02,seed=2 .*--set train.clip=0.02 --set train.seed=2" -- \
    "$SW" swtoy.ini clip=0.01,0.02 --seeds 2 --threads 2 --root sw --name dry --gantrain "$G" --dry-run

# ---- --list, --only: one combination per job-array task ---------------------
"$SW" swtoy.ini lr=1e-3,2e-4 batch_size=64,32 --seeds 2 --list --gantrain "$G" > list.out 2>&1
expect sweep_list_count 0 "^8$" -- sh -c 'grep -c . list.out'
expect sweep_list_numbered 0 "^6 lr=2e-4,batch_size=64,seed=2$" -- sed -n 6p list.out
expect sweep_list_only_grid 1 "" -- grep -v "^[1-8] lr=" list.out
expect sweep_only 0 "\[6/8\] lr=2e-4,batch_size=64,seed=2: trained in .*1/1 finished \(0 skipped" -- \
    sh -c '"$0" swtoy.ini lr=1e-3,2e-4 batch_size=64,32 --seeds 2 --only 6 --root sw --name only --gantrain "$1" | tr "\n" " "' "$SW" "$G"
# only that one ran, with its settings
expect sweep_only_one_dir 0 "^lr=2e-4,batch_size=64,seed=2$" -- sh -c 'ls sw/only | grep -v "^sweep.log$"'
expect sweep_only_settings 0 "^seed = 2" -- grep "^seed = " "sw/only/lr=2e-4,batch_size=64,seed=2/config.ini"
# the same run as a full sweep makes: equal logs
expect sweep_only_equals_grid 0 "" -- cmp "sw/only/lr=2e-4,batch_size=64,seed=2/log.csv" "sw/grid/lr=2e-4,batch_size=64,seed=2/log.csv"
expect sweep_only_range 2 "^sweep: --only 9: the grid has 8 combination\(s\), numbered 1..8" -- \
    "$SW" swtoy.ini lr=1e-3,2e-4 batch_size=64,32 --seeds 2 --only 9 --gantrain "$G"
expect sweep_only_zero 2 "^sweep: --only wants a combination number >= 1" -- "$SW" swtoy.ini lr=1e-3 --only 0 --gantrain "$G"

# ---- --mpi, --hosts: mistakes ---------------------------------------------------
printf 'localhost slots=2\n' > hosts1
expect sweep_mpi_zero 2 "^sweep: --mpi wants a rank count >= 1, not '0'$" -- "$SW" swtoy.ini lr=1e-3 --mpi 0 --gantrain "$G"
expect sweep_hosts_missing 2 "^sweep: nohosts.txt: no such hosts file$" -- "$SW" swtoy.ini lr=1e-3 --hosts nohosts.txt --gantrain "$G"
printf 'a slots=2\nb slots=two\n' > hosts-bad
expect sweep_hosts_bad_line 2 "^sweep: hosts-bad:2: \"slots=two\" is not slots=K" -- "$SW" swtoy.ini lr=1e-3 --hosts hosts-bad --gantrain "$G"
printf '# nothing\n\n' > hosts-empty
expect sweep_hosts_empty 2 "^sweep: hosts-empty: no hosts in the file" -- "$SW" swtoy.ini lr=1e-3 --hosts hosts-empty --gantrain "$G"
expect sweep_mpi_and_hosts 2 "^sweep: --mpi and --hosts do not go together" -- "$SW" swtoy.ini lr=1e-3 --mpi 2 --hosts hosts1 --gantrain "$G"
expect sweep_no_mpirun 2 "^sweep: no-such-mpirun: not found" -- "$SW" swtoy.ini lr=1e-3 --mpi 2 --mpirun no-such-mpirun --gantrain "$G"
# a gantrain built without MPI is refused (a stand-in that says so)
printf '#!/bin/sh\n[ "$1" = version ] && { echo "mpi: no (built without MPI)"; exit 0; }\nexec "%s" "$@"\n' "$G" > nompi-gantrain
chmod +x nompi-gantrain
expect sweep_mpi_needs_mpi_build 2 "^sweep: ./nompi-gantrain: built without MPI" -- \
    "$SW" swtoy.ini lr=1e-3 --mpi 2 --mpirun true --gantrain ./nompi-gantrain

# ---- --mpi, --hosts: real runs (skipped without Open MPI) -------------------------
if command -v mpirun >/dev/null 2>&1 && "$G" version | grep -q '^mpi: Open MPI'; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    SWMPI="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 mpirun"
    expect sweep_mpi_runs 0 "2/2 finished \(0 skipped" -- \
        "$SW" swtoy.ini lr=1e-3,2e-4 --mpi 2 --root sw --name mpi --mpirun "$SWMPI" --gantrain "$G"
    expect sweep_mpi_ranks 0 "data parallel over 2 ranks, 32 samples each" -- cat sw/mpi/lr=2e-4/train.log
    expect sweep_mpi_comm_line 0 "^data parallel: 2 ranks, 6 steps" -- cat sw/mpi/lr=2e-4/train.log
    expect sweep_mpi_state 0 "status=done" -- cat sw/mpi/lr=2e-4/sweep.state
    expect sweep_mpi_log 0 "^6," -- tail -n 1 sw/mpi/lr=2e-4/log.csv
    # 2 cores / (1 job x 2 ranks): one thread per rank
    expect sweep_mpi_threads 0 "mpirun -np 2 .* --threads 1 train" -- \
        "$SW" swtoy.ini lr=1e-3 --mpi 2 --root sw --name mpi --gantrain "$G" --dry-run
    expect sweep_hosts_runs 0 "1 at a time over 1 host\(s\) of hosts1.*2/2 finished \(0 skipped" -- \
        sh -c '"$0" swtoy.ini lr=1e-3,2e-4 --hosts hosts1 --root sw --name hosts --mpirun "$1" --gantrain "$2" | tr "\n" " "' "$SW" "$SWMPI" "$G"
    expect sweep_hosts_ranks 0 "data parallel over 2 ranks" -- cat sw/hosts/lr=1e-3/train.log
    expect sweep_hosts_log 0 "^6," -- tail -n 1 sw/hosts/lr=1e-3/log.csv
    # a TERM to the sweep reaches the ranks (not mpirun, which would kill
    # them): they finish the step, write a checkpoint, and the run is
    # recorded as interrupted
    "$SW" swtoy.ini lr=1e-3 --mpi 2 --steps 1000000 --set train.ckpt_every=1000000 --root sw --name term \
        --mpirun "$SWMPI" --gantrain "$G" > term.out 2>&1 &
    swpid=$!
    n=0
    while [ $n -lt 100 ] && ! grep -q "^step " "sw/term/lr=1e-3/train.log" 2>/dev/null; do sleep 0.2; n=$((n + 1)); done
    kill -TERM $swpid
    wait $swpid
    echo "exit $?" >> term.out
    expect sweep_mpi_term_exit 0 "^exit 143$" -- tail -n 1 term.out
    expect sweep_mpi_term_state 0 "status=interrupted" -- cat "sw/term/lr=1e-3/sweep.state"
    expect sweep_mpi_term_ckpt 0 "" -- test -e "sw/term/lr=1e-3/ckpt/last"
    # two hosts: two runs at a time by default, each on its host with its slots
    printf 'localhost slots=2   # this one\n\nnode7\n' > hosts2
    "$SW" swtoy.ini lr=1e-3,2e-4 --hosts hosts2 --root sw --name hosts2 --gantrain "$G" --dry-run > hosts2.out 2>&1
    expect sweep_hosts_jobs 0 "2 runs in sw/hosts2, 2 at a time over 2 host\(s\)" -- cat hosts2.out
    expect sweep_hosts_first 0 "lr=1e-3: mpirun --host localhost:2 -np 2 .* --threads 1 train" -- cat hosts2.out
    expect sweep_hosts_second 0 "lr=2e-4: mpirun --host node7:1 -np 1 " -- cat hosts2.out
else
    echo "skip sweep --mpi/--hosts runs: no mpirun or gantrain built without Open MPI"
fi

# ---- summarize ----------------------------------------------------------------
# eval.jsonl as gantrain eval writes it: the newest line of the last step counts
for s in 1 2; do
    for lr in 1e-3 2e-4; do
        d="sw/grid/lr=$lr,batch_size=64,seed=$s"
        case $lr in 1e-3) fid=$((10 * s)) ;; *) fid=$((30 + s)) ;; esac
        {
            echo '{"time": "2025-01-01T00:00:00Z", "ckpt": "x", "step": 3, "n": 100, "seed": 1, "features": "classifier", "fid": 999, "kid": 9, "kid_std": 1}'
            echo "{\"time\": \"2025-01-01T00:00:01Z\", \"ckpt\": \"x\", \"step\": 6, \"real\": \"toy, split\", \"n\": 100, \"n_real\": 100, \"seed\": 1, \"features\": \"classifier\", \"dim\": 64, \"fid\": $fid, \"kid\": 0.0$s, \"kid_std\": 0.001, \"precision\": 0.5, \"recall\": null, \"f1\": 0.25, \"seconds\": 1.5}"
        } > "$d/eval.jsonl"
    done
done
expect summarize_table 0 "\| lr=1e-3,batch_size=64 \| 1e-3 \| 2 \| 6 \|.* 15 ± 7.1 \| 0.015 ± 0.0071 \| 0.5 ± 0 \| \| 0.25 ± 0 \|" -- \
    "$SUM" sw/grid --out sumout --at-epochs 0.25,0.5
expect summarize_csv 0 "^\"lr=2e-4,batch_size=64\",2e-4,2,6,.*,31.5,0.7071,0.015,0.007071," -- cat sumout/summary.csv
expect summarize_runs_csv 0 "^5$" -- sh -c 'grep -c . sumout/runs.csv'
expect summarize_failed_runs_left_out 1 "" -- grep -q "100000" sumout/runs.csv
expect summarize_losses_at 0 "\| lr=2e-4,batch_size=64 \| [-0-9.e]+ ± [-0-9.e]+ \|" -- cat sumout/losses_at.md
# each plot a PNG of 1100 x 520 (the IHDR width and height, big-endian)
expect summarize_plots 0 "^89504e47 0000044c 00000208$" -- \
    sh -c 'od -An -tx1 -N24 sumout/g_loss.png | tr -d " \n" | sed "s/^\(.\{8\}\).\{24\}\(.\{8\}\)\(.\{8\}\)$/\1 \2 \3/"'
expect summarize_plot_files 0 "" -- test -s sumout/d_loss.png
expect summarize_curves 0 "" -- sh -c '"$0" sw/grid --out sumout2 --curves d_real --smooth 2 --quiet 2>/dev/null && test -s sumout2/d_real.png && test ! -e sumout2/d_loss.png' "$SUM"
expect summarize_no_runs 1 "no runs \(directories with log.csv\)" -- "$SUM" sumout2
expect summarize_bad_option 2 "unknown option '--bogus'" -- "$SUM" sw/grid --bogus
expect summarize_no_dir 2 "nowhere: no such directory" -- "$SUM" nowhere

# ---- scripts/experiments --------------------------------------------------------
for e in 1-gan-family 2-began-lr 3-objectives 4-dcgan-beta1-toys; do
    expect "experiment_help_$e" 0 "--full +the original budget" -- sh "$ROOT/scripts/experiments/$e.sh" --help
done
expect experiment_bad_arg 2 "unknown argument '--bogus'" -- sh "$ROOT/scripts/experiments/2-began-lr.sh" --bogus
# x_montage: COLS cells of X_CELL x X_CELL_H (+30 for each title, +40 for
# the title of all); two summarize plots stand in for sample grids, and "-"
# leaves a cell empty
expect experiment_montage 0 "^89504e47 0000012c 000000c8$" -- sh -c '
    . "$0/scripts/experiments/lib.sh"
    X_CELL=100 X_CELL_H=50 x_montage mont.png "two plots" 3 sumout/g_loss.png "g" - - sumout/d_loss.png "d" sumout/d_loss.png "again" &&
    test ! -e mont.png.gp && od -An -tx1 -N24 mont.png | tr -d " \n" | sed "s/^\(.\{8\}\).\{24\}\(.\{8\}\)\(.\{8\}\)$/\1 \2 \3/"' "$ROOT"
