#!/usr/bin/env bash
# bench/osvapi: the OSV API of a running vigil over a 200,000-advisory store.
#   1. import rate: `vigil import nedb` of bench/scan's generated database
#      (BENCH_ADVISORIES advisories) into a fresh SQLite store (records/s);
#   2. POST /v1/querybatch with 1,000 purls (from bench/scan's SBOM), repeated:
#      p50 and p99 over HTTP (OSV.dev's published SLO is P50 <= 500 ms);
#   3. /healthz throughput from the same run, for scale.
# With the wall-clock figures it prints the server's CPU time (import, and per
# batch) and the client's: on a shared machine those still compare.
# Targets: import >= 50,000 records/s; querybatch p99 <= 5 ms. Never asserted.
# Env: BUILD, BENCH_ADVISORIES (200000), BENCH_PACKAGES (50000), ROUNDS (200).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
vigil=$build/src/cli/vigil
adv=${BENCH_ADVISORIES:-200000}
pkgs=${BENCH_PACKAGES:-50000}
data=$root/bench/scan/data
if [ ! -f "$data/params.txt" ] || [ "$(cat "$data/params.txt")" != "$adv $pkgs 10000" ]; then
  rm -rf "$data"
  python3 "$root/bench/scan/gen.py" --out "$data" --advisories "$adv" --packages "$pkgs" --sbom 10000 >&2
  echo "$adv $pkgs 10000" > "$data/params.txt"
fi
exec python3 "$here/osvapi.py" "$vigil" "$data/nedb" "$data/sbom-10000.purls" "${ROUNDS:-200}"
