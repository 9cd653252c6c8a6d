#!/usr/bin/env python3
"""Version-ordering conformance: every ordering fixture in osv-versions, the
version-comparison files of vers-spec and univers, run through
`$VIGIL_BIN vercmp ECOSYSTEM -` in batches. Known exceptions (a fixture that
follows another rule than ours, with the reason) are listed in EXCEPTIONS and
in docs/matching.md; anything else that disagrees fails the test.
Data from $VIGIL_TESTDATA; missing data fails under CI=true, else skips (77)."""
import json
import os
import subprocess
import sys

TD = os.environ.get("VIGIL_TESTDATA", "")
BIN = os.environ.get("VIGIL_BIN", "")
CI = os.environ.get("CI") == "true"

# (file, ecosystem) pairs for osv-versions (which ecosystem uses which file: SOURCE.md)
OSV_FILES = [
    ("semver-versions.txt", ["npm", "crates.io", "Go", "Hex"]),
    ("rubygems-versions.txt", ["RubyGems"]),
    ("rubygems-versions-generated.txt", ["RubyGems"]),
    ("nuget-versions.txt", ["NuGet"]),
    ("packagist-versions.txt", ["Packagist"]),
    ("packagist-versions-generated.txt", ["Packagist"]),
    ("osv.dev/packagist_test_cases.txt", ["Packagist"]),
    ("maven-versions.txt", ["Maven"]),
    ("maven-versions-generated.txt", ["Maven"]),
    ("pypi-versions.txt", ["PyPI"]),
    ("pypi-versions-generated.txt", ["PyPI"]),
    ("debian-versions.txt", ["Debian"]),
    ("debian-versions-generated.txt", ["Debian"]),
    ("alpine-versions.txt", ["Alpine"]),
    ("alpine-versions-generated.txt", ["Alpine"]),
    ("redhat-versions.txt", ["Red Hat"]),
    ("cran-versions.txt", ["CRAN"]),
    ("cran-versions-generated.txt", ["CRAN"]),
    ("pub-versions.txt", ["Pub"]),
    ("hackage-versions.txt", ["Hackage"]),
]

VERS_CMP = {
    "alpine_version_cmp_test.json": "Alpine",
    "alpm_version_cmp_test.json": "alpm",
    "conan_version_cmp_test.json": "conan",
    "datetime_version_cmp_test.json": "datetime",
    "gentoo_version_cmp_test.json": "gentoo",
    "maven_version_cmp_test.json": "Maven",
    "nuget_version_cmp_test.json": "NuGet",
    "openssl_version_cmp_test.json": "openssl",
    "lexicographic-test.json": "lexicographic",
}

# Exceptions: (file, ecosystem, a, op, b) -> reason. Each is a fixture that
# follows a rule other than the one vigil implements (see docs/matching.md).
EXCEPTIONS = {}
exc_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exceptions.json")
if os.path.exists(exc_path):
    with open(exc_path) as f:
        for e in json.load(f):
            EXCEPTIONS[(e["file"], e["eco"], e["a"], e["op"], e["b"])] = e["reason"]


def skip_or_fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1 if CI else 77)


def run_batch(eco, pairs):
    """Returns one of '<', '=', '>', '!' per pair."""
    if not pairs:
        return []
    data = "".join("%s %s\n" % (a, b) for a, b in pairs)
    p = subprocess.run([BIN, "vercmp", eco, "-"], input=data.encode("utf-8", "surrogateescape"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode().split("\n")
    if p.returncode not in (0, 2) or len(out) < len(pairs):
        print("vercmp %s failed (rc %d): %s" % (eco, p.returncode, p.stderr.decode()[:500]),
              file=sys.stderr)
        sys.exit(1)
    return out[: len(pairs)]


def osv_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "" or line.startswith("# ") or line.startswith("// "):
                continue
            parts = line.split(" ")
            if len(parts) != 3:
                raise SystemExit("%s: bad line %r" % (path, line))
            cases.append((parts[0], parts[1], parts[2]))
    return cases


def inv(op):
    return {"<": ">", ">": "<", "=": "="}[op]


def containment():
    """vers-spec containment tests through the range tool (argv[1])."""
    tool = sys.argv[1] if len(sys.argv) > 1 else ""
    if not tool or not os.access(tool, os.X_OK):
        skip_or_fail("range tool missing")
    fails = 0
    for name in ("npm_range_containment_test.json", "pypi_range_containment_test.json"):
        path = os.path.join(TD, "vers-spec", "tests", name)
        with open(path, encoding="utf-8") as f:
            tests = json.load(f)["tests"]
        data = "".join("%s\t%s\n" % (t["input"]["vers"], t["input"]["version"]) for t in tests)
        p = subprocess.run([tool, "vers"], input=data.encode(), stdout=subprocess.PIPE)
        got = p.stdout.decode().split("\n")
        passed = 0
        for t, g in zip(tests, got):
            exp = "1" if t["expected_output"] else "0"
            if g == exp:
                passed += 1
            else:
                fails += 1
                print("FAIL vers-spec/%s: %s contains %s: expected %s, vigil %s"
                      % (name, t["input"]["vers"], t["input"]["version"], exp, g))
        print("%-50s %-10s %5d/%5d passed" % ("vers-spec/" + name, "vers", passed, len(tests)))
    # canonical parse: success or failure only (the constraint list is internal)
    name = "vers_canonical_parse_test.json"
    with open(os.path.join(TD, "vers-spec", "tests", name), encoding="utf-8") as f:
        tests = json.load(f)["tests"]
    probe = {"npm": "1.0.0", "datetime": "2024-01-01T00:00:00Z"}
    data = "".join("%s\t%s\n" % (t["input"], probe.get(t["input"][5:].split("/")[0], "1"))
                   for t in tests)
    p = subprocess.run([tool, "vers"], input=data.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    got = p.stdout.decode().split("\n")
    passed = exc = 0
    for t, g in zip(tests, got):
        ok = (g == "!") == bool(t.get("expected_failure"))
        if ok:
            passed += 1
        elif t["input"] in PARSE_EXCEPTIONS:
            exc += 1
        else:
            fails += 1
            print("FAIL vers-spec/%s: %s: expected %s, vigil %s" % (
                name, t["input"], "failure" if t.get("expected_failure") else "success", g))
    print("%-50s %-10s %5d/%5d passed, %d listed exceptions" % ("vers-spec/" + name, "vers", passed,
                                                              len(tests), exc))
    return fails


# vers strings whose parse result differs on purpose (docs/matching.md)
PARSE_EXCEPTIONS = {
    "vers:npm/>=2.0.0|<1.0.0": "vigil sorts constraints itself (the containment tests give "
                               "unsorted input, e.g. vers:pypi/>=3.0.0|2.0.3)",
    "vers:npm/1.0%252F0": "vigil validates each version against its scheme while parsing; "
                          "1.0%2F0 is not a SemVer version",
}


def schema_cases(path):
    """Cases of a vers-test schema file (comparison: an ordered list;
    equality: true/false)."""
    if not os.path.exists(path):
        skip_or_fail("missing " + path)
    with open(path, encoding="utf-8") as f:
        tests = json.load(f)
    if isinstance(tests, dict):
        tests = tests["tests"]
    cases = []
    for t in tests:
        vs = t["input"]["versions"]
        if t["test_type"] == "equality":
            a, b = vs
            cases.append((a, "=" if t["expected_output"] else "!=", b))
        else:
            exp = t["expected_output"]
            for x, y in zip(exp, exp[1:]):
                cases.append((x, "=" if x == y else "<", y))
    return cases


def main():
    if not TD or not os.path.isdir(TD):
        skip_or_fail("VIGIL_TESTDATA not set or missing")
    if not BIN or not os.access(BIN, os.X_OK):
        skip_or_fail("VIGIL_BIN not set")
    suites = []  # (label, eco, [(a, op, b)])
    base = os.path.join(TD, "osv-versions")
    if not os.path.isdir(base):
        skip_or_fail("missing " + base)
    for name, ecos in OSV_FILES:
        path = os.path.join(base, name)
        if not os.path.exists(path):
            skip_or_fail("missing " + path)
        cases = osv_cases(path)
        for eco in ecos:
            suites.append(("osv-versions/" + name, eco, cases))
    vbase = os.path.join(TD, "vers-spec", "tests")
    for name, eco in sorted(VERS_CMP.items()):
        suites.append(("vers-spec/" + name, eco, schema_cases(os.path.join(vbase, name))))
    ubase = os.path.join(TD, "univers")
    suites.append(("univers/schema/deb_version_python_pkg_test.json", "Debian",
                   schema_cases(os.path.join(ubase, "schema", "deb_version_python_pkg_test.json"))))
    path = os.path.join(ubase, "alpine_test.txt")
    if os.path.exists(path):
        cases = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[1] in "<=>":
                    cases.append((p[0], p[1], p[2]))
        suites.append(("univers/alpine_test.txt", "Alpine", cases))
    else:
        skip_or_fail("missing " + path)
    path = os.path.join(ubase, "rpmvercmp-pairs.tsv")
    cases = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 3 and p[2] in ("-1", "0", "1"):
                cases.append((p[0], {"-1": "<", "0": "=", "1": ">"}[p[2]], p[1]))
    suites.append(("univers/rpmvercmp-pairs.tsv", "RPM", cases))
    path = os.path.join(ubase, "openssl", "openssl_versort_expected.json")
    with open(path, encoding="utf-8") as f:
        order = json.load(f)
    if isinstance(order, dict):
        order = next(v for v in order.values() if isinstance(v, list))
    order = [o if isinstance(o, str) else o.get("string", "") for o in order]
    cases = [(order[i], "<", order[i + 1]) for i in range(len(order) - 1)]
    suites.append(("univers/openssl/openssl_versort_expected.json", "openssl", cases))

    total_fail = 0
    total_exc = 0
    for label, eco, cases in suites:
        pairs = [(a, b) for a, _, b in cases] + [(b, a) for a, _, b in cases]
        got = run_batch(eco, pairs)
        n = len(cases)
        passed = 0
        exc = 0
        for i, (a, op, b) in enumerate(cases):
            r1, r2 = got[i], got[n + i]
            if op == "!=":
                ok = r1 in "<>" and r2 == inv(r1)
            else:
                ok = r1 == op and r2 == inv(op)
            if ok:
                passed += 1
                continue
            key = (label, eco, a, op, b)
            if key in EXCEPTIONS:
                exc += 1
                continue
            total_fail += 1
            if total_fail <= 400:
                print("FAIL %s [%s]: %s %s %s, vigil says %s (reverse %s)"
                      % (label, eco, a, op, b, r1, r2))
        total_exc += exc
        print("%-50s %-10s %5d/%5d passed, %d listed exceptions" % (label, eco, passed, n, exc))
    total_fail += containment()
    print("failures: %d, exceptions: %d" % (total_fail, total_exc))
    sys.exit(1 if total_fail else 0)


if __name__ == "__main__":
    main()
