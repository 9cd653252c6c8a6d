/* The delivery side of the transactional outbox: a worker thread that posts
 * pending outbox rows as signed webhooks, retries with exponential backoff,
 * and records every attempt. Rows are written by the service layer in the
 * same transaction as the change they announce, so a crash between commit and
 * delivery loses nothing: the worker picks the rows up again at start.
 * Not for: deciding who is notified (service/). */
#ifndef VG_NOTIFY_H
#define VG_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

struct vg_notify_cfg {
    int64_t backoff_ms;     /* first retry delay; doubles per attempt */
    int64_t max_backoff_ms; /* cap on the delay */
    int max_attempts;       /* then the row is marked failed */
    int timeout_s;          /* per request */
};

struct vg_notifier;

/* Starts the worker over the pool (borrowed; must outlive the notifier). */
int vg_notifier_start(struct vg_store_pool *pool, const struct vg_notify_cfg *cfg,
                      struct vg_notifier **out, struct vg_err *err);
/* Wakes the worker after a commit that wrote outbox rows. NULL-safe. */
void vg_notifier_kick(struct vg_notifier *n);
/* Finishes the attempt in progress, stops the worker, frees n. NULL-safe. */
void vg_notifier_stop(struct vg_notifier *n);

/* "sha256=" + hex HMAC-SHA256(secret, body): the X-Vigil-Signature value. */
void vg_webhook_signature(const char *secret, const char *body, size_t n, char out[72]);

#endif
