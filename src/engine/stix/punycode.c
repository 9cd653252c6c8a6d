/* RFC 3492 punycode, implemented from the RFC (bootstring parameters of
 * section 5): encoding of IDN labels and decoding for validation.
 * Not for: IDNA mapping (ioc.c folds case before encoding). */
#include <string.h>

#include "engine/stix/ioc.h"

/* ---- punycode (RFC 3492) ---- */

enum { PB = 36, PTMIN = 1, PTMAX = 26, PSKEW = 38, PDAMP = 700, PBIAS = 72, PN = 128 };

static uint32_t adapt(uint32_t delta, uint32_t numpoints, int first)
{
    delta = first ? delta / PDAMP : delta / 2;
    delta += delta / numpoints;
    uint32_t k = 0;
    while (delta > ((PB - PTMIN) * PTMAX) / 2) {
        delta /= PB - PTMIN;
        k += PB;
    }
    return k + (PB - PTMIN + 1) * delta / (delta + PSKEW);
}

static char pdigit(uint32_t d)
{
    return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

int vg_punycode_encode(const uint32_t *cp, size_t ncp, char *out, size_t cap)
{
    size_t k = 0, b = 0;
    for (size_t i = 0; i < ncp; i++)
        if (cp[i] < 0x80) {
            if (k + 1 >= cap)
                return -1;
            out[k++] = (char)cp[i];
        }
    b = k;
    if (b > 0) {
        if (k + 1 >= cap)
            return -1;
        out[k++] = '-';
    }
    uint32_t n = PN, delta = 0, bias = PBIAS;
    size_t h = b;
    while (h < ncp) {
        uint32_t m = UINT32_MAX;
        for (size_t i = 0; i < ncp; i++)
            if (cp[i] >= n && cp[i] < m)
                m = cp[i];
        if ((uint64_t)(m - n) * (h + 1) > UINT32_MAX - delta)
            return -1;
        delta += (m - n) * (uint32_t)(h + 1);
        n = m;
        for (size_t i = 0; i < ncp; i++) {
            if (cp[i] < n && ++delta == 0)
                return -1;
            if (cp[i] != n)
                continue;
            uint32_t q = delta;
            for (uint32_t kk = PB;; kk += PB) {
                uint32_t t = kk <= bias ? PTMIN : kk >= bias + PTMAX ? PTMAX : kk - bias;
                if (q < t)
                    break;
                if (k + 1 >= cap)
                    return -1;
                out[k++] = pdigit(t + (q - t) % (PB - t));
                q = (q - t) / (PB - t);
            }
            if (k + 1 >= cap)
                return -1;
            out[k++] = pdigit(q);
            bias = adapt(delta, (uint32_t)(h + 1), h == b);
            delta = 0;
            h++;
        }
        delta++;
        n++;
    }
    out[k] = '\0';
    return 0;
}

int vg_punycode_decode(const char *s, size_t n, uint32_t *cp, size_t cap, size_t *ncp)
{
    size_t b = 0, out = 0;
    for (size_t j = 0; j < n; j++)
        if (s[j] == '-')
            b = j;
    if (b > cap)
        return -1;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)s[j] >= 0x80)
            return -1;
        cp[out++] = (unsigned char)s[j];
    }
    uint32_t nn = PN, bias = PBIAS, i = 0;
    for (size_t in = b > 0 ? b + 1 : 0; in < n;) {
        uint32_t oldi = i, w = 1;
        for (uint32_t k = PB;; k += PB) {
            if (in >= n)
                return -1;
            char c = s[in++];
            uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0' + 26)
                         : c >= 'a' && c <= 'z' ? (uint32_t)(c - 'a')
                         : c >= 'A' && c <= 'Z' ? (uint32_t)(c - 'A') : PB;
            if (d >= PB || d > (UINT32_MAX - i) / w)
                return -1;
            i += d * w;
            uint32_t t = k <= bias ? PTMIN : k >= bias + PTMAX ? PTMAX : k - bias;
            if (d < t)
                break;
            if ((uint64_t)w * (PB - t) > UINT32_MAX)
                return -1;
            w *= PB - t;
        }
        bias = adapt(i - oldi, (uint32_t)(out + 1), oldi == 0);
        if (i / (out + 1) > UINT32_MAX - nn)
            return -1;
        nn += i / (uint32_t)(out + 1);
        i %= (uint32_t)(out + 1);
        if (out >= cap || nn < 0x80 || nn > 0x10FFFF || (nn >= 0xD800 && nn <= 0xDFFF))
            return -1;
        memmove(cp + i + 1, cp + i, (out - i) * sizeof(*cp));
        cp[i++] = nn;
        out++;
    }
    *ncp = out;
    return 0;
}

