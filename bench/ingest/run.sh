#!/usr/bin/env bash
# bench/ingest: the parts of reading a big STIX bundle on the request's path
# (bench_jtop.c): the whole parse against the top-level scan and the parse
# object by object. Usage: run.sh [BUILD_DIR] [FILE] (default ./build; a
# bundle of 100,000 indicators generated here when no FILE; env BENCH_ROUNDS).
# Timings are measured, never asserted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-${BUILD:-$root/build}}
case "$build" in /*) ;; *) build=$root/$build ;; esac
lib=$build/src/engine/libvg_engine.a
[ -f "$lib" ] || { echo "bench/ingest: build first (ninja -C $build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/src" "$here/bench_jtop.c" "$lib" -lm -o "$work/bench_jtop"
file=${2:-}
if [ -z "$file" ]; then
  file=$work/bundle.json
  python3 - "$file" <<'PY'
import json, sys, uuid
objs = [{"type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.UUID(int=i + 1, version=4),
         "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
         "name": "10.%d.%d.%d" % (i >> 16, i >> 8 & 255, i & 255),
         "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (i >> 16, i >> 8 & 255, i & 255),
         "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z"} for i in range(100000)]
json.dump({"type": "bundle", "id": "bundle--%s" % uuid.UUID(int=7, version=4), "objects": objs},
          open(sys.argv[1], "w"), separators=(",", ":"))
PY
fi
"$work/bench_jtop" "$file" "${BENCH_ROUNDS:-3}"
