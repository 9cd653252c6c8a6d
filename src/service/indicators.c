/* Threat indicators: submission (STIX 2.1 bundles and plain JSON, mapped to
 * STIX), correlation into one entity per observable with one source per
 * reporting unit, sightings, and TLP on every REST read.
 * Not for: the lookup index (ioc_lookup.c), the TAXII protocol (taxii.c) or
 * disposal notices (disposal.c). */
#include "service/indicators.h"
#include "service/service_int.h"
#include "core/json.h"
#include "core/sha256.h"
#include "core/log.h"
#include "core/util.h"
#include "engine/stix/ioc_index.h"
#include "engine/stix/pattern.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONFIDENCE 50
#define MAX_PLAIN 100000

/* ---- viewers ---- */

/* The same rule as vg__ioc_relation, as SQL parameters. */
struct vg_ioc_viewer vg__ioc_viewer(const struct vg_actor *who)
{
    struct vg_ioc_viewer v = {.max_tlp = VG_TLP_CLEAR, .org = -1};
    if (who == NULL || who->org_status != VG_ORG_ACTIVE)
        return v;
    v.org = who->org_id;
    v.max_tlp = vg__staff(who) ? VG_TLP_AMBER_STRICT : VG_TLP_GREEN;
    return v;
}

/* The originator and named recipients: NAMED; operator staff: RECIPIENT of
 * every submission (AMBER+STRICT, not RED unless named); other active units:
 * COMMUNITY; a suspended unit: CLEAR only, its own reports included. */
enum vg_tlp_relation vg__ioc_relation(const struct vg_actor *who, int64_t org,
                                      const int64_t *recips, int nrecips)
{
    if (who == NULL)
        return VG_TLP_VIEW_PUBLIC;
    if (who->org_status != VG_ORG_ACTIVE)
        return VG_TLP_VIEW_SUSPENDED;
    if (org == who->org_id)
        return VG_TLP_VIEW_NAMED;
    for (int i = 0; i < nrecips; i++)
        if (recips[i] == who->org_id)
            return VG_TLP_VIEW_NAMED;
    return vg__staff(who) ? VG_TLP_VIEW_RECIPIENT : VG_TLP_VIEW_COMMUNITY;
}

static int sees(const struct vg_actor *who, int tlp, int64_t org, const char *recips)
{
    int64_t *r = NULL;
    int n = vg__ioc_parse_recips(recips, &r);
    int ok = vg_tlp_allows((enum vg_tlp)tlp, vg__ioc_relation(who, org, r, n));
    free(r);
    return ok;
}

/* ---- small helpers ---- */

void vg__uuid4(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* A stable identity id for a unit (version 5 style over its number). */
static void org_identity(int64_t org, char out[64])
{
    unsigned char h[32];
    char in[48];
    snprintf(in, sizeof(in), "vigil-unit-%lld", (long long)org);
    vg_sha256(in, strlen(in), h);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    snprintf(out, 64,
             "identity--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
             h[13], h[14], h[15]);
}

static void stix_time(int64_t ms, char out[40])
{
    char b[32];
    vg_time_format(ms - ms % 1000, b); /* "…:SSZ" */
    size_t n = strlen(b);
    snprintf(out, 40, "%.*s.%03dZ", (int)(n - 1), b, (int)(ms % 1000));
}

void vg__ioc_time_us(int64_t us, char out[40])
{
    char b[32];
    int64_t ms = us / 1000000 * 1000;
    vg_time_format(ms, b);
    size_t n = strlen(b);
    snprintf(out, 40, "%.*s.%06dZ", (int)(n - 1), b, (int)(us % 1000000));
}

int64_t vg__now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static json_t *time_or_null(int64_t ms)
{
    return ms ? vg__time_json(ms) : json_null();
}

/* JSON string escaping for output written by hand (the hot lookup and
 * querybatch paths): the plain prefix copied by vg_buf_jplain (eight bytes
 * a step), controls after it as \u00xx. */
void vg__json_str(struct vg_buf *b, const char *s)
{
    size_t n = strlen(s), i;
    char *o = vg_buf_room(b, n + 2);
    o[0] = '"';
    i = vg_buf_jplain(o + 1, s, n);
    b->n += 1 + i;
    for (const unsigned char *p = (const unsigned char *)s + i; *p; p++) {
        if (*p == '"' || *p == '\\') {
            vg_buf_putc(b, '\\');
            vg_buf_putc(b, (char)*p);
        } else if (*p < 0x20) {
            vg_buf_printf(b, "\\u%04x", *p);
        } else {
            vg_buf_putc(b, (char)*p);
        }
    }
    vg_buf_putc(b, '"');
}

/* ---- ingest: STIX objects (from REST, plain JSON or TAXII) into the store ---- */

static int items_reused(const struct vg__ingest *g);

/* A big ingest's list of touched sources (a block not touched yet, 4 MiB or
 * more) faults in 2 MiB at a time rather than 4 KiB. */
static void huge_advise(void *p, size_t n)
{
    if (n >= ((size_t)4 << 20))
        vg_huge_advise(p, n);
}

static void touch_add(struct vg__ingest *g, const struct vg__touched *t)
{
    struct vg__touch_list *l = &g->touched;
    struct vg__touched c = *t;
    if (items_reused(g)) { /* the item's memory is used again before the commit */
        c.value = vg_arena_strdup(g->a, t->value);
        c.recipients = t->recipients ? vg_arena_strdup(g->a, t->recipients) : NULL;
    }
    if (l->n == l->cap) { /* malloc'd (realloc moves no pages): vg__ioc_ingest frees */
        pthread_mutex_lock(&l->mu); /* the follower is not reading it */
        if (l->cap == 0 && g->n >= VG_IOC_BIG) { /* a big ingest: room for one each, at once */
            l->cap = g->n;
            l->v = vg_xmalloc(l->cap * sizeof(*l->v));
            huge_advise(l->v, l->cap * sizeof(*l->v));
        } else {
            l->cap = l->cap ? 2 * l->cap : 64;
            l->v = vg_xrealloc(l->v, l->cap * sizeof(*l->v));
        }
        pthread_mutex_unlock(&l->mu);
    }
    l->v[l->n++] = c;
    atomic_store_explicit(&l->pub, l->n, memory_order_release);
}

/* Observables carried by a STIX object: pattern equalities of an indicator,
 * the value of an SCO, the hashes of a file. The results live in a; a
 * pattern's syntax tree in scratch (reset by the caller) when not NULL.
 * tree: the pattern's tree from the validation, or NULL to parse it. */
static int observables(struct vg__ioc_item *it, const struct vg_pat_node *tree,
                       struct vg_arena *a, struct vg_arena *scratch,
                       struct vg_pat_observable **out, size_t *n)
{
    const char *type = it->so.type;
    struct vg_err e = {0};
    *n = 0;
    *out = NULL;
    if (it->plain_type) {
        *out = vg_arena_alloc(a, sizeof(**out));
        (*out)[0].type = it->plain_type;
        (*out)[0].value = it->plain_value;
        *n = 1;
        return VG_OK;
    }
    if (strcmp(type, "indicator") == 0) {
        struct vg_pat_node *root;
        struct vg_pat_observable *o;
        struct vg_arena *t = scratch ? scratch : a;
        int rc;
        if (it->so.pattern_type == NULL || strcmp(it->so.pattern_type, "stix") != 0)
            return VG_OK;
        if (tree == NULL) {
            if (vg_stix_pattern_parse(it->so.pattern, strlen(it->so.pattern), t, NULL, &root, &e))
                return VG_OK; /* validated already; nothing to take */
            tree = root;
        }
        if ((rc = vg_stix_pattern_observables(tree, t, &o, n, NULL, &e)) != VG_OK || t == a) {
            *out = o;
            return rc;
        }
        *out = *n ? vg_arena_alloc(a, *n * sizeof(**out)) : NULL;
        for (size_t i = 0; i < *n; i++) {
            (*out)[i] = o[i];
            (*out)[i].value = vg_arena_strdup(a, o[i].value);
        }
        return VG_OK;
    }
    static const struct { const char *stix; enum vg_ioc_type t; } scos[] = {
        {"ipv4-addr", VG_IOC_IP}, {"ipv6-addr", VG_IOC_IP}, {"domain-name", VG_IOC_DOMAIN},
        {"url", VG_IOC_URL}, {"email-addr", VG_IOC_EMAIL},
    };
    for (size_t i = 0; i < VG_ARRAY_LEN(scos); i++) {
        if (strcmp(type, scos[i].stix) != 0)
            continue;
        const char *v = vg_jstr(vg_jget(it->obj, "value"));
        char buf[VG_IOC_MAX + 1];
        size_t bn;
        if (v && vg_ioc_normalize(scos[i].t, v, strlen(v), buf, sizeof(buf), &bn, &e) == VG_OK) {
            *out = vg_arena_alloc(a, sizeof(**out));
            (*out)[0].type = scos[i].t;
            (*out)[0].value = vg_arena_strndup(a, buf, bn);
            *n = 1;
        }
        return VG_OK;
    }
    if (strcmp(type, "file") == 0 || strcmp(type, "artifact") == 0) {
        const struct vg_jval *h = vg_jget(it->obj, "hashes");
        const struct vg_jmem *m;
        size_t cnt = 0, j;
        *out = vg_arena_alloc(a, 4 * sizeof(**out));
        VG_JOBJ_FOREACH(h, j, m) {
            enum vg_ioc_type t = vg_ioc_type_parse(m->key.u.s);
            char buf[VG_IOC_MAX + 1];
            size_t bn;
            const char *s = vg_jstr(&m->val);
            if (cnt < 4 && s && t >= VG_IOC_MD5 &&
                vg_ioc_normalize(t, s, strlen(s), buf, sizeof(buf), &bn, &e) == VG_OK) {
                (*out)[cnt].type = t;
                (*out)[cnt].value = vg_arena_strndup(a, buf, bn);
                cnt++;
            }
        }
        *n = cnt;
    }
    return VG_OK;
}

static int check_recipients(struct vg_store *st, const char *recips, struct vg_arena *a,
                            struct vg_err *err)
{
    int64_t *r = NULL;
    int n = vg__ioc_parse_recips(recips, &r), rc = VG_OK;
    for (int i = 0; rc == VG_OK && i < n; i++) {
        struct vg_org o;
        rc = st->ops->org_get(st, r[i], a, &o, err);
        if (rc == VG_ENOTFOUND) {
            vg_err_clear(err);
            rc = vg_err_set(err, VG_EINVAL, "recipients: no unit %lld", (long long)r[i]);
        }
    }
    free(r);
    return rc;
}

/* The stored row's columns of it that its document gives: spec_version,
 * and its version (modified, else created, else none). */
static void item_row(struct vg__ioc_item *it)
{
    it->spec_version = vg_jstr(vg_jget(it->obj, "spec_version"));
    if (it->spec_version == NULL)
        it->spec_version = "2.1";
    it->version = vg_jstr(vg_jget(it->obj, "modified"));
    it->version_ms = it->so.modified;
    if (it->version == NULL) {
        it->version = vg_jstr(vg_jget(it->obj, "created"));
        it->version_ms = it->so.created;
    }
    if (it->version == NULL || it->version_ms == VG_STIX_TIME_NONE) {
        it->version = "";
        it->version_ms = 0;
    }
    it->has_row = 1;
}

/* The store's key hashes of a prepared item (its id; each observable's
 * type and value), in a: taken off the writer, which then only probes. */
static void item_hashes(struct vg__ioc_item *it, struct vg_arena *a)
{
    it->id_hash = vg_store_key_hash(it->so.id, NULL);
    it->obs_hash = it->nobs ? vg_arena_alloc(a, it->nobs * sizeof(*it->obs_hash)) : NULL;
    for (size_t i = 0; i < it->nobs; i++)
        it->obs_hash[i] = vg_store_key_hash(vg_ioc_type_name(it->obs[i].type), it->obs[i].value);
    it->value_hash = it->nobs ? it->obs_hash[0] : 0;
}

/* Stores item it; ahead (or NULL) is one the writer stores a few items
 * later, ready already: the store fetches its key slots meanwhile. */
static int ingest_item(struct vg_store *st, struct vg__ingest *g, struct vg__ioc_item *it,
                       const struct vg__ioc_item *ahead, int64_t now, struct vg_err *err)
{
    struct vg_taxii_object o;
    struct vg_pat_observable *obs;
    const struct vg_jval *labels;
    const char *ltext = NULL;
    size_t nobs;
    int rc;
    if (it->recips && (rc = check_recipients(st, it->recips, g->a, err)) != VG_OK)
        return rc;
    memset(&o, 0, sizeof(o));
    o.collection = g->collection;
    o.id = it->so.id;
    o.type = it->so.type;
    if (!it->has_row)
        item_row(it);
    o.spec_version = it->spec_version;
    o.version = it->version;
    o.version_ms = it->version_ms;
    o.key_hash = it->id_hash;
    if (ahead) {
        o.ahead_id = ahead->id_hash;
        o.ahead_value = ahead->value_hash;
    }
    o.date_added = vg__now_us();
    o.tlp = it->tlp;
    o.org_id = g->who->org_id;
    o.recipients = it->recips;
    if (it->body) { /* written by plain_item */
        o.body = it->body;
        o.body_len = it->body_len;
    } else { /* as received, compact: what TAXII serves verbatim */
        vg_buf_reset(&g->text);
        vg_stix_json_write(it->obj, &g->text);
        o.body = g->text.p;
    }
    rc = st->ops->taxii_put(st, &o, err);
    if (rc == VG_ECONFLICT) { /* this version is stored already: idempotent */
        vg_err_clear(err);
        it->duplicate = 1;
        g->duplicates++;
        return VG_OK;
    }
    if (rc)
        return rc;
    g->stored++;
    if (strcmp(it->so.type, "sighting") == 0) {
        const char *of = vg_jstr(vg_jget(it->obj, "sighting_of_ref"));
        const struct vg_jval *c = vg_jget(it->obj, "count");
        struct vg_ioc_source *srcs;
        size_t ns;
        int64_t seen = now;
        const char *ls = vg_jstr(vg_jget(it->obj, "last_seen"));
        if (ls)
            vg_stix_time_parse(ls, 0, &seen);
        if ((rc = st->ops->ioc_sources_by_stix(st, of, g->a, &srcs, &ns, err)) != VG_OK)
            return rc;
        for (size_t i = 0; i < ns; i++) {
            int dup = 0;
            for (size_t k = 0; k < i; k++)
                dup |= srcs[k].ioc_id == srcs[i].ioc_id;
            if (dup)
                continue;
            struct vg_ioc_sighting s = {.ioc_id = srcs[i].ioc_id, .org_id = g->who->org_id,
                                        .at = seen, .count = vg_jis(c, VG_JINT) ? c->u.i : 1,
                                        .tlp = it->tlp, .stix_id = it->so.id};
            if ((rc = st->ops->ioc_sighting_insert(st, &s, err)) != VG_OK)
                return rc;
            g->sightings++;
        }
        return VG_OK;
    }
    if (it->has_obs) { /* taken by the preparing thread */
        obs = it->obs;
        nobs = it->nobs;
        ltext = it->ltext;
    } else {
        if ((rc = observables(it, NULL, g->a, NULL, &obs, &nobs)) != VG_OK)
            return rc;
        if (nobs && (labels = vg_jget(it->obj, "labels")) != NULL) {
            struct vg_buf lb = {0};
            vg_stix_json_write(labels, &lb);
            ltext = vg_arena_strndup(g->a, lb.p, lb.n);
            vg_buf_free(&lb);
        }
    }
    for (size_t i = 0; i < nobs; i++) {
        struct vg_ioc_source src;
        const char *tname = vg_ioc_type_name(obs[i].type);
        int64_t id;
        uint64_t vh = it->has_obs && it->obs_hash ? it->obs_hash[i] : 0;
        if ((rc = st->ops->ioc_upsert(st, tname, obs[i].value, vh, now, &id, err)) != VG_OK)
            return rc;
        memset(&src, 0, sizeof(src));
        src.ioc_id = id;
        src.org_id = g->who->org_id;
        src.stix_id = it->so.id;
        src.key_hash = it->id_hash;
        src.tlp = it->tlp;
        src.confidence = it->so.confidence >= 0 ? it->so.confidence : DEFAULT_CONFIDENCE;
        src.labels = ltext;
        src.recipients = it->recips;
        src.valid_from = it->so.valid_from != VG_STIX_TIME_NONE ? it->so.valid_from : now;
        src.valid_until = it->so.valid_until != VG_STIX_TIME_NONE ? it->so.valid_until : 0;
        if (it->so.revoked)
            src.valid_until = now; /* a revoked indicator is no hit from now on */
        src.first_seen = src.last_seen = now;
        if ((rc = st->ops->ioc_source_put(st, &src, err)) != VG_OK)
            return rc;
        struct vg__touched t = {.source_id = src.id, .ioc_id = id, .org_id = src.org_id,
                                .tlp = src.tlp, .confidence = src.confidence,
                                .valid_until = src.valid_until,
                                .valid_from = src.valid_from, .type = tname,
                                .value = obs[i].value, .recipients = it->recips};
        touch_add(g, &t);
        if (g->iocs && json_array_size(g->iocs) < 1000)
            json_array_append_new(g->iocs,
                                  json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "type",
                                            tname, "value", obs[i].value, "stix_id", it->so.id));
        g->indicators++;
    }
    return VG_OK;
}

static int plain_item(const struct vg_actor *who, const struct vg_jval *e, size_t i, int64_t now,
                      struct vg_arena *a, struct vg_buf *b, struct vg__ioc_item *it,
                      struct vg_err *err);

/* ---- pipelined preparation ----
 * A submission's objects are checked and prepared (validation, TLP and
 * recipients, the stored text, observables) by a second thread, in order,
 * while the writer stores the ones ready: the box's second core. The writer
 * waits for each item; an invalid object stops the transaction (nothing is
 * stored) and is the answer, as when every object was checked first. */

#define CHUNK 256 /* items published at a time, and a ring's chunk */
#define NCHUNK 8
#define RING (CHUNK * NCHUNK)

struct vg__prep {
    struct vg__ingest *g;
    const struct vg_actor *who;
    const char *raw;
    size_t rawlen;
    struct vg_stix_bundle *bundle;  /* objects of a bundle, or */
    const struct vg_jval *plain;    /* the plain JSON "indicators" list, or */
    int checked;                    /* items read and checked by the caller (TAXII) */
    const struct vg_jtop *top;      /* or the spans of a bundle's objects in raw, each
                                     * parsed here (vg_svc_ioc_submit_raw) */
    int64_t now;
    struct vg_arena *a, *scratch;   /* the thread's: items' text, observables */
    struct vg_buf text;
    pthread_t thread;
    int threaded;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;                   /* items [0, ready) are prepared */
    size_t seen;                    /* the writer's last look at ready (its own) */
    int done, rc;
    struct vg_err err;
    /* A streamed bundle of more than RING items: its items in a ring (item i
     * in g->items[i % ring]), chunk c's text, observables and document in
     * ca[c % NCHUNK], used again once the writer is done with c (released:
     * the items it is done with; SIZE_MAX when it stopped). */
    size_t ring, released;
    struct vg_arena *ca[NCHUNK];
    struct vg_arena *check;         /* a document only checked, after a failure */
    struct vg_jscan_keep keep;      /* the parser's scratch, from one object to the next */
    int give;                       /* raw's pages go back to the system once read */
    size_t given;                   /* raw[0, given) is given back */
};

static int items_reused(const struct vg__ingest *g)
{
    return g->prep && g->prep->ring;
}

/* Item i of g (in a ring or not). */
static inline struct vg__ioc_item *item_at(struct vg__ingest *g, size_t i)
{
    return g->prep && g->prep->ring ? &g->items[i % g->prep->ring] : &g->items[i];
}

/* The preparing thread: waits until the writer is done with chunk
 * c - NCHUNK, whose slots and arena chunk c takes. */
static void ring_wait(struct vg__prep *p, size_t c)
{
    if (c < NCHUNK)
        return;
    pthread_mutex_lock(&p->mu);
    while (p->released < (c - NCHUNK + 1) * CHUNK)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* The writer: it is done with items [0, k) (SIZE_MAX: with all, it stops). */
static void ring_release(struct vg__prep *p, size_t k)
{
    pthread_mutex_lock(&p->mu);
    if (k > p->released)
        p->released = k;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void prep_publish(struct vg__prep *p, size_t ready, int done, int rc)
{
    pthread_mutex_lock(&p->mu);
    p->ready = ready;
    if (done) {
        p->done = 1;
        p->rc = rc;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Item i once valid (a bundle's object validated by the caller; a streamed
 * one with obj and so set), its text and observables in a. */
static int prep_item(struct vg__prep *p, size_t i, struct vg_arena *a, struct vg_err *err)
{
    struct vg__ingest *g = p->g;
    struct vg__ioc_item *it = item_at(g, i);
    const struct vg_jval *labels;
    const struct vg_pat_node *tree = NULL;
    int rc;
    if (p->plain) {
        rc = plain_item(p->who, &p->plain->u.a[i], i, p->now, a, &p->text, it, err);
        if (rc)
            return rc;
    } else if (p->checked) { /* TAXII: a failed object is reported, the rest stored */
        if (it->failed)
            return VG_OK;
        vg_buf_reset(&p->text);
        vg_stix_json_write(it->obj, &p->text);
        it->body = vg_arena_strndup(a, p->text.p, p->text.n);
        it->body_len = p->text.n;
    } else {
        struct vg_stix_bundle *b = p->bundle;
        if (p->top == NULL) {
            it->obj = b->objects[i].json;
            it->so = b->objects[i];
            b->objects[i].pattern_ast = NULL;
        }
        tree = it->so.pattern_ast; /* in p->scratch until the reset below */
        it->so.pattern_ast = NULL;
        if ((rc = vg__ioc_item_prepare(it, "", a, err)) && (p->top || b->id)) {
            char path[40]; /* written only for the message */
            snprintf(path, sizeof(path), "objects[%zu]", i);
            vg_err_clear(err);
            rc = vg__ioc_item_prepare(it, path, a, err);
        }
        if (rc)
            return rc;
        vg_buf_reset(&p->text);
        vg_stix_json_write(it->obj, &p->text);
        it->body = vg_arena_strndup(a, p->text.p, p->text.n);
        it->body_len = p->text.n;
    }
    if ((rc = observables(it, tree, a, p->scratch, &it->obs, &it->nobs)) != VG_OK) {
        vg_arena_reset(p->scratch);
        if (!p->checked)
            return rc;
        it->failed = 1; /* before it is stored: a failure stores nothing */
        it->msg = vg_arena_printf(a, "%s: its pattern's observables cannot be taken",
                                  it->so.id);
        return VG_OK;
    }
    vg_arena_reset(p->scratch);
    if (it->nobs && (labels = vg_jget(it->obj, "labels")) != NULL) {
        vg_buf_reset(&p->text);
        vg_stix_json_write(labels, &p->text);
        it->ltext = vg_arena_strndup(a, p->text.p, p->text.n);
    }
    it->has_obs = 1;
    item_hashes(it, a);
    item_row(it);
    return VG_OK;
}

/* The body's SHA-256 (for the audit entry, written last), taken by the
 * preparing thread along with the items -- the share of the body the items
 * prepared so far take -- rather than first, so that the writer does not
 * wait for all of it (without the SHA extensions it costs about as much per
 * object as the rest of the preparation; with them, a fifth of that). */
struct body_digest {
    const struct vg__prep *p;
    struct vg_sha256 hs;
    size_t done; /* bytes of the body digested */
};

static void digest_start(const struct vg__prep *p, struct body_digest *d)
{
    d->p = p;
    d->done = 0;
    vg_sha256_init(&d->hs);
}

/* Digests up to the share of the body that items [0, items) take. */
static void digest_upto(struct body_digest *d, size_t items)
{
    const struct vg__prep *p = d->p;
    size_t upto = (size_t)((double)p->rawlen * (double)items / (double)p->g->n);
    if (upto > d->done && upto <= p->rawlen) {
        vg_sha256_update(&d->hs, (const unsigned char *)p->raw + d->done, upto - d->done);
        d->done = upto;
    }
}

/* The rest of the body; the digest into g->sha256. */
static void digest_end(struct body_digest *d)
{
    const struct vg__prep *p = d->p;
    unsigned char h[32];
    vg_sha256_update(&d->hs, (const unsigned char *)p->raw + d->done, p->rawlen - d->done);
    vg_sha256_final(&d->hs, h);
    vg_hex(h, 32, p->g->sha256);
}

/* The answer is the one of checking every object first: a bundle's first
 * invalid object, else the first object whose TLP or recipients are wrong
 * (after which the rest are only validated). */
static void *prep_run(void *ctx)
{
    struct vg__prep *p = ctx;
    struct vg__ingest *g = p->g;
    struct vg_stix_bundle *b = p->bundle;
    struct vg_err perr = {0};
    struct body_digest d;
    size_t i, ready = 0;
    int rc = VG_OK, prc = VG_OK;
    digest_start(p, &d);
    for (i = 0; i < g->n; i++) {
        if (b && b->id && (rc = vg_stix_bundle_object(b, i, p->scratch, &p->err)) != VG_OK)
            break;
        if (prc != VG_OK)
            continue;
        if ((prc = prep_item(p, i, p->a, &perr)) != VG_OK) {
            if (p->plain) {
                rc = prc;
                p->err = perr;
                break;
            }
            continue;
        }
        ready = i + 1;
        if ((i & 255) == 255) {
            digest_upto(&d, i + 1);
            prep_publish(p, ready, 0, VG_OK);
        }
    }
    if (rc == VG_OK && prc != VG_OK) {
        rc = prc;
        p->err = perr;
    }
    digest_end(&d);
    prep_publish(p, ready, 1, rc);
    return NULL;
}

/* Gives the pages of raw[0, upto) back to the system (they read as zeros
 * after): a streamed body, when its caller gave it, once digested and
 * parsed. In steps of 1 MiB or more, whole pages inside raw only. */
static void give_back(struct vg__prep *p, size_t upto)
{
#ifdef MADV_DONTNEED
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), base = (uintptr_t)p->raw;
    uintptr_t lo = (base + p->given + pg - 1) / pg * pg, hi = (base + upto) / pg * pg;
    if (!p->give || pg == 0 || hi < lo + ((uintptr_t)1 << 20))
        return;
    if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0)
        p->given = hi - base;
#else
    (void)p;
    (void)upto;
#endif
}

/* prep_run for a bundle whose objects are parsed here, each from its span
 * (p->top), into its chunk's arena. The answer is the one of parsing the
 * whole body first, then checking every object: the first object that is
 * not JSON (in document order: every span before it parsed), else the
 * first invalid object, else the first whose TLP or recipients are wrong;
 * after a failure the rest are only parsed (or parsed and validated). */
static void *stream_run(void *ctx)
{
    struct vg__prep *p = ctx;
    struct vg__ingest *g = p->g;
    struct body_digest d;
    size_t i, ready = 0;
    int rc = VG_OK, prc = VG_OK;
    const struct vg_jscan_opt opt = {.keep = &p->keep};
    digest_start(p, &d);
    for (i = 0; i < g->n; i++) {
        struct vg_err e = {0};
        struct vg_arena *a = p->check;
        const struct vg_jval *ov;
        struct vg_stix_object so;
        int r;
        if (rc == VG_OK && prc == VG_OK) { /* to be stored: in its chunk */
            a = p->a;
            if (p->ring) {
                a = p->ca[i / CHUNK % NCHUNK];
                if (i % CHUNK == 0) {
                    size_t k = g->n - i < CHUNK ? g->n - i : CHUNK;
                    ring_wait(p, i / CHUNK);
                    vg_arena_reset(a);
                    memset(item_at(g, i), 0, k * sizeof(*g->items));
                }
            }
        } else {
            vg_arena_reset(a);
        }
        if (vg_jscan_parse_span(p->raw, p->top->item[i], 2, ']', a, &opt, &ov, NULL, &e) !=
            VG_OK) {
            rc = e.code;
            p->err = e;
            break;
        }
        if (rc != VG_OK)
            continue;
        if ((r = vg_stix_bundle_object_json(ov, i, p->scratch, &so, &e)) != VG_OK) {
            rc = r;
            p->err = e;
            continue;
        }
        if (prc != VG_OK)
            continue;
        item_at(g, i)->obj = ov;
        item_at(g, i)->so = so;
        if ((prc = prep_item(p, i, a, &e)) != VG_OK) {
            p->err = e; /* unless an invalid object comes */
            continue;
        }
        ready = i + 1;
        if ((i & 255) == 255) {
            digest_upto(&d, i + 1);
            if (i + 1 < g->n)
                give_back(p, p->top->item[i + 1].off < d.done ? p->top->item[i + 1].off
                                                               : d.done);
            prep_publish(p, ready, 0, VG_OK);
        }
    }
    if (rc == VG_OK)
        rc = prc;
    digest_end(&d);
    prep_publish(p, ready, 1, rc);
    return NULL;
}

/* Blocks until items [0, k) are prepared (for k = n: and the body's digest
 * taken, i.e. preparation done), or preparation stopped. VG_OK, or the
 * error of the item that stopped it (copied into err when not NULL). Called
 * by the writer only. */
static int prep_wait(struct vg__prep *p, size_t k, struct vg_err *err)
{
    int rc = VG_OK;
    if (k <= p->seen && k > 0 && k < p->g->n)
        return VG_OK;
    pthread_mutex_lock(&p->mu);
    while (!p->done && (p->ready < k || k == p->g->n))
        pthread_cond_wait(&p->cv, &p->mu);
    p->seen = p->ready;
    if (p->ready < k || (k == p->g->n && p->done && p->rc)) {
        rc = p->rc;
        if (err) {
            vg_err_clear(err);
            *err = p->err;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* The preparation of g's items, whose body (raw) is digested along. */
static void prep_init(struct vg__prep *p, struct vg__ingest *g, const char *raw, size_t rawlen,
                      int64_t now)
{
    memset(p, 0, sizeof(*p));
    p->g = g;
    p->who = g->who;
    p->raw = raw;
    p->rawlen = rawlen;
    p->now = now;
}

/* Prepares on a second thread when there is enough to share (else here,
 * before the transaction); the caller joins with prep_end. */
static void prep_start(struct vg__prep *p)
{
    struct vg__ingest *g = p->g;
    void *(*run)(void *) = p->top ? stream_run : prep_run;
    p->a = vg_arena_new(0);
    p->scratch = vg_arena_new(0);
    if (p->top)
        p->check = vg_arena_new(0);
    for (size_t k = 0; p->ring && k < NCHUNK; k++)
        p->ca[k] = vg_arena_new(1 << 20);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    g->prep = p;
    if (g->n >= 256 && pthread_create(&p->thread, NULL, run, p) == 0) {
        p->threaded = 1;
        return;
    }
    if (p->ring) { /* all of them before the writer starts: no ring */
        g->items = vg_arena_calloc(g->a, g->n, sizeof(*g->items));
        p->ring = 0;
    }
    run(p);
}

static void prep_end(struct vg__prep *p)
{
    if (p->threaded) {
        ring_release(p, SIZE_MAX); /* the writer is gone: no slot to wait for */
        pthread_join(p->thread, NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    vg_buf_free(&p->text);
    vg_arena_free(p->scratch);
    vg_arena_free(p->check);
    vg_jscan_keep_free(&p->keep);
    for (size_t k = 0; k < NCHUNK; k++)
        vg_arena_free(p->ca[k]);
    vg_arena_free(p->a);
    p->g->prep = NULL;
}

/* How far ahead the writer has the store fetch key slots: enough items to
 * cover a memory load's latency, a few of those within a chunk. */
#define AHEAD 8

static int ingest_run(struct vg_store *st, struct vg__ingest *g)
{
    const struct vg__ioc_item *ahead;
    int64_t now = vg_time_now_ms();
    json_t *audit;
    int rc = VG_OK;
    /* a big ingest: the store's room for its rows taken at once */
    if (g->n >= VG_IOC_BIG && st->ops->ioc_reserve &&
        (rc = st->ops->ioc_reserve(st, g->n, g->err)) != VG_OK)
        return rc;
    for (size_t i = 0; i < g->n; i++) {
        struct vg__ioc_item *it = item_at(g, i);
        if (g->prep && g->prep->ring && i % CHUNK == 0 && i > 0)
            ring_release(g->prep, i); /* the chunk before is stored */
        if (g->prep && (rc = prep_wait(g->prep, i + 1, g->err)) != VG_OK)
            return rc;
        if (it->failed)
            continue;
        /* an item a few ahead, prepared already (the writer saw it so) */
        ahead = NULL;
        if (i + AHEAD < (g->prep ? g->prep->seen : g->n))
            ahead = item_at(g, i + AHEAD);
        rc = ingest_item(st, g, it, ahead, now, g->err);
        if (rc == VG_EINVAL && !g->strict) { /* one object's fault: report it, go on */
            it->failed = 1;
            it->msg = vg_arena_strdup(g->a, g->err->msg);
            vg_err_clear(g->err);
            rc = VG_OK;
            continue;
        }
        if (rc) {
            if (rc == VG_EINVAL && g->err->field[0] == '\0')
                snprintf(g->err->field, sizeof(g->err->field), "%s[%zu].recipients",
                         g->plain ? "indicators" : "objects", i);
            /* an invalid object anywhere in the body is the answer, as when
             * every object was checked before storing */
            if (g->prep && g->prep->ring)
                ring_release(g->prep, SIZE_MAX); /* lest it wait for a slot */
            if (g->prep && prep_wait(g->prep, g->n, NULL) != VG_OK)
                return prep_wait(g->prep, g->n, g->err);
            return rc;
        }
    }
    if (g->prep && (rc = prep_wait(g->prep, g->n, g->err)) != VG_OK) /* the digest too */
        return rc;
    audit = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "collection", g->collection,
                      "objects", (json_int_t)g->n, "stored", (json_int_t)g->stored, "duplicates",
                      (json_int_t)g->duplicates, "indicators", (json_int_t)g->indicators,
                      "sightings", (json_int_t)g->sightings, "sha256", g->sha256);
    rc = vg_audit_append(st, g->who, g->audit_action, "submission", g->submission_id, audit, now,
                         g->err);
    json_decref(audit);
    if (rc == VG_OK && g->after)
        rc = g->after(st, g);
    return rc;
}

static int ingest_tx(struct vg_store *st, void *ctx)
{
    struct vg__ingest *g = ctx;
    int rc = ingest_run(st, g);
    if (g->prep && g->prep->ring)
        ring_release(g->prep, SIZE_MAX);
    return rc;
}

int vg__ioc_ingest(struct vg_server *srv, struct vg__ingest *g)
{
    struct vg__touch_list *l = &g->touched;
    int rc;
    l->v = NULL;
    l->n = l->cap = 0;
    atomic_init(&l->pub, 0);
    pthread_mutex_init(&l->mu, NULL);
    rc = vg__ioc_tx(srv, ingest_tx, g, l, g->n, g->err); /* index updated: */
    pthread_mutex_destroy(&l->mu);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
    return rc;
}

int vg__ioc_ingest_checked(struct vg_server *srv, struct vg__ingest *g, const char *raw,
                           size_t rawlen)
{
    struct vg__prep prep;
    int rc;
    prep_init(&prep, g, raw, rawlen, vg_time_now_ms());
    prep.checked = 1;
    prep_start(&prep);
    rc = vg__ioc_ingest(srv, g);
    prep_end(&prep);
    return rc;
}

/* TLP and recipients of one object; VG_EINVAL naming the field. */
int vg__ioc_item_prepare(struct vg__ioc_item *it, const char *path, struct vg_arena *a,
                         struct vg_err *err)
{
    enum vg_tlp t;
    const struct vg_jval *r = vg_jget(it->obj, "x_vigil_recipients");
    it->tlp = VG_TLP_AMBER; /* unmarked content is handled as AMBER */
    if (strcmp(it->so.type, "marking-definition") == 0)
        it->tlp = VG_TLP_CLEAR;
    else if (vg_tlp_of_object(it->obj, &t))
        it->tlp = (int)t;
    if (r) {
        struct vg_buf b = {0};
        const struct vg_jval *v;
        size_t i;
        if (!vg_jis(r, VG_JARR) || r->n == 0 || r->n > 100) {
            return vg_err_field(err, VG_EINVAL, vg_arena_printf(a, "%s.x_vigil_recipients", path),
                                "%s.x_vigil_recipients: a list of 1..100 unit ids", path);
        }
        vg_buf_putc(&b, ',');
        VG_JARR_FOREACH(r, i, v) {
            if (!vg_jis(v, VG_JINT) || v->u.i <= 0) {
                vg_buf_free(&b);
                return vg_err_field(err, VG_EINVAL,
                                    vg_arena_printf(a, "%s.x_vigil_recipients", path),
                                    "%s.x_vigil_recipients: unit ids (positive integers)", path);
            }
            vg_buf_printf(&b, "%lld,", (long long)v->u.i);
        }
        it->recips = vg_arena_strdup(a, b.p);
        vg_buf_free(&b);
    }
    return VG_OK;
}

/* ---- plain JSON submission, mapped to STIX ---- */

static const char *pattern_path(enum vg_ioc_type t, const char *value)
{
    switch (t) {
    case VG_IOC_IP: return strchr(value, ':') ? "ipv6-addr:value" : "ipv4-addr:value";
    case VG_IOC_DOMAIN: return "domain-name:value";
    case VG_IOC_URL: return "url:value";
    case VG_IOC_EMAIL: return "email-addr:value";
    case VG_IOC_PHONE: return "x-vigil-phone-number:value";
    case VG_IOC_MD5: return "file:hashes.MD5";
    case VG_IOC_SHA1: return "file:hashes.'SHA-1'";
    case VG_IOC_SHA256: return "file:hashes.'SHA-256'";
    case VG_IOC_SHA512: return "file:hashes.'SHA-512'";
    default: return NULL;
    }
}

/* The typed field checks of core/json.c (same rules, same messages) for a
 * jscan object: absent and null are the same; VG_EMISSING when required. */
static const struct vg_jval *jfield(const struct vg_jval *o, const char *key, int required,
                                    int *rc, struct vg_err *err)
{
    const struct vg_jval *v = vg_jget(o, key);
    *rc = VG_OK;
    if (vg_jnone(v)) {
        if (required)
            *rc = vg_err_field(err, VG_EMISSING, key, "%s: required", key);
        return NULL;
    }
    return v;
}

static int jf_str(const struct vg_jval *o, const char *key, int required, size_t maxlen,
                  const char **out, struct vg_err *err)
{
    int rc;
    const struct vg_jval *v = jfield(o, key, required, &rc, err);
    if (v == NULL)
        return rc;
    if (!vg_jis(v, VG_JSTR))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be a string", key);
    if (v->n > maxlen)
        return vg_err_field(err, VG_EINVAL, key, "%s: longer than %zu bytes", key, maxlen);
    if (required && v->n == 0)
        return vg_err_field(err, VG_EINVAL, key, "%s: must not be empty", key);
    *out = v->u.s;
    return VG_OK;
}

static int jf_int(const struct vg_jval *o, const char *key, int64_t min, int64_t max,
                  int64_t *out, struct vg_err *err)
{
    int rc;
    const struct vg_jval *v = jfield(o, key, 0, &rc, err);
    if (v == NULL)
        return rc;
    if (!vg_jis(v, VG_JINT))
        return vg_err_field(err, VG_EINVAL, key, "%s: must be an integer", key);
    if (v->u.i < min || v->u.i > max)
        return vg_err_field(err, VG_EINVAL, key, "%s: must be between %lld and %lld", key,
                            (long long)min, (long long)max);
    *out = v->u.i;
    return VG_OK;
}

static int jf_time(const struct vg_jval *o, const char *key, int64_t *out, struct vg_err *err)
{
    int rc;
    const struct vg_jval *v = jfield(o, key, 0, &rc, err);
    if (v == NULL)
        return rc;
    if (!vg_jis(v, VG_JSTR) || vg_time_parse(v->u.s, out) != 0)
        return vg_err_field(err, VG_EINVAL, key, "%s: not an RFC 3339 time", key);
    return VG_OK;
}

/* A JSON string escaped as the stored objects are; ,"key":"value". */
static void put_str(struct vg_buf *b, const char *v)
{
    struct vg_jval s = {.type = VG_JSTR, .n = (uint32_t)strlen(v), .u.s = v};
    vg_stix_json_write(&s, b);
}

static void put_kv(struct vg_buf *b, const char *key, const char *v)
{
    vg_buf_printf(b, ",\"%s\":", key);
    put_str(b, v);
}

static int plain_item(const struct vg_actor *who, const struct vg_jval *e, size_t i, int64_t now,
                      struct vg_arena *a, struct vg_buf *b, struct vg__ioc_item *it,
                      struct vg_err *err)
{
    static const char *const keys[] = {"type", "value", "valid_from", "valid_until", "confidence",
                                       "tlp", "labels", "recipients", "description", NULL};
    char p[48], buf[VG_IOC_MAX + 1], idn[48], ts[40], ident[64];
    const char *type = NULL, *value = NULL, *tlp = NULL, *desc = NULL;
    int64_t vfrom = now, vuntil = 0, conf = DEFAULT_CONFIDENCE;
    enum vg_ioc_type t;
    enum vg_tlp tl = VG_TLP_AMBER;
    size_t bn, k;
    int rc;
    const struct vg_jval *labels, *recips, *l, *o;
    snprintf(p, sizeof(p), "indicators[%zu]", i);
    if (!vg_jis(e, VG_JOBJ))
        return vg_err_field(err, VG_EINVAL, p, "%s: must be an object", p);
    if ((rc = vg_jonly(e, keys, p, err)) != VG_OK)
        return rc;
#define F(x) vg_arena_printf(a, "%s.%s", p, x)
    if ((rc = jf_str(e, "type", 1, 32, &type, err)) ||
        (rc = jf_str(e, "value", 1, VG_IOC_MAX, &value, err)) ||
        (rc = jf_time(e, "valid_from", &vfrom, err)) ||
        (rc = jf_time(e, "valid_until", &vuntil, err)) ||
        (rc = jf_int(e, "confidence", 0, 100, &conf, err)) ||
        (rc = jf_str(e, "tlp", 0, 80, &tlp, err)) ||
        (rc = jf_str(e, "description", 0, 4096, &desc, err))) {
        char *f = vg_arena_printf(a, "%s.%s", p, err->field);
        vg_strlcpy(err->field, f, sizeof(err->field));
        return rc;
    }
    if ((t = vg_ioc_type_parse(type)) == VG_IOC_NONE)
        return vg_err_field(err, VG_EINVAL, F("type"),
                            "%s.type: one of ip, domain, url, email, phone, md5, sha1, sha256, sha512",
                            p);
    if (vg_ioc_normalize(t, value, strlen(value), buf, sizeof(buf), &bn, err) != VG_OK) {
        char m[256];
        memcpy(m, err->msg, sizeof(m));
        vg_err_clear(err);
        return vg_err_field(err, VG_EINVAL, F("value"), "%s.value: not a valid %s (%s)", p,
                            vg_ioc_type_name(t), m);
    }
    if (vuntil && vuntil <= vfrom)
        return vg_err_field(err, VG_EINVAL, F("valid_until"),
                            "%s.valid_until: must be later than valid_from", p);
    if (tlp && vg_tlp_parse(tlp, &tl) != 0)
        return vg_err_field(err, VG_EINVAL, F("tlp"),
                            "%s.tlp: one of clear, green, amber, amber+strict, red", p);
    labels = vg_jget(e, "labels");
    if (labels && (!vg_jis(labels, VG_JARR) || labels->n > 32))
        return vg_err_field(err, VG_EINVAL, F("labels"), "%s.labels: a list of at most 32 strings", p);
    VG_JARR_FOREACH(labels, k, l) {
        if (!vg_jis(l, VG_JSTR) || l->n == 0 || l->n > 64)
            return vg_err_field(err, VG_EINVAL, F("labels"), "%s.labels[%zu]: a string of 1..64 bytes", p, k);
    }
    recips = vg_jget(e, "recipients");
    it->plain_type = t;
    it->plain_value = vg_arena_strndup(a, buf, bn);
    /* The STIX form of the submission (what TAXII readers get), written as
     * text in the order and escaping of the stored objects, then read back
     * as the item's document. */
    vg__uuid4(idn);
    vg_buf_reset(b);
    vg_buf_printf(b, "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
                     "\"id\":\"indicator--%s\"", idn);
    stix_time(now, ts);
    vg_buf_printf(b, ",\"created\":\"%s\",\"modified\":\"%s\"", ts, ts);
    org_identity(who->org_id, ident);
    vg_buf_printf(b, ",\"created_by_ref\":\"%s\"", ident);
    put_kv(b, "name", it->plain_value);
    if (desc)
        put_kv(b, "description", desc);
    {
        struct vg_buf pb = {0};
        vg_buf_printf(&pb, "[%s = '", pattern_path(t, it->plain_value));
        for (const char *q = it->plain_value; *q; q++) {
            if (*q == '\'' || *q == '\\')
                vg_buf_putc(&pb, '\\');
            vg_buf_putc(&pb, *q);
        }
        vg_buf_puts(&pb, "']");
        put_kv(b, "pattern", pb.p);
        vg_buf_free(&pb);
    }
    vg_buf_puts(b, ",\"pattern_type\":\"stix\"");
    stix_time(vfrom, ts);
    vg_buf_printf(b, ",\"valid_from\":\"%s\"", ts);
    if (vuntil) {
        stix_time(vuntil, ts);
        vg_buf_printf(b, ",\"valid_until\":\"%s\"", ts);
    }
    vg_buf_printf(b, ",\"confidence\":%lld", (long long)conf);
    if (vg_jsize(labels)) {
        int ntypes = 0;
        vg_buf_puts(b, ",\"labels\":");
        vg_stix_json_write(labels, b);
        VG_JARR_FOREACH(labels, k, l) {
            char cat[64];
            unsigned c = vg_ioc_category_parse(l->u.s);
            if (c) {
                vg_ioc_category_format(c, cat, sizeof(cat));
                vg_buf_puts(b, ntypes++ ? "," : ",\"indicator_types\":[");
                put_str(b, cat);
            }
        }
        if (ntypes)
            vg_buf_putc(b, ']');
    }
    vg_buf_printf(b, ",\"object_marking_refs\":[\"%s\"]", vg_tlp_marking_id(tl));
    if (recips) {
        vg_buf_puts(b, ",\"x_vigil_recipients\":");
        vg_stix_json_write(recips, b);
    }
    vg_buf_putc(b, '}');
    it->body = vg_arena_strndup(a, b->p, b->n);
    it->body_len = b->n;
    if ((rc = vg_jscan_parse(it->body, b->n, a, NULL, &o, NULL, err)) != VG_OK)
        return rc; /* not reached: the text was written from checked parts */
    it->obj = o;
    /* The object is built here from checked parts: its typed view is filled
     * directly rather than re-validated (a third of the ingest time). */
    memset(&it->so, 0, sizeof(it->so));
    it->so.type = "indicator";
    it->so.id = vg_jstr(vg_jget(o, "id"));
    it->so.kind = VG_STIX_SDO;
    it->so.created = it->so.modified = now;
    it->so.created_by_ref = vg_jstr(vg_jget(o, "created_by_ref"));
    it->so.confidence = (int)conf;
    it->so.pattern = vg_jstr(vg_jget(o, "pattern"));
    it->so.pattern_type = "stix";
    it->so.valid_from = vfrom;
    it->so.valid_until = vuntil ? vuntil : VG_STIX_TIME_NONE;
    it->so.json = o;
    if ((rc = vg__ioc_item_prepare(it, p, a, err)) != VG_OK) {
        if (strstr(err->field, "x_vigil_recipients")) {
            vg_strlcpy(err->field, F("recipients"), sizeof(err->field));
            snprintf(err->msg, sizeof(err->msg), "%s.recipients: a list of 1..100 unit ids", p);
        }
        return rc;
    }
#undef F
    return VG_OK;
}

static json_t *submit_result(struct vg__ingest *g)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:O, s:b}", "submission_id",
                     g->submission_id, "objects", (json_int_t)g->n, "stored",
                     (json_int_t)g->stored, "duplicates", (json_int_t)g->duplicates,
                     "indicators_reported", (json_int_t)g->indicators, "sightings",
                     (json_int_t)g->sightings, "indicators", g->iocs, "truncated",
                     g->indicators > 1000);
}

/* Prepares and stores g's items, and answers: both ways in of a submission. */
static int submit_run(struct vg_server *srv, struct vg__ingest *g, struct vg__prep *prep,
                      json_t **out, struct vg_err *err)
{
    int rc;
    prep_start(prep);
    if (!prep->threaded && prep->rc != VG_OK) { /* prepared here already: no transaction */
        vg_err_clear(err);
        *err = prep->err;
        rc = prep->rc;
    } else {
        rc = vg__ioc_ingest(srv, g);
    }
    prep_end(prep);
    if (rc == VG_OK)
        *out = submit_result(g);
    return rc;
}

int vg_svc_ioc_submit(struct vg_server *srv, const struct vg_actor *who,
                      const struct vg_jval *body, const char *raw, size_t rawlen, json_t **out,
                      struct vg_err *err)
{
    struct vg__ingest g;
    struct vg__prep prep;
    struct vg_stix_bundle b;
    char idn[37];
    int rc;
    int64_t now = vg_time_now_ms();
    if ((rc = vg_authz(who, VG_ACT_IOC_SUBMIT, err)) != VG_OK)
        return rc;
    memset(&g, 0, sizeof(g));
    g.a = vg_arena_new(0);
    g.who = who;
    g.collection = VG_TAXII_COMMUNITY;
    g.strict = 1;
    g.err = err;
    g.iocs = json_array();
    g.audit_action = "indicator.submit";
    prep_init(&prep, &g, raw, rawlen, now);
    if (vg_jget(body, "indicators")) {
        static const char *const keys[] = {"indicators", NULL};
        const struct vg_jval *arr = vg_jget(body, "indicators");
        g.plain = 1;
        if ((rc = vg_jonly(body, keys, NULL, err)) != VG_OK)
            goto out;
        if (!vg_jis(arr, VG_JARR) || arr->n == 0) {
            rc = vg_err_field(err, VG_EINVAL, "indicators", "indicators: a non-empty list");
            goto out;
        }
        if (arr->n > MAX_PLAIN) {
            rc = vg_err_field(err, VG_ETOOBIG, "indicators", "indicators: at most %d per request",
                              MAX_PLAIN);
            goto out;
        }
        g.n = arr->n;
        g.items = vg_arena_calloc(g.a, g.n, sizeof(*g.items));
        prep.plain = arr;
        vg__uuid4(idn);
        g.submission_id = vg_arena_printf(g.a, "submission--%s", idn);
    } else {
        /* the bundle itself here; its objects are checked as they are stored */
        if ((rc = vg_stix_read_bundle(body, VG_STIX_DEFER_OBJECTS, g.a, &b, err)) != VG_OK)
            goto out;
        g.n = b.n;
        g.items = vg_arena_calloc(g.a, g.n ? g.n : 1, sizeof(*g.items));
        prep.bundle = &b;
        if (b.id) {
            g.submission_id = b.id;
        } else {
            vg__uuid4(idn);
            g.submission_id = vg_arena_printf(g.a, "submission--%s", idn);
        }
    }
    rc = submit_run(srv, &g, &prep, out, err);
out:
    json_decref(g.iocs);
    vg_buf_free(&g.text);
    vg_arena_free(g.a);
    return rc;
}

/* ---- a big bundle read a piece at a time ----
 * The body's top level is found first (core/jscan.h vg_jscan_top: no value
 * read); its members other than "objects" are parsed, then each object is
 * parsed from its span by the preparing thread, into the arena of its chunk
 * of items, used again once the writer has stored that chunk: the writer
 * starts at once, and no document of the whole body is built. The answers
 * are those of parsing the whole body first (vg_svc_ioc_submit): a text
 * that is not JSON anywhere is that error, before any other (every span
 * parsed in document order gives the whole parse's message and offset),
 * then authorisation, the bundle's checks, its objects. A body that is not
 * a bundle with an objects list, or whose top level is out of the common
 * (an escape in a key, a key twice, more than 64 members, one that does not
 * parse) is read whole, as before. */

#define STREAM_NO 1 /* not read a piece at a time: read it whole */

/* Parses the objects of t (the check only, in one arena reset each time):
 * VG_OK or the error of the first that fails. */
static int spans_check(const char *raw, const struct vg_jtop *t, struct vg_err *err)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_jscan_keep keep = {0};
    const struct vg_jscan_opt opt = {.keep = &keep};
    int rc = VG_OK;
    for (size_t i = 0; rc == VG_OK && i < t->nitem; i++) {
        const struct vg_jval *v;
        vg_arena_reset(a);
        rc = vg_jscan_parse_span(raw, t->item[i], 2, ']', a, &opt, &v, NULL, err);
    }
    vg_jscan_keep_free(&keep);
    vg_arena_free(a);
    return rc;
}

/* The body's root object without its objects (an empty stand-in list), in
 * a; VG_OK or STREAM_NO. */
static int stream_root(const char *raw, const struct vg_jtop *t, struct vg_arena *a,
                       const struct vg_jval **root)
{
    static const struct vg_jval none = {.type = VG_JARR};
    struct vg_jmem *m;
    struct vg_jval *r;
    const struct vg_jval *type;
    if (t->arr == (size_t)-1 || t->nmem > 64)
        return STREAM_NO;
    m = vg_arena_alloc(a, t->nmem * sizeof(*m));
    for (size_t i = 0; i < t->nmem; i++) {
        struct vg_err e = {0};
        const struct vg_jval *k, *v = &none;
        if (vg_jscan_parse_span(raw, t->key[i], 1, 0, a, NULL, &k, NULL, &e) != VG_OK ||
            (i != t->arr && vg_jscan_parse_span(raw, t->val[i], 1, '}', a, NULL, &v, NULL, &e)))
            return STREAM_NO;
        for (size_t j = 0; j < i; j++)
            if (m[j].key.n == k->n && memcmp(m[j].key.u.s, k->u.s, k->n) == 0)
                return STREAM_NO;
        m[i].key = *k;
        m[i].val = *v;
    }
    r = vg_arena_calloc(a, 1, sizeof(*r));
    r->type = VG_JOBJ;
    r->n = (uint32_t)t->nmem;
    r->u.o = m;
    type = vg_jget(r, "type");
    if (vg_jget(r, "indicators") || !vg_jis(type, VG_JSTR) || strcmp(type->u.s, "bundle") != 0)
        return STREAM_NO;
    *root = r;
    return VG_OK;
}

static int submit_stream(struct vg_server *srv, const struct vg_actor *who, const char *raw,
                         size_t rawlen, int give, const struct vg_jtop *t, json_t **out,
                         struct vg_err *err)
{
    struct vg__ingest g;
    struct vg__prep prep;
    struct vg_stix_bundle b;
    const struct vg_jval *root;
    int rc;
    memset(&g, 0, sizeof(g));
    g.a = vg_arena_new(0);
    if ((rc = stream_root(raw, t, g.a, &root)) != VG_OK)
        goto out;
    if ((rc = vg_authz(who, VG_ACT_IOC_SUBMIT, err)) != VG_OK ||
        (rc = vg_stix_read_bundle_head(root, t->nitem, g.a, &b, err)) != VG_OK) {
        struct vg_err e = {0};
        if (spans_check(raw, t, &e) != VG_OK) { /* not JSON: that is the answer */
            vg_err_clear(err);
            *err = e;
            rc = e.code;
        }
        goto out;
    }
    g.who = who;
    g.collection = VG_TAXII_COMMUNITY;
    g.strict = 1;
    g.err = err;
    g.iocs = json_array();
    g.audit_action = "indicator.submit";
    g.submission_id = b.id;
    g.n = t->nitem;
    prep_init(&prep, &g, raw, rawlen, vg_time_now_ms());
    prep.top = t;
    prep.give = give;
    prep.ring = g.n > RING ? RING : 0;
    VG_LOG(VG_LOG_DEBUG, "event=ioc_stream objects=%zu bytes=%zu", g.n, rawlen);
    g.items = vg_arena_calloc(g.a, prep.ring ? prep.ring : g.n ? g.n : 1, sizeof(*g.items));
    rc = submit_run(srv, &g, &prep, out, err);
out:
    json_decref(g.iocs);
    vg_buf_free(&g.text);
    vg_arena_free(g.a);
    return rc;
}

int vg_svc_ioc_submit_raw(struct vg_server *srv, const struct vg_actor *who, const char *raw,
                          size_t rawlen, int give, struct vg_arena *a, json_t **out,
                          struct vg_err *err)
{
    struct vg_jtop t;
    const struct vg_jval *body;
    int rc;
    raw = raw ? raw : "";
    if (vg_jscan_top(raw, rawlen, "objects", &t) == VG_OK) {
        rc = submit_stream(srv, who, raw, rawlen, give, &t, out, err);
        vg_jtop_free(&t);
        if (rc != STREAM_NO)
            return rc;
    }
    if ((rc = vg_jscan_parse(raw, rawlen, a, NULL, &body, NULL, err)) != VG_OK)
        return rc;
    if (!vg_jis(body, VG_JOBJ))
        return vg_err_set(err, VG_EJSON, "the body must be a JSON object");
    return vg_svc_ioc_submit(srv, who, body, raw, rawlen, out, err);
}

/* ---- reading ---- */

static json_t *entity_json(const struct vg_ioc_row *r, const struct vg_ioc_source *src, size_t n,
                           const struct vg_ioc_sighting *sg, size_t nsg,
                           const struct vg_actor *who, int64_t now, int *visible)
{
    json_t *j = json_object(), *sources = json_array(), *sights = json_array();
    int best_conf = -1, tlp = -1, active = 0;
    int64_t until = -1;
    *visible = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sees(who, src[i].tlp, src[i].org_id, src[i].recipients))
            continue;
        (*visible)++;
        json_t *s = json_object();
        json_object_set_new(s, "org_id", json_integer(src[i].org_id));
        json_object_set_new(s, "stix_id", json_string(src[i].stix_id));
        json_object_set_new(s, "tlp", json_string(vg_tlp_name((enum vg_tlp)src[i].tlp)));
        json_object_set_new(s, "confidence", json_integer(src[i].confidence));
        json_t *labels = src[i].labels ? json_loads(src[i].labels, 0, NULL) : NULL;
        json_object_set_new(s, "labels", labels ? labels : json_array());
        json_object_set_new(s, "valid_from", time_or_null(src[i].valid_from));
        json_object_set_new(s, "valid_until", time_or_null(src[i].valid_until));
        json_object_set_new(s, "first_seen", time_or_null(src[i].first_seen));
        json_object_set_new(s, "last_seen", time_or_null(src[i].last_seen));
        json_object_set_new(s, "reports", json_integer(src[i].reports));
        json_array_append_new(sources, s);
        if (src[i].confidence > best_conf)
            best_conf = src[i].confidence;
        if (src[i].tlp > tlp)
            tlp = src[i].tlp;
        int64_t u = src[i].valid_until ? src[i].valid_until : INT64_MAX;
        if (u > until)
            until = u;
        if (u > now && src[i].valid_from <= now)
            active = 1;
    }
    int64_t nsight = 0;
    for (size_t i = 0; i < nsg; i++) {
        if (!sees(who, sg[i].tlp, sg[i].org_id, NULL))
            continue;
        nsight += sg[i].count;
        if (json_array_size(sights) < 100)
            json_array_append_new(
                sights, json_pack("{s:I, s:I, s:o, s:I, s:s, s:o}", "id", (json_int_t)sg[i].id,
                                  "org_id", (json_int_t)sg[i].org_id, "seen_at",
                                  vg__time_json(sg[i].at), "count", (json_int_t)sg[i].count,
                                  "tlp", vg_tlp_name((enum vg_tlp)sg[i].tlp), "note",
                                  sg[i].note ? json_string(sg[i].note) : json_null()));
    }
    json_object_set_new(j, "id", json_integer(r->id));
    json_object_set_new(j, "type", json_string(r->type));
    json_object_set_new(j, "value", json_string(r->value));
    json_object_set_new(j, "tlp", tlp >= 0 ? json_string(vg_tlp_name((enum vg_tlp)tlp)) : json_null());
    json_object_set_new(j, "confidence", best_conf >= 0 ? json_integer(best_conf) : json_null());
    json_object_set_new(j, "valid_until",
                        until > 0 && until != INT64_MAX ? vg__time_json(until) : json_null());
    json_object_set_new(j, "active", json_boolean(active));
    json_object_set_new(j, "first_seen", vg__time_json(r->first_seen));
    json_object_set_new(j, "last_seen", vg__time_json(r->last_seen));
    json_object_set_new(j, "source_count", json_integer((json_int_t)json_array_size(sources)));
    json_object_set_new(j, "sources", sources);
    json_object_set_new(j, "sighting_count", json_integer(nsight));
    json_object_set_new(j, "sightings", sights);
    return j;
}

static int load_entity(struct vg_store *st, const struct vg_actor *who, int64_t id,
                       struct vg_arena *a, json_t **out, struct vg_err *err)
{
    struct vg_ioc_row r;
    struct vg_ioc_source *src;
    struct vg_ioc_sighting *sg;
    size_t n, nsg;
    int vis, rc = st->ops->ioc_get(st, id, a, &r, err);
    if (rc == VG_OK)
        rc = st->ops->ioc_sources(st, id, a, &src, &n, err);
    if (rc == VG_OK)
        rc = st->ops->ioc_sightings(st, id, a, &sg, &nsg, err);
    if (rc == VG_ENOTFOUND) {
        vg_err_clear(err);
        return vg_err_set(err, VG_ENOTFOUND, "indicator %lld not found", (long long)id);
    }
    if (rc)
        return rc;
    json_t *j = entity_json(&r, src, n, sg, nsg, who, vg_time_now_ms(), &vis);
    if (vis == 0) {
        json_decref(j);
        return vg_err_set(err, VG_ENOTFOUND, "indicator %lld not found", (long long)id);
    }
    *out = j;
    return VG_OK;
}

int vg_svc_ioc_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, json_t **out,
                   struct vg_err *err)
{
    struct vg_arena *a;
    struct vg_store *st;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = load_entity(st, who, id, a, out, err);
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    return rc;
}

int vg_svc_ioc_list(struct vg_server *srv, const struct vg_actor *who, const char *type,
                    const char *value, struct vg_page pg, json_t **out, struct vg_err *err)
{
    struct vg_ioc_viewer v = vg__ioc_viewer(who);
    struct vg_arena *a;
    struct vg_store *st;
    struct vg_ioc_row *rows;
    size_t n;
    char buf[VG_IOC_MAX + 1];
    const char *tname = NULL, *norm = NULL;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    if (type) {
        enum vg_ioc_type t = vg_ioc_type_parse(type);
        if (t == VG_IOC_NONE)
            return vg_err_field(err, VG_EINVAL, "type",
                                "type: one of ip, domain, url, email, phone, md5, sha1, sha256, sha512");
        tname = vg_ioc_type_name(t);
        if (value) {
            if (vg_ioc_normalize(t, value, strlen(value), buf, sizeof(buf), NULL, err) != VG_OK) {
                vg_strlcpy(err->field, "value", sizeof(err->field));
                return VG_EINVAL;
            }
            norm = buf;
        }
    } else if (value) {
        return vg_err_field(err, VG_EINVAL, "value", "value: give type too");
    }
    a = vg_arena_new(0);
    st = vg_pool_get(srv->pool);
    rc = st->ops->ioc_list(st, &v, tname, norm, pg.after, pg.limit, a, &rows, &n, err);
    if (rc == VG_OK) {
        json_t *items = json_array();
        for (size_t i = 0; rc == VG_OK && i < n; i++) {
            json_t *j = NULL;
            rc = load_entity(st, who, rows[i].id, a, &j, err);
            if (rc == VG_OK)
                json_array_append_new(items, j);
        }
        if (rc == VG_OK)
            *out = json_pack("{s:o, s:o}", "items", items, "next_cursor",
                             (int)n == pg.limit && n
                                 ? json_string(vg_arena_printf(a, "%lld", (long long)rows[n - 1].id))
                                 : json_null());
        else
            json_decref(items);
    }
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    return rc;
}

/* ---- sightings ---- */

struct sight_op {
    const struct vg_actor *who;
    int64_t id, count, at;
    const char *note;
    int tlp;
    struct vg_arena *a;
    json_t *out;
    struct vg_err *err;
};

static int sight_tx(struct vg_store *st, void *ctx)
{
    struct sight_op *op = ctx;
    json_t *probe = NULL;
    int rc = load_entity(st, op->who, op->id, op->a, &probe, op->err);
    if (rc)
        return rc;
    json_decref(probe);
    struct vg_ioc_sighting g = {.ioc_id = op->id, .org_id = op->who->org_id, .at = op->at,
                                .count = op->count, .tlp = op->tlp, .note = op->note};
    if ((rc = st->ops->ioc_sighting_insert(st, &g, op->err)) != VG_OK)
        return rc;
    json_t *audit = json_pack("{s:I, s:I, s:I, s:o}", "indicator_id", (json_int_t)op->id,
                              "sighting_id", (json_int_t)g.id, "count", (json_int_t)op->count,
                              "seen_at", vg__time_json(op->at));
    rc = vg_audit_append(st, op->who, "indicator.sighting", "indicator",
                         vg_arena_printf(op->a, "%lld", (long long)op->id), audit,
                         vg_time_now_ms(), op->err);
    json_decref(audit);
    if (rc == VG_OK)
        rc = load_entity(st, op->who, op->id, op->a, &op->out, op->err);
    return rc;
}

int vg_svc_ioc_sighting(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t *body, json_t **out, struct vg_err *err)
{
    static const char *const keys[] = {"count", "seen_at", "note", "tlp", NULL};
    struct sight_op op = {.who = who, .id = id, .count = 1, .err = err, .tlp = VG_TLP_AMBER};
    const char *tlp = NULL;
    enum vg_tlp t;
    int rc;
    if ((rc = vg_authz(who, VG_ACT_IOC_SUBMIT, err)) != VG_OK)
        return rc;
    op.at = vg_time_now_ms();
    if ((rc = vg_json_only(body, keys, NULL, err)) ||
        (rc = vg_json_int(body, "count", 0, 1, 999999999, &op.count, err)) ||
        (rc = vg_json_time(body, "seen_at", 0, &op.at, err)) ||
        (rc = vg_json_str(body, "note", 0, 2000, &op.note, err)) ||
        (rc = vg_json_str(body, "tlp", 0, 20, &tlp, err)))
        return rc;
    if (tlp) {
        if (vg_tlp_parse(tlp, &t) != 0)
            return vg_err_field(err, VG_EINVAL, "tlp",
                                "tlp: one of clear, green, amber, amber+strict, red");
        op.tlp = (int)t;
    }
    if (op.at > vg_time_now_ms() + 300000)
        return vg_err_field(err, VG_EINVAL, "seen_at", "seen_at: in the future");
    op.a = vg_arena_new(0);
    rc = vg__tx(srv, 1, sight_tx, &op, err);
    vg_arena_free(op.a);
    return vg__result(rc, op.out, out);
}

