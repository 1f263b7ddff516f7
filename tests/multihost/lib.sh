# lib.sh — a small cluster on this machine, for tests/multihost/ and
# scripts/bench-multihost.sh (sourced; POSIX sh).
#
# Hosts are Linux network namespaces: TCP between two of them crosses veth
# pairs and a bridge exactly as it would cross NICs and a switch.  Layout:
#
#   ${MH}sw    the switch: a bridge br0 and one port pK per host
#   ${MH}head  the login node: runs mpirun, takes no ranks (198.18.0.100)
#   ${MH}hK    compute host K = 1..N, interface eth0 = 198.18.0.K, with its
#              own host name hK (a UTS namespace per command)
#
# The root namespace gets no interface at all (each veth pair is created
# with both ends already inside namespaces), so the machine's `ip link`
# does not change, even while the cluster is up.  The addresses are from
# 198.18.0.0/15, the range set aside for network benchmarks (RFC 2544), and
# exist only inside these namespaces.  The file system is shared (as NFS is
# on a cluster): every host sees the same paths.
#
# Links can be shaped: mh_shape RATE DELAY_US puts a token bucket (tc tbf)
# of RATE on both directions of every host's link (the host's eth0 and its
# switch port) and, when DELAY_US > 0, a delay line of DELAY_US one way on
# each host's outgoing packets.  This kernel has no netem (tc's delay), so
# the delay is tests/multihost/delayline (an NFQUEUE program: the packets
# stay in the kernel, the program only says when each may go on).
#
# mpirun runs in the head namespace with a launcher (plm_rsh_agent =
# tests/multihost/launch.sh) that starts Open MPI's daemon inside the
# host's namespace instead of over ssh.
#
#   . tests/multihost/lib.sh
#   mh_up 4 || exit 1        # creates everything; the trap takes it down
#   mh_shape 1gbit 200       # optional
#   mh_mpirun -np 4 --hostfile "$MH_HOSTFILE" gantrain ...
#   mh_down                  # also run by the EXIT trap mh_up sets
#
# Needs root, iproute2, tc, Open MPI; the delay also needs iptables and a C
# compiler (for delayline.c).

MH_ROOT=${MH_ROOT:-$(cd "$(dirname "${0}")/../.." 2>/dev/null && pwd)}
MH_NET=198.18.0
MH_HEAD_ADDR=$MH_NET.100

# why the cluster cannot be made here, or nothing when it can
mh_unavailable() {
    [ "$(id -u)" = 0 ] || { echo "needs root (ip netns)"; return 0; }
    command -v ip >/dev/null 2>&1 || { echo "needs ip (iproute2)"; return 0; }
    command -v tc >/dev/null 2>&1 || { echo "needs tc (iproute2)"; return 0; }
    command -v mpirun >/dev/null 2>&1 || { echo "needs Open MPI's mpirun"; return 0; }
    ip netns add "gtmhprobe$$" 2>/dev/null || { echo "cannot create network namespaces here"; return 0; }
    ip netns del "gtmhprobe$$"
    return 1
}

# the machine's namespaces and links, to compare before and after
mh_snapshot() {
    { ip netns list; ip -o link | sed 's/^[0-9]*: //; s/ link\/.*//'; } | sort
}

mh_ns() { # K -> namespace of host K ("head" for the login node)
    case $1 in head) echo "${MH}head" ;; *) echo "${MH}h$1" ;; esac
}

# mh_up N: N compute hosts, a login node and a switch.  Sets MH (prefix),
# MH_N, MH_DIR (a work directory), MH_HOSTFILE (one host per line,
# slots=1), MH_AGENT.  Installs an EXIT/INT/TERM trap that tears down.
mh_up() {
    MH_N=$1
    MH=gtmh$$
    MH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gtmh.XXXXXX") || return 1
    MH_PIDS=""
    MH_AGENT=$MH_ROOT/tests/multihost/launch.sh
    trap 'mh_down' EXIT
    trap 'mh_down; exit 130' INT
    trap 'mh_down; exit 143' TERM
    ip netns add "${MH}sw" || return 1
    ip -n "${MH}sw" link set lo up
    ip -n "${MH}sw" link add br0 type bridge || return 1
    # no spanning tree, no learning delay: a port forwards as soon as it is up
    ip -n "${MH}sw" link set br0 type bridge stp_state 0 forward_delay 0
    ip -n "${MH}sw" link set br0 up
    : >"$MH_DIR/map"
    : >"$MH_DIR/hostfile"
    k=0
    for k in head $(seq 1 "$MH_N"); do
        ns=$(mh_ns "$k")
        case $k in head) addr=$MH_HEAD_ADDR name=head port=phead ;; *) addr=$MH_NET.$k name=h$k port=p$k ;; esac
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up
        ip link add name eth0 netns "$ns" type veth peer name "$port" netns "${MH}sw" || return 1
        ip -n "${MH}sw" link set "$port" master br0
        ip -n "${MH}sw" link set "$port" up
        ip -n "$ns" addr add "$addr/24" dev eth0
        ip -n "$ns" link set eth0 up
        printf '%s %s %s\n' "$name" "$ns" "$addr" >>"$MH_DIR/map"
        # mpirun's connections to a lost host fail after seconds, not
        # minutes (see mh_mca); this namespace's setting only
        [ "$k" = head ] && ip netns exec "$ns" sysctl -qw net.ipv4.tcp_retries2=3
        [ "$k" = head ] || printf '%s slots=1\n' "$name" >>"$MH_DIR/hostfile"
    done
    MH_HOSTFILE=$MH_DIR/hostfile
    export MH_MAP="$MH_DIR/map"
    # every host reaches every other (ARP settles, the bridge learns)
    for k in $(seq 1 "$MH_N"); do
        mh_reach "$k" head || { echo "multihost: host h$k cannot reach the login node" >&2; return 1; }
    done
    return 0
}

# mh_reach K L: whether host K opens a TCP connection to host L ("head"
# for the login node), by connecting to a closed port: a refusal is an answer
mh_reach() {
    to=$(awk -v n="$([ "$2" = head ] && echo head || echo "h$2")" '$1 == n { print $3 }' "$MH_DIR/map")
    ip netns exec "$(mh_ns "$1")" timeout 3 bash -c "echo >/dev/tcp/$to/9" 2>&1 | grep -q "refused"
}

# mh_shape RATE DELAY_US: tbf of RATE both ways on every host link, and a
# delay of DELAY_US on each host's outgoing packets (0: none).  The login
# node's link stays unshaped (it carries only Open MPI's control messages).
mh_shape() {
    rate=$1 delay=$2
    mh_unshape
    # a burst of at least one full-size TSO packet (64 KiB) and about 0.1 ms
    # of line rate; a queue of at most 4 ms of line rate
    for k in $(seq 1 "$MH_N"); do
        ns=$(mh_ns "$k")
        ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "$rate" burst 256kb latency 4ms || return 1
        ip netns exec "${MH}sw" tc qdisc add dev "p$k" root tbf rate "$rate" burst 256kb latency 4ms || return 1
    done
    [ "$delay" -gt 0 ] || return 0
    command -v iptables >/dev/null 2>&1 || { echo "multihost: the delay needs iptables (apt-get install iptables)" >&2; return 1; }
    mh_build_delayline || return 1
    for k in $(seq 1 "$MH_N"); do
        ns=$(mh_ns "$k")
        ip netns exec "$ns" "$MH_DIR/delayline" 0 "$delay" 2>"$MH_DIR/delayline.h$k.err" &
        MH_PIDS="$MH_PIDS $!"
        echo $! >"$MH_DIR/delayline.h$k.pid"
        # the queue must have its reader before packets go to it
        i=0
        until grep -q bound "$MH_DIR/delayline.h$k.err" 2>/dev/null; do
            i=$((i + 1)); [ $i -lt 100 ] || { echo "multihost: delayline on h$k did not start: $(cat "$MH_DIR/delayline.h$k.err")" >&2; return 1; }
            sleep 0.05
        done
        ip netns exec "$ns" iptables -A OUTPUT -o eth0 -j NFQUEUE --queue-num 0 || return 1
    done
}

mh_unshape() {
    for k in $(seq 1 "$MH_N"); do
        ns=$(mh_ns "$k")
        ip netns exec "$ns" iptables -F OUTPUT 2>/dev/null
        ip netns exec "$ns" tc qdisc del dev eth0 root 2>/dev/null
        ip netns exec "${MH}sw" tc qdisc del dev "p$k" root 2>/dev/null
        if [ -f "$MH_DIR/delayline.h$k.pid" ]; then
            kill "$(cat "$MH_DIR/delayline.h$k.pid")" 2>/dev/null
            wait "$(cat "$MH_DIR/delayline.h$k.pid")" 2>/dev/null
            rm -f "$MH_DIR/delayline.h$k.pid"
        fi
    done
    return 0
}

mh_build_delayline() {
    [ -x "$MH_DIR/delayline" ] && return 0
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$MH_DIR/delayline" \
        "$MH_ROOT/tests/multihost/delayline.c" || { echo "multihost: cannot build delayline.c" >&2; return 1; }
}

# mh_cut K / mh_heal K: host K's link goes down / up (both ends), as a
# pulled cable or a dead switch port
mh_cut() { ip -n "${MH}sw" link set "p$1" down; ip -n "$(mh_ns "$1")" link set eth0 down; }
mh_heal() { ip -n "${MH}sw" link set "p$1" up; ip -n "$(mh_ns "$1")" link set eth0 up; }

# mh_kill_host K [SIGNAL]: kills every process of host K (gantrain and
# Open MPI's daemon: the machine died) with SIGNAL (default KILL); the
# delay line, which plays the network, stays
mh_kill_host() {
    dl=$(cat "$MH_DIR/delayline.h$1.pid" 2>/dev/null)
    pids=$(ip netns pids "$(mh_ns "$1")" | grep -vx "${dl:-none}")
    [ -n "$pids" ] && kill "-${2:-KILL}" $pids 2>/dev/null
    return 0
}

# mh_host_pids K: the processes running on host K
mh_host_pids() { ip netns pids "$(mh_ns "$1")"; }

# The MCA settings of every run: the launcher; TCP over the hosts' network
# (also between two ranks of one host, so that every byte crosses a link);
# no busy polling while waiting (the hosts share this machine's cores: a
# rank spinning in MPI takes the core another host's rank computes on).
# And how soon mpirun gives up on a host it cannot reach: the ranks stop on
# their own (gantrain's watchdog, train.peer_timeout), but mpirun then still
# waits for the lost host's daemon: on an idle control connection for TCP
# keepalive (Open MPI's default: 300 s of silence, then 9 probes 20 s
# apart), set here to 5 s and 5 probes 1 s apart, and on one with data
# unacknowledged for TCP's retransmissions (about 15 minutes by default),
# which the login node cuts to a few seconds (tcp_retries2 = 3, in mh_up).
# MH_MCA adds settings.
mh_mca() {
    echo "--mca plm_rsh_agent $MH_AGENT --mca btl self,tcp --mca btl_tcp_if_include $MH_NET.0/24 --mca oob_tcp_if_include $MH_NET.0/24 --mca mpi_yield_when_idle 1 --mca plm_rsh_no_tree_spawn 1 --mca oob_tcp_keepalive_time 5 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 5 ${MH_MCA:-}"
}

# mh_hostfile FILE K...: a hostfile of hosts hK, one slot each
mh_hostfile() {
    f=$1
    shift
    : >"$f"
    for k in "$@"; do printf 'h%s slots=1\n' "$k" >>"$f"; done
}

# mh_port_bytes K: bytes host K has sent into the switch so far
mh_port_bytes() { ip -n "${MH}sw" -s link show "p$1" | awk '/RX:/ { getline; print $1; exit }'; }

# mh_gantrain_pids K...: the gantrain processes running on hosts K...
mh_gantrain_pids() {
    for k in "$@"; do
        for p in $(mh_host_pids "$k"); do
            [ "$(cat "/proc/$p/comm" 2>/dev/null)" = gantrain ] && echo "$p"
        done
    done
    return 0
}

# mh_mpirun ARGS...: mpirun on the login node with the cluster's settings;
# ended (TERM, then KILL 10 s later) after MH_TIMEOUT seconds (default
# 600), so that a test that hangs fails instead
mh_mpirun() {
    # shellcheck disable=SC2046
    ip netns exec "${MH}head" env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        timeout -k 10 "${MH_TIMEOUT:-600}" mpirun $(mh_mca) "$@"
}

# mh_mpirun_bg OUT ARGS...: mh_mpirun in the background, its output to
# OUT; MH_BG is the process id of its `timeout` (killing it with KILL
# leaves mpirun behind: end it with TERM, which timeout passes on)
mh_mpirun_bg() {
    out=$1
    shift
    # shellcheck disable=SC2046
    (exec ip netns exec "${MH}head" env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        timeout -k 10 "${MH_TIMEOUT:-600}" mpirun $(mh_mca) "$@" >"$out" 2>&1) &
    MH_BG=$!
}

# mh_head CMD...: a command on the login node (e.g. scripts/sweep.sh)
mh_head() { ip netns exec "${MH}head" env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$@"; }

# Takes everything down: processes in the namespaces, the namespaces (and
# with them every veth and the bridge), the work directory.
mh_down() {
    [ -n "${MH:-}" ] || return 0
    for p in $MH_PIDS; do kill "$p" 2>/dev/null; done
    for ns in $(ip netns list | awk -v p="$MH" 'index($1, p) == 1 { print $1 }'); do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    done
    for p in $MH_PIDS; do wait "$p" 2>/dev/null; done
    for ns in $(ip netns list | awk -v p="$MH" 'index($1, p) == 1 { print $1 }'); do
        i=0
        # a namespace is gone once its last process is
        while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        ip netns del "$ns" 2>/dev/null
    done
    [ -n "${MH_DIR:-}" ] && [ -z "${MH_KEEP:-}" ] && rm -rf "$MH_DIR"
    MH=""
    trap - EXIT INT TERM
}
