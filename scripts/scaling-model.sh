#!/bin/sh
# scaling-model.sh — the tables of docs/scaling.md from measured bench
# figures: bytes all-reduced per iteration, and a ring all-reduce model of
# N nodes on a network, giving the global batch below which a data-parallel
# step is less than 50% efficient.
#   scripts/scaling-model.sh [--cores C] BENCH.jsonl
# BENCH.jsonl: `gantrain bench --json` lines of each preset: one process
# with 1 thread (compute per sample), one with 2 threads (how well a node's
# cores share the work), and `mpirun -np 2` (bytes and all-reduces per
# iteration); scripts/bench-scaling.sh writes the first and the last.  The
# last line of a kind wins, so files can be given oldest first.
#
# Model, per generator iteration of a global batch B on N nodes:
#   compute  T_c = c_node * B / N,  c_node = c1 / (C * eta)
#            c1 = ms per sample of one core (1 thread, batch of the config),
#            eta = c1 / (2 * c2) measured with 2 threads here (an optimistic
#            stand-in for C cores: real nodes scale worse, which only makes
#            communication matter more)
#   comm     T_a = sum over the m all-reduces of an iteration of
#            2(N-1)/N * bytes / bandwidth + 2(N-1) * latency
#          = 2(N-1)/N * P / bw + 2(N-1) * m * L     (P = bytes per iteration)
#   (gantrain does not overlap communication with computation)
#   efficiency E = T_c / (T_c + T_a) (compute is linear in the batch), so
#   E < 50% exactly when T_a >= T_c, i.e. below B_50 = N * T_a / c_node.
set -eu
cores=32
while [ $# -gt 0 ]; do
    case $1 in
    --cores) cores=$2; shift 2 ;;
    -*) echo "scaling-model: unknown option '$1'" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: scripts/scaling-model.sh [--cores C] BENCH.jsonl" >&2; exit 2; }
cat "$@" | awk -v cores="$cores" '
function field(k,   r) {
    if (match($0, "\"" k "\": [^,}]*")) { r = substr($0, RSTART, RLENGTH); sub(/^[^:]*: /, "", r); gsub(/"/, "", r); return r }
    return ""
}
/^\{/ {
    p = field("preset"); r = field("ranks") + 0; t = field("threads") + 0
    if (!(p in seen)) { seen[p] = 1; order[++np] = p }
    if (r <= 1 && t == 1) { ms1[p] = field("ms_median"); batch[p] = field("batch"); nc[p] = field("n_critic") }
    # parameter counts from any line that has them (older binaries lack them)
    if (field("params_g") != "") { pg[p] = field("params_g"); pd[p] = field("params_d") }
    if (r <= 1 && t == 2) ms2[p] = field("ms_median")
    if (r > 1) { bytes[p] = field("allreduce_bytes"); calls[p] = field("allreduce_calls") }
}
END {
    print "## Bytes all-reduced per generator iteration (measured under mpirun -np 2)"
    print ""
    print "| preset | batch | n_critic | G params | D params | gradients: 4 (n_critic D + G) | batch norm and batch-wide figures | all-reduces | total |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= np; i++) {
        p = order[i]
        if (!(p in bytes)) continue
        g = 4 * (nc[p] * pd[p] + pg[p])
        printf "| %s | %d | %d | %d | %d | %.2f MB | %.1f kB | %d | %.2f MB |\n", p, batch[p], nc[p], pg[p], pd[p],
            g / 1e6, (bytes[p] - g) / 1e3, calls[p], bytes[p] / 1e6
    }
    print ""
    printf "## Model: %d-core nodes\n\n", cores
    print "Networks: A = 10 Gbit/s, 50 us; B = 100 Gbit/s, 5 us.  T_a = communication per iteration,"
    print "B_50 = the global batch below which efficiency is under 50%, E = efficiency with the"
    print "batch of the config on every node (global batch = batch x N)."
    print ""
    print "| preset | c1 ms/sample (1 core) | eta | c_node ms/sample | T_a 8 A | T_a 64 A | T_a 8 B | T_a 64 B | B_50 8 A | B_50 64 A | B_50 8 B | B_50 64 B | E 8 A | E 64 A | E 8 B | E 64 B |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= np; i++) {
        p = order[i]
        if (!(p in bytes) || !(p in ms1)) continue
        c1 = ms1[p] / batch[p]
        eta = (p in ms2) ? ms1[p] / (2 * ms2[p]) : 1
        if (eta > 1) eta = 1
        cn = c1 / (cores * eta)
        tas = ""; b50s = ""; es = ""
        for (j = 1; j <= 2; j++) {
            gbit = (j == 1) ? 10 : 100; lat = (j == 1) ? 50 : 5
            for (k = 1; k <= 2; k++) {
                N = (k == 1) ? 8 : 64
                ta = 2 * (N - 1) / N * bytes[p] * 8 / (gbit * 1e9) * 1e3 + 2 * (N - 1) * calls[p] * lat * 1e-3
                tc = cn * batch[p]
                tas = tas sprintf(" %.1f ms |", ta)
                b50s = b50s sprintf(" %.0f |", N * ta / cn)
                es = es sprintf(" %.0f%% |", 100 * tc / (tc + ta))
            }
        }
        printf "| %s | %.3f | %.2f | %.4f |%s%s%s\n", p, c1, eta, cn, tas, b50s, es
    }
}'
