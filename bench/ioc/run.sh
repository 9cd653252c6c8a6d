#!/usr/bin/env bash
# bench/ioc: STIX bundle parse+validate (objects/s), indicator index lookups/s
# and memory per indicator, in process; python stix2 as the parsing peer when
# STIX2_PY points at a folder holding the packages stix2 (oasis-open/cti-python-stix2)
# and stix2patterns (oasis-open/cti-pattern-validator; a commit generated with the
# ANTLR runtime you have: Debian 12's python3-antlr4 is 4.9, e.g. db56fa3), run by
# STIX2_PYTHON (default python3; /usr/bin/python3 for Debian's python3-tz,
# python3-simplejson, python3-requests, python3-antlr4).
# Usage: bench/ioc/run.sh [N_BUNDLE=1000000] [M_INDEX=10000000]
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
m=${2:-10000000}
build=${BUILD:-build-bench-ioc}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release -Dtests=false >/dev/null || exit 1
fi
ninja -C "$build" src/engine/libvg_engine.a >"$build.log" 2>&1 || { tail -30 "$build.log" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -Isrc -o "$out/bench_ioc" bench/ioc/bench_ioc.c \
  "$build/src/engine/libvg_engine.a" $(pkg-config --cflags --libs jansson) -lm || exit 1
"$out/bench_ioc" "$n" "$m" "$out/peer.json" | tee "$out/ours.txt" || exit 1
if [ -z "${STIX2_PY:-}" ]; then
  echo "peer skipped: set STIX2_PY"
  exit 0
fi
ours=$("$out/bench_ioc" 20000 0 | sed -n 's/^parse+validate.* \([0-9]*\) objects\/s per core.*/\1/p')
peer=$(PYTHONPATH="$STIX2_PY${PYTHONPATH:+:$PYTHONPATH}" "${STIX2_PYTHON:-python3}" - "$out/peer.json" <<'PY'
import sys, time
import stix2
data = open(sys.argv[1]).read()
t = time.process_time()
b = stix2.parse(data, allow_custom=True)
dt = time.process_time() - t
print(int(len(b.objects) / dt))
PY
) || { echo "peer failed: python stix2 at $STIX2_PY did not run"; exit 0; }
echo "peer python stix2 parse (20000 objects, per CPU second): $peer objects/s; ours (same bundle, parse+validate): $ours objects/s"
awk -v a="$ours" -v b="$peer" 'BEGIN { if (b > 0) printf "ratio ours/peer: %.1fx\n", a / b }'
