#!/bin/sh
# run.sh — runs the C test binary and the command-line tests, then prints the
# combined "N passed, N failed"; exits non-zero on any failure.
#   tests/run.sh BUILD/gt_tests ./gantrain
set -u
tests_bin=$1
gantrain=$2
root=$(cd "$(dirname "$0")/.." && pwd)

log=$(mktemp)
"$tests_bin" --root "$root" 2>&1 | tee "$log"
c_line=$(tail -n 1 "$log")
"$root/tests/cli.sh" "$gantrain" 2>&1 | tee "$log"
s_line=$(tail -n 1 "$log")
rm -f "$log"

count() { echo "$1" | sed -n "s/^\([0-9]*\) passed, \([0-9]*\) failed$/\\$2/p"; }
cp=$(count "$c_line" 1); cf=$(count "$c_line" 2)
sp=$(count "$s_line" 1); sf=$(count "$s_line" 2)
# a runner that died without its summary line counts as one failure
[ -z "$cp" ] && cp=0 && cf=1
[ -z "$sp" ] && sp=0 && sf=1
passed=$((cp + sp)); failed=$((cf + sf))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
