#!/usr/bin/env bash
# bench/http: vigil's GET /healthz and GET /api/v1/me (token auth + store read)
# against nginx serving static files with the same bytes, same machine, same
# run, both with access logs off; wrk with 64 connections. Prints req/s and
# the ratio vigil/nginx (target >= 0.5).
# Usage: bench/http/run.sh [VIGIL_BIN] ; DURATION=10 by default.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/build/src/cli/vigil}
dur=${DURATION:-10}
conns=${CONNECTIONS:-64}
threads=$(nproc)
for t in wrk nginx curl; do
  command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "bench/http: $t missing (scripts/deps.sh)" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d)
vpid= npid=
cleanup() {
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null || true
  [ -n "$npid" ] && kill "$npid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
vport=$(free_port); nport=$(free_port)

token=$("$bin" init --data "$work/data" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
"$bin" serve --data "$work/data" --listen "127.0.0.1:$vport" --threads "$threads" --log-level warn \
  >/dev/null 2>"$work/vigil.log" &
vpid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$vport/healthz" >/dev/null && break; sleep 0.05; done

mkdir -p "$work/www/api/v1"
curl -fs "http://127.0.0.1:$vport/healthz" >"$work/www/healthz"
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$vport/api/v1/me" >"$work/www/api/v1/me"
cat >"$work/nginx.conf" <<CONF
worker_processes $threads;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
mkdir -p "$work/tmp"
"$nginx_bin" -c "$work/nginx.conf" -g 'daemon off;' &
npid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$nport/healthz" >/dev/null && break; sleep 0.05; done

rps() { # url [header]
  local out
  if [ $# -gt 1 ]; then out=$(wrk -t"$threads" -c"$conns" -d"${dur}s" -H "$2" "$1"); else out=$(wrk -t"$threads" -c"$conns" -d"${dur}s" "$1"); fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}
echo "bench/http: wrk -t$threads -c$conns -d${dur}s, vigil --threads $threads vs nginx worker_processes $threads"
printf '%-22s %14s %14s %8s\n' endpoint vigil_rps nginx_rps ratio
for ep in healthz me; do
  if [ $ep = healthz ]; then
    v=$(rps "http://127.0.0.1:$vport/healthz"); n=$(rps "http://127.0.0.1:$nport/healthz")
  else
    v=$(rps "http://127.0.0.1:$vport/api/v1/me" "Authorization: Bearer $token")
    n=$(rps "http://127.0.0.1:$nport/api/v1/me" "Authorization: Bearer $token")
  fi
  printf '%-22s %14s %14s %8s\n' "GET /$ep" "$v" "$n" "$(python3 -c "print('%.2fx' % ($v/$n))")"
done
