/* A growable byte buffer (always NUL-terminated) for building output.
 * Owned by the caller: vg_buf_free releases it. Not thread-safe. */
#ifndef VG_BUF_H
#define VG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct vg_buf {
    char *p;    /* NULL until the first append; then NUL-terminated */
    size_t n;   /* bytes used, excluding the NUL */
    size_t cap;
};

void vg_buf_append(struct vg_buf *b, const void *p, size_t n);
void vg_buf_puts(struct vg_buf *b, const char *s);
void vg_buf_putc(struct vg_buf *b, char c);
void vg_buf_printf(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vg_buf_vprintf(struct vg_buf *b, const char *fmt, va_list ap);
/* A decimal integer. */
void vg_buf_put_i64(struct vg_buf *b, long long v);
/* s[0..n) as a JSON string, escaped exactly as jansson writes it
 * (JSON_COMPACT: '"', '\\' and the controls; \b \f \n \r \t by name,
 * the rest as \u00XX; everything else, UTF-8 included, as is), so that
 * text built with it reads byte for byte like a jansson dump. */
void vg_buf_put_jstr(struct vg_buf *b, const char *s, size_t n);
/* Room for n more bytes and the NUL: returns b->p + b->n, where the caller
 * writes up to n bytes, adds what it wrote to b->n and ends with the NUL
 * (b->p[b->n] = '\0') before any other vg_buf call reads the text. For
 * writers that put many small pieces (one check instead of one per piece). */
void vg__buf_grow(struct vg_buf *b, size_t extra); /* for vg_buf_room only */
static inline char *vg_buf_room(struct vg_buf *b, size_t n)
{
    if (b->cap - b->n < n + 1) /* cap is 0 until the first append */
        vg__buf_grow(b, n);
    return b->p + b->n;
}
/* Copies s[0..n) to o (room for n bytes) up to the first byte that
 * vg_buf_put_jstr escapes; returns the bytes copied (n: none to escape).
 * For writers that put the quotes around it themselves. */
size_t vg_buf_jplain(char *o, const char *s, size_t n);
void vg_buf_reset(struct vg_buf *b);
void vg_buf_free(struct vg_buf *b);
/* Hands the bytes over (caller frees with free()); leaves b empty. */
char *vg_buf_steal(struct vg_buf *b, size_t *n);

#endif
