#!/bin/sh
# chaos.sh — one training run interrupted N times at random moments by
# kill -9, SIGINT, SIGTERM or two SIGINTs in a row, resumed after each, then
# finished: it must end with exactly the log and parameters of the same run
# done without interruption, and after every interruption every checkpoint
# on disk must be whole and ckpt/last must load.
#   tests/stress/chaos.sh ./gantrain N DIR
# DIR should be on a real disk (checkpoints are fsync'd there).  The model
# is sized so that a checkpoint write (6 MB + fsync) takes a good share of
# each step: many kills land inside one.  Prints a summary; exits 1 on any
# failure.
set -u
G=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
N=${2:-200}
D=$3
mkdir -p "$D" && cd "$D" || exit 2
rm -rf chaos chaos_ref
cat > chaos.ini <<'INI'
[model]
preset = gan
z_dim = 8
g_hidden = 512,512
d_hidden = 512,512
[data]
dataset = toy2d
toy_n = 4096
[train]
steps = 100000000
batch_size = 32
log_every = 1
ckpt_every = 1
sample_every = 25
keep_ckpts = 3
progress = none
INI
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; } # 0..65535
fail=0
say_fail() { echo "FAIL: $*"; fail=$((fail + 1)); }
kills=0 in_write=0 ints=0 terms=0 doubles=0 double_fast=0 resumes=0 fresh=0 graceful=0
i=0
while [ $i -lt "$N" ]; do
    i=$((i + 1))
    if [ -e chaos/ckpt/last ]; then set -- --resume; resumes=$((resumes + 1)); else set --; fresh=$((fresh + 1)); fi
    # sh starts background commands with SIGINT ignored (no job control
    # without a terminal), so an INT that landed before gantrain installs its
    # handler would be lost and the run would train on for ever: restore the
    # default, as an interactive shell's job has it
    env --default-signal=INT "$G" train chaos.ini --out chaos "$@" > chaos.out 2> chaos.err &
    pid=$!
    # 20 .. 600 ms: start-up, resume, steps and checkpoint writes
    ms=$((20 + $(rnd) % 580))
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    what=$(($(rnd) % 6))
    case $what in
    0|1|2) kill -9 $pid 2>/dev/null; kills=$((kills + 1)); want=137 ;;
    3) kill -INT $pid 2>/dev/null; ints=$((ints + 1)); want=130 ;;
    4) kill -TERM $pid 2>/dev/null; terms=$((terms + 1)); want=143 ;;
    5) kill -INT $pid 2>/dev/null; sleep "0.0$(($(rnd) % 10))"; kill -INT $pid 2>/dev/null
       doubles=$((doubles + 1)); want=130 ;;
    esac
    wait $pid 2>/dev/null
    rc=$?
    # a partial checkpoint left behind means the kill came inside a write
    [ $what -le 2 ] && [ -n "$(find chaos/ckpt -name '*.tmp.*' 2>/dev/null)" ] && in_write=$((in_write + 1))
    [ $what -eq 5 ] && grep -q "interrupted again" chaos.err && double_fast=$((double_fast + 1))
    # death by a signal is 128 + its number whether the handler ran or not
    # (a signal before the handlers are installed kills at once)
    [ "$rc" -eq "$want" ] || say_fail "round $i: exit $rc, wanted $want: $(tail -n 1 chaos.err)"
    stopped=$(sed -n 's/^gantrain: stopped by SIG[A-Z]* at step \([0-9]*\);.*/\1/p' chaos.err)
    if [ -n "$stopped" ]; then
        graceful=$((graceful + 1))
        # the step it finished is the checkpoint's and the log's last row
        [ "$("$G" info chaos/ckpt/last 2>/dev/null | sed -n 's/^step  *//p')" = "$stopped" ] ||
            say_fail "round $i: stopped at step $stopped but ckpt/last is elsewhere"
        [ "$(tail -n 1 chaos/log.csv | cut -d, -f1)" = "$stopped" ] ||
            say_fail "round $i: stopped at step $stopped but log.csv ends elsewhere"
    fi
    for f in chaos/ckpt/step_*.gtck; do
        [ -e "$f" ] || continue
        "$G" info "$f" > /dev/null 2>&1 || say_fail "round $i: $f does not load: $("$G" info "$f" 2>&1 | tail -n 1)"
    done
    if [ -e chaos/ckpt/last ] || [ -L chaos/ckpt/last ]; then
        "$G" info chaos/ckpt/last > /dev/null 2>&1 || say_fail "round $i: ckpt/last does not load"
    fi
done
# finish a few steps past where it is, and do the same run in one go
step=$("$G" info chaos/ckpt/last 2>/dev/null | sed -n 's/^step  *//p')
end=$((${step:-0} + 20))
if [ -e chaos/ckpt/last ]; then set -- --resume; else set --; fi
"$G" train chaos.ini --out chaos "$@" --steps $end > /dev/null 2> chaos.err || say_fail "the last resume failed: $(tail -n 1 chaos.err)"
"$G" train chaos.ini --out chaos_ref --steps $end --set train.ckpt_every=0 > /dev/null 2>&1 || say_fail "the reference run failed"
cmp -s chaos/log.csv chaos_ref/log.csv || say_fail "log.csv differs from the uninterrupted run's"
"$G" info chaos/ckpt/last | grep -E "^  [gd]\." > chaos.tensors
"$G" info chaos_ref/ckpt/last | grep -E "^  [gd]\." > chaos_ref.tensors
cmp -s chaos.tensors chaos_ref.tensors || say_fail "the parameters differ from the uninterrupted run's"
echo "chaos: $N interruptions of one run to step $end: $kills kill -9 ($in_write inside a checkpoint write), $ints SIGINT, $terms SIGTERM, $doubles double SIGINT ($double_fast left at the second); $graceful stopped by their handler with a checkpoint; $resumes resumes, $fresh fresh starts; final log and parameters equal to the uninterrupted run: $([ $fail -eq 0 ] && echo yes || echo NO); $fail failure(s)"
[ $fail -eq 0 ]
