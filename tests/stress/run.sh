#!/bin/sh
# run.sh — `make stress`: the long robustness loops that do not fit in
# `make test` (whose fast versions are tests/cli/robust.sh):
#   chaos.sh     one run interrupted STRESS_N times (default 200) by kill -9,
#                SIGINT, SIGTERM and double SIGINT, on a real disk
#   fulldisk.sh  STRESS_DISK trials (default 60) of a full tmpfs
#   valgrind.sh  memcheck on a short train, resume, sample, info and data
#   multihost/   training across hosts (tests/multihost/run.sh, `make multihost`)
# Prints each script's summary and exits 1 if any failed.
#   tests/stress/run.sh ./gantrain [./gantrain-vg]
# (the second binary, for valgrind, is built without AVX-512, which
# valgrind cannot decode; default: the first)
set -u
G=$1
GVG=${2:-$1}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/build/stress
mkdir -p "$dir"
status=0
"$root/tests/stress/chaos.sh" "$G" "${STRESS_N:-200}" "$dir" 2>/dev/null || status=1
"$root/tests/stress/fulldisk.sh" "$G" "${STRESS_DISK:-60}" || status=1
"$root/tests/stress/valgrind.sh" "$GVG" "$dir" || status=1
# training across hosts in network namespaces (skips without root)
"$root/tests/multihost/run.sh" "$G" || status=1
echo "stress: $([ $status -eq 0 ] && echo passed || echo FAILED)"
exit $status
