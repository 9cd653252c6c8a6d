#!/usr/bin/env bash
# `make test`: builds vigil twice (normal, ASan+UBSan), runs every test suite in
# both, runs each libFuzzer driver briefly, and prints one closing line
# "N passed, M failed". Under CI=true missing data or tools fail, never skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export VIGIL_TESTDATA="${VIGIL_TESTDATA:-$(cd .. && pwd)/shared/testdata}"
if [ ! -d "$VIGIL_TESTDATA" ]; then
  echo "test: test data not found at $VIGIL_TESTDATA (set VIGIL_TESTDATA)" >&2
  [ "${CI:-}" = true ] && exit 1
fi
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
status=0

count() { # build dir -> adds to passed/failed from meson's test log
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return 0
  read -r p f < <(python3 - "$log" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r != "SKIP":
        f += 1
print(p, f)
PY
)
  passed=$((passed + p)); failed=$((failed + f))
}

suite() { # name builddir meson-args...
  local name=$1 dir=$2; shift 2
  echo "== $name build ($dir)"
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null || { echo "meson setup failed for $dir" >&2; status=1; failed=$((failed + 1)); return; }
  fi
  if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
    cat "$dir.ninja.log" >&2; echo "build failed: $dir" >&2; status=1; failed=$((failed + 1)); return
  fi
  echo "== $name tests"
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" $MESON_TEST_ARGS || status=1
  count "$dir"
}

MESON_TEST_ARGS=${MESON_TEST_ARGS:-}
suite normal build --buildtype=debugoptimized
suite asan build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

if command -v clang >/dev/null; then
  if bash scripts/fuzz.sh build-fuzz "${FUZZ_SECONDS:-10}"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
elif [ "${CI:-}" = true ]; then
  echo "test: clang missing: libFuzzer drivers cannot run" >&2; failed=$((failed + 1)); status=1
fi

echo
echo "tests: $passed passed, $failed failed"
exit $status
