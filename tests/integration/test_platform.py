"""Integration tests for the platform core against the real `vigil serve`:
init, units/users/tokens lifecycle, 401/403/404, suspension -> review task ->
reinstatement, the authorization matrix, malformed input leaving the store
unchanged, metrics, and `vigil audit verify` before and after tampering."""
import datetime
import os
import shutil
import sqlite3
import subprocess
import time
import unittest

import harness
from harness import Server, run


def rfc3339(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


class Platform(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Server()
        s, a = cls.s, cls.s.admin
        cls.orgs = {}
        for name, kind in [("Member One", "member"), ("Member Two", "member"),
                           ("Vendor Co", "vendor"), ("Industry Co", "industry"),
                           ("Peer Centre", "peer")]:
            r = s.post("/api/v1/orgs", {"name": name, "kind": kind, "country": "CN"}, a)
            assert r.status == 201, r
            cls.orgs[kind if kind != "member" or "member" not in cls.orgs else "member2"] = r.json
        op = s.get("/api/v1/me", a).json["org_id"]
        cls.tokens = {"admin": a}
        cls.users = {"admin": s.get("/api/v1/me", a).json["user_id"]}
        for who, org, role in [("analyst", op, "analyst"),
                               ("member", cls.orgs["member"]["id"], "member"),
                               ("reader", cls.orgs["member"]["id"], "reader"),
                               ("vendor", cls.orgs["vendor"]["id"], "vendor"),
                               ("industry", cls.orgs["industry"]["id"], "member"),
                               ("peer", cls.orgs["peer"]["id"], "member"),
                               ("member2", cls.orgs["member2"]["id"], "member")]:
            u = s.post("/api/v1/users", {"org_id": org, "name": who + "@test", "role": role}, a)
            assert u.status == 201, u
            t = s.post("/api/v1/tokens", {"user_id": u.json["id"], "name": "t"}, a)
            assert t.status == 201, t
            cls.tokens[who] = t.json["token"]
            cls.users[who] = u.json["id"]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def counts(self):
        a = self.s.admin
        orgs = self.s.get("/api/v1/orgs?limit=1000", a).json["items"]
        users = self.s.get("/api/v1/users?limit=1000", a).json["items"]
        audit = self.s.get("/api/v1/audit?limit=1000", a).json["items"]
        return len(orgs), len(users), len(audit)

    # ---- init ----

    def test_init_output_and_rerun(self):
        self.assertEqual(set(self.s.init), {"org_id", "user_id", "token"})
        self.assertTrue(self.s.init["token"].startswith("vg_"))
        before = self.counts()
        p = run("init", "--data", self.s.data)
        self.assertEqual(p.returncode, 1)
        self.assertIn("already initialised", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(self.counts(), before)

    def test_health_and_metrics(self):
        r = self.s.get("/healthz")
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}))
        self.s.get("/api/v1/me", self.s.admin)
        m = self.s.get("/metrics")
        self.assertEqual(m.status, 200)
        self.assertIn('vigil_http_requests_total{route="me",status="200"}', m.raw)
        self.assertIn('vigil_http_request_duration_seconds_bucket{route="me",le="+Inf"}', m.raw)
        self.assertIn('vigil_store_objects{kind="orgs"}', m.raw)
        self.assertIn("vigil_store_up 1", m.raw)
        self.assertIn("X-Request-Id", m.headers)

    # ---- authentication ----

    def test_401_404_405(self):
        for tok in (None, "", "vg_notatoken", "Basic abc"):
            r = self.s.get("/api/v1/me", tok)
            self.assertEqual((r.status, r.code), (401, "unauthorized"), tok)
        r = self.s.get("/api/v1/nothing", self.s.admin)
        self.assertEqual((r.status, r.code), (404, "not_found"))
        r = self.s.get("/api/v1/orgs/999999", self.s.admin)
        self.assertEqual((r.status, r.code), (404, "not_found"))
        r = self.s.get("/api/v1/orgs/abc", self.s.admin)
        self.assertEqual(r.status, 404)
        r = self.s.request("PUT", "/api/v1/orgs", {}, self.s.admin)
        self.assertEqual(r.status, 405)
        self.assertIn("GET", r.headers.get("Allow", ""))

    def test_token_lifecycle(self):
        s, a = self.s, self.s.admin
        t = s.post("/api/v1/tokens", {"name": "short", "expires_at": rfc3339(1.5)},
                   self.tokens["member"])
        self.assertEqual(t.status, 201, t)
        self.assertEqual(s.get("/api/v1/me", t.json["token"]).json["user_id"], self.users["member"])
        listed = s.get("/api/v1/tokens", self.tokens["member"]).json["items"]
        self.assertIn(t.json["id"], [x["id"] for x in listed])
        self.assertNotIn("token", listed[0])  # the secret is shown once only
        time.sleep(1.7)
        r = s.get("/api/v1/me", t.json["token"])
        self.assertEqual((r.status, r.code), (401, "unauthorized"))
        t2 = s.post("/api/v1/tokens", {"name": "revoke-me"}, self.tokens["member"]).json
        self.assertEqual(s.get("/api/v1/me", t2["token"]).status, 200)  # now cached
        self.assertEqual(s.request("DELETE", "/api/v1/tokens/%d" % t2["id"],
                                   token=self.tokens["member"]).status, 200)
        self.assertEqual(s.get("/api/v1/me", t2["token"]).status, 401)
        # someone else's token: not found for a non-admin, revocable by an admin
        t3 = s.post("/api/v1/tokens", {"name": "x"}, self.tokens["member2"]).json
        self.assertEqual(s.request("DELETE", "/api/v1/tokens/%d" % t3["id"],
                                   token=self.tokens["member"]).status, 404)
        self.assertEqual(s.request("DELETE", "/api/v1/tokens/%d" % t3["id"], token=a).status, 200)
        r = s.post("/api/v1/tokens", {"expires_at": rfc3339(-60)}, a)
        self.assertEqual((r.status, r.field), (400, "expires_at"))

    def test_login_with_password(self):
        s, a = self.s, self.s.admin
        org = self.orgs["member"]["id"]
        u = s.post("/api/v1/users", {"org_id": org, "name": "pw@test", "role": "reader",
                                     "password": "correct horse battery"}, a)
        self.assertEqual(u.status, 201, u)
        self.assertTrue(u.json["has_password"])
        r = s.post("/api/v1/login", {"name": "pw@test", "password": "wrong password!!"})
        self.assertEqual((r.status, r.code), (401, "unauthorized"))
        r = s.post("/api/v1/login", {"name": "pw@test", "password": "correct horse battery"})
        self.assertEqual(r.status, 201, r)
        self.assertIsNotNone(r.json["expires_at"])
        self.assertEqual(s.get("/api/v1/me", r.json["token"]).json["role"], "reader")
        r = s.post("/api/v1/users", {"org_id": org, "name": "short@test", "role": "reader",
                                     "password": "short"}, a)
        self.assertEqual((r.status, r.field), (400, "password"))

    # ---- units and users ----

    def test_org_and_user_rules(self):
        s, a = self.s, self.s.admin
        r = s.post("/api/v1/orgs", {"name": "Member One", "kind": "member"}, a)
        self.assertEqual((r.status, r.code, r.field), (409, "conflict", "name"))
        r = s.post("/api/v1/orgs", {"name": "Second Operator", "kind": "operator"}, a)
        self.assertEqual((r.status, r.field), (400, "kind"))
        r = s.post("/api/v1/users", {"org_id": self.orgs["vendor"]["id"], "name": "x@test",
                                     "role": "analyst"}, a)
        self.assertEqual((r.status, r.field), (400, "role"))
        r = s.post("/api/v1/users", {"org_id": 424242, "name": "y@test", "role": "reader"}, a)
        self.assertEqual((r.status, r.field), (400, "org_id"))
        r = s.post("/api/v1/users", {"org_id": self.orgs["vendor"]["id"], "name": "member@test",
                                     "role": "vendor"}, a)
        self.assertEqual((r.status, r.field), (409, "name"))
        # a unit sees itself only
        mine = s.get("/api/v1/orgs", self.tokens["member"]).json["items"]
        self.assertEqual([o["id"] for o in mine], [self.orgs["member"]["id"]])
        users = s.get("/api/v1/users", self.tokens["member"]).json["items"]
        self.assertEqual({u["org_id"] for u in users}, {self.orgs["member"]["id"]})
        # paging
        p1 = s.get("/api/v1/orgs?limit=2", a).json
        self.assertEqual(len(p1["items"]), 2)
        p2 = s.get("/api/v1/orgs?limit=2&cursor=" + p1["next_cursor"], a).json
        self.assertGreater(p2["items"][0]["id"], p1["items"][1]["id"])
        self.assertEqual(s.get("/api/v1/orgs?limit=0", a).status, 400)
        self.assertEqual(s.get("/api/v1/orgs?cursor=zz", a).field, "cursor")

    def test_suspension_review_reinstatement(self):
        s, a = self.s, self.s.admin
        org = s.post("/api/v1/orgs", {"name": "Suspend Me", "kind": "member"}, a).json
        u = s.post("/api/v1/users", {"org_id": org["id"], "name": "sus@test", "role": "member"},
                   a).json
        tok = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
        self.assertEqual(s.get("/api/v1/orgs", tok).status, 200)
        r = s.post("/api/v1/orgs/%d/suspend" % org["id"], {"until": rfc3339(-10), "reason": "x"},
                   self.tokens["analyst"])
        self.assertEqual((r.status, r.field), (400, "until"))
        r = s.post("/api/v1/orgs/%d/suspend" % org["id"],
                   {"until": rfc3339(1.5), "reason": "late reports"}, self.tokens["analyst"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "suspended")
        # writes and non-public reads are refused with unit_suspended
        for method, path, body in [("GET", "/api/v1/orgs", None), ("GET", "/api/v1/users", None),
                                   ("POST", "/api/v1/tokens", {}),
                                   ("GET", "/api/v1/orgs/%d" % org["id"], None)]:
            r = s.request(method, path, body, tok)
            self.assertEqual((r.status, r.code), (403, "unit_suspended"), path)
        me = s.get("/api/v1/me", tok).json
        self.assertEqual(me["org_status"], "suspended")
        # expiry makes a review task, not a reinstatement
        deadline = time.time() + 10
        task = None
        while time.time() < deadline and task is None:
            time.sleep(0.3)
            items = s.get("/api/v1/tasks", self.tokens["analyst"]).json["items"]
            task = next((t for t in items if t["object_id"] == str(org["id"])), None)
        self.assertIsNotNone(task, "no review task after the suspension ended")
        self.assertEqual(task["kind"], "suspension_review")
        self.assertEqual(s.get("/api/v1/orgs/%d" % org["id"], a).json["status"], "suspended")
        self.assertEqual(s.get("/api/v1/orgs", tok).code, "unit_suspended")
        # one task per suspension, however often the sweep runs
        time.sleep(1.2)
        items = s.get("/api/v1/tasks", a).json["items"]
        self.assertEqual(sum(1 for t in items if t["object_id"] == str(org["id"])), 1)
        r = s.post("/api/v1/orgs/%d/reinstate" % org["id"], {"reason": "reviewed"},
                   self.tokens["analyst"])
        self.assertEqual((r.status, r.json["status"]), (200, "active"))
        self.assertEqual(s.get("/api/v1/orgs", tok).status, 200)
        t = [x for x in s.get("/api/v1/tasks?state=all", a).json["items"] if x["id"] == task["id"]]
        self.assertEqual(t[0]["state"], "closed")
        r = s.post("/api/v1/orgs/%d/reinstate" % org["id"], {"reason": "again"}, a)
        self.assertEqual(r.status, 409)
        actions = [e["action"] for e in s.get("/api/v1/audit?limit=1000", a).json["items"]
                   if e["object_type"] in ("org", "task")]
        for act in ("org.suspend", "task.open", "org.reinstate"):
            self.assertIn(act, actions)
        # revocation is final
        r = s.post("/api/v1/orgs/%d/revoke" % org["id"], {"reason": "left"}, a)
        self.assertEqual(r.json["status"], "revoked")
        self.assertEqual(s.get("/api/v1/me", tok).status, 403)
        op = s.get("/api/v1/me", a).json["org_id"]
        r = s.post("/api/v1/orgs/%d/suspend" % op, {"until": rfc3339(60), "reason": "x"}, a)
        self.assertEqual(r.status, 409)

    # ---- the authorization matrix ----

    def test_authorization_matrix(self):
        s, a = self.s, self.s.admin
        roles = ["admin", "analyst", "member", "reader", "vendor", "industry", "peer"]
        staff = {"admin", "analyst"}
        other_org = self.orgs["member2"]["id"]
        other_user = self.users["member2"]

        def fresh_org():
            return s.post("/api/v1/orgs", {"name": "m-%f" % time.time(), "kind": "member"},
                          a).json["id"]

        def own_org(role):
            return s.get("/api/v1/me", self.tokens[role]).json["org_id"]

        # (name, call(role) -> Response, allowed roles, status when allowed, status when denied)
        matrix = [
            ("me", lambda r: s.get("/api/v1/me", self.tokens[r]), set(roles), 200, None),
            ("orgs.list", lambda r: s.get("/api/v1/orgs", self.tokens[r]), set(roles), 200, None),
            ("orgs.get own", lambda r: s.get("/api/v1/orgs/%d" % own_org(r), self.tokens[r]),
             set(roles), 200, None),
            ("orgs.get other", lambda r: s.get("/api/v1/orgs/%d" % other_org, self.tokens[r]),
             staff, 200, 404),
            ("orgs.create", lambda r: s.post("/api/v1/orgs", {"name": "new-" + r, "kind": "member"},
                                             self.tokens[r]), {"admin"}, 201, 403),
            ("orgs.suspend", lambda r: s.post("/api/v1/orgs/%d/suspend" % fresh_org(),
                                              {"until": rfc3339(3600), "reason": "t"},
                                              self.tokens[r]), staff, 200, 403),
            ("orgs.reinstate", lambda r: s.post(
                "/api/v1/orgs/%d/reinstate" % self._suspended(fresh_org()), {"reason": "t"},
                self.tokens[r]), staff, 200, 403),
            ("orgs.revoke", lambda r: s.post("/api/v1/orgs/%d/revoke" % fresh_org(),
                                             {"reason": "t"}, self.tokens[r]), {"admin"}, 200, 403),
            ("users.create", lambda r: s.post("/api/v1/users", {"org_id": other_org,
                                                                "name": "u-%s-%f" % (r, time.time()),
                                                                "role": "reader"}, self.tokens[r]),
             {"admin"}, 201, 403),
            ("users.list", lambda r: s.get("/api/v1/users", self.tokens[r]), set(roles), 200, None),
            ("users.get other", lambda r: s.get("/api/v1/users/%d" % other_user, self.tokens[r]),
             staff, 200, 404),
            ("tokens.create self", lambda r: s.post("/api/v1/tokens", {"name": "m"}, self.tokens[r]),
             set(roles), 201, None),
            ("tokens.create other", lambda r: s.post("/api/v1/tokens", {"user_id": other_user},
                                                     self.tokens[r]), {"admin"}, 201, 403),
            ("tokens.list", lambda r: s.get("/api/v1/tokens", self.tokens[r]), set(roles), 200,
             None),
            ("audit.list", lambda r: s.get("/api/v1/audit", self.tokens[r]), staff, 200, 403),
            ("tasks.list", lambda r: s.get("/api/v1/tasks", self.tokens[r]), staff, 200, 403),
            ("tasks.close", lambda r: s.post("/api/v1/tasks/987654/close", {"resolution": "x"},
                                             self.tokens[r]), staff, 404, 403),
        ]
        failures = []
        for name, call, allowed, ok_status, deny_status in matrix:
            for role in roles:
                r = call(role)
                want = ok_status if role in allowed else deny_status
                if r.status != want:
                    failures.append("%s as %s: got %d want %s (%s)" % (name, role, r.status, want,
                                                                       r.raw[:120]))
                if want == 403 and r.code != "forbidden":
                    failures.append("%s as %s: code %s" % (name, role, r.code))
        self.assertEqual(failures, [])

    def _suspended(self, org_id):
        r = self.s.post("/api/v1/orgs/%d/suspend" % org_id, {"until": rfc3339(3600), "reason": "t"},
                        self.s.admin)
        assert r.status == 200, r
        return org_id

    # ---- malformed input ----

    def test_malformed_input_leaves_store_unchanged(self):
        s, a = self.s, self.s.admin
        before = self.counts()
        org = self.orgs["member"]["id"]
        cases = [
            ("/api/v1/orgs", b'{"name":"x","kind":"member"', 400, "bad_json", None),
            ("/api/v1/orgs", b'', 400, "bad_json", None),
            ("/api/v1/orgs", b'[1,2]', 400, "bad_json", None),
            ("/api/v1/orgs", b'{"name":5,"kind":"member"}', 400, "invalid_field", "name"),
            ("/api/v1/orgs", b'{"name":"x","kind":"member","colour":"red"}', 400, "unknown_field",
             "colour"),
            ("/api/v1/orgs", b'{"name":"a","name":"b","kind":"member"}', 400, "bad_json", None),
            ("/api/v1/orgs", b'{"kind":"member"}', 400, "missing_field", "name"),
            ("/api/v1/orgs", b'{"name":"x","kind":"alien"}', 400, "invalid_field", "kind"),
            ("/api/v1/orgs", b'{"name":"x","kind":"member","country":"China"}', 400,
             "invalid_field", "country"),
            ("/api/v1/orgs", b'{"name":"\xff\xfe","kind":"member"}', 400, "bad_json", None),
            ("/api/v1/orgs", b'{"name":"x\x00y","kind":"member"}', 400, "bad_json", None),
            ("/api/v1/orgs/%d/suspend" % org, b'{"until":"2021-13-45T00:00:00Z","reason":"r"}',
             400, "invalid_field", "until"),
            ("/api/v1/orgs/%d/suspend" % org, b'{"until":"yesterday","reason":"r"}', 400,
             "invalid_field", "until"),
            ("/api/v1/orgs/%d/suspend" % org, b'{"until":"2030-01-01T00:00:00","reason":"r"}', 400,
             "invalid_field", "until"),
            ("/api/v1/orgs/%d/suspend" % org, b'{"until":20300101,"reason":"r"}', 400,
             "invalid_field", "until"),
            ("/api/v1/users", b'{"org_id":"1","name":"x","role":"reader"}', 400, "invalid_field",
             "org_id"),
            ("/api/v1/users", b'{"org_id":1.5,"name":"x","role":"reader"}', 400, "invalid_field",
             "org_id"),
            ("/api/v1/tokens", b'{"expires_at":"2030-02-30T00:00:00Z"}', 400, "invalid_field",
             "expires_at"),
        ]
        for path, raw, status, code, field in cases:
            r = s.post(path, raw=raw, token=a)
            self.assertEqual((r.status, r.code, r.field), (status, code, field), (path, raw, r))
            self.assertTrue(r.json["error"]["message"])
        big = b'{"name":"' + b"x" * (20 << 20) + b'","kind":"member"}'
        r = s.post("/api/v1/orgs", raw=big, token=a)
        self.assertEqual((r.status, r.code), (413, "too_large"))
        # headers: up to about 28 KB are read (docs/operations.md), more is a 431
        pad = {"X-Pad": "a" * 26000}
        r = s.request("POST", "/api/v1/orgs", body={"name": "Pad", "kind": "nope"}, token=a,
                      headers=pad)
        self.assertEqual((r.status, r.code, r.field), (400, "invalid_field", "kind"))
        r = s.request("GET", "/api/v1/orgs", token=a, headers={"X-Pad": "a" * 36000})
        self.assertEqual(r.status, 431)
        self.assertEqual(self.counts(), before)
        self.assertEqual(s.get("/healthz").status, 200)


class GracefulStop(unittest.TestCase):
    """SIGTERM while a request is being served: it finishes, then vigil exits 0."""

    def test_in_flight_request_finishes(self):
        import signal
        import threading
        s = Server()
        try:
            recs = [{"id": "STOP-%05d" % i, "modified": "2024-01-01T00:00:00Z",
                     "summary": "x" * 100, "details": "y" * 1000,
                     "affected": [{"package": {"ecosystem": "npm", "name": "p%d" % i},
                                   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                                            {"fixed": "1.0.0"}]}]}]}
                    for i in range(5000)]
            out = {}

            def call():
                out["r"] = s.post("/api/v1/vulns/import", {"format": "osv", "records": recs}, s.admin)
            t = threading.Thread(target=call)
            t.start()
            time.sleep(0.3)  # the body is sent and being processed
            s.proc.send_signal(signal.SIGTERM)
            t.join(60)
            self.assertEqual(out["r"].status, 200, out["r"])
            self.assertEqual(out["r"].json["imported"], 5000)
            self.assertEqual(s.proc.wait(30), 0)
            p = run("audit", "verify", "--data", s.data)
            self.assertEqual(p.returncode, 0, p.stdout)
        finally:
            s.close()


class BruteForce(unittest.TestCase):
    """Failed authentications drain a per-address bucket: then 429 rate_limited."""

    def test_failed_attempts_are_rate_limited(self):
        s = Server(extra=["--auth-rate", "5"])
        try:
            self.assertEqual(s.get("/api/v1/me", s.admin).status, 200)
            codes = [s.get("/api/v1/me", "vg_wrong%d" % i).status for i in range(8)]
            self.assertEqual(codes[:5], [401] * 5)
            self.assertEqual(codes[5:], [429] * 3)
            r = s.get("/api/v1/me", s.admin)
            self.assertEqual((r.status, r.code), (429, "rate_limited"))
            r = s.post("/api/v1/login", {"name": "admin", "password": "x" * 12})
            self.assertEqual(r.status, 429)
            self.assertEqual(s.get("/healthz").status, 200)  # public routes are not limited
        finally:
            s.close()


class AuditChain(unittest.TestCase):
    """`vigil audit verify` against a stopped server's database, then tampered copies."""

    def setUp(self):
        self.s = Server(demo=True)
        s, a = self.s, self.s.admin
        for i in range(5):
            s.post("/api/v1/orgs", {"name": "audit-%d" % i, "kind": "industry"}, a)
        self.s.stop()
        self.db = os.path.join(self.s.data, "vigil.db")
        self.pristine = os.path.join(self.s.dir.name, "pristine.db")
        shutil.copy(self.db, self.pristine)

    def tearDown(self):
        self.s.close()

    def verify(self):
        return run("audit", "verify", "--data", self.s.data)

    def tamper(self, *sql):
        shutil.copy(self.pristine, self.db)
        for ext in ("-wal", "-shm"):
            if os.path.exists(self.db + ext):
                os.remove(self.db + ext)
        c = sqlite3.connect(self.db)
        for q in sql:
            c.execute(q)
        c.commit()
        c.close()

    def test_verify_and_tamper(self):
        p = self.verify()
        self.assertEqual(p.returncode, 0, p.stderr)
        n = int(p.stdout.split()[1])
        self.assertRegex(p.stdout.strip(), r"^ok \d+ entries$")
        self.assertGreater(n, 15)  # demo units, users, the 5 orgs
        cases = [
            ("edit payload", ["UPDATE audit SET payload = replace(payload, 'audit-1', 'audit-X')"
                              " WHERE payload LIKE '%audit-1%'"], None),
            ("edit action", ["UPDATE audit SET action = 'org.delete' WHERE seq = 5"], 5),
            ("edit actor", ["UPDATE audit SET actor_user = 99 WHERE seq = 7"], 7),
            ("delete middle", ["DELETE FROM audit WHERE seq = 4"], 4),
            ("delete tail", ["DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)"], n),
            ("reorder", ["UPDATE audit SET seq = -1 WHERE seq = 3",
                         "UPDATE audit SET seq = 3 WHERE seq = 6",
                         "UPDATE audit SET seq = 6 WHERE seq = -1"], 3),
        ]
        for name, sql, bad in cases:
            self.tamper(*sql)
            p = self.verify()
            self.assertEqual(p.returncode, 1, (name, p.stdout, p.stderr))
            self.assertIn("broken at seq", p.stdout, name)
            if bad is not None:
                self.assertIn("seq %d:" % bad, p.stdout, name)
        shutil.copy(self.pristine, self.db)
        self.assertEqual(self.verify().returncode, 0)

    def test_backup_restores(self):
        out = os.path.join(self.s.dir.name, "backup")
        p = run("backup", "--data", self.s.data, out)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run("audit", "verify", "--data", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, self.verify().stdout)


if __name__ == "__main__":
    harness.main()
