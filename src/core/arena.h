/* A memory pool: allocations live until the arena is freed or reset, and
 * registered cleanups run then (nginx/h2o style). One per request, one per
 * parse. Not thread-safe: an arena belongs to one thread at a time. */
#ifndef VG_ARENA_H
#define VG_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct vg_arena;

/* block: the size of its chunks (0 = 16 KiB; doubled as it grows, see arena.c). Aborts on
 * out-of-memory. */
struct vg_arena *vg_arena_new(size_t block);
/* Runs cleanups (last registered first) and frees everything. NULL-safe. */
void vg_arena_free(struct vg_arena *a);
/* As free, but keeps the first chunk for reuse. */
void vg_arena_reset(struct vg_arena *a);

/* 16-byte aligned; never NULL (aborts on out-of-memory). */
void *vg_arena_alloc(struct vg_arena *a, size_t n);
void *vg_arena_calloc(struct vg_arena *a, size_t nmemb, size_t n);
char *vg_arena_strdup(struct vg_arena *a, const char *s);
char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t n);
void *vg_arena_memdup(struct vg_arena *a, const void *p, size_t n);
char *vg_arena_printf(struct vg_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *vg_arena_vprintf(struct vg_arena *a, const char *fmt, va_list ap);
/* Runs fn(p) when the arena is freed or reset. */
void vg_arena_cleanup(struct vg_arena *a, void (*fn)(void *), void *p);
/* Bytes handed out so far (for memory reports). */
size_t vg_arena_used(const struct vg_arena *a);

#endif
