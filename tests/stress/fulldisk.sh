#!/bin/sh
# fulldisk.sh — a real full disk: a small tmpfs, filled up to leave a
# different amount of free space for each trial, so that the disk runs out
# while writing a checkpoint, a sample grid, the log, the event file or the
# resolved config.  Every trial must end with exit 1 and one line saying
# which file could not be written, ckpt/last whole, no partial file; after
# the filler is removed, --resume must finish the run with exactly the log
# of an uninterrupted run.
#   tests/stress/fulldisk.sh ./gantrain [TRIALS]
# Needs root (or an unprivileged user namespace: it re-runs itself under
# `unshare -rm`) to mount the tmpfs; says "skipped" otherwise.
set -u
G=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
TRIALS=${2:-60}
if [ "${GT_FULLDISK_INNER:-}" = "" ] && [ "$(id -u)" -ne 0 ]; then
    if unshare -rm true 2>/dev/null; then
        GT_FULLDISK_INNER=1 exec unshare -rm "$0" "$@"
    fi
    echo "fulldisk: skipped (needs root or unshare -rm to mount a tmpfs)"
    exit 0
fi
W=$(mktemp -d)
MNT=$W/disk
mkdir -p "$MNT"
mount -t tmpfs -o size=2m tmpfs "$MNT" || { echo "fulldisk: skipped (cannot mount a tmpfs)"; rm -rf "$W"; exit 0; }
trap 'umount "$MNT" 2>/dev/null; rm -rf "$W"' EXIT
cd "$W" || exit 2
cat > fd.ini <<'INI'
[model]
preset = gan
z_dim = 4
g_hidden = 32
d_hidden = 32
[data]
dataset = toy2d
toy_n = 512
[train]
steps = 120
batch_size = 16
log_every = 1
ckpt_every = 10
sample_every = 20
keep_ckpts = 2
progress = none
INI
"$G" train fd.ini --out ref > /dev/null 2>&1 || { echo "fulldisk: the reference run failed"; exit 1; }
fail=0
say_fail() { echo "FAIL: $*"; fail=$((fail + 1)); }
free_kb() { df -k "$MNT" | awk 'NR == 2 { print $4 }'; }
t=0 finished=0
hit_ckpt=0 hit_png=0 hit_log=0 hit_events=0 hit_config=0 hit_other=0
while [ $t -lt "$TRIALS" ]; do
    t=$((t + 1))
    rm -rf "$MNT"/* 
    # leave 8 KiB .. 8 + 4 * TRIALS KiB free (tmpfs counts whole pages)
    total=$(free_kb)
    leave=$((8 + 4 * t))
    [ $((total - leave)) -gt 0 ] && head -c $(((total - leave) * 1024)) /dev/zero > "$MNT/filler" 2>/dev/null
    "$G" train fd.ini --out "$MNT/run" > out.txt 2> err.txt
    rc=$?
    if [ $rc -eq 0 ]; then
        finished=$((finished + 1))
        rm -f "$MNT/filler"
        cmp -s ref/log.csv "$MNT/run/log.csv" || say_fail "trial $t (${leave} KiB free): finished, but the log differs"
        continue
    fi
    [ $rc -eq 1 ] || say_fail "trial $t: exit $rc, wanted 1: $(tail -n 1 err.txt)"
    msg=$(grep -v '^gantrain: run \|^gantrain: memory: ' err.txt)
    [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] || say_fail "trial $t: more than one error line: $msg"
    case $msg in
    *"No space left on device"*) ;;
    *) say_fail "trial $t: '$msg' does not say the disk is full" ;;
    esac
    case $msg in
    *".gtck:"*|*"ckpt/last"*) hit_ckpt=$((hit_ckpt + 1)) ;;
    *".png:"*) hit_png=$((hit_png + 1)) ;;
    *"log.csv:"*) hit_log=$((hit_log + 1)) ;;
    *"tfevents"*) hit_events=$((hit_events + 1)) ;;
    *"config.ini:"*) hit_config=$((hit_config + 1)) ;;
    *) hit_other=$((hit_other + 1)) ;;
    esac
    [ -z "$(find "$MNT/run" -name '*.tmp*' 2>/dev/null)" ] || say_fail "trial $t: a partial file is left: $(find "$MNT/run" -name '*.tmp*')"
    if [ -e "$MNT/run/ckpt/last" ]; then
        "$G" info "$MNT/run/ckpt/last" > /dev/null 2>&1 || say_fail "trial $t: ckpt/last does not load after '$msg'"
        set -- --resume
    else
        set --
    fi
    rm -f "$MNT/filler"
    if [ $# -eq 0 ]; then rm -rf "$MNT/run"; fi
    "$G" train fd.ini --out "$MNT/run" "$@" > /dev/null 2> err2.txt || say_fail "trial $t: the resume after '$msg' failed: $(tail -n 1 err2.txt)"
    cmp -s ref/log.csv "$MNT/run/log.csv" || say_fail "trial $t: after '$msg' and a resume the log differs"
done
echo "fulldisk: $TRIALS trials on a 2 MiB tmpfs with 12..$((8 + 4 * TRIALS)) KiB free: the disk filled while writing a checkpoint $hit_ckpt times, a sample grid $hit_png, log.csv $hit_log, the event file $hit_events, config.ini $hit_config, other $hit_other; $finished runs had room to finish; every failed run resumed to the uninterrupted log: $([ $fail -eq 0 ] && echo yes || echo NO); $fail failure(s)"
[ $fail -eq 0 ]
