/* Internals shared by the files of engine/match: the hash used by both
 * indexes. Not for use outside src/engine/match. */
#ifndef VG_MATCH_INT_H
#define VG_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"

/* ---- osvscan.c: what the index keeps of an OSV record ------------------- */

struct vg__osv_str {
    const char *s; /* slice of the input, or an unescaped arena copy; NULL when absent */
    size_t n;
};

struct vg__osv_event {
    int kind; /* 0 introduced, 1 fixed, 2 last_affected, 3 limit; <0 malformed */
    const char *v;
    size_t vn;
};

struct vg__osv_range {
    const char *type; /* NULL when absent or not a string */
    size_t type_n;
    int has_events;   /* "events" was an array */
    int bad;          /* an event is malformed (matters for SEMVER/ECOSYSTEM only) */
    struct vg__osv_event *ev;
    size_t nev;
};

struct vg__osv_aff {
    const char *eco, *name; /* NULL when absent */
    size_t eco_n, name_n;
    int bad; /* not an object, ranges/versions not arrays, too many items */
    struct vg__osv_range *r;
    size_t nr;
    struct vg__osv_str *v; /* versions; .s NULL for a non-string entry */
    size_t nv;
};

struct vg__osv {
    struct vg__osv_str id, summary, dbsev, score;
    struct vg__osv_str *aliases;
    size_t naliases;
    int withdrawn, has_affected, has_vulns, seen_severity;
    struct vg__osv_aff *aff;
    size_t naff;
};

struct vg__osv_list {
    struct vg__osv *r;
    size_t n, cap;
};

/* Scans one JSON document: an OSV record, an array of them, or an object
 * {"vulns": [...]}. Validates the whole text (strict JSON, UTF-8); 0 or -1.
 * Everything lives in scratch or slices s. */
int vg__osv_scan(const char *s, size_t n, struct vg_arena *scratch, struct vg__osv_list *out);

/* 64-bit hash of the ecosystem number and the normalised name, eight bytes
 * a step (multiply-xorshift), with a final avalanche so that the low bits
 * index the table well and the high 32 bits make a good tag. */
static inline uint64_t vg__match_hash(int eco, const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(unsigned)eco << 40) ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)(unsigned char)s[i] << (8 * i);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

#endif
