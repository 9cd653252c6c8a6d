/* Distribution version keys: Debian (dpkg), RPM (rpmvercmp with epoch and
 * release, '~' and '^') and Alpine (apk).
 * Not for: package names or distribution releases ("Debian:11"). */
#include "engine/version/version_int.h"

#include <string.h>

/* ---- Debian ------------------------------------------------------------ */

/* dpkg's verrevcmp alternates non-digit parts, compared character by
 * character with '~' < end < letters < other characters, and numbers. Each
 * non-digit part is keyed as its character weights then 0x02 (end), each
 * number as a length-prefixed number; a final 0x02 stands for the empty part
 * dpkg compares past the end. */
static unsigned deb_weight(int c)
{
    if (c == '~')
        return 0x01;
    if (vg__isalpha(c))
        return (unsigned)c; /* 0x41..0x7a */
    return (unsigned)c + 0x80;
}

static void deb_part(const char *s, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    for (;;) {
        while (i < n && !vg__isdigit((unsigned char)s[i]))
            vg__kb_byte(k, deb_weight((unsigned char)s[i++]));
        vg__kb_byte(k, 0x02);
        size_t st = i;
        while (i < n && vg__isdigit((unsigned char)s[i]))
            i++;
        vg__kb_num(k, s + st, i - st);
        if (i >= n)
            break;
    }
    vg__kb_byte(k, 0x02);
}

int vg__key_debian(const char *v, size_t n, struct vg__kb *k)
{
    size_t s = 0, e = n;
    while (s < e && (v[s] == ' ' || v[s] == '\t'))
        s++;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
        e--;
    if (s == e)
        return VG_EINVAL;
    const char *ep = "";
    size_t epn = 0;
    const char *colon = memchr(v + s, ':', e - s);
    if (colon) {
        epn = (size_t)(colon - (v + s));
        ep = v + s;
        if (epn == 0 || epn > 10)
            return VG_EINVAL;
        for (size_t i = 0; i < epn; i++)
            if (!vg__isdigit((unsigned char)ep[i]))
                return VG_EINVAL;
        /* dpkg keeps the epoch in an int */
        if (epn == 10 && memcmp(ep, "2147483647", 10) > 0)
            return VG_EINVAL;
        s = (size_t)(colon - v) + 1;
        if (s == e)
            return VG_EINVAL;
    }
    size_t up_e = e, rev_s = e;
    for (size_t i = e; i > s; i--)
        if (v[i - 1] == '-') {
            up_e = i - 1;
            rev_s = i;
            break;
        }
    if (up_e == s)
        return VG_EINVAL;
    if (rev_s < e || (up_e < e && rev_s == e)) {
        if (rev_s == e)
            return VG_EINVAL; /* "revision number is empty" */
    }
    for (size_t i = s; i < up_e; i++) {
        int c = (unsigned char)v[i];
        if (!vg__isalnum(c) && !strchr(".-+~:", c))
            return VG_EINVAL;
        if (c == ':')
            return VG_EINVAL; /* a second colon */
    }
    for (size_t i = rev_s; i < e; i++) {
        int c = (unsigned char)v[i];
        if (!vg__isalnum(c) && !strchr(".+~", c))
            return VG_EINVAL;
    }
    vg__kb_num(k, ep, epn);
    deb_part(v + s, up_e - s, k);
    deb_part(v + rev_s, e - rev_s, k);
    return VG_OK;
}

/* ---- RPM ---------------------------------------------------------------- */

/* rpmvercmp tokens: separators (anything but ASCII letters, digits, '~' and
 * '^') are skipped; '~' < end < '^' < letters < digits. */
enum { RP_TILDE = 0x01, RP_END = 0x02, RP_CARET = 0x03, RP_ALPHA = 0x04, RP_NUM = 0x05 };

static void rpm_part(const char *s, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    while (i < n) {
        int c = (unsigned char)s[i];
        if (c == '~') {
            vg__kb_byte(k, RP_TILDE);
            i++;
        } else if (c == '^') {
            vg__kb_byte(k, RP_CARET);
            i++;
        } else if (vg__isdigit(c)) {
            size_t st = i;
            while (i < n && vg__isdigit((unsigned char)s[i]))
                i++;
            vg__kb_byte(k, RP_NUM);
            vg__kb_num(k, s + st, i - st);
        } else if (vg__isalpha(c)) {
            size_t st = i;
            while (i < n && vg__isalpha((unsigned char)s[i]))
                i++;
            vg__kb_byte(k, RP_ALPHA);
            vg__kb_str(k, s + st, i - st);
        } else {
            i++;
        }
    }
    vg__kb_byte(k, RP_END);
}

/* [epoch:]version[-release]: epoch digits (default 0), release after the last
 * '-'. A missing release sorts before any release (OSV's rule; rpm's own
 * rpmverCmp skips the release then, which is not a total order). */
int vg__key_rpm(const char *v, size_t n, struct vg__kb *k)
{
    size_t s = 0;
    const char *ep = "";
    size_t epn = 0;
    const char *colon = memchr(v, ':', n);
    if (colon) {
        size_t cn = (size_t)(colon - v);
        size_t i = 0;
        while (i < cn && vg__isdigit((unsigned char)v[i]))
            i++;
        if (i == cn && cn > 0) {
            ep = v;
            epn = cn;
            s = cn + 1;
        } else if (cn == 0) {
            return VG_EINVAL;
        }
    }
    if (s == n)
        return VG_EINVAL;
    size_t ve = n, rs = n;
    for (size_t i = n; i > s; i--)
        if (v[i - 1] == '-') {
            ve = i - 1;
            rs = i;
            break;
        }
    if (ve == s)
        return VG_EINVAL;
    for (size_t i = s; i < n; i++)
        if (v[i] == ' ')
            return VG_EINVAL;
    vg__kb_byte(k, RP_NUM);
    vg__kb_num(k, ep, epn);
    rpm_part(v + s, ve - s, k);
    if (rs < n || ve < n) {
        vg__kb_byte(k, 0x02);
        rpm_part(v + rs, n - rs, k);
    } else {
        vg__kb_byte(k, 0x01);
    }
    return VG_OK;
}

/* ---- Alpine (apk) ------------------------------------------------------- */

/* apk-tools version order: digits{.digits}[letter]{_suffix[digits]}[~hash][-rN].
 * Numbers after the first compare as strings when either has a leading zero
 * (apk's fractional rule). Suffixes: _alpha < _beta < _pre < _rc < (none) <
 * _cvs < _svn < _git < _hg < _p. */
static const char *const apk_suffixes[] = {"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"};
static const unsigned apk_suffix_w[] = {1, 2, 3, 4, 6, 7, 8, 9, 10};

int vg__key_alpine(const char *v, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    int first = 1;
    /* numbers */
    for (;;) {
        size_t st = i;
        while (i < n && vg__isdigit((unsigned char)v[i]))
            i++;
        if (i == st)
            return VG_EINVAL;
        if (first || v[st] != '0') {
            /* numeric: 0x03 + number */
            vg__kb_byte(k, 0x03);
            vg__kb_num(k, v + st, i - st);
        } else {
            /* leading zero: compared as a decimal fraction (string order);
             * sorts with numbers by its digits */
            vg__kb_byte(k, 0x02);
            vg__kb_str(k, v + st, i - st);
        }
        first = 0;
        if (i < n && v[i] == '.' && i + 1 < n && vg__isdigit((unsigned char)v[i + 1])) {
            i++;
            continue;
        }
        break;
    }
    /* end of numbers: below any further number, above nothing */
    vg__kb_byte(k, 0x01);
    if (i < n && v[i] >= 'a' && v[i] <= 'z') {
        vg__kb_byte(k, 0x02);
        vg__kb_byte(k, (unsigned char)v[i]);
        i++;
    } else {
        vg__kb_byte(k, 0x01);
    }
    while (i < n && v[i] == '_') {
        i++;
        int w = -1;
        size_t l = 0;
        for (size_t x = 0; x < (sizeof(apk_suffixes) / sizeof(apk_suffixes[0])); x++) {
            size_t sl = strlen(apk_suffixes[x]);
            if (n - i >= sl && memcmp(v + i, apk_suffixes[x], sl) == 0 && sl > l) {
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
        vg__kb_byte(k, apk_suffix_w[w]);
        vg__kb_num(k, v + st, i - st);
    }
    vg__kb_byte(k, 0x05); /* no (more) suffix */
    if (i < n && v[i] == '~') {
        size_t st = ++i;
        while (i < n && ((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            i++;
        if (i == st)
            return VG_EINVAL;
        vg__kb_byte(k, 0x02);
        vg__kb_str(k, v + st, i - st);
    } else {
        vg__kb_byte(k, 0x01);
    }
    if (i < n && v[i] == '-') {
        if (i + 1 >= n || v[i + 1] != 'r')
            return VG_EINVAL;
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
    if (i != n)
        return VG_EINVAL;
    return VG_OK;
}
