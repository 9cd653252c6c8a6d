/* Outbox worker: polls due rows (woken early by vg_notifier_kick), posts each
 * with libcurl (one handle, so connections to a receiver are reused), signs
 * the body with the receiver's secret, and records the attempt and the new
 * row state in one small transaction. */
#include "notify/notify.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vg_notifier {
    struct vg_store_pool *pool;
    struct vg_notify_cfg cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping, kicked;
    CURLM *multi;
    struct flight *fl; /* PARALLEL handles, reused */
};

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

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

/* One delivery in flight. */
struct flight {
    struct vg_outbox *o;
    CURL *c;
    struct curl_slist *hs;
    char why[256];
    long status;
};

#define PARALLEL 256

static void prepare(struct vg_notifier *nt, struct flight *f)
{
    const struct vg_outbox *o = f->o;
    char h[512], sig[72];
    size_t n = strlen(o->body);
    vg_webhook_signature(o->secret, o->body, n, sig);
    f->hs = curl_slist_append(NULL, "Content-Type: application/json");
    f->hs = curl_slist_append(f->hs, "User-Agent: vigil/" VIGIL_VERSION);
    snprintf(h, sizeof(h), "X-Vigil-Signature: %s", sig);
    f->hs = curl_slist_append(f->hs, h);
    snprintf(h, sizeof(h), "X-Vigil-Idempotency-Key: %s", o->idempotency_key);
    f->hs = curl_slist_append(f->hs, h);
    snprintf(h, sizeof(h), "Idempotency-Key: %s", o->idempotency_key);
    f->hs = curl_slist_append(f->hs, h);
    snprintf(h, sizeof(h), "X-Vigil-Event: %s", o->topic);
    f->hs = curl_slist_append(f->hs, h);
    snprintf(h, sizeof(h), "X-Vigil-Delivery: %lld", (long long)o->id);
    f->hs = curl_slist_append(f->hs, h);
    CURL *c = f->c;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, f->hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)nt->cfg.timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)nt->cfg.timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PRIVATE, f);
    f->status = 0;
    f->why[0] = '\0';
}

/* Posts up to PARALLEL rows at once over the multi handle (connections to a
 * receiver are kept and reused across rounds). */
static void post_all(struct vg_notifier *nt, struct flight *fl, size_t n)
{
    int running = 0;
    for (size_t i = 0; i < n; i++) {
        prepare(nt, &fl[i]);
        curl_multi_add_handle(nt->multi, fl[i].c);
    }
    do {
        CURLMcode mc = curl_multi_perform(nt->multi, &running);
        if (mc == CURLM_OK && running)
            mc = curl_multi_poll(nt->multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK)
            break;
    } while (running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(nt->multi, &left))) {
        struct flight *f = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
        if (f == NULL)
            continue;
        if (m->data.result == CURLE_OK) {
            curl_easy_getinfo(f->c, CURLINFO_RESPONSE_CODE, &f->status);
            snprintf(f->why, sizeof(f->why), "HTTP %ld", f->status);
        } else {
            snprintf(f->why, sizeof(f->why), "%s", curl_easy_strerror(m->data.result));
        }
    }
    for (size_t i = 0; i < n; i++) {
        curl_multi_remove_handle(nt->multi, fl[i].c);
        curl_slist_free_all(fl[i].hs);
        fl[i].hs = NULL;
        if (fl[i].why[0] == '\0')
            snprintf(fl[i].why, sizeof(fl[i].why), "no answer");
    }
}

/* Records a round's attempts and the rows' new states in one transaction. */
static void record_all(struct vg_notifier *nt, struct flight *fl, size_t n)
{
    struct vg_err e = {0};
    struct vg_store *st = vg_pool_writer(nt->pool);
    int64_t now = vg_time_now_ms();
    int rc = st->ops->begin(st, 1, &e);
    for (size_t i = 0; rc == VG_OK && i < n; i++) {
        struct vg_outbox *o = fl[i].o;
        int ok = fl[i].status >= 200 && fl[i].status < 300;
        int attempts = o->attempts + 1;
        struct vg_delivery d = {.outbox_id = o->id, .at = now, .status = (int)fl[i].status,
                                .error = ok ? NULL : fl[i].why, .delay_ms = now - o->origin_at};
        if ((rc = st->ops->delivery_insert(st, &d, &e)))
            break;
        if (ok) {
            rc = st->ops->outbox_update(st, o->id, "delivered", attempts, o->next_attempt_at, now, &e);
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
                                        attempts, now + delay, 0, &e);
            VG_LOG(VG_LOG_WARN, "event=webhook_failed outbox=%lld attempt=%d next_in_ms=%lld why=\"%s\"",
                   (long long)o->id, attempts, (long long)delay, fl[i].why);
        }
    }
    if (rc == VG_OK)
        rc = st->ops->commit(st, &e);
    if (rc) {
        st->ops->rollback(st);
        VG_LOG(VG_LOG_ERROR, "event=outbox_record_failed msg=\"%s\"", e.msg);
    }
    vg_pool_writer_put(nt->pool);
}

/* Delivers every due row once (PARALLEL at a time); returns how many. */
static int drain(struct vg_notifier *nt)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_outbox *rows = NULL;
    struct vg_err e = {0};
    size_t n = 0;
    struct vg_store *st = vg_pool_get(nt->pool);
    int rc = st->ops->outbox_due(st, vg_time_now_ms(), 4 * PARALLEL, a, &rows, &n, &e);
    vg_pool_put(nt->pool, st);
    if (rc) {
        VG_LOG(VG_LOG_ERROR, "event=outbox_read_failed msg=\"%s\"", e.msg);
        n = 0;
    }
    for (size_t i = 0; i < n; i += PARALLEL) {
        size_t k = n - i < PARALLEL ? n - i : PARALLEL;
        for (size_t j = 0; j < k; j++)
            nt->fl[j].o = &rows[i + j];
        post_all(nt, nt->fl, k);
        record_all(nt, nt->fl, k);
    }
    vg_arena_free(a);
    return (int)n;
}

static void *worker(void *arg)
{
    struct vg_notifier *nt = arg;
    for (;;) {
        pthread_mutex_lock(&nt->mu);
        if (nt->stopping) {
            pthread_mutex_unlock(&nt->mu);
            break;
        }
        nt->kicked = 0;
        pthread_mutex_unlock(&nt->mu);
        int done = drain(nt);
        /* Sleep until the next retry is due (at most 1 s), or a kick. */
        int64_t next = 0, wait_ms = 1000;
        struct vg_err e = {0};
        struct vg_store *st = vg_pool_get(nt->pool);
        if (st->ops->outbox_next(st, &next, &e) == VG_OK && next > 0) {
            int64_t d = next - vg_time_now_ms();
            wait_ms = d < 0 ? 0 : d < 1000 ? d : 1000;
        }
        vg_pool_put(nt->pool, st);
        if (done == 4 * PARALLEL)
            wait_ms = 0; /* more rows may be waiting */
        pthread_mutex_lock(&nt->mu);
        if (!nt->stopping && !nt->kicked && wait_ms > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += wait_ms / 1000;
            ts.tv_nsec += (wait_ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&nt->cv, &nt->mu, &ts);
        }
        pthread_mutex_unlock(&nt->mu);
    }
    return NULL;
}

int vg_notifier_start(struct vg_store_pool *pool, const struct vg_notify_cfg *cfg,
                      struct vg_notifier **out, struct vg_err *err)
{
    struct vg_notifier *nt = vg_xcalloc(1, sizeof(*nt));
    nt->pool = pool;
    nt->cfg = *cfg;
    nt->multi = curl_multi_init();
    nt->fl = vg_xcalloc(PARALLEL, sizeof(*nt->fl));
    for (int i = 0; i < PARALLEL; i++)
        nt->fl[i].c = curl_easy_init();
    curl_multi_setopt(nt->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)PARALLEL);
    pthread_mutex_init(&nt->mu, NULL);
    pthread_cond_init(&nt->cv, NULL);
    if (nt->multi == NULL || pthread_create(&nt->thread, NULL, worker, nt) != 0) {
        for (int i = 0; i < PARALLEL; i++)
            curl_easy_cleanup(nt->fl[i].c);
        free(nt->fl);
        curl_multi_cleanup(nt->multi);
        pthread_mutex_destroy(&nt->mu);
        pthread_cond_destroy(&nt->cv);
        free(nt);
        return vg_err_set(err, VG_EBACKEND, "cannot start the webhook worker");
    }
    *out = nt;
    return VG_OK;
}

void vg_notifier_kick(struct vg_notifier *nt)
{
    if (nt == NULL)
        return;
    pthread_mutex_lock(&nt->mu);
    nt->kicked = 1;
    pthread_cond_signal(&nt->cv);
    pthread_mutex_unlock(&nt->mu);
}

void vg_notifier_stop(struct vg_notifier *nt)
{
    if (nt == NULL)
        return;
    pthread_mutex_lock(&nt->mu);
    nt->stopping = 1;
    pthread_cond_signal(&nt->cv);
    pthread_mutex_unlock(&nt->mu);
    pthread_join(nt->thread, NULL);
    for (int i = 0; i < PARALLEL; i++)
        curl_easy_cleanup(nt->fl[i].c);
    free(nt->fl);
    curl_multi_cleanup(nt->multi);
    pthread_mutex_destroy(&nt->mu);
    pthread_cond_destroy(&nt->cv);
    free(nt);
}
