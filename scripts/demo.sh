#!/bin/sh
# demo.sh — what `make demo` runs after building.
set -eu
cd "$(dirname "$0")/.."
./gantrain --help
