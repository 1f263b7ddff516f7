#!/bin/sh
# run.sh — runs the libFuzzer harnesses built by `make fuzz-build`.
#   tests/fuzz/run.sh run "npz ckpt" SECONDS   fuzz each for SECONDS
#   tests/fuzz/run.sh merge "npz ckpt"         add what fuzzing found to the
#                                              committed corpus (coverage-minimal)
# Harness names may be separated by spaces or commas.  Each harness starts
# from tests/fuzz/corpus/NAME (the committed seeds and regressions) and
# writes new inputs to build-fuzz/corpus/NAME; a crash, hang, leak or
# sanitizer report leaves its input in build-fuzz/artifacts/NAME/ and makes
# this script exit 1.  Fix the bug, then copy the input into
# tests/fuzz/corpus/NAME/ so `make test` replays it for ever.
set -u
cd "$(dirname "$0")/../.." || exit 2
mode=$1
names=$(echo "$2" | tr ',' ' ')
secs=${3:-60}
B=build-fuzz
status=0
# the harnesses set GANTRAIN_MEM_LIMIT_MB=256 themselves; 2 GB of RSS is
# then plenty, and a bigger allocation is a bug worth reporting
opts="-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 -print_final_stats=1"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
for n in $names; do
    bin=$B/fuzz/fuzz_$n
    [ -x "$bin" ] || { echo "no harness $bin (make fuzz-build)"; exit 2; }
    mkdir -p "$B/corpus/$n" "$B/artifacts/$n" "tests/fuzz/corpus/$n"
    case $mode in
    run)
        log=$B/fuzz-$n.log
        echo "fuzzing $n for ${secs}s (log: $log)"
        "$bin" $opts -max_total_time="$secs" -artifact_prefix="$B/artifacts/$n/" \
            "$B/corpus/$n" "tests/fuzz/corpus/$n" > "$log" 2>&1
        rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
        found=$(ls "$B/artifacts/$n" | wc -l)
        echo "  $n: ${runs:-?} executions, $cov, exit $rc, $found artifact(s) in $B/artifacts/$n"
        if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
            status=1
            grep -m 3 -E 'ERROR|SUMMARY|fuzz: error contract|internal error' "$log" | sed 's/^/    /'
        fi
        ;;
    merge)
        before=$(ls "tests/fuzz/corpus/$n" | wc -l)
        "$bin" $opts -merge=1 "tests/fuzz/corpus/$n" "$B/corpus/$n" > "$B/merge-$n.log" 2>&1 || status=1
        after=$(ls "tests/fuzz/corpus/$n" | wc -l)
        echo "  $n: corpus $before -> $after files"
        ;;
    *) echo "usage: $0 run|merge NAMES [SECONDS]"; exit 2 ;;
    esac
done
exit $status
