/* Per-ecosystem version ordering: each version is parsed once into a byte key
 * whose memcmp order (a shorter key that is a prefix of a longer one sorts
 * first) is exactly the ecosystem's own order; equal versions get equal keys.
 * Pure: no I/O, no globals beyond static const tables; thread-safe.
 * Not for: ranges (range.h) or package names (purl/). */
#ifndef VG_VERSION_H
#define VG_VERSION_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"

/* Ecosystems. Several OSV ecosystems share one version scheme (vg_eco_scheme):
 * a key may be compared only with keys made for an ecosystem of the same
 * scheme. The numeric values are not stable across releases: never store them. */
enum vg_eco {
    VG_ECO_GENERIC = 0,   /* fallback: numeric and alphabetic runs (OSS-Fuzz, Linux, GHC...) */
    VG_ECO_SEMVER,        /* SemVer 2.0 (OSV SEMVER ranges, vers "semver") */
    VG_ECO_NPM,           /* semver, "v"/"=" prefix tolerated */
    VG_ECO_CRATES,        /* crates.io: semver */
    VG_ECO_GO,            /* semver with the "v" prefix, pseudo-versions, +incompatible */
    VG_ECO_HEX,           /* Hex (Elixir Version): semver */
    VG_ECO_MAVEN,         /* Maven ComparableVersion (3.9 rules) */
    VG_ECO_PYPI,          /* PEP 440; legacy (non-PEP 440) strings before every valid one */
    VG_ECO_RUBYGEMS,      /* Gem::Version */
    VG_ECO_NUGET,         /* NuGet SemVer 2 + 4-part legacy, case-insensitive */
    VG_ECO_PACKAGIST,     /* composer / PHP version_compare after normalisation */
    VG_ECO_DEBIAN,        /* dpkg: epoch, upstream, revision, '~' */
    VG_ECO_UBUNTU,        /* dpkg rules */
    VG_ECO_RPM,           /* rpmvercmp with epoch, '~' and '^' (generic "RPM") */
    VG_ECO_REDHAT,        /* "Red Hat" - rpm rules */
    VG_ECO_ROCKY,         /* "Rocky Linux" - rpm rules */
    VG_ECO_ALMALINUX,     /* "AlmaLinux" - rpm rules */
    VG_ECO_SUSE,          /* "SUSE" - rpm rules */
    VG_ECO_OPENSUSE,      /* "openSUSE" - rpm rules */
    VG_ECO_MAGEIA,        /* "Mageia" - rpm rules */
    VG_ECO_OPENEULER,     /* "openEuler" - rpm rules */
    VG_ECO_PHOTON,        /* "Photon OS" - rpm rules */
    VG_ECO_AZURELINUX,    /* "Azure Linux" - rpm rules */
    VG_ECO_ALPINE,        /* apk: suffixes _alpha _beta _pre _rc _cvs _svn _git _hg _p, -rN */
    VG_ECO_WOLFI,         /* "Wolfi" - apk rules */
    VG_ECO_CHAINGUARD,    /* "Chainguard" - apk rules */
    VG_ECO_PUB,           /* Dart pub: semver-like */
    VG_ECO_CRAN,          /* numeric, '.' or '-' separated */
    VG_ECO_BIOCONDUCTOR,  /* CRAN rules */
    VG_ECO_HACKAGE,       /* numeric dotted */
    VG_ECO_SWIFTURL,      /* semver */
    VG_ECO_GHACTIONS,     /* "GitHub Actions" - semver ("v4" = 4.0.0) */
    VG_ECO_BITNAMI,       /* semver */
    VG_ECO_CONAN,         /* "ConanCenter" - conan version */
    VG_ECO_ALPM,          /* Arch Linux: alpm vercmp (epoch, pkgrel) */
    VG_ECO_GENTOO,        /* Gentoo PMS version rules */
    VG_ECO_OPENSSL,       /* OpenSSL release names (1.0.2k, 3.0.1) */
    VG_ECO_DATETIME,      /* RFC 3339 instants (vers "datetime") */
    VG_ECO_LEXICOGRAPHIC, /* plain byte order (vers "lexicographic") */
    VG_ECO_COUNT
};

/* Bounds: a version longer than VG_VERSION_MAX bytes is VG_ETOOBIG; a key is
 * never longer than VG_VERSION_KEY_MAX bytes. */
#define VG_VERSION_MAX 256
#define VG_VERSION_KEY_MAX 1024

/* OSV ecosystem name (as OSV spells it, e.g. "npm", "Maven", "PyPI",
 * "Debian:11", "Red Hat", "Alpine:v3.16", "crates.io", "Rocky Linux") to
 * enum vg_eco; the ":suffix" release part is ignored. Matching is exact except
 * that ASCII case is ignored. Returns -1 when unknown. */
int vg_eco_parse(const char *name, size_t n);
/* purl type ("maven", "pypi", "golang", "cargo", "gem", "composer", "deb",
 * "rpm", "apk", "hex", "pub", "cran", "hackage", "nuget", "npm", "swift",
 * "conan", "alpm", "bitnami", "github") to enum vg_eco, or -1. */
int vg_eco_from_purl_type(const char *type, size_t n);
/* As vg_eco_from_purl_type, refined by the purl namespace for distributions:
 * deb/ubuntu -> UBUNTU, rpm/redhat -> REDHAT, rpm/opensuse -> OPENSUSE,
 * apk/wolfi -> WOLFI, ... ns may be NULL. */
int vg_eco_from_purl(const char *type, size_t tn, const char *ns, size_t nn);
/* vers versioning scheme ("npm", "pypi", "maven", "deb", "rpm", "gem",
 * "nuget", "golang", "cargo", "composer", "apk"/"alpine", "semver",
 * "generic", "alpm", "gentoo", "conan", "openssl", "datetime",
 * "lexicographic", ...) to enum vg_eco, or -1. */
int vg_eco_from_vers_scheme(const char *scheme, size_t n);
/* Canonical OSV name ("Red Hat", "crates.io"...); "" for an out-of-range value.
 * Static storage. */
const char *vg_eco_name(int eco);
/* The ecosystem whose key format eco uses (e.g. VG_ECO_UBUNTU -> VG_ECO_DEBIAN,
 * VG_ECO_ROCKY -> VG_ECO_RPM, VG_ECO_NPM -> VG_ECO_SEMVER). Keys of eco a and
 * eco b are comparable iff vg_eco_scheme(a) == vg_eco_scheme(b). */
int vg_eco_scheme(int eco);

/* Parses v[0..n) under eco's rules into its key. *key is arena-owned (a), not
 * NUL-terminated; *keylen <= VG_VERSION_KEY_MAX. Errors: VG_EINVAL (not a
 * version of that ecosystem; the message names it), VG_ETOOBIG (n >
 * VG_VERSION_MAX), VG_EINVAL for an unknown eco. */
int vg_version_key(int eco, const char *v, size_t n, struct vg_arena *a,
                   const unsigned char **key, size_t *keylen, struct vg_err *err);
/* As vg_version_key into a caller buffer of cap bytes (cap >=
 * VG_VERSION_KEY_MAX always suffices); no allocation. */
int vg_version_key_buf(int eco, const char *v, size_t n, unsigned char *out, size_t cap,
                       size_t *keylen, struct vg_err *err);

/* memcmp order with shorter-prefix-first: <0, 0, >0. */
int vg_key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn);

/* Compares two versions under eco's rules: *result is -1, 0 or 1. Errors as
 * vg_version_key (the message names the invalid one). */
int vg_version_cmp(int eco, const char *a, size_t an, const char *b, size_t bn, int *result,
                   struct vg_err *err);

/* True when key (made for a semver-scheme ecosystem) is a pre-release
 * (1.0.0-rc.1); 0 for every other scheme. Used by npm range semantics. */
int vg_version_key_is_prerelease(int eco, const unsigned char *key, size_t keylen);

#endif
