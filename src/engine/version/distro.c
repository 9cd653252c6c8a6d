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
    if (up_e < e && rev_s == e)
        return VG_EINVAL; /* "revision number is empty" */
    for (size_t i = s; i < up_e; i++) {
        int c = (unsigned char)v[i];
        if (!vg__isalnum(c) && !strchr(".-+~", c))
            return VG_EINVAL; /* a second colon among them */
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

/* apk-tools' token machine: digits, '.'digits (a run of leading zeros is its
 * own token, more zeros sorting lower), a lower-case letter (which may be
 * followed by digits), _suffix (alpha beta pre rc before the release; cvs
 * svn git hg p after) with its number, -rN. Versions compare token by
 * token; where the token types differ, the one that goes on is newer unless
 * what follows is a pre-release suffix. Each token is keyed as a class byte
 * (ordered as that rule orders the types) and its value. A version apk
 * rejects (a token out of order, an unknown suffix, upper case) is invalid. */
enum { AT_DIGIT_OR_ZERO, AT_DIGIT, AT_LETTER, AT_SUFFIX, AT_SUFFIX_NO, AT_REVISION_NO, AT_END,
       AT_INVALID };

static const char *const apk_pre[] = {"alpha", "beta", "pre", "rc"};
static const char *const apk_post[] = {"cvs", "svn", "git", "hg", "p"};

static int apk_next(int type, const char *v, size_t n, size_t *i)
{
    int t;
    if (*i >= n)
        return AT_END;
    int c = (unsigned char)v[*i];
    if ((type == AT_DIGIT || type == AT_DIGIT_OR_ZERO) && c >= 'a' && c <= 'z')
        return AT_LETTER;
    if (type == AT_LETTER && vg__isdigit(c))
        return AT_DIGIT;
    if (type == AT_SUFFIX && vg__isdigit(c))
        return AT_SUFFIX_NO;
    if (c == '.')
        t = AT_DIGIT_OR_ZERO;
    else if (c == '_')
        t = AT_SUFFIX;
    else if (c == '-' && *i + 1 < n && v[*i + 1] == 'r') {
        t = AT_REVISION_NO;
        (*i)++;
    } else
        return AT_INVALID;
    (*i)++;
    if (t < type && !((t == AT_DIGIT_OR_ZERO && type == AT_DIGIT) ||
                      (t == AT_SUFFIX && type == AT_SUFFIX_NO) ||
                      (t == AT_DIGIT && type == AT_LETTER)))
        return AT_INVALID;
    return t;
}

/* class bytes: where two versions part, the one whose next token has the
 * higher class is newer */
static unsigned apk_class(int type, int pre_suffix)
{
    switch (type) {
    case AT_SUFFIX:
        return pre_suffix ? 0x01 : 0x05;
    case AT_END:
        return 0x02;
    case AT_REVISION_NO:
        return 0x03;
    case AT_SUFFIX_NO:
        return 0x04;
    case AT_LETTER:
        return 0x06;
    case AT_DIGIT:
        return 0x07;
    default:
        return 0x08; /* AT_DIGIT_OR_ZERO */
    }
}

static int apk_suffix(const char *v, size_t n, size_t i, int *pre, unsigned *idx, size_t *len)
{
    for (unsigned x = 0; x < 4; x++) {
        size_t l = strlen(apk_pre[x]);
        if (n - i >= l && memcmp(v + i, apk_pre[x], l) == 0) {
            *pre = 1, *idx = x, *len = l;
            return 1;
        }
    }
    for (unsigned x = 0; x < 5; x++) {
        size_t l = strlen(apk_post[x]);
        if (n - i >= l && memcmp(v + i, apk_post[x], l) == 0) {
            *pre = 0, *idx = x, *len = l;
            return 1;
        }
    }
    return 0;
}

int vg__key_alpine(const char *v, size_t n, struct vg__kb *k)
{
    size_t i = 0;
    int type = AT_DIGIT;
    if (n == 0 || !vg__isdigit((unsigned char)v[0]))
        return VG_EINVAL;
    for (;;) {
        int nt = AT_INVALID;
        size_t st = i;
        switch (type) {
        case AT_DIGIT_OR_ZERO:
            if (i < n && v[i] == '0') {
                while (i < n && v[i] == '0')
                    i++;
                /* -count: more zeros sort lower */
                vg__kb_byte(k, 0x01);
                vg__kb_byte(k, 0xff - (unsigned)((i - st) >> 8));
                vg__kb_byte(k, 0xff - (unsigned)((i - st) & 0xff));
                nt = AT_DIGIT;
                break;
            }
            /* fall through */
        case AT_DIGIT:
        case AT_SUFFIX_NO:
        case AT_REVISION_NO:
            while (i < n && vg__isdigit((unsigned char)v[i]))
                i++;
            vg__kb_byte(k, 0x02);
            vg__kb_num(k, v + st, i - st);
            break;
        case AT_LETTER:
            vg__kb_byte(k, (unsigned char)v[i]);
            i++;
            break;
        case AT_SUFFIX: {
            int pre;
            unsigned idx;
            size_t l;
            if (!apk_suffix(v, n, i, &pre, &idx, &l))
                return VG_EINVAL;
            vg__kb_byte(k, idx);
            i += l;
            /* "_alpha_pre2": with no number the next suffix follows directly
             * (apk's own test data orders it below "_alpha") */
            nt = (i < n && v[i] == '_') ? AT_INVALID : AT_SUFFIX_NO;
            break;
        }
        default:
            return VG_EINVAL;
        }
        if (i >= n && !(type == AT_SUFFIX && nt == AT_SUFFIX_NO))
            type = AT_END;
        else if (nt != AT_INVALID)
            type = nt;
        else
            type = apk_next(type, v, n, &i);
        if (type == AT_INVALID)
            return VG_EINVAL;
        int pre = 0;
        if (type == AT_SUFFIX) {
            unsigned idx;
            size_t l;
            if (!apk_suffix(v, n, i, &pre, &idx, &l))
                return VG_EINVAL;
        }
        vg__kb_byte(k, apk_class(type, pre));
        if (type == AT_END)
            break;
    }
    return VG_OK;
}
