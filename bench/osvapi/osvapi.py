"""bench/osvapi driver: import rate, querybatch latency, /healthz (see run.sh)."""
import http.client
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

vigil, nedb, purls_file, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
work = tempfile.mkdtemp(prefix="vigil-osvapi-")


def cpu_s(pid):
    """User + system CPU seconds of a process (the machine may be shared:
    wall times then say little, CPU times still compare)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
srv = None
try:
    tok = json.loads(subprocess.check_output([vigil, "init", "--data", work + "/d"]))["token"]
    srv = subprocess.Popen([vigil, "serve", "--data", work + "/d", "--listen", "127.0.0.1:%d" % port,
                            "--threads", str(2 * (os.cpu_count() or 2)), "--log-level", "warn",
                            "--body-limit", str(64 << 20)],
                           stdout=subprocess.DEVNULL, stderr=open(work + "/serve.log", "w"))
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("GET", "/healthz")
            c.getresponse().read()
            break
        except OSError:
            time.sleep(0.05)
    env = dict(os.environ, VIGIL_URL="http://127.0.0.1:%d" % port, VIGIL_TOKEN=tok)
    srv0, cli0, t0 = cpu_s(srv.pid), children_cpu_s(), time.time()
    out = subprocess.run([vigil, "import", "nedb", nedb], env=env, capture_output=True, text=True)
    import_s = time.time() - t0
    srv_import, cli_import = cpu_s(srv.pid) - srv0, children_cpu_s() - cli0
    line = out.stdout.strip().splitlines()[-1]
    imported = int(line.split(",")[0].split()[1])
    purls = [p.strip() for p in open(purls_file) if p.strip()][:1000]
    body = json.dumps({"queries": [{"package": {"purl": p}} for p in purls]})
    c = http.client.HTTPConnection("127.0.0.1", port)
    lat = []
    hits = 0
    srv0 = None
    for i in range(rounds):
        if i == 1:
            srv0 = cpu_s(srv.pid)
        t = time.perf_counter()
        c.request("POST", "/v1/querybatch", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        b = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        if i == 0:
            hits = sum(1 for x in json.loads(b)["results"] if x.get("vulns"))
    srv_batch = (cpu_s(srv.pid) - srv0) / max(rounds - 1, 1) * 1000
    first = lat[0]
    lat.sort()
    t = time.perf_counter()
    for _ in range(2000):
        c.request("GET", "/healthz")
        c.getresponse().read()
    health = 2000 / (time.perf_counter() - t)
    print("bench/osvapi: %d advisories imported over HTTP into SQLite" % imported)
    print("%-44s %10.0f records/s (%.1f s; target >= 50,000/s)" % ("import (vigil import nedb)", imported / import_s, import_s))
    print("%-44s %10.0f records/s (server %.1f s, client %.1f s CPU)" % (
        "import per server CPU second", imported / max(srv_import, 1e-9), srv_import, cli_import))
    print("%-44s %10.2f ms" % ("querybatch of %d purls: p50" % len(purls), lat[len(lat) // 2]))
    print("%-44s %10.2f ms (target <= 5 ms; OSV.dev SLO p50 <= 500 ms)" % ("querybatch p99", lat[int(len(lat) * 0.99) - 1]))
    print("%-44s %10.2f ms" % ("querybatch server CPU per batch", srv_batch))
    print("%-44s %10.2f ms (builds the match index)" % ("first querybatch after the import", first))
    print("%-44s %10d" % ("queries with findings", hits))
    print("%-44s %10.0f req/s (one connection)" % ("/healthz in the same run", health))
finally:
    if srv:
        srv.terminate()
        srv.wait()
    shutil.rmtree(work, ignore_errors=True)
