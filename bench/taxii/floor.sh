#!/usr/bin/env bash
# bench/taxii/floor.sh: what SQLite alone costs for the rows a bulk STIX ingest writes -- the
# floor under bench (a) of run.sh, with no vigil code in the loop. A store made by `vigil init`
# (the real schema, every migration) gets, in one transaction as the server's writer does and
# with its pragmas, BUNDLE (1,000,000) objects' rows: the object row with its stored text (the
# size of run.sh's generated indicators) and its (collection, date_added) index entry, the
# correlated indicator's row naming its source (migration 72), and the unit's source row. The rows
# come from a staged table in a second database (made first, not timed), through one
# INSERT ... SELECT per table: SQLite's cheapest way in. Prints SQLite's CPU per object (user +
# system, from the shell's .timer) and the rate one writer thread could not exceed with this
# stored form.
# Usage: [BUNDLE=1000000] [BUILD=dir] bench/taxii/floor.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${BUNDLE:-1000000}
build=${BUILD:-build-bench-taxii}
command -v sqlite3 >/dev/null || { echo "floor skipped: no sqlite3 shell (apt-get install sqlite3)"; exit 0; }
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release -Dtests=false >/dev/null || exit 1
fi
ninja -C "$build" src/cli/vigil >"$build.log" 2>&1 || { tail -30 "$build.log" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/src/cli/vigil" init --data "$out/data" >/dev/null || exit 1
sqlite3 "$out/stage.db" <<SQL >/dev/null || exit 1
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE stage AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
SELECT i, 'indicator--' || lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
    || substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) || '-'
    || lower(hex(randomblob(6))) AS sid,
  printf('11.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255) AS v FROM c;
SQL
# The server's writer pragmas for an ingest (src/store/sqlite.c, sqlite_ckpt.c: a 4 MB cache that
# spills, foreign keys off in an ingest's transaction), then the rows of each table.
sqlite3 "$out/data/vigil.db" <<SQL >"$out/times" 2>&1 || { cat "$out/times"; exit 1; }
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;
PRAGMA cache_size=-4096; PRAGMA mmap_size=68719476736;
ATTACH '$out/stage.db' AS st;
INSERT OR IGNORE INTO taxii_collections (id) VALUES ('floor');
.timer on
BEGIN;
INSERT INTO taxii_objects (collection, id, type, spec_version, version, version_ms, date_added, tlp,
  org_id, recipients, body, newer)
SELECT (SELECT n FROM taxii_collections WHERE id = 'floor'), sid, 'indicator', '2.1',
  '2026-01-01T00:00:00.000Z', 1767225600000, 1767225600000000 + i, 1, 1, NULL,
  json_object('type', 'indicator', 'spec_version', '2.1', 'id', sid,
    'created', '2026-01-01T00:00:00.000Z', 'modified', '2026-01-01T00:00:00.000Z',
    'name', 'bench ' || i, 'pattern', '[ipv4-addr:value = ''' || v || ''']', 'pattern_type', 'stix',
    'valid_from', '2026-01-01T00:00:00.000Z', 'labels', json_array('malicious-activity'),
    'object_marking_refs', json_array('marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da')), 0
FROM st.stage;
INSERT INTO iocs (id, type, value, first_seen, last_seen, created_at, updated_at, srcs)
SELECT i, 'ip', v, 1767225600000, 1767225600000, 1767225600000, 1767225600000, json_array(i)
FROM st.stage;
INSERT INTO ioc_sources (id, ioc_id, org_id, stix_id, tlp, confidence, labels, recipients,
  valid_from, valid_until, first_seen, last_seen, reports)
SELECT i, i, 1, sid, 1, 50, '["malicious-activity"]', NULL, 1767225600000, 0, 1767225600000,
  1767225600000, 1 FROM st.stage;
COMMIT;
SQL
# json_object builds the stored text inside the first statement's time: take it out by timing
# the same SELECT alone.
sqlite3 "$out/stage.db" >"$out/times.text" 2>&1 <<SQL
.timer on
SELECT sum(length(json_object('type', 'indicator', 'spec_version', '2.1', 'id', sid,
    'created', '2026-01-01T00:00:00.000Z', 'modified', '2026-01-01T00:00:00.000Z',
    'name', 'bench ' || i, 'pattern', '[ipv4-addr:value = ''' || v || ''']', 'pattern_type', 'stix',
    'valid_from', '2026-01-01T00:00:00.000Z', 'labels', json_array('malicious-activity'),
    'object_marking_refs', json_array('marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'))))
FROM stage;
SQL
python3 - "$out/times" "$out/times.text" "$n" "$out/data/vigil.db" <<'PY'
import re, sys, os
def cpu(path):
    u = s = 0.0
    for m in re.finditer(r"user ([0-9.]+) sys ([0-9.]+)", open(path).read()):
        u += float(m.group(1)); s += float(m.group(2))
    return u, s
u, s = cpu(sys.argv[1])
tu, ts = cpu(sys.argv[2])
n = int(sys.argv[3])
cpu_obj = max(u + s - tu - ts, 1e-9) / n
size = os.path.getsize(sys.argv[4]) + (os.path.getsize(sys.argv[4] + "-wal") if os.path.exists(sys.argv[4] + "-wal") else 0)
print("SQLite alone, %d objects' rows in one transaction (object + index entry, indicator, source):"
      " %.2f us CPU per object (user %.2f s, system %.2f s, stored text built aside), %d bytes written per object;"
      " one writer thread cannot store more than %d objects/s in this form" % (n, cpu_obj * 1e6, u - tu, s - ts, size // n, 1 / cpu_obj))
PY
