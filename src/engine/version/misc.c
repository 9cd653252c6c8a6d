/* Version keys for Packagist (PHP version_compare after composer-style
 * canonicalisation), Conan, Arch Linux (alpm vercmp), Gentoo (PMS) and
 * OpenSSL release names. Not for: the schemes in version.c, maven.c, pypi.c
 * and distro.c. */
#include "engine/version/version_int.h"

#include <string.h>

/* ---- Packagist ---------------------------------------------------------- */

/* PHP canonicalises ("-", "_", "+" and other punctuation become ".", a dot
 * is put between digits and non-digits), then compares element by element:
 * numbers numerically, words by their special form (a prefix match):
 * unknown < dev < alpha=a < beta=b < RC=rc < # < pl=p, a number counting as
 * "#". When one side runs out, the other is greater if its next element is a
 * number, else its next word is compared with "#". */
enum {
    PK_UNKNOWN = 0x01, PK_DEV = 0x02, PK_ALPHA = 0x03, PK_BETA = 0x04, PK_RC = 0x05,
    PK_END = 0x06, PK_NUM = 0x07, PK_PL = 0x08,
};

static unsigned pk_form(const char *s, size_t n)
{
    static const struct {
        const char *w;
        unsigned f;
    } forms[] = {{"dev", PK_DEV}, {"alpha", PK_ALPHA}, {"a", PK_ALPHA}, {"beta", PK_BETA},
                 {"b", PK_BETA},  {"RC", PK_RC},       {"rc", PK_RC},   {"#", PK_END},
                 {"pl", PK_PL},   {"p", PK_PL}};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        size_t l = strlen(forms[i].w);
        if (n >= l && memcmp(s, forms[i].w, l) == 0)
            return forms[i].f;
    }
    return PK_UNKNOWN;
}

int vg__key_packagist(const char *v, size_t n, struct vg__kb *k)
{
    char out[VG_VERSION_MAX * 2 + 2];
    size_t q = 0, i = 0;
    if (n > 0 && (v[0] == 'v' || v[0] == 'V') && n > 1 && vg__isdigit((unsigned char)v[1])) {
        v++;
        n--;
    }
    if (n == 0)
        return VG_EINVAL;
    /* canonicalise as php_canonicalize_version does */
    out[q++] = v[0];
    int lp = (unsigned char)v[0];
    for (i = 1; i < n; i++) {
        int c = (unsigned char)v[i];
        int dig = vg__isdigit(c), ndig = !vg__isdigit(c) && c != '.';
        int ldig = vg__isdigit(lp), lndig = !vg__isdigit(lp) && lp != '.';
        if (c == '-' || c == '_' || c == '+') {
            if (out[q - 1] != '.')
                out[q++] = '.';
        } else if ((lndig && dig) || (ldig && ndig)) {
            if (out[q - 1] != '.')
                out[q++] = '.';
            out[q++] = (char)c;
        } else if (!vg__isalnum(c)) {
            if (out[q - 1] != '.')
                out[q++] = '.';
        } else {
            out[q++] = (char)c;
        }
        lp = c;
    }
    size_t s = 0;
    while (s <= q) {
        size_t e = s;
        while (e < q && out[e] != '.')
            e++;
        if (e > s && vg__isdigit((unsigned char)out[s])) {
            size_t d = s;
            while (d < e && vg__isdigit((unsigned char)out[d]))
                d++;
            vg__kb_byte(k, PK_NUM);
            vg__kb_num(k, out + s, d - s);
        } else {
            vg__kb_byte(k, pk_form(out + s, e - s));
        }
        s = e + 1;
    }
    vg__kb_byte(k, PK_END);
    return VG_OK;
}

/* ---- Conan -------------------------------------------------------------- */

/* main[-pre][+build], each a dot list; items: numbers (numeric) below words
 * (byte order), an item starting with digits ("1*") by its number then its
 * text; trailing zero items dropped (1 = 1.0); a pre-release sorts before
 * the release, a build after it. */
static int conan_items(const char *s, size_t n, struct vg__kb *k)
{
    const char *it[VG_VERSION_MAX + 1];
    size_t itn[VG_VERSION_MAX + 1], ni = 0, i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        it[ni] = s + i;
        itn[ni++] = j - i;
        i = j + 1;
    }
    while (ni > 0) {
        size_t z = 0;
        while (z < itn[ni - 1] && it[ni - 1][z] == '0')
            z++;
        if (itn[ni - 1] == 0 || z != itn[ni - 1])
            break;
        ni--;
    }
    for (size_t x = 0; x < ni; x++) {
        int dig = itn[x] > 0;
        for (size_t y = 0; y < itn[x]; y++)
            if (!vg__isdigit((unsigned char)it[x][y]))
                dig = 0;
        size_t d = 0;
        while (d < itn[x] && vg__isdigit((unsigned char)it[x][d]))
            d++;
        if (dig) {
            vg__kb_byte(k, 0x02);
            vg__kb_num(k, it[x], itn[x]);
        } else if (d > 0) {
            /* "1*", "1a": conan compares mixed items as text, so "1" < "1*" < "2" */
            vg__kb_byte(k, 0x02);
            vg__kb_num(k, it[x], d);
            vg__kb_byte(k, 0x04);
            vg__kb_str(k, it[x] + d, itn[x] - d);
        } else {
            vg__kb_byte(k, 0x03);
            vg__kb_str(k, it[x], itn[x]);
        }
    }
    vg__kb_byte(k, 0x00);
    return VG_OK;
}

int vg__key_conan(const char *v, size_t n, struct vg__kb *k)
{
    size_t plus = n, dash = n;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '+') {
            plus = i;
            break;
        }
    for (size_t i = 0; i < plus; i++)
        if (v[i] == '-') {
            dash = i;
            break;
        }
    size_t mend = dash < plus ? dash : plus;
    if (mend == 0)
        return VG_EINVAL;
    conan_items(v, mend, k);
    if (dash < plus) {
        vg__kb_byte(k, 0x01);
        conan_items(v + dash + 1, plus - dash - 1, k);
    } else {
        vg__kb_byte(k, 0x02);
    }
    if (plus < n)
        conan_items(v + plus + 1, n - plus - 1, k);
    return VG_OK;
}

/* ---- Arch Linux (alpm) -------------------------------------------------- */

/* pacman's vercmp over [epoch:]pkgver[-pkgrel]: alpha and numeric segments
 * (numbers newer), separator runs compared by length, and after the last
 * common segment: a remaining letter is older than the end, the end older
 * than a remaining separator or digit. A missing pkgrel counts as 1
 * ("1.5" = "1.5-1", which pacman reports by skipping the pkgrel). */
enum { AL_ALPHA = 0x01, AL_END = 0x02, AL_MORE = 0x03 };

static void alpm_part(const char *s, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    for (;;) {
        /* segment */
        size_t st = i;
        if (i < n && vg__isdigit((unsigned char)s[i])) {
            while (i < n && vg__isdigit((unsigned char)s[i]))
                i++;
            vg__kb_byte(k, 0x02);
            vg__kb_num(k, s + st, i - st);
        } else if (i < n && vg__isalpha((unsigned char)s[i])) {
            while (i < n && vg__isalpha((unsigned char)s[i]))
                i++;
            vg__kb_byte(k, 0x01);
            vg__kb_str(k, s + st, i - st);
        }
        if (i >= n) {
            vg__kb_byte(k, AL_END);
            break;
        }
        if (vg__isalpha((unsigned char)s[i]) && i > st) {
            vg__kb_byte(k, AL_ALPHA);
            continue;
        }
        size_t sp = i;
        while (i < n && !vg__isalnum((unsigned char)s[i]))
            i++;
        if (i >= n) {
            vg__kb_byte(k, AL_END);
            break;
        }
        vg__kb_byte(k, AL_MORE);
        vg__kb_byte(k, (unsigned)(i - sp) + 1);
    }
}

int vg__key_alpm(const char *v, size_t n, struct vg__kb *k)
{
    size_t s = 0;
    const char *ep = "";
    size_t epn = 0;
    const char *colon = memchr(v, ':', n);
    if (colon) {
        epn = (size_t)(colon - v);
        for (size_t i = 0; i < epn; i++)
            if (!vg__isdigit((unsigned char)v[i]))
                return VG_EINVAL;
        ep = v;
        s = epn + 1;
    }
    size_t ve = n, rs = n;
    for (size_t i = n; i > s; i--)
        if (v[i - 1] == '-') {
            ve = i - 1;
            rs = i;
            break;
        }
    if (ve == s)
        return VG_EINVAL;
    vg__kb_num(k, ep, epn);
    alpm_part(v + s, ve - s, k);
    if (rs < n)
        alpm_part(v + rs, n - rs, k);
    else
        alpm_part("1", 1, k);
    return VG_OK;
}

/* ---- Gentoo ------------------------------------------------------------- */

/* PMS 3.3: numbers (after the first, a component with a leading zero is
 * compared as a string without trailing zeros), an optional letter,
 * suffixes _alpha < _beta < _pre < _rc < (none) < _p, then -rN. */
static const char *const gt_suffix[] = {"alpha", "beta", "pre", "rc", "p"};
static const unsigned gt_w[] = {1, 2, 3, 4, 6};

int vg__key_gentoo(const char *v, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    int first = 1;
    for (;;) {
        size_t st = i;
        while (i < n && vg__isdigit((unsigned char)v[i]))
            i++;
        if (i == st)
            return VG_EINVAL;
        if (first || v[st] != '0') {
            vg__kb_byte(k, 0x03);
            vg__kb_num(k, v + st, i - st);
        } else {
            size_t e = i;
            while (e > st && v[e - 1] == '0')
                e--;
            vg__kb_byte(k, 0x02);
            vg__kb_str(k, v + st, e - st);
        }
        first = 0;
        if (i + 1 < n && v[i] == '.' && vg__isdigit((unsigned char)v[i + 1])) {
            i++;
            continue;
        }
        break;
    }
    vg__kb_byte(k, 0x01);
    if (i < n && v[i] >= 'a' && v[i] <= 'z') {
        vg__kb_byte(k, 0x02);
        vg__kb_byte(k, (unsigned char)v[i++]);
    } else {
        vg__kb_byte(k, 0x01);
    }
    while (i < n && v[i] == '_') {
        i++;
        int w = -1;
        size_t l = 0;
        for (size_t x = 0; x < 5; x++) {
            size_t sl = strlen(gt_suffix[x]);
            if (n - i >= sl && memcmp(v + i, gt_suffix[x], sl) == 0 && sl > l) {
                w = (int)x;
                l = sl;
            }
        }
        if (w < 0)
            return VG_EINVAL;
        i += l;
        size_t st = i;
        while (i < n && vg__isdigit((unsigned char)v[i]))
            i++;
        vg__kb_byte(k, gt_w[w]);
        vg__kb_num(k, v + st, i - st);
    }
    vg__kb_byte(k, 0x05);
    if (i + 1 < n && v[i] == '-' && v[i + 1] == 'r') {
        i += 2;
        size_t st = i;
        while (i < n && vg__isdigit((unsigned char)v[i]))
            i++;
        if (i == st)
            return VG_EINVAL;
        vg__kb_num(k, v + st, i - st);
    } else {
        vg__kb_num(k, "", 0);
    }
    return i == n ? VG_OK : VG_EINVAL;
}

/* ---- OpenSSL ------------------------------------------------------------ */

/* major.minor.patch then a letter release (0.9.8zh: letters compared by
 * byte order, none first); -alphaN / -betaN before the release, any other
 * -word (-dev, -cvs snapshots) right after its base. */
int vg__key_openssl(const char *v, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    int nc = 0;
    for (;;) {
        size_t st = i;
        while (i < n && vg__isdigit((unsigned char)v[i]))
            i++;
        if (i == st)
            return VG_EINVAL;
        vg__kb_byte(k, 0x02);
        vg__kb_num(k, v + st, i - st);
        nc++;
        if (i + 1 < n && v[i] == '.' && vg__isdigit((unsigned char)v[i + 1])) {
            i++;
            continue;
        }
        break;
    }
    vg__kb_byte(k, 0x01);
    size_t ls = i;
    while (i < n && v[i] >= 'a' && v[i] <= 'z')
        i++;
    size_t le = i;
    const char *w = NULL;
    size_t wn = 0, ds = n, dn = 0;
    if (i < n && v[i] == '-') {
        size_t st = ++i;
        while (i < n && vg__isalpha((unsigned char)v[i]))
            i++;
        w = v + st;
        wn = i - st;
        ds = i;
        while (i < n && vg__isdigit((unsigned char)v[i]))
            i++;
        dn = i - ds;
        if (wn == 0)
            return VG_EINVAL;
    }
    if (i != n)
        return VG_EINVAL;
    if (w != NULL && le == ls && ((wn == 5 && memcmp(w, "alpha", 5) == 0) ||
                                  (wn == 4 && memcmp(w, "beta", 4) == 0))) {
        /* 0.9.7-beta1 < 0.9.7: pre-releases */
        vg__kb_byte(k, 0x01);
        vg__kb_str(k, w, wn);
        vg__kb_num(k, v + ds, dn);
        return VG_OK;
    }
    vg__kb_byte(k, 0x02);
    vg__kb_str(k, v + ls, le - ls);
    if (w != NULL) {
        /* 1.0.2zc < 1.0.2zc-dev < 1.0.2zd: snapshots after their base */
        vg__kb_byte(k, 0x01);
        vg__kb_str(k, w, wn);
        vg__kb_num(k, v + ds, dn);
    }
    return VG_OK;
}
