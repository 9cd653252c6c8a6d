"""Integration tests for threat indicators against the real `vigil serve`:
plain JSON and STIX 2.1 submission (validation: nothing stored from a rejected
body), correlation of one observable reported by several units, sightings,
expiry and revocation, lookup correctness (CIDR edges, IPv6, IDN, subdomains,
URLs by host), the TLP x role matrix on every read path (REST, lookup, TAXII),
suspended units (CLEAR only), the index rebuilt at restart, `vigil lookup`,
and the disposal notice lifecycle."""
import datetime
import hashlib
import json
import os
import random
import sqlite3
import time
import unittest
import uuid

import harness
from harness import Server, run

TAXII = {"Accept": "application/taxii+json;version=2.1"}
COMMUNITY = "9ebd3174-7281-4ee5-83b9-8a0471679b40"
TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def now(delta=0):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta)


def sid(kind):
    return "%s--%s" % (kind, uuid.uuid4())


def indicator(pattern, tlp=None, **over):
    t = ts(now())
    o = {"type": "indicator", "spec_version": "2.1", "id": sid("indicator"), "created": t,
         "modified": t, "pattern": pattern, "pattern_type": "stix", "valid_from": t}
    if tlp:
        o["object_marking_refs"] = [TLP2[tlp]]
    o.update(over)
    return o


def bundle(*objs):
    return {"type": "bundle", "id": sid("bundle"), "objects": list(objs)}


class Indicators(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        s, a = cls.s, cls.s.admin
        cls.org, cls.tok, cls.user = {}, {"admin": a}, {}

        def user(key, org_id, role):
            u = s.post("/api/v1/users", {"org_id": org_id, "name": key + "@ioc", "role": role},
                       a).json
            cls.user[key] = u["name"]
            cls.tok[key] = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]

        def unit(key, name, kind, role="member"):
            o = s.post("/api/v1/orgs", {"name": name, "kind": kind}, a).json
            cls.org[key] = o["id"]
            user(key, o["id"], role)

        cls.org["operator"] = s.get("/api/v1/me", a).json["org_id"]
        user("analyst", cls.org["operator"], "analyst")
        unit("A", "Monitor A", "member")
        unit("B", "Monitor B", "member")
        unit("C", "Industry C", "industry")
        unit("D", "Soon Suspended D", "member")
        unit("T", "Telco T", "member")
        user("Areader", cls.org["A"], "reader")
        user("opreader", cls.org["operator"], "reader")
        unit("V", "Vendor V", "vendor", "vendor")

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def submit(self, who, items, status=201):
        r = self.s.post("/api/v1/indicators", {"indicators": items}, self.tok[who])
        self.assertEqual(r.status, status, r)
        return r

    def lookup(self, who, values, **kw):
        body = {"values": values}
        body.update(kw)
        r = self.s.post("/api/v1/indicators/lookup", body, self.tok[who])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["value"] for x in r.json["results"]], values)
        return r.json["results"]

    def hit(self, who, value):
        return self.lookup(who, [value])[0]["hit"]

    # ---- submission ----

    def test_plain_submission_normalises(self):
        r = self.submit("A", [
            {"type": "ip", "value": "2001:DB8:0:0:0:0:0:1", "tlp": "green"},
            {"type": "domain", "value": "BÜCHER.example.", "tlp": "green", "labels": ["phishing"]},
            {"type": "url", "value": "HTTP://Shop.Example.NET:80/a/./b/../pay?x=%7e", "tlp": "green"},
            {"type": "email", "value": "Boss@MAIL.Example.org", "tlp": "green"},
            {"type": "md5", "value": "D41D8CD98F00B204E9800998ECF8427E", "tlp": "green"},
            {"type": "phone", "value": "0086 138-0013-8001", "tlp": "green"},
        ])
        vals = [i["value"] for i in r.json["indicators"]]
        self.assertEqual(vals, ["2001:db8::1", "xn--bcher-kva.example", "http://shop.example.net/a/pay?x=~",
                                "Boss@mail.example.org", "d41d8cd98f00b204e9800998ecf8427e",
                                "+8613800138001"])
        self.assertEqual(r.json["stored"], 6)
        got = self.s.get("/api/v1/indicators/%d" % r.json["indicators"][1]["id"], self.tok["A"]).json
        self.assertEqual(got["sources"][0]["labels"], ["phishing"])
        self.assertEqual(got["sources"][0]["org_id"], self.org["A"])
        # the STIX form is served over TAXII
        stix_id = r.json["indicators"][1]["stix_id"]
        t = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/%s/" % (COMMUNITY, stix_id),
                           token=self.tok["A"], headers=TAXII)
        self.assertEqual(t.status, 200, t)
        obj = t.json["objects"][0]
        self.assertEqual(obj["pattern"], "[domain-name:value = 'xn--bcher-kva.example']")
        self.assertEqual(obj["object_marking_refs"], [TLP2["green"]])
        self.assertIn("phishing", obj["indicator_types"])

    def test_rejected_body_stores_nothing(self):
        cases = [
            ([{"type": "ip", "value": "192.0.2.200"}, {"type": "ip", "value": "999.1.1.1"}],
             "invalid_field", "indicators[1].value"),
            ([{"type": "ip", "value": "192.0.2.200"}, {"type": "ipx", "value": "1.1.1.1"}],
             "invalid_field", "indicators[1].type"),
            ([{"type": "ip", "value": "192.0.2.200"}, {"value": "1.1.1.1"}],
             "missing_field", "indicators[1].type"),
            ([{"type": "ip", "value": "192.0.2.200", "colour": "red"}],
             "unknown_field", "indicators[0].colour"),
            ([{"type": "ip", "value": "192.0.2.200", "tlp": "purple"}],
             "invalid_field", "indicators[0].tlp"),
            ([{"type": "ip", "value": "192.0.2.200", "confidence": 101}],
             "invalid_field", "indicators[0].confidence"),
            ([{"type": "ip", "value": "192.0.2.200", "valid_from": "2026-01-02T00:00:00Z",
               "valid_until": "2026-01-01T00:00:00Z"}], "invalid_field", "indicators[0].valid_until"),
            ([{"type": "ip", "value": "192.0.2.200", "recipients": [999999]}],
             "invalid_field", "indicators[0].recipients"),
        ]
        for items, code, field in cases:
            r = self.s.post("/api/v1/indicators", {"indicators": items}, self.tok["A"])
            self.assertEqual((r.status, r.code, r.field), (400, code, field), r)
        r = self.s.post("/api/v1/indicators", raw=b'{"indicators": [', token=self.tok["A"])
        self.assertEqual((r.status, r.code), (400, "bad_json"))
        r = self.s.post("/api/v1/indicators", {"indicators": []}, self.tok["A"])
        self.assertEqual((r.status, r.code), (400, "invalid_field"))
        self.assertFalse(self.hit("A", "192.0.2.200"))
        # an invalid STIX object fails the whole bundle, naming its path
        good = indicator("[ipv4-addr:value = '192.0.2.201']", "green")
        bad = indicator("[ipv4-addr:value = '192.0.2.202'", "green")
        r = self.s.post("/api/v1/indicators", bundle(good, bad), self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "objects[1].pattern"), r)
        self.assertFalse(self.hit("A", "192.0.2.201"))

    def test_auth_and_roles(self):
        r = self.s.post("/api/v1/indicators", {"indicators": [{"type": "ip", "value": "192.0.2.9"}]})
        self.assertEqual((r.status, r.code), (401, "unauthorized"))
        r = self.s.post("/api/v1/indicators/lookup", {"values": ["192.0.2.9"]})
        self.assertEqual(r.status, 401)
        r = self.s.post("/api/v1/indicators", {"indicators": [{"type": "ip", "value": "192.0.2.9"}]},
                        self.tok["Areader"])
        self.assertEqual((r.status, r.code), (403, "forbidden"))
        r = self.s.post("/api/v1/indicators/lookup", {"values": ["x"] * 100001}, self.tok["A"])
        self.assertEqual((r.status, r.code), (413, "too_large"))
        r = self.s.post("/api/v1/indicators/lookup", {"values": ["a", 7]}, self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "values[1]"))
        r = self.s.post("/api/v1/indicators/lookup", {"vals": []}, self.tok["A"])
        self.assertEqual((r.status, r.code), (400, "unknown_field"))
        r = self.s.post("/api/v1/indicators/lookup", {"type": "url"}, self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "missing_field", "values"))
        r = self.s.post("/api/v1/indicators/lookup", {"values": [], "type": 7}, self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "type"))
        r = self.s.post("/api/v1/indicators/lookup", {"values": "192.0.2.9"}, self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "values"))
        for raw in (b'{"values": ["192.0.2.9"]', b'{"values": [], "values": []}', b'["192.0.2.9"]',
                    b'{"values": ["\\u0000"]}', b'{"values": ["\xff"]}'):
            r = self.s.post("/api/v1/indicators/lookup", None, self.tok["A"], raw=raw)
            self.assertEqual((r.status, r.code), (400, "bad_json"), raw)

    def test_stix_bundle(self):
        ind = indicator("[ipv4-addr:value = '198.51.100.20' OR domain-name:value = 'c2.bundle.example']"
                        " AND [file:hashes.'SHA-256' = '%s']" % ("ab" * 32), "green",
                        labels=["malicious-activity"], confidence=85)
        ident = {"type": "identity", "spec_version": "2.1", "id": sid("identity"),
                 "created": ind["created"], "modified": ind["created"], "name": "Monitor A"}
        sco = {"type": "domain-name", "spec_version": "2.1", "id": sid("domain-name"),
               "value": "sco.bundle.example", "object_marking_refs": [TLP2["green"]]}
        sight = {"type": "sighting", "spec_version": "2.1", "id": sid("sighting"),
                 "created": ind["created"], "modified": ind["created"],
                 "sighting_of_ref": ind["id"], "count": 4, "object_marking_refs": [TLP2["green"]]}
        r = self.s.post("/api/v1/indicators", bundle(ident, ind, sco), self.tok["A"])
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["objects"], r.json["stored"], r.json["indicators_reported"]), (3, 3, 4))
        res = self.lookup("C", ["198.51.100.20", "www.c2.bundle.example", "AB" * 32,
                                "sco.bundle.example"])
        self.assertTrue(all(x["hit"] for x in res), res)
        self.assertEqual(res[0]["matches"][0]["confidence"], 85)
        self.assertEqual(res[1]["matches"][0]["match"], "parent")
        # the sighting, sent later, counts against every observable of the indicator
        r = self.s.post("/api/v1/indicators", bundle(sight), self.tok["B"])
        self.assertEqual((r.status, r.json["sightings"]), (201, 3), r)
        iid = res[0]["matches"][0]["id"]
        got = self.s.get("/api/v1/indicators/%d" % iid, self.tok["C"]).json
        self.assertEqual(got["sighting_count"], 4)
        # the same object version again is a duplicate, not a second report
        r = self.s.post("/api/v1/indicators", bundle(ind), self.tok["A"])
        self.assertEqual((r.json["stored"], r.json["duplicates"]), (0, 1))
        got = self.s.get("/api/v1/indicators/%d" % iid, self.tok["A"]).json
        self.assertEqual(got["sources"][0]["reports"], 1)

    def test_large_bodies(self):
        """Bodies of 256 objects or more are checked by a second thread while
        they are stored: the same answers, and nothing stored when one fails."""
        n = 1500
        ips = ["198.18.%d.%d" % (i // 250, i % 250 + 1) for i in range(n)]
        objs = [indicator("[ipv4-addr:value = '%s']" % v, "green") for v in ips]
        # an invalid object late in the bundle: 400 naming it, nothing stored
        bad = list(objs)
        bad[1400] = dict(bad[1400], pattern="[ipv4-addr:value = '198.18.9.9'")
        r = self.s.post("/api/v1/indicators", bundle(*bad), self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "objects[1400].pattern"), r)
        self.assertFalse(any(x["hit"] for x in self.lookup("A", [ips[0], ips[1399], ips[1499]])))
        # a wrong TLP/recipients early and an invalid object later: the invalid
        # object is the answer, as when every object was checked first
        bad[3] = dict(bad[3], x_vigil_recipients=[])
        r = self.s.post("/api/v1/indicators", bundle(*bad), self.tok["A"])
        self.assertEqual((r.status, r.field), (400, "objects[1400].pattern"), r)
        bad[1400] = objs[1400]
        r = self.s.post("/api/v1/indicators", bundle(*bad), self.tok["A"])
        self.assertEqual((r.status, r.field), (400, "objects[3].x_vigil_recipients"), r)
        self.assertFalse(self.hit("A", ips[0]))
        # plain JSON: the first bad entry, late
        items = [{"type": "ip", "value": v, "tlp": "green"} for v in ips]
        items[1200] = {"type": "ip", "value": "198.18.999.1"}
        r = self.s.post("/api/v1/indicators", {"indicators": items}, self.tok["A"])
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "indicators[1200].value"), r)
        self.assertFalse(self.hit("A", ips[0]))
        # the whole bundle: every object stored, in order, and found; the
        # audit entry holds the digest of the body as sent (taken along with
        # the objects by the second thread)
        whole = bundle(*objs)
        r = self.s.post("/api/v1/indicators", whole, self.tok["A"])
        self.assertEqual(r.status, 201, r)
        digest = hashlib.sha256(json.dumps(whole).encode()).hexdigest()
        audit = self.s.get("/api/v1/audit?limit=1000", self.tok["admin"]).json["items"]
        self.assertTrue(any(e["action"] == "indicator.submit" and digest in json.dumps(e)
                            for e in audit), digest)
        self.assertEqual((r.json["stored"], r.json["indicators_reported"]), (n, n))
        self.assertEqual([x["value"] for x in r.json["indicators"]], ips[:1000])
        self.assertTrue(all(x["hit"] for x in self.lookup("C", ips)))
        r = self.s.post("/api/v1/indicators", bundle(*objs), self.tok["A"])
        self.assertEqual((r.status, r.json["stored"], r.json["duplicates"]), (201, 0, n), r)
        # stored as sent, in order, on the TAXII side
        t = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/?match[id]=%s,%s" %
                           (COMMUNITY, objs[0]["id"], objs[n - 1]["id"]),
                           token=self.tok["A"], headers=TAXII)
        self.assertEqual(t.status, 200, t)
        self.assertEqual(t.json["objects"], [objs[0], objs[n - 1]])

    # ---- correlation, sightings, expiry ----

    # ---- a bundle read a piece at a time ----

    def stream_pair(self, who, head, texts, tail=""):
        """Posts the bundle {head, "objects": [texts...] tail} as it is (read
        a piece at a time) and again with one more member after the objects
        whose key has an escape (that body is parsed whole first, as before:
        the same errors at the same offsets). Returns both answers, the
        offset of each object's text."""
        enc = lambda x: x.encode("utf-8", "surrogateescape")  # "\udcff": a byte 0xff
        pre = '{%s, "objects": [' % head
        offs, pos = [], len(enc(pre))
        for t in texts:
            offs.append(pos)
            pos += len(enc(t)) + 2
        body = pre + ", ".join(texts) + "]" + tail
        streamed = self.s.post("/api/v1/indicators", None, self.tok[who], raw=enc(body + "}"))
        whole = self.s.post("/api/v1/indicators", None, self.tok[who],
                            raw=enc(body + ', "x_\\u0070ad": 1}'))
        return streamed, whole, offs

    def assert_same_answer(self, streamed, whole, status, code=None, msg=None):
        self.assertEqual((streamed.status, streamed.code), (status, code or streamed.code), streamed)
        self.assertEqual((streamed.status, streamed.json), (whole.status, whole.json))
        if msg is not None:
            self.assertEqual(streamed.json["error"]["message"], msg, streamed)

    def test_streamed_bundles(self):
        """Bodies of every size go through the pipeline without a parse of
        the whole first (objects parsed one by one by the preparing thread,
        in a ring of 2048 items past that size): the answers of the whole
        parse, a syntax error anywhere first, nothing stored from a rejected
        body."""
        for n in (3, 600, 5000):
            base = {3: 100, 600: 110, 5000: 120}[n]
            ips = ["198.19.%d.%d" % (base + i // 250, i % 250 + 1) for i in range(n)]
            objs = [indicator("[ipv4-addr:value = '%s']" % v, "green") for v in ips]
            texts = [json.dumps(o) for o in objs]
            head = '"type": "bundle", "id": "%s"' % sid("bundle")
            last = n - 1

            def variant(i, old, new):
                t = list(texts)
                self.assertIn(old, t[i])
                t[i] = t[i].replace(old, new, 1)
                return t, len(t[i][:t[i].index(new)].encode())

            def nothing_stored():
                self.assertFalse(any(x["hit"] for x in self.lookup("A", [ips[0], ips[last]])))

            # not JSON, in the last object: a control byte, bad UTF-8, a key
            # twice, too deep; the message's offset counts in the whole body
            for old, new, why in (("'%s'" % ips[last], "'\x01'", "control character 0x01 in string"),
                                  ("'%s'" % ips[last], "'\udcff'", "invalid UTF-8 byte 0xff"),
                                  ('"created"', '"valid_from": "x", "created"', None),
                                  ('"spec_version"', '"x_deep": %s1%s, "spec_version"' %
                                   ("[" * 2046, "]" * 2046), "nested deeper than 2048 levels"),
                                  ('}', '}}', None)):
                t, at = variant(last, old, new)
                st, wh, offs = self.stream_pair("A", head, t)
                if why is not None:
                    skip = 1 if why.startswith("control") or why.startswith("invalid UTF") else 0
                    if why.startswith("nested"):
                        skip = len('"x_deep": ') + 2045
                    msg = "invalid JSON at byte %d: %s" % (offs[last] + at + skip, why)
                else:
                    msg = None
                self.assert_same_answer(st, wh, 400, "bad_json", msg)
                nothing_stored()
            # an invalid object, and a syntax error after it: the syntax error
            t, _ = variant(1, "'%s'" % ips[1], "'%s'" % ips[1] + "x")
            t2, at = variant(last, '"type"', '"type"::')
            t2[1] = t[1]
            for body in (t, t2):
                st, wh, offs = self.stream_pair("A", head, body)
                if body is t:
                    self.assert_same_answer(st, wh, 400, "invalid_field")
                    self.assertEqual(st.field, "objects[1].pattern")
                else:
                    self.assert_same_answer(st, wh, 400, "bad_json",
                                            "invalid JSON at byte %d: unexpected ':': a value is expected"
                                            % (offs[last] + at + 7))
                nothing_stored()
            # wrong recipients early, an invalid object late: the object
            t, _ = variant(0, '"type"', '"x_vigil_recipients": [], "type"')
            t[last] = t[last].replace("'%s'" % ips[last], "'%s'x" % ips[last])
            st, wh, _ = self.stream_pair("A", head, t)
            self.assert_same_answer(st, wh, 400, "invalid_field")
            self.assertEqual(st.field, "objects[%d].pattern" % last)
            t[last] = texts[last]
            st, wh, _ = self.stream_pair("A", head, t)
            self.assert_same_answer(st, wh, 400, "invalid_field")
            self.assertEqual(st.field, "objects[0].x_vigil_recipients")
            # a recipient unknown to the store (the writer's error) late
            t, _ = variant(last, '"type"', '"x_vigil_recipients": [999999], "type"')
            st, wh, _ = self.stream_pair("A", head, t)
            self.assert_same_answer(st, wh, 400)
            nothing_stored()
            # not allowed to submit, a bad bundle id, a bad member after the
            # objects: a syntax error anywhere first, else that answer
            bad, at = variant(last, '"type"', '"type":: ')
            for who, hd, tail, code in (("Areader", head, "", "forbidden"),
                                        ("A", '"type": "bundle", "id": "bundle--1"', "", "invalid_field"),
                                        ("A", head, ', "spec_version": "2.1"', "invalid_field"),
                                        ("A", head, ', "x_after": tru', "bad_json"),
                                        ("A", head, ', "x_after": 1, "x_after": 2', "bad_json")):
                st, wh, offs = self.stream_pair(who, hd, texts, tail)
                self.assert_same_answer(st, wh, 403 if code == "forbidden" else 400, code)
                st, wh, offs = self.stream_pair(who, hd, bad, tail)
                self.assert_same_answer(st, wh, 400, "bad_json",
                                        "invalid JSON at byte %d: unexpected ':': a value is expected"
                                        % (offs[last] + at + 7))
                nothing_stored()
            # the whole bundle: stored, found, the digest of the body as sent
            raw = ('{%s, "objects": [%s]}' % (head, ", ".join(texts))).encode()
            r = self.s.post("/api/v1/indicators", None, self.tok["A"], raw=raw)
            self.assertEqual((r.status, r.json["objects"], r.json["stored"],
                              r.json["indicators_reported"]), (201, n, n, n), r)
            self.assertTrue(all(x["hit"] for x in self.lookup("C", [ips[0], ips[n // 2], ips[last]])))
            digest = hashlib.sha256(raw).hexdigest()
            audit = self.s.get("/api/v1/audit?limit=1000", self.tok["admin"]).json["items"]
            self.assertTrue(any(e["action"] == "indicator.submit" and digest in json.dumps(e)
                                for e in audit), digest)
            # every object stored as received (compact), the last one too
            for i in (0, last):
                got = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/%s/" % (COMMUNITY, objs[i]["id"]),
                                     token=self.tok["A"], headers=TAXII)
                self.assertEqual(got.status, 200, got)
                self.assertEqual(got.json["objects"][0], objs[i])

    def test_streamed_body_given_back(self):
        """A streamed body of some MiB: its pages are given back to the system
        as they are read (1 MiB at a time or more): every object still stored as
        sent, the digest of the body as sent, and a late error still found."""
        n = 2100
        ips = ["198.19.%d.%d" % (200 + i // 250, i % 250 + 1) for i in range(n)]
        objs = [indicator("[ipv4-addr:value = '%s']" % v, "green", description="%05d" % i + "d" * 3800)
                for i, v in enumerate(ips)]
        texts = [json.dumps(o) for o in objs]
        head = '"type": "bundle", "id": "%s"' % sid("bundle")
        bad = list(texts)
        bad[-1] = bad[-1].replace('"type"', '"type"::', 1)
        st, wh, offs = self.stream_pair("A", head, bad)
        self.assert_same_answer(st, wh, 400, "bad_json", "invalid JSON at byte %d: unexpected ':': a"
                                " value is expected" % (offs[-1] + bad[-1].index('::') + 1))
        self.assertFalse(self.hit("A", ips[0]))
        raw = ('{%s, "objects": [%s]}' % (head, ", ".join(texts))).encode()
        self.assertGreater(len(raw), 8 << 20)
        r = self.s.post("/api/v1/indicators", None, self.tok["A"], raw=raw)
        self.assertEqual((r.status, r.json["stored"], r.json["indicators_reported"]), (201, n, n), r)
        digest = hashlib.sha256(raw).hexdigest()
        audit = self.s.get("/api/v1/audit?limit=1000", self.tok["admin"]).json["items"]
        self.assertTrue(any(e["action"] == "indicator.submit" and digest in json.dumps(e)
                            for e in audit), digest)
        for i in (0, 1, 700, 1500, n - 1):
            got = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/%s/" % (COMMUNITY, objs[i]["id"]),
                                 token=self.tok["A"], headers=TAXII)
            self.assertEqual((got.status, got.json["objects"][0]), (200, objs[i]))

    def test_streamed_mutations(self):
        """Small bundles with a byte or two replaced, added or dropped anywhere
        (seeded): read a piece at a time or parsed whole, the same answer."""
        rnd = random.Random(6)
        toks = " \t\n{}[]\",:\\0123456789-+.eEtrufalsn\x01\x7f\u00e9\udcff"
        enc = lambda x: x.encode("utf-8", "surrogateescape")
        for rnd_i in range(80):
            n = rnd.choice([2, 3, 300])
            objs = [indicator("[ipv4-addr:value = '198.19.%d.%d']" % (230 + i // 250, i % 250 + 1),
                              "green", labels=["x\u00e9\"y"], x_n=[1, 2.5, {"k": None}])
                    for i in range(n)]
            head = '"type": "bundle", "id": "%s"' % sid("bundle")
            texts = [json.dumps(o) for o in objs]
            b = list('{%s, "objects": [%s]' % (head, ", ".join(texts)))
            for _ in range(rnd.choice([1, 1, 2])):
                region = rnd.choice(["head", "tail", "any"])
                if region == "head":
                    pos = rnd.randrange(0, len(head) + 15)
                elif region == "tail":
                    pos = rnd.randrange(max(0, len(b) - 3 * len(texts[-1])), len(b))
                else:
                    pos = rnd.randrange(0, len(b))
                op, c = rnd.random(), rnd.choice(toks)
                if op < 0.5:
                    b[pos] = c
                elif op < 0.75:
                    b.insert(pos, c)
                else:
                    del b[pos]
            body = "".join(b)
            r1 = self.s.post("/api/v1/indicators", None, self.tok["A"], raw=enc(body + "}"))
            r2 = self.s.post("/api/v1/indicators", None, self.tok["A"], raw=enc(body + ', "x_\\u0070ad": 1}'))
            if r1.status == 201:  # the second is a duplicate of the first
                self.assertEqual((r2.status, r2.json["objects"], r2.json["stored"] + r2.json["duplicates"]),
                                 (201, r1.json["objects"], r1.json["stored"] + r1.json["duplicates"]), body)
            else:
                self.assertEqual((r1.status, r1.json), (r2.status, r2.json), body)

    def test_repeats_across_chunks(self):
        """A bundle past the ring's size (5,000 objects: the store's key
        hashes taken by the preparing thread, key slots fetched ahead by the
        writer) whose values and ids come back across chunk boundaries
        correlates as one entity per value and one source per unit, counts
        the duplicates, and stores new versions of an id."""
        n, nv = 5000, 700
        vals = ["100.96.%d.%d" % (i // 200, i % 200 + 1) for i in range(nv)]
        objs = []
        for i in range(n):
            v = vals[(i * 7) % nv]
            if i % 11 == 0:  # two observables, the second one's hash too
                pat = "[ipv4-addr:value = '%s' OR ipv4-addr:value = '%s']" % (v, vals[(i + 1) % nv])
            else:
                pat = "[ipv4-addr:value = '%s']" % v
            objs.append(indicator(pat, "green"))
        for k in range(100):  # the same id and version again, chunks later
            objs[3000 + k] = objs[10 + k]
        newer = ts(now(5))
        for k in range(20):  # the same id, a newer version
            objs[4900 + k] = dict(objs[200 + k], modified=newer)
        want = {}
        reported, stored, dups, seen = 0, 0, 0, set()
        for o in objs:
            key = (o["id"], o["modified"])
            if key in seen:
                dups += 1
                continue
            seen.add(key)
            stored += 1
            for v in o["pattern"].split("'")[1::2]:
                want[v] = want.get(v, 0) + 1
                reported += 1
        r = self.s.post("/api/v1/indicators", bundle(*objs), self.tok["T"])
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["stored"], r.json["duplicates"], r.json["indicators_reported"]),
                         (stored, dups, reported))
        ids = {}
        for x in r.json["indicators"]:  # one entity per value, whatever the chunk
            self.assertEqual(ids.setdefault(x["value"], x["id"]), x["id"], x)
        self.assertEqual(len(set(ids.values())), len(ids))
        for res in self.lookup("T", vals):
            self.assertEqual(len(res["matches"]), 1 if res["value"] in want else 0, res)
            if res["value"] not in want:
                continue
            self.assertEqual(res["matches"][0]["sources"], 1, res)
            if res["value"] in ids:
                self.assertEqual(res["matches"][0]["id"], ids[res["value"]])
        for v in sorted(want)[::9]:
            lst = self.s.get("/api/v1/indicators?type=ip&value=%s" % v, self.tok["T"]).json
            self.assertEqual(len(lst["items"]), 1, lst)
            src = lst["items"][0]["sources"]
            self.assertEqual([(x["org_id"], x["reports"]) for x in src], [(self.org["T"], want[v])])
        t = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/?match[id]=%s&match[version]=all"
                           % (COMMUNITY, objs[200]["id"]), token=self.tok["T"], headers=TAXII)
        self.assertEqual(t.status, 200, t)
        self.assertEqual(len(t.json["objects"]), 2, t.json)

    def test_big_ingest_seen_at_commit(self):
        """A big ingest's new sources enter the lookup index while it runs
        (ioc_lookup.c's follower), seen by nobody until it commits: a bundle
        rejected at its last object leaves no hit (its sources' ids are given
        again to the next), the next one's values hit as themselves, and a
        big ingest that only refreshes sources (the same unit again, now RED)
        changes what lookups see once it commits."""
        n = 12000
        def ips(c):
            return ["100.%d.%d.%d" % (c, i // 250, i % 250 + 1) for i in range(n)]
        bad, good = ips(80), ips(81)
        objs = [indicator("[ipv4-addr:value = '%s']" % v, "green") for v in bad]
        objs[-1]["pattern"] = "[ipv4-addr:value = ]"
        r = self.s.post("/api/v1/indicators", bundle(*objs), self.tok["A"])
        self.assertEqual(r.status, 400, r)
        self.assertFalse(any(x["hit"] for x in self.lookup("C", bad[::97])))
        r = self.s.post("/api/v1/indicators", bundle(
            *[indicator("[ipv4-addr:value = '%s']" % v, "green") for v in good]), self.tok["A"])
        self.assertEqual(r.status, 201, r)
        self.assertFalse(any(x["hit"] for x in self.lookup("C", bad[::97])))
        res = self.lookup("C", good[::97])
        self.assertTrue(all(x["hit"] and [m["value"] for m in x["matches"]] == [x["value"]]
                            for x in res), res)
        r = self.s.post("/api/v1/indicators", bundle(
            *[indicator("[ipv4-addr:value = '%s']" % v, "red") for v in good]), self.tok["A"])
        self.assertEqual(r.status, 201, r)
        self.assertFalse(any(x["hit"] for x in self.lookup("C", good[::97])))
        res = self.lookup("A", good[::97])
        self.assertTrue(all(x["hit"] and x["matches"][0]["tlp"] == "red" for x in res), res)

    def test_correlation_across_units(self):
        self.submit("A", [{"type": "ip", "value": "203.0.113.50", "tlp": "green", "confidence": 40}])
        time.sleep(0.01)
        self.submit("B", [{"type": "ip", "value": "203.0.113.50", "tlp": "green", "confidence": 90,
                           "labels": ["botnet"]}])
        self.submit("A", [{"type": "ip", "value": "203.0.113.50", "tlp": "green", "confidence": 60}])
        m = self.lookup("C", ["203.0.113.50"])[0]["matches"]
        self.assertEqual(len(m), 1)
        self.assertEqual((m[0]["sources"], m[0]["confidence"]), (2, 90))
        got = self.s.get("/api/v1/indicators/%d" % m[0]["id"], self.tok["C"]).json
        self.assertEqual(got["source_count"], 2)
        by = {s["org_id"]: s for s in got["sources"]}
        self.assertEqual(by[self.org["A"]]["reports"], 2)
        self.assertEqual(by[self.org["A"]]["confidence"], 60)
        self.assertEqual(by[self.org["B"]]["labels"], ["botnet"])
        self.assertLessEqual(got["first_seen"], got["last_seen"])
        lst = self.s.get("/api/v1/indicators?type=ip&value=203.0.113.50", self.tok["C"]).json
        self.assertEqual([i["id"] for i in lst["items"]], [m[0]["id"]])

    def test_sightings(self):
        r = self.submit("A", [{"type": "domain", "value": "sighted.example", "tlp": "green"}])
        iid = r.json["indicators"][0]["id"]
        r = self.s.post("/api/v1/indicators/%d/sightings" % iid, {"count": 3, "note": "seen at edge",
                                                                  "tlp": "green"}, self.tok["B"])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["sighting_count"], 3)
        r = self.s.post("/api/v1/indicators/%d/sightings" % iid, {}, self.tok["C"])
        self.assertEqual(r.json["sighting_count"], 4)
        r = self.s.post("/api/v1/indicators/%d/sightings" % iid, {"count": 0}, self.tok["C"])
        self.assertEqual((r.status, r.field), (400, "count"))
        r = self.s.post("/api/v1/indicators/999999/sightings", {}, self.tok["C"])
        self.assertEqual((r.status, r.code), (404, "not_found"))

    def test_expiry_and_revocation(self):
        self.submit("A", [
            {"type": "ip", "value": "192.0.2.77", "tlp": "green",
             "valid_from": ts(now(-7200)), "valid_until": ts(now(-3600))},
            {"type": "ip", "value": "192.0.2.78", "tlp": "green", "valid_until": ts(now(2))},
        ])
        self.assertFalse(self.hit("B", "192.0.2.77"))
        self.assertTrue(self.hit("B", "192.0.2.78"))
        self.submit("A", [{"type": "ip", "value": "192.0.2.76", "tlp": "green",
                           "valid_from": ts(now(3600))}])
        self.assertFalse(self.hit("B", "192.0.2.76"))  # not valid yet
        time.sleep(2.2)
        self.assertFalse(self.hit("B", "192.0.2.78"))
        got = self.s.get("/api/v1/indicators?type=ip&value=192.0.2.78", self.tok["B"]).json["items"][0]
        self.assertFalse(got["active"])
        ind = indicator("[ipv4-addr:value = '192.0.2.79']", "green")
        self.s.post("/api/v1/indicators", bundle(ind), self.tok["A"])
        self.assertTrue(self.hit("B", "192.0.2.79"))
        rev = dict(ind, modified=ts(now(1)), revoked=True)
        r = self.s.post("/api/v1/indicators", bundle(rev), self.tok["A"])
        self.assertEqual(r.status, 201, r)
        self.assertFalse(self.hit("B", "192.0.2.79"))

    # ---- lookup correctness ----

    def test_lookup_edges(self):
        self.submit("A", [
            {"type": "ip", "value": "10.20.0.0/16", "tlp": "green"},
            {"type": "ip", "value": "172.31.255.254/31", "tlp": "green"},
            {"type": "ip", "value": "2001:db8:aa00::/40", "tlp": "green"},
            {"type": "ip", "value": "2001:db8:ffff::1", "tlp": "green"},
            {"type": "domain", "value": "evil-parent.example", "tlp": "green"},
            {"type": "domain", "value": "müller-phish.example", "tlp": "green"},
            {"type": "url", "value": "http://drop.example.com/x.exe", "tlp": "green"},
            {"type": "domain", "value": "hosting-bad.example", "tlp": "green"},
            {"type": "sha1", "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "tlp": "green"},
        ])
        cases = [
            ("10.20.0.0", True, "cidr"), ("10.20.255.255", True, "cidr"), ("10.19.255.255", False, None),
            ("10.21.0.0", False, None), ("10.20.7.0/24", True, "cidr"), ("10.0.0.0/8", False, None),
            ("172.31.255.254", True, "cidr"), ("172.31.255.255", True, "cidr"),
            ("172.31.255.253", False, None),
            ("::ffff:10.20.1.1", True, "cidr"),
            ("2001:db8:aa00::", True, "cidr"), ("2001:db8:aaff:ffff:ffff:ffff:ffff:ffff", True, "cidr"),
            ("2001:db8:ab00::", False, None), ("2001:DB8:FFFF:0:0:0:0:1", True, "exact"),
            ("2001:db8:ffff::2", False, None),
            ("evil-parent.example", True, "exact"), ("a.b.evil-parent.example", True, "parent"),
            ("EVIL-PARENT.EXAMPLE.", True, "exact"), ("notevil-parent.example", False, None),
            ("xn--mller-phish-thb.example", True, "exact"), ("MÜLLER-PHISH.example", True, "exact"),
            ("login.müller-phish.example", True, "parent"),
            ("HTTP://DROP.example.com:80/./x.exe", True, "exact"),
            ("https://hosting-bad.example/anything", True, "host"),
            ("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", True, "exact"),
        ]
        res = self.lookup("B", [c[0] for c in cases])
        for (value, hit, match), r in zip(cases, res):
            self.assertEqual(r["hit"], hit, (value, r))
            if hit:
                self.assertEqual(r["matches"][0]["match"], match, (value, r))
        res = self.lookup("B", ["http://[2001:db8:ffff::1]/x", "not a value", ""])
        self.assertTrue(res[0]["hit"], res)
        self.assertFalse(res[1]["hit"])
        self.assertIn("error", res[1])
        # a type hint applies to every value
        res = self.lookup("B", ["evil-parent.example"], type="url")
        self.assertEqual(res[0]["matches"][0]["match"], "host")

    def test_lookup_large_batch(self):
        self.submit("A", [{"type": "ip", "value": "100.64.%d.%d" % (i // 250, i % 250), "tlp": "green"}
                          for i in range(2000)])
        # 20,000 values: answered by two threads, results in request order
        values = ["100.64.%d.%d" % (i // 250, i % 250) for i in range(0, 40000, 2)]
        res = self.lookup("C", values)
        self.assertEqual(sum(r["hit"] for r in res), 1000)
        self.assertTrue(all(r["hit"] == (i * 2 < 2000) for i, r in enumerate(res)))

    def test_concurrent_lookups_and_submissions(self):
        import threading
        errors = []

        def writer(k):
            for j in range(10):
                r = self.s.post("/api/v1/indicators", {"indicators": [
                    {"type": "ip", "value": "100.%d.%d.%d" % (100 + k, j, i), "tlp": "green"}
                    for i in range(50)]}, self.tok["A"])
                if r.status != 201:
                    errors.append(r)

        def reader():
            for _ in range(20):
                r = self.s.post("/api/v1/indicators/lookup",
                                {"values": ["100.100.%d.%d" % (j, i) for j in range(10) for i in range(50)]},
                                self.tok["C"])
                if r.status != 200:
                    errors.append(r)

        ts_ = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
        ts_ += [threading.Thread(target=reader) for _ in range(4)]
        for t in ts_:
            t.start()
        for t in ts_:
            t.join()
        self.assertEqual(errors, [])
        res = self.lookup("C", ["100.100.9.49", "100.101.9.49"])
        self.assertEqual([r["hit"] for r in res], [True, True])

    # ---- TLP on every read path ----

    def test_tlp_matrix(self):
        vals = {t: "tlp-%s.matrix.example" % t.replace("+", "-") for t in TLP2}
        ids, stix = {}, []
        for t, v in vals.items():
            item = {"type": "domain", "value": v, "tlp": t}
            if t == "red":
                item["recipients"] = [self.org["B"]]
            got = self.submit("A", [item]).json["indicators"][0]
            ids[t] = got["id"]
            stix.append(got["stix_id"])
        expect = {
            "A": {"clear", "green", "amber", "amber+strict", "red"},
            "Areader": {"clear", "green", "amber", "amber+strict", "red"},
            "B": {"clear", "green", "red"},
            "C": {"clear", "green"},
            "analyst": {"clear", "green", "amber", "amber+strict"},
            "opreader": {"clear", "green"},  # operator staff are its admins and analysts
            "V": {"clear", "green"},
            "admin": {"clear", "green", "amber", "amber+strict"},
        }
        for who, want in expect.items():
            res = self.lookup(who, list(vals.values()))
            got = {t for t, r in zip(vals, res) if r["hit"]}
            self.assertEqual(got, want, "lookup by %s" % who)
            got = {t for t in vals
                   if self.s.get("/api/v1/indicators/%d" % ids[t], self.tok[who]).status == 200}
            self.assertEqual(got, want, "GET by %s" % who)
            got = set()
            for t in vals:
                lst = self.s.get("/api/v1/indicators?type=domain&value=" + vals[t], self.tok[who]).json
                if lst["items"]:
                    got.add(t)
            self.assertEqual(got, want, "list by %s" % who)
            r = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/?match[id]=%s"
                               % (COMMUNITY, ",".join(stix)), token=self.tok[who], headers=TAXII)
            patterns = " ".join(o["pattern"] for o in r.json.get("objects", []))
            got = {t for t, v in vals.items() if v in patterns}
            self.assertEqual(got, want, "TAXII by %s" % who)

    def test_suspended_unit_sees_clear_only(self):
        d = self.tok["D"]
        self.submit("D", [{"type": "domain", "value": "own-green.suspended.example", "tlp": "green"},
                          {"type": "domain", "value": "own-clear.suspended.example", "tlp": "clear"}])
        self.submit("A", [{"type": "domain", "value": "other-green.suspended.example", "tlp": "green"}])
        r = self.s.post("/api/v1/orgs/%d/suspend" % self.org["D"],
                        {"until": ts(now(86400)), "reason": "audit"}, self.tok["admin"])
        self.assertEqual(r.status, 200, r)
        try:
            res = self.lookup("D", ["own-green.suspended.example", "own-clear.suspended.example",
                                    "other-green.suspended.example"])
            self.assertEqual([x["hit"] for x in res], [False, True, False])
            r = self.s.post("/api/v1/indicators", {"indicators": [{"type": "ip", "value": "192.0.2.1"}]}, d)
            self.assertEqual((r.status, r.code), (403, "unit_suspended"))
            r = self.s.request("GET", "/taxii2/vigil/collections/%s/objects/?limit=1000" % COMMUNITY,
                               token=d, headers=TAXII)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["objects"])
            for o in r.json["objects"]:
                self.assertEqual(o.get("object_marking_refs"), [TLP2["clear"]], o)
            r = self.s.request("POST", "/taxii2/vigil/collections/%s/objects/" % COMMUNITY,
                               raw=json.dumps({"objects": []}).encode(), token=d,
                               headers=dict(TAXII, **{"Content-Type": "application/taxii+json;version=2.1"}))
            self.assertEqual(r.status, 403, r)
        finally:
            self.s.post("/api/v1/orgs/%d/reinstate" % self.org["D"], {"reason": "ok"}, self.tok["admin"])
        self.assertTrue(self.hit("D", "own-green.suspended.example"))

    # ---- restart, CLI ----

    def test_zy_references_hold(self):
        """Ingests run with SQLite's foreign-key checks off (their sources and
        sightings refer to indicators the same transaction upserted or found):
        after every submission of this class, bulk ones included, no row
        refers to a missing one, and the checks are on again for the rest."""
        import sqlite3
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.s.data, "vigil.db"), uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
            n = db.execute("SELECT count(*) FROM ioc_sources").fetchone()[0]
            self.assertGreater(n, 5000)
        finally:
            db.close()
        # (that the checks are on again after such a transaction is unit_ioc's
        # test_store_bulk_references); one more ingest, and still nothing dangles
        self.submit("A", [{"type": "ip", "value": "198.51.100.77"}])
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.s.data, "vigil.db"), uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
        finally:
            db.close()

    def test_zz_index_rebuilt_at_restart(self):
        self.submit("A", [{"type": "ip", "value": "198.18.0.0/15", "tlp": "green"},
                          {"type": "domain", "value": "restart.example", "tlp": "amber"}])
        self.s.stop()
        self.s.start()
        self.assertTrue(self.hit("C", "198.19.255.255"))
        self.assertFalse(self.hit("C", "restart.example"))
        self.assertTrue(self.hit("analyst", "x.restart.example"))

    def test_zz_sources_named_by_their_indicator(self):
        # migration 72: an indicator's row names its sources (iocs.srcs); a
        # store written before it is migrated at start, and sources are
        # found, added and refreshed through that list afterwards
        iid = self.submit("A", [{"type": "domain", "value": "srcs.example", "tlp": "green"}]).json[
            "indicators"][0]["id"]
        self.submit("B", [{"type": "domain", "value": "srcs.example", "tlp": "green"}])
        self.s.stop()
        db = sqlite3.connect(os.path.join(self.s.data, "vigil.db"))
        try:  # the store as it was before migration 72
            db.executescript(
                "ALTER TABLE iocs DROP COLUMN srcs;"
                "CREATE TABLE old (id INTEGER PRIMARY KEY, ioc_id INTEGER NOT NULL REFERENCES iocs(id),"
                " org_id INTEGER NOT NULL, stix_id TEXT NOT NULL, tlp INTEGER NOT NULL, confidence"
                " INTEGER NOT NULL, labels TEXT, recipients TEXT, valid_from INTEGER NOT NULL,"
                " valid_until INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
                " reports INTEGER NOT NULL DEFAULT 1, UNIQUE (ioc_id, org_id));"
                "INSERT INTO old SELECT * FROM ioc_sources;"
                "DROP TABLE ioc_sources; ALTER TABLE old RENAME TO ioc_sources;"
                "DELETE FROM schema_migrations WHERE version = 72;")
            db.commit()
        finally:
            db.close()
        self.s.start()
        orgs = lambda: sorted(x["org_id"] for x in self.s.get(
            "/api/v1/indicators/%d" % iid, self.tok["analyst"]).json["sources"])
        self.assertEqual(orgs(), sorted([self.org["A"], self.org["B"]]))
        self.submit("C", [{"type": "domain", "value": "srcs.example", "tlp": "green"}])
        self.submit("A", [{"type": "domain", "value": "srcs.example", "tlp": "green"}])
        self.assertEqual(orgs(), sorted([self.org["A"], self.org["B"], self.org["C"]]))
        got = self.s.get("/api/v1/indicators/%d" % iid, self.tok["analyst"]).json
        self.assertEqual([x["reports"] for x in got["sources"] if x["org_id"] == self.org["A"]], [2])
        lst = self.s.get("/api/v1/indicators?value=srcs.example&type=domain", self.tok["C"]).json
        self.assertEqual([x["id"] for x in lst["items"]], [iid])
        db = sqlite3.connect(os.path.join(self.s.data, "vigil.db"))
        try:
            n = db.execute("SELECT json_array_length(srcs) FROM iocs WHERE id = ?", (iid,)).fetchone()
            idx = db.execute("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'ioc_sources'"
                             " AND type = 'index'").fetchone()
        finally:
            db.close()
        self.assertEqual((n, idx), ((3,), (0,)))

    def test_cli_lookup(self):
        self.submit("A", [{"type": "domain", "value": "cli-lookup.example", "tlp": "green"}])
        env = {"VIGIL_URL": self.s.url, "VIGIL_TOKEN": self.tok["B"]}
        p = run("lookup", "-", stdin="www.cli-lookup.example\nclean.example\n\n", env=env)
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stdout.strip().splitlines()
        self.assertEqual(len(lines), 2, p.stdout)
        self.assertIn("www.cli-lookup.example", lines[0])
        self.assertIn("hit", lines[0])
        self.assertIn("parent", lines[0])
        self.assertIn("clean.example", lines[1])
        p = run("lookup", "-", "--format", "json", stdin="clean.example\n", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["results"][0]["hit"], False)
        path = os.path.join(self.s.dir.name, "values.txt")
        with open(path, "w") as f:
            f.write("cli-lookup.example\n")
        p = run("lookup", path, env=env)
        self.assertEqual(p.returncode, 1, p.stderr)
        p = run("lookup", "/nonexistent/file", env=env)
        self.assertEqual(p.returncode, 2)
        p = run("lookup", "-", stdin="x.example\n", env={"VIGIL_URL": self.s.url, "VIGIL_TOKEN": "vg_bad"})
        self.assertEqual(p.returncode, 2)

    # ---- disposal notices ----

    def test_disposal_lifecycle(self):
        s, an, t, c = self.s, self.tok["analyst"], self.tok["T"], self.tok["C"]
        iid = self.submit("A", [{"type": "domain", "value": "dispose.example", "tlp": "green"}]).json[
            "indicators"][0]["id"]
        r = s.post("/api/v1/disposals", {"title": "Phishing site", "threat": "credential phishing",
                                         "indicator_id": iid}, self.tok["A"])
        self.assertEqual((r.status, r.code), (403, "forbidden"))
        r = s.post("/api/v1/disposals", {"title": "Phishing site"}, an)
        self.assertEqual((r.status, r.code, r.field), (400, "missing_field", "threat"))
        r = s.post("/api/v1/disposals", {"title": "Phishing site", "threat": "credential phishing",
                                         "indicator_id": iid}, an)
        self.assertEqual(r.status, 201, r)
        d = r.json
        self.assertEqual((d["state"], d["indicator_id"]), ("reported", iid))
        path = "/api/v1/disposals/%d" % d["id"]
        r = s.post(path + "/transition", {"to": "executed"}, an)
        self.assertEqual((r.status, r.code), (409, "invalid_transition"))
        r = s.post(path + "/transition", {"to": "identified", "note": "confirmed"}, an)
        self.assertEqual(r.json["state"], "identified")
        self.assertEqual(s.get(path, t).status, 404)  # not issued to T yet
        r = s.post(path + "/transition", {"to": "notice_issued", "target_org_id": self.org["T"],
                                          "measure": "block", "deadline": ts(now(-10))}, an)
        self.assertEqual((r.status, r.field), (400, "deadline"))
        r = s.post(path + "/transition", {"to": "notice_issued", "target_org_id": self.org["T"],
                                          "measure": "block", "deadline": ts(now(3600)),
                                          "target_category": "critical_infrastructure"}, an)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["state"], r.json["measure"], r.json["overdue"]),
                         ("notice_issued", "block", False))
        self.assertEqual(r.json["additional_notices"], ["operator_staff"])
        inbox = s.get("/api/v1/notifications", t).json["items"]
        self.assertIn("disposal.notice", [n["topic"] for n in inbox])
        inbox = s.get("/api/v1/notifications", an).json["items"]
        self.assertIn("disposal.priority_target", [n["topic"] for n in inbox])
        self.assertEqual(s.get(path, c).status, 404)
        self.assertEqual(s.post(path + "/acknowledge", None, c).status, 404)
        r = s.post(path + "/acknowledge", None, t)
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(r.json["acknowledged_at"])
        r = s.post(path + "/transition", {"to": "executed", "report": "done"}, an)
        self.assertEqual((r.status, r.code), (403, "forbidden"))
        r = s.post(path + "/transition", {"to": "executed"}, t)
        self.assertEqual((r.status, r.field), (400, "report"))
        r = s.post(path + "/transition", {"to": "executed", "report": "domain blocked at resolvers"}, t)
        self.assertEqual((r.json["state"], r.json["execution_report"]),
                         ("executed", "domain blocked at resolvers"))
        r = s.post(path + "/transition", {"to": "closed"}, t)
        self.assertEqual(r.status, 403)
        r = s.post(path + "/transition", {"to": "closed", "note": "verified"}, an)
        self.assertEqual(r.json["state"], "closed")
        self.assertEqual([h["to"] for h in r.json["history"]],
                         ["reported", "identified", "notice_issued", "notice_issued", "executed", "closed"])
        # appeal, rejected, then overdue
        r = s.post("/api/v1/disposals", {"title": "C2 host", "threat": "botnet C2"}, an)
        path = "/api/v1/disposals/%d" % r.json["id"]
        s.post(path + "/transition", {"to": "identified"}, an)
        r = s.post(path + "/transition", {"to": "notice_issued", "target_org_id": self.org["T"],
                                          "measure": "stop_service", "deadline": ts(now(1))}, an)
        self.assertNotIn("additional_notices", r.json)
        r = s.post(path + "/transition", {"to": "appealed"}, t)
        self.assertEqual((r.status, r.field), (400, "note"))
        r = s.post(path + "/transition", {"to": "appealed", "note": "customer is a hospital"}, t)
        self.assertEqual(r.json["state"], "appealed")
        r = s.post(path + "/transition", {"to": "notice_issued", "note": "appeal rejected"}, an)
        self.assertEqual(r.json["state"], "notice_issued")
        time.sleep(1.2)
        self.assertTrue(s.get(path, t).json["overdue"])
        over = s.get("/api/v1/disposals?overdue=true", an).json["items"]
        self.assertIn(r.json["id"], [x["id"] for x in over])
        mine = s.get("/api/v1/disposals", t).json["items"]
        self.assertTrue(all(x["target_org_id"] == self.org["T"] for x in mine))
        self.assertEqual(s.get("/api/v1/disposals", c).json["items"], [])
        r = s.get("/api/v1/disposals?state=bogus", an)
        self.assertEqual((r.status, r.field), (400, "state"))


if __name__ == "__main__":
    harness.main()
