/* Forward index, finishing: each package's affected entries laid out as one
 * compact block (match_int.h: boundary codes, entry table, per-region masks
 * or lists) in one region of memory, found through a table of cache-line
 * buckets. Packages are laid out by several threads at once when there are
 * many. Not for: filling (index.c) or queries (query.c). */
#include "engine/match/match.h"
#include "engine/match/match_int.h"

#include "core/util.h"

#include "engine/version/range.h"
#include "engine/version/version.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Packages with more than 64 entries keep a list per region; when the lists
 * would exceed this many entries per interval on average (heavily overlapping
 * advisories) the package is answered by testing each entry instead. */
#define REGION_FANOUT 64
#define THREADS_MAX 8
#define PARALLEL_MIN 4096 /* packages: below this, one thread */

struct bnd {
    uint64_t code;
    const unsigned char *k;
    size_t n;
};

static inline int bnd_cmp(const struct bnd *a, const struct bnd *b)
{
    return vg__key_cmp_c(a->code, a->k, a->n, b->code, b->k, b->n);
}

static int bnd_qcmp(const void *x, const void *y)
{
    return bnd_cmp(x, y);
}

static void bnd_sort(struct bnd *b, size_t n)
{
    if (n > 24) {
        qsort(b, n, sizeof(*b), bnd_qcmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct bnd x = b[i];
        size_t j = i;
        while (j > 0 && bnd_cmp(&b[j - 1], &x) > 0) {
            b[j] = b[j - 1];
            j--;
        }
        b[j] = x;
    }
}

/* One interval of one entry, gathered per package (in entry order) from the
 * entries in advisory order: the build then reads each package's intervals
 * in one run instead of chasing entries across memory. */
struct ivrec {
    uint64_t lc, hc; /* codes of lo and hi */
    const unsigned char *lo, *hi;
    uint32_t ll, hl;
    uint32_t flags;
    uint32_t aff, adv;
    uint32_t pad;
};

/* Index of a boundary among the sorted, distinct boundaries. */
static uint32_t bnd_find(const struct bnd *b, uint32_t nb, uint64_t code,
                         const unsigned char *k, size_t n)
{
    struct bnd key = {code, k, n};
    uint32_t lo = 0, hi = nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (bnd_cmp(&b[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First and last region an interval covers (s > e: none). */
static void interval_regions(const struct bnd *b, uint32_t nb, const struct ivrec *iv,
                             uint32_t *s, uint32_t *e)
{
    if (iv->flags & VG_IV_LO_UNBOUNDED) {
        *s = 0;
    } else {
        uint32_t j = bnd_find(b, nb, iv->lc, iv->lo, iv->ll);
        *s = (iv->flags & VG_IV_LO_INCL) ? 2 * j + 1 : 2 * j + 2;
    }
    if (iv->flags & VG_IV_HI_UNBOUNDED) {
        *e = 2 * nb;
    } else {
        uint32_t k = bnd_find(b, nb, iv->hc, iv->hi, iv->hl);
        *e = (iv->flags & VG_IV_HI_INCL) ? 2 * k + 1 : 2 * k;
    }
}

/* A thread's output and reusable temporaries. */
struct lay {
    const struct vg_match_index *ix;
    const struct ivrec *recs;
    const size_t *pstart; /* package p's intervals: recs[pstart[p] .. pstart[p + 1]) */
    size_t first, last;   /* packages [first, last) */
    unsigned char *out;
    size_t n, cap;
    size_t *off, *hot; /* per package: block offset in out, bytes worth prefetching */
    struct bnd *b;
    size_t bcap;
    uint64_t *mask;
    uint32_t *cnt;
    size_t rcap;
    int32_t *diff;
    uint32_t *ent; /* (adv, aff) per local entry */
    uint32_t *eix; /* local entry of each interval */
    size_t ecap;
};

/* Bytes a package's block can take at most (its intervals rv[0..nint)). */
static size_t blk_bound(const struct vg__ixpkg *p, const struct ivrec *rv, size_t nint)
{
    size_t kb = 0, regions = 4 * nint + 2, masks = 8 * regions,
           lists = 4 * (regions + 1) + 4 * (size_t)REGION_FANOUT * (nint + 1);
    for (size_t i = 0; i < nint; i++)
        kb += rv[i].ll + rv[i].hl;
    return sizeof(struct vg__blk) + VG__ALIGN8(p->nlen) + 16 * nint + 8 * nint +
           (masks > lists ? masks : lists) + 4 + 4 * (2 * nint + 1) + kb + 16 + 64;
}

/* The blocks are written in place: each thread's run of packages has its
 * share of one region, sized by the bound above (untouched address space
 * costs nothing). */
static void *reserve(struct lay *l, size_t n)
{
    if (l->n + n > l->cap)
        abort(); /* blk_bound is wrong */
    return l->out + l->n;
}

static void grow_regions(struct lay *l, size_t nregions)
{
    if (nregions + 1 <= l->rcap)
        return;
    l->rcap = 2 * (nregions + 1);
    free(l->mask);
    free(l->cnt);
    free(l->diff);
    l->mask = vg_xmalloc(l->rcap * sizeof(*l->mask));
    l->cnt = vg_xmalloc(l->rcap * sizeof(*l->cnt));
    l->diff = vg_xmalloc(l->rcap * sizeof(*l->diff));
}

/* Lays out package p (intervals rv[0..nint)) at the end of l->out. */
static void build_blk(struct lay *l, const struct vg__ixpkg *p, size_t pno,
                      const struct ivrec *rv, size_t nint)
{
    size_t nk = 0, kbytes = 0, nregions, total = 0, regbytes, off_code, off_ent, off_reg,
           off_koff, len;
    uint32_t nb = 0, nent = 0;
    int verify = 0, fmt, w = 0;
    struct vg__blk *b;
    unsigned char *base;

    if (2 * nint + 1 > l->bcap) {
        l->bcap = 2 * (2 * nint + 1);
        free(l->b);
        l->b = vg_xmalloc(l->bcap * sizeof(*l->b));
    }
    if (nint + 1 > l->ecap) {
        l->ecap = 2 * (nint + 1);
        free(l->ent);
        free(l->eix);
        l->ent = vg_xmalloc(2 * l->ecap * sizeof(*l->ent));
        l->eix = vg_xmalloc(l->ecap * sizeof(*l->eix));
    }
    for (size_t i = 0; i < nint; i++) {
        const struct ivrec *iv = &rv[i];
        if (nent == 0 || l->ent[2 * (nent - 1) + 1] != iv->aff) {
            l->ent[2 * nent] = iv->adv;
            l->ent[2 * nent + 1] = iv->aff;
            nent++;
        }
        l->eix[i] = nent - 1;
        if (iv->flags & VG_IV_NO_PRERELEASE)
            verify = 1;
        if (!(iv->flags & VG_IV_LO_UNBOUNDED))
            l->b[nk++] = (struct bnd){iv->lc, iv->lo, iv->ll};
        if (!(iv->flags & VG_IV_HI_UNBOUNDED))
            l->b[nk++] = (struct bnd){iv->hc, iv->hi, iv->hl};
    }
    bnd_sort(l->b, nk);
    for (size_t i = 0; i < nk; i++)
        if (nb == 0 || bnd_cmp(&l->b[nb - 1], &l->b[i]) != 0)
            l->b[nb++] = l->b[i];
    for (uint32_t i = 0; i < nb; i++)
        kbytes += l->b[i].n;
    nregions = 2 * (size_t)nb + 1;
    grow_regions(l, nregions);

    if (nent <= 64) {
        w = nent <= 8 ? 1 : nent <= 16 ? 2 : nent <= 32 ? 4 : 8;
        fmt = w == 1 ? VG__BLK_MASK8 : w == 2 ? VG__BLK_MASK16 : w == 4 ? VG__BLK_MASK32
                                                                        : VG__BLK_MASK64;
        memset(l->mask, 0, nregions * sizeof(*l->mask));
        for (size_t i = 0; i < nint; i++) {
            uint32_t s, e;
            interval_regions(l->b, nb, &rv[i], &s, &e);
            for (uint32_t x = s; x <= e && s <= e; x++)
                l->mask[x] |= (uint64_t)1 << l->eix[i];
        }
        regbytes = nregions * (size_t)w;
    } else {
        memset(l->diff, 0, (nregions + 1) * sizeof(*l->diff));
        for (size_t i = 0; i < nint; i++) {
            uint32_t s, e;
            interval_regions(l->b, nb, &rv[i], &s, &e);
            if (s > e)
                continue;
            l->diff[s]++;
            l->diff[e + 1]--;
        }
        {
            int32_t run = 0;
            for (size_t r = 0; r < nregions; r++) {
                run += l->diff[r];
                l->cnt[r] = (uint32_t)run;
                total += (size_t)run;
            }
        }
        if (total > (size_t)REGION_FANOUT * (nint + 1)) {
            fmt = VG__BLK_LINEAR;
            regbytes = 0;
        } else {
            fmt = nent <= 65535 ? VG__BLK_LIST16 : VG__BLK_LIST32;
            regbytes = (nregions + 1) * sizeof(uint32_t) +
                       total * (fmt == VG__BLK_LIST16 ? sizeof(uint16_t) : sizeof(uint32_t));
        }
    }

    off_code = sizeof(struct vg__blk) + VG__ALIGN8(p->nlen);
    off_ent = off_code + (size_t)nb * sizeof(uint64_t);
    off_reg = off_ent + (size_t)nent * 2 * sizeof(uint32_t);
    off_koff = (off_reg + regbytes + 3) & ~(size_t)3;
    len = off_koff + ((size_t)nb + 1) * sizeof(uint32_t) + kbytes;
    len = (len + 15) & ~(size_t)15;
    /* a block starts on the next cache line when that saves its query part a
     * line (regions are 64-byte aligned) */
    if ((off_koff + 63) / 64 < ((l->n & 63) + off_koff + 63) / 64) {
        size_t pad = (64 - (l->n & 63)) & 63;
        memset(reserve(l, pad), 0, pad);
        l->n += pad;
    }
    base = reserve(l, len);
    memset(base, 0, len);
    l->off[pno] = l->n;
    l->hot[pno] = off_koff;
    b = (struct vg__blk *)(void *)base;
    b->nlen = (uint16_t)p->nlen;
    b->eco = (uint8_t)p->eco;
    b->fmt = (uint8_t)(fmt | (verify ? VG__BLK_VERIFY : 0));
    b->nb = nb;
    b->nent = nent;
    b->koff = (uint32_t)off_koff;
    memcpy(base + sizeof(*b), p->name, p->nlen);
    memcpy(base + off_ent, l->ent, (size_t)nent * 2 * sizeof(uint32_t));
    {
        uint64_t *code = (uint64_t *)(void *)(base + off_code);
        uint32_t *koff = (uint32_t *)(void *)(base + off_koff);
        unsigned char *kb = (unsigned char *)(koff + nb + 1);
        size_t o = 0;
        for (uint32_t i = 0; i < nb; i++) {
            code[i] = l->b[i].code;
            koff[i] = (uint32_t)o;
            memcpy(kb + o, l->b[i].k, l->b[i].n);
            o += l->b[i].n;
        }
        koff[nb] = (uint32_t)o;
    }
    if (fmt <= VG__BLK_MASK64) {
        unsigned char *m = base + off_reg;
        for (size_t r = 0; r < nregions; r++) {
            uint64_t v = l->mask[r];
            if (w == 1) {
                m[r] = (unsigned char)v;
            } else if (w == 2) {
                uint16_t x = (uint16_t)v;
                memcpy(m + 2 * r, &x, 2);
            } else if (w == 4) {
                uint32_t x = (uint32_t)v;
                memcpy(m + 4 * r, &x, 4);
            } else {
                memcpy(m + 8 * r, &v, 8);
            }
        }
    } else if (fmt != VG__BLK_LINEAR) {
        uint32_t *roff = (uint32_t *)(void *)(base + off_reg);
        uint16_t *id16 = (uint16_t *)(roff + nregions + 1);
        uint32_t *id32 = roff + nregions + 1;
        roff[0] = 0;
        for (size_t r = 0; r < nregions; r++)
            roff[r + 1] = roff[r] + l->cnt[r];
        /* interval by interval (entry order), so that each list stays ascending */
        memset(l->cnt, 0, (nregions + 1) * sizeof(*l->cnt));
        for (size_t i = 0; i < nint; i++) {
            uint32_t s, e;
            interval_regions(l->b, nb, &rv[i], &s, &e);
            for (uint32_t x = s; x <= e && s <= e; x++) {
                size_t at = roff[x] + l->cnt[x]++;
                if (fmt == VG__BLK_LIST16)
                    id16[at] = (uint16_t)l->eix[i];
                else
                    id32[at] = l->eix[i];
            }
        }
    }
    l->n += len;
}

static void *lay_run(void *arg)
{
    struct lay *l = arg;
    for (size_t i = l->first; i < l->last; i++)
        build_blk(l, &l->ix->pkg[i], i, l->recs + l->pstart[i], l->pstart[i + 1] - l->pstart[i]);
    return NULL;
}

/* Gathering the intervals: each thread takes a run of entries [first, last),
 * counts its intervals per package, then (after the cursors are set) writes
 * them at its cursors. */
struct gather {
    const struct vg_match_index *ix;
    struct ivrec *recs;
    size_t first, last;
    size_t *cur; /* per package: this thread's next slot in recs */
    int pass;
};

static void *gather_run(void *arg)
{
    struct gather *g = arg;
    const struct vg_match_index *ix = g->ix;
    for (size_t i = g->first; i < g->last; i++) {
        const struct vg__ixaff *x = &ix->aff[i];
        if (g->pass == 0) {
            g->cur[x->pkg] += x->niv;
            continue;
        }
        {
            struct ivrec *o = g->recs + g->cur[x->pkg];
            g->cur[x->pkg] += x->niv;
            for (uint32_t j = 0; j < x->niv; j++) {
                const struct vg_interval *iv = &x->iv[j];
                o[j].flags = iv->flags;
                o[j].lo = iv->lo;
                o[j].hi = iv->hi;
                o[j].ll = (uint32_t)iv->lolen;
                o[j].hl = (uint32_t)iv->hilen;
                o[j].lc = (iv->flags & VG_IV_LO_UNBOUNDED) ? 0 : vg__key_code(iv->lo, iv->lolen);
                o[j].hc = (iv->flags & VG_IV_HI_UNBOUNDED) ? 0 : vg__key_code(iv->hi, iv->hilen);
                o[j].aff = (uint32_t)i;
                o[j].adv = x->adv;
                o[j].pad = 0;
            }
        }
    }
    return NULL;
}

/* Runs fn on arg[0..nt) (size sz each), nt - 1 of them on threads. */
static void run_all(void *(*fn)(void *), void *arg, size_t sz, size_t nt)
{
    pthread_t th[THREADS_MAX];
    int started[THREADS_MAX] = {0};
    for (size_t t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, fn, (char *)arg + t * sz) == 0;
    fn(arg);
    for (size_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            fn((char *)arg + t * sz);
    }
}

/* Address space for the blocks, 2 MiB aligned and offered to the kernel for
 * transparent huge pages: with a large index, 4 KiB pages make nearly every
 * lookup a TLB miss as well as a cache miss. */
static unsigned char *hot_map(struct vg_match_index *ix, size_t n)
{
    size_t align = (size_t)2 << 20, len = ((n + align - 1) & ~(align - 1)) + align;
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    unsigned char *p;
    if (m == MAP_FAILED) {
        ix->hot_base = NULL;
        ix->hot_map = 0;
        return vg_xmalloc(n ? n : 1);
    }
    p = (unsigned char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len - (size_t)(p - m), MADV_HUGEPAGE);
#endif
    ix->hot_base = m;
    ix->hot_map = len;
    return p;
}

static size_t threads_for(size_t npkg)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = ncpu < 1 ? 1 : (size_t)ncpu;
    if (nt > THREADS_MAX)
        nt = THREADS_MAX;
    if (npkg < PARALLEL_MIN)
        nt = 1;
    return nt;
}

int vg_match_index_finish(struct vg_match_index *ix, struct vg_err *err)
{
    struct lay lays[THREADS_MAX];
    struct gather gs[THREADS_MAX];
    size_t nt, total = 0, *off = NULL, *hot = NULL, *pstart = NULL, base[THREADS_MAX];
    struct ivrec *recs = NULL;
    int rc = VG_OK;

    if (ix->finished)
        goto out;
    nt = threads_for(ix->npkg);
    /* 1. the intervals gathered by package, each package's in entry order */
    pstart = vg_xcalloc(ix->npkg + 2, sizeof(*pstart));
    recs = vg_xmalloc((ix->intervals + 1) * sizeof(*recs));
    vg_huge_advise(recs, (ix->intervals + 1) * sizeof(*recs));
    memset(gs, 0, sizeof(gs));
    for (size_t t = 0; t < nt; t++) {
        gs[t].ix = ix;
        gs[t].recs = recs;
        gs[t].first = ix->naff * t / nt;
        gs[t].last = ix->naff * (t + 1) / nt;
        gs[t].cur = vg_xcalloc(ix->npkg + 1, sizeof(size_t));
    }
    run_all(gather_run, gs, sizeof(gs[0]), nt);
    for (size_t p = 0, at = 0; p < ix->npkg; p++) {
        pstart[p] = at;
        for (size_t t = 0; t < nt; t++) {
            size_t c = gs[t].cur[p];
            gs[t].cur[p] = at;
            at += c;
        }
        pstart[p + 1] = at;
    }
    for (size_t t = 0; t < nt; t++)
        gs[t].pass = 1;
    run_all(gather_run, gs, sizeof(gs[0]), nt);

    /* 2. the blocks: contiguous runs of packages, about equal in intervals,
     * each run written in place into its share of one region */
    off = vg_xmalloc((ix->npkg + 1) * sizeof(*off));
    hot = vg_xmalloc((ix->npkg + 1) * sizeof(*hot));
    memset(lays, 0, sizeof(lays));
    {
        size_t per = ix->intervals / nt + 1, t = 0;
        lays[0].first = 0;
        for (size_t i = 0; i < ix->npkg && t + 1 < nt; i++)
            if (pstart[i + 1] >= per * (t + 1)) {
                lays[t].last = i + 1;
                lays[++t].first = i + 1;
            }
        lays[t].last = ix->npkg;
        for (size_t u = t + 1; u < nt; u++)
            lays[u].first = lays[u].last = ix->npkg;
    }
    for (size_t t = 0; t < nt; t++) {
        size_t cap = 0;
        for (size_t i = lays[t].first; i < lays[t].last; i++)
            cap += blk_bound(&ix->pkg[i], recs + pstart[i], pstart[i + 1] - pstart[i]);
        base[t] = total;
        lays[t].cap = cap;
        total += (cap + 63) & ~(size_t)63;
    }
    if (total / 16 >= UINT32_MAX) {
        rc = vg_err_set(err, VG_ETOOBIG, "match: index over 64 GB");
        goto out;
    }
    ix->hot = hot_map(ix, total);
    for (size_t t = 0; t < nt; t++) {
        lays[t].ix = ix;
        lays[t].recs = recs;
        lays[t].pstart = pstart;
        lays[t].off = off;
        lays[t].hot = hot;
        lays[t].out = ix->hot + base[t];
    }
    run_all(lay_run, lays, sizeof(lays[0]), nt);
    ix->hot_len = 0;
    for (size_t t = 0; t < nt; t++)
        ix->hot_len += lays[t].n;

    /* 3. the bucket table: under half full */
    ix->nbuckets = 1;
    while (ix->nbuckets * VG__BUCKET < 2 * ix->npkg + 2)
        ix->nbuckets *= 2;
    {
        /* on a huge page of its own: every query's first miss lands here */
        size_t bytes = ix->nbuckets * VG__BUCKET * sizeof(uint64_t), hp = (size_t)2 << 20;
        void *m = NULL;
        if (bytes >= ((size_t)256 << 10) && posix_memalign(&m, hp, (bytes + hp - 1) & ~(hp - 1)) == 0) {
            vg_huge_advise(m, (bytes + hp - 1) & ~(hp - 1));
            memset(m, 0, bytes);
            ix->buckets = m;
        } else {
            ix->buckets = vg_xcalloc(ix->nbuckets * VG__BUCKET, sizeof(uint64_t));
        }
    }
    /* the filter: 16 bits a package (a false "maybe" now and then costs a
     * bucket probe) */
    ix->nfilter = 64;
    while (ix->nfilter * 64 < 16 * ix->npkg)
        ix->nfilter *= 2;
    ix->filter = vg_xcalloc(ix->nfilter, sizeof(uint64_t));
    for (size_t i = 0; i < ix->npkg; i++) {
        size_t w;
        uint64_t b = vg__filter_bits(ix->pkg[i].hash, &w, ix->nfilter);
        ix->filter[w] |= b;
    }
    for (size_t t = 0; t < nt; t++)
        for (size_t i = lays[t].first; i < lays[t].last; i++) {
            size_t at = base[t] + off[i], lines = ((at & 63) + hot[i] + 63) / 64;
            uint64_t h = ix->pkg[i].hash, v;
            size_t mask = ix->nbuckets - 1, bk = h & mask;
            if (lines > 15)
                lines = 15;
            v = ((h >> 36) << 36) | ((uint64_t)lines << 32) | (uint64_t)(uint32_t)(at / 16 + 1);
            for (;; bk = (bk + 1) & mask) {
                uint64_t *e = &ix->buckets[bk * VG__BUCKET];
                int j = 0;
                while (j < VG__BUCKET && e[j])
                    j++;
                if (j < VG__BUCKET) {
                    e[j] = v;
                    break;
                }
            }
        }
    free(ix->slots);
    ix->slots = NULL;
    ix->nslots = 0;
    vg_arena_free(ix->scratch);
    ix->scratch = NULL;
    free(ix->kc);
    ix->kc = NULL;
    free(ix->kk);
    ix->kk = NULL;
    ix->finished = 1;
out:
    for (size_t t = 0; recs && t < nt; t++) {
        free(gs[t].cur);
        free(lays[t].b);
        free(lays[t].mask);
        free(lays[t].cnt);
        free(lays[t].diff);
        free(lays[t].ent);
        free(lays[t].eix);
    }
    free(recs);
    free(pstart);
    free(off);
    free(hot);
    return rc;
}
