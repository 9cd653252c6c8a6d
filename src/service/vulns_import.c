/* Knowledge-base imports: records of OSV, CVE JSON 5, NVD API 2.0 and the CISA
 * KEV catalogue into the store in batches (upsert by `modified`, withdrawn
 * kept and flagged), one write transaction each; a large batch is parsed
 * and prepared in parts by helper threads while the transaction stores the
 * parts before. Not for: reading records or the match index (vulns.c). */
#include "service/service_int.h"
#include "service/vulns_int.h"
#include "core/buf.h"
#include "core/jscan.h"
#include "core/json.h"
#include "core/util.h"
#include "engine/cvss/grade.h"
#include "engine/match/match.h"
#include "engine/osv/osv.h"
#include "engine/purl/purl.h"
#include "engine/version/version.h"
#include "notify/notify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

/* (ecosystem, normalised name) pairs of a record's affected packages. */
static size_t packages_of(const struct vg_jval *rec, struct vg_arena *a, const char ***out)
{
    const struct vg_jval *aff = vg_jget(rec, "affected"), *x;
    size_t i, n = 0;
    const char **p = vg_arena_calloc(a, 2 * vg_jsize(aff) + 2, sizeof(char *));
    VG_JARR_FOREACH(aff, i, x) {
        const struct vg_jval *pkg = vg_jget(x, "package");
        const char *eco = vg_jstr(vg_jget(pkg, "ecosystem"));
        const char *name = vg_jstr(vg_jget(pkg, "name"));
        const char *purl = vg_jstr(vg_jget(pkg, "purl"));
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

/* Everything a record needs but the store, from its text doc[0..n) (NUL
 * terminated, in a; stored as it is): read with jscan into a, checked, its
 * columns, aliases and packages. */
static int kb_prep(const char *doc, size_t n, const char *source, int public, int64_t now,
                   struct vg_arena *a, struct vg_vuln_put *out, struct vg_err *err)
{
    struct vg_vuln *v = &out->v;
    const struct vg_jval *rec, *al, *x;
    const char *pub, *wd;
    size_t i, nal = 0;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = vg_jscan_parse(doc, n, a, NULL, &rec, NULL, err)) ||
        (rc = vg_osv_check(rec, &v->modified, err)))
        return rc;
    v->id = vg_jstr(vg_jget(rec, "id"));
    if ((pub = vg_jstr(vg_jget(rec, "published"))) && vg_time_parse(pub, &v->published) != 0)
        v->published = 0;
    if ((wd = vg_jstr(vg_jget(rec, "withdrawn"))) && vg_time_parse(wd, &v->withdrawn) != 0)
        v->withdrawn = 0;
    v->source = source;
    v->public = public;
    v->score = vg_osv_best_score(rec);
    v->grade = v->score < 0 ? NULL : vg_grade_name(vg_grade_from_score(v->score));
    const struct vg_jval *sum = vg_jget(rec, "summary"), *det = vg_jget(rec, "details");
    v->summary = vg_jstr(sum);
    out->summary_len = v->summary ? sum->n : 0;
    v->doc = doc;
    out->doc_len = n;
    v->updated_at = now;
    al = vg_jget(rec, "aliases");
    const char **aliases = vg_arena_calloc(a, vg_jsize(al) + 1, sizeof(char *));
    VG_JARR_FOREACH(al, i, x) {
        if (vg_jis(x, VG_JSTR))
            aliases[nal++] = vg__kb_upper(a, x->u.s);
    }
    const char **pk;
    out->aliases = aliases;
    out->naliases = nal;
    out->npackages = packages_of(rec, a, &pk);
    out->packages = pk;
    out->details = vg_jstr(det);
    out->details_len = out->details ? det->n : 0;
    return VG_OK;
}

/* kb_prep of a record held as JSON: its canonical text is the one stored. */
static int kb_prep_json(json_t *rec, const char *source, int public, int64_t now,
                        struct vg_arena *a, struct vg_vuln_put *out, struct vg_err *err)
{
    size_t n;
    char *doc = vg_json_canonical(rec, &n);
    vg_arena_cleanup(a, free, doc);
    return kb_prep(doc, n, source, public, now, a, out, err);
}

/* 1 when the record old (stored, or earlier in the batch) is to be kept
 * instead of v: it is newer, or as new with the same content and publicity
 * (a record made public, on publication of its case, replaces its private
 * copy). Texts differ in form only when one was stored as sent and the other
 * encoded: then the content decides (rare: decoded here). */
static int kb_keeps(const struct vg_vuln *old, const struct vg_vuln *v)
{
    if (old->modified != v->modified)
        return old->modified > v->modified;
    if (old->public != v->public)
        return 0;
    if (strcmp(old->doc, v->doc) == 0)
        return 1;
    json_t *o = json_loads(old->doc, 0, NULL), *n = json_loads(v->doc, 0, NULL);
    int same = o && n && json_equal(o, n);
    json_decref(o);
    json_decref(n);
    return same;
}

/* kb_keeps from the stored record's head (vuln_head: modified, public, and
 * whether its doc is v's byte for byte): -1 when that does not decide
 * (as new, as public, in other words): then its doc is to be read. */
static int kb_keeps_head(const struct vg_vuln *head, int same, const struct vg_vuln *v)
{
    if (head->modified != v->modified)
        return head->modified > v->modified;
    if (head->public != v->public)
        return 0;
    return same ? 1 : -1;
}

struct kb_written {
    size_t at;
    struct vg_vuln_put *p;
};

static int cmp_written(const void *x, const void *y)
{
    const struct kb_written *a = x, *b = y;
    return (a->at > b->at) - (a->at < b->at);
}

/* Records inserted with their alias, package and full-text rows left for
 * later (vuln_insert_new's rows_only): an import writes those of all its
 * parts together, at its end or before anything replaces one of them. The
 * array is malloc'd (kb_pending_free). */
struct kb_pending {
    struct vg_vuln_put *p;
    size_t n, cap;
};

static int kb_pending_flush(struct vg_store *st, struct kb_pending *pd, struct vg_err *err)
{
    int rc = pd->n ? st->ops->vuln_index_new(st, pd->p, pd->n, err) : VG_OK;
    pd->n = 0;
    return rc;
}

static void kb_pending_free(struct kb_pending *pd)
{
    free(pd->p);
    memset(pd, 0, sizeof(*pd));
}

/* Stores prepared records as if one by one. First within the batch, as if
 * no id were stored: each id's records in order, a later one replacing the
 * one before unless kb_keeps says otherwise. The last of each id is then
 * inserted when its id is not stored (one statement per many records: no
 * lookup for the usual new record); for a stored id, its records are
 * weighed again from the stored one, and the last that wins replaces it.
 * changed[i] is 1 when r[i] was written; *w and *nw get the written records
 * (the last of each id, in the order in which the ids were first written, as
 * one by one), in a. With pd, the index rows of the records inserted are
 * left in pd (the records are copied into a). */
static int kb_store(struct vg_store *st, struct vg_vuln_put *r, size_t n, struct vg_arena *a,
                    struct kb_pending *pd, int *changed, struct vg_vuln_put ***w, size_t *nw,
                    struct vg_err *err)
{
    size_t cap = 16, np = 0, nrep = 0, k;
    while (cap < 2 * n)
        cap *= 2;
    size_t *byid = vg_arena_calloc(a, cap, sizeof(*byid)); /* id -> 1 + its index in put */
    struct vg_vuln_put **put = vg_arena_calloc(a, n + 1, sizeof(*put));
    size_t *first = vg_arena_alloc(a, (n + 1) * sizeof(*first)); /* of put[k]'s id */
    size_t *next = vg_arena_alloc(a, (n + 1) * sizeof(*next));   /* r[i]'s id again, or n */
    size_t *last = vg_arena_alloc(a, (n + 1) * sizeof(*last));
    int rc = VG_OK;
    for (size_t i = 0; i < n; i++) {
        const struct vg_vuln *v = &r[i].v;
        size_t h = vg__kb_id_hash(v->id) & (cap - 1);
        while (byid[h] && strcmp(put[byid[h] - 1]->v.id, v->id) != 0)
            h = (h + 1) & (cap - 1);
        next[i] = n;
        if (byid[h] == 0) {
            byid[h] = np + 1;
            first[np] = last[np] = i;
            put[np++] = &r[i];
            changed[i] = 1;
            continue;
        }
        k = byid[h] - 1;
        next[last[k]] = i;
        last[k] = i;
        changed[i] = !kb_keeps(&put[k]->v, v);
        if (changed[i])
            put[k] = &r[i];
    }
    struct vg_vuln_put *ps = vg_arena_alloc(a, (np + 1) * sizeof(*ps));
    for (k = 0; k < np; k++)
        ps[k] = *put[k];
    if (np && (rc = st->ops->vuln_insert_new(st, ps, np, pd != NULL, err)))
        return rc;
    for (k = 0; pd && k < np; k++) {
        if (ps[k].v.rid == 0)
            continue;
        if (pd->n == pd->cap) {
            pd->cap = pd->cap ? 2 * pd->cap : 1024;
            pd->p = vg_xrealloc(pd->p, pd->cap * sizeof(*pd->p));
        }
        pd->p[pd->n++] = ps[k];
    }
    /* ids already stored: weighed again from the stored record */
    struct vg_vuln_put *rep = vg_arena_alloc(a, (np + 1) * sizeof(*rep));
    for (k = 0; k < np; k++) {
        struct vg_vuln old;
        struct vg_err e = {0};
        if (ps[k].v.rid) {
            put[k]->v.rid = ps[k].v.rid;
            continue;
        }
        /* one record of this id in the batch (the usual re-import): weighed
         * against the stored one's head, its doc compared in place, unless
         * only the content can decide */
        size_t f = first[k];
        int same = 0, keeps = -1;
        if (next[f] == n) {
            if ((rc = st->ops->vuln_head(st, r[f].v.id, r[f].v.doc, r[f].doc_len, &old, &same,
                                         &e)))
                return vg_err_set(err, rc == VG_ENOTFOUND ? VG_EBACKEND : rc, "%s", e.msg);
            keeps = kb_keeps_head(&old, same, &r[f].v);
        }
        if (keeps >= 0) {
            changed[f] = !keeps;
            put[k] = keeps ? NULL : &r[f];
            if (put[k]) {
                put[k]->v.rid = old.rid;
                rep[nrep++] = *put[k];
            }
            continue;
        }
        if ((rc = st->ops->vuln_get(st, ps[k].v.id, a, &old, &e)))
            return vg_err_set(err, rc == VG_ENOTFOUND ? VG_EBACKEND : rc, "%s", e.msg);
        const struct vg_vuln *cur = &old;
        put[k] = NULL;
        for (size_t i = first[k]; i < n; i = next[i]) {
            changed[i] = !kb_keeps(cur, &r[i].v);
            if (changed[i]) {
                if (put[k] == NULL)
                    first[k] = i; /* its place among the written */
                put[k] = &r[i];
                cur = &r[i].v;
            }
        }
        if (put[k]) {
            put[k]->v.rid = old.rid;
            rep[nrep++] = *put[k];
        }
    }
    /* a record replaced may be one whose rows are still to come */
    if (nrep && pd && (rc = kb_pending_flush(st, pd, err)))
        return rc;
    if (nrep && (rc = st->ops->vuln_put_many(st, rep, nrep, err)))
        return rc;
    /* in the order in which each id was first written */
    struct kb_written *ws = vg_arena_alloc(a, (np + 1) * sizeof(*ws));
    for (k = *nw = 0; k < np; k++)
        if (put[k])
            ws[(*nw)++] = (struct kb_written){first[k], put[k]};
    qsort(ws, *nw, sizeof(*ws), cmp_written);
    for (k = 0; k < *nw; k++)
        put[k] = ws[k].p;
    *w = put;
    return rc;
}

int vg__kb_put(struct vg_store *st, json_t *rec, const char *source, int public, int64_t now,
               struct vg_arena *a, int *changed, struct vg_err *err)
{
    struct vg_vuln_put r, **w;
    size_t nw;
    int rc;
    *changed = 0;
    if ((rc = kb_prep_json(rec, source, public, now, a, &r, err)))
        return rc;
    return kb_store(st, &r, 1, a, NULL, changed, &w, &nw, err);
}

/* One record of an import request: as JSON (a reference), or as the text of
 * its line (OSV records sent as lines are never decoded with jansson). */
struct import_item {
    json_t *rec;      /* NULL for an OSV record sent as a line */
    const char *text; /* the line (not NUL terminated), or NULL */
    size_t n, index;  /* index: its position in the request */
};

/* Problems listed in an answer: one per record of a full request (an NVD
 * line may hold more). */
#define IMPORT_ERRORS 10000

/* A share of a request's records (a part), parsed (lines) and prepared by a
 * helper thread while the write transaction stores the parts before it, or
 * by the writer when it reaches a part nobody has taken yet. */
struct import_part {
    const char *format;
    int64_t now;
    const char *b, *e;   /* lines: the share's text, from line first on */
    size_t first;
    struct vg_arena *a;
    struct import_item *items;
    size_t nitems;
    struct vg_vuln_put *r;    /* prepared records */
    size_t nr;
    json_t *errors;      /* [{index, field, message}], at most IMPORT_ERRORS */
    int skipped;
    int ready;           /* parsed and prepared (under op->mu) */
    struct vg_buf keys;  /* scratch for each record's keys */
};

static void skip(struct import_part *pt, size_t index, const struct vg_err *e)
{
    pt->skipped++;
    if (json_array_size(pt->errors) < IMPORT_ERRORS)
        json_array_append_new(pt->errors,
                              json_pack("{s:I, s:s, s:s}", "index", (json_int_t)index, "field",
                                        e->field, "message", e->msg));
}

/* Converts and prepares one record; a malformed one is reported and skipped.
 * An OSV record sent as a line is stored as sent. */
static void prep_one(struct import_part *pt, const struct import_item *it, json_t *raw)
{
    struct vg_err e = {0};
    json_t *rec = NULL;
    const char *source = "osv";
    struct vg_vuln_put *out = &pt->r[pt->nr];
    int rc = VG_OK;
    if (raw == NULL) {
        char *doc = vg_arena_strndup(pt->a, it->text, it->n);
        rc = kb_prep(doc, it->n, source, 1, pt->now, pt->a, out, &e);
    } else {
        if (strcmp(pt->format, "cve5") == 0) {
            source = "cve5";
            rc = vg_osv_from_cve5(raw, &rec, &e);
        } else if (strcmp(pt->format, "nvd") == 0) {
            source = "nvd";
            rc = vg_osv_from_nvd(raw, &rec, &e);
        } else {
            rec = json_incref(raw);
        }
        if (rc == VG_OK)
            rc = kb_prep_json(rec, source, 1, pt->now, pt->a, out, &e);
    }
    if (rc == VG_OK) {
        /* built here, on a parsing thread, rather than by the writer */
        vg_buf_reset(&pt->keys);
        out->keys_len = vg_store_vuln_keys(&pt->keys, out);
        out->keys = vg_arena_strndup(pt->a, pt->keys.p, out->keys_len);
        pt->nr++;
    } else {
        skip(pt, it->index, &e);
    }
    json_decref(rec);
}

/* Splits the share into lines (blank lines count for the index but hold
 * nothing). An OSV line is read later, with jscan, by kb_prep; the other
 * formats are converted from jansson trees, decoded here. A malformed line
 * is skipped like a malformed record. */
static void part_lines(struct import_part *pt)
{
    size_t i = pt->first, cap = 16;
    int osv = strcmp(pt->format, "osv") == 0;
    pt->items = vg_arena_alloc(pt->a, cap * sizeof(*pt->items));
    for (const char *p = pt->b; p < pt->e; p++, i++) {
        const char *nl = memchr(p, '\n', (size_t)(pt->e - p)), *b = p, *e = nl ? nl : pt->e;
        struct vg_err je = {0};
        json_t *rec = NULL;
        p = e;
        while (b < e && (*b == ' ' || *b == '\t' || *b == '\r'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (b == e)
            continue;
        if (!osv && vg_json_parse(b, (size_t)(e - b), &rec, &je) != VG_OK) {
            skip(pt, i, &je);
            continue;
        }
        if (pt->nitems == cap) {
            struct import_item *g = vg_arena_alloc(pt->a, 2 * cap * sizeof(*g));
            memcpy(g, pt->items, cap * sizeof(*g));
            pt->items = g;
            cap *= 2;
        }
        pt->items[pt->nitems++] =
            (struct import_item){.rec = rec, .text = b, .n = (size_t)(e - b), .index = i};
    }
}

static void *part_run(void *arg)
{
    struct import_part *pt = arg;
    int nvd = strcmp(pt->format, "nvd") == 0;
    size_t i, k, n = 0;
    json_t *e;
    if (pt->b)
        part_lines(pt);
    /* An NVD API response holds its entries under "vulnerabilities". */
    for (i = 0; i < pt->nitems; i++) {
        json_t *inner = nvd ? json_object_get(pt->items[i].rec, "vulnerabilities") : NULL;
        n += json_is_array(inner) ? json_array_size(inner) : 1;
    }
    pt->r = vg_arena_alloc(pt->a, (n + 1) * sizeof(*pt->r));
    for (i = 0; i < pt->nitems && strcmp(pt->format, "kev") != 0; i++) {
        json_t *inner = nvd ? json_object_get(pt->items[i].rec, "vulnerabilities") : NULL;
        if (json_is_array(inner))
            json_array_foreach(inner, k, e) prep_one(pt, &pt->items[i], e);
        else
            prep_one(pt, &pt->items[i], pt->items[i].rec);
    }
    return NULL;
}

/* Parts of a large request: about IMPORT_PART_BYTES each, at most
 * IMPORT_PARTS; up to IMPORT_HELPERS threads parse them. */
#define IMPORT_PART_BYTES (256u << 10)
#define IMPORT_PARTS 512
#define IMPORT_HELPERS 7

struct import_op {
    struct vg_server *srv;
    const struct vg_actor *who;
    const char *format;
    struct import_part *part; /* nparts, in request order */
    size_t nparts;
    /* Parts are taken in order, by the helpers and by the writer (when the
     * part it needs next is not taken yet): mu guards claimed, stop and
     * each part's ready; cv announces a part ready. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t claimed;
    int stop; /* the transaction failed: take no more parts */
    struct kb_pending pending;
    struct vg_arena *a;
    int queued;
    size_t alerted;
    int imported, unchanged;
    /* the ids written, as the audit entry's "ids" array holds them: JSON
     * strings joined by commas */
    struct vg_buf ids;
    struct vg_err *err;
};

static struct import_part *claim(struct import_op *op)
{
    struct import_part *pt = NULL;
    pthread_mutex_lock(&op->mu);
    if (!op->stop && op->claimed < op->nparts)
        pt = &op->part[op->claimed++];
    pthread_mutex_unlock(&op->mu);
    return pt;
}

static void parse_part(struct import_op *op, struct import_part *pt)
{
    part_run(pt);
    pthread_mutex_lock(&op->mu);
    pt->ready = 1;
    pthread_cond_broadcast(&op->cv);
    pthread_mutex_unlock(&op->mu);
}

/* How much nicer than the server a helper runs. The writer bounds an
 * import's rate and the helpers only need to stay a part ahead of it; on
 * a machine of few cores they took turns on its core with it (and with the
 * checkpoint thread and the client): yielding to it, they shorten the
 * import by 3-6% on two cores. */
#define IMPORT_HELPER_NICE 5

static void *helper_run(void *arg)
{
    struct import_op *op = arg;
    struct import_part *pt;
#ifdef __linux__
    /* Linux keeps a nice value per thread; elsewhere this would renice the
     * whole server, so it is Linux only. Failure changes nothing else. */
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, tid);
    if (errno == 0)
        setpriority(PRIO_PROCESS, tid, nice + IMPORT_HELPER_NICE);
#endif
    while ((pt = claim(op)) != NULL)
        parse_part(op, pt);
    return NULL;
}

/* Part t once prepared: parsed here when nobody has taken it (parts are
 * taken in order, and the writer asks for them in order). */
static struct import_part *part_ready(struct import_op *op, size_t t)
{
    struct import_part *pt = &op->part[t];
    int mine = 0;
    pthread_mutex_lock(&op->mu);
    if (op->claimed == t) {
        op->claimed++;
        mine = 1;
    }
    while (!mine && !pt->ready)
        pthread_cond_wait(&op->cv, &op->mu);
    pthread_mutex_unlock(&op->mu);
    if (mine)
        parse_part(op, pt);
    return pt;
}

/* Adds a written record's id to the audit entry's list. */
static void ids_add(struct import_op *op, const char *id)
{
    if (op->ids.n)
        vg_buf_putc(&op->ids, ',');
    vg_buf_put_jstr(&op->ids, id, strlen(id));
}

static int kev_one(struct vg_store *st, struct import_op *op, const struct import_item *it)
{
    struct vg_err e = {0};
    const char *cve, *added, *due;
    int changed = 0, rc;
    if (vg_kev_entry(it->rec, &cve, &added, &due, &e) != VG_OK) {
        skip(&op->part[0], it->index, &e);
        return VG_OK;
    }
    char *doc = vg_json_canonical(it->rec, NULL);
    struct vg_kev k = {.cve_id = cve, .date_added = added, .due_date = due, .doc = doc};
    rc = st->ops->kev_put(st, &k, &changed, op->err);
    free(doc);
    if (rc == VG_OK && changed) {
        op->imported++;
        ids_add(op, cve);
    } else if (rc == VG_OK) {
        op->unchanged++;
    }
    return rc;
}

static int skipped(const struct import_op *op)
{
    int n = 0;
    for (size_t t = 0; t < op->nparts; t++)
        n += op->part[t].skipped;
    return n;
}

/* One part of the request, stored (its index rows pending); its written
 * records appended to *w (malloc'd, *nw of them). */
static int store_part(struct vg_store *st, struct import_op *op, struct import_part *pt,
                      struct vg_vuln_put ***w, size_t *nw)
{
    struct vg_vuln_put **pw;
    size_t npw, i;
    int *changed = vg_arena_calloc(op->a, pt->nr + 1, sizeof(int));
    int rc = kb_store(st, pt->r, pt->nr, op->a, &op->pending, changed, &pw, &npw, op->err);
    if (rc)
        return rc;
    for (i = 0; i < pt->nr; i++) {
        if (!changed[i]) {
            op->unchanged++;
            continue;
        }
        op->imported++;
        ids_add(op, pt->r[i].v.id);
    }
    *w = vg_xrealloc(*w, (*nw + npw + 1) * sizeof(**w));
    memcpy(*w + *nw, pw, npw * sizeof(*pw));
    *nw += npw;
    return VG_OK;
}

/* The parts' written records, w[0..n), as one batch's: the last of each id,
 * in the order in which the ids were first written. Returns their number
 * (in w). */
static size_t last_written(struct vg_vuln_put **w, size_t n, struct vg_arena *a)
{
    size_t cap = 16, m = 0;
    while (cap < 2 * n)
        cap *= 2;
    size_t *byid = vg_arena_calloc(a, cap, sizeof(*byid)); /* id -> 1 + its place in w */
    for (size_t i = 0; i < n; i++) {
        size_t h = vg__kb_id_hash(w[i]->v.id) & (cap - 1);
        while (byid[h] && strcmp(w[byid[h] - 1]->v.id, w[i]->v.id) != 0)
            h = (h + 1) & (cap - 1);
        if (byid[h]) {
            w[byid[h] - 1] = w[i];
            continue;
        }
        byid[h] = m + 1;
        w[m++] = w[i];
    }
    return m;
}

/* The batch in the writer's transaction: the records stored part by part
 * as the parts are ready (their alias, package and full-text rows at the
 * end), every written one then matched against every unit's SBOMs, and one
 * audit entry naming them. */
static int import_tx(struct vg_store *st, void *ctx)
{
    struct import_op *op = ctx;
    int64_t now = vg_time_now_ms();
    size_t i, t;
    int rc = VG_OK;
    if (strcmp(op->format, "kev") == 0) {
        for (i = 0; i < op->part[0].nitems && rc == VG_OK; i++)
            rc = kev_one(st, op, &op->part[0].items[i]);
        if (rc)
            return rc;
    } else {
        struct vg_vuln_put **w = NULL;
        size_t nw = 0;
        for (t = 0; t < op->nparts && rc == VG_OK; t++)
            rc = store_part(st, op, part_ready(op, t), &w, &nw);
        if (rc == VG_OK)
            rc = kb_pending_flush(st, &op->pending, op->err);
        if (rc) {
            pthread_mutex_lock(&op->mu);
            op->stop = 1;
            pthread_mutex_unlock(&op->mu);
            free(w);
            return rc;
        }
        /* reverse matching reads jansson trees: records are decoded for it
         * only when there are components to match */
        if (!vg__expo_idle(op->srv))
            nw = last_written(w, nw, op->a);
        else
            nw = 0;
        for (i = 0; i < nw && rc == VG_OK; i++) {
            size_t units = 0;
            json_t *rec = json_loads(w[i]->v.doc, 0, NULL);
            rc = vg__expo_reverse(op->srv, st, rec, now, op->a, &op->queued, &units, op->err);
            op->alerted += units;
            json_decref(rec);
        }
        free(w);
        if (rc)
            return rc;
    }
    if (op->imported == 0)
        return VG_OK;
    /* The payload as vg_audit_append would write it (canonical JSON: keys
     * in order, compact, strings escaped as jansson does), written here
     * rather than built as a tree of one string per id and dumped. */
    struct vg_buf p = {0};
    vg_buf_append(&p, "{\"format\":", 10);
    vg_buf_put_jstr(&p, op->format, strlen(op->format));
    vg_buf_append(&p, ",\"ids\":[", 8);
    if (op->ids.n)
        vg_buf_append(&p, op->ids.p, op->ids.n);
    vg_buf_printf(&p, "],\"imported\":%d,\"skipped\":%d,\"unchanged\":%d}", op->imported,
                  skipped(op), op->unchanged);
    rc = vg_audit_append_text(st, op->who, "vuln.import", "vulns", op->format, p.p, p.n, now,
                              op->err);
    vg_buf_free(&p);
    return rc;
}

/* The checks common to both request forms; n < 0: not a list. */
static int import_check(const struct vg_actor *who, const char *format, long n,
                        struct vg_err *err)
{
    static const char *const formats[] = {"osv", "cve5", "nvd", "kev", NULL};
    int ok = 0, rc;
    if ((rc = vg_authz(who, VG_ACT_VULN_IMPORT, err)))
        return rc;
    for (int k = 0; formats[k]; k++)
        ok |= strcmp(formats[k], format) == 0;
    if (!ok)
        return vg_err_field(err, VG_EINVAL, "format", "format: osv, cve5, nvd or kev");
    if (n < 0)
        return vg_err_field(err, VG_EINVAL, "records", "records: must be an array");
    if (n > 10000)
        return vg_err_field(err, VG_ETOOBIG, "records", "records: at most 10000 per request");
    return VG_OK;
}

static void import_op_init(struct import_op *op, struct vg_server *srv,
                           const struct vg_actor *who, const char *format, size_t nparts,
                           struct vg_err *err)
{
    memset(op, 0, sizeof(*op));
    op->srv = srv;
    op->who = who;
    op->format = format;
    op->err = err;
    op->a = vg_arena_new(1 << 16);
    op->nparts = nparts;
    op->part = vg_xcalloc(nparts, sizeof(*op->part));
    pthread_mutex_init(&op->mu, NULL);
    pthread_cond_init(&op->cv, NULL);
    int64_t now = vg_time_now_ms();
    for (size_t t = 0; t < nparts; t++) {
        op->part[t].format = format;
        op->part[t].now = now;
        op->part[t].a = vg_arena_new(1 << 20);
        op->part[t].errors = json_array();
    }
}

/* A client's bulk requests in the order it sent them (?session=&seq=):
 * `vigil import` sends a batch while the one before is still with the
 * server, so that its upload and parsing overlap the transaction before
 * (the writer waited for each upload, 5-10% of an import). A request of a
 * session is stored after every request before it in the session is done
 * (stored or refused): batches are stored in the order sent, as when sent
 * one by one. It waits for them, after it is parsed, only when they have
 * all come (each is then in a handler of its own, on another thread: the
 * HTTP server reads a connection's request only on the thread that runs
 * its handler, so waiting for one that has not come could wait for this
 * very thread); else it is refused at once (409, field seq, nothing
 * stored) and the client sends it again once the one before is answered.
 * One table for the process: a session is a client's, not a server's; it
 * is the user's who sends it (another user's S is another session, so that
 * nobody can hold up or reorder someone else's import). */
#define ORDER_SESSIONS 64

struct order_session {
    char id[VG_IMPORT_SESSION_MAX + 1]; /* "" for a free slot */
    int64_t user;                       /* whose session it is */
    uint64_t next;                      /* the requests before it are done */
    uint64_t came;                      /* bit i: request next + i has come */
    int64_t used;                       /* when last left (ms), to reuse the oldest */
    int inside;                         /* requests between order_arrive and order_leave */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct order_session s[ORDER_SESSIONS];
} order = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {{{0}, 0, 0, 0, 0, 0}}};

/* Request o->seq has come: *out is its session's slot (for order_wait and
 * order_leave). VG_ERATE: every slot is taken by requests in progress. */
static int order_arrive(const struct vg_import_order *o, int64_t user,
                        struct order_session **out, struct vg_err *err)
{
    struct order_session *os = NULL, *oldest = NULL;
    pthread_mutex_lock(&order.mu);
    for (int k = 0; k < ORDER_SESSIONS && os == NULL; k++) {
        struct order_session *x = &order.s[k];
        if (x->user == user && strcmp(x->id, o->session) == 0)
            os = x;
        else if (x->inside == 0 && (oldest == NULL || x->used < oldest->used))
            oldest = x;
    }
    if (os == NULL && oldest) {
        os = oldest;
        snprintf(os->id, sizeof(os->id), "%s", o->session);
        os->user = user;
        os->next = os->came = 0;
    }
    *out = os;
    if (os) {
        os->inside++;
        if (o->seq >= os->next && o->seq - os->next < 64)
            os->came |= (uint64_t)1 << (o->seq - os->next);
    }
    pthread_mutex_unlock(&order.mu);
    return os ? VG_OK : vg_err_set(err, VG_ERATE, "session: too many imports; try again");
}

/* Waits until request o->seq is its session's next, while the one it waits
 * for has come. VG_ECONFLICT: one before it has not come. */
static int order_wait(struct order_session *os, const struct vg_import_order *o,
                      struct vg_err *err)
{
    uint64_t missing = 0;
    pthread_mutex_lock(&order.mu);
    while (os->next < o->seq && (os->came & 1))
        pthread_cond_wait(&order.cv, &order.mu);
    if (os->next < o->seq)
        missing = os->next + 1;
    pthread_mutex_unlock(&order.mu);
    if (missing)
        return vg_err_field(err, VG_ECONFLICT, "seq",
                            "seq: request %llu of this session has not come; nothing stored, "
                            "send this one again once it is answered",
                            (unsigned long long)(missing - 1));
    return VG_OK;
}

/* Request o->seq is done (stored or refused): the next may go. */
static void order_leave(struct order_session *os, const struct vg_import_order *o)
{
    pthread_mutex_lock(&order.mu);
    if (os->next == o->seq) {
        os->next = o->seq + 1;
        os->came >>= 1;
    } else if (o->seq > os->next && o->seq - os->next < 64) {
        os->came &= ~((uint64_t)1 << (o->seq - os->next)); /* refused: may come again */
    }
    os->inside--;
    os->used = vg_time_now_ms();
    pthread_cond_broadcast(&order.cv);
    pthread_mutex_unlock(&order.mu);
}

/* A request refused before its transaction, done in its turn when it can
 * be (the session's next then goes on). */
static void order_refused(struct order_session *os, const struct vg_import_order *o)
{
    struct vg_err e = {0};
    if (os) {
        order_wait(os, o, &e);
        order_leave(os, o);
    }
}

/* Prepares the parts and stores them in one transaction. With helpers (a
 * large request on a machine of several cores), helper threads parse parts
 * while the transaction stores the ones before: the writer waits for the
 * first part only. Without, every part is prepared before the transaction
 * begins, so that the writer is held for the storing alone. */
static int import_run(struct vg_server *srv, struct import_op *op, size_t helpers,
                      struct order_session *os, const struct vg_import_order *o, json_t **out,
                      struct vg_err *err)
{
    pthread_t th[IMPORT_HELPERS];
    size_t t, i, started = 0;
    struct import_part *pt;
    int rc;
    if ((rc = vg_expo_ensure(srv, err)) == VG_OK) {
        for (t = 0; t < helpers && t < IMPORT_HELPERS; t++)
            if (pthread_create(&th[started], NULL, helper_run, op) == 0)
                started++;
        if (started == 0)
            while ((pt = claim(op)) != NULL)
                parse_part(op, pt);
        /* in its session's order: the helpers parse meanwhile */
        if (os == NULL || (rc = order_wait(os, o, err)) == VG_OK)
            rc = vg__tx(srv, 1, import_tx, op, err);
        if (os)
            order_leave(os, o);
        /* the transaction failed before it took every part: take no more */
        pthread_mutex_lock(&op->mu);
        op->stop = 1;
        pthread_mutex_unlock(&op->mu);
        for (t = 0; t < started; t++)
            pthread_join(th[t], NULL);
    } else {
        order_refused(os, o);
    }
    json_t *errors = op->part[0].errors;
    for (t = 0; t < op->nparts; t++) {
        pt = &op->part[t];
        for (i = 0; i < pt->nitems; i++)
            json_decref(pt->items[i].rec);
        if (t && json_array_size(errors) < IMPORT_ERRORS)
            json_array_extend(errors, pt->errors);
        if (t)
            json_decref(pt->errors);
    }
    while (json_array_size(errors) > IMPORT_ERRORS)
        json_array_remove(errors, IMPORT_ERRORS);
    if (rc == VG_OK && op->queued)
        vg_notifier_kick(srv->notifier);
    if (rc == VG_OK && op->imported && strcmp(op->format, "kev") != 0)
        vg_kb_mark(srv);
    if (rc == VG_OK)
        *out = json_pack("{s:s, s:i, s:i, s:i, s:I, s:o}", "format", op->format, "imported",
                         op->imported, "unchanged", op->unchanged, "skipped", skipped(op),
                         "units_alerted", (json_int_t)op->alerted, "errors", errors);
    else
        json_decref(errors);
    for (t = 0; t < op->nparts; t++) {
        vg_arena_free(op->part[t].a);
        vg_buf_free(&op->part[t].keys);
    }
    free(op->part);
    kb_pending_free(&op->pending);
    pthread_mutex_destroy(&op->mu);
    pthread_cond_destroy(&op->cv);
    vg_arena_free(op->a);
    vg_buf_free(&op->ids);
    return rc;
}

int vg_svc_vuln_import(struct vg_server *srv, const struct vg_actor *who, const char *format,
                       json_t *records, json_t **out, struct vg_err *err)
{
    struct import_op op;
    struct import_part *pt;
    size_t i;
    json_t *r;
    int rc;
    if ((rc = import_check(who, format,
                           json_is_array(records) ? (long)json_array_size(records) : -1, err)))
        return rc;
    import_op_init(&op, srv, who, format, 1, err);
    pt = &op.part[0];
    pt->items = vg_arena_alloc(pt->a, (json_array_size(records) + 1) * sizeof(*pt->items));
    json_array_foreach(records, i, r) pt->items[pt->nitems++] =
        (struct import_item){.rec = json_incref(r), .index = i};
    return import_run(srv, &op, 0, NULL, NULL, out, err);
}

int vg_svc_vuln_import_lines(struct vg_server *srv, const struct vg_actor *who,
                             const char *format, const char *body, size_t n,
                             const struct vg_import_order *o, json_t **out, struct vg_err *err)
{
    const char *end = body + n, *p = body;
    struct import_op op;
    size_t lines = 0, nparts, t, helpers;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    struct order_session *os = NULL;
    int rc;
    if (o && (rc = order_arrive(o, who->user_id, &os, err)))
        return rc;
    for (const char *q = body; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        lines++;
    if ((rc = import_check(who, format, (long)(lines + (n && end[-1] != '\n')), err))) {
        order_refused(os, o);
        return rc;
    }
    /* Parts of about IMPORT_PART_BYTES, which helper threads (one fewer
     * than the cores) parse while the transaction stores the parts before;
     * on one core, one part, prepared before the transaction begins. */
    nparts = n / IMPORT_PART_BYTES + 1;
    if (nparts > IMPORT_PARTS)
        nparts = IMPORT_PARTS;
    if (ncpu < 2 || strcmp(format, "kev") == 0)
        nparts = 1; /* KEV entries are stored as they are read */
    helpers = nparts - 1;
    if (helpers > (size_t)ncpu - 1)
        helpers = (size_t)ncpu - 1;
    import_op_init(&op, srv, who, format, nparts, err);
    /* shares of about equal size, cut after a newline */
    for (t = 0, lines = 0; t < nparts; t++) {
        const char *e = t + 1 == nparts ? end : body + n / nparts * (t + 1);
        if (e < p)
            e = p;
        while (e < end && e > body && e[-1] != '\n')
            e++;
        op.part[t].b = p;
        op.part[t].e = e;
        op.part[t].first = lines;
        for (const char *q = p; (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
            lines++;
        p = e;
    }
    return import_run(srv, &op, helpers, os, o, out, err);
}
