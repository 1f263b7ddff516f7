#!/bin/sh
# bench-multihost.sh — data-parallel iterations across hosts on shaped links:
# `gantrain bench` under mpirun over 2 and 4 hosts in network namespaces
# (tests/multihost/lib.sh), each link shaped to a rate with a one-way delay,
# with the gradients' all-reduce blocking (train.bucket_kb = 0) and
# overlapped (buckets), one rank of one thread per host.  Prints one JSON
# line per bench (bench's own, plus "hosts", "link", "delay_us", "load")
# to stdout, and the links' measured round trip and throughput to stderr.
#   sudo scripts/bench-multihost.sh [--seconds 10] [--hosts 2,4] [--links 1gbit,10gbit]
#        [--delay 200] [--buckets 0,1024] [--presets dcgan,wgan_gp] > bench-mh.jsonl
# then scripts/bench-multihost.sh --table bench-mh.jsonl for the tables of
# docs/scaling.md.  With --allreduce [--reps 20]: the all-reduce alone
# (scripts/bench-allreduce.c) instead of gantrain, for the model.  Needs root, Open MPI, iptables (for the delay); the
# hosts share this machine's cores (see docs/scaling.md on what that does).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=10 hostsets=2,4 links=1gbit,10gbit delay=200 buckets=0,1024 presets=dcgan,wgan_gp table="" allreduce=0 reps=20
G=${GANTRAIN:-$here/gantrain}
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=$2; shift ;;
    --hosts) hostsets=$2; shift ;;
    --links) links=$2; shift ;;
    --delay) delay=$2; shift ;;
    --buckets) buckets=$2; shift ;;
    --presets) presets=$2; shift ;;
    --table) table=$2; shift ;;
    --allreduce) allreduce=1 ;;
    --reps) reps=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-multihost: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ -n "$table" ]; then
    # one row per bench: the gradients' all-reduce apart from the rest
    # (batch-norm statistics, batch-wide figures), both as this rank spent
    # them inside MPI; "exposed" is the gradients' part the computation did
    # not hide (all of it when blocking)
    echo "| preset | hosts | link | all-reduce | ms/iter | all-reduce ms/iter (rank 0) | gradients: exposed ms | gradients: in flight ms | other all-reduces ms | load |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    awk '{
        v["preset"] = ""; line = $0
        n = split(line, kv, /, "|\{"|\}$/)
        for (i = 1; i <= n; i++) { split(kv[i], p, /": ?/); gsub(/"/, "", p[1]); gsub(/"/, "", p[2]); v[p[1]] = p[2] }
        mode = v["bucket_kb"] + 0 == 0 ? "blocking" : "buckets of " v["bucket_kb"] " KiB"
        printf "| %s | %d | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %s |\n", v["preset"], v["hosts"], v["link"], mode,
            v["ms_median"], v["comm_ms"], v["grad_ms"], v["grad_flight_ms"], v["comm_ms"] - v["grad_ms"], v["load"]
    }' "$table"
    exit 0
fi

MH_ROOT=$here
. "$here/tests/multihost/lib.sh"
why=$(mh_unavailable) && { echo "bench-multihost: $why" >&2; exit 2; }
[ -x "$G" ] || { echo "bench-multihost: $G: no gantrain binary (make)" >&2; exit 2; }
max=$(echo "$hostsets" | tr ',' '\n' | sort -n | tail -n 1)
mh_up "$max" || exit 1

# the link as TCP sees it: round trip of 1 byte, throughput of one stream
link_probe() {
    command -v python3 >/dev/null 2>&1 || return 0
    ip netns exec "$(mh_ns 2)" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("'$MH_NET'.2", 5001)); s.listen(1)
c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while True:
    d = c.recv(1 << 20)
    if not d: break
    if len(d) == 1: c.sendall(d)
c.close()' &
    sp=$!
    sleep 0.5
    ip netns exec "$(mh_ns 1)" python3 -c '
import socket, time
c = socket.create_connection(("'$MH_NET'.2", 5001)); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
ts = []
for i in range(400):
    t = time.perf_counter(); c.sendall(b"x"); c.recv(1); ts.append(time.perf_counter() - t)
ts.sort()
buf = b"y" * (1 << 20); t = time.perf_counter()
for i in range(100): c.sendall(buf)
c.shutdown(socket.SHUT_WR); c.recv(1); dt = time.perf_counter() - t
print("link %s: round trip median %.3f ms (10%%: %.3f, 90%%: %.3f), one TCP stream %.2f Gbit/s" % ("'"$1"'", ts[200] * 1e3, ts[40] * 1e3, ts[360] * 1e3, 100 * len(buf) * 8 / dt / 1e9))' >&2
    wait $sp 2>/dev/null
}

if [ "$allreduce" = 1 ]; then
    mpicc -O2 -o "$MH_DIR/bench-allreduce" "$here/scripts/bench-allreduce.c" || exit 1
fi
for link in $(echo "$links" | tr ',' ' '); do
    mh_shape "$link" "$delay" || exit 1
    link_probe "$link, $delay us"
    if [ "$allreduce" = 1 ]; then
        for n in $(echo "$hostsets" | tr ',' ' '); do
            mh_hostfile "$MH_DIR/hf$n" $(seq 1 "$n")
            load=$(cut -d' ' -f1 /proc/loadavg)
            mh_mpirun -np "$n" --hostfile "$MH_DIR/hf$n" "$MH_DIR/bench-allreduce" "$reps" |
                sed "s/}\$/, \"hosts\": $n, \"link\": \"$link\", \"delay_us\": $delay, \"load\": \"$load\"}/"
        done
        continue
    fi
    for n in $(echo "$hostsets" | tr ',' ' '); do
        mh_hostfile "$MH_DIR/hf$n" $(seq 1 "$n")
        for p in $(echo "$presets" | tr ',' ' '); do
            for b in $(echo "$buckets" | tr ',' ' '); do
                load=$(cut -d' ' -f1 /proc/loadavg)
                out=$(mh_mpirun -np "$n" --hostfile "$MH_DIR/hf$n" nice "$G" --threads 1 bench \
                    "$here/configs/${p}_fashion.ini" --seconds "$seconds" --json --set train.bucket_kb="$b" 2>&1 | grep '^{')
                [ -n "$out" ] || { echo "bench-multihost: $p on $n hosts, $link, bucket_kb $b: no result" >&2; continue; }
                echo "$out" | sed "s/}\$/, \"hosts\": $n, \"link\": \"$link\", \"delay_us\": $delay, \"load\": \"$load\"}/"
            done
        done
    done
done
mh_down
