#!/usr/bin/env bash
# Installs what vigil's build, tests and benchmarks need on a fresh Debian 12, as root.
# Idempotent: installs only what is missing. Not for: building or running vigil.
set -euo pipefail

pkgs=(
  build-essential pkg-config meson ninja-build clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libsodium-dev
  libcurl4-openssl-dev libcmocka-dev libpq-dev libzip-dev
  python3 python3-packaging curl ca-certificates unzip zip
  valgrind wrk nginx-light hyperfine
  rpm dpkg-dev default-jre-headless libmaven3-core-java
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for tests and benchmarks only (oracles and peers), kept in tests/node_modules.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$here/tests/package.json" ]; then
  if [ ! -d "$here/tests/node_modules" ] || [ "$here/tests/package.json" -nt "$here/tests/node_modules/.stamp" ]; then
    (cd "$here/tests" && npm install --no-audit --no-fund --silent && touch node_modules/.stamp)
  fi
fi
exit 0
