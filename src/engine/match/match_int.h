/* Internals shared by the files of engine/match: the scanned OSV record,
 * the name hash both indexes use, 8-byte key codes, the byte pool, and the
 * forward index's structures and block layout. Not for use outside
 * src/engine/match (and its tests). */
#ifndef VG_MATCH_INT_H
#define VG_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "engine/version/range.h"

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

/* 64-bit hash of the ecosystem number and the normalised name: the name as
 * little-endian 8-byte words, the last one zero-padded, each mixed in
 * (multiply-xorshift), then a final avalanche so that the low bits index a
 * table well and the high bits make a good tag. Defined on the padded words
 * so that vg__match_norm_hash can hash words as it writes them. */
#define VG__H_MUL 0xff51afd7ed558ccdull

static inline uint64_t vg__hash_init(int eco, size_t n)
{
    return 0x9e3779b97f4a7c15ull ^ ((uint64_t)(unsigned)eco << 40) ^ (uint64_t)n;
}

static inline uint64_t vg__hash_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * VG__H_MUL;
    return h ^ (h >> 29);
}

static inline uint64_t vg__hash_fin(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static inline uint64_t vg__load64(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* The last t bytes (1-7) of s[0..n) as a zero-padded little-endian word,
 * reading nothing outside s[0..n). */
static inline uint64_t vg__tail_word(const char *s, size_t n, size_t t)
{
    const unsigned char *e = (const unsigned char *)s + n;
    if (n >= 8)
        return vg__load64(e - 8) >> (8 * (8 - t));
    if (t >= 4) {
        uint32_t x, y;
        memcpy(&x, e - t, 4);
        memcpy(&y, e - 4, 4);
        return (uint64_t)x | ((uint64_t)y << (8 * (t - 4)));
    }
    e -= t;
    return (uint64_t)e[0] | ((uint64_t)e[t / 2] << (8 * (t / 2))) |
           ((uint64_t)e[t - 1] << (8 * (t - 1)));
}

static inline uint64_t vg__match_hash(int eco, const char *s, size_t n)
{
    uint64_t h = vg__hash_init(eco, n);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        h = vg__hash_word(h, vg__load64(s + i));
    if (i < n)
        h = vg__hash_word(h, vg__tail_word(s, n, n - i));
    return vg__hash_fin(h);
}

/* vg_match_norm_name and vg__match_hash in one pass, without a copy when the
 * name is already normal (npm, Maven, Go... always; lower-case ones mostly):
 * *norm is then name itself, else buf (which needs cap >= n rounded up to 8,
 * else VG_ETOOBIG). */
int vg__match_norm_hash(int eco, const char *name, size_t n, char *buf, size_t cap,
                        const char **norm, size_t *nl, uint64_t *h);

/* ---- version keys as 8-byte codes ----------------------------------------- */

/* An order-preserving 8-byte code of a key: its first 7 bytes (zero-padded)
 * then its length, or 0xff for a key of 8 bytes or more. For two keys a, b:
 * code(a) < code(b) implies a < b, and equal codes below 0xff in the last
 * byte mean equal keys; only two long keys sharing 7 bytes tie and need the
 * full keys. (A short key that a long one extends sorts first, as the length
 * byte says.) */
static inline uint64_t vg__key_code(const unsigned char *k, size_t n)
{
    if (n >= 8)
        return __builtin_bswap64(vg__load64(k)) | 0xff;
    if (n == 0)
        return 0;
    return __builtin_bswap64(vg__tail_word((const char *)k, n, n)) | n;
}

/* As vg__key_code for a key in a buffer with 8 bytes readable. */
static inline uint64_t vg__key_code_buf(const unsigned char *k, size_t n)
{
    uint64_t v = __builtin_bswap64(vg__load64(k));
    if (n >= 8)
        return v | 0xff;
    return (n ? v & ~(~(uint64_t)0 >> (8 * n)) : 0) | n;
}

static inline int vg__code_long(uint64_t c) { return (c & 0xff) == 0xff; }

/* vg_key_cmp, inline, with the codes deciding when they can. */
static inline int vg__key_cmp_c(uint64_t ca, const unsigned char *a, size_t an, uint64_t cb,
                                const unsigned char *b, size_t bn)
{
    size_t m;
    int c;
    if (ca != cb)
        return ca < cb ? -1 : 1;
    if (!vg__code_long(ca))
        return 0;
    m = an < bn ? an : bn;
    c = memcmp(a + 7, b + 7, m - 7);
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* ---- a pool: bump allocation for strings, keys and intervals -------------- */

struct vg__pool {
    char *p, *end;
    struct vg__pool_chunk *chunks;
    size_t bytes; /* handed out, for memory reports */
    size_t next;  /* size of the next chunk */
};

void vg__pool_grow(struct vg__pool *pl, size_t n);
void vg__pool_free(struct vg__pool *pl);
/* Moves src's chunks into dst (src is left empty). */
void vg__pool_adopt(struct vg__pool *dst, struct vg__pool *src);

/* n bytes aligned to align (a power of two, at most 16). */
static inline void *vg__pool_alloc(struct vg__pool *pl, size_t n, size_t align)
{
    char *p = (char *)(((uintptr_t)pl->p + (align - 1)) & ~(uintptr_t)(align - 1));
    if (pl->p == NULL || (size_t)(pl->end - p) < n) {
        vg__pool_grow(pl, n + align);
        p = (char *)(((uintptr_t)pl->p + (align - 1)) & ~(uintptr_t)(align - 1));
    }
    pl->p = p + n;
    pl->bytes += n;
    return p;
}

static inline void *vg__pool_dup(struct vg__pool *pl, const void *s, size_t n)
{
    char *d = vg__pool_alloc(pl, n ? n : 1, 1);
    memcpy(d, s, n);
    return d;
}

static inline char *vg__pool_strndup(struct vg__pool *pl, const char *s, size_t n)
{
    char *d = vg__pool_alloc(pl, n + 1, 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- the forward index: index.c fills it, layout.c lays it out for queries
 * (finish), query.c answers ------------------------------------------------ */

struct vg__ixaff {
    uint32_t adv;
    uint32_t pkg;
    uint32_t niv, nfixed;
    struct vg_interval *iv; /* sorted, disjoint (in the pool) */
    const char **fixed;     /* "fixed" versions as written (in the pool) */
};

/* The ranges of an entry as range.h sees them (for vg_ranges_contain). */
static inline void vg__aff_ranges(const struct vg__ixaff *x, int eco, struct vg_ranges *r)
{
    memset(r, 0, sizeof(*r));
    r->eco = eco;
    r->iv = x->iv;
    r->n = x->niv;
    r->fixed = x->fixed;
    r->nfixed = x->nfixed;
}

struct vg__ixpkg {
    uint64_t hash;
    int32_t eco;
    uint32_t nlen;
    const char *name;
};

/* The filling side's package table: open addressing; a slot points at the
 * name so that a look-up can fetch it ahead. */
struct vg__pslot {
    uint64_t hash;
    const char *name;
    uint32_t pkgno1; /* package number + 1; 0 = empty */
    uint16_t nlen;
    uint8_t eco;
    uint8_t pad;
};

/* What a query reads of a package, in one contiguous block of the hot region
 * (16-byte aligned):
 *   struct vg__blk
 *   char name[nlen], padded to 8
 *   uint64_t code[nb]             boundary keys' codes (vg__key_code), ascending
 *   uint32_t ent[2 * nent]        (advisory, affected entry) per local entry,
 *                                 ascending by entry
 *   regions, by fmt:
 *     MASK8..MASK64: one 1/2/4/8-byte mask of local entries per region
 *     LIST16/LIST32: uint32_t roff[nregions + 1], then uint16/uint32 ids
 *     LINEAR: none (every entry is tested)
 *   at koff: uint32_t koff[nb + 1], then the boundary keys' bytes
 * The nb boundaries cut the key line into 2 nb + 1 regions: region 2i+1 is
 * boundary i itself, region 2i the keys between boundaries i-1 and i. */
struct vg__blk {
    uint16_t nlen;
    uint8_t eco;
    uint8_t fmt;  /* VG__BLK_*, | VG__BLK_VERIFY */
    uint32_t nb;
    uint32_t nent;
    uint32_t koff; /* byte offset of koff[] from the block */
};

enum {
    VG__BLK_MASK8,
    VG__BLK_MASK16,
    VG__BLK_MASK32,
    VG__BLK_MASK64,
    VG__BLK_LIST16,
    VG__BLK_LIST32,
    VG__BLK_LINEAR,
    VG__BLK_VERIFY = 0x80 /* an interval excludes pre-releases: confirm each candidate */
};

#define VG__ALIGN8(n) (((n) + 7) & ~(size_t)7)

static inline const char *vg__blk_name(const struct vg__blk *b)
{
    return (const char *)(b + 1);
}

static inline const uint64_t *vg__blk_code(const struct vg__blk *b)
{
    return (const uint64_t *)(const void *)((const char *)(b + 1) + VG__ALIGN8(b->nlen));
}

static inline const uint32_t *vg__blk_ent(const struct vg__blk *b)
{
    return (const uint32_t *)(const void *)(vg__blk_code(b) + b->nb);
}

static inline const unsigned char *vg__blk_regions(const struct vg__blk *b)
{
    return (const unsigned char *)(vg__blk_ent(b) + 2 * (size_t)b->nent);
}

/* Hash table of the finished index: buckets of eight 8-byte entries, one
 * cache line each: (hash >> 36) << 36 | lines << 32 | (block offset / 16 + 1),
 * lines being how many cache lines of the block are worth fetching at once. */
#define VG__BUCKET 8

struct vg_match_index {
    struct vg__pool pool;      /* strings, keys, intervals and their arrays */
    struct vg__kcache *kc;     /* while adding: recent version keys (index.c) */
    unsigned char *kk;         /* their key bytes */
    struct vg_arena *scratch;  /* one record's temporaries */
    struct vg_match_advisory *adv;
    uint64_t *adv_hash;        /* id hashes, per advisory */
    size_t nadv, capadv;
    struct vg__ixaff *aff;
    size_t naff, capaff;
    struct vg__ixpkg *pkg;
    size_t npkg, cappkg;
    struct vg__pslot *slots; /* while adding */
    size_t nslots;
    unsigned char *hot; /* after finish: the blocks, on huge pages */
    size_t hot_len;     /* bytes used */
    void *hot_base;     /* the mapping hot lies in (munmap), or NULL: hot is malloc'd */
    size_t hot_map;
    uint64_t *buckets; /* after finish */
    size_t nbuckets;
    uint64_t *filter;  /* after finish: a blocked Bloom filter of the packages' hashes */
    size_t nfilter;    /* words, a power of two */
    uint64_t *ids; /* advisory ids seen: (hash >> 32) << 32 | advisory number + 1 */
    size_t nids_slots, duplicates;
    int finished;
    size_t withdrawn, skipped, intervals;
    char first_skip[320];
    char last_eco_s[32]; /* the last ecosystem name parsed, and its value */
    size_t last_eco_n;
    int last_eco;
};

/* 0 when no package has hash h (most components of an SBOM: one probe of
 * a filter small enough to stay in the nearer caches, instead of a bucket);
 * 1 when one may. Two bits of one word, picked by a remix of h. */
static inline size_t vg__filter_word(uint64_t h, size_t nwords)
{
    return (size_t)((h * 0x9fb21c651e98df25ull) >> 40) & (nwords - 1);
}

static inline uint64_t vg__filter_bits(uint64_t h, size_t *word, size_t nwords)
{
    uint64_t x = h * 0x9fb21c651e98df25ull;
    *word = vg__filter_word(h, nwords);
    return ((uint64_t)1 << (x & 63)) | ((uint64_t)1 << ((x >> 6) & 63));
}

static inline int vg__ix_maybe(const struct vg_match_index *ix, uint64_t h)
{
    size_t w;
    uint64_t b = vg__filter_bits(h, &w, ix->nfilter);
    return (ix->filter[w] & b) == b;
}

/* The block of (eco, norm[0..n)) with hash h, or NULL. */
static inline const struct vg__blk *vg__ix_find(const struct vg_match_index *ix, int eco,
                                                const char *norm, size_t n, uint64_t h)
{
    size_t mask = ix->nbuckets - 1;
    uint64_t tag = h >> 36;
    if (!vg__ix_maybe(ix, h))
        return NULL;
    for (size_t bk = h & mask;; bk = (bk + 1) & mask) {
        const uint64_t *e = &ix->buckets[bk * VG__BUCKET];
        for (int j = 0; j < VG__BUCKET; j++) {
            const struct vg__blk *b;
            if (e[j] == 0)
                return NULL;
            if ((e[j] >> 36) != tag)
                continue;
            b = (const struct vg__blk *)(const void *)(ix->hot +
                                                       (size_t)((uint32_t)e[j] - 1) * 16);
            if (b->eco == eco && b->nlen == n && memcmp(vg__blk_name(b), norm, n) == 0)
                return b;
        }
    }
}

#endif
