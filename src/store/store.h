/* The store interface: a constant table of operations behind a base struct
 * embedded first in each backend (SQLite now, PostgreSQL later). Services call
 * only these; no SQL above store/. Backends map their own errors to VG_E*
 * (a unique violation -> VG_ECONFLICT, a missing row -> VG_ENOTFOUND).
 *
 * A struct vg_store is one connection: use it from one thread at a time (the
 * pool in service/ hands connections out). Strings in results live in the
 * arena passed to the call. */
#ifndef VG_STORE_H
#define VG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

enum vg_org_kind { VG_ORG_OPERATOR, VG_ORG_MEMBER, VG_ORG_VENDOR, VG_ORG_INDUSTRY, VG_ORG_PEER };
enum vg_org_status { VG_ORG_ACTIVE, VG_ORG_SUSPENDED, VG_ORG_REVOKED };
enum vg_role { VG_ROLE_ADMIN, VG_ROLE_ANALYST, VG_ROLE_MEMBER, VG_ROLE_VENDOR, VG_ROLE_READER };

struct vg_org {
    int64_t id;
    const char *name;
    int kind;             /* enum vg_org_kind */
    const char *country;  /* ISO 3166 alpha-2 or NULL */
    int status;           /* enum vg_org_status */
    int64_t status_until; /* suspension end (ms), 0 when none */
    const char *status_reason;
    int64_t created_at, updated_at;
};

struct vg_user {
    int64_t id, org_id;
    const char *name;   /* unique login name */
    int role;           /* enum vg_role */
    const char *pwhash; /* argon2id string or NULL (token-only user) */
    int64_t created_at;
};

struct vg_token {
    int64_t id, user_id;
    const char *name;
    unsigned char hash[32]; /* keyed BLAKE2b of the secret; the secret is never stored */
    int64_t created_at;
    int64_t expires_at; /* 0 = never */
    int64_t revoked_at; /* 0 = live */
};

struct vg_audit {
    int64_t seq, at;
    int64_t actor_user, actor_org; /* 0 for the system */
    const char *action;            /* "org.create", ... */
    const char *object_type;
    const char *object_id;
    const char *payload;           /* canonical JSON of what was written */
    char payload_hash[65];         /* hex SHA-256 of payload */
    char prev_hash[65];            /* hash of seq-1 ("0"*64 for seq 1) */
    char hash[65];
};

struct vg_task {
    int64_t id;
    const char *kind;        /* "suspension_review" */
    const char *object_type; /* "org" */
    const char *object_id;
    const char *summary;
    int64_t created_at, due_at;
    int64_t closed_at, closed_by; /* 0 while open */
    const char *resolution;
};

struct vg_store_stats {
    int64_t orgs, users, tokens, audit_entries, open_tasks;
    int64_t cases, outbox_pending;
};

/* A vulnerability case. Queried fields are columns; the rest of the case
 * (what the reporter submitted, the fix, assessments, the receipt) is the
 * JSON document doc, which the service owns. */
struct vg_case {
    int64_t rid;          /* row id: the paging cursor */
    const char *id;       /* "VG-2021-00001" */
    int year;
    int64_t seq;
    const char *state;    /* received, triaging, ... */
    const char *library;  /* general, ics, mobile, vehicle */
    const char *tlp;
    int64_t reporter_org, reporter_user;
    int64_t vendor_org;   /* the product's vendor unit, 0 when unknown */
    const char *product_vendor, *product_name;
    int64_t discovered_at, received_at, report_due;
    int late;
    int64_t late_by_ms;
    const char *duplicate_of;
    int score;            /* highest CVSS score in tenths, -1 when none */
    int64_t vendor_notified_at, published_at, updated_at;
    const char *doc;      /* canonical JSON */
};

struct vg_case_filter {
    const char *state, *library, *vendor; /* NULL = any; vendor matches product_vendor */
    int overdue;                          /* 1: only late reports */
    int all;                              /* 1: every case (operator staff) */
    int64_t viewer_org;                   /* else: published, or reported by / vendor of this org */
    int public_only;                      /* 1: published only (anonymous or suspended) */
};

struct vg_case_event {
    int64_t id;
    const char *case_id;
    int64_t at, actor_user, actor_org;
    const char *kind;  /* "transition", "comment", "information", "duplicate_link" */
    const char *from_state, *to_state;
    const char *body;  /* note or comment text */
};

/* One (reporter unit, library) sample for compliance figures. */
struct vg_case_delay {
    int64_t reporter_org;
    const char *library;
    int64_t delay_ms; /* received_at - discovered_at */
    int late;
};

/* A unit's inbox entry. */
struct vg_notification {
    int64_t id, org_id, created_at;
    const char *topic;       /* "case.received", "case.vendor_notified", ... */
    const char *object_type, *object_id;
    const char *body;        /* JSON */
    /* One entry for many units (on insert): org_id VG_NOTIFY_KIND(kind) and
     * recipients ",id,id," (units of that kind); its body's envelope says
     * "org_id": that same value, which each unit reads as its own id. */
    const char *recipients;
};
/* The org_id of an entry for several units of kind k (enum vg_org_kind). */
#define VG_NOTIFY_KIND(k) (-1 - (int64_t)(k))

struct vg_subscription {
    int64_t id, org_id, created_at, created_by;
    const char *channel;     /* "webhook" */
    const char *url;
    const char *secret;      /* HMAC key; never returned by the API */
    const char *filter;      /* JSON */
};

/* A message to deliver, written in the transaction of the change it tells. */
struct vg_outbox {
    int64_t id, created_at, org_id, subscription_id;
    const char *topic, *object_type, *object_id;
    const char *idempotency_key; /* unique */
    const char *url, *secret, *body;
    const char *state;           /* pending, delivered, failed */
    int attempts;
    int64_t next_attempt_at, delivered_at;
    int64_t origin_at;           /* when the reported event happened (delay is measured from it) */
    /* On insert, body NULL and notification_id set: the body is that inbox
     * entry's message with "notification_id" added, stored once (read back
     * whole by outbox_due). */
    int64_t notification_id;
};

struct vg_delivery {
    int64_t id, outbox_id, at;
    int status;                  /* HTTP status, 0 when no response */
    const char *error;
    int64_t delay_ms;            /* at - origin_at */
    /* joined from the outbox row on listing */
    const char *topic, *url, *idempotency_key;
    int64_t org_id;
};

/* ---- indicators and TAXII ---- */
/* TLP is stored as enum vg_tlp (0 CLEAR .. 4 RED). Times in ms since the
 * epoch; valid_until 0 = no expiry. recipients: ",ID,ID," (named units) or NULL. */
struct vg_ioc_row {
    int64_t id;
    const char *type, *value;   /* vg_ioc_type_name, normalised value */
    int64_t first_seen, last_seen, sightings, created_at, updated_at;
};

/* One unit's report of an observable (the correlation: one row per unit). */
struct vg_ioc_source {
    int64_t id, ioc_id, org_id;
    const char *stix_id;        /* the STIX indicator (or SCO) that carried it */
    int tlp, confidence;        /* confidence 0..100 */
    const char *labels;         /* JSON array or NULL */
    const char *recipients;
    int64_t valid_from, valid_until, first_seen, last_seen, reports;
    const char *type, *value;   /* joined from the entity on reads */
    uint64_t key_hash;          /* vg_store_key_hash(stix_id, NULL) when the caller took
                                 * it already, else 0 (source_put) */
};

struct vg_ioc_sighting {
    int64_t id, ioc_id, org_id, at, count;
    int tlp;
    const char *note, *stix_id;
};

/* Who is reading, for queries that filter by TLP in SQL: a row is visible
 * when tlp <= max_tlp, or org_id = org, or org is among its recipients
 * (org -1: none, e.g. a suspended unit). */
struct vg_ioc_viewer { int max_tlp; int64_t org; };

struct vg_taxii_object {
    int64_t rid;
    const char *collection, *id, *type, *spec_version;
    const char *version;        /* modified (or created, or date_added) as written */
    int64_t version_ms;
    int64_t date_added;         /* microseconds since the epoch, unique, increasing */
    int tlp;
    int64_t org_id;
    const char *recipients;
    const char *body;           /* the object's JSON */
    size_t body_len;            /* strlen(body) when the caller knows it, else 0 */
    /* For a bulk writer (taxii_put), each 0 when not taken: the key hash of
     * id (vg_store_key_hash(id, NULL)), and those of an object it will store
     * a few objects later (its id, and its first observable's type and value
     * as given to ioc_upsert), whose key slots the store then fetches into
     * the cache meanwhile. */
    uint64_t key_hash, ahead_id, ahead_value;
};

struct vg_buf;

struct vg_taxii_filter {
    const char *collection;
    struct vg_ioc_viewer viewer;
    int64_t added_after;        /* µs, 0 = none; also the paging cursor */
    const char *ids, *types, *spec_versions; /* JSON arrays of strings or NULL */
    const char *versions;       /* JSON array of version_ms numbers or NULL */
    int version_mode;           /* 0 last, 1 first, 2 all, 3 the listed versions */
    int limit;                  /* rows returned: at most limit + 1 (to tell "more") */
    int dense;                  /* a hint: the collection holds most of the objects */
    /* When set, the bodies of the first `limit` rows are appended here,
     * comma-separated (the objects of a TAXII envelope), and not copied into
     * the rows: the page text is written once. Without ids, the rows then
     * carry date_added only (the rest NULL / 0). */
    struct vg_buf *page;
};

struct vg_taxii_status {
    const char *id;
    int64_t org_id, created_at;
    const char *body;           /* the status resource JSON */
};

/* A disposal notice (处置通知). Queried fields are columns; the rest (threat,
 * reports, appeal, history) is the JSON doc, owned by the service. */
struct vg_disposal {
    int64_t id;
    const char *state;          /* reported identified notice_issued executed closed appealed */
    int64_t ioc_id;             /* 0 when none */
    int64_t target_org;         /* 0 until a notice is issued */
    const char *target_category; /* government | critical_infrastructure | other */
    const char *measure;        /* block stop_service remove_malware rectify other, or NULL */
    int64_t deadline, created_by, created_at, updated_at;
    int64_t issued_at, acknowledged_at, executed_at, closed_at;
    const char *doc;
};

struct vg_disposal_filter {
    const char *state;
    int64_t target_org;         /* 0 = any */
    int overdue;                /* notice_issued past deadline at now */
    int64_t now;
};
/* end: indicators and TAXII structs */

/* A knowledge-base record: the OSV document and what is queried. */
struct vg_vuln {
    int64_t rid;
    const char *id;
    int64_t modified, published, withdrawn; /* ms; 0 when absent */
    const char *source;  /* osv, cve5, nvd, case */
    int public;          /* 0: a confirmed case's record before publication */
    int score;           /* highest CVSS score in tenths, -1 none */
    const char *grade;   /* national grade name or NULL */
    const char *summary;
    const char *doc;     /* canonical OSV JSON */
    int64_t updated_at;
};

/* One record of a vuln_put_many batch: the row and what is indexed with it. */
struct vg_vuln_put {
    struct vg_vuln v;               /* v.rid: the stored row it replaces, 0 when new */
    const char *const *aliases;     /* upper-case */
    size_t naliases;
    const char *const *packages;    /* (ecosystem, name) pairs */
    size_t npackages;
    const char *details;            /* doc's details (full text with v.summary), or NULL */
    /* Byte lengths of v.doc, v.summary and details when the caller knows
     * them (0: the store measures): a batch's documents are then not read
     * once more only to find their ends. */
    size_t doc_len, summary_len, details_len;
    /* The aliases and packages as vg_store_vuln_keys writes them, keys_len
     * bytes, when the caller has built them (on an import's parsing
     * threads, off the writer's); NULL: the store builds them. */
    const char *keys;
    size_t keys_len;
};

struct vg_vuln_filter {
    const char *ecosystem, *package, *alias; /* exact; NULL = any */
    const char *grade;                        /* national grade name */
    int kev;                                  /* 1: known exploited only */
    int64_t since;                            /* modified >= since (0 = any) */
    const char *text;                         /* FTS5 query over summary and details */
    int include_private;                      /* 1: staff */
};

struct vg_kev {
    const char *cve_id, *date_added, *due_date, *doc;
};

/* SBOM registry: a unit's named SBOM, versioned by upload. */
struct vg_sbom_rec {
    int64_t id, org_id, created_at, created_by;
    const char *name, *format;
    int version, current;
    int64_t components;
};

struct vg_component {
    int64_t id, sbom_id, org_id;
    const char *ecosystem, *name, *version, *purl, *path;
    const char *sbom_name; /* filled by component_get only */
};

/* An exposure: a registered component that a record affects. */
struct vg_exposure {
    int64_t id, org_id, sbom_id, component_id, first_seen, updated_at;
    const char *sbom_name, *purl, *vuln_id;
    const char *status; /* open, fixed, accepted_risk */
    const char *reason;
};

struct vg_alert {
    int64_t id, org_id, created_at;
    const char *vuln_id, *body;
};

/* One row of the exposure summary: a unit's exposures by status and grade. */
struct vg_exposure_count {
    int64_t org_id;
    const char *status, *grade; /* grade NULL when the record has no score */
    int64_t n;
};

/* An operator risk notice (风险提示) sent to chosen units. */
struct vg_risk_notice {
    int64_t id, created_at, created_by, recipients;
    const char *body; /* JSON */
};

struct vg_store;

#define VG_TX_BULK 2

struct vg_store_ops {
    const char *name; /* "sqlite" | "postgres" */
    void (*close)(struct vg_store *s);
    /* One transaction per service operation. write=1 takes the write lock at
     * once (SQLite BEGIN IMMEDIATE) so read-then-write sequences serialise.
     * write=2 (VG_TX_BULK) is a write whose caller makes every reference
     * between the rows it writes itself (an indicator ingest: each source
     * and sighting refers to an indicator it upserted or found in the same
     * transaction): the backend does not check them again (SQLite: foreign
     * keys off for that transaction, a probe of iocs per source row less). */
    int (*begin)(struct vg_store *s, int write, struct vg_err *err);
    int (*commit)(struct vg_store *s, struct vg_err *err);
    void (*rollback)(struct vg_store *s);
    /* Nested unit inside a transaction: op 0 opens it, 1 keeps its writes,
     * 2 undoes them (group commit runs several operations in one transaction). */
    int (*savepoint)(struct vg_store *s, int op, struct vg_err *err);

    int (*org_insert)(struct vg_store *s, struct vg_org *o, struct vg_err *err); /* sets o->id */
    int (*org_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_org *out,
                   struct vg_err *err);
    /* Orgs with id > after, ascending, at most limit; only_id != 0 restricts to one. */
    int (*org_list)(struct vg_store *s, int64_t after, int limit, int64_t only_id,
                    struct vg_arena *a, struct vg_org **out, size_t *n, struct vg_err *err);
    int (*org_set_status)(struct vg_store *s, int64_t id, int status, int64_t until,
                          const char *reason, int64_t at, struct vg_err *err);
    /* Suspended orgs whose status_until <= now. */
    int (*org_expired)(struct vg_store *s, int64_t now, struct vg_arena *a, struct vg_org **out,
                       size_t *n, struct vg_err *err);

    int (*user_insert)(struct vg_store *s, struct vg_user *u, struct vg_err *err);
    int (*user_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_user *out,
                    struct vg_err *err);
    int (*user_by_name)(struct vg_store *s, const char *name, struct vg_arena *a,
                        struct vg_user *out, struct vg_err *err);
    int (*user_list)(struct vg_store *s, int64_t org_id, int64_t after, int limit,
                     struct vg_arena *a, struct vg_user **out, size_t *n, struct vg_err *err);

    int (*token_insert)(struct vg_store *s, struct vg_token *t, struct vg_err *err);
    int (*token_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_token *out,
                     struct vg_err *err);
    /* The token with this hash, its user and the user's org. */
    int (*token_auth)(struct vg_store *s, const unsigned char hash[32], struct vg_arena *a,
                      struct vg_token *t, struct vg_user *u, struct vg_org *o,
                      struct vg_err *err);
    int (*token_revoke)(struct vg_store *s, int64_t id, int64_t at, struct vg_err *err);
    int (*token_list)(struct vg_store *s, int64_t user_id, struct vg_arena *a,
                      struct vg_token **out, size_t *n, struct vg_err *err);

    /* Last entry's seq and hash (0 and "0"*64 when empty). */
    int (*audit_head)(struct vg_store *s, int64_t *seq, char hash[65], struct vg_err *err);
    int (*audit_insert)(struct vg_store *s, const struct vg_audit *e, struct vg_err *err);
    /* Entries with seq > after, ascending, at most limit. */
    int (*audit_list)(struct vg_store *s, int64_t after, int limit, struct vg_arena *a,
                      struct vg_audit **out, size_t *n, struct vg_err *err);
    /* The seq and hash recorded beside the chain at the last append. */
    int (*audit_anchor)(struct vg_store *s, int64_t *seq, char hash[65], struct vg_err *err);

    /* VG_ECONFLICT when an open task of the same kind exists for the object. */
    int (*task_insert)(struct vg_store *s, struct vg_task *t, struct vg_err *err);
    int (*task_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_task *out,
                    struct vg_err *err);
    int (*task_list)(struct vg_store *s, int open_only, int64_t after, int limit,
                     struct vg_arena *a, struct vg_task **out, size_t *n, struct vg_err *err);
    int (*task_close)(struct vg_store *s, int64_t id, int64_t by, const char *resolution,
                      int64_t at, struct vg_err *err);
    /* Closes every open task of kind for the object; *n gets how many. */
    int (*task_close_for)(struct vg_store *s, const char *kind, const char *object_type,
                          const char *object_id, int64_t by, const char *resolution, int64_t at,
                          struct vg_err *err);

    int (*stats)(struct vg_store *s, struct vg_store_stats *out, struct vg_err *err);
    /* Online backup into a new file (SQLite backup API). */
    int (*backup)(struct vg_store *s, const char *path, struct vg_err *err);

    /* ---- orgs by name and kind ---- */
    /* Case-insensitive name match; VG_ENOTFOUND when none. */
    int (*org_by_name)(struct vg_store *s, const char *name, struct vg_arena *a,
                       struct vg_org *out, struct vg_err *err);
    /* Active orgs of one kind. */
    int (*org_list_kind)(struct vg_store *s, int kind, struct vg_arena *a, struct vg_org **out,
                         size_t *n, struct vg_err *err);

    /* ---- cases ---- */
    /* The next gap-free number of year (call inside the write transaction). */
    int (*case_next_seq)(struct vg_store *s, int year, int64_t *seq, struct vg_err *err);
    int (*case_insert)(struct vg_store *s, struct vg_case *c, struct vg_err *err); /* sets rid */
    int (*case_get)(struct vg_store *s, const char *id, struct vg_arena *a, struct vg_case *out,
                    struct vg_err *err);
    /* Writes state, vendor_org, duplicate_of, vendor_notified_at, published_at,
     * updated_at, score and doc of the case with c->id. */
    int (*case_update)(struct vg_store *s, const struct vg_case *c, struct vg_err *err);
    int (*case_list)(struct vg_store *s, const struct vg_case_filter *f, int64_t after, int limit,
                     struct vg_arena *a, struct vg_case **out, size_t *n, struct vg_err *err);
    /* Dedup keys (kind "alias" or "product", value normalised by the service)
     * of the stored case c (rid, received_at); a repeated key is kept once. */
    int (*case_key_put)(struct vg_store *s, const struct vg_case *c, const char *kind,
                        const char *value, struct vg_err *err);
    /* The earliest received open case (not rejected, duplicate) other than
     * exclude_id holding a key: only rid, id and received_at are filled (in
     * a); VG_ENOTFOUND when there is none. */
    int (*case_find_key)(struct vg_store *s, const char *kind, const char *value,
                         const char *exclude_id, struct vg_arena *a, struct vg_case *out,
                         struct vg_err *err);
    int (*case_event_insert)(struct vg_store *s, struct vg_case_event *e, struct vg_err *err);
    int (*case_events)(struct vg_store *s, const char *case_id, struct vg_arena *a,
                       struct vg_case_event **out, size_t *n, struct vg_err *err);
    int (*case_delays)(struct vg_store *s, struct vg_arena *a, struct vg_case_delay **out,
                       size_t *n, struct vg_err *err);

    /* ---- inbox, subscriptions, outbox ---- */
    int (*notif_insert)(struct vg_store *s, struct vg_notification *n, struct vg_err *err);
    /* The inbox of unit org_id of kind org_kind, in id order: its own entries
     * and those for units of its kind that name it, each as if its own
     * (org_id and the envelope's "org_id" are org_id). */
    int (*notif_list)(struct vg_store *s, int64_t org_id, int org_kind, int64_t after, int limit,
                      struct vg_arena *a, struct vg_notification **out, size_t *n,
                      struct vg_err *err);
    int (*sub_insert)(struct vg_store *s, struct vg_subscription *sub, struct vg_err *err);
    int (*sub_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_subscription *out,
                   struct vg_err *err);
    /* org_id 0: every subscription. */
    int (*sub_list)(struct vg_store *s, int64_t org_id, struct vg_arena *a,
                    struct vg_subscription **out, size_t *n, struct vg_err *err);
    int (*sub_delete)(struct vg_store *s, int64_t id, struct vg_err *err);
    int (*outbox_insert)(struct vg_store *s, struct vg_outbox *o, struct vg_err *err);
    /* Pending rows with next_attempt_at <= now, oldest first. */
    int (*outbox_due)(struct vg_store *s, int64_t now, int limit, struct vg_arena *a,
                      struct vg_outbox **out, size_t *n, struct vg_err *err);
    /* Earliest next_attempt_at of a pending row (0 when none). */
    int (*outbox_next)(struct vg_store *s, int64_t *at, struct vg_err *err);
    int (*outbox_update)(struct vg_store *s, int64_t id, const char *state, int attempts,
                         int64_t next_attempt_at, int64_t delivered_at, struct vg_err *err);
    int (*delivery_insert)(struct vg_store *s, struct vg_delivery *d, struct vg_err *err);
    int (*delivery_list)(struct vg_store *s, const char *object_type, const char *object_id,
                         struct vg_arena *a, struct vg_delivery **out, size_t *n,
                         struct vg_err *err);

    /* ---- knowledge base ---- */
    int (*vuln_get)(struct vg_store *s, const char *id, struct vg_arena *a, struct vg_vuln *out,
                    struct vg_err *err);
    /* Record id's rid, modified and public into out (nothing else set), and
     * *same 1 when its stored doc is doc[0..n) byte for byte (n 0: measured),
     * without reading the doc out: an import's check of a record it is
     * given against the stored one. VG_ENOTFOUND when id is not stored. */
    int (*vuln_head)(struct vg_store *s, const char *id, const char *doc, size_t n,
                     struct vg_vuln *out, int *same, struct vg_err *err);
    /* Ids of records holding alias (upper-case), ascending. */
    int (*vuln_by_alias)(struct vg_store *s, const char *alias, struct vg_arena *a,
                         const char ***ids, size_t *n, struct vg_err *err);
    /* Inserts the new records and replaces the stored ones (by v.rid), with
     * their aliases, (ecosystem, name) pairs and full-text rows, in few
     * statements: an import batch. Ids are distinct and new ones not stored;
     * a new record's v.rid is set. */
    int (*vuln_put_many)(struct vg_store *s, struct vg_vuln_put *p, size_t n,
                         struct vg_err *err);
    /* Inserts those of p whose id is not stored yet, with their aliases,
     * (ecosystem, name) pairs and full-text rows, setting their v.rid (new
     * rids in the order of p); a stored id is left as it is, its v.rid 0.
     * Ids are distinct. The common case of an import, without a lookup per
     * record. With rows_only, the alias, package and full-text rows are left
     * for vuln_index_new, which the caller runs in the same transaction
     * before anything else writes those records (vuln_put_many replacing
     * one included): an import stores its records as they are read, and
     * their rows still go in together. */
    int (*vuln_insert_new)(struct vg_store *s, struct vg_vuln_put *p, size_t n, int rows_only,
                           struct vg_err *err);
    /* The alias, package and full-text rows of p[0..n), inserted by
     * vuln_insert_new with rows_only (v.rid set). */
    int (*vuln_index_new)(struct vg_store *s, const struct vg_vuln_put *p, size_t n,
                          struct vg_err *err);
    int (*vuln_list)(struct vg_store *s, const struct vg_vuln_filter *f, int64_t after, int limit,
                     struct vg_arena *a, struct vg_vuln **out, size_t *n, struct vg_err *err);
    /* Every record by rid (for index builds), limit at a time. */
    int (*vuln_scan)(struct vg_store *s, int64_t after, int limit, struct vg_arena *a,
                     struct vg_vuln **out, size_t *n, struct vg_err *err);
    int (*vuln_ids_for_package)(struct vg_store *s, const char *ecosystem, const char *name,
                                struct vg_arena *a, const char ***ids, size_t *n,
                                struct vg_err *err);
    /* 1 in *changed when the entry was new or different. */
    int (*kev_put)(struct vg_store *s, const struct vg_kev *k, int *changed, struct vg_err *err);
    int (*kev_get)(struct vg_store *s, const char *cve, struct vg_arena *a, struct vg_kev *out,
                   struct vg_err *err);
    int (*vuln_count)(struct vg_store *s, int64_t *vulns, int64_t *kev, struct vg_err *err);

    /* ---- SBOM registry, exposures, alerts ---- */
    /* Next version of (org, name); the previous current version stops being current. */
    int (*sbom_insert)(struct vg_store *s, struct vg_sbom_rec *b, struct vg_err *err);
    int (*sbom_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_sbom_rec *out,
                    struct vg_err *err);
    /* org 0: every unit's; current_only: the latest version of each name. */
    int (*sbom_list)(struct vg_store *s, int64_t org_id, int current_only, int64_t after,
                     int limit, struct vg_arena *a, struct vg_sbom_rec **out, size_t *n,
                     struct vg_err *err);
    int (*component_insert)(struct vg_store *s, struct vg_component *c, struct vg_err *err);
    /* n components at once (sets each id); faster than one by one. */
    int (*components_insert)(struct vg_store *s, struct vg_component *c, size_t n,
                             struct vg_err *err);
    int (*components_of)(struct vg_store *s, int64_t sbom_id, struct vg_arena *a,
                         struct vg_component **out, size_t *n, struct vg_err *err);
    /* Components of current SBOMs with id > after, ascending (index builds). */
    int (*components_scan)(struct vg_store *s, int64_t after, int limit, struct vg_arena *a,
                           struct vg_component **out, size_t *n, struct vg_err *err);
    int (*component_get)(struct vg_store *s, int64_t id, struct vg_arena *a,
                         struct vg_component *out, struct vg_err *err);
    /* Inserts (org, sbom_name, purl, vuln) or reopens it; *created 1 when new. */
    int (*exposure_put)(struct vg_store *s, struct vg_exposure *e, int *created,
                        struct vg_err *err);
    /* Marks open exposures of (org, sbom_name) fixed unless their purl+vuln
     * is in the keep set ("purl\x1fvuln" strings); *fixed gets the count. */
    int (*exposure_close_missing)(struct vg_store *s, int64_t org_id, const char *sbom_name,
                                  const char *const *keep, size_t nkeep, int64_t at,
                                  size_t *fixed, struct vg_err *err);
    /* Filters: vuln / org / sbom_name NULL or 0 = any. */
    int (*exposure_list)(struct vg_store *s, const char *vuln_id, int64_t org_id,
                         const char *sbom_name, int64_t after, int limit, struct vg_arena *a,
                         struct vg_exposure **out, size_t *n, struct vg_err *err);
    int (*exposure_get)(struct vg_store *s, int64_t id, struct vg_arena *a,
                        struct vg_exposure *out, struct vg_err *err);
    int (*exposure_set_status)(struct vg_store *s, int64_t id, const char *status,
                               const char *reason, int64_t at, struct vg_err *err);
    /* *created 0 when the unit already had an alert for the record. */
    int (*alert_insert)(struct vg_store *s, struct vg_alert *al, int *created, struct vg_err *err);
    int (*alert_list)(struct vg_store *s, int64_t org_id, int64_t after, int limit,
                      struct vg_arena *a, struct vg_alert **out, size_t *n, struct vg_err *err);
    /* org 0: every unit. */
    int (*exposure_summary)(struct vg_store *s, int64_t org_id, struct vg_arena *a,
                            struct vg_exposure_count **out, size_t *n, struct vg_err *err);
    int (*risk_notice_insert)(struct vg_store *s, struct vg_risk_notice *rn, struct vg_err *err);
    int (*risk_notice_list)(struct vg_store *s, int64_t after, int limit, struct vg_arena *a,
                            struct vg_risk_notice **out, size_t *n, struct vg_err *err);

    /* ---- indicators and TAXII ---- */
    /* The entity of (type, value), created when absent; last_seen = max(at).
     * key_hash: vg_store_key_hash(type, value) when the caller took it
     * already (on another thread, say), else 0. */
    int (*ioc_upsert)(struct vg_store *s, const char *type, const char *value,
                      uint64_t key_hash, int64_t at, int64_t *id, struct vg_err *err);
    int (*ioc_get)(struct vg_store *s, int64_t id, struct vg_arena *a, struct vg_ioc_row *out,
                   struct vg_err *err);
    /* Entities with id > after that have a source visible to v, ascending;
     * type/value NULL = any. */
    int (*ioc_list)(struct vg_store *s, const struct vg_ioc_viewer *v, const char *type,
                    const char *value, int64_t after, int limit, struct vg_arena *a,
                    struct vg_ioc_row **out, size_t *n, struct vg_err *err);
    /* Inserts or updates the (ioc_id, org_id) source: first_seen kept, reports
     * incremented; sets src->id. */
    int (*ioc_source_put)(struct vg_store *s, struct vg_ioc_source *src, struct vg_err *err);
    int (*ioc_sources)(struct vg_store *s, int64_t ioc_id, struct vg_arena *a,
                       struct vg_ioc_source **out, size_t *n, struct vg_err *err);
    int (*ioc_sources_by_stix)(struct vg_store *s, const char *stix_id, struct vg_arena *a,
                               struct vg_ioc_source **out, size_t *n, struct vg_err *err);
    /* Builds what the backend keeps in memory to find indicators, objects
     * and sources by key (SQLite: the key indexes, else built on first use);
     * NULL when there is nothing to build. Called once at start. */
    int (*ioc_keys_build)(struct vg_store *s, struct vg_err *err);
    /* In a write transaction about to store up to n objects, indicators and
     * sources: room for them in what the backend keeps in memory, taken at
     * once (a big ingest then grows nothing on the way). A hint: NULL when
     * the backend has nothing to size. */
    int (*ioc_reserve)(struct vg_store *s, size_t n, struct vg_err *err);
    /* Every source with id > after (joined type/value), ascending: index build. */
    int (*ioc_source_scan)(struct vg_store *s, int64_t after, int limit, struct vg_arena *a,
                           struct vg_ioc_source **out, size_t *n, struct vg_err *err);
    /* Inserts and adds count to the entity's sightings, last_seen = max(at). */
    int (*ioc_sighting_insert)(struct vg_store *s, struct vg_ioc_sighting *g,
                               struct vg_err *err);
    int (*ioc_sightings)(struct vg_store *s, int64_t ioc_id, struct vg_arena *a,
                         struct vg_ioc_sighting **out, size_t *n, struct vg_err *err);
    /* VG_ECONFLICT when (collection, id, version_ms) is stored; sets rid and
     * date_added (at least the given one, above every stored one). */
    int (*taxii_put)(struct vg_store *s, struct vg_taxii_object *o, struct vg_err *err);
    int (*taxii_list)(struct vg_store *s, const struct vg_taxii_filter *f, struct vg_arena *a,
                      struct vg_taxii_object **out, size_t *n, struct vg_err *err);
    int (*taxii_status_put)(struct vg_store *s, const struct vg_taxii_status *st,
                            struct vg_err *err);
    int (*taxii_status_get)(struct vg_store *s, const char *id, struct vg_arena *a,
                            struct vg_taxii_status *out, struct vg_err *err);
    int (*disposal_insert)(struct vg_store *s, struct vg_disposal *d, struct vg_err *err);
    int (*disposal_get)(struct vg_store *s, int64_t id, struct vg_arena *a,
                        struct vg_disposal *out, struct vg_err *err);
    int (*disposal_update)(struct vg_store *s, const struct vg_disposal *d, struct vg_err *err);
    int (*disposal_list)(struct vg_store *s, const struct vg_disposal_filter *f, int64_t after,
                         int limit, struct vg_arena *a, struct vg_disposal **out, size_t *n,
                         struct vg_err *err);
};

struct vg_store {
    const struct vg_store_ops *ops;
};

/* Opens one connection for uri ("sqlite:PATH"; a bare path is SQLite) and
 * applies pending migrations when migrate is set. create=0 fails with
 * VG_ENOTFOUND when the database does not exist yet. */
int vg_store_open(const char *uri, int create, int migrate, struct vg_store **out,
                  struct vg_err *err);
void vg_store_close(struct vg_store *s); /* NULL-safe */

int vg_sqlite_open(const char *path, int create, int migrate, struct vg_store **out,
                   struct vg_err *err);

/* A fixed pool of connections handed out one per operation (store/pool.c).
 * vg_pool_get blocks while every connection is in use. */
struct vg_store_pool;
int vg_pool_open(const char *uri, int size, struct vg_store_pool **out, struct vg_err *err);
void vg_pool_close(struct vg_store_pool *p);
struct vg_store *vg_pool_get(struct vg_store_pool *p);
void vg_pool_put(struct vg_store_pool *p, struct vg_store *s);
/* Appends p's aliases and packages to b as the SQLite store keeps them
 * beside the record ({"a":[alias,...],"p":[[ecosystem,name],...]}, JSON) and
 * returns their length. Pure (no store, thread-safe): for
 * vg_vuln_put.keys. */
size_t vg_store_vuln_keys(struct vg_buf *b, const struct vg_vuln_put *p);
/* The hash under which the store's in-memory key indexes file a key (k2
 * NULL: one part): an indicator's (type, value), a STIX id. Pure and
 * thread-safe: a bulk writer takes it ahead, on another thread, for
 * ioc_upsert, vg_ioc_source.key_hash and vg_taxii_object's hints. */
uint64_t vg_store_key_hash(const char *k1, const char *k2);
/* Sets s up as the pool's writer: its checkpoints move to a thread of their
 * own (the writer then does not stop to copy the log into the database
 * file) and its page cache is sized for appending. A no-op for backends
 * without a write-ahead log. */
int vg_store_writer_setup(struct vg_store *s, struct vg_err *err);
/* The writer connection, exclusively, until vg_pool_writer_put. */
struct vg_store *vg_pool_writer(struct vg_store_pool *p);
void vg_pool_writer_put(struct vg_store_pool *p);

/* Names for the enums (and back; -1 when unknown). */
const char *vg_org_kind_name(int k);
const char *vg_org_status_name(int s);
const char *vg_role_name(int r);
int vg_org_kind_parse(const char *s);
int vg_role_parse(const char *s);

#endif
