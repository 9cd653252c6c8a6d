"""Integration tests for exposure checking and risk alerts against the real
server: the Log4Shell fixture (units running log4j-core 2.14.1, 2.12.1,
2.15.0, 2.17.1: exactly the affected ones alerted, each once, by signed
webhook), reverse matching on confirmation and on import, fixes closing
exposures, accepted risk, subscription filters, and real SBOM uploads whose
findings equal `vigil scan` on the same files."""
import hashlib
import hmac
import json
import os
import time
import unittest

import harness
from harness import Receiver, Server, run

TD = os.environ.get("VIGIL_TESTDATA", os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                   "shared", "testdata"))
SECRET = "unit-webhook-secret-0001"


def cdx(*purls):
    comps = []
    for p in purls:
        name = p.split("/")[-1].split("@")[0]
        ver = p.split("@")[1] if "@" in p else None
        comps.append({"type": "library", "name": name, "version": ver, "purl": p})
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                       "components": comps}).encode()


def log4j(v):
    return "pkg:maven/org.apache.logging.log4j/log4j-core@" + v


CASE = {
    "title": "Log4Shell", "reporter_role": "finder",
    "product": {"vendor": "Apache Software Foundation", "name": "Log4j2", "model": "log4j-core",
                "versions": "2.0-beta9 to 2.14.1"},
    "technical_characteristics": "JNDI lookups", "harm": "RCE", "scope": "Java",
    "discovered_at": "2021-11-24T00:00:00Z",
    "affected": [{"purl": "pkg:maven/org.apache.logging.log4j/log4j-core",
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}]},
                             {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.3.1"}]},
                             {"type": "ECOSYSTEM", "events": [{"introduced": "2.4"}, {"fixed": "2.12.2"}]}]}],
    "cvss": ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"], "aliases": ["CVE-2021-44228"],
}


class Log4ShellDrill(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rx = Receiver()
        cls.s = Server(extra=["--webhook-backoff-ms", "200"])
        s, a = cls.s, cls.s.admin
        op = s.get("/api/v1/me", a).json["org_id"]
        u = s.post("/api/v1/users", {"org_id": op, "name": "an@t", "role": "analyst"}, a).json
        cls.analyst = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        cls.units = {}
        for v in ("2.14.1", "2.12.1", "2.15.0", "2.17.1"):
            o = s.post("/api/v1/orgs", {"name": "Runs " + v, "kind": "industry"}, a).json
            u = s.post("/api/v1/users", {"org_id": o["id"], "name": "ops@" + v, "role": "member"}, a).json
            t = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
            r = s.post("/api/v1/subscriptions", {"channel": "webhook", "url": cls.rx.url + "/" + v,
                                                 "secret": SECRET, "filter": {}}, t)
            assert r.status == 201, r
            up = s.post("/api/v1/sboms?name=billing", raw=cdx(log4j(v), "pkg:npm/lodash@4.17.21"),
                        token=t)
            assert up.status == 201, up
            cls.units[v] = {"org": o["id"], "token": t, "sbom": up.json}
        f = s.post("/api/v1/orgs", {"name": "Finder", "kind": "member"}, a).json
        u = s.post("/api/v1/users", {"org_id": f["id"], "name": "f@t", "role": "member"}, a).json
        cls.finder = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        cls.rx.close()

    def test_a_confirmation_alerts_exactly_the_affected_units_once(self):
        s = self.s
        c = s.post("/api/v1/cases", CASE, self.finder).json
        cid = c["id"]
        for to in ("triaging", "confirmed"):
            r = s.post("/api/v1/cases/%s/transition" % cid, {"to": to}, self.analyst)
            self.assertEqual(r.status, 200, r)
        affected = {"2.14.1", "2.12.1"}
        for v in affected:
            got = self.rx.wait_for(lambda r, v=v: r["path"] == "/" + v and cid.encode() in r["body"])
            self.assertTrue(got, "unit running %s not alerted" % v)
            want = "sha256=" + hmac.new(SECRET.encode(), got[0]["body"], hashlib.sha256).hexdigest()
            self.assertEqual(got[0]["headers"]["X-Vigil-Signature"], want)
            msg = json.loads(got[0]["body"])
            self.assertEqual(msg["topic"], "alert.vulnerability")
            data = msg["data"]
            self.assertEqual(data["id"], cid)
            self.assertIn("CVE-2021-44228", data["aliases"])
            self.assertEqual(data["national_grade"], "critical")
            self.assertEqual([x["purl"] for x in data["components"]], [log4j(v)])
            self.assertTrue(data["components"][0]["fixed"])
        # the webhook carries the unit's inbox entry (plus its id) and the alert itself
        for v in affected:
            hook = [r for r in self.rx.requests if r["path"] == "/" + v and cid.encode() in r["body"]][0]
            msg = json.loads(hook["body"])
            t = self.units[v]["token"]
            inbox = [n for n in s.get("/api/v1/notifications", t).json["items"] if n["object_id"] == cid]
            self.assertEqual(len(inbox), 1)
            self.assertEqual(msg["notification_id"], inbox[0]["id"])
            self.assertEqual({k: x for k, x in msg.items() if k != "notification_id"}, inbox[0]["message"])
            self.assertEqual(hook["headers"]["X-Vigil-Idempotency-Key"].split("-")[1], str(inbox[0]["id"]))
            alert = [x for x in s.get("/api/v1/alerts", t).json["items"] if x["vuln"] == cid][0]
            self.assertEqual(alert["alert"], msg["data"])
            self.assertEqual(msg["data"]["org_id"], self.units[v]["org"])
        time.sleep(0.5)
        for v in ("2.15.0", "2.17.1"):
            self.assertFalse([r for r in self.rx.requests if r["path"] == "/" + v and cid.encode() in r["body"]],
                             "unit running %s alerted" % v)
        # exposures: the operator sees all, a unit its own
        ex = s.get("/api/v1/exposures?vuln=" + cid, self.analyst).json["items"]
        self.assertEqual(sorted(e["purl"] for e in ex), sorted(log4j(v) for v in affected))
        own = s.get("/api/v1/exposures?vuln=" + cid, self.units["2.14.1"]["token"]).json["items"]
        self.assertEqual([e["purl"] for e in own], [log4j("2.14.1")])
        # by alias too
        self.assertEqual(len(s.get("/api/v1/exposures?vuln=CVE-2021-44228", self.analyst).json["items"]), 2)
        # a later move updates the record but alerts nobody twice
        s.post("/api/v1/cases/%s/transition" % cid, {"to": "vendor_notified",
                                                       "vendor_org_id": self._vendor()}, self.analyst)
        time.sleep(0.5)
        for v in affected:
            n = [r for r in self.rx.requests if r["path"] == "/" + v and cid.encode() in r["body"]
                 and json.loads(r["body"])["topic"] == "alert.vulnerability"]
            self.assertEqual(len(n), 1, v)
            alerts = s.get("/api/v1/alerts", self.units[v]["token"]).json["items"]
            self.assertEqual([x["vuln"] for x in alerts].count(cid), 1)
        self.__class__.case_id = cid

    def _vendor(self):
        a = self.s.admin
        r = self.s.post("/api/v1/orgs", {"name": "Apache Software Foundation", "kind": "vendor"}, a)
        if r.status == 201:
            return r.json["id"]
        return [o for o in self.s.get("/api/v1/orgs?limit=1000", a).json["items"]
                if o["name"] == "Apache Software Foundation"][0]["id"]

    def test_b_fixed_upload_closes_the_exposure(self):
        cid = getattr(self.__class__, "case_id", None)
        if cid is None:
            self.fail("test_a (the confirmation) must have run and passed first")
        u = self.units["2.14.1"]
        before = len(self.rx.requests)
        r = self.s.post("/api/v1/sboms?name=billing", raw=cdx(log4j("2.17.1")), token=u["token"])
        self.assertEqual(r.status, 201)
        self.assertEqual(r.json["version"], 2)
        self.assertEqual(r.json["vulnerable"], 0)
        self.assertGreaterEqual(r.json["closed_exposures"], 1)
        own = self.s.get("/api/v1/exposures?vuln=" + cid, u["token"]).json["items"]
        self.assertEqual([e["status"] for e in own], ["fixed"])
        time.sleep(0.3)
        self.assertEqual(len([x for x in self.rx.requests[before:] if b"alert." in x["body"]]), 0)
        # accepted risk needs a reason, and is the unit's own decision
        other = self.units["2.12.1"]
        eid = self.s.get("/api/v1/exposures?vuln=" + cid, other["token"]).json["items"][0]["id"]
        r = self.s.post("/api/v1/exposures/%d/status" % eid, {"status": "accepted_risk"}, other["token"])
        self.assertEqual((r.status, r.field), (400, "reason"))
        r = self.s.post("/api/v1/exposures/%d/status" % eid,
                        {"status": "accepted_risk", "reason": "isolated host"}, u["token"])
        self.assertEqual(r.status, 404)
        r = self.s.post("/api/v1/exposures/%d/status" % eid,
                        {"status": "accepted_risk", "reason": "isolated host"}, other["token"])
        self.assertEqual((r.status, r.json["status"]), (200, "accepted_risk"))
        sboms = self.s.get("/api/v1/sboms", u["token"]).json["items"]
        self.assertEqual([(b["version"], b["current"]) for b in sboms], [(1, False), (2, True)])
        # going back to the affected version reopens the same exposure, and alerts no one twice
        fixed_id = own[0]["id"]
        r = self.s.post("/api/v1/sboms?name=billing", raw=cdx(log4j("2.14.1")), token=u["token"])
        self.assertEqual((r.status, r.json["vulnerable"]), (201, 1))
        own = self.s.get("/api/v1/exposures?vuln=" + cid, u["token"]).json["items"]
        self.assertEqual([(e["id"], e["status"]) for e in own], [(fixed_id, "open")])
        alerts = self.s.get("/api/v1/alerts", u["token"]).json["items"]
        self.assertEqual([x["vuln"] for x in alerts].count(cid), 1)
        r = self.s.post("/api/v1/sboms?name=billing", raw=cdx(log4j("2.17.1")), token=u["token"])
        self.assertEqual((r.status, r.json["closed_exposures"]), (201, 1))

    def test_c_import_alerts_and_filters(self):
        s, a = self.s, self.s.admin
        # a unit that only wants critical alerts
        o = s.post("/api/v1/orgs", {"name": "Picky", "kind": "industry"}, a).json
        u = s.post("/api/v1/users", {"org_id": o["id"], "name": "picky@t", "role": "member"}, a).json
        t = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        s.post("/api/v1/subscriptions", {"channel": "webhook", "url": self.rx.url + "/picky",
                                         "secret": SECRET, "filter": {"severity_min": "critical"}}, t)
        s.post("/api/v1/sboms?name=app", raw=cdx("pkg:npm/minimist@1.2.0", "pkg:npm/left-pad@1.0.0"),
               token=t)
        recs = [
            {"id": "TEST-MED-1", "modified": "2024-01-01T00:00:00Z", "summary": "medium",
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N"}],
             "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
                           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.6"}]}]}]},
            {"id": "TEST-CRIT-1", "modified": "2024-01-01T00:00:00Z", "summary": "critical",
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
             "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]}]},
        ]
        r = s.post("/api/v1/vulns/import", {"format": "osv", "records": recs}, a)
        self.assertEqual((r.json["imported"], r.json["units_alerted"]), (2, 2))
        got = self.rx.wait_for(lambda r: r["path"] == "/picky" and b"TEST-CRIT-1" in r["body"])
        self.assertTrue(got)
        time.sleep(0.5)
        self.assertFalse([x for x in self.rx.requests if x["path"] == "/picky" and b"TEST-MED-1" in x["body"]])
        inbox = [x["vuln"] for x in s.get("/api/v1/alerts", t).json["items"]]
        self.assertEqual(sorted(inbox), ["TEST-CRIT-1", "TEST-MED-1"])  # the inbox has both

    def test_e_summary_and_risk_notices(self):
        s, a = self.s, self.s.admin
        summ = s.get("/api/v1/exposures/summary", self.analyst).json["units"]
        self.assertTrue(summ)
        for u in summ:
            self.assertEqual(set(u) >= {"org_id", "open", "fixed", "accepted_risk", "open_by_grade"}, True)
        mine = s.get("/api/v1/exposures/summary", self.units["2.12.1"]["token"]).json["units"]
        self.assertEqual([u["org_id"] for u in mine], [self.units["2.12.1"]["org"]])
        notice = {"title": "Log4j2 RCE", "component": "pkg:maven/org.apache.logging.log4j/log4j-core",
                  "risk": "remote code execution", "scope": "2.0-beta9 to 2.14.1",
                  "recommended_action": "upgrade to 2.17.1", "level": "critical",
                  "targets": {"kinds": ["industry"]}}
        self.assertEqual(s.post("/api/v1/risk-notices", notice, self.units["2.12.1"]["token"]).status, 403)
        bad = dict(notice, targets={"kinds": ["martian"]})
        self.assertEqual(s.post("/api/v1/risk-notices", bad, self.analyst).field, "targets.kinds")
        r = s.post("/api/v1/risk-notices", notice, self.analyst)
        self.assertEqual(r.status, 201, r)
        self.assertGreaterEqual(r.json["recipients"], 4)
        nid = str(r.json["id"])
        got = self.rx.wait_for(lambda x: x["path"] == "/2.17.1" and b"risk.notice" in x["body"])
        self.assertTrue(got)
        inbox = s.get("/api/v1/notifications", self.units["2.15.0"]["token"]).json["items"]
        self.assertIn(("risk.notice", nid), [(n["topic"], n["object_id"]) for n in inbox])
        self.assertEqual(s.get("/api/v1/risk-notices", self.analyst).json["items"][-1]["id"], int(nid))

    def test_d_upload_validation(self):
        t = self.units["2.17.1"]["token"]
        r = self.s.post("/api/v1/sboms", raw=cdx(log4j("2.17.1")), token=t)
        self.assertEqual((r.status, r.field), (400, "name"))
        r = self.s.post("/api/v1/sboms?name=x", raw=b'{"bomFormat":"CycloneDX","components":[{"purl":"pkg:"}]}',
                        token=t)
        self.assertEqual(r.status, 400)
        self.assertTrue(r.field.startswith("components[0]"), r)
        r = self.s.post("/api/v1/sboms?name=x", raw=b'{"bomFormat": ', token=t)
        self.assertEqual((r.status, r.code), (400, "bad_json"))
        self.assertEqual(self.s.get("/api/v1/sboms/%d" % self.units["2.14.1"]["sbom"]["id"], t).status, 404)


class AlertText(unittest.TestCase):
    """Alert bodies are written as text around the record's facts: names with
    quotes, backslashes, control characters and non-ASCII text come out as
    the same JSON strings, and a byte that is not UTF-8 as U+FFFD."""

    def test_odd_sbom_names(self):
        rx = Receiver()
        s = Server()
        try:
            a = s.admin
            names = ['bill"ing\\ \t\x01 caf\u00e9 \U0001F600 \u4e2d\u6587 </x>', "plain"]
            units = []
            for i, name in enumerate(names):
                o = s.post("/api/v1/orgs", {"name": "Odd %d" % i, "kind": "industry"}, a).json
                u = s.post("/api/v1/users", {"org_id": o["id"], "name": "odd%d@t" % i, "role": "member"},
                           a).json
                t = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
                s.post("/api/v1/subscriptions", {"channel": "webhook", "url": rx.url + "/odd%d" % i,
                                                 "secret": SECRET}, t)
                q = "".join("%%%02X" % b for b in name.encode())
                r = s.post("/api/v1/sboms?name=" + q, raw=cdx(log4j("2.14.1")), token=t)
                self.assertEqual(r.status, 201, r)
                units.append((o["id"], t, name))
            bad = s.post("/api/v1/sboms?name=x%FFy", raw=cdx(log4j("2.12.1")), token=units[1][1])
            self.assertEqual((bad.status, bad.code, bad.field), (400, "invalid_field", "name"))
            self.assertEqual(s.get("/api/v1/sboms?cursor=%FF", units[1][1]).field, "cursor")
            self.assertEqual(s.get("/api/v1/vulns/GHSA-%FF", a).field, "path")
            c = s.post("/api/v1/cases", CASE, a).json["id"]
            for to in ("triaging", "confirmed"):
                self.assertEqual(s.post("/api/v1/cases/%s/transition" % c, {"to": to}, a).status, 200)
            for i, (org, t, name) in enumerate(units):
                got = rx.wait_for(lambda r, i=i: r["path"] == "/odd%d" % i and c.encode() in r["body"])
                self.assertTrue(got)
                want = "sha256=" + hmac.new(SECRET.encode(), got[0]["body"], hashlib.sha256).hexdigest()
                self.assertEqual(got[0]["headers"]["X-Vigil-Signature"], want)
                data = json.loads(got[0]["body"])["data"]
                sboms = sorted(x["sbom"] for x in data["components"])
                self.assertEqual(sboms, [name])
                self.assertEqual(data["org_id"], org)
                self.assertEqual(data["packages"], ["org.apache.logging.log4j:log4j-core"] * len(sboms))
                alert = [x for x in s.get("/api/v1/alerts", t).json["items"] if x["vuln"] == c][0]
                self.assertEqual(alert["alert"], data)
        finally:
            s.close()
            rx.close()


class AlertDurability(unittest.TestCase):
    """An alert's webhook is handed to the notifier in memory when the
    confirmation commits; the outbox row is in the store all the same: after
    kill -9 mid-delivery it is delivered again with the same idempotency key,
    and a unit is posted to once per delivery attempt."""

    def test_kill9_then_restart_redelivers_the_alert(self):
        rx = Receiver()
        s = Server(extra=["--webhook-backoff-ms", "200", "--webhook-timeout", "2"])
        try:
            a = s.admin
            o = s.post("/api/v1/orgs", {"name": "Runs old log4j", "kind": "industry"}, a).json
            u = s.post("/api/v1/users", {"org_id": o["id"], "name": "ops@old", "role": "member"}, a).json
            t = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
            s.post("/api/v1/subscriptions", {"channel": "webhook", "url": rx.url + "/old", "secret": SECRET}, t)
            self.assertEqual(s.post("/api/v1/sboms?name=app", raw=cdx(log4j("2.14.1")), token=t).status, 201)
            c = s.post("/api/v1/cases", CASE, a).json["id"]
            s.post("/api/v1/cases/%s/transition" % c, {"to": "triaging"}, a)
            rx.hold = 1.5  # the alert is still in flight when we kill
            self.assertEqual(s.post("/api/v1/cases/%s/transition" % c, {"to": "confirmed"}, a).status, 200)
            mine = lambda: [r for r in rx.requests if r["path"] == "/old" and c.encode() in r["body"]]
            self.assertTrue(rx.wait_for(lambda r: r["path"] == "/old" and c.encode() in r["body"]))
            self.assertEqual(len(mine()), 1)
            s.kill9()
            rx.hold = 0
            time.sleep(1.6)
            s.start()
            self.assertTrue(rx.wait_for(lambda r: len(mine()) >= 2, timeout=20), "not redelivered")
            self.assertEqual(len({r["headers"]["X-Vigil-Idempotency-Key"] for r in mine()}), 1)
            for r in mine():
                want = "sha256=" + hmac.new(SECRET.encode(), r["body"], hashlib.sha256).hexdigest()
                self.assertEqual(r["headers"]["X-Vigil-Signature"], want)
            self.assertEqual(json.loads(mine()[0]["body"]), json.loads(mine()[1]["body"]))
            time.sleep(1.0)  # delivered now: no third post
            self.assertEqual(len(mine()), 2)
        finally:
            s.close()
            rx.close()


class RealSboms(unittest.TestCase):
    """Uploads equal `vigil scan` on the same files against osv-records."""

    def test_uploads_match_scan(self):
        if not os.path.isdir(TD):
            if os.environ.get("CI") == "true":
                raise AssertionError("test data missing")
            self.skipTest("test data missing")
        s = Server()
        try:
            env = {"VIGIL_URL": s.url, "VIGIL_TOKEN": s.admin}
            p = run("import", "osv", os.path.join(TD, "osv-records"), env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            files = {"keycloak": "SBOM/keycloak-10.0.2/bom.json",
                     "juice-shop": "SBOM/juice-shop/v11.1.2/bom.json",
                     "laravel": "SBOM/laravel-7.12.0/bom.1.4.json",
                     "proton-bridge": "SBOM/proton-bridge/proton-bridge-v1.8.0.bom.json"}
            for name, rel in files.items():
                path = os.path.join(TD, "cyclonedx-bom-examples", rel)
                with open(path, "rb") as f:
                    up = s.post("/api/v1/sboms?name=" + name, raw=f.read(), token=s.admin)
                self.assertEqual(up.status, 201, (name, up))
                sc = run("scan", path, "--db", os.path.join(TD, "osv-records"), "--format", "json")
                self.assertIn(sc.returncode, (0, 1), sc.stderr)
                scan = json.loads(sc.stdout)
                self.assertEqual(up.json["components"], scan["components"], name)
                self.assertEqual(up.json["vulnerable"], scan["vulnerable"], name)
                mine = {(f["purl"], v["id"]) for f in up.json["findings"] for v in f["vulns"]}
                theirs = {(f["purl"], v["id"]) for f in scan["findings"] for v in f["vulns"]}
                self.assertEqual(mine, theirs, name)
                if name == "keycloak":
                    self.assertGreater(len(mine), 10)
                # the stored exposures name the same components (component ids are right)
                fx = s.get("/api/v1/sboms/%d/findings" % up.json["id"], s.admin).json["findings"]
                self.assertEqual({(e["purl"], e["vuln"]) for e in fx}, mine, name)
        finally:
            s.close()


if __name__ == "__main__":
    harness.main()
