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

/* Outbox rows handed to the worker in memory when their transaction commits,
 * so it posts them at once instead of reading them back from the store. The
 * rows are in the store all the same (a crash loses nothing). Reserve the
 * batch before the commit -- the worker then never reads its rows from the
 * store while it holds them, so a row is posted once -- and submit it after. */
struct vg_notify_batch;
struct vg_notify_batch *vg_notify_batch_new(void);
/* Copies o (id set by outbox_insert) with its whole body text into b. */
void vg_notify_batch_add(struct vg_notify_batch *b, const struct vg_outbox *o, const char *body,
                         size_t body_len);
size_t vg_notify_batch_len(const struct vg_notify_batch *b);
/* Before the commit. NULL-safe (n or b). */
void vg_notifier_reserve(struct vg_notifier *n, struct vg_notify_batch *b);
/* After the transaction: committed, the worker takes the rows and is woken;
 * otherwise they are dropped. Frees b. NULL-safe (n or b). */
void vg_notifier_submit(struct vg_notifier *n, struct vg_notify_batch *b, int committed);

/* "sha256=" + hex HMAC-SHA256(secret, body): the X-Vigil-Signature value. */
void vg_webhook_signature(const char *secret, const char *body, size_t n, char out[72]);

#endif
