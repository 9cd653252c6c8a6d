/* Forward index, the filling side: OSV records (read by the OSV scanner,
 * osvscan.c) become advisories and affected entries, each entry's ranges key
 * intervals with the OSV rules of version/range.c's vg_ranges_from_osv (the
 * conformance suite checks the two agree), grouped by (ecosystem, name).
 * Not for: the query layout (layout.c), queries (query.c), the reverse
 * (component) index (comps.c). */
#include "engine/match/match.h"
#include "engine/match/match_int.h"

#include "core/util.h"

#include "engine/version/range.h"
#include "engine/version/version.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- pool -------------------------------------------------------------- */

struct vg__pool_chunk {
    struct vg__pool_chunk *next;
    size_t size;
};

#define POOL_FIRST ((size_t)64 << 10)
#define POOL_HUGE ((size_t)2 << 20)

void vg__pool_grow(struct vg__pool *pl, size_t n)
{
    /* chunks double from 64 KiB to 2 MiB (then huge pages, 2 MiB aligned);
     * a request over a quarter chunk gets a chunk of its own size */
    size_t size = pl->next ? pl->next : POOL_FIRST, hdr = 64;
    struct vg__pool_chunk *c = NULL;
    if (n + hdr > size / 4)
        size = n + hdr;
    else if (pl->next < POOL_HUGE)
        pl->next = size * 2;
    if (size >= POOL_HUGE && size % POOL_HUGE == 0) {
        void *m = NULL;
        if (posix_memalign(&m, POOL_HUGE, size) == 0) {
            c = m;
            vg_huge_advise(m, size);
        }
    }
    if (c == NULL)
        c = vg_xmalloc(size);
    c->next = pl->chunks;
    c->size = size;
    pl->chunks = c;
    pl->p = (char *)c + hdr;
    pl->end = (char *)c + size;
}

void vg__pool_free(struct vg__pool *pl)
{
    while (pl->chunks) {
        struct vg__pool_chunk *c = pl->chunks;
        pl->chunks = c->next;
        free(c);
    }
    memset(pl, 0, sizeof(*pl));
}

void vg__pool_adopt(struct vg__pool *dst, struct vg__pool *src)
{
    struct vg__pool_chunk **tail = &src->chunks;
    while (*tail)
        tail = &(*tail)->next;
    /* src's chunks go behind dst's current one, which stays current */
    if (dst->chunks) {
        *tail = dst->chunks->next;
        dst->chunks->next = src->chunks;
    } else {
        dst->chunks = src->chunks;
    }
    dst->bytes += src->bytes;
    memset(src, 0, sizeof(*src));
}

/* realloc for the big growing arrays (used bytes of n kept): from a megabyte
 * on, a new block on huge pages */
static void *grow_array(void *p, size_t used, size_t n)
{
    void *q = NULL;
    size_t r = (n + POOL_HUGE - 1) & ~(POOL_HUGE - 1);
    if (n < ((size_t)1 << 20) || posix_memalign(&q, POOL_HUGE, r) != 0)
        return vg_xrealloc(p, n);
    vg_huge_advise(q, r);
    if (used)
        memcpy(q, p, used);
    free(p);
    return q;
}

/* A zeroed hash table; from a megabyte on, on huge pages (fewer faults while
 * it fills, fewer TLB misses while probed). */
static void *table_new(size_t n)
{
    void *p = NULL;
    if (n >= ((size_t)1 << 20) &&
        posix_memalign(&p, POOL_HUGE, (n + POOL_HUGE - 1) & ~(POOL_HUGE - 1)) == 0) {
        vg_huge_advise(p, (n + POOL_HUGE - 1) & ~(POOL_HUGE - 1));
        memset(p, 0, n);
        return p;
    }
    return vg_xcalloc(1, n);
}

/* ---- lifecycle ----------------------------------------------------------- */

struct vg_match_index *vg_match_index_new(void)
{
    struct vg_match_index *ix = vg_xcalloc(1, sizeof(*ix));
    ix->scratch = vg_arena_new(1u << 18);
    ix->nslots = 1024;
    ix->slots = vg_xcalloc(ix->nslots, sizeof(*ix->slots));
    return ix;
}

void vg_match_index_free(struct vg_match_index *ix)
{
    if (ix == NULL)
        return;
    free(ix->adv);
    free(ix->adv_hash);
    free(ix->aff);
    free(ix->pkg);
    free(ix->slots);
    if (ix->hot_base)
        munmap(ix->hot_base, ix->hot_map);
    else
        free(ix->hot);
    free(ix->buckets);
    free(ix->filter);
    free(ix->ids);
    free(ix->kc);
    free(ix->kk);
    vg__pool_free(&ix->pool);
    vg_arena_free(ix->scratch);
    free(ix);
}

/* ---- packages ------------------------------------------------------------ */

static void grow_slots(struct vg_match_index *ix)
{
    size_t ns = ix->nslots * 2;
    struct vg__pslot *t = table_new(ns * sizeof(*t));
    for (size_t i = 0; i < ix->nslots; i++)
        if (ix->slots[i].pkgno1) {
            size_t j = ix->slots[i].hash & (ns - 1);
            while (t[j].pkgno1)
                j = (j + 1) & (ns - 1);
            t[j] = ix->slots[i];
        }
    free(ix->slots);
    ix->slots = t;
    ix->nslots = ns;
}

static inline void pkg_prefetch(const struct vg_match_index *ix, uint64_t h)
{
    __builtin_prefetch(&ix->slots[h & (ix->nslots - 1)]);
}

/* Once the slot is in: fetch the name a look-up will compare. */
static inline void pkg_prefetch_name(const struct vg_match_index *ix, uint64_t h)
{
    size_t mask = ix->nslots - 1;
    for (size_t j = h & mask; ix->slots[j].pkgno1; j = (j + 1) & mask)
        if (ix->slots[j].hash == h) {
            __builtin_prefetch(ix->slots[j].name);
            break;
        }
}

/* The package (eco, name[0..n)) with hash h, made when new. */
static uint32_t get_pkg(struct vg_match_index *ix, int eco, const char *name, size_t n, uint64_t h)
{
    size_t mask = ix->nslots - 1, j = h & mask;
    struct vg__ixpkg *p;
    struct vg__pslot *sl;
    for (;; j = (j + 1) & mask) {
        const struct vg__pslot *e = &ix->slots[j];
        if (e->pkgno1 == 0)
            break;
        if (e->hash == h && e->eco == eco && e->nlen == n && memcmp(e->name, name, n) == 0)
            return e->pkgno1 - 1;
    }
    if ((ix->npkg + 1) * 2 > ix->nslots) {
        grow_slots(ix);
        for (j = h & (ix->nslots - 1); ix->slots[j].pkgno1; j = (j + 1) & (ix->nslots - 1))
            ;
    }
    if (ix->npkg == ix->cappkg) {
        ix->cappkg = ix->cappkg ? ix->cappkg * 2 : 256;
        ix->pkg = grow_array(ix->pkg, ix->npkg * sizeof(*ix->pkg), ix->cappkg * sizeof(*ix->pkg));
    }
    p = &ix->pkg[ix->npkg];
    memset(p, 0, sizeof(*p));
    p->hash = h;
    p->name = vg__pool_strndup(&ix->pool, name, n);
    p->nlen = (uint32_t)n;
    p->eco = eco;
    sl = &ix->slots[j];
    sl->hash = h;
    sl->name = p->name;
    sl->pkgno1 = (uint32_t)ix->npkg + 1;
    sl->nlen = (uint16_t)n;
    sl->eco = (uint8_t)eco;
    return (uint32_t)ix->npkg++;
}

/* Takes aff[naff], filled in (its package set), as the last affected entry. */
static void push_aff(struct vg_match_index *ix)
{
    ix->intervals += ix->aff[ix->naff].niv;
    ix->naff++;
}

/* ---- OSV ranges to intervals (the rules of vg_ranges_from_osv) ----------- */

struct kv {
    const unsigned char *p;
    size_t n;
};

/* vg_key_cmp, inline: eight bytes a step. */
static inline int kcmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t m = an < bn ? an : bn, i = 0;
    for (; i + 8 <= m; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
            x = __builtin_bswap64(x);
            y = __builtin_bswap64(y);
            return x < y ? -1 : 1;
        }
    }
    for (; i < m; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int iv_lo_cmp(const void *x, const void *y)
{
    const struct vg_interval *a = x, *b = y;
    int au = (a->flags & VG_IV_LO_UNBOUNDED) != 0, bu = (b->flags & VG_IV_LO_UNBOUNDED) != 0;
    if (au != bu)
        return au ? -1 : 1;
    if (!au) {
        int c = kcmp(a->lo, a->lolen, b->lo, b->lolen);
        if (c)
            return c;
        return (int)((b->flags & VG_IV_LO_INCL) != 0) - (int)((a->flags & VG_IV_LO_INCL) != 0);
    }
    return 0;
}

struct ivset {
    struct vg_interval *iv;
    size_t n, cap;
};

static void iv_push(struct ivset *s, struct vg_arena *a, const struct vg_interval *iv)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        struct vg_interval *p = vg_arena_alloc(a, nc * sizeof(*p));
        if (s->n)
            memcpy(p, s->iv, s->n * sizeof(*p));
        s->iv = p;
        s->cap = nc;
    }
    s->iv[s->n++] = *iv;
}

struct iv_emit {
    struct ivset *set;
    struct vg_arena *a;
};

static void iv_emit(void *ctx, const struct vg_interval *iv)
{
    struct iv_emit *e = ctx;
    iv_push(e->set, e->a, iv);
}

/* Version strings repeat across the advisories of a package (and "1.0.0"
 * across all of them): a direct-mapped cache of recent keys, per index (one
 * per thread). An entry holds the version and its key's code in 32 bytes
 * (what a `versions` entry needs: most are settled by codes alone); the key
 * itself, for events, sits in a parallel array. */
#define KCACHE 8192
#define KC_V 16   /* versions up to this long are cached */
#define KC_KEY 24 /* keys up to this long are kept */
struct vg__kcache {
    uint64_t w[2]; /* the version, zero-padded */
    uint64_t code; /* vg__key_code of the key */
    uint8_t vn;    /* 0: empty */
    uint8_t kn;    /* key bytes kept, or 0xff: the key is longer than KC_KEY */
    int16_t eco;
    uint32_t pad;
};

struct kslot {
    uint64_t w[2];
    size_t at;
};

/* The version's words and cache slot (n 1..KC_V). */
static inline void key_slot(int eco, const char *v, size_t n, struct kslot *q)
{
    uint64_t h = vg__hash_init(eco, n);
    q->w[1] = 0;
    if (n > 8) {
        q->w[0] = vg__load64(v);
        q->w[1] = vg__tail_word(v, n, n - 8);
        h = vg__hash_word(vg__hash_word(h, q->w[0]), q->w[1]);
    } else {
        q->w[0] = vg__tail_word(v, n, n);
        h = vg__hash_word(h, q->w[0]);
    }
    q->at = vg__hash_fin(h) & (KCACHE - 1);
}

static inline const struct vg__kcache *key_probe(const struct vg_match_index *ix, int eco, size_t n,
                                             const struct kslot *q)
{
    const struct vg__kcache *e = &ix->kc[q->at];
    return e->vn == n && e->eco == eco && e->w[0] == q->w[0] && e->w[1] == q->w[1] ? e : NULL;
}

/* Makes the key of v into buf (cap bytes) and caches it (q: its slot, or
 * NULL when v is not cacheable). -1 when v is not a version of eco. */
static __attribute__((noinline)) int key_make(struct vg_match_index *ix, int eco, const char *v,
                                              size_t n, const struct kslot *q,
                                              unsigned char *buf, size_t cap, struct kv *k,
                                              uint64_t *code)
{
    size_t kl = 0;
    if (vg_version_key_buf(eco, v, n, buf, cap, &kl, NULL) != VG_OK)
        return -1;
    k->p = buf;
    k->n = kl;
    *code = vg__key_code(buf, kl);
    if (q) {
        struct vg__kcache *e = &ix->kc[q->at];
        e->w[0] = q->w[0];
        e->w[1] = q->w[1];
        e->code = *code;
        e->eco = (int16_t)eco;
        e->vn = (uint8_t)n;
        e->kn = kl <= KC_KEY ? (uint8_t)kl : 0xff;
        if (kl <= KC_KEY)
            memcpy(ix->kk + q->at * KC_KEY, buf, kl);
    }
    return 0;
}

static inline int cacheable(size_t n)
{
    return n > 0 && n <= KC_V;
}

/* The key of v under eco, and its code: *k points into the cache or buf
 * (valid until the next call). -1 when v is not a version of eco. */
static int key_get(struct vg_match_index *ix, int eco, const char *v, size_t n,
                   unsigned char *buf, size_t cap, struct kv *k, uint64_t *code)
{
    struct kslot q;
    const struct vg__kcache *e;
    if (!cacheable(n))
        return key_make(ix, eco, v, n, NULL, buf, cap, k, code);
    key_slot(eco, v, n, &q);
    e = key_probe(ix, eco, n, &q);
    if (e && e->kn != 0xff) {
        k->p = ix->kk + q.at * KC_KEY;
        k->n = e->kn;
        *code = e->code;
        return 0;
    }
    return key_make(ix, eco, v, n, &q, buf, cap, k, code);
}

/* As key_get, the key copied into a (lives as long as a). */
static int key_keep(struct vg_match_index *ix, int eco, const char *v, size_t n,
                    struct vg_arena *a, struct kv *k)
{
    unsigned char buf[VG_VERSION_KEY_MAX];
    uint64_t code;
    if (key_get(ix, eco, v, n, buf, sizeof(buf), k, &code))
        return -1;
    k->p = vg_arena_memdup(a, k->p, k->n ? k->n : 1);
    return 0;
}

static int empty_iv(const struct vg_interval *iv)
{
    int c;
    if (iv->flags & (VG_IV_LO_UNBOUNDED | VG_IV_HI_UNBOUNDED))
        return 0;
    c = kcmp(iv->lo, iv->lolen, iv->hi, iv->hilen);
    return c > 0 || (c == 0 && !((iv->flags & VG_IV_LO_INCL) && (iv->flags & VG_IV_HI_INCL)));
}

/* Sorted disjoint union of iv[0..n), in place: drops empty intervals, sorts
 * by lower bound, merges overlapping or touching ones. Returns the count. */
static size_t union_ivs(struct vg_interval *iv, size_t n)
{
    size_t m = 0, out = 0;
    for (size_t i = 0; i < n; i++)
        if (!empty_iv(&iv[i]))
            iv[m++] = iv[i];
    if (m > 1)
        qsort(iv, m, sizeof(*iv), iv_lo_cmp);
    for (size_t i = 0; i < m; i++) {
        struct vg_interval *c = out ? &iv[out - 1] : NULL, *nx = &iv[i];
        int join = 0;
        if (c) {
            if (c->flags & VG_IV_HI_UNBOUNDED) {
                join = 1;
            } else if (nx->flags & VG_IV_LO_UNBOUNDED) {
                join = 1;
            } else {
                int k = kcmp(nx->lo, nx->lolen, c->hi, c->hilen);
                join = k < 0 ||
                       (k == 0 && ((c->flags & VG_IV_HI_INCL) || (nx->flags & VG_IV_LO_INCL)));
            }
        }
        if (!join) {
            iv[out++] = *nx;
            continue;
        }
        if (c->flags & VG_IV_HI_UNBOUNDED)
            continue;
        if (nx->flags & VG_IV_HI_UNBOUNDED) {
            c->flags |= VG_IV_HI_UNBOUNDED;
            c->flags &= ~(unsigned)VG_IV_HI_INCL;
            c->hi = NULL;
            c->hilen = 0;
        } else {
            int k = kcmp(nx->hi, nx->hilen, c->hi, c->hilen);
            if (k > 0) {
                c->hi = nx->hi;
                c->hilen = nx->hilen;
                c->flags = (c->flags & ~(unsigned)VG_IV_HI_INCL) | (nx->flags & VG_IV_HI_INCL);
            } else if (k == 0) {
                c->flags |= nx->flags & VG_IV_HI_INCL;
            }
        }
    }
    return out;
}

/* As inside_c with the code alone: 1 inside, 0 outside, -1 when two long
 * keys tie and the full key must decide. */
static int inside_code(const struct vg_interval *iv, const uint64_t *c, size_t n, uint64_t kc)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct vg_interval *x = &iv[mid];
        if (!(x->flags & VG_IV_LO_UNBOUNDED)) {
            uint64_t b = c[2 * mid];
            if (kc == b && vg__code_long(kc))
                return -1;
            if (kc < b || (kc == b && !(x->flags & VG_IV_LO_INCL))) {
                hi = mid;
                continue;
            }
        }
        if (!(x->flags & VG_IV_HI_UNBOUNDED)) {
            uint64_t b = c[2 * mid + 1];
            if (kc == b && vg__code_long(kc))
                return -1;
            if (kc > b || (kc == b && !(x->flags & VG_IV_HI_INCL))) {
                lo = mid + 1;
                continue;
            }
        }
        return 1;
    }
    return 0;
}

/* 1 when the key k (code kc) lies in the sorted disjoint intervals iv[0..n);
 * c[2i], c[2i+1] are the codes of iv[i].lo and .hi, which decide every
 * comparison but a tie of two long keys. */
static int inside_c(const struct vg_interval *iv, const uint64_t *c, size_t n, uint64_t kc,
                    const unsigned char *k, size_t kl)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct vg_interval *x = &iv[mid];
        if (!(x->flags & VG_IV_LO_UNBOUNDED)) {
            int r = vg__key_cmp_c(kc, k, kl, c[2 * mid], x->lo, x->lolen);
            if (r < 0 || (r == 0 && !(x->flags & VG_IV_LO_INCL))) {
                hi = mid;
                continue;
            }
        }
        if (!(x->flags & VG_IV_HI_UNBOUNDED)) {
            int r = vg__key_cmp_c(kc, k, kl, c[2 * mid + 1], x->hi, x->hilen);
            if (r > 0 || (r == 0 && !(x->flags & VG_IV_HI_INCL))) {
                lo = mid + 1;
                continue;
            }
        }
        return 1;
    }
    return 0;
}

/* Builds r (eco's keys) from a scanned affected entry; temporaries in s,
 * intervals in a, keys and strings in the pool. -1 when the entry is
 * malformed (range.c would refuse it). */
static int build_ranges(struct vg_match_index *ix, const struct vg__osv_aff *f, int eco,
                        struct vg_arena *s, struct vg__ixaff *r, const char **why)
{
    struct ivset raw = {NULL, 0, 0};
    const struct vg__osv_event **fixed = NULL;
    size_t nfixed = 0, fixcap = 0;

    if (ix->kc == NULL) {
        ix->kc = vg_xcalloc(KCACHE, sizeof(*ix->kc));
        ix->kk = vg_xmalloc(KCACHE * KC_KEY);
    }
    if (f->bad) {
        *why = "malformed entry";
        return -1;
    }
    for (size_t ri = 0; ri < f->nr; ri++) {
        const struct vg__osv_range *g = &f->r[ri];
        struct vg_range_event *ev;
        size_t nev = 0;
        int have_limit = 0, limit_inf = 0;
        struct kv limit = {NULL, 0};

        if (g->type == NULL || !g->has_events) {
            *why = "range without type or events";
            return -1;
        }
        if (!((g->type_n == 6 && memcmp(g->type, "SEMVER", 6) == 0) ||
              (g->type_n == 9 && memcmp(g->type, "ECOSYSTEM", 9) == 0)))
            continue; /* GIT: commits, not versions */
        if (g->bad) {
            *why = "malformed event";
            return -1;
        }
        ev = vg_arena_alloc(s, (g->nev + 1) * sizeof(*ev));
        for (size_t i = 0; i < g->nev; i++) {
            const struct vg__osv_event *e = &g->ev[i];
            if (e->kind == 3) {
                struct kv lk;
                if (e->vn == 1 && e->v[0] == '*') {
                    limit_inf = 1;
                    continue;
                }
                if (key_keep(ix, eco, e->v, e->vn, s, &lk)) {
                    *why = "invalid version in a limit event";
                    return -1;
                }
                if (!have_limit || kcmp(lk.p, lk.n, limit.p, limit.n) > 0)
                    limit = lk;
                have_limit = 1;
                continue;
            }
            ev[nev].kind = e->kind;
            ev[nev].order = i;
            ev[nev].zero = e->kind == 0 && e->vn == 1 && e->v[0] == '0';
            ev[nev].key = NULL;
            ev[nev].keylen = 0;
            if (!ev[nev].zero) {
                struct kv k;
                if (key_keep(ix, eco, e->v, e->vn, s, &k)) {
                    *why = "invalid version in an event";
                    return -1;
                }
                ev[nev].key = k.p;
                ev[nev].keylen = k.n;
            }
            if (e->kind == 1) {
                size_t k;
                for (k = 0; k < nfixed; k++)
                    if (fixed[k]->vn == e->vn && memcmp(fixed[k]->v, e->v, e->vn) == 0)
                        break;
                if (k == nfixed) {
                    if (nfixed == fixcap) {
                        size_t nc = fixcap ? fixcap * 2 : 4;
                        const struct vg__osv_event **p = vg_arena_alloc(s, nc * sizeof(*p));
                        if (nfixed)
                            memcpy(p, fixed, nfixed * sizeof(*p));
                        fixed = p;
                        fixcap = nc;
                    }
                    fixed[nfixed++] = e;
                }
            }
            nev++;
        }
        struct iv_emit ie = {&raw, s};
        vg_range_events_sweep(ev, nev, iv_emit, &ie);
        if (have_limit && !limit_inf) /* as range.c: every interval gathered so far */
            vg_intervals_cap(raw.iv, raw.n, limit.p, limit.n);
    }
    /* the ranges' union first; a listed version already inside it (the usual
     * case: osv.dev enumerates the versions of the ranges) adds nothing, and
     * its key is not even copied */
    raw.n = union_ivs(raw.iv, raw.n);
    {
        size_t base = raw.n;
        unsigned char buf[VG_VERSION_KEY_MAX];
        uint64_t *bc = base ? vg_arena_alloc(s, 2 * base * sizeof(*bc)) : NULL;
        for (size_t i = 0; i < base; i++) {
            const struct vg_interval *x = &raw.iv[i];
            bc[2 * i] = (x->flags & VG_IV_LO_UNBOUNDED) ? 0 : vg__key_code(x->lo, x->lolen);
            bc[2 * i + 1] = (x->flags & VG_IV_HI_UNBOUNDED) ? 0 : vg__key_code(x->hi, x->hilen);
        }
        for (size_t i = 0; i < f->nv; i++) {
            const char *v = f->v[i].s;
            size_t vn = f->v[i].n;
            struct kv k = {NULL, 0};
            struct vg_interval pt;
            struct kslot q;
            const struct vg__kcache *e = NULL;
            uint64_t kc;
            int in;
            if (v == NULL)
                continue; /* counted as skipped by range.c; nothing here needs it */
            if (cacheable(vn)) {
                key_slot(eco, v, vn, &q);
                e = key_probe(ix, eco, vn, &q);
            }
            if (e) {
                kc = e->code;
            } else if (key_make(ix, eco, v, vn, cacheable(vn) ? &q : NULL, buf, sizeof(buf), &k,
                                &kc)) {
                continue; /* not a version: skipped, as range.c does */
            }
            in = inside_code(raw.iv, bc, base, kc);
            if (in == 1)
                continue;
            /* the codes could not tell, or the version adds a point: the key */
            if (k.p == NULL && key_make(ix, eco, v, vn, NULL, buf, sizeof(buf), &k, &kc))
                continue;
            if (in < 0 && inside_c(raw.iv, bc, base, kc, k.p, k.n))
                continue;
            pt.lo = pt.hi = vg_arena_memdup(s, k.p, k.n ? k.n : 1);
            pt.lolen = pt.hilen = k.n;
            pt.flags = VG_IV_LO_INCL | VG_IV_HI_INCL;
            iv_push(&raw, s, &pt);
        }
        if (raw.n > base)
            raw.n = union_ivs(raw.iv, raw.n);
    }
    /* intervals and keys copied into the pool */
    r->iv = raw.n ? vg__pool_alloc(&ix->pool, raw.n * sizeof(*r->iv), 8) : NULL;
    for (size_t i = 0; i < raw.n; i++) {
        struct vg_interval iv = raw.iv[i];
        if (!(iv.flags & VG_IV_LO_UNBOUNDED))
            iv.lo = vg__pool_dup(&ix->pool, iv.lo, iv.lolen);
        else
            iv.lo = NULL, iv.lolen = 0;
        if (!(iv.flags & VG_IV_HI_UNBOUNDED))
            iv.hi = (raw.iv[i].hi == raw.iv[i].lo && !(iv.flags & VG_IV_LO_UNBOUNDED))
                        ? iv.lo
                        : vg__pool_dup(&ix->pool, iv.hi, iv.hilen);
        else
            iv.hi = NULL, iv.hilen = 0;
        r->iv[i] = iv;
    }
    r->niv = (uint32_t)raw.n;
    r->nfixed = 0;
    r->fixed = NULL;
    if (nfixed) {
        r->fixed = vg__pool_alloc(&ix->pool, nfixed * sizeof(*r->fixed), 8);
        for (size_t i = 0; i < nfixed; i++)
            r->fixed[i] = vg__pool_strndup(&ix->pool, fixed[i]->v, fixed[i]->vn);
        r->nfixed = (uint32_t)nfixed;
    }
    return 0;
}

/* ---- adding records ------------------------------------------------------ */

static void note_skip(struct vg_match_index *ix, const struct vg__osv *o, size_t i, const char *why)
{
    ix->skipped++;
    if (ix->first_skip[0] == '\0')
        snprintf(ix->first_skip, sizeof(ix->first_skip), "%.*s: affected[%zu]: %s",
                 (int)(o->id.n > 64 ? 64 : o->id.n), o->id.s, i, why);
}

/* The advisory numbered like id, or -1. */
static long id_find(const struct vg_match_index *ix, const char *id, size_t n, uint64_t h)
{
    if (ix->nids_slots == 0)
        return -1;
    for (size_t j = h & (ix->nids_slots - 1);; j = (j + 1) & (ix->nids_slots - 1)) {
        uint64_t v = ix->ids[j];
        if (v == 0)
            return -1;
        if ((v >> 32) == (h >> 32)) {
            const char *s = ix->adv[(uint32_t)v - 1].id;
            if (strncmp(s, id, n) == 0 && s[n] == '\0')
                return (long)((uint32_t)v - 1);
        }
    }
}

static void id_insert(struct vg_match_index *ix, uint64_t h, uint32_t advno)
{
    if ((ix->nadv + 1) * 2 > ix->nids_slots) {
        size_t ns = ix->nids_slots ? ix->nids_slots * 2 : 1024;
        uint64_t *t = table_new(ns * sizeof(*t));
        for (size_t i = 0; i < ix->nids_slots; i++)
            if (ix->ids[i]) {
                size_t j = ix->adv_hash[(uint32_t)ix->ids[i] - 1] & (ns - 1);
                while (t[j])
                    j = (j + 1) & (ns - 1);
                t[j] = ix->ids[i];
            }
        free(ix->ids);
        ix->ids = t;
        ix->nids_slots = ns;
    }
    for (size_t j = h & (ix->nids_slots - 1);; j = (j + 1) & (ix->nids_slots - 1))
        if (ix->ids[j] == 0) {
            ix->ids[j] = ((h >> 32) << 32) | (uint64_t)(advno + 1);
            return;
        }
}

/* Room for one more advisory; its number. */
static uint32_t adv_slot(struct vg_match_index *ix)
{
    if (ix->nadv == ix->capadv) {
        ix->capadv = ix->capadv ? ix->capadv * 2 : 1024;
        ix->adv = grow_array(ix->adv, ix->nadv * sizeof(*ix->adv), ix->capadv * sizeof(*ix->adv));
        ix->adv_hash = grow_array(ix->adv_hash, ix->nadv * sizeof(*ix->adv_hash),
                                  ix->capadv * sizeof(*ix->adv_hash));
    }
    return (uint32_t)ix->nadv;
}

static struct vg__ixaff *aff_slot(struct vg_match_index *ix)
{
    if (ix->naff == ix->capaff) {
        ix->capaff = ix->capaff ? ix->capaff * 2 : 1024;
        ix->aff = grow_array(ix->aff, ix->naff * sizeof(*ix->aff), ix->capaff * sizeof(*ix->aff));
    }
    return &ix->aff[ix->naff];
}

/* An affected entry's package, resolved before its ranges are built so that
 * the package table's line is fetched meanwhile. */
struct apkg {
    int eco; /* -1: unknown ecosystem or bad name */
    const char *norm;
    size_t nl;
    uint64_t h;
};

static int eco_of(struct vg_match_index *ix, const struct vg__osv_aff *f)
{
    int eco;
    if (f->eco == NULL)
        return -1;
    if (f->eco_n == ix->last_eco_n && f->eco_n < sizeof(ix->last_eco_s) &&
        memcmp(f->eco, ix->last_eco_s, f->eco_n) == 0)
        return ix->last_eco; /* records come in runs of one ecosystem */
    eco = vg_eco_parse(f->eco, f->eco_n);
    if (f->eco_n < sizeof(ix->last_eco_s)) {
        memcpy(ix->last_eco_s, f->eco, f->eco_n);
        ix->last_eco_n = f->eco_n;
        ix->last_eco = eco;
    }
    return eco;
}

static int add_scanned(struct vg_match_index *ix, const struct vg__osv *o, struct vg_err *err)
{
    int rc = VG_OK;
    struct vg_match_advisory *adv;
    struct apkg *ap = NULL;
    uint32_t advno;
    uint64_t idh;

    if (o->id.s == NULL) {
        rc = vg_err_field(err, VG_EINVAL, "id", "OSV record without a string id");
        goto out;
    }
    if (o->withdrawn) {
        ix->withdrawn++;
        goto out;
    }
    idh = vg__match_hash(0, o->id.s, o->id.n);
    if (ix->nids_slots)
        __builtin_prefetch(&ix->ids[idh & (ix->nids_slots - 1)]);
    if (o->naff) {
        ap = vg_arena_alloc(ix->scratch, o->naff * sizeof(*ap));
        for (size_t i = 0; i < o->naff; i++) {
            const struct vg__osv_aff *f = &o->aff[i];
            int eco = f->name ? eco_of(ix, f) : -1;
            ap[i].eco = -1;
            if (eco >= 0) {
                size_t cap = ((f->name_n + 7) & ~(size_t)7) + 8;
                char *buf = vg_arena_alloc(ix->scratch, cap);
                if (vg__match_norm_hash(eco, f->name, f->name_n, buf, cap, &ap[i].norm,
                                        &ap[i].nl, &ap[i].h) == VG_OK) {
                    ap[i].eco = eco;
                    pkg_prefetch(ix, ap[i].h);
                }
            }
        }
    }
    /* one record may sit in several files (osv.dev and osv-offline keep one
     * file per ecosystem): the first copy counts */
    if (id_find(ix, o->id.s, o->id.n, idh) >= 0) {
        ix->duplicates++;
        goto out;
    }
    for (size_t i = 0; i < o->naff; i++)
        if (ap[i].eco >= 0)
            pkg_prefetch_name(ix, ap[i].h);
    advno = adv_slot(ix);
    adv = &ix->adv[advno];
    memset(adv, 0, sizeof(*adv));
    adv->id = vg__pool_strndup(&ix->pool, o->id.s, o->id.n);
    if (o->naliases) {
        adv->aliases = vg__pool_alloc(&ix->pool, o->naliases * sizeof(char *), 8);
        for (size_t i = 0; i < o->naliases; i++)
            adv->aliases[adv->naliases++] =
                vg__pool_strndup(&ix->pool, o->aliases[i].s, o->aliases[i].n);
    }
    if (o->dbsev.s)
        adv->severity = vg__pool_strndup(&ix->pool, o->dbsev.s, o->dbsev.n);
    else if (o->score.s)
        adv->severity = vg__pool_strndup(&ix->pool, o->score.s, o->score.n);
    if (o->summary.s)
        adv->summary = vg__pool_strndup(&ix->pool, o->summary.s, o->summary.n);
    ix->adv_hash[advno] = idh;
    id_insert(ix, idh, advno);

    for (size_t i = 0; i < o->naff; i++) {
        const struct vg__osv_aff *f = &o->aff[i];
        struct vg__ixaff *x;
        const char *why = NULL;

        if (ap[i].eco < 0) {
            note_skip(ix, o, i, "unknown ecosystem or bad package name");
            continue;
        }
        x = aff_slot(ix);
        if (build_ranges(ix, f, ap[i].eco, ix->scratch, x, &why) != 0) {
            note_skip(ix, o, i, why);
            continue;
        }
        if (x->niv == 0)
            continue; /* GIT-only ranges: nothing to match by version */
        x->adv = advno;
        x->pkg = get_pkg(ix, ap[i].eco, ap[i].norm, ap[i].nl, ap[i].h);
        push_aff(ix);
    }
    ix->nadv++;
out:
    return rc;
}

/* Scans s[0..n) as one document; -1 when it is not valid JSON. */
static int add_text(struct vg_match_index *ix, const char *s, size_t n, int lines_mode,
                    size_t *bad, struct vg_err *err)
{
    struct vg__osv_list l;
    int rc = 0;
    vg_arena_reset(ix->scratch);
    if (vg__osv_scan(s, n, ix->scratch, &l) != 0)
        return -1;
    for (size_t i = 0; i < l.n; i++) {
        /* NeDB lines without an id (index definitions, deletion markers) */
        if (lines_mode && l.r[i].id.s == NULL && !l.r[i].has_affected)
            continue;
        if (add_scanned(ix, &l.r[i], err) != VG_OK) {
            if (bad)
                (*bad)++;
            rc = 1;
        }
    }
    return rc;
}

int vg_match_index_add_doc(struct vg_match_index *ix, json_t *doc, struct vg_err *err)
{
    int rc = VG_OK;
    size_t n;
    char *s;
    if (ix->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: index already finished");
        goto out;
    }
    s = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    n = s ? strlen(s) : 0;
    if (s == NULL || add_text(ix, s, n, 0, NULL, err) != 0)
        rc = err && err->code ? err->code : vg_err_set(err, VG_EINVAL, "not an OSV document");
    free(s);
out:
    return rc;
}

int vg_match_index_add(struct vg_match_index *ix, json_t *osv, struct vg_err *err)
{
    int rc = VG_OK;
    if (!json_is_object(osv) || !json_is_string(json_object_get(osv, "id"))) {
        rc = vg_err_field(err, VG_EINVAL, "id", "OSV record without a string id");
        goto out;
    }
    rc = vg_match_index_add_doc(ix, osv, err);
out:
    return rc;
}

int vg_match_index_add_buffer(struct vg_match_index *ix, const char *buf, size_t n, size_t *bad,
                              struct vg_err *err)
{
    size_t i = 0, line = 0, nbad = 0;
    int r;

    if (ix->finished) {
        if (bad)
            (*bad)++;
        return vg_err_set(err, VG_EINVAL, "match: index already finished");
    }
    r = add_text(ix, buf, n, 0, &nbad, err);
    if (r >= 0)
        goto out;
    /* not one document: one per line */
    while (i < n) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - buf) : n, b = i;
        line++;
        while (b < e && (buf[b] == ' ' || buf[b] == '\t' || buf[b] == '\r'))
            b++;
        if (e > b && add_text(ix, buf + b, e - b, 1, &nbad, err) < 0) {
            nbad++;
            vg_err_set(err, VG_EJSON, "line %zu: not a JSON document", line);
        }
        i = e + 1;
    }
out:
    if (bad)
        *bad += nbad;
    return VG_OK;
}

int vg_match_index_merge(struct vg_match_index *dst, struct vg_match_index *src,
                         struct vg_err *err)
{
    int rc = VG_OK;
    uint32_t *remap, *pmap;

    if (dst->finished || src->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: merge needs two unfinished indexes");
        goto out;
    }
    remap = vg_xmalloc((src->nadv + 1) * sizeof(*remap));
    for (size_t i = 0; i < src->nadv; i++) {
        const char *id = src->adv[i].id;
        uint64_t h = src->adv_hash[i];
        uint32_t advno;
        if (i + 8 < src->nadv && dst->nids_slots)
            __builtin_prefetch(&dst->ids[src->adv_hash[i + 8] & (dst->nids_slots - 1)]);
        if (id_find(dst, id, strlen(id), h) >= 0) {
            remap[i] = UINT32_MAX; /* the same record, read by another thread */
            dst->duplicates++;
            continue;
        }
        advno = adv_slot(dst);
        dst->adv[advno] = src->adv[i];
        dst->adv_hash[advno] = h;
        remap[i] = advno;
        id_insert(dst, h, advno);
        dst->nadv++;
    }
    /* packages once each, then the entries */
    pmap = vg_xmalloc((src->npkg + 1) * sizeof(*pmap));
    for (size_t i = 0; i < src->npkg; i++) {
        const struct vg__ixpkg *sp = &src->pkg[i];
        if (i + 8 < src->npkg)
            pkg_prefetch(dst, src->pkg[i + 8].hash);
        pmap[i] = get_pkg(dst, sp->eco, sp->name, sp->nlen, sp->hash);
    }
    for (size_t i = 0; i < src->naff; i++) {
        struct vg__ixaff *x;
        if (remap[src->aff[i].adv] == UINT32_MAX)
            continue;
        x = aff_slot(dst);
        *x = src->aff[i];
        x->adv = remap[src->aff[i].adv];
        x->pkg = pmap[src->aff[i].pkg];
        push_aff(dst);
    }
    free(remap);
    free(pmap);
    dst->withdrawn += src->withdrawn;
    dst->skipped += src->skipped;
    dst->duplicates += src->duplicates;
    if (dst->first_skip[0] == '\0')
        memcpy(dst->first_skip, src->first_skip, sizeof(dst->first_skip));
    /* the strings, keys and intervals stay where they are */
    vg__pool_adopt(&dst->pool, &src->pool);
    vg_match_index_free(src);
out:
    return rc;
}

/* ---- reading ------------------------------------------------------------- */

const struct vg_match_advisory *vg_match_advisory(const struct vg_match_index *ix, uint32_t adv)
{
    return adv < ix->nadv ? &ix->adv[adv] : NULL;
}

void vg_match_fixed(const struct vg_match_index *ix, uint32_t aff, const char *const **fixed,
                    size_t *n)
{
    if (aff < ix->naff) {
        *fixed = (const char *const *)ix->aff[aff].fixed;
        *n = ix->aff[aff].nfixed;
    } else {
        *fixed = NULL;
        *n = 0;
    }
}

void vg_match_index_stats(const struct vg_match_index *ix, struct vg_match_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->advisories = ix->nadv;
    st->withdrawn = ix->withdrawn;
    st->affected = ix->naff;
    st->skipped = ix->skipped;
    st->packages = ix->npkg;
    st->intervals = ix->intervals;
    st->bytes = sizeof(*ix) + ix->pool.bytes +
                ix->capadv * (sizeof(*ix->adv) + sizeof(*ix->adv_hash)) +
                ix->capaff * sizeof(*ix->aff) + ix->nids_slots * sizeof(*ix->ids) + ix->hot_len +
                ix->nbuckets * VG__BUCKET * sizeof(uint64_t) + ix->nfilter * sizeof(uint64_t) +
                ix->cappkg * sizeof(*ix->pkg) +
                ix->nslots * sizeof(*ix->slots);
    st->bytes_per_advisory = ix->nadv ? (double)st->bytes / (double)ix->nadv : 0.0;
    st->first_skip = ix->first_skip[0] ? ix->first_skip : NULL;
    st->duplicates = ix->duplicates;
}

size_t vg_match_index_count(const struct vg_match_index *ix)
{
    return ix->nadv + ix->withdrawn + ix->duplicates;
}
