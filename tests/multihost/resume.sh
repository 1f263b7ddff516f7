# resume.sh — part of tests/multihost/run.sh (sourced): a checkpoint written
# by 4 hosts resumes on one (a single process on host 5): its first step
# agrees with the uninterrupted single process within 1e-5 (later steps need
# not: see tests/cli/mpi.sh), and it runs to the end.
mh_hostfile hf4 1 2 3 4
[ -d mpd_plain ] || "$G" --threads 1 train mpd.ini --out mpd_plain >/dev/null 2>&1
mh_mpirun -np 4 --hostfile hf4 "$G" --threads 1 train mpd.ini --out r41 --steps 10 >r41.out 2>&1
check resume_4hosts_ran grep -q "data parallel over 4 ranks" r41.out
check resume_on_one_host ip netns exec "$(mh_ns 5)" "$G" --threads 1 train mpd.ini --out r41 --resume
head -n 12 mpd_plain/log.csv >plain.11
head -n 12 r41/log.csv >r41.11
check resume_4to1_continues close_logs plain.11 r41.11
check resume_4to1_finishes grep -q "^20," r41/log.csv
