#!/usr/bin/env bash
# bench/scan: vigil's matcher against @renovatebot/osv-offline (the offline OSV
# database Renovate uses) on one generated OSV-scale database, in the same run.
#   1. gen.py: BENCH_ADVISORIES (200,000) advisories over BENCH_PACKAGES (50,000)
#      packages in 8 ecosystems, as osv-offline NeDB files, plus SBOMs
#   2. bench_scan (C, built here against the build's static engine library):
#      load + index time, index memory, component checks/s on one core
#   3. osv_offline_bench.mjs: the same database and components through
#      OsvOfflineDb.query() with Renovate's version matching
#   4. vigil scan end to end against node end to end
# Prints both sides and the ratios. Timings are measured, never asserted.
# Env: BUILD (build dir, default ./build), BENCH_DATA, BENCH_SECONDS,
# BENCH_ADVISORIES, BENCH_PACKAGES, BENCH_COMPONENTS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
case "$build" in /*) ;; *) build=$root/$build ;; esac
adv=${BENCH_ADVISORIES:-200000}
pkgs=${BENCH_PACKAGES:-50000}
comps=${BENCH_COMPONENTS:-10000}
secs=${BENCH_SECONDS:-3}
data=${BENCH_DATA:-$here/data}
vigil=$build/src/cli/vigil
lib=$build/src/engine/libvg_engine.a

[ -x "$vigil" ] && [ -f "$lib" ] || { echo "bench/scan: build first (ninja -C $build)" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "bench/scan: node and npm needed" >&2; exit 1; }

# 1. data (regenerated when the parameters change)
want="$adv $pkgs $comps"
if [ ! -f "$data/params.txt" ] || [ "$(cat "$data/params.txt")" != "$want" ]; then
  echo "bench/scan: generating $adv advisories over $pkgs packages (takes a minute)..." >&2
  rm -rf "$data"
  python3 "$here/gen.py" --out "$data" --advisories "$adv" --packages "$pkgs" --sbom "$comps" >&2
  echo "$want" > "$data/params.txt"
fi

# 2. the in-process benchmark, against this build's engine
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/src" "$here/bench_scan.c" "$lib" -ljansson -lm -lpthread \
  -o "$data/bench_scan"

# 3. the peer, in bench/scan/node_modules
if [ ! -d "$here/node_modules/@renovatebot/osv-offline-db" ] || [ ! -d "$here/node_modules/semver" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent >&2)
fi

echo "bench/scan: vigil in process..." >&2
"$data/bench_scan" "$data/nedb" "$data/sbom-$comps.cdx.json" "$secs" > "$data/vigil.txt"
echo "bench/scan: osv-offline..." >&2
node "$here/osv_offline_bench.mjs" "$data/nedb" "$data/sbom-$comps.purls" "$secs" > "$data/osv-offline.txt"
echo "bench/scan: vigil scan end to end..." >&2
python3 - "$vigil" "$data/sbom-$comps.cdx.json" "$data/nedb" "$data/scan.json" > "$data/scan.txt" <<'PY'
import os, resource, subprocess, sys, time
t0 = time.monotonic()
with open(sys.argv[4], "w") as out:
    rc = subprocess.run([sys.argv[1], "scan", sys.argv[2], "--db", sys.argv[3], "--format", "json"],
                        stdout=out).returncode
t1 = time.monotonic()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("rc=%d\nwall=%.3f\ncpu=%.3f" % (rc, t1 - t0, ru.ru_utime + ru.ru_stime))
PY
grep -q '^rc=[01]$' "$data/scan.txt" || { echo "bench/scan: vigil scan failed" >&2; exit 1; }

python3 - "$data" "$adv" "$pkgs" "$comps" <<'PY'
import json, sys
data = sys.argv[1]
def kv(path):
    d = {}
    for line in open(path):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            d[k] = float(v)
    return d
v, o = kv(data + "/vigil.txt"), kv(data + "/osv-offline.txt")
scan = json.load(open(data + "/scan.json"))
sc = kv(data + "/scan.txt")
print("bench/scan: %d advisories indexed (withdrawn left out) over %d packages; %d components"
      % (v["advisories"], v["packages"], v["components"]))
print("  (times are CPU time where marked; the wall clock on a shared machine also counts others)")
print("  %-34s %16s %16s %10s" % ("", "vigil", "osv-offline", "ratio"))
def row(name, a, b, unit, better_low=True):
    r = (b / a) if better_low else (a / b)
    print("  %-34s %13.3f %s %13.3f %s %9.0fx" % (name, a, unit, b, unit, r))
row("per component check (CPU)", v["ns_per_check"] / 1e3, o["cpu_ns_per_query"] / 1e3, "us")
row("  one at a time (CPU)", v["single_ns_per_check"] / 1e3, o["cpu_ns_per_query"] / 1e3, "us")
row("  against osv-offline wall time", v["ns_per_check"] / 1e3, o["ns_per_query"] / 1e3, "us")
print("  %-34s %13.0f/s %13.0f/s %9.0fx" % ("checks per CPU second, one core", v["checks_per_second"],
      1e9 / o["cpu_ns_per_query"], v["checks_per_second"] * o["cpu_ns_per_query"] / 1e9))
row("load + index (wall)", v["load_seconds"], o["load_seconds"], "s ")
print("  %-34s %13.3f s  (%d threads)" % ("load + index (CPU)", v["load_cpu_seconds"], v["load_threads"]))
row("end to end, one scan (wall)", sc["wall"], o["e2e_seconds"], "s ")
row("end to end, one scan (CPU)", sc["cpu"], o["e2e_cpu_seconds"], "s ")
print("  %-34s %13d B" % ("index memory per advisory", v["bytes_per_advisory"]))
print("  %-34s %13d B" % ("reverse index per component", v["bytes_per_component"]))
print("  %-34s %13.2f us" % ("reverse: components of an advisory", v["reverse_us_per_advisory"]))
print("  vulnerable components: vigil %d (scan %d), osv-offline %d; advisory matches: vigil %d, osv-offline %d"
      % (v["vulnerable_components"], scan["vulnerable"], o["vulnerable_components"],
         v["advisory_matches"], o["advisory_matches"]))
print("  targets: >= 1000x osv-offline per query: %s; >= 5M checks/s on one core: %s; load 200k < 1 s: %s"
      % ("met" if o["cpu_ns_per_query"] / v["ns_per_check"] >= 1000 else "NOT met",
         "met" if v["checks_per_second"] >= 5e6 else "NOT met",
         "met" if v["load_seconds"] < 1 else "NOT met (wall; CPU %.2f s)" % v["load_cpu_seconds"]))
if v["vulnerable_components"] != o["vulnerable_components"] or scan["vulnerable"] != v["vulnerable_components"]:
    print("bench/scan: WARNING: the two sides disagree on what is vulnerable")
PY
