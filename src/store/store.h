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
};

struct vg_store;

struct vg_store_ops {
    const char *name; /* "sqlite" | "postgres" */
    void (*close)(struct vg_store *s);
    /* One transaction per service operation. write=1 takes the write lock at
     * once (SQLite BEGIN IMMEDIATE) so read-then-write sequences serialise. */
    int (*begin)(struct vg_store *s, int write, struct vg_err *err);
    int (*commit)(struct vg_store *s, struct vg_err *err);
    void (*rollback)(struct vg_store *s);

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

/* Names for the enums (and back; -1 when unknown). */
const char *vg_org_kind_name(int k);
const char *vg_org_status_name(int s);
const char *vg_role_name(int r);
int vg_org_kind_parse(const char *s);
int vg_role_parse(const char *s);

#endif
