#!/bin/sh
# demo.sh — what `make demo` runs after building: a GAN on Fashion-MNIST
# (Debian's dataset-fashion-mnist), 10 epochs of the `gan` preset, a few
# minutes on two cores.  Run again, it continues the same run directory.
set -eu
cd "$(dirname "$0")/.."
out=runs/demo
resume=""
[ -e "$out/ckpt/last" ] && resume="--resume"
./gantrain train configs/gan_fashion.ini --out "$out" --set train.epochs=10 \
    --set train.sample_every=937 $resume
echo
echo "demo: sample grids of the run are in $out/samples/ (the last one is $(ls $out/samples/*.png | tail -n 1))"
echo "demo: losses in $out/log.csv; more samples: ./gantrain sample $out --out more.png"
