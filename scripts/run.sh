#!/usr/bin/env bash
# `make run`: initialises DATA on first run (operator org, admin, demo units),
# then serves on LISTEN in the foreground, printing the URL and an admin token.
# Usage: run.sh VIGIL_BIN DATA LISTEN
set -euo pipefail
bin=$1 data=$2 listen=$3
tokfile="$data/admin.token"
if [ ! -f "$data/secret.key" ]; then
  out=$("$bin" init --data "$data" --demo)
  token=$(printf '%s' "$out" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  umask 077
  printf '%s\n' "$token" >"$tokfile"
  echo "vigil: initialised $data with demo units"
fi
token=$(cat "$tokfile" 2>/dev/null || echo "(see $tokfile)")
host=${listen%:*}
port=${listen##*:}
cat <<TXT

  vigil is starting.
  URL:          http://$host:$port  (API under /api/v1, health at /healthz)
  admin token:  $token

  Try:  curl -H "Authorization: Bearer $token" http://$host:$port/api/v1/orgs
  or:   VIGIL_URL=http://$host:$port VIGIL_TOKEN=$token $bin orgs

TXT
exec "$bin" serve --data "$data" --listen "$listen"
