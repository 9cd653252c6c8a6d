/* Internals shared by the files of engine/match: the hash used by both
 * indexes. Not for use outside src/engine/match. */
#ifndef VG_MATCH_INT_H
#define VG_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a over the ecosystem number and the normalised name, with a
 * final avalanche so that the low bits index the table well. */
static inline uint64_t vg__match_hash(int eco, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(unsigned)eco;
    h *= 1099511628211ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

#endif
