/* Chunked bump allocator with cleanup hooks. Large requests get their own
 * chunk so a big body does not waste the rest of a small one. An arena
 * that keeps growing takes chunks twice as large each time it holds four
 * times its chunk size (up to BLOCK_MAX; back to its own size when reset),
 * those of 4 MiB on in huge pages: a bulk ingest's arena of millions of
 * strings is then a few hundred chunks faulted in 2 MiB at a time, not
 * thousands of 16 KiB ones faulted in a page at a time. */
#include "core/arena.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *p;
};

struct vg_arena {
    struct chunk *head;
    struct cleanup *cleanups;
    size_t block, block0, total;
};

#define BLOCK_MAX ((size_t)8 << 20)
#define HUGE_MIN ((size_t)4 << 20)

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = size >= HUGE_MIN ? vg_huge_alloc(sizeof(*c) + size) : NULL;
    if (c == NULL)
        c = vg_xmalloc(sizeof(*c) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

struct vg_arena *vg_arena_new(size_t block)
{
    struct vg_arena *a = vg_xcalloc(1, sizeof(*a));
    a->block = a->block0 = block ? block : 16384;
    a->head = chunk_new(a->block);
    return a;
}

static void run_cleanups(struct vg_arena *a)
{
    while (a->cleanups) {
        struct cleanup *c = a->cleanups;
        a->cleanups = c->next;
        c->fn(c->p);
    }
}

void vg_arena_reset(struct vg_arena *a)
{
    struct chunk *c, *keep = NULL;
    if (a == NULL)
        return;
    run_cleanups(a);
    for (c = a->head; c;) {
        struct chunk *n = c->next;
        if (n == NULL) {
            keep = c;   /* the first chunk allocated is last in the list */
            break;
        }
        free(c);
        c = n;
    }
    a->head = keep;
    if (keep)
        keep->used = 0;
    a->total = 0;
    a->block = a->block0;
}

void vg_arena_free(struct vg_arena *a)
{
    if (a == NULL)
        return;
    run_cleanups(a);
    while (a->head) {
        struct chunk *n = a->head->next;
        free(a->head);
        a->head = n;
    }
    free(a);
}

void *vg_arena_alloc(struct vg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    struct chunk *c = a->head;
    void *p;
    if (need < n)
        abort();
    if (c == NULL || c->size - c->used < need) {
        if (need > a->block / 4) {
            /* big: own chunk, linked behind the head so the head keeps serving */
            struct chunk *big = chunk_new(need);
            big->used = need;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                a->head = big;
            }
            a->total += need;
            return big->data;
        }
        if (a->total >= 4 * a->block && a->block < BLOCK_MAX)
            a->block *= 2;
        c = chunk_new(a->block);
        c->next = a->head;
        a->head = c;
    }
    p = c->data + c->used;
    c->used += need;
    a->total += need;
    return p;
}

void *vg_arena_calloc(struct vg_arena *a, size_t nmemb, size_t n)
{
    if (n && nmemb > SIZE_MAX / n)
        abort();
    void *p = vg_arena_alloc(a, nmemb * n);
    memset(p, 0, nmemb * n);
    return p;
}

char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t n)
{
    char *p = vg_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vg_arena_strdup(struct vg_arena *a, const char *s)
{
    return s ? vg_arena_strndup(a, s, strlen(s)) : NULL;
}

void *vg_arena_memdup(struct vg_arena *a, const void *p, size_t n)
{
    void *q = vg_arena_alloc(a, n ? n : 1);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *vg_arena_vprintf(struct vg_arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        n = 0;
    char *p = vg_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *vg_arena_printf(struct vg_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vg_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void vg_arena_cleanup(struct vg_arena *a, void (*fn)(void *), void *p)
{
    struct cleanup *c = vg_arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->p = p;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t vg_arena_used(const struct vg_arena *a)
{
    return a ? a->total : 0;
}
