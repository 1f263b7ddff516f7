# equal.sh — part of tests/multihost/run.sh (sourced): data-parallel runs
# across hosts give the numbers of one process.  2 hosts: within 1e-5 of one
# process over 20 steps (dcgan and wgan_gp), and the overlapped all-reduce
# (buckets of 1 KiB, started during the backward pass) bit for bit equal to
# one blocking all-reduce after it.  4 hosts: overlapped within 1e-5 of
# blocking (more than two terms per sum: see docs/scaling.md on the order).
# The gradients really cross the links: host 1 sends at least a gradient's
# worth per step into the switch.
mh_hostfile hf2 1 2
mh_hostfile hf4 1 2 3 4
for c in mpd mpw; do
    "$G" --threads 1 train $c.ini --out ${c}_plain >/dev/null 2>&1
    b0=$(mh_port_bytes 1)
    mh_mpirun -np 2 --hostfile hf2 "$G" --threads 1 train $c.ini --out ${c}_h2 --set train.bucket_kb=1 >${c}_h2.out 2>&1
    b1=$(mh_port_bytes 1)
    check ${c}_2hosts_run grep -q "data parallel over 2 ranks" ${c}_h2.out
    # G and D's gradients (107057 + 24865 or 4577 + 2945... values): at
    # least one float per parameter of either network per step leaves h1
    params=$("$G" --threads 1 bench $c.ini --steps 1 2>/dev/null | awk '/^parameters/ { gsub(",", ""); print $3 + $5 }')
    check ${c}_2hosts_over_the_link sh -c '[ $(($3 - $2)) -ge $((20 * 4 * $1)) ] || { echo "h1 sent $(($3 - $2)) bytes, want >= $((20 * 4 * $1))"; exit 1; }' sh "$params" "$b0" "$b1"
    note "$c: h1 sent $(((b1 - b0) / 1024)) KiB over its link in 20 steps ($params parameters)"
    check ${c}_2hosts_equal_one_process close_logs ${c}_plain/log.csv ${c}_h2/log.csv
    mh_mpirun -np 2 --hostfile hf2 "$G" --threads 1 train $c.ini --out ${c}_h2b --set train.bucket_kb=0 >/dev/null 2>&1
    check ${c}_2hosts_overlap_equals_blocking cmp ${c}_h2/log.csv ${c}_h2b/log.csv
    mh_mpirun -np 4 --hostfile hf4 "$G" --threads 1 train $c.ini --out ${c}_h4 --set train.bucket_kb=1 >/dev/null 2>&1
    mh_mpirun -np 4 --hostfile hf4 "$G" --threads 1 train $c.ini --out ${c}_h4b --set train.bucket_kb=0 >/dev/null 2>&1
    check ${c}_4hosts_overlap_close_to_blocking close_logs ${c}_h4/log.csv ${c}_h4b/log.csv
    # the buckets' sums (Rabenseifner's) add each element's terms in the
    # same order wherever the buckets begin and end: 1 KiB buckets and one
    # bucket per network agree bit for bit
    mh_mpirun -np 4 --hostfile hf4 "$G" --threads 1 train $c.ini --out ${c}_h4one --set train.bucket_kb=1000000 >/dev/null 2>&1
    check ${c}_4hosts_bucket_size_changes_nothing cmp ${c}_h4/log.csv ${c}_h4one/log.csv
    if cmp -s ${c}_h4/log.csv ${c}_h4b/log.csv; then note "$c: 4 hosts, overlapped and blocking logs are bit for bit equal"; else note "$c: 4 hosts, overlapped and blocking logs differ (within 1e-5)"; fi
done
