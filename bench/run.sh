#!/usr/bin/env bash
# `make bench`: runs every bench/*/run.sh in turn; each prints its own ratios.
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
for b in bench/*/run.sh; do
  echo "== ${b%/run.sh}"
  bash "$b" || rc=1
done
exit $rc
