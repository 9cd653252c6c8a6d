/* Growable buffer: doubling growth, aborts on out-of-memory via vg_xrealloc. */
#include "core/buf.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grow(struct vg_buf *b, size_t extra)
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

void vg_buf_put_jstr(struct vg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;
    vg_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
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
