"""Interoperability with the OASIS TAXII 2.1 client (oasis-open/cti-taxii-client,
the `taxii2client` package) against the real `vigil serve` on loopback.

The client is not in Debian and PyPI is not reachable from CI, so this check is
not part of `make test`: it runs when TAXII2CLIENT_DIR names a checkout of
cti-taxii-client (a folder holding the package `taxii2client`); the Python that
runs it needs `requests`, `six` and `pytz` (Debian: python3-requests,
python3-six, python3-tz). See tests/interop/README.md.

Covered, each through the client's own API: discovery (Server), API root
information and collections (ApiRoot), add_objects with its status resource
polled to completion, get_objects with added_after / match[type] / match[id] /
match[version] filters, paging with as_pages(per_request=…) and the
next/more envelope, get_object, object_versions, get_manifest (also paged),
HTTP Basic authentication (user name + API token), and the access errors
the client raises for a reader writing and for a wrong password."""
import datetime
import os
import sys
import unittest
import uuid
import warnings

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "integration"))
import harness  # noqa: E402
from harness import Server  # noqa: E402

client_dir = os.environ.get("TAXII2CLIENT_DIR")
if not client_dir or not os.path.isdir(os.path.join(client_dir, "taxii2client")):
    raise SystemExit("tests/interop/taxii2client.py: set TAXII2CLIENT_DIR to a checkout of "
                     "oasis-open/cti-taxii-client")
sys.path.insert(0, client_dir)
from taxii2client.v21 import Server as TaxiiServer, as_pages  # noqa: E402
from taxii2client.exceptions import AccessError  # noqa: E402
import requests  # noqa: E402

from test_taxii import COMMUNITY, T0, ind as indicator, stamp  # noqa: E402


class Interop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        s, a = cls.s, cls.s.admin
        o = s.post("/api/v1/orgs", {"name": "Interop Member", "kind": "member"}, a).json
        u = s.post("/api/v1/users", {"org_id": o["id"], "name": "taxii2client", "role": "member"},
                   a).json
        cls.user = u["name"]
        cls.tok = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        u2 = s.post("/api/v1/users", {"org_id": o["id"], "name": "reader2", "role": "reader"},
                    a).json
        cls.ruser = u2["name"]
        cls.rtok = s.post("/api/v1/tokens", {"user_id": u2["id"]}, a).json["token"]
        cls.server = TaxiiServer(cls.s.url + "/taxii2/", user=cls.user, password=cls.tok)

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def collection(self, user=None, password=None):
        srv = self.server if user is None else TaxiiServer(self.s.url + "/taxii2/", user=user,
                                                           password=password)
        roots = srv.api_roots
        self.assertEqual(len(roots), 1)
        colls = {c.id: c for c in roots[0].collections}
        self.assertIn(COMMUNITY, colls)
        return colls[COMMUNITY]

    def test_1_discovery_and_api_root(self):
        self.assertTrue(self.server.title)
        self.assertTrue(self.server.default is None or self.server.default.url.endswith("/taxii2/vigil/"))
        root = self.server.api_roots[0]
        self.assertTrue(root.url.endswith("/taxii2/vigil/"))
        self.assertIn("application/taxii+json;version=2.1", root.versions)
        self.assertGreater(root.max_content_length, 0)
        c = self.collection()
        self.assertTrue(c.can_read)
        self.assertTrue(c.can_write)
        self.assertIn("application/stix+json;version=2.1", c.media_types)

    def test_2_add_get_page_manifest_versions(self):
        c = self.collection()
        tag = uuid.uuid4().hex[:8]
        objs = [indicator("h%03d.%s.example" % (i, tag)) for i in range(25)]
        status = c.add_objects({"objects": objs}, wait_for_completion=True, poll_interval=0.2,
                               timeout=30)
        self.assertEqual(status.status, "complete")
        self.assertEqual(status.total_count, 25)
        self.assertEqual(status.success_count, 25)
        self.assertEqual(status.failure_count, 0)
        ids = {o["id"] for o in objs}

        # a second version of one object
        v2 = dict(objs[0], modified=stamp(T0 + datetime.timedelta(hours=1)))
        st2 = c.add_objects({"objects": [v2]}, wait_for_completion=True, poll_interval=0.2)
        self.assertEqual(st2.success_count, 1)

        env = c.get_objects(**{"type": "indicator", "id": objs[3]["id"]})
        self.assertEqual([o["id"] for o in env["objects"]], [objs[3]["id"]])

        got = set()
        pages = 0
        for page in as_pages(c.get_objects, per_request=7, type="indicator"):
            pages += 1
            got.update(o["id"] for o in page.get("objects", []))
        self.assertTrue(ids <= got, "paging lost objects")
        self.assertGreaterEqual(pages, 4)

        one = c.get_object(objs[0]["id"])
        self.assertEqual(len(one["objects"]), 1)
        self.assertEqual(one["objects"][0]["modified"], v2["modified"])
        allv = c.get_object(objs[0]["id"], version="all")
        self.assertEqual(sorted(o["modified"] for o in allv["objects"]),
                         sorted([objs[0]["modified"], v2["modified"]]))

        vers = c.object_versions(objs[0]["id"])
        self.assertEqual(sorted(vers["versions"]), sorted([objs[0]["modified"], v2["modified"]]))

        man = c.get_manifest(**{"id": objs[5]["id"]})
        self.assertEqual(len(man["objects"]), 1)
        rec = man["objects"][0]
        self.assertEqual(rec["id"], objs[5]["id"])
        self.assertEqual(rec["version"], objs[5]["modified"])
        self.assertIn("date_added", rec)
        mids = set()
        for page in as_pages(c.get_manifest, per_request=10, type="indicator"):
            mids.update(r["id"] for r in page.get("objects", []))
        self.assertTrue(ids <= mids)

        # added_after: the date_added of the last object seen → nothing older comes back
        last = max(r["date_added"] for r in man["objects"])
        later = c.get_objects(added_after=last, **{"id": objs[5]["id"]})
        self.assertEqual(later.get("objects", []), [])

        # a bad object: the status names the failure, the good one is stored
        bad = {"type": "indicator", "spec_version": "2.1", "id": "indicator--nope"}
        good = indicator("good.%s.example" % tag)
        st3 = c.add_objects({"objects": [good, bad]}, wait_for_completion=True, poll_interval=0.2)
        self.assertEqual(st3.success_count, 1)
        self.assertEqual(st3.failure_count, 1)

    def test_3_access_errors(self):
        rc = self.collection(self.ruser, self.rtok)
        self.assertTrue(rc.can_read)
        self.assertFalse(rc.can_write)
        with self.assertRaises(AccessError):
            rc.add_objects({"objects": [indicator("nope.example")]})
        srv = TaxiiServer(self.s.url + "/taxii2/", user=self.user, password="wrong-token")
        with self.assertRaises(requests.exceptions.HTTPError) as cm:
            srv.refresh()
        self.assertEqual(cm.exception.response.status_code, 401)


if __name__ == "__main__":
    # the client keeps its pooled connections open; not ours to close
    warnings.simplefilter("ignore", ResourceWarning)
    harness.main()
