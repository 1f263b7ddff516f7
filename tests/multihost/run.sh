#!/bin/sh
# run.sh — `make multihost`: data-parallel training across hosts for real.
# Five hosts (network namespaces, see lib.sh) on one switch, a login node
# running mpirun, TCP between them, links shaped to 1 Gbit/s with 0.2 ms
# one-way delay; the run directories on the shared file system.
#   equal.sh   2 hosts equal one process (within 1e-5) and overlapped
#              all-reduce equals blocking (bit for bit); 4 hosts too; the
#              gradients really cross the links
#   resume.sh  a checkpoint written by 4 hosts resumes in one process
#   death.sh   a host dies mid-run (its gantrain killed, the host killed, or
#              its link cut) at random moments, MH_TRIALS times (default
#              10): every other rank stops within a bound, with a message
#              naming the host; no checkpoint lost; --resume on a
#              replacement host ends with the uninterrupted run's log
#   sweep.sh   scripts/sweep.sh --hosts over 3 hosts, one of which dies:
#              reported, its run finished elsewhere
# and afterwards `ip netns list` and `ip link` are as they were.
#   tests/multihost/run.sh ./gantrain
# Prints one line per check and "N passed, N failed"; without root (or
# network namespaces, or Open MPI) it says why and skips (exit 0).
set -u
G=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MH_ROOT=$ROOT
. "$ROOT/tests/multihost/lib.sh"
. "$ROOT/tests/mp_common.sh"

why=$(mh_unavailable) && { echo "skip multihost tests: $why"; exit 0; }
ldd "$G" | grep -q libmpi || { echo "skip multihost tests: $G is built without Open MPI"; exit 0; }
command -v iptables >/dev/null 2>&1 || echo "multihost: no iptables: links shaped without the 0.2 ms delay (apt-get install iptables)"

pass=0
fail=0
# check NAME CMD...: CMD must succeed; its output is shown when it fails
check() {
    name=$1
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok   multihost_$name"
        pass=$((pass + 1))
    else
        echo "FAIL multihost_$name (exit $rc)"
        printf '%s\n' "$out" | head -n 12 | sed 's/^/  | /'
        fail=$((fail + 1))
    fi
}
# note TEXT: a figure for the record (not a check)
note() { echo "     $*"; }

before=$(mh_snapshot)
# the shared file system: every host sees this directory
W=$ROOT/build/multihost
rm -rf "$W"
mkdir -p "$W" || exit 1
cd "$W" || exit 1
mp_data "$W/mp"
mp_configs "$W/mp"

if mh_up 5; then
    delay=200
    command -v iptables >/dev/null 2>&1 || delay=0
    if mh_shape 1gbit $delay; then
        for part in ${MH_PARTS:-equal resume death sweep}; do
            . "$ROOT/tests/multihost/$part.sh"
        done
    else
        check shape false
    fi
else
    check cluster_up false
fi
mh_down
after=$(mh_snapshot)
check nothing_left_behind sh -c '[ "$1" = "$2" ] || { echo "before:"; echo "$1"; echo "after:"; echo "$2"; exit 1; }' sh "$before" "$after"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
