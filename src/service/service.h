/* The service layer: every rule, every authorization decision, every
 * transaction with its audit entry. Handlers and the CLI call these and do no
 * rule of their own. Results are allocated in the caller's arena.
 *
 * Thread safety: every function may be called from any thread; each takes a
 * store connection from the server's pool for the duration of the call. */
#ifndef VG_SERVICE_H
#define VG_SERVICE_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "store/store.h"

struct vg_store_pool;
struct vg_auth_cache;
struct vg_notifier;
struct vg_kb;
struct vg_expo;
struct vg_txreq;

/* The one context object: config, store pool, secret key, workers. */
struct vg_server {
    struct vg_config cfg;
    struct vg_store_pool *pool;
    unsigned char key[32]; /* keys token hashes and receipts; from DATA/secret.key */
    char store_uri[1100];
    /* token -> identity, dropped whenever tokens, users or unit status change */
    struct vg_auth_cache *auth_cache;
    /* receipts: Ed25519 key pair from DATA/signing.key; key_id = hex of the
     * first 8 bytes of SHA-256(public key) */
    unsigned char sign_sk[64], sign_pk[32];
    char key_id[17];
    /* the outbox worker (NULL when not started: init, CLI tools) */
    struct vg_notifier *notifier;
    /* the knowledge base's in-memory match index */
    struct vg_kb *kb;
    /* the reverse index over registered SBOM components */
    struct vg_expo *expo;
    /* the operator's GB/T 30279 grading table (NULL when none), in gbt_arena */
    struct vg_gbt *gbt;
    struct vg_arena *gbt_arena;
    /* background sweeper */
    pthread_t sweeper;
    int sweeper_running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopping;
    /* group commit: write operations queue here; one leader runs a batch in
     * one transaction (service/accounts.c, vg__tx) */
    pthread_mutex_t txmu;
    pthread_cond_t txcv;
    struct vg_txreq *txq_head, *txq_tail;
    int tx_leader;
    /* ---- indicators: the lookup index (service/indicators.c), swapped
     * under its own rwlock after each commit that changes indicators ---- */
    struct vg_ioc_state *ioc;

    /* ---- group commit: writes announced with vg__tx_expect and not queued
     * yet (under txmu); a leader waits briefly for them (accounts.c) ---- */
    int tx_coming;
    struct vg_txreq *tx_waiting; /* the leader waiting for them, or NULL */
    /* operations queued now, and how many the last batch had: a leader
     * also waits (as briefly) until as many are queued again */
    int txq_len, tx_last;

    /* ---- cases: the number the next queued case will get, foreseen so
     * that its owner signs the receipt before the writer comes to it
     * (cases.c); a guess, which the writer checks ---- */
    pthread_mutex_t rcpt_mu;
    int rcpt_year;       /* the year foreseen (0: none yet) */
    int64_t rcpt_next;   /* the next number in it */
    uint64_t rcpt_epoch; /* moves with each correction of rcpt_next */
};

/* Who is calling: resolved from a token by vg_svc_authenticate. */
struct vg_actor {
    int64_t user_id, org_id, token_id;
    int role;          /* enum vg_role */
    int org_kind;      /* enum vg_org_kind */
    int org_status;    /* enum vg_org_status */
    int64_t status_until;
    const char *user_name, *org_name;
};

/* The system actor (user 0, org 0) for work the platform does on its own. */
extern const struct vg_actor vg_system_actor;

/* Opens the store pool (size = threads + 2) and reads DATA/secret.key. */
int vg_server_open(struct vg_server *srv, const struct vg_config *cfg, struct vg_err *err);
/* Stops the sweeper and closes every connection. */
void vg_server_close(struct vg_server *srv);
/* Starts the thread that turns expired suspensions into review tasks. */
int vg_server_start_sweeper(struct vg_server *srv, struct vg_err *err);
/* Starts the outbox worker (webhook deliveries). */
int vg_server_start_notifier(struct vg_server *srv, struct vg_err *err);

/* Creates DATA, its secret key and the store, the operator org and its first
 * admin with a token. VG_ECONFLICT when DATA is already initialised (nothing
 * is changed then). token_out receives the token (shown once). */
int vg_svc_init(const struct vg_config *cfg, int64_t *org_id, int64_t *user_id,
                char token_out[80], struct vg_err *err);
/* The demo units for `make run` (through the same audited service calls). */
int vg_svc_seed_demo(struct vg_server *srv, const struct vg_actor *admin, struct vg_err *err);

/* ---- identity and authorization ---- */

/* VG_EUNAUTH for a missing, unknown, expired or revoked token. A revoked
 * unit's tokens are VG_EFORBIDDEN. */
int vg_svc_authenticate(struct vg_server *srv, const char *token, struct vg_arena *a,
                        struct vg_actor *out, struct vg_err *err);
/* Password login: a new token with a 12 h expiry. */
int vg_svc_login(struct vg_server *srv, const char *name, const char *password,
                 struct vg_arena *a, json_t **out, struct vg_err *err);
/* Identity of the caller (allowed for a suspended unit: it says so). */
int vg_svc_me(struct vg_server *srv, const struct vg_actor *who, struct vg_arena *a, json_t **out,
              struct vg_err *err);

/* ---- units and accounts (each write audited, all JSON results new refs) ---- */

struct vg_org_create { const char *name; int kind; const char *country; };
struct vg_user_create { int64_t org_id; const char *name; int role; const char *password; };
struct vg_token_create { int64_t user_id; const char *name; int64_t expires_at; };
struct vg_page { int64_t after; int limit; };

int vg_svc_org_create(struct vg_server *srv, const struct vg_actor *who,
                      const struct vg_org_create *req, json_t **out, struct vg_err *err);
int vg_svc_org_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, json_t **out,
                   struct vg_err *err);
int vg_svc_org_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                    json_t **out, struct vg_err *err);
int vg_svc_org_suspend(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                       int64_t until, const char *reason, json_t **out, struct vg_err *err);
int vg_svc_org_reinstate(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                         const char *reason, json_t **out, struct vg_err *err);
int vg_svc_org_revoke(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                      const char *reason, json_t **out, struct vg_err *err);

int vg_svc_user_create(struct vg_server *srv, const struct vg_actor *who,
                       const struct vg_user_create *req, json_t **out, struct vg_err *err);
int vg_svc_user_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, json_t **out,
                    struct vg_err *err);
int vg_svc_user_list(struct vg_server *srv, const struct vg_actor *who, int64_t org_id,
                     struct vg_page pg, json_t **out, struct vg_err *err);

/* out: {id, token, user_id, name, created_at, expires_at}; the token only here. */
int vg_svc_token_create(struct vg_server *srv, const struct vg_actor *who,
                        const struct vg_token_create *req, json_t **out, struct vg_err *err);
int vg_svc_token_revoke(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                        json_t **out, struct vg_err *err);
int vg_svc_token_list(struct vg_server *srv, const struct vg_actor *who, int64_t user_id,
                      json_t **out, struct vg_err *err);

/* ---- vulnerability cases (service/cases.c) ---- */

struct vg_case_query {
    const char *state, *library, *vendor;
    int overdue;
    struct vg_page pg;
};

/* Intake: body is the submission read with jscan (borrowed), raw/rawlen its exact
 * bytes (hashed into the signed receipt). who may be any active unit's
 * non-reader user. The 201 body (JSON text, caller frees) in *out, *outlen. */
struct vg_jval;
int vg_svc_case_create(struct vg_server *srv, const struct vg_actor *who,
                       const struct vg_jval *body, const char *raw, size_t rawlen, char **out,
                       size_t *outlen, struct vg_err *err);
/* who NULL = anonymous (published cases only). */
int vg_svc_case_get(struct vg_server *srv, const struct vg_actor *who, const char *id,
                    json_t **out, struct vg_err *err);
int vg_svc_case_list(struct vg_server *srv, const struct vg_actor *who,
                     const struct vg_case_query *q, json_t **out, struct vg_err *err);
/* body: {"to", "note"?, "vendor_org_id"?, "duplicate_of"?, "fix"?, "early_publication"?} */
int vg_svc_case_transition(struct vg_server *srv, const struct vg_actor *who, const char *id,
                           json_t *body, json_t **out, struct vg_err *err);
/* kind: "comment" or "information" */
int vg_svc_case_comment(struct vg_server *srv, const struct vg_actor *who, const char *id,
                        const char *kind, const char *text, json_t **out, struct vg_err *err);
int vg_svc_case_timeline(struct vg_server *srv, const struct vg_actor *who, const char *id,
                         json_t **out, struct vg_err *err);
int vg_svc_case_deliveries(struct vg_server *srv, const struct vg_actor *who, const char *id,
                           json_t **out, struct vg_err *err);
int vg_svc_compliance(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                      struct vg_err *err);
/* {"keys":[{"id","alg":"Ed25519","public_key"}]} */
int vg_svc_keys(struct vg_server *srv, json_t **out, struct vg_err *err);
/* Checks a receipt object against a public key (32 bytes). VG_OK or VG_EINVAL. */
int vg_receipt_verify(json_t *receipt, const unsigned char pk[32], struct vg_err *err);

/* ---- knowledge base (service/vulns.c) ---- */

/* format: osv | cve5 | nvd | kev; records: the raw records (borrowed).
 * Staff only. *out: {format, imported, unchanged, skipped, errors[{index, field, message}]}. */
int vg_svc_vuln_import(struct vg_server *srv, const struct vg_actor *who, const char *format,
                       json_t *records, json_t **out, struct vg_err *err);
/* A client's place for a bulk request: its session (1..32 of [A-Za-z0-9_-])
 * and the request's number in it, from 0. */
#define VG_IMPORT_SESSION_MAX 32
struct vg_import_order {
    const char *session;
    uint64_t seq;
};
/* The same with the records as JSON lines, body[0..n) (one record a line;
 * errors[].index is the line's, from 0). A malformed line is skipped and
 * reported like a malformed record; an OSV record is stored as sent. With o
 * (or NULL), the request is stored after the session's requests numbered
 * before it are done (VG_ECONFLICT, nothing stored, when one of them has
 * not come within 30 s). */
int vg_svc_vuln_import_lines(struct vg_server *srv, const struct vg_actor *who,
                             const char *format, const char *body, size_t n,
                             const struct vg_import_order *o, json_t **out, struct vg_err *err);
/* By id or alias; who NULL = anonymous. osv_api: the platform's fields go
 * into database_specific.vigil instead of a top-level "vigil". */
int vg_svc_vuln_get(struct vg_server *srv, const struct vg_actor *who, const char *id,
                    int osv_api, json_t **out, struct vg_err *err);
int vg_svc_vuln_list(struct vg_server *srv, const struct vg_actor *who,
                     const struct vg_vuln_filter *f, struct vg_page pg, json_t **out,
                     struct vg_err *err);
/* POST /v1/query and /v1/querybatch with OSV.dev's shapes (the request read
 * with core/jscan.h; borrowed). The batch answer
 * ({"results":[{"vulns":[{"id","modified"}]}]}) is written as JSON text into
 * out (caller-owned; on error it may hold part of an answer). */
struct vg_buf;
struct vg_jval;
int vg_svc_osv_query(struct vg_server *srv, const struct vg_actor *who, const struct vg_jval *q,
                     json_t **out, struct vg_err *err);
int vg_svc_osv_querybatch(struct vg_server *srv, const struct vg_actor *who,
                          const struct vg_jval *body, struct vg_buf *out, struct vg_err *err);
int vg_svc_kb_stats(struct vg_server *srv, json_t **out, struct vg_err *err);
struct vg_kb *vg_kb_new(void);
void vg_kb_free(struct vg_kb *kb);
/* Rebuilds the match index from the store and swaps it in. */
int vg_kb_rebuild(struct vg_server *srv, struct vg_err *err);
/* The store changed: the next reader rebuilds the index (vg_kb_ensure). */
void vg_kb_mark(struct vg_server *srv);
int vg_kb_ensure(struct vg_server *srv, struct vg_err *err);

/* ---- SBOM registry, exposures, risk alerts (service/exposure.c) ---- */

/* Registers raw (CycloneDX / SPDX JSON or purl lines) as the next version of
 * the caller's SBOM called name; *out: {id, name, version, components,
 * vulnerable, findings[...]} with findings shaped as `vigil scan --format json`. */
int vg_svc_sbom_upload(struct vg_server *srv, const struct vg_actor *who, const char *name,
                       const char *raw, size_t len, json_t **out, struct vg_err *err);
int vg_svc_sbom_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                     json_t **out, struct vg_err *err);
int vg_svc_sbom_get(struct vg_server *srv, const struct vg_actor *who, int64_t id, int findings,
                    json_t **out, struct vg_err *err);
/* vuln (id or alias) may be NULL; staff see every unit, a unit its own. */
int vg_svc_exposures(struct vg_server *srv, const struct vg_actor *who, const char *vuln,
                     struct vg_page pg, json_t **out, struct vg_err *err);
int vg_svc_exposure_status(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                           const char *status, const char *reason, json_t **out,
                           struct vg_err *err);
int vg_svc_alerts(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                  json_t **out, struct vg_err *err);
/* Per unit: open / fixed / accepted_risk counts and open exposures by grade. */
int vg_svc_exposure_summary(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                            struct vg_err *err);
/* Operator risk notice (风险提示): {title, component, risk, scope,
 * recommended_action, level, targets:{kinds, org_ids}}; staff only. */
int vg_svc_risk_notice(struct vg_server *srv, const struct vg_actor *who, json_t *body,
                       json_t **out, struct vg_err *err);
int vg_svc_risk_notice_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                            json_t **out, struct vg_err *err);
struct vg_expo *vg_expo_new(void);
void vg_expo_free(struct vg_expo *x);
/* Rebuilds the reverse index when uploads made it stale. */
int vg_expo_ensure(struct vg_server *srv, struct vg_err *err);

/* ---- inbox and subscriptions (service/cases.c) ---- */

int vg_svc_sub_create(struct vg_server *srv, const struct vg_actor *who, const char *url,
                      const char *secret, json_t *filter, json_t **out, struct vg_err *err);
int vg_svc_sub_list(struct vg_server *srv, const struct vg_actor *who, json_t **out,
                    struct vg_err *err);
int vg_svc_sub_delete(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                      struct vg_err *err);
int vg_svc_inbox(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                 json_t **out, struct vg_err *err);

/* ---- audit and review tasks ---- */

int vg_svc_audit_list(struct vg_server *srv, const struct vg_actor *who, struct vg_page pg,
                      json_t **out, struct vg_err *err);
int vg_svc_task_list(struct vg_server *srv, const struct vg_actor *who, int open_only,
                     struct vg_page pg, json_t **out, struct vg_err *err);
int vg_svc_task_close(struct vg_server *srv, const struct vg_actor *who, int64_t id,
                      const char *resolution, json_t **out, struct vg_err *err);
/* Opens a review task for every suspension whose end has passed and that has
 * none open yet; *created gets how many. */
int vg_svc_sweep(struct vg_server *srv, int64_t now, int *created, struct vg_err *err);

/* Store figures for /metrics. */
int vg_svc_stats(struct vg_server *srv, struct vg_store_stats *out, struct vg_err *err);

/* ---- the audit chain (service/audit.c) ---- */

/* Appends an entry in the caller's open write transaction. payload is hashed
 * in canonical form (sorted keys, compact). */
int vg_audit_append(struct vg_store *st, const struct vg_actor *who, const char *action,
                    const char *object_type, const char *object_id, const json_t *payload,
                    int64_t at, struct vg_err *err);
/* The same with the payload already in canonical JSON (n bytes, borrowed):
 * for writers that encode it as text. */
int vg_audit_append_text(struct vg_store *st, const struct vg_actor *who, const char *action,
                         const char *object_type, const char *object_id, const char *payload,
                         size_t n, int64_t at, struct vg_err *err);
/* Recomputes the chain. Returns VG_OK with *count entries, or VG_ECONFLICT
 * with *bad_seq the first broken entry and why describing the break. */
int vg_audit_verify(struct vg_store *st, int64_t *count, int64_t *bad_seq, char *why,
                    size_t whylen, struct vg_err *err);
/* hash = SHA-256 over the canonical JSON array
 * [seq, at, actor_user, actor_org, action, object_type, object_id, payload_hash, prev_hash]. */
void vg_audit_hash(const struct vg_audit *e, char out[65]);

/* ---- token secrets (service/auth.c) ---- */

/* A new token: "vg_" + 43 base64url characters (256 random bits). */
void vg_token_generate(char out[80]);
/* Keyed BLAKE2b-256 of the token under the server key. */
void vg_token_hash(const unsigned char key[32], const char *token, unsigned char out[32]);

/* ---- the authentication cache (service/auth.c) ---- */

struct vg_auth_cache *vg_auth_cache_new(void);
void vg_auth_cache_free(struct vg_auth_cache *c);
/* Forgets every cached identity; called after a commit that changes tokens,
 * users or a unit's status. */
void vg_auth_cache_invalidate(struct vg_auth_cache *c);

#endif
