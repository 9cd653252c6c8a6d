/* Forward index: OSV records -> (ecosystem, name) hash -> elementary key
 * regions with the affected entries covering each. Records are read by the
 * OSV scanner (osvscan.c); their ranges become key intervals here with the
 * OSV rules of version/range.c's vg_ranges_from_osv (the conformance suite
 * checks the two agree). Not for: the reverse (component) index, see comps.c. */
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

/* A package's region lists may not exceed this many entries per interval on
 * average; beyond it (heavily overlapping advisories) the package is answered
 * by testing each affected entry instead. */
#define REGION_FANOUT 64

struct ixaff {
    uint32_t adv;
    uint32_t pkg;
    uint32_t next; /* next affected entry of the same package during the build, +1 */
    struct vg_ranges r;
};

/* What a query reads of a package, in one contiguous block (built by
 * finish, on the hot region): this header, the name, the boundaries' 8-byte
 * big-endian prefixes, the boundaries' full keys (offsets + bytes), the
 * region offsets and the region lists as (advisory, entry) pairs. */
struct blk {
    uint64_t hash;
    int32_t eco;
    uint32_t nlen;
    uint32_t nb;       /* boundaries */
    uint32_t pkgno;    /* the package record (cold: linear and odd entries) */
    uint8_t linear;    /* 1: no regions, test every entry */
    uint8_t verify;    /* 1: regions give candidates, vg_ranges_contain confirms */
    uint8_t odd;       /* some entries keyed under another scheme */
    uint8_t pad;
    uint32_t kbytes;   /* bytes of boundary keys */
    /* char name[nlen], padded to 8; uint64_t bpre[nb]; uint32_t koff[nb + 1];
     * unsigned char keys[kbytes], padded to 8; uint32_t roff[2nb + 2];
     * uint32_t rids[2 * total] */
};

struct ixpkg {
    uint64_t hash;
    int32_t eco;
    int32_t key_eco;   /* keys of the regions are made with this */
    uint32_t nlen;
    const char *name;
    struct blk *blk;   /* after finish */
    uint32_t nodd;     /* entries keyed under another scheme: tested one by one */
    uint32_t *odd;
    uint32_t *affs;    /* all affected entries of the package, ascending */
    uint32_t naff;
    uint32_t head, tail; /* build-time list of affected entries, +1 */
};

/* Query-time hash slot: the full hash, and where the package's block is in
 * the hot region and how long (so that a batch can fetch it whole). */
struct fslot {
    uint64_t hash;
    uint32_t off;  /* block offset / 64 in the hot region, +1; 0 = empty */
    uint32_t len;  /* block bytes */
};

/* Version strings repeat across the advisories of a package (and "1.0.0"
 * across all of them): a small direct-mapped cache of recent keys. */
#define KCACHE 4096
struct kcache {
    uint32_t h;
    int16_t eco;
    uint8_t vn, kn; /* vn 0: empty */
    char v[24];
    unsigned char k[32];
};

struct vg_match_index {
    struct vg_arena *a;       /* everything kept */
    struct kcache *kc;        /* while adding */
    struct vg_arena *scratch; /* one record's temporaries */
    struct vg_match_advisory *adv;
    size_t nadv, capadv;
    struct ixaff *aff;
    uint32_t *aff_adv; /* aff -> adv, compact, built by finish */
    size_t naff, capaff;
    struct ixpkg *pkg;
    size_t npkg, cappkg;
    uint64_t *slots; /* (hash >> 32) << 32 | package number + 1; 0 = empty */
    size_t nslots;
    void *hot;       /* after finish: query slots and blocks, on huge pages */
    size_t hot_len;
    struct fslot *fslots; /* after finish, in hot */
    size_t nfslots;
    struct vg_arena **adopted; /* arenas of merged indexes */
    size_t nadopted;
    uint64_t *ids;   /* advisory ids seen: (hash >> 32) << 32 | advisory number + 1 */
    size_t nids_slots, duplicates;
    int finished;
    size_t withdrawn, skipped, intervals;
    char first_skip[320];
    char last_eco_s[32]; /* the last ecosystem name parsed, and its value */
    size_t last_eco_n;
    int last_eco;
};

struct vg_match_index *vg_match_index_new(void)
{
    struct vg_match_index *ix = vg_xcalloc(1, sizeof(*ix));
    ix->a = vg_arena_new(1u << 18);
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
    free(ix->aff);
    free(ix->aff_adv);
    free(ix->pkg);
    free(ix->slots);
    free(ix->hot);
    for (size_t i = 0; i < ix->nadopted; i++)
        vg_arena_free(ix->adopted[i]);
    free(ix->adopted);
    free(ix->ids);
    free(ix->kc);
    vg_arena_free(ix->a);
    vg_arena_free(ix->scratch);
    free(ix);
}

static uint64_t key_prefix(const unsigned char *k, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = (v << 8) | (i < n ? k[i] : 0);
    return v;
}

static void grow_slots(struct vg_match_index *ix)
{
    size_t ns = ix->nslots * 2;
    uint64_t *s = vg_xcalloc(ns, sizeof(*s));
    for (size_t i = 0; i < ix->nslots; i++) {
        uint64_t v = ix->slots[i];
        if (v) {
            size_t j = ix->pkg[(uint32_t)v - 1].hash & (ns - 1);
            while (s[j])
                j = (j + 1) & (ns - 1);
            s[j] = v;
        }
    }
    free(ix->slots);
    ix->slots = s;
    ix->nslots = ns;
}

static const struct ixpkg *find_pkg(const struct vg_match_index *ix, int eco, const char *name,
                                    size_t n, uint64_t h)
{
    size_t mask = ix->nslots - 1, j = h & mask;
    uint64_t tag = h >> 32;
    for (;;) {
        uint64_t v = ix->slots[j];
        if (v == 0)
            return NULL;
        if ((v >> 32) == tag) {
            const struct ixpkg *k = &ix->pkg[(uint32_t)v - 1];
            if (k->hash == h && k->eco == eco && k->nlen == n && memcmp(k->name, name, n) == 0)
                return k;
        }
        j = (j + 1) & mask;
    }
}

/* Takes aff[naff], filled in, as the last affected entry of package pno. */
static void push_aff(struct vg_match_index *ix, uint32_t pno)
{
    uint32_t at = (uint32_t)ix->naff + 1; /* list links are 1-based; 0 ends */
    if (ix->pkg[pno].tail)
        ix->aff[ix->pkg[pno].tail - 1].next = at;
    else
        ix->pkg[pno].head = at;
    ix->pkg[pno].tail = at;
    ix->pkg[pno].naff++;
    ix->intervals += ix->aff[ix->naff].r.n;
    ix->naff++;
}

static uint32_t get_pkg(struct vg_match_index *ix, int eco, const char *name, size_t n)
{
    uint64_t h = vg__match_hash(eco, name, n);
    const struct ixpkg *k = find_pkg(ix, eco, name, n, h);
    struct ixpkg *p;
    size_t j;
    if (k)
        return (uint32_t)(k - ix->pkg);
    if ((ix->npkg + 1) * 2 > ix->nslots)
        grow_slots(ix);
    if (ix->npkg == ix->cappkg) {
        ix->cappkg = ix->cappkg ? ix->cappkg * 2 : 256;
        ix->pkg = vg_xrealloc(ix->pkg, ix->cappkg * sizeof(*ix->pkg));
    }
    p = &ix->pkg[ix->npkg];
    memset(p, 0, sizeof(*p));
    p->hash = h;
    p->name = vg_arena_strndup(ix->a, name, n); /* moved next to the regions by finish */
    p->nlen = (uint32_t)n;
    p->eco = eco;
    p->key_eco = -1;
    j = h & (ix->nslots - 1);
    while (ix->slots[j])
        j = (j + 1) & (ix->nslots - 1);
    ix->slots[j] = ((h >> 32) << 32) | (uint64_t)(ix->npkg + 1);
    return (uint32_t)ix->npkg++;
}

/* ---- OSV ranges to intervals (the rules of vg_ranges_from_osv) ----------- */

struct kv {
    const unsigned char *p;
    size_t n;
};

static int iv_lo_cmp(const void *x, const void *y)
{
    const struct vg_interval *a = x, *b = y;
    int au = (a->flags & VG_IV_LO_UNBOUNDED) != 0, bu = (b->flags & VG_IV_LO_UNBOUNDED) != 0;
    if (au != bu)
        return au ? -1 : 1;
    if (!au) {
        int c = vg_key_cmp(a->lo, a->lolen, b->lo, b->lolen);
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

static void iv_push(struct ivset *s, struct vg_arena *a, const struct vg_interval *iv);

struct iv_emit {
    struct ivset *set;
    struct vg_arena *a;
};

static void iv_emit(void *ctx, const struct vg_interval *iv)
{
    struct iv_emit *e = ctx;
    iv_push(e->set, e->a, iv);
}

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

static int key_of(int eco, const char *v, size_t n, struct vg_arena *a, struct kv *k)
{
    unsigned char buf[VG_VERSION_KEY_MAX];
    size_t kl = 0;
    if (vg_version_key_buf(eco, v, n, buf, sizeof(buf), &kl, NULL) != VG_OK)
        return -1;
    k->p = vg_arena_memdup(a, buf, kl ? kl : 1);
    k->n = kl;
    return 0;
}

static int key_cached(struct vg_match_index *ix, int eco, const char *v, size_t n,
                      struct vg_arena *a, struct kv *k)
{
    unsigned char buf[VG_VERSION_KEY_MAX];
    size_t kl = 0;
    struct kcache *e;
    uint32_t h;

    if (n == 0 || n > sizeof(e->v))
        return key_of(eco, v, n, a, k);
    if (ix->kc == NULL)
        ix->kc = vg_xcalloc(KCACHE, sizeof(*ix->kc));
    h = (uint32_t)vg__match_hash(eco, v, n);
    e = &ix->kc[h & (KCACHE - 1)];
    if (e->vn == n && e->h == h && e->eco == eco && memcmp(e->v, v, n) == 0) {
        k->p = vg_arena_memdup(a, e->k, e->kn ? e->kn : 1);
        k->n = e->kn;
        return 0;
    }
    if (vg_version_key_buf(eco, v, n, buf, sizeof(buf), &kl, NULL) != VG_OK)
        return -1;
    if (kl <= sizeof(e->k)) {
        e->h = h;
        e->eco = (int16_t)eco;
        e->vn = (uint8_t)n;
        e->kn = (uint8_t)kl;
        memcpy(e->v, v, n);
        memcpy(e->k, buf, kl);
    }
    k->p = vg_arena_memdup(a, buf, kl ? kl : 1);
    k->n = kl;
    return 0;
}

static int empty_iv(const struct vg_interval *iv)
{
    int c;
    if (iv->flags & (VG_IV_LO_UNBOUNDED | VG_IV_HI_UNBOUNDED))
        return 0;
    c = vg_key_cmp(iv->lo, iv->lolen, iv->hi, iv->hilen);
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
                int k = vg_key_cmp(nx->lo, nx->lolen, c->hi, c->hilen);
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
            int k = vg_key_cmp(nx->hi, nx->hilen, c->hi, c->hilen);
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

/* 1 when key lies in the sorted disjoint intervals iv[0..n). */
static int inside(const struct vg_interval *iv, size_t n, const unsigned char *k, size_t kl)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct vg_interval *x = &iv[mid];
        if (!(x->flags & VG_IV_LO_UNBOUNDED)) {
            int c = vg_key_cmp(k, kl, x->lo, x->lolen);
            if (c < 0 || (c == 0 && !(x->flags & VG_IV_LO_INCL))) {
                hi = mid;
                continue;
            }
        }
        if (!(x->flags & VG_IV_HI_UNBOUNDED)) {
            int c = vg_key_cmp(k, kl, x->hi, x->hilen);
            if (c > 0 || (c == 0 && !(x->flags & VG_IV_HI_INCL))) {
                lo = mid + 1;
                continue;
            }
        }
        return 1;
    }
    return 0;
}

/* Builds r (eco's keys) from a scanned affected entry; temporaries in s,
 * results in a. -1 when the entry is malformed (range.c would refuse it). */
static int build_ranges(struct vg_match_index *ix, const struct vg__osv_aff *f, int eco,
                        struct vg_arena *s, struct vg_arena *a, struct vg_ranges *r,
                        const char **why)
{
    struct ivset raw = {NULL, 0, 0};
    const char **fixed = NULL;
    size_t nfixed = 0, fixcap = 0;

    memset(r, 0, sizeof(*r));
    r->eco = eco;
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
                if (key_cached(ix, eco, e->v, e->vn, s, &lk)) {
                    *why = "invalid version in a limit event";
                    return -1;
                }
                if (!have_limit || vg_key_cmp(lk.p, lk.n, limit.p, limit.n) > 0)
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
                if (key_cached(ix, eco, e->v, e->vn, s, &k)) {
                    *why = "invalid version in an event";
                    return -1;
                }
                ev[nev].key = k.p;
                ev[nev].keylen = k.n;
            }
            if (e->kind == 1) {
                size_t k;
                for (k = 0; k < nfixed; k++)
                    if (strlen(fixed[k]) == e->vn && memcmp(fixed[k], e->v, e->vn) == 0)
                        break;
                if (k == nfixed) {
                    if (nfixed == fixcap) {
                        size_t nc = fixcap ? fixcap * 2 : 4;
                        const char **p = vg_arena_alloc(s, nc * sizeof(*p));
                        if (nfixed)
                            memcpy(p, fixed, nfixed * sizeof(*p));
                        fixed = p;
                        fixcap = nc;
                    }
                    fixed[nfixed++] = vg_arena_strndup(s, e->v, e->vn);
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
     * case: osv.dev enumerates the versions of the ranges) adds nothing */
    raw.n = union_ivs(raw.iv, raw.n);
    {
        size_t base = raw.n;
        for (size_t i = 0; i < f->nv; i++) {
            struct kv k;
            struct vg_interval pt;
            if (f->v[i].s == NULL || key_cached(ix, eco, f->v[i].s, f->v[i].n, s, &k)) {
                r->nskipped++;
                continue;
            }
            if (inside(raw.iv, base, k.p, k.n))
                continue;
            pt.lo = pt.hi = k.p;
            pt.lolen = pt.hilen = k.n;
            pt.flags = VG_IV_LO_INCL | VG_IV_HI_INCL;
            iv_push(&raw, s, &pt);
        }
        if (raw.n > base)
            raw.n = union_ivs(raw.iv, raw.n);
    }
    /* keys copied into a */
    r->iv = raw.n ? vg_arena_alloc(a, raw.n * sizeof(*r->iv)) : NULL;
    for (size_t i = 0; i < raw.n; i++) {
        struct vg_interval iv = raw.iv[i];
        if (!(iv.flags & VG_IV_LO_UNBOUNDED))
            iv.lo = vg_arena_memdup(a, iv.lo, iv.lolen ? iv.lolen : 1);
        else
            iv.lo = NULL, iv.lolen = 0;
        if (!(iv.flags & VG_IV_HI_UNBOUNDED))
            iv.hi = (raw.iv[i].hi == raw.iv[i].lo && !(iv.flags & VG_IV_LO_UNBOUNDED))
                        ? iv.lo
                        : vg_arena_memdup(a, iv.hi, iv.hilen ? iv.hilen : 1);
        else
            iv.hi = NULL, iv.hilen = 0;
        r->iv[i] = iv;
    }
    r->n = raw.n;
    if (nfixed) {
        r->fixed = vg_arena_alloc(a, nfixed * sizeof(*r->fixed));
        for (size_t i = 0; i < nfixed; i++)
            r->fixed[i] = vg_arena_strdup(a, fixed[i]);
        r->nfixed = nfixed;
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
        uint64_t *t = vg_xcalloc(ns, sizeof(*t));
        for (size_t i = 0; i < ix->nids_slots; i++)
            if (ix->ids[i]) {
                const char *s = ix->adv[(uint32_t)ix->ids[i] - 1].id;
                size_t j = vg__match_hash(0, s, strlen(s)) & (ns - 1);
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

static int add_scanned(struct vg_match_index *ix, const struct vg__osv *o, struct vg_err *err)
{
    int rc = VG_OK;
    struct vg_match_advisory *adv;
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
    /* one record may sit in several files (osv.dev and osv-offline keep one
     * file per ecosystem): the first copy counts */
    idh = vg__match_hash(0, o->id.s, o->id.n);
    if (id_find(ix, o->id.s, o->id.n, idh) >= 0) {
        ix->duplicates++;
        goto out;
    }
    if (ix->nadv == ix->capadv) {
        ix->capadv = ix->capadv ? ix->capadv * 2 : 1024;
        ix->adv = vg_xrealloc(ix->adv, ix->capadv * sizeof(*ix->adv));
    }
    advno = (uint32_t)ix->nadv;
    adv = &ix->adv[advno];
    memset(adv, 0, sizeof(*adv));
    adv->id = vg_arena_strndup(ix->a, o->id.s, o->id.n);
    if (o->naliases) {
        adv->aliases = vg_arena_alloc(ix->a, o->naliases * sizeof(char *));
        for (size_t i = 0; i < o->naliases; i++)
            adv->aliases[adv->naliases++] =
                vg_arena_strndup(ix->a, o->aliases[i].s, o->aliases[i].n);
    }
    if (o->dbsev.s)
        adv->severity = vg_arena_strndup(ix->a, o->dbsev.s, o->dbsev.n);
    else if (o->score.s)
        adv->severity = vg_arena_strndup(ix->a, o->score.s, o->score.n);
    if (o->summary.s)
        adv->summary = vg_arena_strndup(ix->a, o->summary.s, o->summary.n);
    id_insert(ix, idh, advno);

    for (size_t i = 0; i < o->naff; i++) {
        const struct vg__osv_aff *f = &o->aff[i];
        char norm[VG_MATCH_NAME_MAX];
        size_t nl;
        int eco;
        struct ixaff *x;
        const char *why = NULL;
        uint32_t pno;

        if (f->eco != NULL && f->eco_n == ix->last_eco_n && f->eco_n < sizeof(ix->last_eco_s) &&
            memcmp(f->eco, ix->last_eco_s, f->eco_n) == 0) {
            eco = ix->last_eco; /* records come in runs of one ecosystem */
        } else if (f->eco != NULL) {
            eco = vg_eco_parse(f->eco, f->eco_n);
            if (f->eco_n < sizeof(ix->last_eco_s)) {
                memcpy(ix->last_eco_s, f->eco, f->eco_n);
                ix->last_eco_n = f->eco_n;
                ix->last_eco = eco;
            }
        } else {
            eco = -1;
        }
        if (f->eco == NULL || f->name == NULL || eco < 0 ||
            vg_match_norm_name(eco, f->name, f->name_n, norm, sizeof(norm), &nl) != VG_OK) {
            note_skip(ix, o, i, "unknown ecosystem or bad package name");
            continue;
        }
        if (ix->naff == ix->capaff) {
            ix->capaff = ix->capaff ? ix->capaff * 2 : 1024;
            ix->aff = vg_xrealloc(ix->aff, ix->capaff * sizeof(*ix->aff));
        }
        x = &ix->aff[ix->naff];
        memset(x, 0, sizeof(*x));
        if (build_ranges(ix, f, eco, ix->scratch, ix->a, &x->r, &why) != 0) {
            note_skip(ix, o, i, why);
            continue;
        }
        if (x->r.n == 0)
            continue; /* GIT-only ranges: nothing to match by version */
        pno = get_pkg(ix, eco, norm, nl);
        x->adv = advno;
        x->pkg = pno;
        push_aff(ix, pno);
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
    uint32_t *remap;

    if (dst->finished || src->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: merge needs two unfinished indexes");
        goto out;
    }
    remap = vg_xmalloc((src->nadv + 1) * sizeof(*remap));
    for (size_t i = 0; i < src->nadv; i++) {
        const char *id = src->adv[i].id;
        uint64_t h = vg__match_hash(0, id, strlen(id));
        if (id_find(dst, id, strlen(id), h) >= 0) {
            remap[i] = UINT32_MAX; /* the same record, read by another thread */
            dst->duplicates++;
            continue;
        }
        if (dst->nadv == dst->capadv) {
            dst->capadv = dst->capadv ? dst->capadv * 2 : 1024;
            dst->adv = vg_xrealloc(dst->adv, dst->capadv * sizeof(*dst->adv));
        }
        dst->adv[dst->nadv] = src->adv[i];
        remap[i] = (uint32_t)dst->nadv;
        id_insert(dst, h, (uint32_t)dst->nadv);
        dst->nadv++;
    }
    for (size_t i = 0; i < src->naff; i++) {
        const struct ixpkg *sp = &src->pkg[src->aff[i].pkg];
        uint32_t pno;
        struct ixaff *x;
        if (remap[src->aff[i].adv] == UINT32_MAX) {
            continue;
        }
        pno = get_pkg(dst, sp->eco, sp->name, sp->nlen);
        if (dst->naff == dst->capaff) {
            dst->capaff = dst->capaff ? dst->capaff * 2 : 1024;
            dst->aff = vg_xrealloc(dst->aff, dst->capaff * sizeof(*dst->aff));
        }
        x = &dst->aff[dst->naff];
        *x = src->aff[i];
        x->adv = remap[src->aff[i].adv];
        x->pkg = pno;
        x->next = 0;
        push_aff(dst, pno);
    }
    free(remap);
    dst->withdrawn += src->withdrawn;
    dst->skipped += src->skipped;
    dst->duplicates += src->duplicates;
    if (dst->first_skip[0] == '\0')
        memcpy(dst->first_skip, src->first_skip, sizeof(dst->first_skip));
    /* the strings, keys and intervals stay where they are: adopt the arenas */
    dst->adopted = vg_xrealloc(dst->adopted,
                               (dst->nadopted + src->nadopted + 1) * sizeof(*dst->adopted));
    dst->adopted[dst->nadopted++] = src->a;
    for (size_t i = 0; i < src->nadopted; i++)
        dst->adopted[dst->nadopted++] = src->adopted[i];
    free(src->adopted);
    src->adopted = NULL;
    src->nadopted = 0;
    src->a = NULL;
    vg_match_index_free(src);
out:
    return rc;
}

/* ---- finishing ----------------------------------------------------------- */

struct bkey {
    const unsigned char *k;
    size_t n;
};

static int bkey_cmp(const void *a, const void *b)
{
    const struct bkey *x = a, *y = b;
    return vg_key_cmp(x->k, x->n, y->k, y->n);
}

/* Index of key among the sorted boundaries (exact match required). */
static uint32_t bfind(const struct bkey *bk, uint32_t nb, const unsigned char *k, size_t n)
{
    uint32_t lo = 0, hi = nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (vg_key_cmp(bk[mid].k, bk[mid].n, k, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void interval_regions(const struct bkey *bk, uint32_t nb, const struct vg_interval *iv,
                             uint32_t *s, uint32_t *e)
{
    if (iv->flags & VG_IV_LO_UNBOUNDED)
        *s = 0;
    else {
        uint32_t j = bfind(bk, nb, iv->lo, iv->lolen);
        *s = (iv->flags & VG_IV_LO_INCL) ? 2 * j + 1 : 2 * j + 2;
    }
    if (iv->flags & VG_IV_HI_UNBOUNDED)
        *e = 2 * nb;
    else {
        uint32_t k = bfind(bk, nb, iv->hi, iv->hilen);
        *e = (iv->flags & VG_IV_HI_INCL) ? 2 * k + 1 : 2 * k;
    }
}

static int same_scheme(const struct vg_match_index *ix, const struct ixpkg *p, uint32_t aff)
{
    return vg_eco_scheme(ix->aff[aff].r.eco) == vg_eco_scheme(p->key_eco);
}

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* Block accessors (the boundary prefixes are pairs: bytes 0-7, 8-15). */
static const char *blk_name(const struct blk *b)
{
    return (const char *)(b + 1);
}

static const uint64_t *blk_bpre(const struct blk *b)
{
    return (const uint64_t *)(const void *)((const char *)(b + 1) + ALIGN8(b->nlen + 1));
}

static const uint32_t *blk_koff(const struct blk *b)
{
    return (const uint32_t *)(const void *)(blk_bpre(b) + 2 * (size_t)b->nb);
}

static const unsigned char *blk_keys(const struct blk *b)
{
    return (const unsigned char *)(blk_koff(b) + b->nb + 1);
}

static const uint32_t *blk_roff(const struct blk *b)
{
    return (const uint32_t *)(const void *)(blk_keys(b) + ALIGN8(b->kbytes));
}

static const uint32_t *blk_rids(const struct blk *b)
{
    return blk_roff(b) + 2 * (size_t)b->nb + 2;
}

/* Builds package p's block (malloc'd; finish moves it to the hot region). */
static struct blk *build_pkg(struct vg_match_index *ix, struct ixpkg *p, uint32_t pkgno,
                             size_t *blen)
{
    size_t nkeys = 0, nint = 0, total = 0, nregions, kbytes = 0, len;
    struct bkey *keys;
    uint32_t *cnt, nb = 0, nodd = 0;
    int32_t *diff;
    int verify = 0, linear = 0;
    struct blk *b;
    char *w;

    p->key_eco = ix->aff[p->affs[0]].r.eco;
    for (uint32_t k = 0; k < p->naff; k++) {
        const struct ixaff *x = &ix->aff[p->affs[k]];
        if (!same_scheme(ix, p, p->affs[k])) {
            nodd++;
            continue;
        }
        nint += x->r.n;
        for (size_t i = 0; i < x->r.n; i++)
            if (x->r.iv[i].flags & VG_IV_NO_PRERELEASE)
                verify = 1;
    }
    if (nodd) {
        p->odd = vg_arena_alloc(ix->a, nodd * sizeof(uint32_t));
        for (uint32_t k = 0; k < p->naff; k++)
            if (!same_scheme(ix, p, p->affs[k]))
                p->odd[p->nodd++] = p->affs[k];
    }
    keys = vg_xmalloc((2 * nint + 1) * sizeof(*keys));
    for (uint32_t k = 0; k < p->naff; k++) {
        const struct ixaff *x = &ix->aff[p->affs[k]];
        if (!same_scheme(ix, p, p->affs[k]))
            continue;
        for (size_t i = 0; i < x->r.n; i++) {
            const struct vg_interval *iv = &x->r.iv[i];
            if (!(iv->flags & VG_IV_LO_UNBOUNDED))
                keys[nkeys++] = (struct bkey){iv->lo, iv->lolen};
            if (!(iv->flags & VG_IV_HI_UNBOUNDED))
                keys[nkeys++] = (struct bkey){iv->hi, iv->hilen};
        }
    }
    if (nkeys > 1)
        qsort(keys, nkeys, sizeof(*keys), bkey_cmp);
    for (size_t i = 0; i < nkeys; i++)
        if (nb == 0 || vg_key_cmp(keys[nb - 1].k, keys[nb - 1].n, keys[i].k, keys[i].n) != 0)
            keys[nb++] = keys[i];
    for (uint32_t i = 0; i < nb; i++)
        kbytes += keys[i].n;
    nregions = 2 * (size_t)nb + 1;
    cnt = vg_xcalloc(nregions + 1, sizeof(*cnt));
    diff = vg_xcalloc(nregions + 1, sizeof(*diff));
    for (uint32_t k = 0; k < p->naff; k++) {
        const struct ixaff *x = &ix->aff[p->affs[k]];
        if (!same_scheme(ix, p, p->affs[k]))
            continue;
        for (size_t i = 0; i < x->r.n; i++) {
            uint32_t s, e;
            interval_regions(keys, nb, &x->r.iv[i], &s, &e);
            if (s > e)
                continue;
            diff[s]++;
            diff[e + 1]--;
        }
    }
    {
        int32_t run = 0;
        for (size_t r = 0; r < nregions; r++) {
            run += diff[r];
            cnt[r] = (uint32_t)run;
            total += (size_t)run;
        }
    }
    free(diff);
    if (total > (size_t)REGION_FANOUT * (nint + 1))
        linear = 1;
    len = sizeof(struct blk) + ALIGN8(p->nlen + 1) + 2 * nb * sizeof(uint64_t) +
          (nb + 1) * sizeof(uint32_t) + ALIGN8(kbytes) +
          (linear ? 0 : (nregions + 1 + 2 * total) * sizeof(uint32_t));
    len = ALIGN8(len);
    b = vg_xcalloc(1, len);
    b->hash = p->hash;
    b->eco = p->eco;
    b->nlen = p->nlen;
    b->nb = nb;
    b->pkgno = pkgno;
    b->linear = (uint8_t)linear;
    b->verify = (uint8_t)verify;
    b->odd = p->nodd != 0;
    b->kbytes = (uint32_t)kbytes;
    w = (char *)(b + 1);
    memcpy(w, p->name, p->nlen);
    {
        uint64_t *bpre = (uint64_t *)(void *)(w + ALIGN8(p->nlen + 1));
        uint32_t *koff = (uint32_t *)(void *)(bpre + 2 * (size_t)nb);
        unsigned char *kb = (unsigned char *)(koff + nb + 1);
        size_t o = 0;
        for (uint32_t i = 0; i < nb; i++) {
            bpre[2 * i] = key_prefix(keys[i].k, keys[i].n);
            bpre[2 * i + 1] = keys[i].n > 8 ? key_prefix(keys[i].k + 8, keys[i].n - 8) : 0;
            koff[i] = (uint32_t)o;
            memcpy(kb + o, keys[i].k, keys[i].n);
            o += keys[i].n;
        }
        koff[nb] = (uint32_t)o;
    }
    if (!linear) {
        uint32_t *roff = (uint32_t *)(uint32_t *)(void *)blk_roff(b);
        uint32_t *rids = roff + nregions + 1;
        roff[0] = 0;
        for (size_t r = 0; r < nregions; r++)
            roff[r + 1] = roff[r] + cnt[r];
        /* fill entry by entry so that each list stays ascending */
        memset(cnt, 0, (nregions + 1) * sizeof(*cnt));
        for (uint32_t k = 0; k < p->naff; k++) {
            const struct ixaff *x = &ix->aff[p->affs[k]];
            if (!same_scheme(ix, p, p->affs[k]))
                continue;
            for (size_t i = 0; i < x->r.n; i++) {
                uint32_t s, e;
                interval_regions(keys, nb, &x->r.iv[i], &s, &e);
                for (uint32_t r = s; r <= e && s <= e; r++) {
                    size_t at = roff[r] + cnt[r]++;
                    rids[2 * at] = x->adv;
                    rids[2 * at + 1] = p->affs[k];
                }
            }
        }
    }
    free(cnt);
    free(keys);
    *blen = len;
    return b;
}

/* One region for everything a query touches, 2 MiB aligned and offered to
 * the kernel for transparent huge pages: with a 100 MB index, 4 KiB pages
 * make nearly every lookup a TLB miss as well as a cache miss. */
static void *hot_alloc(size_t n)
{
    void *p = NULL;
    size_t align = (size_t)2 << 20, len = (n + align - 1) & ~(align - 1);
    if (n < 2 * align || posix_memalign(&p, align, len) != 0) /* small: TLB is no issue */
        return vg_xmalloc(n);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE);
#endif
    return p;
}

int vg_match_index_finish(struct vg_match_index *ix, struct vg_err *err)
{
    size_t total, off, *lens;
    struct blk **tmp;
    char *h;

    VG_UNUSED(err);
    if (ix->finished)
        return VG_OK;
    /* each package's entries, ascending: a counting sort over the entries
     * (one sequential pass) rather than chasing the build-time lists */
    {
        uint32_t *all = vg_arena_alloc(ix->a, (ix->naff + 1) * sizeof(uint32_t));
        size_t *at = vg_xcalloc(ix->npkg + 1, sizeof(*at));
        for (size_t i = 0; i < ix->naff; i++)
            at[ix->aff[i].pkg + 1]++;
        for (size_t i = 0; i < ix->npkg; i++)
            at[i + 1] += at[i];
        for (size_t i = 0; i < ix->npkg; i++)
            ix->pkg[i].affs = all + at[i];
        for (size_t i = 0; i < ix->naff; i++)
            all[at[ix->aff[i].pkg]++] = (uint32_t)i;
        free(at);
    }
    tmp = vg_xcalloc(ix->npkg + 1, sizeof(*tmp));
    lens = vg_xcalloc(ix->npkg + 1, sizeof(*lens));
    ix->nfslots = ix->nslots;
    total = ix->nfslots * sizeof(struct fslot);
    for (size_t i = 0; i < ix->npkg; i++) {
        tmp[i] = build_pkg(ix, &ix->pkg[i], (uint32_t)i, &lens[i]);
        total += lens[i] + 64;
    }
    h = hot_alloc(total);
    ix->fslots = (struct fslot *)(void *)h;
    memset(ix->fslots, 0, ix->nfslots * sizeof(struct fslot));
    off = ix->nfslots * sizeof(struct fslot);
    for (size_t i = 0; i < ix->npkg; i++) {
        struct blk *b;
        size_t j;
        off = (off + 63) & ~(size_t)63; /* a block starts on a cache line */
        b = (struct blk *)(void *)(h + off);
        memcpy(b, tmp[i], lens[i]); /* offsets / 64 fit 32 bits up to 256 GB */
        free(tmp[i]);
        off += lens[i];
        ix->pkg[i].blk = b;
        for (j = b->hash & (ix->nfslots - 1); ix->fslots[j].off; j = (j + 1) & (ix->nfslots - 1))
            ;
        ix->fslots[j].hash = b->hash;
        ix->fslots[j].off = (uint32_t)(((char *)b - h) / 64) + 1;
        ix->fslots[j].len = (uint32_t)(lens[i] > UINT32_MAX ? UINT32_MAX : lens[i]);
    }
    free(tmp);
    free(lens);
    ix->aff_adv = vg_xmalloc((ix->naff + 1) * sizeof(*ix->aff_adv));
    for (size_t i = 0; i < ix->naff; i++)
        ix->aff_adv[i] = ix->aff[i].adv;
    ix->hot = h;
    ix->hot_len = total;
    vg_arena_free(ix->scratch);
    ix->scratch = NULL;
    free(ix->kc);
    ix->kc = NULL;
    ix->finished = 1;
    return VG_OK;
}

/* ---- queries ------------------------------------------------------------- */

static const struct blk *slot_blk(const struct vg_match_index *ix, const struct fslot *s)
{
    return (const struct blk *)(const void *)((const char *)ix->hot + (size_t)(s->off - 1) * 64);
}

static const struct blk *find_blk(const struct vg_match_index *ix, int eco, const char *name,
                                  size_t n, uint64_t h)
{
    size_t mask = ix->nfslots - 1;
    for (size_t j = h & mask;; j = (j + 1) & mask) {
        const struct fslot *s = &ix->fslots[j];
        const struct blk *b;
        if (s->off == 0)
            return NULL;
        b = slot_blk(ix, s);
        if (s->hash == h && b->eco == eco && b->nlen == n && memcmp(blk_name(b), name, n) == 0)
            return b;
    }
}

/* Region of key: 2i+1 when it equals boundary i, else 2i where i is the
 * number of boundaries below it. */
static uint32_t region_of(const struct blk *b, const unsigned char *k, size_t n)
{
    const uint64_t *bpre = blk_bpre(b);
    const uint32_t *koff = blk_koff(b);
    const unsigned char *keys = blk_keys(b);
    /* 16-byte big-endian prefixes decide almost every step; the full keys
     * (same block) only break a tie */
    uint64_t k0 = key_prefix(k, n), k1 = n > 8 ? key_prefix(k + 8, n - 8) : 0;
    uint32_t lo = 0, hi = b->nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        uint64_t p0 = bpre[2 * mid], p1 = bpre[2 * mid + 1];
        int c = p0 < k0   ? -1
                : p0 > k0 ? 1
                : p1 < k1 ? -1
                : p1 > k1 ? 1
                          : vg_key_cmp(keys + koff[mid], koff[mid + 1] - koff[mid], k, n);
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return 2 * mid + 1;
    }
    return 2 * lo;
}

static void add_hit(uint32_t adv, uint32_t affno, struct vg_match_hit *hits, size_t cap,
                    size_t *n)
{
    size_t m = *n < cap ? *n : cap;
    /* entries come in ascending order and one record's are consecutive, so a
     * repeated advisory is almost always the previous hit */
    for (size_t i = m; i > 0; i--)
        if (hits[i - 1].adv == adv)
            return;
    if (*n < cap) {
        hits[*n].adv = adv;
        hits[*n].aff = affno;
    }
    (*n)++;
}

/* The hits of key (made with the package's key ecosystem) in block b. */
static void collect(const struct vg_match_index *ix, const struct blk *b,
                    const unsigned char *key, size_t kl, uint32_t region, const char *version,
                    size_t vlen, struct vg_match_hit *hits, size_t cap, size_t *n)
{
    const struct ixpkg *p = &ix->pkg[b->pkgno];
    if (b->linear) {
        for (uint32_t k = 0; k < p->naff; k++) {
            const struct ixaff *x = &ix->aff[p->affs[k]];
            if (vg_eco_scheme(x->r.eco) == vg_eco_scheme(p->key_eco) &&
                vg_ranges_contain(&x->r, key, kl))
                add_hit(x->adv, p->affs[k], hits, cap, n);
        }
    } else {
        const uint32_t *roff = blk_roff(b), *rids = blk_rids(b);
        for (uint32_t i = roff[region]; i < roff[region + 1]; i++) {
            uint32_t adv = rids[2 * i], affno = rids[2 * i + 1];
            if (b->verify && !vg_ranges_contain(&ix->aff[affno].r, key, kl))
                continue;
            add_hit(adv, affno, hits, cap, n);
        }
    }
    if (b->odd)
        for (uint32_t k = 0; k < p->nodd; k++) {
            int inside = 0;
            struct vg_err e = {0};
            if (vg_ranges_contain_version(&ix->aff[p->odd[k]].r, version, vlen, &inside, &e) ==
                    VG_OK &&
                inside)
                add_hit(ix->aff_adv[p->odd[k]], p->odd[k], hits, cap, n);
        }
}

int vg_match_query(const struct vg_match_index *ix, int eco, const char *name, size_t nlen,
                   const char *version, size_t vlen, struct vg_match_hit *hits, size_t cap,
                   size_t *n, struct vg_err *err)
{
    int rc = VG_OK;
    char norm[VG_MATCH_NAME_MAX];
    unsigned char key[VG_VERSION_KEY_MAX];
    size_t nl, kl;
    const struct blk *b;

    *n = 0;
    if (!ix->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: index not finished");
        goto out;
    }
    rc = vg_match_norm_name(eco, name, nlen, norm, sizeof(norm), &nl);
    if (rc) {
        rc = vg_err_set(err, rc, "package name longer than %d bytes", VG_MATCH_NAME_MAX);
        goto out;
    }
    b = find_blk(ix, eco, norm, nl, vg__match_hash(eco, norm, nl));
    if (b == NULL)
        goto out;
    rc = vg_version_key_buf(ix->pkg[b->pkgno].key_eco, version, vlen, key, sizeof(key), &kl,
                            err);
    if (rc)
        goto out;
    collect(ix, b, key, kl, b->linear ? 0 : region_of(b, key, kl), version, vlen, hits, cap, n);
out:
    return rc;
}

/* Batched queries: GROUP at a time, each stage starting the memory fetch the
 * next stage needs (hash slot, package block, region list) and doing some
 * other work (hashing, version keys) while it arrives, so that the cache
 * misses of a group overlap instead of adding up. */
#define GROUP 32

struct qstate {
    const struct blk *b;
    uint64_t h;
    size_t nl, kl, slot;
    int rc, slow; /* slow: long name or key, or an error: asked one by one */
    uint32_t region;
    char norm[128];
    unsigned char key[96];
};

int vg_match_query_many(const struct vg_match_index *ix, const struct vg_match_q *q, size_t n,
                        struct vg_match_hit *hits, size_t cap, size_t *counts, int *rcs)
{
    struct qstate *st;
    size_t mask;

    if (!ix->finished) {
        for (size_t i = 0; i < n; i++) {
            counts[i] = 0;
            rcs[i] = VG_EINVAL;
        }
        return VG_EINVAL;
    }
    mask = ix->nfslots - 1;
    st = vg_xmalloc(GROUP * sizeof(*st)); /* ~8 KB: stays in L1 */
    for (size_t base = 0; base < n; base += GROUP) {
        size_t g = n - base < GROUP ? n - base : GROUP;
        for (size_t i = 0; i < g; i++) {
            const struct vg_match_q *x = &q[base + i];
            struct qstate *s = &st[i];
            counts[base + i] = 0;
            s->b = NULL;
            s->rc = VG_OK;
            s->slow = vg_match_norm_name(x->eco, x->name, x->nlen, s->norm, sizeof(s->norm),
                                         &s->nl) != VG_OK;
            if (s->slow)
                continue;
            s->h = vg__match_hash(x->eco, s->norm, s->nl);
            s->slot = s->h & mask;
            __builtin_prefetch(&ix->fslots[s->slot]);
        }
        for (size_t i = 0; i < g; i++) {
            struct qstate *s = &st[i];
            if (s->slow)
                continue;
            for (size_t j = s->slot;; j = (j + 1) & mask) {
                const struct fslot *f = &ix->fslots[j];
                if (f->off == 0)
                    break;
                if (f->hash == s->h) {
                    /* the block's first lines (header, name, boundary
                     * prefixes), fetched while the group is keyed; more
                     * would only queue behind the other queries' misses */
                    size_t len = f->len < 256 ? f->len : 256;
                    s->b = slot_blk(ix, f);
                    for (size_t l = 0; l < len; l += 64)
                        __builtin_prefetch((const char *)s->b + l);
                    break;
                }
            }
        }
        /* version keys while the blocks arrive */
        for (size_t i = 0; i < g; i++) {
            struct qstate *s = &st[i];
            if (s->b && vg_version_key_buf(q[base + i].eco, q[base + i].version, q[base + i].vlen,
                                           s->key, sizeof(s->key), &s->kl, NULL) != VG_OK)
                s->slow = 1;
        }
        for (size_t i = 0; i < g; i++) {
            struct qstate *s = &st[i];
            const struct blk *b = s->b;
            if (b == NULL || s->slow)
                continue;
            if (b->eco != q[base + i].eco || b->nlen != s->nl ||
                memcmp(blk_name(b), s->norm, s->nl) != 0) {
                s->slow = 1; /* a hash collision: the slow way */
                continue;
            }
            if (!b->linear) {
                const uint32_t *roff;
                s->region = region_of(b, s->key, s->kl);
                roff = blk_roff(b);
                __builtin_prefetch(&roff[s->region]);
                __builtin_prefetch(&blk_rids(b)[2 * (size_t)roff[s->region]]);
            }
        }
        for (size_t i = 0; i < g; i++) {
            struct qstate *s = &st[i];
            const struct vg_match_q *x = &q[base + i];
            if (s->slow) {
                rcs[base + i] = vg_match_query(ix, x->eco, x->name, x->nlen, x->version, x->vlen,
                                               hits + (base + i) * cap, cap, &counts[base + i],
                                               NULL);
                continue;
            }
            rcs[base + i] = VG_OK;
            if (s->b == NULL)
                continue;
            collect(ix, s->b, s->key, s->kl, s->region, x->version, x->vlen,
                    hits + (base + i) * cap, cap, &counts[base + i]);
        }
    }
    free(st);
    return VG_OK;
}

const struct vg_match_advisory *vg_match_advisory(const struct vg_match_index *ix, uint32_t adv)
{
    return adv < ix->nadv ? &ix->adv[adv] : NULL;
}

void vg_match_fixed(const struct vg_match_index *ix, uint32_t aff, const char *const **fixed,
                    size_t *n)
{
    if (aff < ix->naff) {
        *fixed = (const char *const *)ix->aff[aff].r.fixed;
        *n = ix->aff[aff].r.nfixed;
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
    st->bytes = sizeof(*ix) + vg_arena_used(ix->a) + ix->capadv * sizeof(*ix->adv) +
                ix->capaff * sizeof(*ix->aff) +
                ix->nids_slots * sizeof(*ix->ids) + ix->hot_len + ix->cappkg * sizeof(*ix->pkg) +
                ix->nslots * sizeof(*ix->slots) +
                (ix->aff_adv ? (ix->naff + 1) * sizeof(*ix->aff_adv) : 0);
    st->bytes_per_advisory = ix->nadv ? (double)st->bytes / (double)ix->nadv : 0.0;
    st->first_skip = ix->first_skip[0] ? ix->first_skip : NULL;
    st->duplicates = ix->duplicates;
}

size_t vg_match_index_count(const struct vg_match_index *ix)
{
    return ix->nadv + ix->withdrawn + ix->duplicates;
}
