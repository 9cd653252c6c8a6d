"""Docs stay true: every route in the server's route table appears in
docs/api.md and docs/openapi.yaml with its method."""
import os
import re
import unittest

ROOT = os.environ.get("VIGIL_SRC") or os.path.join(os.path.dirname(__file__), "..", "..")


def routes():
    out = []
    for name in os.listdir(os.path.join(ROOT, "src", "http")):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(ROOT, "src", "http", name)) as f:
            text = f.read()
        out += re.findall(r'\{"(GET|POST|PUT|DELETE|PATCH)", "([^"]+)",', text)
    return out


class Docs(unittest.TestCase):
    def test_every_route_documented(self):
        with open(os.path.join(ROOT, "docs", "api.md")) as f:
            api = f.read()
        with open(os.path.join(ROOT, "docs", "openapi.yaml")) as f:
            spec = f.read()
        rs = routes()
        self.assertGreater(len(rs), 20)
        missing = []
        for method, path in rs:
            short = path.replace("/api/v1", "")
            if short not in api and path not in api:
                missing.append("api.md: %s %s" % (method, path))
            m = re.search(r"^  %s:\n((?:    .*\n|\n)*)" % re.escape(path), spec, re.M)
            if not m or ("    %s:" % method.lower()) not in m.group(1):
                missing.append("openapi.yaml: %s %s" % (method, path))
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
