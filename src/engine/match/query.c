/* Forward index, queries: name -> bucket -> package block -> region of the
 * version's key -> the region's entries. One at a time, or many at once in a
 * software pipeline that keeps the memory fetches of several queries in
 * flight. Not for: building (index.c, layout.c). */
#include "engine/match/match.h"
#include "engine/match/match_int.h"

#include "core/util.h"

#include "engine/version/range.h"
#include "engine/version/version.h"

#include <stdlib.h>
#include <string.h>

#define PFL 4 /* block lines fetched ahead, at most */

static inline const struct vg__blk *blk_at(const struct vg_match_index *ix, uint64_t e)
{
    return (const struct vg__blk *)(const void *)(ix->hot + (size_t)((uint32_t)e - 1) * 16);
}

/* Two long keys tie on their code: the boundaries [lo, ...) sharing it are
 * told apart by their full keys. */
static uint32_t region_long(const struct vg__blk *b, uint32_t lo, uint64_t c,
                            const unsigned char *k, size_t n)
{
    const uint64_t *code = vg__blk_code(b);
    const uint32_t *koff = (const uint32_t *)(const void *)((const char *)b + b->koff);
    const unsigned char *keys = (const unsigned char *)(koff + b->nb + 1);
    uint32_t hi = lo + 1;
    while (hi < b->nb && code[hi] == c)
        hi++;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int r = vg_key_cmp(keys + koff[mid], koff[mid + 1] - koff[mid], k, n);
        if (r < 0)
            lo = mid + 1;
        else if (r > 0)
            hi = mid;
        else
            return 2 * mid + 1;
    }
    return 2 * lo;
}

/* Region of a key (code c): 2i+1 when it equals boundary i, else 2i where i
 * is the number of boundaries below it. */
static inline uint32_t region_of(const struct vg__blk *b, uint64_t c, const unsigned char *k,
                                 size_t n)
{
    const uint64_t *code = vg__blk_code(b);
    uint32_t nb = b->nb, lo = 0;
    if (nb <= 16) {
        for (uint32_t i = 0; i < nb; i++)
            lo += code[i] < c;
    } else {
        uint32_t len = nb;
        while (len > 0) {
            uint32_t half = len / 2;
            if (code[lo + half] < c) {
                lo += half + 1;
                len -= half + 1;
            } else {
                len = half;
            }
        }
    }
    if (lo < nb && code[lo] == c)
        return vg__code_long(c) ? region_long(b, lo, c, k, n) : 2 * lo + 1;
    return 2 * lo;
}

/* Where region r's entries are (for a prefetch). */
static inline const void *region_addr(const struct vg__blk *b, uint32_t r)
{
    const unsigned char *rg = vg__blk_regions(b);
    switch (b->fmt & 0x7f) {
    case VG__BLK_MASK8: return rg + r;
    case VG__BLK_MASK16: return rg + 2 * (size_t)r;
    case VG__BLK_MASK32: return rg + 4 * (size_t)r;
    case VG__BLK_MASK64: return rg + 8 * (size_t)r;
    case VG__BLK_LIST16:
    case VG__BLK_LIST32: return rg + 4 * (size_t)r;
    default: return rg;
    }
}

/* 1 when entry aff's ranges hold key (the slow way: linear packages and
 * pre-release exclusions). */
static int contains(const struct vg_match_index *ix, const struct vg__blk *b, uint32_t aff,
                    const unsigned char *key, size_t kl)
{
    struct vg_ranges r;
    vg__aff_ranges(&ix->aff[aff], b->eco, &r);
    return vg_ranges_contain(&r, key, kl);
}

/* The hits of a key in block b, region r: one per advisory, in advisory
 * order (an advisory's entries are consecutive, so a repeat is always the
 * previous one); *n counts beyond cap. */
static void collect(const struct vg_match_index *ix, const struct vg__blk *b, uint32_t r,
                    const unsigned char *key, size_t kl, struct vg_match_hit *hits, size_t cap,
                    size_t *n)
{
    const uint32_t *ent = vg__blk_ent(b);
    const unsigned char *rg = vg__blk_regions(b);
    int verify = (b->fmt & VG__BLK_VERIFY) != 0;
    uint32_t prev = UINT32_MAX;
    size_t cnt = 0;
    uint64_t m = 0;

#define EMIT(j)                                                                                    \
    do {                                                                                           \
        uint32_t adv_ = ent[2 * (size_t)(j)], aff_ = ent[2 * (size_t)(j) + 1];                     \
        if (adv_ != prev && (!verify || contains(ix, b, aff_, key, kl))) {                         \
            if (cnt < cap) {                                                                       \
                hits[cnt].adv = adv_;                                                              \
                hits[cnt].aff = aff_;                                                              \
            }                                                                                      \
            cnt++;                                                                                 \
            prev = adv_;                                                                           \
        }                                                                                          \
    } while (0)

    switch (b->fmt & 0x7f) {
    case VG__BLK_MASK8:
        m = rg[r];
        break;
    case VG__BLK_MASK16: {
        uint16_t x;
        memcpy(&x, rg + 2 * (size_t)r, 2);
        m = x;
        break;
    }
    case VG__BLK_MASK32: {
        uint32_t x;
        memcpy(&x, rg + 4 * (size_t)r, 4);
        m = x;
        break;
    }
    case VG__BLK_MASK64:
        memcpy(&m, rg + 8 * (size_t)r, 8);
        break;
    case VG__BLK_LIST16: {
        const uint32_t *roff = (const uint32_t *)(const void *)rg;
        const uint16_t *id = (const uint16_t *)(roff + 2 * (size_t)b->nb + 2);
        for (uint32_t i = roff[r]; i < roff[r + 1]; i++)
            EMIT(id[i]);
        break;
    }
    case VG__BLK_LIST32: {
        const uint32_t *roff = (const uint32_t *)(const void *)rg;
        const uint32_t *id = roff + 2 * (size_t)b->nb + 2;
        for (uint32_t i = roff[r]; i < roff[r + 1]; i++)
            EMIT(id[i]);
        break;
    }
    default: /* LINEAR */
        verify = 0;
        for (uint32_t j = 0; j < b->nent; j++)
            if (ent[2 * (size_t)j] != prev && contains(ix, b, ent[2 * (size_t)j + 1], key, kl))
                EMIT(j);
        break;
    }
    while (m) {
        unsigned j = (unsigned)__builtin_ctzll(m);
        m &= m - 1;
        EMIT(j);
    }
#undef EMIT
    *n = cnt;
}

int vg_match_query(const struct vg_match_index *ix, int eco, const char *name, size_t nlen,
                   const char *version, size_t vlen, struct vg_match_hit *hits, size_t cap,
                   size_t *n, struct vg_err *err)
{
    int rc = VG_OK;
    char buf[VG_MATCH_NAME_MAX + 8];
    const char *norm;
    unsigned char key[VG_VERSION_KEY_MAX];
    size_t nl, kl = 0;
    uint64_t h;
    const struct vg__blk *b;
    int krc;

    *n = 0;
    if (!ix->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: index not finished");
        goto out;
    }
    rc = vg__match_norm_hash(eco, name, nlen, buf, sizeof(buf), &norm, &nl, &h);
    if (rc) {
        rc = vg_err_set(err, rc, "package name longer than %d bytes", VG_MATCH_NAME_MAX);
        goto out;
    }
    if (!vg__ix_maybe(ix, h))
        goto out; /* an unknown package: any version is fine */
    {
        /* the block's lines are fetched while the version is keyed */
        const uint64_t *e = &ix->buckets[(h & (ix->nbuckets - 1)) * VG__BUCKET];
        for (int j = 0; j < VG__BUCKET && e[j]; j++)
            if ((e[j] >> 36) == (h >> 36)) {
                const char *p = (const char *)blk_at(ix, e[j]);
                size_t lines = (e[j] >> 32) & 15;
                for (size_t l = 0; l < lines && l < PFL; l++)
                    __builtin_prefetch(p + 64 * l);
                break;
            }
    }
    krc = vg_version_key_buf(eco, version, vlen, key, sizeof(key), &kl, NULL);
    b = vg__ix_find(ix, eco, norm, nl, h);
    if (b == NULL)
        goto out; /* an unknown package: any version is fine */
    if (krc) {
        rc = vg_version_key_buf(eco, version, vlen, key, sizeof(key), &kl, err);
        goto out;
    }
    collect(ix, b, region_of(b, vg__key_code_buf(key, kl), key, kl), key, kl, hits, cap, n);
out:
    return rc;
}

/* ---- many at once ---------------------------------------------------------
 * A software pipeline over the queries. At step t: the strings of query t + D
 * are fetched; query t is hashed and its bucket fetched; query t - D finds
 * its block in the bucket, fetches the block and keys its version meanwhile;
 * query t - 2D finds its region and fetches the region's entries; query
 * t - 3D collects. Each fetch has D steps of other queries' work to arrive,
 * so the cache misses of several queries overlap instead of adding up. */
#define PD 8
#define RING 32 /* > 3 PD, a power of two */

struct qst {
    uint64_t h, e, code; /* hash; bucket entry (0: none); key code */
    const struct vg__blk *b;
    const char *np; /* the normalised name: the query's own, or norm */
    uint32_t nl, kl, region;
    int st; /* 0 go on, 1 no package (done), 2 ask vg_match_query */
    char norm[128];
    unsigned char key[64];
};

/* A query's strings, both ends (a string may straddle two cache lines). */
static inline void prefetch_q(const struct vg_match_q *x)
{
    if (x->nlen) {
        __builtin_prefetch(x->name);
        __builtin_prefetch(x->name + x->nlen - 1);
    }
    if (x->vlen) {
        __builtin_prefetch(x->version);
        __builtin_prefetch(x->version + x->vlen - 1);
    }
}

int vg_match_query_many(const struct vg_match_index *ix, const struct vg_match_q *q, size_t n,
                        struct vg_match_hit *hits, size_t cap, size_t *counts, int *rcs)
{
    struct qst *ring;
    size_t mask;

    if (!ix->finished) {
        for (size_t i = 0; i < n; i++) {
            counts[i] = 0;
            rcs[i] = VG_EINVAL;
        }
        return VG_EINVAL;
    }
    mask = ix->nbuckets - 1;
    ring = vg_xmalloc(RING * sizeof(*ring)); /* ~8 KB: stays in L1 */
    for (size_t i = 0; i < n && i < PD; i++)
        prefetch_q(&q[i]);
    for (size_t t = 0; t < n + 3 * PD; t++) {
        /* strings of a later query */
        if (t + PD < n)
            prefetch_q(&q[t + PD]);
        /* hash; fetch the bucket */
        if (t < n) {
            const struct vg_match_q *x = &q[t];
            struct qst *s = &ring[t & (RING - 1)];
            size_t nl;
            s->st = vg__match_norm_hash(x->eco, x->name, x->nlen, s->norm, sizeof(s->norm),
                                        &s->np, &nl, &s->h) != VG_OK ? 2 : 0;
            if (s->st == 0 && !vg__ix_maybe(ix, s->h))
                s->st = 1; /* no such package: the filter says so */
            if (s->st == 0) {
                s->nl = (uint32_t)nl;
                __builtin_prefetch(&ix->buckets[(s->h & mask) * VG__BUCKET]);
            }
        }
        /* the block: fetch it; key the version meanwhile */
        if (t >= PD && t - PD < n) {
            size_t i = t - PD;
            struct qst *s = &ring[i & (RING - 1)];
            if (s->st == 0) {
                const uint64_t *e = &ix->buckets[(s->h & mask) * VG__BUCKET];
                uint64_t tag = s->h >> 36;
                int j = 0, full = 1;
                s->e = 0;
                for (; j < VG__BUCKET; j++) {
                    if (e[j] == 0) {
                        full = 0;
                        break;
                    }
                    if ((e[j] >> 36) == tag) {
                        s->e = e[j];
                        break;
                    }
                }
                if (s->e) {
                    const char *p = (const char *)blk_at(ix, s->e);
                    size_t lines = (s->e >> 32) & 15;
                    if (lines > PFL)
                        lines = PFL;
                    for (size_t l = 0; l < lines; l++)
                        __builtin_prefetch(p + 64 * l);
                } else if (!full) {
                    s->st = 1; /* no such package */
                } else {
                    s->st = 2; /* a full bucket: the slow way */
                }
                if (s->st == 0) {
                    size_t kl;
                    if (vg_version_key_buf(q[i].eco, q[i].version, q[i].vlen, s->key,
                                           sizeof(s->key), &kl, NULL) != VG_OK)
                        s->st = 2;
                    else {
                        s->kl = (uint32_t)kl;
                        s->code = vg__key_code_buf(s->key, kl);
                    }
                }
            }
        }
        /* the region: fetch its entries */
        if (t >= 2 * PD && t - 2 * PD < n) {
            size_t i = t - 2 * PD;
            struct qst *s = &ring[i & (RING - 1)];
            if (s->st == 0) {
                const struct vg__blk *b = blk_at(ix, s->e);
                if (b->eco != q[i].eco || b->nlen != s->nl ||
                    memcmp(vg__blk_name(b), s->np, s->nl) != 0) {
                    /* another package with the same tag */
                    b = vg__ix_find(ix, q[i].eco, s->np, s->nl, s->h);
                    if (b == NULL)
                        s->st = 1;
                }
                if (s->st == 0) {
                    s->b = b;
                    s->region = region_of(b, s->code, s->key, s->kl);
                    __builtin_prefetch(region_addr(b, s->region));
                    __builtin_prefetch(vg__blk_ent(b));
                }
            }
        }
        /* collect */
        if (t >= 3 * PD && t - 3 * PD < n) {
            size_t i = t - 3 * PD;
            struct qst *s = &ring[i & (RING - 1)];
            if (s->st == 2) {
                rcs[i] = vg_match_query(ix, q[i].eco, q[i].name, q[i].nlen, q[i].version,
                                        q[i].vlen, hits + i * cap, cap, &counts[i], NULL);
            } else if (s->st == 1) {
                rcs[i] = VG_OK;
                counts[i] = 0;
            } else {
                rcs[i] = VG_OK;
                collect(ix, s->b, s->region, s->key, s->kl, hits + i * cap, cap, &counts[i]);
            }
        }
    }
    free(ring);
    return VG_OK;
}
