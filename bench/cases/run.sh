#!/usr/bin/env bash
# bench/cases: sustained case submissions over HTTP into SQLite (each one a
# transaction with its audit entry, dedup keys, timeline event, signed receipt
# and the inbox entry for its two peer centres; one in 20 names the alias of an
# earlier one and is linked as a possible duplicate), measured with wrk; p50/p99 and
# rate, printed with /healthz throughput from the same run and the ratio, and
# the server's CPU time per submission (user + system, from /proc), which
# varies less than the rate on a shared machine.
# Targets: >= 5,000 submissions/s, p99 <= 20 ms.
# Usage: bench/cases/run.sh [VIGIL_BIN]; DURATION (s, default 10), CONNECTIONS (default 16).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/src/cli/vigil}
dur=${DURATION:-10}
conns=${CONNECTIONS:-16}
threads=$(nproc)
command -v wrk >/dev/null || { echo "bench/cases: wrk missing (scripts/deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
vpid=
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
admin=$("$bin" init --data "$work/data" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
"$bin" serve --data "$work/data" --listen "127.0.0.1:$port" --threads "$((threads * 8))" --log-level warn \
  2>"$work/vigil.log" &
vpid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null && break; sleep 0.05; done
api() { curl -fs -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' "$@"; }
jid() { python3 -c 'import json,sys;print(json.load(sys.stdin)["'"$1"'"])'; }
org=$(api -d '{"name":"Bench Finder","kind":"member"}' "$url/api/v1/orgs" | jid id)
uid=$(api -d "{\"org_id\":$org,\"name\":\"bench@finder\",\"role\":\"member\"}" "$url/api/v1/users" | jid id)
token=$(api -d "{\"user_id\":$uid}" "$url/api/v1/tokens" | jid token)
for p in 1 2; do api -d "{\"name\":\"Peer $p\",\"kind\":\"peer\"}" "$url/api/v1/orgs" >/dev/null; done

health=$(wrk -t"$threads" -c"$conns" -d"${dur}s" "$url/healthz" | awk '/Requests\/sec/ {print $2}')
cpu0=$(awk '{print $14 + $15}' "/proc/$vpid/stat")
out=$(VIGIL_TOKEN=$token wrk -t"$threads" -c"$conns" -d"${dur}s" --latency -s "$here/bench/cases/submit.lua" "$url")
cpu1=$(awk '{print $14 + $15}' "/proc/$vpid/stat")
rps=$(echo "$out" | awk '/^rps/ {print $2}')
p50=$(echo "$out" | awk '/^p50_ms/ {print $2}')
p99=$(echo "$out" | awk '/^p99_ms/ {print $2}')
errs=$(echo "$out" | awk '/^errors/ {print $2}')
stored=$(api "$url/metrics" | awk '/vigil_store_objects\{kind="cases"\}/ {print $2}')
echo "bench/cases: wrk -t$threads -c$conns -d${dur}s, vigil --threads $((threads * 8)) (group commit), SQLite WAL"
printf '%-28s %12s\n' "submissions/s" "$rps"
printf '%-28s %12s\n' "p50 ms" "$p50"
printf '%-28s %12s\n' "p99 ms" "$p99"
printf '%-28s %12s\n' "errors (non-2xx)" "$errs"
printf '%-28s %12s\n' "cases stored" "$stored"
printf '%-28s %12s\n' "server CPU ms/submission" \
  "$(python3 -c "print('%.3f' % (($cpu1 - $cpu0) * 1000.0 / $(getconf CLK_TCK) / ($rps * $dur)))")"
printf '%-28s %12s\n' "/healthz req/s" "$health"
printf '%-28s %12s\n' "ratio to /healthz" "$(python3 -c "print('%.3f' % ($rps/$health))")"
