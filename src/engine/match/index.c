/* Forward index: OSV records -> (ecosystem, name) hash -> elementary key
 * regions with the affected entries covering each. Not for: the reverse
 * (component) index, see comps.c. */
#include "engine/match/match.h"
#include "engine/match/match_int.h"

#include "core/util.h"

#include "engine/version/range.h"
#include "engine/version/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct ixpkg {
    uint64_t hash;
    const char *name;
    uint32_t nlen;
    int eco;
    int key_eco;         /* keys of the regions are made with this */
    uint32_t head, tail; /* build-time list of affected entries, +1 */
    uint32_t naff;
    uint32_t *affs;      /* all affected entries of the package, ascending */
    int linear;          /* 1: no regions, test every entry */
    int verify;          /* 1: regions give candidates, vg_ranges_contain confirms */
    uint32_t nodd;       /* entries keyed under another scheme: tested one by one */
    uint32_t *odd;
    uint32_t nb;         /* boundaries */
    uint64_t *bpre;      /* big-endian 8-byte prefixes of the boundaries */
    const unsigned char **bk;
    uint32_t *bl;
    uint32_t *roff;      /* 2*nb+2 offsets into rids */
    uint32_t *rids;      /* affected entry numbers */
};

struct vg_match_index {
    struct vg_arena *a;
    struct vg_match_advisory *adv;
    size_t nadv, capadv;
    struct ixaff *aff;
    size_t naff, capaff;
    struct ixpkg *pkg;
    size_t npkg, cappkg;
    uint32_t *slots; /* package number + 1; 0 = empty */
    size_t nslots;
    int finished;
    size_t withdrawn, skipped, intervals;
    char first_skip[320];
};

struct vg_match_index *vg_match_index_new(void)
{
    struct vg_match_index *ix = vg_xcalloc(1, sizeof(*ix));
    ix->a = vg_arena_new(1u << 20);
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
    free(ix->pkg);
    free(ix->slots);
    vg_arena_free(ix->a);
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
    uint32_t *s = vg_xcalloc(ns, sizeof(*s));
    for (size_t i = 0; i < ix->nslots; i++) {
        uint32_t p = ix->slots[i];
        if (p) {
            size_t j = ix->pkg[p - 1].hash & (ns - 1);
            while (s[j])
                j = (j + 1) & (ns - 1);
            s[j] = p;
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
    for (;;) {
        uint32_t p = ix->slots[j];
        if (p == 0)
            return NULL;
        const struct ixpkg *k = &ix->pkg[p - 1];
        if (k->hash == h && k->eco == eco && k->nlen == n && memcmp(k->name, name, n) == 0)
            return k;
        j = (j + 1) & mask;
    }
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
    p->name = vg_arena_strndup(ix->a, name, n);
    p->nlen = (uint32_t)n;
    p->eco = eco;
    p->key_eco = -1;
    j = h & (ix->nslots - 1);
    while (ix->slots[j])
        j = (j + 1) & (ix->nslots - 1);
    ix->slots[j] = (uint32_t)(ix->npkg + 1);
    return (uint32_t)ix->npkg++;
}

static const char *severity_of(json_t *osv)
{
    json_t *ds = json_object_get(osv, "database_specific"), *sev;
    if (json_is_object(ds) && json_is_string(json_object_get(ds, "severity")))
        return json_string_value(json_object_get(ds, "severity"));
    sev = json_object_get(osv, "severity");
    if (json_is_array(sev) && json_array_size(sev) > 0) {
        json_t *s = json_object_get(json_array_get(sev, 0), "score");
        if (json_is_string(s))
            return json_string_value(s);
    }
    return NULL;
}

int vg_match_index_add(struct vg_match_index *ix, json_t *osv, struct vg_err *err)
{
    int rc = VG_OK;
    json_t *id, *affected, *aff, *aliases, *w;
    struct vg_match_advisory *adv;
    size_t i, added = 0;
    uint32_t advno;

    if (ix->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: index already finished");
        goto out;
    }
    id = json_object_get(osv, "id");
    if (!json_is_object(osv) || !json_is_string(id)) {
        rc = vg_err_field(err, VG_EINVAL, "id", "OSV record without a string id");
        goto out;
    }
    w = json_object_get(osv, "withdrawn");
    if (json_is_string(w) && json_string_length(w) > 0) {
        ix->withdrawn++;
        goto out;
    }
    if (ix->nadv == ix->capadv) {
        ix->capadv = ix->capadv ? ix->capadv * 2 : 1024;
        ix->adv = vg_xrealloc(ix->adv, ix->capadv * sizeof(*ix->adv));
    }
    advno = (uint32_t)ix->nadv;
    adv = &ix->adv[advno];
    memset(adv, 0, sizeof(*adv));
    adv->id = vg_arena_strdup(ix->a, json_string_value(id));
    aliases = json_object_get(osv, "aliases");
    if (json_is_array(aliases) && json_array_size(aliases)) {
        json_t *al;
        adv->aliases = vg_arena_calloc(ix->a, json_array_size(aliases), sizeof(char *));
        json_array_foreach(aliases, i, al)
            if (json_is_string(al))
                adv->aliases[adv->naliases++] = vg_arena_strdup(ix->a, json_string_value(al));
    }
    if (severity_of(osv))
        adv->severity = vg_arena_strdup(ix->a, severity_of(osv));
    if (json_is_string(json_object_get(osv, "summary")))
        adv->summary = vg_arena_strdup(ix->a, json_string_value(json_object_get(osv, "summary")));

    affected = json_object_get(osv, "affected");
    json_array_foreach(affected, i, aff)
    {
        json_t *pkg = json_object_get(aff, "package");
        const char *eco_s = json_string_value(json_object_get(pkg, "ecosystem"));
        const char *name = json_string_value(json_object_get(pkg, "name"));
        char norm[VG_MATCH_NAME_MAX];
        size_t nl;
        int eco;
        struct vg_err e = {0};
        struct ixaff *x;
        uint32_t pno;

        if (eco_s == NULL || name == NULL ||
            (eco = vg_eco_parse(eco_s, strlen(eco_s))) < 0 ||
            vg_match_norm_name(eco, name, strlen(name), norm, sizeof(norm), &nl) != VG_OK) {
            ix->skipped++;
            if (ix->first_skip[0] == '\0')
                snprintf(ix->first_skip, sizeof(ix->first_skip),
                         "%s: affected[%zu]: unknown ecosystem or bad package name", adv->id, i);
            continue;
        }
        if (ix->naff == ix->capaff) {
            ix->capaff = ix->capaff ? ix->capaff * 2 : 1024;
            ix->aff = vg_xrealloc(ix->aff, ix->capaff * sizeof(*ix->aff));
        }
        x = &ix->aff[ix->naff];
        memset(x, 0, sizeof(*x));
        if (vg_ranges_from_osv(aff, eco, ix->a, &x->r, &e) != VG_OK) {
            ix->skipped++;
            if (ix->first_skip[0] == '\0')
                snprintf(ix->first_skip, sizeof(ix->first_skip), "%.64s: affected[%zu]: %.160s",
                         adv->id, i, e.msg);
            continue;
        }
        if (x->r.n == 0)
            continue; /* GIT-only ranges: nothing to match by version */
        pno = get_pkg(ix, eco, norm, nl);
        x->adv = advno;
        x->pkg = pno;
        if (ix->pkg[pno].tail)
            ix->aff[ix->pkg[pno].tail - 1].next = (uint32_t)ix->naff + 1;
        else
            ix->pkg[pno].head = (uint32_t)ix->naff + 1;
        ix->pkg[pno].tail = (uint32_t)ix->naff + 1;
        ix->pkg[pno].naff++;
        ix->intervals += x->r.n;
        ix->naff++;
        added++;
    }
    VG_UNUSED(added);
    ix->nadv++;
out:
    return rc;
}

int vg_match_index_add_doc(struct vg_match_index *ix, json_t *doc, struct vg_err *err)
{
    int rc = VG_OK;
    json_t *list = doc, *v;
    size_t i;
    if (json_is_object(doc) && json_is_array(json_object_get(doc, "vulns")))
        list = json_object_get(doc, "vulns");
    if (json_is_array(list)) {
        json_array_foreach(list, i, v)
        {
            rc = vg_match_index_add(ix, v, err);
            if (rc)
                goto out;
        }
    } else {
        rc = vg_match_index_add(ix, doc, err);
    }
out:
    return rc;
}

int vg_match_index_add_buffer(struct vg_match_index *ix, const char *buf, size_t n, size_t *bad,
                              struct vg_err *err)
{
    json_error_t je;
    json_t *doc;
    size_t i = 0, line = 0, nbad = 0;

    doc = json_loadb(buf, n, 0, &je);
    if (doc) {
        if (vg_match_index_add_doc(ix, doc, err) != VG_OK)
            nbad++;
        json_decref(doc);
        goto out;
    }
    while (i < n) {
        size_t e = i;
        const char *nl = memchr(buf + i, '\n', n - i);
        e = nl ? (size_t)(nl - buf) : n;
        line++;
        if (e > i) {
            json_t *d = json_loadb(buf + i, e - i, 0, &je);
            if (d == NULL) {
                nbad++;
                vg_err_set(err, VG_EJSON, "line %zu: %s", line, je.text);
            } else {
                if (json_is_string(json_object_get(d, "id")) ||
                    json_is_array(json_object_get(d, "vulns")))
                    if (vg_match_index_add_doc(ix, d, err) != VG_OK)
                        nbad++;
                json_decref(d);
            }
        }
        i = e + 1;
    }
out:
    if (bad)
        *bad += nbad;
    return VG_OK;
}

struct bkey {
    const unsigned char *k;
    size_t n;
};

static int bkey_cmp(const void *a, const void *b)
{
    const struct bkey *x = a, *y = b;
    return vg_key_cmp(x->k, x->n, y->k, y->n);
}

/* Index of key among the boundaries (exact match required; it is there). */
static uint32_t bfind(const struct ixpkg *p, const unsigned char *k, size_t n)
{
    uint32_t lo = 0, hi = p->nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (vg_key_cmp(p->bk[mid], p->bl[mid], k, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void interval_regions(const struct ixpkg *p, const struct vg_interval *iv, uint32_t *s,
                             uint32_t *e)
{
    if (iv->flags & VG_IV_LO_UNBOUNDED)
        *s = 0;
    else {
        uint32_t j = bfind(p, iv->lo, iv->lolen);
        *s = (iv->flags & VG_IV_LO_INCL) ? 2 * j + 1 : 2 * j + 2;
    }
    if (iv->flags & VG_IV_HI_UNBOUNDED)
        *e = 2 * p->nb;
    else {
        uint32_t k = bfind(p, iv->hi, iv->hilen);
        *e = (iv->flags & VG_IV_HI_INCL) ? 2 * k + 1 : 2 * k;
    }
}

static void build_pkg(struct vg_match_index *ix, struct ixpkg *p)
{
    struct vg_arena *a = ix->a;
    size_t nkeys = 0, nint = 0, total = 0, nregions;
    struct bkey *keys;
    uint32_t *cnt, nb = 0, nodd = 0;

    p->affs = vg_arena_alloc(a, p->naff * sizeof(uint32_t));
    {
        uint32_t k = 0;
        for (uint32_t x = p->head; x; x = ix->aff[x - 1].next)
            p->affs[k++] = x - 1;
    }
    p->key_eco = ix->aff[p->affs[0]].r.eco;
    for (uint32_t k = 0; k < p->naff; k++) {
        const struct ixaff *x = &ix->aff[p->affs[k]];
        if (vg_eco_scheme(x->r.eco) != vg_eco_scheme(p->key_eco)) {
            nodd++;
            continue;
        }
        nint += x->r.n;
        for (size_t i = 0; i < x->r.n; i++)
            if (x->r.iv[i].flags & VG_IV_NO_PRERELEASE)
                p->verify = 1;
    }
    if (nodd) {
        p->odd = vg_arena_alloc(a, nodd * sizeof(uint32_t));
        for (uint32_t k = 0; k < p->naff; k++)
            if (vg_eco_scheme(ix->aff[p->affs[k]].r.eco) != vg_eco_scheme(p->key_eco))
                p->odd[p->nodd++] = p->affs[k];
    }
    keys = vg_xmalloc((2 * nint + 1) * sizeof(*keys));
    for (uint32_t k = 0; k < p->naff; k++) {
        const struct ixaff *x = &ix->aff[p->affs[k]];
        if (vg_eco_scheme(x->r.eco) != vg_eco_scheme(p->key_eco))
            continue;
        for (size_t i = 0; i < x->r.n; i++) {
            const struct vg_interval *iv = &x->r.iv[i];
            if (!(iv->flags & VG_IV_LO_UNBOUNDED))
                keys[nkeys++] = (struct bkey){iv->lo, iv->lolen};
            if (!(iv->flags & VG_IV_HI_UNBOUNDED))
                keys[nkeys++] = (struct bkey){iv->hi, iv->hilen};
        }
    }
    qsort(keys, nkeys, sizeof(*keys), bkey_cmp);
    for (size_t i = 0; i < nkeys; i++)
        if (nb == 0 || vg_key_cmp(keys[nb - 1].k, keys[nb - 1].n, keys[i].k, keys[i].n) != 0)
            keys[nb++] = keys[i];
    p->nb = nb;
    p->bk = vg_arena_alloc(a, (nb + 1) * sizeof(*p->bk));
    p->bl = vg_arena_alloc(a, (nb + 1) * sizeof(*p->bl));
    p->bpre = vg_arena_alloc(a, (nb + 1) * sizeof(*p->bpre));
    for (uint32_t i = 0; i < nb; i++) {
        p->bk[i] = keys[i].k;
        p->bl[i] = (uint32_t)keys[i].n;
        p->bpre[i] = key_prefix(keys[i].k, keys[i].n);
    }
    free(keys);

    nregions = 2 * (size_t)nb + 1;
    cnt = vg_xcalloc(nregions + 1, sizeof(*cnt));
    /* pass 1: sizes (difference array), with the fan-out cap */
    {
        int32_t *diff = vg_xcalloc(nregions + 1, sizeof(*diff));
        for (uint32_t k = 0; k < p->naff; k++) {
            const struct ixaff *x = &ix->aff[p->affs[k]];
            if (vg_eco_scheme(x->r.eco) != vg_eco_scheme(p->key_eco))
                continue;
            for (size_t i = 0; i < x->r.n; i++) {
                uint32_t s, e;
                interval_regions(p, &x->r.iv[i], &s, &e);
                if (s > e)
                    continue;
                diff[s]++;
                diff[e + 1]--;
            }
        }
        int32_t run = 0;
        for (size_t r = 0; r < nregions; r++) {
            run += diff[r];
            cnt[r] = (uint32_t)run;
            total += (size_t)run;
        }
        free(diff);
    }
    if (total > (size_t)REGION_FANOUT * (nint + 1)) {
        p->linear = 1;
        free(cnt);
        return;
    }
    p->roff = vg_arena_alloc(a, (nregions + 1) * sizeof(uint32_t));
    p->rids = vg_arena_alloc(a, (total + 1) * sizeof(uint32_t));
    p->roff[0] = 0;
    for (size_t r = 0; r < nregions; r++)
        p->roff[r + 1] = p->roff[r] + cnt[r];
    /* pass 2: fill, entry by entry so that each list stays ascending */
    memset(cnt, 0, (nregions + 1) * sizeof(*cnt));
    for (uint32_t k = 0; k < p->naff; k++) {
        const struct ixaff *x = &ix->aff[p->affs[k]];
        if (vg_eco_scheme(x->r.eco) != vg_eco_scheme(p->key_eco))
            continue;
        for (size_t i = 0; i < x->r.n; i++) {
            uint32_t s, e;
            interval_regions(p, &x->r.iv[i], &s, &e);
            for (uint32_t r = s; r <= e && s <= e; r++)
                p->rids[p->roff[r] + cnt[r]++] = p->affs[k];
        }
    }
    free(cnt);
}

int vg_match_index_finish(struct vg_match_index *ix, struct vg_err *err)
{
    VG_UNUSED(err);
    if (ix->finished)
        return VG_OK;
    for (size_t i = 0; i < ix->npkg; i++)
        build_pkg(ix, &ix->pkg[i]);
    ix->finished = 1;
    return VG_OK;
}

/* Region of key: 2i+1 when it equals boundary i, else 2i where i is the
 * number of boundaries below it. */
static uint32_t region_of(const struct ixpkg *p, const unsigned char *k, size_t n)
{
    uint64_t kp = key_prefix(k, n);
    uint32_t lo = 0, hi = p->nb;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = p->bpre[mid] < kp ? -1 : p->bpre[mid] > kp ? 1 : vg_key_cmp(p->bk[mid], p->bl[mid], k, n);
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return 2 * mid + 1;
    }
    return 2 * lo;
}

static void add_hit(const struct vg_match_index *ix, uint32_t affno, struct vg_match_hit *hits,
                    size_t cap, size_t *n)
{
    uint32_t adv = ix->aff[affno].adv;
    size_t m = *n < cap ? *n : cap;
    for (size_t i = 0; i < m; i++)
        if (hits[i].adv == adv)
            return;
    if (*n < cap) {
        hits[*n].adv = adv;
        hits[*n].aff = affno;
    }
    (*n)++;
}

int vg_match_query(const struct vg_match_index *ix, int eco, const char *name, size_t nlen,
                   const char *version, size_t vlen, struct vg_match_hit *hits, size_t cap,
                   size_t *n, struct vg_err *err)
{
    int rc = VG_OK;
    char norm[VG_MATCH_NAME_MAX];
    unsigned char key[VG_VERSION_KEY_MAX];
    size_t nl, kl;
    const struct ixpkg *p;

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
    p = find_pkg(ix, eco, norm, nl, vg__match_hash(eco, norm, nl));
    if (p == NULL)
        goto out;
    rc = vg_version_key_buf(p->key_eco, version, vlen, key, sizeof(key), &kl, err);
    if (rc)
        goto out;
    if (p->linear) {
        for (uint32_t k = 0; k < p->naff; k++) {
            const struct ixaff *x = &ix->aff[p->affs[k]];
            if (vg_eco_scheme(x->r.eco) == vg_eco_scheme(p->key_eco) &&
                vg_ranges_contain(&x->r, key, kl))
                add_hit(ix, p->affs[k], hits, cap, n);
        }
    } else {
        uint32_t r = region_of(p, key, kl);
        for (uint32_t i = p->roff[r]; i < p->roff[r + 1]; i++) {
            uint32_t affno = p->rids[i];
            if (p->verify && !vg_ranges_contain(&ix->aff[affno].r, key, kl))
                continue;
            add_hit(ix, affno, hits, cap, n);
        }
    }
    for (uint32_t k = 0; k < p->nodd; k++) {
        int inside = 0;
        struct vg_err e = {0};
        if (vg_ranges_contain_version(&ix->aff[p->odd[k]].r, version, vlen, &inside, &e) ==
                VG_OK &&
            inside)
            add_hit(ix, p->odd[k], hits, cap, n);
    }
out:
    return rc;
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
                ix->capaff * sizeof(*ix->aff) + ix->cappkg * sizeof(*ix->pkg) +
                ix->nslots * sizeof(*ix->slots);
    st->bytes_per_advisory = ix->nadv ? (double)st->bytes / (double)ix->nadv : 0.0;
    st->first_skip = ix->first_skip[0] ? ix->first_skip : NULL;
}

size_t vg_match_index_count(const struct vg_match_index *ix)
{
    return ix->nadv + ix->withdrawn;
}
