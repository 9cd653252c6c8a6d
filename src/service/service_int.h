/* Internals shared by the service layer's files. */
#ifndef VG_SERVICE_INT_H
#define VG_SERVICE_INT_H

#include "service/service.h"

enum vg_action {
    VG_ACT_ME,
    VG_ACT_ORG_CREATE,
    VG_ACT_ORG_READ_ANY,
    VG_ACT_ORG_READ_OWN,
    VG_ACT_ORG_STATUS,
    VG_ACT_ORG_REVOKE,
    VG_ACT_USER_CREATE,
    VG_ACT_USER_READ_ANY,
    VG_ACT_USER_READ_OWN_ORG,
    VG_ACT_TOKEN_OWN,
    VG_ACT_TOKEN_ANY,
    VG_ACT_TOKEN_READ_OWN,
    VG_ACT_AUDIT_READ,
    VG_ACT_TASK_READ,
    VG_ACT_TASK_CLOSE,
    VG_ACT_CASE_SUBMIT,     /* any non-reader of an active unit */
    VG_ACT_CASE_READ,       /* non-public case reads */
    VG_ACT_CASE_STAFF,      /* triage, confirm, notify, publish, reject; read everything */
    VG_ACT_CASE_COMMENT,
    VG_ACT_CASE_FIX,        /* record fix availability (vendor unit) */
    VG_ACT_SUB_MANAGE,      /* a unit's own webhook subscriptions */
    VG_ACT_INBOX_READ,
    VG_ACT_VULN_IMPORT,     /* knowledge-base imports (operator staff) */
    VG_ACT_SBOM_WRITE,      /* register SBOMs, set exposure status */
    VG_ACT_SBOM_READ,       /* a unit's SBOMs, exposures, alerts */
    /* ---- indicators, TAXII, disposal notices ---- */
    VG_ACT_IOC_SUBMIT,      /* submit indicators and sightings (REST or TAXII) */
    VG_ACT_IOC_READ,        /* read indicators: TLP filters what (suspended: CLEAR only) */
    VG_ACT_DISPOSAL_STAFF,  /* open, identify, issue, close disposal notices */
    VG_ACT_DISPOSAL_READ,   /* read notices (staff: all; a unit: those addressed to it) */
    VG_ACT_DISPOSAL_RESPOND, /* the target unit: acknowledge, report execution, appeal */
    VG_ACT_COUNT
};

/* VG_OK, or VG_EFORBIDDEN / VG_ESUSPENDED with the reason. */
int vg_authz(const struct vg_actor *who, int action, struct vg_err *err);
/* 1 for the operator's admins and analysts (who may be NULL: anonymous). */
int vg__staff(const struct vg_actor *who);
/* 1 when allowed (no error recorded). */
int vg_allowed(const struct vg_actor *who, int action);

/* One transaction on st: begin, fn, commit; rollback when fn or the commit
 * fails. */
int vg__tx_on(struct vg_store *st, int write, int (*fn)(struct vg_store *st, void *ctx),
              void *ctx, struct vg_err *err);
/* The same on srv: reads on a pooled reader; writes group-committed on the
 * writer (each in its own savepoint). */
int vg__tx(struct vg_server *srv, int write, int (*fn)(struct vg_store *st, void *ctx),
           void *ctx, struct vg_err *err);
/* Group commit for writes that announce themselves: vg__tx_expect(srv, 1)
 * when a request starts preparing a write (decoding, encoding), then either
 * vg__tx_expected (which queues it like vg__tx) or vg__tx_expect(srv, -1)
 * when it will not write after all. A leader about to run a batch waits a
 * little (at most VG_TX_WAIT_US) while announced writes are still being
 * prepared, so that they share its transaction and commit. */
#define VG_TX_WAIT_US 1000
void vg__tx_expect(struct vg_server *srv, int delta);
int vg__tx_expected(struct vg_server *srv, int (*fn)(struct vg_store *st, void *ctx), void *ctx,
                    struct vg_err *err);
/* vg__tx_expected with work for the op's owner around queueing: queued(ctx)
 * runs under the queue's lock as the op takes its place (writes queued
 * before it run before it), prepare(ctx) right after, unlocked, before the
 * owner waits or leads, while batches ahead of it run. A leader may run the
 * op while prepare is still at work: fn must not count on what prepare does.
 * Either hook may be NULL. rerun 1 says that fn may be run again from the
 * start after its transaction is rolled back (it keeps nothing of a run
 * that it would not redo the same), that it sets nothing in its err when it
 * succeeds, and that once it has written it fails only as the store does:
 * a batch of such ops runs without a savepoint per op, and is rolled back
 * and run again with them should one fail. */
struct vg_tx_hooks {
    void (*queued)(void *ctx);
    void (*prepare)(void *ctx);
    int rerun;
};
int vg__tx_expected_hooked(struct vg_server *srv, int (*fn)(struct vg_store *st, void *ctx),
                           void *ctx, const struct vg_tx_hooks *hooks, struct vg_err *err);
/* Case numbers foreseen for receipts signed ahead of the writer (cases.c,
 * srv->rcpt_*). vg__case_foresee, as a case of `year` is queued: the number
 * it will get if the cases queued before it are stored, with the epoch of
 * that guess, or 0 when there is no guess for that year. vg__case_numbered,
 * by the writer once the case has its number `seq`: corrects the guesses of
 * the cases queued from then on when this one was wrong (and of its epoch),
 * or starts guessing from a first case, or a later year. Thread-safe. */
int64_t vg__case_foresee(struct vg_server *srv, int year, uint64_t *epoch);
void vg__case_numbered(struct vg_server *srv, int year, int64_t foreseen, uint64_t epoch,
                       int64_t seq);
/* Appends s as a JSON string, byte for byte as jansson writes it (compact,
 * no ASCII or slash escaping): for text that must read like a dump. */
struct vg_buf;
void vg__jansson_str(struct vg_buf *b, const char *s);
/* Appends v's text byte for byte as jansson's compact dump writes it: with
 * sorted keys when sort (as vg_json_canonical), else in insertion order (as
 * vg_json_dump). */
void vg__jansson_put(struct vg_buf *b, const json_t *v, int sort);
/* Hands a write's result to the caller: *out = res when rc is VG_OK, else
 * res is freed. Returns rc. */
int vg__result(int rc, json_t *res, json_t **out);

json_t *vg__org_json(const struct vg_org *o);
json_t *vg__user_json(const struct vg_user *u);
json_t *vg__time_json(int64_t ms); /* RFC 3339 string, or null for 0 */
/* {"items": items, "next_cursor": last_id as text when the page is full, else null};
 * takes over items. */
json_t *vg__page_json(json_t *items, size_t n, int limit, int64_t last_id);

/* Stores an OSV record in the knowledge base in the caller's transaction
 * (upsert by modified; *changed 0 when the stored one is as new). */
int vg__kb_put(struct vg_store *st, json_t *rec, const char *source, int public, int64_t now,
               struct vg_arena *a, int *changed, struct vg_err *err);
/* The knowledge base's match index under its read lock (NULL before the
 * first build); release with vg__kb_release. */
struct vg_match_index;
const struct vg_match_index *vg__kb_acquire(struct vg_server *srv);
void vg__kb_release(struct vg_server *srv);

/* Matches rec against every registered component (reverse index), stores the
 * exposures and alerts each affected unit once, in the caller's write
 * transaction; *units gets the number of units newly alerted. Call
 * vg_expo_ensure before the transaction. */
int vg__expo_reverse(struct vg_server *srv, struct vg_store *st, json_t *rec, int64_t now,
                     struct vg_arena *a, int *queued, size_t *units, struct vg_err *err);
/* 1 when no component is registered (vg__expo_reverse would match nothing):
 * a caller holding records as text may skip decoding them. */
int vg__expo_idle(struct vg_server *srv);

/* Writes an inbox entry for org and one outbox row per webhook subscription
 * of org whose filter takes topic, in the caller's transaction. */
int vg__notify_org(struct vg_store *st, int64_t org_id, const char *topic,
                   const char *object_type, const char *object_id, json_t *body, int64_t origin_at,
                   struct vg_arena *a, int *queued, struct vg_err *err);

/* One unit's message for vg__notify_orgs: text is body encoded as JSON. */
struct vg_notify_to {
    int64_t org_id;
    json_t *body;     /* borrowed: the facts the subscription filters test */
    const char *text; /* borrowed */
};
struct vg_notify_batch;
/* vg__notify_org for n units, in the caller's transaction. With batch, the
 * outbox rows also go into it (to hand to the notifier on commit) and are not
 * counted in *queued. */
int vg__notify_orgs(struct vg_store *st, const char *topic, const char *object_type,
                    const char *object_id, const struct vg_notify_to *to, size_t n,
                    int64_t origin_at, int *queued, struct vg_notify_batch *batch,
                    struct vg_err *err);
/* vg__expo_reverse with the alerts' outbox rows put in batch, which is
 * reserved with the notifier before the caller commits (see notify.h). */
int vg__expo_reverse_to(struct vg_server *srv, struct vg_store *st, json_t *rec, int64_t now,
                        struct vg_arena *a, int *queued, size_t *units,
                        struct vg_notify_batch *batch, struct vg_err *err);

#endif
