"""Integration tests for the knowledge base and the OSV API against the real
server: `vigil import` of every real file in ../shared/testdata (counts
asserted), idempotence, malformed records reported with file and position,
upsert by modified, withdrawn records, KEV, search filters, the OSV API shapes
field by field, and Log4Shell."""
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import Server, run

TD = os.environ.get("VIGIL_TESTDATA", os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                   "shared", "testdata"))
LOG4J = "pkg:maven/org.apache.logging.log4j/log4j-core"


def need_data():
    if not os.path.isdir(TD):
        if os.environ.get("CI") == "true":
            raise AssertionError("test data missing: " + TD)
        raise unittest.SkipTest("test data missing: " + TD)


class KnowledgeBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need_data()
        cls.s = Server()
        cls.env = {"VIGIL_URL": cls.s.url, "VIGIL_TOKEN": cls.s.admin}
        cls.imports = {}
        for fmt, path in (("osv", "osv-records"), ("cve5", "cve-nvd-records/cvelistV5"),
                          ("nvd", "cve-nvd-records/nvdcve-2.0"),
                          ("kev", "kev/known_exploited_vulnerabilities.json")):
            p = run("import", fmt, os.path.join(TD, path), env=cls.env)
            cls.imports[fmt] = p

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def counts(self, p):
        line = p.stdout.strip().splitlines()[-1]
        parts = dict(x.strip().split(" ") for x in line.split(","))
        return int(parts["imported"]), int(parts["unchanged"]), int(parts["skipped"])

    def test_import_counts_and_idempotence(self):
        self.assertEqual(self.imports["osv"].returncode, 0, self.imports["osv"].stderr)
        self.assertEqual(self.counts(self.imports["osv"]), (357, 0, 0))
        self.assertEqual(self.counts(self.imports["cve5"]), (11, 0, 0))
        i, u, k = self.counts(self.imports["nvd"])
        # NVD and CVE 5 share CVE ids: an NVD entry not newer than the stored
        # CVE 5 record leaves it unchanged.
        self.assertEqual((i + u, k), (23, 0))
        self.assertEqual(self.counts(self.imports["kev"]), (1404, 0, 0))
        again = run("import", "osv", os.path.join(TD, "osv-records"), env=self.env)
        self.assertEqual(self.counts(again), (0, 357, 0))
        again = run("import", "kev", os.path.join(TD, "kev", "known_exploited_vulnerabilities.json"),
                    env=self.env)
        self.assertEqual(self.counts(again), (0, 1404, 0))
        st = self.s.get("/api/v1/stats/kb").json
        self.assertEqual(st["kev_entries"], 1404)
        nvd_ids = {json.load(open(os.path.join(TD, "cve-nvd-records", "nvdcve-2.0", f)))
                   ["vulnerabilities"][0]["cve"]["id"]
                   for f in os.listdir(os.path.join(TD, "cve-nvd-records", "nvdcve-2.0"))
                   if f.endswith(".json")}
        cve5_ids = set()
        for root, _, files in os.walk(os.path.join(TD, "cve-nvd-records", "cvelistV5")):
            cve5_ids |= {f[:-5] for f in files if f.endswith(".json")}
        self.assertGreaterEqual(st["records"], 357 + len(nvd_ids | cve5_ids))
        self.assertGreater(st["index"]["packages"], 100)

    def test_malformed_records_reported_and_skipped(self):
        d = tempfile.mkdtemp(dir=self.s.dir.name)
        good = {"id": "TEST-0001", "modified": "2024-01-01T00:00:00Z", "summary": "ok",
                "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                              "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                                       {"fixed": "1.3.0"}]}]}]}
        with open(os.path.join(d, "a.json"), "w") as f:
            json.dump([good, {"id": "TEST-0002"}, {"id": "TEST-0003", "modified": "yesterday"},
                       {"modified": "2024-01-01T00:00:00Z"}, 7], f)
        with open(os.path.join(d, "b.json"), "w") as f:
            f.write('{"id": "TEST-0004", "modified": ')
        p = run("import", "osv", d, env=self.env)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(self.counts(p), (1, 0, 5))
        self.assertIn("a.json:[1]: modified: required", p.stderr)
        self.assertIn("a.json:[2]: modified: not an RFC 3339 time", p.stderr)
        self.assertIn("a.json:[3]", p.stderr)
        self.assertIn("a.json:[4]: not a JSON object", p.stderr)
        self.assertIn("b.json:1:", p.stderr)
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-0001").status, 200)
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-0002").status, 404)

    def test_nedb_import(self):
        d = tempfile.mkdtemp(dir=self.s.dir.name)
        with open(os.path.join(d, "npm.nedb"), "w") as f:
            f.write('{"$$indexCreated":{"fieldName":"id","unique":true}}\n')
            f.write(json.dumps({"_id": "x1", "id": "TEST-NEDB-1", "modified": "2024-02-01T00:00:00Z",
                                "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                                              "ranges": [{"type": "SEMVER", "events": [
                                                  {"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}) + "\n")
            f.write("not json\n")
        p = run("import", "nedb", d, env=self.env)
        self.assertEqual(self.counts(p), (1, 0, 1))
        self.assertIn("npm.nedb:line 3", p.stderr)
        r = self.s.post("/v1/query", {"package": {"ecosystem": "npm", "name": "lodash"},
                                      "version": "4.17.20"})
        self.assertIn("TEST-NEDB-1", [v["id"] for v in r.json.get("vulns", [])])

    def test_upsert_by_modified_and_withdrawn(self):
        base = {"id": "TEST-UP-1", "modified": "2024-01-02T00:00:00Z", "summary": "first",
                "affected": [{"package": {"ecosystem": "PyPI", "name": "Django_Thing"},
                              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                                          {"fixed": "2.0"}]}]}]}
        imp = lambda recs: self.s.post("/api/v1/vulns/import", {"format": "osv", "records": recs},
                                       self.s.admin).json
        self.assertEqual(imp([base])["imported"], 1)
        older = dict(base, modified="2023-01-01T00:00:00Z", summary="older")
        self.assertEqual(imp([older])["unchanged"], 1)
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-UP-1").json["summary"], "first")
        newer = dict(base, modified="2024-06-01T00:00:00Z", summary="second")
        self.assertEqual(imp([newer])["imported"], 1)
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-UP-1").json["summary"], "second")
        # package names compare in the ecosystem's normal form (PEP 503)
        r = self.s.post("/v1/query", {"package": {"ecosystem": "PyPI", "name": "django-thing"},
                                      "version": "1.0"})
        self.assertEqual([v["id"] for v in r.json["vulns"]], ["TEST-UP-1"])
        gone = dict(newer, modified="2024-07-01T00:00:00Z", withdrawn="2024-07-01T00:00:00Z")
        self.assertEqual(imp([gone])["imported"], 1)
        v = self.s.get("/api/v1/vulns/TEST-UP-1").json
        self.assertTrue(v["vigil"]["withdrawn"])
        r = self.s.post("/v1/query", {"package": {"ecosystem": "PyPI", "name": "django-thing"},
                                      "version": "1.0"})
        self.assertEqual(r.json, {})

    def ndjson(self, fmt, lines):
        body = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
        return self.s.request("POST", "/api/v1/vulns/import?format=" + fmt, raw=body.encode(),
                              token=self.s.admin,
                              headers={"Content-Type": "application/x-ndjson"})

    @staticmethod
    def rec(i, tag="BULK", modified="2024-03-01T00:00:00Z", **kw):
        return dict({"id": "TEST-%s-%d" % (tag, i), "modified": modified,
                     "summary": "bulk record %d" % i,
                     "affected": [{"package": {"ecosystem": "npm",
                                               "name": "%s-pkg-%d" % (tag.lower(), i)},
                                   "ranges": [{"type": "SEMVER", "events": [
                                       {"introduced": "0"}, {"fixed": "1.0.0"}]}]}]}, **kw)

    def test_bulk_lines(self):
        # JSON lines: a malformed line is skipped like a malformed record and
        # named by its line index; a record is stored as sent
        spaced = "  " + json.dumps(self.rec(2), separators=(", ", ": ")) + " \r"
        r = self.ndjson("osv", [self.rec(1), "{not json", "", 7, {"id": "TEST-BULK-X"}, spaced])
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["imported"], r.json["unchanged"], r.json["skipped"]), (2, 0, 3))
        self.assertEqual([e["index"] for e in r.json["errors"]], [1, 3, 4])
        self.assertIn("invalid JSON", r.json["errors"][0]["message"])
        self.assertEqual(r.json["errors"][2]["field"], "modified")
        v = self.s.get("/api/v1/vulns/TEST-BULK-2").json
        self.assertEqual((v["summary"], v["affected"]), ("bulk record 2", self.rec(2)["affected"]))
        q = self.s.post("/v1/query", {"package": {"purl": "pkg:npm/bulk-pkg-1@0.5.0"}})
        self.assertEqual([x["id"] for x in q.json["vulns"]], ["TEST-BULK-1"])
        # idempotent in either form: the content decides, not its spelling
        r = self.ndjson("osv", [self.rec(1), spaced])
        self.assertEqual((r.json["imported"], r.json["unchanged"]), (0, 2))
        r = self.s.post("/api/v1/vulns/import", {"format": "osv", "records": [self.rec(2)]},
                        self.s.admin)
        self.assertEqual((r.json["imported"], r.json["unchanged"]), (0, 1))
        audit = [e for e in self.s.get("/api/v1/audit?limit=1000", self.s.admin).json["items"]
                 if e["action"] == "vuln.import"]
        self.assertTrue(any("TEST-BULK-2" in json.dumps(e) for e in audit))
        # the payload is canonical JSON (keys in order, compact), as hashed
        for e in audit:
            canon = json.dumps(e["payload"], sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
            self.assertEqual(hashlib.sha256(canon.encode()).hexdigest(), e["payload_hash"], e)
            self.assertEqual(sorted(e["payload"]),
                             ["format", "ids", "imported", "skipped", "unchanged"])
        self.assertTrue(any(e["payload"]["format"] == "kev" for e in audit))
        self.assertTrue(any(e["payload"]["skipped"] for e in audit))
        # the form's own checks
        r = self.s.request("POST", "/api/v1/vulns/import", raw=b"{}\n", token=self.s.admin,
                           headers={"Content-Type": "application/x-ndjson"})
        self.assertEqual((r.status, r.field), (400, "format"))
        self.assertEqual(self.ndjson("xml", [self.rec(1)]).field, "format")
        self.assertEqual(self.ndjson("osv", ["{}"] * 10001).status, 413)

    def test_bulk_batch_order(self):
        # A large request is parsed in shares on several threads: line indexes,
        # and the order of records with one id, hold across the shares.
        pad = "x" * 300
        lines = [self.rec(i, "SHARE", summary="share %d %s" % (i, pad)) for i in range(3000)]
        lines[5] = lines[1500] = lines[2999] = "{broken"
        lines[2990] = self.rec(10, "SHARE", modified="2024-04-01T00:00:00Z", summary="newer")
        lines[2991] = self.rec(20, "SHARE", modified="2023-01-01T00:00:00Z", summary="older")
        r = self.ndjson("osv", lines)
        self.assertEqual(r.status, 200, r)
        self.assertEqual([e["index"] for e in r.json["errors"]], [5, 1500, 2999])
        self.assertEqual((r.json["imported"], r.json["unchanged"], r.json["skipped"]),
                         (2996, 1, 3))
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-SHARE-10").json["summary"], "newer")
        self.assertTrue(self.s.get("/api/v1/vulns/TEST-SHARE-20").json["summary"].startswith(
            "share 20 "))
        r = self.ndjson("osv", lines)
        self.assertEqual((r.json["imported"], r.json["unchanged"], r.json["skipped"]), (0, 2997, 3))

    def test_bulk_session_order(self):
        # Requests numbered in a session (?session=&seq=, as `vigil import`
        # sends two at a time) are stored in their order. One whose
        # predecessor has not come is refused at once (409, field seq,
        # nothing stored); one whose predecessor is in progress waits for it.
        def send(seq, lines, out, fmt="osv", session="order-T1", token=None):
            body = "".join(json.dumps(x) + "\n" for x in lines)
            out[seq] = self.s.request(
                "POST", "/api/v1/vulns/import?format=%s&session=%s&seq=%d" % (fmt, session, seq),
                raw=body.encode(), token=token or self.s.admin,
                headers={"Content-Type": "application/x-ndjson"})

        out = {}
        send(1, [self.rec(1, "ORDA", summary="second")], out)
        self.assertEqual((out[1].status, out[1].field), (409, "seq"))
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-ORDA-1").status, 404)
        send(0, [self.rec(1, "ORDA", summary="first")], out)
        send(1, [self.rec(1, "ORDA", summary="second")], out)
        self.assertEqual((out[0].status, out[1].status), (200, 200))
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-ORDA-1").json["summary"], "second")
        # seq 1 sent while seq 0 (a large request) is being stored: stored after it
        pad = "y" * 300
        big = [self.rec(i, "ORDB", summary="big %d %s" % (i, pad)) for i in range(4000)]
        big[0] = self.rec(0, "ORDB", summary="first")
        later = [self.rec(0, "ORDB", summary="second"), self.rec(9999, "ORDB")]
        t = threading.Thread(target=send, args=(0, big, out, "osv", "order-T2"))
        t.start()
        time.sleep(0.2)
        send(1, later, out, session="order-T2")
        t.join()
        self.assertEqual(out[0].status, 200, out[0])
        if out[1].status == 409:  # seq 0 had not come yet: again, as vigil import does
            send(1, later, out, session="order-T2")
        self.assertEqual(out[1].status, 200, out[1])
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-ORDB-0").json["summary"], "second")
        q = urllib.parse.quote('"big 3999" OR "bulk record 9999"')
        ids = [v["id"] for v in self.s.get("/api/v1/vulns?limit=100&q=" + q).json["items"]
               if v["id"].startswith("TEST-ORDB-")]
        self.assertEqual(ids, ["TEST-ORDB-3999", "TEST-ORDB-9999"])  # in the order stored
        # a refused request is done in its turn: the next goes on
        send(0, [self.rec(4, "ORDA")], out, fmt="xml", session="order-T3")
        self.assertEqual((out[0].status, out[0].field), (400, "format"))
        send(1, [self.rec(4, "ORDA")], out, session="order-T3")
        self.assertEqual((out[1].status, out[1].json["imported"]), (200, 1))
        # a session is its user's: another user's order-T4 neither waits for nor
        # holds up this one's
        a = self.s.admin
        op = self.s.get("/api/v1/me", a).json["org_id"]
        u = self.s.post("/api/v1/users", {"org_id": op, "name": "kb-order@t", "role": "analyst"},
                        a).json
        other = self.s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        send(0, [self.rec(5, "ORDA")], out, session="order-T4")
        self.assertEqual(out[0].status, 200, out[0])
        send(1, [self.rec(6, "ORDA")], out, session="order-T4", token=other)
        self.assertEqual((out[1].status, out[1].field), (409, "seq"))
        send(0, [self.rec(6, "ORDA")], out, session="order-T4", token=other)
        send(1, [self.rec(7, "ORDA")], out, session="order-T4", token=other)
        self.assertEqual((out[0].status, out[1].status), (200, 200))
        # both or neither, and well formed
        base = "/api/v1/vulns/import?format=osv"
        for q, field in (("&session=x", "seq"), ("&seq=0", "session"),
                         ("&session=a%20b&seq=0", "session"), ("&session=" + "x" * 33 + "&seq=0",
                                                               "session"),
                         ("&session=x&seq=-1", "seq"), ("&session=x&seq=one", "seq")):
            r = self.s.request("POST", base + q, raw=b"", token=self.s.admin,
                               headers={"Content-Type": "application/x-ndjson"})
            self.assertEqual((r.status, r.field), (400, field), q)

    def test_bulk_parts_replace_within_request(self):
        # A large request is stored part by part while later parts are still
        # being parsed, its alias, package and full-text rows written at its
        # end: a record replaced by a later part of the same request keeps
        # none of the rows of the version it replaced, and a bad record in
        # the middle changes nothing for the others.
        pad = "y" * 300
        lines = [self.rec(i, "PARTS", summary="parts %d %s" % (i, pad)) for i in range(2500)]
        lines[3] = self.rec(3, "PARTS", summary="zqxpartsold", details="zqxpartsolddetail",
                            aliases=["CVE-2099-92001"])
        lines[3]["affected"][0]["package"]["name"] = "parts-old-pkg"
        newer = self.rec(3, "PARTS", modified="2024-05-01T00:00:00Z", summary="zqxpartsnew",
                         aliases=["CVE-2099-92002"])
        newer["affected"][0]["package"]["name"] = "parts-new-pkg"
        lines[2400] = newer
        lines[1200] = {"id": "TEST-PARTS-BAD"}
        r = self.ndjson("osv", lines)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["imported"], r.json["unchanged"], r.json["skipped"]),
                         (2499, 0, 1))
        self.assertEqual([e["index"] for e in r.json["errors"]], [1200])
        ids = lambda q: [v["id"] for v in self.s.get("/api/v1/vulns?" + q).json["items"]]
        for q in ("q=zqxpartsold", "q=zqxpartsolddetail", "alias=CVE-2099-92001",
                  "ecosystem=npm&package=parts-old-pkg"):
            self.assertEqual(ids(q), [], q)
        for q in ("q=zqxpartsnew", "alias=CVE-2099-92002", "ecosystem=npm&package=parts-new-pkg"):
            self.assertEqual(ids(q), ["TEST-PARTS-3"], q)
        self.assertEqual(ids("ecosystem=npm&package=parts-pkg-2401"), ["TEST-PARTS-2401"])
        self.assertEqual(self.s.get("/api/v1/vulns/CVE-2099-92002").json["id"], "TEST-PARTS-3")
        self.assertEqual(len(ids("q=parts&limit=1000")), 1000)
        # the same request again changes nothing
        r = self.ndjson("osv", lines)
        self.assertEqual((r.json["imported"], r.json["unchanged"], r.json["skipped"]),
                         (0, 2499, 1))

    def test_bulk_lines_alert_units(self):
        # records sent as lines are matched against registered components too
        s, a = self.s, self.s.admin
        o = s.post("/api/v1/orgs", {"name": "KB Unit", "kind": "industry"}, a).json
        u = s.post("/api/v1/users", {"org_id": o["id"], "name": "kb@unit", "role": "member"},
                   a).json
        t = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": [
            {"type": "library", "name": "alert-pkg-1", "version": "0.5.0",
             "purl": "pkg:npm/alert-pkg-1@0.5.0"}]}
        self.assertEqual(s.post("/api/v1/sboms?name=kb", raw=json.dumps(bom).encode(),
                                token=t).status, 201)
        r = self.ndjson("osv", [self.rec(1, "ALERT"), self.rec(2, "ALERT")])
        self.assertEqual((r.json["imported"], r.json["units_alerted"]), (2, 1))
        alerts = [x["vuln"] for x in s.get("/api/v1/alerts", t).json["items"]]
        self.assertEqual(alerts, ["TEST-ALERT-1"])

    def test_full_text_follows_updates(self):
        a = self.s.admin
        imp = lambda recs: self.s.post("/api/v1/vulns/import", {"format": "osv", "records": recs},
                                       a).json
        first = self.rec(1, "FTS", summary="zqxoldword", details="zqxolddetail")
        self.assertEqual(imp([first])["imported"], 1)
        ids = lambda q: [v["id"] for v in self.s.get("/api/v1/vulns?q=" + q).json["items"]]
        self.assertEqual(ids("zqxoldword"), ["TEST-FTS-1"])
        self.assertEqual(ids("zqxolddetail"), ["TEST-FTS-1"])
        newer = dict(first, modified="2024-05-01T00:00:00Z", summary="zqxnewword")
        del newer["details"]
        self.assertEqual(self.ndjson("osv", [newer]).json["imported"], 1)
        self.assertEqual(ids("zqxoldword"), [])
        self.assertEqual(ids("zqxolddetail"), [])
        self.assertEqual(ids("zqxnewword"), ["TEST-FTS-1"])

    def test_full_text_merges_sixteen_segments_at_a_time(self):
        # migration 92: FTS5's automerge setting, kept in the index's config
        db = sqlite3.connect(os.path.join(self.s.data, "vigil.db"))
        try:
            row = db.execute("SELECT v FROM vulns_fts_config WHERE k = 'automerge'").fetchone()
        finally:
            db.close()
        self.assertEqual(row, (16,))

    def test_keys_sharing_long_prefixes(self):
        # alias and package rows are sorted by the first 16 bytes of their
        # key before they are stored, and by the whole text on a tie: keys
        # alike in those bytes (or shorter), a package named twice in one
        # record, and records with no keys at all are all stored and found
        long = "longprefix-package-name-"
        recs = []
        for i in range(40):
            r = self.rec(i, "PFX", aliases=["GHSA-PFXA-PFXA-%04d" % i, "PFX-%d" % i])
            r["affected"][0]["package"]["name"] = long + ("z" * (i % 3)) + str(i)
            r["affected"].append({"package": {"ecosystem": "npm",
                                              "name": r["affected"][0]["package"]["name"]}})
            r["affected"].append({"package": {"ecosystem": "PyPI", "name": long + "py"}})
            recs.append(r)
        recs.append({"id": "TEST-PFX-NOKEYS", "modified": "2024-03-01T00:00:00Z"})
        r = self.ndjson("osv", recs)
        self.assertEqual((r.json["imported"], r.json["skipped"]), (41, 0), r)
        ids = lambda q: [v["id"] for v in self.s.get("/api/v1/vulns?" + q).json["items"]]
        for i in (0, 1, 2, 17, 39):
            name = long + ("z" * (i % 3)) + str(i)
            self.assertEqual(ids("ecosystem=npm&package=" + name), ["TEST-PFX-%d" % i], name)
            self.assertEqual(ids("alias=GHSA-PFXA-PFXA-%04d" % i), ["TEST-PFX-%d" % i])
            self.assertEqual(ids("alias=PFX-%d" % i), ["TEST-PFX-%d" % i])
        self.assertEqual(len(ids("ecosystem=PyPI&package=" + long + "py&limit=100")), 40)
        self.assertEqual(self.s.get("/api/v1/vulns/TEST-PFX-NOKEYS").status, 200)
        self.assertEqual(self.ndjson("osv", recs).json["unchanged"], 41)

    def test_alias_and_package_rows_follow_updates(self):
        # a replaced record's alias and package rows go (found through the keys
        # it was stored with), in either request form; names needing escapes too
        odd = 'keys "odd\\ pkg'
        first = self.rec(1, "KEYS", aliases=["CVE-2099-91001", "cve-2099-91002"])
        first["affected"].append({"package": {"ecosystem": "npm", "name": odd}})
        imp = lambda recs: self.s.post("/api/v1/vulns/import", {"format": "osv", "records": recs},
                                       self.s.admin).json
        self.assertEqual(imp([first])["imported"], 1)
        ids = lambda q: [v["id"] for v in self.s.get("/api/v1/vulns?" + q).json["items"]]
        pkg = lambda n: "ecosystem=npm&package=" + urllib.parse.quote(n)
        self.assertEqual(ids("alias=CVE-2099-91002"), ["TEST-KEYS-1"])
        self.assertEqual(ids(pkg(odd)), ["TEST-KEYS-1"])
        newer = dict(self.rec(1, "KEYS", modified="2024-05-01T00:00:00Z"),
                     aliases=["CVE-2099-91003"])
        newer["affected"][0]["package"]["name"] = "keys-new-pkg"
        self.assertEqual(self.ndjson("osv", [newer]).json["imported"], 1)
        for q in ("alias=CVE-2099-91001", "alias=CVE-2099-91002", pkg("keys-pkg-1"), pkg(odd)):
            self.assertEqual(ids(q), [], q)
        self.assertEqual(ids("alias=CVE-2099-91003"), ["TEST-KEYS-1"])
        self.assertEqual(ids(pkg("keys-new-pkg")), ["TEST-KEYS-1"])
        self.assertEqual(self.s.get("/api/v1/vulns/CVE-2099-91001").status, 404)
        self.assertEqual(self.s.get("/api/v1/vulns/CVE-2099-91003").json["id"], "TEST-KEYS-1")
        back = dict(first, modified="2024-06-01T00:00:00Z")
        self.assertEqual(imp([back])["imported"], 1)
        self.assertEqual(ids("alias=CVE-2099-91003"), [])
        self.assertEqual(ids(pkg(odd)), ["TEST-KEYS-1"])
        self.assertEqual(ids("alias=CVE-2099-91001"), ["TEST-KEYS-1"])

    def test_import_authorization_and_validation(self):
        a = self.s.admin
        o = self.s.post("/api/v1/orgs", {"name": "KB Member", "kind": "member"}, a).json
        u = self.s.post("/api/v1/users", {"org_id": o["id"], "name": "kb@m", "role": "member"}, a).json
        t = self.s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        r = self.s.post("/api/v1/vulns/import", {"format": "osv", "records": []}, t)
        self.assertEqual(r.status, 403)
        r = self.s.post("/api/v1/vulns/import", {"format": "osv", "records": []})
        self.assertEqual(r.status, 401)
        r = self.s.post("/api/v1/vulns/import", {"format": "xml", "records": []}, a)
        self.assertEqual((r.status, r.field), (400, "format"))
        r = self.s.post("/api/v1/vulns/import", {"format": "osv"}, a)
        self.assertEqual((r.status, r.field), (400, "records"))

    def test_log4shell_osv_api(self):
        s = self.s
        r = s.post("/v1/query", {"package": {"ecosystem": "Maven",
                                             "name": "org.apache.logging.log4j:log4j-core"},
                                 "version": "2.14.1"})
        self.assertEqual(r.status, 200)
        ids = [v["id"] for v in r.json["vulns"]]
        self.assertIn("GHSA-jfh8-c2jp-5v3q", ids)
        rec = next(v for v in r.json["vulns"] if v["id"] == "GHSA-jfh8-c2jp-5v3q")
        # OSV record fields, unchanged, plus database_specific.vigil
        for k in ("id", "modified", "published", "aliases", "summary", "details", "affected",
                  "severity", "references", "schema_version"):
            self.assertIn(k, rec)
        self.assertIn("CVE-2021-44228", rec["aliases"])
        vg = rec["database_specific"]["vigil"]
        self.assertEqual((vg["score"], vg["national_grade"], vg["known_exploited"]),
                         (10.0, "critical", True))
        self.assertEqual(vg["kev"]["date_added"], "2021-12-10")
        r = s.post("/v1/query", {"package": {"purl": LOG4J + "@2.17.1"}})
        self.assertEqual((r.status, r.json), (200, {}))
        r = s.post("/v1/query", {"package": {"purl": LOG4J + "@2.12.1"}})
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in r.json["vulns"]])
        r = s.post("/v1/query", {"package": {"purl": LOG4J + "@2.12.1"}, "version": "2.12.1"})
        self.assertEqual((r.status, r.field), (400, "package.purl"))
        r = s.post("/v1/query", {"package": {"purl": LOG4J}})  # no version: every record of it
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in r.json["vulns"]])
        s.post("/api/v1/vulns/import", {"format": "osv", "records": [
            {"id": "TEST-SEMVER-1", "modified": "2024-01-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "npm", "name": "strict-pkg"},
                           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                                    {"fixed": "1.0.0"}]}]}]}]},
               s.admin)
        r = s.post("/v1/query", {"package": {"ecosystem": "npm", "name": "strict-pkg"},
                                 "version": "not a version"})
        self.assertEqual((r.status, r.field), (400, "version"))
        r = s.post("/v1/query", {"commit": "6879efc2c1596d11a6a6ad296f80063b558d5e0f"})
        self.assertEqual((r.status, r.json), (200, {}))
        b = s.post("/v1/querybatch", {"queries": [
            {"package": {"purl": LOG4J + "@2.14.1"}},
            {"package": {"purl": LOG4J + "@2.17.1"}},
            {"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
             "version": "2.3"}]})
        self.assertEqual(b.status, 200)
        res = b.json["results"]
        self.assertEqual(len(res), 3)
        self.assertEqual(set(res[0]["vulns"][0]), {"id", "modified"})
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in res[0]["vulns"]])
        self.assertEqual(res[1], {})
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in res[2]["vulns"]])
        r = s.post("/v1/querybatch", {"queries": [{}] * 1001})
        self.assertEqual(r.status, 413)
        v = s.get("/v1/vulns/GHSA-jfh8-c2jp-5v3q")
        self.assertEqual(v.json["id"], "GHSA-jfh8-c2jp-5v3q")
        self.assertIn("vigil", v.json["database_specific"])
        self.assertEqual(s.get("/v1/vulns/GHSA-0000-0000-0000").status, 404)

    def test_list_filters(self):
        s = self.s
        by_alias = s.get("/api/v1/vulns?alias=CVE-2021-44228").json["items"]
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in by_alias])
        pkg = s.get("/api/v1/vulns?ecosystem=Maven&package=org.apache.logging.log4j:log4j-core&limit=1000").json["items"]
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in pkg])
        kev = s.get("/api/v1/vulns?kev=true&limit=1000").json["items"]
        self.assertTrue(kev)
        self.assertTrue(all(v["vigil"]["known_exploited"] for v in kev))
        crit = s.get("/api/v1/vulns?severity=critical&limit=1000").json["items"]
        self.assertTrue(crit and all(v["vigil"]["national_grade"] == "critical" for v in crit))
        text = s.get("/api/v1/vulns?q=JNDI&limit=1000").json["items"]
        self.assertIn("GHSA-jfh8-c2jp-5v3q", [v["id"] for v in text])
        since = s.get("/api/v1/vulns?since=2030-01-01T00:00:00Z").json["items"]
        self.assertEqual(since, [])
        page = s.get("/api/v1/vulns?limit=5").json
        self.assertEqual(len(page["items"]), 5)
        nxt = s.get("/api/v1/vulns?limit=5&cursor=" + page["next_cursor"]).json["items"]
        self.assertNotEqual(page["items"][0]["id"], nxt[0]["id"])
        self.assertEqual(s.get("/api/v1/vulns?severity=huge").field, "severity")
        self.assertEqual(s.get("/api/v1/vulns?package=x").field, "ecosystem")
        self.assertEqual(s.get('/api/v1/vulns?q=%22unbalanced').status, 400)
        nvd = s.get("/api/v1/vulns/CVE-2023-4863").json
        self.assertTrue(nvd["database_specific"]["cpe_ranges"])


if __name__ == "__main__":
    harness.main()
