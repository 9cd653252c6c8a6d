/* libFuzzer driver for the version schemes: the first byte picks the
 * ecosystem, the rest is split at the first '|' into two versions (a third
 * after a second '|'). Checks: no crash, keys bounded and deterministic,
 * vg_version_cmp agrees with the keys, antisymmetry, transitivity, and for
 * Debian and RPM the key order agrees with a direct comparator written from
 * the published algorithms (dpkg's verrevcmp, rpmvercmp). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/version/version.h"

static int isal(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int isdg(int c) { return c >= '0' && c <= '9'; }

static int order(int c)
{
    if (c >= '0' && c <= '9')
        return 0;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

/* dpkg verrevcmp over [a, ae) and [b, be) */
static int deb_cmp(const char *a, const char *ae, const char *b, const char *be)
{
    while (a < ae || b < be) {
        int first_diff = 0;
        while ((a < ae && !(*a >= '0' && *a <= '9')) || (b < be && !(*b >= '0' && *b <= '9'))) {
            int ac = a < ae ? order((unsigned char)*a) : 0;
            int bc = b < be ? order((unsigned char)*b) : 0;
            if (ac != bc)
                return ac < bc ? -1 : 1;
            if (a < ae)
                a++;
            if (b < be)
                b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        while (a < ae && *a >= '0' && *a <= '9' && b < be && *b >= '0' && *b <= '9') {
            if (!first_diff)
                first_diff = *a - *b;
            a++;
            b++;
        }
        if (a < ae && *a >= '0' && *a <= '9')
            return 1;
        if (b < be && *b >= '0' && *b <= '9')
            return -1;
        if (first_diff)
            return first_diff < 0 ? -1 : 1;
    }
    return 0;
}

static void deb_split(const char *v, size_t n, const char **ep, size_t *epn, const char **up,
                      const char **upe, const char **rev, const char **reve)
{
    const char *e = v + n, *c = memchr(v, ':', n);
    for (const char *p = v; c && p < c; p++)
        if (!isdg(*p))
            c = NULL; /* rpm: not an epoch, part of the version */
    *ep = v;
    *epn = c ? (size_t)(c - v) : 0;
    *up = c ? c + 1 : v;
    const char *dash = NULL;
    for (const char *p = *up; p < e; p++)
        if (*p == '-')
            dash = p;
    *upe = dash ? dash : e;
    *rev = dash ? dash + 1 : e;
    *reve = e;
}

static int num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    while (an && *a == '0')
        a++, an--;
    while (bn && *b == '0')
        b++, bn--;
    if (an != bn)
        return an < bn ? -1 : 1;
    int c = memcmp(a, b, an);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

static int deb_full(const char *a, size_t an, const char *b, size_t bn)
{
    trim(&a, &an);
    trim(&b, &bn);
    const char *ea, *ua, *uae, *ra, *rae, *eb, *ub, *ube, *rb, *rbe;
    size_t ean, ebn;
    deb_split(a, an, &ea, &ean, &ua, &uae, &ra, &rae);
    deb_split(b, bn, &eb, &ebn, &ub, &ube, &rb, &rbe);
    int c = num_cmp(ea, ean, eb, ebn);
    if (c)
        return c;
    c = deb_cmp(ua, uae, ub, ube);
    if (c)
        return c;
    return deb_cmp(ra, rae, rb, rbe);
}


/* rpmvercmp over [a, ae) and [b, be) */
static int rpm_cmp(const char *one, const char *oe, const char *two, const char *te)
{
    while (one < oe || two < te) {
        while (one < oe && !isal(*one) && !isdg(*one) && *one != '~' && *one != '^')
            one++;
        while (two < te && !isal(*two) && !isdg(*two) && *two != '~' && *two != '^')
            two++;
        if ((one < oe && *one == '~') || (two < te && *two == '~')) {
            if (!(one < oe && *one == '~'))
                return 1;
            if (!(two < te && *two == '~'))
                return -1;
            one++, two++;
            continue;
        }
        if ((one < oe && *one == '^') || (two < te && *two == '^')) {
            if (one >= oe)
                return -1;
            if (two >= te)
                return 1;
            if (*one != '^')
                return 1;
            if (*two != '^')
                return -1;
            one++, two++;
            continue;
        }
        if (!(one < oe && two < te))
            break;
        const char *s1 = one, *s2 = two;
        int isnum = isdg(*s1);
        while (s1 < oe && (isnum ? isdg(*s1) : isal(*s1)))
            s1++;
        while (s2 < te && (isnum ? isdg(*s2) : isal(*s2)))
            s2++;
        if (two == s2)
            return isnum ? 1 : -1;
        int c;
        if (isnum) {
            c = num_cmp(one, (size_t)(s1 - one), two, (size_t)(s2 - two));
        } else {
            size_t l1 = (size_t)(s1 - one), l2 = (size_t)(s2 - two);
            c = memcmp(one, two, l1 < l2 ? l1 : l2);
            if (c == 0)
                c = l1 < l2 ? -1 : l1 > l2 ? 1 : 0;
            c = c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        if (c)
            return c;
        one = s1, two = s2;
    }
    if (one >= oe && two >= te)
        return 0;
    return one >= oe ? -1 : 1;
}

static int rpm_full(const char *a, size_t an, const char *b, size_t bn)
{
    const char *ea, *ua, *uae, *ra, *rae, *eb, *ub, *ube, *rb, *rbe;
    size_t ean, ebn;
    deb_split(a, an, &ea, &ean, &ua, &uae, &ra, &rae);
    deb_split(b, bn, &eb, &ebn, &ub, &ube, &rb, &rbe);
    int c = num_cmp(ea, ean, eb, ebn);
    if (c)
        return c;
    c = rpm_cmp(ua, uae, ub, ube);
    if (c)
        return c;
    int ha = uae < a + an, hb = ube < b + bn; /* has a release */
    if (ha != hb)
        return ha ? 1 : -1;
    return rpm_cmp(ra, rae, rb, rbe);
}

static int key(int eco, const char *s, size_t n, unsigned char *k, size_t *kl)
{
    struct vg_err err = {0};
    int rc = vg_version_key_buf(eco, s, n, k, VG_VERSION_KEY_MAX, kl, &err);
    if (rc != VG_OK && rc != VG_EINVAL && rc != VG_ETOOBIG)
        abort();
    if (rc == VG_OK && *kl > VG_VERSION_KEY_MAX)
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char ka[VG_VERSION_KEY_MAX], kb[VG_VERSION_KEY_MAX], kc[VG_VERSION_KEY_MAX],
        k2[VG_VERSION_KEY_MAX];
    if (size < 1)
        return 0;
    int eco = data[0] % VG_ECO_COUNT;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *bar = memchr(s, '|', n);
    size_t an = bar ? (size_t)(bar - s) : n;
    const char *b = bar ? bar + 1 : s;
    size_t bn = bar ? n - an - 1 : n;
    const char *bar2 = memchr(b, '|', bn);
    const char *c = bar2 ? bar2 + 1 : b;
    size_t cn = bar2 ? bn - (size_t)(bar2 - b) - 1 : bn;
    if (bar2)
        bn = (size_t)(bar2 - b);
    size_t la = 0, lb = 0, lc = 0, l2 = 0;
    int ra = key(eco, s, an, ka, &la);
    if (ra == VG_OK) {
        /* deterministic */
        if (key(eco, s, an, k2, &l2) != VG_OK || l2 != la || memcmp(ka, k2, la) != 0)
            abort();
        (void)vg_version_key_is_prerelease(eco, ka, la);
    }
    int rb = key(eco, b, bn, kb, &lb);
    int rc = key(eco, c, cn, kc, &lc);
    if (ra == VG_OK && rb == VG_OK) {
        int r = 9, r2 = 9;
        struct vg_err err = {0};
        if (vg_version_cmp(eco, s, an, b, bn, &r, &err) != VG_OK)
            abort();
        if (r != vg_key_cmp(ka, la, kb, lb))
            abort();
        if (vg_version_cmp(eco, b, bn, s, an, &r2, &err) != VG_OK || r2 != -r)
            abort();
        int sch = vg_eco_scheme(eco);
        if (sch == VG_ECO_DEBIAN && deb_full(s, an, b, bn) != r)
            abort();
        if (sch == VG_ECO_RPM && rpm_full(s, an, b, bn) != r)
            abort();
        if (rc == VG_OK) {
            int ab = vg_key_cmp(ka, la, kb, lb), bc = vg_key_cmp(kb, lb, kc, lc);
            int ac = vg_key_cmp(ka, la, kc, lc);
            if (ab <= 0 && bc <= 0 && ac > 0)
                abort();
        }
    }
    return 0;
}
