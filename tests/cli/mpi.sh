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
    mkdir -p mp
    # fixed pseudo-random pixels (Park-Miller), so a failure reproduces
    { printf '\000\000\010\003\000\000\000\100\000\000\000\034\000\000\000\034'
      LC_ALL=C awk 'BEGIN { x = 12345; for (i = 0; i < 64 * 784; i++) { x = (x * 16807) % 2147483647; printf "%c", int(x / 8388608) % 256 } }'; } > mp/train-images-idx3-ubyte
    { printf '\000\000\010\001\000\000\000\100'; for i in 0 1 2 3 4 5 6; do printf '\000\001\002\003\004\005\006\007\010\011'; done | head -c 64; } > mp/train-labels-idx1-ubyte
    base='[data]
dataset = mnist
path = mp
[train]
steps = 20
batch_size = 16
log_every = 1
sample_every = 0
ckpt_every = 0
progress = none'
    printf '[model]\npreset = dcgan\ng_width = 16\nd_width = 8\n%s\n' "$base" > mpd.ini
    printf '[model]\npreset = wgan_gp\ng_hidden = 32,64\nd_hidden = 64,32\n%s\n' "$base" > mpw.ini
    # within 1e-5 relative on every number of two logs.  A figure that is a
    # mean of terms of both signs (d_real of a critic, say) can sit near zero
    # while its terms do not, so each column is measured against the larger
    # of the value and a tenth of the column's largest magnitude.
    close_logs() {
        paste -d, "$1" "$2" | awk -F, 'NR > 1 { n = NF / 2; rows = NR;
            for (i = 2; i <= n; i++) { a[NR, i] = $i; b[NR, i] = $(i + n); m = ($i < 0 ? -$i : $i); if (m > col[i]) col[i] = m } }
            END { for (r = 2; r <= rows; r++) for (i = 2; i <= n; i++) {
                d = a[r, i] - b[r, i]; if (d < 0) d = -d; m = (a[r, i] < 0 ? -a[r, i] : a[r, i]);
                if (m < col[i] / 10) m = col[i] / 10; if (m < 1e-6) m = 1e-6;
                if (d / m > 1e-5) { print "row " r " column " i ": " a[r, i] " vs " b[r, i]; bad = 1 } }
                if (bad) exit 1; print "logs agree" }'
    }
    for cfgname in mpd mpw; do
        "$G" --threads 1 train $cfgname.ini --out "${cfgname}_plain" >/dev/null 2>&1
        $MPIRUN -np 1 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_np1" >/dev/null 2>&1
        expect "mpi_${cfgname}_np1_bit_identical" 0 "" -- cmp "${cfgname}_plain/log.csv" "${cfgname}_np1/log.csv"
        expect "mpi_${cfgname}_np2_runs" 0 "data parallel over 2 ranks, 8 samples each" -- $MPIRUN -np 2 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_np2"
        expect "mpi_${cfgname}_np2_matches" 0 "logs agree" -- close_logs "${cfgname}_plain/log.csv" "${cfgname}_np2/log.csv"
        $MPIRUN -np 2 "$G" --threads 1 train $cfgname.ini --out "${cfgname}_np2b" >/dev/null 2>&1
        expect "mpi_${cfgname}_np2_deterministic" 0 "" -- cmp "${cfgname}_np2/log.csv" "${cfgname}_np2b/log.csv"
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
    expect mpi_bench_comm_real 0 "^ok$" -- awk '/^all-reduce/ { ms = $2; pct = $7 + 0 } END { print (ms > 0 && pct > 0 && pct < 100) ? "ok" : "ms " ms " pct " pct }' mpbench.out
    expect mpi_bench_rank0_only 0 "^1$" -- grep -c "^config " mpbench.out
    # per iteration: G and D gradients (4 x (107057 + 24865) bytes), batch-norm
    # sums and the batch-wide figures, in 40 all-reduces
    expect mpi_bench_json 0 "\"ranks\": 2, \"comm_ms\": [0-9.]+, \"comm_fraction\": 0\.[0-9]+, \"comm_ms_min\": [0-9.]+, \"comm_ms_max\": [0-9.]+, \"allreduce_calls\": 40.0, \"allreduce_bytes\": 539872, \"params_g\": 107057, \"params_d\": 24865\}" -- \
        $MPIRUN -np 2 "$G" --threads 1 bench mpd.ini --seconds 0.2 --json
    expect bench_single_no_comm 1 "" -- sh -c '"$0" --threads 1 bench mpd.ini --steps 2 | grep -q "all-reduce\|ranks"' "$G"
    # only rank 0 writes: one events file
    expect mpi_one_writer 0 "^1$" -- sh -c "ls mpd_np2/events.out.tfevents.* | wc -l"
    # an error on a rank ends the job with that rank's message
    printf '[model]\npreset = dcgan\n[data]\ndataset = mnist\npath = mp\nimage_size = 28\n[train]\nbatch_size = 16\nprogress = none\n' > mpbad.ini
    expect mpi_error_ends_job 2 "rank [01] of 2\] .*multiple of 16" -- $MPIRUN -np 2 "$G" --threads 1 train mpbad.ini --out mpbad
else
    echo "skip mpi tests: no mpirun or gantrain built without Open MPI"
fi
