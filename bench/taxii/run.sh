#!/usr/bin/env bash
# bench/taxii: the platform's indicator paths over real HTTP, in one run:
#   (a) ingest of one generated STIX 2.1 bundle of BUNDLE indicators (default 1,000,000) in one
#       POST /api/v1/indicators into the empty store: objects/s parsed, validated, stored,
#       correlated and indexed, by wall time and by the server's CPU time (the box is shared);
#       then of N indicators through the same endpoint as plain JSON (100k per request), into
#       the store holding the ROWS-object collection
#   (b) a TAXII 2.1 page of 1,000 objects from the N-object collection: p50/p99 latency
#   (c) the batch lookup endpoint: values/s (100,000 values per request)
#   (d) /healthz throughput (wrk) from the same server, as the baseline of the box
# With MEDALLION_DIR pointing at a checkout of oasis-open/cti-taxii-server, the
# first PEER_OBJECTS (1,000) objects of the collection are POSTed to medallion
# (memory backend) through its TAXII API in envelopes of 1,000, a page of 1,000
# is fetched from it, and both ratios are printed; otherwise "peer skipped: set
# MEDALLION_DIR". Nothing is fetched. KEEP_OUT=1 keeps the work directory.
# Medallion runs under MEDALLION_PYTHON (default python3) with MEDALLION_PYTHONPATH
# added for its dependencies: Debian has python3-flask, python3-flask-httpauth,
# python3-appdirs, python3-packaging, python3-tz, python3-six, python3-jsonschema
# (run it with /usr/bin/python3); environ-config (hynek/environ-config, src/) and
# jsonmerge (avian2/jsonmerge) are not packaged: point MEDALLION_PYTHONPATH at
# checkouts of them.
# Usage: [ROWS=10000000] [BUNDLE=1000000] [ONLY_A=1] bench/taxii/run.sh [N=200000]
set -uo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200000}
build=${BUILD:-build-bench-taxii}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release -Dtests=false >/dev/null || exit 1
fi
ninja -C "$build" src/cli/vigil >"$build.log" 2>&1 || { tail -30 "$build.log" >&2; exit 1; }
out=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; [ -n "${KEEP_OUT:-}" ] && echo "kept $out" || rm -rf "$out"; }
trap cleanup EXIT
vigil="$build/src/cli/vigil"
token=$("$vigil" init --data "$out/data" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') || exit 1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
threads=$(nproc)
serve() {
  "$vigil" serve --data "$out/data" --listen "127.0.0.1:$port" --threads "$threads" --log-level warn \
    --body-limit 1073741824 2>>"$out/serve.log" &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
}
export URL="http://127.0.0.1:$port" TOKEN="$token" N="$n" OUT="$out"
# (a) one STIX 2.1 bundle of BUNDLE indicators (random ids, as real ones) in one request, into
# the empty store: the issue's ingest figure
export BUNDLE="${BUNDLE:-1000000}"
if [ "$BUNDLE" -gt 0 ]; then
  serve
  PID=$pid python3 - <<'PY' || exit 1
import http.client, json, os, time, uuid
host = os.environ["URL"].split("//")[1]
c = http.client.HTTPConnection(host, timeout=1800)
hdr = {"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"}
def server_cpu():  # user + system seconds of the server process
    f = open("/proc/%s/stat" % os.environ["PID"]).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
nb = int(os.environ["BUNDLE"])
if nb > 0:
    parts = ['{"type":"bundle","id":"bundle--%s","objects":[' % uuid.uuid4()]
    for i in range(nb):
        v = "11.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        parts.append('%s{"type":"indicator","spec_version":"2.1","id":"indicator--%s",'
                     '"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"%s",'
                     '"pattern":"[ipv4-addr:value = \'%s\']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00.000Z",'
                     '"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}'
                     % ("," if i else "", uuid.uuid4(), v, v))
    parts.append("]}")
    doc = "".join(parts).encode()
    del parts
    c0 = server_cpu()
    t0 = time.perf_counter()
    c.request("POST", "/api/v1/indicators", doc, hdr)
    r = c.getresponse(); res = json.loads(r.read())
    dt = time.perf_counter() - t0
    cpu = server_cpu() - c0
    assert r.status == 201, (r.status, res)
    assert res["stored"] == nb and res["indicators_reported"] == nb, res
    open(os.path.join(os.environ["OUT"], "ingest"), "w").write("%d" % (nb / dt))
    print("ingest over HTTP of one STIX 2.1 bundle (%d indicators, %.0f MB; parsed, validated, stored, correlated, indexed): %.1f s = %d objects/s; server CPU %.1f s = %d objects per CPU second (target >= 200000/s)"
          % (nb, len(doc) / 1e6, dt, nb / dt, cpu, nb / cpu if cpu else 0))
    del doc
PY
  kill "$pid"; wait "$pid" 2>/dev/null; pid=
fi
# ONLY_A=1: (a) alone, e.g. to compare two builds in alternating runs (BUILD=... each time)
[ -n "${ONLY_A:-}" ] && exit 0
rows=${ROWS:-10000000}
if [ "$rows" -gt 0 ] && command -v sqlite3 >/dev/null; then
  t0=$(date +%s.%N)
  sqlite3 "$out/data/vigil.db" <<SQL >/dev/null || exit 1
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;
INSERT OR IGNORE INTO taxii_collections (id) VALUES ('9ebd3174-7281-4ee5-83b9-8a0471679b40');
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $rows)
INSERT INTO taxii_objects (collection, id, type, spec_version, version, version_ms, date_added,
  tlp, org_id, recipients, body, newer)
SELECT (SELECT n FROM taxii_collections WHERE id = '9ebd3174-7281-4ee5-83b9-8a0471679b40'),
  'indicator--' || printf('%08x-0000-4000-8000-%012x', i, i),
  'indicator', '2.1', '2026-01-01T00:00:00.000Z', 1767225600000, 1767225600000000 + i, 1, 1, NULL,
  json_object('type', 'indicator', 'spec_version', '2.1',
    'id', 'indicator--' || printf('%08x-0000-4000-8000-%012x', i, i),
    'created', '2026-01-01T00:00:00.000Z', 'modified', '2026-01-01T00:00:00.000Z',
    'name', printf('10.%d.%d.%d', (i >> 16) & 255, (i >> 8) & 255, i & 255),
    'pattern', printf('[ipv4-addr:value = ''10.%d.%d.%d'']', (i >> 16) & 255, (i >> 8) & 255, i & 255),
    'pattern_type', 'stix', 'valid_from', '2026-01-01T00:00:00.000Z',
    'object_marking_refs', json_array('marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb')), 0
FROM c;
SQL
  echo "synthetic TAXII collection: $rows indicator objects written in $(echo "$(date +%s.%N) - $t0" | bc) s (sqlite3 shell, not the server)"
elif [ "$rows" -gt 0 ]; then
  echo "large collection skipped: no sqlite3 shell"; rows=0
fi
serve
export ROWS="$rows" PID="$pid"
python3 - <<'PY' || exit 1
import http.client, json, os, random, time, statistics
url, token, n, out = os.environ["URL"], os.environ["TOKEN"], int(os.environ["N"]), os.environ["OUT"]
host = url.split("//")[1]
def conn():
    return http.client.HTTPConnection(host, timeout=600)
def ip(i):
    return "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
c = conn()
hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
def server_cpu():  # user + system seconds of the server process
    f = open("/proc/%s/stat" % os.environ["PID"]).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
# (a) ingest
c0 = server_cpu()
t0 = time.perf_counter()
for lo in range(0, n, 100000):
    items = [{"type": "ip", "value": ip(i), "tlp": "green"} for i in range(lo, min(n, lo + 100000))]
    c.request("POST", "/api/v1/indicators", json.dumps({"indicators": items}), hdr)
    r = c.getresponse(); r.read()
    assert r.status == 201, r.status
dt = time.perf_counter() - t0
cpu = server_cpu() - c0
print("ingest over HTTP (plain JSON -> STIX, stored, correlated, indexed): %d indicators in %.1f s = %d/s; server CPU %.1f s = %d per CPU second" % (n, dt, n / dt, cpu, n / cpu if cpu else 0))
# (b) TAXII pages of 1,000 objects, walking the collection with next (wrapping around)
th = {"Authorization": "Bearer " + token, "Accept": "application/taxii+json;version=2.1"}
base = "/taxii2/vigil/collections/9ebd3174-7281-4ee5-83b9-8a0471679b40/objects/?limit=1000"
lat, nxt = [], None
for k in range(300):
    t = time.perf_counter()
    c.request("GET", base + ("&next=" + nxt if nxt else ""), headers=th)
    r = c.getresponse(); body = r.read()
    lat.append((time.perf_counter() - t) * 1000)
    assert r.status == 200, r.status
    page = json.loads(body)
    assert len(page["objects"]) > 0
    nxt = page.get("next") if page.get("more") else None
lat.sort()
p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]
rows, nb = int(os.environ["ROWS"]), int(os.environ["BUNDLE"])
print("TAXII page of 1,000 objects from a %d-object collection (300 pages, walking next): p50 %.2f ms, p99 %.2f ms" % (n + nb + rows, p50, p99))
open(os.path.join(out, "p99"), "w").write("%.3f" % p99)
if rows > 2000:
    lat = []
    for k in range(500):
        start = 1767225600000000 + random.randrange(0, rows - 1000)
        t = time.perf_counter()
        c.request("GET", base + "&next=%d" % start, headers=th)
        r = c.getresponse(); body = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        assert r.status == 200 and len(json.loads(body)["objects"]) == 1000
    lat.sort()
    p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]
    print("TAXII page of 1,000 objects at random positions of a %d-object collection (500 pages): p50 %.2f ms, p99 %.2f ms (target p99 <= 10 ms)" % (n + nb + rows, p50, p99))
    open(os.path.join(out, "p99"), "w").write("%.3f" % p99)
# (c) batch lookup: 100,000 values per request, half of them hits
vals = [ip(random.randrange(0, 2 * n)) for _ in range(100000)]
body = json.dumps({"values": vals})
best = 0
for _ in range(5):
    t = time.perf_counter()
    c.request("POST", "/api/v1/indicators/lookup", body, hdr)
    r = c.getresponse(); res = r.read()
    dt = time.perf_counter() - t
    assert r.status == 200
    best = max(best, 100000 / dt)
hits = json.loads(res)["hits"]
print("HTTP batch lookup: %d values/s (100,000 values per request, %d hits, best of 5, JSON both ways)" % (best, hits))
PY
if command -v wrk >/dev/null; then
  rps=$(wrk -t2 -c32 -d3s "http://127.0.0.1:$port/healthz" 2>/dev/null | awk '/Requests\/sec/ {print $2}')
  echo "/healthz throughput, same server and run: ${rps:-?} req/s (wrk -t2 -c32 -d3s)"
else
  echo "/healthz throughput: skipped (wrk not installed)"
fi
if [ -z "${MEDALLION_DIR:-}" ]; then
  echo "peer skipped: set MEDALLION_DIR"
  exit 0
fi
# peer: medallion (memory backend). It starts empty (its memory backend checks a preloaded
# collection's manifest pairwise, quadratic in the objects), receives the first PEER_OBJECTS
# (1,000) objects of our collection through its own TAXII POST in envelopes of 1,000 (the
# ingest comparison), and then serves PEER_PAGES (5) pages of 1,000 of them (the paging
# comparison; its memory backend takes tens of seconds per page at 2,000 objects, so the peer
# holds few and is asked few times; its "p99" is the slowest of those pages).
export PEER_OBJECTS="${PEER_OBJECTS:-1000}" PEER_PAGES="${PEER_PAGES:-5}"
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$out/medallion.json" <<'JSON'
{"/discovery": {"title": "peer", "api_roots": ["http://127.0.0.1/api1/"], "default": "http://127.0.0.1/api1/"},
 "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 1073741824},
          "status": [], "collections": [{"id": "c1", "title": "c1", "can_read": true, "can_write": true,
                                         "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]}}
JSON
cat > "$out/medallion.conf" <<CONF
{"backend": {"module_class": "MemoryBackend", "filename": "$out/medallion.json"},
 "users": {"u": "p"}, "taxii": {"max_page_size": 1000}}
CONF
(cd "$MEDALLION_DIR" && PYTHONPATH="$MEDALLION_DIR${MEDALLION_PYTHONPATH:+:$MEDALLION_PYTHONPATH}" \
  exec "${MEDALLION_PYTHON:-python3}" -m medallion.scripts.run --host 127.0.0.1 --port "$mport" \
  -c "$out/medallion.conf" >"$out/medallion.log" 2>&1) &
mpid=$!
for _ in $(seq 300); do curl -fs -u u:p -H 'Accept: application/taxii+json;version=2.1' "http://127.0.0.1:$mport/taxii2/" >/dev/null && break; sleep 0.2; done
MPORT=$mport python3 - "$out/peer" <<'PY'
import base64, http.client, json, os, sys, time
out = open(sys.argv[1], "w")
host = os.environ["URL"].split("//")[1]
c = http.client.HTTPConnection(host, timeout=600)
th = {"Authorization": "Bearer " + os.environ["TOKEN"], "Accept": "application/taxii+json;version=2.1"}
base = "/taxii2/vigil/collections/9ebd3174-7281-4ee5-83b9-8a0471679b40/objects/?limit=1000"
want = int(os.environ["PEER_OBJECTS"])
objs, nxt = [], None
while len(objs) < want:
    c.request("GET", base + ("&next=" + nxt if nxt else ""), headers=th)
    p = json.loads(c.getresponse().read())
    objs += p.get("objects", [])
    if not p.get("more"):
        break
    nxt = p["next"]
objs = objs[:want]
m = http.client.HTTPConnection("127.0.0.1:" + os.environ["MPORT"], timeout=600)
h = {"Authorization": "Basic " + base64.b64encode(b"u:p").decode(), "Accept": "application/taxii+json;version=2.1",
     "Content-Type": "application/taxii+json;version=2.1"}
try:
    t = time.perf_counter()
    for lo in range(0, len(objs), 1000):
        m.request("POST", "/api1/collections/c1/objects/", json.dumps({"objects": objs[lo:lo + 1000]}), h)
        r = m.getresponse(); body = json.loads(r.read())
        if r.status != 202 or body.get("failure_count"):
            sys.exit("medallion refused an envelope: %d %s" % (r.status, str(body)[:300]))
    out.write("ingest %d %d\n" % (len(objs), len(objs) / (time.perf_counter() - t)))
    lat = []
    for _ in range(int(os.environ["PEER_PAGES"])):
        t = time.perf_counter()
        m.request("GET", "/api1/collections/c1/objects/?limit=1000", headers=h)
        r = m.getresponse(); body = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        assert r.status == 200 and len(json.loads(body)["objects"]) == min(1000, len(objs))
    lat.sort()
    out.write("p99 %.2f\n" % lat[-1])
except (OSError, http.client.HTTPException) as e:
    sys.exit("medallion did not answer: %s" % e)
PY
kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null
peer=$(awk '/^p99/ {print $2}' "$out/peer")
ping=$(awk '/^ingest/ {print $3}' "$out/peer")
pn=$(awk '/^ingest/ {print $2}' "$out/peer")
if [ -z "$peer" ]; then echo "peer failed: medallion at $MEDALLION_DIR (its log: $(tail -3 "$out/medallion.log"))"; exit 0; fi
ours=$(cat "$out/p99")
echo "peer medallion (memory backend, holding $pn of the same objects): slowest of $PEER_PAGES pages of 1,000: $peer ms; ours p99 (whole collection) $ours ms"
awk -v a="$ours" -v b="$peer" 'BEGIN { if (a > 0) printf "ratio peer/ours (page p99): %.1fx\n", b / a }'
if [ -f "$out/ingest" ]; then
  echo "peer medallion ingest (its TAXII POST, $pn objects in envelopes of 1,000, into memory): $ping objects/s; ours (one bundle, into SQLite) $(cat "$out/ingest") objects/s"
  awk -v a="$(cat "$out/ingest")" -v b="$ping" 'BEGIN { if (b > 0) printf "ratio ours/peer (ingest): %.1fx\n", a / b }'
else
  echo "peer medallion ingest (its TAXII POST, $pn objects in envelopes of 1,000, into memory): $ping objects/s; ours: (a) skipped (BUNDLE=0)"
fi
