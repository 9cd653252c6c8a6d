#!/usr/bin/env bash
# bench/drill: the Log4Shell drill (see drill.py and README.md).
# Usage: bench/drill/run.sh [VIGIL_BIN]; env UNITS (10000), COMPONENTS (100), SNAPSHOT, PERF.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$out/receiver" "$here/bench/drill/receiver.c" \
  $(pkg-config --cflags --libs libsodium) || { echo "bench/drill: cannot build the receiver" >&2; exit 1; }
python3 "$here/bench/drill/drill.py" "${1:-$here/build/src/cli/vigil}" "$out/receiver"
