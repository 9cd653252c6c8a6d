#!/usr/bin/env bash
# Fails when C sources call a banned function (unbounded or non-reentrant).
set -euo pipefail
cd "$(dirname "$0")/.."
pat='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)[[:space:]]*\('
if git ls-files -co --exclude-standard 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'bench/*.c' |
   xargs -r grep -nE "$pat" | grep -v 'check-banned: allow'; then
  echo "check-banned: use snprintf, vg_strlcpy, vg_buf_*, strtol/vg_parse_i64, strtok_r instead" >&2
  exit 1
fi
echo "check-banned: ok"
