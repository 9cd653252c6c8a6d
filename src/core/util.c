/* Allocation wrappers that abort loudly, and bounded string helpers. */
#include "core/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static void oom(const char *file, int line, size_t n)
{
    fprintf(stderr, "vigil: out of memory allocating %zu bytes at %s:%d\n", n, file, line);
    abort();
}

void *vg__xmalloc(size_t n, const char *file, int line)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(file, line, n);
    return p;
}

void *vg__xcalloc(size_t nmemb, size_t n, const char *file, int line)
{
    void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
    if (p == NULL)
        oom(file, line, nmemb * n);
    return p;
}

void *vg__xrealloc(void *p, size_t n, const char *file, int line)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(file, line, n);
    return q;
}

char *vg__xstrdup(const char *s, const char *file, int line)
{
    size_t n = strlen(s) + 1;
    char *p = vg__xmalloc(n, file, line);
    memcpy(p, s, n);
    return p;
}

size_t vg_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

int vg_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    long long v;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = (int64_t)v;
    return 0;
}

void vg_hex(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void vg_huge_advise(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(huge - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    VG_UNUSED(p);
    VG_UNUSED(n);
#endif
}

void *vg_huge_alloc(size_t n)
{
    void *p;
    if (posix_memalign(&p, (size_t)2 << 20, n) != 0)
        return NULL;
    vg_huge_advise(p, n);
    return p;
}

#define PREFAULT_MIN ((size_t)16 << 20)
#define PREFAULT_STEP ((size_t)8 << 20)

struct vg_prefault {
    pthread_t th;
    char *p;
    size_t n;
    atomic_int stop;
};

static void *prefault_run(void *arg)
{
    struct vg_prefault *f = arg;
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = 4096;
    uintptr_t lo = ((uintptr_t)f->p + page - 1) & ~(page - 1), end = (uintptr_t)f->p + f->n;
    while (lo + page <= end && !atomic_load_explicit(&f->stop, memory_order_relaxed)) {
        size_t step = end - lo > PREFAULT_STEP ? PREFAULT_STEP : (size_t)((end - lo) & ~(page - 1));
        if (madvise((void *)lo, step, MADV_POPULATE_WRITE) != 0)
            break; /* an older kernel: the writer faults as it goes */
        lo += step;
    }
#endif
    return NULL;
}

struct vg_prefault *vg_prefault_start(void *p, size_t n)
{
    struct vg_prefault *f;
#ifndef MADV_POPULATE_WRITE
    VG_UNUSED(p);
    return NULL;
#endif
    if (p == NULL || n < PREFAULT_MIN || (f = calloc(1, sizeof(*f))) == NULL)
        return NULL;
    f->p = p;
    f->n = n;
    atomic_init(&f->stop, 0);
    if (pthread_create(&f->th, NULL, prefault_run, f) != 0) {
        free(f);
        return NULL;
    }
    return f;
}

void vg_prefault_end(struct vg_prefault *f)
{
    if (f == NULL)
        return;
    atomic_store(&f->stop, 1);
    pthread_join(f->th, NULL);
    free(f);
}

void vg_populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = 4096;
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1), hi = ((uintptr_t)p + n) & ~(page - 1);
    if (p != NULL && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    VG_UNUSED(p);
    VG_UNUSED(n);
#endif
}

void vg_base64(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = d[v >> 18];
        *out++ = d[v >> 12 & 63];
        *out++ = d[v >> 6 & 63];
        *out++ = d[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        *out++ = d[v >> 18];
        *out++ = d[v >> 12 & 63];
        *out++ = i + 1 < n ? d[v >> 6 & 63] : '=';
        *out++ = '=';
    }
    *out = '\0';
}

int vg_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int vg_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t k = *p < 0x80 ? 1 : vg_utf8_seq(p, end);
        if (k == 0)
            return 0;
        p += k;
    }
    return 1;
}

void vg_deadline_us(struct timespec *ts, long us)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += us / 1000000L;
    ts->tv_nsec += us % 1000000L * 1000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}
