/* Package-name normalisation per ecosystem, and purl -> (ecosystem, name,
 * version). Not for: purl syntax (purl/) or versions (version/). */
#include "engine/match/match.h"
#include "engine/match/match_int.h"

#include "engine/version/version.h"

#include <string.h>

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

enum { NH_SAME, NH_LOWER, NH_CRATES, NH_SLOW };

static int norm_kind(int eco)
{
    switch (eco) {
    case VG_ECO_PYPI:
    case VG_ECO_SWIFTURL: return NH_SLOW; /* NH_LOWER when plain: checked below */
    case VG_ECO_CRATES: return NH_CRATES;
    case VG_ECO_NUGET:
    case VG_ECO_PACKAGIST:
    case VG_ECO_HEX:
    case VG_ECO_PUB:
    case VG_ECO_GHACTIONS:
    case VG_ECO_DEBIAN:
    case VG_ECO_UBUNTU:
    case VG_ECO_ALPINE:
    case VG_ECO_WOLFI:
    case VG_ECO_CHAINGUARD:
    case VG_ECO_ALPM:
    case VG_ECO_BITNAMI: return NH_LOWER;
    default: return NH_SAME;
    }
}

int vg_match_norm_name(int eco, const char *name, size_t n, char *out, size_t cap,
                       size_t *outlen)
{
    int rc = VG_OK;
    size_t j = 0, i = 0;

    if (n > VG_MATCH_NAME_MAX || n > cap) {
        rc = VG_ETOOBIG;
        goto out;
    }
    switch (eco) {
    case VG_ECO_PYPI: /* PEP 503: re.sub(r"[-_.]+", "-", name).lower() */
        for (i = 0; i < n; i++) {
            char c = name[i];
            if (c == '-' || c == '_' || c == '.') {
                while (i + 1 < n && (name[i + 1] == '-' || name[i + 1] == '_' || name[i + 1] == '.'))
                    i++;
                out[j++] = '-';
            } else {
                out[j++] = lower(c);
            }
        }
        break;
    case VG_ECO_CRATES: /* crates.io: case-insensitive, '-' and '_' equivalent */
        for (i = 0; i < n; i++)
            out[j++] = name[i] == '_' ? '-' : lower(name[i]);
        break;
    case VG_ECO_SWIFTURL: { /* URL identity: no scheme, no ".git", any case */
        const char *p = name, *e = name + n;
        const char *sep = NULL;
        for (const char *q = p; q + 2 < e; q++)
            if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
                sep = q;
                break;
            }
        if (sep)
            p = sep + 3;
        if (e - p > 4 && memcmp(e - 4, ".git", 4) == 0)
            e -= 4;
        while (e > p && e[-1] == '/')
            e--;
        for (; p < e; p++)
            out[j++] = lower(*p);
        break;
    }
    default:
        if (norm_kind(eco) == NH_LOWER) { /* case-insensitive registries */
            for (i = 0; i < n; i++)
                out[j++] = lower(name[i]);
        } else { /* Maven, npm, Go, RubyGems, RPM family, CRAN, Hackage...: as written */
            memcpy(out, name, n);
            j = n;
        }
        break;
    }
    *outlen = j;
out:
    return rc;
}

/* ASCII upper case to lower case in eight bytes at once (other bytes kept). */
static inline uint64_t lower8(uint64_t x)
{
    uint64_t h7 = x & 0x7f7f7f7f7f7f7f7full;
    uint64_t ge_a = h7 + 0x3f3f3f3f3f3f3f3full; /* bit 7 set: >= 'A' */
    uint64_t gt_z = h7 + 0x2525252525252525ull; /* bit 7 set: > 'Z' */
    uint64_t up = (ge_a ^ gt_z) & ~x & 0x8080808080808080ull;
    return x | (up >> 2);
}

/* Bytes equal to c, as 0x80 in their place (exact, no borrow effects). */
static inline uint64_t eq8(uint64_t x, unsigned char c)
{
    uint64_t t = x ^ (0x0101010101010101ull * c);
    uint64_t m = ((t & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | t;
    return ~m & 0x8080808080808080ull;
}

int vg__match_norm_hash(int eco, const char *name, size_t n, char *buf, size_t cap,
                        const char **norm, size_t *nl, uint64_t *h)
{
    int rc = VG_OK, kind = norm_kind(eco);
    uint64_t x = vg__hash_init(eco, n);
    size_t i = 0;

    if (n > VG_MATCH_NAME_MAX || ((n + 7) & ~(size_t)7) > cap) {
        rc = VG_ETOOBIG;
        goto out;
    }
    if (kind == NH_SLOW && eco == VG_ECO_PYPI) {
        /* PEP 503 is a lower-casing unless '_', '.' or "--" occur */
        kind = NH_LOWER;
        for (size_t j = 0; j < n; j++)
            if (name[j] == '_' || name[j] == '.' ||
                (name[j] == '-' && j + 1 < n && name[j + 1] == '-')) {
                kind = NH_SLOW;
                break;
            }
    }
    if (kind == NH_SLOW) {
        rc = vg_match_norm_name(eco, name, n, buf, cap, nl);
        if (rc)
            goto out;
        *norm = buf;
        *h = vg__match_hash(eco, buf, *nl);
        goto out;
    }
    if (kind == NH_SAME) {
        *norm = name;
        *nl = n;
        *h = vg__match_hash(eco, name, n);
        goto out;
    }
    /* lower case (crates.io: '_' as '-'), a word at a time, hashed as written */
    for (; i + 8 <= n; i += 8) {
        uint64_t w = lower8(vg__load64(name + i));
        if (kind == NH_CRATES)
            w ^= (eq8(w, '_') >> 7) * ('_' ^ '-');
        memcpy(buf + i, &w, 8);
        x = vg__hash_word(x, w);
    }
    if (i < n) {
        uint64_t w = lower8(vg__tail_word(name, n, n - i));
        if (kind == NH_CRATES)
            w ^= (eq8(w, '_') >> 7) * ('_' ^ '-');
        memcpy(buf + i, &w, 8);
        x = vg__hash_word(x, w);
    }
    *norm = buf;
    *nl = n;
    *h = vg__hash_fin(x);
out:
    return rc;
}

/* x, sep, y into a (a batch query maps a purl per query: no printf). */
static const char *join(struct vg_arena *a, const char *x, char sep, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y);
    char *r = vg_arena_alloc(a, nx + ny + 2);
    memcpy(r, x, nx);
    r[nx] = sep;
    memcpy(r + nx + 1, y, ny + 1);
    return r;
}

int vg_match_purl_pkg(const struct vg_purl *p, struct vg_arena *a, int *eco, const char **name,
                      const char **version, struct vg_err *err)
{
    int rc = VG_OK;
    const char *t = p->type;
    int e = vg_eco_from_purl(t, strlen(t), p->ns, p->ns ? strlen(p->ns) : 0);

    if (e < 0) {
        rc = vg_err_set(err, VG_ENOTFOUND, "purl type '%s' has no OSV ecosystem", t);
        goto out;
    }
    if (p->ns && (strcmp(t, "maven") == 0))
        *name = join(a, p->ns, ':', p->name);
    else if (p->ns && (strcmp(t, "npm") == 0 || strcmp(t, "golang") == 0 ||
                       strcmp(t, "composer") == 0 || strcmp(t, "swift") == 0 ||
                       strcmp(t, "github") == 0 || strcmp(t, "hackage") == 0 ||
                       strcmp(t, "conan") == 0))
        *name = join(a, p->ns, '/', p->name);
    else
        *name = p->name;
    *version = p->version;
    if (p->version && strcmp(t, "rpm") == 0 && strchr(p->version, ':') == NULL) {
        const char *epoch = vg_purl_qual(p, "epoch");
        if (epoch)
            *version = join(a, epoch, ':', p->version);
    }
    *eco = e;
out:
    return rc;
}
