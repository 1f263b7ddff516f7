#!/bin/sh
# sweep.sh — trains a grid of settings of one config, N runs at a time, each
# into runs/SWEEP/<key=value,...>/; a failed run is reported and the others
# go on; running the same command again skips finished runs and resumes
# interrupted ones from their last checkpoint.  Runs can be data-parallel
# (--mpi N), dealt out over the hosts of a hostfile (--hosts), or picked one
# at a time (--list, --only I: a Slurm job array, scripts/slurm-sweep.sbatch).
# `scripts/sweep.sh --help`.
set -u

usage() {
    cat <<'EOF'
usage: scripts/sweep.sh CONFIG.ini KEY=V1,V2,... [KEY=...] [options]

Trains every combination of the values (the grid) with `gantrain train
CONFIG.ini --set KEY=V ...`, each run into SWEEP_DIR/<key=value,...>/.

  KEY             a config key: section.key, or just key when one section has it
                  (lr = optim.lr, clip = train.clip, n_critic = train.n_critic,
                  began_gamma = train.began_gamma; [eval] loses ties, so
                  batch_size = train.batch_size)
  --jobs N        runs at a time (default 1; with --hosts, one per host)
  --threads T     threads of each run, or of each rank with --mpi / --hosts
                  (default: cores / (jobs x ranks), at least 1, so that the
                  runs do not oversubscribe the cores; 1 with --hosts)
  --mpi N         each run data-parallel over N ranks of this machine:
                  mpirun -np N gantrain ... (gantrain built with Open MPI)
  --hosts FILE    deal the runs out over the hosts of an Open MPI hostfile
                  (lines "host [slots=K]", K = 1 if not given; # comments):
                  each run is mpirun --host HOST:K -np K gantrain ..., so it
                  runs on HOST with K ranks.  Every host must see this
                  directory, the config, the data and the binary at the same
                  paths (a shared filesystem) and accept ssh from here.  When
                  a run fails, its host is asked whether it is still there
                  (mpirun --host HOST:1 -np 1 true); a host that does not
                  answer gets no more runs, and the run goes back to the
                  queue, to resume from its last checkpoint on another host
  --mpirun CMD    the launcher (default: $MPIRUN, else mpirun), split on spaces;
                  with --mpi, "srun ..." works too (srun -n N); inside a Slurm
                  allocation mpirun places the ranks on the allocated nodes
  --list          print the grid, one numbered combination per line, and stop
  --only I        run only combination I (1-based, as --list numbers them);
                  one task of a Slurm job array runs one combination
  --seeds K       every setting with train.seed = 1..K (adds seed=S to the names)
  --eval LIST     after training, `gantrain eval RUN --metrics LIST` (fid, kid,
                  pr, is, dc), which appends to RUN/eval.jsonl
  --eval-args S   more arguments for gantrain eval (e.g. "--n 2000 --features
                  classifier"), split on spaces
  --set K=V       a fixed override for every run (repeatable)
  --steps N       train.steps of every run
  --name NAME     the sweep's directory name (default: CONFIG's base name)
  --root DIR      where the sweep directory goes (default: runs)
  --gantrain BIN  the binary (default: $GANTRAIN, else ./gantrain of this tree)
  --dry-run       print the runs and their commands, run nothing

Each run directory gets train.log (the run's output), sweep.state (status,
wall seconds of training and eval) and, with --eval, eval.log.  A run whose
sweep.state says done is skipped; one with a checkpoint is resumed with
--resume; one that never reached a checkpoint starts again.  SWEEP_DIR/sweep.log
keeps every command line.  Summarize the results with scripts/summarize
SWEEP_DIR.  Exit status: 0 all runs done, 1 some failed, 2 usage, 130/143
interrupted (Ctrl-C or SIGTERM: the running trainings write a checkpoint
first).  Values containing commas or spaces cannot be swept.  Under MPI a
run's train.log holds every rank's output; rank 0 writes the run directory.
With --mpi a TERM to this script reaches the ranks, which checkpoint; with
--hosts (remote ranks) mpirun ends them at once, and a run resumes from its
last periodic checkpoint (train.ckpt_every).
EOF
}

die() { # CODE MESSAGE
    code=$1
    shift
    echo "sweep: $*" >&2
    exit "$code"
}

here=$(cd "$(dirname "$0")/.." && pwd)
G=${GANTRAIN:-$here/gantrain}
config=""
axes=""       # lines "key<TAB>values"
jobs=1
threads=""
seeds=0
eval_metrics=""
eval_args=""
fixed=""      # lines "key=value"
steps=""
name=""
root=runs
dry=0
mpi=""
hosts=""
list=0
only=""
mpirun=${MPIRUN:-mpirun}
jobs_given=0

need() { [ $# -ge 2 ] || die 2 "$1 needs a value (see --help)"; }
is_count() { case $1 in '' | *[!0-9]*) return 1 ;; *) [ "$1" -ge 1 ] ;; esac; }

while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --jobs) need "$@"; jobs=$2; jobs_given=1; shift ;;
    --mpi) need "$@"; mpi=$2; shift ;;
    --hosts) need "$@"; hosts=$2; shift ;;
    --mpirun) need "$@"; mpirun=$2; shift ;;
    --list) list=1 ;;
    --only) need "$@"; only=$2; shift ;;
    --threads) need "$@"; threads=$2; shift ;;
    --seeds) need "$@"; seeds=$2; shift ;;
    --eval) need "$@"; eval_metrics=$2; shift ;;
    --eval-args) need "$@"; eval_args=$2; shift ;;
    --set) need "$@"; fixed="$fixed$2
"; shift ;;
    --steps) need "$@"; steps=$2; shift ;;
    --name) need "$@"; name=$2; shift ;;
    --root) need "$@"; root=$2; shift ;;
    --gantrain) need "$@"; G=$2; shift ;;
    --dry-run) dry=1 ;;
    -*) die 2 "unknown option '$1' (see --help)" ;;
    *=*)
        [ -n "$config" ] || die 2 "the config comes first: scripts/sweep.sh CONFIG.ini KEY=V1,V2 ..."
        axes="$axes${1%%=*}	${1#*=}
" ;;
    *)
        [ -z "$config" ] || die 2 "'$1': a grid axis is KEY=V1,V2,... (see --help)"
        config=$1 ;;
    esac
    shift
done

[ -n "$config" ] || { usage >&2; exit 2; }
[ -f "$config" ] || die 2 "$config: no such config file"
[ -x "$G" ] || die 2 "$G: no gantrain binary (run make, or give --gantrain)"
is_count "$jobs" || die 2 "--jobs wants a count >= 1, not '$jobs'"
[ -z "$threads" ] || is_count "$threads" || die 2 "--threads wants a count >= 1, not '$threads'"
[ "$seeds" = 0 ] || is_count "$seeds" || die 2 "--seeds wants a count >= 1, not '$seeds'"
[ -z "$steps" ] || is_count "$steps" || die 2 "--steps wants a count >= 1, not '$steps'"
[ -z "$mpi" ] || is_count "$mpi" || die 2 "--mpi wants a rank count >= 1, not '$mpi'"
[ -z "$only" ] || is_count "$only" || die 2 "--only wants a combination number >= 1 (see --list), not '$only'"
[ -z "$mpi" ] || [ -z "$hosts" ] || die 2 "--mpi and --hosts do not go together: with --hosts each run takes its host's slots as ranks"

# ---- hosts: "host [slots=K]" lines -> "host<TAB>K" lines --------------------
nhosts=0
hostlist=""
if [ -n "$hosts" ]; then
    [ -f "$hosts" ] || die 2 "$hosts: no such hosts file"
    [ -r "$hosts" ] || die 2 "$hosts: cannot read the hosts file"
    hostlist=$(awk -v f="$hosts" '
        { sub(/#.*/, "") }
        NF == 0 { next }
        {
            k = 1
            for (i = 2; i <= NF; i++) {
                if ($i ~ /^slots=[1-9][0-9]*$/) { k = substr($i, 7) + 0; continue }
                if ($i ~ /^max[-_]slots=[0-9]+$/) continue
                print "ERROR " f ":" NR ": \"" $i "\" is not slots=K with K >= 1 (lines: host [slots=K])"; exit
            }
            printf "%s\t%d\n", $1, k
        }' "$hosts")
    err=$(printf '%s\n' "$hostlist" | sed -n 's/^ERROR //p')
    [ -z "$err" ] || die 2 "$err"
    nhosts=$(printf '%s\n' "$hostlist" | grep -c .)
    [ "$nhosts" -ge 1 ] || die 2 "$hosts: no hosts in the file (lines: host [slots=K])"
    [ "$jobs_given" = 1 ] || jobs=$nhosts
fi
if [ -n "$mpi$hosts" ]; then
    command -v "${mpirun%% *}" >/dev/null 2>&1 || die 2 "${mpirun%% *}: not found (--mpi and --hosts need Open MPI's mpirun; or give --mpirun)"
    "$G" version 2>/dev/null | grep -q '^mpi: [^n]' ||
        die 2 "$G: built without MPI (gantrain version says so); rebuild with Open MPI installed for --mpi and --hosts"
fi
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
ranks=${mpi:-1}
if [ -z "$threads" ]; then
    if [ -n "$hosts" ]; then
        threads=1 # the slots of a host are its cores: one thread per rank
    else
        threads=$((cores / (jobs * ranks)))
        # in Slurm, the cores Slurm gave each task
        [ -n "${SLURM_CPUS_PER_TASK:-}" ] && [ -n "$mpi" ] && threads=$SLURM_CPUS_PER_TASK
        [ "$threads" -ge 1 ] || threads=1
    fi
fi
# (inside a Slurm allocation the ranks go where the allocation says)
if [ -n "$mpi" ] && [ -z "${SLURM_JOB_ID:-}" ] && [ $((jobs * mpi * threads)) -gt "$cores" ]; then
    echo "sweep: warning: $jobs run(s) x $mpi ranks x $threads thread(s) > $cores cores: oversubscribed" >&2
fi
# the launcher of worker W's runs, into $LAUNCH: nothing, mpirun -np N,
# or mpirun on the worker's host (workers take the hosts in turn)
launch_of() { # W
    LAUNCH=""
    if [ -n "$mpi" ]; then
        case ${mpirun%% *} in
        *srun) LAUNCH="$mpirun -n $mpi" ;; # Slurm places the ranks in its allocation
        *)
            LAUNCH="$mpirun"
            if [ -z "${SLURM_JOB_ID:-}" ]; then
                # concurrent mpiruns would each pin their ranks to the same first cores
                [ "$jobs" -gt 1 ] && LAUNCH="$LAUNCH --bind-to none"
                [ "$mpi" -gt "$cores" ] && LAUNCH="$LAUNCH --oversubscribe"
            fi
            LAUNCH="$LAUNCH -np $mpi" ;;
        esac
    elif [ -n "$hosts" ]; then
        hi=$(( ($1 - 1) % nhosts + 1 ))
        hl=$(printf '%s\n' "$hostlist" | sed -n "${hi}p")
        h=${hl%%"$tab"*} k=${hl#*"$tab"}
        LAUNCH="$mpirun"
        [ "$jobs" -gt "$nhosts" ] && LAUNCH="$LAUNCH --bind-to none"
        LAUNCH="$LAUNCH --host $h:$k -np $k"
    fi
}

if [ -z "$name" ]; then
    name=$(basename "$config")
    name=${name%.ini}
fi
sweep=$root/$name

# ---- the keys: section.key, or a bare key that one section has ----------
keylist=$("$G" config --list | sed -n 's/^\([a-z]*\.[a-z_0-9]*\)  (.*/\1/p')
resolve() {
    case $1 in
    *.*) printf '%s\n' "$keylist" | grep -qx "$1" && { echo "$1"; return 0; } ;;
    *)
        hits=$(printf '%s\n' "$keylist" | grep -x "[a-z]*\.$1")
        # a sweep is about training: [eval] loses a tie (batch_size)
        if [ "$(printf '%s\n' "$hits" | grep -c .)" -gt 1 ] &&
            [ "$(printf '%s\n' "$hits" | grep -vc '^eval\.')" -eq 1 ]; then
            hits=$(printf '%s\n' "$hits" | grep -v '^eval\.')
        fi
        case $(printf '%s\n' "$hits" | grep -c .) in
        1) echo "$hits"; return 0 ;;
        0) ;;
        *) die 2 "key '$1' is ambiguous: $(echo $hits | sed 's/ /, /g'); write section.key" ;;
        esac ;;
    esac
    stem=$(echo "$1" | sed 's/.*\.//' | cut -c1-4)
    near=$(printf '%s\n' "$keylist" | grep -F -- "$stem" | head -n 4 | tr '\n' ' ' | sed 's/ $//; s/ /, /g')
    die 2 "unknown config key '$1'${near:+ (similar: $near)}; gantrain config --list shows them all"
}

resolved=""
tab=$(printf '\t')
while IFS="$tab" read -r k vals; do
    [ -n "$k" ] || continue
    full=$(resolve "$k") || exit 2
    [ -n "$vals" ] || die 2 "$k: no values (KEY=V1,V2,...)"
    case $vals in *" "*) die 2 "$k: values cannot contain spaces" ;; esac
    resolved="$resolved$full	$vals
"
done <<EOF
$axes
EOF
case $fixed in *" "*) die 2 "--set values cannot contain spaces" ;; esac

# ---- the grid: one line per run, "name<TAB>key=value key=value ..." ------
# Names use the part after the dot unless two axes share it.
tasks=$(printf '%s' "$resolved" | awk -F '\t' -v seeds="$seeds" '
    NF >= 2 { n++; key[n] = $1; nv[n] = split($2, v, ","); for (i = 1; i <= nv[n]; i++) val[n, i] = v[i]
              s = $1; sub(/^[^.]*\./, "", s); short[n] = s; cnt[s]++ }
    END {
        for (i = 1; i <= n; i++) if (cnt[short[i]] > 1) short[i] = key[i]
        total = 1; for (i = 1; i <= n; i++) total *= nv[i]
        for (t = 0; t < total; t++) {
            rest = t; nm = ""; sets = ""
            for (i = n; i >= 1; i--) { idx[i] = rest % nv[i] + 1; rest = int(rest / nv[i]) }
            for (i = 1; i <= n; i++) {
                x = val[i, idx[i]]; gsub(/\//, "_", x)
                nm = nm (i > 1 ? "," : "") short[i] "=" x
                sets = sets (i > 1 ? " " : "") key[i] "=" val[i, idx[i]]
            }
            if (seeds > 0) for (s = 1; s <= seeds; s++)
                printf "%s%sseed=%d\t%s%strain.seed=%d\n", nm, (nm == "" ? "" : ","), s, sets, (sets == "" ? "" : " "), s
            else printf "%s\t%s\n", (nm == "" ? "base" : nm), sets
        }
    }')
total=$(printf '%s\n' "$tasks" | grep -c .)

# every combination must be a valid config before anything starts
# (a typo found after an hour of training helps nobody)
fixed_args=""
for kv in $fixed; do fixed_args="$fixed_args --set $kv"; done
[ -z "$steps" ] || fixed_args="$fixed_args --set train.steps=$steps"
[ -z "$only" ] || [ "$only" -le "$total" ] ||
    die 2 "--only $only: the grid has $total combination(s), numbered 1..$total (see --list)"
checked=0
ci=0
while IFS="$tab" read -r rn sets; do
    [ -n "$rn" ] || continue
    ci=$((ci + 1))
    # one task of an array checks its own combination (not all N, N times)
    [ -z "$only" ] || [ "$ci" = "$only" ] || continue
    args=""
    for kv in $sets; do args="$args --set $kv"; done
    # shellcheck disable=SC2086
    msg=$("$G" config "$config" $fixed_args $args 2>&1 >/dev/null) || die 2 "$rn: ${msg#gantrain: }"
    checked=$((checked + 1))
done <<EOF
$tasks
EOF

if [ "$list" = 1 ]; then
    # "I NAME": the numbers --only takes; the count is the job array's size
    printf '%s\n' "$tasks" | awk -F '\t' 'NF { printf "%d %s\n", ++i, $1 }'
    exit 0
fi
how="$jobs at a time, $threads thread(s) each"
[ -z "$mpi" ] || how="$jobs at a time, each over $mpi MPI ranks of $threads thread(s)"
[ -z "$hosts" ] || how="$jobs at a time over $nhosts host(s) of $hosts, $threads thread(s) per rank"
if [ -n "$only" ]; then
    echo "sweep: run $only of $total in $sweep, $threads thread(s)${mpi:+ per rank, $mpi ranks}"
else
    echo "sweep: $total runs in $sweep, $how"
fi
if [ "$dry" = 1 ]; then
    di=0
    printf '%s\n' "$tasks" | while IFS="$tab" read -r rn sets; do
        [ -n "$rn" ] || continue
        di=$((di + 1))
        [ -z "$only" ] || [ "$di" = "$only" ] || continue
        launch_of $(( (di - 1) % jobs + 1 ))
        args=""
        for kv in $sets; do args="$args --set $kv"; done
        echo "$sweep/$rn: ${LAUNCH:+$LAUNCH }$G --threads $threads train $config --out $sweep/$rn$fixed_args$args"
    done
    exit 0
fi

mkdir -p "$sweep" || die 1 "$sweep: cannot create the sweep directory"
printf '%s %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$0 $config $(printf '%s' "$axes" | tr '\t\n' '= ') jobs=$jobs threads=$threads seeds=$seeds${eval_metrics:+ eval=$eval_metrics}${steps:+ steps=$steps}${mpi:+ mpi=$mpi}${hosts:+ hosts=$hosts}${only:+ only=$only}" >>"$sweep/sweep.log"
work=$(mktemp -d "$sweep/.sweep.XXXXXX") || die 1 "$sweep: cannot create a work directory"
printf '%s\n' "$tasks" >"$work/tasks"

fmt_secs() {
    s=$1
    if [ "$s" -ge 3600 ]; then printf '%dh%02dm' $((s / 3600)) $((s / 60 % 60))
    elif [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60))
    else printf '%ds' "$s"; fi
}

# RUN/sweep.state: key=value lines, replaced whole.  Read and written with
# the shell's own read and printf: a sweep of many short runs should not
# spend its time starting sed and grep.
state_get() { # DIR KEY: the value into $SV ("" when unset)
    SV=""
    [ -f "$1/sweep.state" ] || return 0
    while IFS= read -r line; do
        case $line in "$2="*) SV=${line#*=} ;; esac
    done <"$1/sweep.state"
}
state_set() { # DIR KEY VALUE
    {
        if [ -f "$1/sweep.state" ]; then
            while IFS= read -r line; do
                case $line in "$2="*) ;; *) printf '%s\n' "$line" ;; esac
            done <"$1/sweep.state"
        fi
        printf '%s=%s\n' "$2" "$3"
    } >"$1/sweep.state.tmp" && mv "$1/sweep.state.tmp" "$1/sweep.state"
}

# runs one program in the background and waits for it, so that a TERM
# handler can forward the signal to it
run_logged() { # LOG PIDFILE CMD...
    log=$1 pidf=$2
    shift 2
    "$@" >>"$log" 2>&1 &
    echo $! >"$pidf"
    wait $!
    rc=$?
    rm -f "$pidf"
    return $rc
}

# whether HOST answers: a launch of `true` on it within 60 s
host_alive() { # HOST
    # shellcheck disable=SC2086
    timeout 60 $mpirun --host "$1:1" -np 1 true >/dev/null 2>&1
}

# one run: train (fresh or resumed), then eval; prints one line
run_one() { # INDEX NAME SETS WORKER
    i=$1 rn=$2 sets=$3 w=$4
    dir=$sweep/$rn
    tag="[$i/$total] $rn"
    mkdir -p "$dir" || { echo "sweep: $tag: FAILED: cannot create $dir"; echo failed >"$work/$i/result"; return; }
    state_get "$dir" status
    if [ "$SV" != done ]; then
        args=""
        for kv in $sets; do args="$args --set $kv"; done
        how=""
        if [ -e "$dir/ckpt/last" ]; then
            args="$args --resume"
            how=" (resumed)"
        else
            # no checkpoint: nothing to continue; drop the TensorBoard file
            # of the attempt so the new one is the run's only record
            rm -f "$dir"/events.out.tfevents.*
        fi
        state_set "$dir" status running
        t0=$(date +%s)
        # shellcheck disable=SC2086
        run_logged "$dir/train.log" "$work/pid.$w" $LAUNCH "$G" --threads "$threads" train "$config" --out "$dir" $fixed_args $args
        rc=$?
        t1=$(date +%s)
        state_get "$dir" train_seconds
        state_set "$dir" train_seconds $(( ${SV:-0} + t1 - t0 ))
        # (mpirun reports a job its ranks ended on a signal with its own status)
        if [ $rc -eq 130 ] || [ $rc -eq 143 ] || { [ $rc -ne 0 ] && [ -e "$work/stop" ] && [ -n "$mpi$hosts" ]; }; then
            state_set "$dir" status interrupted
            echo "sweep: $tag: interrupted after $(fmt_secs $((t1 - t0))); run the sweep again to resume"
            echo interrupted >"$work/$i/result"
            : >"$work/stop"
            return
        fi
        if [ $rc -ne 0 ] && [ -n "$hosts" ] && ! host_alive "$h"; then
            # the host, not the run: it goes back to the queue (and resumes
            # from its last checkpoint wherever it runs next)
            state_set "$dir" status interrupted
            : >"$work/down.$hi"
            echo "sweep: $tag: host $h lost after $(fmt_secs $((t1 - t0))) (exit $rc; it does not answer mpirun --host $h true): the run goes back to the queue [$dir/train.log]"
            echo "sweep: host $h is down: no more runs go there"
            rm -rf "$work/$i"
            return
        fi
        if [ $rc -ne 0 ]; then
            state_set "$dir" status failed
            echo "sweep: $tag: FAILED (exit $rc) after $(fmt_secs $((t1 - t0))): $(tail -n 1 "$dir/train.log" | sed 's/^gantrain: //') [$dir/train.log]"
            echo failed >"$work/$i/result"
            return
        fi
        state_set "$dir" status done
        state_set "$dir" steps "$(tail -n 1 "$dir/log.csv" | cut -d, -f1)"
        echo "sweep: $tag: trained$how in $(fmt_secs $((t1 - t0)))"
        result=done
    else
        result=skipped
    fi
    state_get "$dir" eval
    if [ -n "$eval_metrics" ] && [ "$SV" != "$eval_metrics" ]; then
        t0=$(date +%s)
        # shellcheck disable=SC2086
        run_logged "$dir/eval.log" "$work/pid.$w" $EVAL_LAUNCH "$G" --threads "$eval_threads" eval "$dir" --metrics "$eval_metrics" $eval_args
        rc=$?
        t1=$(date +%s)
        if [ $rc -ne 0 ]; then
            echo "sweep: $tag: eval FAILED (exit $rc): $(tail -n 1 "$dir/eval.log" | sed 's/^gantrain: //') [$dir/eval.log]"
            echo failed >"$work/$i/result"
            [ $rc -eq 130 ] || [ $rc -eq 143 ] && : >"$work/stop"
            return
        fi
        state_set "$dir" eval "$eval_metrics"
        state_set "$dir" eval_seconds $((t1 - t0))
        echo "sweep: $tag: evaluated ($eval_metrics) in $(fmt_secs $((t1 - t0)))"
        result=done
    fi
    [ "$result" = skipped ] && echo "sweep: $tag: already finished, skipped"
    echo "$result" >"$work/$i/result"
}

# workers take the next unclaimed run (mkdir is atomic) until none is left
# (or, with --hosts, until their host is found down)
worker() { # W
    launch_of "$1"
    hi=$(( ($1 - 1) % nhosts + 1 ))
    # eval is not data-parallel: one process, on the run's host
    EVAL_LAUNCH=""
    eval_threads=$((threads * ranks))
    [ -n "$hosts" ] && EVAL_LAUNCH="$mpirun --host $h:1 -np 1" && eval_threads=$((threads * k))
    i=0
    while IFS="$tab" read -r rn sets; do
        [ -n "$rn" ] || continue
        i=$((i + 1))
        [ -z "$only" ] || [ "$i" = "$only" ] || continue
        [ -e "$work/stop" ] && break
        [ -n "$hosts" ] && [ -e "$work/down.$hi" ] && break
        mkdir "$work/$i" 2>/dev/null || continue
        run_one "$i" "$rn" "$sets" "$1"
    done <"$work/tasks"
}

# runs nobody has taken: those a lost host gave back (and, after an
# interruption, those not started)
unclaimed() {
    n=0 i=0
    while IFS="$tab" read -r rn sets; do
        [ -n "$rn" ] || continue
        i=$((i + 1))
        [ -z "$only" ] || [ "$i" = "$only" ] || continue
        [ -d "$work/$i" ] || n=$((n + 1))
    done <"$work/tasks"
    echo $n
}

stop_all() { # SIGNAL
    interrupted=$1
    : >"$work/stop"
    # Ctrl-C reaches the trainings from the terminal; a TERM sent to this
    # script alone is passed on (gantrain treats a second signal as "exit
    # now", so INT is not repeated)
    if [ "$1" = TERM ]; then
        for f in "$work"/pid.*; do
            [ -f "$f" ] || continue
            p=$(cat "$f")
            if [ -n "$mpi" ] && [ -z "${SLURM_JOB_ID:-}" ]; then
                # mpirun answers TERM by killing its ranks at once; the
                # ranks themselves (its children here) stop at the end of a
                # step and write a checkpoint, and mpirun then ends with them
                for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill -TERM "$c" 2>/dev/null; done
            else
                kill -TERM "$p" 2>/dev/null
            fi
        done
    fi
}
interrupted=""
trap 'stop_all INT' INT
trap 'stop_all TERM' TERM

[ -n "$hosts" ] || nhosts=1
# rounds of workers: a round ends when every worker has run out of runs; a
# run a lost host gave back after the other workers had finished starts
# another round, on the hosts that are left
while :; do
    w=1
    started=0
    while [ $w -le "$jobs" ]; do
        if [ -z "$hosts" ] || [ ! -e "$work/down.$(( (w - 1) % nhosts + 1 ))" ]; then
            worker $w &
            started=1
        fi
        w=$((w + 1))
    done
    # wait returns early (status > 128) when a trapped signal arrives
    while :; do
        wait
        [ $? -gt 128 ] || break
    done
    [ "$started" = 1 ] && [ ! -e "$work/stop" ] && [ "$(unclaimed)" -gt 0 ] || break
done
lost_hosts=""
if [ -n "$hosts" ]; then
    for f in "$work"/down.*; do
        [ -e "$f" ] || continue
        hl=$(printf '%s\n' "$hostlist" | sed -n "${f##*.}p")
        lost_hosts="$lost_hosts ${hl%%"$tab"*}"
    done
fi

done_n=0 skipped_n=0 failed_n=0 failed_list="" notrun_n=0
i=0
ran=$total
[ -z "$only" ] || ran=1
while IFS="$tab" read -r rn sets; do
    [ -n "$rn" ] || continue
    i=$((i + 1))
    [ -z "$only" ] || [ "$i" = "$only" ] || continue
    r=$(cat "$work/$i/result" 2>/dev/null || echo "not run")
    case $r in
    done) done_n=$((done_n + 1)) ;;
    skipped) skipped_n=$((skipped_n + 1)) ;;
    failed) failed_n=$((failed_n + 1)); failed_list="$failed_list $rn" ;;
    "not run") notrun_n=$((notrun_n + 1)) ;;
    esac
done <"$work/tasks"
rm -rf "$work"
echo "sweep: $sweep: $((done_n + skipped_n))/$ran finished ($skipped_n skipped as already done), $failed_n failed${failed_list:+:$failed_list}"
if [ -n "$lost_hosts" ]; then
    if [ "$notrun_n" -gt 0 ]; then
        echo "sweep: host(s) lost:$lost_hosts; $notrun_n run(s) not run for want of a host (run the sweep again)"
    else
        echo "sweep: host(s) lost:$lost_hosts; their runs finished on the other hosts"
    fi
fi
if [ -n "$interrupted" ]; then
    echo "sweep: interrupted; run the same command again to resume"
    [ "$interrupted" = INT ] && exit 130
    exit 143
fi
echo "sweep: tables and plots: $here/scripts/summarize $sweep"
[ "$failed_n" -eq 0 ] && [ -z "$interrupted" ] && [ "$notrun_n" -eq 0 ] || exit 1
exit 0
