/* Internals shared by the knowledge base's files: vulns.c (the match index,
 * reading, the OSV API) and vulns_import.c (imports). */
#ifndef VG_VULNS_INT_H
#define VG_VULNS_INT_H

#include <ctype.h>
#include <stdint.h>

#include "core/arena.h"

/* An id or alias as stored and looked up: upper-case, in a. */
static inline char *vg__kb_upper(struct vg_arena *a, const char *s)
{
    char *p = vg_arena_strdup(a, s);
    for (char *q = p; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    return p;
}

/* FNV-1a of a record id, for the open-addressing tables by id. */
static inline uint64_t vg__kb_id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

#endif
