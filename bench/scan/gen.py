#!/usr/bin/env python3
"""Generates an OSV-scale advisory database and SBOMs drawn from it, for
bench/scan. Python 3 standard library only; deterministic for a given seed.

Database: N advisories over P packages across eight ecosystems. Each package
has a release history (major.minor.patch); each advisory affects one package
(sometimes two) with realistic ranges: introduced at a release (or "0"),
fixed at a later one (sometimes last_affected, sometimes open-ended, sometimes
a second backport range), and the affected releases enumerated in `versions`
as osv.dev does. A small share is withdrawn. Written as
  OUT/nedb/<ecosystem>.nedb   one OSV document per line, osv-offline's layout
                              (file name = ecosystem lower-cased)
  OUT/osv.zip                 one OSV JSON file per advisory (osv.dev all.zip style)
SBOMs: OUT/sbom-<K>.cdx.json (CycloneDX 1.5) and OUT/sbom-<K>.purls (one purl
per line), K components: half from packages with advisories (random releases),
half from packages no advisory names.
Not for: correctness tests (tests/ hold those); this is load and speed only.
"""
import argparse
import json
import os
import random
import urllib.parse
import zipfile

ECOS = [  # (OSV ecosystem, purl type, share, nedb file stem)
    ("npm", "npm", 0.35),
    ("Maven", "maven", 0.20),
    ("PyPI", "pypi", 0.15),
    ("Go", "golang", 0.10),
    ("crates.io", "cargo", 0.05),
    ("RubyGems", "gem", 0.05),
    ("NuGet", "nuget", 0.05),
    ("Packagist", "composer", 0.05),
]


def pkg_name(eco, i, rnd):
    if eco == "npm":
        return "@scope%d/pkg-%d" % (i % 97, i) if i % 5 == 0 else "pkg-%d" % i
    if eco == "Maven":
        return "org.example%d.group:artifact-%d" % (i % 113, i)
    if eco == "PyPI":
        return "py-pkg-%d" % i
    if eco == "Go":
        return "github.com/org%d/mod-%d" % (i % 131, i)
    if eco == "crates.io":
        return "crate-%d" % i
    if eco == "RubyGems":
        return "gem-%d" % i
    if eco == "NuGet":
        return "Example.Package%d" % i
    return "vendor%d/package-%d" % (i % 89, i)


def purl_of(eco, ptype, name, version=None):
    """osv.dev's purl for a package (what osv-offline compares against)."""
    n = name.replace(":", "/", 1) if ptype == "maven" else name
    s = "pkg:%s/%s" % (ptype, "/".join(urllib.parse.quote(p, safe="") for p in n.split("/")))
    if version is not None:
        s += "@" + urllib.parse.quote(version, safe="")
    return s


def releases(rnd):
    out = []
    for major in range(rnd.randint(1, 4)):
        for minor in range(rnd.randint(1, 8)):
            for patch in range(rnd.randint(1, 6)):
                out.append("%d.%d.%d" % (major, minor, patch))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="data")
    ap.add_argument("--advisories", type=int, default=200000)
    ap.add_argument("--packages", type=int, default=50000)
    ap.add_argument("--sbom", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--seed", type=int, default=4242)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "nedb"), exist_ok=True)

    # packages, by ecosystem share; each with a release history
    pkgs = []
    for i in range(a.packages):
        r = rnd.random()
        acc = 0.0
        for eco, ptype, share in ECOS:
            acc += share
            if r < acc:
                break
        pkgs.append((eco, ptype, pkg_name(eco, i, rnd), releases(rnd)))

    files = {eco: open(os.path.join(a.out, "nedb", eco.lower() + ".nedb"), "w") for eco, _, _ in ECOS}
    z = zipfile.ZipFile(os.path.join(a.out, "osv.zip"), "w", zipfile.ZIP_DEFLATED, compresslevel=1)
    vulnerable = set()
    # every package gets at least one advisory; the rest are skewed towards
    # popular packages (the most popular gets ~100, as the busiest real ones do)
    order = list(range(a.packages)) + [int(a.packages * rnd.random() ** 1.5)
                                       for _ in range(a.advisories - a.packages)]
    for n, pi in enumerate(order[: a.advisories]):
        eco, ptype, name, rel = pkgs[pi]
        vid = "BENCH-%07d" % n
        affected = []
        for k in range(2 if rnd.random() < 0.08 and len(pkgs) > 1 else 1):
            if k:
                eco2, ptype2, name2, rel2 = pkgs[rnd.randrange(len(pkgs))]
            else:
                eco2, ptype2, name2, rel2 = eco, ptype, name, rel
            ranges, versions = [], []
            nr = 2 if rnd.random() < 0.15 and len(rel2) > 6 else 1
            cut = sorted(rnd.sample(range(len(rel2) + 1), min(len(rel2) + 1, 2 * nr)))
            for j in range(0, len(cut) - 1, 2):
                lo, hi = cut[j], cut[j + 1]
                ev = [{"introduced": "0" if (j == 0 and rnd.random() < 0.3) else rel2[lo]}]
                if ev[0]["introduced"] == "0":
                    lo = 0
                x = rnd.random()
                if hi >= len(rel2) or x < 0.05:
                    hi = len(rel2)  # no fix yet
                elif x < 0.15:
                    ev.append({"last_affected": rel2[hi - 1] if hi > lo else rel2[lo]})
                    hi = max(hi, lo + 1)
                else:
                    ev.append({"fixed": rel2[hi]})
                versions.extend(rel2[lo:hi])
                ranges.append({"type": "ECOSYSTEM" if eco2 != "Go" else "SEMVER", "events": ev})
            affected.append({
                "package": {"ecosystem": eco2, "name": name2, "purl": purl_of(eco2, ptype2, name2)},
                "ranges": ranges,
                "versions": versions,
                "database_specific": {"source": "bench"},
            })
        rec = {
            "schema_version": "1.6.0",
            "id": vid,
            "modified": "2024-01-01T00:00:00Z",
            "published": "2023-06-01T00:00:00Z",
            "aliases": ["CVE-2099-%05d" % n] if rnd.random() < 0.7 else [],
            "summary": "Synthetic advisory %d for %s" % (n, name),
            "affected": affected,
            "database_specific": {"severity": rnd.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"])},
        }
        if rnd.random() < 0.01:
            rec["withdrawn"] = "2024-02-01T00:00:00Z"
        else:
            for af in affected:
                vulnerable.add((af["package"]["ecosystem"], af["package"]["name"]))
        line = json.dumps(rec, separators=(",", ":"))
        # as in osv.dev's per-ecosystem exports, a record naming packages of
        # two ecosystems is in both ecosystems' files
        for e in sorted({af["package"]["ecosystem"] for af in affected}):
            files[e].write(line + "\n")
        z.writestr("%s/%s.json" % (eco, vid), line)
    for f in files.values():
        f.close()
    z.close()

    # SBOMs: half vulnerable-package components, half clean ones
    for k in a.sbom:
        comps = []
        for i in range(k):
            if i % 2 == 0:
                eco, ptype, name, rel = pkgs[rnd.randrange(len(pkgs))]
                v = rnd.choice(rel)
            else:
                eco, ptype, _ = ECOS[i % len(ECOS)]
                name = pkg_name(eco, a.packages + 1000000 + i, rnd)
                v = "1.%d.0" % (i % 10)
            if ptype == "golang":
                v = "v" + v
            comps.append({"type": "library", "name": name, "version": v,
                          "purl": purl_of(eco, ptype, name, v)})
        bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps}
        with open(os.path.join(a.out, "sbom-%d.cdx.json" % k), "w") as f:
            json.dump(bom, f)
        with open(os.path.join(a.out, "sbom-%d.purls" % k), "w") as f:
            for c in comps:
                f.write(c["purl"] + "\n")
    with open(os.path.join(a.out, "params.json"), "w") as f:
        json.dump(vars(a), f)
    print("gen: %d advisories over %d packages -> %s" % (a.advisories, a.packages, a.out))


if __name__ == "__main__":
    main()
