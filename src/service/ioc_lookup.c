/* The in-memory lookup index on the platform: built from the store at start,
 * updated after each commit that changes indicators (under a rwlock taken
 * while the writer connection is still held, so updates apply in commit
 * order), and the batch lookup that filters hits by TLP without the store.
 * Not for: submission or correlation (indicators.c). */
#include "service/indicators.h"
#include "service/service_int.h"
#include "core/json.h"
#include "core/jscan.h"
#include "core/log.h"
#include "core/util.h"
#include "engine/stix/ioc_index.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HITS 64
#define LOOKUP_CHUNK 64
/* Batches at least this large are answered by two threads. */
#define LOOKUP_SPLIT 16384

/* ---- the index and what it needs to filter hits without the store ---- */

struct ioc_meta {
    int64_t ioc_id, org_id, valid_from, valid_until;
    int64_t *recips;
    int nrecips;
    unsigned char tlp, conf, type;
    char *value;
};

struct vg_ioc_state {
    pthread_rwlock_t lock;
    struct vg_ioc_index *ix;
    struct ioc_meta *by_src; /* indexed by source id; a slot is used when value != NULL */
    size_t cap;
    int64_t max_src;         /* the highest source id in by_src */
    int64_t vis_src;         /* lookups see sources up to this id (the committed ones) */
    pthread_t keys_th;       /* builds the store's key indexes after start */
    int keys_started;
};

/* The store's key indexes (object, indicator and source by key) are built
 * while the server already answers: pages, lookups and everything else that
 * does not find a row by its key go on meanwhile; what does waits for the
 * build (the store's lock), as the first use would otherwise build them. */
static void *keys_build(void *arg)
{
    struct vg_server *srv = arg;
    struct vg_store *st = vg_pool_get(srv->pool);
    struct vg_err err = {0};
    int64_t t0 = vg_time_now_ms();
    if (st->ops->ioc_keys_build(st, &err) != VG_OK)
        VG_LOG(VG_LOG_WARN, "event=ioc_keys_failed error=\"%s\" (built on first use instead)",
               err.msg);
    else
        VG_LOG(VG_LOG_INFO, "event=ioc_keys_built ms=%lld", (long long)(vg_time_now_ms() - t0));
    vg_pool_put(srv->pool, st);
    return NULL;
}

static void meta_free(struct ioc_meta *m)
{
    free(m->recips);
    free(m->value);
}

/* The source's metadata, or NULL when the index knows no such source or
 * its transaction has not committed yet. */
static struct ioc_meta *meta_of(const struct vg_ioc_state *s, int64_t source_id)
{
    struct ioc_meta *m = source_id <= s->vis_src && (size_t)source_id < s->cap
                             ? &s->by_src[source_id] : NULL;
    return m && m->value ? m : NULL;
}

int vg__ioc_parse_recips(const char *s, int64_t **out)
{
    int n = 0;
    *out = NULL;
    if (s == NULL)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p == ',' && p[1])
            n++;
    if (n == 0)
        return 0;
    *out = vg_xcalloc((size_t)n, sizeof(int64_t));
    n = 0;
    for (const char *p = s; *p;) {
        if (*p == ',') {
            p++;
            continue;
        }
        (*out)[n++] = strtoll(p, NULL, 10);
        while (*p && *p != ',')
            p++;
    }
    return n;
}

/* Where a source's value goes in the index (vg_ioc_index_entry); -1 when it
 * is not indexed. Needs no lock (the index's seeds only). */
static int state_entry(struct vg_ioc_state *s, const struct vg__touched *t,
                       struct vg_ioc_entry *en)
{
    struct vg_err e = {0};
    enum vg_ioc_type ty = vg_ioc_type_parse(t->type);
    if (t->source_id < 0 || ty == VG_IOC_NONE ||
        vg_ioc_index_entry(s->ix, ty, t->value, strlen(t->value), en, &e) != VG_OK)
        return -1;
    return 0;
}

/* Room in by_src up to source id max; the caller holds the write lock. */
static void meta_reserve(struct vg_ioc_state *s, int64_t max)
{
    size_t nc;
    if ((size_t)max < s->cap)
        return;
    for (nc = s->cap ? s->cap : 1024; nc <= (size_t)max;)
        nc *= 2;
    if (nc * sizeof(*s->by_src) >= ((size_t)4 << 20)) { /* in huge pages: a fault per */
        void *p = vg_huge_alloc(nc * sizeof(*s->by_src)); /* 2 MiB, not per 73 sources */
        if (p == NULL)
            abort();
        if (s->cap)
            memcpy(p, s->by_src, s->cap * sizeof(*s->by_src));
        free(s->by_src);
        s->by_src = p;
    } else {
        s->by_src = vg_xrealloc(s->by_src, nc * sizeof(*s->by_src));
    }
    memset(s->by_src + s->cap, 0, (nc - s->cap) * sizeof(*s->by_src));
    s->cap = nc;
}

/* Adds or refreshes one source, at its entry en (NULL: worked out here);
 * the caller holds the write lock. */
static void state_put(struct vg_ioc_state *s, const struct vg__touched *t,
                      const struct vg_ioc_entry *en)
{
    struct vg_ioc_entry own;
    enum vg_ioc_type ty;
    int64_t until = t->valid_until ? t->valid_until : VG_IOC_FOREVER;
    struct ioc_meta *m;
    if (en == NULL) {
        if (state_entry(s, t, &own) != 0)
            return;
        en = &own;
    }
    ty = (enum vg_ioc_type)en->type;
    meta_reserve(s, t->source_id);
    if (t->source_id > s->max_src)
        s->max_src = t->source_id;
    vg_ioc_index_add_entry(s->ix, en, t->source_id, until);
    m = &s->by_src[t->source_id];
    if (m->value == NULL)
        m->value = vg_xstrdup(t->value);
    free(m->recips);
    m->ioc_id = t->ioc_id;
    m->org_id = t->org_id;
    m->valid_until = until;
    m->valid_from = t->valid_from;
    m->tlp = (unsigned char)t->tlp;
    m->conf = (unsigned char)t->confidence;
    m->type = (unsigned char)ty;
    m->nrecips = vg__ioc_parse_recips(t->recipients, &m->recips);
}

int vg_ioc_open(struct vg_server *srv, struct vg_err *err)
{
    struct vg_ioc_state *s = vg_xcalloc(1, sizeof(*s));
    uint64_t seed[2];
    struct vg_arena *a = vg_arena_new(0);
    struct vg_store *st;
    int64_t after = 0;
    size_t total = 0;
    int rc = VG_OK;
    pthread_rwlockattr_t attr;
    randombytes_buf(seed, sizeof(seed));
    /* Writers first: an index update holds the store's writer connection, so
     * a stream of batch lookups must not starve it. */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    s->ix = vg_ioc_index_new(seed[0], seed[1]);
    srv->ioc = s;
    st = vg_pool_get(srv->pool);
    if (st->ops->ioc_keys_build && pthread_create(&s->keys_th, NULL, keys_build, srv) == 0)
        s->keys_started = 1;
    for (;;) {
        struct vg_ioc_source *src;
        size_t n;
        vg_arena_reset(a);
        if ((rc = st->ops->ioc_source_scan(st, after, 10000, a, &src, &n, err)) != VG_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            struct vg__touched t = {.source_id = src[i].id, .ioc_id = src[i].ioc_id,
                                    .org_id = src[i].org_id, .tlp = src[i].tlp,
                                    .confidence = src[i].confidence,
                                    .valid_until = src[i].valid_until,
                                    .valid_from = src[i].valid_from, .type = src[i].type,
                                    .value = src[i].value, .recipients = src[i].recipients};
            state_put(s, &t, NULL);
        }
        total += n;
        if (n < 10000)
            break;
        after = src[n - 1].id;
    }
    s->vis_src = s->max_src;
    vg_pool_put(srv->pool, st);
    vg_arena_free(a);
    if (rc == VG_OK && total)
        VG_LOG(VG_LOG_INFO, "event=ioc_index_built sources=%zu", total);
    return rc;
}

void vg_ioc_stop(struct vg_server *srv)
{
    struct vg_ioc_state *s = srv->ioc;
    if (s && s->keys_started) {
        pthread_join(s->keys_th, NULL);
        s->keys_started = 0;
    }
}

void vg_ioc_close(struct vg_server *srv)
{
    struct vg_ioc_state *s = srv->ioc;
    if (s == NULL)
        return;
    vg_ioc_stop(srv);
    for (size_t i = 0; i < s->cap; i++)
        meta_free(&s->by_src[i]);
    free(s->by_src);
    vg_ioc_index_free(s->ix);
    pthread_rwlock_destroy(&s->lock);
    free(s);
    srv->ioc = NULL;
}

/* ---- the transaction with a post-commit index update ---- */

/* Room for `exact` more exact entries and `net` more networks in the index
 * and for source ids up to max_src (-1: what is there plus exact), taken at
 * once (upper bounds: extra room is only memory). */
static void index_room(struct vg_ioc_state *s, size_t exact, size_t net, int64_t max_src)
{
    pthread_rwlock_wrlock(&s->lock);
    vg_ioc_index_reserve(s->ix, exact, net);
    meta_reserve(s, max_src >= 0 ? max_src : s->max_src + (int64_t)exact);
    pthread_rwlock_unlock(&s->lock);
}

/* Which of the touched sources enter: all, the new ones (source id above
 * vis_src as the transaction began), the others. */
enum { ENTER_ALL, ENTER_NEW, ENTER_OLD };

/* Enters touched sources t[lo, hi) (those `which` names) in slices of
 * SLICE: each slice's keys worked out out of the lock, then its entries
 * added under the write lock, each entry's slot fetched a few entries
 * ahead (lookups wait one slice at most). */
#define SLICE 4096
static void enter(struct vg_ioc_state *s, const struct vg__touched *t, size_t lo, size_t hi,
                  int64_t vis, int which, struct vg_ioc_entry *en)
{
    for (size_t i = lo; i < hi;) {
        size_t end = hi - i > SLICE ? i + SLICE : hi, i0 = i;
        for (size_t k = i; k < end; k++)
            if ((which == ENTER_NEW && t[k].source_id <= vis) ||
                (which == ENTER_OLD && t[k].source_id > vis) ||
                state_entry(s, &t[k], &en[k - i0]) != 0)
                en[k - i0].table = -1;
        pthread_rwlock_wrlock(&s->lock);
        for (; i < end; i++) {
            if (i + 8 < end && en[i + 8 - i0].table >= 0)
                vg_ioc_index_prefetch(s->ix, &en[i + 8 - i0]);
            if (en[i - i0].table >= 0)
                state_put(s, &t[i], &en[i - i0]);
        }
        pthread_rwlock_unlock(&s->lock);
    }
}

/* A big ingest's follower: takes the room its entries will need in the
 * index at once (new memory faulted in and tables rebuilt once, off the
 * writer's path: every object an exact value, every source id new), then
 * enters the new sources the writer publishes as it goes, unseen by
 * lookups (meta_of) until the commit moves vis_src past them. Sources the
 * transaction only refreshes are entered after the commit, as they change
 * what lookups see. stop: 1 once the transaction committed (the rest is
 * entered, then it returns), 2 once it failed (it returns). */
struct follower {
    pthread_t th;
    struct vg_ioc_state *s;
    struct vg__touch_list *l;
    size_t hint, done;      /* l->v[0, done) followed */
    int64_t vis;            /* vis_src as the transaction began */
    atomic_int stop;
};

static void *follow_run(void *arg)
{
    struct follower *f = arg;
    struct vg_ioc_entry *en = vg_xmalloc(SLICE * sizeof(*en));
    /* on time the writer and the preparing thread leave: what is not done
     * by the commit is entered after it, as without a follower */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
    index_room(f->s, f->hint, 0, -1);
    for (;;) {
        size_t pub = atomic_load_explicit(&f->l->pub, memory_order_acquire), end;
        int stop = atomic_load(&f->stop);
        if (stop == 2 || (pub == f->done && stop))
            break;
        if (pub - f->done < SLICE && !stop) { /* a slice's worth, or the end */
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            continue;
        }
        end = pub - f->done > SLICE ? f->done + SLICE : pub;
        pthread_mutex_lock(&f->l->mu); /* v stays where it is */
        enter(f->s, f->l->v, f->done, end, f->vis, ENTER_NEW, en);
        pthread_mutex_unlock(&f->l->mu);
        f->done = end;
    }
    free(en);
    return NULL;
}

/* Takes out what a failed transaction's follower entered (sources above
 * vis; their ids are given again); the caller holds the write lock. */
static void unenter(struct vg_ioc_state *s, int64_t vis, int64_t max_src)
{
    for (int64_t id = vis + 1; id <= s->max_src && (size_t)id < s->cap; id++) {
        struct ioc_meta *m = &s->by_src[id];
        struct vg_err e = {0};
        if (m->value == NULL)
            continue;
        (void)vg_ioc_index_remove(s->ix, (enum vg_ioc_type)m->type, m->value, strlen(m->value), id,
                                  &e);
        meta_free(m);
        memset(m, 0, sizeof(*m));
    }
    s->max_src = max_src;
}

int vg__ioc_tx(struct vg_server *srv, int (*fn)(struct vg_store *st, void *ctx), void *ctx,
               struct vg__touch_list *touched, size_t hint, struct vg_err *err)
{
    struct vg_ioc_state *s = srv->ioc;
    struct vg_store *st = vg_pool_writer(srv->pool);
    struct follower f = {.s = s, .l = touched, .hint = hint};
    int64_t max_src = 0;
    int follow = 0, rc;
    if (touched && s) { /* no other transaction changes them while this one runs */
        pthread_rwlock_rdlock(&s->lock);
        f.vis = s->vis_src;
        max_src = s->max_src;
        pthread_rwlock_unlock(&s->lock);
        atomic_init(&f.stop, 0);
        follow = hint >= VG_IOC_BIG && pthread_create(&f.th, NULL, follow_run, &f) == 0;
    }
    /* its rows' references are the writer's own (VG_TX_BULK): each source
     * and sighting refers to an indicator upserted or found just before */
    rc = vg__tx_on(st, VG_TX_BULK, fn, ctx, err);
    if (follow) {
        atomic_store(&f.stop, rc == VG_OK ? 1 : 2);
        pthread_join(f.th, NULL);
    }
    if (rc != VG_OK && follow) {
        pthread_rwlock_wrlock(&s->lock);
        unenter(s, f.vis, max_src);
        pthread_rwlock_unlock(&s->lock);
    }
    if (rc == VG_OK && touched && s) {
        size_t n = touched->n, net = 0;
        const struct vg__touched *t = touched->v;
        struct vg_ioc_entry *en = n ? vg_xmalloc((n < SLICE ? n : SLICE) * sizeof(*en)) : NULL;
        int64_t max = 0;
        VG_LOG(VG_LOG_DEBUG, "event=ioc_committed sources=%zu followed=%zu", n, f.done);
        if (n >= VG_IOC_BIG && !follow) { /* the room for it taken at once (upper bounds) */
            for (size_t i = 0; i < n; i++) {
                net += strchr(t[i].value, '/') != NULL; /* a network: CIDR form */
                if (t[i].source_id > max)
                    max = t[i].source_id;
            }
            index_room(s, n - net, net, max);
        }
        /* what the follower did not enter: all of a small one's; of a big
         * one's, the sources it refreshed (seen at once, as the new ones) */
        enter(s, t, 0, n, f.vis, follow ? ENTER_OLD : ENTER_ALL, en);
        pthread_rwlock_wrlock(&s->lock);
        s->vis_src = s->max_src;
        pthread_rwlock_unlock(&s->lock);
        free(en);
        VG_LOG(VG_LOG_DEBUG, "event=ioc_indexed sources=%zu", n);
    }
    vg_pool_writer_put(srv->pool);
    return rc;
}

static void buf_lit(struct vg_buf *b, const char *s)
{
    vg_buf_append(b, s, strlen(s));
}

/* ---- lookup ---- */

static const char *match_name(enum vg_ioc_match m)
{
    switch (m) {
    case VG_IOC_MATCH_CIDR: return "cidr";
    case VG_IOC_MATCH_PARENT: return "parent";
    case VG_IOC_MATCH_HOST: return "host";
    default: return "exact";
    }
}

/* One value's hits, grouped by entity, as the caller may see them. */
static int emit(struct vg_ioc_state *s, const struct vg_actor *who, struct vg_ioc_hit *hits,
                size_t nh, int64_t now, struct vg_buf *b)
{
    size_t shown = 0, ndone = 0;
    int64_t done_ids[MAX_HITS];
    if (nh > MAX_HITS)
        nh = MAX_HITS;
    for (size_t i = 0; i < nh; i++) {
        struct ioc_meta *m = meta_of(s, hits[i].indicator_id);
        if (m == NULL)
            continue;
        int seen = 0;
        for (size_t k = 0; k < ndone; k++)
            seen |= done_ids[k] == m->ioc_id;
        if (seen)
            continue;
        /* every visible, live source of this entity among the hits */
        int tlp = -1, conf = -1, nsrc = 0;
        int64_t until = 0;
        for (size_t k = i; k < nh; k++) {
            struct ioc_meta *mk = meta_of(s, hits[k].indicator_id);
            if (mk == NULL || mk->ioc_id != m->ioc_id || mk->valid_from > now)
                continue; /* not valid yet */
            if (!vg_tlp_allows((enum vg_tlp)mk->tlp,
                               vg__ioc_relation(who, mk->org_id, mk->recips, mk->nrecips)))
                continue;
            nsrc++;
            if (mk->tlp > tlp)
                tlp = mk->tlp;
            if (mk->conf > conf)
                conf = mk->conf;
            if (mk->valid_until > until)
                until = mk->valid_until;
        }
        done_ids[ndone++] = m->ioc_id;
        if (nsrc == 0)
            continue;
        buf_lit(b, shown++ ? ",{\"id\":" : ",\"hit\":true,\"matches\":[{\"id\":");
        vg_buf_put_i64(b, m->ioc_id);
        buf_lit(b, ",\"type\":\"");
        buf_lit(b, vg_ioc_type_name((enum vg_ioc_type)m->type));
        buf_lit(b, "\",\"value\":");
        vg__json_str(b, m->value);
        buf_lit(b, ",\"match\":\"");
        buf_lit(b, match_name(hits[i].match));
        buf_lit(b, "\",\"tlp\":\"");
        buf_lit(b, vg_tlp_name((enum vg_tlp)tlp));
        buf_lit(b, "\",\"confidence\":");
        vg_buf_put_i64(b, conf);
        buf_lit(b, ",\"sources\":");
        vg_buf_put_i64(b, nsrc);
        buf_lit(b, ",\"valid_until\":");
        if (until == VG_IOC_FOREVER) {
            buf_lit(b, "null}");
        } else {
            char ts[32];
            vg_time_format(until, ts);
            vg_buf_putc(b, '"');
            buf_lit(b, ts);
            buf_lit(b, "\"}");
        }
    }
    buf_lit(b, shown ? "]}" : ",\"hit\":false,\"matches\":[]}");
    return shown > 0;
}

/* One slice values[lo, hi) of a batch lookup, its results appended to out
 * (each preceded by a comma unless it is the batch's first). Chunks of
 * prepared queries are probed together (their memory loads overlap); only
 * values with hits are probed again for details. The caller holds the read
 * lock. */
struct lookup_part {
    struct vg_ioc_state *ioc;
    const struct vg_actor *who;
    const struct vg_jval *values;
    size_t lo, hi, hits;
    enum vg_ioc_type t;
    int64_t now;
    struct vg_buf *out, own;
};

static void lookup_part(struct lookup_part *p)
{
    struct vg_ioc_state *s = p->ioc;
    struct vg_buf *out = p->out;
    struct vg_ioc_query *qs = vg_xmalloc(LOOKUP_CHUNK * sizeof(*qs));
    struct vg_err *errs = vg_xcalloc(LOOKUP_CHUNK, sizeof(*errs));
    uint32_t counts[LOOKUP_CHUNK];
    /* the hits of one chunk: value j's at hitbuf[j * MAX_HITS], nhits[j] of them */
    struct vg_ioc_hit *hitbuf = vg_xmalloc(LOOKUP_CHUNK * MAX_HITS * sizeof(*hitbuf));
    size_t nhits[LOOKUP_CHUNK];
    for (size_t base = p->lo; base < p->hi; base += LOOKUP_CHUNK) {
        size_t m = p->hi - base < LOOKUP_CHUNK ? p->hi - base : LOOKUP_CHUNK;
        for (size_t j = 0; j < m; j++) {
            const struct vg_jval *v = &p->values->u.a[base + j];
            vg_err_clear(&errs[j]);
            if (vg_ioc_query_prepare(s->ix, p->t, v->u.s, v->n, &qs[j], &errs[j]) != VG_OK) {
                qs[j].nkeys = 0;
                if (errs[j].msg[0] == '\0')
                    vg_strlcpy(errs[j].msg, "not a value of a known type", sizeof(errs[j].msg));
            }
        }
        vg_ioc_index_lookup_batch(s->ix, qs, m, p->now, counts);
        /* details of the values with hits, their metadata fetched ahead */
        for (size_t j = 0; j < m; j++) {
            struct vg_ioc_hit *h = hitbuf + j * MAX_HITS;
            nhits[j] = 0;
            if (errs[j].msg[0] || counts[j] == 0)
                continue;
            nhits[j] = vg_ioc_index_lookup_query(s->ix, &qs[j], p->now, h, MAX_HITS);
            for (size_t k = 0; k < nhits[j] && k < MAX_HITS; k++)
                if ((size_t)h[k].indicator_id < s->cap)
                    __builtin_prefetch(&s->by_src[h[k].indicator_id]);
        }
        for (size_t j = 0; j < m; j++) {
            const struct vg_jval *v = &p->values->u.a[base + j];
            if (base + j)
                vg_buf_putc(out, ',');
            buf_lit(out, "{\"value\":");
            vg__json_str(out, v->u.s);
            if (errs[j].msg[0]) {
                buf_lit(out, ",\"hit\":false,\"error\":");
                vg__json_str(out, errs[j].msg);
                vg_buf_putc(out, '}');
            } else if (nhits[j] == 0) {
                buf_lit(out, ",\"hit\":false,\"matches\":[]}");
            } else {
                p->hits += (size_t)emit(s, p->who, hitbuf + j * MAX_HITS, nhits[j], p->now, out);
            }
        }
    }
    free(qs);
    free(errs);
    free(hitbuf);
}

static void *lookup_thread(void *arg)
{
    lookup_part(arg);
    return NULL;
}

int vg_svc_ioc_lookup(struct vg_server *srv, const struct vg_actor *who, const struct vg_jval *values,
                      const char *type, struct vg_buf *out, struct vg_err *err)
{
    enum vg_ioc_type t = VG_IOC_NONE;
    size_t n = vg_jsize(values), hits;
    int64_t now = vg_time_now_ms();
    int rc;
    if ((rc = vg_authz(who, VG_ACT_IOC_READ, err)) != VG_OK)
        return rc;
    if (!vg_jis(values, VG_JARR))
        return vg_err_field(err, VG_EINVAL, "values", "values: a list of strings");
    if (n > VG_IOC_LOOKUP_MAX)
        return vg_err_field(err, VG_ETOOBIG, "values", "values: at most %d per request",
                            VG_IOC_LOOKUP_MAX);
    if (type && (t = vg_ioc_type_parse(type)) == VG_IOC_NONE)
        return vg_err_field(err, VG_EINVAL, "type",
                            "type: one of ip, domain, url, email, phone, md5, sha1, sha256, sha512");
    for (size_t i = 0; i < n; i++) {
        const struct vg_jval *v = &values->u.a[i];
        if (!vg_jis(v, VG_JSTR)) {
            char f[32];
            snprintf(f, sizeof(f), "values[%zu]", i);
            return vg_err_field(err, VG_EINVAL, f, "%s: must be a string", f);
        }
        if (v->n > VG_IOC_MAX) {
            char f[32];
            snprintf(f, sizeof(f), "values[%zu]", i);
            return vg_err_field(err, VG_EINVAL, f, "%s: longer than %d bytes", f, VG_IOC_MAX);
        }
    }
    struct lookup_part parts[2] = {
        {.ioc = srv->ioc, .who = who, .values = values, .lo = 0, .hi = n, .t = t, .now = now},
    };
    pthread_t th;
    int split = 0;
    vg_buf_puts(out, "{\"results\":[");
    parts[0].out = out;
    pthread_rwlock_rdlock(&srv->ioc->lock);
    /* A large batch is answered by two threads, each writing its half's
     * results; both read under the read lock taken here. */
    if (n >= LOOKUP_SPLIT && sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        parts[1] = parts[0];
        parts[1].lo = parts[0].hi = n / 2;
        parts[1].out = &parts[1].own;
        split = pthread_create(&th, NULL, lookup_thread, &parts[1]) == 0;
        if (!split)
            parts[0].hi = n;
    }
    lookup_part(&parts[0]);
    if (split) {
        pthread_join(th, NULL);
        vg_buf_append(out, parts[1].own.p, parts[1].own.n);
        vg_buf_free(&parts[1].own);
    }
    pthread_rwlock_unlock(&srv->ioc->lock);
    hits = parts[0].hits + (split ? parts[1].hits : 0);
    vg_buf_printf(out, "],\"count\":%zu,\"hits\":%zu}", n, hits);
    return VG_OK;
}

