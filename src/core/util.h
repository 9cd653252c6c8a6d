/* Small allocation and string helpers used everywhere.
 * vg_x* abort with file and line on out-of-memory (internal sizes only; sizes
 * that come from input are capped by the caller first). */
#ifndef VG_UTIL_H
#define VG_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define VG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VG_UNUSED(x) ((void)(x))

void *vg__xmalloc(size_t n, const char *file, int line);
void *vg__xcalloc(size_t nmemb, size_t n, const char *file, int line);
void *vg__xrealloc(void *p, size_t n, const char *file, int line);
char *vg__xstrdup(const char *s, const char *file, int line);
#define vg_xmalloc(n) vg__xmalloc((n), __FILE__, __LINE__)
#define vg_xcalloc(m, n) vg__xcalloc((m), (n), __FILE__, __LINE__)
#define vg_xrealloc(p, n) vg__xrealloc((p), (n), __FILE__, __LINE__)
#define vg_xstrdup(s) vg__xstrdup((s), __FILE__, __LINE__)

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t vg_strlcpy(char *dst, const char *src, size_t size);
/* Parses a whole decimal integer in [min,max]; 0 on success, -1 otherwise. */
int vg_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void vg_hex(const unsigned char *in, size_t n, char *out);
/* The value of one hex digit, either case; -1 for anything else. */
/* RFC 4648 base64 (standard alphabet, padded) of in[0..n) into out, which
 * holds 4 * ((n + 2) / 3) + 1 bytes; not constant-time: for public data
 * (signatures, keys), where sodium_bin2base64 costs ~70 instructions a byte. */
/* Asks for transparent huge pages over the 2 MiB-aligned inside of p[0, n)
 * (madvise; nothing where the system has none): for large blocks probed at
 * random, or faulted in at once. Not for a block realloc may still grow:
 * advice on a part of its mapping splits it, and glibc then copies it. */
void vg_huge_advise(void *p, size_t n);
/* n bytes aligned to 2 MiB and advised for huge pages as a whole (free()
 * them), or NULL when the system has no such memory: for a large block
 * made at its full size, not one realloc will grow. */
void *vg_huge_alloc(size_t n);
/* Faults p[0, n) in on a thread of its own, ahead of a writer that fills
 * it from the start (madvise MADV_POPULATE_WRITE, which keeps what is
 * there: the writer may overtake it). New memory costs a fault and the
 * zeroing of each page on first write; for a large body received from a
 * socket that is most of the receiving, and the other core has nothing to
 * do meanwhile. NULL when not worth it or not possible (the writer then
 * faults as it goes). vg_prefault_end stops it (after its current step)
 * and joins it; NULL-safe. */
struct vg_prefault;
struct vg_prefault *vg_prefault_start(void *p, size_t n);
void vg_prefault_end(struct vg_prefault *f);
/* Faults p[0, n) in now, writable, in one call (MADV_POPULATE_WRITE; the
 * whole pages inside only; nothing where the kernel has no such call):
 * for a block about to be written all over a little at a time, which would
 * otherwise take a fault per page on the way. With huge pages
 * (vg_huge_advise first) ~0.2 ms per MiB here. */
void vg_populate(void *p, size_t n);
void vg_base64(const unsigned char *in, size_t n, char *out);
int vg_hexval(int c);
/* The length of the well-formed UTF-8 sequence of 2 to 4 bytes at p (< end),
 * or 0 (Unicode table 3-7: no overlongs, no surrogates, nothing above
 * U+10FFFF; an ASCII byte is 0 too: callers take ASCII first). */
static inline size_t vg_utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t have = (size_t)(end - p);
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return have >= 2 && p[1] >= 0x80 && p[1] <= 0xBF ? 2 : 0;
    if (c < 0xF0) {
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        return have >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        return have >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF), else 0. */
int vg_utf8_valid(const char *s, size_t n);

/* *ts = the CLOCK_REALTIME time us microseconds from now: a deadline for
 * pthread_cond_timedwait. */
struct timespec;
void vg_deadline_us(struct timespec *ts, long us);

#endif
