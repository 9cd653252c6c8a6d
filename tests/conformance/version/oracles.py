#!/usr/bin/env python3
"""Differential tests of vigil's version order against the real tools:
dpkg --compare-versions, rpm's rpm.vercmp (lua), Maven's ComparableVersion
(Debian's maven-artifact jar), PEP 440 (Debian's python3-packaging) and
node-semver (tests/node_modules/semver) for versions and npm ranges.
Usage: oracles.py dpkg|rpm|maven|pep440|semver|npm-range [RANGE_TOOL]
Inputs: the fixture versions of the ecosystem, plus generated and mutated
ones (a fixed seed, so runs are reproducible). Under CI=true a missing tool
fails; otherwise the test skips (77). Prints the number of cases compared and
every disagreement; exits 1 on any that is not a listed rule difference."""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

TD = os.environ.get("VIGIL_TESTDATA", "")
BIN = os.environ.get("VIGIL_BIN", "")
SRC = os.environ.get("VIGIL_SRC", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CI = os.environ.get("CI") == "true"
SEED = int(os.environ.get("VIGIL_ORACLE_SEED", "4242"))
N_GEN = int(os.environ.get("VIGIL_ORACLE_N", "3000"))
rnd = random.Random(SEED)


def skip_or_fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1 if CI else 77)


def need(path_or_cmd):
    if os.path.isabs(path_or_cmd):
        if not os.path.exists(path_or_cmd):
            skip_or_fail("missing " + path_or_cmd)
    elif shutil.which(path_or_cmd) is None:
        skip_or_fail("missing tool " + path_or_cmd)


def vigil_cmp(eco, pairs):
    data = "".join("%s %s\n" % p for p in pairs)
    p = subprocess.run([BIN, "vercmp", eco, "-"], input=data.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    out = p.stdout.decode().split("\n")[: len(pairs)]
    if len(out) != len(pairs):
        print("vigil vercmp %s: short output (rc %d) %s" % (eco, p.returncode, p.stderr[:300]))
        sys.exit(1)
    return out


def fixture_versions(*names):
    vs = set()
    for name in names:
        path = os.path.join(TD, "osv-versions", name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in "<=>" and not line.startswith(("# ", "// ")):
                    vs.add(parts[0])
                    vs.add(parts[2])
    return sorted(vs)


def mutate(v, alphabet):
    v = list(v)
    for _ in range(rnd.randint(1, 2)):
        op = rnd.randint(0, 3)
        if op == 0 and v:
            i = rnd.randrange(len(v))
            if v[i].isdigit():
                v[i] = str(rnd.randint(0, 9))
            else:
                v[i] = rnd.choice(alphabet)
        elif op == 1:
            v.insert(rnd.randint(0, len(v)), rnd.choice(alphabet))
        elif op == 2 and len(v) > 1:
            del v[rnd.randrange(len(v))]
        else:
            v += list(rnd.choice(alphabet))
    return "".join(v)


def make_pairs(vs, n_pairs):
    vs = [v for v in vs if v and " " not in v and "\t" not in v]
    pairs = set()
    # neighbours in a textual sort give close versions, random pairs give the rest
    s = sorted(vs)
    for a, b in zip(s, s[1:]):
        pairs.add((a, b))
    while len(pairs) < n_pairs and len(vs) > 1:
        pairs.add((rnd.choice(vs), rnd.choice(vs)))
    return sorted(pairs)


def report(name, compared, disagreements, allowed):
    bad = [d for d in disagreements if not allowed(d)]
    for d in (bad + [x for x in disagreements if x not in bad])[:40]:
        print("disagree %s: %s %s, vigil %s, oracle %s%s" % (
            name, d[0], d[1], d[2], d[3], "" if d in bad else " (listed rule difference)"))
    print("%s: %d cases compared, %d disagreements (%d listed rule differences)" % (
        name, compared, len(disagreements), len(disagreements) - len(bad)))
    sys.exit(1 if bad else 0)


def compare(name, eco, pairs, oracle_results, allowed=lambda d: False):
    """oracle_results: list of '<', '=', '>' or None (oracle rejects the input)."""
    ours = vigil_cmp(eco, pairs)
    dis = []
    compared = 0
    for (a, b), o, v in zip(pairs, oracle_results, ours):
        if o is None or v == "!":
            continue  # one side rejects the version: nothing to compare
        compared += 1
        if o != v:
            dis.append((a, b, v, o))
    report(name, compared, dis, allowed)


# ---- dpkg --------------------------------------------------------------------

def gen_debian():
    out = []
    for _ in range(N_GEN):
        up = str(rnd.randint(0, 30))
        for _ in range(rnd.randint(0, 4)):
            up += rnd.choice([".", ".", "+", "~", "", "."]) + rnd.choice(
                [str(rnd.randint(0, 20)), rnd.choice(["a", "b", "rc", "dfsg", "git", "beta", "z"]),
                 str(rnd.randint(0, 9)) + rnd.choice(["a", "b", ""])])
        v = up
        if rnd.random() < 0.6:
            rev = rnd.choice(["1", "2", "0", "1ubuntu1", "1+deb11u1", "3~bpo1", "1.1", "10"])
            v += "-" + rev
        if rnd.random() < 0.15:
            v = "%d:%s" % (rnd.randint(0, 3), v)
        out.append(v)
    return out


def oracle_dpkg():
    need("dpkg")
    vs = fixture_versions("debian-versions.txt", "debian-versions-generated.txt")
    vs = rnd.sample(vs, min(len(vs), 1500)) + gen_debian()
    vs += [mutate(v, list("0123456789.+~ab")) for v in rnd.sample(vs, 800)]
    pairs = make_pairs(vs, 5000)

    def one(p):
        a, b = p
        r = subprocess.run(["dpkg", "--compare-versions", a, "lt", b], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        if r.stderr:
            return None  # dpkg warns about bad syntax: not a valid version
        if r.returncode == 0:
            return "<"
        if r.returncode != 1:
            return None
        r = subprocess.run(["dpkg", "--compare-versions", a, "eq", b], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return "=" if r.returncode == 0 else ">"

    with ThreadPoolExecutor(max_workers=max(4, (os.cpu_count() or 4) * 2)) as ex:
        res = list(ex.map(one, pairs))
    compare("dpkg", "Debian", pairs, res)


# ---- rpm ---------------------------------------------------------------------

def gen_rpm():
    out = []
    for _ in range(N_GEN):
        v = str(rnd.randint(0, 20))
        for _ in range(rnd.randint(0, 4)):
            v += rnd.choice([".", ".", "_", "+", "~", "^", ""]) + rnd.choice(
                [str(rnd.randint(0, 20)), rnd.choice(["a", "b", "rc", "git", "el8", "fc38", "pre"])])
        if rnd.random() < 0.7:
            v += "-" + rnd.choice(["1", "2", "1.el8", "3.fc38", "0.1.rc1", "1~beta", "2^post"])
        if rnd.random() < 0.15:
            v = "%d:%s" % (rnd.randint(0, 3), v)
        out.append(v)
    return out


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def oracle_rpm():
    need("rpm")
    vs = fixture_versions("redhat-versions.txt") + gen_rpm()
    vs += [mutate(v, list("0123456789._+~^ab")) for v in rnd.sample(vs, 800)]
    vs = [v for v in vs if "%" not in v and "{" not in v and "}" not in v]
    pairs = make_pairs(vs, 6000)
    res = []
    for i in range(0, len(pairs), 500):
        chunk = pairs[i:i + 500]
        body = " ".join("print(rpm.vercmp(%s,%s)..'\\n')" % (lua_str(a), lua_str(b)) for a, b in chunk)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(body)
            path = f.name
        try:
            r = subprocess.run(["rpm", "--eval", "%%{lua: dofile(%s)}" % lua_str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        finally:
            os.unlink(path)
        lines = [x for x in r.stdout.decode().split("\n") if x.strip() != ""]
        if len(lines) != len(chunk):
            print("rpm: %d results for %d pairs: %s" % (len(lines), len(chunk), r.stderr[:300]))
            sys.exit(1)
        res += [{"-1": "<", "0": "=", "1": ">"}[x.strip()] for x in lines]
    compare("rpm", "Red Hat", pairs, res)


# ---- Maven -------------------------------------------------------------------

MAVEN_JAR = "/usr/share/java/maven-artifact-3.x.jar"
QUALS = ["alpha", "a", "beta", "b", "milestone", "m", "rc", "cr", "snapshot", "SNAPSHOT", "ga",
         "final", "Final", "sp", "foo", "xyz", "jre", "RC", "M", "GA"]


def gen_maven():
    out = []
    for _ in range(N_GEN):
        v = str(rnd.randint(0, 12))
        for _ in range(rnd.randint(0, 4)):
            sep = rnd.choice([".", ".", "-", ""])
            if sep == "" and v[-1].isdigit():
                tok = rnd.choice(QUALS)
            elif sep == "":
                tok = str(rnd.randint(0, 9))
            else:
                tok = rnd.choice([str(rnd.randint(0, 12)), rnd.choice(QUALS),
                                  rnd.choice(QUALS) + str(rnd.randint(0, 9)), "0" + str(rnd.randint(0, 9))])
            v += sep + tok
        out.append(v)
    return out


# Maven's ComparableVersion is not a total order: a qualifier or a null item
# (0, "", ga, final) and a sub-list at the same place compare by type
# (string < list < number) while each compares with the end of a shorter
# version by its sign, and the two disagree: "12final.2" < "12-alpha" <
# "12" < "12final.2". A key must break such cycles somewhere; vigil follows
# the sign. Pairs decided at such a place are listed rule differences, as are
# the two rules Maven 3.9 changed after the Debian jar (3.8.7): "release" is
# an alias of "" (MNG-7559) and a sub-list is compared with padding item by
# item (MNG-6964).
QUAL_ORDER = {"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}


def parse_tokens(v):
    """ComparableVersion's item tree for v (used only to classify
    disagreements): nested lists of str, "" for ga/final/release."""
    v = v.lower()
    root = []
    stack = [root]
    cur = root
    is_digit = False
    start = 0

    def item(digit, buf, followed=False):
        if digit:
            return buf.lstrip("0") or "0"
        if followed and len(buf) == 1:
            buf = {"a": "alpha", "b": "beta", "m": "milestone"}.get(buf, buf)
        return {"ga": "", "final": "", "release": "", "cr": "rc"}.get(buf, buf)

    def sub():
        nonlocal cur
        new = []
        cur.append(new)
        stack.append(new)
        cur = new

    for i, c in enumerate(v):
        if c in ".-":
            cur.append("0" if i == start else item(is_digit, v[start:i]))
            start = i + 1
            if c == "-":
                sub()
        elif c.isdigit():
            if not is_digit and i > start:
                if cur:
                    sub()
                cur.append(item(False, v[start:i], True))
                start = i
                sub()
            is_digit = True
        else:
            if is_digit and i > start:
                cur.append(item(True, v[start:i]))
                start = i
                sub()
            is_digit = False
    if len(v) > start:
        if not is_digit and cur:
            sub()
        cur.append(item(is_digit, v[start:]))
    for lst in reversed(stack):
        i = len(lst) - 1
        while i >= 0:
            x = lst[i]
            null = (x == [] if isinstance(x, list) else (x == "0" or x == ""))
            if null:
                del lst[i]
            elif not isinstance(x, list):
                break
            i -= 1
    return root


def item_sign(x):
    if isinstance(x, list):
        for y in x:
            sg = item_sign(y)
            if sg:
                return sg
        return 0
    if x.isdigit():
        return 1 if int(x) else 0
    q = QUAL_ORDER.get(x, 7)
    return -1 if q < 5 else 0 if q == 5 else 1


def suffix_sign(lst, i):
    for y in lst[i:]:
        sg = item_sign(y)
        if sg:
            return sg
    return 0


def kind(x):
    return 2 if isinstance(x, list) else 3 if x.isdigit() else 1


def maven_irregular(ta, tb):
    """True when the comparison of two token trees is decided at a place where
    Maven's type order and the sign order disagree, or by a 3.8/3.9 rule."""
    i = 0
    while i < max(len(ta), len(tb)):
        x = ta[i] if i < len(ta) else None
        y = tb[i] if i < len(tb) else None
        if x is None or y is None:
            other = y if x is None else x
            if isinstance(other, list) and other and item_sign(other[0]) == 0:
                return True  # MNG-6964
            return False
        if isinstance(x, list) and isinstance(y, list):
            if x == y:
                i += 1
                continue
            return maven_irregular(x, y)
        if x == y:
            i += 1
            continue
        if kind(x) != kind(y):
            by_type = -1 if kind(x) < kind(y) else 1
            sx = suffix_sign(ta, i)
            sy = suffix_sign(tb, i)
            if sx != sy:
                by_sign = -1 if sx < sy else 1
                return by_type != by_sign
            return False
        if kind(x) == 3 and (int(x) == 0) != (int(y) == 0):
            return suffix_sign(ta, i + 1) < 0 or suffix_sign(tb, i + 1) < 0
        if kind(x) == 1 and (QUAL_ORDER.get(x, 7) == 5 or QUAL_ORDER.get(y, 7) == 5):
            return True
        return False
    return False


MAVEN_TOKENS = {}


def maven_39_rule(d):
    a, b = d[0], d[1]
    if "release" in a.lower() or "release" in b.lower():
        return True
    ta, tb = MAVEN_TOKENS.get(a), MAVEN_TOKENS.get(b)
    if ta is None or tb is None:
        return False
    return maven_irregular(ta, tb)


def oracle_maven():
    need("java")
    need(MAVEN_JAR)
    vs = fixture_versions("maven-versions.txt", "maven-versions-generated.txt")
    vs = rnd.sample(vs, min(len(vs), 2000)) + gen_maven()
    vs += [mutate(v, list("0123456789.-abcrs")) for v in rnd.sample(vs, 800)]
    vs = [v for v in vs if v and not v.startswith("-")]
    pairs = make_pairs(vs, 6000)
    args = []
    for a, b in pairs:
        args += [a, b]
    res = []
    for i in range(0, len(args), 4000):
        chunk = args[i:i + 4000]
        r = subprocess.run(["java", "-cp", MAVEN_JAR,
                            "org.apache.maven.artifact.versioning.ComparableVersion"] + chunk,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = r.stdout.decode().split("\n")
        lines = [x for x in out if x.startswith("   ")]
        for v in chunk:
            MAVEN_TOKENS[v] = parse_tokens(v)
        # consecutive arguments are compared: keep a1-b1, a2-b2, ...
        for j in range(0, len(lines), 2):
            op = lines[j].strip().split(" ")
            res.append({"==": "=", "<": "<", ">": ">"}[op[1]])
    if len(res) != len(pairs):
        print("maven: %d results for %d pairs" % (len(res), len(pairs)))
        sys.exit(1)
    compare("maven", "Maven", pairs, res, allowed=maven_39_rule)


# ---- PEP 440 -------------------------------------------------------------------

def gen_pypi():
    out = []
    for _ in range(N_GEN):
        v = ".".join(str(rnd.randint(0, 12)) for _ in range(rnd.randint(1, 4)))
        if rnd.random() < 0.1:
            v = "%d!%s" % (rnd.randint(0, 2), v)
        if rnd.random() < 0.35:
            v += rnd.choice(["", ".", "-", "_"]) + rnd.choice(
                ["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "A", "RC"]) + rnd.choice(
                ["", str(rnd.randint(0, 5))])
        if rnd.random() < 0.25:
            v += rnd.choice([".post" + str(rnd.randint(0, 3)), "-" + str(rnd.randint(0, 3)), ".rev", "r1",
                             "_post2", ".POST1"])
        if rnd.random() < 0.25:
            v += rnd.choice([".dev", ".dev" + str(rnd.randint(0, 3)), "dev1", "-dev2", "_DEV"])
        if rnd.random() < 0.15:
            v += "+" + rnd.choice(["local", "1", "ubuntu.1", "abc-2", "0.1", "a_b"])
        if rnd.random() < 0.05:
            v = "v" + v
        out.append(v)
    return out


PEP440_DRIVER = r"""
import sys
from packaging.version import Version, InvalidVersion
def p(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None
for line in sys.stdin:
    a, b = line.rstrip("\n").split(" ")
    x, y = p(a), p(b)
    if x is None or y is None:
        print("?")
    else:
        print("<" if x < y else ">" if x > y else "=")
"""


def oracle_pep440():
    py = "/usr/bin/python3"
    need(py)
    r = subprocess.run([py, "-c", "import packaging.version"], stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        skip_or_fail("python3-packaging missing for /usr/bin/python3")
    vs = fixture_versions("pypi-versions.txt", "pypi-versions-generated.txt")
    vs = rnd.sample(vs, min(len(vs), 2000)) + gen_pypi()
    vs += [mutate(v, list("0123456789.-_abrcdevpost+")) for v in rnd.sample(vs, 800)]
    pairs = make_pairs(vs, 8000)
    r = subprocess.run([py, "-c", PEP440_DRIVER], input="".join("%s %s\n" % p for p in pairs).encode(),
                       stdout=subprocess.PIPE)
    res = [None if x == "?" else x for x in r.stdout.decode().split("\n")[: len(pairs)]]
    compare("pep440", "PyPI", pairs, res)


# ---- node-semver -------------------------------------------------------------

def node_modules():
    nm = os.path.join(SRC, "tests", "node_modules", "semver")
    if not os.path.isdir(nm):
        skip_or_fail("missing tests/node_modules/semver (run scripts/deps.sh)")
    need("node")
    return nm


def gen_semver():
    out = []
    for _ in range(N_GEN):
        v = "%d.%d.%d" % (rnd.randint(0, 4), rnd.randint(0, 12), rnd.randint(0, 12))
        if rnd.random() < 0.4:
            ids = []
            for _ in range(rnd.randint(1, 3)):
                ids.append(rnd.choice([str(rnd.randint(0, 12)), rnd.choice(
                    ["alpha", "beta", "rc", "a", "B", "x-y", "0a", "pre", "--", "Alpha"])]))
            v += "-" + ".".join(ids)
        if rnd.random() < 0.15:
            v += "+" + rnd.choice(["build", "1", "sha.5114f85", "x-1"])
        if rnd.random() < 0.05:
            v = "v" + v
        out.append(v)
    return out


SEMVER_DRIVER = r"""
const semver = require(process.argv[1]);
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (!line) continue;
  const [a, b] = line.split(' ');
  if (!semver.valid(a) || !semver.valid(b)) { out.push('?'); continue; }
  const c = semver.compare(a, b);
  out.push(c < 0 ? '<' : c > 0 ? '>' : '=');
}
process.stdout.write(out.join('\n') + '\n');
"""


def oracle_semver():
    nm = node_modules()
    vs = fixture_versions("semver-versions.txt") + gen_semver()
    vs += [mutate(v, list("0123456789.-+abrc")) for v in rnd.sample(vs, 800)]
    pairs = make_pairs(vs, 8000)
    r = subprocess.run(["node", "-e", SEMVER_DRIVER, nm], input="".join("%s %s\n" % p for p in pairs).encode(),
                       stdout=subprocess.PIPE)
    res = [None if x == "?" else x for x in r.stdout.decode().split("\n")[: len(pairs)]]
    compare("node-semver", "npm", pairs, res)


RANGE_DRIVER = r"""
const semver = require(process.argv[1]);
const lines = require('fs').readFileSync(0, 'utf8').split('\n');
const out = [];
for (const line of lines) {
  if (!line) continue;
  const [r, v] = line.split('\t');
  let ok = null;
  try { if (semver.validRange(r) !== null && semver.valid(v)) ok = semver.satisfies(v, r); } catch (e) {}
  out.push(ok === null ? '?' : ok ? '1' : '0');
}
process.stdout.write(out.join('\n') + '\n');
"""


def gen_partial():
    parts = [str(rnd.randint(0, 3)), str(rnd.randint(0, 3)), str(rnd.randint(0, 3))]
    k = rnd.choice([1, 2, 3, 3, 3])
    parts = parts[:k]
    if rnd.random() < 0.15:
        parts[-1] = rnd.choice(["x", "X", "*"])
    v = ".".join(parts)
    if k == 3 and "x" not in v.lower() and "*" not in v and rnd.random() < 0.25:
        v += "-" + rnd.choice(["alpha", "beta.1", "rc.2", "0"])
    return v


def gen_range():
    sets = []
    for _ in range(rnd.randint(1, 2)):
        if rnd.random() < 0.15:
            sets.append("%s - %s" % (gen_partial(), gen_partial()))
            continue
        comps = []
        for _ in range(rnd.randint(1, 2)):
            comps.append(rnd.choice(["", "^", "~", ">=", "<", "<=", ">", "=", "~>"]) + gen_partial())
        sets.append(" ".join(comps))
    if rnd.random() < 0.03:
        sets = [rnd.choice(["*", "", "x"])]
    return " || ".join(sets)


def oracle_npm_range(tool):
    nm = node_modules()
    if not tool or not os.access(tool, os.X_OK):
        skip_or_fail("range tool missing")
    cases = []
    for _ in range(6000):
        v = "%d.%d.%d" % (rnd.randint(0, 4), rnd.randint(0, 4), rnd.randint(0, 4))
        if rnd.random() < 0.3:
            v += "-" + rnd.choice(["alpha", "beta.1", "rc.2", "0", "beta.2"])
        cases.append((gen_range(), v))
    # real advisory ranges (univers' npm_advisory.json), each with versions
    # around the numbers it names
    native = []
    path = os.path.join(TD, "univers", "npm_advisory.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            native += [a.get("npm_native", "") for a in json.load(f)]
    path = os.path.join(TD, "univers", "schema", "range", "gitlab", "npm_gitlab_range_from_native.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            g = json.load(f)
        native += [t["input"]["native_range"] for t in (g["tests"] if isinstance(g, dict) else g)]
    if native:
        for rg in native:
            if not rg or "\t" in rg or "\n" in rg:
                continue
            nums = re.findall(r"(\d+)\.(\d+)\.(\d+)", rg) or [("1", "0", "0")]
            for _ in range(6):
                x, y, z = (int(t) for t in rnd.choice(nums))
                v = "%d.%d.%d" % (max(0, x + rnd.randint(-1, 1)), max(0, y + rnd.randint(-1, 1)),
                                  max(0, z + rnd.randint(-1, 1)))
                if rnd.random() < 0.2:
                    v += "-" + rnd.choice(["beta", "rc.1", "0"])
                cases.append((rg, v))
    data = "".join("%s\t%s\n" % c for c in cases).encode()
    r = subprocess.run(["node", "-e", RANGE_DRIVER, nm], input=data, stdout=subprocess.PIPE)
    oracle = r.stdout.decode().split("\n")[: len(cases)]
    r = subprocess.run([tool, "npm"], input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ours = r.stdout.decode().split("\n")[: len(cases)]
    dis = []
    compared = 0
    for (rg, v), o, u in zip(cases, oracle, ours):
        if o == "?" or u == "!":
            if (o == "?") != (u == "!"):
                dis.append((rg, v, u, o))
            continue
        compared += 1
        if o != u:
            dis.append((rg, v, u, o))
    report("node-semver ranges", compared, dis, lambda d: False)


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        skip_or_fail("VIGIL_BIN not set")
    if not TD or not os.path.isdir(TD):
        skip_or_fail("VIGIL_TESTDATA missing")
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    fn = {"dpkg": oracle_dpkg, "rpm": oracle_rpm, "maven": oracle_maven, "pep440": oracle_pep440,
          "semver": oracle_semver}.get(which)
    if which == "npm-range":
        oracle_npm_range(sys.argv[2] if len(sys.argv) > 2 else "")
    elif fn is None:
        print(__doc__)
        sys.exit(2)
    else:
        fn()


if __name__ == "__main__":
    main()
