/* The knowledge base: OSV-compatible records imported from OSV, CVE JSON 5,
 * NVD API 2.0 and the CISA KEV catalogue (upsert by `modified`, withdrawn
 * kept and flagged), scored (CVSS, national grade), searchable, and served in
 * the OSV API's shapes. An in-memory match index answers version queries; it
 * is rebuilt from the store after each import and swapped in under a rwlock.
 * Not for: matching SBOMs of units (exposure). */
#include "service/service_int.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "engine/cvss/grade.h"
#include "engine/match/match.h"
#include "engine/osv/osv.h"
#include "engine/purl/purl.h"
#include "engine/version/version.h"
#include "notify/notify.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a query needs of a record besides its ranges, so that id-only
 * answers (querybatch) never touch the store: an open-addressing table by id. */
struct kb_meta {
    char *id; /* NULL: empty slot */
    int64_t modified;
    int public, withdrawn;
};

struct kb_metas {
    struct kb_meta *slot;
    size_t cap, n;
};

struct vg_kb {
    pthread_rwlock_t lock;
    pthread_mutex_t rebuild;    /* one rebuild at a time */
    int dirty;                  /* the store changed since the last build */
    struct vg_match_index *ix;  /* NULL until the first build */
    struct vg_match_stats stats;
    struct kb_metas meta;       /* swapped together with ix */
};

static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void metas_put(struct kb_metas *m, const char *id, int64_t modified, int public,
                      int withdrawn)
{
    if (2 * (m->n + 1) > m->cap) {
        struct kb_metas g = {.cap = m->cap ? 2 * m->cap : 1024};
        g.slot = vg_xcalloc(g.cap, sizeof(*g.slot));
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i].id) {
                size_t h = id_hash(m->slot[i].id) & (g.cap - 1);
                while (g.slot[h].id)
                    h = (h + 1) & (g.cap - 1);
                g.slot[h] = m->slot[i];
                g.n++;
            }
        free(m->slot);
        *m = g;
    }
    size_t h = id_hash(id) & (m->cap - 1);
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
    size_t h = id_hash(id) & (m->cap - 1);
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
        pthread_rwlock_wrlock(&kb->lock);
        old = kb->ix;
        kb->ix = ix;
        oldmeta = kb->meta;
        kb->meta = meta;
        vg_match_index_stats(ix, &kb->stats);
        pthread_rwlock_unlock(&kb->lock);
        vg_match_index_free(old);
        metas_free(&oldmeta);
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

static char *upper(struct vg_arena *a, const char *s)
{
    char *p = vg_arena_strdup(a, s);
    for (char *q = p; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    return p;
}

/* (ecosystem, normalised name) pairs of a record's affected packages. */
static size_t packages_of(json_t *rec, struct vg_arena *a, const char ***out)
{
    json_t *aff = json_object_get(rec, "affected"), *x;
    size_t i, n = 0;
    const char **p = vg_arena_calloc(a, 2 * json_array_size(aff) + 2, sizeof(char *));
    json_array_foreach(aff, i, x) {
        json_t *pkg = json_object_get(x, "package");
        const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
        const char *name = json_string_value(json_object_get(pkg, "name"));
        const char *purl = json_string_value(json_object_get(pkg, "purl"));
        int e = -1;
        if ((eco == NULL || name == NULL) && purl) {
            struct vg_purl pu;
            struct vg_err er = {0};
            const char *ver;
            if (vg_purl_parse(purl, strlen(purl), a, &pu, &er) != VG_OK ||
                vg_match_purl_pkg(&pu, a, &e, &name, &ver, &er) != VG_OK)
                continue;
            eco = vg_eco_name(e);
        }
        if (eco == NULL || name == NULL)
            continue;
        char norm[VG_MATCH_NAME_MAX];
        size_t nl = 0;
        if (e < 0)
            e = vg_eco_parse(eco, strlen(eco));
        if (e >= 0 && vg_match_norm_name(e, name, strlen(name), norm, sizeof(norm), &nl) == VG_OK)
            name = vg_arena_strndup(a, norm, nl);
        const char *base = eco;
        const char *colon = strchr(eco, ':');
        if (colon)
            base = vg_arena_strndup(a, eco, (size_t)(colon - eco));
        p[2 * n] = base;
        p[2 * n + 1] = name;
        n++;
    }
    *out = p;
    return n;
}

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

/* ---- import ---- */

struct import_op {
    struct vg_server *srv;
    const struct vg_actor *who;
    int queued;
    size_t alerted;
    const char *format;
    json_t *records;
    struct vg_arena *a;
    int imported, unchanged, skipped;
    json_t *errors, *ids;
    struct vg_err *err;
};

static void skip(struct import_op *op, size_t index, const struct vg_err *e)
{
    op->skipped++;
    if (json_array_size(op->errors) < 1000)
        json_array_append_new(op->errors,
                              json_pack("{s:I, s:s, s:s}", "index", (json_int_t)index, "field",
                                        e->field, "message", e->msg));
}

int vg__kb_put(struct vg_store *st, json_t *rec, const char *source, int public, int64_t now,
               struct vg_arena *a, int *changed, struct vg_err *err)
{
    int64_t modified = 0, t;
    struct vg_vuln v, old;
    int rc;
    *changed = 0;
    if ((rc = vg_osv_check(rec, &modified, err)))
        return rc;
    memset(&v, 0, sizeof(v));
    v.id = json_string_value(json_object_get(rec, "id"));
    struct vg_err e2 = {0};
    if (st->ops->vuln_get(st, v.id, a, &old, &e2) == VG_OK &&
        (old.modified > modified ||
         (old.modified == modified && old.public == public))) {
        /* Same or older version: keep what we have. A record made public
         * (publication of its case) is the exception. */
        char *c = vg_json_canonical(rec, NULL);
        int same = strcmp(c, old.doc) == 0 || old.modified > modified;
        free(c);
        if (same)
            return VG_OK;
    } else if (e2.code != VG_OK && e2.code != VG_ENOTFOUND) {
        return vg_err_set(err, e2.code, "%s", e2.msg);
    }
    v.modified = modified;
    v.published = json_is_string(json_object_get(rec, "published")) &&
                          vg_time_parse(json_string_value(json_object_get(rec, "published")), &t) == 0
                      ? t
                      : 0;
    v.withdrawn = json_is_string(json_object_get(rec, "withdrawn")) &&
                          vg_time_parse(json_string_value(json_object_get(rec, "withdrawn")), &t) == 0
                      ? t
                      : 0;
    v.source = source;
    v.public = public;
    v.score = vg_osv_best_score(rec);
    v.grade = v.score < 0 ? NULL : vg_grade_name(vg_grade_from_score(v.score));
    v.summary = json_string_value(json_object_get(rec, "summary"));
    char *doc = vg_json_canonical(rec, NULL);
    v.doc = vg_arena_strdup(a, doc);
    free(doc);
    v.updated_at = now;
    json_t *al = json_object_get(rec, "aliases"), *x;
    size_t i, nal = 0;
    const char **aliases = vg_arena_calloc(a, json_array_size(al) + 1, sizeof(char *));
    json_array_foreach(al, i, x) if (json_is_string(x)) aliases[nal++] = upper(a, json_string_value(x));
    const char **pk;
    size_t npk = packages_of(rec, a, &pk);
    if ((rc = st->ops->vuln_put(st, &v, aliases, nal, pk, npk,
                                json_string_value(json_object_get(rec, "details")), err)))
        return rc;
    *changed = 1;
    return VG_OK;
}

static int import_one(struct vg_store *st, struct import_op *op, size_t index, json_t *raw,
                      int64_t now)
{
    struct vg_err e = {0};
    json_t *rec = NULL;
    const char *source = "osv";
    int rc, changed = 0;
    if (strcmp(op->format, "kev") == 0) {
        const char *cve, *added, *due;
        if (vg_kev_entry(raw, &cve, &added, &due, &e) != VG_OK) {
            skip(op, index, &e);
            return VG_OK;
        }
        char *doc = vg_json_canonical(raw, NULL);
        struct vg_kev k = {.cve_id = cve, .date_added = added, .due_date = due, .doc = doc};
        rc = st->ops->kev_put(st, &k, &changed, op->err);
        free(doc);
        if (rc)
            return rc;
        if (changed) {
            op->imported++;
            json_array_append_new(op->ids, json_string(cve));
        } else {
            op->unchanged++;
        }
        return VG_OK;
    }
    if (strcmp(op->format, "cve5") == 0) {
        source = "cve5";
        rc = vg_osv_from_cve5(raw, &rec, &e);
    } else if (strcmp(op->format, "nvd") == 0) {
        source = "nvd";
        rc = vg_osv_from_nvd(raw, &rec, &e);
    } else {
        rec = json_incref(raw);
        rc = VG_OK;
    }
    if (rc) {
        skip(op, index, &e);
        return VG_OK;
    }
    rc = vg__kb_put(st, rec, source, 1, now, op->a, &changed, &e);
    if (rc == VG_EINVAL || rc == VG_EMISSING) {
        skip(op, index, &e);
        rc = VG_OK;
    } else if (rc) {
        vg_err_set(op->err, rc, "%s", e.msg);
    } else if (changed) {
        op->imported++;
        json_array_append_new(op->ids, json_copy(json_object_get(rec, "id")));
        /* Every new or changed record is matched against every unit's SBOMs. */
        size_t units = 0;
        rc = vg__expo_reverse(op->srv, st, rec, now, op->a, &op->queued, &units, op->err);
        op->alerted += units;
    } else {
        op->unchanged++;
    }
    json_decref(rec);
    return rc;
}

static int import_tx(struct vg_store *st, void *ctx)
{
    struct import_op *op = ctx;
    int64_t now = vg_time_now_ms();
    size_t i;
    json_t *r;
    int rc = VG_OK;
    json_array_foreach(op->records, i, r) {
        /* An NVD API response holds its entries under "vulnerabilities". */
        json_t *inner = strcmp(op->format, "nvd") == 0 ? json_object_get(r, "vulnerabilities") : NULL;
        if (json_is_array(inner)) {
            size_t k;
            json_t *e;
            json_array_foreach(inner, k, e) if ((rc = import_one(st, op, i, e, now))) return rc;
            continue;
        }
        if ((rc = import_one(st, op, i, r, now)))
            return rc;
        if (i % 256 == 255)
            vg_arena_reset(op->a);
    }
    if (op->imported == 0)
        return VG_OK;
    json_t *p = json_pack("{s:s, s:i, s:i, s:i, s:O}", "format", op->format, "imported",
                          op->imported, "unchanged", op->unchanged, "skipped", op->skipped, "ids",
                          op->ids);
    rc = vg_audit_append(st, op->who, "vuln.import", "vulns", op->format, p, now, op->err);
    json_decref(p);
    return rc;
}

int vg_svc_vuln_import(struct vg_server *srv, const struct vg_actor *who, const char *format,
                       json_t *records, json_t **out, struct vg_err *err)
{
    static const char *const formats[] = {"osv", "cve5", "nvd", "kev", NULL};
    struct import_op op;
    int ok = 0, rc;
    if ((rc = vg_authz(who, VG_ACT_VULN_IMPORT, err)))
        return rc;
    for (int i = 0; formats[i]; i++)
        ok |= strcmp(formats[i], format) == 0;
    if (!ok)
        return vg_err_field(err, VG_EINVAL, "format", "format: osv, cve5, nvd or kev");
    if (!json_is_array(records))
        return vg_err_field(err, VG_EINVAL, "records", "records: must be an array");
    if (json_array_size(records) > 10000)
        return vg_err_field(err, VG_ETOOBIG, "records", "records: at most 10000 per request");
    if ((rc = vg_expo_ensure(srv, err)))
        return rc;
    memset(&op, 0, sizeof(op));
    op.srv = srv;
    op.who = who;
    op.format = format;
    op.records = records;
    op.err = err;
    op.errors = json_array();
    op.ids = json_array();
    op.a = vg_arena_new(1 << 16);
    rc = vg__tx(srv, 1, import_tx, &op, err);
    vg_arena_free(op.a);
    if (rc == VG_OK && op.queued)
        vg_notifier_kick(srv->notifier);
    if (rc == VG_OK && op.imported && strcmp(format, "kev") != 0)
        vg_kb_mark(srv);
    if (rc == VG_OK)
        *out = json_pack("{s:s, s:i, s:i, s:i, s:I, s:o}", "format", format, "imported",
                         op.imported, "unchanged", op.unchanged, "skipped", op.skipped,
                         "units_alerted", (json_int_t)op.alerted, "errors", op.errors);
    else
        json_decref(op.errors);
    json_decref(op.ids);
    return rc;
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
    if ((rc = st->ops->vuln_by_alias(st, upper(a, id), a, &ids, &n, err)))
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

/* Resolves a query's package to (ecosystem, name, version). */
static int query_target(json_t *q, const char *path, struct vg_arena *a, int *eco,
                        const char **eco_name, const char **name, const char **version,
                        struct vg_err *err)
{
    static const char *const keys[] = {"package", "version", "commit", "page_token", NULL};
    static const char *const pkeys[] = {"ecosystem", "name", "purl", NULL};
    char p[64];
    json_t *pkg = json_object_get(q, "package");
    const char *ver = json_string_value(json_object_get(q, "version"));
    int rc;
    if (!json_is_object(q))
        return vg_err_field(err, VG_EINVAL, path, "%s: must be an object", path);
    if ((rc = vg_json_only(q, keys, path, err)))
        return rc;
    if (json_object_get(q, "version") && !json_is_string(json_object_get(q, "version"))) {
        snprintf(p, sizeof(p), "%s%sversion", path, *path ? "." : "");
        return vg_err_field(err, VG_EINVAL, p, "%s: must be a string", p);
    }
    *version = ver;
    *eco = -1;
    *name = NULL;
    *eco_name = NULL;
    if (pkg == NULL)
        return VG_OK; /* a commit query */
    snprintf(p, sizeof(p), "%s%spackage", path, *path ? "." : "");
    if (!json_is_object(pkg))
        return vg_err_field(err, VG_EINVAL, p, "%s: must be an object", p);
    if ((rc = vg_json_only(pkg, pkeys, p, err)))
        return rc;
    const char *purl = json_string_value(json_object_get(pkg, "purl"));
    if (purl) {
        struct vg_purl pu;
        struct vg_err e = {0};
        const char *pv = NULL;
        snprintf(p, sizeof(p), "%s%spackage.purl", path, *path ? "." : "");
        if (vg_purl_parse(purl, strlen(purl), a, &pu, &e) != VG_OK)
            return vg_err_field(err, VG_EINVAL, p, "%s: %s", p, e.msg);
        if (vg_match_purl_pkg(&pu, a, eco, name, &pv, &e) != VG_OK)
            return vg_err_field(err, VG_EINVAL, p, "%s: %s", p, e.msg);
        if (pv && ver)
            return vg_err_field(err, VG_EINVAL, p, "%s: give the version in the purl or in "
                                                   "version, not both", p);
        if (pv)
            *version = pv;
        *eco_name = vg_eco_name(*eco);
        return VG_OK;
    }
    const char *e = json_string_value(json_object_get(pkg, "ecosystem"));
    const char *n = json_string_value(json_object_get(pkg, "name"));
    if (e == NULL || n == NULL) {
        snprintf(p, sizeof(p), "%s%spackage", path, *path ? "." : "");
        return vg_err_field(err, VG_EINVAL, p, "%s: {ecosystem, name} or {purl}", p);
    }
    *eco = vg_eco_parse(e, strlen(e));
    *eco_name = e;
    *name = n;
    return VG_OK;
}

/* Ids (with modified) of the public (or, for staff, all) non-withdrawn
 * records affecting the target, in a; the facts come from the in-memory
 * table, so id-only answers never read the store. */
static int query_ids(struct vg_server *srv, struct vg_store *st, const struct vg_actor *who,
                     int eco, const char *eco_name, const char *name, const char *version,
                     struct vg_arena *a, const char ***out, int64_t **mod, size_t *n,
                     struct vg_err *err)
{
    const char **ids = NULL;
    size_t nids = 0;
    int rc = VG_OK, all = vg__staff(who);
    *n = 0;
    *out = NULL;
    *mod = NULL;
    if (name == NULL || eco < 0)
        return VG_OK; /* unknown ecosystem or commit query: nothing indexed */
    if (!version) {
        char norm[VG_MATCH_NAME_MAX];
        size_t nl = 0;
        const char *base = eco_name;
        if (vg_match_norm_name(eco, name, strlen(name), norm, sizeof(norm) - 1, &nl) == VG_OK) {
            norm[nl] = '\0';
            name = norm;
        }
        if (strchr(eco_name, ':'))
            base = vg_arena_strndup(a, eco_name, (size_t)(strchr(eco_name, ':') - eco_name));
        if ((rc = st->ops->vuln_ids_for_package(st, base, name, a, &ids, &nids, err)))
            return rc;
    }
    struct vg_match_hit hits[512];
    size_t nh = 0;
    const struct vg_match_index *ix = vg__kb_acquire(srv);
    if (version && ix)
        rc = vg_match_query(ix, eco, name, strlen(name), version, strlen(version), hits,
                            VG_ARRAY_LEN(hits), &nh, err);
    if (rc == VG_OK && version) {
        if (nh > VG_ARRAY_LEN(hits))
            nh = VG_ARRAY_LEN(hits);
        ids = vg_arena_calloc(a, nh + 1, sizeof(char *));
        for (size_t i = 0; i < nh; i++)
            ids[nids++] = vg_match_advisory(ix, hits[i].adv)->id;
    }
    const char **keep = vg_arena_calloc(a, nids + 1, sizeof(char *));
    int64_t *m = vg_arena_calloc(a, nids + 1, sizeof(int64_t));
    size_t k = 0;
    for (size_t i = 0; rc == VG_OK && i < nids; i++) {
        const struct kb_meta *me = metas_get(&srv->kb->meta, ids[i]);
        if (me == NULL || me->withdrawn || (!me->public && !all))
            continue;
        keep[k] = vg_arena_strdup(a, ids[i]);
        m[k++] = me->modified;
    }
    vg__kb_release(srv);
    if (rc == VG_EINVAL) {
        vg_err_clear(err);
        return vg_err_field(err, VG_EINVAL, "version", "version: '%s' is not a %s version",
                            version, eco_name);
    }
    if (rc)
        return rc;
    *out = keep;
    *mod = m;
    *n = k;
    return VG_OK;
}

int vg_svc_osv_query(struct vg_server *srv, const struct vg_actor *who, json_t *q, json_t **out,
                     struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    const char *en, *name, *version, **ids;
    int64_t *mod;
    size_t n;
    int eco;
    int rc = query_target(q, "", a, &eco, &en, &name, &version, err);
    if (rc == VG_OK)
        rc = query_ids(srv, st, who, eco, en, name, version, a, &ids, &mod, &n, err);
    if (rc == VG_OK) {
        json_t *j = json_object(), *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            struct vg_vuln v;
            struct vg_err e = {0};
            if (st->ops->vuln_get(st, ids[i], a, &v, &e) == VG_OK)
                json_array_append_new(arr, render(st, &v, 1, a));
        }
        if (json_array_size(arr))
            json_object_set_new(j, "vulns", arr);
        else
            json_decref(arr);
        *out = j;
    }
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    return rc;
}

int vg_svc_osv_querybatch(struct vg_server *srv, const struct vg_actor *who, json_t *body,
                          json_t **out, struct vg_err *err)
{
    static const char *const keys[] = {"queries", NULL};
    json_t *qs = json_object_get(body, "queries"), *q;
    size_t i;
    int rc;
    if ((rc = vg_json_only(body, keys, NULL, err)))
        return rc;
    if (!json_is_array(qs))
        return vg_err_field(err, VG_EMISSING, "queries", "queries: an array of queries");
    if (json_array_size(qs) > 1000)
        return vg_err_field(err, VG_ETOOBIG, "queries", "queries: at most 1000 per batch");
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    json_t *results = json_array();
    json_array_foreach(qs, i, q) {
        char path[32];
        const char *en, *name, *version, **ids;
        int64_t *mod;
        size_t n;
        int eco;
        snprintf(path, sizeof(path), "queries[%zu]", i);
        if ((rc = query_target(q, path, a, &eco, &en, &name, &version, err)) ||
            (rc = query_ids(srv, st, who, eco, en, name, version, a, &ids, &mod, &n, err))) {
            if (rc == VG_EINVAL && strcmp(err->field, "version") == 0)
                snprintf(err->field, sizeof(err->field), "queries[%zu].version", i);
            break;
        }
        json_t *r = json_object();
        if (n) {
            json_t *arr = json_array();
            for (size_t k = 0; k < n; k++) {
                char m[32];
                vg_time_format(mod[k], m);
                json_array_append_new(arr, json_pack("{s:s, s:s}", "id", ids[k], "modified", m));
            }
            json_object_set_new(r, "vulns", arr);
        }
        json_array_append_new(results, r);
        if (i % 64 == 63)
            vg_arena_reset(a);
    }
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    if (rc) {
        json_decref(results);
        return rc;
    }
    *out = json_pack("{s:o}", "results", results);
    return VG_OK;
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
