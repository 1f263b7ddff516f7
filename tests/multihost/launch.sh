#!/bin/sh
# launch.sh — Open MPI's remote launcher (plm_rsh_agent) for the hosts of
# tests/multihost/lib.sh: where mpirun would run `ssh HOST COMMAND`, this
# runs COMMAND inside HOST's network namespace, with HOST as its host name
# (its own UTS namespace).  $MH_MAP lists "name namespace address" per host.
#   launch.sh HOST COMMAND...
set -u
host=$1
shift
ns=$(awk -v h="$host" '$1 == h || $3 == h { print $2; exit }' "${MH_MAP:?MH_MAP: no host map}")
name=$(awk -v h="$host" '$1 == h || $3 == h { print $1; exit }' "$MH_MAP")
[ -n "$ns" ] || { echo "launch.sh: $host: no such host in $MH_MAP" >&2; exit 255; }
# ssh would fail on an unreachable host; a namespace whose link is down is one
ip -n "$ns" link show eth0 2>/dev/null | grep -q "state UP" ||
    { echo "launch.sh: $host: host is down (its link is cut)" >&2; exit 255; }
exec ip netns exec "$ns" unshare --uts sh -c 'hostname "$0" && exec sh -c "$1"' "$name" "$*"
