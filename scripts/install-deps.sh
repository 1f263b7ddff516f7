#!/bin/sh
# install-deps.sh — installs with apt-get the Debian packages gantrain needs,
# only those that are missing.  A fast no-op when everything is present.
# Set GT_SKIP_DEPS=1 to skip it entirely (offline builds with everything present).
set -eu

PKGS="make gcc pkg-config libopenblas-openmp-dev libstb-dev zlib1g-dev libinih-dev dataset-fashion-mnist python3 python3-protobuf openmpi-bin libopenmpi-dev gnuplot-nox"

[ "${GT_SKIP_DEPS:-0}" = 1 ] && exit 0

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-deps: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# try without refreshing the package lists first: it works offline with a
# local mirror and is faster; refresh and retry if that fails
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
    $SUDO apt-get update
    # shellcheck disable=SC2086
    $SUDO apt-get install -y --no-install-recommends $missing
fi
