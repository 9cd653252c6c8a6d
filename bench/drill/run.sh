#!/usr/bin/env bash
# bench/drill: the Log4Shell drill (see drill.py). Env UNITS (10000), COMPONENTS (100).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
command -v node >/dev/null || { echo "bench/drill: node missing (scripts/deps.sh)" >&2; exit 1; }
exec python3 "$here/bench/drill/drill.py" "${1:-$here/build/src/cli/vigil}"
