"""TAXII 2.1 protocol tests over HTTP against the real `vigil serve`:
discovery, API root, collections, adding objects (202 + status resource, per
object failures), getting objects with added_after / limit / next and the
match[id|type|version|spec_version] filters, an object by id, its versions,
the manifest, X-TAXII-Date-Added-First/Last, 406 on a wrong Accept, 415 on a
wrong Content-Type, HTTP Basic (user name + API token) and Bearer auth, TAXII
error bodies, and the public TLP:CLEAR collection."""
import base64
import datetime
import hashlib
import json
import unittest
import uuid

import harness
from harness import Server

MEDIA = "application/taxii+json;version=2.1"
COMMUNITY = "9ebd3174-7281-4ee5-83b9-8a0471679b40"
PUBLIC = "7586e025-b998-4774-9844-70bec09d2d82"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


def stamp(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


T0 = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)


def ind(value, marking=GREEN, modified=None, oid=None):
    created = stamp(T0)
    return {"type": "indicator", "spec_version": "2.1", "id": oid or "indicator--%s" % uuid.uuid4(),
            "created": created, "modified": modified or created, "name": value,
            "pattern": "[domain-name:value = '%s']" % value, "pattern_type": "stix",
            "valid_from": created, "object_marking_refs": [marking]}


class Taxii(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        s, a = cls.s, cls.s.admin
        o = s.post("/api/v1/orgs", {"name": "TAXII Member", "kind": "member"}, a).json
        u = s.post("/api/v1/users", {"org_id": o["id"], "name": "misp-sync", "role": "member"}, a).json
        cls.user = u["name"]
        cls.tok = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        o2 = s.post("/api/v1/orgs", {"name": "TAXII Reader", "kind": "industry"}, a).json
        u2 = s.post("/api/v1/users", {"org_id": o2["id"], "name": "opencti", "role": "reader"}, a).json
        cls.rtok = s.post("/api/v1/tokens", {"user_id": u2["id"]}, a).json["token"]
        cls.base = "/taxii2/vigil/collections/%s/" % COMMUNITY

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def get(self, path, token=None, accept=MEDIA, basic=None):
        h = {}
        if accept:
            h["Accept"] = accept
        if basic:
            h["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
        r = self.s.request("GET", path, token=token if basic is None else None, headers=h)
        if r.status == 200:
            self.assertEqual(r.headers.get("Content-Type"), MEDIA, path)
        return r

    def add(self, objects, token=None, coll=COMMUNITY, ctype=MEDIA):
        return self.s.request("POST", "/taxii2/vigil/collections/%s/objects/" % coll,
                              raw=json.dumps({"objects": objects}).encode(), token=token or self.tok,
                              headers={"Accept": MEDIA, "Content-Type": ctype})

    def test_discovery_root_collections(self):
        r = self.get("/taxii2/", self.tok)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["api_roots"][0].endswith("/taxii2/vigil/"))
        self.assertEqual(r.json["default"], r.json["api_roots"][0])
        r = self.get("/taxii2/vigil/", self.tok)
        self.assertEqual(r.json["versions"], [MEDIA])
        self.assertGreater(r.json["max_content_length"], 0)
        r = self.get("/taxii2/vigil/collections/", self.tok)
        cols = {c["id"]: c for c in r.json["collections"]}
        self.assertEqual(set(cols), {COMMUNITY, PUBLIC})
        self.assertTrue(cols[COMMUNITY]["can_write"])
        self.assertFalse(cols[PUBLIC]["can_write"])
        self.assertEqual(cols[COMMUNITY]["media_types"], ["application/stix+json;version=2.1"])
        r = self.get("/taxii2/vigil/collections/%s/" % PUBLIC, self.rtok)
        self.assertEqual((r.status, r.json["can_read"], r.json["can_write"]), (200, True, False))
        r = self.get("/taxii2/vigil/collections/nope/", self.tok)
        self.assertEqual((r.status, r.json["http_status"]), (404, "404"))
        r = self.get("/taxii2/other/collections/", self.tok)
        self.assertEqual(r.status, 404)

    def test_negotiation_and_auth(self):
        for accept in ("application/json", "application/taxii+json;version=2.0", "text/html"):
            r = self.get("/taxii2/", self.tok, accept=accept)
            self.assertEqual(r.status, 406, accept)
            self.assertEqual(r.json["http_status"], "406")
        self.assertEqual(self.get("/taxii2/", self.tok, accept="application/taxii+json").status, 200)
        self.assertEqual(self.get("/taxii2/", self.tok,
                                  accept="application/json, application/taxii+json;version=2.1").status, 200)
        r = self.get("/taxii2/")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.headers.get("Content-Type"), MEDIA)
        self.assertEqual(r.json["http_status"], "401")
        self.assertEqual(self.get("/taxii2/", basic="%s:%s" % (self.user, self.tok)).status, 200)
        self.assertEqual(self.get("/taxii2/", basic="someone-else:%s" % self.tok).status, 401)
        self.assertEqual(self.get("/taxii2/", basic="%s:vg_wrongtoken123" % self.user).status, 401)
        self.assertEqual(self.get("/taxii2/", "vg_wrongtoken123").status, 401)
        r = self.add([ind("ctype.example")], ctype="application/json")
        self.assertEqual(r.status, 415)

    def test_add_status_and_failures(self):
        good = ind("added.taxii.example")
        bad = dict(ind("bad.taxii.example"), pattern="[domain-name:value = ")
        r = self.add([good, bad, {"type": "x"}])
        self.assertEqual(r.status, 202, r)
        st = r.json
        self.assertEqual((st["status"], st["total_count"], st["success_count"], st["failure_count"],
                          st["pending_count"]), ("complete", 3, 1, 2, 0))
        self.assertEqual(st["successes"][0]["id"], good["id"])
        self.assertEqual(st["failures"][0]["id"], bad["id"])
        self.assertIn("pattern", st["failures"][0]["message"])
        r = self.get("/taxii2/vigil/status/%s/" % st["id"], self.tok)
        self.assertEqual(r.json, st)
        self.assertEqual(self.get("/taxii2/vigil/status/%s/" % st["id"], self.rtok).status, 404)
        r = self.add([good])
        self.assertEqual((r.json["success_count"], r.json["successes"][0]["message"]), (1, "already stored"))
        # the indicator was correlated and is visible to a member's lookup
        r = self.s.post("/api/v1/indicators/lookup", {"values": ["www.added.taxii.example"]}, self.rtok)
        self.assertTrue(r.json["results"][0]["hit"])
        # readers may read but not write
        r = self.add([ind("reader.taxii.example")], token=self.rtok)
        self.assertEqual((r.status, r.json["http_status"]), (403, "403"))
        r = self.s.request("POST", self.base + "objects/", raw=b'{"objects": 5}', token=self.tok,
                           headers={"Accept": MEDIA, "Content-Type": MEDIA})
        self.assertEqual(r.status, 400)

    def test_add_large_envelope(self):
        """An envelope of 256 objects or more is stored while a second thread
        writes the objects' stored text and takes their observables: the same
        status, failures reported and not stored, the audit entry holding the
        digest of the body as sent."""
        objs = [ind("big-%03d.taxii.example" % i) for i in range(300)]
        objs[7] = dict(objs[7], pattern="[domain-name:value = ")
        objs[250] = {"type": "x"}
        objs[299] = dict(objs[299], object_marking_refs=[AMBER])
        raw = json.dumps({"objects": objs}).encode()
        r = self.s.request("POST", self.base + "objects/", raw=raw, token=self.tok,
                           headers={"Accept": MEDIA, "Content-Type": MEDIA})
        self.assertEqual(r.status, 202, r)
        st = r.json
        self.assertEqual((st["total_count"], st["success_count"], st["failure_count"]), (300, 298, 2))
        self.assertEqual(st["failures"][0]["id"], objs[7]["id"])
        self.assertIn("pattern", st["failures"][0]["message"])
        self.assertEqual([s["id"] for s in st["successes"]][:3], [objs[0]["id"], objs[1]["id"], objs[2]["id"]])
        self.assertEqual(st["successes"][-1]["id"], objs[299]["id"])
        digest = hashlib.sha256(raw).hexdigest()
        audit = self.s.get("/api/v1/audit?limit=1000", self.s.admin).json["items"]
        self.assertTrue(any(e["action"] == "taxii.add" and digest in json.dumps(e) for e in audit), digest)
        r = self.get(self.base + "objects/?match[id]=%s,%s,%s" % (objs[0]["id"], objs[7]["id"], objs[298]["id"]), self.tok)
        self.assertEqual(sorted(o["id"] for o in r.json["objects"]), sorted([objs[0]["id"], objs[298]["id"]]))
        self.assertEqual([o for o in r.json["objects"] if o["id"] == objs[298]["id"]], [objs[298]])
        r = self.s.post("/api/v1/indicators/lookup",
                        {"values": ["www.big-298.taxii.example", "www.big-007.taxii.example"]}, self.tok)
        self.assertEqual([x["hit"] for x in r.json["results"]], [True, False])

    def test_paging_added_after_next(self):
        objs = [ind("page-%02d.taxii.example" % i) for i in range(25)]
        r = self.add(objs)
        self.assertEqual(r.json["success_count"], 25)
        ids = {o["id"] for o in objs}
        q = "objects/?match[id]=" + ",".join(sorted(ids))
        seen, nxt, pages = [], None, 0
        while True:
            r = self.get(self.base + q + "&limit=10" + ("&next=" + nxt if nxt else ""), self.tok)
            self.assertEqual(r.status, 200, r)
            pages += 1
            got = r.json["objects"]
            self.assertTrue(r.headers["X-TAXII-Date-Added-First"] <= r.headers["X-TAXII-Date-Added-Last"])
            seen += [o["id"] for o in got]
            if not r.json["more"]:
                self.assertNotIn("next", r.json)
                break
            nxt = r.json["next"]
        self.assertEqual((pages, len(seen), set(seen)), (3, 25, ids))
        # added_after the 10th object's date_added: the 15 later ones
        m = self.get(self.base + "manifest/?match[id]=" + ",".join(sorted(ids)), self.tok).json["objects"]
        self.assertEqual(len(m), 25)
        dates = [x["date_added"] for x in m]
        self.assertEqual(dates, sorted(dates))
        self.assertEqual(len(set(dates)), 25)
        r = self.get(self.base + q + "&added_after=" + dates[9], self.tok)
        self.assertEqual([o["id"] for o in r.json["objects"]], [x["id"] for x in m[10:]])
        self.assertEqual(r.headers["X-TAXII-Date-Added-First"], dates[10])
        self.assertEqual(r.headers["X-TAXII-Date-Added-Last"], dates[24])
        r = self.get(self.base + "objects/?added_after=not-a-time", self.tok)
        self.assertEqual(r.status, 400)
        r = self.get(self.base + "objects/?limit=0", self.tok)
        self.assertEqual(r.status, 400)

    def test_versions_and_match_filters(self):
        oid = "indicator--%s" % uuid.uuid4()
        v1 = ind("versioned.taxii.example", oid=oid)
        v2 = ind("versioned.taxii.example", oid=oid, modified=stamp(T0 + datetime.timedelta(days=1)))
        v3 = ind("versioned.taxii.example", oid=oid, modified=stamp(T0 + datetime.timedelta(days=2)))
        ident = {"type": "identity", "spec_version": "2.1", "id": "identity--%s" % uuid.uuid4(),
                 "created": stamp(T0), "modified": stamp(T0), "name": "Sensor net",
                 "object_marking_refs": [GREEN]}
        self.assertEqual(self.add([v1, v2, v3, ident]).json["success_count"], 4)
        r = self.get(self.base + "objects/%s/" % oid, self.tok)
        self.assertEqual([o["modified"] for o in r.json["objects"]], [v3["modified"]])
        r = self.get(self.base + "objects/%s/?match[version]=first" % oid, self.tok)
        self.assertEqual([o["modified"] for o in r.json["objects"]], [v1["modified"]])
        r = self.get(self.base + "objects/%s/?match[version]=all" % oid, self.tok)
        self.assertEqual(len(r.json["objects"]), 3)
        r = self.get(self.base + "objects/%s/?match[version]=%s" % (oid, v2["modified"]), self.tok)
        self.assertEqual([o["modified"] for o in r.json["objects"]], [v2["modified"]])
        r = self.get(self.base + "objects/%s/versions/" % oid, self.tok)
        self.assertEqual((r.json["more"], r.json["versions"]),
                         (False, [v1["modified"], v2["modified"], v3["modified"]]))
        r = self.get(self.base + "objects/%s/versions/?limit=2" % oid, self.tok)
        self.assertEqual((r.json["more"], len(r.json["versions"])), (True, 2))
        # versions arriving out of order: the newest stays the one served
        oid2 = "indicator--%s" % uuid.uuid4()
        w = [ind("unordered.taxii.example", oid=oid2, modified=stamp(T0 + datetime.timedelta(days=d)))
             for d in (2, 0, 1)]
        for o in w:
            self.assertEqual(self.add([o]).json["success_count"], 1)
        r = self.get(self.base + "objects/%s/" % oid2, self.tok)
        self.assertEqual([o["modified"] for o in r.json["objects"]], [w[0]["modified"]])
        r = self.get(self.base + "objects/?match[id]=%s&match[version]=last" % oid2, self.tok)
        self.assertEqual([o["modified"] for o in r.json["objects"]], [w[0]["modified"]])
        r = self.get(self.base + "objects/%s/?match[version]=first" % oid2, self.tok)
        self.assertEqual([o["modified"] for o in r.json["objects"]], [w[1]["modified"]])
        r = self.get(self.base + "objects/indicator--%s/" % uuid.uuid4(), self.tok)
        self.assertEqual(r.status, 404)
        both = ",".join([oid, ident["id"]])
        r = self.get(self.base + "objects/?match[id]=%s&match[type]=identity" % both, self.tok)
        self.assertEqual([o["id"] for o in r.json["objects"]], [ident["id"]])
        r = self.get(self.base + "objects/?match[id]=%s&match[spec_version]=2.1" % both, self.tok)
        self.assertEqual(len(r.json["objects"]), 2)
        r = self.get(self.base + "objects/?match[id]=%s&match[spec_version]=2.0" % both, self.tok)
        self.assertEqual(r.json["objects"], [])
        r = self.get(self.base + "manifest/?match[id]=%s&match[version]=all" % oid, self.tok)
        man = r.json["objects"]
        self.assertEqual([x["version"] for x in man], [v1["modified"], v2["modified"], v3["modified"]])
        self.assertEqual(man[0]["media_type"], "application/stix+json;version=2.1")
        r = self.get(self.base + "objects/?match[version]=sometimes", self.tok)
        self.assertEqual(r.status, 400)

    def test_taxii2_client_request_shapes(self):
        """The requests the OASIS taxii2-client (v21) makes: Basic auth, api_roots
        resolved with urljoin, collection URLs with a trailing slash, the status
        URL urljoin(collection, "../../status/ID") without one, limit omitted on
        a first page, 'next' echoed back."""
        import urllib.parse
        basic = "%s:%s" % (self.user, self.tok)
        disc = self.get("/taxii2/", basic=basic).json
        root = urllib.parse.urljoin(self.s.url + "/taxii2/", disc["api_roots"][0])
        self.assertEqual(root, self.s.url + "/taxii2/vigil/")
        rpath = urllib.parse.urlparse(root).path
        info = self.get(rpath, basic=basic).json
        self.assertTrue(info["title"] and info["versions"] and info["max_content_length"] is not None)
        cols = self.get(rpath + "collections/", basic=basic).json["collections"]
        coll = rpath + "collections/" + cols[0]["id"] + "/"
        self.assertIn(cols[0]["id"], coll)
        h = {"Accept": MEDIA, "Content-Type": MEDIA,
             "Authorization": "Basic " + base64.b64encode(basic.encode()).decode()}
        env = {"objects": [ind("client-%d.taxii.example" % i) for i in range(3)]}
        r = self.s.request("POST", coll + "objects/", raw=json.dumps(env).encode(), headers=h)
        self.assertEqual(r.status, 202, r)
        st = r.json
        self.assertEqual(st["success_count"] + st["pending_count"] + st["failure_count"], st["total_count"])
        status_url = urllib.parse.urljoin(self.s.url + coll, "../../status/%s" % st["id"])
        r = self.s.request("GET", urllib.parse.urlparse(status_url).path, headers={"Accept": MEDIA,
                           "Authorization": h["Authorization"]})
        self.assertEqual((r.status, r.json["status"]), (200, "complete"))
        ids = ",".join(o["id"] for o in env["objects"])
        first = self.get(coll + "objects/?match[id]=%s&limit=2" % ids, basic=basic).json
        self.assertTrue(first["more"])
        rest = self.get(coll + "objects/?match[id]=%s&limit=2&next=%s" % (ids, first["next"]),
                        basic=basic).json
        self.assertEqual(len(first["objects"]) + len(rest["objects"]), 3)
        self.assertFalse(rest["more"])

    def test_tlp_on_taxii_and_public_collection(self):
        amber = ind("amber.taxii.example", marking=AMBER)
        green = ind("green.taxii.example", marking=GREEN)
        self.add([amber, green])
        q = self.base + "objects/?match[id]=%s,%s" % (amber["id"], green["id"])
        self.assertEqual(len(self.get(q, self.tok).json["objects"]), 2)       # the submitter
        self.assertEqual([o["id"] for o in self.get(q, self.rtok).json["objects"]], [green["id"]])
        self.assertEqual(len(self.get(q, self.s.admin).json["objects"]), 2)   # operator staff
        self.assertEqual(self.get(self.base + "objects/%s/" % amber["id"], self.rtok).status, 404)
        # the public collection: CLEAR only, written by operator staff
        pub = "/taxii2/vigil/collections/%s/" % PUBLIC
        r = self.add([ind("public.taxii.example", marking=CLEAR)], coll=PUBLIC)
        self.assertEqual(r.status, 403)
        clear = ind("public.taxii.example", marking=CLEAR)
        r = self.add([clear, ind("notpublic.taxii.example", marking=GREEN)], token=self.s.admin,
                     coll=PUBLIC)
        self.assertEqual((r.json["success_count"], r.json["failure_count"]), (1, 1))
        self.assertIn("TLP:CLEAR", r.json["failures"][0]["message"])
        r = self.get(pub + "objects/", self.rtok)
        self.assertEqual([o["id"] for o in r.json["objects"]], [clear["id"]])


if __name__ == "__main__":
    harness.main()
