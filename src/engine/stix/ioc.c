/* Indicator value normalisation: IP/CIDR, domains (IDNA punycode), URLs
 * (RFC 3986 section 6), e-mail addresses, phone numbers, hashes. The
 * normalised text is the correlation key of an observable.
 * Not for: the lookup index (ioc_index.c). */
#include "engine/stix/ioc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static const struct {
    const char *name;
    enum vg_ioc_type t;
} type_names[] = {
    {"ip", VG_IOC_IP}, {"ipv4", VG_IOC_IP}, {"ipv6", VG_IOC_IP}, {"ipv4-addr", VG_IOC_IP},
    {"ipv6-addr", VG_IOC_IP}, {"cidr", VG_IOC_IP}, {"domain", VG_IOC_DOMAIN},
    {"domain-name", VG_IOC_DOMAIN}, {"url", VG_IOC_URL}, {"email", VG_IOC_EMAIL},
    {"email-addr", VG_IOC_EMAIL}, {"phone", VG_IOC_PHONE}, {"md5", VG_IOC_MD5},
    {"sha1", VG_IOC_SHA1}, {"sha-1", VG_IOC_SHA1}, {"sha256", VG_IOC_SHA256},
    {"sha-256", VG_IOC_SHA256}, {"sha512", VG_IOC_SHA512}, {"sha-512", VG_IOC_SHA512},
};

enum vg_ioc_type vg_ioc_type_parse(const char *s)
{
    for (size_t i = 0; s && i < VG_ARRAY_LEN(type_names); i++)
        if (strcasecmp(s, type_names[i].name) == 0)
            return type_names[i].t;
    return VG_IOC_NONE;
}

const char *vg_ioc_type_name(enum vg_ioc_type t)
{
    static const char *const names[VG_IOC_TYPE_COUNT] = {
        "none", "ip", "domain", "url", "email", "phone", "md5", "sha1", "sha256", "sha512"};
    return (unsigned)t < VG_IOC_TYPE_COUNT ? names[t] : "none";
}

/* ---- domains ---- */

/* Decodes one UTF-8 sequence; returns its length or 0 when invalid. */
static size_t utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    static const uint32_t minv[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < minv[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* A small case mapping for the scripts most seen in IDNs (Latin-1, Latin
 * Extended-A, Greek, Cyrillic, full-width ASCII); not the full UTS #46. */
static uint32_t fold(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 32;
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 &&
        c != 0x17F) {
        int even_upper = (c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177);
        if (even_upper)
            return (c % 2 == 0) ? c + 1 : c;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c % 2 == 1) ? c + 1 : c;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c >= 0xFF21 && c <= 0xFF3A) /* full-width A-Z */
        return c - 0xFF21 + 'a';
    if (c >= 0xFF41 && c <= 0xFF5A)
        return c - 0xFF41 + 'a';
    if (c >= 0xFF10 && c <= 0xFF19)
        return c - 0xFF10 + '0';
    if (c == 0xFF0D)
        return '-';
    return c;
}

static int is_dot(uint32_t c)
{
    return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

static int err_inval(struct vg_err *err, const char *what, const char *why)
{
    return vg_err_set(err, VG_EINVAL, "not a valid %s: %s", what, why);
}

static int normalize_domain(const char *v, size_t n, char *out, size_t cap, size_t *outn,
                            struct vg_err *err)
{
    uint32_t cps[256];
    char lab[256];
    size_t k = 0, labels = 0;
    size_t i = 0;
    int rc = VG_OK;
    if (n == 0 || n > 1024) {
        rc = err_inval(err, "domain", n ? "too long" : "empty");
        goto out;
    }
    while (i < n) {
        size_t ncp = 0, ascii = 1;
        /* one label */
        while (i < n) {
            uint32_t c;
            size_t l = utf8_dec((const unsigned char *)v + i, n - i, &c);
            if (l == 0) {
                rc = err_inval(err, "domain", "invalid UTF-8");
                goto out;
            }
            i += l;
            if (is_dot(c))
                break;
            c = fold(c);
            if (c < 0x80) {
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_')) {
                    rc = err_inval(err, "domain", "character not allowed in a label");
                    goto out;
                }
            } else {
                ascii = 0;
                if (c < 0xA0 || (c >= 0x2000 && c <= 0x206F) || c == 0xFEFF) {
                    rc = err_inval(err, "domain", "character not allowed in a label");
                    goto out;
                }
            }
            if (ncp >= 64) { /* a label of more than 63 code points never fits in 63 */
                rc = err_inval(err, "domain", "label longer than 63");
                goto out;
            }
            cps[ncp++] = c;
        }
        if (ncp == 0) {
            /* the trailing root dot ends the loop before an empty label */
            rc = err_inval(err, "domain", "empty label");
            goto out;
        }
        size_t ln;
        if (ascii) {
            for (size_t j = 0; j < ncp; j++)
                lab[j] = (char)cps[j];
            ln = ncp;
            lab[ln] = '\0';
            if (ln >= 4 && memcmp(lab, "xn--", 4) == 0) {
                uint32_t tmp[128];
                size_t nt;
                if (vg_punycode_decode(lab + 4, ln - 4, tmp, VG_ARRAY_LEN(tmp), &nt) != 0) {
                    rc = err_inval(err, "domain", "bad punycode label");
                    goto out;
                }
            }
        } else {
            memcpy(lab, "xn--", 4);
            if (vg_punycode_encode(cps, ncp, lab + 4, sizeof(lab) - 4) != 0) {
                rc = err_inval(err, "domain", "label too long");
                goto out;
            }
            ln = strlen(lab);
        }
        if (ln > 63) {
            rc = err_inval(err, "domain", "label longer than 63");
            goto out;
        }
        if (lab[0] == '-' || lab[ln - 1] == '-') {
            rc = err_inval(err, "domain", "label starts or ends with '-'");
            goto out;
        }
        if (k + ln + 2 > cap || k + ln + (labels ? 1 : 0) > 253) {
            rc = err_inval(err, "domain", "longer than 253");
            goto out;
        }
        if (labels)
            out[k++] = '.';
        memcpy(out + k, lab, ln);
        k += ln;
        labels++;
    }
    if (labels == 0) {
        rc = err_inval(err, "domain", "empty");
        goto out;
    }
    /* a name of digits and dots only is an IPv4 address, not a domain */
    {
        int alldig = 1;
        for (size_t j = 0; j < k && alldig; j++)
            alldig = (out[j] >= '0' && out[j] <= '9') || out[j] == '.';
        if (alldig) {
            rc = err_inval(err, "domain", "numeric (an IP address?)");
            goto out;
        }
    }
    out[k] = '\0';
    if (outn)
        *outn = k;
out:
    return rc;
}

/* ---- URLs ---- */

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int subdelim(unsigned char c)
{
    return strchr("!$&'()*+,;=", c) != NULL && c != '\0';
}

struct ob {
    char *p;
    size_t n, cap;
    int over;
};

static void ob_put(struct ob *o, char c)
{
    if (o->n + 1 >= o->cap) {
        o->over = 1;
        return;
    }
    o->p[o->n++] = c;
}

static void ob_puts(struct ob *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ob_put(o, s[i]);
}

/* Percent-encoding normalisation of one component: triplets upper-case,
 * unreserved decoded, other characters outside `extra` encoded. */
static void pct_norm(struct ob *o, const char *s, size_t n, const char *extra)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && vg_hexval(s[i + 1]) >= 0 && vg_hexval(s[i + 2]) >= 0) {
            unsigned char d = (unsigned char)(vg_hexval(s[i + 1]) * 16 + vg_hexval(s[i + 2]));
            if (unreserved(d)) {
                ob_put(o, (char)d);
            } else {
                ob_put(o, '%');
                ob_put(o, hx[d >> 4]);
                ob_put(o, hx[d & 15]);
            }
            i += 2;
        } else if (unreserved(c) || subdelim(c) || (c && strchr(extra, c))) {
            ob_put(o, (char)c);
        } else {
            ob_put(o, '%');
            ob_put(o, hx[c >> 4]);
            ob_put(o, hx[c & 15]);
        }
    }
}

/* RFC 3986 5.2.4 over an already normalised path, in place. */
static size_t remove_dots(char *p, size_t n)
{
    char *in = p, *end = p + n;
    size_t k = 0; /* output length, written at the start of p */
    while (in < end) {
        size_t rem = (size_t)(end - in);
        if (rem >= 3 && memcmp(in, "../", 3) == 0) {
            in += 3;
        } else if (rem >= 2 && memcmp(in, "./", 2) == 0) {
            in += 2;
        } else if (rem >= 3 && memcmp(in, "/./", 3) == 0) {
            in += 2;
        } else if (rem == 2 && memcmp(in, "/.", 2) == 0) {
            in += 1;
            *in = '/';
        } else if ((rem >= 4 && memcmp(in, "/../", 4) == 0) || (rem == 3 && memcmp(in, "/..", 3) == 0)) {
            if (rem == 3) {
                in += 2;
                *in = '/';
            } else {
                in += 3;
            }
            while (k > 0 && p[k - 1] != '/')
                k--;
            if (k > 0)
                k--;
        } else if ((rem == 1 && in[0] == '.') || (rem == 2 && memcmp(in, "..", 2) == 0)) {
            in = end;
        } else {
            do {
                p[k++] = *in++;
            } while (in < end && *in != '/');
        }
    }
    return k;
}

static int normalize_url(const char *v, size_t n, char *out, size_t cap, size_t *outn,
                         struct vg_err *err)
{
    int rc = VG_OK;
    struct ob o = {out, 0, cap, 0};
    size_t i = 0;
    char scheme[32] = "http";
    /* scheme */
    size_t j = 0;
    while (j < n && j < 31 &&
           ((v[j] >= 'a' && v[j] <= 'z') || (v[j] >= 'A' && v[j] <= 'Z') ||
            (j > 0 && ((v[j] >= '0' && v[j] <= '9') || v[j] == '+' || v[j] == '-' || v[j] == '.'))))
        j++;
    if (j > 0 && j + 2 < n && v[j] == ':' && v[j + 1] == '/' && v[j + 2] == '/') {
        for (size_t q = 0; q < j; q++)
            scheme[q] = (char)(v[q] >= 'A' && v[q] <= 'Z' ? v[q] + 32 : v[q]);
        scheme[j] = '\0';
        i = j + 3;
    } else if (j > 0 && j < n && v[j] == ':' && !(j + 1 < n && v[j + 1] >= '0' && v[j + 1] <= '9')) {
        rc = err_inval(err, "url", "only URLs with an authority (scheme://host) are supported");
        goto out;
    }
    /* authority */
    size_t as = i;
    while (i < n && v[i] != '/' && v[i] != '?' && v[i] != '#')
        i++;
    const char *auth = v + as;
    size_t an = i - as;
    const char *at = NULL;
    for (size_t q = 0; q < an; q++)
        if (auth[q] == '@')
            at = auth + q;
    const char *host = at ? at + 1 : auth;
    size_t hn = an - (size_t)(host - auth);
    const char *port = NULL;
    size_t pn = 0;
    if (hn && host[0] == '[') {
        const char *rb = memchr(host, ']', hn);
        if (rb == NULL) {
            rc = err_inval(err, "url", "unterminated IPv6 literal");
            goto out;
        }
        if ((size_t)(rb - host) + 1 < hn) {
            if (rb[1] != ':') {
                rc = err_inval(err, "url", "bad text after the IPv6 literal");
                goto out;
            }
            port = rb + 2;
            pn = hn - (size_t)(port - host);
        }
        hn = (size_t)(rb - host) + 1;
    } else {
        const char *c = memchr(host, ':', hn);
        if (c) {
            port = c + 1;
            pn = hn - (size_t)(port - host);
            hn = (size_t)(c - host);
        }
    }
    if (hn == 0) {
        rc = err_inval(err, "url", "no host");
        goto out;
    }
    ob_puts(&o, scheme, strlen(scheme));
    ob_puts(&o, "://", 3);
    if (at) {
        pct_norm(&o, auth, (size_t)(at - auth), ":");
        ob_put(&o, '@');
    }
    char hbuf[1100];
    size_t hbn;
    if (host[0] == '[') {
        struct vg_ip ip;
        char t[64];
        if (vg_ip_parse(host + 1, hn - 2, 0, &ip) != 0 || ip.family != 6) {
            rc = err_inval(err, "url", "bad IPv6 literal");
            goto out;
        }
        vg_ip_format(&ip, t);
        ob_put(&o, '[');
        ob_puts(&o, t, strlen(t));
        ob_put(&o, ']');
    } else {
        /* percent-decode the host before IDNA */
        char dec[1100];
        size_t dn = 0;
        if (hn >= sizeof(dec)) {
            rc = err_inval(err, "url", "host too long");
            goto out;
        }
        for (size_t q = 0; q < hn; q++) {
            if (host[q] == '%' && q + 2 < hn && vg_hexval(host[q + 1]) >= 0 && vg_hexval(host[q + 2]) >= 0) {
                dec[dn++] = (char)(vg_hexval(host[q + 1]) * 16 + vg_hexval(host[q + 2]));
                q += 2;
            } else {
                dec[dn++] = host[q];
            }
        }
        struct vg_ip ip;
        if (vg_ip_parse(dec, dn, 0, &ip) == 0 && ip.family == 4 && !memchr(dec, '/', dn)) {
            vg_ip_format(&ip, hbuf);
            hbn = strlen(hbuf);
        } else if ((rc = normalize_domain(dec, dn, hbuf, sizeof(hbuf), &hbn, err)) != VG_OK) {
            goto out;
        }
        ob_puts(&o, hbuf, hbn);
    }
    if (port && pn) {
        unsigned long pv = 0;
        for (size_t q = 0; q < pn; q++) {
            if (port[q] < '0' || port[q] > '9' || pv > 65535) {
                rc = err_inval(err, "url", "bad port");
                goto out;
            }
            pv = pv * 10 + (unsigned long)(port[q] - '0');
        }
        if (pv > 65535) {
            rc = err_inval(err, "url", "bad port");
            goto out;
        }
        static const struct {
            const char *s;
            unsigned long p;
        } defports[] = {{"http", 80}, {"https", 443}, {"ftp", 21}, {"ws", 80}, {"wss", 443},
                        {"hxxp", 80}, {"hxxps", 443}};
        int def = 0;
        for (size_t q = 0; q < VG_ARRAY_LEN(defports); q++)
            def |= strcmp(scheme, defports[q].s) == 0 && pv == defports[q].p;
        if (!def) {
            char pb[16];
            int l = snprintf(pb, sizeof(pb), ":%lu", pv);
            ob_puts(&o, pb, (size_t)l);
        }
    }
    /* path */
    size_t ps = i;
    while (i < n && v[i] != '?' && v[i] != '#')
        i++;
    size_t path_at = o.n;
    if (i == ps)
        ob_put(&o, '/');
    else
        pct_norm(&o, v + ps, i - ps, ":@/");
    if (!o.over)
        o.n = path_at + remove_dots(o.p + path_at, o.n - path_at);
    if (o.n == path_at)
        ob_put(&o, '/');
    if (i < n && v[i] == '?') {
        size_t qs = ++i;
        while (i < n && v[i] != '#')
            i++;
        ob_put(&o, '?');
        pct_norm(&o, v + qs, i - qs, ":@/?");
    }
    if (o.over) {
        rc = vg_err_set(err, VG_ETOOBIG, "URL longer than %d after normalisation", VG_IOC_MAX);
        goto out;
    }
    out[o.n] = '\0';
    if (outn)
        *outn = o.n;
out:
    return rc;
}

/* ---- e-mail, phone, hashes ---- */

static int normalize_email(const char *v, size_t n, char *out, size_t cap, size_t *outn,
                           struct vg_err *err)
{
    int rc = VG_OK;
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '@')
            at = v + i;
    if (at == NULL || at == v || (size_t)(at - v) > 64) {
        rc = err_inval(err, "e-mail address", "needs local@domain");
        goto out;
    }
    size_t ln = (size_t)(at - v);
    for (size_t i = 0; i < ln; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"') {
            rc = err_inval(err, "e-mail address", "character not allowed in the local part");
            goto out;
        }
    }
    if (ln + 2 > cap) {
        rc = vg_err_set(err, VG_ETOOBIG, "e-mail address too long");
        goto out;
    }
    memcpy(out, v, ln);
    out[ln] = '@';
    size_t dn;
    if ((rc = normalize_domain(at + 1, n - ln - 1, out + ln + 1, cap - ln - 1, &dn, err)))
        goto out;
    if (outn)
        *outn = ln + 1 + dn;
out:
    return rc;
}

static int normalize_phone(const char *v, size_t n, char *out, size_t cap, size_t *outn,
                           struct vg_err *err)
{
    int rc = VG_OK;
    size_t k = 0, i = 0, digits = 0;
    int plus = 0;
    while (i < n && v[i] == ' ')
        i++;
    if (i < n && v[i] == '+') {
        plus = 1;
        out[k++] = '+';
        i++;
    }
    for (; i < n; i++) {
        char c = v[i];
        if (c >= '0' && c <= '9') {
            if (k + 2 > cap || digits >= 17) {
                rc = err_inval(err, "phone number", "more than 15 digits");
                goto out;
            }
            out[k++] = c;
            digits++;
        } else if (!strchr(" -.()/", c) || c == '\0') {
            rc = err_inval(err, "phone number", "only digits, '+' and separators allowed");
            goto out;
        }
    }
    /* the international prefix 00 (separators ignored) is written "+" */
    if (!plus && digits >= 2 && out[0] == '0' && out[1] == '0') {
        out[0] = '+';
        memmove(out + 1, out + 2, k - 2);
        k--;
        digits -= 2;
    }
    if (digits > 15) {
        rc = err_inval(err, "phone number", "more than 15 digits");
        goto out;
    }
    if (digits < 5) {
        rc = err_inval(err, "phone number", "fewer than 5 digits");
        goto out;
    }
    out[k] = '\0';
    if (outn)
        *outn = k;
out:
    return rc;
}

static int normalize_hash(enum vg_ioc_type t, const char *v, size_t n, char *out, size_t cap,
                          size_t *outn, struct vg_err *err)
{
    static const size_t lens[] = {[VG_IOC_MD5] = 32, [VG_IOC_SHA1] = 40, [VG_IOC_SHA256] = 64,
                                  [VG_IOC_SHA512] = 128};
    size_t want = lens[t];
    if (n != want || cap < want + 1)
        return vg_err_set(err, VG_EINVAL, "not a valid %s: needs %zu hex digits",
                          vg_ioc_type_name(t), want);
    for (size_t i = 0; i < n; i++) {
        int d = vg_hexval(v[i]);
        if (d < 0)
            return vg_err_set(err, VG_EINVAL, "not a valid %s: not hex", vg_ioc_type_name(t));
        out[i] = "0123456789abcdef"[d];
    }
    out[n] = '\0';
    if (outn)
        *outn = n;
    return VG_OK;
}

int vg_ioc_normalize(enum vg_ioc_type t, const char *v, size_t n, char *out, size_t cap,
                     size_t *outn, struct vg_err *err)
{
    int rc = VG_OK;
    if (cap == 0)
        return vg_err_set(err, VG_ETOOBIG, "no room for the value");
    out[0] = '\0';
    /* surrounding white space is never part of a value */
    while (n && (v[0] == ' ' || v[0] == '\t' || v[0] == '\r' || v[0] == '\n'))
        v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    if (n > VG_IOC_MAX) {
        rc = vg_err_set(err, VG_ETOOBIG, "value longer than %d bytes", VG_IOC_MAX);
        goto out;
    }
    if (memchr(v, '\0', n)) {
        rc = vg_err_set(err, VG_EINVAL, "value contains a NUL byte");
        goto out;
    }
    switch (t) {
    case VG_IOC_IP: {
        struct vg_ip ip;
        char buf[64];
        if (vg_ip_parse(v, n, 1, &ip) != 0) {
            rc = err_inval(err, "IP address", "expected IPv4, IPv6 or CIDR");
            goto out;
        }
        vg__ip_unmap(&ip);
        vg_ip_format(&ip, buf);
        size_t bn = strlen(buf);
        if (bn + 1 > cap) {
            rc = vg_err_set(err, VG_ETOOBIG, "no room for the value");
            goto out;
        }
        memcpy(out, buf, bn + 1);
        if (outn)
            *outn = bn;
        break;
    }
    case VG_IOC_DOMAIN:
        rc = normalize_domain(v, n, out, cap, outn, err);
        break;
    case VG_IOC_URL:
        rc = normalize_url(v, n, out, cap, outn, err);
        break;
    case VG_IOC_EMAIL:
        rc = normalize_email(v, n, out, cap, outn, err);
        break;
    case VG_IOC_PHONE:
        rc = normalize_phone(v, n, out, cap, outn, err);
        break;
    case VG_IOC_MD5:
    case VG_IOC_SHA1:
    case VG_IOC_SHA256:
    case VG_IOC_SHA512:
        rc = normalize_hash(t, v, n, out, cap, outn, err);
        break;
    default:
        rc = vg_err_set(err, VG_EINVAL, "unknown indicator type");
        break;
    }
out:
    if (rc && cap)
        out[0] = '\0';
    return rc;
}

int vg_ioc_correlation_key(enum vg_ioc_type t, const char *v, size_t n, char *out, size_t cap,
                           size_t *outn, struct vg_err *err)
{
    const char *name = vg_ioc_type_name(t);
    size_t ln = strlen(name), vn = 0;
    int rc;
    if (cap < ln + 2) {
        rc = vg_err_set(err, VG_ETOOBIG, "no room for the key");
        goto out;
    }
    memcpy(out, name, ln);
    out[ln] = ':';
    if ((rc = vg_ioc_normalize(t, v, n, out + ln + 1, cap - ln - 1, &vn, err)))
        goto out;
    if (outn)
        *outn = ln + 1 + vn;
out:
    if (rc && cap)
        out[0] = '\0';
    return rc;
}

enum vg_ioc_type vg_ioc_guess(const char *v, size_t n)
{
    struct vg_ip ip;
    while (n && v[0] == ' ')
        v++, n--;
    while (n && v[n - 1] == ' ')
        n--;
    if (n == 0)
        return VG_IOC_NONE;
    if (vg_ip_parse(v, n, 1, &ip) == 0)
        return VG_IOC_IP;
    int hex = 1;
    for (size_t i = 0; i < n && hex; i++)
        hex = vg_hexval(v[i]) >= 0;
    if (hex && (n == 32 || n == 40 || n == 64 || n == 128))
        return n == 32 ? VG_IOC_MD5 : n == 40 ? VG_IOC_SHA1 : n == 64 ? VG_IOC_SHA256 : VG_IOC_SHA512;
    for (size_t i = 0; i + 2 < n; i++)
        if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/')
            return VG_IOC_URL;
    if (memchr(v, '@', n))
        return VG_IOC_EMAIL;
    int phone = v[0] == '+' || (v[0] >= '0' && v[0] <= '9');
    for (size_t i = 0; i < n && phone; i++)
        phone = (v[i] >= '0' && v[i] <= '9') || strchr("+ -.()/", v[i]);
    if (phone && !memchr(v, '.', n))
        return VG_IOC_PHONE;
    if (memchr(v, '/', n))
        return VG_IOC_URL;
    return VG_IOC_DOMAIN;
}

/* ---- categories ---- */

static const struct {
    const char *label;
    unsigned bit;
} cats[] = {
    {"malicious-activity", VG_IOC_CAT_MALICIOUS}, {"malicious", VG_IOC_CAT_MALICIOUS},
    {"c2", VG_IOC_CAT_C2}, {"cc", VG_IOC_CAT_C2}, {"c&c", VG_IOC_CAT_C2},
    {"command-and-control", VG_IOC_CAT_C2}, {"phishing", VG_IOC_CAT_PHISHING},
    {"botnet", VG_IOC_CAT_BOTNET}, {"compromised", VG_IOC_CAT_COMPROMISED},
    {"compromised-host", VG_IOC_CAT_COMPROMISED}, {"malware", VG_IOC_CAT_MALWARE},
    {"hosting-malware", VG_IOC_CAT_MALWARE}, {"anonymization", VG_IOC_CAT_ANONYMIZATION},
};

unsigned vg_ioc_category_parse(const char *label)
{
    for (size_t i = 0; label && i < VG_ARRAY_LEN(cats); i++)
        if (strcasecmp(label, cats[i].label) == 0)
            return cats[i].bit;
    return 0;
}

void vg_ioc_category_format(unsigned c, char *out, size_t cap)
{
    static const char *const names[] = {"malicious-activity", "c2", "phishing", "botnet",
                                        "compromised", "malware", "anonymization"};
    size_t k = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t b = 0; b < VG_ARRAY_LEN(names); b++)
        if (c & (1u << b)) {
            int w = snprintf(out + k, cap - k, "%s%s", k ? "," : "", names[b]);
            if (w < 0 || (size_t)w >= cap - k)
                return;
            k += (size_t)w;
        }
}
