"""Server-sent events: GET /api/v1/stream delivers the unit's notifications
as they are committed, and a client that reconnects with Last-Event-ID gets
everything it missed, once."""
import http.client
import time
import unittest

import harness
from harness import Server

CASE = {"title": "t", "reporter_role": "finder",
        "product": {"vendor": "v", "name": "n", "model": "m", "versions": "1"},
        "technical_characteristics": "t", "harm": "h", "scope": "s",
        "discovered_at": "2021-11-24T00:00:00Z"}


def events(resp, want, timeout=10):
    """Reads SSE events until `want` have arrived; returns [(id, event, data)]."""
    out, cur = [], {}
    deadline = time.time() + timeout
    resp.fp.raw._sock.settimeout(timeout)
    while len(out) < want and time.time() < deadline:
        line = resp.fp.readline().decode()
        if line in ("\n", "\r\n", ""):
            if "id" in cur:
                out.append((int(cur["id"]), cur.get("event"), cur.get("data")))
            cur = {}
            if line == "":
                break
            continue
        if line.startswith(":"):
            continue
        k, _, v = line.rstrip("\r\n").partition(": ")
        cur[k] = v
    return out


class Stream(unittest.TestCase):
    def test_stream_and_resume(self):
        s = Server()
        try:
            a = s.admin
            o = s.post("/api/v1/orgs", {"name": "Peer", "kind": "peer"}, a).json
            u = s.post("/api/v1/users", {"org_id": o["id"], "name": "p@t", "role": "member"}, a).json
            tok = s.post("/api/v1/tokens", {"user_id": u["id"]}, a).json["token"]
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            c.request("GET", "/api/v1/stream", headers={"Authorization": "Bearer " + tok})
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            self.assertTrue(r.getheader("Content-Type").startswith("text/event-stream"))
            ids = [s.post("/api/v1/cases", CASE, a).json["id"] for _ in range(2)]
            got = events(r, 2)
            self.assertEqual([e[1] for e in got], ["case.received"] * 2)
            self.assertTrue(all(i in "".join(e[2] for e in got) for i in ids))
            last = got[-1][0]
            c.close()
            # missed while disconnected
            more = [s.post("/api/v1/cases", CASE, a).json["id"] for _ in range(3)]
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            c.request("GET", "/api/v1/stream", headers={"Authorization": "Bearer " + tok,
                                                        "Last-Event-ID": str(last)})
            r = c.getresponse()
            got2 = events(r, 3)
            self.assertEqual(len(got2), 3)
            self.assertTrue(all(e[0] > last for e in got2))
            self.assertTrue(all(i in "".join(e[2] for e in got2) for i in more))
            c.close()
            self.assertEqual(s.get("/api/v1/stream").status, 401)
            bad = s.request("GET", "/api/v1/stream", token=tok, headers={"Last-Event-ID": "x"})
            self.assertEqual(bad.status, 400)
        finally:
            s.close()  # SIGTERM with a stream open must still stop cleanly


if __name__ == "__main__":
    harness.main()
