/* The knowledge base: OSV-compatible records (imported by vulns_import.c),
 * scored (CVSS, national grade), searchable, and served in the OSV API's
 * shapes. An in-memory match index answers version queries; it is rebuilt
 * from the store after each import and swapped in under a rwlock.
 * Not for: imports (vulns_import.c), matching SBOMs of units (exposure). */
#include "service/service_int.h"
#include "service/vulns_int.h"
#include "service/indicators.h"
#include "core/buf.h"
#include "core/jscan.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "engine/cvss/grade.h"
#include "engine/match/match.h"
#include "engine/osv/osv.h"
#include "engine/purl/purl.h"
#include "engine/version/version.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a query needs of a record besides its ranges, so that id-only
 * answers never read the records: an open-addressing table by id (for the
 * ids a query without a version gets from the package table) and, for the
 * match index's hits, the same facts by advisory number. */
struct kb_meta {
    char *id; /* NULL: empty slot */
    int64_t modified;
    int public, withdrawn;
};

struct kb_metas {
    struct kb_meta *slot;
    size_t cap, n;
};

struct kb_adv {
    int64_t modified;
    unsigned char public, withdrawn;
};

struct vg_kb {
    pthread_rwlock_t lock;
    pthread_mutex_t rebuild;    /* one rebuild at a time */
    int dirty;                  /* the store changed since the last build */
    struct vg_match_index *ix;  /* NULL until the first build */
    struct vg_match_stats stats;
    struct kb_metas meta;       /* swapped together with ix */
    struct kb_adv *adv;         /* by advisory number of ix; swapped with it */
};

static void metas_put(struct kb_metas *m, const char *id, int64_t modified, int public,
                      int withdrawn)
{
    if (2 * (m->n + 1) > m->cap) {
        struct kb_metas g = {.cap = m->cap ? 2 * m->cap : 1024};
        g.slot = vg_xcalloc(g.cap, sizeof(*g.slot));
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i].id) {
                size_t h = vg__kb_id_hash(m->slot[i].id) & (g.cap - 1);
                while (g.slot[h].id)
                    h = (h + 1) & (g.cap - 1);
                g.slot[h] = m->slot[i];
                g.n++;
            }
        free(m->slot);
        *m = g;
    }
    size_t h = vg__kb_id_hash(id) & (m->cap - 1);
    while (m->slot[h].id && strcmp(m->slot[h].id, id) != 0)
        h = (h + 1) & (m->cap - 1);
    if (m->slot[h].id == NULL) {
        m->slot[h].id = vg_xstrdup(id);
        m->n++;
    }
    m->slot[h].modified = modified;
    m->slot[h].public = public;
    m->slot[h].withdrawn = withdrawn;
}

static const struct kb_meta *metas_get(const struct kb_metas *m, const char *id)
{
    if (m->cap == 0)
        return NULL;
    size_t h = vg__kb_id_hash(id) & (m->cap - 1);
    while (m->slot[h].id) {
        if (strcmp(m->slot[h].id, id) == 0)
            return &m->slot[h];
        h = (h + 1) & (m->cap - 1);
    }
    return NULL;
}

static void metas_free(struct kb_metas *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slot[i].id);
    free(m->slot);
    m->slot = NULL;
    m->cap = m->n = 0;
}

struct vg_kb *vg_kb_new(void)
{
    struct vg_kb *kb = vg_xcalloc(1, sizeof(*kb));
    pthread_rwlock_init(&kb->lock, NULL);
    pthread_mutex_init(&kb->rebuild, NULL);
    return kb;
}

void vg_kb_free(struct vg_kb *kb)
{
    if (kb == NULL)
        return;
    vg_match_index_free(kb->ix);
    metas_free(&kb->meta);
    free(kb->adv);
    pthread_rwlock_destroy(&kb->lock);
    pthread_mutex_destroy(&kb->rebuild);
    free(kb);
}

void vg_kb_mark(struct vg_server *srv)
{
    pthread_rwlock_wrlock(&srv->kb->lock);
    srv->kb->dirty = 1;
    pthread_rwlock_unlock(&srv->kb->lock);
}

/* Imports arrive in batches: the index is rebuilt once, by the first reader
 * after a change, not after every batch. */
int vg_kb_ensure(struct vg_server *srv, struct vg_err *err)
{
    pthread_rwlock_rdlock(&srv->kb->lock);
    int dirty = srv->kb->dirty;
    pthread_rwlock_unlock(&srv->kb->lock);
    return dirty ? vg_kb_rebuild(srv, err) : VG_OK;
}

const struct vg_match_index *vg__kb_acquire(struct vg_server *srv)
{
    struct vg_err e = {0};
    if (vg_kb_ensure(srv, &e) != VG_OK)
        VG_LOG(VG_LOG_ERROR, "event=kb_rebuild_failed msg=\"%s\"", e.msg);
    pthread_rwlock_rdlock(&srv->kb->lock);
    return srv->kb->ix;
}

void vg__kb_release(struct vg_server *srv)
{
    pthread_rwlock_unlock(&srv->kb->lock);
}

int vg_kb_rebuild(struct vg_server *srv, struct vg_err *err)
{
    struct vg_kb *kb = srv->kb;
    struct vg_match_index *ix = vg_match_index_new(), *old;
    struct kb_metas meta = {0}, oldmeta;
    struct kb_adv *adv = NULL, *oldadv;
    struct vg_arena *a = vg_arena_new(1 << 20);
    struct vg_store *st;
    int64_t after = 0;
    int rc = VG_OK;
    pthread_mutex_lock(&kb->rebuild);
    /* whatever is stored from here on is in this build */
    pthread_rwlock_wrlock(&kb->lock);
    kb->dirty = 0;
    pthread_rwlock_unlock(&kb->lock);
    st = vg_pool_get(srv->pool);
    for (;;) {
        struct vg_vuln *vs;
        size_t n, bad = 0;
        vg_arena_reset(a);
        if ((rc = st->ops->vuln_scan(st, after, 2000, a, &vs, &n, err)) || n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            struct vg_err e = {0};
            vg_match_index_add_buffer(ix, vs[i].doc, strlen(vs[i].doc), &bad, &e);
            metas_put(&meta, vs[i].id, vs[i].modified, vs[i].public, vs[i].withdrawn != 0);
        }
        after = vs[n - 1].rid;
    }
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK)
        rc = vg_match_index_finish(ix, err);
    if (rc == VG_OK) {
        struct vg_match_stats s;
        vg_match_index_stats(ix, &s);
        adv = vg_xcalloc(s.advisories + 1, sizeof(*adv));
        for (size_t i = 0; i < s.advisories; i++) {
            const struct kb_meta *me = metas_get(&meta, vg_match_advisory(ix, (uint32_t)i)->id);
            adv[i] = me ? (struct kb_adv){me->modified, (unsigned char)me->public,
                                          (unsigned char)me->withdrawn}
                        : (struct kb_adv){.withdrawn = 1};
        }
        pthread_rwlock_wrlock(&kb->lock);
        old = kb->ix;
        kb->ix = ix;
        oldmeta = kb->meta;
        kb->meta = meta;
        oldadv = kb->adv;
        kb->adv = adv;
        kb->stats = s;
        pthread_rwlock_unlock(&kb->lock);
        vg_match_index_free(old);
        metas_free(&oldmeta);
        free(oldadv);
        VG_LOG(VG_LOG_INFO, "event=kb_index_built advisories=%zu packages=%zu bytes=%zu",
               kb->stats.advisories, kb->stats.packages, kb->stats.bytes);
    } else {
        vg_match_index_free(ix);
        metas_free(&meta);
        pthread_rwlock_wrlock(&kb->lock);
        kb->dirty = 1;
        pthread_rwlock_unlock(&kb->lock);
    }
    pthread_mutex_unlock(&kb->rebuild);
    vg_arena_free(a);
    return rc;
}

/* ---- record helpers ---- */

/* The platform's view of a record: scores, grade, KEV status. */
static json_t *vigil_part(struct vg_store *st, const struct vg_vuln *v, json_t *rec,
                          struct vg_arena *a)
{
    int best;
    json_t *scored, *kev = json_null(), *x;
    size_t i;
    struct vg_kev k;
    struct vg_err e = {0};
    vg_osv_score(rec, &best, &scored);
    /* Known exploited when the id or an alias is in the KEV catalogue. */
    if (strncmp(v->id, "CVE-", 4) == 0 && st->ops->kev_get(st, v->id, a, &k, &e) == VG_OK)
        kev = json_pack("{s:s, s:s, s:s?}", "cve", k.cve_id, "date_added", k.date_added,
                        "due_date", k.due_date);
    json_array_foreach(json_object_get(rec, "aliases"), i, x) {
        if (!json_is_null(kev))
            break;
        const char *al = json_string_value(x);
        vg_err_clear(&e);
        if (al && st->ops->kev_get(st, al, a, &k, &e) == VG_OK)
            kev = json_pack("{s:s, s:s, s:s?}", "cve", k.cve_id, "date_added", k.date_added,
                            "due_date", k.due_date);
    }
    enum vg_grade g = vg_grade_from_score(best < 0 ? 0 : best);
    return json_pack("{s:s, s:b, s:o, s:s?, s:s?, s:o, s:b, s:o, s:b, s:o}", "source", v->source,
                     "public", v->public, "score", best < 0 ? json_null() : json_real(best / 10.0),
                     "national_grade", best < 0 ? NULL : vg_grade_name(g), "national_grade_zh",
                     best < 0 ? NULL : vg_grade_name_zh(g), "cvss", scored, "known_exploited",
                     !json_is_null(kev), "kev", kev, "withdrawn", v->withdrawn != 0, "updated_at",
                     vg__time_json(v->updated_at));
}

/* A stored record for output: OSV-shaped, with the platform's part either
 * beside it ("vigil") or inside database_specific (the OSV API's place for
 * database extensions). */
static json_t *render(struct vg_store *st, const struct vg_vuln *v, int osv_api, struct vg_arena *a)
{
    json_t *rec = json_loads(v->doc, 0, NULL);
    if (rec == NULL)
        return json_pack("{s:s}", "id", v->id);
    json_t *vp = vigil_part(st, v, rec, a);
    if (osv_api) {
        json_t *ds = json_object_get(rec, "database_specific");
        if (!json_is_object(ds)) {
            ds = json_object();
            json_object_set_new(rec, "database_specific", ds);
        }
        json_object_set_new(ds, "vigil", vp);
    } else {
        json_object_set_new(rec, "vigil", vp);
    }
    return rec;
}

/* ---- reading ---- */

/* The record with id, or the one whose alias id is (the lowest id when
 * several are). */
static int find(struct vg_store *st, const char *id, struct vg_arena *a, struct vg_vuln *v,
                struct vg_err *err)
{
    int rc = st->ops->vuln_get(st, id, a, v, err);
    if (rc != VG_ENOTFOUND)
        return rc;
    vg_err_clear(err);
    const char **ids;
    size_t n;
    if ((rc = st->ops->vuln_by_alias(st, vg__kb_upper(a, id), a, &ids, &n, err)))
        return rc;
    if (n == 0)
        return vg_err_set(err, VG_ENOTFOUND, "vulnerability %s not found", id);
    return st->ops->vuln_get(st, ids[0], a, v, err);
}

int vg_svc_vuln_get(struct vg_server *srv, const struct vg_actor *who, const char *id,
                    int osv_api, json_t **out, struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_vuln v;
    int rc = find(st, id, a, &v, err);
    if (rc == VG_OK && !v.public && !vg__staff(who))
        rc = vg_err_set(err, VG_ENOTFOUND, "vulnerability %s not found", id);
    if (rc == VG_OK)
        *out = render(st, &v, osv_api, a);
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    return rc;
}

int vg_svc_vuln_list(struct vg_server *srv, const struct vg_actor *who,
                     const struct vg_vuln_filter *f0, struct vg_page pg, json_t **out,
                     struct vg_err *err)
{
    struct vg_vuln_filter f = *f0;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_vuln *vs;
    size_t n;
    char norm[VG_MATCH_NAME_MAX];
    size_t nl;
    f.include_private = vg__staff(who);
    if (f.ecosystem && f.package) {
        int e = vg_eco_parse(f.ecosystem, strlen(f.ecosystem));
        if (e >= 0 && vg_match_norm_name(e, f.package, strlen(f.package), norm, sizeof(norm) - 1,
                                         &nl) == VG_OK) {
            norm[nl] = '\0';
            f.package = norm;
        }
    }
    int rc = st->ops->vuln_list(st, &f, pg.after, pg.limit, a, &vs, &n, err);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, render(st, &vs[i], 0, a));
        *out = vg__page_json(items, n, pg.limit, n ? vs[n - 1].rid : 0);
    }
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    return rc;
}

/* ---- the OSV API ---- */

/* Where a query's error points: "package.purl", or "queries[3].package.purl"
 * in a batch (i >= 0). Built only when there is an error to report. */
static const char *qfield(char *buf, size_t n, long i, const char *suffix)
{
    if (i < 0)
        snprintf(buf, n, "%s", suffix);
    else
        snprintf(buf, n, "queries[%ld]%s%s", i, *suffix ? "." : "", suffix);
    return buf;
}

struct osv_target {
    int eco;              /* -1: unknown ecosystem or a commit query */
    const char *eco_name; /* NULL for a commit query */
    const char *name, *version;
};

/* The first member of o not in allowed is VG_EUNKNOWN naming it under the
 * query's path (built only then: a batch checks 2000 objects). */
static int known_keys(const struct vg_jval *o, const char *const *allowed, long i,
                      const char *at, struct vg_err *err)
{
    struct vg_err e = {0};
    char p[64];
    if (vg_jonly(o, allowed, NULL, &e) == VG_OK)
        return VG_OK;
    qfield(p, sizeof(p), i, at);
    return vg_jonly(o, allowed, p, err);
}

/* Resolves query i (-1: a single query) to (ecosystem, name, version);
 * strings stay in the request's document. */
static int query_target(const struct vg_jval *q, long i, struct vg_arena *a,
                        struct osv_target *t, struct vg_err *err)
{
    static const char *const keys[] = {"package", "version", "commit", "page_token", NULL};
    static const char *const pkeys[] = {"ecosystem", "name", "purl", NULL};
    char p[64];
    struct vg_err e = {0};
    const struct vg_jval *pkg = vg_jget(q, "package"), *ver = vg_jget(q, "version");
    int rc;
    memset(t, 0, sizeof(*t));
    t->eco = -1;
    if (!vg_jis(q, VG_JOBJ))
        return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), i, ""), "%s: must be an object",
                            p);
    if ((rc = known_keys(q, keys, i, "", err)))
        return rc;
    if (ver && !vg_jis(ver, VG_JSTR))
        return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), i, "version"),
                            "%s: must be a string", p);
    t->version = vg_jstr(ver);
    if (pkg == NULL)
        return VG_OK; /* a commit query */
    if (!vg_jis(pkg, VG_JOBJ))
        return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), i, "package"),
                            "%s: must be an object", p);
    if ((rc = known_keys(pkg, pkeys, i, "package", err)))
        return rc;
    const struct vg_jval *purl = vg_jget(pkg, "purl");
    if (vg_jis(purl, VG_JSTR)) {
        struct vg_purl pu;
        const char *pv = NULL;
        if (vg_purl_parse(purl->u.s, purl->n, a, &pu, &e) != VG_OK ||
            vg_match_purl_pkg(&pu, a, &t->eco, &t->name, &pv, &e) != VG_OK)
            return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), i, "package.purl"),
                                "%s: %s", p, e.msg);
        if (pv && t->version)
            return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), i, "package.purl"),
                                "%s: give the version in the purl or in version, not both", p);
        if (pv)
            t->version = pv;
        t->eco_name = vg_eco_name(t->eco);
        return VG_OK;
    }
    const struct vg_jval *en = vg_jget(pkg, "ecosystem"), *n = vg_jget(pkg, "name");
    if (!vg_jis(en, VG_JSTR) || !vg_jis(n, VG_JSTR))
        return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), i, "package"),
                            "%s: {ecosystem, name} or {purl}", p);
    t->eco = vg_eco_parse(en->u.s, en->n);
    t->eco_name = en->u.s;
    t->name = n->u.s;
    return VG_OK;
}

struct osv_hit {
    const char *id; /* owned by the index or a; valid while the kb read lock is held */
    int64_t modified;
};

/* The hits a caller may see, with their facts (kb read lock held). */
static size_t keep_hits(const struct vg_kb *kb, const struct vg_match_index *ix, int all,
                        const struct vg_match_hit *hits, size_t nh, struct osv_hit *out)
{
    size_t k = 0;
    for (size_t i = 0; i < nh; i++) {
        const struct kb_adv *m = &kb->adv[hits[i].adv];
        if (!m->withdrawn && (m->public || all))
            out[k++] = (struct osv_hit){vg_match_advisory(ix, hits[i].adv)->id, m->modified};
    }
    return k;
}

/* The public (or, for staff, all) non-withdrawn records affecting t, with
 * their modified time, from memory: a version query is answered by the match
 * index and the per-advisory facts beside it; only a query without a version
 * (every record of a package) reads the package table. The caller holds the
 * kb read lock (ix may be NULL before the first build). */
static int target_hits(struct vg_server *srv, const struct vg_match_index *ix, int all,
                       const struct osv_target *t, long qi, struct vg_arena *a,
                       struct osv_hit **out, size_t *n, struct vg_err *err)
{
    struct vg_kb *kb = srv->kb;
    size_t k = 0;
    int rc = VG_OK;
    *out = NULL;
    *n = 0;
    if (t->name == NULL || t->eco < 0)
        return VG_OK; /* unknown ecosystem or commit query: nothing indexed */
    if (t->version == NULL) {
        char norm[VG_MATCH_NAME_MAX];
        size_t nl = 0, nids = 0;
        const char *name = t->name, *base = t->eco_name, *colon = strchr(t->eco_name, ':'),
                   **ids;
        if (vg_match_norm_name(t->eco, name, strlen(name), norm, sizeof(norm) - 1, &nl) == VG_OK) {
            norm[nl] = '\0';
            name = norm;
        }
        if (colon)
            base = vg_arena_strndup(a, t->eco_name, (size_t)(colon - t->eco_name));
        struct vg_store *st = vg_pool_get(srv->pool);
        rc = st->ops->vuln_ids_for_package(st, base, name, a, &ids, &nids, err);
        vg_pool_put(srv->pool, st);
        if (rc)
            return rc;
        struct osv_hit *h = vg_arena_alloc(a, (nids + 1) * sizeof(*h));
        for (size_t i = 0; i < nids; i++) {
            const struct kb_meta *me = metas_get(&kb->meta, ids[i]);
            if (me && !me->withdrawn && (me->public || all))
                h[k++] = (struct osv_hit){ids[i], me->modified};
        }
        *out = h;
        *n = k;
        return VG_OK;
    }
    if (ix == NULL)
        return VG_OK;
    struct vg_match_hit buf[64], *hits = buf;
    size_t nh = 0;
    rc = vg_match_query(ix, t->eco, t->name, strlen(t->name), t->version, strlen(t->version),
                        hits, VG_ARRAY_LEN(buf), &nh, err);
    if (rc == VG_OK && nh > VG_ARRAY_LEN(buf)) {
        hits = vg_arena_alloc(a, nh * sizeof(*hits));
        rc = vg_match_query(ix, t->eco, t->name, strlen(t->name), t->version,
                            strlen(t->version), hits, nh, &nh, err);
    }
    if (rc == VG_EINVAL) {
        char p[64];
        vg_err_clear(err);
        return vg_err_field(err, VG_EINVAL, qfield(p, sizeof(p), qi, "version"),
                            "%s: '%s' is not a %s version", p, t->version, t->eco_name);
    }
    if (rc)
        return rc;
    *out = vg_arena_alloc(a, (nh + 1) * sizeof(**out));
    *n = keep_hits(kb, ix, all, hits, nh, *out);
    return VG_OK;
}

int vg_svc_osv_query(struct vg_server *srv, const struct vg_actor *who, const struct vg_jval *q,
                     json_t **out, struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    struct osv_target t;
    struct osv_hit *h = NULL;
    size_t n = 0;
    int rc = query_target(q, -1, a, &t, err);
    if (rc == VG_OK) {
        const struct vg_match_index *ix = vg__kb_acquire(srv);
        rc = target_hits(srv, ix, vg__staff(who), &t, -1, a, &h, &n, err);
        for (size_t i = 0; rc == VG_OK && i < n; i++)
            h[i].id = vg_arena_strdup(a, h[i].id); /* the index may go once released */
        vg__kb_release(srv);
    }
    if (rc == VG_OK) {
        struct vg_store *st = vg_pool_get(srv->pool);
        json_t *j = json_object(), *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            struct vg_vuln v;
            struct vg_err e = {0};
            if (st->ops->vuln_get(st, h[i].id, a, &v, &e) == VG_OK)
                json_array_append_new(arr, render(st, &v, 1, a));
        }
        vg_pool_put(srv->pool, st);
        if (json_array_size(arr))
            json_object_set_new(j, "vulns", arr);
        else
            json_decref(arr);
        *out = j;
    }
    vg_arena_free(a);
    return rc;
}

/* Appends one result object of a batch (literals by their size: a batch
 * writes thousands of hits). */
#define PUT_LIT(b, lit) vg_buf_append((b), (lit), sizeof(lit) - 1)
static void put_result(struct vg_buf *out, int first, const struct osv_hit *h, size_t n)
{
    if (first)
        vg_buf_putc(out, '{');
    else
        PUT_LIT(out, ",{");
    for (size_t k = 0; k < n; k++) {
        char m[32];
        vg_time_format(h[k].modified, m);
        if (k)
            PUT_LIT(out, ",{\"id\":");
        else
            PUT_LIT(out, "\"vulns\":[{\"id\":");
        vg__json_str(out, h[k].id);
        PUT_LIT(out, ",\"modified\":\"");
        vg_buf_puts(out, m);
        if (k + 1 < n)
            PUT_LIT(out, "\"}");
        else
            PUT_LIT(out, "\"}]");
    }
    vg_buf_putc(out, '}');
}

/* Hits per version query kept from the one pass over the index; a query with
 * more is asked again alone. */
#define BATCH_HITS 16

/* Starts fetching the facts of a query's hits (at most BATCH_HITS): the
 * records themselves, or (ids) the id strings they point to. */
static void prefetch_hits(const struct vg_kb *kb, const struct vg_match_index *ix,
                          const struct vg_match_hit *h, size_t n, int ids)
{
    for (size_t j = 0; j < n && j < BATCH_HITS; j++) {
        const struct vg_match_advisory *ad = vg_match_advisory(ix, h[j].adv);
        if (!ids) {
            __builtin_prefetch(&kb->adv[h[j].adv]);
            __builtin_prefetch(ad);
        } else if (ad) {
            __builtin_prefetch(ad->id);
        }
    }
}

/* The queries are resolved first, then matched in one pass over the index
 * under one hold of its lock (vg_match_query_many overlaps their memory
 * fetches), and the answer is written as it is read: ids and modified times
 * come from memory. The first query in error, in order, fails the batch. */
int vg_svc_osv_querybatch(struct vg_server *srv, const struct vg_actor *who,
                          const struct vg_jval *body, struct vg_buf *out, struct vg_err *err)
{
    static const char *const keys[] = {"queries", NULL};
    const struct vg_jval *qs = vg_jget(body, "queries");
    struct vg_err terr = {0};
    size_t i, nq, nv = 0, bad;
    int rc, all = vg__staff(who);
    if ((rc = known_keys(body, keys, -1, "", err)))
        return rc;
    if (!vg_jis(qs, VG_JARR))
        return vg_err_field(err, VG_EMISSING, "queries", "queries: an array of queries");
    if ((nq = qs->n) > 1000)
        return vg_err_field(err, VG_ETOOBIG, "queries", "queries: at most 1000 per batch");
    struct vg_arena *a = vg_arena_new(1 << 18);
    struct osv_target *t = vg_arena_alloc(a, (nq + 1) * sizeof(*t));
    struct vg_match_q *mq = vg_arena_alloc(a, (nq + 1) * sizeof(*mq));
    size_t *slot = vg_arena_alloc(a, (nq + 1) * sizeof(*slot));
    for (bad = 0; bad < nq; bad++) {
        struct osv_target *x = &t[bad];
        if (query_target(&qs->u.a[bad], (long)bad, a, x, &terr))
            break;
        slot[bad] = SIZE_MAX;
        if (x->version && x->name && x->eco >= 0) {
            slot[bad] = nv;
            mq[nv++] = (struct vg_match_q){x->eco, x->name, strlen(x->name), x->version,
                                           strlen(x->version)};
        }
    }
    struct vg_match_hit *hits = vg_arena_alloc(a, (nv * BATCH_HITS + 1) * sizeof(*hits));
    size_t *counts = vg_arena_calloc(a, nv + 1, sizeof(*counts));
    int *rcs = vg_arena_calloc(a, nv + 1, sizeof(*rcs));
    struct osv_hit kept[BATCH_HITS];
    const struct vg_match_index *ix = vg__kb_acquire(srv);
    if (ix && nv)
        vg_match_query_many(ix, mq, nv, hits, BATCH_HITS, counts, rcs);
    vg_buf_puts(out, "{\"results\":[");
    for (i = 0; i < bad && rc == VG_OK; i++) {
        size_t k = slot[i], n;
        struct osv_hit *h;
        /* the hits' facts are scattered in memory: fetch those of the
         * queries ahead while this one is written (their records four
         * queries ahead, the ids those records name two ahead) */
        if (ix && i + 4 < bad && slot[i + 4] != SIZE_MAX && rcs[slot[i + 4]] == VG_OK)
            prefetch_hits(srv->kb, ix, &hits[slot[i + 4] * BATCH_HITS], counts[slot[i + 4]], 0);
        if (ix && i + 2 < bad && slot[i + 2] != SIZE_MAX && rcs[slot[i + 2]] == VG_OK)
            prefetch_hits(srv->kb, ix, &hits[slot[i + 2] * BATCH_HITS], counts[slot[i + 2]], 1);
        if (ix && k != SIZE_MAX && rcs[k] == VG_OK && counts[k] <= BATCH_HITS) {
            n = keep_hits(srv->kb, ix, all, &hits[k * BATCH_HITS], counts[k], kept);
            put_result(out, i == 0, kept, n);
        } else if ((rc = target_hits(srv, ix, all, &t[i], (long)i, a, &h, &n, err)) == VG_OK) {
            put_result(out, i == 0, h, n); /* no version, many hits, or an error to name */
        }
    }
    vg__kb_release(srv);
    vg_arena_free(a);
    if (rc == VG_OK && bad < nq)
        rc = vg_err_field(err, terr.code, terr.field, "%s", terr.msg);
    if (rc == VG_OK)
        vg_buf_puts(out, "]}");
    return rc;
}

int vg_svc_kb_stats(struct vg_server *srv, json_t **out, struct vg_err *err)
{
    struct vg_store *st = vg_pool_get(srv->pool);
    int64_t nv = 0, nk = 0;
    int rc = st->ops->vuln_count(st, &nv, &nk, err);
    vg_pool_put(srv->pool, st);
    if (rc)
        return rc;
    vg__kb_acquire(srv);
    struct vg_match_stats s = srv->kb->stats;
    vg__kb_release(srv);
    *out = json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:f}}", "records", (json_int_t)nv,
                     "kev_entries", (json_int_t)nk, "index", "advisories",
                     (json_int_t)s.advisories, "withdrawn", (json_int_t)s.withdrawn, "packages",
                     (json_int_t)s.packages, "intervals", (json_int_t)s.intervals, "bytes",
                     (json_int_t)s.bytes, "bytes_per_advisory", s.bytes_per_advisory);
    return VG_OK;
}
