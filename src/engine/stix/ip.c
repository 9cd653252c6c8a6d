/* IPv4/IPv6 addresses and CIDR blocks: strict parsing, RFC 5952 text,
 * IPv4-mapped addresses. Not for: lookups (ioc_index.c). */
#include <string.h>

#include "engine/stix/ioc.h"
#include "core/util.h"

/* ---- IP ---- */

static int parse_v4(const char *s, size_t n, unsigned char out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || s[i] != '.')
                return -1;
            i++;
        }
        size_t st = i;
        unsigned v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 4)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == st || i - st > 3 || v > 255 || (i - st > 1 && s[st] == '0'))
            return -1;
        out[part] = (unsigned char)v;
    }
    return i == n ? 0 : -1;
}

static int parse_v6(const char *s, size_t n, unsigned char out[16])
{
    unsigned short g[8];
    int ng = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
        if (n == 2)
            goto done;
    } else if (n && s[0] == ':') {
        return -1;
    }
    for (;;) {
        if (ng >= 8)
            return -1;
        /* embedded IPv4 in the last 32 bits */
        size_t j = i;
        while (j < n && s[j] != ':' && s[j] != '.')
            j++;
        if (j < n && s[j] == '.') {
            unsigned char v4[4];
            if (ng > 6 || parse_v4(s + i, n - i, v4) != 0)
                return -1;
            g[ng++] = (unsigned short)(v4[0] << 8 | v4[1]);
            g[ng++] = (unsigned short)(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        unsigned v = 0;
        size_t st = i;
        while (i < n && vg_hexval(s[i]) >= 0 && i - st < 4)
            v = v * 16 + (unsigned)vg_hexval(s[i++]);
        if (i == st || (i < n && vg_hexval(s[i]) >= 0))
            return -1;
        g[ng++] = (unsigned short)v;
        if (i == n)
            break;
        if (s[i] != ':')
            return -1;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return -1;
            gap = ng;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return -1;
        }
    }
done:
    if (gap < 0 && ng != 8)
        return -1;
    if (gap >= 0 && ng > 7)
        return -1;
    memset(out, 0, 16);
    int k = 0;
    for (int q = 0; q < (gap < 0 ? ng : gap); q++, k++) {
        out[2 * k] = (unsigned char)(g[q] >> 8);
        out[2 * k + 1] = (unsigned char)g[q];
    }
    if (gap >= 0) {
        int tail = ng - gap;
        k = 8 - tail;
        for (int q = gap; q < ng; q++, k++) {
            out[2 * k] = (unsigned char)(g[q] >> 8);
            out[2 * k + 1] = (unsigned char)g[q];
        }
    }
    return 0;
}

int vg_ip_parse(const char *s, size_t n, int clear_host, struct vg_ip *out)
{
    const char *slash = memchr(s, '/', n);
    size_t an = slash ? (size_t)(slash - s) : n;
    memset(out, 0, sizeof(*out));
    if (an == 0 || an > 45)
        return -1;
    if (memchr(s, ':', an)) {
        if (parse_v6(s, an, out->addr) != 0)
            return -1;
        out->family = 6;
        out->prefix = 128;
    } else {
        if (parse_v4(s, an, out->addr) != 0)
            return -1;
        out->family = 4;
        out->prefix = 32;
    }
    if (slash) {
        const char *p = slash + 1;
        size_t pn = n - an - 1;
        int v = 0;
        if (pn == 0 || pn > 3 || (pn > 1 && p[0] == '0'))
            return -1;
        for (size_t i = 0; i < pn; i++) {
            if (p[i] < '0' || p[i] > '9')
                return -1;
            v = v * 10 + (p[i] - '0');
        }
        if (v > out->prefix)
            return -1;
        out->prefix = v;
        int bytes = out->family == 4 ? 4 : 16;
        for (int b = 0; b < bytes; b++) {
            int keep = v - b * 8;
            unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
            if ((out->addr[b] & ~mask) && !clear_host)
                return -1;
            out->addr[b] &= mask;
        }
    }
    return 0;
}

static int is_v4_mapped(const unsigned char *a)
{
    static const unsigned char pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, pre, 12) == 0;
}

void vg__ip_unmap(struct vg_ip *ip)
{
    /* an IPv4-mapped IPv6 address is the IPv4 address */
    if (ip->family == 6 && is_v4_mapped(ip->addr) && ip->prefix >= 96) {
        memmove(ip->addr, ip->addr + 12, 4);
        memset(ip->addr + 4, 0, 12);
        ip->family = 4;
        ip->prefix -= 96;
    }
}

/* Decimal / lower-case hex digits of v at o; the count. (vg_ip_format runs
 * once per address taken from a submission: no printf.) */
static size_t put_dec(char *o, unsigned v)
{
    char t[10];
    size_t k = 0, n;
    do {
        t[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (n = 0; n < k; n++)
        o[n] = t[k - 1 - n];
    return k;
}

static size_t put_hex(char *o, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    char t[8];
    size_t k = 0, n;
    do {
        t[k++] = hex[v & 15];
        v >>= 4;
    } while (v);
    for (n = 0; n < k; n++)
        o[n] = t[k - 1 - n];
    return k;
}

/* "/len" (any int, as "/%d" writes it) */
static size_t put_prefix(char *o, int prefix)
{
    o[0] = '/';
    if (prefix < 0) {
        o[1] = '-';
        return 2 + put_dec(o + 2, 0u - (unsigned)prefix);
    }
    return 1 + put_dec(o + 1, (unsigned)prefix);
}

static size_t put_v4(char *o, const unsigned char *a)
{
    size_t k = put_dec(o, a[0]);
    for (int i = 1; i < 4; i++) {
        o[k++] = '.';
        k += put_dec(o + k, a[i]);
    }
    return k;
}

void vg_ip_format(const struct vg_ip *ip, char out[64])
{
    size_t k = 0;
    if (ip->family == 4) {
        k = put_v4(out, ip->addr);
        if (ip->prefix != 32)
            k += put_prefix(out + k, ip->prefix);
        out[k] = '\0';
        return;
    }
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip->addr[2 * i] << 8 | ip->addr[2 * i + 1];
    if (is_v4_mapped(ip->addr)) {
        memcpy(out, "::ffff:", 7);
        k = 7 + put_v4(out + 7, ip->addr + 12);
    } else {
        int best = -1, bestn = 0;
        for (int i = 0; i < 8;) {
            if (g[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0)
                j++;
            if (j - i > bestn && j - i >= 2) {
                best = i;
                bestn = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == best) {
                out[k++] = ':';
                out[k++] = ':';
                i += bestn - 1;
                continue;
            }
            if (i && i != best + bestn)
                out[k++] = ':';
            k += put_hex(out + k, g[i]);
        }
    }
    if (ip->prefix != 128)
        k += put_prefix(out + k, ip->prefix);
    out[k] = '\0';
}
