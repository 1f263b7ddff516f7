#!/bin/sh
# cli.sh — command-line tests: exit codes and messages of the gantrain binary.
#   tests/cli.sh ./gantrain
# Prints one line per test and "N passed, N failed".
set -u
G=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# expect NAME CODE PATTERN -- COMMAND...: runs COMMAND, wants exit CODE and
# PATTERN (grep -E) somewhere in its stdout+stderr.
expect() {
    name=$1 code=$2 pat=$3
    shift 4
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$code" ] && { [ -z "$pat" ] || printf '%s' "$out" | grep -Eq -- "$pat"; }; then
        echo "ok   cli_$name"
        pass=$((pass + 1))
    else
        echo "FAIL cli_$name"
        echo "  wanted exit $code and /$pat/, got exit $rc:"
        printf '%s\n' "$out" | head -n 8 | sed 's/^/  | /'
        fail=$((fail + 1))
    fi
}

cd "$T" || exit 1
# GT_CLI_ONLY=name runs tests/cli/name.sh alone
for f in "$ROOT"/tests/cli/${GT_CLI_ONLY:-*}.sh; do
    [ -f "$f" ] && . "$f"
done

echo "$pass passed, $fail failed"
