/* Growable buffer: doubling growth, aborts on out-of-memory via vg_xrealloc. */
#include "core/buf.h"
#include "core/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vg__buf_grow(struct vg_buf *b, size_t extra)
{
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->p = vg_xrealloc(b->p, cap);
    b->cap = cap;
}

static inline void grow(struct vg_buf *b, size_t extra)
{
    if (b->cap - b->n < extra + 1)
        vg__buf_grow(b, extra);
}

void vg_buf_append(struct vg_buf *b, const void *p, size_t n)
{
    grow(b, n);
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void vg_buf_puts(struct vg_buf *b, const char *s)
{
    vg_buf_append(b, s, strlen(s));
}

void vg_buf_putc(struct vg_buf *b, char c)
{
    vg_buf_append(b, &c, 1);
}

void vg_buf_vprintf(struct vg_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n <= 0) {
        grow(b, 0);
        return;
    }
    grow(b, (size_t)n);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    b->n += (size_t)n;
}

void vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void vg_buf_put_i64(struct vg_buf *b, long long v)
{
    char t[24];
    int k = sizeof(t);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        t[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        t[--k] = '-';
    vg_buf_append(b, t + k, sizeof(t) - (size_t)k);
}

/* Bytes of s[0..n) before the first one JSON needs escaped ('"', '\\',
 * controls), copied to o (room for n bytes) on the way. Eight bytes a step:
 * a byte below 0x20 is found by the borrow of x - 0x20 (high bit set in the
 * difference, clear in x), '"' and '\\' the same way after an XOR; bytes from
 * 0x80 up have their high bit set and are never flagged themselves, and a
 * borrow only starts at a flagged byte, so the lowest flagged byte is the
 * first one to escape. */
size_t vg_buf_jplain(char *o, const char *s, size_t n)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t x, a, q, t;
    if (n >= 8) {
        for (;;) {
            memcpy(&x, s + i, 8);
            memcpy(o + i, &x, 8);
            a = x ^ (ones * '"');
            q = x ^ (ones * '\\');
            t = (((a - ones) & ~a) | ((q - ones) & ~q) | ((x - ones * 0x20) & ~x)) & high;
            if (t)
                return i + (size_t)__builtin_ctzll(t) / 8;
            if (i + 8 == n)
                return n;
            /* the last word overlaps the one before: its bytes below i
             * were found plain, so its lowest flagged byte is at i or up */
            i = n - i >= 16 ? i + 8 : n - 8;
        }
    }
#endif
    for (; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == '"' || ch == '\\')
            break;
        o[i] = (char)ch;
    }
    return i;
}

void vg_buf_put_jstr(struct vg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = vg_buf_room(b, n + 2);
    size_t i = vg_buf_jplain(o + 1, s, n), run;
    o[0] = '"';
    if (i == n) { /* nothing to escape: the common case */
        o[n + 1] = '"';
        b->n += n + 2;
        b->p[b->n] = '\0';
        return;
    }
    b->n += 1 + i;
    for (run = i; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        vg_buf_append(b, s + run, i - run);
        run = i + 1;
        switch (ch) {
        case '"': vg_buf_append(b, "\\\"", 2); break;
        case '\\': vg_buf_append(b, "\\\\", 2); break;
        case '\b': vg_buf_append(b, "\\b", 2); break;
        case '\f': vg_buf_append(b, "\\f", 2); break;
        case '\n': vg_buf_append(b, "\\n", 2); break;
        case '\r': vg_buf_append(b, "\\r", 2); break;
        case '\t': vg_buf_append(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            vg_buf_append(b, u, 6);
        }
        }
    }
    vg_buf_append(b, s + run, n - run);
    vg_buf_putc(b, '"');
}

void vg_buf_reset(struct vg_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void vg_buf_free(struct vg_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

char *vg_buf_steal(struct vg_buf *b, size_t *n)
{
    char *p;
    grow(b, 0);
    p = b->p;
    if (n)
        *n = b->n;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}
