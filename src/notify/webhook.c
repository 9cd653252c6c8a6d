/* Outbox worker: one thread with one libcurl multi handle driven by epoll
 * (curl's socket interface, so the cost of a wake-up is the sockets that are
 * ready, not every transfer in flight). Up to PARALLEL deliveries are in
 * flight at any time; as one finishes the next due row starts, and
 * connections to a receiver are kept in the multi handle's cache and reused.
 * Due rows are read from the outbox in pages (at once on a kick after a
 * commit, and again while pages come back full); rows the worker already
 * holds are skipped, so a row is never posted twice by one process. Results
 * are recorded in batches: the attempts and the rows' new states of up to
 * FLUSH_ROWS deliveries in one small transaction. A row stays pending in the
 * outbox until its result is recorded, so a crash at any point loses
 * nothing: the rows are posted again after the restart, with the same
 * idempotency key. */
#include "notify/notify.h"
#include "core/arena.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define PARALLEL 256        /* deliveries in flight */
#define PAGE_ROWS 512       /* due rows read at a time (a small page starts sooner) */
#define FLUSH_ROWS 256      /* results recorded per transaction, at most */
#define FLUSH_AFTER_MS 20   /* a result waits at most this long to be recorded */
#define RESCAN_MS 1000      /* while busy, look for retries that fell due this often */

/* Rows read in one query share an arena, freed when the last is recorded. */
struct page {
    struct vg_arena *a;
    size_t left;
};

struct item {
    struct vg_outbox *o;
    struct page *pg;
};

enum { H_TYPE, H_AGENT, H_EXPECT, H_SIG, H_KEY, H_KEY2, H_EVENT, H_DELIVERY, H_COUNT };

/* One delivery in flight; the handles and the header list are reused (curl
 * only reads the list, so its nodes and their text live here). */
struct flight {
    struct item it;
    CURL *c;
    struct curl_slist hs[H_COUNT];
    char text[H_COUNT][192];
    struct flight *next_free;
};

struct result {
    struct item it;
    int64_t at;
    long status;
    char why[200];
};

struct vg_notify_batch {
    struct vg_arena *a;      /* the rows and their text */
    struct vg_outbox **rows; /* rows[i] in a */
    size_t n, cap;
    struct vg_notify_batch *next;
};

struct vg_notifier {
    struct vg_store_pool *pool;
    struct vg_notify_cfg cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    int stopping, kicked; /* under mu */
    struct vg_notify_batch *reserved, *submitted; /* under mu */
    int ep, evfd;
    CURLM *multi;
    int64_t curl_deadline; /* monotonic ms; -1 = no timer */
    struct flight *fl, *free_fl;
    int inflight;
    struct item *q; /* rows read and not yet started: q[qhead..qlen) */
    size_t qhead, qlen, qcap;
    struct result *res;
    size_t nres;
    int64_t res_since; /* monotonic ms of the oldest unrecorded result */
};

static void wake(struct vg_notifier *nt);

static void batch_free(struct vg_notify_batch *b)
{
    vg_arena_free(b->a);
    free(b->rows);
    free(b);
}


void vg_webhook_signature(const char *secret, const char *body, size_t n, char out[72])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, n);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    vg_hex(mac, sizeof(mac), out + 7);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* ---- curl's socket interface over epoll ---- */

/* socketp marks a socket already in the epoll set (curl forgets it on REMOVE). */
static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct vg_notifier *nt = userp;
    struct epoll_event ev = {0};
    (void)e;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(nt->ep, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.fd = s;
    if (socketp == NULL) {
        if (epoll_ctl(nt->ep, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
            epoll_ctl(nt->ep, EPOLL_CTL_MOD, s, &ev);
        curl_multi_assign(nt->multi, s, nt);
    } else if (epoll_ctl(nt->ep, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
        epoll_ctl(nt->ep, EPOLL_CTL_ADD, s, &ev);
    }
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct vg_notifier *nt = userp;
    (void)m;
    nt->curl_deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
    return 0;
}

/* ---- starting and finishing deliveries ---- */

static void start(struct vg_notifier *nt, struct flight *f, struct item it)
{
    const struct vg_outbox *o = it.o;
    char sig[72];
    size_t n = strlen(o->body);
    f->it = it;
    vg_webhook_signature(o->secret, o->body, n, sig);
    snprintf(f->text[H_SIG], sizeof(f->text[H_SIG]), "X-Vigil-Signature: %s", sig);
    snprintf(f->text[H_KEY], sizeof(f->text[H_KEY]), "X-Vigil-Idempotency-Key: %s",
             o->idempotency_key);
    snprintf(f->text[H_KEY2], sizeof(f->text[H_KEY2]), "Idempotency-Key: %s", o->idempotency_key);
    snprintf(f->text[H_EVENT], sizeof(f->text[H_EVENT]), "X-Vigil-Event: %s", o->topic);
    snprintf(f->text[H_DELIVERY], sizeof(f->text[H_DELIVERY]), "X-Vigil-Delivery: %lld",
             (long long)o->id);
    CURL *c = f->c;
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_multi_add_handle(nt->multi, c);
    nt->inflight++;
}

/* Moves finished transfers to the results and frees their handles. */
static void collect(struct vg_notifier *nt)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(nt->multi, &left))) {
        struct flight *f = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        if (f == NULL)
            continue;
        struct result *r = &nt->res[nt->nres++];
        r->it = f->it;
        r->at = vg_time_now_ms();
        r->status = 0;
        if (m->data.result == CURLE_OK) {
            curl_easy_getinfo(f->c, CURLINFO_RESPONSE_CODE, &r->status);
            snprintf(r->why, sizeof(r->why), "HTTP %ld", r->status);
        } else {
            snprintf(r->why, sizeof(r->why), "%s", curl_easy_strerror(m->data.result));
        }
        if (nt->nres == 1)
            nt->res_since = mono_ms();
        curl_multi_remove_handle(nt->multi, f->c);
        f->it = (struct item){0};
        f->next_free = nt->free_fl;
        nt->free_fl = f;
        nt->inflight--;
    }
}

static void page_done(struct page *pg)
{
    if (--pg->left == 0) {
        vg_arena_free(pg->a);
        free(pg);
    }
}

/* Records the attempts and the rows' new states in one transaction. */
static void record(struct vg_notifier *nt)
{
    struct vg_err e = {0};
    if (nt->nres == 0)
        return;
    struct vg_store *st = vg_pool_writer(nt->pool);
    int rc = st->ops->begin(st, 1, &e);
    for (size_t i = 0; rc == VG_OK && i < nt->nres; i++) {
        struct result *r = &nt->res[i];
        struct vg_outbox *o = r->it.o;
        int ok = r->status >= 200 && r->status < 300;
        int attempts = o->attempts + 1;
        struct vg_delivery d = {.outbox_id = o->id, .at = r->at, .status = (int)r->status,
                                .error = ok ? NULL : r->why, .delay_ms = r->at - o->origin_at};
        if ((rc = st->ops->delivery_insert(st, &d, &e)))
            break;
        if (ok) {
            rc = st->ops->outbox_update(st, o->id, "delivered", attempts, o->next_attempt_at,
                                        r->at, &e);
            VG_LOG(VG_LOG_DEBUG, "event=webhook_delivered outbox=%lld topic=%s delay_ms=%lld",
                   (long long)o->id, o->topic, (long long)d.delay_ms);
        } else {
            int64_t delay = nt->cfg.backoff_ms;
            for (int k = 1; k < attempts && delay < nt->cfg.max_backoff_ms; k++)
                delay *= 2;
            if (delay > nt->cfg.max_backoff_ms)
                delay = nt->cfg.max_backoff_ms;
            rc = st->ops->outbox_update(st, o->id,
                                        attempts >= nt->cfg.max_attempts ? "failed" : "pending",
                                        attempts, r->at + delay, 0, &e);
            VG_LOG(VG_LOG_WARN, "event=webhook_failed outbox=%lld attempt=%d next_in_ms=%lld why=\"%s\"",
                   (long long)o->id, attempts, (long long)delay, r->why);
        }
    }
    if (rc == VG_OK)
        rc = st->ops->commit(st, &e);
    if (rc) {
        st->ops->rollback(st);
        VG_LOG(VG_LOG_ERROR, "event=outbox_record_failed msg=\"%s\"", e.msg);
    }
    vg_pool_writer_put(nt->pool);
    /* recorded (or left pending for the next read): the rows are no longer held */
    for (size_t i = 0; i < nt->nres; i++)
        page_done(nt->res[i].it.pg);
    nt->nres = 0;
}

/* ---- reading due rows ---- */

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Makes room for n more items at the end of the queue. */
static void queue_room(struct vg_notifier *nt, size_t n)
{
    if (nt->qhead > 0 && nt->qhead == nt->qlen)
        nt->qhead = nt->qlen = 0;
    if (nt->qlen + n > nt->qcap) {
        /* compact, then grow */
        if (nt->qhead > 0) {
            memmove(nt->q, nt->q + nt->qhead, (nt->qlen - nt->qhead) * sizeof(*nt->q));
            nt->qlen -= nt->qhead;
            nt->qhead = 0;
        }
        if (nt->qlen + n > nt->qcap) {
            nt->qcap = nt->qlen + n;
            nt->q = vg_xrealloc(nt->q, nt->qcap * sizeof(*nt->q));
        }
    }
}

/* Queues the rows of the batches submitted since the last look (the store
 * never gave them to load(): they were reserved before their commit). */
static void take_submitted(struct vg_notifier *nt)
{
    pthread_mutex_lock(&nt->mu);
    struct vg_notify_batch *b = nt->submitted, *rev = NULL;
    nt->submitted = NULL;
    pthread_mutex_unlock(&nt->mu);
    while (b) { /* oldest first */
        struct vg_notify_batch *next = b->next;
        b->next = rev;
        rev = b;
        b = next;
    }
    for (b = rev; b;) {
        struct vg_notify_batch *next = b->next;
        struct page *pg = vg_xcalloc(1, sizeof(*pg));
        pg->a = b->a;
        pg->left = b->n;
        queue_room(nt, b->n);
        for (size_t i = 0; i < b->n; i++)
            nt->q[nt->qlen++] = (struct item){.o = b->rows[i], .pg = pg};
        free(b->rows);
        free(b);
        b = next;
    }
}

/* Appends up to PAGE_ROWS due rows the worker does not hold yet; returns 1
 * when the page came back full (more rows may be due). */
static int load(struct vg_notifier *nt)
{
    size_t held = (nt->qlen - nt->qhead) + (size_t)nt->inflight + nt->nres, nh = 0;
    struct vg_outbox *rows = NULL;
    struct vg_err e = {0};
    size_t n = 0, limit = PAGE_ROWS + held;
    struct page *pg = vg_xcalloc(1, sizeof(*pg));
    pg->a = vg_arena_new(0);
    struct vg_store *st = vg_pool_get(nt->pool);
    int rc = st->ops->outbox_due(st, vg_time_now_ms(), (int)limit, pg->a, &rows, &n, &e);
    vg_pool_put(nt->pool, st);
    if (rc) {
        VG_LOG(VG_LOG_ERROR, "event=outbox_read_failed msg=\"%s\"", e.msg);
        n = 0;
    }
    /* The rows held: queued, in flight, awaiting their record, and -- taken
     * after the query, so that a batch committed before it is among them --
     * reserved or submitted in memory. */
    pthread_mutex_lock(&nt->mu);
    for (struct vg_notify_batch *b = nt->reserved; b; b = b->next)
        held += b->n;
    for (struct vg_notify_batch *b = nt->submitted; b; b = b->next)
        held += b->n;
    int64_t *ids = vg_xmalloc((held + 1) * sizeof(*ids));
    for (struct vg_notify_batch *b = nt->reserved; b; b = b->next)
        for (size_t i = 0; i < b->n; i++)
            ids[nh++] = b->rows[i]->id;
    for (struct vg_notify_batch *b = nt->submitted; b; b = b->next)
        for (size_t i = 0; i < b->n; i++)
            ids[nh++] = b->rows[i]->id;
    pthread_mutex_unlock(&nt->mu);
    for (size_t i = nt->qhead; i < nt->qlen; i++)
        ids[nh++] = nt->q[i].o->id;
    for (int i = 0; i < PARALLEL; i++)
        if (nt->fl[i].it.o)
            ids[nh++] = nt->fl[i].it.o->id;
    for (size_t i = 0; i < nt->nres; i++)
        ids[nh++] = nt->res[i].it.o->id;
    qsort(ids, nh, sizeof(*ids), cmp_id);
    queue_room(nt, n);
    for (size_t i = 0; i < n; i++) {
        if (bsearch(&rows[i].id, ids, nh, sizeof(*ids), cmp_id))
            continue;
        nt->q[nt->qlen++] = (struct item){.o = &rows[i], .pg = pg};
        pg->left++;
    }
    free(ids);
    if (pg->left == 0) {
        vg_arena_free(pg->a);
        free(pg);
    }
    return rc == VG_OK && n == limit;
}

/* ---- the loop ---- */

static void *worker(void *arg)
{
    struct vg_notifier *nt = arg;
    int more = 1; /* rows may be due: at start, after a kick, after a full page */
    int64_t last_load = 0, idle_until = 0;
    struct epoll_event evs[64];
    for (;;) {
        pthread_mutex_lock(&nt->mu);
        int stopping = nt->stopping;
        if (nt->kicked)
            more = 1;
        nt->kicked = 0;
        pthread_mutex_unlock(&nt->mu);
        int64_t now = mono_ms();
        if (stopping && nt->inflight == 0)
            break;
        if (!stopping) {
            take_submitted(nt);
            size_t queued = nt->qlen - nt->qhead;
            int held = queued || nt->inflight || nt->nres;
            if (queued < PARALLEL &&
                (more || (held && now - last_load >= RESCAN_MS) || (!held && now >= idle_until))) {
                more = load(nt);
                last_load = now;
                if (!more && nt->qlen == nt->qhead && !nt->inflight && !nt->nres) {
                    /* idle: sleep until the next retry is due (at most 1 s), or a kick */
                    int64_t next = 0, wait = 1000;
                    struct vg_err e = {0};
                    struct vg_store *st = vg_pool_get(nt->pool);
                    if (st->ops->outbox_next(st, &next, &e) == VG_OK && next > 0) {
                        int64_t d = next - vg_time_now_ms();
                        wait = d < 0 ? 0 : d < 1000 ? d : 1000;
                    }
                    vg_pool_put(nt->pool, st);
                    idle_until = now + wait;
                }
            }
            while (nt->free_fl && nt->qhead < nt->qlen) {
                struct flight *f = nt->free_fl;
                nt->free_fl = f->next_free;
                start(nt, f, nt->q[nt->qhead++]);
            }
        }
        /* record when a batch is full, when nothing else is going on, or
         * when the oldest result has waited long enough */
        if (nt->nres && (nt->nres >= FLUSH_ROWS || nt->inflight == 0 ||
                         now - nt->res_since >= FLUSH_AFTER_MS))
            record(nt);

        int64_t wait = 1000;
        if (nt->curl_deadline >= 0)
            wait = nt->curl_deadline - now;
        if (nt->nres && nt->res_since + FLUSH_AFTER_MS - now < wait)
            wait = nt->res_since + FLUSH_AFTER_MS - now;
        if (!stopping) {
            if (more && nt->qlen - nt->qhead < PARALLEL)
                wait = 0;
            else if (nt->inflight || nt->qlen > nt->qhead || nt->nres) {
                if (last_load + RESCAN_MS - now < wait)
                    wait = last_load + RESCAN_MS - now;
            } else if (idle_until - now < wait)
                wait = idle_until - now;
        }
        if (wait < 0)
            wait = 0;
        int ne = epoll_wait(nt->ep, evs, (int)VG_ARRAY_LEN(evs), (int)wait);
        int running = 0;
        for (int i = 0; i < ne; i++) {
            if (evs[i].data.fd == nt->evfd) {
                uint64_t v;
                if (read(nt->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                    VG_LOG(VG_LOG_WARN, "event=webhook_wake_failed errno=%d", errno);
                continue;
            }
            int flags = ((evs[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                        ((evs[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                        ((evs[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(nt->multi, evs[i].data.fd, flags, &running);
        }
        if (nt->curl_deadline >= 0 && mono_ms() >= nt->curl_deadline) {
            nt->curl_deadline = -1;
            curl_multi_socket_action(nt->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        collect(nt);
    }
    record(nt);
    /* rows read but not started stay pending in the outbox */
    for (size_t i = nt->qhead; i < nt->qlen; i++)
        page_done(nt->q[i].pg);
    nt->qhead = nt->qlen = 0;
    return NULL;
}

static void notifier_free(struct vg_notifier *nt)
{
    /* rows never taken stay pending in the outbox */
    for (struct vg_notify_batch *b = nt->submitted, *next; b; b = next) {
        next = b->next;
        batch_free(b);
    }
    for (int i = 0; i < PARALLEL; i++)
        if (nt->fl[i].c)
            curl_easy_cleanup(nt->fl[i].c);
    free(nt->fl);
    free(nt->q);
    free(nt->res);
    if (nt->multi)
        curl_multi_cleanup(nt->multi);
    if (nt->ep >= 0)
        close(nt->ep);
    if (nt->evfd >= 0)
        close(nt->evfd);
    pthread_mutex_destroy(&nt->mu);
    free(nt);
}

int vg_notifier_start(struct vg_store_pool *pool, const struct vg_notify_cfg *cfg,
                      struct vg_notifier **out, struct vg_err *err)
{
    struct vg_notifier *nt = vg_xcalloc(1, sizeof(*nt));
    struct epoll_event ev = {.events = EPOLLIN};
    int ok = 1;
    nt->pool = pool;
    nt->cfg = *cfg;
    nt->curl_deadline = -1;
    nt->ep = epoll_create1(EPOLL_CLOEXEC);
    nt->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    nt->multi = curl_multi_init();
    nt->fl = vg_xcalloc(PARALLEL, sizeof(*nt->fl));
    /* below FLUSH_ROWS before a wait (see the flush rule in worker()), plus
     * at most the transfers in flight */
    nt->res = vg_xcalloc(FLUSH_ROWS + PARALLEL, sizeof(*nt->res));
    pthread_mutex_init(&nt->mu, NULL);
    ev.data.fd = nt->evfd;
    if (nt->ep < 0 || nt->evfd < 0 || nt->multi == NULL ||
        epoll_ctl(nt->ep, EPOLL_CTL_ADD, nt->evfd, &ev) != 0)
        ok = 0;
    /* curl reads the proxy variables on every request; without any, say so once */
    int proxy_env = 0;
    for (const char *const *v = (const char *const[]){"http_proxy", "https_proxy", "HTTPS_PROXY",
                                                      "all_proxy", "ALL_PROXY", NULL};
         *v; v++)
        proxy_env |= getenv(*v) != NULL;
    for (int i = 0; ok && i < PARALLEL; i++) {
        CURL *c = nt->fl[i].c = curl_easy_init();
        if (c == NULL) {
            ok = 0;
            break;
        }
        struct flight *f = &nt->fl[i];
        snprintf(f->text[H_TYPE], sizeof(f->text[H_TYPE]), "Content-Type: application/json");
        snprintf(f->text[H_AGENT], sizeof(f->text[H_AGENT]), "User-Agent: vigil/" VIGIL_VERSION);
        snprintf(f->text[H_EXPECT], sizeof(f->text[H_EXPECT]), "Expect:"); /* no 100-continue */
        for (int h = 0; h < H_COUNT; h++) {
            f->hs[h].data = f->text[h];
            f->hs[h].next = h + 1 < H_COUNT ? &f->hs[h + 1] : NULL;
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, f->hs);
        if (!proxy_env)
            curl_easy_setopt(c, CURLOPT_PROXY, ""); /* spares curl the look-ups per request */
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->timeout_s);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)cfg->timeout_s);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_PRIVATE, &nt->fl[i]);
        nt->fl[i].next_free = nt->free_fl;
        nt->free_fl = &nt->fl[i];
    }
    if (ok) {
        curl_multi_setopt(nt->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
        curl_multi_setopt(nt->multi, CURLMOPT_SOCKETDATA, nt);
        curl_multi_setopt(nt->multi, CURLMOPT_TIMERFUNCTION, on_timer);
        curl_multi_setopt(nt->multi, CURLMOPT_TIMERDATA, nt);
        curl_multi_setopt(nt->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)PARALLEL);
        curl_multi_setopt(nt->multi, CURLMOPT_MAXCONNECTS, (long)(2 * PARALLEL));
    }
    if (!ok || pthread_create(&nt->thread, NULL, worker, nt) != 0) {
        notifier_free(nt);
        return vg_err_set(err, VG_EBACKEND, "cannot start the webhook worker");
    }
    *out = nt;
    return VG_OK;
}

struct vg_notify_batch *vg_notify_batch_new(void)
{
    struct vg_notify_batch *b = vg_xcalloc(1, sizeof(*b));
    b->a = vg_arena_new(1 << 16);
    return b;
}

void vg_notify_batch_add(struct vg_notify_batch *b, const struct vg_outbox *o, const char *body,
                         size_t body_len)
{
    struct vg_outbox *r = vg_arena_alloc(b->a, sizeof(*r));
    char *t = vg_arena_alloc(b->a, body_len + 1);
    memcpy(t, body, body_len);
    t[body_len] = '\0';
    *r = (struct vg_outbox){.id = o->id, .created_at = o->created_at, .org_id = o->org_id,
                            .subscription_id = o->subscription_id,
                            .topic = vg_arena_strdup(b->a, o->topic),
                            .object_type = vg_arena_strdup(b->a, o->object_type),
                            .object_id = vg_arena_strdup(b->a, o->object_id),
                            .idempotency_key = vg_arena_strdup(b->a, o->idempotency_key),
                            .url = vg_arena_strdup(b->a, o->url),
                            .secret = vg_arena_strdup(b->a, o->secret), .body = t,
                            .state = "pending", .attempts = 0,
                            .next_attempt_at = o->next_attempt_at, .origin_at = o->origin_at};
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->rows = vg_xrealloc(b->rows, b->cap * sizeof(*b->rows));
    }
    b->rows[b->n++] = r;
}

size_t vg_notify_batch_len(const struct vg_notify_batch *b)
{
    return b ? b->n : 0;
}

void vg_notifier_reserve(struct vg_notifier *nt, struct vg_notify_batch *b)
{
    if (nt == NULL || b == NULL)
        return;
    pthread_mutex_lock(&nt->mu);
    b->next = nt->reserved;
    nt->reserved = b;
    pthread_mutex_unlock(&nt->mu);
}

void vg_notifier_submit(struct vg_notifier *nt, struct vg_notify_batch *b, int committed)
{
    if (b == NULL)
        return;
    if (nt == NULL) {
        batch_free(b);
        return;
    }
    pthread_mutex_lock(&nt->mu);
    for (struct vg_notify_batch **p = &nt->reserved; *p; p = &(*p)->next)
        if (*p == b) {
            *p = b->next;
            break;
        }
    b->next = NULL;
    if (committed && b->n && !nt->stopping) {
        b->next = nt->submitted;
        nt->submitted = b;
        b = NULL;
    }
    pthread_mutex_unlock(&nt->mu);
    if (b)
        batch_free(b);
    else
        wake(nt);
}

static void wake(struct vg_notifier *nt)
{
    uint64_t one = 1;
    if (write(nt->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        VG_LOG(VG_LOG_WARN, "event=webhook_wake_failed errno=%d", errno);
}

void vg_notifier_kick(struct vg_notifier *nt)
{
    if (nt == NULL)
        return;
    pthread_mutex_lock(&nt->mu);
    nt->kicked = 1;
    pthread_mutex_unlock(&nt->mu);
    wake(nt);
}

void vg_notifier_stop(struct vg_notifier *nt)
{
    if (nt == NULL)
        return;
    pthread_mutex_lock(&nt->mu);
    nt->stopping = 1;
    pthread_mutex_unlock(&nt->mu);
    wake(nt);
    pthread_join(nt->thread, NULL);
    notifier_free(nt);
}
