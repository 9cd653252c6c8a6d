/* Ecosystem names and the key dispatcher, plus the small schemes: SemVer
 * (npm, crates.io, Go, Hex...), NuGet, Pub, CRAN, Hackage, RubyGems and the
 * generic fallback, lexicographic and datetime.
 * Not for: ranges (range.c) or the larger schemes (maven.c, pypi.c, distro.c). */
#include "engine/version/version_int.h"

#include <stdint.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

/* ---- the ecosystem table ---------------------------------------------- */

struct eco_def {
    int eco;
    const char *name;  /* canonical OSV spelling */
    int scheme;        /* ecosystem whose key format this one uses */
    vg__keyfn key;
};

static const struct eco_def ecos[VG_ECO_COUNT] = {
    {VG_ECO_GENERIC, "generic", VG_ECO_GENERIC, vg__key_generic},
    {VG_ECO_SEMVER, "SEMVER", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_NPM, "npm", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_CRATES, "crates.io", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_GO, "Go", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_HEX, "Hex", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_MAVEN, "Maven", VG_ECO_MAVEN, vg__key_maven},
    {VG_ECO_PYPI, "PyPI", VG_ECO_PYPI, vg__key_pypi},
    {VG_ECO_RUBYGEMS, "RubyGems", VG_ECO_RUBYGEMS, vg__key_rubygems},
    {VG_ECO_NUGET, "NuGet", VG_ECO_NUGET, vg__key_nuget},
    {VG_ECO_PACKAGIST, "Packagist", VG_ECO_PACKAGIST, vg__key_packagist},
    {VG_ECO_DEBIAN, "Debian", VG_ECO_DEBIAN, vg__key_debian},
    {VG_ECO_UBUNTU, "Ubuntu", VG_ECO_DEBIAN, vg__key_debian},
    {VG_ECO_RPM, "RPM", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_REDHAT, "Red Hat", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_ROCKY, "Rocky Linux", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_ALMALINUX, "AlmaLinux", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_SUSE, "SUSE", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_OPENSUSE, "openSUSE", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_MAGEIA, "Mageia", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_OPENEULER, "openEuler", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_PHOTON, "Photon OS", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_AZURELINUX, "Azure Linux", VG_ECO_RPM, vg__key_rpm},
    {VG_ECO_ALPINE, "Alpine", VG_ECO_ALPINE, vg__key_alpine},
    {VG_ECO_WOLFI, "Wolfi", VG_ECO_ALPINE, vg__key_alpine},
    {VG_ECO_CHAINGUARD, "Chainguard", VG_ECO_ALPINE, vg__key_alpine},
    {VG_ECO_PUB, "Pub", VG_ECO_PUB, vg__key_pub},
    {VG_ECO_CRAN, "CRAN", VG_ECO_CRAN, vg__key_cran},
    {VG_ECO_BIOCONDUCTOR, "Bioconductor", VG_ECO_CRAN, vg__key_cran},
    {VG_ECO_HACKAGE, "Hackage", VG_ECO_HACKAGE, vg__key_hackage},
    {VG_ECO_SWIFTURL, "SwiftURL", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_GHACTIONS, "GitHub Actions", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_BITNAMI, "Bitnami", VG_ECO_SEMVER, vg__key_semver},
    {VG_ECO_CONAN, "ConanCenter", VG_ECO_CONAN, vg__key_conan},
    {VG_ECO_ALPM, "Arch Linux", VG_ECO_ALPM, vg__key_alpm},
    {VG_ECO_GENTOO, "Gentoo", VG_ECO_GENTOO, vg__key_gentoo},
    {VG_ECO_OPENSSL, "OpenSSL", VG_ECO_OPENSSL, vg__key_openssl},
    {VG_ECO_DATETIME, "datetime", VG_ECO_DATETIME, vg__key_datetime},
    {VG_ECO_LEXICOGRAPHIC, "lexicographic", VG_ECO_LEXICOGRAPHIC, vg__key_lexicographic},
};

struct alias {
    const char *name;
    int eco;
};

/* Other OSV ecosystems whose versions follow one of ours. */
static const struct alias osv_aliases[] = {
    {"Alpaquita", VG_ECO_ALPINE},
    {"BellSoft Hardened Containers", VG_ECO_ALPINE},
    {"MinimOS", VG_ECO_ALPINE},
    {"Julia", VG_ECO_SEMVER},
    {"GHC", VG_ECO_SEMVER},
    {"Docker Hardened Images", VG_ECO_SEMVER},
    {"Echo", VG_ECO_DEBIAN},
};

static const struct alias purl_types[] = {
    {"npm", VG_ECO_NPM},         {"maven", VG_ECO_MAVEN},       {"pypi", VG_ECO_PYPI},
    {"golang", VG_ECO_GO},       {"cargo", VG_ECO_CRATES},      {"gem", VG_ECO_RUBYGEMS},
    {"composer", VG_ECO_PACKAGIST}, {"deb", VG_ECO_DEBIAN},     {"rpm", VG_ECO_RPM},
    {"apk", VG_ECO_ALPINE},      {"hex", VG_ECO_HEX},           {"pub", VG_ECO_PUB},
    {"cran", VG_ECO_CRAN},       {"hackage", VG_ECO_HACKAGE},   {"nuget", VG_ECO_NUGET},
    {"swift", VG_ECO_SWIFTURL},  {"conan", VG_ECO_CONAN},       {"alpm", VG_ECO_ALPM},
    {"bitnami", VG_ECO_BITNAMI}, {"githubactions", VG_ECO_GHACTIONS},
    {"bioconductor", VG_ECO_BIOCONDUCTOR}, {"generic", VG_ECO_GENERIC},
};

static const struct alias purl_namespaces[] = {
    {"deb/debian", VG_ECO_DEBIAN},     {"deb/ubuntu", VG_ECO_UBUNTU},
    {"rpm/redhat", VG_ECO_REDHAT},     {"rpm/rhel", VG_ECO_REDHAT},
    {"rpm/centos", VG_ECO_REDHAT},     {"rpm/rocky", VG_ECO_ROCKY},
    {"rpm/rocky-linux", VG_ECO_ROCKY}, {"rpm/almalinux", VG_ECO_ALMALINUX},
    {"rpm/suse", VG_ECO_SUSE},         {"rpm/sles", VG_ECO_SUSE},
    {"rpm/opensuse", VG_ECO_OPENSUSE}, {"rpm/mageia", VG_ECO_MAGEIA},
    {"rpm/openeuler", VG_ECO_OPENEULER}, {"rpm/photon", VG_ECO_PHOTON},
    {"rpm/azurelinux", VG_ECO_AZURELINUX}, {"rpm/mariner", VG_ECO_AZURELINUX},
    {"apk/alpine", VG_ECO_ALPINE},     {"apk/wolfi", VG_ECO_WOLFI},
    {"apk/chainguard", VG_ECO_CHAINGUARD},
};

static const struct alias vers_schemes[] = {
    {"npm", VG_ECO_NPM},        {"pypi", VG_ECO_PYPI},       {"maven", VG_ECO_MAVEN},
    {"deb", VG_ECO_DEBIAN},     {"debian", VG_ECO_DEBIAN},   {"rpm", VG_ECO_RPM},
    {"gem", VG_ECO_RUBYGEMS},   {"nuget", VG_ECO_NUGET},     {"golang", VG_ECO_GO},
    {"cargo", VG_ECO_CRATES},   {"composer", VG_ECO_PACKAGIST}, {"apk", VG_ECO_ALPINE},
    {"alpine", VG_ECO_ALPINE},  {"semver", VG_ECO_SEMVER},   {"generic", VG_ECO_GENERIC},
    {"alpm", VG_ECO_ALPM},      {"arch", VG_ECO_ALPM},       {"gentoo", VG_ECO_GENTOO},
    {"ebuild", VG_ECO_GENTOO},  {"conan", VG_ECO_CONAN},     {"openssl", VG_ECO_OPENSSL},
    {"datetime", VG_ECO_DATETIME}, {"lexicographic", VG_ECO_LEXICOGRAPHIC},
    {"hex", VG_ECO_HEX},        {"pub", VG_ECO_PUB},         {"cran", VG_ECO_CRAN},
    {"hackage", VG_ECO_HACKAGE}, {"swift", VG_ECO_SWIFTURL}, {"github", VG_ECO_GHACTIONS},
    {"mattermost", VG_ECO_SEMVER}, {"nginx", VG_ECO_SEMVER},
};

static int name_eq(const char *a, size_t an, const char *b, int fold)
{
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (fold) {
            x = vg__lower(x);
            y = vg__lower(y);
        }
        if (x != y)
            return 0;
    }
    return 1;
}

static int alias_find(const struct alias *t, size_t tn, const char *s, size_t n, int fold)
{
    for (size_t i = 0; i < tn; i++)
        if (name_eq(s, n, t[i].name, fold))
            return t[i].eco;
    return -1;
}

int vg_eco_parse(const char *name, size_t n)
{
    int rc = -1;
    if (name == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (name[i] == ':') {
            n = i;
            break;
        }
    for (size_t i = 0; i < VG_ARRAY_LEN(ecos); i++)
        if (name_eq(name, n, ecos[i].name, 1)) {
            rc = ecos[i].eco;
            goto out;
        }
    rc = alias_find(osv_aliases, VG_ARRAY_LEN(osv_aliases), name, n, 1);
out:
    return rc;
}

int vg_eco_from_purl_type(const char *type, size_t n)
{
    if (type == NULL)
        return -1;
    return alias_find(purl_types, VG_ARRAY_LEN(purl_types), type, n, 1);
}

int vg_eco_from_purl(const char *type, size_t tn, const char *ns, size_t nn)
{
    int eco = vg_eco_from_purl_type(type, tn);
    char buf[96];
    if (eco < 0 || ns == NULL || nn == 0 || tn + nn + 2 > sizeof(buf))
        return eco;
    memcpy(buf, type, tn);
    buf[tn] = '/';
    memcpy(buf + tn + 1, ns, nn);
    int r = alias_find(purl_namespaces, VG_ARRAY_LEN(purl_namespaces), buf, tn + 1 + nn, 1);
    return r >= 0 ? r : eco;
}

int vg_eco_from_vers_scheme(const char *scheme, size_t n)
{
    if (scheme == NULL)
        return -1;
    return alias_find(vers_schemes, VG_ARRAY_LEN(vers_schemes), scheme, n, 1);
}

const char *vg_eco_name(int eco)
{
    if (eco < 0 || eco >= VG_ECO_COUNT)
        return "";
    return ecos[eco].name;
}

int vg_eco_scheme(int eco)
{
    if (eco < 0 || eco >= VG_ECO_COUNT)
        return -1;
    return ecos[eco].scheme;
}

/* ---- keys ------------------------------------------------------------- */

void vg__kb_num(struct vg__kb *k, const char *d, size_t n)
{
    while (n > 0 && *d == '0') {
        d++;
        n--;
    }
    if (n > 255 || k->cap - k->n < n + 1) {
        k->over = 1;
        return;
    }
    k->p[k->n++] = (unsigned char)n;
    memcpy(k->p + k->n, d, n);
    k->n += n;
}

void vg__kb_str(struct vg__kb *k, const char *s, size_t n)
{
    if (k->cap - k->n < n + 1) {
        k->over = 1;
        return;
    }
    memcpy(k->p + k->n, s, n);
    k->n += n;
    k->p[k->n++] = 0;
}

int vg_version_key_buf(int eco, const char *v, size_t n, unsigned char *out, size_t cap,
                       size_t *keylen, struct vg_err *err)
{
    int rc = VG_OK;
    struct vg__kb k = {out, 0, cap, 0};
    if (eco < 0 || eco >= VG_ECO_COUNT) {
        rc = vg_err_set(err, VG_EINVAL, "unknown ecosystem %d", eco);
        goto out;
    }
    if (v == NULL || n == 0) {
        rc = vg_err_set(err, VG_EINVAL, "invalid %s version \"\": empty", ecos[eco].name);
        goto out;
    }
    if (n > VG_VERSION_MAX) {
        rc = vg_err_set(err, VG_ETOOBIG, "%s version \"%.32s...\" longer than %d bytes",
                        ecos[eco].name, v, VG_VERSION_MAX);
        goto out;
    }
    if (eco != VG_ECO_LEXICOGRAPHIC)
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)v[i];
            if (c < 0x20 || c == 0x7f) {
                rc = vg_err_set(err, VG_EINVAL,
                                "invalid %s version \"%.*s\": control byte at offset %zu",
                                ecos[eco].name, (int)(n > 64 ? 64 : n), v, i);
                goto out;
            }
        }
    if (ecos[eco].key(v, n, &k) != VG_OK) {
        rc = vg_err_set(err, VG_EINVAL, "invalid %s version \"%.*s\"", ecos[eco].name,
                        (int)(n > 96 ? 96 : n), v);
        goto out;
    }
    if (k.over) {
        rc = vg_err_set(err, VG_ETOOBIG, "%s version \"%.*s\": key longer than %zu bytes",
                        ecos[eco].name, (int)(n > 64 ? 64 : n), v, cap);
        goto out;
    }
    *keylen = k.n;
out:
    return rc;
}

int vg_version_key(int eco, const char *v, size_t n, struct vg_arena *a,
                   const unsigned char **key, size_t *keylen, struct vg_err *err)
{
    unsigned char buf[VG_VERSION_KEY_MAX];
    size_t len = 0;
    int rc = vg_version_key_buf(eco, v, n, buf, sizeof(buf), &len, err);
    if (rc)
        goto out;
    *key = vg_arena_memdup(a, buf, len ? len : 1);
    *keylen = len;
out:
    return rc;
}

int vg_key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

int vg_version_cmp(int eco, const char *a, size_t an, const char *b, size_t bn, int *result,
                   struct vg_err *err)
{
    unsigned char ka[VG_VERSION_KEY_MAX], kb[VG_VERSION_KEY_MAX];
    size_t la = 0, lb = 0;
    int rc = vg_version_key_buf(eco, a, an, ka, sizeof(ka), &la, err);
    if (rc)
        goto out;
    rc = vg_version_key_buf(eco, b, bn, kb, sizeof(kb), &lb, err);
    if (rc)
        goto out;
    *result = vg_key_cmp(ka, la, kb, lb);
out:
    return rc;
}

/* ---- SemVer and relatives --------------------------------------------- */

enum { SV_SEMVER, SV_NUGET, SV_PUB };

/* Pre-release / build identifiers: numeric ones 0x01+num, others 0x02+str. */
static int sv_idents(const char *s, size_t n, int fold, struct vg__kb *k)
{
    size_t i = 0;
    if (n == 0)
        return VG_EINVAL;
    while (i <= n) {
        size_t j = i;
        int alldig = 1;
        while (j < n && s[j] != '.') {
            int c = (unsigned char)s[j];
            if (!vg__isalnum(c) && c != '-')
                return VG_EINVAL;
            if (!vg__isdigit(c))
                alldig = 0;
            j++;
        }
        if (j == i)
            return VG_EINVAL;
        if (alldig) {
            vg__kb_byte(k, 0x01);
            vg__kb_num(k, s + i, j - i);
        } else {
            vg__kb_byte(k, 0x02);
            for (size_t x = i; x < j; x++)
                vg__kb_byte(k, fold ? (unsigned)vg__lower((unsigned char)s[x])
                                    : (unsigned char)s[x]);
            vg__kb_byte(k, 0);
        }
        i = j + 1;
    }
    return VG_OK;
}

static int semver_like(const char *v, size_t n, struct vg__kb *k, int mode)
{
    const char *num[64];
    size_t numlen[64], nc = 0, i = 0;
    size_t maxc = mode == SV_NUGET ? 4 : 64;
    if (i < n && (v[i] == 'v' || v[i] == 'V'))
        i++;
    for (;;) {
        size_t j = i;
        while (j < n && vg__isdigit((unsigned char)v[j]))
            j++;
        if (j == i || nc == maxc)
            return VG_EINVAL;
        num[nc] = v + i;
        numlen[nc++] = j - i;
        i = j;
        if (i < n && v[i] == '.' && i + 1 < n && vg__isdigit((unsigned char)v[i + 1])) {
            i++;
            continue;
        }
        break;
    }
    for (size_t c = 0; c < 3; c++)
        vg__kb_num(k, c < nc ? num[c] : "", c < nc ? numlen[c] : 0);
    /* components past the third (4-part NuGet, lenient others): trailing zeros dropped */
    size_t last = nc;
    while (last > 3) {
        size_t z = 0;
        while (z < numlen[last - 1] && num[last - 1][z] == '0')
            z++;
        if (z != numlen[last - 1])
            break;
        last--;
    }
    for (size_t c = 3; c < last; c++) {
        vg__kb_byte(k, VG__SV_EXTRA);
        vg__kb_num(k, num[c], numlen[c]);
    }
    size_t pre = n, pren = 0, build = n, buildn = 0;
    if (i < n && (v[i] == '-' || vg__isalpha((unsigned char)v[i]))) {
        size_t s = v[i] == '-' ? i + 1 : i;
        size_t e = s;
        while (e < n && v[e] != '+')
            e++;
        pre = s;
        pren = e - s;
        if (pren == 0)
            return VG_EINVAL;
        i = e;
    }
    if (i < n && v[i] == '+') {
        build = i + 1;
        buildn = n - build;
        if (buildn == 0)
            return VG_EINVAL;
        for (size_t x = build; x < n; x++) {
            int c = (unsigned char)v[x];
            if (!vg__isalnum(c) && c != '-' && c != '.' && c != '_' && c != '+')
                return VG_EINVAL;
        }
        i = n;
    }
    if (i != n)
        return VG_EINVAL;
    if (pren) {
        vg__kb_byte(k, VG__SV_PRE);
        if (sv_idents(v + pre, pren, mode == SV_NUGET, k))
            return VG_EINVAL;
        if (mode == SV_PUB)
            vg__kb_byte(k, 0x00);
    } else {
        vg__kb_byte(k, VG__SV_REL);
    }
    if (mode == SV_PUB && buildn) {
        /* Pub orders build identifiers like pre-release ones (1.0.0 < 1.0.0+1) */
        if (sv_idents(v + build, buildn, 0, k))
            return VG_EINVAL;
    }
    return VG_OK;
}

int vg__key_semver(const char *v, size_t n, struct vg__kb *k)
{
    return semver_like(v, n, k, SV_SEMVER);
}

int vg__key_nuget(const char *v, size_t n, struct vg__kb *k)
{
    return semver_like(v, n, k, SV_NUGET);
}

int vg__key_pub(const char *v, size_t n, struct vg__kb *k)
{
    return semver_like(v, n, k, SV_PUB);
}

size_t vg__semver_tag_offset(const unsigned char *key, size_t keylen)
{
    size_t i = 0;
    for (int c = 0; c < 3; c++) {
        if (i >= keylen)
            return keylen;
        i += 1 + key[i];
    }
    while (i < keylen && key[i] == VG__SV_EXTRA) {
        if (i + 1 >= keylen)
            return keylen;
        i += 2 + key[i + 1];
    }
    return i < keylen ? i : keylen;
}

int vg_version_key_is_prerelease(int eco, const unsigned char *key, size_t keylen)
{
    int s = vg_eco_scheme(eco);
    if (s != VG_ECO_SEMVER && s != VG_ECO_NUGET && s != VG_ECO_PUB)
        return 0;
    size_t t = vg__semver_tag_offset(key, keylen);
    return t < keylen && key[t] == VG__SV_PRE;
}

/* ---- numeric dotted: CRAN ('.' or '-'), Hackage ('.') ------------------- */

/* A sequence of numbers compared element-wise, a longer one greater when the
 * shorter is its prefix (0.1.0 < 0.1.0.0), which is plain concatenation of
 * self-delimiting number encodings. */
static int numeric_seq(const char *v, size_t n, const char *seps, struct vg__kb *k)
{
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < n && vg__isdigit((unsigned char)v[j]))
            j++;
        if (j == i)
            return VG_EINVAL;
        vg__kb_num(k, v + i, j - i);
        if (j == n)
            break;
        if (strchr(seps, v[j]) == NULL)
            return VG_EINVAL;
        i = j + 1;
    }
    return VG_OK;
}

int vg__key_cran(const char *v, size_t n, struct vg__kb *k)
{
    return numeric_seq(v, n, ".-", k);
}

int vg__key_hackage(const char *v, size_t n, struct vg__kb *k)
{
    return numeric_seq(v, n, ".", k);
}

/* ---- RubyGems and the generic fallback -------------------------------- */

/* Gem::Version order over segments (numbers and letter runs): missing
 * segments count as 0, strings sort below numbers, trailing zeros of the
 * numeric part and of the string part are dropped. A zero inside a run is
 * keyed by what follows it (a zero before a string sorts below the end of
 * the version, a zero before a number above it), which keeps memcmp exact. */
enum { GS_STR = 0x01, GS_ZNEG = 0x02, GS_END = 0x03, GS_ZPOS = 0x04, GS_NUM = 0x05 };

struct gseg {
    const char *s;
    size_t n;
    int num;  /* digits */
    int zero; /* numeric and == 0 */
};

static void gem_emit(struct gseg *seg, size_t ns, int fold, struct vg__kb *k)
{
    /* canonical: numeric prefix, then the rest; trailing zeros of each dropped */
    size_t split = 0;
    while (split < ns && seg[split].num)
        split++;
    size_t nend = split;
    while (nend > 0 && seg[nend - 1].zero)
        nend--;
    size_t send = ns;
    while (send > split && seg[send - 1].zero)
        send--;
    struct gseg *out[VG_VERSION_MAX + 1];
    size_t no = 0;
    for (size_t i = 0; i < nend; i++)
        out[no++] = &seg[i];
    for (size_t i = split; i < send; i++)
        out[no++] = &seg[i];
    for (size_t i = 0; i < no; i++) {
        struct gseg *g = out[i];
        if (!g->num) {
            vg__kb_byte(k, GS_STR);
            for (size_t x = 0; x < g->n; x++)
                vg__kb_byte(k, fold ? (unsigned)vg__lower((unsigned char)g->s[x])
                                    : (unsigned char)g->s[x]);
            vg__kb_byte(k, 0);
        } else if (g->zero) {
            size_t j = i + 1;
            while (j < no && out[j]->zero)
                j++;
            vg__kb_byte(k, (j < no && !out[j]->num) ? GS_ZNEG : GS_ZPOS);
        } else {
            vg__kb_byte(k, GS_NUM);
            vg__kb_num(k, g->s, g->n);
        }
    }
    vg__kb_byte(k, GS_END);
}

static size_t gem_segments(const char *v, size_t n, struct gseg *seg, const char *pre_at)
{
    size_t ns = 0, i = 0;
    while (i < n) {
        int c = (unsigned char)v[i];
        if (pre_at != NULL && v + i == pre_at) {
            /* Gem replaces "-" with ".pre." */
            seg[ns++] = (struct gseg){"pre", 3, 0, 0};
            i++;
            continue;
        }
        if (!vg__isalnum(c)) {
            i++;
            continue;
        }
        size_t j = i;
        int d = vg__isdigit(c);
        while (j < n && (d ? vg__isdigit((unsigned char)v[j]) : vg__isalpha((unsigned char)v[j])))
            j++;
        int zero = 0;
        if (d) {
            zero = 1;
            for (size_t x = i; x < j; x++)
                if (v[x] != '0')
                    zero = 0;
        }
        seg[ns++] = (struct gseg){v + i, j - i, d, zero};
        i = j;
    }
    return ns;
}

int vg__key_rubygems(const char *v, size_t n, struct vg__kb *k)
{
    struct gseg seg[VG_VERSION_MAX + 1];
    size_t s = 0, e = n;
    while (s < e && (v[s] == ' ' || v[s] == '\t'))
        s++;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        e--;
    /* \A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z */
    size_t i = s;
    while (i < e && vg__isdigit((unsigned char)v[i]))
        i++;
    if (i == s && e > s)
        return VG_EINVAL;
    /* lenient as OSV: letters may follow the leading number ("1beta") */
    while (i < e && vg__isalnum((unsigned char)v[i]))
        i++;
    while (i < e && v[i] == '.') {
        size_t j = i + 1;
        while (j < e && vg__isalnum((unsigned char)v[j]))
            j++;
        if (j == i + 1)
            return VG_EINVAL;
        i = j;
    }
    const char *dash = NULL;
    if (i < e && v[i] == '-') {
        dash = v + i;
        size_t j = i + 1;
        for (;;) {
            size_t st = j;
            while (j < e && (vg__isalnum((unsigned char)v[j]) || v[j] == '-'))
                j++;
            if (j == st)
                return VG_EINVAL;
            if (j < e && v[j] == '.') {
                j++;
                continue;
            }
            break;
        }
        i = j;
    }
    if (i != e)
        return VG_EINVAL;
    /* every '-' after the first becomes ".pre." as well */
    size_t ns = 0;
    if (dash == NULL) {
        ns = gem_segments(v + s, e - s, seg, NULL);
    } else {
        size_t p = s;
        while (p < e) {
            size_t q = p;
            while (q < e && v[q] != '-')
                q++;
            ns += gem_segments(v + p, q - p, seg + ns, NULL);
            if (q < e)
                seg[ns++] = (struct gseg){"pre", 3, 0, 0};
            p = q + 1;
        }
    }
    gem_emit(seg, ns, 0, k);
    return VG_OK;
}

int vg__key_generic(const char *v, size_t n, struct vg__kb *k)
{
    struct gseg seg[VG_VERSION_MAX + 1];
    size_t ns = gem_segments(v, n, seg, NULL);
    if (ns == 0)
        return VG_EINVAL;
    gem_emit(seg, ns, 1, k);
    return VG_OK;
}

/* ---- lexicographic and datetime --------------------------------------- */

int vg__key_lexicographic(const char *v, size_t n, struct vg__kb *k)
{
    for (size_t i = 0; i < n; i++)
        vg__kb_byte(k, (unsigned char)v[i]);
    return VG_OK;
}

int vg__key_datetime(const char *v, size_t n, struct vg__kb *k)
{
    char buf[VG_VERSION_MAX + 1];
    int64_t ms;
    memcpy(buf, v, n);
    buf[n] = '\0';
    /* vers-spec: the canonical form uses upper-case T and Z */
    if (memchr(v, 't', n) != NULL || memchr(v, 'z', n) != NULL)
        return VG_EINVAL;
    if (vg_time_parse(buf, &ms) != 0)
        return VG_EINVAL;
    uint64_t u = (uint64_t)ms ^ (UINT64_C(1) << 63);
    for (int s = 56; s >= 0; s -= 8)
        vg__kb_byte(k, (unsigned)((u >> s) & 0xff));
    return VG_OK;
}
