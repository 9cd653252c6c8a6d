/* Exposure: units register SBOMs; every upload is matched forward against
 * the knowledge base, and every new or changed record (and every confirmed
 * case) is matched in reverse against every registered component. Exposures
 * are stored per (unit, SBOM name, component, record); a unit gets one risk
 * alert per record, into its inbox and through the transactional outbox. The
 * reverse index over current components lives in memory, rebuilt lazily
 * after uploads. Not for: version rules (engine/) or delivery (notify/). */
#include "service/service_int.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "engine/cvss/grade.h"
#include "engine/match/match.h"
#include "engine/osv/osv.h"
#include "engine/sbom/sbom.h"
#include "engine/version/version.h"
#include "notify/notify.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vg_expo {
    pthread_rwlock_t lock;
    pthread_mutex_t rebuild;
    struct vg_match_comps *comps;
    int dirty;
    size_t components, bytes;
};

struct vg_expo *vg_expo_new(void)
{
    struct vg_expo *x = vg_xcalloc(1, sizeof(*x));
    pthread_rwlock_init(&x->lock, NULL);
    pthread_mutex_init(&x->rebuild, NULL);
    x->dirty = 1;
    return x;
}

void vg_expo_free(struct vg_expo *x)
{
    if (x == NULL)
        return;
    vg_match_comps_free(x->comps);
    pthread_rwlock_destroy(&x->lock);
    pthread_mutex_destroy(&x->rebuild);
    free(x);
}

/* Rebuilds the reverse index from the current SBOMs when uploads made it stale. */
int vg_expo_ensure(struct vg_server *srv, struct vg_err *err)
{
    struct vg_expo *x = srv->expo;
    int rc = VG_OK;
    pthread_mutex_lock(&x->rebuild);
    pthread_rwlock_rdlock(&x->lock);
    int dirty = x->dirty;
    pthread_rwlock_unlock(&x->lock);
    if (dirty) {
        struct vg_match_comps *c = vg_match_comps_new(), *old;
        struct vg_arena *a = vg_arena_new(1 << 20);
        struct vg_store *st = vg_pool_get(srv->pool);
        int64_t after = 0;
        for (;;) {
            struct vg_component *cs;
            size_t n;
            vg_arena_reset(a);
            if ((rc = st->ops->components_scan(st, after, 20000, a, &cs, &n, err)) || n == 0)
                break;
            for (size_t i = 0; i < n; i++) {
                struct vg_err e = {0};
                int eco = cs[i].ecosystem ? vg_eco_parse(cs[i].ecosystem, strlen(cs[i].ecosystem)) : -1;
                if (eco >= 0 && cs[i].version)
                    vg_match_comps_add(c, eco, cs[i].name, strlen(cs[i].name), cs[i].version,
                                       strlen(cs[i].version), (uint64_t)cs[i].id, &e);
            }
            after = cs[n - 1].id;
        }
        vg_pool_put(srv->pool, st);
        vg_arena_free(a);
        if (rc == VG_OK)
            rc = vg_match_comps_finish(c, err);
        if (rc == VG_OK) {
            pthread_rwlock_wrlock(&x->lock);
            old = x->comps;
            x->comps = c;
            x->dirty = 0;
            vg_match_comps_stats(c, &x->components, &x->bytes);
            pthread_rwlock_unlock(&x->lock);
            vg_match_comps_free(old);
            VG_LOG(VG_LOG_INFO, "event=components_index_built components=%zu bytes=%zu",
                   x->components, x->bytes);
        } else {
            vg_match_comps_free(c);
        }
    }
    pthread_mutex_unlock(&x->rebuild);
    return rc;
}

static void mark_dirty(struct vg_server *srv)
{
    pthread_rwlock_wrlock(&srv->expo->lock);
    srv->expo->dirty = 1;
    pthread_rwlock_unlock(&srv->expo->lock);
}

/* ---- alerts ---- */

/* The record's facts an alert carries. */
static json_t *vuln_facts(struct vg_store *st, json_t *rec, struct vg_arena *a)
{
    int best;
    json_t *scored, *x;
    size_t i;
    int kev = 0;
    struct vg_kev k;
    struct vg_err e = {0};
    const char *id = json_string_value(json_object_get(rec, "id"));
    vg_osv_score(rec, &best, &scored);
    json_decref(scored);
    if (id && st->ops->kev_get(st, id, a, &k, &e) == VG_OK)
        kev = 1;
    json_array_foreach(json_object_get(rec, "aliases"), i, x) {
        vg_err_clear(&e);
        if (!kev && json_is_string(x) && st->ops->kev_get(st, json_string_value(x), a, &k, &e) == VG_OK)
            kev = 1;
    }
    return json_pack("{s:s, s:O*, s:O*, s:o, s:s?, s:b}", "id", id ? id : "", "aliases",
                     json_object_get(rec, "aliases"), "summary", json_object_get(rec, "summary"),
                     "score", best < 0 ? json_null() : json_real(best / 10.0), "national_grade",
                     best < 0 ? NULL : vg_grade_name(vg_grade_from_score(best)), "known_exploited",
                     kev);
}

/* Fixed versions named by the record for a component's package. */
static json_t *fixed_for(json_t *rec, const char *eco, const char *name)
{
    json_t *out = json_array(), *aff, *r, *ev;
    size_t i, j, k;
    json_array_foreach(json_object_get(rec, "affected"), i, aff) {
        json_t *pkg = json_object_get(aff, "package");
        const char *pe = json_string_value(json_object_get(pkg, "ecosystem"));
        const char *pn = json_string_value(json_object_get(pkg, "name"));
        const char *pu = json_string_value(json_object_get(pkg, "purl"));
        if (!((pe && pn && strncmp(pe, eco, strlen(eco)) == 0 && strcmp(pn, name) == 0) || pu))
            continue;
        json_array_foreach(json_object_get(aff, "ranges"), j, r)
            json_array_foreach(json_object_get(r, "events"), k, ev) {
            json_t *f = json_object_get(ev, "fixed");
            if (json_is_string(f))
                json_array_append(out, f);
        }
    }
    return out;
}

/* A matched component and its unit, for grouping by unit. */
struct hit {
    struct vg_component c;
    size_t order;
};

static int cmp_hit(const void *x, const void *y)
{
    const struct hit *a = x, *b = y;
    if (a->c.org_id != b->c.org_id)
        return a->c.org_id < b->c.org_id ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* s as a JSON string, escaped as jansson writes it (", \ and control
 * characters; UTF-8 as is). A byte that is not part of well-formed UTF-8
 * (stored text is not checked everywhere) becomes U+FFFD, so the result is
 * always JSON. */
static void put_str(struct vg_buf *b, const char *str)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str, *run = s;
    vg_buf_putc(b, '"');
    while (*s) {
        unsigned char ch = *s;
        size_t k = 1;
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
            s++;
            continue;
        }
        /* s is NUL-terminated: a NUL fails the test before a byte past it is read */
        if (ch >= 0x80 && (k = vg_utf8_seq(s, s + 4)) > 0) {
            s += k;
            continue;
        }
        vg_buf_append(b, run, (size_t)(s - run));
        switch (ch) {
        case '"': vg_buf_puts(b, "\\\""); break;
        case '\\': vg_buf_puts(b, "\\\\"); break;
        case '\b': vg_buf_puts(b, "\\b"); break;
        case '\f': vg_buf_puts(b, "\\f"); break;
        case '\n': vg_buf_puts(b, "\\n"); break;
        case '\r': vg_buf_puts(b, "\\r"); break;
        case '\t': vg_buf_puts(b, "\\t"); break;
        default:
            if (ch >= 0x80) {
                vg_buf_puts(b, "\\uFFFD");
            } else {
                vg_buf_puts(b, "\\u00");
                vg_buf_putc(b, hex[ch >> 4]);
                vg_buf_putc(b, hex[ch & 15]);
            }
        }
        run = ++s;
    }
    vg_buf_append(b, run, (size_t)(s - run));
    vg_buf_putc(b, '"');
}

/* ,"key":"v" -- or ,"key":null */
static void put_member(struct vg_buf *b, const char *key, const char *v)
{
    vg_buf_printf(b, ",\"%s\":", key);
    if (v)
        put_str(b, v);
    else
        vg_buf_puts(b, "null");
}

#define ALERT_CHUNK 64 /* units whose alerts are built and written together */

/* Stores exposures for components (ids) of record rec and alerts each unit
 * once, in the caller's write transaction. Each alert body is written once as
 * text: the record's facts are encoded once for all units, then each unit's
 * components around them (the text jansson would give for the same object);
 * the inbox entries and webhook bodies are written around that text. Units
 * are handled ALERT_CHUNK at a time, so memory stays small and warm. */
static int expose(struct vg_store *st, json_t *rec, const uint64_t *ids, size_t n, int64_t now,
                  struct vg_arena *a, int *queued, size_t *units, struct vg_notify_batch *batch,
                  struct vg_err *err)
{
    const char *vid = json_string_value(json_object_get(rec, "id"));
    struct hit *hs = vg_xcalloc(n + 1, sizeof(*hs));
    int rc = VG_OK;
    *units = 0;
    for (size_t i = 0; i < n && rc == VG_OK; i++) {
        struct vg_component *c = &hs[i].c;
        hs[i].order = i;
        if ((rc = st->ops->component_get(st, (int64_t)ids[i], a, c, err)))
            break;
        struct vg_exposure e = {.org_id = c->org_id, .sbom_name = c->sbom_name,
                                .sbom_id = c->sbom_id, .component_id = c->id,
                                .purl = c->purl ? c->purl : c->name, .vuln_id = vid,
                                .first_seen = now};
        int created;
        rc = st->ops->exposure_put(st, &e, &created, err);
    }
    if (rc) {
        free(hs);
        return rc;
    }
    qsort(hs, n, sizeof(*hs), cmp_hit);
    json_t *facts = vuln_facts(st, rec, a);
    size_t factn;
    char *factt = vg_json_dump(facts, &factn); /* {...}: its members open every body */
    /* the fixed versions of the last package asked for (one package, mostly) */
    char *fixed = NULL;
    const char *fixed_eco = NULL, *fixed_name = NULL;
    struct vg_notify_to to[ALERT_CHUNK];
    json_t *bodies[ALERT_CHUNK];
    char *texts[ALERT_CHUNK];
    struct vg_buf b = {0};
    size_t i = 0;
    while (i < n && rc == VG_OK) {
        size_t nb = 0, nu = 0;
        for (; i < n && nb < ALERT_CHUNK && rc == VG_OK; nb++) {
            size_t j = i;
            json_t *ecos = json_array(), *pkgs = json_array();
            vg_buf_reset(&b);
            vg_buf_append(&b, factt, factn - 1);
            vg_buf_puts(&b, ",\"components\":[");
            for (; j < n && hs[j].c.org_id == hs[i].c.org_id; j++) {
                const struct vg_component *c = &hs[j].c;
                const char *eco = c->ecosystem ? c->ecosystem : "";
                if (fixed == NULL || strcmp(eco, fixed_eco) != 0 ||
                    strcmp(c->name, fixed_name) != 0) {
                    json_t *f = fixed_for(rec, eco, c->name);
                    free(fixed);
                    fixed = vg_json_dump(f, NULL);
                    json_decref(f);
                    fixed_eco = eco;
                    fixed_name = c->name;
                }
                if (j > i)
                    vg_buf_putc(&b, ',');
                vg_buf_puts(&b, "{\"sbom\":");
                put_str(&b, c->sbom_name);
                vg_buf_printf(&b, ",\"sbom_id\":%lld", (long long)c->sbom_id);
                put_member(&b, "purl", c->purl);
                put_member(&b, "version", c->version);
                put_member(&b, "path", c->path);
                vg_buf_puts(&b, ",\"fixed\":");
                vg_buf_puts(&b, fixed);
                vg_buf_putc(&b, '}');
                if (c->ecosystem)
                    json_array_append_new(ecos, json_string(c->ecosystem));
                json_array_append_new(pkgs, json_string(c->name));
            }
            vg_buf_puts(&b, "],\"ecosystems\":[");
            for (size_t k = 0; k < json_array_size(ecos); k++) {
                if (k)
                    vg_buf_putc(&b, ',');
                put_str(&b, json_string_value(json_array_get(ecos, k)));
            }
            vg_buf_puts(&b, "],\"packages\":[");
            for (size_t k = 0; k < json_array_size(pkgs); k++) {
                if (k)
                    vg_buf_putc(&b, ',');
                put_str(&b, json_string_value(json_array_get(pkgs, k)));
            }
            vg_buf_printf(&b, "],\"org_id\":%lld}", (long long)hs[i].c.org_id);
            /* the facts the subscription filters test */
            json_t *body = json_copy(facts); /* shallow: facts' values are shared, not changed */
            json_object_set_new(body, "ecosystems", ecos);
            json_object_set_new(body, "packages", pkgs);
            char *text = vg_buf_steal(&b, NULL);
            struct vg_alert al = {.org_id = hs[i].c.org_id, .vuln_id = vid, .created_at = now,
                                  .body = text};
            int created = 0;
            bodies[nb] = body;
            texts[nb] = text;
            rc = st->ops->alert_insert(st, &al, &created, err);
            if (rc == VG_OK && created)
                to[nu++] = (struct vg_notify_to){.org_id = al.org_id, .body = body, .text = text};
            i = j;
        }
        if (rc == VG_OK && nu) {
            *units += nu;
            rc = vg__notify_orgs(st, "alert.vulnerability", "vuln", vid, to, nu, now, queued,
                                 batch, err);
        }
        for (size_t k = 0; k < nb; k++) {
            json_decref(bodies[k]);
            free(texts[k]);
        }
    }
    vg_buf_free(&b);
    free(fixed);
    free(factt);
    json_decref(facts);
    free(hs);
    return rc;
}

int vg__expo_reverse_to(struct vg_server *srv, struct vg_store *st, json_t *rec, int64_t now,
                        struct vg_arena *a, int *queued, size_t *units,
                        struct vg_notify_batch *batch, struct vg_err *err)
{
    uint64_t *ids = NULL;
    size_t n = 0;
    int rc = VG_OK;
    *units = 0;
    pthread_rwlock_rdlock(&srv->expo->lock);
    if (srv->expo->comps && srv->expo->components)
        rc = vg_match_comps_affected(srv->expo->comps, rec, a, &ids, &n, err);
    pthread_rwlock_unlock(&srv->expo->lock);
    if (rc || n == 0)
        return rc;
    rc = expose(st, rec, ids, n, now, a, queued, units, batch, err);
    if (rc == VG_OK && vg_notify_batch_len(batch))
        vg_notifier_reserve(srv->notifier, batch); /* before the commit */
    return rc;
}

int vg__expo_reverse(struct vg_server *srv, struct vg_store *st, json_t *rec, int64_t now,
                     struct vg_arena *a, int *queued, size_t *units, struct vg_err *err)
{
    return vg__expo_reverse_to(srv, st, rec, now, a, queued, units, NULL, err);
}

int vg__expo_idle(struct vg_server *srv)
{
    pthread_rwlock_rdlock(&srv->expo->lock);
    int idle = srv->expo->comps == NULL || srv->expo->components == 0;
    pthread_rwlock_unlock(&srv->expo->lock);
    return idle;
}

/* ---- uploads ---- */

struct upload_op {
    struct vg_server *srv;
    const struct vg_actor *who;
    const char *name;
    struct vg_sbom *sb;
    int *eco;
    const char **pname, **pver;
    json_t *findings; /* per component index: array of hits (or NULL) */
    struct vg_arena *a;
    struct vg_sbom_rec rec;
    json_t *out;
    int queued;
    struct vg_err *err;
};

static int upload_tx(struct vg_store *st, void *ctx)
{
    struct upload_op *op = ctx;
    struct vg_sbom *sb = op->sb;
    int64_t now = vg_time_now_ms();
    int rc;
    const char **keep = vg_arena_calloc(op->a, 1, sizeof(char *));
    size_t nkeep = 0, capkeep = 1, fixed = 0;
    op->rec.org_id = op->who->org_id;
    op->rec.name = op->name;
    op->rec.format = sb->format == VG_SBOM_CYCLONEDX ? "cyclonedx"
                     : sb->format == VG_SBOM_SPDX    ? "spdx"
                                                     : "purls";
    op->rec.components = (int64_t)sb->n;
    op->rec.created_at = now;
    op->rec.created_by = op->who->user_id;
    if ((rc = st->ops->sbom_insert(st, &op->rec, op->err)))
        return rc;
    /* vuln id -> record, for one alert per record with all the unit's hits */
    json_t *byvuln = json_object();
    struct vg_component *cs = vg_arena_calloc(op->a, sb->n + 1, sizeof(*cs));
    for (size_t i = 0; i < sb->n; i++) {
        struct vg_sbom_component *sc = &sb->c[i];
        cs[i] = (struct vg_component){.sbom_id = op->rec.id, .org_id = op->who->org_id,
                                      .ecosystem = op->eco[i] >= 0 ? vg_eco_name(op->eco[i]) : NULL,
                                      .name = op->pname[i] ? op->pname[i]
                                                           : (sc->name ? sc->name : ""),
                                      .version = op->pver[i] ? op->pver[i] : sc->version,
                                      .purl = sc->purl, .path = sc->path};
    }
    rc = st->ops->components_insert(st, cs, sb->n, op->err);
    for (size_t i = 0; i < sb->n && rc == VG_OK; i++) {
        struct vg_component c = cs[i];
        json_t *hits = json_array_get(op->findings, i), *h;
        size_t k;
        json_array_foreach(hits, k, h) {
            const char *vid = json_string_value(json_object_get(h, "id"));
            json_t *ids = json_object_get(byvuln, vid);
            if (ids == NULL) {
                ids = json_array();
                json_object_set_new(byvuln, vid, ids);
            }
            json_array_append_new(ids, json_integer(c.id));
            if (nkeep == capkeep) {
                const char **nk = vg_arena_calloc(op->a, capkeep * 2, sizeof(char *));
                memcpy(nk, keep, nkeep * sizeof(char *));
                keep = nk;
                capkeep *= 2;
            }
            keep[nkeep++] = vg_arena_printf(op->a, "%s\x1f%s", c.purl ? c.purl : c.name, vid);
        }
    }
    /* Exposures and alerts: one alert per record for the unit. */
    const char *vid;
    json_t *ids;
    json_object_foreach(byvuln, vid, ids) {
        if (rc)
            break;
        struct vg_vuln v;
        if ((rc = st->ops->vuln_get(st, vid, op->a, &v, op->err)))
            break;
        json_t *rec = json_loads(v.doc, 0, NULL);
        size_t n = json_array_size(ids), units;
        uint64_t *arr = vg_arena_alloc(op->a, (n + 1) * sizeof(uint64_t));
        for (size_t k = 0; k < n; k++)
            arr[k] = (uint64_t)json_integer_value(json_array_get(ids, k));
        rc = expose(st, rec, arr, n, now, op->a, &op->queued, &units, NULL, op->err);
        json_decref(rec);
    }
    json_decref(byvuln);
    if (rc == VG_OK)
        rc = st->ops->exposure_close_missing(st, op->who->org_id, op->name, keep, nkeep, now,
                                             &fixed, op->err);
    if (rc)
        return rc;
    size_t vulnerable = 0;
    json_t *fl = json_array();
    for (size_t i = 0; i < sb->n; i++) {
        json_t *hits = json_array_get(op->findings, i);
        if (json_array_size(hits) == 0)
            continue;
        vulnerable++;
        json_array_append_new(fl, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:O}", "purl",
                                            sb->c[i].purl, "ecosystem",
                                            op->eco[i] >= 0 ? vg_eco_name(op->eco[i]) : NULL,
                                            "name", op->pname[i] ? op->pname[i] : sb->c[i].name,
                                            "version", op->pver[i] ? op->pver[i] : sb->c[i].version,
                                            "path", sb->c[i].path, "vulns", hits));
    }
    op->out = json_pack("{s:I, s:I, s:s, s:i, s:s, s:I, s:I, s:I, s:o}", "id", (json_int_t)op->rec.id,
                        "org_id", (json_int_t)op->rec.org_id, "name", op->rec.name, "version",
                        op->rec.version, "format", op->rec.format, "components",
                        (json_int_t)sb->n, "vulnerable", (json_int_t)vulnerable, "closed_exposures",
                        (json_int_t)fixed, "findings", fl);
    json_t *p = json_pack("{s:I, s:s, s:i, s:I, s:I}", "id", (json_int_t)op->rec.id, "name",
                          op->rec.name, "version", op->rec.version, "components",
                          (json_int_t)sb->n, "vulnerable", (json_int_t)vulnerable);
    rc = vg_audit_append(st, op->who, "sbom.upload", "sbom",
                         vg_arena_printf(op->a, "%lld", (long long)op->rec.id), p, now, op->err);
    json_decref(p);
    return rc;
}

/* Forward matching against the knowledge base's index (read lock held). */
static json_t *forward(struct vg_server *srv, struct vg_sbom *sb, int *eco, const char **name,
                       const char **ver)
{
    json_t *all = json_array();
    const struct vg_match_index *ix = vg__kb_acquire(srv);
    for (size_t i = 0; i < sb->n; i++) {
        json_t *hits = json_array();
        struct vg_match_hit h[256];
        size_t n = 0;
        struct vg_err e = {0};
        if (ix && eco[i] >= 0 && name[i] && ver[i] &&
            vg_match_query(ix, eco[i], name[i], strlen(name[i]), ver[i], strlen(ver[i]), h,
                           VG_ARRAY_LEN(h), &n, &e) == VG_OK) {
            if (n > VG_ARRAY_LEN(h))
                n = VG_ARRAY_LEN(h);
            for (size_t k = 0; k < n; k++) {
                const struct vg_match_advisory *ad = vg_match_advisory(ix, h[k].adv);
                const char *const *fixed;
                size_t nf;
                json_t *al = json_array(), *fx = json_array();
                vg_match_fixed(ix, h[k].aff, &fixed, &nf);
                for (size_t m = 0; m < ad->naliases; m++)
                    json_array_append_new(al, json_string(ad->aliases[m]));
                for (size_t m = 0; m < nf; m++)
                    json_array_append_new(fx, json_string(fixed[m]));
                json_array_append_new(hits, json_pack("{s:s, s:o, s:o, s:s?}", "id", ad->id,
                                                      "aliases", al, "fixed", fx, "severity",
                                                      ad->severity));
            }
        }
        json_array_append_new(all, hits);
    }
    vg__kb_release(srv);
    return all;
}

int vg_svc_sbom_upload(struct vg_server *srv, const struct vg_actor *who, const char *name,
                       const char *raw, size_t len, json_t **out, struct vg_err *err)
{
    struct upload_op op;
    struct vg_sbom sb;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_WRITE, err)))
        return rc;
    if (name == NULL || *name == '\0' || strlen(name) > 200)
        return vg_err_field(err, VG_EMISSING, "name", "name: the SBOM's name (?name=...), 1-200 bytes");
    memset(&op, 0, sizeof(op));
    op.a = vg_arena_new(1 << 16);
    if ((rc = vg_sbom_parse(raw, len, op.a, &sb, err))) {
        vg_arena_free(op.a);
        return rc == VG_EJSON ? rc : rc;
    }
    op.eco = vg_arena_calloc(op.a, sb.n + 1, sizeof(int));
    op.pname = vg_arena_calloc(op.a, sb.n + 1, sizeof(char *));
    op.pver = vg_arena_calloc(op.a, sb.n + 1, sizeof(char *));
    for (size_t i = 0; i < sb.n; i++) {
        struct vg_err e = {0};
        op.eco[i] = -1;
        if (sb.c[i].purl && vg_match_purl_pkg(&sb.c[i].p, op.a, &op.eco[i], &op.pname[i],
                                              &op.pver[i], &e) != VG_OK)
            op.eco[i] = -1;
        if (op.pver[i] == NULL)
            op.pver[i] = sb.c[i].version;
    }
    op.findings = forward(srv, &sb, op.eco, op.pname, op.pver);
    op.srv = srv;
    op.who = who;
    op.name = name;
    op.sb = &sb;
    op.err = err;
    rc = vg__tx(srv, 1, upload_tx, &op, err);
    json_decref(op.findings);
    vg_arena_free(op.a);
    if ((rc = vg__result(rc, op.out, out)) != VG_OK)
        return rc;
    mark_dirty(srv);
    if (op.queued)
        vg_notifier_kick(srv->notifier);
    return VG_OK;
}

/* ---- reading ---- */

static json_t *sbom_json(const struct vg_sbom_rec *b)
{
    return json_pack("{s:I, s:I, s:s, s:i, s:s, s:I, s:b, s:o}", "id", (json_int_t)b->id, "org_id",
                     (json_int_t)b->org_id, "name", b->name, "version", b->version, "format",
                     b->format, "components", (json_int_t)b->components, "current", b->current,
                     "created_at", vg__time_json(b->created_at));
}

static json_t *exposure_json(const struct vg_exposure *e)
{
    return json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:s?, s:o, s:o}", "id",
                     (json_int_t)e->id, "org_id", (json_int_t)e->org_id, "sbom", e->sbom_name,
                     "sbom_id", (json_int_t)e->sbom_id, "component_id", (json_int_t)e->component_id,
                     "purl", e->purl, "vuln", e->vuln_id, "status", e->status, "reason", e->reason,
                     "first_seen", vg__time_json(e->first_seen), "updated_at",
                     vg__time_json(e->updated_at));
}


int vg_svc_sbom_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                     json_t **out, struct vg_err *err)
{
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_READ, err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_sbom_rec *bs;
    size_t n;
    rc = st->ops->sbom_list(st, vg__staff(who) ? 0 : who->org_id, 0, pg.after, pg.limit, a, &bs, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, sbom_json(&bs[i]));
        *out = vg__page_json(items, n, pg.limit, n ? bs[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}

int vg_svc_sbom_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, int findings,
                    json_t **out, struct vg_err *err)
{
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_READ, err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_sbom_rec b;
    rc = st->ops->sbom_get(st, id, a, &b, err);
    if (rc == VG_OK && b.org_id != who->org_id && !vg__staff(who))
        rc = vg_err_set(err, VG_ENOTFOUND, "sbom %lld not found", (long long)id);
    if (rc == VG_OK) {
        json_t *j = sbom_json(&b);
        if (findings) {
            /* Open exposures of this SBOM name, grouped by component. */
            struct vg_exposure *es;
            size_t n;
            if ((rc = st->ops->exposure_list(st, NULL, b.org_id, b.name, 0, 100000, a, &es, &n,
                                             err)) == VG_OK) {
                json_t *items = json_array();
                for (size_t i = 0; i < n; i++)
                    json_array_append_new(items, exposure_json(&es[i]));
                json_object_set_new(j, "findings", items);
            }
        }
        if (rc == VG_OK)
            *out = j;
        else
            json_decref(j);
    }
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    return rc;
}

int vg_svc_exposures(struct vg_server *srv, const struct vg_actor *who, const char *vuln,
                     struct vg_page pg, json_t **out, struct vg_err *err)
{
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_READ, err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_exposure *es;
    size_t n;
    const char *id = vuln;
    if (vuln) {
        /* an alias names the record that lists it */
        struct vg_vuln v;
        struct vg_err e = {0};
        if (st->ops->vuln_get(st, vuln, a, &v, &e) != VG_OK) {
            const char **ids;
            size_t ni = 0;
            vg_err_clear(&e);
            char *up = vg_arena_strdup(a, vuln);
            for (char *q = up; *q; q++)
                if (*q >= 'a' && *q <= 'z')
                    *q = (char)(*q - 32);
            if (st->ops->vuln_by_alias(st, up, a, &ids, &ni, &e) == VG_OK && ni)
                id = ids[0];
        }
    }
    rc = st->ops->exposure_list(st, id, vg__staff(who) ? 0 : who->org_id, NULL, pg.after, pg.limit, a,
                                &es, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, exposure_json(&es[i]));
        *out = vg__page_json(items, n, pg.limit, n ? es[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}

struct status_op {
    const struct vg_actor *who;
    int64_t id;
    const char *status, *reason;
    struct vg_arena *a;
    json_t *out;
    struct vg_err *err;
};

static int status_tx(struct vg_store *st, void *ctx)
{
    struct status_op *op = ctx;
    struct vg_exposure e;
    int64_t now = vg_time_now_ms();
    int rc = st->ops->exposure_get(st, op->id, op->a, &e, op->err);
    if (rc == VG_OK && e.org_id != op->who->org_id && !vg__staff(op->who))
        rc = vg_err_set(op->err, VG_ENOTFOUND, "exposure %lld not found", (long long)op->id);
    if (rc)
        return rc;
    if ((rc = st->ops->exposure_set_status(st, e.id, op->status, op->reason, now, op->err)) ||
        (rc = st->ops->exposure_get(st, e.id, op->a, &e, op->err)))
        return rc;
    op->out = exposure_json(&e);
    return vg_audit_append(st, op->who, "exposure.status", "exposure",
                           vg_arena_printf(op->a, "%lld", (long long)e.id), op->out, now, op->err);
}

int vg_svc_exposure_status(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                           const char *status, const char *reason, json_t **out,
                           struct vg_err *err)
{
    struct status_op op = {.who = who, .id = id, .status = status, .reason = reason, .err = err};
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_WRITE, err)))
        return rc;
    if (strcmp(status, "accepted_risk") != 0 && strcmp(status, "open") != 0)
        return vg_err_field(err, VG_EINVAL, "status", "status: accepted_risk or open");
    if (strcmp(status, "accepted_risk") == 0 && (reason == NULL || *reason == '\0'))
        return vg_err_field(err, VG_EMISSING, "reason", "reason: say why the risk is accepted");
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, status_tx, &op, err);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

int vg_svc_alerts(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                  json_t **out, struct vg_err *err)
{
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_READ, err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_alert *al;
    size_t n;
    rc = st->ops->alert_list(st, who->org_id, pg.after, pg.limit, a, &al, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *b = json_loads(al[i].body, 0, NULL);
            json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:o}", "id",
                                                   (json_int_t)al[i].id, "vuln", al[i].vuln_id,
                                                   "created_at", vg__time_json(al[i].created_at),
                                                   "alert", b ? b : json_null()));
        }
        *out = vg__page_json(items, n, pg.limit, n ? al[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}

/* ---- per-unit summary and operator risk notices ---- */

int vg_svc_exposure_summary(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                            struct vg_err *err)
{
    int rc;
    if ((rc = vg_authz(who, VG_ACT_SBOM_READ, err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_exposure_count *cs;
    size_t n;
    rc = st->ops->exposure_summary(st, vg__staff(who) ? 0 : who->org_id, a, &cs, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *units = json_array(), *u = NULL;
        int64_t cur = -1;
        for (size_t i = 0; i < n; i++) {
            if (cs[i].org_id != cur) {
                cur = cs[i].org_id;
                u = json_pack("{s:I, s:i, s:i, s:i, s:{}}", "org_id", (json_int_t)cur, "open", 0,
                              "fixed", 0, "accepted_risk", 0, "open_by_grade");
                json_array_append_new(units, u);
            }
            const char *stt = cs[i].status;
            json_object_set_new(u, stt, json_integer(json_integer_value(json_object_get(u, stt)) + cs[i].n));
            if (strcmp(stt, "open") == 0) {
                json_t *g = json_object_get(u, "open_by_grade");
                const char *gn = cs[i].grade ? cs[i].grade : "unscored";
                json_object_set_new(g, gn, json_integer(json_integer_value(json_object_get(g, gn)) + cs[i].n));
            }
        }
        *out = json_pack("{s:o}", "units", units);
    }
    vg_arena_free(a);
    return rc;
}

struct notice_op {
    const struct vg_actor *who;
    json_t *body;
    int64_t *orgs;
    size_t norgs;
    struct vg_arena *a;
    int queued;
    json_t *out;
    struct vg_err *err;
};

static int notice_tx(struct vg_store *st, void *ctx)
{
    struct notice_op *op = ctx;
    int64_t now = vg_time_now_ms();
    char *text = vg_json_canonical(op->body, NULL);
    struct vg_risk_notice rn = {.created_at = now, .created_by = op->who->user_id,
                                .recipients = (int64_t)op->norgs, .body = text};
    int rc = st->ops->risk_notice_insert(st, &rn, op->err);
    free(text);
    if (rc)
        return rc;
    char *id = vg_arena_printf(op->a, "%lld", (long long)rn.id);
    json_object_set_new(op->body, "id", json_integer(rn.id));
    json_object_set_new(op->body, "issued_at", vg__time_json(now));
    for (size_t i = 0; rc == VG_OK && i < op->norgs; i++)
        rc = vg__notify_org(st, op->orgs[i], "risk.notice", "risk_notice", id, op->body, now, op->a,
                            &op->queued, op->err);
    if (rc)
        return rc;
    op->out = json_pack("{s:I, s:o, s:I, s:O}", "id", (json_int_t)rn.id, "issued_at",
                        vg__time_json(now), "recipients", (json_int_t)op->norgs, "notice", op->body);
    return vg_audit_append(st, op->who, "risk_notice.issue", "risk_notice", id, op->out, now,
                           op->err);
}

int vg_svc_risk_notice(struct vg_server *srv, const struct vg_actor *who, json_t *b, json_t **out,
                       struct vg_err *err)
{
    static const char *const keys[] = {"title", "component", "risk", "scope", "recommended_action",
                                       "level", "targets", NULL};
    static const char *const tkeys[] = {"kinds", "org_ids", NULL};
    static const char *const levels[] = {"low", "medium", "high", "critical", NULL};
    static const char *const kinds[] = {"operator", "member", "vendor", "industry", "peer", NULL};
    const char *title = NULL, *comp = NULL, *risk = NULL, *scope = NULL, *act = NULL;
    int level = 0, rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_STAFF, err)))
        return rc;
    if ((rc = vg_json_only(b, keys, NULL, err)) ||
        (rc = vg_json_str(b, "title", 1, 500, &title, err)) ||
        (rc = vg_json_str(b, "component", 1, 1000, &comp, err)) ||
        (rc = vg_json_str(b, "risk", 1, 65536, &risk, err)) ||
        (rc = vg_json_str(b, "scope", 1, 65536, &scope, err)) ||
        (rc = vg_json_str(b, "recommended_action", 1, 65536, &act, err)) ||
        (rc = vg_json_enum(b, "level", 1, levels, &level, err)))
        return rc;
    json_t *t = json_object_get(b, "targets");
    if (t == NULL || !json_is_object(t))
        return vg_err_field(err, VG_EMISSING, "targets",
                            "targets: {\"kinds\": [\"industry\", ...]} and/or {\"org_ids\": [...]}");
    if ((rc = vg_json_only(t, tkeys, "targets", err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    int64_t *orgs = vg_arena_calloc(a, 1, sizeof(int64_t));
    size_t norgs = 0, cap = 1, i;
    json_t *x;
    /* resolve the recipients: units of the kinds named, plus units named by id */
    json_array_foreach(json_object_get(t, "kinds"), i, x) {
        int k = -1;
        for (int j = 0; kinds[j]; j++)
            if (json_is_string(x) && strcmp(kinds[j], json_string_value(x)) == 0)
                k = j;
        if (k < 0) {
            rc = vg_err_field(err, VG_EINVAL, "targets.kinds", "targets.kinds: unit kinds");
            break;
        }
        struct vg_org *os;
        size_t no;
        if ((rc = st->ops->org_list_kind(st, k, a, &os, &no, err)))
            break;
        for (size_t m = 0; m < no; m++) {
            if (norgs == cap) {
                int64_t *nn = vg_arena_calloc(a, cap * 2, sizeof(int64_t));
                memcpy(nn, orgs, norgs * sizeof(int64_t));
                orgs = nn;
                cap *= 2;
            }
            orgs[norgs++] = os[m].id;
        }
    }
    json_array_foreach(json_object_get(t, "org_ids"), i, x) {
        struct vg_org o;
        if (rc)
            break;
        if (!json_is_integer(x) || st->ops->org_get(st, json_integer_value(x), a, &o, err) != VG_OK ||
            o.status != VG_ORG_ACTIVE) {
            vg_err_clear(err);
            rc = vg_err_field(err, VG_EINVAL, "targets.org_ids",
                              "targets.org_ids: ids of active units");
            break;
        }
        int dup = 0;
        for (size_t m = 0; m < norgs; m++)
            dup |= orgs[m] == o.id;
        if (dup)
            continue;
        if (norgs == cap) {
            int64_t *nn = vg_arena_calloc(a, cap * 2, sizeof(int64_t));
            memcpy(nn, orgs, norgs * sizeof(int64_t));
            orgs = nn;
            cap *= 2;
        }
        orgs[norgs++] = o.id;
    }
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK && norgs == 0)
        rc = vg_err_field(err, VG_EINVAL, "targets", "targets: no active unit matches");
    if (rc == VG_OK) {
        struct notice_op op = {.who = who, .orgs = orgs, .norgs = norgs, .a = a, .err = err};
        op.body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "title", title, "component", comp,
                            "risk", risk, "scope", scope, "recommended_action", act, "level",
                            levels[level]);
        rc = vg__tx(srv, 1, notice_tx, &op, err);
        json_decref(op.body);
        if ((rc = vg__result(rc, op.out, out)) == VG_OK && op.queued)
            vg_notifier_kick(srv->notifier);
    }
    vg_arena_free(a);
    return rc;
}

int vg_svc_risk_notice_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                            json_t **out, struct vg_err *err)
{
    int rc;
    if ((rc = vg_authz(who, VG_ACT_CASE_STAFF, err)))
        return rc;
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_risk_notice *rs;
    size_t n;
    rc = st->ops->risk_notice_list(st, pg.after, pg.limit, a, &rs, &n, err);
    vg_pool_put(srv->pool, st);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *b = json_loads(rs[i].body, 0, NULL);
            json_array_append_new(items, json_pack("{s:I, s:o, s:I, s:I, s:o}", "id",
                                                   (json_int_t)rs[i].id, "issued_at",
                                                   vg__time_json(rs[i].created_at), "issued_by",
                                                   (json_int_t)rs[i].created_by, "recipients",
                                                   (json_int_t)rs[i].recipients, "notice",
                                                   b ? b : json_null()));
        }
        *out = vg__page_json(items, n, pg.limit, n ? rs[n - 1].id : 0);
    }
    vg_arena_free(a);
    return rc;
}
