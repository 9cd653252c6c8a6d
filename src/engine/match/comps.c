/* Reverse index: registered components grouped by (ecosystem, name) and
 * sorted by version key, so that an advisory finds what it affects by binary
 * search. Not for: the forward (advisory) index, see index.c. */
#include "engine/match/match.h"
#include "engine/match/match_int.h"

#include "core/util.h"

#include "engine/version/range.h"
#include "engine/version/version.h"

#include <stdlib.h>
#include <string.h>

struct centry {
    uint64_t pre; /* big-endian 8-byte prefix of the key */
    const unsigned char *k;
    uint32_t kl;
    const char *version;
    uint64_t id;
};

struct cgroup {
    uint64_t hash;
    const char *name;
    uint32_t nlen;
    int eco;
    size_t n, cap;
    struct centry *e;
};

struct vg_match_comps {
    struct vg_arena *a;
    struct cgroup *g;
    size_t ng, capg;
    uint32_t *slots;
    size_t nslots;
    size_t ncomp;
    int finished;
};

struct vg_match_comps *vg_match_comps_new(void)
{
    struct vg_match_comps *c = vg_xcalloc(1, sizeof(*c));
    c->a = vg_arena_new(1u << 18);
    c->nslots = 256;
    c->slots = vg_xcalloc(c->nslots, sizeof(*c->slots));
    return c;
}

void vg_match_comps_free(struct vg_match_comps *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ng; i++)
        free(c->g[i].e);
    free(c->g);
    free(c->slots);
    vg_arena_free(c->a);
    free(c);
}

static uint64_t prefix8(const unsigned char *k, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = (v << 8) | (i < n ? k[i] : 0);
    return v;
}

static const struct cgroup *find_group(const struct vg_match_comps *c, int eco, const char *name,
                                       size_t n, uint64_t h)
{
    size_t mask = c->nslots - 1, j = h & mask;
    for (;;) {
        uint32_t p = c->slots[j];
        if (p == 0)
            return NULL;
        const struct cgroup *g = &c->g[p - 1];
        if (g->hash == h && g->eco == eco && g->nlen == n && memcmp(g->name, name, n) == 0)
            return g;
        j = (j + 1) & mask;
    }
}

static void grow(struct vg_match_comps *c)
{
    size_t ns = c->nslots * 2;
    uint32_t *s = vg_xcalloc(ns, sizeof(*s));
    for (size_t i = 0; i < c->nslots; i++)
        if (c->slots[i]) {
            size_t j = c->g[c->slots[i] - 1].hash & (ns - 1);
            while (s[j])
                j = (j + 1) & (ns - 1);
            s[j] = c->slots[i];
        }
    free(c->slots);
    c->slots = s;
    c->nslots = ns;
}

int vg_match_comps_add(struct vg_match_comps *c, int eco, const char *name, size_t nlen,
                       const char *version, size_t vlen, uint64_t id, struct vg_err *err)
{
    int rc = VG_OK;
    char norm[VG_MATCH_NAME_MAX];
    size_t nl;
    const unsigned char *key;
    size_t kl;
    uint64_t h;
    struct cgroup *g;
    const struct cgroup *cg;

    if (c->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: component index already finished");
        goto out;
    }
    rc = vg_match_norm_name(eco, name, nlen, norm, sizeof(norm), &nl);
    if (rc) {
        rc = vg_err_set(err, rc, "package name longer than %d bytes", VG_MATCH_NAME_MAX);
        goto out;
    }
    rc = vg_version_key(eco, version, vlen, c->a, &key, &kl, err);
    if (rc)
        goto out;
    h = vg__match_hash(eco, norm, nl);
    cg = find_group(c, eco, norm, nl, h);
    if (cg) {
        g = &c->g[cg - c->g];
    } else {
        size_t j;
        if ((c->ng + 1) * 2 > c->nslots)
            grow(c);
        if (c->ng == c->capg) {
            c->capg = c->capg ? c->capg * 2 : 64;
            c->g = vg_xrealloc(c->g, c->capg * sizeof(*c->g));
        }
        g = &c->g[c->ng];
        memset(g, 0, sizeof(*g));
        g->hash = h;
        g->name = vg_arena_strndup(c->a, norm, nl);
        g->nlen = (uint32_t)nl;
        g->eco = eco;
        j = h & (c->nslots - 1);
        while (c->slots[j])
            j = (j + 1) & (c->nslots - 1);
        c->slots[j] = (uint32_t)++c->ng;
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        g->e = vg_xrealloc(g->e, g->cap * sizeof(*g->e));
    }
    g->e[g->n].k = key;
    g->e[g->n].kl = (uint32_t)kl;
    g->e[g->n].pre = prefix8(key, kl);
    g->e[g->n].version = vg_arena_strndup(c->a, version, vlen);
    g->e[g->n].id = id;
    g->n++;
    c->ncomp++;
out:
    return rc;
}

static int centry_cmp(const void *a, const void *b)
{
    const struct centry *x = a, *y = b;
    int r = vg_key_cmp(x->k, x->kl, y->k, y->kl);
    if (r)
        return r;
    return x->id < y->id ? -1 : x->id > y->id;
}

int vg_match_comps_finish(struct vg_match_comps *c, struct vg_err *err)
{
    VG_UNUSED(err);
    for (size_t i = 0; i < c->ng; i++)
        qsort(c->g[i].e, c->g[i].n, sizeof(struct centry), centry_cmp);
    c->finished = 1;
    return VG_OK;
}

/* First entry whose key is >= k (incl) or > k (!incl). */
static size_t lower(const struct cgroup *g, const unsigned char *k, size_t kl, int incl)
{
    size_t lo = 0, hi = g->n;
    uint64_t kp = prefix8(k, kl);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct centry *e = &g->e[mid];
        int r = e->pre < kp ? -1 : e->pre > kp ? 1 : vg_key_cmp(e->k, e->kl, k, kl);
        if (r < 0 || (r == 0 && !incl))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct idvec {
    uint64_t *v;
    size_t n, cap;
};

static void push_id(struct idvec *v, uint64_t id)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->v = vg_xrealloc(v->v, v->cap * sizeof(*v->v));
    }
    v->v[v->n++] = id;
}

static int id_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int vg_match_comps_affected(const struct vg_match_comps *c, json_t *osv, struct vg_arena *a,
                            uint64_t **ids, size_t *n, struct vg_err *err)
{
    int rc = VG_OK;
    struct idvec v = {NULL, 0, 0};
    json_t *affected, *aff, *w;
    size_t i;

    *ids = NULL;
    *n = 0;
    if (!c->finished) {
        rc = vg_err_set(err, VG_EINVAL, "match: component index not finished");
        goto out;
    }
    w = json_object_get(osv, "withdrawn");
    if (json_is_string(w) && json_string_length(w) > 0)
        goto out;
    affected = json_object_get(osv, "affected");
    json_array_foreach(affected, i, aff)
    {
        json_t *pkg = json_object_get(aff, "package");
        const char *eco_s = json_string_value(json_object_get(pkg, "ecosystem"));
        const char *name = json_string_value(json_object_get(pkg, "name"));
        char norm[VG_MATCH_NAME_MAX];
        size_t nl;
        int eco;
        const struct cgroup *g;
        struct vg_ranges r;
        struct vg_err e = {0};

        if (eco_s == NULL || name == NULL || (eco = vg_eco_parse(eco_s, strlen(eco_s))) < 0 ||
            vg_match_norm_name(eco, name, strlen(name), norm, sizeof(norm), &nl) != VG_OK)
            continue;
        g = find_group(c, eco, norm, nl, vg__match_hash(eco, norm, nl));
        if (g == NULL || g->n == 0)
            continue;
        if (vg_ranges_from_osv(aff, eco, a, &r, &e) != VG_OK)
            continue;
        if (vg_eco_scheme(r.eco) != vg_eco_scheme(eco)) {
            /* keys of another scheme: test each component by its version */
            for (size_t j = 0; j < g->n; j++) {
                int inside = 0;
                struct vg_err e2 = {0};
                if (vg_ranges_contain_version(&r, g->e[j].version, strlen(g->e[j].version),
                                              &inside, &e2) == VG_OK &&
                    inside)
                    push_id(&v, g->e[j].id);
            }
            continue;
        }
        for (size_t k = 0; k < r.n; k++) {
            const struct vg_interval *iv = &r.iv[k];
            size_t j = (iv->flags & VG_IV_LO_UNBOUNDED)
                           ? 0
                           : lower(g, iv->lo, iv->lolen, (iv->flags & VG_IV_LO_INCL) != 0);
            for (; j < g->n; j++) {
                const struct centry *ce = &g->e[j];
                if (!(iv->flags & VG_IV_HI_UNBOUNDED)) {
                    int cmp = vg_key_cmp(ce->k, ce->kl, iv->hi, iv->hilen);
                    if (cmp > 0 || (cmp == 0 && !(iv->flags & VG_IV_HI_INCL)))
                        break;
                }
                if ((iv->flags & VG_IV_NO_PRERELEASE) &&
                    vg_version_key_is_prerelease(r.eco, ce->k, ce->kl))
                    continue;
                push_id(&v, ce->id);
            }
        }
    }
    if (v.n) {
        size_t m = 0;
        qsort(v.v, v.n, sizeof(*v.v), id_cmp);
        for (size_t j = 0; j < v.n; j++)
            if (m == 0 || v.v[m - 1] != v.v[j])
                v.v[m++] = v.v[j];
        *ids = vg_arena_memdup(a, v.v, m * sizeof(*v.v));
        *n = m;
    }
out:
    free(v.v);
    return rc;
}

void vg_match_comps_stats(const struct vg_match_comps *c, size_t *components, size_t *bytes)
{
    size_t b = sizeof(*c) + vg_arena_used(c->a) + c->capg * sizeof(*c->g) +
               c->nslots * sizeof(*c->slots);
    for (size_t i = 0; i < c->ng; i++)
        b += c->g[i].cap * sizeof(struct centry);
    *components = c->ncomp;
    *bytes = b;
}
