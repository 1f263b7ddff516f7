# mpi.sh — data-parallel training under mpirun: one rank equals the plain
# binary bit for bit, two ranks match one process within 1e-5 on 20 steps of
# dcgan and wgan_gp and are deterministic, a checkpoint written by two ranks
# resumes in a single process, a failing rank ends the job (no hang), and
# train and bench report the time spent in all-reduces (rank 0 alone prints).
if command -v mpirun >/dev/null 2>&1 && ldd "$G" | grep -q libmpi; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
    # Open MPI keeps allocations to the end by design (LeakSanitizer lists
    # them); memory errors are still caught in sanitizer builds
    MPIRUN="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 mpirun --oversubscribe"
    # the data, configs mpd.ini and mpw.ini, close_logs
    . "$ROOT/tests/mp_common.sh"
    mp_data mp
    mp_configs mp
    for cfgname in mpd mpw; do
        "$G" --threads 1 train $cfgname.ini --out "${cfgname}_plain" >/dev/null 2>&1
        $MPIRUN -np 1 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_np1" >/dev/null 2>&1
        expect "mpi_${cfgname}_np1_bit_identical" 0 "" -- cmp "${cfgname}_plain/log.csv" "${cfgname}_np1/log.csv"
        expect "mpi_${cfgname}_np2_runs" 0 "data parallel over 2 ranks, 8 samples each" -- $MPIRUN -np 2 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_np2"
        expect "mpi_${cfgname}_np2_matches" 0 "logs agree" -- close_logs "${cfgname}_plain/log.csv" "${cfgname}_np2/log.csv"
        $MPIRUN -np 2 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_np2b" >/dev/null 2>&1
        expect "mpi_${cfgname}_np2_deterministic" 0 "" -- cmp "${cfgname}_np2/log.csv" "${cfgname}_np2b/log.csv"
        # gradients all-reduced in buckets of 1 KiB as the backward pass
        # finishes them, or in one blocking all-reduce after it: with two
        # ranks every element is a + b either way (bit for bit)
        $MPIRUN -np 2 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_blocking" --set train.bucket_kb=0 >/dev/null 2>&1
        $MPIRUN -np 2 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_b1" --set train.bucket_kb=1 >/dev/null 2>&1
        expect "mpi_${cfgname}_overlap_equals_blocking" 0 "" -- cmp "${cfgname}_blocking/log.csv" "${cfgname}_b1/log.csv"
        expect "mpi_${cfgname}_default_buckets_equal_blocking" 0 "" -- cmp "${cfgname}_blocking/log.csv" "${cfgname}_np2/log.csv"
    done
    # 10 steps on 2 ranks, then 10 more in one process.  The state carries
    # over exactly (the first resumed step agrees within 1e-5); later steps
    # need not stay that close, since Adam turns the rounding noise in the
    # zero gradients of biases ahead of batch norm into full-size updates.
    $MPIRUN -np 2 "$G" --threads 1 train mpd.ini --out mpd_half --steps 10 >/dev/null 2>&1
    expect mpi_resume_in_one_process 0 "resuming at step 10" -- "$G" --threads 1 train mpd.ini --out mpd_half --resume
    head -n 12 mpd_plain/log.csv > mpd_plain.11
    head -n 12 mpd_half/log.csv > mpd_half.11
    expect mpi_resume_continues 0 "logs agree" -- close_logs mpd_plain.11 mpd_half.11
    expect mpi_resume_finishes 0 "^20," -- tail -n 1 mpd_half/log.csv
    # the final summary line reports the share of communication
    expect mpi_train_comm_share 0 "^data parallel: 2 ranks, 3 steps in [0-9.]+ s, communication [0-9.]+ s = [0-9.]+% \([0-9.]+ ms per step\)$" -- \
        $MPIRUN -np 2 "$G" --threads 1 train mpd.ini --out mpd_comm --steps 3
    # bench under mpirun: rank 0 alone prints, with the all-reduce time
    # (a real figure: it is above zero, below the whole iteration)
    $MPIRUN -np 2 "$G" --threads 1 bench mpd.ini --steps 3 > mpbench.out 2>&1
    expect mpi_bench_comm 0 "^all-reduce +[0-9.]+ ms per iteration = [0-9.]+% of the iteration" -- cat mpbench.out
    # the gradients' part: what the backward pass did not hide, G and D in one bucket each
    expect mpi_bench_grad 0 "^gradients +[0-9.]+ ms per iteration exposed \([0-9.]+ to [0-9.]+ over the ranks\), [0-9.]+ ms in flight, 2 buckets of up to 1024 KiB$" -- cat mpbench.out
    expect mpi_bench_comm_real 0 "^ok$" -- awk '/^all-reduce/ { ms = $2; pct = $7 + 0 } END { print (ms > 0 && pct > 0 && pct < 100) ? "ok" : "ms " ms " pct " pct }' mpbench.out
    expect mpi_bench_rank0_only 0 "^1$" -- grep -c "^config " mpbench.out
    # per iteration: G and D gradients (4 x (107057 + 24865) bytes), batch-norm
    # sums and the batch-wide figures, in 40 all-reduces
    expect mpi_bench_json 0 "\"ranks\": 2, \"comm_ms\": [0-9.]+, \"comm_fraction\": 0\.[0-9]+, \"comm_ms_min\": [0-9.]+, \"comm_ms_max\": [0-9.]+, \"allreduce_calls\": 40.0, \"allreduce_bytes\": 539872, \"params_g\": 107057, \"params_d\": 24865, \"bucket_kb\": 1024, \"grad_ms\": [0-9.]+, \"grad_ms_min\": [0-9.]+, \"grad_ms_max\": [0-9.]+, \"grad_flight_ms\": [0-9.]+, \"grad_buckets\": 2.0\}" -- \
        $MPIRUN -np 2 "$G" --threads 1 bench mpd.ini --seconds 0.2 --json
    expect bench_single_no_comm 1 "" -- sh -c '"$0" --threads 1 bench mpd.ini --steps 2 | grep -q "all-reduce\|ranks"' "$G"
    # only rank 0 writes: one events file
    expect mpi_one_writer 0 "^1$" -- sh -c "ls mpd_np2/events.out.tfevents.* | wc -l"
    # an error on a rank ends the job with that rank's message
    printf '[model]\npreset = dcgan\n[data]\ndataset = mnist\npath = mp\nimage_size = 28\n[train]\nbatch_size = 16\nprogress = none\n' > mpbad.ini
    expect mpi_error_ends_job 2 "rank [01] of 2\] .*multiple of 16" -- $MPIRUN -np 2 "$G" --threads 1 train mpbad.ini --out mpbad
    # a rank that stops answering (SIGSTOP, as a frozen host would) ends the
    # job within train.peer_timeout, with the other rank's message naming it
    # (an all-reduce would wait for it for ever)
    $MPIRUN -np 2 "$G" --threads 1 train mpd.ini --out mpd_frozen --set train.steps=1000000 --set train.peer_timeout=2 >frozen.out 2>&1 &
    mp=$!
    victim=""
    for i in $(seq 1 600); do
        for c in $(ps -o pid= --ppid $mp 2>/dev/null); do
            tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && victim=$c
        done
        [ -n "$victim" ] && [ -s mpd_frozen/log.csv ] && break
        sleep 0.1
    done
    frozen_at=$(date +%s)
    [ -n "$victim" ] && kill -STOP "$victim"
    for i in $(seq 1 300); do kill -0 $mp 2>/dev/null || break; sleep 0.1; done
    kill -0 $mp 2>/dev/null && { kill -KILL "$victim" $mp 2>/dev/null; echo "still running 30 s later" >>frozen.out; }
    wait $mp
    echo "stopped after $(($(date +%s) - frozen_at)) s" >>frozen.out
    expect mpi_frozen_rank_named 0 "^gantrain: \[rank 0 of 2 on [^]]+\] lost rank 1 on [^:]+: nothing heard from it for [2-9]\.[0-9] s" -- cat frozen.out
    expect mpi_frozen_rank_bounded 0 "^stopped after ([0-9]|1[0-9]) s$" -- cat frozen.out
else
    echo "skip mpi tests: no mpirun or gantrain built without Open MPI"
fi
