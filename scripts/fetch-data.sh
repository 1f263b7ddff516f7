#!/bin/sh
# fetch-data.sh — downloads and checks the datasets gantrain reads, and the
# FID Inception-v3 weights, for machines with a network:
#   scripts/fetch-data.sh [--dir DIR] mnist | fashion-mnist | cifar10 | celeba | inception | all
# Files land where gantrain looks by default: DIR/<dataset>/ (DIR = data),
# and DIR/pt_inception-2015-12-05-6726825d.pth for `gantrain eval --features
# inception` (pytorch-fid's weights, read as downloaded: no conversion).
# Every file is checked against its published checksum before it is used
# (MD5 for the datasets; for the Inception weights the SHA-256 prefix in
# the file's name, as torch.hub checks it); a file already present with the
# right checksum is not downloaded again.  A failed or damaged download is
# removed, never left half-written.
#
# Fashion-MNIST is also a Debian package (dataset-fashion-mnist, installed by
# scripts/install-deps.sh into /usr/share/datasets/fashion-mnist, the
# default of data.path), so it needs no download there.
#
# CelebA lives on Google Drive, which throttles large downloads.  When the
# download is refused, fetch img_align_celeba.zip (1.4 GB) and
# list_eval_partition.txt by hand from the CelebA page
# (mmlab.ie.cuhk.edu.hk/projects/CelebA.html, "Align&Cropped Images" and
# "Eval"), put them in DIR/celeba/ and run this script again: it checks and
# unpacks them.
set -eu

DIR=data
usage() {
    echo "usage: scripts/fetch-data.sh [--dir DIR] mnist|fashion-mnist|cifar10|celeba|inception|all" >&2
    exit 2
}
[ $# -ge 1 ] || usage
if [ "$1" = --dir ]; then
    [ $# -ge 3 ] || usage
    DIR=$2
    shift 2
fi
WHAT=$1

die() {
    echo "fetch-data: $*" >&2
    exit 1
}

if command -v curl >/dev/null 2>&1; then
    get() { curl -fL --retry 3 --progress-bar -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
    get() { wget -q --show-progress -O "$2" "$1"; }
else
    die "needs curl or wget"
fi
command -v md5sum >/dev/null 2>&1 || die "needs md5sum (coreutils)"
command -v sha256sum >/dev/null 2>&1 || die "needs sha256sum (coreutils)"

# sum_of FILE SUM: FILE's checksum of SUM's kind: an MD5 (32 hex digits), or
# for SUM = sha256:PREFIX as many leading hex digits of its SHA-256
sum_of() {
    case $2 in
    sha256:*)
        p=${2#sha256:}
        echo "sha256:$(sha256sum "$1" | cut -c1-${#p})"
        ;;
    *) md5sum "$1" | cut -d' ' -f1 ;;
    esac
}
sum_ok() { [ -f "$1" ] && [ "$(sum_of "$1" "$2")" = "$2" ]; }

# fetch URL FILE SUM: downloads URL to FILE unless FILE already checks out
fetch() {
    url=$1 file=$2 sum=$3
    if sum_ok "$file" "$sum"; then
        echo "ok        $file"
        return 0
    fi
    mkdir -p "$(dirname "$file")"
    echo "download  $url"
    rm -f "$file.part"
    if ! get "$url" "$file.part"; then
        rm -f "$file.part"
        die "download of $url failed"
    fi
    if ! sum_ok "$file.part" "$sum"; then
        got=$(sum_of "$file.part" "$sum")
        if head -c 512 "$file.part" | grep -qi "<html"; then
            rm -f "$file.part"
            die "$url sent a web page instead of the file (quota or login page?); download $(basename "$file") by hand into $(dirname "$file")/ and run this again"
        fi
        rm -f "$file.part"
        die "$file: checksum $got, want $sum: damaged download, try again"
    fi
    mv "$file.part" "$file"
    echo "ok        $file"
}

mnist() {
    base=https://ossci-datasets.s3.amazonaws.com/mnist
    d=$DIR/mnist
    fetch $base/train-images-idx3-ubyte.gz "$d/train-images-idx3-ubyte.gz" f68b3c2dcbeaaa9fbdd348bbdeb94873
    fetch $base/train-labels-idx1-ubyte.gz "$d/train-labels-idx1-ubyte.gz" d53e105ee54ea40749a09fcbcd1e9432
    fetch $base/t10k-images-idx3-ubyte.gz "$d/t10k-images-idx3-ubyte.gz" 9fb629c4189551a2d022fa330f9573f3
    fetch $base/t10k-labels-idx1-ubyte.gz "$d/t10k-labels-idx1-ubyte.gz" ec29112dd5afa0611ce80d1b7f02629c
    echo "mnist: $d (dataset = mnist, path = $d)"
}

fashion() {
    base=http://fashion-mnist.s3-website.eu-central-1.amazonaws.com
    d=$DIR/fashion-mnist
    fetch $base/train-images-idx3-ubyte.gz "$d/train-images-idx3-ubyte.gz" 8d4fb7e6c68d591d4c3dfef9ec88bf0d
    fetch $base/train-labels-idx1-ubyte.gz "$d/train-labels-idx1-ubyte.gz" 25c81989df183df01b3e8a0aad5dffbe
    fetch $base/t10k-images-idx3-ubyte.gz "$d/t10k-images-idx3-ubyte.gz" bef4ecab320f06d8554ea6380940ec79
    fetch $base/t10k-labels-idx1-ubyte.gz "$d/t10k-labels-idx1-ubyte.gz" bb300cfdad3c16e7a12a480ee83cd310
    echo "fashion-mnist: $d (set data.path = $d; the default is Debian's /usr/share/datasets/fashion-mnist)"
}

cifar10() {
    d=$DIR/cifar10
    tgz=$d/cifar-10-binary.tar.gz
    fetch https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz "$tgz" c32a1d4ab5d03f1284b67883e8d87530
    if [ ! -f "$d/cifar-10-batches-bin/test_batch.bin" ]; then
        echo "unpack    $tgz"
        tar -xzf "$tgz" -C "$d" || die "cannot unpack $tgz"
    fi
    for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
        [ "$(wc -c < "$d/cifar-10-batches-bin/$f.bin")" -eq 30730000 ] ||
            die "$d/cifar-10-batches-bin/$f.bin is not 10000 records; delete $d and run this again"
    done
    echo "cifar10: $d (dataset = cifar10, path = $d)"
}

celeba() {
    d=$DIR/celeba
    drive="https://drive.usercontent.google.com/download?export=download&confirm=t&id="
    fetch "${drive}0B7EVK8r0v71pY0NSMzRuSXJEVkk" "$d/list_eval_partition.txt" d32c9cbf5e040fd4025c592c306e6668
    n=0
    [ -d "$d/img_align_celeba" ] && n=$(find "$d/img_align_celeba" -name '*.jpg' | wc -l)
    if [ "$n" -ne 202599 ]; then
        fetch "${drive}0B7EVK8r0v71pZjFTYXZWM3FlRnM" "$d/img_align_celeba.zip" 00d2c5bc6d35e252742224ab0c1e8fcb
        echo "unpack    $d/img_align_celeba.zip"
        if command -v unzip >/dev/null 2>&1; then
            unzip -q -o "$d/img_align_celeba.zip" -d "$d" || die "cannot unpack $d/img_align_celeba.zip"
        elif command -v python3 >/dev/null 2>&1; then
            python3 -m zipfile -e "$d/img_align_celeba.zip" "$d" || die "cannot unpack $d/img_align_celeba.zip"
        else
            die "needs unzip (apt-get install unzip) to unpack $d/img_align_celeba.zip"
        fi
        n=$(find "$d/img_align_celeba" -name '*.jpg' | wc -l)
        [ "$n" -eq 202599 ] || die "$d/img_align_celeba holds $n images, want 202599"
    fi
    echo "celeba: $d, 202599 images (dataset = celeba; the first run decodes them once into data/cache)"
}

# pytorch-fid's port of TensorFlow's 2015-12-05 Inception graph: the weights
# of FID as everyone computes it.  Read as downloaded by gantrain eval.
inception() {
    name=pt_inception-2015-12-05-6726825d.pth
    fetch https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/$name "$DIR/$name" sha256:6726825d
    echo "inception: $DIR/$name (gantrain eval --features inception finds it there; elsewhere: --weights FILE)"
}

case $WHAT in
mnist) mnist ;;
fashion-mnist) fashion ;;
cifar10) cifar10 ;;
celeba) celeba ;;
inception) inception ;;
all) mnist && fashion && cifar10 && celeba && inception ;;
*) usage ;;
esac
