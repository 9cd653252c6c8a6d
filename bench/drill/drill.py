"""The Log4Shell drill: UNITS industry units (default 10,000), each with a
webhook subscription and an SBOM of COMPONENTS components (default 100: 1M in
all, a realistic mix of Maven/npm/PyPI packages, ~0.5% on affected log4j-core
versions). A provider submits the Log4Shell case, an analyst confirms it.
Measures (a) confirmation -> the last affected unit's webhook at a local
receiver and (b) GET /exposures?vuln=... Also an 18,000-component SBOM upload.
Usage: python3 drill.py VIGIL_BIN RECEIVER_BIN (receiver.c, built by run.sh)
(env UNITS, COMPONENTS; SNAPSHOT=DIR keeps the data
directory after setup in DIR and reuses it on the next run, with the receiver on the same port;
PERF=FILE records the server with perf record -g from confirmation to the last webhook)."""
import concurrent.futures
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
RECEIVER = sys.argv[2]
UNITS = int(os.environ.get("UNITS", "10000"))
COMPS = int(os.environ.get("COMPONENTS", "100"))
HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "drill-secret-0123456789"  # every unit's webhook secret; the receiver checks each signature
AFFECTED = ["2.14.1", "2.12.1", "2.3", "2.0-beta9", "2.13.3", "2.11.2"]
SAFE = ["2.17.1", "2.15.0", "2.16.0", "2.12.2", "2.3.1", "2.19.0"]
POOL = ([("maven", "org.springframework", "spring-core", v) for v in ("5.3.%d" % i for i in range(30))]
        + [("maven", "com.fasterxml.jackson.core", "jackson-databind", "2.%d.%d" % (m, p))
           for m in range(9, 16) for p in range(5)]
        + [("npm", None, n, "%d.%d.%d" % (a, b, c)) for n in ("lodash", "express", "react", "axios", "moment")
           for a in range(1, 5) for b in range(5) for c in range(3)]
        + [("pypi", None, n, "%d.%d" % (a, b)) for n in ("requests", "django", "flask", "numpy")
           for a in range(1, 4) for b in range(20)])


def purl(t, ns, name, v):
    return "pkg:%s/%s%s@%s" % (t, ns + "/" if ns else "", name, v)


class Api:
    def __init__(self, port, token):
        self.port, self.token = port, token
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def call(self, method, path, body=None, token=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        h = {"Authorization": "Bearer " + (token or self.token)}
        if data is not None:
            h["Content-Type"] = "application/json"
        self.c.request(method, path, data, h)
        r = self.c.getresponse()
        b = r.read()
        if r.status >= 300:
            raise RuntimeError("%s %s -> %d %s" % (method, path, r.status, b[:200]))
        return json.loads(b) if b else None


def sbom(rng, i, comps):
    items = []
    for k in range(comps - 1):
        t, ns, n, v = POOL[rng.randrange(len(POOL))]
        items.append({"type": "library", "name": n, "version": v, "purl": purl(t, ns, n, v)})
    # ~0.5% of components on an affected log4j-core version, the rest on safe ones
    v = rng.choice(AFFECTED) if rng.random() < 0.005 * comps else rng.choice(SAFE)
    items.append({"type": "library", "name": "log4j-core", "version": v,
                  "purl": purl("maven", "org.apache.logging.log4j", "log4j-core", v)})
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": items}).encode(), v in AFFECTED


def thread_cpu(pid):
    """{thread name: [CPU ms, ms spent runnable but waiting for a CPU]} of
    process pid (Linux /proc/PID/task/*/schedstat)."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            name = open("/proc/%d/task/%s/comm" % (pid, t)).read().strip()
            run, wait = open("/proc/%d/task/%s/schedstat" % (pid, t)).read().split()[:2]
        except (OSError, ValueError):
            continue
        o = out.setdefault(name, [0.0, 0.0])
        o[0] += int(run) / 1e6
        o[1] += int(wait) / 1e6
    return out


def main():
    work = tempfile.mkdtemp(prefix="vigil-drill-")
    procs = []
    try:
        snap = os.environ.get("SNAPSHOT")
        meta = None
        if snap and os.path.exists(os.path.join(snap, "meta.json")):
            meta = json.load(open(os.path.join(snap, "meta.json")))
            if meta["units"] != UNITS or meta["components"] != COMPS:
                sys.exit("bench/drill: snapshot %s was taken with other UNITS/COMPONENTS" % snap)
            shutil.copytree(os.path.join(snap, "d"), work + "/d")
        rx = subprocess.Popen([RECEIVER, str(meta["rport"] if meta else 0), SECRET],
                              stdout=subprocess.PIPE, text=True)
        procs.append(rx)
        rport, sport = map(int, rx.stdout.readline().split())
        init = meta["init"] if meta else json.loads(subprocess.check_output([BIN, "init", "--data", work + "/d"]))
        port = int(subprocess.check_output(["python3", "-c", "import socket;s=socket.socket();"
                                            "s.bind(('127.0.0.1',0));print(s.getsockname()[1])"]))

        def serve():
            srv = subprocess.Popen([BIN, "serve", "--data", work + "/d", "--listen", "127.0.0.1:%d" % port,
                                    "--threads", str(os.cpu_count() or 2), "--log-level", "warn"],
                                   stderr=open(work + "/serve.log", "a"), stdout=subprocess.DEVNULL)
            procs.append(srv)
            for _ in range(200):
                try:
                    Api(port, init["token"]).call("GET", "/api/v1/me")
                    break
                except Exception:
                    time.sleep(0.05)
            return srv

        srv = serve()
        admin = Api(port, init["token"])
        t0 = time.time()
        rng = random.Random(42)
        affected_units = 0

        def setup(chunk):
            api = Api(port, init["token"])
            n_aff = 0
            r = random.Random(chunk[0])
            for i in chunk:
                o = api.call("POST", "/api/v1/orgs", {"name": "unit-%05d" % i, "kind": "industry"})
                u = api.call("POST", "/api/v1/users", {"org_id": o["id"], "name": "u%05d" % i, "role": "member"})
                t = api.call("POST", "/api/v1/tokens", {"user_id": u["id"]})["token"]
                api.call("POST", "/api/v1/subscriptions", {"channel": "webhook", "secret": SECRET,
                                                           "url": "http://127.0.0.1:%d/u%d" % (rport, i)}, token=t)
                body, hit = sbom(r, i, COMPS)
                api.call("POST", "/api/v1/sboms?name=app", raw=body, token=t)
                n_aff += hit
            return n_aff

        if meta:
            affected_units = meta["affected_units"]
        else:
            chunks = [list(range(k, min(UNITS, k + 250))) for k in range(0, UNITS, 250)]
            with concurrent.futures.ThreadPoolExecutor(4) as ex:
                affected_units = sum(ex.map(setup, chunks))
        setup_s = time.time() - t0
        if snap and not meta:
            # a clean stop, a copy of the data directory, the same server again
            srv.terminate()
            srv.wait(timeout=60)
            shutil.rmtree(snap, ignore_errors=True)
            shutil.copytree(work + "/d", os.path.join(snap, "d"))
            json.dump({"units": UNITS, "components": COMPS, "rport": rport, "init": init,
                       "affected_units": affected_units}, open(os.path.join(snap, "meta.json"), "w"))
            srv = serve()
            admin = Api(port, init["token"])
        vendor = admin.call("POST", "/api/v1/orgs", {"name": "Apache Software Foundation", "kind": "vendor"})
        vu = admin.call("POST", "/api/v1/users", {"org_id": vendor["id"], "name": "psirt@apache", "role": "vendor"})
        vt = admin.call("POST", "/api/v1/tokens", {"user_id": vu["id"]})["token"]
        case = {"title": "Log4Shell", "reporter_role": "provider",
                "product": {"vendor": "Apache Software Foundation", "name": "Log4j2", "model": "log4j-core",
                            "versions": "2.0-beta9 to 2.14.1"},
                "technical_characteristics": "JNDI lookup", "harm": "RCE", "scope": "Java",
                "discovered_at": "2021-11-24T00:00:00Z",
                "affected": [{"purl": "pkg:maven/org.apache.logging.log4j/log4j-core", "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.3.1"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.4"}, {"fixed": "2.12.2"}]}]}],
                "cvss": ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"], "aliases": ["CVE-2021-44228"]}
        cid = admin.call("POST", "/api/v1/cases", case, token=vt)["id"]
        admin.call("POST", "/api/v1/cases/%s/transition" % cid, {"to": "triaging"})
        rxc = http.client.HTTPConnection("127.0.0.1", sport)
        rxc.request("POST", "/reset"); rxc.getresponse().read()
        # warm the reverse index (rebuilt lazily after the uploads) before timing
        admin.call("GET", "/api/v1/exposures?vuln=none")
        perf = None
        if os.environ.get("PERF"):  # PERF=FILE: perf record -g on the server from confirmation on
            perf = subprocess.Popen(["perf", "record", "--call-graph", os.environ.get("PERF_CG", "dwarf,32768"), "-o", os.environ["PERF"], "-p", str(srv.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        cpu0 = thread_cpu(srv.pid)
        t_confirm = time.time()
        admin.call("POST", "/api/v1/cases/%s/transition" % cid, {"to": "confirmed"})
        t_ok = time.time()
        stats = {}
        deadline = time.time() + 120
        while time.time() < deadline:
            rxc.request("GET", "/stats")
            stats = json.loads(rxc.getresponse().read())
            if stats["count"] >= affected_units:
                break
            time.sleep(0.005)
        a_ms = stats["last_ms"] - t_confirm * 1000
        cpu1 = thread_cpu(srv.pid)
        cpu = {k: [v[0] - cpu0.get(k, [0, 0])[0], v[1] - cpu0.get(k, [0, 0])[1]] for k, v in cpu1.items()}
        cpu = {k: v for k, v in cpu.items() if v[0] >= 1}
        if perf:
            time.sleep(0.2)
            perf.send_signal(2)
            perf.wait()
        t1 = time.time()
        ex = admin.call("GET", "/api/v1/exposures?vuln=%s" % cid)
        b_ms = (time.time() - t1) * 1000
        t1 = time.time()
        for _ in range(20):
            admin.call("GET", "/api/v1/exposures?vuln=%s" % cid)
        b_avg = (time.time() - t1) * 1000 / 20
        big, _ = sbom(random.Random(7), 0, 18000)
        t1 = time.time()
        r = admin.call("POST", "/api/v1/sboms?name=big", raw=big)
        up_ms = (time.time() - t1) * 1000
        t1 = time.time()
        for _ in range(200):
            admin.call("GET", "/healthz")
        health = 200 / (time.time() - t1)
        print("bench/drill: %d units x %d components = %d registered (setup %s)"
              % (UNITS, COMPS, UNITS * COMPS,
                 "from snapshot " + snap if meta else "%.0f s over HTTP" % setup_s))
        print("%-52s %10d" % ("units on an affected log4j-core", affected_units))
        print("%-52s %10d" % ("webhooks received (unique idempotency keys)", stats.get("unique", 0)))
        print("%-52s %10d" % ("    bad signatures", stats.get("bad", 0)))
        print("%-52s %10d (receiver CPU %d ms)" % ("    receiver connections", stats.get("connections", 0),
                                                   stats.get("cpu_ms", 0)))
        print("%-52s %10.1f ms (target < 1000)" % ("(a) confirm -> last affected unit's webhook", a_ms))
        print("%-52s %10.1f ms" % ("    confirm call itself", (t_ok - t_confirm) * 1000))
        print("%-52s %10.1f ms" % ("    confirm -> first webhook", stats["first_ms"] - t_confirm * 1000))
        print("%-52s %10s (by thread: %s)" % ("    server CPU from confirmation to the last webhook",
                                            "%.0f ms" % sum(v[0] for v in cpu.values()),
                                            ", ".join("%s %.0f ms, waited for a CPU %.0f ms" % (k, v[0], v[1])
                                                      for k, v in sorted(cpu.items()))))
        print("%-52s %10.2f ms (target < 10), avg of 20: %.2f ms" % ("(b) GET /exposures?vuln= (first page of 100)", b_ms, b_avg))
        print("%-52s %10d" % ("    exposures on the first page", len(ex["items"])))
        print("%-52s %10.1f ms (target <= 100)" % ("18,000-component SBOM upload -> findings", up_ms))
        print("%-52s %10.0f req/s (sequential, one connection)" % ("/healthz", health))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except Exception:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
