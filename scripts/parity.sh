#!/bin/sh
# parity.sh — FID parity of gantrain's presets with their PyTorch references
# at equal budgets, over seeds: each preset trained by gantrain (its
# defaults, and with the keys that make it do what its reference script does:
# model.d_sigmoid, train.schedule = interleaved) and by the PyTorch reference
# (scripts/train-reference.py, the iteration `gantrain lockstep` checks),
# 10000 samples each, scored by `gantrain eval` with the shipped classifier's
# features against the Fashion-MNIST test split; table of mean ± std.
#
#   scripts/parity.sh [--presets gan,cgan,wgan,wgan_gp,dcgan] [--seeds 1,2,3]
#                     [--variants gt,gt-ref,pt] [--jobs 2] [--root runs/parity]
#                     [--scale F]   (budgets times F, for a quick try)
#                     [--table]     (only the table of what has finished)
#                     [--figures DIR]  (also DIR/parity-PRESET.png: the 64-sample
#                                    grids of seed 1 of every variant side by side)
#
# Budgets (iterations = generator updates, batch 64): gan 9375, cgan 9375,
# wgan 1875, wgan_gp 1875, dcgan 1875 (10, 10, 10, 10 and 2 epochs).  Runs
# already finished (their eval.json exists) are kept, so an interrupted
# sweep continues where it stopped.  Needs /usr/bin/python3 with python3-torch
# for the pt variant.
set -eu
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
G="$ROOT_DIR/gantrain"
PY=/usr/bin/python3
presets=gan,cgan,wgan,wgan_gp,dcgan
seeds=1,2,3
variants=gt,gt-ref,pt
jobs=2
root=runs/parity
scale=1
one_job=
table_only=
figures=
while [ $# -gt 0 ]; do
    case $1 in
    --presets) presets=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --one) shift; one_job=$*; break ;;
    --table) table_only=1; shift ;;
    --figures) figures=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "parity.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

budget() {
    case $1 in
    gan|cgan) n=9375 ;;
    wgan|wgan_gp|dcgan) n=1875 ;;
    *) echo "parity.sh: no budget for preset $1" >&2; exit 2 ;;
    esac
    awk -v n="$n" -v f="$scale" 'BEGIN { v = int(n * f + 0.5); print (v < 1 ? 1 : v) }'
}

# the keys that make gantrain do what the preset's reference script does
faithful() {
    case $1 in
    gan|dcgan) echo "--set model.d_sigmoid=true" ;;
    wgan|wgan_gp) echo "--set train.schedule=interleaved" ;;
    *) echo "" ;;
    esac
}

one() {
    p=$1 v=$2 s=$3 n=$4
    d="$root/$p/$v-s$s"
    [ -f "$d/eval.json" ] && return 0
    rm -rf "$d"
    mkdir -p "$d"
    start=$(date +%s)
    case $v in
    pt)
        $PY "$ROOT_DIR/scripts/train-reference.py" "$p" --iters "$n" --seed "$s" --out "$d" > "$d/train.log" 2>&1 ;;
    gt|gt-ref)
        extra=""
        [ "$v" = gt-ref ] && extra=$(faithful "$p")
        # shellcheck disable=SC2086
        "$G" --threads 1 train "$ROOT_DIR/configs/${p}_fashion.ini" --out "$d/run" --steps "$n" --seed "$s" \
            --set train.sample_every=0 --set train.ckpt_every=0 --set train.tensorboard=false \
            --set train.progress=none $extra > "$d/train.log" 2>&1
        "$G" --threads 1 sample "$d/run" --out "$d/grid.png" --n 64 --seed $((s + 12345)) >> "$d/train.log" 2>&1 ;;
    esac
    end=$(date +%s)
    echo $((end - start)) > "$d/wall.txt"
    # gantrain's own samples are generated inside eval, rounded to 8 bits
    # exactly as the PNGs the reference wrote (tests/cli/eval.sh checks that
    # eval of a sample --dir folder equals eval of the checkpoint)
    fake="--fake $d/samples"
    [ "$v" != pt ] && fake="$d/run --seed $((s + 12345)) --jsonl none"
    # shellcheck disable=SC2086
    "$G" --threads 1 eval $fake --real fashion-mnist:test --features classifier \
        --metrics fid,is,kid,pr --n 10000 --json > "$d/eval.json.tmp" 2>> "$d/train.log" &&
        mv "$d/eval.json.tmp" "$d/eval.json"
    rm -rf "$d/samples"
    echo "parity: $p $v seed $s: $((end - start)) s"
}

# one figure of an eval.json line
field() { sed -n "s/.*\"$2\": *\([-0-9.eE+naif]*\).*/\1/p" "$1" | head -n 1; }

table() {
    printf '| preset | iterations | variant | FID | IS | precision | recall | KID | train s | seeds |\n'
    printf '|---|---|---|---|---|---|---|---|---|---|\n'
    for p in $(echo "$presets" | tr , ' '); do
        for v in $(echo "$variants" | tr , ' '); do
            files=$(ls "$root/$p/$v"-s*/eval.json 2>/dev/null || true)
            [ -z "$files" ] && continue
            for f in $files; do
                d=$(dirname "$f")
                echo "$(field "$f" fid) $(field "$f" is) $(field "$f" precision) $(field "$f" recall) $(field "$f" kid) $(cat "$d/wall.txt" 2>/dev/null || echo 0) $(basename "$d" | sed 's/.*-s//')"
            done | awk -v p="$p" -v v="$v" -v n="$(budget "$p")" '
                { for (i = 1; i <= 6; i++) { s[i] += $i; q[i] += $i * $i } k++; seeds = seeds (k > 1 ? "," : "") $7 }
                function ms(i, f) { m = s[i] / k; sd = k > 1 ? sqrt((q[i] - k * m * m) / (k - 1)) : 0; if (sd != sd) sd = 0
                                    return sprintf(f " ± " f, m, sd) }
                END { printf "| %s | %d | %s | %s | %s | %s | %s | %s | %.0f | %s |\n", p, n, v, ms(1, "%.1f"),
                      ms(2, "%.2f"), ms(3, "%.3f"), ms(4, "%.3f"), ms(5, "%.3f"), s[6] / k, seeds }'
        done
    done
}

if [ -n "$one_job" ]; then
    # shellcheck disable=SC2086
    one $one_job
    exit 0
fi
# the grids of seed 1 of each variant, side by side (gnuplot)
montages() {
    X_TREE=$ROOT_DIR
    # shellcheck source=scripts/experiments/lib.sh
    . "$ROOT_DIR/scripts/experiments/lib.sh"
    mkdir -p "$figures"
    for p in $(echo "$presets" | tr , ' '); do
        set --
        for v in $(echo "$variants" | tr , ' '); do
            f="$root/$p/$v-s1/grid.png"
            [ -f "$f" ] || continue
            fid=$(field "$root/$p/$v-s1/eval.json" fid)
            case $v in
            gt) label="gantrain (preset defaults)" ;;
            gt-ref) label="gantrain $(faithful "$p" | sed 's/--set //')" ;;
            pt) label="PyTorch reference" ;;
            *) label=$v ;;
            esac
            set -- "$@" "$f" "$label, FID $(printf '%.0f' "$fid")"
        done
        [ $# -gt 0 ] || continue
        X_CELL=300 x_montage "$figures/parity-$p.png" "$p, $(budget "$p") iterations, seed 1" $(($# / 2)) "$@"
    done
}

if [ -n "$table_only" ]; then
    table
    [ -n "$figures" ] && montages
    exit 0
fi
mkdir -p "$root"
list="$root/jobs.txt"
: > "$list"
for p in $(echo "$presets" | tr , ' '); do
    n=$(budget "$p")
    for s in $(echo "$seeds" | tr , ' '); do
        for v in $(echo "$variants" | tr , ' '); do
            [ "$v" = gt-ref ] && [ -z "$(faithful "$p")" ] && continue
            echo "$p $v $s $n" >> "$list"
        done
    done
done
xargs -P "$jobs" -L 1 "$0" --root "$root" --scale "$scale" --one < "$list"
table | tee "$root/table.md"
[ -n "$figures" ] && montages
