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
    CURL *curl;
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

/* Posts one row; returns the HTTP status (0 when no response) and fills why. */
static long post(struct vg_notifier *nt, const struct vg_outbox *o, char *why, size_t whylen)
{
    struct curl_slist *hs = NULL;
    char h[512], sig[72];
    long status = 0;
    size_t n = strlen(o->body);
    vg_webhook_signature(o->secret, o->body, n, sig);
    hs = curl_slist_append(hs, "Content-Type: application/json");
    hs = curl_slist_append(hs, "User-Agent: vigil/" VIGIL_VERSION);
    snprintf(h, sizeof(h), "X-Vigil-Signature: %s", sig);
    hs = curl_slist_append(hs, h);
    snprintf(h, sizeof(h), "X-Vigil-Idempotency-Key: %s", o->idempotency_key);
    hs = curl_slist_append(hs, h);
    snprintf(h, sizeof(h), "Idempotency-Key: %s", o->idempotency_key);
    hs = curl_slist_append(hs, h);
    snprintf(h, sizeof(h), "X-Vigil-Event: %s", o->topic);
    hs = curl_slist_append(hs, h);
    snprintf(h, sizeof(h), "X-Vigil-Delivery: %lld", (long long)o->id);
    hs = curl_slist_append(hs, h);
    CURL *c = nt->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)nt->cfg.timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)nt->cfg.timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        snprintf(why, whylen, "HTTP %ld", status);
    } else {
        snprintf(why, whylen, "%s", curl_easy_strerror(rc));
    }
    curl_slist_free_all(hs);
    return status;
}

static int record(struct vg_store *st, const struct vg_outbox *o, const struct vg_delivery *d,
                  const char *state, int attempts, int64_t next_at, int64_t delivered_at)
{
    struct vg_err e = {0};
    struct vg_delivery dd = *d;
    int rc = st->ops->begin(st, 1, &e);
    if (rc == VG_OK)
        rc = st->ops->delivery_insert(st, &dd, &e);
    if (rc == VG_OK)
        rc = st->ops->outbox_update(st, o->id, state, attempts, next_at, delivered_at, &e);
    if (rc == VG_OK)
        rc = st->ops->commit(st, &e);
    if (rc) {
        st->ops->rollback(st);
        VG_LOG(VG_LOG_ERROR, "event=outbox_record_failed outbox=%lld msg=\"%s\"", (long long)o->id,
               e.msg);
    }
    return rc;
}

/* Delivers every due row once; returns how many were attempted. */
static int drain(struct vg_notifier *nt)
{
    struct vg_arena *a = vg_arena_new(0);
    struct vg_outbox *rows = NULL;
    struct vg_err e = {0};
    size_t n = 0;
    struct vg_store *st = vg_pool_get(nt->pool);
    int rc = st->ops->outbox_due(st, vg_time_now_ms(), 64, a, &rows, &n, &e);
    vg_pool_put(nt->pool, st);
    if (rc) {
        VG_LOG(VG_LOG_ERROR, "event=outbox_read_failed msg=\"%s\"", e.msg);
        n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        struct vg_outbox *o = &rows[i];
        char why[256];
        long status = post(nt, o, why, sizeof(why));
        int64_t now = vg_time_now_ms();
        struct vg_delivery d = {.outbox_id = o->id, .at = now, .status = (int)status,
                                .error = status >= 200 && status < 300 ? NULL : why,
                                .delay_ms = now - o->origin_at};
        int attempts = o->attempts + 1;
        st = vg_pool_writer(nt->pool);
        if (status >= 200 && status < 300) {
            record(st, o, &d, "delivered", attempts, o->next_attempt_at, now);
            VG_LOG(VG_LOG_INFO, "event=webhook_delivered outbox=%lld topic=%s status=%ld delay_ms=%lld",
                   (long long)o->id, o->topic, status, (long long)d.delay_ms);
        } else {
            int64_t delay = nt->cfg.backoff_ms;
            for (int k = 1; k < attempts && delay < nt->cfg.max_backoff_ms; k++)
                delay *= 2;
            if (delay > nt->cfg.max_backoff_ms)
                delay = nt->cfg.max_backoff_ms;
            const char *state = attempts >= nt->cfg.max_attempts ? "failed" : "pending";
            record(st, o, &d, state, attempts, now + delay, 0);
            VG_LOG(VG_LOG_WARN, "event=webhook_failed outbox=%lld attempt=%d next_in_ms=%lld why=\"%s\"",
                   (long long)o->id, attempts, (long long)delay, why);
        }
        vg_pool_writer_put(nt->pool);
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
        if (done == 64)
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
    nt->curl = curl_easy_init();
    pthread_mutex_init(&nt->mu, NULL);
    pthread_cond_init(&nt->cv, NULL);
    if (nt->curl == NULL || pthread_create(&nt->thread, NULL, worker, nt) != 0) {
        if (nt->curl)
            curl_easy_cleanup(nt->curl);
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
    curl_easy_cleanup(nt->curl);
    pthread_mutex_destroy(&nt->mu);
    pthread_cond_destroy(&nt->cv);
    free(nt);
}
