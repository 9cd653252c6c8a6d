#!/usr/bin/env bash
# Builds the libFuzzer drivers with clang (ASan+UBSan) and runs each for a few
# seconds over its seed corpus. Usage: fuzz.sh BUILD_DIR SECONDS
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-fuzz}
secs=${2:-10}
if [ ! -f "$dir/build.ninja" ]; then
  CC=clang meson setup "$dir" --buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null || exit 1
fi
ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { cat "$dir.ninja.log" >&2; exit 1; }
rc=0
n=0
for f in "$dir"/tests/fuzz/fuzz_*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  name=${f##*/fuzz_}
  corpus="tests/fuzz/corpus/$name"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus/." "$work/"
  if ! "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/" "$work" >"$dir/fuzz_$name.log" 2>&1; then
    echo "fuzz: $name FAILED (see $dir/fuzz_$name.log)" >&2
    tail -40 "$dir/fuzz_$name.log" >&2
    rc=1
  else
    echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/fuzz_$name.log" | awk '{print $2}' || true) runs)"
  fi
  rm -rf "$work"
  n=$((n + 1))
done
echo "fuzz: $n drivers run for ${secs}s each"
exit $rc
