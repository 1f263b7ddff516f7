# sweep.sh — part of tests/multihost/run.sh (sourced): scripts/sweep.sh
# --hosts on three hosts, run from the login node.  Six runs (a toy GAN,
# long enough to be caught mid-run) are dealt over hosts 1-3; once host 2
# has trained a while it dies (its processes killed and its link cut: a
# machine that went down).  The sweep names the lost host, hands its run
# back and the other hosts finish every run, the lost one resumed from its
# checkpoint (the runs really ran on their hosts: each train.log names its
# host).
cat >swm.ini <<'EOF'
[model]
preset = gan
z_dim = 2
g_hidden = 64,64
d_hidden = 64,64
g_batchnorm = false
[data]
dataset = toy2d
toy = circle
toy_n = 512
[train]
steps = 1500
batch_size = 64
log_every = 50
sample_every = 0
ckpt_every = 100
toyviz_every = -1
progress = lines
EOF
printf 'h1 slots=1\nh2 slots=1\nh3 slots=1\n' >swhosts
# runs report their host: gantrain prints nothing of it, so each run's
# train.log gets the host name from a wrapper the hosts all see
printf '#!/bin/sh\necho "on host $(hostname)"\nexec %s "$@"\n' "$G" >gantrain-on-host
chmod +x gantrain-on-host
mh_head "$ROOT/scripts/sweep.sh" swm.ini lr=1e-3,5e-4,2e-4 seed=1,2 --hosts swhosts --root "$W/sw" --name hosts \
    --mpirun "mpirun $(mh_mca)" --gantrain "$W/gantrain-on-host" >sweep.out 2>&1 &
sp=$!
# host 2 dies once a run still training on it has passed a checkpoint (not
# one that already finished there: the next run on h2 may have none yet)
h2_checkpointed() {
    for f in sw/hosts/*/train.log; do
        d=$(dirname "$f")
        grep -q "^on host h2" "$f" 2>/dev/null && [ -e "$d/ckpt/last" ] &&
            ! grep -q "^status=done" "$d/sweep.state" 2>/dev/null && return 0
    done
    return 1
}
i=0
until h2_checkpointed || [ $i -ge 2400 ] || ! kill -0 $sp 2>/dev/null; do
    sleep 0.05
    i=$((i + 1))
done
mh_kill_host 2
mh_cut 2
i=0
while kill -0 $sp 2>/dev/null && [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $sp 2>/dev/null && { kill $sp; echo "sweep still running after 10 minutes" >>sweep.out; }
wait $sp
echo "exit $?" >>sweep.out
mh_heal 2
check sweep_host_lost_reported grep -q "host h2 lost after .*the run goes back to the queue" sweep.out
check sweep_host_down_named grep -q "^sweep: host h2 is down: no more runs go there" sweep.out
check sweep_others_finish grep -q "6/6 finished (0 skipped as already done), 0 failed" sweep.out
check sweep_lost_run_resumed grep -q "trained (resumed)" sweep.out
check sweep_summary_names_host grep -q "host(s) lost: h2; their runs finished on the other hosts" sweep.out
check sweep_exit_0 grep -q "^exit 0$" sweep.out
check sweep_runs_on_hosts sh -c 'grep -l "^on host h[13]" sw/hosts/*/train.log | wc -l | grep -qx 6'
note "sweep: $(grep -c "^on host h1" sw/hosts/*/train.log | grep -c ':[1-9]') run(s) touched h1, $(grep -c "^on host h3" sw/hosts/*/train.log | grep -c ':[1-9]') h3, $(grep -c "^on host h2" sw/hosts/*/train.log | grep -c ':[1-9]') h2"
